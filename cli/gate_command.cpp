#include "gate_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

#include "gate/gate.hpp"
#include "gate/history.hpp"
#include "skb/error.hpp"
#include "skb/files.hpp"

namespace skb::cli {
namespace fs = std::filesystem;

CLI::App* add_record_command(CLI::App& app, RecordArgs& args) {
    auto* cmd = app.add_subcommand("record", "add results JSON files to the history store (one transaction each)");
    cmd->add_option("results", args.results, "results JSON from skbench bench")->required()->check(CLI::ExistingFile);
    cmd->add_option("--db", args.db,
                    "history store: an SQLite file (created if missing) or a PostgreSQL database, "
                    "postgresql://user@host/db (its tables created if missing)")
        ->capture_default_str();
    return cmd;
}

int run_record(const RecordArgs& args) {
    if (const fs::path db(args.db); !gate::is_postgres_uri(args.db) && db.has_parent_path())
        fs::create_directories(db.parent_path());
    gate::History history(args.db);
    for (const auto& path : args.results) {
        const gate::RunRecord run = gate::load_results(path);
        const std::int64_t id = history.record(run, path);
        std::printf("recorded %s as run %lld (%zu cases, machine %s) in %s\n", path.c_str(), static_cast<long long>(id),
                    run.cases.size(), gate::machine_fingerprint(run.context).c_str(), history.location().c_str());
    }
    return 0;
}

CLI::App* add_gate_command(CLI::App& app, GateArgs& args) {
    auto* cmd = app.add_subcommand(
        "gate",
        "verdicts (PASS, IMPROVED, AMBIGUOUS, REGRESSION) of a results JSON against a baseline.\n"
        "Exit codes: 0 pass (AMBIGUOUS warns only), 1 regression, 2 bad input or usage, 3 internal error,\n"
        "4 infrastructure problem (no baseline for this machine or build, a baseline from another machine or build,\n"
        "a Debug or sanitizer build): never a regression, never a pass.");
    cmd->add_option("--baseline", args.baseline,
                    "baseline: a results JSON, a directory of <fingerprint>.json baselines (ci/baselines), or a "
                    "history store, SQLite file or postgresql:// URI (its newest run from this machine)");
    cmd->add_option("--current", args.current, "results JSON to judge")->required()->check(CLI::ExistingFile);
    cmd->add_option("--thresholds", args.thresholds, "gate thresholds (JSON)")->check(CLI::ExistingFile);
    cmd->add_flag("--deterministic-only", args.deterministic_only,
                  "only bytes, counts, dtypes and instruction counts: no wall-time, ratio or scaling checks "
                  "(baseline keyed by build, not machine)");
    cmd->add_option("--md", args.markdown, "also write a Markdown summary for a pull-request comment");
    cmd->add_option("--json", args.json, "also write every finding as JSON");
    cmd->add_flag("--fingerprint", args.fingerprint,
                  "print the current run's machine and build fingerprints (the baseline keys) and exit");
    cmd->add_flag("--verbose", args.verbose, "also list the notes (skipped checks, cases missing on either side)");
    return cmd;
}

namespace {

// Finds the baseline run; nothing (with the reason in `why`) is an infrastructure problem.
std::optional<gate::RunRecord> find_baseline(const GateArgs& args, const gate::RunRecord& current, std::string& why) {
    const std::string key = args.deterministic_only ? gate::build_fingerprint(current.context)
                                                    : gate::machine_fingerprint(current.context);
    if (fs::is_directory(args.baseline)) {
        const fs::path file = fs::path(args.baseline) / (key + ".json");
        if (!fs::exists(file)) {
            why = "no baseline for " + std::string(args.deterministic_only ? "build " : "machine ") + key + " in " +
                  args.baseline + " (expected " + file.string() + ")";
            return std::nullopt;
        }
        return gate::load_results(file.string());
    }
    if (!gate::is_postgres_uri(args.baseline) && !fs::exists(args.baseline)) {
        why = "baseline '" + args.baseline + "' does not exist";
        return std::nullopt;
    }
    if (gate::is_history_location(args.baseline)) {
        gate::History history(args.baseline);
        std::vector<std::string> names;
        for (const auto& c : current.cases) names.push_back(c.name);
        // Deterministic metrics belong to a build, from any machine; timings to this machine.
        const auto id = args.deterministic_only ? history.best_match("", key, names) : history.best_match(key, "", names);
        if (!id) {
            why = "history store " + history.location() + " holds no run from " +
                  (args.deterministic_only ? "build " : "machine ") + key + " with any of this run's cases";
            return std::nullopt;
        }
        return history.load(*id);
    }
    return gate::load_results(args.baseline);
}

}  // namespace

int run_gate_command(const GateArgs& args) {
    const gate::RunRecord current = gate::load_results(args.current);
    if (args.fingerprint) {
        std::printf("machine %s\nbuild %s\n", gate::machine_fingerprint(current.context).c_str(),
                    gate::build_fingerprint(current.context).c_str());
        return 0;
    }
    if (args.baseline.empty()) throw Error("gate needs --baseline (a results JSON, a baseline directory or a history store)");
    gate::GateOptions options;
    options.deterministic_only = args.deterministic_only;
    options.thresholds = gate::load_thresholds(args.thresholds.empty() ? SKB_DEFAULT_THRESHOLDS : args.thresholds);
    std::string why;
    const auto baseline = find_baseline(args, current, why);
    gate::GateReport report;
    if (!baseline) report.infrastructure.push_back(why);
    else report = gate::run_gate(*baseline, current, options);
    std::fputs(gate::verdict_table(report).c_str(), stdout);
    if (args.verbose)
        for (const auto& note : report.notes) std::printf("note: %s\n", note.c_str());
    if (!args.markdown.empty())
        write_file_atomic(args.markdown, gate::markdown_summary(report, baseline ? *baseline : gate::RunRecord{}, current));
    if (!args.json.empty()) write_file_atomic(args.json, gate::report_json(report).dump(1));
    const int code = report.exit_code();
    if (code == gate::kGateInfrastructure)
        std::fprintf(stderr, "skbench gate: infrastructure problem (exit 4): %s\n", report.infrastructure.front().c_str());
    else if (code == gate::kGateRegression)
        std::fprintf(stderr, "skbench gate: %d regression(s) (exit 1)\n", report.count(gate::Verdict::Regression));
    return code;
}

}  // namespace skb::cli
