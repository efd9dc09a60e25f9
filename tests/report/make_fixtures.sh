#!/usr/bin/env bash
# Regenerates the report test's fixtures (tests/report/fixtures/) from real skbench runs on this machine:
#   a-1.json  the release build: 256^2 cases of rgb2gray, sobel and otsu, ref/opt, 1-2 threads, with the peers
#   a-2.json  the same cases from skbench_planted with SKB_PLANT=peak_doubles (a real, deliberate regression)
#   b.json    a-1.json measured again, with its machine context rewritten to a fictitious second machine
#             ("fixture-b"): the report's cross-machine layout needs two machines and CI has one. Its timings
#             are this machine's; only the test uses it.
# usage: bash tests/report/make_fixtures.sh build/release/bin   (then commit tests/report/fixtures)
set -euo pipefail
bin=${1:?usage: make_fixtures.sh BUILD_BIN_DIR}
out=$(dirname "$0")/fixtures
filter='^(color\.rgb2gray|filters\.sobel|filters\.threshold_otsu)/(ref|opt)/256x256/'
"$bin/skbench" bench --with-peers --quick --threads 2 --repetitions 3 --filter "$filter" --out "$out/a-1.json"
SKB_PLANT=peak_doubles "$bin/skbench_planted" bench --quick --threads 2 --repetitions 3 --filter "$filter" \
  --out "$out/a-2.json"
"$bin/skbench" bench --with-peers --quick --threads 2 --repetitions 3 --filter "$filter" --out "$out/b.json"
python3 - "$out/b.json" <<'PY'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
doc["context"].update({"host_name": "fixture-b", "cpu_model": "Fixture CPU B (context rewritten for the report test)",
                       "stream_triad_GBps": 2 * doc["context"]["stream_triad_GBps"], "hardware_threads": 2})
json.dump(doc, open(path, "w"), indent=1)
PY
echo "wrote $out/a-1.json $out/a-2.json $out/b.json"
