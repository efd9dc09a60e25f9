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

// The float32 backends' taps: the symmetric half of gaussian_kernel1d as float32, w[0] the centre and w[j] the
// weight of offsets -j and +j; {1} (a copy) for an axis SciPy skips.
inline std::vector<float> gaussian_half_kernel_f32(double sigma, double truncate) {
    if (sigma <= kGaussianSkipSigma) return {1.0f};
    const std::vector<double> k = gaussian_kernel1d(sigma, truncate);
    const std::size_t r = k.size() / 2;
    std::vector<float> w(r + 1);
    for (std::size_t j = 0; j <= r; ++j) w[j] = static_cast<float>(k[r + j]);
    return w;
}

}  // namespace skb
