#include "results_json.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>

#include "skb/build_info.hpp"

namespace skb::cli {

using nlohmann::json;
using bench::Case;

json steps_json(const Case& c) {
    json steps = json::array();
    for (const auto& s : c.workload.steps) steps.push_back({{"op", s.op}, {"params", s.params}});
    return steps;
}

json case_fields(const Case& c, const std::string& tool, const std::string& backend, int threads) {
    CaseKey key = c.key();
    key.backend = backend;
    key.threads = threads;
    const std::string name = key.name();
    return {{"name", name},       {"run_name", name},         {"run_type", "iteration"},
            {"tool", tool},       {"backend", backend},       {"workload", c.workload.name},
            {"op", c.workload.steps.back().op}, {"group", c.group()}, {"shape", c.shape},
            {"dtype", std::string(dtype_name(c.dtype))},      {"threads", threads},
            {"pixels", c.pixels()},
            {"ndim", c.ndim()}};
}

json entry_of(const benchmark::BenchmarkReporter::Run& run, const Case& c) {
    json e;
    for (const auto& [key, counter] : run.counters) e[key] = counter.value;
    e.update(case_fields(c, "skbench", c.backend, c.threads));
    e["output_dtype"] = std::string(dtype_name(bench::output_dtype(c)));
    e["iterations"] = run.iterations;
    e["real_time"] = run.GetAdjustedRealTime();
    e["cpu_time"] = run.GetAdjustedCPUTime();
    e["time_unit"] = "ms";
    if (run.error_occurred) {
        e["error_occurred"] = true;
        e["error_message"] = run.error_message;
    }
    return e;
}

double median_of(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[(v.size() - 1) / 2];  // an actual sample (the lower median)
}

json aggregates(const json& entries) {
    std::map<std::string, std::vector<const json*>> by_name;
    std::vector<std::string> order;
    for (const auto& e : entries) {
        if (e.value("error_occurred", false)) continue;
        auto& list = by_name[e["name"].get<std::string>()];
        if (list.empty()) order.push_back(e["name"]);
        list.push_back(&e);
    }
    json out = json::array();
    for (const auto& name : order) {
        const auto& list = by_name[name];
        std::vector<double> times;
        for (const json* e : list) times.push_back((*e)["real_time"]);
        const double min = *std::min_element(times.begin(), times.end()), median = median_of(times);
        for (const auto& [aggregate, value] : {std::pair{"min", min}, std::pair{"median", median}}) {
            const json* sample = *std::find_if(list.begin(), list.end(), [&](const json* e) { return (*e)["real_time"] == value; });
            json a = *sample;  // counters of the repetition this aggregate picks
            a["name"] = name + "_" + aggregate;
            a["run_type"] = "aggregate";
            a["aggregate_name"] = aggregate;
            a["repetitions"] = list.size();
            a.erase("repetition_index");
            out.push_back(std::move(a));
        }
    }
    return out;
}

json scaling(const json& mins) {
    std::map<std::string, std::vector<std::pair<double, double>>> by_series;  // pixels, ms
    std::map<std::string, std::map<int, double>> by_threads;                  // threads -> ms
    for (const auto& e : mins) {
        if (e["aggregate_name"] != "min" || e["workload"].get<std::string>().rfind("seed.", 0) == 0) continue;
        const CaseKey key = CaseKey::parse(e["name"].get<std::string>().substr(0, e["name"].get<std::string>().rfind('_')));
        by_series[key.series()].push_back({e["pixels"].get<double>(), e["real_time"].get<double>()});
        by_threads[key.backend + "/" + key.group()][key.threads] = e["real_time"];
    }
    json sizes = json::array(), threads = json::array();
    for (const auto& [series, points] : by_series) {
        if (points.size() < 2) continue;
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        json pts = json::array();
        for (const auto& [px, ms] : points) {
            const double x = std::log(px), y = std::log(ms);
            sx += x, sy += y, sxx += x * x, sxy += x * y;
            pts.push_back({{"pixels", px}, {"ns_per_pixel", ms * 1e6 / px}});
        }
        const double n = static_cast<double>(points.size());
        sizes.push_back({{"series", series}, {"points", pts}, {"exponent", (n * sxy - sx * sy) / (n * sxx - sx * sx)}});
    }
    for (const auto& [series, times] : by_threads) {
        if (times.size() < 2 || !times.count(1)) continue;
        const auto& [n, ms] = *times.rbegin();
        threads.push_back({{"series", series}, {"threads", n}, {"speedup", times.at(1) / ms},
                           {"efficiency", times.at(1) / (ms * n)}});
    }
    return {{"sizes", sizes}, {"threads", threads}};
}

namespace {

std::string iso_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
    return buf;
}

}  // namespace

json context_block(const bench::MachineContext& m, const json& peer_versions, const BenchArgs& args,
                   const std::string& lockstep_id) {
    const auto& cpu = benchmark::CPUInfo::Get();
    json caches = json::array();
    for (const auto& c : cpu.caches)
        caches.push_back({{"type", c.type}, {"level", c.level}, {"size", c.size}, {"num_sharing", c.num_sharing}});
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    return {{"date", iso_now()},
            {"host_name", host},
            {"executable", "skbench bench"},
            {"num_cpus", cpu.num_cpus},
            {"mhz_per_cpu", static_cast<int>(cpu.cycles_per_second / 1e6)},
            {"cpu_scaling_enabled", cpu.scaling == benchmark::CPUInfo::ENABLED},
            {"caches", caches},
            {"library_build_type", m.timings_are_results() ? "release" : "debug"},
            {"cpu_model", m.cpu_model},
            {"hardware_threads", m.hardware_threads},
            {"stream_triad_GBps", m.stream_triad_bytes_per_second / 1e9},
            {"peak_GFLOPS", m.peak_flops_per_second / 1e9},
            {"llc_bytes", m.llc_bytes},
            {"llc_triad_GBps", m.cache_bandwidth_bytes_per_second / 1e9},
            {"compiler", m.compiler},
            {"cxx_flags", m.cxx_flags},
            {"build_type", m.build_type},
            {"git_sha", m.git_sha},
            {"gpu", m.gpu},
            {"skbench_version", build_info::kVersion},
            {"results_valid", m.timings_are_results()},
            {"suite", args.quick ? "quick" : "full"},
            {"filter", args.filter},
            {"repetitions", args.repetitions},
            {"min_time_s", args.min_time},
            {"peers", peer_versions},
            {"lockstep", lockstep_id}};
}

}  // namespace skb::cli
