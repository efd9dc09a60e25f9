// CUDA filters.threshold_otsu: the image crosses once; two grid-stride passes over it on the device, then the
// scan over the bins on the host (skb/otsu.hpp, as ref and opt).
//   1. range: each thread's min and max (and, for floats, the first non-finite index), reduced over the warp by
//      shuffles and over the block in shared memory, then one global atomicMin/atomicMax per block on
//      order-preserving integer keys. Copied back: min, max and the non-finite index.
//   2. histogram: bins by NumPy's rule (skb/otsu.hpp's UniformBins, the same code as the host backends) for
//      float and bool images, one bin per integer from min to max for uint8/uint16 (scikit-image's integer
//      path). Each block counts into shared memory with shared atomics and merges its nonzero counters into the
//      global histogram with global atomics; with more bins than shared memory holds, threads count in global
//      memory directly. Copied back: the histogram.
// Transfers: one H2D (the image), two D2H (the range, the histogram).
#include <bit>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "runtime/kernel.hpp"
#include "skb/nvtx.hpp"
#include "skb/otsu.hpp"

namespace skb::gpu {
namespace {

struct OtsuPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 1024;
    static constexpr std::int64_t shared_bins = 8192;  // 32 KiB of shared counters per block
};

// What NumPy bins: the image's own values, float64 0s and 1s for bool.
template <class T> using BinValue = std::conditional_t<std::is_same_v<T, bool>, double, T>;
using Count = unsigned long long;  // CUDA's 64-bit atomicAdd/atomicMin type

// Order-preserving unsigned keys of the values, so min and max reduce with integer atomics.
template <class V> using Key = std::conditional_t<sizeof(V) == 8, unsigned long long, unsigned>;

template <class V> __host__ __device__ __forceinline__ Key<V> key_of(V v) {
    if constexpr (std::is_floating_point_v<V>) {
        constexpr Key<V> sign = Key<V>{1} << (8 * sizeof(V) - 1);
        const auto bits = std::bit_cast<Key<V>>(v);
        return bits & sign ? ~bits : bits | sign;  // negatives reversed below the positives
    } else {
        return static_cast<Key<V>>(v);
    }
}

template <class V> V value_of(Key<V> key) {
    if constexpr (std::is_floating_point_v<V>) {
        constexpr Key<V> sign = Key<V>{1} << (8 * sizeof(V) - 1);
        return std::bit_cast<V>(key & sign ? key & ~sign : ~key);
    } else {
        return static_cast<V>(key);
    }
}

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

__global__ void zero_kernel(Count* counts, std::int64_t n) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) counts[i] = 0;
}

// One bin per integer from min (scikit-image's integer histogram).
struct IntegerBins {
    std::int64_t min;
    __host__ __device__ std::int64_t index(std::int64_t v) const { return v - min; }
};

// Counts of bins.index(value) into hist (nbins counters, zeroed); block-private counters in dynamic shared
// memory when `in_shared` (uniform over the grid), else straight into hist.
template <class T, class Bins>
__global__ void histogram_kernel(const T* image, std::int64_t n, Bins bins, std::int64_t nbins, bool in_shared,
                                 Count* hist) {
    using V = BinValue<T>;
    SKB_DYNAMIC_SHARED(unsigned, local);
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    const std::int64_t first = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
    if (in_shared) {
        for (std::int64_t b = threadIdx.x; b < nbins; b += blockDim.x) local[b] = 0;
        __syncthreads();
        for (std::int64_t i = first; i < n; i += stride) atomicAdd(&local[bins.index(static_cast<V>(image[i]))], 1u);
        __syncthreads();
        for (std::int64_t b = threadIdx.x; b < nbins; b += blockDim.x)
            if (local[b] != 0) atomicAdd(&hist[b], static_cast<Count>(local[b]));
    } else {
        for (std::int64_t i = first; i < n; i += stride) atomicAdd(&hist[bins.index(static_cast<V>(image[i]))], Count{1});
    }
}

template <class T, class Bins>
std::vector<Count> histogram_on_device(const DeviceBuffer<T>& image, std::int64_t n, const Bins& bins,
                                       std::int64_t nbins) {
    using P = OtsuPolicy;
    DeviceBuffer<Count> hist(static_cast<std::size_t>(nbins));
    launch(zero_kernel, grid_stride_config("filters.threshold_otsu/zero", nbins, P::block, P::max_blocks), hist.data(),
           nbins);
    const bool in_shared = nbins <= P::shared_bins;
    LaunchConfig config = grid_stride_config("filters.threshold_otsu/histogram", n, P::block, P::max_blocks);
    config.dynamic_shared_bytes = in_shared ? static_cast<std::size_t>(nbins) * sizeof(unsigned) : 0;
    launch(histogram_kernel<T, Bins>, config, image.data(), n, bins, nbins, in_shared, hist.data());
    std::vector<Count> tally(static_cast<std::size_t>(nbins));
    copy_to_host(std::span<Count>(tally), hist);
    return tally;
}

template <class T> Array threshold_on_device(const Array& input, std::int64_t nbins) {
    using V = BinValue<T>;
    using P = OtsuPolicy;
    const std::int64_t n = input.size();
    const DeviceBuffer<T> image = to_device<T>(input);
    DeviceBuffer<RangeKeys<V>> range_keys(1);
    launch(init_range_kernel<V>, {.name = "filters.threshold_otsu/init"}, range_keys.data());
    launch(range_kernel<T>, grid_stride_config("filters.threshold_otsu/range", n, P::block, P::max_blocks),
           image.data(), n, range_keys.data());
    RangeKeys<V> range;
    copy_to_host(std::span<RangeKeys<V>>(&range, 1), range_keys);
    if (range.first_non_finite != kNone) otsu::throw_non_finite(static_cast<std::int64_t>(range.first_non_finite));
    const V lo = value_of<V>(range.min), hi = value_of<V>(range.max);
    if constexpr (std::is_floating_point_v<V>) {
        if (lo == hi) return Array::scalar<float>(static_cast<float>(lo));  // a constant image is its own threshold
        const otsu::UniformBins<V> bins(lo, hi, nbins);
        const std::vector<Count> tally = histogram_on_device(image, n, bins, nbins);
        return Array::scalar<float>(static_cast<float>(otsu::float_threshold(std::span<const Count>(tally), bins)));
    } else {
        if (lo == hi) return Array::scalar<std::int64_t>(lo);
        const std::vector<Count> tally = histogram_on_device(image, n, IntegerBins{lo}, std::int64_t{hi} - lo + 1);
        return Array::scalar<std::int64_t>(otsu::integer_threshold(std::span<const Count>(tally), lo));
    }
}

Array threshold_otsu(const Array& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("filters.threshold_otsu/" SKB_GPU_BACKEND_NAME);
    const std::int64_t nbins = params.integer("nbins");
    return visit_dtype(input.dtype(), [&](auto tag) -> Array {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, bool> || sizeof(T) <= 2)
            return threshold_on_device<T>(input, nbins);
        else
            throw Error("filters.threshold_otsu/" SKB_GPU_BACKEND_NAME ": " + std::string(dtype_name(input.dtype())) +
                        " is not supported");
    });
}

SKB_GPU_REGISTER_IMPL("filters.threshold_otsu", threshold_otsu);

}  // namespace
}  // namespace skb::gpu
