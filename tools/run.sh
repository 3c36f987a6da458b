#!/usr/bin/env bash
# tools/run.sh: the main job. Installs what is missing and builds (tools/setup.sh), then
#   1. compiles every @kernel of kernels/*.tile to PTX (build/kernels/NAME.ptx, with the launch
#      metadata beside it in NAME.ptx.json) and prints one line per kernel;
#   2. trains a small TransNormerLLM on the repository's own sources as bytes (build/bin/lacc-tnl,
#      lacc/nn/TNLModel.h): on the GPU 4 layers, D = 512, for 400 steps; without one, a tiny
#      model for a few steps on the CPU interpreter. Prints the corpus's unigram entropy, the
#      loss curve, tokens/s, the time per step by kernel family, the held-out loss, and a greedy
#      sample through the decode step; saves a checkpoint, and a second run resumes from it
#      (it must measure the same held-out loss) and trains two more steps;
#   3. runs lightning attention forward and backward end to end (build/bin/lacc-lightning)
#      against the fp64 reference.
# Arguments are passed to lacc-tnl (e.g. --steps=100 --dim=256). Exit status: 0 when every
# kernel compiled, both training runs succeeded (the resumed one with the same loss), and every
# lightning error is below the bar.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="${LACC_BUILD_DIR:-$ROOT/build}"
"$ROOT/tools/setup.sh" --build-dir "$BUILD_DIR" >&2

OUT_DIR="$BUILD_DIR/kernels"
mkdir -p "$OUT_DIR"
failed=0
echo "== Compiling kernels/*.tile to PTX (sm_90a, 4 warps)"
for file in "$ROOT"/kernels/*.tile; do
  for kernel in $(sed -n '/^@kernel/{n;s/^def \([A-Za-z_0-9]*\).*/\1/p}' "$file"); do
    out="$OUT_DIR/$kernel.ptx"
    if "$BUILD_DIR/bin/lacc" "$file" --kernel="$kernel" -o "$out" 2>"$OUT_DIR/$kernel.log"; then
      python3 - "$file" "$out" <<'PY'
import json, os, sys
meta = json.load(open(sys.argv[2] + ".json"))
for k in meta["kernels"]:
    print(f"  {os.path.relpath(sys.argv[1])}: {k['name']}({', '.join(k['params'])}) -> "
          f"{os.path.getsize(sys.argv[2])} bytes of PTX, {k['num_warps']} warps, "
          f"{k['shared_bytes']} bytes of shared memory")
PY
    else
      failed=1
      echo "  $file: $kernel FAILED: $(grep -m1 error "$OUT_DIR/$kernel.log")"
    fi
  done
done

echo "== TNL model: training on the repository's sources"
CKPT="$BUILD_DIR/tnl-checkpoint.bin"
corpus=$(ls "$ROOT"/README.md "$ROOT"/docs/*.md | paste -sd, -)
"$BUILD_DIR/bin/lacc-tnl" --corpus="$corpus" --save="$CKPT" "$@" || failed=1
echo "== TNL model: a second run resumed from the checkpoint"
"$BUILD_DIR/bin/lacc-tnl" --corpus="$corpus" --resume="$CKPT" --sample=0 "$@" || failed=1

echo "== Lightning attention, forward and backward"
"$BUILD_DIR/bin/lacc-lightning" || failed=1
exit $failed
