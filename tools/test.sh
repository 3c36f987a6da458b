#!/usr/bin/env bash
# tools/test.sh: the whole test suite. Installs what is missing and builds (tools/setup.sh), then
# runs `ninja -C build check-lacc`: lit over test/ (FileCheck tests and every GoogleTest
# executable). Tests that need ptxas (REQUIRES: ptxas) or a GPU are skipped where those are absent.
# The output ends with lit's summary; the exit status is lit's.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="${LACC_BUILD_DIR:-$ROOT/build}"
"$ROOT/tools/setup.sh" --build-dir "$BUILD_DIR"

NINJA=(ninja -C "$BUILD_DIR")
[[ -n "${LACC_JOBS:-}" ]] && NINJA+=(-j "$LACC_JOBS")
exec "${NINJA[@]}" check-lacc
