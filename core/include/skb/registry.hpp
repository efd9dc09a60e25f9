// The op registry: op specs and (op x backend) implementations register themselves at static-initialisation
// time from their own files; nothing keeps a central list. run_op/prepare_op are the one validated entry point
// used by the CLI, the tests and the benchmarks.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "skb/op_spec.hpp"

namespace skb {

struct RunOptions {
    int threads = 0;  // 0: every hardware thread; backends that are not parallel ignore it
    // The caller's buffer for the result (out=), reused across calls: an impl that creates its result through
    // new_output() writes into it when its dtype and shape are the result's (else into a new array).
    Array* output = nullptr;
};

// The array an impl writes its result into: a borrowed view of options.output when that has this dtype and shape,
// else a new array.
Array new_output(const RunOptions& options, DType dtype, Shape shape);

// The arrays one call of an op reads: the image, and the extra inputs its spec declares, by name (an optional one
// that was not given is absent). It refers to arrays the caller owns.
class OpInputs {
public:
    explicit OpInputs(const Array& image) : image_(&image) {}
    OpInputs& with(std::string name, const Array& array) {
        extras_.emplace_back(std::move(name), &array);
        return *this;
    }

    const Array& image() const { return *image_; }
    const Array* extra(std::string_view name) const {  // nullptr: not given
        for (const auto& [n, a] : extras_)
            if (n == name) return a;
        return nullptr;
    }
    const std::vector<std::pair<std::string, const Array*>>& extras() const { return extras_; }
    std::size_t nbytes() const {  // every input's bytes
        std::size_t bytes = image_->nbytes();
        for (const auto& [name, array] : extras_) bytes += array->nbytes();
        return bytes;
    }

private:
    const Array* image_;
    std::vector<std::pair<std::string, const Array*>> extras_;
};

// Owned inputs, for callers that load or make them: keeps the arrays alive that view() refers to.
struct InputArrays {
    Array image;
    std::vector<std::pair<std::string, Array>> extras;

    OpInputs view() const {
        OpInputs inputs(image);
        for (const auto& [name, array] : extras) inputs.with(name, array);
        return inputs;
    }
};

// Descriptions of an op's inputs, for preparing it: the image's, and each given extra input's by name.
struct InputMetas {
    InputMetas(ArrayMeta image_meta) : image(std::move(image_meta)) {}  // NOLINT(google-explicit-constructor)
    explicit InputMetas(const OpInputs& inputs);
    ArrayMeta image;
    std::map<std::string, ArrayMeta, std::less<>> extras;
};

// The inputs of the call with scikit-image's defaults: the image and the spec's required extra inputs, each in its
// first accepted dtype and the image's shape (benchmarks and tests that feed every op synthetic data).
InputMetas default_input_metas(const OpSpec& spec, const ArrayMeta& image);

using OpImpl = std::function<Array(const OpInputs& inputs, const Params& params, const RunOptions& options)>;

// An op implementation from a function of the image alone (most ops) or of all its inputs.
template <class Fn> OpImpl as_op_impl(Fn fn) {
    if constexpr (std::is_invocable_r_v<Array, Fn&, const OpInputs&, const Params&, const RunOptions&>)
        return OpImpl(std::move(fn));
    else
        return [fn = std::move(fn)](const OpInputs& inputs, const Params& params, const RunOptions& options) {
            return fn(inputs.image(), params, options);
        };
}

class PreparedOp;

// Where a pipeline step's inputs come from: its image is the previous step's output (a default StepWiring is a
// chain link), the pipeline's input, or any earlier step's output; its extra inputs are earlier steps' outputs (or
// the pipeline's input) by name; parameters may be bound to earlier steps' scalar results (threshold_otsu's t as
// numpy.greater's x2: the step was prepared with a placeholder value and runs with the scalar). The first step
// reads the pipeline's inputs, extras included.
struct StepWiring {
    static constexpr std::size_t kPrevious = static_cast<std::size_t>(-1);
    static constexpr std::size_t kPipelineInput = static_cast<std::size_t>(-2);
    std::size_t image = kPrevious;                             // a step index, kPrevious or kPipelineInput
    std::vector<std::pair<std::string, std::size_t>> extras;  // extra input name, step index or kPipelineInput
    std::vector<std::pair<std::string, std::size_t>> bound;   // parameter name, index of an earlier step
    // Step i's image source: an earlier step's index, or kPipelineInput.
    std::size_t image_source(std::size_t i) const { return image == kPrevious ? i - 1 : image; }
};

// Runs a pipeline of steps of one backend in one go (GPU backends: the data stays on the device between steps,
// bound scalars included); nullopt when the backend cannot take this pipeline (then each step runs on its own).
// `wiring` is empty (a chain) or has one entry per step; `inputs` are the first step's.
using PipelineImpl = std::function<std::optional<Array>(std::span<const PreparedOp> steps,
                                                        std::span<const StepWiring> wiring, const OpInputs& inputs,
                                                        const RunOptions& options)>;
// Two consecutive steps of one backend computed as one, the second reading the first's output alone (opt:
// label -> regionprops_table from label's runs, never writing the label image); `inputs` are the first step's.
// nullopt where it does not apply to these inputs (the steps then run one by one). The result equals the
// composition's exactly (tests/unit/fused_steps_test.cpp).
using FusedStepsImpl = std::function<std::optional<Array>(const PreparedOp& first, const PreparedOp& second,
                                                          const OpInputs& inputs, const RunOptions& options)>;

// What a backend is, so that callers ask about traits rather than compare backend names.
struct BackendInfo {
    std::string name;    // ref, opt, cuda, cuda-emu
    std::string family;  // what an op's spec declines by (OpSpec::declined): cuda for cuda and cuda-emu
    Precision precision;
    bool is_reference;      // the executable definition the others are checked against (ref)
    bool cpu_parallel;      // honours RunOptions::threads (benchmarks sweep 1..nproc)
    bool on_device;         // runs the CUDA kernels: host<->device transfers are part of a call
    bool timings_meaningful;  // false for the emulator: its counters count, its times do not
    std::string description;
};

// The backends skbench knows, in display order (whether an op has one is the registry's business).
const std::vector<BackendInfo>& known_backends();
const BackendInfo& backend_info(std::string_view name);  // throws naming an unknown backend
const BackendInfo* find_backend(std::string_view name);   // nullptr: not one of ours (results also hold peers)
const BackendInfo& reference_backend();

class Registry {
public:
    static Registry& instance();

    void add_spec(OpSpec spec);
    void add_impl(const std::string& op_id, const std::string& backend, OpImpl impl);
    // A backend that was built but cannot run here (cuda without a device) says so in list and verify.
    void set_unavailable(const std::string& backend, std::string why);
    const std::string* unavailable_reason(std::string_view backend) const;  // nullptr: available (or not built)
    // Why an op's spec declines this backend (by its family); nullptr: it does not.
    const std::string* declined_reason(std::string_view op_id, std::string_view backend) const;
    // Swaps a registered implementation for another and returns the old one (test doubles: the gate self-test's
    // planted regressions). Throws if none is registered.
    OpImpl replace_impl(const std::string& op_id, const std::string& backend, OpImpl impl);

    void set_pipeline_impl(const std::string& backend, PipelineImpl impl);
    const PipelineImpl* find_pipeline_impl(std::string_view backend) const;
    void add_fused_steps(const std::string& first_op, const std::string& second_op, const std::string& backend,
                         FusedStepsImpl impl);
    const FusedStepsImpl* find_fused_steps(std::string_view first_op, std::string_view second_op,
                                           std::string_view backend) const;

    const OpSpec* find_spec(std::string_view op_id) const;
    const OpImpl* find_impl(std::string_view op_id, std::string_view backend) const;
    const OpSpec& spec(std::string_view op_id) const;  // throws naming an unknown op
    std::vector<std::string> op_ids() const;            // sorted
    std::vector<std::string> backends_of(std::string_view op_id) const;  // in known_backends() order

private:
    std::map<std::string, OpSpec, std::less<>> specs_;
    std::map<std::pair<std::string, std::string>, OpImpl, std::less<>> impls_;
    std::map<std::string, PipelineImpl, std::less<>> pipelines_;
    std::map<std::string, FusedStepsImpl, std::less<>> fused_;  // by "first>second/backend"
    std::map<std::string, std::string, std::less<>> unavailable_;
};

// An op bound to a backend, parameters parsed and checked against its inputs' descriptions: preparing is the
// untimed part, run() the timed one.
class PreparedOp {
public:
    PreparedOp(std::string_view op_id, std::string_view backend, const InputMetas& inputs, const ParamTexts& params);

    Array run(const OpInputs& inputs, const RunOptions& options = {}) const;
    Array run(const Array& image, const RunOptions& options = {}) const { return run(OpInputs(image), options); }
    // The same op prepared again with some parameters' texts replaced (a pipeline's bound parameters).
    PreparedOp with_params(const ParamTexts& replaced) const;

    const OpSpec& spec() const { return *spec_; }
    const BackendInfo& backend() const { return *backend_; }
    const Params& params() const { return params_; }
    const InputMetas& inputs() const { return inputs_; }
    const ArrayMeta& output() const { return output_; }

private:
    const OpSpec* spec_;
    const BackendInfo* backend_;
    const OpImpl* impl_;
    InputMetas inputs_;
    ParamTexts param_texts_;
    Params params_;
    ArrayMeta output_;
};

// Runs prepared steps of one backend wired by `wiring` (empty: a chain, each step reading the previous output):
// through the backend's pipeline entry when it takes them (one upload and one download on a GPU), else step by
// step, two at a time where the backend has them fused and nothing else reads the first one's output. The first
// step reads `inputs` (extras included), the others their image alone. Each intermediate result is released after
// its last reader; only the last step writes into options.output.
Array run_pipeline(std::span<const PreparedOp> steps, std::span<const StepWiring> wiring, const OpInputs& inputs,
                   const RunOptions& options = {});
inline Array run_pipeline(std::span<const PreparedOp> steps, const Array& input, const RunOptions& options = {}) {
    return run_pipeline(steps, {}, OpInputs(input), options);
}

// For each step, the last step that reads its result (as image, extra input or bound parameter); its own index
// when none does (the last step's). Pipeline runners free intermediates by it.
std::vector<std::size_t> last_readers(std::span<const StepWiring> wiring, std::size_t steps);

// second(first(inputs)) by the backend's fused form of the two, or nullopt where it has none for these inputs.
std::optional<Array> run_fused_steps(const PreparedOp& first, const PreparedOp& second, const OpInputs& inputs,
                                     const RunOptions& options);

inline Array run_op(std::string_view op_id, std::string_view backend, const OpInputs& inputs,
                    const ParamTexts& params, const RunOptions& options = {}) {
    return PreparedOp(op_id, backend, InputMetas(inputs), params).run(inputs, options);
}
inline Array run_op(std::string_view op_id, std::string_view backend, const Array& image, const ParamTexts& params,
                    const RunOptions& options = {}) {
    return run_op(op_id, backend, OpInputs(image), params, options);
}

namespace detail {
struct SpecRegistrar {
    explicit SpecRegistrar(OpSpec spec) { Registry::instance().add_spec(std::move(spec)); }
};
struct ImplRegistrar {
    template <class Fn> ImplRegistrar(const char* op_id, const char* backend, Fn fn) {
        Registry::instance().add_impl(op_id, backend, as_op_impl(std::move(fn)));
    }
};
}  // namespace detail

}  // namespace skb

#define SKB_CONCAT_INNER(a, b) a##b
#define SKB_CONCAT(a, b) SKB_CONCAT_INNER(a, b)
// In an op's spec file: SKB_REGISTER_OP_SPEC(make_spec());
#define SKB_REGISTER_OP_SPEC(spec_expr) \
    static const ::skb::detail::SpecRegistrar SKB_CONCAT(skb_spec_registrar_, __COUNTER__)(spec_expr)
// In a backend file: SKB_REGISTER_IMPL("filters.gaussian", "ref", gaussian); `gaussian` takes the image alone
// (const Array&, const Params&, const RunOptions&) or every input (const OpInputs&, ...).
#define SKB_REGISTER_IMPL(op_id, backend, fn) \
    static const ::skb::detail::ImplRegistrar SKB_CONCAT(skb_impl_registrar_, __COUNTER__)(op_id, backend, fn)
