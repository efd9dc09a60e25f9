// skbench report: the cross-hardware HTML report and Markdown summary (report/report.hpp).
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;  // CLI11, included by the .cpp files that add options (it is slow to compile)
}  // namespace CLI

namespace skb::cli {

struct ReportArgs {
    std::vector<std::string> inputs;
    std::string html, markdown, thresholds;
    std::size_t max_history_runs = 60;
};
CLI::App* add_report_command(CLI::App& app, ReportArgs& args);
int run_report(const ReportArgs& args);

}  // namespace skb::cli
