#!/usr/bin/env python3
"""Deterministic instruction counts for the gate: each op x backend runs once under valgrind's callgrind on a fixed
golden input (the largest parameter-free case of the op), 1 thread, counting only inside PreparedOp::run (not
process start, .npy I/O or parsing). The counts go into a results JSON's "instructions" block
("op/backend" -> instructions), rewritten atomically.

valgrind cannot run AVX-512 code: count with a build whose opt backend is not compiled for this CPU (the `gate`
preset: SKB_NATIVE=OFF). Exit codes: 0 ok, 2 bad input, 3 valgrind failed."""
import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import manifest  # noqa: E402  (golden/manifest.py: the golden cases, standard library only)


def count(skbench, op, backend, input_args, workdir):
    out_file = os.path.join(workdir, "callgrind.out")
    cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}", "--toggle-collect=skb::PreparedOp::run*",
           skbench, "run", op, "--backend", backend, *input_args, "--out", os.path.join(workdir, "out.npy"),
           "--threads", "1"]
    # LD_BIND_NOW: the dynamic linker resolves every symbol at start, outside the count; lazily, an op's first calls
    # into a shared library would count a symbol lookup whose cost grows with every library the binary links.
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "LD_BIND_NOW": "1"})
    if proc.returncode != 0:
        raise RuntimeError(f"{op}/{backend}: valgrind exited {proc.returncode}: {proc.stderr.strip()[-400:]}")
    total = None
    with open(out_file) as f:
        for line in f:
            m = re.match(r"(?:summary|totals):\s+(\d+)", line)
            if m:
                total = int(m.group(1))
                break
    if total is None:
        raise RuntimeError(f"{op}/{backend}: no instruction total in callgrind's output")
    # glibc's allocator is left out: what malloc and free cost depends on the heap's history (malloc_consolidate
    # over whatever the process freed before: the checkout's path and the registry's size moved a 14k-instruction
    # op by 2%), not on the op's code. Its functions' own costs are subtracted.
    annotate = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no", out_file],
                              capture_output=True, text=True)
    if annotate.returncode != 0:
        raise RuntimeError(f"{op}/{backend}: callgrind_annotate exited {annotate.returncode}")
    allocator = 0
    for line in annotate.stdout.splitlines():
        m = re.match(r"\s*([\d,]+)\s+\([^)]*\)\s+\S*malloc/malloc\.c:", line)
        if m:
            allocator += int(m.group(1).replace(",", ""))
    return total - allocator


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skbench", required=True, help="skbench binary (any build valgrind can run)")
    p.add_argument("--golden", default=os.path.join(os.path.dirname(__file__), "..", "golden", "data"))
    p.add_argument("--op", action="append", default=[], help="ops to count (repeatable; default: every golden op)")
    p.add_argument("--backend", action="append", default=[], help="backends (repeatable; default: ref and opt)")
    p.add_argument("--into", required=True, help="results JSON to add the counts to")
    args = p.parse_args()
    try:
        with open(args.into) as f:
            doc = json.load(f)
        cases = manifest.largest_default_cases(manifest.load(args.golden), args.op)
    except (OSError, ValueError) as e:
        print(f"instruction_counts: {e}", file=sys.stderr)
        return 2
    counts = doc.setdefault("instructions", {})
    jobs = []
    for op, case in sorted(cases.items()):
        input_args = manifest.in_arguments(
            [(name, os.path.join(args.golden, path)) for name, path in manifest.input_files(case)])
        jobs += [(op, backend, input_args) for backend in args.backend or ["ref", "opt"]]
    # One valgrind per core at once: each count is of one single-threaded process, whatever else runs.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        def one(i):
            # A fresh temporary directory each, as long a path as any: a few ops' counts move with the length of
            # the output path (the heap's layout), so the paths keep one length.
            op, backend, input_args = jobs[i]
            with tempfile.TemporaryDirectory() as workdir:
                return count(args.skbench, op, backend, input_args, workdir)
        try:
            for (op, backend, _), n in zip(jobs, pool.map(one, range(len(jobs)))):
                counts[f"{op}/{backend}"] = n
                print(f"{op}/{backend}: {n} instructions", flush=True)
        except RuntimeError as e:
            print(f"instruction_counts: {e}", file=sys.stderr)
            return 3
    tmp = args.into + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, args.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
