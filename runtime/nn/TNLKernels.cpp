//===- nn/TNLKernels.cpp - the launches of the TNL layer and model --------===//
//
// Configurations: on the GPU the measured best of the kernels' own benchmarks
// (docs/benchmarks.md): GEMMs in 128 x 256 x 32 tiles over 8 warps with 6
// stages (the H200's best for every large shape, 0.85-0.95x cuBLAS) where that
// still gives each multiprocessor a tile, else 128 x 128 x 32 over 4 warps with
// 4 stages; grouped by 8. f32 outputs (weight gradients, accumulated) go
// through split-K (splitK() below): 128 x 256 programs that each write the f32
// partial product of one range of K to a workspace, then splitk_reduce adds
// the partials to C in a fixed order. The partials do not read C, which is
// what made ptxas spill in the 128 x 256 tile (and 128 x 128) with ACCUMULATE.
// With setSplitK(0), the single kernel that adds to C itself, in 128 x 128.
// On the interpreter smaller tiles, which waste less on the tiny shapes it runs.
//
//===----------------------------------------------------------------------===//

#include "lacc/nn/TNLKernels.h"

#include <algorithm>

namespace lacc::nn {

namespace {
int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int32_t i32(int64_t v) { return static_cast<int32_t>(v); }
DevicePtr at(const Mat &m) { return m.ptr; }
} // namespace

Mat rowsOf(const DeviceBuffer &buf, int64_t rows, int64_t cols, int64_t ld, int64_t col0,
           bool f32) {
  return {buf.ptr() + col0 * (f32 ? 4 : 2), rows, cols, ld ? ld : cols, 1};
}

//===----------------------------------------------------------------------===//
// Profile
//===----------------------------------------------------------------------===//

void Profile::begin(const char *family, const char *kernel) {
  if (used_ == marks_.size())
    marks_.push_back({family, kernel, ctx_.event(), ctx_.event()});
  Mark &m = marks_[used_];
  m.family = family;
  m.kernel = kernel;
  m.start.record();
}

void Profile::end() { marks_[used_++].stop.record(); }

void Profile::collect() {
  for (size_t i = 0; i < used_; ++i) {
    const double ms = marks_[i].stop.msSince(marks_[i].start);
    const std::string kernel = marks_[i].family + "/" + marks_[i].kernel;
    totals_[marks_[i].family] += ms;
    launches_[marks_[i].family] += 1;
    kernelTotals_[kernel] += ms;
    kernelLaunches_[kernel] += 1;
  }
  used_ = 0;
}

//===----------------------------------------------------------------------===//
// TNLKernels
//===----------------------------------------------------------------------===//

TNLKernels::TNLKernels(Context &ctx)
    : ctx_(ctx), gpu_(ctx.hasDevice()), gemm_(ctx_.loadEmbedded("gemm.tile")),
      srms_(ctx_.loadEmbedded("srmsnorm.tile")), tnl_(ctx_.loadEmbedded("tnl.tile")),
      heads_(ctx_.loadEmbedded("heads.tile")), emb_(ctx_.loadEmbedded("embedding.tile")),
      xent_(ctx_.loadEmbedded("cross_entropy.tile")), adamw_(ctx_.loadEmbedded("adamw.tile")),
      fill_(ctx_.loadEmbedded("bench_fill.tile")), attention_(ctx_) {}

Kernel TNLKernels::kernel(const Module &m, const std::string &name, const ConstMap &c,
                          unsigned numStages, unsigned numWarps) {
  std::string key = m.fileName() + ":" + name + " stages=" + std::to_string(numStages) +
                    " warps=" + std::to_string(numWarps);
  for (const auto &[k, v] : c)
    key += " " + k + "=" + v.toString();
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = kernels_.find(key);
  if (it == kernels_.end()) {
    KernelOptions options;
    options.numStages = numStages;
    options.numWarps = numWarps;
    it = kernels_.emplace(key, m.kernel(name, c, options)).first;
  }
  return it->second;
}

int64_t TNLKernels::pow2AtLeast(int64_t n, int64_t lo) const {
  int64_t p = lo;
  while (p < n)
    p *= 2;
  return p;
}

void TNLKernels::begin(const char *family, const char *kernel) {
  if (profile_)
    profile_->begin(family, kernel);
}
void TNLKernels::end() {
  if (profile_)
    profile_->end();
}

namespace {
/// Brackets one launch in the profile.
struct Scope {
  TNLKernels &k;
  Scope(TNLKernels &k, const char *family, const char *kernel) : k(k) { k.begin(family, kernel); }
  ~Scope() { k.end(); }
};
} // namespace

TNLKernels::GemmTile TNLKernels::gemmTile(int64_t rows, int64_t cols, bool f32Out) const {
  if (!gpu_)
    return {32, 32, 16, 0, 0};
  int64_t sms = std::max(1, ctx_.multiprocessorCount());
  if (!f32Out && cdiv(rows, 128) * cdiv(cols, 256) >= sms)
    return {128, 256, 32, 8, 6};
  return {128, 128, 32, 4, 4};
}

// Splits of K for the f32 GEMMs, the weight gradients dW = X^T dY: C is small (1024 x 1024 is 32
// tiles of 128 x 256 for 132 SMs) and K = b * n tokens is long (65,536 in the benchmark). s splits
// make tiles * s programs of K / s each. A wave of `programs` programs (all that run at once) takes
// about as long as one, so the GEMM takes about ceil(tiles * s / programs) * K / s steps of K: the
// last, partial wave costs a whole one (176 tiles on 132 SMs: two waves where 1.33 would do).
// The partials add 2 * s planes of C in f32 (written, then read back by splitk_reduce); at ~128
// flops of the GEMM per byte of memory traffic (H200: ~600 TFLOP/s against ~4.7 TB/s) they cost
// about 4 * 128 * s * tiles / programs steps of K. The rule takes the s of the least total (the
// smallest on a tie) if it saves at least 5% over one split: the model is rough (programs do not
// finish in lockstep), and with many waves of tiles the last one's idle share is small anyway.
// Each range keeps at least 4096 of K, so that the pipeline's fill and the tile's store stay small
// beside its loop, and s <= 8 bounds the workspace.
int TNLKernels::splitK(int64_t tiles, int64_t K, int64_t programs) {
  constexpr int64_t kMaxSplits = 8, kMinSplitK = 4096, kFlopsPerByte = 128;
  if (tiles <= 0 || programs <= 0)
    return 1;
  auto cost = [&](int64_t s) {
    return double(cdiv(tiles * s, programs)) * double(K) / double(s) +
           4.0 * kFlopsPerByte * double(s * tiles) / double(programs);
  };
  int64_t best = 1;
  for (int64_t s = 2; s <= kMaxSplits && K / s >= kMinSplitK; ++s)
    if (cost(s) < cost(best))
      best = s;
  return cost(best) < 0.95 * cost(1) ? int(best) : 1;
}

DevicePtr TNLKernels::workspace(size_t bytes) {
  if (workspace_.size() < bytes) {
    // Launches in flight may still use the old buffer; free it before allocating the larger one.
    ctx_.synchronize();
    workspace_ = DeviceBuffer();
    workspace_ = ctx_.alloc(bytes);
  }
  return workspace_.ptr();
}

void TNLKernels::gemm(const Mat &a, const Mat &b, const Mat &c, bool cF32, bool accumulate) {
  if (cF32) {
    // 128 x 256 partials: 144 KiB of shared memory and 189 registers a thread, one per SM.
    constexpr GemmTile kPartials{128, 256, 32, 8, 6};
    int splits = splitOverride_;
    if (splits < 0 && gpu_)
      splits = splitK(cdiv(c.rows, kPartials.rows) * cdiv(c.cols, kPartials.cols), a.cols,
                      ctx_.multiprocessorCount());
    if (splits > 0)
      return gemmSplitK(a, b, c, accumulate, splits,
                        gpu_ ? kPartials : gemmTile(c.rows, c.cols, true));
  }
  Scope s(*this, "gemm", cF32 ? "gemm, f32 out (weight gradients)" : "gemm, bf16 out");
  GemmTile t = gemmTile(c.rows, c.cols, cF32);
  ConstMap cm{{"BLOCK_M", t.rows},  {"BLOCK_N", t.cols},
              {"BLOCK_K", t.depth}, {"GROUP_M", gpu_ ? 8 : 1},
              {"ACCUMULATE", accumulate}, {"C_T", ConstValue::type(cF32 ? "f32" : "bf16")}};
  Kernel k = kernel(gemm_, "gemm", cm, t.stages, t.warps);
  k.launch(Grid(cdiv(c.rows, t.rows) * cdiv(c.cols, t.cols)), at(a), at(b), at(c), i32(c.rows),
           i32(c.cols), i32(a.cols), i32(a.rowStride), i32(a.colStride), i32(b.rowStride),
           i32(b.colStride), i32(c.rowStride), i32(c.colStride));
}

void TNLKernels::gemmSplitK(const Mat &a, const Mat &b, const Mat &c, bool accumulate, int splits,
                            const GemmTile &t) {
  const int64_t M = c.rows, N = c.cols;
  // One range that replaces c needs no partials: c is its only plane.
  const bool direct = splits == 1 && !accumulate;
  const DevicePtr ws = direct ? at(c) : workspace(size_t(splits) * size_t(M * N) * 4);
  {
    Scope s(*this, "gemm", "gemm, f32 split-K partials (weight gradients)");
    ConstMap cm{{"BLOCK_M", t.rows},  {"BLOCK_N", t.cols}, {"BLOCK_K", t.depth},
                {"GROUP_M", gpu_ ? 8 : 1}, {"SPLIT_K", splits}, {"C_T", ConstValue::type("f32")}};
    kernel(gemm_, "gemm", cm, t.stages, t.warps)
        .launch(Grid(cdiv(M, t.rows) * cdiv(N, t.cols), splits), at(a), at(b), ws, i32(M),
                i32(N), i32(a.cols), i32(a.rowStride), i32(a.colStride), i32(b.rowStride),
                i32(b.colStride), i32(direct ? c.rowStride : N), i32(direct ? c.colStride : 1));
  }
  if (direct)
    return;
  Scope s(*this, "gemm", "splitk_reduce (weight gradients)");
  // 8 rows of 256 (the interpreter: 32) f32: four 16-byte loads a thread per split.
  const int64_t rows = 8, cols = gpu_ ? 256 : 32;
  kernel(gemm_, "splitk_reduce",
         {{"BLOCK_M", rows}, {"BLOCK_N", cols}, {"SPLIT_K", splits}, {"ACCUMULATE", accumulate}})
      .launch(Grid(cdiv(M, rows), cdiv(N, cols)), ws, at(c), i32(M), i32(N), i32(c.rowStride),
              i32(c.colStride));
}

void TNLKernels::gemmResidual(const Mat &a, const Mat &b, const Mat &c, const Mat &r) {
  Scope s(*this, "gemm", "gemm_epilogue (+ residual)");
  GemmTile t = gemmTile(c.rows, c.cols, false);
  ConstMap cm{{"BLOCK_M", t.rows},  {"BLOCK_N", t.cols}, {"BLOCK_K", t.depth},
              {"GROUP_M", gpu_ ? 8 : 1}, {"RESIDUAL", true}};
  Kernel k = kernel(gemm_, "gemm_epilogue", cm, t.stages, t.warps);
  k.launch(Grid(cdiv(c.rows, t.rows) * cdiv(c.cols, t.cols)), at(a), at(b), at(c), at(r), i32(c.rows),
           i32(c.cols), i32(a.cols), i32(a.rowStride), i32(a.colStride), i32(b.rowStride),
           i32(b.colStride), i32(c.rowStride), i32(c.colStride), i32(r.rowStride),
           i32(r.colStride), 1.0f);
}

void TNLKernels::srmsnormFwd(DevicePtr x, DevicePtr y, DevicePtr rstd, int64_t rows, int64_t cols,
                             float eps) {
  Scope s(*this, "norm", "srmsnorm_fwd");
  kernel(srms_, "srmsnorm_fwd", {{"BLOCK", pow2AtLeast(cols)}})
      .launch(Grid(rows), x, y, rstd, i32(cols), eps);
}

void TNLKernels::srmsnormBwd(DevicePtr x, DevicePtr dy, DevicePtr rstd, DevicePtr dx,
                             int64_t rows, int64_t cols) {
  Scope s(*this, "norm", "srmsnorm_bwd");
  kernel(srms_, "srmsnorm_bwd", {{"BLOCK", pow2AtLeast(cols)}})
      .launch(Grid(rows), x, dy, rstd, dx, i32(cols));
}

void TNLKernels::srmsnormBwdAdd(DevicePtr x, DevicePtr dy, DevicePtr rstd, DevicePtr dres,
                                DevicePtr dx, int64_t rows, int64_t cols) {
  Scope s(*this, "norm", "srmsnorm_bwd_add");
  kernel(srms_, "srmsnorm_bwd_add", {{"BLOCK", pow2AtLeast(cols)}})
      .launch(Grid(rows), x, dy, rstd, dres, dx, i32(cols));
}

namespace {
// Tokens per program of the head layout changes: 32 rows of DH columns.
constexpr int64_t kHeadRows = 32;
} // namespace

void TNLKernels::headsSplit(DevicePtr x, int64_t xStride, DevicePtr y, int64_t b, int64_t H,
                            int64_t n, int64_t DH, bool silu) {
  Scope s(*this, "elementwise", "heads_split");
  kernel(heads_, "heads_split", {{"H", H}, {"DH", DH}, {"BLOCK_N", kHeadRows}, {"SILU", silu}})
      .launch(Grid(b * H, cdiv(n, kHeadRows)), x, y, i32(n), i32(xStride));
}

void TNLKernels::headsMerge(DevicePtr x, DevicePtr y, int64_t yStride, int64_t b, int64_t H,
                            int64_t n, int64_t DH, DevicePtr siluInput, int64_t pStride) {
  Scope s(*this, "elementwise", "heads_merge");
  const bool grad = siluInput.address != 0;
  kernel(heads_, "heads_merge",
         {{"H", H}, {"DH", DH}, {"BLOCK_N", kHeadRows}, {"SILU_GRAD", grad}})
      .launch(Grid(b * H, cdiv(n, kHeadRows)), x, grad ? siluInput : x, y, i32(n),
              i32(grad ? pStride : yStride), i32(yStride));
}

void TNLKernels::lrpeFwd(DevicePtr x, DevicePtr theta, DevicePtr out, int64_t b, int64_t H,
                         int64_t n, int64_t D, int64_t offset) {
  Scope s(*this, "elementwise", "lrpe_fwd");
  kernel(tnl_, "lrpe_fwd", {{"H", H}, {"D", D}, {"BLOCK_N", 16}})
      .launch(Grid(b * H, cdiv(n, 16)), x, theta, out, i32(n), i32(offset));
}

void TNLKernels::lrpeBwd(DevicePtr x, DevicePtr theta, DevicePtr dout, DevicePtr dx,
                         DevicePtr dtheta, int64_t b, int64_t H, int64_t n, int64_t D,
                         int64_t offset) {
  Scope s(*this, "elementwise", "lrpe_bwd");
  kernel(tnl_, "lrpe_bwd", {{"H", H}, {"D", D}, {"BLOCK_N", 16}})
      .launch(Grid(b * H, cdiv(n, 16)), x, theta, dout, dx, dtheta, i32(n), i32(offset));
}

void TNLKernels::gateNormFwd(const Mat &o, const Mat &u, const Mat &y, DevicePtr rstd, float eps) {
  Scope s(*this, "norm", "gate_norm_fwd");
  kernel(tnl_, "gate_norm_fwd", {{"BLOCK", pow2AtLeast(o.cols)}})
      .launch(Grid(o.rows), at(o), at(u), at(y), rstd, i32(o.cols), i32(o.rowStride),
              i32(u.rowStride), i32(y.rowStride), eps);
}

void TNLKernels::gateNormBwd(const Mat &o, const Mat &u, const Mat &dy, DevicePtr rstd,
                             const Mat &dO, const Mat &du) {
  Scope s(*this, "norm", "gate_norm_bwd");
  kernel(tnl_, "gate_norm_bwd", {{"BLOCK", pow2AtLeast(o.cols)}})
      .launch(Grid(o.rows), at(o), at(u), at(dy), rstd, at(dO), at(du), i32(o.cols),
              i32(o.rowStride), i32(u.rowStride), i32(dy.rowStride), i32(dO.rowStride),
              i32(du.rowStride));
}

void TNLKernels::sgluFwd(const Mat &a, const Mat &b, const Mat &o) {
  Scope s(*this, "elementwise", "sglu_fwd");
  const int64_t block = std::min<int64_t>(1024, pow2AtLeast(a.cols));
  kernel(tnl_, "sglu_fwd", {{"BLOCK", block}})
      .launch(Grid(a.rows, cdiv(a.cols, block)), at(a), at(b), at(o), i32(a.rows), i32(a.cols),
              i32(a.rowStride), i32(b.rowStride), i32(o.rowStride));
}

void TNLKernels::sgluBwd(const Mat &a, const Mat &b, const Mat &dO, const Mat &da, const Mat &db) {
  Scope s(*this, "elementwise", "sglu_bwd");
  const int64_t block = std::min<int64_t>(1024, pow2AtLeast(a.cols));
  kernel(tnl_, "sglu_bwd", {{"BLOCK", block}})
      .launch(Grid(a.rows, cdiv(a.cols, block)), at(a), at(b), at(dO), at(da), at(db),
              i32(a.rows), i32(a.cols), i32(a.rowStride), i32(b.rowStride), i32(dO.rowStride),
              i32(da.rowStride), i32(db.rowStride));
}

void TNLKernels::embeddingFwd(DevicePtr tokens, DevicePtr w, DevicePtr out, int64_t T, int64_t V,
                              int64_t D) {
  Scope s(*this, "embedding", "embedding_fwd");
  const int64_t block = std::min<int64_t>(1024, pow2AtLeast(D));
  kernel(emb_, "embedding_fwd", {{"BLOCK", block}})
      .launch(Grid(T, cdiv(D, block)), tokens, w, out, i32(V), i32(D));
}

void TNLKernels::embeddingBwd(DevicePtr tokens, DevicePtr dout, DevicePtr dw, int64_t T, int64_t V,
                              int64_t D) {
  Scope s(*this, "embedding", "embedding_bwd");
  const int64_t block = std::min<int64_t>(1024, pow2AtLeast(D));
  kernel(emb_, "embedding_bwd", {{"BLOCK", block}})
      .launch(Grid(T, cdiv(D, block)), tokens, dout, dw, i32(V), i32(D));
}

void TNLKernels::crossEntropy(const Mat &x, DevicePtr targets, const Mat &dx, DevicePtr losses,
                              float scale) {
  Scope s(*this, "loss", "xent_fwd_bwd");
  const int64_t block = std::min<int64_t>(gpu_ ? 2048 : 256, pow2AtLeast(x.cols));
  kernel(xent_, "xent_fwd_bwd", {{"BLOCK", block}})
      .launch(Grid(x.rows), at(x), targets, at(dx), losses, i32(x.cols), i32(x.rowStride),
              i32(dx.rowStride), scale);
}

void TNLKernels::lossSum(DevicePtr losses, DevicePtr out, int64_t n) {
  Scope s(*this, "loss", "loss_sum");
  kernel(xent_, "loss_sum", {{"BLOCK", 1024}}).launch(Grid(1), losses, out, i32(n));
}

void TNLKernels::argmax(const Mat &x, DevicePtr out) {
  Scope s(*this, "loss", "argmax_rows");
  const int64_t block = std::min<int64_t>(gpu_ ? 2048 : 256, pow2AtLeast(x.cols));
  kernel(xent_, "argmax_rows", {{"BLOCK", block}})
      .launch(Grid(x.rows), at(x), out, i32(x.cols), i32(x.rowStride));
}

void TNLKernels::adamw(DevicePtr p, DevicePtr g, DevicePtr m, DevicePtr v, DevicePtr out,
                       int64_t n, const AdamW &h) {
  Scope s(*this, "optimizer", "adamw_step");
  const bool bf16 = out.address != 0;
  kernel(adamw_, "adamw_step", {{"BLOCK", 1024}, {"WRITE_BF16", bf16}})
      .launch(Grid(cdiv(n, 1024)), p, g, m, v, bf16 ? out : p, i32(n), h.lr, h.b1, h.b2, h.eps,
              h.wd, h.bc1, h.bc2, h.gScale);
}

void TNLKernels::sumOfSquares(DevicePtr g, DevicePtr out, int64_t n) {
  Scope s(*this, "optimizer", "grad_sumsq");
  kernel(adamw_, "grad_sumsq", {{"BLOCK", 1024}}).launch(Grid(cdiv(n, 1024)), g, out, i32(n));
}

void TNLKernels::zero(DevicePtr p, int64_t n) {
  Scope s(*this, "optimizer", "fill_f32");
  kernel(fill_, "fill_f32", {{"BLOCK", 1024}})
      .launch(Grid(cdiv(n, 1024)), p, i32(n), int32_t(0), 0.0f, 0.0f);
}

} // namespace lacc::nn
