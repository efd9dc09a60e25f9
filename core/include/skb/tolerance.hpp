// The one tolerance table (op x backend precision x output dtype). Integral outputs are always compared exactly.
#pragma once
#include <string_view>

#include "skb/dtype.hpp"

namespace skb {

struct Tolerance {
    double atol = 0.0;
    double rtol = 0.0;
    bool exact() const { return atol == 0.0 && rtol == 0.0; }
    // NaN equals NaN; otherwise |actual - expected| <= atol + rtol * |expected|.
    bool accepts(double actual, double expected) const;
};

Tolerance tolerance(std::string_view op_id, std::string_view backend, DType output_dtype);

}  // namespace skb
