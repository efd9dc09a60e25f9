#include "history_command.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "gate/history.hpp"
#include "skb/error.hpp"

namespace skb::cli {
namespace {

using json = nlohmann::json;

struct MachineSummary {
    std::int64_t runs = 0;
    gate::StoredRun newest;
};

std::string short_sha(const std::string& sha) { return sha.empty() ? "-" : sha.substr(0, 12); }

// Per machine fingerprint: how many runs, and the newest (highest id: runs are numbered as they land).
std::map<std::string, MachineSummary> machines_of(const std::vector<gate::StoredRun>& runs) {
    std::map<std::string, MachineSummary> out;
    for (const auto& r : runs) {
        auto& m = out[r.machine];
        ++m.runs;
        if (r.id > m.newest.id) m.newest = r;
    }
    return out;
}

json run_json(const gate::StoredRun& r) {
    return {{"run", r.id}, {"recorded_at", r.recorded_at}, {"git_sha", r.git_sha}, {"build", r.build},
            {"build_type", r.build_type}, {"cases", r.cases}, {"source", r.source}};
}

int print_machines(const HistoryArgs& args, const gate::History& store, const std::vector<gate::StoredRun>& runs) {
    const auto machines = machines_of(runs);
    if (args.json) {
        json out = json::array();
        for (const auto& [machine, m] : machines)
            if (args.machine.empty() || machine == args.machine)
                out.push_back({{"machine", machine}, {"runs", m.runs}, {"newest", run_json(m.newest)}});
        std::printf("%s\n", json{{"store", store.location()}, {"machines", out}}.dump(1).c_str());
        return 0;
    }
    std::printf("%s: %zu runs from %zu machines\n\n", store.location().c_str(), runs.size(), machines.size());
    int width = 7;
    for (const auto& [machine, m] : machines) width = std::max(width, static_cast<int>(machine.size()));
    std::printf("%-*s %5s  %-8s %-21s %-13s %-28s %s\n", width, "machine", "runs", "newest", "recorded", "commit",
                "build", "cases");
    for (const auto& [machine, m] : machines) {
        if (!args.machine.empty() && machine != args.machine) continue;
        std::printf("%-*s %5lld  #%-7lld %-21s %-13s %-28s %lld\n", width, machine.c_str(), static_cast<long long>(m.runs),
                    static_cast<long long>(m.newest.id), m.newest.recorded_at.c_str(), short_sha(m.newest.git_sha).c_str(),
                    m.newest.build.c_str(), static_cast<long long>(m.newest.cases));
    }
    return 0;
}

// Each matching case's fastest repetition over the last N runs of each machine (or of --machine), oldest first.
int print_trends(const HistoryArgs& args, const gate::History& store, const std::vector<gate::StoredRun>& runs) {
    std::regex wanted;
    try {
        wanted = std::regex(args.case_regex);
    } catch (const std::regex_error&) {
        throw Error("--case '" + args.case_regex + "' is not a valid regular expression");
    }
    std::map<std::string, std::vector<const gate::StoredRun*>> by_machine;
    for (const auto& r : runs)
        if (args.machine.empty() || r.machine == args.machine) by_machine[r.machine].push_back(&r);
    if (!args.machine.empty() && by_machine.empty())
        throw Error("--machine " + args.machine + ": no run of that machine in " + store.location());
    json trends = json::array();
    for (auto& [machine, list] : by_machine) {
        if (list.size() > static_cast<std::size_t>(args.last)) list.erase(list.begin(), list.end() - args.last);
        // case -> one point per run that holds it
        std::map<std::string, std::vector<std::pair<const gate::StoredRun*, double>>> points;
        for (const gate::StoredRun* r : list) {
            const gate::RunRecord run = store.load(r->id);
            for (const auto& c : run.cases)
                if (!c.real_time_ms.empty() && std::regex_search(c.name, wanted))
                    points[c.name].emplace_back(r, *std::min_element(c.real_time_ms.begin(), c.real_time_ms.end()));
        }
        for (const auto& [name, series] : points) {
            json j = {{"case", name}, {"machine", machine}, {"points", json::array()}};
            if (!args.json)
                std::printf("%s on %s (last %zu runs of the machine)\n  %-7s %-21s %-13s %-28s %12s %12s\n",
                            name.c_str(), machine.c_str(), list.size(), "run", "recorded", "commit", "build",
                            "ms (min)", "vs previous");
            double previous = 0;
            for (const auto& [r, ms] : series) {
                j["points"].push_back({{"run", r->id}, {"recorded_at", r->recorded_at}, {"git_sha", r->git_sha},
                                       {"build", r->build}, {"min_ms", ms}});
                if (!args.json) {
                    char change[32] = "";
                    if (previous > 0) std::snprintf(change, sizeof change, "%+.1f%%", 100 * (ms / previous - 1));
                    std::printf("  #%-6lld %-21s %-13s %-28s %12.4g %12s\n", static_cast<long long>(r->id),
                                r->recorded_at.c_str(), short_sha(r->git_sha).c_str(), r->build.c_str(), ms, change);
                }
                previous = ms;
            }
            if (!args.json) std::printf("\n");
            trends.push_back(std::move(j));
        }
    }
    if (trends.empty()) throw Error("--case '" + args.case_regex + "' matches no case in " + store.location());
    if (args.json) std::printf("%s\n", json{{"store", store.location()}, {"trends", trends}}.dump(1).c_str());
    return 0;
}

}  // namespace

CLI::App* add_history_command(CLI::App& app, HistoryArgs& args) {
    auto* cmd = app.add_subcommand("history", "what a history store holds: per machine its newest run and commit; "
                                              "with --case, each matching case's trend over a machine's last runs");
    cmd->add_option("--db", args.db, "history store: SQLite file or postgresql:// URI (skbench record writes it)")
        ->capture_default_str();
    cmd->add_option("--case", args.case_regex,
                    "trends of the cases whose name this regular expression finds (e.g. 'rgb2gray/opt/')");
    cmd->add_option("--machine", args.machine, "only this machine fingerprint (the first column of the table)");
    cmd->add_option("--last", args.last, "runs per machine in a trend")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_flag("--json", args.json, "as JSON, for programs");
    return cmd;
}

int run_history(const HistoryArgs& args) {
    std::error_code ec;
    if (!gate::is_postgres_uri(args.db) && !std::filesystem::is_regular_file(args.db, ec))
        throw Error("no history store at '" + args.db + "' (skbench record creates one)");
    const gate::History store(args.db);
    const auto runs = store.runs();
    if (args.case_regex.empty()) return print_machines(args, store, runs);
    return print_trends(args, store, runs);
}

}  // namespace skb::cli
