//===- LowerDescriptorStores.cpp - TMA stores ------------------------------===//
//
// The tensor descriptor stores tile-rewrite-block-pointers left (a 2-D tile,
// on sm_90a) become TMA stores through shared memory:
//
//   %buf = local_alloc %tile          every thread writes its elements (the
//                                     generic proxy), in the TMA's layout
//   fence_async_shared                every thread: its writes before the
//                                     TMA's reads (the async proxy)
//   (CTA barrier: tilegpu-insert-barriers, as the copy reads what others wrote)
//   async_tma_copy_local_to_global %map[offsets] %buf      one thread
//   tma_store_wait 0, %buf            that thread: the TMA has read %buf
//
// The buffer's layout is the one a TMA load of the block would use (the
// widest swizzle its rows allow; a 64x128 bf16 tile is two 64x64 boxes of
// the 128-byte swizzle), so stores and loads of one descriptor share the
// tensor map. The wait right after the copy keeps it simple: the buffer is
// live (for the allocation) and read (for barrier placement) until the
// wait, so that the next writes of its bytes, in a later iteration or by
// another buffer, come after it and a CTA barrier; and no store is in
// flight at the kernel's exit. The TMA does not write elements outside the
// tensor, which gives desc.store its clipping.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"
#include "compiler/transforms/TensorMaps.h"

#include "mlir/IR/PatternMatch.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPULOWERDESCRIPTORSTORES
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

struct LowerDescriptorStoresPass
    : lacc::impl::TileGPULowerDescriptorStoresBase<LowerDescriptorStoresPass> {
  void runOnOperation() override {
    SmallVector<tile::DescriptorStoreOp> stores;
    getOperation().walk([&](tile::DescriptorStoreOp op) { stores.push_back(op); });
    for (tile::DescriptorStoreOp store : stores)
      if (failed(lower(store)))
        return signalPassFailure();
    getOperation().walk([](tile::MakeTensorDescOp op) {
      if (op->use_empty())
        op.erase();
    });
  }

  LogicalResult lower(tile::DescriptorStoreOp store) {
    TargetAttr target = getTarget(store);
    if (!target || !hasTMA(target.getArch()))
      return store.emitError("internal compiler error: a tensor descriptor store reached the "
                             "TMA lowering on a target without TMA (")
             << (target ? target.getArch() : "none") << ")";
    MLIRContext *ctx = store.getContext();
    auto value = cast<RankedTensorType>(store.getValue().getType());
    if (value.getRank() != 2)
      return store.emitError("internal compiler error: a descriptor store of a rank-")
             << value.getRank() << " tile reached the TMA lowering";
    auto bufferType =
        MemDescType::get(ctx, value.getShape(), value.getElementType(),
                         chooseTMALayout(ctx, value.getShape(), value.getElementType()));
    std::optional<TMACopyPlan> plan = planTMACopy(bufferType);
    if (!plan)
      return store.emitError("internal compiler error: no TMA layout for ") << bufferType;
    Value map = getOrAddTensorMap(store.getDescOp(), *plan);
    if (!map)
      return store.emitError("internal compiler error: cannot add the tensor map parameter");

    IRRewriter rewriter(ctx);
    rewriter.setInsertionPoint(store);
    Location loc = store.getLoc();
    Value buffer = LocalAllocOp::create(rewriter, loc, bufferType, store.getValue());
    FenceAsyncSharedOp::create(rewriter, loc);
    AsyncTMACopyLocalToGlobalOp::create(rewriter, loc, map, store.getOffsets(), buffer);
    TMAStoreWaitOp::create(rewriter, loc, ValueRange{buffer}, 0);
    rewriter.eraseOp(store);
    return success();
  }
};

} // namespace
