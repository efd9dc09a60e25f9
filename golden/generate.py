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

The cases, and the scikit-image call that produces each op's output, are the op descriptors in
golden/ops/<category>/<op>.py (see golden/ops/__init__.py); inputs are built by golden/ops/inputs.py
with portable arithmetic only, from fixed seeds. Files are written with np.save (C order, native
little-endian) and the manifest with json.dump(sort_keys=True, indent=1); nothing time-dependent
is stored.

Manifest case entry (cases in descriptor order, then each op's cases in their declared order):
    id            "<op>/<4-digit index within op>"
    op            e.g. "filters.gaussian"
    params        only the parameters passed explicitly, as strings in the C++ CLI
                  syntax (floats: repr, lists: comma separated, bools: true/false,
                  footprints: square:N, rectangle:RxC[xD], cube:N, disk:R, ball:R)
    input, input_dtype, input_shape
    extra_inputs  {"<parameter name>": "inputs/<file>.npy"}: only for cases with more inputs
    output, output_dtype, output_shape       (absent when expect_error)
    output_names  only for ops with several outputs: they are stored as one array,
                  stacked along a new leading axis in this order
    expect_error  true when scikit-image raised; then "error": "<Type>: <message>"
    note          short description
    sha256        {"input": ..., "output": ..., "extra_inputs": {"<name>": ...}}
                  (no "output" when expect_error; "extra_inputs" only with extra_inputs)
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
import scipy  # noqa: E402
import skimage  # noqa: E402

import ops  # noqa: E402  (golden/ops: the op descriptors)
from ops.inputs import Inputs  # noqa: E402
from ops.params import param_text  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA_DIR = HERE / "data"
GENERATOR = "golden/generate.py"


def build_cases(I):
    """Every descriptor's golden cases, in manifest order: case dicts (see ops.case) with "op" added."""
    return [dict(c, op=d.op) for d in ops.descriptors() for c in d.cases(I)]


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


def _run_case(desc, case, image, extra_inputs):
    """scikit-image's output for one case (or, for an error case, the error text), checking the warnings it
    emits and that it leaves its inputs alone."""
    work = image.copy()
    work_extra = {name: arr.copy() for name, arr in extra_inputs.items()}
    result, error = None, None
    where = f"{case['op']} {case['params']} on {case['input']}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for cat, msg in desc.ignored_warnings:
            warnings.filterwarnings("ignore", category=cat, message=msg)
        if case["error"]:
            try:
                desc.compute(work, case["params"], work_extra)
            except Exception as e:  # deliberate error case
                error = f"{type(e).__name__}: {e}"
            else:
                raise RuntimeError(f"{where}: expected an error, got none")
        else:
            result = desc.compute(work, case["params"], work_extra)
    for w in caught:
        if case["warn"] and re.search(case["warn"], str(w.message)):
            continue
        raise RuntimeError(f"{where}: unexpected warning {w.category.__name__}: {w.message}")
    if case["warn"] and not any(re.search(case["warn"], str(w.message)) for w in caught):
        raise RuntimeError(f"{where}: expected warning not raised")
    if not np.array_equal(work, image) or any(not np.array_equal(work_extra[n], a) for n, a in extra_inputs.items()):
        raise RuntimeError(f"{where}: modified its input")
    return result, error


def generate(out_dir):
    """Generate all data into out_dir (inputs/, outputs/, manifest.json).

    Returns (manifest dict, {relative path: sha256}, {op: number of cases}).
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
    descriptors = ops.by_op()

    files = {}
    used_inputs = set()

    def write_input(name):
        """Its path in the manifest; each input is written once however many cases use it."""
        rel = f"inputs/{name}.npy"
        if rel not in files:
            b = _npy_bytes(I.arrays[name])
            (out_dir / rel).write_bytes(b)
            files[rel] = _sha(b)
        used_inputs.add(name)
        return rel

    per_op = {}
    entries = []
    for case in cases:
        op, desc = case["op"], descriptors[case["op"]]
        idx = per_op.get(op, 0)
        per_op[op] = idx + 1
        arr = I.arrays[case["input"]]
        in_rel = write_input(case["input"])
        extra = {name: I.arrays[inp] for name, inp in case["extra_inputs"].items()}

        result, error = _run_case(desc, case, arr, extra)
        entry = {
            "id": f"{op}/{idx:04d}",
            "op": op,
            "params": {k: param_text(v) for k, v in case["params"].items()},
            "input": in_rel,
            "input_dtype": arr.dtype.name,
            "input_shape": [int(s) for s in arr.shape],
            "expect_error": bool(case["error"]),
            "note": case["note"],
            "sha256": {"input": files[in_rel]},
        }
        if extra:
            entry["extra_inputs"] = {name: write_input(inp) for name, inp in case["extra_inputs"].items()}
            entry["sha256"]["extra_inputs"] = {name: files[rel] for name, rel in entry["extra_inputs"].items()}
        if desc.outputs:
            entry["output_names"] = desc.output_names(arr.ndim)
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
        for name, rel in c.get("extra_inputs", {}).items():
            want[rel] = c["sha256"]["extra_inputs"][name]
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
    # Generated beside the target and swapped in whole: a case that fails leaves the committed data untouched.
    staging = out.with_name(out.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        manifest, files, per_op = generate(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for keep in out.glob("*") if out.exists() else []:
        if keep.name not in ("inputs", "outputs", "manifest.json"):
            shutil.move(str(keep), staging / keep.name)
    replaced = out.with_name(out.name + ".replaced")
    if out.exists():
        out.rename(replaced)
    staging.rename(out)
    shutil.rmtree(replaced, ignore_errors=True)
    total = sum((out / rel).stat().st_size for rel in files)
    nerr = sum(1 for c in manifest["cases"] if c["expect_error"])
    summary = ", ".join(f"{op}={n}" for op, n in per_op.items())
    print(f"{len(manifest['cases'])} cases ({nerr} expect_error) [{summary}]; "
          f"{len(files)} files, {total / 1e6:.2f} MB in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
