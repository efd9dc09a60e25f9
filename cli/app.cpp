// skbench's command line (skbench_main, cli/app.hpp): list ops and backends, run one op on a .npy file, verify
// backends against scikit-image's goldens, benchmark them side by side with the peers, gate and report.
// Exit codes: 0 success; 1 verification found mismatches (verify, compare, bench) or a regression (gate); 2 bad
// input or usage (one line on stderr); 3 internal error; 4 infrastructure problem (gate: no usable baseline).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <functional>
#include <map>
#include <optional>
#include <regex>

#include "app.hpp"
#include "bench_command.hpp"
#include "gate_command.hpp"
#include "history_command.hpp"
#include "profile_command.hpp"
#include "report_command.hpp"
#include "results_table.hpp"
#include "skb/audit.hpp"
#include "skb/files.hpp"
#include "skb/golden.hpp"
#include "skb/npy.hpp"
#include "skb/registry.hpp"
#include "skb/registry_json.hpp"
#include "suite.hpp"

namespace {

constexpr int kExitMismatch = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 3;

int list_ops_json() {
    std::printf("%s\n", skb::registry_json().dump(1).c_str());
    return 0;
}

int list_ops(bool show_params) {
    const auto& registry = skb::Registry::instance();
    std::size_t width = 2;
    for (const auto& id : registry.op_ids()) width = std::max(width, id.size());
    const int op_column = static_cast<int>(width);
    std::vector<std::string> footnotes;  // "op on backends: reason", numbered from 1 in the order they appear
    std::printf("%-*s", op_column, "op");
    for (const auto& b : skb::known_backends()) std::printf(" %-9s", b.name.c_str());
    std::printf(" summary\n");
    for (const auto& id : registry.op_ids()) {
        const skb::OpSpec& spec = registry.spec(id);
        std::printf("%-*s", op_column, id.c_str());
        for (const auto& b : skb::known_backends()) {
            std::string cell = skb::availability(id, b.name);
            if (const std::string* why = registry.declined_reason(id, b.name)) {
                std::string backends;
                for (const auto& other : skb::known_backends())
                    if (registry.declined_reason(id, other.name) == why)
                        backends += (backends.empty() ? "" : ", ") + other.name;
                const std::string note = id + " on " + backends + ": " + *why;
                auto it = std::find(footnotes.begin(), footnotes.end(), note);
                if (it == footnotes.end()) it = footnotes.insert(it, note);
                cell += "(" + std::to_string(it - footnotes.begin() + 1) + ")";
            }
            std::printf(" %-9s", cell.c_str());
        }
        std::printf(" %s%s\n", spec.test_only ? "(test-only) " : "", spec.summary.c_str());
        if (!show_params) continue;
        for (const auto& e : spec.extra_inputs)
            std::printf("      input %s%s  %s\n", e.name.c_str(), e.optional ? " (optional)" : "", e.help.c_str());
        std::map<int, std::vector<std::string>> outputs = spec.output_names_by_ndim;
        if (!spec.output_names.empty()) outputs[0] = spec.output_names;
        for (const auto& [ndim, output_names] : outputs) {
            std::string names;
            for (const auto& n : output_names) names += (names.empty() ? "" : ", ") + n;
            std::printf("      outputs%s, stacked along a new first axis: %s\n",
                        ndim > 0 ? (" of a " + std::to_string(ndim) + "-d image").c_str() : "", names.c_str());
        }
        for (const auto& p : spec.params)
            std::printf("      %s=%s  %s\n", p.name.c_str(), p.default_value.empty() ? "None" : p.default_value.c_str(),
                        p.help.c_str());
    }
    std::printf("(- : not implemented; (n): not implemented, for the reason below; no device: built, but this machine "
                "has no CUDA device)\n");
    for (std::size_t i = 0; i < footnotes.size(); ++i) std::printf("(%zu) %s\n", i + 1, footnotes[i].c_str());
    return 0;
}

void print_scalar(const skb::Array& a) {
    skb::visit_dtype(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T v = *a.data<T>();
        if constexpr (std::is_floating_point_v<T>) std::printf("%.*g\n", sizeof(T) == 4 ? 9 : 17, static_cast<double>(v));
        else std::printf("%lld\n", static_cast<long long>(v));
    });
}

struct RunArgs {
    std::string op, backend = "ref", out, audit;
    std::vector<std::string> inputs, params;
    int threads = 0, repeat = 1;
};

// The arrays named by --in: `path` or `image=path` is the image, `name=path` an extra input by scikit-image's
// parameter name (watershed's markers=m.npy).
skb::InputArrays load_inputs(const std::vector<std::string>& texts) {
    static const std::regex named(R"(([A-Za-z_][A-Za-z0-9_]*)=(.+))");
    skb::InputArrays loaded;
    bool have_image = false;
    for (const auto& text : texts) {
        std::smatch m;
        const bool is_named = std::regex_match(text, m, named);
        const std::string name = is_named ? m[1].str() : "image";
        const std::string path = is_named ? m[2].str() : text;
        if (name == "image") {
            if (have_image) throw skb::Error("--in " + text + ": the image is given twice");
            loaded.image = skb::npy::load(path);
            have_image = true;
            continue;
        }
        for (const auto& [other, array] : loaded.extras)
            if (other == name) throw skb::Error("--in " + text + ": input '" + name + "' is given twice");
        loaded.extras.emplace_back(name, skb::npy::load(path));
    }
    if (!have_image) throw skb::Error("--in: no image given (--in image.npy, then extra inputs as name=path)");
    return loaded;
}

// --param name=value texts; a name given twice is an error.
skb::ParamTexts param_texts(const std::vector<std::string>& texts) {
    skb::ParamTexts params;
    for (const auto& text : texts) {
        auto [name, value] = skb::split_param_text(text);
        if (!params.emplace(name, value).second) throw skb::Error("parameter '" + name + "' given twice");
    }
    return params;
}

int run_one(const RunArgs& args) {
    const skb::ParamTexts params = param_texts(args.params);
    const skb::InputArrays loaded = load_inputs(args.inputs);
    const skb::OpInputs input = loaded.view();
    const skb::RunOptions options{args.threads};
    // An op, prepared once; or a named workload (seed.coins_regions), whose steps are prepared in each run.
    std::function<skb::Array()> call;
    std::optional<skb::PreparedOp> op;
    if (const skb::bench::Workload* w = skb::bench::find_named_workload(args.op)) {
        if (!params.empty())
            throw skb::Error(args.op + ": a named workload takes no --param (its steps' parameters are fixed)");
        call = [&, w] { return skb::bench::run_workload(*w, args.backend, input, options); };
    } else {
        op.emplace(args.op, args.backend, skb::InputMetas(input), params);
        call = [&] { return op->run(input, options); };
    }
    skb::Array result;
    std::vector<double> seconds;
    const skb::audit::Snapshot before = skb::audit::snapshot();  // peak since the process started
    skb::audit::reset_peak();
    for (int i = 0; i < args.repeat; ++i) {  // --repeat: a steady loop for perf, heaptrack, nsys to attach to
        result = skb::Array();  // freed first, as a caller's loop would: the allocator hands its pages back
        const auto start = std::chrono::steady_clock::now();
        result = call();
        seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    const skb::audit::Snapshot during = skb::audit::snapshot();
    skb::npy::save(args.out, result);
    if (!args.audit.empty()) {
        std::int64_t f64 = during.allocated_bytes(skb::DType::F64);
        const nlohmann::json audit = {
            {"op", args.op}, {"backend", args.backend}, {"threads", args.threads}, {"repeat", args.repeat},
            {"input_bytes", input.nbytes()}, {"output_bytes", result.nbytes()},
            {"output_dtype", std::string(skb::dtype_name(result.dtype()))},
            {"op_peak_bytes", during.peak_bytes},          // live audited bytes at the op's peak (input included)
            {"process_peak_bytes", std::max(before.peak_bytes, during.peak_bytes)},
            {"op_f64_bytes", f64}, {"op_allocations", during.allocations},
            // float64 working bytes the op's spec declares, per call (canny); 0 for ops that declare none
            {"f64_work_allowed", op ? skb::float64_work_allowance(op->spec(), op->inputs().image) : 0.0}};
        skb::write_file_atomic(args.audit, audit.dump(1));
    }
    if (result.ndim() == 0) print_scalar(result);
    if (args.repeat > 1) {
        std::sort(seconds.begin(), seconds.end());
        std::fprintf(stderr, "%s/%s: %d runs, min %.3f ms, median %.3f ms\n", args.op.c_str(), args.backend.c_str(),
                     args.repeat, seconds.front() * 1e3, seconds[seconds.size() / 2] * 1e3);
    }
    return 0;
}

struct CompareArgs {
    std::string op, backend = "ref", actual, expected;
    std::vector<std::string> inputs, params;
};

// Holds one result file to scikit-image's output under the tolerance table; the input and parameters tell
// which dtype the backend must have produced.
int compare_files(const CompareArgs& args) {
    const skb::InputArrays loaded = load_inputs(args.inputs);
    const skb::PreparedOp op(args.op, args.backend, skb::InputMetas(loaded.view()), param_texts(args.params));
    const auto outcome = skb::golden::check_result(args.op, args.backend, skb::npy::load(args.actual),
                                                   skb::npy::load(args.expected), op.output().dtype);
    const bool pass = outcome.status == skb::golden::Status::Pass;
    std::printf("%s %s/%s: %s\n", pass ? "PASS" : "FAIL", args.op.c_str(), args.backend.c_str(), outcome.detail.c_str());
    return pass ? 0 : kExitMismatch;
}

int print_table_of(const std::string& path, bool markdown, const std::string& filter) {
    std::ifstream in(path);
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
        const auto& ctx = doc.at("context");
        std::printf("%s: %s, %d cores, STREAM triad %.1f GB/s, %s %s, %s build, git %s; peers %s\n\n",
                    ctx.value("date", "?").c_str(), ctx.value("cpu_model", "?").c_str(), ctx.value("num_cpus", 0),
                    ctx.value("stream_triad_GBps", 0.0), ctx.value("compiler", "?").c_str(),
                    ctx.value("cxx_flags", "").c_str(), ctx.value("build_type", "?").c_str(),
                    ctx.value("git_sha", "?").c_str(), ctx.value("peers", nlohmann::json::object()).dump().c_str());
        skb::cli::print_results_table(doc, markdown, filter);
    } catch (const nlohmann::json::exception& e) {
        throw skb::Error(path + " is not a skbench results file: " + e.what());
    }
    return 0;
}

struct VerifyArgs {
    std::string golden_dir = SKB_DEFAULT_GOLDEN_DIR;
    std::vector<std::string> backends;
    std::string op_regex = ".*";
    bool verbose = false;
};

// Checks every (golden case, backend) pair and prints an op x backend table of passed/total.
int verify(const VerifyArgs& args) {
    const auto& registry = skb::Registry::instance();
    std::vector<std::string> backends = args.backends;
    if (backends.empty())
        for (const auto& b : skb::known_backends()) backends.push_back(b.name);
    for (const auto& b : backends) skb::backend_info(b);
    std::regex op_filter;
    try {
        op_filter = std::regex(args.op_regex);
    } catch (const std::regex_error&) {
        throw skb::Error("--op '" + args.op_regex + "' is not a valid regular expression");
    }
    const auto manifest = skb::golden::load_manifest(args.golden_dir);
    struct Tally { int passed = 0, total = 0; };
    std::map<std::string, std::map<std::string, Tally>> table;
    int failures = 0, checked = 0;
    for (const auto& c : manifest.cases) {
        if (!std::regex_search(c.op, op_filter)) continue;
        for (const auto& b : backends) {
            if (!registry.find_impl(c.op, b)) continue;
            const auto outcome = skb::golden::check_case(c, b);
            Tally& t = table[c.op][b];
            ++t.total;
            ++checked;
            if (outcome.status == skb::golden::Status::Pass) ++t.passed;
            else ++failures;
            if (outcome.status == skb::golden::Status::Fail || args.verbose)
                std::fprintf(stderr, "%s %s/%s: %s\n", outcome.status == skb::golden::Status::Pass ? "PASS" : "FAIL",
                             c.id.c_str(), b.c_str(), outcome.detail.c_str());
        }
    }
    std::printf("golden cases from scikit-image %s in %s\n\n", manifest.skimage_version.c_str(),
                args.golden_dir.c_str());
    std::printf("%-28s", "op");
    for (const auto& b : backends) std::printf(" %-12s", b.c_str());
    std::printf("\n");
    for (const auto& id : registry.op_ids()) {
        if (!std::regex_search(id, op_filter)) continue;
        std::printf("%-28s", id.c_str());
        for (const auto& b : backends) {
            const auto it = table[id].find(b);
            std::string cell = !registry.find_impl(id, b) ? skb::availability(id, b)
                               : it == table[id].end()    ? "no cases"
                                                          : std::to_string(it->second.passed) + "/" +
                                                             std::to_string(it->second.total) +
                                                             (it->second.passed == it->second.total ? " ok" : " FAIL");
            std::printf(" %-12s", cell.c_str());
        }
        std::printf("\n");
    }
    std::printf("\n%d checks, %d passed, %d failed (- : backend not implemented; no device: built, no CUDA device here)\n",
                checked, checked - failures,
                failures);
    return failures ? kExitMismatch : 0;
}

}  // namespace

int skbench_main(int argc, char** argv) {
    CLI::App app{"skbench: scikit-image operations reimplemented (ref float64, opt float32 CPU, cuda) and checked\n"
                 "against scikit-image's own outputs.\n"
                 "Exit codes: 0 success, 1 verification mismatches or gate regressions, 2 bad input or usage, 3 internal\nerror, 4 gate: no usable baseline; profile: the tool cannot run here."};
    app.set_version_flag("--version", std::string("skbench ") + SKB_VERSION);
    app.require_subcommand(1);

    bool show_params = false, list_json = false;
    auto* list = app.add_subcommand("list", "list ops and the backends that implement them");
    list->add_flag("--params", show_params, "also list each op's inputs, outputs, parameters and defaults");
    list->add_flag("--json", list_json,
                   "everything as JSON: ops (backends, dtypes, extra inputs, outputs, parameters) and backend traits");

    RunArgs run_args;
    auto* run =
        app.add_subcommand("run", "run one op (or a seed pipeline) on a .npy file and write the result as .npy");
    run->add_option("op", run_args.op,
                    "op id, e.g. filters.gaussian (skbench list), or a seed pipeline: seed.coins_regions")
        ->required();
    run->add_option("--backend", run_args.backend, "ref, opt, cuda or cuda-emu")->capture_default_str();
    run->add_option("--in", run_args.inputs,
                    "input .npy: the image, then any extra input as name=path with scikit-image's parameter name "
                    "(--in image.npy --in markers=markers.npy)")
        ->required();
    run->add_option("--out", run_args.out,
                    "output .npy (scalar results: a 0-d array, also printed; several outputs: stacked along a new "
                    "first axis, in the order skbench list --params names them)")
        ->required();
    run->add_option("--param", run_args.params,
                    "name=value with scikit-image's names: sigma=0.6,3.2 mode=wrap preserve_range=true "
                    "footprint=disk:2 (repeatable)");
    run->add_option("--threads", run_args.threads, "threads for parallel backends (0: all)")->check(CLI::NonNegativeNumber);
    run->add_option("--audit", run_args.audit,
                    "also write the allocation audit of the run as JSON (peak bytes, float64 bytes, allocations)");
    run->add_option("--repeat", run_args.repeat, "run N times and report min/median time (for profilers)")
        ->check(CLI::PositiveNumber);

    VerifyArgs verify_args;
    auto* verify_cmd = app.add_subcommand("verify", "check every backend against the golden outputs; print op x backend");
    verify_cmd->add_option("--golden", verify_args.golden_dir, "golden data directory")->capture_default_str();
    verify_cmd->add_option("--backend", verify_args.backends, "only these backends (repeatable)");
    verify_cmd->add_option("--op", verify_args.op_regex,
                           "only ops whose id this regular expression finds (gaussian, ^morphology\\., "
                           "'canny|sobel'; ^...$ for one id)");
    verify_cmd->add_flag("--verbose", verify_args.verbose, "print every case, not only failures");

    CompareArgs compare_args;
    auto* compare = app.add_subcommand("compare", "check a result .npy against scikit-image's, with the tolerance table");
    compare->add_option("actual", compare_args.actual, "result .npy (e.g. from skbench run)")->required();
    compare->add_option("expected", compare_args.expected, "scikit-image's result .npy")->required();
    compare->add_option("--op", compare_args.op, "the op that produced them (selects the tolerance)")->required();
    compare->add_option("--backend", compare_args.backend, "the backend that produced `actual`")->capture_default_str();
    compare->add_option("--in", compare_args.inputs, "the inputs both were computed from (as for run)")->required();
    compare->add_option("--param", compare_args.params, "the parameters they were computed with (name=value)");

    std::string table_results, table_filter;
    bool table_markdown = false;
    auto* table = app.add_subcommand("table", "print the side-by-side table of a results JSON from skbench bench");
    table->add_option("results", table_results, "results JSON")->required()->check(CLI::ExistingFile);
    table->add_flag("--markdown", table_markdown, "as a Markdown table (for the README)");
    table->add_option("--filter", table_filter, "only cases whose name matches this regular expression");

    skb::cli::BenchArgs bench_args;
    auto* bench = skb::cli::add_bench_command(app, bench_args);
    skb::cli::RecordArgs record_args;
    auto* record = skb::cli::add_record_command(app, record_args);
    skb::cli::GateArgs gate_args;
    auto* gate = skb::cli::add_gate_command(app, gate_args);
    skb::cli::ReportArgs report_args;
    auto* report = skb::cli::add_report_command(app, report_args);
    skb::cli::HistoryArgs history_args;
    auto* history = skb::cli::add_history_command(app, history_args);
    skb::cli::ProfileArgs profile_args;
    auto* profile = skb::cli::add_profile_command(app, profile_args);
    skb::cli::ProfileTargetArgs profile_target_args;
    auto* profile_target = skb::cli::add_profile_target_command(app, profile_target_args);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "skbench: error: %s (see skbench --help)\n", e.what());
        return kExitBadInput;
    }
    try {
        if (*list) return list_json ? list_ops_json() : list_ops(show_params);
        if (*run) return run_one(run_args);
        if (*verify_cmd) return verify(verify_args);
        if (*compare) return compare_files(compare_args);
        if (*bench) return skb::cli::run_bench(bench_args);
        if (*table) return print_table_of(table_results, table_markdown, table_filter);
        if (*record) return skb::cli::run_record(record_args);
        if (*gate) return skb::cli::run_gate_command(gate_args);
        if (*report) return skb::cli::run_report(report_args);
        if (*history) return skb::cli::run_history(history_args);
        if (*profile) return skb::cli::run_profile(profile_args);
        if (*profile_target) return skb::cli::run_profile_target(profile_target_args);
    } catch (const skb::Error& e) {
        std::fprintf(stderr, "skbench: error: %s\n", e.what());
        return kExitBadInput;
    } catch (const skb::InternalError& e) {
        std::fprintf(stderr, "skbench: internal error (a bug in skbench, please report it): %s\n", e.what());
        return kExitInternal;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "skbench: internal error: %s\n", e.what());
        return kExitInternal;
    }
    return kExitInternal;
}
