//===- nn/TNLModel.cpp - a small TransNormerLLM language model ------------===//

#include "lacc/nn/TNLModel.h"

#include <cmath>
#include <cstring>
#include <fstream>

namespace lacc::nn {

namespace {

[[noreturn]] void fail(const std::string &message) {
  throw Error(Error::Kind::Argument, "tnl model " + message);
}

constexpr char kMagic[8] = {'L', 'A', 'C', 'C', 'T', 'N', 'L', '1'};

} // namespace

int64_t TNLModelConfig::gluWidth() const {
  if (glu > 0)
    return glu;
  int64_t f = (8 * dim + 2) / 3;
  return std::max<int64_t>(16, (f + 255) / 256 * 256);
}

TNLModel::TNLModel(TNLKernels &kernels, const TNLModelConfig &config) : k_(kernels), cfg_(config) {
  if (cfg_.vocab < 1)
    fail("config: vocab = " + std::to_string(cfg_.vocab) + " must be >= 1");
  if (cfg_.layers < 1)
    fail("config: layers = " + std::to_string(cfg_.layers) + " must be >= 1");
  if (cfg_.dim < 1)
    fail("config: dim = " + std::to_string(cfg_.dim) + " must be >= 1");
  Context &ctx = k_.context();
  std::mt19937_64 rng(cfg_.seed);
  auto init = [&](Parameter &p, const char *name, std::vector<int64_t> shape) {
    p.name = name;
    p.shape = std::move(shape);
    std::normal_distribution<double> dist(0.0, 0.02);
    std::vector<float> w(size_t(p.numel()));
    for (float &x : w)
      x = float(dist(rng));
    p.set(ctx, w);
  };
  init(embedding_, "embedding", {cfg_.vocab, cfg_.dim});
  embedding_.decay = false;
  init(head_, "head", {cfg_.dim, cfg_.vocab});
  for (int64_t l = 0; l < cfg_.layers; ++l) {
    TNLLayerConfig lc;
    lc.dim = cfg_.dim, lc.heads = cfg_.heads, lc.glu = cfg_.gluWidth();
    lc.lrpe = cfg_.lrpe && l == 0;
    lc.eps = cfg_.eps;
    lc.layer = int(l), lc.numLayers = int(cfg_.layers);
    layers_.push_back(std::make_unique<TNLLayer>(k_, lc, rng()));
  }
  loss_ = ctx.alloc(4);
  norm_ = ctx.alloc(4);
}

std::vector<Parameter *> TNLModel::parameters() {
  std::vector<Parameter *> p{&embedding_};
  for (auto &l : layers_)
    for (Parameter *q : l->parameters())
      p.push_back(q);
  p.push_back(&head_);
  return p;
}

int64_t TNLModel::parameterCount() {
  int64_t n = 0;
  for (Parameter *p : parameters())
    n += p->numel();
  return n;
}

void TNLModel::allocate(int64_t b, int64_t n) {
  if (b == b_ && n == n_)
    return;
  Context &ctx = k_.context();
  const int64_t M = b * n, D = cfg_.dim;
  xs_.clear();
  for (int64_t l = 0; l <= cfg_.layers; ++l)
    xs_.push_back(ctx.alloc(size_t(M * D) * 2));
  saved_.clear();
  saved_.resize(size_t(cfg_.layers));
  hf_ = ctx.alloc(size_t(M * D) * 2);
  rstdF_ = ctx.alloc(size_t(M) * 4);
  logits_ = ctx.alloc(size_t(M * cfg_.vocab) * 2);
  grad_ = ctx.alloc(size_t(M * D) * 2);
  losses_ = ctx.alloc(size_t(M) * 4);
  b_ = b, n_ = n;
}

void TNLModel::forward(const DeviceBuffer &tokens, int64_t b, int64_t n,
                       std::vector<DeviceBuffer> &xs, std::vector<TNLSaved> &saved,
                       const std::vector<DeviceBuffer> *states) {
  const int64_t M = b * n, D = cfg_.dim, V = cfg_.vocab;
  k_.embeddingFwd(tokens.ptr(), embedding_.value.ptr(), xs[0].ptr(), M, V, D);
  for (size_t l = 0; l < layers_.size(); ++l) {
    Tensor x{xs[l], {b, n, D}}, y{xs[l + 1], {b, n, D}};
    const TNLLayer &layer = *layers_[l];
    int64_t dqk = layer.config().lrpe ? 2 * layer.headDim() : layer.headDim();
    Tensor st;
    if (states)
      st = Tensor{(*states)[l], {b * cfg_.heads, dqk, layer.headDim()}, ops::DType::F32};
    layers_[l]->forward(x, y, saved[l], states ? &st : nullptr);
  }
  k_.srmsnormFwd(xs.back().ptr(), hf_.ptr(), rstdF_.ptr(), M, D, cfg_.eps);
  k_.gemm(rowsOf(hf_, M, D), rowsOf(head_.value, D, V), rowsOf(logits_, M, V));
}

float TNLModel::lossAndGradients(const DeviceBuffer &tokens, const DeviceBuffer &targets,
                                 int64_t b, int64_t n, bool backward) {
  if (b < 1 || n < 1)
    fail("lossAndGradients: b = " + std::to_string(b) + " and n = " + std::to_string(n) +
         " must be >= 1");
  const int64_t M = b * n, D = cfg_.dim, V = cfg_.vocab;
  if (!tokens || tokens.size() < size_t(M) * 4)
    fail("lossAndGradients: tokens must hold b * n = " + std::to_string(M) + " i32");
  if (!targets || targets.size() < size_t(M) * 4)
    fail("lossAndGradients: targets must hold b * n = " + std::to_string(M) + " i32");
  allocate(b, n);
  forward(tokens, b, n, xs_, saved_, nullptr);
  const Mat logits = rowsOf(logits_, M, V);
  k_.crossEntropy(logits, targets.ptr(), logits, losses_.ptr(), float(1.0 / double(M)));
  // Summed in a fixed order: a resumed run measures the very same loss.
  k_.lossSum(losses_.ptr(), loss_.ptr(), M);
  if (backward) {
    // logits_ now holds dlogits.
    k_.gemm(rowsOf(hf_, M, D).t(), logits, rowsOf(head_.grad, D, V, 0, 0, true), true);
    k_.gemm(logits, rowsOf(head_.value, D, V).t(), rowsOf(hf_, M, D));
    k_.srmsnormBwd(xs_.back().ptr(), hf_.ptr(), rstdF_.ptr(), grad_.ptr(), M, D);
    Tensor g{grad_, {b, n, D}};
    for (size_t l = layers_.size(); l-- > 0;)
      layers_[l]->backward(g, g, saved_[l]);
    k_.zero(embedding_.grad.ptr(), V * D);
    k_.embeddingBwd(tokens.ptr(), grad_.ptr(), embedding_.grad.ptr(), M, V, D);
  }
  float loss = 0;
  loss_.copyTo(&loss, 4);
  return loss;
}

float TNLModel::step(const AdamWConfig &opt) {
  if (!(opt.clip >= 0))
    fail("step: clip = " + std::to_string(opt.clip) + " must be >= 0");
  // The global gradient norm: one f32 back to the host, which sets the clipping factor.
  k_.zero(norm_.ptr(), 1);
  for (Parameter *p : parameters())
    k_.sumOfSquares(p->grad.ptr(), norm_.ptr(), p->numel());
  float sumsq = 0;
  norm_.copyTo(&sumsq, 4);
  const float norm = std::sqrt(sumsq);
  ++steps_;
  TNLKernels::AdamW h;
  h.lr = opt.lr, h.b1 = opt.b1, h.b2 = opt.b2, h.eps = opt.eps;
  h.gScale = opt.clip > 0 && norm > opt.clip ? opt.clip / norm : 1.0f;
  h.bc1 = float(1 - std::pow(double(opt.b1), double(steps_)));
  h.bc2 = float(1 - std::pow(double(opt.b2), double(steps_)));
  for (Parameter *p : parameters()) {
    h.wd = p->decay ? opt.weightDecay : 0.0f;
    k_.adamw(p->master.ptr(), p->grad.ptr(), p->m.ptr(), p->v.ptr(),
             p->hasBF16 ? p->value.ptr() : DevicePtr(), p->numel(), h);
  }
  return norm;
}

std::vector<int32_t> TNLModel::generate(const std::vector<int32_t> &prompt, int64_t count) {
  if (prompt.empty())
    fail("generate: the prompt is empty");
  for (int32_t t : prompt)
    if (t < 0 || t >= cfg_.vocab)
      fail("generate: prompt token " + std::to_string(t) + " is outside [0, vocab = " +
           std::to_string(cfg_.vocab) + ")");
  if (count < 0)
    fail("generate: count = " + std::to_string(count) + " must be >= 0");
  Context &ctx = k_.context();
  const int64_t P = int64_t(prompt.size()), D = cfg_.dim, V = cfg_.vocab, H = cfg_.heads;
  // The prefill's own buffers (training's stay as they are).
  b_ = n_ = 0;
  allocate(1, P);
  std::vector<DeviceBuffer> states;
  for (auto &l : layers_) {
    int64_t dh = l->headDim(), dqk = l->config().lrpe ? 2 * dh : dh;
    states.push_back(ctx.alloc(size_t(H * dqk * dh) * 4));
  }
  DeviceBuffer tok = ctx.upload(prompt);
  forward(tok, 1, P, xs_, saved_, &states);
  DeviceBuffer next = ctx.alloc(4);
  // The last position's logits.
  k_.argmax(rowsOf(logits_, 1, V, V, (P - 1) * V), next.ptr());
  std::vector<int32_t> out;
  std::vector<DeviceBuffer> xs;
  for (int i = 0; i <= cfg_.layers; ++i)
    xs.push_back(ctx.alloc(size_t(D) * 2));
  TNLSaved scratch;
  for (int64_t i = 0; i < count; ++i) {
    int32_t t = 0;
    next.copyTo(&t, 4);
    out.push_back(t);
    if (i + 1 == count)
      break;
    k_.embeddingFwd(next.ptr(), embedding_.value.ptr(), xs[0].ptr(), 1, V, D);
    for (size_t l = 0; l < layers_.size(); ++l) {
      int64_t dh = layers_[l]->headDim(), dqk = layers_[l]->config().lrpe ? 2 * dh : dh;
      Tensor st{states[l], {H, dqk, dh}, ops::DType::F32};
      layers_[l]->decode(Tensor{xs[l], {1, D}}, Tensor{xs[l + 1], {1, D}}, P + i, st, scratch);
    }
    k_.srmsnormFwd(xs.back().ptr(), hf_.ptr(), rstdF_.ptr(), 1, D, cfg_.eps);
    k_.gemm(rowsOf(hf_, 1, D), rowsOf(head_.value, D, V), rowsOf(logits_, 1, V));
    k_.argmax(rowsOf(logits_, 1, V), next.ptr());
  }
  b_ = n_ = 0; // training reallocates its own
  return out;
}

void TNLModel::save(const std::string &path) {
  std::ofstream f(path, std::ios::binary);
  if (!f)
    throw Error(Error::Kind::IO, "tnl model save: cannot write " + path);
  const int64_t header[7] = {cfg_.vocab, cfg_.dim, cfg_.heads, cfg_.gluWidth(), cfg_.layers,
                             cfg_.lrpe, steps_};
  f.write(kMagic, 8);
  f.write(reinterpret_cast<const char *>(header), sizeof header);
  for (Parameter *p : parameters())
    for (const DeviceBuffer *b : {&p->master, &p->m, &p->v}) {
      std::vector<float> w = b->download<float>();
      f.write(reinterpret_cast<const char *>(w.data()), std::streamsize(w.size() * 4));
    }
  if (!f)
    throw Error(Error::Kind::IO, "tnl model save: writing " + path + " failed");
}

void TNLModel::load(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    throw Error(Error::Kind::IO, "tnl model load: cannot read " + path);
  char magic[8];
  int64_t header[7];
  f.read(magic, 8);
  f.read(reinterpret_cast<char *>(header), sizeof header);
  if (!f || std::memcmp(magic, kMagic, 8))
    throw Error(Error::Kind::IO, "tnl model load: " + path + " is not a TNL checkpoint");
  const char *names[6] = {"vocab", "dim", "heads", "glu", "layers", "lrpe"};
  const int64_t mine[6] = {cfg_.vocab, cfg_.dim, cfg_.heads, cfg_.gluWidth(), cfg_.layers,
                           cfg_.lrpe};
  for (int i = 0; i < 6; ++i)
    if (header[i] != mine[i])
      fail("load: " + path + " has " + names[i] + " = " + std::to_string(header[i]) +
           ", this model " + std::to_string(mine[i]));
  Context &ctx = k_.context();
  for (Parameter *p : parameters()) {
    std::vector<float> w[3];
    for (auto &v : w) {
      v.resize(size_t(p->numel()));
      f.read(reinterpret_cast<char *>(v.data()), std::streamsize(v.size() * 4));
    }
    if (!f)
      throw Error(Error::Kind::IO, "tnl model load: " + path + " is truncated");
    p->set(ctx, w[0]);
    p->m.upload(w[1]);
    p->v.upload(w[2]);
  }
  steps_ = header[6];
}

} // namespace lacc::nn
