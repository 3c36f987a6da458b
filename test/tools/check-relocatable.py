#!/usr/bin/env python3
"""check-relocatable.py SRC_ROOT OBJ_ROOT WORK_DIR: the programs do not depend on where they
were built (they are copied to the GPU machine and run there from anywhere).

1. No executable under OBJ_ROOT/bin or OBJ_ROOT/unittests contains the path of the source tree
   or of the build tree. The one exception is the name of a C++ source file: __FILE__ in
   assertion and test-failure messages, which the build makes relative (-ffile-prefix-map) and
   which is only ever printed, never opened.
2. Copies of the programs that need kernels/*.tile run from WORK_DIR, with LACC_KERNELS_DIR
   unset and WORK_DIR as the current directory: they must find the kernels built into them.
"""
import os
import re
import shutil
import subprocess
import sys

src_root, obj_root, work = (os.path.realpath(p) for p in sys.argv[1:4])
failures = []

# 1. Paths baked into the binaries.
source_file = re.compile(rb"[^\x00-\x20\"']*\.(cpp|h|inc|def|td)$")
programs = []
for sub in ("bin", "unittests"):
    d = os.path.join(obj_root, sub)
    for name in sorted(os.listdir(d)):
        path = os.path.join(d, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            programs.append(path)
for path in programs:
    data = open(path, "rb").read()
    for root in {src_root, obj_root}:
        needle = root.encode()
        at = data.find(needle)
        while at != -1:
            end = at
            while end < len(data) and 0x20 < data[end] < 0x7F:
                end += 1
            text = data[at:end]
            if not source_file.fullmatch(text):
                failures.append(f"{os.path.relpath(path, obj_root)} contains '{text.decode()}'")
            at = data.find(needle, end)
print(f"scanned {len(programs)} programs for '{src_root}' and '{obj_root}'")

# 2. Copies run elsewhere.
copies = os.path.join(work, "elsewhere")
shutil.rmtree(copies, ignore_errors=True)
os.makedirs(copies)
env = {k: v for k, v in os.environ.items() if k not in ("LACC_KERNELS_DIR", "LACC_TEST_DEVICE")}
env["LACC_INTERPRET"] = "1"  # the same launches, no GPU needed
env["LACC_CACHE_DIR"] = os.path.join(work, "cache")
runs = [
    ("unittests/KernelTests", ["--gtest_filter=Sizes/VectorAdd.*:Shapes/Softmax.*"]),
    ("unittests/RuntimeTests", ["--gtest_filter=RuntimeTest.TheRepositoryKernelsAreEmbedded:"
                                "InterpreterTest.*"]),
    ("bin/lacc-lightning", ["--device=cpu", "--n=65", "--dim=16", "--repeat=1"]),
]
for program, args in runs:
    copy = os.path.join(copies, os.path.basename(program))
    shutil.copy2(os.path.join(obj_root, program), copy)
    result = subprocess.run([copy] + args, cwd=work, env=env, capture_output=True, text=True)
    tail = (result.stdout + result.stderr).strip().splitlines()[-3:]
    print(f"{os.path.basename(program)} from {copies}: exit {result.returncode}: {' | '.join(tail)}")
    if result.returncode != 0:
        failures.append(f"{program}, copied to {copies}, failed:\n{result.stdout}{result.stderr}")
    os.remove(copy)

for f in failures:
    print("FAILED:", f)
sys.exit(1 if failures else 0)
