//===- bench.cpp - TNL layer forward + backward throughput ----------------===//
//
//   lacc-tnl-bench [--dim=1024] [--heads=8] [--glu=2816] [--tokens=65536]
//                  [--n=1024,4096,16384,65536] [--lrpe] [--repeat=5] [--csv=FILE]
//                  [--split-k=auto|off|S] [--by-kernel]
//
// One TNL layer (lacc/nn/TNLLayer.h) of the TNL-385M shape by default, forward then backward,
// at each n with b = tokens / n: the median time of R iterations (CUDA events, after a warm-up
// iteration that also compiles), tokens/s, and one profiled iteration's split between the GEMMs,
// lightning attention and the small kernels (norms, elementwise, head layout). The paper's
// claim is that tokens/s stays flat as n grows at fixed b * n. On the interpreter it runs a tiny
// shape once (a smoke test of the program).
//
// The weight gradients (f32 GEMMs) run split-K as TNLKernels chooses (docs/tnl.md); --split-k=off
// runs them as the single kernel that accumulates into C, --split-k=S with S splits each, for
// comparison in one run. --by-kernel adds the profiled iteration's time per kernel (the GEMMs by
// output type, the split-K partials and their reduction apart).
//
//===----------------------------------------------------------------------===//

#include "lacc/nn/TNLLayer.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

int main(int argc, char **argv) {
  int64_t D = 1024, H = 8, F = 2816, tokens = 65536, repeat = 5;
  bool lrpe = false, byKernel = false;
  int splitK = -1;
  std::vector<int64_t> ns = {1024, 4096, 16384, 65536};
  std::string csv;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto num = [&](const char *p, int64_t &out) {
      if (a.rfind(p, 0) != 0)
        return false;
      out = std::stoll(a.substr(std::string(p).size()));
      return true;
    };
    if (num("--dim=", D) || num("--heads=", H) || num("--glu=", F) || num("--tokens=", tokens) ||
        num("--repeat=", repeat))
      continue;
    if (a == "--lrpe")
      lrpe = true;
    else if (a == "--by-kernel")
      byKernel = true;
    else if (a.rfind("--split-k=", 0) == 0) {
      const std::string v = a.substr(10);
      splitK = v == "auto" ? -1 : v == "off" ? 0 : std::atoi(v.c_str());
      if ((splitK == 0 && v != "off") || (splitK < 0 && v != "auto")) {
        std::fprintf(stderr, "lacc-tnl-bench: --split-k=auto, off or a positive count\n");
        return 2;
      }
    }
    else if (a.rfind("--n=", 0) == 0) {
      ns.clear();
      std::stringstream ss(a.substr(4));
      for (std::string v; std::getline(ss, v, ',');)
        ns.push_back(std::stoll(v));
    } else if (a.rfind("--csv=", 0) == 0)
      csv = a.substr(6);
    else {
      std::fprintf(stderr, "lacc-tnl-bench: unknown argument '%s'\n", a.c_str());
      return 2;
    }
  }
  try {
    lacc::Context ctx = lacc::Context::gpuOrInterpreter();
    if (!ctx.hasDevice()) { // a smoke test
      D = 32, H = 2, F = 64, tokens = 64, repeat = 1, ns = {16, 64};
    }
    lacc::nn::TNLKernels kernels(ctx);
    kernels.setSplitK(splitK);
    lacc::nn::TNLLayerConfig cfg;
    cfg.dim = D, cfg.heads = H, cfg.glu = F, cfg.lrpe = lrpe, cfg.layer = 1, cfg.numLayers = 24;
    lacc::nn::TNLLayer layer(kernels, cfg, 1);
    std::printf("TNL layer D = %lld, %lld heads (head dim %lld), GLU %lld%s, b * n = %lld, on %s\n",
                (long long)D, (long long)H, (long long)(D / H), (long long)F, lrpe ? ", LRPE" : "",
                (long long)tokens, ctx.hasDevice() ? ctx.deviceName().c_str() : "the interpreter");
    std::ofstream out;
    if (!csv.empty()) {
      out.open(csv);
      out << "n,b,fwd_bwd_ms,tokens_per_s,gemm_ms,attention_ms,small_ms\n";
    }
    std::printf("%8s %5s %12s %14s %10s %12s %10s\n", "n", "b", "fwd+bwd ms", "tokens/s",
                "gemm %", "attention %", "small %");
    for (int64_t n : ns) {
      const int64_t b = std::max<int64_t>(1, tokens / n), M = b * n;
      // Inputs at the memory's speed on the device: the fill kernel, as the benchmarks do.
      lacc::DeviceBuffer x = ctx.alloc(size_t(M * D) * 2), y = ctx.alloc(size_t(M * D) * 2);
      lacc::DeviceBuffer dy = ctx.alloc(size_t(M * D) * 2), dx = ctx.alloc(size_t(M * D) * 2);
      lacc::Module fill = ctx.loadEmbedded("bench_fill.tile");
      lacc::Kernel fillBF16 = fill.kernel("fill_bf16", {{"BLOCK", 1024}});
      fillBF16.launch(lacc::Grid((M * D + 1023) / 1024), x, int32_t(M * D), 1, -1.0f, 1.0f);
      fillBF16.launch(lacc::Grid((M * D + 1023) / 1024), dy, int32_t(M * D), 2, -1.0f, 1.0f);
      lacc::nn::TNLSaved saved;
      const std::vector<int64_t> shape{b, n, D};
      auto iteration = [&] {
        layer.forward(lacc::nn::Tensor{x, shape}, lacc::nn::Tensor{y, shape}, saved);
        layer.backward(lacc::nn::Tensor{dy, shape}, lacc::nn::Tensor{dx, shape}, saved);
      };
      iteration(); // compile, allocate
      ctx.synchronize();
      std::vector<double> times;
      for (int64_t r = 0; r < repeat; ++r) {
        lacc::Event start = ctx.event(), stop = ctx.event();
        start.record();
        iteration();
        stop.record();
        times.push_back(stop.msSince(start));
      }
      std::sort(times.begin(), times.end());
      const double ms = times[times.size() / 2];
      lacc::nn::Profile profile(ctx);
      kernels.setProfile(&profile);
      iteration();
      kernels.setProfile(nullptr);
      profile.collect();
      double total = 0, gemm = 0, attention = 0;
      for (const auto &[family, t] : profile.totals()) {
        total += t;
        if (family == "gemm")
          gemm += t;
        else if (family == "attention")
          attention += t;
      }
      const double small = total - gemm - attention;
      std::printf("%8lld %5lld %12.3f %14.0f %9.1f%% %11.1f%% %9.1f%%\n", (long long)n,
                  (long long)b, ms, double(M) / (ms * 1e-3), 100 * gemm / total,
                  100 * attention / total, 100 * small / total);
      if (out)
        out << n << "," << b << "," << ms << "," << double(M) / (ms * 1e-3) << ","
            << gemm / total * ms << "," << attention / total * ms << "," << small / total * ms
            << "\n";
      if (byKernel) {
        std::vector<std::pair<double, std::string>> rows;
        for (const auto &[kernel, t] : profile.kernelTotals())
          rows.push_back({t, kernel});
        std::sort(rows.rbegin(), rows.rend());
        for (const auto &[t, kernel] : rows)
          std::printf("    %9.3f ms %6.1f%%  %4lld x  %s\n", t, 100 * t / total,
                      (long long)profile.kernelLaunches().at(kernel), kernel.c_str());
      }
      std::fflush(stdout);
    }
    if (kernels.workspaceBytes())
      std::printf("split-K workspace: %.1f MiB (%zu bytes)\n",
                  double(kernels.workspaceBytes()) / (1 << 20), kernels.workspaceBytes());
    return 0;
  } catch (const lacc::Error &e) {
    std::fprintf(stderr, "lacc-tnl-bench: %s\n", e.what());
    return 1;
  }
}
