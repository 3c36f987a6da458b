//===- NumericsTests.cpp - rounding to bf16/f16/fp8/tf32 against APFloat --===//

#include "runtime/interp/Numerics.h"

#include "llvm/ADT/APFloat.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>

using namespace lacc::interp::num;

namespace {

double viaAPFloat(double x, const llvm::fltSemantics &sem) {
  llvm::APFloat f(x);
  bool lost;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

void expectSame(double got, double want, double x) {
  if (std::isnan(want))
    EXPECT_TRUE(std::isnan(got)) << "x = " << x;
  else
    EXPECT_EQ(got, want) << "x = " << std::hexfloat << x << " got " << got << " want " << want;
}

TEST(Numerics, BF16KnownValues) {
  const double ulp = std::ldexp(1.0, -7); // bf16 spacing in [1, 2)
  EXPECT_EQ(roundToBF16(1.0), 1.0);
  EXPECT_EQ(roundToBF16(1.0 + ulp / 2), 1.0);                 // tie: to even (down)
  EXPECT_EQ(roundToBF16(1.0 + ulp + ulp / 2), 1.0 + 2 * ulp); // tie: to even (up)
  EXPECT_EQ(roundToBF16(1.0 + ulp / 2 + 1e-9), 1.0 + ulp);    // just above the tie
  EXPECT_EQ(roundToBF16(1.0 + 0.75 * ulp), 1.0 + ulp);
  EXPECT_EQ(roundToBF16(-3.14159265), -3.140625);
  EXPECT_EQ(floatToBF16Bits(3.14159265f), 0x4049);
  EXPECT_EQ(floatToBF16Bits(1.0f), 0x3F80);
  EXPECT_EQ(bf16BitsToFloat(0x7F7F), 3.38953139e38f); // the largest bf16
  EXPECT_EQ(roundToBF16(3.3961e38), 3.38953139e38f);  // below the midpoint to 2^128
  EXPECT_TRUE(std::isinf(roundToBF16(3.3963e38)));    // above it
  EXPECT_TRUE(std::isnan(roundToBF16(std::nan(""))));
  EXPECT_EQ(roundToBF16(-INFINITY), -INFINITY);
  // A double just above a bf16 tie that rounds to the tie in float: naive
  // double -> float -> bf16 would round to even; the correct answer is up.
  double x = 1.0 + ulp / 2 + std::ldexp(1.0, -40);
  EXPECT_EQ(static_cast<float>(x), static_cast<float>(1.0 + ulp / 2));
  EXPECT_EQ(roundToBF16(x), 1.0 + ulp);
}

TEST(Numerics, F16KnownValues) {
  EXPECT_EQ(roundToF16(65504.0), 65504.0);
  EXPECT_EQ(roundToF16(65519.0), 65504.0);
  EXPECT_TRUE(std::isinf(roundToF16(65520.0)));
  EXPECT_EQ(roundToF16(std::ldexp(1.0, -24)), std::ldexp(1.0, -24)); // smallest subnormal
  EXPECT_EQ(roundToF16(std::ldexp(1.0, -25)), 0.0);                  // tie to even: 0
  EXPECT_EQ(roundToF16(std::ldexp(1.5, -25)), std::ldexp(1.0, -24));
  EXPECT_EQ(roundToF16(std::ldexp(3.0, -25)), std::ldexp(2.0, -24)); // tie to even: 2 units
  EXPECT_EQ(roundToF16(1.0 + std::ldexp(1.0, -11)), 1.0);            // tie to even
  EXPECT_EQ(floatToHalfBits(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalfBits(-2.0f), 0xC000);
  EXPECT_EQ(halfBitsToFloat(0x7BFF), 65504.0f);
  EXPECT_EQ(halfBitsToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(halfBitsToFloat(0x7E00)));
}

/// Doubles from random bit patterns over the interesting exponent range, plus
/// values near ties of the 16-bit formats.
TEST(Numerics, RandomAgainstAPFloat) {
  std::mt19937_64 rng(1234);
  for (int iter = 0; iter < 400000; ++iter) {
    uint64_t bits = rng();
    int exp = static_cast<int>(rng() % 80) - 40; // around f16's and bf16's ranges
    if (iter % 4 == 0)
      exp = static_cast<int>(rng() % 300) - 150; // subnormals, overflow
    double x = std::ldexp(1.0 + static_cast<double>(bits >> 12) * 0x1p-52, exp);
    if (iter % 3 == 0) // land on or next to a tie of bf16 / f16
      x = std::ldexp(std::round(std::ldexp(x, 12 - exp)) + (int(rng() % 3) - 1) * 1e-9, exp - 12);
    if (bits & 1)
      x = -x;
    expectSame(roundToBF16(x), viaAPFloat(x, llvm::APFloat::BFloat()), x);
    expectSame(roundToF16(x), viaAPFloat(x, llvm::APFloat::IEEEhalf()), x);
    expectSame(roundToF32(x), viaAPFloat(x, llvm::APFloat::IEEEsingle()), x);
    if (HasFailure())
      return;
  }
}

TEST(Numerics, EveryHalfAndBF16RoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    float f = halfBitsToFloat(static_cast<uint16_t>(h));
    bool lost;
    llvm::APFloat ref(llvm::APFloat::IEEEhalf(), llvm::APInt(16, h));
    ref.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
    if (std::isnan(f)) {
      EXPECT_TRUE(ref.isNaN());
      continue;
    }
    ASSERT_EQ(f, ref.convertToFloat()) << h;
    ASSERT_EQ(floatToHalfBits(f), h);
    float b = bf16BitsToFloat(static_cast<uint16_t>(h));
    if (!std::isnan(b)) {
      ASSERT_EQ(floatToBF16Bits(b), h);
    }
  }
}

//===----------------------------------------------------------------------===//
// fp8: nearest-even, saturating (PTX .satfinite); tf32: nearest, ties away
//===----------------------------------------------------------------------===//

/// APFloat's rounding to an fp8 format, saturated as the interpreter promises:
/// an overflow (APFloat gives inf, or NaN for e4m3) becomes the largest finite
/// value with the sign of x.
double fp8ViaAPFloat(double x, const llvm::fltSemantics &sem) {
  if (std::isnan(x))
    return x;
  llvm::APFloat f(x);
  bool lost;
  auto status = f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  if ((status & llvm::APFloat::opOverflow) || f.isInfinity() || f.isNaN())
    f = llvm::APFloat::getLargest(sem, std::signbit(x));
  f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

TEST(Numerics, Fp8KnownValues) {
  EXPECT_EQ(roundToE4M3(448.0), 448.0);
  EXPECT_EQ(roundToE4M3(463.0), 448.0);   // below the midpoint to 480
  EXPECT_EQ(roundToE4M3(1e9), 448.0);     // saturates
  EXPECT_EQ(roundToE4M3(-INFINITY), -448.0);
  EXPECT_EQ(roundToE5M2(INFINITY), 57344.0); // satfinite: no infinities come out
  EXPECT_EQ(roundToE4M3(std::ldexp(1.0, -9)), std::ldexp(1.0, -9)); // smallest subnormal
  EXPECT_EQ(roundToE4M3(std::ldexp(1.0, -10)), 0.0);                 // tie to even (0)
  EXPECT_EQ(roundToE4M3(1.0625), 1.0);    // tie between 1 and 1.125: even
  EXPECT_EQ(roundToE4M3(1.1875), 1.25);   // tie between 1.125 and 1.25: even
  EXPECT_TRUE(std::signbit(roundToE5M2(-1e-30)));
  EXPECT_EQ(miniBits(448.0, kE4M3), 0x7E);
  EXPECT_EQ(miniBits(-1.0, kE4M3), 0xB8);
  EXPECT_EQ(miniBits(57344.0, kE5M2), 0x7B);
  EXPECT_EQ(miniBits(INFINITY, kE5M2), 0x7C);
  EXPECT_TRUE(std::isnan(miniValue(0x7F, kE4M3)));
  EXPECT_TRUE(std::isnan(miniValue(0xFE, kE5M2)));
  EXPECT_EQ(miniValue(0x7C, kE5M2), INFINITY);
}

TEST(Numerics, Fp8RandomAgainstAPFloat) {
  std::mt19937_64 rng(99);
  for (int iter = 0; iter < 200000; ++iter) {
    uint64_t bits = rng();
    int exp = static_cast<int>(rng() % 44) - 22; // subnormals through overflow
    double x = std::ldexp(1.0 + static_cast<double>(bits >> 12) * 0x1p-52, exp);
    if (iter % 3 == 0) // on or next to a tie of a 2- or 3-bit mantissa
      x = std::ldexp(std::round(std::ldexp(x, 4 - exp)) + (int(rng() % 3) - 1) * 1e-12, exp - 4);
    if (bits & 1)
      x = -x;
    expectSame(roundToE4M3(x), fp8ViaAPFloat(x, llvm::APFloat::Float8E4M3FN()), x);
    expectSame(roundToE5M2(x), fp8ViaAPFloat(x, llvm::APFloat::Float8E5M2()), x);
    if (HasFailure())
      return;
  }
}

TEST(Numerics, EveryFp8RoundTrips) {
  for (const auto &[format, sem] :
       {std::pair{kE4M3, &llvm::APFloat::Float8E4M3FN()}, {kE5M2, &llvm::APFloat::Float8E5M2()}}) {
    for (uint32_t b = 0; b < 256; ++b) {
      llvm::APFloat ref(*sem, llvm::APInt(8, b));
      double v = miniValue(static_cast<uint8_t>(b), format);
      if (ref.isNaN()) {
        EXPECT_TRUE(std::isnan(v)) << b;
        continue;
      }
      bool lost;
      ref.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
      ASSERT_EQ(v, ref.convertToDouble()) << b;
      ASSERT_EQ(miniBits(v, format), b) << b;
      if (!std::isinf(v)) {
        ASSERT_EQ(roundToMini(v, format), v) << b;
      }
    }
  }
}

TEST(Numerics, TF32AgainstAPFloat) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 200000; ++iter) {
    float f = floatOf(rng());
    if (iter % 2) // exactly on a tie: the low 13 bits are 0x1000
      f = floatOf((bitsOf(f) & ~0x1FFFu) | 0x1000u);
    if (std::isnan(f) || std::isinf(f))
      continue;
    llvm::APFloat ref(f);
    bool lost;
    ref.convert(llvm::APFloat::FloatTF32(), llvm::APFloat::rmNearestTiesToAway, &lost);
    ref.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
    ASSERT_EQ(bitsOf(roundToTF32(f)), bitsOf(ref.convertToFloat())) << std::hexfloat << f;
  }
}

} // namespace
