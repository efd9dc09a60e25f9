// Spec of filters.sobel: Sobel derivative along `axis`, or the magnitude sqrt(sum_d g_d^2)/sqrt(ndim) over all
// axes. Differs from scikit-image: no mask; axis is a single non-negative axis.
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec sobel_spec() {
    OpSpec s;
    s.id = "filters.sobel";
    s.summary = "Sobel edge magnitude, or the derivative along one axis";
    s.params = {
        {"axis", ParamKind::Int, "", "derivative along this axis only; default: magnitude over all axes", {}, 0.0},
        spec_parts::mode_param("reflect"),
        spec_parts::cval_param(),
    };
    s.input_dtypes = kImageDTypes.list();
    s.output = [](const ArrayMeta& in, const Params& p, Precision precision) {
        const auto axis = p.optional_integer("axis");
        if (axis && *axis >= static_cast<std::int64_t>(in.shape.size()))
            throw Error("filters.sobel: parameter axis=" + std::to_string(*axis) + " is out of range for a " +
                        std::to_string(in.shape.size()) + "-d image");
        return ArrayMeta{float_output_dtype(in.dtype, precision), in.shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision p) {
        return spec_parts::read_write_bytes(in, float_output_dtype(in.dtype, p));
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params& p) {
        // Separable per axis: a difference and (ndim-1) [1,2,1] smoothings (3 flops each), then the magnitude.
        const double ndim = static_cast<double>(in.shape.size());
        return p.is_none("axis") ? ndim * (1 + 3 * (ndim - 1)) + 2 * ndim + 2 : 1 + 3 * (ndim - 1);
    };
    s.reach = [](const ArrayMeta& in, const Params&) {  // 3-wide kernels
        return spec_parts::uniform_reach(static_cast<int>(in.shape.size()), 1);
    };
    return s;
}

SKB_REGISTER_OP_SPEC(sobel_spec());

}  // namespace
}  // namespace skb
