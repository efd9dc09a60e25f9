// The benchmark suite: which cases exist (op x backend x shape x dtype x threads, plus named workloads), how one
// case is set up, verified and timed under Google Benchmark, and the machine facts recorded with the results.
#pragma once
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "skb/array.hpp"
#include "skb/case_key.hpp"
#include "skb/op_spec.hpp"
#include "skb/registry.hpp"

namespace skb::bench {

struct Step {
    std::string op;
    ParamTexts params;  // a value "@k" is step k's scalar result (threshold_otsu's t as numpy.greater's x2)
    // Its image: the previous step's output (kPrevious), the workload's input (kInput) or step k's output.
    std::size_t image = StepWiring::kPrevious;
    std::vector<std::pair<std::string, std::size_t>> extras = {};  // extra inputs: earlier steps' outputs by name
};
inline constexpr std::size_t kInput = StepWiring::kPipelineInput;

// What is computed: one op with its parameters, or a pipeline of ops (seed workloads).
struct Workload {
    std::string name;  // "filters.gaussian", "seed.gaussian3d", "morphology.erosion:footprint=cube:10"
    std::vector<Step> steps;
    SyntheticInput input = SyntheticInput::Smooth;
    // Host glue after the last step, one code for every backend (the coins pipeline's area filter on its table,
    // a few thousand regions); timed with the steps. nullptr: none.
    Array (*finish)(const Array& last_output) = nullptr;
    // The input image when it is the workload's own (the coins image), deterministic for a shape; nullptr: the
    // synthetic image of kind `input`.
    Array (*make_input)(const Shape& shape) = nullptr;
};

// The named workload `name` (seed pipelines and targets: skbench list --workloads), or nullptr.
const Workload* find_named_workload(std::string_view name);

// Runs a workload on `backend` (untimed preparation included): what `skbench run <workload>` does.
Array run_workload(const Workload& w, const std::string& backend, const OpInputs& inputs, const RunOptions& options);

struct Case {
    Workload workload;
    std::string backend;
    Shape shape;  // the input's full shape (rgb: with the trailing 3)
    DType dtype = DType::F32;
    int threads = 1;

    std::string shape_text() const;  // spatial extents, "4096x4096"
    CaseKey key() const;             // its name and group (skb/case_key.hpp)
    std::string group() const { return key().group(); }
    std::string name() const { return key().name(); }
    std::int64_t pixels() const;     // spatial elements
    int ndim() const;                // spatial axes (rgb's channel axis is not one)
};

struct SuiteOptions {
    bool quick = false;  // fewer sizes: 256^2, 1024^2, 64^3 and the seed workloads
    int max_threads = 0; // thread axis 1..max_threads for CPU-parallel backends (0: hardware threads)
    bool with_emulator = false;  // also cuda-emu: its byte and transfer counters are real, its times are not a GPU's
};

// Every case, grouped (cases of one group are adjacent, groups in a stable order).
std::vector<Case> suite(const SuiteOptions& options);

// The dtype the case's last step returns (its ops prepared on the case's input, not run).
DType output_dtype(const Case& c);

// The case's synthetic inputs: the image and, for an op with required extra inputs, one synthetic array per such
// input (the spec's bench_input kind, its first accepted dtype). The two most recently used stay cached.
const InputArrays& case_inputs(const Case& c);

// Registers `cases` with Google Benchmark (wall-clock timing, process CPU time). Each case builds its input and
// verifies its output against the ref backend before its timed loop; a wrong output fails the case.
void register_benchmarks(const std::vector<Case>& cases);

// The case named `name` in `cases` (Case::name), or nullptr.
const Case* find_case(const std::vector<Case>& cases, std::string_view name);

// One case set up outside Google Benchmark (skbench profile): its inputs built and its steps prepared once, then
// the same audited verification and the same call as the benchmark's loop.
class CaseRunner {
public:
    explicit CaseRunner(const Case& c);  // `c` must outlive the runner
    struct Check {
        std::string error;  // empty: the output matched the ref backend's (or this is ref)
        double peak_bytes = 0, f64_bytes = 0, allocations = 0;  // the allocation audit of that call
    };
    Check audit_and_verify() const;  // one audited call, checked against ref's answer
    void call() const;               // one call, its output dropped (what the benchmark's loop times)
    std::pair<double, double> work_per_call() const;  // the specs' bytes and FLOP of one call

private:
    const Case& case_;
    OpInputs input_;
    std::vector<PreparedOp> steps_;
};

// Keeps what Google Benchmark reports, for callers that run cases in process.
class RunCollector : public benchmark::BenchmarkReporter {
public:
    bool ReportContext(const Context&) override { return true; }
    void ReportRuns(const std::vector<Run>& runs) override { runs_.insert(runs_.end(), runs.begin(), runs.end()); }
    std::vector<Run> take() { return std::exchange(runs_, {}); }

private:
    std::vector<Run> runs_;
};

// Machine and build facts for the results' context block.
struct MachineContext {
    std::string cpu_model;
    int hardware_threads = 0;
    double stream_triad_bytes_per_second = 0;  // measured once, all hardware threads
    // The roofline's other roofs (skb/machine_probes.hpp), measured with the bandwidth: 0 when not measured.
    double peak_flops_per_second = 0;          // float32 multiply-add chains, all hardware threads
    std::int64_t llc_bytes = 0;                // last-level cache size (0: unknown)
    double cache_bandwidth_bytes_per_second = 0;  // triad over half the last-level cache, all hardware threads
    std::string compiler, cxx_flags, build_type, git_sha, gpu;
    bool timings_are_results() const;  // false for Debug and sanitizer builds
};
MachineContext machine_context(bool measure_bandwidth);
// Measures the machine's roofs into `m`: STREAM triad, peak FLOP/s, last-level cache size and bandwidth (~1 s).
void measure_roofs(MachineContext& m);
// STREAM-like triad a = b + s*c over arrays far larger than the caches, best of several passes.
double stream_triad_bandwidth(int threads);

// Sets the bandwidth used for the bw_fraction counter (0: not reported).
void set_reference_bandwidth(double bytes_per_second);

}  // namespace skb::bench
