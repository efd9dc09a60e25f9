// What every backend of feature.canny shares (scikit-image 0.26, feature/_canny.py and _canny_cy.pyx): its
// float type, its thresholds, and the non-maximum suppression of one pixel, in scikit-image's arithmetic types
// (the answer is a bool image decided by comparisons: a different rounding flips an edge pixel).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include "skb/dtype.hpp"
#include "skb/hd.hpp"
#include "skb/params.hpp"

namespace skb::canny {

// The low threshold as _nonmaximum_suppression_bilinear receives it (a C float; 0 becomes 1e-14), and the high one
// with the type it is compared in: a Python float (weak: compared in the image's float type) unless use_quantiles
// made both thresholds np.float64 quantiles (compared in float64).
struct Thresholds {
    float low;
    double high;
    bool high_in_f64;
};

// Where np.percentile(values, 100 * q) (linear method) reads n sorted values: the order statistics `below` and
// below + 1 (or `below` again at the end), weighted by t.
struct PercentilePoint {
    std::size_t below, above;
    double t;
};
inline PercentilePoint percentile_point(std::size_t n, double q) {
    const double index = (100.0 * q) / 100.0 * static_cast<double>(n - 1);
    const auto below = static_cast<std::size_t>(std::floor(index));
    return {below, below + 1 < n ? below + 1 : below, index - static_cast<double>(below)};
}

// NumPy's _lerp of the order statistics a <= b, in float64 (its weight is a float64 array), the difference in F.
template <class F> SKB_HD inline double percentile_lerp(F a, F b, double t) {
    const F diff = static_cast<F>(b - a);
    if (t >= 0.5) return static_cast<double>(b) - static_cast<double>(diff) * (1.0 - t);
    return static_cast<double>(a) + static_cast<double>(diff) * t;
}

// np.percentile(values, 100 * q) on the host. Reorders `values`.
template <class F> double percentile(std::span<F> values, double q) {
    const PercentilePoint p = percentile_point(values.size(), q);
    std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(p.below), values.end());
    const F a = values[p.below];
    const F b = p.above > p.below
                    ? *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(p.above), values.end())
                    : a;
    return percentile_lerp(a, b, p.t);
}

// The thresholds before quantiles are taken: the given or default values over the dtype's maximum, or, with
// use_quantiles, the quantiles q (defaults included) of the gradient magnitude still to be taken.
struct ThresholdValues {
    double low, high;
    bool quantiles;
};
inline ThresholdValues threshold_values(const Params& params, DType dtype) {
    const bool quantiles = params.flag("use_quantiles");
    const double max_value = dtype == DType::U8 ? 255.0 : dtype == DType::U16 ? 65535.0 : 1.0;
    const auto value = [&](const char* name, double fallback) {
        return params.is_none(name) ? fallback : quantiles ? params.real(name) : params.real(name) / max_value;
    };
    return {value("low_threshold", 0.1), value("high_threshold", 0.2), quantiles};
}

// The thresholds from final values (quantiles taken).
SKB_HD inline Thresholds final_thresholds(double low, double high, bool quantiles) {
    Thresholds t{static_cast<float>(low), high, quantiles};
    if (t.low == 0) t.low = 1e-14f;  // so that a magnitude of 0 never passes
    return t;
}

// The thresholds for an image of `dtype`; `magnitude` (a copy of the gradient magnitude, any order) is read only
// with use_quantiles, and reordered then.
template <class F> Thresholds thresholds(const Params& params, DType dtype, std::span<F> magnitude) {
    const ThresholdValues v = threshold_values(params, dtype);
    if (!v.quantiles) return final_thresholds(v.low, v.high, false);
    return final_thresholds(percentile(magnitude, v.low), percentile(magnitude, v.high), true);
}

template <class F> SKB_HD inline bool is_strong(F suppressed, const Thresholds& t) {
    return t.high_in_f64 ? static_cast<double>(suppressed) >= t.high : suppressed >= static_cast<F>(t.high);
}

// Whether pixel x of row `row` (with the rows above and below it; x and the rows are inside the image, away from
// its border) survives: its magnitude m at or above the low threshold and at least both values interpolated along
// its gradient, each n2 * w in F plus n1 * (1.0 - w) in double, as the Cython code computes them. The Cython
// code's four cases (the gradient's two signs alike or not, |isobel| against |jsobel|) are written as selects of
// the eight neighbours, all read: opt's vector form (classify_lanes, optimized/feature/canny.cpp) follows it
// lane by lane.
template <class F>
SKB_HD inline bool survives_suppression(F isobel, F jsobel, const F* above, const F* row, const F* below,
                                        std::int64_t x, float low) {
    const F m = row[x];
    const F up_left = above[x - 1], up = above[x], up_right = above[x + 1];
    const F left = row[x - 1], right = row[x + 1];
    const F down_left = below[x - 1], down = below[x], down_right = below[x + 1];
    const bool same_sign = (isobel <= 0) == (jsobel <= 0);
    const F ai = isobel < 0 ? -isobel : isobel, aj = jsobel < 0 ? -jsobel : jsobel;
    // Interpolated between a row neighbour and a diagonal one (weight ai / aj), or a column neighbour and a
    // diagonal one (weight aj / ai).
    const bool along_row = same_sign ? !(ai > aj) : ai < aj;
    const F w = along_row ? ai / aj : aj / ai;
    const F n11 = along_row ? right : same_sign ? down : up;
    const F n21 = along_row ? left : same_sign ? up : down;
    const F n12 = same_sign ? down_right : up_right;
    const F n22 = same_sign ? up_left : down_left;
    const double complement = 1.0 - static_cast<double>(w);
    const double plus = static_cast<double>(n12 * w) + static_cast<double>(n11) * complement;
    const double minus = static_cast<double>(n22 * w) + static_cast<double>(n21) * complement;
    return (m >= static_cast<F>(low)) & (plus <= static_cast<double>(m)) & (minus <= static_cast<double>(m));
}

}  // namespace skb::canny
