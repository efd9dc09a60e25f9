// CUDA color.rgb2gray: Y = 0.2125 R + 0.7154 G + 0.0721 B in float32, one thread per pixel in a grid-stride
// loop, converting each channel by img_as_float32's rule as it is read (so only the input's own bytes cross
// the bus). Same results as opt (same float32 expression).
#include "runtime/kernel.hpp"
#include "skb/convert.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct Rgb2grayPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 4096;  // beyond that, threads stride
};

template <class T> __device__ __forceinline__ float luminance(const T* rgb) {
    return 0.2125f * img_as_float<float>(rgb[0]) + 0.7154f * img_as_float<float>(rgb[1]) +
           0.0721f * img_as_float<float>(rgb[2]);
}

template <class T> __global__ void rgb2gray_kernel(const T* rgb, float* gray, std::int64_t pixels) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < pixels; i += stride)
        gray[i] = luminance(rgb + 3 * i);
}

Array rgb2gray(const Array& input, const Params&, const RunOptions&) {
    SKB_NVTX_RANGE("color.rgb2gray/" SKB_GPU_BACKEND_NAME);
    Array gray(DType::F32, Shape(input.shape().begin(), input.shape().end() - 1));
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const DeviceBuffer<T> rgb = to_device<T>(input);
        DeviceBuffer<float> out(static_cast<std::size_t>(gray.size()));
        launch(rgb2gray_kernel<T>,
               grid_stride_config("color.rgb2gray", gray.size(), Rgb2grayPolicy::block, Rgb2grayPolicy::max_blocks),
               rgb.data(), out.data(), gray.size());
        copy_to_host(gray, out);
    });
    return gray;
}

SKB_GPU_REGISTER_IMPL("color.rgb2gray", rgb2gray);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
