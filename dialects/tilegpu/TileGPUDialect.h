//===- TileGPUDialect.h - the tilegpu dialect -------------------*- C++ -*-===//

#ifndef LACC_DIALECTS_TILEGPU_TILEGPUDIALECT_H
#define LACC_DIALECTS_TILEGPU_TILEGPUDIALECT_H

#include "dialects/tile/TileDialect.h"
#include "dialects/tilegpu/LinearLayout.h"

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

/// The linear layout of a laid-out tile type (which register, lane and warp hold each element).
LinearLayout toLinearLayout(mlir::RankedTensorType type);

/// Number of elements each thread holds of a tile of `type` (1 for a scalar).
int64_t getElemsPerThread(mlir::Type type);

/// Layouts that say the same thing for tiles of any shape (blocked, and slices and dot
/// operands of those); a linear layout describes one shape only.
bool isShapeAgnostic(mlir::Attribute layout);

/// The layout of a view op's result when its source has `src`: the same registers, seen
/// through the new order (trans), shape (reshape) or extra size-1 dimension (expand_dims),
/// so that no data moves. Blocked layouts stay blocked where they can.
DistributedLayoutAttr inferTransLayout(DistributedLayoutAttr src, llvm::ArrayRef<int64_t> srcShape,
                                       llvm::ArrayRef<int32_t> order);
DistributedLayoutAttr inferReshapeLayout(DistributedLayoutAttr src,
                                         llvm::ArrayRef<int64_t> srcShape,
                                         llvm::ArrayRef<int64_t> dstShape);
DistributedLayoutAttr inferExpandDimsLayout(DistributedLayoutAttr src,
                                            llvm::ArrayRef<int64_t> srcShape, unsigned axis);
/// join's result layout from its operands': the new size-2 last dimension in the two first
/// registers of one thread, so that join and split move no data between threads.
DistributedLayoutAttr inferJoinLayout(DistributedLayoutAttr src, llvm::ArrayRef<int64_t> srcShape);
/// split's result layout from its source's, when the source holds its size-2 last dimension in
/// the registers of one thread (as inferJoinLayout gives); null when threads share it.
DistributedLayoutAttr inferSplitLayout(DistributedLayoutAttr src, llvm::ArrayRef<int64_t> srcShape);
/// The inverses: the source layout a view op needs to give `result`.
DistributedLayoutAttr inferTransSourceLayout(DistributedLayoutAttr result,
                                             llvm::ArrayRef<int64_t> resultShape,
                                             llvm::ArrayRef<int32_t> order);
DistributedLayoutAttr inferExpandDimsSourceLayout(DistributedLayoutAttr result,
                                                  llvm::ArrayRef<int64_t> resultShape,
                                                  unsigned axis);
/// The layout a broadcast's source needs to give `result` (the same attribute when it is
/// shape-agnostic, else `result` cut down to the source's shape).
DistributedLayoutAttr inferBroadcastSourceLayout(DistributedLayoutAttr result,
                                                 llvm::ArrayRef<int64_t> resultShape,
                                                 llvm::ArrayRef<int64_t> srcShape);

/// How the TMA fills a buffer: boxes of `box` elements (outermost first) written with
/// `swizzleBytes` (0: none), one per piece, the piece's block starting at `offset` (elements,
/// outermost first) of the buffer and at `byteOffset` in shared memory. Buffers of wgmma's
/// layouts take one box per swizzled block (and per 256 rows).
struct TMACopyPlan {
  struct Piece {
    llvm::SmallVector<int64_t, 2> offset;
    int64_t byteOffset;
  };
  llvm::SmallVector<int64_t, 2> box;
  unsigned swizzleBytes = 0;
  llvm::SmallVector<Piece> pieces;
};
/// The plan for a buffer of `type`, or nullopt when the TMA cannot write its layout.
std::optional<TMACopyPlan> planTMACopy(MemDescType type);

/// The target for `arch`: its PTX version and shared memory per CTA (sharedMemory 0: the
/// architecture's opt-in maximum, 227 KiB on sm_90, 163 KiB on sm_80, 99 KiB on sm_86/89).
TargetAttr makeTarget(mlir::MLIRContext *ctx, llvm::StringRef arch, int64_t sharedMemory = 0,
                      unsigned numSMs = 0);

/// Whether `arch` (sm_80 ... sm_90a) has the tensor memory accelerator: sm_90 and later.
bool hasTMA(llvm::StringRef arch);

/// The target recorded on the enclosing module, or null.
TargetAttr getTarget(mlir::Operation *op);

/// `numWarps` as recorded on the module (or the nearest op that carries it), 0 when absent.
int getNumWarps(mlir::Operation *op);

/// The warpgroup a warp-specialized kernel (tilegpu.warp_specialize) adds to its num_warps.
inline constexpr int kProducerWarps = 4;
/// The warps `kernel` is launched with: num_warps, and its producer's if it is warp-specialized.
int getLaunchWarps(mlir::Operation *kernel);

} // namespace lacc::tilegpu

#endif // LACC_DIALECTS_TILEGPU_TILEGPUDIALECT_H
