#!/usr/bin/env bash
# The README's main command: set up, build the release binaries, verify every backend against scikit-image's
# golden outputs (op x backend table), then run the quick benchmark suite side by side with the peers and print
# its table, and record the run in the history store. Results: results/quick-<date>.json (override:
# SKB_RESULTS=path) and results/history.sqlite.
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
