# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "lacc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".tile", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.lacc_obj_root, "test")
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "fuzz", "Inputs"]

config.substitutions.append(("%kernels", os.path.join(config.lacc_src_root, "kernels")))
config.substitutions.append(("%lacc_src_root", config.lacc_src_root))
config.substitutions.append(("%lacc_obj_root", config.lacc_obj_root))
llvm_config.use_default_substitutions()
llvm_config.add_tool_substitutions(["FileCheck", "not", "count"], [config.llvm_tools_dir])
# The lowering tests start from laid-out tilegpu IR (lacc itself would run the whole tile ->
# tilegpu pipeline again on it). Where the PTX instructions matter they continue with MLIR's and
# LLVM's own tools; %llvm_dialect_to_ptx takes lacc-opt --convert-tilegpu-to-llvm's output on
# stdin and ends in llc, so a -mcpu= (and -o) may follow it:
#   lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.ptx
tools = {name: os.path.join(config.llvm_tools_dir, name) for name in ("mlir-opt", "mlir-translate", "llc")}
config.substitutions.append(("%llvm_dialect_to_ptx",
    "{mlir-opt} --allow-unregistered-dialect --convert-cf-to-llvm --convert-nvvm-to-llvm"
    " --reconcile-unrealized-casts"
    " | {mlir-translate} --allow-unregistered-dialect --mlir-to-llvmir"
    " | {llc} -O3 -mtriple=nvptx64-nvidia-cuda -mattr=+ptx80".format(**tools)))
llvm_config.add_tool_substitutions(["lacc", "lacc-opt"], [config.lacc_tools_dir])

# The runtime and its programs are built only where cuda.h is (tools/bench/CMakeLists.txt).
if os.path.exists(os.path.join(config.lacc_tools_dir, "lacc-bench-kernels")):
    config.available_features.add("runtime")

# ptxas (CUDA toolkit) assembles every PTX we emit; tests that need it say REQUIRES: ptxas.
ptxas = os.path.join(config.cuda_bin_dir, "ptxas")
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# CUDA's libdevice, which the math lowering calls for f64 transcendentals and some f32 ones
# (compiler/conversion/ElementwiseOpToLLVM.cpp); tests that need it say REQUIRES: libdevice.
libdevice = os.path.join(config.cuda_bin_dir, "..", "nvvm", "libdevice", "libdevice.10.bc")
if os.path.exists(libdevice):
    config.available_features.add("libdevice")
    config.environment["LACC_LIBDEVICE"] = os.path.realpath(libdevice)
