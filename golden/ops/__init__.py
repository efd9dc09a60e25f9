"""Op descriptors: everything the Python side knows about one op, in golden/ops/<category>/<name>.py (op id
"<category>.<name>"). They are found by walking this folder: golden/generate.py (goldens), tests/fresh_inputs.py
(random differential test) and bench/peers/run_peers.py (peer timings) iterate them; there is no central list.
Modules whose name starts with "_" are helpers shared by a category's descriptors; the modules in this folder
(inputs, params, random_inputs, peers) are the machinery they build on.

A descriptor module defines:
  OP                "filters.gaussian"
  call              the scikit-image (or SciPy) function whose result is the golden output:
                    call(image, **extra_inputs, **kwargs)
  cases(I)          its golden cases in manifest order, case(...) each (a list or a generator), on inputs
                    from I (inputs.Inputs); manifest ids number them per op
  random_case(rng)  one random case for fresh_inputs (rng: random.Random): (image, params) or
                    (image, params, extra_inputs)
  scipy_peer, opencv_peer, itk_peer
                    a peer (see peers.py), or None where the tool has no equivalent at all
and optionally:
  OUTPUTS           the names of its outputs when call returns several arrays (stored stacked on a new axis 0);
                    {ndim: names} where their count depends on the image's dimensionality
  CHANNEL_AXIS      -1 when the image has a trailing channel axis (not counted in the peers' ndim)
  IGNORED_WARNINGS  [(category, message regex)]: warnings call emits every time that are not under test
  ORDER             its position among its category's ops in the manifest (ops without one follow, by name);
                    it keeps the committed manifest's case order
  FUSED_PEERS       {tool: {(earlier op ids...): peer}}: a tool's one-call form of a pipeline ending in this op
                    (OpenCV's connectedComponentsWithStats for label -> regionprops_table); the peer receives
                    the pipeline's steps' params merged, and replaces the step-by-step composition
"""
import dataclasses
import functools
import importlib
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from .params import call_kwargs

HERE = Path(__file__).resolve().parent
PEER_TOOLS = ("scipy", "opencv", "itk")
_REQUIRED = ("OP", "call", "cases", "random_case") + tuple(f"{tool}_peer" for tool in PEER_TOOLS)


def case(input, note, *, error=False, warn=None, extra_inputs=None, **params):
    """One golden case: input names from the Inputs registry (extra_inputs: {parameter name: input name}),
    params with scikit-image's names. error: scikit-image raises (recorded as expect_error); warn: a regex of a
    warning it must emit."""
    return dict(input=input, params=params, note=note, error=error, warn=warn, extra_inputs=extra_inputs or {})


@dataclasses.dataclass(frozen=True)
class Descriptor:
    op: str
    call: Callable
    cases: Callable
    random_case: Callable
    peers: dict  # tool -> peer or None, for PEER_TOOLS
    outputs: Optional[list]
    channel_axis: Optional[int]
    ignored_warnings: list
    path: Path
    fused_peers: dict = dataclasses.field(default_factory=dict)

    def compute(self, image, params, extra_inputs=None):
        """The golden output: call's result, several outputs stacked along a new leading axis."""
        result = self.call(image, **(extra_inputs or {}), **call_kwargs(params))
        return np.asarray(np.stack(result) if self.outputs else result)

    def output_names(self, ndim):
        """The names of the stacked outputs for an image of ndim dimensions."""
        return list(self.outputs[ndim] if isinstance(self.outputs, dict) else self.outputs)

    def random(self, rng):
        """random_case's (image, params, extra_inputs), with extra_inputs {} where it gives none."""
        image, params, *extra = self.random_case(rng)
        return image, params, extra[0] if extra else {}


def _load(path):
    category, name = path.parent.name, path.stem
    module = importlib.import_module(f"{__name__}.{category}.{name}")
    missing = [attr for attr in _REQUIRED if not hasattr(module, attr)]
    if missing:
        raise RuntimeError(f"op descriptor {path} lacks {', '.join(missing)} (see {HERE / '__init__.py'})")
    if module.OP != f"{category}.{name}":
        raise RuntimeError(f"op descriptor {path} declares OP {module.OP!r}; its path says {category}.{name}")
    desc = Descriptor(op=module.OP, call=module.call, cases=module.cases, random_case=module.random_case,
                      peers={tool: getattr(module, f"{tool}_peer") for tool in PEER_TOOLS},
                      outputs=getattr(module, "OUTPUTS", None), channel_axis=getattr(module, "CHANNEL_AXIS", None),
                      ignored_warnings=getattr(module, "IGNORED_WARNINGS", []), path=path,
                      fused_peers=getattr(module, "FUSED_PEERS", {}))
    order = getattr(module, "ORDER", None)
    return (category, order is None, order or 0, name), desc


@functools.cache
def descriptors():
    """Every descriptor, in manifest order: by category, then ORDER, then name."""
    loaded = sorted((_load(p) for p in HERE.glob("*/*.py") if not p.name.startswith("_")), key=lambda kd: kd[0])
    return tuple(desc for _, desc in loaded)


def by_op():
    """{op id: descriptor}."""
    return {d.op: d for d in descriptors()}


def descriptor_path(op):
    """Where op's descriptor is, or would be."""
    category, _, name = op.partition(".")
    return HERE / category / f"{name}.py"
