"""The NumPy API's contract: generated signatures and docs, no copies of C-contiguous inputs, out=, the GIL
released while a kernel runs, concurrent calls, and bad input refused before anything is written."""
import inspect
import threading

import numpy as np
import pytest

import skbench
import skbench.filters
import skbench.measure
import skbench.morphology
from skbench import _skbench


def smooth(shape, dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random(shape).astype(dtype)


def test_every_registry_op_has_its_function():
    for op_id, op in skbench.ops.items():
        if op.desc["test_only"]:
            continue
        module, name = op_id.split(".")
        assert callable(getattr(getattr(skbench, module), name)), op_id


def test_signature_is_scikit_images():
    sig = inspect.signature(skbench.filters.gaussian)
    assert list(sig.parameters) == ["image", "sigma", "mode", "cval", "preserve_range", "truncate", "backend",
                                    "threads", "out"]
    assert sig.parameters["sigma"].default == 1.0
    assert sig.parameters["mode"].default == "nearest"
    assert sig.parameters["mode"].kind is inspect.Parameter.KEYWORD_ONLY
    assert "Gaussian" in skbench.filters.gaussian.__doc__
    watershed = inspect.signature(skbench.segmentation.watershed)
    assert list(watershed.parameters)[:2] == ["image", "markers"]


def test_result_matches_cli_semantics_and_dtype():
    image = smooth((64, 80))
    out = skbench.filters.gaussian(image, 2.0)
    assert out.dtype == np.float32 and out.shape == image.shape
    ref = skbench.filters.gaussian(image, sigma=2.0, backend="ref")
    assert ref.dtype == np.float32  # scikit-image keeps float32; ref rounds its float64 result
    np.testing.assert_allclose(out, ref, atol=2e-6)


def test_scalar_and_list_results():
    t = skbench.filters.threshold_otsu((smooth((32, 32)) * 255).astype(np.uint8))
    assert isinstance(t, np.generic)
    h = skbench.feature.hessian_matrix(smooth((20, 24)), sigma=1.5)
    assert isinstance(h, list) and len(h) == 3 and h[0].shape == (20, 24)
    ev = skbench.feature.hessian_matrix_eigvals(h)
    assert ev.shape == (2, 20, 24)
    labels = skbench.measure.label(smooth((40, 40)) > 0.7)
    table = skbench.measure.regionprops_table(labels, properties=("label", "area", "bbox"))
    assert list(table)[:3] == ["label", "area", "bbox-0"] and table["label"].dtype == np.int64


def test_footprint_arrays_and_texts_agree():
    image = (smooth((50, 60)) * 255).astype(np.uint8)
    from skimage.morphology import disk
    a = skbench.morphology.erosion(image, disk(2))
    b = skbench.morphology.erosion(image, "disk:2")
    np.testing.assert_array_equal(a, b)


def test_contiguous_inputs_are_not_copied_and_strided_ones_once():
    image = smooth((128, 256))
    _skbench.audit_reset_peak()
    skbench.filters.gaussian(image, sigma=1.0, threads=1)
    contiguous = _skbench.audit_snapshot()["peak_bytes"]
    view = np.asfortranarray(image)  # same values, not C-contiguous
    _skbench.audit_reset_peak()
    strided = skbench.filters.gaussian(view, sigma=1.0, threads=1)
    copied = _skbench.audit_snapshot()["peak_bytes"]
    assert copied - contiguous == image.nbytes  # exactly one audited copy of the input
    np.testing.assert_array_equal(strided, skbench.filters.gaussian(image, sigma=1.0, threads=1))


def test_out_is_written_in_place_and_returned():
    image = smooth((64, 64))
    out = np.empty_like(image)
    result = skbench.filters.gaussian(image, sigma=1.5, out=out)
    assert result is out
    np.testing.assert_array_equal(out, skbench.filters.gaussian(image, sigma=1.5))


@pytest.mark.parametrize("bad_out, message", [
    (np.full((64, 63), 7, np.float32), "out= is float32 64x63, the result is float32 64x64"),
    (np.full((64, 64), 7, np.float64), "out= is float64 64x64, the result is float32 64x64"),
])
def test_bad_out_is_refused_before_anything_is_written(bad_out, message):
    with pytest.raises(ValueError, match=message):
        skbench.filters.gaussian(smooth((64, 64)), sigma=1.0, out=bad_out)
    assert (bad_out == 7).all()


def test_bad_parameter_leaves_out_untouched():
    out = np.full((32, 32), 7, np.float32)
    with pytest.raises(ValueError, match="mode"):
        skbench.filters.gaussian(smooth((32, 32)), mode="bogus", out=out)
    assert (out == 7).all()


@pytest.mark.parametrize("call, error, message", [
    (lambda: skbench.filters.gaussian(np.zeros((8, 8), np.int8)), TypeError, "dtype int8"),
    (lambda: skbench.filters.gaussian(np.zeros((8, 8), np.int32)), ValueError, "filters.gaussian"),
    (lambda: skbench.filters.gaussian(np.zeros((8, 8)), sigma=-1.0), ValueError, "sigma"),
    (lambda: skbench.filters.gaussian(np.zeros((8, 8)), sigma="wide"), TypeError, "sigma"),
    (lambda: skbench.filters.gaussian(np.zeros((8, 8)), 1.0, "reflect"), TypeError, "filters.gaussian"),
    (lambda: skbench.filters.gaussian(np.zeros((8, 8)), threads=0), ValueError, "threads=0"),
    (lambda: skbench.filters.gaussian(np.zeros((8, 8)), backend="gpu"), ValueError, "gpu"),
    (lambda: skbench.filters.gaussian(np.zeros(8)), ValueError, "filters.gaussian"),
    (lambda: skbench.morphology.erosion(np.zeros((8, 8), np.uint8), np.ones((3, 3, 3))), ValueError, "3-d"),
    (lambda: skbench.segmentation.watershed(np.zeros((8, 8))), TypeError, "markers"),
])
def test_bad_input_raises_one_line(call, error, message):
    with pytest.raises(error, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_the_gil_is_released_while_a_kernel_runs():
    image = smooth((1024, 1024), np.float64)
    done = threading.Event()
    progress = 0

    def kernel():
        skbench.filters.gaussian(image, sigma=6.0, backend="ref")
        done.set()

    worker = threading.Thread(target=kernel)
    worker.start()
    while not done.is_set():
        progress += 1  # Python bytecode: runs only while the kernel thread does not hold the GIL
    worker.join()
    # ref's gaussian of 1M pixels with 49 taps per axis takes well over 0.1 s; a Python loop turns ~10^6 times in
    # that time. Holding the GIL would leave the loop stuck for the whole kernel (a handful of turns at most).
    assert progress > 10_000


def test_concurrent_calls_equal_sequential_ones():
    images = [smooth((96, 128), np.float32, seed) for seed in range(4)]
    calls = [
        lambda x: skbench.filters.gaussian(x, sigma=2.0),
        lambda x: skbench.filters.median((x * 255).astype(np.uint8)),
        lambda x: skbench.measure.label(x > 0.6),
        lambda x: skbench.filters.sobel(x, backend="cuda-emu"),
    ]
    expected = [[f(x) for x in images] for f in calls]
    results = {}

    def worker(i):
        for j, f in enumerate(calls):
            for _ in range(3):
                results[(i, j)] = f(images[i])
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for (i, j), r in results.items():
        np.testing.assert_array_equal(r, expected[j][i])
    assert len(results) == 16


def test_type_stubs_are_current():
    from conftest import ROOT
    from skbench import _stubs
    assert _stubs.main(["--check", "--dir", str(ROOT / "python" / "skbench")]) == 0, \
        "regenerate: .venv/bin/python -m skbench._stubs --dir python/skbench"
    installed = skbench.filters.__doc__  # the generated module itself
    assert installed and "filters" in installed


def test_threads_and_backends_give_identical_results():
    image = (smooth((200, 300)) * 65535).astype(np.uint16)
    one = skbench.filters.median(image, threads=1)
    two = skbench.filters.median(image, threads=2)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, skbench.filters.median(image, backend="ref"))


def test_reversed_and_sliced_views_are_read_correctly():
    image = smooth((60, 70))
    for view in (image[::-1], image[:, ::-2], image[5:50:3, 7:]):
        np.testing.assert_array_equal(skbench.filters.sobel(view), skbench.filters.sobel(np.ascontiguousarray(view)))


def test_empty_result():
    arr = smooth((10, 12))
    empty = skbench.numpy.extract(arr, condition=np.zeros((10, 12), bool))
    assert empty.shape == (0,) and empty.dtype == arr.dtype


def test_byte_swapped_and_unsupported_dtypes():
    image = smooth((30, 40))
    swapped = image.astype(">f4")
    np.testing.assert_array_equal(skbench.filters.gaussian(swapped), skbench.filters.gaussian(image))
    for bad, name in ((np.array([["a"] * 4] * 4), "<U1"), (np.zeros((4, 4), object), "object"),
                      (np.zeros((4, 4), np.float16), "float16"), (np.zeros((4, 4), np.complex64), "complex64")):
        with pytest.raises(TypeError, match=f"dtype {name}") as info:
            skbench.filters.gaussian(bad)
        assert "\n" not in str(info.value)
