//===- OpsTests.cpp - op-by-op semantics of the interpreter ---------------===//

#include "TestUtil.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>
#include <functional>
#include <optional>

using namespace lacc::test;

namespace {

//===----------------------------------------------------------------------===//
// Math functions: evaluated in double, rounded once to f32
//===----------------------------------------------------------------------===//

TEST(InterpOps, MathFunctionsF32) {
  const char *kUnary = R"(
func.func @un(%x: !tile.ptr<f32>, %z: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %xs = tile.splat %x : tensor<256x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %a = tile.load %xp : tensor<256x!tile.ptr<f32>>
  %c = OP %a : tensor<256xf32>
  %zs = tile.splat %z : tensor<256x!tile.ptr<f32>>
  %zp = tile.addptr %zs, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  tile.store %zp, %c : tensor<256x!tile.ptr<f32>>
  return
}
)";
  struct Case {
    const char *op;
    double (*f)(double);
    float lo, hi;
  } cases[] = {
      {"math.exp", [](double x) { return std::exp(x); }, -20, 20},
      {"math.exp2", [](double x) { return std::exp2(x); }, -20, 20},
      {"math.log", [](double x) { return std::log(x); }, 1e-3f, 1e3f},
      {"math.log2", [](double x) { return std::log2(x); }, 1e-3f, 1e3f},
      {"math.sqrt", [](double x) { return std::sqrt(x); }, 0, 1e4f},
      {"math.rsqrt", [](double x) { return 1 / std::sqrt(x); }, 1e-3f, 1e4f},
      {"math.tanh", [](double x) { return std::tanh(x); }, -5, 5},
      {"math.sin", [](double x) { return std::sin(x); }, -10, 10},
      {"math.cos", [](double x) { return std::cos(x); }, -10, 10},
      {"math.erf", [](double x) { return std::erf(x); }, -3, 3},
      {"math.floor", [](double x) { return std::floor(x); }, -100, 100},
      {"math.ceil", [](double x) { return std::ceil(x); }, -100, 100},
      {"math.absf", [](double x) { return std::fabs(x); }, -100, 100},
      {"arith.negf", [](double x) { return -x; }, -100, 100},
  };
  uint32_t seed = 100;
  for (const Case &c : cases) {
    auto x = randomFloats(256, seed++, c.lo, c.hi);
    std::vector<float> z(256, NAN);
    ASSERT_EQ(runSource(subst(kUnary, {{"OP", c.op}}), "un", {1, 1, 1},
                        {KernelArg::pointer(x.data()), KernelArg::pointer(z.data())},
                        {buf(x), buf(z)}),
              "");
    for (int i = 0; i < 256; ++i)
      ASSERT_EQ(z[i], static_cast<float>(c.f(x[i]))) << c.op << "(" << x[i] << ")";
  }
}

//===----------------------------------------------------------------------===//
// Float comparisons with NaN; i1 in memory
//===----------------------------------------------------------------------===//

TEST(InterpOps, FloatComparisonsWithNaN) {
  const char *kCmp = R"(
func.func @cmp(%x: !tile.ptr<f32>, %y: !tile.ptr<f32>, %z: !tile.ptr<i1>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %xs = tile.splat %x : tensor<256x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %a = tile.load %xp : tensor<256x!tile.ptr<f32>>
  %ys = tile.splat %y : tensor<256x!tile.ptr<f32>>
  %yp = tile.addptr %ys, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %b = tile.load %yp : tensor<256x!tile.ptr<f32>>
  %c = arith.cmpf PRED, %a, %b : tensor<256xf32>
  %zs = tile.splat %z : tensor<256x!tile.ptr<i1>>
  %zp = tile.addptr %zs, %r : tensor<256x!tile.ptr<i1>>, tensor<256xi32>
  tile.store %zp, %c : tensor<256x!tile.ptr<i1>>
  return
}
)";
  auto x = randomFloats(256, 30), y = randomFloats(256, 31);
  for (int i = 0; i < 256; i += 5)
    y[i] = x[i];
  for (int i = 0; i < 256; i += 7)
    (i % 2 ? x[i] : y[i]) = NAN;
  using P = std::function<bool(float, float)>;
  auto unord = [](float a, float b) { return std::isnan(a) || std::isnan(b); };
  std::pair<const char *, P> preds[] = {
      {"oeq", [](float a, float b) { return a == b; }},
      {"one", [&](float a, float b) { return !unord(a, b) && a != b; }},
      {"olt", [](float a, float b) { return a < b; }},
      {"ole", [](float a, float b) { return a <= b; }},
      {"ogt", [](float a, float b) { return a > b; }},
      {"oge", [](float a, float b) { return a >= b; }},
      {"ord", [&](float a, float b) { return !unord(a, b); }},
      {"ueq", [&](float a, float b) { return unord(a, b) || a == b; }},
      {"une", [](float a, float b) { return a != b; }},
      {"ult", [](float a, float b) { return !(a >= b); }},
      {"ule", [](float a, float b) { return !(a > b); }},
      {"ugt", [](float a, float b) { return !(a <= b); }},
      {"uge", [](float a, float b) { return !(a < b); }},
      {"uno", unord},
  };
  for (const auto &[pred, f] : preds) {
    std::vector<uint8_t> z(256, 7);
    ASSERT_EQ(runSource(subst(kCmp, {{"PRED", pred}}), "cmp", {1, 1, 1},
                        {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                         KernelArg::pointer(z.data())},
                        {buf(x), buf(y), buf(z)}),
              "");
    for (int i = 0; i < 256; ++i)
      ASSERT_EQ(z[i], f(x[i], y[i]) ? 1 : 0) << pred << " " << x[i] << " " << y[i];
  }
}

TEST(InterpOps, MaxMinNaNAndSignedZeros) {
  auto x = randomFloats(256, 32), y = randomFloats(256, 33);
  for (int i = 0; i < 256; i += 7)
    (i % 2 ? x[i] : y[i]) = NAN;
  x[1] = 0.0f, y[1] = -0.0f;
  x[2] = -0.0f, y[2] = 0.0f;
  auto bitsEq = [](float a, float b) { return std::isnan(a) ? std::isnan(b) : num::bitsOf(a) == num::bitsOf(b); };
  auto maximum = [](float a, float b) {
    if (std::isnan(a) || std::isnan(b))
      return NAN;
    if (a == b)
      return std::signbit(a) ? b : a;
    return std::max(a, b);
  };
  auto minimum = [](float a, float b) {
    if (std::isnan(a) || std::isnan(b))
      return NAN;
    if (a == b)
      return std::signbit(a) ? a : b;
    return std::min(a, b);
  };
  std::pair<const char *, std::function<float(float, float)>> ops[] = {
      {"arith.maximumf", maximum},
      {"arith.minimumf", minimum},
      {"arith.maxnumf", [&](float a, float b) { return std::isnan(a) ? b : std::isnan(b) ? a : maximum(a, b); }},
      {"arith.minnumf", [&](float a, float b) { return std::isnan(a) ? b : std::isnan(b) ? a : minimum(a, b); }},
  };
  for (const auto &[op, f] : ops) {
    std::vector<float> z;
    ASSERT_EQ(runBinary(op, "f32", x, y, z), "");
    for (int i = 0; i < 256; ++i)
      ASSERT_TRUE(bitsEq(z[i], f(x[i], y[i]))) << op << " " << x[i] << " " << y[i] << " -> " << z[i];
  }
}

//===----------------------------------------------------------------------===//
// Reductions: NaN propagates through max; i1 max/min are any/all; bf16 sums round each step
//===----------------------------------------------------------------------===//

TEST(InterpOps, ReduceI1AnyAllAndNaNMax) {
  const char *src = R"(
func.func @red(%x: !tile.ptr<i1>, %any: !tile.ptr<i1>, %all: !tile.ptr<i1>, %f: !tile.ptr<f32>, %fmax: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 16 : tensor<16xi32>
  %o = tile.reshape %r : tensor<16xi32> -> tensor<4x4xi32>
  %xs = tile.splat %x : tensor<4x4x!tile.ptr<i1>>
  %xp = tile.addptr %xs, %o : tensor<4x4x!tile.ptr<i1>>, tensor<4x4xi32>
  %v = tile.load %xp : tensor<4x4x!tile.ptr<i1>>
  %mx = tile.reduce max %v {axis = 1 : i32} : tensor<4x4xi1> -> tensor<4xi1>
  %mn = tile.reduce min %v {axis = 1 : i32} : tensor<4x4xi1> -> tensor<4xi1>
  %r4 = tile.make_range 0, 4 : tensor<4xi32>
  %as = tile.splat %any : tensor<4x!tile.ptr<i1>>
  %ap = tile.addptr %as, %r4 : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  tile.store %ap, %mx : tensor<4x!tile.ptr<i1>>
  %ls = tile.splat %all : tensor<4x!tile.ptr<i1>>
  %lp = tile.addptr %ls, %r4 : tensor<4x!tile.ptr<i1>>, tensor<4xi32>
  tile.store %lp, %mn : tensor<4x!tile.ptr<i1>>
  %fs = tile.splat %f : tensor<4x4x!tile.ptr<f32>>
  %fp = tile.addptr %fs, %o : tensor<4x4x!tile.ptr<f32>>, tensor<4x4xi32>
  %fv = tile.load %fp : tensor<4x4x!tile.ptr<f32>>
  %fm = tile.reduce max %fv {axis = 0 : i32} : tensor<4x4xf32> -> tensor<4xf32>
  %ms = tile.splat %fmax : tensor<4x!tile.ptr<f32>>
  %mp = tile.addptr %ms, %r4 : tensor<4x!tile.ptr<f32>>, tensor<4xi32>
  tile.store %mp, %fm : tensor<4x!tile.ptr<f32>>
  return
}
)";
  std::vector<uint8_t> x = {0, 0, 0, 0, 0, 2, 0, 0, 1, 1, 1, 1, 1, 0, 255, 1}, any(4, 9), all(4, 9);
  auto f = randomFloats(16, 34);
  f[6] = NAN; // column 2
  std::vector<float> fmax(4);
  ASSERT_EQ(runSource(src, "red", {1, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(any.data()),
                       KernelArg::pointer(all.data()), KernelArg::pointer(f.data()),
                       KernelArg::pointer(fmax.data())},
                      {buf(x), buf(any), buf(all), buf(f), buf(fmax)}),
            "");
  EXPECT_EQ(any, (std::vector<uint8_t>{0, 1, 1, 1}));
  EXPECT_EQ(all, (std::vector<uint8_t>{0, 0, 1, 0}));
  for (int c = 0; c < 4; ++c) {
    if (c == 2) {
      EXPECT_TRUE(std::isnan(fmax[c]));
      continue;
    }
    EXPECT_EQ(fmax[c], std::max({f[c], f[4 + c], f[8 + c], f[12 + c]}));
  }
}

TEST(InterpOps, BF16SumRoundsEveryStep) {
  const char *src = R"(
func.func @sum(%x: !tile.ptr<bf16>, %y: !tile.ptr<bf16>) attributes {tile.kernel} {
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %xs = tile.splat %x : tensor<64x!tile.ptr<bf16>>
  %xp = tile.addptr %xs, %r : tensor<64x!tile.ptr<bf16>>, tensor<64xi32>
  %v = tile.load %xp : tensor<64x!tile.ptr<bf16>>
  %s = tile.reduce sum %v {axis = 0 : i32} : tensor<64xbf16> -> bf16
  tile.store %y, %s : !tile.ptr<bf16>
  return
}
)";
  auto x = toBF16(randomFloats(64, 35, -100, 100));
  std::vector<uint16_t> y(1);
  ASSERT_EQ(runSource(src, "sum", {1, 1, 1}, {KernelArg::pointer(x.data()), KernelArg::pointer(y.data())},
                      {buf(x), buf(y)}),
            "");
  llvm::APFloat acc(llvm::APFloat::BFloat(), llvm::APInt(16, x[0]));
  double exact = num::bf16BitsToFloat(x[0]);
  for (int i = 1; i < 64; ++i) {
    acc.add(llvm::APFloat(llvm::APFloat::BFloat(), llvm::APInt(16, x[i])), llvm::APFloat::rmNearestTiesToEven);
    exact += num::bf16BitsToFloat(x[i]);
  }
  EXPECT_EQ(y[0], acc.bitcastToAPInt().getZExtValue());
  EXPECT_NE(num::bf16BitsToFloat(y[0]), num::roundToBF16(exact)) << "the data must show step rounding";
}

//===----------------------------------------------------------------------===//
// Integer error paths
//===----------------------------------------------------------------------===//

TEST(InterpOps, SignedDivisionOverflowAndRemainderByZero) {
  auto x = randomInts<int32_t>(256, 36, -1000, 1000), y = randomInts<int32_t>(256, 37, 1, 50);
  x[5] = INT32_MIN, y[5] = -1;
  std::vector<int32_t> z;
  std::string err = runBinary("arith.divsi", "i32", x, y, z);
  EXPECT_NE(err.find("arith.divsi: signed division overflow (-2147483648 / -1) in lane 5"), std::string::npos)
      << err;
  y[5] = 3, y[200] = 0;
  err = runBinary("arith.remui", "i32", x, y, z);
  EXPECT_NE(err.find("arith.remui: integer division by zero in lane 200"), std::string::npos) << err;
}

TEST(InterpOps, FloatToIntRangeBoundaries) {
  const char *src = R"(
func.func @c(%x: T, %out: !tile.ptr<I>) attributes {tile.kernel} {
  %i = OP %x : T to I
  tile.store %out, %i : !tile.ptr<I>
  return
}
)";
  auto run = [&](const char *op, const char *from, const char *to, KernelArg x, int64_t &out) {
    std::vector<int64_t> cell(1, 0);
    std::string err = runSource(subst(src, {{"OP", op}, {"T", from}, {"I", to}}), "c", {1, 1, 1},
                                {x, KernelArg::pointer(cell.data())}, {buf(cell)});
    out = std::string(to) == "i32" ? static_cast<int32_t>(cell[0]) : cell[0];
    return err;
  };
  int64_t v;
  EXPECT_EQ(run("arith.fptosi", "f32", "i32", KernelArg::f32(-2147483648.0f), v), "");
  EXPECT_EQ(v, INT32_MIN);
  EXPECT_EQ(run("arith.fptosi", "f32", "i32", KernelArg::f32(2147483520.0f), v), ""); // < 2^31
  EXPECT_EQ(v, 2147483520);
  EXPECT_NE(run("arith.fptosi", "f32", "i32", KernelArg::f32(2147483648.0f), v), "");
  EXPECT_NE(run("arith.fptosi", "f32", "i32", KernelArg::f32(-2147483904.0f), v), "");
  EXPECT_EQ(run("arith.fptosi", "f64", "i64", KernelArg::f64(-0x1p63), v), "");
  EXPECT_EQ(v, INT64_MIN);
  EXPECT_NE(run("arith.fptosi", "f64", "i64", KernelArg::f64(0x1p63), v), "");
  EXPECT_EQ(run("arith.fptoui", "f64", "i64", KernelArg::f64(0x1.fffffffffffffp63), v), "");
  EXPECT_EQ(static_cast<uint64_t>(v), 0xFFFFFFFFFFFFF800ull);
  EXPECT_NE(run("arith.fptoui", "f64", "i64", KernelArg::f64(0x1p64), v), "");
  EXPECT_EQ(run("arith.fptoui", "f32", "i32", KernelArg::f32(-0.75f), v), ""); // truncates to 0
  EXPECT_EQ(v, 0);
  EXPECT_NE(run("arith.fptoui", "f32", "i32", KernelArg::f32(-1.0f), v), "");
  EXPECT_NE(run("arith.fptosi", "f32", "i32", KernelArg::f32(INFINITY), v), "");
}

//===----------------------------------------------------------------------===//
// Grid: program ids on three axes, programs run in order with x fastest
//===----------------------------------------------------------------------===//

TEST(InterpOps, GridAxesAndOrder) {
  const char *src = R"(
func.func @grid(%out: !tile.ptr<i32>, %order: !tile.ptr<i32>, %counter: !tile.ptr<i32>) attributes {tile.kernel} {
  %x = tile.program_id 0 : i32
  %y = tile.program_id 1 : i32
  %z = tile.program_id 2 : i32
  %nx = tile.num_programs 0 : i32
  %ny = tile.num_programs 1 : i32
  %nz = tile.num_programs 2 : i32
  %zy = arith.muli %z, %ny : i32
  %zyy = arith.addi %zy, %y : i32
  %zyyx = arith.muli %zyy, %nx : i32
  %lin = arith.addi %zyyx, %x : i32
  %c10 = arith.constant 10 : i32
  %code0 = arith.muli %nz, %c10 : i32
  %code1 = arith.addi %code0, %ny : i32
  %code2 = arith.muli %code1, %c10 : i32
  %code3 = arith.addi %code2, %nx : i32
  %code4 = arith.muli %code3, %c10 : i32
  %code5 = arith.addi %code4, %z : i32
  %code6 = arith.muli %code5, %c10 : i32
  %code7 = arith.addi %code6, %y : i32
  %code8 = arith.muli %code7, %c10 : i32
  %code = arith.addi %code8, %x : i32
  %op = tile.addptr %out, %lin : !tile.ptr<i32>, i32
  tile.store %op, %code : !tile.ptr<i32>
  %one = arith.constant 1 : i32
  %seq = tile.atomic_rmw add %counter, %one : !tile.ptr<i32>
  %sp = tile.addptr %order, %lin : !tile.ptr<i32>, i32
  tile.store %sp, %seq : !tile.ptr<i32>
  return
}
)";
  std::vector<int32_t> out(24, -1), order(24, -1), counter(1, 0);
  ASSERT_EQ(runSource(src, "grid", {2, 3, 4},
                      {KernelArg::pointer(out.data()), KernelArg::pointer(order.data()),
                       KernelArg::pointer(counter.data())},
                      {buf(out), buf(order), buf(counter)}),
            "");
  for (int z = 0; z < 4; ++z)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 2; ++x) {
        int lin = (z * 3 + y) * 2 + x;
        EXPECT_EQ(out[lin], 432000 + z * 100 + y * 10 + x);
        EXPECT_EQ(order[lin], lin);
      }
  EXPECT_EQ(counter[0], 24);
}

//===----------------------------------------------------------------------===//
// dot: i8 -> i32, f16 -> f16 (f32 accumulation, one rounding), f64; b through a transposed pointer tile
//===----------------------------------------------------------------------===//

const char *kDot = R"(
func.func @dot(%a: !tile.ptr<A>, %b: !tile.ptr<A>, %c: !tile.ptr<C>, %d: !tile.ptr<C>) attributes {tile.kernel} {
  %r512 = tile.make_range 0, 512 : tensor<512xi32>
  %oa = tile.reshape %r512 : tensor<512xi32> -> tensor<16x32xi32>
  %as = tile.splat %a : tensor<16x32x!tile.ptr<A>>
  %ap = tile.addptr %as, %oa : tensor<16x32x!tile.ptr<A>>, tensor<16x32xi32>
  %at = tile.load %ap : tensor<16x32x!tile.ptr<A>>
  %bs = tile.splat %b : tensor<16x32x!tile.ptr<A>>
  %bnk = tile.addptr %bs, %oa : tensor<16x32x!tile.ptr<A>>, tensor<16x32xi32>
  %bkn = tile.trans %bnk {order = array<i32: 1, 0>} : tensor<16x32x!tile.ptr<A>> -> tensor<32x16x!tile.ptr<A>>
  %bt = tile.load %bkn : tensor<32x16x!tile.ptr<A>>
  %r256 = tile.make_range 0, 256 : tensor<256xi32>
  %oc = tile.reshape %r256 : tensor<256xi32> -> tensor<16x16xi32>
  %cs = tile.splat %c : tensor<16x16x!tile.ptr<C>>
  %cp = tile.addptr %cs, %oc : tensor<16x16x!tile.ptr<C>>, tensor<16x16xi32>
  %acc = tile.load %cp : tensor<16x16x!tile.ptr<C>>
  %res = tile.dot %at, %bt, %acc : tensor<16x32xA>, tensor<32x16xA> -> tensor<16x16xC>
  %ds = tile.splat %d : tensor<16x16x!tile.ptr<C>>
  %dp = tile.addptr %ds, %oc : tensor<16x16x!tile.ptr<C>>, tensor<16x16xi32>
  tile.store %dp, %res : tensor<16x16x!tile.ptr<C>>
  return
}
)";

template <class A, class C>
std::string runDot(const std::string &a, const std::string &c, std::vector<A> x, std::vector<A> y,
                   std::vector<C> acc, std::vector<C> &d) {
  d.assign(256, C{});
  return runSource(subst(kDot, {{"A", a}, {"C", c}}), "dot", {1, 1, 1},
                   {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                    KernelArg::pointer(acc.data()), KernelArg::pointer(d.data())},
                   {buf(x), buf(y), buf(acc), buf(d)});
}

TEST(InterpOps, DotVariants) {
  const int M = 16, K = 32, N = 16; // b is stored N x K and read transposed
  {
    auto a = randomInts<int8_t>(M * K, 40, -128, 127), b = randomInts<int8_t>(N * K, 41, -128, 127);
    auto acc = randomInts<int32_t>(M * N, 42, -100000, 100000);
    std::vector<int32_t> d;
    ASSERT_EQ(runDot("i8", "i32", a, b, acc, d), "");
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        int32_t want = acc[i * N + j];
        for (int k = 0; k < K; ++k)
          want += a[i * K + k] * b[j * K + k];
        ASSERT_EQ(d[i * N + j], want);
      }
  }
  {
    std::vector<uint16_t> a, b, acc;
    for (float v : randomFloats(M * K, 43, -2, 2))
      a.push_back(num::floatToHalfBits(v));
    for (float v : randomFloats(N * K, 44, -2, 2))
      b.push_back(num::floatToHalfBits(v));
    for (float v : randomFloats(M * N, 45, -8, 8))
      acc.push_back(num::floatToHalfBits(v));
    std::vector<uint16_t> d;
    ASSERT_EQ(runDot("f16", "f16", a, b, acc, d), "");
    auto h = [](uint16_t v) { return num::halfBitsToFloat(v); };
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        float sum = h(acc[i * N + j]);
        for (int k = 0; k < K; ++k)
          sum = sum + h(a[i * K + k]) * h(b[j * K + k]);
        ASSERT_EQ(d[i * N + j], num::floatToHalfBits(sum)) << i << "," << j;
      }
  }
  {
    std::vector<double> a, b, acc;
    for (float v : randomFloats(M * K, 46))
      a.push_back(v * (1 + 1e-9));
    for (float v : randomFloats(N * K, 47))
      b.push_back(v / 3.0);
    for (float v : randomFloats(M * N, 48))
      acc.push_back(v);
    std::vector<double> d;
    ASSERT_EQ(runDot("f64", "f64", a, b, acc, d), "");
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) {
        double sum = acc[i * N + j];
        for (int k = 0; k < K; ++k)
          sum = sum + a[i * K + k] * b[j * K + k];
        ASSERT_EQ(d[i * N + j], sum);
      }
  }
}

//===----------------------------------------------------------------------===//
// scf.for over index with zero trips; scalar select on tiles; float scalar arguments
//===----------------------------------------------------------------------===//

TEST(InterpOps, IndexLoopsAndZeroTrips) {
  const char *src = R"(
func.func @loop(%out: !tile.ptr<i32>, %n: i32) attributes {tile.kernel} {
  %ni = arith.index_cast %n : i32 to index
  %c0 = arith.constant 0 : index
  %c3 = arith.constant 3 : index
  %init = arith.constant 7 : i32
  %s = scf.for %i = %c0 to %ni step %c3 iter_args(%acc = %init) -> (i32) {
    %ii = arith.index_cast %i : index to i32
    %a = arith.addi %acc, %ii : i32
    scf.yield %a : i32
  }
  tile.store %out, %s : !tile.ptr<i32>
  return
}
)";
  for (auto [n, want] : {std::pair{0, 7}, {10, 7 + 0 + 3 + 6 + 9}, {-5, 7}, {1, 7}}) {
    std::vector<int32_t> out(1, -1);
    ASSERT_EQ(runSource(src, "loop", {1, 1, 1}, {KernelArg::pointer(out.data()), KernelArg::i32(n)},
                        {buf(out)}),
              "");
    EXPECT_EQ(out[0], want) << n;
  }
}

TEST(InterpOps, ScalarSelectAndFloatArguments) {
  const char *src = R"(
func.func @sel(%x: !tile.ptr<f32>, %out: !tile.ptr<f32>, %h: f16, %b: bf16, %d: f64, %flag: i1) attributes {tile.kernel} {
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %xs = tile.splat %x : tensor<64x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  %v = tile.load %xp : tensor<64x!tile.ptr<f32>>
  %hf = arith.extf %h : f16 to f32
  %bf = arith.extf %b : bf16 to f32
  %df = arith.truncf %d : f64 to f32
  %s1 = arith.addf %hf, %bf : f32
  %s2 = arith.addf %s1, %df : f32
  %ss = tile.splat %s2 : tensor<64xf32>
  %w = arith.addf %v, %ss : tensor<64xf32>
  %pick = arith.select %flag, %v, %w : tensor<64xf32>
  %os = tile.splat %out : tensor<64x!tile.ptr<f32>>
  %op = tile.addptr %os, %r : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  tile.store %op, %pick : tensor<64x!tile.ptr<f32>>
  return
}
)";
  auto x = randomFloats(64, 50);
  for (bool flag : {true, false}) {
    std::vector<float> out(64);
    ASSERT_EQ(runSource(src, "sel", {1, 1, 1},
                        {KernelArg::pointer(x.data()), KernelArg::pointer(out.data()),
                         KernelArg::f16(0.1f), KernelArg::bf16(0.1f), KernelArg::f64(0.1),
                         KernelArg::i1(flag)},
                        {buf(x), buf(out)}),
              "");
    float s = static_cast<float>(num::roundToF16(0.1) + num::roundToBF16(0.1));
    s = s + 0.1f;
    for (int i = 0; i < 64; ++i)
      ASSERT_EQ(out[i], flag ? x[i] : x[i] + s) << i;
  }
}

//===----------------------------------------------------------------------===//
// Invalid IR never reaches the executor
//===----------------------------------------------------------------------===//

TEST(InterpOps, InvalidIRIsRejected) {
  MLIRContext ctx;
  ctx.loadDialect<lacc::tile::TileDialect>();
  auto mod = parseSourceString<ModuleOp>(R"(
func.func @k(%x: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %xs = tile.splat %x : tensor<64x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  %v = tile.load %xp : tensor<64x!tile.ptr<f32>>
  %w = arith.addf %v, %v : tensor<64xf32>
  tile.store %xp, %w : tensor<64x!tile.ptr<f32>>
  return
}
)",
                                         ParserConfig(&ctx), "test.mlir");
  ASSERT_TRUE(mod);
  auto fn = mod->lookupSymbol<func::FuncOp>("k");
  fn.walk([&](arith::AddFOp add) {
    add.getResult().setType(RankedTensorType::get({128}, Float32Type::get(&ctx)));
  });
  std::vector<float> x(64);
  std::string err = errorText(runKernel(fn, {1, 1, 1}, {KernelArg::pointer(x.data())}, {buf(x)}));
  EXPECT_EQ(err.rfind("kernel 'k': invalid IR: test.mlir:7:8: ", 0), 0u) << err;
}

//===----------------------------------------------------------------------===//
// A compiled kernel outlives its IR and runs many times
//===----------------------------------------------------------------------===//

TEST(InterpOps, CompiledKernelOutlivesTheIR) {
  std::optional<CompiledKernel> kernel;
  {
    MLIRContext ctx;
    ctx.loadDialect<lacc::tile::TileDialect>();
    auto mod = parseSourceString<ModuleOp>(R"(
func.func @scale(%x: !tile.ptr<f32>, %a: f32) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c16 = arith.constant 16 : i32
  %start = arith.muli %pid, %c16 : i32
  %r = tile.make_range 0, 16 : tensor<16xi32>
  %s = tile.splat %start : tensor<16xi32>
  %o = arith.addi %s, %r : tensor<16xi32>
  %xs = tile.splat %x : tensor<16x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %o : tensor<16x!tile.ptr<f32>>, tensor<16xi32>
  %v = tile.load %xp : tensor<16x!tile.ptr<f32>>
  %as = tile.splat %a : tensor<16xf32>
  %w = arith.mulf %v, %as : tensor<16xf32>
  tile.store %xp, %w : tensor<16x!tile.ptr<f32>>
  return
}
)",
                                           ParserConfig(&ctx), "test.mlir");
    ASSERT_TRUE(mod);
    auto compiled = CompiledKernel::compile(mod->lookupSymbol<func::FuncOp>("scale"));
    ASSERT_TRUE(bool(compiled)) << llvm::toString(compiled.takeError());
    kernel.emplace(std::move(*compiled));
  } // the context and the IR are gone
  EXPECT_EQ(kernel->name(), "scale");
  EXPECT_EQ(kernel->numParams(), 2u);
  auto x = randomFloats(64, 60);
  auto want = x;
  for (float a : {3.0f, -0.5f}) {
    EXPECT_OK(kernel->run({4, 1, 1}, {KernelArg::pointer(x.data()), KernelArg::f32(a)}, {buf(x)}));
    for (float &w : want)
      w *= a;
  }
  EXPECT_EQ(x, want);
  std::string err = errorText(kernel->run({5, 1, 1}, {KernelArg::pointer(x.data()), KernelArg::f32(1)}, {buf(x)}));
  EXPECT_NE(err.find("program (4, 0, 0): tile.load: lane 0 reads 4 bytes"), std::string::npos) << err;
}

} // namespace
