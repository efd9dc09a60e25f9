// The separable pass of the CUDA backend (filters.gaussian, feature.hessian_matrix, the ridge filters): a 1-d
// correlation along one axis of a (z, y, x) volume with symmetric or antisymmetric taps, and gaussian() built
// from it. A block of 256 threads computes `lines` lines x `length` outputs along the pass axis. Taps are taken
// `chunk` at a time: for each chunk the block stages in shared memory the input window its outputs read at
// offsets -j and +j (one joint window with the halo while the two sides overlap, two windows beyond that, so any
// radius fits the same tile), read through the border rule; a pass reading the op's input converts it by
// img_as_float32 (or keeps raw values with preserve_range) as it loads. Each output is summed as opt sums it, in
// float32: acc = w0*c, then acc += w[j]*(in[-j] + sign*in[+j]) for j = 1..r.
// Taps travel by value in the kernel arguments (a device table, one more H2D, only for radii over
// GaussianTaps::kInline - 1).
#pragma once
#include <array>
#include <optional>
#include <span>
#include <vector>

#include "runtime/device_array.hpp"
#include "runtime/kernel.hpp"
#include "skb/border.hpp"
#include "skb/convert.hpp"
#include "skb/gaussian_kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct GaussianPolicy {
    static constexpr unsigned threads = 256;  // per block (1-d)
    static constexpr int chunk = 32;          // taps staged per step
};

// The block tile of a pass along Axis (2: x, 1: y, 0: z of a (z, y, x) volume). Along x, lines are rows and
// consecutive threads load consecutive x; along y or z, lines are the x columns, so consecutive threads load
// consecutive lines.
template <int Axis> struct PassShape {
    static constexpr bool along_x = Axis == 2;
    static constexpr unsigned length = along_x ? 128 : 64;  // outputs per line
    static constexpr unsigned lines = along_x ? 4 : 32;
    static constexpr unsigned per_thread = length * lines / GaussianPolicy::threads;
    static constexpr unsigned capacity = 2 * (length + GaussianPolicy::chunk - 1);  // window slots per line
    static constexpr unsigned pitch = capacity | 1;  // odd: the lines one warp reads fall in different banks
    static_assert(length * lines % GaussianPolicy::threads == 0, "whole outputs per thread");
};

// Taps by distance: w[0] the centre, w[j] the weight of offset -j; offset +j weighs sign * w[j] (+1: symmetric,
// a smoothing kernel; -1: antisymmetric, a first derivative's). Radius 0: a copy.
struct GaussianTaps {
    static constexpr int kInline = 256;
    int radius = 0;
    float sign = 1.0f;
    float w[kInline] = {};
    const float* table = nullptr;  // device copy of w[0..radius] when radius >= kInline
    __device__ __forceinline__ float operator[](int j) const { return table ? table[j] : w[j]; }
    std::array<const void*, 1> device_pointers() const { return {table}; }  // for launch's argument check
};

struct PassParams {
    BorderMode mode;
    float cval;
    bool preserve_range;  // the x pass reads the input: raw values instead of img_as_float32
};

// Element (other, line, q) of a volume, q along Axis; `other` is the coordinate neither the pass nor the lines
// span (z for the x and y passes, y for the z pass).
template <int Axis, class T>
__device__ __forceinline__ T& element(const View<T, 3>& v, std::int64_t other, std::int64_t line, std::int64_t q) {
    if constexpr (Axis == 2) return v(other, line, q);
    else if constexpr (Axis == 1) return v(other, q, line);
    else return v(q, other, line);
}

template <int Axis, class Src>
__global__ void gaussian_pass_kernel(View<const Src, 3> in, View<float, 3> out, GaussianTaps taps, PassParams p) {
    using S = PassShape<Axis>;
    constexpr unsigned threads = GaussianPolicy::threads;
    constexpr int chunk = GaussianPolicy::chunk;
    SKB_SHARED(float, window, S::lines * S::pitch);
    SKB_SHARED(float, weights, chunk);
    const unsigned t = threadIdx.x;
    const std::int64_t n = in.extent[Axis];
    const std::int64_t line_count = in.extent[S::along_x ? 1 : 2];
    const std::int64_t s = std::int64_t{S::along_x ? blockIdx.x : blockIdx.y} * S::length;  // first output
    const std::int64_t line0 = std::int64_t{S::along_x ? blockIdx.y : blockIdx.x} * S::lines;
    const std::int64_t other = blockIdx.z;
    float acc[S::per_thread] = {};
    for (int j0 = 0; j0 <= taps.radius; j0 += chunk) {
        const int j1 = j0 + chunk - 1 < taps.radius ? j0 + chunk - 1 : taps.radius;
        // Offsets j0..j1 read positions [s - j1, s + length - 1 - j0] (left) and [s + j0, s + length - 1 + j1]
        // (right): one window while they overlap, else two, the right one after the left.
        const bool joint = 2 * j0 <= static_cast<int>(S::length);
        const unsigned left_len = joint ? S::length + 2 * j1 : S::length + j1 - j0;
        const unsigned right_slot = joint ? static_cast<unsigned>(j0 + j1) : left_len;  // slot of position s + j0
        const unsigned slots = joint ? left_len : 2 * left_len;
        for (unsigned i = t; i < S::lines * slots; i += threads) {
            const unsigned l = S::along_x ? i / slots : i % S::lines;
            const unsigned k = S::along_x ? i % slots : i / S::lines;
            if (line0 + l >= line_count) continue;
            const std::int64_t q = k < left_len ? s - j1 + k : s + j0 + (k - left_len);
            const std::int64_t src = border_index(q, n, p.mode);
            window[l * S::pitch + k] =
                src < 0 ? p.cval : img_as_float_or_raw<float>(element<Axis>(in, other, line0 + l, src), p.preserve_range);
        }
        for (int k = static_cast<int>(t); k <= j1 - j0; k += threads) weights[k] = taps[j0 + k];
        __syncthreads();
        for (unsigned m = 0; m < S::per_thread; ++m) {
            const unsigned o = t + m * threads;
            const unsigned l = S::along_x ? o / S::length : o % S::lines;
            const unsigned q = S::along_x ? o % S::length : o / S::lines;  // output s + q
            if (line0 + l >= line_count || s + q >= n) continue;
            const float* row = window + l * S::pitch;
            int j = j0;
            if (j == 0) {  // the centre: left slot of position s + q
                acc[m] = weights[0] * row[q + j1];
                j = 1;
            }
            for (; j <= j1; ++j) acc[m] += weights[j - j0] * (row[q + j1 - j] + taps.sign * row[right_slot + q + j - j0]);
        }
        __syncthreads();  // before the next chunk overwrites the windows
    }
    for (unsigned m = 0; m < S::per_thread; ++m) {
        const unsigned o = t + m * threads;
        const unsigned l = S::along_x ? o / S::length : o % S::lines;
        const unsigned q = S::along_x ? o % S::length : o / S::lines;
        if (line0 + l < line_count && s + q < n) element<Axis>(out, other, line0 + l, s + q) = acc[m];
    }
}

// The taps of one axis, inline when they fit (else `table` receives their device copy).
inline GaussianTaps make_taps(const std::vector<float>& w, std::optional<DeviceBuffer<float>>& table,
                              float sign = 1.0f) {
    GaussianTaps taps;
    taps.sign = sign;
    taps.radius = static_cast<int>(w.size()) - 1;
    if (w.size() <= GaussianTaps::kInline) {
        for (std::size_t j = 0; j < w.size(); ++j) taps.w[j] = w[j];
    } else {
        table = to_device(std::span<const float>(w));
        taps.table = table->data();
    }
    return taps;
}

template <int Axis, class Src>
inline void run_pass(const char* name, const Src* src, float* dst, const Shape& volume, const GaussianTaps& taps,
              const PassParams& p) {
    using S = PassShape<Axis>;
    const auto blocks = [](std::int64_t extent, unsigned per_block) {
        return static_cast<unsigned>((extent + per_block - 1) / per_block);
    };
    const std::int64_t Z = volume[0], Y = volume[1], X = volume[2];
    Dim3 grid;
    if constexpr (Axis == 2) grid = {blocks(X, S::length), blocks(Y, S::lines), static_cast<unsigned>(Z)};
    else if constexpr (Axis == 1) grid = {blocks(X, S::lines), blocks(Y, S::length), static_cast<unsigned>(Z)};
    else grid = {blocks(X, S::lines), blocks(Z, S::length), static_cast<unsigned>(Y)};
    launch(gaussian_pass_kernel<Axis, Src>, {.name = name, .grid = grid, .block = {GaussianPolicy::threads}},
           make_view<const Src, 3>(src, volume), make_view<float, 3>(dst, volume), taps, p);
}

// filters.gaussian on the device: scikit-image's gaussian(input, sigma (one, or one per axis), mode, cval,
// preserve_range, truncate), float32 out.
inline DeviceArray gaussian_on_device(const DeviceArray& input, const std::vector<double>& sigma, double truncate,
                                      BorderMode mode, float cval, bool preserve_range) {
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    const Shape volume = ndim == 3 ? shape : Shape{1, shape[0], shape[1]};
    // Taps per volume axis (z, y, x).
    const auto half_kernel = [&](int axis) {
        return gaussian_half_kernel_f32(sigma.size() == 1 ? sigma[0] : sigma[axis], truncate);
    };
    const std::vector<float> w[3] = {ndim == 3 ? half_kernel(0) : std::vector<float>{1.0f}, half_kernel(ndim - 2),
                                     half_kernel(ndim - 1)};
    std::optional<DeviceBuffer<float>> tables[3];
    const PassParams p{mode, cval, preserve_range};
    GaussianTaps taps[3];
    for (int a = 0; a < 3; ++a) taps[a] = make_taps(w[a], tables[a]);
    // The x pass always runs (it converts the input); the y and z passes only when they smooth.
    DeviceArray a(DType::F32, shape);
    std::optional<DeviceArray> b;
    visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        run_pass<2>("filters.gaussian/x", input.data<T>(), a.data<float>(), volume, taps[2], p);
    });
    for (int axis : {1, 0}) {
        if (taps[axis].radius == 0) continue;
        if (!b) b.emplace(DType::F32, shape);
        if (axis == 1) run_pass<1>("filters.gaussian/y", a.data<float>(), b->data<float>(), volume, taps[1], p);
        else run_pass<0>("filters.gaussian/z", a.data<float>(), b->data<float>(), volume, taps[0], p);
        std::swap(a, *b);
    }
    return a;
}

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
