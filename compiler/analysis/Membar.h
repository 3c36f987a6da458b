//===- Membar.h - where shared-memory accesses need barriers -----*- C++ -*-===//
//
// Threads of a CTA meet only at barriers: a shared-memory write must be
// separated by a barrier from every earlier read or write of the same bytes,
// and a read from every earlier write. This analysis (after Triton's Membar)
// walks a kernel in program order with the accesses made since the last
// barrier, over the allocation recorded on the IR, and says before which ops
// a barrier is needed. Loops are walked to a fixed point, so a buffer read at
// the end of one iteration and written at the start of the next is caught;
// both arms of an scf.if are walked and their accesses joined.
//
// Ops that write their scratch and then read it (layout conversions through
// shared memory, cross-warp reductions and scans, atomics that broadcast a
// scalar result) have their own barrier between the two: after them only
// their reads are outstanding. tile.barrier (debug_barrier()) and an atomic
// that starts with a barrier (a scalar one with release semantics) order
// everything before them.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_ANALYSIS_MEMBAR_H
#define LACC_COMPILER_ANALYSIS_MEMBAR_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/SmallVector.h"

namespace lacc {

/// The ops of `func` before which a barrier is needed, in program order.
llvm::SmallVector<mlir::Operation *> findBarrierPoints(mlir::func::FuncOp func);

} // namespace lacc

#endif // LACC_COMPILER_ANALYSIS_MEMBAR_H
