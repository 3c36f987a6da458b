//===- lacc/nn/TNLLayer.h - the TransNormerLLM decoder layer ---*- C++ -*-===//
//
// One TNL decoder layer (LIGHTNING.md, "The TNL decoder layer"), forward,
// backward and the one-token decode step, composed of lacc kernels launched
// through the runtime (TNLKernels.h); x is [b, n, D] bf16 token rows:
//
//   h  = SRMSNorm(x)                                    srmsnorm_fwd
//   [q k v u] = h . Wqkvu          (D x 4D)             gemm
//   q, k = SiLU(q), SiLU(k) as heads [b, H, n, dh]      heads_split (v: no activation)
//   q, k = LRPE(q, k; theta)       (flagged layers)     lrpe_fwd (head dim doubles)
//   o  = LightningAttention(q, k, v; s_{h,l})           ops::LightningAttention
//   g  = u (.) SRMSNorm(o)                              heads_merge, gate_norm_fwd
//   x1 = x + g . Wout              (D x D)              gemm_epilogue (residual)
//   [a b] = SRMSNorm(x1) . W12     (D x 2F)             srmsnorm_fwd, gemm
//   y  = x1 + (a (.) b) . W3       (F x D)              sglu_fwd, gemm_epilogue
//
// The backward runs the same chain in reverse: dX = dY W^T and dW = X^T dY for each of the four
// weight matrices (the GEMM kernel reads the transposes through swapped strides), the norm,
// gate, SGLU, SiLU and LRPE backward kernels, lightning attention's backward, and the residual
// adds (srmsnorm_bwd_add adds the residual's gradient in the same pass). Weight gradients are
// f32 and overwritten by each backward (one GEMM over all b * n rows); dtheta is summed by
// atomics over the batch and over q and k.
//
// Activation policy: the forward saves every activation the backward reads, in bf16 (plus the
// f32 rstd of the three norms) in a Saved object the caller keeps between the two calls:
// h, qkvu, the attention's q, k (after SiLU, and after LRPE) and v heads, o (rows), g, x1, h2,
// ab, p. The layer's input x is not copied: the caller keeps it unchanged until the backward
// (the model keeps every layer's input anyway). Nothing is recomputed: at the sizes this project trains (up to D = 1024, 64K tokens per
// step) they fit easily, and recomputing the elementwise ones would save about a third of the
// memory for a few percent of the time; that trade is left for a larger model. Gradients of
// activations reuse one scratch set per layer.
//
// Slopes: s_h = 2^(-8h/H) (ALiBi's interleave when H is not a power of two) times
// (1 - l / (L - 1) + 1e-5) for layer l of L (1 + 1e-5 when L = 1), as the released checkpoints.
//
// Argument mistakes (shapes, dtypes, buffer sizes, configuration) are lacc::Error of
// Kind::Argument naming the argument ("tnl layer forward: x ...").
//
//===----------------------------------------------------------------------===//

#ifndef LACC_NN_TNLLAYER_H
#define LACC_NN_TNLLAYER_H

#include "lacc/nn/TNLKernels.h"
#include "lacc/ops/Lightning.h"

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace lacc::nn {

using ops::Tensor;

/// A trainable tensor: fp32 master weights, AdamW's moments and the f32 gradient, plus the bf16
/// copy the kernels compute with (absent for f32-only parameters such as LRPE's theta, which the
/// kernels read in f32).
struct Parameter {
  std::string name;
  std::vector<int64_t> shape;
  bool hasBF16 = true;
  bool decay = true; // weight decay applies (matrices), or not (theta)
  DeviceBuffer master, m, v, grad, value;

  int64_t numel() const;
  /// The buffer the kernels read: value (bf16) or master (f32).
  const DeviceBuffer &compute() const { return hasBF16 ? value : master; }
  /// Uploads `w` as the master and its bf16 copy; zeros the moments.
  void set(Context &ctx, const std::vector<float> &w);
  /// The master weights, to the host.
  std::vector<float> get() const { return master.download<float>(); }
};

struct TNLLayerConfig {
  int64_t dim = 0;   // D (= E, the attention width)
  int64_t heads = 0; // H: dim / heads is the head dim, a power of two in 16..128
  int64_t glu = 0;   // F: SGLU width
  bool lrpe = false; // LRPE on q and k (doubles their head dim)
  float eps = 1e-6f;
  int layer = 0, numLayers = 1; // for the decay slopes
};

/// The per-head decay slopes of layer `layer` of `numLayers` (see the header comment).
std::vector<float> tnlSlopes(int64_t heads, int layer, int numLayers);

/// What the forward keeps for the backward (and the activation-gradient scratch), sized for one
/// (b, n); reused by later calls of the same size, reallocated otherwise.
struct TNLSaved {
  int64_t b = 0, n = 0;
  DevicePtr x; // the caller's input
  DeviceBuffer h, qkvu, qs, ks, q, k, v, oh, o, g, x1, h2, ab, p, rstd1, rstdO, rstd2;
  // gradients of activations
  DeviceBuffer dp, dab, dh, dx1, dg, dO, doh, dq, dk, dv, dqs, dks, dqkvu;
};

class TNLLayer {
public:
  /// Weights: N(0, 0.02) with the output projections (Wout, W3) scaled by 1/sqrt(2 numLayers);
  /// theta as LIGHTNING.md (10000^(-2i/(H dh))). Deterministic in seed.
  TNLLayer(TNLKernels &kernels, const TNLLayerConfig &config, uint64_t seed);

  const TNLLayerConfig &config() const { return cfg_; }
  int64_t headDim() const { return cfg_.dim / cfg_.heads; }
  /// Wqkvu [D, 4D], Wout [D, D], W12 [D, 2F], W3 [F, D], and theta [H, dh] when lrpe.
  std::vector<Parameter *> parameters();
  const DeviceBuffer &slopes() const { return slope_; }

  /// y = layer(x), x and y [b, n, D] bf16 (distinct buffers). Saves into `saved`. With
  /// states (f32 [b * H, Dqk, dh], Dqk = dh, or 2 dh with LRPE), the attention's final
  /// state is stored there (prefill before decode).
  void forward(const Tensor &x, const Tensor &y, TNLSaved &saved, const Tensor *state = nullptr);
  /// From dy [b, n, D]: dx [b, n, D] (may be dy's buffer) and every parameter's grad.
  void backward(const Tensor &dy, const Tensor &dx, TNLSaved &saved);
  /// One token per batch row at position `pos`: x, y [b, D]; state updated in place.
  void decode(const Tensor &x, const Tensor &y, int64_t pos, const Tensor &state, TNLSaved &scratch);

private:
  void allocate(TNLSaved &s, int64_t b, int64_t n) const;
  void run(const Tensor &x, const Tensor &y, TNLSaved &s, const Tensor *state, int64_t pos,
           bool decodeStep, const std::string &op);

  TNLKernels &k_;
  TNLLayerConfig cfg_;
  Parameter wqkvu_, wout_, w12_, w3_, theta_;
  DeviceBuffer slope_;
};

} // namespace lacc::nn

#endif // LACC_NN_TNLLAYER_H
