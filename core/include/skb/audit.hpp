// Allocation audit: every skb::Array buffer is counted here (bytes by dtype, current and peak, count), so
// benchmarks and CI gates can see a silent float64 upcast or a doubled peak without an external tool.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>

#include "skb/dtype.hpp"

namespace skb::audit {

struct Snapshot {
    std::int64_t current_bytes = 0;      // live audited bytes now
    std::int64_t peak_bytes = 0;         // highest current_bytes since the last reset_peak()
    std::int64_t allocations = 0;        // allocation calls since the last reset_peak()
    std::array<std::int64_t, kDTypeCount> allocated_bytes_by_dtype{};  // cumulative since the last reset_peak()
    std::array<std::int64_t, kDTypeCount> current_bytes_by_dtype{};

    std::int64_t allocated_bytes(DType t) const { return allocated_bytes_by_dtype[static_cast<int>(t)]; }
};

void record_allocation(std::size_t bytes, DType dtype);
void record_free(std::size_t bytes, DType dtype);
Snapshot snapshot();
// Starts a measurement window: peak := current, cumulative counters := 0.
void reset_peak();

}  // namespace skb::audit
