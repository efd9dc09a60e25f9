"""Every golden case through the Python API: the scikit-image call's arguments as Python values (footprints as
NumPy arrays, lists as lists), the result shaped as scikit-image returns it, then held to scikit-image's output
under skbench's tolerance table (the C++ check the conformance suite uses). ref and opt run every case; cuda-emu,
whose binding path is the same code and whose emulator spends seconds on a ridge filter's case, the smallest case
of each op accepted and refused: the C++ conformance suite runs all of its cases."""
import json
import pathlib

import numpy as np
import pytest

import skbench
from skbench import _skbench
from golden.ops.params import call_kwargs, param_value

from conftest import GOLDEN, load

MANIFEST = json.loads((GOLDEN / "manifest.json").read_text())


def smallest_per_op(cases):
    smallest = {}
    for c in cases:
        key = (c["op"], c["expect_error"])
        if key not in smallest or np.prod(c["input_shape"]) < np.prod(smallest[key]["input_shape"]):
            smallest[key] = c
    return list(smallest.values())


def cases_for(backend):
    cases = [c for c in MANIFEST["cases"] if backend in skbench.ops[c["op"]].desc["backends"]
             and skbench.ops[c["op"]].desc["backends"][backend] == "yes"]
    return smallest_per_op(cases) if backend == "cuda-emu" else cases


def params_of(case):
    return call_kwargs({k: param_value(v) for k, v in case["params"].items()})


def as_stacked(result):
    """The Python result as the golden file stores it: lists stacked on a new axis 0, tables column by column."""
    if isinstance(result, dict):
        return np.stack([np.asarray(v, dtype=np.float64) for v in result.values()]) if result else np.zeros((0, 0))
    if isinstance(result, list):
        return np.stack(result)
    return np.asarray(result)


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        backends = metafunc.config.getoption("--backends").split(",")
        params = [pytest.param(b, c, id=f"{b}:{c['id']}") for b in backends if b in skbench.backends
                  for c in cases_for(b)]
        metafunc.parametrize("backend,case", params)


def test_golden_case(backend, case):
    fn = skbench.op(case["op"])
    image = load(case["input"])
    extras = {name: load(path) for name, path in case.get("extra_inputs", {}).items()}
    kwargs = params_of(case)
    if case["expect_error"]:
        with pytest.raises(ValueError, match=case["op"].replace(".", r"\.")):
            fn(image, **extras, **kwargs, backend=backend)
        return
    result = fn(image, **extras, **kwargs, backend=backend)
    if np.ndim(result) == 0 and not isinstance(result, (dict, list)):
        assert isinstance(result, np.generic), f"a scalar result should be a NumPy scalar, got {type(result)}"
    passed, detail = _skbench.check_result(case["op"], backend, image, list(extras.items()), case["params"],
                                           np.asarray(as_stacked(result), order="C"), load(case["output"]))
    assert passed, detail
