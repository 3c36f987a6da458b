#!/usr/bin/env bash
# tools/gpu/session.sh BINS OUT_DIR [STEPS]: one device call's worth of GPU work, logs packed
# for the trip back (the device tool returns at most 8 files). BINS is tools/gpu/pack.sh's
# archive or a folder of the programs; STEPS is a comma-separated subset of
#   tests     tools/gpu/run-on-gpu.sh (runtime tests, kernel suite stress, main job, launch bench)
#   gemm      tools/gpu/bench-gemm.sh (kernels/gemm.tile against torch.matmul)
#   memory    tools/gpu/bench-memory.sh (memory-bound kernels against copy and torch)
#   lightning lacc-lightning at the ANCHORS.md shapes (b*n = 65536, h 32, d 128)
#   bench-lightning  lacc-bench-lightning (the op at the ANCHORS.md family, d 128 and 64) and
#             tools/bench/lightning_sdpa.py (PyTorch SDPA, causal flash, on the same shapes):
#             OUT_DIR/lightning.csv and OUT_DIR/lightning.png (tokens/s against n); ~2 min
#   attention lacc-bench-attention (the flash-attention tutorial's forward, Z 4, H 32, N 1K..16K,
#             d 64 and 128, causal and not; ATTENTION_ARGS adds flags) and
#             tools/bench/attention_sdpa.py (SDPA, flash backend, same shapes): OUT_DIR/attention.md
#   sweep     lacc-lightning's kernel configurations (slice, BLOCK, warps) at b 16, h 32, n 4096
#   lightning-tests  the lightning kernels' numerics (KernelTests *Lightning*) on the GPU, and
#             racecheck over them
#   kernel-tests     KernelTests on the GPU, filtered by KERNEL_TESTS (a gtest filter; default all)
#   race      compute-sanitizer racecheck and memcheck over a subset of the kernel suite
#   sass      ptxas + cuobjdump over the PTX in .device-carry/ptx: HMMA counts per kernel
#   tnl       the TNL layer and model on the GPU: their tests (KernelTests *TNL*, *Embedding*,
#             *CrossEntropy*, *AdamW*, *Heads*, *SRMSNormBwdAdd*), the training main job
#             (lacc-tnl at its GPU config, then a second run resumed from its checkpoint), and
#             the layer benchmark (lacc-tnl-bench, TNL-385M layer, b*n = 65536, n = 1K..64K)
#             beside the same layer in PyTorch eager (bench_torch_tnl.py); then the benchmark
#             at n = 1K and 16K with the weight gradients unsplit (--split-k=off), to compare
# (default: tests,gemm,lightning,race,sass). Writes OUT_DIR/summary.txt and OUT_DIR/logs.tar.gz.
# Each step is cut at STEP_LIMIT seconds (default 300; exit 124 in the summary).
set -uo pipefail
if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 BINS.tar.xz|BIN_DIR OUT_DIR [STEPS]" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$HERE/lib.sh"
gpu_setup session "$1" "$2"
STEPS=${3:-tests,gemm,lightning,race,sass}
LOGS=$WORK/logs
mkdir -p "$LOGS" || exit 1
SUMMARY=$OUT/summary.txt
: > "$SUMMARY"
has() { [[ ",$STEPS," == *",$1,"* ]]; }
note() { echo "$*" | tee -a "$SUMMARY"; }
timed() { # NAME CMD...: runs CMD (at most $STEP_LIMIT s), logs to $LOGS/NAME.log, notes status and time
  local name=$1 start=$SECONDS
  shift
  timeout "${STEP_LIMIT:-300}" "$@" > "$LOGS/$name.log" 2>&1
  local rc=$?
  note "[$name] exit $rc in $((SECONDS - start)) s"
  return $rc
}
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader |
  sed 's/^/gpu: /' | tee -a "$SUMMARY"
unset LACC_TEST_DEVICE

if has tests; then
  timed tests bash "$HERE/run-on-gpu.sh" "$BIN" "$LOGS/tests"
  grep -h "PASSED\|FAILED\|process\|third run\|all steps\|SOME STEPS" "$LOGS/tests.log" | head -n 30 >> "$SUMMARY"
  grep -h -A12 "=== 3. main job" "$LOGS/tests.log" >> "$SUMMARY"
fi
if has gemm; then
  timed gemm bash "$HERE/bench-gemm.sh" "$BIN" "$LOGS/gemm"
  cat "$LOGS/gemm/table.md" >> "$SUMMARY" 2>/dev/null
fi
if has lightning; then
  export LACC_CACHE_DIR=$LOGS/cache-lightning
  for n in 1024 4096 16384 65536; do
    timed "lightning-n$n" "$BIN/lacc-lightning" --device=gpu --batch=$((65536 / n)) --heads=32 \
      --n=$n --dim=128
    tail -n 8 "$LOGS/lightning-n$n.log" >> "$SUMMARY"
  done
fi
if has bench-lightning; then
  export LACC_CACHE_DIR=$LOGS/cache-bench-lightning
  timed bench-lightning "$BIN/lacc-bench-lightning" --csv "$OUT/lightning.csv"
  grep -h '^|\|spread\|ALL OK\|SOME FAILED' "$LOGS/bench-lightning.log" >> "$SUMMARY"
  PYTHONUNBUFFERED=1 timed bench-lightning-sdpa python3 "$HERE/../bench/lightning_sdpa.py" \
    "$OUT/lightning.csv" "$OUT/lightning.png"
  grep -h 'sdpa\|wrote\|Error\|error' "$LOGS/bench-lightning-sdpa.log" | head -n 20 >> "$SUMMARY"
fi
if has attention; then
  export LACC_CACHE_DIR=$LOGS/cache-attention
  timed attention "$BIN/lacc-bench-attention" --csv "$OUT/attention.csv" ${ATTENTION_ARGS:-}
  grep -h '^|\|ALL OK\|SOME FAILED' "$LOGS/attention.log" >> "$SUMMARY"
  PYTHONUNBUFFERED=1 timed attention-sdpa python3 "$HERE/../bench/attention_sdpa.py" \
    "$OUT/attention.csv" --table "$OUT/attention.md"
  cat "$OUT/attention.md" >> "$SUMMARY" 2>/dev/null
fi
if has sweep; then
  export LACC_CACHE_DIR=$LOGS/cache-sweep
  # SWEEP_CONFIGS: "slice block warps" triples separated by commas.
  IFS=, read -ra configs <<< "${SWEEP_CONFIGS:-32 64 4,16 64 4,64 64 4,64 64 8,32 128 8,64 128 8,128 64 8}"
  for cfg in "${configs[@]}"; do
    set -- $cfg
    timed "sweep-s$1-b$2-w$3" "$BIN/lacc-lightning" --device=gpu --batch=16 --heads=32 --n=4096 \
      --dim=128 --slice=$1 --block=$2 --warps=$3
    note "slice $1 BLOCK $2 warps $3: $(grep -h 'forward\|backward\|OK\|FAILED\|error' \
      "$LOGS/sweep-s$1-b$2-w$3.log" | tr -s ' ' | tr '\n' ';')"
  done
fi
if has lightning-tests; then
  export LACC_CACHE_DIR=$LOGS/cache-lt LACC_TEST_DEVICE=gpu
  timed lightning-tests "$BIN/KernelTests" --gtest_filter='*Lightning*:*Attention*'
  tail -n 3 "$LOGS/lightning-tests.log" >> "$SUMMARY"
  timed lightning-racecheck compute-sanitizer --tool racecheck --error-exitcode 9 \
    "$BIN/KernelTests" --gtest_filter='*Lightning*D64*'
  grep -h "RACECHECK SUMMARY\|PASSED\|FAILED" "$LOGS/lightning-racecheck.log" | head -n 3 >> "$SUMMARY"
  unset LACC_TEST_DEVICE
fi
if has kernel-tests; then
  export LACC_CACHE_DIR=$LOGS/cache-kt LACC_TEST_DEVICE=gpu
  timed kernel-tests "$BIN/KernelTests" --gtest_filter="${KERNEL_TESTS:-*}"
  grep -h "FAILED\|PASSED" "$LOGS/kernel-tests.log" | head -n 20 >> "$SUMMARY"
  unset LACC_TEST_DEVICE
fi
if has race; then
  export LACC_CACHE_DIR=$LOGS/cache-race LACC_TEST_DEVICE=gpu
  filter='*Gemm*:*Softmax*:*RowNorm*:*Lightning*D64*:*LightningOpSegments*:*LayerNormTutorial*:*Atomic*:*Lowering*:*TmaRank3*:*TmaStore*'
  for tool in racecheck memcheck; do
    timed "sanitizer-$tool" compute-sanitizer --tool "$tool" --error-exitcode 9 \
      "$BIN/KernelTests" --gtest_filter="$filter"
    grep -h "ERROR SUMMARY\|RACECHECK SUMMARY\|PASSED\|FAILED" "$LOGS/sanitizer-$tool.log" |
      head -n 5 >> "$SUMMARY"
  done
  unset LACC_TEST_DEVICE
fi
if has sass; then
  for ptx in "$HERE"/../../.device-carry/ptx/*.ptx; do
    [[ -e "$ptx" ]] || continue
    name=$(basename "$ptx" .ptx)
    arch=$(sed -n 's/^\.target \(sm_[0-9a-z]*\).*/\1/p' "$ptx")
    if ptxas -arch="$arch" -v "$ptx" -o "$LOGS/$name.cubin" > "$LOGS/ptxas-$name.log" 2>&1; then
      cuobjdump -sass "$LOGS/$name.cubin" > "$LOGS/$name.sass"
      note "$name ($arch): HGMMA $(grep -c HGMMA "$LOGS/$name.sass"), UTMALDG $(grep -c UTMALDG "$LOGS/$name.sass"), HMMA $(grep -c HMMA "$LOGS/$name.sass"), LDSM $(grep -c LDSM "$LOGS/$name.sass"), LDGSTS $(grep -c LDGSTS "$LOGS/$name.sass"); $(grep -o 'Used [0-9]* registers' "$LOGS/ptxas-$name.log"), $(grep -o '[0-9]* bytes spill stores' "$LOGS/ptxas-$name.log")"
    else
      note "$name: ptxas failed: $(tail -n 2 "$LOGS/ptxas-$name.log")"
    fi
  done
fi
if has tnl; then
  export LACC_CACHE_DIR=$LOGS/cache-tnl LACC_TEST_DEVICE=gpu
  timed tnl-tests "$BIN/KernelTests" \
    --gtest_filter='*TNL*:*Embedding*:*CrossEntropy*:*AdamW*:*Heads*:*SRMSNormBwdAdd*:*GemmSplitK*'
  tail -n 3 "$LOGS/tnl-tests.log" >> "$SUMMARY"
  unset LACC_TEST_DEVICE
  # The corpus: the kernel sources built into the program, plus the docs when run from a checkout.
  corpus=$(ls "$HERE"/../../README.md "$HERE"/../../docs/*.md 2>/dev/null | paste -sd, -)
  timed tnl-train "$BIN/lacc-tnl" --device=gpu --steps=300 --corpus="$corpus" \
    --save="$WORK/tnl.ckpt"
  cat "$LOGS/tnl-train.log" >> "$SUMMARY"
  timed tnl-resume "$BIN/lacc-tnl" --device=gpu --steps=320 --corpus="$corpus" \
    --resume="$WORK/tnl.ckpt" --sample=0
  grep -h "resumed\|final" "$LOGS/tnl-resume.log" >> "$SUMMARY"
  timed tnl-bench "$BIN/lacc-tnl-bench" --csv="$LOGS/tnl-bench.csv" --by-kernel
  cat "$LOGS/tnl-bench.log" >> "$SUMMARY"
  timed tnl-bench-unsplit "$BIN/lacc-tnl-bench" --n=1024,16384 --split-k=off --by-kernel
  { echo "--- weight gradients unsplit (--split-k=off):"; cat "$LOGS/tnl-bench-unsplit.log"; } >> "$SUMMARY"
  timed tnl-torch python3 "$HERE/bench_torch_tnl.py" "$LOGS/tnl-torch.csv"
  cat "$LOGS/tnl-torch.log" >> "$SUMMARY"
  python3 - "$LOGS/tnl-bench.csv" "$LOGS/tnl-torch.csv" <<'PY' >> "$SUMMARY" 2>&1
import csv, os, sys
read = lambda p: {r["n"]: r for r in csv.DictReader(open(p))} if os.path.exists(p) else {}
lacc, torch = read(sys.argv[1]), read(sys.argv[2])
print("| n | b | lacc tokens/s | torch eager tokens/s | lacc / torch | lacc gemm / attention / small ms |")
print("|---|---|---|---|---|---|")
rates = []
for n, r in lacc.items():
    t = torch.get(n)
    lt = float(r["tokens_per_s"])
    rates.append(lt)
    tt = float(t["tokens_per_s"]) if t else float("nan")
    print(f"| {n} | {r['b']} | {lt:,.0f} | {tt:,.0f} | {lt / tt:.2f} | "
          f"{float(r['gemm_ms']):.2f} / {float(r['attention_ms']):.2f} / {float(r['small_ms']):.2f} |")
if rates:
    mean = sum(rates) / len(rates)
    print(f"lacc tokens/s spread over n: {min(rates) / mean - 1:+.1%} .. {max(rates) / mean - 1:+.1%} of the mean")
PY
fi
if has memory; then
  timed memory bash "$HERE/bench-memory.sh" "$BIN" "$LOGS/memory"
  cat "$LOGS/memory/table.md" >> "$SUMMARY" 2>/dev/null
fi
rm -rf "$LOGS"/cache-* "$LOGS"/*.cubin
tar czf "$OUT/logs.tar.gz" -C "$LOGS" .
