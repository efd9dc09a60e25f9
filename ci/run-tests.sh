#!/usr/bin/env bash
# The README's test command: set up, then build and run every test in the release build, again under
# AddressSanitizer + UndefinedBehaviorSanitizer, again under ThreadSanitizer (the parallel paths), and again in
# the portable `gate` build (opt without -march=native; the gate self-test, which needs valgrind).
# Ends with the wall time of every stage (ci/stage_times.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/stage_times.sh
stage setup bash ci/setup.sh
for preset in release asan tsan gate; do
  echo "== $preset: configure, build, test"
  stage "$preset build" bash -c "cmake --preset $preset >/dev/null && cmake --build --preset $preset"
  stage "$preset tests" ctest --preset "$preset" -j "$(nproc)"
done
