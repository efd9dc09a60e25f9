// Reference color.rgb2gray: Y = 0.2125 R + 0.7154 G + 0.0721 B in float64 after img_as_float.
#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array rgb2gray(const Array& input, const Params&, const RunOptions&) {
    const Array rgb = to_float_array<double>(input);
    Array gray(DType::F64, Shape(input.shape().begin(), input.shape().end() - 1));
    const double* in = rgb.data<double>();
    double* out = gray.data<double>();
    for (std::int64_t i = 0; i < gray.size(); ++i)
        out[i] = 0.2125 * in[3 * i] + 0.7154 * in[3 * i + 1] + 0.0721 * in[3 * i + 2];
    return cast_array(gray, float_output_dtype(input.dtype(), Precision::F64));
}

SKB_REGISTER_IMPL("color.rgb2gray", "ref", rgb2gray);

}  // namespace
}  // namespace skb::reference
