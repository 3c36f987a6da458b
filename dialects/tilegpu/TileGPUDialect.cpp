//===- TileGPUDialect.cpp - dialect, layouts, memdesc type ----------------===//

#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/DenseSet.h"
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

SmallVector<SmallVector<int64_t>> BlockedEncodingAttr::getElemOffsets(ArrayRef<int64_t> shape) const {
  // Register order: within a block the order[0] dimension varies fastest, so that elements
  // contiguous in memory along it are contiguous registers (what vectorized access needs).
  unsigned rank = getRank();
  SmallVector<int64_t> count(rank);
  int64_t total = 1;
  for (unsigned d = 0; d < rank; ++d) {
    int64_t reps = std::max<int64_t>(1, shape[d] / getTileExtent(d));
    count[d] = reps * getSizePerThread()[d];
    total *= count[d];
  }
  SmallVector<SmallVector<int64_t>> offsets;
  offsets.reserve(total);
  for (int64_t i = 0; i < total; ++i) {
    SmallVector<int64_t> offset(rank);
    int64_t rest = i;
    for (unsigned d : getOrder()) {
      int64_t j = rest % count[d];
      rest /= count[d];
      int64_t spt = getSizePerThread()[d];
      offset[d] = (j / spt) * getTileExtent(d) + j % spt;
    }
    offsets.push_back(std::move(offset));
  }
  return offsets;
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

SmallVector<SmallVector<int64_t>> SliceEncodingAttr::getElemOffsets(ArrayRef<int64_t> shape) const {
  // The parent's elements with `dim` dropped; the registers that then coincide are one.
  SmallVector<int64_t> parentShape(shape);
  parentShape.insert(parentShape.begin() + getDim(), 1);
  SmallVector<SmallVector<int64_t>> offsets;
  llvm::DenseSet<ArrayRef<int64_t>> seen;
  SmallVector<SmallVector<int64_t>> parentOffsets = getParent().getElemOffsets(parentShape);
  for (auto &offset : parentOffsets) {
    offset.erase(offset.begin() + getDim());
    if (seen.insert(offset).second)
      offsets.push_back(offset);
  }
  return offsets;
}

//===----------------------------------------------------------------------===//
// dot_op
//===----------------------------------------------------------------------===//

Attribute DotOperandEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  unsigned opIdx;
  DistributedLayoutAttr parent;
  if (parseDict(parser, dict) || getUnsigned(parser, dict, "opIdx", opIdx) ||
      parseParent(parser, dict, parent))
    return {};
  return parser.getChecked<DotOperandEncodingAttr>(parser.getContext(), opIdx, parent);
}

void DotOperandEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{opIdx = " << getOpIdx() << ", parent = " << Attribute(getParent()) << "}>";
}

LogicalResult DotOperandEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                             unsigned opIdx, DistributedLayoutAttr parent) {
  if (opIdx > 1)
    return emitError() << "opIdx must be 0 (the MxK operand) or 1 (the KxN operand)";
  if (!parent || parent.getRank() != 2)
    return emitError() << "a dot operand's parent must be a rank-2 distributed layout";
  return success();
}

unsigned DotOperandEncodingAttr::getRank() const { return 2; }

SmallVector<SmallVector<int64_t>>
DotOperandEncodingAttr::getElemOffsets(ArrayRef<int64_t> shape) const {
  // For every accumulator row (opIdx 0) or column (opIdx 1) the thread owns, the whole K
  // extent, K fastest: exactly what the FMA loop of the dot lowering reads.
  unsigned nonK = getOpIdx() == 0 ? 0 : 1, kDim = 1 - nonK;
  SmallVector<int64_t> parentShape = {1, 1};
  parentShape[nonK] = shape[nonK];
  SmallVector<int64_t> rows;
  llvm::DenseSet<int64_t> seen;
  for (auto &offset : getParent().getElemOffsets(parentShape))
    if (seen.insert(offset[nonK]).second)
      rows.push_back(offset[nonK]);
  SmallVector<SmallVector<int64_t>> offsets;
  for (int64_t row : rows)
    for (int64_t k = 0; k < shape[kDim]; ++k) {
      SmallVector<int64_t> offset(2);
      offset[nonK] = row;
      offset[kDim] = k;
      offsets.push_back(offset);
    }
  return offsets;
}

//===----------------------------------------------------------------------===//
// shared
//===----------------------------------------------------------------------===//

Attribute SharedEncodingAttr::parse(AsmParser &parser, Type) {
  DictionaryAttr dict;
  unsigned vec, perPhase, maxPhase;
  SmallVector<unsigned> order;
  if (parseDict(parser, dict) || getUnsigned(parser, dict, "vec", vec) ||
      getUnsigned(parser, dict, "perPhase", perPhase) ||
      getUnsigned(parser, dict, "maxPhase", maxPhase) ||
      getUnsignedArray(parser, dict, "order", order))
    return {};
  return parser.getChecked<SharedEncodingAttr>(parser.getContext(), vec, perPhase, maxPhase,
                                               order);
}

void SharedEncodingAttr::print(AsmPrinter &printer) const {
  printer << "<{vec = " << getVec() << ", perPhase = " << getPerPhase()
          << ", maxPhase = " << getMaxPhase() << ", ";
  printArray(printer, "order", getOrder());
  printer << "}>";
}

LogicalResult SharedEncodingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                         unsigned vec, unsigned perPhase, unsigned maxPhase,
                                         ArrayRef<unsigned> order) {
  if (!isPowerOfTwo(vec) || !isPowerOfTwo(perPhase) || !isPowerOfTwo(maxPhase))
    return emitError() << "vec, perPhase and maxPhase must be powers of two";
  if (order.empty())
    return emitError() << "a shared layout needs an order";
  return verifyOrder(emitError, order, order.size());
}

//===----------------------------------------------------------------------===//
// memdesc
//===----------------------------------------------------------------------===//

static ParseResult parseShape(AsmParser &parser, SmallVector<int64_t> &shape, Type &elementType) {
  if (parser.parseDimensionList(shape, /*allowDynamic=*/false, /*withTrailingX=*/true) ||
      parser.parseType(elementType))
    return failure();
  return success();
}

static void printShape(AsmPrinter &printer, ArrayRef<int64_t> shape, Type elementType) {
  for (int64_t d : shape)
    printer << d << "x";
  printer << elementType;
}

LogicalResult MemDescType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, Type elementType,
                                  SharedEncodingAttr encoding) {
  if (shape.empty())
    return emitError() << "a shared-memory buffer needs rank >= 1";
  if (!elementType.isIntOrFloat())
    return emitError() << "shared-memory elements must be integers or floats";
  if (!encoding || encoding.getOrder().size() != shape.size())
    return emitError() << "the shared layout's order must have one entry per dimension";
  return success();
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
    else if (isa<SharedEncodingAttr>(attr))
      os << "shared";
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

int64_t getElemsPerThread(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return 1;
  auto layout = getDistributedLayout(type);
  assert(layout && "a tile needs a distributed layout here");
  return layout.getElemOffsets(tensor.getShape()).size();
}

SmallVector<unsigned> getDistinctLanes(BlockedEncodingAttr layout, ArrayRef<int64_t> shape) {
  SmallVector<unsigned> distinct;
  for (unsigned d = 0; d < layout.getRank(); ++d)
    distinct.push_back(std::min<int64_t>(layout.getThreadsPerWarp()[d],
                                         std::max<int64_t>(1, shape[d] / layout.getSizePerThread()[d])));
  return distinct;
}

SmallVector<unsigned> getDistinctWarps(BlockedEncodingAttr layout, ArrayRef<int64_t> shape) {
  SmallVector<unsigned> distinct;
  for (unsigned d = 0; d < layout.getRank(); ++d) {
    int64_t perWarp = int64_t(layout.getSizePerThread()[d]) * layout.getThreadsPerWarp()[d];
    distinct.push_back(std::min<int64_t>(layout.getWarpsPerCTA()[d],
                                         std::max<int64_t>(1, shape[d] / perWarp)));
  }
  return distinct;
}

int getNumWarps(Operation *op) {
  for (; op; op = op->getParentOp())
    if (auto attr = op->getAttrOfType<IntegerAttr>(TileGPUDialect::kNumWarpsAttrName))
      return attr.getInt();
  return 0;
}

} // namespace lacc::tilegpu
