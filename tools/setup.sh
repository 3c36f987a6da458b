#!/usr/bin/env bash
# tools/setup.sh: install what lacc's build needs (Debian 12) and build it.
#
#   tools/setup.sh [--deps-only] [--fuzz] [--build-dir DIR] [--target T]...
#
# 1. Installs the Debian packages below that are missing (apt-get update once, then
#    apt-get install -y --no-install-recommends); does nothing when all are present. Runs apt as
#    root, or through sudo when not root. --fuzz adds the fuzzer's compiler and runtime.
# 2. Configures DIR (default: build/) with CMake + Ninja, ccache under ~/.cache/ccache, unless it
#    is configured already (ninja re-runs CMake itself when a CMakeLists.txt changes).
# 3. Builds the given targets (default: all) with ninja. --deps-only stops after step 1.
#
# Environment: LACC_JOBS (ninja -j; default ninja's own), CCACHE_DIR (default ~/.cache/ccache),
# LACC_CMAKE_ARGS (extra configure arguments), CCACHE_DISABLE=1 (build without the cache).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="$ROOT/build"
DEPS_ONLY=0
FUZZ=0
TARGETS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --deps-only) DEPS_ONLY=1 ;;
    --fuzz) FUZZ=1 ;;
    --build-dir) BUILD_DIR=$(realpath -m "$2"); shift ;;
    --target) TARGETS+=("$2"); shift ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# --- 1. packages -------------------------------------------------------------------------------
# Exactly what the build and the tests need: the compiler and build tools, LLVM/MLIR 22 (static
# archives, headers, TableGen, FileCheck/lit/not), fmt and GoogleTest, zstd/zlib (static LLVM links
# them), lld (Debian's, provides ld.lld: links the static binaries in about a second), ccache, and
# python3 for lit. The CUDA toolkit (/usr/local/cuda) is optional and not installed here.
PACKAGES=(cmake ninja-build g++ llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
          libfmt-dev libgtest-dev libzstd-dev zlib1g-dev lld ccache python3)
# The fuzzer (tools/fuzz.sh): clang 14 with libFuzzer and the sanitizer runtimes.
FUZZ_PACKAGES=(clang-14 libclang-rt-14-dev)
if [[ $FUZZ == 1 ]]; then
  PACKAGES+=("${FUZZ_PACKAGES[@]}")
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup.sh: installing ${missing[*]}"
  SUDO=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup.sh: not root and no sudo: install ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[[ $DEPS_ONLY == 1 ]] && exit 0

# --- 2. configure ------------------------------------------------------------------------------
# ccache: the cache and its configuration live under ~/.cache/ccache. (No sloppiness settings:
# they are needed only with precompiled headers, which were measured and not kept: docs/build.md.)
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
mkdir -p "$CCACHE_DIR"
if [[ ! -f "$CCACHE_DIR/ccache.conf" ]]; then
  echo "max_size = 5G" > "$CCACHE_DIR/ccache.conf"
fi

if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  # The launcher names CCACHE_DIR so that a plain `ninja -C build` uses the same cache and
  # configuration as this script.
  # shellcheck disable=SC2086
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=/usr/lib/llvm-22/bin/lit \
    -DLLVM_USE_LINKER=lld \
    "-DCMAKE_C_COMPILER_LAUNCHER=env;CCACHE_DIR=$CCACHE_DIR;ccache" \
    "-DCMAKE_CXX_COMPILER_LAUNCHER=env;CCACHE_DIR=$CCACHE_DIR;ccache" \
    ${LACC_CMAKE_ARGS:-}
fi

# --- 3. build ----------------------------------------------------------------------------------
NINJA=(ninja -C "$BUILD_DIR")
[[ -n "${LACC_JOBS:-}" ]] && NINJA+=(-j "$LACC_JOBS")
"${NINJA[@]}" "${TARGETS[@]}"
