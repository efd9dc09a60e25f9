// CUDA feature.hessian_matrix and feature.hessian_matrix_eigvals (device entries: they chain without transfers).
// hessian_matrix: gaussian_on_device's smoothing, then np.gradient as one element-wise kernel per axis (each
// gradient rounded to float32, as NumPy and opt round it), or feature/gaussian_hessian.cuh's derivative passes,
// which read the image through img_as_float32 as they load it; elements are written into their slices of the
// stacked result. hessian_matrix_eigvals: one thread per pixel, skb/ridges.hpp's closed forms (2-D in float32,
// 3-D in double), as opt.
#include "feature/gaussian_hessian.cuh"
#include "runtime/device_array.hpp"
#include "runtime/kernel.hpp"
#include "skb/nvtx.hpp"
#include "skb/ridges.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

constexpr unsigned kThreads = 256, kMaxBlocks = 4096;

// out = np.gradient(in, axis) (unit spacing, edge_order 1) of a (z, y, x) volume, `axis` a volume axis.
__global__ void gradient_kernel(View<const float, 3> in, View<float, 3> out, int axis) {
    const std::int64_t X = in.extent[2], Y = in.extent[1], n = X * Y * in.extent[0];
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        const std::int64_t c[3] = {i / (X * Y), i / X % Y, i % X};
        const std::int64_t m = in.extent[axis], at = c[axis];
        const auto read = [&](std::int64_t k) {
            std::int64_t d[3] = {c[0], c[1], c[2]};
            d[axis] = k;
            return in(d[0], d[1], d[2]);
        };
        float g;
        if (at == 0) g = read(1) - read(0);
        else if (at == m - 1) g = read(m - 1) - read(m - 2);
        else g = (read(at + 1) - read(at - 1)) * 0.5f;  // / 2: exact either way
        out(c[0], c[1], c[2]) = g;
    }
}

DeviceArray hessian_matrix(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("feature.hessian_matrix/" SKB_GPU_BACKEND_NAME);
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    const std::int64_t n = input.size();
    const Shape volume = ndim == 3 ? shape : Shape{1, shape[0], shape[1]};
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const auto cval = static_cast<float>(params.real("cval"));
    const double sigma = params.real("sigma");
    const ridges::ElementAxes axes = ridges::element_axes(ndim, params.choice("order") == "xy");
    Shape stacked{axes.count};
    stacked.insert(stacked.end(), shape.begin(), shape.end());
    DeviceArray result(DType::F32, stacked);
    float* elements[6];
    for (int k = 0; k < axes.count; ++k) elements[k] = result.data<float>() + k * n;
    if (!params.is_none("use_gaussian_derivatives") && params.flag("use_gaussian_derivatives")) {
        DeviceGaussianHessian hessian(shape);
        visit_dtype(input.dtype(), [&](auto tag) {
            using T = decltype(tag);
            hessian.compute(input.data<T>(), sigma, mode, cval, axes, elements);
        });
        return result;
    }
    const DeviceArray smoothed = gaussian_on_device(input, {sigma}, 4.0, mode, cval, false);
    const int first_axis = 3 - ndim;
    const LaunchConfig config = grid_stride_config("feature.hessian_matrix/gradient", n, kThreads, kMaxBlocks);
    std::vector<DeviceArray> gradients;
    for (int d = 0; d < ndim; ++d) {
        gradients.emplace_back(DType::F32, shape);
        launch(gradient_kernel, config, make_view<const float, 3>(smoothed.data<float>(), volume),
               make_view<float, 3>(gradients.back().data<float>(), volume), d + first_axis);
    }
    for (int k = 0; k < axes.count; ++k)
        launch(gradient_kernel, config,
               make_view<const float, 3>(gradients[static_cast<std::size_t>(axes.first[k])].data<float>(), volume),
               make_view<float, 3>(elements[k], volume), axes.second[k] + first_axis);
    return result;
}

// Each pixel's eigenvalues from the stacked upper triangle (n pixels per element), decreasing, into `out`.
template <class T> __global__ void eigenvalues_kernel(const T* stacked, float* out, std::int64_t n, int ndim) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        if (ndim == 2) {
            float v[2];
            ridges::eigenvalues2(static_cast<float>(stacked[i]), static_cast<float>(stacked[n + i]),
                                 static_cast<float>(stacked[2 * n + i]), v);
            out[i] = v[0];
            out[n + i] = v[1];
        } else {
            double v[3];
            ridges::eigenvalues3(stacked[i], stacked[n + i], stacked[2 * n + i], stacked[3 * n + i],
                                 stacked[4 * n + i], stacked[5 * n + i], v);
            for (int k = 0; k < 3; ++k) out[k * n + i] = static_cast<float>(v[k]);
        }
    }
}

DeviceArray hessian_matrix_eigvals(const DeviceArray& input, const Params&, const RunOptions&) {
    SKB_NVTX_RANGE("feature.hessian_matrix_eigvals/" SKB_GPU_BACKEND_NAME);
    const int ndim = input.ndim() - 1;
    const std::int64_t n = input.size() / input.shape()[0];
    Shape shape(input.shape());
    shape[0] = ndim;
    DeviceArray result(DType::F32, shape);
    const LaunchConfig config = grid_stride_config("feature.hessian_matrix_eigvals", n, kThreads, kMaxBlocks);
    if (input.dtype() == DType::F32) launch(eigenvalues_kernel<float>, config, input.data<float>(), result.data<float>(), n, ndim);
    else launch(eigenvalues_kernel<double>, config, input.data<double>(), result.data<float>(), n, ndim);
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("feature.hessian_matrix", hessian_matrix);
SKB_GPU_REGISTER_DEVICE_IMPL("feature.hessian_matrix_eigvals", hessian_matrix_eigvals);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
