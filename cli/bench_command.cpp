// `skbench bench`: selects the cases, then runs them group by group (the cases sharing one input), each repetition
// of ours interleaved with one of the peers', writing the results JSON after every group. The peers' process,
// the turn-taking with another skbench and the results schema live in their own files (peer_process, lockstep,
// results_json, results_table).
#include "bench_command.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>

#include "lockstep.hpp"
#include "peer_process.hpp"
#include "results_json.hpp"
#include "results_table.hpp"
#include "skb/build_info.hpp"
#include "skb/files.hpp"
#include "skb/npy.hpp"
#include "suite.hpp"

namespace skb::cli {
namespace {

using nlohmann::json;
using bench::Case;

// Escapes the metacharacters of a POSIX extended regular expression (Google Benchmark's filter syntax).
std::string regex_escape(const std::string& s) {
    std::string out;
    for (char ch : s) {
        if (std::string_view(".[]()*+?{}|^$\\").find(ch) != std::string_view::npos) out += '\\';
        out += ch;
    }
    return out;
}

std::vector<Case> selected_cases(const BenchArgs& args) {
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
    return cases;
}

// Fails before measuring, not after the first group: the results' folder is created, the file must be writable.
void check_results_path(const std::string& out_text) {
    if (out_text.empty()) throw Error("--out is required (the results JSON)");
    const std::filesystem::path out(out_text), folder = out.has_parent_path() ? out.parent_path() : ".";
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) throw Error("--out " + out_text + ": cannot create " + folder.string() + ": " + ec.message());
    if (std::filesystem::is_directory(out)) throw Error("--out " + out_text + " is a directory, not a file");
    if (::access(folder.c_str(), W_OK) != 0) throw Error("--out " + out_text + ": " + folder.string() + " is not writable");
}

// The fastest repetition so far of each of our backends and peers in a group, for the progress line.
class Progress {
public:
    void note(const std::string& who, int threads, double ms) {
        const std::string label = who + (threads > 1 ? "x" + std::to_string(threads) : "");
        const auto [it, fresh] = best_.emplace(label, ms);
        if (!fresh) it->second = std::min(it->second, ms);
    }
    std::string line() const {
        std::string text;
        for (const auto& [label, ms] : best_) text += "  " + label + " " + ms_text(ms);
        return text;
    }

private:
    std::map<std::string, double> best_;
};

// The peers' side of a run: the runner process (bench/peers/run_peers.py --serve), and a scratch folder where
// each group's input is written for it. A runner that fails is dropped with one message; the run goes on.
class PeerSession {
public:
    PeerSession(const BenchArgs& args, int max_threads) : max_threads_(max_threads) {
        if (!args.with_peers) return;
        const std::string source = build_info::kSourceDir;
        const std::string python = args.python.empty() ? source + "/.venv/bin/python" : args.python;
        if (!std::filesystem::exists(python)) throw Error("no Python at " + python + " (run ci/setup.sh, or --python)");
        std::signal(SIGPIPE, SIG_IGN);  // a dead peers runner is an error reply, not a killed skbench
        process_ = std::make_unique<PeerProcess>(python, source + "/bench/peers/run_peers.py");
        versions_ = process_->request({{"cmd", "hello"}}).at("versions");
        char dir_template[] = "/tmp/skbench-peers-XXXXXX";
        if (!::mkdtemp(dir_template)) throw Error("cannot create a scratch directory under /tmp");
        scratch_ = dir_template;
    }
    ~PeerSession() {
        std::error_code ignored;
        if (!scratch_.empty()) std::filesystem::remove_all(scratch_, ignored);
    }
    PeerSession(const PeerSession&) = delete;
    PeerSession& operator=(const PeerSession&) = delete;

    const json& versions() const { return versions_; }
    const json& errors() const { return errors_; }

    // The peers that have this group's workload, at 1 thread (and OpenCV, which is threaded, at the top of the
    // thread axis); writes the group's inputs (image, extra inputs) for them under fresh names (the runner caches what
    // it loaded by path).
    void start_group(const Case& first, std::size_t index) {
        runs_.clear();
        if (!process_) return;
        try {
            const InputArrays& inputs = bench::case_inputs(first);
            json extra_names = json::array();
            for (const auto& [name, array] : inputs.extras) extra_names.push_back(name);
            const json tools = process_->request({{"cmd", "tools"}, {"steps", steps_json(first)}, {"ndim", first.ndim()},
                                                  {"dtype", std::string(dtype_name(first.dtype))},
                                                  {"extra_inputs", extra_names}})
                                   .at("tools");
            for (const auto& t : tools) {
                runs_.push_back({t, 1});
                if ((t == "opencv" || t == "itk") && max_threads_ > 1) runs_.push_back({t, max_threads_});  // threaded
            }
            if (runs_.empty()) return;
            for (const auto& file : files_) std::filesystem::remove(file);
            files_.clear();
            extras_ = json::object();
            const auto save = [&](const std::string& name, const Array& array) {
                files_.push_back(scratch_ / (name + "-" + std::to_string(index) + ".npy"));
                npy::save(files_.back(), array);
                return files_.back().string();
            };
            input_ = save("input", inputs.image);
            for (const auto& [name, array] : inputs.extras) extras_[name] = save(name, array);
        } catch (const std::exception& e) {
            stop(e.what());
        }
    }

    // One repetition of every peer run of the group, appended to `entries`.
    void run_repetition(const Case& first, const BenchArgs& args, int rep, json& entries, Progress& progress) {
        for (auto it = runs_.begin(); process_ && it != runs_.end();) {
            const auto& [tool, threads] = *it;
            json request = case_fields(first, tool, tool, threads);
            request["cmd"] = "time";
            request["steps"] = steps_json(first);
            request["input"] = input_;
            request["extras"] = extras_;  // the op's required extra inputs, by scikit-image's parameter names
            request["min_time"] = args.min_time;
            json reply;
            try {
                reply = process_->request(request);
            } catch (const std::exception& e) {
                stop(e.what());
                break;
            }
            if (reply.contains("error")) {  // this peer cannot run this case: say so once and drop it
                errors_.push_back({{"name", request["name"]}, {"error", reply["error"]}});
                std::fprintf(stderr, "  %s: %s\n", request["name"].get<std::string>().c_str(),
                             reply["error"].get<std::string>().c_str());
                it = runs_.erase(it);
                continue;
            }
            json e = case_fields(first, tool, tool, threads);
            e.update(reply);
            e["repetitions"] = args.repetitions;
            e["repetition_index"] = rep;
            progress.note(tool, threads, e["real_time"].get<double>());
            entries.push_back(std::move(e));
            ++it;
        }
    }

private:
    void stop(const std::string& why) {
        std::fprintf(stderr, "skbench bench: peers stopped (%s); continuing without them\n", why.c_str());
        process_.reset();
        runs_.clear();
    }

    int max_threads_;
    std::unique_ptr<PeerProcess> process_;
    json versions_ = json::object();
    json errors_ = json::array();
    std::filesystem::path scratch_;
    std::vector<std::filesystem::path> files_;  // the current group's inputs, written for the runner
    std::string input_;
    json extras_ = json::object();
    std::vector<std::pair<std::string, int>> runs_;  // (tool, threads) of the current group
};

// One repetition of each of our cases of a group, each in its turn when taking turns with another skbench.
void run_ours(const std::vector<const Case*>& members, const BenchArgs& args, int rep, Lockstep& lockstep,
              bench::RunCollector& collector, json& entries, Progress& progress) {
    for (const Case* c : members) {
        {
            const Turn turn(lockstep);
            // Google Benchmark appends /process_time/real_time to the registered name.
            benchmark::RunSpecifiedBenchmarks(&collector, "^" + regex_escape(c->name()) + "(/.*)?$");
        }
        for (const auto& run : collector.take()) {
            json e = entry_of(run, *c);
            e["repetitions"] = args.repetitions;
            e["repetition_index"] = rep;
            if (!e.value("error_occurred", false)) progress.note(c->backend, c->threads, e["real_time"].get<double>());
            else if (rep == 0) std::fprintf(stderr, "  %s: %s\n", c->name().c_str(), run.error_message.c_str());
            entries.push_back(std::move(e));
        }
    }
}

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
    const std::vector<Case> cases = selected_cases(args);
    if (args.list_only) {
        for (const auto& c : cases) std::printf("%s\n", c.name().c_str());
        return 0;
    }
    check_results_path(args.out);
    if (!args.lockstep.empty() && args.with_peers) throw Error("--lockstep does not take --with-peers");
    Lockstep lockstep(args.lockstep);
    const bench::MachineContext machine = bench::machine_context(false);
    if (!machine.timings_are_results() && !args.allow_debug_build)
        throw Error("this is a " + machine.build_type + " build: its timings are not results (cmake --preset release)");

    std::vector<std::string> group_order;
    std::map<std::string, std::vector<const Case*>> groups;
    for (const auto& c : cases) {
        if (groups[c.group()].empty()) group_order.push_back(c.group());
        groups[c.group()].push_back(&c);
    }
    std::fprintf(stderr, "skbench bench: %zu cases in %zu groups, %d repetitions each%s; measuring the machine's roofs (bandwidth, peak FLOP/s)\n",
                 cases.size(), group_order.size(), args.repetitions, args.with_peers ? ", with peers" : "");
    bench::MachineContext measured = machine;
    {
        const Turn turn(lockstep);  // the probes use every core: never while the other side measures
        bench::measure_roofs(measured);
    }
    bench::set_reference_bandwidth(measured.stream_triad_bytes_per_second);
    const int max_threads = args.threads > 0 ? args.threads : machine.hardware_threads;
    PeerSession peers(args, max_threads);

    // Google Benchmark runs our cases in process; each call below runs one case for one repetition.
    std::string min_time_flag = "--benchmark_min_time=" + std::to_string(args.min_time);
    std::vector<char*> gb_argv = {const_cast<char*>("skbench"), min_time_flag.data()};
    int gb_argc = static_cast<int>(gb_argv.size());
    benchmark::Initialize(&gb_argc, gb_argv.data());
    bench::register_benchmarks(cases);
    bench::RunCollector collector;

    json entries = json::array();
    auto write_results = [&](bool complete) {
        json all = entries;
        const json mins = aggregates(entries);
        for (const auto& a : mins) all.push_back(a);
        json doc = {{"context", context_block(measured, peers.versions(), args, lockstep.id())},
                    {"benchmarks", all},
                    {"skbench", {{"complete", complete}, {"scaling", scaling(mins)}, {"peer_errors", peers.errors()}}}};
        write_file_atomic(args.out, doc.dump(1) + "\n");
        return mins;
    };
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t g = 0; g < group_order.size(); ++g) {
        const auto& members = groups[group_order[g]];
        peers.start_group(*members.front(), g);
        Progress progress;
        for (int rep = 0; rep < args.repetitions; ++rep) {
            // A/B, then B/A: drift in the machine's speed falls on both sides alike.
            if (rep % 2 == 1) peers.run_repetition(*members.front(), args, rep, entries, progress);
            run_ours(members, args, rep, lockstep, collector, entries, progress);
            if (rep % 2 == 0) peers.run_repetition(*members.front(), args, rep, entries, progress);
        }
        write_results(false);  // a killed run keeps every finished group
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::fprintf(stderr, "[%zu/%zu %.0fs] %s%s\n", g + 1, group_order.size(), elapsed, group_order[g].c_str(),
                     progress.line().c_str());
    }
    const json mins = write_results(true);
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
