//===- TileGPUOps.cpp - verifiers and folds -------------------------------===//

#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace lacc::tilegpu;

#define GET_OP_CLASSES
#include "dialects/tilegpu/TileGPUOps.cpp.inc"

/// A tile at this level must carry a distributed layout of its own rank.
static LogicalResult verifyDistributed(Operation *op, Type type, StringRef what) {
  auto tensor = cast<RankedTensorType>(type);
  auto layout = getDistributedLayout(tensor);
  if (!layout)
    return op->emitOpError() << what << " must carry a distributed layout, got " << type;
  if (layout.getRank() != tensor.getRank())
    return op->emitOpError() << what << " has rank " << tensor.getRank()
                             << " but its layout has rank " << layout.getRank();
  return success();
}

static LogicalResult verifySameTile(Operation *op, ArrayRef<int64_t> shapeA, Type eltA,
                                    ArrayRef<int64_t> shapeB, Type eltB) {
  if (shapeA != shapeB)
    return op->emitOpError("shapes differ");
  if (eltA != eltB)
    return op->emitOpError("element types differ: ") << eltA << " vs " << eltB;
  return success();
}

LogicalResult ConvertLayoutOp::verify() {
  auto src = cast<RankedTensorType>(getSrc().getType()), dst = getType();
  if (failed(verifyDistributed(*this, src, "source")) ||
      failed(verifyDistributed(*this, dst, "result")))
    return failure();
  return verifySameTile(*this, src.getShape(), src.getElementType(), dst.getShape(),
                        dst.getElementType());
}

OpFoldResult ConvertLayoutOp::fold(FoldAdaptor) {
  if (getSrc().getType() == getType())
    return getSrc();
  // convert(convert(x)) with x already in the final layout.
  if (auto inner = getSrc().getDefiningOp<ConvertLayoutOp>())
    if (inner.getSrc().getType() == getType())
      return inner.getSrc();
  return {};
}

namespace {
/// convert(convert(x)) -> convert(x).
struct FoldConvertChain : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getSrc().getDefiningOp<ConvertLayoutOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ConvertLayoutOp>(op, op.getType(), inner.getSrc());
    return success();
  }
};

/// A layout conversion of a splat is a splat in the new layout (no data moves).
struct ConvertOfSplat : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op, PatternRewriter &rewriter) const override {
    if (auto splat = op.getSrc().getDefiningOp<lacc::tile::SplatOp>()) {
      rewriter.replaceOpWithNewOp<lacc::tile::SplatOp>(op, op.getType(), splat.getSrc());
      return success();
    }
    DenseElementsAttr value;
    if (auto cst = op.getSrc().getDefiningOp<arith::ConstantOp>())
      if ((value = dyn_cast<DenseElementsAttr>(cst.getValue())) && value.isSplat()) {
        rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getType(),
                                                       value.resizeSplat(op.getType()));
        return success();
      }
    return failure();
  }
};
} // namespace

void ConvertLayoutOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                  MLIRContext *context) {
  results.add<FoldConvertChain, ConvertOfSplat>(context);
}

LogicalResult LocalAllocOp::verify() {
  if (!getSrc())
    return success();
  auto src = cast<RankedTensorType>(getSrc().getType());
  if (failed(verifyDistributed(*this, src, "source")))
    return failure();
  return verifySameTile(*this, src.getShape(), src.getElementType(), getType().getShape(),
                        getType().getElementType());
}

LogicalResult LocalLoadOp::verify() {
  if (failed(verifyDistributed(*this, getType(), "result")))
    return failure();
  return verifySameTile(*this, getSrc().getType().getShape(), getSrc().getType().getElementType(),
                        getType().getShape(), getType().getElementType());
}

LogicalResult LocalStoreOp::verify() {
  if (failed(verifyDistributed(*this, getSrc().getType(), "source")))
    return failure();
  auto src = cast<RankedTensorType>(getSrc().getType());
  return verifySameTile(*this, src.getShape(), src.getElementType(), getDst().getType().getShape(),
                        getDst().getType().getElementType());
}

LogicalResult MemDescSubviewOp::verify() {
  MemDescType src = getSrc().getType(), result = getType();
  if (src.getRank() < 2)
    return emitOpError("indexes the leading dimension of a buffer of rank >= 2");
  if (result.getShape() != src.getShape().drop_front() ||
      result.getElementType() != src.getElementType())
    return emitOpError("result must be the source without its leading dimension, got ")
           << result;
  ArrayRef<unsigned> order = src.getEncoding().getOrder();
  if (order.back() != 0)
    return emitOpError("the indexed dimension must be the slowest in the source's order");
  SmallVector<unsigned> expected;
  for (unsigned d : order.drop_back())
    expected.push_back(d - 1);
  SharedEncodingAttr s = src.getEncoding(), r = result.getEncoding();
  if (r.getOrder() != ArrayRef<unsigned>(expected) || r.getVec() != s.getVec() ||
      r.getPerPhase() != s.getPerPhase() || r.getMaxPhase() != s.getMaxPhase() ||
      r.getChunk() != s.getChunk())
    return emitOpError("result layout must be the source's on the remaining dimensions");
  return success();
}

MemDescType MemDescTransOp::getTransposedType(MemDescType type, ArrayRef<int32_t> order) {
  SmallVector<int64_t> shape;
  SmallVector<unsigned> renumbered(order.size());
  for (auto [i, d] : llvm::enumerate(order)) {
    shape.push_back(type.getShape()[d]);
    renumbered[d] = i;
  }
  SharedEncodingAttr enc = type.getEncoding();
  SmallVector<unsigned> layoutOrder;
  for (unsigned d : enc.getOrder())
    layoutOrder.push_back(renumbered[d]);
  return MemDescType::get(type.getContext(), shape, type.getElementType(),
                          SharedEncodingAttr::get(type.getContext(), enc.getVec(),
                                                  enc.getPerPhase(), enc.getMaxPhase(),
                                                  layoutOrder, enc.getChunk()));
}

void MemDescTransOp::build(OpBuilder &builder, OperationState &state, Value src,
                           ArrayRef<int32_t> order) {
  build(builder, state, getTransposedType(cast<MemDescType>(src.getType()), order), src,
        builder.getDenseI32ArrayAttr(order));
}

LogicalResult MemDescTransOp::verify() {
  MemDescType src = getSrc().getType();
  if (src.isView())
    return emitOpError("transposes a whole buffer, not a view of part of one");
  ArrayRef<int32_t> order = getOrder();
  SmallVector<bool> seen(src.getRank(), false);
  if (int64_t(order.size()) != src.getRank())
    return emitOpError("order must name each of the ") << src.getRank() << " dimensions once";
  for (int32_t d : order) {
    if (d < 0 || d >= src.getRank() || seen[d])
      return emitOpError("order must name each of the ") << src.getRank() << " dimensions once";
    seen[d] = true;
  }
  MemDescType expected = getTransposedType(src, order);
  if (getType() != expected)
    return emitOpError("result must be the source with its dimensions permuted, ")
           << expected << ", got " << getType();
  return success();
}

LogicalResult AsyncCopyGlobalToLocalOp::verify() {
  auto ptrs = cast<RankedTensorType>(getPtrs().getType());
  if (failed(verifyDistributed(*this, ptrs, "pointers")))
    return failure();
  Type pointee = lacc::tile::getPointeeType(ptrs.getElementType());
  if (failed(verifySameTile(*this, ptrs.getShape(), pointee, getDst().getType().getShape(),
                            getDst().getType().getElementType())))
    return failure();
  if (getMask()) {
    auto mask = cast<RankedTensorType>(getMask().getType());
    if (mask.getShape() != ptrs.getShape() || !mask.getElementType().isInteger(1) ||
        mask.getEncoding() != ptrs.getEncoding())
      return emitOpError("mask must be an i1 tile of the pointers' shape and layout");
  }
  return success();
}

LogicalResult MemDescSliceOp::verify() {
  MemDescType src = getSrc().getType(), result = getType();
  if (result.getRank() != src.getRank() || result.getElementType() != src.getElementType() ||
      result.getEncoding() != src.getEncoding())
    return emitOpError("a slice keeps its buffer's rank, element type and layout");
  if (getOffsets().size() != static_cast<size_t>(src.getRank()))
    return emitOpError("needs one offset per dimension (") << src.getRank() << "), got "
                                                          << getOffsets().size();
  SmallVector<int64_t> offsets = src.getOffsets();
  for (auto [dim, extra] : llvm::enumerate(getOffsets())) {
    if (extra < 0 || extra + result.getShape()[dim] > src.getShape()[dim])
      return emitOpError("slice [") << extra << ", " << extra + result.getShape()[dim]
                                    << ") of dimension " << dim << " is outside the source's "
                                    << src.getShape()[dim] << " elements";
    offsets[dim] += extra;
  }
  if (result.getBufferShape() != src.getBufferShape() ||
      ArrayRef<int64_t>(result.getOffsets()) != ArrayRef<int64_t>(offsets))
    return emitOpError("result must be the view of ")
           << src.getBufferShape().size() << "-d buffer at the source's offsets plus the slice's";
  return success();
}

LogicalResult WarpGroupDotOp::verify() {
  auto aBuffer = dyn_cast<MemDescType>(getA().getType());
  auto aTile = dyn_cast<RankedTensorType>(getA().getType());
  MemDescType b = getB().getType();
  RankedTensorType acc = getAcc().getType();
  if (acc != getType())
    return emitOpError("result and accumulator types differ");
  auto mma = dyn_cast_or_null<MmaEncodingAttr>(acc.getEncoding());
  if (!mma || mma.getVersion() != 3)
    return emitOpError("the accumulator must carry a version-3 mma layout, got ") << acc;
  ArrayRef<int64_t> aShape = aBuffer ? aBuffer.getShape() : aTile.getShape();
  if (aShape.size() != 2 || b.getRank() != 2)
    return emitOpError("operands must be rank 2");
  int64_t m = acc.getDimSize(0), n = acc.getDimSize(1), k = aShape[1];
  if (aShape[0] != m || b.getDimSize(0) != k || b.getDimSize(1) != n)
    return emitOpError("shapes do not multiply: ")
           << aShape[0] << "x" << k << " times " << b.getDimSize(0) << "x" << b.getDimSize(1)
           << " into " << m << "x" << n;
  Type element = aBuffer ? aBuffer.getElementType() : aTile.getElementType();
  if (element != b.getElementType() || !(element.isBF16() || element.isF16()) ||
      !acc.getElementType().isF32())
    return emitOpError("wgmma takes bf16 or f16 operands of one type and an f32 accumulator");
  if ((aBuffer && aBuffer.isView()) || b.isView())
    return emitOpError("operands must be whole buffers or ring slots, not views");
  if (aTile) {
    auto operand = dyn_cast_or_null<DotOperandEncodingAttr>(aTile.getEncoding());
    if (!operand || operand.getOpIdx() != 0 || operand.getParent() != mma ||
        operand.getKWidth() != 2)
      return emitOpError("A in registers must be in the accumulator's operand layout "
                         "(dot_op opIdx 0, kWidth 2), got ")
             << aTile;
  }
  SmallVector<std::pair<StringRef, MemDescType>> buffers = {{"B", b}};
  if (aBuffer)
    buffers.insert(buffers.begin(), {"A", aBuffer});
  for (auto [name, type] : buffers)
    if (!type.getEncoding().getWgmmaSwizzleBytes(type.getShape(), 16))
      return emitOpError("operand ")
             << name << " is not in a wgmma layout (rows of 32, 64 or 128 bytes per block, "
             << "swizzled to match): " << type;
  unsigned warps = mma.getWarpsPerCTA()[0], instrN = mma.getInstrShape()[1];
  if (m % (16 * warps) || n % instrN || k % 16)
    return emitOpError("a ")
           << m << "x" << n << "x" << k << " dot does not tile into m64n" << instrN
           << "k16 instructions over " << warps << " warps";
  return success();
}

//===----------------------------------------------------------------------===//
// mbarriers and TMA copies
//===----------------------------------------------------------------------===//

std::optional<TMACopyPlan> lacc::tilegpu::planTMACopy(MemDescType type) {
  unsigned bits = type.getElementType().isIntOrFloat() ? type.getElementTypeBitWidth() : 0;
  if (type.getRank() != 2 || type.isView() || !llvm::is_contained({8u, 16u, 32u, 64u}, bits))
    return std::nullopt;
  SharedEncodingAttr enc = type.getEncoding();
  // The TMA writes the tensor's innermost dimension contiguously.
  if (enc.getOrder() != ArrayRef<unsigned>{1, 0})
    return std::nullopt;
  int64_t bytes = bits / 8, rows = type.getDimSize(0), columns = type.getDimSize(1);
  TMACopyPlan plan;
  plan.swizzleBytes = enc.getWgmmaSwizzleBytes(type.getShape(), bits);
  int64_t blockColumns = plan.swizzleBytes ? plan.swizzleBytes / bytes : columns;
  bool unswizzled = enc.getMaxPhase() == 1 && (!enc.getChunk() || enc.getChunk() >= columns);
  if (!plan.swizzleBytes && (!unswizzled || columns > 256 || columns * bytes % 16))
    return std::nullopt;
  // The swizzle is a function of the shared address: its 1024-byte period must start at a
  // row of the box (the allocation aligns TMA buffers to 1024 bytes).
  if (plan.swizzleBytes && rows * plan.swizzleBytes % 1024)
    return std::nullopt;
  if (type.getSizeInBytes() % 128) // shared destinations of TMA copies are 128-byte aligned
    return std::nullopt;
  int64_t boxRows = std::min<int64_t>(rows, 256);
  plan.box = {boxRows, blockColumns};
  for (int64_t column = 0; column < columns; column += blockColumns)
    for (int64_t row = 0; row < rows; row += boxRows)
      plan.pieces.push_back({{row, column}, (column * rows + row * blockColumns) * bytes});
  return plan;
}

static LogicalResult verifyBarrier(Operation *op, MemDescType type) {
  if (type.getShape() != ArrayRef<int64_t>{1} || !type.getElementType().isInteger(64))
    return op->emitOpError("barrier must be a memdesc<1xi64>, got ") << type;
  return success();
}

LogicalResult InitBarrierOp::verify() {
  if (getCount() < 1 || getCount() >= (1 << 20))
    return emitOpError("count must be in [1, 2^20), got ") << getCount();
  return verifyBarrier(*this, getBarrier().getType());
}

LogicalResult InvalBarrierOp::verify() { return verifyBarrier(*this, getBarrier().getType()); }

LogicalResult BarrierExpectOp::verify() {
  if (getBytes() < 1 || getBytes() >= (1 << 20))
    return emitOpError("bytes must be in [1, 2^20), got ") << getBytes();
  return verifyBarrier(*this, getBarrier().getType());
}

LogicalResult WaitBarrierOp::verify() { return verifyBarrier(*this, getBarrier().getType()); }

/// A TMA copy between `buffer` and the tensor at `coords`: one coordinate per dimension of
/// the buffer, after those of the tensor's leading dimensions, along which the box is 1
/// element wide (the TMA's tensors have rank 1 to 5); a buffer layout the TMA handles.
static LogicalResult verifyTMACopy(Operation *op, ValueRange coords, MemDescType buffer) {
  if (int64_t(coords.size()) < buffer.getRank() || coords.size() > 5)
    return op->emitOpError("needs one coordinate per dimension of the buffer (")
           << buffer.getRank() << "), after one per leading unit dimension of the box, at most "
           << "5 in all; got " << coords.size();
  if (!planTMACopy(buffer))
    return op->emitOpError("the TMA cannot copy a buffer of type ")
           << buffer << " (rank 2, the last dimension contiguous, unswizzled rows of 16..256 "
           << "elements or wgmma's 32/64/128-byte swizzled blocks)";
  return success();
}

LogicalResult AsyncTMACopyGlobalToLocalOp::verify() {
  if (failed(verifyTMACopy(*this, getCoords(), getDst().getType())))
    return failure();
  return verifyBarrier(*this, getBarrier().getType());
}

LogicalResult AsyncTMACopyLocalToGlobalOp::verify() {
  return verifyTMACopy(*this, getCoords(), getSrc().getType());
}

LogicalResult TMAStoreWaitOp::verify() {
  int64_t pendings = getPendingsAttr().getValue().getSExtValue();
  if (pendings < 0)
    return emitOpError("pendings must not be negative, got ") << pendings;
  return success();
}

LogicalResult ArriveBarrierOp::verify() { return verifyBarrier(*this, getBarrier().getType()); }

LogicalResult WarpSpecializeOp::verify() {
  auto isValidCount = [](uint32_t n) { return n == 0 || (n >= 24 && n <= 256 && n % 8 == 0); };
  if (!isValidCount(getProducerRegisters()) || !isValidCount(getConsumerRegisters()))
    return emitOpError("register counts must be 0 or multiples of 8 in [24, 256]");
  WalkResult tiles = getProducer().walk([&](Operation *op) {
    for (Type t : op->getResultTypes())
      if (isa<RankedTensorType>(t))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (tiles.wasInterrupted())
    return emitOpError("the producer region must not compute tiles (its warps are in no layout)");
  return success();
}
