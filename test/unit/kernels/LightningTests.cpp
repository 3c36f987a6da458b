//===- LightningTests.cpp - lightning attention forward and backward ------===//
//
// The kernels of kernels/lightning_{fwd,bwd}.tile, run through the runtime
// (on the CPU interpreter, or the GPU: KernelHarness.h),
// against fp64 references from the recurrent form (independent of the blocked
// algorithm the kernels use), and the gradients also against central finite
// differences of the reference forward.
//
//===----------------------------------------------------------------------===//

#include "kernels/reference/Lightning.h"
#include "test/unit/kernels/KernelHarness.h"

using namespace lacc::test;
namespace reference = lacc::reference;

namespace {

struct Shape {
  int n, D, E;
  bool decay;
  int block = 64;
};

std::ostream &operator<<(std::ostream &os, const Shape &s) {
  return os << "n" << s.n << "_D" << s.D << "_E" << s.E << (s.decay ? "_decay" : "_nodecay")
            << "_B" << s.block;
}

constexpr int kBatch = 1, kHeads = 2;
// Strong and weak decay; no-decay runs ignore them.
const std::vector<float> kSlopes = {0.5f, 0.03f};

/// Inputs of one problem, as bf16 for the kernels and exact doubles for the references.
struct Problem {
  Shape s;
  BF16 q, k, v, dO;
  std::vector<double> qd, kd, vd, dOd;
  std::vector<float> slope = kSlopes;

  explicit Problem(Shape shape) : s(shape) {
    size_t nq = size_t(kBatch) * kHeads * s.n * s.D, nv = size_t(kBatch) * kHeads * s.n * s.E;
    uint32_t seed = s.n * 1000 + s.D * 10 + s.E;
    q = randomBF16(nq, seed + 1, qd);
    k = randomBF16(nq, seed + 2, kd);
    v = randomBF16(nv, seed + 3, vd);
    dO = randomBF16(nv, seed + 4, dOd);
  }
  double lambda(int bh) const { return s.decay ? std::exp(-double(slope[bh % kHeads])) : 1.0; }
  Defines defines(const char *sliceName, int slice) const {
    return {{"H", kHeads}, {"D", s.D}, {"E", s.E},
            {"BLOCK", s.block}, {sliceName, slice}, {"DECAY", s.decay}};
  }
  /// lightning_bwd_dkdv's: slices of both head dims.
  Defines defines(const char *dName, int dSlice, const char *eName, int eSlice) const {
    Defines d = defines(dName, dSlice);
    d[eName] = eSlice;
    return d;
  }
};

using reference::LightningGrads;

reference::LightningShape shapeOf(const Problem &p) {
  return {kBatch * kHeads, p.s.n, p.s.D, p.s.E};
}

std::vector<double> lambdas(const Problem &p) {
  std::vector<double> l;
  for (int bh = 0; bh < kBatch * kHeads; ++bh)
    l.push_back(p.lambda(bh));
  return l;
}

std::vector<double> forwardRef(const Problem &p, const std::vector<double> &q,
                               const std::vector<double> &k, const std::vector<double> &v) {
  return reference::lightningForward(shapeOf(p), lambdas(p), q, k, v);
}

LightningGrads backwardRef(const Problem &p) {
  return reference::lightningBackward(shapeOf(p), lambdas(p), p.qd, p.kd, p.vd, p.dOd);
}

int sliceOf(int dim) { return std::min(dim, 32); }

std::vector<double> runForward(Problem &p) {
  auto fwd = Kernel::load("lightning_fwd.tile", "lightning_fwd",
                          p.defines("BLOCK_E", sliceOf(p.s.E)));
  if (!fwd)
    return {};
  BF16 o = poisonedBF16(p.v.size());
  // No STATE_IN/STATE_OUT: s_in and s_out are never touched (slope stands in).
  // q, k, v as [b * h, n, dim] tensor descriptors: b * h and the heads' strides.
  fwd->run(lacc::Grid(p.s.E / sliceOf(p.s.E), kBatch * kHeads), p.q, p.k, p.v, o, p.slope, p.s.n,
           kBatch * kHeads, int64_t(p.s.n) * p.s.D, int64_t(p.s.n) * p.s.E, p.slope, p.slope);
  return toDouble(o);
}

LightningGrads runBackward(Problem &p) {
  LightningGrads g;
  auto dq = Kernel::load("lightning_bwd.tile", "lightning_bwd_dq", p.defines("BLOCK_D", sliceOf(p.s.D)));
  auto dkdv = Kernel::load("lightning_bwd.tile", "lightning_bwd_dkdv",
                           p.defines("BLOCK_D", sliceOf(p.s.D), "BLOCK_E", sliceOf(p.s.E)));
  if (!dq || !dkdv)
    return g;
  BF16 dqOut = poisonedBF16(p.q.size()), dkOut = poisonedBF16(p.k.size());
  BF16 dvOut = poisonedBF16(p.v.size());
  const int n = p.s.n, bh = kBatch * kHeads;
  const int dSlices = p.s.D / sliceOf(p.s.D), eSlices = p.s.E / sliceOf(p.s.E);
  // No states: s_in and s_out are never touched (slope stands in).
  const int64_t qkStride = int64_t(n) * p.s.D, voStride = int64_t(n) * p.s.E;
  dq->run(lacc::Grid(dSlices, bh), p.k, p.v, p.dO, dqOut, p.slope, n, bh, qkStride, voStride,
          p.slope);
  dkdv->run(lacc::Grid(dSlices + eSlices, bh), p.q, p.k, p.v, p.dO, dkOut, dvOut, p.slope, n, bh,
            qkStride, voStride, p.slope, p.slope);
  return {toDouble(dqOut), toDouble(dkOut), toDouble(dvOut)};
}

// The accuracy bar of ANCHORS.md for bf16 in, fp32 accumulate is ~2e-3..3e-3;
// the kernels round P and the state to bf16 before the tensor-core dots.
constexpr double kTolerance = 1e-2;

class Lightning : public ::testing::TestWithParam<Shape> {};

TEST_P(Lightning, ForwardMatchesRecurrentReference) {
  Problem p(GetParam());
  auto o = runForward(p);
  ASSERT_FALSE(o.empty());
  double err = relativeError(o, forwardRef(p, p.qd, p.kd, p.vd));
  EXPECT_LT(err, kTolerance);
  RecordProperty("relative_error", std::to_string(err));
}

TEST_P(Lightning, BackwardMatchesRecurrentReference) {
  Problem p(GetParam());
  LightningGrads got = runBackward(p);
  ASSERT_FALSE(got.dq.empty());
  LightningGrads ref = backwardRef(p);
  EXPECT_LT(relativeError(got.dq, ref.dq), kTolerance);
  EXPECT_LT(relativeError(got.dk, ref.dk), kTolerance);
  EXPECT_LT(relativeError(got.dv, ref.dv), kTolerance);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Lightning,
    ::testing::Values(Shape{1, 64, 64, true}, Shape{63, 64, 64, true}, Shape{64, 64, 64, true},
                      Shape{65, 64, 64, true}, Shape{513, 64, 64, true}, Shape{913, 32, 32, true},
                      Shape{65, 64, 64, false}, Shape{913, 32, 32, false},
                      Shape{65, 16, 32, true}, Shape{129, 128, 128, true},
                      Shape{65, 256, 256, true}, Shape{100, 32, 64, true, 32}),
    [](const ::testing::TestParamInfo<Shape> &info) {
      std::ostringstream os;
      os << info.param;
      return os.str();
    });

/// Gradients against central differences of L = sum(dO * O) through the fp64
/// forward reference. L is linear in each of q, k, v, so the differences are
/// exact up to rounding: this checks the kernels' calculus, not only agreement
/// with a second hand-derived formula.
TEST(LightningGradients, MatchFiniteDifferences) {
  for (bool decay : {true, false}) {
    Problem p(Shape{7, 16, 16, decay, 16});
    LightningGrads got = runBackward(p);
    ASSERT_FALSE(got.dq.empty());
    auto loss = [&](const std::vector<double> &q, const std::vector<double> &k,
                    const std::vector<double> &v) {
      auto o = forwardRef(p, q, k, v);
      double l = 0;
      for (size_t i = 0; i < o.size(); ++i)
        l += p.dOd[i] * o[i];
      return l;
    };
    const double h = 1e-3;
    auto fd = [&](int which) {
      std::vector<double> q = p.qd, k = p.kd, v = p.vd;
      std::vector<double> &x = which == 0 ? q : which == 1 ? k : v;
      std::vector<double> grad(x.size());
      for (size_t i = 0; i < x.size(); ++i) {
        double x0 = x[i];
        x[i] = x0 + h;
        double up = loss(q, k, v);
        x[i] = x0 - h;
        double down = loss(q, k, v);
        x[i] = x0;
        grad[i] = (up - down) / (2 * h);
      }
      return grad;
    };
    EXPECT_LT(relativeError(got.dq, fd(0)), kTolerance) << "decay " << decay;
    EXPECT_LT(relativeError(got.dk, fd(1)), kTolerance) << "decay " << decay;
    EXPECT_LT(relativeError(got.dv, fd(2)), kTolerance) << "decay " << decay;
  }
}

} // namespace
