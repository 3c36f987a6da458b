//===- GemmBench.cpp - kernels/gemm.tile against cuBLAS' rate --------------------===//
//
//   lacc-bench-gemm [--smoke] [--csv FILE] [--only bf16|fp16] [--target-ms MS] [--no-ws]
//                   [--kernel gemm|gemm_tma|gemm_persistent|gemm_tma_persistent] [--tma-store]
//
// Times kernels/gemm.tile on the GPU for the shapes (4096^3, 8192^3 and the TNL-385M
// projections at 16K tokens), bf16 and fp16 in and out with f32 accumulation, over a list of
// tile / warp / stage configurations, and reports each shape's best in TFLOP/s (2 M N K flops).
// Every configuration's output is first checked against an fp64 reference on a sample of
// entries (computed from the inputs actually there: random, drawn on the device), so a fast
// wrong kernel cannot win. Times are medians of CUDA-event-timed runs after warm-up
// (DeviceTimer.h). tools/gpu/bench_torch_gemm.py times torch.matmul (cuBLAS) on the same shapes
// in the same run; tools/gpu/bench-gemm.sh merges the two into the table of docs/benchmarks.md.
// --smoke: tiny ragged shapes (on the interpreter where there is no GPU), for CI.
// --kernel (kKernels): gemm (default) and gemm_tma (operands through tensor descriptors) run one
// program per tile; their persistent forms gemm_persistent and gemm_tma_persistent run
// min(#SMs, tiles) programs (Context::multiprocessorCount), each looping over tiles. The
// interpreter has no SMs: there they run min(4, tiles) programs, so that the smoke shapes loop.
// --no-ws: no warp specialization (KernelOptions::warpSpecialize; on by default, it takes
// gemm_tma's 8-warp configurations on sm_90a), to compare.
// --tma-store: the gemm_tma kernels write C through a tensor descriptor (TMA_STORE: on sm_90a a
// TMA store from shared memory) instead of masked st.global, to compare.
//
//===----------------------------------------------------------------------===//

#include "tools/bench/BenchData.h"
#include "tools/bench/DeviceTimer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace lacc;
using namespace lacc::bench;

namespace {

/// A kernel --kernel can name: its file, and how it is launched.
struct GemmKernel {
  const char *name; // of the kernel, and --kernel's value
  const char *file; // under kernels/
  /// Operands through tensor descriptors: row strides only (the inner ones are 1), and the
  /// smoke shapes keep rows a multiple of 16 bytes.
  bool descriptors;
  /// A grid of min(#SMs, tiles) programs looping over the tiles, instead of one per tile.
  bool persistent;
};

const GemmKernel kKernels[] = {
    {"gemm", "gemm.tile", false, false},
    {"gemm_tma", "gemm_tma.tile", true, false},
    {"gemm_persistent", "gemm.tile", false, true},
    {"gemm_tma_persistent", "gemm_tma.tile", true, true},
};

const GemmKernel *findKernel(const std::string &name) {
  for (const GemmKernel &k : kKernels)
    if (name == k.name)
      return &k;
  return nullptr;
}

/// "gemm|gemm_tma|...", for the usage and the error.
std::string kernelNames() {
  std::string names;
  for (const GemmKernel &k : kKernels)
    names += (names.empty() ? "" : "|") + std::string(k.name);
  return names;
}

/// The programs a persistent launch may use: the SMs, or on the interpreter (which has none)
/// fewer than most smoke shapes have tiles, so that programs loop.
int maxPrograms(const Context &ctx) {
  return ctx.multiprocessorCount() > 0 ? ctx.multiprocessorCount() : 4;
}

struct Shape {
  const char *name;
  int64_t m, n, k;
};

struct Config {
  int blockM, blockN, blockK, warps, stages;
  std::string text() const {
    return std::to_string(blockM) + "x" + std::to_string(blockN) + "x" + std::to_string(blockK) +
           " w" + std::to_string(warps) + " s" + std::to_string(stages);
  }
};

const std::vector<Shape> kShapes = {
    {"4096^3", 4096, 4096, 4096},
    {"8192^3", 8192, 8192, 8192},
    {"TNL qkvu 16384x1024x4096", 16384, 4096, 1024},
    {"TNL glu 16384x1024x2816", 16384, 2816, 1024},
    {"TNL down 16384x2816x1024", 16384, 1024, 2816},
};
const std::vector<Shape> kSmokeShapes = {{"smoke 67x45x33", 67, 45, 33},
                                         {"smoke 128x64x64", 128, 64, 64}};
// A descriptor's row stride must be a multiple of 16 bytes: K and N of 8 elements.
const std::vector<Shape> kSmokeShapesTma = {{"smoke 67x48x40", 67, 48, 40},
                                            {"smoke 128x64x64", 128, 64, 64}};

const std::vector<Config> kConfigs = {
    {128, 128, 32, 4, 4}, {128, 128, 64, 4, 3}, {128, 256, 32, 8, 3}, {128, 256, 64, 8, 3},
    {256, 128, 32, 8, 3}, {256, 128, 64, 8, 3}, {128, 128, 64, 8, 4}, {64, 128, 64, 4, 4},
    {128, 256, 64, 8, 4}, {128, 256, 32, 8, 6}, {256, 128, 64, 8, 4}, {128, 128, 64, 4, 5},
    {128, 256, 32, 8, 8}, {256, 128, 32, 8, 6}, {128, 256, 32, 8, 4},
};
const std::vector<Config> kSmokeConfigs = {{32, 32, 16, 4, 2}, {64, 64, 32, 4, 3}};

struct Options {
  bool smoke = false;
  std::string csv, only;
  const GemmKernel *kernel = &kKernels[0];
  double targetMs = 200;
  bool warpSpecialize = true;
  bool tmaStore = false;
};

/// Relative error of C on a sample of entries against the fp64 product of the inputs there.
double checkSample(const DeviceBuffer &a, const DeviceBuffer &b, const DeviceBuffer &c, DType t,
                   const Shape &s, int samples, uint64_t seed) {
  size_t bytes = dtypeBytes(t);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> rowOf(0, s.m - 1), colOf(0, s.n - 1);
  std::vector<uint8_t> raw(size_t(s.k) * bytes), bCol, one(bytes);
  double err = 0, ref = 0;
  std::vector<uint8_t> bAll(size_t(s.k) * s.n * bytes);
  b.copyTo(bAll.data(), bAll.size());
  std::vector<double> bValues = toDoubles(t, bAll);
  for (int i = 0; i < samples; ++i) {
    int64_t row = i == 0 ? 0 : i == 1 ? s.m - 1 : rowOf(rng);
    int64_t col = i == 0 ? 0 : i == 1 ? s.n - 1 : colOf(rng);
    a.copyTo(raw.data(), raw.size(), size_t(row) * s.k * bytes);
    std::vector<double> aRow = toDoubles(t, raw);
    double expected = 0;
    for (int64_t k = 0; k < s.k; ++k)
      expected += aRow[k] * bValues[size_t(k) * s.n + col];
    c.copyTo(one.data(), bytes, (size_t(row) * s.n + col) * bytes);
    double got = toDoubles(t, one)[0];
    if (std::isnan(got))
      return NAN;
    err += (got - expected) * (got - expected);
    ref += expected * expected;
  }
  return std::sqrt(err / std::max(ref, 1e-300));
}

int run(const Options &opt) {
  ContextOptions contextOptions;
  Context ctx = opt.smoke ? Context::gpuOrInterpreter(contextOptions) : Context(contextOptions);
  if (!opt.smoke && ctx.interpreting()) {
    std::fprintf(stderr, "lacc-bench-gemm: needs a GPU (--smoke runs tiny sizes anywhere)\n");
    return 1;
  }
  Filler fill(ctx);
  DeviceTimer timer(ctx, fill, benchTimerOptions(opt.smoke, opt.targetMs));
  const bool tma = opt.kernel->descriptors;
  Module module = ctx.loadEmbedded(opt.kernel->file);
  std::FILE *csv = opt.csv.empty() ? nullptr : std::fopen(opt.csv.c_str(), "w");
  if (csv)
    std::fprintf(csv, "dtype,shape,m,n,k,config,median_ms,tflops,rel_error,compile_s,status\n");
  std::printf("GEMM (%s) on %s: C = A @ B, f32 accumulation", opt.kernel->name,
              ctx.interpreting() ? "the CPU interpreter" : ctx.deviceName().c_str());
  if (opt.kernel->persistent)
    std::printf(", grid min(%d, tiles)", maxPrograms(ctx));
  if (opt.tmaStore)
    std::printf(", C through a tensor descriptor (TMA_STORE)");
  std::printf("\n");
  struct Best {
    std::string dtype, shape, config;
    double tflops = 0;
  };
  std::vector<Best> bests;
  bool allOk = true;
  for (DType t : {DType::BF16, DType::F16}) {
    std::string dtype = t == DType::BF16 ? "bf16" : "fp16";
    if (!opt.only.empty() && opt.only != dtype)
      continue;
    for (const Shape &s : opt.smoke ? (tma ? kSmokeShapesTma : kSmokeShapes) : kShapes) {
      size_t bytes = dtypeBytes(t);
      DeviceBuffer a = ctx.alloc(size_t(s.m) * s.k * bytes), b = ctx.alloc(size_t(s.k) * s.n * bytes),
                   c = ctx.alloc(size_t(s.m) * s.n * bytes);
      fill.uniform(a, t, s.m * s.k, 1, -1, 1);
      fill.uniform(b, t, s.k * s.n, 2, -1, 1);
      Best best{dtype, s.name, "", 0};
      for (const Config &cfg : opt.smoke ? kSmokeConfigs : kConfigs) {
        std::string status = "ok";
        double ms = 0, tflops = 0, error = 0, compileS = 0;
        try {
          KernelOptions ko;
          ko.numWarps = cfg.warps;
          ko.numStages = cfg.stages;
          ko.warpSpecialize = opt.warpSpecialize;
          const char *type = t == DType::BF16 ? "bf16" : "f16";
          ConstMap constants = {{"BLOCK_M", cfg.blockM}, {"BLOCK_N", cfg.blockN},
                                {"BLOCK_K", cfg.blockK}, {"GROUP_M", 8},
                                {"AB_T", ConstValue::type(type)}, {"C_T", ConstValue::type(type)}};
          if (opt.tmaStore)
            constants["TMA_STORE"] = true;
          Kernel k = module.kernel(opt.kernel->name, constants, ko);
          int64_t tiles = ((s.m + cfg.blockM - 1) / cfg.blockM) * ((s.n + cfg.blockN - 1) / cfg.blockN);
          Grid grid(opt.kernel->persistent ? std::min<int64_t>(maxPrograms(ctx), tiles) : tiles);
          auto launch = [&] {
            if (tma) // row strides only: the inner ones are 1 by construction
              k.launch(grid, a, b, c, int(s.m), int(s.n), int(s.k), int(s.k), int(s.n), int(s.n),
                       1);
            else
              k.launch(grid, a, b, c, int(s.m), int(s.n), int(s.k), int(s.k), 1, int(s.n), 1,
                       int(s.n), 1);
          };
          c.fill(0xFF); // NaN: an entry not written fails the check
          auto t0 = std::chrono::steady_clock::now();
          launch();
          ctx.synchronize();
          compileS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          error = checkSample(a, b, c, t, s, opt.smoke ? 16 : 64, 7);
          if (!(error < 1e-2)) {
            status = "FAIL: relative error " + std::to_string(error);
          } else {
            Timing timing = timer.time(launch);
            ms = timing.medianMs;
            tflops = 2.0 * s.m * s.n * s.k / (ms * 1e-3) / 1e12;
          }
        } catch (const Error &e) {
          std::string what = e.what();
          status = "error: " + what.substr(0, what.find('\n'));
        }
        bool ok = status == "ok";
        allOk &= ok;
        std::printf("  %-5s %-26s %-18s %9.3f ms %8.1f TFLOP/s  err %.1e  compile+first %.2f s  %s\n",
                    dtype.c_str(), s.name, cfg.text().c_str(), ms, tflops, error, compileS,
                    status.c_str());
        std::fflush(stdout);
        if (csv)
          std::fprintf(csv, "%s,%s,%lld,%lld,%lld,%s,%.6f,%.3f,%.3e,%.3f,\"%s\"\n", dtype.c_str(),
                       s.name, (long long)s.m, (long long)s.n, (long long)s.k, cfg.text().c_str(),
                       ms, tflops, error, compileS, status.c_str());
        if (ok && tflops > best.tflops) {
          best.tflops = tflops;
          best.config = cfg.text();
        }
      }
      bests.push_back(best);
    }
  }
  std::printf("\n| dtype | shape (M x N x K) | best config | lacc TFLOP/s |\n|---|---|---|---|\n");
  for (const Best &b : bests)
    std::printf("| %s | %s | %s | %.1f |\n", b.dtype.c_str(), b.shape.c_str(), b.config.c_str(),
                b.tflops);
  if (csv)
    std::fclose(csv);
  return allOk ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lacc-bench-gemm: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--smoke")
      opt.smoke = true;
    else if (arg == "--csv")
      opt.csv = value();
    else if (arg == "--only")
      opt.only = value();
    else if (arg == "--no-ws")
      opt.warpSpecialize = false;
    else if (arg == "--tma-store")
      opt.tmaStore = true;
    else if (arg == "--target-ms")
      opt.targetMs = std::atof(value().c_str());
    else if (arg == "--kernel") {
      std::string name = value();
      if (!(opt.kernel = findKernel(name))) {
        std::fprintf(stderr, "lacc-bench-gemm: --kernel takes one of %s, not '%s'\n",
                     kernelNames().c_str(), name.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "usage: lacc-bench-gemm [--smoke] [--csv FILE] [--only bf16|fp16] "
                   "[--target-ms MS] [--no-ws] [--kernel %s] [--tma-store]\n",
                   kernelNames().c_str());
      return 2;
    }
  }
  if (opt.tmaStore && !opt.kernel->descriptors) {
    std::fprintf(stderr, "lacc-bench-gemm: --tma-store needs gemm_tma or gemm_tma_persistent\n");
    return 2;
  }
  try {
    return run(opt);
  } catch (const Error &e) {
    std::fprintf(stderr, "lacc-bench-gemm: %s\n", e.what());
    return 1;
  }
}
