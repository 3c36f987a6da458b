//===- AutotuneTests.cpp - @autotune on the fake driver and the interpreter -===//
//
// The fake driver's time is virtual (fakecuda/FakeCuda.cpp): every launch takes
// 1 ms unless a test gives the kernels of one config another time, so which
// config wins is the test's to decide. Compile functions write markers into
// the PTX (registers, spills, an increment per launch) to make a config
// exceed its resources or show how often it ran.
//
//===----------------------------------------------------------------------===//

#include "FakeDriver.h"
#include "TestUtil.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <set>
#include <thread>

using namespace lacc;
using namespace lacc::test;

namespace {

/// out += x * SCALE, so a run that does not start from the caller's `out` shows.
const char *kScale = R"(@autotune(configs=[config(BLOCK=64, num_warps=2),
                   config(BLOCK=128, num_warps=4),
                   config(BLOCK=256, num_warps=8)],
          key=["n"], restore=["out"])
@kernel
def scale(x: ptr<f32>, out: ptr<f32>, n: i32, const BLOCK: i32, const SCALE: f32 = 1.0):
    offs = program_id(0) * BLOCK + arange(0, BLOCK)
    mask = offs < n
    store(out + offs, load(out + offs, mask=mask) + load(x + offs, mask=mask) * SCALE, mask=mask)
)";

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/// A FakeCompiler whose PTX gets `markers(request)` appended.
CompileFunction withMarkers(const FakeCompiler &compiler,
                            std::function<std::string(const CompileRequest &)> markers) {
  CompileFunction base = compiler.function();
  return [base, markers](const CompileRequest &r) {
    CompiledKernel k = base(r);
    k.ptx += "// " + markers(r) + "\n";
    return k;
  };
}

int64_t block(const CompileRequest &r) { return r.constants.at("BLOCK").asInt(); }

struct AutotuneTest : ::testing::Test {
  TempDir dir;
  FakeCompiler compiler;
  Fake fake;

  void SetUp() override {
    ASSERT_TRUE(fake.lib && dlsym(fake.lib, "fake_set_kernel_time"))
        << "libcuda.so.1 is not the fake driver: check this test's RUNPATH";
    fake.clearKernelTimes();
    fake.expectParams(3);
  }
  void TearDown() override { fake.clearKernelTimes(); }

  Context context(CompileFunction f = {}) {
    ContextOptions o;
    o.cacheDir = dir.path();
    o.interpret = false;
    o.alwaysCompile = false;
    o.compiler = f ? f : compiler.function();
    return Context(o);
  }

  /// scale's grid: one program per BLOCK elements of n.
  static auto gridFor(int n) {
    return [n](const ConstMap &c) { return Grid(cdiv(n, c.at("BLOCK").asInt())); };
  }

  std::vector<std::string> tuningRecords() const {
    std::vector<std::string> paths;
    for (const DiskCache::Entry &e : DiskCache(dir.path()).list())
      if (e.isTuning)
        paths.push_back(e.path);
    return paths;
  }
};

} // namespace

TEST_F(AutotuneTest, TheFastestConfigWinsAndTheGridFollowsIt) {
  fake.setKernelTime("BLOCK=128 ", 0.25);
  fake.setKernelTime("BLOCK=256 ", 2.0);
  Context ctx = context();
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  EXPECT_TRUE(k.autotuned());
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  int before = fake.launches();
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_GT(fake.launches() - before, 3 * 5) << "every config is timed over several runs";
  EXPECT_EQ(compiler.count(), 3);
  const unsigned *d = fake.dims();
  EXPECT_EQ(d[0], 8u) << "cdiv(1000, 128)";
  EXPECT_EQ(d[3], 128u) << "num_warps=4";

  // The same key again: the choice is found, nothing is timed or compiled.
  before = fake.launches();
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_EQ(fake.launches(), before + 1);
  EXPECT_EQ(fake.dims()[0], 8u);

  // Another key is tuned on its own; now the smallest block is the fastest.
  fake.clearKernelTimes();
  fake.setKernelTime("BLOCK=64 ", 0.5);
  before = fake.launches();
  k.launch(gridFor(1001), x, out, 1001);
  EXPECT_GT(fake.launches() - before, 3 * 5);
  EXPECT_EQ(fake.dims()[0], 16u) << "cdiv(1001, 64)";
  EXPECT_EQ(fake.dims()[3], 64u) << "num_warps=2";
  EXPECT_EQ(compiler.count(), 3) << "the same specialization: compiled once per config";
  EXPECT_EQ(k.variantCount(), 3u);

  // Both keys still launch what they chose.
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_EQ(fake.dims()[0], 8u);
}

TEST_F(AutotuneTest, ConfigsCompileInParallel) {
  auto inFlight = std::make_shared<std::atomic<int>>(0);
  auto most = std::make_shared<std::atomic<int>>(0);
  auto threads = std::make_shared<std::set<std::thread::id>>();
  auto mutex = std::make_shared<std::mutex>();
  CompileFunction base = compiler.function();
  Context ctx = context([=](const CompileRequest &r) {
    int now = ++*inFlight;
    for (int seen = *most; now > seen && !most->compare_exchange_weak(seen, now);) {
    }
    {
      std::lock_guard<std::mutex> lock(*mutex);
      threads->insert(std::this_thread::get_id());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150)); // a compile takes a while
    --*inFlight;
    return base(r);
  });
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_EQ(compiler.count(), 3);
  EXPECT_GE(most->load(), 2) << "no two configs compiled at the same time";
  EXPECT_GE(threads->size(), 2u);
}

TEST_F(AutotuneTest, RestoredBuffersStartEveryRunFromTheCallersData) {
  // Each launch adds one to out[0] (parameter 1): a tuning that did not restore `out` would
  // leave it incremented once per timed run.
  auto addOne = withMarkers(compiler, [](const CompileRequest &) { return "fake-add-one=1"; });
  size_t live = fake.liveAllocations();
  for (bool restore : {true, false}) {
    SCOPED_TRACE(restore ? "restore=[\"out\"]" : "no restore");
    std::string source = kScale;
    if (!restore)
      source.replace(source.find(", restore=[\"out\"]"), std::strlen(", restore=[\"out\"]"), "");
    Context ctx = context(addOne);
    Kernel k = ctx.loadSource(source, restore ? "scale.tile" : "accumulate.tile").kernel("scale");
    DeviceBuffer x = ctx.alloc(4096);
    // `out` points 16 bytes into its allocation: the whole allocation is kept.
    DeviceBuffer outBuffer = ctx.upload(std::vector<int32_t>(1024, 0));
    std::vector<int32_t> host(1024, 7);
    host[4] = 41;
    outBuffer.upload(host);
    int before = fake.launches();
    k.launch(gridFor(1000), x, outBuffer.ptr() + 16, 1000);
    int runs = fake.launches() - before;
    std::vector<int32_t> after = outBuffer.download<int32_t>();
    if (restore) {
      EXPECT_EQ(after[4], 42) << "the caller's value plus the one launch it asked for";
      // Not only at the end: each timed run (warm-up included) found the caller's value.
      for (int i = 0; i < runs; ++i)
        ASSERT_EQ(fake.addedTo(before + i), 41) << "run " << i << " of " << runs;
    } else {
      EXPECT_EQ(after[4], 41 + runs) << "without restore every run accumulates";
      EXPECT_GT(runs, 1);
    }
    EXPECT_EQ(after[0], 7);
    EXPECT_EQ(after[1023], 7);
  }
  EXPECT_EQ(fake.liveAllocations(), live) << "the saved copies are freed";
}

TEST_F(AutotuneTest, TheDiskRecordIsReusedByTheNextProcessWithoutTiming) {
  fake.setKernelTime("BLOCK=256 ", 0.5);
  {
    Context ctx = context();
    Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
    DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
    k.launch(gridFor(1000), x, out, 1000);
    EXPECT_EQ(fake.dims()[0], 4u) << "BLOCK=256 won";
  }
  ASSERT_EQ(tuningRecords().size(), 1u);
  EXPECT_EQ(compiler.count(), 3);

  // A new context is a new process's view: the record is read, only the winner is loaded
  // (from the kernel cache: nothing compiles), and nothing is timed.
  ScopedEnv print("LACC_PRINT_AUTOTUNING", "1");
  LogCapture log;
  Context ctx = context();
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  int before = fake.launches(), loaded = fake.loaded();
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_EQ(fake.launches(), before + 1);
  EXPECT_EQ(fake.loaded(), loaded + 1) << "only the winner";
  EXPECT_EQ(fake.dims()[0], 4u);
  EXPECT_EQ(compiler.count(), 3);
  EXPECT_EQ(log.count("autotune: kernel 'scale' (scale.tile:1), n=1000: config 3 (BLOCK=256, "
                      "num_warps=8, 0.5 ms when tuned), the winner kept in " +
                      tuningRecords().at(0) + "; not timed again"),
            1u)
      << (log.messages().empty() ? "" : log.messages()[0]);

  // The record belongs to the key: another n is tuned.
  before = fake.launches();
  k.launch(gridFor(1001), x, out, 1001);
  EXPECT_GT(fake.launches() - before, 1);
  EXPECT_EQ(tuningRecords().size(), 2u);
}

TEST_F(AutotuneTest, ACorruptRecordIsTunedAgainNeverTrusted) {
  fake.setKernelTime("BLOCK=64 ", 0.5);
  {
    Context ctx = context();
    Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
    DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
    k.launch(gridFor(1000), x, out, 1000);
  }
  ASSERT_EQ(tuningRecords().size(), 1u);
  std::string path = tuningRecords()[0];
  std::string good = readFile(path);
  // One flipped bit, in the timings: only the checksum can tell.
  std::string bad = good;
  bad[bad.size() - 30] ^= 0x20;
  writeFile(path, bad);

  ScopedEnv quiet("LACC_PRINT_AUTOTUNING", "0"); // "0" is off, as unset is
  LogCapture log;
  Context ctx = context();
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  int before = fake.launches();
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_GT(fake.launches() - before, 1) << "tuned again";
  EXPECT_EQ(fake.dims()[0], 16u) << "BLOCK=64 still wins";
  EXPECT_EQ(log.count("corrupt cache entry " + path + " (checksum mismatch): deleted; the kernel "
                      "is tuned again"),
            1u);
  EXPECT_EQ(log.messages().size(), 1u) << "the warning only: tuning prints nothing unasked";
  EXPECT_EQ(readFile(path), good) << "the new record replaces it";
}

TEST_F(AutotuneTest, FailingConfigsAreSkippedWithTheirReasons) {
  const char *source = R"(@autotune(configs=[config(BLOCK=64), config(BLOCK=128),
                   config(BLOCK=256, num_warps=16), config(BLOCK=512), config(BLOCK=1024)],
          key=["n"])
@kernel
def scale(x: ptr<f32>, out: ptr<f32>, n: i32, const BLOCK: i32):
    pass
)";
  CompileFunction base = compiler.function();
  auto compile = [base](const CompileRequest &r) {
    if (block(r) == 64)
      throw Error(Error::Kind::Compile, "scale.tile:6:5: error: BLOCK=64 is too small");
    CompiledKernel k = base(r);
    if (block(r) == 128)
      k.sharedBytes = 300 * 1024; // more than the device has
    if (block(r) == 256)
      k.ptx += "// fake-regs=255\n"; // 256 threads at most, and 16 warps are 512
    return k;
  };
  ScopedEnv print("LACC_PRINT_AUTOTUNING", "1");
  LogCapture log;
  Context ctx = context(compile);
  Kernel k = ctx.loadSource(source, "fails.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  // The grid of BLOCK=512 is one the fake driver refuses to launch.
  k.launch([](const ConstMap &c) { return Grid(c.at("BLOCK").asInt() == 512 ? 12345 : 1); }, x,
           out, 1000);
  EXPECT_EQ(fake.dims()[3], 128u) << "BLOCK=1024 (4 warps) is the one that works";
  ASSERT_EQ(log.messages().size(), 1u);
  const std::string m = log.messages()[0];
  EXPECT_NE(m.find("autotune: kernel 'scale' (fails.tile:1), n=1000, on Fake H200 (sm_90a): 5 "
                   "configs compiled in "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n  config 1 (BLOCK=64): skipped: scale.tile:6:5: error: BLOCK=64 is too "
                   "small\n"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n  config 2 (BLOCK=128): skipped: kernel 'scale' needs 307200 bytes of "
                   "shared memory per block; Fake H200 allows 232448"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n  config 3 (BLOCK=256, num_warps=16): skipped: kernel 'scale' with "
                   "num_warps=16 needs 512 threads per block, but its register use allows 256"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n  config 4 (BLOCK=512): skipped: cuLaunchKernel of kernel 'scale' (grid "
                   "12345x1x1"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n  config 5 (BLOCK=1024): 1 ms, 32 registers, 0 B spill stores, 0 B spill "
                   "loads, 0 B stack, 0 B static shared memory, 0 B dynamic shared memory"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("\n  winner: config 5 (BLOCK=1024); kept in " + dir.path() + "/"),
            std::string::npos)
      << m;
}

TEST_F(AutotuneTest, WhenNoConfigWorksTheErrorListsEveryReason) {
  Context ctx = context([](const CompileRequest &r) -> CompiledKernel {
    throw Error(Error::Kind::Compile,
                "scale.tile:7:5: error: no\n    offs = ...\n    ^ (BLOCK=" +
                    std::to_string(block(r)) + ")");
  });
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  int before = fake.launches();
  expectError([&] { k.launch(gridFor(1000), x, out, 1000); }, Error::Kind::Compile,
              "kernel 'scale' (@autotune at scale.tile:1): no config works for n=1000:\n"
              "  config 1 (BLOCK=64, num_warps=2): scale.tile:7:5: error: no\n"
              "        offs = ...\n"
              "        ^ (BLOCK=64)\n"
              "  config 2 (BLOCK=128, num_warps=4): scale.tile:7:5: error: no\n"
              "        offs = ...\n"
              "        ^ (BLOCK=128)\n"
              "  config 3 (BLOCK=256, num_warps=8): scale.tile:7:5: error: no\n"
              "        offs = ...\n"
              "        ^ (BLOCK=256)");
  EXPECT_EQ(fake.launches(), before);
  EXPECT_TRUE(tuningRecords().empty());

  // Failures of different kinds: an Argument error.
  Context mixed = context([&](const CompileRequest &r) {
    if (block(r) == 64)
      throw Error(Error::Kind::Compile, "no");
    CompiledKernel c = compiler.function()(r);
    c.sharedBytes = 1 << 20;
    return c;
  });
  Kernel m = mixed.loadSource(kScale, "scale.tile").kernel("scale");
  expectErrorContaining([&] { m.launch(gridFor(1000), x, out, 1000); }, Error::Kind::Argument,
                        "\n  config 1 (BLOCK=64, num_warps=2): no\n  config 2 (BLOCK=128, "
                        "num_warps=4): kernel 'scale' needs 1048576 bytes of shared memory");
}

TEST_F(AutotuneTest, WhatTheConfigsTuneTheCallerMayNotGive) {
  Context ctx = context();
  Module mod = ctx.loadSource(kScale, "scale.tile");
  expectError([&] { mod.kernel("scale", {{"BLOCK", 64}}); }, Error::Kind::Argument,
              "kernel 'scale': the constants give 'BLOCK' = 64, which @autotune (scale.tile:1) "
              "tunes (config 1: BLOCK=64, num_warps=2); leave it to the configs");
  KernelOptions warps;
  warps.numWarps = 4;
  expectError([&] { mod.kernel("scale", {}, warps); }, Error::Kind::Argument,
              "kernel 'scale': KernelOptions::numWarps is 4, which @autotune (scale.tile:1) "
              "tunes (config 1: BLOCK=64, num_warps=2); leave it to the configs");
  // What no config sets stays the caller's: SCALE, and num_stages.
  KernelOptions stages;
  stages.numStages = 2;
  Kernel k = mod.kernel("scale", {{"SCALE", 2}}, stages);
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_EQ(compiler.last->constants.at("SCALE"), ConstValue(2.0));
  EXPECT_EQ(compiler.last->numStages, 2u);
  EXPECT_EQ(k.constants(), (ConstMap{{"SCALE", 2.0}}));

  // A config that leaves a const without a default unset.
  const char *partial = R"(@autotune(configs=[config(B=64), config(num_warps=4)], key=[])
@kernel
def k(x: ptr<f32>, const B: i32):
    pass
)";
  expectError([&] { ctx.loadSource(partial, "partial.tile").kernel("k"); }, Error::Kind::Argument,
              "kernel 'k', @autotune config 2 (num_warps=4): needs a value for const parameter "
              "'B'");
  // Unless the caller gives it (which the configs then do not tune).
  const char *byCaller = R"(@autotune(configs=[config(num_warps=2), config(num_warps=4)], key=[])
@kernel
def k(x: ptr<f32>, const B: i32):
    pass
)";
  EXPECT_NO_THROW(ctx.loadSource(byCaller, "caller.tile").kernel("k", {{"B", 8}}));
}

TEST_F(AutotuneTest, DecoratorMistakesAreReportedWhenTheSourceLoads) {
  Context ctx = context();
  expectError(
      [&] {
        ctx.loadSource("@autotune(configs=[config(BLOK=64)], key=[\"n\"])\n"
                       "@kernel\n"
                       "def k(x: ptr<f32>, n: i32, const BLOCK: i32):\n"
                       "    pass\n",
                       "typo.tile");
      },
      Error::Kind::Compile,
      "typo.tile:1:27: error: 'BLOK' is not a const parameter of 'k' (its const parameters: "
      "BLOCK)\n"
      "@autotune(configs=[config(BLOK=64)], key=[\"n\"])\n"
      "                          ^\n");
}

TEST_F(AutotuneTest, PtxasReportIsKeptWithTheKernelAndShown) {
  auto report = withMarkers(compiler, [](const CompileRequest &) {
    return "fake-regs=40 fake-spill=8";
  });
  {
    Context ctx = context(report);
    Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add");
    DeviceBuffer b = ctx.alloc(64);
    fake.expectParams(4);
    const CompiledKernel &k = add.compile(b, b, b, 16);
    EXPECT_EQ(k.ptxas.registers, 40);
    EXPECT_EQ(k.ptxas.spillStoreBytes, 8);
    EXPECT_EQ(k.ptxas.spillLoadBytes, 8);
    EXPECT_EQ(k.ptxas.stackBytes, 8);
    EXPECT_EQ(k.ptxas.staticSharedBytes, 0);
    EXPECT_NE(k.ptxas.log.find("Used 40 registers"), std::string::npos) << k.ptxas.log;
    EXPECT_EQ(k.ptxas.summary(), "40 registers, 8 B spill stores, 8 B spill loads, 8 B stack, 0 "
                                 "B static shared memory");
  }
  // On disk with the kernel: a new context loads it (and the report) without compiling.
  auto entries = DiskCache(dir.path()).list();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kernel.ptxas.registers, 40);
  std::ostringstream out, err;
  ASSERT_EQ(runCacheCommand({"--dir", dir.path(), "show", entries[0].key}, out, err), 0);
  EXPECT_NE(out.str().find("\nptxas 40 registers, 8 B spill stores, 8 B spill loads, 8 B stack, "
                           "0 B static shared memory\nptxas info    : Compiling entry function "
                           "'vector_add' for 'sm_90a'\n"),
            std::string::npos)
      << out.str();
  std::ostringstream ls;
  ASSERT_EQ(runCacheCommand({"--dir", dir.path(), "ls"}, ls, err), 0);
  EXPECT_NE(ls.str().find("  registers=40  spill_stores=8B\n"), std::string::npos) << ls.str();
}

TEST_F(AutotuneTest, AnEntryKeptBeforeItWasLoadedGetsItsReportWhenLoaded) {
  auto report = withMarkers(compiler, [](const CompileRequest &) { return "fake-regs=64"; });
  {
    ContextOptions o;
    o.cacheDir = dir.path();
    o.compiler = report;
    Kernel add = Context::offline(o).loadSource(kVectorAdd, "v.tile").kernel("vector_add");
    add.compile(DevicePtr(0x1000), DevicePtr(0x2000), DevicePtr(0x3000), 16);
  }
  EXPECT_FALSE(DiskCache(dir.path()).list().at(0).kernel.ptxas.known()) << "never assembled";
  Context ctx = context(report);
  DeviceBuffer b = ctx.alloc(64);
  ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add").compile(b, b, b, 16);
  EXPECT_EQ(compiler.count(), 1);
  EXPECT_EQ(DiskCache(dir.path()).list().at(0).kernel.ptxas.registers, 64);
}

TEST_F(AutotuneTest, CacheToolListsAndShowsTuningRecords) {
  fake.setKernelTime("BLOCK=128 ", 0.25);
  Context ctx = context();
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  k.launch(gridFor(1000), x, out, 1000);
  std::ostringstream ls, err;
  ASSERT_EQ(runCacheCommand({"--dir", dir.path(), "ls"}, ls, err), 0);
  EXPECT_NE(ls.str().find("autotune scale  key n=1000  -> config 2 (BLOCK=128, num_warps=4, 0.25 "
                          "ms)\n"),
            std::string::npos)
      << ls.str();
  EXPECT_NE(ls.str().find("4 entries"), std::string::npos) << "3 kernels, 1 record: " << ls.str();
  std::string key = tuningRecords().at(0);
  key = key.substr(key.rfind('/') + 1, 16);
  std::ostringstream show;
  ASSERT_EQ(runCacheCommand({"--dir", dir.path(), "show", key}, show, err), 0);
  EXPECT_NE(show.str().find("\nautotune\ncompiler "), std::string::npos) << show.str();
  EXPECT_NE(show.str().find("\ndevice Fake H200\ntuning_key n=1000\n"), std::string::npos)
      << show.str();
  EXPECT_NE(show.str().find("config 1 BLOCK=64, num_warps=2: 1 ms\n"
                            "config 2 BLOCK=128, num_warps=4: 0.25 ms  (winner)\n"
                            "config 3 BLOCK=256, num_warps=8: 1 ms\n"),
            std::string::npos)
      << show.str();
  std::ostringstream cleared;
  ASSERT_EQ(runCacheCommand({"--dir", dir.path(), "clear"}, cleared, err), 0);
  EXPECT_TRUE(tuningRecords().empty());
}

TEST_F(AutotuneTest, CompileAndCuFunctionOfATunedKernel) {
  Context ctx = context();
  Kernel k = ctx.loadSource(kScale, "scale.tile").kernel("scale");
  DeviceBuffer x = ctx.alloc(4096), out = ctx.alloc(4096);
  expectError([&] { k.cuFunction(x, out, 1000); }, Error::Kind::Argument,
              "kernel 'scale' is @autotune'd and no launch has chosen its config for these "
              "arguments yet (n=1000); launch it once first");
  // Before a launch has chosen: every config compiles, the first is returned.
  const CompiledKernel &first = k.compile(x, out, 1000);
  EXPECT_EQ(compiler.count(), 3);
  EXPECT_EQ(first.numWarps, 2u);
  fake.setKernelTime("BLOCK=256 ", 0.5);
  k.launch(gridFor(1000), x, out, 1000);
  EXPECT_EQ(k.compile(x, out, 1000).numWarps, 8u);
  EXPECT_NE(k.cuFunction(x, out, 1000), nullptr);
  EXPECT_EQ(compiler.count(), 3);
}

TEST_F(AutotuneTest, AGridFunctionServesPlainKernelsToo) {
  Context ctx = context();
  Kernel add = ctx.loadSource(kVectorAdd, "v.tile").kernel("vector_add", {{"BLOCK", 256}});
  EXPECT_FALSE(add.autotuned());
  DeviceBuffer b = ctx.alloc(4096);
  fake.expectParams(4);
  add.launch([](const ConstMap &c) { return cdiv(1000, c.at("BLOCK").asInt()); }, b, b, b, 1000);
  EXPECT_EQ(fake.dims()[0], 4u);
  expectError([&] { add.launch([](const ConstMap &) { return Grid(0); }, b, b, b, 1000); },
              Error::Kind::Argument,
              "kernel 'vector_add': grid.x = 0 is out of range [1, 2147483647]");
}

// --- on the CPU interpreter -------------------------------------------------------------

TEST(AutotuneInterpreter, TheFirstConfigThatCompilesRunsAndSaysSo) {
  // BLOCK=100 is not a power of two: arange refuses it.
  std::string source = kScale;
  source.replace(source.find("config(BLOCK=64, num_warps=2)"),
                 std::strlen("config(BLOCK=64, num_warps=2)"), "config(BLOCK=100)");
  ContextOptions o;
  o.interpret = true;
  Context ctx(o);
  ScopedEnv print("LACC_PRINT_AUTOTUNING", "1");
  LogCapture log;
  Kernel k = ctx.loadSource(source, "scale.tile").kernel("scale", {{"SCALE", 2.0}});
  const int n = 300;
  std::vector<float> x(n), out(n);
  for (int i = 0; i < n; ++i) {
    x[i] = float(i) * 0.5f;
    out[i] = float(1000 - i);
  }
  DeviceBuffer dx = ctx.upload(x), dout = ctx.upload(out);
  auto grid = [](const ConstMap &c) { return Grid(cdiv(300, c.at("BLOCK").asInt())); };
  k.launch(grid, dx, dout, n);
  std::vector<float> got = dout.download<float>();
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(got[i], out[i] + 2.0f * x[i]) << i;
  ASSERT_EQ(log.messages().size(), 1u);
  EXPECT_NE(log.messages()[0].find("autotune: kernel 'scale' (scale.tile:1) on the CPU "
                                   "interpreter, which cannot time: config 2 (BLOCK=128, "
                                   "num_warps=4), the first that compiles\n  config 1 "
                                   "(BLOCK=100): skipped: scale.tile:"),
            std::string::npos)
      << log.messages()[0];
  // Chosen once: a second launch says nothing.
  k.launch(grid, dx, dout, n);
  EXPECT_EQ(log.messages().size(), 1u);
}

// --- the record's format ---------------------------------------------------------------

TEST(TuningRecord, EveryTruncationAndBitFlipIsDetected) {
  CacheKey key = makeKey("autotune\nkernel k\ntuning_key n=5\n");
  TuningRecord record;
  record.trials = {{"B=1", 0.5, ""}, {"B=2", -1, "too big"}, {"B=4", 0.25, ""}};
  record.winner = 2;
  std::string image = DiskCache::encodeTuning(key, record), description, problem;
  TuningRecord back;
  ASSERT_TRUE(DiskCache::decodeTuning(image, description, back, problem)) << problem;
  EXPECT_EQ(description, key.description);
  EXPECT_EQ(back.winner, 2u);
  ASSERT_EQ(back.trials.size(), 3u);
  EXPECT_EQ(back.trials[1].failure, "too big");
  EXPECT_EQ(back.trials[2].ms, 0.25);
  for (size_t len = 0; len < image.size(); ++len)
    EXPECT_FALSE(DiskCache::decodeTuning(image.substr(0, len), description, back, problem));
  for (size_t bit = 0; bit < image.size() * 8; ++bit) {
    std::string flipped = image;
    flipped[bit / 8] ^= char(1 << (bit % 8));
    ASSERT_FALSE(DiskCache::decodeTuning(flipped, description, back, problem)) << "bit " << bit;
  }
  // A winner that did not run is not trusted, checksum or not.
  record.winner = 1;
  EXPECT_FALSE(DiskCache::decodeTuning(DiskCache::encodeTuning(key, record), description, back,
                                       problem));
  EXPECT_EQ(problem, "malformed payload");
}

TEST(AutotuneInterpreter, TheAutotunedGemmComputesAtPlusEqualsB) {
  // kernels/gemm_autotune.tile on the interpreter: config 1, whatever the shape.
  ContextOptions o;
  o.interpret = true;
  Context ctx(o);
  Kernel gemm = ctx.loadEmbedded("gemm_autotune.tile").kernel("gemm_autotune",
                                                            {{"ACCUMULATE", true}});
  const int M = 70, N = 40, K = 50;
  auto bf16 = [](int i) { return uint16_t(0x3f80 + (i % 7) * 0x10); }; // 1.0, 1.125, ...
  auto value = [](uint16_t h) {
    uint32_t u = uint32_t(h) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return double(f);
  };
  std::vector<uint16_t> a(M * K), b(K * N), c(M * N);
  for (int i = 0; i < M * K; ++i)
    a[i] = bf16(i);
  for (int i = 0; i < K * N; ++i)
    b[i] = bf16(3 * i);
  for (int i = 0; i < M * N; ++i)
    c[i] = bf16(5 * i);
  DeviceBuffer da = ctx.upload(a), db = ctx.upload(b), dc = ctx.upload(c);
  gemm.launch(
      [&](const ConstMap &cm) {
        return Grid(cdiv(M, cm.at("BLOCK_M").asInt()) * cdiv(N, cm.at("BLOCK_N").asInt()));
      },
      da, db, dc, M, N, K, K, 1, N, 1, N, 1);
  std::vector<uint16_t> got = dc.download<uint16_t>();
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      double want = value(c[m * N + n]);
      for (int k = 0; k < K; ++k)
        want += value(a[m * K + k]) * value(b[k * N + n]);
      ASSERT_NEAR(value(got[m * N + n]), want, want / 128) << m << ", " << n;
    }
}
