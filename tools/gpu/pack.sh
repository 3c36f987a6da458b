#!/usr/bin/env bash
# tools/gpu/pack.sh [BUILD_DIR]: strips the GPU-side binaries and packs them into bins.tar.xz at
# the repository root (ignored by git), for the GPU machine. The four static binaries share most
# of their bytes (LLVM, MLIR), so one xz stream with a window larger than a binary packs them in
# little more than the size of one.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
for b in unittests/KernelTests unittests/RuntimeTests bin/lacc-lightning bin/lacc-bench-runtime; do
  strip -o "$STAGE/$(basename "$b")" "$BUILD_DIR/$b"
done
tar cf - -C "$STAGE" . | xz -T1 --lzma2=preset=6,dict=256MiB > "$ROOT/bins.tar.xz"
ls -l "$ROOT/bins.tar.xz"
