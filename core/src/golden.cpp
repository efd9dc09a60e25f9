#include "skb/golden.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "skb/npy.hpp"
#include "skb/registry.hpp"

namespace skb::golden {

Manifest load_manifest(const std::filesystem::path& dir) {
    const auto path = dir / "manifest.json";
    std::ifstream in(path);
    if (!in) throw Error("cannot read golden manifest " + path.string() + " (run golden/generate.py?)");
    Manifest m;
    try {
        const auto json = nlohmann::json::parse(in);
        m.skimage_version = json.at("skimage_version").get<std::string>();
        for (const auto& j : json.at("cases")) {
            Case c;
            c.id = j.at("id").get<std::string>();
            c.op = j.at("op").get<std::string>();
            for (const auto& [name, value] : j.at("params").items()) c.params[name] = value.get<std::string>();
            c.input = dir / j.at("input").get<std::string>();
            c.input_dtype = parse_dtype(j.at("input_dtype").get<std::string>());
            c.input_shape = j.at("input_shape").get<Shape>();
            if (j.contains("extra_inputs"))
                for (const auto& [name, file] : j.at("extra_inputs").items())
                    c.extra_inputs[name] = dir / file.get<std::string>();
            c.expect_error = j.value("expect_error", false);
            if (c.expect_error) c.error = j.value("error", "");
            else c.output = dir / j.at("output").get<std::string>();
            c.note = j.value("note", "");
            m.cases.push_back(std::move(c));
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error("golden manifest " + path.string() + " is malformed: " + e.what());
    }
    return m;
}

std::vector<Case> stratified(const std::vector<Case>& cases) {
    std::set<std::tuple<std::string, DType, std::size_t, bool>> seen;
    std::vector<Case> picked;
    for (const Case& c : cases)
        if (seen.emplace(c.op, c.input_dtype, c.input_shape.size(), c.expect_error).second) picked.push_back(c);
    return picked;
}

namespace {

std::vector<double> as_doubles(const Array& a) {
    std::vector<double> v(static_cast<std::size_t>(a.size()));
    visit_dtype(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const T* p = a.data<T>();
        for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(p[i]);
    });
    return v;
}

std::string format_index(std::int64_t flat, const Shape& shape) {
    std::string s = "(";
    const Shape strides = c_strides(shape);
    for (std::size_t d = 0; d < shape.size(); ++d) {
        s += (d ? ", " : "") + std::to_string(flat / strides[d] % shape[d]);
    }
    return s + ")";
}

}  // namespace

Comparison compare(const Array& actual, const Array& expected, const Tolerance& given) {
    Comparison c;
    const auto a = as_doubles(actual), e = as_doubles(expected);
    Tolerance tolerance = given;
    if (tolerance.of_largest > 0) {
        double largest = 0;
        for (double v : e)
            if (std::isfinite(v)) largest = std::max(largest, std::fabs(v));
        tolerance.atol += tolerance.of_largest * largest;
    }
    for (std::size_t i = 0; i < a.size() && i < e.size(); ++i) {
        const bool good = tolerance.accepts(a[i], e[i]);
        if (a[i] != e[i] && std::isfinite(a[i]) && std::isfinite(e[i])) {
            const double abs_error = std::fabs(a[i] - e[i]);
            c.max_abs_error = std::max(c.max_abs_error, abs_error);
            if (e[i] != 0) c.max_rel_error = std::max(c.max_rel_error, abs_error / std::fabs(e[i]));
        }
        if (!good) {
            if (c.bad_count++ == 0) {
                c.first_bad_index = static_cast<std::int64_t>(i);
                c.first_bad_actual = a[i];
                c.first_bad_expected = e[i];
            }
        }
    }
    c.allowed_bad = static_cast<std::int64_t>(tolerance.outlier_fraction * static_cast<double>(e.size()));
    c.ok = c.bad_count <= c.allowed_bad;
    return c;
}

std::string Comparison::describe(const Shape& shape) const {
    std::ostringstream s;
    s.precision(9);
    s << "max abs error " << max_abs_error << ", max rel error " << max_rel_error << ", " << bad_count
      << " elements out of tolerance";
    if (allowed_bad > 0) s << " (" << allowed_bad << " allowed)";
    if (first_bad_index >= 0)
        s << "; first at " << format_index(first_bad_index, shape) << ": got " << first_bad_actual << ", expected "
          << first_bad_expected;
    return s.str();
}

InputArrays load_inputs(const Case& c) {
    InputArrays loaded{npy::load(c.input), {}};
    for (const auto& [name, path] : c.extra_inputs) loaded.extras.emplace_back(name, npy::load(path));
    return loaded;
}

Outcome check_case(const Case& c, const std::string& backend) {
    const InputArrays loaded = load_inputs(c);
    const OpInputs inputs = loaded.view();
    Array actual;
    DType want = DType::F64;  // what the op's spec says this backend produces for this input
    try {
        const PreparedOp op(c.op, backend, InputMetas(inputs), c.params);
        want = op.output().dtype;
        actual = op.run(inputs);
    } catch (const Error& e) {
        if (c.expect_error) return {Status::Pass, std::string("refused as scikit-image does: ") + e.what()};
        return {Status::Fail, e.what()};
    }
    if (c.expect_error) return {Status::Fail, "scikit-image raised (" + c.error + ") but the backend returned a result"};

    return check_result(c.op, backend, actual, npy::load(c.output), want);
}

Outcome check_result(const std::string& op, const std::string& backend, const Array& actual, const Array& expected,
                     DType want) {
    if (actual.shape() != expected.shape())
        return {Status::Fail, "shape " + shape_string(actual.shape()) + ", expected " + shape_string(expected.shape())};
    if (backend_info(backend).precision == Precision::F64 && expected.ndim() > 0 && want != expected.dtype())
        return {Status::Fail, "the spec says " + std::string(dtype_name(want)) + ", scikit-image gave " +
                                  std::string(dtype_name(expected.dtype()))};
    const bool same_kind = is_float(actual.dtype()) == is_float(expected.dtype());
    if (expected.ndim() == 0 ? !same_kind : actual.dtype() != want)
        return {Status::Fail, "dtype " + std::string(dtype_name(actual.dtype())) + ", expected " +
                                  std::string(dtype_name(want))};
    const Comparison cmp = compare(actual, expected, tolerance(op, backend, expected.dtype()));
    return {cmp.ok ? Status::Pass : Status::Fail, cmp.describe(expected.shape())};
}

}  // namespace skb::golden
