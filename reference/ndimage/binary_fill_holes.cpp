// Reference ndimage.binary_fill_holes: a breadth-first flood from outside the image through the False pixels,
// stepping by the structure's offsets d (a pixel x is reached when x - d is outside the image or reached, as
// SciPy's binary_dilation with border_value=1 iterated inside ~input); the result is every pixel not reached.
#include <deque>

#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array binary_fill_holes(const Array& image, const Params& params, const RunOptions&) {
    const Shape& shape = image.shape();
    const Footprint* given = params.footprint("structure");
    const Footprint structure = given ? *given : Footprint::cross(image.ndim());
    const auto steps = structure.offsets(EvenCentre::End);
    const auto back_steps = mirrored(steps);
    const Array input = cast_array(image, DType::Bool);  // nonzero is True

    std::vector<bool> reached(static_cast<std::size_t>(image.size()), false);
    std::deque<std::int64_t> queue;
    auto reach = [&](std::int64_t p) {
        if (!input.data<bool>()[p] && !reached[p]) {
            reached[p] = true;
            queue.push_back(p);
        }
    };
    for (std::int64_t p = 0; p < image.size(); ++p) {  // seeds: pixels one step from outside
        const auto coord = unravel(p, shape);
        for (const auto& back : back_steps)
            if (neighbour_index(coord, back, shape, BorderMode::Constant) < 0) reach(p);
    }
    while (!queue.empty()) {
        const std::int64_t at = queue.front();
        queue.pop_front();
        const auto coord = unravel(at, shape);
        for (const auto& d : steps)
            if (const std::int64_t next = neighbour_index(coord, d, shape, BorderMode::Constant); next >= 0) reach(next);
    }
    Array out = Array::zeros(DType::Bool, shape);
    for (std::int64_t p = 0; p < out.size(); ++p) out.data<bool>()[p] = !reached[p];
    return out;
}

SKB_REGISTER_IMPL("ndimage.binary_fill_holes", "ref", binary_fill_holes);

}  // namespace
}  // namespace skb::reference
