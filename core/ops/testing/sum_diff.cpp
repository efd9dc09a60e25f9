// Spec of testing.sum_diff, a test-only op (not scikit-image's): sum_diff(image, other, mask=None) returns
// [image + other, image - other] after img_as_float, both 0 where `mask` is False, stacked along a new first axis.
// It exists to carry two inputs and two outputs through every layer (CLI, goldens, conformance, bench, memory
// tests, reports); its golden outputs come from NumPy (golden/ops/testing/sum_diff.py).
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec sum_diff_spec() {
    OpSpec s;
    s.id = "testing.sum_diff";
    s.summary = "image + other and image - other after img_as_float, 0 outside the mask (two inputs, two outputs)";
    s.test_only = true;
    s.input_dtypes = {DType::U8, DType::F32, DType::F64};
    s.extra_inputs = {
        {.name = "other", .dtypes = {DType::U8, DType::F32, DType::F64}, .optional = false,
         .help = "the second operand, the image's shape", .bench_input = SyntheticInput::Smooth},
        {.name = "mask", .dtypes = {DType::Bool}, .optional = true,
         .help = "where False, both outputs are 0 (default: everywhere True)", .bench_input = SyntheticInput::Blobs},
    };
    s.output_names = {"sum", "difference"};
    s.output = [](const ArrayMeta& in, const Params&, Precision p) {
        Shape stacked{2};
        stacked.insert(stacked.end(), in.shape.begin(), in.shape.end());
        return ArrayMeta{float_output_dtype(in.dtype, p), stacked};
    };
    // Reads the image and `other` (taken to be the image's dtype), writes two outputs.
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision p) {
        return 2.0 * dtype_size(in.dtype) + 2.0 * dtype_size(float_output_dtype(in.dtype, p));
    };
    s.flops_per_element = [](const ArrayMeta&, const Params&) { return 2.0; };
    s.bench.dtypes = {DType::F32};
    return s;
}

SKB_REGISTER_OP_SPEC(sum_diff_spec());

}  // namespace
}  // namespace skb
