// Reference filters.sobel: the full 3^n Sobel kernel applied directly in float64 (no separability).
// Derivative along a: sum over offsets o in {-1,0,1}^n of I[x+o] * o_a * prod_{d != a} ([1,2,1]/4)[o_d + 1].
#include <cmath>

#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array sobel(const Array& input, const Params& params, const RunOptions&) {
    const Array image = to_float_array<double>(input);
    const Shape& shape = image.shape();
    const int ndim = image.ndim();
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const double cval = params.real("cval");
    std::vector<int> axes;
    if (const auto axis = params.optional_integer("axis")) axes = {static_cast<int>(*axis)};
    else for (int d = 0; d < ndim; ++d) axes.push_back(d);
    const bool magnitude = axes.size() > 1;

    const auto offsets = neighbourhood(ndim, ndim);  // {-1,0,1}^ndim; the centre has weight 0 anyway
    const double smooth[3] = {0.25, 0.5, 0.25};

    Array result = Array::zeros(DType::F64, shape);
    const double* in = image.data<double>();
    double* out = result.data<double>();
    for (std::int64_t i = 0; i < image.size(); ++i) {
        const auto coord = unravel(i, shape);
        double sum_of_squares = 0;
        for (int a : axes) {
            double g = 0;
            for (const auto& o : offsets) {
                double weight = static_cast<double>(o[a]);
                for (int d = 0; d < ndim; ++d)
                    if (d != a) weight *= smooth[o[d] + 1];
                const std::int64_t k = neighbour_index(coord, o, shape, mode);
                g += weight * (k < 0 ? cval : in[k]);
            }
            sum_of_squares += g * g;
            out[i] = g;
        }
        if (magnitude) out[i] = std::sqrt(sum_of_squares) / std::sqrt(static_cast<double>(ndim));
    }
    return cast_array(result, float_output_dtype(input.dtype(), Precision::F64));
}

SKB_REGISTER_IMPL("filters.sobel", "ref", sobel);

}  // namespace
}  // namespace skb::reference
