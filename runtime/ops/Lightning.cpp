//===- ops/Lightning.cpp - lightning attention as a C++ op ----------------===//
//
// Argument checks, configuration and launches of lacc/ops/Lightning.h.
//
//===----------------------------------------------------------------------===//

#include "lacc/ops/Lightning.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <sstream>

namespace lacc::ops {

namespace {

[[noreturn]] void fail(const std::string &what, const std::string &message) {
  throw Error(Error::Kind::Argument, "lightning " + what + ": " + message);
}

const char *dtypeName(DType t) {
  switch (t) {
  case DType::BF16: return "bf16";
  case DType::F16: return "f16";
  case DType::F32: return "f32";
  case DType::I32: return "i32";
  }
  return "?";
}
size_t dtypeBytes(DType t) { return t == DType::BF16 || t == DType::F16 ? 2 : 4; }

/// The element type of a call: q's, which must be bf16 or f16 (every other tensor of q's
/// kind is then checked to have it).
DType elementType(const std::string &op, const Tensor &q) {
  if (q.dtype != DType::BF16 && q.dtype != DType::F16)
    fail(op, std::string("q must be bf16 or f16, got ") + dtypeName(q.dtype));
  return q.dtype;
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

/// `t` without its leading dim when that is 1: [1, a, b, c] as [a, b, c] (decode's and
/// forwardVarlen's tensors may come either way). `rank` is the rank wanted without it; `what`
/// names the layouts for the message.
Tensor withoutUnitDim(const std::string &op, const char *name, const Tensor &t, size_t rank,
                      size_t unitAxis, const std::string &what) {
  if (t.shape.size() == rank + 1 && t.shape[unitAxis] != 1)
    fail(op, std::string(name) + " has shape " + shapeString(t.shape) + ": " + what);
  if (t.shape.size() != rank && t.shape.size() != rank + 1)
    fail(op, std::string(name) + " must have rank " + std::to_string(rank) + " or " +
                 std::to_string(rank + 1) + " (" + what + "), got shape " + shapeString(t.shape));
  Tensor flat = t;
  if (t.shape.size() == rank + 1) {
    flat.shape.erase(flat.shape.begin() + unitAxis);
    if (!t.strides.empty())
      flat.strides.erase(flat.strides.begin() + unitAxis);
  }
  return flat;
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

/// The optional states of a call (or their gradients), each given one of `shape`.
void checkStates(const std::string &op, const std::vector<int64_t> &shape,
                 const std::vector<std::pair<const char *, const Tensor *>> &states) {
  for (const auto &[name, state] : states)
    if (state)
      checkState(op, name, *state, shape);
}

/// An optional state's pointer; where it is not given (and so not read or written by the
/// launch), `standIn`'s.
DevicePtr statePtr(const Tensor *state, const DeviceBuffer &standIn) {
  return state ? state->buffer->ptr() : standIn.ptr();
}

/// Programs along a head dim cut into slices of at most `slice`.
int64_t slicesOf(int64_t dim, int64_t slice) { return dim / std::min(dim, slice); }

/// One tensor of a call: its name, and whether its last dim is D (q's) or E (v's).
struct Operand {
  const char *name;
  const Tensor *tensor;
  bool headDimD;
};

/// The tensors of one call, each of rank axes.size() + 1 and element type `type`: the leading
/// axes (named by `axes`) equal to the first operand's (q's), the last dim D (q's) or E (the
/// first E operand's, v's), D and E powers of two in 16..256, each buffer large enough.
/// Returns {D, E}.
std::pair<int64_t, int64_t> checkOperands(const std::string &op, DType type,
                                          const std::vector<const char *> &axes,
                                          const std::vector<Operand> &operands) {
  const size_t rank = axes.size() + 1;
  for (const Operand &x : operands)
    checkTensor(op, x.name, *x.tensor, rank, type);
  const Operand &q = operands.front();
  const Operand &v = *std::find_if(operands.begin(), operands.end(),
                                   [](const Operand &x) { return !x.headDimD; });
  const int64_t D = q.tensor->shape.back(), E = v.tensor->shape.back();
  checkDim(op, (std::string("D (") + q.name + "'s last dim)").c_str(), D);
  checkDim(op, (std::string("E (") + v.name + "'s last dim)").c_str(), E);
  for (const Operand &x : operands) {
    for (size_t axis = 0; axis < axes.size(); ++axis)
      checkSame(op, x.name, *x.tensor, axis, q.tensor->shape[axis], q.name, axes[axis]);
    if (x.headDimD)
      checkSame(op, x.name, *x.tensor, rank - 1, D, q.name, "head dim D");
    else
      checkSame(op, x.name, *x.tensor, rank - 1, E, v.name, "head dim E");
  }
  for (const Operand &x : operands)
    checkBytes(op, x.name, *x.tensor);
  return {D, E};
}

} // namespace

int64_t numelOf(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

/// The number N of packed sequences cuSeqlens describes (N + 1 i32 offsets), checked.
/// `t` as [h, T, dim]: packed sequences, with or without a leading batch dim of 1.
static Tensor packedSequences(const std::string &op, const char *name, const Tensor &t) {
  return withoutUnitDim(op, name, t, 3, 0, "packed sequences are [h, T, dim] or [1, h, T, dim]");
}

static int64_t checkSequences(const std::string &op, const Tensor &cuSeqlens, int64_t h,
                              int64_t T) {
  checkTensor(op, "cuSeqlens", cuSeqlens, 1, DType::I32);
  const int64_t N = cuSeqlens.shape[0] - 1;
  if (N < 1)
    fail(op, "cuSeqlens must hold N + 1 >= 2 offsets (0, the ends of the N sequences), got " +
                 shapeString(cuSeqlens.shape));
  checkBytes(op, "cuSeqlens", cuSeqlens);
  checkGrid(op, N * h, T);
  return N;
}

static Module loadKernels(Context &ctx, const std::string &dir, const std::string &file) {
  return dir.empty() ? ctx.loadEmbedded(file) : ctx.loadFile(dir + "/" + file);
}

LightningAttention::LightningAttention(Context &ctx, Options options)
    : ctx_(ctx), options_(options),
      fwd_(loadKernels(ctx_, options_.kernelDir, "lightning_fwd.tile")),
      bwd_(loadKernels(ctx_, options_.kernelDir, "lightning_bwd.tile")),
      decode_(loadKernels(ctx_, options_.kernelDir, "lightning_decode.tile")) {
  if (options_.block < 16 || (options_.block & (options_.block - 1)))
    fail("options", "block = " + std::to_string(options_.block) + " must be a power of two >= 16");
  if (options_.slice && (options_.slice < 16 || (options_.slice & (options_.slice - 1))))
    fail("options", "slice = " + std::to_string(options_.slice) +
                        " must be a power of two >= 16 (0: per head dim)");
  if (options_.numWarps > 32 || (options_.numWarps & (options_.numWarps - 1)))
    fail("options", "numWarps = " + std::to_string(options_.numWarps) +
                        " must be a power of two in 1..32 (0: per head dim)");
  if (options_.stateBlock && (options_.stateBlock < 16 ||
                              (options_.stateBlock & (options_.stateBlock - 1))))
    fail("options", "stateBlock = " + std::to_string(options_.stateBlock) +
                        " must be a power of two >= 16 (0: twice block)");
  if (options_.segments < 0)
    fail("options", "segments = " + std::to_string(options_.segments) +
                        " must not be negative (0: the rule's)");
  if (options_.pieces < 0)
    fail("options", "pieces = " + std::to_string(options_.pieces) +
                        " must not be negative (0: the rule's)");
  if (options_.numStages > 8)
    fail("options", "numStages = " + std::to_string(options_.numStages) +
                        " must be in 1..8 (0: the compiler's default)");
}

size_t LightningAttention::configCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return kernels_.size();
}

Kernel LightningAttention::kernel(const Module &module, const std::string &name, DType type,
                                  int64_t H, int64_t D, int64_t E, bool stateIn, bool stateOut,
                                  bool output, bool reverse, unsigned stages, int block) {
  if (!stages)
    stages = options_.numStages;
  if (!block)
    block = options_.block;
  Key key{name, type, H, D, E, stateIn, stateOut, output, reverse, stages, block};
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = kernels_.find(key);
  if (it != kernels_.end())
    return it->second;
  ConstMap c{{"H", H}, {"D", D}, {"E", E}, {"DECAY", options_.decay}};
  if (name == "lightning_segment_scan") {
    c["BLOCK"] = std::min<int64_t>(D * E, 1024);
  } else {
    c["DTYPE"] = ConstValue::type(type == DType::F16 ? "f16" : "bf16");
    // dq's programs hold slices of D, the forward's slices of E; the dk-and-dv and the
    // segment states' kernels have programs of both.
    const bool dSlices = name.rfind("lightning_bwd_dq", 0) == 0;
    const bool both =
        name.rfind("lightning_bwd_dkdv", 0) == 0 || name == "lightning_bwd_segment_states";
    if (dSlices || both)
      c["BLOCK_D"] = std::min<int64_t>(D, sliceFor(D, E));
    if (!dSlices || both)
      c["BLOCK_E"] = std::min<int64_t>(E, sliceFor(D, E));
    if (name != "lightning_decode")
      c["BLOCK"] = int64_t(block);
  }
  // The state flags, where a kernel has them: the forward's and the scan's both, the
  // whole-sequence and varlen backward's STATE_IN and dk-and-dv's STATE_OUT (the backward's
  // segment kernels always start from zeros or the workspace's states).
  const bool fwdOrScan = name.rfind("lightning_fwd", 0) == 0 || name == "lightning_segment_scan";
  const bool bwdWalk =
      name.rfind("lightning_bwd", 0) == 0 && name.find("segment") == std::string::npos;
  if (fwdOrScan || bwdWalk)
    c["STATE_IN"] = stateIn;
  if (fwdOrScan || (bwdWalk && name.rfind("lightning_bwd_dkdv", 0) == 0) ||
      name == "lightning_bwd_segment_states")
    c["STATE_OUT"] = stateOut;
  if (name == "lightning_segment_scan")
    c["REVERSE"] = reverse;
  // The whole-sequence and segment walks read through tensor descriptors (varlen's cannot).
  if ((name.rfind("lightning_fwd", 0) == 0 || name.rfind("lightning_bwd", 0) == 0) &&
      name.find("varlen") == std::string::npos)
    c["TMA"] = tma();
  if (name == "lightning_fwd_segments")
    c["OUTPUT"] = output;
  if (name == "lightning_fwd_segments" || name == "lightning_bwd_segment_states")
    c["WINDOW"] = options_.window;
  KernelOptions ko;
  ko.numWarps = warpsFor(D, E);
  if (stages)
    ko.numStages = stages;
  Kernel k = module.kernel(name, c, ko);
  kernels_.emplace(key, k);
  return k;
}

void LightningAttention::forward(const Tensor &q, const Tensor &k, const Tensor &v,
                                 const DeviceBuffer &slope, Tensor &o, const Tensor *stateIn,
                                 Tensor *stateOut) {
  const std::string op = "forward";
  const DType type = elementType(op, q);
  auto [D, E] = checkOperands(op, type, {"batch", "heads", "length"},
                              {{"q", &q, true}, {"k", &k, true}, {"v", &v, false}, {"o", &o, false}});
  const int64_t b = q.shape[0], h = q.shape[1], n = q.shape[2];
  checkGrid(op, b * h, n);
  checkSlope(op, slope, h, options_.decay);
  checkStates(op, {b * h, D, E}, {{"stateIn", stateIn}, {"stateOut", stateOut}});

  Segments segments = segmentsFor(b * h, n, D, E);
  if (segments.count > 1)
    return forwardSegments(q, k, v, slope, o, stateIn, stateOut, type, segments);
  const int64_t eSlices = slicesOf(E, sliceFor(D, E));
  Kernel kern = kernel(fwd_, "lightning_fwd", type, h, D, E, stateIn != nullptr,
                       stateOut != nullptr, true, false, walkStages(eSlices * b * h, D, E));
  // Without a state, s_in / s_out are never touched: slope stands in.
  // The kernel reads q, k, v through [b * h, n, dim] tensor descriptors.
  kern.launch(Grid(eSlices, b * h), options_.stream, *q.buffer, *k.buffer, *v.buffer, *o.buffer,
              slope, int32_t(n), int32_t(b * h), int64_t(n * D), int64_t(n * E),
              statePtr(stateIn, slope), statePtr(stateOut, slope));
}

bool LightningAttention::tma() const {
  if (!options_.tma)
    return false;
  // sm_NN[a]: the TMA from sm_90 on. The interpreter runs either form (its context says
  // sm_90a unless told otherwise).
  const std::string &arch = ctx_.arch();
  return arch.rfind("sm_", 0) == 0 && std::atoi(arch.c_str() + 3) >= 90;
}

int LightningAttention::stateBlock() const {
  return options_.stateBlock ? options_.stateBlock : 2 * options_.block;
}

unsigned LightningAttention::walkStages(int64_t programs, int64_t D, int64_t E) const {
  if (options_.numStages)
    return options_.numStages;
  const int64_t sms =
      options_.multiprocessors > 0 ? options_.multiprocessors : ctx_.multiprocessorCount();
  // cp.async copies (no TMA) still go out after the compute: they need the third stage.
  if (sms == 0 || programs <= sms || !tma())
    return 3;
  // A walk's shared memory at S stages, from above: S blocks of two full-width inputs and a
  // slice, the state's slice and two block slices staged for dots, 2 bytes each (d = 128:
  // 152 KB at 3 stages, 112 at 2; the compiler's 147 and 106). The copies go out at the top
  // of each iteration, so 2 stages still give them a whole iteration to land, and a second
  // program on the SM hides the latencies of the other's chain of dots (d = 128: 0.59-0.66
  // against 0.69-0.79 ms forward, docs/benchmarks.md). With programs for one wave at one per
  // SM, the third stage serves better.
  const int64_t width = std::max(D, E), slice = std::min(width, sliceFor(D, E));
  const int64_t block = options_.block;
  auto twoFit = [&](int64_t stages) {
    const int64_t bytes =
        2 * (stages * block * (2 * width + slice) + width * slice + 2 * block * slice);
    constexpr int64_t kSharedPerSM = 228 * 1024, kReservedPerProgram = 1024;
    return 2 * (bytes + kReservedPerProgram) <= kSharedPerSM;
  };
  return !twoFit(3) && twoFit(2) ? 2 : 3;
}

int64_t LightningAttention::sliceFor(int64_t D, int64_t E) const {
  if (options_.slice)
    return options_.slice;
  return std::max(D, E) > 128 ? 32 : 64;
}

unsigned LightningAttention::warpsFor(int64_t /*D*/, int64_t /*E*/) const {
  return options_.numWarps ? options_.numWarps : 4;
}

LightningAttention::Segments LightningAttention::segmentsFor(int64_t bh, int64_t n, int64_t D,
                                                             int64_t E, bool backward) const {
  const int64_t sms =
      options_.multiprocessors > 0 ? options_.multiprocessors : ctx_.multiprocessorCount();
  const int64_t programs = bh * slicesOf(backward ? std::max(D, E) : E, sliceFor(D, E));
  const int64_t minLength = 8 * int64_t(options_.block);
  int64_t count = options_.segments;
  if (!count) {
    if (sms == 0)
      return {};
    // Without windows the own-state walks read the segments again: cut only where half of the
    // SMs are idle, one program per SM. With them the walks are short, and at d = 128 two
    // programs per SM hide each other's chains of dots (measurements: Lightning.h).
    const bool twoPerSM = options_.decay && options_.window && std::max(D, E) >= 128;
    if (2 * programs > (twoPerSM && !backward ? 2 : 1) * sms)
      return {};
    count = std::min((twoPerSM ? 2 : 1) * sms / programs, n / minLength);
  }
  if (count <= 1)
    return {};
  int64_t pieces = options_.pieces;
  // The state blocks (powers of two) are whole sequence blocks too.
  const int64_t unit = std::max<int64_t>(options_.block, stateBlock());
  if (!pieces) {
    // The own-state walks' programs with segments alone: (slice, sequence) pairs for all
    // segments but the last; the backward's twice (S's and R's).
    const int64_t walks = programs * (count - 1) * (backward ? 2 : 1);
    pieces = std::max<int64_t>(1, std::min(sms / walks, n / (count * 4 * unit)));
  }
  // Whole state blocks per piece (only the last one ragged); rounding up may leave fewer
  // segments.
  const int64_t pieceLength =
      ((n + count * pieces - 1) / (count * pieces) + unit - 1) / unit * unit;
  const int64_t length = pieces * pieceLength;
  if (length >= n)
    return {};
  return {(n + length - 1) / length, length, pieces, pieceLength};
}

std::shared_ptr<DeviceBuffer> LightningAttention::workspace(const Stream &stream, size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::shared_ptr<DeviceBuffer> &ws = workspaces_[stream.handle()];
  // Dropping a buffer that enqueued launches still use is safe: freeing device memory waits
  // for the device.
  if (!ws || ws->size() < bytes)
    ws = std::make_shared<DeviceBuffer>(ctx_.alloc(bytes));
  return ws;
}

void LightningAttention::forwardSegments(const Tensor &q, const Tensor &k, const Tensor &v,
                                         const DeviceBuffer &slope, Tensor &o,
                                         const Tensor *stateIn, Tensor *stateOut, DType type,
                                         const Segments &segments) {
  const int64_t b = q.shape[0], h = q.shape[1], n = q.shape[2], D = q.shape[3], E = v.shape[3];
  const int64_t bh = b * h, S = segments.count, P = segments.pieces;
  const int64_t pieces = segments.piecesOf(n);
  std::shared_ptr<DeviceBuffer> held = workspace(options_.stream, size_t(bh * pieces * D * E) * 4);
  const DeviceBuffer &states = *held;
  Kernel own = kernel(fwd_, "lightning_fwd_segments", type, h, D, E, false, true, false, false,
                      0, stateBlock());
  Kernel scan = kernel(fwd_, "lightning_segment_scan", type, h, D, E, stateIn != nullptr,
                       stateOut != nullptr);
  const int64_t eSlices = slicesOf(E, sliceFor(D, E));
  Kernel last = kernel(fwd_, "lightning_fwd_segments", type, h, D, E, true, false, true, false,
                       walkStages(eSlices * bh * S, D, E));
  // The last segment's pieces' own states only reach stateOut: without it, the scan skips them.
  const int64_t made = stateOut ? pieces : (S - 1) * P;
  const int32_t n32 = int32_t(n), seg32 = int32_t(segments.length);
  const int32_t piece32 = int32_t(segments.pieceLength);
  const Stream &s = options_.stream;
  // Pointers a launch does not read or write: `states` stands in.
  const int32_t bh32 = int32_t(bh);
  const int64_t qkStride = n * D, voStride = n * E;
  own.launch(Grid(eSlices, bh, made), s, *q.buffer, *k.buffer, *v.buffer, *o.buffer, slope, n32,
             bh32, qkStride, voStride, seg32, piece32, states, states);
  scan.launch(Grid(D * E / std::min<int64_t>(D * E, 1024), bh), s, states, slope, n32, piece32,
              int32_t(made), statePtr(stateIn, states), statePtr(stateOut, states));
  last.launch(Grid(eSlices, bh, S), s, *q.buffer, *k.buffer, *v.buffer, *o.buffer, slope, n32,
              bh32, qkStride, voStride, seg32, piece32, states, states);
}

void LightningAttention::forwardVarlen(const Tensor &q, const Tensor &k, const Tensor &v,
                                       const DeviceBuffer &slope, const Tensor &cuSeqlens,
                                       Tensor &o, const Tensor *stateIn, Tensor *stateOut) {
  const std::string op = "forwardVarlen";
  const DType type = elementType(op, q);
  Tensor q3 = packedSequences(op, "q", q), k3 = packedSequences(op, "k", k);
  Tensor v3 = packedSequences(op, "v", v), o3 = packedSequences(op, "o", o);
  auto [D, E] = checkOperands(op, type, {"heads", "tokens"},
                              {{"q", &q3, true}, {"k", &k3, true}, {"v", &v3, false},
                               {"o", &o3, false}});
  const int64_t h = q3.shape[0], T = q3.shape[1];
  const int64_t N = checkSequences(op, cuSeqlens, h, T);
  checkSlope(op, slope, h, options_.decay);
  checkStates(op, {N * h, D, E}, {{"stateIn", stateIn}, {"stateOut", stateOut}});

  Kernel kern = kernel(fwd_, "lightning_fwd_varlen", type, h, D, E, stateIn != nullptr,
                       stateOut != nullptr);
  kern.launch(Grid(slicesOf(E, sliceFor(D, E)), N * h), options_.stream, *q.buffer, *k.buffer,
              *v.buffer, *o.buffer, slope, *cuSeqlens.buffer, int32_t(T),
              statePtr(stateIn, slope), statePtr(stateOut, slope));
}

void LightningAttention::backwardVarlen(const Tensor &q, const Tensor &k, const Tensor &v,
                                        const Tensor &dO, const DeviceBuffer &slope,
                                        const Tensor &cuSeqlens, Tensor &dq, Tensor &dk,
                                        Tensor &dv, const Tensor *stateIn,
                                        const Tensor *dStateOut, Tensor *dStateIn) {
  const std::string op = "backwardVarlen";
  const DType type = elementType(op, q);
  Tensor q3 = packedSequences(op, "q", q), k3 = packedSequences(op, "k", k);
  Tensor v3 = packedSequences(op, "v", v), dO3 = packedSequences(op, "dO", dO);
  Tensor dq3 = packedSequences(op, "dq", dq), dk3 = packedSequences(op, "dk", dk);
  Tensor dv3 = packedSequences(op, "dv", dv);
  auto [D, E] = checkOperands(op, type, {"heads", "tokens"},
                              {{"q", &q3, true}, {"k", &k3, true}, {"v", &v3, false},
                               {"dO", &dO3, false}, {"dq", &dq3, true}, {"dk", &dk3, true},
                               {"dv", &dv3, false}});
  const int64_t h = q3.shape[0], T = q3.shape[1];
  const int64_t N = checkSequences(op, cuSeqlens, h, T);
  checkSlope(op, slope, h, options_.decay);
  checkStates(op, {N * h, D, E},
              {{"stateIn", stateIn}, {"dStateOut", dStateOut}, {"dStateIn", dStateIn}});

  // Without states, slope stands in for their pointers (never touched).
  // Varlen's cp.async rings keep 3 stages (sequences 0).
  auto [kdq, kdkdv] = backwardKernels("_varlen", type, h, D, E, 0, stateIn != nullptr,
                                       dStateOut != nullptr, dStateIn != nullptr);
  const int64_t dSlices = slicesOf(D, sliceFor(D, E)), eSlices = slicesOf(E, sliceFor(D, E));
  const int32_t T32 = int32_t(T);
  const Stream &s = options_.stream;
  const DeviceBuffer &cu = *cuSeqlens.buffer;
  kdq.launch(Grid(dSlices, N * h), s, *k.buffer, *v.buffer, *dO.buffer, *dq.buffer, slope, cu, T32,
             statePtr(stateIn, slope));
  kdkdv.launch(Grid(dSlices + eSlices, N * h), s, *q.buffer, *k.buffer, *v.buffer, *dO.buffer,
               *dk.buffer, *dv.buffer, slope, cu, T32, statePtr(dStateOut, slope),
               statePtr(dStateIn, slope));
}

void LightningAttention::backward(const Tensor &q, const Tensor &k, const Tensor &v,
                                  const Tensor &dO, const DeviceBuffer &slope, Tensor &dq,
                                  Tensor &dk, Tensor &dv, const Tensor *stateIn,
                                  const Tensor *dStateOut, Tensor *dStateIn) {
  const std::string op = "backward";
  const DType type = elementType(op, q);
  auto [D, E] = checkOperands(op, type, {"batch", "heads", "length"},
                              {{"q", &q, true},
                               {"k", &k, true},
                               {"v", &v, false},
                               {"dO", &dO, false},
                               {"dq", &dq, true},
                               {"dk", &dk, true},
                               {"dv", &dv, false}});
  const int64_t b = q.shape[0], h = q.shape[1], n = q.shape[2];
  checkGrid(op, b * h, n);
  checkSlope(op, slope, h, options_.decay);
  checkStates(op, {b * h, D, E},
              {{"stateIn", stateIn}, {"dStateOut", dStateOut}, {"dStateIn", dStateIn}});

  // Sized for the wider of the walks' grids (dq and dk hold slices of D, dv of E).
  Segments segments = segmentsFor(b * h, n, D, E, /*backward=*/true);
  if (segments.count > 1)
    return backwardSegments(q, k, v, dO, slope, dq, dk, dv, stateIn, dStateOut, dStateIn, type,
                            segments);
  // Without states, slope stands in for their pointers (never touched).
  auto [kdq, kdkdv] = backwardKernels("", type, h, D, E, b * h, stateIn != nullptr,
                                       dStateOut != nullptr, dStateIn != nullptr);
  const int64_t dSlices = slicesOf(D, sliceFor(D, E)), eSlices = slicesOf(E, sliceFor(D, E));
  const int32_t n32 = int32_t(n), bh32 = int32_t(b * h);
  const int64_t qkStride = n * D, voStride = n * E; // the [b * h, n, dim] descriptors'
  const Stream &s = options_.stream;
  kdq.launch(Grid(dSlices, b * h), s, *k.buffer, *v.buffer, *dO.buffer, *dq.buffer, slope, n32,
             bh32, qkStride, voStride, statePtr(stateIn, slope));
  kdkdv.launch(Grid(dSlices + eSlices, b * h), s, *q.buffer, *k.buffer, *v.buffer, *dO.buffer,
               *dk.buffer, *dv.buffer, slope, n32, bh32, qkStride, voStride,
               statePtr(dStateOut, slope), statePtr(dStateIn, slope));
}

LightningAttention::BackwardKernels
LightningAttention::backwardKernels(const std::string &suffix, DType type, int64_t H, int64_t D,
                                    int64_t E, int64_t sequences, bool stateIn, bool dStateOut,
                                    bool dStateIn) {
  const int64_t dSlices = slicesOf(D, sliceFor(D, E)), eSlices = slicesOf(E, sliceFor(D, E));
  return {kernel(bwd_, "lightning_bwd_dq" + suffix, type, H, D, E, stateIn, false, true, false,
                 walkStages(dSlices * sequences, D, E)),
          kernel(bwd_, "lightning_bwd_dkdv" + suffix, type, H, D, E, dStateOut, dStateIn, true,
                 false, walkStages((dSlices + eSlices) * sequences, D, E))};
}

void LightningAttention::backwardSegments(const Tensor &q, const Tensor &k, const Tensor &v,
                                          const Tensor &dO, const DeviceBuffer &slope, Tensor &dq,
                                          Tensor &dk, Tensor &dv, const Tensor *stateIn,
                                          const Tensor *dStateOut, Tensor *dStateIn, DType type,
                                          const Segments &segments) {
  const int64_t b = q.shape[0], h = q.shape[1], n = q.shape[2], D = q.shape[3], E = v.shape[3];
  const int64_t bh = b * h, S = segments.count, P = segments.pieces;
  const int64_t pieces = segments.piecesOf(n);
  // Two sets of piece states side by side, made in one launch: the forward's state S before
  // each piece (dq's) and the reverse state R entering each from its right (dk's and dv's).
  const int64_t setBytes = bh * pieces * D * E * 4;
  std::shared_ptr<DeviceBuffer> held = workspace(options_.stream, size_t(2 * setBytes));
  const DevicePtr statesS = held->ptr(), statesR = held->ptr() + setBytes;
  // Each piece's own S and R, then the scans: S from stateIn; R from dStateOut, from the last
  // piece to the first, ending with dStateIn. The last segment's pieces' own S reach no output,
  // nor, without dStateIn, the first segment's own R: the walks and the scans skip them.
  Kernel own = kernel(bwd_, "lightning_bwd_segment_states", type, h, D, E, false,
                      dStateIn != nullptr, true, false, 0, stateBlock());
  Kernel scanS = kernel(fwd_, "lightning_segment_scan", type, h, D, E, stateIn != nullptr);
  Kernel scanR = kernel(fwd_, "lightning_segment_scan", type, h, D, E, dStateOut != nullptr,
                        dStateIn != nullptr, true, true);
  const int64_t dSlices = slicesOf(D, sliceFor(D, E)), eSlices = slicesOf(E, sliceFor(D, E));
  Kernel kdq = kernel(bwd_, "lightning_bwd_dq_segments", type, h, D, E, false, false, true, false,
                      walkStages(dSlices * bh * S, D, E));
  Kernel kdkdv = kernel(bwd_, "lightning_bwd_dkdv_segments", type, h, D, E, false, false, true,
                        false, walkStages((dSlices + eSlices) * bh * S, D, E));
  const Grid scans(D * E / std::min<int64_t>(D * E, 1024), bh);
  const int32_t n32 = int32_t(n), seg32 = int32_t(segments.length);
  const int32_t piece32 = int32_t(segments.pieceLength), bh32 = int32_t(bh);
  const int64_t qkStride = n * D, voStride = n * E; // the [b * h, n, dim] descriptors'
  const int32_t madeS = int32_t((S - 1) * P), madeR = int32_t(dStateIn ? pieces : pieces - P);
  const Stream &s = options_.stream;
  // The workspace stands in for the scans' s_in and s_out where not given.
  own.launch(Grid(dSlices + eSlices, bh, pieces), s, *q.buffer, *k.buffer, *v.buffer,
             *dO.buffer, slope, n32, bh32, qkStride, voStride, seg32, piece32, statesS, statesR);
  scanS.launch(scans, s, statesS, slope, n32, piece32, madeS, statePtr(stateIn, *held), statesS);
  scanR.launch(scans, s, statesR, slope, n32, piece32, madeR, statePtr(dStateOut, *held),
               statePtr(dStateIn, *held));
  kdq.launch(Grid(dSlices, bh, S), s, *k.buffer, *v.buffer, *dO.buffer, *dq.buffer, slope, n32,
             bh32, qkStride, voStride, seg32, piece32, statesS);
  kdkdv.launch(Grid(dSlices + eSlices, bh, S), s, *q.buffer, *k.buffer, *v.buffer, *dO.buffer,
               *dk.buffer, *dv.buffer, slope, n32, bh32, qkStride, voStride, seg32, piece32,
               statesR);
}

void LightningAttention::decode(const Tensor &q, const Tensor &k, const Tensor &v,
                                const DeviceBuffer &slope, Tensor &state, Tensor &o) {
  const std::string op = "decode";
  // [b, h, D] or [b, h, 1, D]: one token per (batch, head).
  const char *layouts = "decode takes one token per (batch, head), [b, h, 1, dim] or [b, h, dim]";
  const DType type = elementType(op, q);
  Tensor q3 = withoutUnitDim(op, "q", q, 3, 2, layouts);
  Tensor k3 = withoutUnitDim(op, "k", k, 3, 2, layouts);
  Tensor v3 = withoutUnitDim(op, "v", v, 3, 2, layouts);
  Tensor o3 = withoutUnitDim(op, "o", o, 3, 2, layouts);
  auto [D, E] = checkOperands(op, type, {"batch", "heads"},
                              {{"q", &q3, true}, {"k", &k3, true}, {"v", &v3, false},
                               {"o", &o3, false}});
  const int64_t b = q3.shape[0], h = q3.shape[1];
  checkGrid(op, b * h, 1);
  checkSlope(op, slope, h, options_.decay);
  checkState(op, "state", state, {b * h, D, E});

  Kernel kern = kernel(decode_, "lightning_decode", type, h, D, E);
  kern.launch(Grid(slicesOf(E, sliceFor(D, E)), b * h), options_.stream, *q.buffer, *k.buffer,
              *v.buffer, *o.buffer, slope, *state.buffer);
}

} // namespace lacc::ops
