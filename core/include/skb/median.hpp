// What every backend of filters.median shares: SciPy's median_filter semantics as scikit-image 0.26 calls it
// (behavior='ndimage'). The window is the footprint (default: the full 3^n box) centred at n//2 on even axes; the
// answer is the element of rank count//2 of the window sorted ascending (the upper median for an even count);
// outside the image reads through the border mode, and in constant mode reads cval converted to the image's dtype
// first, as SciPy's C code does (truncation toward zero, integers wrapping modulo 2^bits: cval 300 on uint8 is 44
// and sorts as 44, -5 is 251; measured against SciPy 1.16). Selection is then exact in the image's own type.
// A NaN makes SciPy's answer depend on its selection order: skbench refuses it (image or cval).
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>

#include "skb/error.hpp"
#include "skb/footprint.hpp"
#include "skb/hd.hpp"
#include "skb/params.hpp"

namespace skb::median {

// The window: the footprint given, else the 3^n box.
inline Footprint window(const Params& params, int ndim) {
    const Footprint* given = params.footprint("footprint");
    return given ? *given : Footprint::connectivity_structure(ndim, ndim);
}

// cval converted to T as SciPy's C cast does on x86-64.
template <class T> SKB_HD inline T from_double(double v) {
    if constexpr (std::is_floating_point_v<T>) {
        return static_cast<T>(v);
    } else {
        // (npy_<type>)double for 8- and 16-bit types: cvttsd2si to a 32-bit integer (out of its range: INT32_MIN),
        // then the low bits (measured against SciPy 1.16: 3e9 -> 0, 70000.9 -> 4464 for uint16).
        const std::int32_t wide = v > -2147483649.0 && v < 2147483648.0 ? static_cast<std::int32_t>(v)  // truncates
                                                                           : std::int32_t{-2147483647 - 1};
        if constexpr (std::is_same_v<T, bool>) return static_cast<std::uint8_t>(wide) != 0;
        else return static_cast<T>(static_cast<std::uint32_t>(wide));
    }
}

[[noreturn]] inline void throw_nan_at(std::int64_t index) {
    throw Error("filters.median: the image holds NaN at flat index " + std::to_string(index) +
                " (SciPy's median of a window with NaN depends on its selection order; skbench refuses it)");
}

}  // namespace skb::median
