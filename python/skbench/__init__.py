"""skbench: scikit-image operations in float32, parallel and verified against scikit-image, from NumPy.

Every op of skbench's registry is a function at its scikit-image path, with scikit-image's parameter names and
defaults, plus three keywords: backend ('opt': float32, parallel; 'ref': the float64 reference; 'cuda-emu', and
'cuda' where a GPU is present), threads and out:

    >>> import skbench.filters
    >>> smooth = skbench.filters.gaussian(image, sigma=3.0)

Inputs are NumPy arrays (C-contiguous ones are read in place); results are NumPy arrays. The GIL is released while
an op runs. Bad input raises ValueError (or TypeError) with the one-line message the CLI prints.
skbench.dask runs the same ops over dask.array chunks and dask.distributed clusters.
"""
import json

from . import _skbench
from ._api import Op, install_functions, make_function

__version__ = _skbench.build_info()["version"]

registry = json.loads(_skbench.registry_json())
backends = [b["name"] for b in registry["backends"]]
ops = {desc["id"]: Op(desc, backends) for desc in registry["ops"]}  # every op, test-only ones included


submodules = install_functions(__name__, ops, make_function, "on NumPy arrays")


def op(op_id):
    """The function for an op id ('filters.gaussian'), test-only ops included."""
    try:
        return make_function(ops[op_id])
    except KeyError:
        raise ValueError(f"unknown op '{op_id}' (skbench.ops lists them)") from None
