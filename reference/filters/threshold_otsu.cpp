// Reference filters.threshold_otsu: a plain histogram, then skb/otsu.hpp. The result is an argmax over bins, so
// near-ties flip with the arithmetic: scikit-image's (and NumPy's) exact precisions are reproduced (see otsu.hpp)
// instead of computing in float64 throughout.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "skb/nd.hpp"
#include "skb/otsu.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

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
    return centres[otsu::best_bin<double>(counts, centres)];
}

// Float images: np.histogram(values, nbins, range=(min, max)) in the image's float type F.
template <class F> F float_threshold(const F* values, std::int64_t size, std::int64_t nbins, const std::string& op) {
    for (std::int64_t i = 0; i < size; ++i)
        if (!std::isfinite(values[i]))
            throw Error(op + ": input holds a non-finite value at flat index " + std::to_string(i));
    const auto [lo, hi] = std::minmax_element(values, values + size);
    const otsu::UniformBins<F> bins(*lo, *hi, nbins);
    std::vector<std::int64_t> tally(nbins);
    for (std::int64_t i = 0; i < size; ++i) ++tally[bins.index(values[i])];
    const std::vector<float> counts(tally.begin(), tally.end());
    const std::vector<F> centres = bins.centres();
    return centres[otsu::best_bin<F>(counts, centres)];
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
