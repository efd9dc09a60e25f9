// The opt backend's grain policy (optimized/parallel.hpp): how many threads a call of a given amount of work may
// use, on its boundaries.
#include <gtest/gtest.h>

#include <atomic>

#include "parallel.hpp"

namespace {

using skb::opt::kWorkPerThread;
using skb::opt::threads_for_work;

TEST(GrainPolicy, SmallWorkRunsOnOneThread) {
    EXPECT_EQ(threads_for_work(8, 0), 1);
    EXPECT_EQ(threads_for_work(8, 1), 1);
    EXPECT_EQ(threads_for_work(8, kWorkPerThread - 1), 1);
    EXPECT_EQ(threads_for_work(8, 2 * kWorkPerThread - 1), 1);
}

TEST(GrainPolicy, EachThreadNeedsAFullShareOfWork) {
    EXPECT_EQ(threads_for_work(8, 2 * kWorkPerThread), 2);
    EXPECT_EQ(threads_for_work(8, 3 * kWorkPerThread - 1), 2);
    EXPECT_EQ(threads_for_work(8, 3 * kWorkPerThread), 3);
    EXPECT_EQ(threads_for_work(8, 8 * kWorkPerThread), 8);
}

TEST(GrainPolicy, NeverMoreThanAvailableNorFewerThanOne) {
    EXPECT_EQ(threads_for_work(2, std::int64_t{1} << 40), 2);
    EXPECT_EQ(threads_for_work(1, std::int64_t{1} << 40), 1);
    EXPECT_EQ(threads_for_work(0, std::int64_t{1} << 40), 1);
    EXPECT_EQ(threads_for_work(4, -5), 1);
}

TEST(GrainPolicy, SizedOptionsKeepTheRequestAsACeiling) {
    EXPECT_EQ(skb::opt::sized_for_work(skb::RunOptions{3}, 100 * kWorkPerThread).threads, 3);
    EXPECT_EQ(skb::opt::sized_for_work(skb::RunOptions{3}, kWorkPerThread).threads, 1);
    // 0 asks for every hardware thread: the ceiling is then the machine's count
    EXPECT_EQ(skb::opt::sized_for_work(skb::RunOptions{0}, 1000000 * kWorkPerThread).threads,
              skb::opt::thread_count(skb::RunOptions{0}));
}

// The cached arenas: repeated calls at several thread counts (and from several threads at once) cover every index
// exactly once.
TEST(GrainPolicy, CachedArenasCoverEveryIndexOnce) {
    for (int threads : {1, 2, 3, 2, 1, 3}) {
        std::vector<std::atomic<int>> seen(10007);
        skb::opt::parallel_blocks(skb::RunOptions{threads}, 10007, 64, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) seen[i].fetch_add(1);
        });
        for (const auto& s : seen) ASSERT_EQ(s.load(), 1) << threads << " threads";
    }
}

}  // namespace
