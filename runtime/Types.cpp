//===- Types.cpp - scalar types, parameters and const values ---------------===//

#include "lacc/Compiler.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace lacc {

const char *typeName(ScalarType type) {
  switch (type) {
  case ScalarType::I1: return "i1";
  case ScalarType::I8: return "i8";
  case ScalarType::I16: return "i16";
  case ScalarType::I32: return "i32";
  case ScalarType::I64: return "i64";
  case ScalarType::F16: return "f16";
  case ScalarType::BF16: return "bf16";
  case ScalarType::F32: return "f32";
  case ScalarType::F64: return "f64";
  case ScalarType::F8E4M3: return "f8e4m3";
  case ScalarType::F8E5M2: return "f8e5m2";
  }
  return "?";
}

std::optional<ScalarType> scalarTypeNamed(const std::string &name) {
  if (name == "bool")
    return ScalarType::I1;
  for (ScalarType t : {ScalarType::I1, ScalarType::I8, ScalarType::I16, ScalarType::I32,
                       ScalarType::I64, ScalarType::F16, ScalarType::BF16, ScalarType::F32,
                       ScalarType::F64, ScalarType::F8E4M3, ScalarType::F8E5M2})
    if (name == typeName(t))
      return t;
  return std::nullopt;
}

unsigned byteSize(ScalarType type) {
  switch (type) {
  case ScalarType::I1:
  case ScalarType::I8:
  case ScalarType::F8E4M3:
  case ScalarType::F8E5M2: return 1;
  case ScalarType::I16:
  case ScalarType::F16:
  case ScalarType::BF16: return 2;
  case ScalarType::I32:
  case ScalarType::F32: return 4;
  case ScalarType::I64:
  case ScalarType::F64: return 8;
  }
  return 0;
}

bool isFloat(ScalarType type) {
  return type == ScalarType::F16 || type == ScalarType::BF16 || type == ScalarType::F32 ||
         type == ScalarType::F64 || type == ScalarType::F8E4M3 || type == ScalarType::F8E5M2;
}

std::string Param::typeString() const {
  if (kind == Kind::Pointer)
    return std::string("ptr<") + typeName(type) + ">";
  return typeName(type);
}

ConstValue ConstValue::string(std::string text) {
  ConstValue v;
  v.kind_ = Kind::String;
  v.s_ = std::move(text);
  return v;
}

ConstValue ConstValue::type(std::string name) {
  ConstValue v;
  v.kind_ = Kind::Type;
  v.s_ = std::move(name);
  return v;
}

std::string ConstValue::toString() const {
  switch (kind_) {
  case Kind::Bool: return i_ ? "True" : "False";
  case Kind::Int: return std::to_string(i_);
  case Kind::String: return '"' + s_ + '"'; // -D reads what is between the quotes, verbatim
  case Kind::Type: return s_;
  case Kind::Float: break;
  }
  if (std::isnan(f_))
    return "nan";
  if (std::isinf(f_))
    return f_ > 0 ? "inf" : "-inf";
  // The shortest of %.{1..17}g that reads back exactly, so that keys are
  // stable and the front end sees the very value the caller gave.
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, f_);
    if (std::strtod(buf, nullptr) == f_)
      break;
  }
  std::string s = buf;
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0"; // "2" would read as an integer
  return s;
}

bool ConstValue::operator==(const ConstValue &o) const {
  if (kind_ != o.kind_)
    return false;
  if (kind_ == Kind::Float) // bitwise, so that NaN == NaN and 0.0 != -0.0 (distinct keys)
    return std::signbit(f_) == std::signbit(o.f_) &&
           (f_ == o.f_ || (std::isnan(f_) && std::isnan(o.f_)));
  if (kind_ == Kind::String || kind_ == Kind::Type)
    return s_ == o.s_;
  return i_ == o.i_;
}

} // namespace lacc
