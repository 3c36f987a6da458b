//===- LayoutConversion.h - how a tile moves between two layouts -*- C++ -*-===//
//
// tilegpu.convert_layout keeps the values of a tile and changes which thread
// holds them. Comparing the two LinearLayouts decides how, cheapest first:
//   - no-op:                the same element in the same register everywhere;
//   - register permutation: every thread already holds what it needs;
//   - warp shuffles:        each warp holds what it needs, spread over its lanes;
//   - shared memory:        a scratch buffer, written in the source layout and read in the
//                           destination layout, with the swizzle that minimises bank conflicts
//                           (found by counting them, see countWavefronts).
// The plan is computed here once and used both by the shared-memory planner (scratch size)
// and by the lowering, so the two cannot disagree.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_ANALYSIS_LAYOUTCONVERSION_H
#define LACC_COMPILER_ANALYSIS_LAYOUTCONVERSION_H

#include "dialects/tilegpu/LinearLayout.h"

#include <optional>

namespace lacc {

/// element -> offset of a shared-memory layout (the inverse of its offset -> element map), or
/// of a view of part of a buffer: an affine map over GF(2), offset = constant XOR linear(e).
class SharedOffsetMap {
public:
  explicit SharedOffsetMap(const tilegpu::LinearLayout &shared);
  /// Elements of a view of `viewShape` at `offsets` (multiples of the view's extents) into a
  /// buffer laid out by `buffer`.
  SharedOffsetMap(const tilegpu::LinearLayout &buffer, llvm::ArrayRef<int64_t> viewShape,
                  llvm::ArrayRef<int64_t> offsets);
  uint64_t operator()(uint64_t element) const { return constant ^ linear(element); }
  uint64_t linear(uint64_t element) const;
  uint64_t getConstant() const { return constant; }

private:
  llvm::SmallVector<uint64_t> perElementBit;
  uint64_t constant = 0;
};

/// Widest access, in elements (a power of two, at most maxVec), with which each thread moves
/// its registers of `layout` to or from `shared`: consecutive registers at consecutive,
/// aligned offsets.
unsigned getSharedVectorWidth(const tilegpu::LinearLayout &layout, const SharedOffsetMap &shared,
                              unsigned maxVec);

/// Shared-memory traffic of one warp moving its registers of `layout` to or from `shared`
/// in accesses of `vec` elements: the wavefronts the banks serve, counted access by access
/// (32 banks of 4 bytes; 8- and 16-byte accesses in half- and quarter-warp phases; lanes
/// touching the same word are served together), against the ideal for the bytes moved.
struct BankCost {
  int64_t wavefronts = 0;
  int64_t ideal = 0;
  int64_t accesses = 0; ///< instructions per thread
  bool conflictFree() const { return wavefronts == ideal; }
};
BankCost countWavefronts(const tilegpu::LinearLayout &layout, const SharedOffsetMap &shared,
                         unsigned vec, unsigned elementBytes, bool skipRedundantRegisters);

/// A transfer inside each warp: for destination register r, every lane reads from lane
/// sourceLane(r) = laneConst[r] ^ laneMap(lane), where the sender supplies its register
/// regConst[r] ^ senderRegMap(its lane).
struct WarpShufflePlan {
  llvm::SmallVector<uint64_t> laneConst, regConst; ///< per destination register
  llvm::SmallVector<uint64_t> laneMap;             ///< per lane bit: reader -> sender lane
  llvm::SmallVector<uint64_t> senderRegMap;        ///< per lane bit: sender lane -> register
};

struct LayoutConversionPlan {
  enum class Kind { NoOp, RegisterPermutation, WarpShuffle, SharedMemory };
  Kind kind = Kind::NoOp;
  /// RegisterPermutation: the source register of each destination register.
  llvm::SmallVector<unsigned> registers;
  WarpShufflePlan shuffle;
  /// SharedMemory: the scratch layout (offset -> element), access widths and their cost.
  tilegpu::LinearLayout shared;
  unsigned storeVec = 1, loadVec = 1;
  BankCost storeCost, loadCost;
  int64_t scratchBytes = 0;
};

/// Bytes an element of `bits` bits takes in shared memory (i1 takes a byte).
inline unsigned sharedElementBytes(unsigned bits) { return bits < 8 ? 1 : bits / 8; }

/// For each register of `to`, the register of `from` holding the same element in the same
/// thread, when every thread holds all it needs.
std::optional<llvm::SmallVector<unsigned>> findRegisterPermutation(const tilegpu::LinearLayout &from,
                                                                   const tilegpu::LinearLayout &to);

LayoutConversionPlan planLayoutConversion(const tilegpu::LinearLayout &src,
                                          const tilegpu::LinearLayout &dst, unsigned elementBits);

/// The best swizzled shared layout for writing a tile in `src` and reading it in `dst`
/// (fewest wavefronts for both, then widest accesses), with its access widths and costs.
LayoutConversionPlan planSharedTransfer(const tilegpu::LinearLayout &src,
                                        const tilegpu::LinearLayout &dst, unsigned elementBits);

} // namespace lacc

#endif // LACC_COMPILER_ANALYSIS_LAYOUTCONVERSION_H
