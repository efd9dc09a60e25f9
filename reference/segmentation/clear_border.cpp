// Reference segmentation.clear_border, as scikit-image computes it: relabel with measure.label (background 0,
// full connectivity), collect the labels seen in the border band (label 0 included), set their pixels to bgval.
#include <set>

#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

// Whether pixel `coord` lies within `ext` pixels of any face.
bool in_band(const std::vector<std::int64_t>& coord, const Shape& shape, std::int64_t ext) {
    for (std::size_t d = 0; d < shape.size(); ++d)
        if (coord[d] < ext || coord[d] >= shape[d] - ext) return true;
    return false;
}

Array clear_border(const OpInputs& inputs, const Params& params, const RunOptions&) {
    const Array& image = inputs.image();
    const Array labels = cast_array(run_op("measure.label", "ref", image, {{"background", "0"}}), DType::I64);
    const std::int64_t* label = labels.data<std::int64_t>();
    const Array* mask = inputs.extra("mask");  // False: border
    const std::int64_t ext = params.integer("buffer_size") + 1;

    std::set<std::int64_t> touching;
    for (std::int64_t p = 0; p < image.size(); ++p) {
        const bool border = mask ? !mask->data<bool>()[p] : in_band(unravel(p, image.shape()), image.shape(), ext);
        if (border) touching.insert(label[p]);
    }
    Array out = image.clone();
    const std::int64_t bgval = params.integer("bgval");
    visit_dtype<kLabelDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* o = out.data<T>();
        for (std::int64_t p = 0; p < out.size(); ++p)
            if (touching.contains(label[p])) o[p] = static_cast<T>(bgval);
    });
    return out;
}

SKB_REGISTER_IMPL("segmentation.clear_border", "ref", clear_border);

}  // namespace
}  // namespace skb::reference
