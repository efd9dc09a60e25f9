// The GPU runtime's fixed costs, counted by the emulator as the GPU build counts them (skb::gpu::transfer_stats()):
// every op's second call on the same input allocates no device memory (the pool keeps the first call's) and waits
// for the device at most once (the D2H of its result), twice where the result's length depends on the data
// (regionprops_table reads its largest label, then the sums). Also the device memory pool itself, the multi-block scan
// (measure.label's root numbering) and threshold_otsu's parallel bin scan against best_bin's sequential one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/block_scan.cuh"
#include "skb/golden.hpp"
#include "skb/otsu.hpp"
#include "skb/registry.hpp"
#include "skb/transfer_stats.hpp"

namespace {

using namespace skb::gpu;

constexpr const char* kBackend = "cuda-emu";

// The smallest golden case of each op x input dtype that expects a result: each dtype's path through an op's
// buffers (the counts do not depend on the size or rank), at the least emulator time (TSan runs this too; each
// case costs the emulator's thread start-ups, whatever its size).
std::vector<skb::golden::Case> smallest_per_path(const std::vector<skb::golden::Case>& cases) {
    std::map<std::tuple<std::string, skb::DType>, const skb::golden::Case*> best;
    for (const skb::golden::Case& c : cases) {
        if (c.expect_error) continue;
        const auto key = std::make_tuple(c.op, c.input_dtype);
        const auto it = best.find(key);
        if (it == best.end() || skb::element_count(c.input_shape) < skb::element_count(it->second->input_shape))
            best[key] = &c;
    }
    std::vector<skb::golden::Case> out;
    for (const auto& [key, c] : best) out.push_back(*c);
    return out;
}

TEST(GpuFixedCosts, EveryOpsSecondCallAllocatesNothingAndSynchronisesOnce) {
    const skb::golden::Manifest manifest = skb::golden::load_manifest(SKB_GOLDEN_DIR);
    std::set<std::string> covered;
    for (const skb::golden::Case& c : smallest_per_path(manifest.cases)) {
        if (!skb::Registry::instance().find_impl(c.op, kBackend)) continue;
        const skb::InputArrays loaded = skb::golden::load_inputs(c);
        const skb::OpInputs inputs = loaded.view();
        const skb::PreparedOp op(c.op, kBackend, skb::InputMetas(inputs), c.params);
        reset_transfer_stats();
        const skb::Array first = op.run(inputs);
        const TransferStats cold = transfer_stats();
        reset_transfer_stats();
        const skb::Array second = op.run(inputs);
        const TransferStats warm = transfer_stats();
        // The one wait is the result's copy; an output whose length the data decides waits for that length first.
        const int waits = skb::has_data_dependent_extent(op.output()) ? 2 : 1;
        EXPECT_LE(cold.syncs, waits) << c.id;
        EXPECT_EQ(warm.device_allocations, 0) << c.id;
        EXPECT_LE(warm.syncs, warm.d2h_calls > 0 ? waits : 0) << c.id;
        EXPECT_GE(warm.syncs, warm.d2h_calls > 0 ? 1 : 0) << c.id;
        EXPECT_EQ(warm.kernel_calls, cold.kernel_calls) << c.id;
        EXPECT_EQ(warm.h2d_calls, cold.h2d_calls) << c.id;
        EXPECT_EQ(warm.d2h_calls, cold.d2h_calls) << c.id;
        ASSERT_EQ(first.nbytes(), second.nbytes()) << c.id;
        EXPECT_EQ(std::memcmp(first.raw(), second.raw(), first.nbytes()), 0) << c.id << ": reused memory changed the answer";
        covered.insert(c.op);
    }
    for (const std::string& op : skb::Registry::instance().op_ids()) {
        if (skb::Registry::instance().find_impl(op, kBackend)) {
            EXPECT_TRUE(covered.count(op)) << op << ": no golden case ran";
        }
    }
}

TEST(GpuFixedCosts, PoolReusesFreedBlocksOfTheSameSizePoisoned) {
    // A size no other test allocates, so that the pool keeps at most the one block this test frees (other tests
    // leave blocks of their own sizes in the process-wide pool).
    constexpr std::size_t kSize = 1237;
    reset_transfer_stats();
    const float* first = nullptr;
    {
        DeviceBuffer<float> a(kSize);
        first = a.data();
        const std::vector<float> ones(kSize, 1.0f);
        copy_to_device(a, std::span<const float>(ones));
    }
    const std::int64_t allocated = transfer_stats().device_allocations;
    DeviceBuffer<float> again(kSize);  // the same size: the kept block, poisoned again
    EXPECT_EQ(again.data(), first);
    EXPECT_EQ(transfer_stats().device_allocations, allocated);
    std::vector<std::uint32_t> words(kSize);
    copy_bytes(words.data(), again.data(), kSize * 4, CopyKind::DeviceToHost);
    EXPECT_TRUE(std::all_of(words.begin(), words.end(), [](std::uint32_t w) { return w == kPoison32; }));
    DeviceBuffer<float> second(kSize);  // the kept block is in use: a new one
    EXPECT_EQ(transfer_stats().device_allocations, allocated + 1);
    EXPECT_EQ(transfer_stats().syncs, 1);  // the D2H above
}

TEST(GpuFixedCosts, FreedDeviceMemoryIsNotDeviceMemoryWhileKept) {
    const void* p = nullptr;
    {
        const DeviceBuffer<int> a(77);
        p = a.data();
        EXPECT_TRUE(is_device_memory(p));
    }
    EXPECT_FALSE(is_device_memory(p));  // a kernel handed it is refused, as before the pool
}

// Small chunks (32 threads x 1 or 3 items), so that a few thousand values take two and three levels.
TEST(GpuFixedCosts, MultiBlockExclusiveScanEqualsTheSequentialOne) {
    std::mt19937 random(7);
    for (const std::int64_t count : {1, 31, 32, 33, 1024, 1025, 5000, 40000}) {
        std::vector<long long> values(static_cast<std::size_t>(count));
        for (long long& v : values) v = static_cast<long long>(random() % 5);
        std::vector<long long> expected(values.size());
        std::exclusive_scan(values.begin(), values.end(), expected.begin(), 0LL);
        for (const bool three_items : {false, true}) {
            DeviceBuffer<long long> device = to_device(std::span<const long long>(values));
            if (three_items) exclusive_scan_on_device<32, 3>(device.data(), count);
            else exclusive_scan_on_device<32, 1>(device.data(), count);
            std::vector<long long> got(values.size());
            copy_to_host(std::span<long long>(got), device);
            EXPECT_EQ(got, expected) << count << " values, " << (three_items ? 3 : 1) << " per thread";
        }
    }
}

// An image whose histogram is `counts` (value min + i appears counts[i] times), shuffled.
template <class T> skb::Array image_of(const std::vector<std::int64_t>& counts, std::int64_t min, std::mt19937& random) {
    std::vector<T> values;
    for (std::size_t i = 0; i < counts.size(); ++i) values.insert(values.end(), counts[i], static_cast<T>(min + i));
    std::shuffle(values.begin(), values.end(), random);
    skb::Array image(skb::dtype_of<T>, skb::Shape{1, static_cast<std::int64_t>(values.size())});
    std::copy(values.begin(), values.end(), image.values<T>().begin());
    return image;
}

// threshold_otsu's block-wide scan (integer images up to 2^24 pixels) against skb/otsu.hpp's sequential best_bin
// on the same histogram: ties (the first bin wins, also across threads' runs of bins), empty bins, 65,536 bins.
TEST(GpuFixedCosts, OtsuParallelScanEqualsSequentialBestBin) {
    std::mt19937 random(13);
    struct Histogram {
        const char* what;
        std::vector<std::int64_t> counts;
        std::int64_t min;
    };
    std::vector<Histogram> cases;
    cases.push_back({"two values, every split ties", {3, 0, 0, 3}, 10});
    cases.push_back({"two values", {1, 5}, 0});
    cases.push_back({"symmetric, ties across empty runs", {4, 0, 0, 1, 0, 0, 4}, 100});
    std::vector<std::int64_t> ends(65536, 0);
    ends.front() = ends.back() = 9;  // 0 and 65535: every split ties, across all of the block's runs
    cases.push_back({"65,536 bins, two used", ends, 0});
    std::vector<std::int64_t> every(65536);
    for (auto& c : every) c = 1 + static_cast<std::int64_t>(random() % 2);
    cases.push_back({"65,536 bins, all used", every, 0});
    std::vector<std::int64_t> sparse(65536, 0);
    for (int k = 0; k < 300; ++k) sparse[random() % sparse.size()] += 1 + static_cast<std::int64_t>(random() % 50);
    sparse.front() += 1;
    sparse.back() += 1;
    cases.push_back({"65,536 bins, sparse", sparse, 0});
    std::vector<std::int64_t> bimodal(200, 0);
    for (std::size_t i = 0; i < bimodal.size(); ++i) bimodal[i] = (i < 60 || i > 140) && i % 3 == 0 ? 20 : 0;
    bimodal.front() = bimodal.back() = 20;
    cases.push_back({"uint8 range, bimodal with gaps", bimodal, 30});
    for (const Histogram& h : cases) {
        const std::int64_t expected = skb::otsu::integer_threshold(std::span<const std::int64_t>(h.counts), h.min);
        const bool fits_u8 = h.min + static_cast<std::int64_t>(h.counts.size()) <= 256;
        const skb::Array image = fits_u8 ? image_of<std::uint8_t>(h.counts, h.min, random)
                                         : image_of<std::uint16_t>(h.counts, h.min, random);
        const skb::Array got = skb::run_op("filters.threshold_otsu", kBackend, image, {});
        EXPECT_EQ(got.values<std::int64_t>()[0], expected) << h.what;
        if (fits_u8) {  // the same histogram as uint16 (a block of 1024 threads instead of 256)
            const skb::Array wide = image_of<std::uint16_t>(h.counts, h.min, random);
            EXPECT_EQ(skb::run_op("filters.threshold_otsu", kBackend, wide, {}).values<std::int64_t>()[0], expected) << h.what;
        }
    }
}

}  // namespace
