//===- ViewOpToLLVM.cpp - ops that move no data between threads -----------===//
//
// make_range, splat, broadcast, expand_dims, reshape, trans, join, split and
// assume: the layouts the earlier passes chose make every element of the
// result available in the thread that needs it (reshape and trans results
// take the source's layout, seen through the new shape or order; join and
// split pair their halves in one thread's registers), so each lowers to a
// choice of registers, or for make_range to the element's own index. A pair of layouts
// that would need data movement is an internal error: tilegpu-remove-layout-
// conversions puts a convert_layout there instead.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "compiler/analysis/LayoutConversion.h"

#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

/// `layout` with every basis cut down to `shape` (coordinates along size-1 dimensions
/// dropped): what a broadcast source must hold for each register of its result.
LinearLayout projectTo(const LinearLayout &layout, ArrayRef<int64_t> shape) {
  SmallVector<SmallVector<uint64_t>> bases;
  LinearLayout target(shape, SmallVector<SmallVector<uint64_t>>(layout.getNumInDims()));
  for (unsigned in = 0; in < layout.getNumInDims(); ++in) {
    SmallVector<uint64_t> list;
    for (uint64_t b : layout.getBases(in))
      list.push_back(target.flatten(layout.unflatten(b)));
    bases.push_back(std::move(list));
  }
  return LinearLayout(shape, bases);
}

/// Replaces `op` by the source registers that hold each result register's element, where
/// `resultInSourceTerms` is the result's layout expressed over the source's elements.
LogicalResult selectRegisters(Operation *op, ValueRange src, const LinearLayout &source,
                              const LinearLayout &resultInSourceTerms,
                              ConversionPatternRewriter &rewriter) {
  std::optional<SmallVector<unsigned>> map =
      findRegisterPermutation(source, resultInSourceTerms);
  if (!map)
    return op->emitError("internal compiler error: the result layout of this ")
           << op->getName() << " does not match its source's; a layout conversion is missing";
  SmallVector<Value> values;
  for (unsigned r : *map)
    values.push_back(src[r]);
  rewriter.replaceOpWithMultiple(op, {values});
  return success();
}

struct MakeRangeToLLVM : OpConversionPattern<tile::MakeRangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::MakeRangeOp op, OneToNOpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    SmallVector<Value> values;
    for (const auto &index : emitIndices(e, op.getType()))
      values.push_back(op.getStart() ? e.add(index[0], e.i32(op.getStart())) : index[0]);
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

struct SplatToLLVM : OpConversionPattern<tile::SplatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::SplatOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value scalar = adaptor.getSrc()[0];
    rewriter.replaceOpWithMultiple(
        op, {SmallVector<Value>(getElemsPerThread(op.getType()), scalar)});
    return success();
  }
};

struct BroadcastToLLVM : OpConversionPattern<tile::BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::BroadcastOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    LinearLayout source = toLinearLayout(srcType);
    return selectRegisters(op, adaptor.getSrc(), source,
                           projectTo(toLinearLayout(op.getType()), srcType.getShape()), rewriter);
  }
};

/// expand_dims and reshape keep row-major flat indices: the result's layout, read in the
/// source's shape, must be the source's (up to register order).
template <typename OpT>
struct SameFlatIndexToLLVM : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  using OneToNOpAdaptor = typename OpConversionPattern<OpT>::OneToNOpAdaptor;
  LogicalResult matchAndRewrite(OpT op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    LinearLayout source = toLinearLayout(srcType);
    return selectRegisters(op, adaptor.getSrc(), source,
                           toLinearLayout(op.getType()).reshapeOuts(srcType.getShape()),
                           rewriter);
  }
};

struct TransToLLVM : OpConversionPattern<tile::TransOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::TransOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    // Result dimension i is source dimension order[i]: invert the permutation.
    ArrayRef<int32_t> order = op.getOrder();
    SmallVector<int32_t> inverse(order.size());
    for (auto [i, d] : llvm::enumerate(order))
      inverse[d] = i;
    return selectRegisters(op, adaptor.getSrc(), toLinearLayout(srcType),
                           toLinearLayout(op.getType()).transposeOuts(inverse), rewriter);
  }
};

/// For each register of `layout`, keyed by the element it holds in every thread's register
/// part: the first register holding it.
llvm::DenseMap<uint64_t, unsigned> registerOfElement(const LinearLayout &layout) {
  llvm::DenseMap<uint64_t, unsigned> registerOf;
  for (int64_t r = layout.getInSize(LinearLayout::Register); r-- > 0;)
    registerOf[layout.applyOne(LinearLayout::Register, r)] = r;
  return registerOf;
}

/// Whether `pair`'s threads hold, at flat index 2i + h, what `half`'s hold at i: the pair
/// layout's lane and warp bases are the half layout's moved up by one bit.
bool pairsInRegisters(const LinearLayout &pair, const LinearLayout &half) {
  for (unsigned in : {LinearLayout::Lane, LinearLayout::Warp}) {
    if (pair.getNumBits(in) != half.getNumBits(in))
      return false;
    for (auto [p, h] : llvm::zip_equal(pair.getBases(in), half.getBases(in)))
      if (p != h << 1)
        return false;
  }
  return true;
}

LogicalResult missingPairLayout(Operation *op) {
  return op->emitError("internal compiler error: the layouts of this ")
         << op->getName() << " do not hold each pair in one thread's registers; a layout "
         << "conversion is missing";
}

/// join: the layouts pair lhs and rhs in the registers of one thread (inferJoinLayout), so
/// each result register is a register of one of them.
struct JoinToLLVM : OpConversionPattern<tile::JoinOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::JoinOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    LinearLayout half = toLinearLayout(cast<RankedTensorType>(op.getLhs().getType()));
    LinearLayout pair = toLinearLayout(op.getType());
    if (!pairsInRegisters(pair, half))
      return missingPairLayout(op);
    llvm::DenseMap<uint64_t, unsigned> registerOf = registerOfElement(half);
    SmallVector<Value> values;
    for (int64_t r = 0; r < pair.getInSize(LinearLayout::Register); ++r) {
      uint64_t element = pair.applyOne(LinearLayout::Register, r);
      auto it = registerOf.find(element >> 1);
      if (it == registerOf.end())
        return missingPairLayout(op);
      values.push_back((element & 1 ? adaptor.getRhs() : adaptor.getLhs())[it->second]);
    }
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

/// split: the inverse of join, under the same layouts.
struct SplitToLLVM : OpConversionPattern<tile::SplitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::SplitOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    LinearLayout pair = toLinearLayout(cast<RankedTensorType>(op.getSrc().getType()));
    LinearLayout half = toLinearLayout(cast<RankedTensorType>(op.getLhs().getType()));
    if (!pairsInRegisters(pair, half))
      return missingPairLayout(op);
    llvm::DenseMap<uint64_t, unsigned> registerOf = registerOfElement(pair);
    SmallVector<Value> halves[2];
    for (int64_t r = 0; r < half.getInSize(LinearLayout::Register); ++r) {
      uint64_t element = half.applyOne(LinearLayout::Register, r);
      for (unsigned h = 0; h < 2; ++h) {
        auto it = registerOf.find(element << 1 | h);
        if (it == registerOf.end())
          return missingPairLayout(op);
        halves[h].push_back(adaptor.getSrc()[it->second]);
      }
    }
    rewriter.replaceOpWithMultiple(op, {halves[0], halves[1]});
    return success();
  }
};

/// assume: the facts are for the axis analysis, which ran before this conversion.
struct AssumeToLLVM : OpConversionPattern<tile::AssumeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AssumeOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithMultiple(op, {adaptor.getSrc()});
    return success();
  }
};

} // namespace

void lacc::conversion::populateViewOpToLLVMPatterns(TileTypeConverter &converter,
                                                   RewritePatternSet &patterns) {
  patterns.add<MakeRangeToLLVM, SplatToLLVM, BroadcastToLLVM,
               SameFlatIndexToLLVM<tile::ExpandDimsOp>, SameFlatIndexToLLVM<tile::ReshapeOp>,
               TransToLLVM, JoinToLLVM, SplitToLLVM, AssumeToLLVM>(converter,
                                                                     patterns.getContext());
}
