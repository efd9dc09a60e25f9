// Opt numpy.extract: two parallel passes over fixed blocks of the mask, so that each block knows where its
// elements go without waiting for the others: count the True values per block, a prefix sum over the block
// counts (a few hundred numbers), then each block copies its elements to its offset, in C order.
#include <algorithm>
#include <vector>

#include "parallel.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

constexpr std::int64_t kBlock = std::int64_t{1} << 16;  // elements per block

Array extract(const OpInputs& inputs, const Params&, const RunOptions& requested) {
    const Array& arr = inputs.image();
    const bool* condition = inputs.extra("condition")->data<bool>();
    const std::int64_t n = arr.size(), blocks = (n + kBlock - 1) / kBlock;
    const RunOptions options = sized_for_work(requested, 2 * n);
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(blocks) + 1, 0);
    parallel_blocks(options, blocks, 1, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t b = first; b < last; ++b) {
            const bool* c = condition + b * kBlock;
            const std::int64_t length = std::min(kBlock, n - b * kBlock);
            std::int64_t count = 0;
            for (std::int64_t i = 0; i < length; ++i) count += c[i];
            offsets[static_cast<std::size_t>(b) + 1] = count;
        }
    });
    for (std::size_t b = 1; b < offsets.size(); ++b) offsets[b] += offsets[b - 1];
    Array result = new_output(options, arr.dtype(), Shape{offsets.back()});
    visit_dtype<kImageDTypes>(arr.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* in = arr.data<T>();
        T* out = result.data<T>();
        parallel_blocks(options, blocks, 1, [&](std::int64_t first, std::int64_t last) {
            for (std::int64_t b = first; b < last; ++b) {
                const std::int64_t begin = b * kBlock, end = std::min(n, begin + kBlock);
                T* to = out + offsets[static_cast<std::size_t>(b)];
                for (std::int64_t i = begin; i < end; ++i)
                    if (condition[i]) *to++ = in[i];  // (a branch-free store would spill one past the block's end)
            }
        });
    });
    return result;
}

SKB_REGISTER_IMPL("numpy.extract", "opt", extract);

}  // namespace
}  // namespace skb::opt
