#!/usr/bin/env python3
"""The pull-request gate in one command: is the working tree (head) slower than a base commit?

  bash ci/pr-gate.sh --base origin/main [--filter REGEX] [--out results/pr-gate]

1. Builds head (the release preset of this tree) and base (the same preset of REF, in a git worktree kept in a
   build cache keyed by commit, preset and compiler: $SKB_PR_GATE_CACHE, else ~/.cache/skbench/pr-gate; a second
   run reuses it). Targets: skbench and skbench_portable (the build valgrind can run, for instruction counts).
2. Selects the cases the change can affect (files changed between REF and the working tree, untracked included):
   an op's own files (core/ops, reference, optimized, gpu: <category>/<op>.*) select that op; any other file of
   core/, bench/, cli/, reference/, optimized/, gpu/ or the build selects every op; docs, tests, golden data, CI
   scripts, the Python package, gate and report select nothing (exit 0, nothing to time). Always the quick sizes
   (256^2, 1024^2, 64^3), 1 thread; --filter (a regular expression searched in case names) overrides.
3. Times base and head side by side (ci/interleaved_bench.py: --rounds fresh pairs of processes pinned to one CPU,
   taking turns repetition by repetition), adds callgrind instruction counts of the selected ops for both sides
   (ci/instruction_counts.py, each side's skbench_portable), and gates head against base with skbench gate: wall
   time (Mann-Whitney, effect), bytes, float64, peak, dtypes, instructions.
4. Writes into --out: summary.md (a pull-request comment: verdict counts first, then the REGRESSION and AMBIGUOUS
   rows with their effect and p-value), report.html (base and head as two columns), junit.xml (one testcase per
   gated case, a failure for each REGRESSION), gate.json, and both sides' results (base.json, head.json).

Exit codes, as skbench gate's: 0 pass (AMBIGUOUS warns only), 1 regression, 2 bad input or usage, 3 internal
error (a build or a run failed), 4 infrastructure problem.

Prebuilt sides (tests, or binaries from elsewhere): --base-skbench/--head-skbench instead of building, with
--base-portable/--head-portable for instruction counts (left out without them), --head-env NAME=VALUE for the
head side's processes (the planted-slowdown test: SKB_PLANT=more_work)."""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import interleaved_bench  # noqa: E402

EXIT_BAD_INPUT, EXIT_INTERNAL = 2, 3
OP_DIRS = ("core/ops/", "reference/", "optimized/", "gpu/")
# Code that every case runs through: the engine, the bench harness, the command line, the build.
EVERYTHING = ("core/", "bench/", "cli/", "reference/", "optimized/", "gpu/", "CMakeLists.txt", "CMakePresets.json",
              "cmake/")
# What cannot change a measurement of ours (the peers' runner is theirs, not ours).
NOTHING = ("docs/", "tests/", "golden/", "ci/", ".ci/", "python/", "gate/", "report/", "memory-tests/",
           "bench/peers/", "bench/python/", "README.md", "pyproject.toml", ".gitignore", ".clang")


class Failure(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def log(message):
    print(f"pr-gate: {message}", file=sys.stderr, flush=True)


def git(*args, cwd=ROOT):
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(EXIT_BAD_INPUT, f"git {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout


def select_cases(changed, ops):
    """(filter regex or None for every case, or "" for nothing; the reason in words) for the changed paths."""
    selected, everything = set(), []
    for path in changed:
        if path.startswith(NOTHING) or path == "":
            continue
        op_file = next((d for d in OP_DIRS if path.startswith(d)), None)
        if op_file:
            # <category>/<stem>.*: the op of that name, and the ops named <stem>_* (a family's file: binary.cpp holds
            # binary_erosion and the rest; hessian_matrix.cpp also hessian_matrix_eigvals). Any other file there
            # (a helper several ops share) counts as shared code.
            parts = path[len(op_file):].split("/")
            if len(parts) == 2:
                stem = parts[0] + "." + parts[1].split(".", 1)[0]
                family = {op for op in ops if op == stem or op.startswith(stem + "_")}
                if family:
                    selected |= family
                    continue
        if path.startswith(EVERYTHING) or "/" not in path:
            everything.append(path)
    if everything:
        shown = ", ".join(everything[:3]) + (f" and {len(everything) - 3} more" if len(everything) > 3 else "")
        return None, f"every op (shared code changed: {shown})"
    if not selected:
        return "", "no op's code changed"
    names = sorted(selected)
    return ("^(" + "|".join(re.escape(op) for op in names) + ")/"), "the changed ops: " + ", ".join(names)


def compiler_key():
    parts = []
    for cmd in (["c++", "--version"], ["nvcc", "--version"]):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()
            parts.append(out[0] + (out[-1] if len(out) > 1 else ""))
        except OSError:
            parts.append("none")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:10]


def build(source, venv_python, targets=("skbench", "skbench_portable")):
    """The release preset of `source`, the given targets; returns its bin directory."""
    configure = ["cmake", "--preset", "release"]
    if venv_python and os.path.exists(venv_python):
        configure.append(f"-DSKB_VENV_PYTHON={venv_python}")  # a worktree has no .venv of its own
    for cmd in (configure, ["cmake", "--build", "--preset", "release", "--target", *targets]):
        proc = subprocess.run(cmd, cwd=source, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise Failure(EXIT_INTERNAL, f"{' '.join(cmd)} in {source} failed:\n{proc.stdout[-3000:]}")
    return os.path.join(source, "build", "release", "bin")


def base_build(sha, cache_root, venv_python):
    """The base commit's bin directory, from the cache or built into it (a worktree of this repository)."""
    key = f"{sha[:12]}-release-{compiler_key()}"
    entry = os.path.join(cache_root, key)
    source, done = os.path.join(entry, "src"), os.path.join(entry, "complete")
    if os.path.exists(done):
        log(f"base {sha[:12]}: cached build {entry}")
        return os.path.join(source, "build", "release", "bin")
    if os.path.exists(entry):  # an interrupted build: start it again
        subprocess.run(["git", "worktree", "remove", "--force", source], cwd=ROOT, capture_output=True)
        shutil.rmtree(entry, ignore_errors=True)
        git("worktree", "prune")
    os.makedirs(entry)
    git("worktree", "add", "--detach", source, sha)
    started = time.monotonic()
    log(f"base {sha[:12]}: building into {entry} (cached for the next run)")
    bin_dir = build(source, venv_python)
    open(done, "w").write(f"built in {time.monotonic() - started:.0f} s\n")
    return bin_dir


def changed_paths(sha):
    paths = git("diff", "--name-only", sha).splitlines()
    paths += git("ls-files", "--others", "--exclude-standard").splitlines()
    return sorted(set(paths))


def known_ops(root=ROOT):
    """Every op id, from the golden descriptors (golden/ops/<category>/<op>.py, one per op; the descriptors_match_registry
    test holds them to the registry): known before anything is built."""
    ops = set()
    base = os.path.join(root, "golden", "ops")
    for category in os.listdir(base):
        if os.path.isdir(os.path.join(base, category)):
            ops |= {f"{category}.{name[:-3]}" for name in os.listdir(os.path.join(base, category))
                    if name.endswith(".py") and not name.startswith("_")}
    return ops


def ops_in_filter(skbench, bench_filter):
    """The ops whose quick cases the filter selects (for instruction counts)."""
    args = [skbench, "bench", "--quick", "--threads", "1", "--list"] + (["--filter", bench_filter] if bench_filter else [])
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        raise Failure(EXIT_BAD_INPUT, f"--filter {bench_filter}: {proc.stderr.strip()}")
    names = proc.stdout.split()
    return names, sorted({n.split("/", 1)[0].split(":", 1)[0] for n in names})


def count_instructions(portable, results, ops, env):
    if not portable or not ops:
        return False
    cmd = [sys.executable, os.path.join(HERE, "instruction_counts.py"), "--skbench", portable, "--into", results]
    golden_ops = [op for op in ops if "." in op and not op.startswith(("seed.", "pipeline."))]
    for op in golden_ops:
        cmd += ["--op", op]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise Failure(EXIT_INTERNAL, f"instruction counts with {portable} failed: {proc.stderr.strip()[-1500:]}")
    return True


def write_junit(path, gate_doc, suite_name):
    """One testcase per gated case; a REGRESSION is a failure, AMBIGUOUS is said in system-out."""
    by_case = {}
    for f in gate_doc.get("findings", []):
        by_case.setdefault(f["case"], []).append(f)
    suite = ET.Element("testsuite", name=suite_name)
    failures = 0
    for name, verdict in sorted(gate_doc.get("cases", {}).items()):
        case = ET.SubElement(suite, "testcase", classname=name.split("/", 1)[0], name=name)
        findings = by_case.get(name, [])
        bad = [f for f in findings if f["verdict"] == "REGRESSION"]
        if bad:
            failures += 1
            failure = ET.SubElement(case, "failure", message="; ".join(f"{f['check']}: {f['detail']}" for f in bad),
                                    type="REGRESSION")
            failure.text = "\n".join(f"{f['check']} {f['verdict']}: {f['detail']}" for f in findings)
        elif findings:
            ET.SubElement(case, "system-out").text = "\n".join(
                f"{f['check']} {f['verdict']}: {f['detail']}" for f in findings)
    for problem in gate_doc.get("infrastructure", []):
        case = ET.SubElement(suite, "testcase", classname="infrastructure", name="infrastructure")
        ET.SubElement(case, "error", message=problem, type="INFRASTRUCTURE")
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(failures))
    suite.set("errors", str(len(gate_doc.get("infrastructure", []))))
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def name_base_commit(results_path, sha):
    """A base build restored from a CI cache into a fresh clone cannot ask git for its commit (the cache holds the
    worktree's directory, not the clone's .git/worktrees entry that its .git file points to), so skbench records
    git_sha "unknown"; the cache entry is keyed by that commit, which is written in instead."""
    with open(results_path) as f:
        doc = json.load(f)
    context = doc.get("context", {})
    if context.get("git_sha") == "unknown":
        context["git_sha"] = sha[:12]
        write_atomic(results_path, json.dumps(doc, indent=1))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", help="the base commit (a branch, tag or sha); required unless --base-skbench")
    p.add_argument("--filter", help="only cases whose name this regular expression finds (overrides the selection)")
    p.add_argument("--out", default=os.path.join(ROOT, "results", "pr-gate"))
    p.add_argument("--rounds", type=int, default=9, help="pairs of processes per side (wall time needs >= 9)")
    p.add_argument("--cpus", type=interleaved_bench.parse_cpus, help="CPU(s) both sides are pinned to")
    p.add_argument("--cache", default=os.environ.get("SKB_PR_GATE_CACHE",
                                                     os.path.expanduser("~/.cache/skbench/pr-gate")))
    p.add_argument("--base-skbench", help="a prebuilt base skbench (no base build)")
    p.add_argument("--base-portable", help="its skbench_portable, for instruction counts")
    p.add_argument("--head-skbench", help="a prebuilt head skbench (no head build)")
    p.add_argument("--head-portable", help="its skbench_portable, for instruction counts")
    p.add_argument("--head-env", action="append", default=[], metavar="NAME=VALUE",
                   help="environment of the head side's processes (repeatable)")
    args = p.parse_args()
    started = time.monotonic()
    try:
        if not args.base and not args.base_skbench:
            raise Failure(EXIT_BAD_INPUT, "--base REF is required (or a prebuilt --base-skbench)")
        if args.rounds < 1:
            raise Failure(EXIT_BAD_INPUT, f"--rounds {args.rounds}: must be at least 1")
        head_env = dict(os.environ)
        for item in args.head_env:
            name, eq, value = item.partition("=")
            if not eq or not name:
                raise Failure(EXIT_BAD_INPUT, f"--head-env {item}: expected NAME=VALUE")
            head_env[name] = value
        base_env = {k: v for k, v in os.environ.items() if k not in dict(i.partition("=")[::2] for i in args.head_env)}
        if args.filter is not None:
            try:
                re.compile(args.filter)
            except re.error as e:
                raise Failure(EXIT_BAD_INPUT, f"--filter {args.filter}: not a regular expression ({e})")
        os.makedirs(args.out, exist_ok=True)
        venv_python = os.path.join(ROOT, ".venv", "bin", "python")

        sha = ""
        if args.base:
            proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.base}^{{commit}}"], cwd=ROOT,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                raise Failure(EXIT_BAD_INPUT, f"--base {args.base}: not a commit of this repository (fetch it first: "
                                              f"git fetch origin; CI checkouts need their history, fetch-depth 0)")
            sha = proc.stdout.strip()

        # 1. the cases the change can affect (before building: a change to docs builds nothing)
        if args.filter is not None:
            bench_filter, reason = args.filter, f"--filter {args.filter}"
        elif sha:
            bench_filter, reason = select_cases(changed_paths(sha), known_ops())
        else:
            raise Failure(EXIT_BAD_INPUT, "prebuilt sides without --base need --filter (nothing to diff against)")
        summary_path = os.path.join(args.out, "summary.md")
        if bench_filter == "":
            write_atomic(summary_path, f"## skbench pr-gate: pass\n\nNothing to time: {reason} (against "
                                       f"`{args.base}` {sha[:12]}).\n")
            write_junit(os.path.join(args.out, "junit.xml"), {"cases": {}}, "skbench pr-gate")
            log(f"nothing to time: {reason}")
            print(open(summary_path).read())
            return 0

        # 2. builds
        if args.head_skbench:
            head, head_portable = args.head_skbench, args.head_portable
        else:
            log("head: building the release preset of this tree")
            head_bin = build(ROOT, venv_python)
            head, head_portable = os.path.join(head_bin, "skbench"), os.path.join(head_bin, "skbench_portable")
        if args.base_skbench:
            base, base_portable = args.base_skbench, args.base_portable
        else:
            base_bin = base_build(sha, args.cache, venv_python)
            base, base_portable = os.path.join(base_bin, "skbench"), os.path.join(base_bin, "skbench_portable")
        build_s = time.monotonic() - started

        # 3. timing, instruction counts, gate
        cases, ops = ops_in_filter(head, bench_filter)
        if not cases:
            raise Failure(EXIT_BAD_INPUT, f"no case matches ({reason})")
        log(f"{len(cases)} cases ({reason}), {args.rounds} rounds side by side")

        base_json, head_json = os.path.join(args.out, "base.json"), os.path.join(args.out, "head.json")
        bench_args = ["--quick", "--threads", "1", "--repetitions", "1", "--min-time", "0.02"]
        if bench_filter:
            bench_args += ["--filter", bench_filter]
        codes = interleaved_bench.run_pair(base, head, base_json, head_json, bench_args, rounds=args.rounds,
                                           cpus=args.cpus, env=base_env, quiet=True, current_env=head_env)
        if any(codes):
            raise Failure(EXIT_INTERNAL, f"the side-by-side bench failed: base exit {codes[0]}, head exit {codes[1]} "
                                         f"(rerun one side: {head} bench {' '.join(bench_args)})")
        if sha and not args.base_skbench:
            name_base_commit(base_json, sha)
        counted = count_instructions(base_portable, base_json, ops, base_env) and \
            count_instructions(head_portable, head_json, ops, head_env)
        gate_json, gate_md = os.path.join(args.out, "gate.json"), os.path.join(args.out, "gate.md")
        proc = subprocess.run([head, "gate", "--baseline", base_json, "--current", head_json, "--json", gate_json,
                               "--md", gate_md], capture_output=True, text=True)
        if proc.returncode not in (0, 1, 4) or not os.path.exists(gate_json):
            raise Failure(proc.returncode or EXIT_INTERNAL, f"skbench gate failed: {proc.stderr.strip()}")
        gate_doc = json.load(open(gate_json))
        write_junit(os.path.join(args.out, "junit.xml"), gate_doc, "skbench pr-gate")
        report = subprocess.run([head, "report", base_json, head_json, "--html", os.path.join(args.out, "report.html")],
                                capture_output=True, text=True)
        if report.returncode != 0:
            log(f"report failed (the verdicts stand): {report.stderr.strip()}")

        # 4. the pull-request comment: the gate's counts and flagged rows, with what was compared
        gate_text = open(gate_md).read()
        verdict = {0: "pass", 1: "REGRESSION", 4: "infrastructure problem"}[proc.returncode]
        body = gate_text.split("\n", 2)[2] if gate_text.startswith("### ") else gate_text
        total_s = time.monotonic() - started
        header = (f"## skbench pr-gate: {verdict}\n\nHead against base `{args.base or base}`"
                  f"{' (' + sha[:12] + ')' if sha else ''}: {len(cases)} cases, {reason}; 1 thread, quick sizes, "
                  f"{args.rounds} rounds side by side; instruction counts "
                  f"{'for ' + ', '.join(ops) if counted else 'left out (no skbench_portable)'}. "
                  f"{total_s:.0f} s ({build_s:.0f} s building).\n\n")
        write_atomic(summary_path, header + body)
        print(header + body)
        return proc.returncode
    except Failure as e:
        print(f"pr-gate: error: {e}", file=sys.stderr)
        return e.code


if __name__ == "__main__":
    sys.exit(main())
