// A real parameter that a pipeline may bind to an earlier step's device scalar (threshold_otsu's t as
// numpy.greater's x2): kernels take the Params value and a device pointer, and read the pointer when it is set.
// The bound scalar, of whatever dtype its step returned, becomes a float64 on the device by one single-thread
// launch: the same double that the host path gets by printing the scalar exactly and parsing it back.
#pragma once
#include <optional>
#include <string_view>

#include "runtime/device_array.hpp"
#include "runtime/kernel.hpp"

namespace skb::gpu::inline SKB_GPU_ABI {

template <class T> __global__ void scalar_as_real_kernel(const T* scalar, double* real) {
    *real = static_cast<double>(*scalar);
}

// Owns the float64 copy that `device` points at (nullptr: the parameter is not bound).
struct BoundReal {
    std::optional<DeviceArray> storage;
    const double* device = nullptr;
};

inline BoundReal bound_real(const DeviceInputs& inputs, std::string_view param) {
    BoundReal bound;
    const DeviceArray* scalar = inputs.bound(param);
    if (!scalar) return bound;
    if (scalar->dtype() == DType::F64) {
        bound.storage = *scalar;
    } else {
        bound.storage.emplace(DType::F64, Shape{});
        visit_dtype(scalar->dtype(), [&](auto tag) {
            using T = decltype(tag);
            launch(scalar_as_real_kernel<T>, {.name = "bound_scalar/as_real"}, scalar->data<T>(),
                   bound.storage->data<double>());
        });
    }
    bound.device = bound.storage->data<double>();
    return bound;
}

}  // namespace skb::gpu::inline SKB_GPU_ABI
