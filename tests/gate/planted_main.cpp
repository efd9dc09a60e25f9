// skbench_planted: skbench with planted regressions, for the gate self-test (a test-only binary calling skbench's
// command line, skbench_main of cli/app.cpp). SKB_PLANT names the one to plant, after every op has
// registered and before skbench's main runs (none: the binary behaves exactly like skbench). Each wraps the real
// implementation, so outputs stay correct and only the gated metrics change:
//   f64_temporary  opt filters.gaussian also allocates a float64 temporary the size of its input
//   more_work      opt filters.sobel also reruns itself on the first quarter of the rows (25% more work)
//   peak_doubles   opt color.rgb2gray also holds a scratch the size of its input and output during the call
//   extra_round_trip  cuda-emu color.rgb2gray also sends its input to the device and back once more
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
    return [real](const skb::Array& input, const skb::Params& params, const skb::RunOptions& options) {
        skb::Array temporary = skb::Array::zeros(skb::DType::F64, input.shape());
        return real(input, params, options);
    };
}

skb::OpImpl with_more_work(skb::OpImpl real) {
    return [real](const skb::Array& input, const skb::Params& params, const skb::RunOptions& options) {
        skb::Shape quarter = input.shape();
        quarter[0] = std::max<std::int64_t>(1, quarter[0] / 4);
        skb::Array part(input.dtype(), quarter);
        std::memcpy(part.raw(), input.raw(), part.nbytes());
        const skb::Array discarded = real(part, params, options);
        return real(input, params, options);
    };
}

skb::OpImpl with_peak_doubled(skb::OpImpl real) {
    return [real](const skb::Array& input, const skb::Params& params, const skb::RunOptions& options) {
        skb::Array result = real(input, params, options);
        skb::Array scratch = skb::Array::zeros(skb::DType::U8, {static_cast<std::int64_t>(input.nbytes() + result.nbytes())});
        return result;
    };
}

skb::OpImpl with_extra_round_trip(skb::OpImpl real) {
    return [real](const skb::Array& input, const skb::Params& params, const skb::RunOptions& options) {
        const auto bytes = std::span(static_cast<const std::uint8_t*>(input.raw()), input.nbytes());
        const skb::gpu::DeviceBuffer<std::uint8_t> again = skb::gpu::to_device<std::uint8_t>(bytes);
        std::vector<std::uint8_t> back(input.nbytes());
        skb::gpu::copy_to_host(std::span(back), again);
        return real(input, params, options);
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
        else {
            std::fprintf(stderr, "skbench_planted: unknown SKB_PLANT '%s' (f64_temporary, more_work, peak_doubles, extra_round_trip)\n",
                         which);
            return 2;
        }
    }
    return skbench_main(argc, argv);
}
