"""morphology.remove_small_objects (0.26's max_size): objects of max_size pixels or fewer become 0; bool images
are labelled with `connectivity`, integer images are labels (every pixel of a value is one object)."""
import numpy as np
import scipy.ndimage as ndi
from skimage import morphology

from .. import case, peers, random_inputs

OP = "morphology.remove_small_objects"
call = morphology.remove_small_objects
# scikit-image warns when an integer image holds one label besides 0; that is not the behaviour under test.
IGNORED_WARNINGS = [(UserWarning, r"Only one label was provided")]


def _labels(shape, dtype, seed, count):
    g = np.random.default_rng(seed)
    return g.integers(0, count, size=shape).astype(dtype)


def cases(I):
    noise = I.raw("noisebool_48x64_s160", np.random.default_rng(160).random((48, 64)) < 0.45)
    yield case(noise, "bool noise defaults (max_size 64, connectivity 1)")
    yield case(noise, "bool noise max_size 3", max_size=3)
    yield case(noise, "bool noise connectivity 2", connectivity=2)
    yield case(noise, "bool noise max_size 0 (nothing removed)", max_size=0)
    yield case(noise, "bool noise max_size -1", max_size=-1)
    b2 = I.field("blobs", "bool", (48, 64), 161)
    yield case(b2, "bool blobs max_size 20", max_size=20)
    yield case(b2, "bool blobs max_size 5000 (everything)", max_size=5000)
    b3 = I.raw("noisebool_16x20x24_s162", np.random.default_rng(162).random((16, 20, 24)) < 0.3)
    for c in (1, 2, 3):
        yield case(b3, f"bool 3-D connectivity {c} max_size 4", connectivity=c, max_size=4)
    u8 = I.raw("labels_u8_48x64_s163", _labels((48, 64), np.uint8, 163, 90))
    yield case(u8, "uint8 labels (objects by value, not connected) max_size 30", max_size=30)
    yield case(u8, "uint8 labels connectivity ignored", max_size=30, connectivity=2)
    u16 = I.raw("labels_u16_31x37_s164", _labels((31, 37), np.uint16, 164, 400) * 150)
    yield case(u16, "uint16 sparse large labels max_size 2", max_size=2)
    i32 = I.raw("labels_i32_31x37_s165", _labels((31, 37), np.int32, 165, 60))
    yield case(i32, "int32 labels max_size 18", max_size=18)
    big = _labels((29, 41), np.int64, 166, 40) * 100003  # above 65536: the sorted-labels path
    yield case(I.raw("labels_i64_29x41_s166", big), "int64 sparse labels up to 3.9e6", max_size=30)
    yield case(I.raw("labels_u8_9x13x16_s167", _labels((9, 13, 16), np.uint8, 167, 30)), "uint8 3-D labels",
               max_size=60)
    single = np.zeros((9, 11), np.uint8)
    single[3:5, 2:6] = 4
    yield case(I.raw("one_label_u8_9x11", single), "one label (scikit-image warns)", max_size=8)
    yield case(I.field("blobs", "bool", (1, 23), 168), "1xN bool", max_size=1)
    yield case(I.const(bool, False, (13, 17)), "all False")
    neg = _labels((13, 17), np.int32, 169, 5) - 1
    yield case(I.raw("labels_i32_negative_13x17_s169", neg), "negative labels", error=True)


def random_case(rng):
    ndim, shape, _ = random_inputs.shape_and_dtype(rng)
    dtype = rng.choice(["bool", "bool", "uint8", "uint16", "int32", "int64"])
    g = np.random.default_rng(rng.randrange(1 << 30))
    if dtype == "bool":
        image = g.random(shape) < rng.choice([0.3, 0.5, 0.6])
    else:
        image = g.integers(0, rng.randint(2, 40), size=shape).astype(dtype)
    params = {"max_size": rng.choice([0, 1, 3, 10, 64])}
    if rng.random() < 0.5:
        params["connectivity"] = rng.randint(1, ndim)
    return image, params


def scipy_peer(p, ndim, dtype):
    """The same in SciPy's terms (as scikit-image builds it): ndi.label, bincount, a table lookup."""
    if dtype != "bool":
        return None
    structure = ndi.generate_binary_structure(ndim, p.get("connectivity", 1))
    max_size = p.get("max_size", 64)

    def run(x):
        ccs, _ = ndi.label(x, structure)
        return (np.bincount(ccs.ravel()) > max_size)[ccs] & x
    return run


def opencv_peer(p, ndim, dtype):
    """connectedComponentsWithStats and a lookup of its area column (2-D masks)."""
    cv2 = peers.opencv()
    if cv2 is None or ndim != 2 or dtype != "bool":
        return None
    conn = 4 if p.get("connectivity", 1) == 1 else 8
    max_size = p.get("max_size", 64)

    def run(x):
        _, labels, stats, _ = cv2.connectedComponentsWithStats(x.view(np.uint8), connectivity=conn)
        return (stats[:, cv2.CC_STAT_AREA] > max_size)[labels] & x
    return run


itk_peer = None
