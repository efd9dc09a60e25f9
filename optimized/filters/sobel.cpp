// Opt filters.sobel: one fused pass. Each tile of output rows converts the input rows it reads (one halo row
// above and below, and the neighbouring planes in 3-d) into padded float32 rows once, then computes both
// (2-d) or all three (3-d) derivatives and the magnitude per pixel in a single vectorized loop.
#include <cmath>

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/nvtx.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

constexpr std::int64_t kTileRows = 64;

// Derivative along one axis (0..ndim-1) or, with Axis < 0, the magnitude divided by sqrt(ndim). Axis is a
// template parameter so the loop body has no branch and vectorizes.
template <int Axis> void sobel_rows_2d(const float* const* r, float* __restrict out, std::int64_t W) {
    const float* __restrict a = r[0] + 1;
    const float* __restrict m = r[1] + 1;
    const float* __restrict d = r[2] + 1;
    const float inv_sqrt2 = 1.0f / std::sqrt(2.0f);
    for (std::int64_t x = 0; x < W; ++x) {
        const float g0 = 0.25f * ((d[x - 1] + 2 * d[x] + d[x + 1]) - (a[x - 1] + 2 * a[x] + a[x + 1]));
        const float g1 = 0.25f * ((a[x + 1] - a[x - 1]) + 2 * (m[x + 1] - m[x - 1]) + (d[x + 1] - d[x - 1]));
        if constexpr (Axis == 0) out[x] = g0;
        else if constexpr (Axis == 1) out[x] = g1;
        else out[x] = std::sqrt(g0 * g0 + g1 * g1) * inv_sqrt2;
    }
}

// r[3*q + k]: plane z+q-1, row y+k-1.
template <int Axis> void sobel_rows_3d(const float* const* r, float* __restrict out, std::int64_t W) {
    const float inv_sqrt3 = 1.0f / std::sqrt(3.0f);
    const float* p[9];
    for (int i = 0; i < 9; ++i) p[i] = r[i] + 1;
    for (std::int64_t x = 0; x < W; ++x) {
        float s[9], dx[9];  // per row: [1,2,1] smoothing along x, and the x difference
        for (int i = 0; i < 9; ++i) {
            s[i] = p[i][x - 1] + 2 * p[i][x] + p[i][x + 1];
            dx[i] = p[i][x + 1] - p[i][x - 1];
        }
        const float g0 = (s[6] + 2 * s[7] + s[8]) - (s[0] + 2 * s[1] + s[2]);
        const float g1 = (s[2] + 2 * s[5] + s[8]) - (s[0] + 2 * s[3] + s[6]);
        const float g2 = (dx[0] + 2 * dx[1] + dx[2]) + 2 * (dx[3] + 2 * dx[4] + dx[5]) + (dx[6] + 2 * dx[7] + dx[8]);
        const float k = 1.0f / 16;
        if constexpr (Axis == 0) out[x] = k * g0;
        else if constexpr (Axis == 1) out[x] = k * g1;
        else if constexpr (Axis == 2) out[x] = k * g2;
        else out[x] = k * std::sqrt(g0 * g0 + g1 * g1 + g2 * g2) * inv_sqrt3;
    }
}

Array sobel(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("filters.sobel/opt");
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const float cval = static_cast<float>(params.real("cval"));
    const int axis = static_cast<int>(params.optional_integer("axis").value_or(-1));
    const std::int64_t Z = ndim == 3 ? shape[0] : 1, H = shape[ndim - 2], W = shape[ndim - 1];
    const int planes = ndim == 3 ? 3 : 1;
    const RunOptions options = sized_for_work(requested, input.size() * (ndim == 3 ? 27 : 9));  // 3^n taps
    Array result = new_output(options, DType::F32, shape);
    float* out = result.data<float>();
    const std::int64_t tiles = (H + kTileRows - 1) / kTileRows, row_len = W + 2;
    using RowKernel = void (*)(const float* const*, float*, std::int64_t);
    static constexpr RowKernel kernels_2d[] = {sobel_rows_2d<-1>, sobel_rows_2d<0>, sobel_rows_2d<1>};
    static constexpr RowKernel kernels_3d[] = {sobel_rows_3d<-1>, sobel_rows_3d<0>, sobel_rows_3d<1>, sobel_rows_3d<2>};
    const RowKernel row_kernel = ndim == 2 ? kernels_2d[axis + 1] : kernels_3d[axis + 1];
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        parallel_blocks(options, Z * tiles, 1, [&](std::int64_t begin, std::int64_t end) {
            Scratch<float> scratch;
            for (std::int64_t u = begin; u < end; ++u) {
                const std::int64_t z = u / tiles, y0 = (u % tiles) * kTileRows, y1 = std::min(H, y0 + kTileRows);
                const std::int64_t rows = y1 - y0 + 2;
                float* block = scratch.get(planes * rows * row_len);
                // Padded float rows for planes z-1..z+1 (3-d) and rows y0-1..y1, read through the border rule.
                for (int q = 0; q < planes; ++q) {
                    const std::int64_t zz = planes == 1 ? z : border_index(z + q - 1, Z, mode);
                    for (std::int64_t k = 0; k < rows; ++k) {
                        float* dst = block + (q * rows + k) * row_len;
                        const std::int64_t yy = border_index(y0 - 1 + k, H, mode);
                        if (zz < 0 || yy < 0) fill_row(dst, row_len, cval);
                        else load_padded_row(in + (zz * H + yy) * W, W, 1, mode, cval, dst,
                                             [](T v) { return as_float(v, false); });
                    }
                }
                const float* r[9];
                for (std::int64_t y = y0; y < y1; ++y) {
                    for (int q = 0; q < planes; ++q)
                        for (int k = 0; k < 3; ++k) r[3 * q + k] = block + (q * rows + (y - y0) + k) * row_len;
                    float* dst = out + (z * H + y) * W;
                    row_kernel(r, dst, W);
                }
            }
        });
    });
    return result;
}

SKB_REGISTER_IMPL("filters.sobel", "opt", sobel);

}  // namespace
}  // namespace skb::opt
