//===- OverlapWarpGroupDots.cpp - independent wgmma dots in flight together -===//
//
// A synchronous warp_group_dot ends in wgmma.wait_group 0: the warps idle
// until its multiplications land, and the next dot starts on an empty tensor
// pipe. When the next dot does not depend on the first, the first is issued
// `async` and waited for after the second:
//
//   %r1 = warp_group_dot %a1, %b1, %c1            %r1 = warp_group_dot %a1, %b1, %c1 {async}
//   %x = f(%r1)  (no shared writes)          =>   %r2 = warp_group_dot %a2, %b2, %c2
//   %r2 = warp_group_dot %a2, %b2, %c2            %w1 = warp_group_dot_wait %r1 {pendings = 0}
//                                                 %x = f(%w1)
//
// The second dot moves up behind the first: its operands must be ready before
// the first, and the ops it moves over must not write shared memory (which it
// might read).
// The second dot's own wait (wait_group 0) has then covered the first; the
// extra wait ties %r1's registers, so that LLVM reads them only after it.
// When the second dot is itself async (a pipelined accumulation chain), the
// first is the older group: wait_group 1 leaves the second in flight.
//
// Nothing between the two may write shared memory: a write could land in a
// buffer the first dot is still reading (the allocator ended its operands'
// lifetimes at the dot), or change what the moved dot reads.
// Register-A dots stay synchronous: wgmma reads A's registers until the wait,
// and nothing would keep LLVM from reusing them after the instruction.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "compiler/analysis/Allocation.h"

#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUOVERLAPWARPGROUPDOTS
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

/// Whether `op` may run while an earlier dot's multiplications are in flight: it neither
/// writes shared memory nor waits on wgmma groups, and has no regions to look into.
bool mayOverlap(Operation *op) {
  if (op->getNumRegions() || getScratchBytes(op) > 0)
    return false;
  if (isa<LocalAllocOp, LocalStoreOp, AsyncCopyGlobalToLocalOp, WarpGroupDotWaitOp>(op))
    return false;
  return isMemoryEffectFree(op) ||
         isa<tile::LoadOp, tile::StoreOp, LocalLoadOp, BarrierOp, AsyncCommitGroupOp,
             AsyncWaitOp>(op);
}

/// The next warp_group_dot after `first` whose operands are all ready before `first` (so it
/// may be issued right behind it), when everything in between may overlap; null otherwise.
WarpGroupDotOp independentSuccessor(WarpGroupDotOp first) {
  for (Operation *op = first->getNextNode(); op; op = op->getNextNode()) {
    if (auto next = dyn_cast<WarpGroupDotOp>(op)) {
      bool ready = llvm::all_of(next->getOperands(), [&](Value v) {
        Operation *def = v.getDefiningOp();
        return !def || def->getBlock() != first->getBlock() || def->isBeforeInBlock(first);
      });
      return ready ? next : WarpGroupDotOp();
    }
    if (!mayOverlap(op))
      return {};
  }
  return {};
}

struct OverlapWarpGroupDotsPass
    : lacc::impl::TileGPUOverlapWarpGroupDotsBase<OverlapWarpGroupDotsPass> {
  void runOnOperation() override {
    SmallVector<WarpGroupDotOp> dots;
    getOperation().walk([&](WarpGroupDotOp dot) { dots.push_back(dot); });
    for (WarpGroupDotOp first : dots) {
      if (first.getAsync() || !isa<MemDescType>(first.getA().getType()))
        continue;
      WarpGroupDotOp second = independentSuccessor(first);
      if (!second)
        continue;
      // The second right behind the first (with the wait the pipeliner put behind it when
      // async); what lay between reads neither, and writes no shared memory.
      Operation *after = second;
      auto secondWait = second.getAsync()
                            ? dyn_cast_or_null<WarpGroupDotWaitOp>(second->getNextNode())
                            : WarpGroupDotWaitOp();
      second->moveAfter(first);
      if (secondWait) {
        secondWait->moveAfter(second);
        after = secondWait;
      }
      OpBuilder builder(after->getContext());
      builder.setInsertionPointAfter(after);
      first.setAsync(true);
      auto wait = WarpGroupDotWaitOp::create(builder, first.getLoc(), first.getType(),
                                             first.getResult(), uint32_t(second.getAsync() ? 1 : 0));
      first.getResult().replaceAllUsesExcept(wait.getResult(), wait);
    }
  }
};

} // namespace
