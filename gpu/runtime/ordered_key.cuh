// Order-preserving unsigned keys of values, so that minima and maxima of floats reduce with CUDA's integer
// atomicMin/atomicMax (threshold_otsu's range, regionprops_table's intensity_min/max).
#pragma once
#include <bit>
#include <type_traits>

#include "runtime/kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

template <class V> using Key = std::conditional_t<sizeof(V) == 8, unsigned long long, unsigned>;

template <class V> __host__ __device__ __forceinline__ Key<V> key_of(V v) {
    if constexpr (std::is_floating_point_v<V>) {
        constexpr Key<V> sign = Key<V>{1} << (8 * sizeof(V) - 1);
        const auto bits = std::bit_cast<Key<V>>(v);
        return bits & sign ? ~bits : bits | sign;  // negatives reversed below the positives
    } else {
        return static_cast<Key<V>>(v);
    }
}

template <class V> __host__ __device__ V value_of(Key<V> key) {
    if constexpr (std::is_floating_point_v<V>) {
        constexpr Key<V> sign = Key<V>{1} << (8 * sizeof(V) - 1);
        return std::bit_cast<V>(key & sign ? key & ~sign : ~key);
    } else {
        return static_cast<V>(key);
    }
}

}  // namespace skb::gpu::inline SKB_GPU_ABI
