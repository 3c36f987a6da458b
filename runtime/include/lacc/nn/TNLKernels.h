//===- lacc/nn/TNLKernels.h - the launches of the TNL layer and model -*- C++ -*-===//
//
// One object per Context that holds the kernels the TNL layer and model run
// (kernels/gemm.tile, srmsnorm.tile, tnl.tile, heads.tile, embedding.tile,
// cross_entropy.tile, adamw.tile, bench_fill.tile and lightning attention
// through lacc::ops::LightningAttention), each specialized on first use and
// kept, and launches them with typed arguments. It is the layer's and model's
// plumbing, public so that benchmarks time the same launches: it checks
// nothing about shapes (TNLLayer and TNLModel check their arguments and then
// call it with consistent sizes).
//
// Every launch is tagged with a family (gemm, attention, norm, elementwise,
// embedding, loss, optimizer) for the time breakdown: while a Profile is
// attached, each launch is bracketed by a pair of events (on the GPU; the host
// clock on the interpreter) and Profile::collect() adds them up per family,
// waiting once for the last one. Without a Profile nothing is recorded.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_NN_TNLKERNELS_H
#define LACC_NN_TNLKERNELS_H

#include "lacc/Runtime.h"
#include "lacc/ops/Lightning.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace lacc::nn {

/// A strided 2-D view of device memory (elements, not bytes): element (i, j) is at
/// ptr + (i * rowStride + j * colStride) elements. t() is the transpose, free.
struct Mat {
  DevicePtr ptr;
  int64_t rows = 0, cols = 0, rowStride = 0, colStride = 1;
  Mat t() const { return {ptr, cols, rows, colStride, rowStride}; }
};
/// Row-major [rows, cols] with leading dimension ld (default cols) of 2-byte elements at
/// column `col0` of `buf` (4-byte when f32 is set).
Mat rowsOf(const DeviceBuffer &buf, int64_t rows, int64_t cols, int64_t ld = 0, int64_t col0 = 0,
           bool f32 = false);

/// Accumulated device time per family of kernels.
class Profile {
public:
  explicit Profile(Context &ctx) : ctx_(ctx) {}
  /// `kernel`: the kernel (or op) launched, for the finer breakdown.
  void begin(const char *family, const char *kernel);
  void end();
  /// Adds the recorded launches to the totals (waiting for the last) and forgets them.
  void collect();
  /// Milliseconds and launch counts per family, and per "family/kernel".
  const std::map<std::string, double> &totals() const { return totals_; }
  const std::map<std::string, int64_t> &launches() const { return launches_; }
  const std::map<std::string, double> &kernelTotals() const { return kernelTotals_; }
  const std::map<std::string, int64_t> &kernelLaunches() const { return kernelLaunches_; }

private:
  struct Mark {
    std::string family, kernel;
    Event start, stop;
  };
  Context ctx_;
  std::vector<Mark> marks_;
  size_t used_ = 0;
  std::map<std::string, double> totals_, kernelTotals_;
  std::map<std::string, int64_t> launches_, kernelLaunches_;
};

class TNLKernels {
public:
  explicit TNLKernels(Context &ctx);

  Context &context() { return ctx_; }
  void setProfile(Profile *profile) { profile_ = profile; }

  /// c = a . b (f32 accumulation), rounded to bf16, or to f32 when cF32; c += a . b when
  /// accumulate. With residual r (bf16, same shape as c): c = a . b + r.
  /// f32 outputs (the weight gradients: small c, K = tokens) run on the GPU as a split-K GEMM
  /// whose partials a second kernel adds in a fixed order (deterministic), through a workspace
  /// kept here and grown to the largest [splits, M, N] seen (synchronizing once when it grows).
  void gemm(const Mat &a, const Mat &b, const Mat &c, bool cF32 = false, bool accumulate = false);
  void gemmResidual(const Mat &a, const Mat &b, const Mat &c, const Mat &r);

  // Rows of width `cols` (contiguous rows): y = x rstd, rstd = rsqrt(mean(x^2) + eps).
  void srmsnormFwd(DevicePtr x, DevicePtr y, DevicePtr rstd, int64_t rows, int64_t cols, float eps);
  void srmsnormBwd(DevicePtr x, DevicePtr dy, DevicePtr rstd, DevicePtr dx, int64_t rows,
                   int64_t cols);
  // dx = dres + rstd (dy - x_hat mean(x_hat dy)); dx may be dres.
  void srmsnormBwdAdd(DevicePtr x, DevicePtr dy, DevicePtr rstd, DevicePtr dres, DevicePtr dx,
                      int64_t rows, int64_t cols);

  // heads.tile: rows [b * n, *] (stride) <-> heads [b, H, n, DH].
  void headsSplit(DevicePtr x, int64_t xStride, DevicePtr y, int64_t b, int64_t H, int64_t n,
                  int64_t DH, bool silu);
  void headsMerge(DevicePtr x, DevicePtr y, int64_t yStride, int64_t b, int64_t H, int64_t n,
                  int64_t DH, DevicePtr siluInput = {}, int64_t pStride = 0);

  // tnl.tile: LRPE on heads [b, H, n, D] -> [b, H, n, 2D]; dtheta accumulates (zero it first).
  void lrpeFwd(DevicePtr x, DevicePtr theta, DevicePtr out, int64_t b, int64_t H, int64_t n,
               int64_t D, int64_t offset);
  void lrpeBwd(DevicePtr x, DevicePtr theta, DevicePtr dout, DevicePtr dx, DevicePtr dtheta,
               int64_t b, int64_t H, int64_t n, int64_t D, int64_t offset);
  // y = u SRMSNorm(o) over rows of E, and its backward.
  void gateNormFwd(const Mat &o, const Mat &u, const Mat &y, DevicePtr rstd, float eps);
  void gateNormBwd(const Mat &o, const Mat &u, const Mat &dy, DevicePtr rstd, const Mat &dO,
                   const Mat &du);
  // o = a b, and da = do b, db = do a.
  void sgluFwd(const Mat &a, const Mat &b, const Mat &o);
  void sgluBwd(const Mat &a, const Mat &b, const Mat &dO, const Mat &da, const Mat &db);

  void embeddingFwd(DevicePtr tokens, DevicePtr w, DevicePtr out, int64_t T, int64_t V, int64_t D);
  void embeddingBwd(DevicePtr tokens, DevicePtr dout, DevicePtr dw, int64_t T, int64_t V, int64_t D);
  // losses[r] (f32) = scale * row r's loss; dx (may be x) the scaled gradient.
  void crossEntropy(const Mat &x, DevicePtr targets, const Mat &dx, DevicePtr losses, float scale);
  // out[0] = sum of n f32, in a fixed order.
  void lossSum(DevicePtr losses, DevicePtr out, int64_t n);
  void argmax(const Mat &x, DevicePtr out);

  struct AdamW {
    float lr, b1, b2, eps, wd, bc1, bc2, gScale;
  };
  void adamw(DevicePtr p, DevicePtr g, DevicePtr m, DevicePtr v, DevicePtr out, int64_t n,
             const AdamW &h);
  /// out (f32, zeroed first) += sum of g^2 over n f32.
  void sumOfSquares(DevicePtr g, DevicePtr out, int64_t n);
  /// n f32 zeros, in stream order (DeviceBuffer::fill would wait for the device).
  void zero(DevicePtr p, int64_t n);

  /// Splits of K for an f32 GEMM: `tiles` output tiles, `programs` of them run at once (see
  /// TNLKernels.cpp for the rule); 1 means one program per tile.
  static int splitK(int64_t tiles, int64_t K, int64_t programs);
  /// Overrides splitK() for f32 outputs (tests, benchmarks): -1 automatic (the default; on the
  /// interpreter the same as 0), 0 the single kernel that reads and adds c itself (no workspace),
  /// n >= 1 n splits through the workspace.
  void setSplitK(int splits) { splitOverride_ = splits; }
  /// Bytes of the split-K workspace now (its high-water mark).
  size_t workspaceBytes() const { return workspace_.size(); }

  ops::LightningAttention &attention() { return attention_; }
  /// Brackets work launched outside these methods (e.g. attention) in the profile.
  void begin(const char *family, const char *kernel);
  void end();

private:
  /// numStages, numWarps 0: the kernel's own.
  Kernel kernel(const Module &m, const std::string &name, const ConstMap &c,
                unsigned numStages = 0, unsigned numWarps = 0);
  struct GemmTile {
    int64_t rows, cols, depth;
    unsigned warps, stages;
  };
  /// The GEMM tile for a rows x cols output, bf16 or f32 (see TNLKernels.cpp).
  GemmTile gemmTile(int64_t rows, int64_t cols, bool f32Out) const;
  int64_t pow2AtLeast(int64_t n, int64_t lo = 16) const;
  /// The workspace, grown to at least `bytes`.
  DevicePtr workspace(size_t bytes);
  /// c (+)= a . b in f32 over `splits` ranges of K through the workspace.
  void gemmSplitK(const Mat &a, const Mat &b, const Mat &c, bool accumulate, int splits,
                  const GemmTile &t);

  Context ctx_;
  bool gpu_;
  Module gemm_, srms_, tnl_, heads_, emb_, xent_, adamw_, fill_;
  ops::LightningAttention attention_;
  Profile *profile_ = nullptr;
  int splitOverride_ = -1;
  DeviceBuffer workspace_; // split-K partials, [splits, M, N] f32
  std::mutex mutex_;
  std::map<std::string, Kernel> kernels_; // by file, name and constants
};

} // namespace lacc::nn

#endif // LACC_NN_TNLKERNELS_H
