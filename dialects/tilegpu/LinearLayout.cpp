//===- LinearLayout.cpp - layouts as linear maps over GF(2) ---------------===//

#include "dialects/tilegpu/LinearLayout.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>

using namespace lacc::tilegpu;
using llvm::ArrayRef;
using llvm::SmallVector;

uint64_t lacc::tilegpu::gf2::reduce(uint64_t v, ArrayRef<uint64_t> echelon) {
  for (uint64_t e : echelon)
    if (v & (uint64_t(1) << llvm::Log2_64(e)))
      v ^= e;
  return v;
}

bool lacc::tilegpu::gf2::insert(uint64_t v, llvm::SmallVectorImpl<uint64_t> &echelon) {
  v = reduce(v, echelon);
  if (!v)
    return false;
  // Keep the basis fully reduced in the new vector's leading bit, so that reduce() can test one
  // bit per vector in any order.
  unsigned lead = llvm::Log2_64(v);
  for (uint64_t &e : echelon)
    if (e & (uint64_t(1) << lead))
      e ^= v;
  echelon.push_back(v);
  return true;
}

LinearLayout::LinearLayout(ArrayRef<int64_t> shape, ArrayRef<SmallVector<uint64_t>> bases)
    : shape(shape.begin(), shape.end()), bases(bases.begin(), bases.end()) {
  assert(llvm::all_of(shape, [](int64_t s) { return llvm::isPowerOf2_64(s); }) &&
         "tile shapes are powers of two");
  assert(getNumOutBits() < 64 && "tile too large for a 64-bit flat index");
#ifndef NDEBUG
  for (const auto &in : this->bases)
    for (uint64_t b : in)
      assert(b < (uint64_t(1) << getNumOutBits()) && "basis outside the tile");
#endif
}

LinearLayout LinearLayout::identity(ArrayRef<int64_t> shape, unsigned numInDims, unsigned inDim) {
  SmallVector<SmallVector<uint64_t>> bases(numInDims);
  unsigned bits = 0;
  for (int64_t s : shape)
    bits += llvm::Log2_64(s);
  for (unsigned i = 0; i < bits; ++i)
    bases[inDim].push_back(uint64_t(1) << i);
  return LinearLayout(shape, bases);
}

LinearLayout LinearLayout::swizzledShared(ArrayRef<int64_t> shape, ArrayRef<unsigned> order,
                                          unsigned vec, unsigned perPhase, unsigned maxPhase,
                                          unsigned chunk) {
  LinearLayout result(shape, {SmallVector<uint64_t>()});
  bool swizzled = maxPhase > 1 && order.size() >= 2;
  int64_t columns = shape[order[0]];
  // Offset bits, lowest first: the columns of one block, the rows (carrying the swizzle),
  // the blocks, then the slower dimensions.
  int64_t block = order.size() >= 2 && chunk && chunk < columns ? chunk : columns;
  auto addBits = [&](unsigned d, int64_t from, int64_t to) {
    for (int64_t c = from; c < to; c *= 2) {
      SmallVector<int64_t> coords(shape.size(), 0);
      coords[d] = c;
      if (swizzled && d == order[1])
        coords[order[0]] = ((c / perPhase) % maxPhase) * vec % block;
      result.bases[0].push_back(result.flatten(coords));
    }
  };
  addBits(order[0], 1, block);
  for (unsigned d : ArrayRef<unsigned>(order).drop_front()) {
    addBits(d, 1, shape[d]);
    if (d == order[1])
      addBits(order[0], block, columns);
  }
  return result;
}

int64_t LinearLayout::getNumElements() const {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  return n;
}

unsigned LinearLayout::getNumOutBits() const {
  unsigned bits = 0;
  for (int64_t s : shape)
    bits += llvm::Log2_64(s);
  return bits;
}

uint64_t LinearLayout::applyOne(unsigned in, uint64_t x) const {
  uint64_t out = 0;
  for (auto [i, b] : llvm::enumerate(bases[in]))
    if (x & (uint64_t(1) << i))
      out ^= b;
  return out;
}

uint64_t LinearLayout::apply(ArrayRef<uint64_t> inputs) const {
  uint64_t out = 0;
  for (auto [in, x] : llvm::enumerate(inputs))
    out ^= applyOne(in, x);
  return out;
}

unsigned LinearLayout::getDimShift(unsigned dim) const {
  unsigned shift = 0;
  for (unsigned d = dim + 1; d < shape.size(); ++d)
    shift += llvm::Log2_64(shape[d]);
  return shift;
}

unsigned LinearLayout::getDimBits(unsigned dim) const { return llvm::Log2_64(shape[dim]); }

int64_t LinearLayout::getDimField(uint64_t flat, unsigned dim) const {
  return (flat >> getDimShift(dim)) & (uint64_t(shape[dim]) - 1);
}

SmallVector<int64_t> LinearLayout::unflatten(uint64_t flat) const {
  SmallVector<int64_t> coords;
  for (unsigned d = 0; d < shape.size(); ++d)
    coords.push_back(getDimField(flat, d));
  return coords;
}

uint64_t LinearLayout::flatten(ArrayRef<int64_t> coords) const {
  uint64_t flat = 0;
  for (unsigned d = 0; d < shape.size(); ++d)
    flat |= uint64_t(coords[d] & (shape[d] - 1)) << getDimShift(d);
  return flat;
}

SmallVector<uint64_t> LinearLayout::getRedundantMasks() const {
  SmallVector<uint64_t> echelon, masks;
  for (const auto &in : bases) {
    uint64_t mask = 0;
    for (auto [i, b] : llvm::enumerate(in))
      if (!gf2::insert(b, echelon))
        mask |= uint64_t(1) << i;
    masks.push_back(mask);
  }
  return masks;
}

bool LinearLayout::isInjective() const {
  return llvm::all_of(getRedundantMasks(), [](uint64_t m) { return m == 0; });
}

bool LinearLayout::isSurjective() const {
  SmallVector<uint64_t> echelon;
  for (const auto &in : bases)
    for (uint64_t b : in)
      gf2::insert(b, echelon);
  return echelon.size() == getNumOutBits();
}

LinearLayout LinearLayout::withBases(unsigned in, ArrayRef<uint64_t> newBases) const {
  LinearLayout result = *this;
  result.bases[in].assign(newBases.begin(), newBases.end());
  return result;
}

LinearLayout LinearLayout::sliceOut(unsigned dim, bool dropZeroRegisters) const {
  unsigned shift = getDimShift(dim), bits = getDimBits(dim);
  uint64_t low = (uint64_t(1) << shift) - 1;
  SmallVector<int64_t> newShape(shape.begin(), shape.end());
  newShape.erase(newShape.begin() + dim);
  SmallVector<SmallVector<uint64_t>> newBases;
  for (auto [in, list] : llvm::enumerate(bases)) {
    SmallVector<uint64_t> out;
    for (uint64_t b : list) {
      uint64_t v = (b & low) | ((b >> (shift + bits)) << shift);
      if (!(dropZeroRegisters && in == Register && v == 0))
        out.push_back(v);
    }
    newBases.push_back(std::move(out));
  }
  return LinearLayout(newShape, newBases);
}

LinearLayout LinearLayout::insertDim(unsigned dim) const {
  // A size-1 dimension has no bits: flat indices do not change.
  LinearLayout result = *this;
  result.shape.insert(result.shape.begin() + dim, 1);
  return result;
}

LinearLayout LinearLayout::transposeOuts(ArrayRef<int32_t> order) const {
  SmallVector<int64_t> newShape;
  for (int32_t d : order)
    newShape.push_back(shape[d]);
  LinearLayout result(newShape, {});
  for (const auto &list : bases) {
    SmallVector<uint64_t> out;
    for (uint64_t b : list) {
      SmallVector<int64_t> coords = unflatten(b), permuted;
      for (int32_t d : order)
        permuted.push_back(coords[d]);
      out.push_back(result.flatten(permuted));
    }
    result.bases.push_back(std::move(out));
  }
  return result;
}

LinearLayout LinearLayout::reshapeOuts(ArrayRef<int64_t> newShape) const {
  LinearLayout result = *this;
  result.shape.assign(newShape.begin(), newShape.end());
  assert(result.getNumElements() == getNumElements() && "reshape keeps the element count");
  return result;
}

LinearLayout LinearLayout::maskDims(ArrayRef<bool> keep) const {
  uint64_t mask = 0;
  for (unsigned d = 0; d < shape.size(); ++d)
    if (keep[d])
      mask |= (uint64_t(shape[d]) - 1) << getDimShift(d);
  LinearLayout result = *this;
  for (auto &list : result.bases)
    for (uint64_t &b : list)
      b &= mask;
  return result;
}

std::optional<SmallVector<uint64_t>> LinearLayout::invert() const {
  assert(bases.size() == 1 && "invert() is for single-input layouts");
  unsigned n = getNumOutBits();
  if (bases[0].size() != n)
    return std::nullopt;
  // Gauss-Jordan on (value, input combination) pairs.
  SmallVector<std::pair<uint64_t, uint64_t>> rows;
  for (auto [i, b] : llvm::enumerate(bases[0]))
    rows.push_back({b, uint64_t(1) << i});
  for (unsigned bit = 0; bit < n; ++bit) {
    uint64_t m = uint64_t(1) << bit;
    auto pivot = llvm::find_if(llvm::drop_begin(rows, bit), [&](auto &r) { return r.first & m; });
    if (pivot == rows.end())
      return std::nullopt;
    std::swap(rows[bit], *pivot);
    for (unsigned r = 0; r < n; ++r)
      if (r != bit && (rows[r].first & m)) {
        rows[r].first ^= rows[bit].first;
        rows[r].second ^= rows[bit].second;
      }
  }
  SmallVector<uint64_t> inverse;
  for (unsigned bit = 0; bit < n; ++bit)
    inverse.push_back(rows[bit].second);
  return inverse;
}

unsigned LinearLayout::getContiguousRegisterBits(unsigned dim) const {
  unsigned shift = getDimShift(dim), n = 0;
  ArrayRef<uint64_t> regs = bases[Register];
  while (n < regs.size() && n < getDimBits(dim) && regs[n] == (uint64_t(1) << (shift + n)))
    ++n;
  return n;
}

std::string LinearLayout::toString() const {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << *this;
  return text;
}

llvm::raw_ostream &lacc::tilegpu::operator<<(llvm::raw_ostream &os, const LinearLayout &layout) {
  static const char *names[] = {"register", "lane", "warp"};
  bool single = layout.getNumInDims() == 1;
  for (unsigned in = 0; in < layout.getNumInDims(); ++in) {
    if (in)
      os << ", ";
    os << (single ? "offset" : in < 3 ? names[in] : "in") << " = [";
    llvm::interleaveComma(layout.getBases(in), os, [&](uint64_t b) {
      os << "[";
      llvm::interleaveComma(layout.unflatten(b), os);
      os << "]";
    });
    os << "]";
  }
  return os;
}
