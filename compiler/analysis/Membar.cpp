//===- Membar.cpp - where shared-memory accesses need barriers ------------===//

#include "compiler/analysis/Membar.h"

#include "compiler/analysis/Allocation.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

/// Accesses since the last barrier.
struct State {
  SmallVector<Interval> reads, writes;
  SmallVector<Interval> leaderWrites; ///< by the one thread that drives mbarriers

  void clear() {
    reads.clear();
    writes.clear();
    leaderWrites.clear();
  }
  static void add(SmallVectorImpl<Interval> &to, Interval i) {
    if (!llvm::is_contained(to, i))
      to.push_back(i);
  }
  void merge(const State &other) {
    for (Interval i : other.reads)
      add(reads, i);
    for (Interval i : other.writes)
      add(writes, i);
    for (Interval i : other.leaderWrites)
      add(leaderWrites, i);
  }
  bool operator==(const State &other) const {
    auto same = [](ArrayRef<Interval> a, ArrayRef<Interval> b) {
      return a.size() == b.size() && llvm::all_of(a, [&](Interval i) {
               return llvm::is_contained(b, i);
             });
    };
    return same(reads, other.reads) && same(writes, other.writes) &&
           same(leaderWrites, other.leaderWrites);
  }
};

bool intersectsAny(ArrayRef<Interval> set, ArrayRef<Interval> with) {
  for (Interval a : set)
    for (Interval b : with)
      if (a.intersects(b))
        return true;
  return false;
}

/// What an op does to shared memory.
struct Accesses {
  SmallVector<Interval> reads, writes;
  bool selfSynchronized = false; ///< writes, barrier, reads
  /// An async copy: its write lands later, at a wait, and only a barrier after that wait
  /// shows it to other threads; copies never order against each other (they fill distinct
  /// slots, or the same slot after a wait).
  bool asyncWrite = false;
  /// The software pipeliner's promise: the slot's earlier reads are behind a barrier of this
  /// iteration (AsyncCopyGlobalToLocalOp's ordered_by_loop_barrier).
  bool readsAlreadyOrdered = false;
  /// A TMA copy: its data reaches each thread through the mbarrier it waits on, so it leaves
  /// no write for a barrier to order; only the earlier reads of its buffer need one.
  bool visibleThroughMBarrier = false;
  /// Made by thread 0 alone (mbarrier init and inval): ordered after its own earlier
  /// writes of that kind without a barrier.
  bool leaderOnly = false;
};

/// The buffer a memdesc value points into: its local_alloc's range, or (not known
/// statically) every byte.
Interval bufferOf(Value memdesc, int64_t totalBytes) {
  // A ring's slot is tracked as the whole ring: which slot is a run-time index.
  for (Operation *def = memdesc.getDefiningOp();
       def && isa<MemDescSubviewOp, MemDescSliceOp, MemDescTransOp>(def);
       def = memdesc.getDefiningOp())
    memdesc = def->getOperand(0);
  if (auto alloc = memdesc.getDefiningOp<LocalAllocOp>())
    if (std::optional<Interval> interval = getSharedInterval(alloc))
      return *interval;
  return Interval{0, std::max<int64_t>(totalBytes, 1)};
}

class BarrierPlacement {
public:
  explicit BarrierPlacement(func::FuncOp func) {
    if (auto bytes = func->getAttrOfType<IntegerAttr>(TileGPUDialect::kSharedBytesAttrName))
      totalBytes = bytes.getInt();
    State state;
    visitBlock(func.getBody().front(), state);
  }
  SmallVector<Operation *> points() const { return SmallVector<Operation *>(found.getArrayRef()); }

private:
  Accesses accessesOf(Operation *op) {
    Accesses acc;
    if (auto alloc = dyn_cast<LocalAllocOp>(op)) {
      if (alloc.getSrc())
        acc.writes.push_back(bufferOf(alloc, totalBytes));
    } else if (auto store = dyn_cast<LocalStoreOp>(op)) {
      acc.writes.push_back(bufferOf(store.getDst(), totalBytes));
    } else if (auto load = dyn_cast<LocalLoadOp>(op)) {
      acc.reads.push_back(bufferOf(load.getSrc(), totalBytes));
    } else if (auto dot = dyn_cast<WarpGroupDotOp>(op)) {
      acc.reads.push_back(bufferOf(dot.getA(), totalBytes));
      acc.reads.push_back(bufferOf(dot.getB(), totalBytes));
    } else if (auto copy = dyn_cast<AsyncCopyGlobalToLocalOp>(op)) {
      acc.writes.push_back(bufferOf(copy.getDst(), totalBytes));
      acc.asyncWrite = true;
      acc.readsAlreadyOrdered = copy.getOrderedByLoopBarrier();
    } else if (auto copy = dyn_cast<AsyncTMACopyGlobalToLocalOp>(op)) {
      acc.writes.push_back(bufferOf(copy.getDst(), totalBytes));
      acc.asyncWrite = acc.visibleThroughMBarrier = true;
    } else if (auto store = dyn_cast<AsyncTMACopyLocalToGlobalOp>(op)) {
      // A TMA store reads its buffer from here until its tma_store_wait (which reads it
      // too): the writes before it need a barrier, and so do later writes after the wait.
      acc.reads.push_back(bufferOf(store.getSrc(), totalBytes));
    } else if (auto wait = dyn_cast<TMAStoreWaitOp>(op)) {
      for (Value buffer : wait.getBuffers())
        acc.reads.push_back(bufferOf(buffer, totalBytes));
    } else if (isa<InitBarrierOp, InvalBarrierOp>(op)) {
      // One thread writes the barrier; the others may only use it after a CTA barrier.
      acc.writes.push_back(bufferOf(op->getOperand(0), totalBytes));
      acc.leaderOnly = true;
    } else if (isa<WaitBarrierOp, ArriveBarrierOp>(op)) {
      acc.reads.push_back(bufferOf(op->getOperand(0), totalBytes));
    } else if (getScratchBytes(op) > 0) {
      std::optional<Interval> scratch = getSharedInterval(op);
      Interval i = scratch ? *scratch : Interval{0, std::max<int64_t>(totalBytes, 1)};
      acc.writes.push_back(i);
      acc.reads.push_back(i);
      acc.selfSynchronized = true;
    }
    return acc;
  }

  void needBarrier(Operation *op, State &state) {
    if (recording)
      found.insert(op);
    ++counted;
    state.clear();
  }

  void visitOp(Operation *op, State &state) {
    if (isa<BarrierOp, tile::BarrierOp>(op))
      return state.clear();
    if (auto loop = dyn_cast<scf::ForOp>(op))
      return visitLoop(op, state, [&](State &s) { visitBlock(*loop.getBody(), s); });
    if (auto loop = dyn_cast<scf::WhileOp>(op)) {
      // Iterations run before -> after -> before ...; the loop leaves from `before`.
      State exit;
      visitLoop(op, state, [&](State &s) {
        visitBlock(loop.getBefore().front(), s);
        exit.merge(s);
        visitBlock(loop.getAfter().front(), s);
      });
      state = exit;
      return;
    }
    if (auto branch = dyn_cast<scf::IfOp>(op)) {
      State thenState = state, elseState = state;
      visitBlock(branch.getThenRegion().front(), thenState);
      if (!branch.getElseRegion().empty())
        visitBlock(branch.getElseRegion().front(), elseState);
      state = thenState;
      state.merge(elseState);
      return;
    }
    if (startsWithBarrier(op))
      state.clear();
    for (Region &region : op->getRegions()) // other regions: straight-line, conservatively
      for (Block &block : region)
        visitBlock(block, state);

    Accesses acc = accessesOf(op);
    bool conflict;
    if (acc.asyncWrite)
      conflict = !acc.readsAlreadyOrdered && intersectsAny(acc.writes, state.reads);
    else if (acc.leaderOnly)
      conflict = intersectsAny(acc.writes, state.reads) || intersectsAny(acc.writes, state.writes);
    else
      conflict = intersectsAny(acc.writes, state.reads) ||
                 intersectsAny(acc.writes, state.writes) ||
                 intersectsAny(acc.writes, state.leaderWrites) ||
                 intersectsAny(acc.reads, state.writes) ||
                 intersectsAny(acc.reads, state.leaderWrites);
    if (conflict)
      needBarrier(op, state);
    if (acc.selfSynchronized) {
      state.clear(); // its own barrier ordered everything before it
      state.reads = acc.reads;
      return;
    }
    for (Interval i : acc.reads)
      State::add(state.reads, i);
    if (acc.visibleThroughMBarrier)
      return;
    for (Interval i : acc.writes)
      State::add(acc.leaderOnly ? state.leaderWrites : state.writes, i);
  }

  /// Runs `body` from the loop's entry state joined with what one iteration leaves, to a fixed
  /// point, then once more recording barriers. After the loop: entry (no iteration) or exit.
  /// When the entry state alone makes barriers inside the loop (a buffer written before the
  /// loop and read in it), one barrier before the loop takes their place.
  void visitLoop(Operation *loop, State &state, function_ref<void(State &)> body) {
    if (!state.reads.empty() || !state.writes.empty() || !state.leaderWrites.empty()) {
      State fresh;
      if (barriersInside(fresh, body) < barriersInside(state, body))
        needBarrier(loop, state);
    }
    State entry = state;
    bool wasRecording = recording;
    recording = false;
    State in = fixedPoint(entry, body);
    recording = wasRecording;
    State s = in;
    body(s);
    state = entry;
    state.merge(s);
  }

  /// The state at the top of an iteration: the entry joined with what iterations leave.
  State fixedPoint(const State &entry, function_ref<void(State &)> body) {
    State in = entry;
    for (;;) {
      State s = in;
      body(s);
      State next = entry;
      next.merge(s);
      if (next == in)
        return in;
      in = next;
    }
  }

  /// How many barriers the loop's body needs when entered in `entry`.
  int barriersInside(const State &entry, function_ref<void(State &)> body) {
    bool wasRecording = recording;
    int wasCounted = counted;
    recording = false;
    State s = fixedPoint(entry, body);
    counted = 0;
    body(s);
    int inside = counted;
    recording = wasRecording;
    counted = wasCounted;
    return inside;
  }

  void visitBlock(Block &block, State &state) {
    for (Operation &op : block)
      visitOp(&op, state);
  }

  int64_t totalBytes = 0;
  bool recording = true;
  int counted = 0; ///< barriers asked for, recorded or not
  llvm::SetVector<Operation *> found;
};

} // namespace

SmallVector<Operation *> lacc::findBarrierPoints(func::FuncOp func) {
  return BarrierPlacement(func).points();
}
