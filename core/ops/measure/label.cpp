// Spec of measure.label: connected components numbered 1.. in C order of each component's first pixel.
// Non-bool images: neighbours join only when their (integer-truncated) values are equal.
#include "skb/label_order.hpp"
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec label_spec() {
    OpSpec s;
    s.id = "measure.label";
    s.summary = "connected-component labelling";
    s.params = {
        {"background", ParamKind::Int, "", "pixels of this value are background (label 0); default 0", {}, {}},
        {"connectivity", ParamKind::Int, "", "max number of axes a neighbour may differ in; default ndim", {}, {}},
    };
    s.input_dtypes = {DType::Bool, DType::U8, DType::U16, DType::I32, DType::I64, DType::F32, DType::F64};
    s.output = [](const ArrayMeta& in, const Params& p, Precision) {
        const auto ndim = static_cast<std::int64_t>(in.shape.size());
        if (const auto c = p.optional_integer("connectivity"); c && (*c < 1 || *c > ndim))
            throw Error("measure.label: parameter connectivity=" + std::to_string(*c) + " must be in 1.." +
                        std::to_string(ndim) + " for a " + std::to_string(ndim) + "-d image");
        return ArrayMeta{label_dtype(in.dtype), in.shape};
    };
    spec_parts::component_op_costs(s, label_dtype, {DType::Bool, DType::U8});
    return s;
}

SKB_REGISTER_OP_SPEC(label_spec());

}  // namespace
}  // namespace skb
