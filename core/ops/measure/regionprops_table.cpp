// Spec of measure.regionprops_table: one row per label present (> 0, increasing), one column per scalar property
// and `name-i` columns for bbox, centroid and inertia_tensor_eigvals, in the order the properties are given. The
// result is one float64 array of shape (columns, regions), columns in regionprops_table's dict order
// (skb/regionprops.hpp names them); its row count is decided by the data. float64 in every backend: the table
// is per region, not per pixel, and its integer columns (label, bbox, area) stay exact.
// Properties: skb::regionprops::property_names(). intensity_* need the intensity image (second input, the label
// image's shape); eccentricity and orientation are 2-D only, as in scikit-image. Negative labels are ignored, as
// ndimage.find_objects ignores them.
#include "skb/regionprops.hpp"
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec regionprops_table_spec() {
    OpSpec s;
    s.id = "measure.regionprops_table";
    s.summary = "per-region measurements of a label image as a table (columns x regions)";
    s.params = {{"properties", ParamKind::ChoiceList, "label,bbox",
                 "comma-separated properties, in the table's column order", regionprops::property_names(), {}}};
    s.input_dtypes = {DType::U8, DType::U16, DType::I32, DType::I64};
    s.extra_inputs = {{.name = "intensity_image",
                       .dtypes = {DType::Bool, DType::U8, DType::U16, DType::F32, DType::F64},
                       .optional = true, .help = "values for the intensity_* properties; the label image's shape",
                       .bench_input = SyntheticInput::Smooth}};
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        const int ndim = static_cast<int>(in.shape.size());
        for (const auto& property : p.choices("properties"))
            if (regionprops::only_2d(property) && ndim != 2)
                throw Error(id + ": property " + property + " is only defined for 2-d label images, this one is " +
                            std::to_string(ndim) + "-d");
        const auto columns = static_cast<std::int64_t>(regionprops::columns(p.choices("properties"), ndim).size());
        return ArrayMeta{DType::F64, Shape{columns, kDataDependentExtent}};
    };
    s.check_inputs = [id = s.id](const std::map<std::string, ArrayMeta, std::less<>>& extras, const Params& p) {
        for (const auto& property : p.choices("properties"))
            if (regionprops::needs_intensity(property) && !extras.contains("intensity_image"))
                throw Error(id + ": property " + property + " needs an intensity_image (--in intensity_image=...)");
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return static_cast<double>(dtype_size(in.dtype));  // reads the labels; the table is per region
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params&) { return 2.0 * static_cast<double>(in.shape.size()); };
    s.bench = {SyntheticInput::Blobs, {DType::U8}, {{"properties", "label,area,bbox,centroid"}}};
    return s;
}

SKB_REGISTER_OP_SPEC(regionprops_table_spec());

}  // namespace
}  // namespace skb
