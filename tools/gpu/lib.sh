# tools/gpu/lib.sh: sourced by the scripts that run on the GPU machine.
#
# gpu_setup NAME BINS OUT: makes OUT and a scratch folder WORK (removed when the script exits),
# and sets BIN to the programs: BINS itself when it is a folder, else the archive of
# tools/gpu/pack.sh unpacked in WORK. The programs then use the kernels built into them, not a
# checkout's, whatever the caller's environment says.
gpu_setup() {
  local name=$1
  BINS=$2
  OUT=$3
  mkdir -p "$OUT" || exit 1
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/lacc-$name.XXXXXX") || exit 1
  trap 'rm -rf "$WORK"' EXIT
  if [[ -d "$BINS" ]]; then
    BIN=$(cd "$BINS" && pwd)
  else
    BIN=$WORK/bin
    { mkdir -p "$BIN" && tar xJf "$BINS" -C "$BIN"; } || { echo "cannot unpack $BINS" >&2; exit 1; }
  fi
  unset LACC_KERNELS_DIR LACC_INTERPRET
}

# gpu_require PROGRAM...: each must be in BIN.
gpu_require() {
  local p
  for p in "$@"; do
    [[ -x "$BIN/$p" ]] || { echo "$BIN/$p is missing (see tools/gpu/pack.sh)" >&2; exit 1; }
  done
}
