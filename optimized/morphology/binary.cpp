// Opt morphology.binary_*: AND (erosion) or OR (dilation) of 0/1 bytes, as min and max: boxes by van Herk passes
// over the input converted to a 0/1 mask, other footprints (the default cross among them) by the fused row-tap
// kernel with "nonzero is True" folded into its row loads, the bool output written directly (extremum.hpp).
#include "extremum.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

using Byte = std::uint8_t;

Array as_mask(const Array& input, const RunOptions& options) {
    Array mask(DType::U8, input.shape());
    Byte* m = mask.data<Byte>();
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        parallel_blocks(options, input.size(), 1 << 16, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) m[i] = in[i] != T(0);
        });
    });
    return mask;
}

template <Extremum First, bool Then> Array binary(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("morphology.binary/opt");
    const Footprint* given = params.footprint("footprint");
    const Offsets offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::End);
    const RunOptions options = sized_for_work(requested, morphology_work(input, offsets, Then ? 2 : 1));
    const std::string& mode = params.choice("mode");
    constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
    const auto border = [&](Extremum which) {
        return MorphologyBorder<Byte>{BorderMode::Constant, binary_outside(mode, which)};
    };
    // Erosion reads B[x+o]; dilation reads B[x-o] (scipy's binary_dilation mirrors the structure).
    const Offsets first_offsets = First == Extremum::Min ? offsets : mirrored(offsets);
    const VolumeFootprint f(input.shape(), first_offsets);
    const MorphologyBorder<Byte> first_border = border(First), second_border = border(second);
    if (f.box && !row_taps_for_box(f)) {
        // bool arrays already hold 0/1 bytes; other dtypes become a 0/1 mask first.
        const Array converted = input.dtype() == DType::Bool ? Array() : as_mask(input, options);
        return box_passes<Byte>(input.dtype() == DType::Bool ? input : converted, f, First, first_border,
                                Then ? &second_border : nullptr, DType::Bool, options);
    }
    const auto plan = row_tap_plan<Byte>(input.shape(), first_offsets, First, first_border, Then ? &second_border : nullptr);
    Array result = new_output(options, DType::Bool, input.shape());
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, bool>)  // already 0/1 bytes
            row_tap_passes(static_cast<const Byte*>(input.raw()), static_cast<Byte*>(result.raw()), plan.volume, plan.passes,
                           options,
                           SameBytes{});
        else
            row_tap_passes(input.data<T>(), static_cast<Byte*>(result.raw()), plan.volume, plan.passes,
                           options,
                           [](T value) { return static_cast<Byte>(value != T(0)); });
    });
    return result;
}

SKB_REGISTER_IMPL("morphology.binary_erosion", "opt", (binary<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.binary_dilation", "opt", (binary<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.binary_opening", "opt", (binary<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.binary_closing", "opt", (binary<Extremum::Max, true>));

}  // namespace
}  // namespace skb::opt
