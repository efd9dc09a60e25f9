#include "skb/params.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "skb/error.hpp"

namespace skb {
namespace {

std::string where(std::string_view op_id, const std::string& name, std::string_view text) {
    return std::string(op_id) + ": parameter " + name + "=" + std::string(text);
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

double parse_real(std::string_view op_id, const ParamSpec& spec, std::string_view text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || std::isnan(value))
        throw Error(where(op_id, spec.name, text) + " is not a number");
    if (spec.minimum) {
        if (!std::isfinite(value)) throw Error(where(op_id, spec.name, text) + " must be finite");
        if (value < *spec.minimum)
            throw Error(where(op_id, spec.name, text) + " must be >= " + number_text(*spec.minimum));
    }
    return value;
}

// `item` as one of spec.choices (`whole`: the parameter's text, for the message).
std::string parse_choice(std::string_view op_id, const ParamSpec& spec, std::string_view item, std::string_view whole) {
    std::string expected;
    for (const auto& c : spec.choices) {
        if (item == c) return std::string(item);
        expected += (expected.empty() ? "" : ", ") + c;
    }
    const std::string what = item == whole ? "" : ": '" + std::string(item) + "'";
    throw Error(where(op_id, spec.name, whole) + what + " is not one of " + expected);
}

ParamValue parse_value(std::string_view op_id, const ParamSpec& spec, std::string_view text) {
    switch (spec.kind) {
        case ParamKind::Float: return parse_real(op_id, spec, text);
        case ParamKind::FloatList: {
            std::vector<double> values;
            std::size_t start = 0;
            while (true) {
                const auto comma = text.find(',', start);
                values.push_back(parse_real(op_id, spec, text.substr(start, comma - start)));
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
            return values;
        }
        case ParamKind::Int: {
            std::int64_t value = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (text.empty() || ec != std::errc() || end != text.data() + text.size())
                throw Error(where(op_id, spec.name, text) + " is not an integer");
            if (spec.minimum && static_cast<double>(value) < *spec.minimum)
                throw Error(where(op_id, spec.name, text) + " must be >= " + number_text(*spec.minimum));
            return value;
        }
        case ParamKind::Bool:
            if (text == "true" || text == "True") return true;
            if (text == "false" || text == "False") return false;
            throw Error(where(op_id, spec.name, text) + " is not a boolean (true or false)");
        case ParamKind::Choice: return parse_choice(op_id, spec, text, text);
        case ParamKind::ChoiceList: {
            std::vector<std::string> values;
            std::size_t start = 0;
            while (true) {
                const auto comma = text.find(',', start);
                values.push_back(parse_choice(op_id, spec, text.substr(start, comma - start), text));
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
            return values;
        }
        case ParamKind::Footprint: return Footprint::parse(text);
    }
    throw Error(where(op_id, spec.name, text) + ": unhandled parameter kind");
}

}  // namespace

std::pair<std::string, std::string> split_param_text(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0)
        throw Error("parameter '" + std::string(text) + "' is not of the form name=value");
    return {std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Params Params::parse(std::string_view op_id, const std::vector<ParamSpec>& specs, const ParamTexts& given) {
    for (const auto& [name, text] : given) {
        bool known = false;
        std::string names;
        for (const auto& s : specs) {
            known = known || s.name == name;
            names += (names.empty() ? "" : ", ") + s.name;
        }
        if (!known)
            throw Error(std::string(op_id) + ": unknown parameter '" + name + "'" +
                        (names.empty() ? " (it takes none)" : " (it takes " + names + ")"));
    }
    Params p;
    for (const auto& s : specs) {
        const auto it = given.find(s.name);
        const std::string& text = it != given.end() ? it->second : s.default_value;
        p.texts_[s.name] = text;
        // "None" may be given explicitly for a parameter whose scikit-image default is None.
        const bool none = s.default_value.empty() && (it == given.end() || text == "None");
        p.values_[s.name] = none ? ParamValue{} : parse_value(op_id, s, text);
    }
    return p;
}

const ParamValue& Params::value(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) throw InternalError("parameter '" + name + "' was not declared");
    return it->second;
}

bool Params::is_none(const std::string& name) const { return std::holds_alternative<std::monostate>(value(name)); }

double Params::real(const std::string& name) const { return std::get<double>(value(name)); }

std::vector<double> Params::reals(const std::string& name) const {
    const ParamValue& v = value(name);
    if (const auto* d = std::get_if<double>(&v)) return {*d};
    return std::get<std::vector<double>>(v);
}

std::int64_t Params::integer(const std::string& name) const { return std::get<std::int64_t>(value(name)); }

std::optional<std::int64_t> Params::optional_integer(const std::string& name) const {
    if (is_none(name)) return std::nullopt;
    return integer(name);
}

bool Params::flag(const std::string& name) const { return std::get<bool>(value(name)); }

const std::string& Params::choice(const std::string& name) const { return std::get<std::string>(value(name)); }

const std::vector<std::string>& Params::choices(const std::string& name) const {
    return std::get<std::vector<std::string>>(value(name));
}

const Footprint* Params::footprint(const std::string& name) const { return std::get_if<Footprint>(&value(name)); }

const std::string& Params::text(const std::string& name) const { return texts_.at(name); }

}  // namespace skb
