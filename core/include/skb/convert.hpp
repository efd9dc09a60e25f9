// scikit-image's img_as_float rules for one element: unsigned ints scale by 1/max, bool maps to 0/1, floats pass.
#pragma once
#include <cstdint>
#include <limits>
#include <type_traits>

#include "skb/hd.hpp"

namespace skb {

// NumPy computes 1.0/imax as a Python float (float64), then casts it to the computation type.
template <class F, class T> SKB_HD constexpr F reciprocal_of_max() {
    return static_cast<F>(1.0 / static_cast<double>(std::numeric_limits<T>::max()));
}

// To float64 exactly as img_as_float64 does: x * (1.0 / imax), the reciprocal computed in float64.
// To float32 as img_as_float32 does for inputs of at most 4 bytes: the same, computed in float32.
template <class F, class T> SKB_HD inline F img_as_float(T value) {
    if constexpr (std::is_same_v<T, bool>) {
        return value ? F(1) : F(0);
    } else if constexpr (std::is_floating_point_v<T>) {
        return static_cast<F>(value);
    } else if constexpr (std::is_unsigned_v<T>) {
        return static_cast<F>(value) * reciprocal_of_max<F, T>();
    } else {
        const F scaled = static_cast<F>(value) * reciprocal_of_max<F, T>();
        return scaled < F(-1) ? F(-1) : scaled;
    }
}

// One element as F: by img_as_float's rule, or the raw value with preserve_range (scikit-image's flag).
template <class F, class T> SKB_HD inline F img_as_float_or_raw(T value, bool preserve_range) {
    return preserve_range ? static_cast<F>(value) : img_as_float<F>(value);
}

}  // namespace skb
