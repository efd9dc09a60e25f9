// Connected components on the device, shared by measure.label and the ops built on components (clear_border,
// remove_small_objects, binary_fill_holes): block-based union-find over a parent array of linear pixel indices
// (Playne & Hawick 2018; Allegretti et al. 2020). merge_components_on_device runs the two merge kernels (see
// measure/label.cu's file comment, phases 1 and 2); resolve_roots_kernel then points every foreground pixel at
// its root, the component's smallest index. Images are seen as 3-d views (a plane gets a leading axis of 1).
#pragma once
#include <array>
#include <type_traits>

#include "measure/union_find.cuh"
#include "runtime/fill.cuh"
#include "runtime/kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

struct LabelPolicy {
    static constexpr Dim3 tile_2d{32, 16, 1};      // local_merge / border_merge block (x, y, z) for one plane
    static constexpr Dim3 tile_3d{32, 4, 4};       // ... for volumes
    static constexpr unsigned tile_threads = 512;  // the larger of the two tiles' pixel counts
    static constexpr unsigned scan_block = 256;    // threads per block of flatten and the numbering kernels
    static constexpr unsigned items = 4;           // consecutive pixels per thread of those kernels
    static constexpr unsigned pixels_per_block = scan_block * items;
};
static_assert(LabelPolicy::tile_2d.count() <= LabelPolicy::tile_threads &&
              LabelPolicy::tile_3d.count() <= LabelPolicy::tile_threads);

// How pixel values become keys: bool pixels (and any pixel under a `binary` rule: nonzero is True) are 1
// (foreground) when they differ from `flip`, others keep their value truncated to an integer; pixels whose key is
// `background` are background.
struct KeyRule {
    std::int64_t background;
    bool flip;
    int connectivity;     // max number of axes a neighbour may differ in
    bool binary = false;  // non-bool images as masks (nonzero is True)
};

template <class T> __device__ __forceinline__ std::int64_t key_of(T value, const KeyRule& rule) {
    if constexpr (std::is_same_v<T, bool>) return value != rule.flip;
    else return rule.binary ? (value != T{0}) != rule.flip : static_cast<std::int64_t>(value);
}

// The neighbours of a pixel that come before it in index order (first nonzero offset -1) and move along at
// most `connectivity` axes: the other half of each pair is the neighbour's business.
template <class Fn> __device__ __forceinline__ void for_each_earlier_neighbour(int connectivity, Fn&& fn) {
    for (int dz = -1; dz <= 0; ++dz)
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                if (dz == 0 && (dy > 0 || (dy == 0 && dx >= 0))) continue;
                if ((dz != 0) + (dy != 0) + (dx != 0) > connectivity) continue;
                fn(dz, dy, dx);
            }
}

// The element of a 3-d view at linear index g of its extents (the scan order).
template <class V> __device__ __forceinline__ auto& at_index(const V& v, std::int64_t g) {
    const std::int64_t x = g % v.extent[2], yz = g / v.extent[2];
    return v(yz / v.extent[1], yz % v.extent[1], x);
}

template <class T, class Index>
__global__ void local_merge_kernel(View<const T, 3> in, Index* parent, KeyRule rule) {
    SKB_SHARED(std::int64_t, keys, LabelPolicy::tile_threads);
    SKB_SHARED(unsigned char, foreground, LabelPolicy::tile_threads);
    SKB_SHARED(int, local, LabelPolicy::tile_threads);  // tile-local union-find
    const int t = static_cast<int>(threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z));
    const std::int64_t z0 = std::int64_t{blockIdx.z} * blockDim.z, y0 = std::int64_t{blockIdx.y} * blockDim.y,
                       x0 = std::int64_t{blockIdx.x} * blockDim.x;
    const std::int64_t z = z0 + threadIdx.z, y = y0 + threadIdx.y, x = x0 + threadIdx.x;
    const bool inside = z < in.extent[0] && y < in.extent[1] && x < in.extent[2];
    const std::int64_t key = inside ? key_of(in(z, y, x), rule) : 0;
    const bool mine = inside && key != rule.background;
    keys[t] = key;
    foreground[t] = mine;
    local[t] = t;
    __syncthreads();
    if (mine)
        for_each_earlier_neighbour(rule.connectivity, [&](int dz, int dy, int dx) {
            const int tz = static_cast<int>(threadIdx.z) + dz, ty = static_cast<int>(threadIdx.y) + dy,
                      tx = static_cast<int>(threadIdx.x) + dx;
            if (tz < 0 || ty < 0 || ty >= static_cast<int>(blockDim.y) || tx < 0 || tx >= static_cast<int>(blockDim.x))
                return;  // another tile's: border_merge
            const int n = tx + static_cast<int>(blockDim.x) * (ty + static_cast<int>(blockDim.y) * tz);
            if (foreground[n] && keys[n] == key) uf_union(local, t, n);
        });
    __syncthreads();
    if (!inside) return;
    if (!mine) {
        parent[(z * in.extent[1] + y) * in.extent[2] + x] = -1;
        return;
    }
    // Tile order is index order, so the tile-local root is the component's smallest index in the tile.
    const int r = uf_find(local, t);
    const std::int64_t rx = r % blockDim.x, ry = r / blockDim.x % blockDim.y, rz = r / (blockDim.x * blockDim.y);
    parent[(z * in.extent[1] + y) * in.extent[2] + x] =
        static_cast<Index>(((z0 + rz) * in.extent[1] + y0 + ry) * in.extent[2] + x0 + rx);
}

template <class T, class Index>
__global__ void border_merge_kernel(View<const T, 3> in, Index* parent, KeyRule rule) {
    const std::int64_t z = std::int64_t{blockIdx.z} * blockDim.z + threadIdx.z,
                       y = std::int64_t{blockIdx.y} * blockDim.y + threadIdx.y,
                       x = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
    if (z >= in.extent[0] || y >= in.extent[1] || x >= in.extent[2]) return;
    const bool face = threadIdx.z == 0 || threadIdx.y == 0 || threadIdx.y + 1 == blockDim.y || threadIdx.x == 0 ||
                      threadIdx.x + 1 == blockDim.x;
    if (!face) return;  // every earlier neighbour is in the tile: joined by local_merge
    const std::int64_t key = key_of(in(z, y, x), rule);
    if (key == rule.background) return;
    const auto g = static_cast<Index>((z * in.extent[1] + y) * in.extent[2] + x);
    for_each_earlier_neighbour(rule.connectivity, [&](int dz, int dy, int dx) {
        const std::int64_t nz = z + dz, ny = y + dy, nx = x + dx;
        if (nz < 0 || ny < 0 || ny >= in.extent[1] || nx < 0 || nx >= in.extent[2]) return;
        const bool same_tile = nz / blockDim.z == blockIdx.z && ny / blockDim.y == blockIdx.y && nx / blockDim.x == blockIdx.x;
        if (same_tile || key_of(in(nz, ny, nx), rule) != key) return;
        uf_union(parent, g, static_cast<Index>((nz * in.extent[1] + ny) * in.extent[2] + nx));
    });
}

// Phases 1 and 2: afterwards the parent array's trees are the components (background pixels hold -1).
template <class T, class Index> void merge_components_on_device(View<const T, 3> in, Index* parent, const KeyRule& rule) {
    using P = LabelPolicy;
    const Dim3 tile = in.extent[0] == 1 ? P::tile_2d : P::tile_3d;
    const auto blocks = [](std::int64_t extent, unsigned per_block) {
        return static_cast<unsigned>((extent + per_block - 1) / per_block);
    };
    const Dim3 tiles{blocks(in.extent[2], tile.x), blocks(in.extent[1], tile.y), blocks(in.extent[0], tile.z)};
    launch(local_merge_kernel<T, Index>, {.name = "components/local_merge", .grid = tiles, .block = tile}, in, parent,
           rule);
    launch(border_merge_kernel<T, Index>, {.name = "components/border_merge", .grid = tiles, .block = tile}, in,
           parent, rule);
}

// Every foreground pixel's parent becomes its root (the find compresses the pixel's own entry last).
template <class Index> __global__ void resolve_roots_kernel(Index* parent, std::int64_t n) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t g = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; g < n; g += stride)
        if (atomicLoad(&parent[g]) >= 0) uf_find(parent, static_cast<Index>(g));
}

// Per-pixel kernels of the component ops: grid-stride loops over the pixels.
struct PixelPolicy {
    static constexpr unsigned block = 256;
    static constexpr unsigned max_blocks = 1024;
};
inline LaunchConfig per_pixel_config(const char* name, std::int64_t n) {
    return grid_stride_config(name, n, PixelPolicy::block, PixelPolicy::max_blocks);
}

// An image's shape as 3 extents (a plane gets a leading 1) and the first of its own axes (3 - ndim).
struct VolumeShape {
    std::array<std::int64_t, 3> extent;
    int first_axis;
};
inline VolumeShape volume_shape(const Shape& shape) {
    return shape.size() == 3 ? VolumeShape{{shape[0], shape[1], shape[2]}, 0}
                             : VolumeShape{{1, shape[0], shape[1]}, 1};
}

// The components of an image of `shape` (2-d or 3-d) in C order on the device: parent[g] is the root of pixel g's
// component, or -1 for background.
template <class T, class Index>
void components_on_device(const T* image, const Shape& shape, Index* parent, const KeyRule& rule) {
    const VolumeShape volume = volume_shape(shape);
    View<const T, 3> in{image, volume.extent, {volume.extent[1] * volume.extent[2], volume.extent[2], 1}};
    merge_components_on_device(in, parent, rule);
    const std::int64_t n = element_count(shape);
    launch(resolve_roots_kernel<Index>, per_pixel_config("components/resolve", n), parent, n);
}

// Whether linear pixel g lies within `ext` pixels of a face of the image's own axes.
__device__ __forceinline__ bool in_border_band(std::int64_t g, const VolumeShape& shape, std::int64_t ext) {
    bool band = false;
    for (int d = 2; d >= 0; --d) {
        const std::int64_t c = g % shape.extent[d];
        g /= shape.extent[d];
        if (d >= shape.first_axis && (c < ext || c >= shape.extent[d] - ext)) band = true;
    }
    return band;
}


}  // namespace skb::gpu::inline SKB_GPU_ABI
