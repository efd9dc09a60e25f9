#!/usr/bin/env python3
"""The gate's self-test: planted regressions are caught, unchanged code is not flagged.

1. A baseline: skbench bench on a small fixed case set (1 thread, 3 repetitions) plus callgrind instruction
   counts: its deterministic metrics are what steps 2 and 3 compare with (step 2 measures its timings afresh).
2. Unchanged code, measured afresh N times (default 10) and gated in full mode (wall time included): 0
   deterministic flags, 0 wall-time REGRESSION verdicts, at most 1 AMBIGUOUS over all runs. Each time the
   baseline's timings are measured again, side by side with the current run's (ci/interleaved_bench.py: 9 fresh
   pairs of processes, each pinned to one CPU and taking turns), as a pull-request gate measures base and head: on
   the 2-core VMs the two vCPUs differ in speed by 20-67% for minutes at a time, and one process by ~10% from
   another for its whole life, which timings taken on different CPUs, minutes apart or in one process read as
   regressions. Its deterministic metrics and instruction counts stay those of step 1.
3. Each planted regression (skbench_planted, SKB_PLANT=...) measured and gated: exit code 1 and the expected
   check flagged REGRESSION on the expected case, every time. Every plant is a deterministic metric, which neither
   repetitions nor a quiet machine change: the plants are measured with 3 repetitions, all at once.
Exit 0 on success, 1 with the reasons on failure."""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "ci"))
import interleaved_bench  # noqa: E402

WALL_CASES = r"^(filters\.gaussian|filters\.sobel|color\.rgb2gray)/(ref|opt)/256x256/(f32|u8)/threads:1$"
# Plus one cuda-emu case for the round-trip plant. Not in the side-by-side runs: cuda-emu's wall time is not gated
# (it is the emulator's) and its emulator costs each process a second; ci/gate.sh checks its counters every CI run.
CASES = WALL_CASES + r"|^color\.rgb2gray/cuda-emu/256x256/u8/threads:1$"
OPS = ["filters.gaussian", "filters.sobel", "color.rgb2gray"]
DETERMINISTIC = {"f64_bytes", "peak_bytes", "output_dtype", "instructions", "h2d_bytes", "h2d_calls", "d2h_bytes",
                 "d2h_calls", "kernel_calls", "syncs", "device_allocations"}
PLANTS = {  # SKB_PLANT -> (check, case or instruction key that must be flagged)
    "f64_temporary": ("f64_bytes", "filters.gaussian/opt/256x256/f32/threads:1"),
    "more_work": ("instructions", "filters.sobel/opt"),
    "peak_doubles": ("peak_bytes", "color.rgb2gray/opt/256x256/u8/threads:1"),
    "extra_round_trip": ("h2d_calls", "color.rgb2gray/cuda-emu/256x256/u8/threads:1"),
}


def bench(binary, out, env, repetitions):
    subprocess.run([binary, "bench", "--filter", CASES, "--with-emulator", "--threads", "1", "--repetitions",
                    str(repetitions), "--min-time", "0.02", "--out", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)


def count_instructions(binary, out, env, root):
    cmd = [sys.executable, os.path.join(root, "ci", "instruction_counts.py"), "--skbench", binary, "--into", out]
    for op in OPS:
        cmd += ["--op", op]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)


def measure(binary, out, env, root, repetitions):
    bench(binary, out, env, repetitions)
    count_instructions(binary, out, env, root)


def measure_side_by_side(binary, env, paired, current, rounds=9):
    """The baseline's and the current run's timings, taken side by side: pinned to one CPU and alternating
    repetition by repetition (ci/interleaved_bench.py), as a pull-request gate measures base and head."""
    codes = interleaved_bench.run_pair(binary, binary, paired, current,
                                       ["--filter", WALL_CASES, "--threads", "1", "--repetitions", "1",
                                        "--min-time", "0.02"], rounds=rounds, env=env, quiet=True)
    if any(codes):
        raise RuntimeError(f"side-by-side bench failed: exit codes {codes}")


def gate(skbench, baseline, current, report):
    proc = subprocess.run([skbench, "gate", "--baseline", baseline, "--current", current, "--json", report],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with open(report) as f:
        return proc.returncode, json.load(f), proc.stdout


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--skbench", required=True)
    p.add_argument("--planted", required=True, help="skbench_planted")
    p.add_argument("--repetitions", type=int, default=10)
    p.add_argument("--ambiguous-advisory", action="store_true",
                   help="print, without failing, more than one AMBIGUOUS wall-time verdict on unchanged code (ctest on "
                        "the shared CI VMs; a wall-time REGRESSION on unchanged code fails either way)")
    args = p.parse_args()
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    clean_env = {k: v for k, v in os.environ.items() if k != "SKB_PLANT"}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        baseline = os.path.join(tmp, "baseline.json")
        measure(args.skbench, baseline, clean_env, root, repetitions=3)
        ambiguous = regressions = 0
        with open(baseline) as f:
            baseline_doc = json.load(f)
        for i in range(args.repetitions):
            current, paired = os.path.join(tmp, f"clean{i}.json"), os.path.join(tmp, f"baseline{i}.json")
            measure_side_by_side(args.skbench, clean_env, paired, current)
            with open(paired) as f:
                paired_doc = json.load(f)
            # The baseline's deterministic side is step 1's: its instruction counts and (in its entries) bytes.
            paired_doc["instructions"] = baseline_doc.get("instructions", {})
            with open(paired, "w") as f:
                json.dump(paired_doc, f)
            count_instructions(args.skbench, current, clean_env, root)
            code, report, table = gate(args.skbench, paired, current, os.path.join(tmp, f"clean{i}.report.json"))
            flagged = [f for f in report["findings"] if f["verdict"] in ("REGRESSION", "AMBIGUOUS")]
            for f in flagged:
                if f["check"] in DETERMINISTIC:
                    failures.append(f"unchanged code, run {i}: deterministic check flagged: {f}")
                elif f["verdict"] == "REGRESSION":
                    regressions += 1
                    failures.append(f"unchanged code, run {i}: {f['check']} REGRESSION: {f}")
                else:
                    ambiguous += 1
                    print(f"unchanged code, run {i}: AMBIGUOUS {f['case']} {f['check']}: {f['detail']}")
            if code != 0:
                failures.append(f"unchanged code, run {i}: gate exited {code}:\n{table}")
        if ambiguous > 1:
            (print if args.ambiguous_advisory else failures.append)(
                f"unchanged code: {ambiguous} AMBIGUOUS verdicts over {args.repetitions} runs (at most 1)")
        print(f"unchanged code: {args.repetitions} runs, {regressions} wall-time REGRESSION, {ambiguous} AMBIGUOUS "
              f"({'AMBIGUOUS advisory' if args.ambiguous_advisory else 'strict'}), "
              f"{sum('unchanged' in f for f in failures)} failures")
        def measure_plant(plant):
            current = os.path.join(tmp, f"{plant}.json")
            measure(args.planted, current, dict(clean_env, SKB_PLANT=plant), root, repetitions=3)
            return current

        with concurrent.futures.ThreadPoolExecutor(max_workers=len(PLANTS)) as pool:
            planted = dict(zip(PLANTS, pool.map(measure_plant, PLANTS)))
        for plant, (check, key) in PLANTS.items():
            code, report, table = gate(args.skbench, baseline, planted[plant], os.path.join(tmp, f"{plant}.report.json"))
            caught = any(f["check"] == check and f["case"] == key and f["verdict"] == "REGRESSION"
                         for f in report["findings"])
            print(f"planted {plant}: gate exit {code}, {check} on {key}: {'caught' if caught else 'MISSED'}")
            if code != 1 or not caught:
                failures.append(f"planted {plant} not caught (exit {code}, expected 1 with {check} on {key}):\n{table}")
    for f in failures:
        print("FAILED:", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
