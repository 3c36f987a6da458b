//===- TypesTests.cpp - fp8, bitcasts, join/split, tf32 dots, f64 math ----===//

#include "TestUtil.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace lacc::test;

namespace {

//===----------------------------------------------------------------------===//
// fp8: f32 -> fp8 (nearest-even, saturating) -> bytes, and back to f32
//===----------------------------------------------------------------------===//

const char *kFp8 = R"(
func.func @fp8(%x: !tile.ptr<f32>, %q: !tile.ptr<F8>, %bits: !tile.ptr<i8>, %y: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %xs = tile.splat %x : tensor<1024x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %a = tile.load %xp : tensor<1024x!tile.ptr<f32>>
  %n = arith.truncf %a : tensor<1024xf32> to tensor<1024xF8>
  %qs = tile.splat %q : tensor<1024x!tile.ptr<F8>>
  %qp = tile.addptr %qs, %r : tensor<1024x!tile.ptr<F8>>, tensor<1024xi32>
  tile.store %qp, %n : tensor<1024x!tile.ptr<F8>>
  %m = tile.load %qp : tensor<1024x!tile.ptr<F8>>
  %b = arith.bitcast %m : tensor<1024xF8> to tensor<1024xi8>
  %bs = tile.splat %bits : tensor<1024x!tile.ptr<i8>>
  %bp = tile.addptr %bs, %r : tensor<1024x!tile.ptr<i8>>, tensor<1024xi32>
  tile.store %bp, %b : tensor<1024x!tile.ptr<i8>>
  %w = arith.extf %m : tensor<1024xF8> to tensor<1024xf32>
  %ys = tile.splat %y : tensor<1024x!tile.ptr<f32>>
  %yp = tile.addptr %ys, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  tile.store %yp, %w : tensor<1024x!tile.ptr<f32>>
  return
}
)";

TEST(InterpTypes, Fp8ConversionsMatchAPFloatSaturated) {
  for (bool e4m3 : {true, false}) {
    const llvm::fltSemantics &sem =
        e4m3 ? llvm::APFloat::Float8E4M3FN() : llvm::APFloat::Float8E5M2();
    std::vector<float> x = randomFloats(1024, e4m3 ? 90 : 91, -1, 1);
    std::mt19937 rng(5);
    for (float &v : x) // magnitudes from subnormal to beyond the largest finite value
      v = std::ldexp(v, static_cast<int>(rng() % 40) - 22);
    x[0] = INFINITY, x[1] = -INFINITY, x[2] = NAN, x[3] = -0.0f, x[4] = 1e30f, x[5] = -1e30f;
    std::vector<uint8_t> q(1024), bits(1024);
    std::vector<float> y(1024);
    ASSERT_EQ(runSource(subst(kFp8, {{"F8", e4m3 ? "f8E4M3FN" : "f8E5M2"}}), "fp8", {1, 1, 1},
                        {KernelArg::pointer(x.data()), KernelArg::pointer(q.data()),
                         KernelArg::pointer(bits.data()), KernelArg::pointer(y.data())},
                        {buf(x), buf(q), buf(bits), buf(y)}),
              "");
    for (int k = 0; k < 1024; ++k) {
      llvm::APFloat ref(x[k]);
      bool lost;
      auto status = ref.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
      if (!std::isnan(x[k]) && ((status & llvm::APFloat::opOverflow) || ref.isInfinity() ||
                                ref.isNaN()))
        ref = llvm::APFloat::getLargest(sem, std::signbit(x[k]));
      ASSERT_EQ(q[k], bits[k]) << k;
      if (std::isnan(x[k])) {
        ASSERT_TRUE(std::isnan(y[k]));
        continue;
      }
      ASSERT_EQ(q[k], ref.bitcastToAPInt().getZExtValue()) << k << ": " << x[k];
      ref.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
      ASSERT_EQ(y[k], ref.convertToFloat()) << k;
    }
  }
}

//===----------------------------------------------------------------------===//
// join / split
//===----------------------------------------------------------------------===//

const char *kJoinSplit = R"(
func.func @js(%a: !tile.ptr<i32>, %b: !tile.ptr<i32>, %j: !tile.ptr<i32>, %s: !tile.ptr<i32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 32 : tensor<32xi32>
  %r2 = tile.reshape %r : tensor<32xi32> -> tensor<4x8xi32>
  %as = tile.splat %a : tensor<4x8x!tile.ptr<i32>>
  %ap = tile.addptr %as, %r2 : tensor<4x8x!tile.ptr<i32>>, tensor<4x8xi32>
  %x = tile.load %ap : tensor<4x8x!tile.ptr<i32>>
  %bs = tile.splat %b : tensor<4x8x!tile.ptr<i32>>
  %bp = tile.addptr %bs, %r2 : tensor<4x8x!tile.ptr<i32>>, tensor<4x8xi32>
  %y = tile.load %bp : tensor<4x8x!tile.ptr<i32>>
  %xy = tile.join %x, %y : tensor<4x8xi32> -> tensor<4x8x2xi32>
  %r64 = tile.make_range 0, 64 : tensor<64xi32>
  %r3 = tile.reshape %r64 : tensor<64xi32> -> tensor<4x8x2xi32>
  %js = tile.splat %j : tensor<4x8x2x!tile.ptr<i32>>
  %jp = tile.addptr %js, %r3 : tensor<4x8x2x!tile.ptr<i32>>, tensor<4x8x2xi32>
  tile.store %jp, %xy : tensor<4x8x2x!tile.ptr<i32>>
  %t = tile.trans %xy {order = array<i32: 0, 2, 1>} : tensor<4x8x2xi32> -> tensor<4x2x8xi32>
  %u = tile.reshape %t : tensor<4x2x8xi32> -> tensor<4x8x2xi32>
  %lo, %hi = tile.split %u : tensor<4x8x2xi32> -> tensor<4x8xi32>
  %d = arith.subi %lo, %hi : tensor<4x8xi32>
  %ss = tile.splat %s : tensor<4x8x!tile.ptr<i32>>
  %sp = tile.addptr %ss, %r2 : tensor<4x8x!tile.ptr<i32>>, tensor<4x8xi32>
  tile.store %sp, %d : tensor<4x8x!tile.ptr<i32>>
  return
}
)";

TEST(InterpTypes, JoinInterleavesAndSplitUndoesIt) {
  auto a = randomInts<int32_t>(32, 93, -1000, 1000), b = randomInts<int32_t>(32, 94, -1000, 1000);
  std::vector<int32_t> j(64), s(32);
  ASSERT_EQ(runSource(kJoinSplit, "js", {1, 1, 1},
                      {KernelArg::pointer(a.data()), KernelArg::pointer(b.data()),
                       KernelArg::pointer(j.data()), KernelArg::pointer(s.data())},
                      {buf(a), buf(b), buf(j), buf(s)}),
              "");
  for (int k = 0; k < 32; ++k) {
    ASSERT_EQ(j[2 * k], a[k]);
    ASSERT_EQ(j[2 * k + 1], b[k]);
  }
  // Row i of the 4x2x8 transpose holds a's row then b's row; viewed as 4x8x2
  // and split, lo/hi are its even/odd elements.
  for (int i = 0; i < 4; ++i)
    for (int c = 0; c < 8; ++c) {
      int e = 2 * c, o = 2 * c + 1; // flat indices into [a row i | b row i]
      auto at = [&](int f) { return f < 8 ? a[i * 8 + f] : b[i * 8 + f - 8]; };
      ASSERT_EQ(s[i * 8 + c], at(e) - at(o)) << i << "," << c;
    }
}

//===----------------------------------------------------------------------===//
// dot input_precision on f32 operands
//===----------------------------------------------------------------------===//

const char *kDotF32 = R"(
func.func @dot(%a: !tile.ptr<f32>, %b: !tile.ptr<f32>, %c: !tile.ptr<f32>) attributes {tile.kernel} {
  %r512 = tile.make_range 0, 512 : tensor<512xi32>
  %oa = tile.reshape %r512 : tensor<512xi32> -> tensor<16x32xi32>
  %as = tile.splat %a : tensor<16x32x!tile.ptr<f32>>
  %ap = tile.addptr %as, %oa : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi32>
  %at = tile.load %ap : tensor<16x32x!tile.ptr<f32>>
  %ob = tile.reshape %r512 : tensor<512xi32> -> tensor<32x16xi32>
  %bs = tile.splat %b : tensor<32x16x!tile.ptr<f32>>
  %bp = tile.addptr %bs, %ob : tensor<32x16x!tile.ptr<f32>>, tensor<32x16xi32>
  %bt = tile.load %bp : tensor<32x16x!tile.ptr<f32>>
  %r256 = tile.make_range 0, 256 : tensor<256xi32>
  %oc = tile.reshape %r256 : tensor<256xi32> -> tensor<16x16xi32>
  %cs = tile.splat %c : tensor<16x16x!tile.ptr<f32>>
  %cp = tile.addptr %cs, %oc : tensor<16x16x!tile.ptr<f32>>, tensor<16x16xi32>
  %acc = tile.load %cp : tensor<16x16x!tile.ptr<f32>>
  %res = tile.dot %at, %bt, %acc PRECISION : tensor<16x32xf32>, tensor<32x16xf32> -> tensor<16x16xf32>
  tile.store %cp, %res : tensor<16x16x!tile.ptr<f32>>
  return
}
)";

/// tf32 through APFloat: nearest, ties away from zero.
float tf32(float x) {
  llvm::APFloat f(x);
  bool lost;
  f.convert(llvm::APFloat::FloatTF32(), llvm::APFloat::rmNearestTiesToAway, &lost);
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.convertToFloat();
}

TEST(InterpTypes, DotInputPrecisions) {
  const int M = 16, K = 32, N = 16;
  auto a = randomFloats(M * K, 95, -1, 1), b = randomFloats(K * N, 96, -1, 1);
  auto c0 = randomFloats(M * N, 97, -1, 1);
  // c += a b in f32, products rounded to f32, k in order (the interpreter's contract).
  auto mm = [&](const std::vector<float> &x, const std::vector<float> &y, std::vector<float> c) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j)
        for (int k = 0; k < K; ++k)
          c[i * N + j] = c[i * N + j] + x[i * K + k] * y[k * N + j];
    return c;
  };
  std::vector<float> aBig, aSmall, bBig, bSmall;
  for (float v : a)
    aBig.push_back(tf32(v)), aSmall.push_back(tf32(v - tf32(v)));
  for (float v : b)
    bBig.push_back(tf32(v)), bSmall.push_back(tf32(v - tf32(v)));
  std::vector<float> zeros(M * N, 0.0f);
  auto correction = mm(aBig, bSmall, mm(aSmall, bBig, zeros));
  std::vector<float> accPlus(M * N);
  for (int j = 0; j < M * N; ++j)
    accPlus[j] = c0[j] + correction[j];
  struct Case {
    const char *attr;
    std::vector<float> want;
  } cases[] = {{"", mm(a, b, c0)},
               {"input_precision = ieee", mm(a, b, c0)},
               {"input_precision = tf32", mm(aBig, bBig, c0)},
               {"input_precision = tf32x3", mm(aBig, bBig, accPlus)}};
  std::vector<double> exact(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = c0[i * N + j];
      for (int k = 0; k < K; ++k)
        s += static_cast<double>(a[i * K + k]) * b[k * N + j];
      exact[i * N + j] = s;
    }
  double errors[4];
  for (int t = 0; t < 4; ++t) {
    std::vector<float> c = c0;
    ASSERT_EQ(runSource(subst(kDotF32, {{"PRECISION", cases[t].attr}}), "dot", {1, 1, 1},
                        {KernelArg::pointer(a.data()), KernelArg::pointer(b.data()),
                         KernelArg::pointer(c.data())},
                        {buf(a), buf(b), buf(c)}),
              "");
    EXPECT_EQ(c, cases[t].want) << cases[t].attr;
    errors[t] = 0;
    for (int j = 0; j < M * N; ++j)
      errors[t] = std::max(errors[t], std::fabs(c[j] - exact[j]));
  }
  // Against fp64: tf32 loses about 3 decimal digits, tf32x3 gets most of f32 back.
  EXPECT_GT(errors[2], 1e-4);
  EXPECT_LT(errors[3], 1e-5);
  EXPECT_LT(errors[0], 1e-5);
}

//===----------------------------------------------------------------------===//
// f64 math stays in f64
//===----------------------------------------------------------------------===//

TEST(InterpTypes, F64TranscendentalsAreDoublePrecise) {
  const char *kUnary = R"(
func.func @un(%x: !tile.ptr<f64>, %z: !tile.ptr<f64>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %xs = tile.splat %x : tensor<256x!tile.ptr<f64>>
  %xp = tile.addptr %xs, %r : tensor<256x!tile.ptr<f64>>, tensor<256xi32>
  %a = tile.load %xp : tensor<256x!tile.ptr<f64>>
  %c = OP %a : tensor<256xf64>
  %zs = tile.splat %z : tensor<256x!tile.ptr<f64>>
  %zp = tile.addptr %zs, %r : tensor<256x!tile.ptr<f64>>, tensor<256xi32>
  tile.store %zp, %c : tensor<256x!tile.ptr<f64>>
  return
}
)";
  struct Case {
    const char *op;
    long double (*f)(long double);
    double lo, hi;
  } cases[] = {
      {"math.exp", [](long double x) { return expl(x); }, -30, 30},
      {"math.log", [](long double x) { return logl(x); }, 1e-3, 1e3},
      {"math.tanh", [](long double x) { return tanhl(x); }, -5, 5},
      {"math.erf", [](long double x) { return erfl(x); }, -3, 3},
      {"math.log1p", [](long double x) { return log1pl(x); }, -0.5, 3},
      {"math.expm1", [](long double x) { return expm1l(x); }, -2, 2},
      {"math.sin", [](long double x) { return sinl(x); }, -10, 10},
  };
  uint32_t seed = 300;
  for (const Case &c : cases) {
    std::vector<double> x(256), z(256, NAN);
    for (auto [i, v] : llvm::enumerate(randomFloats(256, seed++)))
      x[i] = c.lo + (c.hi - c.lo) * (v + 1) / 2 * (1 + 1e-10);
    ASSERT_EQ(runSource(subst(kUnary, {{"OP", c.op}}), "un", {1, 1, 1},
                        {KernelArg::pointer(x.data()), KernelArg::pointer(z.data())},
                        {buf(x), buf(z)}),
              "");
    for (int i = 0; i < 256; ++i) {
      long double want = c.f(x[i]);
      ASSERT_LE(std::fabs(static_cast<long double>(z[i]) - want), 4e-16L * std::fabs(want) + 1e-300L)
          << c.op << "(" << x[i] << ")";
    }
  }
}

} // namespace
