// CUDA numpy.extract: stream compaction in C order. Each block owns a chunk of Threads x Items consecutive
// elements (Items per thread): pass 1 counts the chunk's True values (a block scan of the per-thread counts); the
// chunk counts are scanned on the device (runtime/block_scan.cuh) into offsets; the answer's length (8 bytes) comes
// back to the host, which sizes the 1-d result; pass 2 recounts each thread's run, scans the block again and
// writes each kept element at offset + rank. A device entry (condition an extra device input), so that in the
// tomography pipeline the median and the mask stay on the device; the length is its one extra D2H.
#include "runtime/block_scan.cuh"
#include "runtime/device_array.hpp"
#include "skb/nvtx.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {
namespace {

struct ExtractPolicy {
    static constexpr unsigned threads = 256;
    static constexpr unsigned items = 16;  // consecutive elements per thread
    static constexpr std::int64_t chunk = std::int64_t{threads} * items;
};
using Offset = unsigned long long;

// The [first, last) run of thread threadIdx.x of this block.
struct Run {
    std::int64_t first, last;
};
__device__ __forceinline__ Run thread_run(std::int64_t n) {
    const std::int64_t first = (std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x) * ExtractPolicy::items;
    return {first < n ? first : n, first + ExtractPolicy::items < n ? first + ExtractPolicy::items : n};
}

// chunk_counts[b] for each chunk b, and 0 after the last (the scan then ends with the answer's length).
__global__ void count_chunks_kernel(const bool* condition, std::int64_t n, Offset* chunk_counts) {
    SKB_SHARED(Offset, warp_sums, kWarpSize);
    const Run run = thread_run(n);
    Offset mine = 0;
    for (std::int64_t i = run.first; i < run.last; ++i) mine += condition[i] ? 1 : 0;
    Offset total;
    block_exclusive_scan(mine, warp_sums, total);
    if (threadIdx.x == 0) chunk_counts[blockIdx.x] = total;
    if (threadIdx.x == 0 && blockIdx.x == 0) chunk_counts[gridDim.x] = 0;
}

template <class T>
__global__ void write_kept_kernel(const T* arr, const bool* condition, std::int64_t n, const Offset* offsets, T* out) {
    SKB_SHARED(Offset, warp_sums, kWarpSize);
    const Run run = thread_run(n);
    Offset mine = 0;
    for (std::int64_t i = run.first; i < run.last; ++i) mine += condition[i] ? 1 : 0;
    Offset total;
    Offset at = offsets[blockIdx.x] + block_exclusive_scan(mine, warp_sums, total);
    for (std::int64_t i = run.first; i < run.last; ++i)
        if (condition[i]) out[at++] = arr[i];
}

DeviceArray extract(const DeviceInputs& inputs, const Params&, const RunOptions&) {
    SKB_NVTX_RANGE("numpy.extract/" SKB_GPU_BACKEND_NAME);
    using P = ExtractPolicy;
    const DeviceArray& arr = inputs.image();
    const bool* condition = inputs.extra("condition")->data<bool>();
    const std::int64_t n = arr.size();
    const auto chunks = static_cast<unsigned>((n + P::chunk - 1) / P::chunk);
    const LaunchConfig per_chunk{.name = "numpy.extract/count", .grid = Dim3{chunks}, .block = Dim3{P::threads}};
    DeviceBuffer<Offset> offsets(chunks + 1);
    launch(count_chunks_kernel, per_chunk, condition, n, offsets.data());
    exclusive_scan_on_device<P::threads, 4>(offsets.data(), std::int64_t{chunks} + 1);
    Offset length = 0;
    copy_bytes(&length, offsets.data() + chunks, sizeof length, CopyKind::DeviceToHost);  // sizes the answer
    DeviceArray result(arr.dtype(), Shape{static_cast<std::int64_t>(length)});
    visit_dtype<kImageDTypes>(arr.dtype(), [&](auto tag) {
        using T = decltype(tag);
        LaunchConfig write = per_chunk;
        write.name = "numpy.extract/write";
        launch(write_kept_kernel<T>, write, arr.data<T>(), condition, n, static_cast<const Offset*>(offsets.data()),
               result.data<T>());
    });
    return result;
}

SKB_GPU_REGISTER_DEVICE_IMPL("numpy.extract", extract);

}  // namespace
}  // namespace skb::gpu::inline SKB_GPU_ABI
