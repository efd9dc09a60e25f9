// Reference morphology.remove_small_objects, as scikit-image computes it: bool images are labelled (components
// with `connectivity`), integer images are their own labels; every pixel of a label with at most max_size pixels
// becomes 0.
#include <map>

#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array remove_small_objects(const Array& image, const Params& params, const RunOptions&) {
    const std::int64_t max_size = params.integer("max_size");
    if (max_size == 0) return image.clone();  // scikit-image's shortcut, taken before it looks at the labels
    const Array labels = image.dtype() == DType::Bool
                             ? cast_array(run_op("measure.label", "ref", image,
                                                 {{"connectivity", params.text("connectivity")}}),
                                          DType::I64)
                             : cast_array(image, DType::I64);
    const std::int64_t* label = labels.data<std::int64_t>();
    std::map<std::int64_t, std::int64_t> sizes;
    for (std::int64_t p = 0; p < labels.size(); ++p) {
        if (label[p] < 0)
            throw Error("morphology.remove_small_objects: label " + std::to_string(label[p]) +
                        " is negative (negative labels are not supported)");
        ++sizes[label[p]];
    }
    Array out = image.clone();
    visit_dtype<kLabelDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        T* o = out.data<T>();
        for (std::int64_t p = 0; p < out.size(); ++p)
            if (sizes[label[p]] <= max_size) o[p] = T{0};
    });
    return out;
}

SKB_REGISTER_IMPL("morphology.remove_small_objects", "ref", remove_small_objects);

}  // namespace
}  // namespace skb::reference
