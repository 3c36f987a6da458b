//===- Autotune.h - the @autotune decorator, read and checked ---*- C++ -*-===//
//
//   @autotune(configs=[config(BLOCK_M=128, BLOCK_N=64, num_warps=4, num_stages=3),
//                      config(BLOCK_M=64, BLOCK_N=64, num_warps=4)],
//             key=["M", "N"], restore=["c"])
//   @kernel
//   def gemm(a: ptr<bf16>, ..., c: ptr<bf16>, M: i32, N: i32, const BLOCK_M: i32, ...):
//
// The runtime tunes from the syntax tree alone (it reads signatures without
// MLIR), so the decorator is read and checked here, by the parser: lacc and
// the runtime report the same mistakes, each at its place in the source.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_AUTOTUNE_H
#define LACC_FRONTEND_AUTOTUNE_H

#include "compiler/frontend/AST.h"

#include <optional>

namespace lacc {

/// Reads `fn`'s @autotune decorator against its parameters. Nothing when there
/// is none or it is wrong; every mistake is reported to `diag`.
std::optional<ast::Autotune> readAutotune(const ast::Function &fn, DiagnosticEngine &diag);

/// "BLOCK_M=128, BLOCK_N=64, num_warps=4": a config as it is written, for messages.
std::string describeConfig(const ast::TuningConfig &config);

} // namespace lacc

#endif // LACC_FRONTEND_AUTOTUNE_H
