#!/usr/bin/env bash
# The README's main command: set up, build the release binaries, verify every backend against scikit-image's
# golden outputs (op x backend table), then run the quick benchmark suite side by side with the peers and print
# its table. Results: results/quick-<date>.json (override: SKB_RESULTS=path).
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
build/release/bin/skbench verify
mkdir -p results
out="${SKB_RESULTS:-results/quick-$(date +%Y%m%d-%H%M%S).json}"
build/release/bin/skbench bench --quick --with-peers --out "$out"
