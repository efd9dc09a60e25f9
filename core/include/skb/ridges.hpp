// What every backend of the Hessian ridge filters shares (scikit-image 0.26, filters/ridges.py and
// feature/corner.py): hessian_matrix(use_gaussian_derivatives=True)'s scale and kernels, the order of the Hessian's
// elements, and each filter's response from a pixel's eigenvalues (sorted decreasing), written once for ref, opt
// and cuda (SKB_HD) in the order scikit-image's NumPy expressions evaluate.
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "skb/hd.hpp"

namespace skb::ridges {

// hessian_matrix's Gaussian: sigma / sqrt(2) (as (1 / sqrt(2)) * sigma), truncated at 8 sigmas when sigma > 1, at
// 100 otherwise (scikit-image widens small kernels against SciPy's aliasing).
struct HessianScale {
    double sigma;     // the Gaussian's standard deviation
    double truncate;  // its radius in standard deviations
};
inline HessianScale hessian_scale(double sigma) {
    return {(1.0 / std::sqrt(2.0)) * sigma, sigma > 1 ? 8.0 : 100.0};
}

// How far hessian_matrix(use_gaussian_derivatives=True) reaches along each axis: two Gaussian (derivative) filters
// of the scale's radius, one after the other.
inline std::int64_t gaussian_derivatives_reach(double sigma) {
    const HessianScale scale = hessian_scale(sigma);
    return 2 * static_cast<std::int64_t>(scale.truncate * scale.sigma + 0.5);
}

// SciPy's gaussian_filter1d weights for order 0 (smoothing) or 1 (first derivative), as correlate1d receives
// them: _gaussian_kernel1d(sigma, order, radius) reversed; w[j + r] multiplies the input at offset j.
inline std::vector<double> gaussian_weights(double sigma, int order, double truncate) {
    const auto radius = static_cast<long>(truncate * sigma + 0.5);
    const double sigma2 = sigma * sigma;
    std::vector<double> phi(2 * radius + 1);
    double sum = 0;
    for (long x = -radius; x <= radius; ++x)
        sum += phi[x + radius] = std::exp(-0.5 / sigma2 * static_cast<double>(x * x));
    for (double& v : phi) v /= sum;
    if (order == 0) return phi;  // symmetric: reversing changes nothing
    std::vector<double> w(phi.size());
    for (long x = -radius; x <= radius; ++x)  // q(x) = x * (1 / -sigma2), then reversed
        w[radius - x] = static_cast<double>(x) * (1.0 / -sigma2) * phi[x + radius];
    return w;
}

// The float32 backends' taps of correlate1d's weights w (w[j + r] at offset j): by distance, t[j] the weight of
// offset -j, rounded to float32, trailing taps that are 0 in float32 dropped (truncate 100 reaches far past
// float32's smallest weights).
inline std::vector<float> taps_by_distance(const std::vector<double>& w) {
    const std::size_t r = w.size() / 2;
    std::vector<float> t(r + 1);
    for (std::size_t j = 0; j <= r; ++j) t[j] = static_cast<float>(w[r - j]);
    while (t.size() > 1 && t.back() == 0.0f) t.pop_back();
    return t;
}

// Constant mode with a cval: hessian_matrix pads each of its two gaussian_filter calls' passes with cval. Every
// pass is linear, so an element is the same chain padded with zeros (whose passes along different axes commute)
// plus cval times the chain applied to the padding alone: a field that is a sum of terms, each a product of one
// profile per axis. A pass along an axis correlates each term's profile there (zero padding) and adds a term:
// the weight that falls outside the image at each index, times 1 along the other axes. Host-side, in double.
class PaddingProfiles {
public:
    // The element that differentiates along p in the first call, along q in the second (weights as
    // gaussian_weights gives them) of an image of `shape`.
    PaddingProfiles(const std::vector<std::int64_t>& shape, int p, int q, const std::vector<double>& smooth,
                    const std::vector<double>& derivative)
        : shape_(shape) {
        const int ndim = static_cast<int>(shape.size());
        for (int call = 0; call < 2; ++call)
            for (int a = 0; a < ndim; ++a) correlate(a, a == (call == 0 ? p : q) ? derivative : smooth);
    }
    std::size_t terms() const { return terms_.size(); }
    const std::vector<double>& profile(std::size_t term, int axis) const { return terms_[term][static_cast<std::size_t>(axis)]; }
    // Every profile, term after term, each term's axes in order (padding_share's layout).
    std::vector<double> flat() const {
        std::vector<double> all;
        for (const auto& term : terms_)
            for (const auto& p : term) all.insert(all.end(), p.begin(), p.end());
        return all;
    }

private:
    void correlate(int axis, const std::vector<double>& w) {
        const std::int64_t n = shape_[static_cast<std::size_t>(axis)];
        const auto r = static_cast<std::int64_t>(w.size() / 2);
        const auto weight = [&](std::int64_t j) { return w[static_cast<std::size_t>(j + r)]; };
        for (auto& term : terms_) {
            std::vector<double>& p = term[static_cast<std::size_t>(axis)];
            std::vector<double> q(p.size(), 0.0);
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t j = (-r > -i ? -r : -i); j <= (r < n - 1 - i ? r : n - 1 - i); ++j)
                    q[static_cast<std::size_t>(i)] += weight(j) * p[static_cast<std::size_t>(i + j)];
            p = std::move(q);
        }
        std::vector<std::vector<double>> outside;
        for (std::int64_t extent : shape_) outside.emplace_back(static_cast<std::size_t>(extent), 1.0);
        std::vector<double>& p = outside[static_cast<std::size_t>(axis)];
        for (std::int64_t i = 0; i < n; ++i) {
            double sum = 0;
            for (std::int64_t j = -r; j <= r; ++j)
                if (i + j < 0 || i + j >= n) sum += weight(j);
            p[static_cast<std::size_t>(i)] = sum;
        }
        terms_.push_back(std::move(outside));
    }

    std::vector<std::int64_t> shape_;
    std::vector<std::vector<std::vector<double>>> terms_;  // [term][axis][index]
};

// The field of PaddingProfiles::flat() at `index` (one coordinate per axis).
SKB_HD inline double padding_share(const double* flat, int terms, int ndim, const std::int64_t* extents,
                                   const std::int64_t* index) {
    double sum = 0;
    for (int t = 0; t < terms; ++t) {
        double product = 1;
        for (int a = 0; a < ndim; ++a) {
            product *= flat[index[a]];
            flat += extents[a];
        }
        sum += product;
    }
    return sum;
}

// The Hessian's upper triangle in scikit-image's order (combinations_with_replacement of the axes): element k
// differentiates along axes first[k] then second[k]. 2-D: rr, rc, cc; 3-D: 00, 01, 02, 11, 12, 22; 2-D with
// hessian_matrix's order='xy' (the axes reversed): xx, xy, yy, that is 11, 10, 00.
struct ElementAxes {
    int count;
    int first[6];
    int second[6];
};
SKB_HD inline ElementAxes element_axes(int ndim, bool xy = false) {
    if (ndim == 2) return xy ? ElementAxes{3, {1, 1, 0}, {1, 0, 0}} : ElementAxes{3, {0, 0, 1}, {0, 1, 1}};
    return {6, {0, 0, 0, 1, 1, 2}, {0, 1, 2, 1, 2, 2}};
}

// Eigenvalues of the 2x2 symmetric [[a, b], [b, c]], decreasing, by scikit-image's closed form.
template <class F> SKB_HD inline void eigenvalues2(F a, F b, F c, F* out) {
    const F mean = (a + c) / F(2);
    const F half_difference = (a - c) / F(2);
    const F root = std::sqrt(b * b + half_difference * half_difference);
    out[0] = mean + root;
    out[1] = mean - root;
}

// Eigenvalues of the 3x3 symmetric matrix with upper triangle (a00, a01, a02, a11, a12, a22), decreasing, in
// closed form (Smith's trigonometric solution, in double): the spread p about the mean eigenvalue q, the angle
// of det((A - qI) / p) / 2.
SKB_HD inline void eigenvalues3(double a00, double a01, double a02, double a11, double a12, double a22, double* out) {
    // A row and column that are zero off the diagonal split the matrix (an image axis of length 1 makes them): its
    // diagonal element and the 2x2 rest, exactly as a deflating solver (LAPACK's) finds them.
    double split[3];
    bool blocks = true;
    if (a01 == 0 && a02 == 0) split[0] = a00, eigenvalues2(a11, a12, a22, split + 1);
    else if (a01 == 0 && a12 == 0) split[0] = a11, eigenvalues2(a00, a02, a22, split + 1);
    else if (a02 == 0 && a12 == 0) split[0] = a22, eigenvalues2(a00, a01, a11, split + 1);
    else blocks = false;
    if (blocks) {
        for (int i = 1; i < 3; ++i)  // decreasing
            for (int j = i; j > 0 && split[j] > split[j - 1]; --j) {
                const double t = split[j];
                split[j] = split[j - 1];
                split[j - 1] = t;
            }
        for (int i = 0; i < 3; ++i) out[i] = split[i];
        return;
    }
    const double p1 = a01 * a01 + a02 * a02 + a12 * a12;
    const double q = (a00 + a11 + a22) / 3;
    const double b00 = a00 - q, b11 = a11 - q, b22 = a22 - q;
    const double p = std::sqrt((b00 * b00 + b11 * b11 + b22 * b22 + 2 * p1) / 6);
    // det(B) / 2 with B = (A - qI) / p, expanded along the first row
    const double det = b00 * (b11 * b22 - a12 * a12) - a01 * (a01 * b22 - a12 * a02) + a02 * (a01 * a12 - b11 * a02);
    double r = det / (2 * p * p * p);
    r = r < -1 ? -1 : r > 1 ? 1 : r;
    const double phi = std::acos(r) / 3;
    const double third_turn = 2.0943951023931954923;  // 2 pi / 3
    out[0] = q + 2 * p * std::cos(phi);
    out[2] = q + 2 * p * std::cos(phi + third_turn);
    out[1] = 3 * q - out[0] - out[2];
}

// sato's response at one sigma from decreasing eigenvalues e[0..n): sigma^2 times the geometric mean of the
// positive parts of all but the smallest (NumPy takes x ** 0.5 as sqrt).
template <class F> SKB_HD inline F sato_response(const F* e, int ndim, double sigma) {
    const F scale = static_cast<F>(sigma * sigma);
    if (ndim == 2) return scale * (e[0] > F(0) ? e[0] : F(0));
    const F p0 = e[0] > F(0) ? e[0] : F(0), p1 = e[1] > F(0) ? e[1] : F(0);
    return scale * std::sqrt(p0 * p1);
}

// meijering's response at one sigma, before its normalization by the image's maximum: the eigenvalues mixed by
// circulant([1, alpha, ...]), the one of largest magnitude (the first on ties), its positive part.
template <class F> SKB_HD inline F meijering_response(const F* e, int ndim, F alpha) {
    F best = 0, best_magnitude = -1;
    for (int i = 0; i < ndim; ++i) {
        F v = 0;
        for (int k = 0; k < ndim; ++k) v += (k == i ? F(1) : alpha) * e[k];
        const F magnitude = v < F(0) ? -v : v;
        if (magnitude > best_magnitude) best = v, best_magnitude = magnitude;
    }
    return best > F(0) ? best : F(0);
}

// frangi's terms at one pixel from decreasing eigenvalues: sorted by magnitude (stable), the plate, blob and
// structure ratios, and S = ||lambda||, whose maximum over the image sets gamma when it is not given.
template <class F> struct FrangiTerms {
    F r_a2;  // R_A^2 (infinite in 2-D)
    F r_b2;  // R_B^2
    F s;     // ||lambda||
};
template <class F> SKB_HD inline FrangiTerms<F> frangi_terms(const F* e, int ndim) {
    F sorted[3] = {e[0], e[1], ndim == 3 ? e[2] : F(0)};
    const auto magnitude = [](F v) { return v < F(0) ? -v : v; };
    for (int i = 1; i < ndim; ++i)  // insertion sort by magnitude: stable, as NumPy's argsort of 2 or 3 values
        for (int j = i; j > 0 && magnitude(sorted[j]) < magnitude(sorted[j - 1]); --j) {
            const F t = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = t;
        }
    const F floor = static_cast<F>(1e-10);
    const F l1 = sorted[0];
    const F l2 = sorted[1] > floor ? sorted[1] : floor;
    F sum_squares = sorted[0] * sorted[0];
    sum_squares += sorted[1] * sorted[1];
    if (ndim == 2) {
        const F r_b = magnitude(l1) / l2;
        return {static_cast<F>(INFINITY), r_b * r_b, std::sqrt(sum_squares)};
    }
    sum_squares += sorted[2] * sorted[2];
    const F l3 = sorted[2] > floor ? sorted[2] : floor;
    const F r_a = l2 / l3;
    const F r_b = magnitude(l1) / std::sqrt(l2 * l3);
    return {r_a * r_a, r_b * r_b, std::sqrt(sum_squares)};
}

// exp(-x) for x >= 0 (or NaN), with 0 returned directly where the exact value rounds to 0 (x beyond F's
// underflow, infinity included): the same value, without libm's slow underflow path, which 2-D frangi's infinite
// R_A and its huge R_B where lambda2 <= 0 take for most pixels.
template <class F> SKB_HD inline F exp_of_negated(F x) {
    const F underflow = sizeof(F) == 4 ? F(104) : F(746);  // exp(-104) < 2^-150, exp(-746) < 2^-1075
    return x > underflow ? F(0) : std::exp(-x);
}

// frangi's response from its terms: (1 - exp(-R_A^2 / 2 alpha^2)) exp(-R_B^2 / 2 beta^2) (1 - exp(-S^2 / 2 gamma^2)).
template <class F> SKB_HD inline F frangi_response(const FrangiTerms<F>& t, double alpha, double beta, double gamma) {
    F v = F(1) - exp_of_negated(t.r_a2 / static_cast<F>(2 * alpha * alpha));
    v *= exp_of_negated(t.r_b2 / static_cast<F>(2 * beta * beta));
    v *= F(1) - exp_of_negated((t.s * t.s) / static_cast<F>(2 * gamma * gamma));
    return v;
}

// np.maximum: NaN if either is NaN, else the larger (the running maximum over sigmas).
template <class F> SKB_HD inline F maximum(F a, F b) { return a != a || a > b ? a : b; }

}  // namespace skb::ridges
