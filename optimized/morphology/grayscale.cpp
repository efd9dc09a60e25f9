// Opt morphology.erosion, dilation, opening, closing (grayscale): skimage conventions as in the reference
// (front-centred footprint, mirrored for the second pass), computed by the row-fold kernel of extremum.hpp in
// the image's own dtype (selection is exact in any precision).
#include "extremum.hpp"
#include "skb/registry.hpp"

namespace skb::opt {
namespace {

template <Extremum First, bool Then> Array grayscale(const Array& input, const Params& params, const RunOptions& options) {
    SKB_NVTX_RANGE("morphology.grayscale/opt");
    const Footprint* given = params.footprint("footprint");
    const Offsets offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::Front);
    return visit_dtype(input.dtype(), [&](auto tag) {
        using T = decltype(tag);
        const auto pass = [&](const Array& image, const Offsets& o, Extremum which) {
            const auto border = grayscale_border<T>(params.choice("mode"), params.real("cval"), which);
            return extremum_filter<T>(image, image.data<T>(), o, which, border, input.dtype(), options);
        };
        Array once = pass(input, offsets, First);
        if (!Then) return once;
        return pass(once, mirrored(offsets), First == Extremum::Min ? Extremum::Max : Extremum::Min);
    });
}

SKB_REGISTER_IMPL("morphology.erosion", "opt", (grayscale<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.dilation", "opt", (grayscale<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.opening", "opt", (grayscale<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.closing", "opt", (grayscale<Extremum::Max, true>));

}  // namespace
}  // namespace skb::opt
