//===- Builtins.cpp - the tile language's builtin functions ---------------===//
//
// Each builtin binds its arguments Python-style against a parameter list,
// checks them, and builds tile/arith/math IR. The set mirrors Triton's
// `tl.*` functions.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Generator.h"

#include <cmath>
#include <functional>

using namespace mlir;

namespace lacc {

using ast::Expr;

namespace {

struct Param {
  const char *name;
  bool required = false;
};

/// Arguments bound to a builtin's parameters; absent ones are None.
struct Args {
  std::vector<Val> values;
  std::vector<SourceLoc> locs;
  std::vector<bool> given;
  const Val &operator[](size_t i) const { return values[i]; }
  SourceLoc loc(size_t i) const { return locs[i]; }
  bool has(size_t i) const { return given[i] && values[i].kind != Val::Kind::None; }
};

constexpr int64_t kMaxTileElements = 1 << 20;

bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

using BuiltinFn = std::function<Val(Generator &, const Args &, SourceLoc)>;

struct Builtin {
  std::vector<Param> params;
  BuiltinFn fn;
  bool compileTime = false; // usable outside a kernel body (folds constants)
};

const std::map<std::string, Builtin> &builtins();

} // namespace

bool Generator::isBuiltin(StringRef name) const {
  return builtins().count(name.str()) || name == "range" || name == "static_range";
}

//===----------------------------------------------------------------------===//
// Argument helpers
//===----------------------------------------------------------------------===//

std::optional<int64_t> Generator::requireConstInt(const Val &v, SourceLoc l,
                                                  const std::string &what) {
  if (v.isError())
    return std::nullopt;
  if (!v.isConst() || v.c.isFloat()) {
    error(l, what + " must be a compile-time integer, got " + describe(v));
    return std::nullopt;
  }
  return v.c.i;
}

std::optional<SmallVector<int64_t>> Generator::requireShape(const Val &v, SourceLoc l,
                                                            const std::string &what) {
  SmallVector<int64_t> shape;
  auto dim = [&](const Val &d) {
    auto n = requireConstInt(d, l, what);
    if (!n)
      return false;
    if (!isPowerOfTwo(*n)) {
      error(l, what + ": dimension " + std::to_string(*n) + " is not a power of two");
      return false;
    }
    shape.push_back(*n);
    return true;
  };
  if (v.kind == Val::Kind::Tuple) {
    if (v.elems.empty()) {
      error(l, what + " must have at least one dimension");
      return std::nullopt;
    }
    for (const Val &d : v.elems)
      if (!dim(d))
        return std::nullopt;
  } else if (!dim(v)) {
    return std::nullopt;
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    n *= d;
    if (n > kMaxTileElements) {
      error(l, what + ": a tile of more than " + std::to_string(kMaxTileElements) +
                   " elements is not supported");
      return std::nullopt;
    }
  }
  return shape;
}

namespace {

std::optional<Type> requireDType(Generator &g, const Val &v, SourceLoc l, const char *what) {
  if (v.isError())
    return std::nullopt;
  if (v.kind != Val::Kind::DType) {
    g.error(l, std::string(what) + " must be a type such as f32 or bf16, got " + g.describe(v));
    return std::nullopt;
  }
  return v.dtype;
}

std::optional<bool> requireConstBool(Generator &g, const Val &v, SourceLoc l, const char *what) {
  if (v.isError())
    return std::nullopt;
  if (!v.isConst()) {
    g.error(l, std::string(what) + " must be a compile-time constant, got " + g.describe(v));
    return std::nullopt;
  }
  return v.c.truthy();
}

/// A runtime tile or scalar (constants are materialized in their default type).
Value requireValue(Generator &g, const Val &v, SourceLoc l, const char *what) {
  if (v.isError())
    return {};
  if (!v.isValue()) {
    g.error(l, std::string(what) + " must be a value, got " + g.describe(v));
    return {};
  }
  if (v.isConst())
    return g.materialize(v, g.defaultType(v.c), l);
  return v.v;
}

Value requireTile(Generator &g, const Val &v, SourceLoc l, const char *what) {
  Value t = requireValue(g, v, l, what);
  if (t && !isa<RankedTensorType>(t.getType())) {
    g.error(l, std::string(what) + " must be a tile, got " + g.describe(v));
    return {};
  }
  return t;
}

/// Normalizes a possibly negative axis.
std::optional<int> requireAxis(Generator &g, const Val &v, SourceLoc l, int64_t rank) {
  auto axis = g.requireConstInt(v, l, "axis");
  if (!axis)
    return std::nullopt;
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a >= rank) {
    g.error(l, "axis " + std::to_string(*axis) + " is out of range for a tile of rank " +
                   std::to_string(rank));
    return std::nullopt;
  }
  return static_cast<int>(a);
}

Type f32(Generator &g) { return g.builder().getF32Type(); }

//===----------------------------------------------------------------------===//
// Program identity, construction
//===----------------------------------------------------------------------===//

Val programIdLike(Generator &g, const Args &a, SourceLoc l, bool count) {
  auto axis = g.requireConstInt(a[0], a.loc(0), "axis");
  if (!axis)
    return Val::error();
  if (*axis < 0 || *axis > 2) {
    g.error(a.loc(0), "axis must be 0, 1 or 2, got " + std::to_string(*axis));
    return Val::error();
  }
  auto attr = g.builder().getI32IntegerAttr(*axis);
  if (count)
    return Val::dyn(tile::NumProgramsOp::create(g.builder(), g.loc(l), g.builder().getI32Type(), attr));
  return Val::dyn(tile::ProgramIdOp::create(g.builder(), g.loc(l), g.builder().getI32Type(), attr));
}

Val arange(Generator &g, const Args &a, SourceLoc l) {
  auto start = g.requireConstInt(a[0], a.loc(0), "arange() start");
  auto end = g.requireConstInt(a[1], a.loc(1), "arange() end");
  if (!start || !end)
    return Val::error();
  if (*start < INT32_MIN || *end > INT32_MAX || *end <= *start) {
    g.error(l, "arange(" + std::to_string(*start) + ", " + std::to_string(*end) +
                   ") is empty or outside the i32 range");
    return Val::error();
  }
  int64_t n = *end - *start;
  if (!isPowerOfTwo(n) || n > kMaxTileElements) {
    g.error(l, "arange() length " + std::to_string(n) + " is not a power of two" +
                   (n > kMaxTileElements ? " no larger than 2^20" : ""));
    return Val::error();
  }
  auto type = RankedTensorType::get({n}, g.builder().getI32Type());
  return Val::dyn(tile::MakeRangeOp::create(g.builder(), g.loc(l), type,
                                            static_cast<int32_t>(*start),
                                            static_cast<int32_t>(*end)));
}

Val full(Generator &g, const Val &shapeArg, SourceLoc shapeLoc, const Val &value,
         SourceLoc valueLoc, std::optional<Type> dtype, SourceLoc l) {
  auto shape = g.requireShape(shapeArg, shapeLoc, "shape");
  if (!shape || value.isError())
    return Val::error();
  if (value.isDyn() && isa<RankedTensorType>(value.v.getType())) {
    g.error(valueLoc, "full() needs a scalar value, got " + g.describe(value));
    return Val::error();
  }
  if (!value.isValue()) {
    g.error(valueLoc, "full() needs a scalar value, got " + g.describe(value));
    return Val::error();
  }
  Type elt = dtype ? *dtype : getElementTypeOrSelf(g.typeOf(value));
  if (isa<tile::PointerType>(elt)) {
    Value splat = tile::SplatOp::create(g.builder(), g.loc(l), RankedTensorType::get(*shape, elt),
                                        value.v);
    return Val::dyn(splat);
  }
  auto type = RankedTensorType::get(*shape, elt);
  if (value.isConst()) {
    Val c = g.castTo(value, elt, valueLoc);
    if (c.isError())
      return c;
    TypedAttr scalar = isa<FloatType>(elt)
                           ? TypedAttr(g.builder().getFloatAttr(elt, c.c.asDouble()))
                           : TypedAttr(g.builder().getIntegerAttr(elt, c.c.i));
    return Val::dyn(arith::ConstantOp::create(g.builder(), g.loc(l),
                                              DenseElementsAttr::get(type, scalar)));
  }
  Value scalar = g.convert(value.v, elt, valueLoc);
  if (!scalar)
    return Val::error();
  return Val::dyn(tile::SplatOp::create(g.builder(), g.loc(l), type, scalar));
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

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

/// The shape that pointer, value and mask broadcast to.
std::optional<SmallVector<int64_t>> memShape(Generator &g, const Args &a,
                                             std::initializer_list<size_t> operands,
                                             SourceLoc l, const char *fn) {
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

Val load(Generator &g, const Args &a, SourceLoc l) {
  auto elt = requirePointer(g, a[0], a.loc(0), "load");
  if (!elt)
    return Val::error();
  if (a.has(2) && !a.has(1)) {
    g.error(a.loc(2), "load() other= needs a mask=: it fills the masked-off elements");
    return Val::error();
  }
  auto shape = memShape(g, a, {1, 2}, l, "load");
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

Val storeLike(Generator &g, const Args &a, SourceLoc l, const char *fn,
              std::optional<tile::AtomicKind> atomic) {
  auto elt = requirePointer(g, a[0], a.loc(0), fn);
  if (!elt || a[1].isError())
    return Val::error();
  if (!a[1].isValue()) {
    g.error(a.loc(1), std::string(fn) + "() value must be a tile or scalar, got " +
                          g.describe(a[1]));
    return Val::error();
  }
  if (!isa<RankedTensorType>(a[0].v.getType()) && !g.shapeOf(a[1]).empty()) {
    g.error(a.loc(1), std::string(fn) + "() of " + g.describe(a[1]) +
                          " through a single pointer; offset the pointer by a tile (p + arange(...))");
    return Val::error();
  }
  auto shape = memShape(g, a, {1, 2}, l, fn);
  if (!shape)
    return Val::error();
  Value ptr = g.broadcastTo(a[0].v, *shape, a.loc(0));
  Val v = g.castTo(a[1], *elt, a.loc(1)); // stores convert to the pointee type, like Triton
  if (v.isError())
    return v;
  Value value = g.broadcastTo(g.materialize(v, *elt, a.loc(1)), *shape, a.loc(1));
  auto mask = maskOperand(g, a, 2, *shape, fn);
  if (!mask || !value)
    return Val::error();
  if (atomic) {
    if (isa<FloatType>(*elt) && *atomic != tile::AtomicKind::Add &&
        *atomic != tile::AtomicKind::Exchange) {
      g.error(l, std::string(fn) + "() needs integer data, got " + g.typeName(*elt));
      return Val::error();
    }
    unsigned width = elt->getIntOrFloatBitWidth();
    if (width < 32 && !(isa<FloatType>(*elt) && *atomic == tile::AtomicKind::Add && width == 16)) {
      g.error(l, std::string(fn) + "() needs 32- or 64-bit data, got " + g.typeName(*elt));
      return Val::error();
    }
    if (width < 32) {
      g.error(l, std::string(fn) + "() of 16-bit floats is not supported; accumulate in f32");
      return Val::error();
    }
    return Val::dyn(tile::AtomicRMWOp::create(g.builder(), g.loc(l), value.getType(), *atomic,
                                              ptr, value, *mask));
  }
  tile::StoreOp::create(g.builder(), g.loc(l), ptr, value, *mask);
  return Val::none();
}

//===----------------------------------------------------------------------===//
// Linear algebra and shapes
//===----------------------------------------------------------------------===//

Val dot(Generator &g, const Args &a, SourceLoc l) {
  Value x = requireTile(g, a[0], a.loc(0), "dot() operand a");
  Value y = requireTile(g, a[1], a.loc(1), "dot() operand b");
  auto transA = a.has(3) ? requireConstBool(g, a[3], a.loc(3), "trans_a") : false;
  auto transB = a.has(4) ? requireConstBool(g, a[4], a.loc(4), "trans_b") : false;
  if (!x || !y || !transA || !transB)
    return Val::error();
  auto tx = cast<RankedTensorType>(x.getType()), ty = cast<RankedTensorType>(y.getType());
  if (tx.getRank() != 2 || ty.getRank() != 2) {
    g.error(l, "dot() needs 2-D tiles, got " + g.typeName(tx) + " and " + g.typeName(ty));
    return Val::error();
  }
  if (*transA)
    x = tile::TransOp::create(g.builder(), g.loc(a.loc(3)), x, ArrayRef<int32_t>{1, 0});
  if (*transB)
    y = tile::TransOp::create(g.builder(), g.loc(a.loc(4)), y, ArrayRef<int32_t>{1, 0});
  tx = cast<RankedTensorType>(x.getType());
  ty = cast<RankedTensorType>(y.getType());
  Type in = tx.getElementType();
  if (in != ty.getElementType()) {
    g.error(l, "dot() operands must have one element type, got " + g.typeName(tx) + " and " +
                   g.typeName(ty) + "; convert one with .to()");
    return Val::error();
  }
  if (!isa<FloatType>(in) && !in.isInteger(8)) {
    g.error(l, "dot() needs floating-point or i8 operands, got " + g.typeName(in));
    return Val::error();
  }
  int64_t m = tx.getDimSize(0), k = tx.getDimSize(1), n = ty.getDimSize(1);
  if (ty.getDimSize(0) != k) {
    g.error(l, "dot() shape mismatch: a is " + std::to_string(m) + "x" + std::to_string(k) +
                   " but b is " + std::to_string(ty.getDimSize(0)) + "x" + std::to_string(n) +
                   " (the inner dimensions must agree)");
    return Val::error();
  }
  Type accElt = in.isInteger(8) ? g.builder().getI32Type() : f32(g);
  auto accType = RankedTensorType::get({m, n}, accElt);
  Value acc;
  if (a.has(2)) {
    acc = requireTile(g, a[2], a.loc(2), "dot() acc");
    if (!acc)
      return Val::error();
    auto t = cast<RankedTensorType>(acc.getType());
    if (t.getShape() != accType.getShape() ||
        !(t.getElementType() == accElt || t.getElementType() == in)) {
      g.error(a.loc(2), "dot() acc must be " + g.typeName(accType) + ", got " + g.typeName(t));
      return Val::error();
    }
  } else {
    Val zero = Val::constant(Const::ofInt(0));
    return Val::dyn(tile::DotOp::create(
        g.builder(), g.loc(l), accType, x, y,
        full(g, Val::tuple({Val::constant(Const::ofInt(m)), Val::constant(Const::ofInt(n))}), l,
             zero, l, accElt, l)
            .v));
  }
  return Val::dyn(tile::DotOp::create(g.builder(), g.loc(l), acc.getType(), x, y, acc));
}

Val trans(Generator &g, const Val &input, SourceLoc inputLoc, const Val &dims, SourceLoc dimsLoc,
          SourceLoc l) {
  Value x = requireTile(g, input, inputLoc, "trans() input");
  if (!x)
    return Val::error();
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<int32_t> order;
  if (dims.kind == Val::Kind::None) {
    if (rank != 2) {
      g.error(l, "trans() of a rank-" + std::to_string(rank) +
                     " tile needs the permutation, e.g. trans(x, (2, 0, 1))");
      return Val::error();
    }
    order = {1, 0};
  } else {
    std::vector<Val> elems = dims.kind == Val::Kind::Tuple ? dims.elems : std::vector<Val>{dims};
    for (const Val &d : elems) {
      auto v = g.requireConstInt(d, dimsLoc, "trans() dimension");
      if (!v)
        return Val::error();
      order.push_back(static_cast<int32_t>(*v));
    }
    SmallVector<bool> seen(rank, false);
    bool ok = static_cast<int64_t>(order.size()) == rank;
    for (int32_t d : order) {
      ok = ok && d >= 0 && d < rank && !seen[d];
      if (ok)
        seen[d] = true;
    }
    if (!ok) {
      g.error(dimsLoc, "trans() dimensions must be a permutation of 0.." + std::to_string(rank - 1));
      return Val::error();
    }
  }
  return Val::dyn(tile::TransOp::create(g.builder(), g.loc(l), x, order));
}

Val reshape(Generator &g, const Args &a, SourceLoc l) {
  Value x = requireTile(g, a[0], a.loc(0), "reshape() input");
  auto shape = g.requireShape(a[1], a.loc(1), "reshape() shape");
  if (!x || !shape)
    return Val::error();
  auto type = cast<RankedTensorType>(x.getType());
  int64_t n = 1;
  for (int64_t d : *shape)
    n *= d;
  if (n != type.getNumElements()) {
    g.error(l, "reshape() cannot turn " + g.typeName(type) + " (" +
                   std::to_string(type.getNumElements()) + " elements) into " +
                   std::to_string(n) + " elements");
    return Val::error();
  }
  return Val::dyn(tile::ReshapeOp::create(g.builder(), g.loc(l), type.clone(*shape), x));
}

Val where(Generator &g, const Args &a, SourceLoc l) {
  if (a[0].isError() || a[1].isError() || a[2].isError())
    return Val::error();
  if (!a[0].isValue() || !getElementTypeOrSelf(g.typeOf(a[0])).isInteger(1)) {
    g.error(a.loc(0), "where() condition must be boolean, got " + g.describe(a[0]));
    return Val::error();
  }
  if (!a[1].isValue() || !a[2].isValue()) {
    g.error(l, "where() selects between values, got " + g.describe(a[1]) + " and " +
                   g.describe(a[2]));
    return Val::error();
  }
  if (a[0].isConst())
    return a[0].c.truthy() ? a[1] : a[2];
  auto elt = g.promote(a[1], a[2], ast::BinOp::Add, l);
  if (a[1].isConst() && a[2].isConst())
    elt = g.defaultType(a[1].c) == g.defaultType(a[2].c) ? g.defaultType(a[1].c)
          : (a[1].c.isFloat() || a[2].c.isFloat()) ? f32(g)
                                                   : g.builder().getI32Type();
  if (!elt)
    return Val::error();
  auto shape = g.broadcastShapes(g.shapeOf(a[0]), g.shapeOf(a[1]));
  if (shape)
    shape = g.broadcastShapes(*shape, g.shapeOf(a[2]));
  if (!shape) {
    g.error(l, "shape mismatch in where(): " + g.describe(a[0]) + ", " + g.describe(a[1]) +
                   " and " + g.describe(a[2]) + " cannot be broadcast together");
    return Val::error();
  }
  Value c = g.broadcastTo(a[0].v, *shape, a.loc(0));
  Value x = g.broadcastTo(g.materialize(a[1], *elt, a.loc(1)), *shape, a.loc(1));
  Value y = g.broadcastTo(g.materialize(a[2], *elt, a.loc(2)), *shape, a.loc(2));
  if (!c || !x || !y)
    return Val::error();
  return Val::dyn(arith::SelectOp::create(g.builder(), g.loc(l), c, x, y));
}

Val minMax(Generator &g, const Args &a, SourceLoc l, bool isMax) {
  if (a[0].isError() || a[1].isError())
    return Val::error();
  if (!a[0].isValue() || !a[1].isValue()) {
    g.error(l, std::string(isMax ? "maximum" : "minimum") + "() takes values, got " +
                   g.describe(a[0]) + " and " + g.describe(a[1]));
    return Val::error();
  }
  if (a[0].isConst() && a[1].isConst()) {
    bool firstWins = (a[0].c.asDouble() > a[1].c.asDouble()) == isMax;
    return firstWins ? a[0] : a[1];
  }
  if (isa<tile::PointerType>(getElementTypeOrSelf(g.typeOf(a[0]))) ||
      isa<tile::PointerType>(getElementTypeOrSelf(g.typeOf(a[1])))) {
    g.error(l, "cannot compare pointers");
    return Val::error();
  }
  auto elt = g.promote(a[0], a[1], ast::BinOp::Add, l);
  auto shape = g.broadcastShapes(g.shapeOf(a[0]), g.shapeOf(a[1]));
  if (!elt || !shape) {
    if (!shape)
      g.error(l, "shape mismatch: " + g.describe(a[0]) + " and " + g.describe(a[1]) +
                     " cannot be broadcast together");
    return Val::error();
  }
  Value x = g.broadcastTo(g.materialize(a[0], *elt, a.loc(0)), *shape, l);
  Value y = g.broadcastTo(g.materialize(a[1], *elt, a.loc(1)), *shape, l);
  if (!x || !y)
    return Val::error();
  Location at = g.loc(l);
  if (isa<FloatType>(*elt))
    return Val::dyn(isMax ? Value(arith::MaxNumFOp::create(g.builder(), at, x, y))
                          : Value(arith::MinNumFOp::create(g.builder(), at, x, y)));
  return Val::dyn(isMax ? Value(arith::MaxSIOp::create(g.builder(), at, x, y))
                        : Value(arith::MinSIOp::create(g.builder(), at, x, y)));
}

//===----------------------------------------------------------------------===//
// Elementwise math
//===----------------------------------------------------------------------===//

enum class MathFn { Exp, Exp2, Log, Log2, Sqrt, Rsqrt, Sin, Cos, Floor, Ceil, Abs, Sigmoid, Silu };

double foldMath(MathFn fn, double x) {
  switch (fn) {
  case MathFn::Exp: return std::exp(x);
  case MathFn::Exp2: return std::exp2(x);
  case MathFn::Log: return std::log(x);
  case MathFn::Log2: return std::log2(x);
  case MathFn::Sqrt: return std::sqrt(x);
  case MathFn::Rsqrt: return 1 / std::sqrt(x);
  case MathFn::Sin: return std::sin(x);
  case MathFn::Cos: return std::cos(x);
  case MathFn::Floor: return std::floor(x);
  case MathFn::Ceil: return std::ceil(x);
  case MathFn::Abs: return std::fabs(x);
  case MathFn::Sigmoid: return 1 / (1 + std::exp(-x));
  case MathFn::Silu: return x / (1 + std::exp(-x));
  }
  return x;
}

/// Transcendentals compute in f32 (f64 stays f64): 16-bit inputs are widened
/// and the result narrowed back, as Triton does; integers become f32.
Val math(Generator &g, MathFn fn, const Args &a, SourceLoc l) {
  const Val &x = a[0];
  if (x.isError())
    return x;
  if (!x.isValue()) {
    g.error(a.loc(0), "expected a value, got " + g.describe(x));
    return Val::error();
  }
  if (x.isConst()) {
    if (fn == MathFn::Abs && !x.c.isFloat())
      return Val::constant(Const::ofInt(x.c.i < 0 ? -x.c.i : x.c.i, x.c.type));
    return Val::constant(Const::ofFloat(foldMath(fn, x.c.asDouble()),
                                        x.c.isFloat() ? x.c.type : Type()));
  }
  Type elt = getElementTypeOrSelf(x.v.getType());
  if (isa<tile::PointerType>(elt)) {
    g.error(a.loc(0), "expected a number, got " + g.describe(x));
    return Val::error();
  }
  Location at = g.loc(l);
  OpBuilder &b = g.builder();
  if (fn == MathFn::Abs && isa<IntegerType>(elt))
    return Val::dyn(math::AbsIOp::create(b, at, x.v));
  if (fn == MathFn::Abs)
    return Val::dyn(math::AbsFOp::create(b, at, x.v));
  Type compute = elt.isF64() ? elt : f32(g);
  Type out = isa<FloatType>(elt) ? elt : compute;
  Value v = g.convert(x.v, compute, a.loc(0));
  auto one = [&]() {
    return g.broadcastTo(g.constantOf(Const::ofFloat(1), compute, l), g.shapeOf(x), l);
  };
  auto sigmoid = [&](Value in) -> Value {
    Value e = math::ExpOp::create(b, at, arith::NegFOp::create(b, at, in));
    return arith::DivFOp::create(b, at, one(), arith::AddFOp::create(b, at, one(), e));
  };
  Value r;
  switch (fn) {
  case MathFn::Exp: r = math::ExpOp::create(b, at, v); break;
  case MathFn::Exp2: r = math::Exp2Op::create(b, at, v); break;
  case MathFn::Log: r = math::LogOp::create(b, at, v); break;
  case MathFn::Log2: r = math::Log2Op::create(b, at, v); break;
  case MathFn::Sqrt: r = math::SqrtOp::create(b, at, v); break;
  case MathFn::Rsqrt: r = math::RsqrtOp::create(b, at, v); break;
  case MathFn::Sin: r = math::SinOp::create(b, at, v); break;
  case MathFn::Cos: r = math::CosOp::create(b, at, v); break;
  case MathFn::Floor: r = math::FloorOp::create(b, at, v); break;
  case MathFn::Ceil: r = math::CeilOp::create(b, at, v); break;
  case MathFn::Sigmoid: r = sigmoid(v); break;
  case MathFn::Silu: r = arith::MulFOp::create(b, at, v, sigmoid(v)); break;
  case MathFn::Abs: break;
  }
  return Val::dyn(g.convert(r, out, l));
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

const std::map<std::string, Builtin> &builtins() {
  static const std::map<std::string, Builtin> table = [] {
    std::map<std::string, Builtin> t;
    t["program_id"] = {{{"axis"}}, [](Generator &g, const Args &a, SourceLoc l) {
                         return programIdLike(g, a, l, false);
                       }};
    t["num_programs"] = {{{"axis"}}, [](Generator &g, const Args &a, SourceLoc l) {
                           return programIdLike(g, a, l, true);
                         }};
    t["arange"] = {{{"start", true}, {"end", true}}, arange};
    t["zeros"] = {{{"shape", true}, {"dtype"}}, [](Generator &g, const Args &a, SourceLoc l) {
                    std::optional<Type> dtype = f32(g);
                    if (a.has(1) && !(dtype = requireDType(g, a[1], a.loc(1), "dtype")))
                      return Val::error();
                    return full(g, a[0], a.loc(0), Val::constant(Const::ofInt(0)), l, dtype, l);
                  }};
    t["full"] = {{{"shape", true}, {"value", true}, {"dtype"}},
                 [](Generator &g, const Args &a, SourceLoc l) {
                   std::optional<Type> dtype;
                   if (a.has(2) && !(dtype = requireDType(g, a[2], a.loc(2), "dtype")))
                     return Val::error();
                   return full(g, a[0], a.loc(0), a[1], a.loc(1), dtype, l);
                 }};
    t["load"] = {{{"pointer", true}, {"mask"}, {"other"}}, load};
    t["store"] = {{{"pointer", true}, {"value", true}, {"mask"}},
                  [](Generator &g, const Args &a, SourceLoc l) {
                    return storeLike(g, a, l, "store", std::nullopt);
                  }};
    auto atomic = [&](const char *name, tile::AtomicKind kind) {
      t[name] = {{{"pointer", true}, {"value", true}, {"mask"}},
                 [name, kind](Generator &g, const Args &a, SourceLoc l) {
                   return storeLike(g, a, l, name, kind);
                 }};
    };
    atomic("atomic_add", tile::AtomicKind::Add);
    atomic("atomic_max", tile::AtomicKind::Max);
    atomic("atomic_min", tile::AtomicKind::Min);
    atomic("atomic_xchg", tile::AtomicKind::Exchange);
    t["dot"] = {{{"a", true}, {"b", true}, {"acc"}, {"trans_a"}, {"trans_b"}}, dot};
    t["trans"] = {{{"input", true}, {"dims"}}, [](Generator &g, const Args &a, SourceLoc l) {
                    return trans(g, a[0], a.loc(0), a.has(1) ? a[1] : Val::none(), a.loc(1), l);
                  }};
    t["reshape"] = {{{"input", true}, {"shape", true}}, reshape};
    t["where"] = {{{"condition", true}, {"x", true}, {"y", true}}, where};
    t["maximum"] = {{{"x", true}, {"y", true}}, [](Generator &g, const Args &a, SourceLoc l) {
                      return minMax(g, a, l, true);
                    }};
    t["minimum"] = {{{"x", true}, {"y", true}}, [](Generator &g, const Args &a, SourceLoc l) {
                      return minMax(g, a, l, false);
                    }};
    auto unaryMath = [&](const char *name, MathFn fn) {
      t[name] = {{{"x", true}},
                 [fn](Generator &g, const Args &a, SourceLoc l) { return math(g, fn, a, l); },
                 /*compileTime=*/true};
    };
    unaryMath("exp", MathFn::Exp);
    unaryMath("exp2", MathFn::Exp2);
    unaryMath("log", MathFn::Log);
    unaryMath("log2", MathFn::Log2);
    unaryMath("sqrt", MathFn::Sqrt);
    unaryMath("rsqrt", MathFn::Rsqrt);
    unaryMath("sin", MathFn::Sin);
    unaryMath("cos", MathFn::Cos);
    unaryMath("floor", MathFn::Floor);
    unaryMath("ceil", MathFn::Ceil);
    unaryMath("abs", MathFn::Abs);
    unaryMath("sigmoid", MathFn::Sigmoid);
    unaryMath("silu", MathFn::Silu);
    auto reduction = [&](const char *name, tile::CombineKind kind) {
      t[name] = {{{"input", true}, {"axis"}, {"keep_dims"}},
                 [name, kind](Generator &g, const Args &a, SourceLoc l) {
                   return g.reduce(kind, a[0], a.has(1) ? a[1] : Val::none(),
                                   a.has(2) ? a[2] : Val::none(), l, name);
                 }};
    };
    reduction("sum", tile::CombineKind::Sum);
    reduction("max", tile::CombineKind::Max);
    reduction("min", tile::CombineKind::Min);
    t["cumsum"] = {{{"input", true}, {"axis"}, {"reverse"}},
                   [](Generator &g, const Args &a, SourceLoc l) {
                     Value x = requireTile(g, a[0], a.loc(0), "cumsum() input");
                     if (!x)
                       return Val::error();
                     auto type = cast<RankedTensorType>(x.getType());
                     auto axis = requireAxis(g, a.has(1) ? a[1] : Val::constant(Const::ofInt(0)),
                                             a.loc(1), type.getRank());
                     auto reverse = a.has(2) ? requireConstBool(g, a[2], a.loc(2), "reverse")
                                             : std::optional<bool>(false);
                     if (!axis || !reverse)
                       return Val::error();
                     Type elt = type.getElementType();
                     if (isa<tile::PointerType>(elt)) {
                       g.error(a.loc(0), "cumsum() of pointers");
                       return Val::error();
                     }
                     // Narrow sums accumulate wider: bool/i8/i16 in i32, 16-bit floats in f32.
                     if (isa<IntegerType>(elt) && elt.getIntOrFloatBitWidth() < 32)
                       x = g.convert(x, g.builder().getI32Type(), l);
                     else if (isa<FloatType>(elt) && elt.getIntOrFloatBitWidth() < 32)
                       x = g.convert(x, f32(g), l);
                     auto scan = tile::ScanOp::create(g.builder(), g.loc(l), x.getType(),
                                                      tile::CombineKind::Sum, x, *axis, *reverse);
                     return Val::dyn(scan);
                   }};
    t["cdiv"] = {{{"x", true}, {"y", true}},
                 [](Generator &g, const Args &a, SourceLoc l) {
                   Val num = g.binary(ast::BinOp::Add, a[0], a[1], l);
                   num = g.binary(ast::BinOp::Sub, num, Val::constant(Const::ofInt(1)), l);
                   return g.binary(ast::BinOp::FloorDiv, num, a[1], l);
                 },
                 /*compileTime=*/true};
    t["static_assert"] = {{{"condition", true}, {"message"}},
                          [](Generator &g, const Args &a, SourceLoc l) {
                            if (a[0].isError())
                              return Val::none();
                            if (!a[0].isConst()) {
                              g.error(a.loc(0), "static_assert() condition must be a "
                                                "compile-time constant, got " +
                                                    g.describe(a[0]));
                              return Val::none();
                            }
                            if (!a[0].c.truthy()) {
                              std::string msg = a.has(1) && a[1].kind == Val::Kind::String
                                                    ? ": " + a[1].str
                                                    : "";
                              g.error(l, "static assertion failed" + msg);
                            }
                            return Val::none();
                          },
                          /*compileTime=*/true};
    return t;
  }();
  return table;
}

} // namespace

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

Val Generator::reduce(tile::CombineKind kind, const Val &input, const Val &axisArg,
                      const Val &keepDimsArg, SourceLoc l, StringRef name) {
  std::string what = name.str() + "() input";
  Value x = requireTile(*this, input, l, what.c_str());
  if (!x)
    return Val::error();
  auto type = cast<RankedTensorType>(x.getType());
  Type elt = type.getElementType();
  if (isa<tile::PointerType>(elt)) {
    error(l, name.str() + "() of pointers");
    return Val::error();
  }
  auto keepDims = keepDimsArg.kind == Val::Kind::None
                      ? std::optional<bool>(false)
                      : requireConstBool(*this, keepDimsArg, l, "keep_dims");
  if (!keepDims)
    return Val::error();
  if (kind == tile::CombineKind::Sum) {
    if (isa<IntegerType>(elt) && elt.getIntOrFloatBitWidth() < 32)
      x = convert(x, builder_.getI32Type(), l);
    else if (isa<FloatType>(elt) && elt.getIntOrFloatBitWidth() < 32)
      x = convert(x, builder_.getF32Type(), l);
    type = cast<RankedTensorType>(x.getType());
  }
  Location at = loc(l);
  if (axisArg.kind == Val::Kind::None) {
    // Whole tile: flatten, then reduce the one axis to a scalar.
    if (type.getRank() > 1)
      x = tile::ReshapeOp::create(builder_, at,
                                  RankedTensorType::get({type.getNumElements()},
                                                        type.getElementType()),
                                  x);
    Value r = tile::ReduceOp::create(builder_, at, kind, x, 0);
    if (*keepDims)
      r = broadcastTo(r, SmallVector<int64_t>(type.getRank(), 1), l);
    return Val::dyn(r);
  }
  auto axis = requireAxis(*this, axisArg, l, type.getRank());
  if (!axis)
    return Val::error();
  Value r = tile::ReduceOp::create(builder_, at, kind, x, *axis);
  if (*keepDims) {
    if (!isa<RankedTensorType>(r.getType()))
      r = broadcastTo(r, {1}, l);
    else
      r = tile::ExpandDimsOp::create(builder_, at, r, *axis);
  }
  return Val::dyn(r);
}

//===----------------------------------------------------------------------===//
// Calls, methods, attributes
//===----------------------------------------------------------------------===//

/// Binds a call's arguments to `params`, Python style, evaluating each.
static std::optional<Args> bindArgs(Generator &g, const Expr &call, const std::string &name,
                                    const std::vector<Param> &params, size_t skip = 0) {
  Args args;
  args.values.resize(params.size(), Val::none());
  args.locs.resize(params.size(), call.loc);
  args.given.resize(params.size(), false);
  bool ok = true;
  if (call.operands.size() > params.size() - skip) {
    g.error(call.operands[params.size() - skip]->loc,
            name + "() takes at most " + std::to_string(params.size() - skip) + " arguments (" +
                std::to_string(call.operands.size()) + " given)");
    return std::nullopt;
  }
  for (size_t i = 0; i < call.operands.size(); ++i) {
    args.values[skip + i] = g.genExpr(*call.operands[i]);
    args.locs[skip + i] = call.operands[i]->loc;
    args.given[skip + i] = true;
  }
  for (const ast::Keyword &kw : call.keywords) {
    auto it = std::find_if(params.begin() + skip, params.end(),
                           [&](const Param &p) { return kw.name == p.name; });
    if (it == params.end()) {
      g.error(kw.loc, name + "() got an unexpected keyword argument '" + kw.name + "'");
      ok = false;
      continue;
    }
    size_t i = it - params.begin();
    if (args.given[i]) {
      g.error(kw.loc, name + "() got multiple values for argument '" + kw.name + "'");
      ok = false;
      continue;
    }
    args.values[i] = g.genExpr(*kw.value);
    args.locs[i] = kw.value->loc;
    args.given[i] = true;
  }
  for (size_t i = skip; i < params.size(); ++i)
    if (params[i].required && !args.given[i]) {
      g.error(call.loc, name + "() missing required argument '" + params[i].name + "'");
      ok = false;
    }
  if (!ok)
    return std::nullopt;
  return args;
}

Val Generator::genCall(const Expr &call) {
  if (call.base->kind == Expr::Kind::Attribute)
    return genMethodCall(genExpr(*call.base->base), call);
  if (call.base->kind != Expr::Kind::Name) {
    error(call.loc, "only functions can be called");
    return Val::error();
  }
  const std::string &name = call.base->name;
  // Local names shadow builtins only through assignment, which `bind` forbids.
  if (name == "range" || name == "static_range") {
    error(call.loc, name + "() can only be used in a for loop");
    return Val::error();
  }
  auto it = builtins().find(name);
  if (it == builtins().end()) {
    Val callee = lookup(name, call.base->loc);
    if (callee.kind == Val::Kind::Function)
      return genInlineCall(*callee.fn, call);
    if (!callee.isError())
      error(call.loc, "'" + name + "' is " + describe(callee) + ", which cannot be called");
    return Val::error();
  }
  if (!builder_.getInsertionBlock() && !it->second.compileTime) {
    error(call.loc, name + "() cannot be used in a compile-time constant");
    return Val::error();
  }
  auto args = bindArgs(*this, call, name, it->second.params);
  if (!args)
    return Val::error();
  for (const Val &v : args->values)
    if (v.isError())
      return Val::error();
  if (!builder_.getInsertionBlock())
    for (const Val &v : args->values)
      if (v.isDyn()) {
        error(call.loc, name + "() cannot be used in a compile-time constant");
        return Val::error();
      }
  return it->second.fn(*this, *args, call.loc);
}

Val Generator::genMethodCall(const Val &self, const Expr &call) {
  const std::string &name = call.base->name;
  if (self.isError())
    return self;
  if (name == "to") {
    static const std::vector<Param> params = {{"self"}, {"dtype", true}};
    auto args = bindArgs(*this, call, "to", params, /*skip=*/1);
    if (!args)
      return Val::error();
    auto dtype = requireDType(*this, (*args)[1], args->loc(1), "to() dtype");
    if (!dtype)
      return Val::error();
    if (!self.isValue()) {
      error(call.loc, "cannot convert " + describe(self));
      return Val::error();
    }
    if (!builder_.getInsertionBlock() && self.isDyn())
      return Val::error();
    return castTo(self, *dtype, call.loc);
  }
  error(call.base->loc, describe(self) + " has no method '" + name + "'");
  return Val::error();
}

Val Generator::genAttribute(const Val &self, const Expr &attr) {
  if (self.isError())
    return self;
  if (attr.name == "shape" && self.isValue()) {
    std::vector<Val> dims;
    for (int64_t d : shapeOf(self))
      dims.push_back(Val::constant(Const::ofInt(d)));
    return Val::tuple(std::move(dims));
  }
  if (attr.name == "dtype" && self.isValue())
    return Val::dtypeOf(getElementTypeOrSelf(typeOf(self)));
  if (attr.name == "T" && self.isDyn())
    return trans(*this, self, attr.loc, Val::none(), attr.loc, attr.loc);
  error(attr.loc, describe(self) + " has no attribute '" + attr.name + "'");
  return Val::error();
}

} // namespace lacc
