//===- lightning.cpp - lightning attention end to end ---------------------===//
//
//   lacc-lightning [--device=auto|gpu|cpu] [--batch=B] [--heads=H] [--n=N] [--dim=D]
//                  [--dtype=bf16|f16] [--no-decay] [--repeat=R] [--kernels=DIR]
//                  [--slice=S] [--block=B] [--warps=W] [--stages=S]   (the op's Options: slice
//                  of a head dim per program, BLOCK, num_warps and num_stages; default 64, 64,
//                  4 and the compiler's 3)
//
// Runs lightning attention forward and backward through lacc::ops::LightningAttention
// (kernels/lightning_{fwd,bwd}.tile: the copies built into the program, or DIR's) on random
// data: on the GPU (JIT compile, cache, launch) or, with
// --device=cpu or where there is no GPU, on the CPU interpreter at a small
// size. Prints each output's error against the fp64 recurrent reference (on up to 16
// evenly spaced (batch, head) slices: it runs on one CPU core) and
// the median time of R runs (CUDA events on the GPU, after a warm-up run).
//
//===----------------------------------------------------------------------===//

#include "kernels/reference/Lightning.h"
#include "lacc/Runtime.h"
#include "lacc/ops/Lightning.h"
#include "runtime/interp/Numerics.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;
using Bits = std::vector<uint16_t>; // bf16 or f16 elements
using lacc::ops::DType;
using lacc::ops::LightningAttention;
using lacc::ops::Tensor;
namespace num = lacc::interp::num;

struct Options {
  std::string device = "auto";
  int batch = 0, heads = 0, n = 0, dim = 0, repeat = 10;
  int slice = 0, block = 0, warps = 0, stages = 0; // 0: the op's defaults
  bool decay = true;
  DType dtype = DType::BF16;
  std::string kernels; // empty: the kernels built into the program
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double toDouble(DType t, uint16_t x) {
  return t == DType::F16 ? num::halfBitsToFloat(x) : num::bf16BitsToFloat(x);
}

std::vector<double> toDouble(DType t, const Bits &v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = toDouble(t, v[i]);
  return out;
}

/// The problem: inputs of the element type and their exact values for the reference.
struct Problem {
  int bh, n, D, E, H;
  DType dtype;
  Bits q, k, v, dO;
  std::vector<double> qd, kd, vd, dOd, lambda;
  std::vector<float> slope;

  Problem(int batch, int heads, int n, int dim, bool decay, DType dtype)
      : bh(batch * heads), n(n), D(dim), E(dim), H(heads), dtype(dtype) {
    std::mt19937 rng(2026);
    std::normal_distribution<float> dist;
    auto fill = [&](Bits &out, std::vector<double> &exact, size_t count) {
      out.resize(count);
      exact.resize(count);
      for (size_t i = 0; i < count; ++i) {
        float x = dist(rng);
        out[i] = dtype == DType::F16 ? num::floatToHalfBits(x) : num::floatToBF16Bits(x);
        exact[i] = toDouble(dtype, out[i]);
      }
    };
    fill(q, qd, size_t(bh) * n * D);
    fill(k, kd, size_t(bh) * n * D);
    fill(v, vd, size_t(bh) * n * E);
    fill(dO, dOd, size_t(bh) * n * E);
    // TNL's per-head slopes for layer 0: s_h = 2^(-8h/H).
    for (int h = 1; h <= heads; ++h)
      slope.push_back(std::exp2(-8.0f * h / heads));
    for (int i = 0; i < bh; ++i)
      lambda.push_back(decay ? std::exp(-double(slope[i % heads])) : 1.0);
  }
};

struct Outputs {
  Bits o, dq, dk, dv;
  double fwdMs = 0, bwdMs = 0;
};

/// The op's configuration from the flags (0: the op's default).
LightningAttention::Options opConfig(const Options &opt) {
  LightningAttention::Options o;
  o.decay = opt.decay;
  o.kernelDir = opt.kernels;
  if (opt.slice)
    o.slice = opt.slice;
  if (opt.block)
    o.block = opt.block;
  if (opt.warps)
    o.numWarps = unsigned(opt.warps);
  if (opt.stages)
    o.numStages = unsigned(opt.stages);
  return o;
}

//===----------------------------------------------------------------------===//
// The run: the same calls on the GPU and on the interpreter
//===----------------------------------------------------------------------===//

Outputs run(lacc::Context &ctx, Problem &p, const LightningAttention::Options &config,
            int repeat) {
  LightningAttention attn(ctx, config);
  lacc::DeviceBuffer q = ctx.upload(p.q), k = ctx.upload(p.k), v = ctx.upload(p.v);
  lacc::DeviceBuffer dO = ctx.upload(p.dO), slope = ctx.upload(p.slope);
  lacc::DeviceBuffer o = ctx.alloc(p.v.size() * 2), dqB = ctx.alloc(p.q.size() * 2);
  lacc::DeviceBuffer dkB = ctx.alloc(p.k.size() * 2), dvB = ctx.alloc(p.v.size() * 2);
  for (lacc::DeviceBuffer *b : {&o, &dqB, &dkB, &dvB})
    b->fill(0xff); // NaN: an element a kernel fails to write is caught

  const int64_t b = p.bh / p.H;
  const std::vector<int64_t> shapeD{b, p.H, p.n, p.D}, shapeE{b, p.H, p.n, p.E};
  Tensor tq(q, shapeD, p.dtype), tk(k, shapeD, p.dtype), tv(v, shapeE, p.dtype);
  Tensor tdO(dO, shapeE, p.dtype), to(o, shapeE, p.dtype), tdq(dqB, shapeD, p.dtype);
  Tensor tdk(dkB, shapeD, p.dtype), tdv(dvB, shapeE, p.dtype);
  auto forward = [&] { attn.forward(tq, tk, tv, slope, to); };
  auto backward = [&] { attn.backward(tq, tk, tv, tdO, slope, tdq, tdk, tdv); };
  // On the GPU, CUDA events around the launches (after a warm-up run); on the interpreter, the
  // wall clock.
  bool onGpu = ctx.hasDevice();
  auto time = [&](const std::function<void()> &f) {
    std::vector<double> runs;
    if (onGpu) {
      f();
      lacc::Event start = ctx.event(), stop = ctx.event();
      for (int i = 0; i < repeat; ++i) {
        start.record(config.stream);
        f();
        stop.record(config.stream);
        runs.push_back(stop.msSince(start));
      }
      return median(runs);
    }
    for (int i = 0; i < repeat; ++i) {
      auto start = Clock::now();
      f();
      ctx.synchronize();
      runs.push_back(ms(Clock::now() - start));
    }
    return median(runs);
  };
  auto compileStart = Clock::now();
  forward(); // first launches: compile (or load from the disk cache), then run
  backward();
  ctx.synchronize();
  std::printf("  first launches (compile or disk cache + run): %.1f ms\n",
              ms(Clock::now() - compileStart));
  Outputs out;
  out.fwdMs = time(forward);
  out.bwdMs = time(backward);
  out.o = o.download<uint16_t>();
  out.dq = dqB.download<uint16_t>();
  out.dk = dkB.download<uint16_t>();
  out.dv = dvB.download<uint16_t>();
  return out;
}

bool parseInt(const char *arg, const char *name, int &out) {
  size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0 || arg[len] != '=')
    return false;
  out = std::atoi(arg + len + 1);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    if (std::strncmp(a, "--device=", 9) == 0)
      opt.device = a + 9;
    else if (std::strncmp(a, "--kernels=", 10) == 0)
      opt.kernels = a + 10;
    else if (std::strcmp(a, "--dtype=bf16") == 0)
      opt.dtype = DType::BF16;
    else if (std::strcmp(a, "--dtype=f16") == 0)
      opt.dtype = DType::F16;
    else if (std::strcmp(a, "--no-decay") == 0)
      opt.decay = false;
    else if (!parseInt(a, "--batch", opt.batch) && !parseInt(a, "--heads", opt.heads) &&
             !parseInt(a, "--n", opt.n) && !parseInt(a, "--dim", opt.dim) &&
             !parseInt(a, "--repeat", opt.repeat) && !parseInt(a, "--slice", opt.slice) &&
             !parseInt(a, "--block", opt.block) && !parseInt(a, "--warps", opt.warps) &&
             !parseInt(a, "--stages", opt.stages)) {
      std::fprintf(stderr, "lacc-lightning: unknown argument '%s'\n"
                           "usage: lacc-lightning [--device=auto|gpu|cpu] [--batch=B] "
                           "[--heads=H] [--n=N] [--dim=D] [--dtype=bf16|f16] [--no-decay] "
                           "[--repeat=R] "
                           "[--kernels=DIR] [--slice=S] [--block=B] [--warps=W] [--stages=S]\n", a);
      return 2;
    }
  }
  if (opt.device != "auto" && opt.device != "gpu" && opt.device != "cpu") {
    std::fprintf(stderr, "lacc-lightning: --device must be auto, gpu or cpu\n");
    return 2;
  }
  if (opt.repeat < 1) {
    std::fprintf(stderr, "lacc-lightning: --repeat must be at least 1\n");
    return 2;
  }
  try {
    lacc::ContextOptions options;
    if (opt.device != "auto")
      options.interpret = opt.device == "cpu";
    lacc::Context ctx = opt.device == "auto" ? lacc::Context::gpuOrInterpreter(options)
                                             : lacc::Context(options);
    bool gpu = ctx.hasDevice();
    if (!gpu && opt.device == "auto")
      std::printf("no GPU here: running on the CPU interpreter at a small size\n");
    // Defaults: a real workload on the GPU, a few seconds on the interpreter.
    int batch = opt.batch ? opt.batch : (gpu ? 4 : 1);
    int heads = opt.heads ? opt.heads : (gpu ? 8 : 2);
    int n = opt.n ? opt.n : (gpu ? 4096 : 256);
    int dim = opt.dim ? opt.dim : (gpu ? 128 : 64);
    if (dim < 16 || dim > 256 || (dim & (dim - 1)) || n < 1 || batch < 1 || heads < 1) {
      std::fprintf(stderr, "lacc-lightning: need n >= 1, batch, heads >= 1, dim a power of two in 16..256\n");
      return 2;
    }
    Problem p(batch, heads, n, dim, opt.decay, opt.dtype);
    std::printf("lightning attention %s: batch %d, heads %d, n %d, d = e = %d, %s, %s\n",
                opt.decay ? "with per-head decay" : "without decay", batch, heads, n, dim,
                opt.dtype == DType::F16 ? "f16" : "bf16",
                gpu ? ("GPU " + ctx.deviceName() + " (" + ctx.arch() + ")").c_str()
                    : "CPU interpreter");
    LightningAttention::Options config = opConfig(opt);
    LightningAttention chosen(ctx, config);
    std::printf("  kernels: slice %lld, BLOCK %d, num_warps %u, num_stages %s\n",
                (long long)std::min<int64_t>(dim, chosen.sliceFor(dim, dim)), config.block,
                chosen.warpsFor(dim, dim),
                config.numStages ? std::to_string(config.numStages).c_str() : "per shape");
    Outputs out = run(ctx, p, config, opt.repeat);

    // The fp64 reference walks the sequence in order on one CPU core: at large sizes it is
    // checked on an evenly spaced sample of (batch, head) slices.
    const int kMaxChecked = 16;
    std::vector<int> checked;
    for (int i = 0; i < std::min(p.bh, kMaxChecked); ++i)
      checked.push_back(int(int64_t(i) * p.bh / std::min(p.bh, kMaxChecked)));
    auto sample = [&](const auto &full, int width) {
      std::vector<double> out;
      for (int bh : checked)
        for (size_t j = 0; j < size_t(p.n) * width; ++j)
          out.push_back(double(full[size_t(bh) * p.n * width + j]));
      return out;
    };
    auto sampleOut = [&](const Bits &full, int width) {
      return sample(toDouble(p.dtype, full), width);
    };
    std::vector<double> lambda;
    for (int bh : checked)
      lambda.push_back(p.lambda[bh]);
    auto refStart = Clock::now();
    lacc::reference::LightningShape shape{int(checked.size()), p.n, p.D, p.E};
    std::vector<double> qd = sample(p.qd, p.D), kd = sample(p.kd, p.D), vd = sample(p.vd, p.E),
                        dOd = sample(p.dOd, p.E);
    auto o = lacc::reference::lightningForward(shape, lambda, qd, kd, vd);
    auto grads = lacc::reference::lightningBackward(shape, lambda, qd, kd, vd, dOd);
    double refMs = ms(Clock::now() - refStart);
    double errs[4] = {lacc::reference::relativeError(sampleOut(out.o, p.E), o),
                      lacc::reference::relativeError(sampleOut(out.dq, p.D), grads.dq),
                      lacc::reference::relativeError(sampleOut(out.dk, p.D), grads.dk),
                      lacc::reference::relativeError(sampleOut(out.dv, p.E), grads.dv)};
    std::printf("  forward  %9.3f ms (median)   |o - ref|/|ref| = %.2e\n", out.fwdMs, errs[0]);
    std::printf("  backward %9.3f ms (median)   dq %.2e, dk %.2e, dv %.2e\n", out.bwdMs, errs[1],
                errs[2], errs[3]);
    std::printf("  fp64 recurrent reference on the CPU (%zu of %d (batch, head) slices): %.0f ms\n",
                checked.size(), p.bh, refMs);
    const double bar = 1e-2;
    bool ok = true;
    for (double e : errs)
      ok &= e < bar; // also false for NaN
    std::printf("%s: every error %s %.0e\n", ok ? "OK" : "FAILED", ok ? "below" : "NOT below", bar);
    return ok ? 0 : 1;
  } catch (const lacc::Error &e) {
    std::fprintf(stderr, "lacc-lightning: %s\n", e.what());
    return 1;
  }
}
