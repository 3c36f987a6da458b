//===- SharedMemoryOpToLLVM.cpp - data movement through shared memory -----===//
//
// convert_layout, trans and reshape move elements between threads: every
// thread writes its elements to the op's scratch buffer at their row-major
// position (for trans: the source's; for reshape: the shared row-major
// order) and, after a barrier, reads the elements its result layout gives it.
// A barrier before the writes protects whoever used the same bytes before
// (the planner lets ops with disjoint lifetimes share them).
// local_alloc / local_store / local_load do the same with explicit buffers
// in their shared layout (order, optional XOR swizzle).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

Type llvmElement(const TypeConverter *converter, Type tileType) {
  return converter->convertType(cast<RankedTensorType>(tileType).getElementType());
}

/// Offset of element `index` in a buffer of `type`: row-major along `order` (order[0]
/// fastest), with the vec-granular XOR swizzle of its two fastest dimensions.
Value sharedPosition(Emitter &e, ArrayRef<Value> index, MemDescType type) {
  SharedEncodingAttr layout = type.getEncoding();
  ArrayRef<unsigned> order = layout.getOrder();
  SmallVector<Value> idx(index);
  if (layout.getMaxPhase() > 1 && order.size() >= 2) {
    Value row = idx[order[1]], col = idx[order[0]];
    unsigned vec = layout.getVec();
    Value phase = e.and_(e.lshr(row, llvm::Log2_32(layout.getPerPhase())),
                         e.i32(layout.getMaxPhase() - 1));
    Value group = LLVM::XOrOp::create(e.builder(), e.location(), e.lshr(col, llvm::Log2_32(vec)),
                                      phase);
    idx[order[0]] = e.add(e.shl(group, llvm::Log2_32(vec)), e.and_(col, e.i32(vec - 1)));
  }
  Value linear = e.i32(0);
  int64_t stride = 1;
  for (unsigned d : order) {
    linear = e.add(linear, e.mul(idx[d], e.i32(stride)));
    stride *= type.getShape()[d];
  }
  return linear;
}

struct ConvertLayoutToLLVM : OpConversionPattern<ConvertLayoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    Emitter e(rewriter, op.getLoc());
    Value base = e.sharedBase(op);
    auto rowMajor = [&](ArrayRef<Value> index) { return linearize(e, index, srcType.getShape()); };
    e.barrier();
    storeTileToShared(e, base, srcType, adaptor.getSrc(), rowMajor);
    e.barrier();
    rewriter.replaceOpWithMultiple(
        op, {loadTileFromShared(e, base, op.getType(), llvmElement(getTypeConverter(), srcType),
                                rowMajor)});
    return success();
  }
};

struct TransToLLVM : OpConversionPattern<tile::TransOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::TransOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    Emitter e(rewriter, op.getLoc());
    Value base = e.sharedBase(op);
    ArrayRef<int32_t> order = op.getOrder();
    e.barrier();
    storeTileToShared(e, base, srcType, adaptor.getSrc(), [&](ArrayRef<Value> index) {
      return linearize(e, index, srcType.getShape());
    });
    e.barrier();
    // Result dimension i is source dimension order[i].
    auto fromResult = [&](ArrayRef<Value> index) {
      SmallVector<Value> srcIndex(index.size());
      for (auto [i, d] : llvm::enumerate(order))
        srcIndex[d] = index[i];
      return linearize(e, srcIndex, srcType.getShape());
    };
    rewriter.replaceOpWithMultiple(
        op, {loadTileFromShared(e, base, op.getType(), llvmElement(getTypeConverter(), srcType),
                                fromResult)});
    return success();
  }
};

struct ReshapeToLLVM : OpConversionPattern<tile::ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ReshapeOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    Emitter e(rewriter, op.getLoc());
    Value base = e.sharedBase(op);
    e.barrier();
    storeTileToShared(e, base, srcType, adaptor.getSrc(), [&](ArrayRef<Value> index) {
      return linearize(e, index, srcType.getShape());
    });
    e.barrier();
    rewriter.replaceOpWithMultiple(
        op, {loadTileFromShared(e, base, op.getType(), llvmElement(getTypeConverter(), srcType),
                                [&](ArrayRef<Value> index) {
                                  return linearize(e, index, op.getType().getShape());
                                })});
    return success();
  }
};

struct LocalAllocToLLVM : OpConversionPattern<LocalAllocOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LocalAllocOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!op->hasAttr(TileGPUDialect::kSharedOffsetAttrName))
      return op.emitOpError("has no shared-memory offset: run tilegpu-allocate-shared-memory");
    Emitter e(rewriter, op.getLoc());
    Value base = e.sharedBase(op);
    if (op.getSrc()) {
      e.barrier();
      storeTileToShared(e, base, cast<RankedTensorType>(op.getSrc().getType()), adaptor.getSrc(),
                        [&](ArrayRef<Value> index) { return sharedPosition(e, index, op.getType()); });
      e.barrier();
    }
    rewriter.replaceOp(op, base);
    return success();
  }
};

struct LocalStoreToLLVM : OpConversionPattern<LocalStoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LocalStoreOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    MemDescType type = op.getDst().getType();
    e.barrier();
    storeTileToShared(e, adaptor.getDst()[0], cast<RankedTensorType>(op.getSrc().getType()),
                      adaptor.getSrc(),
                      [&](ArrayRef<Value> index) { return sharedPosition(e, index, type); });
    e.barrier();
    rewriter.eraseOp(op);
    return success();
  }
};

struct LocalLoadToLLVM : OpConversionPattern<LocalLoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LocalLoadOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    MemDescType type = op.getSrc().getType();
    rewriter.replaceOpWithMultiple(
        op, {loadTileFromShared(e, adaptor.getSrc()[0], op.getType(),
                                llvmElement(getTypeConverter(), op.getType()),
                                [&](ArrayRef<Value> index) { return sharedPosition(e, index, type); })});
    return success();
  }
};

struct BarrierToLLVM : OpConversionPattern<BarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BarrierOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::Barrier0Op>(op);
    return success();
  }
};

} // namespace

void lacc::conversion::populateSharedMemoryOpToLLVMPatterns(TileTypeConverter &converter,
                                                           RewritePatternSet &patterns) {
  patterns.add<ConvertLayoutToLLVM, TransToLLVM, ReshapeToLLVM, LocalAllocToLLVM,
               LocalStoreToLLVM, LocalLoadToLLVM, BarrierToLLVM>(converter, patterns.getContext());
}
