//===- SoftwarePipeline.cpp - loads through cp.async or TMA rings -------===//
//
// In a loop whose body loads a tile from global memory to stage it in shared
// memory for a dot (tile.load -> tilegpu.local_alloc -> local_load or
// warp_group_dot; on sm_90a a pointer load also staged transposed,
// local_alloc(trans(load)), or read in registers: the slot is then viewed
// transposed, memdesc_trans, and read back, local_load),
// the load of iteration i is issued num_stages - 1 iterations ahead (see below
// for num_stages - 2), as an
// async copy (cp.async: global -> shared without registers) into a ring of
// num_stages buffers:
//
//   prologue     copies for iterations 0 .. S-2 into slots 0 .. S-2, a group each
//   iteration i  wait until iteration i's group has landed (S-2 groups may stay in
//                flight); read slot i % S; compute; copy iteration i+S-1 into slot
//                (i+S-1) % S, the one read in iteration i-1, and close its group
//                (TMA copies: right after the wait, before the compute)
//   after        wait for everything
//
// The addresses and masks of the copies ahead are the loop's own address
// computations, cloned with the induction variable moved on (S-1) steps and
// the loop-carried pointers they use carried (S-1) iterations ahead in extra
// iter_args; copies past the end of the loop are masked off. The barrier
// that orders a slot's arrival before it is read (placed by
// tilegpu-insert-barriers after the wait) also orders the previous
// iteration's reads of the slot the copy then overwrites.
//
// A tensor descriptor load (sm_90) staged for a dot in a layout the TMA
// writes (or read back from its slot, as pointer loads are, or only read in
// registers, from a slot in chooseTMALayout's layout; a descriptor of rank 3
// to 5 whose load drops the block's leading unit dimensions copies with one
// coordinate per tensor dimension) is a TMA stream instead: its copies are
// TMA copies, and each slot has an mbarrier (a ring of them, initialized
// before the loop and invalidated after it) that one thread arms with the
// bytes of every TMA copy into the slot; iteration i waits for phase
// (i / S) % 2 of its slot's barrier, after which the data is visible to each
// waiting thread without a CTA barrier. The CTA barrier
// tilegpu-insert-barriers places before the copies then orders the previous
// reads of the slot they overwrite.
//
// A wgmma accumulation chain in such a loop (tilegpu.warp_group_dot whose
// accumulator is carried by the loop, reading only ring slots and buffers the
// loop does not write) is left in flight across iterations: the dot becomes
// `async`, a warp_group_dot_wait {pendings = 1} after it waits for the
// previous iteration's, and one {pendings = 0} after the loop for the last.
// A slot may then still be read by the previous iteration's MMAs, so the
// copies run S-2 iterations ahead instead of S-1: the slot a copy overwrites
// was read two iterations back, by MMAs every warp has waited for before the
// barrier that starts the iteration.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "compiler/analysis/Allocation.h"
#include "compiler/analysis/AxisInfo.h"
#include "compiler/transforms/Pipelining.h"
#include "compiler/transforms/TensorMaps.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUSOFTWAREPIPELINE
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

/// A load the pipeline takes over, and how the loop reads what it loaded: through buffers it
/// is staged in (directly or transposed), or in registers. All become reads of a ring slot.
struct Stream {
  Operation *load; // tile.load (cp.async) or tile.descriptor_load (TMA)
  MemDescType slotType;
  SmallVector<LocalAllocOp> staging;        // local_alloc(load): the slot itself
  SmallVector<LocalAllocOp> stagingTransposed; // local_alloc(trans(load)): the slot transposed
  bool readInRegisters = false;             // other uses: the slot read back (local_load)
  Value ring; // [S, ...] buffers, allocated before the loop
  Value map;  // the tensor map of a TMA stream

  tile::LoadOp pointerLoad() const { return dyn_cast<tile::LoadOp>(load); }
  tile::DescriptorLoadOp descriptorLoad() const { return dyn_cast<tile::DescriptorLoadOp>(load); }
  /// Whether the loop reads the slot other than as the buffer it was staged in.
  bool readsBack() const { return readInRegisters || !stagingTransposed.empty(); }
  SmallVector<Operation *> stagingOps() const {
    SmallVector<Operation *> ops(staging.begin(), staging.end());
    ops.append(stagingTransposed.begin(), stagingTransposed.end());
    return ops;
  }
};

bool isZeroConstant(Value v) {
  if (!v)
    return true;
  FloatAttr f;
  IntegerAttr i;
  return (matchPattern(v, m_Constant(&f)) && f.getValue().isZero()) ||
         (matchPattern(v, m_Constant(&i)) && i.getValue().isZero()) ||
         matchPattern(v, m_AnyZeroFloat()) || matchPattern(v, m_Zero());
}

/// Whether one thread copies at least 4 bytes at a time (cp.async moves 4, 8 or 16).
bool copiesWholeWords(tile::LoadOp load, const AxisInfoAnalysis &axisInfo) {
  auto type = cast<RankedTensorType>(load.getPtr().getType());
  LinearLayout layout = toLinearLayout(type);
  unsigned bits = getElementTypeOrSelf(load.getType()).getIntOrFloatBitWidth();
  int64_t vec = 1;
  for (unsigned d = 0; d < type.getRank(); ++d)
    vec = std::max(vec, std::min<int64_t>(int64_t(1) << layout.getContiguousRegisterBits(d),
                                          axisInfo.getVectorWidth(load.getPtr(), load.getMask(),
                                                                  d, bits)));
  return vec * bits >= 32;
}

struct SoftwarePipelinePass
    : lacc::impl::TileGPUSoftwarePipelineBase<SoftwarePipelinePass> {
  using TileGPUSoftwarePipelineBase::TileGPUSoftwarePipelineBase;

  void runOnOperation() override {
    AxisInfoAnalysis axisInfo(getOperation());
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    for (scf::ForOp loop : loops) {
      int stages = numStages;
      if (auto attr = loop->getAttrOfType<IntegerAttr>("tile.num_stages"))
        stages = attr.getInt();
      if (stages >= 2)
        pipeline(loop, stages, axisInfo);
    }
  }

  /// How `op`, a load the pipeline can take over, is read: into one slot layout, whether
  /// staged directly, staged transposed (a transposed view of the slot) or used in registers
  /// (read back from the slot). The staging buffers name the slot's layout.
  static std::optional<Stream> streamOf(Operation *op, scf::ForOp loop,
                                        const AxisInfoAnalysis &axisInfo) {
    if (!isa<RankedTensorType>(op->getResult(0).getType()))
      return std::nullopt;
    Stream stream{op, MemDescType(), {}, {}, false, Value(), Value()};
    auto isStaging = [&](Operation *user) {
      auto alloc = dyn_cast<LocalAllocOp>(user);
      return alloc && alloc->getBlock() == loop.getBody() &&
             llvm::all_of(alloc->getUsers(),
                          [](Operation *u) { return isa<LocalLoadOp, WarpGroupDotOp>(u); });
    };
    auto agree = [&](MemDescType slot) {
      if (!stream.slotType)
        stream.slotType = slot;
      return stream.slotType == slot;
    };
    for (Operation *user : op->getUsers()) {
      if (isStaging(user)) {
        auto alloc = cast<LocalAllocOp>(user);
        if (!agree(alloc.getType()))
          return std::nullopt;
        stream.staging.push_back(alloc);
        continue;
      }
      auto trans = dyn_cast<tile::TransOp>(user);
      if (trans && !trans->use_empty() && llvm::all_of(trans->getUsers(), isStaging)) {
        for (Operation *u : trans->getUsers()) {
          auto alloc = cast<LocalAllocOp>(u);
          if (!agree(MemDescTransOp::getTransposedType(alloc.getType(), trans.getOrder())))
            return std::nullopt;
          stream.stagingTransposed.push_back(alloc);
        }
        continue;
      }
      stream.readInRegisters = true;
    }
    // A pointer load read only in registers gets a slot in its own order, unswizzled: each
    // thread's vector of a row lands contiguously, and reads back the same way.
    auto type = cast<RankedTensorType>(op->getResult(0).getType());
    auto blocked = dyn_cast_or_null<BlockedEncodingAttr>(type.getEncoding());
    if (!stream.slotType && isa<tile::LoadOp>(op) && blocked)
      stream.slotType = MemDescType::get(
          op->getContext(), type.getShape(), type.getElementType(),
          SharedEncodingAttr::get(op->getContext(), 1, 1, 1, blocked.getOrder(), 0));
    // A descriptor load read only in registers gets the layout a one-shot TMA load would.
    if (!stream.slotType && isa<tile::DescriptorLoadOp>(op) && type.getRank() == 2)
      stream.slotType =
          MemDescType::get(op->getContext(), type.getShape(), type.getElementType(),
                           chooseTMALayout(op->getContext(), type.getShape(),
                                           type.getElementType()));
    if (!stream.slotType || stream.slotType.isView())
      return std::nullopt;
    if (auto load = dyn_cast<tile::LoadOp>(op))
      if (!isZeroConstant(load.getOther()) || !copiesWholeWords(load, axisInfo))
        return std::nullopt;
    // The TMA writes the slot in its layout, which the loop may also read transposed or
    // into registers (Stream::readsBack, within the shared-memory budget below).
    if (isa<tile::DescriptorLoadOp>(op) && !planTMACopy(stream.slotType))
      return std::nullopt;
    return stream;
  }

  /// A load read back from its ring (transposed, or in registers) gains a ring where it had
  /// at most a buffer: those streams are taken only while every buffer of the function, the
  /// rings and the largest scratch could all be live at once within the program's shared
  /// memory (d = 256's q and k rings would not fit beside each other). Buffers and scratch of
  /// the other branch of an scf.if around the loop never are (the allocator may give them the
  /// same bytes).
  /// Loads only staged for dots are always streams, as the ring replaces a buffer they had.
  static void dropStreamsPastSharedMemory(scf::ForOp loop, SmallVector<Stream> &streams,
                                          int stages) {
    TargetAttr target = getTarget(loop);
    if (!target)
      return;
    auto func = loop->getParentOfType<func::FuncOp>();
    llvm::SmallPtrSet<Operation *, 8> replaced;
    for (Stream &s : streams)
      for (Operation *op : s.stagingOps())
        replaced.insert(op);
    auto otherBranch = [&](Operation *op) {
      for (Region *region = op->getParentRegion(); region;
           region = region->getParentOp()->getParentRegion()) {
        Operation *parent = region->getParentOp();
        if (isa<func::FuncOp>(parent))
          return false;
        if (isa<scf::IfOp>(parent) && parent->isProperAncestor(loop) &&
            !region->isAncestor(loop->getParentRegion()))
          return true;
      }
      return false;
    };
    int64_t bytes = 0, scratch = 0;
    func.walk([&](Operation *op) {
      if (otherBranch(op))
        return;
      if (auto alloc = dyn_cast<LocalAllocOp>(op); alloc && !replaced.contains(op))
        bytes += alloc.getType().getSizeInBytes();
      scratch = std::max(scratch, getScratchBytes(op));
    });
    bytes += scratch;
    for (Stream &s : streams)
      bytes += stages * s.slotType.getSizeInBytes();
    // TMA streams share a ring of one mbarrier (8 bytes) per slot.
    if (llvm::any_of(streams, [](const Stream &s) { return s.descriptorLoad(); }))
      bytes += stages * 8;
    while (bytes > target.getSharedMemory()) {
      auto last =
          llvm::find_if(llvm::reverse(streams), [](const Stream &s) { return s.readsBack(); });
      if (last == streams.rend())
        return;
      bytes -= stages * last->slotType.getSizeInBytes();
      for (Operation *alloc : last->stagingOps())
        bytes += cast<LocalAllocOp>(alloc).getType().getSizeInBytes();
      streams.erase(std::next(last).base());
    }
  }

  void pipeline(scf::ForOp loop, int stages, const AxisInfoAnalysis &axisInfo) {
    SmallVector<Stream> streams;
    // Reading loads back from rings pays on sm_90a, whose wgmma reads its operands from shared
    // memory; on sm_80, where mma.sync holds them in registers, the lightning kernels' ring
    // addresses would spill (16-24 bytes at 255 registers).
    TargetAttr target = getTarget(loop);
    bool canReadBack = target && target.hasHopperFeatures();
    for (Operation &op : *loop.getBody())
      if (isa<tile::LoadOp, tile::DescriptorLoadOp>(op))
        if (std::optional<Stream> stream = streamOf(&op, loop, axisInfo))
          if (canReadBack || !stream->readsBack())
            streams.push_back(std::move(*stream));
    dropStreamsPastSharedMemory(loop, streams, stages);
    if (streams.empty())
      return;
    for (Stream &s : streams)
      if (tile::DescriptorLoadOp load = s.descriptorLoad())
        if (!(s.map = getOrAddTensorMap(load.getDescOp(), *planTMACopy(s.slotType))))
          return;
    bool anyTMA = llvm::any_of(streams, [](const Stream &s) { return bool(s.map); });
    bool anyCpAsync = llvm::any_of(streams, [](const Stream &s) { return !s.map; });
    int64_t tmaBytes = 0;
    for (Stream &s : streams)
      if (s.map)
        tmaBytes += s.slotType.getSizeInBytes();

    // What the copies need: their pointers and masks (offsets for the TMA), and what those
    // carry across iterations.
    SmallVector<Value> roots;
    for (Stream &s : streams) {
      if (tile::LoadOp load = s.pointerLoad()) {
        roots.push_back(load.getPtr());
        if (load.getMask())
          roots.push_back(load.getMask());
      } else {
        llvm::append_range(roots, s.descriptorLoad().getOffsets());
      }
    }
    llvm::SetVector<unsigned> carried;
    SmallVector<Operation *> slice = addressSlice(loop, roots, carried);
    for (Operation *op : slice)
      if (!isPure(op) || op->getNumRegions())
        return; // only plain computations can be moved ahead

    // How many iterations ahead the copies run: S-1, or S-2 with MMAs left in flight.
    SmallVector<Operation *> staged;
    for (Stream &s : streams)
      llvm::append_range(staged, s.stagingOps());
    SmallVector<WarpGroupDotOp> asyncDots;
    if (stages >= 3)
      for (auto dot : loop.getBody()->getOps<WarpGroupDotOp>())
        if (isAsyncCandidate(loop, dot, staged))
          asyncDots.push_back(dot);
    int ahead = asyncDots.empty() ? stages - 1 : stages - 2;

    MLIRContext *ctx = loop.getContext();
    Location loc = loop.getLoc();
    Value upperBound = loop.getUpperBound(), step = loop.getStep();
    IRRewriter rewriter(ctx);
    rewriter.setInsertionPoint(loop);
    Type i32 = rewriter.getI32Type();
    auto constI32 = [&](OpBuilder &b, int64_t v) -> Value {
      return arith::ConstantOp::create(b, loc, i32, b.getI32IntegerAttr(v));
    };

    // The rings: S slots of the staging buffer's shape and layout.
    for (Stream &s : streams)
      s.ring = LocalAllocOp::create(rewriter, loc, ringType(s.slotType, stages), Value());
    auto slot = [&](OpBuilder &b, Stream &s, Value index) -> Value {
      return MemDescSubviewOp::create(b, loc, s.slotType, s.ring, index);
    };
    // The TMA streams' barriers, one per slot.
    Value barriers;
    auto barrier = [&](OpBuilder &b, Value index) -> Value {
      return MemDescSubviewOp::create(b, loc, barrierType(ctx), barriers, index);
    };
    if (anyTMA) {
      barriers = LocalAllocOp::create(rewriter, loc, barrierType(ctx, stages), Value());
      for (int s = 0; s < stages; ++s)
        InitBarrierOp::create(rewriter, loc, barrier(rewriter, constI32(rewriter, s)), 1);
    }

    // The loop's values as one iteration sees them: its induction variable, and the carried
    // values the address computations use.
    auto bind = [&](IRMapping &mapping, scf::ForOp forOp, Value iv, ValueRange values) {
      mapping.map(forOp.getInductionVar(), iv);
      for (auto [i, value] : llvm::zip(carried, values))
        mapping.map(forOp.getRegionIterArgs()[i], value);
    };
    // Issues the copies of the iteration bound in `mapping` (at induction value `iv`) into
    // slot `index`, masked off past the loop's end, and closes their group.
    auto issue = [&](OpBuilder &b, IRMapping &mapping, Value iv, Value index, bool inLoop) {
      for (Operation *op : slice)
        b.clone(*op, mapping);
      Value valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, iv, upperBound);
      if (anyTMA) {
        Value bar = barrier(b, index);
        BarrierExpectOp::create(b, loc, bar, tmaBytes, valid);
        for (Stream &s : streams)
          if (s.map) {
            SmallVector<Value> coords;
            for (Value v : s.descriptorLoad().getOffsets())
              coords.push_back(mapping.lookupOrDefault(v));
            AsyncTMACopyGlobalToLocalOp::create(b, loc, s.map, coords, slot(b, s, index), bar,
                                                valid);
          }
      }
      for (Stream &s : streams) {
        tile::LoadOp load = s.pointerLoad();
        if (!load)
          continue;
        Value ptrs = mapping.lookupOrDefault(load.getPtr());
        auto ptrType = cast<RankedTensorType>(ptrs.getType());
        auto maskType =
            RankedTensorType::get(ptrType.getShape(), b.getI1Type(), ptrType.getEncoding());
        Value mask = tile::SplatOp::create(b, loc, maskType, valid);
        if (load.getMask())
          mask = arith::AndIOp::create(b, loc, mapping.lookupOrDefault(load.getMask()), mask);
        auto copy = AsyncCopyGlobalToLocalOp::create(b, loc, ptrs, slot(b, s, index), mask);
        if (inLoop)
          copy.setOrderedByLoopBarrier(true);
      }
      if (anyCpAsync)
        AsyncCommitGroupOp::create(b, loc);
    };
    // The carried values one iteration on: what the loop yields for them, under `mapping`.
    auto advance = [&](scf::ForOp forOp, IRMapping &mapping) {
      auto yield = cast<scf::YieldOp>(forOp.getBody()->getTerminator());
      SmallVector<Value> next;
      for (unsigned i : carried)
        next.push_back(mapping.lookupOrDefault(yield.getOperand(i)));
      return next;
    };
    auto ivAt = [&](OpBuilder &b, Value base, int64_t iterations) -> Value {
      if (iterations == 0)
        return base;
      Value count = arith::ConstantOp::create(b, loc, base.getType(),
                                              b.getIntegerAttr(base.getType(), iterations));
      return arith::AddIOp::create(b, loc, base, arith::MulIOp::create(b, loc, step, count));
    };

    // Prologue: iterations 0 .. ahead-1 into slots 0 .. ahead-1.
    SmallVector<Value> aheadValues;
    for (unsigned i : carried)
      aheadValues.push_back(loop.getInitArgs()[i]);
    for (int s = 0; s < ahead; ++s) {
      IRMapping mapping;
      Value iv = ivAt(rewriter, loop.getLowerBound(), s);
      bind(mapping, loop, iv, aheadValues);
      issue(rewriter, mapping, iv, constI32(rewriter, s), /*ahead=*/false);
      aheadValues = advance(loop, mapping);
    }

    // The loop also carries iteration i+ahead's values, the slots to read and to write, and
    // (TMA) the parity of the read slot's barrier phase.
    SmallVector<Value> newInits(aheadValues);
    newInits.push_back(constI32(rewriter, 0));
    newInits.push_back(constI32(rewriter, ahead));
    if (anyTMA)
      newInits.push_back(constI32(rewriter, 0));
    unsigned firstNew = loop.getNumRegionIterArgs();
    auto bump = [&](OpBuilder &b, Value index) -> Value {
      Value next = arith::AddIOp::create(b, loc, index, constI32(b, 1));
      Value wrap = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, next,
                                         constI32(b, stages));
      return arith::SelectOp::create(b, loc, wrap, constI32(b, 0), next);
    };
    // The ops issuing the copies ahead in the loop, moved to the top of the body below.
    SmallVector<Operation *> issuedInLoop;
    // Runs before the old body moves into the new loop: ops go into the old body, and its
    // block arguments become the new loop's when it moves.
    auto newYields = [&](OpBuilder &b, Location, ArrayRef<BlockArgument> args) {
      scf::ForOp forOp = loop;
      Block *body = b.getInsertionBlock();
      Operation *terminator = &*b.getInsertionPoint();
      Operation *lastBefore = terminator->getPrevNode();
      SmallVector<Value> values(args.begin(), args.begin() + carried.size());
      Value readSlot = args[carried.size()], writeSlot = args[carried.size() + 1];
      IRMapping mapping;
      Value iv = ivAt(b, forOp.getInductionVar(), ahead);
      bind(mapping, forOp, iv, values);
      issue(b, mapping, iv, writeSlot, /*ahead=*/true);
      for (Operation *op = lastBefore ? lastBefore->getNextNode() : &body->front();
           op != terminator; op = op->getNextNode())
        issuedInLoop.push_back(op);
      SmallVector<Value> yields = advance(forOp, mapping);
      Value nextRead = bump(b, readSlot);
      yields.push_back(nextRead);
      yields.push_back(bump(b, writeSlot));
      if (anyTMA) { // the phase flips each time the reads come round to slot 0
        Value phase = args[carried.size() + 2];
        Value wrapped = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, nextRead,
                                              constI32(b, 0));
        Value flipped = arith::XOrIOp::create(b, loc, phase, constI32(b, 1));
        yields.push_back(arith::SelectOp::create(b, loc, wrapped, flipped, phase));
      }
      return yields;
    };
    FailureOr<LoopLikeOpInterface> replaced =
        cast<LoopLikeOpInterface>(loop.getOperation())
            .replaceWithAdditionalYields(rewriter, newInits,
                                         /*replaceInitOperandUsesInLoop=*/false, newYields);
    if (failed(replaced))
      return;
    auto newLoop = cast<scf::ForOp>(replaced->getOperation());

    // Each iteration reads its slot once iteration i's copies have landed.
    Value readSlot = newLoop.getRegionIterArgs()[firstNew + carried.size()];
    rewriter.setInsertionPointToStart(newLoop.getBody());
    if (anyCpAsync)
      AsyncWaitOp::create(rewriter, loc, ahead - 1);
    if (anyTMA)
      WaitBarrierOp::create(rewriter, loc, barrier(rewriter, readSlot),
                            newLoop.getRegionIterArgs()[firstNew + carried.size() + 2]);
    // TMA copies go out at the top of the iteration, right after the wait: the slot they
    // overwrite was read in the iteration before (or two before, with MMAs in flight), so
    // they may, and they then have `ahead` whole iterations to land (after the compute, as
    // cp.async copies are ordered by the loop's barrier, one less: none with 2 stages).
    if (anyTMA && !anyCpAsync) {
      Operation *firstOfBody = &*rewriter.getInsertionPoint();
      for (Operation *op : issuedInLoop)
        op->moveBefore(firstOfBody);
    }
    for (Stream &s : streams) {
      rewriter.setInsertionPoint(s.load);
      Value read = slot(rewriter, s, readSlot);
      for (LocalAllocOp alloc : s.staging)
        rewriter.replaceOp(alloc, read);
      for (LocalAllocOp alloc : s.stagingTransposed) {
        auto trans = alloc.getSrc().getDefiningOp<tile::TransOp>();
        rewriter.setInsertionPoint(alloc);
        rewriter.replaceOpWithNewOp<MemDescTransOp>(alloc, read, trans.getOrder());
        if (trans->use_empty())
          rewriter.eraseOp(trans);
      }
      if (s.readInRegisters) {
        rewriter.setInsertionPoint(s.load);
        rewriter.replaceOpWithNewOp<LocalLoadOp>(s.load, s.load->getResult(0).getType(), read);
      } else {
        rewriter.eraseOp(s.load);
      }
    }
    // Copies past the loop's end were never issued: nothing is in flight after it.
    rewriter.setInsertionPointAfter(newLoop);
    if (anyCpAsync)
      AsyncWaitOp::create(rewriter, loc, 0);
    if (anyTMA)
      for (int s = 0; s < stages; ++s)
        InvalBarrierOp::create(rewriter, loc, barrier(rewriter, constI32(rewriter, s)));

    leaveInFlight(rewriter, newLoop, asyncDots);
  }
};

} // namespace
