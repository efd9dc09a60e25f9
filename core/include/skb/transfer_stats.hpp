// Host<->device traffic of the GPU backends (cuda, cuda-emu): every copy_to_device / copy_to_host counts its
// bytes, one call and its time (CUDA events on a GPU, a steady clock in the emulator), and every kernel launch
// its time. Benchmarks reset it before a case and read it after, like the allocation audit. Also the runtime's
// fixed costs: host waits for the device (syncs) and device allocations the memory pool could not serve from
// what it keeps (both deterministic, so the gate can hold them).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace skb::gpu {

struct TransferStats {
    std::int64_t h2d_bytes = 0;
    std::int64_t h2d_calls = 0;
    std::int64_t d2h_bytes = 0;
    std::int64_t d2h_calls = 0;
    std::int64_t h2d_pinned_bytes = 0;  // of those, copied from/to page-locked host memory
    std::int64_t d2h_pinned_bytes = 0;
    double h2d_ms = 0;
    double d2h_ms = 0;
    std::int64_t kernel_calls = 0;
    double kernel_ms = 0;
    std::int64_t syncs = 0;               // host waits: stream or event synchronisations
    std::int64_t device_allocations = 0;  // device memory the pool had to obtain anew (a reuse is not one)
};

TransferStats transfer_stats();
void reset_transfer_stats();

void record_h2d(std::int64_t bytes, double ms, bool pinned_host = false);
void record_d2h(std::int64_t bytes, double ms, bool pinned_host = false);
void record_kernel(double ms);
// Times read after the fact (on a GPU, from events, once the op's synchronisation has passed them): added to the
// totals of copies and launches already counted.
void add_times(double h2d_ms, double d2h_ms, double kernel_ms);
void record_sync();
void record_device_allocation();

// Page-locking of memory the host already has (cudaHostRegister), for the benchmarks' pinned-memory axis: each
// GPU build installs its own under its backend's name (the emulator's records the range, so its copies count
// pinned bytes as a GPU build's do).
struct HostPinning {
    void (*pin)(void* p, std::size_t bytes);  // throws skb::Error when it cannot
    void (*unpin)(void* p);
};
void set_host_pinning(const std::string& backend, HostPinning pinning);
const HostPinning* find_host_pinning(std::string_view backend);

}  // namespace skb::gpu
