// What an op is, independent of any backend: its scikit-image id and parameters, accepted inputs, the output it
// produces, and the bytes and flops it costs per element (benchmarks and gates read these).
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "skb/array.hpp"
#include "skb/params.hpp"

namespace skb {

// The arithmetic a backend computes in: ref is float64, opt and cuda are float32.
enum class Precision { F64, F32 };

struct ArrayMeta {
    DType dtype = DType::F64;
    Shape shape;
};

// An output extent only the run decides (regionprops_table's rows: one per label present); a spec's output rule
// gives it where the data decides, and every other extent is still checked.
inline constexpr std::int64_t kDataDependentExtent = -1;
bool has_data_dependent_extent(const ArrayMeta& meta);

// scikit-image's float output type: float32 stays float32, everything else becomes float64
// (_supported_float_type after img_as_float); a float32 backend always produces float32.
DType float_output_dtype(DType input, Precision precision);

// Kinds of deterministic synthetic input (core/include/skb/synthetic.hpp) a benchmark feeds an op.
enum class SyntheticInput {
    Smooth,    // a smooth field with mild noise, values over the dtype's range
    Blobs,     // about 30% foreground blobs (0/1, or False/True)
    Rgb,       // a smooth RGB image: trailing channel axis of 3
    Distance,  // the blobs' city-block distance to the background, inverted: basins at the blobs' centres
    Peaks,     // seed labels 1.. at the local maxima of that distance, 0 elsewhere (markers; the image's blobs)
    SymmetricStack,  // smooth fields stacked on a leading axis: a symmetric matrix's upper triangle per pixel
};

// How benchmarks exercise an op when nothing more specific is asked for.
struct BenchWorkload {
    SyntheticInput input = SyntheticInput::Smooth;
    std::vector<DType> dtypes{DType::U8, DType::F32};
    ParamTexts params;  // empty: scikit-image's defaults
};

// An input beyond the image, named as scikit-image names the parameter (watershed's `markers`, `mask`). Every extra
// input so far has the image's shape; a rule other than that gets its own field when an op needs one.
struct ExtraInputSpec {
    std::string name;
    std::vector<DType> dtypes;  // accepted dtypes
    bool optional = false;      // scikit-image's default is None: the op runs without it
    std::string help;
    SyntheticInput bench_input = SyntheticInput::Smooth;  // what benchmarks feed it (in its first accepted dtype)
};

struct OpSpec {
    std::string id;       // "filters.gaussian"
    std::string summary;  // one line
    std::vector<ParamSpec> params;
    std::vector<DType> input_dtypes;
    std::vector<ExtraInputSpec> extra_inputs;  // in scikit-image's parameter order
    // Several outputs (scikit-image returns a tuple or list): stacked along a new leading axis in this order, so a
    // result is still one array, of shape (output_names.size(), ...). Empty: one output.
    std::vector<std::string> output_names;
    // Where the outputs' count depends on the image's spatial dimensionality (hessian_matrix: 3 elements in 2-D,
    // 6 in 3-D), their names per spatial ndim instead (output_names stays empty); output_names_for() reads both.
    std::map<int, std::vector<std::string>> output_names_by_ndim;
    // The extra input whose dtype the output has (watershed's labels have the markers' dtype); empty: the output
    // rule's dtype.
    std::string output_dtype_from;
    bool test_only = false;  // exists to exercise the spine (tests), not a scikit-image op: hidden from users' lists
    std::vector<int> spatial_ndims{2, 3};  // accepted image dimensionalities (channel axis not counted)
    int channels = 0;                      // > 0: a trailing channel axis of exactly this size is required
    // The image is a symmetric matrix per pixel, its upper triangle stacked on a leading axis
    // (hessian_matrix_eigvals' H_elems, as np.stack makes them): spatial_ndims counts the axes after it, whose
    // extent must be ndim (ndim + 1) / 2.
    bool stacked_symmetric = false;
    // Checks the parameters against the input (per-axis list lengths, footprint rank, ...) and returns the
    // output a backend of `precision` produces. Throws skb::Error naming the bad value.
    std::function<ArrayMeta(const ArrayMeta& input, const Params& params, Precision precision)> output;
    // Checks between parameters and the extra inputs given (a property that needs the intensity image), by name;
    // empty when there are none. Throws skb::Error naming the bad value.
    std::function<void(const std::map<std::string, ArrayMeta, std::less<>>& extras, const Params& params)> check_inputs;
    // Cost model per input element: bytes an ideal single pass must move (read input, write output) and the
    // arithmetic it does, for a backend of `precision`.
    std::function<double(const ArrayMeta& input, const Params& params, Precision precision)> bytes_per_element;
    std::function<double(const ArrayMeta& input, const Params& params)> flops_per_element;
    // Local ops: how far from an output element (in elements, per image axis, a channel or stacked axis not
    // counted) the input elements it depends on lie, for these parameters; a chunk of the image grown by this halo
    // computes its interior exactly as the whole image does (skbench.dask's map_overlap depth). Empty function, or
    // nullopt for these parameters: the op is not local (a reduction, a flood, a normalisation by a global value)
    // and needs the whole image.
    std::function<std::optional<std::vector<std::int64_t>>(const ArrayMeta& input, const Params& params)> reach;
    BenchWorkload bench;
    // Backend families (BackendInfo::family: "cuda" covers cuda and cuda-emu) that deliberately lack this op, each
    // with its one-line reason: `skbench list` shows it, and running the op there fails with it.
    std::map<std::string, std::string, std::less<>> declined;
    // Non-empty: why this op's float32 backends compute in float64 (canny: scikit-image's float64 steps decide a
    // bool answer, exact only in float64). Their float64 working memory is then allowed, bounded by
    // float64_work_allowance (the audit, the memory tests and the gate hold them to it); empty: none allowed.
    std::string float64_work;
};

// The image's spatial dimensionality: its axes but a channel axis or a stacked leading one.
int spatial_ndim(const OpSpec& spec, const Shape& image_shape);
// The shape of an image whose spatial axes are `spatial`: with the spec's channel axis or stacked leading axis.
Shape image_shape_for(const OpSpec& spec, const Shape& spatial);
// The names of the stacked outputs for an image of `spatial` dimensions (empty: one output).
const std::vector<std::string>& output_names_for(const OpSpec& spec, int spatial);

// The float64 bytes a float32 backend may allocate for a call on `image` beyond a float64 result: 0 unless the spec
// declares float64 work, then two float64 images' worth (working rows, or a magnitude image and its sorted copy).
double float64_work_allowance(const OpSpec& spec, const ArrayMeta& image);

// Building blocks the op specs share.
namespace spec_parts {

// mode: scikit-image's five ndimage boundary modes plus any op-specific extras (max, min, ignore).
ParamSpec mode_param(std::string default_mode, std::vector<std::string> extra_modes = {});
ParamSpec cval_param();
ParamSpec footprint_param(std::string name = "footprint");  // SciPy names it structure
// Throws unless the footprint (if one is given) has one axis per image axis.
void check_footprint_rank(const std::string& op_id, const Params& params, int image_ndim,
                          const std::string& name = "footprint");
// Number of elements in the footprint parameter (the default cross when it is None).
double footprint_size(const Params& params, int image_ndim);
// The reach (OpSpec::reach) of `passes` footprint passes: half the footprint's extent per axis (either even-size
// centring), each pass adding it; the default footprint (None: a 3-wide cross or box) reaches 1 per pass.
std::vector<std::int64_t> footprint_reach(const Params& params, int image_ndim, const std::string& name = "footprint",
                                          int passes = 1);
// The same reach along every axis (a pointwise op: 0).
std::vector<std::int64_t> uniform_reach(int image_ndim, std::int64_t reach);
// Throws naming `op_id` and `given` (the parameters as the user wrote them) when a Gaussian of `sigma` truncated
// at `truncate` standard deviations has a radius over 2^20 (SciPy's int(truncate * sigma + 0.5)): such a kernel
// neither fits memory nor means anything, and its radius overflows an integer long before.
void check_gaussian_radius(const std::string& op_id, const std::string& given, double sigma, double truncate);
// Bytes per element of an op that reads the input once and writes one output element per input element.
double read_write_bytes(const ArrayMeta& input, DType output);
// The cost model of the component ops (label, clear_border, remove_small_objects, binary_fill_holes): one read of
// the input, one write of an output element of dtype output_dtype(input dtype), a comparison per axis; and their
// benchmark workload, blobs in `dtypes`.
void component_op_costs(OpSpec& spec, DType (*output_dtype)(DType), std::vector<DType> dtypes);

}  // namespace spec_parts

}  // namespace skb
