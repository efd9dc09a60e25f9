// The CUDA vocabulary for g++ (SKB_GPU_EMULATOR): what kernel files see instead of nvcc's built-ins.
// Each block runs as fibers on one thread, or as real threads of a persistent pool (runtime/emu/engine.cpp):
// threadIdx and friends are per kernel thread, __syncthreads is a barrier (with threads, a mutex/condition-variable
// one: ThreadSanitizer sees its ordering, and so a missing one), shared memory is one poisoned arena per block, warps are groups of 32 of those threads
// exchanging values at every full-mask warp call, and atomics are relaxed std::atomic_ref operations (CUDA's
// atomics do not order other memory either). Every synchronising call carries its file:line, so a divergent
// barrier or a hang is reported as a thrown skb::Error naming the site, never a deadlock.
#pragma once
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "runtime/abi.hpp"

namespace skb::gpu::inline emu {

// How the threads of a block take turns. Concurrent: all run at once (what TSan needs to see races). Forward /
// Reverse: one at a time, in increasing / decreasing thread order, each until it reaches a barrier, a warp
// call or the end; a thread that reads another's shared-memory write without a barrier between them then reads
// poison on every run (Forward catches reads of higher threads' slots, Reverse of lower ones).
enum class Schedule { Concurrent, Forward, Reverse };

struct EmulatorOptions {
    Schedule schedule = Schedule::Concurrent;
    // How long a thread may wait at a barrier or warp call (or for its turn) before the launch fails as a hang.
    std::chrono::milliseconds watchdog{5000};
    // Blocks resident at once, each on its own threads: blocks of a grid are ordered only by the launch's start
    // and end (as on a GPU), so ThreadSanitizer sees a block reading what another block writes in the same
    // launch, and the schedules above interleave within each block while the OS interleaves the blocks.
    unsigned resident_blocks = 2;
    // How a block's threads run. Fibers: as fibers on their slot's one OS thread, switching only at barriers, warp
    // calls, returns and every 1024th atomic (a spin-wait), in the schedule's order (Concurrent runs as Forward
    // does); a thread switch costs ~0.1 us instead of the kernel's futex round trip (~5 us): 5-10x faster launches.
    // Threads: each an OS thread, synchronised by mutexes alone. Both engines in every build: the fiber switches
    // are annotated for ASan (each fiber's stack) and TSan (a fiber switch orders nothing; only the barriers,
    // warp calls and atomics order a block's threads). SKB_EMU_ENGINE=threads|fibers.
    enum class Engine { Fibers, Threads } engine = Engine::Fibers;
};

// Process-wide; initially from the environment: SKB_EMU_SCHEDULE=concurrent|forward|reverse,
// SKB_EMU_WATCHDOG_MS=N, SKB_EMU_BLOCKS=N (resident blocks, at least 1), SKB_EMU_ENGINE=fibers|threads.
EmulatorOptions emulator_options();
void set_emulator_options(const EmulatorOptions& options);

// Sets options for a scope (tests), restoring the previous ones after.
class ScopedEmulatorOptions {
public:
    explicit ScopedEmulatorOptions(const EmulatorOptions& options) : saved_(emulator_options()) {
        set_emulator_options(options);
    }
    ~ScopedEmulatorOptions() { set_emulator_options(saved_); }
    ScopedEmulatorOptions(const ScopedEmulatorOptions&) = delete;
    ScopedEmulatorOptions& operator=(const ScopedEmulatorOptions&) = delete;

private:
    EmulatorOptions saved_;
};

namespace detail {

class Block;

// What a kernel thread knows about itself; set by the engine before each block.
struct ThreadContext {
    Dim3 thread_idx{0, 0, 0};
    Dim3 block_idx{0, 0, 0};
    Dim3 block_dim;
    Dim3 grid_dim;
    Block* block = nullptr;
    unsigned linear = 0;     // x + y * blockDim.x + z * blockDim.x * blockDim.y
    std::byte* shared = nullptr;
    std::size_t shared_cursor = 0;    // end of the last static array in the emulator's arena
    std::size_t shared_declared = 0;  // bytes CUDA would have laid out so far (dynamic, then static arrays)
    std::size_t dynamic_shared_bytes = 0;
};
// The running kernel thread's context, null outside a kernel. A pointer into storage of that kernel thread's own
// (its worker or its fiber): the fibers of one OS thread share this variable, and only the engine writes it.
inline thread_local ThreadContext* t_ctx = nullptr;

void syncthreads(Site site);
// One full-mask warp call: every lane of the warp contributes `mine` and receives all 32 lanes' values.
void warp_exchange(Site site, const char* what, unsigned mask, std::uint64_t mine, std::uint64_t* all);
void* static_shared(Site site, std::size_t bytes, std::size_t align);
void* dynamic_shared();
// Throws (unwinding this kernel thread) once its block has failed elsewhere; atomics call it so that a thread
// spinning on a flag ends when the launch fails.
void check_abort();
void check_width(Site site, const char* what, int width);

inline unsigned lane_id() { return t_ctx->linear % kWarpSize; }

template <class T> std::uint64_t to_bits(T v) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "warp calls exchange values of up to 8 bytes");
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    return bits;
}
template <class T> T from_bits(std::uint64_t bits) {
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    return v;
}

// Source lane of each shuffle flavour (CUDA's rules for width < 32: segments of `width` lanes; a lane whose
// source falls outside its segment gets its own value back).
template <class T> T shfl_sync(Site site, unsigned mask, T var, int src_lane, int width = kWarpSize) {
    check_width(site, "__shfl_sync", width);
    std::uint64_t all[kWarpSize];
    warp_exchange(site, "__shfl_sync", mask, to_bits(var), all);
    const int lane = static_cast<int>(lane_id());
    return from_bits<T>(all[(lane & ~(width - 1)) | (src_lane & (width - 1))]);
}
template <class T> T shfl_up_sync(Site site, unsigned mask, T var, unsigned delta, int width = kWarpSize) {
    check_width(site, "__shfl_up_sync", width);
    std::uint64_t all[kWarpSize];
    warp_exchange(site, "__shfl_up_sync", mask, to_bits(var), all);
    const int lane = static_cast<int>(lane_id());
    const bool inside = static_cast<unsigned>(lane & (width - 1)) >= delta;
    return from_bits<T>(all[inside ? lane - static_cast<int>(delta) : lane]);
}
template <class T> T shfl_down_sync(Site site, unsigned mask, T var, unsigned delta, int width = kWarpSize) {
    check_width(site, "__shfl_down_sync", width);
    std::uint64_t all[kWarpSize];
    warp_exchange(site, "__shfl_down_sync", mask, to_bits(var), all);
    const int lane = static_cast<int>(lane_id());
    const bool inside = static_cast<unsigned>(lane & (width - 1)) + delta < static_cast<unsigned>(width);
    return from_bits<T>(all[inside ? lane + static_cast<int>(delta) : lane]);
}
template <class T> T shfl_xor_sync(Site site, unsigned mask, T var, int lane_mask, int width = kWarpSize) {
    check_width(site, "__shfl_xor_sync", width);
    std::uint64_t all[kWarpSize];
    warp_exchange(site, "__shfl_xor_sync", mask, to_bits(var), all);
    const int lane = static_cast<int>(lane_id());
    const int src = lane ^ lane_mask;
    const bool later_segment = (src & ~(width - 1)) > (lane & ~(width - 1)) || src >= kWarpSize;
    return from_bits<T>(all[later_segment ? lane : src]);
}
inline unsigned ballot_sync(Site site, unsigned mask, int predicate, const char* what = "__ballot_sync") {
    std::uint64_t all[kWarpSize];
    warp_exchange(site, what, mask, predicate != 0, all);
    unsigned bits = 0;
    for (int lane = 0; lane < kWarpSize; ++lane) bits |= static_cast<unsigned>(all[lane] != 0) << lane;
    return bits;
}
inline int all_sync(Site site, unsigned mask, int predicate) {
    return ballot_sync(site, mask, predicate, "__all_sync") == kFullMask;
}
inline int any_sync(Site site, unsigned mask, int predicate) {
    return ballot_sync(site, mask, predicate, "__any_sync") != 0;
}
inline void syncwarp(Site site, unsigned mask = kFullMask) {
    std::uint64_t all[kWarpSize];
    warp_exchange(site, "__syncwarp", mask, 0, all);
}

// Atomics: CUDA's return-the-old-value functions, relaxed like CUDA's.
template <class T> std::atomic_ref<T> atomic(T* address) {
    check_abort();
    return std::atomic_ref<T>(*address);
}
// atomicLoad: the vocabulary's one addition to CUDA's atomics (see runtime/kernel.hpp).
template <class T> T atomic_load(const T* address) {
    return atomic(const_cast<T*>(address)).load(std::memory_order_relaxed);
}
template <class T> T atomic_add(T* address, std::type_identity_t<T> value) {
    return atomic(address).fetch_add(value, std::memory_order_relaxed);
}
template <class T> T atomic_sub(T* address, std::type_identity_t<T> value) {
    return atomic(address).fetch_sub(value, std::memory_order_relaxed);
}
template <class T> T atomic_exch(T* address, std::type_identity_t<T> value) {
    return atomic(address).exchange(value, std::memory_order_relaxed);
}
template <class T> T atomic_cas(T* address, std::type_identity_t<T> compare, std::type_identity_t<T> value) {
    atomic(address).compare_exchange_strong(compare, value, std::memory_order_relaxed);
    return compare;  // the old value, whether or not it was replaced
}
template <class T, class Better> T atomic_select(T* address, T value, Better better) {
    static_assert(std::is_integral_v<T>, "atomicMin/atomicMax take integers");
    auto ref = atomic(address);
    T old = ref.load(std::memory_order_relaxed);
    while (better(value, old) && !ref.compare_exchange_weak(old, value, std::memory_order_relaxed)) {
    }
    return old;
}
template <class T> T atomic_min(T* address, std::type_identity_t<T> value) {
    return atomic_select<T>(address, value, [](T a, T b) { return a < b; });
}
template <class T> T atomic_max(T* address, std::type_identity_t<T> value) {
    return atomic_select<T>(address, value, [](T a, T b) { return a > b; });
}
template <class T> T atomic_and(T* address, std::type_identity_t<T> value) {
    return atomic(address).fetch_and(value, std::memory_order_relaxed);
}
template <class T> T atomic_or(T* address, std::type_identity_t<T> value) {
    return atomic(address).fetch_or(value, std::memory_order_relaxed);
}

}  // namespace detail
}  // namespace skb::gpu::inline emu

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)

#define SKB_EMU_SITE (::skb::gpu::Site{__FILE__, __LINE__})
#define threadIdx (static_cast<const ::skb::gpu::Dim3&>(::skb::gpu::emu::detail::t_ctx->thread_idx))
#define blockIdx (static_cast<const ::skb::gpu::Dim3&>(::skb::gpu::emu::detail::t_ctx->block_idx))
#define blockDim (static_cast<const ::skb::gpu::Dim3&>(::skb::gpu::emu::detail::t_ctx->block_dim))
#define gridDim (static_cast<const ::skb::gpu::Dim3&>(::skb::gpu::emu::detail::t_ctx->grid_dim))

#define __syncthreads() ::skb::gpu::emu::detail::syncthreads(SKB_EMU_SITE)
#define __syncwarp(...) ::skb::gpu::emu::detail::syncwarp(SKB_EMU_SITE __VA_OPT__(, ) __VA_ARGS__)
#define __shfl_sync(...) ::skb::gpu::emu::detail::shfl_sync(SKB_EMU_SITE, __VA_ARGS__)
#define __shfl_up_sync(...) ::skb::gpu::emu::detail::shfl_up_sync(SKB_EMU_SITE, __VA_ARGS__)
#define __shfl_down_sync(...) ::skb::gpu::emu::detail::shfl_down_sync(SKB_EMU_SITE, __VA_ARGS__)
#define __shfl_xor_sync(...) ::skb::gpu::emu::detail::shfl_xor_sync(SKB_EMU_SITE, __VA_ARGS__)
#define __ballot_sync(mask, predicate) ::skb::gpu::emu::detail::ballot_sync(SKB_EMU_SITE, mask, predicate)
#define __all_sync(mask, predicate) ::skb::gpu::emu::detail::all_sync(SKB_EMU_SITE, mask, predicate)
#define __any_sync(mask, predicate) ::skb::gpu::emu::detail::any_sync(SKB_EMU_SITE, mask, predicate)

#define atomicLoad ::skb::gpu::emu::detail::atomic_load
#define atomicAdd ::skb::gpu::emu::detail::atomic_add
#define atomicSub ::skb::gpu::emu::detail::atomic_sub
#define atomicExch ::skb::gpu::emu::detail::atomic_exch
#define atomicCAS ::skb::gpu::emu::detail::atomic_cas
#define atomicMin ::skb::gpu::emu::detail::atomic_min
#define atomicMax ::skb::gpu::emu::detail::atomic_max
#define atomicAnd ::skb::gpu::emu::detail::atomic_and
#define atomicOr ::skb::gpu::emu::detail::atomic_or

// Static shared memory: SKB_SHARED(float, sums, 256), or 2-d with an array element type:
// SKB_SHARED(float[34], tile, 10) is float tile[10][34]. Every thread of a block gets the same storage.
#define SKB_SHARED(T, name, count)                                                                        \
    ::std::type_identity_t<T>(&name)[count] = *static_cast<::std::type_identity_t<T>(*)[count]>(          \
        ::skb::gpu::emu::detail::static_shared(SKB_EMU_SITE, sizeof(::std::type_identity_t<T>[count]),     \
                                               alignof(::std::type_identity_t<T>)))
// Dynamic shared memory: the LaunchConfig's dynamic_shared_bytes, as T*.
#define SKB_DYNAMIC_SHARED(T, name) T* const name = static_cast<T*>(::skb::gpu::emu::detail::dynamic_shared())
