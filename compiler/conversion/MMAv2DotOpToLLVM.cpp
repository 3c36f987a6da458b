//===- MMAv2DotOpToLLVM.cpp - tile.dot on mma.sync ------------------------===//
//
// A dot whose accumulator has the mma layout (version 2) and whose operands
// have its operand layouts: for every 16x8 accumulator tile a thread's warp
// owns and every K step of the instruction, one mma.sync.aligned.m16n8k*.
// The layouts (TileGPUDialect.cpp) fix which registers hold each fragment:
//   accumulator  4 per 16x8 tile:         index 4 * (nRep + nReps * mRep) + c
//   A            4 * kWidth per fragment: index 4kWidth * (kRep + kReps * mRep) + e
//   B            2 * kWidth per fragment: index 2kWidth * (kRep + kReps * nRep) + e
// 16-bit elements travel in pairs (one 32-bit register each); tf32 operands
// are rounded from f32 first (cvt.rna.tf32.f32).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

NVVM::MMATypes ptxType(Type element, unsigned kWidth) {
  if (kWidth == 1)
    return NVVM::MMATypes::tf32;
  return element.isF16() ? NVVM::MMATypes::f16 : NVVM::MMATypes::bf16;
}

struct MMAv2DotToLLVM : OpConversionPattern<tile::DotOp> {
  MMAv2DotToLLVM(TileTypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern(converter, ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(tile::DotOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto mma = dyn_cast<MmaEncodingAttr>(op.getType().getEncoding());
    if (!mma)
      return failure();
    auto aLayout = dyn_cast<DotOperandEncodingAttr>(op.getA().getType().getEncoding());
    auto bLayout = dyn_cast<DotOperandEncodingAttr>(op.getB().getType().getEncoding());
    if (!aLayout || !bLayout || aLayout.getParent() != mma || bLayout.getParent() != mma ||
        aLayout.getKWidth() != bLayout.getKWidth())
      return op.emitError("internal compiler error: an mma dot needs both operands in the "
                          "accumulator's mma operand layouts");
    unsigned kWidth = aLayout.getKWidth();
    Emitter e(rewriter, op.getLoc());
    Location loc = op.getLoc();
    ArrayRef<int64_t> shape = op.getType().getShape();
    int64_t kInstr = 8 * kWidth;
    int64_t mReps = std::max<int64_t>(1, shape[0] / (16 * mma.getWarpsPerCTA()[0]));
    int64_t nReps = std::max<int64_t>(1, shape[1] / (8 * mma.getWarpsPerCTA()[1]));
    int64_t kReps = op.getA().getType().getDimSize(1) / kInstr;
    int64_t aPer = 4 * kWidth, bPer = 2 * kWidth;
    ValueRange a = adaptor.getA(), b = adaptor.getB();
    SmallVector<Value> acc(adaptor.getAcc());
    if (int64_t(a.size()) != aPer * kReps * mReps || int64_t(b.size()) != bPer * kReps * nReps ||
        int64_t(acc.size()) != 4 * mReps * nReps)
      return op.emitError("internal compiler error: mma operand register counts do not match "
                          "the tile's shape");

    Type elementType = op.getA().getType().getElementType();
    std::array<NVVM::MMATypes, 2> types = {ptxType(elementType, kWidth),
                                           ptxType(elementType, kWidth)};
    std::array<NVVM::MMALayout, 2> layouts = {NVVM::MMALayout::row, NVVM::MMALayout::col};
    Type f32 = rewriter.getF32Type();
    auto resultType = LLVM::LLVMStructType::getLiteral(rewriter.getContext(), {f32, f32, f32, f32});
    // Operand fragments are packed once and reused across the other dimension.
    SmallVector<SmallVector<Value>> aFragments, bFragments;
    for (int64_t f = 0; f < kReps * mReps; ++f)
      aFragments.push_back(packMmaOperand(e, a, f * aPer, aPer, kWidth));
    for (int64_t f = 0; f < kReps * nReps; ++f)
      bFragments.push_back(packMmaOperand(e, b, f * bPer, bPer, kWidth));
    for (int64_t m = 0; m < mReps; ++m)
      for (int64_t n = 0; n < nReps; ++n) {
        int64_t c = 4 * (n + nReps * m);
        for (int64_t k = 0; k < kReps; ++k) {
          auto mmaOp = NVVM::MmaOp::create(
              rewriter, loc, resultType, aFragments[k + kReps * m], bFragments[k + kReps * n],
              ArrayRef<Value>(acc).slice(c, 4), ArrayRef<int64_t>{16, 8, kInstr}, std::nullopt,
              std::nullopt, types, layouts);
          for (int i = 0; i < 4; ++i)
            acc[c + i] = LLVM::ExtractValueOp::create(rewriter, loc, mmaOp.getRes(), i);
        }
      }
    rewriter.replaceOpWithMultiple(op, {acc});
    return success();
  }
};

} // namespace

void lacc::conversion::populateMMAv2DotOpToLLVMPatterns(TileTypeConverter &converter,
                                                       RewritePatternSet &patterns) {
  patterns.add<MMAv2DotToLLVM>(converter, patterns.getContext());
}
