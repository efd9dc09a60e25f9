#!/usr/bin/env bash
# The CI performance gate, deterministic part: builds the release preset's skbench_portable (opt without
# -march=native, which valgrind can run), measures every op x backend on small fixed cases (1 thread: bytes,
# float64 bytes, dtypes; callgrind instruction counts) and gates them against the committed baseline for this
# build (ci/baselines/<build fingerprint>.json). Wall time is not gated here: shared CI machines drift too much for
# a hard verdict (skbench gate without --deterministic-only does that).
#   bash ci/gate.sh                    gate; exit 0 pass, 1 regression, 4 no usable baseline (see skbench gate --help)
#   bash ci/gate.sh --update-baseline  measure and write this build's baseline (commit it after review)
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target skbench_portable
skbench=build/release/bin/skbench_portable
mkdir -p results
current=results/ci-gate.json
# One repetition: the deterministic counters come from each case's audited run, not from its timing.
"$skbench" bench --filter '^[a-z]+\.[a-z0-9_]+/(ref|opt|cuda-emu)/256x256/[a-z0-9]+/threads:1$' \
  --with-emulator --threads 1 --repetitions 1 --min-time 0 --out "$current"
python3 ci/instruction_counts.py --skbench "$skbench" --into "$current"
if [ "${1:-}" = "--update-baseline" ]; then
  build=$("$skbench" gate --fingerprint --current "$current" | awk '$1 == "build" {print $2}')
  mkdir -p ci/baselines
  cp "$current" "ci/baselines/$build.json"
  echo "ci/gate.sh: wrote ci/baselines/$build.json (review and commit it)"
  exit 0
fi
"$skbench" gate --deterministic-only --baseline ci/baselines --current "$current" --md results/ci-gate.md
