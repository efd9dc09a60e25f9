#!/usr/bin/env python3
"""The history store survives kill -9 in the middle of `skbench record`: each record is killed just after it starts
writing (its write-ahead log grows), and after every kill the SQLite file passes its integrity check, holds only
complete runs (each run's case rows match its declared case count), and keeps every run recorded before.
Exit 0 on success, 1 with a message on failure."""
import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time


def big_results(path, cases):
    context = {"build_type": "Release", "results_valid": True, "cpu_model": "Kill Test CPU", "hardware_threads": 2,
               "compiler": "GNU 12.2.0", "cxx_flags": "-O3", "git_sha": "test", "stream_triad_GBps": 30.0}
    entries = []
    for i in range(cases):
        name = f"filters.gaussian/opt/{i}x{i}/float32/threads:1"
        for rep in range(9):
            entries.append({"name": name, "run_type": "iteration", "tool": "skbench", "op": "filters.gaussian",
                            "workload": "filters.gaussian", "backend": "opt", "dtype": "float32",
                            "output_dtype": "float32", "threads": 1, "pixels": i * i, "shape": [i, i],
                            "real_time": 1.0 + rep * 0.01, "f64_bytes": 0.0, "peak_bytes": 8.0 * i * i})
    with open(path, "w") as f:
        json.dump({"context": context, "benchmarks": entries}, f)


def check_store(db):
    con = sqlite3.connect(db)
    try:
        if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise AssertionError("integrity_check failed")
        runs = con.execute("SELECT id, cases FROM runs").fetchall()
        for run_id, declared in runs:
            stored = con.execute("SELECT count(*) FROM cases WHERE run_id = ?", (run_id,)).fetchone()[0]
            timings = con.execute("SELECT count(*) FROM measurements WHERE run_id = ? AND metric = 'real_time_ms'",
                                  (run_id,)).fetchone()[0]
            if stored != declared or timings != declared:
                raise AssertionError(f"run {run_id} is partial: {stored} cases, {timings} timings, {declared} declared")
        return len(runs)
    finally:
        con.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skbench", required=True)
    parser.add_argument("--kills", type=int, default=12)
    args = parser.parse_args()
    random.seed(7)
    with tempfile.TemporaryDirectory() as tmp:
        results, db = os.path.join(tmp, "big.json"), os.path.join(tmp, "history.sqlite")
        big_results(results, 4000)
        start = time.monotonic()
        subprocess.run([args.skbench, "record", results, "--db", db], check=True, stdout=subprocess.DEVNULL)
        full = time.monotonic() - start
        expected_runs = 1
        killed_mid_write = 0
        wal = db + "-wal"
        for _ in range(args.kills):
            proc = subprocess.Popen([args.skbench, "record", results, "--db", db], stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + 10 * full + 5
            while proc.poll() is None and time.monotonic() < deadline:  # wait for the transaction's first pages
                if os.path.exists(wal) and os.path.getsize(wal) > 0:
                    break
                time.sleep(0.0005)
            time.sleep(random.uniform(0, 0.01))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed_mid_write += 1
            proc.wait()
            runs = check_store(db)
            # A kill after COMMIT but before exit leaves that run recorded, complete; anything else leaves none.
            committed = runs - expected_runs
            if committed not in (0, 1) or (proc.returncode == 0 and committed != 1):
                raise AssertionError(f"{runs} runs in the store after a record that exited {proc.returncode}, "
                                     f"expected {expected_runs} or {expected_runs + 1}")
            expected_runs = runs
        if killed_mid_write < args.kills // 2:
            raise AssertionError(f"only {killed_mid_write} of {args.kills} records were killed mid-write; "
                                 "the test did not exercise what it claims")
        print(f"history_kill: {killed_mid_write} records killed mid-write (a full record takes {full:.2f} s); "
              f"the store kept {expected_runs} complete runs and passed integrity_check every time")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"history_kill: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
