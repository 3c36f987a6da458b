//===- RewriteBlockPointers.cpp - block pointers to pointer tiles and masks -===//
//
// Triton's RewriteTensorPointer for the tile dialect. A block pointer becomes
// its parts, base pointer, shape and strides (i64) and offsets (i32), carried
// as separate values, through scf.for/if/while too (a 1:N type conversion);
// `advance` adds to the offsets, and a block load or store becomes a tile.load
// or tile.store of the pointer tile
//
//   base + sum_d (i64(offset_d) + arange(0, block_d)) * stride_d
//
// (each term broadcast along the other dimensions), masked by
// 0 <= i64(offset_d) + i < shape_d for every boundary-checked d, with the
// padding (0 or NaN) as `other`. The canonicalizer that follows drops the
// parts a loop never changes.
//
// Tensor descriptor loads and stores go the same way first:
// `desc.load(offsets)` is a block load of a block pointer at those offsets
// with every dimension checked (a load whose result drops the block's
// leading unit dimensions adds their offsets to the base, and reads zeros
// outside them), `desc.store(offsets, v)` a block store of the same (writing
// nothing outside them). With keep-tma-loads (sm_90a) the accesses that the
// TMA serves are left as they are, for the pipeliner and
// tilegpu-lower-descriptor-loads/-stores: those of a 2-D tile, of a rank-2
// block or of a higher-rank one of 1 x ... x 1 x rows x cols. A reshape that
// drops a load's leading unit dimensions is folded into it first (the
// canonicalization, which runs only after this pass), so that
// `reshape(desc.load([bh, row, 0]), (rows, cols))` is such a load; a store
// of a 1 x rows x cols value stores it reshaped to rows x cols.
//
// It runs first in code generation.
//
//===----------------------------------------------------------------------===//

#include "compiler/analysis/AxisInfo.h"
#include "compiler/transforms/Passes.h"
#include "dialects/tile/TileDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

namespace lacc {
#define GEN_PASS_DEF_TILEREWRITEBLOCKPOINTERS
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;

namespace {

/// The parts of a converted block pointer.
struct BlockParts {
  Value base;
  SmallVector<Value> shape, strides, offsets;

  explicit BlockParts(ValueRange parts) {
    size_t rank = (parts.size() - 1) / 3;
    base = parts[0];
    for (size_t d = 0; d < rank; ++d) {
      shape.push_back(parts[1 + d]);
      strides.push_back(parts[1 + rank + d]);
      offsets.push_back(parts[1 + 2 * rank + d]);
    }
  }
  SmallVector<Value> flatten() const {
    SmallVector<Value> out{base};
    llvm::append_range(out, shape);
    llvm::append_range(out, strides);
    llvm::append_range(out, offsets);
    return out;
  }
};

class BlockPointerTypeConverter : public TypeConverter {
public:
  BlockPointerTypeConverter() {
    addConversion([](Type type) { return type; });
    addConversion([](tile::BlockPointerType type, SmallVectorImpl<Type> &parts) {
      MLIRContext *ctx = type.getContext();
      int64_t rank = type.getRank();
      parts.push_back(tile::PointerType::get(type.getElementType()));
      parts.append(2 * rank, IntegerType::get(ctx, 64));
      parts.append(rank, IntegerType::get(ctx, 32));
      return success();
    });
  }
};

/// Pointers and mask of the block `parts` designates.
std::pair<Value, Value> addressBlock(OpBuilder &b, Location loc, const BlockParts &parts,
                                     RankedTensorType block, ArrayRef<int32_t> checked) {
  ArrayRef<int64_t> shape = block.getShape();
  int64_t rank = block.getRank();
  Type i64 = b.getI64Type();
  auto tileOf = [&](Type elt) { return RankedTensorType::get(shape, elt); };
  // A 1-D tile along dimension d, stretched over the whole block.
  auto spread = [&](Value v, int64_t d) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> unit(rank, 1);
    unit[d] = shape[d];
    if (rank > 1)
      v = tile::ReshapeOp::create(b, loc, type.clone(unit), v);
    if (rank > 1 || unit[d] != shape[d])
      v = tile::BroadcastOp::create(b, loc, type.clone(shape), v);
    return v;
  };
  Value offset, mask;
  for (int64_t d = 0; d < rank; ++d) {
    auto line = RankedTensorType::get({shape[d]}, i64);
    Value range = tile::MakeRangeOp::create(
        b, loc, RankedTensorType::get({shape[d]}, b.getI32Type()), 0, shape[d]);
    Value start = arith::ExtSIOp::create(b, loc, i64, parts.offsets[d]);
    Value index = arith::AddIOp::create(b, loc, tile::SplatOp::create(b, loc, line, start),
                                        arith::ExtSIOp::create(b, loc, line, range));
    Value term = arith::MulIOp::create(b, loc, index,
                                       tile::SplatOp::create(b, loc, line, parts.strides[d]));
    term = spread(term, d);
    offset = offset ? Value(arith::AddIOp::create(b, loc, offset, term)) : term;
    if (!llvm::is_contained(checked, d))
      continue;
    Value zero = arith::ConstantOp::create(b, loc, DenseElementsAttr::get(line, b.getI64IntegerAttr(0)));
    Value limit = tile::SplatOp::create(b, loc, line, parts.shape[d]);
    Value inside = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, limit));
    inside = spread(inside, d);
    mask = mask ? Value(arith::AndIOp::create(b, loc, mask, inside)) : inside;
  }
  Type ptrType = parts.base.getType();
  Value ptrs = tile::SplatOp::create(b, loc, tileOf(ptrType), parts.base);
  ptrs = tile::AddPtrOp::create(b, loc, tileOf(ptrType), ptrs, offset);
  return {ptrs, mask};
}

SmallVector<Value> flatten(ArrayRef<ValueRange> ranges) {
  SmallVector<Value> out;
  for (ValueRange r : ranges)
    llvm::append_range(out, r);
  return out;
}

struct MakeBlockPtrRewrite : OpConversionPattern<tile::MakeBlockPtrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::MakeBlockPtrOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    // The operands are already the parts, in order: base, shape, strides, offsets.
    rewriter.replaceOpWithMultiple(op, {flatten(adaptor.getOperands())});
    return success();
  }
};

struct AdvanceRewrite : OpConversionPattern<tile::AdvanceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AdvanceOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    BlockParts parts(adaptor.getPtr());
    SmallVector<Value> deltas = flatten(adaptor.getOffsets());
    for (auto [offset, delta] : llvm::zip(parts.offsets, deltas))
      offset = arith::AddIOp::create(rewriter, op.getLoc(), offset, delta);
    rewriter.replaceOpWithMultiple(op, {parts.flatten()});
    return success();
  }
};

struct BlockLoadRewrite : OpConversionPattern<tile::BlockLoadOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::BlockLoadOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto block = op.getType();
    auto [ptrs, mask] =
        addressBlock(rewriter, loc, BlockParts(adaptor.getPtr()), block, op.getBoundaryCheck());
    Value other;
    if (mask) {
      Type elt = block.getElementType();
      TypedAttr pad;
      if (auto ft = dyn_cast<FloatType>(elt))
        pad = rewriter.getFloatAttr(ft, op.getPadding() == tile::Padding::NaN
                                            ? APFloat::getNaN(ft.getFloatSemantics())
                                            : APFloat::getZero(ft.getFloatSemantics()));
      else
        pad = rewriter.getIntegerAttr(elt, 0);
      other = arith::ConstantOp::create(rewriter, loc, DenseElementsAttr::get(block, pad));
    }
    rewriter.replaceOp(op, tile::LoadOp::create(rewriter, loc, ptrs, mask, other));
    return success();
  }
};

struct BlockStoreRewrite : OpConversionPattern<tile::BlockStoreOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::BlockStoreOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto block = cast<tile::BlockPointerType>(op.getPtr().getType()).getBlockType();
    auto [ptrs, mask] = addressBlock(rewriter, op.getLoc(), BlockParts(adaptor.getPtr()), block,
                                     op.getBoundaryCheck());
    tile::StoreOp::create(rewriter, op.getLoc(), ptrs, adaptor.getValue().front(), mask);
    rewriter.eraseOp(op);
    return success();
  }
};

/// The block pointer over the last `rank` dimensions of `desc`'s block at `offsets` (the
/// leading dimensions, of extent 1, move into the base: a scalar offset, not a dimension of
/// every element's address and mask). Outside them the block is outside the tensor, as the
/// TMA's would be: the first kept dimension then starts a whole block before the tensor, so
/// that loads read zeros and stores write nothing.
Value descriptorBlockPointer(OpBuilder &b, Location loc, tile::MakeTensorDescOp desc,
                             ValueRange offsetValues, RankedTensorType tile) {
  auto toI64 = [&](ValueRange values) {
    SmallVector<Value> out;
    for (Value v : values)
      out.push_back(v.getType().isInteger(64)
                        ? v
                        : arith::ExtSIOp::create(b, loc, b.getI64Type(), v).getResult());
    return out;
  };
  RankedTensorType block = cast<tile::TensorDescType>(desc.getType()).getBlockType();
  SmallVector<Value> shape = toI64(desc.getShape()), strides = toI64(desc.getStrides());
  SmallVector<Value> offsets(offsetValues);
  int64_t lead = block.getRank() - tile.getRank();
  Value base = desc.getBase(), inside;
  Value zero = lead ? arith::ConstantIntOp::create(b, loc, b.getI64Type(), 0) : Value();
  for (int64_t d = 0; d < lead; ++d) {
    Value offset = toI64(offsets[d])[0];
    base = tile::AddPtrOp::create(b, loc, base.getType(), base,
                                  arith::MulIOp::create(b, loc, offset, strides[d]));
    Value within = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, offset, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, offset, shape[d]));
    inside = inside ? arith::AndIOp::create(b, loc, inside, within).getResult() : within;
  }
  if (inside) {
    Value before = arith::ConstantIntOp::create(b, loc, b.getI32Type(), -tile.getDimSize(0));
    offsets[lead] = arith::SelectOp::create(b, loc, inside, offsets[lead], before);
  }
  int32_t rank = static_cast<int32_t>(tile.getRank());
  SmallVector<int32_t> order;
  for (int32_t d = 0; d < rank; ++d)
    order.push_back(rank - 1 - d);
  return tile::MakeBlockPtrOp::create(
      b, loc, tile::BlockPointerType::get(tile), base, ArrayRef(shape).drop_front(lead),
      ArrayRef(strides).drop_front(lead), ArrayRef(offsets).drop_front(lead), order);
}

/// Every dimension of a rank-`rank` block, boundary-checked.
SmallVector<int32_t> allDims(int64_t rank) {
  SmallVector<int32_t> dims;
  for (int32_t d = 0; d < rank; ++d)
    dims.push_back(d);
  return dims;
}

/// Whether `v` is known to be >= 0: a constant, a program id or count, or sums, products,
/// quotients, remainders, minima and maxima of such. Wrap-around of i32 index arithmetic is
/// ignored here as everywhere else (an offset that wrapped would address the wrong block).
bool knownNonNegative(Value v, int depth = 0) {
  IntegerAttr c;
  if (matchPattern(v, m_Constant(&c)))
    return c.getInt() >= 0;
  Operation *op = v.getDefiningOp();
  if (!op || depth > 8)
    return false;
  if (isa<tile::ProgramIdOp, tile::NumProgramsOp>(op))
    return true;
  if (isa<arith::AddIOp, arith::MulIOp, arith::DivSIOp, arith::DivUIOp, arith::MinSIOp,
          arith::MaxSIOp>(op))
    return llvm::all_of(op->getOperands(),
                        [&](Value operand) { return knownNonNegative(operand, depth + 1); });
  if (isa<arith::RemSIOp>(op)) // the sign of the dividend
    return knownNonNegative(op->getOperand(0), depth + 1);
  return false;
}

/// Where the TMA cannot store as desc.store promises, a pointer store (returned, for the
/// caller to rewrite) replaces `store` or backs it up on a uniform branch:
/// - it writes whole 16-byte chunks of a row, so past the end of a row whose bytes are not a
///   multiple of 16 it would write the padding (the innermost extent: a constant, or a value
///   the axis info proves a multiple, e.g. an argument specialized as one, else tested);
/// - a block at a negative coordinate faults (CUDA_ERROR_ILLEGAL_INSTRUCTION on the H200)
///   instead of being clipped (each offset not known to be >= 0, tested).
/// Returns null where the TMA store stays as it is.
Operation *guardTMAStore(tile::DescriptorStoreOp store, const AxisInfoAnalysis &axisInfo) {
  tile::MakeTensorDescOp desc = store.getDescOp();
  auto type = cast<tile::TensorDescType>(desc.getType());
  const int64_t perChunk =
      std::max<int64_t>(1, 128 / type.getElementType().getIntOrFloatBitWidth());
  OpBuilder b(store);
  Location loc = store.getLoc();
  auto zero = [&](Type t) { return arith::ConstantIntOp::create(b, loc, t, 0); };
  SmallVector<Value> conditions;
  Value width = desc.getShape().back();
  AxisInfo widthInfo = axisInfo.get(width);
  if (widthInfo.constant) {
    if (*widthInfo.constant % perChunk)
      return store;
  } else if (widthInfo.divisibility[0] % perChunk) {
    Value rest = arith::AndIOp::create(
        b, loc, width, arith::ConstantIntOp::create(b, loc, width.getType(), perChunk - 1));
    conditions.push_back(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rest, zero(width.getType())));
  }
  for (Value offset : store.getOffsets()) {
    if (knownNonNegative(offset))
      continue;
    conditions.push_back(
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, offset, zero(offset.getType())));
  }
  if (conditions.empty())
    return nullptr;
  Value all = conditions.front();
  for (Value c : ArrayRef(conditions).drop_front())
    all = arith::AndIOp::create(b, loc, all, c);
  auto branch = scf::IfOp::create(b, loc, TypeRange{}, all, /*withElseRegion=*/true);
  b.setInsertionPointToStart(branch.elseBlock());
  Operation *fallback = b.clone(*store);
  store->moveBefore(branch.thenBlock()->getTerminator());
  return fallback;
}

/// `desc.load(offsets)` -> block_load(make_block_ptr(base, shape, strides, offsets),
/// boundary_check = every dimension, padding zero), over the dimensions the load keeps, and
/// `desc.store(offsets, v)` -> block_store of the same (v a 1 x .. x 1 x rows x cols block
/// is first seen as its rows x cols tile); descriptors left unused are erased. With
/// `keepTMA`, loads and stores of a 2-D tile stay.
void descriptorAccessesToBlockAccesses(ModuleOp module, bool keepTMA) {
  SmallVector<tile::ReshapeOp> reshapes;
  module.walk([&](tile::ReshapeOp op) { reshapes.push_back(op); });
  IRRewriter rewriter(module.getContext());
  for (tile::ReshapeOp op : reshapes)
    (void)tile::foldReshapeIntoDescriptorLoad(op, rewriter);
  // A store of the whole block whose leading dimensions are 1 stores its 2-D tile (a free
  // reshape), which the TMA takes.
  module.walk([&](tile::DescriptorStoreOp op) {
    auto value = cast<RankedTensorType>(op.getValue().getType());
    ArrayRef<int64_t> shape = value.getShape();
    if (value.getRank() <= 2 ||
        !llvm::all_of(shape.drop_back(2), [](int64_t d) { return d == 1; }))
      return;
    OpBuilder b(op);
    Value rowsByCols = tile::ReshapeOp::create(b, op.getLoc(), value.clone(shape.take_back(2)),
                                               op.getValue());
    op.getValueMutable().assign(rowsByCols);
  });
  SmallVector<Operation *> accesses;
  SmallVector<tile::DescriptorStoreOp> tmaStores;
  module.walk([&](Operation *op) {
    Value accessed;
    if (auto load = dyn_cast<tile::DescriptorLoadOp>(op))
      accessed = load.getResult();
    else if (auto store = dyn_cast<tile::DescriptorStoreOp>(op))
      accessed = store.getValue();
    if (!accessed)
      return;
    if (!keepTMA || cast<RankedTensorType>(accessed.getType()).getRank() != 2)
      accesses.push_back(op);
    else if (auto store = dyn_cast<tile::DescriptorStoreOp>(op))
      tmaStores.push_back(store);
  });
  if (!tmaStores.empty()) {
    AxisInfoAnalysis axisInfo(module);
    for (tile::DescriptorStoreOp store : tmaStores)
      if (Operation *fallback = guardTMAStore(store, axisInfo))
        accesses.push_back(fallback);
  }
  for (Operation *op : accesses) {
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (auto load = dyn_cast<tile::DescriptorLoadOp>(op)) {
      auto result = cast<RankedTensorType>(load.getType());
      Value ptr = descriptorBlockPointer(b, loc, load.getDescOp(), load.getOffsets(), result);
      load.replaceAllUsesWith(tile::BlockLoadOp::create(b, loc, result, ptr,
                                                        allDims(result.getRank()),
                                                        tile::Padding::Zero)
                                  .getResult());
    } else {
      auto store = cast<tile::DescriptorStoreOp>(op);
      auto value = cast<RankedTensorType>(store.getValue().getType());
      Value ptr = descriptorBlockPointer(b, loc, store.getDescOp(), store.getOffsets(), value);
      tile::BlockStoreOp::create(b, loc, ptr, store.getValue(), allDims(value.getRank()));
    }
    op->erase();
  }
  module.walk([&](tile::MakeTensorDescOp op) {
    if (op->use_empty())
      op.erase();
  });
}

struct TileRewriteBlockPointers
    : lacc::impl::TileRewriteBlockPointersBase<TileRewriteBlockPointers> {
  using TileRewriteBlockPointersBase::TileRewriteBlockPointersBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    descriptorAccessesToBlockAccesses(module, keepTMALoads);
    bool any = false;
    module.walk([&](Operation *op) {
      any |= isa<tile::MakeBlockPtrOp>(op);
      return any ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (!any)
      return;
    MLIRContext *ctx = &getContext();
    BlockPointerTypeConverter converter;
    RewritePatternSet patterns(ctx);
    patterns.add<MakeBlockPtrRewrite, AdvanceRewrite, BlockLoadRewrite, BlockStoreRewrite>(
        converter, ctx);
    ConversionTarget target(*ctx);
    target.addLegalDialect<tile::TileDialect, arith::ArithDialect>();
    target.addIllegalOp<tile::MakeBlockPtrOp, tile::AdvanceOp, tile::BlockLoadOp,
                        tile::BlockStoreOp>();
    target.markUnknownOpDynamicallyLegal([&](Operation *op) {
      return converter.isLegal(op->getOperandTypes()) && converter.isLegal(op->getResultTypes());
    });
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns, target);
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
