//===- LightningOpTests.cpp - lacc::ops::LightningAttention ---------------===//
//
// The op API of lacc/ops/Lightning.h on the test context (the CPU interpreter,
// or the GPU: KernelHarness.h): forward and backward give exactly what
// launching the kernels directly gives, and match the fp64 recurrent reference;
// a prefill with stateOut continued by decode matches the reference over the
// whole sequence; and each bad argument is a lacc::Error that names it.
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
  fwd->run(lacc::Grid(p.s.E / sliceOf(p.s.E), kBH), p.q, p.k, p.v, direct, p.slope, p.s.n,
           p.slope, p.slope);
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
  auto kdk = Kernel::load("lightning_bwd.tile", "lightning_bwd_dk", p.defines("BLOCK_D", sliceOf(p.s.D)));
  auto kdv = Kernel::load("lightning_bwd.tile", "lightning_bwd_dv", p.defines("BLOCK_E", sliceOf(p.s.E)));
  ASSERT_TRUE(kdq && kdk && kdv);
  BF16 rq = poisonedBF16(p.q.size()), rk = poisonedBF16(p.k.size()), rv = poisonedBF16(p.v.size());
  const int dS = p.s.D / sliceOf(p.s.D), eS = p.s.E / sliceOf(p.s.E);
  kdq->run(lacc::Grid(dS, kBH), p.k, p.v, p.dO, rq, p.slope, p.s.n);
  kdk->run(lacc::Grid(dS, kBH), p.q, p.v, p.dO, rk, p.slope, p.s.n);
  kdv->run(lacc::Grid(eS, kBH), p.q, p.k, p.dO, rv, p.slope, p.s.n);
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
    BF16 out;
    for (int b = 0; b < kBH; ++b)
      out.insert(out.end(), x.begin() + (size_t(b) * n + begin) * dim,
                 x.begin() + (size_t(b) * n + end) * dim);
    return out;
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
                         ::testing::Values(Shape{65, 32, 32, true}, Shape{70, 16, 64, false},
                                           Shape{4, 64, 32, true}),
                         [](const ::testing::TestParamInfo<Shape> &info) {
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

TEST(LightningOpErrors, Options) {
  LightningAttention::Options o;
  o.block = 48;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("block = 48 must be a power of two"));
  o.block = 64;
  o.slice = 8;
  EXPECT_THAT(errorOf([&] { LightningAttention(testContext(), o); }),
              HasSubstr("slice = 8 must be a power of two >= 16"));
}

} // namespace
