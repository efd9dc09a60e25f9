"""Differential test on inputs no golden file holds: random images, dtypes, shapes and parameters, each run
through scikit-image and through `skbench run`, then held to the tolerance table by `skbench compare`.

    .venv/bin/python tests/fresh_inputs.py --skbench build/release/bin/skbench [--seed N|random] [--cases N]

Prints one line per failure (with the command that reproduces it) and closes with 'N passed, M failed'.
Exit status: 0 all passed, 1 a mismatch, 2 usage.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from generate import OPS, _fmt, _kwargs  # noqa: E402  (one mapping from param text to scikit-image calls)

MODES = ["reflect", "mirror", "nearest", "wrap", "constant"]
GRAY = ["morphology.erosion", "morphology.dilation", "morphology.opening", "morphology.closing"]
BINARY = ["morphology.binary_erosion", "morphology.binary_dilation", "morphology.binary_opening",
          "morphology.binary_closing"]


def image(rng, shape, dtype, levels=None):
    """Smooth, noisy or few-level content in `dtype`, with its natural range."""
    kind = rng.choice(["smooth", "noise", "levels"]) if levels is None else "levels"
    g = np.random.default_rng(rng.randrange(1 << 30))
    if kind == "levels":
        unit = g.integers(0, levels or rng.randint(2, 5), size=shape) / 4.0
    else:
        unit = g.random(shape)
        if kind == "smooth":
            for axis in range(len(shape)):
                unit = (unit + np.roll(unit, 1, axis) + np.roll(unit, -1, axis)) / 3
    if dtype == "bool":
        return unit > 0.5
    if dtype in ("uint8", "uint16"):
        top = np.iinfo(dtype).max if rng.random() < 0.7 else rng.randint(3, 300)
        return np.round(unit * top).astype(dtype)
    scale = 1.0 if rng.random() < 0.8 else rng.choice([-3.0, 40.0])
    return (unit * scale).astype(dtype)


def footprint(rng, ndim):
    if rng.random() < 0.25:
        return None
    if ndim == 2:
        return rng.choice([f"square:{rng.randint(1, 5)}", f"rectangle:{rng.randint(1, 4)}x{rng.randint(1, 6)}",
                           f"disk:{rng.randint(0, 3)}"])
    return rng.choice([f"cube:{rng.randint(1, 4)}", f"ball:{rng.randint(0, 2)}",
                       f"rectangle:{rng.randint(1, 3)}x{rng.randint(1, 4)}x{rng.randint(1, 3)}"])


def implemented_ops(skbench, backend):
    """The ops `skbench list` shows with this backend."""
    lines = subprocess.run([skbench, "list"], capture_output=True, text=True, check=True).stdout.splitlines()
    column = lines[0].split().index(backend)
    return sorted(l.split()[0] for l in lines[1:] if len(l.split()) > column and l.split()[column] == "yes")


def random_case(rng, ops):
    op = rng.choice(ops)
    ndim = rng.choice([2, 2, 3])
    shape = tuple(rng.choice([1, rng.randint(2, 9), rng.randint(9, 40 if ndim == 2 else 14)]) for _ in range(ndim))
    params = {}
    dtype = rng.choice(["uint8", "uint16", "float32", "float64", "bool"])
    if op == "color.rgb2gray":
        arr = image(rng, shape + (3,), dtype)
    elif op == "filters.gaussian":
        arr = image(rng, shape, dtype)
        sig = [round(rng.choice([0.0, rng.uniform(0.3, 4.0)]), 3) for _ in range(ndim)]
        params["sigma"] = sig if rng.random() < 0.5 else sig[0]
        params["mode"] = rng.choice(MODES)
        params["cval"] = round(rng.uniform(-1, 2), 3)
        params["preserve_range"] = rng.random() < 0.3
        params["truncate"] = rng.choice([1.0, 2.5, 4.0])
    elif op == "filters.sobel":
        arr = image(rng, shape, dtype)
        if rng.random() < 0.4:
            params["axis"] = rng.randrange(ndim)
        params["mode"] = rng.choice(MODES)
        params["cval"] = round(rng.uniform(-1, 2), 3)
    elif op == "filters.threshold_otsu":
        dtype = rng.choice(["uint8", "uint16", "float32", "float64"])
        arr = image(rng, shape, dtype)
        if dtype.startswith("float") or rng.random() < 0.3:
            params["nbins"] = rng.choice([2, 16, 256, rng.randint(3, 600)])
    elif op == "measure.label":
        arr = image(rng, shape, dtype, levels=rng.randint(2, 4))
        if rng.random() < 0.5:
            params["background"] = rng.choice([0, 1, 2, -1])
        if rng.random() < 0.7:
            params["connectivity"] = rng.randint(1, ndim)
    elif op in GRAY:
        arr = image(rng, shape, dtype)
        params["mode"] = rng.choice(MODES + ["max", "min", "ignore"])
        if params["mode"] == "constant":
            params["cval"] = float(rng.choice([0, 1, 7]))
    else:
        arr = image(rng, shape, rng.choice(["bool", "bool", "uint8", "float32"]))
        params["mode"] = rng.choice(["ignore", "max", "min"])
    if op in GRAY or op in BINARY:
        fp = footprint(rng, ndim)
        if fp:
            params["footprint"] = fp
    return op, arr, params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skbench", required=True, help="path to the skbench binary")
    parser.add_argument("--seed", default="20261122", help="an integer, or 'random'")
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--backend", default="ref")
    args = parser.parse_args()
    seed = random.randrange(1 << 31) if args.seed == "random" else int(args.seed)
    rng = random.Random(seed)
    print(f"fresh_inputs: seed {seed}, {args.cases} cases, backend {args.backend}")
    ops = [op for op in implemented_ops(args.skbench, args.backend) if op in OPS]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cases):
            op, arr, params = random_case(rng, ops)
            src, got, want = (os.path.join(tmp, f"{i}_{n}.npy") for n in ("in", "out", "expected"))
            np.save(src, arr)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.save(want, np.asarray(OPS[op](arr.copy(), **_kwargs(params))))
            cmd = [args.skbench, "run", op, "--backend", args.backend, "--in", src, "--out", got]
            for name, value in params.items():
                cmd += ["--param", f"{name}={_fmt(value)}"]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode == 0:
                check = subprocess.run([args.skbench, "compare", got, want, "--op", op, "--backend", args.backend,
                                        "--in", src] + cmd[cmd.index(got) + 1:], capture_output=True, text=True)
                ok, detail = check.returncode == 0, check.stdout.strip()
            else:
                ok, detail = False, run.stderr.strip()
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL case {i}: {op} {arr.dtype} {arr.shape} {params}: {detail}\n  {' '.join(cmd)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
