// What the gates read from a results JSON (skbench bench's output) or from the history store: the run's context
// and, per case of ours (peers are not gated), its deterministic metrics and its wall-time samples.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "skb/case_key.hpp"

namespace skb::gate {

struct CaseRecord {
    std::string name;  // workload/backend/shape/dtype/threads:N (CaseKey::name)
    std::string tool = "skbench";  // or the peer that ran it (skimage, scipy, opencv; then backend == tool)
    std::string op, workload, backend, shape, dtype, output_dtype;
    int threads = 1;
    double pixels = 0;
    std::map<std::string, double> metrics;  // per call: f64_bytes, peak_bytes, allocations, bytes_per_call, h2d_*, d2h_*
    std::vector<double> real_time_ms;       // one per repetition, in run order
    std::map<std::string, double> fastest;  // every numeric counter of the fastest repetition (results files only)

    CaseKey key() const { return CaseKey::parse(name); }
    std::string group() const { return key().group(); }  // workload/shape/dtype: the cases that share one input
};

struct RunRecord {
    nlohmann::json context;
    std::vector<CaseRecord> cases;                   // ours, sorted by name (what the gates judge)
    std::vector<CaseRecord> peers;                   // the peers' cases, sorted by name (reports; not stored)
    std::map<std::string, double> instructions;      // "op/backend" -> instructions (callgrind), when measured
    const CaseRecord* find(const std::string& name) const;
};

// Parses skbench bench's results JSON; throws skb::Error naming the file and what is wrong with it.
RunRecord load_results(const std::string& path);
RunRecord results_from_json(const nlohmann::json& doc, const std::string& what);
// The context fields the gate, reports and history read, with the JSON type each must have when present (a
// results file may come from an untrusted branch): throws skb::Error naming `what` and the field otherwise.
void check_context_types(const nlohmann::json& context, const std::string& what);

// The machine a run's timings belong to: CPU model, hardware threads and cache sizes (GPU when present), as a
// short stable id such as "amd-epyc-2t-3f9a1c2e". Timings compare only between runs with the same fingerprint.
std::string machine_fingerprint(const nlohmann::json& context);
// The build that deterministic metrics (bytes, counts, instructions) belong to: compiler, flags, build type.
std::string build_fingerprint(const nlohmann::json& context);

}  // namespace skb::gate
