// A chain of GPU ops keeps its data on the device: gaussian -> sobel -> threshold_otsu (and gaussian -> canny) through run_pipeline makes
// exactly one H2D (the image) and one D2H (the threshold), and answers what the same steps give one by one (each
// through the host) and what ref gives. A wired pipeline too: the coins graph (Otsu's t bound on the device as
// numpy.greater's x2, a step reading the pipeline's input) up to regionprops_table's host table.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "skb/golden.hpp"
#include "skb/registry.hpp"
#include "skb/synthetic.hpp"
#include "skb/transfer_stats.hpp"

namespace {

using Chain = std::vector<std::pair<std::string, skb::ParamTexts>>;

std::vector<skb::PreparedOp> chain_steps(const std::string& backend, const skb::Array& input, const Chain& chain) {
    std::vector<skb::PreparedOp> steps;
    skb::ArrayMeta meta{input.dtype(), input.shape()};
    for (const auto& [op, params] : chain) {
        steps.emplace_back(op, backend, meta, params);
        meta = steps.back().output();
    }
    return steps;
}

std::vector<skb::PreparedOp> gaussian_sobel_otsu(const std::string& backend, const skb::Array& input) {
    return chain_steps(backend, input,
                       {{"filters.gaussian", {{"sigma", "1.5"}}}, {"filters.sobel", {}}, {"filters.threshold_otsu", {}}});
}

TEST(GpuPipeline, GaussianSobelOtsuStaysOnTheDevice) {
    for (const skb::Shape& shape : {skb::Shape{96, 130}, skb::Shape{9, 40, 33}}) {
        const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::U8, shape, 5);
        const auto steps = gaussian_sobel_otsu("cuda-emu", input);

        skb::gpu::reset_transfer_stats();
        const skb::Array chained = skb::run_pipeline(steps, input);
        const skb::gpu::TransferStats traffic = skb::gpu::transfer_stats();
        EXPECT_EQ(traffic.h2d_calls, 1) << skb::shape_string(shape);
        EXPECT_EQ(traffic.d2h_calls, 1) << skb::shape_string(shape);
        EXPECT_EQ(traffic.h2d_bytes, input.nbytes());
        EXPECT_EQ(traffic.d2h_bytes, static_cast<std::int64_t>(chained.nbytes()));

        // The same steps one at a time, each through the host: three round trips, the same threshold.
        skb::gpu::reset_transfer_stats();
        skb::Array stepwise = steps[0].run(input);
        for (std::size_t i = 1; i < steps.size(); ++i) stepwise = steps[i].run(stepwise);
        EXPECT_EQ(skb::gpu::transfer_stats().h2d_calls, 3);
        ASSERT_EQ(chained.dtype(), stepwise.dtype());
        EXPECT_EQ(chained.values<float>()[0], stepwise.values<float>()[0]);

        const skb::Array ref = skb::run_pipeline(gaussian_sobel_otsu("ref", input), input);
        const auto outcome = skb::golden::check_result("filters.threshold_otsu", "cuda-emu", chained, ref, chained.dtype());
        EXPECT_EQ(outcome.status, skb::golden::Status::Pass) << skb::shape_string(shape) << ": " << outcome.detail;
    }
}

// gaussian -> canny (the quantile thresholds selected on the device too): one H2D, one D2H of the edges, the same
// edges as the steps one by one, and exactly ref's canny of the same smoothed image (canny is exact in every backend).
TEST(GpuPipeline, GaussianCannyStaysOnTheDevice) {
    const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::U8, {72, 61}, 8);
    for (const skb::ParamTexts& canny : {skb::ParamTexts{{"sigma", "1.5"}},
                                         skb::ParamTexts{{"use_quantiles", "true"}, {"low_threshold", "0.6"},
                                                         {"high_threshold", "0.85"}, {"mode", "reflect"}}}) {
        const Chain chain = {{"filters.gaussian", {{"sigma", "1.0"}}}, {"feature.canny", canny}};
        const auto steps = chain_steps("cuda-emu", input, chain);
        skb::gpu::reset_transfer_stats();
        const skb::Array chained = skb::run_pipeline(steps, input);
        const skb::gpu::TransferStats traffic = skb::gpu::transfer_stats();
        EXPECT_EQ(traffic.h2d_calls, 1);
        EXPECT_EQ(traffic.d2h_calls, 1);
        EXPECT_EQ(traffic.d2h_bytes, static_cast<std::int64_t>(chained.nbytes()));

        const skb::Array smoothed = steps[0].run(input);
        const skb::Array stepwise = steps[1].run(smoothed);
        const skb::Array ref = skb::PreparedOp("feature.canny", "ref", skb::ArrayMeta{smoothed.dtype(), smoothed.shape()}, canny)
                                   .run(smoothed);
        const auto edges = chained.values<bool>();
        EXPECT_GT(std::count(edges.begin(), edges.end(), true), 20);
        EXPECT_TRUE(std::ranges::equal(edges, stepwise.values<bool>()));
        EXPECT_TRUE(std::ranges::equal(edges, ref.values<bool>()));
    }
}

// The seed's coins graph: threshold_otsu, image > t (reads the pipeline's input, x2 bound to step 0), closing,
// clear_border, label, regionprops_table.
struct CoinsGraph {
    std::vector<skb::PreparedOp> steps;
    std::vector<skb::StepWiring> wiring;
};

CoinsGraph coins_graph(const std::string& backend, const skb::Array& input) {
    CoinsGraph g;
    const skb::ArrayMeta image{input.dtype(), input.shape()};
    g.steps.emplace_back("filters.threshold_otsu", backend, image, skb::ParamTexts{});
    g.steps.emplace_back("numpy.greater", backend, image, skb::ParamTexts{{"x2", "0"}});
    const std::vector<std::pair<std::string, skb::ParamTexts>> rest = {
        {"morphology.binary_closing", {{"footprint", "square:3"}}},
        {"segmentation.clear_border", {}},
        {"measure.label", {}},
        {"measure.regionprops_table", {{"properties", "label,area,bbox,centroid"}}}};
    for (const auto& [op, params] : rest) g.steps.emplace_back(op, backend, g.steps.back().output(), params);
    g.wiring.resize(g.steps.size());
    g.wiring[1].image = skb::StepWiring::kPipelineInput;
    g.wiring[1].bound = {{"x2", 0}};
    return g;
}

TEST(GpuPipeline, CoinsGraphStaysOnTheDeviceUpToItsTable) {
    const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Blobs, skb::DType::U8, {150, 170}, 4);
    const CoinsGraph gpu = coins_graph("cuda-emu", input);
    skb::gpu::reset_transfer_stats();
    const skb::Array table = skb::run_pipeline(gpu.steps, gpu.wiring, skb::OpInputs(input));
    const skb::gpu::TransferStats traffic = skb::gpu::transfer_stats();
    // Up: the image once. Down: regionprops' largest label (8 bytes, the table's length) and its counters; the
    // threshold never leaves the device.
    EXPECT_EQ(traffic.h2d_calls, 1);
    EXPECT_EQ(traffic.h2d_bytes, input.nbytes());
    EXPECT_EQ(traffic.d2h_calls, 2);
    ASSERT_GT(table.shape()[1], 3) << "the image must give regions away from the border";

    const CoinsGraph ref = coins_graph("ref", input);
    const skb::Array expected = skb::run_pipeline(ref.steps, ref.wiring, skb::OpInputs(input));
    ASSERT_EQ(table.shape(), expected.shape());
    const auto outcome =
        skb::golden::check_result("measure.regionprops_table", "cuda-emu", table, expected, table.dtype());
    EXPECT_EQ(outcome.status, skb::golden::Status::Pass) << outcome.detail;
}

// The tomography graph (bench's seed.tomography, with a 3-cube erosion to keep it small): steps reading the
// pipeline's input or an earlier step, numpy.extract's condition and regionprops' intensity image from earlier
// steps, two bound thresholds. On cuda-emu only scalars leave the device before the table: checks and the lengths
// that size results.
CoinsGraph tomography_graph(const std::string& backend, const skb::Array& input) {
    CoinsGraph g;
    const skb::ArrayMeta image{input.dtype(), input.shape()};
    g.wiring.resize(10);
    const auto add = [&](const char* op, skb::InputMetas metas, skb::ParamTexts params) {
        g.steps.emplace_back(op, backend, metas, params);
    };
    const auto out = [&](std::size_t k) { return g.steps.at(k).output(); };
    add("filters.threshold_otsu", image, {});
    add("numpy.greater", image, {{"x2", "0"}});
    add("filters.median", image, {{"footprint", "cube:3"}});
    skb::InputMetas masked(out(2));
    masked.extras.emplace("condition", out(1));
    add("numpy.extract", masked, {});
    add("filters.threshold_otsu", out(3), {});
    add("numpy.greater", out(2), {{"x2", "0"}});
    add("ndimage.binary_fill_holes", out(1), {});
    add("morphology.binary_erosion", out(6), {{"footprint", "cube:3"}});
    add("measure.label", out(7), {});
    skb::InputMetas labelled(out(8));
    labelled.extras.emplace("intensity_image", out(5));
    add("measure.regionprops_table", labelled, {{"properties", "label,area,intensity_mean"}});
    g.wiring[1] = {.image = skb::StepWiring::kPipelineInput, .extras = {}, .bound = {{"x2", 0}}};
    g.wiring[2].image = skb::StepWiring::kPipelineInput;
    g.wiring[3].extras = {{"condition", 1}};
    g.wiring[5] = {.image = 2, .extras = {}, .bound = {{"x2", 4}}};
    g.wiring[6].image = 1;
    g.wiring[9].extras = {{"intensity_image", 5}};
    return g;
}

TEST(GpuPipeline, TomographyGraphStaysOnTheDevice) {
    const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Blobs, skb::DType::F32, {10, 26, 23}, 6);
    const CoinsGraph gpu = tomography_graph("cuda-emu", input);
    skb::gpu::reset_transfer_stats();
    const skb::Array table = skb::run_pipeline(gpu.steps, gpu.wiring, skb::OpInputs(input));
    const skb::gpu::TransferStats traffic = skb::gpu::transfer_stats();
    EXPECT_EQ(traffic.h2d_calls, 1);
    EXPECT_EQ(traffic.h2d_bytes, input.nbytes());
    // Down: the two thresholds' and the median's checks (a float image could hold a NaN: 4 bytes each),
    // numpy.extract's length, then regionprops' largest label, its intensity sums and keys and its counters (per
    // region). Never a volume (before the median's flag, its whole result came down as a check).
    EXPECT_EQ(traffic.d2h_calls, 8);
    EXPECT_LT(traffic.d2h_bytes, input.nbytes() / 4);
    ASSERT_GT(table.shape()[1], 1) << "the volume must leave cores after the erosion";

    const CoinsGraph ref = tomography_graph("ref", input);
    const skb::Array expected = skb::run_pipeline(ref.steps, ref.wiring, skb::OpInputs(input));
    ASSERT_EQ(table.shape(), expected.shape());
    const auto outcome =
        skb::golden::check_result("measure.regionprops_table", "cuda-emu", table, expected, table.dtype());
    EXPECT_EQ(outcome.status, skb::golden::Status::Pass) << outcome.detail;
}

TEST(GpuPipeline, AFloatImageWithANaNIsRefusedThoughItsThresholdStaysOnTheDevice) {
    // threshold_otsu's NaN check runs when its result is downloaded; bound on the device it is downloaded at the
    // end, so the pipeline still names the element rather than answering an empty table.
    skb::Array input = skb::synthetic_image(skb::SyntheticInput::Blobs, skb::DType::F32, {40, 60}, 4);
    input.values<float>()[123] = std::numeric_limits<float>::quiet_NaN();
    const CoinsGraph gpu = coins_graph("cuda-emu", input);
    try {
        skb::run_pipeline(gpu.steps, gpu.wiring, skb::OpInputs(input));
        FAIL() << "a NaN input must be refused";
    } catch (const skb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("flat index 123"), std::string::npos) << e.what();
    }
}

TEST(GpuPipeline, AChainWithAnOpWithoutADeviceEntryRunsStepByStep) {
    // rgb2gray has a host entry only: the chain still runs, through the host between its steps.
    const skb::Array input = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::U8, {40, 50, 3}, 2);
    std::vector<skb::PreparedOp> steps;
    steps.emplace_back("color.rgb2gray", "cuda-emu", skb::ArrayMeta{input.dtype(), input.shape()}, skb::ParamTexts{});
    steps.emplace_back("filters.sobel", "cuda-emu", steps.back().output(), skb::ParamTexts{});
    skb::gpu::reset_transfer_stats();
    const skb::Array out = skb::run_pipeline(steps, input);
    EXPECT_EQ(skb::gpu::transfer_stats().h2d_calls, 2);
    EXPECT_EQ(out.shape(), (skb::Shape{40, 50}));
}

TEST(GpuPipeline, NonFiniteInputStillNamesTheElement) {
    skb::Array input = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::F32, {20, 30}, 3);
    input.values<float>()[77] = std::numeric_limits<float>::quiet_NaN();
    try {
        skb::run_op("filters.threshold_otsu", "cuda-emu", input, {});
        FAIL() << "a NaN input must be refused";
    } catch (const skb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("flat index 77"), std::string::npos) << e.what();
    }
}

}  // namespace
