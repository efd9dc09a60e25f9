#include "profile_command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "skb/build_info.hpp"
#include "skb/files.hpp"
#include "skb/nvtx.hpp"
#include "skb/registry.hpp"
#include "suite.hpp"

extern char** environ;

// The profiled region: callgrind's --toggle-collect names this function, perf is enabled inside it (--control), and
// nsys and ncu capture its NVTX range. Not inlined, with C linkage, so its name is the same in every build.
extern "C" [[gnu::noinline]] void skb_profiled_calls(const skb::bench::CaseRunner* runner, std::int64_t calls);

namespace skb::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr int kExitMismatch = 1, kExitToolFailed = 3, kExitUnavailable = 4;
constexpr const char* kNvtxRange = "skbench.profile";  // in the "skbench" domain (skb/nvtx.hpp)
constexpr const char* kPerfControlEnv = "SKB_PERF_CONTROL";  // "CTL_FIFO:ACK_FIFO" when perf waits to be enabled

const std::vector<bench::Case>& all_cases() {
    static const std::vector<bench::Case> cases = bench::suite({false, 0, true});
    return cases;
}

// Enables perf's events for its lifetime when perf was started with --control and -D -1 (the names of its fifos in
// SKB_PERF_CONTROL); does nothing otherwise.
class PerfWindow {
public:
    PerfWindow() {
        const char* names = std::getenv(kPerfControlEnv);
        if (!names) return;
        const std::string text = names;
        const auto colon = text.find(':');
        // Non-blocking opens: with no perf at the other end (a stray variable) they fail instead of waiting forever.
        ctl_ = ::open(text.substr(0, colon).c_str(), O_WRONLY | O_NONBLOCK);
        ack_ = colon == std::string::npos ? -1 : ::open(text.substr(colon + 1).c_str(), O_RDONLY | O_NONBLOCK);
        if (ack_ >= 0) ::fcntl(ack_, F_SETFL, ::fcntl(ack_, F_GETFL) & ~O_NONBLOCK);  // wait for perf's answers
        command("enable\n");
    }
    ~PerfWindow() {
        command("disable\n");
        if (ctl_ >= 0) ::close(ctl_);
        if (ack_ >= 0) ::close(ack_);
    }
    PerfWindow(const PerfWindow&) = delete;
    PerfWindow& operator=(const PerfWindow&) = delete;

private:
    void command(const std::string& text) {  // perf answers "ack\n" once the events are switched
        if (ctl_ < 0 || ack_ < 0) return;
        if (::write(ctl_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) return;
        std::array<char, 8> answer{};
        [[maybe_unused]] const ssize_t n = ::read(ack_, answer.data(), answer.size());
    }
    int ctl_ = -1, ack_ = -1;
};

enum class Tool { Callgrind, Heaptrack, Perf, Nsys, Ncu };

struct ToolInfo {
    Tool tool;
    const char* name;
    const char* program;     // what must be on PATH
    const char* package;     // where it comes from
    int default_calls;
    double min_seconds;      // perf samples: enough calls for this much time
};

const ToolInfo kTools[] = {
    {Tool::Callgrind, "callgrind", "valgrind", "apt-get install valgrind", 1, 0},
    {Tool::Heaptrack, "heaptrack", "heaptrack", "apt-get install heaptrack", 3, 0},
    {Tool::Perf, "perf", "perf", "apt-get install linux-perf", 1, 2.0},
    {Tool::Nsys, "nsys", "nsys", "NVIDIA Nsight Systems (CUDA toolkit)", 20, 0},
    {Tool::Ncu, "ncu", "ncu", "NVIDIA Nsight Compute (CUDA toolkit)", 1, 0},
};

const ToolInfo& tool_info(const std::string& name) {
    for (const auto& t : kTools)
        if (name == t.name) return t;
    throw Error("--tool " + name + ": not a profiler skbench drives (callgrind, heaptrack, perf, nsys, ncu)");
}

std::string quoted(const std::string& word) {  // for printing a command a user can paste into a shell
    static const std::regex plain(R"([A-Za-z0-9_./:=@,+-]+)");
    if (std::regex_match(word, plain)) return word;
    std::string q = "'";
    for (char ch : word) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return q + "'";
}

std::string shell_line(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& w : argv) line += (line.empty() ? "" : " ") + quoted(w);
    return line;
}

std::optional<std::string> on_path(const std::string& program) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return std::nullopt;
}

std::string self_executable() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw InternalError("cannot read /proc/self/exe: " + ec.message());
    return self.string();
}

// Runs argv with stdout and stderr into `log` (appended); returns the exit status (128 + signal when killed).
int run_logged(const std::vector<std::string>& argv, const fs::path& log, const std::vector<std::string>& env_extra = {}) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_text(env_extra);
    for (char** e = environ; *e; ++e) env_text.emplace_back(*e);
    std::vector<char*> env;
    for (auto& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw Error("cannot start " + argv[0] + ": " + std::strerror(rc));
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) throw InternalError("waitpid: " + std::string(std::strerror(errno)));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A command's standard output (stderr dropped, or merged into it: perf stat writes its counts there), for the
// tools' own report printers.
std::string output_of(const std::vector<std::string>& argv, bool with_stderr = false) {
    std::string command = shell_line(argv) + (with_stderr ? " 2>&1" : " 2>/dev/null");
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        std::array<char, 4096> buf{};
        std::size_t n = 0;
        while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
        ::pclose(p);
    }
    return out;
}

std::string last_lines(const fs::path& file, int count) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::string out;
    for (std::size_t i = lines.size() > static_cast<std::size_t>(count) ? lines.size() - count : 0; i < lines.size(); ++i)
        out += "  " + lines[i] + "\n";
    return out;
}

// "ns::f(int, std::vector<int>) const" -> "ns::f": parameter lists make the summaries' lines too long to read.
std::string without_parameters(std::string name) {
    while (!name.empty() && name.back() == ' ') name.pop_back();
    if (name.size() > 6 && name.compare(name.size() - 6, 6, " const") == 0) name.erase(name.size() - 6);
    if (name.empty() || name.back() != ')') return name;
    int depth = 0;
    for (std::size_t i = name.size(); i-- > 0;) {
        if (name[i] == ')') ++depth;
        else if (name[i] == '(' && --depth == 0) return name.substr(0, i);
    }
    return name;
}

std::string relative_to_source(std::string file) {
    const std::string root = std::string(build_info::kSourceDir) + "/";
    if (file.rfind(root, 0) == 0) file.erase(0, root.size());
    return file;
}

std::string si(double v, const char* unit) {  // 12.3 M, 4.56 G
    const char* prefixes[] = {"", " k", " M", " G", " T"};
    int i = 0;
    while (std::abs(v) >= 1000 && i < 4) v /= 1000, ++i;
    char text[64];
    std::snprintf(text, sizeof text, "%.3g%s%s", v, prefixes[i], unit);
    return text;
}

// ---- callgrind ----

struct LineCost {
    std::uint64_t cost = 0;
    std::string function;
};

// Self cost per source line from a callgrind output file (positions: line; one event, Ir). Name compression
// ("fn=(3) name", later "fn=(3)"), relative positions (+n, -n, *) and call lines (their cost is the callee's,
// inclusive, so not this line's own) as valgrind's format documents them.
std::map<std::string, LineCost> callgrind_line_costs(const fs::path& file) {
    std::ifstream in(file);
    std::map<std::string, std::string> names;  // "fl:3" -> name
    const auto resolve = [&](const std::string& kind, const std::string& rest) {
        static const std::regex compressed(R"(\((\d+)\)\s*(.*))");
        std::smatch m;
        if (!std::regex_match(rest, m, compressed)) return rest;
        const std::string key = kind + ":" + m[1].str();
        if (!m[2].str().empty()) names[key] = m[2].str();
        return names[key];
    };
    std::map<std::string, LineCost> costs;
    std::string file_name, inline_file, function;
    long line = 0;
    bool skip_next_cost = false;
    for (std::string text; std::getline(in, text);) {
        if (text.empty()) continue;
        const auto eq = text.find('=');
        if (std::isalpha(static_cast<unsigned char>(text[0])) && eq != std::string::npos && eq <= 5) {
            const std::string key = text.substr(0, eq), rest = text.substr(eq + 1);
            if (key == "fl") file_name = resolve("fl", rest), inline_file.clear();
            else if (key == "fi" || key == "fe") inline_file = resolve("fl", rest);
            else if (key == "fn") function = resolve("fn", rest), inline_file.clear();
            else if (key == "cfi" || key == "cfl") resolve("fl", rest);
            else if (key == "cfn") resolve("fn", rest);
            else if (key == "ob" || key == "cob") resolve("ob", rest);
            else if (key == "calls") skip_next_cost = true;
            continue;
        }
        const char first = text[0];
        if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '+' || first == '-' || first == '*')) continue;
        std::istringstream fields(text);
        std::string position;
        std::uint64_t cost = 0;
        fields >> position >> cost;
        if (position == "*") {
        } else if (position[0] == '+' || position[0] == '-') line += std::stol(position);
        else line = std::stol(position);
        if (skip_next_cost) {
            skip_next_cost = false;
            continue;
        }
        const std::string where = (inline_file.empty() ? file_name : inline_file) + ":" + std::to_string(line);
        LineCost& c = costs[where];
        c.cost += cost;
        if (c.function.empty()) c.function = function;
    }
    return costs;
}

std::uint64_t callgrind_total(const fs::path& file) {
    std::ifstream in(file);
    static const std::regex total(R"((?:summary|totals):\s+(\d+).*)");
    for (std::string text; std::getline(in, text);) {
        std::smatch m;
        if (std::regex_match(text, m, total)) return std::stoull(m[1].str());
    }
    return 0;
}

std::string summarize_callgrind(const fs::path& out_file, const json& facts) {
    std::ostringstream s;
    const double calls = facts.at("calls").get<double>(), pixels = facts.at("pixels").get<double>();
    const auto total = static_cast<double>(callgrind_total(out_file));
    s << "instructions in the profiled calls: " << si(total, "") << " (" << si(total / calls, "") << " per call, "
      << std::fixed;
    s.precision(2);
    s << total / calls / pixels << " per pixel)\n";
    s.unsetf(std::ios::floatfield);
    s << "top functions (self instructions):\n";
    const std::string annotate = output_of({"callgrind_annotate", "--inclusive=no", "--auto=no", "--threshold=99", out_file.string()});
    static const std::regex row(R"(\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.+))");
    int shown = 0;
    std::istringstream lines(annotate);
    bool past_header = false;
    for (std::string text; std::getline(lines, text) && shown < 8;) {
        if (text.find("file:function") != std::string::npos) past_header = true;
        std::smatch m;
        if (!past_header || !std::regex_match(text, m, row)) continue;
        std::string where = m[3].str();
        if (const auto bracket = where.rfind(" ["); bracket != std::string::npos) where.erase(bracket);
        char pct[16];
        std::snprintf(pct, sizeof pct, "%5.1f%%", std::stod(m[2].str()));
        s << "  " << pct << "  " << relative_to_source(without_parameters(where)) << "\n";
        ++shown;
    }
    const auto costs = callgrind_line_costs(out_file);
    std::vector<std::pair<std::string, LineCost>> sorted(costs.begin(), costs.end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second.cost > b.second.cost; });
    const bool have_lines = std::any_of(sorted.begin(), sorted.end(), [](const auto& e) {
        return e.first.rfind("???", 0) != 0 && e.second.cost > 0;
    });
    if (!have_lines) {
        s << "top lines: none (the binary has no line tables; build with -g1)\n";
    } else {
        s << "top lines (self instructions):\n";
        shown = 0;
        for (const auto& [where, c] : sorted) {
            if (shown == 8 || total <= 0) break;
            char pct[16];
            std::snprintf(pct, sizeof pct, "%5.1f%%", 100.0 * static_cast<double>(c.cost) / total);
            s << "  " << pct << "  " << relative_to_source(where) << "  (" << without_parameters(c.function) << ")\n";
            ++shown;
        }
    }
    return s.str();
}

// ---- heaptrack ----

std::optional<fs::path> newest_with_prefix(const fs::path& dir, const std::string& prefix) {
    std::optional<fs::path> found;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().rfind(prefix, 0) == 0) found = e.path();
    return found;
}

std::string summarize_heaptrack(const fs::path& data, const json& facts) {
    std::ostringstream s;
    const std::string report = output_of({"heaptrack_print", "--file", data.string(), "--print-peaks=1",
                                          "--peak-limit=5", "--print-allocators=0", "--print-temporary=0",
                                          "--print-leaks=0", "--merge-backtraces=0"});
    static const std::regex peak_line(R"(peak heap memory consumption:\s*(\S+).*)");
    static const std::regex entry(R"((\S+) peak memory consumed over (\d+) calls from.*)");
    static const std::regex frame_at(R"(\s{4}at (.+):(\d+))");
    // Each peak site as its first frames inside the source tree, innermost first ("Array <- to_float_array <- ...").
    struct Site {
        std::string bytes, calls;
        std::vector<std::string> frames;
    };
    std::vector<Site> sites;
    std::string peak = "?", function;
    bool in_peaks = false;
    const std::string root = std::string(build_info::kSourceDir) + "/";
    std::istringstream lines(report);
    for (std::string text; std::getline(lines, text);) {
        std::smatch m;
        if (std::regex_match(text, m, peak_line)) peak = m[1].str();
        if (text.find("PEAK MEMORY CONSUMERS") != std::string::npos) in_peaks = true;
        else if (!text.empty() && text[0] != ' ' && !std::regex_match(text, m, entry)) in_peaks = false;
        if (!in_peaks) continue;
        if (std::regex_match(text, m, entry)) {
            if (sites.size() == 5) break;
            sites.push_back({m[1].str(), m[2].str(), {}});
        } else if (text.rfind("  ", 0) == 0 && text.rfind("    ", 0) != 0) {
            function = without_parameters(text.substr(2));
            if (const auto lambda = function.find("::{lambda"); lambda != std::string::npos)
                function = function.substr(0, function.find('<') < lambda ? function.find('<') : lambda) + "::{lambda}";
        } else if (std::regex_match(text, m, frame_at) && !sites.empty() && m[1].str().rfind(root, 0) == 0 &&
                   sites.back().frames.size() < 3) {
            sites.back().frames.push_back(function + " (" + relative_to_source(m[1].str()) + ":" + m[2].str() + ")");
        }
    }
    const json& audit = facts.at("audit");
    s << "heap peak of the whole process (heaptrack): " << peak << "B\n"
      << "allocation audit of one call (input included): " << si(audit.at("peak_bytes").get<double>(), "B") << " peak, "
      << audit.at("allocations").get<double>() << " allocations, " << si(audit.at("f64_bytes").get<double>(), "B")
      << " float64\n"
      << "(heaptrack cannot be switched on and off: its peak also holds the case's input and the ref answer kept to "
         "verify it)\n"
      << "top peak allocation sites:\n";
    for (const auto& site : sites) {
        s << "  " << site.bytes << "B over " << site.calls << " allocation" << (site.calls == "1" ? "" : "s") << ":";
        for (std::size_t i = 0; i < site.frames.size(); ++i) s << (i ? " <- " : " ") << site.frames[i];
        s << "\n";
    }
    if (sites.empty()) s << "  (heaptrack_print listed none)\n";
    return s.str();
}

// ---- perf ----

// perf stat says "<not supported>" for cycles where the machine (a VM, usually) exposes no PMU.
bool machine_has_pmu() {
    const std::string out = output_of({"perf", "stat", "-x", ",", "-e", "cycles:u", "--", "true"}, true);
    return out.find("cycles") != std::string::npos && out.find("<not supported>") == std::string::npos &&
           out.find("<not counted>") == std::string::npos;
}

std::string summarize_perf(const fs::path& data, const std::string& event) {
    std::ostringstream s;
    const std::string report = output_of({"perf", "report", "-i", data.string(), "--stdio", "--no-children", "-q",
                                          "-g", "none", "--sort", "dso,sym", "-F", "overhead,sample,dso,sym",
                                          "--percent-limit", "0.5"});
    static const std::regex row(R"(\s*([\d.]+)%\s+(\d+)\s+(\S+)\s+\[(.)\]\s+(.+))");
    std::vector<std::pair<double, std::string>> rows;  // percent, text
    double samples = 0;
    std::istringstream lines(report);
    for (std::string text; std::getline(lines, text);) {
        std::smatch m;
        if (!std::regex_match(text, m, row)) continue;
        samples += std::stod(m[2].str());
        char pct[16];
        std::snprintf(pct, sizeof pct, "%5.1f%%", std::stod(m[1].str()));
        rows.emplace_back(std::stod(m[1].str()),
                          "  " + std::string(pct) + "  " + without_parameters(m[5].str()) + "  [" + m[3].str() + "]");
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (rows.size() > 10) rows.resize(10);
    s << "samples of " << event << " in the profiled calls: " << samples << " (symbols over 0.5%)\n"
      << "top symbols:\n";
    for (const auto& r : rows) s << r.second << "\n";
    if (rows.empty()) s << "  (perf report listed none)\n";
    return s.str();
}

// ---- the command ----

// The workload part of a case name names an op or a named workload (for cases this machine cannot list: cuda).
bool names_known_workload(const std::string& case_name) {
    const std::string workload = case_name.substr(0, case_name.find('/'));
    const std::string op = workload.substr(0, workload.find(':'));
    return bench::find_named_workload(workload) || Registry::instance().find_spec(op) != nullptr;
}

std::string case_hint(const std::string& name) {
    const std::string workload = name.substr(0, name.find('/')) + "/";
    std::string hint;
    int n = 0;
    for (const auto& c : all_cases())
        if (c.name().rfind(workload, 0) == 0 && n++ < 3) hint += (hint.empty() ? "" : ", ") + c.name();
    return hint.empty() ? "" : "; for example " + hint;
}

}  // namespace

CLI::App* add_profile_command(CLI::App& app, ProfileArgs& args) {
    auto* cmd = app.add_subcommand(
        "profile",
        "run one benchmark case under a profiler (callgrind, heaptrack, perf; nsys, ncu on a GPU machine), its output\n"
        "verified against ref first, and print a summary. Exit: 0 profiled, 1 the case's output is wrong, 2 bad\n"
        "input, 3 the tool failed, 4 the tool cannot run here (the command to run where it can is printed)");
    cmd->add_option("case", args.case_name, "a case as skbench bench --list names it, e.g. "
                                            "color.rgb2gray/opt/256x256/f32/threads:1")
        ->required();
    cmd->add_option("--tool", args.tool, "callgrind, heaptrack, perf, nsys or ncu")->required();
    cmd->add_option("--out", args.out, "directory for the tool's files and summary.txt")->capture_default_str();
    cmd->add_option("--calls", args.calls,
                    "op calls to profile (default per tool: callgrind 1, heaptrack 3, perf 2 s worth, nsys 20, ncu 1)")
        ->check(CLI::PositiveNumber);
    return cmd;
}

CLI::App* add_profile_target_command(CLI::App& app, ProfileTargetArgs& args) {
    auto* cmd = app.add_subcommand("profile-target", "what skbench profile runs under the tool");
    cmd->group("");  // hidden from --help: users run skbench profile
    cmd->add_option("case", args.case_name)->required();
    cmd->add_option("--facts", args.facts)->required();
    cmd->add_option("--calls", args.calls)->check(CLI::PositiveNumber);
    cmd->add_option("--min-seconds", args.min_seconds)->check(CLI::NonNegativeNumber);
    return cmd;
}

int run_profile_target(const ProfileTargetArgs& args) {
    const bench::Case* c = bench::find_case(all_cases(), args.case_name);
    if (!c) throw Error("no benchmark case '" + args.case_name + "'");
    const bench::CaseRunner runner(*c);
    const auto check = runner.audit_and_verify();  // also the warm-up call: first touches, pools, caches
    json facts = {{"case", c->name()}, {"verified", check.error.empty()}, {"error", check.error}};
    if (!check.error.empty()) {
        write_file_atomic(args.facts, facts.dump(1));
        std::fprintf(stderr, "skbench profile-target: %s: %s\n", c->name().c_str(), check.error.c_str());
        return kExitMismatch;
    }
    std::int64_t calls = args.calls;
    if (args.min_seconds > 0) {  // size the run from one timed call
        const auto start = std::chrono::steady_clock::now();
        runner.call();
        const double one = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        calls = std::max<std::int64_t>(calls, static_cast<std::int64_t>(args.min_seconds / std::max(one, 1e-6)));
    }
    const auto start = std::chrono::steady_clock::now();
    skb_profiled_calls(&runner, calls);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto [bytes, flops] = runner.work_per_call();
    facts.update({{"calls", calls},
                  {"pixels", c->pixels()},
                  {"threads", c->threads},
                  {"seconds", seconds},
                  {"bytes_per_call", bytes},
                  {"flops_per_call", flops},
                  {"opt_target", build_info::kOptTargetFlags},
                  {"audit", {{"peak_bytes", check.peak_bytes}, {"allocations", check.allocations},
                             {"f64_bytes", check.f64_bytes}}}});
    write_file_atomic(args.facts, facts.dump(1));
    return 0;
}

int run_profile(const ProfileArgs& args) {
    const ToolInfo& tool = tool_info(args.tool);
    const bool gpu_tool = tool.tool == Tool::Nsys || tool.tool == Tool::Ncu;
    const bench::Case* c = bench::find_case(all_cases(), args.case_name);
    const std::string* cuda_missing = Registry::instance().unavailable_reason("cuda");
    const bool cuda_case_elsewhere = !c && cuda_missing && args.case_name.find("/cuda/") != std::string::npos &&
                                     names_known_workload(args.case_name);
    if (!c && !cuda_case_elsewhere)
        throw Error("no benchmark case '" + args.case_name + "' (skbench bench --list names them" +
                    case_hint(args.case_name) + ")");

    const fs::path out = fs::absolute(args.out);
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw Error("--out " + args.out + ": " + ec.message());
    const fs::path facts_file = out / "facts.json", log = out / "tool.log";
    fs::remove(facts_file, ec);
    fs::remove(log, ec);

    std::vector<std::string> notes;
    std::string binary = self_executable();
    // valgrind decodes no AVX-512: the release tree's skbench_portable has the same ops with opt built portably.
    if (tool.tool == Tool::Callgrind && *build_info::kOptTargetFlags != '\0' && __builtin_cpu_supports("avx512f")) {
        const fs::path portable = fs::path(binary).parent_path() / "skbench_portable";
        if (::access(portable.c_str(), X_OK) != 0)
            throw Error("valgrind cannot run this build's opt code (-march=native on an AVX-512 CPU) and " +
                        portable.string() + " is missing (cmake --build --preset release --target skbench_portable)");
        binary = portable.string();
        notes.push_back("valgrind cannot run this build's AVX-512 opt code: profiling skbench_portable (the same "
                        "ops, opt compiled without -march=native)");
    }
    const int calls = args.calls > 0 ? args.calls : tool.default_calls;
    std::vector<std::string> target = {binary, "profile-target", args.case_name, "--facts", facts_file.string(),
                                       "--calls", std::to_string(calls)};
    if (args.calls == 0 && tool.min_seconds > 0)
        target.insert(target.end(), {"--min-seconds", si(tool.min_seconds, "")});

    std::vector<std::string> command, env;
    std::string perf_event;
    std::vector<std::string> follow_up;  // the report step, printed with the command where the tool cannot run
    const fs::path ctl = out / "perf.ctl", ack = out / "perf.ack";
    switch (tool.tool) {
        case Tool::Callgrind:
            command = {"valgrind", "--tool=callgrind", "--toggle-collect=skb_profiled_calls",
                       "--callgrind-out-file=" + (out / "callgrind.out").string()};
            break;
        case Tool::Heaptrack:
            command = {"heaptrack", "-o", (out / "heaptrack.skbench").string()};
            break;
        case Tool::Perf:
            perf_event = on_path("perf") && machine_has_pmu() ? "cycles:u" : "cpu-clock";
            if (perf_event == "cpu-clock")
                notes.push_back("this machine exposes no hardware counters (a VM): perf samples the software "
                                "cpu-clock, so time and not cycles");
            command = {"perf", "record", "-e", perf_event, "-F", "2999", "-D", "-1",
                       "--control=fifo:" + ctl.string() + "," + ack.string(), "-o", (out / "perf.data").string(),
                       "--"};
            env.push_back(std::string(kPerfControlEnv) + "=" + ctl.string() + ":" + ack.string());
            break;
        case Tool::Nsys:
            command = {"nsys", "profile", "--trace=cuda,nvtx", "--capture-range=nvtx",
                       std::string("--nvtx-capture=") + kNvtxRange + "@skbench", "--capture-range-end=stop",
                       "--force-overwrite=true", "--output=" + (out / "nsys").string()};
            follow_up = {"nsys", "stats", "--report", "cuda_gpu_kern_sum", (out / "nsys.nsys-rep").string()};
            break;
        case Tool::Ncu:
            command = {"ncu", "--nvtx", "--nvtx-include", std::string("skbench@") + kNvtxRange + "/",
                       "--force-overwrite", "--export", (out / "ncu").string()};
            follow_up = {"ncu", "--import", (out / "ncu.ncu-rep").string(), "--print-summary", "per-kernel"};
            break;
    }
    command.insert(command.end(), target.begin(), target.end());

    const auto print_elsewhere = [&](const std::string& why) {
        std::printf("skbench profile: %s\nrun there:\n  %s\n", why.c_str(), shell_line(command).c_str());
        if (!follow_up.empty()) std::printf("  %s\n", shell_line(follow_up).c_str());
        return kExitUnavailable;
    };
    if (gpu_tool && (cuda_missing || !c))
        return print_elsewhere(std::string(tool.name) + " needs a CUDA device and this machine has none" +
                               (cuda_missing ? " (" + *cuda_missing + ")" : "") + "; on a machine with one");
    if (cuda_case_elsewhere) return print_elsewhere("this case runs on the cuda backend, which is not available here");
    if (!on_path(tool.program))
        return print_elsewhere(std::string(tool.program) + " is not installed (" + tool.package + "); after installing it");
    if (gpu_tool && c->backend != "cuda")
        notes.push_back(std::string(tool.name) + " on a " + c->backend + " case: no kernels to see (use a cuda case)");

    if (tool.tool == Tool::Perf) {
        fs::remove(ctl, ec), fs::remove(ack, ec);
        if (::mkfifo(ctl.c_str(), 0600) != 0 || ::mkfifo(ack.c_str(), 0600) != 0)
            throw Error("cannot make perf's control fifos in " + out.string() + ": " + std::strerror(errno));
    }
    for (const auto& n : notes) std::fprintf(stderr, "skbench profile: note: %s\n", n.c_str());
    std::fprintf(stderr, "skbench profile: %s (tool output: %s)\n", shell_line(command).c_str(), log.c_str());
    const int status = run_logged(command, log, env);
    if (tool.tool == Tool::Perf) fs::remove(ctl, ec), fs::remove(ack, ec);

    json facts;
    try {
        std::ifstream in(facts_file);
        facts = json::parse(in);
    } catch (const json::exception&) {
        std::fprintf(stderr, "skbench profile: %s exited %d before the case ran; its last lines (%s):\n%s", tool.name,
                     status, log.c_str(), last_lines(log, 12).c_str());
        return kExitToolFailed;
    }
    if (!facts.value("verified", false)) {
        std::fprintf(stderr, "skbench profile: %s: not profiled: %s\n",
                     args.case_name.c_str(), facts.value("error", std::string("?")).c_str());
        return kExitMismatch;
    }
    if (status != 0) {
        std::fprintf(stderr, "skbench profile: %s exited %d; its last lines (%s):\n%s", tool.name, status, log.c_str(),
                     last_lines(log, 12).c_str());
        return kExitToolFailed;
    }

    std::ostringstream summary;
    summary << "skbench profile " << args.case_name << " --tool " << tool.name << "\n"
            << facts.at("calls").get<std::int64_t>() << " calls verified against ref first; "
            << facts.at("pixels").get<std::int64_t>() << " pixels a call; spec: " << si(facts.at("bytes_per_call").get<double>(), "B")
            << " and " << si(facts.at("flops_per_call").get<double>(), "FLOP") << " a call"
            << (facts.value("opt_target", std::string()).empty() ? "; opt compiled portably" : "") << "\n";
    for (const auto& n : notes) summary << "note: " << n << "\n";
    switch (tool.tool) {
        case Tool::Callgrind: summary << summarize_callgrind(out / "callgrind.out", facts); break;
        case Tool::Heaptrack: {
            const auto data = newest_with_prefix(out, "heaptrack.skbench");
            if (!data) throw Error("heaptrack wrote no data file in " + out.string());
            summary << summarize_heaptrack(*data, facts);
            break;
        }
        case Tool::Perf: summary << summarize_perf(out / "perf.data", perf_event); break;
        case Tool::Nsys:
        case Tool::Ncu: summary << output_of(follow_up); break;
    }
    summary << "files: " << out.string() << "\n";
    write_file_atomic((out / "summary.txt").string(), summary.str());
    std::printf("%s", summary.str().c_str());
    return 0;
}

}  // namespace skb::cli

extern "C" void skb_profiled_calls(const skb::bench::CaseRunner* runner, std::int64_t calls) {
    const skb::cli::PerfWindow perf;
    SKB_NVTX_RANGE(skb::cli::kNvtxRange);
    for (std::int64_t i = 0; i < calls; ++i) runner->call();
}
