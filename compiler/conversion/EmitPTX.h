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

/// Translates an LLVM-dialect module to LLVM IR, optimizes it at `optLevel` and emits PTX for
/// `arch` (sm_80 ... sm_90a) with LLVM's NVPTX TargetMachine. `llvmIR`, when not null,
/// receives the optimized LLVM IR.
llvm::Expected<std::string> translateToPTX(mlir::ModuleOp module, llvm::StringRef arch,
                                           llvm::StringRef features, unsigned optLevel,
                                           std::string *llvmIR = nullptr);

} // namespace lacc

#endif // LACC_COMPILER_CONVERSION_EMITPTX_H
