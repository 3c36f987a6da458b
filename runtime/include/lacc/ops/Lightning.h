//===- lacc/ops/Lightning.h - lightning attention as a C++ op --*- C++ -*-===//
//
// Lightning attention (TransNormerLLM; kernels/lightning_{fwd,bwd,decode}.tile)
// over device buffers, without writing a launch:
//
//   lacc::ops::LightningAttention attn(ctx);                 // decay on, default config
//   using lacc::ops::Tensor; using lacc::ops::DType;
//   Tensor q{&qBuf, {b, h, n, D}}, k{&kBuf, {b, h, n, D}}, v{&vBuf, {b, h, n, E}};
//   Tensor o{&oBuf, {b, h, n, E}}, state{&sBuf, {b * h, D, E}, DType::F32};
//   attn.forward(q, k, v, slope, o, nullptr, &state);        // prefill, keeping the state
//   attn.decode(q1, k1, v1, slope, state, o1);               // then one token at a time
//   attn.backward(q, k, v, dO, slope, dq, dk, dv);
//   attn.backward(q, k, v, dO, slope, dq, dk, dv, &s0, &dS1, &dS0);  // with states (below)
//   attn.forwardVarlen(qp, kp, vp, slope, cuSeqlens, op);    // sequences packed, [h, T, D]
//   attn.backwardVarlen(qp, kp, vp, dOp, slope, cuSeqlens, dqp, dkp, dvp);
//
// Layouts (those of the kernels): q, k, dq, dk are [b, h, n, D]; v, o, dO, dv are
// [b, h, n, E]; all bf16, or all f16 (one element type per call; the dots round their
// operands to it, states and sums are f32). slope is h f32 (the per-head decay
// lambda = exp(-slope[head])); without decay (Options::decay = false) it is not read. A state
// is f32 [b * h, D, E], row-major, fla's convention (S_t = lambda S_(t-1) + k_t^T v_t,
// o_t = q_t S_t): stateIn is the state after the previous chunk's last token, stateOut the
// state after this one's. decode() takes one token per (batch, head): q, k are [b, h, 1, D]
// (or [b, h, D]), v, o [b, h, 1, E] (or [b, h, E]), and updates `state` in place.
// forwardVarlen() takes N sequences of different lengths packed along the token axis (fla's
// cu_seqlens): q, k [h, T, D], v, o [h, T, E] (or with a leading batch dim of 1), sequence i
// being tokens cuSeqlens[i] .. cuSeqlens[i + 1] of every head; states are [N * h, D, E].
//
// The backward of a forward with states (chunked prefill, truncated back-propagation) takes
// the forward's stateIn (its share of o reaches dq), dStateOut, the gradient of the loss with
// respect to the forward's stateOut (it reaches dk and dv), and gives dStateIn, the gradient
// with respect to stateIn: dS_in = lambda dS_0 of the adjoint recurrence
// dS_t = q_t^T do_t + lambda dS_(t+1), dS_(n-1) = q_(n-1)^T do_(n-1) + dStateOut
// (kernels/lightning_bwd.tile's header). A sequence in chunks back-propagates chunk by chunk
// from the last: each chunk's dStateIn is the previous chunk's dStateOut (dStateIn may be
// dStateOut's own buffer, overwritten), and the gradients equal those of one backward over
// the whole sequence. Each is optional (none: zero, or not wanted).
//
// The kernels read and write contiguous row-major tensors only: a Tensor's strides, when
// given, must be the contiguous ones (an Error otherwise); other layouts are not supported,
// copy them first. D and E are powers of two in 16..256. Every argument is checked before
// anything is launched (rank, shape agreement, dtype, contiguity, buffer sizes), and a
// failure is a lacc::Error of Kind::Argument that names the argument. (cuSeqlens' values
// are on the device: they are the caller's to get right, as in fla; reading them here would
// wait for the device.)
//
// Configuration: each head dim is cut into slices of min(dim, 64) per program, BLOCK 64,
// 4 warps (the measured best of tools/lightning on the H200 at d = 128: one warpgroup, so that
// on sm_90a every dot, the chained ones too, runs on wgmma; docs/benchmarks.md); at d = 256,
// slices of 32 (sliceFor, warpsFor); 2 pipeline stages where only they let two programs
// share an SM and there are more programs than SMs, else 3 (walkStages). When b * h (times
// the slices of a head
// dim) is too few programs to fill the GPU, forward() and backward() cut each sequence into
// segments walked in parallel (segmentsFor() has the rule): each segment's own state, a short
// scan over the segments with lambda^L, then each segment's outputs from the state entering it
// (kernels/lightning_fwd.tile's lightning_fwd_segments). With decay, the walks for the own
// states leave out the tokens a boundary no longer remembers (Options::window). The backward
// does so twice at once: dq from the forward's state before each segment, dk and dv from the
// reverse state that enters each segment from its right, scanned from the last segment
// (kernels/lightning_bwd.tile's lightning_bwd_segment_states, one launch for both sets of own
// states, and *_segments; the scans start from stateIn and dStateOut, and the reverse one
// ends with dStateIn). They need a workspace of b * h * segments * D * E f32 (the forward) or
// twice that (the backward, both sets side by side), kept by the op per stream and grown when
// needed: nothing else is allocated, whatever n. The kernels of one configuration (D, E,
// heads, decay, state flags, element type) are made on first use and kept; the runtime caches
// their compiled code (in memory and on disk). Launches are asynchronous on the GPU, on
// Options::stream; when interpreting, done when the call returns.
//
// A LightningAttention is cheap to keep and thread-safe; it keeps its Context alive.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_OPS_LIGHTNING_H
#define LACC_OPS_LIGHTNING_H

#include "lacc/Runtime.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

namespace lacc::ops {

enum class DType { BF16, F32, F16, I32 };

/// The number of elements of a tensor of `shape`.
int64_t numelOf(const std::vector<int64_t> &shape);

/// A view of a whole DeviceBuffer (not owned; it must outlive the call) as a tensor.
/// `strides` in elements; empty means contiguous row-major, the only layout the
/// kernels take (given strides are checked to be those).
struct Tensor {
  const DeviceBuffer *buffer = nullptr;
  std::vector<int64_t> shape;
  DType dtype = DType::BF16;
  std::vector<int64_t> strides;

  Tensor() = default;
  Tensor(const DeviceBuffer *buffer, std::vector<int64_t> shape, DType dtype = DType::BF16,
         std::vector<int64_t> strides = {})
      : buffer(buffer), shape(std::move(shape)), dtype(dtype), strides(std::move(strides)) {}
  Tensor(const DeviceBuffer &buffer, std::vector<int64_t> shape, DType dtype = DType::BF16,
         std::vector<int64_t> strides = {})
      : Tensor(&buffer, std::move(shape), dtype, std::move(strides)) {}

  int64_t numel() const { return numelOf(shape); }
};

class LightningAttention {
public:
  struct Options {
    /// Per-head decay from slope; false: lambda = 1 (causal linear attention).
    bool decay = true;
    /// Sequence block of the forward and backward kernels.
    int block = 64;
    /// Slice of a head dim per program: min(dim, slice); a power of two (0: sliceFor's).
    int slice = 0;
    /// Warps per program (0: warpsFor's).
    unsigned numWarps = 0;
    /// Software-pipelining depth of the loop loads (1..8; 0: the compiler's default, 3). The
    /// rings of q, k, v blocks are most of a program's shared memory (d = 128: 144 KB at 3
    /// stages, one program per SM; 104 KB at 2, two per SM, which measured 0.79 against 0.71 ms
    /// forward at n = 16K on the H200).
    unsigned numStages = 0;
    /// The stream the launches go to (ignored when interpreting).
    Stream stream;
    /// The SM count the segment rule (segmentsFor) sizes the work for; 0: the device's (an
    /// interpreting context has none: no segments). Tests set it to reach the segmented forward
    /// and backward on the interpreter, benchmarks to explore the rule.
    int multiprocessors = 0;
    /// Segments per sequence of the forward and backward (0: segmentsFor's rule; 1: none).
    int segments = 0;
    /// Pieces per segment whose own states the segmented passes walk for (0: segmentsFor's
    /// rule; 1: the segments themselves).
    int pieces = 0;
    /// Sequence block of the walks for each segment's own states, forward and backward (0:
    /// twice `block`): with one product per block, a longer block halves the steps of their
    /// serial chain.
    int stateBlock = 0;
    /// The walks for the states entering segments leave out the tokens that a segment's
    /// boundary no longer remembers: with decay, those whose weight there, lambda^d, is below
    /// 2^-24, f32's resolution (d >= 24 ln 2 / slope; kernels/lightning_fwd.tile's
    /// decay_reach). What they would add is below the rounding of the state they would be
    /// added to. false: every token of every piece is walked.
    bool window = true;
    /// Read the inputs of the forward's and backward's walks (not varlen's) through the TMA
    /// where the target has one (sm_90 and later; false or elsewhere: pointer loads through
    /// cp.async).
    bool tma = true;
    /// A folder to read lightning_{fwd,bwd,decode}.tile from instead of the copies built
    /// into the program (Context::loadEmbedded's, or $LACC_KERNELS_DIR's); empty: those.
    std::string kernelDir;
  };

  explicit LightningAttention(Context &ctx) : LightningAttention(ctx, Options()) {}
  LightningAttention(Context &ctx, Options options);

  /// o = lightning attention of q, k, v; from stateIn when given (else zeros), storing the
  /// final state to stateOut when given.
  void forward(const Tensor &q, const Tensor &k, const Tensor &v, const DeviceBuffer &slope,
               Tensor &o, const Tensor *stateIn = nullptr, Tensor *stateOut = nullptr);

  /// o for N packed sequences (see above); stateIn / stateOut are [N * h, D, E].
  void forwardVarlen(const Tensor &q, const Tensor &k, const Tensor &v, const DeviceBuffer &slope,
                     const Tensor &cuSeqlens, Tensor &o, const Tensor *stateIn = nullptr,
                     Tensor *stateOut = nullptr);

  /// dq, dk, dv from dO (slope has no gradient); for a forward from stateIn, with dStateOut
  /// the gradient of its stateOut when given, and the gradient of stateIn to dStateIn when
  /// given (see above; all f32 [b * h, D, E]).
  void backward(const Tensor &q, const Tensor &k, const Tensor &v, const Tensor &dO,
                const DeviceBuffer &slope, Tensor &dq, Tensor &dk, Tensor &dv,
                const Tensor *stateIn = nullptr, const Tensor *dStateOut = nullptr,
                Tensor *dStateIn = nullptr);

  /// dq, dk, dv of forwardVarlen, for N packed sequences: every tensor [h, T, dim] (or
  /// [1, h, T, dim]); the states as backward's, per sequence: [N * h, D, E].
  void backwardVarlen(const Tensor &q, const Tensor &k, const Tensor &v, const Tensor &dO,
                      const DeviceBuffer &slope, const Tensor &cuSeqlens, Tensor &dq, Tensor &dk,
                      Tensor &dv, const Tensor *stateIn = nullptr,
                      const Tensor *dStateOut = nullptr, Tensor *dStateIn = nullptr);

  /// One token per (batch, head): state <- lambda state + k^T v (in place), o = q state.
  void decode(const Tensor &q, const Tensor &k, const Tensor &v, const DeviceBuffer &slope,
              Tensor &state, Tensor &o);

  /// The segments forward() and backward() cut each of b * h sequences of n tokens into (1: none),
  /// and their length, for head dims D and E (the forward's programs slice E, the backward's
  /// the larger of D and E): Options::segments when set. The kernels hold a program per (batch,
  /// head, slice) for the whole sequence. Segments cost walks for the states entering them:
  /// without windows (Options::window) or decay, over the segments' k and v once more (the
  /// backward: q, k, v, dO), which pays only where the programs leave at least half of the SMs
  /// without one, and then as many segments as give every SM one program (H200, d = 128,
  /// n = 64K: forward 0.83-0.88 ms in 2 segments, 1.42 without). With windows those walks
  /// cover at most decay_reach tokens before each boundary (TNL's slopes at h = 32: 3.6K), and
  /// at d = 128, where one program per SM leaves its chain of dots exposed, the segments give
  /// every SM two programs, which hide each other's latencies: the forward cuts wherever its
  /// programs leave an SM without a second one (n = 32K: 0.64-0.67 ms in 2 segments,
  /// 0.70-0.74 without; 64K: 0.63-0.70 in 4, 0.73 in 2), the backward where half of the SMs
  /// are idle (32K: 1.85-2.01 ms without, 1.97 in 2; 64K: 1.93-2.03 in 4, 2.05 in 2). At
  /// d = 64 one program per SM keeps up (n = 16K: 0.270 ms unsegmented; 32K: 0.299 in 2
  /// segments, 0.309 in 4); docs/benchmarks.md, 2026-12-02, fourth session. Segments are at
  /// least 8 blocks long.
  /// The states entering the segments come from walks over pieces of them, reading k and v
  /// (the backward: q, k, v, dO) of all segments but the last (the backward: also but the
  /// first); as many pieces per segment as give those walks up to one program per SM
  /// (Options::pieces when set), each at least 4 of their blocks long (H200, d = 128, n = 64K
  /// without windows: forward 0.835 ms with the rule's 2 pieces, 0.940 with 1, 0.844 with 4).
  /// Pieces and segments are whole state blocks (only the last ragged).
  struct Segments {
    int64_t count = 1, length = 0;
    int64_t pieces = 1, pieceLength = 0; // pieces per segment, and their length
    /// The pieces of a sequence of n tokens, all segments together.
    int64_t piecesOf(int64_t n) const { return (n + pieceLength - 1) / pieceLength; }
  };
  Segments segmentsFor(int64_t bh, int64_t n, int64_t D, int64_t E, bool backward = false) const;
  /// The pipelining depth of a walk launched as `programs` programs: Options::numStages, else
  /// 2 where that alone lets two programs share an SM (through the TMA) and there are more
  /// programs than SMs, else 3.
  unsigned walkStages(int64_t programs, int64_t D, int64_t E) const;
  /// Whether the walks read through the TMA (Options::tma and the target).
  bool tma() const;

  /// The slice of a head dim per program and the warps per program for head dims D and E:
  /// Options' when set; else, measured on the H200, 4 warps (one warpgroup: every dot on
  /// wgmma) and slices of 64 up to d = 128, of 32 at 256 (26.3 ms forward + backward at
  /// n = 4K, against 27.7 with slices of 64 and 27.9 with 32 at 8 warps).
  int64_t sliceFor(int64_t D, int64_t E) const;
  unsigned warpsFor(int64_t D, int64_t E) const;

  const Options &options() const { return options_; }
  /// Kernel configurations made so far (for tests).
  size_t configCount() const;

private:
  // (kernel name, element type, H, D, E, state in, state out, output, reverse, stages, block)
  using Key = std::tuple<std::string, DType, int64_t, int64_t, int64_t, bool, bool, bool, bool,
                         unsigned, int>;
  /// `stages`: the pipelining depth (0: Options::numStages, else the compiler's default);
  /// `block`: the sequence block (0: Options::block).
  Kernel kernel(const Module &module, const std::string &name, DType type, int64_t H, int64_t D,
                int64_t E, bool stateIn = false, bool stateOut = false, bool output = true,
                bool reverse = false, unsigned stages = 0, int block = 0);
  /// The sequence block of the segment-state walks: Options::stateBlock, else twice the block.
  int stateBlock() const;

  /// The whole-sequence backward's kernels, `suffix` "" or "_varlen": dq walks from the
  /// forward's stateIn; dk and dv (one launch) back from dStateOut, dv ending with dStateIn.
  struct BackwardKernels {
    Kernel dq, dkdv;
  };
  /// `sequences`: b * h, whose walks' programs set their pipelining depth (walkStages); 0 for
  /// varlen, whose walks load through cp.async and keep 3 stages.
  BackwardKernels backwardKernels(const std::string &suffix, DType type, int64_t H, int64_t D,
                                  int64_t E, int64_t sequences, bool stateIn, bool dStateOut,
                                  bool dStateIn);

  /// The segmented forward (arguments checked).
  void forwardSegments(const Tensor &q, const Tensor &k, const Tensor &v,
                       const DeviceBuffer &slope, Tensor &o, const Tensor *stateIn,
                       Tensor *stateOut, DType type, const Segments &segments);
  /// The segmented backward (arguments checked).
  void backwardSegments(const Tensor &q, const Tensor &k, const Tensor &v, const Tensor &dO,
                        const DeviceBuffer &slope, Tensor &dq, Tensor &dk, Tensor &dv,
                        const Tensor *stateIn, const Tensor *dStateOut, Tensor *dStateIn,
                        DType type, const Segments &segments);
  /// The segment states' workspace of `stream`, at least `bytes` (held by the caller while it
  /// launches: another thread may replace it meanwhile).
  std::shared_ptr<DeviceBuffer> workspace(const Stream &stream, size_t bytes);

  Context ctx_;
  Options options_;
  Module fwd_, bwd_, decode_;
  mutable std::mutex mutex_;
  std::map<Key, Kernel> kernels_;
  std::map<CUstream_st *, std::shared_ptr<DeviceBuffer>> workspaces_;
};

} // namespace lacc::ops

#endif // LACC_OPS_LIGHTNING_H
