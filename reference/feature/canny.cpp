// Reference feature.canny: scikit-image 0.26's steps with its arithmetic types, because the answer is a bool image
// decided by comparisons (a rounding difference flips an edge pixel). F is scikit-image's float type: float32 for
// float32 images, float64 otherwise.
//  1. img_as_float; with a mask, masked-out pixels are 0.
//  2. SciPy's gaussian_filter, axis 0 then axis 1: each 1-d pass accumulates in double (centre first, then the
//     symmetric pairs from the farthest in, as correlate1d does) and rounds to F.
//  3. In constant mode or with a mask, divided by the smoothed mask (ones without one) + eps(F), in F.
//  4. ndi.sobel along each axis ([-1, 0, 1] then [1, 2, 1], mode reflect, each pass rounded to F); the magnitude
//     sqrt(i*i + j*j) in F.
//  5. Non-maximum suppression as _canny_cy.pyx computes it (skb/canny.hpp, shared with opt and cuda).
//  6. Hysteresis: the 8-connected components of the surviving pixels that hold a pixel >= the high threshold
//     (compared in F for a default or given threshold, a Python float; in float64 with use_quantiles, where both
//     thresholds, defaults included, are np.float64 quantiles of the magnitude).
// Thresholds and quantiles: skb/canny.hpp. The reference build targets baseline x86-64 (no FMA), so
// a*b + c is never contracted.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "skb/border.hpp"
#include "skb/canny.hpp"
#include "skb/convert.hpp"
#include "skb/gaussian_kernel.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

struct Image2 {
    std::int64_t height, width;
};

// One pass of scipy.ndimage.correlate1d along `axis` with taps symmetric (symmetry 1) or antisymmetric (-1)
// about the centre: negative[j] is the tap at offset -j (negative[0] the centre).
template <class F>
std::vector<F> correlate_axis(const std::vector<F>& in, Image2 size, int axis, const std::vector<double>& negative,
                              int symmetry, BorderMode mode, double cval) {
    std::vector<F> out(in.size());
    const std::int64_t length = axis == 0 ? size.height : size.width, lines = axis == 0 ? size.width : size.height;
    const std::int64_t step = axis == 0 ? size.width : 1, line_step = axis == 0 ? 1 : size.width;
    const auto r = static_cast<std::int64_t>(negative.size()) - 1;
    std::vector<double> line(static_cast<std::size_t>(length + 2 * r));
    for (std::int64_t l = 0; l < lines; ++l) {
        for (std::int64_t i = -r; i < length + r; ++i) {
            const std::int64_t k = border_index(i, length, mode);
            line[static_cast<std::size_t>(i + r)] = k < 0 ? cval : static_cast<double>(in[l * line_step + k * step]);
        }
        for (std::int64_t i = 0; i < length; ++i) {
            const double* at = line.data() + i + r;
            double sum = at[0] * negative[0];
            for (std::int64_t j = r; j >= 1; --j)
                sum += (symmetry > 0 ? at[-j] + at[j] : at[-j] - at[j]) * negative[static_cast<std::size_t>(j)];
            out[l * line_step + i * step] = static_cast<F>(sum);
        }
    }
    return out;
}

template <class F> std::vector<F> smooth(std::vector<F> image, Image2 size, double sigma, BorderMode mode, double cval) {
    if (sigma <= kGaussianSkipSigma) return image;
    const std::vector<double> w = gaussian_kernel1d(sigma, 4.0);
    const std::vector<double> negative(w.begin(), w.begin() + static_cast<std::ptrdiff_t>(w.size() / 2 + 1));
    std::vector<double> from_centre(negative.rbegin(), negative.rend());  // [centre, -1, -2, ...]
    for (int axis = 0; axis < 2; ++axis) image = correlate_axis(image, size, axis, from_centre, 1, mode, cval);
    return image;
}

template <class F> std::vector<F> sobel(const std::vector<F>& image, Image2 size, int axis) {
    const std::vector<F> derivative = correlate_axis(image, size, axis, {0.0, -1.0}, -1, BorderMode::Reflect, 0.0);
    return correlate_axis(derivative, size, 1 - axis, {2.0, 1.0}, 1, BorderMode::Reflect, 0.0);
}

template <class F> Array canny_in(const Array& image, const Array* mask, const Params& params) {
    const Image2 size{image.shape()[0], image.shape()[1]};
    const auto n = static_cast<std::size_t>(image.size());
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double sigma = params.real("sigma"), cval = params.real("cval");
    const bool* keep = mask ? mask->data<bool>() : nullptr;
    std::vector<F> values(n);
    visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
        const auto* in = image.data<decltype(tag)>();
        for (std::size_t i = 0; i < n; ++i) values[i] = keep && !keep[i] ? F(0) : img_as_float<F>(in[i]);
    });
    std::vector<F> smoothed = smooth(values, size, sigma, mode, cval);
    if (mode == BorderMode::Constant || mask) {
        std::vector<F> ones(n, F(1));
        if (keep)
            for (std::size_t i = 0; i < n; ++i) ones[i] = keep[i] ? F(1) : F(0);
        const std::vector<F> bleed = smooth(ones, size, sigma, mode, cval);
        for (std::size_t i = 0; i < n; ++i)
            smoothed[i] /= static_cast<F>(bleed[i] + std::numeric_limits<F>::epsilon());
    }
    const std::vector<F> isobel = sobel(smoothed, size, 0), jsobel = sobel(smoothed, size, 1);
    std::vector<F> magnitude(n);
    for (std::size_t i = 0; i < n; ++i) {
        F m = isobel[i] * isobel[i];
        m += jsobel[i] * jsobel[i];
        magnitude[i] = std::sqrt(m);
    }
    std::vector<F> magnitude_copy = params.flag("use_quantiles") ? magnitude : std::vector<F>{};
    const canny::Thresholds t = canny::thresholds(params, image.dtype(), std::span<F>(magnitude_copy));
    // The eroded mask: without a mask, everything but a 1-pixel border; with one, its erosion by the 3x3 box with
    // the outside False.
    const auto inside = [&](std::int64_t y, std::int64_t x) {
        if (y < 1 || x < 1 || y >= size.height - 1 || x >= size.width - 1) return false;
        if (!keep) return true;
        for (std::int64_t dy = -1; dy <= 1; ++dy)
            for (std::int64_t dx = -1; dx <= 1; ++dx)
                if (!keep[(y + dy) * size.width + x + dx]) return false;
        return true;
    };
    std::vector<F> suppressed(n, F(0));
    for (std::int64_t y = 1; y + 1 < size.height; ++y)
        for (std::int64_t x = 1; x + 1 < size.width; ++x) {
            const auto i = static_cast<std::size_t>(y * size.width + x);
            const F* row = magnitude.data() + y * size.width;
            if (inside(y, x) && canny::survives_suppression(isobel[i], jsobel[i], row - size.width, row,
                                                           row + size.width, x, t.low))
                suppressed[i] = magnitude[i];
        }
    // Hysteresis: flood the 8-connected surviving pixels from every pixel at or above the high threshold.
    Array result(DType::Bool, image.shape());
    bool* out = result.data<bool>();
    std::fill(out, out + n, false);
    std::vector<std::int64_t> stack;
    for (std::size_t s = 0; s < n; ++s) {
        if (out[s] || !(suppressed[s] > 0) || !canny::is_strong(suppressed[s], t)) continue;
        out[s] = true;
        stack.push_back(static_cast<std::int64_t>(s));
        while (!stack.empty()) {
            const std::int64_t p = stack.back();
            stack.pop_back();
            const std::int64_t y = p / size.width, x = p % size.width;
            for (std::int64_t dy = -1; dy <= 1; ++dy)
                for (std::int64_t dx = -1; dx <= 1; ++dx) {
                    const std::int64_t yy = y + dy, xx = x + dx;
                    if (yy < 0 || xx < 0 || yy >= size.height || xx >= size.width) continue;
                    const std::int64_t q = yy * size.width + xx;
                    if (out[q] || !(suppressed[static_cast<std::size_t>(q)] > 0)) continue;
                    out[q] = true;
                    stack.push_back(q);
                }
        }
    }
    return result;
}

Array canny(const OpInputs& inputs, const Params& params, const RunOptions&) {
    const Array& image = inputs.image();
    if (image.dtype() == DType::F32) return canny_in<float>(image, inputs.extra("mask"), params);
    return canny_in<double>(image, inputs.extra("mask"), params);
}

SKB_REGISTER_IMPL("feature.canny", "ref", canny);

}  // namespace
}  // namespace skb::reference
