"""Helpers for the descriptors' peers (bench/peers/run_peers.py times them).

A peer is a function (params, ndim, dtype) -> function(image) -> result, or None where the tool has no equivalent
for these parameters. params are Python values (params.param_value of the request's text), with scikit-image's
names; missing ones take scikit-image's defaults. Each peer is given its natural input dtype (OpenCV keeps uint8 as
uint8, scikit-image converts to float64): that is how each is used.
"""
import functools
import importlib

import numpy as np
import scipy.ndimage as ndi

from .params import footprint


@functools.cache
def _optional_module(name):
    """The module, or None when it is not installed (OpenCV and ITK are optional: their columns stay empty)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def opencv(dtype=None):
    """The cv2 module, or None when OpenCV is not installed, or for a bool image: OpenCV has no bool images, so
    only ops on masks (which view them as uint8) call this without a dtype. Imported on first use, so that the
    goldens never load OpenCV."""
    cv2 = _optional_module("cv2")
    return None if cv2 is None or dtype == "bool" else cv2


def itk(dtype=None):
    """The itk module, or None when ITK is not installed or for a bool image (its filters are wrapped for uint8,
    uint16, float32 and float64 images). Imported on first use (it is slow to load), never by the goldens."""
    module = _optional_module("itk")
    return None if module is None or dtype == "bool" else module


def cv_border(mode):
    """OpenCV's border type for a scikit-image/SciPy mode, or None where it has none (wrap)."""
    cv2 = _optional_module("cv2")
    return {"reflect": cv2.BORDER_REFLECT, "mirror": cv2.BORDER_REFLECT_101, "nearest": cv2.BORDER_REPLICATE,
            "constant": cv2.BORDER_CONSTANT}.get(mode)


def structure(p, ndim):
    """The footprint parameter as an array; scikit-image's default (the cross) when it is absent."""
    return footprint(p["footprint"]) if "footprint" in p else ndi.generate_binary_structure(ndim, 1)


def box_extents(p, ndim):
    """The extents of a full-box footprint (square, cube, rectangle), else None."""
    spec = p.get("footprint")
    if not isinstance(spec, str):
        return None
    kind, _, arg = spec.partition(":")
    if kind in ("square", "cube"):
        return (int(arg),) * ndim if (kind == "square") == (ndim == 2) else None
    if kind == "rectangle":
        ext = tuple(int(s) for s in arg.split("x"))
        return ext if len(ext) == ndim else None
    return None


def along_axis0(fn_2d, kernel_column):
    """Applies a 2-D OpenCV filter to (Z, Y*X) so that it acts along axis 0 of a volume."""
    def apply(v):
        flat = np.ascontiguousarray(v.reshape(v.shape[0], -1))
        return fn_2d(flat, kernel_column).reshape(v.shape)
    return apply
