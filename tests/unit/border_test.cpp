// Border rules against the extension table of skimage-semantics.md, written out by hand for a b c d.
#include <gtest/gtest.h>

#include <string>

#include "skb/border.hpp"
#include "skb/error.hpp"

namespace {

using skb::BorderMode;

// The samples read for indices -8 .. 11 on the line "abcd", as letters ('k' = cval).
std::string extension(BorderMode mode, std::int64_t n = 4) {
    std::string s;
    for (std::int64_t i = -8; i < 12; ++i) {
        const std::int64_t k = skb::border_index(i, n, mode);
        s += k < 0 ? 'k' : static_cast<char>('a' + k);
    }
    return s;
}

TEST(Border, MatchesTheExtensionTable) {
    //                                       -8..-1   0..3  4..11
    EXPECT_EQ(extension(BorderMode::Reflect), "abcddcba" "abcd" "dcbaabcd");
    EXPECT_EQ(extension(BorderMode::Mirror), "cbabcdcb" "abcd" "cbabcdcb");
    EXPECT_EQ(extension(BorderMode::Nearest), "aaaaaaaa" "abcd" "dddddddd");
    EXPECT_EQ(extension(BorderMode::Wrap), "abcdabcd" "abcd" "abcdabcd");
    EXPECT_EQ(extension(BorderMode::Constant), "kkkkkkkk" "abcd" "kkkkkkkk");
}

TEST(Border, SingleSampleLines) {
    for (BorderMode m : {BorderMode::Reflect, BorderMode::Mirror, BorderMode::Nearest, BorderMode::Wrap})
        EXPECT_EQ(extension(m, 1), std::string(20, 'a')) << skb::border_mode_name(m);
}

TEST(Border, TwoSampleMirrorAlternates) { EXPECT_EQ(extension(BorderMode::Mirror, 2).substr(6, 6), "ababab"); }

TEST(Border, ParsesNamesAndRefusesOthers) {
    for (BorderMode m : {BorderMode::Reflect, BorderMode::Mirror, BorderMode::Nearest, BorderMode::Wrap,
                         BorderMode::Constant})
        EXPECT_EQ(skb::parse_border_mode(skb::border_mode_name(m)), m);
    try {
        skb::parse_border_mode("grid-wrap");
        FAIL();
    } catch (const skb::Error& e) {
        EXPECT_NE(std::string(e.what()).find("'grid-wrap'"), std::string::npos);
    }
}

}  // namespace
