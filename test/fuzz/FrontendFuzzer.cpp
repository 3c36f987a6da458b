//===- FrontendFuzzer.cpp - libFuzzer target for the front end ------------===//
//
// Feeds the input bytes, as a .tile source file, to the front end's entry
// point (buildTileModule) and checks what the issue promises: whatever the
// input, the front end returns either a module or errors, never crashes, never
// trips a sanitizer, and never produces invalid IR. Diagnostics go to a string
// that is only read for the "internal compiler error" marker the generator
// puts on verifier failures; nothing is printed.
//
// Built only with -DLACC_FUZZ=ON (clang, -fsanitize=fuzzer,address,undefined);
// run it with tools/fuzz.sh.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Frontend.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {
[[noreturn]] void fail(const char *what, const std::string &detail) {
  std::fprintf(stderr, "FrontendFuzzer: %s\n%s\n", what, detail.c_str());
  std::abort();
}
} // namespace

// LLVM's headers poison and unpoison BumpPtrAllocator memory when compiled with
// ASan, but the MLIR/LLVM archives from Debian were compiled without it: memory
// that instrumented code poisoned is handed out by uninstrumented code, and the
// next instrumented access reports a false use-after-poison. Ignore the manual
// poisoning calls (ASan's own checks stay on).
extern "C" const char *__asan_default_options() { return "allow_user_poisoning=0"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry;
    lacc::registerFrontendDialects(*r);
    return r;
  }();

  // A fresh context per input: the front end may intern any identifier it
  // reads, and one long-lived context would grow without bound.
  mlir::MLIRContext context(*registry, mlir::MLIRContext::Threading::DISABLED);
  // Every MLIR error the front end does not handle itself is a bug in it.
  std::string mlirErrors;
  mlir::ScopedDiagnosticHandler escaped(&context, [&](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error)
      mlirErrors += d.str() + "\n";
    return mlir::success();
  });

  lacc::SourceFile file("fuzz.tile", std::string(reinterpret_cast<const char *>(data), size));
  std::string text;
  llvm::raw_string_ostream os(text);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  unsigned errors;
  {
    lacc::DiagnosticEngine diag(file, os);
    module = lacc::buildTileModule(context, file, lacc::FrontendOptions{}, diag);
    errors = diag.errorCount();
  } // flushes the diagnostics into `text`

  // The generator reports a verifier failure as "<file>:L:C: error: internal
  // compiler error: ...". The diagnostics also echo source lines, so an input
  // that itself contains the phrase cannot be judged this way.
  static const char *const kIce = "error: internal compiler error";
  if (file.text().find("internal compiler error") == std::string::npos &&
      text.find(kIce) != std::string::npos)
    fail("the front end built invalid IR", text);
  if (!mlirErrors.empty())
    fail("an MLIR error escaped the front end's diagnostics", mlirErrors);
  if (!module && errors == 0)
    fail("no module and no error", text);
  if (module && errors != 0)
    fail("a module despite errors", text);
  if (module && mlir::failed(mlir::verify(*module)))
    fail("the returned module does not verify", mlirErrors);
  return 0;
}
