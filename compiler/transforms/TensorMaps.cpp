//===- TensorMaps.cpp - TMA descriptors as hidden kernel parameters -------===//

#include "compiler/transforms/TensorMaps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

Value lacc::getOrAddTensorMap(tile::MakeTensorDescOp desc, const TMACopyPlan &plan) {
  auto kernel = desc->getParentOfType<func::FuncOp>();
  Builder b(desc.getContext());
  SmallVector<int64_t> params, constants;
  for (ValueRange operands : {desc.getShape(), desc.getStrides()})
    for (Value v : operands) {
      IntegerAttr c;
      bool constant = matchPattern(v, m_Constant(&c)); // else a parameter (the verifier)
      params.push_back(constant ? -1 : int64_t(cast<BlockArgument>(v).getArgNumber()));
      constants.push_back(constant ? c.getInt() : 0);
    }
  auto type = cast<tile::TensorDescType>(desc.getType());
  // The box is the buffer's, 1 wide along the tensor's leading dimensions (a 2-D tile of a
  // rank-3 tensor's [1, rows, cols] block).
  SmallVector<int64_t> box(type.getRank() - int64_t(plan.box.size()), 1);
  llvm::append_range(box, plan.box);
  DictionaryAttr description = b.getDictionaryAttr({
      b.getNamedAttr("base", b.getI64IntegerAttr(cast<BlockArgument>(desc.getBase()).getArgNumber())),
      b.getNamedAttr("params", b.getDenseI64ArrayAttr(params)),
      b.getNamedAttr("constants", b.getDenseI64ArrayAttr(constants)),
      b.getNamedAttr("element_bytes",
                     b.getI64IntegerAttr(type.getElementType().getIntOrFloatBitWidth() / 8)),
      b.getNamedAttr("box", b.getDenseI64ArrayAttr(box)),
      b.getNamedAttr("swizzle", b.getI64IntegerAttr(plan.swizzleBytes)),
  });
  for (BlockArgument arg : kernel.getArguments())
    if (kernel.getArgAttr(arg.getArgNumber(), TileGPUDialect::kTensorMapAttrName) == description)
      return arg;
  unsigned index = kernel.getNumArguments();
  if (failed(kernel.insertArgument(index, TensorMapType::get(b.getContext()),
                                   b.getDictionaryAttr(b.getNamedAttr(TileGPUDialect::kTensorMapAttrName,
                                                                      description)),
                                   desc.getLoc())))
    return {};
  return kernel.getArgument(index);
}

SharedEncodingAttr lacc::chooseTMALayout(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                         Type elementType) {
  unsigned bytes = elementType.getIntOrFloatBitWidth() / 8;
  for (unsigned swizzle : {128u, 64u, 32u}) {
    if (shape[1] * bytes < swizzle || shape[0] * swizzle % 1024)
      continue;
    auto enc = SharedEncodingAttr::get(ctx, 16 / bytes, 128 / swizzle, swizzle / 16, {1, 0},
                                       swizzle / bytes);
    if (planTMACopy(MemDescType::get(ctx, shape, elementType, enc)))
      return enc;
  }
  return SharedEncodingAttr::get(ctx, 1, 1, 1, {1, 0}, 0);
}

MemDescType lacc::barrierType(MLIRContext *ctx, int64_t slots) {
  Type i64 = IntegerType::get(ctx, 64);
  if (!slots)
    return MemDescType::get(ctx, {1}, i64, SharedEncodingAttr::get(ctx, 1, 1, 1, {0}, 0));
  return MemDescType::get(ctx, {slots, 1}, i64, SharedEncodingAttr::get(ctx, 1, 1, 1, {1, 0}, 0));
}
