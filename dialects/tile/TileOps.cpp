//===- TileOps.cpp - verifiers, builders, folds, canonicalizations --------===//

#include "dialects/tile/TileDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace lacc::tile;

#define GET_OP_CLASSES
#include "dialects/tile/TileOps.cpp.inc"

static bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

static RankedTensorType tileType(Value v) { return cast<RankedTensorType>(v.getType()); }

//===----------------------------------------------------------------------===//
// make_range
//===----------------------------------------------------------------------===//

LogicalResult MakeRangeOp::verify() {
  // I32Attr accessors return uint32_t: read the attributes as the signed values they are.
  int64_t start = static_cast<int32_t>(getStart()), end = static_cast<int32_t>(getEnd());
  auto type = getType();
  if (type.getRank() != 1)
    return emitOpError("result must be a 1-D tile");
  if (end <= start)
    return emitOpError("end (") << end << ") must be greater than start (" << start << ")";
  if (type.getDimSize(0) != end - start)
    return emitOpError("result has ") << type.getDimSize(0) << " elements, expected end - start = "
                                      << end - start;
  if (!isPowerOfTwo(end - start))
    return emitOpError("range length ") << end - start << " is not a power of two";
  return success();
}

//===----------------------------------------------------------------------===//
// splat / broadcast / expand_dims / reshape / trans
//===----------------------------------------------------------------------===//

OpFoldResult SplatOp::fold(FoldAdaptor adaptor) {
  auto value = adaptor.getSrc();
  if (!value || !isa<IntegerAttr, FloatAttr>(value))
    return {};
  return SplatElementsAttr::get(getType(), value);
}

LogicalResult BroadcastOp::verify() {
  auto src = tileType(getSrc()), dst = getType();
  if (src.getRank() != dst.getRank())
    return emitOpError("source rank ") << src.getRank() << " differs from result rank "
                                       << dst.getRank();
  for (auto [i, s, d] : llvm::enumerate(src.getShape(), dst.getShape()))
    if (s != d && s != 1)
      return emitOpError("dimension ") << i << " of size " << s << " cannot broadcast to " << d;
  return success();
}

OpFoldResult BroadcastOp::fold(FoldAdaptor adaptor) {
  if (getSrc().getType() == getType())
    return getSrc();
  if (auto splat = dyn_cast_if_present<SplatElementsAttr>(adaptor.getSrc()))
    return splat.resizeSplat(getType());
  return {};
}

namespace {
/// Shape ops of a splat are a splat of the result shape.
template <typename ShapeOp>
struct ShapeOfSplat : OpRewritePattern<ShapeOp> {
  using OpRewritePattern<ShapeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ShapeOp op, PatternRewriter &rewriter) const override {
    auto splat = op.getSrc().template getDefiningOp<SplatOp>();
    if (!splat)
      return failure();
    rewriter.replaceOpWithNewOp<SplatOp>(op, op.getType(), splat.getSrc());
    return success();
  }
};

/// broadcast(broadcast(x)) -> broadcast(x).
struct BroadcastOfBroadcast : OpRewritePattern<BroadcastOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BroadcastOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getSrc().getDefiningOp<BroadcastOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<BroadcastOp>(op, op.getType(), inner.getSrc());
    return success();
  }
};

/// reshape(reshape(x)) -> reshape(x).
struct ReshapeOfReshape : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getSrc().getDefiningOp<ReshapeOp>();
    if (!inner)
      return failure();
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), inner.getSrc());
    return success();
  }
};

/// trans(trans(x)) -> one trans with the composed permutation.
struct TransOfTrans : OpRewritePattern<TransOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransOp op, PatternRewriter &rewriter) const override {
    auto inner = op.getSrc().getDefiningOp<TransOp>();
    if (!inner)
      return failure();
    SmallVector<int32_t> order;
    for (int32_t i : op.getOrder())
      order.push_back(inner.getOrder()[i]);
    rewriter.replaceOpWithNewOp<TransOp>(op, inner.getSrc(), order);
    return success();
  }
};
} // namespace

void BroadcastOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<ShapeOfSplat<BroadcastOp>, BroadcastOfBroadcast>(context);
}

void ExpandDimsOp::build(OpBuilder &builder, OperationState &state, Value src, int axis) {
  auto type = tileType(src);
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + axis, 1);
  build(builder, state, type.clone(shape), src, axis);
}

LogicalResult ExpandDimsOp::verify() {
  auto src = tileType(getSrc());
  int64_t axis = static_cast<int32_t>(getAxis());
  if (axis < 0 || axis > src.getRank())
    return emitOpError("axis ") << axis << " out of range for a rank-" << src.getRank() << " tile";
  SmallVector<int64_t> shape(src.getShape());
  shape.insert(shape.begin() + axis, 1);
  if (ArrayRef<int64_t>(shape) != getType().getShape())
    return emitOpError("result shape must be the source shape with 1 inserted at axis ") << axis;
  return success();
}

void ExpandDimsOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<ShapeOfSplat<ExpandDimsOp>>(context);
}

LogicalResult ReshapeOp::verify() {
  if (tileType(getSrc()).getNumElements() != getType().getNumElements())
    return emitOpError("cannot reshape ") << getSrc().getType() << " (" 
           << tileType(getSrc()).getNumElements() << " elements) to " << getType() << " ("
           << getType().getNumElements() << " elements)";
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getSrc().getType() == getType())
    return getSrc();
  if (auto splat = dyn_cast_if_present<SplatElementsAttr>(adaptor.getSrc()))
    return splat.resizeSplat(getType());
  return {};
}

void ReshapeOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<ShapeOfSplat<ReshapeOp>, ReshapeOfReshape>(context);
}

void TransOp::build(OpBuilder &builder, OperationState &state, Value src, ArrayRef<int32_t> order) {
  auto type = tileType(src);
  SmallVector<int64_t> shape;
  for (int32_t i : order)
    shape.push_back(i >= 0 && i < type.getRank() ? type.getDimSize(i) : 1);
  build(builder, state, type.clone(shape), src, order);
}

LogicalResult TransOp::verify() {
  auto src = tileType(getSrc());
  ArrayRef<int32_t> order = getOrder();
  if (static_cast<int64_t>(order.size()) != src.getRank())
    return emitOpError("order has ") << order.size() << " entries for a rank-" << src.getRank()
                                     << " tile";
  SmallVector<bool> seen(order.size(), false);
  for (int32_t i : order) {
    if (i < 0 || i >= src.getRank() || seen[i])
      return emitOpError("order must be a permutation of [0, ") << src.getRank() << ")";
    seen[i] = true;
  }
  if (getType().getRank() != src.getRank())
    return emitOpError("result rank ") << getType().getRank() << " differs from source rank "
                                       << src.getRank();
  for (auto [i, d] : llvm::enumerate(order))
    if (getType().getDimSize(i) != src.getDimSize(d))
      return emitOpError("result dimension ") << i << " must equal source dimension " << d;
  return success();
}

OpFoldResult TransOp::fold(FoldAdaptor adaptor) {
  if (llvm::equal(getOrder(), llvm::seq<int32_t>(0, getOrder().size())))
    return getSrc();
  if (auto splat = dyn_cast_if_present<SplatElementsAttr>(adaptor.getSrc()))
    return splat.resizeSplat(getType());
  return {};
}

void TransOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<ShapeOfSplat<TransOp>, TransOfTrans>(context);
}

//===----------------------------------------------------------------------===//
// join / split
//===----------------------------------------------------------------------===//

void JoinOp::build(OpBuilder &builder, OperationState &state, Value lhs, Value rhs) {
  auto type = tileType(lhs);
  SmallVector<int64_t> shape(type.getShape());
  shape.push_back(2);
  build(builder, state, type.clone(shape), lhs, rhs);
}

LogicalResult JoinOp::verify() {
  SmallVector<int64_t> shape(tileType(getLhs()).getShape());
  shape.push_back(2);
  if (ArrayRef<int64_t>(shape) != getType().getShape() ||
      getType().getElementType() != tileType(getLhs()).getElementType())
    return emitOpError("result must be ") << tileType(getLhs()).clone(shape);
  return success();
}

void SplitOp::build(OpBuilder &builder, OperationState &state, Value src) {
  auto type = tileType(src);
  auto half = type.clone(type.getShape().drop_back());
  build(builder, state, half, half, src);
}

LogicalResult SplitOp::verify() {
  auto src = tileType(getSrc());
  if (src.getRank() < 2 || src.getShape().back() != 2)
    return emitOpError("source must have rank 2 or more and a last dimension of 2, got ") << src;
  // Shapes and element types only: at the GPU level the halves have a layout of their own.
  auto lhs = tileType(getLhs());
  if (lhs.getShape() != src.getShape().drop_back() || lhs.getElementType() != src.getElementType())
    return emitOpError("results must be ")
           << RankedTensorType::get(src.getShape().drop_back(), src.getElementType());
  return success();
}

//===----------------------------------------------------------------------===//
// addptr / load / store (atomics: AtomicOps.cpp; block pointers: BlockPointerOps.cpp)
//===----------------------------------------------------------------------===//

LogicalResult AddPtrOp::verify() {
  if (getShape(getPtr().getType()) != getShape(getOffset().getType()))
    return emitOpError("offset shape must match the pointer shape: ")
           << getOffset().getType() << " vs " << getPtr().getType();
  return success();
}

OpFoldResult AddPtrOp::fold(FoldAdaptor adaptor) {
  if (matchPattern(adaptor.getOffset(), m_Zero()))
    return getPtr();
  return {};
}

void LoadOp::build(OpBuilder &builder, OperationState &state, Value ptr, Value mask, Value other) {
  build(builder, state, getPointeeType(ptr.getType()), ptr, mask, other);
}

LogicalResult LoadOp::verify() {
  if (getOther() && !getMask())
    return emitOpError("'other' requires a mask");
  return success();
}

void LoadOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Read::get(), &getPtrMutable(),
                       SideEffects::DefaultResource::get());
}

void StoreOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Write::get(), &getPtrMutable(),
                       SideEffects::DefaultResource::get());
}

namespace {
/// A mask that is all true is no mask at all.
template <typename MemOp>
struct DropTrueMask : OpRewritePattern<MemOp> {
  using OpRewritePattern<MemOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(MemOp op, PatternRewriter &rewriter) const override {
    Value mask = op.getMask();
    if (!mask || !matchPattern(mask, m_One()))
      return failure();
    rewriter.modifyOpInPlace(op, [&] {
      op.getMaskMutable().clear();
      if constexpr (std::is_same_v<MemOp, LoadOp>)
        op.getOtherMutable().clear();
    });
    return success();
  }
};
} // namespace

void LoadOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<DropTrueMask<LoadOp>>(context);
}

void StoreOp::getCanonicalizationPatterns(RewritePatternSet &results, MLIRContext *context) {
  results.add<DropTrueMask<StoreOp>>(context);
}

//===----------------------------------------------------------------------===//
// dot / reduce / scan
//===----------------------------------------------------------------------===//

LogicalResult DotOp::verify() {
  auto a = tileType(getA()), b = tileType(getB()), acc = tileType(getAcc());
  if (a.getRank() != 2 || b.getRank() != 2 || acc.getRank() != 2)
    return emitOpError("operands must be 2-D tiles");
  if (a.getDimSize(1) != b.getDimSize(0))
    return emitOpError("inner dimensions differ: a is ")
           << a.getDimSize(0) << "x" << a.getDimSize(1) << ", b is " << b.getDimSize(0) << "x"
           << b.getDimSize(1);
  if (acc.getDimSize(0) != a.getDimSize(0) || acc.getDimSize(1) != b.getDimSize(1))
    return emitOpError("accumulator must be ") << a.getDimSize(0) << "x" << b.getDimSize(1);
  Type in = a.getElementType(), out = acc.getElementType();
  if (in != b.getElementType())
    return emitOpError("operand element types differ: ") << in << " vs " << b.getElementType();
  if (isa<FloatType>(in) ? !(out.isF32() || out == in) : !(in.isInteger(8) && out.isInteger(32)))
    return emitOpError("cannot accumulate ") << in << " products in " << out;
  if (getInputPrecision() != InputPrecision::IEEE && !in.isF32())
    return emitOpError("input_precision ") << stringifyInputPrecision(getInputPrecision())
                                           << " applies to f32 operands only, not " << in;
  return success();
}

static FailureOr<Type> reducedType(Operation *op, RankedTensorType src, int64_t axis) {
  if (axis < 0 || axis >= src.getRank())
    return op->emitOpError("axis ") << axis << " out of range for a rank-" << src.getRank()
                                    << " tile",
           failure();
  if (src.getRank() == 1)
    return src.getElementType();
  SmallVector<int64_t> shape(src.getShape());
  shape.erase(shape.begin() + axis);
  return Type(src.clone(shape));
}

void ReduceOp::build(OpBuilder &builder, OperationState &state, CombineKind kind, Value src,
                     int axis) {
  auto type = tileType(src);
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + axis);
  Type result = shape.empty() ? type.getElementType() : Type(type.clone(shape));
  build(builder, state, result, kind, src, axis);
}

LogicalResult ReduceOp::verify() {
  auto expected = reducedType(*this, tileType(getSrc()), static_cast<int32_t>(getAxis()));
  if (failed(expected))
    return failure();
  // Layout encodings (added by the GPU level) may differ between source and result.
  auto sameTile = [](Type a, Type b) {
    auto ta = dyn_cast<RankedTensorType>(a), tb = dyn_cast<RankedTensorType>(b);
    if (!ta || !tb)
      return a == b;
    return ta.getShape() == tb.getShape() && ta.getElementType() == tb.getElementType();
  };
  if (!sameTile(*expected, getType()))
    return emitOpError("result type must be ") << *expected;
  if (getElementTypeOrSelf(getType()).isInteger(1) && getKind() == CombineKind::Sum)
    return emitOpError("cannot sum i1 values");
  return success();
}

LogicalResult ScanOp::verify() {
  if (failed(reducedType(*this, tileType(getSrc()), static_cast<int32_t>(getAxis()))))
    return failure();
  if (isa<PointerType>(tileType(getSrc()).getElementType()))
    return emitOpError("cannot scan pointers");
  return success();
}

//===----------------------------------------------------------------------===//
// assume
//===----------------------------------------------------------------------===//

LogicalResult AssumeOp::verify() {
  ArrayRef<int64_t> shape = getShape(getSrc().getType());
  size_t entries = std::max<size_t>(shape.size(), 1);
  auto check = [&](std::optional<ArrayRef<int64_t>> values, StringRef name) -> LogicalResult {
    if (!values)
      return success();
    if (values->size() != entries)
      return emitOpError() << name << " has " << values->size() << " entries, expected "
                           << entries;
    for (auto [d, v] : llvm::enumerate(*values)) {
      if (v < 1)
        return emitOpError() << name << " entries must be positive, got " << v;
      if (name == "contiguity" && v > (shape.empty() ? 1 : shape[d]))
        return emitOpError() << "contiguity " << v << " exceeds dimension " << d << " of size "
                             << (shape.empty() ? 1 : shape[d]);
    }
    return success();
  };
  if (!getDivisibility() && !getContiguity())
    return emitOpError("needs divisibility or contiguity");
  if (failed(check(getDivisibility(), "divisibility")))
    return failure();
  return check(getContiguity(), "contiguity");
}
