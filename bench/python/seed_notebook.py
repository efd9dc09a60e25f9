"""The seed notebook (shared/seeds/001: scikit-image's gaussian over a Dask array) redone, and the Python API's
call overhead per op. Ratios are taken side by side in one run: the rows are interleaved, min of N.

Rows, on a 50x1104x1104 float32 volume, sigma 3: scikit-image and skbench opt in-process; Dask + scikit-image
(4 chunks, depth 9, as the notebook) and Dask + skbench (skbench.dask, 4 chunks, depth from the op: 12) on one
2-worker LocalCluster, each twice: as the notebook (the volume in the client, the result gathered back: mostly
moving 2 x 240 MB between processes) and with the data on the cluster (persisted there, as a real cluster loads it).
Wall time and CPU utilization (CPU seconds of the client and the workers / wall / cores) per row.

Overhead: per op at 1024^2 (the benchmark suite's synthetic inputs), the API call against the C++ call alone
(_skbench.time_op), min of N each. out=: page faults and time of a call writing into a reused array against one
that returns a fresh result, at 4096^2.

  .venv/bin/python bench/python/seed_notebook.py --out results/python-seed.json --md results/python-seed.md
"""
import argparse
import json
import os
import pathlib
import resource
import sys
import time

import numpy as np

import skbench
from skbench import _skbench

SHAPE = (50, 1104, 1104)
SIGMA = 3.0


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _worker_cpu(client):
    return sum(client.run(_cpu_seconds).values()) if client is not None else 0.0


def seed_rows(repetitions, workers):
    import dask.array as da
    import distributed
    import skimage.filters
    import skbench.dask

    volume = np.random.default_rng(0).random(SHAPE, dtype=np.float32)
    cores = os.cpu_count()
    chunks = (SHAPE[0], SHAPE[1] // 2, SHAPE[2] // 2)
    cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        def skimage_alone():
            return skimage.filters.gaussian(volume, sigma=SIGMA)

        def skbench_alone():
            return skbench.filters.gaussian(volume, sigma=SIGMA, threads=workers)

        # As the notebook: the volume in the client, the result gathered back to it.
        def notebook(smooth):
            def run():
                return smooth(da.from_array(volume, chunks=chunks, name=False)).compute()
            return run

        # The data on the cluster (a real one loads its chunks there): the volume persisted on the workers, its
        # chunks spread evenly, the result persisted there; what is timed is the work and the halo exchange. One
        # copy per repetition under its own name: a graph seen before would be answered from the scheduler's memory.
        resident_volumes = [da.from_array(volume, chunks=chunks, name=f"seed-volume-{i}").persist()
                            for i in range(repetitions)]
        distributed.wait(resident_volumes)
        client.rebalance(resident_volumes)
        repetition = [0]

        def resident(smooth):
            def run():
                result = smooth(resident_volumes[repetition[0]]).persist()
                distributed.wait(result)
                return result
            return run

        def with_skimage(x):
            return x.map_overlap(skimage.filters.gaussian, depth=9, sigma=SIGMA, boundary="none")

        def with_skbench(x):
            return skbench.dask.filters.gaussian(x, sigma=SIGMA, threads=1)

        rows = {"scikit-image": (skimage_alone, False), "skbench opt": (skbench_alone, False),
                "Dask + scikit-image (notebook: data in the client)": (notebook(with_skimage), True),
                "Dask + skbench (notebook: data in the client)": (notebook(with_skbench), True),
                "Dask + scikit-image (data on the cluster)": (resident(with_skimage), True),
                "Dask + skbench (data on the cluster)": (resident(with_skbench), True)}
        best = {name: (float("inf"), 0.0) for name in rows}
        expected = skbench_alone()
        for _ in range(repetitions):
            for name, (fn, on_cluster) in rows.items():  # interleaved
                cpu0, wcpu0 = _cpu_seconds(), _worker_cpu(client) if on_cluster else 0.0
                start = time.perf_counter()
                result = fn()
                wall = time.perf_counter() - start
                cpu = _cpu_seconds() - cpu0 + ((_worker_cpu(client) - wcpu0) if on_cluster else 0.0)
                if name.startswith("Dask + skbench"):
                    gathered = result.compute() if hasattr(result, "compute") else result
                    if not np.array_equal(gathered, expected):
                        raise AssertionError(f"{name} differs from skbench in-process")
                    del gathered
                if wall < best[name][0]:
                    best[name] = (wall, cpu / wall / cores)
                del result
            repetition[0] += 1
    finally:
        client.close()
        cluster.close()
    return [{"row": name, "seconds": s, "cpu_utilization": u} for name, (s, u) in best.items()]


def overhead_rows(repetitions, spatial=(1024, 1024)):
    rows = []
    for op_id, op in sorted(skbench.ops.items()):
        if op.desc["test_only"] or op.desc["backends"].get("opt") != "yes":
            continue
        image, extras = _skbench.bench_inputs(op_id, list(spatial))
        fn = skbench.op(op_id)
        kwargs = dict(extras)
        cpp, py, spent, done = float("inf"), float("inf"), 0.0, 0
        # Interleaved pairs, at least `repetitions` and as many as fit in half a second (fast ops' minima need many).
        while done < repetitions or (spent < 0.5 and done < 500):
            cpp = min(cpp, _skbench.time_op(op_id, "opt", image, extras, {}, 0, 1))
            start = time.perf_counter()
            result = fn(image, **kwargs)  # freed after the clock stops, as time_op frees its result
            elapsed = time.perf_counter() - start
            del result
            py = min(py, elapsed)
            spent += 2 * elapsed
            done += 1
        rows.append({"op": op_id, "cpp_seconds": cpp, "python_seconds": py, "overhead_seconds": py - cpp,
                     "overhead_fraction": (py - cpp) / cpp})
    return rows


def out_rows(repetitions, spatial=(4096, 4096), ops=("filters.gaussian", "filters.sobel", "morphology.erosion",
                                                      "feature.hessian_matrix")):
    """out= against a fresh result per call: minor page faults (first touches of the result's pages) and time."""
    rows = []
    for op_id in ops:
        image, extras = _skbench.bench_inputs(op_id, list(spatial))
        fn = skbench.op(op_id)
        result = fn(image, **dict(extras))
        out = np.empty_like(result if not isinstance(result, list) else np.stack(result))
        fresh = (float("inf"), 0)
        reused = (float("inf"), 0)
        for _ in range(repetitions):
            for kind in ("fresh", "out"):
                faults0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                start = time.perf_counter()
                value = fn(image, **dict(extras)) if kind == "fresh" else fn(image, **dict(extras), out=out)
                seconds = time.perf_counter() - start
                faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults0
                del value
                if kind == "fresh":
                    fresh = min(fresh, (seconds, faults))
                else:
                    reused = min(reused, (seconds, faults))
        rows.append({"op": op_id, "fresh_seconds": fresh[0], "fresh_page_faults": fresh[1],
                     "out_seconds": reused[0], "out_page_faults": reused[1], "result_bytes": out.nbytes})
    return rows


def markdown(seed, overhead, outs, machine):
    by = {r["row"]: r for r in seed}
    lines = [f"## The seed notebook redone (50x1104x1104 float32, gaussian sigma 3; {machine})", "",
             "| row | wall (s) | CPU utilization | vs scikit-image |", "|---|---|---|---|"]
    base = by["scikit-image"]["seconds"]
    for r in seed:
        lines.append(f"| {r['row']} | {r['seconds']:.3f} | {100 * r['cpu_utilization']:.0f}% | "
                     f"{base / r['seconds']:.1f}x |")
    lines.append("")
    for where in ("notebook: data in the client", "data on the cluster"):
        dask_skimage = by[f"Dask + scikit-image ({where})"]["seconds"]
        dask_skbench = by[f"Dask + skbench ({where})"]["seconds"]
        lines.append(f"{where}: Dask + skbench is {dask_skimage / dask_skbench:.1f}x Dask + scikit-image "
                     f"(target >= 20x) and {dask_skbench / by['skbench opt']['seconds']:.2f}x skbench in-process "
                     f"(target <= 1.3x).")
    lines += ["", "## Python call overhead over the C++ call (opt, 1024^2, min of N)", "",
              "| op | C++ (ms) | Python (ms) | overhead (us) | overhead |", "|---|---|---|---|---|"]
    for r in overhead:
        lines.append(f"| {r['op']} | {1e3 * r['cpp_seconds']:.3f} | {1e3 * r['python_seconds']:.3f} | "
                     f"{1e6 * r['overhead_seconds']:.0f} | {100 * r['overhead_fraction']:.1f}% |")
    lines += ["", "## out= against a fresh result (4096^2, opt, min of N)", "",
              "| op | result (MB) | fresh: page faults, ms | out=: page faults, ms |", "|---|---|---|---|"]
    for r in outs:
        lines.append(f"| {r['op']} | {r['result_bytes'] / 1e6:.0f} | {r['fresh_page_faults']}, "
                     f"{1e3 * r['fresh_seconds']:.2f} | {r['out_page_faults']}, {1e3 * r['out_seconds']:.2f} |")
    return "\n".join(lines) + "\n"


def html(text):
    """The Markdown tables above as an HTML section for the main command's report."""
    import html as escape
    out, rows = ['<section id="python-seed">'], []

    def flush():
        if rows:
            out.append("<table>" + "".join(
                "<tr>" + "".join(f"<{'th' if i == 0 else 'td'}>{escape.escape(c)}</{'th' if i == 0 else 'td'}>"
                                 for c in row) + "</tr>" for i, row in enumerate(rows)) + "</table>")
            rows.clear()
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not all(set(c) <= {"-"} for c in cells):
                rows.append(cells)
            continue
        flush()
        if line.startswith("## "):
            out.append(f"<h2>{escape.escape(line[3:])}</h2>")
        elif line:
            out.append(f"<p>{escape.escape(line)}</p>")
    flush()
    return "\n".join(out + ["</section>"]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", help="measurements as JSON")
    parser.add_argument("--md", help="Markdown tables")
    parser.add_argument("--append-md", action="append", default=[],
                        help="also append the tables to this Markdown file (the main command's summary)")
    parser.add_argument("--append-html", action="append", default=[],
                        help="also add them as a section to this HTML page (the main command's report)")
    args = parser.parse_args(argv)
    machine = f"{os.cpu_count()} cores, skbench {skbench.__version__}"
    seed = seed_rows(args.repetitions, args.workers)
    overhead = overhead_rows(max(5, args.repetitions))
    outs = out_rows(max(5, args.repetitions))
    text = markdown(seed, overhead, outs, machine)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(json.dumps({"seed_notebook": seed, "overhead": overhead, "out": outs}, indent=1))
    if args.md:
        pathlib.Path(args.md).write_text(text)
    for path in args.append_md:
        with open(path, "a") as f:
            f.write("\n" + text)
    for path in args.append_html:  # before </body>, where the report has one
        page = pathlib.Path(path).read_text()
        at = page.rfind("</body>")
        at = len(page) if at < 0 else at
        pathlib.Path(path).write_text(page[:at] + html(text) + page[at:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
