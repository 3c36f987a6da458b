//===- lightning.cpp - lightning attention end to end ---------------------===//
//
//   lacc-lightning [--device=auto|gpu|cpu] [--batch=B] [--heads=H] [--n=N] [--dim=D]
//                  [--no-decay] [--repeat=R] [--kernels=DIR]
//
// Runs kernels/lightning_fwd.tile and kernels/lightning_bwd.tile on random
// bf16 data: on the GPU through the runtime (JIT compile, cache, launch), or,
// where there is no GPU, on the CPU interpreter at a small size. Prints each
// output's error against the fp64 recurrent reference and the time taken.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/Frontend.h"
#include "kernels/reference/Lightning.h"
#include "lacc/Runtime.h"
#include "runtime/interp/Interpreter.h"
#include "runtime/interp/Numerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>

namespace {

using Clock = std::chrono::steady_clock;
using BF16 = std::vector<uint16_t>;

struct Options {
  std::string device = "auto";
  int batch = 0, heads = 0, n = 0, dim = 0, repeat = 10;
  bool decay = true;
  std::string kernels = LACC_KERNELS_DIR;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    throw lacc::Error(lacc::Error::Kind::IO, "cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The problem: bf16 inputs and their exact values for the reference.
struct Problem {
  int bh, n, D, E, H;
  BF16 q, k, v, dO;
  std::vector<double> qd, kd, vd, dOd, lambda;
  std::vector<float> slope;

  Problem(int batch, int heads, int n, int dim, bool decay)
      : bh(batch * heads), n(n), D(dim), E(dim), H(heads) {
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
  int slice(int dim) const { return std::min(dim, 32); }
  lacc::ConstMap constants(const char *sliceName, int sliceValue, bool decay) const {
    return {{"H", H}, {"D", D}, {"E", E}, {"BLOCK", 64}, {sliceName, sliceValue}, {"DECAY", decay}};
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
// GPU: the runtime
//===----------------------------------------------------------------------===//

Outputs runGpu(lacc::Context &ctx, Problem &p, const Options &opt) {
  lacc::Module fwdMod = ctx.loadFile(opt.kernels + "/lightning_fwd.tile");
  lacc::Module bwdMod = ctx.loadFile(opt.kernels + "/lightning_bwd.tile");
  lacc::Kernel fwd = fwdMod.kernel("lightning_fwd", p.constants("BLOCK_E", p.slice(p.E), opt.decay));
  lacc::Kernel dq = bwdMod.kernel("lightning_bwd_dq", p.constants("BLOCK_D", p.slice(p.D), opt.decay));
  lacc::Kernel dk = bwdMod.kernel("lightning_bwd_dk", p.constants("BLOCK_D", p.slice(p.D), opt.decay));
  lacc::Kernel dv = bwdMod.kernel("lightning_bwd_dv", p.constants("BLOCK_E", p.slice(p.E), opt.decay));

  lacc::DeviceBuffer q = ctx.upload(p.q), k = ctx.upload(p.k), v = ctx.upload(p.v);
  lacc::DeviceBuffer dO = ctx.upload(p.dO), slope = ctx.upload(p.slope);
  lacc::DeviceBuffer o = ctx.alloc(p.v.size() * 2), dqB = ctx.alloc(p.q.size() * 2);
  lacc::DeviceBuffer dkB = ctx.alloc(p.k.size() * 2), dvB = ctx.alloc(p.v.size() * 2);
  for (lacc::DeviceBuffer *b : {&o, &dqB, &dkB, &dvB})
    b->fill(0xff); // NaN: an element a kernel fails to write is caught

  int n = p.n;
  auto forward = [&] {
    fwd.launch(lacc::Grid(p.bh, p.E / p.slice(p.E)), q, k, v, o, slope, n);
  };
  auto backward = [&] {
    dq.launch(lacc::Grid(p.bh, p.D / p.slice(p.D)), k, v, dO, dqB, slope, n);
    dk.launch(lacc::Grid(p.bh, p.D / p.slice(p.D)), q, v, dO, dkB, slope, n);
    dv.launch(lacc::Grid(p.bh, p.E / p.slice(p.E)), q, k, dO, dvB, slope, n);
  };
  auto time = [&](const std::function<void()> &f) {
    f(); // first launch: compiles (or loads from the disk cache)
    ctx.synchronize();
    std::vector<double> runs;
    for (int i = 0; i < opt.repeat; ++i) {
      auto start = Clock::now();
      f();
      ctx.synchronize();
      runs.push_back(ms(Clock::now() - start));
    }
    return median(runs);
  };
  auto compileStart = Clock::now();
  forward();
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

//===----------------------------------------------------------------------===//
// CPU: the interpreter
//===----------------------------------------------------------------------===//

class InterpKernel {
public:
  InterpKernel(const std::string &path, const std::string &name, const lacc::ConstMap &constants)
      : source_(path, readFile(path)) {
    lacc::FrontendOptions options;
    options.kernel = name;
    for (const auto &[key, value] : constants)
      options.defines.emplace_back(key, value.toString());
    std::string diagnostics;
    llvm::raw_string_ostream os(diagnostics);
    {
      lacc::DiagnosticEngine diag(source_, os);
      module_ = lacc::buildTileModule(context_, source_, options, diag);
    }
    if (!module_)
      throw lacc::Error(lacc::Error::Kind::Compile, diagnostics);
    fn_ = module_->lookupSymbol<mlir::func::FuncOp>(name);
  }
  void run(std::array<uint32_t, 3> grid, std::vector<lacc::interp::KernelArg> args,
           std::vector<lacc::interp::Buffer> buffers) {
    if (llvm::Error e = lacc::interp::runKernel(fn_, grid, args, buffers))
      throw lacc::Error(lacc::Error::Kind::Argument, llvm::toString(std::move(e)));
  }

private:
  lacc::SourceFile source_;
  mlir::MLIRContext context_;
  mlir::OwningOpRef<mlir::ModuleOp> module_;
  mlir::func::FuncOp fn_;
};

Outputs runCpu(Problem &p, const Options &opt) {
  using lacc::interp::Buffer;
  using lacc::interp::KernelArg;
  InterpKernel fwd(opt.kernels + "/lightning_fwd.tile", "lightning_fwd",
                   p.constants("BLOCK_E", p.slice(p.E), opt.decay));
  std::string bwdPath = opt.kernels + "/lightning_bwd.tile";
  InterpKernel dq(bwdPath, "lightning_bwd_dq", p.constants("BLOCK_D", p.slice(p.D), opt.decay));
  InterpKernel dk(bwdPath, "lightning_bwd_dk", p.constants("BLOCK_D", p.slice(p.D), opt.decay));
  InterpKernel dv(bwdPath, "lightning_bwd_dv", p.constants("BLOCK_E", p.slice(p.E), opt.decay));
  Outputs out;
  out.o = BF16(p.v.size(), 0x7fc1);
  out.dq = BF16(p.q.size(), 0x7fc1);
  out.dk = BF16(p.k.size(), 0x7fc1);
  out.dv = BF16(p.v.size(), 0x7fc1);
  auto buf = [](auto &v) { return Buffer{v.data(), v.size() * sizeof(v[0])}; };
  auto ptr = [](auto &v) { return KernelArg::pointer(v.data()); };
  KernelArg n = KernelArg::i32(p.n);
  uint32_t bh = p.bh, dSlices = p.D / p.slice(p.D), eSlices = p.E / p.slice(p.E);
  auto start = Clock::now();
  fwd.run({bh, eSlices, 1}, {ptr(p.q), ptr(p.k), ptr(p.v), ptr(out.o), ptr(p.slope), n},
          {buf(p.q), buf(p.k), buf(p.v), buf(out.o), buf(p.slope)});
  out.fwdMs = ms(Clock::now() - start);
  start = Clock::now();
  dq.run({bh, dSlices, 1}, {ptr(p.k), ptr(p.v), ptr(p.dO), ptr(out.dq), ptr(p.slope), n},
         {buf(p.k), buf(p.v), buf(p.dO), buf(out.dq), buf(p.slope)});
  dk.run({bh, dSlices, 1}, {ptr(p.q), ptr(p.v), ptr(p.dO), ptr(out.dk), ptr(p.slope), n},
         {buf(p.q), buf(p.v), buf(p.dO), buf(out.dk), buf(p.slope)});
  dv.run({bh, eSlices, 1}, {ptr(p.q), ptr(p.k), ptr(p.dO), ptr(out.dv), ptr(p.slope), n},
         {buf(p.q), buf(p.k), buf(p.dO), buf(out.dv), buf(p.slope)});
  out.bwdMs = ms(Clock::now() - start);
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
             !parseInt(a, "--repeat", opt.repeat)) {
      std::fprintf(stderr, "lacc-lightning: unknown argument '%s'\n"
                           "usage: lacc-lightning [--device=auto|gpu|cpu] [--batch=B] "
                           "[--heads=H] [--n=N] [--dim=D] [--no-decay] [--repeat=R]\n", a);
      return 2;
    }
  }
  if (opt.device != "auto" && opt.device != "gpu" && opt.device != "cpu") {
    std::fprintf(stderr, "lacc-lightning: --device must be auto, gpu or cpu\n");
    return 2;
  }
  try {
    std::optional<lacc::Context> ctx;
    if (opt.device != "cpu") {
      try {
        ctx.emplace();
      } catch (const lacc::Error &e) {
        if (opt.device == "gpu")
          throw;
        std::printf("no GPU (%s): running on the CPU interpreter at a small size\n", e.what());
      }
    }
    bool gpu = ctx.has_value();
    // Defaults: a real workload on the GPU, a few seconds on the interpreter.
    int batch = opt.batch ? opt.batch : (gpu ? 4 : 1);
    int heads = opt.heads ? opt.heads : (gpu ? 8 : 2);
    int n = opt.n ? opt.n : (gpu ? 4096 : 256);
    int dim = opt.dim ? opt.dim : (gpu ? 128 : 64);
    if (dim < 16 || dim > 256 || (dim & (dim - 1)) || n < 1 || batch < 1 || heads < 1) {
      std::fprintf(stderr, "lacc-lightning: need n >= 1, batch, heads >= 1, dim a power of two in 16..256\n");
      return 2;
    }
    Problem p(batch, heads, n, dim, opt.decay);
    std::printf("lightning attention %s: batch %d, heads %d, n %d, d = e = %d, bf16, %s\n",
                opt.decay ? "with per-head decay" : "without decay", batch, heads, n, dim,
                gpu ? ("GPU " + ctx->deviceName() + " (" + ctx->arch() + ")").c_str()
                    : "CPU interpreter");
    Outputs out = gpu ? runGpu(*ctx, p, opt) : runCpu(p, opt);

    auto refStart = Clock::now();
    lacc::reference::LightningShape shape{p.bh, p.n, p.D, p.E};
    auto o = lacc::reference::lightningForward(shape, p.lambda, p.qd, p.kd, p.vd);
    auto grads = lacc::reference::lightningBackward(shape, p.lambda, p.qd, p.kd, p.vd, p.dOd);
    double refMs = ms(Clock::now() - refStart);
    double errs[4] = {lacc::reference::relativeError(toDouble(out.o), o),
                      lacc::reference::relativeError(toDouble(out.dq), grads.dq),
                      lacc::reference::relativeError(toDouble(out.dk), grads.dk),
                      lacc::reference::relativeError(toDouble(out.dv), grads.dv)};
    std::printf("  forward  %9.3f ms%s   |o - ref|/|ref| = %.2e\n", out.fwdMs,
                gpu ? " (median)" : "", errs[0]);
    std::printf("  backward %9.3f ms%s   dq %.2e, dk %.2e, dv %.2e\n", out.bwdMs,
                gpu ? " (median)" : "", errs[1], errs[2], errs[3]);
    std::printf("  fp64 recurrent reference on the CPU: %.0f ms\n", refMs);
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
