#!/usr/bin/env bash
# The pull-request gate in one command (ci/pr_gate.py --help): builds the base commit (cached) and this tree, times
# the cases the change can affect side by side, gates wall time and the deterministic metrics, and writes
# summary.md, report.html, junit.xml and both sides' results into --out (default results/pr-gate).
#   bash ci/pr-gate.sh --base origin/main [--filter REGEX] [--out DIR]
# Exit codes as skbench gate's: 0 pass, 1 regression, 2 bad input, 3 a build or run failed, 4 infrastructure.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 ci/pr_gate.py "$@"
