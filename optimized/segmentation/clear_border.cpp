// Opt segmentation.clear_border: the image's components (full connectivity, equal values, background 0) from the
// run labeller, each run checked against the border band (rows in the band, or its first or last `ext` pixels;
// with a mask, any False mask pixel under it), then every output row written once from its runs: a touching
// run's pixels become bgval, others keep their value; the gaps (background) become bgval when any background
// pixel lay in the band (scikit-image clears label 0 too), else stay 0.
#include <atomic>

#include "measure/run_labeler.hpp"

namespace skb::opt {
namespace {

template <class T>
void clear_border_typed(const T* in, const bool* mask, std::int64_t ext, std::int64_t bgval, const Shape& shape,
                        T* out, const RunOptions& options) {
    const int ndim = static_cast<int>(shape.size());
    runs::with_components(in, shape, ndim, 0, options, [&](const auto& labeler) {
        const std::int64_t W = labeler.W;
        std::vector<std::uint8_t> touching(static_cast<std::size_t>(labeler.component_count()) + 1, 0);
        std::atomic<bool> background_touching = false;
        labeler.visit_rows([&](std::int64_t row, const auto& st, auto first, auto end) {
            const auto* x0 = st.x0.data();
            const auto* x1 = st.x1.data();
            std::int64_t covered = 0;  // band pixels of this row under runs
            if (mask) {
                const bool* m = mask + row * W;
                std::int64_t x = 0;
                bool gap_in_border = false;
                for (auto i = first; i <= end; ++i) {
                    const std::int64_t gap_end = i < end ? x0[i] : W;
                    gap_in_border = gap_in_border || std::find(m + x, m + gap_end, false) != m + gap_end;
                    if (i == end) break;
                    if (std::find(m + x0[i], m + x1[i], false) != m + x1[i]) runs::mark(touching, labeler.component_id(st, i));
                    x = x1[i];
                }
                if (gap_in_border) background_touching.store(true, std::memory_order_relaxed);
                return;
            }
            const bool whole_row = runs::row_in_band(row, shape, ext);
            const std::int64_t lo = std::min(ext, W), hi = std::max(W - ext, lo);  // band: [0, lo) and [hi, W)
            for (auto i = first; i < end; ++i) {
                if (whole_row || x0[i] < lo || x1[i] > hi) runs::mark(touching, labeler.component_id(st, i));
                if (!whole_row)
                    covered += std::max<std::int64_t>(0, std::min<std::int64_t>(x1[i], lo) - x0[i]) +
                               std::max<std::int64_t>(0, x1[i] - std::max<std::int64_t>(x0[i], hi));
            }
            std::int64_t run_pixels = 0;
            if (whole_row)
                for (auto i = first; i < end; ++i) run_pixels += x1[i] - x0[i];
            const std::int64_t band_pixels = whole_row ? W : lo + (W - hi);
            if ((whole_row ? run_pixels : covered) < band_pixels)
                background_touching.store(true, std::memory_order_relaxed);
        });
        using Out = std::conditional_t<std::is_same_v<T, bool>, std::uint8_t, T>;
        const auto cleared = static_cast<Out>(std::is_same_v<T, bool> ? bgval != 0 : bgval);
        const Out gap = background_touching.load() ? cleared : Out{0};
        labeler.write_rows(reinterpret_cast<Out*>(out), gap, [&](const auto& st, auto i) {
            if (touching[static_cast<std::size_t>(labeler.component_id(st, i))]) return cleared;
            if constexpr (std::is_same_v<T, bool>) return Out{1};
            else return static_cast<Out>(st.keys.data()[i]);
        });
    });
}

Array clear_border(const OpInputs& inputs, const Params& params, const RunOptions& requested) {
    const Array& image = inputs.image();
    const RunOptions options = sized_for_work(requested, image.size());  // one labelling pass, one write
    const Array* mask = inputs.extra("mask");
    Array result = new_output(options, image.dtype(), image.shape());
    if (image.size() == 0) return result;
    visit_dtype<kLabelDTypes>(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_floating_point_v<T>) throw Error("segmentation.clear_border: float images are not labels");
        else
            clear_border_typed<T>(image.data<T>(), mask ? mask->data<bool>() : nullptr,
                                  params.integer("buffer_size") + 1, params.integer("bgval"), image.shape(),
                                  result.data<T>(), options);
    });
    return result;
}

SKB_REGISTER_IMPL("segmentation.clear_border", "opt", clear_border);

}  // namespace
}  // namespace skb::opt
