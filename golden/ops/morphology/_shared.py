"""What the four grayscale (erosion, dilation, opening, closing) and the four binary morphology ops share: their
golden cases (the same inputs and parameters for each op of a kind), random cases and peers."""
import numpy as np

from .. import case, peers, random_inputs
from ..params import MODES

# scikit-image 0.26 emits it on every call of the binary ops; it is not part of the behaviour under test.
BINARY_DEPRECATION = [(FutureWarning, r"`binary_(erosion|dilation|opening|closing)` is deprecated")]


def gray_cases(I):
    cfgs = [
        (I.field("smooth", "u8", (48, 64), 90), None, None, None, "uint8 default fp/mode"),
        (I.field("smooth", "u16", (48, 64), 90), "square:3", None, None, "uint16"),
        (I.field("smooth", "f32n", (48, 64), 90), "square:4", "reflect", None, "float32 negatives, even fp"),
        (I.field("smooth", "f64n", (48, 64), 90), "rectangle:3x5", "constant", 0.5, "float64 negatives"),
        (I.field("smooth", "bool", (48, 64), 91), "rectangle:2x4", None, None, "bool, even fp"),
        (I.field("camera", "u8", (64, 64)), "disk:1", "nearest", None, "camera uint8"),
        (I.field("smooth", "u16n", (48, 64), 92), "disk:2", "mirror", None, "uint16 narrow"),
        (I.field("noise", "f32", (31, 37), 93), "rectangle:2x4", "wrap", None, "float32 noise"),
        (I.field("smooth", "f64n", (48, 64), 90), "square:4", "max", None, "float64 negatives"),
        (I.field("smooth", "u8", (48, 64), 90), "rectangle:2x4", "min", None, "uint8"),
        (I.field("smooth", "f32n", (48, 64), 90), "disk:2", "ignore", None, "float32 negatives"),
        (I.field("smooth", "u8", (48, 64), 90), "square:3", "constant", 200.0, "uint8"),
        (I.field("smooth", "u16", (48, 64), 90), "rectangle:2x4", "constant", 0.0, "uint16"),
        (I.field("smooth", "bool", (48, 64), 91), "square:3", "constant", 1.0, "bool"),
        (I.field("smooth", "bool", (48, 64), 91), "disk:1", "wrap", None, "bool"),
        (I.field("smooth", "bool", (48, 64), 91), "square:4", "max", None, "bool, even fp"),
        (I.field("grad", "f64n", (29, 41), 94), "rectangle:3x5", "mirror", None, "float64 gradient"),
        (I.field("coins", "u8", (76, 96)), "square:4", "ignore", None, "coins uint8"),
        (I.field("smooth", "u8", (16, 20, 24), 95), None, None, None, "3-D uint8 default fp"),
        (I.field("smooth", "f32n", (9, 13, 16), 96), "cube:3", "nearest", None, "3-D float32"),
        (I.field("smooth", "f64n", (9, 13, 16), 96), "ball:1", "constant", -0.5, "3-D float64"),
        (I.field("smooth", "u16", (9, 13, 16), 96), "rectangle:2x3x4", "reflect", None, "3-D uint16 even fp"),
        (I.field("smooth", "bool", (16, 20, 24), 97), "cube:3", "wrap", None, "3-D bool"),
        (I.field("smooth", "u8", (9, 13, 16), 96), "rectangle:2x3x4", "max", None, "3-D uint8"),
        (I.field("smooth", "f32", (9, 13, 16), 96), "ball:1", "min", None, "3-D float32"),
        (I.field("smooth", "f64", (9, 13, 16), 96), None, "ignore", None, "3-D float64 default fp"),
        (I.field("smooth", "f64n", (1, 23), 98), "disk:2", "reflect", None, "1xN, fp taller than image"),
        (I.field("smooth", "u8", (23, 1), 98), "rectangle:3x5", "mirror", None, "Nx1, fp wider than image"),
        (I.field("smooth", "f32", (13, 17), 98), "square:4", "wrap", None, "prime size"),
        (I.field("smooth", "u16", (7, 11, 5), 98), "cube:3", "constant", 65535.0, "3-D prime uint16"),
        (I.field("smooth", "bool", (7, 11, 5), 99), "rectangle:2x3x4", "min", None, "3-D prime bool"),
        (I.field("noise", "u8", (2, 3), 99), "rectangle:3x5", "nearest", None, "2x3 image, fp larger"),
        (I.field("noise", "f64", (2, 3), 99), "disk:2", "ignore", None, "2x3 image, fp larger"),
    ]
    for inp, fp, mode, cval, note in cfgs:
        params = {}
        if fp is not None:
            params["footprint"] = fp
        if mode is not None:
            params["mode"] = mode
        if cval is not None:
            params["cval"] = cval
        desc = f"{note}; fp {fp or 'default'}; mode {mode or 'default'}"
        if cval is not None:
            desc += f" cval {cval!r}"
        yield case(inp, desc, **params)


def binary_cases(I):
    bb = I.field("smooth", "bool", (48, 64), 100)
    cfgs = [
        (bb, None, None, "bool default fp/mode"),
        (bb, "square:3", "ignore", "bool"),
        (bb, "square:4", "max", "bool even fp"),
        (bb, "rectangle:2x4", "min", "bool even fp"),
        (bb, "rectangle:3x5", None, "bool"),
        (bb, "disk:1", "max", "bool"),
        (bb, "disk:2", "min", "bool"),
        (bb, "rectangle:2x4", "ignore", "bool even fp"),
        (I.field("smooth", "b01", (31, 37), 101), "square:3", None, "uint8 0/1"),
        (I.field("smooth", "b255", (31, 37), 102), "disk:1", "max", "uint8 0/255"),
        (I.field("smooth", "b255", (31, 37), 102), "square:4", "min", "uint8 0/255 even fp"),
        (I.field("smooth", "fmask", (31, 37), 103), "rectangle:3x5", "ignore", "float32 nonzero=True"),
        (I.field("smooth", "bool", (16, 20, 24), 104), None, None, "3-D bool default fp"),
        (I.field("smooth", "bool", (16, 20, 24), 104), "cube:3", "max", "3-D bool"),
        (I.field("smooth", "bool", (9, 13, 16), 105), "ball:1", "min", "3-D bool"),
        (I.field("smooth", "bool", (9, 13, 16), 105), "rectangle:2x3x4", "ignore", "3-D bool even fp"),
        (I.field("smooth", "b01", (9, 13, 16), 106), "rectangle:2x3x4", None, "3-D uint8 0/1 even fp"),
        (I.field("smooth", "bool", (1, 23), 107), "rectangle:3x5", None, "1xN, fp taller than image"),
        (I.field("smooth", "bool", (23, 1), 107), "square:4", "max", "Nx1 even fp"),
        (I.raw("noisebool_13x17_s108", np.random.default_rng(108).random((13, 17)) < 0.6),
         "rectangle:2x4", "min", "bool noise prime size"),
        (I.field("smooth", "bool", (7, 11, 5), 109), "cube:3", "ignore", "3-D prime bool"),
    ]
    for inp, fp, mode, note in cfgs:
        params = {}
        if fp is not None:
            params["footprint"] = fp
        if mode is not None:
            params["mode"] = mode
        yield case(inp, f"{note}; fp {fp or 'default'}; mode {mode or 'default'}", **params)
    yield case(bb, "mode reflect rejected", error=True, mode="reflect")


def gray_random_case(rng):
    ndim, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype)
    params = {"mode": rng.choice(MODES + ["max", "min", "ignore"])}
    if params["mode"] == "constant":
        params["cval"] = float(rng.choice([0, 1, 7]))
    return image, _with_footprint(rng, ndim, params)


def binary_random_case(rng):
    ndim, shape, _ = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, rng.choice(["bool", "bool", "uint8", "float32"]))
    return image, _with_footprint(rng, ndim, {"mode": rng.choice(["ignore", "max", "min"])})


def _with_footprint(rng, ndim, params):
    fp = random_inputs.footprint(rng, ndim)
    return dict(params, footprint=fp) if fp else params


def gray_scipy_peer(fn):
    """scipy.ndimage's grey_<op>, which has the five ndimage modes but not max/min/ignore."""
    def peer(p, ndim, dtype):
        mode = p.get("mode", "reflect")
        if mode not in MODES:
            return None
        fp = peers.structure(p, ndim)
        return lambda x: fn(x, footprint=fp, mode=mode)
    return peer


def binary_scipy_peer(fn):
    """scipy.ndimage's binary_<op>."""
    def peer(p, ndim, dtype):
        fp = peers.structure(p, ndim)
        return lambda x: fn(x, structure=fp)
    return peer


def opencv_peer(morph, binary):
    """OpenCV's morphologyEx with MORPH_<morph> (ERODE, DILATE, OPEN, CLOSE); binary ops view masks as uint8."""
    def peer(p, ndim, dtype):
        cv2 = peers.opencv() if binary else peers.opencv(dtype)
        if cv2 is None:
            return None
        mode = p.get("mode")
        border = (cv2.BORDER_CONSTANT if binary or mode in ("max", "min", "ignore")
                  else peers.cv_border(mode or "reflect"))
        if border is None:
            return None
        kind = getattr(cv2, f"MORPH_{morph}")
        if ndim == 2:
            kernel = peers.structure(p, 2).astype(np.uint8)
            if binary:
                return lambda x: cv2.morphologyEx(x.view(np.uint8), kind, kernel, borderType=border)
            return lambda x: cv2.morphologyEx(x, kind, kernel, borderType=border)
        box = peers.box_extents(p, 3)
        if box is None or morph not in ("ERODE", "DILATE"):
            return None
        # A box footprint in 3-D: per slice with the 2-D box, then along axis 0 (the peer form of issue 4).
        plane = np.ones(box[1:], np.uint8)
        axis0 = peers.along_axis0(lambda m, kc: cv2.morphologyEx(m, kind, kc, borderType=border),
                                  np.ones((box[0], 1), np.uint8))

        def volume(v):
            v = v.view(np.uint8) if binary else v
            out = np.empty_like(v)
            for z in range(v.shape[0]):
                out[z] = cv2.morphologyEx(v[z], kind, plane, borderType=border)
            return axis0(out)
        return volume
    return peer
