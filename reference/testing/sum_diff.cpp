// Reference testing.sum_diff (test-only op): a + b and a - b in float64 after img_as_float, 0 where mask is False.
#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array sum_diff(const OpInputs& inputs, const Params&, const RunOptions&) {
    const Array a = to_float_array<double>(inputs.image());
    const Array b = to_float_array<double>(*inputs.extra("other"));
    const Array* mask = inputs.extra("mask");
    const std::int64_t n = a.size();
    Shape stacked{2};
    stacked.insert(stacked.end(), a.shape().begin(), a.shape().end());
    Array result(DType::F64, stacked);
    double* sum = result.data<double>();
    double* difference = sum + n;
    for (std::int64_t i = 0; i < n; ++i) {
        const bool inside = !mask || mask->data<bool>()[i];
        sum[i] = inside ? a.data<double>()[i] + b.data<double>()[i] : 0.0;
        difference[i] = inside ? a.data<double>()[i] - b.data<double>()[i] : 0.0;
    }
    return cast_array(result, float_output_dtype(inputs.image().dtype(), Precision::F64));
}

SKB_REGISTER_IMPL("testing.sum_diff", "ref", sum_diff);

}  // namespace
}  // namespace skb::reference
