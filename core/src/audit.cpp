#include "skb/audit.hpp"

#include <atomic>

namespace skb::audit {
namespace {

struct Counters {
    std::atomic<std::int64_t> current{0};
    std::atomic<std::int64_t> peak{0};
    std::atomic<std::int64_t> allocations{0};
    std::array<std::atomic<std::int64_t>, kDTypeCount> allocated_by_dtype{};
    std::array<std::atomic<std::int64_t>, kDTypeCount> current_by_dtype{};
};

Counters& counters() {
    static Counters c;
    return c;
}

}  // namespace

void record_allocation(std::size_t bytes, DType dtype) {
    Counters& c = counters();
    const auto n = static_cast<std::int64_t>(bytes);
    const std::int64_t now = c.current.fetch_add(n, std::memory_order_relaxed) + n;
    std::int64_t peak = c.peak.load(std::memory_order_relaxed);
    while (now > peak && !c.peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
    c.allocations.fetch_add(1, std::memory_order_relaxed);
    c.allocated_by_dtype[static_cast<int>(dtype)].fetch_add(n, std::memory_order_relaxed);
    c.current_by_dtype[static_cast<int>(dtype)].fetch_add(n, std::memory_order_relaxed);
}

void record_free(std::size_t bytes, DType dtype) {
    Counters& c = counters();
    const auto n = static_cast<std::int64_t>(bytes);
    c.current.fetch_sub(n, std::memory_order_relaxed);
    c.current_by_dtype[static_cast<int>(dtype)].fetch_sub(n, std::memory_order_relaxed);
}

Snapshot snapshot() {
    Counters& c = counters();
    Snapshot s;
    s.current_bytes = c.current.load(std::memory_order_relaxed);
    s.peak_bytes = c.peak.load(std::memory_order_relaxed);
    s.allocations = c.allocations.load(std::memory_order_relaxed);
    for (int i = 0; i < kDTypeCount; ++i) {
        s.allocated_bytes_by_dtype[i] = c.allocated_by_dtype[i].load(std::memory_order_relaxed);
        s.current_bytes_by_dtype[i] = c.current_by_dtype[i].load(std::memory_order_relaxed);
    }
    return s;
}

void reset_peak() {
    Counters& c = counters();
    c.peak.store(c.current.load(std::memory_order_relaxed), std::memory_order_relaxed);
    c.allocations.store(0, std::memory_order_relaxed);
    for (auto& a : c.allocated_by_dtype) a.store(0, std::memory_order_relaxed);
}

}  // namespace skb::audit
