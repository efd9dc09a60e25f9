// A benchmark case verifies its output against the ref backend before timing it: a planted wrong backend
// (test-only op "test.scale", registered only in this binary) must fail loudly, and a right one must time.
#include <gtest/gtest.h>

#include "skb/nd.hpp"
#include "suite.hpp"

namespace {

using skb::Array;

skb::OpSpec scale_spec() {
    skb::OpSpec s;
    s.id = "test.scale";
    s.summary = "test-only: img_as_float(x) * 2";
    s.input_dtypes = {skb::DType::U8, skb::DType::F32};
    s.output = [](const skb::ArrayMeta& in, const skb::Params&, skb::Precision p) {
        return skb::ArrayMeta{skb::float_output_dtype(in.dtype, p), in.shape};
    };
    s.bytes_per_element = [](const skb::ArrayMeta&, const skb::Params&, skb::Precision) { return 5.0; };
    s.flops_per_element = [](const skb::ArrayMeta&, const skb::Params&) { return 1.0; };
    return s;
}

template <class F> Array scale(const Array& input, F bias) {
    Array as_float = skb::to_float_array<F>(input);
    Array out(skb::dtype_of<F>, input.shape());
    for (std::int64_t i = 0; i < input.size(); ++i) out.data<F>()[i] = as_float.data<F>()[i] * F(2) + bias;
    return out;
}

SKB_REGISTER_OP_SPEC(scale_spec());
SKB_REGISTER_IMPL("test.scale", "ref", [](const Array& in, const skb::Params&, const skb::RunOptions&) {
    return skb::cast_array(scale<double>(in, 0.0), skb::float_output_dtype(in.dtype(), skb::Precision::F64));
});
// Planted fault: off by 0.01, far outside the float32 tolerance.
SKB_REGISTER_IMPL("test.scale", "opt", [](const Array& in, const skb::Params&, const skb::RunOptions&) {
    return scale<float>(in, 0.01f);
});

// Registers `cases` with Google Benchmark and runs those matching `filter` (0.01 s each).
std::vector<benchmark::BenchmarkReporter::Run> run_cases(const std::vector<skb::bench::Case>& cases,
                                                         const std::string& filter) {
    const char* argv[] = {"test", "--benchmark_min_time=0.01"};
    int argc = 2;
    benchmark::Initialize(&argc, const_cast<char**>(argv));
    skb::bench::register_benchmarks(cases);
    skb::bench::RunCollector collector;
    benchmark::RunSpecifiedBenchmarks(&collector, filter);
    return collector.take();
}

TEST(BenchVerification, WrongBackendFailsAndRightOneIsTimed) {
    auto cases = skb::bench::suite({true, 1});
    std::erase_if(cases, [](const skb::bench::Case& c) {
        return c.workload.name != "test.scale" || c.shape != skb::Shape{256, 256} || c.dtype != skb::DType::U8;
    });
    ASSERT_EQ(cases.size(), 2u) << "one ref and one opt case";
    const auto runs = run_cases(cases, "^test\\.scale/");
    ASSERT_EQ(runs.size(), 2u);
    for (const auto& run : runs) {
        if (run.benchmark_name().find("/opt/") != std::string::npos) {
            EXPECT_TRUE(run.error_occurred);
            EXPECT_NE(run.error_message.find("output differs from ref"), std::string::npos) << run.error_message;
        } else {
            EXPECT_FALSE(run.error_occurred) << run.error_message;
            EXPECT_GT(run.iterations, 0);
            EXPECT_EQ(run.counters.at("bytes_per_call").value, 256.0 * 256 * 5);
            EXPECT_GE(run.counters.at("f64_bytes").value, 256.0 * 256 * 8);
        }
    }
}

// A GPU case times both sides of the host-memory axis: the pageable loop (no pinned bytes copied) and the pinned
// pass (the input page-locked in place: every H2D byte of a call comes from pinned memory).
TEST(BenchVerification, GpuCaseTimesPageableAndPinnedInput) {
    auto cases = skb::bench::suite({true, 1, true});
    std::erase_if(cases, [](const skb::bench::Case& c) {
        return c.workload.name != "color.rgb2gray" || c.backend != "cuda-emu" || c.shape != skb::Shape{256, 256, 3} ||
               c.dtype != skb::DType::U8;
    });
    ASSERT_EQ(cases.size(), 1u);
    const auto runs = run_cases(cases, "^color\\.rgb2gray/cuda-emu/");
    ASSERT_EQ(runs.size(), 1u);
    const auto& run = runs.front();
    ASSERT_FALSE(run.error_occurred) << run.error_message;
    const double input_bytes = 256.0 * 256 * 3;
    EXPECT_EQ(run.counters.at("h2d_bytes").value, input_bytes);
    EXPECT_EQ(run.counters.at("h2d_pinned_bytes").value, 0.0);  // the pageable loop
    EXPECT_EQ(run.counters.at("pinned_h2d_bytes").value, input_bytes);
    EXPECT_GT(run.counters.at("pinned_ms").value, 0.0);
}

}  // namespace
