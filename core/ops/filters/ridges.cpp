// Specs of the Hessian ridge filters filters.frangi, filters.sato, filters.meijering and filters.hessian
// (scikit-image 0.26, filters/ridges.py): per sigma, hessian_matrix(use_gaussian_derivatives=True), its eigenvalues,
// a response per pixel (skb/ridges.hpp); the maximum over sigmas. The image is cast to its float type without
// scaling (uint8 stays 0..255).
// Differs from scikit-image: sigmas must be positive (scikit-image runs sigma <= 0 through SciPy, which then skips
// the axes and returns the image's copy, or a negative-radius kernel); 2-D and 3-D images only (meijering takes
// any dimension there); no deprecated scale_range/scale_step.
#include <algorithm>
#include <cmath>
#include <string>

#include "skb/registry.hpp"
#include "skb/ridges.hpp"

namespace skb {
namespace {

// The parameters and rules every ridge filter shares; `extra` are the filter's own parameters, placed after sigmas
// as scikit-image orders them.
OpSpec ridge_spec(std::string id, std::string summary, std::vector<ParamSpec> extra) {
    OpSpec s;
    s.id = std::move(id);
    s.summary = std::move(summary);
    s.params = {{"sigmas", ParamKind::FloatList, "1,3,5,7,9", "the scales (Gaussian standard deviations)", {}, {}}};
    s.params.insert(s.params.end(), extra.begin(), extra.end());
    s.params.push_back({"black_ridges", ParamKind::Bool, "true", "find dark ridges (false: bright ones)", {}, {}});
    s.params.push_back(spec_parts::mode_param("reflect"));
    s.params.push_back(spec_parts::cval_param());
    s.input_dtypes = kImageDTypes.list();
    s.output = [op = s.id](const ArrayMeta& in, const Params& p, Precision precision) {
        for (double sigma : p.reals("sigmas")) {
            if (!(sigma > 0) || !std::isfinite(sigma))
                throw Error(op + ": parameter sigmas=" + p.text("sigmas") + " holds " + std::to_string(sigma) +
                            "; every sigma must be positive and finite");
            const ridges::HessianScale scale = ridges::hessian_scale(sigma);
            spec_parts::check_gaussian_radius(op, "sigmas=" + p.text("sigmas"), scale.sigma, scale.truncate);
        }
        return ArrayMeta{float_output_dtype(in.dtype, precision), in.shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision p) {
        return spec_parts::read_write_bytes(in, float_output_dtype(in.dtype, p));
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params& p) {
        // Per sigma: ndim first-derivative passes of every axis, then each Hessian element's passes (two flops a
        // tap), the eigenvalues and the response (~60).
        const double ndim = static_cast<double>(in.shape.size());
        const double elements = ndim * (ndim + 1) / 2;
        double flops = 0;
        for (double sigma : p.reals("sigmas")) {
            const ridges::HessianScale scale = ridges::hessian_scale(sigma);
            const double taps = 2 * std::floor(scale.truncate * scale.sigma + 0.5) + 1;
            flops += (ndim + elements) * ndim * 2 * taps + 60;
        }
        return flops;
    };
    s.bench = {SyntheticInput::Smooth, {DType::U8, DType::F32}, {{"sigmas", "2"}}};
    // Each sigma's response is per pixel from its Hessian; frangi's default gamma (None) and meijering's
    // normalization read the whole image, and remove that reach below.
    s.reach = [](const ArrayMeta& in, const Params& p) -> std::optional<std::vector<std::int64_t>> {
        std::int64_t reach = 0;
        for (double sigma : p.reals("sigmas")) reach = std::max(reach, ridges::gaussian_derivatives_reach(sigma));
        return spec_parts::uniform_reach(static_cast<int>(in.shape.size()), reach);
    };
    return s;
}

ParamSpec real_param(std::string name, std::string default_value, std::string help) {
    return {std::move(name), ParamKind::Float, std::move(default_value), std::move(help), {}, std::nullopt};
}

OpSpec frangi_spec() {
    OpSpec s = ridge_spec("filters.frangi", "Frangi vesselness: tube-likeness from the Hessian's eigenvalues, max over sigmas",
                      {real_param("alpha", "0.5", "sensitivity to plate-like structures (3-D)"),
                       real_param("beta", "0.5", "sensitivity to blob-like structures"),
                       real_param("gamma", "", "sensitivity to structure; default None: half the largest ||lambda|| at the first sigma")});
    s.reach = [local = std::move(s.reach)](const ArrayMeta& in, const Params& p) -> std::optional<std::vector<std::int64_t>> {
        if (p.is_none("gamma")) return std::nullopt;  // gamma from the whole image's Hessian
        return local(in, p);
    };
    return s;
}

OpSpec hessian_spec() {
    return ridge_spec("filters.hessian", "Frangi vesselness with gamma 15, zeros set to 1 (scikit-image's hessian filter)",
                      {real_param("alpha", "0.5", "sensitivity to plate-like structures (3-D)"),
                       real_param("beta", "0.5", "sensitivity to blob-like structures"),
                       real_param("gamma", "15", "sensitivity to structure")});
}

OpSpec sato_spec() {
    return ridge_spec("filters.sato", "Sato tubeness: sigma^2 times the geometric mean of the positive eigenvalues", {});
}

OpSpec meijering_spec() {
    OpSpec s = ridge_spec("filters.meijering", "Meijering neuriteness: mixed eigenvalues, normalized per sigma",
                          {real_param("alpha", "", "eigenvalue mixing; default None: 1 / (ndim + 1)")});
    s.reach = nullptr;  // each sigma's response is divided by its largest value over the image
    return s;
}

SKB_REGISTER_OP_SPEC(frangi_spec());
SKB_REGISTER_OP_SPEC(hessian_spec());
SKB_REGISTER_OP_SPEC(sato_spec());
SKB_REGISTER_OP_SPEC(meijering_spec());

}  // namespace
}  // namespace skb
