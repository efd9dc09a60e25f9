// The reference backend's Hessian pieces, shared by feature.hessian_matrix, feature.hessian_matrix_eigvals and
// the ridge filters (filters/ridges.cpp): SciPy's correlate1d in scikit-image's float type F, the Hessian by
// Gaussian derivatives (hessian_matrix(use_gaussian_derivatives=True)), and a pixel's eigenvalues (2-D:
// scikit-image's closed form in F; 3-D: Eigen's SelfAdjointEigenSolver in double).
#pragma once
#include <Eigen/Eigenvalues>
#include <vector>

#include "skb/border.hpp"
#include "skb/nd.hpp"
#include "skb/ridges.hpp"

namespace skb::reference {

// SciPy's correlate1d of `image` (F, in place) along `axis` with odd weights w (w[j + r] at offset j), symmetric
// (sign +1, the smoothing kernel) or antisymmetric (sign -1, the derivative's): out = in[0] w[0] + sum over
// j = r..1 of (in[-j] + sign in[j]) w[-j], in double over a line read through the border rule, rounded to F.
template <class F>
void correlate_axis(Array& image, int axis, const std::vector<double>& w, double sign, BorderMode mode, double cval) {
    const auto r = static_cast<std::int64_t>(w.size() / 2);
    const AxisLines lines(image.shape(), axis);
    std::vector<double> buffer(static_cast<std::size_t>(lines.length + 2 * r));
    double* line = buffer.data() + r;  // line[i] for i in [-r, length + r)
    F* data = image.data<F>();
    for (std::int64_t l = 0; l < lines.count(); ++l) {
        F* first = data + lines.start(l);
        for (std::int64_t i = -r; i < lines.length + r; ++i) {
            const std::int64_t k = border_index(i, lines.length, mode);
            line[i] = k < 0 ? cval : static_cast<double>(first[k * lines.inner]);
        }
        for (std::int64_t i = 0; i < lines.length; ++i) {
            double sum = line[i] * w[r];
            for (std::int64_t j = r; j >= 1; --j) sum += (line[i - j] + sign * line[i + j]) * w[r - j];
            first[i * lines.inner] = static_cast<F>(sum);
        }
    }
}

// gaussian_filter with a first derivative along `derivative_axis` (and plain smoothing along the others).
template <class F>
Array gaussian_pass(const Array& image, int derivative_axis, const std::vector<double>& smooth,
                    const std::vector<double>& derivative, BorderMode mode, double cval) {
    Array out = image.clone();
    for (int axis = 0; axis < image.ndim(); ++axis)
        if (axis == derivative_axis) correlate_axis<F>(out, axis, derivative, -1.0, mode, cval);
        else correlate_axis<F>(out, axis, smooth, 1.0, mode, cval);
    return out;
}

// hessian_matrix(image, sigma, use_gaussian_derivatives=True)'s elements (F arrays) in `axes`' order.
template <class F>
std::vector<Array> gaussian_hessian(const Array& image, double sigma, BorderMode mode, double cval,
                                    const ridges::ElementAxes& axes) {
    const ridges::HessianScale scale = ridges::hessian_scale(sigma);
    const std::vector<double> smooth = ridges::gaussian_weights(scale.sigma, 0, scale.truncate);
    const std::vector<double> derivative = ridges::gaussian_weights(scale.sigma, 1, scale.truncate);
    std::vector<Array> gradients;
    for (int d = 0; d < image.ndim(); ++d) gradients.push_back(gaussian_pass<F>(image, d, smooth, derivative, mode, cval));
    std::vector<Array> elements;
    for (int k = 0; k < axes.count; ++k)
        elements.push_back(gaussian_pass<F>(gradients[static_cast<std::size_t>(axes.first[k])], axes.second[k], smooth,
                                            derivative, mode, cval));
    return elements;
}

// Decreasing eigenvalues e[0..ndim) of the symmetric matrix whose upper triangle is h[0..)[i].
template <class F> void eigenvalues_at(const F* const* h, int ndim, std::int64_t i, F* e) {
    if (ndim == 2) {
        ridges::eigenvalues2(h[0][i], h[1][i], h[2][i], e);
        return;
    }
    const auto at = [&](int k) { return static_cast<double>(h[k][i]); };
    Eigen::Matrix3d m;
    m << at(0), at(1), at(2), at(1), at(3), at(4), at(2), at(4), at(5);
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(m, Eigen::EigenvaluesOnly);
    for (int k = 0; k < 3; ++k) e[k] = static_cast<F>(solver.eigenvalues()[2 - k]);  // increasing -> decreasing
}

}  // namespace skb::reference
