// Reference segmentation.watershed: scikit-image 0.26's algorithm step for step (_watershed.py, _watershed_cy.pyx).
// Image, mask and markers are padded by one pixel (mask 0 there); every marker inside the mask is pushed with its
// value as priority and age 0 onto scikit-image's binary heap (skb/watershed.hpp: a std::priority_queue would
// break the markers' ties otherwise). Each popped pixel pushes every neighbour that is inside the mask and not
// labelled yet, with the next age and the neighbour's value (plus compactness x its distance to the marker) as
// priority, raised to the popped one. Plain: a pixel takes its label when pushed. Compact or with a watershed line:
// when popped, unless labelled already; with a line, a pixel next to another label becomes line instead (0, and
// out of the mask from then on).
#include <cmath>

#include "skb/registry.hpp"
#include "skb/watershed.hpp"

namespace skb::reference {
namespace {

struct Item {
    double value;         // priority
    std::int32_t age;     // 32 bits as in scikit-image's Heapitem (it would wrap there, and here)
    std::int64_t index;   // raveled in the padded layout
    std::int64_t source;  // the marker it was flooded from
};

struct Before {  // scikit-image's smaller(): by value, then by age
    bool operator()(const Item& a, const Item& b) const {
        return a.value != b.value ? a.value < b.value : a.age < b.age;
    }
};

Array watershed(const OpInputs& inputs, const Params& params, const RunOptions&) {
    const Array& image = inputs.image();
    const Array* mask = inputs.extra("mask");
    const Shape padded = watershed::padded_shape(image.shape());
    const Shape strides = c_strides(padded);
    const std::int64_t n = element_count(padded);

    // Padded copies: values as float64 (compared as they are, never rescaled), the mask, and the labels: the markers
    // inside the mask.
    const Array values = to_float_array<double>(image, /*preserve_range=*/true);
    const Array markers = cast_array(*inputs.extra("markers"), DType::I64);
    Array padded_value = Array::zeros(DType::F64, padded), padded_inside = Array::zeros(DType::Bool, padded),
          padded_label = Array::zeros(DType::I64, padded);
    double* value = padded_value.data<double>();
    bool* inside = padded_inside.data<bool>();
    std::int64_t* label = padded_label.data<std::int64_t>();
    const auto padded_index = [&](std::int64_t i) {  // of flat index i of the image
        std::int64_t p = 0;
        const auto coord = unravel(i, image.shape());
        for (std::size_t d = 0; d < coord.size(); ++d) p += (coord[d] + 1) * strides[d];
        return p;
    };
    for (std::int64_t i = 0; i < image.size(); ++i) {
        const std::int64_t p = padded_index(i);
        value[p] = values.data<double>()[i];
        if (std::isnan(value[p]))
            throw Error("segmentation.watershed: the image holds NaN (at flat index " + std::to_string(i) +
                        "), which has no place in the flood order");
        inside[p] = mask ? mask->data<bool>()[i] : true;
        label[p] = inside[p] ? markers.data<std::int64_t>()[i] : 0;
    }

    const auto neighbours = watershed::neighbour_offsets(padded, static_cast<int>(params.integer("connectivity")));
    const double compactness = params.real("compactness");
    const bool compact = compactness > 0, line = params.flag("watershed_line");
    // _diff_neighbors: whether pixel p, about to take `own`, touches another label (then it becomes line).
    const auto touches_other_label = [&](std::int64_t p, std::int64_t own) {
        if (!inside[p]) return true;
        for (const std::int64_t offset : neighbours) {
            const std::int64_t q = p + offset;
            if (inside[q] && label[q] != 0 && label[q] != own) {
                inside[p] = false;
                return true;
            }
        }
        return false;
    };

    watershed::BinaryHeap<Item, Before> heap;
    for (std::int64_t p = 0; p < n; ++p)
        if (label[p] != 0) heap.push({value[p], 0, p, p});
    std::int64_t age = 1;
    while (!heap.empty()) {
        const Item popped = heap.pop();
        if (compact || line) {
            if (label[popped.index] != 0 && popped.index != popped.source) continue;  // reached another way first
            if (compact || !touches_other_label(popped.index, label[popped.source]))
                label[popped.index] = label[popped.source];
        }
        for (const std::int64_t offset : neighbours) {
            const std::int64_t q = popped.index + offset;
            if (!inside[q] || label[q] != 0) continue;
            ++age;
            Item next{value[q], static_cast<std::int32_t>(age), q, popped.source};
            if (compact) next.value = watershed::compact_cost(value[q], compactness, q, popped.source, strides);
            else if (!line) label[q] = label[popped.index];
            if (next.value < popped.value) next.value = popped.value;
            heap.push(next);
        }
    }

    Array out(DType::I64, image.shape());
    for (std::int64_t i = 0; i < image.size(); ++i) out.data<std::int64_t>()[i] = label[padded_index(i)];
    return cast_array(out, inputs.extra("markers")->dtype());
}

SKB_REGISTER_IMPL("segmentation.watershed", "ref", watershed);

}  // namespace
}  // namespace skb::reference
