#include "skb/registry.hpp"

#include <utility>

#include <algorithm>

#include "skb/error.hpp"

namespace skb {

DType float_output_dtype(DType input, Precision precision) {
    if (precision == Precision::F32) return DType::F32;
    return input == DType::F32 ? DType::F32 : DType::F64;
}

const std::vector<BackendInfo>& known_backends() {
    static const std::vector<BackendInfo> backends = {
        {"ref", Precision::F64, false, "naive float64 reference"},
        {"opt", Precision::F32, true, "float32, oneTBB-parallel, vectorized CPU"},
        {"cuda", Precision::F32, false, "CUDA kernels on a GPU"},
        {"cuda-emu", Precision::F32, false, "the CUDA kernels on the CPU emulator"},
    };
    return backends;
}

const BackendInfo& backend_info(std::string_view name) {
    for (const auto& b : known_backends())
        if (b.name == name) return b;
    throw Error("unknown backend '" + std::string(name) + "' (expected ref, opt, cuda or cuda-emu)");
}

Registry& Registry::instance() {
    static Registry registry;
    return registry;
}

void Registry::add_spec(OpSpec spec) {
    const std::string id = spec.id;
    if (!specs_.emplace(id, std::move(spec)).second) throw Error("op spec '" + id + "' registered twice");
}

void Registry::add_impl(const std::string& op_id, const std::string& backend, OpImpl impl) {
    backend_info(backend);
    if (!impls_.emplace(std::pair{op_id, backend}, std::move(impl)).second)
        throw Error("implementation " + op_id + "/" + backend + " registered twice");
}

OpImpl Registry::replace_impl(const std::string& op_id, const std::string& backend, OpImpl impl) {
    const auto it = impls_.find(std::pair{op_id, backend});
    if (it == impls_.end()) throw Error("no implementation " + op_id + "/" + backend + " to replace");
    return std::exchange(it->second, std::move(impl));
}

void Registry::set_pipeline_impl(const std::string& backend, PipelineImpl impl) {
    pipelines_[backend] = std::move(impl);
}

const PipelineImpl* Registry::find_pipeline_impl(std::string_view backend) const {
    const auto it = pipelines_.find(backend);
    return it == pipelines_.end() ? nullptr : &it->second;
}

const OpSpec* Registry::find_spec(std::string_view op_id) const {
    const auto it = specs_.find(op_id);
    return it == specs_.end() ? nullptr : &it->second;
}

const OpImpl* Registry::find_impl(std::string_view op_id, std::string_view backend) const {
    const auto it = impls_.find(std::pair{std::string(op_id), std::string(backend)});
    return it == impls_.end() ? nullptr : &it->second;
}

const OpSpec& Registry::spec(std::string_view op_id) const {
    if (const OpSpec* s = find_spec(op_id)) return *s;
    throw Error("unknown op '" + std::string(op_id) + "' (skbench list shows the ops)");
}

std::vector<std::string> Registry::op_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, spec] : specs_) ids.push_back(id);
    return ids;
}

std::vector<std::string> Registry::backends_of(std::string_view op_id) const {
    std::vector<std::string> names;
    for (const auto& b : known_backends())
        if (find_impl(op_id, b.name)) names.push_back(b.name);
    return names;
}

namespace {

void check_input(const OpSpec& spec, const ArrayMeta& input) {
    if (std::find(spec.input_dtypes.begin(), spec.input_dtypes.end(), input.dtype) == spec.input_dtypes.end()) {
        std::string accepted;
        for (DType t : spec.input_dtypes) accepted += (accepted.empty() ? "" : ", ") + std::string(dtype_name(t));
        throw Error(spec.id + ": input dtype " + std::string(dtype_name(input.dtype)) + " is not supported (accepted: " +
                    accepted + ")");
    }
    const int ndim = static_cast<int>(input.shape.size());
    const int spatial = spec.channels > 0 ? ndim - 1 : ndim;
    if (spec.channels > 0 && (ndim == 0 || input.shape.back() != spec.channels))
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " needs a trailing channel axis of size " +
                    std::to_string(spec.channels));
    if (std::find(spec.spatial_ndims.begin(), spec.spatial_ndims.end(), spatial) == spec.spatial_ndims.end()) {
        std::string accepted;
        for (int d : spec.spatial_ndims) accepted += (accepted.empty() ? "" : " or ") + std::to_string(d) + "-d";
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " is " + std::to_string(spatial) +
                    "-d; expected " + accepted + (spec.channels > 0 ? " plus a channel axis" : ""));
    }
    if (element_count(input.shape) == 0)
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " is empty");
}

}  // namespace

PreparedOp::PreparedOp(std::string_view op_id, std::string_view backend, const ArrayMeta& input,
                       const ParamTexts& params)
    : spec_(&Registry::instance().spec(op_id)),
      backend_(&backend_info(backend)),
      impl_(Registry::instance().find_impl(op_id, backend)),
      input_(input) {
    if (!impl_)
        throw Error("op " + spec_->id + " has no '" + std::string(backend) + "' backend (not implemented)");
    check_input(*spec_, input_);
    params_ = Params::parse(spec_->id, spec_->params, params);
    output_ = spec_->output(input_, params_, backend_->precision);
}

Array PreparedOp::run(const Array& input, const RunOptions& options) const {
    if (input.dtype() != input_.dtype || input.shape() != input_.shape)
        throw Error(spec_->id + ": prepared for " + std::string(dtype_name(input_.dtype)) + " " +
                    shape_string(input_.shape) + ", given " + std::string(dtype_name(input.dtype())) + " " +
                    shape_string(input.shape()));
    Array result = (*impl_)(input, params_, options);
    if (result.dtype() != output_.dtype || result.shape() != output_.shape)
        throw Error("internal: " + spec_->id + "/" + backend_->name + " produced " +
                    std::string(dtype_name(result.dtype())) + " " + shape_string(result.shape()) + ", its spec says " +
                    std::string(dtype_name(output_.dtype)) + " " + shape_string(output_.shape));
    return result;
}

Array run_pipeline(std::span<const PreparedOp> steps, const Array& input, const RunOptions& options) {
    if (steps.empty()) throw Error("run_pipeline: no steps");
    if (steps.size() > 1)
        if (const PipelineImpl* whole = Registry::instance().find_pipeline_impl(steps.front().backend().name))
            if (std::optional<Array> output = (*whole)(steps, input, options)) return std::move(*output);
    Array current = steps.front().run(input, options);
    for (std::size_t i = 1; i < steps.size(); ++i) current = steps[i].run(current, options);
    return current;
}

}  // namespace skb

namespace skb::spec_parts {

ParamSpec mode_param(std::string default_mode, std::vector<std::string> extra_modes) {
    std::vector<std::string> modes = {"reflect", "mirror", "nearest", "wrap", "constant"};
    modes.insert(modes.end(), extra_modes.begin(), extra_modes.end());
    return {"mode", ParamKind::Choice, std::move(default_mode), "how the image is extended beyond its border",
            std::move(modes), std::nullopt};
}

ParamSpec cval_param() {
    return {"cval", ParamKind::Float, "0", "value outside the image when mode=constant", {}, std::nullopt};
}

ParamSpec footprint_param() {
    return {"footprint", ParamKind::Footprint, "",
            "square:N, rectangle:RxC[xD], cube:N, disk:R or ball:R; default: the cross of face neighbours", {},
            std::nullopt};
}

void check_footprint_rank(const std::string& op_id, const Params& params, int image_ndim) {
    const Footprint* f = params.footprint("footprint");
    if (f && f->ndim() != image_ndim)
        throw Error(op_id + ": parameter footprint=" + f->spec + " is " + std::to_string(f->ndim()) +
                    "-d but the image is " + std::to_string(image_ndim) + "-d");
}

double footprint_size(const Params& params, int image_ndim) {
    const Footprint* f = params.footprint("footprint");
    const Footprint& used = f ? *f : Footprint::cross(image_ndim);
    return static_cast<double>(std::count(used.mask.begin(), used.mask.end(), 1));
}

double read_write_bytes(const ArrayMeta& input, DType output) {
    return static_cast<double>(dtype_size(input.dtype) + dtype_size(output));
}

}  // namespace skb::spec_parts
