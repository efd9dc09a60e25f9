// NVTX ranges (nvtx3, header-only) so Nsight Systems shows every op and phase. Without the nvtx3 headers at
// build time, or without a profiler attached at run time, a range costs nothing measurable.
#pragma once

#if defined(SKB_HAVE_NVTX) && __has_include(<nvtx3/nvtx3.hpp>)
#include <nvtx3/nvtx3.hpp>
namespace skb {
struct nvtx_domain {
    static constexpr const char* name{"skbench"};
};
using NvtxRange = nvtx3::scoped_range_in<nvtx_domain>;
}  // namespace skb
#else
namespace skb {
struct NvtxRange {
    explicit NvtxRange(const char*) {}
};
}  // namespace skb
#endif

// SKB_NVTX_RANGE("filters.gaussian/opt/rows"): a range until the end of the enclosing scope.
#define SKB_NVTX_RANGE(label) const ::skb::NvtxRange SKB_NVTX_CONCAT(skb_nvtx_range_, __LINE__)(label)
#define SKB_NVTX_CONCAT(a, b) SKB_NVTX_CONCAT_INNER(a, b)
#define SKB_NVTX_CONCAT_INNER(a, b) a##b
