// Spec of numpy.extract(condition, arr): the elements of arr where condition is True, in C order, as a 1-d array of
// arr's dtype (what `arr[condition]` gives for a bool mask of arr's shape). NumPy glue of the seed's tomography
// pipeline (Otsu's threshold of the median at the object voxels only): not a scikit-image op; its goldens are
// NumPy's own (golden/ops/numpy/extract.py). The image is arr, `condition` a required extra input; the length of
// the answer depends on the data.
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec extract_spec() {
    OpSpec s;
    s.id = "numpy.extract";
    s.summary = "arr[condition]: the elements where a bool mask is True, in C order (NumPy glue, 1-d result)";
    s.input_dtypes = kImageDTypes.list();
    s.spatial_ndims = {1, 2, 3};
    s.extra_inputs = {{.name = "condition", .dtypes = {DType::Bool}, .optional = false,
                       .help = "where to take elements (arr's shape)", .bench_input = SyntheticInput::Blobs}};
    s.output = [](const ArrayMeta& in, const Params&, Precision) {
        return ArrayMeta{in.dtype, Shape{kDataDependentExtent}};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return 2.0 * static_cast<double>(dtype_size(in.dtype)) + 1.0;  // reads both, writes up to every element
    };
    s.flops_per_element = [](const ArrayMeta&, const Params&) { return 0.0; };
    s.bench = {SyntheticInput::Smooth, {DType::F32}, {}};
    return s;
}

SKB_REGISTER_OP_SPEC(extract_spec());

}  // namespace
}  // namespace skb
