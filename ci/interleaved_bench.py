#!/usr/bin/env python3
"""Times two skbench builds side by side (a baseline and a current build, or the same build twice), so that
`skbench gate` can compare their wall times: both run `skbench bench` with the same arguments, pinned to the same
CPUs, taking turns over two pipes (--lockstep), one case repetition each; and that `rounds` times (9 by default),
each time with a fresh pair of processes, each side's repetitions merged into one results file.

Why all three: on the shared 2-core VMs the two vCPUs run at different speeds for minutes at a time (a busy
neighbour on one's host core): two processes of the same build, started together and left to the scheduler,
differed by 20-67% on 256^2 cases. Pinned to one CPU and alternating, 72 case comparisons of unchanged code (one
pair of processes, 9 repetitions a side) stayed within 8.3%, but one process can still be ~10% slower than another
for its whole life (its memory layout: physically indexed caches), so one process a side is one sample, not nine:
fresh pairs of processes make the samples independent, as the rank test assumes.

  ci/interleaved_bench.py --baseline OLD/skbench --current NEW/skbench --out-baseline a.json --out-current b.json \\
      -- --filter '^filters\\.' --threads 1 --repetitions 9
  skbench gate --baseline a.json --current b.json

Exit 0 when both runs succeed; otherwise the first failing run's exit code (its stderr is passed through)."""
import argparse
import json
import os
import subprocess
import sys
import uuid


def default_cpus():
    """The highest-numbered CPU this process may use: CPU 0 takes most interrupts."""
    return [max(os.sched_getaffinity(0))]


def parse_cpus(text):
    cpus = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        cpus += range(int(first), int(last or first) + 1)
    return sorted(set(cpus))


def threads_asked(bench_args):
    for i, a in enumerate(bench_args):
        if a == "--threads" and i + 1 < len(bench_args):
            return int(bench_args[i + 1])
        if a.startswith("--threads="):
            return int(a.split("=", 1)[1])
    return 0  # skbench bench's default: every hardware thread


def run_lockstep(baseline, current, out_baseline, out_current, bench_args, cpus, envs, quiet):
    """One pair of processes taking turns (envs: the baseline's and the current side's environments); returns their
    exit codes."""
    lockstep_id = uuid.uuid4().hex[:12]
    to_current_r, to_current_w = os.pipe()    # baseline passes the turn to current
    to_baseline_r, to_baseline_w = os.pipe()  # current passes it back
    os.write(to_baseline_w, b"t")             # the baseline side starts
    sides = [(baseline, out_baseline, to_baseline_r, to_current_w, envs[0]),
             (current, out_current, to_current_r, to_baseline_w, envs[1])]
    procs = []
    try:
        for binary, out, r, w, env in sides:
            cmd = [binary, "bench", *bench_args, "--out", out, "--lockstep", f"{lockstep_id}:{r},{w}"]
            procs.append(subprocess.Popen(cmd, pass_fds=(r, w), env=env,
                                          preexec_fn=lambda: os.sched_setaffinity(0, cpus),
                                          stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL if quiet else None))
    finally:
        # Only the children hold the pipe ends now: when one side exits, the other reads EOF and runs on alone.
        for fd in (to_current_r, to_current_w, to_baseline_r, to_baseline_w):
            os.close(fd)
    return tuple(p.wait() for p in procs)


def merge_rounds(parts, out):
    """One results file from several runs of the same cases: every repetition, renumbered in run order."""
    merged = None
    for k, part in enumerate(parts):
        with open(part) as f:
            doc = json.load(f)
        reps = [e for e in doc["benchmarks"] if e.get("run_type") == "iteration"]
        for e in reps:
            e["repetition_index"] = k * e.get("repetitions", 1) + e.get("repetition_index", 0)
            e["repetitions"] = len(parts) * e.get("repetitions", 1)
        if merged is None:
            merged = doc
            merged["benchmarks"] = reps
            merged["context"]["rounds"] = len(parts)
        else:
            merged["benchmarks"] += reps
    with open(out, "w") as f:
        json.dump(merged, f)


def run_pair(baseline, current, out_baseline, out_current, bench_args, rounds=9, cpus=None, env=None, quiet=False,
             current_env=None):
    """`rounds` pairs of processes, each pair pinned to the same CPUs and taking turns (the side that starts
    alternates); each side's repetitions merged into one results file. `env` is both sides' environment unless
    `current_env` gives the current side its own. Returns the first nonzero pair of exit codes, else (0, 0)."""
    envs = (env, current_env if current_env is not None else env)
    cpus = cpus or default_cpus()
    threads = threads_asked(bench_args)
    if threads == 0 or threads > len(cpus):
        raise ValueError(f"bench --threads {threads or 'all'} needs as many pinned CPUs (have {cpus}): pass "
                         f"--threads N and --cpus with N CPUs")
    parts = ([], [])
    try:
        for k in range(rounds):
            names = (f"{out_baseline}.round{k}", f"{out_current}.round{k}")
            order = (0, 1) if k % 2 == 0 else (1, 0)
            sides = [((baseline, current)[i], names[i]) for i in order]  # the starting side first
            codes = run_lockstep(sides[0][0], sides[1][0], sides[0][1], sides[1][1], bench_args, cpus,
                                 (envs[order[0]], envs[order[1]]), quiet)
            codes = tuple(codes[order.index(i)] for i in (0, 1))
            if any(codes):
                return codes
            for i in (0, 1):
                parts[i].append(names[i])
        merge_rounds(parts[0], out_baseline)
        merge_rounds(parts[1], out_current)
        return (0, 0)
    finally:
        for name in parts[0] + parts[1]:
            if os.path.exists(name):
                os.remove(name)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--baseline", required=True, help="the baseline build's skbench")
    p.add_argument("--current", required=True, help="the current build's skbench")
    p.add_argument("--out-baseline", required=True)
    p.add_argument("--out-current", required=True)
    p.add_argument("--rounds", type=int, default=9, help="process pairs per side (default 9); bench's "
                   "--repetitions are per round")
    p.add_argument("--cpus", type=parse_cpus, help="CPUs both runs are pinned to, e.g. 1 or 0-1 (default: the "
                   "highest-numbered one; bench's --threads must not exceed their count)")
    p.add_argument("bench_args", nargs=argparse.REMAINDER, help="-- then skbench bench's arguments (not --out)")
    args = p.parse_args()
    bench_args = args.bench_args[1:] if args.bench_args[:1] == ["--"] else args.bench_args
    if "--out" in bench_args or any(a.startswith("--lockstep") for a in bench_args):
        p.error("--out and --lockstep are set by this script")
    for binary in (args.baseline, args.current):
        if not os.access(binary, os.X_OK):
            p.error(f"{binary} is not an executable")
    try:
        codes = run_pair(args.baseline, args.current, args.out_baseline, args.out_current, bench_args, args.rounds,
                         args.cpus)
    except ValueError as e:
        p.error(str(e))
    for side, code in zip(("baseline", "current"), codes):
        if code != 0:
            print(f"interleaved_bench: the {side} run exited {code}", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
