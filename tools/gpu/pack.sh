#!/usr/bin/env bash
# tools/gpu/pack.sh [BUILD_DIR [OUT.tar.xz]]: strips the GPU-side programs of BUILD_DIR (default:
# build/ of this checkout) and packs them into OUT.tar.xz (default: bins.tar.xz at the repository
# root, ignored by git) for the GPU machine, where tools/gpu/run-on-gpu.sh runs them (and
# tools/gpu/bench-memory.sh runs lacc-bench-kernels, the memory-bound kernels). The programs
# hold no path of this machine (kernels/*.tile are built into them; test/tools/relocatable.test),
# so the archive may be unpacked anywhere. The static binaries share most of their bytes
# (LLVM, MLIR), so one xz stream with a window larger than a binary packs them in little more
# than the size of one.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${1:-$ROOT/build}
OUT=$(realpath -m "${2:-$ROOT/bins.tar.xz}")
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
for b in unittests/KernelTests unittests/RuntimeTests bin/lacc-lightning bin/lacc-bench-runtime \
         bin/lacc-bench-kernels bin/lacc-bench-gemm bin/lacc-bench-lightning bin/lacc-bench-attention bin/lacc-tnl \
         bin/lacc-tnl-bench; do
  if [[ ! -x "$BUILD_DIR/$b" ]]; then
    echo "pack.sh: $BUILD_DIR/$b is missing: build it first (ninja -C $BUILD_DIR)" >&2
    exit 1
  fi
  strip -o "$STAGE/$(basename "$b")" "$BUILD_DIR/$b"
done
tar cf - -C "$STAGE" . | xz -T2 --lzma2=preset=3,dict=256MiB > "$OUT"
ls -l "$OUT"
