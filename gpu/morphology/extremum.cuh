// The one CUDA kernel behind every gpu/morphology op: out(p) = min (or max, a template policy) over footprint
// offsets o of the image read at p + o through a border rule (skb/morphology.hpp decides the rule and the
// outside value per pass, as in ref and opt). Grayscale ops run it on the image's dtype; binary ops read any
// dtype as nonzero-is-True while loading and run on bool (AND = min, OR = max).
//
// Tiling: a block of 32x8 threads computes a tile of planes x (8 * rows) x 32 outputs. It first loads, through
// the border rule, the tile grown by the footprint's reach into dynamic shared memory, then each thread folds
// its outputs over the footprint. The footprint travels as a kernel argument (parameter space, constant-cached
// and broadcast: every thread reads the same entry), no extra H2D copy: runs of offsets along x, (dz, dy,
// dx0..dx1), at most kMaxRuns per launch. A footprint with more runs, or a reach whose tile would not fit the
// shared-memory budget, is split into chunks, one launch each, the later ones folding into the output
// (min/max of a union is the min/max of the parts' results), so any footprint runs exactly.
// Box footprints (square, rectangle, cube) run as one line pass per axis (x, then y, then z): exact, since a
// box is the product of its edges and every border rule extends each axis on its own; k + l + m reads per
// output instead of k * l * m. A pass or an op's two passes (opening, closing) chain on the device, and the ops are
// device entries: inside a pipeline the image is already there.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <type_traits>
#include <vector>

#include "runtime/device_array.hpp"
#include "runtime/kernel.hpp"
#include "skb/footprint.hpp"
#include "skb/morphology.hpp"

namespace skb::gpu::inline SKB_GPU_ABI::morphology {

using Offsets = std::vector<std::vector<std::int64_t>>;

struct ExtremumPolicy {
    static constexpr unsigned block_x = 32;  // threads (and outputs) per block along x
    static constexpr unsigned block_y = 8;   // threads per block along y
    static constexpr int max_runs = 256;     // footprint runs per launch (2 KiB of kernel argument)
    static constexpr std::size_t shared_budget = kSharedMemoryLimit;  // bytes of tile per block
};

// Offsets (dz, dy, dx) for dx in [dx0, dx1]: one row of a footprint. Footprint extents are at most 4097.
struct Run {
    std::int16_t dz, dy, dx0, dx1;
};

// Outputs per thread along z (planes) and y (rows); a block's tile is planes x (block_y * rows) x block_x.
struct TileShape {
    unsigned planes = 1, rows = 1;
};

// One launch's share of a footprint, and the tile it is computed on.
struct FootprintChunk {
    TileShape tile;
    std::int32_t lo[3] = {0, 0, 0};    // the runs' bounding box (dz, dy, dx): lowest offset per axis
    std::int32_t span[3] = {0, 0, 0};  // ... and highest minus lowest: the tile's halo
    std::int32_t count = 0;
    bool accumulate = false;  // fold into the output (a later chunk of the same pass) instead of writing it
    Run runs[ExtremumPolicy::max_runs];

    // Shared-memory extents of the tile with its halo, and its bytes for elements of `elem` bytes.
    SKB_HD unsigned width() const { return ExtremumPolicy::block_x + static_cast<unsigned>(span[2]); }
    SKB_HD unsigned height() const { return ExtremumPolicy::block_y * tile.rows + static_cast<unsigned>(span[1]); }
    SKB_HD unsigned depth() const { return tile.planes + static_cast<unsigned>(span[0]); }
    std::size_t bytes(std::size_t elem) const { return bytes(tile, span, elem); }
    static std::size_t bytes(TileShape t, const std::int32_t span[3], std::size_t elem) {
        using P = ExtremumPolicy;
        return (std::size_t{P::block_x} + span[2]) * (std::size_t{P::block_y} * t.rows + span[1]) *
               (std::size_t{t.planes} + span[0]) * elem;
    }
};

// The block's tile origin (z0, y0, x0) shifted by the chunk's lowest offset, loaded through the border rule;
// a binary op's first pass turns its input into bool here (static_cast: nonzero is True).
template <class In, class Out>
__device__ void load_tile(Out* tile, const View<const In, 3>& in, const FootprintChunk& fp, std::int64_t z0,
                          std::int64_t y0, std::int64_t x0, const MorphologyBorder<Out>& border) {
    const unsigned w = fp.width(), h = fp.height(), rows = fp.depth() * h;
    for (unsigned row = threadIdx.y; row < rows; row += blockDim.y) {
        const std::int64_t zz = border_index(z0 + fp.lo[0] + row / h, in.extent[0], border.mode);
        const std::int64_t yy = border_index(y0 + fp.lo[1] + row % h, in.extent[1], border.mode);
        for (unsigned c = threadIdx.x; c < w; c += blockDim.x) {
            const std::int64_t xx = border_index(x0 + fp.lo[2] + c, in.extent[2], border.mode);
            tile[row * w + c] = zz < 0 || yy < 0 || xx < 0 ? border.outside : static_cast<Out>(in(zz, yy, xx));
        }
    }
}

// min/max over the chunk's runs for the output at tile position (p, ly, lx), starting from acc.
template <Extremum Which, class Out>
__device__ __forceinline__ Out fold_runs(const Out* tile, const FootprintChunk& fp, unsigned p, unsigned ly,
                                         unsigned lx, Out acc) {
    const int w = static_cast<int>(fp.width()), h = static_cast<int>(fp.height());
    for (int i = 0; i < fp.count; ++i) {
        const Run r = fp.runs[i];
        // Tile index of offset (r.dz, r.dy, dx) is row + dx (row alone may be negative when the chunk's box
        // lies right of the output, as for a split run).
        const int row = ((static_cast<int>(p) + r.dz - fp.lo[0]) * h + static_cast<int>(ly) + r.dy - fp.lo[1]) * w +
                        static_cast<int>(lx) - fp.lo[2];
        for (int dx = r.dx0; dx <= r.dx1; ++dx) acc = extremum_pick<Which>(acc, tile[row + dx]);
    }
    return acc;
}

// One chunk of one pass over a (Z, H, W) volume. Blocks stride over tiles along y and z when the grid is capped.
template <Extremum Which, class In, class Out>
__global__ void extremum_kernel(View<const In, 3> in, View<Out, 3> out, FootprintChunk fp,
                                MorphologyBorder<Out> border) {
    SKB_DYNAMIC_SHARED(Out, tile);
    const unsigned tile_h = ExtremumPolicy::block_y * fp.tile.rows;
    const std::int64_t tiles_z = (out.extent[0] + fp.tile.planes - 1) / fp.tile.planes;
    const std::int64_t tiles_y = (out.extent[1] + tile_h - 1) / tile_h;
    const std::int64_t x0 = std::int64_t{blockIdx.x} * ExtremumPolicy::block_x, x = x0 + threadIdx.x;
    for (std::int64_t tz = blockIdx.z; tz < tiles_z; tz += gridDim.z)
        for (std::int64_t ty = blockIdx.y; ty < tiles_y; ty += gridDim.y) {
            const std::int64_t z0 = tz * fp.tile.planes, y0 = ty * tile_h;
            load_tile(tile, in, fp, z0, y0, x0, border);
            __syncthreads();
            for (unsigned p = 0; p < fp.tile.planes; ++p)
                for (unsigned r = 0; r < fp.tile.rows; ++r) {
                    const unsigned ly = threadIdx.y + r * ExtremumPolicy::block_y;
                    const std::int64_t z = z0 + p, y = y0 + ly;
                    if (z >= out.extent[0] || y >= out.extent[1] || x >= out.extent[2]) continue;
                    const Out start = fp.accumulate ? out(z, y, x) : extremum_identity<Which, Out>();
                    out(z, y, x) = fold_runs<Which>(tile, fp, p, ly, threadIdx.x, start);
                }
            __syncthreads();  // before the next tile overwrites this one
        }
}

// ---- host: planning ----------------------------------------------------------------------------------------

// Runs of a footprint's offsets given as (dz, dy, dx), in (dz, dy, dx) order.
inline std::vector<Run> runs_of(Offsets offsets) {
    std::sort(offsets.begin(), offsets.end());
    std::vector<Run> runs;
    for (const auto& o : offsets) {
        const auto dz = static_cast<std::int16_t>(o[0]), dy = static_cast<std::int16_t>(o[1]);
        const auto dx = static_cast<std::int16_t>(o[2]);
        if (!runs.empty() && runs.back().dz == dz && runs.back().dy == dy && runs.back().dx1 + 1 == dx)
            runs.back().dx1 = dx;
        else
            runs.push_back(Run{dz, dy, dx, dx});
    }
    return runs;
}

// Splits runs into launches that respect the run capacity and whose tile fits the shared-memory budget (runs
// too wide for any tile are cut along x first).
inline std::vector<FootprintChunk> chunk_runs(const std::vector<Run>& runs, TileShape tile, std::size_t elem) {
    using P = ExtremumPolicy;
    const std::size_t row_bytes = std::size_t{tile.planes} * P::block_y * tile.rows * elem;  // per tile column
    const std::int64_t widest = static_cast<std::int64_t>(P::shared_budget / row_bytes) - P::block_x + 1;
    if (widest < 1) throw Error("morphology: tile of " + std::to_string(tile.planes) + " planes x " +
                                std::to_string(tile.rows) + " rows does not fit in shared memory");
    std::vector<Run> pieces;
    for (const Run& r : runs)
        for (std::int64_t dx = r.dx0; dx <= r.dx1; dx += widest)
            pieces.push_back(Run{r.dz, r.dy, static_cast<std::int16_t>(dx),
                                 static_cast<std::int16_t>(std::min<std::int64_t>(r.dx1, dx + widest - 1))});

    std::vector<FootprintChunk> chunks;
    for (const Run& r : pieces) {
        const std::int32_t r_lo[3] = {r.dz, r.dy, r.dx0}, r_hi[3] = {r.dz, r.dy, r.dx1};
        FootprintChunk* c = chunks.empty() ? nullptr : &chunks.back();
        std::int32_t lo[3] = {}, span[3] = {};  // the current chunk's box grown by this run
        for (int d = 0; c && d < 3; ++d) {
            lo[d] = std::min(c->lo[d], r_lo[d]);
            span[d] = std::max(c->lo[d] + c->span[d], r_hi[d]) - lo[d];
        }
        if (!c || c->count == P::max_runs || FootprintChunk::bytes(tile, span, elem) > P::shared_budget) {
            c = &chunks.emplace_back();
            c->tile = tile;
            c->accumulate = chunks.size() > 1;
            for (int d = 0; d < 3; ++d) lo[d] = r_lo[d], span[d] = r_hi[d] - r_lo[d];
        }
        std::copy_n(lo, 3, c->lo);
        std::copy_n(span, 3, c->span);
        c->runs[c->count++] = r;
    }
    return chunks;
}

// One min/max pass of an op: what it folds, over which offsets (one entry per image axis), with which border.
template <class Out> struct Pass {
    Extremum which;
    Offsets offsets;
    MorphologyBorder<Out> border;
};

// A pass as stages (image to image), each a list of launches. Boxes: one line stage per axis that is not the
// identity (x, y, z; the tile grown along that axis); other footprints: one stage of runs.
inline std::vector<std::vector<FootprintChunk>> plan_stages(const Offsets& offsets, int ndim, std::size_t elem) {
    Offsets volume = offsets;  // as (dz, dy, dx)
    if (ndim == 2)
        for (auto& o : volume) o.insert(o.begin(), 0);
    std::int64_t lo[3], hi[3];
    std::vector<std::vector<FootprintChunk>> stages;
    if (!is_box(volume, lo, hi)) {
        stages.push_back(chunk_runs(runs_of(volume), ndim == 3 ? TileShape{4, 1} : TileShape{1, 2}, elem));
        return stages;
    }
    const auto line = [](std::int64_t a, std::int64_t b) { return static_cast<std::int16_t>(a + b); };
    for (int axis = 2; axis >= 0; --axis) {
        if (lo[axis] == 0 && hi[axis] == 0) continue;
        std::vector<Run> runs;
        if (axis == 2) runs.push_back(Run{0, 0, line(lo[2], 0), line(hi[2], 0)});
        for (std::int64_t k = lo[axis]; axis != 2 && k <= hi[axis]; ++k)
            runs.push_back(axis == 1 ? Run{0, line(k, 0), 0, 0} : Run{line(k, 0), 0, 0, 0});
        const TileShape tile = axis == 2 ? TileShape{1, 1} : axis == 1 ? TileShape{1, 4} : TileShape{8, 1};
        stages.push_back(chunk_runs(runs, tile, elem));
    }
    if (stages.empty()) stages.push_back(chunk_runs({Run{0, 0, 0, 0}}, TileShape{1, 1}, elem));  // a 1-element box
    return stages;
}

// ---- host: running -----------------------------------------------------------------------------------------

template <class In, class Out>
void launch_chunk(Extremum which, const In* src, Out* dst, const Shape& volume, const FootprintChunk& fp,
                  const MorphologyBorder<Out>& border) {
    using P = ExtremumPolicy;
    const auto tiles = [](std::int64_t extent, unsigned per_tile, unsigned cap) {
        return static_cast<unsigned>(std::min<std::int64_t>((extent + per_tile - 1) / per_tile, cap));
    };
    const LaunchConfig config{
        .name = which == Extremum::Min ? "morphology.extremum/min" : "morphology.extremum/max",
        .grid = Dim3{tiles(volume[2], P::block_x, 2147483647u), tiles(volume[1], P::block_y * fp.tile.rows, 65535),
                     tiles(volume[0], fp.tile.planes, 65535)},
        .block = Dim3{P::block_x, P::block_y},
        .dynamic_shared_bytes = fp.bytes(sizeof(Out))};
    const auto in = make_view<const In, 3>(src, volume);
    const auto out = make_view<Out, 3>(dst, volume);
    if (which == Extremum::Min) launch(extremum_kernel<Extremum::Min, In, Out>, config, in, out, fp, border);
    else launch(extremum_kernel<Extremum::Max, In, Out>, config, in, out, fp, border);
}

// Runs the passes in order on device data: every stage reads the previous one's result (the first reads the
// input, dtype In, never written) and writes the other of two work buffers; the last stage's buffer is the
// result, of dtype Out.
template <class In, class Out>
DeviceArray run_passes(const DeviceArray& input, std::span<const Pass<Out>> passes) {
    const Shape& shape = input.shape();
    const Shape volume = input.ndim() == 3 ? shape : Shape{1, shape[0], shape[1]};
    std::optional<DeviceArray> work[2];
    work[0].emplace(dtype_of<Out>, shape);
    if (input.size() == 0) return *work[0];
    int stage = 0;  // stage s writes work[s % 2]
    for (const Pass<Out>& pass : passes)
        for (const auto& chunks : plan_stages(pass.offsets, input.ndim(), sizeof(Out))) {
            std::optional<DeviceArray>& dst = work[stage % 2];
            if (!dst) dst.emplace(dtype_of<Out>, shape);  // the second work buffer, when a second stage needs it
            for (const FootprintChunk& fp : chunks) {
                if (stage == 0) launch_chunk<In, Out>(pass.which, input.data<In>(), dst->data<Out>(), volume, fp,
                                                      pass.border);
                else launch_chunk<Out, Out>(pass.which, work[(stage - 1) % 2]->data<Out>(), dst->data<Out>(), volume,
                                            fp, pass.border);
            }
            ++stage;
        }
    return *work[(stage - 1) % 2];
}

}  // namespace skb::gpu::inline SKB_GPU_ABI::morphology
