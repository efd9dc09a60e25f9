// Opt filters.threshold_otsu: per-block histograms (uint8/uint16: over the whole dtype range, one pass; floats:
// a parallel min/max pass first), merged once per block, then skb/otsu.hpp on the (small) histogram. Bins are assigned in the image's own type with NumPy's rule, so the
// threshold is the one ref and scikit-image choose; only the returned value is float32 for float images.
#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <span>
#include <type_traits>
#include <vector>

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

// Minimum, maximum (and, for floats, the first non-finite index) of value(i) over [0, n). The hot loop keeps
// 64-byte vectors of running minima and maxima and one "saw a non-finite" flag (v - v is 0 only for finite v), so
// it vectorizes; the first bad index is searched for only when the flag is set.
template <class V, class Value> Range<V> range_of(std::int64_t n, const RunOptions& options, Value value) {
    typedef V Lanes __attribute__((vector_size(64)));  // (GCC ignores the attribute on a dependent `using`)
    constexpr int kLanes = 64 / sizeof(V);
    Range<V> total;
    std::mutex merge;
    parallel_blocks(options, n, kHistogramGrain, [&](std::int64_t begin, std::int64_t end) {
        Range<V> local;
        Lanes lo, hi, bad{};
        for (int l = 0; l < kLanes; ++l) lo[l] = local.min, hi[l] = local.max;
        std::int64_t i = begin;
        for (; i + kLanes <= end; i += kLanes) {
            Lanes v;
            for (int l = 0; l < kLanes; ++l) v[l] = value(i + l);
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            if constexpr (std::is_floating_point_v<V>) bad += v - v;  // NaN from then on if any v is not finite
        }
        bool any_bad = false;
        for (int l = 0; l < kLanes; ++l) {
            local.min = std::min(local.min, lo[l]);
            local.max = std::max(local.max, hi[l]);
            if constexpr (std::is_floating_point_v<V>) any_bad |= !(bad[l] == V(0));
        }
        for (; i < end; ++i) {
            const V v = value(i);
            local.min = std::min(local.min, v);
            local.max = std::max(local.max, v);
            if constexpr (std::is_floating_point_v<V>) any_bad |= !std::isfinite(v);
        }
        if (any_bad)
            for (std::int64_t j = begin; j < end; ++j)
                if (!std::isfinite(value(j))) {
                    local.first_non_finite = j;
                    break;
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

// NumPy's uniform binning (otsu::UniformBins::index: the same estimate, corrected by one bin against the edges)
// with the edges read from a table instead of recomputed: a loop over a chunk of values that vectorizes, gathers
// included, feeding the counting loop.
template <class F> class BinTable {
public:
    explicit BinTable(const otsu::UniformBins<F>& bins) : bins_(bins), edges_(bins.nbins + 1) {
        for (std::int64_t i = 0; i <= bins.nbins; ++i) edges_[i] = bins.edge(i);
    }

    // out[k] = the bin of value(begin + k), for k in [0, count).
    template <class Value> void index(std::int64_t begin, std::int64_t count, Value value, std::int32_t* out) const {
        const F first = bins_.first, delta = bins_.delta, nbins = static_cast<F>(bins_.nbins);
        const std::int32_t last_bin = static_cast<std::int32_t>(bins_.nbins - 1);
        const F* edges = edges_.data();
        for (std::int64_t k = 0; k < count; ++k) {
            const F x = value(begin + k);
            const std::int32_t bin = std::min(static_cast<std::int32_t>((x - first) / delta * nbins), last_bin);
            // Both edges loaded and the branches as arithmetic: conditional loads would keep the loop scalar.
            const F lower = edges[bin], upper = edges[bin + 1];
            const std::int32_t down = x < lower, up = (x >= upper) & (bin != last_bin);
            out[k] = bin - down + (up & (down ^ 1));
        }
    }

private:
    otsu::UniformBins<F> bins_;
    std::vector<F> edges_;
};

// uint8/uint16: one pass histograms the whole dtype range; min and max are its first and last nonzero bins.
template <class T> Array integer_threshold(const T* v, std::int64_t n, const RunOptions& options) {
    static_assert(sizeof(T) <= 2, "the dtype range must be small enough to histogram whole");
    const std::int64_t range = std::int64_t{1} << (8 * sizeof(T));
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(v);
    const auto full = sizeof(T) == 1 ? (n >= (1 << 20) ? byte_pair_histogram(bytes, n, options) : byte_histogram(bytes, n, options))
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
    const BinTable<F> table(bins);
    const auto tally = chunked_histogram(n, nbins, options, [&](std::int64_t begin, std::int64_t count, std::int32_t* out) {
        table.index(begin, count, value, out);
    });
    return Array::scalar<float>(static_cast<float>(otsu::float_threshold(std::span<const std::int64_t>(tally), bins)));
}

Array threshold_otsu(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("filters.threshold_otsu/opt");
    const std::int64_t nbins = params.integer("nbins"), n = input.size();
    const RunOptions options = sized_for_work(requested, 2 * n);  // a range pass and a histogram pass
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) -> Array {
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
