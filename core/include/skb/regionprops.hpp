// measure.regionprops_table's properties (the subset skbench computes), its column names, and the table
// arithmetic every backend shares: a backend accumulates RegionSums per label its own way (pixel loops, runs,
// device atomics), and write_table turns them into scikit-image's columns.
// Second moments come from exact integer sums (sum of c_a c_b over the region, in int64; the central moments'
// numerators N * S_ab - S_a * S_b in 128 bits), so the only rounding is in the last division and the eigensolve.
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "skb/array.hpp"
#include "skb/hd.hpp"

namespace skb::regionprops {

// The properties skbench computes, in scikit-image's spelling.
const std::vector<std::string>& property_names();
bool needs_intensity(const std::string& property);  // intensity_mean, intensity_min, intensity_max
bool only_2d(const std::string& property);          // eccentricity, orientation
// Column names of `properties` for an ndim image, in regionprops_table's order ("bbox-0", "centroid-1", ...).
std::vector<std::string> columns(const std::vector<std::string>& properties, int ndim);

// What a region's properties are computed from. Coordinates are per image axis (plane, row, column).
struct RegionSums {
    std::int64_t label = 0;
    std::int64_t count = 0;
    std::array<std::int64_t, 3> lo{std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::max(),
                                   std::numeric_limits<std::int64_t>::max()};
    std::array<std::int64_t, 3> hi{-1, -1, -1};  // inclusive
    std::array<std::int64_t, 3> sum{};           // sum of each coordinate
    std::array<std::int64_t, 6> sum2{};          // sum of c_a c_b, pairs (0,0) (0,1) (0,2) (1,1) (1,2) (2,2)
    double intensity_sum = 0;
    double intensity_min = std::numeric_limits<double>::infinity();
    double intensity_max = -std::numeric_limits<double>::infinity();

    // One pixel at `coord` (ndim entries) with intensity `value` (ignored without an intensity image).
    void add_pixel(const std::int64_t* coord, int ndim, double value);
    // A run of `length` pixels along the last axis from coord (x0 = coord[ndim - 1]), without intensity.
    void add_run(const std::int64_t* coord, int ndim, std::int64_t length);
    void add_intensity(double value) {
        intensity_sum += value;
        intensity_min = value < intensity_min ? value : intensity_min;
        intensity_max = value > intensity_max ? value : intensity_max;
    }
    void merge(const RegionSums& other);
};

// Index of pair (a, b), a <= b, in RegionSums::sum2.
SKB_HD constexpr int pair_index(int a, int b) { return (a == 0 ? 0 : a == 1 ? 3 : 5) + (b - a); }

// What a run of `length` pixels along the last axis from coord (x0 = coord[ndim - 1]) adds to a region's sums:
// sum x and sum x^2 in closed form, the other axes fixed. Host and device code (the GPU adds it atomically).
struct RunSums {
    std::int64_t sum[3] = {};
    std::int64_t sum2[6] = {};
    std::int64_t x_last = 0;  // the run's last coordinate along the last axis
};
SKB_HD inline RunSums run_sums(const std::int64_t* coord, int ndim, std::int64_t length) {
    const int last = ndim - 1;
    const std::int64_t x0 = coord[last], x1 = x0 + length - 1;
    const std::int64_t sx = (x0 + x1) * length / 2;
    const auto squares_to = [](std::int64_t m) { return m * (m + 1) * (2 * m + 1) / 6; };  // sum of k^2, k in 0..m
    const std::int64_t sxx = squares_to(x1) - (x0 > 0 ? squares_to(x0 - 1) : 0);
    RunSums r;
    r.x_last = x1;
    for (int a = 0; a < ndim; ++a) {
        r.sum[a] = a == last ? sx : coord[a] * length;
        for (int b = a; b < ndim; ++b) {
            std::int64_t s;
            if (a == last) s = sxx;                 // (x, x)
            else if (b == last) s = coord[a] * sx;  // (c_a, x)
            else s = coord[a] * coord[b] * length;  // two fixed axes
            r.sum2[pair_index(a, b)] = s;
        }
    }
    return r;
}

// The table, one column after another (shape: columns x regions, float64), for regions in increasing label order.
Array write_table(std::span<const RegionSums> regions, const std::vector<std::string>& properties, int ndim);

}  // namespace skb::regionprops
