// Opt filters.frangi, filters.hessian, filters.sato, filters.meijering: float32, oneTBB-parallel. Per sigma, the
// Hessian's elements (feature/gaussian_hessian.hpp: scikit-image's hessian_matrix(use_gaussian_derivatives=True)
// by float32 separable passes); then one parallel pass over the pixels: eigenvalues (2-D closed form in float32,
// 3-D Smith's closed form in double), the response (skb/ridges.hpp) and the running maximum over sigmas.
// frangi's default gamma and meijering's normalization are parallel maxima over the image.
#include <algorithm>
#include <cmath>
#include <vector>

#include "feature/gaussian_hessian.hpp"
#include "parallel.hpp"
#include "rows.hpp"
#include "skb/registry.hpp"
#include "skb/ridges.hpp"
#include "skb/scratch.hpp"

namespace skb::opt {
namespace {

enum class Filter { Frangi, Hessian, Sato, Meijering };

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
    GaussianHessian hessian(shape);
    std::vector<Array> elements;
    float* h[6];
    for (int k = 0; k < axes.count; ++k) h[k] = elements.emplace_back(DType::F32, shape).data<float>();
    Array response(DType::F32, shape);
    Array result = new_output(requested, DType::F32, shape);
    float* best = result.data<float>();
    float* value = response.data<float>();
    std::vector<ridges::FrangiTerms<float>> terms;

    for (std::size_t si = 0; si < sigmas.size(); ++si) {
        const double sigma = sigmas[si];
        hessian.compute(image.data<float>(), sigma, mode, cval, axes, h, options);
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
