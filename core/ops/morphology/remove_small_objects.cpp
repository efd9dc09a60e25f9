// Spec of morphology.remove_small_objects (0.26): objects of max_size pixels or fewer become 0. Bool images are
// labelled first (components with `connectivity`); integer images are labels already, and an object is every
// pixel of one value, connected or not (connectivity is then unused). Negative labels are refused, as
// scikit-image refuses them. Differs from scikit-image: connectivity outside 1..ndim is refused (SciPy's
// generate_binary_structure would clamp it).
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec remove_small_objects_spec() {
    OpSpec s;
    s.id = "morphology.remove_small_objects";
    s.summary = "remove objects of at most max_size pixels";
    s.params = {
        {"max_size", ParamKind::Int, "64", "objects of this many pixels or fewer are removed", {}, {}},
        {"connectivity", ParamKind::Int, "1", "bool images: max number of axes a neighbour may differ in", {}, {}},
    };
    s.input_dtypes = kLabelDTypes.list();
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        const auto ndim = static_cast<std::int64_t>(in.shape.size());
        if (const std::int64_t c = p.integer("connectivity"); c < 1 || c > ndim)
            throw Error(id + ": parameter connectivity=" + std::to_string(c) + " must be in 1.." +
                        std::to_string(ndim) + " for a " + std::to_string(ndim) + "-d image");
        return ArrayMeta{in.dtype, in.shape};
    };
    spec_parts::component_op_costs(s, [](DType in) { return in; }, {DType::Bool});
    return s;
}

SKB_REGISTER_OP_SPEC(remove_small_objects_spec());

}  // namespace
}  // namespace skb
