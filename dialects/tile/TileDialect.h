//===- TileDialect.h - the tile dialect -------------------------*- C++ -*-===//

#ifndef LACC_DIALECTS_TILE_TILEDIALECT_H
#define LACC_DIALECTS_TILE_TILEDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/tile/TileDialect.h.inc"
#include "dialects/tile/TileEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/tile/TileTypes.h.inc"

namespace lacc::tile {
/// `ptr<T>` -> T; `tensor<S x ptr<T>>` -> `tensor<S x T>`.
mlir::Type getPointeeType(mlir::Type ptrLike);
/// `T` -> i1; `tensor<S x T>` -> `tensor<S x i1>`.
mlir::Type getI1SameShape(mlir::Type type);
/// The shape of a tile type, empty for a scalar.
llvm::ArrayRef<int64_t> getShape(mlir::Type type);
/// Name of the unit attribute that marks a func.func as a kernel entry point.
inline constexpr llvm::StringLiteral kKernelAttrName = "tile.kernel";
/// i32 attributes of a kernel's func.func from `@kernel(num_warps=, num_stages=)`;
/// the code generator's defaults apply where they are absent.
inline constexpr llvm::StringLiteral kNumWarpsAttrName = "tile.num_warps";
inline constexpr llvm::StringLiteral kNumStagesAttrName = "tile.num_stages";
/// An argument of a func.func's entry block, or a constant: what a tensor descriptor is made
/// of, since the runtime rebuilds it from the launch's arguments.
bool isKernelParameterOrConstant(mlir::Value v);
} // namespace lacc::tile

#define GET_OP_CLASSES
#include "dialects/tile/TileOps.h.inc"

namespace mlir {
class RewriterBase;
} // namespace mlir

namespace lacc::tile {
/// reshape(descriptor_load) -> descriptor_load of the reshape's type, where the reshape only
/// drops leading unit dimensions of the descriptor's block and is the load's one use (the
/// canonicalization; tile-rewrite-block-pointers applies it first, so that rank-3 descriptor
/// loads reshaped to 2-D stay for the TMA). Fails, changing nothing, elsewhere.
mlir::LogicalResult foldReshapeIntoDescriptorLoad(ReshapeOp reshape, mlir::RewriterBase &rewriter);
} // namespace lacc::tile

#endif // LACC_DIALECTS_TILE_TILEDIALECT_H
