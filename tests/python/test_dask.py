"""skbench.dask: chunked results equal the whole-array call exactly (opt) for every local op over the golden
cases' inputs and parameters, for threshold_otsu and label on chunk grids that cut through objects; the same on
a dask.distributed LocalCluster."""
import json

import dask
import dask.array as da
import numpy as np
import pytest

import skbench
import skbench.dask
from golden.ops.params import call_kwargs, param_value

from conftest import GOLDEN, load

MANIFEST = json.loads((GOLDEN / "manifest.json").read_text())


def chunked(x, parts=3, lead=0, trail=0):
    """x as a dask array cut into about `parts` chunks along every spatial axis (uneven last chunks)."""
    chunks = []
    for axis, n in enumerate(x.shape):
        if axis < lead or axis >= x.ndim - trail:
            chunks.append(n)
        else:
            chunks.append(max(1, -(-n // parts)))
    return da.from_array(x, chunks=tuple(chunks))


def local_cases():
    picked = []
    for c in MANIFEST["cases"]:
        op = skbench.ops[c["op"]]
        if c["expect_error"] or op.desc["test_only"] or not op.desc["local"]:
            continue
        lead = 1 if op.desc["stacked_symmetric"] else 0
        trail = 1 if op.desc["channels"] else 0
        spatial = c["input_shape"][lead:len(c["input_shape"]) - trail]
        if min(spatial) >= 6:  # room for several chunks
            picked.append(pytest.param(c, id=c["id"]))
    return picked


@pytest.mark.parametrize("case", local_cases())
def test_local_op_chunked_equals_whole(case):
    op = skbench.ops[case["op"]]
    kwargs = call_kwargs({k: param_value(v) for k, v in case["params"].items()})
    image = load(case["input"])
    extras = {name: load(path) for name, path in case.get("extra_inputs", {}).items()}
    lead = 1 if op.desc["stacked_symmetric"] else 0
    trail = 1 if op.desc["channels"] else 0
    whole = skbench.op(case["op"])(image, **extras, **kwargs)
    module, name = case["op"].split(".")
    fn = getattr(getattr(skbench.dask, module), name)
    lazy = fn(chunked(image, lead=lead, trail=trail), **{k: chunked(v) for k, v in extras.items()}, **kwargs)
    result = lazy.compute(scheduler="threads")
    if isinstance(whole, list):
        whole = np.stack(whole)
    assert result.dtype == whole.dtype and result.shape == whole.shape
    np.testing.assert_array_equal(result, whole)


def blobs(shape, seed, threshold=0.55, sigma=2.0):
    rng = np.random.default_rng(seed)
    field = skbench.filters.gaussian(rng.random(shape).astype(np.float32), sigma=sigma)
    return field > np.quantile(field, threshold)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32", "float64", "bool"])
@pytest.mark.parametrize("backend", ["opt", "ref"])
def test_threshold_otsu_from_chunk_histograms(dtype, backend):
    rng = np.random.default_rng(3)
    if dtype == "bool":
        image = rng.random((70, 90)) > 0.3
    elif dtype.startswith("uint"):
        image = (rng.random((70, 90)) ** 2 * (200 if dtype == "uint8" else 5000)).astype(dtype)
    else:
        image = skbench.filters.gaussian(rng.random((70, 90)), sigma=1.0).astype(dtype) * 3 - 1
    whole = skbench.filters.threshold_otsu(image, backend=backend)
    result = skbench.dask.filters.threshold_otsu(chunked(image, parts=4), backend=backend)
    assert np.asarray(result).dtype == np.asarray(whole).dtype and result == whole


def test_threshold_otsu_constant_and_non_finite():
    constant = np.full((20, 20), 7, np.uint8)
    assert skbench.dask.filters.threshold_otsu(chunked(constant)) == skbench.filters.threshold_otsu(constant)
    bad = np.zeros((20, 20), np.float32)
    bad[13, 4] = np.nan
    with pytest.raises(ValueError, match="non-finite value at flat index 264"):
        skbench.dask.filters.threshold_otsu(chunked(bad))


@pytest.mark.parametrize("shape, parts", [((90, 110), 4), ((30, 40, 50), 3)])
@pytest.mark.parametrize("connectivity", [1, None])
def test_label_merges_across_chunks_in_scikit_image_order(shape, parts, connectivity):
    mask = blobs(shape, seed=len(shape), threshold=0.6 if len(shape) == 2 else 0.8, sigma=3.0 if len(shape) == 2 else 1.5)
    whole = skbench.measure.label(mask, connectivity=connectivity)
    assert whole.max() > 10
    result = skbench.dask.measure.label(chunked(mask, parts=parts), connectivity=connectivity).compute()
    assert result.dtype == whole.dtype
    np.testing.assert_array_equal(result, whole)


def test_label_of_values_with_a_background():
    rng = np.random.default_rng(5)
    values = (skbench.filters.gaussian(rng.random((80, 80)), sigma=3.0) * 12).astype(np.int32) % 4
    whole = skbench.measure.label(values, background=2, connectivity=1)
    result = skbench.dask.measure.label(chunked(values, parts=5), background=2, connectivity=1).compute()
    np.testing.assert_array_equal(result, whole)


def test_whole_image_op_runs_on_one_chunk():
    mask = blobs((60, 60), seed=9)
    result = skbench.dask.segmentation.clear_border(chunked(mask)).compute()
    np.testing.assert_array_equal(result, skbench.segmentation.clear_border(mask))


def test_bad_input_fails_at_the_call():
    with pytest.raises(ValueError, match="mode"):
        skbench.dask.filters.gaussian(chunked(np.zeros((20, 20), np.float32)), mode="bogus")
    with pytest.raises(TypeError, match="out="):
        skbench.dask.filters.gaussian(chunked(np.zeros((20, 20), np.float32)), out=np.zeros((20, 20)))


def test_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        volume = np.random.default_rng(0).random((40, 64, 64)).astype(np.float32)
        smooth = skbench.dask.filters.gaussian(chunked(volume, parts=2), sigma=2.0).compute()
        np.testing.assert_array_equal(smooth, skbench.filters.gaussian(volume, sigma=2.0))
        mask = blobs((40, 64, 64), seed=1, sigma=2.0)
        labels = skbench.dask.measure.label(chunked(mask, parts=2)).compute()
        np.testing.assert_array_equal(labels, skbench.measure.label(mask))
        assert skbench.dask.filters.threshold_otsu(chunked(volume, parts=2)) == skbench.filters.threshold_otsu(volume)
        assert len(client.scheduler_info()["workers"]) == 2
