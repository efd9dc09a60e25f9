"""The seed pipelines as whole workloads (`skbench run seed.coins_regions`, `skbench run seed.tomography`: the steps,
the NumPy glue between them and the final filter) against the same pipelines written in scikit-image
(golden/ops/measure/regionprops_table.py's coins_pipeline_skimage and tomography_pipeline_skimage), on inputs made
here with NumPy: coins images (bright discs of varied size, many across the border and some touching, on an uneven
noisy background) and tomography volumes (aggregates with liquid inclusions and closed pores, noise). The ops are
held to scikit-image one by one by the goldens; this checks what joins them (Otsu's t bound to numpy.greater's x2,
steps reading the input or an earlier step, the masked Otsu, the area filter).

    .venv/bin/python tests/seed_pipelines.py --skbench build/release/bin/skbench [--backend ref --backend opt]

Backends default to those implementing every step of the pipeline (skbench list --json). Exit 1 on a mismatch.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "golden"))
from ops.measure.regionprops_table import (COINS_STEPS, TOMOGRAPHY_STEPS, coins_pipeline_skimage,  # noqa: E402
                                           tomography_pipeline_skimage)


def coins_image(shape, seed):
    g = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    u, v = yy / shape[0], xx / shape[1]
    level = 40 + 45 * (0.6 * u + 0.4 * v) + 25 * np.sin(6.3 * u) * np.cos(4.1 * v)
    for _ in range(shape[0] * shape[1] // 4000):
        cy, cx = g.uniform(0, shape[0]), g.uniform(0, shape[1])
        r = 4 + 26 * g.random() ** 2
        y0, y1 = max(0, int(cy - r)), min(shape[0], int(cy + r) + 2)
        x0, x1 = max(0, int(cx - r)), min(shape[1], int(cx + r) + 2)
        d = np.hypot(yy[y0:y1, x0:x1] - cy, xx[y0:y1, x0:x1] - cx)
        inside = d <= r
        level[y0:y1, x0:x1][inside] = (160 + 70 * g.random()) - 30 * (d[inside] / r) ** 2
    level += g.uniform(-12, 12, shape)
    return np.clip(np.rint(level), 0, 255).astype(np.uint8)


def tomography_volume(shape, seed):
    """Float32: spherical aggregates (0.6) on a 0.2 background, each with liquid inclusions (0.85) and sometimes a
    closed pore (0.2) near its centre, plus uniform noise of +-0.1."""
    g = np.random.default_rng(seed)
    vol = np.full(shape, 0.2)
    grid = np.indices(shape, dtype=np.float64)

    def sphere(centre, r, value):
        box = tuple(slice(max(0, int(c - r)), min(n, int(c + r) + 2)) for c, n in zip(centre, shape))
        d2 = sum((axis[box] - c) ** 2 for axis, c in zip(grid, centre))
        vol[box][d2 <= r * r] = value
    for _ in range(max(6, vol.size // 300000)):
        centre = g.uniform(0, 1, 3) * shape
        u = g.random()
        r = max(min(shape) * (0.08 + 0.14 * u), 6 + 6 * u)  # small volumes too keep cores after the 10-cube erosion
        sphere(centre, r, 0.6)
        for i in range(3):
            u, v = g.random(2)
            pore = i == 2 and g.random() < 0.5
            sphere(centre + r * np.array([u - 0.5, v - 0.5, 0.5 - u]), r * (0.12 + 0.1 * v), 0.2 if pore else 0.85)
    vol += g.uniform(-0.1, 0.1, shape)
    return vol.astype(np.float32)


# name: (the steps before regionprops_table, the input maker, the scikit-image pipeline, the inputs checked)
PIPELINES = {
    "seed.coins_regions": (COINS_STEPS, coins_image, coins_pipeline_skimage,
                           (((256, 256), 1), ((300, 517), 2), ((1024, 1024), 3))),
    "seed.tomography": (TOMOGRAPHY_STEPS, tomography_volume, tomography_pipeline_skimage,
                        (((16, 48, 48), 6), ((40, 96, 96), 4), ((64, 200, 240), 5))),
}
EMULATED_LIMIT = 256 * 256  # the emulator runs the kernels' threads on the CPU: the smallest input checks them


def backends_with_every_step(skbench, steps):
    """{backend: whether it is the CPU emulator} for the backends implementing every step."""
    listing = json.loads(subprocess.run([skbench, "list", "--json"], check=True, capture_output=True,
                                        text=True).stdout)
    ops = {op["id"]: op for op in listing["ops"]}
    return {b["name"]: not b["timings_meaningful"] for b in listing["backends"]
            if all(ops[op]["backends"].get(b["name"]) == "yes" for op in steps + ("measure.regionprops_table",))}


def check(skbench, workload, backend, image, expected, where):
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in.npy"), os.path.join(tmp, "out.npy")
        np.save(src, image)
        run = subprocess.run([skbench, "run", workload, "--backend", backend, "--in", src, "--out", out],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return [f"{where} {backend}: exit {run.returncode}: {run.stderr.strip()}"]
        got = np.load(out)
    columns = list(expected)  # the table's rows in order (label, area, bbox-0..3, centroid-0..1, intensity_mean)
    if got.shape != (len(columns), len(expected["label"])):
        return [f"{where} {backend}: table {got.shape}, scikit-image's {(len(columns), len(expected['label']))}"]
    problems = []
    for row, name in enumerate(columns):
        want = np.asarray(expected[name], dtype=np.float64)
        exact = not name.startswith(("centroid", "intensity_mean"))
        ok = np.array_equal(got[row], want) if exact else np.allclose(got[row], want, rtol=1e-12, atol=1e-9)
        if not ok:
            problems.append(f"{where} {backend}: column {name} differs (first: {got[row][:4]} vs {want[:4]})")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skbench", required=True)
    ap.add_argument("--backend", action="append", help="repeatable; default: every backend with every step")
    ap.add_argument("--workload", action="append", choices=sorted(PIPELINES), help="repeatable; default: all")
    args = ap.parse_args()
    problems, checked, sizes = [], 0, []
    for workload in args.workload or sorted(PIPELINES):
        steps, make_input, pipeline, inputs = PIPELINES[workload]
        emulated = backends_with_every_step(args.skbench, steps)
        backends = args.backend or list(emulated)
        if not backends:
            problems.append(f"no backend implements every step of {workload}")
            continue
        for shape, seed in inputs:
            image = make_input(shape, seed)
            expected = pipeline(image)
            where = f"{workload} {'x'.join(map(str, shape))} ({len(expected['label'])} regions)"
            sizes.append(where)
            for backend in backends:
                if emulated.get(backend) and image.size > EMULATED_LIMIT:
                    continue
                problems += check(args.skbench, workload, backend, image, expected, where)
                checked += 1
    for p in problems:
        print("FAIL", p)
    print(f"seed_pipelines: {checked} runs ({'; '.join(sizes)}), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
