//===- LowerDescriptorLoads.cpp - one-shot TMA copies ---------------------===//
//
// The tensor descriptor loads the software pipeliner did not take (outside
// loops, or in loops it does not pipeline) on sm_90a: each becomes
//
//   %buf = local_alloc                 (or the dot's staging buffer it fed)
//   %bar = local_alloc : memdesc<1xi64>
//   init_barrier %bar, 1               one thread
//   barrier_expect %bar, bytes         one thread: arrives, expecting the copy
//   async_tma_copy %map[offsets] %buf, %bar
//   wait_barrier %bar, 0               every thread: the data is visible to it
//   inval_barrier %bar                 one thread; the bytes may be reused
//   %tile = local_load %buf            (unless %buf is the staging buffer)
//
// tilegpu-insert-barriers puts CTA barriers between the init and the waits
// and between the waits and the invalidation.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"
#include "compiler/transforms/TensorMaps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/PatternMatch.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPULOWERDESCRIPTORLOADS
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

/// The staging buffer `load` only feeds, when the TMA can write its layout.
LocalAllocOp tmaStaging(tile::DescriptorLoadOp load) {
  if (!load->hasOneUse())
    return {};
  auto staging = dyn_cast<LocalAllocOp>(*load->getUsers().begin());
  return staging && planTMACopy(staging.getType()) ? staging : LocalAllocOp();
}

struct LowerDescriptorLoadsPass
    : lacc::impl::TileGPULowerDescriptorLoadsBase<LowerDescriptorLoadsPass> {
  void runOnOperation() override {
    SmallVector<tile::DescriptorLoadOp> loads;
    getOperation().walk([&](tile::DescriptorLoadOp op) { loads.push_back(op); });
    for (tile::DescriptorLoadOp load : loads)
      if (failed(lower(load)))
        return signalPassFailure();
    getOperation().walk([](tile::MakeTensorDescOp op) {
      if (op->use_empty())
        op.erase();
    });
  }

  LogicalResult lower(tile::DescriptorLoadOp load) {
    TargetAttr target = getTarget(load);
    if (!target || !hasTMA(target.getArch()))
      return load.emitError("internal compiler error: a tensor descriptor load reached the "
                            "TMA lowering on a target without TMA (")
             << (target ? target.getArch() : "none") << ")";
    MLIRContext *ctx = load.getContext();
    IRRewriter rewriter(ctx);
    rewriter.setInsertionPoint(load);
    Location loc = load.getLoc();
    auto result = cast<RankedTensorType>(load.getType());
    LocalAllocOp staging = tmaStaging(load);
    MemDescType bufferType =
        staging ? staging.getType()
                : MemDescType::get(ctx, result.getShape(), result.getElementType(),
                                   chooseTMALayout(ctx, result.getShape(),
                                                   result.getElementType()));
    std::optional<TMACopyPlan> plan = planTMACopy(bufferType);
    if (!plan)
      return load.emitError("internal compiler error: no TMA layout for ") << bufferType;
    Value map = getOrAddTensorMap(load.getDescOp(), *plan);
    if (!map)
      return load.emitError("internal compiler error: cannot add the tensor map parameter");

    Value buffer = LocalAllocOp::create(rewriter, loc, bufferType, Value());
    Value barrier = LocalAllocOp::create(rewriter, loc, barrierType(ctx), Value());
    Value yes = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
    Value phase = arith::ConstantIntOp::create(rewriter, loc, 0, 32);
    InitBarrierOp::create(rewriter, loc, barrier, 1);
    BarrierExpectOp::create(rewriter, loc, barrier, bufferType.getSizeInBytes(), yes);
    AsyncTMACopyGlobalToLocalOp::create(rewriter, loc, map, load.getOffsets(), buffer, barrier,
                                        yes);
    WaitBarrierOp::create(rewriter, loc, barrier, phase);
    InvalBarrierOp::create(rewriter, loc, barrier);
    if (staging) {
      rewriter.replaceOp(staging, buffer);
      rewriter.eraseOp(load);
    } else {
      rewriter.replaceOp(load, LocalLoadOp::create(rewriter, loc, result, buffer));
    }
    return success();
  }
};

} // namespace
