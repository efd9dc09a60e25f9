// SciPy's 1-d Gaussian kernel, the one definition every backend builds its taps from.
#pragma once
#include <cmath>
#include <vector>

namespace skb {

// Taps w[0..2r] for offsets -r..r, r = int(truncate*sigma + 0.5), w ~ exp(-0.5 x^2 / sigma^2), summing to 1.
inline std::vector<double> gaussian_kernel1d(double sigma, double truncate) {
    const auto radius = static_cast<long>(truncate * sigma + 0.5);
    std::vector<double> w(2 * radius + 1);
    const double scale = -0.5 / (sigma * sigma);  // SciPy's grouping: (-0.5 / sigma2) * x**2
    double sum = 0;
    for (long x = -radius; x <= radius; ++x) sum += w[x + radius] = std::exp(scale * static_cast<double>(x * x));
    for (double& v : w) v /= sum;
    return w;
}

// SciPy skips an axis whose sigma is at most this (the data is copied unchanged).
inline constexpr double kGaussianSkipSigma = 1e-15;

}  // namespace skb
