// The opt backend's filters.gaussian as a function, for the ops that smooth first (feature.hessian_matrix).
#pragma once
#include <vector>

#include "skb/array.hpp"
#include "skb/border.hpp"
#include "skb/registry.hpp"

namespace skb::opt {

// scikit-image's gaussian(input, sigma (one, or one per axis), mode, cval, preserve_range, truncate) in float32:
// the input by img_as_float32 (raw values with preserve_range), 2-d or 3-d.
Array gaussian_f32(const Array& input, const std::vector<double>& sigma, double truncate, BorderMode mode, float cval,
                   bool preserve_range, const RunOptions& options);

}  // namespace skb::opt
