// skbench_planted: skbench with planted regressions, for the gate self-test (a test-only binary: cli/main.cpp is
// compiled into it with its main renamed skbench_main). SKB_PLANT names the one to plant, after every op has
// registered and before skbench's main runs (none: the binary behaves exactly like skbench). Each wraps the real
// implementation, so outputs stay correct and only the gated metrics change:
//   f64_temporary  opt filters.gaussian also allocates a float64 temporary the size of its input
//   more_work      opt filters.sobel also reruns itself on the first quarter of the rows (25% more work)
//   peak_doubles   opt color.rgb2gray also holds a scratch the size of its input and output during the call
//   (the cuda round-trip plant comes with the cuda backend)
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "skb/registry.hpp"

namespace {

void plant(const char* op, skb::OpImpl (*wrap)(skb::OpImpl real)) {
    auto& registry = skb::Registry::instance();
    const skb::OpImpl* real = registry.find_impl(op, "opt");
    if (!real) {
        std::fprintf(stderr, "skbench_planted: %s has no opt backend to plant into\n", op);
        std::exit(2);
    }
    registry.replace_impl(op, "opt", wrap(*real));
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

}  // namespace

int skbench_main(int argc, char** argv);

int main(int argc, char** argv) {
    if (const char* which = std::getenv("SKB_PLANT"); which && *which) {
        const std::string name = which;
        if (name == "f64_temporary") plant("filters.gaussian", with_f64_temporary);
        else if (name == "more_work") plant("filters.sobel", with_more_work);
        else if (name == "peak_doubles") plant("color.rgb2gray", with_peak_doubled);
        else {
            std::fprintf(stderr, "skbench_planted: unknown SKB_PLANT '%s' (f64_temporary, more_work, peak_doubles)\n",
                         which);
            return 2;
        }
    }
    return skbench_main(argc, argv);
}
