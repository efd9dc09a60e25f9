// `skbench table` and the end of `skbench bench`: the side-by-side table of a results document.
#include <cstdio>
#include <map>
#include <regex>

#include "results_table.hpp"
#include "skb/error.hpp"
#include "skb/registry.hpp"

namespace skb::cli {

using nlohmann::json;

std::string ms_text(double ms) {
    char buf[32];
    if (ms >= 1000) std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
    else if (ms >= 10) std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    else std::snprintf(buf, sizeof buf, "%.3f ms", ms);
    return buf;
}

namespace {

std::string format(const char* spec, double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, spec, value);
    return buf;
}

}  // namespace

void print_results_table(const json& doc, bool markdown, const std::string& filter) {
    std::vector<std::string> ours;  // backends whose timings mean something (not the emulator's)
    for (const auto& b : known_backends())
        if (b.timings_meaningful) ours.push_back(b.name);
    const std::vector<std::string> peers = {"skimage", "scipy", "opencv", "itk"};
    std::regex pattern;
    try {
        pattern = std::regex(filter);
    } catch (const std::regex_error&) {
        throw Error("--filter '" + filter + "' is not a valid regular expression");
    }
    // Rows: (group, threads) in the order the groups ran (entries are written group by group); cells: the min aggregate of each backend or peer.
    std::vector<std::pair<std::string, int>> order;
    std::map<std::pair<std::string, int>, std::map<std::string, const json*>> rows;
    for (const auto& e : doc.at("benchmarks")) {
        if (e.value("aggregate_name", "") != "min" || !std::regex_search(e["name"].get<std::string>(), pattern)) continue;
        const std::pair<std::string, int> key{e["group"], e["threads"].get<int>()};
        if (!rows.count(key)) order.push_back(key);
        rows[key][e["backend"]] = &e;
    }
    const std::vector<std::string> header_tail = {"skimage/ours", "OpenCV/ours", "%STREAM", "peak MB", "f64 MB"};
    std::vector<std::string> header = {"case (min of repetitions)", "threads"};
    header.insert(header.end(), ours.begin(), ours.end());
    header.insert(header.end(), peers.begin(), peers.end());
    header.insert(header.end(), header_tail.begin(), header_tail.end());
    auto print_row = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (markdown) std::printf("| %s ", cells[i].c_str());
            else if (i == 0) std::printf("%-46s", cells[i].c_str());
            else std::printf(" %12s", cells[i].c_str());
        }
        std::printf(markdown ? "|\n" : "\n");
    };
    print_row(header);
    if (markdown) {
        for (std::size_t i = 0; i < header.size(); ++i) std::printf("|---");
        std::printf("|\n");
    }
    for (const auto& key : order) {
        const auto& cells = rows[key];
        std::vector<std::string> row = {key.first, std::to_string(key.second)};
        const json* best = nullptr;  // our fastest backend in this row
        for (const auto& b : ours) {
            const auto it = cells.find(b);
            row.push_back(it == cells.end() ? "-" : ms_text((*it->second)["real_time"]));
            if (it != cells.end() && (!best || (*it->second)["real_time"] < (*best)["real_time"])) best = it->second;
        }
        for (const auto& p : peers) {
            const auto it = cells.find(p);
            row.push_back(it == cells.end() ? "-" : ms_text((*it->second)["real_time"]));
        }
        for (const std::string peer : {"skimage", "opencv"}) {
            const auto it = cells.find(peer);
            row.push_back(!best || it == cells.end()
                              ? "-"
                              : format("%.2fx", (*it->second)["real_time"].get<double>() / (*best)["real_time"].get<double>()));
        }
        const bool counted = best && best->contains("bw_fraction");
        row.push_back(counted ? format("%.1f", 100 * (*best)["bw_fraction"].get<double>()) : "-");
        row.push_back(counted ? format("%.1f", (*best)["peak_bytes"].get<double>() / 1e6) : "-");
        row.push_back(counted ? format("%.1f", (*best)["f64_bytes"].get<double>() / 1e6) : "-");
        print_row(row);
    }
    std::printf("\nskimage/ours, OpenCV/ours: the peer's time over our fastest backend's in that row (>1: we are\n"
                "faster). %%STREAM: bytes the op must move per second over the measured STREAM triad bandwidth.\n");
}

}  // namespace skb::cli
