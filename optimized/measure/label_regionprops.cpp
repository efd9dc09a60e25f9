// Opt's fused label -> regionprops_table (a pipeline's two steps as one, core's FusedStepsImpl): the components
// of measure/run_labeler.hpp, then each run's sums added to its component's number, so the label image is never
// written, faulted in or read back (what cv2.connectedComponentsWithStats does). The numbers are label's own
// (C order of each component's first pixel), the table regionprops_table's shared write_table: equal to the two
// steps run one by one (tests/unit/fused_steps_test.cpp). Shapes that label renumbers in another scan order
// (skb/label_order.hpp) and intensity properties run unfused.
#include <unordered_map>

#include "measure/run_labeler.hpp"
#include "skb/label_order.hpp"
#include "skb/nvtx.hpp"
#include "skb/regionprops.hpp"

namespace skb::opt {
namespace {

using regionprops::RegionSums;

// Every component's sums. Stripe s owns the components numbered in it, (roots_before[s], roots_before[s + 1]]:
// their sums go straight into the shared table (disjoint ranges, one thread per stripe); runs of components that
// started in an earlier stripe go into the stripe's own map, merged afterwards.
template <class Labeler> std::vector<RegionSums> component_sums(const Labeler& labeler, const Shape& shape) {
    const std::int64_t components = labeler.component_count();
    const int ndim = static_cast<int>(shape.size());
    std::vector<RegionSums> all(static_cast<std::size_t>(components) + 1);
    std::vector<std::unordered_map<std::int64_t, RegionSums>> foreign(labeler.stripes.size());
    labeler.visit_rows([&](std::int64_t row, const auto& st, auto first, auto end) {
        const auto s = static_cast<std::size_t>(&st - labeler.stripes.data());
        const std::int64_t own_lo = labeler.roots_before[s], own_hi = labeler.roots_before[s + 1];
        std::int64_t coord[3] = {};
        for (std::int64_t rest = row, d = ndim - 2; d >= 0; --d) {
            coord[d] = rest % shape[d];
            rest /= shape[d];
        }
        for (auto i = first; i < end; ++i) {
            const std::int64_t id = labeler.component_id(st, i);
            RegionSums& r = id > own_lo && id <= own_hi ? all[static_cast<std::size_t>(id)] : foreign[s][id];
            coord[ndim - 1] = st.x0.data()[i];
            r.add_run(coord, ndim, st.x1.data()[i] - st.x0.data()[i]);
        }
    });
    for (const auto& map : foreign)
        for (const auto& [id, sums] : map) all[static_cast<std::size_t>(id)].merge(sums);
    for (std::int64_t id = 1; id <= components; ++id) all[static_cast<std::size_t>(id)].label = id;
    all.erase(all.begin());  // no component 0
    return all;
}

std::optional<Array> label_then_regionprops(const PreparedOp& label, const PreparedOp& table, const OpInputs& inputs,
                                            const RunOptions& requested) {
    const Array& image = inputs.image();
    const std::vector<std::string>& properties = table.params().choices("properties");
    const bool bool_input = image.dtype() == DType::Bool;
    if (image.size() == 0 || !inputs.extras().empty() || !is_identity(label_scan_axes(image.shape(), bool_input)))
        return std::nullopt;
    SKB_NVTX_RANGE("measure.label>regionprops_table/opt");
    const RunOptions options = sized_for_work(requested, image.size());
    const auto [connectivity, background] = label_params(label.params(), image.ndim());
    std::vector<RegionSums> regions;
    visit_dtype(image.dtype(), [&](auto tag) {
        using T = decltype(tag);
        runs::with_components(image.data<T>(), image.shape(), connectivity, background, options,
                              [&](const auto& labeler) { regions = component_sums(labeler, image.shape()); });
    });
    return regionprops::write_table(regions, properties, image.ndim());
}

const bool registered = [] {
    Registry::instance().add_fused_steps("measure.label", "measure.regionprops_table", "opt", label_then_regionprops);
    return true;
}();

}  // namespace
}  // namespace skb::opt
