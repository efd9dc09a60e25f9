// Opt feature.hessian_matrix and feature.hessian_matrix_eigvals: float32, oneTBB-parallel.
// hessian_matrix: the input by img_as_float32, then either filters/gaussian.hpp's smoothing and np.gradient's
// differences (each gradient rounded to float32 as NumPy rounds it, so the second differences see the same
// values), or the Gaussian derivative passes of feature/gaussian_hessian.hpp; each element is written straight
// into its slice of the stacked result.
// hessian_matrix_eigvals: per pixel, the 2-D closed form in float32 or the 3-D closed form in double
// (skb/ridges.hpp), the eigenvalues written to their slices.
#include <vector>

#include "feature/gaussian_hessian.hpp"
#include "filters/gaussian.hpp"
#include "parallel.hpp"
#include "rows.hpp"
#include "skb/nd.hpp"
#include "skb/registry.hpp"
#include "skb/ridges.hpp"

namespace skb::opt {
namespace {

// out = np.gradient(in, axis=axis) (unit spacing, edge_order 1) of a float32 array of `shape`.
void gradient_axis(const float* in, float* out, const Shape& shape, int axis, const RunOptions& options) {
    const AxisLines lines(shape, axis);
    const std::int64_t n = lines.length, inner = lines.inner;
    if (inner == 1) {  // along rows
        parallel_blocks(options, lines.outer, std::max<std::int64_t>(1, 16384 / n), [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t row = b; row < e; ++row) {
                const float* a = in + row * n;
                float* o = out + row * n;
                for (std::int64_t i = 1; i + 1 < n; ++i) o[i] = (a[i + 1] - a[i - 1]) * 0.5f;  // / 2: exact either way
                o[0] = a[1] - a[0];
                o[n - 1] = a[n - 1] - a[n - 2];
            }
        });
        return;
    }
    // Across rows: output row (o, i) from rows (o, i - 1) and (o, i + 1), or the one-sided pair at the ends.
    parallel_blocks(options, lines.outer * n, std::max<std::int64_t>(1, 16384 / inner), [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t line = b; line < e; ++line) {
            const std::int64_t o = line / n, i = line % n;
            const float* base = in + o * n * inner;
            float* dst = out + line * inner;
            if (i == 0 || i == n - 1) {
                const float* hi = base + (i == 0 ? 1 : n - 1) * inner;
                const float* lo = base + (i == 0 ? 0 : n - 2) * inner;
                for (std::int64_t x = 0; x < inner; ++x) dst[x] = hi[x] - lo[x];
            } else {
                const float* hi = base + (i + 1) * inner;
                const float* lo = base + (i - 1) * inner;
                for (std::int64_t x = 0; x < inner; ++x) dst[x] = (hi[x] - lo[x]) * 0.5f;
            }
        }
    });
}

Array hessian_matrix(const Array& input, const Params& params, const RunOptions& requested) {
    const Shape& shape = input.shape();
    const int ndim = input.ndim();
    const std::int64_t n = input.size();
    const BorderMode mode = parse_border_mode(params.choice("mode"));
    const auto cval = static_cast<float>(params.real("cval"));
    const double sigma = params.real("sigma");
    const ridges::ElementAxes axes = ridges::element_axes(ndim, params.choice("order") == "xy");
    const RunOptions options = sized_for_work(requested, n * 20 * axes.count);
    Shape stacked{axes.count};
    stacked.insert(stacked.end(), shape.begin(), shape.end());
    Array result = new_output(requested, DType::F32, stacked);
    float* elements[6];
    for (int k = 0; k < axes.count; ++k) elements[k] = result.data<float>() + k * n;
    if (!params.is_none("use_gaussian_derivatives") && params.flag("use_gaussian_derivatives")) {
        Array image(DType::F32, shape);  // img_as_float32
        visit_dtype(input.dtype(), [&](auto tag) {
            using T = decltype(tag);
            const T* in = input.data<T>();
            float* out = image.data<float>();
            parallel_blocks(options, n, 65536, [&](std::int64_t b, std::int64_t e) {
                for (std::int64_t i = b; i < e; ++i) out[i] = as_float(in[i], false);
            });
        });
        GaussianHessian(shape).compute(image.data<float>(), sigma, mode, cval, axes, elements, options);
        return result;
    }
    const Array smoothed = gaussian_f32(input, {sigma}, 4.0, mode, cval, false, options);
    std::vector<Array> gradients;
    for (int d = 0; d < ndim; ++d) {
        gradients.emplace_back(DType::F32, shape);
        gradient_axis(smoothed.data<float>(), gradients.back().data<float>(), shape, d, options);
    }
    for (int k = 0; k < axes.count; ++k)
        gradient_axis(gradients[static_cast<std::size_t>(axes.first[k])].data<float>(), elements[k], shape,
                      axes.second[k], options);
    return result;
}

template <class T> void eigenvalues(const T* stacked, float* out, int ndim, std::int64_t n, const RunOptions& options) {
    parallel_blocks(options, n, 16384, [&](std::int64_t b, std::int64_t e) {
        if (ndim == 2) {
            const T *h0 = stacked, *h1 = stacked + n, *h2 = stacked + 2 * n;
            float* e0 = out;
            float* e1 = out + n;
            for (std::int64_t i = b; i < e; ++i) {
                float v[2];
                ridges::eigenvalues2(static_cast<float>(h0[i]), static_cast<float>(h1[i]), static_cast<float>(h2[i]), v);
                e0[i] = v[0];
                e1[i] = v[1];
            }
            return;
        }
        for (std::int64_t i = b; i < e; ++i) {
            double v[3];
            ridges::eigenvalues3(stacked[i], stacked[n + i], stacked[2 * n + i], stacked[3 * n + i], stacked[4 * n + i],
                                 stacked[5 * n + i], v);
            for (int k = 0; k < 3; ++k) out[k * n + i] = static_cast<float>(v[k]);
        }
    });
}

Array hessian_matrix_eigvals(const Array& input, const Params&, const RunOptions& requested) {
    const int ndim = input.ndim() - 1;
    const std::int64_t n = input.size() / input.shape()[0];
    Shape shape(input.shape());
    shape[0] = ndim;
    Array result = new_output(requested, DType::F32, shape);
    const RunOptions options = sized_for_work(requested, n * (ndim == 2 ? 10 : 100));
    if (input.dtype() == DType::F32) eigenvalues(input.data<float>(), result.data<float>(), ndim, n, options);
    else eigenvalues(input.data<double>(), result.data<float>(), ndim, n, options);
    return result;
}

SKB_REGISTER_IMPL("feature.hessian_matrix", "opt", hessian_matrix);
SKB_REGISTER_IMPL("feature.hessian_matrix_eigvals", "opt", hessian_matrix_eigvals);

}  // namespace
}  // namespace skb::opt
