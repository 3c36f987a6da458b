//===- AllocateSharedMemory.cpp - record the shared-memory plan -----------===//
//
// The plan itself (sizes, lifetimes, offsets) is the allocation analysis's
// (compiler/analysis/Allocation.h); this pass writes it on the IR for the
// lowering, for barrier placement and for the kernel's metadata.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "compiler/analysis/Allocation.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUALLOCATESHAREDMEMORY
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {
struct AllocateSharedMemoryPass
    : lacc::impl::TileGPUAllocateSharedMemoryBase<AllocateSharedMemoryPass> {
  using TileGPUAllocateSharedMemoryBase::TileGPUAllocateSharedMemoryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t moduleBytes = 0;
    int64_t bytesPerCTA = limit;
    if (!bytesPerCTA) {
      TargetAttr target = getTarget(module);
      bytesPerCTA = target ? target.getSharedMemory() : 227 * 1024;
    }
    for (auto func : module.getOps<func::FuncOp>()) {
      FailureOr<SharedMemoryAllocation> allocation =
          SharedMemoryAllocation::plan(func, bytesPerCTA);
      if (failed(allocation))
        return signalPassFailure();
      allocation->record(func);
      moduleBytes = std::max(moduleBytes, allocation->getTotalBytes());
    }
    module->setAttr(TileGPUDialect::kSharedBytesAttrName,
                    IntegerAttr::get(IntegerType::get(&getContext(), 32), moduleBytes));
  }
};
} // namespace
