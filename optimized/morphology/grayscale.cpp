// Opt morphology.erosion, dilation, opening, closing (grayscale): skimage conventions as in the reference
// (front-centred footprint, mirrored for the second pass), in the image's own dtype (selection is exact in any
// precision): boxes by van Herk passes, other footprints by the fused row-tap kernel (extremum.hpp).
#include <type_traits>

#include "extremum.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

template <Extremum First, bool Then> Array grayscale(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("morphology.grayscale/opt");
    const Footprint* given = params.footprint("footprint");
    const Offsets offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::Front);
    const RunOptions options = sized_for_work(requested, morphology_work(input, offsets, Then ? 2 : 1));
    constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const auto border = [&](Extremum which) {
            return grayscale_border<T>(params.choice("mode"), params.real("cval"), which);
        };
        const MorphologyBorder<T> first_border = border(First), second_border = border(second);
        const VolumeFootprint f(input.shape(), offsets);
        if (f.box && !row_taps_for_box(f)) return box_passes<T>(input, f, First, first_border, Then ? &second_border : nullptr, input.dtype(), options);
        using S = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;  // bool as its 0/1 bytes
        const auto as_s = [](const MorphologyBorder<T>& b) { return MorphologyBorder<S>{b.mode, static_cast<S>(b.outside)}; };
        const MorphologyBorder<S> first_s = as_s(first_border), second_s = as_s(second_border);
        const auto plan = row_tap_plan<S>(input.shape(), offsets, First, first_s, Then ? &second_s : nullptr);
        Array result = new_output(options, input.dtype(), input.shape());
        row_tap_passes(static_cast<const S*>(input.raw()), static_cast<S*>(result.raw()), plan.volume, plan.passes, options,
                       SameBytes{});
        return result;
    });
}

SKB_REGISTER_IMPL("morphology.erosion", "opt", (grayscale<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.dilation", "opt", (grayscale<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.opening", "opt", (grayscale<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.closing", "opt", (grayscale<Extremum::Max, true>));

}  // namespace
}  // namespace skb::opt
