// The performance gate: per-case verdicts of a current run against a baseline run.
//  - deterministic, hard: float64 bytes in opt/cuda, tracked peak bytes (+5%, single-thread cases, where no
//    scratch lifetimes overlap), host<->device bytes and calls, output dtype, instruction counts (+2%);
//  - same-run ratios, hard: opt/ref speedup, 1 -> N thread efficiency, fraction of STREAM bandwidth (floors from
//    a versioned thresholds file), and time-per-pixel growth across the size axis;
//  - wall time against the baseline, statistical: one-sided Mann-Whitney U (current slower than the baseline
//    stretched by a noise margin, so that the few-percent drift of shared machines is not "significant") and an
//    effect on the fastest repetitions; both past their thresholds -> REGRESSION, only one -> AMBIGUOUS (a warning).
// Timings only compare between runs of one machine fingerprint and deterministic metrics between runs of one
// build fingerprint; anything else is an infrastructure problem, never a verdict.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "results.hpp"

namespace skb::gate {

enum class Verdict { Pass, Improved, Ambiguous, Regression };
const char* verdict_name(Verdict v);

struct Thresholds {
    nlohmann::json doc;  // the thresholds file; defaults fill whatever it leaves out
    double peak_bytes_increase = 0.05, instructions_increase = 0.02;
    int min_samples = 9;
    double alpha = 0.01, min_effect = 0.10;
    double noise_margin = 0.05;  // the wall-time test asks "slower than baseline x (1 + margin)?"
    double ratio_min_pixels = 1e6;
    double speedup_floor(const std::string& op) const;
    double efficiency_floor(const std::string& op) const;  // 0: not gated
    double bandwidth_floor(const std::string& op) const;   // 0: not gated
    double max_time_per_pixel_growth = 4.0, scaling_min_pixels = 65536;
};
Thresholds load_thresholds(const std::string& path);  // throws skb::Error naming the file

struct Finding {
    std::string case_name, check;  // check: f64_bytes, peak_bytes, output_dtype, instructions, wall_time, ...
    Verdict verdict;
    std::string detail;
};

struct GateReport {
    std::vector<Finding> findings;               // every check that ran, in case order
    std::vector<std::string> infrastructure;     // problems that make verdicts untrustworthy
    std::vector<std::string> notes;              // skipped checks and missing cases
    int count(Verdict v) const;                  // cases (not checks) with this overall verdict
    Verdict case_verdict(const std::string& case_name) const;
    std::vector<std::string> case_names() const;
    int exit_code() const;  // kGatePass, kGateRegression or kGateInfrastructure
};

inline constexpr int kGatePass = 0, kGateRegression = 1, kGateInfrastructure = 4;

struct GateOptions {
    bool deterministic_only = false;  // skip wall-time, ratio and scaling checks (CI on shared machines)
    Thresholds thresholds;
};

GateReport run_gate(const RunRecord& baseline, const RunRecord& current, const GateOptions& options);

// The verdict table (plain text) and the pull-request summary (Markdown: verdict counts, every non-PASS finding,
// the largest wall-time changes).
std::string verdict_table(const GateReport& report);
std::string markdown_summary(const GateReport& report, const RunRecord& baseline, const RunRecord& current);

// Text from a results file or a history store (machine names, commits, case names, paths: anything a branch
// under test can set) made inert in a Markdown table cell that CI posts as a pull-request comment: HTML's
// metacharacters become entities, the characters that make Markdown inline syntax or split a cell (| * _ ` [ ] ~
// \) are backslash-escaped, line breaks and other control characters become spaces. Never at a line's start.
std::string markdown_text(std::string_view text);
// Everything in the report, machine-readable (for scripts, the self-test and reports).
nlohmann::json report_json(const GateReport& report);

}  // namespace skb::gate
