//===- AxisInfo.h - contiguity, divisibility, constancy ---------*- C++ -*-===//
//
// What is known, per dimension, about the integer or pointer values of a tile:
//   contiguity[d]:   runs of this many elements along d are consecutive (x, x+1, ...),
//   divisibility[d]: the first element of every such run is a multiple of this
//                    (in elements for integers, in bytes for pointers),
//   constancy[d]:    runs of this many elements along d are equal.
// This is what decides how wide a load or store can be. The analysis follows
// Triton's AxisInfo; kernel arguments carry `tile.divisibility` (the
// runtime's specialization on multiples of 16).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_TRANSFORMS_AXISINFO_H
#define LACC_COMPILER_TRANSFORMS_AXISINFO_H

#include "mlir/IR/BuiltinOps.h"
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
};

/// Axis info of every integer, pointer and i1 value in a module, computed once.
class AxisInfoAnalysis {
public:
  explicit AxisInfoAnalysis(mlir::ModuleOp module);
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

/// The name of the kernel-argument attribute that promises divisibility (in bytes for
/// pointers, as a value for integers).
inline constexpr llvm::StringLiteral kDivisibilityAttrName = "tile.divisibility";

} // namespace lacc

#endif // LACC_COMPILER_TRANSFORMS_AXISINFO_H
