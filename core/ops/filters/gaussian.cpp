// Spec of filters.gaussian: separable Gaussian correlation with SciPy's kernel (radius int(truncate*sigma+0.5)).
// Differs from scikit-image: no channel_axis/out; a negative truncate is refused.
#include <cmath>

#include "skb/registry.hpp"

namespace skb {
namespace {


OpSpec gaussian_spec() {
    OpSpec s;
    s.id = "filters.gaussian";
    s.summary = "Gaussian smoothing, separable, per-axis sigma";
    s.params = {
        {"sigma", ParamKind::FloatList, "1.0", "standard deviation, one value or one per axis", {}, 0.0},
        spec_parts::mode_param("nearest"),
        spec_parts::cval_param(),
        {"preserve_range", ParamKind::Bool, "false", "keep integer values instead of scaling to [0, 1]", {}, {}},
        {"truncate", ParamKind::Float, "4.0", "kernel radius in standard deviations", {}, 0.0},
    };
    s.input_dtypes = kImageDTypes.list();
    s.output = [](const ArrayMeta& in, const Params& p, Precision precision) {
        const auto sigma = p.reals("sigma");
        const auto ndim = in.shape.size();
        if (sigma.size() != 1 && sigma.size() != ndim)
            throw Error("filters.gaussian: parameter sigma=" + p.text("sigma") + " has " +
                        std::to_string(sigma.size()) + " values for a " + std::to_string(ndim) + "-d image");
        for (double sd : sigma)
            spec_parts::check_gaussian_radius("filters.gaussian", "sigma=" + p.text("sigma") + " with truncate=" +
                                              p.text("truncate"), sd, p.real("truncate"));
        return ArrayMeta{float_output_dtype(in.dtype, precision), in.shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision p) {
        return spec_parts::read_write_bytes(in, float_output_dtype(in.dtype, p));
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params& p) {
        // Symmetric taps: one multiply and two adds per tap pair, per axis.
        const auto sigma = p.reals("sigma");
        double flops = 0;
        for (std::size_t d = 0; d < in.shape.size(); ++d) {
            const double sd = sigma.size() == 1 ? sigma[0] : sigma[d];
            flops += 3.0 * std::floor(p.real("truncate") * sd + 0.5) + 1.0;
        }
        return flops;
    };
    s.reach = [](const ArrayMeta& in, const Params& p) {  // SciPy's radius, int(truncate * sigma + 0.5)
        const auto sigma = p.reals("sigma");
        std::vector<std::int64_t> reach;
        for (std::size_t d = 0; d < in.shape.size(); ++d)
            reach.push_back(static_cast<std::int64_t>(p.real("truncate") * (sigma.size() == 1 ? sigma[0] : sigma[d]) + 0.5));
        return reach;
    };
    return s;
}

SKB_REGISTER_OP_SPEC(gaussian_spec());

}  // namespace
}  // namespace skb
