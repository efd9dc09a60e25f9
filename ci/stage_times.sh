# Sourced by the CI scripts: `stage NAME command...` runs a command and records its wall time; the script that
# started the record (no SKB_STAGE_TIMES given) prints every stage's time when it exits, failed or not. .ci/run
# starts one record for run-tests.sh and gate.sh together.
if [ -z "${SKB_STAGE_TIMES:-}" ]; then
  export SKB_STAGE_TIMES
  SKB_STAGE_TIMES=$(mktemp)
  trap print_stage_times EXIT
fi
stage() {
  local name=$1 start=$SECONDS status=0
  shift
  "$@" || status=$?
  printf '%s\t%d\t%s\n' "$name" $((SECONDS - start)) "$([ $status -eq 0 ] && echo ok || echo "FAILED ($status)")" \
    >>"$SKB_STAGE_TIMES"
  return $status
}
print_stage_times() {
  echo "== time per stage (wall seconds)"
  awk -F'\t' '{ printf "%-16s %6d s  %s\n", $1, $2, $3; total += $2 }
              END { printf "%-16s %6d s (%.1f min)\n", "total", total, total / 60 }' "$SKB_STAGE_TIMES"
}
