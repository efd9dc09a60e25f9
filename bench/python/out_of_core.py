"""Out of core: a zarr volume larger than the Dask workers' memory limits, smoothed by skbench.dask into a zarr
output, chunk by chunk, on a LocalCluster (the same code runs on a real cluster: pass its scheduler address).
Reports throughput and each worker's peak RSS against its limit, and spot-checks sub-volumes of the output against
the in-memory call on the same region. tests/python/test_out_of_core.py runs a small version.

  .venv/bin/python bench/python/out_of_core.py --gib 8 --workers 2 --memory-limit 2GiB --dir /tmp/ooc
"""
import argparse
import json
import pathlib
import resource
import shutil
import sys
import time

import dask.array as da
import numpy as np


def _peak_rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_volume(path, shape, chunks, seed=0):
    """A smooth random float32 volume written chunk by chunk by the cluster (the client never holds it)."""
    noise = da.random.default_rng(seed).random(shape, chunks=chunks, dtype=np.float32)
    noise.to_zarr(str(path), overwrite=True)


def smooth_volume(source, target, sigma, threads=1):
    import skbench.dask
    volume = da.from_zarr(str(source))
    smooth = skbench.dask.filters.gaussian(volume, sigma=sigma, threads=threads)
    smooth.to_zarr(str(target), overwrite=True)


def spot_check(source, target, sigma, regions, seed=1):
    """Sub-volumes of the output against skbench.filters.gaussian on the input region grown by the op's reach."""
    import zarr
    import skbench
    from skbench import _skbench
    src, out = zarr.open_array(str(source), mode="r"), zarr.open_array(str(target), mode="r")
    reach = _skbench.reach("filters.gaussian", "float32", list(src.shape), {"sigma": repr(float(sigma))})
    rng = np.random.default_rng(seed)
    for _ in range(regions):
        lo = [int(rng.integers(0, n - min(n, 40) + 1)) for n in src.shape]
        hi = [lo_d + min(n, 40) for lo_d, n in zip(lo, src.shape)]
        glo = [max(0, a - r) for a, r in zip(lo, reach)]
        ghi = [min(n, b + r) for b, r, n in zip(hi, reach, src.shape)]
        grown = src[tuple(slice(a, b) for a, b in zip(glo, ghi))]
        expected = skbench.filters.gaussian(grown, sigma=sigma)[tuple(slice(a - g, b - g) for a, b, g in zip(lo, hi, glo))]
        actual = out[tuple(slice(a, b) for a, b in zip(lo, hi))]
        if not np.array_equal(actual, expected):
            raise AssertionError(f"out-of-core output differs from the in-memory call on region {lo}..{hi}")


def run(directory, shape, chunks, workers, memory_limit, sigma=2.0, regions=4, address=None):
    """Writes the input, smooths it on the cluster, spot-checks; returns the measurements."""
    import distributed
    directory = pathlib.Path(directory)
    source, target = directory / "volume.zarr", directory / "smooth.zarr"
    if address:
        client, cluster = distributed.Client(address), None
    else:
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           memory_limit=memory_limit, dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        make_volume(source, shape, chunks)
        client.run(lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)))  # no core files from a killed worker
        start = time.perf_counter()
        smooth_volume(source, target, sigma)
        seconds = time.perf_counter() - start
        peaks = sorted(client.run(_peak_rss).values())
        limits = sorted(w["memory_limit"] for w in client.scheduler_info()["workers"].values())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    spot_check(source, target, sigma, regions)
    nbytes = int(np.prod(shape)) * 4
    return {"shape": list(shape), "chunks": list(chunks), "bytes": nbytes, "workers": workers, "sigma": sigma,
            "seconds": seconds, "gb_per_s": nbytes / seconds / 1e9, "worker_peak_rss": peaks,
            "worker_memory_limit": limits}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=8.0, help="volume size in GiB of float32 (default 8)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GiB", help="per worker (dask's syntax)")
    parser.add_argument("--sigma", type=float, default=2.0)
    parser.add_argument("--dir", required=True, help="scratch directory for the zarr stores (removed after)")
    parser.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address instead of a LocalCluster")
    parser.add_argument("--out", default=None, help="write the measurements as JSON here")
    args = parser.parse_args(argv)
    plane = 2048 * 2048
    depth = max(8, int(args.gib * 2**30 / 4 / plane))
    directory = pathlib.Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    try:
        stats = run(directory, (depth, 2048, 2048), (16, 512, 2048), args.workers, args.memory_limit, args.sigma,
                    address=args.scheduler)
    finally:
        shutil.rmtree(directory / "volume.zarr", ignore_errors=True)
        shutil.rmtree(directory / "smooth.zarr", ignore_errors=True)
    text = json.dumps(stats, indent=1)
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
