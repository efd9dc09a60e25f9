// The one loop behind every reference morphology op: the minimum or maximum of I[x + o] over a footprint's
// offsets o, reading outside the image through a border rule (or `outside` in constant mode).
#pragma once
#include <algorithm>

#include "skb/morphology.hpp"
#include "skb/nd.hpp"

namespace skb::reference {

template <class T> Array extremum_filter(const Array& image, const std::vector<std::vector<std::int64_t>>& offsets,
                                         Extremum which, BorderMode mode, T outside) {
    Array result(image.dtype(), image.shape());
    const T* in = image.data<T>();
    T* out = result.data<T>();
    for (std::int64_t i = 0; i < image.size(); ++i) {
        const auto coord = unravel(i, image.shape());
        T value = which == Extremum::Min ? extremum_identity<Extremum::Min, T>()
                                         : extremum_identity<Extremum::Max, T>();
        for (const auto& o : offsets) {
            const std::int64_t k = neighbour_index(coord, o, image.shape(), mode);
            const T v = k < 0 ? outside : in[k];
            value = which == Extremum::Min ? std::min(value, v) : std::max(value, v);
        }
        out[i] = value;
    }
    return result;
}

}  // namespace skb::reference
