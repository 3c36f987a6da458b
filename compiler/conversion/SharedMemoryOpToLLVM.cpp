//===- SharedMemoryOpToLLVM.cpp - explicit shared-memory buffers ----------===//
//
// local_alloc / local_store / local_load move a tile between its distributed
// layout and a buffer in its shared layout (row-major along the order, with
// an optional XOR swizzle), with the widest vector accesses both layouts
// allow. Ordering between them is tilegpu-insert-barriers' business; a
// tilegpu.barrier is bar.sync.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "compiler/analysis/Allocation.h"
#include "compiler/analysis/LayoutConversion.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

LinearLayout sharedLayoutOf(MemDescType type) {
  return type.getEncoding().toLinearLayout(type.getShape());
}

unsigned maxVectorOf(Type element) {
  return std::max<int64_t>(1, 16 / getSharedElementBytes(element));
}

struct LocalAllocToLLVM : OpConversionPattern<LocalAllocOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LocalAllocOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (getSharedOffset(op) < 0)
      return op.emitOpError("has no shared-memory offset: run tilegpu-allocate-shared-memory");
    Emitter e(rewriter, op.getLoc());
    Value base = e.sharedBase(op);
    if (op.getSrc()) {
      auto srcType = cast<RankedTensorType>(op.getSrc().getType());
      LinearLayout layout = toLinearLayout(srcType), shared = sharedLayoutOf(op.getType());
      unsigned vec = getSharedVectorWidth(layout, shared, maxVectorOf(srcType.getElementType()));
      storeToShared(e, base, layout, shared, adaptor.getSrc(), vec);
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
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    LinearLayout layout = toLinearLayout(srcType), shared = sharedLayoutOf(op.getDst().getType());
    unsigned vec = getSharedVectorWidth(layout, shared, maxVectorOf(srcType.getElementType()));
    storeToShared(e, adaptor.getDst()[0], layout, shared, adaptor.getSrc(), vec);
    rewriter.eraseOp(op);
    return success();
  }
};

struct LocalLoadToLLVM : OpConversionPattern<LocalLoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LocalLoadOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    LinearLayout layout = toLinearLayout(op.getType()),
                 shared = sharedLayoutOf(op.getSrc().getType());
    Type element = op.getType().getElementType();
    unsigned vec = getSharedVectorWidth(layout, shared, maxVectorOf(element));
    rewriter.replaceOpWithMultiple(
        op, {loadFromShared(e, adaptor.getSrc()[0], layout, shared,
                            getTypeConverter()->convertType(element), vec)});
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
                                                           RewritePatternSet &patterns,
                                                           const LoweringContext &) {
  patterns.add<LocalAllocToLLVM, LocalStoreToLLVM, LocalLoadToLLVM, BarrierToLLVM>(
      converter, patterns.getContext());
}
