//===- WarpSpecialize.cpp - a TMA producer warpgroup and wgmma consumers --===//
//
// A kernel's main loop whose operands all come by TMA (tensor descriptor
// loads staged for wgmma dots) is split between warps, as CUTLASS's and
// FlashAttention-3's Hopper kernels are: the num_warps warps of the layouts
// become consumers, and one more warpgroup, the producer, only issues the
// copies, running ahead as far as the ring allows:
//
//   rings of S slots; full[S] (count 1) and empty[S] (count num_warps) mbarriers
//   init every barrier                             thread 0
//   tilegpu.warp_specialize {                      producer warpgroup, then it exits
//     for i: wait empty[i % S] (parity ^ 1)        the slot is free (round 0: at once)
//            arm full[i % S]; TMA copies into slot i % S
//   }
//   ... the kernel, on the consumer warps:
//   for i: wait full[i % S]; dots on slot i % S (left in flight)
//          after the wait for iteration i-1's MMAs: arrive empty[(i-1) % S]
//   invalidate the barriers
//
// The producer's registers go down (setmaxnreg) and the consumers' up. The
// loop qualifies when it is at the top of a kernel of two consumer warpgroups
// (8 warps: the register split pays there) on sm_90a, every load in it is a
// descriptor load staged in a layout the TMA writes, and its copies' offsets
// depend only on the induction variable and on scalars computed before the
// loop from the kernel's arguments by pure ops (cloned into the producer).
// KernelConfig::warpSpecialize (on by default) turns it off: every loop is then
// left to the software pipeliner.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"
#include "compiler/transforms/Pipelining.h"
#include "compiler/transforms/TensorMaps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUWARPSPECIALIZE
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

constexpr int kConsumerWarps = 8;
constexpr unsigned kProducerRegisters = 40, kConsumerRegisters = 232;

struct Stream {
  tile::DescriptorLoadOp load;
  LocalAllocOp staging;
  Value ring, map;
};

/// The scalars computed before `loop` (from the kernel's arguments, by side-effect-free ops
/// in the kernel's entry block) that `roots` need, in program order; false when some root
/// is not such a scalar.
bool scalarSliceBefore(func::FuncOp kernel, ArrayRef<Value> roots,
                       SmallVectorImpl<Operation *> &slice) {
  llvm::SetVector<Operation *> ops;
  SmallVector<Value> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (isa<RankedTensorType>(v.getType()))
      return false;
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != &kernel.getBody().front())
        return false;
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != &kernel.getBody().front() || !isMemoryEffectFree(def) ||
        def->getNumRegions())
      return false;
    if (ops.insert(def))
      llvm::append_range(work, def->getOperands());
  }
  slice.assign(ops.begin(), ops.end());
  llvm::sort(slice, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return true;
}

struct WarpSpecializePass : lacc::impl::TileGPUWarpSpecializeBase<WarpSpecializePass> {
  using TileGPUWarpSpecializeBase::TileGPUWarpSpecializeBase;

  void runOnOperation() override {
    if (!enabled)
      return;
    for (auto kernel : getOperation().getOps<func::FuncOp>()) {
      TargetAttr target = getTarget(kernel);
      if (!kernel->hasAttr(tile::kKernelAttrName) || !target || !target.hasHopperFeatures() ||
          getNumWarps(kernel) != kConsumerWarps)
        continue;
      for (auto loop : kernel.getBody().front().getOps<scf::ForOp>())
        if (specialize(kernel, loop))
          break; // one producer per kernel
    }
  }

  bool specialize(func::FuncOp kernel, scf::ForOp loop) {
    int stages = numStages;
    if (auto attr = loop->getAttrOfType<IntegerAttr>("tile.num_stages"))
      stages = attr.getInt();
    if (stages < 2)
      return false;
    // Every load of the loop is a descriptor load staged in a layout the TMA writes.
    SmallVector<Stream> streams;
    for (Operation &op : *loop.getBody()) {
      if (isa<tile::LoadOp>(op))
        return false;
      auto load = dyn_cast<tile::DescriptorLoadOp>(op);
      if (!load)
        continue;
      auto staging = load->hasOneUse() ? dyn_cast<LocalAllocOp>(*load->getUsers().begin())
                                       : LocalAllocOp();
      if (!staging || staging->getBlock() != loop.getBody() || !planTMACopy(staging.getType()) ||
          !llvm::all_of(staging->getUsers(), [](Operation *u) { return isa<WarpGroupDotOp>(u); }))
        return false;
      streams.push_back({load, staging, Value(), Value()});
    }
    if (streams.empty())
      return false;
    // The offsets: from the induction variable and scalars made before the loop.
    SmallVector<Value> offsets;
    for (Stream &s : streams)
      llvm::append_range(offsets, s.load.getOffsets());
    llvm::SetVector<unsigned> carried;
    SmallVector<Operation *> inLoop = addressSlice(loop, offsets, carried);
    if (!carried.empty() || llvm::any_of(inLoop, [](Operation *op) {
          return !isMemoryEffectFree(op) || op->getNumRegions() ||
                 llvm::any_of(op->getResultTypes(), llvm::IsaPred<RankedTensorType>);
        }))
      return false;
    SmallVector<Value> outside = {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()};
    for (Operation *op : inLoop)
      for (Value v : op->getOperands())
        if (!loop->isAncestor(v.getParentRegion()->getParentOp()))
          outside.push_back(v);
    for (Value v : offsets)
      if (!loop->isAncestor(v.getParentRegion()->getParentOp()))
        outside.push_back(v);
    SmallVector<Operation *> before;
    if (!scalarSliceBefore(kernel, outside, before))
      return false;
    SmallVector<Operation *> staged;
    for (Stream &s : streams)
      staged.push_back(s.staging);
    SmallVector<WarpGroupDotOp> dots(loop.getBody()->getOps<WarpGroupDotOp>());
    bool inFlight = stages >= 3 && llvm::all_of(dots, [&](WarpGroupDotOp dot) {
      return isAsyncCandidate(loop, dot, staged);
    });
    for (Stream &s : streams)
      if (!(s.map = getOrAddTensorMap(s.load.getDescOp(), *planTMACopy(s.staging.getType()))))
        return false;
    build(kernel, loop, streams, before, inLoop, stages, inFlight ? dots : ArrayRef<WarpGroupDotOp>());
    return true;
  }

  void build(func::FuncOp kernel, scf::ForOp loop, MutableArrayRef<Stream> streams,
             ArrayRef<Operation *> before, ArrayRef<Operation *> inLoop, int stages,
             ArrayRef<WarpGroupDotOp> asyncDots) {
    MLIRContext *ctx = kernel.getContext();
    Location loc = loop.getLoc();
    IRRewriter rewriter(ctx);
    rewriter.setInsertionPointToStart(&kernel.getBody().front());
    auto i32 = [&](OpBuilder &b, int64_t v) -> Value {
      return arith::ConstantIntOp::create(b, loc, v, 32);
    };
    int64_t bytes = 0;
    for (Stream &s : streams) {
      s.ring = LocalAllocOp::create(rewriter, loc, ringType(s.staging.getType(), stages), Value());
      bytes += s.staging.getType().getSizeInBytes();
    }
    Value full = LocalAllocOp::create(rewriter, loc, barrierType(ctx, stages), Value());
    Value empty = LocalAllocOp::create(rewriter, loc, barrierType(ctx, stages), Value());
    DenseMap<Value, MemDescType> slotTypes = {{full, barrierType(ctx)}, {empty, barrierType(ctx)}};
    for (Stream &s : streams)
      slotTypes[s.ring] = s.staging.getType();
    auto slotOf = [&](OpBuilder &b, Value ring, Value index) -> Value {
      return MemDescSubviewOp::create(b, loc, slotTypes.lookup(ring), ring, index);
    };
    for (int s = 0; s < stages; ++s) {
      InitBarrierOp::create(rewriter, loc, slotOf(rewriter, full, i32(rewriter, s)), 1);
      InitBarrierOp::create(rewriter, loc, slotOf(rewriter, empty, i32(rewriter, s)),
                            kConsumerWarps);
    }
    // Slot and phase parity: the slot advances every iteration, the parity flips as it wraps.
    auto advance = [&](OpBuilder &b, Value slot, Value phase) -> std::pair<Value, Value> {
      Value next = arith::AddIOp::create(b, loc, slot, i32(b, 1));
      Value wrap = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, next, i32(b, stages));
      return {arith::SelectOp::create(b, loc, wrap, i32(b, 0), next),
              arith::SelectOp::create(b, loc, wrap,
                                      arith::XOrIOp::create(b, loc, phase, i32(b, 1)), phase)};
    };

    // The producer: the scalars it needs, then a loop issuing every iteration's copies.
    auto producer = WarpSpecializeOp::create(rewriter, loc, kProducerRegisters, kConsumerRegisters);
    Block *body = rewriter.createBlock(&producer.getProducer());
    rewriter.setInsertionPointToStart(body);
    IRMapping mapping;
    for (Operation *op : before)
      rewriter.clone(*op, mapping);
    auto lookup = [&](Value v) { return mapping.lookupOrDefault(v); };
    scf::ForOp::create(
        rewriter, loc, lookup(loop.getLowerBound()), lookup(loop.getUpperBound()),
        lookup(loop.getStep()), ValueRange{i32(rewriter, 0), i32(rewriter, 0)},
        [&](OpBuilder &b, Location, Value iv, ValueRange args) {
          Value slot = args[0], phase = args[1];
          mapping.map(loop.getInductionVar(), iv);
          for (Operation *op : inLoop)
            b.clone(*op, mapping);
          WaitBarrierOp::create(b, loc, slotOf(b, empty, slot),
                                arith::XOrIOp::create(b, loc, phase, i32(b, 1)));
          Value yes = arith::ConstantIntOp::create(b, loc, 1, 1);
          Value bar = slotOf(b, full, slot);
          auto expect = BarrierExpectOp::create(b, loc, bar, bytes, yes);
          expect->setAttr(TileGPUDialect::kLeaderThreadAttrName,
                          b.getI32IntegerAttr(32 * kConsumerWarps));
          for (Stream &s : streams) {
            SmallVector<Value> coords;
            for (Value v : s.load.getOffsets())
              coords.push_back(lookup(v));
            auto copy = AsyncTMACopyGlobalToLocalOp::create(b, loc, s.map, coords,
                                                            slotOf(b, s.ring, slot), bar, yes);
            copy->setAttr(TileGPUDialect::kLeaderThreadAttrName,
                          b.getI32IntegerAttr(32 * kConsumerWarps));
          }
          auto [nextSlot, nextPhase] = advance(b, slot, phase);
          scf::YieldOp::create(b, loc, ValueRange{nextSlot, nextPhase});
        });

    // The consumers: the loop reads slot i % S once its barrier says the copies landed.
    rewriter.setInsertionPoint(loop);
    auto newYields = [&](OpBuilder &b, Location, ArrayRef<BlockArgument> args) {
      auto [nextSlot, nextPhase] = advance(b, args[0], args[1]);
      return SmallVector<Value>{nextSlot, nextPhase};
    };
    FailureOr<LoopLikeOpInterface> replaced =
        cast<LoopLikeOpInterface>(loop.getOperation())
            .replaceWithAdditionalYields(rewriter, {i32(rewriter, 0), i32(rewriter, 0)},
                                         /*replaceInitOperandUsesInLoop=*/false, newYields);
    auto consumer = cast<scf::ForOp>(replaced->getOperation());
    unsigned n = consumer.getNumRegionIterArgs();
    Value slot = consumer.getRegionIterArgs()[n - 2], phase = consumer.getRegionIterArgs()[n - 1];
    rewriter.setInsertionPointToStart(consumer.getBody());
    WaitBarrierOp::create(rewriter, loc, slotOf(rewriter, full, slot), phase);
    for (Stream &s : streams) {
      rewriter.setInsertionPoint(s.staging);
      rewriter.replaceOp(s.staging, slotOf(rewriter, s.ring, slot));
      rewriter.eraseOp(s.load);
    }
    // The slot goes back to the producer once no MMA reads it: iteration i-1's, after the
    // wait that leaves only iteration i's in flight; else this iteration's, after its dots.
    if (!asyncDots.empty()) {
      SmallVector<WarpGroupDotWaitOp> waits = leaveInFlight(rewriter, consumer, asyncDots);
      rewriter.setInsertionPointAfter(waits.back());
      Value notFirst = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                             consumer.getInductionVar(),
                                             consumer.getLowerBound());
      Value wrapped = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, slot,
                                            i32(rewriter, 0));
      Value previous = arith::SelectOp::create(
          rewriter, loc, wrapped, i32(rewriter, stages - 1),
          arith::SubIOp::create(rewriter, loc, slot, i32(rewriter, 1)));
      ArriveBarrierOp::create(rewriter, loc, slotOf(rewriter, empty, previous), notFirst);
    } else {
      rewriter.setInsertionPoint(consumer.getBody()->getTerminator());
      ArriveBarrierOp::create(rewriter, loc, slotOf(rewriter, empty, slot),
                              arith::ConstantIntOp::create(rewriter, loc, 1, 1));
    }
    // After the waits for the last MMAs: the barrier placed before the invalidations must
    // also order those MMAs' reads before whatever reuses the rings' bytes next.
    Operation *last = consumer;
    while (isa_and_nonnull<WarpGroupDotWaitOp>(last->getNextNode()))
      last = last->getNextNode();
    rewriter.setInsertionPointAfter(last);
    for (int s = 0; s < stages; ++s) {
      InvalBarrierOp::create(rewriter, loc, slotOf(rewriter, full, i32(rewriter, s)));
      InvalBarrierOp::create(rewriter, loc, slotOf(rewriter, empty, i32(rewriter, s)));
    }
    kernel->setAttr(TileGPUDialect::kWarpSpecializedAttrName, rewriter.getUnitAttr());
  }
};

} // namespace
