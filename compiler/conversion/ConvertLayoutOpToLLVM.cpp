//===- ConvertLayoutOpToLLVM.cpp - moving a tile between layouts ----------===//
//
// Carries out the plan of analysis/LayoutConversion.h: nothing, a choice of
// registers, one shfl.sync.idx per destination register (the sender picking
// its register with a few selects), or a trip through the op's scratch in
// the swizzled shared layout the plan chose: vector stores, the op's own
// barrier, vector loads. The barrier before the stores, when the scratch was
// in use, is tilegpu-insert-barriers' business.
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

/// The sender's register `regConst ^ G(lane)`: a select over the lane bits G depends on.
Value selectRegister(Emitter &e, ValueRange values, uint64_t regConst,
                     ArrayRef<uint64_t> senderRegMap, Value lane, unsigned bit = 0) {
  while (bit < senderRegMap.size() && senderRegMap[bit] == 0)
    ++bit;
  if (bit == senderRegMap.size())
    return values[regConst];
  Value clear = selectRegister(e, values, regConst, senderRegMap, lane, bit + 1);
  Value set = selectRegister(e, values, regConst ^ senderRegMap[bit], senderRegMap, lane, bit + 1);
  Value isSet = e.icmp(LLVM::ICmpPredicate::ne, e.and_(lane, e.i32(1u << bit)), e.i32(0));
  return e.select(isSet, set, clear);
}

struct ConvertLayoutToLLVM : OpConversionPattern<ConvertLayoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConvertLayoutOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    LinearLayout src = toLinearLayout(srcType), dst = toLinearLayout(op.getType());
    unsigned bits = getSharedElementBytes(srcType.getElementType()) * 8;
    LayoutConversionPlan plan = planLayoutConversion(src, dst, bits);
    ValueRange values = adaptor.getSrc();
    Emitter e(rewriter, op.getLoc());
    SmallVector<Value> results;
    switch (plan.kind) {
    case LayoutConversionPlan::Kind::NoOp:
      results.assign(values.begin(), values.end());
      break;
    case LayoutConversionPlan::Kind::RegisterPermutation:
      for (unsigned r : plan.registers)
        results.push_back(values[r]);
      break;
    case LayoutConversionPlan::Kind::WarpShuffle: {
      const WarpShufflePlan &s = plan.shuffle;
      Value lane = e.laneId();
      Value readerPart = emitLinearMap(e, lane, s.laneMap);
      for (auto [laneConst, regConst] : llvm::zip_equal(s.laneConst, s.regConst)) {
        Value sent = selectRegister(e, values, regConst, s.senderRegMap, lane);
        Value from = laneConst ? e.xor_(readerPart, e.i32(laneConst)) : readerPart;
        results.push_back(e.shuffleIdx(sent, from));
      }
      break;
    }
    case LayoutConversionPlan::Kind::SharedMemory: {
      if (getSharedOffset(op) < 0)
        return op.emitOpError("has no shared-memory scratch: run tilegpu-allocate-shared-memory");
      Value base = e.sharedBase(op);
      SharedOffsetMap offsets(plan.shared);
      storeToShared(e, base, src, offsets, values, plan.storeVec);
      e.barrier();
      Type element = getTypeConverter()->convertType(srcType.getElementType());
      results = loadFromShared(e, base, dst, offsets, element, plan.loadVec);
      break;
    }
    }
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }
};

} // namespace

void lacc::conversion::populateConvertLayoutOpToLLVMPatterns(TileTypeConverter &converter,
                                                            RewritePatternSet &patterns,
                                                            const LoweringContext &) {
  patterns.add<ConvertLayoutToLLVM>(converter, patterns.getContext());
}
