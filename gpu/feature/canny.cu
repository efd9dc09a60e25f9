// CUDA feature.canny: scikit-image 0.26's steps on the device in its arithmetic types (F: float32 for float32
// images, float64 otherwise), so the bool edges equal the reference's exactly (reference/feature/canny.cpp says
// why each step is typed as it is). Grid-stride kernels, one output per thread and step:
//   1. as_float: img_as_float into F, masked-out pixels 0 (and the mask as F ones/zeros for the bleed).
//   2. correlate along an axis, SciPy's correlate1d order (centre first, then the pairs from the farthest in,
//      accumulated in double, rounded to F): the Gaussian (axis 0, then 1), the bleed the same way, the division
//      by bleed + eps(F) in F; Sobel's [-1, 0, 1] and [1, 2, 1] passes (reflect).
//   3. magnitude sqrt(i*i + j*j) in F.
//   4. with use_quantiles, np.percentile of the magnitude on the device: a radix selection of both thresholds'
//      lower order statistics side by side (8 bits per pass over order-preserving keys: a shared-memory histogram
//      of the values that share the prefix found so far, then one thread picks the bin), one pass for the next
//      order statistic (a count at or below and a minimum above), and NumPy's lerp in a one-thread kernel; the
//      thresholds stay on the device.
//   5. non-maximum suppression per pixel (skb/canny.hpp's rule, shared with ref and opt): 0, weak 1 or strong 2.
//   6. hysteresis: the 8-connected components of the weak and strong pixels (measure/components.cuh), a flag per
//      root holding a strong pixel, and each pixel's answer from its root's flag.
// nvcc compiles this file with --fmad=false (CMakeLists.txt): a product fused into an addition (the correlate
// sums, i*i + j*j, the suppression's interpolation) rounds differently and flips edge pixels; the emulator build
// never contracts. A device entry, the optional mask an extra device input.
#include <array>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "measure/components.cuh"
#include "runtime/device_array.hpp"
#include "runtime/fill.cuh"
#include "runtime/ordered_key.cuh"
#include "skb/border.hpp"
#include "skb/canny.hpp"
#include "skb/convert.hpp"
#include "skb/gaussian_kernel.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct Plane {
    std::int64_t height, width;
    __host__ __device__ std::int64_t size() const { return height * width; }
};

// Taps of a correlate1d pass symmetric (+1) or antisymmetric (-1) about the centre: w[0] the centre, w[j] the tap
// at offset -j. In the kernel arguments; a Gaussian wider than kInline taps reads a device table instead.
struct Taps {
    static constexpr int kInline = 64;
    int radius = 0;
    int symmetry = 1;
    double w[kInline] = {};
    const double* table = nullptr;
    __device__ __forceinline__ double operator[](int j) const { return table ? table[j] : w[j]; }
    std::array<const void*, 1> device_pointers() const { return {table}; }  // for launch's argument check
};

struct Pass {
    int axis;
    BorderMode mode;
    double cval;
};

template <class T, class F>
__global__ void as_float_kernel(const T* image, const bool* mask, std::int64_t n, F* values, F* ones) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const bool kept = !mask || mask[g];
        values[g] = kept ? img_as_float<F>(image[g]) : F(0);
        if (ones) ones[g] = kept ? F(1) : F(0);
    }
}

template <class F> __global__ void correlate_kernel(const F* in, Plane plane, Pass pass, Taps taps, F* out) {
    const std::int64_t n = plane.size(), stride = std::int64_t{blockDim.x} * gridDim.x;
    const std::int64_t length = pass.axis == 0 ? plane.height : plane.width;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const std::int64_t y = g / plane.width, x = g % plane.width, i = pass.axis == 0 ? y : x;
        const auto at = [&](std::int64_t offset) {
            const std::int64_t k = border_index(i + offset, length, pass.mode);
            if (k < 0) return pass.cval;
            return static_cast<double>(pass.axis == 0 ? in[k * plane.width + x] : in[y * plane.width + k]);
        };
        double sum = at(0) * taps[0];
        for (int j = taps.radius; j >= 1; --j) {
            const double a = at(-j), b = at(j);
            sum += (taps.symmetry > 0 ? a + b : a - b) * taps[j];
        }
        out[g] = static_cast<F>(sum);
    }
}

template <class F> __global__ void divide_by_bleed_kernel(F* smoothed, const F* bleed, std::int64_t n) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        smoothed[g] /= static_cast<F>(bleed[g] + std::numeric_limits<F>::epsilon());
}

__device__ __forceinline__ float square_root(float v) { return sqrtf(v); }
__device__ __forceinline__ double square_root(double v) { return sqrt(v); }

template <class F> __global__ void magnitude_kernel(const F* isobel, const F* jsobel, std::int64_t n, F* magnitude) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        F m = isobel[g] * isobel[g];
        m += jsobel[g] * jsobel[g];
        magnitude[g] = square_root(m);
    }
}

// --- np.percentile on the device -------------------------------------------------------------------------------

using Count = unsigned long long;
inline constexpr unsigned kRadixBins = 256;
inline constexpr int kQuantiles = 2;  // the low and the high threshold, selected side by side

// The order statistic of rank `rank` (0-based) being selected: the key bits fixed so far and their values; after
// the last digit, prefix is its key. Then the pass over its neighbours fills at_or_below (how many keys are <= it)
// and next (the smallest key above it), which give the order statistic of rank + 1.
template <class F> struct Selection {
    Key<F> prefix, fixed;
    Count rank;
    Count at_or_below;
    Key<F> next;
};

template <class F> __global__ void init_selections_kernel(Selection<F>* s, Count low_rank, Count high_rank) {
    s[0] = Selection<F>{0, 0, low_rank, 0, std::numeric_limits<Key<F>>::max()};
    s[1] = Selection<F>{0, 0, high_rank, 0, std::numeric_limits<Key<F>>::max()};
}

// Counts, per selection and value of the key byte at `shift`, the values whose key matches the selection's prefix.
template <class F>
__global__ void radix_histogram_kernel(const F* values, std::int64_t n, const Selection<F>* selections, int shift,
                                       Count* hist) {
    SKB_SHARED(unsigned, local, kQuantiles * kRadixBins);
    for (unsigned b = threadIdx.x; b < kQuantiles * kRadixBins; b += blockDim.x) local[b] = 0;
    __syncthreads();
    const Selection<F> s[kQuantiles] = {selections[0], selections[1]};
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const Key<F> key = key_of(values[g]);
        const unsigned bin = static_cast<unsigned>(key >> shift) & (kRadixBins - 1);
        for (int q = 0; q < kQuantiles; ++q)
            if ((key & s[q].fixed) == s[q].prefix) atomicAdd(&local[q * kRadixBins + bin], 1u);
    }
    __syncthreads();
    for (unsigned b = threadIdx.x; b < kQuantiles * kRadixBins; b += blockDim.x)
        if (local[b]) atomicAdd(&hist[b], Count{local[b]});
}

// One thread: fixes each selection's byte at `shift` to the bin holding its rank, and clears the histograms.
template <class F> __global__ void radix_pick_kernel(Selection<F>* selections, int shift, Count* hist) {
    for (int q = 0; q < kQuantiles; ++q) {
        Selection<F> s = selections[q];
        Count before = 0;
        bool found = false;
        for (unsigned b = 0; b < kRadixBins; ++b) {
            const Count count = hist[q * kRadixBins + b];
            if (!found && s.rank < before + count) {
                s.prefix |= static_cast<Key<F>>(b) << shift;
                s.rank -= before;
                found = true;
            }
            before += count;
            hist[q * kRadixBins + b] = 0;
        }
        s.fixed |= static_cast<Key<F>>(kRadixBins - 1) << shift;
        selections[q] = s;
    }
}

// How many keys are at or below each selected one, and the smallest key above it.
template <class F> __global__ void neighbours_kernel(const F* values, std::int64_t n, Selection<F>* selections) {
    SKB_SHARED(Count, block_at_or_below, kQuantiles);
    SKB_SHARED(Key<F>, block_next, kQuantiles);
    if (threadIdx.x < kQuantiles) {
        block_at_or_below[threadIdx.x] = 0;
        block_next[threadIdx.x] = std::numeric_limits<Key<F>>::max();
    }
    __syncthreads();
    const Key<F> selected[kQuantiles] = {selections[0].prefix, selections[1].prefix};
    Count at_or_below[kQuantiles] = {0, 0};
    Key<F> next[kQuantiles] = {std::numeric_limits<Key<F>>::max(), std::numeric_limits<Key<F>>::max()};
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const Key<F> key = key_of(values[g]);
        for (int q = 0; q < kQuantiles; ++q) {
            if (key <= selected[q]) ++at_or_below[q];
            else if (key < next[q]) next[q] = key;
        }
    }
    for (int q = 0; q < kQuantiles; ++q) {
        atomicAdd(&block_at_or_below[q], at_or_below[q]);
        atomicMin(&block_next[q], next[q]);
    }
    __syncthreads();
    if (threadIdx.x < kQuantiles) {
        atomicAdd(&selections[threadIdx.x].at_or_below, block_at_or_below[threadIdx.x]);
        atomicMin(&selections[threadIdx.x].next, block_next[threadIdx.x]);
    }
}

// np.percentile's lerp between the order statistics of ranks `below` (selected) and `above` (below + 1, or below).
template <class F> __device__ F statistic_above(const Selection<F>& s, Count below, Count above) {
    const F a = value_of<F>(s.prefix);
    return above == below || s.at_or_below > above ? a : value_of<F>(s.next);
}

template <class F>
__global__ void quantile_thresholds_kernel(const Selection<F>* s, canny::PercentilePoint low,
                                           canny::PercentilePoint high, canny::Thresholds* thresholds) {
    const double low_value = canny::percentile_lerp(value_of<F>(s[0].prefix),
                                                    statistic_above(s[0], low.below, low.above), low.t);
    const double high_value = canny::percentile_lerp(value_of<F>(s[1].prefix),
                                                     statistic_above(s[1], high.below, high.above), high.t);
    *thresholds = canny::final_thresholds(low_value, high_value, true);
}

__global__ void set_thresholds_kernel(canny::Thresholds* thresholds, canny::Thresholds value) { *thresholds = value; }

inline LaunchConfig one_thread(const char* name) { return {.name = name, .grid = Dim3{1}, .block = Dim3{1}}; }

// The thresholds on the device: the given ones, or the magnitude's quantiles selected there (one histogram pass
// per key byte for both thresholds, then one pass for the order statistics after the selected ones).
template <class F>
void thresholds_on_device(const F* magnitude, std::int64_t n, const canny::ThresholdValues& v,
                          canny::Thresholds* thresholds) {
    if (!v.quantiles) {
        launch(set_thresholds_kernel, one_thread("feature.canny/thresholds"), thresholds,
               canny::final_thresholds(v.low, v.high, false));
        return;
    }
    const canny::PercentilePoint low = canny::percentile_point(static_cast<std::size_t>(n), v.low);
    const canny::PercentilePoint high = canny::percentile_point(static_cast<std::size_t>(n), v.high);
    DeviceBuffer<Selection<F>> selections(kQuantiles);
    launch(init_selections_kernel<F>, one_thread("feature.canny/quantile_ranks"), selections.data(), Count{low.below},
           Count{high.below});
    DeviceBuffer<Count> hist(kQuantiles * kRadixBins);
    launch(fill_kernel<Count>, one_thread("feature.canny/clear_histogram"), hist.data(),
           std::int64_t{kQuantiles * kRadixBins}, Count{0});
    for (int shift = 8 * static_cast<int>(sizeof(F)) - 8; shift >= 0; shift -= 8) {
        launch(radix_histogram_kernel<F>, per_pixel_config("feature.canny/quantile_histogram", n), magnitude, n,
               selections.data(), shift, hist.data());
        launch(radix_pick_kernel<F>, one_thread("feature.canny/quantile_pick"), selections.data(), shift, hist.data());
    }
    launch(neighbours_kernel<F>, per_pixel_config("feature.canny/quantile_neighbours", n), magnitude, n,
           selections.data());
    launch(quantile_thresholds_kernel<F>, one_thread("feature.canny/quantile_thresholds"), selections.data(), low,
           high, thresholds);
}

// --- suppression and hysteresis --------------------------------------------------------------------------------

enum : unsigned char { kNone = 0, kWeak = 1, kStrong = 2 };

template <class F>
__global__ void suppress_kernel(const F* isobel, const F* jsobel, const F* magnitude, const bool* mask, Plane plane,
                                const canny::Thresholds* thresholds, unsigned char* candidate) {
    const canny::Thresholds t = *thresholds;
    const std::int64_t n = plane.size(), stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride) {
        const std::int64_t y = g / plane.width, x = g % plane.width;
        // The eroded mask: away from the image's border, and (with a mask) its 3x3 neighbourhood all kept.
        bool inside = y >= 1 && x >= 1 && y + 1 < plane.height && x + 1 < plane.width;
        for (int dy = -1; inside && mask && dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) inside = inside && mask[g + dy * plane.width + dx];
        unsigned char c = kNone;
        const F* row = magnitude + y * plane.width;
        if (inside && magnitude[g] > 0 &&
            canny::survives_suppression(isobel[g], jsobel[g], row - plane.width, row, row + plane.width, x, t.low))
            c = canny::is_strong(magnitude[g], t) ? kStrong : kWeak;
        candidate[g] = c;
    }
}

template <class Index>
__global__ void mark_strong_kernel(const unsigned char* candidate, const Index* root, std::int64_t n,
                                   unsigned* strong) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        if (candidate[g] == kStrong) atomicOr(&strong[root[g]], 1u);
}

template <class Index>
__global__ void write_edges_kernel(const Index* root, const unsigned* strong, std::int64_t n, bool* edges) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        edges[g] = root[g] >= 0 && strong[root[g]] != 0;
}

template <class Index> void hysteresis_on_device(const unsigned char* candidate, const Shape& shape, bool* edges) {
    const std::int64_t n = element_count(shape);
    DeviceBuffer<Index> root(static_cast<std::size_t>(n));
    components_on_device(candidate, shape, root.data(), KeyRule{.background = 0, .flip = false, .connectivity = 2,
                                                                .binary = true});
    DeviceBuffer<unsigned> strong(static_cast<std::size_t>(n));
    launch(fill_kernel<unsigned>, per_pixel_config("feature.canny/clear_flags", n), strong.data(), n, 0u);
    launch(mark_strong_kernel<Index>, per_pixel_config("feature.canny/mark_strong", n), candidate, root.data(), n,
           strong.data());
    launch(write_edges_kernel<Index>, per_pixel_config("feature.canny/write", n), root.data(), strong.data(), n, edges);
}

// --- the op ----------------------------------------------------------------------------------------------------

template <class F> class Steps {
public:
    explicit Steps(Plane plane) : plane_(plane), n_(plane.size()) {}

    void correlate(const F* in, const Pass& pass, const Taps& taps, F* out) const {
        launch(correlate_kernel<F>, per_pixel_config("feature.canny/correlate", n_), in, plane_, pass, taps, out);
    }
    // SciPy's gaussian_filter: axis 0, then axis 1, `scratch` between them.
    void smooth(F* values, F* scratch, const Taps& taps, BorderMode mode, double cval) const {
        correlate(values, {0, mode, cval}, taps, scratch);
        correlate(scratch, {1, mode, cval}, taps, values);
    }
    // ndi.sobel(image, axis): the derivative along `axis`, then the smoothing along the other.
    void sobel(const F* image, int axis, F* scratch, F* out) const {
        Taps derivative{.radius = 1, .symmetry = -1};
        derivative.w[1] = -1.0;
        Taps smoothing{.radius = 1, .symmetry = 1};
        smoothing.w[0] = 2.0;
        smoothing.w[1] = 1.0;
        correlate(image, {axis, BorderMode::Reflect, 0.0}, derivative, scratch);
        correlate(scratch, {1 - axis, BorderMode::Reflect, 0.0}, smoothing, out);
    }

private:
    Plane plane_;
    std::int64_t n_;
};

template <class F>
void canny_on_device(const DeviceArray& image, const DeviceArray* mask, const Params& params, DeviceArray& edges) {
    const Plane plane{image.shape()[0], image.shape()[1]};
    const std::int64_t n = plane.size();
    const auto size = static_cast<std::size_t>(n);
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double cval = params.real("cval"), sigma = params.real("sigma");
    const bool* keep = mask ? mask->data<bool>() : nullptr;
    const bool bleeds = mode == BorderMode::Constant || mask;
    const Steps<F> steps(plane);

    DeviceBuffer<F> smoothed(size), scratch(size), bleed(bleeds ? size : 0);
    visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        launch(as_float_kernel<T, F>, per_pixel_config("feature.canny/as_float", n), image.data<T>(), keep, n,
               smoothed.data(), bleeds ? bleed.data() : static_cast<F*>(nullptr));
    });
    const bool smoothing = sigma > kGaussianSkipSigma;  // else SciPy returns the image unchanged
    Taps gaussian;
    std::optional<DeviceBuffer<double>> wide_table;  // one more H2D, for sigma >= 16 only
    if (smoothing) {
        const std::vector<double> w = gaussian_kernel1d(sigma, 4.0);
        gaussian.radius = static_cast<int>(w.size() / 2);
        std::vector<double> from_centre(static_cast<std::size_t>(gaussian.radius) + 1);
        for (int j = 0; j <= gaussian.radius; ++j)
            from_centre[static_cast<std::size_t>(j)] = w[static_cast<std::size_t>(gaussian.radius - j)];
        if (gaussian.radius < Taps::kInline) {
            std::copy(from_centre.begin(), from_centre.end(), gaussian.w);
        } else {
            wide_table.emplace(to_device(std::span<const double>(from_centre)));
            gaussian.table = wide_table->data();
        }
        steps.smooth(smoothed.data(), scratch.data(), gaussian, mode, cval);
    }
    if (bleeds) {
        if (smoothing) steps.smooth(bleed.data(), scratch.data(), gaussian, mode, cval);
        launch(divide_by_bleed_kernel<F>, per_pixel_config("feature.canny/divide_by_bleed", n), smoothed.data(),
               bleed.data(), n);
    }
    DeviceBuffer<F> isobel(size), jsobel(size);
    steps.sobel(smoothed.data(), 0, scratch.data(), isobel.data());
    steps.sobel(smoothed.data(), 1, scratch.data(), jsobel.data());
    F* magnitude = smoothed.data();  // smoothed is not read again
    launch(magnitude_kernel<F>, per_pixel_config("feature.canny/magnitude", n), isobel.data(), jsobel.data(), n,
           magnitude);

    DeviceBuffer<canny::Thresholds> thresholds(1);
    thresholds_on_device(magnitude, n, canny::threshold_values(params, image.dtype()), thresholds.data());
    DeviceBuffer<unsigned char> candidate(size);
    launch(suppress_kernel<F>, per_pixel_config("feature.canny/suppress", n), isobel.data(), jsobel.data(), magnitude,
           keep, plane, thresholds.data(), candidate.data());
    if (n < std::numeric_limits<int>::max())
        hysteresis_on_device<int>(candidate.data(), image.shape(), edges.data<bool>());
    else
        hysteresis_on_device<long long>(candidate.data(), image.shape(), edges.data<bool>());
}

DeviceArray canny(const DeviceInputs& inputs, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("feature.canny/" SKB_GPU_BACKEND_NAME);
    const DeviceArray& image = inputs.image();
    DeviceArray edges(DType::Bool, image.shape());
    if (image.size() == 0) return edges;
    if (image.dtype() == DType::F32) canny_on_device<float>(image, inputs.extra("mask"), params, edges);
    else canny_on_device<double>(image, inputs.extra("mask"), params, edges);
    return edges;
}

SKB_GPU_REGISTER_DEVICE_IMPL("feature.canny", canny);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
