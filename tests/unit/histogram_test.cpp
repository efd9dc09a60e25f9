// The opt backend's histograms against plain counting: exact counts for every size (tails shorter than a word,
// blocks of any length) and thread count.
#include <gtest/gtest.h>

#include "filters/histogram.hpp"

namespace {

std::vector<std::uint8_t> pseudo_random_bytes(std::int64_t n, std::uint64_t seed, bool smooth) {
    std::vector<std::uint8_t> v(static_cast<std::size_t>(n));
    std::uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    std::uint8_t level = 0;
    for (auto& b : v) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        level = smooth ? static_cast<std::uint8_t>(level + (s % 3) - 1) : static_cast<std::uint8_t>(s);
        b = level;
    }
    return v;
}

std::vector<std::int64_t> plain_counts(const std::vector<std::uint8_t>& v) {
    std::vector<std::int64_t> counts(256);
    for (std::uint8_t b : v) ++counts[b];
    return counts;
}

TEST(Histogram, BytePairCountsEqualPlainCounts) {
    for (std::int64_t n : {0, 1, 7, 8, 9, 1000, (1 << 20) + 3, 3 * (1 << 20) + 13}) {
        for (bool smooth : {false, true}) {
            const auto v = pseudo_random_bytes(n, static_cast<std::uint64_t>(n) + smooth, smooth);
            for (int threads : {1, 2, 3}) {
                const auto counts = skb::opt::byte_pair_histogram(v.data(), n, {threads});
                EXPECT_EQ(counts, plain_counts(v)) << "n=" << n << " smooth=" << smooth << " threads=" << threads;
            }
        }
    }
}

TEST(Histogram, ByteTableCountsEqualPlainCounts) {
    for (std::int64_t n : {0, 1, 3, 4, 5, 4099, (1 << 18) * 3 + 2}) {
        for (bool smooth : {false, true}) {
            const auto v = pseudo_random_bytes(n, static_cast<std::uint64_t>(n) + 11 + smooth, smooth);
            for (int threads : {1, 3}) {
                const auto counts = skb::opt::byte_histogram(v.data(), n, {threads});
                EXPECT_EQ(counts, plain_counts(v)) << "n=" << n << " smooth=" << smooth << " threads=" << threads;
            }
        }
    }
}

TEST(Histogram, SplitCounterCountsEqualPlainCounts) {
    for (std::int64_t n : {1, 5, 4096, (1 << 18) * 3 + 1}) {
        const auto v = pseudo_random_bytes(n, 7, true);
        for (int threads : {1, 3}) {
            const auto counts = skb::opt::histogram(n, 256, {threads}, [&](std::int64_t i) { return v[i]; });
            EXPECT_EQ(counts, plain_counts(v)) << "n=" << n << " threads=" << threads;
        }
    }
}

}  // namespace
