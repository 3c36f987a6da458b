//===- Compile.cpp - the one entry into lacc's compiler -------------------===//
//
// Runs the front end (or parses tile IR), applies the argument specialization,
// then the stages of Pipeline.h up to the requested one, keeping the text of
// each. Diagnostics of every stage are rendered at the source location the
// failing op carries: for .tile sources clang-style with the source line and a
// caret (the front end's lacc::DiagnosticEngine), for .mlir input as MLIR prints them.
//
//===----------------------------------------------------------------------===//

#include "compiler/Compile.h"

#include "compiler/Pipeline.h"
#include "compiler/analysis/AxisInfo.h"
#include "compiler/frontend/Frontend.h"
#include "dialects/tile/TileDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace lacc;

//===----------------------------------------------------------------------===//
// Configuration and signatures
//===----------------------------------------------------------------------===//

std::string KernelConfig::key() const {
  std::string key = arch + ".w" + std::to_string(numWarps) + ".s" + std::to_string(numStages);
  if (sharedMemoryLimit)
    key += ".smem" + std::to_string(sharedMemoryLimit);
  if (numSMs)
    key += ".sms" + std::to_string(numSMs);
  if (maxRegisters)
    key += ".r" + std::to_string(maxRegisters);
  if (!warpSpecialize)
    key += ".nows";
  return key;
}

std::string KernelConfig::validate() const {
  static const char *const archs[] = {"sm_80", "sm_86", "sm_87", "sm_89", "sm_90", "sm_90a"};
  if (!llvm::is_contained(archs, arch))
    return "arch=" + arch + ": expected one of sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a";
  if (numWarps < 0 || numWarps > 32 || (numWarps & (numWarps - 1)))
    return "num-warps=" + std::to_string(numWarps) + ": expected a power of two from 1 to 32";
  if (numStages < 0 || numStages > 8)
    return "num-stages=" + std::to_string(numStages) + ": expected 1 to 8";
  if (maxRegisters != 0 && (maxRegisters < 16 || maxRegisters > 255))
    return "max-registers=" + std::to_string(maxRegisters) + ": expected 16 to 255 (or 0)";
  if (sharedMemoryLimit < 0)
    return "shared-limit=" + std::to_string(sharedMemoryLimit) + ": must not be negative";
  return "";
}

/// Triton's AOT type names -> the tile language's.
static const char *tileTypeName(StringRef triton) {
  static const std::pair<const char *, const char *> names[] = {
      {"fp16", "f16"}, {"bf16", "bf16"}, {"fp32", "f32"}, {"fp64", "f64"}, {"i1", "i1"},
      {"i8", "i8"},    {"i16", "i16"},   {"i32", "i32"},  {"i64", "i64"}};
  for (auto [from, to] : names)
    if (triton == from)
      return to;
  return nullptr;
}

bool lacc::parseSignature(const std::string &text, std::vector<ArgSpec> &out, std::string &error) {
  out.clear();
  SmallVector<StringRef> entries;
  StringRef(text).split(entries, ',');
  for (auto [i, raw] : llvm::enumerate(entries)) {
    StringRef entry = raw.trim();
    auto where = [&, i = i] { return "signature entry " + std::to_string(i + 1) + " '" + entry.str() + "'"; };
    auto [type, divisor] = entry.split(':');
    ArgSpec spec;
    StringRef element = type.trim();
    bool pointer = element.consume_front("*");
    if (!tileTypeName(element)) {
      error = where() + ": unknown type '" + element.str() +
              "' (expected fp16, bf16, fp32, fp64, i1, i8, i16, i32 or i64, with a leading '*' "
              "for a pointer)";
      return false;
    }
    spec.type = (pointer ? "*" : "") + element.str();
    if (!divisor.empty()) {
      int64_t value;
      if (divisor.trim().getAsInteger(10, value) || value < 1 || (value & (value - 1))) {
        error = where() + ": after ':' comes 1 (the value is always 1) or a power of two the "
                          "value is divisible by, e.g. 16";
        return false;
      }
      if (value == 1) {
        if (pointer || element == "i1") {
          error = where() + ": ':1' (always 1) applies to integers";
          return false;
        }
        spec.equalToOne = true;
      } else {
        spec.divisibility = value;
      }
    }
    out.push_back(spec);
  }
  return true;
}

/// Checks the signature against the kernel's parameters and marks what it promises
/// (`tile.divisibility`, read by the axis info).
static LogicalResult applyArgSpecs(func::FuncOp kernel, ArrayRef<ArgSpec> args) {
  ArrayRef<Type> types = kernel.getFunctionType().getInputs();
  if (args.size() != types.size())
    return kernel.emitError("kernel '")
           << kernel.getName() << "' has " << types.size() << " runtime parameters but the "
           << "signature gives " << args.size();
  Builder b(kernel.getContext());
  for (auto [i, spec] : llvm::enumerate(args)) {
    if (!spec.type.empty()) {
      Type type = types[i];
      std::string expected;
      if (auto ptr = dyn_cast<tile::PointerType>(type)) {
        expected = "*";
        type = ptr.getPointeeType();
      }
      std::string element;
      llvm::raw_string_ostream(element) << type;
      StringRef given = spec.type;
      bool pointer = given.consume_front("*");
      const char *tileType = tileTypeName(given);
      if (pointer != !expected.empty() || !tileType || element != tileType)
        return kernel.emitError("parameter ")
               << (i + 1) << " of kernel '" << kernel.getName() << "' is " << types[i]
               << " but the signature says " << spec.type;
    }
    if (spec.divisibility > 1)
      kernel.setArgAttr(i, kDivisibilityAttrName, b.getI32IntegerAttr(spec.divisibility));
    if (spec.equalToOne) {
      BlockArgument arg = kernel.getArgument(i);
      auto intType = dyn_cast<IntegerType>(arg.getType());
      if (!intType || intType.getWidth() == 1)
        return kernel.emitError("parameter ")
               << (i + 1) << " of kernel '" << kernel.getName() << "' is " << arg.getType()
               << ": only integers can be specialized on being 1";
      OpBuilder builder = OpBuilder::atBlockBegin(&kernel.getBody().front());
      Value one = arith::ConstantOp::create(builder, kernel.getLoc(), intType,
                                            builder.getIntegerAttr(intType, 1));
      arg.replaceAllUsesWith(one);
    }
  }
  return success();
}

/// Fills what the caller left to the kernels (0 warps or stages) from their @kernel options,
/// else Triton's defaults (4 warps, 3 stages). One module is compiled with one setting.
static LogicalResult resolveKernelOptions(ModuleOp module, KernelConfig &config) {
  auto resolve = [&](int &field, StringRef attrName, StringRef what,
                     int fallback) -> LogicalResult {
    if (field)
      return success();
    std::optional<int> chosen;
    for (auto func : module.getOps<func::FuncOp>()) {
      auto attr = func->getAttrOfType<IntegerAttr>(attrName);
      if (!func->hasAttr(tile::kKernelAttrName) || !attr)
        continue;
      if (chosen && *chosen != attr.getInt())
        return func.emitError("kernels of one compilation ask for different ")
               << what << " (" << *chosen << " and " << attr.getInt()
               << "): compile them one at a time";
      chosen = attr.getInt();
    }
    field = chosen ? *chosen : fallback;
    return success();
  };
  if (failed(resolve(config.numWarps, tile::kNumWarpsAttrName, "num_warps", 4)) ||
      failed(resolve(config.numStages, tile::kNumStagesAttrName, "num_stages", 3)))
    return failure();
  if (std::string problem = config.validate(); !problem.empty())
    return module.emitError("@kernel options: ") << problem;
  return success();
}

//===----------------------------------------------------------------------===//
// compile()
//===----------------------------------------------------------------------===//

namespace {

std::string printModule(ModuleOp module, const CompileOptions &options) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  if (options.printDebugInfo)
    flags.enableDebugInfo();
  module->print(os, flags);
  os << "\n";
  return text;
}

void dump(const CompileOptions &options, StringRef name, StringRef text) {
  if (options.dumpDir.empty())
    return;
  llvm::sys::fs::create_directories(options.dumpDir);
  SmallString<256> path(options.dumpDir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec)
    os << text;
}

/// Reports MLIR diagnostics of code generation through the front end's engine, at the
/// source line each op carries.
class SourceDiagnostics {
public:
  SourceDiagnostics(MLIRContext &context, lacc::DiagnosticEngine &engine)
      : handler(&context, [&engine](Diagnostic &d) {
          SourceLoc at;
          if (auto fl = dyn_cast<FileLineColLoc>(d.getLocation()))
            at = {fl.getLine(), fl.getColumn()};
          lacc::Severity severity = d.getSeverity() == DiagnosticSeverity::Error ? lacc::Severity::Error
                              : d.getSeverity() == DiagnosticSeverity::Warning ? lacc::Severity::Warning
                                                                               : lacc::Severity::Note;
          engine.report(severity, at, d.str());
          return success();
        }) {}

private:
  ScopedDiagnosticHandler handler;
};

} // namespace

CompileResult lacc::compile(const CompileInput &input, const CompileOptions &options) {
  CompileResult result;
  std::string diagnosticText;
  llvm::raw_string_ostream diagnostics(diagnosticText);
  std::unique_ptr<lacc::DiagnosticEngine> engine;
  // Every return goes through here: errors reported through the engine are held (to sort
  // them) until it is flushed.
  auto finish = [&](bool success) {
    if (engine)
      engine->flush();
    result.success = success;
    result.diagnostics = diagnosticText;
    return std::move(result);
  };
  if (std::string problem = input.config.validate(); !problem.empty()) {
    diagnostics << "error: " << problem << "\n";
    return finish(false);
  }

  DialectRegistry registry;
  registerCodegenDialects(registry);
  MLIRContext context(registry);
  context.disableMultithreading(); // one small module: a thread pool costs more than it saves
  OwningOpRef<ModuleOp> module;

  // Diagnostics go through one of two renderers for the whole compilation.
  SourceFile file(input.fileName, input.source);
  std::unique_ptr<SourceDiagnostics> sourceDiagnostics;
  llvm::SourceMgr sourceMgr;
  std::unique_ptr<SourceMgrDiagnosticHandler> mlirDiagnostics;

  llvm::TimerGroup timers("lacc", "lacc stages");
  llvm::Timer frontendTimer("frontend", "front end (parse, check, tile IR)", timers);
  bool isMLIR = StringRef(input.fileName).ends_with(".mlir");
  if (isMLIR) {
    // Tile-dialect IR: the code generator alone (the lit tests of the passes).
    if (!input.constants.empty()) {
      diagnostics << "error: const values (-D) apply to .tile sources, not to tile IR\n";
      return finish(false);
    }
    context.loadAllAvailableDialects();
    sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(input.source,
                                                                      input.fileName),
                                 llvm::SMLoc());
    mlirDiagnostics = std::make_unique<SourceMgrDiagnosticHandler>(sourceMgr, &context,
                                                                   diagnostics);
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return finish(false);
  } else {
    engine = std::make_unique<lacc::DiagnosticEngine>(file, diagnostics);
    FrontendOptions frontend;
    frontend.kernel = input.kernelName;
    frontend.defines = input.constants;
    if (options.timing)
      frontendTimer.startTimer();
    module = buildTileModule(context, file, frontend, *engine);
    if (options.timing)
      frontendTimer.stopTimer();
    engine->flush();
    if (!module) {
      if (engine->errorCount() > 1)
        diagnostics << engine->errorCount() << " errors generated.\n";
      return finish(false);
    }
    sourceDiagnostics = std::make_unique<SourceDiagnostics>(context, *engine);
  }
  if (!input.kernelName.empty()) {
    auto kernel = module->lookupSymbol<func::FuncOp>(input.kernelName);
    if (!kernel || !kernel->hasAttr(tile::kKernelAttrName)) {
      module->emitError("no kernel named '") << input.kernelName << "'";
      return finish(false);
    }
    if (!input.args.empty() && failed(applyArgSpecs(kernel, input.args)))
      return finish(false);
  } else if (!input.args.empty()) {
    module->emitError("a signature applies to one kernel: name it");
    return finish(false);
  }

  for (auto func : module->getOps<func::FuncOp>()) {
    if (!func->hasAttr(tile::kKernelAttrName))
      continue;
    KernelMetadata info;
    info.name = func.getName().str();
    for (Type type : func.getFunctionType().getInputs()) {
      ParamType param;
      if (auto ptr = dyn_cast<tile::PointerType>(type)) {
        param.pointer = true;
        type = ptr.getPointeeType();
      }
      llvm::raw_string_ostream(param.element) << type;
      info.params.push_back(std::move(param));
    }
    info.descriptors = getTensorDescriptors(func);
    result.kernels.push_back(std::move(info));
  }

  auto keep = [&](Stage stage, std::string &slot, StringRef dumpName,
                  function_ref<std::string()> text) {
    if (stage == options.stopAfter || options.keepAllStages || !options.dumpDir.empty()) {
      slot = text();
      dump(options, dumpName, slot);
    }
  };
  keep(Stage::Tile, result.tileIR, "0-tile.mlir", [&] { return printModule(*module, options); });
  if (options.stopAfter == Stage::Tile)
    return finish(true);

  PipelineOptions pipeline;
  pipeline.config = input.config;
  if (failed(resolveKernelOptions(*module, pipeline.config)))
    return finish(false);
  pipeline.printIRAfterAll = options.printIRAfterAll;
  pipeline.timing = options.timing;
  if (failed(lowerToTileGPU(*module, pipeline)))
    return finish(false);
  keep(Stage::TileGPU, result.tileGPUIR, "1-tilegpu.mlir",
       [&] { return printModule(*module, options); });
  if (options.stopAfter == Stage::TileGPU)
    return finish(true);

  if (failed(lowerToLLVMDialect(*module, pipeline)))
    return finish(false);
  {
    // Now with the launch's warps and shared memory; the descriptors are the tile IR's.
    std::vector<KernelMetadata> lowered = getKernelMetadata(*module);
    for (KernelMetadata &k : lowered)
      for (KernelMetadata &t : result.kernels)
        if (t.name == k.name)
          k.descriptors = std::move(t.descriptors);
    result.kernels = std::move(lowered);
  }
  keep(Stage::LLVMDialect, result.llvmDialectIR, "2-llvm-dialect.mlir",
       [&] { return printModule(*module, options); });
  if (options.stopAfter == Stage::LLVMDialect)
    return finish(true);

  llvm::Timer llvmTimer("ptx", "LLVM IR -> PTX (translate, -O3, NVPTX)", timers);
  if (options.timing)
    llvmTimer.startTimer();
  bool keepLLVMIR = options.stopAfter == Stage::LLVMIR || options.keepAllStages ||
                    !options.dumpDir.empty();
  llvm::Expected<LoweredModule> lowered =
      emitLLVMAndPTX(*module, pipeline, keepLLVMIR, options.stopAfter == Stage::PTX);
  if (options.timing)
    llvmTimer.stopTimer();
  if (!lowered) {
    module->emitError("internal compiler error: ") << llvm::toString(lowered.takeError());
    return finish(false);
  }
  result.llvmIR = std::move(lowered->llvmIR);
  result.ptx = std::move(lowered->ptx);
  dump(options, "3-llvm.ll", result.llvmIR);
  dump(options, "4-kernel.ptx", result.ptx);
  return finish(true);
}
