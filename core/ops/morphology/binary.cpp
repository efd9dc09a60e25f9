// Specs of morphology.binary_erosion, binary_dilation, binary_opening, binary_closing: boolean output, any
// nonzero input is True. Even footprints centre at n/2 (scikit-image pads them at the end). Modes: ignore
// (erosion sees True outside, dilation False), max (True outside), min (False outside).
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec binary_spec(const std::string& name, const std::string& summary, int passes) {
    OpSpec s;
    s.id = "morphology." + name;
    s.summary = summary;
    s.params = {spec_parts::footprint_param(),
                {"mode", ParamKind::Choice, "ignore", "border handling", {"ignore", "max", "min"}, {}}};
    s.input_dtypes = kImageDTypes.list();
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        spec_parts::check_footprint_rank(id, p, static_cast<int>(in.shape.size()));
        return ArrayMeta{DType::Bool, in.shape};
    };
    s.bytes_per_element = [passes](const ArrayMeta& in, const Params&, Precision) {
        return passes * spec_parts::read_write_bytes(in, DType::Bool);
    };
    s.flops_per_element = [passes](const ArrayMeta& in, const Params& p) {
        return passes * spec_parts::footprint_size(p, static_cast<int>(in.shape.size()));  // a compare per element
    };
    s.bench = {SyntheticInput::Blobs, {DType::Bool, DType::U8}, {}};
    s.reach = [passes](const ArrayMeta& in, const Params& p) {
        return spec_parts::footprint_reach(p, static_cast<int>(in.shape.size()), "footprint", passes);
    };
    return s;
}

SKB_REGISTER_OP_SPEC(binary_spec("binary_erosion", "binary erosion (AND over the footprint)", 1));
SKB_REGISTER_OP_SPEC(binary_spec("binary_dilation", "binary dilation (OR over the mirrored footprint)", 1));
SKB_REGISTER_OP_SPEC(binary_spec("binary_opening", "binary opening (erosion, then dilation)", 2));
SKB_REGISTER_OP_SPEC(binary_spec("binary_closing", "binary closing (dilation, then erosion)", 2));

}  // namespace
}  // namespace skb
