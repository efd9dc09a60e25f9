#include "skb/transfer_stats.hpp"

#include <map>
#include <mutex>

namespace skb::gpu {
namespace {

std::mutex g_mutex;
TransferStats g_stats;

std::map<std::string, HostPinning, std::less<>>& pinnings() {
    static std::map<std::string, HostPinning, std::less<>> table;
    return table;
}

}  // namespace

TransferStats transfer_stats() {
    const std::lock_guard lock(g_mutex);
    return g_stats;
}

void reset_transfer_stats() {
    const std::lock_guard lock(g_mutex);
    g_stats = {};
}

void record_h2d(std::int64_t bytes, double ms, bool pinned_host) {
    const std::lock_guard lock(g_mutex);
    g_stats.h2d_bytes += bytes;
    if (pinned_host) g_stats.h2d_pinned_bytes += bytes;
    ++g_stats.h2d_calls;
    g_stats.h2d_ms += ms;
}

void record_d2h(std::int64_t bytes, double ms, bool pinned_host) {
    const std::lock_guard lock(g_mutex);
    g_stats.d2h_bytes += bytes;
    if (pinned_host) g_stats.d2h_pinned_bytes += bytes;
    ++g_stats.d2h_calls;
    g_stats.d2h_ms += ms;
}

void record_kernel(double ms) {
    const std::lock_guard lock(g_mutex);
    ++g_stats.kernel_calls;
    g_stats.kernel_ms += ms;
}

void add_times(double h2d_ms, double d2h_ms, double kernel_ms) {
    const std::lock_guard lock(g_mutex);
    g_stats.h2d_ms += h2d_ms;
    g_stats.d2h_ms += d2h_ms;
    g_stats.kernel_ms += kernel_ms;
}

void record_sync() {
    const std::lock_guard lock(g_mutex);
    ++g_stats.syncs;
}

void record_device_allocation() {
    const std::lock_guard lock(g_mutex);
    ++g_stats.device_allocations;
}

void set_host_pinning(const std::string& backend, HostPinning pinning) {
    const std::lock_guard lock(g_mutex);
    pinnings()[backend] = pinning;
}

const HostPinning* find_host_pinning(std::string_view backend) {
    const std::lock_guard lock(g_mutex);
    const auto it = pinnings().find(backend);
    return it == pinnings().end() ? nullptr : &it->second;
}

}  // namespace skb::gpu
