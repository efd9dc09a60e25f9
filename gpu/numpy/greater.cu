// CUDA numpy.greater: one grid-stride launch, one thread per element, comparing as NumPy does (float32 images
// against x2 rounded to float32, every other dtype in float64, exact for 8- and 16-bit integers). A device entry,
// so that a chain keeps the mask on the device; x2 may be bound to an earlier step's device scalar (the coins
// pipeline's Otsu threshold), read by each thread.
#include "runtime/bound_scalar.cuh"
#include "runtime/device_array.hpp"
#include "runtime/kernel.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct GreaterPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 4096;
};

template <class T>
__global__ void greater_kernel(const T* in, bool* out, std::int64_t n, double given_x2, const double* bound_x2) {
    const double x2 = bound_x2 ? *bound_x2 : given_x2;
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        if constexpr (std::is_same_v<T, float>) out[i] = in[i] > static_cast<float>(x2);
        else out[i] = static_cast<double>(in[i]) > x2;
    }
}

DeviceArray greater(const DeviceInputs& inputs, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("numpy.greater/" SKB_GPU_BACKEND_NAME);
    const DeviceArray& input = inputs.image();
    const BoundReal bound_x2 = bound_real(inputs, "x2");
    DeviceArray result(DType::Bool, input.shape());
    const LaunchConfig config =
        grid_stride_config("numpy.greater", input.size(), GreaterPolicy::block, GreaterPolicy::max_blocks);
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        launch(greater_kernel<T>, config, input.data<T>(), result.data<bool>(), input.size(), params.real("x2"),
               bound_x2.device);
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("numpy.greater", greater, "x2");

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
