"""filters.median: scipy.ndimage.median_filter as scikit-image 0.26 calls it (behavior='ndimage'; the default
footprint is the full 3^n box, not the morphology ops' cross)."""
import numpy as np
import scipy.ndimage as ndi
from skimage import filters

from .. import case, peers, random_inputs
from ..params import MODES

OP = "filters.median"
call = filters.median


def cases(I):
    yield case(I.field("smooth", "u8", (48, 64), 40), "all defaults (3x3 box, mode nearest)")
    fps = ["square:3", "disk:2", "square:4", "rectangle:2x5", "disk:1"]
    for di, v in enumerate(["u8", "u16", "f32n", "f64n", "bool"]):
        inp = I.field("smooth", v, (31, 37), 41 + di)
        for mi, mode in enumerate(MODES):
            fp = fps[(mi + di) % len(fps)]
            if mode == "constant":
                cval = {"u8": 200.0, "u16": 7.0, "f32n": -0.5, "f64n": 0.25, "bool": 1.0}[v]
                yield case(inp, f"{v} fp {fp} mode constant cval {cval}", footprint=fp, mode=mode, cval=cval)
            else:
                yield case(inp, f"{v} fp {fp} mode {mode}", footprint=fp, mode=mode)
    # Plateaus and ties: few-level images, where most windows hold repeated values.
    levels = np.random.default_rng(46).integers(0, 4, size=(40, 50))
    yield case(I.raw("levels4_u8_40x50_s46", (levels * 60).astype(np.uint8)), "uint8 4 levels, ties everywhere",
               footprint="square:5")
    yield case(I.raw("levels4_f32_40x50_s46", (levels / 4).astype(np.float32)), "float32 4 levels, even window",
               footprint="rectangle:4x4")
    yield case(I.field("noise", "u8", (64, 64), 47), "uint8 noise, disk:5", footprint="disk:5")
    yield case(I.field("noise", "u16", (40, 44), 48), "uint16 noise, square:7", footprint="square:7", mode="reflect")
    yield case(I.field("noise", "f32", (40, 44), 49), "float32 noise, disk:4", footprint="disk:4", mode="mirror")
    # Windows beyond the selection networks (49 elements): the uint8/uint16/bool histograms, float selection.
    yield case(I.field("noise", "u16", (40, 44), 48), "uint16 noise, disk:5", footprint="disk:5", mode="wrap")
    yield case(I.field("noise", "f32", (40, 44), 49), "float32 noise, disk:6", footprint="disk:6", mode="constant",
               cval=0.3)
    yield case(I.field("smooth", "bool", (31, 37), 45), "bool square:9", footprint="square:9", mode="reflect")
    yield case(I.field("noise", "f64", (10, 12, 14), 66), "3-D float64 cube:5 mirror", footprint="cube:5",
               mode="mirror")
    yield case(I.field("camera", "u8", (64, 64)), "camera uint8 square:5", footprint="square:5")
    yield case(I.field("coins", "u8", (76, 96)), "coins uint8 disk:3", footprint="disk:3", mode="reflect")
    # cval as SciPy uses it: converted to the image's dtype by a C cast first, then sorted with the values.
    yield case(I.field("smooth", "u8", (20, 24), 50), "uint8 cval 300 (wraps to 44, sorts low)", footprint="square:5",
               mode="constant", cval=300.0)
    yield case(I.field("smooth", "u8", (20, 24), 50), "uint8 cval -5 (wraps to 251, sorts high)", footprint="square:5",
               mode="constant", cval=-5.0)
    yield case(I.field("smooth", "u16", (20, 24), 51), "uint16 cval 12.7 (truncates to 12)",
               footprint="disk:2", mode="constant", cval=12.7)
    yield case(I.field("smooth", "f32", (20, 24), 52), "float32 cval 0.1 (rounded to float32)",
               footprint="square:4", mode="constant", cval=0.1)
    yield case(I.field("smooth", "bool", (20, 24), 53), "bool cval 0.7 (False)",
               footprint="square:5", mode="constant", cval=0.7)
    # 3-D.
    yield case(I.field("smooth", "u8", (16, 20, 24), 54), "3-D uint8 default (cube 3)")
    yield case(I.field("smooth", "f32n", (9, 13, 16), 55), "3-D float32 cube:3 reflect", footprint="cube:3",
               mode="reflect")
    yield case(I.field("smooth", "f64n", (9, 13, 16), 56), "3-D float64 ball:2 constant", footprint="ball:2",
               mode="constant", cval=-0.25)
    yield case(I.field("smooth", "u16", (9, 13, 16), 57), "3-D uint16 even rectangle:2x3x4", footprint="rectangle:2x3x4",
               mode="wrap")
    yield case(I.field("smooth", "bool", (9, 13, 16), 58), "3-D bool ball:1 mirror", footprint="ball:1", mode="mirror")
    yield case(I.field("noise", "u8", (10, 12, 14), 59), "3-D uint8 cube:5 nearest", footprint="cube:5")
    yield case(I.field("noise", "f32", (10, 12, 14), 60), "3-D float32 cube:4 (even)", footprint="cube:4")
    # Shapes smaller than the footprint, single rows and columns.
    for mi, mode in enumerate(MODES):
        extra = dict(cval=3.0) if mode == "constant" else {}
        yield case(I.field("noise", "u8", (3, 40), 61), f"footprint taller than 3x40 image, {mode}",
                   footprint="square:7", mode=mode, **extra)
    yield case(I.field("noise", "f64", (1, 9), 62), "1x9 float64 disk:2", footprint="disk:2", mode="wrap")
    yield case(I.field("noise", "f32", (23, 1), 63), "Nx1 float32 square:4", footprint="square:4", mode="reflect")
    yield case(I.field("smooth", "u16", (7, 11, 5), 64), "3-D prime uint16 cube:3 constant 65535",
               footprint="cube:3", mode="constant", cval=65535.0)
    yield case(I.field("smooth", "f64", (31, 37), 65), "footprint of another rank", error=True, footprint="cube:3")


def random_case(rng):
    ndim, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype)
    params = {"mode": rng.choice(MODES)}
    if params["mode"] == "constant":
        params["cval"] = float(rng.choice([0, 1, 7, 2.5]))
    fp = random_inputs.footprint(rng, ndim)
    return image, dict(params, footprint=fp) if fp else params


def _window(p, ndim):
    return peers.footprint(p["footprint"]) if "footprint" in p else np.ones((3,) * ndim, bool)


def scipy_peer(p, ndim, dtype):
    fp = _window(p, ndim)
    return lambda x: ndi.median_filter(x, footprint=fp, mode=p.get("mode", "nearest"), cval=p.get("cval", 0.0))


def opencv_peer(p, ndim, dtype):
    """cv2.medianBlur: a square odd window, replicated border (mode nearest), 2-D; uint8 at any size, uint16 and
    float32 at 3 and 5 only."""
    cv2 = peers.opencv(dtype)
    if cv2 is None or ndim != 2 or p.get("mode", "nearest") != "nearest":
        return None
    box = peers.box_extents(p, 2) if "footprint" in p else (3, 3)
    if box is None or box[0] != box[1] or box[0] % 2 == 0 or box[0] < 3:
        return None
    k = box[0]
    if dtype != "uint8" and not (dtype in ("uint16", "float32") and k in (3, 5)):
        return None
    return lambda x: cv2.medianBlur(x, k)


def itk_peer(p, ndim, dtype):
    """ITK's MedianImageFilter: a box of odd extents (its radius per axis, in ITK's x, y, z order), the border
    replicated (its ZeroFluxNeumann condition: mode nearest); equal to SciPy's median there."""
    itk = peers.itk(dtype)
    box = peers.box_extents(p, ndim) if "footprint" in p else (3,) * ndim
    if itk is None or box is None or any(e % 2 == 0 for e in box) or p.get("mode", "nearest") != "nearest":
        return None
    radius = [e // 2 for e in reversed(box)]

    def run(x):
        median = itk.MedianImageFilter.New(itk.image_view_from_array(x), Radius=radius)
        median.Update()
        return itk.array_from_image(median.GetOutput())  # a copy: the filter owning the view is gone after return
    return run
