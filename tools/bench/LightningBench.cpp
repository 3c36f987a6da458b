//===- LightningBench.cpp - lightning attention at the ANCHORS.md shapes ---------===//
//
//   lacc-bench-lightning [--csv FILE] [--dims 128,64] [--ns 1024,...,65536] [--tokens T]
//                        [--heads H] [--dtype bf16|f16] [--no-decay] [--slice S] [--block B] [--warps W] [--stages S]
//                        [--multiprocessors N] [--segments N] [--pieces P] [--state-block B] [--no-tma]
//                        [--no-window] [--slope-scale X] [--target-ms MS] [--rounds R] [--smoke]
//
// Times lacc::ops::LightningAttention (forward, and forward + backward) at the shape family of
// the project's ANCHORS.md: b * n = T tokens (65536; b = T / n), h = 32 heads with TNL's slopes
// 2^(-8 i / h), d = e in --dims, n in --ns. Inputs are uniform random bf16 (or f16, --dtype)
// drawn on the device.
// For every shape it reports
//   - the median ms of the forward, of the backward and of forward + backward (DeviceTimer.h: CUDA
//     events, warm-up, L2 flushed before each run), and of those over --rounds R rounds (3; 2
//     with --smoke), each timing the whole family once in buffers of its own, so that one
//     shape's slow or fast process-level luck (clocks, where its buffers lie) does not decide
//     the comparison across n; then, per head dim, the spread across n of the forward and of
//     forward + backward (slowest / fastest - 1);
//   - TB/s: the bytes the kernels must move at least (each of q, k, v, o read or written once in
//     the forward; q, k, v, dO read and dq, dk, dv written once more in the backward), over the time;
//   - TFLOP/s: the tensor-core work of the blocked algorithm at the configuration's BLOCK B, per
//     token 2B(D + E) + 4DE in the forward (Q K^T, P V, Q S, K^T V over full blocks; the
//     backward's three sweeps do three times that), not counting what the E-slices recompute;
//   - peak memory of forward + backward: the runtime's allocation high-water mark
//     (Context::peakAllocatedBytes) over the shape's tensors and whatever the op allocates, i.e.
//     inputs, outputs, gradients and temporaries; the timer's L2-flush buffer is not counted;
//   - where the op cuts the sequences into segments (LightningAttention::segmentsFor), the
//     forward and the backward without them too, so that the rule can be judged;
//   - the largest ||x - ref|| / ||ref|| of o, dq, dk, dv over a few sampled (batch, head) slices
//     against the fp64 recurrent reference (kernels/reference/Lightning.h), computed on host
//     threads while the device is timed, in the first round (the inputs are the same in every
//     round). A shape whose error is not below 1e-2 FAILs.
// The configuration (slice, BLOCK, warps) comes from configFor() per shape; the flags override it.
// --multiprocessors sizes the op's segment rule for N SMs instead of the GPU's (to explore the
// rule, or to reach the segmented forward on the interpreter, which has none); --segments N cuts
// every sequence into N segments instead of the rule's, --pieces P each segment into P pieces
// for the own-state walks, --state-block B sets the block of those walks, --no-tma reads the
// forward's inputs with pointer loads (cp.async) on sm_90a too, --no-window walks every token
// for the states entering segments (LightningAttention::Options::window), --slope-scale X
// multiplies the slopes (TNL scales a layer's by 1 - layer / (layers - 1) + 1e-5: 1e-5 is its
// last layer's, with almost no decay).
// Writes a CSV (--csv) that tools/bench/lightning_sdpa.py extends with PyTorch's SDPA and plots.
// --smoke: tiny ragged shapes on the CPU interpreter (where there is no GPU), for CI.
//
//===----------------------------------------------------------------------===//

#include "kernels/reference/Lightning.h"
#include "lacc/ops/Lightning.h"
#include "tools/bench/BenchData.h"
#include "tools/bench/DeviceTimer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <vector>

using namespace lacc;
using namespace lacc::bench;
using ops::LightningAttention;
using ops::Tensor;

namespace {

struct Options {
  std::string csv;
  std::vector<int64_t> dims = {128, 64};
  std::vector<int64_t> ns = {1024, 2048, 4096, 8192, 16384, 32768, 65536};
  int64_t tokens = 65536, heads = 32;
  bool decay = true, smoke = false;
  DType dtype = DType::BF16; // of q, k, v, o and the gradients
  int slice = 0, block = 0, warps = 0, stages = 0; // 0: configFor's
  int multiprocessors = 0;             // the SM count the op's segment rule sizes for; 0: the GPU's
  int segments = 0;                    // segments per sequence; 0: the op's rule
  int pieces = 0;                      // own-state pieces per segment; 0: the op's rule
  bool tma = true;                     // the forward through the TMA (sm_90a)
  int stateBlock = 0;                  // block of the segment-state walks; 0: the op's
  bool window = true;                  // the segment-state walks leave out what decay forgot
  double slopeScale = 1;               // TNL's per-layer factor on the slopes
  double targetMs = 100;
  int rounds = 3; // times of the whole family; every time reported is the median over them
};

/// The configuration per shape: the op's defaults (the measured best, docs/benchmarks.md), or
/// what the flags say.
LightningAttention::Options configFor(int64_t /*dim*/, int64_t /*n*/, const Options &opt) {
  LightningAttention::Options c;
  c.decay = opt.decay;
  if (opt.slice)
    c.slice = opt.slice;
  if (opt.block)
    c.block = opt.block;
  if (opt.warps)
    c.numWarps = unsigned(opt.warps);
  if (opt.stages)
    c.numStages = unsigned(opt.stages);
  c.multiprocessors = opt.multiprocessors;
  c.segments = opt.segments;
  c.pieces = opt.pieces;
  c.tma = opt.tma;
  c.stateBlock = opt.stateBlock;
  c.window = opt.window;
  return c;
}

std::string configText(const LightningAttention &attn, int64_t D, int64_t E) {
  const LightningAttention::Options &c = attn.options();
  return "slice " + std::to_string(std::min(attn.sliceFor(D, E), std::max(D, E))) + " BLOCK " +
         std::to_string(c.block) + " w" + std::to_string(attn.warpsFor(D, E)) +
         (c.numStages ? " s" + std::to_string(c.numStages) : "") + (c.tma ? "" : " no-tma") +
         (c.window ? "" : " no-window");
}

/// One (batch, head) slice's inputs and outputs, read back for the fp64 check.
struct Slice {
  double lambda;
  std::vector<double> q, k, v, dO, o, dq, dk, dv;
};

/// The largest relative error per output (o, dq, dk, dv) over the slices; NaN wins.
std::vector<double> checkSlices(const std::vector<Slice> &slices, int64_t n, int64_t D,
                                int64_t E) {
  std::vector<std::future<std::vector<double>>> jobs;
  for (const Slice &s : slices)
    jobs.push_back(std::async(std::launch::async, [&s, n, D, E] {
      reference::LightningShape shape{1, int(n), int(D), int(E)};
      std::vector<double> lambda{s.lambda};
      auto o = reference::lightningForward(shape, lambda, s.q, s.k, s.v);
      auto g = reference::lightningBackward(shape, lambda, s.q, s.k, s.v, s.dO);
      return std::vector<double>{reference::relativeError(s.o, o),
                                 reference::relativeError(s.dq, g.dq),
                                 reference::relativeError(s.dk, g.dk),
                                 reference::relativeError(s.dv, g.dv)};
    }));
  std::vector<double> worst(4, 0.0);
  for (auto &job : jobs) {
    std::vector<double> e = job.get();
    for (size_t i = 0; i < 4; ++i)
      if (!std::isnan(worst[i]))
        worst[i] = std::isnan(e[i]) ? e[i] : std::max(worst[i], e[i]);
  }
  return worst;
}

struct Row {
  int64_t d, n, b;
  std::string config, status = "ok";
  double fwdMs = 0, bwdMs = 0, fwdBwdMs = 0, fwdBytes = 0, fwdBwdBytes = 0, fwdFlops = 0, fwdBwdFlops = 0;
  double peakGiB = 0, compileS = 0;
  // Where the op cut the sequences: the forward and the backward without segments.
  double fwdUnsegmentedMs = 0, bwdUnsegmentedMs = 0;
  std::vector<double> errors = std::vector<double>(4, NAN);
  int checked = 0;
};

/// Times one shape; with `check`, also checks its outputs against the fp64 reference (the
/// inputs are the same in every round: one check is enough).
Row runShape(Context &ctx, const Filler &fill, DeviceTimer &timer, int64_t D, int64_t n,
             const Options &opt, bool check) {
  const int64_t E = D, h = opt.heads, b = opt.tokens / n, bh = b * h;
  Row row{D, n, b};
  LightningAttention::Options cfg = configFor(D, n, opt);
  row.config = configText(LightningAttention(ctx, cfg), D, E);
  // Bytes at least moved: 2 per element of q, k, v, o (forward), and of dO, dq, dk, dv plus
  // q, k, v read again (backward).
  const double qkElems = double(bh) * n * D, voElems = double(bh) * n * E;
  row.fwdBytes = 2 * (2 * qkElems + 2 * voElems);
  row.fwdBwdBytes = row.fwdBytes + 2 * (4 * qkElems + 3 * voElems);
  const double B = cfg.block;
  row.fwdFlops = double(bh) * n * (2 * B * (D + E) + 4.0 * D * E);
  row.fwdBwdFlops = 4 * row.fwdFlops;

  // Everything of this shape is allocated after the reset: the peak is theirs.
  const size_t base = ctx.allocatedBytes();
  ctx.resetPeakAllocatedBytes();
  const size_t qkBytes = size_t(qkElems) * 2, voBytes = size_t(voElems) * 2;
  DeviceBuffer q = ctx.alloc(qkBytes), k = ctx.alloc(qkBytes), v = ctx.alloc(voBytes);
  DeviceBuffer dO = ctx.alloc(voBytes), o = ctx.alloc(voBytes), dq = ctx.alloc(qkBytes);
  DeviceBuffer dk = ctx.alloc(qkBytes), dv = ctx.alloc(voBytes);
  std::vector<float> slopes;
  for (int64_t i = 1; i <= h; ++i)
    slopes.push_back(float(opt.slopeScale) * std::exp2(-8.0f * float(i) / float(h)));
  DeviceBuffer slope = ctx.upload(slopes);
  fill.uniform(q, opt.dtype, int64_t(qkElems), 11, -1, 1);
  fill.uniform(k, opt.dtype, int64_t(qkElems), 12, -1, 1);
  fill.uniform(v, opt.dtype, int64_t(voElems), 13, -1, 1);
  fill.uniform(dO, opt.dtype, int64_t(voElems), 14, -1, 1);
  for (DeviceBuffer *out : {&o, &dq, &dk, &dv})
    out->fill(0xFF); // NaN: an element the kernels miss fails the check

  LightningAttention attn(ctx, cfg);
  const LightningAttention::Segments fwdCut = attn.segmentsFor(bh, n, D, E);
  const LightningAttention::Segments bwdCut = attn.segmentsFor(bh, n, D, E, /*backward=*/true);
  const int64_t segments = fwdCut.count, bwdSegments = bwdCut.count;
  if (segments > 1 || bwdSegments > 1)
    row.config += " segments " + std::to_string(segments) + "x" + std::to_string(fwdCut.pieces) +
                  " / " + std::to_string(bwdSegments) + "x" + std::to_string(bwdCut.pieces);
  const ops::DType t = opt.dtype == DType::F16 ? ops::DType::F16 : ops::DType::BF16;
  const std::vector<int64_t> shapeD{b, h, n, D}, shapeE{b, h, n, E};
  Tensor tq(q, shapeD, t), tk(k, shapeD, t), tv(v, shapeE, t), tdO(dO, shapeE, t);
  Tensor to(o, shapeE, t), tdq(dq, shapeD, t), tdk(dk, shapeD, t), tdv(dv, shapeE, t);
  auto forward = [&] { attn.forward(tq, tk, tv, slope, to); };
  auto backward = [&] { attn.backward(tq, tk, tv, tdO, slope, tdq, tdk, tdv); };

  auto t0 = std::chrono::steady_clock::now();
  forward(); // compiles (or finds in the disk cache) on first use
  backward();
  ctx.synchronize();
  row.compileS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Slices spread over batches and over heads from the strongest decay to the weakest; as many
  // as fit about 32K tokens of fp64 work (at least 2).
  const int64_t count =
      check ? std::min<int64_t>(bh, std::clamp<int64_t>(32768 / n, 2, 8)) : 0;
  std::vector<Slice> slices;
  for (int64_t i = 0; i < count; ++i) {
    int64_t batch = i * b / count, head = count > 1 ? i * (h - 1) / (count - 1) : h - 1;
    int64_t index = batch * h + head;
    Slice s;
    s.lambda = opt.decay ? std::exp(-double(slopes[head])) : 1.0;
    const DType t = opt.dtype;
    s.q = readBlock(q, t, index, n * D), s.k = readBlock(k, t, index, n * D);
    s.v = readBlock(v, t, index, n * E), s.dO = readBlock(dO, t, index, n * E);
    s.o = readBlock(o, t, index, n * E), s.dq = readBlock(dq, t, index, n * D);
    s.dk = readBlock(dk, t, index, n * D), s.dv = readBlock(dv, t, index, n * E);
    slices.push_back(std::move(s));
  }
  row.checked = int(count);
  // The host checks while the device is timed.
  std::future<std::vector<double>> errors;
  if (check)
    errors = std::async(std::launch::async, checkSlices, std::cref(slices), n, D, E);
  row.fwdMs = timer.time(forward).medianMs;
  row.bwdMs = timer.time(backward).medianMs;
  row.fwdBwdMs = timer.time([&] {
    forward();
    backward();
  }).medianMs;
  row.peakGiB = double(ctx.peakAllocatedBytes() - base) / double(1ull << 30);
  if (segments > 1 || bwdSegments > 1) {
    // The same forward and backward in one walk per program, to judge the segment rule by.
    LightningAttention::Options whole = cfg;
    whole.segments = 1;
    LightningAttention unsegmented(ctx, whole);
    row.fwdUnsegmentedMs = timer.time([&] { unsegmented.forward(tq, tk, tv, slope, to); }).medianMs;
    row.bwdUnsegmentedMs =
        timer.time([&] { unsegmented.backward(tq, tk, tv, tdO, slope, tdq, tdk, tdv); }).medianMs;
  }
  if (!check)
    return row;
  row.errors = errors.get();
  for (size_t i = 0; i < 4; ++i)
    if (!(row.errors[i] < 1e-2)) {
      static const char *names[] = {"o", "dq", "dk", "dv"};
      row.status = std::string("FAIL: ") + names[i] + " error " + std::to_string(row.errors[i]);
      break;
    }
  return row;
}

/// One shape over the rounds: the median of each time, the largest peak, the first round's
/// errors (it checked them) and first-run time, the first status that is not "ok".
Row medianOf(const std::vector<Row> &rounds) {
  Row r = rounds.front();
  auto median = [&](double Row::*field) {
    std::vector<double> v;
    for (const Row &x : rounds)
      v.push_back(x.*field);
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  };
  for (double Row::*field : {&Row::fwdMs, &Row::bwdMs, &Row::fwdBwdMs, &Row::fwdUnsegmentedMs,
                             &Row::bwdUnsegmentedMs})
    r.*field = median(field);
  for (const Row &x : rounds) {
    r.peakGiB = std::max(r.peakGiB, x.peakGiB);
    if (r.status == "ok")
      r.status = x.status;
  }
  return r;
}

void printRow(const Row &r, const Options &opt, std::FILE *csv) {
  const int64_t D = r.d, n = r.n;
  auto per = [](double amount, double ms) { return ms > 0 ? amount / (ms * 1e-3) : 0.0; };
  // A time with `digits` decimals, empty where not measured.
  auto msText = [](double ms, int digits) {
    char text[32] = "";
    if (ms > 0)
      std::snprintf(text, sizeof text, "%.*f", digits, ms);
    return std::string(text);
  };
  const std::string unsegmented =
      r.fwdUnsegmentedMs > 0 ? msText(r.fwdUnsegmentedMs, 3) + " / " + msText(r.bwdUnsegmentedMs, 3)
                             : "-";
  std::printf("| %lld | %lld | %lld | %s | %.3f | %.3f | %.3f | %s | %.2f | %.2f | %.1f | %.1f | "
              "%.2f | %.1e / %.1e / %.1e / %.1e | %.2f | %s |\n",
              (long long)D, (long long)n, (long long)r.b, r.config.c_str(), r.fwdMs, r.bwdMs,
              r.fwdBwdMs, unsegmented.c_str(), per(r.fwdBytes, r.fwdMs) / 1e12,
              per(r.fwdBwdBytes, r.fwdBwdMs) / 1e12, per(r.fwdFlops, r.fwdMs) / 1e12,
              per(r.fwdBwdFlops, r.fwdBwdMs) / 1e12, r.peakGiB, r.errors[0], r.errors[1],
              r.errors[2], r.errors[3], r.compileS, r.status.c_str());
  std::fflush(stdout);
  if (!csv)
    return;
  std::fprintf(csv, "lacc,%s,%lld,%lld,%lld,%lld,%lld,%s,%.6f,%.6f,%.4f,%.4f,%.3f,%.3f,"
                    "%.6e,%.6e,%.6f,lacc allocation high-water mark,%.3e,%.3e,%.3e,%.3e,"
                    "%d,%s,%.6f,%s,\"%s\"\n",
               dtypeName(opt.dtype), (long long)D, (long long)n, (long long)r.b,
               (long long)opt.heads, (long long)opt.tokens, r.config.c_str(), r.fwdMs, r.fwdBwdMs,
               per(r.fwdBytes, r.fwdMs) / 1e12, per(r.fwdBwdBytes, r.fwdBwdMs) / 1e12,
               per(r.fwdFlops, r.fwdMs) / 1e12, per(r.fwdBwdFlops, r.fwdBwdMs) / 1e12,
               per(double(opt.tokens), r.fwdMs), per(double(opt.tokens), r.fwdBwdMs), r.peakGiB,
               r.errors[0], r.errors[1], r.errors[2], r.errors[3], r.checked,
               msText(r.fwdUnsegmentedMs, 6).c_str(), r.bwdMs,
               msText(r.bwdUnsegmentedMs, 6).c_str(), r.status.c_str());
  std::fflush(csv);
}

int run(Options opt) {
  ContextOptions contextOptions;
  Context ctx = opt.smoke ? Context::gpuOrInterpreter(contextOptions) : Context(contextOptions);
  if (!opt.smoke && ctx.interpreting()) {
    std::fprintf(stderr, "lacc-bench-lightning: needs a GPU (--smoke runs tiny sizes anywhere)\n");
    return 1;
  }
  Filler fill(ctx);
  DeviceTimer timer(ctx, fill, benchTimerOptions(opt.smoke, opt.targetMs));

  std::FILE *csv = opt.csv.empty() ? nullptr : std::fopen(opt.csv.c_str(), "w");
  if (!opt.csv.empty() && !csv) {
    std::fprintf(stderr, "lacc-bench-lightning: cannot write %s\n", opt.csv.c_str());
    return 1;
  }
  if (csv)
    std::fprintf(csv, "system,dtype,d,n,batch,heads,tokens,config,fwd_ms,fwd_bwd_ms,fwd_tb_s,"
                      "fwd_bwd_tb_s,fwd_tflop_s,fwd_bwd_tflop_s,fwd_tokens_s,fwd_bwd_tokens_s,"
                      "peak_gib,peak_measure,err_o,err_dq,err_dk,err_dv,checked_slices,fwd_ms_unsegmented,"
                      "bwd_ms,bwd_ms_unsegmented,status\n");
  std::printf("lightning attention on %s: b * n = %lld tokens, h = %lld, d = e, %s, %s\n\n",
              ctx.interpreting() ? "the CPU interpreter" : ctx.deviceName().c_str(),
              (long long)opt.tokens, (long long)opt.heads, dtypeName(opt.dtype),
              opt.decay ? "per-head decay" : "no decay");
  std::printf("| d | n | b | config | fwd ms | bwd ms | fwd+bwd ms | unsegmented fwd / bwd ms | "
              "fwd TB/s | fwd+bwd TB/s | fwd TFLOP/s | fwd+bwd TFLOP/s | peak GiB | "
              "err o / dq / dk / dv | first run s | status |\n"
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  bool allOk = true;
  for (int64_t D : opt.dims) {
    // Every round times the whole family once, each shape in buffers of its own.
    std::vector<std::vector<Row>> rounds(opt.ns.size());
    for (int round = 0; round < opt.rounds; ++round)
      for (size_t i = 0; i < opt.ns.size(); ++i) {
        const int64_t n = opt.ns[i];
        Row r;
        try {
          r = runShape(ctx, fill, timer, D, n, opt, /*check=*/round == 0);
        } catch (const Error &e) {
          std::string what = e.what();
          r = Row{D, n, opt.tokens / n};
          r.status = "error: " + what.substr(0, what.find('\n'));
        }
        rounds[i].push_back(std::move(r));
      }
    double fwdLow = INFINITY, fwdHigh = 0, bothLow = INFINITY, bothHigh = 0;
    for (const std::vector<Row> &shape : rounds) {
      const Row r = medianOf(shape);
      allOk &= r.status == "ok";
      fwdLow = std::min(fwdLow, r.fwdMs), fwdHigh = std::max(fwdHigh, r.fwdMs);
      bothLow = std::min(bothLow, r.fwdBwdMs), bothHigh = std::max(bothHigh, r.fwdBwdMs);
      printRow(r, opt, csv);
    }
    if (opt.ns.size() > 1)
      std::printf("\nd = %lld, spread across n (slowest / fastest - 1, of the medians): forward "
                  "%.1f%%, forward + backward %.1f%%\n\n",
                  (long long)D, 100 * (fwdHigh / fwdLow - 1), 100 * (bothHigh / bothLow - 1));
  }
  if (csv)
    std::fclose(csv);
  std::printf("\n%s\n", allOk ? "ALL OK: every shape ran, every error below 1e-2"
                              : "SOME FAILED");
  return allOk ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  const char *usage =
      "usage: lacc-bench-lightning [--csv FILE] [--dims 128,64] [--ns 1024,...] [--tokens T] "
      "[--heads H] [--dtype bf16|f16] [--no-decay] [--slice S] [--block B] [--warps W] [--stages S] [--multiprocessors N] [--segments N] [--pieces P] [--state-block B] [--no-tma] "
      "[--no-window] [--slope-scale X] [--target-ms MS] [--rounds R] [--smoke]\n";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lacc-bench-lightning: %s needs a value\n%s", arg.c_str(), usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--smoke") {
      // Ragged n (not a multiple of BLOCK), two head dims, two heads of different decay.
      opt.smoke = true;
      opt.dims = {32, 16};
      opt.ns = {65, 130};
      opt.tokens = 260;
      opt.heads = 2;
      opt.rounds = 2;
    } else if (arg == "--csv")
      opt.csv = value();
    else if (arg == "--dims")
      opt.dims = parseList(value());
    else if (arg == "--ns")
      opt.ns = parseList(value());
    else if (arg == "--tokens")
      opt.tokens = std::atoll(value().c_str());
    else if (arg == "--heads")
      opt.heads = std::atoll(value().c_str());
    else if (arg == "--dtype") {
      std::string t = value();
      if (t != "bf16" && t != "f16") {
        std::fprintf(stderr, "lacc-bench-lightning: --dtype must be bf16 or f16\n");
        return 2;
      }
      opt.dtype = t == "f16" ? DType::F16 : DType::BF16;
    } else if (arg == "--no-decay")
      opt.decay = false;
    else if (arg == "--slice")
      opt.slice = std::atoi(value().c_str());
    else if (arg == "--block")
      opt.block = std::atoi(value().c_str());
    else if (arg == "--warps")
      opt.warps = std::atoi(value().c_str());
    else if (arg == "--stages")
      opt.stages = std::atoi(value().c_str());
    else if (arg == "--multiprocessors")
      opt.multiprocessors = std::atoi(value().c_str());
    else if (arg == "--segments")
      opt.segments = std::atoi(value().c_str());
    else if (arg == "--pieces")
      opt.pieces = std::atoi(value().c_str());
    else if (arg == "--no-tma")
      opt.tma = false;
    else if (arg == "--no-window")
      opt.window = false;
    else if (arg == "--slope-scale")
      opt.slopeScale = std::atof(value().c_str());
    else if (arg == "--state-block")
      opt.stateBlock = std::atoi(value().c_str());
    else if (arg == "--target-ms")
      opt.targetMs = std::atof(value().c_str());
    else if (arg == "--rounds")
      opt.rounds = std::atoi(value().c_str());
    else {
      std::fprintf(stderr, "lacc-bench-lightning: unknown argument '%s'\n%s", arg.c_str(), usage);
      return 2;
    }
  }
  if (opt.heads < 1 || opt.tokens < 1 || opt.rounds < 1 || opt.dims.empty() || opt.ns.empty()) {
    std::fprintf(stderr, "lacc-bench-lightning: need --heads, --tokens, --rounds >= 1 and shapes\n%s",
                 usage);
    return 2;
  }
  for (int64_t n : opt.ns)
    if (n < 1 || opt.tokens % n) {
      std::fprintf(stderr, "lacc-bench-lightning: every n must divide --tokens = %lld (got %lld)\n",
                   (long long)opt.tokens, (long long)n);
      return 2;
    }
  try {
    return run(opt);
  } catch (const Error &e) {
    std::fprintf(stderr, "lacc-bench-lightning: %s\n", e.what());
    return 1;
  }
}
