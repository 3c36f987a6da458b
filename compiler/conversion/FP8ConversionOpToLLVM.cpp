//===- FP8ConversionOpToLLVM.cpp - fp8 conversions, bitcasts and constants ===//
//
// fp8 values (f8E4M3FN, f8E5M2) are i8 in LLVM; what the language does with
// them is convert, bitcast and store (arith.truncf, arith.extf, arith.bitcast,
// constants), lowered here for tiles and scalars alike.
//
//   truncf to fp8  round to nearest-even, saturating: beyond the largest
//                  finite value (448, 57344), infinities included, gives that
//                  value with its sign; NaN stays NaN (0x7f with the sign
//                  in software; the hardware's NaN on sm_89+).
//     sm_89+       pairs of f32 through cvt.rn.satfinite.{e4m3x2,e5m2x2}.f32
//                  (16-bit floats are widened to f32 first, exactly).
//     sm_80        integer arithmetic on the f32 bits: the mantissa rounded to
//                  3 (e4m3) or 2 (e5m2) bits by adding half a unit minus one
//                  plus the kept lowest bit, the exponent rebiased; below the
//                  smallest normal, a round-to-even of x / quantum. The same
//                  single rounding of the exact value as the interpreter's
//                  roundToMini.
//   extf from fp8  exact.
//     sm_89+       pairs through cvt.rn.f16x2.{e4m3x2,e5m2x2}, then f16 to the
//                  result type.
//     sm_80        e5m2 is the high byte of an f16; e4m3's magnitude bits,
//                  placed at the top of an f32's exponent and mantissa, are the
//                  value times 2^-120 (subnormals too), scaled back exactly.
//   bitcast        i8 <-> fp8 is the same LLVM value.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

bool isFP8(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(getElementTypeOrSelf(type));
}

/// The layout of an fp8 format in an f32 computation.
struct FP8Format {
  bool e4m3;
  int mantissaBits, bias;
  float maxFinite;
  StringRef name; // as PTX's cvt spells it
};

FP8Format formatOf(Type type) {
  if (isa<Float8E4M3FNType>(getElementTypeOrSelf(type)))
    return {true, 3, 7, 448.0f, "e4m3"};
  return {false, 2, 15, 57344.0f, "e5m2"};
}

bool hasFP8Conversions(Operation *op) {
  TargetAttr target = getTarget(op);
  return target && target.getComputeCapability() >= 89;
}

class FP8Emitter {
public:
  FP8Emitter(OpBuilder &b, Location loc) : b(b), loc(loc), e(b, loc) {}

  Value f32Constant(float v) {
    return LLVM::ConstantOp::create(b, loc, b.getF32Type(), b.getF32FloatAttr(v));
  }
  Value bitcast(Type type, Value v) { return LLVM::BitcastOp::create(b, loc, type, v); }
  Value intrinsic(Type type, StringRef name, ValueRange args) {
    return LLVM::CallIntrinsicOp::create(b, loc, type, b.getStringAttr(name), args).getResult(0);
  }

  /// Any float of at most 32 bits to f32, exactly.
  Value toF32(Value v) {
    return v.getType().isF32() ? v : LLVM::FPExtOp::create(b, loc, b.getF32Type(), v).getResult();
  }
  /// f32 holding an exact fp8 value to `type`, exactly.
  Value fromF32(Type type, Value v) {
    if (type.isF32())
      return v;
    if (type.getIntOrFloatBitWidth() > 32)
      return LLVM::FPExtOp::create(b, loc, type, v);
    return LLVM::FPTruncOp::create(b, loc, type, v);
  }

  /// f32 -> fp8 bits (i8), in software (see the file comment).
  Value truncSoftware(Value x, const FP8Format &f) {
    Type i32 = b.getI32Type();
    Value bits = bitcast(i32, x);
    Value sign = e.and_(e.lshr(bits, 24), e.i32(0x80));
    Value magnitudeBits = e.and_(bits, e.i32(0x7fffffff));
    Value isNaN = e.icmp(LLVM::ICmpPredicate::ugt, magnitudeBits, e.i32(0x7f800000));
    Value clamped = LLVM::MinNumOp::create(b, loc, bitcast(b.getF32Type(), magnitudeBits),
                                           f32Constant(f.maxFinite));
    Value clampedBits = bitcast(i32, clamped);
    unsigned shift = 23 - f.mantissaBits;
    Value keptLowest = e.and_(e.lshr(clampedBits, shift), e.i32(1));
    Value rounded = e.add(clampedBits, e.add(e.i32((1 << (shift - 1)) - 1), keptLowest));
    Value normal = e.sub(e.lshr(rounded, shift), e.i32((127 - f.bias) << f.mantissaBits));
    // Below the smallest normal every value is a multiple of one quantum: count them.
    float quantumsPerUnit = std::ldexp(1.0f, f.bias + f.mantissaBits - 1);
    Value quanta = LLVM::RoundEvenOp::create(
        b, loc, LLVM::FMulOp::create(b, loc, clamped, f32Constant(quantumsPerUnit)));
    Value subnormal = LLVM::FPToUIOp::create(b, loc, i32, quanta);
    Value isSubnormal = LLVM::FCmpOp::create(b, loc, LLVM::FCmpPredicate::olt, clamped,
                                             f32Constant(std::ldexp(1.0f, 1 - f.bias)));
    Value magnitude = e.select(isSubnormal, subnormal, normal);
    magnitude = e.select(isNaN, e.i32(0x7f), magnitude);
    return LLVM::TruncOp::create(b, loc, b.getI8Type(), e.or_(magnitude, sign));
  }

  /// fp8 bits (i8) -> f32, in software.
  Value extendSoftware(Value byte, const FP8Format &f) {
    Type i32 = b.getI32Type(), i16 = b.getI16Type();
    if (!f.e4m3) { // e5m2 is an f16 cut short
      Value half = bitcast(b.getF16Type(),
                           LLVM::ShlOp::create(b, loc, LLVM::ZExtOp::create(b, loc, i16, byte),
                                               i16Constant(8)));
      return toF32(half);
    }
    Value bits = LLVM::ZExtOp::create(b, loc, i32, byte);
    Value sign = e.shl(e.and_(bits, e.i32(0x80)), 24);
    Value magnitudeBits = e.and_(bits, e.i32(0x7f));
    Value scaled = bitcast(b.getF32Type(), e.shl(magnitudeBits, 20));
    Value value = bitcast(i32, LLVM::FMulOp::create(b, loc, scaled, f32Constant(0x1p120f)));
    Value isNaN = e.icmp(LLVM::ICmpPredicate::eq, magnitudeBits, e.i32(0x7f));
    value = e.select(isNaN, e.i32(0x7fc00000), value);
    return bitcast(b.getF32Type(), e.or_(value, sign));
  }

  /// Pairs of f32 -> fp8 bytes with cvt.rn.satfinite (sm_89+). cvt puts its first operand in
  /// the high byte.
  std::pair<Value, Value> truncPair(Value lo, Value hi, const FP8Format &f) {
    std::string name = ("llvm.nvvm.ff.to." + f.name + "x2.rn").str();
    Value packed = intrinsic(b.getI16Type(), name, {hi, lo});
    Type i8 = b.getI8Type();
    return {LLVM::TruncOp::create(b, loc, i8, packed),
            LLVM::TruncOp::create(b, loc, i8, LLVM::LShrOp::create(b, loc, packed,
                                                                   i16Constant(8)))};
  }

  /// Pairs of fp8 bytes -> f16 with cvt.rn.f16x2 (sm_89+): the low byte is element 0.
  std::pair<Value, Value> extendPair(Value lo, Value hi, const FP8Format &f) {
    Type i16 = b.getI16Type();
    Value packed = LLVM::OrOp::create(
        b, loc, LLVM::ZExtOp::create(b, loc, i16, lo),
        LLVM::ShlOp::create(b, loc, LLVM::ZExtOp::create(b, loc, i16, hi), i16Constant(8)));
    std::string name = ("llvm.nvvm." + f.name + "x2.to.f16x2.rn").str();
    Value halves = intrinsic(VectorType::get({2}, b.getF16Type()), name, {packed});
    return {LLVM::ExtractElementOp::create(b, loc, halves, e.i32(0)),
            LLVM::ExtractElementOp::create(b, loc, halves, e.i32(1))};
  }

private:
  Value i16Constant(int v) {
    return LLVM::ConstantOp::create(b, loc, b.getI16Type(), b.getI16IntegerAttr(v));
  }

  OpBuilder &b;
  Location loc;
  Emitter e;
};

/// Applies `pair` to consecutive elements (the last one paired with itself when odd).
SmallVector<Value> mapPairs(ValueRange values,
                            function_ref<std::pair<Value, Value>(Value, Value)> pair) {
  SmallVector<Value> results;
  for (size_t i = 0; i < values.size(); i += 2) {
    Value hi = i + 1 < values.size() ? values[i + 1] : values[i];
    auto [a, b] = pair(values[i], hi);
    results.push_back(a);
    if (i + 1 < values.size())
      results.push_back(b);
  }
  return results;
}

struct TruncToFP8 : OpConversionPattern<arith::TruncFOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::TruncFOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFP8(op.getType()))
      return failure();
    if (getElementTypeOrSelf(op.getIn().getType()).getIntOrFloatBitWidth() > 32)
      return op.emitOpError("converts f64 to fp8 directly; the language converts through f32 "
                            "(internal compiler error if this came from a .tile source)");
    FP8Format format = formatOf(op.getType());
    FP8Emitter f(rewriter, op.getLoc());
    SmallVector<Value> widened;
    for (Value v : adaptor.getIn())
      widened.push_back(f.toF32(v));
    SmallVector<Value> bytes;
    if (hasFP8Conversions(op)) {
      bytes = mapPairs(widened, [&](Value lo, Value hi) { return f.truncPair(lo, hi, format); });
    } else {
      for (Value v : widened)
        bytes.push_back(f.truncSoftware(v, format));
    }
    rewriter.replaceOpWithMultiple(op, {bytes});
    return success();
  }
};

struct ExtendFromFP8 : OpConversionPattern<arith::ExtFOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::ExtFOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFP8(op.getIn().getType()))
      return failure();
    FP8Format format = formatOf(op.getIn().getType());
    Type result = getElementTypeOrSelf(op.getType());
    FP8Emitter f(rewriter, op.getLoc());
    SmallVector<Value> values;
    if (hasFP8Conversions(op)) {
      SmallVector<Value> halves =
          mapPairs(adaptor.getIn(), [&](Value lo, Value hi) { return f.extendPair(lo, hi, format); });
      for (Value h : halves)
        values.push_back(result.isF16() ? h : f.fromF32(result, f.toF32(h)));
    } else {
      for (Value byte : adaptor.getIn())
        values.push_back(f.fromF32(result, f.extendSoftware(byte, format)));
    }
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

/// i8 <-> fp8: the bits are the value.
struct BitcastFP8 : OpConversionPattern<arith::BitcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::BitcastOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFP8(op.getType()) && !isFP8(op.getIn().getType()))
      return failure();
    rewriter.replaceOpWithMultiple(op, {adaptor.getIn()});
    return success();
  }
};

/// fp8 constants (scalars and splat tiles) are their bits.
struct ConstantFP8 : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(arith::ConstantOp op, OneToNOpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isFP8(op.getType()))
      return failure();
    Attribute value = op.getValue();
    if (auto splat = dyn_cast<SplatElementsAttr>(value))
      value = splat.getSplatValue<Attribute>();
    auto number = dyn_cast<FloatAttr>(value);
    if (!number)
      return op.emitOpError("only splat fp8 constant tiles can be lowered");
    Value bits = LLVM::ConstantOp::create(
        rewriter, op.getLoc(), rewriter.getI8Type(),
        rewriter.getIntegerAttr(rewriter.getI8Type(), number.getValue().bitcastToAPInt()));
    rewriter.replaceOpWithMultiple(
        op, {SmallVector<Value>(tilegpu::getElemsPerThread(op.getType()), bits)});
    return success();
  }
};

} // namespace

void lacc::conversion::populateFP8ConversionOpToLLVMPatterns(TileTypeConverter &converter,
                                                            RewritePatternSet &patterns) {
  // Above the generic elementwise and constant patterns, which would build arith ops on i8.
  patterns.add<TruncToFP8, ExtendFromFP8, BitcastFP8, ConstantFP8>(converter,
                                                                    patterns.getContext(),
                                                                    /*benefit=*/3);
}
