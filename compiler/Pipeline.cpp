//===- Pipeline.cpp - the passes, in order --------------------------------===//

#include "compiler/Pipeline.h"

#include "compiler/conversion/EmitPTX.h"
#include "compiler/conversion/Passes.h"
#include "compiler/transforms/Passes.h"
#include "dialects/tile/TileDialect.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace lacc;

namespace {
/// Checks the module after `passName`. An invalid module is the compiler's fault: the
/// error says so, names the pass and the kernel, and points at the offending op (whose
/// location is the user's source line).
struct VerifyAfterPass : PassWrapper<VerifyAfterPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(VerifyAfterPass)
  explicit VerifyAfterPass(std::string passName) : passName(std::move(passName)) {}
  StringRef getArgument() const override { return "lacc-verify-after"; }

  void runOnOperation() override {
    std::string messages;
    std::optional<Location> at;
    {
      ScopedDiagnosticHandler handler(&getContext(), [&](Diagnostic &d) {
        if (d.getSeverity() != DiagnosticSeverity::Error)
          return success();
        if (!at)
          at = d.getLocation();
        messages += (messages.empty() ? "" : "; ") + d.str();
        return success();
      });
      if (succeeded(verify(getOperation())))
        return;
    }
    std::string kernels;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func->hasAttr(tile::kKernelAttrName))
        kernels += (kernels.empty() ? "'" : ", '") + func.getName().str() + "'";
    emitError(at ? *at : getOperation().getLoc())
        << "internal compiler error: the IR is invalid after pass '" << passName << "'"
        << (kernels.empty() ? "" : " in kernel " + kernels) << ": " << messages
        << " (this is a bug in lacc, not in the kernel; please report it)";
    signalPassFailure();
  }

  std::string passName;
};

void addPass(OpPassManager &pm, std::unique_ptr<Pass> pass) {
  std::string name = pass->getArgument().empty() ? pass->getName().str()
                                                  : pass->getArgument().str();
  pm.addPass(std::move(pass));
  pm.addPass(std::make_unique<VerifyAfterPass>(name));
}
} // namespace

void lacc::registerCodegenDialects(DialectRegistry &registry) {
  registry.insert<tile::TileDialect, tilegpu::TileGPUDialect, func::FuncDialect,
                  arith::ArithDialect, math::MathDialect, scf::SCFDialect, cf::ControlFlowDialect,
                  LLVM::LLVMDialect, NVVM::NVVMDialect, ub::UBDialect>();
}

void lacc::buildTileToTileGPUPipeline(OpPassManager &pm, const KernelConfig &config) {
  // Tensor descriptor loads stay for the TMA on sm_90a (rank 2; see RewriteBlockPointers.cpp).
  addPass(pm, createTileRewriteBlockPointers({tilegpu::hasTMA(config.arch)}));
  addPass(pm, createCanonicalizerPass());
  TileToTileGPUOptions layout;
  layout.numWarps = config.numWarps;
  layout.arch = config.arch;
  layout.sharedMemory = config.sharedMemoryLimit;
  layout.numSMs = config.numSMs;
  addPass(pm, createTileToTileGPU(layout));
  addPass(pm, createTileGPUCoalesce());
  addPass(pm, createTileGPUAccelerateMatmul());
  addPass(pm, createTileGPURemoveLayoutConversions());
  addPass(pm, createCanonicalizerPass());
  addPass(pm, createCSEPass());
  addPass(pm, createTileGPUWarpSpecialize({config.warpSpecialize, config.numStages}));
  addPass(pm, createTileGPUSoftwarePipeline({config.numStages}));
  addPass(pm, createTileGPULowerDescriptorLoads());
  addPass(pm, createTileGPULowerDescriptorStores());
  addPass(pm, createTileGPUSplitDotK());
  addPass(pm, createCanonicalizerPass());
  addPass(pm, createTileGPUAllocateSharedMemory());
  addPass(pm, createTileGPUOverlapWarpGroupDots());
  addPass(pm, createTileGPUInsertBarriers());
}

void lacc::buildTileGPUToLLVMPipeline(OpPassManager &pm, const KernelConfig &config) {
  addPass(pm, createConvertTileGPUToLLVM({config.maxRegisters}));
  addPass(pm, createSCFToControlFlowPass());
  addPass(pm, createArithToLLVMConversionPass());
  addPass(pm, createConvertControlFlowToLLVMPass());
  // NVVM ops written as inline PTX by MLIR itself (wgmma.mma_async).
  addPass(pm, createConvertNVVMToLLVMPass());
  addPass(pm, createReconcileUnrealizedCastsPass());
  addPass(pm, createCanonicalizerPass());
  addPass(pm, createCSEPass());
}

static LogicalResult runStage(ModuleOp module, const PipelineOptions &options,
                              function_ref<void(OpPassManager &)> build) {
  PassManager pm(module.getContext());
  pm.enableVerifier(false); // VerifyAfterPass checks after every pass, and says whose fault
  if (options.printIRAfterAll) {
    module.getContext()->disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return false; },
                        [](Pass *pass, Operation *) { return !isa<VerifyAfterPass>(pass); });
  }
  if (options.timing)
    pm.enableTiming();
  build(pm);
  return pm.run(module);
}

LogicalResult lacc::lowerToTileGPU(ModuleOp module, const PipelineOptions &options) {
  return runStage(module, options,
                  [&](OpPassManager &pm) { buildTileToTileGPUPipeline(pm, options.config); });
}

LogicalResult lacc::lowerToLLVMDialect(ModuleOp module, const PipelineOptions &options) {
  return runStage(module, options,
                  [&](OpPassManager &pm) { buildTileGPUToLLVMPipeline(pm, options.config); });
}

/// A `tilegpu.tensor_map` description (compiler/transforms/TensorMaps.h) in metadata terms.
static TensorMapMetadata readTensorMap(DictionaryAttr map) {
  auto integer = [&](StringRef name) { return map.getAs<IntegerAttr>(name).getInt(); };
  auto array = [&](StringRef name) { return map.getAs<DenseI64ArrayAttr>(name).asArrayRef(); };
  TensorMapMetadata m;
  m.tensor.base = static_cast<unsigned>(integer("base"));
  ArrayRef<int64_t> params = array("params"), constants = array("constants");
  size_t rank = params.size() / 2;
  for (size_t i = 0; i < params.size(); ++i)
    (i < rank ? m.tensor.shape : m.tensor.strides)
        .push_back({static_cast<int>(params[i]), constants[i]});
  m.tensor.block = array("box").vec();
  m.tensor.elementBytes = static_cast<unsigned>(integer("element_bytes"));
  m.swizzleBytes = static_cast<unsigned>(integer("swizzle"));
  return m;
}

std::vector<KernelMetadata> lacc::getKernelMetadata(ModuleOp module) {
  std::vector<KernelMetadata> kernels;
  auto moduleShared =
      module->getAttrOfType<IntegerAttr>(tilegpu::TileGPUDialect::kSharedBytesAttrName);
  for (auto func : module.getOps<LLVM::LLVMFuncOp>()) {
    if (!func->hasAttr(NVVM::NVVMDialect::getKernelFuncAttrName()))
      continue;
    KernelMetadata info;
    info.name = func.getName().str();
    info.numWarps = tilegpu::getLaunchWarps(func);
    auto shared = func->getAttrOfType<IntegerAttr>(tilegpu::TileGPUDialect::kSharedBytesAttrName);
    if (!shared)
      shared = moduleShared;
    info.sharedBytes = shared ? shared.getInt() : 0;
    if (auto types = func->getAttrOfType<ArrayAttr>(kKernelArgTypesAttrName))
      for (Type type : types.getAsValueRange<TypeAttr>()) {
        ParamType param;
        if (auto ptr = dyn_cast<tile::PointerType>(type)) {
          param.pointer = true;
          type = ptr.getPointeeType();
        }
        llvm::raw_string_ostream os(param.element);
        type.print(os);
        info.params.push_back(std::move(param));
      }
    if (auto maps = func->getAttrOfType<ArrayAttr>(tilegpu::TileGPUDialect::kTensorMapsAttrName))
      for (auto map : maps.getAsRange<DictionaryAttr>())
        info.tensorMaps.push_back(readTensorMap(map));
    kernels.push_back(std::move(info));
  }
  return kernels;
}

std::vector<DescriptorMetadata> lacc::getTensorDescriptors(Operation *kernel) {
  std::vector<DescriptorMetadata> out;
  kernel->walk([&](tile::MakeTensorDescOp op) {
    DescriptorMetadata d;
    auto operand = [](Value v) {
      DescriptorMetadata::Operand o;
      if (auto arg = dyn_cast<BlockArgument>(v))
        o.param = static_cast<int>(arg.getArgNumber());
      else if (IntegerAttr c; matchPattern(v, m_Constant(&c)))
        o.constant = c.getInt();
      return o; // the verifier allows nothing else
    };
    d.base = static_cast<unsigned>(cast<BlockArgument>(op.getBase()).getArgNumber());
    for (Value v : op.getShape())
      d.shape.push_back(operand(v));
    for (Value v : op.getStrides())
      d.strides.push_back(operand(v));
    auto type = cast<tile::TensorDescType>(op.getType());
    d.block = type.getBlockType().getShape().vec();
    d.elementBytes = type.getElementType().getIntOrFloatBitWidth() / 8;
    out.push_back(std::move(d));
  });
  return out;
}

llvm::Expected<LoweredModule> lacc::emitLLVMAndPTX(ModuleOp module, const PipelineOptions &options,
                                                   bool keepLLVMIR, bool withPTX) {
  // LLVM IR has no place for lacc's attributes: translate a copy without them.
  OwningOpRef<ModuleOp> copy = module.clone();
  copy->walk([&](Operation *op) {
    SmallVector<StringAttr> drop;
    for (NamedAttribute attr : op->getDiscardableAttrs()) {
      StringRef name = attr.getName().getValue();
      if (name.starts_with("tile.") || name.starts_with("tilegpu."))
        drop.push_back(attr.getName());
    }
    for (StringAttr name : drop)
      op->removeDiscardableAttr(name);
  });
  tilegpu::TargetAttr target = tilegpu::getTarget(module);
  unsigned ptxVersion = target ? target.getPtxVersion() : 80;
  llvm::Expected<TranslatedModule> translated = translateToPTX(
      *copy, options.config.arch, ptxVersion, options.optLevel, keepLLVMIR, withPTX);
  if (!translated)
    return translated.takeError();
  return LoweredModule{std::move(translated->llvmIR), std::move(translated->ptx)};
}

namespace {
struct LaccPipelineOptions : PassPipelineOptions<LaccPipelineOptions> {
  Option<int> numWarps{*this, "num-warps", llvm::cl::desc("warps per CTA"), llvm::cl::init(4)};
  Option<std::string> arch{*this, "arch", llvm::cl::desc("target architecture"),
                           llvm::cl::init("sm_90a")};
  Option<int> numStages{*this, "num-stages", llvm::cl::desc("software-pipelining depth"),
                        llvm::cl::init(1)};
  KernelConfig toConfig() const {
    KernelConfig config;
    config.numWarps = numWarps;
    config.arch = arch;
    config.numStages = numStages;
    return config;
  }
};
} // namespace

void lacc::registerCodegenPipelines() {
  PassPipelineRegistration<LaccPipelineOptions>(
      "lacc-lower-to-tilegpu", "tile -> tilegpu (lacc's code generation, first half)",
      [](OpPassManager &pm, const LaccPipelineOptions &options) {
        buildTileToTileGPUPipeline(pm, options.toConfig());
      });
  PassPipelineRegistration<LaccPipelineOptions>(
      "lacc-lower-to-llvm", "tile -> tilegpu -> LLVM + NVVM dialects (the whole MLIR pipeline)",
      [](OpPassManager &pm, const LaccPipelineOptions &options) {
        buildTileToTileGPUPipeline(pm, options.toConfig());
        buildTileGPUToLLVMPipeline(pm, options.toConfig());
      });
}
