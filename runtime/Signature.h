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

#include <optional>
#include <string>
#include <vector>

namespace lacc::detail {

struct ConstParam {
  std::string name;
  std::optional<ScalarType> type; // when annotated
  bool hasDefault = false;
};

struct KernelSignature {
  std::string name;
  std::vector<Param> params; // runtime parameters, in order
  std::vector<ConstParam> constants;
};

/// Parses `source` and returns the signature of every @kernel. Does not throw
/// (Compiler.cpp, built without exceptions, calls it): on a syntax error or an
/// unknown type it returns false with the diagnostics in `error`.
bool parseSignatures(const std::string &fileName, const std::string &source,
                     std::vector<KernelSignature> &kernels, std::string &error);

} // namespace lacc::detail

#endif // LACC_RUNTIME_SIGNATURE_H
