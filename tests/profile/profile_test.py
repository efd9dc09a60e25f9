#!/usr/bin/env python3
"""skbench profile on one small case with each tool this machine has (callgrind, heaptrack, perf), and what it does
where a tool cannot run (nsys, ncu without a GPU), with a wrong answer (nothing profiled) and with bad input.

callgrind: the instruction count must scale with --calls (1 call against 3), which holds only when collection is
limited to the calls (process start, the suite, input building and verification cost far more than one call), and
the top line must be in the op's own source file. perf: the op's function must carry most samples (collection is
enabled around the calls only). heaptrack: the peak and the op's allocation sites are summarised.
Exit 0 pass, 1 fail. A tool that cannot run here (perf without perf_event access) is reported as skipped, by name."""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import Checklist  # noqa: E402

CASE = "color.rgb2gray/opt/256x256/f32/threads:1"


def profile(skbench, tool, out, *extra, env=None):
    proc = subprocess.run([skbench, "profile", CASE, "--tool", tool, "--out", out, *extra], capture_output=True,
                          text=True, env=env, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--skbench", required=True)
    p.add_argument("--planted", required=True, help="skbench_planted (SKB_PLANT=wrong_values)")
    args = p.parse_args()
    checks = Checklist("profile_test")
    check = checks.check

    with tempfile.TemporaryDirectory() as tmp:
        # callgrind: 1 call and 3 calls
        counts = {}
        for calls in (1, 3):
            out = os.path.join(tmp, f"callgrind-{calls}")
            rc, stdout, stderr = profile(args.skbench, "callgrind", out, "--calls", str(calls))
            check(rc == 0, f"callgrind --calls {calls} exits 0 (got {rc}: {stderr.strip()[-300:]})")
            m = re.search(r"instructions in the profiled calls: .*, ([\d.]+) per pixel\)", stdout)
            check(m is not None, f"callgrind --calls {calls} prints instructions per pixel")
            total = re.search(r"instructions in the profiled calls: ([\d.]+)( [kMG])?", stdout)
            if total:
                scale = {None: 1, " k": 1e3, " M": 1e6, " G": 1e9}[total.group(2)]
                counts[calls] = float(total.group(1)) * scale
            check(os.path.exists(os.path.join(out, "callgrind.out")), "callgrind.out kept in --out")
            check(os.path.exists(os.path.join(out, "summary.txt")), "summary.txt written")
            if calls == 1:
                lines = stdout.split("top lines (self instructions):\n", 1)
                first = lines[1].splitlines()[0] if len(lines) == 2 else ""
                check("optimized/color/rgb2gray.cpp:" in first, f"callgrind's top line is in the op's source ({first!r})")
        if len(counts) == 2:
            ratio = counts[3] / counts[1]
            check(2.7 < ratio < 3.3, f"callgrind counts only the calls: 3 calls / 1 call = {ratio:.2f} (want ~3)")

        # heaptrack
        out = os.path.join(tmp, "heaptrack")
        rc, stdout, stderr = profile(args.skbench, "heaptrack", out)
        check(rc == 0, f"heaptrack exits 0 (got {rc}: {stderr.strip()[-300:]})")
        check(re.search(r"heap peak of the whole process \(heaptrack\): [\d.]+[KMG]?B", stdout) is not None,
              "heaptrack's peak is printed")
        check("allocation audit of one call" in stdout, "the audit's peak is printed beside it")
        check(re.search(r"B over \d+ allocations?: .*\((core|reference|optimized|bench)/", stdout) is not None,
              "heaptrack's peak sites name source lines of the tree")

        # perf, where this machine lets it record
        probe = subprocess.run(["perf", "record", "-e", "cpu-clock", "-o", os.path.join(tmp, "probe.data"), "--",
                                "true"], capture_output=True, text=True)
        if probe.returncode != 0:
            checks.skip(f"perf: cannot record here ({probe.stderr.strip().splitlines()[-1:]})")
        else:
            out = os.path.join(tmp, "perf")
            rc, stdout, stderr = profile(args.skbench, "perf", out)
            check(rc == 0, f"perf exits 0 (got {rc}: {stderr.strip()[-300:]})")
            m = re.search(r"top symbols:\n\s*([\d.]+)%\s+(\S.*)", stdout)
            check(m is not None and "rgb2gray" in m.group(2) and float(m.group(1)) > 50,
                  f"perf's top symbol is the op's, over 50% ({m.group(0).strip() if m else 'none'})")
            check(not os.path.exists(os.path.join(out, "perf.ctl")), "perf's control fifos are removed")

        # nsys and ncu without a GPU: the command to run there, exit 4
        has_gpu = subprocess.run(["sh", "-c", "nvidia-smi -L"], capture_output=True).returncode == 0
        if not has_gpu:
            for tool, marker in (("nsys", "--capture-range=nvtx"), ("ncu", "--nvtx-include")):
                rc, stdout, stderr = profile(args.skbench, tool, os.path.join(tmp, tool))
                check(rc == 4 and marker in stdout and "profile-target" in stdout,
                      f"{tool} without a GPU: exit 4 and the command to run there (got {rc})")

        # a wrong answer: verified first, nothing profiled, exit 1
        env = dict(os.environ, SKB_PLANT="wrong_values")
        proc = subprocess.run([args.planted, "profile", CASE, "--tool", "heaptrack", "--out",
                               os.path.join(tmp, "wrong")], capture_output=True, text=True, env=env, timeout=600)
        check(proc.returncode == 1 and "differs from ref" in proc.stderr and proc.stdout == "",
              f"a wrong answer is refused before profiling: exit 1 (got {proc.returncode}: {proc.stderr.strip()[-200:]})")

        # bad input: one line, exit 2
        for argv, what in (([CASE.replace("f32", "f33"), "--tool", "perf"], "an unknown case"),
                           ([CASE, "--tool", "gdb"], "an unknown tool")):
            proc = subprocess.run([args.skbench, "profile", *argv], capture_output=True, text=True)
            check(proc.returncode == 2 and proc.stderr.count("\n") == 1 and proc.stdout == "",
                  f"{what}: exit 2, one line ({proc.stderr.strip()})")

    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
