"""End-to-end checks of `skbench bench`: a tiny run with the peers, its JSON (Google Benchmark's schema plus
skbench's counters and context), compare.py reading it, a debug-build refusal, and no results lost to kill -9.

    .venv/bin/python tests/bench_smoke.py --skbench build/release/bin/skbench
Closes with 'N passed, M failed'; exit 1 on any failure.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

NAME = re.compile(r"^[^/]+/[^/]+/\d+(x\d+)+/(u8|u16|f32|f64|b1)/threads:\d+(_min|_median)?$")
COMPARE = "/usr/share/benchmark/compare.py"
results = {"passed": 0, "failed": 0}


def check(condition, what):
    results["passed" if condition else "failed"] += 1
    if not condition:
        print(f"FAIL: {what}")


def release_run(skbench, tmp):
    out = os.path.join(tmp, "r.json")
    cmd = [skbench, "bench", "--filter", "^filters\\.gaussian/ref/256x256/u8", "--with-peers", "--repetitions", "3",
           "--min-time", "0.02", "--out", out]
    run = subprocess.run(cmd, capture_output=True, text=True)
    check(run.returncode == 0, f"bench exit status {run.returncode}: {run.stderr[-2000:]}")
    check("skimage" in run.stdout and "filters.gaussian/256x256/u8" in run.stdout, "table printed")
    check("[1/1" in run.stderr, "progress line on stderr")
    doc = json.load(open(out))
    ctx = doc["context"]
    for key in ("cpu_model", "num_cpus", "caches", "stream_triad_GBps", "compiler", "cxx_flags", "build_type",
                "git_sha", "gpu", "date", "peers"):
        check(key in ctx, f"context has {key}")
    check(ctx["stream_triad_GBps"] > 0.1, "bandwidth measured")
    check(ctx["peers"].get("skimage") == "0.26.0", "peer versions recorded")
    check(doc["skbench"]["complete"] is True, "run marked complete")
    bench = doc["benchmarks"]
    for b in bench:
        check(NAME.match(b["name"]) is not None, f"name format: {b['name']}")
    ours = [b for b in bench if b["name"] == "filters.gaussian/ref/256x256/u8/threads:1"]
    check(sorted(b["repetition_index"] for b in ours) == [0, 1, 2], "3 repetitions of ours")
    for b in ours:
        # An upper bound only: a loaded machine lowers utilisation, but one thread can never exceed 1.
        check(0 < b["cpu_util"] <= 1.1, f"single-threaded ref cpu_util {b['cpu_util']}")
        check(b["f64_bytes"] >= 256 * 256 * 8, "ref upcasts uint8 to float64 and the audit sees it")
        check(b["peak_bytes"] >= 256 * 256 * (1 + 8), "peak covers input and output")
        check(b["bytes_per_call"] == 256 * 256 * (1 + 8), "bytes per call from the op spec")
        check(b["bw_fraction"] > 0 and b["items_per_second"] > 0, "rates")
        check(b["iterations"] >= 1 and b["real_time"] > 0 and b["time_unit"] == "ms", "timing fields")
    agg = {b["aggregate_name"]: b for b in bench if b.get("run_type") == "aggregate" and b["tool"] == "skbench"}
    check(set(agg) == {"min", "median"}, "min and median aggregates")
    if set(agg) == {"min", "median"}:
        check(agg["min"]["real_time"] <= agg["median"]["real_time"], "min <= median")
        check(agg["min"]["real_time"] == min(b["real_time"] for b in ours), "min is the minimum")
    tools = {(b["tool"], b["threads"]) for b in bench if b["run_type"] == "iteration"}
    for tool in ("skimage", "scipy", "opencv"):
        check((tool, 1) in tools, f"{tool} timed")
    if os.cpu_count() > 1:
        check(("opencv", os.cpu_count()) in tools, "OpenCV also at all threads")
    table = subprocess.run([skbench, "table", out, "--markdown"], capture_output=True, text=True)
    check(table.returncode == 0 and "| filters.gaussian/256x256/u8 | 1 |" in table.stdout, "skbench table --markdown")
    bad = subprocess.run([skbench, "table", os.path.join(tmp, "missing.json")], capture_output=True, text=True)
    check(bad.returncode == 2 and bad.stderr.count("\n") == 1, "table of a missing file: one line, exit 2")
    if os.path.exists(COMPARE):
        cmp = subprocess.run([sys.executable, COMPARE, "benchmarks", out, out], capture_output=True, text=True)
        check(cmp.returncode == 0 and "filters.gaussian/ref" in cmp.stdout, f"compare.py reads it: {cmp.stderr[-500:]}")
    else:
        check(False, f"{COMPARE} missing (libbenchmark-tools)")


def kill_keeps_finished_groups(skbench, tmp):
    out = os.path.join(tmp, "k.json")
    cmd = [skbench, "bench", "--filter", "^(filters\\.gaussian|filters\\.sobel)/ref/(256x256|1024x1024)/u8",
           "--repetitions", "3", "--min-time", "0.3", "--out", out]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:
        if line.startswith("[1/"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    check(os.path.exists(out), "results file exists after kill -9")
    if os.path.exists(out):
        doc = json.load(open(out))
        check(doc["skbench"]["complete"] is False, "partial run marked incomplete")
        check(any(b["name"].startswith("filters.gaussian/ref/256x256") for b in doc["benchmarks"]), "first group kept")
    check(not [f for f in os.listdir(tmp) if ".tmp-" in f], "no temporary files left")


def multi_input_op(skbench, tmp):
    """testing.sum_diff (two inputs, two stacked outputs) through bench (synthetic second input, verification against
    ref, counters) and into the report."""
    out = os.path.join(tmp, "sum_diff.json")
    run = subprocess.run([skbench, "bench", "--filter", "^testing\\.sum_diff/(ref|opt)/256x256/f32/threads:1$",
                          "--repetitions", "1", "--min-time", "0", "--out", out], capture_output=True, text=True)
    check(run.returncode == 0, f"bench of a two-input op: {run.stderr[-500:]}")
    with open(out) as f:
        cases = {b["name"]: b for b in json.load(f)["benchmarks"] if b["run_type"] == "iteration"}
    for backend, dtype in (("ref", "float32"), ("opt", "float32")):
        entry = cases.get(f"testing.sum_diff/{backend}/256x256/f32/threads:1", {})
        check(entry and not entry.get("error_occurred"), f"sum_diff/{backend} verified and timed: {entry}")
        check(entry.get("output_dtype") == dtype, f"sum_diff/{backend} output dtype {entry.get('output_dtype')}")
        # Both inputs count in the call's peak: the float32 image (256 KiB), `other` in its first accepted dtype
        # (uint8: 64 KiB) and the stacked float32 output (512 KiB).
        check(entry.get("peak_bytes", 0) >= 256 * 256 * (4 + 1 + 2 * 4), f"peak counts both inputs: {entry}")
    html = os.path.join(tmp, "sum_diff.html")
    report = subprocess.run([skbench, "report", out, "--html", html], capture_output=True, text=True)
    check(report.returncode == 0 and "testing.sum_diff" in open(html).read(), f"report shows it: {report.stderr}")


def refuses_debug_build(skbench, tmp):
    out = os.path.join(tmp, "d.json")
    run = subprocess.run([skbench, "bench", "--filter", "filters.gaussian/ref/256x256/u8", "--out", out],
                         capture_output=True, text=True)
    check(run.returncode == 2, "debug/sanitizer build refused with exit 2")
    check("not results" in run.stderr and run.stderr.count("\n") == 1, f"one clear line: {run.stderr}")
    check(not os.path.exists(out), "no results file from a refused run")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--skbench", required=True)
    parser.add_argument("--expect-refusal", action="store_true", help="the binary is a debug or sanitizer build")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.expect_refusal:
            refuses_debug_build(args.skbench, tmp)
        else:
            release_run(args.skbench, tmp)
            kill_keeps_finished_groups(args.skbench, tmp)
            multi_input_op(args.skbench, tmp)
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
