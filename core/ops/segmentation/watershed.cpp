// Spec of segmentation.watershed (scikit-image 0.26): labels flooded from the nonzero `markers` over the image,
// lowest priority first. The image is compared as float64 values (never rescaled), markers outside the optional
// bool `mask` are dropped and pixels outside it stay 0, pixels no marker reaches stay 0, and the output has the
// markers' dtype. Priority is the pixel's value, raised to the priority of the pixel it was reached from, plus
// compactness x the distance to its marker when compactness > 0; ties go to the earliest push, and markers (all
// pushed first, at age 0) of equal value tie by the arrangement of scikit-image's binary heap (skb/watershed.hpp).
// watershed_line=true leaves the pixels where two labels meet at 0. Negative markers flood like any other label.
// Differs from scikit-image: connectivity outside 1..ndim (SciPy clamps it), a non-finite compactness, and an image
// holding NaN (its flood order is undefined) are refused; markers must have the image's shape exactly (NumPy would
// broadcast a smaller one).
#include <cmath>

#include "skb/nd.hpp"
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec watershed_spec() {
    OpSpec s;
    s.id = "segmentation.watershed";
    s.summary = "marker-based watershed: flood labels from the markers in order of the image's values";
    s.params = {
        {"connectivity", ParamKind::Int, "1", "max number of axes a neighbour may differ in (1..ndim)", {}, 1.0},
        {"compactness", ParamKind::Float, "0", "> 0: compact watershed, adds compactness x the distance to the marker",
         {}, {}},
        {"watershed_line", ParamKind::Bool, "false", "leave a one-pixel line of 0 where two labels meet", {}, {}},
    };
    s.input_dtypes = {DType::U8, DType::U16, DType::F32, DType::F64};
    s.extra_inputs = {
        {.name = "markers", .dtypes = {DType::I32, DType::I64, DType::U8, DType::U16}, .optional = false,
         .help = "integer seed labels (0: no marker); the image's shape", .bench_input = SyntheticInput::Peaks},
        {.name = "mask", .dtypes = {DType::Bool}, .optional = true,
         .help = "only True pixels are flooded; the image's shape", .bench_input = SyntheticInput::Blobs},
    };
    s.output_dtype_from = "markers";
    s.output = [id = s.id](const ArrayMeta& in, const Params& p, Precision) {
        const auto ndim = static_cast<std::int64_t>(in.shape.size());
        if (const std::int64_t c = p.integer("connectivity"); c > ndim)
            throw Error(id + ": parameter connectivity=" + std::to_string(c) + " must be in 1.." +
                        std::to_string(ndim) + " for a " + std::to_string(ndim) + "-d image");
        if (!std::isfinite(p.real("compactness")))
            throw Error(id + ": parameter compactness=" + p.text("compactness") + " must be finite");
        return ArrayMeta{DType::I64, in.shape};  // the dtype is the markers' (output_dtype_from)
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return static_cast<double>(dtype_size(in.dtype) + 2 * dtype_size(DType::I32));  // image, int32 markers, labels
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params& p) {  // one check per neighbour
        return static_cast<double>(
            neighbourhood(static_cast<int>(in.shape.size()), static_cast<int>(p.integer("connectivity"))).size());
    };
    // Touching blobs split at their distance map's peaks, the use scikit-image documents.
    s.bench = {SyntheticInput::Distance, {DType::U8, DType::F32}, {}};
    s.declined = {{"cuda",
                   "not ported: scikit-image's flood order is sequential by definition (each pop decides the ages of "
                   "the next pushes, and ties follow its heap's arrangement)"}};
    return s;
}

SKB_REGISTER_OP_SPEC(watershed_spec());

}  // namespace
}  // namespace skb
