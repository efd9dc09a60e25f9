// Which of the two GPU builds this translation unit belongs to. The same kernel sources are compiled twice:
// by nvcc into backend `cuda`, and by g++ with SKB_GPU_EMULATOR into backend `cuda-emu` (the CPU emulator).
// Both can be linked into one binary, so every runtime name lives in an inline namespace per build
// (skb::gpu::nv, skb::gpu::emu): templates and inline functions of the two builds never collide.
#pragma once
#include <cstdint>

#if defined(SKB_GPU_EMULATOR)
#define SKB_GPU_ABI emu
#define SKB_GPU_BACKEND_NAME "cuda-emu"
#else
#define SKB_GPU_ABI nv
#define SKB_GPU_BACKEND_NAME "cuda"
#endif

namespace skb::gpu {

inline constexpr int kWarpSize = 32;
inline constexpr unsigned kFullMask = 0xffffffffu;
inline constexpr int kMaxThreadsPerBlock = 1024;
inline constexpr std::uint64_t kSharedMemoryLimit = 48 * 1024;  // CUDA's default per block, static + dynamic

// A grid or block extent (CUDA's dim3): unused axes are 1.
struct Dim3 {
    unsigned x = 1, y = 1, z = 1;
    constexpr Dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
    constexpr std::uint64_t count() const { return std::uint64_t{x} * y * z; }
};

// Where in a kernel a synchronising call is made (file:line), for messages about divergence and hangs.
struct Site {
    const char* file = "?";
    int line = 0;
};

// Every poisoned word (emulated shared memory at block start, emulated device memory at allocation) holds
// this pattern: a signalling NaN as float32 (a huge finite number as float64, 0xA5/0x7F bytes as integers).
inline constexpr std::uint32_t kPoison32 = 0x7FA5A5A5u;

}  // namespace skb::gpu
