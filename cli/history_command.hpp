// `skbench history`: what a fleet's history store holds, for the questions a team asks of it: per machine, its
// newest run and commit; per case, its trend over the last N runs of one machine.
#pragma once
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace skb::cli {

struct HistoryArgs {
    std::string db = "results/history.sqlite";
    std::string case_regex;  // empty: the machines table; else the trend of every case it matches (searched)
    std::string machine;     // only this machine fingerprint (skbench gate --fingerprint prints one)
    int last = 10;           // runs per trend
    bool json = false;
};

CLI::App* add_history_command(CLI::App& app, HistoryArgs& args);
int run_history(const HistoryArgs& args);

}  // namespace skb::cli
