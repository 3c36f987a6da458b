//===- ReduceScan.h - how reductions and scans walk a layout -----*- C++ -*-===//
//
// A reduction or scan along an axis works in three steps, each only where the
// layout spreads the axis that far: within a thread (its registers), across
// the lanes of a warp (shuffles), across warps (per-warp partials meet in
// shared memory). Which register, lane and warp bits walk the axis is read off
// the source's LinearLayout; the plans below are shared by the shared-memory
// planner (scratch size) and the lowering (scratch layout), so they agree.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_ANALYSIS_REDUCESCAN_H
#define LACC_COMPILER_ANALYSIS_REDUCESCAN_H

#include "dialects/tilegpu/LinearLayout.h"

#include <optional>

namespace lacc {

/// Whether every basis of `layout` either moves only along `axis` or does not move along it:
/// then elements that differ only along the axis can be combined bit by bit.
bool isSeparableAlong(const tilegpu::LinearLayout &layout, unsigned axis);

struct ReducePlan {
  /// Lane bits (xor masks of a butterfly) and warp bits that walk the axis.
  llvm::SmallVector<unsigned> laneBits, warpBits;
  /// The layout of the result: the source with the axis removed.
  tilegpu::LinearLayout result;
  /// Scratch: one partial per (warp position along the axis, result element).
  int64_t scratchElements = 0;
};
std::optional<ReducePlan> planReduce(const tilegpu::LinearLayout &src, unsigned axis);

struct ScanPlan {
  /// The axis coordinate of a thread's element is, from its lowest bit: `chunkBits` register
  /// bits, `laneCount` lanes (lane bits from laneShift), `warpCount` warps (warp bits from
  /// warpShift), then register bits again (repetitions of that pattern).
  unsigned chunkBits = 0;
  unsigned laneShift = 0, laneCount = 1;
  unsigned warpShift = 0, warpCount = 1;
  /// Scratch: one chunk total per (warp along the axis, element of the other dimensions).
  int64_t scratchElements = 0;
};
std::optional<ScanPlan> planScan(const tilegpu::LinearLayout &layout, unsigned axis);

} // namespace lacc

#endif // LACC_COMPILER_ANALYSIS_REDUCESCAN_H
