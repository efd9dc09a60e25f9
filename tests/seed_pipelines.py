"""The seed pipelines as whole workloads (`skbench run seed.coins_regions`: the steps, the NumPy glue between them
and the final filter) against the same pipeline written in scikit-image (golden/ops/measure/regionprops_table.py's
coins_pipeline_skimage), on coins images made here with NumPy: bright discs of varied size, many across the border
and some touching, on an uneven noisy background. The ops are held to scikit-image one by one by the goldens; this
checks what joins them (Otsu's t bound to numpy.greater's x2, the area filter).

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
from ops.measure.regionprops_table import COINS_PROPERTIES, COINS_STEPS, coins_pipeline_skimage  # noqa: E402

COINS_OPS = COINS_STEPS + ("measure.regionprops_table",)


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


def backends_with_every_step(skbench):
    """{backend: whether it is the CPU emulator} for the backends implementing every step."""
    listing = json.loads(subprocess.run([skbench, "list", "--json"], check=True, capture_output=True,
                                        text=True).stdout)
    ops = {op["id"]: op for op in listing["ops"]}
    return {b["name"]: not b["timings_meaningful"] for b in listing["backends"]
            if all(ops[op]["backends"].get(b["name"]) == "yes" for op in COINS_OPS)}


def check(skbench, backend, image, where):
    expected = coins_pipeline_skimage(image)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "in.npy"), os.path.join(tmp, "out.npy")
        np.save(src, image)
        run = subprocess.run([skbench, "run", "seed.coins_regions", "--backend", backend, "--in", src, "--out", out],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return [f"{where} {backend}: exit {run.returncode}: {run.stderr.strip()}"]
        got = np.load(out)
    columns = [c for c in expected]  # label, area, bbox-0..3, centroid-0..1: the table's rows in order
    if got.shape != (len(columns), len(expected["label"])):
        return [f"{where} {backend}: table {got.shape}, scikit-image's {(len(columns), len(expected['label']))}"]
    problems = []
    for row, name in enumerate(columns):
        want = np.asarray(expected[name], dtype=np.float64)
        exact = not name.startswith("centroid")
        ok = np.array_equal(got[row], want) if exact else np.allclose(got[row], want, rtol=1e-12, atol=1e-9)
        if not ok:
            problems.append(f"{where} {backend}: column {name} differs (first: {got[row][:4]} vs {want[:4]})")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--skbench", required=True)
    ap.add_argument("--backend", action="append", help="repeatable; default: every backend with every step")
    args = ap.parse_args()
    emulated = backends_with_every_step(args.skbench)
    backends = args.backend or list(emulated)
    if not backends:
        print("seed_pipelines: no backend implements every step of seed.coins_regions")
        return 1
    problems, checked, sizes = [], 0, []
    for shape, seed in (((256, 256), 1), ((300, 517), 2), ((1024, 1024), 3)):
        image = coins_image(shape, seed)
        regions = len(coins_pipeline_skimage(image)["label"])
        sizes.append(f"{shape[0]}x{shape[1]}: {regions} regions")
        for backend in backends:
            if emulated.get(backend) and shape[0] * shape[1] > 256 * 256:
                continue  # the emulator runs the kernels' threads on the CPU: the smallest image checks them
            problems += check(args.skbench, backend, image, f"coins {shape[0]}x{shape[1]} ({regions} regions)")
            checked += 1
    for p in problems:
        print("FAIL", p)
    print(f"seed_pipelines: {checked} runs ({', '.join(backends)}; {', '.join(sizes)}), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
