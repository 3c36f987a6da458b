//===- lacc.cpp - the lacc compiler driver --------------------------------===//
//
//   lacc FILE.tile [--emit=tile|tilegpu|llvm-dialect|llvm|ptx|metadata] [--arch=sm_90a]
//                  [--num-warps=N] [--num-stages=N] [-D NAME=VALUE]... [--kernel=NAME]
//                  [--signature='*fp32:16,i32'] [-o FILE]
//                  [--print-ir-after-all] [--dump-dir=DIR] [--time] [--shared-limit=BYTES]
//                  [--ptxas=PATH]   (--emit=metadata: ptxas -v's register and spill report)
//   lacc FILE.mlir ...   (tile-dialect IR instead of source: the code generator alone)
//   lacc cache ls|show KEY|clear
//
//===----------------------------------------------------------------------===//

#include "compiler/Compile.h"
#include "lacc/Cache.h"
#include "lacc/Ptxas.h"

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

#include <unistd.h>

#include <iostream>
#include <map>

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
cl::opt<int> numWarps("num-warps",
                      cl::desc("Warps per program (a power of two, 1..32; default: the "
                               "kernel's @kernel(num_warps=), else 4)"),
                      cl::init(0), cl::cat(laccCategory));
cl::opt<int> numStages("num-stages",
                       cl::desc("Software-pipelining depth of loop-carried loads (1..8; default: "
                                "the kernel's @kernel(num_stages=), else 3)"),
                       cl::init(0), cl::cat(laccCategory));
cl::opt<int> maxRegisters("max-registers",
                          cl::desc("Registers per thread the kernels may use (.maxnreg, 16..255; "
                                   "default: ptxas decides)"),
                          cl::init(0), cl::cat(laccCategory));
cl::opt<bool> warpSpecialize("warp-specialize",
                            cl::desc("On sm_90a, give a kernel's main loop whose operands come by "
                                     "TMA a producer warpgroup (default on)"),
                            cl::init(true), cl::cat(laccCategory));
cl::opt<std::string> signature(
    "signature",
    cl::desc("The kernel's runtime arguments as Triton's AOT compiler writes them, with what "
             "is known of them: '*fp32:16, *fp32:16, i32:16' (a pointer 16-byte aligned, an "
             "integer divisible by 16); needs --kernel"),
    cl::value_desc("types"), cl::cat(laccCategory));
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
cl::opt<std::string> ptxasPath("ptxas",
                               cl::desc("The ptxas that --emit=metadata runs for its register and "
                                        "spill report (default: $CUDA_HOME/bin/ptxas, else "
                                        "/usr/local/cuda/bin/ptxas)"),
                               cl::value_desc("path"), cl::cat(laccCategory));
cl::opt<bool> debugInfo("mlir-print-debuginfo", cl::desc("Print source locations in MLIR output"),
                        cl::init(false), cl::cat(laccCategory));
} // namespace

static int fail(const Twine &message) {
  WithColor::error(errs(), "lacc") << message << "\n";
  return 1;
}

/// What ptxas says of each kernel, for --emit=metadata: `ptxas` is the one that ran, or empty
/// with `note` saying why none did.
struct PtxasResult {
  std::string ptxas, note;
  std::map<std::string, lacc::PtxasReport> reports;
};

static void writeMetadata(const lacc::CompileResult &compiled, StringRef arch, raw_ostream &os,
                          const PtxasResult *ptxas = nullptr) {
  json::OStream j(os, 2);
  j.object([&] {
    j.attribute("arch", arch);
    if (ptxas) {
      if (ptxas->ptxas.empty())
        j.attribute("ptxas", nullptr);
      else
        j.attribute("ptxas", ptxas->ptxas);
      if (!ptxas->note.empty())
        j.attribute("ptxas_note", ptxas->note);
    }
    j.attributeArray("kernels", [&] {
      for (const lacc::KernelMetadata &k : compiled.kernels)
        j.object([&] {
          j.attribute("name", k.name);
          j.attribute("num_warps", k.numWarps);
          j.attribute("shared_bytes", k.sharedBytes);
          j.attributeArray("params", [&] {
            for (const lacc::ParamType &p : k.params)
              j.value(p.pointer ? "!tile.ptr<" + p.element + ">" : p.element);
          });
          if (!k.tensorMaps.empty())
            j.attributeArray("tensor_maps", [&] {
              for (const lacc::TensorMapMetadata &m : k.tensorMaps)
                j.object([&] {
                  j.attribute("base_param", m.tensor.base);
                  j.attributeArray("box", [&] {
                    for (int64_t b : m.tensor.block)
                      j.value(b);
                  });
                  j.attribute("element_bytes", m.tensor.elementBytes);
                  j.attribute("swizzle_bytes", m.swizzleBytes);
                });
            });
          if (!ptxas || !ptxas->reports.count(k.name))
            return;
          const lacc::PtxasReport &r = ptxas->reports.at(k.name);
          j.attributeObject("ptxas", [&] {
            j.attribute("registers", r.registers);
            j.attribute("spill_store_bytes", r.spillStoreBytes);
            j.attribute("spill_load_bytes", r.spillLoadBytes);
            j.attribute("stack_bytes", r.stackBytes);
            j.attribute("static_shared_bytes", r.staticSharedBytes);
          });
        });
    });
  });
  os << "\n";
}

/// Assembles the PTX with ptxas -v for its report. A missing ptxas is a note in the JSON, not
/// a failure: the metadata the runtime needs does not depend on it.
static bool assemble(const std::string &ptx, PtxasResult &result, std::string &error) {
  std::string looked;
  std::string path = ptxasPath.empty() ? lacc::findPtxas(looked) : ptxasPath.getValue();
  if (!ptxasPath.empty() && access(path.c_str(), X_OK) != 0) {
    result.note = "no ptxas at " + path + " (--ptxas)";
    return true;
  }
  if (path.empty()) {
    result.note = "no ptxas found (looked at " + looked + "), so no register or spill report";
    return true;
  }
  std::string log;
  if (!lacc::runPtxas(path, ptx, arch, log, error))
    return false;
  result.ptxas = path;
  result.reports = lacc::parsePtxasLog(log);
  return true;
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

  lacc::CompileInput input;
  input.config.arch = arch;
  input.config.numWarps = numWarps;
  input.config.numStages = numStages;
  input.config.sharedMemoryLimit = sharedLimit;
  input.config.maxRegisters = maxRegisters;
  input.config.warpSpecialize = warpSpecialize;
  if (std::string problem = input.config.validate(); !problem.empty())
    return fail("--" + problem);

  auto buffer = MemoryBuffer::getFileOrSTDIN(inputFile, /*IsText=*/true);
  if (std::error_code ec = buffer.getError())
    return fail("cannot read '" + inputFile + "': " + ec.message());
  input.source = (*buffer)->getBuffer().str();
  input.fileName = inputFile == "-" ? "<stdin>" : inputFile.getValue();
  input.kernelName = kernelName;
  for (const std::string &d : defines) {
    size_t eq = d.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail("-D" + d + ": expected -D NAME=VALUE");
    input.constants.emplace_back(d.substr(0, eq), d.substr(eq + 1));
  }
  if (!signature.empty()) {
    if (kernelName.empty())
      return fail("--signature describes one kernel's arguments: name it with --kernel");
    std::string error;
    if (!lacc::parseSignature(signature, input.args, error))
      return fail("--signature: " + error);
  }

  lacc::CompileOptions options;
  switch (emit) {
  case Emit::Tile: options.stopAfter = lacc::Stage::Tile; break;
  case Emit::TileGPU: options.stopAfter = lacc::Stage::TileGPU; break;
  case Emit::LLVMDialect: options.stopAfter = lacc::Stage::LLVMDialect; break;
  case Emit::LLVM: options.stopAfter = lacc::Stage::LLVMIR; break;
  case Emit::PTX:
  case Emit::Metadata: options.stopAfter = lacc::Stage::PTX; break;
  }
  options.printDebugInfo = debugInfo;
  options.printIRAfterAll = printIRAfterAll;
  options.dumpDir = dumpDir;
  options.timing = timeStages;

  lacc::CompileResult result = lacc::compile(input, options);
  errs() << result.diagnostics;
  if (!result.success)
    return 1;

  std::string error;
  auto output = mlir::openOutputFile(outputFile, &error);
  if (!output)
    return fail(error);
  switch (emit) {
  case Emit::Tile: output->os() << result.tileIR; break;
  case Emit::TileGPU: output->os() << result.tileGPUIR; break;
  case Emit::LLVMDialect: output->os() << result.llvmDialectIR; break;
  case Emit::LLVM: output->os() << result.llvmIR; break;
  case Emit::Metadata: {
    PtxasResult ptxas;
    if (!assemble(result.ptx, ptxas, error))
      return fail(error);
    writeMetadata(result, arch, output->os(), &ptxas);
    break;
  }
  case Emit::PTX:
    output->os() << result.ptx;
    // The metadata the runtime needs to launch each kernel, beside the PTX.
    if (outputFile != "-") {
      auto meta = mlir::openOutputFile(outputFile + ".json", &error);
      if (!meta)
        return fail(error);
      writeMetadata(result, arch, meta->os());
      meta->keep();
    }
    break;
  }
  output->keep();
  return 0;
}
