#!/usr/bin/env python3
"""The whole-matrix view of one `skbench bench --with-peers` results file: for every cell (op x size x dtype) opt's
time at each thread count against OpenCV's and scikit-image's, the counts of cells that miss issue 13's three
targets, and the weakest cells of each kind. Times are each case's `min` aggregate (interleaved repetitions).

Targets, per cell: opt (at its fastest thread count) at least as fast as OpenCV (at its fastest) where OpenCV has
the op; opt at least 5x scikit-image; opt's speed at its largest thread count at least 0.95x its speed at 1 thread.

Usage: ci/matrix_cells.py RESULTS.json [--md] [--worst N]
Exit status: 0 (a report, not a gate: the targets are for benchmarks, not assertions), 2 on an unreadable file.
Standard library only.
"""
import argparse
import json
import math
import sys
from collections import defaultdict


def load_cells(path):
    with open(path) as f:
        results = json.load(f)
    times = defaultdict(dict)  # group -> {(tool, threads): ms}
    for b in results.get("benchmarks", []):
        if b.get("aggregate_name") != "min":
            continue
        tool = b["name"].split("/")[1]
        times[b["group"]][(tool, int(b.get("threads", 1)))] = float(b["real_time"])
    return times


def fastest(cell, tool):
    values = [ms for (t, _), ms in cell.items() if t == tool]
    return min(values) if values else None


def thread_times(cell, tool):
    return {threads: ms for (t, threads), ms in cell.items() if t == tool}


def analyse(times):
    rows = []
    for group, cell in sorted(times.items()):
        opt = thread_times(cell, "opt")
        if not opt:
            continue
        best = min(opt.values())
        most = max(opt)
        rows.append({
            "cell": group,
            "opt_ms": best,
            "opt_by_threads": opt,
            "scaling": opt[1] / opt[most] if 1 in opt and most > 1 else None,  # speed at most threads / at 1
            "vs_opencv": (fastest(cell, "opencv") / best) if fastest(cell, "opencv") else None,
            "vs_skimage": (fastest(cell, "skimage") / best) if fastest(cell, "skimage") else None,
        })
    return rows


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def fmt_threads(row):
    return ", ".join(f"{t}: {ms:.3f}" for t, ms in sorted(row["opt_by_threads"].items()))


def report(rows, worst, markdown):
    opencv = [r for r in rows if r["vs_opencv"] is not None]
    skimage = [r for r in rows if r["vs_skimage"] is not None]
    scaling = [r for r in rows if r["scaling"] is not None]
    behind_opencv = [r for r in opencv if r["vs_opencv"] < 1.0]
    under_5x = [r for r in skimage if r["vs_skimage"] < 5.0]
    slower_threads = [r for r in scaling if r["scaling"] < 0.95]
    out = []
    out.append(f"{len(rows)} cells; opt behind OpenCV in {len(behind_opencv)} of {len(opencv)} "
               f"(geometric mean {geomean(r['vs_opencv'] for r in opencv):.2f}x OpenCV); "
               f"under 5x scikit-image in {len(under_5x)} of {len(skimage)}; "
               f"more threads under 0.95x of 1 thread's speed in {len(slower_threads)} of {len(scaling)}")

    def table(title, selected, key, label):
        selected = sorted(selected, key=key)[:worst]
        if not selected:
            return
        out.append("")
        out.append(title)
        if markdown:
            out.append(f"| cell | {label} | opt ms by threads | vs OpenCV | vs scikit-image |")
            out.append("|---|---|---|---|---|")
        for r in selected:
            cv = f"{r['vs_opencv']:.2f}x" if r["vs_opencv"] is not None else "-"
            sk = f"{r['vs_skimage']:.1f}x" if r["vs_skimage"] is not None else "-"
            value = key(r)
            if markdown:
                out.append(f"| {r['cell']} | {value:.2f} | {fmt_threads(r)} | {cv} | {sk} |")
            else:
                out.append(f"  {r['cell']:<48} {label} {value:6.2f}   opt ms {fmt_threads(r):<28} "
                           f"vs OpenCV {cv:>7}  vs scikit-image {sk:>7}")

    table("Weakest against OpenCV (opt speed / OpenCV speed, each at its fastest thread count):", opencv,
          lambda r: r["vs_opencv"], "x OpenCV")
    table("Weakest against scikit-image (speed-up, target 5x):", skimage, lambda r: r["vs_skimage"],
          "x scikit-image")
    table("Weakest thread scaling (speed at most threads / at 1 thread, target >= 0.95):", scaling,
          lambda r: r["scaling"], "scaling")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("results")
    parser.add_argument("--md", action="store_true", help="Markdown tables")
    parser.add_argument("--worst", type=int, default=10, help="rows per table (default 10)")
    args = parser.parse_args()
    try:
        times = load_cells(args.results)
    except (OSError, ValueError, KeyError) as e:
        print(f"matrix_cells: cannot read {args.results}: {e}", file=sys.stderr)
        return 2
    print(report(analyse(times), args.worst, args.md))
    return 0


if __name__ == "__main__":
    sys.exit(main())
