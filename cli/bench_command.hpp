// `skbench bench`: the benchmark suite in process, interleaved repetition by repetition with the peers
// (scikit-image, SciPy, OpenCV), merged into one Google-Benchmark-schema JSON and a side-by-side table.
#pragma once
#include <string>

namespace CLI {
class App;  // CLI11, included by the .cpp files that add options (it is slow to compile)
}  // namespace CLI

namespace skb::cli {

struct BenchArgs {
    std::string filter;          // regex searched in case names; empty: all
    bool quick = false;
    bool with_peers = false;
    int threads = 0;             // thread axis 1..threads for CPU-parallel backends (0: all hardware threads)
    int repetitions = 5;
    double min_time = 0.2;       // seconds per repetition of one case
    std::string out;
    std::string python;          // interpreter for the peers (default: the project venv)
    bool allow_debug_build = false;
    bool list_only = false;
    bool with_emulator = false;  // also time cuda-emu (for its transfer counters; its times are not a GPU's)
    std::string lockstep;        // "ID:R,W": take turns with another skbench bench over pipe fds R and W
};

CLI::App* add_bench_command(CLI::App& app, BenchArgs& args);
int run_bench(const BenchArgs& args);

}  // namespace skb::cli
