// The inputs of the seed pipelines (shared/seeds 004) and their host glue. Coins: threshold_otsu -> image > t ->
// binary_closing(square 3) -> clear_border -> label -> regionprops_table(label, area, bbox, centroid) -> keep
// regions of area >= 100. Tomography: see tomography_volume.
#pragma once
#include "skb/array.hpp"

namespace skb::bench {

// Bright discs of varied size (many across the border, some touching each other) on an uneven background with
// noise, uint8: deterministic for a 2-D shape.
Array coins_image(const Shape& shape);

// A float32 tomography volume, deterministic for a 3-D shape: spherical aggregates (0.6, radius 8%..22% of the
// smallest extent and at least 6..12 voxels, one per 300000 voxels and at least 6) on a 0.2 background, with liquid inclusions (0.85, small
// spheres inside the aggregates), closed pores (background value inside some aggregates: holes for
// binary_fill_holes) and uniform noise of +-0.1.
Array tomography_volume(const Shape& shape);

// A retina-like RGB uint8 image (shape rows x cols x 3), deterministic: an orange fundus disc darkening towards its
// rim on black, a brighter optic disc, dark vessel trees branching from it (widths 1..5 pixels, narrowing at each
// fork), and noise. The cuCIM seed's workload (003) runs the ridge filters on scikit-image's retina photograph.
Array retina_image(const Shape& shape);

// A float32 volume of bright tubes of radii 1..4 voxels (a Gaussian profile across each) along polylines through the
// volume, on a 0.1 background with noise of +-0.05, deterministic for a 3-D shape.
Array tube_volume(const Shape& shape);

// The coins pipeline's last step, NumPy's `{k: v[t['area'] >= 100]}` on a (columns x regions) table whose second row
// is the area.
Array keep_regions_of_area_at_least_100(const Array& table);

}  // namespace skb::bench
