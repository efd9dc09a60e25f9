"""Deterministic golden inputs: the fields every golden case is built from, and the Inputs registry that names,
deduplicates and (in golden/generate.py) writes them to golden/data/inputs/.

Every random input comes from np.random.default_rng(seed) and is built with plain arithmetic only (box filters,
min/max scaling, rounding), never with transcendental functions, so it does not depend on the libm/SIMD flavour
of the machine. Float inputs are quantised to multiples of 2**-16 (exact in float32 and float64).
"""
import numpy as np
import scipy.ndimage as ndi
from skimage import data as skdata


def _q16(x):
    """Quantise to multiples of 2**-16 (exact in float32 for |x| < 256)."""
    return np.round(np.asarray(x, dtype=np.float64) * 65536.0) / 65536.0


def _unit(x):
    """Scale to [0, 1] (x must not be constant)."""
    x = np.asarray(x, dtype=np.float64)
    lo, hi = x.min(), x.max()
    return (x - lo) / (hi - lo)


def _box_smooth(x, size=5, passes=3):
    for _ in range(passes):
        x = ndi.uniform_filter(x, size=size, mode="reflect")
    return x


def _smooth_unit(shape, seed, size=5, passes=3):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    size = tuple(min(size, s) if s > 1 else 1 for s in shape)
    return _q16(_unit(_box_smooth(x, size=size, passes=passes)))


def _noise_unit(shape, seed):
    rng = np.random.default_rng(seed)
    return _q16(rng.random(shape))


def _grad_unit(shape, seed):
    # Linear ramp along every axis with distinct slopes plus a small periodic ripple
    # built from integer arithmetic (no sin/cos).
    idx = np.indices(shape, dtype=np.float64)
    slopes = [1.0, 0.6, 0.35][: len(shape)]
    x = sum(s * i for s, i in zip(slopes, idx))
    ripple = ((np.indices(shape).sum(axis=0) * (seed + 3)) % 7).astype(np.float64)
    return _q16(_unit(x + 0.4 * ripple))


def _camera_unit(shape):
    cam = skdata.camera()  # 512x512 uint8, bundled with scikit-image
    if len(shape) == 2:
        h, w = shape
        sy, sx = max(1, 512 // h), max(1, 512 // w)
        img = cam[::sy, ::sx][:h, :w]
    else:
        raise ValueError("camera is 2-D")
    return img


def _coins_u8(shape):
    co = skdata.coins()  # 303x384 uint8, bundled
    h, w = shape
    sy, sx = max(1, 303 // h), max(1, 384 // w)
    return co[::sy, ::sx][:h, :w]


def _to_variant(unit, variant, seed=0):
    """Map a [0,1] field to one of the dtype variants."""
    if variant == "u8":
        return np.round(unit * 255.0).astype(np.uint8)
    if variant == "u16":  # wide range
        return np.round(unit * 65535.0).astype(np.uint16)
    if variant == "u16n":  # narrow range 1000..1040
        return (1000.0 + np.round(unit * 40.0)).astype(np.uint16)
    if variant == "f32":
        return unit.astype(np.float32)
    if variant == "f64":
        return unit.astype(np.float64)
    if variant == "f32n":  # outside [0,1], negatives
        return (unit * 4.0 - 1.5).astype(np.float32)
    if variant == "f64n":
        return (unit * 4.0 - 1.5).astype(np.float64)
    if variant == "bool":  # ~30% foreground
        return unit > np.quantile(unit, 0.7)
    if variant == "b01":  # uint8 0/1 mask
        return (unit > np.quantile(unit, 0.7)).astype(np.uint8)
    if variant == "b255":  # uint8 0/255 mask
        return (unit > np.quantile(unit, 0.7)).astype(np.uint8) * np.uint8(255)
    if variant == "fmask":  # float32, zero background, varied nonzero foreground
        m = unit > np.quantile(unit, 0.7)
        return np.where(m, unit, 0.0).astype(np.float32)
    raise ValueError(variant)


LABEL_TABLES = {
    "u8": (np.uint8, [0, 7, 3, 200, 1]),
    "u16": (np.uint16, [0, 300, 1000, 65535, 1]),
    "f32": (np.float32, [0.0, 1.25, 2.5, -3.75, 7.0]),
    "f64": (np.float64, [0.0, 1.5, -2.0, 12.0, 3.0]),
    # float values that truncate: 0.25 -> 0 (background), 1.2/1.7 -> 1, -0.5 -> 0, -1.2 -> -1
    "f32t": (np.float32, [0.0, 0.25, 1.2, 1.7, -0.5, -1.2]),
}


def _labels(shape, variant, seed):
    """Piecewise-constant label-like image: quantised smooth field + speckles."""
    dtype, table = LABEL_TABLES[variant]
    unit = _smooth_unit(shape, seed, size=7, passes=2)
    nlev = len(table)
    lev = np.minimum((unit * nlev).astype(np.int64), nlev - 1)
    rng = np.random.default_rng(seed + 1000)
    speck = rng.random(shape) < 0.06
    lev = np.where(speck, rng.integers(0, nlev, size=shape), lev)
    return np.asarray(table, dtype=dtype)[lev]


class Inputs:
    """Named input arrays; asking twice for the same name returns it once (one file per distinct input)."""

    def __init__(self):
        self.arrays = {}

    def _reg(self, name, arr):
        arr = np.ascontiguousarray(arr)
        if name in self.arrays:
            old = self.arrays[name]
            assert old.dtype == arr.dtype and np.array_equal(old, arr), name
            return name
        self.arrays[name] = arr
        return name

    @staticmethod
    def _shp(shape):
        return "x".join(str(s) for s in shape)

    def field(self, kind, variant, shape, seed=0):
        """kind in smooth|blobs|noise|grad|camera|coins; variant see _to_variant."""
        shape = tuple(shape)
        name = f"{kind}_{variant}_{self._shp(shape)}_s{seed}"
        if name in self.arrays:
            return name
        if kind == "smooth":
            unit = _smooth_unit(shape, seed)
        elif kind == "blobs":  # lightly smoothed: small blobs touching diagonally
            unit = _smooth_unit(shape, seed, size=3, passes=1)
        elif kind == "noise":
            unit = _noise_unit(shape, seed)
        elif kind == "grad":
            unit = _grad_unit(shape, seed)
        elif kind in ("camera", "coins"):
            name = f"{kind}_{variant}_{self._shp(shape)}"
            if name in self.arrays:
                return name
            img = _camera_unit(shape) if kind == "camera" else _coins_u8(shape)
            if variant == "u8":
                return self._reg(name, img)
            if variant == "u16":
                return self._reg(name, img.astype(np.uint16) * np.uint16(257))
            unit = img.astype(np.float64) / 255.0
        else:
            raise ValueError(kind)
        return self._reg(name, _to_variant(unit, variant, seed))

    def rgb(self, kind, variant, shape, seed=0):
        """shape includes the trailing channel axis."""
        shape = tuple(shape)
        name = f"rgb{kind}_{variant}_{self._shp(shape)}_s{seed}"
        if name in self.arrays:
            return name
        if kind == "camera":
            h, w, c = shape
            cam = skdata.camera()
            chans = [cam[0::8, 0::8], cam[4::8, 4::8].T, cam[::-8, 2::8]]
            img = np.stack([ch[:h, :w] for ch in chans[:c]] +
                           [cam[2::8, 6::8][:h, :w]] * (c - 3), axis=-1)
            unit = img.astype(np.float64) / 255.0
            if variant == "u8":
                return self._reg(name, img)
        elif kind == "smooth":
            unit = _smooth_unit(shape, seed)
        elif kind == "noise":
            unit = _noise_unit(shape, seed)
        else:
            raise ValueError(kind)
        if variant == "bool":
            return self._reg(name, unit > 0.5)
        return self._reg(name, _to_variant(unit, variant, seed))

    def labels(self, variant, shape, seed=0):
        shape = tuple(shape)
        return self._reg(f"labels_{variant}_{self._shp(shape)}_s{seed}",
                         _labels(shape, variant, seed))

    def const(self, dtype, value, shape):
        dt = np.dtype(dtype)
        return self._reg(f"const_{dt.name}_{value!r}_{self._shp(shape)}",
                         np.full(shape, value, dtype=dt))

    def twoval(self, dtype, lo, hi, shape, seed=0):
        dt = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        m = rng.random(shape) < 0.35
        return self._reg(f"twoval_{dt.name}_{lo!r}_{hi!r}_{self._shp(shape)}_s{seed}",
                         np.where(m, hi, lo).astype(dt))

    def raw(self, name, arr):
        return self._reg(name, arr)
