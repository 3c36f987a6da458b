//===- KernelTests.cpp - numerics of the non-attention kernels ------------===//
//
// Each kernel of kernels/ runs through the runtime (on the CPU interpreter,
// or the GPU: KernelHarness.h) on fresh random data (fixed seeds, ragged
// sizes) and is compared with a plain fp64 reference computed from the same
// (bf16-rounded) inputs.
//
//===----------------------------------------------------------------------===//

#include "test/unit/kernels/KernelHarness.h"

#include <cstring>
#include <sstream>

using namespace lacc::test;

namespace {

// bf16 outputs are rounded once: a relative error of a few 2^-9.
constexpr double kBF16Tolerance = 5e-3;

//===----------------------------------------------------------------------===//
// vector_add
//===----------------------------------------------------------------------===//

class VectorAdd : public ::testing::TestWithParam<int> {};

TEST_P(VectorAdd, MatchesExactSum) {
  int n = GetParam();
  auto k = Kernel::load("vector_add.tile", "vector_add", {{"BLOCK", 256}});
  ASSERT_TRUE(k);
  std::mt19937 rng(n);
  std::normal_distribution<float> dist;
  std::vector<float> x(n), y(n), z(n + 7, NAN);
  for (int i = 0; i < n; ++i)
    x[i] = dist(rng), y[i] = dist(rng);
  k->run(lacc::Grid((n + 255) / 256), x, y, z, n);
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(z[i], x[i] + y[i]) << "at " << i;
  for (int i = n; i < n + 7; ++i)
    ASSERT_TRUE(std::isnan(z[i])) << "wrote past n at " << i;
}

INSTANTIATE_TEST_SUITE_P(Sizes, VectorAdd, ::testing::Values(1, 255, 256, 257, 1000, 4097));

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

std::vector<double> softmaxRef(const std::vector<double> &x, int rows, int cols) {
  std::vector<double> y(x.size());
  for (int r = 0; r < rows; ++r) {
    double m = -INFINITY, s = 0;
    for (int c = 0; c < cols; ++c)
      m = std::max(m, x[r * cols + c]);
    for (int c = 0; c < cols; ++c)
      s += std::exp(x[r * cols + c] - m);
    for (int c = 0; c < cols; ++c)
      y[r * cols + c] = std::exp(x[r * cols + c] - m) / s;
  }
  return y;
}

class Softmax : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(Softmax, F32RowInOneTile) {
  auto [rows, cols] = GetParam();
  auto k = Kernel::load("softmax.tile", "softmax", {{"BLOCK", 1024}});
  ASSERT_TRUE(k);
  std::mt19937 rng(rows * 131 + cols);
  std::normal_distribution<float> dist(0, 3);
  std::vector<float> x(rows * cols), y(rows * cols, NAN);
  for (float &v : x)
    v = dist(rng);
  k->run(lacc::Grid(rows), x, y, rows, cols, cols, cols);
  EXPECT_LT(relativeError(toDouble(y), softmaxRef(toDouble(x), rows, cols)), 1e-6);
}

TEST_P(Softmax, BF16OnlineAcrossChunks) {
  auto [rows, cols] = GetParam();
  auto k = Kernel::load("softmax.tile", "softmax_online", {{"BLOCK", 64}});
  ASSERT_TRUE(k);
  std::vector<double> xd;
  BF16 x = randomBF16(rows * cols, rows * 7 + cols, xd, 3.0), y = poisonedBF16(rows * cols);
  k->run(lacc::Grid(rows), x, y, rows, cols, cols, cols);
  EXPECT_LT(relativeError(toDouble(y), softmaxRef(xd, rows, cols)), kBF16Tolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Softmax,
                         ::testing::Values(std::pair{1, 1}, std::pair{3, 63}, std::pair{2, 64},
                                           std::pair{5, 65}, std::pair{2, 1000}));

//===----------------------------------------------------------------------===//
// SRMSNorm and the output gate
//===----------------------------------------------------------------------===//

class RowNorm : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(RowNorm, SRMSNormForwardAndBackward) {
  auto [rows, cols] = GetParam();
  const double eps = 1e-6;
  auto fwd = Kernel::load("srmsnorm.tile", "srmsnorm_fwd", {{"BLOCK", 1024}});
  auto bwd = Kernel::load("srmsnorm.tile", "srmsnorm_bwd", {{"BLOCK", 1024}});
  ASSERT_TRUE(fwd && bwd);
  std::vector<double> xd, gd;
  BF16 x = randomBF16(rows * cols, 11 + cols, xd, 2.0), dy = randomBF16(rows * cols, 12, gd);
  BF16 y = poisonedBF16(rows * cols), dx = poisonedBF16(rows * cols);
  std::vector<float> rstd(rows, NAN);
  fwd->run(lacc::Grid(rows), x, y, rstd, cols, eps);
  bwd->run(lacc::Grid(rows), x, dy, rstd, dx, cols);
  std::vector<double> yRef(rows * cols), dxRef(rows * cols), rRef(rows);
  for (int r = 0; r < rows; ++r) {
    const double *xr = &xd[r * cols], *g = &gd[r * cols];
    double ss = 0;
    for (int c = 0; c < cols; ++c)
      ss += xr[c] * xr[c];
    double rs = 1 / std::sqrt(ss / cols + eps), dot = 0;
    rRef[r] = rs;
    for (int c = 0; c < cols; ++c)
      dot += xr[c] * rs * g[c];
    for (int c = 0; c < cols; ++c) {
      yRef[r * cols + c] = xr[c] * rs;
      dxRef[r * cols + c] = rs * (g[c] - xr[c] * rs * dot / cols);
    }
  }
  EXPECT_LT(relativeError(toDouble(rstd), rRef), 1e-5);
  EXPECT_LT(relativeError(toDouble(y), yRef), kBF16Tolerance);
  // dx = rs * (g - x_hat * c) cancels: with one column x_hat is +-1 and dx is tiny, set by the
  // f32 rounding of x_hat (and by whether a * b + c is fused). Its error is measured against
  // the size of the terms that cancel, |rs * g|, which for wide rows is the size of dx itself.
  std::vector<double> dxGot = toDouble(dx), diff(rows * cols), scale(rows * cols);
  for (int i = 0; i < rows * cols; ++i) {
    diff[i] = dxGot[i] - dxRef[i];
    scale[i] = rRef[i / cols] * gd[i];
  }
  auto norm = [](const std::vector<double> &v) {
    double s = 0;
    for (double e : v)
      s += e * e;
    return std::sqrt(s);
  };
  EXPECT_LT(norm(diff) / norm(scale), kBF16Tolerance);
  EXPECT_FALSE(std::any_of(dxGot.begin(), dxGot.end(), [](double v) { return std::isnan(v); }));
}

TEST_P(RowNorm, OutputGateForwardAndBackward) {
  auto [rows, cols] = GetParam();
  const double eps = 1e-6;
  auto fwd = Kernel::load("tnl.tile", "gate_norm_fwd", {{"BLOCK", 1024}});
  auto bwd = Kernel::load("tnl.tile", "gate_norm_bwd", {{"BLOCK", 1024}});
  ASSERT_TRUE(fwd && bwd);
  size_t n = rows * cols;
  std::vector<double> od, ud, gd;
  BF16 o = randomBF16(n, 21, od, 1.5), u = randomBF16(n, 22, ud), dy = randomBF16(n, 23, gd);
  BF16 y = poisonedBF16(n), dO = poisonedBF16(n), du = poisonedBF16(n);
  std::vector<float> rstd(rows, NAN);
  const int c = cols;
  fwd->run(lacc::Grid(rows), o, u, y, rstd, c, c, c, c, eps);
  bwd->run(lacc::Grid(rows), o, u, dy, rstd, dO, du, c, c, c, c, c, c);
  std::vector<double> yRef(n), doRef(n), duRef(n);
  double doScale = 0;
  for (int r = 0; r < rows; ++r) {
    size_t base = static_cast<size_t>(r) * cols;
    double ss = 0;
    for (int j = 0; j < cols; ++j)
      ss += od[base + j] * od[base + j];
    double rs = 1 / std::sqrt(ss / cols + eps), zdz = 0;
    for (int j = 0; j < cols; ++j) {
      double z = od[base + j] * rs;
      yRef[base + j] = ud[base + j] * z;
      duRef[base + j] = gd[base + j] * z;
      zdz += z * gd[base + j] * ud[base + j];
    }
    for (int j = 0; j < cols; ++j) {
      double z = od[base + j] * rs, dz = gd[base + j] * ud[base + j];
      doRef[base + j] = rs * (dz - z * zdz / cols);
      doScale += rs * dz * rs * dz;
    }
  }
  EXPECT_LT(relativeError(toDouble(y), yRef), kBF16Tolerance);
  EXPECT_LT(relativeError(toDouble(du), duRef), kBF16Tolerance);
  // do is a difference of two terms of size rstd*dz that cancel almost
  // exactly when a row is short (one column: do = rstd*dz*eps/(o^2+eps)), so
  // its error is measured against the size of those terms.
  std::vector<double> got = toDouble(dO);
  double diff = 0, norm = 0;
  for (size_t i = 0; i < n; ++i)
    diff += (got[i] - doRef[i]) * (got[i] - doRef[i]), norm += doRef[i] * doRef[i];
  EXPECT_LT(std::sqrt(diff / std::max(norm, doScale * 1e-4)), kBF16Tolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, RowNorm,
                         ::testing::Values(std::pair{1, 1}, std::pair{3, 63}, std::pair{4, 64},
                                           std::pair{2, 65}, std::pair{2, 1000}));

//===----------------------------------------------------------------------===//
// Elementwise TNL pieces: SiLU and the SGLU product, on a strided column slice
//===----------------------------------------------------------------------===//

class Elementwise : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(Elementwise, SiLUForwardAndBackward) {
  auto [rows, cols] = GetParam();
  const int stride = cols + 3; // a column slice of a wider row
  auto fwd = Kernel::load("tnl.tile", "silu_fwd", {{"BLOCK", 64}});
  auto bwd = Kernel::load("tnl.tile", "silu_bwd", {{"BLOCK", 64}});
  ASSERT_TRUE(fwd && bwd);
  size_t n = static_cast<size_t>(rows) * stride;
  std::vector<double> xd, gd;
  BF16 x = randomBF16(n, 31, xd, 3.0), dy = randomBF16(n, 32, gd);
  BF16 y = poisonedBF16(n), dx = poisonedBF16(n);
  lacc::Grid grid(rows, (cols + 63) / 64);
  const int R = rows, C = cols, S = stride;
  fwd->run(grid, x, y, R, C, S, S);
  bwd->run(grid, x, dy, dx, R, C, S, S, S);
  std::vector<double> got, gotDx, ref, refDx;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < stride; ++c) {
      size_t i = static_cast<size_t>(r) * stride + c;
      if (c >= cols) { // the rest of the row is untouched
        ASSERT_EQ(y[i], 0x7fc1) << "row " << r << " col " << c;
        continue;
      }
      double s = 1 / (1 + std::exp(-xd[i]));
      ref.push_back(xd[i] * s);
      refDx.push_back(gd[i] * s * (1 + xd[i] * (1 - s)));
      got.push_back(bf16ToFloat(y[i]));
      gotDx.push_back(bf16ToFloat(dx[i]));
    }
  EXPECT_LT(relativeError(got, ref), kBF16Tolerance);
  EXPECT_LT(relativeError(gotDx, refDx), kBF16Tolerance);
}

TEST_P(Elementwise, SGLUProductForwardAndBackward) {
  auto [rows, cols] = GetParam();
  auto fwd = Kernel::load("tnl.tile", "sglu_fwd", {{"BLOCK", 64}});
  auto bwd = Kernel::load("tnl.tile", "sglu_bwd", {{"BLOCK", 64}});
  ASSERT_TRUE(fwd && bwd);
  size_t n = static_cast<size_t>(rows) * cols;
  std::vector<double> ad, bd, gd;
  BF16 a = randomBF16(n, 41, ad), b = randomBF16(n, 42, bd), dO = randomBF16(n, 43, gd);
  BF16 o = poisonedBF16(n), da = poisonedBF16(n), db = poisonedBF16(n);
  lacc::Grid grid(rows, (cols + 63) / 64);
  const int R = rows, C = cols;
  fwd->run(grid, a, b, o, R, C, C, C, C);
  bwd->run(grid, a, b, dO, da, db, R, C, C, C, C, C, C);
  std::vector<double> oRef(n), daRef(n), dbRef(n);
  for (size_t i = 0; i < n; ++i) {
    oRef[i] = ad[i] * bd[i];
    daRef[i] = gd[i] * bd[i];
    dbRef[i] = gd[i] * ad[i];
  }
  EXPECT_LT(relativeError(toDouble(o), oRef), kBF16Tolerance);
  EXPECT_LT(relativeError(toDouble(da), daRef), kBF16Tolerance);
  EXPECT_LT(relativeError(toDouble(db), dbRef), kBF16Tolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Elementwise,
                         ::testing::Values(std::pair{1, 1}, std::pair{2, 63}, std::pair{3, 64},
                                           std::pair{2, 65}, std::pair{2, 300}));

//===----------------------------------------------------------------------===//
// LRPE
//===----------------------------------------------------------------------===//

class Lrpe : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(Lrpe, ForwardAndBackwardWithThetaGradient) {
  auto [n, D] = GetParam();
  const int B = 2, H = 2, offset = 5;
  Defines defs = {{"H", H}, {"D", D}, {"BLOCK_N", 16}};
  auto fwd = Kernel::load("tnl.tile", "lrpe_fwd", defs);
  auto bwd = Kernel::load("tnl.tile", "lrpe_bwd", defs);
  ASSERT_TRUE(fwd && bwd);
  size_t nx = static_cast<size_t>(B) * H * n * D;
  std::vector<double> xd, gd;
  BF16 x = randomBF16(nx, 51, xd), dout = randomBF16(2 * nx, 52, gd);
  BF16 out = poisonedBF16(2 * nx), dx = poisonedBF16(nx);
  std::vector<float> theta(H * D), dtheta(H * D, 0.0f);
  for (int h = 0; h < H; ++h)
    for (int i = 0; i < D; ++i)
      theta[h * D + i] = static_cast<float>(std::pow(10000.0, -2.0 * i / (H * D)));
  lacc::Grid grid(B * H, (n + 15) / 16);
  fwd->run(grid, x, theta, out, n, offset);
  bwd->run(grid, x, theta, dout, dx, dtheta, n, offset);
  std::vector<double> outRef(2 * nx), dxRef(nx), dthRef(H * D, 0.0);
  for (int bh = 0; bh < B * H; ++bh)
    for (int t = 0; t < n; ++t)
      for (int i = 0; i < D; ++i) {
        size_t xi = (static_cast<size_t>(bh) * n + t) * D + i;
        size_t oi = (static_cast<size_t>(bh) * n + t) * 2 * D + i;
        double pos = offset + t, a = theta[(bh % H) * D + i] * pos;
        outRef[oi] = xd[xi] * std::cos(a);
        outRef[oi + D] = xd[xi] * std::sin(a);
        double g1 = gd[oi], g2 = gd[oi + D];
        dxRef[xi] = g1 * std::cos(a) + g2 * std::sin(a);
        dthRef[(bh % H) * D + i] += pos * xd[xi] * (g2 * std::cos(a) - g1 * std::sin(a));
      }
  EXPECT_LT(relativeError(toDouble(out), outRef), kBF16Tolerance);
  EXPECT_LT(relativeError(toDouble(dx), dxRef), kBF16Tolerance);
  EXPECT_LT(relativeError(toDouble(dtheta), dthRef), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Lrpe,
                         ::testing::Values(std::pair{1, 16}, std::pair{63, 32}, std::pair{65, 64},
                                           std::pair{130, 16}));

//===----------------------------------------------------------------------===//
// Scans, forward and reversed
//===----------------------------------------------------------------------===//

struct ScanShape {
  int rows, cols, block, rowsPerProgram;
  bool reverse;
};

class Scan : public ::testing::TestWithParam<ScanShape> {};

TEST_P(Scan, CumulativeSumAlongRows) {
  auto [rows, cols, block, rpp, reverse] = GetParam();
  auto k = Kernel::load("scan.tile", "cumsum_rows",
                        {{"BLOCK", block}, {"ROWS", rpp}, {"REVERSE", reverse}});
  ASSERT_TRUE(k);
  std::mt19937 rng(rows * 31 + cols);
  std::normal_distribution<float> dist;
  std::vector<float> x(size_t(rows) * cols), y(x.size(), NAN);
  for (float &v : x)
    v = dist(rng);
  k->run(lacc::Grid((rows + rpp - 1) / rpp), x, y, rows, cols);
  std::vector<double> ref(x.size());
  for (int r = 0; r < rows; ++r) {
    double s = 0;
    for (int i = 0; i < cols; ++i) {
      int c = reverse ? cols - 1 - i : i;
      s += x[size_t(r) * cols + c];
      ref[size_t(r) * cols + c] = s;
    }
  }
  EXPECT_LT(relativeError(toDouble(y), ref), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Scan,
                         ::testing::Values(ScanShape{3, 1, 16, 2, false}, ScanShape{3, 1, 16, 2, true},
                                           ScanShape{5, 100, 128, 2, false},
                                           ScanShape{5, 100, 128, 2, true},
                                           ScanShape{4, 1000, 1024, 2, true},
                                           ScanShape{9, 3000, 4096, 1, true},
                                           ScanShape{9, 3000, 4096, 1, false}));

//===----------------------------------------------------------------------===//
// GEMM
//===----------------------------------------------------------------------===//

struct GemmShape {
  int M, N, K;
  bool transposeB;
  /// 0: the kernel with one program per tile; P > 0: its persistent form (`<kernel>_persistent`)
  /// on a grid of P programs, fewer or more than the tiles.
  int programs = 0;
};

std::ostream &operator<<(std::ostream &os, const GemmShape &s) {
  os << s.M << "x" << s.N << "x" << s.K << (s.transposeB ? "_bT" : "");
  if (s.programs)
    os << "_persistent" << s.programs;
  return os;
}

std::string gemmShapeName(const ::testing::TestParamInfo<GemmShape> &info) {
  std::ostringstream os;
  os << info.param;
  return os.str();
}

/// The kernel a GemmShape runs and its grid, for tiles of 32 x 32.
std::string gemmKernel(const char *name, const GemmShape &s) {
  return s.programs ? std::string(name) + "_persistent" : name;
}
lacc::Grid gemmGrid(const GemmShape &s) {
  return lacc::Grid(s.programs ? s.programs : ((s.M + 31) / 32) * ((s.N + 31) / 32));
}

class Gemm : public ::testing::TestWithParam<GemmShape> {};

TEST_P(Gemm, MatchesFp64) {
  auto [M, N, K, transposeB, programs] = GetParam();
  auto k = Kernel::load("gemm.tile", gemmKernel("gemm", GetParam()),
                        {{"BLOCK_M", 32}, {"BLOCK_N", 32}, {"BLOCK_K", 16}, {"GROUP_M", 2}});
  ASSERT_TRUE(k);
  std::vector<double> ad, bd;
  BF16 a = randomBF16(static_cast<size_t>(M) * K, 61 + M, ad);
  BF16 b = randomBF16(static_cast<size_t>(K) * N, 62 + N, bd);
  BF16 c = poisonedBF16(static_cast<size_t>(M) * N);
  // B is stored [K, N] row-major, or [N, K] (transposed) and read through swapped strides.
  int sbk = transposeB ? 1 : N, sbn = transposeB ? K : 1;
  auto bAt = [&](int kk, int nn) { return bd[transposeB ? nn * K + kk : kk * N + nn]; };
  k->run(gemmGrid(GetParam()), a, b, c, M, N, K, K, 1, sbk, sbn, N, 1);
  std::vector<double> ref(static_cast<size_t>(M) * N);
  for (int m = 0; m < M; ++m)
    for (int nn = 0; nn < N; ++nn) {
      double s = 0;
      for (int kk = 0; kk < K; ++kk)
        s += ad[m * K + kk] * bAt(kk, nn);
      ref[m * N + nn] = s;
    }
  EXPECT_LT(relativeError(toDouble(c), ref), kBF16Tolerance);
}

// Persistent: 6 tiles (63 x 65) on 1, 4 and 6 programs, 15 tiles (130 x 70) on 4 and on 16 (one
// program with no tile), 1 tile on 3; grouped order with a partial last group (5 tile-rows in
// groups of 2).
INSTANTIATE_TEST_SUITE_P(Shapes, Gemm,
                         ::testing::Values(GemmShape{1, 1, 1, false}, GemmShape{63, 65, 17, false},
                                           GemmShape{64, 64, 64, false}, GemmShape{65, 33, 100, true},
                                           GemmShape{130, 70, 48, true},
                                           GemmShape{1, 1, 1, false, 3},
                                           GemmShape{63, 65, 17, false, 1},
                                           GemmShape{63, 65, 17, false, 4},
                                           GemmShape{63, 65, 17, false, 6},
                                           GemmShape{130, 70, 48, true, 4},
                                           GemmShape{130, 70, 48, true, 16}),
                         gemmShapeName);

//===----------------------------------------------------------------------===//
// GEMM through tensor descriptors (kernels/gemm_tma.tile)
//===----------------------------------------------------------------------===//

class GemmTma : public ::testing::TestWithParam<GemmShape> {};

/// C = A @ B through gemm_tma with `defines` and `options`, for the ragged M x N x K of `s`,
/// against fp64: the operands' rows are padded to a multiple of 8 elements (16 bytes, as a
/// descriptor's strides must be) and the padding is NaN, so a read past K that is not zero
/// shows in C. C's rows are padded too, past a multiple of 8, and C has two rows more: the
/// padding is a sentinel (NaN bits 0x7fc1) that must survive, with the st.global epilogue as
/// with the one through a descriptor (TMA_STORE, a TMA store on sm_90a).
void checkGemmTma(const GemmShape &s, const Defines &defines, int64_t tile,
                  const lacc::KernelOptions &options = {}) {
  auto [M, N, K, unused, programs] = s;
  auto k = Kernel::load("gemm_tma.tile", gemmKernel("gemm_tma", s), defines, options);
  ASSERT_TRUE(k);
  const int lda = (K + 7) / 8 * 8, ldb = (N + 7) / 8 * 8, ldc = (N + 7) / 8 * 8 + 8;
  std::vector<double> ad, bd;
  BF16 a = randomBF16(static_cast<size_t>(M) * lda, 71 + M, ad);
  BF16 b = randomBF16(static_cast<size_t>(K) * ldb, 72 + N, bd);
  for (int m = 0; m < M; ++m)
    for (int kk = K; kk < lda; ++kk)
      a[m * lda + kk] = 0x7fc1;
  for (int kk = 0; kk < K; ++kk)
    for (int nn = N; nn < ldb; ++nn)
      b[kk * ldb + nn] = 0x7fc1;
  BF16 c = poisonedBF16(static_cast<size_t>(M + 2) * ldc);
  lacc::Grid grid = programs ? gemmGrid(s) : lacc::Grid(((M + tile - 1) / tile) * ((N + tile - 1) / tile));
  k->run(grid, a, b, c, M, N, K, lda, ldb, ldc, 1);
  std::vector<double> ref(static_cast<size_t>(M) * N), got(ref.size());
  for (int m = 0; m < M; ++m)
    for (int nn = 0; nn < N; ++nn) {
      double sum = 0;
      for (int kk = 0; kk < K; ++kk)
        sum += ad[m * lda + kk] * bd[kk * ldb + nn];
      ref[m * N + nn] = sum;
      got[m * N + nn] = bf16ToFloat(c[m * ldc + nn]);
    }
  EXPECT_LT(relativeError(got, ref), kBF16Tolerance);
  for (int m = 0; m < M + 2; ++m)
    for (int nn = m < M ? N : 0; nn < ldc; ++nn)
      ASSERT_EQ(c[m * ldc + nn], 0x7fc1) << "wrote outside C at (" << m << ", " << nn << ")";
}

TEST_P(GemmTma, MatchesFp64) {
  for (bool tmaStore : {false, true}) {
    SCOPED_TRACE(tmaStore ? "TMA_STORE" : "st.global epilogue");
    checkGemmTma(GetParam(),
                 {{"BLOCK_M", 32}, {"BLOCK_N", 32}, {"BLOCK_K", 16}, {"GROUP_M", 2},
                  {"TMA_STORE", tmaStore}},
                 32);
  }
}

// 128 x 128 x 64 tiles at 8 warps and 3 stages: on sm_90a the K loop is warp-specialized (a TMA
// producer warpgroup, two consumer warpgroups; compiler/transforms/WarpSpecialize.cpp), and the
// same without (the software pipeliner's loop); K of 1, 2, 3 and 5 blocks, ragged everywhere.
// Each also with C through a TMA store (TMA_STORE: the 128x128 tile two 128x64 boxes, its
// staging buffer reusing the rings' bytes after the loop).
TEST(GemmTmaWarpSpecialized, MatchesFp64WithAndWithout) {
  for (bool tmaStore : {false, true})
    for (bool specialize : {true, false})
      for (GemmShape s : {GemmShape{130, 200, 40, false}, GemmShape{257, 136, 100, false},
                          GemmShape{128, 128, 192, false}, GemmShape{300, 260, 320, false}}) {
        SCOPED_TRACE(std::string(specialize ? "specialized " : "pipelined ") +
                     (tmaStore ? "TMA_STORE " : "") + gemmShapeName({s, 0}));
        lacc::KernelOptions options;
        options.numWarps = 8;
        options.numStages = 3;
        options.warpSpecialize = specialize;
        checkGemmTma(s,
                     {{"BLOCK_M", 128}, {"BLOCK_N", 128}, {"BLOCK_K", 64}, {"GROUP_M", 2},
                      {"TMA_STORE", tmaStore}},
                     128, options);
      }
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemmTma,
                         ::testing::Values(GemmShape{1, 1, 1, false}, GemmShape{63, 65, 17, false},
                                           GemmShape{64, 64, 64, false},
                                           GemmShape{130, 70, 48, false},
                                           GemmShape{100, 96, 200, false},
                                           GemmShape{1, 1, 1, false, 2},
                                           GemmShape{63, 65, 17, false, 4},
                                           GemmShape{100, 96, 200, false, 5},
                                           GemmShape{130, 70, 48, false, 16}),
                         gemmShapeName);

//===----------------------------------------------------------------------===//
// GEMM, f32 out: split-K partials and their reduction, and the single kernel
//===----------------------------------------------------------------------===//

struct SplitKShape {
  int M, N, K, splits;
  bool accumulate;
};

std::ostream &operator<<(std::ostream &os, const SplitKShape &s) {
  return os << s.M << "x" << s.N << "x" << s.K << "_split" << s.splits
            << (s.accumulate ? "_acc" : "");
}

class GemmSplitK : public ::testing::TestWithParam<SplitKShape> {};

// C (+)= A B with f32 out, A read transposed (A^T stored [K, M], as the weight gradients
// dW = X^T dY read X): through gemm's split-K form into a workspace and splitk_reduce, and for
// one split also through the single kernel that reads C itself (ACCUMULATE).
TEST_P(GemmSplitK, MatchesFp64) {
  auto [M, N, K, splits, accumulate] = GetParam();
  const int bm = 32, bn = 32, bk = 16;
  auto partials = Kernel::load("gemm.tile", "gemm",
                               {{"BLOCK_M", bm}, {"BLOCK_N", bn}, {"BLOCK_K", bk}, {"GROUP_M", 2},
                                {"SPLIT_K", splits}, {"C_T", lacc::ConstValue::type("f32")}});
  auto reduce = Kernel::load("gemm.tile", "splitk_reduce",
                             {{"BLOCK_M", 4}, {"BLOCK_N", 32}, {"SPLIT_K", splits},
                              {"ACCUMULATE", accumulate}});
  ASSERT_TRUE(partials && reduce);
  std::vector<double> ad, bd;
  BF16 aT = randomBF16(size_t(K) * M, 71 + M, ad); // A^T, [K, M]
  BF16 b = randomBF16(size_t(K) * N, 72 + N, bd);
  // C has a leading dimension wider than N, and a tail after it: neither may be written.
  const int ldc = N + 3, tail = 5;
  std::mt19937 rng(73 + K);
  std::normal_distribution<float> dist;
  std::vector<float> c0(size_t(M) * ldc + tail, NAN);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n)
      c0[size_t(m) * ldc + n] = accumulate ? dist(rng) : NAN;
  std::vector<double> ref(size_t(M) * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double s = accumulate ? c0[size_t(m) * ldc + n] : 0.0;
      for (int k = 0; k < K; ++k)
        s += ad[size_t(k) * M + m] * bd[size_t(k) * N + n];
      ref[size_t(m) * N + n] = s;
    }
  auto inC = [&](const std::vector<float> &c) {
    std::vector<double> got(size_t(M) * N);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n)
        got[size_t(m) * N + n] = c[size_t(m) * ldc + n];
    for (int m = 0; m < M; ++m)
      for (int n = N; n < ldc; ++n)
        EXPECT_TRUE(std::isnan(c[size_t(m) * ldc + n])) << "wrote row " << m << " col " << n;
    for (int i = 0; i < tail; ++i)
      EXPECT_TRUE(std::isnan(c[size_t(M) * ldc + i])) << "wrote past C at " << i;
    return got;
  };
  // f32 sums of exact bf16 products: the order of the additions is all that differs.
  constexpr double kF32Tolerance = 1e-5;

  // Poisoned, so that a partial some split failed to write shows as NaN.
  std::vector<float> ws(size_t(splits) * M * N + tail, NAN), c = c0;
  const int tiles = ((M + bm - 1) / bm) * ((N + bn - 1) / bn);
  partials->run(lacc::Grid(tiles, splits), aT, b, ws, M, N, K, 1, M, N, 1, N, 1);
  for (int i = 0; i < tail; ++i)
    ASSERT_TRUE(std::isnan(ws[size_t(splits) * M * N + i])) << "wrote past the workspace";
  reduce->run(lacc::Grid((M + 3) / 4, (N + 31) / 32), ws, c, M, N, ldc, 1);
  EXPECT_LT(relativeError(inC(c), ref), kF32Tolerance);

  // The same launches again: the same bits (no atomics, a fixed order of the additions).
  std::vector<float> ws2(ws.size(), NAN), c2 = c0;
  partials->run(lacc::Grid(tiles, splits), aT, b, ws2, M, N, K, 1, M, N, 1, N, 1);
  reduce->run(lacc::Grid((M + 3) / 4, (N + 31) / 32), ws2, c2, M, N, ldc, 1);
  EXPECT_EQ(std::memcmp(c.data(), c2.data(), c.size() * sizeof(float)), 0);

  if (splits == 1) {
    auto single = Kernel::load("gemm.tile", "gemm",
                               {{"BLOCK_M", bm}, {"BLOCK_N", bn}, {"BLOCK_K", bk}, {"GROUP_M", 2},
                                {"ACCUMULATE", accumulate}, {"C_T", lacc::ConstValue::type("f32")}});
    ASSERT_TRUE(single);
    std::vector<float> c3 = c0;
    single->run(lacc::Grid(tiles), aT, b, c3, M, N, K, 1, M, N, 1, ldc, 1);
    EXPECT_LT(relativeError(inC(c3), ref), kF32Tolerance);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, GemmSplitK,
    ::testing::Values(
        // K = 17 in three ranges of one 16-step: the last split has no K and writes zeros.
        SplitKShape{1, 1, 17, 3, false}, SplitKShape{33, 65, 17, 3, true},
        // K = 100 in ranges of 48 + 48 + 4 (three) and 64 + 36 (two).
        SplitKShape{63, 70, 100, 1, false}, SplitKShape{63, 70, 100, 1, true},
        SplitKShape{63, 70, 100, 2, false}, SplitKShape{63, 70, 100, 2, true},
        SplitKShape{63, 70, 100, 3, false}, SplitKShape{63, 70, 100, 3, true},
        SplitKShape{40, 31, 301, 3, true}),
    [](const auto &info) {
      std::ostringstream os;
      os << info.param;
      return os.str();
    });

} // namespace
