// SKB_GPU_REGISTER_IMPL("filters.sobel", sobel): registers an op entry point of a kernel file as backend `cuda`
// (nvcc build; only when device_available(), so without a GPU the backend is simply absent) or `cuda-emu`
// (emulator build; always).
#pragma once
#include <utility>

#include "runtime/abi.hpp"
#include "runtime/memory.hpp"
#include "skb/registry.hpp"

namespace skb::gpu::inline SKB_GPU_ABI::detail {

struct ImplRegistrar {
    ImplRegistrar(const char* op_id, OpImpl impl) {
        if (device_available()) Registry::instance().add_impl(op_id, SKB_GPU_BACKEND_NAME, std::move(impl));
    }
};

}  // namespace skb::gpu::inline SKB_GPU_ABI::detail

#define SKB_GPU_REGISTER_IMPL(op_id, fn) \
    static const ::skb::gpu::detail::ImplRegistrar SKB_CONCAT(skb_gpu_impl_registrar_, __COUNTER__)(op_id, fn)
