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
llvm_config.add_tool_substitutions(["lacc", "lacc-opt"], [config.lacc_tools_dir])

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
