//===- ReduceScanOpToLLVM.cpp - reductions and scans ----------------------===//
//
// Both work in three steps along the axis, each only where the layout
// spreads the axis that far: within a thread (sequentially over its
// registers), across the lanes of a warp (shfl.sync: butterfly for a
// reduction, Hillis-Steele shfl.up for a scan), and across warps (per-warp
// partials meet in the op's shared-memory scratch, between barriers). Lanes
// and warps that only hold replicas take part with the same values and do no
// harm.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"
#include "compiler/transforms/Passes.h"

#include <map>

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

Value combine(OpBuilder &b, Location loc, tile::CombineKind kind, Value x, Value y) {
  Type type = x.getType();
  if (isa<FloatType>(type)) {
    switch (kind) {
    case tile::CombineKind::Sum: return LLVM::FAddOp::create(b, loc, x, y);
    case tile::CombineKind::Prod: return LLVM::FMulOp::create(b, loc, x, y);
    case tile::CombineKind::Max: return LLVM::MaximumOp::create(b, loc, x, y);
    case tile::CombineKind::Min: return LLVM::MinimumOp::create(b, loc, x, y);
    }
  }
  if (type.isInteger(1)) {
    if (kind == tile::CombineKind::Max)
      return LLVM::OrOp::create(b, loc, x, y);
    return LLVM::AndOp::create(b, loc, x, y); // min and prod of booleans
  }
  switch (kind) {
  case tile::CombineKind::Sum: return LLVM::AddOp::create(b, loc, x, y);
  case tile::CombineKind::Prod: return LLVM::MulOp::create(b, loc, x, y);
  case tile::CombineKind::Max: return LLVM::SMaxOp::create(b, loc, x, y);
  case tile::CombineKind::Min: return LLVM::SMinOp::create(b, loc, x, y);
  }
  llvm_unreachable("unknown combine kind");
}

/// Where the axis sits in the lane and warp ids of a blocked layout.
struct AxisSpread {
  unsigned laneShift = 0, warpShift = 0; // bit position of the axis coordinate
  unsigned lanes, warps;                 // distinct coordinates along the axis
};

AxisSpread getAxisSpread(BlockedEncodingAttr layout, ArrayRef<int64_t> shape, unsigned axis) {
  AxisSpread spread;
  for (unsigned d : layout.getOrder()) {
    if (d == axis)
      break;
    spread.laneShift += llvm::Log2_32(layout.getThreadsPerWarp()[d]);
    spread.warpShift += llvm::Log2_32(layout.getWarpsPerCTA()[d]);
  }
  spread.lanes = getDistinctLanes(layout, shape)[axis];
  spread.warps = getDistinctWarps(layout, shape)[axis];
  return spread;
}

using Key = std::vector<int64_t>;

Key withoutAxis(ArrayRef<int64_t> offset, unsigned axis) {
  Key key(offset.begin(), offset.end());
  key.erase(key.begin() + axis);
  return key;
}

/// Linear position of a register's element in the tile with `axis` removed.
Value positionWithoutAxis(Emitter &e, ArrayRef<Value> index, ArrayRef<int64_t> shape,
                          unsigned axis) {
  SmallVector<Value> rest(index);
  SmallVector<int64_t> restShape(shape);
  rest.erase(rest.begin() + axis);
  restShape.erase(restShape.begin() + axis);
  return rest.empty() ? e.i32(0) : linearize(e, rest, restShape);
}

struct ReduceToLLVM : OpConversionPattern<tile::ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ReduceOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    auto layout = dyn_cast<BlockedEncodingAttr>(srcType.getEncoding());
    if (!layout)
      return rewriter.notifyMatchFailure(op, "reductions need a blocked source layout");
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    unsigned axis = op.getAxis();
    tile::CombineKind kind = op.getKind();
    ArrayRef<int64_t> shape = srcType.getShape();
    ValueRange src = adaptor.getSrc();

    // 1. Within the thread.
    std::map<Key, Value> acc;
    std::map<Key, unsigned> representative; // a register with that key, for its index
    auto offsets = layout.getElemOffsets(shape);
    for (auto [i, offset] : llvm::enumerate(offsets)) {
      Key key = withoutAxis(offset, axis);
      auto [it, inserted] = acc.try_emplace(key, src[i]);
      if (inserted)
        representative[key] = i;
      else
        it->second = combine(rewriter, loc, kind, it->second, src[i]);
    }
    // 2. Across lanes: a butterfly over the lane bits of the axis.
    AxisSpread spread = getAxisSpread(layout, shape, axis);
    for (auto &[key, value] : acc)
      for (unsigned bit = 0; (1u << bit) < spread.lanes; ++bit)
        value = combine(rewriter, loc, kind, value,
                        e.shuffleXor(value, 1u << (spread.laneShift + bit)));
    // 3. Across warps, through shared memory.
    if (spread.warps > 1) {
      Value base = e.sharedBase(op);
      int64_t rest = srcType.getNumElements() / shape[axis];
      auto indices = emitIndices(e, srcType);
      Value warpCoord = e.and_(e.lshr(e.warpId(), spread.warpShift), e.i32(spread.warps - 1));
      Type element = src[0].getType();
      std::map<Key, Value> position;
      for (auto &[key, value] : acc)
        position[key] = positionWithoutAxis(e, indices[representative[key]], shape, axis);
      e.barrier();
      for (auto &[key, value] : acc)
        e.storeShared(e.sharedElementPtr(base, element,
                                         e.add(e.mul(warpCoord, e.i32(rest)), position[key])),
                      value);
      e.barrier();
      for (auto &[key, value] : acc) {
        value = Value();
        for (unsigned w = 0; w < spread.warps; ++w) {
          Value partial = e.loadShared(
              e.sharedElementPtr(base, element, e.add(e.i32(w * rest), position[key])), element);
          value = value ? combine(rewriter, loc, kind, value, partial) : partial;
        }
      }
    }

    if (srcType.getRank() == 1) {
      rewriter.replaceOp(op, acc.begin()->second);
      return success();
    }
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<Value> results;
    for (const auto &offset :
         getDistributedLayout(resultType).getElemOffsets(resultType.getShape()))
      results.push_back(acc.at(Key(offset.begin(), offset.end())));
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }
};

struct ScanToLLVM : OpConversionPattern<tile::ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ScanOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    auto layout = dyn_cast<BlockedEncodingAttr>(type.getEncoding());
    if (!layout)
      return rewriter.notifyMatchFailure(op, "scans need a blocked layout");
    // A reverse scan is the same scan in the mirrored order along the axis:
    // registers from the last, lanes and warps from the highest coordinate,
    // values coming from the lane above (shfl.down) instead of below.
    bool reverse = op.getReverse();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    unsigned axis = op.getAxis();
    tile::CombineKind kind = op.getKind();
    ArrayRef<int64_t> shape = type.getShape();
    SmallVector<Value> values(adaptor.getSrc());
    Type element = values[0].getType();
    AxisSpread spread = getAxisSpread(layout, shape, axis);
    auto comb = [&](Value x, Value y) { return combine(rewriter, loc, kind, x, y); };

    // Registers of each key in order along the axis; a repetition of the layout's pattern
    // (a "chunk") is sizePerThread of them.
    std::map<Key, SmallVector<std::pair<int64_t, unsigned>>> byKey;
    for (auto [i, offset] : llvm::enumerate(layout.getElemOffsets(shape)))
      byKey[withoutAxis(offset, axis)].push_back({offset[axis], unsigned(i)});
    unsigned chunk = layout.getSizePerThread()[axis];

    Value lane = e.laneId();
    Value laneCoord = e.and_(e.lshr(lane, spread.laneShift), e.i32(spread.lanes - 1));
    Value warpCoord = e.and_(e.lshr(e.warpId(), spread.warpShift), e.i32(spread.warps - 1));
    // Positions in scan order.
    Value scanLane = reverse ? e.sub(e.i32(spread.lanes - 1), laneCoord) : laneCoord;
    Value scanWarp = reverse ? e.sub(e.i32(spread.warps - 1), warpCoord) : warpCoord;
    auto fromPrevious = [&](Value v, unsigned delta) {
      return reverse ? e.shuffleDown(v, delta) : e.shuffleUp(v, delta);
    };
    // The lane holding the end (in scan order) of this warp's part of the axis.
    Value groupBase = e.and_(lane, e.i32(~((spread.lanes - 1) << spread.laneShift)));
    Value lastLane =
        reverse ? groupBase : e.or_(groupBase, e.i32((spread.lanes - 1) << spread.laneShift));
    auto indices = emitIndices(e, type);
    Value base = spread.warps > 1 ? e.sharedBase(op) : Value();
    int64_t rest = type.getNumElements() / shape[axis];

    for (auto &[key, regs] : byKey) {
      llvm::sort(regs);
      if (reverse)
        std::reverse(regs.begin(), regs.end());
      Value position;
      if (spread.warps > 1)
        position = positionWithoutAxis(e, indices[regs[0].second], shape, axis);
      Value carry;
      for (unsigned start = 0; start < regs.size(); start += chunk) {
        // Within the thread.
        for (unsigned s = start + 1; s < start + chunk && s < regs.size(); ++s)
          values[regs[s].second] = comb(values[regs[s - 1].second], values[regs[s].second]);
        unsigned last = std::min<unsigned>(start + chunk, regs.size()) - 1;
        Value total = values[regs[last].second];
        // Across lanes: inclusive scan of the thread totals.
        Value inclusive = total;
        for (unsigned bit = 0; (1u << bit) < spread.lanes; ++bit) {
          Value previous = fromPrevious(inclusive, 1u << (spread.laneShift + bit));
          Value has = e.icmp(LLVM::ICmpPredicate::uge, scanLane, e.i32(1u << bit));
          inclusive = e.select(has, comb(previous, inclusive), inclusive);
        }
        Value prefix = fromPrevious(inclusive, 1u << spread.laneShift);
        Value hasPrefix = e.icmp(LLVM::ICmpPredicate::ugt, scanLane, e.i32(0));
        auto applyPrefix = [&](Value has, Value p) {
          for (unsigned s = start; s <= last; ++s)
            values[regs[s].second] = e.select(has, comb(p, values[regs[s].second]),
                                              values[regs[s].second]);
        };
        applyPrefix(hasPrefix, prefix);
        Value chunkTotal = e.shuffleIdx(inclusive, lastLane);
        // Across warps.
        if (spread.warps > 1) {
          e.barrier();
          e.storeShared(e.sharedElementPtr(base, element,
                                           e.add(e.mul(warpCoord, e.i32(rest)), position)),
                        chunkTotal);
          e.barrier();
          Value warpPrefix, all;
          for (unsigned k = 0; k < spread.warps; ++k) { // warps in scan order
            unsigned w = reverse ? spread.warps - 1 - k : k;
            Value t = e.loadShared(
                e.sharedElementPtr(base, element, e.add(e.i32(w * rest), position)), element);
            if (k > 0) {
              Value before = e.icmp(LLVM::ICmpPredicate::ult, e.i32(k), scanWarp);
              warpPrefix = e.select(before, comb(warpPrefix, t), warpPrefix);
            } else {
              warpPrefix = t;
            }
            all = all ? comb(all, t) : t;
          }
          applyPrefix(e.icmp(LLVM::ICmpPredicate::ugt, scanWarp, e.i32(0)), warpPrefix);
          chunkTotal = all;
        }
        // Across repetitions of the layout along the axis.
        if (carry) {
          for (unsigned s = start; s <= last; ++s)
            values[regs[s].second] = comb(carry, values[regs[s].second]);
          carry = comb(carry, chunkTotal);
        } else {
          carry = chunkTotal;
        }
      }
    }
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

} // namespace

void lacc::conversion::populateReduceScanOpToLLVMPatterns(TileTypeConverter &converter,
                                                         RewritePatternSet &patterns) {
  patterns.add<ReduceToLLVM, ScanToLLVM>(converter, patterns.getContext());
}
