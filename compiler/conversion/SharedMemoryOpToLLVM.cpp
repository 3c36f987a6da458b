//===- SharedMemoryOpToLLVM.cpp - explicit shared-memory buffers ----------===//
//
// local_alloc / local_store / local_load move a tile between its distributed
// layout and a buffer in its shared layout (row-major along the order, with
// an optional XOR swizzle), with the widest vector accesses both layouts
// allow. A local_load of 16-bit mma operand fragments uses ldmatrix (.trans
// when the buffer's rows run along the other dimension) wherever the two
// layouts line up 8-element rows, which the operand staging of
// tilegpu-accelerate-matmul makes sure of. Ordering between them is
// tilegpu-insert-barriers' business; a tilegpu.barrier is bar.sync.
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


unsigned maxVectorOf(Type element) {
  return std::max<int64_t>(1, 16 / getSharedElementBytes(element));
}

struct LocalAllocToLLVM : OpConversionPattern<LocalAllocOp> {
  LocalAllocToLLVM(TileTypeConverter &converter, MLIRContext *ctx, const LoweringContext &context)
      : OpConversionPattern(converter, ctx), context(context) {}
  LogicalResult matchAndRewrite(LocalAllocOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (getSharedOffset(op) < 0)
      return op.emitOpError("has no shared-memory offset: run tilegpu-allocate-shared-memory");
    Emitter e(rewriter, op.getLoc());
    Value base = e.sharedBase(op);
    if (op.getSrc()) {
      auto srcType = cast<RankedTensorType>(op.getSrc().getType());
      LinearLayout layout = toLinearLayout(srcType);
      SharedOffsetMap shared = sharedOffsetsOf(op.getType());
      unsigned vec = getSharedVectorWidth(layout, shared, maxVectorOf(srcType.getElementType()));
      storeToShared(e, base, layout, shared, adaptor.getSrc(), vec);
      // (A TMA store's staging buffer is followed by its own fence.)
      if (context.usesWarpGroupMMA && !isa_and_nonnull<FenceAsyncSharedOp>(op->getNextNode()))
        e.fenceAsyncProxy();
    }
    rewriter.replaceOp(op, base);
    return success();
  }
  const LoweringContext &context;
};

struct LocalStoreToLLVM : OpConversionPattern<LocalStoreOp> {
  LocalStoreToLLVM(TileTypeConverter &converter, MLIRContext *ctx, const LoweringContext &context)
      : OpConversionPattern(converter, ctx), context(context) {}
  LogicalResult matchAndRewrite(LocalStoreOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    LinearLayout layout = toLinearLayout(srcType);
    SharedOffsetMap shared = sharedOffsetsOf(op.getDst().getType());
    unsigned vec = getSharedVectorWidth(layout, shared, maxVectorOf(srcType.getElementType()));
    storeToShared(e, adaptor.getDst()[0], layout, shared, adaptor.getSrc(), vec);
    if (context.usesWarpGroupMMA)
      e.fenceAsyncProxy();
    rewriter.eraseOp(op);
    return success();
  }
  const LoweringContext &context;
};

/// How ldmatrix can read a thread's registers of `layout` from `shared`: each 32-bit register
/// is a pair of consecutive registers, and a matrix's 8 rows of 16 bytes are either the pairs of
/// 4 consecutive lanes (no transpose) or run along lane bits 2-4 (.trans).
struct LdmatrixPlan {
  bool transpose;
  /// Per lane bit, the offset (in elements) that bit of the lane id adds to its row address;
  /// lane = 8 * matrix + row.
  SmallVector<uint64_t> laneOffsets;
};

std::optional<LdmatrixPlan> planLdmatrix(const LinearLayout &layout,
                                         const SharedOffsetMap &shared) {
  ArrayRef<uint64_t> regs = layout.getBases(LinearLayout::Register);
  ArrayRef<uint64_t> lanes = layout.getBases(LinearLayout::Lane);
  if (regs.empty() || lanes.size() != 5 || (shared.getConstant() & 7))
    return std::nullopt;
  auto offsetOf = [&](uint64_t element) { return shared.linear(element); };
  // The bases that give offsets 1, 2, 4 within a 16-byte row; every other basis must keep rows
  // 16-byte aligned.
  auto rowsAligned = [&](ArrayRef<uint64_t> within) {
    for (unsigned in : {LinearLayout::Register, LinearLayout::Lane, LinearLayout::Warp})
      for (uint64_t b : layout.getBases(in))
        if (!llvm::is_contained(within, b) && (offsetOf(b) & 7))
          return false;
    return true;
  };
  auto stepsAre124 = [&](uint64_t a, uint64_t b, uint64_t c) {
    return offsetOf(a) == 1 && offsetOf(b) == 2 && offsetOf(c) == 4;
  };
  // Matrix i of an instruction holds register pair i: lane bits 3 and 4 select register
  // bits 1 and 2 (missing ones add nothing: the x1 and x2 forms ignore those lanes).
  auto regOffset = [&](unsigned bit) { return bit < regs.size() ? offsetOf(regs[bit]) : 0; };
  if (stepsAre124(regs[0], lanes[0], lanes[1]) && rowsAligned({regs[0], lanes[0], lanes[1]}))
    // Row j of a matrix: lanes 4j..4j+3 (lane bits 2-4), their pairs contiguous.
    return LdmatrixPlan{false, {offsetOf(lanes[2]), offsetOf(lanes[3]), offsetOf(lanes[4]),
                                regOffset(1), regOffset(2)}};
  if (stepsAre124(lanes[2], lanes[3], lanes[4]) && rowsAligned({lanes[2], lanes[3], lanes[4]}))
    // Stored row j: register bit 0 (j & 1) and lane bits 0-1 (j >> 1); lanes 2-4 along it.
    return LdmatrixPlan{true, {offsetOf(regs[0]), offsetOf(lanes[0]), offsetOf(lanes[1]),
                               regOffset(1), regOffset(2)}};
  return std::nullopt;
}

/// ldmatrix.x{1,2,4} over every register of `layout`, in register order.
SmallVector<Value> loadWithLdmatrix(Emitter &e, Value base, const LinearLayout &layout,
                                    const SharedOffsetMap &offsetOf, Type element,
                                    const LdmatrixPlan &plan) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  int64_t pairs = layout.getInSize(LinearLayout::Register) / 2;
  unsigned num = std::min<int64_t>(4, pairs);
  // The lane's row address, less the instruction's register part.
  SmallVector<uint64_t> laneBits(plan.laneOffsets);
  for (unsigned bit = 3 + llvm::Log2_32(num); bit < 5; ++bit)
    laneBits[bit] = 0;
  SmallVector<uint64_t> warpBits;
  for (uint64_t w : layout.getBases(LinearLayout::Warp))
    warpBits.push_back(offsetOf.linear(w));
  Value laneOffset = e.xor_(emitLinearMap(e, e.laneId(), laneBits),
                            emitLinearMap(e, e.warpId(), warpBits));
  Type i32 = b.getI32Type();
  Type resultType = num == 1 ? i32
                             : Type(LLVM::LLVMStructType::getLiteral(
                                   b.getContext(), SmallVector<Type>(num, i32)));
  auto pairType = VectorType::get({2}, element);
  SmallVector<Value> values;
  for (int64_t first = 0; first < pairs; first += num) {
    uint64_t c = offsetOf(layout.applyOne(LinearLayout::Register, 2 * first));
    Value offset = c ? e.xor_(laneOffset, e.i32(c)) : laneOffset;
    Value ptr = e.sharedElementPtr(base, element, offset);
    Value loaded = NVVM::LdMatrixOp::create(
        b, loc, resultType, ptr, num, plan.transpose ? NVVM::MMALayout::col : NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8), NVVM::LdStMatrixEltType::B16);
    for (unsigned i = 0; i < num; ++i) {
      Value reg = num == 1 ? loaded : LLVM::ExtractValueOp::create(b, loc, loaded, i).getResult();
      Value pair = LLVM::BitcastOp::create(b, loc, pairType, reg);
      for (int j = 0; j < 2; ++j)
        values.push_back(LLVM::ExtractElementOp::create(b, loc, pair, e.i32(j)));
    }
  }
  return values;
}

struct LocalLoadToLLVM : OpConversionPattern<LocalLoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(LocalLoadOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    LinearLayout layout = toLinearLayout(op.getType());
    SharedOffsetMap shared = sharedOffsetsOf(op.getSrc().getType());
    Type element = op.getType().getElementType();
    if (element.getIntOrFloatBitWidth() == 16 && layout.getInSize(LinearLayout::Register) >= 2)
      if (std::optional<LdmatrixPlan> plan = planLdmatrix(layout, shared)) {
        rewriter.replaceOpWithMultiple(
            op, {loadWithLdmatrix(e, adaptor.getSrc()[0], layout, shared,
                                  getTypeConverter()->convertType(element), *plan)});
        return success();
      }
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
    Emitter(rewriter, op.getLoc()).barrier();
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void lacc::conversion::populateSharedMemoryOpToLLVMPatterns(TileTypeConverter &converter,
                                                           RewritePatternSet &patterns,
                                                           const LoweringContext &context) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<LocalAllocToLLVM, LocalStoreToLLVM>(converter, ctx, context);
  patterns.add<LocalLoadToLLVM, BarrierToLLVM>(converter, ctx);
}
