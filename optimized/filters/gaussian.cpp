// Opt filters.gaussian: float32, separable, tiled. 2-d: each tile of output rows correlates its input rows
// (plus a halo of exactly the vertical radius) along x into per-tile scratch, then along y into the output: no
// full-size intermediate. 3-d: the (y, x) passes run per plane into the output, then the z pass runs in place
// over strips of rows with a strip-sized scratch. Every tap sum is vectorized along x. Results equal the untiled
// computation: tiles only decide which thread computes which output rows.
// Pass order differs from SciPy (x before y before... z last); for every boundary mode the separable sum is the
// same (constant mode: weights sum to 1), up to float32 rounding.
#include <algorithm>
#include <cstring>

#include "filters/gaussian.hpp"
#include "parallel.hpp"
#include "rows.hpp"
#include "filters/correlate.hpp"
#include "skb/gaussian_kernel.hpp"
#include "skb/nvtx.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

Taps taps_for(double sigma, double truncate) { return Taps{gaussian_half_kernel_f32(sigma, truncate)}; }

// Along a row padded by the radius on both sides.
inline void correlate_row(const float* padded, float* out, std::int64_t n, const Taps& t) {
    const float* centre = padded + t.radius();
    correlate([centre](std::int64_t k) { return centre + k; }, out, n, t);
}

// Across rows: rows[radius + k] is the row offset k reads. Columns go in chunks whose 2r+1 rows stay in L1
// while consecutive outputs slide down the window.
constexpr std::int64_t kColumnChunk = 256;
inline void correlate_rows(const float* const* rows, std::int64_t x0, float* out, std::int64_t n, const Taps& t) {
    const float* const* centre = rows + t.radius();
    correlate([centre, x0](std::int64_t k) { return centre[k] + x0; }, out + x0, n, t);
}

// Two adjacent outputs across rows at once: rows[k], k in [0, 2r+1], holds offset k - r of out0 (so offset
// k - r - 1 of out1). Each row is loaded once for both: the y and z passes are limited by loads (two per tap and
// vector in correlate), and here a tap costs one load per output. Same sums in the same order as correlate, so
// results are bit-identical.
#if defined(__AVX512VL__)
constexpr int kPairVectors = 4;  // 32 vector registers
#else
constexpr int kPairVectors = 2;
#endif
inline void correlate_row_pair(const float* const* rows, std::int64_t x0, float* __restrict out0,
                               float* __restrict out1, std::int64_t n, const Taps& t) {
    const std::int64_t r = t.radius();
    constexpr std::int64_t block = kLanes * kPairVectors;
    std::int64_t x = x0;
    for (; x + block <= x0 + n; x += block) {
        Vec acc0[kPairVectors], acc1[kPairVectors], low[kPairVectors], high[kPairVectors];
        for (int v = 0; v < kPairVectors; ++v) {
            low[v] = load(rows[r] + x + v * kLanes);       // out0's centre; out1's offset -1
            high[v] = load(rows[r + 1] + x + v * kLanes);  // out1's centre; out0's offset +1
            acc0[v] = t.w[0] * low[v];
            acc1[v] = t.w[0] * high[v];
        }
        for (std::int64_t j = 1; j <= r; ++j) {
            const float wj = t.w[j];
            for (int v = 0; v < kPairVectors; ++v) {
                const Vec new_low = load(rows[r - j] + x + v * kLanes);       // out0's offset -j
                const Vec new_high = load(rows[r + 1 + j] + x + v * kLanes);  // out1's offset +j
                acc0[v] += wj * (new_low + high[v]);  // high: rows[r + j], out0's offset +j
                acc1[v] += wj * (low[v] + new_high);  // low: rows[r + 1 - j], out1's offset -j
                low[v] = new_low;
                high[v] = new_high;
            }
        }
        for (int v = 0; v < kPairVectors; ++v) {
            store(out0 + x + v * kLanes, acc0[v]);
            store(out1 + x + v * kLanes, acc1[v]);
        }
    }
    const std::int64_t done = x - x0;
    if (done < n) {
        correlate_rows(rows, x, out0, n - done, t);
        correlate_rows(rows + 1, x, out1, n - done, t);
    }
}

// The distance between rows of a scratch window: a multiple of 16 floats plus one cache line, so that the 2r+1
// rows a column chunk reads do not share L1 sets (with a power-of-two width they all would, and evict one
// another: 4096-wide rows made the y pass 30% slower).
inline std::int64_t row_pitch(std::int64_t width) { return (width + 15) / 16 * 16 + 16; }

struct Setup {
    BorderMode mode;
    float cval;
    bool preserve_range;
    Taps ty, tx;  // the last two axes
};

// Output rows [y0, y1) of one H x W plane: x pass on the rows they need into scratch, then the y pass.
template <class T>
void smooth_plane_rows(const T* plane, float* out, std::int64_t H, std::int64_t W, std::int64_t y0, std::int64_t y1,
                       const Setup& s, Scratch<float>& scratch) {
    const std::int64_t ry = s.ty.radius(), rx = s.tx.radius(), rows = y1 - y0 + 2 * ry, pitch = row_pitch(W);
    float* x_pass = scratch.get(rows * pitch + W + 2 * rx);
    float* padded = x_pass + rows * pitch;
    std::vector<const float*> window(2 * ry + 2);
    for (std::int64_t k = 0; k < rows; ++k) {
        float* dst = x_pass + k * pitch;
        const std::int64_t src = border_index(y0 - ry + k, H, s.mode);
        if (src < 0) {  // a constant row stays constant under a normalised kernel
            fill_row(dst, W, s.cval);
            continue;
        }
        load_padded_row(plane + src * W, W, rx, s.mode, s.cval, padded,
                        [&](T v) { return as_float(v, s.preserve_range); });
        correlate_row(padded, dst, W, s.tx);
    }
    for (std::int64_t x0 = 0; x0 < W; x0 += kColumnChunk) {
        const std::int64_t n = std::min(kColumnChunk, W - x0);
        std::int64_t y = y0;
        for (; y < y1; y += 2) {
            for (std::int64_t j = 0; j <= 2 * ry + 1; ++j) window[j] = x_pass + (y - y0 + j) * pitch;
            if (y + 1 < y1) correlate_row_pair(window.data(), x0, out + y * W, out + (y + 1) * W, n, s.ty);
            else correlate_rows(window.data(), x0, out + y * W, n, s.ty);
        }
    }
}

// The z pass, in place on `data` (Z planes of H x W), for rows [y0, y1) of every plane.
void smooth_z_strip(float* data, std::int64_t Z, std::int64_t H, std::int64_t W, std::int64_t y0, std::int64_t y1,
                    const Taps& tz, const Setup& s, Scratch<float>& scratch) {
    const std::int64_t strip = (y1 - y0) * W, rz = tz.radius(), pitch = row_pitch(strip);
    float* copy = scratch.get((Z + 1) * pitch);
    float* constant = copy + Z * pitch;
    fill_row(constant, strip, s.cval);
    for (std::int64_t z = 0; z < Z; ++z) std::copy_n(data + (z * H + y0) * W, strip, copy + z * pitch);
    std::vector<const float*> window(2 * rz + 2);
    for (std::int64_t x0 = 0; x0 < strip; x0 += kColumnChunk) {
        const std::int64_t n = std::min(kColumnChunk, strip - x0);
        for (std::int64_t z = 0; z < Z; z += 2) {
            for (std::int64_t j = -rz; j <= rz + 1; ++j) {
                const std::int64_t src = border_index(z + j, Z, s.mode);
                window[j + rz] = src < 0 ? constant : copy + src * pitch;
            }
            float* out = data + (z * H + y0) * W;
            if (z + 1 < Z) correlate_row_pair(window.data(), x0, out, out + H * W, n, tz);
            else correlate_rows(window.data(), x0, out, n, tz);
        }
    }
}

}  // namespace

Array gaussian_f32(const Array& input, const std::vector<double>& sigma, double truncate, BorderMode mode, float cval,
                   bool preserve_range, const RunOptions& requested) {
    SKB_NVTX_RANGE("filters.gaussian/opt");
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    auto sigma_of = [&](int axis) { return sigma.size() == 1 ? sigma[0] : sigma[axis]; };
    const Setup s{mode, cval, preserve_range, taps_for(sigma_of(ndim - 2), truncate), taps_for(sigma_of(ndim - 1), truncate)};
    const std::int64_t Z = ndim == 3 ? shape[0] : 1, H = shape[ndim - 2], W = shape[ndim - 1];
    const Taps tz = ndim == 3 ? taps_for(sigma_of(0), truncate) : Taps{};
    const std::int64_t taps = 2 * (s.tx.radius() + s.ty.radius() + tz.radius()) + (ndim == 3 ? 3 : 2);
    const RunOptions options = sized_for_work(requested, input.size() * taps);
    Array result = new_output(options, DType::F32, shape);
    float* out = result.data<float>();
    // Tiles tall enough that the halo (2 * radius rows) is a small part of the x pass.
    const std::int64_t tile = std::max<std::int64_t>(32, 8 * s.ty.radius());
    const std::int64_t tiles_per_plane = (H + tile - 1) / tile;
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        SKB_NVTX_RANGE("filters.gaussian/opt/xy");
        parallel_blocks(options, Z * tiles_per_plane, 1, [&](std::int64_t begin, std::int64_t end) {
            Scratch<float> scratch;
            for (std::int64_t u = begin; u < end; ++u) {
                const std::int64_t z = u / tiles_per_plane, y0 = (u % tiles_per_plane) * tile;
                smooth_plane_rows(in + z * H * W, out + z * H * W, H, W, y0, std::min(H, y0 + tile), s, scratch);
            }
        });
    });
    if (tz.radius() > 0) {
        SKB_NVTX_RANGE("filters.gaussian/opt/z");
        const std::int64_t strip_rows = std::max<std::int64_t>(1, 4096 / W);
        const std::int64_t strips = (H + strip_rows - 1) / strip_rows;
        parallel_blocks(options, strips, 1, [&](std::int64_t begin, std::int64_t end) {
            Scratch<float> scratch;
            for (std::int64_t u = begin; u < end; ++u)
                smooth_z_strip(out, Z, H, W, u * strip_rows, std::min(H, (u + 1) * strip_rows), tz, s, scratch);
        });
    }
    return result;
}

namespace {

Array gaussian(const Array& input, const Params& params, const RunOptions& options) {
    return gaussian_f32(input, params.reals("sigma"), params.real("truncate"), parse_border_mode(params.choice("mode")),
                        static_cast<float>(params.real("cval")), params.flag("preserve_range"), options);
}

SKB_REGISTER_IMPL("filters.gaussian", "opt", gaussian);

}  // namespace
}  // namespace skb::opt
