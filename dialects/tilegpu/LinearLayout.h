//===- LinearLayout.h - layouts as linear maps over GF(2) -------*- C++ -*-===//
//
// Every layout in tilegpu is one of these: a map from hardware coordinates
// (a thread's register, lane and warp; or a shared-memory offset) to the
// element of a tile they hold, written as a linear map over GF(2):
//
//     element(x) = XOR of basis[in][i] over every set bit i of every input x[in]
//
// Tiles have power-of-two shapes, so an element is a row-major flat index
// whose bits are the concatenated bits of its coordinates (the last
// dimension lowest), and a basis is such a flat index. Blocked, sliced,
// dot-operand and mma layouts are all this shape, and so are XOR-swizzled
// shared-memory layouts: the helpers of the lowering are written once
// against it. Triton's LinearLayout is the model; this one keeps only what
// lacc needs, with bases packed into 64-bit words.
//
// A zero basis means the input bit does not change the element: the
// threads (or registers) that differ in it hold replicas.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_DIALECTS_TILEGPU_LINEARLAYOUT_H
#define LACC_DIALECTS_TILEGPU_LINEARLAYOUT_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace llvm {
class raw_ostream;
}

namespace lacc::tilegpu {

class LinearLayout {
public:
  /// The inputs of a distributed layout; a shared-memory layout has one input, Offset (= 0).
  enum InDim : unsigned { Register = 0, Lane = 1, Warp = 2, Offset = 0 };
  static constexpr unsigned kNumDistributedInDims = 3;

  LinearLayout() = default;
  /// `bases[in]` lists the basis of each bit of input `in`; `shape` is the tile's (powers of two).
  LinearLayout(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<llvm::SmallVector<uint64_t>> bases);

  /// The identity of a tile of `shape` laid out in one input (register or offset) in row-major
  /// order: element i is at position i.
  static LinearLayout identity(llvm::ArrayRef<int64_t> shape, unsigned numInDims,
                               unsigned inDim);
  /// A shared-memory layout (offset -> element): row-major along `order` (order[0] fastest)
  /// with the XOR swizzle of Triton's shared encoding, in which the vec-element column group
  /// is XORed with (row / perPhase) % maxPhase. A linear map: the phase bits are a slice of
  /// the row's bits. With `chunk` (< the extent of order[0]; 0: none) the rows are cut into
  /// column blocks of `chunk` elements stored one after another, each swizzled on its own:
  /// the canonical layouts of Hopper's wgmma (rows of exactly the swizzle width).
  static LinearLayout swizzledShared(llvm::ArrayRef<int64_t> shape,
                                     llvm::ArrayRef<unsigned> order, unsigned vec,
                                     unsigned perPhase, unsigned maxPhase, unsigned chunk = 0);

  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  unsigned getRank() const { return shape.size(); }
  unsigned getNumInDims() const { return bases.size(); }
  llvm::ArrayRef<uint64_t> getBases(unsigned in) const { return bases[in]; }
  unsigned getNumBits(unsigned in) const { return bases[in].size(); }
  /// 2^bits: number of registers / lanes / warps / offsets the layout distinguishes.
  int64_t getInSize(unsigned in) const { return int64_t(1) << bases[in].size(); }
  int64_t getNumElements() const;
  unsigned getNumOutBits() const;

  /// The element at `inputs` (one value per input dimension).
  uint64_t apply(llvm::ArrayRef<uint64_t> inputs) const;
  /// The element input `in` alone contributes at value `x` (the others zero).
  uint64_t applyOne(unsigned in, uint64_t x) const;

  /// Coordinates of a flat element index, and back.
  llvm::SmallVector<int64_t> unflatten(uint64_t flat) const;
  uint64_t flatten(llvm::ArrayRef<int64_t> coords) const;
  /// Bit position and width of dimension `dim` inside a flat index.
  unsigned getDimShift(unsigned dim) const;
  unsigned getDimBits(unsigned dim) const;
  int64_t getDimField(uint64_t flat, unsigned dim) const;

  /// Input bits whose basis lies in the span of the bases before them (registers first, then
  /// lanes, then warps): the element they select is already held with that bit clear. One
  /// mask per input dimension. A tile element has exactly one holder with all of them clear.
  llvm::SmallVector<uint64_t> getRedundantMasks() const;
  /// Whether no two inputs map to the same element.
  bool isInjective() const;
  /// Whether every element is held (the bases span the whole tile).
  bool isSurjective() const;

  /// The same layout with the bases of input `in` replaced.
  LinearLayout withBases(unsigned in, llvm::ArrayRef<uint64_t> newBases) const;
  /// The layout with output dimension `dim` removed (its component of every basis dropped),
  /// optionally dropping register bits that then become zero (duplicate registers).
  LinearLayout sliceOut(unsigned dim, bool dropZeroRegisters) const;
  /// The layout with a new size-1 output dimension at `dim`.
  LinearLayout insertDim(unsigned dim) const;
  /// The layout of the transposed tile: result dimension i is dimension order[i].
  LinearLayout transposeOuts(llvm::ArrayRef<int32_t> order) const;
  /// The same element map seen through another shape with the same number of elements
  /// (a reshape: row-major flat indices do not change).
  LinearLayout reshapeOuts(llvm::ArrayRef<int64_t> newShape) const;
  /// Coordinates along dimensions where `keep` is false are cleared from every basis.
  LinearLayout maskDims(llvm::ArrayRef<bool> keep) const;

  /// For a bijective single-input layout (shared memory), the inverse map: element -> input,
  /// as one basis per element bit. Empty when not invertible.
  std::optional<llvm::SmallVector<uint64_t>> invert() const;

  /// Number of leading register bits that step dimension `dim` by 1, 2, 4, ... with no other
  /// dimension moving: 2^that consecutive registers hold consecutive elements along `dim`.
  unsigned getContiguousRegisterBits(unsigned dim) const;

  bool operator==(const LinearLayout &other) const {
    return shape == other.shape && bases == other.bases;
  }
  bool operator!=(const LinearLayout &other) const { return !(*this == other); }

  std::string toString() const;

private:
  llvm::SmallVector<int64_t, 4> shape;
  llvm::SmallVector<llvm::SmallVector<uint64_t>, 3> bases;
};

/// Linear algebra over GF(2) on bit vectors.
namespace gf2 {
/// Reduces `v` by a basis in echelon form (each vector with a distinct leading bit).
uint64_t reduce(uint64_t v, llvm::ArrayRef<uint64_t> echelon);
/// Adds `v` to an echelon basis; false when it was already in the span.
bool insert(uint64_t v, llvm::SmallVectorImpl<uint64_t> &echelon);
} // namespace gf2

llvm::raw_ostream &operator<<(llvm::raw_ostream &os, const LinearLayout &layout);

} // namespace lacc::tilegpu

#endif // LACC_DIALECTS_TILEGPU_LINEARLAYOUT_H
