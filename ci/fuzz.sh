#!/usr/bin/env bash
# Coverage-guided fuzzing of skbench's parsers with libFuzzer (clang 14, ASan + UBSan): the .npy reader, op
# parameters and footprints, the results-JSON reader of gate and report, and opening a history store.
#   bash ci/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 30 s each, every target: CI's smoke run)
# SKB_FUZZ_SEED (default 1) fixes libFuzzer's random sequence, so CI's smoke run explores the same inputs on every
# run (a slower machine a prefix of them): a finding there is reproducible, not luck. Campaigns: set another seed.
# Each target starts from a copy of its committed corpus (tests/fuzz/corpus/<target>) plus its past findings
# (tests/fuzz/regressions/<target>), runs on one core for the time given, and stops at its first finding. A
# finding is saved under build/fuzz/findings/<target>/ (crash-*, leak-*, timeout-*, oom-*); commit it to
# tests/fuzz/regressions/<target>/ with the fix, where ctest replays it in every build. Exit status: the number
# of targets with a finding. New inputs that grew coverage stay in build/fuzz/corpus/<target> (merge the useful
# ones into the committed corpus with `-merge=1`).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(npy params results_json history)
cmake --preset fuzz >/dev/null && cmake --build --preset fuzz || exit 100
# One target per core at a time (each libFuzzer run is one process on one core, so each explores as much as it
# would alone); a target's lines are printed when it ends. Exit status: the number of targets with a finding.
fuzz_one() {
    local target=$1
    corpus=build/fuzz/corpus/$target out=build/fuzz/findings/$target
    mkdir -p "$corpus" "$out"
    cp -n tests/fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null
    [ -d tests/fuzz/regressions/"$target" ] && cp -n tests/fuzz/regressions/"$target"/* "$corpus"/ 2>/dev/null
    log=$out/fuzz.log
    # -max_len: the history target needs whole SQLite pages; the others stay small. -rss_limit_mb: a parser
    # that allocates what a header claims (gigabytes) is a finding, not a slow run.
    max_len=4096
    [ "$target" = history ] && max_len=65536
    build/fuzz/bin/skb_fuzz_"$target" "$corpus" -max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 \
        -timeout=10 -seed="${SKB_FUZZ_SEED:-1}" -print_final_stats=1 -artifact_prefix="$out/" >"$log" 2>&1
    rc=$?
    stats=$(grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$log" | tr '\n' ' ')
    cov=$(grep -oE "cov: [0-9]+ ft: [0-9]+" "$log" | tail -1)
    if [ $rc -eq 0 ]; then
        echo "fuzz $target: ${seconds}s, no finding; $cov; $stats"
    else
        echo "fuzz $target: FINDING (exit $rc), saved in $out:"
        grep -E "ERROR|SUMMARY|what\(\)|^    #[0-9]+ .* in skb" "$log" | head -20
    fi
    return $rc
}
findings=0 running=0
for target in "${targets[@]}"; do
    if [ "$running" -ge "$(nproc)" ]; then
        wait -n || findings=$((findings + 1))
        running=$((running - 1))
    fi
    fuzz_one "$target" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || findings=$((findings + 1))
    running=$((running - 1))
done
exit "$findings"
