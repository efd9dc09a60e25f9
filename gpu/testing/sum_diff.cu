// CUDA testing.sum_diff (test-only op): two grid-stride launches, one thread per pixel. The first converts `other`
// to float32 (img_as_float32's rule) into the output's difference half; the second reads the image, writes the sum
// and overwrites each difference slot, which only its own thread reads, with x - y. Kernels are instantiated per
// dtype separately (not per dtype pair). H2D: image, other, and the mask when given, all before the first launch (a
// copy from pageable memory waits for the work queued before it); one D2H of the stacked result.
#include "runtime/kernel.hpp"
#include "skb/convert.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct SumDiffPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 4096;
};

template <class B> __global__ void to_float_kernel(const B* other, float* y, std::int64_t n) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride)
        y[i] = img_as_float<float>(other[i]);
}

// `difference` holds the converted `other` on entry.
template <class A>
__global__ void sum_diff_kernel(const A* image, const bool* mask, float* sum, float* difference, std::int64_t n) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float x = img_as_float<float>(image[i]), y = difference[i];
        const bool inside = mask == nullptr || mask[i];
        sum[i] = inside ? x + y : 0.0f;
        difference[i] = inside ? x - y : 0.0f;
    }
}

Array sum_diff(const OpInputs& inputs, const Params&, const RunOptions&) {
    SKB_NVTX_RANGE("testing.sum_diff/" SKB_GPU_BACKEND_NAME);
    const Array& image = inputs.image();
    const std::int64_t n = image.size();
    Shape stacked{2};
    stacked.insert(stacked.end(), image.shape().begin(), image.shape().end());
    Array result(DType::F32, stacked);
    DeviceBuffer<float> out(static_cast<std::size_t>(2 * n));
    const LaunchConfig config =
        grid_stride_config("testing.sum_diff", n, SumDiffPolicy::block, SumDiffPolicy::max_blocks);
    const Array& other = *inputs.extra("other");
    const auto upload = [](const Array& a) {  // as bytes: the dtypes are visited at launch
        return to_device(std::span(static_cast<const std::byte*>(a.raw()), a.nbytes()));
    };
    const DeviceBuffer<std::byte> other_bytes = upload(other), image_bytes = upload(image);
    DeviceBuffer<bool> mask;
    if (const Array* given = inputs.extra("mask")) mask = to_device<bool>(*given);
    visit_dtype(other.dtype(), [&](auto tag) {
        using B = decltype(tag);
        launch(to_float_kernel<B>, config, reinterpret_cast<const B*>(other_bytes.data()), out.data() + n, n);
    });
    visit_dtype(image.dtype(), [&](auto tag) {
        using A = decltype(tag);
        launch(sum_diff_kernel<A>, config, reinterpret_cast<const A*>(image_bytes.data()), mask.data(), out.data(),
               out.data() + n, n);
    });
    copy_to_host(result, out);
    return result;
}

SKB_GPU_REGISTER_IMPL("testing.sum_diff", sum_diff);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
