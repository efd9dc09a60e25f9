// skb::CaseKey: the one spelling of benchmark case names, groups and size series, read back by the gate and report.
#include <gtest/gtest.h>

#include "skb/case_key.hpp"
#include "skb/error.hpp"

namespace {

TEST(CaseKey, NamesRoundTripThroughParse) {
    const skb::CaseKey key{"morphology.erosion:footprint=cube:10", "opt", "100x256x256", "u8", 2};
    EXPECT_EQ(key.name(), "morphology.erosion:footprint=cube:10/opt/100x256x256/u8/threads:2");
    EXPECT_EQ(key.group(), "morphology.erosion:footprint=cube:10/100x256x256/u8");
    EXPECT_EQ(key.series(), "morphology.erosion:footprint=cube:10/opt/u8/threads:2/3d");
    const skb::CaseKey back = skb::CaseKey::parse(key.name());
    EXPECT_EQ(back.name(), key.name());
    EXPECT_EQ(back.workload, key.workload);
    EXPECT_EQ(back.threads, 2);
    EXPECT_EQ(skb::CaseKey::parse("filters.sobel/opencv/4096x4096/f32/threads:1").ndim(), 2);
}

TEST(CaseKey, SeriesSeparateRanks) {  // a size axis never mixes 2-D and 3-D shapes
    EXPECT_NE(skb::CaseKey::parse("filters.gaussian/opt/256x256/f32/threads:1").series(),
              skb::CaseKey::parse("filters.gaussian/opt/64x64x64/f32/threads:1").series());
}

TEST(CaseKey, RefusesOtherFormsNamingThem) {
    for (const char* bad : {"", "filters.gaussian", "filters.gaussian/opt/256x256/f32", "a/b/c/d/threads:0",
                            "a/b/c/d/threads:x", "/opt/256x256/f32/threads:1", "x/y/opt/256x256/f32/threads:1"}) {
        try {
            skb::CaseKey::parse(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const skb::Error& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
