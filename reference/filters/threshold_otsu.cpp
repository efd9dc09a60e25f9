// Reference filters.threshold_otsu. The result is an argmax over histogram bins, so near-ties flip with the
// arithmetic: this file reproduces scikit-image's (and NumPy's) exact precisions instead of computing in
// float64 throughout: float32 counts and cumulative weights; class means in the promoted type of the bin
// centres (float32 for float32 images, float64 otherwise); bin edges computed as np.linspace does.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

// Index of the bin maximising w1*w2*(m1-m2)^2 between bins i and i+1 (first one on ties), scikit-image's
// formula. Acc is NumPy's promotion of float32 counts with the bin centres' type.
template <class Acc, class Centre>
std::size_t otsu_bin(const std::vector<float>& counts, const std::vector<Centre>& centres) {
    const std::size_t n = counts.size();
    std::vector<float> w1(n), w2(n);
    std::vector<Acc> m1(n), m2(n);
    float wsum = 0;
    Acc msum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        w1[i] = wsum += counts[i];
        m1[i] = (msum += static_cast<Acc>(counts[i]) * static_cast<Acc>(centres[i])) / static_cast<Acc>(w1[i]);
    }
    wsum = 0;
    msum = 0;
    for (std::size_t i = n; i-- > 0;) {
        w2[i] = wsum += counts[i];
        m2[i] = (msum += static_cast<Acc>(counts[i]) * static_cast<Acc>(centres[i])) / static_cast<Acc>(w2[i]);
    }
    std::size_t best = 0;
    Acc best_variance = -1;
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const Acc diff = m1[i] - m2[i + 1];
        const Acc variance = static_cast<Acc>(w1[i] * w2[i + 1]) * (diff * diff);
        if (variance > best_variance) {
            best_variance = variance;
            best = i;
        }
    }
    return best;
}

// Integer images: one bin per integer between min and max; centres are int64, so the means are float64.
template <class T> std::int64_t integer_threshold(const T* values, std::int64_t size) {
    const auto [lo, hi] = std::minmax_element(values, values + size);
    const std::int64_t min = *lo, bins = static_cast<std::int64_t>(*hi) - min + 1;
    std::vector<float> counts(bins);
    std::vector<std::int64_t> centres(bins);
    std::vector<std::int64_t> tally(bins);
    for (std::int64_t i = 0; i < size; ++i) ++tally[values[i] - min];
    for (std::int64_t b = 0; b < bins; ++b) {
        counts[b] = static_cast<float>(tally[b]);
        centres[b] = min + b;
    }
    return centres[otsu_bin<double>(counts, centres)];
}

// Float images: np.histogram(values, nbins, range=(min, max)) in the image's float type F.
template <class F> F float_threshold(const F* values, std::int64_t size, std::int64_t nbins, const std::string& op) {
    for (std::int64_t i = 0; i < size; ++i)
        if (!std::isfinite(values[i]))
            throw Error(op + ": input holds a non-finite value at flat index " + std::to_string(i));
    const auto [lo, hi] = std::minmax_element(values, values + size);
    const F first = *lo, last = *hi;
    // np.linspace(first, last, nbins + 1) evaluated in F: i * step + first, last edge set exactly.
    std::vector<F> edges(nbins + 1);
    const F delta = last - first, step = delta / static_cast<F>(nbins);
    for (std::int64_t i = 0; i <= nbins; ++i)
        edges[i] = step == F(0) ? static_cast<F>(i) / static_cast<F>(nbins) * delta + first
                                : static_cast<F>(i) * step + first;
    edges[nbins] = last;
    // NumPy's uniform-bin index, then its correction against the stored edges.
    std::vector<std::int64_t> tally(nbins);
    for (std::int64_t i = 0; i < size; ++i) {
        const F x = values[i];
        auto bin = static_cast<std::int64_t>((x - first) / delta * static_cast<F>(nbins));
        if (bin == nbins) --bin;
        if (x < edges[bin]) --bin;
        else if (x >= edges[bin + 1] && bin != nbins - 1) ++bin;
        ++tally[bin];
    }
    std::vector<float> counts(nbins);
    std::vector<F> centres(nbins);
    for (std::int64_t b = 0; b < nbins; ++b) {
        counts[b] = static_cast<float>(tally[b]);
        centres[b] = (edges[b] + edges[b + 1]) / F(2);
    }
    return centres[otsu_bin<F>(counts, centres)];
}

// A constant image is its own threshold (scikit-image returns the pixel before building any histogram).
template <class T> Array threshold_of(const T* v, std::int64_t size, std::int64_t nbins) {
    const bool constant = std::all_of(v, v + size, [&](T x) { return x == v[0]; });
    if constexpr (std::is_floating_point_v<T>) {
        return Array::scalar<T>(constant ? v[0] : float_threshold(v, size, nbins, "filters.threshold_otsu"));
    } else {
        return Array::scalar<std::int64_t>(constant ? v[0] : integer_threshold(v, size));
    }
}

Array threshold_otsu(const Array& input, const Params& params, const RunOptions&) {
    const std::int64_t nbins = params.integer("nbins");
    return visit_dtype(input.dtype(), [&](auto tag) -> Array {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, bool>) {  // NumPy bins bool as a float64 image of 0s and 1s
            const Array as_double = to_float_array<double>(input);
            return threshold_of(as_double.data<double>(), input.size(), nbins);
        } else {
            return threshold_of(input.data<T>(), input.size(), nbins);
        }
    });
}

SKB_REGISTER_IMPL("filters.threshold_otsu", "ref", threshold_otsu);

}  // namespace
}  // namespace skb::reference
