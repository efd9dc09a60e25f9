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
#include "skb/registry.hpp"
#include "skb/ridges.hpp"

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
    Array result = new_output(requested, DType::F32, shape);
    float* best = result.data<float>();
    for (std::size_t si = 0; si < sigmas.size(); ++si) {
        const double sigma = sigmas[si];
        hessian.compute(image.data<float>(), sigma, mode, cval, axes, h, options);
        const bool last = si + 1 == sigmas.size();
        // The running maximum over sigmas; filters.hessian sets what stays <= 0 to 1 after the last.
        const auto fold = [&](std::int64_t i, float v) {
            float b = si == 0 ? ridges::maximum(0.0f, v) : ridges::maximum(best[i], v);
            if (filter == Filter::Hessian && last && b <= 0.0f) b = 1.0f;
            best[i] = b;
        };
        const auto eigenvalues_at = [&](std::int64_t i, float* ev) {
            if (ndim == 2) {
                ridges::eigenvalues2(h[0][i], h[1][i], h[2][i], ev);
                return;
            }
            double d[3];
            ridges::eigenvalues3(h[0][i], h[1][i], h[2][i], h[3][i], h[4][i], h[5][i], d);
            for (int k = 0; k < 3; ++k) ev[k] = static_cast<float>(d[k]);
        };
        // A response that needs a maximum over the image first (frangi's default gamma at the first sigma,
        // meijering's normalization) is kept in the elements it was computed from (frangi's terms in h[0..2], the
        // others' response in h[0]), then folded; otherwise it is folded at once.
        const bool find_gamma = frangi && !gamma_known;
        const bool two_passes = find_gamma || filter == Filter::Meijering;
        parallel_blocks(options, n, 16384, [&](std::int64_t b, std::int64_t e) {
            float ev[3];
            for (std::int64_t i = b; i < e; ++i) {
                eigenvalues_at(i, ev);
                if (frangi) {
                    const ridges::FrangiTerms<float> t = ridges::frangi_terms(ev, ndim);
                    if (!two_passes) {
                        fold(i, ridges::frangi_response(t, alpha, beta, gamma));
                        continue;
                    }
                    h[0][i] = t.r_a2;
                    h[1][i] = t.r_b2;
                    h[2][i] = t.s;
                } else if (filter == Filter::Sato) {
                    fold(i, ridges::sato_response(ev, ndim, sigma));
                } else {
                    h[0][i] = ridges::meijering_response(ev, ndim, mix);
                }
            }
        });
        if (!two_passes) continue;
        float largest = 0;
        if (find_gamma) {  // half the largest ||lambda|| at the first sigma (1 if that is 0)
            gamma = parallel_max(h[2], n, options) / 2.0f;
            if (gamma == 0.0f) gamma = 1.0f;
            gamma_known = true;
        } else {
            largest = parallel_max(h[0], n, options);  // meijering: this sigma's maximum
        }
        parallel_blocks(options, n, 65536, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) {
                float v = frangi ? ridges::frangi_response(ridges::FrangiTerms<float>{h[0][i], h[1][i], h[2][i]},
                                                           alpha, beta, gamma)
                                 : h[0][i];
                if (largest > 0.0f) v /= largest;
                fold(i, v);
            }
        });
    }
    return result;
}

template <Filter filter> Array run(const Array& input, const Params& params, const RunOptions& options) {
    Array result;
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) { result = ridge_filter<decltype(tag)>(filter, input, params, options); });
    return result;
}

SKB_REGISTER_IMPL("filters.frangi", "opt", run<Filter::Frangi>);
SKB_REGISTER_IMPL("filters.hessian", "opt", run<Filter::Hessian>);
SKB_REGISTER_IMPL("filters.sato", "opt", run<Filter::Sato>);
SKB_REGISTER_IMPL("filters.meijering", "opt", run<Filter::Meijering>);

}  // namespace
}  // namespace skb::opt
