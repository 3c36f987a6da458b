//===- ElementwiseOpToLLVM.cpp - arith and math on tiles ------------------===//
//
// An elementwise op on tiles becomes the same op on each of the thread's
// elements (fully unrolled); those scalar arith ops then lower through MLIR's
// arith -> LLVM patterns in the same conversion.
//
// Transcendentals use the GPU's fast approximate instructions (MUFU), not
// libdevice, which Debian's MLIR does not embed:
//   exp2(x)   llvm.exp2.f32      -> ex2.approx.f32   (max rel. error 2^-22, +-2 ulp)
//   exp(x)    exp2(x * log2 e)                        (adds |x| * 2^-24 relative error)
//   log2(x)   llvm.nvvm.lg2.approx.f                  (max abs. error 2^-22 on [0.5, 2])
//   log(x)    log2(x) * ln 2
//   rsqrt(x)  llvm.nvvm.rsqrt.approx.f               (max rel. error 2^-22.9)
//   tanh(x)   llvm.tanh with afn -> tanh.approx.f32 (sm_75+, max rel. error 2^-10.987)
//   sin, cos  llvm.sin/cos with afn -> sin/cos.approx.f32 (abs. error 2^-20.9 on [-pi, pi])
//   sqrt(x)   llvm.sqrt -> sqrt.rn.f32 (IEEE, correctly rounded)
// 16-bit floats are widened to f32 around these and rounded back. f64
// transcendentals would need libdevice and are rejected with a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"



using namespace mlir;
using namespace lacc;
using namespace lacc::conversion;

namespace {

bool isTile(Type type) { return isa<RankedTensorType>(type); }

/// Any elementwise arith or math op on tiles: the scalar op once per element.
class ElementwiseOnTile : public ConversionPattern {
public:
  ElementwiseOnTile(TileTypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<ValueRange> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
        !op->hasTrait<OpTrait::Elementwise>() || op->getNumResults() != 1 ||
        !isTile(op->getResult(0).getType()))
      return failure();
    Type elementType = getTypeConverter()->convertType(
        cast<RankedTensorType>(op->getResult(0).getType()).getElementType());
    int64_t n = tilegpu::getElemsPerThread(op->getResult(0).getType());
    SmallVector<Value> results;
    for (int64_t i = 0; i < n; ++i) {
      SmallVector<Value> scalarOperands;
      for (auto [original, converted] : llvm::zip_equal(op->getOperands(), operands))
        scalarOperands.push_back(isTile(original.getType()) ? converted[i] : converted[0]);
      OperationState state(op->getLoc(), op->getName(), scalarOperands, TypeRange{elementType},
                           op->getAttrs());
      results.push_back(rewriter.create(state)->getResult(0));
    }
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }
};

/// A splat constant tile is the constant in every register.
struct ConstantTile : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::ConstantOp op, OneToNOpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type)
      return failure();
    auto splat = dyn_cast<SplatElementsAttr>(op.getValue());
    if (!splat)
      return op.emitOpError("only splat constant tiles can be lowered (a non-splat one would "
                            "need per-thread indexing of a constant table)");
    Type elementType = getTypeConverter()->convertType(type.getElementType());
    Value scalar = LLVM::ConstantOp::create(rewriter, op.getLoc(), elementType,
                                            splat.getSplatValue<TypedAttr>());
    rewriter.replaceOpWithMultiple(
        op, {SmallVector<Value>(tilegpu::getElemsPerThread(type), scalar)});
    return success();
  }
};

/// Scalar math ops: the fast expansions documented above.
template <typename MathOp>
class FastMath : public OpConversionPattern<MathOp> {
public:
  using OpConversionPattern<MathOp>::OpConversionPattern;
  using OneToNOpAdaptor = typename OpConversionPattern<MathOp>::OneToNOpAdaptor;

  LogicalResult matchAndRewrite(MathOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (isTile(type))
      return failure();
    auto floatType = dyn_cast<FloatType>(type);
    if (!floatType)
      return failure();
    if (floatType.getWidth() > 32 && !isa<math::SqrtOp, math::AbsFOp, math::FloorOp,
                                          math::CeilOp, math::FmaOp>(op))
      return op.emitOpError("f64 transcendentals need libdevice, which lacc does not link");
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    bool widen = floatType.getWidth() < 32;
    SmallVector<Value> args;
    for (ValueRange operand : adaptor.getOperands()) {
      Value v = operand[0];
      args.push_back(widen ? LLVM::FPExtOp::create(rewriter, loc, f32, v).getResult() : v);
    }
    Type computeType = widen ? f32 : type;
    Value result = expand(rewriter, loc, computeType, args);
    if (widen)
      result = LLVM::FPTruncOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  static Value constant(OpBuilder &b, Location loc, Type type, double v) {
    return LLVM::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
  }
  static Value intrinsic(OpBuilder &b, Location loc, Type type, StringRef name, ValueRange args) {
    return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name), args).getResult(0);
  }

  Value expand(OpBuilder &b, Location loc, Type type, ArrayRef<Value> x) const {
    auto afn = LLVM::FastmathFlagsAttr::get(b.getContext(), LLVM::FastmathFlags::afn);
    if constexpr (std::is_same_v<MathOp, math::ExpOp>)
      return LLVM::Exp2Op::create(
          b, loc, LLVM::FMulOp::create(b, loc, x[0], constant(b, loc, type, 1.4426950408889634)));
    if constexpr (std::is_same_v<MathOp, math::Exp2Op>)
      return LLVM::Exp2Op::create(b, loc, x[0]);
    if constexpr (std::is_same_v<MathOp, math::Log2Op>)
      return intrinsic(b, loc, type, "llvm.nvvm.lg2.approx.f", x[0]);
    if constexpr (std::is_same_v<MathOp, math::LogOp>)
      return LLVM::FMulOp::create(b, loc, intrinsic(b, loc, type, "llvm.nvvm.lg2.approx.f", x[0]),
                                  constant(b, loc, type, 0.6931471805599453));
    if constexpr (std::is_same_v<MathOp, math::RsqrtOp>)
      return intrinsic(b, loc, type, "llvm.nvvm.rsqrt.approx.f", x[0]);
    if constexpr (std::is_same_v<MathOp, math::TanhOp>)
      return LLVM::TanhOp::create(b, loc, type, x[0], afn);
    if constexpr (std::is_same_v<MathOp, math::SinOp>)
      return LLVM::SinOp::create(b, loc, type, x[0], afn);
    if constexpr (std::is_same_v<MathOp, math::CosOp>)
      return LLVM::CosOp::create(b, loc, type, x[0], afn);
    if constexpr (std::is_same_v<MathOp, math::SqrtOp>)
      return LLVM::SqrtOp::create(b, loc, x[0]);
    if constexpr (std::is_same_v<MathOp, math::AbsFOp>)
      return LLVM::FAbsOp::create(b, loc, x[0]);
    if constexpr (std::is_same_v<MathOp, math::FloorOp>)
      return LLVM::FFloorOp::create(b, loc, x[0]);
    if constexpr (std::is_same_v<MathOp, math::CeilOp>)
      return LLVM::FCeilOp::create(b, loc, x[0]);
    if constexpr (std::is_same_v<MathOp, math::FmaOp>)
      return LLVM::FMAOp::create(b, loc, x[0], x[1], x[2]);
    llvm_unreachable("no expansion for this math op");
  }
};

} // namespace

void lacc::conversion::populateElementwiseOpToLLVMPatterns(TileTypeConverter &converter,
                                                          RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseOnTile>(converter, ctx);
  patterns.add<ConstantTile>(converter, ctx, /*benefit=*/2);
  patterns.add<FastMath<math::ExpOp>, FastMath<math::Exp2Op>, FastMath<math::LogOp>,
               FastMath<math::Log2Op>, FastMath<math::RsqrtOp>, FastMath<math::TanhOp>,
               FastMath<math::SinOp>, FastMath<math::CosOp>, FastMath<math::SqrtOp>,
               FastMath<math::AbsFOp>, FastMath<math::FloorOp>, FastMath<math::CeilOp>,
               FastMath<math::FmaOp>>(converter, ctx);
}
