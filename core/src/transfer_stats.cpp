#include "skb/transfer_stats.hpp"

#include <mutex>

namespace skb::gpu {
namespace {

std::mutex g_mutex;
TransferStats g_stats;

}  // namespace

TransferStats transfer_stats() {
    const std::lock_guard lock(g_mutex);
    return g_stats;
}

void reset_transfer_stats() {
    const std::lock_guard lock(g_mutex);
    g_stats = {};
}

void record_h2d(std::int64_t bytes, double ms) {
    const std::lock_guard lock(g_mutex);
    g_stats.h2d_bytes += bytes;
    ++g_stats.h2d_calls;
    g_stats.h2d_ms += ms;
}

void record_d2h(std::int64_t bytes, double ms) {
    const std::lock_guard lock(g_mutex);
    g_stats.d2h_bytes += bytes;
    ++g_stats.d2h_calls;
    g_stats.d2h_ms += ms;
}

void record_kernel(double ms) {
    const std::lock_guard lock(g_mutex);
    ++g_stats.kernel_calls;
    g_stats.kernel_ms += ms;
}

}  // namespace skb::gpu
