// Cross-hardware comparison reports: one self-contained HTML file (inline CSS and SVG, no script, no request:
// a Content-Security-Policy forbids every fetch) and a Markdown summary for a pull-request comment, from any
// number of results JSON files and history stores.
#pragma once
#include <string>
#include <vector>

#include "gate/gate.hpp"
#include "gate/results.hpp"

namespace skb::report {

// One measured run shown as a machine column: a results file, or the newest run of a machine in a history store.
struct Measured {
    std::string label;   // short and unique within the report: host name (plus commit when a host repeats)
    std::string source;  // the file it came from
    std::string machine; // gate::machine_fingerprint
    gate::RunRecord run;
};

// A history store's runs, oldest first, for the over-commits charts.
struct HistoryRun {
    std::string label;  // commit (short) or run id
    std::string machine;
    gate::RunRecord run;
};

struct ReportData {
    std::vector<Measured> measured;
    std::vector<HistoryRun> history;
    std::vector<std::string> inputs;
    gate::GateOptions gate_options;  // the thresholds verdicts in the report use (history marks, Markdown)
};

// Reads each input (a results JSON, or an SQLite history store recognised by its header); throws skb::Error
// naming a bad input. With only history stores, the newest run of each machine becomes a machine column.
ReportData load_inputs(const std::vector<std::string>& paths, std::size_t max_history_runs = 60);

std::string render_html(const ReportData& data);
std::string render_markdown(const ReportData& data);

}  // namespace skb::report
