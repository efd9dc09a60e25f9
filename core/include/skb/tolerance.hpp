// The one tolerance table (op x backend precision x output dtype). Integral outputs are always compared exactly.
#pragma once
#include <string_view>

#include "skb/dtype.hpp"

namespace skb {

struct Tolerance {
    double atol = 0.0;
    double rtol = 0.0;
    // filters.hessian sets responses <= 0 to 1, so a response that rounds to 0 on one side and lands just above
    // it on the other differs by 1: a value in (0, replaced_below] against a 1 is accepted (0: no such rule).
    double replaced_below = 0.0;
    // Elements allowed outside the bounds above, as a fraction of the array (rounded down): pixels whose answer
    // is decided by rounding (the ridge filters' ratios of eigenvalues that are both within rounding of 0).
    double outlier_fraction = 0.0;
    // Added to atol, times the largest finite |expected| of the array: for errors that scale with the whole data
    // rather than with each element (eigenvalues: a backward-stable solver's error is eps times the matrix's
    // norm, so a small eigenvalue next to a large one has a large relative error).
    double of_largest = 0.0;
    bool exact() const { return atol == 0.0 && rtol == 0.0; }
    // NaN equals NaN; otherwise |actual - expected| <= atol + rtol * |expected| (or the replaced_below rule).
    bool accepts(double actual, double expected) const;
};

Tolerance tolerance(std::string_view op_id, std::string_view backend, DType output_dtype);

}  // namespace skb
