"""The out-of-core run, small: a zarr volume larger than each worker's memory limit, smoothed through two capped
workers into a zarr output; every worker's peak RSS stays under its limit and sub-volumes of the output equal the
in-memory call (bench/python/out_of_core.py is the full-size run)."""
import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench" / "python"))
import out_of_core  # noqa: E402


def test_volume_larger_than_a_worker_streams_through(tmp_path):
    pytest.importorskip("zarr")
    shape, chunks = (128, 1024, 1024), (16, 256, 1024)  # 512 MiB of float32 in 16 MiB chunks
    stats = out_of_core.run(tmp_path, shape, chunks, workers=2, memory_limit="384MiB", sigma=2.0, regions=3)
    assert stats["bytes"] > max(stats["worker_memory_limit"])
    for peak, limit in zip(stats["worker_peak_rss"], stats["worker_memory_limit"]):
        assert peak < limit, f"a worker peaked at {peak / 2**20:.0f} MiB, over its {limit / 2**20:.0f} MiB limit"
