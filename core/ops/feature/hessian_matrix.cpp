// Specs of feature.hessian_matrix and feature.hessian_matrix_eigvals (scikit-image 0.26, feature/corner.py).
// hessian_matrix: img_as_float (uint8 scaled to [0, 1]), then 0.26's default use_gaussian_derivatives=None, which
// is False (scikit-image warns that it will become True): gaussian(sigma, truncate 4), np.gradient along every
// axis, np.gradient of those; with True, the Gaussian derivative passes the ridge filters use (skb/ridges.hpp).
// Its outputs are the upper triangle in scikit-image's list order, stacked.
// hessian_matrix_eigvals: H_elems stacked on a leading axis (np.stack of hessian_matrix's list); the eigenvalues,
// decreasing, stacked the same way (scikit-image returns that one array).
// Differs from scikit-image: 2-D and 3-D only; sigma is one number (scikit-image also takes one per axis with
// use_gaussian_derivatives=True); hessian_matrix_eigvals takes float arrays only (scikit-image's 2-D formula
// writes an integer H_elems' eigenvalues into an integer array).
#include <cmath>
#include <string>

#include "skb/registry.hpp"
#include "skb/ridges.hpp"

namespace skb {
namespace {

bool gaussian_derivatives(const Params& p) { return !p.is_none("use_gaussian_derivatives") && p.flag("use_gaussian_derivatives"); }

OpSpec hessian_matrix_spec() {
    OpSpec s;
    s.id = "feature.hessian_matrix";
    s.summary = "Hessian's upper triangle per pixel: Gaussian smoothing then finite differences (or Gaussian derivatives)";
    s.params = {
        {"sigma", ParamKind::Float, "1", "the Gaussian's standard deviation", {}, 0.0},
        spec_parts::mode_param("constant"),
        spec_parts::cval_param(),
        {"order", ParamKind::Choice, "rc", "rc: first axis first (Hrr, Hrc, Hcc); xy: last axis first (2-D only)",
         {"rc", "xy"}, std::nullopt},
        {"use_gaussian_derivatives", ParamKind::Bool, "",
         "true: convolve with Gaussian derivatives; false or None (0.26's default): np.gradient of the smoothed image",
         {}, std::nullopt},
    };
    s.input_dtypes = kImageDTypes.list();
    s.output_names_by_ndim = {{2, {"Hrr", "Hrc", "Hcc"}}, {3, {"Hpp", "Hpr", "Hpc", "Hrr", "Hrc", "Hcc"}}};
    s.output = [](const ArrayMeta& in, const Params& p, Precision precision) {
        const int ndim = static_cast<int>(in.shape.size());
        if (ndim > 2 && p.choice("order") == "xy")
            throw Error("feature.hessian_matrix: order=xy is only supported for 2-d images (this one is " +
                        std::to_string(ndim) + "-d)");
        if (gaussian_derivatives(p)) {
            if (!(p.real("sigma") > 0))
                throw Error("feature.hessian_matrix: sigma=" + p.text("sigma") +
                            " must be positive with use_gaussian_derivatives=true");
            const ridges::HessianScale scale = ridges::hessian_scale(p.real("sigma"));
            spec_parts::check_gaussian_radius("feature.hessian_matrix", "sigma=" + p.text("sigma"), scale.sigma,
                                              scale.truncate);
        } else {
            spec_parts::check_gaussian_radius("feature.hessian_matrix", "sigma=" + p.text("sigma"), p.real("sigma"), 4.0);
            for (std::int64_t extent : in.shape)
                if (extent < 2)
                    throw Error("feature.hessian_matrix: input shape " + shape_string(in.shape) +
                                " has an axis shorter than 2, too small for np.gradient");
        }
        Shape shape{ndim * (ndim + 1) / 2};
        shape.insert(shape.end(), in.shape.begin(), in.shape.end());
        return ArrayMeta{float_output_dtype(in.dtype, precision), shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision precision) {
        const double ndim = static_cast<double>(in.shape.size());
        return static_cast<double>(dtype_size(in.dtype)) +
               ndim * (ndim + 1) / 2 * static_cast<double>(dtype_size(float_output_dtype(in.dtype, precision)));
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params& p) {
        const double ndim = static_cast<double>(in.shape.size()), elements = ndim * (ndim + 1) / 2;
        const double sigma = p.real("sigma");
        if (gaussian_derivatives(p)) {  // ndim first-derivative passes, then each element's ndim + 1 more
            const ridges::HessianScale scale = ridges::hessian_scale(sigma);
            const double taps = 2 * std::floor(scale.truncate * scale.sigma + 0.5) + 1;
            return (ndim + elements * (ndim + 1)) * 2 * taps;
        }
        const double taps = 2 * std::floor(4.0 * sigma + 0.5) + 1;  // gaussian's passes, then 2 flops a difference
        return ndim * 2 * taps + 2 * (ndim + elements);
    };
    s.bench = {SyntheticInput::Smooth, {DType::U8, DType::F32}, {}};
    s.reach = [](const ArrayMeta& in, const Params& p) -> std::optional<std::vector<std::int64_t>> {
        // np.gradient differences one-sidedly at the image's edges, where mode=wrap's smoothing reads the far
        // side: a chunk at an edge would need both, so that case needs the whole image.
        if (!gaussian_derivatives(p) && p.choice("mode") == "wrap") return std::nullopt;
        const double sigma = p.real("sigma");
        // gaussian's radius, then np.gradient twice (one element each); or two Gaussian derivative filters
        const std::int64_t reach = gaussian_derivatives(p) ? ridges::gaussian_derivatives_reach(sigma)
                                                           : static_cast<std::int64_t>(4.0 * sigma + 0.5) + 2;
        return spec_parts::uniform_reach(static_cast<int>(in.shape.size()), reach);
    };
    return s;
}

OpSpec hessian_matrix_eigvals_spec() {
    OpSpec s;
    s.id = "feature.hessian_matrix_eigvals";
    s.summary = "Eigenvalues of a symmetric matrix per pixel (H_elems stacked), decreasing, stacked";
    s.input_dtypes = {DType::F32, DType::F64};
    s.stacked_symmetric = true;
    s.output = [](const ArrayMeta& in, const Params&, Precision precision) {
        Shape shape(in.shape);
        shape[0] = static_cast<std::int64_t>(in.shape.size()) - 1;
        return ArrayMeta{float_output_dtype(in.dtype, precision), shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision precision) {
        // per element of the stacked input: read it; write ndim of every ndim (ndim + 1) / 2 inputs
        const double ndim = static_cast<double>(in.shape.size()) - 1;
        return static_cast<double>(dtype_size(in.dtype)) +
               2 / (ndim + 1) * static_cast<double>(dtype_size(float_output_dtype(in.dtype, precision)));
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params&) {
        return in.shape.size() == 3 ? 10.0 / 3 : 60.0 / 6;  // the 2-D closed form; the 3-D one (~60 a pixel)
    };
    s.bench = {SyntheticInput::SymmetricStack, {DType::F32}, {}};
    s.reach = [](const ArrayMeta& in, const Params&) {  // per pixel
        return spec_parts::uniform_reach(static_cast<int>(in.shape.size()) - 1, 0);
    };
    return s;
}

SKB_REGISTER_OP_SPEC(hessian_matrix_spec());
SKB_REGISTER_OP_SPEC(hessian_matrix_eigvals_spec());

}  // namespace
}  // namespace skb
