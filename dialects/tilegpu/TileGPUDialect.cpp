//===- TileGPUDialect.cpp - dialect, layouts, memdesc type ----------------===//

#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace lacc::tilegpu;

#include "dialects/tilegpu/TileGPUAttrInterfaces.cpp.inc"
#include "dialects/tilegpu/TileGPUDialect.cpp.inc"

static bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

//===----------------------------------------------------------------------===//
// Assembly: layouts print as Triton's do, `#tilegpu.blocked<{sizePerThread = [1, 4], ...}>`.
// Parsing goes through a dictionary so the keys may come in any order.
//===----------------------------------------------------------------------===//

static ParseResult parseDict(AsmParser &parser, DictionaryAttr &dict) {
  Attribute attr;
  if (parser.parseLess() || parser.parseAttribute(attr) || parser.parseGreater())
    return failure();
  dict = dyn_cast<DictionaryAttr>(attr);
  if (!dict)
    return parser.emitError(parser.getNameLoc(), "expected a dictionary of layout parameters");
  return success();
}

static ParseResult getUnsigned(AsmParser &parser, DictionaryAttr dict, StringRef key,
                               unsigned &out) {
  auto attr = dyn_cast_or_null<IntegerAttr>(dict.get(key));
  if (!attr)
    return parser.emitError(parser.getNameLoc(), "expected integer '") << key << "'";
  out = attr.getInt();
  return success();
}

static ParseResult getUnsignedArray(AsmParser &parser, DictionaryAttr dict, StringRef key,
                                    SmallVectorImpl<unsigned> &out) {
  auto array = dyn_cast_or_null<ArrayAttr>(dict.get(key));
  if (!array)
    return parser.emitError(parser.getNameLoc(), "expected integer array '") << key << "'";
  for (Attribute a : array) {
    auto i = dyn_cast<IntegerAttr>(a);
    if (!i)
      return parser.emitError(parser.getNameLoc(), "'") << key << "' must hold integers";
    out.push_back(i.getInt());
  }
  return success();
}

static void printArray(AsmPrinter &printer, StringRef key, ArrayRef<unsigned> values) {
  printer << key << " = [";
  llvm::interleaveComma(values, printer);
  printer << "]";
}

template <typename LayoutT>
static ParseResult parseParent(AsmParser &parser, DictionaryAttr dict, LayoutT &parent) {
  parent = dyn_cast_or_null<LayoutT>(dict.get("parent"));
  if (!parent)
    return parser.emitError(parser.getNameLoc(), "expected a distributed layout 'parent'");
  return success();
}

//===----------------------------------------------------------------------===//
// blocked
//===----------------------------------------------------------------------===//

Attribute BlockedEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  SmallVector<unsigned> spt, tpw, wpc, order;
  if (parseDict(parser, dict) || getUnsignedArray(parser, dict, "sizePerThread", spt) ||
      getUnsignedArray(parser, dict, "threadsPerWarp", tpw) ||
      getUnsignedArray(parser, dict, "warpsPerCTA", wpc) ||
      getUnsignedArray(parser, dict, "order", order))
    return {};
  return parser.getChecked<BlockedEncodingAttr>(parser.getContext(), spt, tpw, wpc, order);
}

void BlockedEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{";
  printArray(printer, "sizePerThread", getSizePerThread());
  printArray(printer << ", ", "threadsPerWarp", getThreadsPerWarp());
  printArray(printer << ", ", "warpsPerCTA", getWarpsPerCTA());
  printArray(printer << ", ", "order", getOrder());
  printer << "}>";
}

static LogicalResult verifyOrder(function_ref<InFlightDiagnostic()> emitError,
                                 ArrayRef<unsigned> order, size_t rank) {
  if (order.size() != rank)
    return emitError() << "order has " << order.size() << " entries, expected " << rank;
  SmallVector<bool> seen(rank, false);
  for (unsigned d : order) {
    if (d >= rank || seen[d])
      return emitError() << "order must be a permutation of [0, " << rank << ")";
    seen[d] = true;
  }
  return success();
}

LogicalResult BlockedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                          ArrayRef<unsigned> spt, ArrayRef<unsigned> tpw,
                                          ArrayRef<unsigned> wpc, ArrayRef<unsigned> order) {
  size_t rank = spt.size();
  if (rank == 0)
    return emitError() << "a blocked layout needs rank >= 1";
  if (tpw.size() != rank || wpc.size() != rank)
    return emitError() << "sizePerThread, threadsPerWarp and warpsPerCTA must have one entry "
                          "per dimension";
  int64_t lanes = 1, warps = 1;
  for (size_t d = 0; d < rank; ++d) {
    if (!isPowerOfTwo(spt[d]) || !isPowerOfTwo(tpw[d]) || !isPowerOfTwo(wpc[d]))
      return emitError() << "layout sizes must be powers of two";
    lanes *= tpw[d];
    warps *= wpc[d];
  }
  if (lanes != 32)
    return emitError() << "threadsPerWarp must multiply to 32, got " << lanes;
  return verifyOrder(emitError, order, rank);
}

unsigned BlockedEncodingAttr::getNumWarps() const {
  unsigned n = 1;
  for (unsigned w : getWarpsPerCTA())
    n *= w;
  return n;
}

unsigned BlockedEncodingAttr::getRank() const { return getSizePerThread().size(); }

/// A coordinate along `dim` as a flat index of a tile of `shape`; coordinates past the tile's
/// extent wrap around (a power-of-two modulus), which is how replicas arise.
static uint64_t flatAlong(ArrayRef<int64_t> shape, unsigned dim, int64_t coord) {
  unsigned shift = 0;
  for (unsigned d = dim + 1; d < shape.size(); ++d)
    shift += llvm::Log2_64(shape[d]);
  return uint64_t(coord & (shape[dim] - 1)) << shift;
}

LinearLayout BlockedEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  // Registers: per dimension in `order` (fastest first), the sizePerThread block, then the
  // repetitions of the CTA's pattern that cover a larger tile. Lanes and warps: the same
  // order, so lane and warp ids split over the dimensions fastest first.
  SmallVector<SmallVector<uint64_t>> bases(LinearLayout::kNumDistributedInDims);
  for (unsigned d : getOrder()) {
    int64_t spt = getSizePerThread()[d], tpw = getThreadsPerWarp()[d],
            wpc = getWarpsPerCTA()[d];
    for (int64_t c = 1; c < spt; c *= 2)
      bases[LinearLayout::Register].push_back(flatAlong(shape, d, c));
    for (int64_t c = spt * tpw * wpc; c < shape[d]; c *= 2)
      bases[LinearLayout::Register].push_back(flatAlong(shape, d, c));
    for (int64_t c = spt; c < spt * tpw; c *= 2)
      bases[LinearLayout::Lane].push_back(flatAlong(shape, d, c));
    for (int64_t c = spt * tpw; c < spt * tpw * wpc; c *= 2)
      bases[LinearLayout::Warp].push_back(flatAlong(shape, d, c));
  }
  return LinearLayout(shape, bases);
}

BlockedEncodingAttr BlockedEncodingAttr::getDefault(MLIRContext *ctx, ArrayRef<int64_t> shape,
                                                    unsigned numWarps,
                                                    ArrayRef<unsigned> sizePerThread,
                                                    ArrayRef<unsigned> order) {
  unsigned rank = shape.size();
  SmallVector<unsigned> spt(sizePerThread.begin(), sizePerThread.end());
  if (spt.empty())
    spt.assign(rank, 1);
  SmallVector<unsigned> ord(order.begin(), order.end());
  if (ord.empty())
    for (unsigned d = rank; d-- > 0;)
      ord.push_back(d);
  // Fill lanes, then warps, from the fastest dimension outwards, never past the tile's extent;
  // what is left over replicates along the fastest dimension.
  SmallVector<unsigned> tpw(rank, 1), wpc(rank, 1);
  unsigned lanes = 32, warps = numWarps;
  for (unsigned d : ord) {
    unsigned room = std::max<int64_t>(1, shape[d] / spt[d]);
    tpw[d] = std::clamp(room, 1u, lanes);
    lanes /= tpw[d];
  }
  tpw[ord[0]] *= lanes;
  for (unsigned d : ord) {
    unsigned room = std::max<int64_t>(1, shape[d] / (int64_t(spt[d]) * tpw[d]));
    wpc[d] = std::clamp(room, 1u, warps);
    warps /= wpc[d];
  }
  wpc[ord[0]] *= warps;
  return BlockedEncodingAttr::get(ctx, spt, tpw, wpc, ord);
}

//===----------------------------------------------------------------------===//
// slice
//===----------------------------------------------------------------------===//

Attribute SliceEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  unsigned dim;
  DistributedLayoutAttr parent;
  if (parseDict(parser, dict) || getUnsigned(parser, dict, "dim", dim) ||
      parseParent(parser, dict, parent))
    return {};
  return parser.getChecked<SliceEncodingAttr>(parser.getContext(), dim, parent);
}

void SliceEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{dim = " << getDim() << ", parent = " << Attribute(getParent()) << "}>";
}

LogicalResult SliceEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError, unsigned dim,
                                        DistributedLayoutAttr parent) {
  if (!parent)
    return emitError() << "slice needs a distributed parent layout";
  if (dim >= parent.getRank())
    return emitError() << "slice dim " << dim << " out of range for a rank-" << parent.getRank()
                       << " parent";
  if (parent.getRank() < 2)
    return emitError() << "cannot slice a rank-1 layout (that yields a scalar)";
  return success();
}

unsigned SliceEncodingAttr::getRank() const { return getParent().getRank() - 1; }

LinearLayout SliceEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  // The parent's layout of the tile with a size-1 dimension at `dim`, that dimension dropped;
  // the registers that then coincide are one.
  SmallVector<int64_t> parentShape(shape);
  parentShape.insert(parentShape.begin() + getDim(), 1);
  return getParent().toLinearLayout(parentShape).sliceOut(getDim(), /*dropZeroRegisters=*/true);
}

//===----------------------------------------------------------------------===//
// mma
//===----------------------------------------------------------------------===//

Attribute MmaEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  unsigned version;
  SmallVector<unsigned> warps, instr;
  if (parseDict(parser, dict) || getUnsigned(parser, dict, "version", version) ||
      getUnsignedArray(parser, dict, "warpsPerCTA", warps) ||
      getUnsignedArray(parser, dict, "instrShape", instr))
    return {};
  return parser.getChecked<MmaEncodingAttr>(parser.getContext(), version, warps, instr);
}

void MmaEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{version = " << getVersion() << ", ";
  printArray(printer, "warpsPerCTA", getWarpsPerCTA());
  printArray(printer << ", ", "instrShape", getInstrShape());
  printer << "}>";
}

LogicalResult MmaEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                      unsigned version, ArrayRef<unsigned> warps,
                                      ArrayRef<unsigned> instr) {
  if (version != 2 && version != 3)
    return emitError() << "mma version " << version
                       << " is not supported (2: mma.sync, 3: wgmma)";
  if (warps.size() != 2 || !isPowerOfTwo(warps[0]) || !isPowerOfTwo(warps[1]))
    return emitError() << "warpsPerCTA must be two powers of two";
  if (version == 2 && (instr.size() != 2 || instr[0] != 16 || instr[1] != 8))
    return emitError() << "mma.sync accumulator tiles are instrShape = [16, 8]";
  if (version == 3) {
    if (warps[0] % 4 || warps[1] != 1)
      return emitError() << "wgmma's warps lie along M in whole warpgroups: warpsPerCTA = "
                            "[4k, 1]";
    if (instr.size() != 2 || instr[0] != 16 || instr[1] % 8 || instr[1] < 8 || instr[1] > 256)
      return emitError() << "wgmma's instrShape is [16, N] with N a multiple of 8 up to 256";
  }
  return success();
}

unsigned MmaEncodingAttr::getRank() const { return 2; }

namespace {
/// Bases of an mma layout: within one 16x8 accumulator tile (or one operand fragment),
/// then the warps, then repetitions; coordinates are (row, column) of the tile.
struct MmaBases {
  ArrayRef<int64_t> shape;
  SmallVector<SmallVector<uint64_t>> bases{LinearLayout::kNumDistributedInDims};
  void add(unsigned in, int64_t row, int64_t col) {
    bases[in].push_back(flatAlong(shape, 0, row) | flatAlong(shape, 1, col));
  }
  /// Register repetitions of a `step` x ... pattern along `dim` up to the tile's extent.
  void repeat(unsigned dim, int64_t step) {
    for (int64_t c = step; c < shape[dim]; c *= 2)
      add(LinearLayout::Register, dim == 0 ? c : 0, dim == 1 ? c : 0);
  }
};
} // namespace

LinearLayout MmaEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  unsigned wm = getWarpsPerCTA()[0], wn = getWarpsPerCTA()[1];
  MmaBases m{shape};
  m.add(LinearLayout::Register, 0, 1);
  m.add(LinearLayout::Register, 8, 0);
  for (auto [row, col] : {std::pair<int64_t, int64_t>{0, 2}, {0, 4}, {1, 0}, {2, 0}, {4, 0}})
    m.add(LinearLayout::Lane, row, col);
  for (unsigned w = 1; w < wn; w *= 2)
    m.add(LinearLayout::Warp, 0, 8 * w);
  for (unsigned w = 1; w < wm; w *= 2)
    m.add(LinearLayout::Warp, 16 * w, 0);
  m.repeat(1, 8 * wn);
  m.repeat(0, 16 * wm);
  return LinearLayout(shape, m.bases);
}

//===----------------------------------------------------------------------===//
// dot_op
//===----------------------------------------------------------------------===//

Attribute DotOperandEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  unsigned opIdx, kWidth = 0;
  DistributedLayoutAttr parent;
  if (parseDict(parser, dict) || getUnsigned(parser, dict, "opIdx", opIdx) ||
      parseParent(parser, dict, parent))
    return {};
  if (dict.get("kWidth") && getUnsigned(parser, dict, "kWidth", kWidth))
    return {};
  return parser.getChecked<DotOperandEncodingAttr>(parser.getContext(), opIdx, parent, kWidth);
}

void DotOperandEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{opIdx = " << getOpIdx() << ", parent = " << Attribute(getParent());
  if (getKWidth())
    printer << ", kWidth = " << getKWidth();
  printer << "}>";
}

LogicalResult DotOperandEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                             unsigned opIdx, DistributedLayoutAttr parent,
                                             unsigned kWidth) {
  if (opIdx > 1)
    return emitError() << "opIdx must be 0 (the MxK operand) or 1 (the KxN operand)";
  if (!parent || parent.getRank() != 2)
    return emitError() << "a dot operand's parent must be a rank-2 distributed layout";
  if (isa<MmaEncodingAttr>(parent) && kWidth != 1 && kWidth != 2 && kWidth != 4)
    return emitError() << "an mma operand needs kWidth 1 (tf32), 2 (16-bit) or 4 (8-bit)";
  if (!isa<MmaEncodingAttr>(parent) && kWidth != 0)
    return emitError() << "kWidth applies to operands of an mma layout only";
  return success();
}

unsigned DotOperandEncodingAttr::getRank() const { return 2; }

/// An operand of mma.sync m16n8k(8*kWidth): the fragment of one instruction, then the warps
/// (copies along the dimension the operand does not have), then repetitions along K and
/// along its own dimension.
static LinearLayout mmaOperandLayout(MmaEncodingAttr mma, unsigned opIdx, unsigned kWidth,
                                     ArrayRef<int64_t> shape) {
  unsigned wm = mma.getWarpsPerCTA()[0], wn = mma.getWarpsPerCTA()[1];
  int64_t kInstr = 8 * kWidth;
  unsigned kDim = opIdx == 0 ? 1 : 0;
  MmaBases m{shape};
  // (k, other) -> (row, column) of the operand.
  auto add = [&](unsigned in, int64_t k, int64_t other) {
    if (opIdx == 0)
      m.add(in, other, k);
    else
      m.add(in, k, other);
  };
  for (int64_t k = 1; k < kWidth; k *= 2)
    add(LinearLayout::Register, k, 0);
  add(LinearLayout::Register, 0, 8); // rows 8..15 of A; not a B bit (n stays within 8)
  if (opIdx == 1)
    m.bases[LinearLayout::Register].pop_back();
  add(LinearLayout::Register, 4 * kWidth, 0);
  add(LinearLayout::Lane, kWidth, 0);
  add(LinearLayout::Lane, 2 * kWidth, 0);
  for (int64_t g = 1; g < 8; g *= 2)
    add(LinearLayout::Lane, 0, g);
  for (unsigned w = 1; w < wn; w *= 2)
    add(LinearLayout::Warp, 0, opIdx == 1 ? 8 * w : 0);
  for (unsigned w = 1; w < wm; w *= 2)
    add(LinearLayout::Warp, 0, opIdx == 0 ? 16 * w : 0);
  m.repeat(kDim, kInstr);
  m.repeat(1 - kDim, opIdx == 0 ? 16 * wm : 8 * wn);
  return LinearLayout(shape, m.bases);
}

LinearLayout DotOperandEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  if (auto mma = dyn_cast<MmaEncodingAttr>(getParent()))
    return mmaOperandLayout(mma, getOpIdx(), getKWidth(), shape);
  // For every accumulator row (opIdx 0) or column (opIdx 1) the thread owns, the whole K
  // extent, K fastest in the registers: what the FMA loop of the dot lowering reads.
  unsigned nonK = getOpIdx() == 0 ? 0 : 1, kDim = 1 - nonK;
  SmallVector<int64_t> parentShape = {1, 1};
  parentShape[nonK] = shape[nonK];
  LinearLayout rows = getParent().toLinearLayout(parentShape);
  auto remap = [&](uint64_t flat) { return flatAlong(shape, nonK, rows.getDimField(flat, nonK)); };
  SmallVector<SmallVector<uint64_t>> bases(LinearLayout::kNumDistributedInDims);
  for (int64_t c = 1; c < shape[kDim]; c *= 2)
    bases[LinearLayout::Register].push_back(flatAlong(shape, kDim, c));
  for (unsigned in = 0; in < LinearLayout::kNumDistributedInDims; ++in)
    for (uint64_t b : rows.getBases(in))
      if (in != LinearLayout::Register || b != 0)
        bases[in].push_back(remap(b));
  return LinearLayout(shape, bases);
}

//===----------------------------------------------------------------------===//
// linear
//===----------------------------------------------------------------------===//

static const char *const kLinearKeys[] = {"register", "lane", "warp"};

Attribute LinearEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  if (parseDict(parser, dict))
    return {};
  SmallVector<int64_t> lists[3];
  std::optional<unsigned> rank;
  for (unsigned in = 0; in < 3; ++in) {
    auto array = dyn_cast_or_null<ArrayAttr>(dict.get(kLinearKeys[in]));
    if (!array) {
      parser.emitError(parser.getNameLoc(), "expected a list of bases '") << kLinearKeys[in] << "'";
      return {};
    }
    for (Attribute basis : array) {
      auto coords = dyn_cast<ArrayAttr>(basis);
      if (!coords || (rank && coords.size() != *rank)) {
        parser.emitError(parser.getNameLoc(), "every basis must be a list of ")
            << (rank ? std::to_string(*rank) : "N") << " integer coordinates";
        return {};
      }
      rank = coords.size();
      for (Attribute c : coords) {
        auto i = dyn_cast<IntegerAttr>(c);
        if (!i) {
          parser.emitError(parser.getNameLoc(), "basis coordinates must be integers");
          return {};
        }
        lists[in].push_back(i.getInt());
      }
    }
  }
  if (!rank) {
    parser.emitError(parser.getNameLoc(), "a linear layout needs at least one basis");
    return {};
  }
  return parser.getChecked<LinearEncodingAttr>(parser.getContext(), *rank, lists[0], lists[1],
                                               lists[2]);
}

void LinearEncodingAttr::print(AsmPrinter &printer) const {
  ArrayRef<int64_t> lists[3] = {getRegisters(), getLanes(), getWarps()};
  unsigned rank = getRank();
  printer << "<{";
  for (unsigned in = 0; in < 3; ++in) {
    if (in)
      printer << ", ";
    printer << kLinearKeys[in] << " = [";
    for (size_t i = 0; i < lists[in].size(); i += rank) {
      if (i)
        printer << ", ";
      printer << "[";
      llvm::interleaveComma(lists[in].slice(i, rank), printer);
      printer << "]";
    }
    printer << "]";
  }
  printer << "}>";
}

LogicalResult LinearEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                         unsigned rank, ArrayRef<int64_t> registers,
                                         ArrayRef<int64_t> lanes, ArrayRef<int64_t> warps) {
  if (rank == 0)
    return emitError() << "a linear layout needs rank >= 1";
  for (ArrayRef<int64_t> list : {registers, lanes, warps}) {
    if (list.size() % rank)
      return emitError() << "basis lists must hold whole coordinate vectors";
    for (int64_t c : list)
      if (c < 0 || (c & (c - 1)))
        return emitError() << "basis coordinates must be 0 or powers of two, got " << c;
  }
  if (lanes.size() != 5 * rank)
    return emitError() << "a warp has 32 lanes: expected 5 lane bases, got " << lanes.size() / rank;
  return success();
}

LinearLayout LinearEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  unsigned rank = getRank();
  SmallVector<SmallVector<uint64_t>> bases;
  for (ArrayRef<int64_t> list : {getRegisters(), getLanes(), getWarps()}) {
    SmallVector<uint64_t> flat;
    for (size_t i = 0; i < list.size(); i += rank) {
      uint64_t b = 0;
      for (unsigned d = 0; d < rank; ++d)
        b |= flatAlong(shape, d, list[i + d]);
      flat.push_back(b);
    }
    bases.push_back(std::move(flat));
  }
  return LinearLayout(shape, bases);
}

LinearEncodingAttr LinearEncodingAttr::get(MLIRContext *ctx, const LinearLayout &layout) {
  SmallVector<int64_t> lists[3];
  for (unsigned in = 0; in < 3; ++in)
    for (uint64_t b : layout.getBases(in))
      llvm::append_range(lists[in], layout.unflatten(b));
  return get(ctx, layout.getRank(), lists[0], lists[1], lists[2]);
}

//===----------------------------------------------------------------------===//
// shared
//===----------------------------------------------------------------------===//

Attribute SharedEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  unsigned vec, perPhase, maxPhase;
  unsigned chunk = 0;
  SmallVector<unsigned> order;
  if (parseDict(parser, dict) || getUnsigned(parser, dict, "vec", vec) ||
      getUnsigned(parser, dict, "perPhase", perPhase) ||
      getUnsigned(parser, dict, "maxPhase", maxPhase) ||
      getUnsignedArray(parser, dict, "order", order))
    return {};
  if (dict.get("chunk") && getUnsigned(parser, dict, "chunk", chunk))
    return {};
  return parser.getChecked<SharedEncodingAttr>(parser.getContext(), vec, perPhase, maxPhase,
                                               order, chunk);
}

void SharedEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{vec = " << getVec() << ", perPhase = " << getPerPhase()
          << ", maxPhase = " << getMaxPhase() << ", ";
  printArray(printer, "order", getOrder());
  if (getChunk())
    printer << ", chunk = " << getChunk();
  printer << "}>";
}

LogicalResult SharedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                         unsigned vec, unsigned perPhase, unsigned maxPhase,
                                         ArrayRef<unsigned> order, unsigned chunk) {
  if (!isPowerOfTwo(vec) || !isPowerOfTwo(perPhase) || !isPowerOfTwo(maxPhase))
    return emitError() << "vec, perPhase and maxPhase must be powers of two";
  if (chunk && !isPowerOfTwo(chunk))
    return emitError() << "chunk must be a power of two (or 0: none)";
  if (order.empty())
    return emitError() << "a shared layout needs an order";
  return verifyOrder(emitError, order, order.size());
}

LinearLayout SharedEncodingAttr::toLinearLayout(ArrayRef<int64_t> shape) const {
  return LinearLayout::swizzledShared(shape, getOrder(), getVec(), getPerPhase(), getMaxPhase(),
                                      getChunk());
}

unsigned SharedEncodingAttr::getWgmmaSwizzleBytes(ArrayRef<int64_t> shape,
                                                  unsigned elementBits) const {
  if (shape.size() != 2 || elementBits % 8)
    return 0;
  unsigned bytes = elementBits / 8;
  int64_t columns = shape[getOrder()[0]];
  int64_t rowElements = getChunk() && getChunk() < columns ? getChunk() : columns;
  int64_t rowBytes = rowElements * bytes;
  if (rowBytes != 128 && rowBytes != 64 && rowBytes != 32)
    return 0;
  if (getVec() * bytes != 16 || getPerPhase() != 128 / rowBytes ||
      getMaxPhase() != rowBytes / 16)
    return 0;
  return rowBytes;
}

//===----------------------------------------------------------------------===//
// memdesc
//===----------------------------------------------------------------------===//

Type MemDescType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape, viewOf, offsets;
  Type elementType;
  Attribute encoding;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false, /*withTrailingX=*/true) ||
      parser.parseType(elementType) || parser.parseComma() || parser.parseAttribute(encoding))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("view") || parser.parseKeyword("of") ||
        parser.parseDimensionList(viewOf, /*allowDynamic=*/false, /*withTrailingX=*/false) ||
        parser.parseKeyword("at") || parser.parseLSquare())
      return {};
    do {
      int64_t v;
      if (parser.parseInteger(v))
        return {};
      offsets.push_back(v);
    } while (succeeded(parser.parseOptionalComma()));
    if (parser.parseRSquare())
      return {};
  }
  if (parser.parseGreater())
    return {};
  auto shared = dyn_cast<SharedEncodingAttr>(encoding);
  if (!shared) {
    parser.emitError(parser.getNameLoc(), "expected a #tilegpu.shared encoding");
    return {};
  }
  return parser.getChecked<MemDescType>(parser.getContext(), shape, elementType, shared, viewOf,
                                        offsets);
}

void MemDescType::print(AsmPrinter &printer) const {
  printer << "<";
  for (int64_t d : getShape())
    printer << d << "x";
  printer << getElementType() << ", " << Attribute(getEncoding());
  if (isView()) {
    printer << ", view of ";
    llvm::interleave(getViewOf(), printer, "x");
    printer << " at [";
    llvm::interleaveComma(getViewOffsets(), printer);
    printer << "]";
  }
  printer << ">";
}

LogicalResult MemDescType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, Type elementType,
                                  SharedEncodingAttr encoding, ArrayRef<int64_t> viewOf,
                                  ArrayRef<int64_t> viewOffsets) {
  if (shape.empty())
    return emitError() << "a shared-memory buffer needs rank >= 1";
  if (!elementType.isIntOrFloat())
    return emitError() << "shared-memory elements must be integers or floats";
  if (!encoding || encoding.getOrder().size() != shape.size())
    return emitError() << "the shared layout's order must have one entry per dimension";
  if (viewOf.empty() != viewOffsets.empty() ||
      (!viewOf.empty() && (viewOf.size() != shape.size() || viewOffsets.size() != shape.size())))
    return emitError() << "a view needs its buffer's shape and one offset per dimension";
  for (size_t d = 0; d < viewOf.size(); ++d)
    if (viewOffsets[d] < 0 || viewOffsets[d] % shape[d] || viewOffsets[d] + shape[d] > viewOf[d])
      return emitError() << "view offset " << viewOffsets[d] << " along dimension " << d
                         << " must be a multiple of the view's extent " << shape[d]
                         << " inside the buffer's " << viewOf[d];
  return success();
}

SmallVector<int64_t> MemDescType::getOffsets() const {
  if (isView())
    return SmallVector<int64_t>(getViewOffsets());
  return SmallVector<int64_t>(getShape().size(), 0);
}

int64_t MemDescType::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : getShape())
    n *= d;
  return n;
}

int64_t MemDescType::getSizeInBytes() const {
  return getNumElements() * ((getElementType().getIntOrFloatBitWidth() + 7) / 8);
}

#define GET_ATTRDEF_CLASSES
#include "dialects/tilegpu/TileGPUAttrs.cpp.inc"

static unsigned computeCapability(StringRef arch) {
  unsigned cc = 0;
  for (char c : arch.drop_front(3))
    if (c >= '0' && c <= '9')
      cc = cc * 10 + (c - '0');
  return cc;
}

unsigned TargetAttr::getComputeCapability() const { return computeCapability(getArch()); }

bool lacc::tilegpu::hasTMA(StringRef arch) { return computeCapability(arch) >= 90; }

int lacc::tilegpu::getLaunchWarps(Operation *kernel) {
  return getNumWarps(kernel) +
         (kernel->hasAttr(TileGPUDialect::kWarpSpecializedAttrName) ? kProducerWarps : 0);
}

#define GET_TYPEDEF_CLASSES
#include "dialects/tilegpu/TileGPUTypes.cpp.inc"

//===----------------------------------------------------------------------===//
// Dialect and helpers
//===----------------------------------------------------------------------===//

namespace {
/// Layouts are long: print them once, as #blocked, #slice, ... aliases.
struct TileGPUOpAsmInterface : OpAsmDialectInterface {
  using OpAsmDialectInterface::OpAsmDialectInterface;
  AliasResult getAlias(Attribute attr, raw_ostream &os) const override {
    if (isa<BlockedEncodingAttr>(attr))
      os << "blocked";
    else if (isa<SliceEncodingAttr>(attr))
      os << "slice";
    else if (isa<DotOperandEncodingAttr>(attr))
      os << "dot_op";
    else if (isa<MmaEncodingAttr>(attr))
      os << "mma";
    else if (isa<LinearEncodingAttr>(attr))
      os << "linear";
    else if (isa<SharedEncodingAttr>(attr))
      os << "shared";
    else if (isa<TargetAttr>(attr))
      os << "target";
    else
      return AliasResult::NoAlias;
    return AliasResult::FinalAlias;
  }
};
} // namespace

void TileGPUDialect::initialize() {
  addInterfaces<TileGPUOpAsmInterface>();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/tilegpu/TileGPUAttrs.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "dialects/tilegpu/TileGPUTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "dialects/tilegpu/TileGPUOps.cpp.inc"
      >();
}

namespace lacc::tilegpu {

DistributedLayoutAttr getDistributedLayout(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor ? dyn_cast_or_null<DistributedLayoutAttr>(tensor.getEncoding()) : nullptr;
}

LinearLayout toLinearLayout(RankedTensorType type) {
  auto layout = getDistributedLayout(type);
  assert(layout && "a tile needs a distributed layout here");
  return layout.toLinearLayout(type.getShape());
}

int64_t getElemsPerThread(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 1;
  return toLinearLayout(tensor).getInSize(LinearLayout::Register);
}

bool isShapeAgnostic(Attribute layout) {
  if (auto slice = dyn_cast<SliceEncodingAttr>(layout))
    return isShapeAgnostic(slice.getParent());
  if (auto dot = dyn_cast<DotOperandEncodingAttr>(layout))
    return isShapeAgnostic(dot.getParent());
  return layout && !isa<LinearEncodingAttr>(layout);
}

/// `layout` cut down to `shape`: every basis's coordinates taken modulo the new extents.
static LinearLayout projectLayout(const LinearLayout &layout, ArrayRef<int64_t> shape) {
  LinearLayout target(shape, SmallVector<SmallVector<uint64_t>>(layout.getNumInDims()));
  SmallVector<SmallVector<uint64_t>> bases;
  for (unsigned in = 0; in < layout.getNumInDims(); ++in) {
    SmallVector<uint64_t> list;
    for (uint64_t b : layout.getBases(in))
      list.push_back(target.flatten(layout.unflatten(b)));
    bases.push_back(std::move(list));
  }
  return LinearLayout(shape, bases);
}

DistributedLayoutAttr inferTransLayout(DistributedLayoutAttr src, ArrayRef<int64_t> srcShape,
                                       ArrayRef<int32_t> order) {
  if (auto blocked = dyn_cast<BlockedEncodingAttr>(src)) {
    // Result dimension i is source dimension order[i].
    SmallVector<unsigned> spt, tpw, wpc, newOrder, position(order.size());
    for (auto [i, d] : llvm::enumerate(order)) {
      spt.push_back(blocked.getSizePerThread()[d]);
      tpw.push_back(blocked.getThreadsPerWarp()[d]);
      wpc.push_back(blocked.getWarpsPerCTA()[d]);
      position[d] = i;
    }
    for (unsigned d : blocked.getOrder())
      newOrder.push_back(position[d]);
    return BlockedEncodingAttr::get(src.getContext(), spt, tpw, wpc, newOrder);
  }
  return LinearEncodingAttr::get(src.getContext(),
                                 src.toLinearLayout(srcShape).transposeOuts(order));
}

DistributedLayoutAttr inferTransSourceLayout(DistributedLayoutAttr result,
                                             ArrayRef<int64_t> resultShape,
                                             ArrayRef<int32_t> order) {
  SmallVector<int32_t> inverse(order.size());
  for (auto [i, d] : llvm::enumerate(order))
    inverse[d] = i;
  return inferTransLayout(result, resultShape, inverse);
}

DistributedLayoutAttr inferReshapeLayout(DistributedLayoutAttr src, ArrayRef<int64_t> srcShape,
                                         ArrayRef<int64_t> dstShape) {
  if (srcShape == dstShape)
    return src;
  return LinearEncodingAttr::get(src.getContext(),
                                 src.toLinearLayout(srcShape).reshapeOuts(dstShape));
}

DistributedLayoutAttr inferExpandDimsLayout(DistributedLayoutAttr src, ArrayRef<int64_t> srcShape,
                                            unsigned axis) {
  if (auto slice = dyn_cast<SliceEncodingAttr>(src))
    if (slice.getDim() == axis)
      return slice.getParent();
  if (auto blocked = dyn_cast<BlockedEncodingAttr>(src)) {
    // A size-1 dimension with one element per thread, lane and warp, slowest in the order.
    auto insert = [&](ArrayRef<unsigned> values) {
      SmallVector<unsigned> out(values);
      out.insert(out.begin() + axis, 1);
      return out;
    };
    SmallVector<unsigned> order;
    for (unsigned d : blocked.getOrder())
      order.push_back(d >= axis ? d + 1 : d);
    order.push_back(axis);
    return BlockedEncodingAttr::get(src.getContext(), insert(blocked.getSizePerThread()),
                                    insert(blocked.getThreadsPerWarp()),
                                    insert(blocked.getWarpsPerCTA()), order);
  }
  return LinearEncodingAttr::get(src.getContext(), src.toLinearLayout(srcShape).insertDim(axis));
}

DistributedLayoutAttr inferJoinLayout(DistributedLayoutAttr src, ArrayRef<int64_t> srcShape) {
  unsigned rank = srcShape.size();
  if (auto blocked = dyn_cast<BlockedEncodingAttr>(src)) {
    auto append = [](ArrayRef<unsigned> values, unsigned last) {
      SmallVector<unsigned> out(values);
      out.push_back(last);
      return out;
    };
    SmallVector<unsigned> order = {rank};
    llvm::append_range(order, blocked.getOrder());
    return BlockedEncodingAttr::get(src.getContext(), append(blocked.getSizePerThread(), 2),
                                    append(blocked.getThreadsPerWarp(), 1),
                                    append(blocked.getWarpsPerCTA(), 1), order);
  }
  // The new dimension is the lowest bit of a flat index: every basis moves up by one.
  LinearLayout layout = src.toLinearLayout(srcShape);
  SmallVector<SmallVector<uint64_t>> bases(LinearLayout::kNumDistributedInDims);
  bases[LinearLayout::Register].push_back(1);
  for (unsigned in = 0; in < LinearLayout::kNumDistributedInDims; ++in)
    for (uint64_t b : layout.getBases(in))
      bases[in].push_back(b << 1);
  SmallVector<int64_t> shape(srcShape);
  shape.push_back(2);
  return LinearEncodingAttr::get(src.getContext(), LinearLayout(shape, bases));
}

DistributedLayoutAttr inferSplitLayout(DistributedLayoutAttr src, ArrayRef<int64_t> srcShape) {
  unsigned last = srcShape.size() - 1;
  if (srcShape.size() < 2 || srcShape[last] != 2)
    return {};
  if (auto blocked = dyn_cast<BlockedEncodingAttr>(src)) {
    if (blocked.getThreadsPerWarp()[last] == 1 && blocked.getWarpsPerCTA()[last] == 1) {
      auto drop = [&](ArrayRef<unsigned> values) {
        return SmallVector<unsigned>(values.drop_back());
      };
      SmallVector<unsigned> order;
      for (unsigned d : blocked.getOrder())
        if (d != last)
          order.push_back(d);
      return BlockedEncodingAttr::get(src.getContext(), drop(blocked.getSizePerThread()),
                                      drop(blocked.getThreadsPerWarp()),
                                      drop(blocked.getWarpsPerCTA()), order);
    }
  }
  // Splittable when one register bit alone selects the half (flat bit 0) and no other input
  // touches it.
  LinearLayout layout = src.toLinearLayout(srcShape);
  SmallVector<SmallVector<uint64_t>> bases(LinearLayout::kNumDistributedInDims);
  bool found = false;
  for (unsigned in = 0; in < LinearLayout::kNumDistributedInDims; ++in)
    for (uint64_t b : layout.getBases(in)) {
      if (in == LinearLayout::Register && b == 1 && !found) {
        found = true;
        continue;
      }
      if (b & 1)
        return {};
      bases[in].push_back(b >> 1);
    }
  if (!found)
    return {};
  return LinearEncodingAttr::get(src.getContext(),
                                 LinearLayout(srcShape.drop_back(), bases));
}

DistributedLayoutAttr inferExpandDimsSourceLayout(DistributedLayoutAttr result,
                                                  ArrayRef<int64_t> resultShape, unsigned axis) {
  if (isShapeAgnostic(result))
    return SliceEncodingAttr::get(result.getContext(), axis, result);
  SmallVector<int64_t> srcShape(resultShape);
  srcShape.erase(srcShape.begin() + axis);
  return LinearEncodingAttr::get(result.getContext(),
                                 result.toLinearLayout(resultShape).reshapeOuts(srcShape));
}

DistributedLayoutAttr inferBroadcastSourceLayout(DistributedLayoutAttr result,
                                                 ArrayRef<int64_t> resultShape,
                                                 ArrayRef<int64_t> srcShape) {
  if (isShapeAgnostic(result))
    return result;
  return LinearEncodingAttr::get(result.getContext(),
                                 projectLayout(result.toLinearLayout(resultShape), srcShape));
}

TargetAttr makeTarget(MLIRContext *ctx, StringRef arch, int64_t sharedMemory, unsigned numSMs) {
  if (!sharedMemory)
    sharedMemory = arch.starts_with("sm_90")                  ? 227 * 1024
                   : arch == "sm_80" || arch == "sm_87" ? 163 * 1024
                                                              : 99 * 1024;
  return TargetAttr::get(ctx, arch, /*ptxVersion=*/80, sharedMemory, numSMs);
}

TargetAttr getTarget(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto attr = op->getAttrOfType<TargetAttr>(TileGPUDialect::kTargetAttrName))
      return attr;
  return {};
}

int getNumWarps(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto attr = op->getAttrOfType<IntegerAttr>(TileGPUDialect::kNumWarpsAttrName))
      return attr.getInt();
  return 0;
}

} // namespace lacc::tilegpu
