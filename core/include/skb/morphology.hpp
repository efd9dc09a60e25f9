// scikit-image's border conventions for morphology, shared by every backend: how each min/max pass extends the
// image for a given `mode` parameter.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

#include "skb/border.hpp"
#include "skb/hd.hpp"

namespace skb {

enum class Extremum { Min, Max };

// What a min (max) pass starts from: +inf (-inf) for floats, the dtype's max (lowest) otherwise.
template <Extremum Which, class T> SKB_HD constexpr T extremum_identity() {
    if constexpr (std::numeric_limits<T>::has_infinity)
        return Which == Extremum::Min ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
    else return Which == Extremum::Min ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest();
}

// One step of a min (max) pass, as std::min(acc, v) (std::max): acc is kept on ties and when v is NaN.
template <Extremum Which, class T> SKB_HD constexpr T extremum_pick(T acc, T v) {
    if constexpr (Which == Extremum::Min) return v < acc ? v : acc;
    else return acc < v ? v : acc;
}

template <class T> struct MorphologyBorder {
    BorderMode mode;
    T outside;  // read outside the image in constant mode
};

// Grayscale erosion (Min) or dilation (Max) pass: ignore means max for erosion and min for dilation; max/min pad
// with the dtype's extremes (+-inf for floats); otherwise an ndimage mode, cval cast to the dtype (saturating).
template <class T> MorphologyBorder<T> grayscale_border(std::string mode, double cval, Extremum pass) {
    if (mode == "ignore") mode = pass == Extremum::Min ? "max" : "min";
    if (mode == "max" || mode == "min") {
        T pad = mode == "max" ? std::numeric_limits<T>::max() : std::numeric_limits<T>::lowest();
        if constexpr (std::numeric_limits<T>::has_infinity)
            pad = mode == "max" ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
        return {BorderMode::Constant, pad};
    }
    if constexpr (std::is_integral_v<T>)
        cval = std::clamp(std::trunc(cval), static_cast<double>(std::numeric_limits<T>::lowest()),
                          static_cast<double>(std::numeric_limits<T>::max()));
    return {parse_border_mode(mode), static_cast<T>(cval)};
}

// Binary erosion (Min) or dilation (Max) pass: what lies outside the image. ignore: True for erosion, False for
// dilation; max: True; min: False.
inline bool binary_outside(const std::string& mode, Extremum pass) {
    return pass == Extremum::Min ? mode != "min" : mode == "max";
}

}  // namespace skb
