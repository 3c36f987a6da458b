//===- AttentionBench.cpp - the flash-attention tutorial against SDPA ------------===//
//
//   lacc-bench-attention [--csv FILE] [--dims 64,128] [--ns 1024,...,16384] [--batch Z]
//                        [--heads H] [--dtype f16|bf16] [--causal both|yes|no]
//                        [--configs M,N,W,S;...] [--target-ms MS] [--smoke]
//
// Times the forward of Triton's tutorial 06 written in the tile language
// (kernels/tutorials/06-fused-attention.tile, _attn_fwd) at the tutorial's benchmark shapes:
// Z = 4, H = 32, N_CTX from 1K to 16K, HEAD_DIM 64 and 128, causal and not, f16. For every shape
// it tries a few launch configurations (BLOCK_M, BLOCK_N, warps, stages) and keeps the fastest;
// each configuration's output is first checked against an fp64 softmax attention on sampled
// rows of sampled heads (computed from the inputs actually on the device), so that a fast wrong
// kernel cannot win. Times are medians of CUDA-event-timed runs after warm-up with the L2 flushed
// (DeviceTimer.h). TFLOP/s count 4 N^2 D per head (Q K^T and P V), half of it when causal, as
// the tutorial and FlashAttention count.
// tools/bench/attention_sdpa.py times torch's scaled_dot_product_attention (flash backend) on
// the same shapes in the same run and writes the comparison table.
// --smoke: tiny ragged shapes, on the CPU interpreter where there is no GPU, for CI.
//
//===----------------------------------------------------------------------===//

#include "tools/bench/BenchData.h"
#include "tools/bench/DeviceTimer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

using namespace lacc;
using namespace lacc::bench;

namespace {

struct Config {
  int blockM, blockN, warps, stages;
  std::string text() const {
    return std::to_string(blockM) + "x" + std::to_string(blockN) + " w" + std::to_string(warps) +
           " s" + std::to_string(stages);
  }
};

struct Options {
  std::string csv;
  std::vector<int64_t> dims = {64, 128};
  std::vector<int64_t> ns = {1024, 2048, 4096, 8192, 16384};
  int64_t batch = 4, heads = 32;
  DType dtype = DType::F16;
  std::vector<bool> causal = {false, true};
  std::vector<Config> configs = {
      {128, 64, 8, 3}, {128, 128, 8, 3}, {128, 64, 4, 3}, {64, 64, 4, 3}, {128, 64, 8, 2}};
  double targetMs = 100;
  bool smoke = false;
};

/// The fp64 forward on `rows` of head `zh`: softmax(q k^T * scale [causal]) v, row by row.
double checkHead(const std::vector<double> &q, const std::vector<double> &k,
                 const std::vector<double> &v, const std::vector<double> &o,
                 const std::vector<int64_t> &rows, int64_t n, int64_t d, double scale,
                 bool causal) {
  double err = 0, ref = 0;
  std::vector<double> s(size_t(n), 0.0);
  for (int64_t i : rows) {
    const int64_t last = causal ? i : n - 1;
    double mx = -INFINITY;
    for (int64_t j = 0; j <= last; ++j) {
      double dotv = 0;
      for (int64_t c = 0; c < d; ++c)
        dotv += q[size_t(i * d + c)] * k[size_t(j * d + c)];
      s[size_t(j)] = dotv * scale;
      mx = std::max(mx, s[size_t(j)]);
    }
    double l = 0;
    for (int64_t j = 0; j <= last; ++j)
      l += (s[size_t(j)] = std::exp(s[size_t(j)] - mx));
    for (int64_t c = 0; c < d; ++c) {
      double expected = 0;
      for (int64_t j = 0; j <= last; ++j)
        expected += s[size_t(j)] * v[size_t(j * d + c)];
      expected /= l;
      double got = o[size_t(i * d + c)];
      if (std::isnan(got))
        return NAN;
      err += (got - expected) * (got - expected);
      ref += expected * expected;
    }
  }
  return std::sqrt(err / std::max(ref, 1e-300));
}

struct Result {
  std::string config, status = "ok";
  double ms = 0, tflops = 0, error = 0, compileS = 0;
};

int run(const Options &opt) {
  ContextOptions contextOptions;
  Context ctx = opt.smoke ? Context::gpuOrInterpreter(contextOptions) : Context(contextOptions);
  if (!opt.smoke && ctx.interpreting()) {
    std::fprintf(stderr, "lacc-bench-attention: needs a GPU (--smoke runs tiny sizes anywhere)\n");
    return 1;
  }
  Filler fill(ctx);
  DeviceTimer timer(ctx, fill, benchTimerOptions(opt.smoke, opt.targetMs));
  Module module = ctx.loadEmbedded("tutorials/06-fused-attention.tile");
  std::FILE *csv = opt.csv.empty() ? nullptr : std::fopen(opt.csv.c_str(), "w");
  if (!opt.csv.empty() && !csv) {
    std::fprintf(stderr, "lacc-bench-attention: cannot write %s\n", opt.csv.c_str());
    return 1;
  }
  if (csv)
    std::fprintf(csv, "system,dtype,d,n,batch,heads,causal,config,fwd_ms,tflop_s,rel_error,"
                      "compile_s,status\n");
  const char *type = opt.dtype == DType::BF16 ? "bf16" : "f16";
  std::printf("flash-attention tutorial forward on %s: Z = %lld, H = %lld, %s\n",
              ctx.interpreting() ? "the CPU interpreter" : ctx.deviceName().c_str(),
              (long long)opt.batch, (long long)opt.heads, type);
  bool allOk = true;
  std::vector<std::string> table;
  for (bool causal : opt.causal)
    for (int64_t d : opt.dims)
      for (int64_t n : opt.ns) {
        const int64_t Z = opt.batch, H = opt.heads, elems = Z * H * n * d;
        const double scale = 1.0 / std::sqrt(double(d));
        DeviceBuffer q = ctx.alloc(size_t(elems) * 2), k = ctx.alloc(size_t(elems) * 2),
                     v = ctx.alloc(size_t(elems) * 2), o = ctx.alloc(size_t(elems) * 2),
                     m = ctx.alloc(size_t(Z * H * n) * 4);
        // Spread like unit normals, so that the softmax is neither flat nor one-hot.
        fill.uniform(q, opt.dtype, elems, 21, -1.7, 1.7);
        fill.uniform(k, opt.dtype, elems, 22, -1.7, 1.7);
        fill.uniform(v, opt.dtype, elems, 23, -1.7, 1.7);
        // Two heads (first and last), a few rows each (the first, the last, some between).
        const std::vector<int64_t> heads = {0, Z * H - 1};
        const std::vector<int64_t> rows = sampleRows(n, opt.smoke ? n : 12, uint64_t(n + d));
        std::vector<std::vector<double>> hq, hk, hv;
        for (int64_t h : heads) {
          hq.push_back(readBlock(q, opt.dtype, h, n * d));
          hk.push_back(readBlock(k, opt.dtype, h, n * d));
          hv.push_back(readBlock(v, opt.dtype, h, n * d));
        }
        double flops = 4.0 * double(Z * H) * double(n) * double(n) * double(d);
        if (causal)
          flops /= 2;
        Result best;
        best.status = "no configuration ran";
        for (const Config &cfg : opt.configs) {
          if (cfg.blockN > d)
            continue; // the tutorial's static_assert(BLOCK_N <= HEAD_DIM)
          Result r;
          r.config = cfg.text();
          try {
            KernelOptions ko;
            ko.numWarps = cfg.warps;
            ko.numStages = cfg.stages;
            Kernel kernel = module.kernel(
                "_attn_fwd",
                {{"HEAD_DIM", d}, {"BLOCK_M", cfg.blockM}, {"BLOCK_N", cfg.blockN},
                 {"STAGE", causal ? 3 : 1}, {"DTYPE", ConstValue::type(type)}},
                ko);
            const int sh = int(n * d), sz = int(H * n * d), D = int(d);
            auto launch = [&] {
              kernel.launch(Grid((n + cfg.blockM - 1) / cfg.blockM, Z * H), q, k, v, float(scale),
                            m, o, sz, sh, D, 1, sz, sh, D, 1, sz, sh, D, 1, sz, sh, D, 1, int(Z),
                            int(H), int(n));
            };
            o.fill(0xFF); // NaN: a row not written fails the check
            auto t0 = std::chrono::steady_clock::now();
            launch();
            ctx.synchronize();
            r.compileS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            for (size_t i = 0; i < heads.size(); ++i) {
              double e = checkHead(hq[i], hk[i], hv[i], readBlock(o, opt.dtype, heads[i], n * d),
                                   rows, n, d, scale, causal);
              r.error = std::isnan(e) || std::isnan(r.error) ? NAN : std::max(r.error, e);
            }
            if (!(r.error < 1e-2)) {
              r.status = "FAIL: relative error " + std::to_string(r.error);
            } else {
              r.ms = timer.time(launch).medianMs;
              r.tflops = flops / (r.ms * 1e-3) / 1e12;
            }
          } catch (const Error &e) {
            std::string what = e.what();
            r.status = "error: " + what.substr(0, what.find('\n'));
          }
          allOk &= r.status == "ok";
          std::printf("  d %3lld n %6lld %-9s %-14s %9.3f ms %7.1f TFLOP/s  err %.1e  first %.2f s  %s\n",
                      (long long)d, (long long)n, causal ? "causal" : "full", r.config.c_str(),
                      r.ms, r.tflops, r.error, r.compileS, r.status.c_str());
          std::fflush(stdout);
          if (csv)
            std::fprintf(csv, "lacc,%s,%lld,%lld,%lld,%lld,%d,%s,%.6f,%.3f,%.3e,%.3f,\"%s\"\n",
                         type, (long long)d, (long long)n, (long long)Z, (long long)H, int(causal),
                         r.config.c_str(), r.ms, r.tflops, r.error, r.compileS, r.status.c_str());
          if (r.status == "ok" && (best.status != "ok" || r.ms < best.ms))
            best = r;
        }
        char line[256];
        std::snprintf(line, sizeof line, "| %lld | %lld | %s | %s | %.3f | %.1f | %s |",
                      (long long)d, (long long)n, causal ? "yes" : "no", best.config.c_str(),
                      best.ms, best.tflops, best.status.c_str());
        table.push_back(line);
      }
  std::printf("\n| d | n | causal | best config | ms | TFLOP/s | status |\n"
              "|---|---|---|---|---|---|---|\n");
  for (const std::string &line : table)
    std::printf("%s\n", line.c_str());
  if (csv)
    std::fclose(csv);
  std::printf("\n%s\n", allOk ? "ALL OK: every configuration ran, every error below 1e-2"
                              : "SOME FAILED");
  return allOk ? 0 : 1;
}

/// "M,N,W,S;M,N,W,S;...": BLOCK_M, BLOCK_N, warps, stages.
bool parseConfigs(const std::string &s, std::vector<Config> &out) {
  out.clear();
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ';')) {
    std::vector<int64_t> v = parseList(item);
    if (v.size() != 4 || std::any_of(v.begin(), v.end(), [](int64_t x) { return x < 1; }))
      return false;
    out.push_back({int(v[0]), int(v[1]), int(v[2]), int(v[3])});
  }
  return !out.empty();
}

} // namespace

int main(int argc, char **argv) {
  Options opt;
  const char *usage =
      "usage: lacc-bench-attention [--csv FILE] [--dims 64,128] [--ns 1024,...] [--batch Z] "
      "[--heads H] [--dtype f16|bf16] [--causal both|yes|no] [--configs M,N,W,S;...] "
      "[--target-ms MS] [--smoke]\n";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "lacc-bench-attention: %s needs a value\n%s", arg.c_str(), usage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--smoke") {
      // Ragged N_CTX (not a multiple of the blocks), both head dims of the tutorial's sizes.
      opt.smoke = true;
      opt.dims = {16, 32};
      opt.ns = {45};
      opt.batch = 1;
      opt.heads = 2;
      opt.configs = {{16, 16, 4, 2}, {32, 16, 4, 3}};
    } else if (arg == "--csv")
      opt.csv = value();
    else if (arg == "--dims")
      opt.dims = parseList(value());
    else if (arg == "--ns")
      opt.ns = parseList(value());
    else if (arg == "--batch")
      opt.batch = std::atoll(value().c_str());
    else if (arg == "--heads")
      opt.heads = std::atoll(value().c_str());
    else if (arg == "--dtype") {
      std::string t = value();
      if (t != "bf16" && t != "f16") {
        std::fprintf(stderr, "lacc-bench-attention: --dtype must be f16 or bf16\n");
        return 2;
      }
      opt.dtype = t == "bf16" ? DType::BF16 : DType::F16;
    } else if (arg == "--causal") {
      std::string c = value();
      if (c != "both" && c != "yes" && c != "no") {
        std::fprintf(stderr, "lacc-bench-attention: --causal must be both, yes or no\n");
        return 2;
      }
      opt.causal = c == "both" ? std::vector<bool>{false, true} : std::vector<bool>{c == "yes"};
    } else if (arg == "--configs") {
      if (!parseConfigs(value(), opt.configs)) {
        std::fprintf(stderr, "lacc-bench-attention: --configs takes BLOCK_M,BLOCK_N,warps,stages "
                             "groups separated by ';'\n");
        return 2;
      }
    } else if (arg == "--target-ms")
      opt.targetMs = std::atof(value().c_str());
    else {
      std::fprintf(stderr, "lacc-bench-attention: unknown argument '%s'\n%s", arg.c_str(), usage);
      return 2;
    }
  }
  if (opt.batch < 1 || opt.heads < 1 || opt.dims.empty() || opt.ns.empty()) {
    std::fprintf(stderr, "lacc-bench-attention: need --batch, --heads >= 1 and shapes\n%s", usage);
    return 2;
  }
  try {
    return run(opt);
  } catch (const Error &e) {
    std::fprintf(stderr, "lacc-bench-attention: %s\n", e.what());
    return 1;
  }
}
