// What every backend of segmentation.watershed shares with scikit-image 0.26 (_watershed.py, _watershed_cy.pyx,
// heap_general.pxi): the padded layout, the order neighbours are visited in, the compact cost, and the binary heap
// itself. The heap is part of the definition: every marker enters it with age 0, so markers of equal value tie,
// and which of them floods first is decided by where the heap's sift rules have put them, not by any key.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "skb/nd.hpp"
#include "skb/unfused.hpp"

namespace skb::watershed {

// scikit-image pads image, markers and mask by the neighbourhood's reach, one pixel on every face, with the mask 0
// there: a neighbour index never leaves the padded array and nothing floods outside.
inline Shape padded_shape(const Shape& shape) {
    Shape padded = shape;
    for (auto& extent : padded) extent += 2;
    return padded;
}

// Raveled offsets of connectivity_structure(ndim, connectivity)'s neighbours in the padded layout, in the order
// scikit-image visits them (_offsets_to_raveled_neighbors: by Euclidean distance, C order among equals). Each push
// takes the next age, so this order is part of the tie order.
inline std::vector<std::int64_t> neighbour_offsets(const Shape& padded, int connectivity) {
    auto offsets = neighbourhood(static_cast<int>(padded.size()), connectivity);
    const auto still = [](const std::vector<std::int64_t>& o) { return std::count(o.begin(), o.end(), 0); };
    std::stable_sort(offsets.begin(), offsets.end(), [&](const auto& a, const auto& b) { return still(a) > still(b); });
    const Shape strides = c_strides(padded);
    std::vector<std::int64_t> raveled;
    for (const auto& o : offsets) {
        std::int64_t r = 0;
        for (std::size_t d = 0; d < o.size(); ++d) r += o[d] * strides[d];
        raveled.push_back(r);
    }
    return raveled;
}

// The compact watershed's priority of pixel `to` flooded from the marker at `source` (raveled in the padded layout
// of `strides`): value + compactness * Euclidean distance, rounded twice as scikit-image does (never one FMA).
inline double compact_cost(double value, double compactness, std::int64_t to, std::int64_t source,
                           const Shape& strides) {
    double squares = 0;
    for (const std::int64_t s : strides) {
        const auto d = static_cast<double>(to / s - source / s);
        squares += d * d;
        to %= s;
        source %= s;
    }
    return value + product_unfused(compactness, std::sqrt(squares));
}

// scikit-image's binary min-heap (heap_general.pxi), operation for operation: after every push and pop its items
// sit where scikit-image's would, so items that compare equal (markers of equal value) come out in its order.
// push: append, then move up while strictly less than the parent. pop: take the root, put the last item there and
// move it down, each step to the lesser child (the left one when they are equal), while that child is strictly
// less. The move down is done bottom-up (children raised along that path to a leaf, then the item placed back up
// the path past every raised child that is not less than it): the same arrangement in about half the comparisons.
// Storage is 1-based, so that the two children of a node sit side by side from an even index (one aligned pair).
template <class Item, class Less> class BinaryHeap {
public:
    explicit BinaryHeap(Less less = {}) : items_(1), less_(less) {}

    bool empty() const { return items_.size() == 1; }
    std::size_t size() const { return items_.size() - 1; }
    const Item& top() const { return items_[1]; }

    void push(const Item& item) {
        items_.push_back(item);
        Item* a = items_.data();
        std::size_t child = items_.size() - 1;
        while (child > 1 && less_(item, a[child / 2])) {
            a[child] = a[child / 2];
            child /= 2;
        }
        a[child] = item;
    }

    Item pop() {
        Item* a = items_.data();
        const Item top = a[1];
        const Item last = a[items_.size() - 1];
        items_.pop_back();
        const std::size_t n = items_.size() - 1;
        if (n == 0) return top;
        std::size_t i = 1;
        for (std::size_t child = 2; child < n; child = 2 * i) {  // both children there (a choice without a branch)
            child += less_(a[child + 1], a[child]);
            a[i] = a[child];
            i = child;
        }
        if (2 * i == n) {  // a last, single child
            a[i] = a[n];
            i = n;
        }
        while (i > 1 && !less_(a[i / 2], last)) {
            a[i] = a[i / 2];
            i /= 2;
        }
        a[i] = last;
        return top;
    }

private:
    std::vector<Item> items_;  // items_[0] unused
    Less less_;
};

}  // namespace skb::watershed
