"""Differential test on inputs no golden file holds: random images, dtypes, shapes and parameters, each run
through scikit-image and through `skbench run`, then held to the tolerance table by `skbench compare`.

    .venv/bin/python tests/fresh_inputs.py --skbench build/release/bin/skbench [--seed N|random] [--cases N] [--op RE]

Prints one line per failure (with the command that reproduces it) and closes with 'N passed, M failed'.
The ops are those `skbench list` shows with the backend; each must have an op descriptor (golden/ops/), which
gives its random cases and the scikit-image call. Exit status: 0 all passed, 1 a mismatch or an op without a
descriptor, 2 usage.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import ops  # noqa: E402  (golden/ops: per op, the scikit-image call and its random cases)
from ops.params import param_text  # noqa: E402


def registry_ops(skbench):
    """The ops of `skbench list --json`: [{"id", "backends": {backend: "yes", "-" or why it cannot run here},
    "output_names", "extra_inputs", ...}]."""
    run = subprocess.run([skbench, "list", "--json"], capture_output=True, text=True, check=True)
    return json.loads(run.stdout)["ops"]


def implemented_ops(skbench, backend):
    """The ops `skbench list` shows with this backend."""
    return sorted(op["id"] for op in registry_ops(skbench) if op["backends"].get(backend) == "yes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skbench", required=True, help="path to the skbench binary")
    parser.add_argument("--seed", default="20261122", help="an integer, or 'random'")
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--backend", default="ref")
    parser.add_argument("--op", default="", help="only the ops whose id matches this regular expression")
    args = parser.parse_args()
    seed = random.randrange(1 << 31) if args.seed == "random" else int(args.seed)
    rng = random.Random(seed)
    print(f"fresh_inputs: seed {seed}, {args.cases} cases, backend {args.backend}")
    descriptors = ops.by_op()
    implemented = [op for op in implemented_ops(args.skbench, args.backend) if re.search(args.op, op)]
    missing = [op for op in implemented if op not in descriptors]
    for op in missing:
        print(f"fresh_inputs: {op} is registered in skbench but has no op descriptor {ops.descriptor_path(op)} "
              "(see golden/ops/__init__.py)", file=sys.stderr)
    if not implemented:
        print(f"fresh_inputs: skbench list shows no op with backend {args.backend} matching '{args.op}'",
              file=sys.stderr)
    if missing or not implemented:
        return 1
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cases):
            op = rng.choice(implemented)
            desc = descriptors[op]
            arr, params, extra = desc.random(rng)
            src, got, want = (os.path.join(tmp, f"{i}_{n}.npy") for n in ("in", "out", "expected"))
            np.save(src, arr)
            inputs = ["--in", src]  # extra inputs by scikit-image's parameter names: --in other=PATH
            for name, extra_arr in extra.items():
                path = os.path.join(tmp, f"{i}_in_{name}.npy")
                np.save(path, extra_arr)
                inputs += ["--in", f"{name}={path}"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.save(want, desc.compute(arr.copy(), params, {n: a.copy() for n, a in extra.items()}))
            param_args = [a for name, value in params.items() for a in ("--param", f"{name}={param_text(value)}")]
            cmd = [args.skbench, "run", op, "--backend", args.backend, *inputs, "--out", got, *param_args]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode == 0:
                check = subprocess.run([args.skbench, "compare", got, want, "--op", op, "--backend", args.backend,
                                        *inputs, *param_args], capture_output=True, text=True)
                ok, detail = check.returncode == 0, check.stdout.strip()
            else:
                ok, detail = False, run.stderr.strip()
            if ok:
                passed += 1
            else:
                failed += 1
                extras = "".join(f" {n}={a.dtype}{a.shape}" for n, a in extra.items())
                print(f"FAIL case {i}: {op} {arr.dtype} {arr.shape}{extras} {params}: {detail}\n  {' '.join(cmd)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
