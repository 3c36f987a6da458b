//===- Allocation.cpp - shared-memory buffers and their offsets -----------===//

#include "compiler/analysis/Allocation.h"

#include "compiler/analysis/LayoutConversion.h"
#include "compiler/analysis/ReduceScan.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

int64_t lacc::getSharedElementBytes(Type elementType) {
  if (isa<tile::PointerType>(elementType))
    return 8;
  return sharedElementBytes(elementType.getIntOrFloatBitWidth());
}

static unsigned elementBits(Type elementType) {
  return getSharedElementBytes(elementType) * 8;
}

bool lacc::isProgramWideAtomic(Operation *op) {
  if (!isa<tile::AtomicRMWOp, tile::AtomicCASOp>(op))
    return false;
  return !isa<RankedTensorType>(op->getOperand(0).getType());
}

bool lacc::broadcastsAtomicResult(Operation *op) {
  return isProgramWideAtomic(op) && !op->getResult(0).use_empty();
}

bool lacc::startsWithBarrier(Operation *op) {
  if (isa<WarpSpecializeOp>(op)) // every thread meets before the roles split
    return true;
  if (!isProgramWideAtomic(op))
    return false;
  tile::MemSemantic sem = isa<tile::AtomicRMWOp>(op) ? cast<tile::AtomicRMWOp>(op).getSem()
                                                      : cast<tile::AtomicCASOp>(op).getSem();
  return sem == tile::MemSemantic::Release || sem == tile::MemSemantic::AcqRel;
}

int64_t lacc::getScratchBytes(Operation *op) {
  if (broadcastsAtomicResult(op))
    return getSharedElementBytes(op->getResult(0).getType());
  if (auto convert = dyn_cast<ConvertLayoutOp>(op)) {
    auto src = cast<RankedTensorType>(convert.getSrc().getType());
    LayoutConversionPlan plan = planLayoutConversion(
        toLinearLayout(src), toLinearLayout(convert.getType()), elementBits(src.getElementType()));
    return plan.kind == LayoutConversionPlan::Kind::SharedMemory ? plan.scratchBytes : 0;
  }
  if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
    auto src = cast<RankedTensorType>(reduce.getSrc().getType());
    if (!getDistributedLayout(src))
      return 0;
    std::optional<ReducePlan> plan = planReduce(toLinearLayout(src), reduce.getAxis());
    return plan ? plan->scratchElements * getSharedElementBytes(src.getElementType()) : 0;
  }
  if (auto scan = dyn_cast<tile::ScanOp>(op)) {
    auto src = cast<RankedTensorType>(scan.getSrc().getType());
    if (!getDistributedLayout(src))
      return 0;
    std::optional<ScanPlan> plan = planScan(toLinearLayout(src), scan.getAxis());
    return plan ? plan->scratchElements * getSharedElementBytes(src.getElementType()) : 0;
  }
  return 0;
}

int64_t lacc::getSharedOffset(Operation *op) {
  auto attr = op->getAttrOfType<IntegerAttr>(TileGPUDialect::kSharedOffsetAttrName);
  return attr ? attr.getInt() : -1;
}

/// Bytes of the buffer or scratch `op` owns.
static int64_t getOwnedBytes(Operation *op) {
  if (auto alloc = dyn_cast<LocalAllocOp>(op))
    return alloc.getType().getSizeInBytes();
  return getScratchBytes(op);
}

std::optional<Interval> lacc::getSharedInterval(Operation *op) {
  int64_t offset = getSharedOffset(op);
  if (offset < 0)
    return std::nullopt;
  return Interval{offset, offset + getOwnedBytes(op)};
}

namespace {
constexpr int64_t kAlignment = 16;
struct Buffer {
  Operation *owner;
  int64_t size, start, end; // lifetime: [start, end] in program order
  int64_t alignment = kAlignment;
  int64_t offset = -1;
};
/// wgmma's and the TMA's swizzles repeat every 1024 bytes and are functions of the address:
/// the pattern must start on such a boundary (wgmma's matrix base offset stays 0).
constexpr int64_t kSwizzledAlignment = 1024;
} // namespace

FailureOr<SharedMemoryAllocation> SharedMemoryAllocation::plan(func::FuncOp func, int64_t limit) {
  // Program order: an op's id comes before those of the ops nested in it, and lastId is the
  // largest id inside it, so a use anywhere in a loop keeps a buffer live for the whole loop.
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
      // A view (subview, slice, transpose) reads the buffer wherever the view is used.
      int64_t end = id[op], alignment = kAlignment;
      SmallVector<Value> views = {alloc.getResult()};
      while (!views.empty()) {
        Value view = views.pop_back_val();
        for (Operation *user : view.getUsers()) {
          Operation *inBlock = alloc->getBlock()->findAncestorOpInBlock(*user);
          end = std::max(end, lastId[inBlock ? inBlock : user]);
          if (isa<MemDescSubviewOp, MemDescSliceOp, MemDescTransOp>(user))
            views.push_back(user->getResult(0));
          // wgmma's operands and TMA destinations and sources: swizzles are functions of
          // the address. (A TMA store's tma_store_wait is a use: the buffer stays live until
          // the TMA has read it.)
          auto tma = dyn_cast<AsyncTMACopyGlobalToLocalOp>(user);
          if (isa<WarpGroupDotOp, AsyncTMACopyLocalToGlobalOp>(user) ||
              (tma && tma.getDst() == view))
            alignment = kSwizzledAlignment;
        }
      }
      buffers.push_back({op, alloc.getType().getSizeInBytes(), id[op], end, alignment});
    } else if (int64_t bytes = getScratchBytes(op)) {
      buffers.push_back({op, bytes, id[op], id[op]});
    }
  });

  llvm::stable_sort(buffers, [](const Buffer &a, const Buffer &b) { return a.size > b.size; });
  SharedMemoryAllocation result;
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
          offset = llvm::alignTo(other.offset + other.size, buffer.alignment);
          moved = true;
        }
      }
    }
    buffer.offset = offset;
    if (offset + buffer.size > limit) {
      const char *what = isa<ConvertLayoutOp>(buffer.owner)
                             ? "moving a tile between threads here needs "
                             : "this op needs ";
      buffer.owner->emitError("shared memory exhausted: ")
          << what << buffer.size << " bytes at offset " << offset << ", past the limit of "
          << limit << " bytes per CTA; use smaller tiles";
      return failure();
    }
    result.total = std::max(result.total, offset + buffer.size);
    result.intervals[buffer.owner] = Interval{offset, offset + buffer.size};
  }
  result.total = llvm::alignTo(result.total, kAlignment);
  return result;
}

std::optional<Interval> SharedMemoryAllocation::getInterval(Operation *op) const {
  auto it = intervals.find(op);
  if (it == intervals.end())
    return std::nullopt;
  return it->second;
}

void SharedMemoryAllocation::record(func::FuncOp func) const {
  Builder b(func.getContext());
  for (auto [op, interval] : intervals)
    op->setAttr(TileGPUDialect::kSharedOffsetAttrName, b.getI32IntegerAttr(interval.start));
  func->setAttr(TileGPUDialect::kSharedBytesAttrName, b.getI32IntegerAttr(total));
}
