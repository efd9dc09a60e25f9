#!/usr/bin/env bash
# The README's main command: set up, build the release binary, verify every backend against the golden outputs
# of scikit-image and print the op x backend table.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release
build/release/bin/skbench verify
