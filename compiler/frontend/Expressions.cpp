//===- Expressions.cpp - operators, promotion, casts, broadcasting --------===//

#include "compiler/frontend/Generator.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;

namespace lacc {

using ast::BinOp;
using ast::Expr;
using ast::UnaryOp;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

Type Generator::dtypeByName(StringRef name) {
  Builder b(&ctx_);
  return llvm::StringSwitch<Type>(name)
      .Case("i1", b.getI1Type())
      .Case("bool", b.getI1Type())
      .Case("i8", b.getI8Type())
      .Case("i16", b.getI16Type())
      .Case("i32", b.getI32Type())
      .Case("i64", b.getI64Type())
      .Case("f16", b.getF16Type())
      .Case("bf16", b.getBF16Type())
      .Case("f32", b.getF32Type())
      .Case("f64", b.getF64Type())
      .Case("f8e4m3", b.getType<Float8E4M3FNType>())
      .Case("f8e5m2", b.getType<Float8E5M2Type>())
      .Default(Type());
}

static bool isFp8(Type t) { return isa<Float8E4M3FNType, Float8E5M2Type>(t); }

/// `d` rounded to an fp8 type to nearest-even, saturating at the largest
/// finite value as the conversion of runtime values does (PTX .satfinite).
static double saturateToFp8(double d, FloatType type) {
  if (std::isnan(d))
    return d;
  const llvm::fltSemantics &sem = type.getFloatSemantics();
  llvm::APFloat largest = llvm::APFloat::getLargest(sem);
  double max = largest.convertToDouble();
  if (std::fabs(d) >= max)
    return std::copysign(max, d);
  llvm::APFloat v(d);
  bool lost;
  v.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return v.convertToDouble();
}

Type Generator::lookupTypeName(const std::string &name) {
  const Binding *b = nullptr;
  if (env_ && env_->count(name))
    b = &env_->at(name);
  else if (globals_.count(name))
    b = &globals_.at(name);
  if (b && b->val.kind == Val::Kind::DType && !isa<tile::PointerType>(b->val.dtype))
    return b->val.dtype;
  return {};
}

Type Generator::resolveType(const ast::TypeSpec &spec) {
  if (spec.name == "ptr") {
    Type pointee = resolveType(*spec.pointee);
    if (pointee && isa<tile::PointerType>(pointee)) {
      error(spec.pointee->loc, "pointers to pointers are not supported");
      return {};
    }
    return pointee ? tile::PointerType::get(pointee) : Type();
  }
  Type t = dtypeByName(spec.name);
  if (!t)
    t = lookupTypeName(spec.name);
  if (!t && (spec.name == "constexpr" || spec.name == "dtype" || spec.name == "str"))
    error(spec.loc, "'" + spec.name + "' can only annotate a const parameter");
  else if (!t)
    error(spec.loc, "unknown type '" + spec.name +
                        "'; expected i1, i8, i16, i32, i64, f16, bf16, f32, f64, bool, f8e4m3, "
                        "f8e5m2, ptr<T>, or a const parameter or constant holding a type");
  return t;
}

std::string Generator::typeName(Type type) const {
  std::string s;
  llvm::raw_string_ostream os(s);
  auto scalar = [&](Type t) {
    if (auto p = dyn_cast<tile::PointerType>(t)) {
      os << "ptr<";
      p.getPointeeType().print(os);
      os << ">";
    } else if (t.isInteger(1)) {
      os << "bool";
    } else if (isa<Float8E4M3FNType>(t)) {
      os << "f8e4m3";
    } else if (isa<Float8E5M2Type>(t)) {
      os << "f8e5m2";
    } else {
      t.print(os);
    }
  };
  auto tile = [&](RankedTensorType tensor) {
    scalar(tensor.getElementType());
    os << "[";
    llvm::interleave(tensor.getShape(), os, ", ");
    os << "]";
  };
  if (auto tensor = dyn_cast<RankedTensorType>(type)) {
    tile(tensor);
  } else if (auto block = dyn_cast<tile::BlockPointerType>(type)) {
    os << "block_ptr<";
    tile(block.getBlockType());
    os << ">";
  } else if (auto desc = dyn_cast<tile::TensorDescType>(type)) {
    os << "tensor_descriptor<";
    tile(desc.getBlockType());
    os << ">";
  } else {
    scalar(type);
  }
  return s;
}

std::string Generator::describe(const Val &v) const {
  switch (v.kind) {
  case Val::Kind::Error: return "an invalid value";
  case Val::Kind::Const:
    if (v.c.type)
      return "a constant " + typeName(v.c.type);
    return v.c.isFloat() ? "a float constant" : "an integer constant";
  case Val::Kind::Dyn: return typeName(v.v.getType());
  case Val::Kind::Tuple: return "a tuple";
  case Val::Kind::DType: return "the type " + typeName(v.dtype);
  case Val::Kind::None: return "None";
  case Val::Kind::String: return "the string '" + v.str + "'";
  case Val::Kind::Function: return "the function '" + v.fn->name + "'";
  }
  return "a value";
}

Type Generator::defaultType(const Const &c) {
  if (c.type)
    return c.type;
  if (c.isFloat())
    return builder_.getF32Type();
  if (c.kind == Const::Kind::Bool)
    return builder_.getI1Type();
  return (c.i >= INT32_MIN && c.i <= INT32_MAX) ? builder_.getI32Type() : builder_.getI64Type();
}

Type Generator::typeOf(const Val &v) {
  if (v.isDyn())
    return v.v.getType();
  if (v.isConst())
    return defaultType(v.c);
  return {};
}

ArrayRef<int64_t> Generator::shapeOf(const Val &v) const {
  return v.isDyn() ? tile::getShape(v.v.getType()) : ArrayRef<int64_t>();
}

//===----------------------------------------------------------------------===//
// Materialization and conversion
//===----------------------------------------------------------------------===//

Value Generator::constantOf(const Const &c, Type elt, SourceLoc l) {
  TypedAttr attr;
  if (auto ft = dyn_cast<FloatType>(elt)) {
    attr = builder_.getFloatAttr(ft, isFp8(ft) ? saturateToFp8(c.asDouble(), ft) : c.asDouble());
  } else if (auto it = dyn_cast<IntegerType>(elt)) {
    int64_t value = c.isFloat() ? static_cast<int64_t>(c.f) : c.i;
    if (it.getWidth() == 1)
      value = c.truthy() ? 1 : 0;
    attr = builder_.getIntegerAttr(it, APInt(it.getWidth(), static_cast<uint64_t>(value),
                                             /*isSigned=*/true, /*implicitTrunc=*/true));
  } else {
    error(l, "cannot make a constant of type " + typeName(elt));
    return {};
  }
  return arith::ConstantOp::create(builder_, loc(l), attr);
}

Value Generator::materialize(const Val &v, Type elt, SourceLoc l) {
  if (v.isConst())
    return constantOf(v.c, elt, l);
  if (v.isDyn())
    return convert(v.v, elt, l);
  return {};
}

Value Generator::convert(Value v, Type to, SourceLoc l) {
  Type from = getElementTypeOrSelf(v.getType());
  if (from == to)
    return v;
  Type result = to;
  if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
    result = tensor.clone(to);
  Location at = loc(l);
  auto fromInt = dyn_cast<IntegerType>(from), toInt = dyn_cast<IntegerType>(to);
  auto fromFloat = dyn_cast<FloatType>(from), toFloat = dyn_cast<FloatType>(to);
  // fp8 converts to and from f16, bf16 and f32 only (as the hardware does);
  // integers, f64 and the other fp8 type go through f32.
  Type f32 = builder_.getF32Type();
  if ((isFp8(to) && (fromInt || from.isF64() || isFp8(from))) ||
      (isFp8(from) && (toInt || to.isF64()))) {
    Value wide = convert(v, f32, l);
    return wide ? convert(wide, to, l) : Value();
  }
  if (fromInt && toInt) {
    if (toInt.getWidth() == 1) {
      Value zero = broadcastTo(constantOf(Const::ofInt(0), from, l), tile::getShape(v.getType()), l);
      return arith::CmpIOp::create(builder_, at, arith::CmpIPredicate::ne, v, zero);
    }
    if (fromInt.getWidth() == 1)
      return arith::ExtUIOp::create(builder_, at, result, v);
    if (fromInt.getWidth() < toInt.getWidth())
      return arith::ExtSIOp::create(builder_, at, result, v);
    return arith::TruncIOp::create(builder_, at, result, v);
  }
  if (fromInt && toFloat) {
    if (fromInt.getWidth() == 1)
      return arith::UIToFPOp::create(builder_, at, result, v);
    return arith::SIToFPOp::create(builder_, at, result, v);
  }
  if (fromFloat && toInt) {
    if (toInt.getWidth() == 1) {
      Value zero = broadcastTo(constantOf(Const::ofFloat(0), from, l), tile::getShape(v.getType()), l);
      return arith::CmpFOp::create(builder_, at, arith::CmpFPredicate::UNE, v, zero);
    }
    return arith::FPToSIOp::create(builder_, at, result, v);
  }
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(builder_, at, result, v);
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(builder_, at, result, v);
    // f16 <-> bf16: go through f32.
    Value wide = convert(v, builder_.getF32Type(), l);
    return convert(wide, to, l);
  }
  error(l, "cannot convert " + typeName(v.getType()) + " to " + typeName(to));
  return {};
}

Val Generator::castTo(const Val &v, Type elt, SourceLoc l) {
  if (v.isError())
    return v;
  if (v.isConst()) {
    Const c = v.c;
    if (auto ft = dyn_cast<FloatType>(elt)) {
      double d = c.asDouble();
      if (elt.isF32())
        d = static_cast<float>(d);
      else if (isFp8(elt))
        d = saturateToFp8(d, ft);
      return Val::constant(Const::ofFloat(d, elt));
    }
    if (auto it = dyn_cast<IntegerType>(elt)) {
      if (it.getWidth() == 1)
        return Val::constant(Const::ofBool(c.truthy(), elt));
      int64_t i = c.isFloat() ? static_cast<int64_t>(c.f) : c.i;
      if (c.isFloat() && !(std::fabs(c.f) < 9.2e18)) {
        error(l, "float constant out of range for " + typeName(elt));
        return Val::error();
      }
      unsigned w = it.getWidth();
      if (w < 64) { // wrap like the runtime conversion does
        uint64_t mask = (uint64_t(1) << w) - 1;
        uint64_t u = static_cast<uint64_t>(i) & mask;
        i = (u >> (w - 1)) ? static_cast<int64_t>(u | ~mask) : static_cast<int64_t>(u);
      }
      return Val::constant(Const::ofInt(i, elt));
    }
    error(l, "cannot convert a constant to " + typeName(elt));
    return Val::error();
  }
  if (!v.isDyn()) {
    error(l, "cannot convert " + describe(v) + " to " + typeName(elt));
    return Val::error();
  }
  if (isa<tile::PointerType>(getElementTypeOrSelf(v.v.getType())) || isa<tile::PointerType>(elt)) {
    error(l, "cannot convert " + describe(v) + " to " + typeName(elt) +
                 "; pointers only move by pointer arithmetic");
    return Val::error();
  }
  Value r = convert(v.v, elt, l);
  return r ? Val::dyn(r) : Val::error();
}

std::optional<SmallVector<int64_t>> Generator::broadcastShapes(ArrayRef<int64_t> a,
                                                               ArrayRef<int64_t> b) {
  if (a.empty())
    return SmallVector<int64_t>(b);
  if (b.empty())
    return SmallVector<int64_t>(a);
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return std::nullopt;
    out[i] = std::max(da, db);
  }
  return out;
}

Value Generator::broadcastTo(Value v, ArrayRef<int64_t> shape, SourceLoc l) {
  if (!v)
    return v;
  Type type = v.getType();
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (shape.empty())
    return v;
  Location at = loc(l);
  if (!tensor)
    return tile::SplatOp::create(builder_, at, RankedTensorType::get(shape, type), v);
  if (tensor.getShape() == shape)
    return v;
  // Lower rank: prepend size-1 dimensions (numpy's rule), then broadcast.
  while (static_cast<size_t>(tensor.getRank()) < shape.size()) {
    v = tile::ExpandDimsOp::create(builder_, at, v, 0);
    tensor = cast<RankedTensorType>(v.getType());
  }
  if (tensor.getShape() == shape)
    return v;
  return tile::BroadcastOp::create(builder_, at, tensor.clone(shape), v);
}

Value Generator::toBool(const Val &v, SourceLoc l) {
  if (v.isConst())
    return constantOf(Const::ofBool(v.c.truthy(), builder_.getI1Type()), builder_.getI1Type(), l);
  if (!v.isDyn())
    return {};
  Type elt = getElementTypeOrSelf(v.v.getType());
  if (isa<tile::PointerType>(elt)) {
    error(l, "a pointer cannot be used as a condition");
    return {};
  }
  return convert(v.v, builder_.getI1Type(), l);
}

//===----------------------------------------------------------------------===//
// Promotion (Triton's rules)
//===----------------------------------------------------------------------===//

/// The wider of two types of one kind; f16 with bf16 meet in f32.
static Type widerOf(Type a, Type b, Builder &builder) {
  if (a == b)
    return a;
  if (isa<FloatType>(a) && isa<FloatType>(b)) {
    if (a.getIntOrFloatBitWidth() == b.getIntOrFloatBitWidth())
      return builder.getF32Type();
    return a.getIntOrFloatBitWidth() > b.getIntOrFloatBitWidth() ? a : b;
  }
  return a.getIntOrFloatBitWidth() > b.getIntOrFloatBitWidth() ? a : b;
}

std::optional<Type> Generator::promote(const Val &a, const Val &b, BinOp op, SourceLoc l) {
  // Constants are "weak": they take the other operand's type, except that a
  // float constant turns an integer computation into f32.
  Type ta = typeOf(a), tb = typeOf(b);
  Type ea = getElementTypeOrSelf(ta), eb = getElementTypeOrSelf(tb);
  if (!isa<IntegerType, FloatType>(ea) || !isa<IntegerType, FloatType>(eb)) {
    if (ea == eb && isa<tile::PointerType>(ea)) // pointers do not promote
      return ea;
    error(l, "no common type for " + describe(a) + " and " + describe(b));
    return std::nullopt;
  }
  Type result;
  if (a.isConst() && b.isDyn())
    result = (a.c.isFloat() && !isa<FloatType>(eb)) ? builder_.getF32Type() : eb;
  else if (b.isConst() && a.isDyn())
    result = (b.c.isFloat() && !isa<FloatType>(ea)) ? builder_.getF32Type() : ea;
  else if (isa<FloatType>(ea) != isa<FloatType>(eb))
    result = isa<FloatType>(ea) ? ea : eb;
  else
    result = widerOf(ea, eb, builder_);
  // A comparison or arithmetic with a bool: integers win.
  if (result.isInteger(1) && (op == BinOp::Add || op == BinOp::Sub || op == BinOp::Mul ||
                              op == BinOp::FloorDiv || op == BinOp::Mod))
    result = builder_.getI32Type();
  if (op == BinOp::Div && isa<IntegerType>(result))
    result = builder_.getF32Type(); // true division, as in Triton
  return result;
}

//===----------------------------------------------------------------------===//
// Compile-time folding
//===----------------------------------------------------------------------===//

namespace {
/// Wraps an integer to the width of `type` (64 when weak).
int64_t wrapTo(int64_t v, Type type) {
  if (!type || type.getIntOrFloatBitWidth() >= 64)
    return v;
  unsigned w = type.getIntOrFloatBitWidth();
  uint64_t mask = (uint64_t(1) << w) - 1, u = static_cast<uint64_t>(v) & mask;
  if (w == 1)
    return static_cast<int64_t>(u);
  return (u >> (w - 1)) ? static_cast<int64_t>(u | ~mask) : static_cast<int64_t>(u);
}
} // namespace

static std::optional<Const> foldBinary(BinOp op, const Const &a, const Const &b, Builder &builder,
                                       std::string &err) {
  bool isFloat = a.isFloat() || b.isFloat();
  Type type;
  if (a.type && b.type)
    type = isFloat != (isa<FloatType>(a.type) || isa<FloatType>(b.type))
               ? builder.getF32Type()
               : widerOf(a.type, b.type, builder);
  else
    type = a.type ? a.type : b.type;
  if (isFloat && type && !isa<FloatType>(type))
    type = {};
  auto boolean = [&](bool v) { return Const::ofBool(v, builder.getI1Type()); };
  switch (op) {
  case BinOp::Lt: return boolean(isFloat ? a.asDouble() < b.asDouble() : a.i < b.i);
  case BinOp::Le: return boolean(isFloat ? a.asDouble() <= b.asDouble() : a.i <= b.i);
  case BinOp::Gt: return boolean(isFloat ? a.asDouble() > b.asDouble() : a.i > b.i);
  case BinOp::Ge: return boolean(isFloat ? a.asDouble() >= b.asDouble() : a.i >= b.i);
  case BinOp::Eq: return boolean(isFloat ? a.asDouble() == b.asDouble() : a.i == b.i);
  case BinOp::Ne: return boolean(isFloat ? a.asDouble() != b.asDouble() : a.i != b.i);
  case BinOp::And: return boolean(a.truthy() && b.truthy());
  case BinOp::Or: return boolean(a.truthy() || b.truthy());
  default: break;
  }
  if (op == BinOp::Div) {
    if (b.asDouble() == 0) {
      err = "division by zero in a constant expression";
      return std::nullopt;
    }
    return Const::ofFloat(a.asDouble() / b.asDouble(), type && isa<FloatType>(type) ? type : Type());
  }
  if (isFloat) {
    double x = a.asDouble(), y = b.asDouble();
    switch (op) {
    case BinOp::Add: return Const::ofFloat(x + y, type);
    case BinOp::Sub: return Const::ofFloat(x - y, type);
    case BinOp::Mul: return Const::ofFloat(x * y, type);
    case BinOp::FloorDiv:
    case BinOp::Mod:
      if (y == 0) {
        err = "division by zero in a constant expression";
        return std::nullopt;
      }
      return Const::ofFloat(op == BinOp::Mod ? std::fmod(x, y) : std::floor(x / y), type);
    default:
      err = std::string("operator '") + ast::spell(op) + "' needs integer operands";
      return std::nullopt;
    }
  }
  uint64_t x = static_cast<uint64_t>(a.i), y = static_cast<uint64_t>(b.i);
  int64_t r = 0;
  switch (op) {
  case BinOp::Add: r = static_cast<int64_t>(x + y); break;
  case BinOp::Sub: r = static_cast<int64_t>(x - y); break;
  case BinOp::Mul: r = static_cast<int64_t>(x * y); break;
  case BinOp::FloorDiv:
  case BinOp::Mod:
    if (b.i == 0) {
      err = "division by zero in a constant expression";
      return std::nullopt;
    }
    if (a.i == INT64_MIN && b.i == -1)
      r = op == BinOp::Mod ? 0 : INT64_MIN;
    else // C semantics (truncation), the same as the generated code
      r = op == BinOp::Mod ? a.i % b.i : a.i / b.i;
    break;
  case BinOp::BitAnd: r = a.i & b.i; break;
  case BinOp::BitOr: r = a.i | b.i; break;
  case BinOp::BitXor: r = a.i ^ b.i; break;
  case BinOp::Shl:
  case BinOp::Shr:
    if (b.i < 0 || b.i >= 64) {
      err = "shift amount " + std::to_string(b.i) + " out of range";
      return std::nullopt;
    }
    r = op == BinOp::Shl ? static_cast<int64_t>(x << b.i) : (a.i >> b.i);
    break;
  case BinOp::Pow:
  default:
    err = std::string("operator '") + ast::spell(op) + "' is not supported";
    return std::nullopt;
  }
  bool bothBool = a.kind == Const::Kind::Bool && b.kind == Const::Kind::Bool;
  if (bothBool && (op == BinOp::BitAnd || op == BinOp::BitOr || op == BinOp::BitXor))
    return Const::ofBool(r != 0, builder.getI1Type());
  if (type && type.isInteger(1))
    type = builder.getI32Type();
  return Const::ofInt(wrapTo(r, type), type);
}

//===----------------------------------------------------------------------===//
// Binary and unary operators
//===----------------------------------------------------------------------===//

Val Generator::binary(BinOp op, const Val &lhs, const Val &rhs, SourceLoc l) {
  if (lhs.isError() || rhs.isError())
    return Val::error();
  if (op == BinOp::Pow) {
    error(l, "'**' is not supported; use exp2(y * log2(x)) or multiply");
    return Val::error();
  }
  if (!lhs.isValue() || !rhs.isValue()) {
    // Tuples compare element-wise at compile time (shapes, mostly).
    if ((op == BinOp::Eq || op == BinOp::Ne) && lhs.kind == rhs.kind &&
        (lhs.kind == Val::Kind::DType || lhs.kind == Val::Kind::Tuple ||
         lhs.kind == Val::Kind::String)) {
      bool eq = lhs.kind == Val::Kind::DType    ? lhs.dtype == rhs.dtype
                : lhs.kind == Val::Kind::String ? lhs.str == rhs.str
                                                : false;
      if (lhs.kind == Val::Kind::Tuple && lhs.elems.size() == rhs.elems.size()) {
        eq = true;
        for (auto [x, y] : llvm::zip(lhs.elems, rhs.elems))
          eq &= x.isConst() && y.isConst() && x.c.asDouble() == y.c.asDouble();
      }
      return Val::constant(Const::ofBool(eq == (op == BinOp::Eq), builder_.getI1Type()));
    }
    error(l, std::string("invalid operands to '") + ast::spell(op) + "': " + describe(lhs) +
                 " and " + describe(rhs));
    return Val::error();
  }
  if (lhs.isConst() && rhs.isConst()) {
    std::string err;
    auto folded = foldBinary(op, lhs.c, rhs.c, builder_, err);
    if (!folded) {
      error(l, err);
      return Val::error();
    }
    return Val::constant(*folded);
  }

  Type ta = typeOf(lhs), tb = typeOf(rhs);
  Type ea = getElementTypeOrSelf(ta), eb = getElementTypeOrSelf(tb);
  auto shapes = broadcastShapes(shapeOf(lhs), shapeOf(rhs));
  if (!shapes) {
    error(l, std::string("shape mismatch in '") + ast::spell(op) + "': " + describe(lhs) +
                 " and " + describe(rhs) + " cannot be broadcast together");
    return Val::error();
  }
  Location at = loc(l);

  if (isa<tile::BlockPointerType>(ea) || isa<tile::BlockPointerType>(eb)) {
    error(l, std::string("invalid operands to '") + ast::spell(op) + "': " + describe(lhs) +
                 " and " + describe(rhs) + "; a block pointer moves with advance()");
    return Val::error();
  }
  if (isa<tile::TensorDescType>(ea) || isa<tile::TensorDescType>(eb)) {
    error(l, std::string("invalid operands to '") + ast::spell(op) + "': " + describe(lhs) +
                 " and " + describe(rhs) + "; a tensor descriptor is read with .load(offsets)");
    return Val::error();
  }
  // Pointer arithmetic: ptr +/- integer.
  bool pa = isa<tile::PointerType>(ea), pb = isa<tile::PointerType>(eb);
  if (pa || pb) {
    const Val &ptr = pa ? lhs : rhs, &off = pa ? rhs : lhs;
    Type offElt = getElementTypeOrSelf(typeOf(off));
    bool ok = (op == BinOp::Add || (op == BinOp::Sub && pa)) && !(pa && pb) &&
              isa<IntegerType>(offElt) && !offElt.isInteger(1);
    if (!ok) {
      error(l, std::string("invalid operands to '") + ast::spell(op) + "': " + describe(lhs) +
                   " and " + describe(rhs) +
                   (pa && pb ? "" : "; pointers move by adding or subtracting integers"));
      return Val::error();
    }
    Type offType = offElt.getIntOrFloatBitWidth() < 32 ? builder_.getI32Type() : offElt;
    Value offset = materialize(off, offType, l);
    if (op == BinOp::Sub) {
      Value zero = broadcastTo(constantOf(Const::ofInt(0), offType, l), shapeOf(off), l);
      offset = arith::SubIOp::create(builder_, at, zero, offset);
    }
    Value p = broadcastTo(ptr.v, *shapes, l);
    offset = broadcastTo(offset, *shapes, l);
    return Val::dyn(tile::AddPtrOp::create(builder_, at, p.getType(), p, offset));
  }

  auto promoted = promote(lhs, rhs, op, l);
  if (!promoted)
    return Val::error();
  Type elt = *promoted;
  if (isFp8(elt)) {
    error(l, std::string("'") + ast::spell(op) + "' on " + typeName(elt) +
                 " is not supported: fp8 is for storage and dot(); convert first, e.g. "
                 "x.to(f16)");
    return Val::error();
  }
  bool isFloat = isa<FloatType>(elt);
  bool bitwise = op == BinOp::BitAnd || op == BinOp::BitOr || op == BinOp::BitXor ||
                 op == BinOp::Shl || op == BinOp::Shr;
  if (bitwise && isFloat) {
    error(l, std::string("operator '") + ast::spell(op) + "' needs integer or bool operands, got " +
                 describe(lhs) + " and " + describe(rhs));
    return Val::error();
  }
  if (op == BinOp::And || op == BinOp::Or) {
    if (!shapes->empty()) {
      error(l, std::string("'") + ast::spell(op) + "' works on scalars; use '" +
                   (op == BinOp::And ? "&" : "|") + "' for tiles");
      return Val::error();
    }
    Value a = toBool(lhs, l), b = toBool(rhs, l);
    if (!a || !b)
      return Val::error();
    if (op == BinOp::And)
      return Val::dyn(arith::AndIOp::create(builder_, at, a, b));
    return Val::dyn(arith::OrIOp::create(builder_, at, a, b));
  }

  Value a = broadcastTo(materialize(lhs, elt, l), *shapes, l);
  Value b = broadcastTo(materialize(rhs, elt, l), *shapes, l);
  if (!a || !b)
    return Val::error();

  auto cmp = [&](arith::CmpIPredicate ip, arith::CmpFPredicate fp) -> Value {
    if (isFloat)
      return arith::CmpFOp::create(builder_, at, fp, a, b);
    return arith::CmpIOp::create(builder_, at, ip, a, b);
  };
  Value r;
  switch (op) {
  case BinOp::Add:
    r = isFloat ? Value(arith::AddFOp::create(builder_, at, a, b))
                : Value(arith::AddIOp::create(builder_, at, a, b));
    break;
  case BinOp::Sub:
    r = isFloat ? Value(arith::SubFOp::create(builder_, at, a, b))
                : Value(arith::SubIOp::create(builder_, at, a, b));
    break;
  case BinOp::Mul:
    r = isFloat ? Value(arith::MulFOp::create(builder_, at, a, b))
                : Value(arith::MulIOp::create(builder_, at, a, b));
    break;
  case BinOp::Div:
    // `/` on f32 may be approximate (div.full.f32, 2 ulp, as Triton's); div_rn() is exact.
    r = arith::DivFOp::create(builder_, at, a, b,
                              arith::FastMathFlagsAttr::get(builder_.getContext(),
                                                            elt.isF32() ? arith::FastMathFlags::afn
                                                                        : arith::FastMathFlags::none));
    break;
  case BinOp::FloorDiv:
    r = isFloat ? Value(math::FloorOp::create(builder_, at, arith::DivFOp::create(builder_, at, a, b)))
                : Value(arith::DivSIOp::create(builder_, at, a, b));
    break;
  case BinOp::Mod:
    r = isFloat ? Value(arith::RemFOp::create(builder_, at, a, b))
                : Value(arith::RemSIOp::create(builder_, at, a, b));
    break;
  case BinOp::BitAnd: r = arith::AndIOp::create(builder_, at, a, b); break;
  case BinOp::BitOr: r = arith::OrIOp::create(builder_, at, a, b); break;
  case BinOp::BitXor: r = arith::XOrIOp::create(builder_, at, a, b); break;
  case BinOp::Shl: r = arith::ShLIOp::create(builder_, at, a, b); break;
  case BinOp::Shr: r = arith::ShRSIOp::create(builder_, at, a, b); break;
  case BinOp::Lt: r = cmp(arith::CmpIPredicate::slt, arith::CmpFPredicate::OLT); break;
  case BinOp::Le: r = cmp(arith::CmpIPredicate::sle, arith::CmpFPredicate::OLE); break;
  case BinOp::Gt: r = cmp(arith::CmpIPredicate::sgt, arith::CmpFPredicate::OGT); break;
  case BinOp::Ge: r = cmp(arith::CmpIPredicate::sge, arith::CmpFPredicate::OGE); break;
  case BinOp::Eq: r = cmp(arith::CmpIPredicate::eq, arith::CmpFPredicate::OEQ); break;
  case BinOp::Ne: r = cmp(arith::CmpIPredicate::ne, arith::CmpFPredicate::UNE); break;
  default:
    error(l, std::string("operator '") + ast::spell(op) + "' is not supported here");
    return Val::error();
  }
  return Val::dyn(r);
}

Val Generator::unary(UnaryOp op, const Val &v, SourceLoc l) {
  if (v.isError())
    return v;
  if (!v.isValue()) {
    error(l, std::string("invalid operand to '") + ast::spell(op) + "': " + describe(v));
    return Val::error();
  }
  if (v.isConst()) {
    Const c = v.c;
    switch (op) {
    case UnaryOp::Pos: return v;
    case UnaryOp::Neg:
      if (c.isFloat())
        c.f = -c.f;
      else if (c.kind == Const::Kind::Bool)
        return Val::constant(Const::ofInt(-c.i));
      else
        c.i = wrapTo(static_cast<int64_t>(0 - static_cast<uint64_t>(c.i)), c.type);
      return Val::constant(c);
    case UnaryOp::Not: return Val::constant(Const::ofBool(!c.truthy(), builder_.getI1Type()));
    case UnaryOp::Invert:
      if (c.isFloat()) {
        error(l, "'~' needs an integer or bool operand, got " + describe(v));
        return Val::error();
      }
      if (c.kind == Const::Kind::Bool)
        return Val::constant(Const::ofBool(!c.truthy(), c.type));
      c.i = ~c.i;
      return Val::constant(c);
    }
  }
  Type type = v.v.getType();
  Type elt = getElementTypeOrSelf(type);
  Location at = loc(l);
  if (isFp8(elt)) {
    error(l, std::string("'") + ast::spell(op) + "' on " + typeName(elt) +
                 " is not supported: fp8 is for storage and dot(); convert first, e.g. "
                 "x.to(f16)");
    return Val::error();
  }
  if (!isa<IntegerType, FloatType>(elt)) {
    error(l, std::string("invalid operand to '") + ast::spell(op) + "': " + describe(v));
    return Val::error();
  }
  auto allOnes = [&]() {
    return broadcastTo(constantOf(Const::ofInt(-1), elt, l), tile::getShape(type), l);
  };
  switch (op) {
  case UnaryOp::Pos: return v;
  case UnaryOp::Neg:
    if (isa<FloatType>(elt))
      return Val::dyn(arith::NegFOp::create(builder_, at, v.v));
    {
      Value zero = broadcastTo(constantOf(Const::ofInt(0), elt, l), tile::getShape(type), l);
      return Val::dyn(arith::SubIOp::create(builder_, at, zero, v.v));
    }
  case UnaryOp::Invert:
    if (isa<FloatType>(elt)) {
      error(l, "'~' needs an integer or bool operand, got " + describe(v));
      return Val::error();
    }
    return Val::dyn(arith::XOrIOp::create(builder_, at, v.v, allOnes()));
  case UnaryOp::Not: {
    Value b = toBool(v, l);
    if (!b)
      return Val::error();
    Value ones = broadcastTo(constantOf(Const::ofBool(true, builder_.getI1Type()),
                                        builder_.getI1Type(), l),
                             tile::getShape(b.getType()), l);
    return Val::dyn(arith::XOrIOp::create(builder_, at, b, ones));
  }
  }
  return Val::error();
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

Val Generator::genExpr(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name: return lookup(e.name, e.loc);
  case Expr::Kind::Int: return Val::constant(Const::ofInt(e.intValue));
  case Expr::Kind::Float: return Val::constant(Const::ofFloat(e.floatValue));
  case Expr::Kind::Bool: return Val::constant(Const::ofBool(e.boolValue, builder_.getI1Type()));
  case Expr::Kind::None: return Val::none();
  case Expr::Kind::String: return Val::string(e.name);
  case Expr::Kind::Tuple: {
    std::vector<Val> elems;
    for (const ast::ExprPtr &op : e.operands) {
      elems.push_back(genExpr(*op));
      if (elems.back().isError())
        return Val::error();
    }
    return Val::tuple(std::move(elems));
  }
  case Expr::Kind::Unary: return unary(e.unaryOp, genExpr(*e.operands[0]), e.loc);
  case Expr::Kind::Binary: {
    // `and` / `or` on compile-time values short-circuit, as in Python.
    if (e.binaryOp == BinOp::And || e.binaryOp == BinOp::Or) {
      Val lhs = genExpr(*e.operands[0]);
      if (lhs.isConst() && (lhs.c.truthy() == (e.binaryOp == BinOp::Or)))
        return Val::constant(Const::ofBool(lhs.c.truthy(), builder_.getI1Type()));
      return binary(e.binaryOp, lhs, genExpr(*e.operands[1]), e.loc);
    }
    Val lhs = genExpr(*e.operands[0]);
    Val rhs = genExpr(*e.operands[1]);
    return binary(e.binaryOp, lhs, rhs, e.loc);
  }
  case Expr::Kind::Call: return genCall(e);
  case Expr::Kind::IfExp: return genIfExp(e);
  case Expr::Kind::Attribute:
    if (reportTritonSpelling(e))
      return Val::error();
    return genAttribute(genExpr(*e.base), e);
  case Expr::Kind::Slice:
    error(e.loc, "':' is only valid when indexing a tile");
    return Val::error();
  case Expr::Kind::Subscript: {
    Val base = genExpr(*e.base);
    if (base.isError())
      return base;
    if (base.kind == Val::Kind::Tuple) {
      if (e.operands.size() != 1) {
        error(e.loc, "a tuple takes one index");
        return Val::error();
      }
      auto index = requireConstInt(genExpr(*e.operands[0]), e.operands[0]->loc, "tuple index");
      if (!index)
        return Val::error();
      int64_t n = base.elems.size(), i = *index < 0 ? *index + n : *index;
      if (i < 0 || i >= n) {
        error(e.operands[0]->loc, "tuple index " + std::to_string(*index) +
                                      " out of range for a tuple of " + std::to_string(n));
        return Val::error();
      }
      return base.elems[i];
    }
    // Tiles: ':' keeps a dimension, None inserts one of size 1.
    if (!base.isValue()) {
      error(e.loc, describe(base) + " cannot be subscripted");
      return Val::error();
    }
    if (!builder_.getInsertionBlock()) {
      error(e.loc, "a tile subscript is not a compile-time constant");
      return Val::error();
    }
    if (base.isDyn() && isa<tile::BlockPointerType>(base.v.getType())) {
      error(e.loc, describe(base) + " cannot be subscripted; load() its block");
      return Val::error();
    }
    Value v = base.isDyn() ? base.v : materialize(base, typeOf(base), e.loc);
    int64_t rank = tile::getShape(v.getType()).size(), slices = 0;
    for (const ast::ExprPtr &op : e.operands) {
      if (op->kind == Expr::Kind::Slice) {
        ++slices;
      } else if (op->kind != Expr::Kind::None) {
        error(op->loc, "tiles are indexed only with ':' and None; to read elements, load() "
                       "through pointers");
        return Val::error();
      }
    }
    if (slices != rank) {
      error(e.loc, "subscript has " + std::to_string(slices) + " ':' for a tile of rank " +
                       std::to_string(rank) + " (" + describe(base) + ")");
      return Val::error();
    }
    if (rank == 0)
      v = broadcastTo(v, {1}, e.loc), rank = 1; // scalar[None] -> a 1-element tile
    int axis = 0;
    bool first = slices == 0;
    for (const ast::ExprPtr &op : e.operands) {
      if (op->kind == Expr::Kind::Slice) {
        ++axis;
        continue;
      }
      if (first) { // the scalar case already made the first dimension
        first = false;
        ++axis;
        continue;
      }
      v = tile::ExpandDimsOp::create(builder_, loc(op->loc), v, axis);
      ++axis;
    }
    return Val::dyn(v);
  }
  }
  return Val::error();
}

//===----------------------------------------------------------------------===//
// Triton spellings
//===----------------------------------------------------------------------===//

bool Generator::reportTritonSpelling(const Expr &e) {
  // The dotted path of an attribute chain over a name: `tl.math.exp`.
  std::vector<const Expr *> chain;
  const Expr *at = &e;
  while (at->kind == Expr::Kind::Attribute) {
    chain.push_back(at);
    at = at->base.get();
  }
  if (at->kind != Expr::Kind::Name || chain.empty())
    return false;
  const std::string &root = at->name;
  if (root != "tl" && root != "triton" && root != "libdevice")
    return false;
  if ((env_ && env_->count(root)) || globals_.count(root) || functions_.count(root))
    return false;
  std::string path = root;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    path += "." + (*it)->name;
  const std::string &last = chain.front()->name;
  static const std::map<std::string, std::string> renamed = {
      {"permute", "trans"}, {"jit", "@kernel"}, {"float8e4nv", "f8e4m3"}};
  std::string lacc = ast::laccTypeSpelling(last);
  if (lacc.empty() && renamed.count(last))
    lacc = renamed.at(last);
  if (lacc.empty() && (isBuiltin(last) || last == "range" || last == "static_range"))
    lacc = last;
  if (!lacc.empty())
    error(at->loc, "write '" + lacc + "', not '" + path + "'");
  else
    error(at->loc, "'" + path + "' has no lacc equivalent (lacc's builtins are written without "
                   "'tl.'; docs/language.md lists them)");
  return true;
}

//===----------------------------------------------------------------------===//
// Conditional expressions
//===----------------------------------------------------------------------===//

Val Generator::genIfExp(const Expr &e) {
  const Expr &thenExpr = *e.operands[0], &condExpr = *e.operands[1], &elseExpr = *e.operands[2];
  Val cond = genExpr(condExpr);
  if (cond.isError())
    return cond;
  if (cond.isConst()) // only the chosen side is evaluated, as in Python
    return genExpr(cond.c.truthy() ? thenExpr : elseExpr);
  if (!cond.isDyn() || isa<RankedTensorType>(cond.v.getType())) {
    error(condExpr.loc, "a conditional expression needs a scalar condition, got " +
                            describe(cond) + "; use where(c, a, b) to select between tiles");
    return Val::error();
  }
  Value c = toBool(cond, condExpr.loc);
  if (!c)
    return Val::error();
  // Generate both sides in the regions of a result-less scf.if, then rebuild
  // it with the one result both sides promote to.
  Location at = loc(e.loc);
  auto probe = scf::IfOp::create(builder_, at, TypeRange{}, c, /*withElse=*/true);
  auto side = [&](Region &region, const Expr &expr) {
    OpBuilder::InsertionGuard guard(builder_);
    builder_.setInsertionPoint(region.front().getTerminator());
    return genExpr(expr);
  };
  Val thenVal = side(probe.getThenRegion(), thenExpr);
  Val elseVal = side(probe.getElseRegion(), elseExpr);
  auto fail = [&]() {
    probe.erase();
    return Val::error();
  };
  if (thenVal.isError() || elseVal.isError())
    return fail();
  if (!thenVal.isValue() || !elseVal.isValue()) {
    error(e.loc, "the two sides of a conditional expression with a runtime condition must be "
                 "values, got " + describe(thenVal) + " and " + describe(elseVal));
    return fail();
  }
  // Pointers take no part in promotion: both sides must have the one pointer type.
  Type thenElt = getElementTypeOrSelf(typeOf(thenVal)), elseElt = getElementTypeOrSelf(typeOf(elseVal));
  auto isPointer = [](Type t) {
    return isa<tile::PointerType, tile::BlockPointerType, tile::TensorDescType>(t);
  };
  if ((isPointer(thenElt) || isPointer(elseElt)) && thenElt != elseElt) {
    error(e.loc, "the sides of a conditional expression, " + describe(thenVal) + " and " +
                     describe(elseVal) + ", have no common type");
    return fail();
  }
  auto elt = isPointer(thenElt) ? std::optional<Type>(thenElt)
                                : promote(thenVal, elseVal, BinOp::Add, e.loc);
  if (!elt)
    return fail();
  auto shape = broadcastShapes(shapeOf(thenVal), shapeOf(elseVal));
  if (thenVal.isConst() && elseVal.isConst())
    elt = defaultType(thenVal.c) == defaultType(elseVal.c) ? defaultType(thenVal.c)
          : (thenVal.c.isFloat() || elseVal.c.isFloat())   ? Type(builder_.getF32Type())
                                                            : Type(builder_.getI32Type());
  if (!shape) {
    error(e.loc, "the sides of a conditional expression, " + describe(thenVal) + " and " +
                     describe(elseVal) + ", cannot be broadcast together");
    return fail();
  }
  Type type = shape->empty() ? *elt : Type(RankedTensorType::get(*shape, *elt));
  auto merged = scf::IfOp::create(builder_, at, TypeRange{type}, c, /*withElse=*/true);
  auto yieldFrom = [&](Region &from, Region &to, const Val &v, SourceLoc vLoc) {
    to.takeBody(from);
    Operation *oldYield = to.front().getTerminator();
    OpBuilder::InsertionGuard guard(builder_);
    builder_.setInsertionPoint(oldYield);
    Value m = broadcastTo(materialize(v, *elt, vLoc), *shape, vLoc);
    scf::YieldOp::create(builder_, oldYield->getLoc(), m ? ValueRange{m} : ValueRange{});
    oldYield->erase();
    return m != nullptr;
  };
  bool ok = yieldFrom(probe.getThenRegion(), merged.getThenRegion(), thenVal, thenExpr.loc);
  ok &= yieldFrom(probe.getElseRegion(), merged.getElseRegion(), elseVal, elseExpr.loc);
  probe.erase();
  if (!ok) {
    merged.erase();
    return Val::error();
  }
  return Val::dyn(merged.getResult(0));
}

} // namespace lacc
