// Opt morphology.remove_small_objects. Bool images: components from the run labeller, sizes summed over runs,
// each output row written once from its runs. Integer images (labels: one object per value): sizes from a
// parallel histogram when the largest label is below 65536, else from a sorted copy of the labels (large sparse
// label values), then one parallel pass that zeroes the pixels of small labels.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>

#include "filters/histogram.hpp"
#include "measure/run_labeler.hpp"

namespace skb::opt {
namespace {

constexpr std::int64_t kDenseLabels = 1 << 16;

void remove_small_components(const bool* in, const Shape& shape, int connectivity, std::int64_t max_size, bool* out,
                             const RunOptions& options) {
    runs::with_components(in, shape, connectivity, 0, options, [&](const auto& labeler) {
        std::vector<std::int64_t> sizes(static_cast<std::size_t>(labeler.component_count()) + 1, 0);
        labeler.visit_rows([&](std::int64_t, const auto& st, auto first, auto end) {
            for (auto i = first; i < end; ++i)
                std::atomic_ref<std::int64_t>(sizes[static_cast<std::size_t>(labeler.component_id(st, i))])
                    .fetch_add(st.x1.data()[i] - st.x0.data()[i], std::memory_order_relaxed);
        });
        labeler.write_rows(reinterpret_cast<std::uint8_t*>(out), std::uint8_t{0}, [&](const auto& st, auto i) {
            return static_cast<std::uint8_t>(sizes[static_cast<std::size_t>(labeler.component_id(st, i))] > max_size);
        });
    });
}

template <class T>
void remove_small_labels(const T* in, std::int64_t n, std::int64_t max_size, T* out, const RunOptions& options) {
    const auto [lowest, highest] = parallel_minmax(in, n, options);
    if (lowest < 0)
        throw Error("morphology.remove_small_objects: label " + std::to_string(lowest) +
                    " is negative (negative labels are not supported)");
    if (static_cast<std::int64_t>(highest) < kDenseLabels) {
        const auto sizes = histogram(n, static_cast<std::int64_t>(highest) + 1, options,
                                     [&](std::int64_t i) { return static_cast<std::int64_t>(in[i]); });
        std::vector<std::uint8_t> keep(sizes.size());
        for (std::size_t v = 0; v < sizes.size(); ++v) keep[v] = sizes[v] > max_size;
        parallel_blocks(options, n, 1 << 16, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) out[i] = keep[static_cast<std::size_t>(in[i])] ? in[i] : T{0};
        });
        return;
    }
    std::vector<T> sorted(in, in + n);
    std::sort(sorted.begin(), sorted.end());
    std::vector<T> small;  // labels of at most max_size pixels, ascending
    for (auto it = sorted.begin(); it != sorted.end();) {
        const auto next = std::upper_bound(it, sorted.end(), *it);
        if (next - it <= max_size) small.push_back(*it);
        it = next;
    }
    parallel_blocks(options, n, 1 << 14, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i)
            out[i] = std::binary_search(small.begin(), small.end(), in[i]) ? T{0} : in[i];
    });
}

Array remove_small_objects(const Array& image, const Params& params, const RunOptions& requested) {
    const RunOptions options = sized_for_work(requested, image.size());  // a labelling or counting pass, one write
    Array result = new_output(options, image.dtype(), image.shape());
    if (image.size() == 0) return result;
    const std::int64_t max_size = params.integer("max_size");
    if (max_size == 0) {  // nothing has 0 pixels; scikit-image returns the copy before it looks at the labels
        std::memcpy(result.raw(), image.raw(), image.nbytes());
        return result;
    }
    visit_dtype<kLabelDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_same_v<T, bool>)
            remove_small_components(image.data<bool>(), image.shape(), static_cast<int>(params.integer("connectivity")),
                                    max_size, result.data<bool>(), options);
        else if constexpr (std::is_integral_v<T>)
            remove_small_labels(image.data<T>(), image.size(), max_size, result.data<T>(), options);
        else
            throw Error("morphology.remove_small_objects: float images are not labels");
    });
    return result;
}

SKB_REGISTER_IMPL("morphology.remove_small_objects", "opt", remove_small_objects);

}  // namespace
}  // namespace skb::opt
