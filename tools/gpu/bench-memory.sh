#!/usr/bin/env bash
# tools/gpu/bench-memory.sh BINS OUT_DIR: issue 7's memory-bound kernels on the GPU machine, against
# a device-to-device copy and against torch's own ops, in one run. BINS is the archive of
# tools/gpu/pack.sh or a directory holding lacc-bench-kernels; OUT_DIR receives
#   gpu.txt      the card (nvidia-smi)
#   cases.csv    lacc-bench-kernels --list: the kernels, shapes and bytes moved
#   lacc.csv     lacc-bench-kernels --csv: every configuration's median, GB/s, % of copy, check
#   lacc.log     its output (per configuration, then a Markdown table of default and best)
#   torch.csv    tools/gpu/bench_torch_memory.py: torch's ops on the same shapes, same method
#   torch.log    its output
#   table.md     the merged table (tools/gpu/merge_bench_memory.py), printed last
# Run from anywhere; the Python scripts are read from this script's directory. About 2-3 minutes
# on an H200. Exit status: 0 when both benchmarks ran and every lacc configuration passed its
# checks.
set -uo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 BINS.tar.xz|BIN_DIR OUT_DIR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
gpu_setup membench "$1" "$2"
gpu_require lacc-bench-kernels
export LACC_CACHE_DIR=$WORK/cache # a fresh kernel cache
status=0

echo "=== machine"
if ! nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit \
  --format=csv > "$OUT/gpu.txt"; then
  echo "bench-memory.sh: nvidia-smi found no GPU here; this script is for the GPU machine" >&2
  exit 1
fi
cat "$OUT/gpu.txt"

echo
echo "=== lacc-bench-kernels"
"$BIN/lacc-bench-kernels" --list > "$OUT/cases.csv" || exit 1
"$BIN/lacc-bench-kernels" --csv "$OUT/lacc.csv" > "$OUT/lacc.log" 2>&1 || status=1
# The per-configuration lines are in lacc.log; its table and verdict are enough here.
sed -n '/^## /,$p' "$OUT/lacc.log"
grep -E "error:|FAIL" "$OUT/lacc.log" | head -n 20

echo
echo "=== torch"
python3 "$HERE/bench_torch_memory.py" --cases "$OUT/cases.csv" --out "$OUT/torch.csv" \
  > "$OUT/torch.log" 2>&1 || status=1
tail -n 60 "$OUT/torch.log"

echo
echo "=== lacc against the copy and against torch (GB/s; target: >= 80% of copy, faster than torch)"
python3 "$HERE/merge_bench_memory.py" "$OUT/lacc.csv" "$OUT/torch.csv" | tee "$OUT/table.md"
echo
echo "=== $( ((status == 0)) && echo "both benchmarks ran, every check passed" ||
  echo "SOMETHING FAILED: see lacc.log and torch.log") (files in $OUT)"
exit $status
