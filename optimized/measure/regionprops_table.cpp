// Opt measure.regionprops_table: rows in parallel stripes; each row is cut into runs of one positive label, and a
// run adds itself to its region's sums in closed form (count, bounding box, coordinate sums and products:
// RegionSums::add_run), so the work per pixel is one compare; the intensity image, when given, is read under the
// runs only. Each stripe keeps its regions in a hash map keyed by label (with the last region looked up kept
// at hand, since a region's runs follow each other); the stripes' maps are merged in label order, and the table's
// arithmetic is skb/regionprops.hpp's, shared by every backend.
#include <map>
#include <mutex>
#include <unordered_map>

#include "parallel.hpp"
#include "skb/regionprops.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

using regionprops::RegionSums;

template <class L, class I>
void add_rows(const L* labels, const I* intensity, const Shape& shape, std::int64_t row_begin, std::int64_t row_end,
              std::unordered_map<std::int64_t, RegionSums>& regions) {
    const int ndim = static_cast<int>(shape.size());
    const std::int64_t W = shape[ndim - 1];
    std::int64_t coord[3] = {};
    RegionSums* last = nullptr;
    for (std::int64_t row = row_begin; row < row_end; ++row) {
        for (std::int64_t rest = row, d = ndim - 2; d >= 0; --d) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
        const L* line = labels + row * W;
        for (std::int64_t x = 0; x < W;) {
            const L label = line[x];
            std::int64_t end = x + 1;
            while (end < W && line[end] == label) ++end;
            if (label > 0) {
                if (!last || last->label != static_cast<std::int64_t>(label)) {
                    last = &regions[static_cast<std::int64_t>(label)];
                    last->label = static_cast<std::int64_t>(label);
                }
                coord[ndim - 1] = x;
                last->add_run(coord, ndim, end - x);
                if constexpr (!std::is_same_v<I, void>)
                    for (std::int64_t k = x; k < end; ++k) last->add_intensity(static_cast<double>(intensity[row * W + k]));
            }
            x = end;
        }
    }
}

template <class L, class I>
std::map<std::int64_t, RegionSums> region_sums(const L* labels, const I* intensity, const Shape& shape,
                                               const RunOptions& options) {
    const std::int64_t rows = element_count(shape) / shape.back();
    std::map<std::int64_t, RegionSums> merged;
    std::mutex merge;
    parallel_blocks(options, rows, std::max<std::int64_t>(1, kWorkPerThread / shape.back()),
                    [&](std::int64_t begin, std::int64_t end) {
                        std::unordered_map<std::int64_t, RegionSums> local;
                        add_rows<L, I>(labels, intensity, shape, begin, end, local);
                        std::lock_guard lock(merge);
                        for (const auto& [label, sums] : local) {
                            const auto [it, fresh] = merged.try_emplace(label, sums);
                            if (!fresh) it->second.merge(sums);
                        }
                    });
    return merged;
}

Array regionprops_table(const OpInputs& inputs, const Params& params, const RunOptions& requested) {
    const Array& image = inputs.image();
    const RunOptions options = sized_for_work(requested, image.size());  // a compare per pixel, per run the sums
    const Array* intensity = inputs.extra("intensity_image");
    std::map<std::int64_t, RegionSums> regions;
    visit_dtype(image.dtype(), [&](auto label_tag) {
        using L = decltype(label_tag);
        if constexpr (std::is_integral_v<L> && !std::is_same_v<L, bool>) {
            if (!intensity) {
                regions = region_sums<L, void>(image.data<L>(), nullptr, image.shape(), options);
                return;
            }
            visit_dtype(intensity->dtype(), [&](auto value_tag) {
                using I = decltype(value_tag);
                regions = region_sums<L, I>(image.data<L>(), intensity->data<I>(), image.shape(), options);
            });
        } else {
            throw Error("measure.regionprops_table: " + std::string(dtype_name(image.dtype())) + " is not a label dtype");
        }
    });
    std::vector<RegionSums> ordered;
    ordered.reserve(regions.size());
    for (const auto& [label, sums] : regions) ordered.push_back(sums);
    return regionprops::write_table(ordered, params.choices("properties"), image.ndim());
}

SKB_REGISTER_IMPL("measure.regionprops_table", "opt", regionprops_table);

}  // namespace
}  // namespace skb::opt
