// SKB_GPU_REGISTER_IMPL("filters.sobel", sobel): registers an op entry point of a kernel file as backend `cuda`
// (nvcc build; only when device_available(): without a GPU the backend is marked "no device" instead) or
// `cuda-emu` (emulator build; always). `sobel` takes the image alone or every input, as SKB_REGISTER_IMPL.
#pragma once
#include <utility>

#include "runtime/abi.hpp"
#include "runtime/memory.hpp"
#include "skb/registry.hpp"

namespace skb::gpu::inline SKB_GPU_ABI::detail {

// Registers `impl` as this build's GPU backend of `op_id` if a device is present; else says why it cannot run.
inline bool register_gpu_impl(const char* op_id, OpImpl impl) {
    if (!device_available()) {
        Registry::instance().set_unavailable(SKB_GPU_BACKEND_NAME, "no device");
        return false;
    }
    Registry::instance().add_impl(op_id, SKB_GPU_BACKEND_NAME, std::move(impl));
    return true;
}

struct ImplRegistrar {
    template <class Fn> ImplRegistrar(const char* op_id, Fn fn) { register_gpu_impl(op_id, as_op_impl(std::move(fn))); }
};

}  // namespace skb::gpu::inline SKB_GPU_ABI::detail

#define SKB_GPU_REGISTER_IMPL(op_id, fn) \
    static const ::skb::gpu::detail::ImplRegistrar SKB_CONCAT(skb_gpu_impl_registrar_, __COUNTER__)(op_id, fn)
