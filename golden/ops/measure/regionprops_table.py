"""measure.regionprops_table: per-region measurements of a label image. skbench returns the table as one float64
array of shape (columns, regions), the columns in the dict's order; this descriptor's call stacks scikit-image's
dict the same way."""
import numpy as np
from skimage import measure

from .. import case, peers, random_inputs

OP = "measure.regionprops_table"
ALL_2D = ("label", "area", "bbox", "centroid", "area_bbox", "extent", "equivalent_diameter_area",
          "inertia_tensor_eigvals", "axis_major_length", "axis_minor_length", "eccentricity", "orientation")
ALL_3D = tuple(p for p in ALL_2D if p not in ("eccentricity", "orientation"))
INTENSITY = ("label", "intensity_mean", "intensity_min", "intensity_max")


def call(label_image, intensity_image=None, properties=("label", "bbox")):
    if isinstance(properties, str):  # one property: the CLI text has no comma
        properties = [properties]
    table = measure.regionprops_table(label_image, intensity_image=intensity_image, properties=list(properties))
    return np.stack([np.asarray(column, dtype=np.float64) for column in table.values()])


def _blob_labels(shape, seed, dtype, fraction=0.45):
    """measure.label's components of a noisy threshold: irregular regions of many sizes, single pixels included."""
    g = np.random.default_rng(seed)
    unit = g.random(shape)
    for axis in range(len(shape)):
        unit = (unit + np.roll(unit, 1, axis) + 0.5 * np.roll(unit, -1, axis)) / 2.5
    return measure.label(unit > np.quantile(unit, 1 - fraction), connectivity=1).astype(dtype)


def cases(I):
    l2 = I.raw("blob_labels_i64_48x64_s170", _blob_labels((48, 64), 170, np.int64))
    yield case(l2, "2-D defaults (label, bbox)")
    yield case(l2, "2-D every geometric property", properties=ALL_2D)
    yield case(l2, "2-D one property", properties="area")
    yield case(l2, "2-D properties out of order, repeated geometry", properties=("centroid", "label", "bbox", "area"))
    inten = I.field("smooth", "f64", (48, 64), 171)
    yield case(l2, "2-D intensity float64", properties=INTENSITY, extra_inputs={"intensity_image": inten})
    yield case(l2, "2-D intensity uint8", properties=INTENSITY + ("area",),
               extra_inputs={"intensity_image": I.field("smooth", "u8", (48, 64), 172)})
    yield case(l2, "2-D intensity float32", properties=INTENSITY,
               extra_inputs={"intensity_image": I.field("noise", "f32", (48, 64), 173)})
    u8 = I.raw("blob_labels_u8_31x37_s174", _blob_labels((31, 37), 174, np.uint8, 0.3))
    yield case(u8, "uint8 labels", properties=ALL_2D)
    u16 = I.raw("labels_u16_sparse_31x37_s175", (_blob_labels((31, 37), 175, np.uint16) * 97).astype(np.uint16))
    yield case(u16, "uint16 sparse label values (gaps between labels)", properties=("label", "area", "centroid"))
    g = np.random.default_rng(176)
    scattered = g.integers(0, 6, size=(29, 41)).astype(np.int32)
    yield case(I.raw("scattered_i32_29x41_s176", scattered), "int32 labels scattered (regions not connected)",
               properties=ALL_2D)
    neg = scattered - 2
    yield case(I.raw("scattered_negative_i32_29x41_s176", neg), "int32 with negative labels (ignored)",
               properties=("label", "area", "bbox"))
    l3 = I.raw("blob_labels_i32_16x20x24_s177", _blob_labels((16, 20, 24), 177, np.int32, 0.35))
    yield case(l3, "3-D defaults")
    yield case(l3, "3-D every geometric property", properties=ALL_3D)
    yield case(l3, "3-D intensity uint16", properties=INTENSITY,
               extra_inputs={"intensity_image": I.field("smooth", "u16", (16, 20, 24), 178)})
    # A bool intensity image (the tomography pipeline's liquid mask: intensity_mean is the liquid fraction).
    yield case(l2, "2-D intensity bool", properties=INTENSITY + ("area",),
               extra_inputs={"intensity_image": I.field("blobs", "bool", (48, 64), 179)})
    yield case(l3, "3-D intensity bool", properties=INTENSITY,
               extra_inputs={"intensity_image": I.field("blobs", "bool", (16, 20, 24), 180)})
    one = np.zeros((9, 11), np.uint8)
    one[4, 5] = 3
    yield case(I.raw("single_pixel_label3_u8_9x11", one), "a single-pixel region", properties=ALL_2D)
    yield case(I.const(np.uint8, 0, (13, 17)), "no regions: empty columns", properties=("label", "area", "bbox"))
    full = np.full((7, 9), 2, np.int64)
    yield case(I.raw("full_i64_7x9", full), "one region filling the image", properties=ALL_2D)
    yield case(I.raw("line_u8_1x23", np.array([[0, 1, 1, 1, 0, 2, 0] + [0] * 16], np.uint8)), "1xN",
               properties=ALL_2D)
    yield case(I.field("blobs", "bool", (13, 17), 179), "bool label image refused", error=True)
    yield case(I.field("smooth", "f32", (13, 17), 180), "float label image refused", error=True)
    yield case(l3, "orientation of a 3-D image refused", error=True, properties=("label", "orientation"))
    yield case(l2, "intensity property without an intensity image", error=True, properties=("intensity_mean",))


def random_case(rng):
    ndim, shape, _ = random_inputs.shape_and_dtype(rng)
    dtype = rng.choice(["uint8", "uint16", "int32", "int64"])
    g = np.random.default_rng(rng.randrange(1 << 30))
    labels = g.integers(0, rng.randint(2, 9), size=shape).astype(dtype)
    pool = ALL_2D if ndim == 2 else ALL_3D
    properties = tuple(rng.sample(pool, rng.randint(1, len(pool))))
    extra = {}
    if rng.random() < 0.4:
        extra["intensity_image"] = random_inputs.image(rng, shape, rng.choice(["bool", "uint8", "uint16", "float32",
                                                                               "float64"]))
        properties += tuple(rng.sample(INTENSITY[1:], rng.randint(1, 3)))
    return labels, {"properties": properties}, extra


scipy_peer = None   # SciPy has no region table (ndimage.find_objects gives bounding boxes only)
opencv_peer = None  # OpenCV measures only the components it labels itself: FUSED_PEERS below
itk_peer = None


def _opencv_components_with_stats(p, ndim, dtype):
    """measure.label -> regionprops_table(label, area, bbox, centroid) of a 2-D mask as OpenCV does it in one
    call: connectedComponentsWithStats (area, bbox and centroid per component; labels in its own order)."""
    cv2 = peers.opencv()
    wanted = set(p.get("properties", ("label", "bbox")))
    if isinstance(p.get("properties"), str):
        wanted = {p["properties"]}
    if cv2 is None or ndim != 2 or dtype not in ("bool", "uint8") or not wanted <= {"label", "area", "bbox", "centroid"}:
        return None
    conn = 4 if p.get("connectivity", 2) == 1 else 8
    return lambda x: cv2.connectedComponentsWithStats(x.view(np.uint8), connectivity=conn)[2]  # stats (centroids too)


# The seed's coins pipeline (skbench's seed.coins_regions): threshold_otsu -> image > t -> binary_closing(square 3)
# -> clear_border -> label -> regionprops_table(label, area, bbox, centroid) -> keep area >= 100.
COINS_STEPS = ("filters.threshold_otsu", "numpy.greater", "morphology.binary_closing", "segmentation.clear_border",
               "measure.label")
COINS_PROPERTIES = ("label", "area", "bbox", "centroid")


def coins_pipeline_skimage(image):
    """The pipeline as the seed writes it in scikit-image (plus NumPy for the comparison and the area filter)."""
    import warnings
    from skimage import filters, measure, morphology, segmentation
    t = filters.threshold_otsu(image)
    with warnings.catch_warnings():  # binary_closing is deprecated in 0.26 (the seed's call, kept as written)
        warnings.simplefilter("ignore", FutureWarning)
        closed = morphology.binary_closing(image > t, morphology.footprint_rectangle((3, 3)))
    labels = measure.label(segmentation.clear_border(closed))
    table = measure.regionprops_table(labels, properties=COINS_PROPERTIES)
    keep = table["area"] >= 100
    return {k: v[keep] for k, v in table.items()}


def _skimage_coins(p, ndim, dtype):
    return coins_pipeline_skimage if ndim == 2 else None


def _opencv_coins(p, ndim, dtype):
    """The same pipeline as an OpenCV user writes it: Otsu's threshold and binarisation in one call, a 3x3 closing,
    then one connectedComponentsWithStats (8-connected, as label's default) whose stats give area, bbox and
    centroid; components whose box reaches the border (clear_border) or smaller than 100 pixels are dropped from
    the stats with NumPy."""
    cv2 = peers.opencv(dtype)
    if cv2 is None or ndim != 2 or dtype != "uint8":
        return None
    kernel = np.ones((3, 3), np.uint8)

    def run(x):
        _, mask = cv2.threshold(x, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel, borderType=cv2.BORDER_CONSTANT, borderValue=0)
        _, _, stats, centroids = cv2.connectedComponentsWithStats(closed, connectivity=8)
        left, top, w, h, area = stats[1:].T
        inside = (left > 0) & (top > 0) & (left + w < x.shape[1]) & (top + h < x.shape[0])
        keep = inside & (area >= 100)
        return np.column_stack([stats[1:][keep], centroids[1:][keep]])
    return run


# The seed's tomography pipeline (skbench's seed.tomography): Otsu's threshold of the volume, the 3x3x3 median, Otsu's
# threshold of the median at the object voxels only, the liquid mask, the filled objects eroded by a 10-cube, and
# each labelled core's volume and liquid fraction (regionprops_table with the liquid mask as intensity).
TOMOGRAPHY_STEPS = ("filters.threshold_otsu", "numpy.greater", "filters.median", "numpy.extract",
                    "filters.threshold_otsu", "numpy.greater", "ndimage.binary_fill_holes",
                    "morphology.binary_erosion", "measure.label")
TOMOGRAPHY_PROPERTIES = ("label", "area", "intensity_mean")


def tomography_pipeline_skimage(vol):
    """The pipeline as the seed writes it: scikit-image, SciPy's binary_fill_holes, NumPy's comparisons and mask."""
    import warnings
    from scipy import ndimage as ndi
    from skimage import filters, measure, morphology
    t = filters.threshold_otsu(vol)
    objects = vol > t
    med = filters.median(vol, np.ones((3, 3, 3), bool))
    t2 = filters.threshold_otsu(med[objects])
    liquid = med > t2
    aggregates = ndi.binary_fill_holes(objects)
    with warnings.catch_warnings():  # binary_erosion is deprecated in 0.26 (the seed's call, kept as written)
        warnings.simplefilter("ignore", FutureWarning)
        cores = morphology.binary_erosion(aggregates, np.ones((10, 10, 10), bool))
    labels = measure.label(cores)
    return measure.regionprops_table(labels, intensity_image=liquid, properties=TOMOGRAPHY_PROPERTIES)


def _skimage_tomography(p, ndim, dtype):
    return tomography_pipeline_skimage if ndim == 3 else None


FUSED_PEERS = {"opencv": {("measure.label",): _opencv_components_with_stats, COINS_STEPS: _opencv_coins},
               "skimage": {COINS_STEPS: _skimage_coins, TOMOGRAPHY_STEPS: _skimage_tomography}}
