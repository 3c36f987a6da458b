#!/usr/bin/env bash
# tools/fuzz.sh: build and run the front end's libFuzzer target (test/fuzz/FrontendFuzzer.cpp).
#
#   tools/fuzz.sh [SECONDS]          fuzz for SECONDS (default 600), then print the executions and
#                                    the crashes found in this run
#   tools/fuzz.sh --check            run every input under test/fuzz/regressions/ once (exit 1 if
#                                    one fails)
#   tools/fuzz.sh --minimize FILE    minimize a crashing input into FILE.min
#
# Builds with clang 14, -fsanitize=fuzzer,address,undefined, into build-fuzz/ (-DLACC_FUZZ=ON:
# only the tile dialect, the front end and the fuzzer). The corpus grows in build-fuzz/corpus,
# seeded on every run from kernels/*.tile and test/Frontend/**/*.tile; crashes land in
# build-fuzz/crashes/. LACC_FUZZ_JOBS=N runs N fuzzing processes (libFuzzer's -fork).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="${LACC_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
MODE=run
SECONDS_TO_RUN=600
case "${1:-}" in
  --check) MODE=check ;;
  --minimize) MODE=minimize; CRASH=$(realpath "${2:?--minimize needs a file}") ;;
  -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) SECONDS_TO_RUN=$1 ;;
esac

"$ROOT/tools/setup.sh" --fuzz --deps-only
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/ccache}"
if [[ ! -f "$BUILD_DIR/build.ninja" ]]; then
  cmake -G Ninja -S "$ROOT" -B "$BUILD_DIR" -DLACC_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DLLVM_USE_LINKER=lld \
    "-DCMAKE_CXX_COMPILER_LAUNCHER=env;CCACHE_DIR=$CCACHE_DIR;ccache" >/dev/null
fi
ninja -C "$BUILD_DIR" ${LACC_JOBS:+-j "$LACC_JOBS"} lacc-frontend-fuzzer
FUZZER="$BUILD_DIR/bin/lacc-frontend-fuzzer"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if [[ $MODE == check ]]; then
  shopt -s nullglob
  inputs=("$ROOT"/test/fuzz/regressions/*)
  [[ ${#inputs[@]} -eq 0 ]] && { echo "fuzz.sh: no regression inputs"; exit 0; }
  "$FUZZER" -runs=1 "${inputs[@]}"
  echo "fuzz.sh: ${#inputs[@]} regression inputs ran clean"
  exit 0
fi

if [[ $MODE == minimize ]]; then
  "$FUZZER" -minimize_crash=1 -max_total_time=120 -exact_artifact_path="$CRASH.min" "$CRASH" || true
  echo "fuzz.sh: minimized input in $CRASH.min"
  exit 0
fi

SEEDS="$BUILD_DIR/seeds"
CORPUS="$BUILD_DIR/corpus"
CRASHES="$BUILD_DIR/crashes"
rm -rf "$SEEDS"
mkdir -p "$SEEDS" "$CORPUS" "$CRASHES"
n=0
while IFS= read -r -d '' f; do
  cp "$f" "$SEEDS/$(echo "${f#"$ROOT"/}" | tr '/' '_')"
  n=$((n + 1))
done < <(find "$ROOT/kernels" "$ROOT/test/Frontend" -name '*.tile' -print0 2>/dev/null)
echo "fuzz.sh: $n seed files, corpus $(find "$CORPUS" -type f | wc -l) inputs, fuzzing for ${SECONDS_TO_RUN}s"

before=$(find "$CRASHES" -type f | sort)
LOG="$BUILD_DIR/fuzz-$(date +%Y%m%d-%H%M%S).log"
# -fork keeps fuzzing after a crash (each crash is saved); -ignore_* count them instead of stopping.
set +e
"$FUZZER" "$CORPUS" "$SEEDS" \
  -dict="$ROOT/test/fuzz/tile.dict" \
  -max_total_time="$SECONDS_TO_RUN" \
  -fork="${LACC_FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
  -timeout=10 -rss_limit_mb=4096 -max_len=8192 \
  -artifact_prefix="$CRASHES/" -print_final_stats=1 >"$LOG" 2>&1
status=$?
set -e
after=$(find "$CRASHES" -type f | sort)
new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')

# libFuzzer's fork mode prints "#<executions>: cov: ... exec/s: ..." lines; the last one counts all.
last=$(grep -E '^#[0-9]+' "$LOG" | tail -n 1 || true)
execs=$(echo "$last" | sed -E 's/^#([0-9]+).*/\1/')
echo "fuzz.sh: log $LOG (libFuzzer exit status $status)"
echo "fuzz.sh: last status line: ${last:-none}"
echo "fuzz.sh: executions: ${execs:-unknown} in ${SECONDS_TO_RUN}s"
echo "fuzz.sh: corpus now $(find "$CORPUS" -type f | wc -l) inputs"
count=$(echo -n "$new" | grep -c . || true)
echo "fuzz.sh: crashes this run: $count"
if [[ -n "$new" ]]; then
  echo "$new" | sed 's/^/  /'
  exit 1
fi
