// Spec of ndimage.binary_fill_holes (SciPy's, as the seeds call it): True where the input is nonzero or where a
// False pixel cannot be reached from outside the image through False pixels, stepping by the structure's offsets
// (binary_dilation from an all-False start with border_value=1, iterated to a fixed point inside ~input).
// Default structure: the cross of face neighbours. Even structures centre at n/2, as SciPy's binary morphology.
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec binary_fill_holes_spec() {
    OpSpec s;
    s.id = "ndimage.binary_fill_holes";
    s.summary = "fill the holes of a binary image (False regions that do not reach the border)";
    s.params = {spec_parts::footprint_param("structure")};
    s.input_dtypes = kImageDTypes.list();
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        spec_parts::check_footprint_rank(id, p, static_cast<int>(in.shape.size()), "structure");
        return ArrayMeta{DType::Bool, in.shape};
    };
    spec_parts::component_op_costs(s, [](DType) { return DType::Bool; }, {DType::Bool, DType::U8});
    return s;
}

SKB_REGISTER_OP_SPEC(binary_fill_holes_spec());

}  // namespace
}  // namespace skb
