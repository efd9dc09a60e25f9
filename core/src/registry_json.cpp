#include "skb/registry_json.hpp"

#include "skb/registry.hpp"

namespace skb {

// A table cell for (op, backend): "yes", "-" (not implemented, or declined by the op's spec: declined_reason says
// why), or the reason a built backend cannot run here ("no device").
std::string availability(const std::string& op, const std::string& backend) {
    const auto& registry = Registry::instance();
    if (registry.find_impl(op, backend)) return "yes";
    if (registry.declined_reason(op, backend)) return "-";
    if (const std::string* why = registry.unavailable_reason(backend)) return *why;
    return "-";
}

namespace {

const char* param_kind_name(ParamKind kind) {
    switch (kind) {
        case ParamKind::Float: return "float";
        case ParamKind::FloatList: return "float_list";
        case ParamKind::Int: return "int";
        case ParamKind::Bool: return "bool";
        case ParamKind::Choice: return "choice";
        case ParamKind::ChoiceList: return "choice_list";
        case ParamKind::Footprint: return "footprint";
    }
    return "?";
}

std::vector<std::string> dtype_names(const std::vector<DType>& dtypes) {
    std::vector<std::string> names;
    for (DType t : dtypes) names.emplace_back(dtype_name(t));
    return names;
}

}  // namespace

nlohmann::json registry_json() {
    const auto& registry = Registry::instance();
    nlohmann::json backends = nlohmann::json::array();
    for (const auto& b : known_backends())
        backends.push_back({{"name", b.name}, {"precision", b.precision == Precision::F64 ? "float64" : "float32"},
                            {"is_reference", b.is_reference}, {"cpu_parallel", b.cpu_parallel},
                            {"on_device", b.on_device}, {"timings_meaningful", b.timings_meaningful},
                            {"description", b.description}});
    nlohmann::json ops = nlohmann::json::array();
    for (const auto& id : registry.op_ids()) {
        const OpSpec& spec = registry.spec(id);
        nlohmann::json op = {{"id", id}, {"summary", spec.summary}, {"test_only", spec.test_only},
                             {"input_dtypes", dtype_names(spec.input_dtypes)}, {"spatial_ndims", spec.spatial_ndims},
                             {"channels", spec.channels}, {"output_names", spec.output_names},
                             {"output_names_by_ndim", nlohmann::json::object()},
                             {"stacked_symmetric", spec.stacked_symmetric},
                             {"local", static_cast<bool>(spec.reach)},
                             {"backends", nlohmann::json::object()}, {"declined", nlohmann::json::object()},
                             {"extra_inputs", nlohmann::json::array()}, {"params", nlohmann::json::array()}};
        for (const auto& [ndim, names] : spec.output_names_by_ndim) op["output_names_by_ndim"][std::to_string(ndim)] = names;
        for (const auto& b : known_backends()) {
            op["backends"][b.name] = availability(id, b.name);
            if (const std::string* why = registry.declined_reason(id, b.name)) op["declined"][b.name] = *why;
        }
        for (const auto& e : spec.extra_inputs)
            op["extra_inputs"].push_back({{"name", e.name}, {"dtypes", dtype_names(e.dtypes)},
                                          {"optional", e.optional}, {"help", e.help}});
        for (const auto& p : spec.params)
            op["params"].push_back({{"name", p.name}, {"kind", param_kind_name(p.kind)},
                                    {"default", p.default_value.empty() ? nlohmann::json() : nlohmann::json(p.default_value)},
                                    {"choices", p.choices}, {"help", p.help}});
        ops.push_back(std::move(op));
    }
    return nlohmann::json{{"backends", backends}, {"ops", ops}};
}


}  // namespace skb
