// skb_bench: the Google Benchmark driver over the whole suite, for engineers who want Google Benchmark's own
// flags (--benchmark_filter, --benchmark_repetitions, --benchmark_format=json, ...). `skbench bench` runs the
// same cases in process, interleaved with the peers, and is what the README's main command uses.
#include <cstring>

#include "suite.hpp"

int main(int argc, char** argv) {
    bool quick = false;
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--quick") == 0) quick = true;
        else args.push_back(argv[i]);
    }
    int count = static_cast<int>(args.size());
    benchmark::Initialize(&count, args.data());
    if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
    const auto context = skb::bench::machine_context(true);
    skb::bench::set_reference_bandwidth(context.stream_triad_bytes_per_second);
    benchmark::AddCustomContext("cpu_model", context.cpu_model);
    benchmark::AddCustomContext("stream_triad_GBps", std::to_string(context.stream_triad_bytes_per_second / 1e9));
    benchmark::AddCustomContext("peak_GFLOPS", std::to_string(context.peak_flops_per_second / 1e9));
    benchmark::AddCustomContext("llc_bytes", std::to_string(context.llc_bytes));
    benchmark::AddCustomContext("llc_triad_GBps", std::to_string(context.cache_bandwidth_bytes_per_second / 1e9));
    benchmark::AddCustomContext("compiler", context.compiler);
    benchmark::AddCustomContext("cxx_flags", context.cxx_flags);
    benchmark::AddCustomContext("skbench_build_type", context.build_type);
    benchmark::AddCustomContext("git_sha", context.git_sha);
    benchmark::AddCustomContext("gpu", context.gpu);
    if (!context.timings_are_results())
        benchmark::AddCustomContext("warning", "debug or sanitizer build: these timings are not results");
    skb::bench::register_benchmarks(skb::bench::suite({quick, 0}));
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
