// Parallel loops of the opt backend: oneTBB inside a task arena of exactly RunOptions::threads workers (no
// oversubscription: nested loops share the arena), over blocks of an index range.
#pragma once
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
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
    tbb::task_arena arena(threads);
    arena.execute([&] {
        tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, std::max<std::int64_t>(grain, 1)),
                          [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
    });
}

}  // namespace skb::opt
