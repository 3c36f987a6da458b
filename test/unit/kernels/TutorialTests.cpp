//===- TutorialTests.cpp - Triton's tutorials ported to lacc --------------===//
//
// kernels/tutorials/*.tile through the runtime (KernelHarness.h: the CPU
// interpreter, or the GPU with LACC_TEST_DEVICE=gpu) on random data with
// ragged sizes, against plain fp64 references computed from the same
// (rounded) inputs. Their dtype and string constants are ConstValue::type and
// ConstValue::string. One check stays on the interpreter alone (InterpHarness.h):
// tutorial 06 run directly and after code generation's block-pointer rewrite
// must give the same bits.
//
//===----------------------------------------------------------------------===//

#include "test/unit/kernels/InterpHarness.h"
#include "test/unit/kernels/KernelHarness.h"

using namespace lacc::test;
namespace num = lacc::interp::num;

namespace {

using lacc::ConstValue;

/// A buffer of one floating-point type, with the exact values it holds.
struct Floats {
  std::string dtype; // "f32", "f16" or "bf16"
  std::vector<uint8_t> bytes;
  std::vector<double> values;

  Floats(std::string type, size_t n) : dtype(std::move(type)), bytes(n * width()), values(n) {}
  size_t width() const { return dtype == "f32" ? 4 : 2; }
  size_t size() const { return values.size(); }
  void set(size_t i, double v) {
    if (dtype == "f32") {
      float f = static_cast<float>(v);
      std::memcpy(&bytes[4 * i], &f, 4);
      values[i] = f;
      return;
    }
    uint16_t h = dtype == "f16" ? num::floatToHalfBits(num::toOddFloat(v))
                                : num::floatToBF16Bits(num::toOddFloat(v));
    std::memcpy(&bytes[2 * i], &h, 2);
    values[i] = dtype == "f16" ? num::halfBitsToFloat(h) : num::bf16BitsToFloat(h);
  }
  /// Re-reads what a kernel wrote.
  std::vector<double> read() const {
    std::vector<double> out(size());
    for (size_t i = 0; i < size(); ++i) {
      if (dtype == "f32") {
        float f;
        std::memcpy(&f, &bytes[4 * i], 4);
        out[i] = f;
      } else {
        uint16_t h;
        std::memcpy(&h, &bytes[2 * i], 2);
        out[i] = dtype == "f16" ? num::halfBitsToFloat(h) : num::bf16BitsToFloat(h);
      }
    }
    return out;
  }
  static Floats random(std::string type, size_t n, uint32_t seed, double scale = 1.0) {
    Floats f(std::move(type), n);
    std::mt19937 rng(seed);
    std::normal_distribution<double> dist(0.0, scale);
    for (size_t i = 0; i < n; ++i)
      f.set(i, dist(rng));
    return f;
  }
  /// NaN everywhere, so that an element a kernel fails to write is caught.
  static Floats poisoned(std::string type, size_t n) {
    Floats f(std::move(type), n);
    for (size_t i = 0; i < n; ++i)
      f.set(i, NAN);
    return f;
  }
};

/// Where a kernel wrote nothing the buffer keeps its NaN poison.
bool allWritten(const std::vector<double> &v) {
  return std::none_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
}

/// The relative precision of one rounding to a type.
double unitRoundoff(const std::string &dtype) {
  return dtype == "f32" ? 0x1p-24 : dtype == "f16" ? 0x1p-11 : 0x1p-8;
}

uint32_t programs(int64_t n, int64_t block) { return static_cast<uint32_t>((n + block - 1) / block); }

//===----------------------------------------------------------------------===//
// 01: vector addition
//===----------------------------------------------------------------------===//

class VectorAddTutorial : public ::testing::TestWithParam<std::tuple<const char *, int>> {};

TEST_P(VectorAddTutorial, ExactlyRoundedSum) {
  auto [dtype, n] = GetParam();
  auto k = Kernel::load("tutorials/01-vector-add.tile", "add_kernel",
                        {{"BLOCK_SIZE", 256}, {"DTYPE", ConstValue::type(dtype)}});
  ASSERT_TRUE(k);
  Floats x = Floats::random(dtype, n, n), y = Floats::random(dtype, n, n + 1);
  Floats out = Floats::poisoned(dtype, n + 5);
  k->run(lacc::Grid(programs(n, 256)), x.bytes, y.bytes, out.bytes, n);
  std::vector<double> got = out.read();
  for (int i = 0; i < n; ++i) { // one rounding of the exact sum
    Floats want(dtype, 1);
    want.set(0, x.values[i] + y.values[i]);
    ASSERT_EQ(got[i], want.values[0]) << dtype << " at " << i;
  }
  for (int i = n; i < n + 5; ++i)
    ASSERT_TRUE(std::isnan(got[i])) << "wrote past n_elements at " << i;
}

INSTANTIATE_TEST_SUITE_P(Sizes, VectorAddTutorial,
                         ::testing::Combine(::testing::Values("f32", "bf16", "f16"),
                                            ::testing::Values(1, 255, 1000, 4097)));

//===----------------------------------------------------------------------===//
// 02: fused softmax
//===----------------------------------------------------------------------===//

class SoftmaxTutorial
    : public ::testing::TestWithParam<std::tuple<const char *, std::pair<int, int>>> {};

TEST_P(SoftmaxTutorial, MatchesFp64) {
  auto [dtype, shape] = GetParam();
  auto [rows, cols] = shape;
  auto k = Kernel::load("tutorials/02-fused-softmax.tile", "softmax_kernel",
                        {{"BLOCK_SIZE", 128}, {"DTYPE", ConstValue::type(dtype)}});
  ASSERT_TRUE(k);
  // The row stride is wider than a row; fewer programs than rows, so each program loops.
  int stride = cols + 3;
  Floats x = Floats::random(dtype, rows * stride, rows * 31 + cols, 3.0);
  Floats y = Floats::poisoned(dtype, rows * stride);
  k->run(lacc::Grid(3), y.bytes, x.bytes, stride, stride, rows, cols);
  std::vector<double> got = y.read(), want, out;
  for (int r = 0; r < rows; ++r) {
    double m = -INFINITY, s = 0;
    for (int c = 0; c < cols; ++c)
      m = std::max(m, x.values[r * stride + c]);
    for (int c = 0; c < cols; ++c)
      s += std::exp(x.values[r * stride + c] - m);
    for (int c = 0; c < cols; ++c) {
      want.push_back(std::exp(x.values[r * stride + c] - m) / s);
      out.push_back(got[r * stride + c]);
    }
  }
  ASSERT_TRUE(allWritten(out));
  EXPECT_LT(relativeError(out, want), 8 * unitRoundoff(dtype) + 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Shapes, SoftmaxTutorial,
                         ::testing::Combine(::testing::Values("f32", "bf16"),
                                            ::testing::Values(std::pair{1, 1}, std::pair{7, 100},
                                                              std::pair{4, 128},
                                                              std::pair{10, 33})));

//===----------------------------------------------------------------------===//
// 03: matrix multiplication, grouped ordering, string-constexpr activation
//===----------------------------------------------------------------------===//

struct MatmulCase {
  const char *ab, *c, *activation;
  int M, N, K;
  bool bTransposed; // B read through strides (1, K): a non-contiguous operand
};

class MatmulTutorial : public ::testing::TestWithParam<MatmulCase> {};

TEST_P(MatmulTutorial, MatchesFp64) {
  MatmulCase t = GetParam();
  Defines defines = {{"BLOCK_SIZE_M", 32},
                     {"BLOCK_SIZE_N", 16},
                     {"BLOCK_SIZE_K", 16},
                     {"GROUP_SIZE_M", 2},
                     {"AB_DTYPE", ConstValue::type(t.ab)},
                     {"C_DTYPE", ConstValue::type(t.c)}};
  if (*t.activation)
    defines.emplace("ACTIVATION", ConstValue::string(t.activation));
  auto k = Kernel::load("tutorials/03-matrix-multiplication.tile", "matmul_kernel", defines);
  ASSERT_TRUE(k);
  const int M = t.M, N = t.N, K = t.K;
  Floats a = Floats::random(t.ab, M * K, M * 7 + K), b = Floats::random(t.ab, K * N, N * 5 + K);
  Floats c = Floats::poisoned(t.c, M * N);
  int sbk = t.bTransposed ? 1 : N, sbn = t.bTransposed ? K : 1;
  uint32_t grid = programs(M, 32) * programs(N, 16);
  k->run(lacc::Grid(grid), a.bytes, b.bytes, c.bytes, M, N, K, K, 1, sbk, sbn, N, 1);
  std::vector<double> want(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      for (int kk = 0; kk < K; ++kk)
        s += a.values[i * K + kk] * b.values[kk * sbk + j * sbn];
      want[i * N + j] = std::string(t.activation) == "leaky_relu" && s < 0 ? 0.01 * s : s;
    }
  std::vector<double> got = c.read();
  ASSERT_TRUE(allWritten(got));
  // f32 inputs multiply as tf32 (10-bit mantissas): about 2^-11 per operand.
  double tolerance = 4 * unitRoundoff(t.c) + (std::string(t.ab) == "f32" ? 2e-3 : 1e-5);
  EXPECT_LT(relativeError(got, want), tolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MatmulTutorial,
    ::testing::Values(MatmulCase{"f16", "f16", "", 70, 45, 37, false},
                      MatmulCase{"f16", "f32", "leaky_relu", 33, 50, 64, true},
                      MatmulCase{"bf16", "bf16", "leaky_relu", 64, 17, 20, false},
                      MatmulCase{"f32", "f32", "", 40, 40, 40, true},
                      MatmulCase{"f16", "bf16", "", 1, 1, 1, false}));

//===----------------------------------------------------------------------===//
// 05: layer norm, forward and backward (spin lock over partial sums)
//===----------------------------------------------------------------------===//

class LayerNormTutorial : public ::testing::TestWithParam<std::tuple<const char *, int, int>> {};

TEST_P(LayerNormTutorial, ForwardAndBackwardMatchFp64) {
  auto [dtype, M, N] = GetParam();
  const double eps = 1e-5;
  const int GROUP = 4, BLOCK_N = 512;
  auto fwd = Kernel::load("tutorials/05-layer-norm.tile", "_layer_norm_fwd_fused",
                          {{"BLOCK_SIZE", 128}, {"DTYPE", ConstValue::type(dtype)}});
  auto dxk = Kernel::load("tutorials/05-layer-norm.tile", "_layer_norm_bwd_dx_fused",
                          {{"GROUP_SIZE_M", GROUP},
                           {"BLOCK_SIZE_N", BLOCK_N},
                           {"DTYPE", ConstValue::type(dtype)}});
  auto dwdb = Kernel::load("tutorials/05-layer-norm.tile", "_layer_norm_bwd_dwdb",
                           {{"BLOCK_SIZE_M", 8},
                            {"BLOCK_SIZE_N", 64},
                            {"DTYPE", ConstValue::type(dtype)}});
  ASSERT_TRUE(fwd && dxk && dwdb);
  Floats x = Floats::random(dtype, M * N, M + N, 2.0), dy = Floats::random(dtype, M * N, N);
  Floats w = Floats::random(dtype, N, 3), b = Floats::random(dtype, N, 4);
  for (int i = 0; i < N; ++i) // weights around 1, biases small
    w.set(i, 1 + 0.1 * w.values[i]), b.set(i, 0.1 * b.values[i]);
  Floats y = Floats::poisoned(dtype, M * N), dx = Floats::poisoned(dtype, M * N);
  Floats partialDw = Floats::poisoned(dtype, GROUP * N), partialDb = Floats::poisoned(dtype, GROUP * N);
  Floats finalDw = Floats::poisoned(dtype, N), finalDb = Floats::poisoned(dtype, N);
  std::vector<float> mean(M, NAN), rstd(M, NAN);
  std::vector<int32_t> lock(2 * GROUP, 0);

  fwd->run(lacc::Grid(M), x.bytes, y.bytes, w.bytes, b.bytes, mean, rstd, N, N, float(eps));
  // Programs that share a partial row take turns through the spin lock (on the GPU, at once).
  dxk->run(lacc::Grid(M), dx.bytes, dy.bytes, partialDw.bytes, partialDb.bytes, x.bytes, w.bytes,
           mean, rstd, lock, N, N);
  dwdb->run(lacc::Grid(programs(N, 64)), partialDw.bytes, partialDb.bytes, finalDw.bytes,
            finalDb.bytes, std::min(GROUP, M), N);

  std::vector<double> yRef(M * N), dxRef(M * N), dwRef(N, 0), dbRef(N, 0), meanRef(M), rstdRef(M);
  for (int r = 0; r < M; ++r) {
    const double *xr = &x.values[r * N], *g = &dy.values[r * N];
    double mu = 0, var = 0;
    for (int c = 0; c < N; ++c)
      mu += xr[c];
    mu /= N;
    for (int c = 0; c < N; ++c)
      var += (xr[c] - mu) * (xr[c] - mu);
    double rs = 1 / std::sqrt(var / N + eps), c1 = 0, c2 = 0;
    meanRef[r] = mu, rstdRef[r] = rs;
    for (int c = 0; c < N; ++c) {
      double xhat = (xr[c] - mu) * rs, wdy = w.values[c] * g[c];
      yRef[r * N + c] = xhat * w.values[c] + b.values[c];
      c1 += xhat * wdy / N;
      c2 += wdy / N;
      dwRef[c] += g[c] * xhat;
      dbRef[c] += g[c];
    }
    for (int c = 0; c < N; ++c) {
      double xhat = (xr[c] - mu) * rs, wdy = w.values[c] * g[c];
      dxRef[r * N + c] = (wdy - (xhat * c1 + c2)) * rs;
    }
  }
  double u = unitRoundoff(dtype);
  EXPECT_LT(relativeError(toDouble(mean), meanRef), 1e-5);
  EXPECT_LT(relativeError(toDouble(rstd), rstdRef), 1e-5);
  EXPECT_LT(relativeError(y.read(), yRef), 4 * u + 1e-6);
  EXPECT_LT(relativeError(dx.read(), dxRef), 8 * u + 1e-5);
  // The partial rows are stored in DTYPE after every row that joins them.
  EXPECT_LT(relativeError(finalDw.read(), dwRef), (8 + M / GROUP) * u + 1e-5);
  EXPECT_LT(relativeError(finalDb.read(), dbRef), (8 + M / GROUP) * u + 1e-5);
  // Every lock released; every used group's count set.
  for (int g = 0; g < GROUP; ++g) {
    EXPECT_EQ(lock[g], 0) << "lock " << g;
    EXPECT_EQ(lock[GROUP + g], g < M ? 1 : 0) << "count " << g;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LayerNormTutorial,
                         ::testing::Values(std::tuple{"f32", 19, 300}, std::tuple{"f16", 19, 300},
                                           std::tuple{"bf16", 6, 128}, std::tuple{"f32", 3, 1},
                                           std::tuple{"f32", 9, 512}));

//===----------------------------------------------------------------------===//
// 06: fused attention forward, causal and not
//===----------------------------------------------------------------------===//

struct AttentionCase {
  int Z, H, N_CTX;
  bool causal;
  const char *dtype;
};

constexpr int kHeadDim = 32, kBlockM = 32, kBlockN = 16;

Defines attentionDefines(const AttentionCase &t) {
  return {{"HEAD_DIM", kHeadDim},
          {"BLOCK_M", kBlockM},
          {"BLOCK_N", kBlockN},
          {"STAGE", t.causal ? 3 : 1},
          {"DTYPE", ConstValue::type(t.dtype)}};
}

/// O = softmax(q k^T * scale [causal]) v and M = log2-sum-exp of the base-2 logits, in fp64.
void attentionReference(const AttentionCase &t, const Floats &q, const Floats &k, const Floats &v,
                        double smScale, std::vector<double> &oRef, std::vector<double> &mRef) {
  const int D = kHeadDim, Z = t.Z, H = t.H, N = t.N_CTX;
  oRef.assign(Z * H * N * D, 0);
  mRef.assign(Z * H * N, 0);
  const double log2e = 1.44269504; // the kernel's constant
  for (int zh = 0; zh < Z * H; ++zh)
    for (int i = 0; i < N; ++i) {
      const double *qi = &q.values[(zh * N + i) * D];
      std::vector<double> s(N, -INFINITY);
      double mx = -INFINITY;
      int last = t.causal ? i : N - 1;
      for (int j = 0; j <= last; ++j) {
        double d = 0;
        for (int e = 0; e < D; ++e)
          d += qi[e] * k.values[(zh * N + j) * D + e];
        s[j] = d * smScale * log2e;
        mx = std::max(mx, s[j]);
      }
      double l = 0;
      for (int j = 0; j <= last; ++j)
        l += std::exp2(s[j] - mx);
      mRef[zh * N + i] = mx + std::log2(l);
      for (int e = 0; e < D; ++e) {
        double o = 0;
        for (int j = 0; j <= last; ++j)
          o += std::exp2(s[j] - mx) * v.values[(zh * N + j) * D + e];
        oRef[(zh * N + i) * D + e] = o / l;
      }
    }
}

class AttentionTutorial : public ::testing::TestWithParam<AttentionCase> {};

TEST_P(AttentionTutorial, MatchesFp64) {
  AttentionCase t = GetParam();
  const double smScale = 0.5 / std::sqrt(kHeadDim);
  const int D = kHeadDim, Z = t.Z, H = t.H, N = t.N_CTX;
  Floats q = Floats::random(t.dtype, Z * H * N * D, N + 1),
         kk = Floats::random(t.dtype, Z * H * N * D, N + 2),
         v = Floats::random(t.dtype, Z * H * N * D, N + 3);
  std::vector<double> oRef, mRef;
  attentionReference(t, q, kk, v, smScale, oRef, mRef);
  auto k = Kernel::load("tutorials/06-fused-attention.tile", "_attn_fwd", attentionDefines(t));
  ASSERT_TRUE(k);
  // Q, K, V, Out are [Z, H, N, D] contiguous; K is read through its transpose's strides.
  int sh = N * D, sz = H * sh;
  Floats out = Floats::poisoned(t.dtype, Z * H * N * D);
  std::vector<float> m(Z * H * N + 4, NAN);
  k->run(lacc::Grid(programs(N, kBlockM), Z * H), q.bytes, kk.bytes, v.bytes, float(smScale), m,
         out.bytes, sz, sh, D, 1, sz, sh, D, 1, sz, sh, D, 1, sz, sh, D, 1, Z, H, N);
  std::vector<double> o = out.read();
  ASSERT_TRUE(allWritten(o));
  EXPECT_LT(relativeError(o, oRef), 4e-3);
  std::vector<double> md(m.begin(), m.begin() + Z * H * N);
  EXPECT_LT(relativeError(md, mRef), 1e-5);
  for (int i = Z * H * N; i < Z * H * N + 4; ++i)
    EXPECT_TRUE(std::isnan(m[i])) << "wrote M past its end at " << i;
}

INSTANTIATE_TEST_SUITE_P(Cases, AttentionTutorial,
                         ::testing::Values(AttentionCase{1, 2, 77, true, "f16"},
                                           AttentionCase{2, 1, 77, false, "f16"},
                                           AttentionCase{1, 1, 64, true, "bf16"},
                                           AttentionCase{1, 1, 5, false, "f16"}));

/// The interpreter runs block pointers directly and after code generation's rewrite into
/// pointer tiles and masks (tile-rewrite-block-pointers): the two must give the same bits.
TEST(AttentionTutorialOnTheInterpreter, BlockPointerRewriteGivesTheSameBits) {
  AttentionCase t{1, 2, 77, true, "f16"};
  const double smScale = 0.5 / std::sqrt(kHeadDim);
  const int D = kHeadDim, Z = t.Z, H = t.H, N = t.N_CTX;
  Floats q = Floats::random(t.dtype, Z * H * N * D, 5), kk = Floats::random(t.dtype, Z * H * N * D, 6),
         v = Floats::random(t.dtype, Z * H * N * D, 7);
  direct::Defines defines;
  for (const auto &[name, value] : attentionDefines(t))
    defines.emplace_back(name, value.toString());
  int sh = N * D, sz = H * sh;
  std::vector<std::vector<uint8_t>> outputs;
  for (bool rewrite : {false, true}) {
    auto k = direct::Kernel::load("tutorials/06-fused-attention.tile", "_attn_fwd", defines);
    ASSERT_TRUE(k);
    if (rewrite)
      k->rewriteBlockPointers();
    Floats out = Floats::poisoned(t.dtype, Z * H * N * D);
    std::vector<float> m(Z * H * N, NAN);
    using direct::KernelArg;
    std::vector<KernelArg> args = {KernelArg::pointer(q.bytes.data()),
                                   KernelArg::pointer(kk.bytes.data()),
                                   KernelArg::pointer(v.bytes.data()),
                                   KernelArg::f32(smScale), direct::ptr(m),
                                   KernelArg::pointer(out.bytes.data())};
    for (int tensor = 0; tensor < 4; ++tensor)
      for (int stride : {sz, sh, D, 1})
        args.push_back(KernelArg::i32(stride));
    for (int dim : {Z, H, N})
      args.push_back(KernelArg::i32(dim));
    auto buffer = [](std::vector<uint8_t> &b) { return direct::Buffer{b.data(), b.size()}; };
    k->run({programs(N, kBlockM), static_cast<uint32_t>(Z * H), 1}, args,
           {buffer(q.bytes), buffer(kk.bytes), buffer(v.bytes), direct::buf(m), buffer(out.bytes)});
    ASSERT_TRUE(allWritten(out.read())) << (rewrite ? "after the rewrite" : "direct");
    outputs.push_back(out.bytes);
  }
  EXPECT_EQ(outputs[0], outputs[1]);
}

/// The tutorial's fp8 path: V in f8e5m2, and P rounded to f8e5m2 (2 mantissa bits) before the P V
/// product. The reference keeps P exact, so the tolerance is that of a 2-bit mantissa, averaged
/// over the keys; broken fp8 loads or conversions are off by far more.
TEST(AttentionTutorialFp8, ValuesInE5M2) {
  const int D = 32, N = 45;
  const double smScale = 0.5 / std::sqrt(D);
  auto k = Kernel::load("tutorials/06-fused-attention.tile", "_attn_fwd",
                        {{"HEAD_DIM", 32},
                         {"BLOCK_M", 16},
                         {"BLOCK_N", 16},
                         {"STAGE", 1},
                         {"V_DTYPE", ConstValue::type("f8e5m2")}});
  ASSERT_TRUE(k);
  Floats q = Floats::random("f16", N * D, 11), kk = Floats::random("f16", N * D, 12);
  std::vector<uint8_t> v(N * D);
  std::vector<double> vValues(N * D);
  std::mt19937 rng(13);
  std::normal_distribution<double> dist;
  for (int i = 0; i < N * D; ++i) {
    vValues[i] = num::roundToE5M2(dist(rng));
    v[i] = num::miniBits(vValues[i], num::kE5M2);
  }
  std::vector<double> oRef(N * D);
  for (int i = 0; i < N; ++i) {
    std::vector<double> s(N);
    double mx = -INFINITY, l = 0;
    for (int j = 0; j < N; ++j) {
      double d = 0;
      for (int e = 0; e < D; ++e)
        d += q.values[i * D + e] * kk.values[j * D + e];
      s[j] = d * smScale;
      mx = std::max(mx, s[j]);
    }
    for (int j = 0; j < N; ++j)
      l += std::exp(s[j] - mx);
    for (int e = 0; e < D; ++e) {
      double o = 0;
      for (int j = 0; j < N; ++j)
        o += std::exp(s[j] - mx) * vValues[j * D + e];
      oRef[i * D + e] = o / l;
    }
  }
  Floats out = Floats::poisoned("f16", N * D);
  std::vector<float> m(N, NAN);
  k->run(lacc::Grid(programs(N, 16)), q.bytes, kk.bytes, v, float(smScale), m, out.bytes,
         N * D, N * D, D, 1, N * D, N * D, D, 1, N * D, N * D, D, 1, N * D, N * D, D, 1, 1, 1, N);
  std::vector<double> o = out.read();
  ASSERT_TRUE(allWritten(o));
  double error = relativeError(o, oRef);
  EXPECT_LT(error, 0.05);
  EXPECT_GT(error, 1e-3) << "P should have been rounded to f8e5m2";
}


//===----------------------------------------------------------------------===//
// 06: fused attention backward (forward, then _attn_bwd_preprocess and _attn_bwd)
//===----------------------------------------------------------------------===//

struct AttentionBwdCase {
  int Z, H, N_CTX;
  bool causal;
  const char *dtype;
  int BLOCK_M1, BLOCK_N1, BLOCK_M2, BLOCK_N2; // the tutorial's: 32, 128, 128, 32
};

std::ostream &operator<<(std::ostream &os, const AttentionBwdCase &t) {
  return os << "Z" << t.Z << " H" << t.H << " N_CTX" << t.N_CTX << (t.causal ? " causal " : " ")
            << t.dtype << " blocks " << t.BLOCK_M1 << "/" << t.BLOCK_N1 << "/" << t.BLOCK_M2 << "/"
            << t.BLOCK_N2;
}

/// The gradients of O = softmax(q k^T * scale [causal]) v for the upstream gradient dO, in fp64:
/// dV = P^T dO, dS = P (dO v^T - rowsum(O dO)), dQ = dS k * scale, dK = dS^T q * scale.
void attentionGradReference(const AttentionBwdCase &t, int D, double smScale, const Floats &q,
                            const Floats &k, const Floats &v, const Floats &dO,
                            std::vector<double> &dq, std::vector<double> &dk,
                            std::vector<double> &dv) {
  const int N = t.N_CTX;
  dq.assign(t.Z * t.H * N * D, 0);
  dk.assign(t.Z * t.H * N * D, 0);
  dv.assign(t.Z * t.H * N * D, 0);
  for (int zh = 0; zh < t.Z * t.H; ++zh) {
    auto at = [&](const std::vector<double> &x, int row, int e) { return x[(zh * N + row) * D + e]; };
    for (int i = 0; i < N; ++i) {
      int last = t.causal ? i : N - 1;
      std::vector<double> p(last + 1), dp(last + 1);
      double mx = -INFINITY, l = 0;
      for (int j = 0; j <= last; ++j) {
        double s = 0;
        for (int e = 0; e < D; ++e)
          s += at(q.values, i, e) * at(k.values, j, e);
        p[j] = s * smScale;
        mx = std::max(mx, p[j]);
      }
      for (int j = 0; j <= last; ++j)
        l += (p[j] = std::exp(p[j] - mx));
      double delta = 0;
      for (int j = 0; j <= last; ++j) {
        p[j] /= l;
        double d = 0;
        for (int e = 0; e < D; ++e)
          d += at(dO.values, i, e) * at(v.values, j, e);
        dp[j] = d;
        delta += p[j] * d;
      }
      for (int j = 0; j <= last; ++j) {
        double ds = p[j] * (dp[j] - delta);
        for (int e = 0; e < D; ++e) {
          dq[(zh * N + i) * D + e] += ds * smScale * at(k.values, j, e);
          dk[(zh * N + j) * D + e] += ds * smScale * at(q.values, i, e);
          dv[(zh * N + j) * D + e] += p[j] * at(dO.values, i, e);
        }
      }
    }
  }
}

class AttentionBackwardTutorial : public ::testing::TestWithParam<AttentionBwdCase> {};

TEST_P(AttentionBackwardTutorial, GradientsMatchFp64) {
  const AttentionBwdCase t = GetParam();
  const int D = 64, Z = t.Z, H = t.H, N = t.N_CTX, PRE_BLOCK = 128, GUARD = 2 * D;
  const double smScale = 0.5, RCP_LN2 = 1.4426950408889634; // the tutorial's test_op and wrapper
  const size_t n = size_t(Z) * H * N * D;
  auto fwd = Kernel::load("tutorials/06-fused-attention.tile", "_attn_fwd",
                          {{"HEAD_DIM", D},
                           {"BLOCK_M", 64},
                           {"BLOCK_N", 32},
                           {"STAGE", t.causal ? 3 : 1},
                           {"DTYPE", ConstValue::type(t.dtype)}});
  auto pre = Kernel::load("tutorials/06-fused-attention.tile", "_attn_bwd_preprocess",
                          {{"BLOCK_M", PRE_BLOCK}, {"HEAD_DIM", D}, {"DTYPE", ConstValue::type(t.dtype)}});
  auto bwd = Kernel::load("tutorials/06-fused-attention.tile", "_attn_bwd",
                          {{"BLOCK_M1", t.BLOCK_M1},
                           {"BLOCK_N1", t.BLOCK_N1},
                           {"BLOCK_M2", t.BLOCK_M2},
                           {"BLOCK_N2", t.BLOCK_N2},
                           {"BLK_SLICE_FACTOR", 2},
                           {"HEAD_DIM", D},
                           {"CAUSAL", t.causal},
                           {"DTYPE", ConstValue::type(t.dtype)}});
  ASSERT_TRUE(fwd && pre && bwd);
  // The tutorial's test_op: q, k, v ~ N(0, 0.5), dout ~ N(0, 1), sm_scale = 0.5.
  Floats q = Floats::random(t.dtype, n, N + 11, 0.5), k = Floats::random(t.dtype, n, N + 12, 0.5),
         v = Floats::random(t.dtype, n, N + 13, 0.5), dO = Floats::random(t.dtype, n, N + 14);
  // Q, K, V, O, dO, dQ, dK, dV: [Z, H, N_CTX, HEAD_DIM] contiguous, one set of strides; the
  // outputs of the backward have a poisoned guard past their end.
  const int sh = N * D, sz = H * sh;
  Floats o = Floats::poisoned(t.dtype, n);
  std::vector<float> m(Z * H * N + 4, NAN), delta(Z * H * N + 4, NAN);
  fwd->run(lacc::Grid(programs(N, 64), Z * H), q.bytes, k.bytes, v.bytes, float(smScale), m,
           o.bytes, sz, sh, D, 1, sz, sh, D, 1, sz, sh, D, 1, sz, sh, D, 1, Z, H, N);
  // The wrapper's backward: arg_k = k * (sm_scale * RCP_LN2) in the input type, the
  // preprocessing, then one program per block of BLOCK_N1 keys (and of BLOCK_M2 queries).
  Floats argK(t.dtype, n);
  for (size_t i = 0; i < n; ++i)
    argK.set(i, k.values[i] * (smScale * RCP_LN2));
  pre->run(lacc::Grid(programs(N, PRE_BLOCK), Z * H), o.bytes, dO.bytes, delta, Z, H, N);
  Floats dq = Floats::poisoned(t.dtype, n + GUARD), dk = Floats::poisoned(t.dtype, n + GUARD),
         dv = Floats::poisoned(t.dtype, n + GUARD);
  bwd->run(lacc::Grid(programs(N, t.BLOCK_N1), 1, Z * H), q.bytes, argK.bytes, v.bytes,
           float(smScale), dO.bytes, dq.bytes, dk.bytes, dv.bytes, m, delta, sz, sh, D, 1, H, N);

  // Delta = rowsum(O dO) from the stored O, in f32.
  std::vector<double> oGot = o.read(), deltaRef(Z * H * N, 0);
  ASSERT_TRUE(allWritten(oGot));
  for (int r = 0; r < Z * H * N; ++r)
    for (int e = 0; e < D; ++e)
      deltaRef[r] += oGot[size_t(r) * D + e] * dO.values[size_t(r) * D + e];
  EXPECT_LT(relativeError(toDouble(delta), deltaRef), 1e-5) << t;
  for (int i = Z * H * N; i < Z * H * N + 4; ++i)
    EXPECT_TRUE(std::isnan(delta[i])) << "wrote Delta past its end at " << i;

  std::vector<double> dqRef, dkRef, dvRef;
  attentionGradReference(t, D, smScale, q, k, v, dO, dqRef, dkRef, dvRef);
  struct Grad {
    const char *name;
    const Floats &got;
    const std::vector<double> &want;
  };
  for (const Grad &g : {Grad{"dq", dq, dqRef}, Grad{"dk", dk, dkRef}, Grad{"dv", dv, dvRef}}) {
    std::vector<double> all = g.got.read(), got(all.begin(), all.begin() + n);
    ASSERT_TRUE(allWritten(got)) << g.name << " " << t;
    for (size_t i = n; i < all.size(); ++i)
      ASSERT_TRUE(std::isnan(all[i])) << "wrote " << g.name << " past its end at " << i;
    double error = relativeError(got, g.want);
    // P and dS are rounded to DTYPE before their products (as in the tutorial), and so are
    // arg_k, O and the outputs: a few units of DTYPE's roundoff, as the forward's O (measured:
    // about one unit, 4e-4 in f16 and 3e-3 in bf16).
    EXPECT_LT(error, 4 * unitRoundoff(t.dtype)) << g.name << " " << t;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AttentionBackwardTutorial,
    ::testing::Values(
        // The tutorial's blocks; N_CTX = 128 is one key block (the diagonal one when causal).
        AttentionBwdCase{1, 2, 128, true, "f16", 32, 128, 128, 32},
        AttentionBwdCase{2, 2, 128, false, "f16", 32, 128, 128, 32},
        AttentionBwdCase{1, 2, 256, true, "f16", 32, 128, 128, 32},
        // Smaller blocks: two programs per head, so the unmasked sweeps run after the diagonal.
        AttentionBwdCase{2, 2, 128, true, "f16", 16, 64, 64, 16},
        AttentionBwdCase{1, 2, 128, false, "bf16", 16, 64, 64, 16},
        // Ragged N_CTX (the tutorial asserts N_CTX % 128 == 0; this port masks instead).
        AttentionBwdCase{1, 2, 100, true, "f16", 16, 64, 64, 16},
        AttentionBwdCase{2, 2, 77, false, "f16", 32, 128, 128, 32}));

} // namespace
