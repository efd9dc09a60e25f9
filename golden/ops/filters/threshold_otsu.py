"""filters.threshold_otsu: Otsu's threshold of the image's histogram (a scalar, stored as a 0-d array)."""
import numpy as np
from skimage import filters

from .. import case, peers, random_inputs

OP = "filters.threshold_otsu"
call = filters.threshold_otsu


def cases(I):
    yield case(I.field("camera", "u8", (64, 64)), "camera uint8")
    yield case(I.field("coins", "u8", (76, 96)), "coins uint8")
    yield case(I.field("camera", "f64", (64, 64)), "camera float64 in [0,1]")
    yield case(I.field("smooth", "u8", (48, 64), 50), "smooth uint8")
    yield case(I.field("smooth", "u16", (48, 64), 50), "uint16 wide range")
    yield case(I.field("smooth", "u16n", (48, 64), 50), "uint16 narrow range 1000..1040")
    yield case(I.field("smooth", "f32", (48, 64), 50), "smooth float32")
    yield case(I.field("smooth", "f64", (48, 64), 50), "smooth float64")
    yield case(I.field("smooth", "f64", (48, 64), 50), "float64 nbins 16", nbins=16)
    yield case(I.field("smooth", "f64", (48, 64), 50), "float64 nbins 1000", nbins=1000)
    yield case(I.field("smooth", "f64", (48, 64), 50), "float64 nbins 2", nbins=2)
    yield case(I.field("smooth", "f32", (48, 64), 50), "float32 nbins 16", nbins=16)
    yield case(I.field("smooth", "f32", (48, 64), 50), "float32 nbins 1000", nbins=1000)
    yield case(I.field("smooth", "u8", (48, 64), 50), "uint8 nbins 16 (ignored)", nbins=16)
    yield case(I.field("smooth", "u16n", (48, 64), 50), "uint16 nbins 1000 (ignored)", nbins=1000)
    yield case(I.const(np.uint8, 7, (13, 17)), "constant uint8 (returns the value, uint8)")
    yield case(I.const(np.float64, 0.3, (13, 17)), "constant float64")
    yield case(I.const(np.float32, 0.625, (13, 17)), "constant float32")
    yield case(I.twoval(np.uint8, 30, 200, (31, 37), 51), "two-valued uint8")
    yield case(I.twoval(np.uint16, 1000, 1003, (31, 37), 52), "two-valued uint16 (close values)")
    yield case(I.twoval(np.float64, 0.2, 0.9, (31, 37), 53), "two-valued float64")
    yield case(I.twoval(np.float32, -0.5, 1.5, (31, 37), 54), "two-valued float32", nbins=16)
    yield case(I.field("smooth", "u8", (9, 13, 16), 55), "3-D uint8")
    yield case(I.field("smooth", "f32", (7, 11, 5), 56), "3-D float32 prime")
    yield case(I.field("smooth", "u16", (16, 20, 24), 57), "3-D uint16 wide")
    yield case(I.field("smooth", "f64n", (48, 64), 58), "float64 outside [0,1]")
    yield case(I.field("noise", "f64", (1, 23), 59), "1xN float64 noise")
    yield case(I.field("noise", "u8", (31, 37), 60), "uniform noise uint8")
    yield case(I.field("grad", "f64", (29, 41), 61), "gradient float64")
    yield case(I.field("smooth", "bool", (48, 64), 62),
        "bool: numpy converts to uint8 inside np.histogram (RuntimeWarning); float-style 256 bins",
        warn=r"Converting input from bool")
    # 1-d arrays, as `threshold_otsu(med[objects])` passes them (the tomography pipeline's masked Otsu).
    yield case(I.field("smooth", "f32", (500,), 63), "1-d float32")
    yield case(I.field("smooth", "u8", (777,), 64), "1-d uint8")


def random_case(rng):
    _, shape, _ = random_inputs.shape_and_dtype(rng)
    dtype = rng.choice(["uint8", "uint16", "float32", "float64"])
    image = random_inputs.image(rng, shape, dtype)
    params = {}
    if dtype.startswith("float") or rng.random() < 0.3:
        params["nbins"] = rng.choice([2, 16, 256, rng.randint(3, 600)])
    return image, params


scipy_peer = None


def opencv_peer(p, ndim, dtype):
    cv2 = peers.opencv(dtype)
    if cv2 is None or dtype != "uint8":
        return None
    # Otsu's threshold is global, so a volume is thresholded as one tall 2-D image.
    return lambda x: cv2.threshold(x.reshape(-1, x.shape[-1]), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[0]


itk_peer = None
