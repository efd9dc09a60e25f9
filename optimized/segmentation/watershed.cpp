// Opt segmentation.watershed: the reference's flood (scikit-image's, skb/watershed.hpp), one core: the order is
// sequential by definition, each pop deciding the ages of the next pushes.
// - Priorities are unsigned integers in the order of scikit-image's float64 comparisons: uint8 and uint16 values as
//   they are; float images of at most 65536 distinct values as the ranks of their values (uint16), others through
//   order-preserving bit patterns. No float64 array is made.
// - Layout: padded by one pixel as scikit-image's (mask 0 there), neighbour offsets raveled once: no bounds checks.
//   Labels travel as dense ids (0 none, 1.. the markers' distinct values), mapped back once at the end.
// - Plain flood (no compactness, no line): a pixel is labelled and closed when pushed. Pushes never go below the
//   popped priority, and only markers share a key (value, age 0), so the pop order is fixed by (value, age) except
//   within a group of equal-valued markers, which scikit-image's heap orders by its arrangement. Such an order
//   changes the labels only when the group holds two labels (permuting pixels of one label, which pop
//   consecutively, only permutes ages among that label's pushes). So scikit-image's heap is run exactly, as
//   one-word items when the bits fit, until the last group with two labels has popped; from then on every key is
//   distinct and, for 8- and 16-bit priorities, a bucket queue (one FIFO per value) pops in the same order at O(1)
//   a pixel.
// - Compactness or a watershed line label on pop (a pixel may be pushed several times): scikit-image's heap
//   throughout, priorities as the order bits of float64 values; a line's repeated pushes dropped where they can
//   decide nothing (flood_on_pop).
#include <algorithm>
#include <bit>
#include <limits>
#include <optional>
#include <type_traits>

#include "skb/registry.hpp"
#include "skb/watershed.hpp"

namespace skb::opt {
namespace {

using Index = std::uint32_t;  // padded positions and ages (at most 2^31 - 1 pixels: ages never wrap)

// float order as unsigned order: -0 as +0, negatives flipped below the positives (NaN is refused before).
template <class F> auto order_bits(F v) {
    using U = std::conditional_t<sizeof(F) == 4, std::uint32_t, std::uint64_t>;
    constexpr U sign = U{1} << (8 * sizeof(U) - 1);
    const U u = std::bit_cast<U>(v == 0 ? F{0} : v);
    return (u & sign) ? static_cast<U>(~u) : static_cast<U>(u | sign);
}
template <class F, class U> F from_order_bits(U bits) {
    constexpr U sign = U{1} << (8 * sizeof(U) - 1);
    return std::bit_cast<F>((bits & sign) ? static_cast<U>(bits & ~sign) : static_cast<U>(~bits));
}

// The priority type of an image dtype, and back to scikit-image's float64 value.
template <class T> using Priority = std::conditional_t<
    std::is_floating_point_v<T>, std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>, T>;
template <class T> Priority<T> priority_of(T v) {
    if constexpr (std::is_floating_point_v<T>) return order_bits(v);
    else return v;
}
template <class T> double value_of(Priority<T> p) {
    if constexpr (std::is_floating_point_v<T>) return static_cast<double>(from_order_bits<T>(p));
    else return static_cast<double>(p);
}

// The padded problem every flood reads and writes.
template <class P> struct Padded {
    Shape shape, strides;
    std::vector<std::int64_t> neighbours;
    std::vector<P> priority;
    std::vector<std::uint8_t> open;  // in the mask (and, in the plain flood, not labelled yet)
    std::vector<Index> label;        // dense label ids
    std::vector<Index> markers;      // positions of the markers inside the mask, in C order
    Index size() const { return static_cast<Index>(priority.size()); }
};

// Calls fn(image offset, padded offset, length) for every row (last-axis run) of an image of `shape`.
template <class Fn> void for_each_row(const Shape& shape, const Shape& padded_strides, Fn&& fn) {
    const int ndim = static_cast<int>(shape.size());
    const std::int64_t width = shape.back(), rows = element_count(shape) / width;
    std::vector<std::int64_t> coord(ndim, 0);
    for (std::int64_t r = 0; r < rows; ++r) {
        std::int64_t p = 1;  // the padding before the row
        for (int d = 0; d + 1 < ndim; ++d) p += (coord[d] + 1) * padded_strides[d];
        fn(r * width, p, width);
        for (int d = ndim - 2; d >= 0 && ++coord[d] == shape[d]; --d) coord[d] = 0;
    }
}

// Dense ids of the markers' distinct nonzero values (ids[0] = 0 stands for no label).
template <class M> std::vector<std::int64_t> label_values(const M* markers, const bool* mask, std::int64_t n) {
    std::vector<std::int64_t> values{0};
    for (std::int64_t i = 0; i < n; ++i)
        if (markers[i] != 0 && (!mask || mask[i])) values.push_back(markers[i]);
    std::sort(values.begin() + 1, values.end());
    values.erase(std::unique(values.begin() + 1, values.end()), values.end());
    return values;
}

template <class T, class M>
Padded<Priority<T>> pad(const T* image, const M* markers, const bool* mask, const Shape& shape,
                        const std::vector<std::int64_t>& ids, int connectivity) {
    Padded<Priority<T>> w;
    w.shape = watershed::padded_shape(shape);
    w.strides = c_strides(w.shape);
    w.neighbours = watershed::neighbour_offsets(w.shape, connectivity);
    const auto n = static_cast<std::size_t>(element_count(w.shape));
    w.priority.assign(n, 0);
    w.open.assign(n, 0);
    w.label.assign(n, 0);
    for_each_row(shape, w.strides, [&](std::int64_t i, std::int64_t p, std::int64_t width) {
        for (std::int64_t x = 0; x < width; ++x) {
            w.priority[p + x] = priority_of(image[i + x]);
            const bool inside = !mask || mask[i + x];
            w.open[p + x] = inside;
            if (inside && markers[i + x] != 0)
                w.label[p + x] = static_cast<Index>(
                    std::lower_bound(ids.begin() + 1, ids.end(), static_cast<std::int64_t>(markers[i + x])) -
                    ids.begin());
        }
    });
    for (Index p = 0; p < w.size(); ++p)
        if (w.label[p] != 0) w.markers.push_back(p);
    return w;
}

// NaN has no place in the flood order (scikit-image's comparisons with it order nothing): refused.
template <class F> void refuse_nan(const F* image, std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i)
        if (image[i] != image[i])
            throw Error("segmentation.watershed: the image holds NaN (at flat index " + std::to_string(i) +
                        "), which has no place in the flood order");
}

// A float image of at most 65536 distinct values (quantised data, distance maps) floods as the ranks of its values:
// the same order and the same ties, with the integer path's one-word items and FIFOs. nullopt: more values.
template <class F> std::optional<std::vector<std::uint16_t>> value_ranks(const F* image, std::int64_t n) {
    using U = decltype(order_bits(F{}));
    // A table of 2^18 slots, at most a quarter full.
    constexpr std::size_t kMost = std::size_t{1} << 16, kBits = 18, kSlots = std::size_t{1} << kBits;
    constexpr U kEmpty = ~U{0};  // the order bits of a NaN: never a value's
    std::vector<U> keys(kSlots, kEmpty);
    const auto slot = [&](U key) {  // open addressing, linear probing
        auto h = static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ull) >> (64 - kBits));
        while (keys[h] != kEmpty && keys[h] != key) h = (h + 1) & (kSlots - 1);
        return h;
    };
    std::size_t distinct = 0;
    U previous = kEmpty;
    for (std::int64_t i = 0; i < n; ++i) {
        const U key = order_bits(image[i]);
        if (key == previous) continue;  // runs of one value are common where this pays
        previous = key;
        const std::size_t h = slot(key);
        if (keys[h] == kEmpty && ++distinct > kMost) return std::nullopt;
        keys[h] = key;
    }
    std::vector<U> sorted;
    for (const U key : keys)
        if (key != kEmpty) sorted.push_back(key);
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::uint16_t> rank_of(kSlots);
    for (std::size_t r = 0; r < sorted.size(); ++r) rank_of[slot(sorted[r])] = static_cast<std::uint16_t>(r);
    std::vector<std::uint16_t> ranks(static_cast<std::size_t>(n));
    previous = kEmpty;
    std::uint16_t rank = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        const U key = order_bits(image[i]);
        if (key != previous) rank = rank_of[slot(key)];
        previous = key;
        ranks[i] = rank;
    }
    return ranks;
}

// Heap items of the plain flood: (priority, age, position). One 64-bit word when the three fit (compared on the
// bits above the position), else a 16-byte struct.
template <class P> struct PackedItems {
    int position_bits;
    using Item = std::uint64_t;
    Item make(P priority, Index age, Index position) const {
        return (static_cast<Item>(priority) << (2 * position_bits)) | (static_cast<Item>(age) << position_bits) |
               position;
    }
    P priority(Item item) const { return static_cast<P>(item >> (2 * position_bits)); }
    Index position(Item item) const { return static_cast<Index>(item & ((Item{1} << position_bits) - 1)); }
    struct Less {
        int shift;
        bool operator()(Item a, Item b) const { return (a >> shift) < (b >> shift); }
    };
    Less less() const { return {position_bits}; }
};
template <class P> struct WideItems {
    struct Item {
        P priority;
        Index age, position;
    };
    Item make(P priority, Index age, Index position) const { return {priority, age, position}; }
    P priority(const Item& item) const { return item.priority; }
    Index position(const Item& item) const { return item.position; }
    struct Less {
        bool operator()(const Item& a, const Item& b) const {
            return a.priority != b.priority ? a.priority < b.priority : a.age < b.age;
        }
    };
    Less less() const { return {}; }
};

// The largest value held by markers of two or more labels: scikit-image's heap must decide the order up to there.
template <class P> std::optional<P> last_contested_value(const Padded<P>& w) {
    std::vector<std::pair<P, Index>> seeds;
    for (const Index p : w.markers) seeds.emplace_back(w.priority[p], w.label[p]);
    std::sort(seeds.begin(), seeds.end());
    std::optional<P> last;
    for (std::size_t i = 1; i < seeds.size(); ++i)
        if (seeds[i].first == seeds[i - 1].first && seeds[i].second != seeds[i - 1].second) last = seeds[i].first;
    return last;
}

// The plain flood: scikit-image's heap while a contested group of markers remains, then (integer priorities) one
// FIFO per value. `open` turns 0 as a pixel is labelled.
template <class P, class Items> void flood_plain(Padded<P>& w, const Items items) {  // by value: kept in registers
    constexpr bool bucketed = sizeof(P) <= 2;  // one FIFO per value: 256 or 65536 of them
    // Without FIFOs (float priorities) the heap runs to the end.
    const std::optional<P> contested = bucketed ? last_contested_value(w) : std::numeric_limits<P>::max();
    watershed::BinaryHeap<typename Items::Item, typename Items::Less> heap(items.less());
    std::vector<std::vector<Index>> fifo(bucketed ? std::size_t{1} << (8 * sizeof(P)) : 0);
    for (const Index p : w.markers) {
        w.open[p] = 0;
        if (contested) heap.push(items.make(w.priority[p], 0, p));
        else fifo[w.priority[p]].push_back(p);  // every key distinct or uncontested: the FIFOs' order is the heap's
    }
    const std::int64_t* offsets = w.neighbours.data();
    const auto count = static_cast<int>(w.neighbours.size());
    const P* priority = w.priority.data();
    std::uint8_t* open = w.open.data();
    Index* label = w.label.data();
    Index age = 1;
    if (contested) {
        const auto less = items.less();
        const auto limit = items.make(*contested, 0, 0);  // the contested markers' key: past it, keys are distinct
        while (!heap.empty() && (!bucketed || !less(limit, heap.top()))) {
            const auto item = heap.pop();
            const Index p = items.position(item), own = label[p];
            const P floor = items.priority(item);
            for (int k = 0; k < count; ++k) {
                const Index q = static_cast<Index>(p + offsets[k]);
                if (!open[q]) continue;
                open[q] = 0;
                label[q] = own;
                heap.push(items.make(std::max(priority[q], floor), ++age, q));
            }
        }
        if constexpr (bucketed)
            while (!heap.empty()) {  // in (value, age) order: each FIFO receives its pixels by age
                const auto item = heap.pop();
                fifo[items.priority(item)].push_back(items.position(item));
            }
    }
    if constexpr (bucketed) {
        for (std::size_t level = 0; level < fifo.size(); ++level) {
            std::vector<Index>& queue = fifo[level];  // grows while it is read: plateaus and descents stay here
            for (std::size_t i = 0; i < queue.size(); ++i) {
                const Index p = queue[i], own = label[p];
                for (int k = 0; k < count; ++k) {
                    const Index q = static_cast<Index>(p + offsets[k]);
                    if (!open[q]) continue;
                    open[q] = 0;
                    label[q] = own;
                    fifo[std::max<std::size_t>(priority[q], level)].push_back(q);
                }
            }
            std::vector<Index>().swap(queue);
        }
    }
}

// Compactness or a watershed line: labelled on pop, scikit-image's heap throughout. Priorities are the order bits
// of scikit-image's float64 costs; ages keep its 32-bit wrap (biased to unsigned order).
// A watershed line pixel stays open to its copies still in the heap, and each of their pops pushes its open
// neighbours again: in scikit-image 0.26 that grows exponentially with the connectivity (a 6x5x10 volume at
// connectivity 3 exhausts memory). Those pushes decide nothing: a pixel's first push has its least key (later ones
// come from later pops: no lower priority, a later age), so its first pop is that one's and only first pops label
// or make line. They only shape the heap's arrangement, which orders the contested markers; once those have popped,
// a pixel is pushed once and a line pixel's later copies are dropped.
template <class T> void flood_on_pop(Padded<Priority<T>>& w, double compactness) {  // compactness > 0, or a line
    struct Item {
        std::uint64_t priority;
        std::uint32_t age;
        Index position, source;
    };
    struct Less {
        bool operator()(const Item& a, const Item& b) const {
            return a.priority != b.priority ? a.priority < b.priority : a.age < b.age;
        }
    };
    const auto age_key = [](std::int64_t age) { return static_cast<std::uint32_t>(age) ^ 0x80000000u; };
    const bool compact = compactness > 0, line = !compact;
    std::uint8_t* inside = w.open.data();
    Index* label = w.label.data();
    std::vector<std::uint8_t> pushed(line ? w.size() : 0, 0);
    const auto touches_other_label = [&](Index p, Index own) {  // _diff_neighbors; a line pixel leaves the mask
        if (!inside[p]) return true;
        for (const std::int64_t offset : w.neighbours) {
            const auto q = static_cast<Index>(p + offset);
            if (inside[q] && label[q] != 0 && label[q] != own) {
                inside[p] = 0;
                return true;
            }
        }
        return false;
    };
    const Less less{};
    const std::optional<Priority<T>> contested = last_contested_value(w);
    const Item limit{contested ? order_bits(value_of<T>(*contested)) : 0, age_key(0), 0, 0};
    bool settled = !contested;  // past the contested markers: the heap's arrangement decides nothing more
    watershed::BinaryHeap<Item, Less> heap;
    for (const Index p : w.markers) {
        heap.push({order_bits(value_of<T>(w.priority[p])), age_key(0), p, p});
        if (line) pushed[p] = 1;
    }
    std::int64_t age = 1;
    while (!heap.empty()) {
        const Item popped = heap.pop();
        settled = settled || less(limit, popped);
        const Index p = popped.position;
        if (label[p] != 0 && p != popped.source) continue;
        if (line && settled && !inside[p]) continue;  // a line pixel's later copy
        if (compact || !touches_other_label(p, label[popped.source])) label[p] = label[popped.source];
        for (const std::int64_t offset : w.neighbours) {
            const auto q = static_cast<Index>(p + offset);
            if (!inside[q] || label[q] != 0 || (line && settled && pushed[q])) continue;
            const double value = value_of<T>(w.priority[q]);
            const std::uint64_t cost = order_bits(
                compact ? watershed::compact_cost(value, compactness, q, popped.source, w.strides) : value);
            heap.push({std::max(cost, popped.priority), age_key(++age), q, popped.source});
            if (line) pushed[q] = 1;
        }
    }
}

template <class T, class M>
void flood_and_write(const T* image, const M* markers, const bool* mask, const Shape& shape,
                     const std::vector<std::int64_t>& ids, const Params& params, Array& result) {
    auto w = pad(image, markers, mask, shape, ids, static_cast<int>(params.integer("connectivity")));
    const double compactness = params.real("compactness");
    if (compactness > 0 || params.flag("watershed_line")) {
        flood_on_pop<T>(w, compactness);
    } else {
        using P = Priority<T>;
        const int position_bits = std::bit_width(w.size());
        if (8 * static_cast<int>(sizeof(P)) + 2 * position_bits <= 64) flood_plain(w, PackedItems<P>{position_bits});
        else flood_plain(w, WideItems<P>{});
    }
    M* out = result.data<M>();
    for_each_row(shape, w.strides, [&](std::int64_t i, std::int64_t p, std::int64_t width) {
        for (std::int64_t x = 0; x < width; ++x) out[i + x] = static_cast<M>(ids[w.label[p + x]]);
    });
}

template <class T, class M>
void watershed_typed(const T* image, const M* markers, const bool* mask, const Shape& shape, const Params& params,
                     Array& result) {
    const std::int64_t n = element_count(shape);
    const std::vector<std::int64_t> ids = label_values(markers, mask, n);
    if constexpr (std::is_floating_point_v<T>) {
        refuse_nan(image, n);
        if (!(params.real("compactness") > 0))  // compact costs add to the values themselves
            if (const auto ranks = value_ranks(image, n))
                return flood_and_write(ranks->data(), markers, mask, shape, ids, params, result);
    }
    flood_and_write(image, markers, mask, shape, ids, params, result);
}

Array watershed(const OpInputs& inputs, const Params& params, const RunOptions& options) {
    const Array& image = inputs.image();
    const Array& markers = *inputs.extra("markers");
    const Array* mask = inputs.extra("mask");
    if (element_count(watershed::padded_shape(image.shape())) > std::numeric_limits<std::int32_t>::max())
        throw Error("segmentation.watershed: the opt backend floods at most 2^31 - 1 pixels (padded); this image has " +
                    shape_string(image.shape()) + " (the ref backend has no such limit)");
    Array result = new_output(options, markers.dtype(), image.shape());
    visit_dtype(image.dtype(), [&](auto image_tag) {
        using T = decltype(image_tag);
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>)
            throw InternalError("segmentation.watershed: image dtype " + std::string(dtype_name(image.dtype())));
        else
            visit_dtype(markers.dtype(), [&](auto marker_tag) {
                using M = decltype(marker_tag);
                if constexpr (std::is_floating_point_v<M> || std::is_same_v<M, bool>)
                    throw InternalError("segmentation.watershed: markers dtype " +
                                        std::string(dtype_name(markers.dtype())));
                else
                    watershed_typed(image.data<T>(), markers.data<M>(), mask ? mask->data<bool>() : nullptr,
                                    image.shape(), params, result);
            });
    });
    return result;
}

SKB_REGISTER_IMPL("segmentation.watershed", "opt", watershed);

}  // namespace
}  // namespace skb::opt
