// Opt testing.sum_diff (test-only op): per block of pixels, `other` converted to float32 into a small buffer, then
// one pass over the image writing both outputs; the two conversions are instantiated per dtype separately (3 + 3,
// not 3 x 3 combinations).
#include <array>

#include "parallel.hpp"
#include "rows.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

constexpr std::int64_t kChunk = 1024;  // pixels converted at a time: the buffer stays in L1

Array sum_diff(const OpInputs& inputs, const Params&, const RunOptions& requested) {
    const Array& image = inputs.image();
    const Array& other = *inputs.extra("other");
    const bool* mask = inputs.extra("mask") ? inputs.extra("mask")->data<bool>() : nullptr;
    const std::int64_t n = image.size();
    const RunOptions options = sized_for_work(requested, n * 4);  // 2 inputs read, 2 outputs written
    Shape stacked{2};
    stacked.insert(stacked.end(), image.shape().begin(), image.shape().end());
    Array result = new_output(options, DType::F32, stacked);
    float* sum = result.data<float>();
    float* difference = sum + n;
    parallel_blocks(options, n, 1 << 16, [&](std::int64_t begin, std::int64_t end) {
        std::array<float, kChunk> y;
        for (std::int64_t start = begin; start < end; start += kChunk) {
            const std::int64_t count = std::min(kChunk, end - start);
            visit_dtype(other.dtype(), [&](auto tag) {
                const auto* b = other.data<decltype(tag)>() + start;
                for (std::int64_t i = 0; i < count; ++i) y[i] = as_float(b[i], false);
            });
            visit_dtype(image.dtype(), [&](auto tag) {
                const auto* a = image.data<decltype(tag)>() + start;
                for (std::int64_t i = 0; i < count; ++i) {
                    const float x = as_float(a[i], false);
                    const bool inside = !mask || mask[start + i];
                    sum[start + i] = inside ? x + y[i] : 0.0f;
                    difference[start + i] = inside ? x - y[i] : 0.0f;
                }
            });
        }
    });
    return result;
}

SKB_REGISTER_IMPL("testing.sum_diff", "opt", sum_diff);

}  // namespace
}  // namespace skb::opt
