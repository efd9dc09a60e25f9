// Parallel loops of the opt backend: oneTBB inside a task arena of exactly RunOptions::threads workers (no
// oversubscription: nested loops share the arena), over blocks of an index range.
// ThreadSanitizer builds (SKB_TSAN_STD_THREADS) hand the same blocks to plain std::threads instead: Debian's
// libtbb is not instrumented, so TSan cannot see its task hand-offs and would flag every parallel body; with
// threads it sees all synchronisation and checks what matters here, the sharing between our blocks.
#pragma once
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <vector>
#include <cstdint>
#include <thread>

#include "skb/registry.hpp"

namespace skb::opt {

inline int thread_count(const RunOptions& options) {
    const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return options.threads > 0 ? options.threads : hardware;
}

// Calls body(begin, end) on blocks of [0, n) of at least `grain` indices, on thread_count(options) threads.
template <class Body>
void parallel_blocks(const RunOptions& options, std::int64_t n, std::int64_t grain, const Body& body) {
    if (n <= 0) return;
    const int threads = thread_count(options);
    if (threads == 1 || n <= grain) {
        body(std::int64_t{0}, n);
        return;
    }
#if defined(SKB_TSAN_STD_THREADS)
    const std::int64_t block = std::max(grain, (n + 4 * threads - 1) / (4 * threads));
    std::atomic<std::int64_t> next{0};
    auto work = [&] {
        for (std::int64_t b; (b = next.fetch_add(block)) < n;) body(b, std::min(n, b + block));
    };
    std::vector<std::thread> workers;
    for (int t = 1; t < threads; ++t) workers.emplace_back(work);
    work();
    for (auto& w : workers) w.join();
    return;
#endif
    tbb::task_arena arena(threads);
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, std::max<std::int64_t>(grain, 1)),
                          [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
    });
}

}  // namespace skb::opt
