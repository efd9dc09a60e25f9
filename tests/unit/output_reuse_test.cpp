// out=: an op run with the caller's output buffer (RunOptions::output) writes its result there, bit-identical to a
// fresh result, and every opt op with an array result does so; a buffer of another dtype or shape is not used; a
// buffer overlapping an input is refused.
#include <gtest/gtest.h>

#include <cstring>

#include "skb/registry.hpp"
#include "skb/synthetic.hpp"
#include "opt_cases.hpp"

namespace {

TEST(OutputReuse, EveryOptOpWritesIntoTheCallersBufferBitIdentically) {
    int reused = 0;
    skb::testing::for_each_opt_case(5, [&](const skb::testing::OptCase& c) {
        // A scalar result, or a table whose rows the data decides: no buffer to give in advance.
        if (c.op.output().shape.empty() || skb::has_data_dependent_extent(c.op.output())) return;
        const skb::Array fresh = c.op.run(c.arrays.view(), {2});
        skb::Array buffer(c.op.output().dtype, c.op.output().shape);
        std::memset(buffer.raw(), 0xA5, buffer.nbytes());  // stale contents must not survive
        for (int call = 0; call < 2; ++call) {
            const skb::Array result = c.op.run(c.arrays.view(), skb::RunOptions{2, &buffer});
            EXPECT_TRUE(result.borrowed()) << c.what();
            EXPECT_EQ(result.raw(), buffer.raw()) << c.what() << ": not written into the buffer";
            EXPECT_EQ(std::memcmp(fresh.raw(), buffer.raw(), fresh.nbytes()), 0) << c.what() << ": differs from fresh";
        }
        ++reused;
    });
    EXPECT_GT(reused, 20);
}

TEST(OutputReuse, AMismatchedBufferIsNotUsed) {
    const skb::Array image = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::F32, {40, 30}, 1);
    skb::Array wrong_shape(skb::DType::F32, {30, 40});
    skb::Array wrong_dtype(skb::DType::F64, {40, 30});
    for (skb::Array* buffer : {&wrong_shape, &wrong_dtype}) {
        const skb::Array result = skb::run_op("filters.gaussian", "opt", image, {}, skb::RunOptions{1, buffer});
        EXPECT_FALSE(result.borrowed());
        EXPECT_NE(result.raw(), buffer->raw());
    }
}

TEST(OutputReuse, ABufferOverlappingAnInputIsRefused) {
    skb::Array image = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::F32, {40, 30}, 1);
    try {
        skb::run_op("filters.gaussian", "opt", image, {}, skb::RunOptions{1, &image});
        FAIL() << "expected skb::Error";
    } catch (const skb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("overlaps an input"), std::string::npos) << e.what();
    }
}

TEST(OutputReuse, ABorrowedArrayNeitherFreesNorAudits) {
    alignas(64) float storage[12] = {};
    {
        skb::Array view = skb::Array::borrow(storage, skb::DType::F32, {3, 4});
        EXPECT_TRUE(view.borrowed());
        view.data<float>()[5] = 2.5f;
    }  // destroyed: must not free the stack storage
    EXPECT_EQ(storage[5], 2.5f);
}

}  // namespace
