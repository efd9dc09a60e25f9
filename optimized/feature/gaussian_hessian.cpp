// Each Hessian element is two gaussian_filter calls (SciPy: every axis in order, the first derivative's kernel
// along one): ndim + 1 passes each. With zero padding (constant mode, cval 0) or a border rule that maps each
// axis alone (the other modes), passes along different axes commute, so opt runs the first derivative first:
// no rounding is then relative to the image's size (an image of 0..65535 smoothed first in float32 loses the
// curvature of its flat parts), and the first call's derivatives are shared by the elements. A non-zero cval
// pads each call's input and each pass's, which no reordering keeps: the zero-padded chain, then cval times
// the padding's share (skb/ridges.hpp's PaddingProfiles, in double) added at the end.
#include "feature/gaussian_hessian.hpp"

#include <algorithm>
#include <utility>

#include "filters/correlate.hpp"
#include "parallel.hpp"
#include "rows.hpp"
#include "skb/nd.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

Taps taps_of(const std::vector<double>& w, int sign) { return Taps{ridges::taps_by_distance(w), sign}; }

// out = in correlated along `axis` (float32 arrays of `shape`, distinct).
void correlate_axis(const float* in, float* out, const Shape& shape, int axis, const Taps& t, BorderMode mode,
                    const RunOptions& options) {
    const AxisLines lines(shape, axis);
    const std::int64_t r = t.radius(), n = lines.length;
    if (lines.inner == 1) {  // along rows: each row padded by the border rule, then the taps along it
        parallel_blocks(options, lines.outer, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1)),
                        [&](std::int64_t begin, std::int64_t end) {
            Scratch<float> scratch;
            float* padded = scratch.get(n + 2 * r);
            for (std::int64_t row = begin; row < end; ++row) {
                load_padded_row(in + row * n, n, r, mode, 0.0f, padded, [](float v) { return v; });
                const float* centre = padded + r;
                correlate([centre](std::int64_t k) { return centre + k; }, out + row * n, n, t);
            }
        });
        return;
    }
    // Across rows: output row (o, i) sums rows (o, i + k) of length `inner`, each through the border rule.
    const std::int64_t inner = lines.inner;
    parallel_blocks(options, lines.outer * n, std::max<std::int64_t>(1, 16384 / inner),
                    [&](std::int64_t begin, std::int64_t end) {
        Scratch<float> scratch;
        float* zero_row = scratch.get(inner);
        std::fill(zero_row, zero_row + inner, 0.0f);
        std::vector<const float*> rows(static_cast<std::size_t>(2 * r + 1));
        for (std::int64_t line = begin; line < end; ++line) {
            const std::int64_t o = line / n, i = line % n;
            for (std::int64_t k = -r; k <= r; ++k) {
                const std::int64_t source = border_index(i + k, n, mode);
                rows[static_cast<std::size_t>(k + r)] = source < 0 ? zero_row : in + (o * n + source) * inner;
            }
            const float* const* centre = rows.data() + r;
            correlate([centre](std::int64_t k) { return centre[k]; }, out + line * inner, inner, t);
        }
    });
}

// out += scale * the padding's field, each element rounded to float32 once: per line along the last axis, each
// term's product of the other axes' profiles, then the sum along the line.
void add_padding_share(const ridges::PaddingProfiles& padding, const Shape& shape, float* out, double scale,
                       const RunOptions& options) {
    const int ndim = static_cast<int>(shape.size());
    const std::int64_t width = shape.back(), lines = element_count(shape) / std::max<std::int64_t>(width, 1);
    const std::size_t terms = padding.terms();
    parallel_blocks(options, lines, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(width, 1)),
                    [&](std::int64_t begin, std::int64_t end) {
        std::vector<double> coefficient(terms);
        for (std::int64_t line = begin; line < end; ++line) {
            for (std::size_t t = 0; t < terms; ++t) {
                double c = scale;
                std::int64_t rest = line;
                for (int a = ndim - 2; a >= 0; --a) {
                    const std::int64_t extent = shape[static_cast<std::size_t>(a)];
                    c *= padding.profile(t, a)[static_cast<std::size_t>(rest % extent)];
                    rest /= extent;
                }
                coefficient[t] = c;
            }
            float* row = out + line * width;
            for (std::int64_t x = 0; x < width; ++x) {
                double v = 0;
                for (std::size_t t = 0; t < terms; ++t) v += coefficient[t] * padding.profile(t, ndim - 1)[static_cast<std::size_t>(x)];
                row[x] = static_cast<float>(row[x] + v);
            }
        }
    });
}

}  // namespace

GaussianHessian::GaussianHessian(const Shape& shape) : shape_(shape), spare_(DType::F32, shape) {
    for (std::size_t d = 0; d < shape.size(); ++d) gradients_.emplace_back(DType::F32, shape);
}

void GaussianHessian::compute(const float* image, double sigma, BorderMode mode, float cval,
                              const ridges::ElementAxes& axes, float* const* elements, const RunOptions& options) {
    const int ndim = static_cast<int>(shape_.size());
    const ridges::HessianScale scale = ridges::hessian_scale(sigma);
    const std::vector<double> smooth_w = ridges::gaussian_weights(scale.sigma, 0, scale.truncate);
    const std::vector<double> derivative_w = ridges::gaussian_weights(scale.sigma, 1, scale.truncate);
    const Taps smooth = taps_of(smooth_w, 1), derivative = taps_of(derivative_w, -1);
    for (int d = 0; d < ndim; ++d)  // the first derivatives, shared by the elements
        correlate_axis(image, gradients_[static_cast<std::size_t>(d)].data<float>(), shape_, d, derivative, mode,
                       options);
    for (int k = 0; k < axes.count; ++k) {
        const int p = axes.first[k], q = axes.second[k];
        float* buffers[2] = {elements[k], spare_.data<float>()};
        // After D_p, each axis's remaining passes in scikit-image's order along it (the first call's, then the
        // second's: a derivative and a smoothing along one axis do not commute at its borders).
        std::vector<std::pair<int, const Taps*>> passes;
        for (int a = 0; a < ndim; ++a) {
            if (a != p) passes.emplace_back(a, &smooth);
            passes.emplace_back(a, a == q ? &derivative : &smooth);
        }
        int next = passes.size() % 2 == 0 ? 1 : 0;  // which buffer the next pass writes: the last writes elements[k]
        const float* src = gradients_[static_cast<std::size_t>(p)].data<float>();
        for (const auto& [axis, taps] : passes) {
            correlate_axis(src, buffers[next], shape_, axis, *taps, mode, options);
            src = buffers[next];
            next ^= 1;
        }
        if (mode == BorderMode::Constant && cval != 0.0f) {  // the padding's share, in scikit-image's pass order
            add_padding_share(ridges::PaddingProfiles(shape_, p, q, smooth_w, derivative_w), shape_, elements[k],
                              static_cast<double>(cval), options);
        }
    }
}

}  // namespace skb::opt
