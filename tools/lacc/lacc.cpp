//===- lacc.cpp - the lacc compiler driver --------------------------------===//
//
//   lacc FILE.tile [--emit=tile|tilegpu|llvm|ptx] [--arch=sm_90a] [--num-warps=N]
//                  [-D NAME=VALUE]... [--kernel=NAME] [-o FILE]
//                  [--print-ir-after-all] [--dump-dir=DIR] [--time]
//   lacc cache ls|show KEY|clear
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "compiler/conversion/EmitPTX.h"
#include "compiler/frontend/Frontend.h"
#include "lacc/Cache.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>

using namespace llvm;

namespace {
enum class Emit { Tile, TileGPU, LLVM, PTX };

cl::OptionCategory laccCategory("lacc options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .tile file>"), cl::Required,
                               cl::cat(laccCategory));
cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::PTX),
                   cl::values(clEnumValN(Emit::Tile, "tile", "tile-dialect MLIR"),
                              clEnumValN(Emit::TileGPU, "tilegpu",
                                         "tilegpu-dialect MLIR (layouts, shared memory)"),
                              clEnumValN(Emit::LLVM, "llvm", "optimized LLVM IR for NVPTX"),
                              clEnumValN(Emit::PTX, "ptx", "PTX assembly")),
                   cl::cat(laccCategory));
cl::list<std::string> defines("D", cl::Prefix, cl::value_desc("NAME=VALUE"),
                              cl::desc("Set a const parameter of the kernels"),
                              cl::cat(laccCategory));
cl::opt<std::string> kernelName("kernel", cl::desc("Build only this kernel"),
                                cl::value_desc("name"), cl::cat(laccCategory));
cl::opt<std::string> arch("arch", cl::desc("Target GPU architecture (sm_80 ... sm_90a)"),
                          cl::init("sm_90a"), cl::cat(laccCategory));
cl::opt<int> numWarps("num-warps", cl::desc("Warps per program (a power of two, 1..32)"),
                      cl::init(4), cl::cat(laccCategory));
cl::opt<std::string> outputFile("o", cl::desc("Output file (default: stdout)"),
                                cl::value_desc("file"), cl::init("-"), cl::cat(laccCategory));
cl::opt<bool> printIRAfterAll("print-ir-after-all",
                              cl::desc("Print the IR after every pass to stderr"),
                              cl::init(false), cl::cat(laccCategory));
cl::opt<std::string> dumpDir("dump-dir", cl::desc("Write the IR of every stage to DIR"),
                             cl::value_desc("dir"), cl::cat(laccCategory));
cl::opt<bool> timeStages("time", cl::desc("Print the time of each stage to stderr"),
                         cl::init(false), cl::cat(laccCategory));
cl::opt<bool> debugInfo("mlir-print-debuginfo", cl::desc("Print source locations in MLIR output"),
                        cl::init(false), cl::cat(laccCategory));
} // namespace

static int fail(const Twine &message) {
  WithColor::error(errs(), "lacc") << message << "\n";
  return 1;
}

static bool isValidArch(StringRef a) {
  return a == "sm_80" || a == "sm_86" || a == "sm_87" || a == "sm_89" || a == "sm_90" ||
         a == "sm_90a";
}

int main(int argc, char **argv) {
  // `lacc cache ...` manages the runtime's disk cache.
  if (argc >= 2 && StringRef(argv[1]) == "cache")
    return lacc::runCacheCommand(std::vector<std::string>(argv + 2, argv + argc), std::cout,
                                 std::cerr);

  InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(laccCategory);
  cl::ParseCommandLineOptions(argc, argv,
                              "lacc: the tile-language kernel compiler\n\n"
                              "  lacc FILE.tile [options]    compile kernels\n"
                              "  lacc cache ls|show KEY|clear  manage the kernel cache\n");
  if (!isValidArch(arch))
    return fail("--arch=" + arch + ": expected one of sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a");
  if (numWarps < 1 || numWarps > 32 || (numWarps & (numWarps - 1)))
    return fail("--num-warps=" + Twine(numWarps) + ": expected a power of two from 1 to 32");

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

  TimerGroup timers("lacc", "lacc stages");
  Timer frontendTimer("frontend", "front end (parse, check, tile IR)", timers);
  lacc::SourceFile file(inputFile == "-" ? "<stdin>" : inputFile.getValue(),
                        (*buffer)->getBuffer().str());
  lacc::DiagnosticEngine diag(file, errs());
  mlir::DialectRegistry registry;
  lacc::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  if (timeStages)
    frontendTimer.startTimer();
  auto module = lacc::buildTileModule(context, file, options, diag);
  if (timeStages)
    frontendTimer.stopTimer();
  diag.flush();
  if (!module) {
    if (diag.errorCount() > 1)
      errs() << diag.errorCount() << " errors generated.\n";
    return 1;
  }

  lacc::CodegenOptions codegen;
  codegen.arch = arch;
  codegen.numWarps = numWarps;
  codegen.printIRAfterAll = printIRAfterAll;
  codegen.dumpDir = dumpDir;
  codegen.timing = timeStages;

  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  mlir::OpPrintingFlags flags;
  if (debugInfo)
    flags.enableDebugInfo();

  // Code generation errors are reported by MLIR's diagnostic engine at the
  // source location of the op (every op carries its file:line:col).
  if (emit == Emit::Tile) {
    module->print(output->os(), flags);
    output->os() << "\n";
  } else if (emit == Emit::TileGPU) {
    if (mlir::failed(lacc::lowerToTileGPU(*module, codegen)))
      return 1;
    module->print(output->os(), flags);
    output->os() << "\n";
  } else {
    if (mlir::failed(lacc::lowerToTileGPU(*module, codegen)) ||
        mlir::failed(lacc::lowerToLLVMDialect(*module, codegen)))
      return 1;
    if (emit == Emit::LLVM) {
      std::string llvmIR;
      auto ptx = lacc::translateToPTX(*module, codegen.arch, "", codegen.optLevel, &llvmIR);
      if (!ptx)
        return fail(toString(ptx.takeError()));
      output->os() << llvmIR;
    } else {
      auto compiled = lacc::emitPTX(*module, codegen);
      if (!compiled)
        return fail(toString(compiled.takeError()));
      output->os() << compiled->ptx;
      // The metadata the runtime needs to launch each kernel, beside the PTX.
      if (outputFile != "-") {
        auto meta = mlir::openOutputFile(outputFile + ".json", &error);
        if (!meta)
          return fail(error);
        json::OStream j(meta->os(), 2);
        j.object([&] {
          j.attribute("arch", compiled->arch);
          j.attributeArray("kernels", [&] {
            for (const lacc::KernelInfo &k : compiled->kernels)
              j.object([&] {
                j.attribute("name", k.name);
                j.attribute("num_warps", k.numWarps);
                j.attribute("shared_bytes", k.sharedBytes);
                j.attributeArray("params", [&] {
                  for (const std::string &p : k.params)
                    j.value(p);
                });
              });
          });
        });
        meta->os() << "\n";
        meta->keep();
      }
    }
  }
  output->keep();
  return 0;
}
