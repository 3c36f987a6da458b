//===- Pipeline.cpp - the passes, in order --------------------------------===//

#include "compiler/Pipeline.h"

#include "compiler/conversion/EmitPTX.h"
#include "compiler/conversion/Passes.h"
#include "compiler/transforms/Passes.h"
#include "dialects/tile/TileDialect.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace lacc;

void lacc::registerCodegenDialects(DialectRegistry &registry) {
  registry.insert<tile::TileDialect, tilegpu::TileGPUDialect, func::FuncDialect,
                  arith::ArithDialect, math::MathDialect, scf::SCFDialect, cf::ControlFlowDialect,
                  LLVM::LLVMDialect, NVVM::NVVMDialect, ub::UBDialect>();
}

int64_t lacc::getSharedMemoryLimit(StringRef arch) {
  // Opt-in maximum per block: sm_80 163 KiB, sm_86/89 99 KiB, sm_90 227 KiB.
  if (arch.starts_with("sm_90"))
    return 227 * 1024;
  if (arch == "sm_80" || arch == "sm_87")
    return 163 * 1024;
  return 99 * 1024;
}

void lacc::buildTileToTileGPUPipeline(OpPassManager &pm, const CodegenOptions &options) {
  pm.addPass(createTileRewriteBlockPointers());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createTileToTileGPU({options.numWarps}));
  pm.addPass(createTileGPUCoalesce());
  pm.addPass(createTileGPURemoveLayoutConversions());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  int64_t limit = options.sharedMemoryLimit ? options.sharedMemoryLimit
                                            : getSharedMemoryLimit(options.arch);
  pm.addPass(createTileGPUAllocateSharedMemory({limit}));
}

void lacc::buildTileGPUToLLVMPipeline(OpPassManager &pm, const CodegenOptions &) {
  pm.addPass(createConvertTileGPUToLLVM());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// Writes `text` to `<dumpDir>/<name>` when a dump directory is set.
static void dump(const CodegenOptions &options, StringRef name,
                 function_ref<void(raw_ostream &)> write) {
  if (options.dumpDir.empty())
    return;
  llvm::sys::fs::create_directories(options.dumpDir);
  SmallString<256> path(options.dumpDir);
  llvm::sys::path::append(path, name);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec)
    write(os);
}

static LogicalResult runStage(ModuleOp module, const CodegenOptions &options, StringRef stage,
                              function_ref<void(OpPassManager &)> build, StringRef dumpName) {
  PassManager pm(module.getContext());
  if (options.printIRAfterAll) {
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *, Operation *) { return true; });
  }
  if (options.timing)
    pm.enableTiming();
  build(pm);
  if (failed(pm.run(module)))
    return failure();
  dump(options, dumpName, [&](raw_ostream &os) { module.print(os); });
  return success();
}

LogicalResult lacc::lowerToTileGPU(ModuleOp module, const CodegenOptions &options) {
  dump(options, "0-tile.mlir", [&](raw_ostream &os) { module.print(os); });
  return runStage(module, options, "tilegpu",
                  [&](OpPassManager &pm) { buildTileToTileGPUPipeline(pm, options); },
                  "1-tilegpu.mlir");
}

LogicalResult lacc::lowerToLLVMDialect(ModuleOp module, const CodegenOptions &options) {
  return runStage(module, options, "llvm",
                  [&](OpPassManager &pm) { buildTileGPUToLLVMPipeline(pm, options); },
                  "2-llvm-dialect.mlir");
}

llvm::Expected<CompiledModule> lacc::emitPTX(ModuleOp module, const CodegenOptions &options) {
  CompiledModule result;
  result.arch = options.arch;
  int numWarps = tilegpu::getNumWarps(module);
  auto moduleShared =
      module->getAttrOfType<IntegerAttr>(tilegpu::TileGPUDialect::kSharedBytesAttrName);
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    if (!func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()))
      continue;
    KernelInfo info;
    info.name = func.getName().str();
    info.numWarps = numWarps;
    auto shared = func->getAttrOfType<IntegerAttr>(tilegpu::TileGPUDialect::kSharedBytesAttrName);
    if (!shared)
      shared = moduleShared;
    info.sharedBytes = shared ? shared.getInt() : 0;
    if (auto types = func->getAttrOfType<ArrayAttr>(kKernelArgTypesAttrName))
      for (auto type : types.getAsValueRange<TypeAttr>()) {
        std::string text;
        llvm::raw_string_ostream os(text);
        type.print(os);
        info.params.push_back(text);
      }
    result.kernels.push_back(std::move(info));
  }

  // LLVM IR has no place for lacc's attributes: translate a copy without them.
  OwningOpRef<ModuleOp> copy = module.clone();
  auto isOurs = [](NamedAttribute attr) {
    StringRef name = attr.getName().getValue();
    return name.starts_with("tile.") || name.starts_with("tilegpu.");
  };
  copy->walk([&](Operation *op) {
    SmallVector<StringAttr> drop;
    for (NamedAttribute attr : op->getDiscardableAttrs())
      if (isOurs(attr))
        drop.push_back(attr.getName());
    for (StringAttr name : drop)
      op->removeDiscardableAttr(name);
  });

  llvm::TimerGroup timers("lacc", "lacc code generation");
  llvm::Timer timer("ptx", "LLVM IR -> PTX (translate, -O3, NVPTX)", timers);
  if (options.timing)
    timer.startTimer();
  std::string llvmIR;
  StringRef features = options.ptxFeatures.empty() ? StringRef("+ptx80")
                                                   : StringRef(options.ptxFeatures);
  llvm::Expected<std::string> ptx = translateToPTX(*copy, options.arch, features,
                                                   options.optLevel,
                                                   options.dumpDir.empty() ? nullptr : &llvmIR);
  if (options.timing)
    timer.stopTimer();
  if (!ptx)
    return ptx.takeError();
  result.ptx = std::move(*ptx);
  dump(options, "3-llvm.ll", [&](raw_ostream &os) { os << llvmIR; });
  dump(options, "4-kernel.ptx", [&](raw_ostream &os) { os << result.ptx; });
  return result;
}

llvm::Expected<CompiledModule> lacc::compileToPTX(ModuleOp module, const CodegenOptions &options) {
  if (failed(lowerToTileGPU(module, options)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "lowering to tilegpu failed");
  if (failed(lowerToLLVMDialect(module, options)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "lowering to the LLVM dialect failed");
  return emitPTX(module, options);
}

namespace {
struct PipelineOptions : PassPipelineOptions<PipelineOptions> {
  Option<int> numWarps{*this, "num-warps", llvm::cl::desc("warps per CTA"), llvm::cl::init(4)};
  Option<std::string> arch{*this, "arch", llvm::cl::desc("target architecture"),
                           llvm::cl::init("sm_90a")};
  CodegenOptions toCodegen() const {
    CodegenOptions options;
    options.numWarps = numWarps;
    options.arch = arch;
    return options;
  }
};
} // namespace

void lacc::registerCodegenPipelines() {
  PassPipelineRegistration<PipelineOptions>(
      "lacc-lower-to-tilegpu", "tile -> tilegpu (lacc's code generation, first half)",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildTileToTileGPUPipeline(pm, options.toCodegen());
      });
  PassPipelineRegistration<PipelineOptions>(
      "lacc-lower-to-llvm", "tile -> tilegpu -> LLVM + NVVM dialects (the whole MLIR pipeline)",
      [](OpPassManager &pm, const PipelineOptions &options) {
        buildTileToTileGPUPipeline(pm, options.toCodegen());
        buildTileGPUToLLVMPipeline(pm, options.toCodegen());
      });
}
