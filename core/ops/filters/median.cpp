// Spec of filters.median (behavior='ndimage', scikit-image's default: scipy.ndimage.median_filter; skb/median.hpp
// has the semantics every backend shares). dtype kept; the default footprint is the full 3^n box, not the cross
// of the morphology ops. behavior='rank' (skimage.filters.rank.median) is refused: not implemented. A NaN in the
// image or cval is refused (SciPy's answer there depends on its selection order).
#include <cmath>

#include "skb/median.hpp"
#include "skb/registry.hpp"

namespace skb {
namespace {

OpSpec median_spec() {
    OpSpec s;
    s.id = "filters.median";
    s.summary = "median over a footprint (SciPy's median_filter), dtype kept";
    s.params = {
        {"footprint", ParamKind::Footprint, "",
         "square:N, rectangle:RxC[xD], cube:N, disk:R or ball:R; default: the full 3^n box", {}, std::nullopt},
        spec_parts::mode_param("nearest"),
        spec_parts::cval_param(),
        {"behavior", ParamKind::Choice, "ndimage",
         "ndimage (scipy.ndimage.median_filter); rank (skimage.filters.rank.median) is not implemented",
         {"ndimage", "rank"}, std::nullopt},
    };
    s.input_dtypes = kImageDTypes.list();
    s.output = [](const ArrayMeta& in, const Params& p, Precision) {
        spec_parts::check_footprint_rank("filters.median", p, static_cast<int>(in.shape.size()));
        if (p.choice("behavior") == "rank")
            throw Error("filters.median: behavior=rank (skimage.filters.rank.median, whose window ignores pixels "
                        "outside the image) is not implemented; use behavior=ndimage");
        if (std::isnan(p.real("cval")))
            throw Error("filters.median: cval=nan is refused (SciPy's median of a window with NaN depends on its "
                        "selection order)");
        return ArrayMeta{in.dtype, in.shape};
    };
    s.bytes_per_element = [](const ArrayMeta& in, const Params&, Precision) {
        return spec_parts::read_write_bytes(in, in.dtype);
    };
    s.flops_per_element = [](const ArrayMeta& in, const Params& p) {
        const Footprint w = median::window(p, static_cast<int>(in.shape.size()));
        return static_cast<double>(std::count(w.mask.begin(), w.mask.end(), 1));  // a comparison per element, at least
    };
    s.bench = {SyntheticInput::Smooth, {DType::U8, DType::F32}, {}};
    s.reach = [](const ArrayMeta& in, const Params& p) {
        return spec_parts::footprint_reach(p, static_cast<int>(in.shape.size()));
    };
    return s;
}

SKB_REGISTER_OP_SPEC(median_spec());

}  // namespace
}  // namespace skb
