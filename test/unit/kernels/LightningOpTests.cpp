//===- LightningOpTests.cpp - lacc::ops::LightningAttention ---------------===//
//
// The op API of lacc/ops/Lightning.h on the test context (the CPU interpreter,
// or the GPU: KernelHarness.h): forward and backward give exactly what
// launching the kernels directly gives, and match the fp64 recurrent reference;
// a prefill with stateOut continued by decode matches the reference over the
// whole sequence; forwardVarlen (packed sequences, states in and out) and f16
// inputs match fp64 recurrences; the segment-parallel forward and backward
// match them and the backward without segments; and each bad argument is a
// lacc::Error that names it.
//
//===----------------------------------------------------------------------===//

#include "lacc/ops/Lightning.h"
#include "test/unit/kernels/KernelHarness.h"

#include <gmock/gmock.h>

using namespace lacc::test;
using lacc::ops::DType;
using lacc::ops::LightningAttention;
using lacc::ops::Tensor;
using ::testing::HasSubstr;
namespace reference = lacc::reference;

namespace {

constexpr int kBatch = 1, kHeads = 2, kBH = kBatch * kHeads;
const std::vector<float> kSlopes = {0.5f, 0.03f};
constexpr double kTolerance = 1e-2; // as LightningTests

struct Shape {
  int n, D, E;
  bool decay;
};

std::ostream &operator<<(std::ostream &os, const Shape &s) {
  return os << "n" << s.n << "_D" << s.D << "_E" << s.E << (s.decay ? "_decay" : "_nodecay");
}

std::vector<double> lambdas(bool decay) {
  std::vector<double> l;
  for (int bh = 0; bh < kBH; ++bh)
    l.push_back(decay ? std::exp(-double(kSlopes[bh % kHeads])) : 1.0);
  return l;
}

int sliceOf(int dim) { return std::min(dim, 32); }

/// Random bf16 inputs on the host and on the device.
struct Problem {
  Shape s;
  BF16 q, k, v, dO;
  std::vector<double> qd, kd, vd, dOd;
  std::vector<float> slope = kSlopes;
  lacc::DeviceBuffer qB, kB, vB, dOB, slopeB;

  explicit Problem(Shape shape) : s(shape) {
    size_t nq = size_t(kBH) * s.n * s.D, nv = size_t(kBH) * s.n * s.E;
    uint32_t seed = s.n * 1000 + s.D * 10 + s.E + 5;
    q = randomBF16(nq, seed + 1, qd);
    k = randomBF16(nq, seed + 2, kd);
    v = randomBF16(nv, seed + 3, vd);
    dO = randomBF16(nv, seed + 4, dOd);
    lacc::Context &ctx = testContext();
    qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v), dOB = ctx.upload(dO);
    slopeB = ctx.upload(slope);
  }
  std::vector<int64_t> shapeD() const { return {kBatch, kHeads, s.n, s.D}; }
  std::vector<int64_t> shapeE() const { return {kBatch, kHeads, s.n, s.E}; }
  reference::LightningShape ref() const { return {kBH, s.n, s.D, s.E}; }
  Defines defines(const char *sliceName, int slice) const {
    return {{"H", kHeads}, {"D", s.D}, {"E", s.E}, {"BLOCK", 64}, {sliceName, slice}, {"DECAY", s.decay}};
  }
  /// lightning_bwd_dkdv's: slices of both head dims.
  Defines defines(const char *dName, int dSlice, const char *eName, int eSlice) const {
    Defines d = defines(dName, dSlice);
    d[eName] = eSlice;
    return d;
  }
};

lacc::DeviceBuffer poisoned(size_t bytes) {
  lacc::DeviceBuffer b = testContext().alloc(bytes);
  b.fill(0xff);
  return b;
}

BF16 downloadBF16(const lacc::DeviceBuffer &b) {
  testContext().synchronize();
  return b.download<uint16_t>();
}

/// The largest ||got - want|| / ||want|| over the pieces of `piece` tokens of each (batch, head)
/// of [kBH, n, dim] tensors: a wrong state entering one segment shows even where decay leaves it
/// a small part of the whole.
double worstPieceError(const std::vector<double> &got, const std::vector<double> &want, int n,
                       int dim, int piece) {
  double worst = 0;
  for (int bh = 0; bh < kBH; ++bh)
    for (int first = 0; first < n; first += piece) {
      size_t begin = (size_t(bh) * n + first) * dim;
      size_t end = (size_t(bh) * n + std::min(n, first + piece)) * dim;
      double e = relativeError(std::vector<double>(got.begin() + begin, got.begin() + end),
                               std::vector<double>(want.begin() + begin, want.begin() + end));
      worst = std::isnan(e) ? e : std::max(worst, e);
      if (std::isnan(worst))
        return worst;
    }
  return worst;
}

LightningAttention op(bool decay) {
  LightningAttention::Options o;
  o.decay = decay;
  return LightningAttention(testContext(), o);
}

class LightningOp : public ::testing::TestWithParam<Shape> {};

TEST_P(LightningOp, ForwardMatchesDirectLaunchAndReference) {
  Problem p(GetParam());
  LightningAttention attn = op(p.s.decay);
  lacc::DeviceBuffer oB = poisoned(p.v.size() * 2);
  Tensor o(oB, p.shapeE());
  ASSERT_NO_THROW(attn.forward({p.qB, p.shapeD()}, {p.kB, p.shapeD()}, {p.vB, p.shapeE()},
                               p.slopeB, o));
  BF16 got = downloadBF16(oB);

  auto fwd = Kernel::load("lightning_fwd.tile", "lightning_fwd", p.defines("BLOCK_E", sliceOf(p.s.E)));
  ASSERT_TRUE(fwd);
  BF16 direct = poisonedBF16(p.v.size());
  fwd->run(lacc::Grid(p.s.E / sliceOf(p.s.E), kBH), p.q, p.k, p.v, direct, p.slope, p.s.n, kBH,
           int64_t(p.s.n) * p.s.D, int64_t(p.s.n) * p.s.E, p.slope, p.slope);
  EXPECT_EQ(got, direct);
  auto ref = reference::lightningForward(p.ref(), lambdas(p.s.decay), p.qd, p.kd, p.vd);
  EXPECT_LT(relativeError(toDouble(got), ref), kTolerance);
}

TEST_P(LightningOp, BackwardMatchesDirectLaunchAndReference) {
  Problem p(GetParam());
  LightningAttention attn = op(p.s.decay);
  lacc::DeviceBuffer dqB = poisoned(p.q.size() * 2), dkB = poisoned(p.k.size() * 2);
  lacc::DeviceBuffer dvB = poisoned(p.v.size() * 2);
  Tensor dq(dqB, p.shapeD()), dk(dkB, p.shapeD()), dv(dvB, p.shapeE());
  ASSERT_NO_THROW(attn.backward({p.qB, p.shapeD()}, {p.kB, p.shapeD()}, {p.vB, p.shapeE()},
                                {p.dOB, p.shapeE()}, p.slopeB, dq, dk, dv));
  BF16 gq = downloadBF16(dqB), gk = downloadBF16(dkB), gv = downloadBF16(dvB);

  auto kdq = Kernel::load("lightning_bwd.tile", "lightning_bwd_dq", p.defines("BLOCK_D", sliceOf(p.s.D)));
  auto kdkdv = Kernel::load("lightning_bwd.tile", "lightning_bwd_dkdv",
                            p.defines("BLOCK_D", sliceOf(p.s.D), "BLOCK_E", sliceOf(p.s.E)));
  ASSERT_TRUE(kdq && kdkdv);
  BF16 rq = poisonedBF16(p.q.size()), rk = poisonedBF16(p.k.size()), rv = poisonedBF16(p.v.size());
  const int dS = p.s.D / sliceOf(p.s.D), eS = p.s.E / sliceOf(p.s.E);
  const int64_t qkStride = int64_t(p.s.n) * p.s.D, voStride = int64_t(p.s.n) * p.s.E;
  kdq->run(lacc::Grid(dS, kBH), p.k, p.v, p.dO, rq, p.slope, p.s.n, kBH, qkStride, voStride,
           p.slope);
  kdkdv->run(lacc::Grid(dS + eS, kBH), p.q, p.k, p.v, p.dO, rk, rv, p.slope, p.s.n, kBH, qkStride,
             voStride, p.slope, p.slope);
  EXPECT_EQ(gq, rq);
  EXPECT_EQ(gk, rk);
  EXPECT_EQ(gv, rv);

  auto ref = reference::lightningBackward(p.ref(), lambdas(p.s.decay), p.qd, p.kd, p.vd, p.dOd);
  EXPECT_LT(relativeError(toDouble(gq), ref.dq), kTolerance);
  EXPECT_LT(relativeError(toDouble(gk), ref.dk), kTolerance);
  EXPECT_LT(relativeError(toDouble(gv), ref.dv), kTolerance);
}

/// Prefill tokens [0, n - steps) with stateOut, then decode the last `steps` one at a time:
/// every decoded output matches the reference forward over the whole sequence.
TEST_P(LightningOp, PrefillThenDecodeMatchesWholeSequence) {
  Problem p(GetParam());
  const int steps = 3, n = p.s.n, pre = n - steps;
  ASSERT_GE(pre, 1);
  LightningAttention attn = op(p.s.decay);
  lacc::Context &ctx = testContext();
  auto slice = [&](const BF16 &x, int dim, int begin, int end) {
    return tokens(x, kBH, n, dim, begin, end);
  };
  lacc::DeviceBuffer qP = ctx.upload(slice(p.q, p.s.D, 0, pre));
  lacc::DeviceBuffer kP = ctx.upload(slice(p.k, p.s.D, 0, pre));
  lacc::DeviceBuffer vP = ctx.upload(slice(p.v, p.s.E, 0, pre));
  lacc::DeviceBuffer oP = poisoned(size_t(kBH) * pre * p.s.E * 2);
  lacc::DeviceBuffer stateB = poisoned(size_t(kBH) * p.s.D * p.s.E * 4);
  Tensor oT(oP, {kBatch, kHeads, pre, p.s.E});
  Tensor state(stateB, {kBH, p.s.D, p.s.E}, DType::F32);
  ASSERT_NO_THROW(attn.forward({qP, {kBatch, kHeads, pre, p.s.D}}, {kP, {kBatch, kHeads, pre, p.s.D}},
                               {vP, {kBatch, kHeads, pre, p.s.E}}, p.slopeB, oT, nullptr, &state));

  auto ref = reference::lightningForward(p.ref(), lambdas(p.s.decay), p.qd, p.kd, p.vd);
  std::vector<double> prefill = toDouble(downloadBF16(oP)), refPrefill;
  for (int b = 0; b < kBH; ++b)
    refPrefill.insert(refPrefill.end(), ref.begin() + size_t(b) * n * p.s.E,
                      ref.begin() + (size_t(b) * n + pre) * p.s.E);
  EXPECT_LT(relativeError(prefill, refPrefill), kTolerance);

  for (int t = pre; t < n; ++t) {
    lacc::DeviceBuffer qT = ctx.upload(slice(p.q, p.s.D, t, t + 1));
    lacc::DeviceBuffer kT = ctx.upload(slice(p.k, p.s.D, t, t + 1));
    lacc::DeviceBuffer vT = ctx.upload(slice(p.v, p.s.E, t, t + 1));
    lacc::DeviceBuffer oB = poisoned(size_t(kBH) * p.s.E * 2);
    Tensor o(oB, {kBatch, kHeads, 1, p.s.E});
    ASSERT_NO_THROW(attn.decode({qT, {kBatch, kHeads, 1, p.s.D}}, {kT, {kBatch, kHeads, p.s.D}},
                                {vT, {kBatch, kHeads, 1, p.s.E}}, p.slopeB, state, o));
    std::vector<double> got = toDouble(downloadBF16(oB)), want;
    for (int b = 0; b < kBH; ++b)
      want.insert(want.end(), ref.begin() + (size_t(b) * n + t) * p.s.E,
                  ref.begin() + (size_t(b) * n + t + 1) * p.s.E);
    EXPECT_LT(relativeError(got, want), kTolerance) << "token " << t;
  }
  // One configuration per kernel: fwd with STATE_OUT, decode.
  EXPECT_EQ(attn.configCount(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LightningOp,
                         // Ragged n; D, E from 16 to 256 (a short n keeps 256 cheap).
                         ::testing::Values(Shape{65, 32, 32, true}, Shape{70, 16, 64, false},
                                           Shape{4, 64, 32, true}, Shape{9, 256, 16, true},
                                           Shape{9, 16, 256, false}),
                         [](const ::testing::TestParamInfo<Shape> &info) {
                           std::ostringstream os;
                           os << info.param;
                           return os.str();
                         });

//===----------------------------------------------------------------------===//
// Packed sequences and f16
//===----------------------------------------------------------------------===//

/// Random values of `type` (bf16 or f16) and the exact numbers they hold.
BF16 randomBits(DType type, size_t n, uint32_t seed, std::vector<double> &values) {
  if (type == DType::BF16)
    return randomBF16(n, seed, values);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist;
  BF16 out(n);
  values.resize(n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = lacc::interp::num::floatToHalfBits(dist(rng));
    values[i] = lacc::interp::num::halfBitsToFloat(out[i]);
  }
  return out;
}

std::vector<double> bitsToDouble(DType type, const BF16 &bits) {
  if (type == DType::BF16)
    return toDouble(bits);
  std::vector<double> out;
  for (uint16_t b : bits)
    out.push_back(lacc::interp::num::halfBitsToFloat(b));
  return out;
}

/// The recurrence S = lambda S + k_t^T v_t, o_t = q_t S in fp64 over `count` tokens of rows
/// [first, first + count) of [*, D] / [*, E] arrays, from `state` (D x E, updated).
void recur(double lambda, int first, int count, int D, int E, const std::vector<double> &q,
           const std::vector<double> &k, const std::vector<double> &v, double *state,
           std::vector<double> &o) {
  for (int t = first; t < first + count; ++t) {
    for (int d = 0; d < D; ++d)
      for (int e = 0; e < E; ++e)
        state[d * E + e] = lambda * state[d * E + e] + k[size_t(t) * D + d] * v[size_t(t) * E + e];
    for (int e = 0; e < E; ++e) {
      double acc = 0;
      for (int d = 0; d < D; ++d)
        acc += q[size_t(t) * D + d] * state[d * E + e];
      o[size_t(t) * E + e] = acc;
    }
  }
}

/// Three sequences (ragged, one of a single token) packed along the tokens of [h, T, dim]
/// tensors, each head from its own random state: o and the final states match the fp64
/// recurrence of each sequence alone. Then the same without states, through [1, h, T, dim].
TEST(LightningOpVarlen, MatchesEachSequenceWithStates) {
  const int D = 16, E = 32;
  const std::vector<int32_t> cu = {0, 37, 38, 104};
  const int N = int(cu.size()) - 1, T = cu.back();
  lacc::Context &ctx = testContext();
  std::vector<double> qd, kd, vd;
  BF16 q = randomBF16(size_t(kHeads) * T * D, 71, qd), k = randomBF16(size_t(kHeads) * T * D, 72, kd);
  BF16 v = randomBF16(size_t(kHeads) * T * E, 73, vd);
  std::vector<double> s0d;
  std::vector<float> s0 = randomF32(size_t(N) * kHeads * D * E, 74, s0d);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer cuB = ctx.upload(cu), slopeB = ctx.upload(kSlopes), s0B = ctx.upload(s0);
  lacc::DeviceBuffer oB = poisoned(v.size() * 2), s1B = poisoned(s0.size() * 4);
  Tensor tq(qB, {kHeads, T, D}), tk(kB, {kHeads, T, D}), tv(vB, {kHeads, T, E}), to(oB, {kHeads, T, E});
  Tensor cuT(cuB, {N + 1}, DType::I32), sIn(s0B, {N * kHeads, D, E}, DType::F32);
  Tensor sOut(s1B, {N * kHeads, D, E}, DType::F32);
  LightningAttention attn = op(true);
  ASSERT_NO_THROW(attn.forwardVarlen(tq, tk, tv, slopeB, cuT, to, &sIn, &sOut));

  // Per head h (rows h * T ..), sequence i: state (i * H + h), tokens cu[i] .. cu[i + 1].
  std::vector<double> refO(size_t(kHeads) * T * E), refState(s0.begin(), s0.end());
  std::vector<double> zeroO(refO.size()), zeroState(refState.size(), 0.0);
  for (int h = 0; h < kHeads; ++h)
    for (int i = 0; i < N; ++i) {
      double lambda = std::exp(-double(kSlopes[h]));
      size_t st = (size_t(i) * kHeads + h) * D * E;
      recur(lambda, h * T + cu[i], cu[i + 1] - cu[i], D, E, qd, kd, vd, &refState[st], refO);
      recur(lambda, h * T + cu[i], cu[i + 1] - cu[i], D, E, qd, kd, vd, &zeroState[st], zeroO);
    }
  EXPECT_LT(relativeError(toDouble(downloadBF16(oB)), refO), kTolerance);
  EXPECT_LT(relativeError(toDouble(s1B.download<float>()), refState), kTolerance);

  // No states; a leading batch dim of 1.
  lacc::DeviceBuffer o2B = poisoned(v.size() * 2);
  Tensor to2(o2B, {1, kHeads, T, E});
  ASSERT_NO_THROW(attn.forwardVarlen({qB, {1, kHeads, T, D}}, {kB, {1, kHeads, T, D}},
                                     {vB, {1, kHeads, T, E}}, slopeB, cuT, to2));
  EXPECT_LT(relativeError(toDouble(downloadBF16(o2B)), zeroO), kTolerance);
}

/// The varlen backward: ragged sequences (one empty, one of a single token, one longer than a
/// block) packed along the tokens of [h, T, dim] tensors, D != E so that the slices read at
/// offsets: dq, dk, dv match the fp64 reference of each (sequence, head) alone, with and without
/// decay; then with states per sequence (stateIn, dStateOut in, dStateIn out: the empty
/// sequence's dStateIn is its dStateOut).
TEST(LightningOpVarlen, BackwardMatchesEachSequence) {
  const int D = 32, E = 16;
  const std::vector<int32_t> cu = {0, 45, 45, 46, 121};
  const int N = int(cu.size()) - 1, T = cu.back();
  lacc::Context &ctx = testContext();
  std::vector<double> qd, kd, vd, dOd, s0d, dSnd;
  BF16 q = randomBF16(size_t(kHeads) * T * D, 81, qd), k = randomBF16(size_t(kHeads) * T * D, 82, kd);
  BF16 v = randomBF16(size_t(kHeads) * T * E, 83, vd), dO = randomBF16(size_t(kHeads) * T * E, 84, dOd);
  const size_t stateSize = size_t(N) * kHeads * D * E;
  std::vector<float> s0 = randomF32(stateSize, 85, s0d), dSn = randomF32(stateSize, 86, dSnd);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v), dOB = ctx.upload(dO);
  lacc::DeviceBuffer cuB = ctx.upload(cu), slopeB = ctx.upload(kSlopes);
  lacc::DeviceBuffer s0B = ctx.upload(s0), dSnB = ctx.upload(dSn);
  const std::vector<int64_t> stateShape{N * kHeads, D, E};
  const Tensor stateIn(s0B, stateShape, DType::F32), dStateOut(dSnB, stateShape, DType::F32);
  for (bool withStates : {false, true})
    for (bool decay : {true, false}) {
      lacc::DeviceBuffer dqB = poisoned(q.size() * 2), dkB = poisoned(k.size() * 2);
      lacc::DeviceBuffer dvB = poisoned(v.size() * 2), dS0B = poisoned(stateSize * 4);
      Tensor dq(dqB, {kHeads, T, D}), dk(dkB, {1, kHeads, T, D}), dv(dvB, {kHeads, T, E});
      Tensor dStateIn(dS0B, stateShape, DType::F32);
      LightningAttention::Options o;
      o.decay = decay;
      o.block = 16; // several blocks in the longer sequences, a ragged last one
      o.slice = 16; // two slices of D: dq's and dk's states read at an offset
      LightningAttention attn(ctx, o);
      ASSERT_NO_THROW(attn.backwardVarlen(
          {qB, {kHeads, T, D}}, {kB, {kHeads, T, D}}, {vB, {kHeads, T, E}},
          {dOB, {kHeads, T, E}}, slopeB, {cuB, {N + 1}, DType::I32}, dq, dk, dv,
          withStates ? &stateIn : nullptr, withStates ? &dStateOut : nullptr,
          withStates ? &dStateIn : nullptr));
      std::vector<double> refDq(qd.size()), refDk(kd.size()), refDv(vd.size()), refDS0(stateSize);
      for (int h = 0; h < kHeads; ++h)
        for (int i = 0; i < N; ++i) {
          const int first = h * T + cu[i], n = cu[i + 1] - cu[i];
          auto rows = [&](const std::vector<double> &x, size_t dim, size_t at, size_t count) {
            return std::vector<double>(x.begin() + at * dim, x.begin() + (at + count) * dim);
          };
          // Sequence i's state of head h.
          const size_t st = size_t(i) * kHeads + h;
          std::vector<double> lambda{decay ? std::exp(-double(kSlopes[h])) : 1.0};
          auto g = reference::lightningBackward(
              {1, n, D, E}, lambda, rows(qd, D, first, n), rows(kd, D, first, n),
              rows(vd, E, first, n), rows(dOd, E, first, n),
              withStates ? rows(s0d, D * E, st, 1) : std::vector<double>(),
              withStates ? rows(dSnd, D * E, st, 1) : std::vector<double>());
          std::copy(g.dq.begin(), g.dq.end(), refDq.begin() + size_t(first) * D);
          std::copy(g.dk.begin(), g.dk.end(), refDk.begin() + size_t(first) * D);
          std::copy(g.dv.begin(), g.dv.end(), refDv.begin() + size_t(first) * E);
          std::copy(g.dS0.begin(), g.dS0.end(), refDS0.begin() + st * D * E);
        }
      SCOPED_TRACE(std::string(withStates ? "states" : "no states") + (decay ? ", decay" : ""));
      EXPECT_LT(relativeError(toDouble(downloadBF16(dqB)), refDq), kTolerance);
      EXPECT_LT(relativeError(toDouble(downloadBF16(dkB)), refDk), kTolerance);
      EXPECT_LT(relativeError(toDouble(downloadBF16(dvB)), refDv), kTolerance);
      if (!withStates)
        continue;
      // Each (sequence, head)'s dStateIn on its own: [kBH, N * D, E] as pieces of D rows.
      EXPECT_LT(worstPieceError(toDouble(dS0B.download<float>()), refDS0, N * D, E, D), kTolerance);
    }
}

/// f16 inputs: forward, backward and a decode step against the fp64 recurrence (f16 holds
/// more mantissa than bf16, so the bf16 tolerance is ample), with ragged n.
TEST(LightningOpF16, ForwardBackwardDecodeMatchReference) {
  const int n = 67, D = 32, E = 16;
  lacc::Context &ctx = testContext();
  std::vector<double> qd, kd, vd, dOd;
  BF16 q = randomBits(DType::F16, size_t(kBH) * n * D, 81, qd);
  BF16 k = randomBits(DType::F16, size_t(kBH) * n * D, 82, kd);
  BF16 v = randomBits(DType::F16, size_t(kBH) * n * E, 83, vd);
  BF16 dO = randomBits(DType::F16, size_t(kBH) * n * E, 84, dOd);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v), dOB = ctx.upload(dO);
  lacc::DeviceBuffer slopeB = ctx.upload(kSlopes), stateB = poisoned(size_t(kBH) * D * E * 4);
  lacc::DeviceBuffer oB = poisoned(v.size() * 2), dqB = poisoned(q.size() * 2);
  lacc::DeviceBuffer dkB = poisoned(k.size() * 2), dvB = poisoned(v.size() * 2);
  const std::vector<int64_t> sD{kBatch, kHeads, n, D}, sE{kBatch, kHeads, n, E};
  Tensor tq(qB, sD, DType::F16), tk(kB, sD, DType::F16), tv(vB, sE, DType::F16);
  Tensor tdO(dOB, sE, DType::F16), to(oB, sE, DType::F16), tdq(dqB, sD, DType::F16);
  Tensor tdk(dkB, sD, DType::F16), tdv(dvB, sE, DType::F16);
  Tensor state(stateB, {kBH, D, E}, DType::F32);
  LightningAttention attn = op(true);
  ASSERT_NO_THROW(attn.forward(tq, tk, tv, slopeB, to, nullptr, &state));
  ASSERT_NO_THROW(attn.backward(tq, tk, tv, tdO, slopeB, tdq, tdk, tdv));
  reference::LightningShape shape{kBH, n, D, E};
  auto o = reference::lightningForward(shape, lambdas(true), qd, kd, vd);
  auto g = reference::lightningBackward(shape, lambdas(true), qd, kd, vd, dOd);
  EXPECT_LT(relativeError(bitsToDouble(DType::F16, downloadBF16(oB)), o), kTolerance);
  EXPECT_LT(relativeError(bitsToDouble(DType::F16, downloadBF16(dqB)), g.dq), kTolerance);
  EXPECT_LT(relativeError(bitsToDouble(DType::F16, downloadBF16(dkB)), g.dk), kTolerance);
  EXPECT_LT(relativeError(bitsToDouble(DType::F16, downloadBF16(dvB)), g.dv), kTolerance);

  // One more token from the prefill's state: the recurrence's next output.
  std::vector<double> q1d, k1d, v1d;
  BF16 q1 = randomBits(DType::F16, size_t(kBH) * D, 85, q1d);
  BF16 k1 = randomBits(DType::F16, size_t(kBH) * D, 86, k1d);
  BF16 v1 = randomBits(DType::F16, size_t(kBH) * E, 87, v1d);
  lacc::DeviceBuffer q1B = ctx.upload(q1), k1B = ctx.upload(k1), v1B = ctx.upload(v1);
  lacc::DeviceBuffer o1B = poisoned(size_t(kBH) * E * 2);
  Tensor to1(o1B, {kBatch, kHeads, E}, DType::F16);
  ASSERT_NO_THROW(attn.decode({q1B, {kBatch, kHeads, D}, DType::F16},
                              {k1B, {kBatch, kHeads, D}, DType::F16},
                              {v1B, {kBatch, kHeads, E}, DType::F16}, slopeB, state, to1));
  std::vector<double> want(size_t(kBH) * E), wantState;
  for (int bh = 0; bh < kBH; ++bh) {
    // The state after the prefill, from the recurrence, then one step.
    std::vector<double> S(size_t(D) * E, 0.0), scratch(size_t(n) * E);
    std::vector<double> qs(qd.begin() + size_t(bh) * n * D, qd.begin() + size_t(bh + 1) * n * D);
    std::vector<double> ks(kd.begin() + size_t(bh) * n * D, kd.begin() + size_t(bh + 1) * n * D);
    std::vector<double> vs(vd.begin() + size_t(bh) * n * E, vd.begin() + size_t(bh + 1) * n * E);
    recur(lambdas(true)[bh], 0, n, D, E, qs, ks, vs, S.data(), scratch);
    std::vector<double> q1s(q1d.begin() + bh * D, q1d.begin() + (bh + 1) * D);
    std::vector<double> k1s(k1d.begin() + bh * D, k1d.begin() + (bh + 1) * D);
    std::vector<double> v1s(v1d.begin() + bh * E, v1d.begin() + (bh + 1) * E), o1(E);
    recur(lambdas(true)[bh], 0, 1, D, E, q1s, k1s, v1s, S.data(), o1);
    wantState.insert(wantState.end(), S.begin(), S.end());
    std::copy(o1.begin(), o1.end(), want.begin() + bh * E);
  }
  EXPECT_LT(relativeError(toDouble(stateB.download<float>()), wantState), kTolerance);
  EXPECT_LT(relativeError(bitsToDouble(DType::F16, downloadBF16(o1B)), want), kTolerance);
  // f16 kernels are their own configurations: fwd with STATE_OUT, dq, dk-and-dv, decode.
  EXPECT_EQ(attn.configCount(), 4u);
}

//===----------------------------------------------------------------------===//
// The segment-parallel forward
//===----------------------------------------------------------------------===//

/// Two walks per SM at 2 stages where only 2 let two share an SM and there are more programs
/// than SMs (docs/lightning.md); else 3, or what the options say.
TEST(LightningOpStages, Rule) {
  LightningAttention::Options o;
  o.multiprocessors = 132; // an H200
  LightningAttention attn(testContext(), o);
  if (!attn.tma())
    GTEST_SKIP() << "the rule is for walks through the TMA (sm_90a)";
  // d = 128: 147 KB at 3 stages, one program per SM; 106 KB at 2, two.
  EXPECT_EQ(attn.walkStages(1024, 128, 128), 2u);
  EXPECT_EQ(attn.walkStages(133, 128, 128), 2u);
  EXPECT_EQ(attn.walkStages(132, 128, 128), 3u); // one wave at one per SM
  // d = 64 fits two at 3 stages; d = 256 (slices of 32) not even at 2.
  EXPECT_EQ(attn.walkStages(1024, 64, 64), 3u);
  EXPECT_EQ(attn.walkStages(1024, 256, 256), 3u);
  LightningAttention::Options forced = o;
  forced.numStages = 4;
  EXPECT_EQ(LightningAttention(testContext(), forced).walkStages(1024, 128, 128), 4u);
  LightningAttention::Options noTMA = o;
  noTMA.tma = false; // cp.async copies go out after the compute: they keep the third stage
  EXPECT_EQ(LightningAttention(testContext(), noTMA).walkStages(1024, 128, 128), 3u);
}

TEST(LightningOpSegments, Rule) {
  LightningAttention::Options o;
  o.multiprocessors = 132; // an H200
  LightningAttention attn(testContext(), o);
  auto segs = [&](int64_t bh, int64_t n, int64_t E, bool backward) {
    auto s = attn.segmentsFor(bh, n, E, E, backward);
    return std::make_pair(s.count, s.length);
  };
  auto pieces = [&](int64_t bh, int64_t n, int64_t E, bool backward) {
    auto s = attn.segmentsFor(bh, n, E, E, backward);
    return std::make_pair(s.pieces, s.pieceLength);
  };
  // The defaults (decay, windows, slices of 64, 4 warps), ANCHORS.md: two programs per SM. At
  // n = 64K 32 (batch, head)s x 2 slices are 64 programs: both passes cut 4 segments; the
  // own-state walks of the first three, 192 (slice, sequence)s forward and 384 backward (S's and
  // R's), take one piece each.
  EXPECT_EQ(segs(32, 65536, 128, false), std::make_pair(int64_t(4), int64_t(16384)));
  EXPECT_EQ(segs(32, 65536, 128, true), std::make_pair(int64_t(4), int64_t(16384)));
  EXPECT_EQ(pieces(32, 65536, 128, false), std::make_pair(int64_t(1), int64_t(16384)));
  EXPECT_EQ(pieces(32, 65536, 128, true), std::make_pair(int64_t(1), int64_t(16384)));
  // At n = 32K the forward's 128 programs cut 2, the backward's (one per SM) none; at 16K the
  // 256 programs (for 264) none.
  EXPECT_EQ(segs(64, 32768, 128, false), std::make_pair(int64_t(2), int64_t(16384)));
  EXPECT_EQ(segs(64, 32768, 128, true).first, 1);
  EXPECT_EQ(segs(128, 16384, 128, false).first, 1);
  // d = 64 (one slice) cuts where half of the SMs are idle, one program per SM: 32 programs at
  // n = 64K, 4 segments; 64 at 32K, 2; at 16K the 128 programs none.
  EXPECT_EQ(segs(32, 65536, 64, true), std::make_pair(int64_t(4), int64_t(16384)));
  EXPECT_EQ(segs(64, 32768, 64, false), std::make_pair(int64_t(2), int64_t(16384)));
  EXPECT_EQ(segs(128, 16384, 64, false).first, 1);
  // Few heads, a long sequence: 8 segments (224 walks: one piece each), whole state blocks (128
  // tokens) each but the last.
  EXPECT_EQ(segs(16, 100000, 128, false), std::make_pair(int64_t(8), int64_t(12544)));
  EXPECT_EQ(pieces(16, 100000, 128, false), std::make_pair(int64_t(1), int64_t(12544)));
  // Segments at least 8 blocks long: 16 of 512 tokens, not cut into pieces (the 30 walks would
  // take 4 each, but pieces are at least 4 state blocks long).
  EXPECT_EQ(segs(1, 8192, 128, false), std::make_pair(int64_t(16), int64_t(512)));
  EXPECT_EQ(pieces(1, 8192, 128, false), std::make_pair(int64_t(1), int64_t(512)));
  // Too short for segments of 8 blocks.
  EXPECT_EQ(segs(1, 1000, 128, false).first, 1);
  // Without decay (or without windows) those walks read whole segments once more: segments
  // only where the programs leave half of the SMs idle, one program per SM.
  for (bool decay : {false, true}) {
    LightningAttention::Options full = o;
    full.decay = decay;
    full.window = false;
    LightningAttention read(testContext(), full);
    auto cut = [&](int64_t bh, int64_t n, int64_t E, bool backward) {
      auto s = read.segmentsFor(bh, n, E, E, backward);
      return std::make_tuple(s.count, s.length, s.pieces);
    };
    // n = 64K: 2 segments; the first's 64 forward walks in 2 pieces, the backward's 128 in 1.
    EXPECT_EQ(cut(32, 65536, 128, false), std::make_tuple(int64_t(2), int64_t(32768), int64_t(2)));
    EXPECT_EQ(cut(32, 65536, 128, true), std::make_tuple(int64_t(2), int64_t(32768), int64_t(1)));
    EXPECT_EQ(std::get<0>(cut(64, 32768, 128, false)), 1);
    EXPECT_EQ(std::get<0>(cut(32, 65536, 64, true)), 4);
  }
  // Options::segments overrides the rule, 1 meaning none.
  LightningAttention::Options forced = o;
  forced.segments = 3;
  EXPECT_EQ(LightningAttention(testContext(), forced).segmentsFor(64, 32768, 128, 128).count, 3);
  forced.pieces = 3;
  EXPECT_EQ(LightningAttention(testContext(), forced).segmentsFor(64, 32768, 128, 128).pieces, 3);
  forced.segments = 1;
  EXPECT_EQ(LightningAttention(testContext(), forced).segmentsFor(32, 65536, 128, 128).count, 1);
  // No SM count (the interpreter): none.
  if (testContext().interpreting()) {
    EXPECT_EQ(LightningAttention(testContext()).segmentsFor(1, 1 << 20, 16, 16).count, 1);
  }
}

TEST(LightningOpConfig, PerHeadDim) {
  LightningAttention::Options o;
  LightningAttention attn(testContext(), o);
  EXPECT_EQ(attn.sliceFor(128, 128), 64);
  EXPECT_EQ(attn.warpsFor(128, 128), 4u);
  EXPECT_EQ(attn.sliceFor(64, 256), 32);
  EXPECT_EQ(attn.warpsFor(256, 256), 4u);
  o.slice = 16;
  o.numWarps = 2;
  LightningAttention set(testContext(), o);
  EXPECT_EQ(set.sliceFor(256, 256), 16);
  EXPECT_EQ(set.warpsFor(128, 128), 2u);
}

struct SegShape {
  int n, D, E;
  bool decay;
  int multiprocessors;
  int64_t segments; // what the rule gives, asserted so that the path is the one tested
  int pieces;       // Options::pieces (0: the rule's, 1 at these lengths)
};

std::ostream &operator<<(std::ostream &os, const SegShape &s) {
  return os << "n" << s.n << "_D" << s.D << "_E" << s.E << (s.decay ? "_decay" : "_nodecay")
            << "_sms" << s.multiprocessors << "_pieces" << s.pieces;
}

class LightningOpSegments : public ::testing::TestWithParam<SegShape> {};

/// From a random state in, o and the state out match the fp64 recurrence over the whole
/// sequence. BLOCK 16 and a small SM count make the rule cut short sequences (the last
/// segment and its last block ragged), so that the interpreter runs it.
TEST_P(LightningOpSegments, MatchRecurrenceWithStates) {
  const SegShape p = GetParam();
  lacc::Context &ctx = testContext();
  LightningAttention::Options opts;
  opts.decay = p.decay;
  opts.block = 16;
  opts.slice = 32; // narrower than the wider head dims: states read at offsets
  opts.multiprocessors = p.multiprocessors;
  opts.pieces = p.pieces;
  LightningAttention attn(ctx, opts);
  ASSERT_EQ(attn.segmentsFor(kBH, p.n, p.D, p.E).count, p.segments);
  ASSERT_EQ(attn.segmentsFor(kBH, p.n, p.D, p.E).pieces, std::max(p.pieces, 1));

  std::vector<double> qd, kd, vd;
  uint32_t seed = p.n + p.D + p.E;
  BF16 q = randomBF16(size_t(kBH) * p.n * p.D, seed + 1, qd);
  BF16 k = randomBF16(size_t(kBH) * p.n * p.D, seed + 2, kd);
  BF16 v = randomBF16(size_t(kBH) * p.n * p.E, seed + 3, vd);
  std::vector<double> s0d;
  std::vector<float> s0 = randomF32(size_t(kBH) * p.D * p.E, seed + 4, s0d);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer slopeB = ctx.upload(kSlopes), s0B = ctx.upload(s0);
  lacc::DeviceBuffer oB = poisoned(v.size() * 2), s1B = poisoned(s0.size() * 4);
  const std::vector<int64_t> sD{kBatch, kHeads, p.n, p.D}, sE{kBatch, kHeads, p.n, p.E};
  Tensor to(oB, sE), sIn(s0B, {kBH, p.D, p.E}, DType::F32), sOut(s1B, {kBH, p.D, p.E}, DType::F32);
  ASSERT_NO_THROW(attn.forward({qB, sD}, {kB, sD}, {vB, sE}, slopeB, to, &sIn, &sOut));

  std::vector<double> refO(size_t(kBH) * p.n * p.E), refState(s0.begin(), s0.end());
  for (int bh = 0; bh < kBH; ++bh)
    recur(lambdas(p.decay)[bh], bh * p.n, p.n, p.D, p.E, qd, kd, vd,
          &refState[size_t(bh) * p.D * p.E], refO);
  EXPECT_LT(relativeError(toDouble(downloadBF16(oB)), refO), kTolerance);
  EXPECT_LT(relativeError(toDouble(s1B.download<float>()), refState), kTolerance);
  // The state walk, the scan and the last walk.
  EXPECT_EQ(attn.configCount(), 3u);

  // Without stateOut the last segment's own states are neither made nor read: o is the same.
  lacc::DeviceBuffer o2B = poisoned(v.size() * 2);
  Tensor to2(o2B, sE);
  ASSERT_NO_THROW(attn.forward({qB, sD}, {kB, sD}, {vB, sE}, slopeB, to2, &sIn, nullptr));
  EXPECT_LT(relativeError(toDouble(downloadBF16(o2B)), refO), kTolerance);
}

/// A strong decay (slopes 4 and 3) and BLOCK 64, so that the own-state walk's blocks of 128
/// would weigh the rows past a segment's ragged end by up to exp(4 * 127) (infinite in f32,
/// and inf * 0 = NaN) were their exponents not clamped: o and the state out stay finite and match
/// the recurrence.
TEST(LightningOpSegments, StrongDecayRowsPastTheEnd) {
  lacc::Context &ctx = testContext();
  const int n = 1100, D = 16, E = 16; // segments of 576 and 524 tokens
  LightningAttention::Options opts;
  opts.multiprocessors = 4;
  LightningAttention attn(ctx, opts);
  ASSERT_EQ(attn.segmentsFor(kBH, n, D, E).count, 2);
  const std::vector<float> slopes = {4.0f, 3.0f};
  std::vector<double> qd, kd, vd, s0d;
  BF16 q = randomBF16(size_t(kBH) * n * D, 71, qd), k = randomBF16(size_t(kBH) * n * D, 72, kd);
  BF16 v = randomBF16(size_t(kBH) * n * E, 73, vd);
  std::vector<float> s0 = randomF32(size_t(kBH) * D * E, 74, s0d);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer slopeB = ctx.upload(slopes), s0B = ctx.upload(s0);
  lacc::DeviceBuffer oB = poisoned(v.size() * 2), s1B = poisoned(s0.size() * 4);
  const std::vector<int64_t> sD{kBatch, kHeads, n, D}, sE{kBatch, kHeads, n, E};
  Tensor to(oB, sE), sIn(s0B, {kBH, D, E}, DType::F32), sOut(s1B, {kBH, D, E}, DType::F32);
  ASSERT_NO_THROW(attn.forward({qB, sD}, {kB, sD}, {vB, sE}, slopeB, to, &sIn, &sOut));
  std::vector<double> refO(size_t(kBH) * n * E), refState(s0.begin(), s0.end());
  for (int bh = 0; bh < kBH; ++bh)
    recur(std::exp(-double(slopes[bh % kHeads])), bh * n, n, D, E, qd, kd, vd,
          &refState[size_t(bh) * D * E], refO);
  EXPECT_LT(relativeError(toDouble(downloadBF16(oB)), refO), kTolerance);
  EXPECT_LT(relativeError(toDouble(s1B.download<float>()), refState), kTolerance);
}

/// The walks for the states entering segments leave out what decay has made smaller than f32
/// resolves (Options::window): with head 0's slope of 0.5 a state remembers 33 tokens. NaN in
/// k and v of head 0's first 32 tokens, and in q and dO of its last 32, is more than that away
/// from every segment boundary but the first segment's start and the last's end: o, dq, dk and
/// dv of the segments between are finite and those of the inputs with the NaN read as zeros
/// (what the unwindowed walks would carry is NaN). Without windows they are NaN.
TEST(LightningOpSegments, WindowLeavesOutWhatDecayForgot) {
  lacc::Context &ctx = testContext();
  const int n = 701, D = 16, E = 16, S = 4, poison = 32;
  LightningAttention::Options opts;
  opts.block = 16;
  opts.segments = S;
  opts.multiprocessors = 8;
  opts.pieces = 2;
  std::vector<double> qd, kd, vd, dOd;
  const size_t nq = size_t(kBH) * n * D, nv = size_t(kBH) * n * E;
  BF16 q = randomBF16(nq, 51, qd), k = randomBF16(nq, 52, kd);
  BF16 v = randomBF16(nv, 53, vd), dO = randomBF16(nv, 54, dOd);
  constexpr uint16_t kNaN = 0x7fc0;
  for (int t = 0; t < poison; ++t) { // head 0 is (batch, head) 0: rows 0 .. n of each tensor
    for (int c = 0; c < D; ++c) {
      k[size_t(t) * D + c] = kNaN, kd[size_t(t) * D + c] = 0;
      q[size_t(n - 1 - t) * D + c] = kNaN, qd[size_t(n - 1 - t) * D + c] = 0;
    }
    for (int c = 0; c < E; ++c) {
      v[size_t(t) * E + c] = kNaN, vd[size_t(t) * E + c] = 0;
      dO[size_t(n - 1 - t) * E + c] = kNaN, dOd[size_t(n - 1 - t) * E + c] = 0;
    }
  }
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer dOB = ctx.upload(dO), slopeB = ctx.upload(kSlopes);
  const std::vector<int64_t> sD{kBatch, kHeads, n, D}, sE{kBatch, kHeads, n, E};
  Tensor tq(qB, sD), tk(kB, sD), tv(vB, sE), tdO(dOB, sE);
  const std::vector<double> lambda = lambdas(true);
  const std::vector<double> refO = reference::lightningForward({kBH, n, D, E}, lambda, qd, kd, vd);
  auto ref = reference::lightningBackward({kBH, n, D, E}, lambda, qd, kd, vd, dOd);
  for (bool window : {true, false}) {
    SCOPED_TRACE(window ? "windows" : "no windows");
    opts.window = window;
    LightningAttention attn(ctx, opts);
    const LightningAttention::Segments cut = attn.segmentsFor(kBH, n, D, E);
    ASSERT_EQ(cut.count, S);
    lacc::DeviceBuffer oB = poisoned(nv * 2), dqB = poisoned(nq * 2), dkB = poisoned(nq * 2);
    lacc::DeviceBuffer dvB = poisoned(nv * 2);
    Tensor to(oB, sE), tdq(dqB, sD), tdk(dkB, sD), tdv(dvB, sE);
    ASSERT_NO_THROW(attn.forward(tq, tk, tv, slopeB, to));
    ASSERT_NO_THROW(attn.backward(tq, tk, tv, tdO, slopeB, tdq, tdk, tdv));
    // Head 0's tokens of the segments between the first and the last.
    const size_t first = size_t(cut.length), last = size_t((S - 1) * cut.length);
    auto between = [&](const std::vector<double> &x, int dim) {
      return std::vector<double>(x.begin() + first * dim, x.begin() + last * dim);
    };
    const std::vector<std::tuple<const char *, std::vector<double>, std::vector<double>, int>>
        outputs = {{"o", toDouble(downloadBF16(oB)), refO, E},
                   {"dq", toDouble(downloadBF16(dqB)), ref.dq, D},
                   {"dk", toDouble(downloadBF16(dkB)), ref.dk, D},
                   {"dv", toDouble(downloadBF16(dvB)), ref.dv, E}};
    for (const auto &[name, got, want, dim] : outputs) {
      const double error = relativeError(between(got, dim), between(want, dim));
      if (window)
        EXPECT_LT(error, kTolerance) << name;
      else
        EXPECT_TRUE(std::isnan(error)) << name << ": " << error;
    }
  }
}

/// With and without windows, o, the state out, dq, dk and dv match the fp64 recurrence, and
/// each other up to rounding: what the windows leave out is below f32's resolution. Head 0
/// (slope 0.5) remembers 33 tokens, head 1 (0.03) 555, longer than a segment.
TEST(LightningOpSegments, WindowsMatchWholeWalks) {
  lacc::Context &ctx = testContext();
  const int n = 701, D = 16, E = 32;
  std::vector<double> qd, kd, vd, dOd, s0d;
  const size_t nq = size_t(kBH) * n * D, nv = size_t(kBH) * n * E;
  BF16 q = randomBF16(nq, 61, qd), k = randomBF16(nq, 62, kd);
  BF16 v = randomBF16(nv, 63, vd), dO = randomBF16(nv, 64, dOd);
  std::vector<float> s0 = randomF32(size_t(kBH) * D * E, 65, s0d);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer dOB = ctx.upload(dO), slopeB = ctx.upload(kSlopes), s0B = ctx.upload(s0);
  const std::vector<int64_t> sD{kBatch, kHeads, n, D}, sE{kBatch, kHeads, n, E};
  Tensor tq(qB, sD), tk(kB, sD), tv(vB, sE), tdO(dOB, sE);
  Tensor sIn(s0B, {kBH, D, E}, DType::F32);
  std::vector<double> refO(nv), refState(s0.begin(), s0.end());
  for (int bh = 0; bh < kBH; ++bh)
    recur(lambdas(true)[bh], bh * n, n, D, E, qd, kd, vd, &refState[size_t(bh) * D * E], refO);
  auto ref = reference::lightningBackward({kBH, n, D, E}, lambdas(true), qd, kd, vd, dOd);
  // o, the state out, dq, dk, dv with windows ([0]) and without ([1]).
  std::vector<std::vector<std::vector<double>>> got(2);
  for (int i = 0; i < 2; ++i) {
    LightningAttention::Options opts;
    opts.block = 16;
    opts.segments = 4;
    opts.pieces = 2;
    opts.multiprocessors = 8;
    opts.window = i == 0;
    LightningAttention attn(ctx, opts);
    lacc::DeviceBuffer oB = poisoned(nv * 2), s1B = poisoned(s0.size() * 4);
    lacc::DeviceBuffer dqB = poisoned(nq * 2), dkB = poisoned(nq * 2), dvB = poisoned(nv * 2);
    Tensor to(oB, sE), sOut(s1B, {kBH, D, E}, DType::F32), tdq(dqB, sD), tdk(dkB, sD),
        tdv(dvB, sE);
    ASSERT_NO_THROW(attn.forward(tq, tk, tv, slopeB, to, &sIn, &sOut));
    ASSERT_NO_THROW(attn.backward(tq, tk, tv, tdO, slopeB, tdq, tdk, tdv));
    got[i] = {toDouble(downloadBF16(oB)), toDouble(s1B.download<float>()),
              toDouble(downloadBF16(dqB)), toDouble(downloadBF16(dkB)),
              toDouble(downloadBF16(dvB))};
  }
  const std::vector<const std::vector<double> *> want = {&refO, &refState, &ref.dq, &ref.dk,
                                                         &ref.dv};
  const char *names[] = {"o", "state out", "dq", "dk", "dv"};
  for (size_t j = 0; j < want.size(); ++j) {
    EXPECT_LT(relativeError(got[0][j], *want[j]), kTolerance) << names[j];
    EXPECT_LT(relativeError(got[1][j], *want[j]), kTolerance) << names[j];
    EXPECT_LT(relativeError(got[0][j], got[1][j]), 1e-3) << names[j];
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LightningOpSegments,
                         ::testing::Values(SegShape{701, 32, 16, true, 8, 4, 0},
                                           SegShape{701, 32, 16, true, 8, 4, 3},
                                           SegShape{300, 16, 32, false, 4, 2, 2}),
                         [](const ::testing::TestParamInfo<SegShape> &info) {
                           std::ostringstream os;
                           os << info.param;
                           return os.str();
                         });

//===----------------------------------------------------------------------===//
// The segment-parallel backward
//===----------------------------------------------------------------------===//

struct SegBwdShape {
  int n, D, E;
  bool decay;
  DType type;
  int multiprocessors;
  int64_t segments; // what the rule gives, asserted so that the path is the one tested
  int pieces;       // Options::pieces (0: the rule's, 1 at these lengths)
};

std::ostream &operator<<(std::ostream &os, const SegBwdShape &s) {
  return os << "n" << s.n << "_D" << s.D << "_E" << s.E << (s.decay ? "_decay" : "_nodecay")
            << (s.type == DType::F16 ? "_f16" : "_bf16") << "_sms" << s.multiprocessors
            << "_pieces" << s.pieces;
}

class LightningOpSegmentsBackward : public ::testing::TestWithParam<SegBwdShape> {};

/// dq, dk, dv with the sequences cut into segments match the fp64 recurrence segment by segment,
/// and the backward without segments up to rounding. BLOCK 16 and a small SM count make the rule
/// cut short sequences (the last segment and its last block ragged), so that the interpreter
/// runs it; slices of D and E narrower than the head dims read the states' slices at offsets.
TEST_P(LightningOpSegmentsBackward, MatchesReferenceAndUnsegmented) {
  const SegBwdShape p = GetParam();
  lacc::Context &ctx = testContext();
  LightningAttention::Options opts;
  opts.decay = p.decay;
  opts.block = 16;
  opts.slice = 32; // narrower than the wider head dims: states read at offsets
  opts.multiprocessors = p.multiprocessors;
  opts.pieces = p.pieces;
  LightningAttention attn(ctx, opts);
  const LightningAttention::Segments segments =
      attn.segmentsFor(kBH, p.n, p.D, p.E, /*backward=*/true);
  ASSERT_EQ(segments.count, p.segments);
  ASSERT_EQ(segments.pieces, std::max(p.pieces, 1));
  // The same backward without segments.
  LightningAttention::Options wholeOpts = opts;
  wholeOpts.segments = 1;
  LightningAttention whole(ctx, wholeOpts);
  ASSERT_EQ(whole.segmentsFor(kBH, p.n, p.D, p.E, /*backward=*/true).count, 1);

  std::vector<double> qd, kd, vd, dOd;
  uint32_t seed = p.n * 7 + p.D + p.E;
  const size_t nq = size_t(kBH) * p.n * p.D, nv = size_t(kBH) * p.n * p.E;
  BF16 q = randomBits(p.type, nq, seed + 1, qd), k = randomBits(p.type, nq, seed + 2, kd);
  BF16 v = randomBits(p.type, nv, seed + 3, vd), dO = randomBits(p.type, nv, seed + 4, dOd);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer dOB = ctx.upload(dO), slopeB = ctx.upload(kSlopes);
  const std::vector<int64_t> sD{kBatch, kHeads, p.n, p.D}, sE{kBatch, kHeads, p.n, p.E};
  Tensor tq(qB, sD, p.type), tk(kB, sD, p.type), tv(vB, sE, p.type), tdO(dOB, sE, p.type);
  // Gradients of the segmented backward ([0]) and of the whole-sequence one ([1]).
  std::vector<std::vector<double>> dq(2), dk(2), dv(2);
  for (int i = 0; i < 2; ++i) {
    lacc::DeviceBuffer dqB = poisoned(nq * 2), dkB = poisoned(nq * 2), dvB = poisoned(nv * 2);
    Tensor tdq(dqB, sD, p.type), tdk(dkB, sD, p.type), tdv(dvB, sE, p.type);
    ASSERT_NO_THROW((i == 0 ? attn : whole).backward(tq, tk, tv, tdO, slopeB, tdq, tdk, tdv));
    dq[i] = bitsToDouble(p.type, downloadBF16(dqB));
    dk[i] = bitsToDouble(p.type, downloadBF16(dkB));
    dv[i] = bitsToDouble(p.type, downloadBF16(dvB));
  }

  auto ref = reference::lightningBackward({kBH, p.n, p.D, p.E}, lambdas(p.decay), qd, kd, vd, dOd);
  const int L = int(segments.length);
  EXPECT_LT(worstPieceError(dq[0], ref.dq, p.n, p.D, L), kTolerance);
  EXPECT_LT(worstPieceError(dk[0], ref.dk, p.n, p.D, L), kTolerance);
  EXPECT_LT(worstPieceError(dv[0], ref.dv, p.n, p.E, L), kTolerance);
  // The two differ in roundings only: dq's incoming state comes from a state-only walk, which
  // weighs a segment's last block from its own end (the k it rounds to bf16 / f16 differ
  // a little: up to 2e-3 here); dk and dv differ in the order of f32 sums (1e-5 here).
  constexpr double kSame = 5e-3;
  EXPECT_LT(worstPieceError(dq[0], dq[1], p.n, p.D, L), kSame);
  EXPECT_LT(worstPieceError(dk[0], dk[1], p.n, p.D, L), kSame);
  EXPECT_LT(worstPieceError(dv[0], dv[1], p.n, p.E, L), kSame);
  // The segment states' walks (one kernel), the forward and the reverse scans, dq's walks and
  // dk's and dv's (one kernel).
  EXPECT_EQ(attn.configCount(), 5u);
}

/// The backward's own-state walks at a strong decay (slopes 4 and 3, blocks of 128 from BLOCK
/// 64): the rows past a segment's ragged end keep finite weights; dq, dk, dv match the fp64
/// reference.
TEST(LightningOpSegmentsBackward, StrongDecayRowsPastTheEnd) {
  lacc::Context &ctx = testContext();
  const int n = 1100, D = 16, E = 16;
  LightningAttention::Options opts;
  opts.multiprocessors = 4;
  LightningAttention attn(ctx, opts);
  ASSERT_EQ(attn.segmentsFor(kBH, n, D, E, /*backward=*/true).count, 2);
  const std::vector<float> slopes = {4.0f, 3.0f};
  std::vector<double> qd, kd, vd, dOd;
  const size_t nq = size_t(kBH) * n * D, nv = size_t(kBH) * n * E;
  BF16 q = randomBF16(nq, 91, qd), k = randomBF16(nq, 92, kd);
  BF16 v = randomBF16(nv, 93, vd), dO = randomBF16(nv, 94, dOd);
  lacc::DeviceBuffer qB = ctx.upload(q), kB = ctx.upload(k), vB = ctx.upload(v);
  lacc::DeviceBuffer dOB = ctx.upload(dO), slopeB = ctx.upload(slopes);
  lacc::DeviceBuffer dqB = poisoned(nq * 2), dkB = poisoned(nq * 2), dvB = poisoned(nv * 2);
  const std::vector<int64_t> sD{kBatch, kHeads, n, D}, sE{kBatch, kHeads, n, E};
  Tensor tdq(dqB, sD), tdk(dkB, sD), tdv(dvB, sE);
  ASSERT_NO_THROW(attn.backward({qB, sD}, {kB, sD}, {vB, sE}, {dOB, sE}, slopeB, tdq, tdk, tdv));
  std::vector<double> lambda;
  for (int bh = 0; bh < kBH; ++bh)
    lambda.push_back(std::exp(-double(slopes[bh % kHeads])));
  auto ref = reference::lightningBackward({kBH, n, D, E}, lambda, qd, kd, vd, dOd);
  EXPECT_LT(worstPieceError(toDouble(downloadBF16(dqB)), ref.dq, n, D, 64), kTolerance);
  EXPECT_LT(worstPieceError(toDouble(downloadBF16(dkB)), ref.dk, n, D, 64), kTolerance);
  EXPECT_LT(worstPieceError(toDouble(downloadBF16(dvB)), ref.dv, n, E, 64), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LightningOpSegmentsBackward,
    ::testing::Values(SegBwdShape{701, 32, 16, true, DType::BF16, 8, 4, 0},
                      SegBwdShape{701, 32, 16, true, DType::BF16, 8, 4, 3},
                      SegBwdShape{300, 16, 32, false, DType::BF16, 4, 2, 2},
                      SegBwdShape{457, 32, 64, true, DType::BF16, 12, 3, 0},
                      SegBwdShape{529, 64, 32, true, DType::F16, 16, 3, 2},
                      SegBwdShape{390, 16, 64, false, DType::F16, 8, 2, 0}),
    [](const ::testing::TestParamInfo<SegBwdShape> &info) {
      std::ostringstream os;
      os << info.param;
      return os.str();
    });

//===----------------------------------------------------------------------===//
// State gradients (chunked prefill, truncated back-propagation)
//===----------------------------------------------------------------------===//

/// The fp64 reference's gradients are those of its forward: central differences of the loss
/// sum(o * dO) + sum(S_(n-1) * dSn), affine in any one entry of q, k, v or s0 (so exact up to
/// rounding), with and without decay, and with no token at all (dS0 = dSn).
TEST(LightningReference, GradientsMatchFiniteDifferences) {
  for (int n : {5, 0})
    for (bool decay : {true, false}) {
      const reference::LightningShape shape{kBH, n, 3, 2};
      std::vector<double> q, k, v, dO, s0, dSn;
      const std::pair<std::vector<double> *, int> sizes[] = {
          {&q, n * 3}, {&k, n * 3}, {&v, n * 2}, {&dO, n * 2}, {&s0, 6}, {&dSn, 6}};
      uint32_t seed = 1;
      for (auto [x, size] : sizes)
        randomF32(size_t(kBH) * size, seed++, *x);
      const std::vector<double> lambda = lambdas(decay);
      auto loss = [&] {
        std::vector<double> sn;
        std::vector<double> o = reference::lightningForward(shape, lambda, q, k, v, s0, &sn);
        double l = 0;
        for (size_t i = 0; i < o.size(); ++i)
          l += o[i] * dO[i];
        for (size_t i = 0; i < sn.size(); ++i)
          l += sn[i] * dSn[i];
        return l;
      };
      auto g = reference::lightningBackward(shape, lambda, q, k, v, dO, s0, dSn);
      const std::pair<std::vector<double> *, const std::vector<double> *> inputs[] = {
          {&q, &g.dq}, {&k, &g.dk}, {&v, &g.dv}, {&s0, &g.dS0}};
      for (auto [x, grad] : inputs)
        for (size_t i = 0; i < x->size(); ++i) {
          const double h = 0.25, saved = (*x)[i];
          (*x)[i] = saved + h;
          const double up = loss();
          (*x)[i] = saved - h;
          const double down = loss();
          (*x)[i] = saved;
          const double tolerance = 1e-12 * (1 + std::abs(up) + std::abs(down));
          EXPECT_NEAR((up - down) / (2 * h), (*grad)[i], tolerance)
              << "n " << n << ", decay " << decay << ", entry " << i;
        }
    }
}

/// Random inputs of one backward with states: q, k, v, dO of `p.type`, the forward's s0 and the
/// final state's gradient dSn (f32), on the host (exact values) and on the device.
struct StateProblem {
  SegBwdShape p;
  BF16 q, k, v, dO;
  std::vector<double> qd, kd, vd, dOd, s0d, dSnd;
  std::vector<float> s0, dSn;

  explicit StateProblem(const SegBwdShape &shape) : p(shape) {
    uint32_t seed = p.n * 11 + p.D + p.E + (p.decay ? 3 : 0);
    const size_t nq = size_t(kBH) * p.n * p.D, nv = size_t(kBH) * p.n * p.E;
    q = randomBits(p.type, nq, seed + 1, qd), k = randomBits(p.type, nq, seed + 2, kd);
    v = randomBits(p.type, nv, seed + 3, vd), dO = randomBits(p.type, nv, seed + 4, dOd);
    s0 = randomF32(size_t(kBH) * p.D * p.E, seed + 5, s0d);
    dSn = randomF32(size_t(kBH) * p.D * p.E, seed + 6, dSnd);
  }
  reference::LightningShape ref() const { return {kBH, p.n, p.D, p.E}; }
};

/// The op's gradients of tokens [begin, end) of a StateProblem (and the state gradient).
struct Gradients {
  std::vector<double> dq, dk, dv, dStateIn;
};

/// backward over tokens [begin, end) of `x`, from the forward state `stateIn` and the final
/// state's gradient `dStateOut` (device buffers, f32 [kBH, D, E]), writing dStateIn to
/// `dStateIn` (which may be dStateOut's buffer).
Gradients backwardOf(LightningAttention &attn, const StateProblem &x, int begin, int end,
                     const lacc::DeviceBuffer &stateIn, const lacc::DeviceBuffer &dStateOut,
                     lacc::DeviceBuffer &dStateIn) {
  lacc::Context &ctx = testContext();
  const SegBwdShape &p = x.p;
  const int n = end - begin;
  auto upload = [&](const BF16 &t, int dim) {
    return ctx.upload(tokens(t, kBH, p.n, dim, begin, end));
  };
  lacc::DeviceBuffer qB = upload(x.q, p.D), kB = upload(x.k, p.D), vB = upload(x.v, p.E);
  lacc::DeviceBuffer dOB = upload(x.dO, p.E), slopeB = ctx.upload(kSlopes);
  lacc::DeviceBuffer dqB = poisoned(qB.size()), dkB = poisoned(kB.size());
  lacc::DeviceBuffer dvB = poisoned(vB.size());
  const std::vector<int64_t> sD{kBatch, kHeads, n, p.D}, sE{kBatch, kHeads, n, p.E};
  const std::vector<int64_t> sS{kBH, p.D, p.E};
  Tensor tdq(dqB, sD, p.type), tdk(dkB, sD, p.type), tdv(dvB, sE, p.type);
  Tensor sIn(stateIn, sS, DType::F32), gOut(dStateOut, sS, DType::F32);
  Tensor gIn(dStateIn, sS, DType::F32);
  EXPECT_NO_THROW(attn.backward({qB, sD, p.type}, {kB, sD, p.type}, {vB, sE, p.type},
                                {dOB, sE, p.type}, slopeB, tdq, tdk, tdv, &sIn, &gOut, &gIn));
  return {bitsToDouble(p.type, downloadBF16(dqB)), bitsToDouble(p.type, downloadBF16(dkB)),
          bitsToDouble(p.type, downloadBF16(dvB)), toDouble(dStateIn.download<float>())};
}

/// The op with the shape's configuration: BLOCK 16 and slices of 16 (D and E cut into
/// several: states read at offsets), and the SM count that cuts n into `segments`.
LightningAttention stateOp(const SegBwdShape &p) {
  LightningAttention::Options opts;
  opts.decay = p.decay;
  opts.block = 16;
  opts.slice = 16;
  opts.multiprocessors = p.multiprocessors;
  return LightningAttention(testContext(), opts);
}

class LightningOpStateBackward : public ::testing::TestWithParam<SegBwdShape> {};

/// With stateIn, dStateOut and dStateIn, dq, dk, dv (block by block) and dStateIn (head by head)
/// match the fp64 reference; the states are large enough that the same without them would not.
TEST_P(LightningOpStateBackward, MatchesReference) {
  const StateProblem x(GetParam());
  const SegBwdShape &p = x.p;
  LightningAttention attn = stateOp(p);
  ASSERT_EQ(attn.segmentsFor(kBH, p.n, p.D, p.E, /*backward=*/true).count, p.segments);
  lacc::Context &ctx = testContext();
  lacc::DeviceBuffer s0B = ctx.upload(x.s0), dSnB = ctx.upload(x.dSn);
  lacc::DeviceBuffer dS0B = poisoned(x.s0.size() * 4);
  Gradients got = backwardOf(attn, x, 0, p.n, s0B, dSnB, dS0B);

  auto ref = reference::lightningBackward(x.ref(), lambdas(p.decay), x.qd, x.kd, x.vd, x.dOd,
                                          x.s0d, x.dSnd);
  auto stateless = reference::lightningBackward(x.ref(), lambdas(p.decay), x.qd, x.kd, x.vd, x.dOd);
  constexpr int kPiece = 16;
  EXPECT_LT(worstPieceError(got.dq, ref.dq, p.n, p.D, kPiece), kTolerance);
  EXPECT_LT(worstPieceError(got.dk, ref.dk, p.n, p.D, kPiece), kTolerance);
  EXPECT_LT(worstPieceError(got.dv, ref.dv, p.n, p.E, kPiece), kTolerance);
  EXPECT_LT(worstPieceError(got.dStateIn, ref.dS0, p.D, p.E, p.D), kTolerance);
  // Dropping s0 (dq) or dSn (dk, dv) would fail the checks above.
  EXPECT_GT(worstPieceError(stateless.dq, ref.dq, p.n, p.D, kPiece), 10 * kTolerance);
  EXPECT_GT(worstPieceError(stateless.dk, ref.dk, p.n, p.D, kPiece), 10 * kTolerance);
  EXPECT_GT(worstPieceError(stateless.dv, ref.dv, p.n, p.E, kPiece), 10 * kTolerance);
}

/// Truncated back-propagation through a sequence in two chunks: the forward of chunk 1 from s0
/// gives chunk 2's stateIn; the backward of chunk 2 from dSn gives its dStateIn, in which chunk
/// 1's backward (from s0, in place) leaves its own. dq, dk, dv of the two chunks and the final
/// dStateIn equal the backward over the whole sequence up to rounding (chunk 2's state comes
/// from the forward, the whole backward's from dq's walk), and match the fp64 reference.
TEST_P(LightningOpStateBackward, ChunkedEqualsWhole) {
  const StateProblem x(GetParam());
  const SegBwdShape &p = x.p;
  // Chunk 1 ends off a block boundary (BLOCK 16); with segments, each chunk is cut too.
  const int split = p.n / 2 | 1;
  LightningAttention attn = stateOp(p);
  ASSERT_EQ(attn.segmentsFor(kBH, split, p.D, p.E, true).count > 1, p.segments > 1);
  ASSERT_EQ(attn.segmentsFor(kBH, p.n - split, p.D, p.E, true).count > 1, p.segments > 1);
  lacc::Context &ctx = testContext();
  lacc::DeviceBuffer s0B = ctx.upload(x.s0), dSnB = ctx.upload(x.dSn);
  const size_t stateBytes = x.s0.size() * 4;

  // The forward over chunk 1: its stateOut is chunk 2's stateIn.
  lacc::DeviceBuffer s1B = poisoned(stateBytes);
  {
    const std::vector<int64_t> sD{kBatch, kHeads, split, p.D}, sE{kBatch, kHeads, split, p.E};
    lacc::DeviceBuffer qB = ctx.upload(tokens(x.q, kBH, p.n, p.D, 0, split));
    lacc::DeviceBuffer kB = ctx.upload(tokens(x.k, kBH, p.n, p.D, 0, split));
    lacc::DeviceBuffer vB = ctx.upload(tokens(x.v, kBH, p.n, p.E, 0, split));
    lacc::DeviceBuffer oB = poisoned(vB.size()), slopeB = ctx.upload(kSlopes);
    Tensor o(oB, sE, p.type), sIn(s0B, {kBH, p.D, p.E}, DType::F32);
    Tensor sOut(s1B, {kBH, p.D, p.E}, DType::F32);
    ASSERT_NO_THROW(attn.forward({qB, sD, p.type}, {kB, sD, p.type}, {vB, sE, p.type}, slopeB,
                                 o, &sIn, &sOut));
  }
  lacc::DeviceBuffer gB = poisoned(stateBytes), wholeDS0B = poisoned(stateBytes);
  Gradients second = backwardOf(attn, x, split, p.n, s1B, dSnB, gB);
  Gradients first = backwardOf(attn, x, 0, split, s0B, gB, gB); // dStateIn over dStateOut
  Gradients whole = backwardOf(attn, x, 0, p.n, s0B, dSnB, wholeDS0B);

  // The chunks' gradients as one [kBH, n, dim] tensor.
  auto join = [&](const std::vector<double> &a, const std::vector<double> &b, int dim) {
    std::vector<double> out;
    for (int bh = 0; bh < kBH; ++bh) {
      out.insert(out.end(), a.begin() + size_t(bh) * split * dim,
                 a.begin() + size_t(bh + 1) * split * dim);
      out.insert(out.end(), b.begin() + size_t(bh) * (p.n - split) * dim,
                 b.begin() + size_t(bh + 1) * (p.n - split) * dim);
    }
    return out;
  };
  const std::vector<double> dq = join(first.dq, second.dq, p.D);
  const std::vector<double> dk = join(first.dk, second.dk, p.D);
  const std::vector<double> dv = join(first.dv, second.dv, p.E);
  constexpr int kPiece = 16;
  constexpr double kSame = 5e-3; // as the segmented backward against the unsegmented one
  EXPECT_LT(worstPieceError(dq, whole.dq, p.n, p.D, kPiece), kSame);
  EXPECT_LT(worstPieceError(dk, whole.dk, p.n, p.D, kPiece), kSame);
  EXPECT_LT(worstPieceError(dv, whole.dv, p.n, p.E, kPiece), kSame);
  EXPECT_LT(worstPieceError(first.dStateIn, whole.dStateIn, p.D, p.E, p.D), kSame);

  auto ref = reference::lightningBackward(x.ref(), lambdas(p.decay), x.qd, x.kd, x.vd, x.dOd,
                                          x.s0d, x.dSnd);
  EXPECT_LT(worstPieceError(dq, ref.dq, p.n, p.D, kPiece), kTolerance);
  EXPECT_LT(worstPieceError(dk, ref.dk, p.n, p.D, kPiece), kTolerance);
  EXPECT_LT(worstPieceError(dv, ref.dv, p.n, p.E, kPiece), kTolerance);
  EXPECT_LT(worstPieceError(first.dStateIn, ref.dS0, p.D, p.E, p.D), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, LightningOpStateBackward,
    // Unsegmented (no SM count): ragged n, one whole block, D != E both ways, no decay (dSn
    // reaches dStateIn undecayed), f16; segmented: several segments, the last one ragged.
    ::testing::Values(SegBwdShape{70, 32, 16, true, DType::BF16, 0, 1},
                      SegBwdShape{37, 16, 32, false, DType::BF16, 0, 1},
                      SegBwdShape{32, 16, 16, true, DType::BF16, 0, 1},
                      SegBwdShape{67, 16, 32, true, DType::F16, 0, 1},
                      SegBwdShape{701, 32, 16, true, DType::BF16, 16, 4},
                      SegBwdShape{600, 16, 32, false, DType::BF16, 8, 2},
                      SegBwdShape{529, 32, 16, true, DType::F16, 16, 4}),
    [](const ::testing::TestParamInfo<SegBwdShape> &info) {
      std::ostringstream os;
      os << info.param;
      return os.str();
    });

//===----------------------------------------------------------------------===//
// Argument errors
//===----------------------------------------------------------------------===//

/// Valid arguments of every method (b = 1, h = 2, n = 5, D = 16, E = 32), to break one at a time.
struct Args {
  lacc::Context &ctx = testContext();
  lacc::DeviceBuffer qB = ctx.alloc(kBH * 5 * 16 * 2), kB = ctx.alloc(kBH * 5 * 16 * 2);
  lacc::DeviceBuffer vB = ctx.alloc(kBH * 5 * 32 * 2), oB = ctx.alloc(kBH * 5 * 32 * 2);
  lacc::DeviceBuffer slopeB = ctx.upload(kSlopes), shortSlope = ctx.alloc(4);
  lacc::DeviceBuffer stateB = ctx.alloc(kBH * 16 * 32 * 4);
  lacc::DeviceBuffer tokQ = ctx.alloc(kBH * 16 * 2), tokK = ctx.alloc(kBH * 16 * 2);
  lacc::DeviceBuffer tokV = ctx.alloc(kBH * 32 * 2), tokO = ctx.alloc(kBH * 32 * 2);
  Tensor q{qB, {1, 2, 5, 16}}, k{kB, {1, 2, 5, 16}}, v{vB, {1, 2, 5, 32}}, o{oB, {1, 2, 5, 32}};
  Tensor dO{vB, {1, 2, 5, 32}}, dq{qB, {1, 2, 5, 16}}, dk{kB, {1, 2, 5, 16}}, dv{oB, {1, 2, 5, 32}};
  Tensor state{stateB, {2, 16, 32}, DType::F32};
  Tensor q1{tokQ, {1, 2, 1, 16}}, k1{tokK, {1, 2, 1, 16}}, v1{tokV, {1, 2, 1, 32}}, o1{tokO, {1, 2, 1, 32}};
  Args() {
    for (lacc::DeviceBuffer *b : {&qB, &kB, &vB, &tokQ, &tokK, &tokV, &stateB})
      b->fill(0);
  }
};

template <class F> std::string errorOf(F &&f) {
  try {
    f();
  } catch (const lacc::Error &e) {
    EXPECT_EQ(e.kind(), lacc::Error::Kind::Argument) << e.what();
    return e.what();
  }
  return "(no error)";
}

TEST(LightningOpErrors, Forward) {
  Args a;
  LightningAttention attn(a.ctx);
  auto fwd = [&](Args &x, const lacc::DeviceBuffer *slope = nullptr, const Tensor *sIn = nullptr,
                 Tensor *sOut = nullptr) {
    return errorOf([&] { attn.forward(x.q, x.k, x.v, slope ? *slope : x.slopeB, x.o, sIn, sOut); });
  };
  // The valid call goes through.
  EXPECT_EQ(fwd(a), "(no error)");
  { Args x; x.q.shape = {2, 5, 16}; EXPECT_THAT(fwd(x), HasSubstr("q must have rank 4")); }
  { Args x; x.k.shape = {1, 2, 6, 16}; EXPECT_THAT(fwd(x), HasSubstr("k has shape [1, 2, 6, 16]: its length")); }
  { Args x; x.v.shape = {1, 1, 5, 32}; EXPECT_THAT(fwd(x), HasSubstr("v has shape")); }
  { Args x; x.o.shape = {1, 2, 5, 16}; EXPECT_THAT(fwd(x), HasSubstr("o has shape [1, 2, 5, 16]: its head dim E")); }
  { Args x; x.k.shape = {1, 2, 5, 8}; EXPECT_THAT(fwd(x), HasSubstr("k has shape")); }
  {
    Args x;
    x.q.shape = x.k.shape = {1, 2, 2, 24};
    EXPECT_THAT(fwd(x), HasSubstr("D (q's last dim) = 24 must be a power of two in 16..256"));
  }
  {
    Args x;
    x.v.shape = x.o.shape = {1, 2, 5, 8};
    EXPECT_THAT(fwd(x), HasSubstr("E (v's last dim) = 8 must be a power of two in 16..256"));
  }
  { Args x; x.q.shape = {1, 2, 0, 16}; EXPECT_THAT(fwd(x), HasSubstr("q has shape [1, 2, 0, 16]: every dimension must be >= 1")); }
  { Args x; x.v.dtype = DType::F32; EXPECT_THAT(fwd(x), HasSubstr("v must be bf16, got f32")); }
  { Args x; x.q.strides = {160, 80, 1, 5}; EXPECT_THAT(fwd(x), HasSubstr("q must be contiguous")); }
  { Args x; x.q.strides = {160, 80, 16, 1}; EXPECT_EQ(fwd(x), "(no error)"); }
  { Args x; x.q.shape = x.k.shape = {1, 2, 5, 32}; EXPECT_THAT(fwd(x), HasSubstr("q of shape [1, 2, 5, 32] bf16 needs 640 bytes, but its buffer has 320")); }
  { Args x; lacc::DeviceBuffer none; x.o.buffer = &none; EXPECT_THAT(fwd(x), HasSubstr("o has no device buffer")); }
  { Args x; EXPECT_THAT(fwd(x, &x.shortSlope), HasSubstr("slope must hold h = 2 f32")); }
  {
    Args x;
    Tensor bad{x.stateB, {2, 32, 16}, DType::F32};
    EXPECT_THAT(fwd(x, nullptr, &bad), HasSubstr("stateIn must have shape [b * h, D, E] = [2, 16, 32]"));
    EXPECT_THAT(fwd(x, nullptr, nullptr, &bad), HasSubstr("stateOut must have shape"));
    Tensor bf{x.stateB, {2, 16, 32}, DType::BF16};
    EXPECT_THAT(fwd(x, nullptr, nullptr, &bf), HasSubstr("stateOut must be f32, got bf16"));
    Tensor rank4{x.stateB, {1, 2, 16, 32}, DType::F32};
    EXPECT_THAT(fwd(x, nullptr, &rank4), HasSubstr("stateIn must have rank 3"));
  }
  // Without decay, slope is not read: a short one is fine.
  LightningAttention::Options nodecay;
  nodecay.decay = false;
  LightningAttention attn2(a.ctx, nodecay);
  EXPECT_EQ(errorOf([&] { attn2.forward(a.q, a.k, a.v, a.shortSlope, a.o); }), "(no error)");
}

TEST(LightningOpErrors, Backward) {
  LightningAttention attn(testContext());
  auto bwd = [&](Args &x) {
    return errorOf([&] { attn.backward(x.q, x.k, x.v, x.dO, x.slopeB, x.dq, x.dk, x.dv); });
  };
  { Args x; EXPECT_EQ(bwd(x), "(no error)"); }
  { Args x; x.dO.shape = {1, 2, 4, 32}; EXPECT_THAT(bwd(x), HasSubstr("dO has shape [1, 2, 4, 32]: its length")); }
  { Args x; x.dq.shape = {1, 2, 5, 32}; EXPECT_THAT(bwd(x), HasSubstr("dq has shape")); }
  { Args x; x.dk.dtype = DType::F32; EXPECT_THAT(bwd(x), HasSubstr("dk must be bf16")); }
  { Args x; x.dv.shape = {1, 2, 5}; EXPECT_THAT(bwd(x), HasSubstr("dv must have rank 4")); }
  { Args x; x.dO.shape = {1, 2, 5, 16}; EXPECT_THAT(bwd(x), HasSubstr("dO has shape [1, 2, 5, 16]: its head dim E")); }
  { Args x; x.slopeB = lacc::DeviceBuffer(); EXPECT_THAT(bwd(x), HasSubstr("slope has no device buffer")); }
  // The states: f32 [b * h, D, E] each (dStateIn may be dStateOut).
  auto bwdStates = [&](Args &x, const Tensor *sIn, const Tensor *gOut, Tensor *gIn) {
    return errorOf([&] {
      attn.backward(x.q, x.k, x.v, x.dO, x.slopeB, x.dq, x.dk, x.dv, sIn, gOut, gIn);
    });
  };
  { Args x; EXPECT_EQ(bwdStates(x, &x.state, &x.state, &x.state), "(no error)"); }
  {
    Args x;
    Tensor bad{x.stateB, {2, 32, 16}, DType::F32};
    EXPECT_THAT(bwdStates(x, &bad, nullptr, nullptr),
                HasSubstr("backward: stateIn must have shape [b * h, D, E] = [2, 16, 32], "
                          "got [2, 32, 16]"));
    Tensor bf{x.stateB, {2, 16, 32}, DType::BF16};
    EXPECT_THAT(bwdStates(x, nullptr, &bf, nullptr),
                HasSubstr("backward: dStateOut must be f32, got bf16"));
    Tensor rank4{x.stateB, {1, 2, 16, 32}, DType::F32};
    EXPECT_THAT(bwdStates(x, nullptr, nullptr, &rank4),
                HasSubstr("backward: dStateIn must have rank 3"));
    lacc::DeviceBuffer small = x.ctx.alloc(16);
    Tensor shortBuffer{small, {2, 16, 32}, DType::F32};
    EXPECT_THAT(bwdStates(x, nullptr, nullptr, &shortBuffer),
                HasSubstr("dStateIn of shape [2, 16, 32] f32 needs 4096 bytes, but its buffer "
                          "has 16"));
  }
}

TEST(LightningOpErrors, Decode) {
  LightningAttention attn(testContext());
  auto dec = [&](Args &x) {
    return errorOf([&] { attn.decode(x.q1, x.k1, x.v1, x.slopeB, x.state, x.o1); });
  };
  { Args x; EXPECT_EQ(dec(x), "(no error)"); }
  { Args x; x.q1.shape = {1, 2, 16}; EXPECT_EQ(dec(x), "(no error)"); }
  { Args x; x.q1.shape = {1, 2, 2, 16}; EXPECT_THAT(dec(x), HasSubstr("q has shape [1, 2, 2, 16]: decode takes one token")); }
  { Args x; x.k1.shape = {2, 16}; EXPECT_THAT(dec(x), HasSubstr("k must have rank 3")); }
  { Args x; x.v1.shape = {1, 1, 1, 32}; EXPECT_THAT(dec(x), HasSubstr("v has shape")); }
  { Args x; x.o1.dtype = DType::F32; EXPECT_THAT(dec(x), HasSubstr("o must be bf16, got f32")); }
  { Args x; x.state.shape = {2, 16, 16}; EXPECT_THAT(dec(x), HasSubstr("state must have shape [b * h, D, E] = [2, 16, 32]")); }
  { Args x; x.state.dtype = DType::BF16; EXPECT_THAT(dec(x), HasSubstr("state must be f32")); }
  { Args x; x.slopeB = x.ctx.alloc(4); EXPECT_THAT(dec(x), HasSubstr("slope must hold h = 2")); }
  {
    Args x;
    x.stateB = x.ctx.alloc(16);
    EXPECT_THAT(dec(x), HasSubstr("state of shape [2, 16, 32] f32 needs 4096 bytes, but its buffer has 16"));
  }
}

TEST(LightningOpErrors, ForwardVarlen) {
  lacc::Context &ctx = testContext();
  LightningAttention attn(ctx);
  // h = 2, T = 5 tokens in N = 2 sequences, D = 16, E = 32.
  lacc::DeviceBuffer qB = ctx.alloc(kBH * 5 * 16 * 2), kB = ctx.alloc(kBH * 5 * 16 * 2);
  lacc::DeviceBuffer vB = ctx.alloc(kBH * 5 * 32 * 2), oB = ctx.alloc(kBH * 5 * 32 * 2);
  lacc::DeviceBuffer cuB = ctx.upload(std::vector<int32_t>{0, 2, 5}), slopeB = ctx.upload(kSlopes);
  lacc::DeviceBuffer stateB = ctx.alloc(2 * kHeads * 16 * 32 * 4);
  for (lacc::DeviceBuffer *b : {&qB, &kB, &vB, &stateB})
    b->fill(0);
  struct V {
    Tensor q, k, v, o, cu, state;
  };
  auto valid = [&] {
    return V{{qB, {2, 5, 16}}, {kB, {2, 5, 16}}, {vB, {2, 5, 32}}, {oB, {2, 5, 32}},
             {cuB, {3}, DType::I32}, {stateB, {4, 16, 32}, DType::F32}};
  };
  auto call = [&](V x, bool withState = false) {
    return errorOf([&] {
      attn.forwardVarlen(x.q, x.k, x.v, slopeB, x.cu, x.o, withState ? &x.state : nullptr,
                         withState ? &x.state : nullptr);
    });
  };
  EXPECT_EQ(call(valid()), "(no error)");
  EXPECT_EQ(call(valid(), true), "(no error)");
  { V x = valid(); x.q.shape = {2, 2, 5, 16}; EXPECT_THAT(call(x), HasSubstr("q has shape [2, 2, 5, 16]: packed sequences are [h, T, dim] or [1, h, T, dim]")); }
  { V x = valid(); x.k.shape = {80}; EXPECT_THAT(call(x), HasSubstr("k must have rank 3 or 4")); }
  { V x = valid(); x.v.shape = {2, 4, 32}; EXPECT_THAT(call(x), HasSubstr("v has shape [2, 4, 32]: its tokens (dim 1) must be 5 as in q")); }
  { V x = valid(); x.cu.dtype = DType::F32; EXPECT_THAT(call(x), HasSubstr("cuSeqlens must be i32, got f32")); }
  { V x = valid(); x.cu.shape = {1}; EXPECT_THAT(call(x), HasSubstr("cuSeqlens must hold N + 1 >= 2 offsets")); }
  { V x = valid(); x.cu.shape = {4}; EXPECT_THAT(call(x), HasSubstr("cuSeqlens of shape [4] i32 needs 16 bytes, but its buffer has 12")); }
  { V x = valid(); x.state.shape = {2, 16, 32}; EXPECT_THAT(call(x, true), HasSubstr("stateIn must have shape [b * h, D, E] = [4, 16, 32]")); }
  { V x = valid(); x.o.dtype = DType::F16; EXPECT_THAT(call(x), HasSubstr("o must be bf16, got f16")); }
}

TEST(LightningOpErrors, BackwardVarlen) {
  lacc::Context &ctx = testContext();
  LightningAttention attn(ctx);
  // h = 2, T = 5 tokens in N = 2 sequences, D = 16, E = 32.
  lacc::DeviceBuffer qkB = ctx.alloc(kBH * 5 * 16 * 2), voB = ctx.alloc(kBH * 5 * 32 * 2);
  lacc::DeviceBuffer dqB = ctx.alloc(kBH * 5 * 16 * 2), dkB = ctx.alloc(kBH * 5 * 16 * 2);
  lacc::DeviceBuffer dvB = ctx.alloc(kBH * 5 * 32 * 2);
  lacc::DeviceBuffer cuB = ctx.upload(std::vector<int32_t>{0, 2, 5}), slopeB = ctx.upload(kSlopes);
  qkB.fill(0);
  voB.fill(0);
  struct V {
    Tensor qk, vo, cu, dq, dk, dv;
  };
  auto valid = [&] {
    return V{{qkB, {2, 5, 16}}, {voB, {1, 2, 5, 32}}, {cuB, {3}, DType::I32},
             {dqB, {2, 5, 16}}, {dkB, {2, 5, 16}}, {dvB, {2, 5, 32}}};
  };
  auto call = [&](V x, Tensor *state = nullptr) {
    return errorOf([&] {
      attn.backwardVarlen(x.qk, x.qk, x.vo, x.vo, slopeB, x.cu, x.dq, x.dk, x.dv, state, state,
                          state);
    });
  };
  EXPECT_EQ(call(valid()), "(no error)");
  // States per (sequence, head): [N * h, D, E].
  lacc::DeviceBuffer stateB = ctx.alloc(2 * kHeads * 16 * 32 * 4);
  stateB.fill(0);
  Tensor state{stateB, {4, 16, 32}, DType::F32}, perBatch{stateB, {2, 16, 32}, DType::F32};
  EXPECT_EQ(call(valid(), &state), "(no error)");
  EXPECT_THAT(call(valid(), &perBatch),
              HasSubstr("backwardVarlen: stateIn must have shape [b * h, D, E] = [4, 16, 32]"));
  { V x = valid(); x.dk.shape = {2, 4, 16}; EXPECT_THAT(call(x), HasSubstr("backwardVarlen: dk has shape [2, 4, 16]")); }
  { V x = valid(); x.cu.shape = {1}; EXPECT_THAT(call(x), HasSubstr("cuSeqlens must hold N + 1 >= 2 offsets")); }
  { V x = valid(); x.dv.dtype = DType::F16; EXPECT_THAT(call(x), HasSubstr("dv must be bf16, got f16")); }
}

TEST(LightningOpErrors, ElementType) {
  Args a;
  LightningAttention attn(a.ctx);
  { Args x; x.q.dtype = DType::F32; EXPECT_THAT(errorOf([&] { attn.forward(x.q, x.k, x.v, x.slopeB, x.o); }), HasSubstr("forward: q must be bf16 or f16, got f32")); }
  {
    // One element type per call: q's.
    Args x;
    x.q.dtype = DType::F16;
    EXPECT_THAT(errorOf([&] { attn.forward(x.q, x.k, x.v, x.slopeB, x.o); }), HasSubstr("k must be f16, got bf16"));
    x.k.dtype = x.v.dtype = x.o.dtype = DType::F16;
    EXPECT_EQ(errorOf([&] { attn.forward(x.q, x.k, x.v, x.slopeB, x.o); }), "(no error)");
    EXPECT_THAT(errorOf([&] { attn.backward(x.q, x.k, x.v, x.dO, x.slopeB, x.dq, x.dk, x.dv); }), HasSubstr("backward: dO must be f16, got bf16"));
  }
  {
    Args x;
    x.q1.dtype = DType::I32;
    EXPECT_THAT(errorOf([&] { attn.decode(x.q1, x.k1, x.v1, x.slopeB, x.state, x.o1); }), HasSubstr("decode: q must be bf16 or f16, got i32"));
  }
}

TEST(LightningOpErrors, Options) {
  LightningAttention::Options o;
  o.block = 48;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("block = 48 must be a power of two"));
  o.block = 64;
  o.slice = 8;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("slice = 8 must be a power of two >= 16"));
  o.slice = 32;
  o.numWarps = 3;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("numWarps = 3 must be a power of two in 1..32"));
  o.numWarps = 4;
  o.numStages = 9;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("numStages = 9 must be in 1..8"));
  o.numStages = 0;
  o.segments = -1;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("segments = -1 must not be negative"));
  o.segments = 0;
  o.pieces = -2;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("pieces = -2 must not be negative"));
  o.pieces = 0;
  o.stateBlock = 96;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("stateBlock = 96 must be a power of two >= 16"));
  o.stateBlock = 8;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("stateBlock = 8 must be a power of two >= 16"));
}

} // namespace
