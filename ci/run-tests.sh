#!/usr/bin/env bash
# The README's test command: set up, then build and run every test in the release build (and the Python package's
# tests against it), again under AddressSanitizer + UndefinedBehaviorSanitizer, and again under ThreadSanitizer
# (the parallel paths), then a short libFuzzer run of each parser (ci/fuzz.sh, 30 s each). The release build also
# links a portable opt (no -march=native): skbench_portable, tested there and counted by the gate.
# Ends with the wall time of every stage (ci/stage_times.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source ci/stage_times.sh
stage setup bash ci/setup.sh
for preset in release asan tsan; do
  echo "== $preset: configure, build, test"
  stage "$preset build" bash -c "cmake --preset $preset >/dev/null && cmake --build --preset $preset"
  stage "$preset tests" ctest --preset "$preset" -j "$(nproc)"
  if [ "$preset" = release ]; then
    # The Python package (pyproject.toml): installed into .venv from the release tree just built (only the module
    # is left to link), then its tests: every golden case through the API, the GIL, threads, Dask, out of core.
    stage "python tests" bash -c ".venv/bin/python -m pip install -q --disable-pip-version-check --no-build-isolation \
      --no-deps . && .venv/bin/python -m pytest -q -p no:cacheprovider tests/python"
  fi
done
# Coverage-guided fuzzing smoke run: every target of tests/fuzz for 30 s from its committed corpus (clang build of
# the parsers' libraries only). Longer campaigns: bash ci/fuzz.sh 600.
stage "fuzz smoke" bash ci/fuzz.sh 30
