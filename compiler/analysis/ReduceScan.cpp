//===- ReduceScan.cpp - how reductions and scans walk a layout ------------===//

#include "compiler/analysis/ReduceScan.h"

#include "llvm/Support/MathExtras.h"

using namespace lacc;
using namespace lacc::tilegpu;
using llvm::SmallVector;

namespace {
uint64_t axisMask(const LinearLayout &layout, unsigned axis) {
  return (uint64_t(layout.getShape()[axis]) - 1) << layout.getDimShift(axis);
}
bool isAlongAxisOnly(uint64_t basis, uint64_t mask) { return basis && (basis & ~mask) == 0; }
} // namespace

bool lacc::isSeparableAlong(const LinearLayout &layout, unsigned axis) {
  uint64_t mask = axisMask(layout, axis);
  for (unsigned in = 0; in < layout.getNumInDims(); ++in)
    for (uint64_t b : layout.getBases(in))
      if ((b & mask) && (b & ~mask))
        return false;
  return true;
}

std::optional<ReducePlan> lacc::planReduce(const LinearLayout &src, unsigned axis) {
  if (!isSeparableAlong(src, axis))
    return std::nullopt;
  uint64_t mask = axisMask(src, axis);
  SmallVector<uint64_t> redundant = src.getRedundantMasks();
  ReducePlan plan;
  for (auto [bit, b] : llvm::enumerate(src.getBases(LinearLayout::Lane)))
    if (!(redundant[LinearLayout::Lane] & (uint64_t(1) << bit)) && isAlongAxisOnly(b, mask))
      plan.laneBits.push_back(bit);
  for (auto [bit, b] : llvm::enumerate(src.getBases(LinearLayout::Warp)))
    if (!(redundant[LinearLayout::Warp] & (uint64_t(1) << bit)) && isAlongAxisOnly(b, mask))
      plan.warpBits.push_back(bit);
  plan.result = src.sliceOut(axis, /*dropZeroRegisters=*/true);
  if (!plan.warpBits.empty())
    plan.scratchElements = (int64_t(1) << plan.warpBits.size()) * plan.result.getNumElements();
  return plan;
}

std::optional<ScanPlan> lacc::planScan(const LinearLayout &layout, unsigned axis) {
  if (!isSeparableAlong(layout, axis))
    return std::nullopt;
  // Which input bit gives each bit of the axis coordinate.
  unsigned shift = layout.getDimShift(axis), bits = layout.getDimBits(axis);
  uint64_t mask = axisMask(layout, axis);
  SmallVector<std::pair<int, int>> source(bits, {-1, -1}); // (input dim, bit)
  for (unsigned in = 0; in < layout.getNumInDims(); ++in)
    for (auto [bit, b] : llvm::enumerate(layout.getBases(in))) {
      if (!(b & mask))
        continue;
      if (!llvm::isPowerOf2_64(b))
        return std::nullopt;
      unsigned k = llvm::Log2_64(b) - shift;
      if (source[k].first >= 0)
        return std::nullopt; // two inputs walk the same bit: not a plain distribution
      source[k] = {int(in), int(bit)};
    }
  ScanPlan plan;
  unsigned k = 0;
  auto run = [&](unsigned in, unsigned &start, unsigned &count) {
    if (k < bits && source[k].first == int(in)) {
      start = source[k].second;
      unsigned n = 0;
      while (k < bits && source[k].first == int(in) && source[k].second == int(start + n))
        ++n, ++k;
      count = 1u << n;
    }
  };
  while (k < bits && source[k].first == int(LinearLayout::Register))
    ++k, ++plan.chunkBits;
  run(LinearLayout::Lane, plan.laneShift, plan.laneCount);
  run(LinearLayout::Warp, plan.warpShift, plan.warpCount);
  for (; k < bits; ++k)
    if (source[k].first != int(LinearLayout::Register))
      return std::nullopt; // lanes or warps interleaved with repetitions
  if (plan.warpCount > 1)
    plan.scratchElements = plan.warpCount * (layout.getNumElements() >> bits);
  return plan;
}
