// Opt morphology.binary_*: AND (erosion) or OR (dilation) of 0/1 bytes over the footprint's taps, both passes of
// an opening or closing fused row by row, so the image is read once and the output written once.
// Rows are produced on demand into small per-thread row caches, each row padded by the footprint's x reach with
// the value read outside the image: level 0 holds the input's rows as 0/1 bytes (nonzero is True: the conversion
// is folded into this load), level 1 the first pass's rows (opening and closing only). An output row is then the
// AND/OR of its taps' shifted rows, 64 bytes per vector operation.
#include <algorithm>
#include <cstring>
#include <map>
#include <type_traits>

#include "extremum.hpp"
#include "parallel.hpp"
#include "skb/registry.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

using Byte = std::uint8_t;

// A footprint's offsets grouped by source row: the (dz, dy) of one row and the dx read there.
struct RowGroup {
    std::int64_t dz, dy;
    std::vector<std::int64_t> dxs;
};

struct Pass {
    std::vector<RowGroup> groups;
    Extremum which;
    Byte outside;  // read outside the image (constant border)
};

// Dimensions of the (Z, H, W) volume (Z = 1 in 2-d) and the x reach every cached row is padded by.
struct Volume {
    std::int64_t Z, H, W, pad;
};

Pass make_pass(const Offsets& offsets, Extremum which, bool outside) {
    std::map<std::pair<std::int64_t, std::int64_t>, std::vector<std::int64_t>> by_row;
    for (const auto& o : offsets) by_row[{o[0], o[1]}].push_back(o[2]);
    Pass pass{{}, which, static_cast<Byte>(outside)};
    for (auto& [row, dxs] : by_row) pass.groups.push_back({row.first, row.second, std::move(dxs)});
    return pass;
}

// Row indices (z * H + y) one output row reads, from the lowest to the highest: the span a row cache must hold
// at once.
std::int64_t row_span(const Pass& pass, const Volume& v) {
    std::int64_t lo = 0, hi = 0;
    for (const auto& g : pass.groups) {
        lo = std::min(lo, g.dz * v.H + g.dy);
        hi = std::max(hi, g.dz * v.H + g.dy);
    }
    return hi - lo + 1;
}

// Rows by flat index, direct-mapped (slot = index mod capacity). With a capacity of at least the span one output
// row reads, the rows an output row holds at once never evict one another; consecutive output rows then find
// most of theirs already there.
class RowCache {
public:
    RowCache(std::int64_t capacity, std::int64_t stride)
        : capacity_(capacity), stride_(stride), tags_(capacity, -1), rows_(storage_.get(capacity * stride)) {}

    // Row `index` (pointer to element 0; the pad lies before and after it), made by produce(row_start) on a miss.
    template <class Produce> const Byte* get(std::int64_t index, std::int64_t pad, const Produce& produce) {
        const std::int64_t slot = index % capacity_;
        Byte* row = rows_ + slot * stride_ + pad;
        if (tags_[slot] != index) {
            produce(row);
            tags_[slot] = index;
        }
        return row;
    }

private:
    std::int64_t capacity_, stride_;
    std::vector<std::int64_t> tags_;
    Scratch<Byte> storage_;  // the heap block stays put when the cache is moved
    Byte* rows_;
};

using Bytes64 = Byte __attribute__((vector_size(64)));

// dst[x] = src[x] != 0: restrict and a local count, or the byte stores (which may alias anything) keep the loop
// scalar.
template <class T> void nonzero_bytes(const T* __restrict src, Byte* __restrict dst, std::int64_t n) {
    if constexpr (std::is_same_v<T, bool>) std::memcpy(dst, src, n);  // already 0/1 bytes
    else
        for (std::int64_t x = 0; x < n; ++x) dst[x] = src[x] != T(0);
}

// out[x] = AND (Min) or OR (Max) of taps[t][x] over t, for x in [0, W).
template <Extremum Which> void fold_taps(const Byte* const* taps, std::size_t count, Byte* __restrict out, std::int64_t W) {
    if (count == 0) {  // an empty footprint: AND over nothing is True, OR over nothing False
        std::memset(out, Which == Extremum::Min ? 1 : 0, W);
        return;
    }
    std::int64_t x = 0;
    for (; x + 64 <= W; x += 64) {
        Bytes64 acc, v;
        std::memcpy(&acc, taps[0] + x, 64);
        for (std::size_t t = 1; t < count; ++t) {
            std::memcpy(&v, taps[t] + x, 64);
            acc = Which == Extremum::Min ? acc & v : acc | v;
        }
        std::memcpy(out + x, &acc, 64);
    }
    for (; x < W; ++x) {
        Byte acc = taps[0][x];
        for (std::size_t t = 1; t < count; ++t) acc = Which == Extremum::Min ? acc & taps[t][x] : acc | taps[t][x];
        out[x] = acc;
    }
}

// One output row (z, y) of `pass` into out[0, W): taps point into the rows that row_at(index) returns.
template <class RowAt>
void pass_row(const Pass& pass, const Volume& v, std::int64_t z, std::int64_t y, const Byte* outside_row,
              std::vector<const Byte*>& taps, const RowAt& row_at, Byte* out) {
    taps.clear();
    for (const auto& g : pass.groups) {
        const std::int64_t zz = z + g.dz, yy = y + g.dy;
        const bool inside = zz >= 0 && zz < v.Z && yy >= 0 && yy < v.H;
        const Byte* row = inside ? row_at(zz * v.H + yy) : outside_row;
        for (std::int64_t dx : g.dxs) taps.push_back(row + dx);
    }
    if (pass.which == Extremum::Min) fold_taps<Extremum::Min>(taps.data(), taps.size(), out, v.W);
    else fold_taps<Extremum::Max>(taps.data(), taps.size(), out, v.W);
}

// The passes (one, or two fused) of a binary op over `input` (any dtype; nonzero is True) into `out`.
template <class T>
void binary_passes(const T* input, Byte* out, const Volume& v, const std::vector<Pass>& passes,
                   const RunOptions& options) {
    const std::int64_t stride = v.W + 2 * v.pad, rows = v.Z * v.H;
    // Each block of output rows refills its caches from cold; blocks of many rows keep that halo work small.
    const std::int64_t grain = std::max<std::int64_t>(8, (1 << 16) / std::max<std::int64_t>(v.W, 1));
    parallel_blocks(options, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        // Per level: a cache of its rows and a row of the next pass's outside value (padding included).
        std::vector<RowCache> caches;
        std::vector<std::vector<Byte>> outside_rows;
        for (std::size_t level = 0; level < passes.size(); ++level) {
            caches.emplace_back(row_span(passes[level], v), stride);
            outside_rows.emplace_back(stride, passes[level].outside);
        }
        std::vector<const Byte*> taps;
        auto set_pad = [&](Byte* row, Byte value) {
            std::memset(row - v.pad, value, v.pad);
            std::memset(row + v.W, value, v.pad);
        };
        // Level 0: an input row as 0/1 bytes, padded by the first pass's outside value.
        auto input_row = [&](std::int64_t index) {
            return caches[0].get(index, v.pad, [&](Byte* row) {
                nonzero_bytes(input + index * v.W, row, v.W);
                set_pad(row, passes[0].outside);
            });
        };
        auto first_pass_row = [&](std::int64_t index) {
            return caches[1].get(index, v.pad, [&](Byte* row) {
                pass_row(passes[0], v, index / v.H, index % v.H, outside_rows[0].data() + v.pad, taps, input_row, row);
                set_pad(row, passes[1].outside);
            });
        };
        std::vector<const Byte*> final_taps;  // the first pass's rows are produced while the final taps are gathered
        for (std::int64_t index = begin; index < end; ++index) {
            Byte* row = out + index * v.W;
            const std::int64_t z = index / v.H, y = index % v.H;
            if (passes.size() == 1) pass_row(passes[0], v, z, y, outside_rows[0].data() + v.pad, taps, input_row, row);
            else pass_row(passes[1], v, z, y, outside_rows[1].data() + v.pad, final_taps, first_pass_row, row);
        }
    });
}

template <Extremum First, bool Then> Array binary(const Array& input, const Params& params, const RunOptions& requested) {
    SKB_NVTX_RANGE("morphology.binary/opt");
    const Footprint* given = params.footprint("footprint");
    Offsets offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::End);
    const RunOptions options = sized_for_work(requested, morphology_work(input, offsets, Then ? 2 : 1));
    const std::string& mode = params.choice("mode");
    if (input.ndim() == 2)
        for (auto& offset : offsets) offset.insert(offset.begin(), 0);
    const Shape& s = input.shape();
    Volume v{input.ndim() == 3 ? s[0] : 1, s[s.size() - 2], s.back(), 0};
    for (const auto& o : offsets) v.pad = std::max(v.pad, std::abs(o[2]));
    // Erosion reads B[x+o]; dilation reads B[x-o] (scipy's binary_dilation mirrors the structure).
    auto pass_of = [&](Extremum which) {
        return make_pass(which == Extremum::Min ? offsets : mirrored(offsets), which, binary_outside(mode, which));
    };
    std::vector<Pass> passes{pass_of(First)};
    if (Then) passes.push_back(pass_of(First == Extremum::Min ? Extremum::Max : Extremum::Min));
    Array result(DType::Bool, s);
    visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        binary_passes(input.data<T>(), static_cast<Byte*>(result.raw()), v, passes, options);
    });
    return result;
}

SKB_REGISTER_IMPL("morphology.binary_erosion", "opt", (binary<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.binary_dilation", "opt", (binary<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.binary_opening", "opt", (binary<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.binary_closing", "opt", (binary<Extremum::Max, true>));

}  // namespace
}  // namespace skb::opt
