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
  // Keep every thread busy: no wider than the tile spread over all threads.
  int64_t perThread = std::max<int64_t>(1, type.getNumElements() / (32 * numWarps));
  vec = std::min({vec, perThread, type.getDimSize(order[0])});
  SmallVector<unsigned> sizePerThread(rank, 1);
  sizePerThread[order[0]] = vec;
  return BlockedEncodingAttr::getDefault(op->getContext(), type.getShape(), numWarps,
                                         sizePerThread, order);
}

/// The layout of a TMA-loaded tile read back from shared memory (see the header).
BlockedEncodingAttr getDescriptorLoadLayout(RankedTensorType type, unsigned numWarps) {
  unsigned rank = type.getRank();
  SmallVector<unsigned> order;
  for (unsigned d = rank; d-- > 0;)
    order.push_back(d);
  int64_t vec = 128 / type.getElementType().getIntOrFloatBitWidth();
  int64_t perThread = std::max<int64_t>(1, type.getNumElements() / (32 * numWarps));
  vec = std::min({vec, perThread, type.getDimSize(rank - 1)});
  SmallVector<unsigned> sizePerThread(rank, 1);
  sizePerThread[rank - 1] = vec;
  return BlockedEncodingAttr::getDefault(type.getContext(), type.getShape(), numWarps,
                                         sizePerThread, order);
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
      if (auto load = dyn_cast<tile::DescriptorLoadOp>(op)) {
        auto type = cast<RankedTensorType>(load.getType());
        int numWarps = getNumWarps(op);
        if (numWarps <= 0) {
          op->emitError("coalescing needs layouts: run tile-to-tilegpu first");
          return signalPassFailure();
        }
        BlockedEncodingAttr layout = getDescriptorLoadLayout(type, numWarps);
        if (layout != type.getEncoding())
          results.emplace_back(op, layout);
        return;
      }
      if (auto load = dyn_cast<tile::LoadOp>(op))
        ptr = load.getPtr(), mask = load.getMask();
      else if (auto store = dyn_cast<tile::StoreOp>(op))
        ptr = store.getPtr(), mask = store.getMask();
      else if (auto atomic = dyn_cast<tile::AtomicRMWOp>(op))
        ptr = atomic.getPtr(), mask = atomic.getMask();
      if (!ptr || !isa<RankedTensorType>(ptr.getType()))
        return;
      int numWarps = getNumWarps(op);
      if (numWarps <= 0) {
        op->emitError("coalescing needs layouts: run tile-to-tilegpu first");
        return signalPassFailure();
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
