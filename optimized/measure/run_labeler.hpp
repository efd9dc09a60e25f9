// Run-based connected components (opt measure.label and the ops built on its components): union-find over runs. A run is a maximal stretch of one row (the last axis) whose pixels
// have the same key and are not background; runs are numbered in C order, so the first run of a component holds
// its first pixel, and union-find over runs that keeps the smaller index as root gives scikit-image's numbering
// without a sort. The output is written once, at the end; the image is read once.
// RunLabeler's methods are the phases, called in order by label_runs:
//  1. scan_stripes: stripes along axis 0 run in parallel: each row's runs are found 64 pixels at a time from bit
//     masks (SIMD compares of 1-byte pixels), then joined with the overlapping runs of the row's earlier neighbour
//     rows inside the stripe (a merge of two sorted run lists: x-ranges overlap, widened by one where the
//     connectivity allows a diagonal step), in a per-stripe table of run indices;
//  2. concatenate, join_seams: the stripes' tables are concatenated and the rows at stripe boundaries joined
//     (sequential, a row or plane per boundary);
//  3. find_roots, number_roots: each run finds its root (parallel, read-only on the table); roots are numbered in
//     run order from per-stripe counts and a prefix sum;
//  4. write_rows: every row of the output is written from its runs (parallel): zeros, then each run's label.
// Shapes where scikit-image scans another order (skb/label_order.hpp) are renumbered in one more pass
// (renumber_in_scan_order).
#pragma once
#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

#if defined(__AVX512BW__) || defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/nd.hpp"
#include "skb/nvtx.hpp"

namespace skb::opt::runs {

// Integer pixels are compared as they are; floats by their value truncated to an integer (NumPy's cast to intp).
// (Bool images keep no keys; their key type is a byte, not bool, to stay clear of std::vector<bool>.)
template <class T>
using KeyOf = std::conditional_t<std::is_floating_point_v<T>, std::int64_t,
                                 std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>>;

template <class T> inline KeyOf<T> key_of(T v) {
    if constexpr (std::is_floating_point_v<T>) return static_cast<std::int64_t>(v);  // truncates
    else return v;
}

// The background as a key, and whether any pixel can be background at all (an integer image whose dtype cannot
// hold `background` has none). Bool images: True pixels are the components (False when background=1).
template <class T> struct BackgroundKey {
    KeyOf<T> key{};
    bool possible = true;

    explicit BackgroundKey(std::int64_t background) {
        if constexpr (std::is_same_v<T, bool>) {
            key = background == 1;
        } else if constexpr (std::is_integral_v<T>) {
            possible = background >= std::numeric_limits<T>::min() && background <= std::numeric_limits<T>::max();
            if (possible) key = static_cast<T>(background);
        } else {
            key = background;
        }
    }
};

// A row's earlier neighbour row: its offset over the leading axes (first nonzero entry -1), the flat row delta,
// and whether a run may join a run of that row one pixel beyond its ends (a diagonal step along the last axis).
struct NeighbourRow {
    std::vector<std::int64_t> offset;
    std::int64_t delta = 0;
    bool widen = false;
};

inline std::vector<NeighbourRow> earlier_rows(const Shape& shape, int connectivity) {
    const int lead = static_cast<int>(shape.size()) - 1;
    std::vector<NeighbourRow> result;
    if (lead <= 0) return result;
    const Shape lead_shape(shape.begin(), shape.end() - 1);
    const Shape strides = c_strides(lead_shape);
    for (auto& o : neighbourhood(lead, std::min(connectivity, lead))) {
        if (*std::find_if(o.begin(), o.end(), [](std::int64_t k) { return k != 0; }) > 0) continue;
        const int moved = static_cast<int>(std::count_if(o.begin(), o.end(), [](std::int64_t k) { return k != 0; }));
        NeighbourRow row;
        for (int d = 0; d < lead; ++d) row.delta += o[d] * strides[d];
        row.widen = moved < connectivity;
        row.offset = std::move(o);
        result.push_back(std::move(row));
    }
    return result;
}

// Bit masks over 64 pixels p[0..63]: `fg` where the pixel is not background, `eq` where it equals the pixel
// before it (p[-1], read only when `with_eq`). 1-byte pixels only.
template <bool with_eq>
inline void byte_masks(const std::uint8_t* p, std::uint8_t bg, bool has_bg, std::uint64_t& fg, std::uint64_t& eq) {
#if defined(__AVX512BW__)
    const __m512i v = _mm512_loadu_si512(p);
    fg = has_bg ? _mm512_cmpneq_epi8_mask(v, _mm512_set1_epi8(static_cast<char>(bg))) : ~std::uint64_t{0};
    if constexpr (with_eq) eq = _mm512_cmpeq_epi8_mask(v, _mm512_loadu_si512(p - 1));
#elif defined(__AVX2__)
    const __m256i b = _mm256_set1_epi8(static_cast<char>(bg));
    std::uint64_t same_bg = 0;
    eq = 0;
    for (int h = 0; h < 2; ++h) {
        const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h));
        same_bg |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, b)))} << (32 * h);
        if constexpr (with_eq) {
            const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32 * h - 1));
            eq |= std::uint64_t{static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, u)))} << (32 * h);
        }
    }
    fg = has_bg ? ~same_bg : ~std::uint64_t{0};
#elif defined(__SSE2__)
    const __m128i b = _mm_set1_epi8(static_cast<char>(bg));
    std::uint64_t same_bg = 0;
    eq = 0;
    for (int h = 0; h < 4; ++h) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * h));
        same_bg |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, b)))} << (16 * h);
        if constexpr (with_eq) {
            const __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * h - 1));
            eq |= std::uint64_t{static_cast<std::uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, u)))} << (16 * h);
        }
    }
    fg = has_bg ? ~same_bg : ~std::uint64_t{0};
#else
    fg = 0;
    eq = 0;
    for (int k = 0; k < 64; ++k) {
        fg |= std::uint64_t{!has_bg || p[k] != bg} << k;
        if constexpr (with_eq) eq |= std::uint64_t{p[k] == p[k - 1]} << k;
    }
#endif
}

// Writes base + the position of each set bit of `bits` to out[0..popcount) and returns the count; may write
// garbage up to out[3] beyond it. Branch-light: most 64-pixel chunks of a row hold a few run ends.
template <class Index> inline int spread_bits(std::uint64_t bits, std::int64_t base, Index* out) {
    const int count = std::popcount(bits);
    for (int k = 0; k < 4; ++k) {
        out[k] = static_cast<Index>(base + std::countr_zero(bits));
        bits &= bits - 1;
    }
    for (int k = 4; bits; ++k) {
        out[k] = static_cast<Index>(base + std::countr_zero(bits));
        bits &= bits - 1;
    }
    return count;
}

// A growable array of trivially copyable T without value-initialisation, in audited storage (run tables can
// outgrow the image on noisy inputs; the allocation audit and the peak-memory gate must see them).
template <class T> class Buffer {
public:
    void release() { *this = Buffer(); }
    T* data() { return storage_.empty() ? nullptr : storage_.template data<T>(); }
    const T* data() const { return storage_.empty() ? nullptr : storage_.template data<T>(); }
    std::size_t size() const { return size_; }
    // Storage for `extra` elements past the end, to be written and then kept with commit().
    T* tail(std::size_t extra) {
        if (size_ + extra > capacity_) grow(std::max({size_ + extra, 2 * capacity_, std::size_t{256}}));
        return data() + size_;
    }
    void commit(std::size_t count) { size_ += count; }

private:
    void grow(std::size_t capacity) {
        Array bigger(dtype_of<T>, Shape{static_cast<std::int64_t>(capacity)});
        if (size_) std::memcpy(bigger.raw(), storage_.raw(), size_ * sizeof(T));
        storage_ = std::move(bigger);
        capacity_ = capacity;
    }

    Array storage_;
    std::size_t size_ = 0, capacity_ = 0;
};

// Union-find over run indices; a root is the smallest index of its tree. Path halving.
template <class Index> inline Index find_root(Index* parent, Index i) {
    while (parent[i] != i) {
        const Index up = parent[parent[i]];
        parent[i] = up;
        i = up;
    }
    return i;
}
template <class Index> inline void unite(Index* parent, Index a, Index b) {
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a < b) parent[b] = a;
    else if (b < a) parent[a] = b;
}

// One stripe's runs: row_start[r] is the index (in this stripe) of the first run of the stripe's r-th row.
template <class Index, class Key> struct Stripe {
    Buffer<Index> x0, x1;  // per run: its first pixel and one past its last along the row
    Buffer<Key> keys;       // per run (not kept for bool images: all their runs have the same key)
    Buffer<Index> parent;  // in this stripe's indices (phase 1)
    std::vector<Index> row_start;
    std::int64_t first_row = 0;
    Index offset = 0;  // index of the first run in the concatenated table
};

// The runs of one row: [x0[i], x1[i]) for i < count, keys[i] (null for bool images), global index base + i.
template <class Index, class Key> struct RowRuns {
    const Index *x0, *x1;
    const Key* keys;
    Index count, base;
};

// Joins the runs of a row with those of an earlier neighbour row where their x-ranges overlap (the row's runs
// widened by `widen` each side) and their keys match.
template <bool binary, class Index, class Key>
void join_runs(Index* parent, const RowRuns<Index, Key>& a, const RowRuns<Index, Key>& b, Index widen) {
    if constexpr (binary) {
        // Runs of one row are at least one pixel apart, so the ranges [x0, x1 - 1 + widen] of each row are
        // disjoint and sorted: a sweep that steps past whichever range ends first meets every overlapping pair.
        // `ra` is the root of a's tree: linking the larger of two roots under the smaller keeps it one.
        const Index *ax0 = a.x0, *ax1 = a.x1, *bx0 = b.x0, *bx1 = b.x1;
        const Index na = a.count, nb = b.count, base_a = a.base, base_b = b.base;
        Index i = 0, j = 0, ra = find_root(parent, base_a);
        while (i < na && j < nb) {
            const Index ea = ax1[i] - 1 + widen, eb = bx1[j] - 1 + widen;
            if (ax0[i] <= eb && bx0[j] <= ea) {
                const Index rb = find_root(parent, static_cast<Index>(base_b + j));
                const Index lo = std::min(ra, rb);
                parent[std::max(ra, rb)] = lo;
                ra = lo;
            }
            if (ea <= eb) {
                if (++i < na) ra = find_root(parent, static_cast<Index>(base_a + i));
            } else {
                ++j;
            }
        }
    } else {  // runs of different keys may touch: for each run, every neighbour run within reach
        Index j = 0;
        for (Index i = 0; i < a.count; ++i) {
            const Index lo = a.x0[i] - widen, hi = a.x1[i] - 1 + widen;
            while (j < b.count && b.x1[j] - 1 < lo) ++j;
            for (Index k = j; k < b.count && b.x0[k] <= hi; ++k)
                if (a.keys[i] == b.keys[k])
                    unite(parent, static_cast<Index>(a.base + i), static_cast<Index>(b.base + k));
        }
    }
}

// Writes an output row as consecutive constant segments with whole-vector stores: a segment may overrun its end
// into the row's later pixels, which later segments overwrite; a segment near the row's end does not overrun.
template <class Label> class RowWriter {
public:
    void begin(Label* row, std::int64_t width) {
        row_ = row;
        width_ = width;
        x_ = 0;
    }
    // Positions [x, end) of the row take `value`.
    void fill(std::int64_t end, Label value) {
#if defined(__GNUC__)
        __asm__("" : "+r"(value));  // opaque: GCC would turn the zero fills into memset calls (slower for gaps)
#endif
        const Vector v = Vector{} + value;
        Label* p = row_ + x_;
        if (end + kLanes <= width_) {
            for (; p < row_ + end; p += kLanes) std::memcpy(p, &v, sizeof v);
        } else if (end - x_ >= kLanes) {
            for (; p + kLanes < row_ + end; p += kLanes) std::memcpy(p, &v, sizeof v);
            std::memcpy(row_ + end - kLanes, &v, sizeof v);
        } else {
            std::fill(p, row_ + end, value);
        }
        x_ = end;
    }
private:
    static constexpr std::int64_t kLanes = kVectorBytes / sizeof(Label);
    using Vector [[gnu::vector_size(kVectorBytes)]] = Label;

    Label* row_ = nullptr;
    std::int64_t width_ = 0, x_ = 0;
};

// One call's labelling: the image's geometry and the tables that each phase of the file comment leaves for the
// next. label_runs calls the phases in order.
template <class Index, class T> struct RunLabeler {
    using Key = KeyOf<T>;
    using RunStripe = Stripe<Index, Key>;
    static constexpr bool binary = std::is_same_v<T, bool>;

    const T* in;
    const Shape& shape;
    const RunOptions& options;
    int ndim;
    std::int64_t W;              // row length (the last axis)
    std::int64_t rows_per_slab;  // rows per index along axis 0
    std::vector<NeighbourRow> neighbours;
    BackgroundKey<T> bg;
    std::int64_t axis0, stripe_count;  // stripes split axis 0
    std::vector<RunStripe> stripes;
    // Both tables hold one entry per run, which can outgrow the image: audited storage, like the stripes' run lists.
    Buffer<Index> parent_table, root_table;
    Index* parent = nullptr;  // the concatenated table (phase 2 on); roots' numbers (phase 3 on)
    Index* root = nullptr;    // each run's root, by concatenated index (phase 3 on)
    std::vector<std::int64_t> roots_before;  // roots in the stripes before stripe s (phase 3 on)
    std::int64_t total = 0;                  // runs in all stripes (phase 2 on)

    RunLabeler(const T* in, const Shape& shape, int connectivity, std::int64_t background, const RunOptions& options)
        : in(in), shape(shape), options(options), ndim(static_cast<int>(shape.size())),
          W(ndim > 0 ? shape[ndim - 1] : 1), rows_per_slab(ndim >= 2 ? element_count(shape) / W / shape[0] : 1),
          neighbours(earlier_rows(shape, connectivity)), bg(background), axis0(ndim >= 2 ? shape[0] : 1),
          stripe_count(std::min<std::int64_t>(axis0, 4 * thread_count(options))), stripes(stripe_count) {}

    std::int64_t stripe_begin(std::int64_t s) const { return axis0 * s / stripe_count; }  // in axis-0 coordinates
    std::int64_t component_count() const { return roots_before[stripe_count]; }

    // Phase 1 (parallel over stripes): see scan_stripe.
    void scan_stripes() {
        SKB_NVTX_RANGE("measure.label/opt/stripes");
        parallel_blocks(options, stripe_count, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t s = b; s < e; ++s) scan_stripe(s);
        });
    }

    // Stripe s's runs, row by row, each row's joined at once with those of its earlier neighbour rows inside the
    // stripe (while they are fresh in cache), in the stripe's own table; rows in earlier stripes wait for phase 2.
    void scan_stripe(std::int64_t s) {
        RunStripe& st = stripes[s];
        st.first_row = stripe_begin(s) * rows_per_slab;
        const std::int64_t last_row = stripe_begin(s + 1) * rows_per_slab;
        st.row_start.reserve(static_cast<std::size_t>(last_row - st.first_row + 1));
        auto self = [&st](std::int64_t) { return &st; };
        std::vector<std::int64_t> coord(ndim);
        for (std::int64_t row = st.first_row; row < last_row; ++row) {
            st.row_start.push_back(static_cast<Index>(st.x0.size()));
            find_runs(st, row);
            st.row_start.push_back(static_cast<Index>(st.x0.size()));  // provisional end, for join_row
            join_row(row, stripe_begin(s), axis0, st.parent.data(), false, coord.data(), self);
            st.row_start.pop_back();
        }
        st.row_start.push_back(static_cast<Index>(st.x0.size()));
    }

    // The masks of pixels [x, x + len) of row `px`, len <= 64, as byte_masks gives them: 1-byte integers by SIMD
    // compares, wider pixels one by one, `previous` carrying the last key from chunk to chunk.
    void chunk_masks(const T* px, std::int64_t x, std::int64_t len, [[maybe_unused]] Key& previous,
                     std::uint64_t& fg, std::uint64_t& eq) const {
        if constexpr (sizeof(T) == 1 && std::is_integral_v<T>) {
            const auto* p = reinterpret_cast<const std::uint8_t*>(px);
            const auto b = static_cast<std::uint8_t>(bg.key);
            if (len == 64 && (binary || x > 0)) {
                byte_masks<!binary>(p + x, b, bg.possible, fg, eq);
            } else {  // the row's first chunk (needing a pixel before it) or a partial one: from a copy
                alignas(64) std::uint8_t buf[65 + 63] = {};
                buf[0] = x > 0 ? p[x - 1] : b;
                std::memcpy(buf + 1, p + x, static_cast<std::size_t>(len));
                byte_masks<!binary>(buf + 1, b, bg.possible, fg, eq);
            }
        } else {
            for (std::int64_t k = 0; k < len; ++k) {
                const Key v = key_of(px[x + k]);
                fg |= std::uint64_t{!bg.possible || v != bg.key} << k;
                eq |= std::uint64_t{v == previous} << k;
                previous = v;
            }
        }
    }

    // Appends the runs of row `row` to `st`, each its own parent: run starts and stops are the edges of the
    // chunks' masks, spread to positions 64 pixels at a time.
    void find_runs(RunStripe& st, std::int64_t row) const {
        const T* px = in + row * W;
        const auto first = static_cast<Index>(st.x0.size());
        Index* xs = st.x0.tail(static_cast<std::size_t>(W) + 8);
        Index* xe = st.x1.tail(static_cast<std::size_t>(W) + 8);
        std::int64_t started = 0, stopped = 0;
        std::uint64_t carry = 0;  // fg bit of the pixel before the chunk
        Key previous{};
        for (std::int64_t x = 0; x < W; x += 64) {
            const std::int64_t len = std::min<std::int64_t>(64, W - x);
            const std::uint64_t valid = len == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << len) - 1;
            std::uint64_t fg = 0, eq = 0;
            chunk_masks(px, x, len, previous, fg, eq);
            if (x == 0) eq &= ~std::uint64_t{1};
            fg &= valid;
            const std::uint64_t fg_before = (fg << 1) | carry;
            carry = fg >> 63;
            std::uint64_t starts, stops;
            if constexpr (binary) {
                starts = fg & ~fg_before;
                stops = fg_before & ~fg;
            } else {
                starts = fg & ~eq;  // an equal pixel before a foreground one is foreground too
                stops = fg_before & ~(fg & eq);
            }
            started += spread_bits(starts, x, xs + started);
            stopped += spread_bits(stops, x, xe + stopped);
        }
        if (stopped < started) xe[stopped++] = static_cast<Index>(W);
        st.x0.commit(static_cast<std::size_t>(started));
        st.x1.commit(static_cast<std::size_t>(started));
        if constexpr (!binary) {
            Key* keys = st.keys.tail(static_cast<std::size_t>(started));
            for (std::int64_t i = 0; i < started; ++i) keys[i] = key_of(px[xs[i]]);
            st.keys.commit(static_cast<std::size_t>(started));
        }
        Index* parents = st.parent.tail(static_cast<std::size_t>(started));
        for (std::int64_t i = 0; i < started; ++i) parents[i] = static_cast<Index>(first + i);
        st.parent.commit(static_cast<std::size_t>(started));
    }

    // Row `row`'s runs joined in `table` with those of its earlier neighbour rows whose axis-0 coordinate lies in
    // [lo, hi). `stripe_of(r)` gives the stripe holding row r; `global` selects concatenated indices (phase 2)
    // over stripe ones (phase 1); `coord` is scratch for the row's leading coordinates.
    template <class StripeOf>
    void join_row(std::int64_t row, std::int64_t lo, std::int64_t hi, Index* table, bool global, std::int64_t* coord,
                  StripeOf&& stripe_of) const {
        RunStripe& sa = *stripe_of(row);
        const std::int64_t ra = row - sa.first_row;
        const Index a0 = sa.row_start[ra], a1 = sa.row_start[ra + 1];
        if (a0 == a1) return;
        std::int64_t rest = row;
        for (int d = ndim - 2; d >= 0; --d) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
        for (const auto& nb : neighbours) {
            bool inside = true;
            for (int d = 0; d + 1 < ndim && inside; ++d) {
                const std::int64_t c = coord[d] + nb.offset[d];
                inside = d == 0 ? c >= lo && c < hi : c >= 0 && c < shape[d];
            }
            if (!inside) continue;
            const std::int64_t other = row + nb.delta;
            RunStripe& sb = *stripe_of(other);
            const std::int64_t rb = other - sb.first_row;
            const Index b0 = sb.row_start[rb], b1 = sb.row_start[rb + 1];
            if (b0 == b1) continue;
            const RowRuns<Index, Key> ra_runs{sa.x0.data() + a0, sa.x1.data() + a0,
                                              binary ? nullptr : sa.keys.data() + a0, static_cast<Index>(a1 - a0),
                                              static_cast<Index>((global ? sa.offset : 0) + a0)};
            const RowRuns<Index, Key> rb_runs{sb.x0.data() + b0, sb.x1.data() + b0,
                                              binary ? nullptr : sb.keys.data() + b0, static_cast<Index>(b1 - b0),
                                              static_cast<Index>((global ? sb.offset : 0) + b0)};
            join_runs<binary>(table, ra_runs, rb_runs, static_cast<Index>(nb.widen));
        }
    }

    // Phase 2, first half: the stripes' union-find tables become one, `parent`, each stripe's indices offset by
    // the runs of the stripes before it (the run lists stay in their stripes, found through `offset`).
    void concatenate() {
        for (auto& st : stripes) {
            st.offset = static_cast<Index>(total);
            total += static_cast<std::int64_t>(st.x0.size());
        }
        parent = parent_table.tail(static_cast<std::size_t>(total));
        parent_table.commit(static_cast<std::size_t>(total));
        for (auto& st : stripes) {
            std::transform(st.parent.data(), st.parent.data() + st.x0.size(), parent + st.offset,
                           [o = st.offset](Index p) { return static_cast<Index>(p + o); });
            st.parent.release();
        }
    }

    // The stripe holding row `row`: a guess from the even split of axis 0, then stepped to the right one.
    RunStripe* stripe_holding(std::int64_t row) {
        const std::int64_t c0 = row / rows_per_slab;
        std::int64_t s = std::min<std::int64_t>(stripe_count - 1, c0 * stripe_count / axis0);
        while (stripe_begin(s) > c0) --s;
        while (stripe_begin(s + 1) <= c0) ++s;
        return &stripes[s];
    }

    // Phase 2, second half (sequential, a row or plane per seam): the first axis-0 index of each stripe but the
    // first joined with its neighbours before the seam, which phase 1 left out.
    void join_seams() {
        SKB_NVTX_RANGE("measure.label/opt/boundaries");
        auto stripe_of = [this](std::int64_t row) { return stripe_holding(row); };
        std::vector<std::int64_t> coord(ndim);
        for (std::int64_t s = 1; s < stripe_count; ++s)
            for (std::int64_t row = stripe_begin(s) * rows_per_slab; row < (stripe_begin(s) + 1) * rows_per_slab; ++row)
                join_row(row, 0, stripe_begin(s), parent, true, coord.data(), stripe_of);
    }

    // Phase 3, first half (parallel over stripes, read-only on `parent`): each run's root, and the roots before
    // each stripe (per-stripe counts, then a prefix sum). A parent earlier in the same stripe has its root already
    // (parents precede their children); one in an earlier stripe is walked to its root.
    void find_roots() {
        root = root_table.tail(static_cast<std::size_t>(total));
        root_table.commit(static_cast<std::size_t>(total));
        roots_before.assign(static_cast<std::size_t>(stripe_count + 1), 0);
        parallel_blocks(options, stripe_count, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t s = b; s < e; ++s) {
                const Index first = stripes[s].offset, end = static_cast<Index>(first + stripes[s].x0.size());
                std::int64_t count = 0;
                for (Index g = first; g < end; ++g) {
                    Index r = parent[g];
                    if (r == g) ++count;
                    else if (r >= first) r = root[r];  // resolved already: this stripe, earlier
                    else
                        while (parent[r] != r) r = parent[r];  // read-only walk in an earlier stripe
                    root[g] = r;
                }
                roots_before[s + 1] = count;
            }
        });
        for (std::int64_t s = 0; s < stripe_count; ++s) roots_before[s + 1] += roots_before[s];
    }

    // Phase 3, second half (parallel over stripes): roots numbered 1, 2, ... in run order, which is scikit-image's
    // order; the numbers go in `parent` at the roots' own entries, no longer needed as links.
    void number_roots() {
        parallel_blocks(options, stripe_count, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t s = b; s < e; ++s) {
                const Index first = stripes[s].offset, end = static_cast<Index>(first + stripes[s].x0.size());
                auto next = static_cast<Index>(roots_before[s]);
                for (Index g = first; g < end; ++g)
                    if (root[g] == g) parent[g] = ++next;
            }
        });
    }

    // Phases 1-3 in order: afterwards every run has its component's number, component_id().
    void find_components() {
        scan_stripes();
        concatenate();
        join_seams();
        find_roots();
        number_roots();
    }

    // The number (1..component_count()) of run i of stripe `st` (after phase 3).
    Index component_id(const RunStripe& st, Index i) const { return parent[root[st.offset + i]]; }

    // fn(row, st, first, end) for every row, in parallel over stripes: the row's runs are st's [first, end), at
    // x-ranges [st.x0[i], st.x1[i]) (after phase 3: component_id gives their numbers).
    template <class Fn> void visit_rows(Fn&& fn) const {
        parallel_blocks(options, stripe_count, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t s = b; s < e; ++s) {
                const RunStripe& st = stripes[s];
                const std::int64_t row_count = static_cast<std::int64_t>(st.row_start.size()) - 1;
                for (std::int64_t r = 0; r < row_count; ++r) fn(st.first_row + r, st, st.row_start[r], st.row_start[r + 1]);
            }
        });
    }

    // Phase 4 (parallel over stripes): each output row from its runs, `gap` between them and run_value(st, i) on
    // run i of stripe st. Out: an integer type (bool outputs are written as bytes).
    template <class Out, class RunValue> void write_rows(Out* out, Out gap, RunValue&& run_value) const {
        SKB_NVTX_RANGE("runs/write");
        visit_rows([&](std::int64_t row, const RunStripe& st, Index first, Index end) {
            RowWriter<Out> writer;
            writer.begin(out + row * W, W);
            for (Index i = first; i < end; ++i) {
                writer.fill(st.x0.data()[i], gap);
                writer.fill(st.x1.data()[i], run_value(st, i));
            }
            writer.fill(W, gap);
        });
    }
};

}  // namespace skb::opt::runs

namespace skb::opt::runs {

// Labels `in` (phases 1-3) and calls fn(labeler) with its components found; the run index type is the narrowest
// that numbers every possible run of the image.
template <class T, class Fn>
decltype(auto) with_components(const T* in, const Shape& shape, int connectivity, std::int64_t background,
                               const RunOptions& options, Fn&& fn) {
    if (element_count(shape) < std::numeric_limits<std::int32_t>::max() - 1) {
        RunLabeler<std::int32_t, T> labeler(in, shape, connectivity, background, options);
        labeler.find_components();
        return fn(labeler);
    }
    RunLabeler<std::int64_t, T> labeler(in, shape, connectivity, background, options);
    labeler.find_components();
    return fn(labeler);
}

// Whether row `row` (a flat index over every axis but the last) lies within `ext` rows of a face of the leading
// axes: all of such a row is in the border band of clear_border and fill_holes.
inline bool row_in_band(std::int64_t row, const Shape& shape, std::int64_t ext) {
    for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d) {
        const std::int64_t c = row % shape[d];
        row /= shape[d];
        if (c < ext || c >= shape[d] - ext) return true;
    }
    return false;
}

// Marks component `id` in a table that several threads write (every writer stores the same 1).
inline void mark(std::vector<std::uint8_t>& flags, std::int64_t id) {
    std::atomic_ref<std::uint8_t>(flags[static_cast<std::size_t>(id)]).store(1, std::memory_order_relaxed);
}

}  // namespace skb::opt::runs
