//===- lacc-codegen.cpp - drive compiler/Pipeline.h on tile IR ------------===//
//
// Reads a tile-dialect module (.mlir) and prints it lowered to a stage:
//   --emit=tilegpu | llvm | ptx | metadata
// The test suite uses it to check PTX; it is also the smallest example of
// the API that tools/lacc and the runtime call.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .mlir>"), cl::init("-"));
static cl::opt<std::string> outputFile("o", cl::desc("output file"), cl::init("-"));
static cl::opt<std::string> emit("emit", cl::desc("tilegpu | llvm | ptx | metadata"),
                                 cl::init("ptx"));
static cl::opt<std::string> arch("arch", cl::desc("sm_80 ... sm_90a"), cl::init("sm_90a"));
static cl::opt<int> numWarps("num-warps", cl::desc("warps per CTA"), cl::init(4));
static cl::opt<bool> printIRAfterAll("print-ir-after-all", cl::init(false));
static cl::opt<bool> timing("time", cl::desc("print pass and stage times"), cl::init(false));
static cl::opt<std::string> dumpDir("dump-dir", cl::desc("write one file per stage here"));
static cl::opt<long> sharedLimit("shared-limit", cl::desc("shared bytes per CTA (0 = arch)"),
                                 cl::init(0));

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv, "lacc code generation driver\n");

  mlir::DialectRegistry registry;
  lacc::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  std::string error;
  auto file = mlir::openInputFile(inputFile, &error);
  if (!file) {
    errs() << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), SMLoc());
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;

  lacc::CodegenOptions options;
  options.arch = arch;
  options.numWarps = numWarps;
  options.printIRAfterAll = printIRAfterAll;
  options.timing = timing;
  options.dumpDir = dumpDir;
  options.sharedMemoryLimit = sharedLimit;

  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output) {
    errs() << error << "\n";
    return 1;
  }
  raw_ostream &os = output->os();
  if (failed(lacc::lowerToTileGPU(*module, options)))
    return 1;
  if (emit == "tilegpu") {
    module->print(os);
    output->keep();
    return 0;
  }
  if (failed(lacc::lowerToLLVMDialect(*module, options)))
    return 1;
  if (emit == "llvm") {
    module->print(os);
    output->keep();
    return 0;
  }
  Expected<lacc::CompiledModule> compiled = lacc::emitPTX(*module, options);
  if (!compiled) {
    errs() << "error: " << toString(compiled.takeError()) << "\n";
    return 1;
  }
  if (emit == "metadata") {
    for (const lacc::KernelInfo &kernel : compiled->kernels) {
      os << "kernel " << kernel.name << " num_warps=" << kernel.numWarps
         << " shared_bytes=" << kernel.sharedBytes << " params=(";
      llvm::interleaveComma(kernel.params, os);
      os << ")\n";
    }
  } else {
    os << compiled->ptx;
  }
  output->keep();
  return 0;
}
