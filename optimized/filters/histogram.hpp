// Parallel histograms of the opt backend: private tables per block, merged once per block.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

#include "parallel.hpp"

namespace skb::opt {

inline constexpr std::int64_t kHistogramGrain = 1 << 18;

// Counts of bins over [0, n) into `bins` buckets, private histograms per block. bins_of(begin, count, out) writes
// the bins of indices [begin, begin + count) (at most kBinChunk) into out: computing a chunk of bins at once lets
// that arithmetic vectorize apart from the counting. Small histograms are split four ways (element i counts in copy
// i % 4) so that runs of equal values do not serialise on one counter.
inline constexpr std::int64_t kBinChunk = 512;

template <class BinsOf>
std::vector<std::int64_t> chunked_histogram(std::int64_t n, std::int64_t bins, const RunOptions& options,
                                            BinsOf bins_of) {
    std::vector<std::int64_t> total(bins);
    std::mutex merge;
    const std::int64_t copies = bins <= 4096 ? 4 : 1;
    parallel_blocks(options, n, kHistogramGrain, [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::int64_t> local(copies * bins);
        std::array<std::int32_t, kBinChunk> chunk;
        for (std::int64_t start = begin; start < end; start += kBinChunk) {
            const std::int64_t count = std::min(kBinChunk, end - start);
            bins_of(start, count, chunk.data());
            std::int64_t k = 0;
            if (copies == 4)
                for (; k + 4 <= count; k += 4) {
                    ++local[chunk[k]];
                    ++local[bins + chunk[k + 1]];
                    ++local[2 * bins + chunk[k + 2]];
                    ++local[3 * bins + chunk[k + 3]];
                }
            for (; k < count; ++k) ++local[chunk[k]];
        }
        std::lock_guard lock(merge);
        for (std::int64_t c = 0; c < copies; ++c)
            for (std::int64_t b = 0; b < bins; ++b) total[b] += local[c * bins + b];
    });
    return total;
}

// Counts of bin(i) over [0, n), one element's bin at a time.
template <class Bin>
std::vector<std::int64_t> histogram(std::int64_t n, std::int64_t bins, const RunOptions& options, Bin bin) {
    return chunked_histogram(n, bins, options, [&](std::int64_t begin, std::int64_t count, std::int32_t* out) {
        for (std::int64_t k = 0; k < count; ++k) out[k] = static_cast<std::int32_t>(bin(begin + k));
    });
}

// uint8 below a million pixels, where the pair table's 65536 counters cost more to clear and fold than they save:
// four 32-bit tables, one per byte of each 4-byte word, so neighbouring equal pixels never wait on one counter and
// the counting reads the image directly (no bin buffer). 32-bit counts are flushed every 2^30 pixels.
inline std::vector<std::int64_t> byte_histogram(const std::uint8_t* v, std::int64_t n, const RunOptions& options) {
    std::vector<std::int64_t> total(256);
    std::mutex merge;
    parallel_blocks(options, n, kHistogramGrain, [&](std::int64_t begin, std::int64_t end) {
        std::array<std::int64_t, 256> local{};
        for (std::int64_t start = begin; start < end; start += std::int64_t{1} << 30) {
            const std::int64_t stop = std::min(end, start + (std::int64_t{1} << 30));
            std::array<std::array<std::uint32_t, 256>, 4> tables{};
            std::int64_t i = start;
            for (; i + 4 <= stop; i += 4) {
                std::uint32_t word;
                std::memcpy(&word, v + i, 4);
                ++tables[0][word & 0xff];
                ++tables[1][(word >> 8) & 0xff];
                ++tables[2][(word >> 16) & 0xff];
                ++tables[3][word >> 24];
            }
            for (; i < stop; ++i) ++tables[0][v[i]];
            for (int b = 0; b < 256; ++b) local[b] += tables[0][b] + tables[1][b] + tables[2][b] + tables[3][b];
        }
        std::lock_guard lock(merge);
        for (int b = 0; b < 256; ++b) total[b] += local[b];
    });
    return total;
}

// uint8 over large blocks: one table update per two pixels, indexed by the pair of adjacent bytes (65536 counters,
// folded into 256 at the end). Neighbouring pixels of natural images are alike, so the pair table's hot part stays
// in L1: about twice as fast as per-pixel counting on smooth images, and no slower on noise.
inline std::vector<std::int64_t> byte_pair_histogram(const std::uint8_t* v, std::int64_t n, const RunOptions& options) {
    constexpr std::int64_t kPairs = 1 << 16;
    std::vector<std::int64_t> total(256);
    std::mutex merge;
    const int threads = thread_count(options);
    // About one table per thread; blocks stay under 2^31 pixels, so no pair count overflows 32 bits.
    const std::int64_t grain = std::clamp<std::int64_t>((n + threads - 1) / threads, 1 << 20, std::int64_t{1} << 30);
    parallel_blocks(options, n, grain, [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::uint32_t> pairs(kPairs);
        std::int64_t i = begin;
        for (; i + 8 <= end; i += 8) {
            std::uint64_t word;
            std::memcpy(&word, v + i, 8);
            ++pairs[word & 0xffff];
            ++pairs[(word >> 16) & 0xffff];
            ++pairs[(word >> 32) & 0xffff];
            ++pairs[word >> 48];
        }
        std::array<std::int64_t, 256> local{};
        for (; i < end; ++i) ++local[v[i]];
        for (std::int64_t p = 0; p < kPairs; ++p) {
            local[p & 0xff] += pairs[p];
            local[p >> 8] += pairs[p];
        }
        std::lock_guard lock(merge);
        for (int b = 0; b < 256; ++b) total[b] += local[b];
    });
    return total;
}

}  // namespace skb::opt
