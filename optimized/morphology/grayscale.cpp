// Opt morphology.erosion, dilation, opening, closing (grayscale): skimage conventions as in the reference
// (front-centred footprint, mirrored for the second pass), computed by the row-fold kernel of extremum.hpp in
// the image's own dtype (selection is exact in any precision).
#include "extremum.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

template <Extremum First, bool Then> Array grayscale(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("morphology.grayscale/opt");
    const Footprint* given = params.footprint("footprint");
    const Offsets offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::Front);
    const RunOptions options = sized_for_work(requested, morphology_work(input, offsets, Then ? 2 : 1));
    return visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const auto border = [&](Extremum which) {
            return grayscale_border<T>(params.choice("mode"), params.real("cval"), which);
        };
        Array result = extremum_filter<T>(input, offsets, First, border(First), input.dtype(), options);
        if (Then) {
            constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
            extremum_filter_in_place<T>(result, mirrored(offsets), second, border(second), options);
        }
        return result;
    });
}

SKB_REGISTER_IMPL("morphology.erosion", "opt", (grayscale<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.dilation", "opt", (grayscale<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.opening", "opt", (grayscale<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.closing", "opt", (grayscale<Extremum::Max, true>));

}  // namespace
}  // namespace skb::opt
