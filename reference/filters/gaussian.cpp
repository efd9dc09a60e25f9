// Reference filters.gaussian: one 1-d correlation per axis, in float64, each line read through the border rule.
#include "skb/gaussian_kernel.hpp"
#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array gaussian(const Array& input, const Params& params, const RunOptions&) {
    Array image = to_float_array<double>(input, params.flag("preserve_range"));
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double cval = params.real("cval");
    const std::vector<double> sigmas = params.reals("sigma");
    double* data = image.data<double>();
    for (int axis = 0; axis < image.ndim(); ++axis) {
        const double sigma = sigmas.size() == 1 ? sigmas[0] : sigmas[axis];
        if (sigma <= kGaussianSkipSigma) continue;
        const std::vector<double> w = gaussian_kernel1d(sigma, params.real("truncate"));
        const auto radius = static_cast<std::int64_t>(w.size() / 2);
        const AxisLines lines(image.shape(), axis);
        std::vector<double> line(lines.length);
        for (std::int64_t l = 0; l < lines.count(); ++l) {
            double* first = data + lines.start(l);
            for (std::int64_t i = 0; i < lines.length; ++i) line[i] = first[i * lines.inner];
            for (std::int64_t i = 0; i < lines.length; ++i) {
                double sum = 0;
                for (std::int64_t j = -radius; j <= radius; ++j) {
                    const std::int64_t k = border_index(i + j, lines.length, mode);
                    sum += w[j + radius] * (k < 0 ? cval : line[k]);
                }
                first[i * lines.inner] = sum;
            }
        }
    }
    return cast_array(image, float_output_dtype(input.dtype(), Precision::F64));
}

SKB_REGISTER_IMPL("filters.gaussian", "ref", gaussian);

}  // namespace
}  // namespace skb::reference
