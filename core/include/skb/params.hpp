// Op parameters: declared with scikit-image's names and defaults, given as text (CLI syntax), parsed and
// validated once into typed values.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "skb/footprint.hpp"

namespace skb {

enum class ParamKind {
    Float,      // "1.5"
    FloatList,  // "1.5" or per-axis "0.6,3.2"
    Int,        // "3"
    Bool,       // "true" | "false"
    Choice,     // one of ParamSpec::choices
    ChoiceList, // "label,area,bbox": one or more of ParamSpec::choices, in the caller's order
    Footprint,  // "disk:2" (see Footprint::parse)
};

struct ParamSpec {
    std::string name;           // scikit-image's keyword
    ParamKind kind = ParamKind::Float;
    std::string default_value;  // CLI syntax; empty means scikit-image's None
    std::string help;
    std::vector<std::string> choices;  // Choice only
    std::optional<double> minimum;     // numeric kinds: smallest accepted value (inclusive)
};

using ParamValue = std::variant<std::monostate, double, std::vector<double>, std::int64_t, bool, std::string, Footprint,
                                std::vector<std::string>>;

// name=value texts as given on the command line or in a golden manifest.
using ParamTexts = std::map<std::string, std::string>;

// Splits "name=value" (the CLI's --param syntax); throws naming the text when there is no '='.
std::pair<std::string, std::string> split_param_text(std::string_view text);

class Params {
public:
    // Parses every declared parameter (given or default) for op `op_id`; throws skb::Error naming an unknown
    // parameter or a bad value.
    static Params parse(std::string_view op_id, const std::vector<ParamSpec>& specs, const ParamTexts& given);

    bool is_none(const std::string& name) const;
    double real(const std::string& name) const;
    std::vector<double> reals(const std::string& name) const;  // a scalar FloatList gives one element
    std::int64_t integer(const std::string& name) const;
    std::optional<std::int64_t> optional_integer(const std::string& name) const;
    bool flag(const std::string& name) const;
    const std::string& choice(const std::string& name) const;
    const std::vector<std::string>& choices(const std::string& name) const;  // a ChoiceList
    const Footprint* footprint(const std::string& name) const;  // nullptr: None (op default)
    const std::string& text(const std::string& name) const;     // as given, for messages and names

private:
    const ParamValue& value(const std::string& name) const;
    std::map<std::string, ParamValue> values_;
    std::map<std::string, std::string> texts_;
};

}  // namespace skb
