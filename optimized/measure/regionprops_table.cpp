// Opt measure.regionprops_table: rows in parallel blocks; each row is cut into runs of one positive label, and a
// run adds itself to its region's sums in closed form (count, bounding box, coordinate sums and products:
// RegionSums::add_run), so the work per pixel is one compare; the intensity image, when given, is read under the
// runs only. Where a block's runs add up: labels that are dense (measure.label's 1..N, the largest label at most
// the pixel count) go to a table indexed by label over the block's own label range (one block of rows per thread,
// holding mostly its own components), merged into one table over 1..max in label order; sparse label values go to a hash map per
// block, merged through an ordered map. The table's arithmetic is skb/regionprops.hpp's, shared by every backend.
#include <map>
#include <mutex>
#include <unordered_map>

#include "parallel.hpp"
#include "skb/regionprops.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

using regionprops::RegionSums;

// Regions by label over [base, base + table.size()).
struct DenseRegions {
    std::int64_t base = 0;
    std::vector<RegionSums> table;
    RegionSums& at(std::int64_t label) { return table[static_cast<std::size_t>(label - base)]; }
};

struct HashedRegions {
    std::unordered_map<std::int64_t, RegionSums> map;
    RegionSums& at(std::int64_t label) { return map[label]; }
};

template <class L, class I, class Regions>
void add_rows(const L* labels, const I* intensity, const Shape& shape, std::int64_t row_begin, std::int64_t row_end,
              Regions& regions) {
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
                    last = &regions.at(static_cast<std::int64_t>(label));
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
std::vector<RegionSums> dense_region_sums(const L* labels, const I* intensity, const Shape& shape, std::int64_t largest,
                                          std::int64_t grain, const RunOptions& options) {
    const std::int64_t W = shape.back(), rows = element_count(shape) / W;
    std::vector<DenseRegions> blocks;
    std::mutex keep;
    parallel_blocks(options, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        DenseRegions local;
        // The block's range of positive labels, on copied values with ?: (vectorized; see minmax_of).
        const auto none = static_cast<L>(largest);
        L lo = none, hi = 0;
        for (const L* p = labels + begin * W; p < labels + end * W; ++p) {
            const L x = *p;
            const L positive = x > 0 ? x : none;
            lo = positive < lo ? positive : lo;
            hi = x > hi ? x : hi;
        }
        if (hi <= 0) return;
        local.base = lo;
        local.table.resize(static_cast<std::size_t>(hi - lo + 1));
        add_rows<L, I>(labels, intensity, shape, begin, end, local);
        std::lock_guard lock(keep);
        blocks.push_back(std::move(local));
    });
    std::vector<RegionSums> all(static_cast<std::size_t>(largest) + 1);
    for (const DenseRegions& block : blocks)
        for (std::size_t i = 0; i < block.table.size(); ++i)
            if (block.table[i].count > 0) {
                RegionSums& r = all[static_cast<std::size_t>(block.base) + i];
                r.merge(block.table[i]);
                r.label = block.table[i].label;
            }
    std::erase_if(all, [](const RegionSums& r) { return r.count == 0; });
    return all;
}

template <class L, class I>
std::vector<RegionSums> hashed_region_sums(const L* labels, const I* intensity, const Shape& shape,
                                           std::int64_t grain, const RunOptions& options) {
    const std::int64_t rows = element_count(shape) / shape.back();
    std::map<std::int64_t, RegionSums> merged;
    std::mutex merge;
    parallel_blocks(options, rows, grain, [&](std::int64_t begin, std::int64_t end) {
        HashedRegions local;
        add_rows<L, I>(labels, intensity, shape, begin, end, local);
        std::lock_guard lock(merge);
        for (const auto& [label, sums] : local.map) {
            const auto [it, fresh] = merged.try_emplace(label, sums);
            if (!fresh) it->second.merge(sums);
        }
    });
    std::vector<RegionSums> ordered;
    ordered.reserve(merged.size());
    for (const auto& [label, sums] : merged) ordered.push_back(sums);
    return ordered;
}

template <class L, class I>
std::vector<RegionSums> region_sums(const L* labels, const I* intensity, const Shape& shape, const RunOptions& options) {
    const std::int64_t n = element_count(shape);
    const std::int64_t grain = std::max<std::int64_t>(1, kWorkPerThread / shape.back());  // rows
    const auto largest = static_cast<std::int64_t>(parallel_minmax(labels, n, options).second);
    if (largest <= 0) return {};
    if (largest <= std::max<std::int64_t>(n, 1 << 16)) {
        // One block per thread: a component that crosses blocks widens both blocks' label ranges, so many small
        // blocks would each hold a table nearly as long as the whole label range.
        const std::int64_t rows = n / shape.back(), threads = thread_count(options);
        return dense_region_sums<L, I>(labels, intensity, shape, largest, std::max(grain, (rows + threads - 1) / threads),
                                       options);
    }
    return hashed_region_sums<L, I>(labels, intensity, shape, grain, options);
}

Array regionprops_table(const OpInputs& inputs, const Params& params, const RunOptions& requested) {
    const Array& image = inputs.image();
    const RunOptions options = sized_for_work(requested, image.size());  // a compare per pixel, per run the sums
    const Array* intensity = inputs.extra("intensity_image");
    std::vector<RegionSums> regions;
    if (image.size() > 0)
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
                throw Error("measure.regionprops_table: " + std::string(dtype_name(image.dtype())) +
                            " is not a label dtype");
            }
        });
    return regionprops::write_table(regions, params.choices("properties"), image.ndim());
}

SKB_REGISTER_IMPL("measure.regionprops_table", "opt", regionprops_table);

}  // namespace
}  // namespace skb::opt
