// CUDA filters.threshold_otsu: the image crosses once; two grid-stride passes over it and the scan over the bins
// run on the device, and only the threshold comes back. A device entry (runtime/device_array.hpp): inside a
// pipeline the image is already on the device.
//   1. range: each thread's min and max (and, for floats, the first non-finite index), reduced over the warp by
//      shuffles and over the block in shared memory, then one global atomicMin/atomicMax per block on
//      order-preserving integer keys, left on the device.
//   2. histogram: bins by NumPy's rule (skb/otsu.hpp's UniformBins, the same code as the host backends) for
//      float and bool images, one bin per integer from min to max for uint8/uint16 (scikit-image's integer
//      path), built by each block from the range keys. Each block counts into shared memory with shared atomics
//      and merges its nonzero counters into the global histogram with global atomics; with more bins than shared
//      memory holds, threads count in global memory directly.
//   3. scan: for integer images of at most 2^24 pixels, a block-wide parallel scan and argmax over the bins (each
//      thread a run of consecutive bins); otherwise skb/otsu.hpp's best_bin in one thread (O(bins)), since the
//      float32 sums of float images (and of counts past 2^24) round in NumPy's sequential order. Writes the threshold.
// Transfers: one H2D (the image), one D2H (the threshold); a float image with a NaN or infinity costs one more
// D2H (where it is) on its way to the error.
#include <algorithm>
#include <cmath>
#include <memory>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "runtime/block_scan.cuh"
#include "runtime/device_array.hpp"
#include "runtime/fill.cuh"
#include "runtime/kernel.hpp"
#include "runtime/ordered_key.cuh"
#include "skb/nvtx.hpp"
#include "skb/otsu.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct OtsuPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 1024;
    static constexpr std::int64_t shared_bins = 8192;  // 32 KiB of shared counters per block
    static constexpr unsigned max_scan_block = 1024;   // the parallel scan's one block (fewer for fewer bins)
};

// Up to this many pixels every partial sum of counts is exact in float32, so NumPy's sequential float32 cumsum of
// the weights equals exact integer sums taken in any order.
inline constexpr std::int64_t kExactFloatCounts = std::int64_t{1} << 24;

// What NumPy bins: the image's own values, float64 0s and 1s for bool.
template <class T> using BinValue = std::conditional_t<std::is_same_v<T, bool>, double, T>;
using Count = unsigned long long;  // CUDA's 64-bit atomicAdd/atomicMin type

template <class V> struct RangeKeys {
    Key<V> min, max;
    Count first_non_finite;  // kNone when every value is finite
};
inline constexpr Count kNone = std::numeric_limits<Count>::max();

template <class V> __global__ void init_range_kernel(RangeKeys<V>* range) {
    *range = RangeKeys<V>{std::numeric_limits<Key<V>>::max(), 0, kNone};
}

template <class T> __device__ __forceinline__ T min_of(T a, T b) { return b < a ? b : a; }
template <class T> __device__ __forceinline__ T max_of(T a, T b) { return a < b ? b : a; }

template <class T> __global__ void range_kernel(const T* image, std::int64_t n, RangeKeys<BinValue<T>>* range) {
    using V = BinValue<T>;
    using K = Key<V>;
    constexpr unsigned warps = OtsuPolicy::block / kWarpSize;
    SKB_SHARED(K, warp_min, warps);
    SKB_SHARED(K, warp_max, warps);
    SKB_SHARED(Count, warp_bad, warps);
    K lo = std::numeric_limits<K>::max(), hi = 0;
    Count bad = kNone;
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) {
        const V v = static_cast<V>(image[i]);
        if constexpr (std::is_floating_point_v<V>) {
            if (!(v - v == V(0))) {  // NaN or infinity
                bad = min_of<Count>(bad, static_cast<Count>(i));
                continue;
            }
        }
        lo = min_of(lo, key_of(v));
        hi = max_of(hi, key_of(v));
    }
    for (unsigned offset = kWarpSize / 2; offset > 0; offset /= 2) {
        lo = min_of(lo, __shfl_down_sync(kFullMask, lo, offset));
        hi = max_of(hi, __shfl_down_sync(kFullMask, hi, offset));
        bad = min_of(bad, __shfl_down_sync(kFullMask, bad, offset));
    }
    const unsigned warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
    if (lane == 0) {
        warp_min[warp] = lo;
        warp_max[warp] = hi;
        warp_bad[warp] = bad;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (unsigned w = 1; w < warps; ++w) {
            lo = min_of(lo, warp_min[w]);
            hi = max_of(hi, warp_max[w]);
            bad = min_of(bad, warp_bad[w]);
        }
        atomicMin(&range->min, lo);
        atomicMax(&range->max, hi);
        if (bad != kNone) atomicMin(&range->first_non_finite, bad);
    }
}

// The bins of an image whose range the range pass found: NumPy's uniform bins for float and bool images, one
// bin per integer from min for uint8/uint16 (scikit-image's integer histogram). Built on the device from the
// range keys, so the host never needs the range.
template <class V> struct BinsOf {
    otsu::UniformBins<V> uniform;
    __host__ __device__ BinsOf(V lo, V hi, std::int64_t nbins) : uniform(lo, hi, nbins) {}
    __host__ __device__ std::int64_t index(V v) const { return uniform.index(v); }
    __host__ __device__ std::int64_t count() const { return uniform.nbins; }
};
template <class V>
    requires std::is_integral_v<V>
struct BinsOf<V> {
    std::int64_t min, max;
    __host__ __device__ BinsOf(V lo, V hi, std::int64_t) : min(lo), max(hi) {}
    __host__ __device__ std::int64_t index(V v) const { return static_cast<std::int64_t>(v) - min; }
    __host__ __device__ std::int64_t count() const { return max - min + 1; }
};

// Whether the range pass leaves anything to bin: no NaN or infinity, and more than one distinct value.
template <class V> __device__ bool binnable(const RangeKeys<V>& r) { return r.first_non_finite == kNone && r.min != r.max; }

// Counts of bins.index(value) into hist (zeroed). Each block counts into shared memory when the bins fit there
// (`shared_capacity` counters of dynamic shared memory; the same answer for every block), else straight into hist.
template <class T>
__global__ void histogram_kernel(const T* image, std::int64_t n, const RangeKeys<BinValue<T>>* range, std::int64_t nbins,
                                 std::int64_t shared_capacity, Count* hist) {
    using V = BinValue<T>;
    SKB_DYNAMIC_SHARED(unsigned, local);
    const RangeKeys<V> r = *range;
    if (!binnable(r)) return;
    const BinsOf<V> bins(value_of<V>(r.min), value_of<V>(r.max), nbins);
    const std::int64_t bin_count = bins.count();
    const bool in_shared = bin_count <= shared_capacity;
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    const std::int64_t first = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
    if (in_shared) {
        for (std::int64_t b = threadIdx.x; b < bin_count; b += blockDim.x) local[b] = 0;
        __syncthreads();
        for (std::int64_t i = first; i < n; i += stride) atomicAdd(&local[bins.index(static_cast<V>(image[i]))], 1u);
        __syncthreads();
        for (std::int64_t b = threadIdx.x; b < bin_count; b += blockDim.x)
            if (local[b] != 0) atomicAdd(&hist[b], static_cast<Count>(local[b]));
    } else {
        for (std::int64_t i = first; i < n; i += stride) atomicAdd(&hist[bins.index(static_cast<V>(image[i]))], Count{1});
    }
}

// The scan over the bins (skb/otsu.hpp's best_bin, as ref and opt run it) in one GPU thread, for float images (their
// float32 sums round in NumPy's order) and integer images past 2^24 pixels: O(bins) work that keeps the histogram
// on the device, so the threshold is the only thing copied back. w2 and m2: scratch for the bins. A float image with a NaN or infinity gets a NaN threshold (the host then asks where).
template <class V, class Out>
__global__ void scan_kernel(const RangeKeys<V>* range, const Count* hist, std::int64_t nbins, float* w2,
                            std::conditional_t<std::is_integral_v<V>, double, V>* m2, Out* threshold) {
    const RangeKeys<V> r = *range;
    if (r.first_non_finite != kNone) {
        *threshold = std::numeric_limits<Out>::quiet_NaN();
        return;
    }
    const V lo = value_of<V>(r.min), hi = value_of<V>(r.max);
    if (lo == hi) {  // a constant image is its own threshold
        *threshold = static_cast<Out>(lo);
        return;
    }
    const BinsOf<V> bins(lo, hi, nbins);
    const auto count = [hist](std::int64_t i) { return static_cast<float>(hist[i]); };
    if constexpr (std::is_integral_v<V>) {
        const std::int64_t min = bins.min;
        *threshold = min + otsu::best_bin<double>(bins.count(), count, [min](std::int64_t i) { return min + i; }, w2, m2);
    } else {
        const auto centre = [bins](std::int64_t i) { return bins.uniform.centre(i); };
        *threshold = static_cast<Out>(bins.uniform.centre(otsu::best_bin<V>(bins.count(), count, centre, w2, m2)));
    }
}

// best_bin for an integer image (one bin per integer from the minimum) of at most kExactFloatCounts pixels, by one
// block: each thread sums a run of consecutive bins, a block scan gives every run's prefix, and each thread walks
// its run. The sums are exact (counts in int64, float32 below 2^24; count x centre below 2^40 in int64, exact in
// float64), so they equal NumPy's sequential cumsums, and split_variance rounds the rest as best_bin does. The
// argmax keeps the first bin of the largest variance, as best_bin's strict comparison does.
template <class V>
__global__ void integer_scan_kernel(const RangeKeys<V>* range, const Count* hist, std::int64_t* threshold) {
    SKB_SHARED(long long, warp_sums, kWarpSize);
    SKB_SHARED(double, warp_variance, kWarpSize);
    SKB_SHARED(long long, warp_bin, kWarpSize);
    const RangeKeys<V> r = *range;
    const long long lo = value_of<V>(r.min), hi = value_of<V>(r.max);
    if (lo == hi) {  // a constant image is its own threshold (the whole block returns)
        if (threadIdx.x == 0) *threshold = lo;
        return;
    }
    const long long bins = hi - lo + 1;
    const long long per_thread = (bins + blockDim.x - 1) / blockDim.x;
    const long long first = min_of<long long>(threadIdx.x * per_thread, bins);
    const long long last = min_of(first + per_thread, bins);
    long long count = 0, moment = 0;  // the run's pixels, and their sum of values (bin centres)
    for (long long i = first; i < last; ++i) {
        count += static_cast<long long>(hist[i]);
        moment += static_cast<long long>(hist[i]) * (lo + i);
    }
    long long count_total, moment_total;
    count = block_exclusive_scan(count, warp_sums, count_total);
    moment = block_exclusive_scan(moment, warp_sums, moment_total);
    double best = -1;
    long long best_bin = first;
    for (long long i = first; i < last && i + 1 < bins; ++i) {  // the split after bin i
        count += static_cast<long long>(hist[i]);
        moment += static_cast<long long>(hist[i]) * (lo + i);
        const auto w1 = static_cast<float>(count), w2 = static_cast<float>(count_total - count);
        const double m1 = static_cast<double>(moment) / static_cast<double>(w1);
        const double m2 = static_cast<double>(moment_total - moment) / static_cast<double>(w2);
        const double variance = otsu::split_variance<double>(w1, m1, w2, m2);
        if (variance > best) {
            best = variance;
            best_bin = i;
        }
    }
    const auto better = [](double v, long long bin, double than_v, long long than_bin) {
        return v > than_v || (v == than_v && bin < than_bin);
    };
    for (unsigned offset = kWarpSize / 2; offset > 0; offset /= 2) {
        const double v = __shfl_down_sync(kFullMask, best, offset);
        const long long bin = __shfl_down_sync(kFullMask, best_bin, offset);
        if (better(v, bin, best, best_bin)) {
            best = v;
            best_bin = bin;
        }
    }
    const unsigned warp = threadIdx.x / kWarpSize, lane = threadIdx.x % kWarpSize;
    if (lane == 0) {
        warp_variance[warp] = best;
        warp_bin[warp] = best_bin;
    }
    __syncthreads();
    if (threadIdx.x == 0) {
        for (unsigned w = 1; w < blockDim.x / kWarpSize; ++w)
            if (better(warp_variance[w], warp_bin[w], best, best_bin)) {
                best = warp_variance[w];
                best_bin = warp_bin[w];
            }
        *threshold = lo + best_bin;
    }
}

template <class T> DeviceArray threshold_on_device(const DeviceArray& input, std::int64_t nbins) {
    using V = BinValue<T>;
    using Out = std::conditional_t<std::is_integral_v<V>, std::int64_t, float>;
    using P = OtsuPolicy;
    const std::int64_t n = input.size();
    const T* image = input.data<T>();
    // Integer images: one bin per value the type holds, at most (the range decides how many are used).
    std::int64_t capacity = nbins;
    if constexpr (std::is_integral_v<V>)
        capacity = std::int64_t{std::numeric_limits<V>::max()} - std::numeric_limits<V>::min() + 1;
    const auto range_keys = std::make_shared<DeviceBuffer<RangeKeys<V>>>(1);
    DeviceBuffer<Count> hist(static_cast<std::size_t>(capacity));
    launch(init_range_kernel<V>, {.name = "filters.threshold_otsu/init"}, range_keys->data());
    launch(range_kernel<T>, grid_stride_config("filters.threshold_otsu/range", n, P::block, P::max_blocks), image, n,
           range_keys->data());
    launch(fill_kernel<Count>, grid_stride_config("filters.threshold_otsu/zero", capacity, P::block, P::max_blocks),
           hist.data(), capacity, Count{0});
    LaunchConfig config = grid_stride_config("filters.threshold_otsu/histogram", n, P::block, P::max_blocks);
    const std::int64_t shared_capacity = std::min(capacity, P::shared_bins);
    config.dynamic_shared_bytes = static_cast<std::size_t>(shared_capacity) * sizeof(unsigned);
    launch(histogram_kernel<T>, config, image, n, range_keys->data(), nbins, shared_capacity, hist.data());
    DeviceArray threshold(dtype_of<Out>, Shape{});
    bool scanned = false;
    if constexpr (std::is_integral_v<V>) {
        if (n <= kExactFloatCounts) {
            const auto block = static_cast<unsigned>(std::min<std::int64_t>(P::max_scan_block, (capacity + 31) / 32 * 32));
            launch(integer_scan_kernel<V>, {.name = "filters.threshold_otsu/scan", .block = Dim3{block}},
                   range_keys->data(), hist.data(), threshold.data<Out>());
            scanned = true;
        }
    }
    if (!scanned) {
        DeviceBuffer<float> w2(static_cast<std::size_t>(capacity));
        DeviceBuffer<std::conditional_t<std::is_integral_v<V>, double, V>> m2(static_cast<std::size_t>(capacity));
        launch(scan_kernel<V, Out>, {.name = "filters.threshold_otsu/serial_scan"}, range_keys->data(), hist.data(),
               nbins, w2.data(), m2.data(), threshold.data<Out>());
    }
    if constexpr (std::is_floating_point_v<Out>) {
        threshold.on_download([range_keys](const Array& t) {  // NaN: the image held a NaN or an infinity
            if (!std::isnan(t.values<Out>()[0])) return;
            RangeKeys<V> range;
            copy_to_host(std::span<RangeKeys<V>>(&range, 1), *range_keys);
            otsu::throw_non_finite(static_cast<std::int64_t>(range.first_non_finite));
        });
    }
    return threshold;
}

DeviceArray threshold_otsu(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("filters.threshold_otsu/" SKB_GPU_BACKEND_NAME);
    const std::int64_t nbins = params.integer("nbins");
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) -> DeviceArray {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, bool> || sizeof(T) <= 2)
            return threshold_on_device<T>(input, nbins);
        else
            throw Error("filters.threshold_otsu/" SKB_GPU_BACKEND_NAME ": " + std::string(dtype_name(input.dtype())) +
                        " is not supported");
    });
}

SKB_GPU_REGISTER_DEVICE_IMPL("filters.threshold_otsu", threshold_otsu);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
