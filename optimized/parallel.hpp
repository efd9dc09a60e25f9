// Parallel loops of the opt backend: oneTBB inside a task arena of exactly the call's thread count (no
// oversubscription: nested loops share the arena), over blocks of an index range.
// How many threads a call uses is decided in one place, threads_for_work(): a thread is worth waking only for
// enough work to repay the hand-off, so small images run on one thread and more threads are never slower.
// ThreadSanitizer builds (SKB_TSAN_STD_THREADS) hand the same blocks to plain std::threads instead: Debian's
// libtbb is not instrumented, so TSan cannot see its task hand-offs and would flag every parallel body; with
// threads it sees all synchronisation and checks what matters here, the sharing between our blocks.
#pragma once
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <cstdint>
#include <thread>
#include <vector>

#include "skb/registry.hpp"

namespace skb::opt {

inline int thread_count(const RunOptions& options) {
    // Asked once: glibc answers hardware_concurrency() by reading /sys/devices/system/cpu/online, several
    // system calls (~5 us) that a 256^2 call would otherwise pay on every parallel phase.
    static const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return options.threads > 0 ? options.threads : hardware;
}

// The grain policy. Work is counted in element operations (one pixel read, combined and written once per tap or
// pass: pixels x taps for a filter, pixels x passes for a streaming op), about a nanosecond each on one core.
// Waking a worker and handing it blocks costs a few microseconds, and a second core only pays when each thread
// gets well over that: kWorkPerThread operations (~50 us of work). Below it the call runs on fewer threads, at
// least one; at or above k * kWorkPerThread it may use k.
inline constexpr std::int64_t kWorkPerThread = std::int64_t{1} << 16;

inline int threads_for_work(int available, std::int64_t work) {
    const std::int64_t useful = std::max<std::int64_t>(1, work / kWorkPerThread);
    return static_cast<int>(std::clamp<std::int64_t>(useful, 1, std::max(1, available)));
}

// The options a call of `work` element operations runs with: its thread count decided by threads_for_work.
inline RunOptions sized_for_work(const RunOptions& options, std::int64_t work) {
    RunOptions sized = options;
    sized.threads = threads_for_work(thread_count(options), work);
    return sized;
}

namespace detail {
// Runs f inside an arena of `threads` workers. Arenas are made on first use and kept, one per thread count:
// constructing one per call cost ~0.14 ms at 2 threads (more than a whole 256^2 filter), paid again by every
// parallel phase of an op.
template <class F> void in_arena(int threads, const F& f) {
    static constexpr int kCached = 256;
    if (threads >= kCached) {  // beyond any machine we run on: an arena for this call alone
        tbb::task_arena(threads).execute(f);
        return;
    }
    static std::atomic<tbb::task_arena*> arenas[kCached] = {};
    tbb::task_arena* arena = arenas[threads].load(std::memory_order_acquire);
    if (!arena) {
        auto* made = new tbb::task_arena(threads);  // kept for the process's life, as TBB's own default arena is
        made->initialize();
        if (arenas[threads].compare_exchange_strong(arena, made, std::memory_order_acq_rel)) arena = made;
        else delete made;  // another thread made it first; `arena` now holds that one
    }
    arena->execute(f);
}
}  // namespace detail

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
    detail::in_arena(threads, [&] {
        tbb::parallel_for(tbb::blocked_range<std::int64_t>(0, n, std::max<std::int64_t>(grain, 1)),
                          [&](const tbb::blocked_range<std::int64_t>& r) { body(r.begin(), r.end()); });
    });
}

// The smallest and largest of [begin, end) (not empty). Written on copied values with ?: so that GCC vectorizes
// it: std::min/std::max return references, which GCC 12 keeps as control flow (scalar, 1.8 ns an element).
template <class T> std::pair<T, T> minmax_of(const T* begin, const T* end) {
    T lo = *begin, hi = *begin;
    for (const T* p = begin; p < end; ++p) {
        const T x = *p;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    return {lo, hi};
}

// The smallest and largest of v[0..n) (n > 0), in parallel.
template <class T> std::pair<T, T> parallel_minmax(const T* v, std::int64_t n, const RunOptions& options) {
    std::pair<T, T> range{v[0], v[0]};
    std::mutex merge;
    parallel_blocks(options, n, kWorkPerThread, [&](std::int64_t b, std::int64_t e) {
        const auto [lo, hi] = minmax_of(v + b, v + e);
        std::lock_guard lock(merge);
        range = {std::min(range.first, lo), std::max(range.second, hi)};
    });
    return range;
}

}  // namespace skb::opt
