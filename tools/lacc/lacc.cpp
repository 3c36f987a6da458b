//===- lacc.cpp - the lacc compiler driver --------------------------------===//
//
//   lacc FILE.tile [--emit=tile|tilegpu|llvm-dialect|llvm|ptx|metadata] [--arch=sm_90a]
//                  [--num-warps=N] [-D NAME=VALUE]... [--kernel=NAME] [-o FILE]
//                  [--print-ir-after-all] [--dump-dir=DIR] [--time] [--shared-limit=BYTES]
//   lacc FILE.mlir ...   (tile-dialect IR instead of source: the code generator alone)
//   lacc cache ls|show KEY|clear
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "compiler/conversion/EmitPTX.h"
#include "compiler/frontend/Frontend.h"
#include "lacc/Cache.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <iostream>

using namespace llvm;

namespace {
enum class Emit { Tile, TileGPU, LLVMDialect, LLVM, PTX, Metadata };

cl::OptionCategory laccCategory("lacc options");
cl::opt<std::string> inputFile(cl::Positional, cl::desc("<input .tile file>"), cl::Required,
                               cl::cat(laccCategory));
cl::opt<Emit> emit("emit", cl::desc("What to produce"), cl::init(Emit::PTX),
                   cl::values(clEnumValN(Emit::Tile, "tile", "tile-dialect MLIR"),
                              clEnumValN(Emit::TileGPU, "tilegpu",
                                         "tilegpu-dialect MLIR (layouts, shared memory)"),
                              clEnumValN(Emit::LLVMDialect, "llvm-dialect",
                                         "MLIR in the LLVM and NVVM dialects"),
                              clEnumValN(Emit::LLVM, "llvm", "optimized LLVM IR for NVPTX"),
                              clEnumValN(Emit::PTX, "ptx", "PTX assembly"),
                              clEnumValN(Emit::Metadata, "metadata",
                                         "the kernels' launch metadata (JSON)")),
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
cl::opt<int64_t> sharedLimit("shared-limit",
                              cl::desc("Shared memory per program in bytes (0: the target's)"),
                              cl::init(0), cl::cat(laccCategory));
cl::opt<bool> debugInfo("mlir-print-debuginfo", cl::desc("Print source locations in MLIR output"),
                        cl::init(false), cl::cat(laccCategory));
} // namespace

static int fail(const Twine &message) {
  WithColor::error(errs(), "lacc") << message << "\n";
  return 1;
}

static void writeMetadata(const lacc::CompiledModule &compiled, raw_ostream &os) {
  json::OStream j(os, 2);
  j.object([&] {
    j.attribute("arch", compiled.arch);
    j.attributeArray("kernels", [&] {
      for (const lacc::KernelInfo &k : compiled.kernels)
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
  os << "\n";
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

  mlir::DialectRegistry registry;
  lacc::registerCodegenDialects(registry);
  mlir::MLIRContext context(registry);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  // Diagnostics of every stage print as file:line:col with the source line
  // and a caret: the front end's own, and those code generation reports at
  // the source location each op carries.
  SourceMgr sourceMgr;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> mlirHandler;
  std::unique_ptr<lacc::SourceFile> file;
  std::unique_ptr<lacc::DiagnosticEngine> diag;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> codegenHandler;
  if (StringRef(inputFile).ends_with(".mlir")) {
    // Tile-dialect IR: the code generator alone (the lit tests of the passes).
    if (!defines.empty() || !kernelName.empty())
      return fail("-D and --kernel apply to .tile sources, not to .mlir input");
    context.loadAllAvailableDialects();
    sourceMgr.AddNewSourceBuffer(std::move(*buffer), SMLoc());
    mlirHandler = std::make_unique<mlir::SourceMgrDiagnosticHandler>(sourceMgr, &context);
    module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
  } else {
    TimerGroup timers("lacc", "lacc stages");
    Timer frontendTimer("frontend", "front end (parse, check, tile IR)", timers);
    file = std::make_unique<lacc::SourceFile>(inputFile == "-" ? "<stdin>" : inputFile.getValue(),
                                              (*buffer)->getBuffer().str());
    diag = std::make_unique<lacc::DiagnosticEngine>(*file, errs());
    if (timeStages)
      frontendTimer.startTimer();
    module = lacc::buildTileModule(context, *file, options, *diag);
    if (timeStages)
      frontendTimer.stopTimer();
    diag->flush();
    if (!module) {
      if (diag->errorCount() > 1)
        errs() << diag->errorCount() << " errors generated.\n";
      return 1;
    }
    codegenHandler = std::make_unique<mlir::ScopedDiagnosticHandler>(
        &context, [&](mlir::Diagnostic &d) {
          lacc::SourceLoc at;
          if (auto fl = dyn_cast<mlir::FileLineColLoc>(d.getLocation()))
            at = {fl.getLine(), fl.getColumn()};
          lacc::Severity severity = d.getSeverity() == mlir::DiagnosticSeverity::Error
                                        ? lacc::Severity::Error
                                        : d.getSeverity() == mlir::DiagnosticSeverity::Warning
                                              ? lacc::Severity::Warning
                                              : lacc::Severity::Note;
          diag->report(severity, at, d.str());
          diag->flush();
          return mlir::success();
        });
  }

  lacc::CodegenOptions codegen;
  codegen.arch = arch;
  codegen.numWarps = numWarps;
  codegen.printIRAfterAll = printIRAfterAll;
  codegen.dumpDir = dumpDir;
  codegen.timing = timeStages;
  codegen.sharedMemoryLimit = sharedLimit;

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
    if (emit == Emit::LLVMDialect) {
      module->print(output->os(), flags);
      output->os() << "\n";
    } else if (emit == Emit::LLVM) {
      std::string llvmIR;
      auto ptx = lacc::translateToPTX(*module, codegen.arch, "", codegen.optLevel, &llvmIR);
      if (!ptx)
        return fail(toString(ptx.takeError()));
      output->os() << llvmIR;
    } else {
      auto compiled = lacc::emitPTX(*module, codegen);
      if (!compiled)
        return fail(toString(compiled.takeError()));
      if (emit == Emit::Metadata) {
        writeMetadata(*compiled, output->os());
      } else {
        output->os() << compiled->ptx;
        // The metadata the runtime needs to launch each kernel, beside the PTX.
        if (outputFile != "-") {
          auto meta = mlir::openOutputFile(outputFile + ".json", &error);
          if (!meta)
            return fail(error);
          writeMetadata(*compiled, meta->os());
          meta->keep();
        }
      }
    }
  }
  output->keep();
  return 0;
}
