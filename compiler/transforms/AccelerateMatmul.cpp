//===- AccelerateMatmul.cpp - dots onto tensor cores ----------------------===//
//
// A tile.dot whose operands and shapes the tensor cores take gets the mma
// layout for its accumulator and mma operand layouts for A and B:
//   - bf16 / f16 operands with an f32 accumulator: mma.sync m16n8k16;
//   - f32 operands with input_precision = tf32: mma.sync m16n8k8 on tf32;
//   - M a multiple of 16, N of 8, K of the instruction's K.
// Anything else keeps the FMA lowering.
//
// Warps split the accumulator so that each warp's share is as square as the
// tile allows (fewer operand fragments to load), except in a chain of dots
// (a dot's result feeding the next dot's A operand, FlashAttention's P·V):
// there every warp owns whole rows, so the result is already in the A
// operand's registers and needs no shared memory.
//
// Operands that come from memory are staged in shared memory (local_alloc)
// in a swizzled layout that ldmatrix reads without bank conflicts, and read
// back in the operand layout (local_load); operands computed from another
// dot's result are converted in registers.
//
// On sm_90a a dot goes to Hopper's warpgroup MMA instead
// (tilegpu.warp_group_dot): its operands stay in shared memory, in the
// swizzled layouts wgmma's matrix descriptors describe, and the warps split M
// in whole warpgroups (64 rows each). In a chain the A computed by the dot
// before stays in registers: every warp owns whole rows there too, so the
// accumulator converts to the operand without moving data. It needs bf16/f16
// operands, a multiple of 4 warps and M a multiple of 16 x warps; a chain
// whose M is too short for the warps stays on mma.sync.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUACCELERATEMATMUL
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

RankedTensorType withLayout(Type type, Attribute layout) {
  auto tensor = cast<RankedTensorType>(type);
  return RankedTensorType::get(tensor.getShape(), tensor.getElementType(), layout);
}

/// The value before any layout conversions.
Value stripConversions(Value v) {
  while (auto convert = v.getDefiningOp<ConvertLayoutOp>())
    v = convert.getSrc();
  return v;
}

/// Whether `v` is computed from a dot's result by elementwise ops (its layout will be the
/// accumulator's).
bool comesFromDot(Value v, int depth = 0) {
  v = stripConversions(v);
  Operation *def = v.getDefiningOp();
  if (!def || depth > 16)
    return false;
  if (isa<tile::DotOp, WarpGroupDotOp>(def)) // the dot before may already be on wgmma
    return true;
  if (def->getNumResults() != 1 || !def->hasTrait<OpTrait::Elementwise>())
    return false;
  return llvm::any_of(def->getOperands(), [&](Value operand) {
    return isa<RankedTensorType>(operand.getType()) && comesFromDot(operand, depth + 1);
  });
}

/// Whether `v` reaches, through elementwise ops and layout conversions, an operand of a dot
/// for which `reaches(dot, operandNumber)` holds.
bool feedsDot(Value v, function_ref<bool(tile::DotOp, unsigned)> reaches, int depth = 0) {
  if (depth > 16)
    return false;
  for (OpOperand &use : v.getUses()) {
    Operation *user = use.getOwner();
    if (auto dot = dyn_cast<tile::DotOp>(user))
      if (reaches(dot, use.getOperandNumber()))
        return true;
    if (isa<ConvertLayoutOp>(user) ||
        (user->getNumResults() == 1 && user->hasTrait<OpTrait::Elementwise>()))
      if (feedsDot(user->getResult(0), reaches, depth + 1))
        return true;
  }
  return false;
}

/// Whether `v` is a dot's A operand, or the accumulator of a dot in a chain (its A comes from
/// a dot): in the chain's layout it is added without a conversion (o = Q S + P V).
bool feedsChain(Value v) {
  return feedsDot(v, [](tile::DotOp dot, unsigned operand) {
    return operand == 0 || (operand == 2 && comesFromDot(dot.getA()));
  });
}

/// Elements per 32-bit register of the operands (the mma operand's kWidth), or 0 when the
/// tensor cores do not take this dot.
unsigned getKWidth(tile::DotOp dot) {
  Type a = dot.getA().getType().getElementType(), b = dot.getB().getType().getElementType();
  Type acc = dot.getType().getElementType();
  if (a != b || !acc.isF32())
    return 0;
  if (a.isBF16() || a.isF16())
    return 2;
  if (a.isF32() && dot.getInputPrecision() == tile::InputPrecision::TF32)
    return 1;
  return 0;
}

/// Warps along M and N: whole rows per warp in a chain of dots, else halve the dimension
/// with more 16x8 tiles per warp until every warp has a share.
SmallVector<unsigned> chooseWarps(ArrayRef<int64_t> shape, unsigned numWarps, bool chained) {
  // More warps than 16-row tiles would hold replicas: the rest go along N, and the chained
  // operand then passes through shared memory.
  if (chained) {
    unsigned alongM = std::min<unsigned>(numWarps, std::max<int64_t>(shape[0] / 16, 1));
    return {alongM, numWarps / alongM};
  }
  SmallVector<unsigned> warps = {1, 1};
  while (warps[0] * warps[1] < numWarps) {
    int64_t rowTiles = shape[0] / 16 / warps[0], colTiles = shape[1] / 8 / warps[1];
    if (rowTiles >= colTiles && rowTiles > 1)
      warps[0] *= 2;
    else if (colTiles > 1)
      warps[1] *= 2;
    else
      warps[0] *= 2; // more warps than tiles: replicas
  }
  return warps;
}

/// The shared layout an mma operand is staged in: rows of the dimension that is contiguous
/// in its source's registers (so the stores stay vectorized), with the swizzle that lets
/// ldmatrix read 8 rows of 16 bytes from 8 different bank groups.
SharedEncodingAttr chooseSharedLayout(MLIRContext *ctx, Value source, RankedTensorType type) {
  // The dimension the source's layout runs along fastest: a blocked layout's order[0] (the
  // coalescing pass put it along memory's contiguous dimension), else where lane 1 sits.
  unsigned contiguous = 1;
  if (auto blocked = dyn_cast_or_null<BlockedEncodingAttr>(getDistributedLayout(source.getType()))) {
    contiguous = blocked.getOrder()[0];
  } else if (auto layout = getDistributedLayout(source.getType())) {
    LinearLayout ll = layout.toLinearLayout(type.getShape());
    uint64_t lane = ll.getBases(LinearLayout::Lane)[0];
    if (lane && ll.getDimField(lane, 0))
      contiguous = 0;
  }
  SmallVector<unsigned> order = {contiguous, 1 - contiguous};
  int64_t bytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  int64_t rowBytes = type.getDimSize(contiguous) * bytes;
  unsigned vec = std::max<int64_t>(1, 16 / bytes);
  unsigned perPhase = std::max<int64_t>(1, 128 / rowBytes);
  unsigned maxPhase = std::max<unsigned>(1, 8 / perPhase);
  maxPhase = std::min<int64_t>(maxPhase, std::max<int64_t>(1, type.getDimSize(contiguous) / vec));
  return SharedEncodingAttr::get(ctx, vec, perPhase, maxPhase, order, /*chunk=*/0);
}

/// The wgmma layout for a staged operand: rows of `order[0]` (the dimension contiguous in
/// the source's registers, as for mma.sync) cut into blocks of the widest swizzle that fits
/// (128, 64 or 32 bytes), each block swizzled as wgmma expects; null when the contiguous
/// extent is under 32 bytes or not a whole number of blocks.
SharedEncodingAttr chooseWgmmaLayout(MLIRContext *ctx, Value source, RankedTensorType type) {
  SharedEncodingAttr staged = chooseSharedLayout(ctx, source, type);
  unsigned contiguous = staged.getOrder()[0];
  int64_t bytes = type.getElementTypeBitWidth() / 8;
  int64_t extentBytes = type.getDimSize(contiguous) * bytes;
  int64_t swizzle = std::min<int64_t>(128, extentBytes);
  if (swizzle < 32 || !llvm::isPowerOf2_64(swizzle) || extentBytes % swizzle)
    return {};
  return SharedEncodingAttr::get(ctx, 16 / bytes, 128 / swizzle, swizzle / 16,
                                 staged.getOrder(), swizzle / bytes);
}

struct AccelerateMatmulPass
    : lacc::impl::TileGPUAccelerateMatmulBase<AccelerateMatmulPass> {
  /// A tile staged once serves every dot that reads it in the same layout (q and k feed two
  /// dots each in attention-like kernels): one copy in shared memory, no registers held.
  DenseMap<std::pair<Value, Type>, Value> stagedTiles;

  /// `source` in shared memory as `memType`: written right after `source` is computed (once
  /// per tile, before the loop that reads it when it is loop-invariant), or before the dot
  /// when the same tile was staged elsewhere in a region that does not dominate it.
  Value stage(Value source, MemDescType memType, OpBuilder &atDot, Location loc) {
    auto key = std::make_pair(source, Type(memType));
    if (Value done = stagedTiles.lookup(key))
      if (done.getParentRegion()->isAncestor(atDot.getInsertionBlock()->getParent()))
        return done;
    OpBuilder builder(source.getContext());
    // Transposes and layout conversions only move registers: moved up to the tile they
    // start from, it is staged as soon as it is computed, and its registers are not held
    // across the work between there and the dot.
    SmallVector<Operation *> moves;
    for (Operation *op = source.getDefiningOp(); op && isa<tile::TransOp, ConvertLayoutOp>(op);
         op = op->getOperand(0).getDefiningOp())
      moves.push_back(op);
    for (Operation *op : llvm::reverse(moves))
      if (Operation *input = op->getOperand(0).getDefiningOp())
        if (input->getBlock() == op->getBlock())
          op->moveAfter(input);
    if (Operation *def = source.getDefiningOp())
      builder.setInsertionPointAfter(def);
    else
      builder.setInsertionPointToStart(cast<BlockArgument>(source).getOwner());
    Value staged = LocalAllocOp::create(builder, loc, memType, source);
    stagedTiles[key] = staged;
    return staged;
  }

  void runOnOperation() override {
    SmallVector<tile::DotOp> dots;
    getOperation().walk([&](tile::DotOp dot) { dots.push_back(dot); });
    for (tile::DotOp dot : dots)
      accelerate(dot);
  }

  /// fp8 operands are widened to f16 (exactly) for the multiply: neither mma.sync nor the
  /// FMA path multiplies fp8.
  void widenFP8Operands(tile::DotOp dot) {
    OpBuilder builder(dot);
    for (OpOperand *operand : {&dot.getAMutable(), &dot.getBMutable()}) {
      auto type = cast<RankedTensorType>(operand->get().getType());
      if (!isa<Float8E4M3FNType, Float8E5M2Type>(type.getElementType()))
        continue;
      auto wide = RankedTensorType::get(type.getShape(), builder.getF16Type(), type.getEncoding());
      operand->set(arith::ExtFOp::create(builder, dot.getLoc(), wide, operand->get()));
    }
  }

  /// The dot on wgmma, if it qualifies (see the file comment); false leaves it untouched.
  /// An A computed from another dot stays in registers (wgmma's register-A form); every
  /// other operand is staged in shared memory.
  bool accelerateOnWarpGroups(tile::DotOp dot, unsigned kWidth, int numWarps) {
    TargetAttr target = getTarget(dot);
    RankedTensorType accType = dot.getType();
    int64_t m = accType.getDimSize(0), n = accType.getDimSize(1);
    int64_t k = dot.getA().getType().getDimSize(1);
    if (!target || !target.hasHopperFeatures() || kWidth != 2 || numWarps % 4 ||
        m % (16 * numWarps) || k % 16 || n % 8 || (n > 256 && n % 256))
      return false;
    MLIRContext *ctx = dot.getContext();
    Value sources[2] = {stripConversions(dot.getA()), stripConversions(dot.getB())};
    bool aInRegisters = comesFromDot(sources[0]);
    MemDescType memTypes[2];
    for (unsigned opIdx = aInRegisters ? 1 : 0; opIdx < 2; ++opIdx) {
      auto type = cast<RankedTensorType>(sources[opIdx].getType());
      SharedEncodingAttr layout = chooseWgmmaLayout(ctx, sources[opIdx], type);
      if (!layout)
        return false;
      memTypes[opIdx] = MemDescType::get(ctx, type.getShape(), type.getElementType(), layout);
    }
    OpBuilder builder(dot);
    Location loc = dot.getLoc();
    auto mma = MmaEncodingAttr::get(ctx, 3, {unsigned(numWarps), 1},
                                    {16, unsigned(std::min<int64_t>(n, 256))});
    Value a = aInRegisters
                  ? Value(ConvertLayoutOp::create(
                        builder, loc,
                        withLayout(sources[0].getType(),
                                   DotOperandEncodingAttr::get(ctx, 0, mma, kWidth)),
                        sources[0]))
                  : stage(sources[0], memTypes[0], builder, loc);
    Value b = stage(sources[1], memTypes[1], builder, loc);
    Value acc = ConvertLayoutOp::create(builder, loc, withLayout(accType, mma), dot.getAcc());
    auto newDot = WarpGroupDotOp::create(builder, loc, withLayout(accType, mma), a, b, acc);
    dot.replaceAllUsesWith(
        ConvertLayoutOp::create(builder, loc, accType, newDot.getResult()).getResult());
    dot.erase();
    return true;
  }

  void accelerate(tile::DotOp dot) {
    widenFP8Operands(dot);
    unsigned kWidth = getKWidth(dot);
    RankedTensorType accType = dot.getType();
    int64_t m = accType.getDimSize(0), n = accType.getDimSize(1);
    int64_t k = dot.getA().getType().getDimSize(1);
    if (!kWidth || m % 16 || n % 8 || k % (8 * kWidth))
      return;
    int numWarps = getNumWarps(dot);
    if (numWarps <= 0)
      return;
    MLIRContext *ctx = dot.getContext();
    if (accelerateOnWarpGroups(dot, kWidth, numWarps))
      return;
    bool chained = comesFromDot(dot.getA()) || feedsChain(dot.getResult());
    auto mma = MmaEncodingAttr::get(ctx, 2, chooseWarps(accType.getShape(), numWarps, chained),
                                    {16, 8});
    OpBuilder builder(dot);
    Location loc = dot.getLoc();
    // Both operands are staged before either is read: their buffers are then live together
    // (distinct bytes), and one barrier orders the writes before the reads.
    Value operands[2] = {dot.getA(), dot.getB()}, staged[2];
    for (unsigned opIdx = 0; opIdx < 2; ++opIdx) {
      Value source = stripConversions(operands[opIdx]);
      if (opIdx == 0 && comesFromDot(source))
        continue;
      auto sourceType = cast<RankedTensorType>(source.getType());
      auto memType = MemDescType::get(ctx, sourceType.getShape(), sourceType.getElementType(),
                                      chooseSharedLayout(ctx, source, sourceType));
      staged[opIdx] = stage(source, memType, builder, loc);
    }
    for (unsigned opIdx = 0; opIdx < 2; ++opIdx) {
      auto type = withLayout(operands[opIdx].getType(),
                             DotOperandEncodingAttr::get(ctx, opIdx, mma, kWidth));
      operands[opIdx] =
          staged[opIdx]
              ? Value(LocalLoadOp::create(builder, loc, type, staged[opIdx]))
              : Value(ConvertLayoutOp::create(builder, loc, type, stripConversions(operands[opIdx])));
    }
    Value a = operands[0], b = operands[1];
    Value acc = ConvertLayoutOp::create(builder, loc, withLayout(accType, mma), dot.getAcc());
    auto newDot = tile::DotOp::create(builder, loc, withLayout(accType, mma), a, b, acc,
                                      dot.getInputPrecisionAttr());
    dot.replaceAllUsesWith(
        ConvertLayoutOp::create(builder, loc, accType, newDot.getResult()).getResult());
    dot.erase();
  }
};

} // namespace
