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
#include <utility>
#include <vector>

#include "skb/op_spec.hpp"

namespace skb {

struct RunOptions {
    int threads = 0;  // 0: every hardware thread; backends that are not parallel ignore it
};

using OpImpl = std::function<Array(const Array& input, const Params& params, const RunOptions& options)>;

class PreparedOp;
// Runs a chain of steps of one backend in one go (GPU backends: the data stays on the device between steps);
// nullopt when the backend cannot take this chain (then each step runs on its own).
using PipelineImpl = std::function<std::optional<Array>(std::span<const PreparedOp> steps, const Array& input,
                                                        const RunOptions& options)>;

struct BackendInfo {
    std::string name;  // ref, opt, cuda, cuda-emu
    Precision precision;
    bool cpu_parallel;  // honours RunOptions::threads (benchmarks sweep 1..nproc)
    std::string description;
};

// The backends skbench knows, in display order (whether an op has one is the registry's business).
const std::vector<BackendInfo>& known_backends();
const BackendInfo& backend_info(std::string_view name);  // throws naming an unknown backend

class Registry {
public:
    static Registry& instance();

    void add_spec(OpSpec spec);
    void add_impl(const std::string& op_id, const std::string& backend, OpImpl impl);
    // Swaps a registered implementation for another and returns the old one (test doubles: the gate self-test's
    // planted regressions). Throws if none is registered.
    OpImpl replace_impl(const std::string& op_id, const std::string& backend, OpImpl impl);

    void set_pipeline_impl(const std::string& backend, PipelineImpl impl);
    const PipelineImpl* find_pipeline_impl(std::string_view backend) const;

    const OpSpec* find_spec(std::string_view op_id) const;
    const OpImpl* find_impl(std::string_view op_id, std::string_view backend) const;
    const OpSpec& spec(std::string_view op_id) const;  // throws naming an unknown op
    std::vector<std::string> op_ids() const;            // sorted
    std::vector<std::string> backends_of(std::string_view op_id) const;  // in known_backends() order

private:
    std::map<std::string, OpSpec, std::less<>> specs_;
    std::map<std::pair<std::string, std::string>, OpImpl, std::less<>> impls_;
    std::map<std::string, PipelineImpl, std::less<>> pipelines_;
};

// An op bound to a backend, parameters parsed and checked against one input description: preparing is the
// untimed part, run() the timed one.
class PreparedOp {
public:
    PreparedOp(std::string_view op_id, std::string_view backend, const ArrayMeta& input, const ParamTexts& params);

    Array run(const Array& input, const RunOptions& options = {}) const;

    const OpSpec& spec() const { return *spec_; }
    const BackendInfo& backend() const { return *backend_; }
    const Params& params() const { return params_; }
    const ArrayMeta& output() const { return output_; }

private:
    const OpSpec* spec_;
    const BackendInfo* backend_;
    const OpImpl* impl_;
    ArrayMeta input_;
    Params params_;
    ArrayMeta output_;
};

// Runs prepared steps of one backend, each step's input the previous step's output: through the backend's
// pipeline entry when it takes the chain (one upload and one download on a GPU), else step by step.
Array run_pipeline(std::span<const PreparedOp> steps, const Array& input, const RunOptions& options = {});

inline Array run_op(std::string_view op_id, std::string_view backend, const Array& input, const ParamTexts& params,
                    const RunOptions& options = {}) {
    return PreparedOp(op_id, backend, ArrayMeta{input.dtype(), input.shape()}, params).run(input, options);
}

namespace detail {
struct SpecRegistrar {
    explicit SpecRegistrar(OpSpec spec) { Registry::instance().add_spec(std::move(spec)); }
};
struct ImplRegistrar {
    ImplRegistrar(const char* op_id, const char* backend, OpImpl impl) {
        Registry::instance().add_impl(op_id, backend, std::move(impl));
    }
};
}  // namespace detail

}  // namespace skb

#define SKB_CONCAT_INNER(a, b) a##b
#define SKB_CONCAT(a, b) SKB_CONCAT_INNER(a, b)
// In an op's spec file: SKB_REGISTER_OP_SPEC(make_spec());
#define SKB_REGISTER_OP_SPEC(spec_expr) \
    static const ::skb::detail::SpecRegistrar SKB_CONCAT(skb_spec_registrar_, __COUNTER__)(spec_expr)
// In a backend file: SKB_REGISTER_IMPL("filters.gaussian", "ref", gaussian);
#define SKB_REGISTER_IMPL(op_id, backend, fn) \
    static const ::skb::detail::ImplRegistrar SKB_CONCAT(skb_impl_registrar_, __COUNTER__)(op_id, backend, fn)
