// The opt backend's Hessian by Gaussian derivatives (scikit-image 0.26 hessian_matrix with
// use_gaussian_derivatives=True), shared by feature.hessian_matrix and the ridge filters (filters/ridges.cpp):
// float32 separable passes (filters/correlate.hpp), parallel over rows.
#pragma once
#include <vector>

#include "skb/array.hpp"
#include "skb/border.hpp"
#include "skb/registry.hpp"
#include "skb/ridges.hpp"

namespace skb::opt {

// Working memory for one image shape, reused over sigmas.
class GaussianHessian {
public:
    explicit GaussianHessian(const Shape& shape);

    // elements[k] (k < axes.count, arrays of the image's size) = the Hessian element `axes` names at `sigma`
    // (sigma > 0) of the float32 `image`: what scikit-image computes as two gaussian_filter calls with the
    // first derivative along axes.first[k], then axes.second[k].
    void compute(const float* image, double sigma, BorderMode mode, float cval, const ridges::ElementAxes& axes,
                 float* const* elements, const RunOptions& options);

private:
    Shape shape_;
    std::vector<Array> gradients_;
    Array spare_;
};

}  // namespace skb::opt
