"""feature.canny: scikit-image's Canny edge detector (2-D, bool edges; the optional mask is a second input)."""
import numpy as np
from skimage import feature

from .. import case, peers, random_inputs
from ..params import MODES

OP = "feature.canny"
call = feature.canny


def _mask(shape, seed):
    """A bool mask: True on a disc-ish blob covering most of the image, with a hole."""
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    cy, cx = shape[0] / 2 + g.uniform(-2, 2), shape[1] / 2 + g.uniform(-2, 2)
    r = min(shape) * 0.45
    d = np.hypot(yy - cy, xx - cx)
    return (d < r) & ~(d < r * 0.2)


def cases(I):
    yield case(I.field("camera", "u8", (64, 64)), "camera uint8, all defaults")
    yield case(I.field("coins", "u8", (76, 96)), "coins uint8, sigma 2", sigma=2.0)
    for di, v in enumerate(["u8", "u16", "f32", "f64", "bool"]):
        inp = I.field("blobs" if v == "bool" else "smooth", v, (48, 64), 70 + di)
        for mi, mode in enumerate(MODES):
            s = [1.0, 1.5, 0.7, 2.0, 1.2][(mi + di) % 5]
            extra = dict(cval=[0.0, 0.3, 1.0, -0.5, 0.0][di]) if mode == "constant" else {}
            yield case(inp, f"{v} mode {mode} sigma {s}", sigma=s, mode=mode, **extra)
    # Thresholds: given (divided by the dtype's maximum), quantiles, equal low and high.
    yield case(I.field("camera", "u8", (64, 64)), "uint8 thresholds 20/60", low_threshold=20.0, high_threshold=60.0)
    yield case(I.field("camera", "u16", (64, 64)), "uint16 thresholds 3000/9000", low_threshold=3000.0,
               high_threshold=9000.0)
    yield case(I.field("smooth", "f32", (48, 64), 80), "float32 thresholds 0.02/0.05", low_threshold=0.02,
               high_threshold=0.05)
    yield case(I.field("coins", "u8", (76, 96)), "quantiles 0.8/0.95", low_threshold=0.8, high_threshold=0.95,
               use_quantiles=True)
    yield case(I.field("smooth", "f32", (48, 64), 81), "float32 quantiles 0.5/0.9", low_threshold=0.5,
               high_threshold=0.9, use_quantiles=True)
    yield case(I.field("smooth", "f64", (48, 64), 82), "quantiles with the default high", low_threshold=0.15,
               use_quantiles=True)
    yield case(I.field("camera", "u8", (64, 64)), "low equal to high", low_threshold=40.0, high_threshold=40.0)
    yield case(I.field("noise", "f64", (40, 50), 83), "noise float64, sigma 0 (no smoothing)", sigma=0.0)
    yield case(I.field("noise", "f32", (40, 50), 84), "noise float32, sigma 3", sigma=3.0, mode="reflect")
    # Masks (second input).
    for mi, (v, shape) in enumerate([("u8", (64, 64)), ("f32", (48, 64)), ("f64", (37, 41))]):
        inp = I.field("camera", v, shape) if v == "u8" else I.field("smooth", v, shape, 85 + mi)
        m = I.raw(f"cannymask_{shape[0]}x{shape[1]}_s{90 + mi}", _mask(shape, 90 + mi))
        yield case(inp, f"{v} with a mask", extra_inputs={"mask": m})
    yield case(I.field("camera", "u8", (64, 64)), "mask and mode reflect",
               extra_inputs={"mask": I.raw("cannymask_64x64_s90", _mask((64, 64), 90))}, mode="reflect", sigma=1.5)
    # Small and thin images.
    yield case(I.field("noise", "u8", (3, 40), 86), "3x40 image")
    yield case(I.field("noise", "f64", (2, 9), 87), "2x9 image: no interior")
    yield case(I.field("smooth", "f32", (23, 1), 88), "Nx1 image")
    # Refusals, as scikit-image refuses them.
    yield case(I.field("smooth", "f64", (9, 13, 16), 89), "3-D image", error=True)
    yield case(I.field("camera", "u8", (64, 64)), "low above high", error=True, low_threshold=60.0,
               high_threshold=20.0)
    yield case(I.field("camera", "u8", (64, 64)), "quantile above 1", error=True, low_threshold=0.5,
               high_threshold=1.5, use_quantiles=True)


def random_case(rng):
    _, shape, dtype = random_inputs.shape_and_dtype(rng)
    shape = shape[:2] if len(shape) == 3 else shape
    image = random_inputs.image(rng, shape, dtype)
    params = {"sigma": round(rng.choice([0.0, rng.uniform(0.5, 3.0)]), 3), "mode": rng.choice(MODES)}
    if params["mode"] == "constant":
        params["cval"] = round(rng.uniform(-0.5, 1.0), 3)
    if rng.random() < 0.3:
        params.update(low_threshold=round(rng.uniform(0.0, 0.5), 3), high_threshold=round(rng.uniform(0.5, 1.0), 3),
                      use_quantiles=True)
    return image, params


scipy_peer = None


def opencv_peer(p, ndim, dtype):
    """GaussianBlur + cv2.Canny with the L2 gradient: the closest equivalent (its own thresholds on the Sobel
    magnitude of uint8 images), timed as a peer, never compared."""
    cv2 = peers.opencv(dtype)
    if cv2 is None or dtype != "uint8" or ndim != 2:
        return None
    s = p.get("sigma", 1.0)
    k = 2 * int(4.0 * s + 0.5) + 1

    def run(x):
        blurred = cv2.GaussianBlur(x, (k, k), sigmaX=s, sigmaY=s, borderType=cv2.BORDER_CONSTANT) if s > 0 else x
        return cv2.Canny(blurred, 25, 51, L2gradient=True)
    return run


itk_peer = None
