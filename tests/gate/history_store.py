#!/usr/bin/env python3
"""The history store under concurrent writers and against files that are not ours.

1. Concurrent record: several `skbench record` processes (CI jobs finishing together) write one store at once,
   released together, over several rounds (the first round creates the store). Every process exits 0, every run
   lands exactly once and complete, and nobody reports "database is locked".
2. Refusals: a text file, another program's SQLite database and a corrupted copy of a good store, each given as
   --db to `record` and as an input to `report`, are refused with exit 2 and one line on stderr naming the file;
   the file's bytes stay the same and no -wal / -shm file appears beside it.
Exit 0 on success, 1 with messages on failure."""
import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time


def results_file(path, tag, cases):
    context = {"build_type": "Release", "results_valid": True, "cpu_model": "Concurrency Test CPU",
               "hardware_threads": 2, "compiler": "GNU 12.2.0", "cxx_flags": "-O3", "git_sha": tag,
               "stream_triad_GBps": 30.0}
    entries = []
    for i in range(cases):
        for rep in range(5):
            entries.append({"name": f"filters.gaussian/opt/{i + 8}x{i + 8}/float32/threads:1", "run_type": "iteration",
                            "tool": "skbench", "op": "filters.gaussian", "workload": "filters.gaussian",
                            "backend": "opt", "dtype": "float32", "output_dtype": "float32", "threads": 1,
                            "pixels": (i + 8) ** 2, "shape": [i + 8, i + 8], "real_time": 1.0 + rep * 0.01,
                            "f64_bytes": 0.0, "peak_bytes": 1024.0})
    with open(path, "w") as f:
        json.dump({"context": context, "benchmarks": entries}, f)


def run_together(commands, go):
    """Starts every command waiting for the file `go`, creates it so they start at once; (exit, stderr) of each."""
    procs = [subprocess.Popen(["sh", "-c", f'while [ ! -e "{go}" ]; do sleep 0.001; done; exec "$0" "$@"', *cmd],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for cmd in commands]
    time.sleep(0.3)
    open(go, "w").close()
    results = []
    for p in procs:
        _, err = p.communicate(timeout=300)
        results.append((p.returncode, err))
    return results


def concurrent_problems(skbench, tmp, writers, rounds):
    problems = []
    db = os.path.join(tmp, "shared.sqlite")
    inputs = []
    for w in range(writers):
        path = os.path.join(tmp, f"writer{w}.json")
        results_file(path, f"writer{w}", 2000)
        inputs.append(path)
    for r in range(rounds):
        # Each writer waits for the same file to appear, so all start their transactions together.
        results = run_together([[skbench, "record", "--db", db, path] for path in inputs], os.path.join(tmp, f"go{r}"))
        for w, (returncode, err) in enumerate(results):
            if returncode != 0:
                problems.append(f"round {r}, writer {w}: exit {returncode}: {err.strip()}")
            if "locked" in err or "busy" in err:
                problems.append(f"round {r}, writer {w}: {err.strip()}")
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT git_sha, cases, id FROM runs").fetchall()
        per_writer = {f"writer{w}": 0 for w in range(writers)}
        for sha, declared, run_id in rows:
            per_writer[sha] = per_writer.get(sha, 0) + 1
            stored = con.execute("SELECT count(*) FROM cases WHERE run_id = ?", (run_id,)).fetchone()[0]
            if stored != declared:
                problems.append(f"run {run_id} ({sha}) is partial: {stored} of {declared} cases")
        for sha, count in per_writer.items():
            if count != rounds:
                problems.append(f"{sha}: {count} runs stored, {rounds} recorded")
        if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("integrity_check failed after the concurrent rounds")
    finally:
        con.close()
    print(f"history_store: {writers} writers x {rounds} rounds at once: {len(rows)} runs stored")
    return problems, db


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def refusal_problems(skbench, tmp, good_db, some_results):
    problems = []
    text_file = os.path.join(tmp, "notes.txt")
    with open(text_file, "w") as f:
        f.write("not a database\n" * 100)
    foreign = os.path.join(tmp, "foreign.sqlite")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT)")
    con.execute("INSERT INTO accounts(owner) VALUES ('someone')")
    con.commit()
    con.close()
    corrupted = os.path.join(tmp, "corrupted.sqlite")
    con = sqlite3.connect(good_db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # every page in the main file, so the copy is the whole store
    con.close()
    shutil.copyfile(good_db, corrupted)
    with open(corrupted, "r+b") as f:  # overwrite pages past the first (the schema page stays readable)
        size = os.path.getsize(corrupted)
        for offset in range(8192, size, 8192):
            f.seek(offset)
            f.write(b"\xa5" * 1024)
    cases = [("text file", text_file), ("foreign SQLite database", foreign), ("corrupted store", corrupted)]
    for what, path in cases:
        before = digest(path)
        for cmd in (["record", "--db", path, some_results], ["report", path, "--md", os.path.join(tmp, "r.md")]):
            p = subprocess.run([skbench, *cmd], capture_output=True, text=True, timeout=120)
            err = p.stderr.strip()
            if p.returncode != 2:
                problems.append(f"{what}: `skbench {cmd[0]}` exit {p.returncode}, expected 2 ({err})")
            elif len(err.splitlines()) != 1 or path not in err:
                problems.append(f"{what}: `skbench {cmd[0]}` should say one line naming the file, said: {err!r}")
            else:
                print(f"history_store: {what}: {cmd[0]}: {err}")
        if digest(path) != before:
            problems.append(f"{what}: the file changed")
        for suffix in ("-wal", "-shm", "-journal"):
            if os.path.exists(path + suffix):
                problems.append(f"{what}: {os.path.basename(path + suffix)} appeared beside it")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skbench", required=True)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        problems, db = concurrent_problems(args.skbench, tmp, args.writers, args.rounds)
        problems += refusal_problems(args.skbench, tmp, db, os.path.join(tmp, "writer0.json"))
    for p in problems:
        print("FAIL:", p)
    print("history_store:", "FAILED" if problems else "ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
