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

Array retina_image(const Shape& shape) {
    if (shape.size() != 3 || shape[2] != 3) throw Error("the retina image is rows x cols x 3, not " + shape_string(shape));
    const std::int64_t rows = shape[0], cols = shape[1], n = rows * cols;
    const double cy = 0.5 * static_cast<double>(rows), cx = 0.5 * static_cast<double>(cols);
    const double radius = 0.47 * static_cast<double>(std::min(rows, cols));
    const double oy = cy - 0.05 * radius, ox = cx - 0.35 * radius;  // the optic disc
    std::vector<double> darkness(static_cast<std::size_t>(n), 0.0);
    // A vessel: from (y, x) along `angle` for `length` pixels, wandering; it forks into two narrower ones.
    struct Vessel {
        double y, x, angle, length, width;
        int depth;
    };
    std::vector<Vessel> todo;
    for (int t = 0; t < 6; ++t)
        todo.push_back({oy, ox, 6.2831853 * (t + unit(0x7e7000 + t)) / 6, radius * (0.35 + 0.2 * unit(0x7e7100 + t)),
                        4.0 + unit(0x7e7200 + t), 0});
    std::uint64_t key = 0x7e80000000ULL;
    while (!todo.empty()) {
        Vessel v = todo.back();
        todo.pop_back();
        for (double s = 0; s < v.length; s += 1.0) {
            v.angle += 0.08 * (unit(key++) - 0.5);
            v.y += std::sin(v.angle);
            v.x += std::cos(v.angle);
            const double reach = 3 * v.width;
            const auto y0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(v.y - reach));
            const auto y1 = std::min<std::int64_t>(rows - 1, static_cast<std::int64_t>(v.y + reach) + 1);
            const auto x0 = std::max<std::int64_t>(0, static_cast<std::int64_t>(v.x - reach));
            const auto x1 = std::min<std::int64_t>(cols - 1, static_cast<std::int64_t>(v.x + reach) + 1);
            for (std::int64_t y = y0; y <= y1; ++y)
                for (std::int64_t x = x0; x <= x1; ++x) {
                    const double dy = static_cast<double>(y) - v.y, dx = static_cast<double>(x) - v.x;
                    const double d = 0.55 * std::exp(-(dy * dy + dx * dx) / (0.5 * v.width * v.width));
                    double& px = darkness[static_cast<std::size_t>(y * cols + x)];
                    px = std::max(px, d);
                }
        }
        if (v.depth < 5 && v.width > 1.2)
            for (int side = -1; side <= 1; side += 2)
                todo.push_back({v.y, v.x, v.angle + side * (0.35 + 0.3 * unit(key++)), v.length * (0.55 + 0.2 * unit(key++)),
                                v.width * 0.72, v.depth + 1});
    }
    Array image(DType::U8, shape);
    std::uint8_t* px = image.data<std::uint8_t>();
    const double tint[3] = {210, 95, 35};  // the fundus' orange
    for (std::int64_t y = 0; y < rows; ++y)
        for (std::int64_t x = 0; x < cols; ++x) {
            const double r = std::hypot(static_cast<double>(y) - cy, static_cast<double>(x) - cx) / radius;
            const double optic = std::exp(-(std::pow(static_cast<double>(y) - oy, 2) + std::pow(static_cast<double>(x) - ox, 2)) /
                                          (2 * std::pow(0.08 * radius, 2)));
            const double lit = r > 1 ? 0.0 : (1 - 0.45 * r * r) * (1 - darkness[static_cast<std::size_t>(y * cols + x)]);
            const std::int64_t i = y * cols + x;
            for (int c = 0; c < 3; ++c) {
                const double noise = r > 1 ? 0 : 10 * (unit(0x7e90000000000ULL + 3 * static_cast<std::uint64_t>(i) + c) - 0.5);
                const double value = tint[c] * lit + 90 * optic * (r > 1 ? 0 : 1) + noise;
                px[3 * i + c] = static_cast<std::uint8_t>(std::clamp(std::lround(value), 0L, 255L));
            }
        }
    return image;
}

Array tube_volume(const Shape& shape) {
    if (shape.size() != 3) throw Error("the tube volume is 3-D, not " + shape_string(shape));
    const std::int64_t depth = shape[0], rows = shape[1], cols = shape[2], n = element_count(shape);
    std::vector<float> level(static_cast<std::size_t>(n), 0.0f);
    const double radii[] = {1.0, 1.5, 2.0, 3.0, 4.0};
    const std::int64_t tubes = std::max<std::int64_t>(5, n / 300000);
    for (std::int64_t t = 0; t < tubes; ++t) {
        const std::uint64_t key = 0x7b0000000ULL + 64 * static_cast<std::uint64_t>(t);
        const double r = radii[t % 5];
        double p[3] = {unit(key) * depth, unit(key + 1) * rows, unit(key + 2) * cols};
        for (int segment = 0; segment < 4; ++segment) {
            const double q[3] = {unit(key + 3 + 3 * segment) * depth, unit(key + 4 + 3 * segment) * rows,
                                 unit(key + 5 + 3 * segment) * cols};
            const double d[3] = {q[0] - p[0], q[1] - p[1], q[2] - p[2]};
            const double length2 = std::max(1e-9, d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            std::int64_t lo[3], hi[3];
            for (int a = 0; a < 3; ++a) {
                lo[a] = std::max<std::int64_t>(0, static_cast<std::int64_t>(std::min(p[a], q[a]) - 3 * r));
                hi[a] = std::min<std::int64_t>(shape[static_cast<std::size_t>(a)] - 1,
                                               static_cast<std::int64_t>(std::max(p[a], q[a]) + 3 * r) + 1);
            }
            for (std::int64_t z = lo[0]; z <= hi[0]; ++z)
                for (std::int64_t y = lo[1]; y <= hi[1]; ++y)
                    for (std::int64_t x = lo[2]; x <= hi[2]; ++x) {
                        const double v[3] = {static_cast<double>(z) - p[0], static_cast<double>(y) - p[1],
                                             static_cast<double>(x) - p[2]};
                        const double s = std::clamp((v[0] * d[0] + v[1] * d[1] + v[2] * d[2]) / length2, 0.0, 1.0);
                        const double e[3] = {v[0] - s * d[0], v[1] - s * d[1], v[2] - s * d[2]};
                        const double dist2 = e[0] * e[0] + e[1] * e[1] + e[2] * e[2];
                        if (dist2 > 9 * r * r) continue;
                        float& out = level[static_cast<std::size_t>((z * rows + y) * cols + x)];
                        out = std::max(out, static_cast<float>(std::exp(-dist2 / (2 * r * r))));
                    }
            for (int a = 0; a < 3; ++a) p[a] = q[a];
        }
    }
    Array volume(DType::F32, shape);
    float* out = volume.data<float>();
    for (std::int64_t i = 0; i < n; ++i)
        out[i] = 0.1f + 0.8f * level[static_cast<std::size_t>(i)] +
                 static_cast<float>(0.1 * (unit(0x7c00000000000ULL + static_cast<std::uint64_t>(i)) - 0.5));
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
