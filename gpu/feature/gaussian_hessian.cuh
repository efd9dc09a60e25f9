// The Hessian by Gaussian derivatives on the device (scikit-image's hessian_matrix with
// use_gaussian_derivatives=True), shared by feature.hessian_matrix and the ridge filters: opt's order of passes
// (optimized/feature/gaussian_hessian.cpp says why): the first derivative along each axis from the image, shared by
// the elements, then each element's remaining passes, every one filters/separable_pass.cuh's pass with zero padding
// in constant mode; a non-zero cval's share (skb/ridges.hpp's PaddingProfiles, built on the host in double: a few
// profiles per axis, one H2D each) is added by one more kernel.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "filters/separable_pass.cuh"
#include "skb/ridges.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

// out[i] += cval * the padding's field at i, rounded to float32 once. `extents` are the image's (ndim of them).
struct PaddingExtents {
    int terms;
    int ndim;
    std::int64_t extent[3];
};
__global__ void add_padding_share_kernel(float* out, std::int64_t n, const double* profiles, PaddingExtents e,
                                         double cval) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        std::int64_t index[3];
        std::int64_t rest = i;
        for (int a = e.ndim - 1; a >= 0; --a) {
            index[a] = rest % e.extent[a];
            rest /= e.extent[a];
        }
        out[i] = static_cast<float>(out[i] + cval * ridges::padding_share(profiles, e.terms, e.ndim, e.extent, index));
    }
}

// A pass along volume axis `axis` (0: z, 1: y, 2: x).
template <class Src>
void pass_along(int axis, const Src* src, float* dst, const Shape& volume, const GaussianTaps& taps, const PassParams& p) {
    if (axis == 2) run_pass<2>("hessian/x", src, dst, volume, taps, p);
    else if (axis == 1) run_pass<1>("hessian/y", src, dst, volume, taps, p);
    else run_pass<0>("hessian/z", src, dst, volume, taps, p);
}

// Working memory for one image shape, reused over sigmas.
class DeviceGaussianHessian {
public:
    explicit DeviceGaussianHessian(const Shape& shape)
        : shape_(shape), volume_(shape.size() == 3 ? shape : Shape{1, shape[0], shape[1]}), spare_(DType::F32, shape) {
        for (std::size_t d = 0; d < shape.size(); ++d) gradients_.emplace_back(DType::F32, shape);
    }

    // elements[k] (device arrays of the image's size) = the Hessian element `axes` names at `sigma` of `image`,
    // read through img_as_float32 (Src float32: as it is).
    template <class Src>
    void compute(const Src* image, double sigma, BorderMode mode, float cval, const ridges::ElementAxes& axes,
                 float* const* elements) {
        const int ndim = static_cast<int>(shape_.size()), first_axis = 3 - ndim;  // image axis a is volume axis a + first_axis
        const ridges::HessianScale scale = ridges::hessian_scale(sigma);
        const std::vector<double> smooth_w = ridges::gaussian_weights(scale.sigma, 0, scale.truncate);
        const std::vector<double> derivative_w = ridges::gaussian_weights(scale.sigma, 1, scale.truncate);
        std::optional<DeviceBuffer<float>> tables[2];
        const GaussianTaps smooth = make_taps(ridges::taps_by_distance(smooth_w), tables[0]);
        const GaussianTaps derivative = make_taps(ridges::taps_by_distance(derivative_w), tables[1], -1.0f);
        const PassParams p{mode, 0.0f, false};  // zero padding: the cval's share comes last
        for (int d = 0; d < ndim; ++d)
            pass_along(d + first_axis, image, gradients_[static_cast<std::size_t>(d)].template data<float>(), volume_,
                       derivative, p);
        const std::int64_t n = element_count(shape_);
        for (int k = 0; k < axes.count; ++k) {
            const int pk = axes.first[k], qk = axes.second[k];
            std::vector<std::pair<int, const GaussianTaps*>> passes;
            for (int a = 0; a < ndim; ++a) {
                if (a != pk) passes.emplace_back(a, &smooth);
                passes.emplace_back(a, a == qk ? &derivative : &smooth);
            }
            float* buffers[2] = {elements[k], spare_.data<float>()};
            int next = passes.size() % 2 == 0 ? 1 : 0;  // the last pass writes elements[k]
            const float* src = gradients_[static_cast<std::size_t>(pk)].template data<float>();
            for (const auto& [axis, taps] : passes) {
                pass_along(axis + first_axis, src, buffers[next], volume_, *taps, p);
                src = buffers[next];
                next ^= 1;
            }
            if (mode == BorderMode::Constant && cval != 0.0f) {
                const ridges::PaddingProfiles padding(shape_, pk, qk, smooth_w, derivative_w);
                const std::vector<double> flat = padding.flat();
                const DeviceBuffer<double> profiles = to_device(std::span<const double>(flat));
                PaddingExtents e{static_cast<int>(padding.terms()), ndim, {1, 1, 1}};
                for (int a = 0; a < ndim; ++a) e.extent[a] = shape_[static_cast<std::size_t>(a)];
                launch(add_padding_share_kernel, grid_stride_config("hessian/padding", n, 256, 1024), elements[k], n,
                       profiles.data(), e, static_cast<double>(cval));
            }
        }
    }

private:
    Shape shape_, volume_;
    std::vector<DeviceArray> gradients_;
    DeviceArray spare_;
};

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
