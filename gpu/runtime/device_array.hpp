// Arrays that live on the device, and op entry points that take and return them, so a pipeline of GPU ops
// (gaussian -> sobel -> threshold_otsu) uploads its input once and downloads its answer once.
//
//   SKB_GPU_REGISTER_DEVICE_IMPL("filters.sobel", sobel_on_device)
// registers `DeviceArray sobel_on_device(const DeviceArray&, const Params&, const RunOptions&)` twice: as the op's
// device entry, and as its ordinary host entry (upload, the device entry, download). It also registers this
// build's pipeline runner with the core registry: a chain of steps whose ops all have device entries runs on
// device data from the first step to the last.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "runtime/abi.hpp"
#include "runtime/memory.hpp"
#include "runtime/register.hpp"
#include "skb/array.hpp"
#include "skb/error.hpp"
#include "skb/registry.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

class DeviceArray {
public:
    // Uninitialised device storage (poison in the emulator until a kernel or a copy writes it).
    DeviceArray(DType dtype, Shape shape)
        : dtype_(dtype), shape_(std::move(shape)), size_(element_count(shape_)),
          storage_(std::make_shared<DeviceBuffer<std::byte>>(static_cast<std::size_t>(size_) * dtype_size(dtype))) {}

    // One counted H2D of the whole array.
    static DeviceArray upload(const Array& host, const Stream* stream = nullptr) {
        DeviceArray d(host.dtype(), host.shape());
        if (host.nbytes() > 0)
            copy_bytes(d.storage_->data(), host.raw(), host.nbytes(), CopyKind::HostToDevice, stream);
        return d;
    }

    // One counted D2H of the whole array, then the check its producer attached (see on_download).
    Array download(const Stream* stream = nullptr) const {
        Array host(dtype_, shape_);
        if (host.nbytes() > 0) copy_bytes(host.raw(), storage_->data(), host.nbytes(), CopyKind::DeviceToHost, stream);
        if (check_) check_(host);
        return host;
    }

    // A check run on the downloaded values: ops whose kernels find a bad input (a non-finite value) mark the
    // answer (NaN) and fetch the details (which element) only then, so a good run costs no extra copy.
    void on_download(std::function<void(const Array&)> check) { check_ = std::move(check); }

    DType dtype() const { return dtype_; }
    const Shape& shape() const { return shape_; }
    int ndim() const { return static_cast<int>(shape_.size()); }
    std::int64_t size() const { return size_; }
    std::size_t nbytes() const { return storage_->bytes(); }

    // The elements as a device pointer of the dtype's C++ type (kernel arguments).
    template <class T> T* data() const {
        if (dtype_of<T> != dtype_)
            throw Error(std::string("device array of ") + std::string(dtype_name(dtype_)) + " read as " +
                        std::string(dtype_name(dtype_of<T>)));
        return reinterpret_cast<T*>(storage_->data());
    }

private:
    DType dtype_;
    Shape shape_;
    std::int64_t size_;
    std::shared_ptr<DeviceBuffer<std::byte>> storage_;  // shared: a step may hand its input on unchanged
    std::function<void(const Array&)> check_;
};

using DeviceOpImpl = std::function<DeviceArray(const DeviceArray& input, const Params& params, const RunOptions&)>;

// This build's device entries, by op id.
inline std::map<std::string, DeviceOpImpl, std::less<>>& device_impls() {
    static std::map<std::string, DeviceOpImpl, std::less<>> impls;
    return impls;
}

// Runs `steps` on device data when every step has a device entry: one upload, one download. nullopt otherwise
// (the caller runs the steps one by one, each through the host).
inline std::optional<Array> run_on_device(std::span<const PreparedOp> steps, const Array& input,
                                          const RunOptions& options) {
    std::vector<const DeviceOpImpl*> chain;
    for (const PreparedOp& step : steps) {
        const auto it = device_impls().find(step.spec().id);
        if (it == device_impls().end()) return std::nullopt;
        chain.push_back(&it->second);
    }
    DeviceArray current = DeviceArray::upload(input);
    for (std::size_t i = 0; i < chain.size(); ++i) current = (*chain[i])(current, steps[i].params(), options);
    return current.download();
}

namespace detail {

struct DeviceImplRegistrar {
    DeviceImplRegistrar(const char* op_id, DeviceOpImpl impl) {
        const auto host_entry = [impl](const Array& input, const Params& params, const RunOptions& options) {
            return impl(DeviceArray::upload(input), params, options).download();
        };
        if (!register_gpu_impl(op_id, as_op_impl(host_entry))) return;
        device_impls().emplace(op_id, impl);
        Registry::instance().set_pipeline_impl(SKB_GPU_BACKEND_NAME, run_on_device);
    }
};

}  // namespace detail
}  // namespace skb::gpu::inline SKB_GPU_ABI

#define SKB_GPU_REGISTER_DEVICE_IMPL(op_id, fn) \
    static const ::skb::gpu::detail::DeviceImplRegistrar SKB_CONCAT(skb_gpu_device_impl_registrar_, __COUNTER__)(op_id, fn)
