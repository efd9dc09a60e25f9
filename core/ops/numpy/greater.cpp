// Spec of numpy.greater, the NumPy glue of the seed pipelines (`image > t` after threshold_otsu): not a
// scikit-image op; its goldens are NumPy's own comparison (golden/ops/numpy/greater.py). x2 is a scalar parameter
// (a Python float, or the scalar an earlier step returned): NumPy compares integer images with it in float64 and
// float32 images in float32 (x2 rounded to float32 first: NEP 50's weak Python scalar).
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec greater_spec() {
    OpSpec s;
    s.id = "numpy.greater";
    s.summary = "image > x2 elementwise (NumPy glue of the seed pipelines, bool result)";
    s.params = {{"x2", ParamKind::Float, "0", "the scalar compared with (a Python float)", {}, std::nullopt}};
    s.input_dtypes = kImageDTypes.list();
    s.output = [](const ArrayMeta& in, const Params&, Precision) { return ArrayMeta{DType::Bool, in.shape}; };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return static_cast<double>(dtype_size(in.dtype)) + 1.0;
    };
    s.flops_per_element = [](const ArrayMeta&, const Params&) { return 1.0; };
    s.reach = [](const ArrayMeta& in, const Params&) {  // per element
        return spec_parts::uniform_reach(static_cast<int>(in.shape.size()), 0);
    };
    return s;
}

SKB_REGISTER_OP_SPEC(greater_spec());

}  // namespace
}  // namespace skb
