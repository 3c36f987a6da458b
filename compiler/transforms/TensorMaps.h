//===- TensorMaps.h - TMA descriptors as hidden kernel parameters -*- C++ -*-===//
//
// A TMA copy reads its tensor map (CUtensorMap) from a kernel parameter: the
// runtime encodes it at each launch from the arguments the tensor descriptor
// was made of, with the box and swizzle the copy's buffer needs. Each
// distinct (descriptor, box, swizzle) is one parameter of type
// !tilegpu.tensor_map appended after the kernel's own, whose
// `tilegpu.tensor_map` argument attribute says how the runtime encodes it:
//
//   {base = 0, params = array<i64: 3, 5, 6, -1>, constants = array<i64: 0, 0, 0, 1>,
//    element_bytes = 2, box = array<i64: 128, 64>, swizzle = 128}
//
// (params / constants: the shape then the strides, outermost first; each entry
// the index of the kernel parameter that holds it, or -1 and the constant).
// A descriptor of higher rank than the buffer has a box of 1 along its leading
// dimensions (box = array<i64: 1, 64, 64> for a 64x64 tile of a rank-3 tensor).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_TRANSFORMS_TENSORMAPS_H
#define LACC_COMPILER_TRANSFORMS_TENSORMAPS_H

#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lacc {

/// The tensor map for TMA copies of `desc`'s blocks into buffers planned as `plan`: an
/// existing hidden parameter of the enclosing kernel, or a new one.
mlir::Value getOrAddTensorMap(tile::MakeTensorDescOp desc, const tilegpu::TMACopyPlan &plan);

/// A shared layout the TMA writes for a block of `shape` and `elementType` that no dot
/// constrains: wgmma's widest swizzle the rows allow, else unswizzled rows.
tilegpu::SharedEncodingAttr chooseTMALayout(mlir::MLIRContext *ctx,
                                            llvm::ArrayRef<int64_t> shape,
                                            mlir::Type elementType);

/// A one-slot mbarrier buffer (memdesc<1xi64>), or a ring of `slots` of them.
tilegpu::MemDescType barrierType(mlir::MLIRContext *ctx, int64_t slots = 0);

} // namespace lacc

#endif // LACC_COMPILER_TRANSFORMS_TENSORMAPS_H
