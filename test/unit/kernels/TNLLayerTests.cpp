//===- TNLLayerTests.cpp - the TNL layer and model against references ----===//
//
// lacc::nn::TNLLayer forward and backward on the test context (interpreter or
// GPU: KernelHarness.h) against the fp64 layer of kernels/reference/TNL.h,
// composed from independent references (plain products, norms, LRPE and the
// recurrent lightning attention), at a small width and ragged lengths; the
// model's gradients against central finite differences of its own loss; a
// checkpoint that round-trips; and the argument errors.
//
//===----------------------------------------------------------------------===//

#include "kernels/reference/TNL.h"
#include "lacc/nn/TNLModel.h"
#include "test/unit/kernels/KernelHarness.h"

#include <gmock/gmock.h>

#include <cstdio>
#include <unistd.h>

using namespace lacc::test;
using lacc::nn::Parameter;
using lacc::nn::TNLKernels;
using lacc::nn::TNLLayer;
using lacc::nn::TNLLayerConfig;
using lacc::nn::TNLModel;
using lacc::nn::TNLModelConfig;
using lacc::nn::TNLSaved;
using lacc::ops::DType;
using lacc::ops::Tensor;
using ::testing::HasSubstr;
namespace reference = lacc::reference;

namespace {

TNLKernels &kernels() {
  static TNLKernels k(testContext());
  return k;
}

/// Weights of scale 1/sqrt(fan_in), so that every branch of the layer moves its output as much
/// as the residual does (at the model's 0.02 a broken attention would hide under x).
std::vector<double> setRandom(Parameter &p, uint32_t seed, double stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> dist(0.0, stddev);
  std::vector<float> w(size_t(p.numel()));
  for (float &x : w)
    x = float(dist(rng));
  p.set(testContext(), w);
  // What the kernels compute with: the bf16 copy (theta: the f32 master).
  if (!p.hasBF16)
    return std::vector<double>(w.begin(), w.end());
  return toDouble(p.value.download<uint16_t>());
}

std::vector<double> gradOf(const Parameter &p) { return toDouble(p.grad.download<float>()); }

struct LayerShape {
  int b, n, D, H, F;
  bool lrpe;
};

std::ostream &operator<<(std::ostream &os, const LayerShape &s) {
  return os << "b" << s.b << "_n" << s.n << "_D" << s.D << "_H" << s.H << "_F" << s.F
            << (s.lrpe ? "_lrpe" : "");
}

class TNLLayerTest : public ::testing::TestWithParam<LayerShape> {};

TEST_P(TNLLayerTest, ForwardAndBackwardMatchFp64) {
  const LayerShape s = GetParam();
  TNLLayerConfig cfg;
  cfg.dim = s.D, cfg.heads = s.H, cfg.glu = s.F, cfg.lrpe = s.lrpe;
  cfg.layer = 1, cfg.numLayers = 3; // slopes of a middle layer: decay on every head
  TNLLayer layer(kernels(), cfg, 7);
  auto params = layer.parameters();
  reference::TNLWeights w;
  w.wqkvu = setRandom(*params[0], 1, 1 / std::sqrt(double(s.D)));
  w.wout = setRandom(*params[1], 2, 1 / std::sqrt(double(s.D)));
  w.w12 = setRandom(*params[2], 3, 1 / std::sqrt(double(s.D)));
  w.w3 = setRandom(*params[3], 4, 1 / std::sqrt(double(s.F)));
  if (s.lrpe) // the initial theta, but scaled so that angles turn over a short sequence
    w.theta = setRandom(*params[4], 5, 0.5);
  for (float sl : lacc::nn::tnlSlopes(s.H, 1, 3))
    w.slope.push_back(sl);

  const int M = s.b * s.n;
  std::vector<double> xd, dyd;
  BF16 x = randomBF16(size_t(M) * s.D, 11 + s.n, xd), dy = randomBF16(size_t(M) * s.D, 12 + s.n, dyd);
  lacc::Context &ctx = testContext();
  lacc::DeviceBuffer xB = ctx.upload(x), yB = ctx.alloc(x.size() * 2), dyB = ctx.upload(dy);
  yB.fill(0xff);
  TNLSaved saved;
  const std::vector<int64_t> shape{s.b, s.n, s.D};
  layer.forward(Tensor{xB, shape}, Tensor{yB, shape}, saved);
  // dx into dy's own buffer, as the model does.
  layer.backward(Tensor{dyB, shape}, Tensor{dyB, shape}, saved);

  reference::TNLShape rs{s.b, s.n, s.D, s.H, s.F, s.lrpe};
  reference::TNLForward f = reference::tnlForward(rs, w, xd);
  reference::TNLGrads g = reference::tnlBackward(rs, w, f, dyd);
  // bf16 activations through ~10 roundings each way: a few 1e-3 relative.
  EXPECT_LT(relativeError(toDouble(yB.download<uint16_t>()), f.y), 1e-2);
  EXPECT_LT(relativeError(toDouble(dyB.download<uint16_t>()), g.dx), 2e-2);
  EXPECT_LT(relativeError(gradOf(*params[0]), g.dwqkvu), 2e-2);
  EXPECT_LT(relativeError(gradOf(*params[1]), g.dwout), 2e-2);
  EXPECT_LT(relativeError(gradOf(*params[2]), g.dw12), 2e-2);
  EXPECT_LT(relativeError(gradOf(*params[3]), g.dw3), 2e-2);
  if (s.lrpe) {
    EXPECT_LT(relativeError(gradOf(*params[4]), g.dtheta), 3e-2);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, TNLLayerTest,
                         ::testing::Values(LayerShape{1, 1, 32, 2, 24, true},
                                           LayerShape{2, 37, 32, 2, 40, true},
                                           LayerShape{1, 70, 48, 3, 32, false}),
                         [](const auto &info) {
                           std::ostringstream os;
                           os << info.param;
                           return os.str();
                         });

//===----------------------------------------------------------------------===//
// Split-K weight gradients (TNLKernels::gemm with f32 out)
//===----------------------------------------------------------------------===//

/// Sets TNLKernels' split override for one scope (the kernels are shared by the tests).
struct SplitKOverride {
  explicit SplitKOverride(int splits) { kernels().setSplitK(splits); }
  ~SplitKOverride() { kernels().setSplitK(-1); }
};

// The rule on the TNL-385M layer's weight gradients (K = 65,536 tokens, 128 x 256 tiles, one per
// SM of the H200's 132): dWqkvu 1024 x 4096 has 128 tiles (one wave already), dWout 1024 x 1024
// 32 (four splits fill a wave), dW3 2816 x 1024 88 and dW12 1024 x 5632 176 (three splits: two
// and four whole waves instead of 1.33 and 2.67).
TEST(TNLKernelsSplitK, RuleOnTheBenchmarkShapes) {
  EXPECT_EQ(TNLKernels::splitK(128, 65536, 132), 1);
  EXPECT_EQ(TNLKernels::splitK(32, 65536, 132), 4);
  EXPECT_EQ(TNLKernels::splitK(88, 65536, 132), 3);
  EXPECT_EQ(TNLKernels::splitK(176, 65536, 132), 3);
  // A short K is not split below 4096 a range; many waves of tiles are not split for the last
  // one's few percent; nothing to run on: 1.
  EXPECT_EQ(TNLKernels::splitK(8, 8191, 132), 1);
  EXPECT_EQ(TNLKernels::splitK(8, 8192, 132), 2);
  EXPECT_EQ(TNLKernels::splitK(2000, 65536, 132), 1);
  EXPECT_EQ(TNLKernels::splitK(0, 65536, 132), 1);
  EXPECT_EQ(TNLKernels::splitK(8, 65536, 0), 1);
  for (int64_t tiles = 1; tiles <= 600; ++tiles)
    for (int64_t K : {1000, 8192, 20000, 65536, 1 << 20}) {
      const int s = TNLKernels::splitK(tiles, K, 132);
      ASSERT_TRUE(s >= 1 && s <= 8 && (s == 1 || K / s >= 4096))
          << tiles << " tiles, K " << K << ": " << s << " splits";
      // Never more waves of K than one program per tile would take.
      ASSERT_LE(((tiles * s + 131) / 132) * (K / s), ((tiles + 131) / 132) * K);
    }
}

// dW += X^T dY as the layer runs it (X read transposed, f32 out, accumulated), in 0 (the single
// kernel), 1, 2 and 3 splits, against fp64; ragged sizes, K not divisible by the splits.
TEST(TNLKernelsSplitK, WeightGradientThroughTheWorkspace) {
  const int K = 101, M = 37, N = 70; // X [K, M], dY [K, N], dW [M, N]
  lacc::Context &ctx = testContext();
  std::vector<double> xd, dyd;
  lacc::DeviceBuffer x = ctx.upload(randomBF16(size_t(K) * M, 81, xd));
  lacc::DeviceBuffer dy = ctx.upload(randomBF16(size_t(K) * N, 82, dyd));
  std::mt19937 rng(83);
  std::normal_distribution<float> dist;
  std::vector<float> dw0(size_t(M) * N);
  for (float &v : dw0)
    v = dist(rng);
  for (bool accumulate : {true, false}) {
    std::vector<double> ref(dw0.size());
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double sum = accumulate ? dw0[size_t(m) * N + n] : 0.0;
        for (int k = 0; k < K; ++k)
          sum += xd[size_t(k) * M + m] * dyd[size_t(k) * N + n];
        ref[size_t(m) * N + n] = sum;
      }
    for (int splits : {0, 1, 2, 3}) {
      SCOPED_TRACE(std::to_string(splits) + " splits" + (accumulate ? ", accumulating" : ""));
      SplitKOverride force(splits);
      lacc::DeviceBuffer dw = ctx.upload(dw0);
      kernels().gemm(lacc::nn::rowsOf(x, K, M).t(), lacc::nn::rowsOf(dy, K, N),
                     lacc::nn::rowsOf(dw, M, N, 0, 0, true), true, accumulate);
      EXPECT_LT(relativeError(toDouble(dw.download<float>()), ref), 1e-5);
      if (splits > 1 || (splits == 1 && accumulate)) {
        EXPECT_GE(kernels().workspaceBytes(), size_t(splits) * M * N * 4);
      }
    }
  }
}

// The whole layer with its weight gradients in 1, 2 and 3 splits: the same gradients as the
// single kernel's (the test above checks those against fp64), up to the order of f32 additions.
TEST(TNLKernelsSplitK, LayerGradientsMatchTheSingleKernel) {
  const LayerShape s{2, 37, 32, 2, 40, true};
  TNLLayerConfig cfg;
  cfg.dim = s.D, cfg.heads = s.H, cfg.glu = s.F, cfg.lrpe = s.lrpe;
  cfg.layer = 1, cfg.numLayers = 3;
  const int M = s.b * s.n;
  std::vector<double> xd, dyd;
  BF16 x = randomBF16(size_t(M) * s.D, 31, xd), dy = randomBF16(size_t(M) * s.D, 32, dyd);
  const std::vector<int64_t> shape{s.b, s.n, s.D};
  auto gradients = [&](int splits) {
    SplitKOverride force(splits);
    TNLLayer layer(kernels(), cfg, 7);
    auto params = layer.parameters();
    setRandom(*params[0], 1, 1 / std::sqrt(double(s.D)));
    setRandom(*params[1], 2, 1 / std::sqrt(double(s.D)));
    setRandom(*params[2], 3, 1 / std::sqrt(double(s.D)));
    setRandom(*params[3], 4, 1 / std::sqrt(double(s.F)));
    setRandom(*params[4], 5, 0.5);
    lacc::Context &ctx = testContext();
    lacc::DeviceBuffer xB = ctx.upload(x), yB = ctx.alloc(x.size() * 2), dyB = ctx.upload(dy);
    TNLSaved saved;
    layer.forward(Tensor{xB, shape}, Tensor{yB, shape}, saved);
    layer.backward(Tensor{dyB, shape}, Tensor{dyB, shape}, saved);
    std::vector<std::vector<double>> g;
    for (int i = 0; i < 4; ++i) // dWqkvu, dWout, dW12, dW3
      g.push_back(gradOf(*params[i]));
    return g;
  };
  const auto single = gradients(0);
  for (int splits : {1, 2, 3}) {
    const auto split = gradients(splits);
    for (int i = 0; i < 4; ++i)
      EXPECT_LT(relativeError(split[i], single[i]), 1e-5) << "weight " << i << ", " << splits << " splits";
  }
}

// A prefill of n - 1 tokens keeping the attention state, then one decode step at position n - 1,
// gives the forward's last row (LRPE at the absolute position, the state carried).
TEST(TNLLayerDecode, PrefillThenDecodeMatchesTheForward) {
  const int b = 2, n = 9, D = 32, H = 2;
  TNLLayerConfig cfg;
  cfg.dim = D, cfg.heads = H, cfg.glu = 24, cfg.lrpe = true;
  TNLLayer layer(kernels(), cfg, 3);
  auto params = layer.parameters();
  setRandom(*params[0], 1, 0.2), setRandom(*params[1], 2, 0.2);
  setRandom(*params[4], 5, 0.5);
  std::vector<double> xd;
  BF16 x = randomBF16(size_t(b) * n * D, 21, xd);
  BF16 head, last;
  for (int bi = 0; bi < b; ++bi) {
    head.insert(head.end(), x.begin() + size_t(bi) * n * D, x.begin() + (size_t(bi) * n + n - 1) * D);
    last.insert(last.end(), x.begin() + (size_t(bi) * n + n - 1) * D, x.begin() + size_t(bi + 1) * n * D);
  }
  lacc::Context &ctx = testContext();
  lacc::DeviceBuffer xB = ctx.upload(x), yB = ctx.alloc(x.size() * 2);
  lacc::DeviceBuffer headB = ctx.upload(head), headY = ctx.alloc(head.size() * 2);
  lacc::DeviceBuffer lastB = ctx.upload(last), lastY = ctx.alloc(last.size() * 2);
  lacc::DeviceBuffer state = ctx.alloc(size_t(b) * H * 32 * 16 * 4);
  TNLSaved full, prefill, step;
  layer.forward(Tensor{xB, {b, n, D}}, Tensor{yB, {b, n, D}}, full);
  Tensor st{state, {b * H, 32, 16}, DType::F32};
  layer.forward(Tensor{headB, {b, n - 1, D}}, Tensor{headY, {b, n - 1, D}}, prefill, &st);
  layer.decode(Tensor{lastB, {b, D}}, Tensor{lastY, {b, D}}, n - 1, st, step);
  std::vector<double> y = toDouble(yB.download<uint16_t>()), want;
  for (int bi = 0; bi < b; ++bi)
    want.insert(want.end(), y.begin() + (size_t(bi) * n + n - 1) * D, y.begin() + size_t(bi + 1) * n * D);
  EXPECT_LT(relativeError(toDouble(lastY.download<uint16_t>()), want), 1e-2);
}

TEST(TNLLayerArguments, ErrorsNameTheArgument) {
  TNLLayerConfig cfg;
  cfg.dim = 32, cfg.heads = 2, cfg.glu = 16;
  auto message = [](const std::function<void()> &f) -> std::string {
    try {
      f();
    } catch (const lacc::Error &e) {
      EXPECT_EQ(e.kind(), lacc::Error::Kind::Argument);
      return e.what();
    }
    return "no error";
  };
  TNLLayerConfig bad = cfg;
  bad.heads = 4; // head dim 8
  EXPECT_THAT(message([&] { TNLLayer(kernels(), bad, 1); }), HasSubstr("head dim"));
  bad = cfg;
  bad.layer = 3;
  EXPECT_THAT(message([&] { TNLLayer(kernels(), bad, 1); }), HasSubstr("layer = 3"));
  TNLLayer layer(kernels(), cfg, 1);
  lacc::Context &ctx = testContext();
  lacc::DeviceBuffer x = ctx.alloc(2 * 5 * 32 * 2), small = ctx.alloc(16);
  TNLSaved saved;
  EXPECT_THAT(message([&] { layer.forward(Tensor{x, {2, 5, 32}}, Tensor{x, {2, 5, 32}}, saved); }),
              HasSubstr("y must not be x's buffer"));
  EXPECT_THAT(message([&] { layer.forward(Tensor{x, {2, 5, 16}}, Tensor{small, {2, 5, 16}}, saved); }),
              HasSubstr("x must have shape [2, 5, 32]"));
  EXPECT_THAT(message([&] { layer.forward(Tensor{x, {2, 5, 32}}, Tensor{small, {2, 5, 32}}, saved); }),
              HasSubstr("y of shape [2, 5, 32] needs 640 bytes"));
  EXPECT_THAT(message([&] { layer.backward(Tensor{x, {2, 5, 32}}, Tensor{x, {2, 5, 32}}, saved); }),
              HasSubstr("run forward first"));
}

//===----------------------------------------------------------------------===//
// The model
//===----------------------------------------------------------------------===//

TNLModelConfig tinyModel() {
  TNLModelConfig c;
  c.vocab = 29, c.dim = 32, c.heads = 2, c.glu = 24, c.layers = 2, c.seed = 3;
  return c;
}

// The model's gradients in two links. (1) Every parameter's gradient from the kernels against
// the gradient of the fp64 model composed from kernels/reference/TNL.h, at the same (bf16) weights
// and batch. (2) That fp64 gradient against central finite differences of the fp64 loss along a
// random direction per parameter. Finite differences of the bf16 model itself are not a test:
// the rounding of its activations moves the loss by about 1e-3 between two nearby weight sets,
// as much as a step small enough for the difference to be linear (measured: 20-50% scatter).
TEST(TNLModelTest, GradientsMatchCentralDifferences) {
  const TNLModelConfig cfg = tinyModel();
  TNLModel model(kernels(), cfg);
  const int b = 2, n = 13, V = int(cfg.vocab), M = b * n;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> tokenDist(0, V - 1);
  std::vector<int32_t> tok(M), tgt(M);
  for (int i = 0; i < M; ++i)
    tok[i] = tokenDist(rng), tgt[i] = tokenDist(rng);
  lacc::DeviceBuffer tB = testContext().upload(tok), yB = testContext().upload(tgt);
  // Weights well away from the initialization's 0.02, so that every path carries signal.
  std::vector<Parameter *> params = model.parameters();
  std::vector<std::vector<double>> weights;
  uint32_t seed = 100;
  for (Parameter *p : params)
    weights.push_back(setRandom(*p, seed++, p->hasBF16 ? 0.3 : 0.5));
  const double loss = model.lossAndGradients(tB, yB, b, n, true);

  reference::TNLModelRef ref;
  ref.layer = {b, n, int(cfg.dim), int(cfg.heads), int(cfg.glu), true};
  ref.V = V, ref.L = int(cfg.layers);
  size_t w = 0;
  ref.embedding = weights[w++];
  std::vector<std::vector<double> *> slots{&ref.embedding};
  ref.layers.resize(size_t(ref.L));
  for (int l = 0; l < ref.L; ++l) {
    reference::TNLWeights &lw = ref.layers[size_t(l)];
    for (std::vector<double> *v : {&lw.wqkvu, &lw.wout, &lw.w12, &lw.w3})
      *v = weights[w++], slots.push_back(v);
    if (l == 0)
      lw.theta = weights[w++], slots.push_back(&lw.theta);
    for (float sl : lacc::nn::tnlSlopes(cfg.heads, l, ref.L))
      lw.slope.push_back(sl);
  }
  ref.head = weights[w++];
  slots.push_back(&ref.head);
  ASSERT_EQ(w, params.size());
  std::vector<std::vector<double>> refGrads;
  std::vector<int> tokI(tok.begin(), tok.end()), tgtI(tgt.begin(), tgt.end());
  const double refLoss = reference::tnlModelLoss(ref, tokI, tgtI, &refGrads);
  EXPECT_NEAR(loss, refLoss, 1e-2 * refLoss);
  ASSERT_EQ(refGrads.size(), params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    // (1) the kernels' gradient
    // (theta's gradient sums t x (g2 cos - g1 sin) over positions: more cancellation)
    const double tolerance = params[i]->hasBF16 ? 3e-2 : 5e-2;
    EXPECT_LT(relativeError(gradOf(*params[i]), refGrads[i]), tolerance)
        << params[i]->name << " (parameter " << i << ")";
    // (2) the fp64 gradient against central differences
    std::mt19937 drng(1000 + uint32_t(i));
    std::normal_distribution<double> dist;
    std::vector<double> &slot = *slots[i], w0 = slot, d(slot.size());
    double analytic = 0;
    for (size_t j = 0; j < d.size(); ++j)
      d[j] = dist(drng) * std::abs(w0[j]), analytic += d[j] * refGrads[i][j];
    const double e = 1e-5;
    auto lossAt = [&](double sign) {
      for (size_t j = 0; j < slot.size(); ++j)
        slot[j] = w0[j] + sign * e * d[j];
      return reference::tnlModelLoss(ref, tokI, tgtI);
    };
    const double numeric = (lossAt(1) - lossAt(-1)) / (2 * e);
    slot = w0;
    EXPECT_NEAR(analytic, numeric, 1e-5 * std::abs(numeric) + 1e-10)
        << params[i]->name << " (parameter " << i << ")";
  }
}

TEST(TNLModelTest, TrainingLowersTheLossAndACheckpointResumesIt) {
  TNLModel model(kernels(), tinyModel());
  // A sequence the model can learn: t -> t + 1 mod 29.
  std::vector<int32_t> t(2 * 16), y(t.size());
  for (size_t i = 0; i < t.size(); ++i)
    t[i] = int32_t((i * 7 + i / 16) % 29), y[i] = (t[i] + 1) % 29;
  lacc::DeviceBuffer tB = testContext().upload(t), yB = testContext().upload(y);
  lacc::nn::AdamWConfig opt;
  opt.lr = 1e-2f;
  float first = model.lossAndGradients(tB, yB, 2, 16);
  EXPECT_NEAR(first, std::log(29.0), 0.2);
  float last = first;
  for (int s = 0; s < 6; ++s) {
    model.step(opt);
    last = model.lossAndGradients(tB, yB, 2, 16);
  }
  EXPECT_LT(last, first - 0.2f);
  // Its own file: the GPU stress runs several processes of this suite at once.
  const std::string path =
      ::testing::TempDir() + "tnl_checkpoint." + std::to_string(getpid()) + ".bin";
  model.save(path);
  TNLModelConfig other = tinyModel();
  other.seed = 99; // different initial weights, replaced by the checkpoint
  TNLModel resumed(kernels(), other);
  resumed.load(path);
  EXPECT_EQ(resumed.stepCount(), 6);
  // The same weights give the very same loss (the forward has no atomics, and the loss is summed
  // in a fixed order), and the same next step (up to the order of the embedding gradient's and
  // dtheta's atomic sums on a GPU).
  EXPECT_EQ(resumed.lossAndGradients(tB, yB, 2, 16), last);
  model.step(opt);
  resumed.step(opt);
  float a = model.lossAndGradients(tB, yB, 2, 16, false);
  EXPECT_NEAR(resumed.lossAndGradients(tB, yB, 2, 16, false), a, 1e-5 * a);
  // Greedy decode gives tokens of the vocabulary.
  std::vector<int32_t> out = model.generate({1, 2, 3}, 4);
  ASSERT_EQ(out.size(), 4u);
  for (int32_t tok : out)
    EXPECT_TRUE(tok >= 0 && tok < 29);
  // Bad arguments name themselves.
  auto message = [](const std::function<void()> &f) -> std::string {
    try {
      f();
    } catch (const lacc::Error &e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_THAT(message([&] { model.lossAndGradients(tB, yB, 4, 16); }),
              HasSubstr("tokens must hold b * n = 64 i32"));
  EXPECT_THAT(message([&] { model.generate({1, 29}, 2); }), HasSubstr("prompt token 29"));
  lacc::nn::AdamWConfig badClip;
  badClip.clip = -1;
  EXPECT_THAT(message([&] { model.step(badClip); }), HasSubstr("clip = -1"));
  // A checkpoint of another shape is refused, naming the field.
  TNLModelConfig wider = tinyModel();
  wider.dim = 64;
  TNLModel mismatched(kernels(), wider);
  try {
    mismatched.load(path);
    ADD_FAILURE() << "loading a checkpoint of another shape succeeded";
  } catch (const lacc::Error &e) {
    EXPECT_THAT(e.what(), HasSubstr("dim = 32"));
  }
  std::remove(path.c_str());
}

} // namespace
