// Reference numpy.greater: each element compared with x2 as NumPy does (float32 images against x2 rounded to
// float32, every other dtype in float64).
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array greater(const Array& image, const Params& params, const RunOptions&) {
    const double x2 = params.real("x2");
    Array result(DType::Bool, image.shape());
    bool* out = result.data<bool>();
    visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = image.data<T>();
        for (std::int64_t i = 0; i < image.size(); ++i) {
            if constexpr (std::is_same_v<T, float>) out[i] = in[i] > static_cast<float>(x2);
            else out[i] = static_cast<double>(in[i]) > x2;
        }
    });
    return result;
}

SKB_REGISTER_IMPL("numpy.greater", "ref", greater);

}  // namespace
}  // namespace skb::reference
