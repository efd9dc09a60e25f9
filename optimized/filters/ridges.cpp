// Opt filters.frangi, filters.hessian, filters.sato, filters.meijering: float32, oneTBB-parallel. Per sigma, the
// Hessian's elements by the separable passes of scikit-image's hessian_matrix(use_gaussian_derivatives=True)
// (Gaussian along every axis, its first derivative along one; twice), the first derivative first where passes
// along different axes commute (any mode but constant with a non-zero cval: then scikit-image's order), each pass
// the correlation of filters/correlate.hpp with float32 taps (the kernel's zero tails, where truncate 100 reaches,
// dropped: they add nothing), parallel over rows; then one parallel pass over the pixels: eigenvalues (2-D closed form in
// float32, 3-D Smith's closed form in double), the response (skb/ridges.hpp) and the running maximum over sigmas.
// frangi's default gamma and meijering's normalization are parallel maxima over the image.
#include <algorithm>
#include <cmath>
#include <vector>

#include "filters/correlate.hpp"
#include "parallel.hpp"
#include "rows.hpp"
#include "skb/registry.hpp"
#include "skb/ridges.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

enum class Filter { Frangi, Hessian, Sato, Meijering };

// correlate1d's weights (w[j + r] at offset j) as float32 taps by distance, sign -1 for the derivative; trailing
// taps that are 0 in float32 dropped.
Taps taps_of(const std::vector<double>& w, int sign) {
    const auto r = static_cast<std::int64_t>(w.size() / 2);
    Taps t;
    t.sign = sign;
    t.w.assign(static_cast<std::size_t>(r + 1), 0.0f);
    for (std::int64_t j = 0; j <= r; ++j) t.w[static_cast<std::size_t>(j)] = static_cast<float>(w[static_cast<std::size_t>(r - j)]);
    while (t.w.size() > 1 && t.w.back() == 0.0f) t.w.pop_back();
    return t;
}

// out = in correlated along `axis` (float32 arrays of `shape`, distinct).
void correlate_axis(const float* in, float* out, const Shape& shape, int axis, const Taps& t, BorderMode mode,
                    float cval, const RunOptions& options) {
    const AxisLines lines(shape, axis);
    const std::int64_t r = t.radius(), n = lines.length;
    if (lines.inner == 1) {  // along rows: each row padded by the border rule, then the taps along it
        parallel_blocks(options, lines.outer, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1)),
                        [&](std::int64_t begin, std::int64_t end) {
            Scratch<float> scratch;
            float* padded = scratch.get(n + 2 * r);
            for (std::int64_t row = begin; row < end; ++row) {
                load_padded_row(in + row * n, n, r, mode, cval, padded, [](float v) { return v; });
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
        float* cval_row = scratch.get(inner);
        std::fill(cval_row, cval_row + inner, cval);
        std::vector<const float*> rows(static_cast<std::size_t>(2 * r + 1));
        for (std::int64_t line = begin; line < end; ++line) {
            const std::int64_t o = line / n, i = line % n;
            for (std::int64_t k = -r; k <= r; ++k) {
                const std::int64_t source = border_index(i + k, n, mode);
                rows[static_cast<std::size_t>(k + r)] = source < 0 ? cval_row : in + (o * n + source) * inner;
            }
            const float* const* centre = rows.data() + r;
            correlate([centre](std::int64_t k) { return centre[k]; }, out + line * inner, inner, t);
        }
    });
}

// gaussian_filter with the derivative's taps along `derivative_axis`: the axes in order, through two buffers.
void gaussian_pass(const float* in, float* out, float* spare, const Shape& shape, int derivative_axis,
                   const Taps& smooth, const Taps& derivative, BorderMode mode, float cval, const RunOptions& options) {
    const int ndim = static_cast<int>(shape.size());
    const float* src = in;
    for (int axis = 0; axis < ndim; ++axis) {
        // The last axis writes `out`; the ones before alternate so that no pass reads what it writes.
        float* dst = (ndim - 1 - axis) % 2 == 0 ? out : spare;
        correlate_axis(src, dst, shape, axis, axis == derivative_axis ? derivative : smooth, mode, cval, options);
        src = dst;
    }
}

// The largest of v[0, n) (n > 0), in parallel.
float parallel_max(const float* v, std::int64_t n, const RunOptions& options) {
    return parallel_minmax(v, n, options).second;
}

template <class T> Array ridge_filter(Filter filter, const Array& input, const Params& params, const RunOptions& requested) {
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    const std::int64_t n = input.size();
    const std::vector<double> sigmas = params.reals("sigmas");
    const RunOptions options = sized_for_work(requested, n * 40 * static_cast<std::int64_t>(sigmas.size()));
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const auto cval = static_cast<float>(params.real("cval"));
    const bool frangi = filter == Filter::Frangi || filter == Filter::Hessian;
    const double alpha = frangi ? params.real("alpha") : 0.0, beta = frangi ? params.real("beta") : 0.0;
    bool gamma_known = frangi && !params.is_none("gamma");
    float gamma = gamma_known ? static_cast<float>(params.real("gamma")) : 0.0f;
    const float mix = filter == Filter::Meijering
                          ? static_cast<float>(params.is_none("alpha") ? 1.0 / (ndim + 1) : params.real("alpha"))
                          : 0.0f;

    Array image(DType::F32, shape);  // astype(float32), negated for bright ridges
    {
        const T* in = input.data<T>();
        float* out = image.data<float>();
        const bool negate = !params.flag("black_ridges");
        parallel_blocks(options, n, 65536, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) out[i] = negate ? -static_cast<float>(in[i]) : static_cast<float>(in[i]);
        });
    }
    const ridges::ElementAxes axes = ridges::element_axes(ndim);
    std::vector<Array> gradients, elements;
    for (int d = 0; d < ndim; ++d) gradients.emplace_back(DType::F32, shape);
    for (int k = 0; k < axes.count; ++k) elements.emplace_back(DType::F32, shape);
    Array spare(DType::F32, shape), response(DType::F32, shape);
    Array result = new_output(requested, DType::F32, shape);
    float* best = result.data<float>();
    float* value = response.data<float>();
    std::vector<ridges::FrangiTerms<float>> terms;

    for (std::size_t si = 0; si < sigmas.size(); ++si) {
        const double sigma = sigmas[si];
        const ridges::HessianScale scale = ridges::hessian_scale(sigma);
        const Taps smooth = taps_of(ridges::gaussian_weights(scale.sigma, 0, scale.truncate), 1);
        const Taps derivative = taps_of(ridges::gaussian_weights(scale.sigma, 1, scale.truncate), -1);
        if (mode != BorderMode::Constant || cval == 0.0f) {
            // Passes along different axes commute here (the border rule maps each axis alone, or pads with 0; a
            // cval would pad each call's output, which no reordering keeps): the first derivative first, so that
            // no rounding is relative to the image's size (an image of 0..65535 smoothed first loses the
            // curvature of its flat parts in float32).
            for (int d = 0; d < ndim; ++d)  // first derivatives, kept in `gradients`
                correlate_axis(image.data<float>(), gradients[static_cast<std::size_t>(d)].data<float>(), shape, d,
                               derivative, mode, cval, options);
            for (int k = 0; k < axes.count; ++k) {
                const int p = axes.first[k], q = axes.second[k];
                float* out = elements[static_cast<std::size_t>(k)].data<float>();
                float* buffers[2] = {out, spare.data<float>()};
                int next = 0;  // which buffer the next pass writes
                const float* src = gradients[static_cast<std::size_t>(p)].data<float>();
                // After D_p, each axis's remaining passes in scikit-image's order along it (the first call's, then
                // the second's: a derivative and a smoothing along one axis do not commute at its borders).
                std::vector<std::pair<int, const Taps*>> passes;
                for (int a = 0; a < ndim; ++a) {
                    if (a != p) passes.emplace_back(a, &smooth);
                    passes.emplace_back(a, a == q ? &derivative : &smooth);
                }
                if (passes.size() % 2 == 0) next = 1;  // so that the last pass writes `out`
                for (const auto& [axis, taps] : passes) {
                    correlate_axis(src, buffers[next], shape, axis, *taps, mode, cval, options);
                    src = buffers[next];
                    next ^= 1;
                }
            }
        } else {  // constant mode with a cval: the passes in scikit-image's order
            for (int d = 0; d < ndim; ++d)
                gaussian_pass(image.data<float>(), gradients[static_cast<std::size_t>(d)].data<float>(),
                              spare.data<float>(), shape, d, smooth, derivative, mode, cval, options);
            for (int k = 0; k < axes.count; ++k)
                gaussian_pass(gradients[static_cast<std::size_t>(axes.first[k])].data<float>(),
                              elements[static_cast<std::size_t>(k)].data<float>(), spare.data<float>(), shape,
                              axes.second[k], smooth, derivative, mode, cval, options);
        }
        const float* h[6];
        for (int k = 0; k < axes.count; ++k) h[k] = elements[static_cast<std::size_t>(k)].data<float>();
        const bool find_gamma = frangi && !gamma_known;
        if (find_gamma) terms.resize(static_cast<std::size_t>(n));
        parallel_blocks(options, n, 16384, [&](std::int64_t b, std::int64_t e) {
            float ev[3];
            for (std::int64_t i = b; i < e; ++i) {
                if (ndim == 2) {
                    ridges::eigenvalues2(h[0][i], h[1][i], h[2][i], ev);
                } else {
                    double d[3];
                    ridges::eigenvalues3(h[0][i], h[1][i], h[2][i], h[3][i], h[4][i], h[5][i], d);
                    for (int k = 0; k < 3; ++k) ev[k] = static_cast<float>(d[k]);
                }
                if (find_gamma) terms[static_cast<std::size_t>(i)] = ridges::frangi_terms(ev, ndim);
                else if (frangi) value[i] = ridges::frangi_response(ridges::frangi_terms(ev, ndim), alpha, beta, gamma);
                else if (filter == Filter::Sato) value[i] = ridges::sato_response(ev, ndim, sigma);
                else value[i] = ridges::meijering_response(ev, ndim, mix);
            }
        });
        if (find_gamma) {  // half the largest ||lambda|| at the first sigma (1 if that is 0)
            std::vector<float> s(terms.size());
            for (std::size_t i = 0; i < terms.size(); ++i) s[i] = terms[i].s;
            gamma = parallel_max(s.data(), n, options) / 2.0f;
            if (gamma == 0.0f) gamma = 1.0f;
            gamma_known = true;
            parallel_blocks(options, n, 16384, [&](std::int64_t b, std::int64_t e) {
                for (std::int64_t i = b; i < e; ++i)
                    value[i] = ridges::frangi_response(terms[static_cast<std::size_t>(i)], alpha, beta, gamma);
            });
        }
        float largest = 0;
        if (filter == Filter::Meijering) largest = parallel_max(value, n, options);
        parallel_blocks(options, n, 65536, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) {
                float v = value[i];
                if (largest > 0.0f) v /= largest;  // meijering: this sigma's maximum
                best[i] = si == 0 ? ridges::maximum(0.0f, v) : ridges::maximum(best[i], v);
            }
        });
    }
    if (filter == Filter::Hessian)
        parallel_blocks(options, n, 65536, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i)
                if (best[i] <= 0.0f) best[i] = 1.0f;
        });
    return result;
}

template <Filter filter> Array run(const Array& input, const Params& params, const RunOptions& options) {
    Array result;
    visit_dtype(input.dtype(), [&](auto tag) { result = ridge_filter<decltype(tag)>(filter, input, params, options); });
    return result;
}

SKB_REGISTER_IMPL("filters.frangi", "opt", run<Filter::Frangi>);
SKB_REGISTER_IMPL("filters.hessian", "opt", run<Filter::Hessian>);
SKB_REGISTER_IMPL("filters.sato", "opt", run<Filter::Sato>);
SKB_REGISTER_IMPL("filters.meijering", "opt", run<Filter::Meijering>);

}  // namespace
}  // namespace skb::opt
