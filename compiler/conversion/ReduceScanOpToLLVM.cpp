//===- ReduceScanOpToLLVM.cpp - reductions and scans ----------------------===//
//
// Both work in the source's own layout, in three steps along the axis, each
// only where the layout spreads the axis that far (analysis/ReduceScan.h
// reads which register, lane and warp bits walk it): within a thread
// (sequentially over its registers), across the lanes of a warp (shfl.sync:
// a butterfly for a reduction, Hillis-Steele shfl.up for a scan), and across
// warps (per-warp partials meet in the op's shared-memory scratch, with the
// op's own barrier between writing and reading them). Lanes and warps that
// only hold replicas take part with the same values and do no harm.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "compiler/analysis/ReduceScan.h"

#include "llvm/ADT/DenseMap.h"

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

/// Flat indices with and without the reduced axis's bits.
struct AxisBits {
  unsigned shift, bits;
  uint64_t mask;
  AxisBits(const LinearLayout &layout, unsigned axis)
      : shift(layout.getDimShift(axis)), bits(layout.getDimBits(axis)),
        mask((uint64_t(layout.getShape()[axis]) - 1) << shift) {}
  uint64_t remove(uint64_t flat) const {
    return (flat & ((uint64_t(1) << shift) - 1)) | ((flat >> (shift + bits)) << shift);
  }
  uint64_t insert(uint64_t flat) const {
    return (flat & ((uint64_t(1) << shift) - 1)) | ((flat >> shift) << (shift + bits));
  }
  Value remove(Emitter &e, Value flat) const {
    Value low = e.and_(flat, e.i32((uint64_t(1) << shift) - 1));
    return e.or_(low, e.shl(e.lshr(flat, shift + bits), shift));
  }
};

/// The element a thread's registers with `key` hold, as a flat index of the tile without
/// the axis: the scratch position of their partial.
Value positionWithoutAxis(Emitter &e, const AxisBits &axis, Value threadPart, uint64_t key) {
  Value thread = axis.remove(e, e.and_(threadPart, e.i32(~axis.mask & 0xffffffffu)));
  uint64_t c = axis.remove(key);
  return c ? e.xor_(thread, e.i32(c)) : thread;
}

/// The index formed by the warp-id bits `bits` (bit i of it is warp bit bits[i]).
Value compressBits(Emitter &e, Value x, ArrayRef<unsigned> bits) {
  Value index = e.i32(0);
  for (auto [i, bit] : llvm::enumerate(bits))
    index = e.or_(index, e.shl(e.and_(e.lshr(x, bit), e.i32(1)), i));
  return index;
}

struct ReduceToLLVM : OpConversionPattern<tile::ReduceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ReduceOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    LinearLayout src = toLinearLayout(srcType);
    unsigned axis = op.getAxis();
    std::optional<ReducePlan> plan = planReduce(src, axis);
    if (!plan)
      return op.emitError("internal compiler error: the source layout mixes the reduced axis "
                          "with other dimensions in one basis");
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    tile::CombineKind kind = op.getKind();
    ValueRange values = adaptor.getSrc();
    AxisBits bits(src, axis);

    // 1. Within the thread: registers whose elements differ only along the axis.
    uint64_t redundant = src.getRedundantMasks()[LinearLayout::Register];
    std::map<uint64_t, Value> acc;
    for (int64_t r = 0; r < int64_t(values.size()); ++r) {
      if (r & redundant)
        continue; // a replica of another register
      uint64_t key = src.applyOne(LinearLayout::Register, r) & ~bits.mask;
      auto [it, inserted] = acc.try_emplace(key, values[r]);
      if (!inserted)
        it->second = combine(rewriter, loc, kind, it->second, values[r]);
    }
    // 2. Across lanes: a butterfly over the lane bits that walk the axis.
    for (auto &[key, value] : acc)
      for (unsigned bit : plan->laneBits)
        value = combine(rewriter, loc, kind, value, e.shuffleXor(value, 1u << bit));
    // 3. Across warps, through the scratch: [warp position along the axis][result element].
    if (!plan->warpBits.empty()) {
      Value base = e.sharedBase(op);
      Type element = values[0].getType();
      int64_t resultElements = plan->result.getNumElements();
      Value thread = emitThreadPart(e, src);
      Value warpIndex = compressBits(e, e.warpId(), plan->warpBits);
      std::map<uint64_t, Value> position;
      for (auto &[key, value] : acc)
        position[key] = positionWithoutAxis(e, bits, thread, key);
      // After the butterfly every lane along the axis holds the same partial: one of them
      // (and no replica) writes it, so that no two threads write the same slot.
      Value writer = emitThreadOwnership(e, src);
      if (!plan->laneBits.empty()) {
        uint64_t axisLanes = 0;
        for (unsigned bit : plan->laneBits)
          axisLanes |= uint64_t(1) << bit;
        Value first = e.icmp(LLVM::ICmpPredicate::eq, e.and_(e.laneId(), e.i32(axisLanes)),
                             e.i32(0));
        writer = writer ? e.and_(writer, first) : first;
      }
      emitIf(rewriter, loc, writer, [&] {
        for (auto &[key, value] : acc) {
          Value slot = e.add(e.mul(warpIndex, e.i32(resultElements)), position[key]);
          e.storeShared(e.sharedElementPtr(base, element, slot), value);
        }
      });
      e.barrier();
      for (auto &[key, value] : acc) {
        value = Value();
        for (int64_t w = 0; w < (int64_t(1) << plan->warpBits.size()); ++w) {
          Value slot = e.add(e.i32(w * resultElements), position[key]);
          Value partial = e.loadShared(e.sharedElementPtr(base, element, slot), element, 1)[0];
          value = value ? combine(rewriter, loc, kind, value, partial) : partial;
        }
      }
    }

    if (srcType.getRank() == 1) {
      rewriter.replaceOp(op, acc.begin()->second);
      return success();
    }
    LinearLayout result = toLinearLayout(cast<RankedTensorType>(op.getType()));
    if (result.getBases(LinearLayout::Lane) != plan->result.getBases(LinearLayout::Lane) ||
        result.getBases(LinearLayout::Warp) != plan->result.getBases(LinearLayout::Warp))
      return op.emitError("internal compiler error: a reduction's result must be laid out as "
                          "its source sliced along the axis");
    SmallVector<Value> results;
    for (int64_t r = 0; r < result.getInSize(LinearLayout::Register); ++r) {
      auto it = acc.find(bits.insert(result.applyOne(LinearLayout::Register, r)));
      if (it == acc.end())
        return op.emitError("internal compiler error: a reduction's result register has no "
                            "partial in its thread");
      results.push_back(it->second);
    }
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }
};

struct ScanToLLVM : OpConversionPattern<tile::ScanOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ScanOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    LinearLayout layout = toLinearLayout(type);
    unsigned axis = op.getAxis();
    std::optional<ScanPlan> plan = planScan(layout, axis);
    if (!plan)
      return op.emitError("internal compiler error: a scan needs a layout that walks its axis "
                          "with registers, then lanes, then warps");
    // A reverse scan is the same scan in the mirrored order along the axis: registers from
    // the last, lanes and warps from the highest coordinate, values coming from the lane
    // above (shfl.down) instead of below.
    bool reverse = op.getReverse();
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    tile::CombineKind kind = op.getKind();
    SmallVector<Value> values(adaptor.getSrc());
    Type element = values[0].getType();
    auto comb = [&](Value x, Value y) { return combine(rewriter, loc, kind, x, y); };
    AxisBits bits(layout, axis);

    // Registers of each key in order along the axis (replicas are copied at the end); a
    // repetition of the layout's pattern (a "chunk") is 2^chunkBits of them.
    uint64_t redundant = layout.getRedundantMasks()[LinearLayout::Register];
    std::map<uint64_t, SmallVector<std::pair<int64_t, unsigned>>> byKey;
    llvm::DenseMap<uint64_t, unsigned> canonical;
    for (int64_t r = 0; r < int64_t(values.size()); ++r) {
      if (r & redundant)
        continue;
      uint64_t element = layout.applyOne(LinearLayout::Register, r);
      canonical[element] = r;
      byKey[element & ~bits.mask].push_back({layout.getDimField(element, axis), unsigned(r)});
    }
    unsigned chunk = 1u << plan->chunkBits;
    unsigned lanes = plan->laneCount, warps = plan->warpCount;

    Value lane = e.laneId();
    Value laneCoord = e.and_(e.lshr(lane, plan->laneShift), e.i32(lanes - 1));
    Value warpCoord = e.and_(e.lshr(e.warpId(), plan->warpShift), e.i32(warps - 1));
    // Positions in scan order.
    Value scanLane = reverse ? e.sub(e.i32(lanes - 1), laneCoord) : laneCoord;
    Value scanWarp = reverse ? e.sub(e.i32(warps - 1), warpCoord) : warpCoord;
    auto fromPrevious = [&](Value v, unsigned delta) {
      return reverse ? e.shuffleDown(v, delta) : e.shuffleUp(v, delta);
    };
    // The lane holding the end (in scan order) of this warp's part of the axis.
    Value groupBase = e.and_(lane, e.i32(~((lanes - 1) << plan->laneShift)));
    Value lastLane =
        reverse ? groupBase : e.or_(groupBase, e.i32((lanes - 1) << plan->laneShift));
    Value base = warps > 1 ? e.sharedBase(op) : Value();
    Value thread = warps > 1 ? emitThreadPart(e, layout) : Value();
    int64_t rest = layout.getNumElements() / type.getDimSize(axis);

    for (auto &[key, regs] : byKey) {
      llvm::sort(regs);
      if (reverse)
        std::reverse(regs.begin(), regs.end());
      Value position = warps > 1 ? positionWithoutAxis(e, bits, thread, key) : Value();
      Value carry;
      for (unsigned start = 0; start < regs.size(); start += chunk) {
        // Within the thread.
        for (unsigned s = start + 1; s < start + chunk && s < regs.size(); ++s)
          values[regs[s].second] = comb(values[regs[s - 1].second], values[regs[s].second]);
        unsigned last = std::min<unsigned>(start + chunk, regs.size()) - 1;
        Value total = values[regs[last].second];
        // Across lanes: inclusive scan of the thread totals.
        Value inclusive = total;
        for (unsigned bit = 0; (1u << bit) < lanes; ++bit) {
          Value previous = fromPrevious(inclusive, 1u << (plan->laneShift + bit));
          Value has = e.icmp(LLVM::ICmpPredicate::uge, scanLane, e.i32(1u << bit));
          inclusive = e.select(has, comb(previous, inclusive), inclusive);
        }
        auto applyPrefix = [&](Value has, Value p) {
          for (unsigned s = start; s <= last; ++s)
            values[regs[s].second] =
                e.select(has, comb(p, values[regs[s].second]), values[regs[s].second]);
        };
        if (lanes > 1) {
          Value prefix = fromPrevious(inclusive, 1u << plan->laneShift);
          applyPrefix(e.icmp(LLVM::ICmpPredicate::ugt, scanLane, e.i32(0)), prefix);
        }
        Value chunkTotal = lanes > 1 ? e.shuffleIdx(inclusive, lastLane) : inclusive;
        // Across warps: each chunk's totals meet in the scratch, between barriers (the
        // first orders this chunk's writes after the previous chunk's reads).
        if (warps > 1) {
          if (start > 0)
            e.barrier();
          // Every lane along the axis holds the chunk's total: the first (and no replica)
          // writes it.
          Value writer = e.icmp(LLVM::ICmpPredicate::eq, laneCoord, e.i32(0));
          if (Value owner = emitThreadOwnership(e, layout))
            writer = e.and_(writer, owner);
          emitIf(rewriter, loc, writer, [&] {
            e.storeShared(
                e.sharedElementPtr(base, element, e.add(e.mul(warpCoord, e.i32(rest)), position)),
                chunkTotal);
          });
          e.barrier();
          Value warpPrefix, all;
          for (unsigned k = 0; k < warps; ++k) { // warps in scan order
            unsigned w = reverse ? warps - 1 - k : k;
            Value t = e.loadShared(
                e.sharedElementPtr(base, element, e.add(e.i32(w * rest), position)), element,
                1)[0];
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
    // Replica registers take their canonical register's result.
    for (int64_t r = 0; r < int64_t(values.size()); ++r)
      if (r & redundant)
        values[r] = values[canonical.lookup(layout.applyOne(LinearLayout::Register, r))];
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

} // namespace

void lacc::conversion::populateReduceScanOpToLLVMPatterns(TileTypeConverter &converter,
                                                         RewritePatternSet &patterns,
                                                         const LoweringContext &) {
  patterns.add<ReduceToLLVM, ScanToLLVM>(converter, patterns.getContext());
}
