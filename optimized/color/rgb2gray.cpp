// Opt color.rgb2gray: one fused, vectorizable pass per block of pixels, float32, converting on the fly.
#include "parallel.hpp"
#include "rows.hpp"
#include "skb/nvtx.hpp"

namespace skb::opt {
namespace {

Array rgb2gray(const Array& input, const Params&, const RunOptions& requested) {
    SKB_NVTX_RANGE("color.rgb2gray/opt");
    Array gray = new_output(requested, DType::F32, Shape(input.shape().begin(), input.shape().end() - 1));
    float* out = gray.data<float>();
    const RunOptions options = sized_for_work(requested, gray.size() * 4);  // 3 channels read, 1 value written
    visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = input.data<T>();
        parallel_blocks(options, gray.size(), 1 << 16, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i)
                out[i] = 0.2125f * as_float(in[3 * i], false) + 0.7154f * as_float(in[3 * i + 1], false) +
                         0.0721f * as_float(in[3 * i + 2], false);
        });
    });
    return gray;
}

SKB_REGISTER_IMPL("color.rgb2gray", "opt", rgb2gray);

}  // namespace
}  // namespace skb::opt
