//===- RemoveLayoutConversions.cpp - drop needless convert_layout ops -----===//
//
// Layout assignment and coalescing insert conversions freely; each one that
// survives costs a round trip through shared memory and two barriers. Three
// rewrites remove most of them:
//   - fold: convert(convert(x)) and conversions to the same layout;
//   - rematerialize: a conversion of a value computed only from ranges, splats
//     and constants (pointer and offset arithmetic, typically) is replaced by
//     recomputing that value in the wanted layout;
//   - sink: an elementwise op whose operands are all conversions from one
//     layout runs in that layout instead, and its result is converted once;
//   - bypass: ops that move data through shared memory anyway (trans,
//     reshape, local_alloc/local_store) read their source in any layout.
// Rematerialization only fires when no conversion is left behind and sinking
// only when an operand cannot be rematerialized, so the two never undo each
// other.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUREMOVELAYOUTCONVERSIONS
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

constexpr int kMaxRematDepth = 12;

Attribute layoutOf(Value v) { return cast<RankedTensorType>(v.getType()).getEncoding(); }

RankedTensorType withLayout(Type type, Attribute layout) {
  auto tensor = cast<RankedTensorType>(type);
  return RankedTensorType::get(tensor.getShape(), tensor.getElementType(), layout);
}

bool isElementwise(Operation *op) {
  return op->hasTrait<OpTrait::Elementwise>() && op->getNumResults() == 1 &&
         op->getNumRegions() == 0 && isa<RankedTensorType>(op->getResult(0).getType());
}

/// The layout operand `i` of `op` must have for `op`'s result to have `layout`, or null when
/// `op` cannot be recomputed in another layout.
Attribute operandLayoutFor(Operation *op, unsigned i, Attribute layout) {
  if (!isa<RankedTensorType>(op->getOperand(i).getType()))
    return {};
  if (isElementwise(op) || isa<tile::AddPtrOp, tile::BroadcastOp, ConvertLayoutOp>(op))
    return layout;
  if (auto expand = dyn_cast<tile::ExpandDimsOp>(op))
    if (auto distributed = dyn_cast<DistributedLayoutAttr>(layout))
      return SliceEncodingAttr::get(op->getContext(), expand.getAxis(), distributed);
  return {};
}

/// Whether `v` can be recomputed in `layout` from layout-free sources alone.
bool canRematerialize(Value v, Attribute layout, int depth = 0) {
  if (layoutOf(v) == layout)
    return true;
  Operation *def = v.getDefiningOp();
  if (!def || depth > kMaxRematDepth)
    return false;
  if (isa<tile::MakeRangeOp, tile::SplatOp>(def))
    return true;
  if (auto cst = dyn_cast<arith::ConstantOp>(def))
    return isa<SplatElementsAttr>(cst.getValue());
  if (!isElementwise(def) && !isa<tile::AddPtrOp, tile::BroadcastOp, tile::ExpandDimsOp,
                                  ConvertLayoutOp>(def))
    return false;
  for (unsigned i = 0; i < def->getNumOperands(); ++i) {
    if (!isa<RankedTensorType>(def->getOperand(i).getType()))
      continue;
    Attribute operandLayout = operandLayoutFor(def, i, layout);
    if (!operandLayout || !canRematerialize(def->getOperand(i), operandLayout, depth + 1))
      return false;
  }
  return true;
}

Value rematerialize(PatternRewriter &rewriter, Value v, Attribute layout) {
  if (layoutOf(v) == layout)
    return v;
  Operation *def = v.getDefiningOp();
  if (auto convert = dyn_cast<ConvertLayoutOp>(def))
    return rematerialize(rewriter, convert.getSrc(), layout);
  RankedTensorType type = withLayout(v.getType(), layout);
  if (auto cst = dyn_cast<arith::ConstantOp>(def))
    return arith::ConstantOp::create(rewriter, def->getLoc(), type,
                                     cast<SplatElementsAttr>(cst.getValue()).resizeSplat(type));
  IRMapping mapping;
  for (unsigned i = 0; i < def->getNumOperands(); ++i)
    if (Attribute operandLayout = operandLayoutFor(def, i, layout))
      mapping.map(def->getOperand(i), rematerialize(rewriter, def->getOperand(i), operandLayout));
  Operation *clone = rewriter.clone(*def, mapping);
  clone->getResult(0).setType(type);
  return clone->getResult(0);
}

struct RematerializeProducer : OpRewritePattern<ConvertLayoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConvertLayoutOp op, PatternRewriter &rewriter) const override {
    Attribute layout = op.getType().getEncoding();
    if (!canRematerialize(op.getSrc(), layout))
      return failure();
    rewriter.replaceOp(op, rematerialize(rewriter, op.getSrc(), layout));
    return success();
  }
};

/// f(convert(x), convert(y)) -> convert(f(x, y)) when x and y share a layout.
struct SinkConversion : RewritePattern {
  SinkConversion(MLIRContext *ctx) : RewritePattern(MatchAnyOpTypeTag(), 1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isElementwise(op) && !isa<tile::AddPtrOp>(op))
      return failure();
    Attribute source;
    for (Value operand : op->getOperands())
      if (auto convert = operand.getDefiningOp<ConvertLayoutOp>()) {
        source = layoutOf(convert.getSrc());
        break;
      }
    if (!source)
      return failure();
    for (Value operand : op->getOperands()) {
      if (!isa<RankedTensorType>(operand.getType()))
        continue;
      auto convert = operand.getDefiningOp<ConvertLayoutOp>();
      bool fromSource = convert && layoutOf(convert.getSrc()) == source;
      if (!fromSource && !canRematerialize(operand, source))
        return failure();
    }
    IRMapping mapping;
    for (Value operand : op->getOperands())
      if (isa<RankedTensorType>(operand.getType())) {
        auto convert = operand.getDefiningOp<ConvertLayoutOp>();
        mapping.map(operand, convert && layoutOf(convert.getSrc()) == source
                                 ? convert.getSrc()
                                 : rematerialize(rewriter, operand, source));
      }
    Operation *clone = rewriter.clone(*op, mapping);
    Type type = op->getResult(0).getType();
    clone->getResult(0).setType(withLayout(type, source));
    rewriter.replaceOpWithNewOp<ConvertLayoutOp>(op, type, clone->getResult(0));
    return success();
  }
};

/// Ops that go through shared memory read their source in any distributed layout: they
/// can take the value before its conversion.
template <typename OpT>
struct TakeUnconvertedSource : OpRewritePattern<OpT> {
  using OpRewritePattern<OpT>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpT op, PatternRewriter &rewriter) const override {
    auto convert = op.getSrc().template getDefiningOp<ConvertLayoutOp>();
    if (!convert || !getDistributedLayout(convert.getSrc().getType()))
      return failure();
    rewriter.modifyOpInPlace(op, [&] { op.getSrcMutable().assign(convert.getSrc()); });
    return success();
  }
};

struct RemoveLayoutConversionsPass
    : lacc::impl::TileGPURemoveLayoutConversionsBase<RemoveLayoutConversionsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    ConvertLayoutOp::getCanonicalizationPatterns(patterns, ctx);
    patterns.add<RematerializeProducer, SinkConversion, TakeUnconvertedSource<tile::TransOp>,
                 TakeUnconvertedSource<tile::ReshapeOp>, TakeUnconvertedSource<LocalAllocOp>,
                 TakeUnconvertedSource<LocalStoreOp>>(ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
