// Opt testing.sum_diff (test-only op): one float32 pass over blocks of pixels, converting both inputs on the fly.
#include "parallel.hpp"
#include "rows.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

Array sum_diff(const OpInputs& inputs, const Params&, const RunOptions& options) {
    const Array& image = inputs.image();
    const Array& other = *inputs.extra("other");
    const bool* mask = inputs.extra("mask") ? inputs.extra("mask")->data<bool>() : nullptr;
    const std::int64_t n = image.size();
    Shape stacked{2};
    stacked.insert(stacked.end(), image.shape().begin(), image.shape().end());
    Array result(DType::F32, stacked);
    float* sum = result.data<float>();
    float* difference = sum + n;
    visit_dtype(image.dtype(), [&](auto image_tag) {
        visit_dtype(other.dtype(), [&](auto other_tag) {
            const auto* a = image.data<decltype(image_tag)>();
            const auto* b = other.data<decltype(other_tag)>();
            parallel_blocks(options, n, 1 << 16, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) {
                    const float x = as_float(a[i], false), y = as_float(b[i], false);
                    const bool inside = !mask || mask[i];
                    sum[i] = inside ? x + y : 0.0f;
                    difference[i] = inside ? x - y : 0.0f;
                }
            });
        });
    });
    return result;
}

SKB_REGISTER_IMPL("testing.sum_diff", "opt", sum_diff);

}  // namespace
}  // namespace skb::opt
