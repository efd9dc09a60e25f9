// Min/max over any (non-box) footprint, one or two passes fused row by row: the image is read once and the output
// written once. Rows are produced on demand into small per-thread row caches, each row extended along x by the
// footprint's reach through the pass's border rule: level 0 holds the input's rows (converted on the way in: for
// binary ops nonzero -> 1), level 1 the first pass's rows (opening and closing). An output row is the min/max of
// its taps' shifted rows, a block of vector registers at a time. Boxes go to box_filter.hpp instead (van Herk:
// constant cost whatever their size); this kernel's cost grows with the number of taps.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <type_traits>
#include <vector>

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/morphology.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {

using Offsets = std::vector<std::vector<std::int64_t>>;

// Dimensions of the (Z, H, W) volume (Z = 1 in 2-d) and the x reach every cached row is extended by.
struct TapVolume {
    std::int64_t Z, H, W, pad;
};

// One pass: offsets grouped by source row, each (dz, dy) with the dx read there, and the pass's border rule.
template <class T> struct TapPass {
    struct RowGroup {
        std::int64_t dz, dy;
        std::vector<std::int64_t> dxs;
    };
    std::vector<RowGroup> groups;
    Extremum which;
    MorphologyBorder<T> border;
    std::int64_t reach_z = 0, reach_y = 0;  // rows are cached by position in the volume extended by these
    // Separable along x: every row group reads the same run dx = x_lo..x_hi (boxes, and any footprint of equal
    // rows). The rows this pass reads are then cached already reduced over that run, and each group reads its
    // row once (dx = 0): x_hi - x_lo + 1 taps per source row instead of per output row and group.
    bool x_reduced = false;
    std::int64_t x_lo = 0, x_hi = 0;

    // offsets: (dz, dy, dx) each, as the pass reads them.
    TapPass(const Offsets& offsets, Extremum pass, MorphologyBorder<T> b) : which(pass), border(b) {
        std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::int64_t>> by_row;
        for (const auto& o : offsets) by_row[{o[0], o[1]}].push_back(o[2]);
        for (auto& [row, dxs] : by_row) {
            std::sort(dxs.begin(), dxs.end());
            groups.push_back({row.first, row.second, std::move(dxs)});
            reach_z = std::max(reach_z, std::abs(row.first));
            reach_y = std::max(reach_y, std::abs(row.second));
        }
        const auto& first = groups.empty() ? std::vector<std::int64_t>{} : groups.front().dxs;
        x_reduced = first.size() >= 2 && first.back() - first.front() + 1 == static_cast<std::int64_t>(first.size()) &&
                    std::all_of(groups.begin(), groups.end(), [&](const RowGroup& g) { return g.dxs == first; });
        if (x_reduced) {
            x_lo = first.front(), x_hi = first.back();
            for (auto& g : groups) g.dxs = {0};
        }
    }

    // The cache key of the row at (z, y), either possibly outside the image: its index in the extended volume.
    // Keys are unique per position (rows that the border rule maps to the same source row get several keys),
    // so the keys one output row reads span at most row_span() consecutive values whatever the border rule.
    std::int64_t key(std::int64_t z, std::int64_t y, const TapVolume& v) const {
        return (z + reach_z) * (v.H + 2 * reach_y) + y + reach_y;
    }
    std::int64_t row_span(const TapVolume& v) const { return 2 * reach_z * (v.H + 2 * reach_y) + 2 * reach_y + 1; }
};

// The volume's dimensions for a 2-d or 3-d shape, and offsets given one per axis as (dz, dy, dx).
inline TapVolume tap_volume(const Shape& s, Offsets& offsets) {
    if (s.size() == 2)
        for (auto& offset : offsets) offset.insert(offset.begin(), 0);
    TapVolume v{s.size() == 3 ? s[0] : 1, s[s.size() - 2], s.back(), 0};
    for (const auto& o : offsets) v.pad = std::max(v.pad, std::abs(o[2]));
    return v;
}

// Rows by key (TapPass::key), direct-mapped (slot = key mod capacity). With a capacity of at least the span of
// keys one output row reads, the rows an output row holds at once never evict one another; consecutive output
// rows then find most of theirs already there.
template <class T> class RowCache {
public:
    RowCache(std::int64_t capacity, std::int64_t stride)
        : capacity_(capacity), stride_(stride), tags_(capacity, -1), rows_(storage_.get(capacity * stride)) {}

    // The row of `key` (pointer to element 0; the extension lies before and after it), made by produce(row) on a
    // miss.
    template <class Produce> const T* get(std::int64_t key, std::int64_t pad, const Produce& produce) {
        const std::int64_t slot = key % capacity_;
        T* row = rows_ + slot * stride_ + pad;
        if (tags_[slot] != key) {
            produce(row);
            tags_[slot] = key;
        }
        return row;
    }

private:
    std::int64_t capacity_, stride_;
    std::vector<std::int64_t> tags_;
    Scratch<T> storage_;  // the heap block stays put when the cache is moved
    T* rows_;
};

// out[x, x + Vectors * Bytes / sizeof(T)) = pick over the taps, from the identity: the block stays in registers
// (Vectors vectors of Bytes bytes) across the taps.
template <Extremum Which, class T, int Bytes, int Vectors>
inline void fold_block(const T* const* taps, std::size_t count, T* __restrict out, std::int64_t x) {
    typedef T Lanes __attribute__((vector_size(Bytes)));  // (GCC ignores the attribute on a dependent `using`)
    constexpr std::int64_t kPerVector = Bytes / sizeof(T);
    Lanes acc[Vectors], v;
    for (int k = 0; k < Vectors; ++k)
        for (std::int64_t l = 0; l < kPerVector; ++l) acc[k][l] = extremum_identity<Which, T>();
    for (std::size_t t = 0; t < count; ++t)
        for (int k = 0; k < Vectors; ++k) {
            std::memcpy(&v, taps[t] + x + k * kPerVector, Bytes);
            acc[k] = Which == Extremum::Min ? (v < acc[k] ? v : acc[k]) : (acc[k] < v ? v : acc[k]);
        }
    std::memcpy(out + x, acc, sizeof acc);
}

// out[x] = pick over t of taps[t][x], from the identity (so NaN taps are skipped as in extremum_pick), x in [0, W):
// 64-byte blocks, the last one ending at W (it overlaps its neighbour and writes the same values), 16-byte blocks
// for rows narrower than 64 bytes, scalar below 16.
template <Extremum Which, class T>
void fold_taps(const T* const* taps, std::size_t count, T* __restrict out, std::int64_t W) {
    constexpr std::int64_t kBlock = 64 / sizeof(T), kSmall = 16 / sizeof(T);
    if (W >= kBlock) {
        std::int64_t x = 0;
        for (; x + kBlock <= W; x += kBlock) fold_block<Which, T, kVectorBytes, 64 / kVectorBytes>(taps, count, out, x);
        if (x < W) fold_block<Which, T, kVectorBytes, 64 / kVectorBytes>(taps, count, out, W - kBlock);
    } else if (W >= kSmall) {
        std::int64_t x = 0;
        for (; x + kSmall <= W; x += kSmall) fold_block<Which, T, 16, 1>(taps, count, out, x);
        if (x < W) fold_block<Which, T, 16, 1>(taps, count, out, W - kSmall);
    } else {
        for (std::int64_t x = 0; x < W; ++x) {
            T acc = extremum_identity<Which, T>();
            for (std::size_t t = 0; t < count; ++t) acc = extremum_pick<Which>(acc, taps[t][x]);
            out[x] = acc;
        }
    }
}

// row[-pad..0) and row[W..W+pad) from row[0..W) by the border rule (a pass's result, extended for the next pass).
template <class T> void extend_row(T* row, std::int64_t W, std::int64_t pad, const MorphologyBorder<T>& border) {
    for (std::int64_t i = 1; i <= pad; ++i) {
        const std::int64_t left = border_index(-i, W, border.mode), right = border_index(W - 1 + i, W, border.mode);
        row[-i] = left < 0 ? border.outside : row[left];
        row[W - 1 + i] = right < 0 ? border.outside : row[right];
    }
}

// The conversion for inputs whose elements already are T's bytes (T itself, or bool as 0/1 bytes): rows are
// loaded by memcpy, the kernel's widest copy.
struct SameBytes {};

// The passes (one, or two fused) over `input` into `out`; convert(v) turns an input element into a T (or
// SameBytes).
template <class T, class In, class Convert>
void row_tap_passes(const In* input, T* out, const TapVolume& v, const std::vector<TapPass<T>>& passes,
                    const RunOptions& options, const Convert& convert) {
    const std::int64_t stride = v.W + 2 * v.pad, rows = v.Z * v.H;
    // Each block of output rows refills its caches from cold (about a row span per level): blocks of at least four
    // spans and 64 rows keep that halo work small.
    std::int64_t grain = std::max<std::int64_t>(64, (1 << 16) / std::max<std::int64_t>(v.W, 1));
    for (const auto& pass : passes) grain = std::max(grain, 4 * pass.row_span(v));
    parallel_blocks(options, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        // Per level: a cache of the rows the pass reads, and its constant row (outside the image in constant mode).
        std::vector<RowCache<T>> caches;
        std::vector<std::vector<T>> outside_rows;
        for (const auto& pass : passes) {
            caches.emplace_back(pass.row_span(v), stride);
            outside_rows.emplace_back(stride, pass.border.outside);
        }
        std::vector<std::vector<T>> padded_rows(passes.size(), std::vector<T>(stride));  // per level, before x-reduction
        std::vector<const T*> taps, final_taps;  // a first-pass row is produced while the final taps are gathered
        std::vector<const T*> run_taps;
        // A cache slot of `level`: the padded row make_padded(row) writes, reduced along x first when the pass that
        // reads this level is separable.
        auto fill = [&](std::size_t level, T* slot, const auto& make_padded) {
            const TapPass<T>& reader = passes[level];
            if (!reader.x_reduced) {
                make_padded(slot);
                return;
            }
            T* padded = padded_rows[level].data() + v.pad;
            make_padded(padded);
            run_taps.clear();
            for (std::int64_t dx = reader.x_lo; dx <= reader.x_hi; ++dx) run_taps.push_back(padded + dx);
            if (reader.which == Extremum::Min) fold_taps<Extremum::Min>(run_taps.data(), run_taps.size(), slot, v.W);
            else fold_taps<Extremum::Max>(run_taps.data(), run_taps.size(), slot, v.W);
        };
        // One output row (z, y) of pass p into row[0, W): its taps point into rows that row_at(key, source row)
        // returns.
        auto pass_row = [&](std::size_t p, std::int64_t z, std::int64_t y, std::vector<const T*>& tap_list,
                            const auto& row_at, T* row) {
            const TapPass<T>& pass = passes[p];
            tap_list.clear();
            for (const auto& g : pass.groups) {
                const std::int64_t zz = border_index(z + g.dz, v.Z, pass.border.mode);  // 2-d: Z = 1, dz = 0
                const std::int64_t yy = border_index(y + g.dy, v.H, pass.border.mode);
                const T* source = zz < 0 || yy < 0 ? outside_rows[p].data() + v.pad
                                                   : row_at(pass.key(z + g.dz, y + g.dy, v), zz * v.H + yy);
                for (std::int64_t dx : g.dxs) tap_list.push_back(source + dx);
            }
            if (pass.which == Extremum::Min) fold_taps<Extremum::Min>(tap_list.data(), tap_list.size(), row, v.W);
            else fold_taps<Extremum::Max>(tap_list.data(), tap_list.size(), row, v.W);
        };
        auto input_row = [&](std::int64_t key, std::int64_t index) {
            return caches[0].get(key, v.pad, [&](T* slot) {
                fill(0, slot, [&](T* row) {
                    if constexpr (std::is_same_v<Convert, SameBytes>) {
                        static_assert(sizeof(In) == sizeof(T));
                        std::memcpy(row, input + index * v.W, v.W * sizeof(T));
                        extend_row(row, v.W, v.pad, passes[0].border);
                    } else {
                        load_padded_row(input + index * v.W, v.W, v.pad, passes[0].border.mode,
                                        passes[0].border.outside, row - v.pad, convert);
                    }
                });
            });
        };
        auto first_pass_row = [&](std::int64_t key, std::int64_t index) {
            return caches[1].get(key, v.pad, [&](T* slot) {
                fill(1, slot, [&](T* row) {
                    pass_row(0, index / v.H, index % v.H, taps, input_row, row);
                    extend_row(row, v.W, v.pad, passes[1].border);
                });
            });
        };
        for (std::int64_t index = begin; index < end; ++index) {
            T* row = out + index * v.W;
            if (passes.size() == 1) pass_row(0, index / v.H, index % v.H, taps, input_row, row);
            else pass_row(1, index / v.H, index % v.H, final_taps, first_pass_row, row);
        }
    });
}

}  // namespace skb::opt
