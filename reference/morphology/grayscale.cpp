// Reference morphology.erosion, dilation, opening, closing (grayscale), with scikit-image's conventions:
// erosion(x) = min_o I[x+o], dilation(x) = max_o I[x+o] over the front-centred footprint offsets o;
// opening and closing follow with the mirrored footprint. Modes max/min/ignore pad with dtype extremes.
#include "extremum_filter.hpp"
#include "skb/morphology.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

// One min or max pass with the mode resolved as scikit-image does for that pass.
template <class T> Array gray_pass(const Array& image, const std::vector<std::vector<std::int64_t>>& offsets,
                                   Extremum which, const Params& params) {
    const auto border = grayscale_border<T>(params.choice("mode"), params.real("cval"), which);
    return extremum_filter<T>(image, offsets, which, border.mode, border.outside);
}

template <Extremum First, bool Then> Array grayscale(const Array& input, const Params& params, const RunOptions&) {
    const Footprint* given = params.footprint("footprint");
    const auto offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::Front);
    return visit_dtype<kImageDTypes>(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        Array once = gray_pass<T>(input, offsets, First, params);
        if (!Then) return once;
        constexpr Extremum second = First == Extremum::Min ? Extremum::Max : Extremum::Min;
        return gray_pass<T>(once, mirrored(offsets), second, params);
    });
}

SKB_REGISTER_IMPL("morphology.erosion", "ref", (grayscale<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.dilation", "ref", (grayscale<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.opening", "ref", (grayscale<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.closing", "ref", (grayscale<Extremum::Max, true>));

}  // namespace
}  // namespace skb::reference
