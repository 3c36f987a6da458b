//===- Passes.h - tilegpu -> LLVM/NVVM --------------------------*- C++ -*-===//

#ifndef LACC_COMPILER_CONVERSION_PASSES_H
#define LACC_COMPILER_CONVERSION_PASSES_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace lacc {

#define GEN_PASS_DECL
#include "compiler/conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/conversion/Passes.h.inc"

/// Kernel attributes the lowering leaves on each llvm.func for the PTX emitter.
inline constexpr llvm::StringLiteral kKernelArgTypesAttrName = "tile.arg_types";

} // namespace lacc

#endif // LACC_COMPILER_CONVERSION_PASSES_H
