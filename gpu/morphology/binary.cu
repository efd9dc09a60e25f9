// CUDA morphology.binary_erosion, binary_dilation, binary_opening, binary_closing: the tiled min/max kernel of
// extremum.cuh on bool (AND = min, OR = max), the input read as nonzero-is-True while the first pass loads it
// (no conversion pass, only the input's own bytes cross the bus). End-centred footprint; erosion reads B[x+o],
// dilation B[x-o]; outside the image is True or False by mode, as in ref. Opening and closing chain both
// passes on the device; device entries, so a pipeline's mask stays there.
#include "extremum.cuh"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

morphology::Pass<bool> binary_pass(const morphology::Offsets& offsets, Extremum which, const std::string& mode) {
    // scipy's binary_dilation mirrors the structure: it reads B[x - o].
    return {which, which == Extremum::Min ? offsets : mirrored(offsets),
            MorphologyBorder<bool>{BorderMode::Constant, binary_outside(mode, which)}};
}

template <Extremum First, bool Then>
DeviceArray binary(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("morphology.binary/" SKB_GPU_BACKEND_NAME);
    const Footprint* given = params.footprint("footprint");
    const auto offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::End);
    const std::string& mode = params.choice("mode");
    constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
    const morphology::Pass<bool> passes[] = {binary_pass(offsets, First, mode), binary_pass(offsets, second, mode)};
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        return morphology::run_passes<T, bool>(input, std::span(passes, Then ? 2 : 1));
    });
}

SKB_GPU_REGISTER_DEVICE_IMPL("morphology.binary_erosion", (binary<Extremum::Min, false>));
SKB_GPU_REGISTER_DEVICE_IMPL("morphology.binary_dilation", (binary<Extremum::Max, false>));
SKB_GPU_REGISTER_DEVICE_IMPL("morphology.binary_opening", (binary<Extremum::Min, true>));
SKB_GPU_REGISTER_DEVICE_IMPL("morphology.binary_closing", (binary<Extremum::Max, true>));

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
