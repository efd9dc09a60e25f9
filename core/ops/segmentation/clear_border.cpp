// Spec of segmentation.clear_border: objects touching the image's border band (buffer_size + 1 pixels deep on
// every face, or wherever the optional bool `mask` is False) are set to bgval. Objects are relabelled as
// scikit-image does, measure.label(labels, background=0) with full connectivity: equal-valued pixels join (bool:
// True pixels). scikit-image also clears label 0 itself when any background pixel lies in the band, so with a
// nonzero bgval every background pixel becomes bgval then; skbench reproduces that.
// Differs from scikit-image: a negative buffer_size is refused (scikit-image then clears the whole image), and a
// bgval the dtype cannot hold is refused (NumPy raises OverflowError for most of them).
#include <limits>

#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec clear_border_spec() {
    OpSpec s;
    s.id = "segmentation.clear_border";
    s.summary = "clear the objects that touch the image border";
    s.params = {
        {"buffer_size", ParamKind::Int, "0", "width of the border band beyond the edge pixel", {}, 0.0},
        {"bgval", ParamKind::Int, "0", "value the cleared objects get", {}, {}},
    };
    s.input_dtypes = kLabelDTypes.list();
    s.extra_inputs = {{.name = "mask", .dtypes = {DType::Bool}, .optional = true,
                       .help = "where False is the border (replaces buffer_size); the image's shape",
                       .bench_input = SyntheticInput::Blobs}};
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        const std::int64_t buffer = p.integer("buffer_size");
        for (std::size_t d = 0; d < in.shape.size(); ++d)
            if (buffer >= in.shape[d])
                throw Error(id + ": buffer_size=" + std::to_string(buffer) + " is not smaller than axis " +
                            std::to_string(d) + " of the image (" + std::to_string(in.shape[d]) + ")");
        const std::int64_t bgval = p.integer("bgval");
        if (in.dtype != DType::Bool && !visit_dtype(in.dtype, [&](auto tag) {
                using T = decltype(tag);
                return bgval >= static_cast<std::int64_t>(std::numeric_limits<T>::lowest()) &&
                       static_cast<double>(bgval) <= static_cast<double>(std::numeric_limits<T>::max());
            }))
            throw Error(id + ": bgval=" + std::to_string(bgval) + " does not fit " +
                        std::string(dtype_name(in.dtype)));
        return ArrayMeta{in.dtype, in.shape};
    };
    spec_parts::component_op_costs(s, [](DType in) { return in; }, {DType::Bool, DType::U8});
    return s;
}

SKB_REGISTER_OP_SPEC(clear_border_spec());

}  // namespace
}  // namespace skb
