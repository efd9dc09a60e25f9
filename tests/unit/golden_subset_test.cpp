// golden::stratified, the subset the sanitizer builds and the emulator's schedules run: every op x input dtype x
// rank x refused stratum of the manifest is in it, once, and it is a real subset.
#include <gtest/gtest.h>

#include <set>
#include <tuple>

#include "skb/golden.hpp"
#include "skb/npy.hpp"

namespace {

using Stratum = std::tuple<std::string, skb::DType, std::size_t, bool>;

Stratum stratum_of(const skb::golden::Case& c) { return {c.op, c.input_dtype, c.input_shape.size(), c.expect_error}; }

TEST(GoldenSubset, StratifiedCoversEveryOpDtypeRankAndRefusalOnce) {
    const auto manifest = skb::golden::load_manifest(SKB_GOLDEN_DIR);
    const auto subset = skb::golden::stratified(manifest.cases);
    std::set<Stratum> all, picked;
    for (const auto& c : manifest.cases) all.insert(stratum_of(c));
    for (const auto& c : subset) EXPECT_TRUE(picked.insert(stratum_of(c)).second) << c.id << " repeats a stratum";
    EXPECT_EQ(picked, all);
    EXPECT_LT(subset.size(), manifest.cases.size() / 2);
    // The manifest records each input's dtype and shape as the input file holds them.
    for (const auto& c : subset) {
        const skb::Array input = skb::npy::load(c.input);
        EXPECT_EQ(input.dtype(), c.input_dtype) << c.id;
        EXPECT_EQ(input.shape(), c.input_shape) << c.id;
    }
}

}  // namespace
