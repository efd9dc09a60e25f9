// Opt measure.label: block-parallel union-find in the output array itself (no extra full-size buffer).
//  1. stripes along axis 0 scan in parallel, joining each pixel with its earlier neighbours inside the stripe;
//     a root is always the smallest index of its tree, so a component's root is its first pixel in C order;
//  2. stripe boundaries are joined (sequentially: a row or plane per boundary);
//  3. every pixel is pointed at its root (parallel; relaxed atomics, so the concurrent reads are race-free);
//  4. roots are numbered in index order from per-stripe counts and a prefix sum, then every pixel takes its
//     root's number: scikit-image's order without a sort. Shapes where scikit-image scans another order
//     (skb/label_order.hpp) are renumbered in one more pass.
#include <algorithm>
#include <atomic>
#include <limits>

#include "parallel.hpp"
#include "skb/label_order.hpp"
#include "skb/nd.hpp"
#include "skb/nvtx.hpp"

namespace skb::opt {
namespace {

// The key of a background pixel; other pixels' keys are their (truncated) values, and neighbours join when
// their keys are equal.
constexpr std::int64_t kBackgroundKey = std::numeric_limits<std::int64_t>::min();

// Earlier neighbours (in C order) within `connectivity`: those whose first nonzero offset is negative.
std::vector<std::vector<std::int64_t>> earlier_neighbours(int ndim, int connectivity) {
    auto result = neighbourhood(ndim, connectivity);
    std::erase_if(result, [](const std::vector<std::int64_t>& o) {
        return *std::find_if(o.begin(), o.end(), [](std::int64_t k) { return k != 0; }) > 0;
    });
    return result;
}

template <class Label> class Forest {
public:
    explicit Forest(Label* parent) : p_(parent) {}
    Label load(std::int64_t i) const { return std::atomic_ref<Label>(p_[i]).load(std::memory_order_relaxed); }
    void store(std::int64_t i, Label v) const { std::atomic_ref<Label>(p_[i]).store(v, std::memory_order_relaxed); }
    Label find(Label i) const {
        while (load(i) != i) i = load(i);
        return i;
    }
    // With path halving; only for a thread that owns every node on the path.
    Label find_compress(Label i) const {
        while (load(i) != i) {
            const Label up = load(load(i));
            store(i, up);
            i = up;
        }
        return i;
    }
    // Single-threaded per region: the smaller root wins, so roots stay first pixels.
    void join(Label a, Label b) const {
        a = find_compress(a);
        b = find_compress(b);
        if (a < b) store(b, a);
        else if (b < a) store(a, b);
    }

private:
    Label* p_;
};

template <class Label, class Key>
Array label_with(const Shape& shape, int connectivity, bool bool_input, const RunOptions& options, Key key) {
    const int ndim = static_cast<int>(shape.size());
    const std::int64_t n = element_count(shape), slab = n / shape[0];
    if (n >= static_cast<std::int64_t>(std::numeric_limits<Label>::max()) - 1)
        throw Error("measure.label: " + shape_string(shape) + " has too many pixels for " +
                    std::string(dtype_name(dtype_of<Label>)) + " labels");
    Array result(dtype_of<Label>, shape);
    Label* parent = result.data<Label>();
    const Forest<Label> forest(parent);
    constexpr Label kBackground = std::numeric_limits<Label>::max();
    const auto neighbours = earlier_neighbours(ndim, connectivity);
    const Shape strides = c_strides(shape);

    // Joins every foreground pixel of row `row` (a flat row index over the leading axes) with its earlier
    // neighbours whose axis-0 coordinate is at least `lowest`. Neighbour validity is decided per row, and per
    // column only at the row's two ends, so the inner loop is flat index arithmetic.
    const std::int64_t W = shape[ndim - 1], rows_per_slab = slab / W;
    auto join_row = [&](std::int64_t row, std::int64_t lowest) {
        std::vector<std::int64_t> coord(ndim, 0);
        for (std::int64_t d = ndim - 2, rest = row; d >= 0; --d) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
        std::vector<std::pair<std::int64_t, std::int64_t>> deltas;  // (dx, flat delta) for the rows that exist
        for (const auto& o : neighbours) {
            bool inside = true;
            for (int d = 0; d + 1 < ndim && inside; ++d) {
                const std::int64_t c = coord[d] + o[d];
                inside = c >= (d == 0 ? lowest : 0) && c < shape[d];
            }
            if (!inside) continue;
            std::int64_t delta = 0;
            for (int d = 0; d < ndim; ++d) delta += o[d] * strides[d];
            deltas.push_back({o[ndim - 1], delta});
        }
        const std::int64_t start = row * W;
        for (std::int64_t x = 0; x < W; ++x) {
            const std::int64_t i = start + x;
            if (parent[i] == kBackground) continue;
            const std::int64_t ki = key(i);
            for (const auto& [dx, delta] : deltas) {
                if (x + dx < 0 || x + dx >= W) continue;
                const std::int64_t j = i + delta;
                if (parent[j] != kBackground && key(j) == ki) forest.join(static_cast<Label>(i), static_cast<Label>(j));
            }
        }
    };

    // 2-d rows below a stripe's first row: the earlier neighbours are the left pixel and the three above. With
    // 8-connectivity, Wu et al.'s decision tree joins with as few as one of them (pixels above are mutually
    // adjacent, so joining one joins their trees); with 4-connectivity, up and left.
    auto join_row_2d = [&](std::int64_t y) {
        const std::int64_t start = y * W, above = start - W;
        auto same = [&](std::int64_t j, std::int64_t k) { return parent[j] != kBackground && key(j) == k; };
        for (std::int64_t x = 0; x < W; ++x) {
            const std::int64_t i = start + x;
            if (parent[i] == kBackground) continue;
            const std::int64_t k = key(i);
            const bool left = x > 0 && same(i - 1, k);
            if (connectivity == 1) {
                if (same(above + x, k)) {
                    parent[i] = parent[above + x];
                    if (left) forest.join(static_cast<Label>(i), static_cast<Label>(i - 1));
                } else if (left) {
                    parent[i] = parent[i - 1];
                }
                continue;
            }
            if (same(above + x, k)) {
                parent[i] = parent[above + x];
                continue;
            }
            const bool up_left = x > 0 && same(above + x - 1, k), up_right = x + 1 < W && same(above + x + 1, k);
            if (up_right) {
                parent[i] = parent[above + x + 1];
                if (up_left) forest.join(static_cast<Label>(i), static_cast<Label>(above + x - 1));
                else if (left) forest.join(static_cast<Label>(i), static_cast<Label>(i - 1));
            } else if (up_left) {
                parent[i] = parent[above + x - 1];
            } else if (left) {
                parent[i] = parent[i - 1];
            }
        }
    };

    const int threads = thread_count(options);
    const std::int64_t stripes = std::min<std::int64_t>(shape[0], 4 * threads);
    auto stripe_begin = [&](std::int64_t s) { return shape[0] * s / stripes; };
    {
        SKB_NVTX_RANGE("measure.label/opt/stripes");
        parallel_blocks(options, stripes, 1, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t s = b; s < e; ++s) {
                for (std::int64_t i = stripe_begin(s) * slab; i < stripe_begin(s + 1) * slab; ++i)
                    parent[i] = key(i) == kBackgroundKey ? kBackground : static_cast<Label>(i);
                const std::int64_t first = stripe_begin(s) * rows_per_slab, last = stripe_begin(s + 1) * rows_per_slab;
                for (std::int64_t row = first; row < last; ++row) {
                    if (ndim == 2 && row > first) join_row_2d(row);
                    else join_row(row, stripe_begin(s));
                }
            }
        });
    }
    {
        SKB_NVTX_RANGE("measure.label/opt/boundaries");
        for (std::int64_t s = 1; s < stripes; ++s)
            for (std::int64_t row = stripe_begin(s) * rows_per_slab; row < (stripe_begin(s) + 1) * rows_per_slab; ++row)
                join_row(row, 0);
    }
    std::vector<std::int64_t> roots(stripes + 1, 0);
    parallel_blocks(options, stripes, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t s = b; s < e; ++s)
            for (std::int64_t i = stripe_begin(s) * slab; i < stripe_begin(s + 1) * slab; ++i) {
                if (forest.load(i) == kBackground) continue;
                const Label r = forest.find(static_cast<Label>(i));
                forest.store(i, r);
                roots[s + 1] += r == i;
            }
    });
    for (std::int64_t s = 0; s < stripes; ++s) roots[s + 1] += roots[s];
    // Roots take -(their number); then every other pixel copies its root's; then signs flip.
    parallel_blocks(options, stripes, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t s = b; s < e; ++s) {
            Label next = static_cast<Label>(roots[s]);
            for (std::int64_t i = stripe_begin(s) * slab; i < stripe_begin(s + 1) * slab; ++i)
                if (parent[i] == i) parent[i] = -(++next);
        }
    });
    parallel_blocks(options, n, 1 << 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) {
            const Label p = forest.load(i);
            if (p != kBackground && p >= 0) forest.store(i, forest.load(p));
        }
    });
    parallel_blocks(options, n, 1 << 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) parent[i] = parent[i] == kBackground ? 0 : -parent[i];
    });
    const std::vector<int> scan = label_scan_axes(shape, bool_input);
    if (!is_identity(scan)) {  // scikit-image numbers these in another scan order: renumber on first sight
        std::vector<Label> renumbered(static_cast<std::size_t>(roots[stripes]) + 1, 0);
        Label next = 0;
        for (std::int64_t p = 0; p < n; ++p) {
            Label& l = parent[scanned_index(p, shape, scan)];
            if (l == 0) continue;
            if (renumbered[l] == 0) renumbered[l] = ++next;
        }
        for (std::int64_t i = 0; i < n; ++i) parent[i] = renumbered[parent[i]];
    }
    return result;
}

Array label(const Array& input, const Params& params, const RunOptions& options) {
    SKB_NVTX_RANGE("measure.label/opt");
    const int connectivity = static_cast<int>(params.optional_integer("connectivity").value_or(input.ndim()));
    const std::int64_t background = params.optional_integer("background").value_or(0);
    return visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        if constexpr (std::is_same_v<T, bool>) {
            // True pixels are the components (False ones when background=1); every component pixel has key 1.
            const bool foreground = background != 1;
            return label_with<std::int32_t>(input.shape(), connectivity, true, options,
                                            [in, foreground](std::int64_t i) -> std::int64_t {
                                                return in[i] == foreground ? 1 : kBackgroundKey;
                                            });
        } else {
            return label_with<std::int64_t>(input.shape(), connectivity, false, options,
                                            [in, background](std::int64_t i) -> std::int64_t {
                                                const auto v = static_cast<std::int64_t>(in[i]);  // truncates floats
                                                return v == background ? kBackgroundKey : v;
                                            });
        }
    });
}

SKB_REGISTER_IMPL("measure.label", "opt", label);

}  // namespace
}  // namespace skb::opt
