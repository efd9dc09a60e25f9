// measure.label's rules shared by every backend (and the op spec): its parameters, its output dtype, and the
// order in which scikit-image numbers connected components.
// Labels are consecutive from 1 in C order of each component's first pixel, except that scikit-image's Cython
// labeller (used for non-bool images) first swaps a size-1 axis that follows a longer one with that axis
// (measure/_ccomp.pyx, _get_swaps; only the last swap takes effect) and numbers components in the swapped
// array's C order. For 2-d and 3-d images this matters only for shapes (Z, Y, 1).
#pragma once
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "skb/array.hpp"
#include "skb/error.hpp"
#include "skb/params.hpp"

namespace skb {

// connectivity (None: ndim, full) and background (None: 0), as given to measure.label (the spec has checked
// the connectivity range).
struct LabelParams {
    int connectivity = 0;
    std::int64_t background = 0;
};
inline LabelParams label_params(const Params& params, int ndim) {
    return {static_cast<int>(params.optional_integer("connectivity").value_or(ndim)),
            params.optional_integer("background").value_or(0)};
}

// Float images are labelled by their values cast to intp (NumPy's astype, truncating). A value with no int64
// truncation (NaN, an infinity, |v| >= 2^63) casts to whatever the platform gives (INT64_MIN on x86, 0 or the
// saturated bound on a GPU; undefined in C++): every backend refuses it instead, naming the first such element.
template <class F> constexpr bool has_int64_key(F v) {
    return v >= F(-9223372036854775808.0) && v < F(9223372036854775808.0);  // 2^63 exactly; false for NaN
}
[[noreturn]] inline void throw_no_int64_key(std::int64_t index, double value) {
    throw Error("measure.label: element " + std::to_string(index) + " of the float image is " + std::to_string(value) +
                ", which has no integer label (NaN, infinities and values beyond int64 are refused: scikit-image's "
                "cast to intp gives a platform-dependent label for them)");
}
template <class T> void check_int64_keys(const T* values, std::int64_t n) {
    if constexpr (std::is_floating_point_v<T>)
        for (std::int64_t i = 0; i < n; ++i)
            if (!has_int64_key(values[i])) throw_no_int64_key(i, static_cast<double>(values[i]));
}

// scikit-image labels bool images through ndimage.label (int32 labels), other dtypes as intp (int64).
inline DType label_dtype(DType input) { return input == DType::Bool ? DType::I32 : DType::I64; }

// The axis order of the scan: the identity, or one pair of axes swapped as _get_swaps decides (non-bool input).
inline std::vector<int> label_scan_axes(const Shape& shape, bool bool_input) {
    std::vector<int> axes(shape.size()), ones, bigs;
    std::iota(axes.begin(), axes.end(), 0);
    if (bool_input) return axes;  // ndimage.label: plain C order
    for (int d = 0; d < static_cast<int>(shape.size()); ++d) (shape[d] == 1 ? ones : bigs).push_back(d);
    std::reverse(ones.begin(), ones.end());
    std::pair<int, int> swap{-1, -1};
    for (std::size_t i = 0; i < ones.size() && i < bigs.size() && ones[i] > bigs[i]; ++i) swap = {ones[i], bigs[i]};
    if (swap.first >= 0) std::swap(axes[swap.first], axes[swap.second]);
    return axes;
}

// Flat index of the p-th pixel when the array is scanned in C order over `scan_axes` (a permutation).
inline std::int64_t scanned_index(std::int64_t p, const Shape& shape, const std::vector<int>& scan_axes) {
    const Shape strides = c_strides(shape);
    std::int64_t index = 0;
    for (int i = static_cast<int>(scan_axes.size()) - 1; i >= 0; --i) {
        const int axis = scan_axes[i];
        index += (p % shape[axis]) * strides[axis];
        p /= shape[axis];
    }
    return index;
}

inline bool is_identity(const std::vector<int>& axes) {
    for (std::size_t d = 0; d < axes.size(); ++d)
        if (axes[d] != static_cast<int>(d)) return false;
    return true;
}

}  // namespace skb
