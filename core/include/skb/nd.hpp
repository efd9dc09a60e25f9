// Small n-d index helpers for code that walks neighbourhoods of C-ordered arrays of any rank.
#pragma once
#include <cstdint>
#include <vector>

#include "skb/array.hpp"
#include "skb/border.hpp"

namespace skb {

// C-order coordinates of flat index `index`.
inline std::vector<std::int64_t> unravel(std::int64_t index, const Shape& shape) {
    std::vector<std::int64_t> coord(shape.size());
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        coord[d] = index % shape[d];
        index /= shape[d];
    }
    return coord;
}

// The offsets in {-1,0,1}^ndim (C order, the zero offset excluded) that move along at most `connectivity` axes:
// connectivity = ndim gives the full 3^n - 1 neighbourhood, 1 the face neighbours.
inline std::vector<std::vector<std::int64_t>> neighbourhood(int ndim, int connectivity) {
    std::vector<std::vector<std::int64_t>> result;
    const Shape cube(ndim, 3);
    for (std::int64_t i = 0; i < element_count(cube); ++i) {
        auto o = unravel(i, cube);
        int moved = 0;
        for (auto& k : o) moved += (k -= 1) != 0;
        if (moved >= 1 && moved <= connectivity) result.push_back(std::move(o));
    }
    return result;
}

// Flat index read for `coord + offset` under a boundary rule, or -1 when it falls outside in constant mode.
inline std::int64_t neighbour_index(const std::vector<std::int64_t>& coord, const std::vector<std::int64_t>& offset,
                                    const Shape& shape, BorderMode mode) {
    std::int64_t index = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) {
        const std::int64_t k = border_index(coord[d] + offset[d], shape[d], mode);
        if (k < 0) return -1;
        index = index * shape[d] + k;
    }
    return index;
}

// Every element of `input` as F in a new audited array (img_as_float rules; preserve_range keeps raw values).
template <class F> Array to_float_array(const Array& input, bool preserve_range = false);

// `input` converted element-wise (static_cast) to dtype `to`, e.g. a float64 result stored as float32.
Array cast_array(const Array& input, DType to);

}  // namespace skb

#include "skb/convert.hpp"

template <class F> skb::Array skb::to_float_array(const Array& input, bool preserve_range) {
    Array result(dtype_of<F>, input.shape());
    F* out = result.data<F>();
    visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        for (std::int64_t i = 0; i < input.size(); ++i)
            out[i] = img_as_float_or_raw<F>(in[i], preserve_range);
    });
    return result;
}
