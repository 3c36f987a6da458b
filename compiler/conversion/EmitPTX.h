//===- EmitPTX.h - LLVM dialect -> PTX in process ---------------*- C++ -*-===//

#ifndef LACC_COMPILER_CONVERSION_EMITPTX_H
#define LACC_COMPILER_CONVERSION_EMITPTX_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace lacc {

struct TranslatedModule {
  std::string llvmIR; ///< the optimized LLVM IR the PTX is made from (when asked for)
  std::string ptx;    ///< empty when not asked for
};

/// CUDA's libdevice (`nvvm/libdevice/libdevice.10.bc`), which the math lowering calls for
/// functions PTX has no instruction for: $LACC_LIBDEVICE (the file) when set, else under
/// $CUDA_HOME, $CUDA_PATH, $CUDA_ROOT or /usr/local/cuda. An empty path when none exists,
/// with `searched` saying where it looked.
std::string findLibdevice(std::string *searched = nullptr);

/// The prefix of libdevice's functions (`__nv_expf`, ...).
inline constexpr llvm::StringLiteral kLibdevicePrefix = "__nv_";

/// Translates an LLVM-dialect module to LLVM IR, optimizes it at `optLevel` for the NVPTX
/// TargetMachine of `arch` (sm_80 ... sm_90a) and PTX ISA `ptxVersion`, and, when `withPTX`,
/// emits PTX. `keepLLVMIR` keeps the optimized IR's text. A module that calls libdevice
/// functions gets them linked in (an error when libdevice cannot be found).
llvm::Expected<TranslatedModule> translateToPTX(mlir::ModuleOp module, llvm::StringRef arch,
                                                unsigned ptxVersion, unsigned optLevel,
                                                bool keepLLVMIR, bool withPTX);

} // namespace lacc

#endif // LACC_COMPILER_CONVERSION_EMITPTX_H
