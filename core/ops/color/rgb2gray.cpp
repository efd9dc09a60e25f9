// Spec of color.rgb2gray: Y = 0.2125 R + 0.7154 G + 0.0721 B over a trailing channel axis of size 3.
// Differs from scikit-image: channel_axis is fixed at -1 (the last axis).
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec rgb2gray_spec() {
    OpSpec s;
    s.id = "color.rgb2gray";
    s.summary = "luminance of an RGB image (trailing channel axis of 3)";
    s.input_dtypes = kImageDTypes.list();
    s.channels = 3;
    s.output = [](const ArrayMeta& in, const Params&, Precision p) {
        return ArrayMeta{float_output_dtype(in.dtype, p), Shape(in.shape.begin(), in.shape.end() - 1)};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision p) {
        return static_cast<double>(dtype_size(in.dtype)) + dtype_size(float_output_dtype(in.dtype, p)) / 3.0;
    };
    s.flops_per_element = [](const ArrayMeta&, const Params&) { return 5.0 / 3.0; };
    s.bench.input = SyntheticInput::Rgb;
    s.reach = [](const ArrayMeta& in, const Params&) {  // per pixel
        return spec_parts::uniform_reach(static_cast<int>(in.shape.size()) - 1, 0);
    };
    return s;
}

SKB_REGISTER_OP_SPEC(rgb2gray_spec());

}  // namespace
}  // namespace skb
