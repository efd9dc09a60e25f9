// The machine's roofs for the report's roofline: peak float32 FLOP/s and the last-level cache's bandwidth, beside
// the STREAM triad (DRAM) that bench/suite.cpp measures. Defined with the opt backend (optimized/machine_probes.cpp)
// so they are compiled for the same target: the peak is what the opt path's instructions can reach here.
#pragma once
#include <cstdint>

namespace skb::probes {

// Independent float32 multiply-add chains in the widest vectors the target has, on `threads` threads at once; best
// of several passes. A multiply-add counts 2 FLOP (one FMA instruction where the target has FMA).
double peak_flops_per_second(int threads);

// The last-level cache's size in bytes (sysfs, then sysconf); 0 where the system does not say.
std::int64_t last_level_cache_bytes();

// A triad over float32 arrays that together take half of `cache_bytes` (split across `threads`), repeated so the
// arrays stay resident: the bandwidth of a working set that fits in that cache. 0 when cache_bytes is 0.
double cache_bandwidth(int threads, std::int64_t cache_bytes);

}  // namespace skb::probes
