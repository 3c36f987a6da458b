//===- Lightning.h - fp64 reference for lightning attention -----*- C++ -*-===//
//
// The recurrent form of LIGHTNING.md, in double precision, independent of the
// blocked algorithm the kernels use. Tensors are contiguous [bh, n, dim].
//
//   forward:  S_t = lambda S_{t-1} + k_t v_t^T,        o_t = S_t^T q_t
//   dq:       A_t = lambda A_{t-1} + v_t k_t^T,        dq_t = A_t^T do_t
//   dk, dv:   B_t = lambda B_{t+1} + q_t do_t^T,       dk_t = B_t v_t, dv_t = B_t^T k_t
//
//===----------------------------------------------------------------------===//

#ifndef LACC_KERNELS_REFERENCE_LIGHTNING_H
#define LACC_KERNELS_REFERENCE_LIGHTNING_H

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace lacc::reference {

struct LightningShape {
  int bh; // batch * heads
  int n;  // tokens
  int D;  // q/k head dim
  int E;  // v/o head dim
};

/// `lambda[i]` is the decay of (batch, head) i: exp(-slope), or 1 without decay.
inline std::vector<double> lightningForward(const LightningShape &s,
                                            const std::vector<double> &lambda,
                                            const std::vector<double> &q,
                                            const std::vector<double> &k,
                                            const std::vector<double> &v) {
  std::vector<double> o(size_t(s.bh) * s.n * s.E), S(size_t(s.D) * s.E);
  for (int b = 0; b < s.bh; ++b) {
    std::fill(S.begin(), S.end(), 0.0);
    for (int t = 0; t < s.n; ++t) {
      const double *qt = &q[(size_t(b) * s.n + t) * s.D], *kt = &k[(size_t(b) * s.n + t) * s.D];
      const double *vt = &v[(size_t(b) * s.n + t) * s.E];
      double *ot = &o[(size_t(b) * s.n + t) * s.E];
      for (int i = 0; i < s.D; ++i)
        for (int e = 0; e < s.E; ++e)
          S[size_t(i) * s.E + e] = lambda[b] * S[size_t(i) * s.E + e] + kt[i] * vt[e];
      // Row by row of S, so that the inner loops run along memory (and vectorize).
      std::fill(ot, ot + s.E, 0.0);
      for (int i = 0; i < s.D; ++i)
        for (int e = 0; e < s.E; ++e)
          ot[e] += qt[i] * S[size_t(i) * s.E + e];
    }
  }
  return o;
}

struct LightningGrads {
  std::vector<double> dq, dk, dv;
};

inline LightningGrads lightningBackward(const LightningShape &s, const std::vector<double> &lambda,
                                        const std::vector<double> &q,
                                        const std::vector<double> &k,
                                        const std::vector<double> &v,
                                        const std::vector<double> &dO) {
  LightningGrads g{std::vector<double>(q.size()), std::vector<double>(k.size()),
                   std::vector<double>(v.size())};
  std::vector<double> A(size_t(s.E) * s.D), B(size_t(s.D) * s.E);
  for (int b = 0; b < s.bh; ++b) {
    auto rowD = [&](const std::vector<double> &x, int t) { return &x[(size_t(b) * s.n + t) * s.D]; };
    auto rowE = [&](const std::vector<double> &x, int t) { return &x[(size_t(b) * s.n + t) * s.E]; };
    std::fill(A.begin(), A.end(), 0.0);
    for (int t = 0; t < s.n; ++t) {
      const double *kt = rowD(k, t), *vt = rowE(v, t), *dot = rowE(dO, t);
      for (int e = 0; e < s.E; ++e)
        for (int i = 0; i < s.D; ++i)
          A[size_t(e) * s.D + i] = lambda[b] * A[size_t(e) * s.D + i] + vt[e] * kt[i];
      double *dqt = &g.dq[(size_t(b) * s.n + t) * s.D];
      for (int e = 0; e < s.E; ++e)
        for (int i = 0; i < s.D; ++i)
          dqt[i] += dot[e] * A[size_t(e) * s.D + i];
    }
    std::fill(B.begin(), B.end(), 0.0);
    for (int t = s.n - 1; t >= 0; --t) {
      const double *qt = rowD(q, t), *kt = rowD(k, t), *vt = rowE(v, t), *dot = rowE(dO, t);
      for (int i = 0; i < s.D; ++i)
        for (int e = 0; e < s.E; ++e)
          B[size_t(i) * s.E + e] = lambda[b] * B[size_t(i) * s.E + e] + qt[i] * dot[e];
      double *dkt = &g.dk[(size_t(b) * s.n + t) * s.D], *dvt = &g.dv[(size_t(b) * s.n + t) * s.E];
      for (int i = 0; i < s.D; ++i) {
        double acc = 0;
        for (int e = 0; e < s.E; ++e)
          acc += B[size_t(i) * s.E + e] * vt[e];
        dkt[i] = acc;
      }
      for (int i = 0; i < s.D; ++i)
        for (int e = 0; e < s.E; ++e)
          dvt[e] += kt[i] * B[size_t(i) * s.E + e];
    }
  }
  return g;
}

/// ||got - ref|| / ||ref||: the accuracy measure of LIGHTNING.md.
inline double relativeError(const std::vector<double> &got, const std::vector<double> &ref) {
  double diff = 0, norm = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    diff += (got[i] - ref[i]) * (got[i] - ref[i]);
    norm += ref[i] * ref[i];
  }
  if (std::isnan(diff))
    return diff;
  return norm > 1e-30 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

} // namespace lacc::reference

#endif // LACC_KERNELS_REFERENCE_LIGHTNING_H
