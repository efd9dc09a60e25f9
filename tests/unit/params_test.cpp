// Parameter parsing and validation (CLI syntax), footprints, and the error messages that name the bad value.
#include <gtest/gtest.h>

#include <algorithm>

#include "skb/params.hpp"
#include "skb/registry.hpp"

namespace {

using skb::ParamKind;
using skb::ParamSpec;

const std::vector<ParamSpec>& specs() {
    static const std::vector<ParamSpec> s = {
        {"sigma", ParamKind::FloatList, "1.0", "", {}, 0.0},
        {"cval", ParamKind::Float, "0", "", {}, {}},
        {"nbins", ParamKind::Int, "256", "", {}, 2.0},
        {"axis", ParamKind::Int, "", "", {}, {}},
        {"preserve_range", ParamKind::Bool, "false", "", {}, {}},
        {"mode", ParamKind::Choice, "reflect", "", {"reflect", "wrap"}, {}},
        {"footprint", ParamKind::Footprint, "", "", {}, {}},
    };
    return s;
}

std::string error_of(const skb::ParamTexts& given) {
    try {
        skb::Params::parse("op.test", specs(), given);
    } catch (const skb::Error& e) {
        return e.what();
    }
    return "(accepted)";
}

TEST(Params, DefaultsAndGivenValues) {
    const auto p = skb::Params::parse("op.test", specs(), {{"sigma", "0.6,3.2"}, {"preserve_range", "true"}});
    EXPECT_EQ(p.reals("sigma"), (std::vector<double>{0.6, 3.2}));
    EXPECT_EQ(p.real("cval"), 0.0);
    EXPECT_EQ(p.integer("nbins"), 256);
    EXPECT_TRUE(p.is_none("axis"));
    EXPECT_FALSE(p.optional_integer("axis").has_value());
    EXPECT_TRUE(p.flag("preserve_range"));
    EXPECT_EQ(p.choice("mode"), "reflect");
    EXPECT_EQ(p.footprint("footprint"), nullptr);
    EXPECT_EQ(skb::Params::parse("op.test", specs(), {{"sigma", "2"}}).reals("sigma"), std::vector<double>{2.0});
    EXPECT_TRUE(skb::Params::parse("op.test", specs(), {{"axis", "None"}}).is_none("axis"));
}

TEST(Params, ErrorsNameTheBadValue) {
    EXPECT_EQ(error_of({{"sigma", "-1"}}), "op.test: parameter sigma=-1 must be >= 0");
    EXPECT_NE(error_of({{"sigma", "1,abc"}}).find("sigma=abc is not a number"), std::string::npos);
    EXPECT_NE(error_of({{"sigma", "nan"}}).find("sigma=nan"), std::string::npos);
    EXPECT_NE(error_of({{"sigma", "inf"}}).find("must be finite"), std::string::npos);
    EXPECT_NE(error_of({{"nbins", "1"}}).find("nbins=1 must be >= 2"), std::string::npos);
    EXPECT_NE(error_of({{"nbins", "2.5"}}).find("nbins=2.5 is not an integer"), std::string::npos);
    EXPECT_NE(error_of({{"preserve_range", "yes"}}).find("preserve_range=yes is not a boolean"), std::string::npos);
    EXPECT_NE(error_of({{"mode", "grid"}}).find("mode=grid is not one of reflect, wrap"), std::string::npos);
    EXPECT_NE(error_of({{"sigmaa", "1"}}).find("unknown parameter 'sigmaa'"), std::string::npos);
    EXPECT_NE(error_of({{"footprint", "disk:-1"}}).find("disk:-1"), std::string::npos);
    EXPECT_NE(error_of({{"sigma", "None"}}).find("sigma=None is not a number"), std::string::npos);
    EXPECT_NE(error_of({{"sigma", ""}}).find("sigma= is not a number"), std::string::npos);
}

TEST(Params, SplitsNameValueText) {
    EXPECT_EQ(skb::split_param_text("sigma=0.6,3.2"), (std::pair<std::string, std::string>{"sigma", "0.6,3.2"}));
    EXPECT_EQ(skb::split_param_text("cval=-1=x").second, "-1=x");
    EXPECT_THROW(skb::split_param_text("sigma"), skb::Error);
    EXPECT_THROW(skb::split_param_text("=1"), skb::Error);
}

std::size_t count(const skb::Footprint& f) { return static_cast<std::size_t>(std::count(f.mask.begin(), f.mask.end(), 1)); }

TEST(Footprint, Constructors) {
    EXPECT_EQ(skb::Footprint::parse("square:4").shape, (skb::Shape{4, 4}));
    EXPECT_EQ(skb::Footprint::parse("rectangle:2x3x4").shape, (skb::Shape{2, 3, 4}));
    EXPECT_EQ(skb::Footprint::parse("cube:3").shape, (skb::Shape{3, 3, 3}));
    EXPECT_EQ(count(skb::Footprint::parse("disk:1")), 5u);
    EXPECT_EQ(count(skb::Footprint::parse("disk:2")), 13u);
    EXPECT_EQ(count(skb::Footprint::parse("disk:0")), 1u);
    EXPECT_EQ(count(skb::Footprint::parse("ball:1")), 7u);
    EXPECT_EQ(count(skb::Footprint::parse("ball:2")), 33u);
    EXPECT_EQ(skb::Footprint::parse("disk:1").mask, skb::Footprint::cross(2).mask);
    EXPECT_EQ(count(skb::Footprint::cross(3)), 7u);
    EXPECT_EQ(skb::Footprint::parse("array:3x3:010111010").mask, skb::Footprint::cross(2).mask);
    EXPECT_EQ(skb::Footprint::parse("array:2x1x3:100001").shape, (skb::Shape{2, 1, 3}));
    EXPECT_EQ(count(skb::Footprint::parse("array:2x1x3:100001")), 2u);
}

TEST(Footprint, ReachIsHalfTheExtentPerPass) {
    const skb::OpSpec& erosion = skb::Registry::instance().spec("morphology.erosion");
    const skb::OpSpec& opening = skb::Registry::instance().spec("morphology.opening");
    const skb::ArrayMeta image{skb::DType::U8, {40, 50}};
    const auto footprint = skb::Params::parse(erosion.id, erosion.params, {{"footprint", "rectangle:4x7"}});
    EXPECT_EQ(*erosion.reach(image, footprint), (std::vector<std::int64_t>{2, 3}));  // either even-size centring
    EXPECT_EQ(*opening.reach(image, footprint), (std::vector<std::int64_t>{4, 6}));  // two passes
    EXPECT_EQ(*erosion.reach(image, skb::Params::parse(erosion.id, erosion.params, {})),
              (std::vector<std::int64_t>{1, 1}));  // the default cross
    const skb::OpSpec& gaussian = skb::Registry::instance().spec("filters.gaussian");
    EXPECT_EQ(*gaussian.reach(skb::ArrayMeta{skb::DType::F32, {9, 9, 9}},
                              skb::Params::parse(gaussian.id, gaussian.params, {{"sigma", "1,2,0.5"}})),
              (std::vector<std::int64_t>{4, 8, 2}));  // SciPy's int(4 * sigma + 0.5)
    const skb::OpSpec& frangi = skb::Registry::instance().spec("filters.frangi");
    EXPECT_FALSE(frangi.reach(image, skb::Params::parse(frangi.id, frangi.params, {})));  // gamma from the image
    EXPECT_TRUE(frangi.reach(image, skb::Params::parse(frangi.id, frangi.params, {{"gamma", "15"}})));
    EXPECT_FALSE(skb::Registry::instance().spec("measure.label").reach);
}

TEST(Footprint, EvenSizesCentreByRule) {
    const auto f = skb::Footprint::parse("rectangle:1x4");
    const auto front = f.offsets(skb::EvenCentre::Front), end = f.offsets(skb::EvenCentre::End);
    EXPECT_EQ(front.front()[1], -1);  // centre (n-1)/2 = 1: offsets -1..2
    EXPECT_EQ(front.back()[1], 2);
    EXPECT_EQ(end.front()[1], -2);  // centre n/2 = 2: offsets -2..1
    EXPECT_EQ(end.back()[1], 1);
    EXPECT_EQ(skb::mirrored(front).back()[1], -2);
}

TEST(Footprint, RefusesBadText) {
    for (const char* bad : {"disk", "disk:", "disk:x", "square:0", "rectangle:3", "rectangle:1x2x3x4", "hexagon:3",
                            "square:5000", "square:3.5", "array:3x3", "array:3x3:0101", "array:2x2:01a1",
                            "array:1x1x1x1:1", "array:0x2:"}) {
        try {
            skb::Footprint::parse(bad);
            ADD_FAILURE() << bad << " was accepted";
        } catch (const skb::Error& e) {
            EXPECT_NE(std::string(e.what()).find(std::string(bad).substr(0, 4)), std::string::npos) << e.what();
        }
    }
}

}  // namespace
