#include "gate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "skb/error.hpp"
#include "skb/registry.hpp"
#include "stats.hpp"

namespace skb::gate {
namespace {

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
    char buffer[256];
    std::snprintf(buffer, sizeof buffer, fmt, a, b, c);
    return buffer;
}

double per_op(const nlohmann::json& doc, const char* section, const std::string& op, double fallback) {
    if (!doc.contains(section)) return fallback;
    const auto& s = doc[section];
    if (s.contains(op) && s[op].is_number()) return s[op].get<double>();
    if (s.contains("default") && s["default"].is_number()) return s["default"].get<double>();
    return fallback;
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

// Backend traits of a results file's case; peers (skimage, scipy, opencv) are none of ours.
bool ours_but_not_reference(const std::string& backend) {
    const BackendInfo* b = find_backend(backend);
    return b && !b->is_reference;
}
bool is_reference(const std::string& backend) {
    const BackendInfo* b = find_backend(backend);
    return b && b->is_reference;
}
bool is_parallel_cpu(const std::string& backend) {  // opt: the backend the same-run ratios are about
    const BackendInfo* b = find_backend(backend);
    return b && b->cpu_parallel && !b->on_device;
}
bool timings_meaningful(const std::string& backend) {
    const BackendInfo* b = find_backend(backend);
    return !b || b->timings_meaningful;
}

// Ordering used to combine a case's checks: the worst wins.
int severity(Verdict v) {
    switch (v) {
        case Verdict::Pass: return 0;
        case Verdict::Improved: return 1;
        case Verdict::Ambiguous: return 2;
        case Verdict::Regression: return 3;
    }
    return 0;
}

class Checker {
public:
    Checker(const RunRecord& base, const RunRecord& cur, const GateOptions& o, GateReport& r)
        : base_(base), cur_(cur), t_(o.thresholds), report_(r) {}

    void add(const std::string& name, const std::string& check, Verdict v, std::string detail) {
        report_.findings.push_back({name, check, v, std::move(detail)});
    }

    void deterministic(const CaseRecord& c, const CaseRecord* b) {
        const auto metric = [](const CaseRecord& k, const char* m) -> const double* {
            const auto it = k.metrics.find(m);
            return it == k.metrics.end() ? nullptr : &it->second;
        };
        if (ours_but_not_reference(c.backend)) {
            // Beyond a float64 result the op returns by its spec (regionprops_table's table) and the float64 work
            // its spec declares and bounds (canny), none.
            const double* own = metric(c, "f64_result_bytes");
            const double* work = metric(c, "f64_work_allowed");
            const double allowed = (own ? *own : 0) + (work ? *work : 0);
            if (const double* f64 = metric(c, "f64_bytes"))
                add(c.name, "f64_bytes", *f64 > allowed ? Verdict::Regression : Verdict::Pass,
                    *f64 > allowed ? format("%.0f float64 bytes allocated (must be 0 outside ref, beyond a float64 "
                                            "result and declared float64 work: %.0f)", *f64, allowed)
                                   : allowed > 0 ? format("%.0f float64 bytes: its float64 result or declared float64 "
                                                          "work (at most %.0f)", *f64, allowed)
                                                 : "0 float64 bytes");
        }
        if (!b) return;
        if (!c.output_dtype.empty() && !b->output_dtype.empty())
            add(c.name, "output_dtype", c.output_dtype == b->output_dtype ? Verdict::Pass : Verdict::Regression,
                c.output_dtype == b->output_dtype ? c.output_dtype : "output dtype " + b->output_dtype + " -> " + c.output_dtype);
        if (c.threads == 1) {
            const double *now = metric(c, "peak_bytes"), *was = metric(*b, "peak_bytes");
            if (now && was && *was > 0) {
                const double change = *now / *was - 1;
                const Verdict v = change > t_.peak_bytes_increase     ? Verdict::Regression
                                  : change < -t_.peak_bytes_increase ? Verdict::Improved
                                                                       : Verdict::Pass;
                add(c.name, "peak_bytes", v, format("peak %.0f -> %.0f bytes (%+.1f%%)", *was, *now, 100 * change));
            }
        }
        // GPU counts per call (a baseline without one of them skips it until it is refreshed).
        for (const char* m :
             {"h2d_bytes", "h2d_calls", "d2h_bytes", "d2h_calls", "kernel_calls", "syncs", "device_allocations"}) {
            const double *now = metric(c, m), *was = metric(*b, m);
            if (!now || !was) continue;
            add(c.name, m, *now > *was ? Verdict::Regression : (*now < *was ? Verdict::Improved : Verdict::Pass),
                std::string(m) + format(" %.0f -> %.0f", *was, *now));
        }
    }

    void instructions() {
        for (const auto& [key, now] : cur_.instructions) {
            const auto it = base_.instructions.find(key);
            if (it == base_.instructions.end() || it->second <= 0) {
                report_.notes.push_back("instructions " + key + ": no baseline count");
                continue;
            }
            const double change = now / it->second - 1;
            const Verdict v = change > t_.instructions_increase     ? Verdict::Regression
                              : change < -t_.instructions_increase ? Verdict::Improved
                                                                   : Verdict::Pass;
            add(key, "instructions", v, format("%.0f -> %.0f instructions (%+.2f%%)", it->second, now, 100 * change));
        }
    }

    void wall_time(const CaseRecord& c, const CaseRecord& b) {
        const int n = static_cast<int>(c.real_time_ms.size()), m = static_cast<int>(b.real_time_ms.size());
        if (n < t_.min_samples || m < t_.min_samples) {
            report_.notes.push_back(c.name + ": wall time not gated (" + std::to_string(n) + " and " +
                                    std::to_string(m) + " samples; " + std::to_string(t_.min_samples) + " needed)");
            return;
        }
        // The effect: the Hodges-Lehmann shift that goes with the rank test, the median of every current/baseline
        // ratio (the fastest repetition alone moved +10..+60% between runs of unchanged code on the 2-core VM).
        const std::vector<double>& now = c.real_time_ms;
        const std::vector<double>& before = b.real_time_ms;
        const double effect = hodges_lehmann_ratio(now, before) - 1;
        std::vector<double> upper = before, lower = before;
        for (double& v : upper) v *= 1 + t_.noise_margin;
        for (double& v : lower) v *= 1 - t_.noise_margin;
        const double p_slower = mann_whitney_greater(now, upper).p_greater;
        const double p_faster = mann_whitney_greater(lower, now).p_greater;
        const bool significant_slower = p_slower < t_.alpha, large_slower = effect >= t_.min_effect;
        Verdict v = Verdict::Pass;
        if (significant_slower && large_slower) v = Verdict::Regression;
        else if (significant_slower || large_slower) v = Verdict::Ambiguous;
        else if (p_faster < t_.alpha && effect <= -t_.min_effect) v = Verdict::Improved;
        add(c.name, "wall_time", v,
            format("shift %+.1f%%, p(slower) = %.2g, p(faster) = %.2g", 100 * effect, p_slower, p_faster));
    }

    // Same-run ratios of the current run.
    void ratios() {
        std::map<std::string, std::vector<const CaseRecord*>> groups;
        for (const auto& c : cur_.cases) groups[c.group()].push_back(&c);
        const double stream = cur_.context.value("stream_triad_GBps", 0.0) * 1e9;
        for (const auto& [group, cases] : groups) {
            const CaseRecord* ref = nullptr;
            std::map<int, const CaseRecord*> opt;
            for (const auto* c : cases) {
                if (is_reference(c->backend) && c->threads == 1) ref = c;
                if (is_parallel_cpu(c->backend)) opt[c->threads] = c;
            }
            if (opt.empty() || cases.front()->pixels < t_.ratio_min_pixels) continue;
            const std::string& op = cases.front()->op;
            const CaseRecord* fastest = opt.begin()->second;
            for (const auto& [threads, c] : opt)
                if (min_of(c->real_time_ms) < min_of(fastest->real_time_ms)) fastest = c;
            if (ref) {
                const double speedup = min_of(ref->real_time_ms) / min_of(fastest->real_time_ms), floor = t_.speedup_floor(op);
                add(fastest->name, "opt_speedup", speedup >= floor ? Verdict::Pass : Verdict::Regression,
                    format("opt %.1fx ref (floor %.1fx)", speedup, floor));
            }
            const double efficiency_floor = t_.efficiency_floor(op);
            if (efficiency_floor > 0 && opt.size() > 1 && opt.count(1)) {
                const auto& [top, many] = *opt.rbegin();
                const double efficiency = min_of(opt[1]->real_time_ms) / (min_of(many->real_time_ms) * top);
                add(many->name, "thread_efficiency", efficiency >= efficiency_floor ? Verdict::Pass : Verdict::Regression,
                    format("1 -> %.0f threads: %.0f%% (floor %.0f%%)", top, 100 * efficiency, 100 * efficiency_floor));
            }
            const double bandwidth_floor = t_.bandwidth_floor(op);
            const auto bytes = fastest->metrics.find("bytes_per_call");
            if (bandwidth_floor > 0 && stream > 0 && bytes != fastest->metrics.end()) {
                const double fraction = bytes->second / (min_of(fastest->real_time_ms) * 1e-3) / stream;
                add(fastest->name, "bandwidth_fraction", fraction >= bandwidth_floor ? Verdict::Pass : Verdict::Regression,
                    format("%.0f%% of STREAM (floor %.0f%%)", 100 * fraction, 100 * bandwidth_floor));
            }
        }
    }

    // Time per pixel across the size axis of each (workload, backend, dtype, threads) series.
    void scaling() {
        std::map<std::string, std::vector<const CaseRecord*>> series;
        for (const auto& c : cur_.cases)
            if (c.pixels >= t_.scaling_min_pixels)
                series[c.key().series()].push_back(&c);
        for (auto& [key, cases] : series) {
            if (cases.size() < 2) continue;
            std::sort(cases.begin(), cases.end(), [](auto* a, auto* b) { return a->pixels < b->pixels; });
            const auto tpp = [](const CaseRecord* c) { return min_of(c->real_time_ms) / c->pixels; };
            const double growth = tpp(cases.back()) / tpp(cases.front());
            add(cases.back()->name, "scaling", growth <= t_.max_time_per_pixel_growth ? Verdict::Pass : Verdict::Regression,
                format("time per pixel x%.2f from %.0f to %.0f pixels", growth, cases.front()->pixels, cases.back()->pixels) +
                    format(" (limit x%.1f)", t_.max_time_per_pixel_growth));
        }
    }

private:
    const RunRecord& base_;
    const RunRecord& cur_;
    const Thresholds& t_;
    GateReport& report_;
};

}  // namespace

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::Pass: return "PASS";
        case Verdict::Improved: return "IMPROVED";
        case Verdict::Ambiguous: return "AMBIGUOUS";
        case Verdict::Regression: return "REGRESSION";
    }
    return "?";
}

double Thresholds::speedup_floor(const std::string& op) const { return per_op(doc, "opt_speedup_floor", op, 2.0); }
double Thresholds::efficiency_floor(const std::string& op) const { return per_op(doc, "thread_efficiency_floor", op, 0); }
double Thresholds::bandwidth_floor(const std::string& op) const { return per_op(doc, "bandwidth_fraction_floor", op, 0); }

Thresholds load_thresholds(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot read gate thresholds '" + path + "'");
    Thresholds t;
    try {
        t.doc = nlohmann::json::parse(in);
        const auto number = [&](const char* key, double& field) {
            if (t.doc.contains(key)) field = t.doc.at(key).get<double>();
        };
        number("peak_bytes_increase", t.peak_bytes_increase);
        number("instructions_increase", t.instructions_increase);
        number("alpha", t.alpha);
        number("min_effect", t.min_effect);
        number("noise_margin", t.noise_margin);
        number("ratio_min_pixels", t.ratio_min_pixels);
        number("max_time_per_pixel_growth", t.max_time_per_pixel_growth);
        number("scaling_min_pixels", t.scaling_min_pixels);
        if (t.doc.contains("min_samples")) t.min_samples = t.doc.at("min_samples").get<int>();
    } catch (const nlohmann::json::exception& e) {
        throw Error("gate thresholds '" + path + "': " + e.what());
    }
    if (t.min_samples < 2 || t.alpha <= 0 || t.alpha >= 1)
        throw Error("gate thresholds '" + path + "': min_samples must be >= 2 and alpha in (0, 1)");
    return t;
}

int GateReport::count(Verdict v) const {
    int n = 0;
    for (const auto& name : case_names()) n += case_verdict(name) == v;
    return n;
}

Verdict GateReport::case_verdict(const std::string& case_name) const {
    Verdict worst = Verdict::Pass;
    for (const auto& f : findings)
        if (f.case_name == case_name && severity(f.verdict) > severity(worst)) worst = f.verdict;
    return worst;
}

std::vector<std::string> GateReport::case_names() const {
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& f : findings)
        if (seen.insert(f.case_name).second) names.push_back(f.case_name);
    return names;
}

int GateReport::exit_code() const {
    if (!infrastructure.empty()) return kGateInfrastructure;
    return count(Verdict::Regression) > 0 ? kGateRegression : kGatePass;
}

GateReport run_gate(const RunRecord& baseline, const RunRecord& current, const GateOptions& options) {
    GateReport report;
    for (const auto* run : {&current, &baseline}) {
        const char* which = run == &current ? "current" : "baseline";
        if (!run->context.value("results_valid", false) || run->context.value("build_type", "") != "Release")
            report.infrastructure.push_back(std::string(which) + " run is not from a Release build (build_type " +
                                            run->context.value("build_type", "?") + "): its numbers are not results");
    }
    const std::string build_now = build_fingerprint(current.context), build_then = build_fingerprint(baseline.context);
    if (build_now != build_then)
        report.infrastructure.push_back("baseline is from another build (" + build_then + ", current " + build_now +
                                        "): deterministic metrics do not compare");
    const std::string machine_now = machine_fingerprint(current.context);
    const std::string machine_then = machine_fingerprint(baseline.context);
    if (!options.deterministic_only && machine_now != machine_then)
        report.infrastructure.push_back("baseline is from another machine (" + machine_then + ", current " +
                                        machine_now + "): timings do not compare");
    if (!report.infrastructure.empty()) return report;

    Checker check(baseline, current, options, report);
    int common = 0;
    for (const auto& c : current.cases) {
        const CaseRecord* b = baseline.find(c.name);
        common += b != nullptr;
        check.deterministic(c, b);
        if (!b) report.notes.push_back(c.name + ": not in the baseline");
        // The emulator's times are a CPU simulation's, not a GPU's: only its counters are gated.
        if (b && !options.deterministic_only && timings_meaningful(c.backend)) check.wall_time(c, *b);
    }
    for (const auto& b : baseline.cases)
        if (!current.find(b.name)) report.notes.push_back(b.name + ": in the baseline but not in this run");
    check.instructions();
    if (!options.deterministic_only) {
        check.ratios();
        check.scaling();
    }
    if (common == 0 && !current.cases.empty())
        report.infrastructure.push_back("baseline and current run share no case: nothing to compare");
    return report;
}

std::string verdict_table(const GateReport& report) {
    std::ostringstream out;
    char line[512];
    std::snprintf(line, sizeof line, "%-64s %-10s %s\n", "case", "verdict", "checks (not PASS first)");
    out << line;
    for (const auto& name : report.case_names()) {
        std::string details;
        std::vector<const Finding*> mine;
        for (const auto& f : report.findings)
            if (f.case_name == name) mine.push_back(&f);
        std::stable_sort(mine.begin(), mine.end(),
                         [](auto* a, auto* b) { return severity(a->verdict) > severity(b->verdict); });
        for (const auto* f : mine) {
            if (!details.empty()) details += "; ";
            details += f->check + (f->verdict == Verdict::Pass ? "" : std::string(" ") + verdict_name(f->verdict)) +
                       ": " + f->detail;
        }
        std::snprintf(line, sizeof line, "%-64s %-10s ", name.c_str(), verdict_name(report.case_verdict(name)));
        out << line << details << "\n";
    }
    for (const auto& problem : report.infrastructure) out << "INFRASTRUCTURE: " << problem << "\n";
    out << report.count(Verdict::Regression) << " regression(s), " << report.count(Verdict::Ambiguous)
        << " ambiguous, " << report.count(Verdict::Improved) << " improved, " << report.count(Verdict::Pass)
        << " pass";
    if (!report.notes.empty()) out << "; " << report.notes.size() << " note(s) (--verbose lists them)";
    out << "\n";
    return out.str();
}

nlohmann::json report_json(const GateReport& report) {
    nlohmann::json findings = nlohmann::json::array(), cases = nlohmann::json::object();
    for (const auto& f : report.findings)
        findings.push_back({{"case", f.case_name}, {"check", f.check}, {"verdict", verdict_name(f.verdict)},
                            {"detail", f.detail}});
    for (const auto& name : report.case_names()) cases[name] = verdict_name(report.case_verdict(name));
    return {{"exit_code", report.exit_code()}, {"cases", cases},           {"findings", findings},
            {"infrastructure", report.infrastructure}, {"notes", report.notes}};
}

std::string markdown_text(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto byte = static_cast<unsigned char>(ch);
        if (byte < 0x20 || byte == 0x7f) out += ' ';
        else if (ch == '<') out += "&lt;";
        else if (ch == '>') out += "&gt;";
        else if (ch == '&') out += "&amp;";
        else if (std::string_view("\\`*_[]|~").find(ch) != std::string_view::npos) (out += '\\') += ch;
        else out += ch;
    }
    return out;
}

std::string markdown_summary(const GateReport& report, const RunRecord& baseline, const RunRecord& current) {
    std::ostringstream md;
    const int code = report.exit_code();
    md << "### skbench gate: "
       << (code == kGateInfrastructure ? "infrastructure problem" : code == kGateRegression ? "REGRESSION" : "pass")
       << "\n\n";
    md << "Current " << markdown_text(current.context.value("git_sha", "?")) << " against baseline "
       << markdown_text(baseline.context.value("git_sha", "?")) << " on "
       << markdown_text(machine_fingerprint(current.context)) << ".\n\n";
    for (const auto& problem : report.infrastructure) md << "- **infrastructure:** " << markdown_text(problem) << "\n";
    md << "| verdict | cases |\n|---|---|\n";
    for (Verdict v : {Verdict::Regression, Verdict::Ambiguous, Verdict::Improved, Verdict::Pass})
        md << "| " << verdict_name(v) << " | " << report.count(v) << " |\n";
    md << "\n";
    std::vector<const Finding*> flagged;
    for (const auto& f : report.findings)
        if (f.verdict != Verdict::Pass) flagged.push_back(&f);
    std::stable_sort(flagged.begin(), flagged.end(),
                     [](auto* a, auto* b) { return severity(a->verdict) > severity(b->verdict); });
    if (!flagged.empty()) {
        md << "| case | check | verdict | detail |\n|---|---|---|---|\n";
        for (const auto* f : flagged)
            md << "| " << markdown_text(f->case_name) << " | " << markdown_text(f->check) << " | "
               << verdict_name(f->verdict) << " | " << markdown_text(f->detail) << " |\n";
        md << "\n";
    }
    // The largest wall-time changes (medians), whatever their verdict.
    std::vector<std::pair<double, std::string>> changes;
    for (const auto& c : current.cases)
        if (const CaseRecord* b = baseline.find(c.name); b && !c.real_time_ms.empty() && !b->real_time_ms.empty())
            changes.push_back({median(c.real_time_ms) / median(b->real_time_ms) - 1, c.name});
    std::sort(changes.begin(), changes.end(), [](auto& a, auto& b) { return std::abs(a.first) > std::abs(b.first); });
    if (!changes.empty()) {
        md << "Largest wall-time changes (median):\n\n| case | change |\n|---|---|\n";
        for (std::size_t i = 0; i < std::min<std::size_t>(5, changes.size()); ++i)
            md << "| " << markdown_text(changes[i].second) << " | " << format("%+.1f%%", 100 * changes[i].first)
               << " |\n";
    }
    return md.str();
}

}  // namespace skb::gate
