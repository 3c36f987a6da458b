//===- LoweringTests.cpp - the GPU lowering of the language's newer ops ---===//
//
// The small kernels of kernels/tests/ through the runtime (KernelHarness.h):
// on the CPU interpreter in CI, on the GPU with LACC_TEST_DEVICE=gpu, against
// references computed here. Where the GPU is approximate by design (fast `/`
// and sqrt, libdevice's transcendentals) the bound is the documented one
// (compiler/conversion/ElementwiseOpToLLVM.cpp); the interpreter, which rounds
// correctly, meets it trivially. Everything else is compared exactly.
//
//===----------------------------------------------------------------------===//

#include "test/unit/kernels/KernelHarness.h"

#include <cstring>
#include <limits>
#include <numeric>
#include <set>

using namespace lacc::test;
namespace num = lacc::interp::num;

namespace {

/// Distance in units in the last place between two floats of one type (0: the same value).
template <class F> int64_t ulpDistance(F a, F b) {
  using Bits = std::conditional_t<sizeof(F) == 4, int32_t, int64_t>;
  auto ordered = [](F x) {
    Bits bits;
    std::memcpy(&bits, &x, sizeof x);
    // Negative floats count down from zero, so that the order of the integers is the floats'.
    return bits < 0 ? std::numeric_limits<Bits>::min() - bits : bits;
  };
  int64_t d = int64_t(ordered(a)) - int64_t(ordered(b));
  return d < 0 ? -d : d;
}

std::vector<float> randomFloats(size_t n, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

//===----------------------------------------------------------------------===//
// Issue 7, F1: predicated operations inside a while loop
//===----------------------------------------------------------------------===//

TEST(WhileLoop, PredicatedConditionAndBody) {
  auto k = Kernel::load("tests/while_predicated.tile", "count_up", {{"BLOCK", 64}});
  ASSERT_TRUE(k);
  const int n = 1000, programs = (n + 63) / 64;
  std::vector<float> x = randomFloats(programs * 64 + 5, 7, -10, 10), before = x;
  std::vector<int32_t> limits(programs);
  std::mt19937 rng(8);
  for (int32_t &l : limits)
    l = 1 + rng() % 9;
  k->run(lacc::Grid(programs), x, limits, n, programs);
  for (int i = 0; i < int(x.size()); ++i) {
    float want = i < n ? before[i] + float(limits[i / 64]) : before[i];
    ASSERT_EQ(x[i], want) << "element " << i << " (program " << i / 64 << ", "
                          << (i < n ? "inside" : "outside") << " the mask)";
  }
}

//===----------------------------------------------------------------------===//
// Issue 7, F2: atomics through scalar pointers return one value to every thread
//===----------------------------------------------------------------------===//

TEST(ScalarAtomic, EveryThreadHoldsTheTicket) {
  auto k = Kernel::load("tests/scalar_atomics.tile", "ticket", {{"BLOCK", 256}});
  ASSERT_TRUE(k);
  const int programs = 97, start = 1234;
  std::vector<int32_t> counter = {start}, tickets(programs * 256, -1);
  k->run(lacc::Grid(programs), counter, tickets);
  EXPECT_EQ(counter[0], start + programs);
  std::set<int32_t> seen;
  for (int p = 0; p < programs; ++p) {
    int32_t t = tickets[p * 256];
    for (int i = 0; i < 256; ++i)
      ASSERT_EQ(tickets[p * 256 + i], t) << "program " << p << ", slot " << i;
    seen.insert(t);
  }
  // One ticket each: start, start + 1, ..., in some order.
  ASSERT_EQ(seen.size(), size_t(programs));
  EXPECT_EQ(*seen.begin(), start);
  EXPECT_EQ(*seen.rbegin(), start + programs - 1);
}

TEST(ScalarAtomic, FloatMaxExchangeAndCompareAndSwapResults) {
  auto k = Kernel::load("tests/scalar_atomics.tile", "float_results", {{"BLOCK", 256}});
  ASSERT_TRUE(k);
  const int programs = 33;
  std::vector<float> f = randomFloats(programs, 11, -5, 5), v = randomFloats(programs, 12, -5, 5);
  std::vector<float> initial = f, out(programs * 3 * 256, NAN);
  k->run(lacc::Grid(programs), f, v, out);
  for (int p = 0; p < programs; ++p) {
    const float *row = &out[p * 3 * 256];
    for (int i = 0; i < 256; ++i) {
      ASSERT_EQ(row[i], initial[p]) << "max's old value, program " << p << " slot " << i;
      ASSERT_EQ(row[256 + i], std::max(initial[p], v[p])) << "xchg's, program " << p;
      ASSERT_EQ(row[512 + i], 2 * initial[p]) << "cas's, program " << p;
    }
    EXPECT_EQ(f[p], initial[p]) << "the swap back did not happen in program " << p;
  }
}

//===----------------------------------------------------------------------===//
// Atomics on tiles
//===----------------------------------------------------------------------===//

TEST(TileAtomics, FloatMaxMinPropagateNaNAndOrderSignedZeros) {
  auto k = Kernel::load("tests/atomics.tile", "max_min", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  const int programs = 9;
  std::vector<float> v = randomFloats(programs * 128, 21, -100, 100);
  std::vector<float> mx = randomFloats(128, 22, -50, 50), mn = mx, start = mx;
  // Column 0: a NaN among the updates; column 1: NaN already in memory; columns 2, 3: signed
  // zeros only.
  v[5 * 128 + 0] = NAN;
  mx[1] = mn[1] = start[1] = NAN;
  for (int p = 0; p < programs; ++p) {
    v[p * 128 + 2] = p % 2 ? -0.0f : 0.0f;
    v[p * 128 + 3] = -0.0f;
  }
  mx[2] = mn[2] = start[2] = -0.0f;
  mx[3] = mn[3] = start[3] = 0.0f;
  k->run(lacc::Grid(programs), mx, mn, v);
  for (int c = 0; c < 128; ++c) {
    float hi = start[c], lo = start[c];
    bool nan = std::isnan(start[c]);
    for (int p = 0; p < programs; ++p) {
      float x = v[p * 128 + c];
      nan |= std::isnan(x);
      // -0 < +0: compare as the ordered bits do.
      if (x > hi || (x == 0 && hi == 0 && !std::signbit(x)))
        hi = x;
      if (x < lo || (x == 0 && lo == 0 && std::signbit(x)))
        lo = x;
    }
    if (nan) {
      EXPECT_TRUE(std::isnan(mx[c]) && std::isnan(mn[c])) << "column " << c;
      continue;
    }
    EXPECT_EQ(mx[c], hi) << "max, column " << c;
    EXPECT_EQ(mn[c], lo) << "min, column " << c;
    EXPECT_EQ(std::signbit(mx[c]), std::signbit(hi)) << "max's sign, column " << c;
    EXPECT_EQ(std::signbit(mn[c]), std::signbit(lo)) << "min's sign, column " << c;
  }
}

TEST(TileAtomics, F64MaxMin) {
  auto k = Kernel::load("tests/atomics.tile", "max_min_f64", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  const int programs = 6;
  std::mt19937 rng(31);
  std::normal_distribution<double> dist(0, 1e3);
  std::vector<double> v(programs * 128), mx(128), mn(128);
  for (double &x : v)
    x = dist(rng);
  for (int c = 0; c < 128; ++c)
    mx[c] = mn[c] = dist(rng);
  std::vector<double> start = mx;
  k->run(lacc::Grid(programs), mx, mn, v);
  for (int c = 0; c < 128; ++c) {
    double hi = start[c], lo = start[c];
    for (int p = 0; p < programs; ++p)
      hi = std::max(hi, v[p * 128 + c]), lo = std::min(lo, v[p * 128 + c]);
    ASSERT_EQ(mx[c], hi) << c;
    ASSERT_EQ(mn[c], lo) << c;
  }
}

TEST(TileAtomics, SixteenBitAddsRoundEveryUpdate) {
  auto k = Kernel::load("tests/atomics.tile", "add_16bit", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  // 300 programs add 1: f16 counts to 300 exactly; bf16 (8 significant bits) stops at 256,
  // where 256 + 1 rounds back to 256 (ties to even). Starting values are random.
  const int programs = 300;
  std::vector<uint16_t> h(128), b(128);
  std::vector<double> hStart(128), bStart(128);
  std::mt19937 rng(41);
  for (int c = 0; c < 128; ++c) {
    int start = int(rng() % 64) - 32;
    h[c] = num::floatToHalfBits(float(start));
    b[c] = num::floatToBF16Bits(float(start));
    hStart[c] = bStart[c] = start;
  }
  k->run(lacc::Grid(programs), h, b, 1.0f);
  for (int c = 0; c < 128; ++c) {
    double wantH = hStart[c] + programs, wantB = bStart[c];
    for (int p = 0; p < programs; ++p)
      wantB = num::bf16BitsToFloat(num::floatToBF16Bits(float(wantB + 1)));
    EXPECT_EQ(num::halfBitsToFloat(h[c]), wantH) << "f16 column " << c;
    EXPECT_EQ(num::bf16BitsToFloat(b[c]), wantB) << "bf16 column " << c;
  }
}

TEST(TileAtomics, CompareAndSwapPerElement) {
  auto k = Kernel::load("tests/atomics.tile", "swap_where_equal", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  // The last program's tail (past n) compares with -1, which p never holds: no swap there.
  const int n = 1000, programs = (n + 127) / 128;
  std::mt19937 rng(51);
  std::vector<int32_t> p(programs * 128), cmp(n), val(n), old(n, -7);
  for (int32_t &v : p)
    v = int32_t(rng() % 4);
  for (int i = 0; i < n; ++i) {
    cmp[i] = int32_t(rng() % 4);
    val[i] = int32_t(rng());
  }
  std::vector<int32_t> start = p;
  k->run(lacc::Grid(programs), p, cmp, val, old, n);
  for (int i = 0; i < programs * 128; ++i) {
    bool swaps = i < n && start[i] == cmp[i];
    ASSERT_EQ(p[i], swaps ? val[i] : start[i]) << i;
    if (i < n) {
      ASSERT_EQ(old[i], start[i]) << i;
    }
  }
}

//===----------------------------------------------------------------------===//
// fp8, join and split
//===----------------------------------------------------------------------===//

TEST(Fp8, ConversionsRoundToNearestEvenAndSaturate) {
  auto k = Kernel::load("tests/conversions.tile", "to_fp8", {{"BLOCK", 256}});
  ASSERT_TRUE(k);
  // Random magnitudes from 2^-22 (below both formats' subnormals) to 2^20 (beyond both
  // maxima), both signs; exact halfway points; infinities, NaN and zeros.
  std::mt19937 rng(61);
  std::uniform_real_distribution<double> exponent(-22, 20);
  std::vector<float> x;
  for (int i = 0; i < 3000; ++i)
    x.push_back(float((rng() % 2 ? -1 : 1) * std::exp2(exponent(rng))));
  for (float f : {1.0625f, 1.1875f, 448.0f, 464.0f, 480.0f, 57344.0f, 61440.0f, 0x1p-10f,
                  0x1p-7f * 1.5f, 0x1p-17f, 0x1p-16f * 0.75f})
    x.push_back(f), x.push_back(-f);
  for (float f : {INFINITY, -INFINITY, NAN, 0.0f, -0.0f})
    x.push_back(f);
  const int n = int(x.size());
  std::vector<int8_t> e4(n), e5(n);
  std::vector<float> back4(n, 1234), back5(n, 1234);
  k->run(lacc::Grid((n + 255) / 256), x, e4, e5, back4, back5, n);
  for (int i = 0; i < n; ++i) {
    double want4 = num::roundToE4M3(x[i]), want5 = num::roundToE5M2(x[i]);
    double got4 = num::miniValue(uint8_t(e4[i]), num::kE4M3);
    double got5 = num::miniValue(uint8_t(e5[i]), num::kE5M2);
    if (std::isnan(x[i])) { // NaN stays NaN (the GPU's NaN has its own sign and payload)
      EXPECT_TRUE(std::isnan(got4) && std::isnan(got5) && std::isnan(back4[i]) &&
                  std::isnan(back5[i]));
      continue;
    }
    ASSERT_EQ(uint8_t(e4[i]), num::miniBits(want4, num::kE4M3)) << "e4m3 of " << x[i];
    ASSERT_EQ(uint8_t(e5[i]), num::miniBits(want5, num::kE5M2)) << "e5m2 of " << x[i];
    ASSERT_EQ(back4[i], float(got4)) << "e4m3 back to f32, from " << x[i];
    ASSERT_EQ(back5[i], float(got5)) << "e5m2 back to f32, from " << x[i];
  }
}

TEST(Fp8, EveryByteExtendsExactly) {
  auto k = Kernel::load("tests/conversions.tile", "from_fp8", {});
  ASSERT_TRUE(k);
  std::vector<uint8_t> bytes(256);
  std::iota(bytes.begin(), bytes.end(), 0);
  std::vector<uint8_t> e4 = bytes, e5 = bytes;
  std::vector<float> out4(256, 1234);
  std::vector<uint16_t> out5(256, 0x1234);
  k->run(lacc::Grid(1), e4, e5, out4, out5);
  for (int b = 0; b < 256; ++b) {
    double want4 = num::miniValue(uint8_t(b), num::kE4M3);
    double want5 = num::miniValue(uint8_t(b), num::kE5M2);
    float got5 = num::bf16BitsToFloat(out5[b]);
    if (std::isnan(want4))
      EXPECT_TRUE(std::isnan(out4[b])) << "e4m3 byte " << b;
    else
      EXPECT_EQ(out4[b], float(want4)) << "e4m3 byte " << b;
    if (std::isnan(want5))
      EXPECT_TRUE(std::isnan(got5)) << "e5m2 byte " << b;
    else
      EXPECT_EQ(got5, float(want5)) << "e5m2 byte " << b;
    if (!std::isnan(want4)) {
      EXPECT_EQ(std::signbit(out4[b]), bool(b & 0x80)) << "e4m3 sign, byte " << b;
    }
  }
}

TEST(JoinSplit, InterleaveAndBack) {
  auto k = Kernel::load("tests/conversions.tile", "interleave", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  std::vector<float> a = randomFloats(128, 71, -3, 3), b = randomFloats(128, 72, -3, 3);
  std::vector<float> out(256, NAN), diff(128, NAN);
  k->run(lacc::Grid(1), a, b, out, diff);
  for (int i = 0; i < 128; ++i) {
    ASSERT_EQ(out[2 * i], 2 * a[i]) << i;
    ASSERT_EQ(out[2 * i + 1], b[i]) << i;
    ASSERT_EQ(diff[i], 2 * a[i] - b[i]) << i;
  }
}

//===----------------------------------------------------------------------===//
// Math
//===----------------------------------------------------------------------===//

TEST(Math, F32FunctionsWithinLibdeviceBounds) {
  auto k = Kernel::load("tests/math.tile", "unary32", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  const int n = 2000;
  std::vector<float> x = randomFloats(n, 81, -4, 4), out(6 * n, NAN);
  k->run(lacc::Grid((n + 127) / 128), x, out, n);
  // CUDA's documented bounds: tanf 4 ulp; tanhf, erff, log10f 2; log1pf, expm1f 1.
  struct Fn {
    const char *name;
    double (*f)(double);
    int ulps;
  } fns[] = {{"tan", [](double v) { return std::tan(v); }, 4},
             {"tanh", [](double v) { return std::tanh(v); }, 2},
             {"erf", [](double v) { return std::erf(v); }, 2},
             {"log10", [](double v) { return std::log10(std::fabs(v)); }, 2},
             {"log1p", [](double v) { return std::log1p(std::fabs(v)); }, 1},
             {"expm1", [](double v) { return std::expm1(v); }, 1}};
  for (int f = 0; f < 6; ++f) {
    int64_t worst = 0;
    for (int i = 0; i < n; ++i)
      worst = std::max(worst, ulpDistance(out[f * n + i], float(fns[f].f(x[i]))));
    EXPECT_LE(worst, fns[f].ulps) << fns[f].name;
  }
}

TEST(Math, F64FunctionsWithin2Ulp) {
  auto k = Kernel::load("tests/math.tile", "unary64", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  const int n = 2000;
  std::mt19937 rng(91);
  std::uniform_real_distribution<double> dist(-4, 4);
  std::vector<double> x(n), out(14 * n, NAN);
  for (double &v : x)
    v = dist(rng);
  k->run(lacc::Grid((n + 127) / 128), x, out, n);
  using L = long double;
  L (*fns[])(L) = {
      [](L v) { return std::exp(v); },         [](L v) { return std::exp2(v); },
      [](L v) { return std::log(std::fabs(v)); }, [](L v) { return std::log2(std::fabs(v)); },
      [](L v) { return std::log10(std::fabs(v)); }, [](L v) { return std::log1p(std::fabs(v)); },
      [](L v) { return std::expm1(v); },       [](L v) { return std::sin(v); },
      [](L v) { return std::cos(v); },         [](L v) { return std::tan(v); },
      [](L v) { return std::tanh(v); },        [](L v) { return std::erf(v); },
      [](L v) { return 1 / std::sqrt(std::fabs(v)); }};
  const char *names[] = {"exp", "exp2", "log", "log2", "log10", "log1p", "expm1",
                         "sin", "cos", "tan", "tanh", "erf", "rsqrt"};
  for (int f = 0; f < 13; ++f) {
    int64_t worst = 0;
    for (int i = 0; i < n; ++i)
      worst = std::max(worst, ulpDistance(out[f * n + i], double(fns[f](x[i]))));
    EXPECT_LE(worst, 2) << names[f];
  }
  for (int i = 0; i < n; ++i) // sqrt is IEEE in f64: the host's, bit for bit
    ASSERT_EQ(out[13 * n + i], std::sqrt(std::fabs(x[i]))) << "sqrt of " << std::fabs(x[i]);
}

TEST(Math, FastDivisionAndSqrtWithinTheirBoundsIEEEFormsExact) {
  auto k = Kernel::load("tests/math.tile", "divide_sqrt", {{"BLOCK", 128}});
  ASSERT_TRUE(k);
  const int n = 4000;
  std::vector<float> x = randomFloats(n, 101, -1e4f, 1e4f), y = randomFloats(n, 102, 1e-3f, 1e3f);
  for (int i = 0; i < n; i += 2)
    y[i] = -y[i];
  std::vector<float> out(4 * n, NAN);
  k->run(lacc::Grid((n + 127) / 128), x, y, out, n);
  int64_t worstDiv = 0, worstSqrt = 0;
  for (int i = 0; i < n; ++i) {
    float q = x[i] / y[i], s = std::sqrt(std::fabs(x[i]));
    worstDiv = std::max(worstDiv, ulpDistance(out[i], q));
    worstSqrt = std::max(worstSqrt, ulpDistance(out[2 * n + i], s));
    ASSERT_EQ(out[n + i], q) << "div_rn(" << x[i] << ", " << y[i] << ")";
    ASSERT_EQ(out[3 * n + i], s) << "sqrt_rn(" << std::fabs(x[i]) << ")";
  }
  EXPECT_LE(worstDiv, 2) << "x / y is div.full.f32: at most 2 ulp";
  EXPECT_LE(worstSqrt, 1) << "sqrt is sqrt.approx.f32: at most 1 ulp";
}

//===----------------------------------------------------------------------===//
// Device-side assertions
//===----------------------------------------------------------------------===//

/// Launches the assertion kernel on data with one negative element and waits; the error
/// that comes back, or "" when none does.
std::string failedAssertion() {
  lacc::Context &ctx = testContext();
  lacc::Kernel k = ctx.loadEmbedded("tests/assert.tile").kernel("check_non_negative");
  std::vector<float> x = randomFloats(300, 111, 0, 10);
  x[217] = -1;
  lacc::DeviceBuffer buffer = ctx.alloc(x.size() * sizeof(float));
  buffer.copyFrom(x.data(), x.size() * sizeof(float));
  try {
    k.launch(lacc::Grid(3), buffer.ptr(), int(x.size()));
    ctx.synchronize();
  } catch (const lacc::Error &e) {
    return e.what();
  }
  return "";
}

TEST(DeviceAssert, FailingConditionStopsTheKernel) {
  if (testContext().interpreting()) {
    std::string error = failedAssertion();
    EXPECT_NE(error.find("assertion failed: x must be non-negative"), std::string::npos) << error;
    return;
  }
  // On the GPU the failed assertion ends the context: check it in a process of its own.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        std::string error = failedAssertion();
        std::fprintf(stderr, "%s\n", error.c_str());
        std::exit(error.empty() ? 1 : 0);
      },
      ::testing::ExitedWithCode(0), "CUDA_ERROR_ASSERT");
}


//===----------------------------------------------------------------------===//
// Issue 9: rank-3 tensor descriptors, the lightning kernels' walk (kernels/tests/tma_rank3.tile)
//===----------------------------------------------------------------------===//

struct Rank3Walk {
  int heads, n, gap; // gap: rows of NaN between one head's n rows and the next's
};

std::string rank3WalkName(const ::testing::TestParamInfo<Rank3Walk> &info) {
  const Rank3Walk &w = info.param;
  return "h" + std::to_string(w.heads) + "_n" + std::to_string(w.n) + "_gap" +
         std::to_string(w.gap);
}

class TmaRank3 : public ::testing::TestWithParam<Rank3Walk> {};

/// rank3_walk on (heads, n, 64) bf16 q, k, v in blocks of 64 rows, against fp64 (rounding to
/// bf16 where the kernel does). The heads lie back to back (gap 0), so a block that read past a
/// ragged end would take the next head's rows; or `gap` NaN rows apart, so that it would read
/// NaN. On sm_90a the loads are TMA rings of rank-3 tensor maps, k's slot read both as K^T by
/// wgmma and into registers; elsewhere masked pointer loads.
TEST_P(TmaRank3, LightningWalkMatchesFp64) {
  const auto [heads, n, gap] = GetParam();
  const int D = 64, BLOCK = 64, rows = n + gap;
  auto k = Kernel::load("tests/tma_rank3.tile", "rank3_walk", {{"D", D}, {"BLOCK", BLOCK}});
  ASSERT_TRUE(k);
  std::vector<double> qd, kd, vd;
  const size_t elements = size_t(heads) * rows * D;
  BF16 q = randomBF16(elements, 91 + n, qd), kk = randomBF16(elements, 92 + n, kd),
       v = randomBF16(elements, 93 + n, vd);
  for (int h = 0; h < heads; ++h)
    for (int i = n; i < rows; ++i)
      for (int d = 0; d < D; ++d)
        q[(size_t(h) * rows + i) * D + d] = kk[(size_t(h) * rows + i) * D + d] =
            v[(size_t(h) * rows + i) * D + d] = 0x7fc1;
  std::vector<float> w = randomFloats(size_t(heads) * n, 94 + n, 0.5f, 1.5f);
  std::vector<float> o(size_t(heads) * n * D, NAN), state(size_t(heads) * D * D, NAN);
  k->run(lacc::Grid(heads), q, kk, v, w, o, state, heads, n, rows * D);

  auto round = [](double x) { return double(bf16ToFloat(floatToBF16(float(x)))); };
  std::vector<double> oRef(o.size()), stateRef(state.size());
  for (int h = 0; h < heads; ++h) {
    auto at = [&](const std::vector<double> &x, int i, int d) {
      return x[(size_t(h) * rows + i) * D + d];
    };
    std::vector<double> S(size_t(D) * D, 0.0);
    for (int start = 0; start < n; start += BLOCK) {
      const int end = std::min(start + BLOCK, n);
      for (int i = start; i < end; ++i)
        for (int e = 0; e < D; ++e) {
          double sum = 0;
          for (int d = 0; d < D; ++d)
            sum += at(qd, i, d) * round(S[d * D + e]);
          oRef[(size_t(h) * n + i) * D + e] = sum;
        }
      for (int i = start; i < end; ++i)
        for (int j = start; j < end; ++j) {
          double score = 0;
          for (int d = 0; d < D; ++d)
            score += at(qd, i, d) * at(kd, j, d);
          for (int e = 0; e < D; ++e)
            oRef[(size_t(h) * n + i) * D + e] += round(score) * at(vd, j, e);
        }
      for (int j = start; j < end; ++j)
        for (int d = 0; d < D; ++d) {
          double kw = round(at(kd, j, d) * double(w[size_t(h) * n + j]));
          for (int e = 0; e < D; ++e)
            S[d * D + e] += kw * at(vd, j, e);
        }
    }
    std::copy(S.begin(), S.end(), stateRef.begin() + size_t(h) * D * D);
  }
  EXPECT_LT(relativeError(toDouble(o), oRef), 5e-3);
  EXPECT_LT(relativeError(toDouble(state), stateRef), 5e-3);
}

INSTANTIATE_TEST_SUITE_P(Shapes, TmaRank3,
                         ::testing::Values(Rank3Walk{3, 1, 0}, Rank3Walk{3, 63, 0},
                                           Rank3Walk{2, 64, 0}, Rank3Walk{3, 100, 0},
                                           Rank3Walk{3, 200, 0}, Rank3Walk{2, 100, 5},
                                           Rank3Walk{2, 130, 3}),
                         rank3WalkName);

//===----------------------------------------------------------------------===//
// Issue 9: stores through tensor descriptors (kernels/tests/tma_store.tile)
//===----------------------------------------------------------------------===//

struct StoreShape {
  int M, N;
};

std::ostream &operator<<(std::ostream &os, const StoreShape &s) {
  return os << s.M << "x" << s.N;
}

class TmaStore2D : public ::testing::TestWithParam<StoreShape> {};

/// store_2d's copy of x into y for f32 64x64 tiles (on sm_90a two 64x32 boxes of the 128-byte
/// swizzle) and bf16 64x128 tiles (two 64x64 boxes), with one more tile row and column than
/// the tensor needs: y's rows are padded past a multiple of 8 elements and y has a tile's rows
/// more, all of a sentinel that must survive.
TEST_P(TmaStore2D, RaggedTilesAreClipped) {
  const auto [M, N] = GetParam();
  const int ld = (N + 7) / 8 * 8 + 8;
  for (bool bf16 : {false, true}) {
    SCOPED_TRACE(bf16 ? "bf16 64x128" : "f32 64x64");
    const int BM = 64, BN = bf16 ? 128 : 64;
    auto k = Kernel::load("tests/tma_store.tile", "store_2d",
                          {{"BM", BM}, {"BN", BN},
                           {"T", lacc::ConstValue::type(bf16 ? "bf16" : "f32")}});
    ASSERT_TRUE(k);
    lacc::Grid grid((M + BM - 1) / BM + 1, (N + BN - 1) / BN + 1);
    const size_t size = size_t(M + BM) * ld;
    auto inside = [&](size_t i) { return int(i / ld) < M && int(i % ld) < N; };
    std::vector<double> values;
    if (bf16) {
      BF16 x = randomBF16(size, 95 + M, values), y(size, 0x7fc1);
      k->run(grid, x, y, M, N, ld, ld);
      for (size_t i = 0; i < size; ++i)
        ASSERT_EQ(y[i], inside(i) ? x[i] : 0x7fc1) << "row " << i / ld << ", column " << i % ld;
    } else {
      std::vector<float> x = randomF32(size, 96 + M, values), y(size, -12345.0f);
      k->run(grid, x, y, M, N, ld, ld);
      for (size_t i = 0; i < size; ++i)
        ASSERT_EQ(y[i], inside(i) ? x[i] : -12345.0f) << "row " << i / ld << ", column " << i % ld;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, TmaStore2D,
                         ::testing::Values(StoreShape{1, 1}, StoreShape{63, 65},
                                           StoreShape{64, 128}, StoreShape{130, 200},
                                           StoreShape{100, 37}),
                         [](const ::testing::TestParamInfo<StoreShape> &info) {
                           return std::to_string(info.param.M) + "x" +
                                  std::to_string(info.param.N);
                         });

class TmaStoreHeads : public ::testing::TestWithParam<Rank3Walk> {};

/// store_heads on (heads, n, 64) bf16 in blocks of 64 rows through a rank-3 descriptor (on
/// sm_90a TMA stores of rank-3 tensor maps, box 1x64x64), the blocks aligned or shifted 5
/// rows up (the first block starts before row 0: the TMA faults on a negative coordinate, so
/// that block takes the pointer store), a head past the last and a block past the rows: y's
/// `gap` rows after each head's n, the head after the last (y has one more) and everything
/// outside [0, n) stay the sentinel. With the 2-D tile and with the whole 1x64x64 block.
TEST_P(TmaStoreHeads, BlocksOfOneHeadAreClipped) {
  const auto [heads, n, gap] = GetParam();
  const int D = 64, BLOCK = 64, rows = n + gap;
  for (int shift : {0, 5})
    for (bool full : {false, true}) {
      SCOPED_TRACE(std::string(full ? "1x64x64 block" : "64x64 tile") + ", shift " +
                   std::to_string(shift));
      auto k = Kernel::load("tests/tma_store.tile", "store_heads",
                            {{"D", D}, {"BLOCK", BLOCK}, {"FULL", full}});
      ASSERT_TRUE(k);
      const size_t size = size_t(heads + 1) * rows * D;
      std::vector<double> values;
      BF16 x = randomBF16(size, 97 + n + shift, values), y(size, 0x7fc1);
      lacc::Grid grid(heads + 1, (n + shift + BLOCK - 1) / BLOCK + 1);
      k->run(grid, x, y, heads, n, rows * D, shift);
      for (size_t i = 0; i < size; ++i) {
        int h = int(i / (size_t(rows) * D)), r = int(i / D % rows);
        ASSERT_EQ(y[i], h < heads && r < n ? x[i] : 0x7fc1)
            << "head " << h << ", row " << r << ", column " << i % D;
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Shapes, TmaStoreHeads,
                         ::testing::Values(Rank3Walk{2, 1, 3}, Rank3Walk{3, 63, 0},
                                           Rank3Walk{2, 64, 1}, Rank3Walk{3, 100, 5},
                                           Rank3Walk{2, 130, 3}),
                         rank3WalkName);

} // namespace
