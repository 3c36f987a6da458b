//===- TileGPUToLLVM.cpp - the conversion pass ----------------------------===//
//
// Gathers the pattern families (one file each), MLIR's own arith / func / cf
// / ub -> LLVM patterns for the scalar code, and the SCF structural type
// conversions, and runs them as one partial conversion. Also lowers what
// identifies a program instance (program_id, num_programs) and prepares
// kernel entries.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Passes.h"
#include "compiler/conversion/Utility.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lacc {
#define GEN_PASS_DEF_CONVERTTILEGPUTOLLVM
#include "compiler/conversion/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

template <typename TileOp>
struct GridQueryToLLVM : OpConversionPattern<TileOp> {
  using OpConversionPattern<TileOp>::OpConversionPattern;
  using OpAdaptor = typename OpConversionPattern<TileOp>::OpAdaptor;
  LogicalResult matchAndRewrite(TileOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type i32 = rewriter.getI32Type();
    Location loc = op.getLoc();
    constexpr bool isId = std::is_same_v<TileOp, tile::ProgramIdOp>;
    Value v;
    switch (op.getAxis()) {
    case 0: v = isId ? Value(NVVM::BlockIdXOp::create(rewriter, loc, i32))
                     : Value(NVVM::GridDimXOp::create(rewriter, loc, i32)); break;
    case 1: v = isId ? Value(NVVM::BlockIdYOp::create(rewriter, loc, i32))
                     : Value(NVVM::GridDimYOp::create(rewriter, loc, i32)); break;
    default: v = isId ? Value(NVVM::BlockIdZOp::create(rewriter, loc, i32))
                      : Value(NVVM::GridDimZOp::create(rewriter, loc, i32)); break;
    }
    rewriter.replaceOp(op, v);
    return success();
  }
};

struct ConvertTileGPUToLLVMPass
    : lacc::impl::ConvertTileGPUToLLVMBase<ConvertTileGPUToLLVMPass> {
  using ConvertTileGPUToLLVMBase::ConvertTileGPUToLLVMBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    int numWarps = getNumWarps(module);
    if (numWarps <= 0) {
      module.emitError("the module has no layouts: run tile-to-tilegpu first");
      return signalPassFailure();
    }
    if (failed(checkLibdeviceAvailable(module)))
      return signalPassFailure();
    // Computed before any rewrite (and before kernel arguments lose their tile.divisibility):
    // the load/store patterns ask it about the original values.
    AxisInfoAnalysis axisInfo(module);
    prepareKernels(module, numWarps);
    splitWarpRoles(module, numWarps);
    bool usesWarpGroupMMA = false, usesTMA = false;
    module.walk([&](WarpGroupDotOp) { usesWarpGroupMMA = true; });
    module.walk([&](Operation *op) {
      usesTMA |= isa<AsyncTMACopyGlobalToLocalOp, AsyncTMACopyLocalToGlobalOp>(op);
    });
    declareSharedMemory(module, usesWarpGroupMMA || usesTMA);
    LoweringContext context{&axisInfo, numWarps, usesWarpGroupMMA};

    LowerToLLVMOptions options(ctx);
    options.overrideIndexBitwidth(64);
    TileTypeConverter converter(ctx, options);

    ConversionTarget target(*ctx);
    target.addLegalDialect<LLVM::LLVMDialect, NVVM::NVVMDialect>();
    target.addIllegalDialect<tile::TileDialect, TileGPUDialect, arith::ArithDialect,
                             math::MathDialect, func::FuncDialect, ub::UBDialect>();
    target.addLegalOp<ModuleOp>();

    // ceildivsi/floordivsi (range trip counts, cdiv) have no LLVM lowering of
    // their own: expand them into plain integer arithmetic first.
    {
      RewritePatternSet expand(ctx);
      arith::populateCeilFloorDivExpandOpsPatterns(expand);
      if (failed(applyPatternsGreedily(module, std::move(expand))))
        return signalPassFailure();
    }

    RewritePatternSet patterns(ctx);
    populateElementwiseOpToLLVMPatterns(converter, patterns);
    populateViewOpToLLVMPatterns(converter, patterns);
    populateLoadStoreOpToLLVMPatterns(converter, patterns, context);
    populateAtomicOpToLLVMPatterns(converter, patterns);
    populateAssertOpToLLVMPatterns(converter, patterns);
    populateFP8ConversionOpToLLVMPatterns(converter, patterns);
    populateReduceScanOpToLLVMPatterns(converter, patterns, context);
    populateConvertLayoutOpToLLVMPatterns(converter, patterns, context);
    populateSharedMemoryOpToLLVMPatterns(converter, patterns, context);
    populateDotOpToLLVMPatterns(converter, patterns);
    populateMMAv2DotOpToLLVMPatterns(converter, patterns);
    populateWGMMADotOpToLLVMPatterns(converter, patterns);
    populateAsyncCopyOpToLLVMPatterns(converter, patterns, context);
    populateTMAOpToLLVMPatterns(converter, patterns);
    patterns.add<GridQueryToLLVM<tile::ProgramIdOp>, GridQueryToLLVM<tile::NumProgramsOp>>(
        converter, ctx);
    arith::populateArithToLLVMConversionPatterns(converter, patterns);
    populateFuncToLLVMConversionPatterns(converter, patterns);
    cf::populateControlFlowToLLVMConversionPatterns(converter, patterns);
    ub::populateUBToLLVMConversionPatterns(converter, patterns);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns, target);

    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    lowerPredicationIfs(module);
  }

  /// Masked loads and stores leave one small scf.if per vector in blocks of
  /// many thousands of ops (unrolled dots). Lowering an scf.if splits its
  /// block, which moves every op after it: in program order that is
  /// quadratic (10 s for the lightning kernels). Lowered last to first, each
  /// split moves only the ops up to the next already-lowered if: linear.
  /// scf.while goes first, outermost first: its lowering reads the
  /// terminators of its regions' first blocks, so no if inside it may have
  /// split them yet. scf.for loops go last (their lowering takes a body of
  /// many blocks).
  static void lowerPredicationIfs(ModuleOp module) {
    SmallVector<Operation *> fors, ifs, whiles;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<scf::ForOp>(op))
        fors.push_back(op);
      else if (isa<scf::WhileOp>(op))
        whiles.push_back(op);
      else if (isa<scf::IfOp>(op))
        ifs.push_back(op);
    });
    if (ifs.empty() && whiles.empty())
      return;
    RewritePatternSet patterns(module.getContext());
    populateSCFToControlFlowConversionPatterns(patterns);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    // The worklist pops from the back: whiles (outermost first), then the ifs (last in
    // program order first), then the loops (innermost first).
    SmallVector<Operation *> worklist = fors;
    worklist.append(ifs.begin(), ifs.end());
    worklist.append(whiles.rbegin(), whiles.rend());
    (void)applyOpPatternsGreedily(worklist, std::move(patterns), config);
  }

  /// Kernels become NVVM entry points launched with exactly num_warps warps. Their tile-level
  /// signature is kept for the kernel metadata; tile attributes LLVM cannot carry are dropped.
  /// Hidden tensor-map parameters become 128-byte, 64-byte aligned grid-constant parameters
  /// (`.param .align 64 .b8 [128]`, read in place through their address), described in order
  /// in the kernel's `tilegpu.tensor_maps` for the runtime; they are not user parameters.
  void prepareKernels(ModuleOp module, int numWarps) {
    Builder b(module.getContext());
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func->hasAttr(tile::kKernelAttrName))
        continue;
      func->setAttr(NVVM::NVVMDialect::getKernelFuncAttrName(), b.getUnitAttr());
      // A warp-specialized kernel runs a producer warpgroup besides; one program per
      // multiprocessor caps its registers at entry, which setmaxnreg then moves between roles.
      func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                    b.getDenseI32ArrayAttr({32 * getLaunchWarps(func), 1, 1}));
      if (func->hasAttr(TileGPUDialect::kWarpSpecializedAttrName))
        func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(), b.getI32IntegerAttr(1));
      // The register budget, when the configuration sets one (.maxnreg): fewer registers per
      // thread let more programs share a multiprocessor; too few spill.
      if (maxRegisters > 0)
        func->setAttr(NVVM::NVVMDialect::getMaxnregAttrName(),
                      b.getI32IntegerAttr(static_cast<int>(maxRegisters)));
      SmallVector<Attribute> argTypes, tensorMaps;
      for (unsigned i = 0; i < func.getNumArguments(); ++i) {
        if (!isa<TensorMapType>(func.getArgument(i).getType())) {
          argTypes.push_back(TypeAttr::get(func.getArgument(i).getType()));
          continue;
        }
        tensorMaps.push_back(func.getArgAttr(i, TileGPUDialect::kTensorMapAttrName));
        func.removeArgAttr(i, TileGPUDialect::kTensorMapAttrName);
        func.setArgAttr(i, LLVM::LLVMDialect::getByValAttrName(),
                        TypeAttr::get(LLVM::LLVMArrayType::get(b.getI8Type(), 128)));
        func.setArgAttr(i, LLVM::LLVMDialect::getAlignAttrName(), b.getI64IntegerAttr(64));
        func.setArgAttr(i, NVVM::NVVMDialect::getGridConstantAttrName(), b.getUnitAttr());
      }
      func->setAttr(kKernelArgTypesAttrName, b.getArrayAttr(argTypes));
      if (!tensorMaps.empty())
        func->setAttr(TileGPUDialect::kTensorMapsAttrName, b.getArrayAttr(tensorMaps));
      for (unsigned i = 0; i < func.getNumArguments(); ++i)
        if (DictionaryAttr attrs = func.getArgAttrDict(i))
          for (NamedAttribute attr : attrs)
            if (attr.getName().getValue().starts_with("tile."))
              func.removeArgAttr(i, attr.getName());
    }
  }

  /// tilegpu.warp_specialize: after a barrier of every thread, the warps past num_warps (the
  /// producer warpgroup) run its region in the then-branch of an scf.if and leave the kernel;
  /// the rest of the kernel moves into the else-branch, the consumers'. Each side first sets
  /// its register budget, when the consumers' is above what every thread had at entry.
  static void splitWarpRoles(ModuleOp module, int numWarps) {
    SmallVector<WarpSpecializeOp> ops;
    module.walk([&](WarpSpecializeOp op) { ops.push_back(op); });
    for (WarpSpecializeOp ws : ops) {
      OpBuilder b(ws);
      Location loc = ws.getLoc();
      NVVM::Barrier0Op::create(b, loc);
      Value tid = NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
      Value warp = arith::DivUIOp::create(b, loc, tid, arith::ConstantIntOp::create(b, loc, 32, 32));
      Value isProducer = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, warp,
                                               arith::ConstantIntOp::create(b, loc, numWarps, 32));
      auto roles = scf::IfOp::create(b, loc, TypeRange{}, isProducer, /*withElseRegion=*/true);
      int atEntry = std::min(255, 65536 / (32 * (numWarps + kProducerWarps))) / 8 * 8;
      bool rebalance = int(ws.getConsumerRegisters()) > atEntry && ws.getProducerRegisters();
      // The consumers: everything after the op.
      Block *rest = ws->getBlock();
      b.setInsertionPointToStart(roles.elseBlock());
      if (rebalance)
        NVVM::SetMaxRegisterOp::create(b, loc, ws.getConsumerRegisters(),
                                       NVVM::SetMaxRegisterAction::increase);
      for (Operation &op : llvm::make_early_inc_range(
               llvm::make_range(std::next(roles->getIterator()), rest->getTerminator()->getIterator())))
        op.moveBefore(roles.elseBlock()->getTerminator());
      // The producer: the region.
      b.setInsertionPointToStart(roles.thenBlock());
      if (rebalance)
        NVVM::SetMaxRegisterOp::create(b, loc, ws.getProducerRegisters(),
                                       NVVM::SetMaxRegisterAction::decrease);
      for (Operation &op : llvm::make_early_inc_range(ws.getProducer().front()))
        op.moveBefore(roles.thenBlock()->getTerminator());
      ws.erase();
    }
  }

  /// `extern __shared__ char global_smem[]`, 16-byte aligned (1024 with wgmma or the TMA,
  /// whose swizzled buffers are placed on 1024-byte boundaries): every shared buffer is an
  /// offset into it, and the launch passes its size (the `tilegpu.shared` bytes).
  void declareSharedMemory(ModuleOp module, bool swizzledBuffers) {
    if (module.lookupSymbol(kSharedMemorySymbol))
      return;
    OpBuilder b(module.getBodyRegion());
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), 0);
    LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/false,
                           LLVM::Linkage::External, kSharedMemorySymbol, Attribute(),
                           /*alignment=*/swizzledBuffers ? 1024 : 16, kSharedAddressSpace);
  }
};

} // namespace
