//===- AsyncCopyOpToLLVM.cpp - cp.async and its groups --------------------===//
//
// An async copy moves each thread's elements of a pointer tile straight into
// the destination buffer with cp.async, in the widest pieces (4, 8 or 16
// bytes) that the pointers' contiguity and alignment, the mask's constancy
// and the buffer's layout allow; a masked-off piece copies zero bytes and
// fills zeros (cp.async's src-size operand). Elements a thread holds only as
// a replica, in another register, lane or warp, are not copied twice. Commit
// and wait are cp.async's group instructions; a memdesc_subview is the ring's
// base plus the slot's bytes.
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

class AsyncCopyToLLVM : public OpConversionPattern<AsyncCopyGlobalToLocalOp> {
public:
  AsyncCopyToLLVM(TileTypeConverter &converter, MLIRContext *ctx, const LoweringContext &context)
      : OpConversionPattern(converter, ctx), context(context) {}

  LogicalResult matchAndRewrite(AsyncCopyGlobalToLocalOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    auto ptrType = cast<RankedTensorType>(op.getPtrs().getType());
    LinearLayout layout = toLinearLayout(ptrType);
    MemDescType dstType = op.getDst().getType();
    SharedOffsetMap shared = sharedOffsetsOf(dstType);
    Type element = getTypeConverter()->convertType(dstType.getElementType());
    int64_t bytes = getSharedElementBytes(dstType.getElementType());
    unsigned bits = dstType.getElementType().getIntOrFloatBitWidth();
    // The widest piece every bound allows.
    int64_t vec = 1;
    for (unsigned d = 0; d < ptrType.getRank(); ++d)
      vec = std::max(vec, std::min<int64_t>(int64_t(1) << layout.getContiguousRegisterBits(d),
                                            context.axisInfo->getVectorWidth(
                                                op.getPtrs(), op.getMask(), d, bits)));
    vec = std::min<int64_t>(vec, getSharedVectorWidth(layout, shared, 16 / bytes));
    if (vec * bytes < 4)
      return op.emitError("internal compiler error: an async copy needs pieces of at least 4 "
                          "bytes per thread (the pipeliner checks this)");
    ValueRange ptrs = adaptor.getPtrs();
    ValueRange masks = op.getMask() ? adaptor.getMask() : ValueRange();
    SmallVector<Value> addresses =
        sharedGroupAddresses(e, adaptor.getDst()[0], layout, shared, element, vec);
    uint64_t redundant = layout.getRedundantMasks()[LinearLayout::Register];
    int32_t pieceBytes = vec * bytes;
    auto modifier = pieceBytes == 16 ? NVVM::LoadCacheModifierKind::CG
                                     : NVVM::LoadCacheModifierKind::CA;
    auto copy = [&] {
      for (int64_t r = 0, group = 0; r < int64_t(ptrs.size()); r += vec, ++group) {
        if (r & redundant)
          continue;
        Value size = masks.empty()
                         ? Value()
                         : e.select(masks[r], e.i32(pieceBytes), e.i32(0));
        NVVM::CpAsyncOp::create(rewriter, op.getLoc(), addresses[group], ptrs[r], pieceBytes,
                                modifier, size);
      }
    };
    // Lanes and warps that hold replicas copy nothing: each byte is written once, by its
    // canonical holder (a tile smaller than its layout, e.g. 64 elements over 128 threads).
    if (Value owner = emitThreadOwnership(e, layout))
      emitIf(rewriter, op.getLoc(), owner, copy);
    else
      copy();
    rewriter.eraseOp(op);
    return success();
  }

private:
  const LoweringContext &context;
};

struct AsyncCommitGroupToLLVM : OpConversionPattern<AsyncCommitGroupOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AsyncCommitGroupOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<NVVM::CpAsyncCommitGroupOp>(op);
    return success();
  }
};

struct AsyncWaitToLLVM : OpConversionPattern<AsyncWaitOp> {
  AsyncWaitToLLVM(TileTypeConverter &converter, MLIRContext *ctx, const LoweringContext &context)
      : OpConversionPattern(converter, ctx), context(context) {}
  LogicalResult matchAndRewrite(AsyncWaitOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    NVVM::CpAsyncWaitGroupOp::create(rewriter, loc, op.getNum());
    // cp.async writes through the generic proxy; wgmma reads through the async one.
    if (context.usesWarpGroupMMA) {
      Emitter e(rewriter, loc);
      e.fenceAsyncProxy();
    }
    rewriter.eraseOp(op);
    return success();
  }
  const LoweringContext &context;
};

struct MemDescSubviewToLLVM : OpConversionPattern<MemDescSubviewOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(MemDescSubviewOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    int64_t slotBytes = op.getType().getSizeInBytes();
    Value offset = e.mul(adaptor.getIndex()[0], e.i32(slotBytes));
    Value base = adaptor.getSrc()[0];
    rewriter.replaceOp(op, LLVM::GEPOp::create(rewriter, op.getLoc(), base.getType(),
                                               rewriter.getI8Type(), base,
                                               ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(offset)})
                               .getResult());
    return success();
  }
};

/// A static view (a slice, a transpose) is its buffer's address: the offsets or the permutation
/// are in its type, used where it is accessed.
template <typename ViewOp> struct MemDescViewToLLVM : OpConversionPattern<ViewOp> {
  using OpConversionPattern<ViewOp>::OpConversionPattern;
  LogicalResult matchAndRewrite(ViewOp op, typename ViewOp::template GenericAdaptor<
                                               ArrayRef<ValueRange>> adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getSrc()[0]);
    return success();
  }
};

} // namespace

void lacc::conversion::populateAsyncCopyOpToLLVMPatterns(TileTypeConverter &converter,
                                                        RewritePatternSet &patterns,
                                                        const LoweringContext &context) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<AsyncCopyToLLVM, AsyncWaitToLLVM>(converter, ctx, context);
  patterns.add<AsyncCommitGroupToLLVM, MemDescSubviewToLLVM, MemDescViewToLLVM<MemDescSliceOp>,
               MemDescViewToLLVM<MemDescTransOp>>(converter, ctx);
}
