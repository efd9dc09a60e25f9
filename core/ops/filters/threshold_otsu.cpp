// Spec of filters.threshold_otsu: the histogram bin centre maximising between-class variance (a scalar).
// Integer images get one bin per integer value (nbins is ignored); float images nbins equal bins over [min, max].
// Differs from scikit-image: no hist= argument; non-finite float pixels are refused; nbins >= 2.
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec threshold_otsu_spec() {
    OpSpec s;
    s.id = "filters.threshold_otsu";
    s.summary = "Otsu's threshold (scalar result)";
    s.params = {{"nbins", ParamKind::Int, "256", "histogram bins for float images", {}, 2.0}};
    s.input_dtypes = kImageDTypes.list();
    s.spatial_ndims = {1, 2, 3};  // any shape: the histogram does not look at it (1-d: `threshold_otsu(med[mask])`)
    s.output = [](const ArrayMeta& in, const Params&, Precision precision) {
        // Integer images threshold at an integer bin centre (int64). bool is binned as a float image.
        const DType out = is_integer(in.dtype) ? DType::I64 : float_output_dtype(in.dtype, precision);
        return ArrayMeta{out, Shape{}};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return static_cast<double>(dtype_size(in.dtype));
    };
    s.flops_per_element = [](const ArrayMeta&, const Params&) { return 4.0; };
    return s;
}

SKB_REGISTER_OP_SPEC(threshold_otsu_spec());

}  // namespace
}  // namespace skb
