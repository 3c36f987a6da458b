//===- GpuTests.cpp - launches on a real GPU (skipped without one) ---------===//
//
// Outputs are poisoned (0xFF bytes: NaN as f32) before every run, so a kernel
// that writes nothing cannot pass.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <iostream>
#include <random>
#include <thread>

using namespace lacc;
using namespace lacc::test;

namespace {

struct GpuTest : ::testing::Test {
  TempDir dir;
  std::unique_ptr<Context> ctx;

  void SetUp() override {
    ContextOptions o;
    o.cacheDir = dir.path();
    o.interpret = false; // these tests are for the GPU, whatever LACC_INTERPRET says
    try {
      ctx = std::make_unique<Context>(o);
    } catch (const Error &e) {
      if (e.kind() == Error::Kind::NoDriver || e.kind() == Error::Kind::NoDevice)
        GTEST_SKIP() << e.what();
      throw;
    }
  }

  static std::vector<float> random(size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<float> dist(-10.f, 10.f);
    std::vector<float> v(n);
    for (float &f : v)
      f = dist(gen);
    return v;
  }
};

} // namespace

TEST_F(GpuTest, DeviceDescription) {
  EXPECT_TRUE(ctx->hasDevice());
  EXPECT_FALSE(ctx->deviceName().empty());
  EXPECT_EQ(ctx->arch().rfind("sm_", 0), 0u);
  EXPECT_GE(ctx->maxSharedBytes(), 48u * 1024);
}

TEST_F(GpuTest, BuffersRoundTripAndCheckBounds) {
  std::vector<float> host = random(1000, 1);
  DeviceBuffer b = ctx->upload(host);
  EXPECT_EQ(b.size(), 4000u);
  EXPECT_EQ(b.download<float>(), host);
  std::vector<float> part(10);
  b.copyTo(part.data(), 40, 400);
  EXPECT_EQ(part[0], host[100]);
  EXPECT_THROW(b.copyTo(part.data(), 40, 3990), Error);
  EXPECT_THROW(ctx->alloc(0), Error);
  b.fill(0xFF);
  for (float f : b.download<float>())
    EXPECT_TRUE(std::isnan(f));
}

TEST_F(GpuTest, DeviceCopiesAreOrderedAndEventsTimeThem) {
  const size_t n = size_t(64) << 20; // 256 MiB: long enough to time
  std::vector<float> host = random(1 << 16, 7);
  DeviceBuffer a = ctx->alloc(n * 4), b = ctx->alloc(n * 4);
  a.fill(0x40);
  a.copyFrom(host.data(), host.size() * 4);
  b.fill(0xFF);
  Event start = ctx->event(), stop = ctx->event();
  start.record();
  b.copyFromDevice(a, n * 4);
  stop.record();
  double ms = stop.msSince(start);
  EXPECT_GT(ms, 0.0);
  EXPECT_LT(ms, 1000.0);
  std::vector<float> head(host.size());
  b.copyTo(head.data(), head.size() * 4);
  EXPECT_EQ(head, host);
  float last = 0;
  b.copyTo(&last, 4, n * 4 - 4);
  EXPECT_EQ(last, 3.0039215087890625f) << "0x40404040, copied";
}

TEST_F(GpuTest, VectorAddMatchesTheHostReference) {
  Module mod = ctx->loadEmbedded("vector_add.tile");
  for (int block : {128, 1024}) {
    Kernel add = mod.kernel("vector_add", {{"BLOCK", block}});
    for (int n : {1, 63, 64, 65, 1000003}) {
      SCOPED_TRACE("BLOCK=" + std::to_string(block) + " n=" + std::to_string(n));
      std::vector<float> x = random(n, 2 * n), y = random(n, 2 * n + 1);
      DeviceBuffer dx = ctx->upload(x), dy = ctx->upload(y), dz = ctx->alloc(n * 4 + 64);
      dz.fill(0xFF);
      add.compile(dx, dy, dz, n);
      add.launch(Grid((n + block - 1) / block), dx, dy, dz, n);
      ctx->synchronize();
      std::vector<float> z = dz.download<float>();
      size_t bad = 0;
      for (int i = 0; i < n; ++i)
        bad += z[i] != x[i] + y[i];
      EXPECT_EQ(bad, 0u);
      // Nothing past n was written.
      for (size_t i = n; i < z.size(); ++i)
        ASSERT_TRUE(std::isnan(z[i])) << "wrote past the end at " << i;
    }
  }
}

TEST_F(GpuTest, MisalignedPointersGetTheirOwnSpecialization) {
  Module mod = ctx->loadEmbedded("vector_add.tile");
  Kernel add = mod.kernel("vector_add", {{"BLOCK", 256}});
  const int n = 4099;
  std::vector<float> x = random(n + 1, 7), y = random(n + 1, 8);
  DeviceBuffer dx = ctx->upload(x), dy = ctx->upload(y), dz = ctx->alloc((n + 1) * 4);
  dz.fill(0xFF);
  add.compile(dx.ptr() + 4, dy.ptr() + 4, dz.ptr() + 4, n);
  add.launch(Grid((n + 255) / 256), dx.ptr() + 4, dy.ptr() + 4, dz.ptr() + 4, n);
  ctx->synchronize();
  std::vector<float> z = dz.download<float>();
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(z[i + 1], x[i + 1] + y[i + 1]) << i;
  EXPECT_TRUE(std::isnan(z[0]));
}

TEST_F(GpuTest, WarmStartFromTheDiskCacheGivesTheSameResults) {
  const int n = 5000;
  std::vector<float> x = random(n, 3), y = random(n, 4);
  for (int round = 0; round < 2; ++round) {
    // A new context each round: the second finds only the disk cache.
    ContextOptions o;
    o.cacheDir = dir.path();
    o.interpret = false;
    int compiles = 0;
    o.compiler = [&](const CompileRequest &r) {
      ++compiles;
      return compileKernel(r);
    };
    Context c(o);
    Kernel add = c.loadEmbedded("vector_add.tile").kernel("vector_add");
    DeviceBuffer dx = c.upload(x), dy = c.upload(y), dz = c.alloc(n * 4);
    dz.fill(0xFF);
    add.compile(dx, dy, dz, n);
    EXPECT_EQ(compiles, round == 0 ? 1 : 0);
    add.launch(Grid((n + 1023) / 1024), Stream(), dx, dy, dz, n);
    c.synchronize();
    std::vector<float> z = dz.download<float>();
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(z[i], x[i] + y[i]) << i;
  }
}

TEST_F(GpuTest, TooMuchSharedMemoryIsAClearError) {
  ContextOptions o;
  o.cacheDir = dir.path();
  o.interpret = false;
  o.compiler = [](const CompileRequest &r) {
    CompiledKernel k = compileKernel(r);
    k.sharedBytes = 1 << 30;
    return k;
  };
  Context c(o);
  Kernel add = c.loadEmbedded("vector_add.tile").kernel("vector_add");
  DeviceBuffer b = c.alloc(64);
  try {
    add.launch(Grid(1), b, b, b, 16);
    FAIL() << "launched with 1 GiB of shared memory";
  } catch (const Error &e) {
    if (std::string(e.what()).find("code generation unavailable") != std::string::npos)
      GTEST_SKIP() << e.what();
    EXPECT_NE(std::string(e.what()).find("kernel 'vector_add' needs 1073741824 bytes of shared "
                                         "memory per block"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(add.variantCount(), 0u);
}

TEST_F(GpuTest, ThreadsShareOneContextKernelAndCache) {
  // Eight threads launch one Kernel handle at once, each on its own buffers;
  // their sizes select four specializations (n divisible by 16 or not, two
  // pointer alignments), compiled concurrently on first use.
  Module mod = ctx->loadEmbedded("vector_add.tile");
  Kernel add = mod.kernel("vector_add", {{"BLOCK", 512}});
  std::atomic<int> wrong{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      try {
        const int n = 100000 + (t % 2 ? 7 : 16) * t, shift = t % 4 < 2 ? 0 : 4;
        std::vector<float> x = random(n + 1, 100 + t), y = random(n + 1, 200 + t);
        DeviceBuffer dx = ctx->upload(x), dy = ctx->upload(y), dz = ctx->alloc((n + 1) * 4);
        for (int rep = 0; rep < 20; ++rep) {
          dz.fill(0xFF);
          add.launch(Grid((n + 511) / 512), dx.ptr() + shift, dy.ptr() + shift,
                     dz.ptr() + shift, n);
          ctx->synchronize();
          std::vector<float> z = dz.download<float>();
          int off = shift / 4;
          for (int i = 0; i < n; ++i)
            wrong += z[i + off] != x[i + off] + y[i + off];
        }
      } catch (const Error &e) {
        ADD_FAILURE() << "thread " << t << ": " << e.what();
        ++failures;
      }
    });
  for (std::thread &th : threads)
    th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GE(add.variantCount(), 4u);
}

// --- @autotune on a real kernel ----------------------------------------------------------

namespace {
uint16_t toBF16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1); // round to nearest even (no NaNs here)
  return uint16_t(u >> 16);
}
double fromBF16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
} // namespace

TEST_F(GpuTest, AutotunedGemmIsRightAndTunesOncePerShape) {
  // kernels/gemm_autotune.tile accumulating, C += A @ B: a timed run that was not undone
  // (restore=["c"]) would show as C += k * (A @ B).
  const int M = 300, N = 200, K = 160;
  std::vector<float> fa = random(size_t(M) * K, 11), fb = random(size_t(K) * N, 12),
                     fc = random(size_t(M) * N, 13);
  std::vector<uint16_t> a(fa.size()), b(fb.size()), c0(fc.size());
  for (size_t i = 0; i < fa.size(); ++i)
    a[i] = toBF16(fa[i] / 10);
  for (size_t i = 0; i < fb.size(); ++i)
    b[i] = toBF16(fb[i] / 10);
  for (size_t i = 0; i < fc.size(); ++i)
    c0[i] = toBF16(fc[i]);
  std::vector<double> want(size_t(M) * N);
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double s = fromBF16(c0[size_t(m) * N + n]);
      for (int k = 0; k < K; ++k)
        s += fromBF16(a[size_t(m) * K + k]) * fromBF16(b[size_t(k) * N + n]);
      want[size_t(m) * N + n] = s;
    }
  auto grid = [&](const ConstMap &cm) {
    auto cdiv = [](int64_t x, int64_t y) { return (x + y - 1) / y; };
    return Grid(cdiv(M, cm.at("BLOCK_M").asInt()) * cdiv(N, cm.at("BLOCK_N").asInt()));
  };
  auto check = [&](const DeviceBuffer &dc) {
    std::vector<uint16_t> got = dc.download<uint16_t>();
    double err = 0, norm = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      double d = fromBF16(got[i]) - want[i];
      err += d * d;
      norm += want[i] * want[i];
    }
    EXPECT_LT(std::sqrt(err / norm), 1e-2) << "relative error";
  };

  ScopedEnv print("LACC_PRINT_AUTOTUNING", "1");
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE(round == 0 ? "tuning" : "a new context, from the record");
    LogCapture log;
    ContextOptions o;
    o.cacheDir = dir.path();
    o.interpret = false;
    Context c(o);
    Kernel gemm = c.loadEmbedded("gemm_autotune.tile").kernel("gemm_autotune",
                                                              {{"ACCUMULATE", true}});
    DeviceBuffer da = c.upload(a), db = c.upload(b), dc = c.upload(c0);
    try {
      gemm.launch(grid, da, db, dc, M, N, K, K, 1, N, 1, N, 1);
    } catch (const Error &e) {
      if (std::string(e.what()).find("code generation unavailable") != std::string::npos)
        GTEST_SKIP() << e.what();
      throw;
    }
    c.synchronize();
    check(dc);
    ASSERT_EQ(log.messages().size(), 1u);
    const std::string first = log.messages()[0];
    if (round == 0)
      EXPECT_NE(first.find("\n  winner: config "), std::string::npos) << first;
    else
      EXPECT_NE(first.find("; not timed again"), std::string::npos) << first;
    std::cout << first << "\n";

    // The same shape again: no tuning, the same result from the caller's C.
    dc.upload(c0);
    gemm.launch(grid, da, db, dc, M, N, K, K, 1, N, 1, N, 1);
    c.synchronize();
    check(dc);
    EXPECT_EQ(log.messages().size(), 1u) << "tuned again";
  }
}
