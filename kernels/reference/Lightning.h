//===- Lightning.h - fp64 reference for lightning attention -----*- C++ -*-===//
//
// The recurrent form of LIGHTNING.md, in double precision, independent of the
// blocked algorithm the kernels use. Tensors are contiguous [bh, n, dim], states [bh, D, E].
//
//   forward:  S_t = lambda S_{t-1} + k_t v_t^T,        o_t = S_t^T q_t,   S_{-1} = s0
//   dq:       A_t = lambda A_{t-1} + v_t k_t^T,        dq_t = A_t^T do_t, A_{-1} = s0^T
//   dk, dv:   B_t = lambda B_{t+1} + q_t do_t^T,       dk_t = B_t v_t, dv_t = B_t^T k_t,
//             B_{n-1} = q_{n-1} do_{n-1}^T + dSn,      dS0 = lambda B_0 (dSn when n = 0)
// where s0 is the initial state and dSn the gradient of the loss with respect to the final
// state S_{n-1} (both zero when not given); B_t is the gradient with respect to S_t, dS0 the
// one with respect to s0.
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

/// Where `state` holds (batch, head) b's [rows, cols] matrix, or nullptr when it is empty (zeros).
inline const double *stateOf(const std::vector<double> &state, int b, int rows, int cols) {
  return state.empty() ? nullptr : &state[size_t(b) * rows * cols];
}

/// `lambda[i]` is the decay of (batch, head) i: exp(-slope), or 1 without decay. From the
/// states s0 when given (else zeros); the final states to *sn when asked for.
inline std::vector<double> lightningForward(const LightningShape &s,
                                            const std::vector<double> &lambda,
                                            const std::vector<double> &q,
                                            const std::vector<double> &k,
                                            const std::vector<double> &v,
                                            const std::vector<double> &s0 = {},
                                            std::vector<double> *sn = nullptr) {
  std::vector<double> o(size_t(s.bh) * s.n * s.E), S(size_t(s.D) * s.E);
  if (sn)
    sn->assign(size_t(s.bh) * s.D * s.E, 0.0);
  for (int b = 0; b < s.bh; ++b) {
    if (const double *init = stateOf(s0, b, s.D, s.E))
      std::copy(init, init + S.size(), S.begin());
    else
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
    if (sn)
      std::copy(S.begin(), S.end(), sn->begin() + size_t(b) * S.size());
  }
  return o;
}

struct LightningGrads {
  std::vector<double> dq, dk, dv;
  std::vector<double> dS0; ///< with respect to the initial states, [bh, D, E]
};

/// The gradients of the loss sum(o * dO) + sum(S_{n-1} * dSn) of a forward from s0 (s0, dSn:
/// [bh, D, E], or empty: zeros).
inline LightningGrads lightningBackward(const LightningShape &s, const std::vector<double> &lambda,
                                        const std::vector<double> &q,
                                        const std::vector<double> &k,
                                        const std::vector<double> &v,
                                        const std::vector<double> &dO,
                                        const std::vector<double> &s0 = {},
                                        const std::vector<double> &dSn = {}) {
  LightningGrads g{std::vector<double>(q.size()), std::vector<double>(k.size()),
                   std::vector<double>(v.size()),
                   std::vector<double>(size_t(s.bh) * s.D * s.E)};
  std::vector<double> A(size_t(s.E) * s.D), B(size_t(s.D) * s.E);
  for (int b = 0; b < s.bh; ++b) {
    auto rowD = [&](const std::vector<double> &x, int t) { return &x[(size_t(b) * s.n + t) * s.D]; };
    auto rowE = [&](const std::vector<double> &x, int t) { return &x[(size_t(b) * s.n + t) * s.E]; };
    std::fill(A.begin(), A.end(), 0.0);
    if (const double *init = stateOf(s0, b, s.D, s.E))
      for (int i = 0; i < s.D; ++i)
        for (int e = 0; e < s.E; ++e)
          A[size_t(e) * s.D + i] = init[size_t(i) * s.E + e];
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
    if (const double *last = stateOf(dSn, b, s.D, s.E))
      std::copy(last, last + B.size(), B.begin());
    else
      std::fill(B.begin(), B.end(), 0.0);
    for (int t = s.n - 1; t >= 0; --t) {
      const double *qt = rowD(q, t), *kt = rowD(k, t), *vt = rowE(v, t), *dot = rowE(dO, t);
      // B holds dSn before the last token (not decayed: it is the gradient of S_{n-1}).
      const double decay = t == s.n - 1 ? 1.0 : lambda[b];
      for (int i = 0; i < s.D; ++i)
        for (int e = 0; e < s.E; ++e)
          B[size_t(i) * s.E + e] = decay * B[size_t(i) * s.E + e] + qt[i] * dot[e];
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
    // S_0 = lambda s0 + k_0^T v_0 (no token: S_{n-1} = s0 itself).
    const double decay = s.n > 0 ? lambda[b] : 1.0;
    for (size_t i = 0; i < B.size(); ++i)
      g.dS0[size_t(b) * B.size() + i] = decay * B[i];
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
