//===- nn/TNLLayer.cpp - the TransNormerLLM decoder layer -----------------===//
//
// Argument checks, parameters, and the launch sequence of lacc/nn/TNLLayer.h.
//
//===----------------------------------------------------------------------===//

#include "lacc/nn/TNLLayer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace lacc::nn {

namespace {

[[noreturn]] void fail(const std::string &op, const std::string &message) {
  throw Error(Error::Kind::Argument, "tnl layer " + op + ": " + message);
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

/// `t` is a bf16 (or f32) tensor of exactly `shape` in a buffer large enough.
void checkTensor(const std::string &op, const char *name, const Tensor &t,
                 const std::vector<int64_t> &shape, ops::DType dtype = ops::DType::BF16) {
  if (!t.buffer || !*t.buffer)
    fail(op, std::string(name) + " has no device buffer");
  if (t.shape != shape)
    fail(op, std::string(name) + " must have shape " + shapeString(shape) + ", got " +
                 shapeString(t.shape));
  if (t.dtype != dtype)
    fail(op, std::string(name) + " must be " + (dtype == ops::DType::BF16 ? "bf16" : "f32"));
  if (!t.strides.empty())
    fail(op, std::string(name) + " must be contiguous (give no strides)");
  size_t need = size_t(t.numel()) * (dtype == ops::DType::BF16 ? 2 : 4);
  if (t.buffer->size() < need)
    fail(op, std::string(name) + " of shape " + shapeString(shape) + " needs " +
                 std::to_string(need) + " bytes, but its buffer has " +
                 std::to_string(t.buffer->size()));
}

/// Column c of bf16 rows (DevicePtr arithmetic is in bytes).
DevicePtr col(DevicePtr rows, int64_t c) { return rows + 2 * c; }

bool powerOfTwo(int64_t x) { return x > 0 && (x & (x - 1)) == 0; }

/// Round to nearest even, as the kernels' stores do.
uint16_t toBF16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000)
    return uint16_t((u >> 16) | 0x40);
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}

/// Slopes of ALiBi for a power-of-two count: 2^(-8/n), its powers.
std::vector<double> powerOfTwoSlopes(int64_t n) {
  std::vector<double> s;
  double start = std::pow(2.0, -8.0 / double(n));
  for (int64_t i = 0; i < n; ++i)
    s.push_back(std::pow(start, double(i + 1)));
  return s;
}

} // namespace

//===----------------------------------------------------------------------===//
// Parameter
//===----------------------------------------------------------------------===//

int64_t Parameter::numel() const { return ops::numelOf(shape); }

void Parameter::set(Context &ctx, const std::vector<float> &w) {
  if (int64_t(w.size()) != numel())
    throw Error(Error::Kind::Argument, "parameter " + name + ": " + std::to_string(w.size()) +
                                           " values for shape " + shapeString(shape));
  if (!master) {
    master = ctx.alloc(w.size() * 4);
    m = ctx.alloc(w.size() * 4);
    v = ctx.alloc(w.size() * 4);
    grad = ctx.alloc(w.size() * 4);
    if (hasBF16)
      value = ctx.alloc(w.size() * 2);
  }
  master.upload(w);
  std::vector<float> zero(w.size(), 0.0f);
  m.upload(zero);
  v.upload(zero);
  grad.upload(zero);
  if (hasBF16) {
    std::vector<uint16_t> b(w.size());
    for (size_t i = 0; i < w.size(); ++i)
      b[i] = toBF16(w[i]);
    value.upload(b);
  }
}

//===----------------------------------------------------------------------===//
// TNLLayer
//===----------------------------------------------------------------------===//

std::vector<float> tnlSlopes(int64_t heads, int layer, int numLayers) {
  std::vector<double> base;
  if (powerOfTwo(heads)) {
    base = powerOfTwoSlopes(heads);
  } else {
    int64_t closest = 1;
    while (closest * 2 <= heads)
      closest *= 2;
    base = powerOfTwoSlopes(closest);
    std::vector<double> extra = powerOfTwoSlopes(2 * closest);
    for (int64_t i = 0; int64_t(base.size()) < heads; i += 2)
      base.push_back(extra[i]);
  }
  double factor = numLayers > 1 ? 1.0 - double(layer) / double(numLayers - 1) + 1e-5 : 1.0 + 1e-5;
  std::vector<float> s;
  for (double b : base)
    s.push_back(float(b * factor));
  return s;
}

TNLLayer::TNLLayer(TNLKernels &kernels, const TNLLayerConfig &config, uint64_t seed)
    : k_(kernels), cfg_(config) {
  const std::string op = "config";
  if (cfg_.dim < 1 || cfg_.heads < 1 || cfg_.dim % cfg_.heads)
    fail(op, "dim = " + std::to_string(cfg_.dim) + " must be a positive multiple of heads = " +
                 std::to_string(cfg_.heads));
  const int64_t dh = headDim();
  if (!powerOfTwo(dh) || dh < 16 || dh > 128)
    fail(op, "the head dim dim / heads = " + std::to_string(dh) +
                 " must be a power of two in 16..128 (lightning attention's head dims)");
  if (cfg_.glu < 1)
    fail(op, "glu = " + std::to_string(cfg_.glu) + " must be >= 1");
  if (cfg_.numLayers < 1 || cfg_.layer < 0 || cfg_.layer >= cfg_.numLayers)
    fail(op, "layer = " + std::to_string(cfg_.layer) + " must be in [0, numLayers = " +
                 std::to_string(cfg_.numLayers) + ")");
  if (!(cfg_.eps > 0))
    fail(op, "eps must be > 0");

  Context &ctx = k_.context();
  const int64_t D = cfg_.dim, F = cfg_.glu, H = cfg_.heads;
  std::mt19937_64 rng(seed);
  auto normal = [&](Parameter &p, std::string name, std::vector<int64_t> shape, double stddev) {
    p.name = std::move(name);
    p.shape = std::move(shape);
    std::normal_distribution<double> dist(0.0, stddev);
    std::vector<float> w(size_t(p.numel()));
    for (float &x : w)
      x = float(dist(rng));
    p.set(ctx, w);
  };
  const double out = 0.02 / std::sqrt(2.0 * cfg_.numLayers);
  normal(wqkvu_, "wqkvu", {D, 4 * D}, 0.02);
  normal(wout_, "wout", {D, D}, out);
  normal(w12_, "w12", {D, 2 * F}, 0.02);
  normal(w3_, "w3", {F, D}, out);
  if (cfg_.lrpe) {
    theta_.name = "theta";
    theta_.shape = {H, dh};
    theta_.hasBF16 = false;
    theta_.decay = false;
    std::vector<float> th(size_t(H * dh));
    for (int64_t i = 0; i < H * dh; ++i)
      th[i] = float(std::pow(10000.0, -2.0 * double(i) / double(H * dh)));
    theta_.set(ctx, th);
  }
  slope_ = ctx.upload(tnlSlopes(H, cfg_.layer, cfg_.numLayers));
}

std::vector<Parameter *> TNLLayer::parameters() {
  std::vector<Parameter *> p{&wqkvu_, &wout_, &w12_, &w3_};
  if (cfg_.lrpe)
    p.push_back(&theta_);
  return p;
}

void TNLLayer::allocate(TNLSaved &s, int64_t b, int64_t n) const {
  // A scratch shared by layers (decoding) is reallocated for the one with LRPE.
  if (s.b == b && s.n == n && (!cfg_.lrpe || s.q))
    return;
  Context &ctx = k_.context();
  const int64_t M = b * n, D = cfg_.dim, F = cfg_.glu, dh = headDim();
  const int64_t Dqk = cfg_.lrpe ? 2 * dh : dh, heads = b * cfg_.heads * n;
  auto bf = [&](int64_t elems) { return ctx.alloc(size_t(elems) * 2); };
  auto f32 = [&](int64_t elems) { return ctx.alloc(size_t(elems) * 4); };
  s = TNLSaved();
  s.b = b, s.n = n;
  s.h = bf(M * D), s.qkvu = bf(M * 4 * D), s.qs = bf(heads * dh), s.ks = bf(heads * dh);
  if (cfg_.lrpe)
    s.q = bf(heads * Dqk), s.k = bf(heads * Dqk);
  s.v = bf(heads * dh), s.oh = bf(heads * dh), s.o = bf(M * D), s.g = bf(M * D);
  s.x1 = bf(M * D), s.h2 = bf(M * D), s.ab = bf(M * 2 * F), s.p = bf(M * F);
  s.rstd1 = f32(M), s.rstdO = f32(M), s.rstd2 = f32(M);
}

void TNLLayer::forward(const Tensor &x, const Tensor &y, TNLSaved &saved, const Tensor *state) {
  run(x, y, saved, state, 0, false, "forward");
}

void TNLLayer::decode(const Tensor &x, const Tensor &y, int64_t pos, const Tensor &state,
                      TNLSaved &scratch) {
  if (pos < 0)
    fail("decode", "pos = " + std::to_string(pos) + " must be >= 0");
  run(x, y, scratch, &state, pos, true, "decode");
}

void TNLLayer::run(const Tensor &x, const Tensor &y, TNLSaved &s, const Tensor *state,
                   int64_t pos, bool decodeStep, const std::string &op) {
  const int64_t D = cfg_.dim, F = cfg_.glu, H = cfg_.heads, dh = headDim();
  const int64_t Dqk = cfg_.lrpe ? 2 * dh : dh;
  if (!x.buffer || x.shape.size() != (decodeStep ? 2u : 3u))
    fail(op, std::string("x must be ") + (decodeStep ? "[b, D]" : "[b, n, D]") + ", got " +
                 (x.buffer ? shapeString(x.shape) : "no buffer"));
  const int64_t b = x.shape[0], n = decodeStep ? 1 : x.shape[1], M = b * n;
  if (b < 1 || n < 1)
    fail(op, "x has shape " + shapeString(x.shape) + ": b and n must be >= 1");
  std::vector<int64_t> shape = decodeStep ? std::vector<int64_t>{b, D} : std::vector<int64_t>{b, n, D};
  checkTensor(op, "x", x, shape);
  checkTensor(op, "y", y, shape);
  if (x.buffer == y.buffer)
    fail(op, "y must not be x's buffer (the backward reads x)");
  // The GEMMs address their operands with i32 offsets; the widest is [b n, max(4D, 2F)].
  const int64_t widest = std::max(4 * D, 2 * F);
  if (M > ((int64_t(1) << 31) - 1) / widest)
    fail(op, "b * n = " + std::to_string(M) + " rows of " + std::to_string(widest) +
                 " exceed the kernels' i32 offsets");
  if (state)
    checkTensor(op, "state", *state, {b * H, Dqk, dh}, ops::DType::F32);
  else if (decodeStep)
    fail(op, "state is required");

  allocate(s, b, n);
  s.x = x.buffer->ptr();
  const Mat xm = rowsOf(*x.buffer, M, D), h = rowsOf(s.h, M, D);
  // h = SRMSNorm(x); [q k v u] = h Wqkvu
  k_.srmsnormFwd(s.x, s.h.ptr(), s.rstd1.ptr(), M, D, cfg_.eps);
  k_.gemm(h, rowsOf(wqkvu_.value, D, 4 * D), rowsOf(s.qkvu, M, 4 * D));
  // heads: SiLU(q), SiLU(k), v; LRPE
  const DevicePtr qkvu = s.qkvu.ptr();
  k_.headsSplit(qkvu, 4 * D, s.qs.ptr(), b, H, n, dh, true);
  k_.headsSplit(col(qkvu, D), 4 * D, s.ks.ptr(), b, H, n, dh, true);
  k_.headsSplit(col(qkvu, 2 * D), 4 * D, s.v.ptr(), b, H, n, dh, false);
  const DeviceBuffer &q = cfg_.lrpe ? s.q : s.qs, &kk = cfg_.lrpe ? s.k : s.ks;
  if (cfg_.lrpe) {
    k_.lrpeFwd(s.qs.ptr(), theta_.master.ptr(), s.q.ptr(), b, H, n, dh, pos);
    k_.lrpeFwd(s.ks.ptr(), theta_.master.ptr(), s.k.ptr(), b, H, n, dh, pos);
  }
  // o = LightningAttention(q, k, v)
  Tensor qt{q, {b, H, n, Dqk}}, kt{kk, {b, H, n, Dqk}}, vt{s.v, {b, H, n, dh}};
  Tensor ot{s.oh, {b, H, n, dh}};
  k_.begin("attention", decodeStep ? "lightning_decode" : "lightning_fwd");
  if (decodeStep) {
    Tensor st = *state;
    k_.attention().decode(qt, kt, vt, slope_, st, ot);
  } else {
    Tensor *out = const_cast<Tensor *>(state);
    k_.attention().forward(qt, kt, vt, slope_, ot, nullptr, out);
  }
  k_.end();
  // g = u SRMSNorm(o); x1 = x + g Wout
  k_.headsMerge(s.oh.ptr(), s.o.ptr(), D, b, H, n, dh);
  const Mat o = rowsOf(s.o, M, D), g = rowsOf(s.g, M, D), x1 = rowsOf(s.x1, M, D);
  k_.gateNormFwd(o, rowsOf(s.qkvu, M, D, 4 * D, 3 * D), g, s.rstdO.ptr(), cfg_.eps);
  k_.gemmResidual(g, rowsOf(wout_.value, D, D), x1, xm);
  // y = x1 + ((h2 W1) (h2 W2)) W3, h2 = SRMSNorm(x1)
  k_.srmsnormFwd(s.x1.ptr(), s.h2.ptr(), s.rstd2.ptr(), M, D, cfg_.eps);
  k_.gemm(rowsOf(s.h2, M, D), rowsOf(w12_.value, D, 2 * F), rowsOf(s.ab, M, 2 * F));
  const Mat a = rowsOf(s.ab, M, F, 2 * F), bb = rowsOf(s.ab, M, F, 2 * F, F);
  const Mat p = rowsOf(s.p, M, F);
  k_.sgluFwd(a, bb, p);
  k_.gemmResidual(p, rowsOf(w3_.value, F, D), rowsOf(*y.buffer, M, D), x1);
}

void TNLLayer::backward(const Tensor &dy, const Tensor &dx, TNLSaved &s) {
  const std::string op = "backward";
  if (s.b == 0 || !s.x.address)
    fail(op, "saved holds no forward (run forward first)");
  const int64_t b = s.b, n = s.n, M = b * n, D = cfg_.dim, F = cfg_.glu, H = cfg_.heads;
  const int64_t dh = headDim(), Dqk = cfg_.lrpe ? 2 * dh : dh, heads = b * H * n;
  checkTensor(op, "dy", dy, {b, n, D});
  checkTensor(op, "dx", dx, {b, n, D});
  if (dx.buffer->ptr().address == s.x.address)
    fail(op, "dx must not be the forward's x");
  Context &ctx = k_.context();
  auto bf = [&](DeviceBuffer &buf, int64_t elems) {
    if (!buf)
      buf = ctx.alloc(size_t(elems) * 2);
  };
  bf(s.dp, M * F), bf(s.dab, M * 2 * F), bf(s.dh, M * D), bf(s.dx1, M * D), bf(s.dg, M * D);
  bf(s.dO, M * D), bf(s.doh, heads * dh), bf(s.dq, heads * Dqk), bf(s.dk, heads * Dqk);
  bf(s.dv, heads * dh), bf(s.dqkvu, M * 4 * D);
  if (cfg_.lrpe)
    bf(s.dqs, heads * dh), bf(s.dks, heads * dh);

  const Mat dym = rowsOf(*dy.buffer, M, D), dh1 = rowsOf(s.dh, M, D);
  // y = x1 + p W3
  k_.gemm(dym, rowsOf(w3_.value, F, D).t(), rowsOf(s.dp, M, F));
  k_.gemm(rowsOf(s.p, M, F).t(), dym, rowsOf(w3_.grad, F, D, 0, 0, true), true);
  k_.sgluBwd(rowsOf(s.ab, M, F, 2 * F), rowsOf(s.ab, M, F, 2 * F, F), rowsOf(s.dp, M, F),
             rowsOf(s.dab, M, F, 2 * F), rowsOf(s.dab, M, F, 2 * F, F));
  // [a b] = h2 W12, h2 = SRMSNorm(x1)
  const Mat dab = rowsOf(s.dab, M, 2 * F);
  k_.gemm(dab, rowsOf(w12_.value, D, 2 * F).t(), dh1);
  k_.gemm(rowsOf(s.h2, M, D).t(), dab, rowsOf(w12_.grad, D, 2 * F, 0, 0, true), true);
  k_.srmsnormBwdAdd(s.x1.ptr(), s.dh.ptr(), s.rstd2.ptr(), dy.buffer->ptr(), s.dx1.ptr(), M, D);
  // x1 = x + g Wout
  const Mat dx1 = rowsOf(s.dx1, M, D);
  k_.gemm(dx1, rowsOf(wout_.value, D, D).t(), rowsOf(s.dg, M, D));
  k_.gemm(rowsOf(s.g, M, D).t(), dx1, rowsOf(wout_.grad, D, D, 0, 0, true), true);
  // g = u SRMSNorm(o)
  k_.gateNormBwd(rowsOf(s.o, M, D), rowsOf(s.qkvu, M, D, 4 * D, 3 * D), rowsOf(s.dg, M, D),
                 s.rstdO.ptr(), rowsOf(s.dO, M, D), rowsOf(s.dqkvu, M, D, 4 * D, 3 * D));
  k_.headsSplit(s.dO.ptr(), D, s.doh.ptr(), b, H, n, dh, false);
  // attention
  const DeviceBuffer &q = cfg_.lrpe ? s.q : s.qs, &kk = cfg_.lrpe ? s.k : s.ks;
  Tensor qt{q, {b, H, n, Dqk}}, kt{kk, {b, H, n, Dqk}}, vt{s.v, {b, H, n, dh}};
  Tensor dot{s.doh, {b, H, n, dh}}, dqt{s.dq, {b, H, n, Dqk}}, dkt{s.dk, {b, H, n, Dqk}};
  Tensor dvt{s.dv, {b, H, n, dh}};
  k_.begin("attention", "lightning_bwd (dq, dk, dv)");
  k_.attention().backward(qt, kt, vt, dot, slope_, dqt, dkt, dvt);
  k_.end();
  DevicePtr dqs = s.dq.ptr(), dks = s.dk.ptr();
  if (cfg_.lrpe) {
    k_.zero(theta_.grad.ptr(), H * dh);
    k_.lrpeBwd(s.qs.ptr(), theta_.master.ptr(), s.dq.ptr(), s.dqs.ptr(), theta_.grad.ptr(), b, H,
               n, dh, 0);
    k_.lrpeBwd(s.ks.ptr(), theta_.master.ptr(), s.dk.ptr(), s.dks.ptr(), theta_.grad.ptr(), b, H,
               n, dh, 0);
    dqs = s.dqs.ptr(), dks = s.dks.ptr();
  }
  // heads back to rows, through SiLU for q and k
  const DevicePtr qkvu = s.qkvu.ptr(), dqkvu = s.dqkvu.ptr();
  k_.headsMerge(dqs, dqkvu, 4 * D, b, H, n, dh, qkvu, 4 * D);
  k_.headsMerge(dks, col(dqkvu, D), 4 * D, b, H, n, dh, col(qkvu, D), 4 * D);
  k_.headsMerge(s.dv.ptr(), col(dqkvu, 2 * D), 4 * D, b, H, n, dh);
  // [q k v u] = h Wqkvu, h = SRMSNorm(x)
  const Mat dq4 = rowsOf(s.dqkvu, M, 4 * D);
  k_.gemm(dq4, rowsOf(wqkvu_.value, D, 4 * D).t(), dh1);
  k_.gemm(rowsOf(s.h, M, D).t(), dq4, rowsOf(wqkvu_.grad, D, 4 * D, 0, 0, true), true);
  k_.srmsnormBwdAdd(s.x, s.dh.ptr(), s.rstd1.ptr(), s.dx1.ptr(), dx.buffer->ptr(), M, D);
}

} // namespace lacc::nn
