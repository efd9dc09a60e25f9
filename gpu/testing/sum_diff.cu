// CUDA testing.sum_diff (test-only op): one thread per pixel in a grid-stride loop, both inputs converted by
// img_as_float32's rule as they are read, both outputs written by the same thread. Three H2D copies (image,
// other, and the mask when given), one D2H of the stacked result.
#include "runtime/kernel.hpp"
#include "skb/convert.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu {
namespace {

struct SumDiffPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 4096;
};

template <class A, class B>
__global__ void sum_diff_kernel(const A* image, const B* other, const bool* mask, float* sum, float* difference,
                                std::int64_t n) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        const float x = img_as_float<float>(image[i]), y = img_as_float<float>(other[i]);
        const bool inside = mask == nullptr || mask[i];
        sum[i] = inside ? x + y : 0.0f;
        difference[i] = inside ? x - y : 0.0f;
    }
}

Array sum_diff(const OpInputs& inputs, const Params&, const RunOptions&) {
    SKB_NVTX_RANGE("testing.sum_diff/" SKB_GPU_BACKEND_NAME);
    const Array& image = inputs.image();
    const Array& other = *inputs.extra("other");
    const std::int64_t n = image.size();
    Shape stacked{2};
    stacked.insert(stacked.end(), image.shape().begin(), image.shape().end());
    Array result(DType::F32, stacked);
    DeviceBuffer<bool> mask;
    if (const Array* given = inputs.extra("mask")) mask = to_device<bool>(*given);
    visit_dtype(image.dtype(), [&](auto image_tag) {
        visit_dtype(other.dtype(), [&](auto other_tag) {
            using A = decltype(image_tag);
            using B = decltype(other_tag);
            const DeviceBuffer<A> a = to_device<A>(image);
            const DeviceBuffer<B> b = to_device<B>(other);
            DeviceBuffer<float> out(static_cast<std::size_t>(2 * n));
            launch(sum_diff_kernel<A, B>,
                   grid_stride_config("testing.sum_diff", n, SumDiffPolicy::block, SumDiffPolicy::max_blocks),
                   a.data(), b.data(), mask.data(), out.data(), out.data() + n, n);
            copy_to_host(result, out);
        });
    });
    return result;
}

SKB_GPU_REGISTER_IMPL("testing.sum_diff", sum_diff);

}  // namespace
}  // namespace skb::gpu
