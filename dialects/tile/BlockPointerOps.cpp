//===- BlockPointerOps.cpp - make_block_ptr, advance, block_load/store ----===//

#include "dialects/tile/TileDialect.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace lacc::tile;

LogicalResult BlockPointerType::verify(function_ref<InFlightDiagnostic()> emitError,
                                       RankedTensorType blockType) {
  if (!blockType.hasStaticShape() || blockType.getRank() == 0)
    return emitError() << "block must have a static shape of rank 1 or more, got " << blockType;
  if (blockType.getEncoding())
    return emitError() << "block must not have a layout encoding";
  if (!isa<IntegerType, FloatType>(blockType.getElementType()))
    return emitError() << "block elements must be integers or floats, got "
                       << blockType.getElementType();
  return success();
}

LogicalResult MakeBlockPtrOp::verify() {
  int64_t rank = getType().getRank();
  for (auto [name, count] : {std::pair<StringRef, size_t>{"shape", getShape().size()},
                             {"strides", getStrides().size()},
                             {"offsets", getOffsets().size()},
                             {"order", getOrder().size()}})
    if (static_cast<int64_t>(count) != rank)
      return emitOpError() << name << " has " << count << " entries for a rank-" << rank
                           << " block";
  SmallVector<bool> seen(rank, false);
  for (int32_t d : getOrder()) {
    if (d < 0 || d >= rank || seen[d])
      return emitOpError("order must be a permutation of [0, ") << rank << ")";
    seen[d] = true;
  }
  return success();
}

LogicalResult AdvanceOp::verify() {
  int64_t rank = cast<BlockPointerType>(getPtr().getType()).getRank();
  if (static_cast<int64_t>(getOffsets().size()) != rank)
    return emitOpError("has ") << getOffsets().size() << " offsets for a rank-" << rank
                               << " block";
  return success();
}

OpFoldResult AdvanceOp::fold(FoldAdaptor adaptor) {
  for (Attribute offset : adaptor.getOffsets())
    if (!offset || !matchPattern(offset, m_Zero()))
      return {};
  return getPtr();
}

/// Boundary-check dimensions: in range and increasing (each at most once).
static LogicalResult verifyBoundaryCheck(Operation *op, ArrayRef<int32_t> dims, int64_t rank) {
  int64_t previous = -1;
  for (int32_t d : dims) {
    if (d < 0 || d >= rank)
      return op->emitOpError("boundary_check dimension ")
             << d << " out of range for a rank-" << rank << " block";
    if (d <= previous)
      return op->emitOpError("boundary_check dimensions must be increasing");
    previous = d;
  }
  return success();
}

LogicalResult BlockLoadOp::verify() {
  auto type = cast<BlockPointerType>(getPtr().getType());
  if (getPadding() == Padding::NaN && !isa<FloatType>(type.getElementType()))
    return emitOpError("padding nan needs floating-point elements, got ")
           << type.getElementType();
  return verifyBoundaryCheck(*this, getBoundaryCheck(), type.getRank());
}

LogicalResult BlockStoreOp::verify() {
  return verifyBoundaryCheck(*this, getBoundaryCheck(),
                             cast<BlockPointerType>(getPtr().getType()).getRank());
}

void BlockLoadOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Read::get(), &getPtrMutable(),
                       SideEffects::DefaultResource::get());
}

void BlockStoreOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Write::get(), &getPtrMutable(),
                       SideEffects::DefaultResource::get());
}
