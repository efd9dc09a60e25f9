// Arrays that live on the device, and op entry points that take and return them, so a pipeline of GPU ops
// (gaussian -> sobel -> threshold_otsu; the coins graph, threshold_otsu's t bound as numpy.greater's x2) uploads
// its input once and downloads its answer once.
//
//   SKB_GPU_REGISTER_DEVICE_IMPL("filters.sobel", sobel_on_device)
//   SKB_GPU_REGISTER_DEVICE_IMPL("numpy.greater", greater, "x2")
// registers a device entry twice: as the op's device entry, and as its ordinary host entry (upload each input,
// the device entry, download). The entry is `DeviceArray f(const DeviceArray& image | const DeviceInputs&,
// const Params&, const RunOptions&)`, or `Array f(const DeviceInputs&, ...)` for an op whose answer is assembled
// on the host from device results (regionprops_table's table): such an op can only end a device pipeline. The
// names after the entry are the parameters it can read from an earlier step's device scalar
// (DeviceInputs::bound). Registering also installs this build's pipeline runner with the core registry: a
// pipeline whose steps all have device entries runs on device data from the first step to the last.
// A device entry never writes its inputs (a pipeline may hand one array to several steps).
#pragma once
#include <algorithm>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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
    // The same check for an intermediate a pipeline never downloads, without its values (a flag the kernel set
    // on the device, a few bytes): what verify() runs instead of downloading the whole array.
    void on_verify(std::function<void()> probe) { probe_ = std::move(probe); }
    bool has_check() const { return static_cast<bool>(check_); }
    // Runs the attached check on an intermediate: its probe where it has one, else the download's check.
    void verify() const {
        if (probe_) probe_();
        else if (check_) download();
    }

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
    std::function<void()> probe_;
};

// What a device entry reads: its image and extra inputs on the device, and the parameters a pipeline bound to
// earlier steps' device scalars.
class DeviceInputs {
public:
    explicit DeviceInputs(DeviceArray image) : image_(std::move(image)) {}

    // One counted H2D per input.
    static DeviceInputs upload(const OpInputs& host) {
        DeviceInputs inputs(DeviceArray::upload(host.image()));
        for (const auto& [name, array] : host.extras()) inputs.extras_.emplace_back(name, DeviceArray::upload(*array));
        return inputs;
    }

    const DeviceArray& image() const { return image_; }
    const DeviceArray* extra(std::string_view name) const { return find(extras_, name); }
    // A parameter's value as a one-element device array (an earlier step's result); nullptr: the value is the
    // one in Params.
    const DeviceArray* bound(std::string_view param) const { return find(bound_, param); }
    DeviceInputs& with(std::string name, DeviceArray extra) {
        extras_.emplace_back(std::move(name), std::move(extra));
        return *this;
    }
    DeviceInputs& bind(std::string param, DeviceArray scalar) {
        bound_.emplace_back(std::move(param), std::move(scalar));
        return *this;
    }

private:
    using Named = std::vector<std::pair<std::string, DeviceArray>>;
    static const DeviceArray* find(const Named& named, std::string_view name) {
        for (const auto& [n, a] : named)
            if (n == name) return &a;
        return nullptr;
    }
    DeviceArray image_;
    Named extras_, bound_;
};

// An op's device entry: device data to device data (to_device), or to a host array (to_host), one of the two.
struct DeviceEntry {
    std::function<DeviceArray(const DeviceInputs&, const Params&, const RunOptions&)> to_device;
    std::function<Array(const DeviceInputs&, const Params&, const RunOptions&)> to_host;
    std::vector<std::string> bindable;  // parameters it reads from DeviceInputs::bound when bound there

    Array run_to_host(const DeviceInputs& inputs, const Params& params, const RunOptions& options) const {
        return to_device ? to_device(inputs, params, options).download() : to_host(inputs, params, options);
    }
    bool can_bind(std::string_view param) const {
        return std::find(bindable.begin(), bindable.end(), param) != bindable.end();
    }
};

// This build's device entries, by op id.
inline std::map<std::string, DeviceEntry, std::less<>>& device_impls() {
    static std::map<std::string, DeviceEntry, std::less<>> impls;
    return impls;
}

// Runs a pipeline on device data when every step has a device entry (that takes the step's bound parameters,
// and returns device data unless it is the last step): one upload per input of the first step, one download of
// the answer. nullopt otherwise (the caller runs the steps one by one, each through the host). Intermediates
// are freed after their last reader; one that carries a check (a float threshold whose NaN says the image held
// a non-finite value) is downloaded and checked before the answer is.
inline std::optional<Array> run_on_device(std::span<const PreparedOp> steps, std::span<const StepWiring> wiring,
                                          const OpInputs& inputs, const RunOptions& options) {
    const std::size_t n = steps.size();
    const auto wiring_at = [&](std::size_t i) { return wiring.empty() ? StepWiring{} : wiring[i]; };
    std::vector<const DeviceEntry*> entries;
    for (std::size_t i = 0; i < n; ++i) {
        const auto it = device_impls().find(steps[i].spec().id);
        if (it == device_impls().end() || (!it->second.to_device && i + 1 < n)) return std::nullopt;
        for (const auto& [param, k] : wiring_at(i).bound)
            if (!it->second.can_bind(param)) return std::nullopt;
        entries.push_back(&it->second);
    }
    const DeviceInputs first = DeviceInputs::upload(inputs);
    const std::vector<std::size_t> last = last_readers(wiring, n);
    std::vector<std::optional<DeviceArray>> results(n);
    std::vector<DeviceArray> unchecked;
    const auto check_intermediates = [&] {
        for (const DeviceArray& a : unchecked) a.verify();
    };
    for (std::size_t i = 0; i < n; ++i) {
        const StepWiring link = wiring_at(i);
        const auto source = [&](std::size_t k) -> const DeviceArray& {
            return k == StepWiring::kPipelineInput ? first.image() : *results[k];
        };
        DeviceInputs in = i == 0 ? first : DeviceInputs(source(link.image_source(i)));
        for (const auto& [name, k] : link.extras) in.with(name, source(k));
        for (const auto& [param, k] : link.bound) {
            if (results[k]->size() != 1)
                throw InternalError("pipeline parameter " + param + " is bound to a result of shape " +
                                    shape_string(results[k]->shape()) + ", not a scalar");
            in.bind(param, *results[k]);
        }
        if (i + 1 == n) {
            if (entries[i]->to_host) {
                Array answer = entries[i]->to_host(in, steps[i].params(), options);
                check_intermediates();
                return answer;
            }
            const DeviceArray answer = entries[i]->to_device(in, steps[i].params(), options);
            check_intermediates();
            return answer.download();
        }
        results[i] = entries[i]->to_device(in, steps[i].params(), options);
        for (std::size_t k = 0; k <= i; ++k)
            if (last[k] == i && results[k]) {
                if (results[k]->has_check()) unchecked.push_back(*results[k]);
                results[k].reset();
            }
    }
    throw InternalError("run_on_device: no steps");
}

namespace detail {

template <class Fn> DeviceEntry device_entry(Fn fn, std::initializer_list<const char*> bindable) {
    DeviceEntry entry;
    entry.bindable.assign(bindable.begin(), bindable.end());
    if constexpr (std::is_invocable_v<Fn&, const DeviceInputs&, const Params&, const RunOptions&>) {
        using Result = std::invoke_result_t<Fn&, const DeviceInputs&, const Params&, const RunOptions&>;
        if constexpr (std::is_same_v<Result, Array>) entry.to_host = std::move(fn);
        else entry.to_device = std::move(fn);
    } else {
        entry.to_device = [fn = std::move(fn)](const DeviceInputs& in, const Params& params, const RunOptions& options) {
            return fn(in.image(), params, options);
        };
    }
    return entry;
}

struct DeviceImplRegistrar {
    template <class Fn> DeviceImplRegistrar(const char* op_id, Fn fn, std::initializer_list<const char*> bindable) {
        DeviceEntry entry = device_entry(std::move(fn), bindable);
        const auto host_entry = [entry](const OpInputs& inputs, const Params& params, const RunOptions& options) {
            return entry.run_to_host(DeviceInputs::upload(inputs), params, options);
        };
        if (!register_gpu_impl(op_id, OpImpl(host_entry))) return;
        device_impls().emplace(op_id, std::move(entry));
        Registry::instance().set_pipeline_impl(SKB_GPU_BACKEND_NAME, run_on_device);
    }
};

}  // namespace detail
}  // namespace skb::gpu::inline SKB_GPU_ABI

// The names after `fn`: the parameters its entry can read from a bound device scalar (DeviceInputs::bound).
#define SKB_GPU_REGISTER_DEVICE_IMPL(op_id, fn, ...)                                                              \
    static const ::skb::gpu::detail::DeviceImplRegistrar SKB_CONCAT(skb_gpu_device_impl_registrar_, __COUNTER__)( \
        op_id, fn, {__VA_ARGS__})
