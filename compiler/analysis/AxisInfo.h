//===- AxisInfo.h - contiguity, divisibility, constancy ---------*- C++ -*-===//
//
// What is known, per dimension, about the integer or pointer values of a tile:
//   contiguity[d]:   runs of this many elements along d are consecutive (x, x+1, ...),
//   divisibility[d]: the first element of every such run is a multiple of this
//                    (in elements for integers, in bytes for pointers),
//   constancy[d]:    runs of this many elements along d are equal.
// This is what decides how wide a load or store can be. The analysis follows
// Triton's AxisInfo: a sparse forward dataflow fixed point (MLIR's dataflow
// framework), so values carried around scf.for / scf.while loops (pointers
// advanced by `p += BLOCK * stride`) keep what holds on entry and after every
// iteration. Kernel arguments carry `tile.divisibility` (the runtime's and
// --signature's specialization on multiples of 16).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_ANALYSIS_AXISINFO_H
#define LACC_COMPILER_ANALYSIS_AXISINFO_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace lacc {

struct AxisInfo {
  llvm::SmallVector<int64_t> contiguity, divisibility, constancy;
  std::optional<int64_t> constant; ///< the value, when every element is the same known integer

  /// Nothing known about a value of `rank` dimensions (rank 1 for scalars).
  static AxisInfo unknown(unsigned rank);
  unsigned getRank() const { return contiguity.size(); }
  /// The dataflow lattice's bottom: no value has reached it yet (rank 0).
  bool isUninitialized() const { return contiguity.empty(); }

  /// What holds for both: gcd per dimension (the lattice's join).
  static AxisInfo join(const AxisInfo &a, const AxisInfo &b);
  bool operator==(const AxisInfo &other) const {
    return contiguity == other.contiguity && divisibility == other.divisibility &&
           constancy == other.constancy && constant == other.constant;
  }
  void print(llvm::raw_ostream &os) const;
};

/// Axis info of every integer, pointer and i1 value under an op, computed once.
class AxisInfoAnalysis {
public:
  explicit AxisInfoAnalysis(mlir::Operation *root);
  /// The info of `value`; unknown() for values the analysis did not reach.
  AxisInfo get(mlir::Value value) const;

  /// Widest number of consecutive elements along the fastest dimension `dim` that one access
  /// to `ptr` can move at once: limited by contiguity, by pointer alignment, by the
  /// constancy of `mask` (null for none) and by 16 bytes.
  int64_t getVectorWidth(mlir::Value ptr, mlir::Value mask, unsigned dim,
                         unsigned elementBits) const;

private:
  llvm::DenseMap<mlir::Value, AxisInfo> infos;
};

/// The kernel-argument attribute that promises divisibility (in bytes for pointers, as a
/// value for integers).
inline constexpr llvm::StringLiteral kDivisibilityAttrName = "tile.divisibility";

} // namespace lacc

#endif // LACC_COMPILER_ANALYSIS_AXISINFO_H
