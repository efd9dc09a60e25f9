// Specs of morphology.erosion, dilation, opening, closing (grayscale): min/max over a footprint, dtype kept.
// Even footprints centre at (n-1)/2 (scikit-image pads them at the front). Modes max/min/ignore pad with the
// dtype's extreme values (+-inf for floats); ignore means max for erosion and min for dilation.
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec grayscale_spec(const std::string& name, const std::string& summary, int passes) {
    OpSpec s;
    s.id = "morphology." + name;
    s.summary = summary;
    s.params = {spec_parts::footprint_param(), spec_parts::mode_param("reflect", {"max", "min", "ignore"}),
                spec_parts::cval_param()};
    s.input_dtypes = kImageDTypes.list();
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        spec_parts::check_footprint_rank(id, p, static_cast<int>(in.shape.size()));
        return ArrayMeta{in.dtype, in.shape};
    };
    s.bytes_per_element = [passes](const ArrayMeta& in, const Params&, Precision) {
        return passes * spec_parts::read_write_bytes(in, in.dtype);
    };
    s.flops_per_element = [passes](const ArrayMeta& in, const Params& p) {
        return passes * spec_parts::footprint_size(p, static_cast<int>(in.shape.size()));  // a compare per element
    };
    s.reach = [passes](const ArrayMeta& in, const Params& p) {
        return spec_parts::footprint_reach(p, static_cast<int>(in.shape.size()), "footprint", passes);
    };
    return s;
}

SKB_REGISTER_OP_SPEC(grayscale_spec("erosion", "grayscale erosion (minimum over the footprint)", 1));
SKB_REGISTER_OP_SPEC(grayscale_spec("dilation", "grayscale dilation (maximum over the footprint)", 1));
SKB_REGISTER_OP_SPEC(grayscale_spec("opening", "grayscale opening (erosion, then dilation)", 2));
SKB_REGISTER_OP_SPEC(grayscale_spec("closing", "grayscale closing (dilation, then erosion)", 2));

}  // namespace
}  // namespace skb
