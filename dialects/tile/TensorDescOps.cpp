//===- TensorDescOps.cpp - make_tensor_desc, descriptor_load/store --------===//

#include "dialects/tile/TileDialect.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace lacc::tile;

LogicalResult TensorDescType::verify(function_ref<InFlightDiagnostic()> emitError,
                                     RankedTensorType blockType) {
  if (!blockType.hasStaticShape() || blockType.getRank() < 1 || blockType.getRank() > 5)
    return emitError() << "block must have a static shape of rank 1 to 5, got " << blockType;
  if (blockType.getEncoding())
    return emitError() << "block must not have a layout encoding";
  Type elt = blockType.getElementType();
  if (!isa<IntegerType, FloatType>(elt) || elt.isInteger(1))
    return emitError() << "block elements must be integers or floats of 8 bits or more, got "
                       << elt;
  // The TMA's limits, checked here so that every target accepts the same programs.
  for (int64_t d : blockType.getShape())
    if (d > 256)
      return emitError() << "block dimensions must be at most 256, got " << blockType;
  if (blockType.getShape().back() * elt.getIntOrFloatBitWidth() % 128 != 0)
    return emitError() << "the block's innermost dimension must span a multiple of 16 bytes, got "
                       << blockType;
  return success();
}

bool lacc::tile::isKernelParameterOrConstant(Value v) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    return isa_and_nonnull<func::FuncOp>(arg.getOwner()->getParentOp()) &&
           arg.getOwner()->isEntryBlock();
  return matchPattern(v, m_Constant());
}

LogicalResult MakeTensorDescOp::verify() {
  int64_t rank = getType().getRank();
  if (static_cast<int64_t>(getShape().size()) != rank)
    return emitOpError("has ") << getShape().size() << " shape and stride entries for a rank-"
                               << rank << " block";
  for (Value v : getOperands())
    if (!isKernelParameterOrConstant(v))
      return emitOpError("operands must be kernel parameters or constants");
  if (!matchPattern(getStrides().back(), m_One()))
    return emitOpError("the innermost stride must be the constant 1");
  return success();
}

/// Whether `result` is `block` (its shape and element type), or `block` with leading
/// dimensions of 1 dropped (at least one dimension left).
static bool dropsLeadingUnitDims(RankedTensorType block, RankedTensorType result) {
  int64_t lead = block.getRank() - result.getRank();
  if (result.getElementType() != block.getElementType() || result.getRank() < 1 || lead < 0)
    return false;
  ArrayRef<int64_t> shape = block.getShape();
  return llvm::all_of(shape.take_front(lead), [](int64_t d) { return d == 1; }) &&
         shape.drop_front(lead) == result.getShape();
}

MakeTensorDescOp DescriptorLoadOp::getDescOp() {
  return getDesc().getDefiningOp<MakeTensorDescOp>();
}

LogicalResult DescriptorLoadOp::verify() {
  int64_t rank = cast<TensorDescType>(getDesc().getType()).getRank();
  if (static_cast<int64_t>(getOffsets().size()) != rank)
    return emitOpError("has ") << getOffsets().size() << " offsets for a rank-" << rank
                               << " block";
  if (!getDescOp())
    return emitOpError("descriptor must come from tile.make_tensor_desc");
  RankedTensorType block = cast<TensorDescType>(getDesc().getType()).getBlockType();
  auto result = cast<RankedTensorType>(getType());
  if (!dropsLeadingUnitDims(block, result))
    return emitOpError("result type must be the descriptor's block type ")
           << block << " (with a layout or not), or that block with leading unit dimensions "
           << "dropped, got " << result;
  return success();
}

LogicalResult lacc::tile::foldReshapeIntoDescriptorLoad(ReshapeOp reshape,
                                                        RewriterBase &rewriter) {
  auto load = reshape.getSrc().getDefiningOp<DescriptorLoadOp>();
  if (!load || !load->hasOneUse())
    return failure();
  RankedTensorType block = cast<TensorDescType>(load.getDesc().getType()).getBlockType();
  if (!dropsLeadingUnitDims(block, reshape.getType()))
    return failure();
  rewriter.setInsertionPoint(load);
  auto folded = DescriptorLoadOp::create(rewriter, load.getLoc(), reshape.getType(),
                                         load.getDesc(), load.getOffsets());
  rewriter.replaceOp(reshape, folded);
  rewriter.eraseOp(load);
  return success();
}

namespace {
struct ReshapeOfDescriptorLoad : OpRewritePattern<ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ReshapeOp op, PatternRewriter &rewriter) const override {
    return foldReshapeIntoDescriptorLoad(op, rewriter);
  }
};
} // namespace

void DescriptorLoadOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                   MLIRContext *context) {
  results.add<ReshapeOfDescriptorLoad>(context);
}

void DescriptorLoadOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Read::get(), &getDescMutable(),
                       SideEffects::DefaultResource::get());
}

MakeTensorDescOp DescriptorStoreOp::getDescOp() {
  return getDesc().getDefiningOp<MakeTensorDescOp>();
}

LogicalResult DescriptorStoreOp::verify() {
  RankedTensorType block = cast<TensorDescType>(getDesc().getType()).getBlockType();
  int64_t rank = block.getRank();
  if (static_cast<int64_t>(getOffsets().size()) != rank)
    return emitOpError("has ") << getOffsets().size() << " offsets for a rank-" << rank
                               << " block";
  if (!getDescOp())
    return emitOpError("descriptor must come from tile.make_tensor_desc");
  auto value = cast<RankedTensorType>(getValue().getType());
  if (value.getElementType() != block.getElementType())
    return emitOpError("value element type must be the descriptor's ")
           << block.getElementType() << ", got " << value.getElementType();
  if (!dropsLeadingUnitDims(block, value))
    return emitOpError("value type must be the descriptor's block type ")
           << block << " (with a layout or not), or that block with leading unit dimensions "
           << "dropped, got " << value;
  return success();
}

void DescriptorStoreOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Write::get(), &getDescMutable(),
                       SideEffects::DefaultResource::get());
}
