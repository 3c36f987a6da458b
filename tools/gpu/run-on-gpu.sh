#!/usr/bin/env bash
# tools/gpu/run-on-gpu.sh BINS OUT_DIR: what runs on the GPU machine, in one go. BINS is the
# archive of tools/gpu/pack.sh (KernelTests, RuntimeTests, lacc-lightning, lacc-bench-runtime)
# or a directory holding those programs; OUT_DIR receives the logs. Nothing here depends on
# where the repository, the archive or OUT_DIR are: the programs carry their kernels, and
# everything else (unpacked programs, kernel caches) lives in a temporary directory that is
# removed at the end ($TMPDIR, else /tmp).
#   1. the runtime's tests, GPU tests included;
#   2. a stress run: 4 processes, each the whole kernel suite on the GPU
#      (LACC_TEST_DEVICE=gpu: every kernel's numerics against the CPU suite's references,
#      outputs poisoned before each run), compiling and launching the same kernels on one
#      shared, initially empty cache directory; then every cache entry truncated or bit-flipped
#      and the suite run again (2 processes at once): every result must be right, and a third
#      run must find no bad entry left behind. (Threads sharing one cache are covered by
#      RuntimeTests' disk-cache tests, in step 1.)
#   3. the main job (lightning attention fwd+bwd) at three settings;
#   4. the runtime benchmark (launch overhead, cold compile, warm start).
# Exit status: 0 when every step passed.
set -uo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 BINS.tar.xz|BIN_DIR OUT_DIR" >&2
  exit 2
fi
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
gpu_setup gpu "$1" "$2"
gpu_require KernelTests RuntimeTests lacc-lightning lacc-bench-runtime
unset LACC_TEST_DEVICE
status=0
step() { echo; echo "=== $*"; }

step "machine"
if ! nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv > "$OUT/gpu.txt"; then
  echo "run-on-gpu.sh: nvidia-smi found no GPU here; this script is for the GPU machine" >&2
  exit 1
fi
cat "$OUT/gpu.txt"

step "1. runtime tests"
export LACC_CACHE_DIR=$WORK/cache-tests
"$BIN/RuntimeTests" > "$OUT/runtime-tests.log" 2>&1 || status=1
tail -n 25 "$OUT/runtime-tests.log"

# Kernel numerics on the GPU: the stress step below runs the suite (4 processes at once).
FILTER=${LACC_GPU_FILTER:-*}
kernel_tests() { LACC_TEST_DEVICE=gpu "$BIN/KernelTests" --gtest_filter="$FILTER"; }

step "2. stress: 4 processes, one shared cache, then corrupted entries"
export LACC_CACHE_DIR=$WORK/cache-stress
for i in 1 2 3 4; do
  kernel_tests > "$OUT/stress-$i.log" 2>&1 &
done
wait
for i in 1 2 3 4; do
  tail -n 1 "$OUT/stress-$i.log" | sed "s/^/process $i: /"
  grep -q "PASSED.*tests" "$OUT/stress-$i.log" && ! grep -q FAILED "$OUT/stress-$i.log" || status=1
done
find "$LACC_CACHE_DIR" -type f | wc -l | sed 's/^/cache entries: /'
python3 - "$LACC_CACHE_DIR" <<'PY'
import os, sys
d = sys.argv[1]
for i, name in enumerate(sorted(os.listdir(d))):
    p = os.path.join(d, name)
    data = bytearray(open(p, "rb").read())
    if i % 2:
        data = data[: len(data) // 2]          # truncated
    else:
        data[len(data) // 2] ^= 0x10           # one bit flipped
    open(p, "wb").write(data)
print("corrupted", len(os.listdir(d)), "entries")
PY
for i in 1 2; do
  kernel_tests > "$OUT/stress-corrupt-$i.log" 2>&1 &
done
wait
for i in 1 2; do
  tail -n 1 "$OUT/stress-corrupt-$i.log" | sed "s/^/after corruption, process $i: /"
  grep -q "PASSED.*tests" "$OUT/stress-corrupt-$i.log" && ! grep -q FAILED "$OUT/stress-corrupt-$i.log" || status=1
done
grep -h -i "corrupt\|truncat\|checksum" "$OUT"/stress-corrupt-*.log | sort | uniq -c | head -n 5
kernel_tests > "$OUT/stress-after.log" 2>&1 || status=1
echo "third run: $(tail -n 1 "$OUT/stress-after.log"); reports of bad entries: $(grep -c -i 'corrupt\|truncat\|checksum' "$OUT/stress-after.log")"

step "3. main job"
export LACC_CACHE_DIR=$WORK/cache-main
for args in "--dim=64" "--dim=128 --n=16384 --batch=2" "--dim=128 --no-decay" \
            "--batch=16 --heads=32 --n=4096 --dim=128"; do
  # shellcheck disable=SC2086 # the arguments are words
  "$BIN/lacc-lightning" --device=gpu $args 2>&1 | tee -a "$OUT/lightning.log" || status=1
done

step "4. runtime benchmark"
export LACC_CACHE_DIR=$WORK/cache-bench
"$BIN/lacc-bench-runtime" 2>&1 | tee "$OUT/bench.log" || status=1
echo
echo "=== $( ((status == 0)) && echo "all steps passed" || echo "SOME STEPS FAILED" ) (logs in $OUT)"
exit $status
