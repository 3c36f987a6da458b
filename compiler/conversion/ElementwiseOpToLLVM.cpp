//===- ElementwiseOpToLLVM.cpp - arith and math on tiles ------------------===//
//
// An elementwise op on tiles becomes the same op on each of the thread's
// elements (fully unrolled); those scalar arith ops then lower through MLIR's
// arith -> LLVM patterns in the same conversion.
//
// Which instruction each floating-point operation becomes, and its accuracy
// (the interpreter computes every one of them correctly rounded, or in double
// and rounded; docs/language.md says the same for users):
//
//   f32 (16-bit floats compute in f32 and round back)
//     x / y         div.full.f32          max 2 ulp (the front end marks `/` afn)
//     div_rn(x, y)  div.rn.f32            IEEE, correctly rounded
//     sqrt(x)       sqrt.approx.f32       max 1 ulp (the front end marks sqrt afn)
//     sqrt_rn(x)    sqrt.rn.f32           IEEE, correctly rounded
//     exp2(x)       ex2.approx.f32        max rel. error 2^-22 (about 2 ulp)
//     exp(x)        exp2(x * log2 e)      adds |x| * 2^-24 relative error
//     log2(x)       lg2.approx.f32        max abs. error 2^-22 on [0.5, 2]
//     log(x)        log2(x) * ln 2
//     rsqrt(x)      rsqrt.approx.f32      max rel. error 2^-22.9
//     sin, cos      sin/cos.approx.f32    abs. error 2^-20.9 on [-pi, pi]
//     tan tanh erf log10 log1p expm1      libdevice __nv_tanf, ... (CUDA's
//                                         documented bounds: 1 to 4 ulp)
//   f64
//     x / y, div_rn div.rn.f64            IEEE
//     sqrt, sqrt_rn sqrt.rn.f64           IEEE
//     exp exp2 log log2 log10 log1p expm1 sin cos tan tanh erf rsqrt
//                   libdevice __nv_exp, ... (1 or 2 ulp)
//   abs, floor, ceil, fma                 exact in every type
//
// `/` and `sqrt` are fast by default, as in Triton (div.full.f32 and
// sqrt.approx.f32); div_rn and sqrt_rn are its IEEE forms. In the IR the fast
// ones carry the `afn` fastmath flag. The approximate MUFU instructions serve
// the functions kernels use most (exp, log, rsqrt, sin, cos: as before).
// Functions PTX has no instruction for call libdevice rather than in-house
// polynomials: NVIDIA's implementations carry documented error bounds and are
// what Triton uses, while writing and validating our own (f64 especially)
// would be a numerics project of its own. The cost is that a kernel calling
// one needs the CUDA toolkit's libdevice.10.bc when it is compiled; without
// it, the error names the function, its source line and where it looked
// (EmitPTX.h findLibdevice). Kernels that call none never need it.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "compiler/conversion/EmitPTX.h"

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

/// The libdevice function computing `op` in `type` (f32 or f64), or an empty name.
StringRef libdeviceFunction(Operation *op, FloatType type) {
  bool f64 = type.getWidth() == 64;
  auto pick = [&](StringRef f32Name, StringRef f64Name) { return f64 ? f64Name : f32Name; };
  // f32 versions only where PTX has no instruction (the others: FastMath).
  if (isa<math::TanOp>(op)) return pick("__nv_tanf", "__nv_tan");
  if (isa<math::TanhOp>(op)) return pick("__nv_tanhf", "__nv_tanh");
  if (isa<math::ErfOp>(op)) return pick("__nv_erff", "__nv_erf");
  if (isa<math::Log10Op>(op)) return pick("__nv_log10f", "__nv_log10");
  if (isa<math::Log1pOp>(op)) return pick("__nv_log1pf", "__nv_log1p");
  if (isa<math::ExpM1Op>(op)) return pick("__nv_expm1f", "__nv_expm1");
  if (!f64)
    return {};
  if (isa<math::ExpOp>(op)) return "__nv_exp";
  if (isa<math::Exp2Op>(op)) return "__nv_exp2";
  if (isa<math::LogOp>(op)) return "__nv_log";
  if (isa<math::Log2Op>(op)) return "__nv_log2";
  if (isa<math::SinOp>(op)) return "__nv_sin";
  if (isa<math::CosOp>(op)) return "__nv_cos";
  if (isa<math::RsqrtOp>(op)) return "__nv_rsqrt";
  return {};
}

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
    Type f32 = rewriter.getF32Type();
    bool widen = floatType.getWidth() < 32;
    if (!libdeviceFunction(op, widen ? cast<FloatType>(f32) : floatType).empty())
      return failure(); // LibdeviceMath's
    if (floatType.getWidth() > 32 && !isa<math::SqrtOp, math::AbsFOp, math::FloorOp,
                                          math::CeilOp, math::FmaOp>(op))
      return op.emitOpError("internal compiler error: no f64 lowering for this function");
    Location loc = op.getLoc();
    SmallVector<Value> args;
    for (ValueRange operand : adaptor.getOperands()) {
      Value v = operand[0];
      args.push_back(widen ? LLVM::FPExtOp::create(rewriter, loc, f32, v).getResult() : v);
    }
    Type computeType = widen ? f32 : type;
    Value result = expand(rewriter, loc, computeType, args, isApproximate(op));
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

  static bool isApproximate(MathOp op) {
    if constexpr (std::is_same_v<MathOp, math::SqrtOp>)
      return bitEnumContainsAll(op.getFastmath(), arith::FastMathFlags::afn);
    return false;
  }

  Value expand(OpBuilder &b, Location loc, Type type, ArrayRef<Value> x, bool approximate) const {
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
    if constexpr (std::is_same_v<MathOp, math::SinOp>)
      return LLVM::SinOp::create(b, loc, type, x[0], afn);
    if constexpr (std::is_same_v<MathOp, math::CosOp>)
      return LLVM::CosOp::create(b, loc, type, x[0], afn);
    if constexpr (std::is_same_v<MathOp, math::SqrtOp>)
      return approximate && type.isF32()
                 ? intrinsic(b, loc, type, "llvm.nvvm.sqrt.approx.f", x[0])
                 : LLVM::SqrtOp::create(b, loc, x[0]).getResult();
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

/// Scalar math ops computed by a libdevice call (16-bit floats through f32).
class LibdeviceMath : public ConversionPattern {
public:
  LibdeviceMath(TileTypeConverter &converter, MLIRContext *ctx)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/2, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<ValueRange> operands,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isa<math::MathDialect>(op->getDialect()) || op->getNumResults() != 1 ||
        operands.size() != 1)
      return failure();
    auto type = dyn_cast<FloatType>(op->getResult(0).getType());
    if (!type)
      return failure();
    Type f32 = rewriter.getF32Type();
    FloatType computeType = type.getWidth() < 32 ? cast<FloatType>(f32) : type;
    StringRef name = libdeviceFunction(op, computeType);
    if (name.empty())
      return failure();
    Location loc = op->getLoc();
    Value x = operands[0][0];
    if (computeType != type)
      x = LLVM::FPExtOp::create(rewriter, loc, f32, x);
    auto module = op->getParentOfType<ModuleOp>();
    auto function = module.lookupSymbol<LLVM::LLVMFuncOp>(name);
    if (!function) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      function = LLVM::LLVMFuncOp::create(rewriter, loc, name,
                                          LLVM::LLVMFunctionType::get(computeType, {computeType}));
    }
    Value result = LLVM::CallOp::create(rewriter, loc, function, ValueRange{x}).getResult();
    if (computeType != type)
      result = LLVM::FPTruncOp::create(rewriter, loc, type, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// `/` on f32 (the front end marks it afn): div.full.f32, as Triton's, on scalars and (above
/// the per-element pattern) tiles. Without the flag (div_rn), and for other types, arith's
/// lowering gives the IEEE division.
struct FastDivision : OpConversionPattern<arith::DivFOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::DivFOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!getElementTypeOrSelf(op.getType()).isF32() ||
        !bitEnumContainsAll(op.getFastmath(), arith::FastMathFlags::afn))
      return failure();
    SmallVector<Value> quotients;
    for (auto [x, y] : llvm::zip_equal(adaptor.getLhs(), adaptor.getRhs()))
      quotients.push_back(LLVM::CallIntrinsicOp::create(
                              rewriter, op.getLoc(), rewriter.getF32Type(),
                              rewriter.getStringAttr("llvm.nvvm.div.full"), ValueRange{x, y})
                              .getResult(0));
    rewriter.replaceOpWithMultiple(op, {quotients});
    return success();
  }
};

} // namespace

LogicalResult lacc::conversion::checkLibdeviceAvailable(ModuleOp module) {
  std::string searched;
  std::optional<bool> found;
  WalkResult result = module.walk([&](Operation *op) {
    if (!isa<math::MathDialect>(op->getDialect()) || op->getNumResults() != 1)
      return WalkResult::advance();
    auto type = dyn_cast<FloatType>(getElementTypeOrSelf(op->getResult(0).getType()));
    if (!type)
      return WalkResult::advance();
    FloatType computeType = type.getWidth() < 32 ? Float32Type::get(op->getContext()) : type;
    StringRef name = libdeviceFunction(op, computeType);
    if (name.empty())
      return WalkResult::advance();
    if (!found)
      found = !findLibdevice(&searched).empty();
    if (*found)
      return WalkResult::interrupt(); // one check is enough
    std::string typeName;
    llvm::raw_string_ostream os(typeName);
    computeType.print(os);
    op->emitError() << op->getName().stripDialect() << " on " << typeName
                    << " calls CUDA's libdevice (" << name << "), which was not found (looked for "
                    << searched << "); set LACC_LIBDEVICE to libdevice.10.bc or CUDA_HOME to the "
                    << "CUDA toolkit";
    return WalkResult::interrupt();
  });
  return success(!result.wasInterrupted() || found.value_or(false));
}

void lacc::conversion::populateElementwiseOpToLLVMPatterns(TileTypeConverter &converter,
                                                          RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ElementwiseOnTile>(converter, ctx);
  patterns.add<ConstantTile>(converter, ctx, /*benefit=*/2);
  patterns.add<LibdeviceMath>(converter, ctx);
  patterns.add<FastDivision>(converter, ctx, /*benefit=*/2);
  patterns.add<FastMath<math::ExpOp>, FastMath<math::Exp2Op>, FastMath<math::LogOp>,
               FastMath<math::Log2Op>, FastMath<math::RsqrtOp>, FastMath<math::SinOp>, FastMath<math::CosOp>, FastMath<math::SqrtOp>,
               FastMath<math::AbsFOp>, FastMath<math::FloorOp>, FastMath<math::CeilOp>,
               FastMath<math::FmaOp>>(converter, ctx);
}
