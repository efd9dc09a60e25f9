// gpu/morphology on footprints no golden case reaches: more runs than one launch's table holds (ball:8), a reach
// whose tile exceeds the shared-memory budget (disk:60 in float64: one launch per band of rows), runs wider
// than any tile (split along x), long box edges: cuda-emu must still equal ref exactly, every chunk folding
// into the output of the ones before it.
#include <gtest/gtest.h>

#include "skb/golden.hpp"
#include "skb/registry.hpp"
#include "skb/synthetic.hpp"

namespace {

TEST(GpuMorphology, ChunkedFootprintsMatchRef) {
    struct Case {
        std::string op;
        skb::Shape shape;
        skb::DType dtype;
        std::string footprint, mode;
    };
    const std::vector<Case> cases = {
        {"morphology.erosion", {12, 900}, skb::DType::F64, "rectangle:1x1001", "reflect"},
        {"morphology.closing", {3, 5, 800}, skb::DType::F64, "rectangle:3x1x777", "constant"},
        {"morphology.dilation", {70, 40}, skb::DType::F64, "disk:60", "wrap"},
        {"morphology.opening", {150, 20}, skb::DType::U16, "rectangle:120x3", "mirror"},
        {"morphology.dilation", {13, 11, 9}, skb::DType::U8, "ball:8", "reflect"},
        {"morphology.binary_closing", {11, 12, 13}, skb::DType::U16, "ball:9", "min"},
        {"morphology.binary_opening", {60, 50}, skb::DType::F32, "disk:25", "max"},
    };
    for (const auto& c : cases) {
        const bool binary = c.op.find("binary") != std::string::npos;
        const auto kind = binary ? skb::SyntheticInput::Blobs : skb::SyntheticInput::Smooth;
        const skb::Array input = skb::synthetic_image(kind, c.dtype, c.shape, 11);
        const skb::ParamTexts params = {{"footprint", c.footprint}, {"mode", c.mode}};
        const skb::Array ref = skb::run_op(c.op, "ref", input, params);
        const skb::Array gpu = skb::run_op(c.op, "cuda-emu", input, params);
        const auto outcome = skb::golden::check_result(c.op, "cuda-emu", gpu, ref, ref.dtype());
        EXPECT_EQ(outcome.status, skb::golden::Status::Pass)
            << c.op << " " << skb::shape_string(c.shape) << " " << c.footprint << " mode=" << c.mode << ": "
            << outcome.detail;
    }
}

}  // namespace
