//===- Passes.h - tile and tilegpu level passes -----------------*- C++ -*-===//

#ifndef LACC_COMPILER_TRANSFORMS_PASSES_H
#define LACC_COMPILER_TRANSFORMS_PASSES_H

#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace lacc {

#define GEN_PASS_DECL
#include "compiler/transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/transforms/Passes.h.inc"

/// Bytes of shared-memory scratch `op` needs while it executes (0 for none). The planner
/// and the lowering both call this, so they cannot disagree.
int64_t getScratchSizeInBytes(mlir::Operation *op);

/// Bytes one element of `type` occupies in shared memory (pointers 8, i1 one byte).
int64_t getSharedElementBytes(mlir::Type elementType);

} // namespace lacc

#endif // LACC_COMPILER_TRANSFORMS_PASSES_H
