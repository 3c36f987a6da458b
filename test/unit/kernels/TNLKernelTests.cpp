//===- TNLKernelTests.cpp - the TNL model's own kernels -------------------===//
//
// The kernels the TNL layer and model add to kernels/ (embedding.tile,
// cross_entropy.tile, adamw.tile, heads.tile, srmsnorm_bwd_add), each run
// through the runtime (interpreter or GPU: KernelHarness.h) on random data at
// ragged sizes against a plain fp64 reference of the same (rounded) inputs.
//
//===----------------------------------------------------------------------===//

#include "test/unit/kernels/KernelHarness.h"

using namespace lacc::test;

namespace {

constexpr double kBF16Tolerance = 5e-3;

std::vector<int32_t> randomTokens(size_t n, int V, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(0, V - 1);
  std::vector<int32_t> t(n);
  for (auto &x : t)
    x = dist(rng);
  return t;
}

//===----------------------------------------------------------------------===//
// Embedding: gather and scatter-add
//===----------------------------------------------------------------------===//

struct EmbeddingShape {
  int tokens, V, D, block;
};

class Embedding : public ::testing::TestWithParam<EmbeddingShape> {};

TEST_P(Embedding, GatherAndScatterAdd) {
  auto [T, V, D, block] = GetParam();
  auto fwd = Kernel::load("embedding.tile", "embedding_fwd", {{"BLOCK", block}});
  auto bwd = Kernel::load("embedding.tile", "embedding_bwd", {{"BLOCK", block}});
  ASSERT_TRUE(fwd && bwd);
  // Few distinct tokens, so that rows repeat and the scatter must add them; one id out of
  // range, which must read and write nothing.
  std::vector<int32_t> tok = randomTokens(T, std::min(V, 5), 7 + T);
  tok[T / 2] = V;
  std::vector<double> wd, gd;
  BF16 w = randomBF16(size_t(V) * D, 3 + D, wd), dout = randomBF16(size_t(T) * D, 4 + D, gd);
  BF16 out = poisonedBF16(size_t(T) * D);
  std::vector<float> dw(size_t(V) * D, 0.0f);
  lacc::Grid grid(T, (D + block - 1) / block);
  fwd->run(grid, tok, w, out, V, D);
  bwd->run(grid, tok, dout, dw, V, D);
  std::vector<double> outRef(size_t(T) * D, 0.0), dwRef(size_t(V) * D, 0.0);
  for (int t = 0; t < T; ++t) {
    if (tok[t] < 0 || tok[t] >= V)
      continue;
    for (int c = 0; c < D; ++c) {
      outRef[size_t(t) * D + c] = wd[size_t(tok[t]) * D + c];
      dwRef[size_t(tok[t]) * D + c] += gd[size_t(t) * D + c];
    }
  }
  EXPECT_EQ(relativeError(toDouble(out), outRef), 0.0); // a copy: exact
  EXPECT_LT(relativeError(toDouble(dw), dwRef), 1e-6);  // f32 sums of bf16 values
}

INSTANTIATE_TEST_SUITE_P(Shapes, Embedding,
                         ::testing::Values(EmbeddingShape{1, 3, 16, 16}, EmbeddingShape{37, 11, 48, 32},
                                           EmbeddingShape{100, 256, 100, 64}));

//===----------------------------------------------------------------------===//
// Fused softmax cross-entropy and the greedy pick
//===----------------------------------------------------------------------===//

struct XentShape {
  int rows, V, block;
};

class CrossEntropy : public ::testing::TestWithParam<XentShape> {};

TEST_P(CrossEntropy, LossAndGradientInOneKernel) {
  auto [rows, V, block] = GetParam();
  auto k = Kernel::load("cross_entropy.tile", "xent_fwd_bwd", {{"BLOCK", block}});
  auto total = Kernel::load("cross_entropy.tile", "loss_sum", {{"BLOCK", 64}});
  ASSERT_TRUE(k && total);
  std::vector<double> xd;
  BF16 x = randomBF16(size_t(rows) * V, 21 + V, xd, 3.0);
  std::vector<int32_t> y = randomTokens(rows, V, 22 + rows);
  if (rows > 2)
    y[1] = -1; // padding: no loss, no gradient
  const double scale = 1.0 / rows;
  std::vector<float> losses(rows, NAN), loss(1, NAN);
  // In place: the gradient overwrites the logits.
  BF16 dx = x;
  k->run(lacc::Grid(rows), dx, y, dx, losses, V, V, V, float(scale));
  total->run(lacc::Grid(1), losses, loss, rows);
  double lossRef = 0;
  std::vector<double> lossesRef(rows, 0.0);
  std::vector<double> dxRef(size_t(rows) * V, 0.0);
  for (int r = 0; r < rows; ++r) {
    if (y[r] < 0)
      continue;
    const double *xr = &xd[size_t(r) * V];
    double m = *std::max_element(xr, xr + V), l = 0;
    for (int c = 0; c < V; ++c)
      l += std::exp(xr[c] - m);
    double lse = m + std::log(l);
    lossesRef[r] = (lse - xr[y[r]]) * scale;
    lossRef += lossesRef[r];
    for (int c = 0; c < V; ++c)
      dxRef[size_t(r) * V + c] = (std::exp(xr[c] - lse) - (c == y[r])) * scale;
  }
  EXPECT_LT(relativeError(toDouble(losses), lossesRef), 1e-5);
  EXPECT_NEAR(loss[0], lossRef, 1e-5 * std::abs(lossRef));
  EXPECT_LT(relativeError(toDouble(dx), dxRef), kBF16Tolerance);
}

TEST_P(CrossEntropy, ArgmaxPicksTheFirstLargest) {
  auto [rows, V, block] = GetParam();
  auto k = Kernel::load("cross_entropy.tile", "argmax_rows", {{"BLOCK", block}});
  ASSERT_TRUE(k);
  std::vector<double> xd;
  BF16 x = randomBF16(size_t(rows) * V, 31 + V, xd);
  // A tie in the last row: the first index wins, across chunks too.
  if (V > 2) {
    BF16 big(1, floatToBF16(100.0f));
    x[size_t(rows - 1) * V + 1] = x[size_t(rows - 1) * V + V - 1] = big[0];
    xd[size_t(rows - 1) * V + 1] = xd[size_t(rows - 1) * V + V - 1] = 100.0;
  }
  std::vector<int32_t> out(rows, -7);
  k->run(lacc::Grid(rows), x, out, V, V);
  for (int r = 0; r < rows; ++r) {
    const double *xr = &xd[size_t(r) * V];
    EXPECT_EQ(out[r], std::max_element(xr, xr + V) - xr) << "row " << r;
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, CrossEntropy,
                         ::testing::Values(XentShape{1, 1, 16}, XentShape{5, 100, 32},
                                           XentShape{9, 257, 64}, XentShape{3, 1000, 1024}));

//===----------------------------------------------------------------------===//
// AdamW
//===----------------------------------------------------------------------===//

class AdamW : public ::testing::TestWithParam<int> {};

TEST_P(AdamW, StepMatchesFp64) {
  const int n = GetParam();
  auto k = Kernel::load("adamw.tile", "adamw_step", {{"BLOCK", 64}});
  ASSERT_TRUE(k);
  std::mt19937 rng(41 + n);
  std::normal_distribution<float> dist;
  std::vector<float> p(n), g(n), m(n), v(n);
  for (int i = 0; i < n; ++i)
    p[i] = dist(rng), g[i] = dist(rng), m[i] = 0.1f * dist(rng), v[i] = std::abs(dist(rng));
  const std::vector<float> p0 = p, m0 = m, v0 = v;
  BF16 out = poisonedBF16(n);
  const double lr = 1e-2, b1 = 0.9, b2 = 0.95, eps = 1e-8, wd = 0.1, t = 3, gs = 0.5;
  const double bc1 = 1 - std::pow(b1, t), bc2 = 1 - std::pow(b2, t);
  k->run(lacc::Grid((n + 63) / 64), p, g, m, v, out, n, float(lr), float(b1), float(b2),
         float(eps), float(wd), float(bc1), float(bc2), float(gs));
  std::vector<double> pRef(n), mRef(n), vRef(n);
  for (int i = 0; i < n; ++i) {
    double gi = g[i] * gs;
    mRef[i] = b1 * m0[i] + (1 - b1) * gi;
    vRef[i] = b2 * v0[i] + (1 - b2) * gi * gi;
    pRef[i] = p0[i] - lr * (mRef[i] / bc1 / (std::sqrt(vRef[i] / bc2) + eps) + wd * p0[i]);
  }
  EXPECT_LT(relativeError(toDouble(m), mRef), 1e-6);
  EXPECT_LT(relativeError(toDouble(v), vRef), 1e-6);
  EXPECT_LT(relativeError(toDouble(p), pRef), 1e-6);
  EXPECT_LT(relativeError(toDouble(out), pRef), kBF16Tolerance);
  // The step moved every weight (so the test sees an update that did nothing).
  std::vector<double> moved(n);
  for (int i = 0; i < n; ++i)
    moved[i] = p[i] - p0[i];
  std::vector<double> movedRef(n);
  for (int i = 0; i < n; ++i)
    movedRef[i] = pRef[i] - p0[i];
  EXPECT_LT(relativeError(moved, movedRef), 1e-4);
}

TEST_P(AdamW, SumOfSquaresForTheGlobalNorm) {
  const int n = GetParam();
  auto k = Kernel::load("adamw.tile", "grad_sumsq", {{"BLOCK", 64}});
  ASSERT_TRUE(k);
  std::mt19937 rng(43 + n);
  std::normal_distribution<float> dist;
  std::vector<float> g(n), out(1, 0.0f);
  double ref = 0;
  for (float &x : g)
    x = dist(rng), ref += double(x) * x;
  k->run(lacc::Grid((n + 63) / 64), g, out, n);
  EXPECT_NEAR(out[0], ref, 1e-5 * ref);
}

INSTANTIATE_TEST_SUITE_P(Sizes, AdamW, ::testing::Values(1, 63, 1000));

//===----------------------------------------------------------------------===//
// Head layout changes with SiLU
//===----------------------------------------------------------------------===//

struct HeadsShape {
  int b, H, n, DH;
};

class Heads : public ::testing::TestWithParam<HeadsShape> {};

TEST_P(Heads, SplitWithSiLUAndMergeWithItsGradient) {
  auto [b, H, n, DH] = GetParam();
  const Defines base{{"H", H}, {"DH", DH}, {"BLOCK_N", 16}};
  Defines withSilu = base, withGrad = base;
  withSilu["SILU"] = true;
  withGrad["SILU_GRAD"] = true;
  auto split = Kernel::load("heads.tile", "heads_split", withSilu);
  auto merge = Kernel::load("heads.tile", "heads_merge", withGrad);
  ASSERT_TRUE(split && merge);
  // Rows [b * n, width] with the heads at a column offset, as a slice of a fused projection.
  const int E = H * DH, width = 3 * E + 5, offset = E + 2, rows = b * n;
  std::vector<double> xd, gd;
  BF16 x = randomBF16(size_t(rows) * width, 51 + n, xd, 2.0);
  BF16 g = randomBF16(size_t(b) * H * n * DH, 52 + n, gd);
  BF16 heads = poisonedBF16(size_t(b) * H * n * DH);
  BF16 y = poisonedBF16(size_t(rows) * width);
  lacc::Grid grid(b * H, (n + 15) / 16);
  auto at = [&](int bi, int h, int t, int c) { return ((size_t(bi) * H + h) * n + t) * DH + c; };
  auto rowAt = [&](int bi, int h, int t, int c) {
    return (size_t(bi) * n + t) * width + offset + h * DH + c;
  };
  BF16 xOff(x.begin() + offset, x.end()), yOff = poisonedBF16(y.size() - offset);
  split->run(grid, xOff, heads, n, width);
  merge->run(grid, g, xOff, yOff, n, width, width);
  std::vector<double> headsRef(heads.size()), got, mergeRef;
  for (int bi = 0; bi < b; ++bi)
    for (int h = 0; h < H; ++h)
      for (int t = 0; t < n; ++t)
        for (int c = 0; c < DH; ++c) {
          double p = xd[rowAt(bi, h, t, c)], s = 1 / (1 + std::exp(-p));
          headsRef[at(bi, h, t, c)] = p * s;
          mergeRef.push_back(gd[at(bi, h, t, c)] * s * (1 + p * (1 - s)));
          got.push_back(bf16ToFloat(yOff[rowAt(bi, h, t, c) - offset]));
        }
  EXPECT_LT(relativeError(toDouble(heads), headsRef), kBF16Tolerance);
  EXPECT_LT(relativeError(got, mergeRef), kBF16Tolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Heads,
                         ::testing::Values(HeadsShape{1, 1, 1, 16}, HeadsShape{2, 3, 37, 16},
                                           HeadsShape{1, 2, 70, 32}));

//===----------------------------------------------------------------------===//
// SRMSNorm backward with the residual's gradient added
//===----------------------------------------------------------------------===//

TEST(SRMSNormBwdAdd, InPlaceOnTheResidualGradient) {
  const int rows = 7, cols = 100;
  auto fwd = Kernel::load("srmsnorm.tile", "srmsnorm_fwd", {{"BLOCK", 128}});
  auto bwd = Kernel::load("srmsnorm.tile", "srmsnorm_bwd_add", {{"BLOCK", 128}});
  ASSERT_TRUE(fwd && bwd);
  std::vector<double> xd, gd, rd;
  BF16 x = randomBF16(rows * cols, 61, xd, 2.0), dy = randomBF16(rows * cols, 62, gd);
  BF16 dres = randomBF16(rows * cols, 63, rd), y = poisonedBF16(rows * cols);
  std::vector<float> rstd(rows, NAN);
  fwd->run(lacc::Grid(rows), x, y, rstd, cols, 1e-6f);
  bwd->run(lacc::Grid(rows), x, dy, rstd, dres, dres, cols);
  std::vector<double> ref(rows * cols);
  for (int r = 0; r < rows; ++r) {
    double ss = 0, dot = 0;
    for (int c = 0; c < cols; ++c)
      ss += xd[r * cols + c] * xd[r * cols + c];
    double rs = 1 / std::sqrt(ss / cols + 1e-6);
    for (int c = 0; c < cols; ++c)
      dot += xd[r * cols + c] * rs * gd[r * cols + c];
    for (int c = 0; c < cols; ++c)
      ref[r * cols + c] = rd[r * cols + c] + rs * (gd[r * cols + c] - xd[r * cols + c] * rs * dot / cols);
  }
  EXPECT_LT(relativeError(toDouble(dres), ref), kBF16Tolerance);
}

} // namespace
