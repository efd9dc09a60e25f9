// The tolerance table's comparison rules: atol + rtol, NaN against NaN, and filters.hessian's replaced responses.
#include <gtest/gtest.h>

#include <cmath>

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
