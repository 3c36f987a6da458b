//===- LightningStateTests.cpp - lightning attention with a state in and out ===//
//
// kernels/lightning_fwd.tile's STATE_IN / STATE_OUT (chunked prefill), its varlen entry
// (sequences packed with cu_seqlens) and kernels/lightning_decode.tile (one token per
// step), run through the runtime
// (the CPU interpreter, or the GPU: KernelHarness.h), against an fp64
// reference of the recurrent form with an initial state, written here
// independently of the kernels' blocked algorithm:
//
//   S_-1 = S_in,   S_t = lambda S_(t-1) + k_t^T v_t,   o_t = q_t S_t,   S_out = S_(n-1)
//
// Every check is per (batch, head), so that a head of strong decay is not
// hidden behind the larger state of a head of weak decay.
//
//===----------------------------------------------------------------------===//

#include "test/unit/kernels/KernelHarness.h"

using namespace lacc::test;

namespace {

constexpr int kBatch = 1, kHeads = 2, kBH = kBatch * kHeads;
// Strong and weak decay; no-decay runs ignore them.
const std::vector<float> kSlopes = {0.5f, 0.03f};
// As LightningTests: bf16 in, fp32 accumulate, P and the state rounded to bf16 for the dots.
constexpr double kTolerance = 1e-2;

struct Shape {
  int D, E;
  bool decay;
};

std::ostream &operator<<(std::ostream &os, const Shape &s) {
  return os << "D" << s.D << "_E" << s.E << (s.decay ? "_decay" : "_nodecay");
}

int sliceOf(int dim) { return std::min(dim, 32); }

/// The recurrence in fp64: outputs [bh, n, E] and the final state [bh, D, E] from `state`.
struct Recurrence {
  std::vector<double> o, state;
};
Recurrence recurrent(const Shape &s, int n, const std::vector<double> &q,
                     const std::vector<double> &k, const std::vector<double> &v,
                     std::vector<double> state) {
  Recurrence r{std::vector<double>(size_t(kBH) * n * s.E), {}};
  for (int b = 0; b < kBH; ++b) {
    double lambda = s.decay ? std::exp(-double(kSlopes[b % kHeads])) : 1.0;
    double *S = &state[size_t(b) * s.D * s.E];
    for (int t = 0; t < n; ++t) {
      const double *qt = &q[(size_t(b) * n + t) * s.D], *kt = &k[(size_t(b) * n + t) * s.D];
      const double *vt = &v[(size_t(b) * n + t) * s.E];
      for (int d = 0; d < s.D; ++d)
        for (int e = 0; e < s.E; ++e)
          S[size_t(d) * s.E + e] = lambda * S[size_t(d) * s.E + e] + kt[d] * vt[e];
      for (int e = 0; e < s.E; ++e) {
        double acc = 0;
        for (int d = 0; d < s.D; ++d)
          acc += qt[d] * S[size_t(d) * s.E + e];
        r.o[(size_t(b) * n + t) * s.E + e] = acc;
      }
    }
  }
  r.state = std::move(state);
  return r;
}

/// Relative error of each (batch, head)'s part of `got` (bh equal parts); the largest.
double worstHeadError(const std::vector<double> &got, const std::vector<double> &ref) {
  EXPECT_EQ(got.size(), ref.size());
  if (got.size() != ref.size())
    return 1e30;
  size_t part = ref.size() / kBH;
  double worst = 0;
  for (int b = 0; b < kBH; ++b) {
    std::vector<double> g(got.begin() + b * part, got.begin() + (b + 1) * part);
    std::vector<double> r(ref.begin() + b * part, ref.begin() + (b + 1) * part);
    double err = relativeError(g, r);
    worst = std::isnan(err) ? err : std::max(worst, err);
    if (std::isnan(err))
      break;
  }
  return worst;
}

/// Random inputs for n tokens and a random initial state.
struct Problem {
  Shape s;
  int n;
  BF16 q, k, v;
  std::vector<double> qd, kd, vd, s0d;
  std::vector<float> s0, slope = kSlopes;

  Problem(Shape shape, int tokens) : s(shape), n(tokens) {
    uint32_t seed = n * 1000 + s.D * 10 + s.E + (s.decay ? 7 : 0);
    q = randomBF16(size_t(kBH) * n * s.D, seed + 1, qd);
    k = randomBF16(size_t(kBH) * n * s.D, seed + 2, kd);
    v = randomBF16(size_t(kBH) * n * s.E, seed + 3, vd);
    s0 = randomF32(size_t(kBH) * s.D * s.E, seed + 4, s0d);
  }
  std::vector<double> zeroState() const { return std::vector<double>(size_t(kBH) * s.D * s.E); }
};

struct FwdResult {
  std::vector<double> o, state;
};

/// lightning_fwd over tokens [begin, end) of `p`, from `stateIn` (nullptr: STATE_IN=False).
FwdResult runForward(const Problem &p, int begin, int end, const std::vector<float> *stateIn) {
  Defines defines = {{"H", kHeads},          {"D", p.s.D},
                     {"E", p.s.E},           {"BLOCK_E", sliceOf(p.s.E)},
                     {"DECAY", p.s.decay},   {"STATE_IN", stateIn != nullptr},
                     {"STATE_OUT", true}};
  auto fwd = Kernel::load("lightning_fwd.tile", "lightning_fwd", defines);
  if (!fwd)
    return {};
  int n = end - begin;
  BF16 q = tokens(p.q, kBH, p.n, p.s.D, begin, end), k = tokens(p.k, kBH, p.n, p.s.D, begin, end);
  BF16 v = tokens(p.v, kBH, p.n, p.s.E, begin, end), o = poisonedBF16(v.size());
  std::vector<float> slope = p.slope;
  std::vector<float> sIn = stateIn ? *stateIn : std::vector<float>(1, NAN);
  std::vector<float> sOut(size_t(kBH) * p.s.D * p.s.E, NAN);
  fwd->run(lacc::Grid(p.s.E / sliceOf(p.s.E), kBH), q, k, v, o, slope, n, kBH,
           int64_t(n) * p.s.D, int64_t(n) * p.s.E, sIn, sOut);
  return {toDouble(o), toDouble(sOut)};
}

class LightningState : public ::testing::TestWithParam<Shape> {};

constexpr int kN1 = 37, kN2 = 91;

/// fwd over [0, n1) with STATE_OUT, then over [n1, n1 + n2) from that state, equals one fwd
/// over the whole sequence; both match the recurrence. From zeros (no STATE_IN on the first
/// chunk) and from a random initial state.
TEST_P(LightningState, ChunkedPrefillMatchesOneForward) {
  Problem p(GetParam(), kN1 + kN2);
  for (bool initial : {false, true}) {
    SCOPED_TRACE(initial ? "from a random state" : "from zeros");
    const std::vector<float> *s0 = initial ? &p.s0 : nullptr;
    Recurrence ref = recurrent(p.s, p.n, p.qd, p.kd, p.vd, initial ? p.s0d : p.zeroState());

    FwdResult whole = runForward(p, 0, p.n, s0);
    ASSERT_FALSE(whole.o.empty());
    FwdResult first = runForward(p, 0, kN1, s0);
    ASSERT_FALSE(first.o.empty());
    std::vector<float> mid(first.state.begin(), first.state.end());
    FwdResult second = runForward(p, kN1, p.n, &mid);
    ASSERT_FALSE(second.o.empty());

    // The chunks' outputs, put back in [bh, n, E] order.
    std::vector<double> chunked;
    for (int b = 0; b < kBH; ++b) {
      chunked.insert(chunked.end(), first.o.begin() + size_t(b) * kN1 * p.s.E,
                     first.o.begin() + size_t(b + 1) * kN1 * p.s.E);
      chunked.insert(chunked.end(), second.o.begin() + size_t(b) * kN2 * p.s.E,
                     second.o.begin() + size_t(b + 1) * kN2 * p.s.E);
    }
    Recurrence refFirst =
        recurrent(p.s, kN1, tokens(p.qd, kBH, p.n, p.s.D, 0, kN1),
                  tokens(p.kd, kBH, p.n, p.s.D, 0, kN1), tokens(p.vd, kBH, p.n, p.s.E, 0, kN1),
                  initial ? p.s0d : p.zeroState());

    EXPECT_LT(worstHeadError(whole.o, ref.o), kTolerance);
    EXPECT_LT(worstHeadError(whole.state, ref.state), kTolerance);
    EXPECT_LT(worstHeadError(first.state, refFirst.state), kTolerance);
    EXPECT_LT(worstHeadError(chunked, ref.o), kTolerance);
    EXPECT_LT(worstHeadError(second.state, ref.state), kTolerance);
    EXPECT_LT(worstHeadError(chunked, whole.o), kTolerance);
    EXPECT_LT(worstHeadError(second.state, whole.state), kTolerance);
    RecordProperty(initial ? "state_error_initial" : "state_error",
                   std::to_string(worstHeadError(second.state, ref.state)));
  }
}

/// From the state after a prefill of n1 tokens, decode steps: each step's o and the state
/// after the last step match the recurrence over the whole sequence.
TEST_P(LightningState, DecodeAfterPrefillMatchesRecurrence) {
  constexpr int kSteps = 5;
  Problem p(GetParam(), kN1 + kSteps);
  const Shape &s = p.s;
  Recurrence ref = recurrent(s, p.n, p.qd, p.kd, p.vd, p.s0d);

  FwdResult prefill = runForward(p, 0, kN1, &p.s0);
  ASSERT_FALSE(prefill.o.empty());
  EXPECT_LT(worstHeadError(prefill.o, tokens(ref.o, kBH, p.n, s.E, 0, kN1)), kTolerance);

  auto decode = Kernel::load("lightning_decode.tile", "lightning_decode",
                             {{"H", kHeads}, {"D", s.D}, {"E", s.E},
                              {"BLOCK_E", sliceOf(s.E)}, {"DECAY", s.decay}});
  ASSERT_TRUE(decode);
  std::vector<float> state(prefill.state.begin(), prefill.state.end());
  std::vector<float> slope = p.slope;
  for (int t = kN1; t < p.n; ++t) {
    SCOPED_TRACE("token " + std::to_string(t));
    BF16 q = tokens(p.q, kBH, p.n, s.D, t, t + 1), k = tokens(p.k, kBH, p.n, s.D, t, t + 1);
    BF16 v = tokens(p.v, kBH, p.n, s.E, t, t + 1), o = poisonedBF16(v.size());
    decode->run(lacc::Grid(s.E / sliceOf(s.E), kBH), q, k, v, o, slope, state);
    EXPECT_LT(worstHeadError(toDouble(o), tokens(ref.o, kBH, p.n, s.E, t, t + 1)), kTolerance);
  }
  EXPECT_LT(worstHeadError(toDouble(state), ref.state), kTolerance);
}

/// One decode step from zeros (S = k^T v, o = (q . k) v) and from a state of ones (decayed once
/// before k^T v is added): the state is fp32 all the way, so it is exact to fp32 rounding.
TEST(LightningDecode, FromZerosAndOnes) {
  for (bool decay : {true, false}) {
    Shape s{16, 32, decay};
    Problem p(s, 1);
    auto decode = Kernel::load("lightning_decode.tile", "lightning_decode",
                               {{"H", kHeads}, {"D", s.D}, {"E", s.E},
                                {"BLOCK_E", 16}, {"DECAY", decay}});
    ASSERT_TRUE(decode);
    for (bool ones : {false, true}) {
      std::vector<double> s0(size_t(kBH) * s.D * s.E, ones ? 1.0 : 0.0);
      std::vector<float> state(s0.begin(), s0.end()), slope = p.slope;
      BF16 o = poisonedBF16(p.v.size());
      decode->run(lacc::Grid(s.E / 16, kBH), p.q, p.k, p.v, o, slope, state);
      Recurrence ref = recurrent(s, 1, p.qd, p.kd, p.vd, s0);
      EXPECT_LT(worstHeadError(toDouble(o), ref.o), kTolerance) << decay << ones;
      EXPECT_LT(worstHeadError(toDouble(state), ref.state), 1e-6) << decay << ones;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LightningState,
                         ::testing::Values(Shape{32, 32, true}, Shape{32, 32, false},
                                           Shape{64, 64, true}, Shape{64, 64, false},
                                           Shape{32, 64, true}),
                         [](const ::testing::TestParamInfo<Shape> &info) {
                           std::ostringstream os;
                           os << info.param;
                           return os.str();
                         });

} // namespace

/// lightning_fwd_varlen: sequences of different lengths (one empty) packed along the token
/// axis of [h, T, d] tensors, each walked from its own initial state: every sequence's outputs
/// and final state match the recurrence over that sequence alone, and the empty one's state
/// passes through unchanged.
TEST_P(LightningState, VarlenMatchesEachSequenceAlone) {
  const Shape s = GetParam();
  const std::vector<int> lengths = {37, 0, 91, 5};
  std::vector<int> cu = {0};
  for (int len : lengths)
    cu.push_back(cu.back() + len);
  const int N = int(lengths.size()), T = cu.back();
  std::vector<double> qd, kd, vd, s0d;
  uint32_t seed = 4242 + s.D * 10 + s.E + (s.decay ? 7 : 0);
  BF16 q = randomBF16(size_t(kHeads) * T * s.D, seed + 1, qd);
  BF16 k = randomBF16(size_t(kHeads) * T * s.D, seed + 2, kd);
  BF16 v = randomBF16(size_t(kHeads) * T * s.E, seed + 3, vd);
  std::vector<float> s0 = randomF32(size_t(N) * kHeads * s.D * s.E, seed + 4, s0d);

  auto fwd = Kernel::load("lightning_fwd.tile", "lightning_fwd_varlen",
                          {{"H", kHeads}, {"D", s.D}, {"E", s.E}, {"BLOCK_E", sliceOf(s.E)},
                           {"DECAY", s.decay}, {"STATE_IN", true}, {"STATE_OUT", true}});
  ASSERT_TRUE(fwd);
  BF16 o = poisonedBF16(v.size());
  std::vector<float> slope = kSlopes, sOut(s0.size(), NAN);
  std::vector<int32_t> cuSeqlens(cu.begin(), cu.end());
  fwd->run(lacc::Grid(s.E / sliceOf(s.E), N * kHeads), q, k, v, o, slope, cuSeqlens, T, s0,
           sOut);
  std::vector<double> oGot = toDouble(o), sGot = toDouble(sOut);

  for (int i = 0; i < N; ++i)
    for (int h = 0; h < kHeads; ++h) {
      SCOPED_TRACE("sequence " + std::to_string(i) + ", head " + std::to_string(h));
      double lambda = s.decay ? std::exp(-double(kSlopes[h])) : 1.0;
      size_t stateAt = size_t(i * kHeads + h) * s.D * s.E;
      std::vector<double> S(s0d.begin() + stateAt, s0d.begin() + stateAt + size_t(s.D) * s.E);
      std::vector<double> oRef, oPart;
      for (int t = cu[i]; t < cu[i + 1]; ++t) {
        size_t row = size_t(h) * T + t;
        for (int d = 0; d < s.D; ++d)
          for (int e = 0; e < s.E; ++e)
            S[size_t(d) * s.E + e] = lambda * S[size_t(d) * s.E + e] +
                                     kd[row * s.D + d] * vd[row * s.E + e];
        for (int e = 0; e < s.E; ++e) {
          double acc = 0;
          for (int d = 0; d < s.D; ++d)
            acc += qd[row * s.D + d] * S[size_t(d) * s.E + e];
          oRef.push_back(acc);
          oPart.push_back(oGot[row * s.E + e]);
        }
      }
      if (!oRef.empty()) {
        EXPECT_LT(relativeError(oPart, oRef), kTolerance);
      }
      std::vector<double> sPart(sGot.begin() + stateAt, sGot.begin() + stateAt + S.size());
      EXPECT_LT(relativeError(sPart, S), lengths[i] ? kTolerance : 1e-6);
    }
}
