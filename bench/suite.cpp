#include "suite.hpp"

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "seed_inputs.hpp"
#include "skb/audit.hpp"
#include "skb/build_info.hpp"
#include "skb/golden.hpp"
#include "skb/machine_probes.hpp"
#include "skb/synthetic.hpp"
#include "skb/transfer_stats.hpp"

namespace skb::bench {
namespace {

// Named workloads beyond the per-op size sweep: the seed documents' cases and the opt backend's targets
// (issue 4). quick: part of the quick suite.
struct NamedWorkload {
    Workload workload;
    Shape spatial;
    DType dtype;
    bool quick;
};

const ParamTexts kRetinaFilterParams = {{"sigmas", "2"}, {"mode", "reflect"}, {"black_ridges", "true"}};

const std::vector<NamedWorkload>& named_workloads() {
    static const std::vector<NamedWorkload> table = {
        // The 2017 Dask notebook: a 50x1104x1104 float32 volume smoothed with sigma=3.
        {{"seed.gaussian3d", {{"filters.gaussian", {{"sigma", "3"}}}}, SyntheticInput::Smooth},
         {50, 1104, 1104}, DType::F32, true},
        {{"seed.gaussian_sobel", {{"filters.gaussian", {{"sigma", "1"}}}, {"filters.sobel", {}}}, SyntheticInput::Smooth},
         {4096, 4096}, DType::F32, true},
        // Issue 5's device-resident pipeline: on cuda, one H2D (the image) and one D2H (the threshold).
        {{"pipeline.gaussian_sobel_otsu",
          {{"filters.gaussian", {{"sigma", "1"}}}, {"filters.sobel", {}}, {"filters.threshold_otsu", {}}},
          SyntheticInput::Smooth},
         {2048, 2048}, DType::F32, false},
        {{"filters.gaussian:sigma=2", {{"filters.gaussian", {{"sigma", "2"}}}}, SyntheticInput::Smooth},
         {4096, 4096}, DType::F32, false},
        {{"morphology.binary_closing:footprint=square:3",
          {{"morphology.binary_closing", {{"footprint", "square:3"}}}}, SyntheticInput::Blobs},
         {4096, 4096}, DType::Bool, false},
        {{"morphology.erosion:footprint=cube:10", {{"morphology.erosion", {{"footprint", "cube:10"}}}},
          SyntheticInput::Smooth},
         {100, 256, 256}, DType::U8, false},
        // Issue 15's median targets: disk:5 of a 4096^2 uint8 image (against scikit-image), the 3x3x3 cube of the
        // tomography volume (against scipy.ndimage.median_filter); the 3x3 box is the op's default sweep.
        {{"filters.median:footprint=disk:5", {{"filters.median", {{"footprint", "disk:5"}}}}, SyntheticInput::Smooth},
         {4096, 4096}, DType::U8, false},
        {{"filters.median:footprint=cube:3", {{"filters.median", {{"footprint", "cube:3"}}}}, SyntheticInput::Smooth},
         {128, 512, 512}, DType::F32, false},
        // Issue 14: label + regionprops_table against cv2.connectedComponentsWithStats (one call).
        {{"pipeline.label_regionprops",
          {{"measure.label", {}}, {"measure.regionprops_table", {{"properties", "label,area,bbox,centroid"}}}},
          SyntheticInput::Blobs},
         {4096, 4096}, DType::Bool, false},
        // Issue 14: the seed's coins pipeline, glue included (numpy.greater bound to Otsu's t; the area filter).
        {{"seed.coins_regions",
          {{"filters.threshold_otsu", {}},
           {"numpy.greater", {{"x2", "@0"}}, kInput},
           {"morphology.binary_closing", {{"footprint", "square:3"}}},
           {"segmentation.clear_border", {}},
           {"measure.label", {}},
           {"measure.regionprops_table", {{"properties", "label,area,bbox,centroid"}}}},
          SyntheticInput::Smooth, keep_regions_of_area_at_least_100, coins_image},
         {4096, 4096}, DType::U8, false},
        // Issue 15: the seed's tomography pipeline. t = otsu(vol); objects = vol > t; med = median(vol, cube 3);
        // t2 = otsu(med[objects]); liquid = med > t2; cores = binary_erosion(binary_fill_holes(objects), cube 10);
        // then each labelled core's volume and liquid fraction (regionprops_table with liquid as intensity).
        {{"seed.tomography",
          {{"filters.threshold_otsu", {}},
           {"numpy.greater", {{"x2", "@0"}}, kInput},
           {"filters.median", {{"footprint", "cube:3"}}, kInput},
           {"numpy.extract", {}, StepWiring::kPrevious, {{"condition", 1}}},
           {"filters.threshold_otsu", {}},
           {"numpy.greater", {{"x2", "@4"}}, 2},
           {"ndimage.binary_fill_holes", {}, 1},
           {"morphology.binary_erosion", {{"footprint", "cube:10"}}},
           {"measure.label", {}},
           {"measure.regionprops_table", {{"properties", "label,area,intensity_mean"}}, StepWiring::kPrevious,
            {{"intensity_image", 5}}}},
          SyntheticInput::Smooth, nullptr, tomography_volume},
         {128, 512, 512}, DType::F32, false},
        // Issue 16: the cuCIM seed's retina (003): rgb2gray, then meijering, sato, frangi and hessian of the gray image,
        // each with sigmas [2], reflect, black ridges. The answer is the last filter's; every filter is timed.
        {{"seed.retina_vesselness",
          {{"color.rgb2gray", {}},
           {"filters.meijering", kRetinaFilterParams},
           {"filters.sato", kRetinaFilterParams, 0},
           {"filters.frangi", kRetinaFilterParams, 0},
           {"filters.hessian", kRetinaFilterParams, 0}},
          SyntheticInput::Rgb, nullptr, retina_image},
         {1011, 1011, 3}, DType::U8, false},
        // Issue 16's eigensolve target: 3-D eigenvalues of a 128x256x256 float32 Hessian (six stacked elements) at
        // >= 50% of STREAM.
        {{"feature.hessian_matrix_eigvals", {{"feature.hessian_matrix_eigvals", {}}}, SyntheticInput::SymmetricStack},
         {6, 128, 256, 256}, DType::F32, false},
        // Issue 16: bright tubes in a volume (microscopy, angiography), frangi over sigmas 1, 2, 3.
        {{"seed.vessels3d", {{"filters.frangi", {{"sigmas", "1,2,3"}, {"black_ridges", "false"}}}},
          SyntheticInput::Smooth, nullptr, tube_volume},
         {128, 256, 256}, DType::F32, false},
    };
    return table;
}

// The size sweep of images (1-d arrays, which some ops also take, are left to the named workloads that make them).
std::vector<std::int64_t> sweep_extents(int ndim, bool quick) {
    if (ndim == 2) return quick ? std::vector<std::int64_t>{256, 1024} : std::vector<std::int64_t>{256, 1024, 4096};
    return quick ? std::vector<std::int64_t>{64} : std::vector<std::int64_t>{64, 128, 256};
}

int hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

// Backends that implement every step of a workload.
std::vector<std::string> backends_for(const Workload& w, bool with_emulator) {
    std::vector<std::string> result;
    for (const auto& b : known_backends()) {
        // The emulator's timings mean nothing; conformance checks it, and the gate reads its transfer counters.
        if (!b.timings_meaningful && !with_emulator) continue;
        bool all = true;
        for (const auto& s : w.steps) all = all && Registry::instance().find_impl(s.op, b.name);
        if (all) result.push_back(b.name);
    }
    return result;
}

void add_group(std::vector<Case>& out, const Workload& w, const Shape& shape, DType dtype, int max_threads,
               bool with_emulator) {
    for (const auto& backend : backends_for(w, with_emulator)) {
        const int top = backend_info(backend).cpu_parallel ? max_threads : 1;
        for (int t = 1; t <= top; ++t) out.push_back(Case{w, backend, shape, dtype, t});
    }
}

// A few most-recent values by key: inputs and reference outputs are reused by adjacent cases of a group
// without keeping the whole suite's arrays alive.
template <class Value> class RecentCache {
public:
    template <class Make> const Value& get(const std::string& key, Make&& make) {
        for (auto& [k, v] : entries_)
            if (k == key) return v;
        if (entries_.size() == 2) entries_.pop_front();
        entries_.emplace_back(key, make());
        return entries_.back().second;
    }

private:
    std::deque<std::pair<std::string, Value>> entries_;
};

// What the first step reads: the case's image and the required extra inputs of its op (the call with
// scikit-image's defaults leaves the optional ones out).
InputMetas case_input_metas(const Case& c) {
    return default_input_metas(Registry::instance().spec(c.workload.steps.front().op), ArrayMeta{c.dtype, c.shape});
}

// Step k of a pipeline when a parameter's text is "@k" (its value is that step's scalar result).
std::optional<std::size_t> bound_step(const std::string& text) {
    if (text.size() < 2 || text[0] != '@') return std::nullopt;
    return static_cast<std::size_t>(std::stoul(text.substr(1)));
}

// How the steps are wired (core's StepWiring): empty for a straight chain, each step reading the previous output.
std::vector<StepWiring> wiring_of(const Workload& w) {
    std::vector<StepWiring> wiring(w.steps.size());
    bool chain = true;
    for (std::size_t i = 0; i < w.steps.size(); ++i) {
        if (i > 0) {
            wiring[i].image = w.steps[i].image;
            wiring[i].extras = w.steps[i].extras;
        }
        for (const auto& [name, text] : w.steps[i].params)
            if (const auto k = bound_step(text)) wiring[i].bound.emplace_back(name, *k);
        chain = chain && wiring[i].image == StepWiring::kPrevious && wiring[i].extras.empty() && wiring[i].bound.empty();
    }
    if (chain) wiring.clear();
    return wiring;
}

// Prepared with a bound parameter's placeholder ("0"): run_steps prepares that step again with the value.
std::vector<PreparedOp> prepare_workload(const Workload& w, const std::string& backend, const InputMetas& first) {
    std::vector<PreparedOp> steps;
    const auto output_of = [&](std::size_t k) { return k == kInput ? first.image : steps.at(k).output(); };
    for (std::size_t i = 0; i < w.steps.size(); ++i) {
        const Step& s = w.steps[i];
        ParamTexts params = s.params;
        for (auto& [name, text] : params)
            if (bound_step(text)) text = "0";
        InputMetas metas = first;
        if (i > 0) {
            metas = InputMetas(output_of(s.image == StepWiring::kPrevious ? i - 1 : s.image));
            for (const auto& [name, k] : s.extras) metas.extras.emplace(name, output_of(k));
        }
        steps.emplace_back(s.op, backend, metas, params);
    }
    return steps;
}

std::vector<PreparedOp> prepare_steps(const Case& c, const std::string& backend) {
    return prepare_workload(c.workload, backend, case_input_metas(c));
}

Array run_steps(const Workload& w, const std::vector<PreparedOp>& steps, const OpInputs& inputs,
                const RunOptions& options) {
    Array last = steps.size() == 1 ? steps.front().run(inputs, options)
                                   : run_pipeline(steps, wiring_of(w), inputs, options);
    if (w.finish) return w.finish(last);
    return last;
}

// Bytes moved and FLOP done by one call, by the specs' cost models: a lower bound when a step reads a
// data-dependent array (counted as none).
std::pair<double, double> spec_work(const std::vector<PreparedOp>& steps) {
    double bytes = 0, flops = 0;
    for (const auto& s : steps) {
        const ArrayMeta& in_meta = s.inputs().image;
        if (has_data_dependent_extent(in_meta)) continue;  // seed.tomography's Otsu of med[objects]
        const double elements = static_cast<double>(element_count(in_meta.shape));
        bytes += s.spec().bytes_per_element(in_meta, s.params(), s.backend().precision) * elements;
        flops += s.spec().flops_per_element(in_meta, s.params()) * elements;
    }
    return {bytes, flops};
}

// Peak resident memory during a call, from the kernel's high-water mark (reset through /proc/self/clear_refs).
// -1 where the kernel does not allow it.
class RssPeak {
public:
    RssPeak() {
        std::ofstream clear("/proc/self/clear_refs");
        clear << "5";
        clear.flush();
        ok_ = static_cast<bool>(clear);
        baseline_ = read_kb("VmHWM:");
    }
    double delta_bytes() const { return ok_ && baseline_ >= 0 ? (read_kb("VmHWM:") - baseline_) * 1024.0 : -1; }

private:
    static double read_kb(const std::string& key) {
        std::ifstream status("/proc/self/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind(key, 0) == 0) return std::stod(line.substr(key.size()));
        return -1;
    }
    bool ok_ = false;
    double baseline_ = -1;
};

struct Audited {
    std::string error;  // empty: verified
    double peak_bytes = 0, f64_bytes = 0, allocations = 0, rss_delta_bytes = -1;
    double f64_result_bytes = 0;  // the result's bytes when the op returns float64 by its spec (regionprops_table)
    double f64_work_allowed = 0;  // float64 working bytes the op's spec declares and bounds (canny)
    gpu::TransferStats transfers;  // one call's host<->device traffic (GPU backends)
};

double reference_bandwidth = 0;

// One untimed, audited run of the case, checked against the ref backend's answer on the same input.
Audited audit_and_verify(const Case& c, const std::vector<PreparedOp>& steps, const OpInputs& input) {
    static RecentCache<Array> reference_outputs;
    Audited a;
    const std::int64_t live_before = audit::snapshot().current_bytes;
    audit::reset_peak();
    gpu::reset_transfer_stats();
    const RssPeak rss;
    Array output = run_steps(c.workload, steps, input, RunOptions{c.threads});
    const auto snap = audit::snapshot();
    a.transfers = gpu::transfer_stats();
    a.rss_delta_bytes = rss.delta_bytes();
    // Peak bytes live because of this call, counting the input (allocated before the window opened).
    a.peak_bytes = static_cast<double>(snap.peak_bytes - live_before + static_cast<std::int64_t>(input.nbytes()));
    a.f64_bytes = static_cast<double>(snap.allocated_bytes(DType::F64));
    if (output.dtype() == DType::F64) a.f64_result_bytes = static_cast<double>(output.nbytes());
    a.f64_work_allowed = float64_work_allowance(steps.front().spec(), steps.front().inputs().image);
    a.allocations = static_cast<double>(snap.allocations);
    if (!backend_info(c.backend).is_reference) {  // ref itself is held to scikit-image by the conformance suite
        const Array& expected = reference_outputs.get(c.group(), [&] {
            return run_steps(c.workload, prepare_steps(c, reference_backend().name), input, RunOptions{1});
        });
        const auto outcome = golden::check_result(c.workload.steps.back().op, c.backend, output, expected,
                                                  steps.back().output().dtype);
        if (outcome.status != golden::Status::Pass) a.error = "output differs from ref: " + outcome.detail;
    }
    return a;
}

// The pinned-memory side of a GPU case: the same calls with the input page-locked in place (cudaHostRegister),
// timed by hand right after Google Benchmark's pageable loop (the same machine state), `iterations` of them.
// Outputs come back into fresh pageable arrays either way (the op allocates them). Zeroes when the backend has no
// host pinning.
struct PinnedSide {
    double ms_per_call = 0, transfer_ms_per_call = 0;
    std::int64_t h2d_pinned_bytes_per_call = 0;
};
PinnedSide time_with_pinned_input(const Case& c, const std::vector<PreparedOp>& steps,
                                  const OpInputs& input, const RunOptions& options, std::int64_t iterations) {
    const gpu::HostPinning* pinning = gpu::find_host_pinning(c.backend);
    if (!pinning || iterations <= 0 || input.image().nbytes() == 0) return {};
    auto* host = const_cast<void*>(input.image().raw());  // page-locking does not change the bytes (the image only)
    pinning->pin(host, input.image().nbytes());
    struct Unpin {
        const gpu::HostPinning* pinning;
        void* p;
        ~Unpin() { pinning->unpin(p); }
    } unpin{pinning, host};
    gpu::reset_transfer_stats();
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < iterations; ++i) {
        Array output = run_steps(c.workload, steps, input, options);
        benchmark::DoNotOptimize(output.raw());
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const gpu::TransferStats t = gpu::transfer_stats();
    const auto n = static_cast<double>(iterations);
    return {ms / n, (t.h2d_ms + t.d2h_ms) / n, t.h2d_pinned_bytes / iterations};
}

// Minor page faults of the whole process so far (every thread): first touches of fresh memory.
double minor_page_faults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_minflt);
}

// The output-reuse side of a CPU case: the same calls writing into one output buffer kept across calls (out=),
// timed by hand right after Google Benchmark's fresh-output loop, `iterations` of them. Zeroes when the result is
// a scalar or the backend makes its own arrays (ref: only opt writes into the caller's buffer).
struct ReusedSide {
    double ms_per_call = 0, page_faults_per_call = 0;
};
ReusedSide time_with_reused_output(const Case& c, const std::vector<PreparedOp>& steps, const OpInputs& input,
                                   const RunOptions& options, std::int64_t iterations) {
    const ArrayMeta& meta = steps.back().output();
    if (iterations <= 0 || meta.shape.empty() || has_data_dependent_extent(meta)) return {};
    Array buffer(meta.dtype, meta.shape);
    RunOptions reuse = options;
    reuse.output = &buffer;
    if (!run_steps(c.workload, steps, input, reuse).borrowed()) return {};  // (this call also touches the buffer's pages)
    const double faults = minor_page_faults();
    const auto start = std::chrono::steady_clock::now();
    for (std::int64_t i = 0; i < iterations; ++i) {
        Array output = run_steps(c.workload, steps, input, reuse);
        benchmark::DoNotOptimize(output.raw());
        benchmark::ClobberMemory();
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto n = static_cast<double>(iterations);
    return {ms / n, (minor_page_faults() - faults) / n};
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

void run_case(benchmark::State& state, const Case& c) {
    // Setup (never timed): input, prepared ops, and the audited verification run, once per case.
    static std::map<std::string, Audited> audited;
    const OpInputs input = case_inputs(c).view();  // built once, outside the timed loop
    const auto steps = prepare_steps(c, c.backend);
    auto it = audited.find(c.name());
    if (it == audited.end()) it = audited.emplace(c.name(), audit_and_verify(c, steps, input)).first;
    const Audited& a = it->second;
    if (!a.error.empty()) {
        state.SkipWithError(a.error.c_str());
        return;
    }
    const RunOptions options{c.threads};
    gpu::reset_transfer_stats();
    const auto wall_start = std::chrono::steady_clock::now();
    const double cpu_start = process_cpu_seconds();
    const double faults_start = minor_page_faults();
    for (auto _ : state) {
        Array output = run_steps(c.workload, steps, input, options);
        benchmark::DoNotOptimize(output.raw());
        benchmark::ClobberMemory();
    }
    const double cpu = process_cpu_seconds() - cpu_start;
    const double faults = minor_page_faults() - faults_start;
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const gpu::TransferStats timed = gpu::transfer_stats();

    const auto [bytes, flops] = spec_work(steps);
    const auto iterations = static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes * iterations));
    state.SetItemsProcessed(static_cast<std::int64_t>(c.pixels() * iterations));  // pixels per second
    state.counters["bytes_per_call"] = bytes;
    state.counters["flops_per_call"] = flops;
    state.counters["threads"] = c.threads;
    state.counters["cpu_util"] = wall > 0 ? cpu / (wall * c.threads) : 0;
    if (reference_bandwidth > 0 && wall > 0) state.counters["bw_fraction"] = bytes * iterations / wall / reference_bandwidth;
    state.counters["peak_bytes"] = a.peak_bytes;
    state.counters["f64_bytes"] = a.f64_bytes;
    state.counters["f64_result_bytes"] = a.f64_result_bytes;
    if (a.f64_work_allowed > 0) state.counters["f64_work_allowed"] = a.f64_work_allowed;
    state.counters["allocations"] = a.allocations;
    if (a.rss_delta_bytes >= 0) state.counters["rss_peak_delta_bytes"] = a.rss_delta_bytes;
    state.counters["page_faults"] = iterations > 0 ? faults / iterations : 0;  // per call, fresh outputs
    if (!backend_info(c.backend).on_device) {
        // The output-memory axis: fresh outputs above (what a plain call pays), one reused buffer here (out=).
        const ReusedSide reused = time_with_reused_output(c, steps, input, options, state.iterations());
        if (reused.ms_per_call > 0) {
            state.counters["reused_ms"] = reused.ms_per_call;
            state.counters["reused_page_faults"] = reused.page_faults_per_call;
            if (reference_bandwidth > 0) state.counters["reused_bw_fraction"] = bytes / (reused.ms_per_call * 1e-3) / reference_bandwidth;
        }
    }
    if (backend_info(c.backend).on_device) {
        // Per call: the traffic (deterministic, from the audited run) and where the time went (the timed loop:
        // CUDA events on a GPU; the emulator's clock otherwise). Real time itself is end to end.
        state.counters["h2d_bytes"] = static_cast<double>(a.transfers.h2d_bytes);
        state.counters["h2d_calls"] = static_cast<double>(a.transfers.h2d_calls);
        state.counters["d2h_bytes"] = static_cast<double>(a.transfers.d2h_bytes);
        state.counters["d2h_calls"] = static_cast<double>(a.transfers.d2h_calls);
        state.counters["kernel_calls"] = static_cast<double>(a.transfers.kernel_calls);
        // The runtime's fixed costs: host waits per call (the audited call), and device allocations per call once
        // the pool holds the case's memory (the timed loop, which follows the audited call).
        state.counters["syncs"] = static_cast<double>(a.transfers.syncs);
        state.counters["device_allocations"] =
            iterations > 0 ? static_cast<double>(timed.device_allocations) / iterations : 0;
        const double per_call_ms = iterations > 0 ? 1e3 * wall / iterations : 0;
        const double kernel_ms = iterations > 0 ? timed.kernel_ms / iterations : 0;
        const double transfer_ms = iterations > 0 ? (timed.h2d_ms + timed.d2h_ms) / iterations : 0;
        state.counters["kernel_ms"] = kernel_ms;
        state.counters["transfer_ms"] = transfer_ms;
        state.counters["transfer_fraction"] = per_call_ms > 0 ? transfer_ms / per_call_ms : 0;
        state.counters["h2d_pinned_bytes"] = static_cast<double>(timed.h2d_pinned_bytes) / std::max(iterations, 1.0);
        // The host-memory axis: pageable above, pinned input here (same iterations, right after).
        const PinnedSide pinned = time_with_pinned_input(c, steps, input, options, state.iterations());
        if (pinned.ms_per_call > 0) {
            state.counters["pinned_ms"] = pinned.ms_per_call;
            state.counters["pinned_transfer_ms"] = pinned.transfer_ms_per_call;
            state.counters["pinned_h2d_bytes"] = static_cast<double>(pinned.h2d_pinned_bytes_per_call);
        }
    }
}

std::string first_line_of(const char* command) {
    std::string out;
    if (FILE* p = ::popen(command, "r")) {
        std::array<char, 256> buf{};
        if (std::fgets(buf.data(), buf.size(), p)) out = buf.data();
        ::pclose(p);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace

DType output_dtype(const Case& c) { return prepare_steps(c, c.backend).back().output().dtype; }

const InputArrays& case_inputs(const Case& c) {
    static RecentCache<InputArrays> inputs;
    const InputMetas metas = case_input_metas(c);
    const std::string kind = c.workload.make_input ? c.workload.name : std::string(synthetic_input_name(c.workload.input));
    std::string key = kind + "/" + shape_string(c.shape) + "/" +
                      std::string(dtype_name(c.dtype));
    for (const auto& [name, meta] : metas.extras) key += "/" + name + ":" + std::string(dtype_name(meta.dtype));
    return inputs.get(key, [&] {
        if (c.workload.make_input) return InputArrays{c.workload.make_input(c.shape), {}};
        return synthetic_inputs(Registry::instance().spec(c.workload.steps.front().op), c.workload.input, metas);
    });
}

const Workload* find_named_workload(std::string_view name) {
    for (const auto& n : named_workloads())
        if (n.workload.name == name) return &n.workload;
    return nullptr;
}

Array run_workload(const Workload& w, const std::string& backend, const OpInputs& inputs, const RunOptions& options) {
    return run_steps(w, prepare_workload(w, backend, InputMetas(inputs)), inputs, options);
}

namespace {

// A case's spatial axes: its input's shape without RGB's trailing channel axis or a symmetric stack's leading one.
Shape spatial_shape(const Case& c) {
    if (c.workload.input == SyntheticInput::Rgb) return Shape(c.shape.begin(), c.shape.end() - 1);
    if (c.workload.input == SyntheticInput::SymmetricStack) return Shape(c.shape.begin() + 1, c.shape.end());
    return c.shape;
}

}  // namespace

std::string Case::shape_text() const { return shape_string(spatial_shape(*this)); }

std::int64_t Case::pixels() const { return element_count(spatial_shape(*this)); }

int Case::ndim() const { return static_cast<int>(spatial_shape(*this).size()); }

CaseKey Case::key() const {
    return {workload.name, backend, shape_text(), std::string(dtype_tag(dtype)), threads};
}

std::vector<Case> suite(const SuiteOptions& options) {
    const int max_threads = options.max_threads > 0 ? options.max_threads : hardware_threads();
    std::vector<Case> cases;
    const auto& registry = Registry::instance();
    for (const auto& id : registry.op_ids()) {
        const OpSpec& spec = registry.spec(id);
        const Workload w{id, {{id, spec.bench.params}}, spec.bench.input};
        for (int ndim : spec.spatial_ndims)
            for (std::int64_t extent : ndim > 1 ? sweep_extents(ndim, options.quick) : std::vector<std::int64_t>{})
                for (DType dtype : spec.bench.dtypes) {
                    const Shape shape = image_shape_for(spec, Shape(ndim, extent));
                    add_group(cases, w, shape, dtype, max_threads, options.with_emulator);
                }
    }
    for (const auto& n : named_workloads())
        if (n.quick || !options.quick)
            add_group(cases, n.workload, n.spatial, n.dtype, max_threads, options.with_emulator);
    return cases;
}

const Case* find_case(const std::vector<Case>& cases, std::string_view name) {
    for (const auto& c : cases)
        if (c.name() == name) return &c;
    return nullptr;
}

CaseRunner::CaseRunner(const Case& c)
    : case_(c), input_(case_inputs(c).view()), steps_(prepare_steps(c, c.backend)) {}

CaseRunner::Check CaseRunner::audit_and_verify() const {
    const Audited a = bench::audit_and_verify(case_, steps_, input_);
    return {a.error, a.peak_bytes, a.f64_bytes, a.allocations};
}

void CaseRunner::call() const {
    Array output = run_steps(case_.workload, steps_, input_, RunOptions{case_.threads});
    benchmark::DoNotOptimize(output.raw());
}

std::pair<double, double> CaseRunner::work_per_call() const { return spec_work(steps_); }

void register_benchmarks(const std::vector<Case>& cases) {
    for (const auto& c : cases)
        benchmark::RegisterBenchmark(c.name().c_str(), [c](benchmark::State& state) { run_case(state, c); })
            ->UseRealTime()
            ->MeasureProcessCPUTime()
            ->Unit(benchmark::kMillisecond);
}

void set_reference_bandwidth(double bytes_per_second) { reference_bandwidth = bytes_per_second; }

double stream_triad_bandwidth(int threads) {
    constexpr std::size_t n = std::size_t{1} << 24;  // 3 arrays of 128 MiB: far beyond any cache here
    std::vector<double> a(n), b(n, 1.0), c(n, 2.0);
    double best = 0;
    for (int pass = 0; pass < 6; ++pass) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t)
            workers.emplace_back([&, t] {
                const std::size_t lo = n * t / threads, hi = n * (t + 1) / threads;
                for (std::size_t i = lo; i < hi; ++i) a[i] = b[i] + 3.0 * c[i];
            });
        for (auto& w : workers) w.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (pass > 0) best = std::max(best, 3.0 * sizeof(double) * n / seconds);  // pass 0 faults the pages in
    }
    benchmark::DoNotOptimize(a.data());
    return best;
}

void measure_roofs(MachineContext& m) {
    m.stream_triad_bytes_per_second = stream_triad_bandwidth(m.hardware_threads);
    m.peak_flops_per_second = probes::peak_flops_per_second(m.hardware_threads);
    m.llc_bytes = probes::last_level_cache_bytes();
    m.cache_bandwidth_bytes_per_second = probes::cache_bandwidth(m.hardware_threads, m.llc_bytes);
}

bool MachineContext::timings_are_results() const {
    return build_type != "Debug" && std::string(build_info::kSanitize).empty();
}

MachineContext machine_context(bool measure_bandwidth) {
    MachineContext m;
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line))
        if (line.rfind("model name", 0) == 0) {
            m.cpu_model = line.substr(line.find(':') + 2);
            break;
        }
    m.hardware_threads = hardware_threads();
    if (measure_bandwidth) measure_roofs(m);
    m.compiler = build_info::kCompiler;
    m.cxx_flags = build_info::kCxxFlags;
    if (*build_info::kOptTargetFlags != '\0')
        m.cxx_flags += std::string(" (opt backend: ") + build_info::kOptTargetFlags + ")";
    m.build_type = std::string(build_info::kBuildType) +
                   (std::string(build_info::kSanitize).empty() ? "" : "+" + std::string(build_info::kSanitize));
    const std::string git = "git -C '" + std::string(build_info::kSourceDir) + "' ";
    m.git_sha = first_line_of((git + "rev-parse --short=12 HEAD 2>/dev/null").c_str());
    if (m.git_sha.empty()) m.git_sha = "unknown";
    else if (!first_line_of((git + "status --porcelain --untracked-files=no 2>/dev/null").c_str()).empty())
        m.git_sha += "-dirty";
    const std::string gpu = first_line_of("nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null");
    m.gpu = gpu.empty() ? "none" : gpu;
    return m;
}

}  // namespace skb::bench
