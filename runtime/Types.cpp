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
  }
  return "?";
}

unsigned byteSize(ScalarType type) {
  switch (type) {
  case ScalarType::I1:
  case ScalarType::I8: return 1;
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
         type == ScalarType::F64;
}

std::string Param::typeString() const {
  if (kind == Kind::Pointer)
    return std::string("ptr<") + typeName(type) + ">";
  return typeName(type);
}

std::string ConstValue::toString() const {
  switch (kind_) {
  case Kind::Bool: return i_ ? "True" : "False";
  case Kind::Int: return std::to_string(i_);
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
  return i_ == o.i_;
}

} // namespace lacc
