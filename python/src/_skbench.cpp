// skbench._skbench: the registry's ops callable from Python. NumPy arrays in (C-contiguous ones read in place, others
// copied once into audited memory), NumPy arrays out that own skbench's aligned memory, out= written in place; the
// GIL is released while an op runs. The Python API (skbench/__init__.py) is generated from registry_json().
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "skb/array.hpp"
#include "skb/audit.hpp"
#include "skb/build_info.hpp"
#include "skb/dtype.hpp"
#include "skb/error.hpp"
#include "skb/golden.hpp"
#include "skb/otsu.hpp"
#include "skb/regionprops.hpp"
#include "skb/synthetic.hpp"
#include "skb/registry.hpp"
#include "skb/registry_json.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using InputArray = nb::ndarray<nb::ro, nb::device::cpu>;
using OutputArray = nb::ndarray<nb::device::cpu>;

// A NumPy dtype as skbench's; a dtype skbench has no type for is a TypeError naming it.
skb::DType dtype_of(const nb::dlpack::dtype& t, const std::string& what) {
    using Code = nb::dlpack::dtype_code;
    const auto code = static_cast<Code>(t.code);
    if (t.lanes == 1) {
        if (code == Code::Bool && t.bits == 8) return skb::DType::Bool;
        if (code == Code::UInt && t.bits == 8) return skb::DType::U8;
        if (code == Code::UInt && t.bits == 16) return skb::DType::U16;
        if (code == Code::Int && t.bits == 32) return skb::DType::I32;
        if (code == Code::Int && t.bits == 64) return skb::DType::I64;
        if (code == Code::Float && t.bits == 32) return skb::DType::F32;
        if (code == Code::Float && t.bits == 64) return skb::DType::F64;
    }
    static const char* const kinds[] = {"int", "uint", "float", "?", "bfloat", "complex", "bool"};
    const std::string kind = t.code < std::size(kinds) ? kinds[t.code] : "dtype code " + std::to_string(t.code);
    throw nb::type_error((what + ": dtype " + kind + std::to_string(t.bits) +
                          " is not one skbench takes (bool, uint8, uint16, int32, int64, float32, float64)")
                             .c_str());
}

nb::dlpack::dtype dlpack_dtype(skb::DType t) {
    return skb::visit_dtype(t, [](auto tag) { return nb::dtype<decltype(tag)>(); });
}

template <class A> skb::Shape shape_of(const A& a) {
    skb::Shape shape(a.ndim());
    for (std::size_t d = 0; d < a.ndim(); ++d) shape[d] = static_cast<std::int64_t>(a.shape(d));
    return shape;
}

// Whether an array's elements lie in C order, one after another, aligned for their type (skbench reads it in place).
template <class A> bool c_contiguous(const A& a) {
    if (reinterpret_cast<std::uintptr_t>(a.data()) % a.itemsize() != 0) return false;
    std::int64_t expected = 1;
    for (std::size_t d = a.ndim(); d-- > 0;) {
        if (a.shape(d) != 1 && a.stride(d) != expected) return false;
        expected *= static_cast<std::int64_t>(a.shape(d));
    }
    return true;
}

// The array as skbench's: borrowed when C-contiguous, else copied once into audited memory.
skb::Array from_numpy(const InputArray& a, const std::string& what) {
    const skb::DType dtype = dtype_of(a.dtype(), what);
    skb::Shape shape = shape_of(a);
    if (c_contiguous(a)) return skb::Array::borrow(const_cast<void*>(a.data()), dtype, std::move(shape));
    skb::Array copy(dtype, shape);
    const std::size_t itemsize = skb::dtype_size(dtype);
    auto* dst = static_cast<std::byte*>(copy.raw());
    const auto* base = static_cast<const std::byte*>(a.data());
    std::vector<std::int64_t> index(shape.size(), 0);
    for (std::int64_t i = 0; i < copy.size(); ++i) {
        std::int64_t offset = 0;  // in elements
        for (std::size_t d = 0; d < shape.size(); ++d) offset += index[d] * a.stride(d);
        std::memcpy(dst + i * itemsize, base + offset * static_cast<std::int64_t>(itemsize), itemsize);
        for (std::size_t d = shape.size(); d-- > 0;) {  // next index, C order
            if (++index[d] < shape[d]) break;
            index[d] = 0;
        }
    }
    return copy;
}

// A result as a NumPy array that owns it: the array's memory is freed (and the audit told) when NumPy drops it.
nb::object to_numpy(skb::Array result) {
    auto* owned = new skb::Array(std::move(result));
    nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<skb::Array*>(p); });
    std::vector<std::size_t> shape(owned->shape().begin(), owned->shape().end());
    alignas(64) static std::byte empty_storage[64];  // an empty result has no storage; NumPy wants a pointer
    void* data = owned->raw() ? owned->raw() : empty_storage;
    nb::ndarray<nb::numpy> array(data, shape.size(), shape.data(), owner, nullptr, dlpack_dtype(owned->dtype()));
    return array.cast();
}

struct Inputs {
    skb::Array image;
    std::vector<std::pair<std::string, skb::Array>> extras;
    skb::OpInputs view() const {
        skb::OpInputs inputs(image);
        for (const auto& [name, array] : extras) inputs.with(name, array);
        return inputs;
    }
};

Inputs convert_inputs(const std::string& op_id, const InputArray& image,
                      const std::vector<std::pair<std::string, InputArray>>& extras) {
    Inputs inputs{from_numpy(image, op_id + ": image"), {}};
    for (const auto& [name, array] : extras) inputs.extras.emplace_back(name, from_numpy(array, op_id + ": " + name));
    return inputs;
}

// Runs one op. Every check (inputs, parameters, out=) happens before anything is written to out; the GIL is released
// while the op runs.
nb::object run(const std::string& op_id, const std::string& backend, const InputArray& image,
               const std::vector<std::pair<std::string, InputArray>>& extras, const skb::ParamTexts& params,
               int threads, std::optional<OutputArray> out) {
    const Inputs inputs = convert_inputs(op_id, image, extras);
    const skb::OpInputs view = inputs.view();
    const skb::PreparedOp op(op_id, backend, skb::InputMetas(view), params);
    skb::Array out_view;
    skb::RunOptions options{threads, nullptr};
    if (out) {
        const skb::ArrayMeta& want = op.output();
        if (skb::has_data_dependent_extent(want))
            throw skb::Error(op_id + ": out= is not supported: the result's shape depends on the data");
        const skb::DType dtype = dtype_of(out->dtype(), op_id + ": out");
        if (dtype != want.dtype || shape_of(*out) != want.shape)
            throw skb::Error(op_id + ": out= is " + std::string(skb::dtype_name(dtype)) + " " +
                             skb::shape_string(shape_of(*out)) + ", the result is " +
                             std::string(skb::dtype_name(want.dtype)) + " " + skb::shape_string(want.shape));
        if (!c_contiguous(*out)) throw skb::Error(op_id + ": out= must be C-contiguous");
        out_view = skb::Array::borrow(out->data(), dtype, want.shape);
        options.output = &out_view;
    }
    skb::Array result;
    {
        nb::gil_scoped_release release;
        result = op.run(view, options);
        if (out && result.raw() != out_view.raw() && result.nbytes() > 0)  // the op made its own array
            std::memcpy(out_view.raw(), result.raw(), result.nbytes());
    }
    if (out) return nb::none();  // the caller returns its out array
    return to_numpy(std::move(result));
}

using MetaArgs = std::pair<std::string, std::vector<std::int64_t>>;  // (dtype name, shape)

skb::ArrayMeta meta_of(const MetaArgs& meta) { return skb::ArrayMeta{skb::parse_dtype(meta.first), meta.second}; }

// The result's (dtype, shape) for inputs of these dtypes and shapes and these parameters: every check run does,
// without data (skbench.dask plans its graphs with it).
MetaArgs output_meta(const std::string& op_id, const std::string& backend, const MetaArgs& image,
                     const std::vector<std::pair<std::string, MetaArgs>>& extras, const skb::ParamTexts& params) {
    skb::InputMetas metas(meta_of(image));
    for (const auto& [name, meta] : extras) metas.extras.emplace(name, meta_of(meta));
    const skb::PreparedOp op(op_id, backend, metas, params);
    return {std::string(skb::dtype_name(op.output().dtype)), op.output().shape};
}

// OpSpec::reach for an image of this dtype and shape: the halo per spatial axis, or None (the op needs the whole
// image).
std::optional<std::vector<std::int64_t>> reach(const std::string& op_id, const std::string& dtype,
                                               const std::vector<std::int64_t>& shape, const skb::ParamTexts& params) {
    const skb::OpSpec& spec = skb::Registry::instance().spec(op_id);
    if (!spec.reach) return std::nullopt;
    const skb::Params parsed_params = skb::Params::parse(op_id, spec.params, params);
    return spec.reach(skb::ArrayMeta{skb::parse_dtype(dtype), shape}, parsed_params);
}

// A result held to scikit-image's under the tolerance table, with the dtype the op's spec says this backend
// produces for these inputs: (passed, detail).
std::pair<bool, std::string> check_result(const std::string& op_id, const std::string& backend,
                                          const InputArray& image,
                                          const std::vector<std::pair<std::string, InputArray>>& extras,
                                          const skb::ParamTexts& params, const InputArray& actual,
                                          const InputArray& expected) {
    const Inputs inputs = convert_inputs(op_id, image, extras);
    const skb::PreparedOp op(op_id, backend, skb::InputMetas(inputs.view()), params);
    const auto outcome = skb::golden::check_result(op_id, backend, from_numpy(actual, "actual"),
                                                   from_numpy(expected, "expected"), op.output().dtype);
    return {outcome.status == skb::golden::Status::Pass, outcome.detail};
}

// threshold_otsu's float histogram of one chunk (skbench.dask sums the chunks' counts: exact).
nb::ndarray<nb::numpy, std::int64_t> otsu_float_counts(const InputArray& values, double lo, double hi,
                                                        std::int64_t nbins) {
    const skb::Array a = from_numpy(values, "filters.threshold_otsu: chunk");
    if (nbins < 2) throw skb::Error("filters.threshold_otsu: nbins=" + std::to_string(nbins) + " is below 2");
    auto* counts = new std::vector<std::int64_t>(static_cast<std::size_t>(nbins), 0);
    auto tally = [&](auto bins, const auto* v) {
        for (std::int64_t i = 0; i < a.size(); ++i) ++(*counts)[bins.index(v[i])];
    };
    if (a.dtype() == skb::DType::F32)
        tally(skb::otsu::UniformBins<float>(static_cast<float>(lo), static_cast<float>(hi), nbins), a.data<float>());
    else if (a.dtype() == skb::DType::F64)
        tally(skb::otsu::UniformBins<double>(lo, hi, nbins), a.data<double>());
    else
        throw skb::Error("filters.threshold_otsu: float counts of a " + std::string(skb::dtype_name(a.dtype())) +
                         " chunk");
    nb::capsule owner(counts, [](void* p) noexcept { delete static_cast<std::vector<std::int64_t>*>(p); });
    return {counts->data(), {counts->size()}, owner};
}

// threshold_otsu from the whole image's counts, as the op computes it (skb/otsu.hpp).
double otsu_threshold(nb::ndarray<const std::int64_t, nb::ndim<1>, nb::c_contig, nb::device::cpu> counts, double lo,
                      double hi, const std::string& dtype) {
    const std::span<const std::int64_t> tally(counts.data(), counts.shape(0));
    switch (skb::parse_dtype(dtype)) {
        case skb::DType::F32: {
            const skb::otsu::UniformBins<float> bins(static_cast<float>(lo), static_cast<float>(hi),
                                                     static_cast<std::int64_t>(tally.size()));
            return skb::otsu::float_threshold(tally, bins);
        }
        case skb::DType::F64:
            return skb::otsu::float_threshold(tally, skb::otsu::UniformBins<double>(lo, hi, static_cast<std::int64_t>(tally.size())));
        default: return static_cast<double>(skb::otsu::integer_threshold(tally, static_cast<std::int64_t>(lo)));
    }
}

// For labels 1..count, the flat index of each one's first element in C order (-1 where absent): skbench.dask's
// label renumbers components by their first pixel, as scikit-image numbers them.
nb::ndarray<nb::numpy, std::int64_t> first_positions(const InputArray& labels, std::int64_t count) {
    const skb::Array a = from_numpy(labels, "measure.label: chunk");
    auto* first = new std::vector<std::int64_t>(static_cast<std::size_t>(count + 1), -1);
    skb::visit_dtype(a.dtype(), [&](auto tag) {
        using T = decltype(tag);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            const T* v = a.data<T>();
            for (std::int64_t i = a.size(); i-- > 0;) {  // backwards: the last write is the first position
                const auto label = static_cast<std::int64_t>(v[i]);
                if (label > 0 && label <= count) (*first)[label] = i;
            }
        } else {
            throw skb::Error("measure.label: first positions of a " + std::string(skb::dtype_name(a.dtype())) +
                             " chunk");
        }
    });
    nb::capsule owner(first, [](void* p) noexcept { delete static_cast<std::vector<std::int64_t>*>(p); });
    return {first->data() + 1, {static_cast<std::size_t>(count)}, owner};
}

// The benchmark suite's synthetic inputs for an op (its spec's workload kind) with these spatial extents, in the
// workload's first dtype unless one is given: (image, [(name, array)]).
std::pair<nb::object, std::vector<std::pair<std::string, nb::object>>> bench_inputs(
        const std::string& op_id, const std::vector<std::int64_t>& spatial, std::optional<std::string> dtype) {
    const skb::OpSpec& spec = skb::Registry::instance().spec(op_id);
    const skb::DType t = dtype ? skb::parse_dtype(*dtype) : spec.bench.dtypes.front();
    const skb::InputMetas metas = skb::default_input_metas(spec, skb::ArrayMeta{t, skb::image_shape_for(spec, spatial)});
    skb::InputArrays arrays = skb::synthetic_inputs(spec, spec.bench.input, metas);
    std::vector<std::pair<std::string, nb::object>> extras;
    for (auto& [name, array] : arrays.extras) extras.emplace_back(name, to_numpy(std::move(array)));
    return {to_numpy(std::move(arrays.image)), std::move(extras)};
}

// The op's C++ call alone, `repeat` times (GIL released): the fastest run's seconds. Python's overhead over the
// C++ call is the API's time less this (bench/python/seed_notebook.py measures it per op).
double time_op(const std::string& op_id, const std::string& backend, const InputArray& image,
               const std::vector<std::pair<std::string, InputArray>>& extras, const skb::ParamTexts& params,
               int threads, int repeat) {
    const Inputs inputs = convert_inputs(op_id, image, extras);
    const skb::OpInputs view = inputs.view();
    const skb::PreparedOp op(op_id, backend, skb::InputMetas(view), params);
    nb::gil_scoped_release release;
    double best = 1e300;
    for (int i = 0; i < repeat; ++i) {
        const auto start = std::chrono::steady_clock::now();
        skb::Array result = op.run(view, skb::RunOptions{threads, nullptr});
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return best;
}

nb::dict audit_snapshot() {
    const skb::audit::Snapshot s = skb::audit::snapshot();
    nb::dict d;
    d["current_bytes"] = s.current_bytes;
    d["peak_bytes"] = s.peak_bytes;
    d["allocations"] = s.allocations;
    d["float64_bytes"] = s.allocated_bytes(skb::DType::F64);
    return d;
}

}  // namespace

NB_MODULE(_skbench, m) {
    m.doc() = "skbench's C++ core: the op registry, run with the GIL released (the public API is the skbench package)";
    nb::register_exception_translator([](const std::exception_ptr& p, void*) {
        try {
            std::rethrow_exception(p);
        } catch (const skb::Error& e) {  // bad input: the CLI's one-line message
            PyErr_SetString(PyExc_ValueError, e.what());
        } catch (const skb::InternalError& e) {  // a bug in skbench
            PyErr_SetString(PyExc_RuntimeError, (std::string("internal error: ") + e.what()).c_str());
        }
    });
    m.def("registry_json", [] { return skb::registry_json().dump(); },
          "The registry (ops, parameters, defaults, backends) as JSON: what skbench list --json prints.");
    m.def("run", &run, "op"_a, "backend"_a, "image"_a, "extras"_a, "params"_a, "threads"_a, "out"_a.none(),
          "Runs op on backend; params are CLI texts (name -> text). Returns the result, or None when out is given.");
    m.def("output_meta", &output_meta, "op"_a, "backend"_a, "image"_a, "extras"_a, "params"_a,
          "The result's (dtype, shape) for inputs given as (dtype, shape); raises ValueError like run.");
    m.def("otsu_float_counts", &otsu_float_counts, "values"_a, "lo"_a, "hi"_a, "nbins"_a,
          "np.histogram(values, nbins, range=(lo, hi)) in the values' float type, as threshold_otsu bins them.");
    m.def("otsu_threshold", &otsu_threshold, "counts"_a, "lo"_a, "hi"_a, "dtype"_a,
          "threshold_otsu from a whole image's counts: one per integer from lo (integer dtypes), or nbins uniform bins "
          "over [lo, hi] in the float dtype.");
    m.def("first_positions", &first_positions, "labels"_a, "count"_a,
          "For labels 1..count, the flat C-order index of each one's first element (-1: absent).");
    m.def("reach", &reach, "op"_a, "dtype"_a, "shape"_a, "params"_a,
          "How far an output element's inputs reach, per spatial axis; None: the op needs the whole image.");
    m.def("check_result", &check_result, "op"_a, "backend"_a, "image"_a, "extras"_a, "params"_a, "actual"_a,
          "expected"_a, "(passed, detail): actual against expected under skbench's tolerance table.");
    m.def("regionprops_columns", &skb::regionprops::columns, "properties"_a, "ndim"_a,
          "measure.regionprops_table's column names for these properties, in scikit-image's order.");
    m.def("bench_inputs", &bench_inputs, "op"_a, "spatial"_a, "dtype"_a.none() = nb::none(),
          "The benchmark suite's synthetic (image, extras) for op, spatial extents, dtype (default: the workload's).");
    m.def("time_op", &time_op, "op"_a, "backend"_a, "image"_a, "extras"_a, "params"_a, "threads"_a, "repeat"_a,
          "The fastest of `repeat` C++ calls of the op, in seconds (no Python in the loop).");
    m.def("audit_snapshot", &audit_snapshot, "The allocation audit's counters (bytes skbench allocated).");
    m.def("audit_reset_peak", &skb::audit::reset_peak, "Starts a new audit window (peak := current).");
    m.def("build_info", [] {
        nb::dict d;
        d["version"] = skb::build_info::kVersion;
        d["compiler"] = skb::build_info::kCompiler;
        d["cxx_flags"] = skb::build_info::kCxxFlags;
        d["build_type"] = skb::build_info::kBuildType;
        return d;
    });
}
