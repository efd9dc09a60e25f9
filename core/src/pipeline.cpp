// Pipelines of prepared steps: chains and wired graphs (steps reading the pipeline's input or any earlier step's
// output, extra inputs from earlier steps, bound scalar parameters), on the backend's pipeline entry where it
// takes them, else step by step with fused pairs.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "skb/error.hpp"
#include "skb/registry.hpp"

namespace skb {
namespace {

const StepWiring kChainLink{};

const StepWiring& wiring_of(std::span<const StepWiring> wiring, std::size_t i) {
    return wiring.empty() ? kChainLink : wiring[i];
}

void check_wiring(std::span<const PreparedOp> steps, std::span<const StepWiring> wiring) {
    if (steps.empty()) throw InternalError("run_pipeline: no steps");
    if (!wiring.empty() && wiring.size() != steps.size())
        throw InternalError("run_pipeline: " + std::to_string(wiring.size()) + " wirings for " +
                            std::to_string(steps.size()) + " steps");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const StepWiring& w = wiring_of(wiring, i);
        const auto earlier = [&](std::size_t k, const std::string& what) {
            if (k != StepWiring::kPipelineInput && k >= i)
                throw InternalError("run_pipeline: step " + std::to_string(i) + "'s " + what + " comes from step " +
                                    std::to_string(k) + ", not an earlier one");
        };
        if (i > 0) earlier(w.image_source(i), "image");
        if (i == 0 && (w.image != StepWiring::kPrevious || !w.extras.empty()))
            throw InternalError("run_pipeline: the first step reads the pipeline's inputs");
        for (const auto& [name, k] : w.extras) earlier(k, "input " + name);
        if (i > 0 && steps[i].inputs().extras.size() != w.extras.size())
            throw InternalError("run_pipeline: step " + steps[i].spec().id + " was prepared with " +
                                std::to_string(steps[i].inputs().extras.size()) + " extra inputs and is wired to " +
                                std::to_string(w.extras.size()));
        for (const auto& [name, k] : w.bound) earlier(k, name);
    }
}

// The text a bound parameter gets: the scalar result printed exactly (what Params parses back to the same value).
std::string scalar_text(const Array& scalar, const std::string& param) {
    if (scalar.size() != 1)
        throw InternalError("pipeline parameter " + param + " is bound to a result of shape " +
                            shape_string(scalar.shape()) + ", not a scalar");
    char text[32];
    visit_dtype(scalar.dtype(), [&](auto tag) {
        std::snprintf(text, sizeof text, "%.17g", static_cast<double>(scalar.data<decltype(tag)>()[0]));
    });
    return text;
}

// Steps i and i + 1 may run as the backend's fused pair: i + 1 reads i's output alone and is its only reader, and
// neither has a bound parameter (the fused entry sees both steps as prepared).
bool fusable(std::span<const StepWiring> wiring, const std::vector<std::size_t>& last, std::size_t i,
             std::size_t count) {
    if (i + 1 >= count || last[i] != i + 1) return false;
    const StepWiring& first = wiring_of(wiring, i);
    const StepWiring& second = wiring_of(wiring, i + 1);
    return first.bound.empty() && second.bound.empty() && second.image == StepWiring::kPrevious &&
           second.extras.empty();
}

}  // namespace

std::vector<std::size_t> last_readers(std::span<const StepWiring> wiring, std::size_t steps) {
    std::vector<std::size_t> last(steps);
    for (std::size_t i = 0; i < steps; ++i) last[i] = i;
    const auto read_by = [&](std::size_t k, std::size_t j) {
        if (k != StepWiring::kPipelineInput) last[k] = std::max(last[k], j);
    };
    for (std::size_t j = 1; j < steps; ++j) {
        const StepWiring& w = wiring_of(wiring, j);
        read_by(w.image_source(j), j);
        for (const auto& [name, k] : w.extras) read_by(k, j);
        for (const auto& [name, k] : w.bound) read_by(k, j);
    }
    return last;
}

Array run_pipeline(std::span<const PreparedOp> steps, std::span<const StepWiring> wiring, const OpInputs& inputs,
                   const RunOptions& options) {
    check_wiring(steps, wiring);
    if (steps.size() > 1)
        if (const PipelineImpl* whole = Registry::instance().find_pipeline_impl(steps.front().backend().name))
            if (std::optional<Array> output = (*whole)(steps, wiring, inputs, options)) return std::move(*output);
    // Only the last step writes into the caller's output buffer: a step never writes where another one reads.
    RunOptions inner = options;
    inner.output = nullptr;
    const std::size_t n = steps.size();
    const std::vector<std::size_t> last = last_readers(wiring, n);
    std::vector<Array> results(n);
    const auto release_read_by = [&](std::size_t j) {  // what step j was the last to read (its own unread output)
        for (std::size_t k = 0; k <= j && k + 1 < n; ++k)
            if (last[k] == j) results[k] = Array();
    };
    for (std::size_t i = 0; i < n; ++i) {
        const StepWiring& w = wiring_of(wiring, i);
        const auto source = [&](std::size_t k) -> const Array& {
            return k == StepWiring::kPipelineInput ? inputs.image() : results[k];
        };
        OpInputs step_inputs = i == 0 ? inputs : OpInputs(source(w.image_source(i)));
        for (const auto& [name, k] : w.extras) step_inputs.with(name, source(k));
        if (fusable(wiring, last, i, n)) {
            if (auto both = run_fused_steps(steps[i], steps[i + 1], step_inputs, i + 2 == n ? options : inner)) {
                results[i + 1] = std::move(*both);  // step i's output was never made (nothing else reads it)
                release_read_by(i);
                release_read_by(i + 1);
                ++i;
                continue;
            }
        }
        const RunOptions& step_options = i + 1 == n ? options : inner;
        if (w.bound.empty()) {
            results[i] = steps[i].run(step_inputs, step_options);
        } else {
            ParamTexts values;
            for (const auto& [name, k] : w.bound) values[name] = scalar_text(results[k], name);
            results[i] = steps[i].with_params(values).run(step_inputs, step_options);
        }
        release_read_by(i);
    }
    return std::move(results.back());
}

std::optional<Array> run_fused_steps(const PreparedOp& first, const PreparedOp& second, const OpInputs& inputs,
                                     const RunOptions& options) {
    if (&first.backend() != &second.backend() || !second.inputs().extras.empty()) return std::nullopt;
    const FusedStepsImpl* fused =
        Registry::instance().find_fused_steps(first.spec().id, second.spec().id, first.backend().name);
    if (!fused) return std::nullopt;
    return (*fused)(first, second, inputs, options);
}

}  // namespace skb
