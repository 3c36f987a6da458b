//===- AllocateSharedMemory.cpp - shared-memory planning ------------------===//
//
// Each kernel gets one block of dynamic shared memory. Buffers in it are of
// two kinds: explicit ones (tilegpu.local_alloc), live from their definition
// to their last use, and the scratch an op needs only while it runs (layout
// conversions, transposes and reshapes go through shared memory; reductions
// and scans exchange per-warp partials there). Buffers whose lifetimes do
// not overlap may share bytes: the planner places the largest first, each at
// the lowest 16-byte-aligned offset that does not clash with a live one.
// The lowering puts a barrier before every write to scratch, which makes the
// reuse safe.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUALLOCATESHAREDMEMORY
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

int64_t lacc::getSharedElementBytes(Type elementType) {
  if (isa<tile::PointerType>(elementType))
    return 8;
  return std::max<int64_t>(1, elementType.getIntOrFloatBitWidth() / 8);
}

/// Warps that hold distinct partial results along `axis`: more than one means the
/// partials must meet in shared memory.
static int64_t crossWarpPartials(Value src, unsigned axis) {
  auto type = cast<RankedTensorType>(src.getType());
  auto layout = getDistributedLayout(type);
  if (!layout || !isa<BlockedEncodingAttr>(layout))
    return 0;
  return getDistinctWarps(cast<BlockedEncodingAttr>(layout), type.getShape())[axis];
}

int64_t lacc::getScratchSizeInBytes(Operation *op) {
  auto tileBytes = [](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    return type.getNumElements() * getSharedElementBytes(type.getElementType());
  };
  if (isa<ConvertLayoutOp, tile::TransOp, tile::ReshapeOp>(op))
    return tileBytes(op->getOperand(0));
  auto perWarpPartials = [&](Value src, unsigned axis) -> int64_t {
    int64_t warps = crossWarpPartials(src, axis);
    if (warps <= 1)
      return 0;
    auto type = cast<RankedTensorType>(src.getType());
    return tileBytes(src) / type.getDimSize(axis) * warps;
  };
  if (auto reduce = dyn_cast<tile::ReduceOp>(op))
    return perWarpPartials(reduce.getSrc(), reduce.getAxis());
  if (auto scan = dyn_cast<tile::ScanOp>(op))
    return perWarpPartials(scan.getSrc(), scan.getAxis());
  return 0;
}

namespace {

struct Buffer {
  Operation *owner;
  int64_t size, start, end; // lifetime: [start, end] in program order
  int64_t offset = -1;
};

constexpr int64_t kAlignment = 16;

struct AllocateSharedMemoryPass
    : lacc::impl::TileGPUAllocateSharedMemoryBase<AllocateSharedMemoryPass> {
  using TileGPUAllocateSharedMemoryBase::TileGPUAllocateSharedMemoryBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t moduleBytes = 0;
    for (auto func : module.getOps<func::FuncOp>()) {
      FailureOr<int64_t> bytes = plan(func);
      if (failed(bytes))
        return signalPassFailure();
      func->setAttr(TileGPUDialect::kSharedBytesAttrName,
                    IntegerAttr::get(IntegerType::get(&getContext(), 32), *bytes));
      moduleBytes = std::max(moduleBytes, *bytes);
    }
    module->setAttr(TileGPUDialect::kSharedBytesAttrName,
                    IntegerAttr::get(IntegerType::get(&getContext(), 32), moduleBytes));
  }

  FailureOr<int64_t> plan(func::FuncOp func) {
    // Program order: an op's id comes before those of the ops nested in it, and lastId
    // is the largest id inside it, so a use anywhere in a loop keeps a buffer live
    // for the whole loop.
    DenseMap<Operation *, int64_t> id, lastId;
    int64_t next = 0;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) { id[op] = next++; });
    func.walk<WalkOrder::PostOrder>([&](Operation *op) {
      int64_t last = id[op];
      for (Region &region : op->getRegions())
        for (Operation &nested : region.getOps())
          last = std::max(last, lastId[&nested]);
      lastId[op] = last;
    });

    SmallVector<Buffer> buffers;
    func.walk([&](Operation *op) {
      if (auto alloc = dyn_cast<LocalAllocOp>(op)) {
        int64_t end = id[op];
        for (Operation *user : alloc->getUsers()) {
          Operation *inBlock = alloc->getBlock()->findAncestorOpInBlock(*user);
          end = std::max(end, lastId[inBlock ? inBlock : user]);
        }
        buffers.push_back({op, alloc.getType().getSizeInBytes(), id[op], end});
      } else if (int64_t bytes = getScratchSizeInBytes(op)) {
        buffers.push_back({op, bytes, id[op], id[op]});
      }
    });

    llvm::stable_sort(buffers, [](const Buffer &a, const Buffer &b) { return a.size > b.size; });
    int64_t total = 0;
    for (unsigned i = 0; i < buffers.size(); ++i) {
      Buffer &buffer = buffers[i];
      // Lowest aligned offset clear of every placed buffer that is live at the same time.
      int64_t offset = 0;
      for (bool moved = true; moved;) {
        moved = false;
        for (unsigned j = 0; j < i; ++j) {
          const Buffer &other = buffers[j];
          bool liveTogether = buffer.start <= other.end && other.start <= buffer.end;
          bool overlap = offset < other.offset + other.size && other.offset < offset + buffer.size;
          if (liveTogether && overlap) {
            offset = llvm::alignTo(other.offset + other.size, kAlignment);
            moved = true;
          }
        }
      }
      buffer.offset = offset;
      if (offset + buffer.size > limit) {
        buffer.owner->emitError("shared memory exhausted: this op needs ")
            << buffer.size << " bytes at offset " << offset << ", past the limit of " << static_cast<int64_t>(limit)
            << " bytes per CTA; use smaller tiles";
        return failure();
      }
      total = std::max(total, offset + buffer.size);
      buffer.owner->setAttr(TileGPUDialect::kSharedOffsetAttrName,
                            IntegerAttr::get(IntegerType::get(&getContext(), 32), offset));
    }
    return llvm::alignTo(total, kAlignment);
  }
};

} // namespace
