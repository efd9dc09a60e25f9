// Spec of feature.canny (scikit-image 0.26, feature/_canny.py): 2-D only, bool edges, an optional bool mask (second
// input). Thresholds: None gives 0.1 / 0.2 of the image's range after img_as_float; given ones are divided by the
// dtype's maximum (1 for floats), or are quantiles of the gradient magnitude with use_quantiles (then in [0, 1]);
// low above high is refused, as scikit-image refuses it.
#include <cmath>
#include <string>

#include "skb/registry.hpp"

namespace skb {
namespace {

double dtype_max(DType dtype) {
    switch (dtype) {
        case DType::U8: return 255.0;
        case DType::U16: return 65535.0;
        default: return 1.0;  // bool, and floats (dtype_limits gives (-1, 1))
    }
}

// The threshold scikit-image uses: the default, a quantile, or the given value over the dtype's maximum.
double effective_threshold(const Params& p, const std::string& name, double fallback, DType dtype) {
    if (p.is_none(name)) return fallback;
    const double given = p.real(name);
    if (p.flag("use_quantiles")) {
        if (!(given >= 0.0 && given <= 1.0))
            throw Error("feature.canny: parameter " + name + "=" + p.text(name) +
                        " is a quantile (use_quantiles=true) and must lie in [0, 1]");
        return given;
    }
    return given / dtype_max(dtype);
}

OpSpec canny_spec() {
    OpSpec s;
    s.id = "feature.canny";
    s.summary = "Canny edges: Gaussian smoothing, Sobel gradients, non-maximum suppression, hysteresis (bool)";
    s.params = {
        {"sigma", ParamKind::Float, "1.0", "standard deviation of the Gaussian smoothing", {}, 0.0},
        {"low_threshold", ParamKind::Float, "", "hysteresis low bound; default 0.1 of the image's range", {},
         std::nullopt},
        {"high_threshold", ParamKind::Float, "", "hysteresis high bound; default 0.2 of the image's range", {},
         std::nullopt},
        {"use_quantiles", ParamKind::Bool, "false", "thresholds are quantiles of the gradient magnitude", {}, {}},
        spec_parts::mode_param("constant"),
        spec_parts::cval_param(),
    };
    s.input_dtypes = kImageDTypes.list();
    s.spatial_ndims = {2};
    s.extra_inputs = {{.name = "mask", .dtypes = {DType::Bool}, .optional = true,
                       .help = "where edges are looked for (False pixels are left out of the smoothing too)"}};
    s.output = [](const ArrayMeta& in, const Params& p, Precision) {
        spec_parts::check_gaussian_radius("feature.canny", "sigma=" + p.text("sigma"), p.real("sigma"), 4.0);
        const double low = effective_threshold(p, "low_threshold", 0.1, in.dtype);
        const double high = effective_threshold(p, "high_threshold", 0.2, in.dtype);
        const auto shown = [&](const std::string& name) {
            return p.is_none(name) ? std::string("None (the default)") : p.text(name);
        };
        if (high < low)
            throw Error("feature.canny: low_threshold=" + shown("low_threshold") + " is above high_threshold=" +
                        shown("high_threshold") + " (after scaling by the dtype's maximum)");
        return ArrayMeta{DType::Bool, in.shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return spec_parts::read_write_bytes(in, DType::Bool);
    };
    s.flops_per_element = [](const ArrayMeta&, const Params& p) {
        const double taps = 2.0 * std::floor(4.0 * p.real("sigma") + 0.5) + 1.0;
        return 2.0 * taps + 20.0;  // two Gaussian passes, Sobel, magnitude, suppression
    };
    s.bench = {SyntheticInput::Smooth, {DType::U8, DType::F32}, {}};
    s.float64_work = "scikit-image smooths and differentiates non-float32 images in float64, and the bool edges are "
                     "exact only in its arithmetic: float64 rows per thread (with use_quantiles, the magnitude image)";
    return s;
}

SKB_REGISTER_OP_SPEC(canny_spec());

}  // namespace
}  // namespace skb
