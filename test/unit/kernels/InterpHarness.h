//===- InterpHarness.h - kernels straight on the interpreter ----*- C++ -*-===//
//
// For the tests that look at the tile IR itself rather than at a launch: a
// kernel of kernels/ built by the front end and run by the CPU interpreter
// directly, optionally after code generation's tile-level rewrite of block
// pointers into pointer tiles and masks (the interpreter runs either form, so
// running both checks the rewrite). Everything else launches through the
// runtime (KernelHarness.h).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TEST_UNIT_KERNELS_INTERPHARNESS_H
#define LACC_TEST_UNIT_KERNELS_INTERPHARNESS_H

#include "compiler/frontend/Frontend.h"
#include "compiler/transforms/Passes.h"
#include "lacc/Runtime.h"
#include "runtime/interp/Interpreter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace lacc::test::direct {

using interp::Buffer;
using interp::KernelArg;
/// -D values as the front end reads them: numbers, True/False, type names, quoted strings.
using Defines = std::vector<std::pair<std::string, std::string>>;

/// One kernel of kernels/FILE (the copy embedded in the binary), specialized by `defines`.
class Kernel {
public:
  static std::unique_ptr<Kernel> load(const std::string &file, const std::string &name,
                                      const Defines &defines) {
    const char *text = lacc::embeddedKernelSource(file);
    if (!text) {
      ADD_FAILURE() << "no embedded kernel source " << file;
      return nullptr;
    }
    auto k = std::unique_ptr<Kernel>(new Kernel);
    SourceFile source(file, text);
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    FrontendOptions options;
    options.kernel = name;
    options.defines = defines;
    {
      DiagnosticEngine diag(source, os);
      k->module_ = buildTileModule(k->context_, source, options, diag);
    }
    if (!k->module_) {
      ADD_FAILURE() << "compiling " << file << ":" << name << " failed:\n" << diagnostics;
      return nullptr;
    }
    k->fn_ = k->module_->lookupSymbol<mlir::func::FuncOp>(name);
    return k;
  }

  void run(std::array<uint32_t, 3> grid, std::vector<KernelArg> args,
           std::vector<Buffer> buffers) {
    if (llvm::Error e = interp::runKernel(fn_, grid, args, buffers))
      ADD_FAILURE() << llvm::toString(std::move(e));
  }

  /// Rewrites the kernel's block pointers into pointer tiles and masks, as code generation
  /// does first.
  void rewriteBlockPointers() {
    mlir::PassManager pm(&context_);
    pm.addPass(lacc::createTileRewriteBlockPointers());
    if (mlir::failed(pm.run(*module_)))
      ADD_FAILURE() << "tile-rewrite-block-pointers failed";
    fn_ = module_->lookupSymbol<mlir::func::FuncOp>(fn_.getSymName());
  }

private:
  Kernel() = default;
  mlir::MLIRContext context_;
  mlir::OwningOpRef<mlir::ModuleOp> module_;
  mlir::func::FuncOp fn_;
};

/// A host vector as an interpreter buffer, and as a pointer argument into it.
template <class T> Buffer buf(std::vector<T> &v) { return {v.data(), v.size() * sizeof(T)}; }
template <class T> KernelArg ptr(std::vector<T> &v) { return KernelArg::pointer(v.data()); }

} // namespace lacc::test::direct

#endif // LACC_TEST_UNIT_KERNELS_INTERPHARNESS_H
