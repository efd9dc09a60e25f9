"""filters.gaussian: Gaussian smoothing (scipy.ndimage.gaussian_filter on img_as_float of the image)."""
import numpy as np
import scipy.ndimage as ndi
from skimage import filters
from skimage.util import img_as_float

from .. import case, peers, random_inputs
from ..params import MODES

OP = "filters.gaussian"
call = filters.gaussian


def cases(I):
    yield case(I.field("smooth", "u8", (48, 64), 1), "all defaults (sigma 1, mode nearest)")
    sig_cycle = [1.0, 1.5, 2.0, 0.7, 3.0]
    for di, v in enumerate(["u8", "u16", "f32", "f64"]):
        inp = I.field("smooth", v, (31, 37), 20 + di)
        for mi, mode in enumerate(MODES):
            s = sig_cycle[(mi + di) % 5]
            if mode == "constant":
                cval = [0.5, 0.25, 0.0, -0.25][di]
                yield case(inp, f"{v} mode constant cval {cval}", sigma=s, mode=mode, cval=cval)
            else:
                yield case(inp, f"{v} mode {mode}", sigma=s, mode=mode)
    yield case(I.field("smooth", "bool", (48, 64), 2), "bool blobs -> float64", sigma=1.5, mode="reflect")
    yield case(I.field("smooth", "bool", (16, 20, 24), 3), "bool 3-D blobs", sigma=1.0)
    yield case(I.field("smooth", "f64n", (48, 64), 4), "float64 outside [0,1]", sigma=2.0, mode="nearest")
    yield case(I.field("smooth", "f32n", (48, 64), 4), "float32 outside [0,1]", sigma=1.2, mode="mirror")
    yield case(I.field("noise", "f64", (48, 64), 5), "per-axis sigma", sigma=(0.6, 3.2), mode="wrap")
    yield case(I.field("noise", "f32", (48, 64), 5), "sigma 0 on axis 0", sigma=(0.0, 2.0))
    yield case(I.field("noise", "u8", (48, 64), 5), "sigma 0 on axis 1", sigma=(2.5, 0.0), mode="reflect")
    yield case(I.field("noise", "f64", (31, 37), 6), "sigma 0 everywhere (copy)", sigma=0.0)
    yield case(I.field("noise", "f64", (31, 37), 6), "truncate 1.0", sigma=2.0, truncate=1.0)
    yield case(I.field("noise", "f32", (31, 37), 6), "truncate 2.5", sigma=1.3, truncate=2.5, mode="mirror")
    yield case(I.field("noise", "u16", (31, 37), 6), "truncate 8, small sigma", sigma=0.5, truncate=8.0)
    yield case(I.field("noise", "f64", (31, 37), 6), "truncate 0.4 (radius 0 -> identity-ish)",
        sigma=1.0, truncate=0.4)
    yield case(I.field("smooth", "u8", (48, 64), 1), "preserve_range on uint8", sigma=1.5, preserve_range=True)
    yield case(I.field("smooth", "u16n", (48, 64), 1), "preserve_range uint16 constant",
        sigma=2.0, mode="constant", cval=500.0, preserve_range=True)
    yield case(I.field("smooth", "f32", (48, 64), 1), "preserve_range on float32", sigma=1.0, preserve_range=True)
    yield case(I.field("smooth", "f64", (48, 64), 1), "preserve_range false explicit", sigma=1.0,
        preserve_range=False)
    for mode in MODES:
        extra = dict(cval=0.3) if mode == "constant" else {}
        yield case(I.field("noise", "f64", (1, 9), 7), f"kernel longer than 1x9 image, {mode}",
            sigma=5.0, mode=mode, **extra)
    for mode in MODES:
        extra = dict(cval=0.75) if mode == "constant" else {}
        yield case(I.field("noise", "u8", (3, 40), 8), f"kernel longer than 3x40 image, {mode}",
            sigma=5.0, mode=mode, **extra)
    yield case(I.field("noise", "f32", (23, 1), 9), "Nx1 float32", sigma=3.0, mode="reflect")
    yield case(I.field("smooth", "f64", (13, 17), 10), "prime size", sigma=1.7, mode="mirror")
    for mi, mode in enumerate(MODES):
        extra = dict(cval=0.2) if mode == "constant" else {}
        yield case(I.field("smooth", "f64", (9, 13, 16), 30), f"3-D float64 {mode}",
            sigma=[1.0, 1.5, 2.0, 0.8, 1.2][mi], mode=mode, **extra)
    yield case(I.field("smooth", "f32", (16, 20, 24), 31), "3-D float32 per-axis",
        sigma=(1.0, 2.0, 0.5), mode="mirror")
    yield case(I.field("smooth", "u8", (16, 20, 24), 32), "3-D uint8", sigma=1.2, mode="reflect")
    yield case(I.field("smooth", "u16", (9, 13, 16), 33), "3-D uint16 sigma 0 on axis 0",
        sigma=(0.0, 1.5, 2.5), mode="nearest")
    yield case(I.field("smooth", "f64", (7, 11, 5), 34), "3-D prime, kernel longer than axis",
        sigma=4.0, mode="wrap")
    yield case(I.field("smooth", "f32n", (7, 11, 5), 35), "3-D float32 negative, constant",
        sigma=1.0, mode="constant", cval=-1.0)
    yield case(I.field("camera", "u8", (64, 64)), "camera uint8", sigma=2.0)
    yield case(I.field("coins", "u8", (76, 96)), "coins uint8", sigma=0.8, mode="reflect")
    yield case(I.field("smooth", "f64", (31, 37), 20), "negative sigma", error=True, sigma=-1.0)
    yield case(I.field("smooth", "f64", (31, 37), 20), "negative per-axis sigma", error=True,
        sigma=(1.0, -0.5))


def random_case(rng):
    ndim, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype)
    sig = [round(rng.choice([0.0, rng.uniform(0.3, 4.0)]), 3) for _ in range(ndim)]
    params = {"sigma": sig if rng.random() < 0.5 else sig[0], "mode": rng.choice(MODES),
              "cval": round(rng.uniform(-1, 2), 3), "preserve_range": rng.random() < 0.3,
              "truncate": rng.choice([1.0, 2.5, 4.0])}
    return image, params


def scipy_peer(p, ndim, dtype):
    sigma = p.get("sigma", 1.0)
    kw = dict(mode=p.get("mode", "nearest"), cval=p.get("cval", 0.0), truncate=p.get("truncate", 4.0))
    return lambda x: ndi.gaussian_filter(img_as_float(x), sigma, **kw)


def opencv_peer(p, ndim, dtype):
    cv2 = peers.opencv(dtype)
    if cv2 is None:
        return None
    border = peers.cv_border(p.get("mode") or "nearest")
    if border is None or p.get("cval", 0) != 0:
        return None
    sig = p.get("sigma", 1.0)
    sig = list(sig) if isinstance(sig, tuple) else [sig] * ndim
    t = p.get("truncate", 4.0)
    k = [2 * int(t * s + 0.5) + 1 for s in sig]
    if ndim == 2:
        return lambda x: cv2.GaussianBlur(x, (k[1], k[0]), sigmaX=sig[1], sigmaY=sig[0], borderType=border)
    # The peer's 3-D form (issue 4): GaussianBlur per slice, then a 1-d pass along axis 0 with sepFilter2D.
    g = cv2.getGaussianKernel(k[0], sig[0])
    axis0 = peers.along_axis0(lambda m, kc: cv2.sepFilter2D(m, -1, np.ones((1, 1)), kc, borderType=border), g)

    def volume(v):
        out = np.empty_like(v)
        for z in range(v.shape[0]):
            out[z] = cv2.GaussianBlur(v[z], (k[2], k[1]), sigmaX=sig[2], sigmaY=sig[1], borderType=border)
        return axis0(out)
    return volume


itk_peer = None
