//===- ops/Lightning.cpp - lightning attention as a C++ op ----------------===//
//
// Argument checks, configuration and launches of lacc/ops/Lightning.h.
//
//===----------------------------------------------------------------------===//

#include "lacc/ops/Lightning.h"

#include <algorithm>
#include <limits>
#include <sstream>

namespace lacc::ops {

namespace {

[[noreturn]] void fail(const std::string &what, const std::string &message) {
  throw Error(Error::Kind::Argument, "lightning " + what + ": " + message);
}

const char *dtypeName(DType t) { return t == DType::BF16 ? "bf16" : "f32"; }
size_t dtypeBytes(DType t) { return t == DType::BF16 ? 2 : 4; }

std::string shapeString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

bool powerOfTwoIn16To256(int64_t x) { return x >= 16 && x <= 256 && (x & (x - 1)) == 0; }

/// The checks every tensor gets: a buffer, the rank, positive dims, the dtype, contiguity
/// (checkBytes comes after the shapes are known to agree). `op` and `name` make the message
/// ("lightning forward: q ...").
void checkTensor(const std::string &op, const char *name, const Tensor &t, size_t rank,
                 DType dtype) {
  if (!t.buffer || !*t.buffer)
    fail(op, std::string(name) + " has no device buffer");
  if (t.shape.size() != rank)
    fail(op, std::string(name) + " must have rank " + std::to_string(rank) + ", got shape " +
                 shapeString(t.shape));
  for (int64_t d : t.shape)
    if (d < 1)
      fail(op, std::string(name) + " has shape " + shapeString(t.shape) +
                   ": every dimension must be >= 1");
  if (t.dtype != dtype)
    fail(op, std::string(name) + " must be " + dtypeName(dtype) + ", got " + dtypeName(t.dtype));
  if (!t.strides.empty()) {
    if (t.strides.size() != rank)
      fail(op, std::string(name) + " has " + std::to_string(t.strides.size()) +
                   " strides for rank " + std::to_string(rank));
    std::vector<int64_t> contiguous(rank);
    int64_t s = 1;
    for (size_t i = rank; i-- > 0;) {
      contiguous[i] = s;
      s *= t.shape[i];
    }
    for (size_t i = 0; i < rank; ++i)
      if (t.shape[i] > 1 && t.strides[i] != contiguous[i])
        fail(op, std::string(name) + " must be contiguous (strides " + shapeString(contiguous) +
                     " for shape " + shapeString(t.shape) + "), got strides " +
                     shapeString(t.strides));
  }
}

/// After the shapes agree: the buffer holds the tensor.
void checkBytes(const std::string &op, const char *name, const Tensor &t) {
  size_t need = size_t(t.numel()) * dtypeBytes(t.dtype);
  if (t.buffer->size() < need)
    fail(op, std::string(name) + " of shape " + shapeString(t.shape) + " " + dtypeName(t.dtype) +
                 " needs " + std::to_string(need) + " bytes, but its buffer has " +
                 std::to_string(t.buffer->size()));
}

void checkDim(const std::string &op, const char *which, int64_t value) {
  if (!powerOfTwoIn16To256(value))
    fail(op, std::string(which) + " = " + std::to_string(value) +
                 " must be a power of two in 16..256");
}

/// `name`'s dimension `axis` must equal `want` (taken from `from`).
void checkSame(const std::string &op, const char *name, const Tensor &t, size_t axis,
               int64_t want, const char *from, const char *axisName) {
  if (t.shape[axis] != want)
    fail(op, std::string(name) + " has shape " + shapeString(t.shape) + ": its " + axisName +
                 " (dim " + std::to_string(axis) + ") must be " + std::to_string(want) +
                 " as in " + from);
}

void checkGrid(const std::string &op, int64_t bh, int64_t n) {
  if (bh > 65535)
    fail(op, "b * h = " + std::to_string(bh) + " exceeds 65535 (the launch grid's y)");
  if (n > std::numeric_limits<int32_t>::max())
    fail(op, "n = " + std::to_string(n) + " exceeds the kernels' i32 length");
}

/// The per-head slopes: a buffer, and h f32 in it when they are read (with decay).
void checkSlope(const std::string &op, const DeviceBuffer &slope, int64_t h, bool decay) {
  if (!slope)
    fail(op, "slope has no device buffer");
  if (decay && slope.size() < size_t(h) * 4)
    fail(op, "slope must hold h = " + std::to_string(h) + " f32 (" + std::to_string(h * 4) +
                 " bytes), but its buffer has " + std::to_string(slope.size()));
}

/// A recurrent state: f32 [b * h, D, E].
void checkState(const std::string &op, const char *name, const Tensor &state,
                const std::vector<int64_t> &shape) {
  checkTensor(op, name, state, 3, DType::F32);
  if (state.shape != shape)
    fail(op, std::string(name) + " must have shape [b * h, D, E] = " + shapeString(shape) +
                 ", got " + shapeString(state.shape));
  checkBytes(op, name, state);
}

/// Programs along a head dim cut into slices of at most `slice`.
int64_t slicesOf(int64_t dim, int64_t slice) { return dim / std::min(dim, slice); }

} // namespace

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

LightningAttention::LightningAttention(Context &ctx, Options options)
    : ctx_(ctx), options_(options), fwd_(ctx_.loadEmbedded("lightning_fwd.tile")),
      bwd_(ctx_.loadEmbedded("lightning_bwd.tile")),
      decode_(ctx_.loadEmbedded("lightning_decode.tile")) {
  if (options_.block < 16 || (options_.block & (options_.block - 1)))
    fail("options", "block = " + std::to_string(options_.block) + " must be a power of two >= 16");
  if (options_.slice < 16 || (options_.slice & (options_.slice - 1)))
    fail("options", "slice = " + std::to_string(options_.slice) + " must be a power of two >= 16");
}

size_t LightningAttention::configCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return kernels_.size();
}

Kernel LightningAttention::kernel(const Module &module, const std::string &name, int64_t H,
                                  int64_t D, int64_t E, bool stateIn, bool stateOut) {
  Key key{name, H, D, E, stateIn, stateOut};
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = kernels_.find(key);
  if (it != kernels_.end())
    return it->second;
  ConstMap c{{"H", H}, {"D", D}, {"E", E}, {"DECAY", options_.decay}};
  if (name == "lightning_bwd_dq" || name == "lightning_bwd_dk")
    c["BLOCK_D"] = std::min<int64_t>(D, options_.slice);
  else
    c["BLOCK_E"] = std::min<int64_t>(E, options_.slice);
  if (name != "lightning_decode")
    c["BLOCK"] = int64_t(options_.block);
  if (name == "lightning_fwd") {
    c["STATE_IN"] = stateIn;
    c["STATE_OUT"] = stateOut;
  }
  KernelOptions ko;
  ko.numWarps = options_.numWarps;
  Kernel k = module.kernel(name, c, ko);
  kernels_.emplace(key, k);
  return k;
}

void LightningAttention::forward(const Tensor &q, const Tensor &k, const Tensor &v,
                                 const DeviceBuffer &slope, Tensor &o, const Tensor *stateIn,
                                 Tensor *stateOut) {
  const std::string op = "forward";
  checkTensor(op, "q", q, 4, DType::BF16);
  const int64_t b = q.shape[0], h = q.shape[1], n = q.shape[2], D = q.shape[3];
  checkDim(op, "D (q's last dim)", D);
  checkTensor(op, "k", k, 4, DType::BF16);
  checkTensor(op, "v", v, 4, DType::BF16);
  checkTensor(op, "o", o, 4, DType::BF16);
  const int64_t E = v.shape[3];
  checkDim(op, "E (v's last dim)", E);
  for (size_t axis = 0; axis < 3; ++axis) {
    const char *axisName = axis == 0 ? "batch" : axis == 1 ? "heads" : "length";
    checkSame(op, "k", k, axis, q.shape[axis], "q", axisName);
    checkSame(op, "v", v, axis, q.shape[axis], "q", axisName);
    checkSame(op, "o", o, axis, q.shape[axis], "q", axisName);
  }
  checkSame(op, "k", k, 3, D, "q", "head dim D");
  checkSame(op, "o", o, 3, E, "v", "head dim E");
  checkGrid(op, b * h, n);
  checkBytes(op, "q", q);
  checkBytes(op, "k", k);
  checkBytes(op, "v", v);
  checkBytes(op, "o", o);
  checkSlope(op, slope, h, options_.decay);
  const std::vector<int64_t> stateShape{b * h, D, E};
  if (stateIn)
    checkState(op, "stateIn", *stateIn, stateShape);
  if (stateOut)
    checkState(op, "stateOut", *stateOut, stateShape);

  Kernel kern = kernel(fwd_, "lightning_fwd", h, D, E, stateIn != nullptr, stateOut != nullptr);
  // Without a state, s_in / s_out are never touched: slope stands in.
  DevicePtr sIn = stateIn ? stateIn->buffer->ptr() : slope.ptr();
  DevicePtr sOut = stateOut ? stateOut->buffer->ptr() : slope.ptr();
  kern.launch(Grid(slicesOf(E, options_.slice), b * h), options_.stream, *q.buffer, *k.buffer,
              *v.buffer, *o.buffer, slope, int32_t(n), sIn, sOut);
}

void LightningAttention::backward(const Tensor &q, const Tensor &k, const Tensor &v,
                                  const Tensor &dO, const DeviceBuffer &slope, Tensor &dq,
                                  Tensor &dk, Tensor &dv) {
  const std::string op = "backward";
  checkTensor(op, "q", q, 4, DType::BF16);
  const int64_t b = q.shape[0], h = q.shape[1], n = q.shape[2], D = q.shape[3];
  checkDim(op, "D (q's last dim)", D);
  checkTensor(op, "k", k, 4, DType::BF16);
  checkTensor(op, "v", v, 4, DType::BF16);
  checkTensor(op, "dO", dO, 4, DType::BF16);
  checkTensor(op, "dq", dq, 4, DType::BF16);
  checkTensor(op, "dk", dk, 4, DType::BF16);
  checkTensor(op, "dv", dv, 4, DType::BF16);
  const int64_t E = v.shape[3];
  checkDim(op, "E (v's last dim)", E);
  for (size_t axis = 0; axis < 3; ++axis) {
    const char *axisName = axis == 0 ? "batch" : axis == 1 ? "heads" : "length";
    for (auto [name, t] : {std::pair<const char *, const Tensor *>{"k", &k}, {"v", &v},
                           {"dO", &dO}, {"dq", &dq}, {"dk", &dk}, {"dv", &dv}})
      checkSame(op, name, *t, axis, q.shape[axis], "q", axisName);
  }
  checkSame(op, "k", k, 3, D, "q", "head dim D");
  checkSame(op, "dq", dq, 3, D, "q", "head dim D");
  checkSame(op, "dk", dk, 3, D, "q", "head dim D");
  checkSame(op, "dO", dO, 3, E, "v", "head dim E");
  checkSame(op, "dv", dv, 3, E, "v", "head dim E");
  checkGrid(op, b * h, n);
  for (auto [name, t] : {std::pair<const char *, const Tensor *>{"q", &q}, {"k", &k}, {"v", &v},
                         {"dO", &dO}, {"dq", &dq}, {"dk", &dk}, {"dv", &dv}})
    checkBytes(op, name, *t);
  checkSlope(op, slope, h, options_.decay);

  Kernel kdq = kernel(bwd_, "lightning_bwd_dq", h, D, E);
  Kernel kdk = kernel(bwd_, "lightning_bwd_dk", h, D, E);
  Kernel kdv = kernel(bwd_, "lightning_bwd_dv", h, D, E);
  const int64_t dSlices = slicesOf(D, options_.slice), eSlices = slicesOf(E, options_.slice);
  const int32_t n32 = int32_t(n);
  const Stream &s = options_.stream;
  kdq.launch(Grid(dSlices, b * h), s, *k.buffer, *v.buffer, *dO.buffer, *dq.buffer, slope, n32);
  kdk.launch(Grid(dSlices, b * h), s, *q.buffer, *v.buffer, *dO.buffer, *dk.buffer, slope, n32);
  kdv.launch(Grid(eSlices, b * h), s, *q.buffer, *k.buffer, *dO.buffer, *dv.buffer, slope, n32);
}

void LightningAttention::decode(const Tensor &q, const Tensor &k, const Tensor &v,
                                const DeviceBuffer &slope, Tensor &state, Tensor &o) {
  const std::string op = "decode";
  // [b, h, D] or [b, h, 1, D]: one token per (batch, head).
  auto token = [&](const char *name, const Tensor &t) {
    if (t.shape.size() == 4 && t.shape[2] != 1)
      fail(op, std::string(name) + " has shape " + shapeString(t.shape) +
                   ": decode takes one token per (batch, head), [b, h, 1, dim] or [b, h, dim]");
    if (t.shape.size() != 3 && t.shape.size() != 4)
      fail(op, std::string(name) + " must have rank 3 ([b, h, dim]) or 4 ([b, h, 1, dim]), "
                                   "got shape " + shapeString(t.shape));
    Tensor flat = t;
    if (t.shape.size() == 4) {
      flat.shape = {t.shape[0], t.shape[1], t.shape[3]};
      if (!t.strides.empty())
        flat.strides = {t.strides[0], t.strides[1], t.strides[3]};
    }
    checkTensor(op, name, flat, 3, DType::BF16);
    return flat;
  };
  Tensor q3 = token("q", q), k3 = token("k", k), v3 = token("v", v), o3 = token("o", o);
  const int64_t b = q3.shape[0], h = q3.shape[1], D = q3.shape[2], E = v3.shape[2];
  checkDim(op, "D (q's last dim)", D);
  checkDim(op, "E (v's last dim)", E);
  for (size_t axis = 0; axis < 2; ++axis) {
    const char *axisName = axis == 0 ? "batch" : "heads";
    checkSame(op, "k", k3, axis, q3.shape[axis], "q", axisName);
    checkSame(op, "v", v3, axis, q3.shape[axis], "q", axisName);
    checkSame(op, "o", o3, axis, q3.shape[axis], "q", axisName);
  }
  checkSame(op, "k", k3, 2, D, "q", "head dim D");
  checkSame(op, "o", o3, 2, E, "v", "head dim E");
  checkGrid(op, b * h, 1);
  checkBytes(op, "q", q3);
  checkBytes(op, "k", k3);
  checkBytes(op, "v", v3);
  checkBytes(op, "o", o3);
  checkSlope(op, slope, h, options_.decay);
  checkState(op, "state", state, {b * h, D, E});

  Kernel kern = kernel(decode_, "lightning_decode", h, D, E);
  kern.launch(Grid(slicesOf(E, options_.slice), b * h), options_.stream, *q.buffer, *k.buffer,
              *v.buffer, *o.buffer, slope, *state.buffer);
}

} // namespace lacc::ops
