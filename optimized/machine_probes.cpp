// The roofline's probes (skb/machine_probes.hpp), compiled with the opt backend's flags.
#include "skb/machine_probes.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace skb::probes {
namespace {

// The target's widest float vector: 16 lanes with AVX-512, 8 with AVX, 4 otherwise (SSE2 on x86-64).
#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
using FloatVector = float __attribute__((vector_size(kLanes * sizeof(float))));

// 12 independent chains: enough in flight to cover a multiply-add's latency on two pipes (4 cycles x 2 = 8), few
// enough to stay in registers (16 with AVX/SSE, 32 with AVX-512).
constexpr int kChains = 12;

// Runs `rounds` multiply-adds on every chain and returns a sum the compiler must compute.
[[gnu::noinline]] float multiply_add_chains(std::int64_t rounds, float seed) {
    FloatVector acc[kChains];
    for (int c = 0; c < kChains; ++c) acc[c] = FloatVector{} + seed * static_cast<float>(c + 1);
    const FloatVector scale = FloatVector{} + 0.999999f, offset = FloatVector{} + 1e-7f;
    for (std::int64_t r = 0; r < rounds; ++r)
        for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * scale + offset;  // contracted to one FMA (-ffp-contract=fast)
    float sum = 0;
    for (int c = 0; c < kChains; ++c)
        for (int l = 0; l < kLanes; ++l) sum += acc[c][l];
    return sum;
}

// Best rate of `passes` runs of `work` on `threads` threads at once, each thread doing `per_thread_units`.
template <class Work> double best_rate(int threads, int passes, double units_per_thread, Work&& work) {
    double best = 0;
    for (int pass = 0; pass < passes; ++pass) {
        const auto start = std::chrono::steady_clock::now();
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) workers.emplace_back([&, t] { work(t); });
        for (auto& w : workers) w.join();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (pass > 0 && seconds > 0) best = std::max(best, units_per_thread * threads / seconds);  // pass 0: warm-up
    }
    return best;
}

std::int64_t parse_size(const std::string& text) {  // sysfs writes "32768K"
    std::size_t used = 0;
    const std::int64_t n = std::stoll(text, &used);
    const char unit = used < text.size() ? text[used] : ' ';
    return unit == 'K' ? n << 10 : unit == 'M' ? n << 20 : unit == 'G' ? n << 30 : n;
}

}  // namespace

double peak_flops_per_second(int threads) {
    threads = std::max(1, threads);
    constexpr std::int64_t rounds = 4'000'000;  // ~50 ms a pass at a few GHz
    std::vector<float> sink(static_cast<std::size_t>(threads));
    const double flops_per_thread = 2.0 * kLanes * kChains * static_cast<double>(rounds);
    const double rate = best_rate(threads, 4, flops_per_thread, [&](int t) {
        sink[static_cast<std::size_t>(t)] = multiply_add_chains(rounds, 1.0f + static_cast<float>(t));
    });
    volatile float keep = sink[0];
    (void)keep;
    return rate;
}

std::int64_t last_level_cache_bytes() {
    std::int64_t best = 0;
    int best_level = 0;
    for (int index = 0; index < 8; ++index) {
        const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
        std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
        int level = 0;
        std::string type, size;
        if (!(level_file >> level) || !(type_file >> type) || !(size_file >> size)) continue;
        if (type == "Instruction") continue;
        try {
            if (level > best_level) best_level = level, best = parse_size(size);
        } catch (const std::exception&) {
        }
    }
    if (best > 0) return best;
    const long l3 = ::sysconf(_SC_LEVEL3_CACHE_SIZE), l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l3 > 0 ? l3 : std::max<long>(l2, 0);
}

double cache_bandwidth(int threads, std::int64_t cache_bytes) {
    if (cache_bytes <= 0) return 0;
    threads = std::max(1, threads);
    // Three arrays in half the cache: the rest is left to code, stacks and what the other threads touch.
    const auto n = static_cast<std::size_t>(cache_bytes / 2 / 3 / static_cast<std::int64_t>(sizeof(float)));
    std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
    const std::size_t sweeps = std::max<std::size_t>(8, (std::size_t{1} << 27) / std::max<std::size_t>(n, 1));
    const double bytes_per_thread = 3.0 * sizeof(float) * static_cast<double>(n) * sweeps / threads;
    return best_rate(threads, 5, bytes_per_thread, [&](int t) {
        const std::size_t lo = n * t / threads, hi = n * (t + 1) / threads;
        for (std::size_t s = 0; s < sweeps; ++s) {
            const float k = 3.0f + static_cast<float>(s & 1);
            for (std::size_t i = lo; i < hi; ++i) a[i] = b[i] + k * c[i];
            asm volatile("" : : "r"(a.data()) : "memory");  // every sweep's stores happen
        }
    });
}

}  // namespace skb::probes
