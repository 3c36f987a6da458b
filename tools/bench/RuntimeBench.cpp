//===- RuntimeBench.cpp - launch overhead, cold compile, warm start --------===//
//
//   lacc-bench-runtime [--launches N] [--rounds R] [FILE.tile]
//
// Prints, for kernels/vector_add.tile (the copy embedded in the program, or
// FILE's kernel vector_add):
//   - host time per launch of a cached kernel through lacc, against raw
//     cuLaunchKernel of the very same CUfunction (median over rounds of N
//     launches, after warm-up), and the memory-cache lookup alone;
//   - cold compile: the in-process compiler (source -> PTX), and the first
//     launch-ready kernel (compile + disk-cache write + driver JIT);
//   - warm start from the disk cache in a fresh process (median of 5):
//     loadFile + kernel() + first lookup, excluding context creation (cuInit
//     and the primary context, shown separately);
//   - on sm_90a, the host time of a launch of kernels/gemm_tma.tile, which
//     encodes three tensor maps per launch, against kernels/gemm.tile's with
//     the same arguments, and one cuTensorMapEncodeTiled alone.
// Exits 0 with a message where there is no GPU.
//
//===----------------------------------------------------------------------===//

#include "lacc/Cache.h"
#include "lacc/Runtime.h"
#include "runtime/Driver.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

using namespace lacc;
using Clock = std::chrono::steady_clock;

static double msSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

/// The text of FILE, or of the embedded kernels/vector_add.tile when `file` is empty.
static std::string sourceOf(const std::string &file) {
  if (file.empty())
    return embeddedKernelSource("vector_add.tile");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error(Error::Kind::IO, "cannot read '" + file + "'");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

static Module load(Context &ctx, const std::string &file) {
  return ctx.loadSource(sourceOf(file), file.empty() ? "kernels/vector_add.tile" : file);
}

/// The child of the warm-start measurement: prints "ctx_ms warm_ms".
static int warmChild(const std::string &cacheDir, const std::string &file) {
  ContextOptions o;
  o.cacheDir = cacheDir;
  o.interpret = false;
  auto t0 = Clock::now();
  Context ctx(o);
  double ctxMs = msSince(t0);
  DeviceBuffer b = ctx.alloc(4096);
  auto t1 = Clock::now();
  Kernel k = load(ctx, file).kernel("vector_add");
  k.cuFunction(b, b, b, 1024); // disk hit + cuModuleLoadDataEx
  double warmMs = msSince(t1);
  std::printf("%.4f %.4f\n", ctxMs, warmMs);
  return 0;
}

int main(int argc, char **argv) {
  int launches = 2000, rounds = 41;
  std::string file; // empty: the embedded kernels/vector_add.tile
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--warm-child" && i + 1 < argc)
      return warmChild(argv[i + 1], i + 2 < argc ? argv[i + 2] : "");
    if (a == "--launches" && i + 1 < argc)
      launches = std::atoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else if (a[0] != '-')
      file = a;
    else {
      std::fprintf(stderr, "usage: %s [--launches N] [--rounds R] [FILE.tile]\n", argv[0]);
      return 2;
    }
  }

  char dirTemplate[] = "/tmp/lacc-bench-XXXXXX";
  if (!mkdtemp(dirTemplate)) {
    std::perror("mkdtemp");
    return 1;
  }
  std::string cacheDir = dirTemplate;
  auto cleanup = [&] { (void)std::system(("rm -rf '" + cacheDir + "'").c_str()); };

  try {
    ContextOptions o;
    o.cacheDir = cacheDir;
    o.interpret = false; // a GPU benchmark, whatever LACC_INTERPRET says
    auto tc = Clock::now();
    std::unique_ptr<Context> ctxp;
    try {
      ctxp = std::make_unique<Context>(o);
    } catch (const Error &e) {
      if (e.kind() != Error::Kind::NoDriver && e.kind() != Error::Kind::NoDevice)
        throw;
      std::printf("lacc-bench-runtime: no GPU here, nothing to measure (%s)\n", e.what());
      cleanup();
      return 0;
    }
    Context &ctx = *ctxp;
    double ctxMs = msSince(tc);
    const int n = 1024;
    DeviceBuffer x = ctx.alloc(n * 4), y = ctx.alloc(n * 4), z = ctx.alloc(n * 4);
    Module mod = load(ctx, file);

    // Cold: the compiler alone, then a launch-ready kernel through the runtime.
    CompileRequest req;
    req.source = sourceOf(file);
    req.fileName = mod.fileName();
    req.kernelName = "vector_add";
    req.arch = ctx.arch();
    req.divisibleBy16 = {0, 1, 2, 3};
    auto t0 = Clock::now();
    CompiledKernel ck = compileKernel(req);
    double compileMs = msSince(t0);
    Kernel add = mod.kernel("vector_add");
    t0 = Clock::now();
    CUfunction fn = static_cast<CUfunction>(add.cuFunction(x, y, z, n));
    double firstMs = msSince(t0);

    // Warm start in fresh processes, which find only the disk cache.
    std::vector<double> warm, ctxChild;
    for (int i = 0; i < 5; ++i) {
      int fds[2];
      if (pipe(fds) != 0)
        throw Error(Error::Kind::IO, "pipe failed");
      pid_t pid = fork();
      if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        execl("/proc/self/exe", argv[0], "--warm-child", cacheDir.c_str(),
              file.empty() ? nullptr : file.c_str(), (char *)nullptr);
        _exit(127);
      }
      close(fds[1]);
      char buf[128] = {0};
      ssize_t got = read(fds[0], buf, sizeof buf - 1);
      close(fds[0]);
      int status = 0;
      waitpid(pid, &status, 0);
      double a = 0, b = 0;
      if (got > 0 && std::sscanf(buf, "%lf %lf", &a, &b) == 2) {
        ctxChild.push_back(a);
        warm.push_back(b);
      }
    }

    // Launch overhead: rounds of N launches, lacc and raw interleaved.
    const detail::Driver &d = detail::Driver::get();
    CUdeviceptr px = x.ptr().address, py = y.ptr().address, pz = z.ptr().address;
    int nn = n;
    void *params[] = {&px, &py, &pz, &nn};
    unsigned threads = ck.numWarps * 32;
    auto lacc = [&] {
      auto t = Clock::now();
      for (int i = 0; i < launches; ++i)
        add.launch(Grid(1), x, y, z, n);
      return std::chrono::duration<double, std::micro>(Clock::now() - t).count() / launches;
    };
    auto raw = [&] {
      auto t = Clock::now();
      for (int i = 0; i < launches; ++i)
        detail::check(d, d.cuLaunchKernel(fn, 1, 1, 1, threads, 1, 1, ck.sharedBytes, nullptr,
                                          params, nullptr),
                      "cuLaunchKernel");
      return std::chrono::duration<double, std::micro>(Clock::now() - t).count() / launches;
    };
    lacc();
    raw();
    ctx.synchronize();
    std::vector<double> laccUs, rawUs;
    for (int r = 0; r < rounds; ++r) {
      laccUs.push_back(lacc());
      ctx.synchronize();
      rawUs.push_back(raw());
      ctx.synchronize();
    }
    // The memory-cache lookup alone (argument checks + specialization key).
    auto t2 = Clock::now();
    const int lookups = 200000;
    for (int i = 0; i < lookups; ++i)
      add.cuFunction(x, y, z, n);
    double lookupNs = std::chrono::duration<double, std::nano>(Clock::now() - t2).count() / lookups;

    // A kernel that reads through the TMA encodes its tensor maps (cuTensorMapEncodeTiled) at
    // every launch: gemm_tma (three maps) at 64^3, launches in rounds short enough not to
    // fill the launch queue, and one encode alone (a 64 x 64 bf16 box of a 4096^2 tensor).
    double tmaUs = 0, plainUs = 0, encodeNs = 0;
    const bool tma = ctx.arch() == "sm_90a" && d.cuTensorMapEncodeTiled;
    if (tma) {
      const int m = 64, shortRound = 200;
      DeviceBuffer a = ctx.alloc(m * m * 2), b = ctx.alloc(m * m * 2), c = ctx.alloc(m * m * 2);
      Kernel gemm = ctx.loadEmbedded("gemm_tma.tile")
                        .kernel("gemm_tma", {{"BLOCK_M", 64}, {"BLOCK_N", 64}, {"BLOCK_K", 64}});
      Kernel plain = ctx.loadEmbedded("gemm.tile")
                         .kernel("gemm", {{"BLOCK_M", 64}, {"BLOCK_N", 64}, {"BLOCK_K", 64}});
      auto launchTma = [&] { gemm.launch(Grid(1), a, b, c, m, m, m, m, m, m, 1); };
      auto launchPlain = [&] { plain.launch(Grid(1), a, b, c, m, m, m, m, 1, m, 1, m, 1); };
      auto timeLaunches = [&](auto launch) {
        std::vector<double> us;
        for (int r = 0; r < rounds; ++r) {
          auto t = Clock::now();
          for (int i = 0; i < shortRound; ++i)
            launch();
          us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count() /
                       shortRound);
          ctx.synchronize();
        }
        return median(us);
      };
      timeLaunches(launchTma);
      timeLaunches(launchPlain);
      tmaUs = timeLaunches(launchTma);
      plainUs = timeLaunches(launchPlain);
      CUtensorMap map;
      cuuint64_t dims[2] = {4096, 4096}, strides[1] = {4096 * 2};
      cuuint32_t box[2] = {64, 64}, elementStrides[2] = {1, 1};
      const int encodes = 100000;
      auto t = Clock::now();
      for (int i = 0; i < encodes; ++i)
        detail::check(d,
                      d.cuTensorMapEncodeTiled(
                          &map, CU_TENSOR_MAP_DATA_TYPE_UINT16, 2,
                          reinterpret_cast<void *>(a.ptr().address), dims, strides, box,
                          elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE,
                          CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                          CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE),
                      "cuTensorMapEncodeTiled");
      encodeNs = std::chrono::duration<double, std::nano>(Clock::now() - t).count() / encodes;
    }

    std::printf("# lacc runtime benchmark\n\n");
    std::printf("device: %s (%s); kernel: vector_add from %s; %d launches x %d rounds\n\n",
                ctx.deviceName().c_str(), ctx.arch().c_str(), mod.fileName().c_str(), launches,
                rounds);
    std::printf("| measurement | value |\n|---|---|\n");
    std::printf("| launch, raw cuLaunchKernel (median) | %.2f us |\n", median(rawUs));
    std::printf("| launch, lacc Kernel::launch, cached (median) | %.2f us |\n", median(laccUs));
    std::printf("| lacc overhead over raw | %+.2f us |\n", median(laccUs) - median(rawUs));
    std::printf("| memory-cache lookup alone (checks + key) | %.0f ns |\n", lookupNs);
    std::printf("| cold compile, in-process source -> PTX | %.1f ms |\n", compileMs);
    std::printf("| cold first launch-ready (compile + cache write + JIT load) | %.1f ms |\n",
                firstMs);
    std::printf("| warm start from disk cache, new process (median of %zu) | %.2f ms |\n",
                warm.size(), median(warm));
    std::printf("| context creation (cuInit + primary context), new process | %.1f ms |\n",
                median(ctxChild));
    std::printf("| context creation, this process | %.1f ms |\n", ctxMs);
    if (tma) {
      std::printf("| launch, gemm_tma (3 tensor maps encoded), lacc (median) | %.2f us |\n",
                  tmaUs);
      std::printf("| launch, gemm (pointers, same arguments), lacc (median) | %.2f us |\n",
                  plainUs);
      std::printf("| cuTensorMapEncodeTiled alone, one 2-D map | %.0f ns |\n", encodeNs);
    }
  } catch (const Error &e) {
    std::fprintf(stderr, "lacc-bench-runtime: %s\n", e.what());
    cleanup();
    return 1;
  }
  cleanup();
  return 0;
}
