//===- lightning.cpp - lightning attention end to end ---------------------===//
//
//   lacc-lightning [--device=auto|gpu|cpu] [--batch=B] [--heads=H] [--n=N] [--dim=D]
//                  [--no-decay] [--repeat=R] [--kernels=DIR]
//                  [--slice=S] [--block=B] [--warps=W]   (the kernels' BLOCK_E / BLOCK_D,
//                  BLOCK and num_warps; default min(dim, 32), 64 and the kernels' own)
//
// Runs kernels/lightning_fwd.tile and kernels/lightning_bwd.tile (the copies
// built into the program, or DIR's) on random bf16 data through the runtime:
// the same launches on the GPU (JIT compile, cache, launch) or, with
// --device=cpu or where there is no GPU, on the CPU interpreter at a small
// size. Prints each output's error against the fp64 recurrent reference (on up to 16
// evenly spaced (batch, head) slices: it runs on one CPU core) and
// the median time of R runs (CUDA events on the GPU, after a warm-up run).
//
//===----------------------------------------------------------------------===//

#include "kernels/reference/Lightning.h"
#include "lacc/Runtime.h"
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
using BF16 = std::vector<uint16_t>;

struct Options {
  std::string device = "auto";
  int batch = 0, heads = 0, n = 0, dim = 0, repeat = 10;
  int slice = 0, block = 64, warps = 0; // 0: min(dim, 32); the kernels' num_warps
  bool decay = true;
  std::string kernels; // empty: the kernels built into the program
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// The problem: bf16 inputs and their exact values for the reference.
struct Problem {
  int bh, n, D, E, H;
  BF16 q, k, v, dO;
  std::vector<double> qd, kd, vd, dOd, lambda;
  std::vector<float> slope;

  int sliceWidth, block;

  Problem(int batch, int heads, int n, int dim, bool decay, int sliceWidth, int block)
      : bh(batch * heads), n(n), D(dim), E(dim), H(heads), sliceWidth(sliceWidth), block(block) {
    std::mt19937 rng(2026);
    std::normal_distribution<float> dist;
    auto fill = [&](BF16 &out, std::vector<double> &exact, size_t count) {
      out.resize(count);
      exact.resize(count);
      for (size_t i = 0; i < count; ++i) {
        out[i] = lacc::interp::num::floatToBF16Bits(dist(rng));
        exact[i] = lacc::interp::num::bf16BitsToFloat(out[i]);
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
  int slice(int dim) const { return sliceWidth ? std::min(dim, sliceWidth) : std::min(dim, 32); }
  lacc::ConstMap constants(const char *sliceName, int sliceValue, bool decay) const {
    return {{"H", H}, {"D", D}, {"E", E}, {"BLOCK", block}, {sliceName, sliceValue}, {"DECAY", decay}};
  }
};

struct Outputs {
  BF16 o, dq, dk, dv;
  double fwdMs = 0, bwdMs = 0;
};

std::vector<double> toDouble(const BF16 &v) {
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = lacc::interp::num::bf16BitsToFloat(v[i]);
  return out;
}

//===----------------------------------------------------------------------===//
// The run: the same launches on the GPU and on the interpreter
//===----------------------------------------------------------------------===//

Outputs run(lacc::Context &ctx, Problem &p, const Options &opt) {
  auto load = [&](const std::string &file) {
    return opt.kernels.empty() ? ctx.loadEmbedded(file) : ctx.loadFile(opt.kernels + "/" + file);
  };
  lacc::Module fwdMod = load("lightning_fwd.tile");
  lacc::Module bwdMod = load("lightning_bwd.tile");
  lacc::KernelOptions kopt;
  kopt.numWarps = static_cast<unsigned>(opt.warps);
  lacc::Kernel fwd = fwdMod.kernel("lightning_fwd", p.constants("BLOCK_E", p.slice(p.E), opt.decay), kopt);
  lacc::Kernel dq = bwdMod.kernel("lightning_bwd_dq", p.constants("BLOCK_D", p.slice(p.D), opt.decay), kopt);
  lacc::Kernel dk = bwdMod.kernel("lightning_bwd_dk", p.constants("BLOCK_D", p.slice(p.D), opt.decay), kopt);
  lacc::Kernel dv = bwdMod.kernel("lightning_bwd_dv", p.constants("BLOCK_E", p.slice(p.E), opt.decay), kopt);

  lacc::DeviceBuffer q = ctx.upload(p.q), k = ctx.upload(p.k), v = ctx.upload(p.v);
  lacc::DeviceBuffer dO = ctx.upload(p.dO), slope = ctx.upload(p.slope);
  lacc::DeviceBuffer o = ctx.alloc(p.v.size() * 2), dqB = ctx.alloc(p.q.size() * 2);
  lacc::DeviceBuffer dkB = ctx.alloc(p.k.size() * 2), dvB = ctx.alloc(p.v.size() * 2);
  for (lacc::DeviceBuffer *b : {&o, &dqB, &dkB, &dvB})
    b->fill(0xff); // NaN: an element a kernel fails to write is caught

  int n = p.n;
  auto forward = [&] {
    // No STATE_IN/STATE_OUT: s_in and s_out are not read or written (slope stands in).
    fwd.launch(lacc::Grid(p.E / p.slice(p.E), p.bh), q, k, v, o, slope, n, slope, slope);
  };
  auto backward = [&] {
    dq.launch(lacc::Grid(p.D / p.slice(p.D), p.bh), k, v, dO, dqB, slope, n);
    dk.launch(lacc::Grid(p.D / p.slice(p.D), p.bh), q, v, dO, dkB, slope, n);
    dv.launch(lacc::Grid(p.E / p.slice(p.E), p.bh), q, k, dO, dvB, slope, n);
  };
  // On the GPU, CUDA events around the launches (after a warm-up run); on the interpreter, the
  // wall clock.
  bool onGpu = ctx.hasDevice();
  auto time = [&](const std::function<void()> &f) {
    std::vector<double> runs;
    if (onGpu) {
      f();
      lacc::Event start = ctx.event(), stop = ctx.event();
      for (int i = 0; i < opt.repeat; ++i) {
        start.record();
        f();
        stop.record();
        runs.push_back(stop.msSince(start));
      }
      return median(runs);
    }
    for (int i = 0; i < opt.repeat; ++i) {
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
    else if (std::strcmp(a, "--no-decay") == 0)
      opt.decay = false;
    else if (!parseInt(a, "--batch", opt.batch) && !parseInt(a, "--heads", opt.heads) &&
             !parseInt(a, "--n", opt.n) && !parseInt(a, "--dim", opt.dim) &&
             !parseInt(a, "--repeat", opt.repeat) && !parseInt(a, "--slice", opt.slice) &&
             !parseInt(a, "--block", opt.block) && !parseInt(a, "--warps", opt.warps)) {
      std::fprintf(stderr, "lacc-lightning: unknown argument '%s'\n"
                           "usage: lacc-lightning [--device=auto|gpu|cpu] [--batch=B] "
                           "[--heads=H] [--n=N] [--dim=D] [--no-decay] [--repeat=R] "
                           "[--kernels=DIR] [--slice=S] [--block=B] [--warps=W]\n", a);
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
    Problem p(batch, heads, n, dim, opt.decay, opt.slice, opt.block);
    std::printf("lightning attention %s: batch %d, heads %d, n %d, d = e = %d, bf16, %s\n",
                opt.decay ? "with per-head decay" : "without decay", batch, heads, n, dim,
                gpu ? ("GPU " + ctx.deviceName() + " (" + ctx.arch() + ")").c_str()
                    : "CPU interpreter");
    std::printf("  kernels: slice %d, BLOCK %d, num_warps %s\n", p.slice(dim), opt.block,
                opt.warps ? std::to_string(opt.warps).c_str() : "the kernels'");
    Outputs out = run(ctx, p, opt);

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
    auto sampleBF16 = [&](const BF16 &full, int width) { return sample(toDouble(full), width); };
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
    double errs[4] = {lacc::reference::relativeError(sampleBF16(out.o, p.E), o),
                      lacc::reference::relativeError(sampleBF16(out.dq, p.D), grads.dq),
                      lacc::reference::relativeError(sampleBF16(out.dk, p.D), grads.dk),
                      lacc::reference::relativeError(sampleBF16(out.dv, p.E), grads.dv)};
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
