// What a kernel file (gpu/<category>/<op>.cu) includes: CUDA's vocabulary (threadIdx, blockIdx, blockDim,
// gridDim, __syncthreads, full-mask warp shuffles and ballots, atomics), shared memory through project macros,
// launch(), device buffers and counted copies, and the backend registration macro.
//
// Shared memory, identical under nvcc and the emulator:
//   SKB_SHARED(T, name, count)   static:  T name[count]; 2-d with an array element: SKB_SHARED(float[34], t, 10)
//   SKB_DYNAMIC_SHARED(T, name)  dynamic: T* name over LaunchConfig::dynamic_shared_bytes
// Declare shared arrays unconditionally (every thread of a block must pass the same declarations in the same
// order: the emulator lays them out per thread). Kernels use full warp masks only (the emulator rejects
// others) and no <<<>>> (launch() in runtime/launch.hpp).
//
// One atomic beyond CUDA's: atomicLoad(p), a relaxed atomic load (cuda::atomic_ref<T>(*p).load(relaxed) under
// nvcc, std::atomic_ref in the emulator), for reading words that other threads of the grid update with atomics
// at the same time (union-find parents): cheaper than atomicAdd(p, 0), and not a data race for ThreadSanitizer.
#pragma once
#include <type_traits>

#include "runtime/abi.hpp"

#if defined(SKB_GPU_EMULATOR)
#include "runtime/emu/vocabulary.hpp"
#elif defined(__CUDACC__)
#include <cuda_runtime.h>

#include <cuda/atomic>
template <class T> __device__ __forceinline__ T atomicLoad(const T* address) {
    return cuda::atomic_ref<T, cuda::thread_scope_device>(*const_cast<T*>(address)).load(cuda::memory_order_relaxed);
}
#define SKB_SHARED(T, name, count) __shared__ ::std::type_identity_t<T> name[count]
#define SKB_DYNAMIC_SHARED(T, name)                                    \
    extern __shared__ __align__(16) unsigned char skb_dynamic_shared_[]; \
    T* const name = reinterpret_cast<T*>(skb_dynamic_shared_)
#else
#error "kernel files are compiled by nvcc or, with SKB_GPU_EMULATOR defined, by the emulator build"
#endif

#include "runtime/launch.hpp"
#include "runtime/memory.hpp"
#include "runtime/register.hpp"
