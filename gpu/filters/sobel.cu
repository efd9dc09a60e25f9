// CUDA filters.sobel: one fused pass. A block of 32x8 threads computes a 32x8 tile of outputs from a
// 34x10 float32 tile in shared memory (the 1-pixel halo read through the border rule, converted by
// img_as_float32 as it is loaded), all derivatives and the magnitude in registers. In 3-d a block walks
// through a run of z planes keeping the three planes it needs in shared memory, loading one new plane per step.
// Same arithmetic as opt (the separable [1,2,1] x [-1,0,1] form, float32). Device entry: takes and returns
// device arrays (runtime/device_array.hpp), so it chains with the other device entries without transfers.
#include "runtime/device_array.hpp"
#include "runtime/kernel.hpp"
#include "skb/border.hpp"
#include "skb/convert.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct SobelPolicy {
    static constexpr unsigned tile_x = 32;  // threads (and outputs) per block along x
    static constexpr unsigned tile_y = 8;   // ... along y
    static constexpr unsigned planes_per_block = 8;  // 3-d: consecutive z planes one block computes
    static constexpr unsigned tile_w = tile_x + 2, tile_h = tile_y + 2;
};
using Row = float[SobelPolicy::tile_w];

struct SobelParams {
    BorderMode mode;
    float cval;
    int axis;  // -1: the magnitude over all axes
};

// Plane z's tile (origin y0-1, x0-1, halo included) as float32, loaded by all threads of the block together.
template <class T>
__device__ void load_tile(Row* tile, const View<const T, 3>& in, std::int64_t z, std::int64_t y0, std::int64_t x0,
                          const SobelParams& p) {
    constexpr unsigned w = SobelPolicy::tile_w, cells = SobelPolicy::tile_w * SobelPolicy::tile_h;
    const std::int64_t zz = border_index(z, in.extent[0], p.mode);
    for (unsigned i = threadIdx.y * blockDim.x + threadIdx.x; i < cells; i += blockDim.x * blockDim.y) {
        const std::int64_t yy = border_index(y0 - 1 + i / w, in.extent[1], p.mode);
        const std::int64_t xx = border_index(x0 - 1 + i % w, in.extent[2], p.mode);
        tile[i / w][i % w] = zz < 0 || yy < 0 || xx < 0 ? p.cval : img_as_float<float>(in(zz, yy, xx));
    }
}

// Rows a (above), m, d (below) around tile column x.
__device__ __forceinline__ float sobel_2d_at(const Row* t, unsigned y, unsigned x, int axis) {
    const float* a = t[y - 1];
    const float* m = t[y];
    const float* d = t[y + 1];
    const float g0 = 0.25f * ((d[x - 1] + 2 * d[x] + d[x + 1]) - (a[x - 1] + 2 * a[x] + a[x + 1]));
    const float g1 = 0.25f * ((a[x + 1] - a[x - 1]) + 2 * (m[x + 1] - m[x - 1]) + (d[x + 1] - d[x - 1]));
    if (axis == 0) return g0;
    if (axis == 1) return g1;
    return sqrtf(g0 * g0 + g1 * g1) * 0.70710678f;  // / sqrt(2)
}

// Planes p[0] (z-1), p[1], p[2] (z+1).
__device__ __forceinline__ float sobel_3d_at(const Row* const p[3], unsigned y, unsigned x, int axis) {
    float s[3][3], dx[3][3];  // per plane q and row k: [1,2,1] smoothing along x, and the x difference
    for (int q = 0; q < 3; ++q)
        for (int k = 0; k < 3; ++k) {
            const float* r = p[q][y - 1 + k];
            s[q][k] = r[x - 1] + 2 * r[x] + r[x + 1];
            dx[q][k] = r[x + 1] - r[x - 1];
        }
    const float g0 = (s[2][0] + 2 * s[2][1] + s[2][2]) - (s[0][0] + 2 * s[0][1] + s[0][2]);
    const float g1 = (s[0][2] + 2 * s[1][2] + s[2][2]) - (s[0][0] + 2 * s[1][0] + s[2][0]);
    const float g2 = (dx[0][0] + 2 * dx[0][1] + dx[0][2]) + 2 * (dx[1][0] + 2 * dx[1][1] + dx[1][2]) +
                     (dx[2][0] + 2 * dx[2][1] + dx[2][2]);
    const float k = 1.0f / 16;
    if (axis == 0) return k * g0;
    if (axis == 1) return k * g1;
    if (axis == 2) return k * g2;
    return k * sqrtf(g0 * g0 + g1 * g1 + g2 * g2) * 0.57735027f;  // / sqrt(3)
}

template <class T> __global__ void sobel_2d_kernel(View<const T, 3> in, View<float, 3> out, SobelParams p) {
    SKB_SHARED(Row, tile, SobelPolicy::tile_h);
    const std::int64_t y0 = std::int64_t{blockIdx.y} * SobelPolicy::tile_y;
    const std::int64_t x0 = std::int64_t{blockIdx.x} * SobelPolicy::tile_x;
    load_tile(tile, in, 0, y0, x0, p);
    __syncthreads();
    const std::int64_t y = y0 + threadIdx.y, x = x0 + threadIdx.x;
    if (y < out.extent[1] && x < out.extent[2]) out(0, y, x) = sobel_2d_at(tile, threadIdx.y + 1, threadIdx.x + 1, p.axis);
}

template <class T> __global__ void sobel_3d_kernel(View<const T, 3> in, View<float, 3> out, SobelParams p) {
    constexpr unsigned h = SobelPolicy::tile_h;
    SKB_SHARED(Row, planes, 3 * h);  // a ring of the three planes z-1, z, z+1
    const std::int64_t y0 = std::int64_t{blockIdx.y} * SobelPolicy::tile_y;
    const std::int64_t x0 = std::int64_t{blockIdx.x} * SobelPolicy::tile_x;
    const std::int64_t z0 = std::int64_t{blockIdx.z} * SobelPolicy::planes_per_block;
    const std::int64_t z1 = z0 + SobelPolicy::planes_per_block < out.extent[0] ? z0 + SobelPolicy::planes_per_block
                                                                                 : out.extent[0];
    const std::int64_t y = y0 + threadIdx.y, x = x0 + threadIdx.x;
    load_tile(planes, in, z0 - 1, y0, x0, p);
    load_tile(planes + h, in, z0, y0, x0, p);
    for (std::int64_t z = z0; z < z1; ++z) {
        const unsigned below = static_cast<unsigned>(z - z0) % 3;  // ring slot of plane z-1
        const Row* const ring[3] = {planes + below * h, planes + (below + 1) % 3 * h, planes + (below + 2) % 3 * h};
        load_tile(planes + (below + 2) % 3 * h, in, z + 1, y0, x0, p);
        __syncthreads();
        if (y < out.extent[1] && x < out.extent[2])
            out(z, y, x) = sobel_3d_at(ring, threadIdx.y + 1, threadIdx.x + 1, p.axis);
        __syncthreads();  // before the next step overwrites plane z-1
    }
}

DeviceArray sobel(const DeviceArray& input, const Params& params, const RunOptions&) {
    SKB_NVTX_RANGE("filters.sobel/" SKB_GPU_BACKEND_NAME);
    const Shape& shape = input.shape();
    const bool three_d = input.ndim() == 3;
    const Shape volume = three_d ? shape : Shape{1, shape[0], shape[1]};
    const SobelParams p{parse_border_mode(params.choice("mode")), static_cast<float>(params.real("cval")),
                        static_cast<int>(params.optional_integer("axis").value_or(-1))};
    using P = SobelPolicy;
    const auto blocks = [](std::int64_t extent, unsigned per_block) {
        return static_cast<unsigned>((extent + per_block - 1) / per_block);
    };
    const Dim3 grid{blocks(volume[2], P::tile_x), blocks(volume[1], P::tile_y), blocks(volume[0], P::planes_per_block)};
    DeviceArray result(DType::F32, shape);
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const auto in = make_view<const T, 3>(input.data<T>(), volume);
        const auto out = make_view<float, 3>(result.data<float>(), volume);
        if (three_d)
            launch(sobel_3d_kernel<T>, {.name = "filters.sobel/3d", .grid = grid, .block = {P::tile_x, P::tile_y}}, in,
                   out, p);
        else
            launch(sobel_2d_kernel<T>, {.name = "filters.sobel/2d", .grid = grid, .block = {P::tile_x, P::tile_y}}, in,
                   out, p);
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("filters.sobel", sobel);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
