#!/usr/bin/env python3
"""ci/pr-gate.sh (ci/pr_gate.py):

1. Case selection from changed paths: an op's own files select that op (a family file, binary.cpp, its family),
   shared code every op, docs/tests/CI nothing.
   A base restored from a CI cache into a fresh clone (git no longer knows its worktree) gets its commit from the
   cache key, not "unknown".
2. A planted slowdown: head is skbench_planted with SKB_PLANT=more_work (opt filters.sobel does 25% more work),
   base the same binary without the plant (two binaries differ in code layout alone); both prebuilt. The gate must come out REGRESSION (exit 1) on filters.sobel's opt cases
   and on nothing else (rgb2gray and sobel's ref are unchanged); junit.xml has a failure exactly there;
   summary.md opens with the verdict and its counts, then the flagged rows; report.html and both results exist.
3. A change that touches no op (a clean tree against HEAD): nothing is built or timed, exit 0 (run where the tree is
   clean, as in CI's fresh clone; said as skipped elsewhere).
4. Bad input: an unknown base, --rounds 0, a bad --filter: exit 2, one line.
Exit 0 pass, 1 fail."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "ci"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pr_gate  # noqa: E402
from checklist import Checklist  # noqa: E402

CASES = r"^(filters\.sobel|color\.rgb2gray)/(ref|opt)/256x256/"


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--bin", required=True, help="the release tree's bin directory")
    args = p.parse_args()
    checks = Checklist("pr_gate_test")
    check = checks.check

    # 1. selection
    ops = pr_gate.known_ops()
    expect = {
        ("optimized/filters/sobel.cpp",): ["filters.sobel"],
        ("core/ops/morphology/binary.cpp", "gpu/color/rgb2gray.cu"):
            ["color.rgb2gray", "morphology.binary_closing", "morphology.binary_dilation", "morphology.binary_erosion",
             "morphology.binary_opening"],
        ("reference/feature/hessian_matrix.cpp",): ["feature.hessian_matrix", "feature.hessian_matrix_eigvals"],
        ("optimized/rows.hpp",): None, ("core/src/registry.cpp", "docs/x.md"): None, ("CMakeLists.txt",): None,
        ("README.md", "tests/unit/x.cpp", "golden/data/x.npy", "ci/gate.sh", "bench/peers/run_peers.py"): [],
    }
    for paths, want in expect.items():
        got, reason = pr_gate.select_cases(list(paths), ops)
        if want is None:
            ok = got is None
        elif not want:
            ok = got == ""
        else:
            ok = got == "^(" + "|".join(op.replace(".", r"\.") for op in want) + ")/"
        check(ok, f"selection of {list(paths)}: {reason}")
    check(len(ops) >= 29, f"the op list from golden/ops has every op ({len(ops)})")

    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        # 1b. a base restored from a CI cache, whose worktree git no longer knows, is named by its cache key
        for recorded, expected in (("unknown", "0123456789ab"), ("fedcba987654", "fedcba987654")):
            results = os.path.join(tmp, "base-results.json")
            with open(results, "w") as f:
                json.dump({"context": {"git_sha": recorded}, "benchmarks": []}, f)
            pr_gate.name_base_commit(results, "0123456789abcdef")
            with open(results) as f:
                named = json.load(f)["context"]["git_sha"]
            check(named == expected, f"base recorded as {recorded!r}: git_sha {named!r}, expected {expected!r}")

        # 2. the planted slowdown
        out = os.path.join(tmp, "planted")
        b = lambda name: os.path.join(args.bin, name)
        # Both sides the same binary, the plant switched on in head only: two different binaries differ in code
        # layout, which alone moved ref sobel's wall time by 25% between skbench and skbench_planted (same source).
        proc = subprocess.run([py, os.path.join(ROOT, "ci", "pr_gate.py"), "--base-skbench", b("skbench_planted"),
                               "--base-portable", b("skbench_planted_portable"), "--head-skbench", b("skbench_planted"),
                               "--head-portable", b("skbench_planted_portable"), "--head-env", "SKB_PLANT=more_work",
                               "--filter", CASES, "--out", out], capture_output=True, text=True, timeout=1200)
        check(proc.returncode == 1, f"planted slowdown: exit 1 (got {proc.returncode}: {proc.stderr.strip()[-500:]})")
        junit = os.path.join(out, "junit.xml")
        failed, passed = set(), set()
        if os.path.exists(junit):
            for case in ET.parse(junit).getroot().iter("testcase"):
                (failed if case.find("failure") is not None else passed).add(case.get("name"))
        sobel_opt = {n for n in failed | passed if n.startswith("filters.sobel/opt")}
        check(bool(sobel_opt) and sobel_opt <= failed, f"REGRESSION on every filters.sobel/opt case ({sorted(failed)})")
        check(all(n.startswith("filters.sobel/opt") for n in failed), f"and on nothing else ({sorted(failed)})")
        check(any(n.startswith("color.rgb2gray") for n in passed), "rgb2gray's cases are there and pass")
        summary = open(os.path.join(out, "summary.md")).read() if os.path.exists(os.path.join(out, "summary.md")) else ""
        counts_at, rows_at = summary.find("| verdict | cases |"), summary.find("| case | check | verdict | detail |")
        check(summary.startswith("## skbench pr-gate: REGRESSION") and 0 < counts_at < rows_at,
              "summary.md: the verdict, its counts, then the flagged rows")
        wall = [line for line in summary.splitlines() if "filters.sobel/opt" in line and "wall" in line]
        print(f"     (the plant's wall-time rows: {wall or 'none'})")
        for name in ("report.html", "base.json", "head.json", "gate.json"):
            check(os.path.exists(os.path.join(out, name)), f"{name} written")

        # 3. nothing to time
        clean = subprocess.run(["git", "status", "--porcelain", "--untracked-files=normal"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip() == ""
        if clean:
            out = os.path.join(tmp, "none")
            proc = subprocess.run([py, os.path.join(ROOT, "ci", "pr_gate.py"), "--base", "HEAD", "--out", out],
                                  capture_output=True, text=True, timeout=600)
            check(proc.returncode == 0 and "Nothing to time" in proc.stdout and
                  not os.path.exists(os.path.join(out, "base.json")),
                  f"a change that touches no op: exit 0, nothing built or timed (got {proc.returncode})")
        else:
            checks.skip("the nothing-to-time run: this tree has changes against HEAD (CI's fresh clone has none)")

        # 4. bad input
        for extra, what in ((["--base", "no-such-ref-anywhere"], "an unknown base"),
                            (["--base", "HEAD", "--rounds", "0"], "--rounds 0"),
                            (["--base", "HEAD", "--filter", "("], "a bad --filter")):
            proc = subprocess.run([py, os.path.join(ROOT, "ci", "pr_gate.py"), *extra, "--out",
                                   os.path.join(tmp, "bad")], capture_output=True, text=True, timeout=120)
            check(proc.returncode == 2 and proc.stderr.count("\n") == 1, f"{what}: exit 2, one line ({proc.stderr.strip()})")

    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
