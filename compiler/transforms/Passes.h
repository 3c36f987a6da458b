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

} // namespace lacc

#endif // LACC_COMPILER_TRANSFORMS_PASSES_H
