// Min/max over a box footprint with van Herk/Gil-Werman running extrema: cost per pixel independent of the box's
// size. A box is the product of its edges, so it runs as line passes:
//  - the xy stage streams each slab's rows: every source row is extended by the border rule and filtered along x
//    (shift-fold of whole vectorized rows for short edges, a van Herk row scan for long ones), and the y edge is
//    applied by van Herk over blocks of k rows: out[p] = max(suffix of block b, prefix of block b+1), both
//    computed on whole rows, so the x-filtered rows never exist as a full image;
//  - the z stage (3-d) runs the same row-block scheme along axis 0, on strips of the y-rows.
// Both stages can run in place (dst == src): a task streams its rows in order and writes block b only after
// reading block b+1, which the rows it still needs never precede; the rows it reads outside its own span (halos,
// and border rows reached by reflection) are snapshotted for every task before any task writes.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/morphology.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {

// acc[i] = pick(acc[i], src[i])
template <Extremum Which, class T> inline void fold_row(T* __restrict acc, const T* __restrict src, std::int64_t n) {
    for (std::int64_t x = 0; x < n; ++x) acc[x] = extremum_pick<Which>(acc[x], src[x]);
}

// dst[i] = pick(a[i], b[i])
template <Extremum Which, class T>
inline void pick_rows(T* __restrict dst, const T* __restrict a, const T* __restrict b, std::int64_t n) {
    for (std::int64_t x = 0; x < n; ++x) dst[x] = extremum_pick<Which>(a[x], b[x]);
}

// Edges up to this length fold shifted rows (k vector ops per vector of outputs, no dependency chain); longer ones
// use the van Herk row scan (three scalar ops per pixel). A speed choice only: both are exact.
inline constexpr std::int64_t kShiftFoldMaxEdge = 24;

// out[i] = extremum of ext[i .. i+k) for i in [0, n), with ext holding n + k - 1 values; g, h: n + k - 1 scratch.
template <Extremum Which, class T>
void van_herk_row(const T* ext, T* out, std::int64_t n, std::int64_t k, T* g, T* h) {
    const std::int64_t m = n + k - 1;
    for (std::int64_t start = 0; start < m; start += k) {
        const std::int64_t end = std::min(m, start + k);
        g[start] = ext[start];
        for (std::int64_t i = start + 1; i < end; ++i) g[i] = extremum_pick<Which>(g[i - 1], ext[i]);
        h[end - 1] = ext[end - 1];
        for (std::int64_t i = end - 2; i >= start; --i) h[i] = extremum_pick<Which>(h[i + 1], ext[i]);
    }
    for (std::int64_t i = 0; i < n; ++i) out[i] = extremum_pick<Which>(h[i], g[i + k - 1]);
}

// Filters one row along x: dst[x] = extremum over dx in [lo, lo + k) of the row extended by the border rule.
template <Extremum Which, class T> class RowFilter {
public:
    RowFilter(std::int64_t width, std::int64_t lo, std::int64_t k, const MorphologyBorder<T>& border)
        : width_(width), lo_(lo), k_(k), pad_(std::max<std::int64_t>(std::abs(lo), std::abs(lo + k - 1))),
          border_(border) {}

    void operator()(const T* src, T* dst, std::int64_t /*n: always the width*/) {
        if (k_ == 1 && lo_ == 0) {
            std::copy_n(src, width_, dst);
            return;
        }
        T* padded = padded_.get(width_ + 2 * pad_);
        load_padded_row(src, width_, pad_, border_.mode, border_.outside, padded, [](T v) { return v; });
        const T* first = padded + pad_ + lo_;  // ext[0] = row[lo]
        if (k_ <= kShiftFoldMaxEdge) {
            std::copy_n(first, width_, dst);
            for (std::int64_t d = 1; d < k_; ++d) fold_row<Which>(dst, first + d, width_);
        } else {
            T* g = scan_.get(2 * (width_ + k_));
            van_herk_row<Which>(first, dst, width_, k_, g, g + width_ + k_);
        }
    }

private:
    std::int64_t width_, lo_, k_, pad_;
    MorphologyBorder<T> border_;
    Scratch<T> padded_, scan_;
};

// Lines of rows: line l has positions p in [0, length), position p's row (n(l) contiguous elements) at
// offset(l) + p * step in the array.
struct RowLines {
    std::int64_t count = 0, length = 0, step = 0;
    std::int64_t strips = 1, strip_width = 0, width = 0, plane = 0;

    // The xy stage: one line per slab, rows are whole image rows.
    static RowLines slabs(std::int64_t Z, std::int64_t H, std::int64_t W) {
        RowLines r;
        r.count = Z, r.length = H, r.step = W, r.width = W, r.strip_width = W, r.plane = H * W;
        return r;
    }
    // The z stage: one line per (y, x-strip), rows are strips of a y-row, stepping by a plane.
    static RowLines columns(std::int64_t Z, std::int64_t H, std::int64_t W, std::int64_t strip) {
        RowLines r;
        r.strips = (W + strip - 1) / strip;
        r.count = H * r.strips, r.length = Z, r.step = H * W, r.width = W, r.strip_width = strip, r.plane = 0;
        return r;
    }
    bool is_slabs() const { return plane != 0; }
    std::int64_t offset(std::int64_t line) const {
        return is_slabs() ? line * plane : (line / strips) * width + (line % strips) * strip_width;
    }
    std::int64_t n(std::int64_t line) const {
        return is_slabs() ? width : std::min(strip_width, width - (line % strips) * strip_width);
    }
};

// One line pass of the box: dst row p = extremum over src rows p + lo .. p + lo + k - 1 (extended by the border
// rule along the line), each source row first passed through `filter_row(src_row, out_row, n)` (an x-filter, or
// a copy). dst may equal src.
template <Extremum Which, class T, class MakeRowFilter>
void van_herk_lines(const T* src, T* dst, const RowLines& lines, std::int64_t lo, std::int64_t k,
                    const MorphologyBorder<T>& border, const MakeRowFilter& make_row_filter, const RunOptions& options) {
    const bool in_place = src == dst;
    const std::int64_t L = lines.length, n_max = lines.n(0);
    // Tasks: spans of rows of one line, long enough that the extra block each one loads stays small.
    const int threads = thread_count(options);
    const std::int64_t wanted = std::max<std::int64_t>(1, (4 * threads + lines.count - 1) / lines.count);
    const std::int64_t spans = std::clamp<std::int64_t>(L / std::max<std::int64_t>(8 * k, 32), 1, wanted);
    const std::int64_t span = (L + spans - 1) / spans;
    const std::int64_t tasks = lines.count * spans;
    const std::int64_t halo = k - 1;  // rows read outside a span: -lo before it, lo + k - 1 after it
    auto task_span = [&](std::int64_t t, std::int64_t& line, std::int64_t& first, std::int64_t& last) {
        line = t / spans;
        first = (t % spans) * span;
        last = std::min(L, first + span);
    };

    Scratch<T> constant_storage;  // the row read outside the image in constant mode
    T* const constant_row = constant_storage.get(n_max);
    fill_row(constant_row, n_max, border.outside);
    Array snapshot;  // in place: each task's halo rows, copied before any task writes
    T* snap = nullptr;
    if (in_place && halo > 0) {
        snapshot = Array(dtype_of<T>, Shape{std::max<std::int64_t>(1, tasks * halo * n_max)});
        snap = snapshot.data<T>();
        parallel_blocks(options, tasks, 1, [&](std::int64_t t0, std::int64_t t1) {
            for (std::int64_t t = t0; t < t1; ++t) {
                std::int64_t line, first, last;
                task_span(t, line, first, last);
                for (std::int64_t h = 0; h < halo; ++h) {
                    const std::int64_t e = h < -lo ? first + lo + h : last + (h + lo);
                    const std::int64_t b = border_index(e, L, border.mode);
                    if (b >= 0)
                        std::copy_n(src + lines.offset(line) + b * lines.step, lines.n(line),
                                    snap + (t * halo + h) * n_max);
                }
            }
        });
    }

    parallel_blocks(options, tasks, 1, [&](std::int64_t t0, std::int64_t t1) {
        auto filter_row = make_row_filter();
        Scratch<T> scratch;
        for (std::int64_t t = t0; t < t1; ++t) {
            std::int64_t line, first, last;
            task_span(t, line, first, last);
            const std::int64_t n = lines.n(line), base = lines.offset(line);
            T* current = scratch.get((2 * k + 1) * n_max);  // block b filtered (then its suffixes)
            T* next = current + k * n_max;                   // block b + 1 filtered
            T* prefix = next + k * n_max;                    // running prefix of block b + 1
            // The source row at extended position e along the line.
            auto source_row = [&](std::int64_t e) -> const T* {
                const std::int64_t b = border_index(e, L, border.mode);
                if (b < 0) return constant_row;
                if (snap && (e < first || e >= last)) {
                    const std::int64_t h = e < first ? e - (first + lo) : (e - last) - lo;
                    return snap + (t * halo + h) * n_max;
                }
                return src + base + b * lines.step;
            };
            auto load_block = [&](T* rows, std::int64_t start, std::int64_t count) {
                for (std::int64_t j = 0; j < count; ++j) filter_row(source_row(start + j), rows + j * n_max, n);
            };
            const std::int64_t ext_end = last + lo + k - 1;  // one past the last extended position read
            std::int64_t start = first + lo;                 // extended position of block b's first row
            load_block(current, start, k);
            for (std::int64_t p0 = first; p0 < last; p0 += k, start += k) {
                const std::int64_t outputs = std::min(k, last - p0);
                load_block(next, start + k, std::min(k, ext_end - (start + k)));
                for (std::int64_t j = k - 2; j >= 0; --j)
                    fold_row<Which>(current + j * n_max, current + (j + 1) * n_max, n);
                T* out = dst + base + p0 * lines.step;
                std::copy_n(current, n, out);
                for (std::int64_t j = 1; j < outputs; ++j) {
                    const T* g = next;
                    if (j > 1) {
                        pick_rows<Which>(prefix, j == 2 ? next : prefix, next + (j - 1) * n_max, n);
                        g = prefix;
                    }
                    pick_rows<Which>(out + j * lines.step, current + j * n_max, g, n);
                }
                std::swap(current, next);
            }
        }
    });
}

// Box min/max of a (Z, H, W) volume: edges [lo[d], hi[d]] per axis (z, y, x). dst may equal src.
template <Extremum Which, class T>
void box_filter(const T* src, T* dst, std::int64_t Z, std::int64_t H, std::int64_t W, const std::int64_t lo[3],
                const std::int64_t hi[3], const MorphologyBorder<T>& border, const RunOptions& options) {
    const std::int64_t kz = hi[0] - lo[0] + 1, ky = hi[1] - lo[1] + 1, kx = hi[2] - lo[2] + 1;
    const bool xy_is_identity = kx == 1 && lo[2] == 0 && ky == 1 && lo[1] == 0;
    if (!(xy_is_identity && src == dst)) {
        auto x_filter = [&] { return RowFilter<Which, T>(W, lo[2], kx, border); };
        van_herk_lines<Which>(src, dst, RowLines::slabs(Z, H, W), lo[1], ky, border, x_filter, options);
    }
    if (kz > 1 || lo[0] != 0) {
        const std::int64_t strip = std::min<std::int64_t>(W, 4096 / sizeof(T));  // a page of each row
        auto strip_copy = [] { return [](const T* s, T* d, std::int64_t n) { std::copy_n(s, n, d); }; };
        van_herk_lines<Which>(dst, dst, RowLines::columns(Z, H, W, strip), lo[0], kz, border, strip_copy, options);
    }
}

}  // namespace skb::opt
