#include "bench_command.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "skb/build_info.hpp"
#include "skb/files.hpp"
#include "skb/npy.hpp"
#include "suite.hpp"

namespace skb::cli {
namespace {

using nlohmann::json;
using bench::Case;

// The peers runner (bench/peers/run_peers.py --serve) as a child process speaking JSON lines.
class PeerProcess {
public:
    PeerProcess(const std::string& python, const std::string& script) {
        int to_child[2], from_child[2];
        if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) throw Error("cannot create pipes for the peers runner");
        pid_ = ::fork();
        if (pid_ < 0) throw Error("cannot start the peers runner");
        if (pid_ == 0) {
            ::dup2(to_child[0], 0);
            ::dup2(from_child[1], 1);
            ::close(to_child[1]);
            ::close(from_child[0]);
            ::execl(python.c_str(), python.c_str(), script.c_str(), "--serve", static_cast<char*>(nullptr));
            std::fprintf(stderr, "skbench: error: cannot run %s\n", python.c_str());
            ::_exit(127);
        }
        ::close(to_child[0]);
        ::close(from_child[1]);
        to_ = ::fdopen(to_child[1], "w");
        from_ = ::fdopen(from_child[0], "r");
    }
    ~PeerProcess() {
        if (to_) std::fclose(to_);
        if (from_) std::fclose(from_);
        if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    }
    PeerProcess(const PeerProcess&) = delete;
    PeerProcess& operator=(const PeerProcess&) = delete;

    json request(const json& message) {
        const std::string line = message.dump() + "\n";
        if (std::fputs(line.c_str(), to_) < 0 || std::fflush(to_) != 0) throw Error("the peers runner has exited");
        std::string reply;
        char buffer[4096];
        while (std::fgets(buffer, sizeof buffer, from_)) {
            reply += buffer;
            if (!reply.empty() && reply.back() == '\n') break;
        }
        if (reply.empty()) throw Error("the peers runner has exited (see its error above)");
        return json::parse(reply);
    }

private:
    pid_t pid_ = -1;
    FILE* to_ = nullptr;
    FILE* from_ = nullptr;
};

// Escapes the metacharacters of a POSIX extended regular expression (Google Benchmark's filter syntax).
std::string regex_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (std::string_view(".[]()*+?{}|^$\\").find(ch) != std::string_view::npos) out += '\\';
        out += ch;
    }
    return out;
}

json steps_json(const Case& c) {
    json steps = json::array();
    for (const auto& s : c.workload.steps) steps.push_back({{"op", s.op}, {"params", s.params}});
    return steps;
}

// Fields every entry carries, ours and the peers', beyond Google Benchmark's own.
json case_fields(const Case& c, const std::string& tool, const std::string& backend, int threads) {
    const std::string name = c.workload.name + "/" + backend + "/" + c.shape_text() + "/" +
                             std::string(dtype_tag(c.dtype)) + "/threads:" + std::to_string(threads);
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

// min and median aggregates (Google Benchmark's aggregate entries) for every repeated entry name.
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

// Log-log slope of time against pixels across the size axis, and 1 -> N thread efficiency.
json scaling(const json& mins) {
    std::map<std::string, std::vector<std::pair<double, double>>> by_series;  // pixels, ms
    std::map<std::string, std::map<int, double>> by_threads;                  // threads -> ms
    for (const auto& e : mins) {
        if (e["aggregate_name"] != "min" || e["workload"].get<std::string>().rfind("seed.", 0) == 0) continue;
        const std::string series = e["workload"].get<std::string>() + "/" + e["backend"].get<std::string>() + "/" +
                                   e["dtype"].get<std::string>() + "/threads:" + std::to_string(e["threads"].get<int>()) +
                                   "/" + std::to_string(e["ndim"].get<int>()) + "d";
        by_series[series].push_back({e["pixels"].get<double>(), e["real_time"].get<double>()});
        const std::string shape_series = e["backend"].get<std::string>() + "/" + e["group"].get<std::string>();
        by_threads[shape_series][e["threads"].get<int>()] = e["real_time"];
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

std::string iso_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&t));
    return buf;
}

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

std::string ms_text(double ms) {
    char buf[32];
    if (ms >= 1000) std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000);
    else if (ms >= 10) std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    else std::snprintf(buf, sizeof buf, "%.3f ms", ms);
    return buf;
}

std::string format(const char* spec, double value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, spec, value);
    return buf;
}

}  // namespace

void print_results_table(const json& doc, bool markdown, const std::string& filter) {
    const std::vector<std::string> ours = {"ref", "opt", "cuda"}, peers = {"skimage", "scipy", "opencv"};
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

namespace {

// Turn-taking with another skbench bench process (--lockstep ID:R,W): before each case repetition this process
// waits for one byte on fd R; after it, it writes one to fd W. Two processes whose pipes cross alternate
// repetition by repetition, so repetition i of a case on one side runs within tens of milliseconds of repetition i
// on the other: a baseline and a current build measured that way see the same machine state pairwise, which is
// what the gate's paired effect needs (ci/interleaved_bench.py sets it up). When the other side exits (EOF, or a
// broken pipe), this one runs on alone.
class Lockstep {
public:
    explicit Lockstep(const std::string& spec) {
        if (spec.empty()) return;
        const auto colon = spec.rfind(':'), comma = spec.rfind(',');
        int r = -1, w = -1;
        if (colon == std::string::npos || comma == std::string::npos || comma < colon || colon == 0 ||
            std::sscanf(spec.c_str() + colon + 1, "%d,%d", &r, &w) != 2 || r < 0 || w < 0 || r == w ||
            ::fcntl(r, F_GETFD) < 0 || ::fcntl(w, F_GETFD) < 0)
            throw Error("--lockstep '" + spec + "': expected ID:R,W with R and W two open file descriptors");
        id_ = spec.substr(0, colon);
        read_fd_ = r;
        write_fd_ = w;
        std::signal(SIGPIPE, SIG_IGN);  // the other side gone is EPIPE, not a killed skbench
    }
    ~Lockstep() {
        if (read_fd_ >= 0) ::close(read_fd_);
        if (write_fd_ >= 0) ::close(write_fd_);
    }
    Lockstep(const Lockstep&) = delete;
    Lockstep& operator=(const Lockstep&) = delete;

    const std::string& id() const { return id_; }
    void wait() {
        if (read_fd_ < 0) return;
        char token = 0;
        ssize_t n;
        while ((n = ::read(read_fd_, &token, 1)) < 0 && errno == EINTR) {
        }
        if (n <= 0) {  // the other side has finished (or died): no more turns to wait for
            ::close(read_fd_);
            read_fd_ = -1;
        }
    }
    void pass() {
        if (write_fd_ < 0) return;
        const char token = 't';
        ssize_t n;
        while ((n = ::write(write_fd_, &token, 1)) < 0 && errno == EINTR) {
        }
        if (n != 1) {
            ::close(write_fd_);
            write_fd_ = -1;
        }
    }

private:
    std::string id_;
    int read_fd_ = -1, write_fd_ = -1;
};

// One turn: waits for it on construction, passes it on destruction (also when the work throws).
class Turn {
public:
    explicit Turn(Lockstep& lockstep) : lockstep_(lockstep) { lockstep_.wait(); }
    ~Turn() { lockstep_.pass(); }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

private:
    Lockstep& lockstep_;
};

}  // namespace

CLI::App* add_bench_command(CLI::App& app, BenchArgs& args) {
    auto* cmd = app.add_subcommand("bench", "benchmark every op x backend (and the peers) and write results JSON");
    cmd->add_option("--filter", args.filter, "only cases whose name matches this regular expression (searched)");
    cmd->add_flag("--quick", args.quick, "the quick suite: 256^2, 1024^2, 64^3 and the seed workloads");
    cmd->add_flag("--with-emulator", args.with_emulator,
                  "also run cuda-emu: its transfer counters (H2D/D2H bytes and calls) are real, its times are the "
                  "CPU emulator's, not a GPU's");
    cmd->add_flag("--with-peers", args.with_peers, "also time scikit-image, SciPy and OpenCV, interleaved with ours");
    cmd->add_option("--threads", args.threads, "thread axis 1..N for parallel backends (0: all hardware threads)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--repetitions", args.repetitions, "interleaved repetitions per case (min and median reported)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--min-time", args.min_time, "seconds each repetition of a case runs for")
        ->check(CLI::Range(0.0, 60.0))
        ->capture_default_str();
    cmd->add_option("--out", args.out, "results JSON (Google Benchmark schema plus skbench's counters)");
    cmd->add_option("--python", args.python, "Python with the peers' packages (default: the project .venv)");
    cmd->add_flag("--list", args.list_only, "print the selected case names and exit");
    cmd->add_option("--lockstep", args.lockstep,
                    "ID:R,W: take turns with another skbench bench, one case repetition each, over pipe fds R "
                    "(wait) and W (pass); both results carry ID, and the gate pairs their repetitions "
                    "(ci/interleaved_bench.py)");
    cmd->add_flag("--allow-debug-build", args.allow_debug_build,
                  "run even in a Debug/sanitizer build (to test the harness; results are marked invalid)");
    return cmd;
}

int run_bench(const BenchArgs& args) {
    auto cases = bench::suite({args.quick, args.threads, args.with_emulator});
    if (!args.filter.empty()) {
        std::regex filter;
        try {
            filter = std::regex(args.filter);
        } catch (const std::regex_error&) {
            throw Error("--filter '" + args.filter + "' is not a valid regular expression");
        }
        std::erase_if(cases, [&](const Case& c) { return !std::regex_search(c.name(), filter); });
    }
    if (cases.empty()) throw Error("--filter '" + args.filter + "' matches no benchmark case (see skbench bench --list)");
    if (args.list_only) {
        for (const auto& c : cases) std::printf("%s\n", c.name().c_str());
        return 0;
    }
    if (args.out.empty()) throw Error("--out is required (the results JSON)");
    if (!args.lockstep.empty() && args.with_peers) throw Error("--lockstep does not take --with-peers");
    Lockstep lockstep(args.lockstep);
    {  // Fail before measuring, not after the first group: the results' folder is created, the file must be writable.
        const std::filesystem::path out(args.out), folder = out.has_parent_path() ? out.parent_path() : ".";
        std::error_code ec;
        std::filesystem::create_directories(folder, ec);
        if (ec) throw Error("--out " + args.out + ": cannot create " + folder.string() + ": " + ec.message());
        if (std::filesystem::is_directory(out)) throw Error("--out " + args.out + " is a directory, not a file");
        if (::access(folder.c_str(), W_OK) != 0) throw Error("--out " + args.out + ": " + folder.string() + " is not writable");
    }
    const bench::MachineContext machine = bench::machine_context(false);
    if (!machine.timings_are_results() && !args.allow_debug_build)
        throw Error("this is a " + machine.build_type + " build: its timings are not results (cmake --preset release)");

    std::vector<std::string> group_order;
    std::map<std::string, std::vector<const Case*>> groups;
    for (const auto& c : cases) {
        if (groups[c.group()].empty()) group_order.push_back(c.group());
        groups[c.group()].push_back(&c);
    }
    std::fprintf(stderr, "skbench bench: %zu cases in %zu groups, %d repetitions each%s; measuring memory bandwidth\n",
                 cases.size(), group_order.size(), args.repetitions, args.with_peers ? ", with peers" : "");
    bench::MachineContext measured = machine;
    {
        const Turn turn(lockstep);  // the bandwidth probe uses every core: never while the other side measures
        measured.stream_triad_bytes_per_second = bench::stream_triad_bandwidth(machine.hardware_threads);
    }
    bench::set_reference_bandwidth(measured.stream_triad_bytes_per_second);

    std::unique_ptr<PeerProcess> peers;
    json peer_versions = json::object();
    std::filesystem::path scratch;
    if (args.with_peers) {
        const std::string source = build_info::kSourceDir;
        const std::string python = args.python.empty() ? source + "/.venv/bin/python" : args.python;
        if (!std::filesystem::exists(python)) throw Error("no Python at " + python + " (run ci/setup.sh, or --python)");
        std::signal(SIGPIPE, SIG_IGN);  // a dead peers runner is an error reply, not a killed skbench
        peers = std::make_unique<PeerProcess>(python, source + "/bench/peers/run_peers.py");
        peer_versions = peers->request({{"cmd", "hello"}}).at("versions");
        char dir_template[] = "/tmp/skbench-peers-XXXXXX";
        if (!::mkdtemp(dir_template)) throw Error("cannot create a scratch directory under /tmp");
        scratch = dir_template;
    }

    // Google Benchmark runs our cases in process; each call below runs one case for one repetition.
    std::string min_time_flag = "--benchmark_min_time=" + std::to_string(args.min_time);
    std::vector<char*> gb_argv = {const_cast<char*>("skbench"), min_time_flag.data()};
    int gb_argc = static_cast<int>(gb_argv.size());
    benchmark::Initialize(&gb_argc, gb_argv.data());
    bench::register_benchmarks(cases);
    bench::RunCollector collector;

    json entries = json::array();
    json peer_errors = json::array();
    auto write_results = [&](bool complete) {
        json all = entries;
        const json mins = aggregates(entries);
        for (const auto& a : mins) all.push_back(a);
        json doc = {{"context", context_block(measured, peer_versions, args, lockstep.id())},
                    {"benchmarks", all},
                    {"skbench", {{"complete", complete}, {"scaling", scaling(mins)}, {"peer_errors", peer_errors}}}};
        write_file_atomic(args.out, doc.dump(1) + "\n");
        return mins;
    };

    const int max_threads = args.threads > 0 ? args.threads : machine.hardware_threads;
    std::filesystem::path input_path;  // the current group's input, for the peers
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t g = 0; g < group_order.size(); ++g) {
        const auto& members = groups[group_order[g]];
        const Case& first = *members.front();
        // The peers that have this workload, at 1 thread (and OpenCV, which is threaded, at the top of the axis).
        std::vector<std::pair<std::string, int>> peer_runs;
        if (peers) {
            try {
                const json tools = peers->request({{"cmd", "tools"}, {"steps", steps_json(first)}, {"ndim", first.ndim()},
                                                   {"dtype", std::string(dtype_name(first.dtype))}})
                                       .at("tools");
                for (const auto& t : tools) {
                    peer_runs.push_back({t, 1});
                    if (t == "opencv" && max_threads > 1) peer_runs.push_back({t, max_threads});
                }
                if (!peer_runs.empty()) {  // a fresh name per group: the runner caches what it loaded by path
                    if (!input_path.empty()) std::filesystem::remove(input_path);
                    input_path = scratch / ("input-" + std::to_string(g) + ".npy");
                    npy::save(input_path, bench::case_inputs(first).image);
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "skbench bench: peers stopped (%s); continuing without them\n", e.what());
                peers.reset();
                peer_runs.clear();
            }
        }
        std::map<std::string, double> best;  // label -> min ms so far, for the progress line
        auto run_ours = [&](int rep) {
            for (const Case* c : members) {
                // Google Benchmark appends /process_time/real_time to the registered name.
                {
                    const Turn turn(lockstep);
                    benchmark::RunSpecifiedBenchmarks(&collector, "^" + regex_escape(c->name()) + "(/.*)?$");
                }
                for (const auto& run : collector.take()) {
                    json e = entry_of(run, *c);
                    e["repetitions"] = args.repetitions;
                    e["repetition_index"] = rep;
                    if (!e.value("error_occurred", false)) {
                        const std::string label = c->backend + (c->threads > 1 ? "x" + std::to_string(c->threads) : "");
                        best[label] = std::min(best.count(label) ? best[label] : 1e300, e["real_time"].get<double>());
                    } else if (rep == 0) {
                        std::fprintf(stderr, "  %s: %s\n", c->name().c_str(), run.error_message.c_str());
                    }
                    entries.push_back(std::move(e));
                }
            }
        };
        auto run_peers = [&](int rep) {
            for (auto it = peer_runs.begin(); peers && it != peer_runs.end();) {
                const auto& [tool, threads] = *it;
                json request = case_fields(first, tool, tool, threads);
                request["cmd"] = "time";
                request["steps"] = steps_json(first);
                request["input"] = input_path.string();
                request["min_time"] = args.min_time;
                json reply;
                try {
                    reply = peers->request(request);
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "skbench bench: peers stopped (%s); continuing without them\n", e.what());
                    peers.reset();
                    break;
                }
                if (reply.contains("error")) {
                    peer_errors.push_back({{"name", request["name"]}, {"error", reply["error"]}});
                    std::fprintf(stderr, "  %s: %s\n", request["name"].get<std::string>().c_str(),
                                 reply["error"].get<std::string>().c_str());
                    it = peer_runs.erase(it);
                    continue;
                }
                json e = case_fields(first, tool, tool, threads);
                e.update(reply);
                e["repetitions"] = args.repetitions;
                e["repetition_index"] = rep;
                const std::string label = tool + (threads > 1 ? "x" + std::to_string(threads) : "");
                best[label] = std::min(best.count(label) ? best[label] : 1e300, e["real_time"].get<double>());
                entries.push_back(std::move(e));
                ++it;
            }
        };
        for (int rep = 0; rep < args.repetitions; ++rep) {
            // A/B, then B/A: drift in the machine's speed falls on both sides alike.
            if (rep % 2 == 0) run_ours(rep), run_peers(rep);
            else run_peers(rep), run_ours(rep);
        }
        write_results(false);  // a killed run keeps every finished group
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::string line;
        for (const auto& [label, ms] : best) line += "  " + label + " " + ms_text(ms);
        std::fprintf(stderr, "[%zu/%zu %.0fs] %s%s\n", g + 1, group_order.size(), elapsed, group_order[g].c_str(),
                     line.c_str());
    }
    const json mins = write_results(true);
    if (!scratch.empty()) std::filesystem::remove_all(scratch);
    benchmark::Shutdown();

    std::printf("skbench %s on %s (%d hardware threads, STREAM triad %.1f GB/s), %s, git %s\n", build_info::kVersion,
                measured.cpu_model.c_str(), measured.hardware_threads, measured.stream_triad_bytes_per_second / 1e9,
                measured.build_type.c_str(), measured.git_sha.c_str());
    if (!measured.timings_are_results()) std::printf("WARNING: %s build: these timings are not results\n", measured.build_type.c_str());
    print_results_table({{"benchmarks", mins}}, false, "");
    std::printf("results: %s\n", args.out.c_str());
    int failed = 0;
    for (const auto& e : entries) failed += e.value("error_occurred", false) && e["repetition_index"] == 0;
    if (failed) std::printf("%d cases FAILED verification (their error_message is in the results)\n", failed);
    return failed ? 1 : 0;
}

}  // namespace skb::cli
