//===- Numerics.h - exact rounding to bf16/f16/f32 ---------------*- C++ -*-===//
//
// The interpreter keeps every float as a double holding a value that is
// exactly representable in the element type, so rounding to that type is the
// one operation that must be right. Each conversion is correctly rounded
// (round-to-nearest-even) from a double: double -> float goes through
// round-to-odd, which makes the second rounding (to bf16 or f16) innocuous.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_INTERP_NUMERICS_H
#define LACC_RUNTIME_INTERP_NUMERICS_H

#include <cmath>
#include <cstdint>
#include <cstring>
#include <algorithm>

namespace lacc::interp::num {

inline uint32_t bitsOf(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
inline float floatOf(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

/// `x` rounded to float toward zero, with the last bit set when inexact.
/// Any later rounding to a format of at most 22 significant bits is then
/// the correct rounding of `x` itself.
inline float toOddFloat(double x) {
  float f = static_cast<float>(x);
  if (static_cast<double>(f) == x || std::isnan(x))
    return f;
  uint32_t b = bitsOf(f);
  if (std::fabs(static_cast<double>(f)) > std::fabs(x))
    --b; // one step toward zero (inf becomes FLT_MAX)
  return floatOf(b | 1);
}

inline uint16_t floatToBF16Bits(float f) {
  uint32_t b = bitsOf(f);
  if ((b & 0x7FFFFFFFu) > 0x7F800000u)
    return static_cast<uint16_t>((b >> 16) | 0x0040); // quiet NaN, sign kept
  return static_cast<uint16_t>((b + 0x7FFFu + ((b >> 16) & 1)) >> 16);
}
inline float bf16BitsToFloat(uint16_t h) { return floatOf(static_cast<uint32_t>(h) << 16); }

inline uint16_t floatToHalfBits(float f) {
  uint32_t b = bitsOf(f);
  uint16_t sign = static_cast<uint16_t>((b >> 16) & 0x8000);
  uint32_t a = b & 0x7FFFFFFFu;
  if (a > 0x7F800000u) // NaN: quiet, keeping the top payload bits
    return sign | 0x7E00 | static_cast<uint16_t>((a >> 13) & 0x3FF);
  if (a == 0x7F800000u)
    return sign | 0x7C00;
  if (a >= 0x477FF000u) // >= 65520 rounds to inf
    return sign | 0x7C00;
  if (a < 0x38800000u) { // below 2^-14: a subnormal half, in units of 2^-24
    uint32_t e = a >> 23;
    if (e < 102)
      return sign;
    uint32_t m = (a & 0x7FFFFFu) | 0x800000u, shift = 126 - e;
    uint32_t r = m >> shift, rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (r & 1)))
      ++r;
    return sign | static_cast<uint16_t>(r);
  }
  uint32_t h = (a - 0x38000000u) >> 13, rem = a & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
    ++h; // a carry into the exponent is the right answer
  return sign | static_cast<uint16_t>(h);
}
inline float halfBitsToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16, e = (h >> 10) & 0x1F, m = h & 0x3FF;
  if (e == 0)
    return floatOf(sign | bitsOf(std::ldexp(static_cast<float>(m), -24)));
  if (e == 31)
    return floatOf(sign | 0x7F800000u | (m << 13));
  return floatOf(sign | ((e + 112) << 23) | (m << 13));
}

/// A small binary float format: `mantissa` stored bits, exponent bias, and
/// the largest finite value. fp8 conversions saturate (PTX `.satfinite`):
/// a value beyond the largest finite one, infinities included, becomes the
/// largest finite value of its sign; NaN stays NaN.
struct MiniFloat {
  int exponentBits, mantissaBits, bias;
  double maxFinite;
  bool hasInfinity; // e5m2 encodes infinities (IEEE-like); e4m3 (FN) does not
};
inline constexpr MiniFloat kE4M3 = {4, 3, 7, 448.0, false};
inline constexpr MiniFloat kE5M2 = {5, 2, 15, 57344.0, true};

/// `x` rounded to nearest-even in format `m`, saturating. One rounding from
/// the exact double, so there is no double-rounding error.
inline double roundToMini(double x, const MiniFloat &m) {
  if (std::isnan(x) || x == 0)
    return x;
  if (std::isinf(x))
    return std::copysign(m.maxFinite, x);
  double a = std::fabs(x);
  int e;
  std::frexp(a, &e); // a = f * 2^e, f in [0.5, 1): the leading bit has weight 2^(e-1)
  int minExponent = 1 - m.bias; // subnormals share the quantum of the smallest normal
  double quantum = std::ldexp(1.0, std::max(e - 1, minExponent) - m.mantissaBits);
  double r = std::nearbyint(a / quantum) * quantum; // scaling by a power of two is exact
  return std::copysign(std::min(r, m.maxFinite), x);
}

/// The bits of a value representable in `m` (NaN: the quiet NaN with sign).
inline uint8_t miniBits(double x, const MiniFloat &m) {
  uint8_t sign = std::signbit(x) ? 0x80 : 0;
  int expMask = (1 << m.exponentBits) - 1;
  if (std::isnan(x))
    return sign | 0x7F;
  if (std::isinf(x)) // only reachable for formats with infinities
    return sign | static_cast<uint8_t>(expMask << m.mantissaBits);
  double a = std::fabs(x);
  if (a == 0)
    return sign;
  int e;
  std::frexp(a, &e);
  int biased = e - 1 + m.bias;
  if (biased <= 0) // subnormal: a = mantissa * 2^(1 - bias - mantissaBits)
    return sign | static_cast<uint8_t>(std::ldexp(a, m.bias - 1 + m.mantissaBits));
  double fraction = std::ldexp(a, -(e - 1)) - 1; // in [0, 1)
  return sign | static_cast<uint8_t>(biased << m.mantissaBits) |
         static_cast<uint8_t>(std::ldexp(fraction, m.mantissaBits));
}

inline double miniValue(uint8_t bits, const MiniFloat &m) {
  double sign = (bits & 0x80) ? -1.0 : 1.0;
  int expMask = (1 << m.exponentBits) - 1;
  int exponent = (bits >> m.mantissaBits) & expMask;
  int mantissa = bits & ((1 << m.mantissaBits) - 1);
  if (m.hasInfinity && exponent == expMask)
    return mantissa ? std::nan("") : sign * HUGE_VAL;
  if (!m.hasInfinity && exponent == expMask && mantissa == (1 << m.mantissaBits) - 1)
    return std::nan("");
  if (exponent == 0)
    return sign * std::ldexp(mantissa, 1 - m.bias - m.mantissaBits);
  return sign * std::ldexp(mantissa + (1 << m.mantissaBits), exponent - m.bias - m.mantissaBits);
}

inline double roundToE4M3(double x) { return roundToMini(x, kE4M3); }
inline double roundToE5M2(double x) { return roundToMini(x, kE5M2); }

/// f32 rounded to tf32 (10 mantissa bits) to nearest, ties away from zero:
/// PTX `cvt.rna.tf32.f32`. Infinities and NaN pass unchanged.
inline float roundToTF32(float f) {
  uint32_t b = bitsOf(f);
  if ((b & 0x7F800000u) == 0x7F800000u)
    return f;
  return floatOf((b + 0x1000u) & 0xFFFFE000u);
}

inline double roundToF32(double x) { return static_cast<float>(x); }
inline double roundToBF16(double x) { return bf16BitsToFloat(floatToBF16Bits(toOddFloat(x))); }
inline double roundToF16(double x) { return halfBitsToFloat(floatToHalfBits(toOddFloat(x))); }

} // namespace lacc::interp::num

#endif // LACC_RUNTIME_INTERP_NUMERICS_H
