// The tolerance table's comparison rules: atol + rtol, NaN against NaN, and filters.hessian's replaced responses.
#include <gtest/gtest.h>

#include <cmath>

#include "skb/golden.hpp"
#include "skb/registry.hpp"
#include "skb/tolerance.hpp"

TEST(Tolerance, AbsoluteAndRelativeBoundsAndNaN) {
    const skb::Tolerance t{1e-6, 1e-3};
    EXPECT_TRUE(t.accepts(1.0005, 1.0));
    EXPECT_FALSE(t.accepts(1.002, 1.0));
    EXPECT_TRUE(t.accepts(5e-7, 0.0));
    EXPECT_FALSE(t.accepts(2e-6, 0.0));
    EXPECT_TRUE(t.accepts(std::nan(""), std::nan("")));
    EXPECT_FALSE(t.accepts(0.0, std::nan("")));
    EXPECT_FALSE(t.accepts(std::nan(""), 0.0));
}

// filters.hessian sets responses <= 0 to 1: a response just above 0 against a 1 is the same answer, anything
// larger is not, and other ops never get the rule.
TEST(Tolerance, HessianReplacedResponsesOnlyNearZero) {
    const skb::Tolerance f32 = skb::tolerance("filters.hessian", "ref", skb::DType::F32);
    EXPECT_TRUE(f32.accepts(3e-8, 1.0));
    EXPECT_TRUE(f32.accepts(1.0, 3e-8));
    EXPECT_FALSE(f32.accepts(1e-6, 1.0));
    EXPECT_FALSE(f32.accepts(0.0, 1.0));    // 0 is replaced too: a 0 left in the output is wrong
    EXPECT_FALSE(f32.accepts(-1e-9, 1.0));
    const skb::Tolerance f64 = skb::tolerance("filters.hessian", "ref", skb::DType::F64);
    EXPECT_TRUE(f64.accepts(1e-16, 1.0));
    EXPECT_FALSE(f64.accepts(3e-8, 1.0));
    EXPECT_FALSE(skb::tolerance("filters.frangi", "ref", skb::DType::F32).accepts(3e-8, 1.0));
}

// hessian_matrix_eigvals' errors are bounded relative to the array's largest value too: a small eigenvalue next to
// a large one may miss its own relative bound by the solver's eps times the largest, and no more; NaN and
// infinities do not set the scale.
TEST(Tolerance, EigenvalueErrorsScaleWithTheLargestValue) {
    const skb::Tolerance t = skb::tolerance("feature.hessian_matrix_eigvals", "opt", skb::DType::F32);
    EXPECT_GT(t.of_largest, 0.0);
    skb::Array expected(skb::DType::F64, {4}), actual(skb::DType::F64, {4});
    const double want[4] = {1e6, 1e-3, -2.0, std::nan("")};
    for (int i = 0; i < 4; ++i) expected.data<double>()[i] = actual.data<double>()[i] = want[i];
    actual.data<double>()[1] = 1e-3 + 0.3;  // 3e-7 of the largest: within 5e-7 of it
    EXPECT_TRUE(skb::golden::compare(actual, expected, t).ok);
    actual.data<double>()[1] = 1e-3 + 0.7;  // 7e-7 of the largest
    EXPECT_FALSE(skb::golden::compare(actual, expected, t).ok);
    expected.data<double>()[0] = actual.data<double>()[0] = INFINITY;  // the largest finite is now 2
    actual.data<double>()[1] = 1e-3 + 0.3;
    EXPECT_FALSE(skb::golden::compare(actual, expected, t).ok);
    EXPECT_EQ(skb::tolerance("filters.frangi", "opt", skb::DType::F32).of_largest, 0.0);
}
