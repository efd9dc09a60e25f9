#!/usr/bin/env python3
"""The opt backend's issue-4 targets, computed from one `skbench bench --with-peers` results JSON (min of the
interleaved repetitions; each side at its fastest thread count unless a row says otherwise), printed as the README's Markdown table.

  bench/targets_table.py results.json [--threads 2]"""
import argparse
import json
import math
import sys


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("results")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    doc = json.load(open(args.results))
    best = {}  # (group, tool-or-backend, threads) -> min real time (ms)
    counters = {}
    for e in doc["benchmarks"]:
        if e.get("run_type") != "iteration" or e.get("error_occurred"):
            continue
        key = (e["group"], e["backend"], e["threads"])
        if key not in best or e["real_time"] < best[key]:
            best[key] = e["real_time"]
            counters[key] = e
    t = args.threads

    def time(group, who, threads=t):
        return best.get((group, who, threads))

    def fastest(group, who):  # over every thread count measured (OpenCV is often slower threaded)
        times = [v for (g, w, n), v in best.items() if g == group and w == who]
        return min(times) if times else None

    def ratio(group, peer, threads=None):
        """peer time / opt time: at one thread count, or (default) each at its fastest thread count."""
        a, b = (time(group, peer, threads), time(group, "opt", threads)) if threads else (fastest(group, peer), fastest(group, "opt"))
        return a / b if a and b else None

    def bw(group, threads=t):
        e = counters.get((group, "opt", threads))
        return e.get("bw_fraction") if e else None

    def fmt(x, suffix="x"):
        return "n/a" if x is None else f"{x:.2f}{suffix}"

    rows = []

    def row(target, measured, met):
        rows.append(f"| {target} | {measured} | {'n/a' if met is None else ('yes' if met else 'no')} |")

    g = "seed.gaussian3d/50x1104x1104/f32"
    cv = ratio(g, "opencv")
    sk = time(g, "skimage", 1) / time(g, "opt") if time(g, "skimage", 1) and time(g, "opt") else None
    row("seed.gaussian3d: <= 1/20 of scikit-image, <= 1/6 of OpenCV",
        f"1/{fmt(sk, '')} of scikit-image, 1/{fmt(cv, '')} of OpenCV", None if sk is None or cv is None else sk >= 20 and cv >= 6)
    g = "filters.gaussian:sigma=2/4096x4096/f32"
    r = ratio(g, "opencv")
    row("gaussian sigma=2 4096^2 f32: >= 2x cv2.GaussianBlur", f"{fmt(r)} (1 thread: {fmt(ratio(g, 'opencv', 1))})",
        None if r is None else r >= 2)
    g = "filters.sobel/4096x4096/f32"
    r, f = ratio(g, "opencv"), bw(g)
    row("sobel 4096^2 f32: >= 60% of STREAM, >= 5x cv2", f"{fmt(None if f is None else 100 * f, '%')} of STREAM, {fmt(r)}",
        None if r is None or f is None else r >= 5 and f >= 0.6)
    g = "filters.threshold_otsu/4096x4096/u8"
    r = ratio(g, "opencv")
    row("threshold_otsu 4096^2 u8: >= 3x cv2 THRESH_OTSU", fmt(r), None if r is None else r >= 3)
    g = "measure.label/4096x4096/b1"
    r = ratio(g, "opencv")
    row("label 8-connected 4096^2, ~30% blobs: >= cv2.connectedComponents", f"{fmt(r)} (1 thread: {fmt(ratio(g, 'opencv', 1))})",
        None if r is None else r >= 1)
    g = "morphology.binary_closing:footprint=square:3/4096x4096/b1"
    r = ratio(g, "opencv")
    row("binary closing square(3) 4096^2: >= cv2.morphologyEx", f"{fmt(r)} (1 thread: {fmt(ratio(g, 'opencv', 1))})",
        None if r is None else r >= 1)
    g = "morphology.erosion:footprint=cube:10/100x256x256/u8"
    r = ratio(g, "opencv")
    row("erosion cube(10) 100x256x256: >= OpenCV (per slice + axis 0)", f"{fmt(r)} (1 thread: {fmt(ratio(g, 'opencv', 1))})",
        None if r is None else r >= 1)
    g = "color.rgb2gray/4096x4096/u8"
    f = bw(g)
    row("rgb2gray 4096^2x3 u8 -> f32: >= 70% of STREAM", fmt(None if f is None else 100 * f, "%"),
        None if f is None else f >= 0.7)
    # Every group with ref and opt: opt (best thread count) over ref, geometric mean; thread efficiency; float64.
    groups = sorted({k[0] for k in best})
    speedups, efficiencies, f64 = [], [], 0.0
    for group in groups:
        ref = time(group, "ref", 1)
        opts = [time(group, "opt", n) for n in (1, t) if time(group, "opt", n)]
        if ref and opts:
            speedups.append(ref / min(opts))
        if time(group, "opt", 1) and time(group, "opt", t):
            efficiencies.append((group.split("/")[0], time(group, "opt", 1) / (t * time(group, "opt", t))))
        for n in (1, t):
            if (group, "opt", n) in counters:
                f64 += counters[(group, "opt", n)].get("f64_bytes", 0.0)
    geomean = math.exp(sum(map(math.log, speedups)) / len(speedups)) if speedups else None
    row("every op: opt >= 10x ref (geometric mean)", f"{fmt(geomean)} over {len(speedups)} cases",
        None if geomean is None else geomean >= 10)
    row("opt allocates no float64", f"{f64:.0f} bytes over every opt case", f64 == 0)
    eff = ", ".join(f"{name} {100 * e:.0f}%" for name, e in sorted(efficiencies, key=lambda x: -x[1]))
    row(f"1 -> {t} thread efficiency >= 85% on compute-bound ops", eff, None)
    print("| target (ratios: each side at its fastest thread count, up to %d) | measured | met |\n|---|---|---|" % t)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
