// skbench record (results JSON -> history store) and skbench gate (verdicts against a baseline).
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;  // CLI11, included by the .cpp files that add options (it is slow to compile)
}  // namespace CLI

namespace skb::cli {

struct RecordArgs {
    std::vector<std::string> results;
    std::string db = "results/history.sqlite";
};
CLI::App* add_record_command(CLI::App& app, RecordArgs& args);
int run_record(const RecordArgs& args);

struct GateArgs {
    std::string baseline, current, thresholds, markdown, json;
    bool deterministic_only = false, verbose = false, fingerprint = false;
};
CLI::App* add_gate_command(CLI::App& app, GateArgs& args);
int run_gate_command(const GateArgs& args);

}  // namespace skb::cli
