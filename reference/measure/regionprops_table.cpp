// Reference measure.regionprops_table: every pixel with a positive label adds itself to its region's sums (count,
// bounding box, coordinate sums and products, intensity); regions in increasing label order; the table's
// arithmetic is skb/regionprops.hpp's, shared by every backend.
#include <map>

#include "skb/nd.hpp"
#include "skb/regionprops.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array regionprops_table(const OpInputs& inputs, const Params& params, const RunOptions&) {
    const Array labels = cast_array(inputs.image(), DType::I64);
    const Array* intensity_input = inputs.extra("intensity_image");
    const Array intensity = intensity_input ? cast_array(*intensity_input, DType::F64) : Array();
    const int ndim = labels.ndim();
    std::map<std::int64_t, regionprops::RegionSums> regions;
    for (std::int64_t p = 0; p < labels.size(); ++p) {
        const std::int64_t label = labels.data<std::int64_t>()[p];
        if (label <= 0) continue;
        regionprops::RegionSums& r = regions[label];
        r.label = label;
        r.add_pixel(unravel(p, labels.shape()).data(), ndim, intensity_input ? intensity.data<double>()[p] : 0.0);
    }
    std::vector<regionprops::RegionSums> ordered;
    for (const auto& [label, sums] : regions) ordered.push_back(sums);
    return regionprops::write_table(ordered, params.choices("properties"), ndim);
}

SKB_REGISTER_IMPL("measure.regionprops_table", "ref", regionprops_table);

}  // namespace
}  // namespace skb::reference
