#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "gate/gate.hpp"
#include "gate/history.hpp"
#include "skb/error.hpp"
#include "skb/registry.hpp"
#include "svg.hpp"

namespace skb::report {
namespace {

using gate::CaseRecord;
using gate::RunRecord;
using svg::escape;
using gate::markdown_text;

std::string text(const nlohmann::json& j, const char* key) {
    if (!j.contains(key)) return "";
    const auto& v = j[key];
    return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

double number(const nlohmann::json& j, const char* key) {
    return j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0.0;
}

std::string fmt(double v, const char* spec) {
    char buf[64];
    std::snprintf(buf, sizeof buf, spec, v);
    return buf;
}

std::string fmt(std::optional<double> v, const char* spec) { return v ? fmt(*v, spec) : "-"; }

double min_ms(const CaseRecord& c) { return *std::min_element(c.real_time_ms.begin(), c.real_time_ms.end()); }

// Emulator timings mean nothing; peers (skimage, scipy, opencv) are not in the registry and are timed.
bool is_timed_backend(const std::string& backend) {
    const BackendInfo* b = find_backend(backend);
    return !b || b->timings_meaningful;
}
bool is_our_accelerated_backend(const std::string& backend) {
    const BackendInfo* b = find_backend(backend);
    return b && !b->is_reference && b->timings_meaningful;
}

std::optional<double> metric(const CaseRecord& c, const char* key) {
    if (const auto it = c.fastest.find(key); it != c.fastest.end()) return it->second;
    if (const auto it = c.metrics.find(key); it != c.metrics.end()) return it->second;
    return std::nullopt;
}

// A machine's roofs, from its results' context (0: not measured; results from before the probes have only STREAM).
struct Roofs {
    double dram_bytes_per_s = 0;  // STREAM triad
    double llc_bytes_per_s = 0;   // triad over half the last-level cache
    double peak_flops = 0;        // float32 multiply-add chains, every hardware thread
    double llc_bytes = 0;         // the last-level cache's size

    explicit Roofs(const nlohmann::json& context) {
        dram_bytes_per_s = number(context, "stream_triad_GBps") * 1e9;
        llc_bytes_per_s = number(context, "llc_triad_GBps") * 1e9;
        peak_flops = number(context, "peak_GFLOPS") * 1e9;
        llc_bytes = number(context, "llc_bytes");
        if (llc_bytes <= 0 && context.contains("caches") && context["caches"].is_array()) {
            double level = 0;  // the highest data or unified level Google Benchmark saw
            for (const auto& k : context["caches"])
                if (text(k, "type") != "Instruction" && number(k, "level") >= level)
                    level = number(k, "level"), llc_bytes = number(k, "size");
        }
    }
    // A case whose bytes (input + output) fit in the last-level cache is not bounded by DRAM bandwidth.
    bool fits_llc(const CaseRecord& c) const {
        const auto bytes = metric(c, "bytes_per_call");
        return bytes && llc_bytes > 0 && *bytes <= llc_bytes;
    }
};

// The cases of one run, indexed for the questions a report asks.
struct RunIndex {
    // group (workload/shape/dtype) -> backend or peer -> threads -> case
    std::map<std::string, std::map<std::string, std::map<int, const CaseRecord*>>> by_group;
    Roofs roofs;

    explicit RunIndex(const RunRecord& run) : roofs(run.context) {
        for (const auto* list : {&run.cases, &run.peers})
            for (const auto& c : *list)
                if (!c.real_time_ms.empty()) by_group[c.group()][c.backend][c.threads] = &c;
    }
    // The fastest thread count of a backend in a group.
    const CaseRecord* best(const std::string& group, const std::string& backend) const {
        const auto g = by_group.find(group);
        if (g == by_group.end()) return nullptr;
        const auto b = g->second.find(backend);
        if (b == g->second.end()) return nullptr;
        const CaseRecord* out = nullptr;
        for (const auto& [threads, c] : b->second)
            if (!out || min_ms(*c) < min_ms(*out)) out = c;
        return out;
    }
    std::optional<double> speedup_over(const std::string& group, const CaseRecord& c, const std::string& base) const {
        const CaseRecord* b = best(group, base);
        if (!b || b == &c) return std::nullopt;
        return min_ms(*b) / min_ms(c);
    }
    std::optional<double> bandwidth_fraction(const CaseRecord& c) const {
        if (const auto it = c.fastest.find("bw_fraction"); it != c.fastest.end()) return it->second;
        const auto bytes = c.metrics.find("bytes_per_call");
        if (bytes == c.metrics.end() || roofs.dram_bytes_per_s <= 0) return std::nullopt;
        return bytes->second / (min_ms(c) / 1e3) / roofs.dram_bytes_per_s;
    }
};

std::string short_sha(const std::string& sha) { return sha.substr(0, std::min<std::size_t>(sha.size(), 8)); }

// Host names label the machine columns; a host that appears twice gets its commit (and then its position) added.
void assign_labels(std::vector<Measured>& measured) {
    std::map<std::string, int> seen;
    for (auto& m : measured) {
        std::string host = text(m.run.context, "host_name");
        m.label = host.empty() ? m.machine : host;
        ++seen[m.label];
    }
    std::map<std::string, int> used;
    for (auto& m : measured) {
        if (seen[m.label] < 2) continue;
        m.label += " @" + short_sha(text(m.run.context, "git_sha"));
        if (++used[m.label] > 1) m.label += " #" + std::to_string(used[m.label]);
    }
}

// Every group of every run, with the key of one of its cases (workload, shape and dtype are the group's).
std::map<std::string, CaseKey> all_groups(const std::vector<RunIndex>& indexes) {
    std::map<std::string, CaseKey> out;
    for (const auto& ix : indexes)
        for (const auto& [g, backends] : ix.by_group) out.emplace(g, backends.begin()->second.begin()->second->key());
    return out;
}

// Backends of ours that have timings worth showing, in a stable order.
std::vector<std::string> our_backends(const std::vector<Measured>& measured) {
    std::set<std::string> out;
    for (const auto& m : measured)
        for (const auto& c : m.run.cases)
            if (is_our_accelerated_backend(c.backend)) out.insert(c.backend);
    return {out.begin(), out.end()};
}

const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ccc;border-radius:6px;padding:8px 12px;min-width:300px}
.card h3{margin:0 0 6px;font-size:15px}.card table td{padding:1px 6px;vertical-align:top}
table.results{border-collapse:collapse;font-size:12px}table.results th,table.results td{border:1px solid #ddd;padding:2px 6px}
table.results td.num{text-align:right;font-variant-numeric:tabular-nums}table.results tr.peer{color:#666}
.chart{display:block;margin:10px 0}.chart-title{font-weight:600;font-size:13px}.legend,.label,.value,.tick{font-size:11px}
.axis-label{font-size:12px}.grid{stroke:#eee}.axis,.frame{stroke:#888;fill:none}.reference{stroke:#d62728;stroke-dasharray:4 3}
.regression{fill:none;stroke:#d62728;stroke-width:2.5}.note{color:#666}
)";

std::string machine_card(const Measured& m) {
    const auto& c = m.run.context;
    std::string caches;
    if (c.contains("caches") && c["caches"].is_array())
        for (const auto& k : c["caches"]) {
            const double size = number(k, "size");
            caches += (caches.empty() ? "" : ", ") + std::string("L") + text(k, "level") + text(k, "type").substr(0, 1) +
                      " " + (size >= 1 << 20 ? fmt(size / (1 << 20), "%.0f MiB") : fmt(size / 1024, "%.0f KiB"));
        }
    std::ostringstream s;
    s << "<div class=\"card\" id=\"machine-" << escape(m.machine) << "\"><h3>" << escape(m.label) << "</h3><table>";
    const std::pair<const char*, std::string> rows[] = {
        {"CPU", text(c, "cpu_model")},
        {"cores", text(c, "hardware_threads") + " hardware threads, " + text(c, "mhz_per_cpu") + " MHz"},
        {"caches", caches},
        {"bandwidth", fmt(number(c, "stream_triad_GBps"), "%.1f GB/s (STREAM triad, measured)") +
                          (number(c, "llc_triad_GBps") > 0
                               ? fmt(number(c, "llc_triad_GBps"), "; last-level cache %.1f GB/s") : "")},
        {"peak", number(c, "peak_GFLOPS") > 0 ? fmt(number(c, "peak_GFLOPS"), "%.0f GFLOP/s float32 (measured)")
                                              : "not measured"},
        {"GPU", text(c, "gpu").empty() ? "none" : text(c, "gpu")},
        {"compiler", text(c, "compiler")},
        {"flags", text(c, "cxx_flags")},
        {"build", text(c, "build_type") + (c.value("results_valid", true) ? "" : " (timings are not results)")},
        {"commit", short_sha(text(c, "git_sha"))},
        {"date", text(c, "date")},
        {"fingerprint", m.machine},
        {"source", m.source}};
    for (const auto& [key, value] : rows) s << "<tr><td>" << key << "</td><td>" << escape(value) << "</td></tr>";
    s << "</table></div>\n";
    return s.str();
}

// Percent of STREAM; for a case whose bytes fit in the last-level cache, percent of the cache's triad instead (a
// share of DRAM bandwidth above 100% says only that the data never left the cache).
std::string bandwidth_cell(const RunIndex& ix, const CaseRecord& c, std::optional<double> stream_fraction) {
    if (!stream_fraction) return "-";
    if (!ix.roofs.fits_llc(c)) return fmt(100 * *stream_fraction, "%.1f%%");
    if (ix.roofs.llc_bytes_per_s <= 0) return fmt(100 * *stream_fraction, "%.1f%% (in LLC)");
    return fmt(100 * *stream_fraction * ix.roofs.dram_bytes_per_s / ix.roofs.llc_bytes_per_s, "%.1f%% of LLC");
}

std::string results_table(const ReportData& data, const std::vector<RunIndex>& indexes) {
    std::ostringstream s;
    s << "<table class=\"results\"><thead><tr><th>op</th><th>shape</th><th>dtype</th><th>backend</th><th>machine</th>"
         "<th>threads</th><th>time (ms, min)</th><th>vs ref</th><th>vs scikit-image</th><th>% bandwidth (STREAM; LLC where the bytes fit there)</th>"
         "<th>peak MB</th><th>float64 MB</th><th>transfer overhead</th></tr></thead><tbody>\n";
    for (const auto& [group, key] : all_groups(indexes)) {
        const std::string &op = key.workload, &shape = key.shape, &dtype = key.dtype;
        std::set<std::string> backends;
        for (const auto& ix : indexes)
            if (const auto g = ix.by_group.find(group); g != ix.by_group.end())
                for (const auto& [b, _] : g->second) backends.insert(b);
        for (const auto& backend : backends)
            for (std::size_t i = 0; i < data.measured.size(); ++i) {
                const CaseRecord* c = indexes[i].best(group, backend);
                if (!c) continue;
                const bool peer = c->tool != "skbench";
                const auto f64 = metric(*c, "f64_bytes"), peak = metric(*c, "peak_bytes");
                const auto transfer = metric(*c, "transfer_fraction");
                const auto bw = peer ? std::nullopt : indexes[i].bandwidth_fraction(*c);
                s << "<tr" << (peer ? " class=\"peer\"" : "") << "><td>" << escape(op) << "</td><td>" << escape(shape)
                  << "</td><td>" << escape(dtype) << "</td><td>" << escape(backend) << "</td><td>"
                  << escape(data.measured[i].label) << "</td><td class=\"num\">" << c->threads
                  << "</td><td class=\"num\">" << fmt(min_ms(*c), "%.3f")
                  << (is_timed_backend(backend) ? "" : " (emulated)") << "</td><td class=\"num\">"
                  << fmt(indexes[i].speedup_over(group, *c, reference_backend().name), "%.2fx") << "</td><td class=\"num\">"
                  << fmt(indexes[i].speedup_over(group, *c, "skimage"), "%.2fx") << "</td><td class=\"num\">"
                  << bandwidth_cell(indexes[i], *c, bw) << "</td><td class=\"num\">"
                  << fmt(peak ? std::optional(*peak / 1e6) : std::nullopt, "%.2f") << "</td><td class=\"num\">"
                  << fmt(f64 ? std::optional(*f64 / 1e6) : std::nullopt, "%.2f") << "</td><td class=\"num\">"
                  << fmt(transfer ? std::optional(100 * *transfer) : std::nullopt, "%.1f%%") << "</td></tr>\n";
            }
    }
    s << "</tbody></table>\n";
    return s.str();
}

// Bars per group (at the largest size of each op and dtype) for each machine x backend of ours.
std::string bar_charts(const ReportData& data, const std::vector<RunIndex>& indexes) {
    const auto backends = our_backends(data.measured);
    // The largest shape of each (op, dtype): where speedups and bandwidth mean most.
    std::map<std::pair<std::string, std::string>, std::pair<double, std::string>> largest;
    for (const auto& m : data.measured)
        for (const auto& c : m.run.cases) {
            auto& slot = largest[{c.workload, c.dtype}];
            if (c.pixels > slot.first) slot = {c.pixels, c.group()};
        }
    std::vector<std::string> groups;
    for (const auto& [key, v] : largest) groups.push_back(v.second);
    auto chart = [&](const std::string& title, const std::string& unit, bool log, std::optional<double> reference,
                     auto value) {
        svg::BarChart bars{title, unit, groups, {}, log, reference};
        for (std::size_t i = 0; i < data.measured.size(); ++i)
            for (const auto& backend : backends) {
                svg::BarSeries series{data.measured[i].label + " " + backend, {}};
                bool any = false;
                for (const auto& g : groups) {
                    const CaseRecord* c = indexes[i].best(g, backend);
                    series.values.push_back(c ? value(indexes[i], g, *c) : std::nullopt);
                    any = any || series.values.back().has_value();
                }
                if (any) bars.series.push_back(std::move(series));
            }
        return svg::render(bars);
    };
    std::ostringstream s;
    s << "<section id=\"speedup\"><h2>Speedup per op</h2><p class=\"note\">Best thread count of each backend, largest "
         "size of each op and dtype; log scale; the red line is 1x.</p>\n"
      << chart("speedup over ref (float64 reference)", "x", true, 1.0,
               [](const RunIndex& ix, const std::string& g, const CaseRecord& c) { return ix.speedup_over(g, c, reference_backend().name); })
      << chart("speedup over scikit-image", "x", true, 1.0,
               [](const RunIndex& ix, const std::string& g, const CaseRecord& c) { return ix.speedup_over(g, c, "skimage"); })
      << "</section>\n<section id=\"bandwidth\"><h2>Fraction of memory bandwidth</h2><p class=\"note\">Bytes an op must "
         "move (input + output) per second, as a percentage of the machine's measured STREAM triad bandwidth.</p>\n"
      << chart("% of STREAM bandwidth", "%", false, std::nullopt,
               [](const RunIndex& ix, const std::string&, const CaseRecord& c) {
                   const auto f = ix.bandwidth_fraction(c);
                   return f ? std::optional(100 * *f) : std::nullopt;
               })
      << "</section>\n";
    return s.str();
}

// One roofline per machine: each CPU case of ours (its fastest thread count) at its arithmetic intensity (the spec's
// FLOP over the bytes it must move) against the GFLOP/s it reached, under the machine's measured roofs.
std::string roofline_charts(const ReportData& data, const std::vector<RunIndex>& indexes) {
    std::ostringstream s;
    s << "<section id=\"roofline\"><h2>Roofline</h2><p class=\"note\">Per machine: each case of ours on the CPU "
         "(fastest thread count) at its arithmetic intensity (the spec's FLOP per byte moved) against the GFLOP/s it "
         "reached. Roofs, all measured by skbench bench: DRAM (STREAM triad) up to the float32 peak (multiply-add "
         "chains on every core), and, dashed, the last-level cache's triad. Open rings are cases whose bytes fit in "
         "the last-level cache: the cache roof is theirs. ref computes in float64, whose peak is half the float32 "
         "one.</p>\n";
    for (std::size_t i = 0; i < data.measured.size(); ++i) {
        const Roofs& roofs = indexes[i].roofs;
        std::map<std::string, svg::LineSeries> per_backend;
        int without_flops = 0, in_llc = 0;
        double lo = 0, hi = 0;
        for (const auto& [group, backends] : indexes[i].by_group)
            for (const auto& [backend, _] : backends) {
                const BackendInfo* info = find_backend(backend);
                if (!info || !info->timings_meaningful || info->on_device) continue;  // peers, emulator, GPU
                const CaseRecord* c = indexes[i].best(group, backend);
                const auto flops = metric(*c, "flops_per_call"), bytes = metric(*c, "bytes_per_call");
                if (!flops || !bytes || *flops <= 0 || *bytes <= 0) {
                    ++without_flops;
                    continue;
                }
                const double intensity = *flops / *bytes, gflops = *flops / (min_ms(*c) / 1e3) / 1e9;
                const bool cached = roofs.fits_llc(*c);
                in_llc += cached;
                lo = lo == 0 ? intensity : std::min(lo, intensity), hi = std::max(hi, intensity);
                auto& series = per_backend[backend];
                series.name = backend;
                series.style = svg::SeriesStyle::Markers;
                series.points.push_back({intensity, gflops, false,
                                         c->name + ": " + fmt(intensity, "%.3g") + " FLOP/B, " + fmt(gflops, "%.3g") +
                                             " GFLOP/s" + (cached ? " (bytes fit in the LLC)" : ""),
                                         cached});
            }
        const std::string& label = data.measured[i].label;
        if (per_backend.empty()) {
            s << "<p class=\"note\">" << escape(label) << ": no CPU case with floating-point work in its spec.</p>\n";
            continue;
        }
        lo /= 4, hi *= 4;
        // A roof from lo to hi: bandwidth x intensity, flat at the peak past the ridge point.
        const auto roof = [&](const std::string& name, double bandwidth, svg::SeriesStyle style) {
            svg::LineSeries line{name, {}, style};
            std::vector<double> xs = {lo, hi};
            if (roofs.peak_flops > 0 && roofs.peak_flops / bandwidth > lo && roofs.peak_flops / bandwidth < hi)
                xs.insert(xs.begin() + 1, roofs.peak_flops / bandwidth);
            for (const double x : xs) {
                svg::Point& p = line.points.emplace_back();
                p.x = x;
                p.y = (roofs.peak_flops > 0 ? std::min(roofs.peak_flops, x * bandwidth) : x * bandwidth) / 1e9;
            }
            return line;
        };
        svg::LineChart chart{label + ": roofline", "arithmetic intensity (FLOP per byte)", "GFLOP/s", {}, true, true, {}};
        for (auto& [backend, series] : per_backend) chart.series.push_back(std::move(series));
        if (roofs.dram_bytes_per_s > 0)
            chart.series.push_back(roof("DRAM " + fmt(roofs.dram_bytes_per_s / 1e9, "%.1f GB/s") +
                                            (roofs.peak_flops > 0 ? ", peak " + fmt(roofs.peak_flops / 1e9, "%.0f GFLOP/s") : ""),
                                        roofs.dram_bytes_per_s, svg::SeriesStyle::Line));
        if (roofs.llc_bytes_per_s > 0)
            chart.series.push_back(roof("LLC " + fmt(roofs.llc_bytes_per_s / 1e9, "%.1f GB/s") + " (" +
                                            fmt(roofs.llc_bytes / (1 << 20), "%.0f MiB") + ")",
                                        roofs.llc_bytes_per_s, svg::SeriesStyle::DashedLine));
        s << svg::render(chart) << "<p class=\"note\">" << escape(label) << ": " << in_llc
          << " case(s) with their bytes in the last-level cache (open rings)";
        if (without_flops) s << "; " << without_flops << " case(s) without floating-point work in their spec (integer "
                                "and boolean ops) are not on the chart";
        if (roofs.peak_flops <= 0 || roofs.llc_bytes_per_s <= 0)
            s << "; these results predate the peak FLOP/s and cache probes, so only the DRAM roof is drawn";
        s << ".</p>\n";
    }
    s << "</section>\n";
    return s.str();
}

std::string scaling_charts(const ReportData& data) {
    std::ostringstream sizes, threads;
    // One chart per op: time per pixel against pixels, a line per machine x backend x dtype at its top thread count.
    std::map<std::string, std::map<std::string, std::map<double, double>>> per_op;  // op -> series -> pixels -> ns/px
    std::map<std::string, std::map<std::string, std::map<int, double>>> per_group;  // group -> series -> threads -> speedup
    for (const auto& m : data.measured) {
        using SeriesKey = std::tuple<std::string, std::string, std::string>;  // workload, backend, dtype
        std::map<SeriesKey, int> top_threads;  // the highest thread count measured per series
        for (const auto& c : m.run.cases) {
            if (!is_timed_backend(c.backend) || c.pixels <= 0) continue;
            auto& t = top_threads[{c.workload, c.backend, c.dtype}];
            t = std::max(t, c.threads);
        }
        std::map<std::string, std::map<int, double>> by_group_backend;
        for (const auto& c : m.run.cases) {
            if (!is_timed_backend(c.backend) || c.pixels <= 0) continue;
            if (c.threads == top_threads[{c.workload, c.backend, c.dtype}])
                per_op[c.workload][m.label + " " + c.backend + " " + c.dtype][c.pixels] = min_ms(c) * 1e6 / c.pixels;
            by_group_backend[c.group() + "|" + c.backend][c.threads] = min_ms(c);
        }
        for (const auto& [key, times] : by_group_backend) {
            if (times.size() < 2 || !times.count(1)) continue;
            const std::string group = key.substr(0, key.find('|')), backend = key.substr(key.find('|') + 1);
            for (const auto& [n, ms] : times) per_group[group][m.label + " " + backend][n] = times.at(1) / ms;
        }
    }
    for (const auto& [op, series] : per_op) {
        svg::LineChart chart{op + ": time per pixel against size", "pixels", "ns per pixel", {}, true, true, {}};
        for (const auto& [name, points] : series) {
            svg::LineSeries line{name, {}};
            for (const auto& [px, ns] : points) line.points.push_back({px, ns, false, fmt(px, "%.0f px")});
            chart.series.push_back(std::move(line));
        }
        sizes << svg::render(chart);
    }
    // Thread scaling at the largest size of each op and dtype only (the smaller ones are overhead-bound).
    std::map<std::string, std::pair<double, std::string>> largest;
    for (const auto& m : data.measured)
        for (const auto& c : m.run.cases)
            if (per_group.count(c.group())) {
                auto& slot = largest[c.workload + "/" + c.dtype];
                if (c.pixels > slot.first) slot = {c.pixels, c.group()};
            }
    for (const auto& [key, slot] : largest) {
        svg::LineChart chart{slot.second + ": speedup over 1 thread", "threads", "speedup", {}, false, false, {}};
        for (const auto& [name, points] : per_group[slot.second]) {
            svg::LineSeries line{name, {}};
            for (const auto& [n, speedup] : points) line.points.push_back({static_cast<double>(n), speedup, false, ""});
            chart.series.push_back(std::move(line));
        }
        threads << svg::render(chart);
    }
    std::ostringstream s;
    s << "<section id=\"scaling\"><h2>Scaling</h2><h3>Size</h3><p class=\"note\">Flat lines scale linearly with the "
         "pixel count; rising lines grow worse than linear.</p>\n"
      << (per_op.empty() ? "<p class=\"note\">No size axis in these results.</p>" : sizes.str())
      << "<h3>Threads</h3>\n"
      << (largest.empty() ? "<p class=\"note\">No thread axis in these results.</p>" : threads.str()) << "</section>\n";
    return s.str();
}

// Regressions between consecutive history runs of one machine, as the gate judges them: case name -> run index.
std::set<std::pair<std::string, std::size_t>> history_regressions(const ReportData& data,
                                                                  const std::vector<std::size_t>& on_machine) {
    const auto& history = data.history;
    std::set<std::pair<std::string, std::size_t>> out;
    for (std::size_t k = 1; k < on_machine.size(); ++k) {
        const gate::GateReport verdicts =
            gate::run_gate(history[on_machine[k - 1]].run, history[on_machine[k]].run, data.gate_options);
        for (const auto& name : verdicts.case_names())
            if (verdicts.case_verdict(name) == gate::Verdict::Regression) out.insert({name, k});
    }
    return out;
}

std::string history_charts(const ReportData& data) {
    std::ostringstream s;
    s << "<section id=\"history\"><h2>History</h2>";
    if (data.history.empty()) {
        s << "<p class=\"note\">No history store among the inputs (skbench record adds runs to one).</p></section>\n";
        return s.str();
    }
    s << "<p class=\"note\">Each case's fastest repetition per recorded run, per machine; red rings mark a "
         "REGRESSION verdict of skbench gate against the previous run of the same machine and build.</p>\n";
    std::map<std::string, std::vector<std::size_t>> by_machine;
    for (std::size_t i = 0; i < data.history.size(); ++i) by_machine[data.history[i].machine].push_back(i);
    for (const auto& [machine, indexes] : by_machine) {
        const auto regressions = history_regressions(data, indexes);
        std::vector<std::string> ticks;
        for (const auto i : indexes) ticks.push_back(data.history[i].label);
        std::map<std::string, std::map<std::string, svg::LineSeries>> per_op;  // workload -> case -> line
        for (std::size_t k = 0; k < indexes.size(); ++k)
            for (const auto& c : data.history[indexes[k]].run.cases) {
                if (!is_timed_backend(c.backend) || c.real_time_ms.empty()) continue;
                auto& line = per_op[c.workload][c.name];
                line.name = c.name.substr(c.workload.size() + 1);
                line.points.push_back({static_cast<double>(k), min_ms(c), regressions.count({c.name, k}) > 0,
                                       data.history[indexes[k]].label});
            }
        for (auto& [op, lines] : per_op) {
            svg::LineChart chart{op + " on " + machine + ": time per run", "run (commit)", "ms", {}, false, true, ticks};
            for (auto& [name, line] : lines) chart.series.push_back(std::move(line));
            s << svg::render(chart);
        }
    }
    s << "</section>\n";
    return s.str();
}

std::string now_utc() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
    return buf;
}

// The pair the Markdown summary compares: the first and the last machine column.
std::string comparison_markdown(const Measured& a, const Measured& b, const gate::GateOptions& options) {
    std::ostringstream md;
    if (a.machine == b.machine) {
        const gate::GateReport verdicts = gate::run_gate(a.run, b.run, options);
        md << "Gate verdicts of **" << markdown_text(b.label) << "** against **" << markdown_text(a.label)
           << "** (same machine):\n\n"
           << gate::markdown_summary(verdicts, a.run, b.run);
        return md.str();
    }
    md << "**" << markdown_text(a.label) << "** and **" << markdown_text(b.label) << "** are different machines: no gate verdicts "
       << "(timings only compare within one machine). Largest differences in time (fastest repetition, same case):\n\n"
       << "| case | " << markdown_text(a.label) << " (ms) | " << markdown_text(b.label) << " (ms) | ratio |\n|---|---|---|---|\n";
    std::vector<std::tuple<double, std::string, double, double>> diffs;
    for (const auto& c : b.run.cases)
        if (const CaseRecord* before = a.run.find(c.name); before && is_timed_backend(c.backend))
            diffs.emplace_back(std::abs(std::log(min_ms(c) / min_ms(*before))), c.name, min_ms(*before), min_ms(c));
    std::sort(diffs.begin(), diffs.end(), [](const auto& x, const auto& y) { return std::get<0>(x) > std::get<0>(y); });
    for (std::size_t i = 0; i < std::min<std::size_t>(diffs.size(), 12); ++i) {
        const auto& [_, name, ta, tb] = diffs[i];
        md << "| " << markdown_text(name) << " | " << fmt(ta, "%.3f") << " | " << fmt(tb, "%.3f") << " | " << fmt(tb / ta, "%.2fx")
           << " |\n";
    }
    if (diffs.empty()) md << "| (no case in common) | | | |\n";
    return md.str();
}

}  // namespace

ReportData load_inputs(const std::vector<std::string>& paths, std::size_t max_history_runs) {
    if (paths.empty()) throw Error("no input: give results JSON files and/or a history store");
    ReportData data;
    for (const auto& path : paths) data.inputs.push_back(gate::display_location(path));  // never a password
    std::map<std::string, std::size_t> newest_in_history;  // machine -> history index
    for (const auto& path : paths) {
        if (gate::is_history_location(path)) {
            const gate::History store(path);
            auto runs = store.runs();
            if (runs.size() > max_history_runs) runs.erase(runs.begin(), runs.end() - static_cast<long>(max_history_runs));
            for (const auto& r : runs) {
                HistoryRun h{r.git_sha.empty() ? "run " + std::to_string(r.id) : short_sha(r.git_sha), r.machine,
                             store.load(r.id)};
                newest_in_history[r.machine] = data.history.size();
                data.history.push_back(std::move(h));
            }
            continue;
        }
        RunRecord run = gate::load_results(path);
        data.measured.push_back({"", path, gate::machine_fingerprint(run.context), std::move(run)});
    }
    if (data.measured.empty())
        for (const auto& [machine, i] : newest_in_history)
            data.measured.push_back({"", "history run " + data.history[i].label, machine, data.history[i].run});
    assign_labels(data.measured);
    return data;
}

std::string render_html(const ReportData& data) {
    std::vector<RunIndex> indexes;
    for (const auto& m : data.measured) indexes.emplace_back(m.run);
    std::ostringstream s;
    s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "img-src data:\">\n<title>skbench report</title>\n<style>"
      << kStyle << "</style></head><body>\n<h1>skbench report</h1>\n<section id=\"summary\"><p>Generated " << now_utc()
      << " from " << data.inputs.size() << " input(s): ";
    for (std::size_t i = 0; i < data.inputs.size(); ++i) s << (i ? ", " : "") << "<code>" << escape(data.inputs[i]) << "</code>";
    s << ". " << data.measured.size() << " machine column(s), " << data.history.size()
      << " history run(s). Times are the fastest of the interleaved repetitions; cuda-emu runs on a CPU emulator "
         "and its times are not results.</p></section>\n<section id=\"machines\"><h2>Machines</h2><div class=\"cards\">\n";
    for (const auto& m : data.measured) s << machine_card(m);
    s << "</div></section>\n<section id=\"results\"><h2>Results: op x backend x machine</h2>\n"
      << results_table(data, indexes) << "</section>\n"
      << bar_charts(data, indexes) << roofline_charts(data, indexes) << scaling_charts(data) << history_charts(data)
      << "</body></html>\n";
    return s.str();
}

std::string render_markdown(const ReportData& data) {
    std::ostringstream md;
    md << "## skbench report\n\n| machine | CPU | threads | STREAM GB/s | GPU | commit | source |\n|---|---|---|---|---|---|---|\n";
    for (const auto& m : data.measured) {
        const auto& c = m.run.context;
        const std::string gpu = text(c, "gpu").empty() ? "none" : text(c, "gpu");
        md << "| " << markdown_text(m.label) << " | " << markdown_text(text(c, "cpu_model")) << " | "
           << markdown_text(text(c, "hardware_threads")) << " | " << fmt(number(c, "stream_triad_GBps"), "%.1f") << " | "
           << markdown_text(gpu) << " | " << markdown_text(short_sha(text(c, "git_sha"))) << " | " << markdown_text(m.source) << " |\n";
    }
    md << "\n";
    if (data.measured.size() >= 2) {
        md << comparison_markdown(data.measured.front(), data.measured.back(), data.gate_options);
    } else if (data.history.size() >= 2) {
        // One machine column: its newest history run against the one before on the same machine.
        const auto& last = data.history.back();
        for (std::size_t i = data.history.size() - 1; i-- > 0;)
            if (data.history[i].machine == last.machine) {
                md << comparison_markdown({data.history[i].label, "history", last.machine, data.history[i].run},
                                          {last.label, "history", last.machine, last.run}, data.gate_options);
                break;
            }
    } else {
        md << "One run only: nothing to compare.\n";
    }
    return md.str();
}

}  // namespace skb::report
