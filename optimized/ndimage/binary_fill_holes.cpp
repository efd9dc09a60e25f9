// Opt ndimage.binary_fill_holes. When the structure is a connectivity neighbourhood (the default cross, a 3^n box,
// or anything equal to generate_binary_structure(ndim, c)), the flood from outside is the set of False components
// (connectivity c) that touch the image's faces: the run labeller finds the components of the False pixels, runs
// on a face row or at either end of a row mark theirs, and each output row is written once: True, except the runs
// of marked components. Any other structure (disk:2, square:5, an even rectangle: reach beyond one pixel or not
// symmetric) floods breadth-first on one thread over a padded copy, stepping by the structure's offsets.
#include <algorithm>

#include "measure/run_labeler.hpp"

namespace skb::opt {
namespace {

// Components of the False pixels of a bool image with `connectivity`; those reaching a face stay False.
void fill_by_components(const bool* in, const Shape& shape, int connectivity, bool* out, const RunOptions& options) {
    runs::with_components(in, shape, connectivity, 1, options, [&](const auto& labeler) {
        const std::int64_t W = labeler.W;
        std::vector<std::uint8_t> outside(static_cast<std::size_t>(labeler.component_count()) + 1, 0);
        labeler.visit_rows([&](std::int64_t row, const auto& st, auto first, auto end) {
            const bool face_row = runs::row_in_band(row, shape, 1);
            for (auto i = first; i < end; ++i)
                if (face_row || st.x0.data()[i] == 0 || st.x1.data()[i] == W)
                    runs::mark(outside, labeler.component_id(st, i));
        });
        labeler.write_rows(reinterpret_cast<std::uint8_t*>(out), std::uint8_t{1}, [&](const auto& st, auto i) {
            return static_cast<std::uint8_t>(!outside[static_cast<std::size_t>(labeler.component_id(st, i))]);
        });
    });
}

// Breadth-first flood over a copy padded by the structure's reach: 0 open (False), 1 wall (True), 2 reached; the
// padding is reached, so no step needs a bounds check. A pixel is reached from x - d for every offset d.
void fill_by_flood(const bool* in, const Shape& shape, const Footprint& structure, bool* out) {
    const int ndim = static_cast<int>(shape.size());
    const auto steps = structure.offsets(EvenCentre::End);
    std::int64_t reach = 0;
    for (const auto& d : steps)
        for (std::int64_t k : d) reach = std::max(reach, std::abs(k));
    Shape padded(shape);
    for (auto& n : padded) n += 2 * reach;
    const Shape strides = c_strides(padded);
    std::vector<std::int64_t> deltas;
    for (const auto& d : steps) {
        std::int64_t delta = 0;
        for (int a = 0; a < ndim; ++a) delta += d[a] * strides[a];
        deltas.push_back(delta);
    }
    std::vector<std::uint8_t> state(static_cast<std::size_t>(element_count(padded)), 2);
    const std::int64_t n = element_count(shape);
    auto padded_index = [&](std::int64_t p) {
        std::int64_t index = 0;
        for (int a = ndim - 1; a >= 0; --a) {
            index += (p % shape[a] + reach) * strides[a];
            p /= shape[a];
        }
        return index;
    };
    for (std::int64_t p = 0; p < n; ++p) state[padded_index(p)] = in[p] ? 1 : 0;
    std::vector<std::int64_t> queue;
    for (std::int64_t p = 0; p < n; ++p) {  // seeds: open pixels one step from the padding (or from a seed)
        const std::int64_t q = padded_index(p);
        if (state[q] == 0 && std::any_of(deltas.begin(), deltas.end(), [&](std::int64_t d) { return state[q - d] == 2; })) {
            state[q] = 2;
            queue.push_back(q);
        }
    }
    for (std::size_t head = 0; head < queue.size(); ++head)
        for (std::int64_t delta : deltas)
            if (std::uint8_t& s = state[queue[head] + delta]; s == 0) {
                s = 2;
                queue.push_back(queue[head] + delta);
            }
    for (std::int64_t p = 0; p < n; ++p) out[p] = state[padded_index(p)] != 2;
}

Array binary_fill_holes(const Array& image, const Params& params, const RunOptions& requested) {
    const RunOptions options = sized_for_work(requested, image.size());  // one labelling pass, one write
    Array result = new_output(options, DType::Bool, image.shape());
    if (image.size() == 0) return result;
    Array converted;
    const bool* in = nullptr;
    if (image.dtype() == DType::Bool) {
        in = image.data<bool>();
    } else {  // nonzero is True (NaN too)
        converted = Array(DType::Bool, image.shape());
        bool* c = converted.data<bool>();
        visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
            using T = decltype(tag);
            const T* v = image.data<T>();
            parallel_blocks(options, image.size(), 1 << 16, [&](std::int64_t b, std::int64_t e) {
                for (std::int64_t i = b; i < e; ++i) c[i] = v[i] != T{0};
            });
        });
        in = c;
    }
    const Footprint* given = params.footprint("structure");
    const Footprint structure = given ? *given : Footprint::cross(image.ndim());
    if (const auto c = structure.connectivity())
        fill_by_components(in, image.shape(), *c, result.data<bool>(), options);
    else
        fill_by_flood(in, image.shape(), structure, result.data<bool>());
    return result;
}

SKB_REGISTER_IMPL("ndimage.binary_fill_holes", "opt", binary_fill_holes);

}  // namespace
}  // namespace skb::opt
