#!/usr/bin/env bash
# tools/run.sh: the main job. Installs what is missing and builds (tools/setup.sh), then
#   1. compiles every @kernel of kernels/*.tile to PTX (build/kernels/NAME.ptx, with the launch
#      metadata beside it in NAME.ptx.json) and prints one line per kernel;
#   2. runs lightning attention forward and backward end to end (build/bin/lacc-lightning): on
#      the GPU through the runtime when there is one, else on the CPU interpreter at a small
#      size, and prints the error against the fp64 reference and the time taken.
# Arguments are passed to lacc-lightning (e.g. --n=8192 --dim=64). Exit status: 0 when every
# kernel compiled and every error is below the bar.
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

echo "== Lightning attention, forward and backward"
"$BUILD_DIR/bin/lacc-lightning" "$@" || failed=1
exit $failed
