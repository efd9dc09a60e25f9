#include "skb/dtype.hpp"

namespace skb {

DType parse_dtype(std::string_view name) {
    for (int i = 0; i < kDTypeCount; ++i) {
        const auto t = static_cast<DType>(i);
        if (name == dtype_name(t) || name == dtype_tag(t)) return t;
    }
    throw Error("unknown dtype '" + std::string(name) +
                "' (expected bool, uint8, uint16, int32, int64, float32 or float64)");
}

}  // namespace skb
