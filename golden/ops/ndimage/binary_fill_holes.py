"""ndimage.binary_fill_holes: SciPy's hole filling (False regions not reachable from outside the image through
False pixels, stepping by the structure; default the cross)."""
import numpy as np
import scipy.ndimage as ndi

from .. import case, peers, random_inputs

OP = "ndimage.binary_fill_holes"
call = ndi.binary_fill_holes


def _rings(shape, seed):
    """Rings and boxes with holes, some cut by the border, some with holes that touch a face."""
    g = np.random.default_rng(seed)
    idx = np.indices(shape)
    out = np.zeros(shape, bool)
    for _ in range(max(3, int(np.prod(shape)) // 200)):
        c = [g.integers(0, s) for s in shape]
        r = g.integers(2, max(3, min(shape) // 3))
        d = np.sqrt(sum((i - ci) ** 2 for i, ci in zip(idx, c)))
        out |= (d <= r) & (d > r - 1.5)
    return out


def cases(I):
    holes = I.raw("rings_bool_48x64_s140", _rings((48, 64), 140))
    yield case(holes, "rings 2-D default structure")
    yield case(holes, "rings 2-D square:3 (full connectivity)", structure="square:3")
    yield case(holes, "rings 2-D disk:1", structure="disk:1")
    yield case(holes, "rings 2-D rectangle:1x3 (rows only)", structure="rectangle:1x3")
    yield case(holes, "rings 2-D even rectangle:2x2", structure="rectangle:2x2")
    yield case(holes, "rings 2-D even rectangle:2x3", structure="rectangle:2x3")
    yield case(holes, "rings 2-D square:5", structure="square:5")
    blobs = I.field("blobs", "bool", (48, 64), 141)
    inv = I.raw("blobs_inverted_bool_48x64_s141", ~I.arrays[blobs])
    yield case(blobs, "blobs (few holes)")
    yield case(inv, "inverted blobs (many enclosed holes)")
    yield case(inv, "inverted blobs full connectivity", structure="square:3")
    yield case(I.raw("noisebool_31x37_s142", np.random.default_rng(142).random((31, 37)) < 0.55),
               "bool noise prime size")
    yield case(I.raw("rings_u8_255_31x37_s143", _rings((31, 37), 143).astype(np.uint8) * 255), "uint8 0/255")
    yield case(I.raw("rings_u16_31x37_s144", _rings((31, 37), 144).astype(np.uint16) * 7), "uint16 0/7")
    yield case(I.field("smooth", "fmask", (31, 37), 145), "float32 nonzero=True")
    yield case(I.field("smooth", "f64n", (31, 37), 146), "float64 with negatives (nonzero=True)")
    r3 = I.raw("rings_bool_16x20x24_s147", _rings((16, 20, 24), 147))
    yield case(r3, "3-D shells default structure")
    yield case(r3, "3-D cube:3", structure="cube:3")
    yield case(r3, "3-D ball:1", structure="ball:1")
    yield case(r3, "3-D even rectangle:2x2x3", structure="rectangle:2x2x3")
    blobs3 = I.field("blobs", "bool", (16, 20, 24), 148)
    yield case(blobs3, "3-D blobs")
    inv3 = I.raw("blobs_inverted_bool_16x20x24_s148", ~I.arrays[blobs3])
    yield case(inv3, "3-D inverted blobs")
    yield case(I.raw("ring_bool_1x23", np.array([[1, 0, 1, 1, 0, 0, 1] + [0] * 16], bool)), "1xN")
    yield case(I.raw("ring_bool_23x1", np.array([[1], [0], [1]] + [[0]] * 20, bool)), "Nx1")
    yield case(I.const(bool, False, (13, 17)), "all False (nothing to fill)")
    yield case(I.const(bool, True, (13, 17)), "all True")
    frame = np.ones((9, 11), bool)
    frame[1:-1, 1:-1] = False
    yield case(I.raw("frame_bool_9x11", frame), "a frame: the whole inside is one hole")
    yield case(holes, "3-D structure on a 2-D image", error=True, structure="cube:3")


def random_case(rng):
    ndim, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype)
    params = {}
    fp = random_inputs.footprint(rng, ndim)
    if fp:
        params["structure"] = fp
    return image, params


# `call` is SciPy's own function (timed as the reference call), so SciPy has no separate peer.
scipy_peer = None


def opencv_peer(p, ndim, dtype):
    """OpenCV has no hole filling; its idiom is floodFill of the background from a border seed, which is only the
    same for the default cross (4-connected flood) on 2-D images, and only from one seed: not an equivalent."""
    return None


itk_peer = None
