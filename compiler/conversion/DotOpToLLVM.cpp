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

#include <map>

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

/// Register number of the first of the K registers of each row (opIdx 0) or column (opIdx 1).
std::map<int64_t, unsigned> firstRegisterByRow(RankedTensorType type, unsigned opIdx) {
  std::map<int64_t, unsigned> rows;
  unsigned nonK = opIdx == 0 ? 0 : 1;
  for (auto [i, offset] :
       llvm::enumerate(getDistributedLayout(type).getElemOffsets(type.getShape())))
    rows.try_emplace(offset[nonK], i);
  return rows;
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
    if (!aLayout || !bLayout || aLayout.getOpIdx() != 0 || bLayout.getOpIdx() != 1 ||
        aLayout.getParent() != accType.getEncoding() ||
        bLayout.getParent() != accType.getEncoding() ||
        !isa<BlockedEncodingAttr>(accType.getEncoding()))
      return rewriter.notifyMatchFailure(op, "FMA dot needs dot-operand layouts of a blocked "
                                             "accumulator");
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
    SmallVector<Value> a = widen(adaptor.getA()), b = widen(adaptor.getB());
    auto aRows = firstRegisterByRow(aType, 0), bCols = firstRegisterByRow(bType, 1);

    SmallVector<Value> results;
    auto accOffsets = getDistributedLayout(accType).getElemOffsets(accType.getShape());
    for (auto [i, offset] : llvm::enumerate(accOffsets)) {
      unsigned aFirst = aRows.at(offset[0]), bFirst = bCols.at(offset[1]);
      Value acc = adaptor.getAcc()[i];
      for (int64_t kk = 0; kk < k; ++kk) {
        Value x = a[aFirst + kk], y = b[bFirst + kk];
        if (isa<FloatType>(accElement))
          acc = LLVM::FMAOp::create(rewriter, loc, x, y, acc);
        else
          acc = LLVM::AddOp::create(rewriter, loc, acc, LLVM::MulOp::create(rewriter, loc, x, y));
      }
      results.push_back(acc);
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
