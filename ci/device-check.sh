#!/usr/bin/env bash
# The README's GPU commands as one bounded script, for a machine with an NVIDIA GPU and no build tools of ours
# (binaries built elsewhere with nvcc, plus the shared libraries they need):
#   bash ci/device-check.sh BIN_DIR LIB_DIR OUT_DIR [SECONDS]
# BIN_DIR holds skbench and skb_conformance; LIB_DIR is prepended to LD_LIBRARY_PATH (libtbb, libbenchmark,
# libsqlite3 where the machine lacks them). Writes OUT_DIR/device.log plus each stage's file:
#   list.txt        skbench list (a cuda column appears when a device is found)
#   verify.txt      every golden case on the device (skbench verify --backend cuda)
#   vs-emulator.txt device_vs_emulator + conformance_cuda: each golden input through cuda and cuda-emu
#   gpu-quick.json  the quick benchmark suite on cuda (kernel_ms, transfer_ms, transfer bytes and calls),
#                   every case verified against ref first
#   memcheck.txt    compute-sanitizer memcheck over the device verification, where compute-sanitizer exists
# Each stage gets a share of SECONDS (default 400) and is cut off at it; the exit status is the number of stages
# that failed or were cut off (0: all passed).
set -uo pipefail
bin=$(realpath "$1") lib=$(realpath "$2") out=$(realpath "$3") budget=${4:-400}
cd "$(dirname "$0")/.."
export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" SKB_GOLDEN_DIR="$PWD/golden/data"
mkdir -p "$out"
start=$SECONDS failures=0
log() { echo "[$((SECONDS - start))s] $*" | tee -a "$out/device.log"; }
# stage NAME SHARE(percent of the budget) OUTFILE COMMAND...: run with a timeout, log its status and duration.
stage() {
    local name=$1 share=$2 file=$3
    shift 3
    local limit=$((budget * share / 100)) t0=$SECONDS rc
    log "stage $name (limit ${limit}s): $*"
    timeout --kill-after=5 "$limit" "$@" >"$out/$file" 2>&1
    rc=$?
    tail -n 15 "$out/$file" >>"$out/device.log"
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then log "stage $name CUT OFF after $((SECONDS - t0))s"
    else log "stage $name exit $rc in $((SECONDS - t0))s"; fi
    [ $rc -eq 0 ] || failures=$((failures + 1))
}

log "machine: $(uname -srm), $(nproc) cores"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv >>"$out/device.log" 2>&1
ldd "$bin/skbench" | grep -i "not found" >>"$out/device.log" && log "missing shared libraries (above)"
stage list 2 list.txt "$bin/skbench" list
stage verify 10 verify.txt "$bin/skbench" verify --backend cuda --golden "$SKB_GOLDEN_DIR"
stage bench 30 gpu-quick.json.log "$bin/skbench" bench --quick --filter '/cuda/' --repetitions 3 --min-time 0.1 \
    --out "$out/gpu-quick.json"
stage vs-emulator 40 vs-emulator.txt "$bin/skb_conformance" \
    --gtest_filter='device_vs_emulator.*:conformance_cuda.*'
if command -v compute-sanitizer >/dev/null; then
    stage memcheck 15 memcheck.txt compute-sanitizer --tool memcheck --print-limit 20 \
        "$bin/skbench" verify --backend cuda --golden "$SKB_GOLDEN_DIR"
else
    log "compute-sanitizer not found: memcheck skipped"
fi
log "done: $failures stage(s) failed or cut off"
exit "$failures"
