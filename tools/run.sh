#!/usr/bin/env bash
# tools/run.sh: the main job. Installs what is missing and builds (tools/setup.sh), then compiles
# every kernels/*.tile to tile IR with `build/bin/lacc FILE --emit=tile` and prints one line per
# kernel: what came out of it (or the file's first error). The IR is written to build/kernels/.
#
# A kernel file may name its -D options on a line of its own: `# lacc-args: -D BLOCK=128`.
# Exit status: 0 when every file compiled, 1 otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR="${LACC_BUILD_DIR:-$ROOT/build}"
"$ROOT/tools/setup.sh" --build-dir "$BUILD_DIR" >&2

LACC="$BUILD_DIR/bin/lacc"
OUT_DIR="$BUILD_DIR/kernels"
mkdir -p "$OUT_DIR"

shopt -s nullglob
files=("$ROOT"/kernels/*.tile)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "run.sh: no kernels under kernels/" >&2
  exit 1
fi

failed=0
for file in "${files[@]}"; do
  name=$(basename "$file" .tile)
  rel="kernels/$name.tile"
  out="$OUT_DIR/$name.mlir"
  log="$OUT_DIR/$name.log"
  # shellcheck disable=SC2207
  args=($(sed -n 's/^#[[:space:]]*lacc-args:[[:space:]]*//p' "$file" | head -n 1))
  if "$LACC" "$file" --emit=tile "${args[@]}" -o "$out" >"$log" 2>&1; then
    # One line per kernel (func.func with the tile.kernel attribute): its name, its parameters'
    # types and how many operations its body has.
    python3 - "$rel" "$out" <<'PY'
import re, sys

def split_top(text):
    """Split at the commas that are not nested in <>, (), [] or {}."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts]

def first_top(text):
    """The text up to the first space not nested in brackets: a type without its attributes
    or location."""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == " " and depth == 0:
            return text[:i]
    return text

rel, path = sys.argv[1], sys.argv[2]
kernels, current, depth = [], None, 0
for line in open(path).read().splitlines():
    s = line.strip()
    if current is None:
        m = re.match(r"func\.func\s+(?:public\s+|private\s+)?@([\w$.]+)\(", s)
        if not m or "tile.kernel" not in s:
            continue
        # the parameter list: up to the matching parenthesis
        i, d = m.end(), 1
        while i < len(s) and d:
            d += {"(": 1, ")": -1}.get(s[i], 0)
            i += 1
        params = [first_top(p.split(":", 1)[1].strip()) for p in split_top(s[m.end():i - 1])
                  if ":" in p]
        current = [m.group(1), ", ".join(params), 0]
        kernels.append(current)
        depth = s.count("{") - s.count("}")
        continue
    if re.match(r'(%[^=]+=\s*)?"?[a-z_]+\.[a-z_.]+', s):
        current[2] += 1
    depth += s.count("{") - s.count("}")
    if depth <= 0:
        current = None
if not kernels:
    print(f"{rel}: compiled, but the output has no kernel")
for name, sig, ops in kernels:
    print(f"{rel}: {name}({sig}) -> tile IR, {ops} ops")
PY  else
    failed=1
    first=$(grep -m1 'error' "$log" || head -n1 "$log" || true)
    echo "$rel: FAILED: ${first:-lacc failed without a message} (full log: $log)"
  fi
done
exit $failed
