// Reference morphology.binary_erosion, binary_dilation, binary_opening, binary_closing: AND / OR over the
// end-centred footprint offsets o (erosion reads B[x+o], dilation B[x-o]); outside the image reads True or
// False by mode: ignore (erosion True, dilation False), max (True), min (False).
#include "extremum_filter.hpp"
#include "skb/morphology.hpp"
#include "skb/registry.hpp"

namespace skb::reference {
namespace {

Array binary_pass(const Array& mask, const std::vector<std::vector<std::int64_t>>& offsets, Extremum which,
                  const std::string& mode) {
    const bool outside = binary_outside(mode, which);
    return which == Extremum::Min
               ? extremum_filter<bool>(mask, offsets, Extremum::Min, BorderMode::Constant, outside)
               : extremum_filter<bool>(mask, mirrored(offsets), Extremum::Max, BorderMode::Constant, outside);
}

template <Extremum First, bool Then> Array binary(const Array& input, const Params& params, const RunOptions&) {
    const Footprint* given = params.footprint("footprint");
    const auto offsets = (given ? *given : Footprint::cross(input.ndim())).offsets(EvenCentre::End);
    const std::string& mode = params.choice("mode");
    const Array mask = cast_array(input, DType::Bool);  // nonzero is True
    Array once = binary_pass(mask, offsets, First, mode);
    if (!Then) return once;
    return binary_pass(once, offsets, First == Extremum::Min ? Extremum::Max : Extremum::Min, mode);
}

SKB_REGISTER_IMPL("morphology.binary_erosion", "ref", (binary<Extremum::Min, false>));
SKB_REGISTER_IMPL("morphology.binary_dilation", "ref", (binary<Extremum::Max, false>));
SKB_REGISTER_IMPL("morphology.binary_opening", "ref", (binary<Extremum::Min, true>));
SKB_REGISTER_IMPL("morphology.binary_closing", "ref", (binary<Extremum::Max, true>));

}  // namespace
}  // namespace skb::reference
