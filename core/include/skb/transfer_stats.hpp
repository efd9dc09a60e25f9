// Host<->device traffic of the GPU backends (cuda, cuda-emu): every copy_to_device / copy_to_host counts its
// bytes, one call and its time (CUDA events on a GPU, a steady clock in the emulator), and every kernel launch
// its time. Benchmarks reset it before a case and read it after, like the allocation audit.
#pragma once
#include <cstdint>

namespace skb::gpu {

struct TransferStats {
    std::int64_t h2d_bytes = 0;
    std::int64_t h2d_calls = 0;
    std::int64_t d2h_bytes = 0;
    std::int64_t d2h_calls = 0;
    double h2d_ms = 0;
    double d2h_ms = 0;
    std::int64_t kernel_calls = 0;
    double kernel_ms = 0;
};

TransferStats transfer_stats();
void reset_transfer_stats();

void record_h2d(std::int64_t bytes, double ms);
void record_d2h(std::int64_t bytes, double ms);
void record_kernel(double ms);

}  // namespace skb::gpu
