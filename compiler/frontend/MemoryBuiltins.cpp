//===- MemoryBuiltins.cpp - load/store, atomics, block pointers, hints ----===//
//
// Memory access through tiles of pointers (with masks) or block pointers
// (with boundary checks), the atomics with Triton's sem= and scope=, the
// program-wide barrier, and the axis hints multiple_of / max_contiguous.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Builtins.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace lacc::builtins {
namespace {

//===----------------------------------------------------------------------===//
// Operand helpers
//===----------------------------------------------------------------------===//

bool isBlockPointer(const Val &v) {
  return v.isDyn() && isa<tile::BlockPointerType>(v.v.getType());
}

/// Checks a pointer operand and returns its element (pointee) type.
std::optional<Type> requirePointer(Generator &g, const Val &v, SourceLoc l, const char *fn) {
  if (v.isError())
    return std::nullopt;
  if (v.isDyn())
    if (auto p = dyn_cast<tile::PointerType>(getElementTypeOrSelf(v.v.getType())))
      return p.getPointeeType();
  g.error(l, std::string(fn) + "() needs a pointer or a tile of pointers, got " + g.describe(v));
  return std::nullopt;
}

std::optional<Value> maskOperand(Generator &g, const Args &a, size_t i, ArrayRef<int64_t> shape,
                                 const char *fn) {
  if (!a.has(i))
    return Value();
  const Val &m = a[i];
  if (m.isError())
    return std::nullopt;
  Type elt = m.isValue() ? getElementTypeOrSelf(g.typeOf(m)) : Type();
  if (!elt || !elt.isInteger(1)) {
    g.error(a.loc(i), std::string(fn) + "() mask must be a boolean tile or scalar, got " +
                          g.describe(m));
    return std::nullopt;
  }
  return g.broadcastTo(g.materialize(m, elt, a.loc(i)), shape, a.loc(i));
}

/// The shape that the pointer and the given value operands broadcast to.
std::optional<SmallVector<int64_t>> memShape(Generator &g, const Args &a,
                                             std::initializer_list<size_t> operands,
                                             const char *fn) {
  SmallVector<int64_t> shape(g.shapeOf(a[0]));
  for (size_t i : operands) {
    if (!a.has(i) || !a[i].isValue())
      continue;
    auto s = g.broadcastShapes(shape, g.shapeOf(a[i]));
    if (!s) {
      g.error(a.loc(i), std::string("shape mismatch in ") + fn + "(): pointer is " +
                            g.describe(a[0]) + " but " + g.describe(a[i]) + " was given");
      return std::nullopt;
    }
    shape = *s;
  }
  return shape;
}

/// A value operand converted to the pointee type and broadcast to `shape`.
Value valueOperand(Generator &g, const Args &a, size_t i, Type elt, ArrayRef<int64_t> shape,
                   const char *fn) {
  if (a[i].isError())
    return {};
  if (!a[i].isValue()) {
    g.error(a.loc(i), std::string(fn) + "() value must be a tile or scalar, got " +
                          g.describe(a[i]));
    return {};
  }
  Val v = g.castTo(a[i], elt, a.loc(i)); // memory writes convert to the pointee type, like Triton
  if (v.isError())
    return {};
  return g.broadcastTo(g.materialize(v, elt, a.loc(i)), shape, a.loc(i));
}

/// A tile of values needs a tile of pointers (a scalar pointer is one address).
bool checkNotThroughScalarPointer(Generator &g, const Args &a, std::initializer_list<size_t> values,
                                  const char *fn) {
  if (isa<RankedTensorType>(a[0].v.getType()))
    return true;
  for (size_t i : values)
    if (a[i].isValue() && !g.shapeOf(a[i]).empty()) {
      g.error(a.loc(i), std::string(fn) + "() of " + g.describe(a[i]) +
                            " through a single pointer; offset the pointer by a tile (p + arange(...))");
      return false;
    }
  return true;
}

//===----------------------------------------------------------------------===//
// Block pointers
//===----------------------------------------------------------------------===//

/// `boundary_check=(0, 1)`: sorted, each dimension once, in range.
std::optional<SmallVector<int32_t>> boundaryCheck(Generator &g, const Args &a, size_t i,
                                                  int64_t rank, const char *fn) {
  SmallVector<int32_t> dims;
  if (!a.has(i))
    return dims;
  auto values = requireConstInts(g, a[i], a.loc(i), std::string(fn) + "() boundary_check");
  if (!values)
    return std::nullopt;
  for (int64_t d : *values) {
    if (d < 0 || d >= rank) {
      g.error(a.loc(i), std::string(fn) + "() boundary_check dimension " + std::to_string(d) +
                            " is out of range for a rank-" + std::to_string(rank) + " block");
      return std::nullopt;
    }
    if (!llvm::is_contained(dims, d))
      dims.push_back(static_cast<int32_t>(d));
  }
  llvm::sort(dims);
  return dims;
}

/// The elements of a shape/strides/offsets tuple (or a single value), each checked to be an
/// integer scalar.
std::optional<std::vector<Val>> integerScalars(Generator &g, const Val &v, SourceLoc l,
                                               const std::string &what) {
  if (v.isError())
    return std::nullopt;
  std::vector<Val> elems = v.kind == Val::Kind::Tuple ? v.elems : std::vector<Val>{v};
  for (const Val &e : elems) {
    Type elt = e.isValue() ? getElementTypeOrSelf(g.typeOf(e)) : Type();
    if (!elt || !isa<IntegerType>(elt) || elt.isInteger(1) || !g.shapeOf(e).empty()) {
      g.error(l, what + " must hold integer scalars, got " + g.describe(e));
      return std::nullopt;
    }
  }
  return elems;
}

/// The integers of a shape/strides/offsets tuple as runtime values of `type`.
std::optional<SmallVector<Value>> blockOperands(Generator &g, const Val &v, SourceLoc l,
                                                const std::string &what, Type type) {
  std::optional<std::vector<Val>> elems = integerScalars(g, v, l, what);
  if (!elems)
    return std::nullopt;
  SmallVector<Value> out;
  for (const Val &e : *elems) {
    if (e.isDyn() &&
        getElementTypeOrSelf(g.typeOf(e)).getIntOrFloatBitWidth() > type.getIntOrFloatBitWidth()) {
      g.error(l, what + " are " + g.typeName(type) + ", got " + g.describe(e) +
                     "; convert it with .to(" + g.typeName(type) + ")");
      return std::nullopt;
    }
    if (e.isConst() && type.isInteger(32) && (e.c.i < INT32_MIN || e.c.i > INT32_MAX)) {
      g.error(l, what + " are i32; " + std::to_string(e.c.i) + " does not fit");
      return std::nullopt;
    }
    out.push_back(g.materialize(e, type, l));
  }
  return out;
}

Val makeBlockPtr(Generator &g, const Args &a, SourceLoc l) {
  for (size_t i = 0; i < 6; ++i)
    if (a[i].isError())
      return Val::error();
  Type pointee;
  if (a[0].isDyn() && !isa<RankedTensorType>(a[0].v.getType()))
    if (auto p = dyn_cast<tile::PointerType>(a[0].v.getType()))
      pointee = p.getPointeeType();
  if (!pointee) {
    g.error(a.loc(0), "make_block_ptr() base must be a scalar pointer, got " + g.describe(a[0]));
    return Val::error();
  }
  auto blockShape = g.requireShape(a[4], a.loc(4), "make_block_ptr() block_shape");
  auto order = requireConstInts(g, a[5], a.loc(5), "make_block_ptr() order");
  auto shape = blockOperands(g, a[1], a.loc(1), "make_block_ptr() shape", g.builder().getI64Type());
  auto strides =
      blockOperands(g, a[2], a.loc(2), "make_block_ptr() strides", g.builder().getI64Type());
  auto offsets =
      blockOperands(g, a[3], a.loc(3), "make_block_ptr() offsets", g.builder().getI32Type());
  if (!blockShape || !order || !shape || !strides || !offsets)
    return Val::error();
  size_t rank = blockShape->size();
  for (auto [i, n] : {std::pair<size_t, size_t>{1, shape->size()}, {2, strides->size()},
                      {3, offsets->size()}, {5, order->size()}})
    if (n != rank) {
      static const char *names[] = {"", "shape", "strides", "offsets", "", "order"};
      g.error(a.loc(i), std::string("make_block_ptr() ") + names[i] + " has " +
                            std::to_string(n) + " entries but block_shape has " +
                            std::to_string(rank));
      return Val::error();
    }
  SmallVector<int32_t> perm(order->begin(), order->end());
  SmallVector<bool> seen(rank, false);
  for (int32_t d : perm) {
    if (d < 0 || d >= static_cast<int64_t>(rank) || seen[d]) {
      g.error(a.loc(5), "make_block_ptr() order must be a permutation of 0.." +
                            std::to_string(rank - 1));
      return Val::error();
    }
    seen[d] = true;
  }
  auto type = tile::BlockPointerType::get(RankedTensorType::get(*blockShape, pointee));
  return Val::dyn(tile::MakeBlockPtrOp::create(g.builder(), g.loc(l), type, a[0].v, *shape,
                                               *strides, *offsets, perm));
}

//===----------------------------------------------------------------------===//
// Tensor descriptors
//===----------------------------------------------------------------------===//

/// The shape or strides of a tensor descriptor: kernel parameters (as they are, i32 or i64)
/// or constants (i64), since the runtime reads the same values from the launch's arguments.
std::optional<SmallVector<Value>> descriptorOperands(Generator &g, const Val &v, SourceLoc l,
                                                     const std::string &what) {
  std::optional<std::vector<Val>> elems = integerScalars(g, v, l, what);
  if (!elems)
    return std::nullopt;
  SmallVector<Value> out;
  for (const Val &e : *elems) {
    Value x = e.isDyn() ? e.v : g.materialize(e, g.builder().getI64Type(), l);
    if (!tile::isKernelParameterOrConstant(x)) {
      g.error(l, what + " must be kernel parameters or constants (the runtime builds the "
                        "descriptor from the launch's arguments), got " + g.describe(e));
      return std::nullopt;
    }
    out.push_back(x);
  }
  return out;
}

Val makeTensorDescriptor(Generator &g, const Args &a, SourceLoc l) {
  for (size_t i = 0; i < 4; ++i)
    if (a[i].isError())
      return Val::error();
  Type pointee;
  if (a[0].isDyn() && tile::isKernelParameterOrConstant(a[0].v))
    if (auto p = dyn_cast<tile::PointerType>(a[0].v.getType()))
      pointee = p.getPointeeType();
  if (!pointee) {
    g.error(a.loc(0), "make_tensor_descriptor() base must be a pointer parameter of the kernel "
                      "(the runtime builds the descriptor from it), got " + g.describe(a[0]));
    return Val::error();
  }
  if (pointee.isInteger(1)) {
    g.error(a.loc(0), "make_tensor_descriptor() cannot describe a tensor of bool");
    return Val::error();
  }
  auto blockShape = g.requireShape(a[3], a.loc(3), "make_tensor_descriptor() block_shape");
  auto shape = descriptorOperands(g, a[1], a.loc(1), "make_tensor_descriptor() shape");
  auto strides = descriptorOperands(g, a[2], a.loc(2), "make_tensor_descriptor() strides");
  if (!blockShape || !shape || !strides)
    return Val::error();
  size_t rank = blockShape->size();
  if (rank > 5) {
    g.error(a.loc(3), "make_tensor_descriptor() describes tensors of rank 1 to 5, got rank " +
                          std::to_string(rank));
    return Val::error();
  }
  for (auto [i, n] : {std::pair<size_t, size_t>{1, shape->size()}, {2, strides->size()}})
    if (n != rank) {
      g.error(a.loc(i), std::string("make_tensor_descriptor() ") +
                            (i == 1 ? "shape" : "strides") + " has " + std::to_string(n) +
                            " entries but block_shape has " + std::to_string(rank));
      return Val::error();
    }
  if (!matchPattern(strides->back(), m_One())) {
    g.error(a.loc(2), "make_tensor_descriptor() the last stride must be the constant 1 (the "
                      "innermost dimension is contiguous)");
    return Val::error();
  }
  int64_t bits = pointee.getIntOrFloatBitWidth();
  for (int64_t d : *blockShape)
    if (d > 256) {
      g.error(a.loc(3), "make_tensor_descriptor() block dimensions are at most 256, got " +
                            std::to_string(d));
      return Val::error();
    }
  if (blockShape->back() * bits % 128 != 0) {
    g.error(a.loc(3), "make_tensor_descriptor() the block's last dimension must span a "
                      "multiple of 16 bytes, got " + std::to_string(blockShape->back()) + " x " +
                      g.typeName(pointee));
    return Val::error();
  }
  auto type = tile::TensorDescType::get(RankedTensorType::get(*blockShape, pointee));
  return Val::dyn(
      tile::MakeTensorDescOp::create(g.builder(), g.loc(l), type, a[0].v, *shape, *strides));
}

} // namespace

/// The offsets (i32) of desc.load / desc.store (`fn`), one per dimension of the descriptor.
static std::optional<SmallVector<Value>> descriptorOffsets(Generator &g, const Val &desc,
                                                          const Args &a, SourceLoc l,
                                                          const std::string &fn) {
  auto type = cast<tile::TensorDescType>(desc.v.getType());
  if (!desc.v.getDefiningOp<tile::MakeTensorDescOp>()) {
    g.error(l, fn + "() needs the descriptor of one make_tensor_descriptor(): a descriptor "
                    "cannot be chosen at run time (by an if or a loop)");
    return std::nullopt;
  }
  auto offsets = blockOperands(g, a[1], a.loc(1), fn + "() offsets", g.builder().getI32Type());
  if (!offsets)
    return std::nullopt;
  if (static_cast<int64_t>(offsets->size()) != type.getRank()) {
    g.error(a.loc(1), fn + "() needs " + std::to_string(type.getRank()) + " offsets for a rank-" +
                          std::to_string(type.getRank()) + " tensor descriptor, got " +
                          std::to_string(offsets->size()));
    return std::nullopt;
  }
  return offsets;
}

/// desc.load(offsets): the block at `offsets` (i32), zero outside the tensor.
Val loadDescriptor(Generator &g, const Val &desc, const Args &a, SourceLoc l) {
  auto type = cast<tile::TensorDescType>(desc.v.getType());
  auto offsets = descriptorOffsets(g, desc, a, l, "load");
  if (!offsets)
    return Val::error();
  return Val::dyn(tile::DescriptorLoadOp::create(g.builder(), g.loc(l), type.getBlockType(),
                                                 desc.v, *offsets));
}

/// desc.store(offsets, value): writes the block at `offsets`, not outside the tensor. The
/// value is a tile of the block's shape, or of that shape without its leading 1s (a 2-D tile
/// through a rank-3 descriptor of block (1, R, C)), and of the descriptor's element type
/// exactly, as Triton's: a conversion is the user's, with .to().
Val storeDescriptor(Generator &g, const Val &desc, const Args &a, SourceLoc l) {
  auto type = cast<tile::TensorDescType>(desc.v.getType());
  RankedTensorType block = type.getBlockType();
  auto offsets = descriptorOffsets(g, desc, a, l, "store");
  if (!offsets)
    return Val::error();
  const Val &v = a[2];
  if (!v.isDyn() || !isa<RankedTensorType>(v.v.getType())) {
    g.error(a.loc(2), "store() through a tensor descriptor needs a tile of its block " +
                          g.typeName(block) + ", got " + g.describe(v));
    return Val::error();
  }
  auto value = cast<RankedTensorType>(v.v.getType());
  ArrayRef<int64_t> shape = block.getShape();
  int64_t lead = block.getRank() - value.getRank();
  bool fits = lead >= 0 && value.getRank() >= 1 &&
              llvm::all_of(shape.take_front(std::max<int64_t>(lead, 0)),
                           [](int64_t d) { return d == 1; }) &&
              shape.drop_front(std::max<int64_t>(lead, 0)) == value.getShape();
  if (!fits) {
    g.error(a.loc(2), "shape mismatch in store(): the descriptor's block is " +
                          g.typeName(block) + " (or that without its leading 1s), but " +
                          g.describe(v) + " was given");
    return Val::error();
  }
  if (value.getElementType() != block.getElementType()) {
    g.error(a.loc(2), "store() through a tensor descriptor of " +
                          g.typeName(block.getElementType()) + " needs " +
                          g.typeName(block.getElementType()) + " values, got " + g.describe(v) +
                          "; convert it with .to(" + g.typeName(block.getElementType()) + ")");
    return Val::error();
  }
  tile::DescriptorStoreOp::create(g.builder(), g.loc(l), desc.v, *offsets, v.v);
  return Val::none();
}

namespace {

Val advance(Generator &g, const Args &a, SourceLoc l) {
  if (a[0].isError() || a[1].isError())
    return Val::error();
  if (!isBlockPointer(a[0])) {
    g.error(a.loc(0), "advance() needs a block pointer (from make_block_ptr), got " +
                          g.describe(a[0]) + "; move a pointer by adding to it");
    return Val::error();
  }
  auto type = cast<tile::BlockPointerType>(a[0].v.getType());
  auto offsets = blockOperands(g, a[1], a.loc(1), "advance() offsets", g.builder().getI32Type());
  if (!offsets)
    return Val::error();
  if (static_cast<int64_t>(offsets->size()) != type.getRank()) {
    g.error(a.loc(1), "advance() needs " + std::to_string(type.getRank()) +
                          " offsets for a rank-" + std::to_string(type.getRank()) +
                          " block pointer, got " + std::to_string(offsets->size()));
    return Val::error();
  }
  return Val::dyn(tile::AdvanceOp::create(g.builder(), g.loc(l), a[0].v, *offsets));
}

/// load(block_ptr, boundary_check=..., padding_option=...)
Val loadBlock(Generator &g, const Args &a, SourceLoc l) {
  if (a.has(1) || a.has(2)) {
    g.error(a.loc(a.has(1) ? 1 : 2), "load() of a block pointer takes boundary_check= and "
                                     "padding_option=, not mask= or other=");
    return Val::error();
  }
  auto type = cast<tile::BlockPointerType>(a[0].v.getType());
  auto dims = boundaryCheck(g, a, 3, type.getRank(), "load");
  if (!dims)
    return Val::error();
  auto padding = tile::Padding::Zero;
  if (a.has(4)) {
    auto option = requireString(g, a[4], a.loc(4), "load() padding_option", {"", "zero", "nan"});
    if (!option)
      return Val::error();
    if (*option == "nan") {
      if (!isa<FloatType>(type.getElementType())) {
        g.error(a.loc(4), "load() padding_option 'nan' needs floating-point data, got " +
                              g.typeName(type.getElementType()));
        return Val::error();
      }
      padding = tile::Padding::NaN;
    }
  }
  return Val::dyn(tile::BlockLoadOp::create(g.builder(), g.loc(l), type.getBlockType(), a[0].v,
                                            *dims, padding));
}

/// store(block_ptr, value, boundary_check=...)
Val storeBlock(Generator &g, const Args &a, SourceLoc l) {
  if (a.has(2)) {
    g.error(a.loc(2), "store() of a block pointer takes boundary_check=, not mask=");
    return Val::error();
  }
  auto type = cast<tile::BlockPointerType>(a[0].v.getType());
  auto dims = boundaryCheck(g, a, 3, type.getRank(), "store");
  if (!dims)
    return Val::error();
  ArrayRef<int64_t> shape = type.getBlockType().getShape();
  auto fits = a[1].isValue() ? g.broadcastShapes(shape, g.shapeOf(a[1])) : std::nullopt;
  if (a[1].isValue() && (!fits || ArrayRef<int64_t>(*fits) != shape)) {
    g.error(a.loc(1), "shape mismatch in store(): the block is " +
                          g.typeName(type.getBlockType()) + " but " + g.describe(a[1]) +
                          " was given");
    return Val::error();
  }
  Value value = valueOperand(g, a, 1, type.getElementType(), shape, "store");
  if (!value)
    return Val::error();
  tile::BlockStoreOp::create(g.builder(), g.loc(l), a[0].v, value, *dims);
  return Val::none();
}

//===----------------------------------------------------------------------===//
// load / store
//===----------------------------------------------------------------------===//

/// Triton's cache and eviction hints (arguments from `first` on): checked and accepted; they
/// are performance hints, and lacc's loads and stores do not use them yet.
bool checkCacheHints(Generator &g, const Args &a, size_t first, bool isLoad) {
  static const char *loadModifiers[] = {"", ".ca", ".cg", ".cv"};
  static const char *storeModifiers[] = {"", ".wb", ".cg", ".cs", ".wt"};
  static const char *policies[] = {"", "evict_first", "evict_last", "evict_normal"};
  if (a.has(first) && !requireString(g, a[first], a.loc(first), "cache_modifier",
                                     isLoad ? ArrayRef<const char *>(loadModifiers)
                                            : ArrayRef<const char *>(storeModifiers)))
    return false;
  if (a.has(first + 1) &&
      !requireString(g, a[first + 1], a.loc(first + 1), "eviction_policy", policies))
    return false;
  if (isLoad && a.has(first + 2) &&
      !requireConstBool(g, a[first + 2], a.loc(first + 2), "volatile"))
    return false;
  return true;
}

Val load(Generator &g, const Args &a, SourceLoc l) {
  if (!checkCacheHints(g, a, 5, /*isLoad=*/true))
    return Val::error();
  if (isBlockPointer(a[0]))
    return loadBlock(g, a, l);
  auto elt = requirePointer(g, a[0], a.loc(0), "load");
  if (!elt)
    return Val::error();
  if (a.has(3) || a.has(4)) {
    g.error(a.loc(a.has(3) ? 3 : 4), "load() boundary_check= and padding_option= apply to "
                                     "block pointers (make_block_ptr); use mask= and other=");
    return Val::error();
  }
  if (a.has(2) && !a.has(1)) {
    g.error(a.loc(2), "load() other= needs a mask=: it fills the masked-off elements");
    return Val::error();
  }
  auto shape = memShape(g, a, {1, 2}, "load");
  if (!shape)
    return Val::error();
  Value ptr = g.broadcastTo(a[0].v, *shape, a.loc(0));
  auto mask = maskOperand(g, a, 1, *shape, "load");
  if (!mask)
    return Val::error();
  Value other;
  if (a.has(2)) {
    if (!a[2].isValue()) {
      g.error(a.loc(2), "load() other must be a value, got " + g.describe(a[2]));
      return Val::error();
    }
    Val o = g.castTo(a[2], *elt, a.loc(2));
    if (o.isError())
      return o;
    other = g.broadcastTo(g.materialize(o, *elt, a.loc(2)), *shape, a.loc(2));
  }
  return Val::dyn(tile::LoadOp::create(g.builder(), g.loc(l), ptr, *mask, other));
}

Val store(Generator &g, const Args &a, SourceLoc l) {
  if (!checkCacheHints(g, a, 4, /*isLoad=*/false))
    return Val::error();
  if (isBlockPointer(a[0]))
    return storeBlock(g, a, l);
  auto elt = requirePointer(g, a[0], a.loc(0), "store");
  if (!elt || a[1].isError())
    return Val::error();
  if (a.has(3)) {
    g.error(a.loc(3), "store() boundary_check= applies to block pointers (make_block_ptr); "
                      "use mask=");
    return Val::error();
  }
  if (!checkNotThroughScalarPointer(g, a, {1}, "store"))
    return Val::error();
  auto shape = memShape(g, a, {1, 2}, "store");
  if (!shape)
    return Val::error();
  Value ptr = g.broadcastTo(a[0].v, *shape, a.loc(0));
  Value value = valueOperand(g, a, 1, *elt, *shape, "store");
  auto mask = maskOperand(g, a, 2, *shape, "store");
  if (!mask || !value)
    return Val::error();
  tile::StoreOp::create(g.builder(), g.loc(l), ptr, value, *mask);
  return Val::none();
}

//===----------------------------------------------------------------------===//
// Atomics
//===----------------------------------------------------------------------===//

/// sem= and scope=, with Triton's defaults (acq_rel, gpu).
std::optional<std::pair<tile::MemSemantic, tile::MemScope>>
ordering(Generator &g, const Args &a, size_t semIndex, const char *fn) {
  auto sem = tile::MemSemantic::AcqRel;
  auto scope = tile::MemScope::Gpu;
  if (a.has(semIndex)) {
    auto s = requireString(g, a[semIndex], a.loc(semIndex), std::string(fn) + "() sem",
                           {"relaxed", "acquire", "release", "acq_rel"});
    if (!s)
      return std::nullopt;
    sem = *tile::symbolizeMemSemantic(*s);
  }
  if (a.has(semIndex + 1)) {
    auto s = requireString(g, a[semIndex + 1], a.loc(semIndex + 1), std::string(fn) + "() scope",
                           {"cta", "gpu", "sys"});
    if (!s)
      return std::nullopt;
    scope = *tile::symbolizeMemScope(*s);
  }
  return std::pair{sem, scope};
}

Val atomicRMW(Generator &g, const Args &a, SourceLoc l, const char *fn, tile::AtomicKind kind) {
  auto elt = requirePointer(g, a[0], a.loc(0), fn);
  if (!elt || a[1].isError())
    return Val::error();
  unsigned width = elt->getIntOrFloatBitWidth();
  bool isFloat = isa<FloatType>(*elt);
  if (isFloat && width == 16 && kind != tile::AtomicKind::Add) {
    g.error(l, std::string(fn) + "() of 16-bit floats is not supported; only atomic_add() "
                                 "takes f16 and bf16");
    return Val::error();
  }
  if (width < (isFloat ? 16u : 32u)) {
    g.error(l, std::string(fn) + "() needs 32- or 64-bit data, got " + g.typeName(*elt));
    return Val::error();
  }
  if (!checkNotThroughScalarPointer(g, a, {1}, fn))
    return Val::error();
  auto order = ordering(g, a, 3, fn);
  auto shape = memShape(g, a, {1, 2}, fn);
  if (!order || !shape)
    return Val::error();
  Value ptr = g.broadcastTo(a[0].v, *shape, a.loc(0));
  Value value = valueOperand(g, a, 1, *elt, *shape, fn);
  auto mask = maskOperand(g, a, 2, *shape, fn);
  if (!mask || !value)
    return Val::error();
  return Val::dyn(tile::AtomicRMWOp::create(g.builder(), g.loc(l), value.getType(), kind, ptr,
                                            value, *mask, order->first, order->second));
}

Val atomicCAS(Generator &g, const Args &a, SourceLoc l) {
  auto elt = requirePointer(g, a[0], a.loc(0), "atomic_cas");
  if (!elt || a[1].isError() || a[2].isError())
    return Val::error();
  unsigned width = elt->getIntOrFloatBitWidth();
  if (width != 32 && width != 64) {
    g.error(l, "atomic_cas() needs 32- or 64-bit data, got " + g.typeName(*elt));
    return Val::error();
  }
  if (!checkNotThroughScalarPointer(g, a, {1, 2}, "atomic_cas"))
    return Val::error();
  auto order = ordering(g, a, 3, "atomic_cas");
  auto shape = memShape(g, a, {1, 2}, "atomic_cas");
  if (!order || !shape)
    return Val::error();
  Value ptr = g.broadcastTo(a[0].v, *shape, a.loc(0));
  Value cmp = valueOperand(g, a, 1, *elt, *shape, "atomic_cas");
  Value val = valueOperand(g, a, 2, *elt, *shape, "atomic_cas");
  if (!cmp || !val)
    return Val::error();
  return Val::dyn(tile::AtomicCASOp::create(g.builder(), g.loc(l), cmp.getType(), ptr, cmp, val,
                                            order->first, order->second));
}

//===----------------------------------------------------------------------===//
// Hints
//===----------------------------------------------------------------------===//

/// multiple_of(x, 16) / max_contiguous(x, 8): a tile.assume on x. A hint on
/// a value that already carries the other one extends that op.
Val assume(Generator &g, const Args &a, SourceLoc l, bool divisibility) {
  const char *fn = divisibility ? "multiple_of" : "max_contiguous";
  if (a[0].isError() || a[1].isError())
    return Val::error();
  if (a[0].isConst()) // a hint about a constant says nothing new
    return a[0];
  Type elt = a[0].isDyn() ? getElementTypeOrSelf(a[0].v.getType()) : Type();
  if (!elt || !(isa<tile::PointerType>(elt) || (isa<IntegerType>(elt) && !elt.isInteger(1)))) {
    g.error(a.loc(0), std::string(fn) + "() needs an integer or pointer value, got " +
                          g.describe(a[0]));
    return Val::error();
  }
  auto values = requireConstInts(g, a[1], a.loc(1), std::string(fn) + "() values");
  if (!values)
    return Val::error();
  ArrayRef<int64_t> shape = g.shapeOf(a[0]);
  size_t entries = std::max<size_t>(shape.size(), 1);
  if (values->size() == 1)
    values->resize(entries, values->front());
  if (values->size() != entries) {
    g.error(a.loc(1), std::string(fn) + "() needs " +
                          (entries == 1 ? std::string("1 value")
                                        : "1 value or " + std::to_string(entries) +
                                              " (one per dimension)") +
                          " for " + g.describe(a[0]) + ", got " + std::to_string(values->size()));
    return Val::error();
  }
  for (auto [d, v] : llvm::enumerate(*values)) {
    if (v < 1) {
      g.error(a.loc(1), std::string(fn) + "() values must be positive, got " + std::to_string(v));
      return Val::error();
    }
    if (!divisibility && v > (shape.empty() ? 1 : shape[d])) {
      g.error(a.loc(1), "max_contiguous() value " + std::to_string(v) +
                            " exceeds dimension " + std::to_string(d) + " of " +
                            g.describe(a[0]));
      return Val::error();
    }
  }
  Value src = a[0].v;
  DenseI64ArrayAttr div, contig;
  if (auto prev = src.getDefiningOp<tile::AssumeOp>()) {
    src = prev.getSrc();
    div = prev.getDivisibilityAttr();
    contig = prev.getContiguityAttr();
  }
  (divisibility ? div : contig) = g.builder().getDenseI64ArrayAttr(*values);
  return Val::dyn(tile::AssumeOp::create(g.builder(), g.loc(l), src, div, contig));
}

} // namespace

void addMemoryBuiltins(Table &t) {
  t["load"] = {{{"pointer", true}, {"mask"}, {"other"}, {"boundary_check"}, {"padding_option"},
                {"cache_modifier"}, {"eviction_policy"}, {"volatile"}},
               load};
  t["store"] = {{{"pointer", true}, {"value", true}, {"mask"}, {"boundary_check"},
                 {"cache_modifier"}, {"eviction_policy"}},
                store};
  auto atomic = [&](const char *name, tile::AtomicKind kind) {
    t[name] = {{{"pointer", true}, {"val", true}, {"mask"}, {"sem"}, {"scope"}},
               [name, kind](Generator &g, const Args &a, SourceLoc l) {
                 return atomicRMW(g, a, l, name, kind);
               }};
  };
  atomic("atomic_add", tile::AtomicKind::Add);
  atomic("atomic_max", tile::AtomicKind::Max);
  atomic("atomic_min", tile::AtomicKind::Min);
  atomic("atomic_xchg", tile::AtomicKind::Exchange);
  t["atomic_cas"] = {{{"pointer", true}, {"cmp", true}, {"val", true}, {"sem"}, {"scope"}},
                     atomicCAS};
  t["debug_barrier"] = {{}, [](Generator &g, const Args &, SourceLoc l) {
                          tile::BarrierOp::create(g.builder(), g.loc(l));
                          return Val::none();
                        }};
  t["make_block_ptr"] = {{{"base", true},
                          {"shape", true},
                          {"strides", true},
                          {"offsets", true},
                          {"block_shape", true},
                          {"order", true}},
                         makeBlockPtr};
  t["advance"] = {{{"base", true}, {"offsets", true}}, advance};
  t["make_tensor_descriptor"] = {
      {{"base", true}, {"shape", true}, {"strides", true}, {"block_shape", true}},
      makeTensorDescriptor};
  t["multiple_of"] = {{{"input", true}, {"values", true}},
                      [](Generator &g, const Args &a, SourceLoc l) {
                        return assume(g, a, l, /*divisibility=*/true);
                      }};
  t["max_contiguous"] = {{{"input", true}, {"values", true}},
                         [](Generator &g, const Args &a, SourceLoc l) {
                           return assume(g, a, l, /*divisibility=*/false);
                         }};
}

} // namespace lacc::builtins
