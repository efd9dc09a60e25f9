// Opt filters.threshold_otsu: per-block histograms (uint8/uint16: over the whole dtype range, one pass; floats:
// a parallel min/max pass first), merged once per block, then skb/otsu.hpp on the (small) histogram. Bins are assigned in the image's own type with NumPy's rule, so the
// threshold is the one ref and scikit-image choose; only the returned value is float32 for float images.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <span>

#include "filters/histogram.hpp"
#include "parallel.hpp"
#include "skb/nvtx.hpp"
#include "skb/otsu.hpp"

namespace skb::opt {
namespace {

template <class V> struct Range {
    V min = std::numeric_limits<V>::max(), max = std::numeric_limits<V>::lowest();
    std::int64_t first_non_finite = -1;
};

// Minimum, maximum (and, for floats, the first non-finite index) of value(i) over [0, n).
template <class V, class Value> Range<V> range_of(std::int64_t n, const RunOptions& options, Value value) {
    Range<V> total;
    std::mutex merge;
    parallel_blocks(options, n, kHistogramGrain, [&](std::int64_t begin, std::int64_t end) {
        Range<V> local;
        for (std::int64_t i = begin; i < end; ++i) {
            const V v = value(i);
            local.min = std::min(local.min, v);
            local.max = std::max(local.max, v);
            if constexpr (std::is_floating_point_v<V>)
                if (!std::isfinite(v) && local.first_non_finite < 0) local.first_non_finite = i;
        }
        std::lock_guard lock(merge);
        total.min = std::min(total.min, local.min);
        total.max = std::max(total.max, local.max);
        if (local.first_non_finite >= 0 &&
            (total.first_non_finite < 0 || local.first_non_finite < total.first_non_finite))
            total.first_non_finite = local.first_non_finite;
    });
    return total;
}

// uint8/uint16: one pass histograms the whole dtype range; min and max are its first and last nonzero bins.
template <class T> Array integer_threshold(const T* v, std::int64_t n, const RunOptions& options) {
    static_assert(sizeof(T) <= 2, "the dtype range must be small enough to histogram whole");
    const std::int64_t range = std::int64_t{1} << (8 * sizeof(T));
    const auto full = sizeof(T) == 1 && n >= (1 << 20)
                          ? byte_pair_histogram(reinterpret_cast<const std::uint8_t*>(v), n, options)
                          : histogram(n, range, options, [v](std::int64_t i) { return static_cast<std::int64_t>(v[i]); });
    std::int64_t min = 0, max = range - 1;
    while (full[min] == 0) ++min;
    while (full[max] == 0) --max;
    if (min == max) return Array::scalar<std::int64_t>(min);
    return Array::scalar<std::int64_t>(
        otsu::integer_threshold(std::span<const std::int64_t>(full).subspan(min, max - min + 1), min));
}

// F: the type NumPy bins in (the image's float type; float64 for bool images).
template <class F, class Value>
Array float_threshold(std::int64_t n, std::int64_t nbins, const RunOptions& options, Value value) {
    const auto r = range_of<F>(n, options, value);
    if (r.first_non_finite >= 0) otsu::throw_non_finite(r.first_non_finite);
    if (r.min == r.max) return Array::scalar<float>(static_cast<float>(r.min));
    const otsu::UniformBins<F> bins(r.min, r.max, nbins);
    const auto tally = histogram(n, nbins, options, [&](std::int64_t i) { return bins.index(value(i)); });
    return Array::scalar<float>(static_cast<float>(otsu::float_threshold(std::span<const std::int64_t>(tally), bins)));
}

Array threshold_otsu(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("filters.threshold_otsu/opt");
    const std::int64_t nbins = params.integer("nbins"), n = input.size();
    const RunOptions options = sized_for_work(requested, 2 * n);  // a range pass and a histogram pass
    return visit_dtype(input.dtype(), [&](auto tag) -> Array {
        using T = decltype(tag);
        const T* v = input.data<T>();
        if constexpr (std::is_same_v<T, bool>)  // NumPy bins bool as float64 0s and 1s
            return float_threshold<double>(n, nbins, options, [v](std::int64_t i) { return v[i] ? 1.0 : 0.0; });
        else if constexpr (std::is_floating_point_v<T>)
            return float_threshold<T>(n, nbins, options, [v](std::int64_t i) { return v[i]; });
        else if constexpr (sizeof(T) <= 2)
            return integer_threshold(v, n, options);
        else
            throw Error("filters.threshold_otsu/opt: " + std::string(dtype_name(input.dtype())) + " is not supported");
    });
}

SKB_REGISTER_IMPL("filters.threshold_otsu", "opt", threshold_otsu);

}  // namespace
}  // namespace skb::opt
