//===- DotOpToLLVM.cpp - tile.dot as per-thread FMAs ----------------------===//
//
// The FMA lowering (Triton's for pre-tensor-core GPUs and odd shapes). The
// operands arrive in dot-operand layouts whose parent is the accumulator's
// blocked layout, so each thread already holds, for every accumulator row
// and column it owns, the whole K extent of A and B: the product is a loop
// of fused multiply-adds with no communication. 16-bit operands are widened
// to f32 once per register. Tensor cores (mma.sync, wgmma) will come in as
// other patterns for an mma parent layout.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

/// Register of each (row, k) element of an operand that the thread holds (thread part 0),
/// where `nonK` is the operand's row dimension; and whether the operand's thread part equals
/// the accumulator's along that dimension (so a thread has the rows of its accumulator).
struct OperandRegisters {
  llvm::DenseMap<uint64_t, unsigned> byElement;
  LinearLayout layout;
  bool matchesAccumulator;
};

OperandRegisters operandRegisters(RankedTensorType type, const LinearLayout &acc, unsigned nonK,
                                  unsigned accDim) {
  OperandRegisters result;
  result.layout = toLinearLayout(type);
  for (int64_t r = result.layout.getInSize(LinearLayout::Register); r-- > 0;)
    result.byElement[result.layout.applyOne(LinearLayout::Register, r)] = r;
  // The accumulator's lane and warp bases, seen as (row, k = 0) elements of the operand.
  result.matchesAccumulator = true;
  for (unsigned in : {LinearLayout::Lane, LinearLayout::Warp}) {
    ArrayRef<uint64_t> mine = result.layout.getBases(in), theirs = acc.getBases(in);
    if (mine.size() != theirs.size()) {
      result.matchesAccumulator = false;
      continue;
    }
    for (auto [m, t] : llvm::zip_equal(mine, theirs)) {
      SmallVector<int64_t> coords(2, 0);
      coords[nonK] = acc.getDimField(t, accDim);
      if (m != result.layout.flatten(coords))
        result.matchesAccumulator = false;
    }
  }
  return result;
}

struct DotToLLVM : OpConversionPattern<tile::DotOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::DotOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto aType = cast<RankedTensorType>(op.getA().getType());
    auto bType = cast<RankedTensorType>(op.getB().getType());
    auto accType = op.getType();
    auto aLayout = dyn_cast<DotOperandEncodingAttr>(aType.getEncoding());
    auto bLayout = dyn_cast<DotOperandEncodingAttr>(bType.getEncoding());
    if (!aLayout || !bLayout || !isa<BlockedEncodingAttr>(aLayout.getParent()))
      return rewriter.notifyMatchFailure(op, "the FMA dot takes dot operands of a blocked layout");
    LinearLayout acc = toLinearLayout(accType);
    OperandRegisters a = operandRegisters(aType, acc, /*nonK=*/0, /*accDim=*/0);
    OperandRegisters b = operandRegisters(bType, acc, /*nonK=*/1, /*accDim=*/1);
    if (!a.matchesAccumulator || !b.matchesAccumulator)
      return op.emitError("internal compiler error: the dot's operand layouts do not give each "
                          "thread the rows and columns of its accumulator");
    Location loc = op.getLoc();
    Type accElement = getTypeConverter()->convertType(accType.getElementType());
    int64_t k = aType.getDimSize(1);

    // Operands in the accumulator's arithmetic type, converted once per register.
    auto widen = [&](ValueRange values) {
      SmallVector<Value> result;
      for (Value v : values) {
        if (v.getType() == accElement)
          result.push_back(v);
        else if (isa<FloatType>(accElement))
          result.push_back(LLVM::FPExtOp::create(rewriter, loc, accElement, v));
        else
          result.push_back(LLVM::SExtOp::create(rewriter, loc, accElement, v));
      }
      return result;
    };
    SmallVector<Value> aValues = widen(adaptor.getA()), bValues = widen(adaptor.getB());

    SmallVector<Value> results;
    for (int64_t i = 0; i < acc.getInSize(LinearLayout::Register); ++i) {
      uint64_t element = acc.applyOne(LinearLayout::Register, i);
      int64_t m = acc.getDimField(element, 0), n = acc.getDimField(element, 1);
      Value sum = adaptor.getAcc()[i];
      for (int64_t kk = 0; kk < k; ++kk) {
        Value x = aValues[a.byElement.at(a.layout.flatten({m, kk}))];
        Value y = bValues[b.byElement.at(b.layout.flatten({kk, n}))];
        if (isa<FloatType>(accElement))
          sum = LLVM::FMAOp::create(rewriter, loc, x, y, sum);
        else
          sum = LLVM::AddOp::create(rewriter, loc, sum, LLVM::MulOp::create(rewriter, loc, x, y));
      }
      results.push_back(sum);
    }
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }
};

} // namespace

void lacc::conversion::populateDotOpToLLVMPatterns(TileTypeConverter &converter,
                                                  RewritePatternSet &patterns) {
  patterns.add<DotToLLVM>(converter, patterns.getContext());
}
