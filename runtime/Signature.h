//===- Signature.h - kernel signatures straight from the syntax tree -*- C++ -*-===//
//
// The runtime needs a kernel's parameter list before it compiles anything: to
// check const values when a Kernel is made and launch arguments before the
// first compile. Parsing (no MLIR) takes microseconds, where the front end
// takes milliseconds; the compiled kernel's own list is checked against this.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_SIGNATURE_H
#define LACC_RUNTIME_SIGNATURE_H

#include "lacc/Compiler.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lacc::detail {

struct ConstParam {
  /// What the annotation allows: a number of `type` (`BLOCK: i32`), a type (`DTYPE: dtype`),
  /// a string (`ACT: str`), or anything (`constexpr`, or none).
  enum class Kind : uint8_t { Any, Number, Type, String };
  std::string name;
  Kind kind = Kind::Any;
  std::optional<ScalarType> type; // for Kind::Number
  bool hasDefault = false;
  /// A default that names a scalar type (`DTYPE: constexpr = f16`), or another const
  /// parameter (`V_DTYPE: constexpr = DTYPE`).
  std::optional<ScalarType> defaultType;
  std::string defaultFrom;
};

/// One config of a kernel's @autotune.
struct AutotuneConfig {
  unsigned number = 0; // 1, 2, ... in the source's order
  ConstMap constants;
  unsigned numWarps = 0, numStages = 0; // 0: the config does not set it
  std::string text;                     // as written: "BLOCK=128, num_warps=4"
};

/// A kernel's @autotune, its parameters named by index into KernelSignature::params.
struct AutotuneSpec {
  std::vector<AutotuneConfig> configs;
  std::vector<unsigned> key;     // the arguments whose values select a tuning
  std::vector<unsigned> restore; // pointer arguments restored before every timed run
  std::string where;             // "file:line" of the decorator
};

struct KernelSignature {
  std::string name;
  std::vector<Param> params; // runtime parameters, in order
  /// Per runtime parameter: the const parameter that gives its type (`x: ptr<DTYPE>`), or
  /// empty. Such a parameter's type is resolved when the kernel is specialized.
  std::vector<std::string> typeFrom;
  std::vector<ConstParam> constants;
  std::shared_ptr<const AutotuneSpec> autotune; // null without @autotune
};

/// Resolves the parameters whose type a const parameter gives, from `values` or the
/// defaults. False with a message in `error` when a value is missing or not a type.
bool resolveParamTypes(KernelSignature &sig, const ConstMap &values, std::string &error);

/// Parses `source` and returns the signature of every @kernel. Does not throw
/// (Compiler.cpp, built without exceptions, calls it): on a syntax error or an
/// unknown type it returns false with the diagnostics in `error`.
bool parseSignatures(const std::string &fileName, const std::string &source,
                     std::vector<KernelSignature> &kernels, std::string &error);

} // namespace lacc::detail

#endif // LACC_RUNTIME_SIGNATURE_H
