#include "skb/registry.hpp"

#include <algorithm>
#include <utility>

#include "skb/error.hpp"

namespace skb {

DType float_output_dtype(DType input, Precision precision) {
    if (precision == Precision::F32) return DType::F32;
    return input == DType::F32 ? DType::F32 : DType::F64;
}

const std::vector<BackendInfo>& known_backends() {
    static const std::vector<BackendInfo> backends = {
        {.name = "ref", .family = "ref", .precision = Precision::F64, .is_reference = true, .cpu_parallel = false,
         .on_device = false, .timings_meaningful = true,
         .description = "naive float64 reference"},
        {.name = "opt", .family = "opt", .precision = Precision::F32, .is_reference = false, .cpu_parallel = true,
         .on_device = false, .timings_meaningful = true,
         .description = "float32, oneTBB-parallel, vectorized CPU"},
        {.name = "cuda", .family = "cuda", .precision = Precision::F32, .is_reference = false,
         .cpu_parallel = false, .on_device = true, .timings_meaningful = true,
         .description = "CUDA kernels on a GPU"},
        {.name = "cuda-emu", .family = "cuda", .precision = Precision::F32, .is_reference = false,
         .cpu_parallel = false, .on_device = true, .timings_meaningful = false,
         .description = "the CUDA kernels on the CPU emulator"},
    };
    return backends;
}

const BackendInfo& reference_backend() {
    for (const auto& b : known_backends())
        if (b.is_reference) return b;
    throw InternalError("no reference backend among the known backends");
}

const BackendInfo* find_backend(std::string_view name) {
    for (const auto& b : known_backends())
        if (b.name == name) return &b;
    return nullptr;
}

const BackendInfo& backend_info(std::string_view name) {
    if (const BackendInfo* b = find_backend(name)) return *b;
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

void Registry::set_unavailable(const std::string& backend, std::string why) {
    backend_info(backend);
    unavailable_[backend] = std::move(why);
}

const std::string* Registry::unavailable_reason(std::string_view backend) const {
    const auto it = unavailable_.find(backend);
    return it == unavailable_.end() ? nullptr : &it->second;
}

const std::string* Registry::declined_reason(std::string_view op_id, std::string_view backend) const {
    const OpSpec* spec = find_spec(op_id);
    const BackendInfo* info = find_backend(backend);
    if (!spec || !info) return nullptr;
    const auto it = spec->declined.find(info->family);
    return it == spec->declined.end() ? nullptr : &it->second;
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

namespace {
std::string fused_key(std::string_view first_op, std::string_view second_op, std::string_view backend) {
    return std::string(first_op) + ">" + std::string(second_op) + "/" + std::string(backend);
}
}  // namespace

void Registry::add_fused_steps(const std::string& first_op, const std::string& second_op, const std::string& backend,
                               FusedStepsImpl impl) {
    fused_[fused_key(first_op, second_op, backend)] = std::move(impl);
}

const FusedStepsImpl* Registry::find_fused_steps(std::string_view first_op, std::string_view second_op,
                                                 std::string_view backend) const {
    const auto it = fused_.find(fused_key(first_op, second_op, backend));
    return it == fused_.end() ? nullptr : &it->second;
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

std::string dtype_list(const std::vector<DType>& dtypes) {
    std::string text;
    for (DType t : dtypes) text += (text.empty() ? "" : ", ") + std::string(dtype_name(t));
    return text;
}

void check_image(const OpSpec& spec, const ArrayMeta& input) {
    if (std::find(spec.input_dtypes.begin(), spec.input_dtypes.end(), input.dtype) == spec.input_dtypes.end())
        throw Error(spec.id + ": input dtype " + std::string(dtype_name(input.dtype)) + " is not supported (accepted: " +
                    dtype_list(spec.input_dtypes) + ")");
    const int ndim = static_cast<int>(input.shape.size());
    const int spatial = spatial_ndim(spec, input.shape);
    if (spec.channels > 0 && (ndim == 0 || input.shape.back() != spec.channels))
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " needs a trailing channel axis of size " +
                    std::to_string(spec.channels));
    if (std::find(spec.spatial_ndims.begin(), spec.spatial_ndims.end(), spatial) == spec.spatial_ndims.end()) {
        std::string accepted;
        for (int d : spec.spatial_ndims) accepted += (accepted.empty() ? "" : " or ") + std::to_string(d) + "-d";
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " is " + std::to_string(spatial) +
                    "-d; expected " + accepted + (spec.channels > 0 ? " plus a channel axis" : ""));
    }
    if (spec.stacked_symmetric && input.shape[0] != spatial * (spatial + 1) / 2)
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " stacks " +
                    std::to_string(input.shape[0]) + " arrays on its first axis; a " + std::to_string(spatial) +
                    "-d symmetric matrix's upper triangle is " + std::to_string(spatial * (spatial + 1) / 2));
    // A data-dependent extent (a step reading numpy.extract's answer) is known only when the step runs.
    if (!has_data_dependent_extent(input) && element_count(input.shape) == 0)
        throw Error(spec.id + ": input shape " + shape_string(input.shape) + " is empty");
}

// Every given extra input is one the spec declares, with an accepted dtype and the image's shape; every required
// one is given.
void check_extra_inputs(const OpSpec& spec, const InputMetas& inputs) {
    for (const auto& [name, meta] : inputs.extras) {
        const auto declared = std::find_if(spec.extra_inputs.begin(), spec.extra_inputs.end(),
                                           [&name = name](const ExtraInputSpec& e) { return e.name == name; });
        if (declared == spec.extra_inputs.end()) {
            std::string names;
            for (const auto& e : spec.extra_inputs) names += (names.empty() ? "" : ", ") + e.name;
            throw Error(spec.id + ": unknown input '" + name + "' (" +
                        (names.empty() ? "it takes the image alone" : "its extra inputs: " + names) + ")");
        }
        if (std::find(declared->dtypes.begin(), declared->dtypes.end(), meta.dtype) == declared->dtypes.end())
            throw Error(spec.id + ": input " + name + " has dtype " + std::string(dtype_name(meta.dtype)) +
                        " (accepted: " + dtype_list(declared->dtypes) + ")");
        if (meta.shape != inputs.image.shape)
            throw Error(spec.id + ": input " + name + " has shape " + shape_string(meta.shape) +
                        ", expected the image's " + shape_string(inputs.image.shape));
    }
    for (const auto& e : spec.extra_inputs)
        if (!e.optional && !inputs.extras.contains(e.name))
            throw Error(spec.id + ": input '" + e.name + "' is required (" + e.help + ")");
}

}  // namespace

InputMetas::InputMetas(const OpInputs& inputs) : image{inputs.image().dtype(), inputs.image().shape()} {
    for (const auto& [name, array] : inputs.extras())
        if (!extras.emplace(name, ArrayMeta{array->dtype(), array->shape()}).second)
            throw Error("input '" + name + "' given twice");
}

int spatial_ndim(const OpSpec& spec, const Shape& image_shape) {
    return static_cast<int>(image_shape.size()) - (spec.channels > 0 || spec.stacked_symmetric ? 1 : 0);
}

Shape image_shape_for(const OpSpec& spec, const Shape& spatial) {
    Shape shape = spatial;
    const auto ndim = static_cast<std::int64_t>(spatial.size());
    if (spec.channels > 0) shape.push_back(spec.channels);
    if (spec.stacked_symmetric) shape.insert(shape.begin(), ndim * (ndim + 1) / 2);
    return shape;
}

const std::vector<std::string>& output_names_for(const OpSpec& spec, int spatial) {
    static const std::vector<std::string> none;
    if (spec.output_names_by_ndim.empty()) return spec.output_names;
    const auto it = spec.output_names_by_ndim.find(spatial);
    return it == spec.output_names_by_ndim.end() ? none : it->second;
}

double float64_work_allowance(const OpSpec& spec, const ArrayMeta& image) {
    return spec.float64_work.empty() ? 0.0 : 2.0 * 8.0 * static_cast<double>(element_count(image.shape));
}

InputMetas default_input_metas(const OpSpec& spec, const ArrayMeta& image) {
    InputMetas metas(image);
    for (const auto& e : spec.extra_inputs)
        if (!e.optional) metas.extras.emplace(e.name, ArrayMeta{e.dtypes.front(), image.shape});
    return metas;
}

PreparedOp::PreparedOp(std::string_view op_id, std::string_view backend, const InputMetas& inputs,
                       const ParamTexts& params)
    : spec_(&Registry::instance().spec(op_id)),
      backend_(&backend_info(backend)),
      impl_(Registry::instance().find_impl(op_id, backend)),
      inputs_(inputs),
      param_texts_(params) {
    if (!impl_) {
        const Registry& registry = Registry::instance();
        if (const std::string* declined = registry.declined_reason(op_id, backend))
            throw Error("op " + spec_->id + " is not implemented on backend " + std::string(backend) + ": " +
                        *declined);
        const std::string* why = registry.unavailable_reason(backend);
        throw Error("op " + spec_->id + " has no '" + std::string(backend) + "' backend (" +
                    (why ? *why : std::string("not implemented")) + ")");
    }
    check_image(*spec_, inputs_.image);
    check_extra_inputs(*spec_, inputs_);
    params_ = Params::parse(spec_->id, spec_->params, params);
    output_ = spec_->output(inputs_.image, params_, backend_->precision);
    if (const auto from = inputs_.extras.find(spec_->output_dtype_from); from != inputs_.extras.end())
        output_.dtype = from->second.dtype;
    if (spec_->check_inputs) spec_->check_inputs(inputs_.extras, params_);
    const std::size_t outputs = output_names_for(*spec_, spatial_ndim(*spec_, inputs_.image.shape)).size();
    if (outputs > 0 && (output_.shape.empty() || output_.shape[0] != static_cast<std::int64_t>(outputs)))
        throw InternalError(spec_->id + ": its output rule gave shape " + shape_string(output_.shape) + " for " +
                            std::to_string(outputs) + " stacked outputs");
}

PreparedOp PreparedOp::with_params(const ParamTexts& replaced) const {
    ParamTexts texts = param_texts_;
    for (const auto& [name, text] : replaced) texts[name] = text;
    return PreparedOp(spec_->id, backend_->name, inputs_, texts);
}

Array PreparedOp::run(const OpInputs& inputs, const RunOptions& options) const {
    // Checked without allocating: this is inside the timed (and instruction-counted) call.
    // An extent prepared as data-dependent (a step reading numpy.extract's answer) matches any.
    const auto matches = [](const Array& a, const ArrayMeta& m) {
        if (a.dtype() != m.dtype || a.shape().size() != m.shape.size()) return false;
        for (std::size_t d = 0; d < m.shape.size(); ++d)
            if (m.shape[d] != kDataDependentExtent && m.shape[d] != a.shape()[d]) return false;
        return true;
    };
    bool as_prepared = matches(inputs.image(), inputs_.image) && inputs.extras().size() == inputs_.extras.size();
    for (const auto& [name, array] : inputs.extras()) {
        const auto it = inputs_.extras.find(name);
        as_prepared = as_prepared && it != inputs_.extras.end() && matches(*array, it->second);
    }
    if (!as_prepared)
        throw Error(spec_->id + ": prepared for " + std::string(dtype_name(inputs_.image.dtype)) + " " +
                    shape_string(inputs_.image.shape) + " and " + std::to_string(inputs_.extras.size()) +
                    " extra inputs, given " + std::string(dtype_name(inputs.image().dtype())) + " " +
                    shape_string(inputs.image().shape()) + " and " + std::to_string(inputs.extras().size()));
    if (options.output) {  // an op never reads the memory it writes
        const auto overlaps = [out = options.output](const Array& a) {
            const auto* o = static_cast<const std::byte*>(out->raw());
            const auto* p = static_cast<const std::byte*>(a.raw());
            return out->nbytes() > 0 && a.nbytes() > 0 && o < p + a.nbytes() && p < o + out->nbytes();
        };
        bool aliased = overlaps(inputs.image());
        for (const auto& extra : inputs.extras()) aliased = aliased || overlaps(*extra.second);
        if (aliased) throw Error(spec_->id + ": the output buffer overlaps an input");
    }
    Array result = (*impl_)(inputs, params_, options);
    bool shape_ok = result.shape().size() == output_.shape.size();
    for (std::size_t d = 0; shape_ok && d < output_.shape.size(); ++d)
        shape_ok = output_.shape[d] == kDataDependentExtent || output_.shape[d] == result.shape()[d];
    if (result.dtype() != output_.dtype || !shape_ok)
        throw InternalError(spec_->id + "/" + backend_->name + " produced " + std::string(dtype_name(result.dtype())) +
                            " " + shape_string(result.shape()) + ", its spec says " +
                            std::string(dtype_name(output_.dtype)) + " " + shape_string(output_.shape));
    return result;
}

bool has_data_dependent_extent(const ArrayMeta& meta) {
    return std::find(meta.shape.begin(), meta.shape.end(), kDataDependentExtent) != meta.shape.end();
}

Array new_output(const RunOptions& options, DType dtype, Shape shape) {
    if (options.output && options.output->dtype() == dtype && options.output->shape() == shape)
        return Array::borrow(options.output->raw(), dtype, std::move(shape));
    return Array(dtype, std::move(shape));
}

}  // namespace skb

namespace skb::spec_parts {

ParamSpec mode_param(std::string default_mode, std::vector<std::string> extra_modes) {
    std::vector<std::string> modes = {"reflect", "mirror", "nearest", "wrap", "constant"};
    modes.insert(modes.end(), extra_modes.begin(), extra_modes.end());
    return {"mode", ParamKind::Choice, std::move(default_mode), "how the image is extended beyond its border",
            std::move(modes), std::nullopt};
}

void check_gaussian_radius(const std::string& op_id, const std::string& given, double sigma, double truncate) {
    constexpr double kMaxRadius = 1 << 20;
    if (!(truncate * sigma + 0.5 <= kMaxRadius))  // NaN too
        throw Error(op_id + ": " + given + " gives a Gaussian kernel radius over " +
                    std::to_string(static_cast<long>(kMaxRadius)) + " (sigma " + std::to_string(sigma) + ", truncate " +
                    std::to_string(truncate) + ")");
}

ParamSpec cval_param() {
    return {"cval", ParamKind::Float, "0", "value outside the image when mode=constant", {}, std::nullopt};
}

ParamSpec footprint_param(std::string name) {
    return {std::move(name), ParamKind::Footprint, "",
            "square:N, rectangle:RxC[xD], cube:N, disk:R or ball:R; default: the cross of face neighbours", {},
            std::nullopt};
}

void check_footprint_rank(const std::string& op_id, const Params& params, int image_ndim, const std::string& name) {
    const Footprint* f = params.footprint(name);
    if (f && f->ndim() != image_ndim)
        throw Error(op_id + ": parameter " + name + "=" + f->spec + " is " + std::to_string(f->ndim()) +
                    "-d but the image is " + std::to_string(image_ndim) + "-d");
}

double footprint_size(const Params& params, int image_ndim) {
    const Footprint* f = params.footprint("footprint");
    const Footprint& used = f ? *f : Footprint::cross(image_ndim);
    return static_cast<double>(std::count(used.mask.begin(), used.mask.end(), 1));
}

std::vector<std::int64_t> footprint_reach(const Params& params, int image_ndim, const std::string& name, int passes) {
    const Footprint* f = params.footprint(name);
    std::vector<std::int64_t> reach(static_cast<std::size_t>(image_ndim), passes);
    if (f)
        for (int d = 0; d < image_ndim && d < f->ndim(); ++d) reach[d] = passes * (f->shape[d] / 2);
    return reach;
}

std::vector<std::int64_t> uniform_reach(int image_ndim, std::int64_t reach) {
    return std::vector<std::int64_t>(static_cast<std::size_t>(image_ndim), reach);
}

double read_write_bytes(const ArrayMeta& input, DType output) {
    return static_cast<double>(dtype_size(input.dtype) + dtype_size(output));
}

void component_op_costs(OpSpec& spec, DType (*output_dtype)(DType), std::vector<DType> dtypes) {
    spec.bytes_per_element = [output_dtype](const ArrayMeta& in, const Params&, Precision) {
        return read_write_bytes(in, output_dtype(in.dtype));
    };
    spec.flops_per_element = [](const ArrayMeta& in, const Params&) { return static_cast<double>(in.shape.size()); };
    spec.bench = {SyntheticInput::Blobs, std::move(dtypes), {}};
}

}  // namespace skb::spec_parts
