// Reference numpy.extract: arr's elements where condition is True, in C order.
#include <vector>

#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array extract(const OpInputs& inputs, const Params&, const RunOptions&) {
    const Array& arr = inputs.image();
    const bool* condition = inputs.extra("condition")->data<bool>();
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < arr.size(); ++i) count += condition[i] ? 1 : 0;
    Array result(arr.dtype(), Shape{count});
    visit_dtype<kImageDTypes>(arr.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = arr.data<T>();
        T* out = result.data<T>();
        for (std::int64_t i = 0; i < arr.size(); ++i)
            if (condition[i]) *out++ = in[i];
    });
    return result;
}

SKB_REGISTER_IMPL("numpy.extract", "ref", extract);

}  // namespace
}  // namespace skb::reference
