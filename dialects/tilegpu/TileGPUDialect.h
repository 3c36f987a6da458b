//===- TileGPUDialect.h - the tilegpu dialect -------------------*- C++ -*-===//

#ifndef LACC_DIALECTS_TILEGPU_TILEGPUDIALECT_H
#define LACC_DIALECTS_TILEGPU_TILEGPUDIALECT_H

#include "dialects/tile/TileDialect.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

namespace lacc::tilegpu {
class BlockedEncodingAttr;
} // namespace lacc::tilegpu

#include "dialects/tilegpu/TileGPUAttrInterfaces.h.inc"
#include "dialects/tilegpu/TileGPUDialect.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/tilegpu/TileGPUAttrs.h.inc"

#define GET_TYPEDEF_CLASSES
#include "dialects/tilegpu/TileGPUTypes.h.inc"

#define GET_OP_CLASSES
#include "dialects/tilegpu/TileGPUOps.h.inc"

namespace lacc::tilegpu {

/// The distributed layout of a tile type, or null for a scalar or an unencoded tensor.
DistributedLayoutAttr getDistributedLayout(mlir::Type type);

/// Number of elements each thread holds of a tile of `type` (1 for a scalar).
int64_t getElemsPerThread(mlir::Type type);

/// Per dimension, how many distinct thread (lane or warp) coordinates of `layout` index
/// distinct elements of a tile of `shape`; coordinates past that only hold replicas.
llvm::SmallVector<unsigned> getDistinctLanes(BlockedEncodingAttr layout, llvm::ArrayRef<int64_t> shape);
llvm::SmallVector<unsigned> getDistinctWarps(BlockedEncodingAttr layout, llvm::ArrayRef<int64_t> shape);

/// `numWarps` as recorded on the module (or the nearest op that carries it), 0 when absent.
int getNumWarps(mlir::Operation *op);

} // namespace lacc::tilegpu

#endif // LACC_DIALECTS_TILEGPU_TILEGPUDIALECT_H
