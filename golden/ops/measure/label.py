"""measure.label: connected-component labelling (background 0 by default, full connectivity by default)."""
import numpy as np
import scipy.ndimage as ndi
from skimage import measure

from .. import case, peers, random_inputs

OP = "measure.label"
call = measure.label


def cases(I):
    b2 = I.field("blobs", "bool", (48, 64), 70)
    yield case(b2, "bool 2-D defaults (ndi.label path, int32)")
    yield case(b2, "bool 2-D connectivity 1", connectivity=1)
    yield case(b2, "bool 2-D connectivity 2", connectivity=2)
    yield case(b2, "bool 2-D background 0", background=0)
    yield case(b2, "bool 2-D background 1 (inverted)", background=1)
    yield case(b2, "bool 2-D connectivity 1 background 1", connectivity=1, background=1)
    b3 = I.field("blobs", "bool", (16, 20, 24), 71)
    yield case(b3, "bool 3-D defaults")
    for c in (1, 2, 3):
        yield case(b3, f"bool 3-D connectivity {c}", connectivity=c)
    yield case(b3, "bool 3-D connectivity 1 background 1", connectivity=1, background=1)
    u8l = I.labels("u8", (48, 64), 72)
    yield case(u8l, "uint8 label-like defaults")
    yield case(u8l, "uint8 label-like connectivity 1", connectivity=1)
    yield case(u8l, "uint8 label-like connectivity 2", connectivity=2)
    yield case(u8l, "uint8 label-like background 0", background=0)
    yield case(u8l, "uint8 label-like background 7", background=7)
    yield case(u8l, "uint8 label-like background 3 conn 1", background=3, connectivity=1)
    yield case(u8l, "uint8 background absent value 99", background=99)
    u16l = I.labels("u16", (48, 64), 73)
    yield case(u16l, "uint16 label-like defaults")
    yield case(u16l, "uint16 background 1000 conn 1", background=1000, connectivity=1)
    yield case(u16l, "uint16 connectivity 2", connectivity=2)
    u16l3 = I.labels("u16", (16, 20, 24), 74)
    yield case(u16l3, "uint16 3-D defaults")
    yield case(u16l3, "uint16 3-D connectivity 1", connectivity=1)
    yield case(u16l3, "uint16 3-D connectivity 2 background 300", connectivity=2, background=300)
    yield case(I.labels("u8", (9, 13, 16), 75), "uint8 3-D conn 3 background 200",
        connectivity=3, background=200)
    i32l = I.raw("labels_i32_31x37_s89", np.random.default_rng(89).integers(-2, 3, size=(31, 37)).astype(np.int32))
    yield case(i32l, "int32 labels with negatives, conn 1", connectivity=1)
    yield case(i32l, "int32 labels background -1", background=-1)
    i64l = I.raw("labels_i64_9x13x16_s90",
                 np.random.default_rng(90).integers(0, 3, size=(9, 13, 16)).astype(np.int64) * 10**12)
    yield case(i64l, "int64 3-D labels near 2e12 (wider than int32)")
    f32l = I.labels("f32", (31, 37), 76)
    yield case(f32l, "float32 few values defaults")
    yield case(f32l, "float32 few values conn 1", connectivity=1)
    yield case(f32l, "float32 background 1 (matches 1.25 after truncation)", background=1)
    yield case(I.labels("f32t", (31, 37), 77), "float32 values that truncate (0.25->0, 1.2~1.7, -0.5->0)")
    yield case(I.labels("f64", (31, 37), 78), "float64 few values", connectivity=1)
    yield case(I.field("blobs", "bool", (1, 23), 79), "bool 1xN")
    yield case(I.labels("u8", (23, 1), 80), "uint8 Nx1", connectivity=1)
    yield case(I.field("blobs", "bool", (13, 17), 81), "bool prime size conn 1", connectivity=1)
    yield case(I.labels("u8", (7, 11, 5), 82), "uint8 3-D prime conn 2", connectivity=2)
    yield case(I.field("blobs", "bool", (7, 11, 5), 83), "bool 3-D prime background 1", background=1)
    # Shapes (Z, Y, 1): scikit-image's Cython labeller swaps axes 0 and 2 first, changing the label order
    # for non-bool images (bool goes through ndimage.label, which does not).
    yield case(I.labels("u8", (11, 13, 1), 85), "uint8 (Z, Y, 1): swapped scan order", connectivity=1)
    yield case(I.labels("u16", (9, 7, 1), 86), "uint16 (Z, Y, 1) full connectivity")
    yield case(I.field("blobs", "bool", (11, 13, 1), 87), "bool (Z, Y, 1): C scan order", connectivity=1)
    yield case(I.labels("u8", (9, 1, 13), 88), "uint8 (Z, 1, X)", connectivity=1)
    nb = I.raw("noisebool_31x37_s84", np.random.default_rng(84).random((31, 37)) < 0.45)
    yield case(nb, "bool noise conn 1 (many components)", connectivity=1)
    yield case(nb, "bool noise conn 2", connectivity=2)
    nu = I.raw("noiselabels_u8_29x41_s85",
               np.random.default_rng(85).integers(0, 4, size=(29, 41)).astype(np.uint8))
    yield case(nu, "uint8 noise labels 0..3 defaults")
    yield case(nu, "uint8 noise labels conn 1 background 2", connectivity=1, background=2)
    yield case(I.const(np.uint8, 5, (13, 17)), "constant uint8 5 (one component)")
    yield case(I.const(bool, False, (13, 17)), "all-false bool (no components)")
    yield case(b2, "connectivity 3 on 2-D bool", error=True, connectivity=3)
    yield case(u8l, "connectivity 3 on 2-D uint8", error=True, connectivity=3)
    yield case(u8l, "connectivity 0 on 2-D uint8", error=True, connectivity=0)
    yield case(b3, "connectivity 4 on 3-D bool", error=True, connectivity=4)


def random_case(rng):
    ndim, shape, dtype = random_inputs.shape_and_dtype(rng)
    image = random_inputs.image(rng, shape, dtype, levels=rng.randint(2, 4))
    params = {}
    if rng.random() < 0.5:
        params["background"] = rng.choice([0, 1, 2, -1])
    if rng.random() < 0.7:
        params["connectivity"] = rng.randint(1, ndim)
    return image, params


def scipy_peer(p, ndim, dtype):
    if dtype not in ("bool", "uint8"):
        return None
    structure = ndi.generate_binary_structure(ndim, p.get("connectivity", ndim))
    return lambda x: ndi.label(x, structure=structure)[0]


def opencv_peer(p, ndim, dtype):
    cv2 = peers.opencv()  # bool masks too, viewed as uint8
    if cv2 is None or ndim != 2 or dtype not in ("bool", "uint8"):
        return None
    conn = 4 if p.get("connectivity", 2) == 1 else 8
    return lambda x: cv2.connectedComponents(x.view(np.uint8), connectivity=conn)[1]


itk_peer = None
