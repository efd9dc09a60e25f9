#!/usr/bin/env bash
# The README's main command: set up, build the release binaries, verify every backend against scikit-image's
# golden outputs (op x backend table), then run the quick benchmark suite side by side with the peers and print
# its table, record the run in the history store and write a report of it. Results: results/quick-<date>.json
# (override: SKB_RESULTS=path), results/history.sqlite, results/report.html and results/summary.md.
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
