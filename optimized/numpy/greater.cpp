// Opt numpy.greater: one parallel pass comparing in the image's own type, so that the loop vectorizes without
// widening: an integer x > x2 exactly when x > floor(x2) (x2 beyond the type's range gives a constant answer),
// float32 against x2 rounded to float32 as NumPy does.
#include <cmath>
#include <limits>

#include "parallel.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

Array greater(const Array& image, const Params& params, const RunOptions& requested) {
    const double x2 = params.real("x2");
    const std::int64_t n = image.size();
    const RunOptions options = sized_for_work(requested, n);
    Array result = new_output(options, DType::Bool, image.shape());
    bool* out = result.data<bool>();
    visit_dtype<kImageDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = image.data<T>();
        T cutoff{};
        if constexpr (std::is_integral_v<T>) {
            using limits = std::numeric_limits<T>;
            if (!(x2 < static_cast<double>(limits::max()))) {  // also NaN: never greater
                std::fill(out, out + n, false);
                return;
            }
            if (x2 < static_cast<double>(limits::min())) {
                std::fill(out, out + n, true);
                return;
            }
            cutoff = static_cast<T>(std::floor(x2));
        } else {
            cutoff = static_cast<T>(x2);
        }
        parallel_blocks(options, n, 1 << 16, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i) out[i] = in[i] > cutoff;
        });
    });
    return result;
}

SKB_REGISTER_IMPL("numpy.greater", "opt", greater);

}  // namespace
}  // namespace skb::opt
