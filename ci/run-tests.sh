#!/usr/bin/env bash
# The README's test command: set up, then build and run every test in the release build, again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and again under ThreadSanitizer (the parallel paths). The release
# build also links a portable opt (no -march=native): skbench_portable, tested there and counted by the gate.
# Ends with the wall time of every stage (ci/stage_times.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/stage_times.sh
stage setup bash ci/setup.sh
for preset in release asan tsan; do
  echo "== $preset: configure, build, test"
  stage "$preset build" bash -c "cmake --preset $preset >/dev/null && cmake --build --preset $preset"
  stage "$preset tests" ctest --preset "$preset" -j "$(nproc)"
done
