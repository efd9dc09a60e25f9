// Reference feature.hessian_matrix and feature.hessian_matrix_eigvals, in scikit-image's float type F (float32
// for float32 inputs, float64 otherwise). hessian_matrix: img_as_float, then either gaussian (SciPy's passes,
// each rounded to F) and np.gradient twice (central differences halved, one-sided at the ends), or the Gaussian
// derivative passes (feature/hessian.hpp). hessian_matrix_eigvals: each pixel's eigenvalues, decreasing.
#include <vector>

#include "feature/hessian.hpp"
#include "skb/gaussian_kernel.hpp"
#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

// np.gradient(f, axis=axis) with unit spacing and edge_order 1, in F.
template <class F> Array gradient(const Array& f, int axis) {
    Array out(f.dtype(), f.shape());
    const AxisLines lines(f.shape(), axis);
    const F* in = f.data<F>();
    F* o = out.data<F>();
    const std::int64_t n = lines.length, step = lines.inner;
    for (std::int64_t l = 0; l < lines.count(); ++l) {
        const F* a = in + lines.start(l);
        F* b = o + lines.start(l);
        for (std::int64_t i = 1; i + 1 < n; ++i) b[i * step] = (a[(i + 1) * step] - a[(i - 1) * step]) / F(2);
        b[0] = a[step] - a[0];
        b[(n - 1) * step] = a[(n - 1) * step] - a[(n - 2) * step];
    }
    return out;
}

template <class F> Array hessian_matrix(const Array& input, const Params& params) {
    const Array image = to_float_array<F>(input);  // img_as_float
    const int ndim = image.ndim();
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double cval = params.real("cval"), sigma = params.real("sigma");
    const ridges::ElementAxes axes = ridges::element_axes(ndim, params.choice("order") == "xy");
    std::vector<Array> elements;
    if (!params.is_none("use_gaussian_derivatives") && params.flag("use_gaussian_derivatives")) {
        elements = gaussian_hessian<F>(image, sigma, mode, cval, axes);
    } else {
        Array smoothed = image.clone();  // filters.gaussian(image, sigma, mode, cval), truncate 4
        if (sigma > kGaussianSkipSigma)
            for (int axis = 0; axis < ndim; ++axis)
                correlate_axis<F>(smoothed, axis, gaussian_kernel1d(sigma, 4.0), 1.0, mode, cval);
        std::vector<Array> gradients;
        for (int d = 0; d < ndim; ++d) gradients.push_back(gradient<F>(smoothed, d));
        for (int k = 0; k < axes.count; ++k)
            elements.push_back(gradient<F>(gradients[static_cast<std::size_t>(axes.first[k])], axes.second[k]));
    }
    Shape shape{axes.count};
    shape.insert(shape.end(), image.shape().begin(), image.shape().end());
    Array result(dtype_of<F>, shape);
    F* out = result.data<F>();
    for (const Array& e : elements) out = std::copy(e.data<F>(), e.data<F>() + e.size(), out);
    return result;
}

template <class F> Array hessian_matrix_eigvals(const Array& stacked) {
    const int ndim = stacked.ndim() - 1;
    const std::int64_t n = stacked.size() / stacked.shape()[0];
    const F* h[6];
    for (int k = 0; k < ndim * (ndim + 1) / 2; ++k) h[k] = stacked.data<F>() + k * n;
    Shape shape(stacked.shape());
    shape[0] = ndim;
    Array result(dtype_of<F>, shape);
    F* out = result.data<F>();
    F e[3];
    for (std::int64_t i = 0; i < n; ++i) {
        eigenvalues_at<F>(h, ndim, i, e);
        for (int k = 0; k < ndim; ++k) out[k * n + i] = e[k];
    }
    return result;
}

Array run_hessian_matrix(const Array& input, const Params& params, const RunOptions&) {
    if (input.dtype() == DType::F32) return hessian_matrix<float>(input, params);
    return hessian_matrix<double>(input, params);
}

Array run_hessian_matrix_eigvals(const Array& input, const Params&, const RunOptions&) {
    if (input.dtype() == DType::F32) return hessian_matrix_eigvals<float>(input);
    return hessian_matrix_eigvals<double>(input);
}

SKB_REGISTER_IMPL("feature.hessian_matrix", "ref", run_hessian_matrix);
SKB_REGISTER_IMPL("feature.hessian_matrix_eigvals", "ref", run_hessian_matrix_eigvals);

}  // namespace
}  // namespace skb::reference
