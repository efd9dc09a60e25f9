// CUDA morphology.erosion, dilation, opening, closing (grayscale): skimage's conventions as in ref (front-centred
// footprint, mirrored for the second pass; modes max/min/ignore pad with the dtype's extremes), computed in the
// image's own dtype by the tiled min/max kernel of extremum.cuh (selection is exact in any precision). Opening
// and closing chain both passes on the device; device entries, so a pipeline's image stays there.
#include "extremum.cuh"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

template <Extremum First, bool Then>
DeviceArray grayscale(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("morphology.grayscale/" SKB_GPU_BACKEND_NAME);
    const Footprint* given = params.footprint("footprint");
    const auto offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::Front);
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const auto border = [&](Extremum which) {
            return grayscale_border<T>(params.choice("mode"), params.real("cval"), which);
        };
        constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
        const morphology::Pass<T> passes[] = {{First, offsets, border(First)},
                                              {second, mirrored(offsets), border(second)}};
        return morphology::run_passes<T, T>(input, std::span(passes, Then ? 2 : 1));
    });
}

SKB_GPU_REGISTER_DEVICE_IMPL("morphology.erosion", (grayscale<Extremum::Min, false>));
SKB_GPU_REGISTER_DEVICE_IMPL("morphology.dilation", (grayscale<Extremum::Max, false>));
SKB_GPU_REGISTER_DEVICE_IMPL("morphology.opening", (grayscale<Extremum::Min, true>));
SKB_GPU_REGISTER_DEVICE_IMPL("morphology.closing", (grayscale<Extremum::Max, true>));

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
