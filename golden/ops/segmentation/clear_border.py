"""segmentation.clear_border: objects touching the border band (buffer_size + 1 deep, or where the optional bool
mask is False) set to bgval; objects are measure.label's components (full connectivity, equal values join)."""
import numpy as np
from skimage import segmentation

from .. import case, random_inputs

OP = "segmentation.clear_border"
call = segmentation.clear_border


def _label_image(shape, dtype, seed, levels=6):
    """Piecewise-constant labels 0..levels-1 (0 about a third), as an integer dtype."""
    g = np.random.default_rng(seed)
    unit = g.random(shape)
    for axis in range(len(shape)):
        unit = (unit + np.roll(unit, 1, axis) + np.roll(unit, -1, axis)) / 3
    lo, hi = unit.min(), unit.max()
    lev = np.minimum(((unit - lo) / (hi - lo + 1e-12) * levels).astype(np.int64), levels - 1)
    return lev.astype(dtype)


def cases(I):
    b2 = I.field("blobs", "bool", (48, 64), 150)
    yield case(b2, "bool 2-D defaults")
    yield case(b2, "bool 2-D buffer_size 2", buffer_size=2)
    yield case(b2, "bool 2-D bgval 1 (background in the band becomes True too)", bgval=1)
    u8 = I.raw("levels_u8_48x64_s151", _label_image((48, 64), np.uint8, 151))
    yield case(u8, "uint8 labels defaults")
    yield case(u8, "uint8 labels buffer_size 3 bgval 9", buffer_size=3, bgval=9)
    yield case(u8, "uint8 labels bgval 255", bgval=255)
    u16 = I.raw("levels_u16_31x37_s152", _label_image((31, 37), np.uint16, 152, levels=9) * 300)
    yield case(u16, "uint16 labels defaults")
    yield case(u16, "uint16 labels buffer 1 bgval 65535", buffer_size=1, bgval=65535)
    i32 = I.raw("levels_i32_31x37_s153", _label_image((31, 37), np.int32, 153, levels=5) - 1)
    yield case(i32, "int32 labels with -1 (a label like any other)")
    yield case(i32, "int32 labels bgval -7", bgval=-7)
    i64 = I.raw("levels_i64_29x41_s154", _label_image((29, 41), np.int64, 154, levels=7) * 1000)
    yield case(i64, "int64 labels buffer 4", buffer_size=4)
    b3 = I.field("blobs", "bool", (16, 20, 24), 155)
    yield case(b3, "bool 3-D defaults")
    yield case(b3, "bool 3-D buffer 2", buffer_size=2)
    u83 = I.raw("levels_u8_9x13_16_s156", _label_image((9, 13, 16), np.uint8, 156))
    yield case(u83, "uint8 3-D labels")
    yield case(u83, "uint8 3-D labels bgval 3", bgval=3)
    inner = np.zeros((48, 64), bool)
    inner[10:-10, 12:-12] = True
    mask = I.raw("inner_mask_bool_48x64", inner)
    yield case(u8, "uint8 labels with a mask", extra_inputs={"mask": mask})
    yield case(b2, "bool with a mask, bgval 1", bgval=1, extra_inputs={"mask": mask})
    fg = I.raw("all_foreground_bool_9x11", np.ones((9, 11), bool))
    yield case(fg, "all True: one object on the border, no background in the band")
    centre = np.zeros((9, 11), np.uint8)
    centre[4, 5] = 7
    yield case(I.raw("single_pixel_u8_9x11", centre), "single interior pixel kept, bgval 2", bgval=2)
    yield case(I.field("blobs", "bool", (1, 23), 157), "1xN bool")
    yield case(I.raw("levels_u8_23x1_s158", _label_image((23, 1), np.uint8, 158)), "Nx1 uint8")
    yield case(b2, "buffer_size as large as an axis", error=True, buffer_size=48)


def random_case(rng):
    ndim, shape, _ = random_inputs.shape_and_dtype(rng)
    dtype = rng.choice(["bool", "uint8", "uint16", "int32", "int64"])
    g = np.random.default_rng(rng.randrange(1 << 30))
    image = (g.random(shape) < 0.5) if dtype == "bool" else g.integers(0, rng.randint(2, 5), size=shape).astype(dtype)
    params = {}
    if rng.random() < 0.5:
        params["buffer_size"] = rng.randint(0, max(0, min(shape) - 1))
    if rng.random() < 0.3:
        params["bgval"] = rng.randint(0, 1) if dtype == "bool" else rng.randint(0, 9)
    extra = {}
    if rng.random() < 0.2:
        extra["mask"] = g.random(shape) < 0.7
    return image, params, extra


scipy_peer = None   # SciPy has no clear_border
opencv_peer = None  # nor OpenCV
itk_peer = None
