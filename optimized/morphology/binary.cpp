// Opt morphology.binary_*: the input becomes a 0/1 byte mask (nonzero is True) and the grayscale kernel of
// extremum.hpp runs on bytes (AND = min, OR = max), writing the bool output directly.
#include "extremum.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

Array as_mask(const Array& input, const RunOptions& options) {
    Array mask(DType::U8, input.shape());
    std::uint8_t* m = mask.data<std::uint8_t>();
    visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        parallel_blocks(options, input.size(), 1 << 16, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) m[i] = in[i] != T(0);
        });
    });
    return mask;
}

MorphologyBorder<std::uint8_t> binary_border(const std::string& mode, Extremum which) {
    return {BorderMode::Constant, binary_outside(mode, which)};
}

// Erosion reads B[x+o]; dilation reads B[x-o] (scipy's binary_dilation mirrors the structure).
Offsets read_offsets(const Offsets& offsets, Extremum which) {
    return which == Extremum::Min ? offsets : mirrored(offsets);
}

template <Extremum First, bool Then> Array binary(const Array& input, const Params& params, const RunOptions& options) {
    SKB_NVTX_RANGE("morphology.binary/opt");
    const Footprint* given = params.footprint("footprint");
    const Offsets offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::End);
    const std::string& mode = params.choice("mode");
    // bool arrays already hold 0/1 bytes; other dtypes become a 0/1 mask first.
    const Array converted = input.dtype() == DType::Bool ? Array() : as_mask(input, options);
    const Array& mask = input.dtype() == DType::Bool ? input : converted;
    Array result = extremum_filter<std::uint8_t>(mask, read_offsets(offsets, First), First, binary_border(mode, First),
                                                 DType::Bool, options);
    if (Then) {
        constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
        extremum_filter_in_place<std::uint8_t>(result, read_offsets(offsets, second), second,
                                               binary_border(mode, second), options);
    }
    return result;
}

SKB_REGISTER_IMPL("morphology.binary_erosion", "opt", (binary<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.binary_dilation", "opt", (binary<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.binary_opening", "opt", (binary<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.binary_closing", "opt", (binary<Extremum::Max, true>));

}  // namespace
}  // namespace skb::opt
