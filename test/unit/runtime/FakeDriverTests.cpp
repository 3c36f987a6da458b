//===- FakeDriverTests.cpp - the GPU path against a fake libcuda.so.1 -------===//
//
// This executable's RUNPATH points at fakecuda/, so dlopen("libcuda.so.1")
// finds the fake driver (also on the GPU machine): what reaches the driver —
// grid, block, shared memory, the bytes of each parameter, the opt-in for more
// than 48 KiB, the JIT log, module unloading on errors — is checked here
// without a GPU. GpuTests checks the real thing.
//
//===----------------------------------------------------------------------===//

#include "FakeDriver.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace lacc;
using namespace lacc::test;

namespace {

struct FakeDriverTest : ::testing::Test {
  TempDir dir;
  FakeCompiler compiler;
  Fake fake;

  void SetUp() override {
    ASSERT_TRUE(fake.lib) << dlerror();
    ASSERT_TRUE(dlsym(fake.lib, "fake_launch_count"))
        << "libcuda.so.1 is the real driver, not the fake: check this test's RUNPATH";
  }

  Context context(CompileFunction f = {}) {
    ContextOptions o;
    o.cacheDir = dir.path();
    o.interpret = false;
    o.compiler = f ? f : compiler.function();
    return Context(o);
  }

  template <class F> static std::string errorOf(F f) {
    try {
      f();
    } catch (const Error &e) {
      return e.what();
    }
    return "(no error)";
  }
};

} // namespace

TEST_F(FakeDriverTest, ContextDescribesTheDeviceAndReleasesIt) {
  int before = fake.primaryRefs();
  {
    Context ctx = context();
    EXPECT_TRUE(ctx.hasDevice());
    EXPECT_EQ(ctx.deviceName(), "Fake H200");
    EXPECT_EQ(ctx.arch(), "sm_90a");
    EXPECT_EQ(ctx.maxSharedBytes(), 232448u);
    EXPECT_EQ(ctx.multiprocessorCount(), 132);
    EXPECT_EQ(fake.primaryRefs(), before + 1);
  }
  EXPECT_EQ(fake.primaryRefs(), before);
  ContextOptions o;
  o.interpret = false;
  o.device = 3;
  EXPECT_EQ(errorOf([&] { Context c(o); }), "no CUDA device 3: there is 1 (ordinals from 0)");
}

TEST_F(FakeDriverTest, LaunchPassesGridBlockAndParameterBytes) {
  Context ctx = context();
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add", {}, [] {
    KernelOptions o;
    o.numWarps = 8;
    return o;
  }());
  DeviceBuffer x = ctx.alloc(4096), y = ctx.alloc(4096), z = ctx.alloc(4096);
  fake.expectParams(4);
  int before = fake.launches();
  add.launch(Grid(3, 2, 1), x, y, z, -7);
  ASSERT_EQ(fake.launches(), before + 1);
  const unsigned *d = fake.dims();
  EXPECT_EQ(d[0], 3u);
  EXPECT_EQ(d[1], 2u);
  EXPECT_EQ(d[2], 1u);
  EXPECT_EQ(d[3], 256u) << "8 warps";
  EXPECT_EQ(d[6], 0u) << "no shared memory";
  EXPECT_EQ(fake.param(0), x.ptr().address);
  EXPECT_EQ(fake.param(2), z.ptr().address);
  EXPECT_EQ(fake.param(3) & 0xffffffff, 0xfffffff9u) << "i32 -7, low 4 bytes";
  EXPECT_EQ(compiler.last->numWarps, 8u);
  EXPECT_EQ(compiler.last->divisibleBy16, (std::vector<unsigned>{0, 1, 2}));
}

TEST_F(FakeDriverTest, ScalarsAreEncodedAsTheirParameterTypes) {
  Context ctx = context();
  Kernel many = ctx.loadSource(kManyParams, "many.tile").kernel("many", {{"B", 2}});
  DeviceBuffer p = ctx.alloc(64), q = ctx.alloc(64);
  fake.expectParams(7);
  many.launch(Grid(1), p, q, int64_t(-1), int16_t(-2), 1.5, 1.0f, true);
  EXPECT_EQ(fake.param(2), ~0ull) << "i64 -1";
  EXPECT_EQ(fake.param(3) & 0xffff, 0xfffeu) << "i16 -2";
  float f = 1.5f;
  uint32_t fbits;
  std::memcpy(&fbits, &f, 4);
  EXPECT_EQ(fake.param(4) & 0xffffffff, fbits) << "f32 from a double";
  EXPECT_EQ(fake.param(5) & 0xffff, 0x3f80u) << "bf16 1.0";
  EXPECT_EQ(fake.param(6) & 0xff, 1u) << "bool";
}

TEST_F(FakeDriverTest, LargeSharedMemoryOptsIn) {
  FakeCompiler big;
  big.sharedBytes = 100 * 1024;
  Context ctx = context(big.function());
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
  DeviceBuffer b = ctx.alloc(64);
  fake.expectParams(4);
  add.launch(Grid(1), b, b, b, 16); // the fake refuses > 48 KiB without the opt-in
  EXPECT_EQ(fake.dims()[6], 100u * 1024);
  auto limit = fake.fn<int(void *)>("fake_dynamic_shared_limit");
  EXPECT_EQ(limit(add.cuFunction(b, b, b, 16)), 100 * 1024);
}

TEST_F(FakeDriverTest, TooMuchSharedMemoryIsRefusedBeforeLoading) {
  FakeCompiler huge;
  huge.sharedBytes = 300 * 1024;
  Context ctx = context(huge.function());
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
  DeviceBuffer b = ctx.alloc(64);
  int loaded = fake.loaded();
  EXPECT_EQ(errorOf([&] { add.launch(Grid(1), b, b, b, 16); }),
            "kernel 'vector_add' needs 307200 bytes of shared memory per block; Fake H200 allows "
            "232448 (use a smaller block or fewer stages)");
  EXPECT_EQ(fake.loaded(), loaded);
  EXPECT_EQ(add.variantCount(), 0u);
}

TEST_F(FakeDriverTest, JitErrorsCarryTheDriverLog) {
  Context ctx = context([](const CompileRequest &r) {
    CompiledKernel k = FakeCompiler().function()(r);
    k.ptx += "// BAD\n";
    return k;
  });
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
  DeviceBuffer b = ctx.alloc(64);
  EXPECT_EQ(errorOf([&] { add.launch(Grid(1), b, b, b, 16); }),
            "cuModuleLoadDataEx of kernel 'vector_add' (sm_90a) failed: CUDA_ERROR_INVALID_PTX (a "
            "PTX JIT compilation failed, code 218)\nptxas fatal   : Unresolved extern function "
            "'BAD'");
  EXPECT_EQ(add.variantCount(), 0u);
}

TEST_F(FakeDriverTest, MissingEntryUnloadsTheModule) {
  Context ctx = context([](const CompileRequest &r) {
    CompiledKernel k = FakeCompiler().function()(r);
    k.name = "renamed";
    return k;
  });
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
  DeviceBuffer b = ctx.alloc(64);
  int unloaded = fake.unloaded();
  EXPECT_EQ(errorOf([&] { add.launch(Grid(1), b, b, b, 16); }),
            "cuModuleGetFunction('renamed') failed: CUDA_ERROR_NOT_FOUND (named symbol not "
            "found, code 500)");
  EXPECT_EQ(fake.unloaded(), unloaded + 1) << "no module leaks on an error";
}

TEST_F(FakeDriverTest, LaunchFailuresNameTheKernelAndConfiguration) {
  Context ctx = context();
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
  DeviceBuffer b = ctx.alloc(64);
  EXPECT_EQ(errorOf([&] { add.launch(Grid(12345), b, b, b, 16); }),
            "cuLaunchKernel of kernel 'vector_add' (grid 12345x1x1, 128 threads, 0 bytes of "
            "shared memory) failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (too many resources "
            "requested for launch, code 701)");
  // The kernel is still usable afterwards, on a raw CUstream too.
  fake.expectParams(4);
  int before = fake.launches();
  add.launch(Grid(1), static_cast<CUstream_st *>(nullptr), b, b, b, 16);
  EXPECT_EQ(fake.launches(), before + 1);
}

TEST_F(FakeDriverTest, ModulesAreUnloadedWithTheirKernels) {
  int unloaded = fake.unloaded();
  {
    Context ctx = context();
    Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
    DeviceBuffer b = ctx.alloc(64);
    add.cuFunction(b, b, b, 16);
    add.cuFunction(b, b, b, 17);
  }
  EXPECT_EQ(fake.unloaded(), unloaded + 2);
}

TEST_F(FakeDriverTest, BuffersCopyAndFreeThroughTheDriver) {
  size_t live = fake.liveAllocations();
  {
    Context ctx = context();
    DeviceBuffer b = ctx.upload(std::vector<int>{1, 2, 3, 4});
    EXPECT_EQ(fake.liveAllocations(), live + 1);
    EXPECT_EQ(b.download<int>(), (std::vector<int>{1, 2, 3, 4}));
    b.fill(0);
    EXPECT_EQ(b.download<int>(), (std::vector<int>{0, 0, 0, 0}));
    EXPECT_EQ(errorOf([&] { b.copyFrom("abc", 4, 14); }),
              "DeviceBuffer::copyFrom: 4 bytes at offset 14 do not fit in a buffer of 16 bytes");
    DeviceBuffer moved = std::move(b);
    EXPECT_FALSE(b);
    EXPECT_EQ(moved.size(), 16u);
    EXPECT_EQ(errorOf([&] { ctx.alloc(size_t(1) << 40); }),
              "cuMemAlloc of 1099511627776 bytes failed: CUDA_ERROR_OUT_OF_MEMORY (out of "
              "memory, code 2)");
  }
  EXPECT_EQ(fake.liveAllocations(), live);
}

TEST_F(FakeDriverTest, DeviceCopiesAndEventsGoThroughTheDriver) {
  Context ctx = context();
  DeviceBuffer a = ctx.upload(std::vector<int>{1, 2, 3, 4}), b = ctx.alloc(16);
  b.fill(0);
  b.copyFromDevice(a, 12);
  EXPECT_EQ(b.download<int>(), (std::vector<int>{1, 2, 3, 0}));
  EXPECT_EQ(errorOf([&] { b.copyFromDevice(a, 20); }),
            "DeviceBuffer::copyFromDevice (destination): 20 bytes at offset 0 do not fit in a "
            "buffer of 16 bytes");
  // The fake's events count launches: the elapsed "milliseconds" are the launches between.
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
  fake.expectParams(4);
  Event start = ctx.event(), stop = ctx.event();
  EXPECT_EQ(errorOf([&] { stop.msSince(start); }),
            "Event::msSince: both events must have been recorded");
  start.record();
  add.launch(Grid(1), a, a, b, 4);
  add.launch(Grid(1), a, a, b, 4);
  stop.record();
  EXPECT_EQ(stop.msSince(start), 2.0);
}

TEST_F(FakeDriverTest, WarmStartLoadsFromTheDiskCacheWithoutCompiling) {
  DeviceBuffer keep;
  for (int round = 0; round < 2; ++round) {
    Context ctx = context();
    Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
    DeviceBuffer b = ctx.alloc(64);
    fake.expectParams(4);
    add.launch(Grid(1), b, b, b, 16);
  }
  EXPECT_EQ(compiler.count(), 1);
}
