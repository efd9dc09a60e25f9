#!/usr/bin/env python3
"""Generate the golden test data for skbench from scikit-image itself.

Usage (from anywhere; paths are relative to this script):

    .venv/bin/python golden/generate.py           # (re)write golden/data/
    .venv/bin/python golden/generate.py --check   # regenerate into a temp dir and
                                                  # compare with the committed data

Writes
    golden/data/inputs/*.npy     deterministic input images (shared between cases)
    golden/data/outputs/*.npy    scikit-image's result for each case
    golden/data/manifest.json    one entry per case (see below)

Determinism: every random input comes from np.random.default_rng(seed); inputs are
built with plain arithmetic only (box filters, min/max scaling, rounding), never with
transcendental functions, so they do not depend on the libm/SIMD flavour of the
machine. Float inputs are quantised to multiples of 2**-16 (exact in float32 and
float64). Files are written with np.save (C order, native little-endian) and the
manifest with json.dump(sort_keys=True, indent=1); nothing time-dependent is stored.

Manifest case entry:
    id            "<op>/<4-digit index within op>"
    op            e.g. "filters.gaussian"
    params        only the parameters passed explicitly, as strings in the C++ CLI
                  syntax (floats: repr, lists: comma separated, bools: true/false,
                  footprints: square:N, rectangle:RxC[xD], cube:N, disk:R, ball:R)
    input, input_dtype, input_shape
    output, output_dtype, output_shape       (absent when expect_error)
    expect_error  true when scikit-image raised; then "error": "<Type>: <message>"
    note          short description
    sha256        {"input": ..., "output": ...}  (no "output" when expect_error)
"""

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

# rgb2gray is a matrix product, which NumPy hands to OpenBLAS, whose kernel (and so the last bits of a float64
# sum) depends on the CPU: AVX-512 machines picked other bytes than the AMD machine the goldens came from. One
# fixed kernel family, set before NumPy loads OpenBLAS, keeps the goldens byte-reproducible on any x86-64.
os.environ.setdefault("OPENBLAS_CORETYPE", "Haswell")

import numpy as np  # noqa: E402  (after the OpenBLAS setting)
import scipy
import scipy.ndimage as ndi
import skimage
from skimage import color, filters, measure, morphology
from skimage import data as skdata

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
GENERATOR = "golden/generate.py"

# Warnings that scikit-image 0.26 emits on every call of these ops and that are
# not part of the behaviour under test.
IGNORED_WARNINGS = [
    (FutureWarning, r"`binary_(erosion|dilation|opening|closing)` is deprecated"),
]


# ---------------------------------------------------------------------------
# Input construction (portable arithmetic only)
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# Parameters: CLI strings and skimage keyword arguments
# ---------------------------------------------------------------------------

def _fmt(v):
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return ",".join(_fmt(x) for x in v)
    raise TypeError(f"unsupported param value {v!r}")


def _footprint(spec):
    kind, _, arg = spec.partition(":")
    if kind == "square":
        n = int(arg)
        return morphology.footprint_rectangle((n, n))
    if kind == "cube":
        n = int(arg)
        return morphology.footprint_rectangle((n, n, n))
    if kind == "rectangle":
        return morphology.footprint_rectangle(tuple(int(s) for s in arg.split("x")))
    if kind == "disk":
        return morphology.disk(int(arg))
    if kind == "ball":
        return morphology.ball(int(arg))
    raise ValueError(f"bad footprint spec {spec!r}")


def _kwargs(params):
    kw = {}
    for k, v in params.items():
        if k == "footprint":
            kw[k] = _footprint(v)
        elif isinstance(v, tuple):
            kw[k] = list(v)
        else:
            kw[k] = v
    return kw


OPS = {
    "color.rgb2gray": color.rgb2gray,
    "filters.gaussian": filters.gaussian,
    "filters.sobel": filters.sobel,
    "filters.threshold_otsu": filters.threshold_otsu,
    "measure.label": measure.label,
    "morphology.erosion": morphology.erosion,
    "morphology.dilation": morphology.dilation,
    "morphology.opening": morphology.opening,
    "morphology.closing": morphology.closing,
    "morphology.binary_erosion": morphology.binary_erosion,
    "morphology.binary_dilation": morphology.binary_dilation,
    "morphology.binary_opening": morphology.binary_opening,
    "morphology.binary_closing": morphology.binary_closing,
}


# ---------------------------------------------------------------------------
# Case lists
# ---------------------------------------------------------------------------

MODES5 = ["reflect", "mirror", "nearest", "wrap", "constant"]
GRAY_OPS = ["erosion", "dilation", "opening", "closing"]


def build_cases(I):
    """Return a list of case dicts: op, input, params, note, [error], [warn]."""
    cases = []

    def add(op, inp, note, error=False, warn=None, **params):
        cases.append(dict(op=op, input=inp, params=params, note=note,
                          error=error, warn=warn))

    # ---------------- color.rgb2gray ----------------
    op = "color.rgb2gray"
    add(op, I.rgb("smooth", "u8", (48, 64, 3), 1), "uint8 smooth RGB")
    add(op, I.rgb("smooth", "u16", (48, 64, 3), 1), "uint16 smooth RGB")
    add(op, I.rgb("smooth", "f32", (48, 64, 3), 1), "float32 smooth RGB -> float32")
    add(op, I.rgb("smooth", "f64", (48, 64, 3), 1), "float64 smooth RGB")
    add(op, I.rgb("noise", "bool", (17, 23, 3), 2), "bool RGB -> float64 0/1")
    add(op, I.rgb("camera", "u8", (64, 64, 3)), "camera-derived uint8 RGB")
    add(op, I.rgb("camera", "f64", (64, 64, 3)), "camera-derived float64 RGB")
    add(op, I.rgb("noise", "f64", (1, 23, 3), 3), "1xN float64 noise")
    add(op, I.rgb("noise", "f32", (23, 1, 3), 4), "Nx1 float32 noise")
    add(op, I.rgb("smooth", "f64n", (13, 17, 3), 5), "float64 outside [0,1]")
    add(op, I.rgb("noise", "u8", (13, 17, 3), 6), "uint8 pure noise, prime size")
    add(op, I.rgb("smooth", "u8", (9, 13, 16, 3), 7), "3-D volume uint8 RGB")
    add(op, I.rgb("smooth", "f32", (7, 11, 5, 3), 8), "3-D volume float32 RGB")
    add(op, I.rgb("smooth", "f64", (9, 13, 16, 3), 9), "3-D volume float64 RGB")
    add(op, I.rgb("smooth", "u16", (7, 11, 5, 3), 10), "3-D volume uint16 RGB")
    add(op, I.rgb("smooth", "u8", (17, 23, 4), 11), "RGBA rejected", error=True)
    add(op, I.rgb("smooth", "f64", (13, 17, 4), 12), "RGBA float rejected", error=True)

    # ---------------- filters.gaussian ----------------
    op = "filters.gaussian"
    add(op, I.field("smooth", "u8", (48, 64), 1), "all defaults (sigma 1, mode nearest)")
    sig_cycle = [1.0, 1.5, 2.0, 0.7, 3.0]
    for di, v in enumerate(["u8", "u16", "f32", "f64"]):
        inp = I.field("smooth", v, (31, 37), 20 + di)
        for mi, mode in enumerate(MODES5):
            s = sig_cycle[(mi + di) % 5]
            if mode == "constant":
                cval = [0.5, 0.25, 0.0, -0.25][di]
                add(op, inp, f"{v} mode constant cval {cval}", sigma=s, mode=mode, cval=cval)
            else:
                add(op, inp, f"{v} mode {mode}", sigma=s, mode=mode)
    add(op, I.field("smooth", "bool", (48, 64), 2), "bool blobs -> float64", sigma=1.5, mode="reflect")
    add(op, I.field("smooth", "bool", (16, 20, 24), 3), "bool 3-D blobs", sigma=1.0)
    add(op, I.field("smooth", "f64n", (48, 64), 4), "float64 outside [0,1]", sigma=2.0, mode="nearest")
    add(op, I.field("smooth", "f32n", (48, 64), 4), "float32 outside [0,1]", sigma=1.2, mode="mirror")
    add(op, I.field("noise", "f64", (48, 64), 5), "per-axis sigma", sigma=(0.6, 3.2), mode="wrap")
    add(op, I.field("noise", "f32", (48, 64), 5), "sigma 0 on axis 0", sigma=(0.0, 2.0))
    add(op, I.field("noise", "u8", (48, 64), 5), "sigma 0 on axis 1", sigma=(2.5, 0.0), mode="reflect")
    add(op, I.field("noise", "f64", (31, 37), 6), "sigma 0 everywhere (copy)", sigma=0.0)
    add(op, I.field("noise", "f64", (31, 37), 6), "truncate 1.0", sigma=2.0, truncate=1.0)
    add(op, I.field("noise", "f32", (31, 37), 6), "truncate 2.5", sigma=1.3, truncate=2.5, mode="mirror")
    add(op, I.field("noise", "u16", (31, 37), 6), "truncate 8, small sigma", sigma=0.5, truncate=8.0)
    add(op, I.field("noise", "f64", (31, 37), 6), "truncate 0.4 (radius 0 -> identity-ish)",
        sigma=1.0, truncate=0.4)
    add(op, I.field("smooth", "u8", (48, 64), 1), "preserve_range on uint8", sigma=1.5, preserve_range=True)
    add(op, I.field("smooth", "u16n", (48, 64), 1), "preserve_range uint16 constant",
        sigma=2.0, mode="constant", cval=500.0, preserve_range=True)
    add(op, I.field("smooth", "f32", (48, 64), 1), "preserve_range on float32", sigma=1.0, preserve_range=True)
    add(op, I.field("smooth", "f64", (48, 64), 1), "preserve_range false explicit", sigma=1.0,
        preserve_range=False)
    for mode in MODES5:
        extra = dict(cval=0.3) if mode == "constant" else {}
        add(op, I.field("noise", "f64", (1, 9), 7), f"kernel longer than 1x9 image, {mode}",
            sigma=5.0, mode=mode, **extra)
    for mode in MODES5:
        extra = dict(cval=0.75) if mode == "constant" else {}
        add(op, I.field("noise", "u8", (3, 40), 8), f"kernel longer than 3x40 image, {mode}",
            sigma=5.0, mode=mode, **extra)
    add(op, I.field("noise", "f32", (23, 1), 9), "Nx1 float32", sigma=3.0, mode="reflect")
    add(op, I.field("smooth", "f64", (13, 17), 10), "prime size", sigma=1.7, mode="mirror")
    for mi, mode in enumerate(MODES5):
        extra = dict(cval=0.2) if mode == "constant" else {}
        add(op, I.field("smooth", "f64", (9, 13, 16), 30), f"3-D float64 {mode}",
            sigma=[1.0, 1.5, 2.0, 0.8, 1.2][mi], mode=mode, **extra)
    add(op, I.field("smooth", "f32", (16, 20, 24), 31), "3-D float32 per-axis",
        sigma=(1.0, 2.0, 0.5), mode="mirror")
    add(op, I.field("smooth", "u8", (16, 20, 24), 32), "3-D uint8", sigma=1.2, mode="reflect")
    add(op, I.field("smooth", "u16", (9, 13, 16), 33), "3-D uint16 sigma 0 on axis 0",
        sigma=(0.0, 1.5, 2.5), mode="nearest")
    add(op, I.field("smooth", "f64", (7, 11, 5), 34), "3-D prime, kernel longer than axis",
        sigma=4.0, mode="wrap")
    add(op, I.field("smooth", "f32n", (7, 11, 5), 35), "3-D float32 negative, constant",
        sigma=1.0, mode="constant", cval=-1.0)
    add(op, I.field("camera", "u8", (64, 64)), "camera uint8", sigma=2.0)
    add(op, I.field("coins", "u8", (76, 96)), "coins uint8", sigma=0.8, mode="reflect")
    add(op, I.field("smooth", "f64", (31, 37), 20), "negative sigma", error=True, sigma=-1.0)
    add(op, I.field("smooth", "f64", (31, 37), 20), "negative per-axis sigma", error=True,
        sigma=(1.0, -0.5))

    # ---------------- filters.sobel ----------------
    op = "filters.sobel"
    for v in ["u8", "u16", "f32", "f64", "bool", "f64n"]:
        add(op, I.field("smooth", v, (48, 64), 40), f"magnitude 2-D {v}")
    for v in ["u8", "u16", "f32", "f64", "bool"]:
        add(op, I.field("smooth", v, (16, 20, 24), 41), f"magnitude 3-D {v}")
    for v in ["f64", "u8"]:
        for ax in (0, 1):
            add(op, I.field("noise", v, (31, 37), 42), f"2-D {v} axis {ax}", axis=ax)
    for ax in (0, 1, 2):
        add(op, I.field("smooth", "f64", (9, 13, 16), 43), f"3-D float64 axis {ax}", axis=ax)
    add(op, I.field("smooth", "f32", (9, 13, 16), 43), "3-D float32 axis 2 wrap", axis=2, mode="wrap")
    for mode in MODES5:
        add(op, I.field("smooth", "f64", (31, 37), 44), f"magnitude 2-D float64 {mode}", mode=mode)
    add(op, I.field("smooth", "f64", (31, 37), 44), "constant cval 0.7", mode="constant", cval=0.7)
    for mode in MODES5:
        extra = dict(cval=0.5) if mode == "constant" else {}
        add(op, I.field("noise", "u8", (17, 23), 45), f"uint8 axis 1 {mode}", axis=1, mode=mode, **extra)
    for mode in ["mirror", "nearest", "wrap", "constant"]:
        extra = dict(cval=-1.0) if mode == "constant" else {}
        add(op, I.field("smooth", "f32", (9, 13, 16), 46), f"3-D float32 magnitude {mode}",
            mode=mode, **extra)
    add(op, I.field("noise", "f64", (1, 23), 47), "1xN float64")
    add(op, I.field("noise", "u8", (23, 1), 47), "Nx1 uint8", mode="nearest")
    add(op, I.field("smooth", "f32", (13, 17), 47), "prime size float32", mode="mirror")
    add(op, I.field("smooth", "f64", (7, 11, 5), 47), "3-D prime float64")
    add(op, I.field("noise", "f64", (1, 9), 47), "1x9 axis 0 reflect", axis=0)
    add(op, I.field("grad", "f64", (29, 41), 48), "gradient + ripple", mode="wrap")
    add(op, I.field("camera", "u8", (64, 64)), "camera uint8")
    add(op, I.field("coins", "u8", (76, 96)), "coins uint8", mode="constant", cval=0.25)

    # ---------------- filters.threshold_otsu ----------------
    op = "filters.threshold_otsu"
    add(op, I.field("camera", "u8", (64, 64)), "camera uint8")
    add(op, I.field("coins", "u8", (76, 96)), "coins uint8")
    add(op, I.field("camera", "f64", (64, 64)), "camera float64 in [0,1]")
    add(op, I.field("smooth", "u8", (48, 64), 50), "smooth uint8")
    add(op, I.field("smooth", "u16", (48, 64), 50), "uint16 wide range")
    add(op, I.field("smooth", "u16n", (48, 64), 50), "uint16 narrow range 1000..1040")
    add(op, I.field("smooth", "f32", (48, 64), 50), "smooth float32")
    add(op, I.field("smooth", "f64", (48, 64), 50), "smooth float64")
    add(op, I.field("smooth", "f64", (48, 64), 50), "float64 nbins 16", nbins=16)
    add(op, I.field("smooth", "f64", (48, 64), 50), "float64 nbins 1000", nbins=1000)
    add(op, I.field("smooth", "f64", (48, 64), 50), "float64 nbins 2", nbins=2)
    add(op, I.field("smooth", "f32", (48, 64), 50), "float32 nbins 16", nbins=16)
    add(op, I.field("smooth", "f32", (48, 64), 50), "float32 nbins 1000", nbins=1000)
    add(op, I.field("smooth", "u8", (48, 64), 50), "uint8 nbins 16 (ignored)", nbins=16)
    add(op, I.field("smooth", "u16n", (48, 64), 50), "uint16 nbins 1000 (ignored)", nbins=1000)
    add(op, I.const(np.uint8, 7, (13, 17)), "constant uint8 (returns the value, uint8)")
    add(op, I.const(np.float64, 0.3, (13, 17)), "constant float64")
    add(op, I.const(np.float32, 0.625, (13, 17)), "constant float32")
    add(op, I.twoval(np.uint8, 30, 200, (31, 37), 51), "two-valued uint8")
    add(op, I.twoval(np.uint16, 1000, 1003, (31, 37), 52), "two-valued uint16 (close values)")
    add(op, I.twoval(np.float64, 0.2, 0.9, (31, 37), 53), "two-valued float64")
    add(op, I.twoval(np.float32, -0.5, 1.5, (31, 37), 54), "two-valued float32", nbins=16)
    add(op, I.field("smooth", "u8", (9, 13, 16), 55), "3-D uint8")
    add(op, I.field("smooth", "f32", (7, 11, 5), 56), "3-D float32 prime")
    add(op, I.field("smooth", "u16", (16, 20, 24), 57), "3-D uint16 wide")
    add(op, I.field("smooth", "f64n", (48, 64), 58), "float64 outside [0,1]")
    add(op, I.field("noise", "f64", (1, 23), 59), "1xN float64 noise")
    add(op, I.field("noise", "u8", (31, 37), 60), "uniform noise uint8")
    add(op, I.field("grad", "f64", (29, 41), 61), "gradient float64")
    add(op, I.field("smooth", "bool", (48, 64), 62),
        "bool: numpy converts to uint8 inside np.histogram (RuntimeWarning); float-style 256 bins",
        warn=r"Converting input from bool")

    # ---------------- measure.label ----------------
    op = "measure.label"
    b2 = I.field("blobs", "bool", (48, 64), 70)
    add(op, b2, "bool 2-D defaults (ndi.label path, int32)")
    add(op, b2, "bool 2-D connectivity 1", connectivity=1)
    add(op, b2, "bool 2-D connectivity 2", connectivity=2)
    add(op, b2, "bool 2-D background 0", background=0)
    add(op, b2, "bool 2-D background 1 (inverted)", background=1)
    add(op, b2, "bool 2-D connectivity 1 background 1", connectivity=1, background=1)
    b3 = I.field("blobs", "bool", (16, 20, 24), 71)
    add(op, b3, "bool 3-D defaults")
    for c in (1, 2, 3):
        add(op, b3, f"bool 3-D connectivity {c}", connectivity=c)
    add(op, b3, "bool 3-D connectivity 1 background 1", connectivity=1, background=1)
    u8l = I.labels("u8", (48, 64), 72)
    add(op, u8l, "uint8 label-like defaults")
    add(op, u8l, "uint8 label-like connectivity 1", connectivity=1)
    add(op, u8l, "uint8 label-like connectivity 2", connectivity=2)
    add(op, u8l, "uint8 label-like background 0", background=0)
    add(op, u8l, "uint8 label-like background 7", background=7)
    add(op, u8l, "uint8 label-like background 3 conn 1", background=3, connectivity=1)
    add(op, u8l, "uint8 background absent value 99", background=99)
    u16l = I.labels("u16", (48, 64), 73)
    add(op, u16l, "uint16 label-like defaults")
    add(op, u16l, "uint16 background 1000 conn 1", background=1000, connectivity=1)
    add(op, u16l, "uint16 connectivity 2", connectivity=2)
    u16l3 = I.labels("u16", (16, 20, 24), 74)
    add(op, u16l3, "uint16 3-D defaults")
    add(op, u16l3, "uint16 3-D connectivity 1", connectivity=1)
    add(op, u16l3, "uint16 3-D connectivity 2 background 300", connectivity=2, background=300)
    add(op, I.labels("u8", (9, 13, 16), 75), "uint8 3-D conn 3 background 200",
        connectivity=3, background=200)
    f32l = I.labels("f32", (31, 37), 76)
    add(op, f32l, "float32 few values defaults")
    add(op, f32l, "float32 few values conn 1", connectivity=1)
    add(op, f32l, "float32 background 1 (matches 1.25 after truncation)", background=1)
    add(op, I.labels("f32t", (31, 37), 77), "float32 values that truncate (0.25->0, 1.2~1.7, -0.5->0)")
    add(op, I.labels("f64", (31, 37), 78), "float64 few values", connectivity=1)
    add(op, I.field("blobs", "bool", (1, 23), 79), "bool 1xN")
    add(op, I.labels("u8", (23, 1), 80), "uint8 Nx1", connectivity=1)
    add(op, I.field("blobs", "bool", (13, 17), 81), "bool prime size conn 1", connectivity=1)
    add(op, I.labels("u8", (7, 11, 5), 82), "uint8 3-D prime conn 2", connectivity=2)
    add(op, I.field("blobs", "bool", (7, 11, 5), 83), "bool 3-D prime background 1", background=1)
    # Shapes (Z, Y, 1): scikit-image's Cython labeller swaps axes 0 and 2 first, changing the label order
    # for non-bool images (bool goes through ndimage.label, which does not).
    add(op, I.labels("u8", (11, 13, 1), 85), "uint8 (Z, Y, 1): swapped scan order", connectivity=1)
    add(op, I.labels("u16", (9, 7, 1), 86), "uint16 (Z, Y, 1) full connectivity")
    add(op, I.field("blobs", "bool", (11, 13, 1), 87), "bool (Z, Y, 1): C scan order", connectivity=1)
    add(op, I.labels("u8", (9, 1, 13), 88), "uint8 (Z, 1, X)", connectivity=1)
    nb = I.raw("noisebool_31x37_s84", np.random.default_rng(84).random((31, 37)) < 0.45)
    add(op, nb, "bool noise conn 1 (many components)", connectivity=1)
    add(op, nb, "bool noise conn 2", connectivity=2)
    nu = I.raw("noiselabels_u8_29x41_s85",
               np.random.default_rng(85).integers(0, 4, size=(29, 41)).astype(np.uint8))
    add(op, nu, "uint8 noise labels 0..3 defaults")
    add(op, nu, "uint8 noise labels conn 1 background 2", connectivity=1, background=2)
    add(op, I.const(np.uint8, 5, (13, 17)), "constant uint8 5 (one component)")
    add(op, I.const(bool, False, (13, 17)), "all-false bool (no components)")
    add(op, b2, "connectivity 3 on 2-D bool", error=True, connectivity=3)
    add(op, u8l, "connectivity 3 on 2-D uint8", error=True, connectivity=3)
    add(op, u8l, "connectivity 0 on 2-D uint8", error=True, connectivity=0)
    add(op, b3, "connectivity 4 on 3-D bool", error=True, connectivity=4)

    # ---------------- grayscale morphology ----------------
    gray_cfgs = [
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
    for name in GRAY_OPS:
        op = f"morphology.{name}"
        for inp, fp, mode, cval, note in gray_cfgs:
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
            add(op, inp, desc, **params)

    # ---------------- binary morphology ----------------
    bb = I.field("smooth", "bool", (48, 64), 100)
    bin_cfgs = [
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
    for name in GRAY_OPS:
        op = f"morphology.binary_{name}"
        for inp, fp, mode, note in bin_cfgs:
            params = {}
            if fp is not None:
                params["footprint"] = fp
            if mode is not None:
                params["mode"] = mode
            add(op, inp, f"{note}; fp {fp or 'default'}; mode {mode or 'default'}", **params)
        add(op, bb, "mode reflect rejected", error=True, mode="reflect")

    return cases


# ---------------------------------------------------------------------------
# Running and writing
# ---------------------------------------------------------------------------

def _npy_bytes(arr):
    buf = io.BytesIO()
    # np.asarray, not np.ascontiguousarray: the latter turns 0-d results (thresholds) into 1-d arrays
    np.save(buf, np.asarray(arr, order="C"), allow_pickle=False)
    return buf.getvalue()


def _sha(b):
    return hashlib.sha256(b).hexdigest()


def _run_case(case, arr):
    func = OPS[case["op"]]
    kwargs = _kwargs(case["params"])
    work = arr.copy()
    result, error = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cat, msg in IGNORED_WARNINGS:
            warnings.filterwarnings("ignore", category=cat, message=msg)
        if case["error"]:
            try:
                func(work, **kwargs)
            except Exception as e:  # deliberate error case
                error = f"{type(e).__name__}: {e}"
            else:
                raise RuntimeError(f"{case['op']} {case['params']}: expected an error, got none")
        else:
            result = func(work, **kwargs)
    for w in caught:
        if case["warn"] and re.search(case["warn"], str(w.message)):
            continue
        raise RuntimeError(f"{case['op']} {case['params']} on {case['input']}: "
                           f"unexpected warning {w.category.__name__}: {w.message}")
    if case["warn"] and not any(re.search(case["warn"], str(w.message)) for w in caught):
        raise RuntimeError(f"{case['op']} {case['params']}: expected warning not raised")
    if not np.array_equal(work, arr):
        raise RuntimeError(f"{case['op']} modified its input")
    if result is not None:
        result = np.asarray(result)
    return result, error


def generate(out_dir):
    """Generate all data into out_dir (inputs/, outputs/, manifest.json).

    Returns (manifest dict, {relative path: sha256}).
    """
    out_dir = Path(out_dir)
    for sub in ("inputs", "outputs"):
        if (out_dir / sub).exists():
            shutil.rmtree(out_dir / sub)
        (out_dir / sub).mkdir(parents=True)
    if (out_dir / "manifest.json").exists():
        (out_dir / "manifest.json").unlink()

    I = Inputs()
    cases = build_cases(I)

    files = {}
    used_inputs = set()
    per_op = {}
    entries = []
    for case in cases:
        op = case["op"]
        idx = per_op.get(op, 0)
        per_op[op] = idx + 1
        arr = I.arrays[case["input"]]
        in_rel = f"inputs/{case['input']}.npy"
        if in_rel not in files:
            b = _npy_bytes(arr)
            (out_dir / in_rel).write_bytes(b)
            files[in_rel] = _sha(b)
        used_inputs.add(case["input"])

        result, error = _run_case(case, arr)
        entry = {
            "id": f"{op}/{idx:04d}",
            "op": op,
            "params": {k: _fmt(v) for k, v in case["params"].items()},
            "input": in_rel,
            "input_dtype": arr.dtype.name,
            "input_shape": [int(s) for s in arr.shape],
            "expect_error": bool(case["error"]),
            "note": case["note"],
            "sha256": {"input": files[in_rel]},
        }
        if error is not None:
            entry["error"] = error
        else:
            out_rel = f"outputs/{op}_{idx:04d}.npy"
            b = _npy_bytes(result)
            (out_dir / out_rel).write_bytes(b)
            files[out_rel] = _sha(b)
            entry.update({
                "output": out_rel,
                "output_dtype": result.dtype.name,
                "output_shape": [int(s) for s in result.shape],
            })
            entry["sha256"]["output"] = files[out_rel]
        entries.append(entry)

    unused = set(I.arrays) - used_inputs
    if unused:
        raise RuntimeError(f"inputs built but never used: {sorted(unused)}")

    manifest = {
        "generator": GENERATOR,
        "skimage_version": skimage.__version__,
        "numpy_version": np.__version__,
        "scipy_version": scipy.__version__,
        "cases": entries,
    }
    text = json.dumps(manifest, sort_keys=True, indent=1) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
    files["manifest.json"] = _sha(text.encode("utf-8"))
    return manifest, files, per_op


def _disk_files(d):
    d = Path(d)
    out = {}
    for sub in ("inputs", "outputs"):
        if (d / sub).is_dir():
            for p in sorted((d / sub).iterdir()):
                out[f"{sub}/{p.name}"] = _sha(p.read_bytes())
    return out


def check():
    problems = []
    mpath = DATA_DIR / "manifest.json"
    if not mpath.exists():
        print(f"check: {mpath} does not exist", file=sys.stderr)
        return 1
    committed = json.loads(mpath.read_text(encoding="utf-8"))
    for key, have in (("skimage_version", skimage.__version__),
                      ("numpy_version", np.__version__),
                      ("scipy_version", scipy.__version__)):
        if committed.get(key) != have:
            problems.append(f"version mismatch: manifest {key}={committed.get(key)} installed {have}")
    # What the committed manifest promises
    want = {}
    for c in committed["cases"]:
        want[c["input"]] = c["sha256"]["input"]
        if "output" in c:
            want[c["output"]] = c["sha256"]["output"]
    # Committed files on disk agree with the committed manifest
    on_disk = _disk_files(DATA_DIR)
    for rel in sorted(set(want) | set(on_disk)):
        if rel not in on_disk:
            problems.append(f"missing on disk: {rel}")
        elif rel not in want:
            problems.append(f"on disk but not in manifest: {rel}")
        elif on_disk[rel] != want[rel]:
            problems.append(f"on-disk file differs from manifest sha256: {rel}")
    # Regenerate and compare
    with tempfile.TemporaryDirectory(prefix="skbench-golden-") as tmp:
        _, files, _ = generate(tmp)
        regen_manifest = (Path(tmp) / "manifest.json").read_bytes()
    for rel in sorted(set(want) | (set(files) - {"manifest.json"})):
        if rel not in files:
            problems.append(f"no longer generated: {rel}")
        elif rel not in want:
            problems.append(f"newly generated, not in manifest: {rel}")
        elif files[rel] != want[rel]:
            problems.append(f"regenerated sha256 differs: {rel}")
    if regen_manifest != mpath.read_bytes():
        problems.append("manifest.json differs from the regenerated one")
    if problems:
        print(f"check FAILED ({len(problems)} problem(s)):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    print(f"check OK: {len(committed['cases'])} cases, {len(want)} data files match")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and compare with the committed data")
    ap.add_argument("--out", default=None,
                    help="write into this directory instead of golden/data")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    out = Path(args.out) if args.out else DATA_DIR
    manifest, files, per_op = generate(out)
    total = sum((out / rel).stat().st_size for rel in files)
    nerr = sum(1 for c in manifest["cases"] if c["expect_error"])
    summary = ", ".join(f"{op}={n}" for op, n in per_op.items())
    print(f"{len(manifest['cases'])} cases ({nerr} expect_error) [{summary}]; "
          f"{len(files)} files, {total / 1e6:.2f} MB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
