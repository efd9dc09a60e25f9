// Every opt op gives bit-identical results for any thread count (tiles and stripes only decide who computes
// what), and agrees with ref at the tolerance table on inputs large enough to span many tiles, stripes and
// histogram blocks. Under the tsan preset this is also the ThreadSanitizer workout of the parallel paths.
#include <gtest/gtest.h>

#include <cstring>

#include "skb/golden.hpp"
#include "skb/registry.hpp"
#include "skb/synthetic.hpp"

namespace {

TEST(OptThreads, BitIdenticalAcrossThreadCountsAndCloseToRef) {
    const auto& registry = skb::Registry::instance();
    int checked = 0;
    for (const auto& id : registry.op_ids()) {
        if (!registry.find_impl(id, "opt")) continue;
        const skb::OpSpec& spec = registry.spec(id);
        for (const skb::Shape& spatial : {skb::Shape{300, 263}, skb::Shape{19, 70, 67}}) {
            skb::Shape shape = spatial;
            if (spec.channels > 0) shape.push_back(spec.channels);
            for (skb::DType dtype : spec.bench.dtypes) {
                const skb::Array input = skb::synthetic_image(spec.bench.input, dtype, shape, 7);
                const skb::PreparedOp opt(id, "opt", {dtype, shape}, spec.bench.params);
                const skb::Array one = opt.run(input, {1});
                const skb::Array three = opt.run(input, {3});
                const std::string what = id + " " + skb::shape_string(shape) + " " + std::string(skb::dtype_name(dtype));
                ASSERT_EQ(one.nbytes(), three.nbytes()) << what;
                EXPECT_EQ(std::memcmp(one.raw(), three.raw(), one.nbytes()), 0) << what << ": 1 vs 3 threads differ";
                const skb::Array ref = skb::run_op(id, "ref", input, spec.bench.params);
                const auto outcome = skb::golden::check_result(id, "opt", three, ref, opt.output().dtype);
                EXPECT_EQ(outcome.status, skb::golden::Status::Pass) << what << ": " << outcome.detail;
                ++checked;
            }
        }
    }
    EXPECT_GT(checked, 20);
}

}  // namespace
