#include "results.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "skb/error.hpp"

namespace skb::gate {
namespace {

// FNV-1a: a short, stable digest for fingerprints (not security).
std::string digest(const std::string& text) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%08llx", static_cast<unsigned long long>(h >> 32));
    return buffer;
}

std::string slug(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else if (!out.empty() && out.back() != '-') out += '-';
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "unknown" : out;
}

std::string text_of(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace

const CaseRecord* RunRecord::find(const std::string& name) const {
    const auto it = std::lower_bound(cases.begin(), cases.end(), name,
                                     [](const CaseRecord& c, const std::string& n) { return c.name < n; });
    return it != cases.end() && it->name == name ? &*it : nullptr;
}

std::string machine_fingerprint(const nlohmann::json& context) {
    std::string caches;
    if (context.contains("caches"))
        for (const auto& c : context["caches"]) caches += text_of(c, "level") + text_of(c, "type") + text_of(c, "size") + ";";
    const std::string model = text_of(context, "cpu_model"), threads = text_of(context, "hardware_threads");
    const std::string gpu = text_of(context, "gpu");
    return slug(model) + "-" + threads + "t-" + digest(model + "|" + threads + "|" + caches + "|" + gpu);
}

std::string build_fingerprint(const nlohmann::json& context) {
    const std::string compiler = text_of(context, "compiler"), flags = text_of(context, "cxx_flags");
    return slug(compiler) + "-" + digest(compiler + "|" + flags + "|" + text_of(context, "build_type"));
}

void check_context_types(const nlohmann::json& context, const std::string& what) {
    if (!context.is_object()) throw Error(what + ": its context is not an object");
    static const std::pair<const char*, bool (nlohmann::json::*)() const noexcept> fields[] = {
        {"git_sha", &nlohmann::json::is_string},          {"cpu_model", &nlohmann::json::is_string},
        {"host_name", &nlohmann::json::is_string},        {"gpu", &nlohmann::json::is_string},
        {"date", &nlohmann::json::is_string},             {"compiler", &nlohmann::json::is_string},
        {"cxx_flags", &nlohmann::json::is_string},        {"build_type", &nlohmann::json::is_string},
        {"hardware_threads", &nlohmann::json::is_number}, {"num_cpus", &nlohmann::json::is_number},
        {"stream_triad_GBps", &nlohmann::json::is_number}, {"results_valid", &nlohmann::json::is_boolean},
        {"peak_GFLOPS", &nlohmann::json::is_number},      {"llc_bytes", &nlohmann::json::is_number},
        {"llc_triad_GBps", &nlohmann::json::is_number},   {"caches", &nlohmann::json::is_array},            {"peers", &nlohmann::json::is_object}};
    for (const auto& [key, is_type] : fields)
        if (context.contains(key) && !(context[key].*is_type)())
            throw Error(what + ": context field '" + key + "' has the wrong type (" + context[key].type_name() + ")");
}

namespace {

RunRecord parse_results(const nlohmann::json& doc, const std::string& what) {
    if (!doc.is_object() || !doc.contains("context") || !doc.contains("benchmarks") || !doc["benchmarks"].is_array())
        throw Error(what + ": not a skbench results file (no context or benchmarks)");
    check_context_types(doc["context"], what);
    RunRecord run;
    run.context = doc["context"];
    std::map<std::string, CaseRecord> by_name, peers_by_name;
    for (const auto& e : doc["benchmarks"]) {
        if (e.value("run_type", "") != "iteration" || e.value("error_occurred", false)) continue;
        const std::string tool = e.value("tool", "");
        if (tool.empty()) continue;
        const std::string name = e.value("name", "");
        if (name.empty()) throw Error(what + ": a benchmark entry has no name");
        CaseRecord& c = (tool == "skbench" ? by_name : peers_by_name)[name];
        if (c.name.empty()) {
            c.name = name;
            try {
                CaseKey::parse(name);  // every later key() of this record parses
            } catch (const Error& e) {
                throw Error(what + ": " + e.what());
            }
            c.tool = tool;
            c.op = e.value("op", "");
            c.workload = e.value("workload", "");
            c.backend = e.value("backend", "");
            c.dtype = e.value("dtype", "");
            c.output_dtype = e.value("output_dtype", "");
            c.threads = e.value("threads", 1);
            c.pixels = e.value("pixels", 0.0);
            std::string shape;
            for (const auto& d : e.value("shape", nlohmann::json::array())) {
                if (!shape.empty()) shape += 'x';
                shape += d.dump();
            }
            c.shape = shape;
        }
        if (!e.contains("real_time") || !e["real_time"].is_number())
            throw Error(what + ": entry " + name + " has no real_time");
        const double ms = e["real_time"].get<double>();
        if (c.real_time_ms.empty() || ms < *std::min_element(c.real_time_ms.begin(), c.real_time_ms.end())) {
            c.fastest.clear();
            for (const auto& [key, value] : e.items())
                if (value.is_number()) c.fastest[key] = value.get<double>();
        }
        c.real_time_ms.push_back(ms);
        for (const char* key : {"f64_bytes", "f64_result_bytes", "f64_work_allowed", "peak_bytes", "allocations", "bytes_per_call", "h2d_bytes", "h2d_calls",
                                "d2h_bytes", "d2h_calls", "kernel_calls", "syncs", "device_allocations"}) {
            if (!e.contains(key) || !e[key].is_number()) continue;
            const double v = e[key].get<double>();
            auto [it, fresh] = c.metrics.emplace(key, v);
            if (!fresh) it->second = std::max(it->second, v);  // the worst repetition counts
        }
    }
    for (auto& [name, c] : by_name) run.cases.push_back(std::move(c));
    for (auto& [name, c] : peers_by_name) run.peers.push_back(std::move(c));
    if (doc.contains("instructions") && doc["instructions"].is_object())
        for (const auto& [key, value] : doc["instructions"].items())
            if (value.is_number()) run.instructions[key] = value.get<double>();
    return run;
}

}  // namespace

RunRecord results_from_json(const nlohmann::json& doc, const std::string& what) {
    try {
        return parse_results(doc, what);
    } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
        throw Error(what + ": " + e.what());
    }
}

RunRecord load_results(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read results file '" + path + "'");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("results file '" + path + "' is not valid JSON: " + e.what());
    }
    return results_from_json(doc, "results file '" + path + "'");
}

}  // namespace skb::gate
