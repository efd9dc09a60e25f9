// The seed's coins pipeline (shared/seeds 004): threshold_otsu -> image > t -> binary_closing(square 3) ->
// clear_border -> label -> regionprops_table(label, area, bbox, centroid) -> keep regions of area >= 100.
#pragma once
#include "skb/array.hpp"

namespace skb::bench {

// Bright discs of varied size (many across the border, some touching each other) on an uneven background with
// noise, uint8: deterministic for a 2-D shape.
Array coins_image(const Shape& shape);

// The pipeline's last step, NumPy's `{k: v[t['area'] >= 100]}` on a (columns x regions) table whose second row
// is the area.
Array keep_regions_of_area_at_least_100(const Array& table);

}  // namespace skb::bench
