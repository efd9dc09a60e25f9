// CUDA filters.gaussian: separable, one kernel launch per axis (x, then y, then z, as opt; SciPy goes 0..n-1,
// the same sum up to float32 rounding), each filters/separable_pass.cuh's pass; the x pass converts the input.
// Taps come from skb/gaussian_kernel.hpp on the host. Transfers: the image H2D, the result D2H (none inside a
// pipeline: this is a device entry, runtime/device_array.hpp).
#include "filters/separable_pass.cuh"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

DeviceArray gaussian(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("filters.gaussian/" SKB_GPU_BACKEND_NAME);
    return gaussian_on_device(input, params.reals("sigma"), params.real("truncate"),
                              parse_border_mode(params.choice("mode")), static_cast<float>(params.real("cval")),
                              params.flag("preserve_range"));
}

SKB_GPU_REGISTER_DEVICE_IMPL("filters.gaussian", gaussian);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
