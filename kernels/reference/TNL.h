//===- TNL.h - fp64 reference for the TransNormerLLM decoder layer -*- C++ -*-===//
//
// The TNL layer of LIGHTNING.md ("The TNL decoder layer"), forward and backward,
// in double precision, written from the math alone: plain matrix products,
// SRMSNorm, SiLU, LRPE, the output gate, SGLU, and the recurrent lightning
// attention of Lightning.h. Token rows are [b * n, D] row-major; weights are
// [in, out] row-major (y = x W), as the layer stores them.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_KERNELS_REFERENCE_TNL_H
#define LACC_KERNELS_REFERENCE_TNL_H

#include "kernels/reference/Lightning.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lacc::reference {

using Vec = std::vector<double>;

struct TNLShape {
  int b, n, D, H, F;
  bool lrpe;
  double eps = 1e-6;
  int dh() const { return D / H; }
};

struct TNLWeights {
  Vec wqkvu, wout, w12, w3, theta; // [D, 4D], [D, D], [D, 2F], [F, D], [H, dh]
  std::vector<double> slope;       // [H]
};

/// c[M, N] = a[M, K] b[K, N], all row-major.
inline Vec matmul(const Vec &a, const Vec &b, int M, int K, int N) {
  Vec c(size_t(M) * N, 0.0);
  for (int i = 0; i < M; ++i)
    for (int k = 0; k < K; ++k) {
      double x = a[size_t(i) * K + k];
      for (int j = 0; j < N; ++j)
        c[size_t(i) * N + j] += x * b[size_t(k) * N + j];
    }
  return c;
}
inline Vec transpose(const Vec &a, int rows, int cols) {
  Vec t(a.size());
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      t[size_t(j) * rows + i] = a[size_t(i) * cols + j];
  return t;
}
/// Columns [c0, c0 + w) of a [rows, cols] matrix.
inline Vec columns(const Vec &a, int rows, int cols, int c0, int w) {
  Vec o(size_t(rows) * w);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < w; ++j)
      o[size_t(i) * w + j] = a[size_t(i) * cols + c0 + j];
  return o;
}
inline void setColumns(Vec &a, int rows, int cols, int c0, int w, const Vec &src) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < w; ++j)
      a[size_t(i) * cols + c0 + j] = src[size_t(i) * w + j];
}

/// Per-row SRMSNorm: y = x r, r = 1 / sqrt(mean(x^2) + eps).
inline Vec srmsnorm(const Vec &x, int rows, int cols, double eps, Vec &r) {
  Vec y(x.size());
  r.assign(rows, 0.0);
  for (int i = 0; i < rows; ++i) {
    double ss = 0;
    for (int j = 0; j < cols; ++j)
      ss += x[size_t(i) * cols + j] * x[size_t(i) * cols + j];
    r[i] = 1 / std::sqrt(ss / cols + eps);
    for (int j = 0; j < cols; ++j)
      y[size_t(i) * cols + j] = x[size_t(i) * cols + j] * r[i];
  }
  return y;
}
/// Its backward: dx = r (dy - x_hat mean(x_hat dy)).
inline Vec srmsnormBackward(const Vec &x, const Vec &dy, const Vec &r, int rows, int cols) {
  Vec dx(x.size());
  for (int i = 0; i < rows; ++i) {
    double c = 0;
    for (int j = 0; j < cols; ++j)
      c += x[size_t(i) * cols + j] * r[i] * dy[size_t(i) * cols + j];
    c /= cols;
    for (int j = 0; j < cols; ++j)
      dx[size_t(i) * cols + j] = r[i] * (dy[size_t(i) * cols + j] - x[size_t(i) * cols + j] * r[i] * c);
  }
  return dx;
}

/// Rows [b * n, H * dh] <-> heads [b, H, n, dh].
inline Vec toHeads(const Vec &rows, int b, int n, int H, int dh) {
  Vec o(rows.size());
  for (int bi = 0; bi < b; ++bi)
    for (int h = 0; h < H; ++h)
      for (int t = 0; t < n; ++t)
        for (int c = 0; c < dh; ++c)
          o[((size_t(bi) * H + h) * n + t) * dh + c] = rows[(size_t(bi) * n + t) * H * dh + h * dh + c];
  return o;
}
inline Vec fromHeads(const Vec &heads, int b, int n, int H, int dh) {
  Vec o(heads.size());
  for (int bi = 0; bi < b; ++bi)
    for (int h = 0; h < H; ++h)
      for (int t = 0; t < n; ++t)
        for (int c = 0; c < dh; ++c)
          o[(size_t(bi) * n + t) * H * dh + h * dh + c] = heads[((size_t(bi) * H + h) * n + t) * dh + c];
  return o;
}

inline double sigmoidRef(double x) { return 1 / (1 + std::exp(-x)); }

/// LRPE on heads [b, H, n, dh] -> [b, H, n, 2 dh]: [x cos(theta t), x sin(theta t)].
inline Vec lrpe(const Vec &x, const Vec &theta, int b, int H, int n, int dh) {
  Vec o(x.size() * 2);
  for (int bh = 0; bh < b * H; ++bh)
    for (int t = 0; t < n; ++t)
      for (int i = 0; i < dh; ++i) {
        double a = theta[size_t(bh % H) * dh + i] * t, xv = x[(size_t(bh) * n + t) * dh + i];
        o[(size_t(bh) * n + t) * 2 * dh + i] = xv * std::cos(a);
        o[(size_t(bh) * n + t) * 2 * dh + dh + i] = xv * std::sin(a);
      }
  return o;
}
/// Its backward: dx, and dtheta added to.
inline Vec lrpeBackward(const Vec &x, const Vec &theta, const Vec &dout, int b, int H, int n,
                        int dh, Vec &dtheta) {
  Vec dx(x.size());
  for (int bh = 0; bh < b * H; ++bh)
    for (int t = 0; t < n; ++t)
      for (int i = 0; i < dh; ++i) {
        double a = theta[size_t(bh % H) * dh + i] * t, xv = x[(size_t(bh) * n + t) * dh + i];
        double g1 = dout[(size_t(bh) * n + t) * 2 * dh + i];
        double g2 = dout[(size_t(bh) * n + t) * 2 * dh + dh + i];
        dx[(size_t(bh) * n + t) * dh + i] = g1 * std::cos(a) + g2 * std::sin(a);
        dtheta[size_t(bh % H) * dh + i] += t * xv * (g2 * std::cos(a) - g1 * std::sin(a));
      }
  return dx;
}

struct TNLForward {
  Vec y;
  // saved
  Vec x, r1, h, qkvu, q, k, qr, kr, v, o, rO, z, g, x1, r2, h2, ab, p;
};

struct TNLGrads {
  Vec dx, dwqkvu, dwout, dw12, dw3, dtheta;
};

inline TNLForward tnlForward(const TNLShape &s, const TNLWeights &w, const Vec &x) {
  const int M = s.b * s.n, D = s.D, F = s.F, H = s.H, dh = s.dh();
  TNLForward f;
  f.x = x;
  f.h = srmsnorm(x, M, D, s.eps, f.r1);
  f.qkvu = matmul(f.h, w.wqkvu, M, D, 4 * D);
  Vec q = columns(f.qkvu, M, 4 * D, 0, D), k = columns(f.qkvu, M, 4 * D, D, D);
  for (double &e : q)
    e = e * sigmoidRef(e);
  for (double &e : k)
    e = e * sigmoidRef(e);
  f.q = toHeads(q, s.b, s.n, H, dh);
  f.k = toHeads(k, s.b, s.n, H, dh);
  f.v = toHeads(columns(f.qkvu, M, 4 * D, 2 * D, D), s.b, s.n, H, dh);
  f.qr = s.lrpe ? lrpe(f.q, w.theta, s.b, H, s.n, dh) : f.q;
  f.kr = s.lrpe ? lrpe(f.k, w.theta, s.b, H, s.n, dh) : f.k;
  std::vector<double> lambda;
  for (int bh = 0; bh < s.b * H; ++bh)
    lambda.push_back(std::exp(-w.slope[bh % H]));
  const int Dqk = s.lrpe ? 2 * dh : dh;
  f.o = fromHeads(lightningForward({s.b * H, s.n, Dqk, dh}, lambda, f.qr, f.kr, f.v), s.b, s.n, H, dh);
  f.z = srmsnorm(f.o, M, D, s.eps, f.rO);
  Vec u = columns(f.qkvu, M, 4 * D, 3 * D, D);
  f.g.resize(f.z.size());
  for (size_t i = 0; i < f.z.size(); ++i)
    f.g[i] = u[i] * f.z[i];
  f.x1 = matmul(f.g, w.wout, M, D, D);
  for (size_t i = 0; i < x.size(); ++i)
    f.x1[i] += x[i];
  f.h2 = srmsnorm(f.x1, M, D, s.eps, f.r2);
  f.ab = matmul(f.h2, w.w12, M, D, 2 * F);
  f.p.resize(size_t(M) * F);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < F; ++j)
      f.p[size_t(i) * F + j] = f.ab[size_t(i) * 2 * F + j] * f.ab[size_t(i) * 2 * F + F + j];
  f.y = matmul(f.p, w.w3, M, F, D);
  for (size_t i = 0; i < f.y.size(); ++i)
    f.y[i] += f.x1[i];
  return f;
}

inline TNLGrads tnlBackward(const TNLShape &s, const TNLWeights &w, const TNLForward &f,
                            const Vec &dy) {
  const int M = s.b * s.n, D = s.D, F = s.F, H = s.H, dh = s.dh();
  TNLGrads g;
  // y = x1 + p W3
  Vec dp = matmul(dy, transpose(w.w3, F, D), M, D, F);
  g.dw3 = matmul(transpose(f.p, M, F), dy, F, M, D);
  Vec dab(size_t(M) * 2 * F);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < F; ++j) {
      dab[size_t(i) * 2 * F + j] = dp[size_t(i) * F + j] * f.ab[size_t(i) * 2 * F + F + j];
      dab[size_t(i) * 2 * F + F + j] = dp[size_t(i) * F + j] * f.ab[size_t(i) * 2 * F + j];
    }
  Vec dh2 = matmul(dab, transpose(w.w12, D, 2 * F), M, 2 * F, D);
  g.dw12 = matmul(transpose(f.h2, M, D), dab, D, M, 2 * F);
  Vec dx1 = srmsnormBackward(f.x1, dh2, f.r2, M, D);
  for (size_t i = 0; i < dx1.size(); ++i)
    dx1[i] += dy[i];
  // x1 = x + g Wout
  Vec dg = matmul(dx1, transpose(w.wout, D, D), M, D, D);
  g.dwout = matmul(transpose(f.g, M, D), dx1, D, M, D);
  Vec u = columns(f.qkvu, M, 4 * D, 3 * D, D), du(dg.size()), dz(dg.size());
  for (size_t i = 0; i < dg.size(); ++i)
    du[i] = dg[i] * f.z[i], dz[i] = dg[i] * u[i];
  Vec dO = srmsnormBackward(f.o, dz, f.rO, M, D);
  std::vector<double> lambda;
  for (int bh = 0; bh < s.b * H; ++bh)
    lambda.push_back(std::exp(-w.slope[bh % H]));
  const int Dqk = s.lrpe ? 2 * dh : dh;
  LightningGrads lg = lightningBackward({s.b * H, s.n, Dqk, dh}, lambda, f.qr, f.kr, f.v,
                                        toHeads(dO, s.b, s.n, H, dh));
  Vec dq = lg.dq, dk = lg.dk;
  g.dtheta.assign(size_t(H) * dh, 0.0);
  if (s.lrpe) {
    dq = lrpeBackward(f.q, w.theta, lg.dq, s.b, H, s.n, dh, g.dtheta);
    dk = lrpeBackward(f.k, w.theta, lg.dk, s.b, H, s.n, dh, g.dtheta);
  }
  dq = fromHeads(dq, s.b, s.n, H, dh);
  dk = fromHeads(dk, s.b, s.n, H, dh);
  Vec qpre = columns(f.qkvu, M, 4 * D, 0, D), kpre = columns(f.qkvu, M, 4 * D, D, D);
  for (size_t i = 0; i < dq.size(); ++i) {
    double sq = sigmoidRef(qpre[i]), sk = sigmoidRef(kpre[i]);
    dq[i] *= sq * (1 + qpre[i] * (1 - sq));
    dk[i] *= sk * (1 + kpre[i] * (1 - sk));
  }
  Vec dqkvu(size_t(M) * 4 * D);
  setColumns(dqkvu, M, 4 * D, 0, D, dq);
  setColumns(dqkvu, M, 4 * D, D, D, dk);
  setColumns(dqkvu, M, 4 * D, 2 * D, D, fromHeads(lg.dv, s.b, s.n, H, dh));
  setColumns(dqkvu, M, 4 * D, 3 * D, D, du);
  Vec dh1 = matmul(dqkvu, transpose(w.wqkvu, D, 4 * D), M, 4 * D, D);
  g.dwqkvu = matmul(transpose(f.h, M, D), dqkvu, D, M, 4 * D);
  g.dx = srmsnormBackward(f.x, dh1, f.r1, M, D);
  for (size_t i = 0; i < g.dx.size(); ++i)
    g.dx[i] += dx1[i];
  return g;
}

/// The model of lacc/nn/TNLModel.h: embedding [V, D], layers, SRMSNorm, head [D, V], mean
/// softmax cross-entropy over the b * n positions. Returns the loss; `grads` (when given) gets
/// d loss / d each weight: embedding, then per layer wqkvu, wout, w12, w3 (and theta when the
/// layer has LRPE), then the head.
struct TNLModelRef {
  TNLShape layer; // b, n, D, H, F; lrpe applies to layer 0 only
  int V, L;
  Vec embedding, head;
  std::vector<TNLWeights> layers;
};

inline double tnlModelLoss(const TNLModelRef &m, const std::vector<int> &tokens,
                           const std::vector<int> &targets, std::vector<Vec> *grads = nullptr) {
  const int M = m.layer.b * m.layer.n, D = m.layer.D, V = m.V;
  Vec x(size_t(M) * D);
  for (int t = 0; t < M; ++t)
    for (int c = 0; c < D; ++c)
      x[size_t(t) * D + c] = m.embedding[size_t(tokens[t]) * D + c];
  std::vector<TNLForward> fwd;
  for (int l = 0; l < m.L; ++l) {
    TNLShape s = m.layer;
    s.lrpe = m.layer.lrpe && l == 0;
    fwd.push_back(tnlForward(s, m.layers[l], x));
    x = fwd.back().y;
  }
  Vec rf;
  Vec hf = srmsnorm(x, M, D, m.layer.eps, rf);
  Vec logits = matmul(hf, m.head, M, D, V), dlogits(logits.size());
  double loss = 0;
  for (int t = 0; t < M; ++t) {
    const double *z = &logits[size_t(t) * V];
    double mx = *std::max_element(z, z + V), sum = 0;
    for (int c = 0; c < V; ++c)
      sum += std::exp(z[c] - mx);
    double lse = mx + std::log(sum);
    loss += (lse - z[targets[t]]) / M;
    for (int c = 0; c < V; ++c)
      dlogits[size_t(t) * V + c] = (std::exp(z[c] - lse) - (c == targets[t])) / M;
  }
  if (!grads)
    return loss;
  grads->clear();
  Vec dhead = matmul(transpose(hf, M, D), dlogits, D, M, V);
  Vec dx = srmsnormBackward(x, matmul(dlogits, transpose(m.head, D, V), M, V, D), rf, M, D);
  std::vector<std::vector<Vec>> layerGrads(m.L);
  for (int l = m.L - 1; l >= 0; --l) {
    TNLShape s = m.layer;
    s.lrpe = m.layer.lrpe && l == 0;
    TNLGrads g = tnlBackward(s, m.layers[l], fwd[l], dx);
    dx = g.dx;
    layerGrads[l] = {g.dwqkvu, g.dwout, g.dw12, g.dw3};
    if (s.lrpe)
      layerGrads[l].push_back(g.dtheta);
  }
  Vec demb(m.embedding.size(), 0.0);
  for (int t = 0; t < M; ++t)
    for (int c = 0; c < D; ++c)
      demb[size_t(tokens[t]) * D + c] += dx[size_t(t) * D + c];
  grads->push_back(demb);
  for (auto &lg : layerGrads)
    for (Vec &g : lg)
      grads->push_back(g);
  grads->push_back(dhead);
  return loss;
}

} // namespace lacc::reference

#endif // LACC_KERNELS_REFERENCE_TNL_H
