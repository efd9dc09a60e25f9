"""Random images, shapes and footprints for the descriptors' random_case (tests/fresh_inputs.py).

`rng` is a random.Random: the test's seed reproduces every case.
"""
import numpy as np

DTYPES = ["uint8", "uint16", "float32", "float64", "bool"]


def shape_and_dtype(rng):
    """ndim (2 twice as often as 3), a shape with 1-long, short and longer axes, and a dtype."""
    ndim = rng.choice([2, 2, 3])
    shape = tuple(rng.choice([1, rng.randint(2, 9), rng.randint(9, 40 if ndim == 2 else 14)]) for _ in range(ndim))
    return ndim, shape, rng.choice(DTYPES)


def image(rng, shape, dtype, levels=None):
    """Smooth, noisy or few-level content in `dtype`, with its natural range."""
    kind = rng.choice(["smooth", "noise", "levels"]) if levels is None else "levels"
    g = np.random.default_rng(rng.randrange(1 << 30))
    if kind == "levels":
        unit = g.integers(0, levels or rng.randint(2, 5), size=shape) / 4.0
    else:
        unit = g.random(shape)
        if kind == "smooth":
            for axis in range(len(shape)):
                unit = (unit + np.roll(unit, 1, axis) + np.roll(unit, -1, axis)) / 3
    if dtype == "bool":
        return unit > 0.5
    if dtype in ("uint8", "uint16"):
        top = np.iinfo(dtype).max if rng.random() < 0.7 else rng.randint(3, 300)
        return np.round(unit * top).astype(dtype)
    scale = 1.0 if rng.random() < 0.8 else rng.choice([-3.0, 40.0])
    return (unit * scale).astype(dtype)


def footprint(rng, ndim):
    """A footprint text for an ndim image, or None (the op's default) a quarter of the time."""
    if rng.random() < 0.25:
        return None
    if ndim == 2:
        return rng.choice([f"square:{rng.randint(1, 5)}", f"rectangle:{rng.randint(1, 4)}x{rng.randint(1, 6)}",
                           f"disk:{rng.randint(0, 3)}"])
    return rng.choice([f"cube:{rng.randint(1, 4)}", f"ball:{rng.randint(0, 2)}",
                       f"rectangle:{rng.randint(1, 3)}x{rng.randint(1, 4)}x{rng.randint(1, 3)}"])
