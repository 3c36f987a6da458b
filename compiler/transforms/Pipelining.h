//===- Pipelining.h - pieces the loop pipeliners share ----------*- C++ -*-===//
//
// The software pipeliner (SoftwarePipeline.cpp) and warp specialization
// (WarpSpecialize.cpp) both turn a loop's staged loads into copies into rings
// of buffers read by wgmma dots left in flight; these are their common parts.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_TRANSFORMS_PIPELINING_H
#define LACC_COMPILER_TRANSFORMS_PIPELINING_H

#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SetVector.h"

namespace lacc {

/// The ops of `loop`'s body that `roots` depend on, closed over the loop-carried values they
/// use (an iter_arg brings in the computation of what the loop yields for it; its index goes
/// into `carried`), in program order.
llvm::SmallVector<mlir::Operation *> addressSlice(mlir::scf::ForOp loop,
                                                  llvm::ArrayRef<mlir::Value> roots,
                                                  llvm::SetVector<unsigned> &carried);

/// Whether `dot` only accumulates across the loop's iterations (its accumulator is an
/// iter_arg, its result yielded straight back to it) and reads only buffers in `staged` or made
/// before the loop and not written in it: its MMAs may then stay in flight into the next
/// iteration.
bool isAsyncCandidate(mlir::scf::ForOp loop, tilegpu::WarpGroupDotOp dot,
                      llvm::ArrayRef<mlir::Operation *> staged);

/// A ring of `slots` buffers of `slot`'s type: [slots, ...], the slot dimension slowest.
tilegpu::MemDescType ringType(tilegpu::MemDescType slot, int64_t slots);

/// Leaves `dots` (async candidates of `loop`) in flight: each becomes async, followed by a
/// warp_group_dot_wait {pendings = 1} (the previous iteration's have completed), and one
/// {pendings = 0} after the loop waits for the last. Returns the in-loop waits.
llvm::SmallVector<tilegpu::WarpGroupDotWaitOp>
leaveInFlight(mlir::RewriterBase &rewriter, mlir::scf::ForOp loop,
              llvm::ArrayRef<tilegpu::WarpGroupDotOp> dots);

} // namespace lacc

#endif // LACC_COMPILER_TRANSFORMS_PIPELINING_H
