//===- Coalesce.cpp - layouts for coalesced, vectorized global access -----===//
//
// The default layout gives each thread one element at a time; for global
// memory that wastes bandwidth. Here each load, store and atomic gets a
// layout in which every thread owns `vec` consecutive elements along the
// most contiguous dimension, where `vec` is the widest access (16 bytes at
// most) that the pointers' contiguity and alignment and the mask's constancy
// allow, and consecutive threads own consecutive vectors, so a warp touches
// one contiguous span. Conversions to and from the neighbours' layouts are
// inserted; RemoveLayoutConversions then removes most of them.
//
// A tensor descriptor load left for the TMA is read from the shared memory the
// TMA wrote: it gets the layout of a contiguous row-major access, 16 bytes per
// thread along the rows, which the swizzled buffers' 16-byte chunks serve.
// (The default layout, one element per thread, made a read-back tile weighed
// by a row vector hold a register per row.)
//
//===----------------------------------------------------------------------===//

#include "compiler/analysis/AxisInfo.h"
#include "compiler/transforms/Passes.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUCOALESCE
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

/// Each thread `vec` consecutive elements along order[0], consecutive threads consecutive
/// vectors; `vec` no wider than the tile spread over all threads (every thread busy).
BlockedEncodingAttr getVectorLayout(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                    ArrayRef<unsigned> order, int64_t vec, unsigned numWarps) {
  int64_t perThread = std::max<int64_t>(1, ShapedType::getNumElements(shape) / (32 * numWarps));
  SmallVector<unsigned> sizePerThread(shape.size(), 1);
  sizePerThread[order[0]] = std::min({vec, perThread, shape[order[0]]});
  return BlockedEncodingAttr::getDefault(ctx, shape, numWarps, sizePerThread, order);
}

/// The blocked layout that makes `op`'s access to global memory coalesced.
BlockedEncodingAttr getCoalescedLayout(Operation *op, Value ptr, Value mask,
                                       const AxisInfoAnalysis &axisInfo, unsigned numWarps) {
  auto type = cast<RankedTensorType>(ptr.getType());
  unsigned rank = type.getRank();
  AxisInfo info = axisInfo.get(ptr);
  // Most contiguous dimension first; ties go to the later (row-major faster) dimension.
  SmallVector<unsigned> order;
  for (unsigned d = rank; d-- > 0;)
    order.push_back(d);
  llvm::stable_sort(order, [&](unsigned a, unsigned b) {
    return info.contiguity[a] > info.contiguity[b];
  });
  unsigned bits = getElementTypeOrSelf(tile::getPointeeType(type)).getIntOrFloatBitWidth();
  int64_t vec = axisInfo.getVectorWidth(ptr, mask, order[0], bits);
  return getVectorLayout(op->getContext(), type.getShape(), order, vec, numWarps);
}

/// The layout of a TMA-loaded tile read back from shared memory (see the header): row-major,
/// 16 bytes per thread.
BlockedEncodingAttr getDescriptorLoadLayout(RankedTensorType type, unsigned numWarps) {
  SmallVector<unsigned> order;
  for (unsigned d = type.getRank(); d-- > 0;)
    order.push_back(d);
  int64_t vec = 128 / type.getElementType().getIntOrFloatBitWidth();
  return getVectorLayout(type.getContext(), type.getShape(), order, vec, numWarps);
}

/// Gives `op`'s one result `layout`, converted back for its users.
void relayoutResult(Operation *op, BlockedEncodingAttr layout) {
  Value result = op->getResult(0);
  auto type = cast<RankedTensorType>(result.getType());
  result.setType(RankedTensorType::get(type.getShape(), type.getElementType(), layout));
  OpBuilder builder(op->getContext());
  builder.setInsertionPointAfter(op);
  auto back = ConvertLayoutOp::create(builder, op->getLoc(), type, result);
  result.replaceAllUsesExcept(back, back);
}

void relayout(Operation *op, BlockedEncodingAttr layout) {
  OpBuilder builder(op);
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    auto newType = RankedTensorType::get(type.getShape(), type.getElementType(), layout);
    operand.set(ConvertLayoutOp::create(builder, op->getLoc(), newType, operand.get()));
  }
  builder.setInsertionPointAfter(op);
  for (Value result : op->getResults()) {
    auto type = dyn_cast<RankedTensorType>(result.getType());
    if (!type)
      continue;
    result.setType(RankedTensorType::get(type.getShape(), type.getElementType(), layout));
    auto back = ConvertLayoutOp::create(builder, op->getLoc(), type, result);
    result.replaceAllUsesExcept(back, back);
  }
}

struct CoalescePass : lacc::impl::TileGPUCoalesceBase<CoalescePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    AxisInfoAnalysis axisInfo(module);
    SmallVector<std::pair<Operation *, BlockedEncodingAttr>> plan;
    SmallVector<std::pair<Operation *, BlockedEncodingAttr>> results;
    module.walk([&](Operation *op) {
      Value ptr, mask;
      auto descriptorLoad = dyn_cast<tile::DescriptorLoadOp>(op);
      if (auto load = dyn_cast<tile::LoadOp>(op))
        ptr = load.getPtr(), mask = load.getMask();
      else if (auto store = dyn_cast<tile::StoreOp>(op))
        ptr = store.getPtr(), mask = store.getMask();
      else if (auto atomic = dyn_cast<tile::AtomicRMWOp>(op))
        ptr = atomic.getPtr(), mask = atomic.getMask();
      if (!descriptorLoad && (!ptr || !isa<RankedTensorType>(ptr.getType())))
        return;
      int numWarps = getNumWarps(op);
      if (numWarps <= 0) {
        op->emitError("coalescing needs layouts: run tile-to-tilegpu first");
        return signalPassFailure();
      }
      if (descriptorLoad) {
        auto type = cast<RankedTensorType>(descriptorLoad.getType());
        BlockedEncodingAttr layout = getDescriptorLoadLayout(type, numWarps);
        if (layout != type.getEncoding())
          results.emplace_back(op, layout);
        return;
      }
      BlockedEncodingAttr layout = getCoalescedLayout(op, ptr, mask, axisInfo, numWarps);
      if (layout != cast<RankedTensorType>(ptr.getType()).getEncoding())
        plan.emplace_back(op, layout);
    });
    // Rewrite after the walk: the analysis refers to the values as they were.
    for (auto [op, layout] : plan)
      relayout(op, layout);
    for (auto [op, layout] : results)
      relayoutResult(op, layout);
  }
};

} // namespace
