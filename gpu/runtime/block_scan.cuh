// Prefix sums on the device. block_exclusive_scan: over one block's threads (warp scans with shuffles, then a
// scan of the warp totals by the first warp), for kernels (threshold_otsu's bin scan, measure.label's root
// counts). exclusive_scan_on_device: over an array in device memory, by as many blocks as it takes.
#pragma once
#include <cstdint>

#include "runtime/kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

// Exclusive prefix sum of one value per thread over a 1-d block (blockDim.x a multiple of 32, at most 1024): every
// thread of the block must call it. `total` gets the block's sum; `warp_sums` is shared scratch of kWarpSize values.
template <class T> __device__ __forceinline__ T block_exclusive_scan(T value, T* warp_sums, T& total) {
    const unsigned lane = threadIdx.x % kWarpSize, warp = threadIdx.x / kWarpSize, warps = blockDim.x / kWarpSize;
    T inclusive = value;
    for (unsigned d = 1; d < kWarpSize; d <<= 1) {
        const T up = __shfl_up_sync(kFullMask, inclusive, d);
        if (lane >= d) inclusive += up;
    }
    if (lane == kWarpSize - 1) warp_sums[warp] = inclusive;
    __syncthreads();
    if (warp == 0) {
        T s = lane < warps ? warp_sums[lane] : T{0};
        for (unsigned d = 1; d < kWarpSize; d <<= 1) {
            const T up = __shfl_up_sync(kFullMask, s, d);
            if (lane >= d) s += up;
        }
        if (lane < warps) warp_sums[lane] = s;  // inclusive over warps
    }
    __syncthreads();
    const T result = (warp == 0 ? T{0} : warp_sums[warp - 1]) + inclusive - value;
    total = warp_sums[warps - 1];
    __syncthreads();  // before a next call overwrites warp_sums
    return result;
}

// Each block: its chunk of Threads x Items values (Items consecutive ones per thread) in place as an exclusive prefix
// sum within the chunk, and the chunk's total in chunk_totals[blockIdx.x] (when given).
template <class T, unsigned Items>
__global__ void scan_chunks_kernel(T* values, std::int64_t count, T* chunk_totals) {
    SKB_SHARED(T, warp_sums, kWarpSize);
    const std::int64_t first = (std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x) * Items;
    const std::int64_t last = first + Items < count ? first + Items : count;
    T mine{0};
    for (std::int64_t i = first; i < last; ++i) mine += values[i];
    T total;
    T before = block_exclusive_scan(mine, warp_sums, total);
    for (std::int64_t i = first; i < last; ++i) {
        const T value = values[i];
        values[i] = before;
        before += value;
    }
    if (chunk_totals && threadIdx.x == 0) chunk_totals[blockIdx.x] = total;
}

template <class T, unsigned Items>
__global__ void add_chunk_offsets_kernel(T* values, std::int64_t count, const T* offsets) {
    const std::int64_t first = (std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x) * Items;
    for (std::int64_t i = first; i < first + Items && i < count; ++i) values[i] += offsets[blockIdx.x];
}

// values[0, count) in place as an exclusive prefix sum: one launch when one block's chunk (Threads x Items)
// holds them all; else the chunks' scans, the scan of the chunk totals (the same way, recursively) and the chunk
// offsets added back. No host wait; a scratch buffer per level beyond the first.
template <unsigned Threads, unsigned Items, class T> void exclusive_scan_on_device(T* values, std::int64_t count) {
    static_assert(Threads % kWarpSize == 0 && Threads <= kMaxThreadsPerBlock);
    constexpr std::int64_t chunk = std::int64_t{Threads} * Items;
    const auto chunks = static_cast<unsigned>((count + chunk - 1) / chunk);
    const LaunchConfig config{.name = "exclusive_scan/chunks", .grid = Dim3{chunks}, .block = Dim3{Threads}};
    if (chunks <= 1) {
        launch(scan_chunks_kernel<T, Items>, config, values, count, static_cast<T*>(nullptr));
        return;
    }
    DeviceBuffer<T> totals(chunks);
    launch(scan_chunks_kernel<T, Items>, config, values, count, totals.data());
    exclusive_scan_on_device<Threads, Items>(totals.data(), std::int64_t{chunks});
    launch(add_chunk_offsets_kernel<T, Items>,
           LaunchConfig{.name = "exclusive_scan/add_offsets", .grid = Dim3{chunks}, .block = Dim3{Threads}}, values,
           count, static_cast<const T*>(totals.data()));
}

}  // namespace skb::gpu::inline SKB_GPU_ABI
