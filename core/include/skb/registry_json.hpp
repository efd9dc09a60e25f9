// The registry described for programs: `skbench list --json`, the memory tests, the Python descriptors' cross-check,
// and the Python package, which generates its API (names, parameters, defaults, docstrings) from it.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace skb {

// A table cell for (op, backend): "yes", "-" (not implemented, or declined by the op's spec: declined_reason says
// why), or the reason a built backend cannot run here ("no device").
std::string availability(const std::string& op, const std::string& backend);

// {"backends": [...], "ops": [{"id", "summary", "params", "extra_inputs", "output_names", ...}]}
nlohmann::json registry_json();

}  // namespace skb
