#!/usr/bin/env bash
# tools/test.sh: the whole test suite. Installs what is missing and builds (tools/setup.sh), then
# runs `ninja -C build check-lacc`: lit over test/ (FileCheck tests and every GoogleTest
# executable). Tests that need ptxas (REQUIRES: ptxas) or a GPU are skipped where those are absent.
# The output ends with lit's summary; the exit status is non-zero when a test fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="${LACC_BUILD_DIR:-$ROOT/build}"
"$ROOT/tools/setup.sh" --build-dir "$BUILD_DIR"

NINJA=(ninja -C "$BUILD_DIR")
[[ -n "${LACC_JOBS:-}" ]] && NINJA+=(-j "$LACC_JOBS")
# When tests fail, ninja restates after lit's summary that the check-lacc command failed (its
# FAILED line, the lit command line, "build stopped"); those three lines are dropped so that the
# output still ends with lit's summary. The exit status is ninja's.
set +e
"${NINJA[@]}" check-lacc 2>&1 | awk '
  /^FAILED: .*CMakeFiles\/check-lacc/ { lit_failed = 1; next }
  lit_failed && /^cd .*&& .*lit / { next }
  lit_failed && /^ninja: build stopped: subcommand failed\.$/ { next }
  { print; fflush() }'
exit "${PIPESTATUS[0]}"
