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
from ops.filters._ridges import RETINA_STEPS, retina_pipeline_skimage  # noqa: E402
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


def retina_image(shape, seed):
    """RGB uint8: an orange disc darkening to its rim on black, dark vessels (random walks of widths 1..4 that fork)
    from an optic disc, noise."""
    g = np.random.default_rng(seed)
    shape = shape[:2]  # the channel axis is added last
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    r = np.hypot(yy - shape[0] / 2, xx - shape[1] / 2) / (0.47 * min(shape))
    dark = np.zeros(shape)
    stack = [(shape[0] / 2, shape[1] * 0.35, a, min(shape) * 0.3, 4.0) for a in g.uniform(0, 2 * np.pi, 5)]
    while stack:
        y, x, angle, length, width = stack.pop()
        for _ in range(int(length)):
            angle += g.uniform(-0.04, 0.04)
            y, x = y + np.sin(angle), x + np.cos(angle)
            box = (slice(max(0, int(y - 3 * width)), int(y + 3 * width) + 2),
                   slice(max(0, int(x - 3 * width)), int(x + 3 * width) + 2))
            d2 = (yy[box] - y) ** 2 + (xx[box] - x) ** 2
            dark[box] = np.maximum(dark[box], 0.55 * np.exp(-d2 / (0.5 * width * width)))
        if width > 1.2:
            stack += [(y, x, angle + s * g.uniform(0.35, 0.65), length * 0.6, width * 0.72) for s in (-1, 1)]
    lit = np.where(r > 1, 0, (1 - 0.45 * r * r) * (1 - dark))
    rgb = lit[..., None] * np.array([210, 95, 35]) + np.where(r > 1, 0, g.uniform(-5, 5, shape))[..., None]
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def tube_volume(shape, seed):
    """Float32: bright tubes of radii 1..4 (a Gaussian profile across each) along straight segments, 0.1 background,
    uniform noise of +-0.05."""
    g = np.random.default_rng(seed)
    grid = np.stack(np.indices(shape, dtype=np.float64), axis=-1)
    level = np.zeros(shape)
    for i in range(6):
        radius = (1.0, 1.5, 2.0, 3.0, 4.0)[i % 5]
        p, q = g.uniform(0, 1, 3) * shape, g.uniform(0, 1, 3) * shape
        d = q - p
        s = np.clip(((grid - p) @ d) / max(d @ d, 1e-9), 0, 1)
        dist2 = (((grid - p) - s[..., None] * d) ** 2).sum(-1)
        level = np.maximum(level, np.exp(-dist2 / (2 * radius * radius)))
    return (0.1 + 0.8 * level + g.uniform(-0.05, 0.05, shape)).astype(np.float32)


def vessels3d_skimage(volume):
    from skimage import filters
    return filters.frangi(volume, sigmas=[1.0, 2.0, 3.0], black_ridges=False)


def gray(rgb):
    from skimage import color
    return color.rgb2gray(rgb)


# What an array answer is: the last op, its parameters, and its input from the workload's (scikit-image's), for
# `skbench compare` to hold the answer to that op's tolerance.
RETINA_ANSWER = ("filters.hessian", {"sigmas": "2", "mode": "reflect", "black_ridges": "true"}, gray)
VESSELS_ANSWER = ("filters.frangi", {"sigmas": "1,2,3", "black_ridges": "false"}, lambda volume: volume)

# name: (the steps, the input maker, the scikit-image pipeline, the inputs checked, what the answer is: "table"
# (regionprops_table's columns) or an array (above))
PIPELINES = {
    "seed.coins_regions": (COINS_STEPS + ("measure.regionprops_table",), coins_image, coins_pipeline_skimage,
                           (((256, 256), 1), ((300, 517), 2), ((1024, 1024), 3)), "table"),
    "seed.tomography": (TOMOGRAPHY_STEPS + ("measure.regionprops_table",), tomography_volume,
                        tomography_pipeline_skimage, (((16, 48, 48), 6), ((40, 96, 96), 4), ((64, 200, 240), 5)),
                        "table"),
    "seed.retina_vesselness": (RETINA_STEPS + ("filters.hessian",), retina_image, retina_pipeline_skimage,
                               (((48, 64, 3), 7), ((300, 317, 3), 8)), RETINA_ANSWER),
    "seed.vessels3d": (("filters.frangi",), tube_volume, vessels3d_skimage, (((12, 20, 24), 9), ((32, 64, 64), 10)),
                       VESSELS_ANSWER),
}
EMULATED_LIMIT = 256 * 256  # the emulator runs the kernels' threads on the CPU: the smallest input checks them


def backends_with_every_step(skbench, steps):
    """{backend: whether it is the CPU emulator} for the backends implementing every step."""
    listing = json.loads(subprocess.run([skbench, "list", "--json"], check=True, capture_output=True,
                                        text=True).stdout)
    ops = {op["id"]: op for op in listing["ops"]}
    return {b["name"]: not b["timings_meaningful"] for b in listing["backends"]
            if all(ops[op]["backends"].get(b["name"]) == "yes" for op in steps)}


def check(skbench, workload, backend, image, expected, where, answer):
    with tempfile.TemporaryDirectory() as tmp:
        src, out, want = (os.path.join(tmp, name) for name in ("in.npy", "out.npy", "expected.npy"))
        np.save(src, image)
        run = subprocess.run([skbench, "run", workload, "--backend", backend, "--in", src, "--out", out],
                             capture_output=True, text=True)
        if run.returncode != 0:
            return [f"{where} {backend}: exit {run.returncode}: {run.stderr.strip()}"]
        got = np.load(out)
        if answer != "table":  # an array: the last op's tolerance for this backend
            op, params, input_of = answer
            op_input = os.path.join(tmp, "op_input.npy")
            np.save(want, expected)
            np.save(op_input, input_of(image))
            compare = subprocess.run([skbench, "compare", out, want, "--op", op, "--backend", backend, "--in", op_input,
                                      *(a for k, v in params.items() for a in ("--param", f"{k}={v}"))],
                                     capture_output=True, text=True)
            return [] if compare.returncode == 0 else [f"{where} {backend}: {compare.stdout.strip()}"]
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
        steps, make_input, pipeline, inputs, answer = PIPELINES[workload]
        emulated = backends_with_every_step(args.skbench, steps)
        backends = args.backend or list(emulated)
        if not backends:
            problems.append(f"no backend implements every step of {workload}")
            continue
        for shape, seed in inputs:
            image = make_input(shape, seed)
            expected = pipeline(image)
            where = f"{workload} {'x'.join(map(str, shape))}" + (
                f" ({len(expected['label'])} regions)" if answer == "table" else "")
            sizes.append(where)
            for backend in backends:
                if emulated.get(backend) and image.size > EMULATED_LIMIT:
                    continue
                problems += check(args.skbench, workload, backend, image, expected, where, answer)
                checked += 1
    for p in problems:
        print("FAIL", p)
    print(f"seed_pipelines: {checked} runs ({'; '.join(sizes)}), {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
