//===- Builtins.cpp - the tile language's builtin functions ---------------===//
//
// The builtin table, and every builtin but the memory family
// (MemoryBuiltins.cpp). The set mirrors Triton's `tl.*` functions.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Builtins.h"

#include <cmath>

using namespace mlir;

namespace lacc {

using ast::Expr;

using namespace builtins;

namespace {
const Table &builtinTable();
} // namespace

bool Generator::isBuiltin(StringRef name) const {
  return builtinTable().count(name.str()) || name == "range" || name == "static_range";
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

std::optional<Type> builtins::requireDType(Generator &g, const Val &v, SourceLoc l, const char *what) {
  if (v.isError())
    return std::nullopt;
  if (v.kind != Val::Kind::DType) {
    g.error(l, std::string(what) + " must be a type such as f32 or bf16, got " + g.describe(v));
    return std::nullopt;
  }
  return v.dtype;
}

std::optional<bool> builtins::requireConstBool(Generator &g, const Val &v, SourceLoc l, const char *what) {
  if (v.isError())
    return std::nullopt;
  if (!v.isConst()) {
    g.error(l, std::string(what) + " must be a compile-time constant, got " + g.describe(v));
    return std::nullopt;
  }
  return v.c.truthy();
}

Value builtins::requireValue(Generator &g, const Val &v, SourceLoc l, const char *what) {
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

Value builtins::requireTile(Generator &g, const Val &v, SourceLoc l, const char *what) {
  Value t = requireValue(g, v, l, what);
  if (t && !isa<RankedTensorType>(t.getType())) {
    g.error(l, std::string(what) + " must be a tile, got " + g.describe(v));
    return {};
  }
  return t;
}

std::optional<int> builtins::requireAxis(Generator &g, const Val &v, SourceLoc l, int64_t rank) {
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


std::optional<std::string> builtins::requireString(Generator &g, const Val &v, SourceLoc l,
                                                   const std::string &what,
                                                   ArrayRef<const char *> choices) {
  if (v.isError())
    return std::nullopt;
  auto list = [&]() {
    std::string text;
    for (const char *c : choices)
      text += std::string(text.empty() ? "" : ", ") + "'" + c + "'";
    return text;
  };
  if (v.kind != Val::Kind::String) {
    g.error(l, what + " must be a string" + (choices.empty() ? "" : " (" + list() + ")") +
                   ", got " + g.describe(v));
    return std::nullopt;
  }
  if (!choices.empty() && llvm::none_of(choices, [&](const char *c) { return v.str == c; })) {
    g.error(l, what + " must be one of " + list() + ", got '" + v.str + "'");
    return std::nullopt;
  }
  return v.str;
}

std::optional<SmallVector<int64_t>> builtins::requireConstInts(Generator &g, const Val &v,
                                                               SourceLoc l,
                                                               const std::string &what) {
  SmallVector<int64_t> out;
  std::vector<Val> elems = v.kind == Val::Kind::Tuple ? v.elems : std::vector<Val>{v};
  for (const Val &e : elems) {
    auto n = g.requireConstInt(e, l, what);
    if (!n)
      return std::nullopt;
    out.push_back(*n);
  }
  return out;
}

namespace {


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
  if (isa<tile::PointerType>(elt) && !(value.isDyn() && value.v.getType() == elt)) {
    g.error(valueLoc, "full() of " + g.typeName(elt) + " needs a value of that type, got " +
                          g.describe(value));
    return Val::error();
  }
  if (!isa<IntegerType, FloatType, tile::PointerType>(elt)) {
    g.error(valueLoc, "full() needs a number or a pointer, got " + g.describe(value));
    return Val::error();
  }
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
  // out_dtype: f32 (i32 for i8), or a 16-bit float operand's own type.
  Type accElt = in.isInteger(8) ? g.builder().getI32Type() : in.isF64() ? in : f32(g);
  if (a.has(6)) {
    auto out = requireDType(g, a[6], a.loc(6), "dot() out_dtype");
    if (!out)
      return Val::error();
    bool ok = *out == accElt || (*out == in && (in.isF16() || in.isBF16()));
    if (!ok) {
      g.error(a.loc(6), "dot() out_dtype must be " + g.typeName(accElt) +
                            (isa<FloatType>(in) && in.getIntOrFloatBitWidth() == 16
                                 ? " or " + g.typeName(in)
                                 : std::string()) +
                            " for " + g.typeName(in) + " operands, got " + g.typeName(*out));
      return Val::error();
    }
    accElt = *out;
  }
  // input_precision: how f32 operands multiply; Triton's default is tf32.
  auto precision = tile::InputPrecision::IEEE;
  if (in.isF32())
    precision = tile::InputPrecision::TF32;
  if (a.has(5)) {
    auto p = requireString(g, a[5], a.loc(5), "dot() input_precision", {"tf32", "tf32x3", "ieee"});
    if (!p)
      return Val::error();
    if (in.isF32())
      precision = *tile::symbolizeInputPrecision(*p);
  }
  auto accType = RankedTensorType::get({m, n}, accElt);
  Value acc;
  if (a.has(2)) {
    acc = requireTile(g, a[2], a.loc(2), "dot() acc");
    if (!acc)
      return Val::error();
    auto t = cast<RankedTensorType>(acc.getType());
    // Without out_dtype, a 16-bit float acc accumulates in its own type.
    bool typeOk = t.getElementType() == accElt ||
                  (!a.has(6) && t.getElementType() == in && (in.isF16() || in.isBF16()));
    if (t.getShape() != accType.getShape() || !typeOk) {
      g.error(a.loc(2), "dot() acc must be " + g.typeName(accType) + ", got " + g.typeName(t));
      return Val::error();
    }
  } else {
    acc = full(g, Val::tuple({Val::constant(Const::ofInt(m)), Val::constant(Const::ofInt(n))}), l,
               Val::constant(Const::ofInt(0)), l, accElt, l)
              .v;
  }
  return Val::dyn(tile::DotOp::create(g.builder(), g.loc(l), acc.getType(), x, y, acc, precision));
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

/// Python's max(a, b, ...) / min(a, b, ...) on scalars (max(x, axis) reduces
/// a tile): maximum()/minimum() from left to right, folded when constant.
Val scalarMinMax(Generator &g, const Args &a, SourceLoc l, bool isMax) {
  const char *name = isMax ? "max" : "min";
  if (!a.has(1)) {
    g.error(l, std::string(name) + "() of one scalar: " + name + "(a, b) compares scalars, " +
                   name + "(x, axis) reduces a tile");
    return Val::error();
  }
  Val result = a[0];
  for (size_t i = 1; i < 3 && a.has(i); ++i) {
    if (!a[i].isError() && (!a[i].isValue() || !g.shapeOf(a[i]).empty())) {
      g.error(a.loc(i), std::string(name) + "() of scalars got " + g.describe(a[i]) +
                            "; for tiles use " + (isMax ? "maximum" : "minimum") + "(x, y)");
      return Val::error();
    }
    Args pair;
    pair.values = {result, a[i]};
    pair.locs = {a.loc(0), a.loc(i)};
    pair.given = {true, true};
    pair.byKeyword = {false, false};
    result = minMax(g, pair, l, isMax);
    if (result.isError())
      return result;
  }
  return result;
}

/// float('inf'), float('-inf'), float('nan'), float(constant): compile time.
Val floatOf(Generator &g, const Args &a, SourceLoc l) {
  const Val &x = a[0];
  if (x.isError())
    return x;
  if (x.kind == Val::Kind::String) {
    std::string text = StringRef(x.str).trim().lower();
    double sign = 1;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
      sign = text[0] == '-' ? -1 : 1;
      text = text.substr(1);
    }
    if (text == "inf" || text == "infinity")
      return Val::constant(Const::ofFloat(sign * std::numeric_limits<double>::infinity()));
    if (text == "nan")
      return Val::constant(Const::ofFloat(std::numeric_limits<double>::quiet_NaN()));
    char *end = nullptr;
    double v = std::strtod(text.c_str(), &end);
    if (!text.empty() && *end == '\0')
      return Val::constant(Const::ofFloat(sign * v));
    g.error(a.loc(0), "float() cannot convert the string '" + x.str + "'");
    return Val::error();
  }
  if (x.isConst())
    return Val::constant(Const::ofFloat(x.c.asDouble()));
  g.error(a.loc(0), "float() takes a constant or a string, got " + g.describe(x) +
                        (x.isDyn() ? "; convert a runtime value with x.to(f32)" : ""));
  return Val::error();
}

/// int(constant): truncates toward zero, at compile time.
Val intOf(Generator &g, const Args &a, SourceLoc l) {
  const Val &x = a[0];
  if (x.isError())
    return x;
  if (x.isConst() && !x.c.isFloat())
    return Val::constant(Const::ofInt(x.c.i));
  if (x.isConst() && std::isfinite(x.c.f) && std::fabs(x.c.f) < 9.2e18)
    return Val::constant(Const::ofInt(static_cast<int64_t>(x.c.f)));
  g.error(a.loc(0), "int() takes a finite constant, got " + g.describe(x) +
                        (x.isDyn() ? "; convert a runtime value with x.to(i32)" : ""));
  return Val::error();
}

/// x.to(dtype, bitcast=False) and cast(x, dtype, bitcast=False).
Val castValue(Generator &g, const char *fn, const Val &x, SourceLoc xLoc, const Val &dtypeArg,
              SourceLoc dtypeLoc, const Val &bitcastArg, SourceLoc bitcastLoc, SourceLoc l) {
  auto dtype = requireDType(g, dtypeArg, dtypeLoc, (std::string(fn) + "() dtype").c_str());
  if (!dtype || x.isError())
    return Val::error();
  if (!x.isValue()) {
    g.error(xLoc, "cannot convert " + g.describe(x));
    return Val::error();
  }
  bool bitcast = false;
  if (bitcastArg.kind != Val::Kind::None) {
    auto b = requireConstBool(g, bitcastArg, bitcastLoc, "bitcast");
    if (!b)
      return Val::error();
    bitcast = *b;
  }
  if (!g.builder().getInsertionBlock() && x.isDyn())
    return Val::error();
  if (!bitcast)
    return g.castTo(x, *dtype, l);
  Value v = x.isDyn() ? x.v : g.materialize(x, g.defaultType(x.c), xLoc);
  Type from = getElementTypeOrSelf(v.getType());
  if (isa<tile::PointerType>(from) || isa<tile::PointerType>(*dtype) || from.isInteger(1) ||
      dtype->isInteger(1) || from.getIntOrFloatBitWidth() != dtype->getIntOrFloatBitWidth()) {
    g.error(l, "cannot bitcast " + g.describe(x) + " to " + g.typeName(*dtype) +
                   ": a bitcast keeps the bits, so both types need the same width "
                   "(and neither may be bool or a pointer)");
    return Val::error();
  }
  if (from == *dtype)
    return Val::dyn(v);
  Type result = *dtype;
  if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
    result = tensor.clone(*dtype);
  return Val::dyn(arith::BitcastOp::create(g.builder(), g.loc(l), result, v));
}

/// join(a, b): a new minor dimension of size 2; split(x): its inverse.
Val join(Generator &g, const Args &a, SourceLoc l) {
  if (a[0].isError() || a[1].isError())
    return Val::error();
  if (!a[0].isValue() || !a[1].isValue()) {
    g.error(l, "join() takes two values, got " + g.describe(a[0]) + " and " + g.describe(a[1]));
    return Val::error();
  }
  auto elt = g.promote(a[0], a[1], ast::BinOp::Add, l);
  if (a[0].isConst() && a[1].isConst())
    elt = g.defaultType(a[0].c) == g.defaultType(a[1].c) ? g.defaultType(a[0].c) : f32(g);
  if (!elt)
    return Val::error();
  auto shape = g.broadcastShapes(g.shapeOf(a[0]), g.shapeOf(a[1]));
  if (!shape) {
    g.error(l, "shape mismatch in join(): " + g.describe(a[0]) + " and " + g.describe(a[1]) +
                   " cannot be broadcast together");
    return Val::error();
  }
  bool scalars = shape->empty();
  if (scalars) // two scalars make a tile of 2: join them as 1-element tiles
    shape->push_back(1);
  Value x = g.broadcastTo(g.materialize(a[0], *elt, a.loc(0)), *shape, a.loc(0));
  Value y = g.broadcastTo(g.materialize(a[1], *elt, a.loc(1)), *shape, a.loc(1));
  if (!x || !y)
    return Val::error();
  Value r = tile::JoinOp::create(g.builder(), g.loc(l), x, y);
  if (scalars)
    r = tile::ReshapeOp::create(g.builder(), g.loc(l), RankedTensorType::get({2}, *elt), r);
  return Val::dyn(r);
}

Val split(Generator &g, const Args &a, SourceLoc l) {
  Value x = requireTile(g, a[0], a.loc(0), "split() input");
  if (!x)
    return Val::error();
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getShape().back() != 2) {
    g.error(a.loc(0), "split() needs a last dimension of 2, got " + g.describe(a[0]));
    return Val::error();
  }
  if (type.getRank() == 1 && isa<tile::PointerType>(type.getElementType())) {
    g.error(a.loc(0), "split() of a 1-D tile of pointers; split a 2-D one or add offsets");
    return Val::error();
  }
  if (type.getRank() == 1) { // [2] -> two scalars
    x = tile::ReshapeOp::create(g.builder(), g.loc(l), type.clone({1, 2}), x);
    auto parts = tile::SplitOp::create(g.builder(), g.loc(l), x);
    auto scalar = [&](Value v) -> Val {
      return Val::dyn(tile::ReduceOp::create(g.builder(), g.loc(l), tile::CombineKind::Max, v, 0));
    };
    return Val::tuple({scalar(parts.getLhs()), scalar(parts.getRhs())});
  }
  auto parts = tile::SplitOp::create(g.builder(), g.loc(l), x);
  return Val::tuple({Val::dyn(parts.getLhs()), Val::dyn(parts.getRhs())});
}

//===----------------------------------------------------------------------===//
// Elementwise math
//===----------------------------------------------------------------------===//

enum class MathFn {
  Exp, Exp2, Log, Log2, Sqrt, SqrtRn, Rsqrt, Sin, Cos, Floor, Ceil, Abs, Sigmoid, Silu,
  Tan, Tanh, Erf, Log10, Log1p, Expm1,
};

double foldMath(MathFn fn, double x) {
  switch (fn) {
  case MathFn::Exp: return std::exp(x);
  case MathFn::Exp2: return std::exp2(x);
  case MathFn::Log: return std::log(x);
  case MathFn::Log2: return std::log2(x);
  case MathFn::Sqrt:
  case MathFn::SqrtRn: return std::sqrt(x);
  case MathFn::Rsqrt: return 1 / std::sqrt(x);
  case MathFn::Sin: return std::sin(x);
  case MathFn::Cos: return std::cos(x);
  case MathFn::Floor: return std::floor(x);
  case MathFn::Ceil: return std::ceil(x);
  case MathFn::Abs: return std::fabs(x);
  case MathFn::Sigmoid: return 1 / (1 + std::exp(-x));
  case MathFn::Silu: return x / (1 + std::exp(-x));
  case MathFn::Tan: return std::tan(x);
  case MathFn::Tanh: return std::tanh(x);
  case MathFn::Erf: return std::erf(x);
  case MathFn::Log10: return std::log10(x);
  case MathFn::Log1p: return std::log1p(x);
  case MathFn::Expm1: return std::expm1(x);
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
  if (!isa<IntegerType, FloatType>(elt)) {
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
  // `/` and sqrt may be approximate in f32 (div.full.f32, sqrt.approx.f32), as in Triton;
  // div_rn and sqrt_rn are the IEEE forms.
  auto approximate = arith::FastMathFlagsAttr::get(
      b.getContext(), compute.isF32() ? arith::FastMathFlags::afn : arith::FastMathFlags::none);
  auto sigmoid = [&](Value in) -> Value {
    Value e = math::ExpOp::create(b, at, arith::NegFOp::create(b, at, in));
    return arith::DivFOp::create(b, at, one(), arith::AddFOp::create(b, at, one(), e),
                                 approximate);
  };
  Value r;
  switch (fn) {
  case MathFn::Exp: r = math::ExpOp::create(b, at, v); break;
  case MathFn::Exp2: r = math::Exp2Op::create(b, at, v); break;
  case MathFn::Log: r = math::LogOp::create(b, at, v); break;
  case MathFn::Log2: r = math::Log2Op::create(b, at, v); break;
  case MathFn::Sqrt: r = math::SqrtOp::create(b, at, v, approximate); break;
  case MathFn::SqrtRn: r = math::SqrtOp::create(b, at, v); break;
  case MathFn::Rsqrt: r = math::RsqrtOp::create(b, at, v); break;
  case MathFn::Sin: r = math::SinOp::create(b, at, v); break;
  case MathFn::Cos: r = math::CosOp::create(b, at, v); break;
  case MathFn::Floor: r = math::FloorOp::create(b, at, v); break;
  case MathFn::Ceil: r = math::CeilOp::create(b, at, v); break;
  case MathFn::Sigmoid: r = sigmoid(v); break;
  case MathFn::Silu: r = arith::MulFOp::create(b, at, v, sigmoid(v)); break;
  case MathFn::Tan: r = math::TanOp::create(b, at, v); break;
  case MathFn::Tanh: r = math::TanhOp::create(b, at, v); break;
  case MathFn::Erf: r = math::ErfOp::create(b, at, v); break;
  case MathFn::Log10: r = math::Log10Op::create(b, at, v); break;
  case MathFn::Log1p: r = math::Log1pOp::create(b, at, v); break;
  case MathFn::Expm1: r = math::ExpM1Op::create(b, at, v); break;
  case MathFn::Abs: break;
  }
  return Val::dyn(g.convert(r, out, l));
}

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

const Table &builtinTable() {
  static const Table table = [] {
    Table t;
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
    addMemoryBuiltins(t);
    t["dot"] = {{{"a", true},
                 {"b", true},
                 {"acc"},
                 {"trans_a"},
                 {"trans_b"},
                 {"input_precision"},
                 {"out_dtype"}},
                dot};
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
    unaryMath("sqrt_rn", MathFn::SqrtRn);
    // x / y correctly rounded (IEEE), where `/` may be approximate on f32.
    t["div_rn"] = {{{"x", true}, {"y", true}},
                   [](Generator &g, const Args &a, SourceLoc l) {
                     Val r = g.binary(ast::BinOp::Div, a[0], a[1], l);
                     if (r.isDyn())
                       if (auto div = r.v.getDefiningOp<arith::DivFOp>())
                         div.setFastmath(arith::FastMathFlags::none);
                     return r;
                   },
                   /*compileTime=*/true};
    unaryMath("rsqrt", MathFn::Rsqrt);
    unaryMath("sin", MathFn::Sin);
    unaryMath("cos", MathFn::Cos);
    unaryMath("floor", MathFn::Floor);
    unaryMath("ceil", MathFn::Ceil);
    unaryMath("abs", MathFn::Abs);
    unaryMath("sigmoid", MathFn::Sigmoid);
    unaryMath("silu", MathFn::Silu);
    unaryMath("tan", MathFn::Tan);
    unaryMath("tanh", MathFn::Tanh);
    unaryMath("erf", MathFn::Erf);
    unaryMath("log10", MathFn::Log10);
    unaryMath("log1p", MathFn::Log1p);
    unaryMath("expm1", MathFn::Expm1);
    t["float"] = {{{"x", true}}, floatOf, /*compileTime=*/true};
    t["int"] = {{{"x", true}}, intOf, /*compileTime=*/true};
    t["cast"] = {{{"input", true}, {"dtype", true}, {"bitcast"}},
                 [](Generator &g, const Args &a, SourceLoc l) {
                   return castValue(g, "cast", a[0], a.loc(0), a[1], a.loc(1),
                                    a.has(2) ? a[2] : Val::none(), a.loc(2), l);
                 },
                 /*compileTime=*/true};
    t["join"] = {{{"a", true}, {"b", true}}, join};
    t["split"] = {{{"a", true}}, split};
    t["device_assert"] = {{{"cond", true}, {"msg"}}, [](Generator &g, const Args &a, SourceLoc l) {
                            std::string msg;
                            if (a.has(1)) {
                              auto m = requireString(g, a[1], a.loc(1), "device_assert() msg");
                              if (!m)
                                return Val::none();
                              msg = *m;
                            }
                            if (a[0].isConst()) {
                              if (!a[0].c.truthy())
                                g.error(l, "assertion failed" + (msg.empty() ? "" : ": " + msg));
                              return Val::none();
                            }
                            if (!a[0].isError())
                              g.deviceAssert(a[0], msg, a.loc(0), l);
                            return Val::none();
                          }};
    auto reduction = [&](const char *name, tile::CombineKind kind) {
      t[name] = {{{"input", true}, {"axis"}, {"keep_dims"}},
                 [name, kind](Generator &g, const Args &a, SourceLoc l) {
                   if (kind != tile::CombineKind::Sum && a[0].isValue() &&
                       g.shapeOf(a[0]).empty() && !a.byKeyword[1] && !a.byKeyword[2])
                     return scalarMinMax(g, a, l, kind == tile::CombineKind::Max);
                   return g.reduce(kind, a[0], a.has(1) ? a[1] : Val::none(),
                                   a.has(2) ? a[2] : Val::none(), l, name);
                 },
                 /*compileTime=*/kind != tile::CombineKind::Sum};
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
  // max(x, y) in a Triton kernel is Python's builtin, the elementwise maximum; here it is
  // tl.max, a reduction: an axis that is not an integer constant is most likely the former.
  bool minMax = kind == tile::CombineKind::Max || kind == tile::CombineKind::Min;
  if (minMax && !axisArg.isError() && !(axisArg.isConst() && axisArg.c.kind == Const::Kind::Int)) {
    const char *elementwise = kind == tile::CombineKind::Max ? "maximum" : "minimum";
    error(l, name.str() + "(x, axis) reduces x along a constant integer axis (Triton's tl." +
                 name.str() + "), and got " + describe(axisArg) + " as the axis; for the " +
                 "elementwise " + elementwise + " of two values (Python's " + name.str() +
                 "(a, b) in a Triton kernel) write " + elementwise + "(a, b)");
    return Val::error();
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
  args.byKeyword.resize(params.size(), false);
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
    args.byKeyword[i] = true;
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
  if (call.base->kind == Expr::Kind::Attribute) {
    if (reportTritonSpelling(*call.base))
      return Val::error();
    return genMethodCall(genExpr(*call.base->base), call);
  }
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
  auto it = builtinTable().find(name);
  if (it == builtinTable().end()) {
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
    static const std::vector<Param> params = {{"self"}, {"dtype", true}, {"bitcast"}};
    auto args = bindArgs(*this, call, "to", params, /*skip=*/1);
    if (!args)
      return Val::error();
    return castValue(*this, "to", self, call.loc, (*args)[1], args->loc(1),
                     args->has(2) ? (*args)[2] : Val::none(), args->loc(2), call.loc);
  }
  if (self.isDyn() && isa<tile::TensorDescType>(self.v.getType())) {
    if (name == "load") {
      static const std::vector<Param> params = {{"self"}, {"offsets", true}};
      auto args = bindArgs(*this, call, "load", params, /*skip=*/1);
      if (!args || (*args)[1].isError())
        return Val::error();
      return builtins::loadDescriptor(*this, self, *args, call.loc);
    }
    if (name == "store") {
      static const std::vector<Param> params = {{"self"}, {"offsets", true}, {"value", true}};
      auto args = bindArgs(*this, call, "store", params, /*skip=*/1);
      if (!args || (*args)[1].isError() || (*args)[2].isError())
        return Val::error();
      return builtins::storeDescriptor(*this, self, *args, call.loc);
    }
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
  // `x.dtype` (and Triton's `x.type`): the element type; of a pointer, the
  // pointer type, whose `.element_ty` is the pointee (`c_ptr.dtype.element_ty`).
  if ((attr.name == "dtype" || attr.name == "type") && self.isValue())
    return Val::dtypeOf(getElementTypeOrSelf(typeOf(self)));
  if (attr.name == "element_ty" && self.kind == Val::Kind::DType) {
    if (auto p = dyn_cast<tile::PointerType>(self.dtype))
      return Val::dtypeOf(p.getPointeeType());
    return self;
  }
  if (attr.name == "T" && self.isDyn())
    return trans(*this, self, attr.loc, Val::none(), attr.loc, attr.loc);
  error(attr.loc, describe(self) + " has no attribute '" + attr.name + "'");
  return Val::error();
}

} // namespace lacc
