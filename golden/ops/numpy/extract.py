"""numpy.extract: `arr[condition]` for a bool mask of arr's shape (np.extract(condition, arr)), the NumPy glue of
the seed's tomography pipeline (Otsu's threshold of the median at the object voxels only). Not a scikit-image op:
its golden output is NumPy's own boolean indexing, a 1-d array of arr's dtype in C order."""
import numpy as np

from .. import case, random_inputs

OP = "numpy.extract"


def call(arr, condition):
    return np.asarray(arr)[np.asarray(condition, dtype=bool)]


def cases(I):
    def masked(v, shape, seed, note, kind="smooth", mask_kind="blobs", **kw):
        return case(I.field(kind, v, shape, seed), note,
                    extra_inputs={"condition": I.field(mask_kind, "bool", shape, seed + 1)}, **kw)

    yield masked("f32", (48, 64), 400, "2-D float32")
    yield masked("f64", (31, 37), 402, "2-D float64")
    yield masked("u8", (31, 37), 404, "2-D uint8")
    yield masked("u16", (13, 17), 406, "2-D uint16")
    yield masked("bool", (31, 37), 408, "2-D bool", kind="blobs")
    yield masked("f32", (9, 13, 16), 410, "3-D float32")
    yield masked("u8", (7, 11, 5), 412, "3-D uint8")
    yield masked("f64", (1, 23), 414, "1xN float64", mask_kind="noise")
    yield masked("f32", (300,), 416, "1-d float32", mask_kind="noise")
    yield masked("f32", (70, 1100), 418, "77000 elements: several blocks of 65536")
    yield case(I.field("smooth", "f32", (31, 37), 420), "condition all False: an empty answer",
               extra_inputs={"condition": I.raw("allfalse_31x37", np.zeros((31, 37), bool))})
    yield case(I.field("smooth", "u8", (31, 37), 422), "condition all True: every element in C order",
               extra_inputs={"condition": I.raw("alltrue_31x37", np.ones((31, 37), bool))})
    yield case(I.field("smooth", "f32", (31, 37), 424), "condition's shape differs", error=True,
               extra_inputs={"condition": I.field("blobs", "bool", (37, 31), 425)})


def random_case(rng):
    _, shape, dtype = random_inputs.shape_and_dtype(rng)
    dtype = rng.choice(["bool", "uint8", "uint16", "float32", "float64"])
    arr = random_inputs.image(rng, shape, dtype)
    return arr, {}, {"condition": random_inputs.image(rng, shape, "bool")}


scipy_peer = None
opencv_peer = None
itk_peer = None
