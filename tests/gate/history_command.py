#!/usr/bin/env python3
"""skbench history, the fleet questions, on a store of the report test's fixtures (real runs of one machine, a,
twice; and one with its context rewritten to a second machine, b), recorded in the order a-1, b, a-2:

- the machines table: each machine's run count, newest run and its commit (text and --json), --machine filters;
- --case REGEX: each matching case's trend over the machine's last runs, oldest first, the fastest repetition of
  each run equal to the fixture's own minimum; --last 1 keeps the newest run only;
- refusals with exit 2 and one line: no store at the path, a bad regular expression, a case or machine the store
  does not hold.
Exit 0 on success, 1 with messages on failure."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checklist import Checklist  # noqa: E402

CASE = "color.rgb2gray/opt/256x256/u8/threads:1"


def fixture_min_ms(path, case):
    doc = json.load(open(path))
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    times = [e["real_time"] * scale[e.get("time_unit", "ms")] for e in doc["benchmarks"]
             if e["name"] == case and e.get("run_type") == "iteration" and not e.get("error_occurred")]
    return min(times)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--skbench", required=True)
    p.add_argument("--fixtures", required=True)
    args = p.parse_args()
    fx = lambda name: os.path.join(args.fixtures, name)
    checks = Checklist("history_command")
    check = checks.check

    def history(*argv):
        return subprocess.run([args.skbench, "history", *argv], capture_output=True, text=True, timeout=120)

    def fingerprint(path):
        out = subprocess.run([args.skbench, "gate", "--fingerprint", "--current", path], capture_output=True,
                             text=True, check=True).stdout
        return dict(line.split(None, 1) for line in out.splitlines())["machine"].strip()

    machine_a, machine_b = fingerprint(fx("a-1.json")), fingerprint(fx("b.json"))
    check(machine_a != machine_b, "the fixtures are two machines")
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "history.sqlite")
        for name in ("a-1.json", "b.json", "a-2.json"):
            subprocess.run([args.skbench, "record", "--db", db, fx(name)], check=True, stdout=subprocess.DEVNULL)

        proc = history("--db", db, "--json")
        check(proc.returncode == 0, f"history --json exits 0 ({proc.stderr.strip()})")
        machines = {m["machine"]: m for m in json.loads(proc.stdout)["machines"]} if proc.returncode == 0 else {}
        a, b = machines.get(machine_a), machines.get(machine_b)
        sha = lambda name: json.load(open(fx(name)))["context"]["git_sha"]
        check(a is not None and a["runs"] == 2 and a["newest"]["run"] == 3 and a["newest"]["git_sha"] == sha("a-2.json"),
              f"machine a: 2 runs, newest run 3 with its commit ({a})")
        check(b is not None and b["runs"] == 1 and b["newest"]["run"] == 2, f"machine b: 1 run, newest run 2 ({b})")

        proc = history("--db", db)
        rows = [line for line in proc.stdout.splitlines() if line.startswith((machine_a, machine_b))]
        check(proc.returncode == 0 and len(rows) == 2 and "3 runs from 2 machines" in proc.stdout,
              "the text table has one row per machine and the totals")
        proc = history("--db", db, "--machine", machine_b)
        check(proc.returncode == 0 and machine_b in proc.stdout and machine_a not in proc.stdout,
              "--machine keeps that machine only")

        proc = history("--db", db, "--case", "^" + CASE.replace(".", r"\.") + "$", "--json")
        check(proc.returncode == 0, f"history --case exits 0 ({proc.stderr.strip()})")
        trends = {t["machine"]: t for t in json.loads(proc.stdout)["trends"]} if proc.returncode == 0 else {}
        points = [pt["min_ms"] for pt in trends.get(machine_a, {}).get("points", [])]
        want = [fixture_min_ms(fx("a-1.json"), CASE), fixture_min_ms(fx("a-2.json"), CASE)]
        check(len(points) == 2 and all(abs(x - y) <= 1e-9 * y for x, y in zip(points, want)),
              f"machine a's trend is each run's fastest repetition, oldest first ({points} vs {want})")
        check(machine_b in trends and len(trends[machine_b]["points"]) == 1, "machine b has its one point")

        proc = history("--db", db, "--case", CASE, "--last", "1", "--machine", machine_a, "--json")
        got = json.loads(proc.stdout)["trends"] if proc.returncode == 0 else []
        check(len(got) == 1 and [pt["run"] for pt in got[0]["points"]] == [3], "--last 1 keeps the newest run")

        proc = history("--db", db, "--case", "rgb2gray/opt/")
        check(proc.returncode == 0 and "vs previous" in proc.stdout and "%" in proc.stdout,
              "the text trend shows the change against the previous run")

        for argv, what in ((["--db", os.path.join(tmp, "missing.sqlite")], "a store that does not exist"),
                           (["--db", db, "--case", "("], "a bad regular expression"),
                           (["--db", db, "--case", "no-such-op"], "a case the store does not hold"),
                           (["--db", db, "--case", "rgb2gray", "--machine", "nowhere-1t-0"], "an unknown machine")):
            proc = history(*argv)
            check(proc.returncode == 2 and proc.stderr.count("\n") == 1 and proc.stdout == "",
                  f"{what}: exit 2, one line ({proc.stderr.strip()})")
        check(not os.path.exists(os.path.join(tmp, "missing.sqlite")), "a missing store is not created")

    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
