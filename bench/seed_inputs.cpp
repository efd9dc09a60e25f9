// The seed pipelines' inputs (issues 14 and 15; shared/seeds 004) and the coins pipeline's last piece of glue.
#include "seed_inputs.hpp"

#include <algorithm>
#include <cmath>

#include "skb/error.hpp"
#include "skb/synthetic.hpp"

namespace skb::bench {
namespace {

double unit(std::uint64_t key) { return static_cast<double>(splitmix64(key) >> 11) * 0x1.0p-53; }

}  // namespace

Array coins_image(const Shape& shape) {
    if (shape.size() != 2) throw Error("the coins image is 2-D, not " + shape_string(shape));
    const std::int64_t rows = shape[0], cols = shape[1];
    Array image(DType::U8, shape);
    std::uint8_t* px = image.data<std::uint8_t>();
    // An uneven background: a slope across the image and a slow ripple, 40..110, plus noise of +-12.
    std::vector<double> level(static_cast<std::size_t>(rows * cols));
    for (std::int64_t y = 0; y < rows; ++y)
        for (std::int64_t x = 0; x < cols; ++x) {
            const double u = static_cast<double>(y) / rows, v = static_cast<double>(x) / cols;
            level[y * cols + x] = 40 + 45 * (0.6 * u + 0.4 * v) + 25 * std::sin(6.3 * u) * std::cos(4.1 * v);
        }
    // Bright discs of radius 4..30 (one per ~5000 pixels), 160..230 with a darker rim; some overlap, and the
    // uniform centres put many across the border.
    const std::int64_t discs = std::max<std::int64_t>(1, rows * cols / 5000);
    for (std::int64_t d = 0; d < discs; ++d) {
        const double cy = unit(4 * d) * rows, cx = unit(4 * d + 1) * cols;
        const double r = 4 + 26 * unit(4 * d + 2) * unit(4 * d + 2);  // more small discs than large ones
        const double brightness = 160 + 70 * unit(4 * d + 3);
        const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(cy - r));
        const auto y1 = std::min<std::int64_t>(rows - 1, static_cast<std::int64_t>(cy + r) + 1);
        const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(cx - r));
        const auto x1 = std::min<std::int64_t>(cols - 1, static_cast<std::int64_t>(cx + r) + 1);
        for (std::int64_t y = y0; y <= y1; ++y)
            for (std::int64_t x = x0; x <= x1; ++x) {
                const double dist = std::hypot(static_cast<double>(y) - cy, static_cast<double>(x) - cx);
                if (dist <= r) level[y * cols + x] = brightness - 30 * (dist / r) * (dist / r);
            }
    }
    for (std::int64_t i = 0; i < rows * cols; ++i) {
        const double noise = 24 * (unit(0x5eed0000000ULL + static_cast<std::uint64_t>(i)) - 0.5);
        px[i] = static_cast<std::uint8_t>(std::clamp(std::lround(level[i] + noise), 0L, 255L));
    }
    return image;
}

Array tomography_volume(const Shape& shape) {
    if (shape.size() != 3) throw Error("the tomography volume is 3-D, not " + shape_string(shape));
    const std::int64_t depth = shape[0], rows = shape[1], cols = shape[2], n = element_count(shape);
    const double smallest = static_cast<double>(std::min({depth, rows, cols}));
    std::vector<float> level(static_cast<std::size_t>(n), 0.2f);
    // Sets `value` inside the sphere (cz, cy, cx, r), clipped to the volume.
    const auto sphere = [&](double cz, double cy, double cx, double r, float value) {
        const auto lo = [](double c, double r) { return std::max<std::int64_t>(0, static_cast<std::int64_t>(c - r)); };
        const auto hi = [](double c, double r, std::int64_t extent) {
            return std::min<std::int64_t>(extent - 1, static_cast<std::int64_t>(c + r) + 1);
        };
        for (std::int64_t z = lo(cz, r); z <= hi(cz, r, depth); ++z)
            for (std::int64_t y = lo(cy, r); y <= hi(cy, r, rows); ++y)
                for (std::int64_t x = lo(cx, r); x <= hi(cx, r, cols); ++x) {
                    const double dz = static_cast<double>(z) - cz, dy = static_cast<double>(y) - cy,
                                 dx = static_cast<double>(x) - cx;
                    if (dz * dz + dy * dy + dx * dx <= r * r) level[static_cast<std::size_t>((z * rows + y) * cols + x)] = value;
                }
    };
    const std::int64_t aggregates = std::max<std::int64_t>(6, n / 300000);
    for (std::int64_t a = 0; a < aggregates; ++a) {
        const std::uint64_t key = 0x70a0000000ULL + 16 * static_cast<std::uint64_t>(a);
        const double cz = unit(key) * depth, cy = unit(key + 1) * rows, cx = unit(key + 2) * cols;
        const double u = unit(key + 3);
        const double r = std::max(smallest * (0.08 + 0.14 * u), 6 + 6 * u);  // cores survive the 10-cube erosion
        sphere(cz, cy, cx, r, 0.6f);
        for (int i = 0; i < 3; ++i) {  // inclusions within half the radius of the centre
            const double u = unit(key + 4 + 2 * i), v = unit(key + 5 + 2 * i);
            sphere(cz + r * (u - 0.5), cy + r * (v - 0.5), cx + r * (0.5 - u), r * (0.12 + 0.1 * v),
                   i == 2 && unit(key + 10) < 0.5 ? 0.2f : 0.85f);  // the third of some is a closed pore
        }
    }
    Array volume(DType::F32, shape);
    float* out = volume.data<float>();
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = level[static_cast<std::size_t>(i)] +
                 static_cast<float>(0.2 * (unit(0x70b0000000000ULL + static_cast<std::uint64_t>(i)) - 0.5));
    return volume;
}

Array keep_regions_of_area_at_least_100(const Array& table) {
    // The table's rows are regionprops_table's columns for properties label,area,...: row 1 is the area.
    const std::int64_t rows = table.shape().at(0), regions = table.shape().at(1);
    const double* in = table.data<double>();
    std::vector<std::int64_t> kept;
    for (std::int64_t j = 0; j < regions; ++j)
        if (in[regions + j] >= 100) kept.push_back(j);
    Array result(DType::F64, Shape{rows, static_cast<std::int64_t>(kept.size())});
    double* out = result.data<double>();
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::size_t k = 0; k < kept.size(); ++k) out[r * static_cast<std::int64_t>(kept.size()) + k] =
            in[r * regions + kept[k]];
    return result;
}

}  // namespace skb::bench
