//===- lacc.cpp - the lacc compiler driver --------------------------------===//
//
//   lacc FILE.tile --emit=tile [-D NAME=VALUE]... [--kernel=NAME] [-o FILE]
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Frontend.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace {
enum class Emit { Tile };

cl::OptionCategory laccCategory("lacc options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .tile file>"), cl::Required,
                               cl::cat(laccCategory));
cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::Tile),
                   cl::values(clEnumValN(Emit::Tile, "tile", "tile-dialect MLIR")),
                   cl::cat(laccCategory));
cl::list<std::string> defines("D", cl::Prefix, cl::value_desc("NAME=VALUE"),
                              cl::desc("Set a const parameter of the kernels"),
                              cl::cat(laccCategory));
cl::opt<std::string> kernelName("kernel", cl::desc("Build only this kernel"),
                                cl::value_desc("name"), cl::cat(laccCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"), cl::cat(laccCategory));
cl::opt<bool> debugInfo("mlir-print-debuginfo", cl::desc("Print source locations in the IR"),
                        cl::init(false), cl::cat(laccCategory));
} // namespace

static int fail(const Twine &message) {
  WithColor::error(errs(), "lacc") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(laccCategory);
  cl::ParseCommandLineOptions(argc, argv, "lacc: the tile-language kernel compiler\n");

  auto buffer = MemoryBuffer::getFileOrSTDIN(inputFile, /*IsText=*/true);
  if (std::error_code ec = buffer.getError())
    return fail("cannot read '" + inputFile + "': " + ec.message());

  lacc::FrontendOptions options;
  options.kernel = kernelName;
  for (const std::string &d : defines) {
    size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail("-D" + d + ": expected -D NAME=VALUE");
    options.defines.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }

  lacc::SourceFile file(inputFile == "-" ? "<stdin>" : inputFile.getValue(),
                        (*buffer)->getBuffer().str());
  lacc::DiagnosticEngine diag(file, errs());
  mlir::MLIRContext context;
  auto module = lacc::buildTileModule(context, file, options, diag);
  diag.flush();
  if (!module) {
    if (diag.errorCount() > 1)
      errs() << diag.errorCount() << " errors generated.\n";
    return 1;
  }

  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  mlir::OpPrintingFlags flags;
  if (debugInfo)
    flags.enableDebugInfo();
  module->print(output->os(), flags);
  output->os() << "\n";
  output->keep();
  return 0;
}
