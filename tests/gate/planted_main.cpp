// skbench_planted: skbench with planted regressions, for the gate self-test (a test-only binary calling skbench's
// command line, skbench_main of cli/app.cpp). SKB_PLANT names the one to plant, after every op has
// registered and before skbench's main runs (none: the binary behaves exactly like skbench). Each wraps the real
// implementation, so outputs stay correct and only the gated metrics change:
//   f64_temporary  opt filters.gaussian also allocates a float64 temporary the size of its input
//   more_work      opt filters.sobel also reruns itself on the first quarter of the rows (25% more work)
//   peak_doubles   opt color.rgb2gray also holds a scratch the size of its input and output during the call
//   extra_round_trip  cuda-emu color.rgb2gray also sends its input to the device and back once more
//   wrong_shape    ref filters.sobel returns one row fewer than its spec says: an internal error (exit 3), for
//                  the CLI test of that exit code rather than the gate
//   wrong_values   opt color.rgb2gray adds 1 to its first pixel: a wrong answer that verification must catch (the
//                  profile test: nothing is profiled, exit 1)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "app.hpp"
#include "runtime/memory.hpp"
#include "skb/registry.hpp"

namespace {

void plant(const char* op, const char* backend, skb::OpImpl (*wrap)(skb::OpImpl real)) {
    auto& registry = skb::Registry::instance();
    const skb::OpImpl* real = registry.find_impl(op, backend);
    if (!real) {
        std::fprintf(stderr, "skbench_planted: %s has no %s backend to plant into\n", op, backend);
        std::exit(2);
    }
    registry.replace_impl(op, backend, wrap(*real));
}

skb::OpImpl with_f64_temporary(skb::OpImpl real) {
    return [real](const skb::OpInputs& inputs, const skb::Params& params, const skb::RunOptions& options) {
        skb::Array temporary = skb::Array::zeros(skb::DType::F64, inputs.image().shape());
        return real(inputs, params, options);
    };
}

skb::OpImpl with_more_work(skb::OpImpl real) {
    return [real](const skb::OpInputs& inputs, const skb::Params& params, const skb::RunOptions& options) {
        const skb::Array& input = inputs.image();
        skb::Shape quarter = input.shape();
        quarter[0] = std::max<std::int64_t>(1, quarter[0] / 4);
        skb::Array part(input.dtype(), quarter);
        std::memcpy(part.raw(), input.raw(), part.nbytes());
        const skb::Array discarded = real(skb::OpInputs(part), params, options);
        return real(inputs, params, options);
    };
}

skb::OpImpl with_peak_doubled(skb::OpImpl real) {
    return [real](const skb::OpInputs& inputs, const skb::Params& params, const skb::RunOptions& options) {
        skb::Array result = real(inputs, params, options);
        skb::Array scratch = skb::Array::zeros(
            skb::DType::U8, {static_cast<std::int64_t>(inputs.image().nbytes() + result.nbytes())});
        return result;
    };
}

skb::OpImpl with_extra_round_trip(skb::OpImpl real) {
    return [real](const skb::OpInputs& inputs, const skb::Params& params, const skb::RunOptions& options) {
        const skb::Array& input = inputs.image();
        const auto bytes = std::span(static_cast<const std::uint8_t*>(input.raw()), input.nbytes());
        const skb::gpu::DeviceBuffer<std::uint8_t> again = skb::gpu::to_device<std::uint8_t>(bytes);
        std::vector<std::uint8_t> back(input.nbytes());
        skb::gpu::copy_to_host(std::span(back), again);
        return real(inputs, params, options);
    };
}

// A broken invariant: the result is one row short of what the op's spec says (must exit 3, not 2).
skb::OpImpl with_wrong_shape(skb::OpImpl real) {
    return [real](const skb::OpInputs& inputs, const skb::Params& params, const skb::RunOptions& options) {
        const skb::Array full = real(inputs, params, options);
        skb::Shape shorter = full.shape();
        shorter[0] -= 1;
        skb::Array result(full.dtype(), shorter);
        std::memcpy(result.raw(), full.raw(), result.nbytes());
        return result;
    };
}

skb::OpImpl with_wrong_values(skb::OpImpl real) {
    return [real](const skb::OpInputs& inputs, const skb::Params& params, const skb::RunOptions& options) {
        skb::Array result = real(inputs, params, options);
        if (result.dtype() == skb::DType::F32 && result.size() > 0) result.data<float>()[0] += 1.0f;
        return result;
    };
}

}  // namespace

int main(int argc, char** argv) {
    if (const char* which = std::getenv("SKB_PLANT"); which && *which) {
        const std::string name = which;
        if (name == "f64_temporary") plant("filters.gaussian", "opt", with_f64_temporary);
        else if (name == "more_work") plant("filters.sobel", "opt", with_more_work);
        else if (name == "peak_doubles") plant("color.rgb2gray", "opt", with_peak_doubled);
        else if (name == "extra_round_trip") plant("color.rgb2gray", "cuda-emu", with_extra_round_trip);
        else if (name == "wrong_shape") plant("filters.sobel", "ref", with_wrong_shape);
        else if (name == "wrong_values") plant("color.rgb2gray", "opt", with_wrong_values);
        else {
            std::fprintf(stderr, "skbench_planted: unknown SKB_PLANT '%s' (f64_temporary, more_work, peak_doubles, extra_round_trip, wrong_shape, wrong_values)\n",
                         which);
            return 2;
        }
    }
    return skbench_main(argc, argv);
}
