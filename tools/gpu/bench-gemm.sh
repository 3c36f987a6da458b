#!/usr/bin/env bash
# tools/gpu/bench-gemm.sh BINS OUT_DIR: kernels/gemm.tile against cuBLAS (torch.matmul) on the GPU
# machine, in one run. BINS is the archive of tools/gpu/pack.sh or a directory holding
# lacc-bench-gemm; OUT_DIR receives lacc-KERNEL.csv / .log for each kernel of GEMM_KERNELS
# (default gemm; every configuration), torch.csv / torch.log, and table.md (each kernel's best
# configuration per shape against cuBLAS), printed last.
# Exit status: 0 when both ran and every lacc configuration passed its check.
set -uo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: $0 BINS.tar.xz|BIN_DIR OUT_DIR" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
gpu_setup gemmbench "$1" "$2"
gpu_require lacc-bench-gemm
export LACC_CACHE_DIR=$WORK/cache
status=0
# GEMM_KERNELS: the kernels (lacc-bench-gemm --kernel) to time, space-separated; GEMM_ARGS:
# more flags for each run (e.g. --only bf16).
kernels=${GEMM_KERNELS:-gemm}
for kernel in $kernels; do
  echo "=== lacc $kernel"
  "$BIN/lacc-bench-gemm" --kernel "$kernel" ${GEMM_ARGS:-} --csv "$OUT/lacc-$kernel.csv" 2>&1 |
    tee "$OUT/lacc-$kernel.log" || status=1
done
echo "=== torch.matmul (cuBLAS)"
PYTHONUNBUFFERED=1 python3 "$HERE/bench_torch_gemm.py" "$OUT/torch.csv" 2>&1 | tee "$OUT/torch.log" ||
  status=1
python3 - "$OUT/torch.csv" $kernels > "$OUT/table.md" <<PY
import csv, sys
torch = {(r["dtype"], r["shape"]): float(r["tflops"]) for r in csv.DictReader(open(sys.argv[1]))}
print("| kernel | dtype | shape | lacc best config | lacc TFLOP/s | cuBLAS TFLOP/s | lacc / cuBLAS |")
print("|---|---|---|---|---|---|---|")
for kernel in sys.argv[2:]:
    best = {}
    for r in csv.DictReader(open(f"$OUT/lacc-{kernel}.csv")):
        if r["status"] != "ok":
            continue
        key = (r["dtype"], r["shape"])
        if key not in best or float(r["tflops"]) > float(best[key]["tflops"]):
            best[key] = r
    for key, r in best.items():
        t = torch.get(key, float("nan"))
        ratio = float(r["tflops"]) / t if t == t and t > 0 else float("nan")
        print(f"| {kernel} | {key[0]} | {key[1]} | {r['config']} | {float(r['tflops']):.1f} | "
              f"{t:.1f} | {ratio:.2f} |")
PY
cat "$OUT/table.md"
exit $status
