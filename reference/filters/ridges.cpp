// Reference filters.frangi, filters.hessian, filters.sato, filters.meijering, in scikit-image's float type F
// (float32 for float32 images, float64 otherwise, the image cast without scaling): per sigma, the Hessian's
// elements as hessian_matrix(use_gaussian_derivatives=True) computes them (Gaussian passes along every axis, the
// first derivative's kernel on one axis, then again for the second derivative; each pass SciPy's correlate1d: a
// double line buffer through the border rule, the symmetric or antisymmetric pair sums in its order, rounded to
// F), each pixel's eigenvalues (2-D: scikit-image's closed form; 3-D: Eigen's SelfAdjointEigenSolver in double),
// the filter's response (skb/ridges.hpp) and the running maximum over sigmas.
#include <algorithm>
#include <cmath>
#include <vector>

#include "feature/hessian.hpp"
#include "skb/nd.hpp"
#include "skb/registry.hpp"
#include "skb/ridges.hpp"

namespace skb::reference {
namespace {

enum class Filter { Frangi, Hessian, Sato, Meijering };

template <class F> Array ridge_filter(Filter filter, const Array& input, const Params& params) {
    Array image(dtype_of<F>, input.shape());  // astype(F): no scaling
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        F* out = image.data<F>();
        const bool negate = !params.flag("black_ridges");
        for (std::int64_t i = 0; i < input.size(); ++i) out[i] = negate ? -static_cast<F>(in[i]) : static_cast<F>(in[i]);
    });
    const int ndim = image.ndim();
    const std::int64_t n = image.size();
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double cval = params.real("cval");
    const bool frangi = filter == Filter::Frangi || filter == Filter::Hessian;
    const double alpha = frangi ? params.real("alpha") : 0.0, beta = frangi ? params.real("beta") : 0.0;
    F gamma = frangi && !params.is_none("gamma") ? static_cast<F>(params.real("gamma")) : F(0);
    bool gamma_known = frangi && !params.is_none("gamma");
    const F mix = filter == Filter::Meijering ? static_cast<F>(params.is_none("alpha") ? 1.0 / (ndim + 1)
                                                                                        : params.real("alpha"))
                                              : F(0);
    Array result(dtype_of<F>, image.shape());
    F* best = result.data<F>();
    std::fill(best, best + n, F(0));
    std::vector<F> response(static_cast<std::size_t>(n));
    std::vector<ridges::FrangiTerms<F>> terms(frangi ? static_cast<std::size_t>(n) : 0);
    for (double sigma : params.reals("sigmas")) {
        const std::vector<Array> elements = gaussian_hessian<F>(image, sigma, mode, cval, ridges::element_axes(ndim));
        const F* h[6];
        for (std::size_t k = 0; k < elements.size(); ++k) h[k] = elements[k].data<F>();
        F e[3];
        for (std::int64_t i = 0; i < n; ++i) {
            eigenvalues_at<F>(h, ndim, i, e);
            const auto at = static_cast<std::size_t>(i);
            if (frangi) terms[at] = ridges::frangi_terms(e, ndim);
            else if (filter == Filter::Sato) response[at] = ridges::sato_response(e, ndim, sigma);
            else response[at] = ridges::meijering_response(e, ndim, mix);
        }
        if (frangi && !gamma_known) {  // half the largest ||lambda|| at the first sigma (1 if that is 0)
            F largest = terms.empty() ? F(0) : terms[0].s;
            for (const auto& t : terms) largest = std::max(largest, t.s);
            gamma = largest / F(2);
            if (gamma == F(0)) gamma = 1;
            gamma_known = true;
        }
        if (frangi)
            for (std::size_t i = 0; i < terms.size(); ++i)
                response[i] = ridges::frangi_response(terms[i], alpha, beta, static_cast<double>(gamma));
        if (filter == Filter::Meijering) {  // normalized by this sigma's maximum
            F largest = response.empty() ? F(0) : response[0];
            for (F v : response) largest = std::max(largest, v);
            if (largest > F(0))
                for (F& v : response) v /= largest;
        }
        for (std::int64_t i = 0; i < n; ++i) best[i] = ridges::maximum(best[i], response[static_cast<std::size_t>(i)]);
    }
    if (filter == Filter::Hessian)
        for (std::int64_t i = 0; i < n; ++i)
            if (best[i] <= F(0)) best[i] = 1;
    return result;
}

template <Filter filter> Array run(const Array& input, const Params& params, const RunOptions&) {
    if (input.dtype() == DType::F32) return ridge_filter<float>(filter, input, params);
    return ridge_filter<double>(filter, input, params);
}

SKB_REGISTER_IMPL("filters.frangi", "ref", run<Filter::Frangi>);
SKB_REGISTER_IMPL("filters.hessian", "ref", run<Filter::Hessian>);
SKB_REGISTER_IMPL("filters.sato", "ref", run<Filter::Sato>);
SKB_REGISTER_IMPL("filters.meijering", "ref", run<Filter::Meijering>);

}  // namespace
}  // namespace skb::reference
