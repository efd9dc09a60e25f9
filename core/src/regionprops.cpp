#include "skb/regionprops.hpp"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>

#include "skb/error.hpp"

namespace skb::regionprops {
namespace {

__extension__ using Int128 = __int128;

// The inertia tensor's eigenvalues, descending and clipped at 0 (scikit-image's inertia_tensor_eigvals), and the
// tensor itself: T_ii = (sum of the other axes' central second moments) / N, T_ij = -mu_ij / N.
struct Inertia {
    Eigen::Matrix3d tensor = Eigen::Matrix3d::Zero();
    std::array<double, 3> eigvals{};
    // No spread along some axis (exact: integer moments): the region lies in a plane, where the largest
    // eigenvalue is the sum of the other two and the 3-D minor axis length is exactly 0. Computed from the
    // eigenvalues it would be the square root of a rounding error (~1e-8), not the 0 scikit-image gets.
    bool planar = false;
};

Inertia inertia(const RegionSums& r, int ndim) {
    const auto n = static_cast<double>(r.count);
    double mu[3][3] = {};
    for (int a = 0; a < ndim; ++a)
        for (int b = a; b < ndim; ++b) {
            const Int128 numerator = static_cast<Int128>(r.count) * r.sum2[pair_index(a, b)] -
                                     static_cast<Int128>(r.sum[a]) * r.sum[b];
            mu[a][b] = mu[b][a] = static_cast<double>(numerator) / n;
        }
    Inertia out;
    for (int a = 0; a < ndim; ++a) out.planar = out.planar || mu[a][a] == 0;
    double trace = 0;
    for (int a = 0; a < ndim; ++a) trace += mu[a][a];
    for (int a = 0; a < ndim; ++a)
        for (int b = 0; b < ndim; ++b) out.tensor(a, b) = a == b ? (trace - mu[a][a]) / n : -mu[a][b] / n;
    if (ndim == 2) {
        const Eigen::SelfAdjointEigenSolver<Eigen::Matrix2d> solver(out.tensor.topLeftCorner<2, 2>(),
                                                                    Eigen::EigenvaluesOnly);
        out.eigvals = {std::max(0.0, solver.eigenvalues()(1)), std::max(0.0, solver.eigenvalues()(0)), 0.0};
    } else {
        const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> solver(out.tensor, Eigen::EigenvaluesOnly);
        out.eigvals = {std::max(0.0, solver.eigenvalues()(2)), std::max(0.0, solver.eigenvalues()(1)),
                       std::max(0.0, solver.eigenvalues()(0))};
    }
    return out;
}

enum class Property {
    Label, Area, Bbox, Centroid, AreaBbox, Extent, EquivalentDiameterArea, IntensityMean, IntensityMin, IntensityMax,
    InertiaTensorEigvals, AxisMajorLength, AxisMinorLength, Eccentricity, Orientation
};

Property property_of(const std::string& name) {
    const auto& names = property_names();
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) throw InternalError("regionprops: property " + name + " has no formula");
    return static_cast<Property>(it - names.begin());  // property_names() lists them in the enum's order
}

// One property's columns for one region, appended to `row`.
void property_values(Property p, const RegionSums& r, int ndim, std::vector<double>& row) {
    const auto n = static_cast<double>(r.count);
    double box = 1;
    for (int a = 0; a < ndim; ++a) box *= static_cast<double>(r.hi[a] - r.lo[a] + 1);
    switch (p) {
        case Property::Label: row.push_back(static_cast<double>(r.label)); return;
        case Property::Area: row.push_back(n); return;
        case Property::Bbox:
            for (int a = 0; a < ndim; ++a) row.push_back(static_cast<double>(r.lo[a]));
            for (int a = 0; a < ndim; ++a) row.push_back(static_cast<double>(r.hi[a] + 1));
            return;
        case Property::Centroid:
            for (int a = 0; a < ndim; ++a) row.push_back(static_cast<double>(r.sum[a]) / n);
            return;
        case Property::AreaBbox: row.push_back(box); return;
        case Property::Extent: row.push_back(n / box); return;
        case Property::EquivalentDiameterArea: row.push_back(std::pow(2.0 * ndim * n / std::numbers::pi, 1.0 / ndim)); return;
        case Property::IntensityMean: row.push_back(r.intensity_sum / n); return;
        case Property::IntensityMin: row.push_back(r.intensity_min); return;
        case Property::IntensityMax: row.push_back(r.intensity_max); return;
        default: break;
    }
    const Inertia in = inertia(r, ndim);
    const auto& ev = in.eigvals;
    switch (p) {
        case Property::InertiaTensorEigvals:
            for (int a = 0; a < ndim; ++a) row.push_back(ev[a]);
            return;
        case Property::AxisMajorLength:
            row.push_back(ndim == 2 ? 4 * std::sqrt(ev[0]) : std::sqrt(std::max(0.0, 10 * (ev[0] + ev[1] - ev[2]))));
            return;
        case Property::AxisMinorLength:
            if (ndim == 2) row.push_back(4 * std::sqrt(ev[1]));
            else row.push_back(in.planar ? 0.0 : std::sqrt(std::max(0.0, 10 * (-ev[0] + ev[1] + ev[2]))));
            return;
        case Property::Eccentricity: row.push_back(ev[0] == 0 ? 0.0 : std::sqrt(1 - ev[1] / ev[0])); return;
        case Property::Orientation: {
            const double a = in.tensor(0, 0), b = in.tensor(0, 1), c = in.tensor(1, 1);
            if (a - c == 0) row.push_back(b < 0 ? std::numbers::pi / 4 : -std::numbers::pi / 4);
            else row.push_back(0.5 * std::atan2(-2 * b, c - a));
            return;
        }
        default: throw InternalError("regionprops: a property without a formula");
    }
}

}  // namespace

const std::vector<std::string>& property_names() {
    static const std::vector<std::string> names{
        "label", "area", "bbox", "centroid", "area_bbox", "extent", "equivalent_diameter_area", "intensity_mean",
        "intensity_min", "intensity_max", "inertia_tensor_eigvals", "axis_major_length", "axis_minor_length",
        "eccentricity", "orientation"};
    return names;
}

bool needs_intensity(const std::string& p) { return p.starts_with("intensity_"); }

bool only_2d(const std::string& p) { return p == "eccentricity" || p == "orientation"; }

std::vector<std::string> columns(const std::vector<std::string>& properties, int ndim) {
    std::vector<std::string> out;
    for (const auto& p : properties) {
        const int count = p == "bbox" ? 2 * ndim : (p == "centroid" || p == "inertia_tensor_eigvals") ? ndim : 0;
        if (count == 0) out.push_back(p);
        for (int i = 0; i < count; ++i) out.push_back(p + "-" + std::to_string(i));
    }
    return out;
}

void RegionSums::add_pixel(const std::int64_t* coord, int ndim, double value) {
    ++count;
    for (int a = 0; a < ndim; ++a) {
        lo[a] = std::min(lo[a], coord[a]);
        hi[a] = std::max(hi[a], coord[a]);
        sum[a] += coord[a];
        for (int b = a; b < ndim; ++b) sum2[pair_index(a, b)] += coord[a] * coord[b];
    }
    add_intensity(value);
}

void RegionSums::add_run(const std::int64_t* coord, int ndim, std::int64_t length) {
    const RunSums r = run_sums(coord, ndim, length);
    count += length;
    for (int a = 0; a < ndim; ++a) {
        lo[a] = std::min(lo[a], coord[a]);
        hi[a] = std::max(hi[a], a == ndim - 1 ? r.x_last : coord[a]);
        sum[a] += r.sum[a];
        for (int b = a; b < ndim; ++b) sum2[pair_index(a, b)] += r.sum2[pair_index(a, b)];
    }
}

void RegionSums::merge(const RegionSums& o) {
    count += o.count;
    for (int a = 0; a < 3; ++a) {
        lo[a] = std::min(lo[a], o.lo[a]);
        hi[a] = std::max(hi[a], o.hi[a]);
        sum[a] += o.sum[a];
    }
    for (int i = 0; i < 6; ++i) sum2[i] += o.sum2[i];
    intensity_sum += o.intensity_sum;
    intensity_min = std::min(intensity_min, o.intensity_min);
    intensity_max = std::max(intensity_max, o.intensity_max);
}

Array write_table(std::span<const RegionSums> regions, const std::vector<std::string>& properties, int ndim) {
    const auto names = columns(properties, ndim);
    const auto ncols = static_cast<std::int64_t>(names.size());
    const auto nrows = static_cast<std::int64_t>(regions.size());
    Array table(DType::F64, Shape{ncols, nrows});
    double* out = table.data<double>();
    std::vector<Property> wanted;
    for (const auto& p : properties) wanted.push_back(property_of(p));
    std::vector<double> row;
    for (std::int64_t r = 0; r < nrows; ++r) {
        row.clear();
        for (const Property p : wanted) property_values(p, regions[r], ndim, row);
        for (std::int64_t c = 0; c < ncols; ++c) out[c * nrows + r] = row[c];
    }
    return table;
}

}  // namespace skb::regionprops
