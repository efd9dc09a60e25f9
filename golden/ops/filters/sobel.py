"""filters.sobel: Sobel edge magnitude (sqrt of the mean of squared axis derivatives), or one axis' derivative."""
import numpy as np
import scipy.ndimage as ndi
from skimage import filters
from skimage.util import img_as_float

from .. import case, peers, random_inputs
from ..params import MODES

OP = "filters.sobel"
call = filters.sobel


def cases(I):
    for v in ["u8", "u16", "f32", "f64", "bool", "f64n"]:
        yield case(I.field("smooth", v, (48, 64), 40), f"magnitude 2-D {v}")
    for v in ["u8", "u16", "f32", "f64", "bool"]:
        yield case(I.field("smooth", v, (16, 20, 24), 41), f"magnitude 3-D {v}")
    for v in ["f64", "u8"]:
        for ax in (0, 1):
            yield case(I.field("noise", v, (31, 37), 42), f"2-D {v} axis {ax}", axis=ax)
    for ax in (0, 1, 2):
        yield case(I.field("smooth", "f64", (9, 13, 16), 43), f"3-D float64 axis {ax}", axis=ax)
    yield case(I.field("smooth", "f32", (9, 13, 16), 43), "3-D float32 axis 2 wrap", axis=2, mode="wrap")
    for mode in MODES:
        yield case(I.field("smooth", "f64", (31, 37), 44), f"magnitude 2-D float64 {mode}", mode=mode)
    yield case(I.field("smooth", "f64", (31, 37), 44), "constant cval 0.7", mode="constant", cval=0.7)
    for mode in MODES:
        extra = dict(cval=0.5) if mode == "constant" else {}
        yield case(I.field("noise", "u8", (17, 23), 45), f"uint8 axis 1 {mode}", axis=1, mode=mode, **extra)
    for mode in ["mirror", "nearest", "wrap", "constant"]:
        extra = dict(cval=-1.0) if mode == "constant" else {}
        yield case(I.field("smooth", "f32", (9, 13, 16), 46), f"3-D float32 magnitude {mode}",
            mode=mode, **extra)
    yield case(I.field("noise", "f64", (1, 23), 47), "1xN float64")
    yield case(I.field("noise", "u8", (23, 1), 47), "Nx1 uint8", mode="nearest")
    yield case(I.field("smooth", "f32", (13, 17), 47), "prime size float32", mode="mirror")
    yield case(I.field("smooth", "f64", (7, 11, 5), 47), "3-D prime float64")
    yield case(I.field("noise", "f64", (1, 9), 47), "1x9 axis 0 reflect", axis=0)
    yield case(I.field("grad", "f64", (29, 41), 48), "gradient + ripple", mode="wrap")
    yield case(I.field("camera", "u8", (64, 64)), "camera uint8")
    yield case(I.field("coins", "u8", (76, 96)), "coins uint8", mode="constant", cval=0.25)


def random_case(rng):
    ndim, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype)
    params = {}
    if rng.random() < 0.4:
        params["axis"] = rng.randrange(ndim)
    params["mode"] = rng.choice(MODES)
    params["cval"] = round(rng.uniform(-1, 2), 3)
    return image, params


def scipy_peer(p, ndim, dtype):
    mode = p.get("mode", "reflect")
    if "axis" in p:
        return lambda x: ndi.sobel(img_as_float(x), p["axis"], mode=mode)

    def magnitude(x):
        x = img_as_float(x)
        return np.sqrt(sum(ndi.sobel(x, a, mode=mode) ** 2 for a in range(x.ndim))) / np.sqrt(x.ndim)
    return magnitude


def opencv_peer(p, ndim, dtype):
    cv2 = peers.opencv(dtype)
    if cv2 is None or ndim != 2:
        return None
    border = peers.cv_border(p.get("mode") or "reflect")
    if border is None or "axis" in p:
        return None
    return lambda x: cv2.magnitude(cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3, borderType=border),
                                   cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=3, borderType=border))


itk_peer = None
