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
constexpr int pair_index(int a, int b) {
    constexpr int first[3] = {0, 3, 5};
    return first[a] + (b - a);
}

// The table, one column after another (shape: columns x regions, float64), for regions in increasing label order.
Array write_table(std::span<const RegionSums> regions, const std::vector<std::string>& properties, int ndim);

}  // namespace skb::regionprops
