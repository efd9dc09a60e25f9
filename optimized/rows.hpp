// Row-level building blocks of the opt backend: element conversion to float32 (img_as_float32 rules), rows
// padded by the border rule, and the row index an out-of-range coordinate reads.
#pragma once
#include <cstdint>
#include <type_traits>

#include "skb/border.hpp"
#include "skb/convert.hpp"

namespace skb::opt {

// The target's vector width, for GCC vector types: wider generic vectors are lowered through the stack, and a
// min/max ternary of one to a scalar sequence per element (minss), where a native-width one is one instruction.
#if defined(__AVX512F__)
inline constexpr std::int64_t kVectorBytes = 64;
#elif defined(__AVX__)
inline constexpr std::int64_t kVectorBytes = 32;
#else
inline constexpr std::int64_t kVectorBytes = 16;
#endif

// One element as float32: scaled by img_as_float32's rule, or raw with preserve_range.
template <class T> inline float as_float(T v, bool preserve_range) {
    return img_as_float_or_raw<float>(v, preserve_range);
}

// dst[pad + i] = convert(src[i]) for i in [0, n); dst[0..pad) and dst[pad+n .. pad+n+pad) extend the row by
// `mode` (`outside` in constant mode).
template <class Dst, class Src, class Convert>
inline void load_padded_row(const Src* src, std::int64_t n, std::int64_t pad, BorderMode mode, Dst outside, Dst* dst,
                            Convert convert) {
    Dst* centre = dst + pad;
    for (std::int64_t i = 0; i < n; ++i) centre[i] = convert(src[i]);
    for (std::int64_t i = 1; i <= pad; ++i) {
        const std::int64_t left = border_index(-i, n, mode), right = border_index(n - 1 + i, n, mode);
        centre[-i] = left < 0 ? outside : centre[left];
        centre[n - 1 + i] = right < 0 ? outside : centre[right];
    }
}

template <class Dst> inline void fill_row(Dst* dst, std::int64_t n, Dst value) {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = value;
}

}  // namespace skb::opt
