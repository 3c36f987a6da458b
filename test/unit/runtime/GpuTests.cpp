//===- GpuTests.cpp - launches on a real GPU (skipped without one) ---------===//
//
// Outputs are poisoned (0xFF bytes: NaN as f32) before every run, so a kernel
// that writes nothing cannot pass.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <atomic>
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
