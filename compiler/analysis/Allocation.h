//===- Allocation.h - shared-memory buffers and their offsets ----*- C++ -*-===//
//
// Each kernel gets one block of dynamic shared memory. Buffers in it are of
// two kinds: explicit ones (tilegpu.local_alloc), live from their definition
// to their last use, and the scratch an op needs only while it runs (layout
// conversions through shared memory, cross-warp reductions and scans), whose
// size is what their plans (LayoutConversion.h, ReduceScan.h) say; and the
// word through which an atomic on a scalar pointer hands its result from the
// one thread that makes it to all the others. Buffers
// whose lifetimes do not overlap share bytes. The planner places the largest
// first, each at the lowest 16-byte-aligned (1024 for wgmma's operands) offset
// clear of every buffer live at the same time; tilegpu-insert-barriers then orders the accesses.
//
// tilegpu-allocate-shared-memory records the plan on the IR
// (`tilegpu.shared_offset` on each owner, `tilegpu.shared` on each kernel),
// which is what the lowering reads.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_ANALYSIS_ALLOCATION_H
#define LACC_COMPILER_ANALYSIS_ALLOCATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>

namespace lacc {

/// Bytes of scratch `op` needs while it runs; 0 when it needs none.
int64_t getScratchBytes(mlir::Operation *op);

/// An atomic through a scalar pointer (tile.atomic_rmw, tile.atomic_cas) is one update for the
/// whole program, made by thread 0. When its result is used, thread 0 writes it to scratch and
/// every thread reads it back after a barrier inside the op (the scratch is one element).
bool isProgramWideAtomic(mlir::Operation *op);
bool broadcastsAtomicResult(mlir::Operation *op);
/// A program-wide atomic with release semantics (release, acq_rel) waits at a barrier first, so
/// that every thread's earlier memory accesses come before it.
/// (tilegpu.warp_specialize always does.)
bool startsWithBarrier(mlir::Operation *op);

/// Bytes an element of `type` takes in shared memory (i1 and i8 one, pointers eight).
int64_t getSharedElementBytes(mlir::Type elementType);

/// The planned offset of the buffer or scratch `op` owns (`tilegpu.shared_offset`), or -1.
int64_t getSharedOffset(mlir::Operation *op);

/// A byte range of shared memory.
struct Interval {
  int64_t start = 0, end = 0;
  bool intersects(const Interval &o) const { return start < o.end && o.start < end; }
  bool operator==(const Interval &o) const { return start == o.start && end == o.end; }
};

/// The planned range of the buffer or scratch `op` owns, from its recorded offset and size.
std::optional<Interval> getSharedInterval(mlir::Operation *op);

class SharedMemoryAllocation {
public:
  /// Plans `func`. Over `limit` bytes, reports an error at the op that does not fit.
  static mlir::FailureOr<SharedMemoryAllocation> plan(mlir::func::FuncOp func, int64_t limit);

  /// Bytes the kernel's launch must provide (16-byte aligned).
  int64_t getTotalBytes() const { return total; }
  /// The range of the buffer or scratch owned by `op`, if it has one.
  std::optional<Interval> getInterval(mlir::Operation *op) const;

  /// Writes the plan on the IR: `tilegpu.shared_offset` on owners, `tilegpu.shared` on the
  /// function.
  void record(mlir::func::FuncOp func) const;

private:
  llvm::DenseMap<mlir::Operation *, Interval> intervals;
  int64_t total = 0;
};

} // namespace lacc

#endif // LACC_COMPILER_ANALYSIS_ALLOCATION_H
