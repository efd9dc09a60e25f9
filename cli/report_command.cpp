#include "report_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "gate/history.hpp"
#include "report/report.hpp"
#include "skb/error.hpp"
#include "skb/files.hpp"

namespace skb::cli {

CLI::App* add_report_command(CLI::App& app, ReportArgs& args) {
    auto* cmd = app.add_subcommand(
        "report",
        "compare machines and commits: one self-contained HTML file (no network request) and a Markdown summary\n"
        "from results JSON files (each a machine column) and history stores (the over-commits charts)");
    // A history store may be a postgresql:// URI, which is no file.
    const CLI::Validator file_or_database(
        [](std::string& input) {
            return gate::is_postgres_uri(input) ? std::string() : CLI::ExistingFile(input);
        },
        "FILE|URI");
    cmd->add_option("inputs", args.inputs,
                    "results JSON files from skbench bench and/or history stores (SQLite files, postgresql:// URIs)")
        ->required()
        ->check(file_or_database);
    cmd->add_option("--html", args.html, "write the HTML report here");
    cmd->add_option("--md", args.markdown, "write the Markdown summary here (gate verdicts, largest changes)");
    cmd->add_option("--thresholds", args.thresholds, "gate thresholds for the verdicts (JSON)")->check(CLI::ExistingFile);
    cmd->add_option("--max-history-runs", args.max_history_runs, "newest runs of each history store to chart")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    return cmd;
}

int run_report(const ReportArgs& args) {
    if (args.html.empty() && args.markdown.empty()) throw Error("report needs --html FILE and/or --md FILE");
    report::ReportData data = report::load_inputs(args.inputs, args.max_history_runs);
    data.gate_options.thresholds =
        gate::load_thresholds(args.thresholds.empty() ? SKB_DEFAULT_THRESHOLDS : args.thresholds);
    // Both documents are rendered before either is written: a bad input never leaves one of them behind.
    const std::string html = args.html.empty() ? "" : report::render_html(data);
    const std::string markdown = args.markdown.empty() ? "" : report::render_markdown(data);
    if (!args.html.empty()) write_file_atomic(args.html, html);
    if (!args.markdown.empty()) write_file_atomic(args.markdown, markdown);
    std::printf("report: %zu machine column(s), %zu history run(s)%s%s%s%s\n", data.measured.size(), data.history.size(),
                args.html.empty() ? "" : "; html: ", args.html.c_str(), args.markdown.empty() ? "" : "; markdown: ",
                args.markdown.c_str());
    return 0;
}

}  // namespace skb::cli
