//===- TileToTileGPU.cpp - default layout assignment ----------------------===//
//
// The tile level has no notion of threads. This pass gives every tile the
// default blocked layout for its shape (what Triton's ConvertTritonToTritonGPU
// does) so that every later pass and the lowering can ask "which thread holds
// element i". Ops that need an operand in a layout derived from another one
// (expand_dims wants a slice, dot wants dot-operand layouts, a reduction
// yields a slice) get explicit convert_layout ops; removing the needless ones
// is a later pass's job.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Transforms/DialectConversion.h"

namespace lacc {
#define GEN_PASS_DEF_TILETOTILEGPU
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

class LayoutTypeConverter : public TypeConverter {
public:
  LayoutTypeConverter(MLIRContext *ctx, unsigned numWarps) {
    addConversion([](Type type) { return type; });
    addConversion([ctx, numWarps](RankedTensorType type) -> Type {
      if (type.getEncoding())
        return type;
      return RankedTensorType::get(
          type.getShape(), type.getElementType(),
          BlockedEncodingAttr::getDefault(ctx, type.getShape(), numWarps));
    });
    auto convert = [](OpBuilder &builder, Type type, ValueRange inputs, Location loc) -> Value {
      if (inputs.size() != 1 || !isa<RankedTensorType>(type))
        return {};
      return ConvertLayoutOp::create(builder, loc, type, inputs[0]);
    };
    addTargetMaterialization(convert);
    addSourceMaterialization(convert);
  }
};

RankedTensorType withLayout(RankedTensorType type, Attribute layout) {
  return RankedTensorType::get(type.getShape(), type.getElementType(), layout);
}

/// `value` in `type`, through a convert_layout when its layout differs.
Value convertTo(ConversionPatternRewriter &rewriter, Location loc, Value value,
                RankedTensorType type) {
  if (value.getType() == type)
    return value;
  return ConvertLayoutOp::create(rewriter, loc, type, value);
}

/// Rebuilds any tile, arith or math op with laid-out types. Operands are brought into the
/// layout the op's semantics tie them to; the op kind decides which.
class AssignLayouts : public ConversionPattern {
public:
  AssignLayouts(const TypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    Dialect *dialect = op->getDialect();
    if (!dialect || !isa<tile::TileDialect, arith::ArithDialect, math::MathDialect>(dialect))
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(), resultTypes)))
      return failure();
    Location loc = op->getLoc();
    SmallVector<Value> newOperands(operands);

    if (auto reduce = dyn_cast<tile::ReduceOp>(op))
      return rewriteReduce(reduce, newOperands[0], resultTypes[0], rewriter);
    if (auto dot = dyn_cast<tile::DotOp>(op)) {
      auto accType = cast<RankedTensorType>(resultTypes[0]);
      Attribute accLayout = accType.getEncoding();
      for (unsigned i = 0; i < 2; ++i) {
        auto type = cast<RankedTensorType>(newOperands[i].getType());
        auto layout = DotOperandEncodingAttr::get(
            op->getContext(), i, cast<DistributedLayoutAttr>(accLayout), /*kWidth=*/0);
        newOperands[i] = convertTo(rewriter, loc, newOperands[i], withLayout(type, layout));
      }
      newOperands[2] = convertTo(rewriter, loc, newOperands[2], accType);
    } else if (auto expand = dyn_cast<tile::ExpandDimsOp>(op)) {
      auto result = cast<RankedTensorType>(resultTypes[0]);
      auto layout = SliceEncodingAttr::get(op->getContext(), expand.getAxis(),
                                           cast<DistributedLayoutAttr>(result.getEncoding()));
      auto src = cast<RankedTensorType>(newOperands[0].getType());
      newOperands[0] = convertTo(rewriter, loc, newOperands[0], withLayout(src, layout));
    } else if (isa<tile::JoinOp>(op)) {
      // The pair in one thread's registers: join and split then move no data.
      auto src = cast<RankedTensorType>(newOperands[0].getType());
      newOperands[1] = convertTo(rewriter, loc, newOperands[1], src);
      resultTypes[0] = withLayout(cast<RankedTensorType>(resultTypes[0]),
                                  inferJoinLayout(cast<DistributedLayoutAttr>(src.getEncoding()),
                                                  src.getShape()));
    } else if (isa<tile::SplitOp>(op)) {
      auto half = cast<RankedTensorType>(resultTypes[0]);
      auto src = cast<RankedTensorType>(newOperands[0].getType());
      newOperands[0] = convertTo(
          rewriter, loc, newOperands[0],
          withLayout(src, inferJoinLayout(cast<DistributedLayoutAttr>(half.getEncoding()),
                                          half.getShape())));
    } else if (isa<tile::TransOp, tile::ReshapeOp>(op)) {
      // Views keep the source's registers: the result layout is the source's, seen through
      // the new order or shape.
      auto src = cast<RankedTensorType>(newOperands[0].getType());
      auto srcLayout = cast<DistributedLayoutAttr>(src.getEncoding());
      auto result = cast<RankedTensorType>(resultTypes[0]);
      DistributedLayoutAttr layout =
          isa<tile::TransOp>(op)
              ? inferTransLayout(srcLayout, src.getShape(), cast<tile::TransOp>(op).getOrder())
              : inferReshapeLayout(srcLayout, src.getShape(), result.getShape());
      resultTypes[0] = withLayout(result, layout);
    } else {
      // Elementwise ops, broadcast, memory ops: every tile operand in the layout of the
      // result (or of the first tile operand, for a store).
      Attribute anchor;
      if (!resultTypes.empty())
        if (auto type = dyn_cast<RankedTensorType>(resultTypes[0]))
          anchor = type.getEncoding();
      for (Value v : newOperands)
        if (auto type = dyn_cast<RankedTensorType>(v.getType()); type && !anchor)
          anchor = type.getEncoding();
      for (Value &v : newOperands)
        if (auto type = dyn_cast<RankedTensorType>(v.getType()))
          v = convertTo(rewriter, loc, v, withLayout(type, anchor));
    }

    OperationState state(loc, op->getName(), newOperands, resultTypes, op->getAttrs());
    if (auto cst = dyn_cast<arith::ConstantOp>(op))
      if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
        auto type = cast<ShapedType>(resultTypes[0]);
        state.attributes.set("value", dense.isSplat() ? dense.resizeSplat(type)
                                                      : dense.reshape(type));
      }
    Operation *newOp = rewriter.create(state);
    rewriter.replaceOp(op, newOp->getResults());
    return success();
  }

private:
  /// A reduction yields its source layout with the reduced axis sliced away; the rest of the
  /// program sees the default layout, through a conversion that later folds where it can.
  LogicalResult rewriteReduce(tile::ReduceOp op, Value src, Type defaultType,
                              ConversionPatternRewriter &rewriter) const {
    auto srcType = cast<RankedTensorType>(src.getType());
    Type resultType = defaultType;
    if (auto tensor = dyn_cast<RankedTensorType>(defaultType))
      resultType = withLayout(tensor, SliceEncodingAttr::get(
                                          op.getContext(), op.getAxis(),
                                          cast<DistributedLayoutAttr>(srcType.getEncoding())));
    auto reduce = tile::ReduceOp::create(rewriter, op.getLoc(), resultType, op.getKindAttr(), src,
                                         op.getAxisAttr());
    Value result = reduce.getResult();
    if (auto tensor = dyn_cast<RankedTensorType>(defaultType))
      result = convertTo(rewriter, op.getLoc(), result, tensor);
    rewriter.replaceOp(op, result);
    return success();
  }
};

bool isPowerOfTwo(int64_t n) { return n > 0 && (n & (n - 1)) == 0; }

struct TileToTileGPUPass : lacc::impl::TileToTileGPUBase<TileToTileGPUPass> {
  using TileToTileGPUBase::TileToTileGPUBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (!isPowerOfTwo(numWarps) || numWarps > 32) {
      module.emitError("num_warps must be a power of two from 1 to 32, got ") << static_cast<int>(numWarps);
      return signalPassFailure();
    }
    // Shapes the blocked layouts cannot serve are errors at the op that makes them.
    LayoutTypeConverter converter(ctx, numWarps);
    WalkResult check = module.walk([&](Operation *op) {
      for (Type type : op->getResultTypes()) {
        auto tensor = dyn_cast<RankedTensorType>(type);
        if (!tensor || tensor.getEncoding())
          continue;
        if (!llvm::all_of(tensor.getShape(), isPowerOfTwo)) {
          op->emitError("cannot lay out ") << type << ": every dimension must be a power of two";
          return WalkResult::interrupt();
        }
        int64_t perThread = getElemsPerThread(converter.convertType(type));
        if (perThread > maxRegistersPerThread) {
          op->emitError("cannot lay out ")
              << type << " over " << static_cast<int>(numWarps) << " warps: each thread would hold " << perThread
              << " elements (limit " << static_cast<int>(maxRegistersPerThread) << "); use smaller tiles or more warps";
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (check.wasInterrupted())
      return signalPassFailure();

    ConversionTarget target(*ctx);
    target.addLegalDialect<TileGPUDialect>();
    target.markUnknownOpDynamicallyLegal([&](Operation *op) { return converter.isLegal(op); });
    RewritePatternSet patterns(ctx);
    patterns.add<AssignLayouts>(converter, ctx);
    scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns, target);
    // Helper functions taking or returning tiles get laid-out signatures too.
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp func) {
      return converter.isSignatureLegal(func.getFunctionType()) &&
             converter.isLegal(&func.getBody());
    });
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    module->setAttr(TileGPUDialect::kNumWarpsAttrName,
                    IntegerAttr::get(IntegerType::get(ctx, 32), numWarps));
    module->setAttr(TileGPUDialect::kTargetAttrName,
                    makeTarget(ctx, arch, sharedMemory, static_cast<unsigned>(numSMs)));
  }
};

} // namespace
