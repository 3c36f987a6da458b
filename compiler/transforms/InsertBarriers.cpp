//===- InsertBarriers.cpp - CTA barriers where shared memory needs them ---===//
//
// Places a tilegpu.barrier before every op the barrier analysis
// (compiler/analysis/Membar.h) names. The lowering adds no barriers between
// ops of its own; only ops that write and then read their own scratch have
// one inside.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "compiler/analysis/Membar.h"

#include "mlir/IR/Builders.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUINSERTBARRIERS
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {
struct InsertBarriersPass : lacc::impl::TileGPUInsertBarriersBase<InsertBarriersPass> {
  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      for (Operation *op : findBarrierPoints(func)) {
        // A producer warpgroup has no barrier of its own: one there would wait forever.
        if (op->getParentOfType<WarpSpecializeOp>()) {
          op->emitError("internal compiler error: a shared-memory barrier is needed in a "
                        "warp-specialized producer region");
          return signalPassFailure();
        }
        OpBuilder builder(op);
        BarrierOp::create(builder, op->getLoc());
      }
  }
};
} // namespace
