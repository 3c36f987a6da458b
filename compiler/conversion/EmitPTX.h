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

/// Translates an LLVM-dialect module to LLVM IR, optimizes it at `optLevel` for the NVPTX
/// TargetMachine of `arch` (sm_80 ... sm_90a) and PTX ISA `ptxVersion`, and, when `withPTX`,
/// emits PTX. `keepLLVMIR` keeps the optimized IR's text.
llvm::Expected<TranslatedModule> translateToPTX(mlir::ModuleOp module, llvm::StringRef arch,
                                                unsigned ptxVersion, unsigned optLevel,
                                                bool keepLLVMIR, bool withPTX);

} // namespace lacc

#endif // LACC_COMPILER_CONVERSION_EMITPTX_H
