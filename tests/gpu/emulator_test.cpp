// The GPU runtime on the emulator: planted faults the emulator must catch (a missing __syncthreads, divergent
// barriers, a hang, a missing host-to-device copy), and the vocabulary kernels rely on (indices, shared memory,
// warp shuffles, atomics, launch checks, transfer accounting). The kernels here are test-only.
#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "runtime/kernel.hpp"
#include "skb/transfer_stats.hpp"

namespace {

using namespace skb::gpu;
using emu::EmulatorOptions;
using emu::Schedule;
using emu::ScopedEmulatorOptions;
using Clock = std::chrono::steady_clock;

template <class T> std::vector<T> to_host(const DeviceBuffer<T>& device) {
    std::vector<T> host(device.size());
    copy_to_host(std::span<T>(host), device);
    return host;
}

template <class T> DeviceBuffer<T> filled(std::size_t n, T value) {
    const std::vector<T> host(n, value);
    return to_device(std::span<const T>(host));
}

int poison_int() {
    int v;
    std::memcpy(&v, &kPoison32, 4);
    return v;
}

// Runs f, which must fail as a bug in GPU code does (skb::InternalError: exit 3, not bad input); returns the message.
template <class F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const skb::InternalError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no skb::InternalError thrown";
    return "";
}

LaunchConfig one_block(unsigned threads, const char* name = "test") {
    return LaunchConfig{.name = name, .grid = Dim3{1}, .block = Dim3{threads}};
}

// ---- planted: a missing __syncthreads ----

// Each thread writes its slot, then reads its right neighbour's: correct only with the barrier in between.
template <bool Barrier> __global__ void rotate_kernel(int* out) {
    SKB_SHARED(int, slots, 64);
    const unsigned t = threadIdx.x;
    slots[t] = static_cast<int>(t) + 1;
    if constexpr (Barrier) __syncthreads();
    out[t] = slots[(t + 1) % blockDim.x];
}

std::vector<int> rotate(bool barrier) {
    DeviceBuffer<int> out(64);
    launch(barrier ? rotate_kernel<true> : rotate_kernel<false>, one_block(64, "rotate"), out.data());
    return to_host(out);
}

// Both engines (fibers, the default; OS threads) in every build.
constexpr EmulatorOptions::Engine kEngines[] = {EmulatorOptions::Engine::Fibers, EmulatorOptions::Engine::Threads};

TEST(GpuEmulator, WithSyncthreadsEverySchedulePasses) {
    for (auto engine : kEngines) {
        for (Schedule s : {Schedule::Concurrent, Schedule::Forward, Schedule::Reverse}) {
            const ScopedEmulatorOptions options({.schedule = s, .engine = engine});
            const auto out = rotate(true);
            for (int t = 0; t < 64; ++t) EXPECT_EQ(out[t], (t + 1) % 64 + 1) << "thread " << t;
        }
    }
}

// Deterministic in every build: with the threads of a block taking turns, a read of a slot whose writer has
// not run yet returns the shared-memory poison. Forward catches reads of higher threads' slots (63 of the 64
// threads here), Reverse reads of lower ones (thread 63 reading slot 0).
TEST(GpuEmulator, MissingSyncthreadsReadsPoisonWhenThreadsTakeTurns) {
#if defined(__SANITIZE_THREAD__)
    // Under TSan fibers taking turns are not ordered by their turns: the race is reported (the death test below).
    for (auto engine : {EmulatorOptions::Engine::Threads}) {
#else
    for (auto engine : kEngines) {
#endif
        for (auto [schedule, expected] : {std::pair{Schedule::Forward, 63}, std::pair{Schedule::Reverse, 1}}) {
            const ScopedEmulatorOptions options({.schedule = schedule, .engine = engine});
            const auto out = rotate(false);
            int poisoned = 0;
            for (int v : out) poisoned += v == poison_int();
            EXPECT_EQ(poisoned, expected) << (schedule == Schedule::Forward ? "forward" : "reverse");
        }
    }
}

// Under ThreadSanitizer the concurrent schedule (the default, and what the conformance tests run) reports the
// same kernel as a data race with either engine: the emulator orders the threads of a block only at its barriers
// (a fiber switch orders nothing, though the fibers run one at a time).
TEST(GpuEmulatorDeathTest, MissingSyncthreadsIsADataRaceUnderThreadSanitizer) {
#if defined(__SANITIZE_THREAD__)
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    for (auto engine : kEngines) {
        EXPECT_EXIT(
            {
                const ScopedEmulatorOptions options({.schedule = Schedule::Concurrent, .engine = engine});
                (void)rotate(false);
                std::exit(0);  // ThreadSanitizer turns the exit status into 66 when it reported anything
            },
            testing::ExitedWithCode(66), "ThreadSanitizer: data race");
    }
#else
    GTEST_SKIP() << "a ThreadSanitizer build (tsan preset) runs this; here the turn-taking test covers it";
#endif
}

// ---- arithmetic: no contraction, as nvcc builds the kernels (--fmad=false) ----

__global__ void multiply_add_kernel(const float* in, float* out) { out[0] = in[0] * in[1] + in[2]; }

// (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24: rounded to float the product loses 2^-24 (a tie, to even), so minus
// (1 + 2^-11) gives 0; a fused multiply-add keeps it and gives 2^-24. Test nvcc_no_contraction holds nvcc's side.
TEST(GpuEmulator, MultiplyAddIsNotContracted) {
    const float a = 1.0f + std::ldexp(1.0f, -12);
    const std::vector<float> host{a, a, -(1.0f + std::ldexp(1.0f, -11))};
    const DeviceBuffer<float> in = to_device(std::span<const float>(host));
    DeviceBuffer<float> out(1);
    launch(multiply_add_kernel, one_block(1, "multiply_add"), in.data(), out.data());
    EXPECT_EQ(to_host(out)[0], 0.0f) << "fused would give " << std::fma(a, a, host[2]);
    EXPECT_EQ(std::fma(a, a, host[2]), std::ldexp(1.0f, -24));  // the values do tell fused from unfused
}

// ---- planted: shared memory outside what the kernel declared ----

__global__ void past_static_array_kernel(int* out) {
    SKB_SHARED(int, slots, 32);
    slots[threadIdx.x] = 1;
    __syncthreads();
    // One array's length past its end, through a pointer: UBSan's bounds check sees only indexing of the array
    // type, so what traps under ASan here is the arena's poisoning (what this test is about).
    const int* first = slots;
    out[threadIdx.x] = first[threadIdx.x + 32];
}

__global__ void undeclared_dynamic_kernel(float* out) {
    SKB_DYNAMIC_SHARED(float, values);
    out[threadIdx.x] = values[threadIdx.x];  // the launch asked for no dynamic shared memory
}

// Without ASan both reads give the poison; under ASan both trap (the arena outside declared arrays is poisoned).
TEST(GpuEmulator, SharedMemoryOutsideTheDeclarationsReadsPoison) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "under ASan these reads trap: the death test below";
#else
    DeviceBuffer<int> ints(32);
    launch(past_static_array_kernel, one_block(32, "past_static_array"), ints.data());
    for (int v : to_host(ints)) EXPECT_EQ(v, poison_int());
    DeviceBuffer<float> floats(32);
    launch(undeclared_dynamic_kernel, one_block(32, "undeclared_dynamic"), floats.data());
    for (float v : to_host(floats)) EXPECT_TRUE(std::isnan(v));
#endif
}

TEST(GpuEmulatorDeathTest, SharedMemoryOutsideTheDeclarationsTrapsUnderAddressSanitizer) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            DeviceBuffer<int> ints(32);
            launch(past_static_array_kernel, one_block(32, "past_static_array"), ints.data());
        },
        "use-after-poison");
    EXPECT_DEATH(
        {
            DeviceBuffer<float> floats(32);
            launch(undeclared_dynamic_kernel, one_block(32, "undeclared_dynamic"), floats.data());
        },
        "use-after-poison");
#else
    GTEST_SKIP() << "an AddressSanitizer build (asan preset) runs this";
#endif
}

// ---- planted: a race between blocks ----

// Block 1 reads what block 0 writes in the same launch, with nothing ordering them (CUDA has no such order
// without a grid-wide sync): a data race between blocks, which the emulator must let happen concurrently.
// Many times over (volatile: each access happens), so that while both blocks run some racing pair falls within
// ThreadSanitizer's access history: a lone pair can age out of it and go unreported (it did once in CI).
[[maybe_unused]] __global__ void reads_other_block_kernel(int* data) {
    volatile int* shared_row = data;
    int sum = 0;
    for (int i = 0; i < 4000; ++i) {
        if (blockIdx.x == 0) shared_row[threadIdx.x] = i;
        else sum += shared_row[threadIdx.x];
    }
    if (blockIdx.x == 1) data[blockDim.x + threadIdx.x] = sum;
}

// The same exchange split over two launches: ordered by the first launch's end, so no race.
__global__ void write_block_zero_kernel(int* data) {
    if (blockIdx.x == 0) data[threadIdx.x] = 1;
}
__global__ void copy_from_block_zero_kernel(int* data) {
    if (blockIdx.x == 1) data[blockDim.x + threadIdx.x] = data[threadIdx.x];
}

std::vector<int> exchange_over_two_launches() {
    DeviceBuffer<int> data = filled<int>(64, 0);
    const LaunchConfig two{.name = "ordered", .grid = Dim3{2}, .block = Dim3{32}};
    launch(write_block_zero_kernel, two, data.data());
    launch(copy_from_block_zero_kernel, two, data.data());
    return to_host(data);
}

TEST(GpuEmulator, TwoLaunchesOrderTheirBlocks) {
    const auto h = exchange_over_two_launches();
    for (int t = 0; t < 32; ++t) EXPECT_EQ(h[32 + t], 1);
}

// Blocks of one launch really are resident together: block 1 waits (atomically, bounded) for a flag that
// block 0 raises, which finishes only when both run at once (with one resident block, block 0 would have to
// finish first and the flag is raised anyway; so block 0 also waits for block 1's flag).
__global__ void handshake_kernel(int* flags, int* seen) {
    if (threadIdx.x != 0) return;
    atomicExch(&flags[blockIdx.x], 1);
    int other = 0;
    for (int spin = 0; spin < 20000000 && !other; ++spin) other = atomicLoad(&flags[1 - blockIdx.x]);
    seen[blockIdx.x] = other;
}

TEST(GpuEmulator, BlocksOfALaunchRunConcurrently) {
    for (unsigned resident : {1u, 2u}) {
        const ScopedEmulatorOptions options({.resident_blocks = resident});
        DeviceBuffer<int> flags = filled<int>(2, 0), seen = filled<int>(2, 0);
        launch(handshake_kernel, LaunchConfig{.name = "handshake", .grid = Dim3{2}, .block = Dim3{32}}, flags.data(),
               seen.data());
        const auto h = to_host(seen);
        // One resident block: block 0 gives up waiting, block 1 then sees block 0's flag. Two: both see each other.
        EXPECT_EQ(h[0], resident == 2 ? 1 : 0) << resident << " resident block(s)";
        EXPECT_EQ(h[1], 1) << resident << " resident block(s)";
    }
}

TEST(GpuEmulatorDeathTest, ARaceBetweenBlocksIsADataRaceUnderThreadSanitizer) {
#if defined(__SANITIZE_THREAD__)
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    for (auto engine : kEngines) {
        EXPECT_EXIT(
            {
                const ScopedEmulatorOptions options({.resident_blocks = 2, .engine = engine});
                DeviceBuffer<int> data = filled<int>(64, 0);
                launch(reads_other_block_kernel, LaunchConfig{.name = "race", .grid = Dim3{2}, .block = Dim3{32}},
                       data.data());
                std::exit(0);  // ThreadSanitizer turns the exit status into 66 when it reported anything
            },
            testing::ExitedWithCode(66), "ThreadSanitizer: data race");
    }
#else
    GTEST_SKIP() << "a ThreadSanitizer build (tsan preset) runs this";
#endif
}

// Every block reverses its slice of `data` through shared memory, with the barrier; the blocks of one slot reuse
// its shared memory (and, with fibers, the stacks).
[[maybe_unused]] __global__ void reverse_slices_kernel(int* data) {
    SKB_SHARED(int, slice, 64);
    const unsigned t = threadIdx.x, base = blockIdx.x * blockDim.x;
    slice[t] = data[base + t];
    __syncthreads();
    data[base + t] = slice[blockDim.x - 1 - t];
}

// Controls for the tests above: the two-launch form of the same exchange, and barriers used as they should be
// over more blocks than slots, report nothing under ThreadSanitizer with either engine.
TEST(GpuEmulatorDeathTest, TheSameExchangeOverTwoLaunchesIsNoRace) {
#if defined(__SANITIZE_THREAD__)
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    for (auto engine : kEngines) {
        EXPECT_EXIT(
            {
                const ScopedEmulatorOptions options({.resident_blocks = 2, .engine = engine});
                (void)exchange_over_two_launches();
                DeviceBuffer<int> data = filled<int>(64 * 8, 1);
                launch(reverse_slices_kernel, LaunchConfig{.name = "slices", .grid = Dim3{8}, .block = Dim3{64}},
                       data.data());
                std::exit(0);
            },
            testing::ExitedWithCode(0), "");
    }
#else
    GTEST_SKIP() << "a ThreadSanitizer build (tsan preset) runs this";
#endif
}

// ---- planted: divergent barriers and a hang ----

__global__ void two_barriers_kernel(int* out) {
    if (threadIdx.x < 16) {
        __syncthreads();
    } else {
        __syncthreads();
    }
    out[threadIdx.x] = 1;
}

__global__ void early_return_kernel(int* out) {
    if (threadIdx.x >= 32) return;
    __syncthreads();
    out[threadIdx.x] = 1;
}

__global__ void split_shuffle_kernel(int* out) {
    int v = static_cast<int>(threadIdx.x);
    if (threadIdx.x % 2) {
        v = __shfl_xor_sync(kFullMask, v, 1);
    } else {
        v = __shfl_xor_sync(kFullMask, v, 1);
    }
    out[threadIdx.x] = v;
}

// Lanes 0-15 of warp 0 wait at a shuffle while the rest of the block waits at __syncthreads.
__global__ void shuffle_vs_barrier_kernel(int* out) {
    int v = static_cast<int>(threadIdx.x);
    if (threadIdx.x < 16) v = __shfl_sync(kFullMask, v, 0);
    else __syncthreads();
    out[threadIdx.x] = v;
}

// Thread 0 spins on a flag nobody sets while the others wait at the barrier.
__global__ void stuck_kernel(int* flag) {
    if (threadIdx.x == 0)
        while (atomicAdd(flag, 0) == 0) {
        }
    __syncthreads();
}

TEST(GpuEmulator, DivergentBarrierThrowsNamingBothSites) {
    for (Schedule s : {Schedule::Concurrent, Schedule::Forward}) {
        const ScopedEmulatorOptions options({.schedule = s, .watchdog = std::chrono::seconds(60)});
        DeviceBuffer<int> out(64);
        const auto start = Clock::now();
        const std::string message = error_of([&] { launch(two_barriers_kernel, one_block(64, "two_barriers"), out.data()); });
        EXPECT_NE(message.find("kernel 'two_barriers': divergent __syncthreads"), std::string::npos) << message;
        EXPECT_NE(message.find("tests/gpu/emulator_test.cpp:"), std::string::npos) << message;
        EXPECT_LT(Clock::now() - start, std::chrono::seconds(30)) << "detected at once, not by the watchdog";
    }
}

TEST(GpuEmulator, ReturningBeforeABarrierOthersReachThrows) {
    for (auto engine : kEngines) {
        for (Schedule s : {Schedule::Concurrent, Schedule::Forward, Schedule::Reverse}) {
            const ScopedEmulatorOptions options({.schedule = s, .engine = engine});
            DeviceBuffer<int> out(64);
            const std::string message = error_of([&] { launch(early_return_kernel, one_block(64), out.data()); });
            EXPECT_NE(message.find("divergent __syncthreads"), std::string::npos) << message;
        }
    }
}

TEST(GpuEmulator, DivergentWarpShuffleThrows) {
    DeviceBuffer<int> out(32);
    const std::string message = error_of([&] { launch(split_shuffle_kernel, one_block(32), out.data()); });
    EXPECT_NE(message.find("divergent warp"), std::string::npos) << message;
}

TEST(GpuEmulator, ShuffleAgainstBarrierIsADeadlockWhenThreadsTakeTurns) {
    const ScopedEmulatorOptions options({.schedule = Schedule::Forward});
    DeviceBuffer<int> out(64);
    const std::string message = error_of([&] { launch(shuffle_vs_barrier_kernel, one_block(64), out.data()); });
    EXPECT_NE(message.find("deadlock: every thread of the block waits"), std::string::npos) << message;
    EXPECT_NE(message.find("16 at __shfl_sync"), std::string::npos) << message;
}

TEST(GpuEmulator, WatchdogReportsAHangInsteadOfDeadlocking) {
    const ScopedEmulatorOptions options({.schedule = Schedule::Concurrent, .watchdog = std::chrono::milliseconds(500)});
    DeviceBuffer<int> flag = filled(1, 0);
    const auto start = Clock::now();
    const std::string message = error_of([&] { launch(stuck_kernel, one_block(64, "stuck"), flag.data()); });
    EXPECT_NE(message.find("kernel 'stuck': hang at __syncthreads tests/gpu/emulator_test.cpp:"), std::string::npos)
        << message;
    // "63 of 64" unless the machine is so loaded that some thread took longer than the watchdog to get there.
    EXPECT_NE(message.find(" of 64 threads arrived within the 500 ms watchdog"), std::string::npos) << message;
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(30));
    // Shuffle against barrier without turns: the watchdog catches it too (the fiber engine at once: it sees no
    // runnable thread left, as the turn-taking schedules do).
    DeviceBuffer<int> out(64);
    const std::string shuffle = error_of([&] { launch(shuffle_vs_barrier_kernel, one_block(64), out.data()); });
    const bool fibers = emu::emulator_options().engine == EmulatorOptions::Engine::Fibers;
    EXPECT_NE(shuffle.find(fibers ? "deadlock: every thread of the block waits" : "hang at"), std::string::npos)
        << shuffle;
}

TEST(GpuEmulator, LaunchesWorkAfterAFailedOne) {
    DeviceBuffer<int> out(64);
    EXPECT_THROW(launch(early_return_kernel, one_block(64), out.data()), skb::InternalError);
    const auto good = rotate(true);
    EXPECT_EQ(good[0], 2);
}

// ---- planted: a missing host-to-device copy ----

__global__ void copy_kernel(const float* in, float* out, int n) {
    const int i = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (i < n) out[i] = in[i];
}

__global__ void copy_view_kernel(skb::View2D<const float> in, float* out) {
    out[threadIdx.y * blockDim.x + threadIdx.x] = in(threadIdx.y, threadIdx.x);
}

// A kernel argument struct with a pointer inside (as a taps table travels), listed by device_pointers().
struct TableArgument {
    int n = 0;
    const float* table = nullptr;
    std::array<const void*, 1> device_pointers() const { return {table}; }
};
__global__ void table_sum_kernel(TableArgument arg, float* out) {
    float sum = 0;
    for (int i = 0; i < arg.n; ++i) sum += arg.table[i];
    out[0] = sum;
}

TEST(GpuEmulator, HostPointerInsideAnArgumentStructThrows) {
    const std::vector<float> host{1.0f, 2.0f, 3.0f};
    DeviceBuffer<float> out(1);
    const std::string message =
        error_of([&] { launch(table_sum_kernel, one_block(1, "table_sum"), TableArgument{3, host.data()}, out.data()); });
    EXPECT_NE(message.find("launch of kernel 'table_sum': kernel argument 0 is a host pointer"), std::string::npos)
        << message;
    const DeviceBuffer<float> table = to_device(std::span<const float>(host));
    launch(table_sum_kernel, one_block(1, "table_sum"), TableArgument{3, table.data()}, out.data());
    EXPECT_EQ(to_host(out)[0], 6.0f);
}

TEST(GpuEmulator, HostPointerArgumentThrows) {
    std::vector<float> host(256, 1.0f);
    DeviceBuffer<float> out(256);
    const std::string message =
        error_of([&] { launch(copy_kernel, one_block(256, "copy"), host.data(), out.data(), 256); });
    EXPECT_NE(message.find("launch of kernel 'copy': kernel argument 0 is a host pointer"), std::string::npos) << message;
    const auto host_view = skb::make_view<const float, 2>(host.data(), {16, 16});
    const LaunchConfig config{.name = "copy_view", .block = Dim3{16, 16}};
    EXPECT_NE(error_of([&] { launch(copy_view_kernel, config, host_view, out.data()); })
                  .find("kernel argument 0 is a host pointer"),
              std::string::npos);
    std::vector<float> host_out(256);
    DeviceBuffer<float> in = to_device(std::span<const float>(host));
    EXPECT_NE(error_of([&] { launch(copy_kernel, one_block(256), in.data(), host_out.data(), 256); })
                  .find("kernel argument 1 is a host pointer"),
              std::string::npos);
    // The same launches with device memory run.
    launch(copy_view_kernel, config, skb::make_view<const float, 2>(in.data(), {16, 16}), out.data());
    EXPECT_EQ(to_host(out)[255], 1.0f);
}

TEST(GpuEmulator, DeviceBufferNeverCopiedToReadsPoison) {
    DeviceBuffer<float> in(300);  // the copy_to_device that should fill it is missing
    DeviceBuffer<float> out(300);
    launch(copy_kernel, LaunchConfig{.grid = Dim3{3}, .block = Dim3{128}}, in.data(), out.data(), 300);
    for (float v : to_host(out)) {
        ASSERT_TRUE(std::isnan(v));
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        ASSERT_EQ(bits, kPoison32);
    }
}

TEST(GpuEmulator, CopiesCheckTheirDirection) {
    std::vector<float> a(8), b(8);
    DeviceBuffer<float> d(8);
    EXPECT_NE(error_of([&] { copy_bytes(a.data(), b.data(), 32, CopyKind::HostToDevice); }).find("not device memory"),
              std::string::npos);
    EXPECT_NE(error_of([&] { copy_bytes(d.data(), d.data(), 32, CopyKind::DeviceToHost); }).find("is device memory"),
              std::string::npos);
    EXPECT_THROW(copy_bytes(d.data(), a.data(), 64, CopyKind::HostToDevice), skb::InternalError);  // past the buffer's end
    PinnedHostBuffer<float> pinned(8);
    EXPECT_NE(error_of([&] { launch(copy_kernel, one_block(8), pinned.data(), d.data(), 8); })
                  .find("kernel argument 0 is a host pointer"),
              std::string::npos);
}

// ---- vocabulary ----

__global__ void indices_kernel(unsigned* out) {
    const unsigned block = (blockIdx.z * gridDim.y + blockIdx.y) * gridDim.x + blockIdx.x;
    const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
    const unsigned i = block * blockDim.x * blockDim.y * blockDim.z + thread;
    out[4 * i] = threadIdx.x + 10 * threadIdx.y + 100 * threadIdx.z;
    out[4 * i + 1] = blockIdx.x + 10 * blockIdx.y + 100 * blockIdx.z;
    out[4 * i + 2] = blockDim.x + 10 * blockDim.y + 100 * blockDim.z;
    out[4 * i + 3] = gridDim.x + 10 * gridDim.y + 100 * gridDim.z;
}

TEST(GpuEmulator, ThreadAndBlockIndices) {
    const Dim3 grid{2, 3, 2}, block{4, 2, 3};
    DeviceBuffer<unsigned> out(4 * grid.count() * block.count());
    launch(indices_kernel, LaunchConfig{.grid = grid, .block = block}, out.data());
    const auto h = to_host(out);
    unsigned i = 0;
    for (unsigned bz = 0; bz < 2; ++bz)
        for (unsigned by = 0; by < 3; ++by)
            for (unsigned bx = 0; bx < 2; ++bx)
                for (unsigned tz = 0; tz < 3; ++tz)
                    for (unsigned ty = 0; ty < 2; ++ty)
                        for (unsigned tx = 0; tx < 4; ++tx, ++i) {
                            ASSERT_EQ(h[4 * i], tx + 10 * ty + 100 * tz);
                            ASSERT_EQ(h[4 * i + 1], bx + 10 * by + 100 * bz);
                            ASSERT_EQ(h[4 * i + 2], 4u + 20 + 300);
                            ASSERT_EQ(h[4 * i + 3], 2u + 30 + 200);
                        }
}

// Block 1 never writes its shared memory: it reads poison, not block 0's values.
__global__ void shared_per_block_kernel(int* out) {
    SKB_SHARED(int, slots, 32);
    if (blockIdx.x == 0) slots[threadIdx.x] = 7;
    __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = slots[threadIdx.x];
}

TEST(GpuEmulator, SharedMemoryIsPerBlockAndPoisonedAtBlockStart) {
    DeviceBuffer<int> out(64);
    launch(shared_per_block_kernel, LaunchConfig{.grid = Dim3{2}, .block = Dim3{32}}, out.data());
    const auto h = to_host(out);
    for (int t = 0; t < 32; ++t) {
        EXPECT_EQ(h[t], 7);
        EXPECT_EQ(h[32 + t], poison_int());
    }
}

// Dynamic shared memory reversed within the block, next to a static array that must not overlap it.
__global__ void dynamic_shared_kernel(float* out) {
    SKB_DYNAMIC_SHARED(float, values);
    SKB_SHARED(float[2], pairs, 8);
    const unsigned t = threadIdx.x;
    values[t] = static_cast<float>(t);
    if (t < 8) pairs[t][0] = pairs[t][1] = -1.0f;
    __syncthreads();
    out[t] = values[blockDim.x - 1 - t] + (t < 8 ? pairs[t][1] + 1.0f : 0.0f);
}

TEST(GpuEmulator, DynamicSharedMemory) {
    DeviceBuffer<float> out(200);
    launch(dynamic_shared_kernel, LaunchConfig{.block = Dim3{200}, .dynamic_shared_bytes = 200 * sizeof(float)},
           out.data());
    const auto h = to_host(out);
    for (int t = 0; t < 200; ++t) EXPECT_EQ(h[t], static_cast<float>(199 - t));
}

__global__ void shuffles_kernel(int* out, float* out_f, double* out_d) {
    const int lane = static_cast<int>(threadIdx.x % 32), v = static_cast<int>(threadIdx.x) * 3;
    int* o = out + threadIdx.x * 7;
    o[0] = __shfl_sync(kFullMask, v, 5);
    o[1] = __shfl_sync(kFullMask, v, lane + 1, 8);  // within segments of 8 lanes, wrapping
    o[2] = __shfl_up_sync(kFullMask, v, 2);
    o[3] = __shfl_down_sync(kFullMask, v, 3, 16);
    o[4] = __shfl_xor_sync(kFullMask, v, 16);
    int sum = v;
    for (int offset = 16; offset > 0; offset /= 2) sum += __shfl_xor_sync(kFullMask, sum, offset);
    o[5] = sum;
    o[6] = static_cast<int>(__ballot_sync(kFullMask, lane % 3 == 0)) + __all_sync(kFullMask, 1) + __any_sync(kFullMask, 0);
    __syncwarp();
    out_f[threadIdx.x] = __shfl_down_sync(kFullMask, 0.5f * v, 1);
    out_d[threadIdx.x] = __shfl_sync(kFullMask, 0.25 * v, 31);
}

void check_shuffles(EmulatorOptions::Engine engine) {
    const ScopedEmulatorOptions options({.engine = engine});
    DeviceBuffer<int> out(64 * 7);
    DeviceBuffer<float> out_f(64);
    DeviceBuffer<double> out_d(64);
    launch(shuffles_kernel, one_block(64), out.data(), out_f.data(), out_d.data());
    const auto h = to_host(out);
    const auto hf = to_host(out_f);
    const auto hd = to_host(out_d);
    unsigned ballot = 0;
    for (int lane = 0; lane < 32; lane += 3) ballot |= 1u << lane;
    for (int t = 0; t < 64; ++t) {
        const int lane = t % 32, base = t - lane;
        const auto v = [&](int l) { return (base + l) * 3; };
        EXPECT_EQ(h[t * 7 + 0], v(5)) << t;
        EXPECT_EQ(h[t * 7 + 1], v((lane & ~7) | ((lane + 1) & 7))) << t;
        EXPECT_EQ(h[t * 7 + 2], lane >= 2 ? v(lane - 2) : v(lane)) << t;
        EXPECT_EQ(h[t * 7 + 3], lane % 16 + 3 < 16 ? v(lane + 3) : v(lane)) << t;
        EXPECT_EQ(h[t * 7 + 4], v(lane ^ 16)) << t;
        EXPECT_EQ(h[t * 7 + 5], 3 * (32 * base + 31 * 32 / 2)) << t;
        EXPECT_EQ(h[t * 7 + 6], static_cast<int>(ballot) + 1) << t;
        EXPECT_EQ(hf[t], 0.5f * (lane < 31 ? v(lane + 1) : v(lane))) << t;
        EXPECT_EQ(hd[t], 0.25 * v(31)) << t;
    }
}

TEST(GpuEmulator, WarpShufflesAndBallot) {
    for (auto engine : kEngines) check_shuffles(engine);
}

__global__ void partial_mask_kernel(int* out) { out[threadIdx.x] = __shfl_sync(0x0000ffffu, 1, 0); }
__global__ void broadcast_kernel(int* out) { out[threadIdx.x] = __shfl_sync(kFullMask, static_cast<int>(threadIdx.x), 0); }

TEST(GpuEmulator, WarpCallsNeedFullMasksAndFullWarps) {
    DeviceBuffer<int> out(64);
    EXPECT_NE(error_of([&] { launch(partial_mask_kernel, one_block(32), out.data()); }).find("full-mask"),
              std::string::npos);
    EXPECT_NE(error_of([&] { launch(broadcast_kernel, one_block(48), out.data()); }).find("partial warp"),
              std::string::npos);
}

__global__ void atomics_kernel(int* counters, float* sum, int* winner, unsigned long long* big) {
    const int id = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    atomicAdd(&counters[0], 1);
    atomicSub(&counters[1], 2);
    atomicMax(&counters[2], id);
    atomicMin(&counters[3], -id);
    atomicOr(&counters[4], 1 << (id % 31));
    atomicAdd(sum, 0.5f);
    if (atomicCAS(&winner[0], -1, id) == -1) atomicAdd(&winner[1], 1);  // exactly one thread wins
    atomicExch(&winner[2], 5);
    atomicAdd(big, 1ull << 33);
}

TEST(GpuEmulator, Atomics) {
    const std::vector<int> init = {0, 0, -1, 0, 0};
    DeviceBuffer<int> counters = to_device(std::span<const int>(init));
    DeviceBuffer<float> sum = filled(1, 0.0f);
    const std::vector<int> winner_init = {-1, 0, 0};
    DeviceBuffer<int> winner = to_device(std::span<const int>(winner_init));
    DeviceBuffer<unsigned long long> big = filled(1, 0ull);
    launch(atomics_kernel, LaunchConfig{.grid = Dim3{4}, .block = Dim3{128}}, counters.data(), sum.data(),
           winner.data(), big.data());
    const auto c = to_host(counters);
    EXPECT_EQ(c[0], 512);
    EXPECT_EQ(c[1], -1024);
    EXPECT_EQ(c[2], 511);
    EXPECT_EQ(c[3], -511);
    EXPECT_EQ(c[4], 0x7fffffff);
    EXPECT_EQ(to_host(sum)[0], 256.0f);
    const auto w = to_host(winner);
    EXPECT_GE(w[0], 0);
    EXPECT_EQ(w[1], 1);
    EXPECT_EQ(w[2], 5);
    EXPECT_EQ(to_host(big)[0], 512ull << 33);
}

// atomicLoad reads words that other threads update atomically: global (int, long long, through a const pointer)
// and shared memory. Each thread's increment is visible to its own later load; the last word was set by the host.
__global__ void atomic_load_kernel(int* counter, long long* big, const int* fixed, int* seen) {
    SKB_SHARED(int, shared_counter, 1);
    if (threadIdx.x == 0) shared_counter[0] = 0;
    __syncthreads();
    const int id = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    atomicAdd(counter, 1);
    atomicMax(big, 1ll << 40);
    atomicAdd(&shared_counter[0], 1);
    seen[4 * id + 0] = atomicLoad(counter);
    seen[4 * id + 1] = static_cast<int>(atomicLoad(big) >> 40);
    seen[4 * id + 2] = atomicLoad(fixed);
    seen[4 * id + 3] = atomicLoad(&shared_counter[0]);
}

TEST(GpuEmulator, AtomicLoad) {
    for (Schedule s : {Schedule::Concurrent, Schedule::Forward, Schedule::Reverse}) {
        const ScopedEmulatorOptions options({.schedule = s});
        DeviceBuffer<int> counter = filled(1, 0);
        DeviceBuffer<long long> big = filled(1, 0ll);
        DeviceBuffer<int> fixed = filled(1, 42);
        DeviceBuffer<int> seen(4 * 256);
        launch(atomic_load_kernel, LaunchConfig{.grid = Dim3{2}, .block = Dim3{128}}, counter.data(), big.data(),
               static_cast<const int*>(fixed.data()), seen.data());
        const auto v = to_host(seen);
        for (int id = 0; id < 256; ++id) {
            EXPECT_GE(v[4 * id], 1);
            EXPECT_LE(v[4 * id], 256);
            EXPECT_EQ(v[4 * id + 1], 1);
            EXPECT_EQ(v[4 * id + 2], 42);
            EXPECT_GE(v[4 * id + 3], 1);
            EXPECT_LE(v[4 * id + 3], 128);
        }
        EXPECT_EQ(to_host(counter)[0], 256);
        if (s == Schedule::Forward) {
            EXPECT_EQ(v[4 * 0 + 3], 1);  // thread 0 of a block runs alone up to its end
        }
    }
}

__global__ void big_static_shared_kernel(float* out) {
    SKB_SHARED(float, big, 8192);  // 32 KiB
    big[threadIdx.x] = 1.0f;
    out[threadIdx.x] = big[threadIdx.x];
}

TEST(GpuEmulator, LaunchConfigurationErrors) {
    DeviceBuffer<float> out(64);
    const auto message_of = [&](LaunchConfig config) {
        return error_of([&] { launch(big_static_shared_kernel, config, out.data()); });
    };
    // A grid over the device's limits comes from an input too large for it: bad input (exit 2), not a bug.
    EXPECT_THROW(launch(big_static_shared_kernel, LaunchConfig{.grid = Dim3{1, 65536}, .block = Dim3{32}}, out.data()),
                 skb::Error);
    EXPECT_NE(message_of({.name = "k", .grid = Dim3{0}, .block = Dim3{32}}).find("launch of kernel 'k': empty grid"),
              std::string::npos);
    EXPECT_NE(message_of({.block = Dim3{64, 32}}).find("has 2048 threads, more than 1024"), std::string::npos);
    EXPECT_NE(message_of({.block = Dim3{1, 1, 65}}).find("exceeds 1024x1024x64"), std::string::npos);
    EXPECT_NE(message_of({.block = Dim3{32}, .dynamic_shared_bytes = 49 * 1024}).find("more than the 48 KiB default"),
              std::string::npos);
    // 32 KiB static + 20 KiB dynamic: over 48 KiB, found when the kernel declares its array.
    EXPECT_NE(message_of({.block = Dim3{32}, .dynamic_shared_bytes = 20 * 1024}).find("more than the 48 KiB"),
              std::string::npos);
    launch(big_static_shared_kernel, LaunchConfig{.block = Dim3{32}, .dynamic_shared_bytes = 16 * 1024}, out.data());
    EXPECT_EQ(to_host(out)[31], 1.0f);
}

TEST(GpuEmulator, TransferAccountingCountsBytesAndCalls) {
    reset_transfer_stats();
    const std::vector<float> host(1000, 2.0f);
    DeviceBuffer<float> in = to_device(std::span<const float>(host));
    DeviceBuffer<float> out(1000);
    launch(copy_kernel, LaunchConfig{.grid = Dim3{4}, .block = Dim3{256}}, in.data(), out.data(), 1000);
    std::vector<float> back(250);
    copy_to_host(std::span<float>(back), out);
    copy_to_host(std::span<float>(back), out);
    const TransferStats s = transfer_stats();
    EXPECT_EQ(s.h2d_calls, 1);
    EXPECT_EQ(s.h2d_bytes, 4000);
    EXPECT_EQ(s.d2h_calls, 2);
    EXPECT_EQ(s.d2h_bytes, 2000);
    EXPECT_EQ(s.kernel_calls, 1);
    EXPECT_GE(s.h2d_ms, 0.0);
    EXPECT_GT(s.kernel_ms, 0.0);
    EXPECT_EQ(back[249], 2.0f);
    std::vector<float> too_long(1001);
    EXPECT_THROW(copy_to_host(std::span<float>(too_long), out), skb::InternalError);  // more than the buffer holds
    reset_transfer_stats();
    EXPECT_EQ(transfer_stats().h2d_calls, 0);
}

TEST(GpuEmulator, EmulatorIsAlwaysAvailable) {
    EXPECT_TRUE(device_available());
    EXPECT_NE(device_description().find("emulator"), std::string::npos);
}

}  // namespace
