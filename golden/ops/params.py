"""Op parameters in their two forms: skbench's CLI text (the manifest's "params", `skbench run --param`) and the
keyword arguments of the scikit-image call. One mapping, shared by the goldens, fresh_inputs and the peers.

Text syntax: floats as repr, lists comma separated, bools true/false, footprints square:N, rectangle:RxC[xD],
cube:N, disk:R, ball:R.
"""
import numpy as np
from skimage import morphology

# The border modes of scipy.ndimage that scikit-image's filters take.
MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]


def param_text(v):
    """A Python parameter value as skbench's CLI text."""
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return ",".join(param_text(x) for x in v)
    raise TypeError(f"unsupported param value {v!r}")


def param_value(text):
    """skbench's CLI text back to a Python value (lists become tuples, as in the case declarations)."""
    if text in ("true", "false"):
        return text == "true"
    if "," in text:
        return tuple(param_value(t) for t in text.split(","))
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def footprint(spec):
    """A footprint text (square:3, disk:2, ...) as scikit-image's array."""
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


def call_kwargs(params):
    """Parameters as passed to the scikit-image call: footprint texts become arrays, tuples lists."""
    kw = {}
    for k, v in params.items():
        if k in ("footprint", "structure"):  # SciPy names it structure
            kw[k] = footprint(v)
        elif isinstance(v, tuple):
            kw[k] = list(v)
        else:
            kw[k] = v
    return kw
