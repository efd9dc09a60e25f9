"""skbench.dask: skbench's ops over dask.array arrays, in one process or across a dask.distributed cluster.

    >>> import dask.array as da, skbench.dask
    >>> volume = da.from_zarr("volume.zarr")                      # larger than memory: chunks stream through
    >>> smooth = skbench.dask.filters.gaussian(volume, sigma=3.0)  # lazy, like any dask array
    >>> smooth.to_zarr("smooth.zarr")

Each function has the NumPy API's signature (no out=). How an op is carried over chunks:
- Local ops (each output element reads a bounded neighbourhood: gaussian, sobel, median, the morphology, ...) run
  per chunk through an overlap whose depth is the op's reach for these parameters (the op spec's, e.g. gaussian's
  int(truncate * sigma + 0.5)), so the chunked result equals the whole-array call exactly.
- filters.threshold_otsu is a reduction: the global min and max, per-chunk histograms summed (exact), and the
  threshold from their counts, as the op computes it. It returns a NumPy scalar (computed).
- measure.label labels each chunk, merges the labels that touch across chunk faces (scikit-image's connectivity
  and equal values) and renumbers the components to scikit-image's order (by first pixel in C order). It returns a
  lazy array over the chunks' labels, which are computed once (persisted).
- Every other op needs the whole image: it runs on one chunk holding all of it (the result is correct; it does not
  scale out).

On a cluster, create a dask.distributed Client first (a scheduler address or a LocalCluster): the same code then
runs on its workers, which need the skbench package installed.
"""
import dask
import dask.array as da
import numpy as np

from .. import _skbench
from .. import ops as _ops
from .._api import install_functions


def _meta(array):
    return (str(array.dtype), [int(n) for n in array.shape])


def _as_dask(value, what, op_id):
    if isinstance(value, da.Array):
        return value
    if value is None:
        raise TypeError(f"{op_id}: {what} is None, not an array")
    return da.asarray(np.asarray(value))


class _Call:
    """One op call over dask arrays: its bound arguments, parameter texts and output meta (checked up front, so
    bad input fails at the call, as in the NumPy API)."""

    def __init__(self, op, args, kwargs):
        if "out" in kwargs:
            raise TypeError(f"{op.id}: skbench.dask functions take no out= (results are dask arrays)")
        self.op = op
        a = op.bind(args, kwargs)
        self.image = _as_dask(a["image"], "image", op.id)
        self.extras = [(name, _as_dask(a[name], name, op.id)) for name in op.extras if a[name] is not None]
        self.texts = op.texts(a)
        self.backend, self.threads = op.run_options(op.id, a)
        self.out_dtype, self.out_shape = _skbench.output_meta(
            op.id, self.backend, _meta(self.image), [(n, _meta(e)) for n, e in self.extras], self.texts)
        self.out_dtype = np.dtype(self.out_dtype)

        self.run_block = _BlockRunner(op.id, self.backend, self.texts, self.threads, [n for n, _ in self.extras])


class _BlockRunner:
    """Runs the op on one block: what a task ships to a worker (names and texts only, never the dask arrays, whose
    graphs may hold the data)."""

    def __init__(self, op_id, backend, texts, threads, extra_names):
        self.op_id, self.backend, self.texts, self.threads, self.extra_names = op_id, backend, texts, threads, extra_names

    def __call__(self, image, extras):
        return _skbench.run(self.op_id, self.backend, np.ascontiguousarray(image),
                            [(n, np.ascontiguousarray(e)) for n, e in zip(self.extra_names, extras)], self.texts,
                            self.threads, None)


def _whole(call):
    """The op on one chunk holding the whole image (ops that are not local)."""
    image = call.image.rechunk(-1)
    extras = [e.rechunk(-1) for _, e in call.extras]
    runner, op, names, texts = call.run_block, call.op, [n for n, _ in call.extras], call.texts
    if any(n < 0 for n in call.out_shape):  # the data decides the result's shape
        def run(x, *es):
            return op.shape_result(runner(x, es), x, list(zip(names, es)), texts)
        return dask.delayed(run)(image, *extras)

    def block(x, *es):
        return runner(x, es)
    out_ndim = len(call.out_shape)
    result = da.map_blocks(block, image, *extras, dtype=call.out_dtype,
                           chunks=tuple((n,) for n in call.out_shape),
                           drop_axis=list(range(out_ndim, image.ndim)) if out_ndim < image.ndim else None,
                           new_axis=list(range(image.ndim, out_ndim)) if out_ndim > image.ndim else None,
                           meta=np.empty((0,) * out_ndim, call.out_dtype))
    return result[()] if out_ndim == 0 else result


def _local(call, reach):
    """The op per chunk through an overlap of its reach; each block's result is trimmed back to its chunk."""
    desc = call.op.desc
    image = call.image
    lead = 1 if desc["stacked_symmetric"] else 0
    trail = 1 if desc["channels"] else 0
    spatial = list(range(lead, image.ndim - trail))
    # Non-spatial axes whole; spatial chunks at least the reach wide, as overlap needs; an axis in one chunk needs
    # no overlap (the op's own boundary mode sees the whole axis).
    chunks = {a: -1 for a in range(image.ndim) if a not in spatial}
    for a, r in zip(spatial, reach):
        if r > 0 and min(image.chunks[a]) < r:
            chunks[a] = max(r, max(image.chunks[a]))
    image = image.rechunk(chunks) if chunks else image
    depth = {a: (r if len(image.chunks[a]) > 1 else 0) for a, r in zip(spatial, reach)}
    # 'wrap' reads the far side of the axis: the chunks at the ends get it from a periodic overlap. Other modes
    # read the image's own edge, which only edge chunks touch: no overlap beyond the image.
    periodic = call.texts.get("mode") == "wrap"
    boundary = {a: ("periodic" if periodic else "none") for a in range(image.ndim)}
    full_depth = {a: depth.get(a, 0) for a in range(image.ndim)}
    grown = da.overlap.overlap(image, depth=full_depth, boundary=boundary)
    extras = [da.overlap.overlap(e.rechunk(image.chunks), depth=full_depth, boundary=boundary)
              for _, e in call.extras]
    out_ndim = len(call.out_shape)
    out_lead = out_ndim - len(spatial)

    runner = call.run_block

    def block(x, *es, block_info=None):
        where, count = block_info[0]["chunk-location"], block_info[0]["num-chunks"]
        result = runner(x, es)
        keep = [slice(None)] * out_lead
        for i, a in enumerate(spatial):
            d = depth[a]
            before = d if (periodic or where[a] > 0) else 0
            after = d if (periodic or where[a] < count[a] - 1) else 0
            keep.append(slice(before, result.shape[out_lead + i] - after))
        return result[tuple(keep)]

    # Each block's result is its grown chunk less the overlap it trims: the chunk's own extent.
    out_chunks = tuple((n,) for n in call.out_shape[:out_lead]) + tuple(
        tuple(g - (depth[a] if (periodic or i > 0) else 0) - (depth[a] if (periodic or i < len(grown.chunks[a]) - 1) else 0)
              for i, g in enumerate(grown.chunks[a])) for a in spatial)
    kwargs = {}
    if out_ndim < image.ndim:
        kwargs["drop_axis"] = list(range(out_ndim, image.ndim))
    elif out_ndim > image.ndim:
        kwargs["new_axis"] = list(range(out_ndim - image.ndim))
    return da.map_blocks(block, grown, *extras, dtype=call.out_dtype, chunks=out_chunks,
                         meta=np.empty((0,) * out_ndim, call.out_dtype), **kwargs)


def _threshold_otsu(call):
    """Otsu's threshold from per-chunk histograms: integer images one bin per integer, float images nbins bins over
    [min, max] in their float type (bool: float64 0/1, as NumPy bins it)."""
    image = call.image
    kind = image.dtype.kind
    if kind == "b":
        image = image.astype(np.float64)
    if image.dtype.kind == "f":
        finite = da.isfinite(image)
        if not bool(finite.all().compute()):
            index = int(da.argmin(finite.ravel()).compute())
            raise ValueError(f"filters.threshold_otsu: input holds a non-finite value at flat index {index}")
    lo, hi = dask.compute(image.min(), image.max())
    if lo == hi:  # a constant image is its own threshold: the op says in which dtype
        return call.op(np.full((1,) * image.ndim, call.image.dtype.type(lo)), backend=call.backend, **_param_kwargs(call))
    if image.dtype.kind == "f":
        nbins = int(call.texts.get("nbins", "256"))

        def count(b):
            return _skbench.otsu_float_counts(np.ascontiguousarray(b), lo, hi, nbins)
    else:
        span = int(hi) - int(lo) + 1

        def count(b):
            return np.bincount((b.astype(np.int64) - int(lo)).ravel(), minlength=span)
    parts = dask.compute(*[dask.delayed(count)(block) for block in image.to_delayed().ravel()])
    total = np.sum(parts, axis=0)
    threshold = _skbench.otsu_threshold(np.ascontiguousarray(total, dtype=np.int64), float(lo), float(hi),
                                        str(image.dtype))
    return call.out_dtype.type(threshold)


def _param_kwargs(call):
    """The call's op parameters as the NumPy API's keyword arguments (texts, which it accepts for every kind)."""
    from .._api import default_value
    kwargs = {}
    for name, text in call.texts.items():
        param = call.op.params[name]
        kwargs[name] = default_value(dict(param, default=text))
    return kwargs


def _label(call):
    """Labels per chunk, merged across chunk faces, renumbered in scikit-image's order."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    image = call.image
    ndim = image.ndim
    connectivity = int(call.texts.get("connectivity", ndim))
    label_dtype = call.out_dtype

    runner = call.run_block
    local = image.map_blocks(lambda b: runner(b, []), dtype=label_dtype).persist()
    counts = local.map_blocks(lambda b: np.array([int(b.max()) if b.size else 0]).reshape((1,) * ndim),
                              dtype=np.int64, chunks=tuple((1,) * len(c) for c in local.chunks)).compute()
    offsets = np.cumsum(np.concatenate([[0], counts.ravel()]))[:-1].reshape(counts.shape)
    total = int(counts.sum())

    def to_global(b, block_info=None):
        offset = offsets[tuple(block_info[0]["chunk-location"])]
        return np.where(b > 0, b.astype(np.int64) + offset, 0)
    globl = local.map_blocks(to_global, dtype=np.int64)

    shape = image.shape

    def firsts(b, starts):
        first = _skbench.first_positions(np.ascontiguousarray(b), int(b.max()) if b.size else 0)
        coords = np.unravel_index(np.maximum(first, 0), b.shape)
        flat = np.ravel_multi_index(tuple(c + s for c, s in zip(coords, starts)), shape)
        return np.where(first >= 0, flat, -1)
    # Per chunk, each label's first pixel as a flat index into the whole image (labels are numbered by first
    # pixel within a chunk, whose C order is the image's).
    first_parts = [dask.delayed(firsts)(local.blocks[idx], [sum(local.chunks[d][:i]) for d, i in enumerate(idx)])
                   for idx in np.ndindex(*local.numblocks)]

    # Pairs of labels that touch across each chunk boundary: the two image planes on either side, every neighbour
    # offset the connectivity allows, equal values, neither background.
    plane_pairs = []
    for axis in range(ndim):
        edges = np.cumsum(image.chunks[axis])[:-1]
        for e in edges:
            before = tuple(slice(None) if d != axis else slice(e - 1, e) for d in range(ndim))
            after = tuple(slice(None) if d != axis else slice(e, e + 1) for d in range(ndim))
            plane_pairs.append((axis, globl[before], globl[after], image[before], image[after]))
    computed_planes, first_blocks = dask.compute([p[1:] for p in plane_pairs], first_parts)
    sources, targets = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for (axis, *_), (la, lb, va, vb) in zip(plane_pairs, computed_planes):
        la, lb, va, vb = (np.squeeze(x, axis) for x in (la, lb, va, vb))
        for shift in np.ndindex(*(3,) * (ndim - 1)):
            shift = np.array(shift) - 1
            if 1 + np.count_nonzero(shift) > connectivity:
                continue
            src = tuple(slice(max(0, -s), n - max(0, s)) for s, n in zip(shift, la.shape))
            dst = tuple(slice(max(0, s), n - max(0, -s)) for s, n in zip(shift, la.shape))
            a, b = la[src], lb[dst]
            touch = (a > 0) & (b > 0) & (va[src] == vb[dst])
            sources.append(a[touch])
            targets.append(b[touch])
    src = np.concatenate(sources)
    dst = np.concatenate(targets)
    graph = coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)), shape=(total + 1, total + 1))
    _, component = connected_components(graph, directed=False)
    first = np.concatenate([np.zeros(0, np.int64)] + [f.ravel() for f in first_blocks])
    # Components by their first pixel: scikit-image's numbering.
    ids = component[1:]
    start = np.full(ids.max() + 1 if ids.size else 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(start, ids, first)
    used = np.unique(ids)
    order = used[np.argsort(start[used], kind="stable")]
    renumber = np.zeros(start.size, dtype=np.int64)
    renumber[order] = np.arange(1, order.size + 1)
    lookup = np.zeros(total + 1, dtype=label_dtype)
    lookup[1:] = renumber[ids]
    return globl.map_blocks(lambda b: lookup[b], dtype=label_dtype)


_SPECIAL = {"filters.threshold_otsu": _threshold_otsu, "measure.label": _label}


def _call(op, args, kwargs):
    call = _Call(op, args, kwargs)
    if op.id in _SPECIAL:
        return _SPECIAL[op.id](call)
    reach = _skbench.reach(op.id, str(call.image.dtype), [int(n) for n in call.image.shape], call.texts)
    if reach is None:
        return _whole(call)
    return _local(call, reach)


def _make(op):
    def function(*args, **kwargs):
        return _call(op, args, kwargs)
    params = [p for name, p in op.signature.parameters.items() if name != "out"]
    function.__signature__ = op.signature.replace(parameters=params)
    function.__name__ = function.__qualname__ = op.name
    function.__module__ = f"{__name__}.{op.module}"
    how = ("a reduction over chunks" if op.id in _SPECIAL else "per chunk with an overlap of its reach"
           if op.desc["local"] else "on one chunk holding the whole image")
    function.__doc__ = f"{op.docstring()}\n\nskbench.dask: dask arrays in and out; runs {how}."
    return function


install_functions(__name__, _ops, _make, "over dask arrays")
