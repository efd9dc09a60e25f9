"""testing.sum_diff: a test-only op with two inputs and two outputs, which exercises the multi-input/multi-output
plumbing (manifest "extra_inputs" and "output_names", `skbench run --in other=...`). It is not a scikit-image op:
its golden output is plain NumPy on skimage.util.img_as_float.

sum_diff(image, other, mask=None) -> [sum, difference]: image and other have one shape (2-D or 3-D) and each its
own dtype (uint8, float32, float64); a, b = their img_as_float in float64; sum = a + b, difference = a - b, both 0
where the bool mask is False. Computed in float64, returned as float32 when image is float32, else float64.
"""
import numpy as np
from skimage.util import img_as_float

from .. import case, random_inputs

OP = "testing.sum_diff"
OUTPUTS = ["sum", "difference"]


def call(image, other, mask=None):
    a = img_as_float(image).astype(np.float64)
    b = img_as_float(other).astype(np.float64)
    s, d = a + b, a - b
    if mask is not None:
        s, d = np.where(mask, s, 0.0), np.where(mask, d, 0.0)
    dtype = np.float32 if image.dtype == np.float32 else np.float64
    return [s.astype(dtype), d.astype(dtype)]


def cases(I):
    def pair(v1, v2, shape, seed, note, mask=None, **kw):
        extra = {"other": I.field("noise", v2, shape, seed + 1)}
        if mask is not None:
            extra["mask"] = mask
        return case(I.field("smooth", v1, shape, seed), note, extra_inputs=extra, **kw)

    yield pair("f64", "f64", (31, 37), 110, "2-D float64 + float64")
    yield pair("u8", "f32", (31, 37), 112, "uint8 image + float32 other -> float64")
    yield pair("f32", "f32", (31, 37), 114, "2-D float32 + float32 -> float32")
    yield pair("u8", "u8", (13, 17), 116, "uint8 + uint8 -> float64, prime size")
    yield pair("f32", "u8", (9, 13, 16), 118, "3-D float32 image + uint8 other -> float32")
    yield pair("f64", "u8", (31, 37), 120, "2-D with a bool mask", mask=I.field("blobs", "bool", (31, 37), 122))
    yield pair("f32", "f64", (9, 13, 16), 124, "3-D with a bool mask",
               mask=I.field("blobs", "bool", (9, 13, 16), 126))
    yield pair("f64", "u8", (1, 23), 128, "1xN")
    yield case(I.field("smooth", "f64", (13, 17), 130), "other's shape differs (17x13 vs 13x17)", error=True,
               extra_inputs={"other": I.field("noise", "f64", (17, 13), 131)})


def random_case(rng):
    ndim = rng.choice([2, 3])
    shape = tuple(rng.choice([1, rng.randint(2, 9), rng.randint(9, 30)]) for _ in range(ndim))
    dtypes = ["uint8", "float32", "float64"]
    image = random_inputs.image(rng, shape, rng.choice(dtypes))
    extra = {"other": random_inputs.image(rng, shape, rng.choice(dtypes))}
    if rng.random() < 0.5:
        extra["mask"] = random_inputs.image(rng, shape, "bool")
    return image, {}, extra


scipy_peer = None
opencv_peer = None
itk_peer = None
