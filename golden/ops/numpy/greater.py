"""numpy.greater: `image > x2` with x2 a Python float, the NumPy glue between threshold_otsu and the morphology of
the seed pipelines. Not a scikit-image op: its golden output is NumPy's comparison itself (integer images compared
in float64, float32 images against x2 rounded to float32: NEP 50's weak Python scalar)."""
import numpy as np

from .. import case, peers, random_inputs

OP = "numpy.greater"


def call(image, x2=0.0):
    return np.greater(image, float(x2))


def cases(I):
    u8 = I.field("smooth", "u8", (48, 64), 300)
    yield case(u8, "uint8 against a fraction", x2=127.5)
    yield case(u8, "uint8 against an integer (equal is not greater)", x2=128)
    yield case(u8, "uint8 below the range (every element)", x2=-3.5)
    yield case(u8, "uint8 at the top of the range (none)", x2=255)
    yield case(u8, "uint8 above the range (none)", x2=1e300)
    yield case(I.field("smooth", "u16", (31, 37), 301), "uint16", x2=30000.25)
    f32 = I.field("smooth", "f32", (48, 64), 302)
    yield case(f32, "float32 against 0.1 (rounded to float32 first)", x2=0.1)
    yield case(f32, "float32 against 0.5", x2=0.5)
    yield case(I.field("smooth", "f64", (31, 37), 303), "float64 against 0.1", x2=0.1)
    yield case(I.field("smooth", "u8", (9, 13, 16), 304), "3-D uint8", x2=99)
    yield case(I.field("smooth", "f32", (7, 11, 5), 305), "3-D float32", x2=0.25)
    yield case(I.field("noise", "f64", (1, 23), 306), "1xN float64", x2=0.5)
    yield case(I.field("smooth", "bool", (13, 17), 307), "bool (True is 1)", x2=0.5)
    yield case(u8, "uint8 against the default x2 = 0 (the memory tests' and the gate's parameter-free case)")


def random_case(rng):
    _, shape, _ = random_inputs.shape_and_dtype(rng)
    dtype = rng.choice(["bool", "uint8", "uint16", "float32", "float64"])
    image = random_inputs.image(rng, shape, dtype)
    if dtype.startswith("float"):
        x2 = rng.choice([0.1, 0.5, rng.random(), -1.0, 2.0])
    elif dtype == "bool":
        x2 = rng.choice([0.5, 0.0, 1.0, -0.5])
    else:
        top = 255 if dtype == "uint8" else 65535
        x2 = rng.choice([rng.randint(0, top), rng.randint(0, top) + 0.5, -1, top, top + 7.25])
    return image, {"x2": x2}


scipy_peer = None


def opencv_peer(p, ndim, dtype):
    cv2 = peers.opencv(dtype)
    if cv2 is None or dtype not in ("uint8", "float32"):
        return None
    # THRESH_BINARY is src > thresh; a volume is thresholded as one tall 2-D image.
    t = float(p.get("x2", 0.0))
    return lambda x: cv2.threshold(x.reshape(-1, x.shape[-1]), t, 1, cv2.THRESH_BINARY)[1]


itk_peer = None
