// CUDA segmentation.clear_border: the image's components on the device (measure/components.cuh: full
// connectivity, equal values, background 0), then one kernel marks the components with a pixel in the border band
// (or under a False mask pixel) in a flag per root, and whether any background pixel lies there; a last kernel
// writes each pixel: bgval for a marked component's pixels, its value otherwise, and for background bgval when
// background was in the band (scikit-image clears label 0 too), else 0. A device entry (the optional mask an extra
// device input): inside a pipeline the labels are already on the device.
#include <limits>

#include "measure/components.cuh"
#include "runtime/device_array.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

template <class Index>
__global__ void mark_border_kernel(const Index* root, const bool* mask, VolumeShape shape, std::int64_t ext,
                                   std::int64_t n, unsigned* touching, unsigned* background_touching) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        if (mask ? mask[g] : !in_border_band(g, shape, ext)) continue;
        if (root[g] >= 0) atomicOr(&touching[root[g]], 1u);
        else atomicOr(background_touching, 1u);
    }
}

template <class T, class Index>
__global__ void write_cleared_kernel(const T* in, const Index* root, const unsigned* touching,
                                     const unsigned* background_touching, T bgval, std::int64_t n, T* out) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    const bool clear_background = *background_touching != 0;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const Index r = root[g];
        out[g] = r >= 0 ? (touching[r] ? bgval : in[g]) : (clear_background ? bgval : T{});
    }
}

template <class T, class Index>
void clear_border_on_device(const DeviceArray& image, const DeviceArray* mask, std::int64_t ext, T bgval,
                            DeviceArray& result) {
    const std::int64_t n = image.size();
    DeviceBuffer<Index> root(static_cast<std::size_t>(n));
    components_on_device(image.data<T>(), image.shape(), root.data(), KeyRule{0, false, image.ndim()});
    DeviceBuffer<unsigned> touching(static_cast<std::size_t>(n) + 1);  // the last entry: background
    launch(fill_kernel<unsigned>, per_pixel_config("segmentation.clear_border/clear_flags", n + 1), touching.data(),
           n + 1, 0u);
    launch(mark_border_kernel<Index>, per_pixel_config("segmentation.clear_border/mark", n), root.data(),
           mask ? mask->data<bool>() : nullptr, volume_shape(image.shape()), ext, n, touching.data(),
           touching.data() + n);
    launch(write_cleared_kernel<T, Index>, per_pixel_config("segmentation.clear_border/write", n), image.data<T>(),
           root.data(), touching.data(), touching.data() + n, bgval, n, result.data<T>());
}

DeviceArray clear_border(const DeviceInputs& inputs, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("segmentation.clear_border/" SKB_GPU_BACKEND_NAME);
    const DeviceArray& image = inputs.image();
    DeviceArray result(image.dtype(), image.shape());
    if (image.size() == 0) return result;
    const std::int64_t ext = params.integer("buffer_size") + 1, bgval = params.integer("bgval");
    visit_dtype<kLabelDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T>) {
            throw Error("segmentation.clear_border: float images are not labels");
        } else {
            const T cleared = std::is_same_v<T, bool> ? T(bgval != 0) : static_cast<T>(bgval);
            if (image.size() < std::numeric_limits<int>::max() - 1)
                clear_border_on_device<T, int>(image, inputs.extra("mask"), ext, cleared, result);
            else
                clear_border_on_device<T, long long>(image, inputs.extra("mask"), ext, cleared, result);
        }
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("segmentation.clear_border", clear_border);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
