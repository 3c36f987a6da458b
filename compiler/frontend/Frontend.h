//===- Frontend.h - tile language to tile dialect ---------------*- C++ -*-===//
//
// The front end's one entry point: source text in, a verified module of
// tile-dialect kernels out, or diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_FRONTEND_H
#define LACC_FRONTEND_FRONTEND_H

#include "compiler/frontend/Diagnostics.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <utility>
#include <vector>

namespace mlir {
class DialectRegistry;
}

namespace lacc {

struct FrontendOptions {
  /// Values for const parameters, as written after -D: NAME and VALUE text
  /// (an integer, a float, True or False, a type name such as bf16, or a
  /// quoted string: "leaky_relu" with its quotes).
  std::vector<std::pair<std::string, std::string>> defines;
  /// When not empty, only this kernel is built.
  std::string kernel;
  /// Debug mode: runtime `assert`s and device_assert() become tile.assert
  /// checks (otherwise they are dropped, as in Triton without debug).
  bool debug = false;
};

/// Registers the dialects the front end produces.
void registerFrontendDialects(mlir::DialectRegistry &registry);

/// Parses and checks `file` and builds one module holding every @kernel (or
/// the one selected), each specialized on its const parameters. Every error is
/// reported to `diag`; on any error the result is null.
mlir::OwningOpRef<mlir::ModuleOp> buildTileModule(mlir::MLIRContext &context,
                                                  const SourceFile &file,
                                                  const FrontendOptions &options,
                                                  DiagnosticEngine &diag);

} // namespace lacc

#endif // LACC_FRONTEND_FRONTEND_H
