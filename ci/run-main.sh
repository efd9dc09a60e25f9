#!/usr/bin/env bash
# The README's main command: set up, build the release binaries, verify every backend against scikit-image's
# golden outputs (op x backend table), then run the quick benchmark suite side by side with the peers and print
# its table, record the run in the history store and write a report of it. Results: results/quick-<date>.json
# (override: SKB_RESULTS=path), results/history.sqlite, results/report.html and results/summary.md (with the
# Python package's seed-notebook comparison, results/python-seed.json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
build/release/bin/skbench verify
mkdir -p results
out="${SKB_RESULTS:-results/quick-$(date +%Y%m%d-%H%M%S).json}"
build/release/bin/skbench bench --quick --with-peers --out "$out"
# Keep the run in the history store (results/history.sqlite), where skbench gate and reports find it.
build/release/bin/skbench record "$out"
# A report of this run (one machine column) with the store's history: results/report.html, results/summary.md.
build/release/bin/skbench report "$out" results/history.sqlite --html results/report.html --md results/summary.md
# The Python package and the seed notebook redone with it (scikit-image, Dask + scikit-image, skbench, Dask +
# skbench) plus the API's call overhead per op: results/python-seed.json, and its tables in the report.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation --no-deps .
.venv/bin/python bench/python/seed_notebook.py --out results/python-seed.json --md results/python-seed.md \
  --append-md results/summary.md --append-html results/report.html
