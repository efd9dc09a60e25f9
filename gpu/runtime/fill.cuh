// fill_kernel: n elements of a device array set to one value (count and flag tables start at zero), a
// grid-stride loop; launch it with grid_stride_config.
#pragma once
#include <cstdint>

#include "runtime/kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

template <class T> __global__ void fill_kernel(T* p, std::int64_t n, T value) {
    const std::int64_t stride = std::int64_t{blockDim.x} * gridDim.x;
    for (std::int64_t i = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < n; i += stride) p[i] = value;
}

}  // namespace skb::gpu::inline SKB_GPU_ABI
