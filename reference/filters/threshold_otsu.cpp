// Reference filters.threshold_otsu: a plain histogram, then skb/otsu.hpp. The result is an argmax over bins, so
// near-ties flip with the arithmetic: scikit-image's (and NumPy's) exact precisions are reproduced (see otsu.hpp)
// instead of computing in float64 throughout.
#include <algorithm>
#include <cmath>
#include <span>
#include <type_traits>

#include "skb/nd.hpp"
#include "skb/otsu.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

// Integer images: one bin per integer between min and max.
template <class T> std::int64_t integer_threshold(const T* values, std::int64_t size) {
    const auto [lo, hi] = std::minmax_element(values, values + size);
    const std::int64_t min = *lo;
    std::vector<std::int64_t> tally(static_cast<std::int64_t>(*hi) - min + 1);
    for (std::int64_t i = 0; i < size; ++i) ++tally[values[i] - min];
    return otsu::integer_threshold(std::span<const std::int64_t>(tally), min);
}

// Float images: np.histogram(values, nbins, range=(min, max)) in the image's float type F.
template <class F> F float_threshold(const F* values, std::int64_t size, std::int64_t nbins) {
    for (std::int64_t i = 0; i < size; ++i)
        if (!std::isfinite(values[i])) otsu::throw_non_finite(i);
    const auto [lo, hi] = std::minmax_element(values, values + size);
    const otsu::UniformBins<F> bins(*lo, *hi, nbins);
    std::vector<std::int64_t> tally(nbins);
    for (std::int64_t i = 0; i < size; ++i) ++tally[bins.index(values[i])];
    return otsu::float_threshold(std::span<const std::int64_t>(tally), bins);
}

// A constant image is its own threshold (scikit-image returns the pixel before building any histogram).
template <class T> Array threshold_of(const T* v, std::int64_t size, std::int64_t nbins) {
    const bool constant = std::all_of(v, v + size, [&](T x) { return x == v[0]; });
    if constexpr (std::is_floating_point_v<T>) {
        return Array::scalar<T>(constant ? v[0] : float_threshold(v, size, nbins));
    } else {
        return Array::scalar<std::int64_t>(constant ? v[0] : integer_threshold(v, size));
    }
}

Array threshold_otsu(const Array& input, const Params& params, const RunOptions&) {
    const std::int64_t nbins = params.integer("nbins");
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) -> Array {
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
