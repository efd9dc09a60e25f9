// Fused steps (core's FusedStepsImpl): a backend's one-pass form of two consecutive pipeline steps must give what
// the two steps give one by one, bit for bit. opt's label -> regionprops_table on blob, multi-level and noise
// images, 2-D and 3-D, every connectivity, 1 and 2 threads (several stripes, so components cross stripes), and
// shapes where label renumbers in another scan order (the fused form declines; the result is still equal).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "skb/registry.hpp"
#include "skb/synthetic.hpp"

namespace {

// Quantises a smooth field to `levels` values (0 is background): components of equal values touching each other.
skb::Array levels_image(const skb::Shape& shape, int levels, std::uint64_t seed) {
    const skb::Array smooth = skb::synthetic_image(skb::SyntheticInput::Smooth, skb::DType::U8, shape, seed);
    skb::Array out(skb::DType::U8, shape);
    for (std::int64_t i = 0; i < out.size(); ++i)
        out.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(smooth.data<std::uint8_t>()[i] * levels / 256);
    return out;
}

skb::Array noise_image(const skb::Shape& shape, std::uint64_t seed) {  // many single-pixel components
    skb::Array out(skb::DType::Bool, shape);
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (std::int64_t i = 0; i < out.size(); ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        out.data<bool>()[i] = (x >> 60) < 6;  // ~37% foreground
    }
    return out;
}

void expect_fused_equals_steps(const skb::Array& image, const skb::ParamTexts& label_params, int threads,
                               const std::string& what, bool fuses = true) {
    const std::string all = "label,area,bbox,centroid,area_bbox,extent,equivalent_diameter_area,"
                            "inertia_tensor_eigvals,axis_major_length,axis_minor_length";
    const std::string properties = image.ndim() == 2 ? all + ",eccentricity,orientation" : all;
    const skb::RunOptions options{threads};
    const skb::Array labels = skb::run_op("measure.label", "opt", image, label_params, options);
    const skb::Array expected =
        skb::run_op("measure.regionprops_table", "opt", labels, {{"properties", properties}}, options);
    std::vector<skb::PreparedOp> steps;
    steps.emplace_back("measure.label", "opt", skb::InputMetas(skb::OpInputs(image)), label_params);
    steps.emplace_back("measure.regionprops_table", "opt", skb::InputMetas(steps[0].output()),
                       skb::ParamTexts{{"properties", properties}});
    // The fused form itself (declining only where it says it does), and the pipeline that picks it.
    EXPECT_EQ(skb::run_fused_steps(steps[0], steps[1], skb::OpInputs(image), options).has_value(), fuses) << what;
    const skb::Array fused = skb::run_pipeline(steps, image, options);
    ASSERT_EQ(fused.shape(), expected.shape()) << what;
    EXPECT_EQ(std::memcmp(fused.raw(), expected.raw(), fused.nbytes()), 0) << what;
}

TEST(FusedSteps, OptLabelThenRegionpropsEqualsTheTwoSteps) {
    ASSERT_NE(skb::Registry::instance().find_fused_steps("measure.label", "measure.regionprops_table", "opt"), nullptr);
    for (int threads : {1, 2}) {
        for (const skb::Shape& shape : {skb::Shape{97, 131}, skb::Shape{300, 64}, skb::Shape{13, 29, 31}}) {
            const int ndim = static_cast<int>(shape.size());
            for (int connectivity = 1; connectivity <= ndim; ++connectivity) {
                const skb::ParamTexts params{{"connectivity", std::to_string(connectivity)}};
                const std::string where = skb::shape_string(shape) + " connectivity " + std::to_string(connectivity) +
                                          " threads " + std::to_string(threads);
                expect_fused_equals_steps(skb::synthetic_image(skb::SyntheticInput::Blobs, skb::DType::Bool, shape, 3),
                                          params, threads, "blobs " + where);
                expect_fused_equals_steps(levels_image(shape, 4, 5), params, threads, "levels " + where);
                expect_fused_equals_steps(noise_image(shape, 7), params, threads, "noise " + where);
            }
        }
    }
    // An axis of 1 after a longer one: label scans another order there (uint8); and bool with background 1.
    expect_fused_equals_steps(levels_image({40, 1, 50}, 3, 9), {}, 2, "levels 40x1x50 (renumbered scan)", false);
    expect_fused_equals_steps(noise_image({64, 80}, 11), {{"background", "1"}}, 2, "noise, background 1");
}

}  // namespace
