#include "skb/synthetic.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace skb {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

namespace {


double unit_noise(std::uint64_t index, std::uint64_t seed) {
    return static_cast<double>(splitmix64(index * 0x100000001b3ULL + seed) >> 11) * 0x1.0p-53;
}

// A smooth field in [0, 1]: per axis a sum of two sinusoids (tabulated, so a 60M-voxel volume costs one
// multiply-add per axis per voxel), averaged over the axes, plus 5% noise.
std::vector<double> smooth_field(const Shape& spatial, std::uint64_t seed) {
    const int ndim = static_cast<int>(spatial.size());
    std::vector<std::vector<double>> tables(ndim);
    for (int d = 0; d < ndim; ++d) {
        const double f1 = 2 * M_PI * (1.5 + unit_noise(d, seed) * 3) / std::max<std::int64_t>(spatial[d], 1);
        const double f2 = 2 * M_PI * (5 + unit_noise(d + 7, seed) * 7) / std::max<std::int64_t>(spatial[d], 1);
        tables[d].resize(spatial[d]);
        for (std::int64_t i = 0; i < spatial[d]; ++i)
            tables[d][i] = 0.7 * std::sin(f1 * i + d) + 0.3 * std::cos(f2 * i + 2 * d);
    }
    const std::int64_t n = element_count(spatial);
    std::vector<double> field(n);
    std::vector<std::int64_t> coord(ndim, 0);
    for (std::int64_t i = 0; i < n; ++i) {
        double v = 0;
        for (int d = 0; d < ndim; ++d) v += tables[d][coord[d]];
        field[i] = std::clamp(0.5 + 0.45 * v / ndim + 0.05 * (unit_noise(i, seed) - 0.5), 0.0, 1.0);
        for (int d = ndim - 1; d >= 0; --d) {
            if (++coord[d] < spatial[d]) break;
            coord[d] = 0;
        }
    }
    return field;
}

// The exact city-block distance from each foreground pixel (value 1) to the nearest background pixel (0 there), by
// a forward and a backward pass.
std::vector<double> blob_distance(const std::vector<double>& foreground, const Shape& shape) {
    const std::int64_t n = element_count(shape);
    const Shape strides = c_strides(shape);
    const int ndim = static_cast<int>(shape.size());
    const auto axis_coord = [&](std::int64_t i, int d) { return (i / strides[d]) % shape[d]; };
    std::vector<double> distance(n);
    for (std::int64_t i = 0; i < n; ++i) distance[i] = foreground[i] > 0.5 ? static_cast<double>(n) : 0.0;
    for (std::int64_t i = 0; i < n; ++i)
        for (int d = 0; d < ndim; ++d)
            if (axis_coord(i, d) > 0) distance[i] = std::min(distance[i], distance[i - strides[d]] + 1);
    for (std::int64_t i = n - 1; i >= 0; --i)
        for (int d = 0; d < ndim; ++d)
            if (axis_coord(i, d) + 1 < shape[d]) distance[i] = std::min(distance[i], distance[i + strides[d]] + 1);
    return distance;
}

// Seed labels 1.. (C order) at the distance's local maxima: a pixel whose distance is positive, at least its face
// neighbours' and more than those before it in C order (one seed per flat top, mostly).
std::vector<double> distance_peaks(const std::vector<double>& distance, const Shape& shape) {
    const Shape strides = c_strides(shape);
    const int ndim = static_cast<int>(shape.size());
    const auto axis_coord = [&](std::int64_t i, int d) { return (i / strides[d]) % shape[d]; };
    std::vector<double> labels(distance.size(), 0.0);
    double next = 1;
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(distance.size()); ++i) {
        bool peak = distance[i] > 0;
        for (int d = 0; d < ndim && peak; ++d) {
            if (axis_coord(i, d) > 0) peak = distance[i - strides[d]] < distance[i];
            if (peak && axis_coord(i, d) + 1 < shape[d]) peak = distance[i + strides[d]] <= distance[i];
        }
        if (peak) labels[i] = next++;
    }
    return labels;
}

// The value 1.0 maps to: the integer type's maximum, or for 64-bit types the largest double below it (2^63 - 1
// itself rounds up to 2^63 as a double, and converting that back overflows).
template <class T> double full_scale() {
    const auto top = static_cast<double>(std::numeric_limits<T>::max());
    return sizeof(T) == 8 ? std::nextafter(top, 0.0) : top;
}

}  // namespace

std::string_view synthetic_input_name(SyntheticInput kind) {
    switch (kind) {
        case SyntheticInput::Smooth: return "smooth";
        case SyntheticInput::Blobs: return "blobs";
        case SyntheticInput::Rgb: return "rgb";
        case SyntheticInput::Distance: return "distance";
        case SyntheticInput::Peaks: return "peaks";
        case SyntheticInput::SymmetricStack: return "symmetric-stack";
    }
    return "?";
}

Array synthetic_image(SyntheticInput kind, DType dtype, const Shape& shape, std::uint64_t seed) {
    std::vector<double> values;
    if (kind == SyntheticInput::Rgb) {
        const Shape spatial(shape.begin(), shape.end() - 1);
        const auto n = element_count(spatial);
        values.resize(n * 3);
        for (int c = 0; c < 3; ++c) {
            const auto channel = smooth_field(spatial, seed + 101 * c);
            for (std::int64_t i = 0; i < n; ++i) values[3 * i + c] = channel[i];
        }
    } else {
        values = smooth_field(shape, seed);
    }
    const bool from_blobs = kind == SyntheticInput::Blobs || kind == SyntheticInput::Distance ||
                            kind == SyntheticInput::Peaks || dtype == DType::Bool;
    if (from_blobs && !values.empty()) {
        // Foreground: the top 30% of the field, found on a sample (exactness does not matter, determinism does).
        std::vector<double> sample;
        for (std::size_t i = 0; i < values.size(); i += std::max<std::size_t>(1, values.size() / 65536))
            sample.push_back(values[i]);
        const auto cut = sample.begin() + static_cast<std::ptrdiff_t>(sample.size() * 7 / 10);
        std::nth_element(sample.begin(), cut, sample.end());
        const double threshold = *cut;
        for (double& v : values) v = v > threshold ? 1.0 : 0.0;
        if (kind == SyntheticInput::Distance || kind == SyntheticInput::Peaks) {
            const auto distance = blob_distance(values, shape);
            if (kind == SyntheticInput::Peaks) {
                values = distance_peaks(distance, shape);
            } else {
                const double top = std::max(1.0, *std::max_element(distance.begin(), distance.end()));
                for (std::size_t i = 0; i < values.size(); ++i) values[i] = 1.0 - distance[i] / top;
            }
        }
    }
    const bool as_is = kind == SyntheticInput::Blobs || kind == SyntheticInput::Peaks || dtype == DType::Bool;
    Array out(dtype, shape);
    visit_dtype(dtype, [&](auto tag) {
        using T = decltype(tag);
        T* p = out.data<T>();
        for (std::size_t i = 0; i < values.size(); ++i) {
            if constexpr (std::is_same_v<T, bool>) p[i] = values[i] > 0.5;
            else if constexpr (std::is_floating_point_v<T>) p[i] = static_cast<T>(values[i]);
            else if (as_is) p[i] = static_cast<T>(values[i]);  // 0/1, or the peaks' labels
            else p[i] = static_cast<T>(std::llround(values[i] * full_scale<T>()));
        }
    });
    return out;
}

InputArrays synthetic_inputs(const OpSpec& spec, SyntheticInput kind, const InputMetas& metas, std::uint64_t seed) {
    InputArrays made{synthetic_image(kind, metas.image.dtype, metas.image.shape, seed), {}};
    std::uint64_t extra_seed = seed;
    for (const auto& e : spec.extra_inputs) {  // in the spec's order, so the seeds do not depend on the map's
        const auto meta = metas.extras.find(e.name);
        extra_seed += meta != metas.extras.end() ? 1000 : 0;
        // Peaks mark the image's own blobs (its seed): markers at the minima of a Distance image.
        if (meta != metas.extras.end())
            made.extras.emplace_back(e.name, synthetic_image(e.bench_input, meta->second.dtype, meta->second.shape,
                                                             e.bench_input == SyntheticInput::Peaks ? seed : extra_seed));
    }
    return made;
}

}  // namespace skb
