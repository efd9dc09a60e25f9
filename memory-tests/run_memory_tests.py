#!/usr/bin/env python3
"""Every op x backend under heaptrack: peak heap and leaked bytes, checked against skbench's own allocation audit.

Each run is `skbench run OP --backend B --threads 1 --audit A.json` on an input tiled up from the op's largest
parameter-free golden input to at least 256 pixels a side (64 in 3-D), under heaptrack; the emulator (cuda-emu,
a backend whose timings mean nothing: it runs every GPU thread as a CPU thread) gets 64 a side (16 in 3-D), which
its allocations do not depend on and which takes it a sixteenth of the time. Checks:
  audit <= heaptrack   heaptrack's peak heap is at least the audit's peak (the audit sees skb::Array buffers only);
  margin               heaptrack's peak is at most the audit's peak + input bytes + output bytes (the .npy read
                       and write buffers) + 4 MiB (runtime: libstdc++, TBB, CLI, registry);
  float64              opt and cuda backends allocate no float64 bytes (the audit's dtype record) beyond a result
                       the op itself returns in float64 (regionprops_table's table) and the float64 work its
                       spec declares (OpSpec::float64_work, bounded: canny), once per call;
  leaks                the run (3 calls) leaks no more than one call of the same op and backend on a tiny input
                       (a 4-pixel-a-side crop of the same golden input), nor than `skbench list` does: what stays
                       allocated at exit, grows neither with the input nor with the calls, belongs to the process.
Why a per-op-and-backend baseline rather than `skbench list` alone: a process keeps some memory to the end that
depends on what it ran, not on the input size. Printing a scalar result leaves stdout's buffer (4 KiB) allocated;
the cuda-emu backend's block thread pool leaves its threads' thread-local state (about 1.4 KiB). `skbench list`
prints a table, so its leak includes stdout's buffer but not the pool: a cuda-emu op with a scalar result
(filters.threshold_otsu) exceeded it by the pool's bytes alone. A tiny run of the same op and backend has the same
process shape (backend runtime, printed or written result), so the comparison flags what grows with the input.
heaptrack's interpreter symbolises the backtrace of every allocation, reading the binary's line tables each run;
these checks read byte counts only, so the runs use a copy of skbench without its debug sections (objcopy
--strip-debug: the same code and symbols), which took the suite from 125 to 88 s here.
Writes a table (and --json) and exits 1 when any check fails, 2 on bad usage.
Needs: heaptrack and heaptrack_print (Debian package heaptrack), objcopy (binutils), numpy (the project venv)."""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import manifest  # noqa: E402  (golden/manifest.py: the golden cases)

RUNTIME_MARGIN = 4 << 20
UNITS = {"": 1, "B": 1, "K": 1e3, "M": 1e6, "G": 1e9}


def heaptrack(cmd, out_prefix):
    proc = subprocess.run(["heaptrack", "-o", out_prefix] + cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} under heaptrack exited {proc.returncode}: {proc.stdout[-500:]}")
    data = next(p for p in (out_prefix + ".zst", out_prefix + ".gz") if os.path.exists(p))
    text = subprocess.run(["heaptrack_print", "-f", data, "-p", "0", "-a", "0", "-T", "0", "-l", "0"],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, check=True).stdout
    os.remove(data)

    def value(label):
        m = re.search(label + r":\s*([0-9.]+)([KMGB]?)", text)
        if not m:
            raise RuntimeError(f"heaptrack_print gave no '{label}' for {' '.join(cmd)}")
        return float(m.group(1)) * UNITS[m.group(2)]

    return value("peak heap memory consumption"), value("total memory leaked")


def registry_listing(skbench):
    """`skbench list --json`: every op (backends, channel axis, extra inputs) and every backend's traits."""
    return json.loads(subprocess.run([skbench, "list", "--json"], stdout=subprocess.PIPE, text=True,
                                     check=True).stdout)


def inputs_by_op(golden, workdir, layouts, sides, tag):
    """Per op: the --in arguments of its run (tiled to `sides`[spatial rank] a side) and of its tiny baseline.
    layouts: {op: (channels, stacked_symmetric)}, the image's non-spatial axes (a trailing channel axis, a leading
    stack of a symmetric matrix's elements), which stay whole."""
    paths = {}
    for op, c in manifest.largest_default_cases(manifest.load(golden)).items():
        # The image, then any extra inputs, each tiled and cropped the same way.
        full, tiny = [], []
        for name, file in manifest.input_files(c):
            a = np.load(os.path.join(golden, file))
            channels, stacked = layouts.get(op, (0, False)) if name == "image" else (0, False)
            first = 1 if stacked else 0
            axes = range(first, a.ndim - (1 if channels else 0))  # the spatial ones
            target = sides[len(axes)]
            reps = [-(-target // max(1, a.shape[d])) if d in axes else 1 for d in range(a.ndim)]
            path = os.path.join(workdir, f"{op}.{name}{tag}.npy")
            np.save(path, np.tile(a, reps))
            tiny_path = os.path.join(workdir, f"{op}.{name}.tiny.npy")  # the leak baseline: a 4-pixel crop
            np.save(tiny_path, a[tuple(slice(0, 4) if d in axes else slice(None) for d in range(a.ndim))])
            full.append((name, path))
            tiny.append((name, tiny_path))
        paths[op] = (manifest.in_arguments(full), manifest.in_arguments(tiny))
    return paths


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skbench", required=True)
    p.add_argument("--golden", default=os.path.join(os.path.dirname(__file__), "..", "golden", "data"))
    p.add_argument("--op", action="append", default=[], help="only these ops (repeatable)")
    p.add_argument("--json", help="also write every run's numbers here")
    args = p.parse_args()
    failures, rows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        skbench = os.path.join(tmp, "skbench")
        subprocess.run(["objcopy", "--strip-debug", args.skbench, skbench], check=True)
        _, base_leak = heaptrack([skbench, "list"], os.path.join(tmp, "list"))
        listing = registry_listing(skbench)
        reference = {b["name"]: b["is_reference"] for b in listing["backends"]}
        layouts = {op["id"]: (op["channels"], op.get("stacked_symmetric", False)) for op in listing["ops"]}
        inputs = inputs_by_op(args.golden, tmp, layouts, {1: 65536, 2: 256, 3: 64}, "")
        emulator_inputs = inputs_by_op(args.golden, tmp, layouts, {1: 4096, 2: 64, 3: 16}, ".emu")
        emulated = {b["name"]: not b["timings_meaningful"] for b in listing["backends"]}
        jobs = [(op["id"], backend) for op in listing["ops"] if not args.op or op["id"] in args.op
                for backend, state in op["backends"].items() if state == "yes"]

        def measure(job):
            op, backend = job
            prefix = os.path.join(tmp, f"{op}.{backend}")
            audit_path = prefix + ".audit.json"
            run = [skbench, "run", op, "--backend", backend, "--out", prefix + ".out.npy", "--threads", "1"]
            input_args, tiny_args = (emulator_inputs if emulated[backend] else inputs)[op]
            # Three calls against the tiny baseline's one: a leak per call shows as growth, not as process shape.
            peak, leaked = heaptrack(run + input_args + ["--audit", audit_path, "--repeat", "3"], prefix + ".run")
            _, tiny_leak = heaptrack(run + tiny_args, prefix + ".tiny")
            with open(audit_path) as f:
                return peak, leaked, tiny_leak, json.load(f)

        # Each run is one single-threaded process: as many at a time as there are CPUs.
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            results = list(pool.map(measure, jobs))
        for (op, backend), (peak, leaked, tiny_leak, audit) in zip(jobs, results):
            leak_limit = max(base_leak, tiny_leak)
            limit = audit["process_peak_bytes"] + audit["input_bytes"] + audit["output_bytes"] + RUNTIME_MARGIN
            row = {"op": op, "backend": backend, "heaptrack_peak": peak, "heaptrack_leaked": leaked,
                   "tiny_input_leaked": tiny_leak,
                   "audit_peak": audit["process_peak_bytes"], "limit": limit, "f64_bytes": audit["op_f64_bytes"]}
            rows.append(row)
            what = f"{op}/{backend}"
            if peak < audit["process_peak_bytes"] * 0.995:  # heaptrack prints 3-4 significant digits
                failures.append(f"{what}: heaptrack peak {peak:.0f} below the audit's {audit['process_peak_bytes']}")
            if peak > limit:
                failures.append(f"{what}: heaptrack peak {peak:.0f} above audit peak + I/O + runtime = {limit}")
            own_f64 = audit["repeat"] * audit["output_bytes"] if audit["output_dtype"] == "float64" else 0
            own_f64 += audit["repeat"] * audit.get("f64_work_allowed", 0)  # declared float64 work (canny)
            if not reference[backend] and audit["op_f64_bytes"] > own_f64:
                failures.append(f"{what}: allocated {audit['op_f64_bytes']} float64 bytes"
                                + (f" (its float64 results and declared work: {own_f64})" if own_f64 else ""))
            if leaked > leak_limit:
                failures.append(f"{what}: leaked {leaked:.0f} bytes, more than the same process on a tiny "
                                f"input ({tiny_leak:.0f}) or skbench list ({base_leak:.0f})")
            print(f"{what:40s} heaptrack peak {peak / 1e6:8.2f} MB  audit peak {audit['process_peak_bytes'] / 1e6:8.2f} MB"
                  f"  leaked {leaked:6.0f} B  f64 {audit['op_f64_bytes']:>9}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runtime_leak_bytes": base_leak, "runs": rows}, f, indent=1)
    for f in failures:
        print("FAILED:", f, file=sys.stderr)
    print(f"memory tests: {len(rows)} runs, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
