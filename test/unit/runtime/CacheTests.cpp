//===- CacheTests.cpp - the disk cache: format, corruption, concurrency ----===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <thread>

using namespace lacc;
using namespace lacc::test;

namespace {

CompiledKernel sampleKernel(const std::string &tag = "") {
  CompiledKernel k;
  k.name = "vector_add";
  k.arch = "sm_90a";
  k.numWarps = 8;
  k.sharedBytes = 65536;
  k.params = {{"x", Param::Kind::Pointer, ScalarType::F32, 8},
              {"n", Param::Kind::Int, ScalarType::I32, 4},
              {"s", Param::Kind::Float, ScalarType::BF16, 2}};
  k.ptx = "// PTX " + tag + "\n.version 8.0\n.target sm_90a\n" + std::string(300, 'p') + "\n";
  // A descriptor of x as an [n, 64] tensor (row stride n), and its tensor map (a box of
  // 32 x 32, 128-byte swizzle).
  TensorDescriptor d;
  d.base = 0;
  d.shape = {{1, 0}, {-1, 64}};
  d.strides = {{1, 0}, {-1, 1}};
  d.block = {64, 64};
  d.elementBytes = 4;
  k.descriptors = {d};
  d.block = {32, 32};
  k.tensorMaps = {{d, 128}};
  return k;
}

CompileRequest sampleRequest() {
  CompileRequest r;
  r.source = kVectorAdd;
  r.fileName = "vector_add.tile";
  r.kernelName = "vector_add";
  r.constants = {{"BLOCK", 1024}};
  r.divisibleBy16 = {0, 1, 2};
  return r;
}

void expectSame(const CompiledKernel &a, const CompiledKernel &b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.numWarps, b.numWarps);
  EXPECT_EQ(a.sharedBytes, b.sharedBytes);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.ptx, b.ptx);
  EXPECT_EQ(a.descriptors, b.descriptors);
  EXPECT_EQ(a.tensorMaps, b.tensorMaps);
}

/// Files in `dir` whose names contain `needle`.
std::vector<std::string> filesIn(const std::string &dir, const std::string &needle = "") {
  std::vector<std::string> out;
  if (DIR *d = opendir(dir.c_str())) {
    while (struct dirent *e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != ".." && n.find(needle) != std::string::npos)
        out.push_back(n);
    }
    closedir(d);
  }
  return out;
}

} // namespace

// --- keys ----------------------------------------------------------------------

TEST(CacheKey, DependsOnEverythingThatShapesThePTX) {
  CompileRequest base = sampleRequest();
  CacheKey k0 = makeCacheKey(base);
  EXPECT_EQ(k0.hash, makeCacheKey(sampleRequest()).hash);
  EXPECT_EQ(k0.hex().size(), 16u);
  EXPECT_NE(k0.description.find("compiler " + compilerVersion()), std::string::npos);
  EXPECT_NE(k0.description.find("constants BLOCK=1024"), std::string::npos);
  EXPECT_NE(k0.description.find("divisible_by_16 0 1 2"), std::string::npos);

  auto differs = [&](auto change) {
    CompileRequest r = sampleRequest();
    change(r);
    return makeCacheKey(r).hash != k0.hash;
  };
  EXPECT_TRUE(differs([](CompileRequest &r) { r.source += "\n"; }));
  EXPECT_TRUE(differs([](CompileRequest &r) { r.kernelName = "other"; }));
  EXPECT_TRUE(differs([](CompileRequest &r) { r.constants["BLOCK"] = 512; }));
  EXPECT_TRUE(differs([](CompileRequest &r) { r.constants["BLOCK"] = 1024.0; }));
  // String and type constants: each value its own key, and a string never a type.
  auto withActivation = [](ConstValue v) {
    CompileRequest r = sampleRequest();
    r.constants.emplace("ACT", v);
    return makeCacheKey(r);
  };
  CacheKey leaky = withActivation(ConstValue::string("leaky_relu"));
  EXPECT_NE(leaky.description.find("ACT=\"leaky_relu\" BLOCK=1024"), std::string::npos)
      << leaky.description;
  EXPECT_EQ(leaky.hash, withActivation(ConstValue::string("leaky_relu")).hash);
  EXPECT_NE(leaky.hash, withActivation(ConstValue::string("relu")).hash);
  EXPECT_NE(leaky.hash, withActivation(ConstValue::string("")).hash);
  CacheKey bf16 = withActivation(ConstValue::type("bf16"));
  EXPECT_NE(bf16.description.find("ACT=bf16 BLOCK=1024"), std::string::npos) << bf16.description;
  EXPECT_NE(bf16.hash, withActivation(ConstValue::type("f16")).hash);
  EXPECT_NE(bf16.hash, withActivation(ConstValue::string("bf16")).hash);
  EXPECT_TRUE(differs([](CompileRequest &r) { r.divisibleBy16 = {0, 1}; }));
  EXPECT_TRUE(differs([](CompileRequest &r) { r.arch = "sm_80"; }));
  EXPECT_TRUE(differs([](CompileRequest &r) { r.numWarps = 8; }));
  // The file name only labels diagnostics: moving a file keeps its cache.
  EXPECT_FALSE(differs([](CompileRequest &r) { r.fileName = "elsewhere.tile"; }));
}

TEST(CacheKey, DefaultDirectoryAndAlwaysCompileFromEnvironment) {
  setenv("LACC_CACHE_DIR", "/some/where", 1);
  EXPECT_EQ(defaultCacheDir(), "/some/where");
  unsetenv("LACC_CACHE_DIR");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/u", 1);
  EXPECT_EQ(defaultCacheDir(), "/home/u/.cache/lacc");

  unsetenv("LACC_ALWAYS_COMPILE");
  EXPECT_FALSE(alwaysCompileFromEnv());
  setenv("LACC_ALWAYS_COMPILE", "0", 1);
  EXPECT_FALSE(alwaysCompileFromEnv());
  setenv("LACC_ALWAYS_COMPILE", "1", 1);
  EXPECT_TRUE(alwaysCompileFromEnv());
  unsetenv("LACC_ALWAYS_COMPILE");
}

// --- the format -------------------------------------------------------------------

TEST(DiskCache, RoundTrip) {
  TempDir dir;
  DiskCache cache(dir.path() + "/nested/cache/"); // created on first store
  CacheKey key = makeCacheKey(sampleRequest());
  EXPECT_FALSE(cache.load(key));
  ASSERT_TRUE(cache.store(key, sampleKernel()));
  auto loaded = cache.load(key);
  ASSERT_TRUE(loaded);
  expectSame(*loaded, sampleKernel());
  EXPECT_EQ(cache.pathFor(key), dir.path() + "/nested/cache/" + key.hex() + ".lacc");
  // Overwriting is atomic replacement.
  ASSERT_TRUE(cache.store(key, sampleKernel("v2")));
  expectSame(*cache.load(key), sampleKernel("v2"));
  EXPECT_TRUE(filesIn(dir.path() + "/nested/cache", ".tmp.").empty());
}

TEST(DiskCache, EveryTruncationAndEveryBitFlipIsDetected) {
  CacheKey key = makeCacheKey(sampleRequest());
  std::string image = DiskCache::encode(key, sampleKernel());
  std::string description, problem;
  CompiledKernel k;
  ASSERT_TRUE(DiskCache::decode(image, description, k, problem)) << problem;
  EXPECT_EQ(description, key.description);

  for (size_t len = 0; len < image.size(); ++len) {
    SCOPED_TRACE(len);
    EXPECT_FALSE(DiskCache::decode(image.substr(0, len), description, k, problem));
  }
  EXPECT_FALSE(DiskCache::decode(image + "x", description, k, problem));
  for (size_t bit = 0; bit < image.size() * 8; ++bit) {
    std::string flipped = image;
    flipped[bit / 8] ^= char(1 << (bit % 8));
    ASSERT_FALSE(DiskCache::decode(flipped, description, k, problem)) << "bit " << bit;
  }
}

TEST(DiskCache, HashCollisionIsAMissNotAWrongKernel) {
  TempDir dir;
  DiskCache cache(dir.path());
  CacheKey key = makeCacheKey(sampleRequest());
  ASSERT_TRUE(cache.store(key, sampleKernel()));
  CacheKey impostor = key;
  impostor.description += "something else\n";
  LogCapture log;
  EXPECT_FALSE(cache.load(impostor));
  EXPECT_TRUE(log.messages().empty()); // not corruption
}

// --- corruption through the runtime -------------------------------------------------

namespace {
/// Compiles vector_add once through a context on `dir`; returns the entry's path.
std::string populate(const std::string &dir, FakeCompiler &compiler) {
  Context ctx = offlineContext(dir, compiler);
  Kernel k = ctx.loadSource(kVectorAdd, "vector_add.tile").kernel("vector_add");
  k.compile(DevicePtr(0x1000), DevicePtr(0x2000), DevicePtr(0x3000), 4096);
  auto entries = DiskCache(dir).list();
  EXPECT_EQ(entries.size(), 1u);
  return entries.empty() ? "" : entries[0].path;
}

/// A fresh process's view: a new context (empty memory cache) on `dir`.
CompiledKernel compileFresh(const std::string &dir, FakeCompiler &compiler) {
  Context ctx = offlineContext(dir, compiler);
  Kernel k = ctx.loadSource(kVectorAdd, "vector_add.tile").kernel("vector_add");
  return k.compile(DevicePtr(0x1000), DevicePtr(0x2000), DevicePtr(0x3000), 4096);
}

void corruptionIsReportedOnceAndRebuilt(void (*corrupt)(std::string &image),
                                        const char *problem) {
  TempDir dir;
  FakeCompiler compiler;
  std::string path = populate(dir.path(), compiler);
  ASSERT_EQ(compiler.count(), 1);
  std::string good = readFile(path);

  // A warm start loads the entry without compiling.
  compileFresh(dir.path(), compiler);
  EXPECT_EQ(compiler.count(), 1);

  std::string bad = good;
  corrupt(bad);
  writeFile(path, bad);
  LogCapture log;
  CompiledKernel k = compileFresh(dir.path(), compiler);
  EXPECT_EQ(compiler.count(), 2) << "a corrupt entry must be rebuilt";
  EXPECT_NE(k.ptx.find("fake PTX for vector_add"), std::string::npos);
  ASSERT_EQ(log.messages().size(), 1u);
  EXPECT_EQ(log.count("corrupt cache entry " + path), 1u) << log.messages()[0];
  EXPECT_EQ(log.count(problem), 1u) << log.messages()[0];
  EXPECT_EQ(readFile(path), good) << "the rebuilt entry replaces the corrupt one";

  // Then it is a plain hit again, with nothing more reported.
  compileFresh(dir.path(), compiler);
  EXPECT_EQ(compiler.count(), 2);
  EXPECT_EQ(log.messages().size(), 1u);
}
} // namespace

TEST(DiskCache, TruncatedEntryIsReportedOnceDeletedAndRebuilt) {
  corruptionIsReportedOnceAndRebuilt([](std::string &s) { s.resize(s.size() / 2); },
                                     "truncated");
}

TEST(DiskCache, EmptyEntryIsReportedOnceDeletedAndRebuilt) {
  corruptionIsReportedOnceAndRebuilt([](std::string &s) { s.clear(); }, "truncated");
}

TEST(DiskCache, BitFlippedEntryIsReportedOnceDeletedAndRebuilt) {
  corruptionIsReportedOnceAndRebuilt([](std::string &s) { s[s.size() - 20] ^= 0x04; },
                                     "checksum mismatch");
}

TEST(DiskCache, CorruptEntryThatFailsToRebuildIsGoneAndNotLoaded) {
  TempDir dir;
  FakeCompiler compiler;
  std::string path = populate(dir.path(), compiler);
  std::string bad = readFile(path);
  bad[40] ^= 1;
  writeFile(path, bad);

  ContextOptions o;
  o.cacheDir = dir.path();
  o.compiler = [](const CompileRequest &) -> CompiledKernel {
    throw Error(Error::Kind::Compile, "boom");
  };
  Context ctx = Context::offline(o);
  Kernel k = ctx.loadSource(kVectorAdd, "vector_add.tile").kernel("vector_add");
  LogCapture log;
  EXPECT_THROW(k.compile(DevicePtr(0x1000), DevicePtr(0x2000), DevicePtr(0x3000), 4096), Error);
  EXPECT_EQ(log.count("corrupt cache entry"), 1u);
  EXPECT_TRUE(filesIn(dir.path(), ".lacc").empty()) << "deleted, and nothing half-written";
  EXPECT_EQ(k.variantCount(), 0u);
}

TEST(DiskCache, AlwaysCompileBypassesLookups) {
  TempDir dir;
  FakeCompiler compiler;
  populate(dir.path(), compiler);
  ASSERT_EQ(compiler.count(), 1);

  {
    Context ctx = offlineContext(dir.path(), compiler, /*alwaysCompile=*/true);
    ctx.loadSource(kVectorAdd, "vector_add.tile")
        .kernel("vector_add")
        .compile(DevicePtr(0x1000), DevicePtr(0x2000), DevicePtr(0x3000), 4096);
    EXPECT_EQ(compiler.count(), 2);
  }
  setenv("LACC_ALWAYS_COMPILE", "1", 1);
  {
    ContextOptions o;
    o.cacheDir = dir.path();
    o.compiler = compiler.function();
    Context ctx = Context::offline(o); // alwaysCompile unset: from the environment
    ctx.loadSource(kVectorAdd, "vector_add.tile")
        .kernel("vector_add")
        .compile(DevicePtr(0x1000), DevicePtr(0x2000), DevicePtr(0x3000), 4096);
    EXPECT_EQ(compiler.count(), 3);
  }
  unsetenv("LACC_ALWAYS_COMPILE");
  compileFresh(dir.path(), compiler);
  EXPECT_EQ(compiler.count(), 3) << "without it, the entry is used again";
}

TEST(DiskCache, UnwritableDirectoryIsAWarningNotAnError) {
  TempDir dir;
  std::string file = dir.path() + "/not-a-dir";
  writeFile(file, "x");
  FakeCompiler compiler;
  LogCapture log;
  CompiledKernel k = compileFresh(file + "/cache", compiler);
  EXPECT_FALSE(k.ptx.empty());
  EXPECT_EQ(compiler.count(), 1);
  // Reported at most once per process (an earlier test may have used it up).
  EXPECT_LE(log.count("cannot write the kernel cache"), 1u);
}

// --- concurrency ----------------------------------------------------------------------

namespace {
/// Stores and loads keys 0..keys-1 (overlapping with other writers) `rounds`
/// times; every load must be a miss or the exact kernel. Returns the failures.
int hammer(const std::string &dir, int keys, int rounds, int seed) {
  DiskCache cache(dir);
  int failures = 0;
  for (int r = 0; r < rounds; ++r)
    for (int i = 0; i < keys; ++i) {
      int key = (i * 7 + seed + r) % keys;
      CompileRequest req = sampleRequest();
      req.constants["BLOCK"] = 64 * (key + 1);
      CacheKey k = makeCacheKey(req);
      CompiledKernel expect = sampleKernel(std::to_string(key) + std::string(key * 97, 'z'));
      if ((r + seed) % 2 == 0 || i % 3 == 0) // writers and readers interleave
        cache.store(k, expect);
      if (auto got = cache.load(k))
        failures += got->ptx != expect.ptx || got->params != expect.params;
    }
  return failures;
}

void expectAllValid(const std::string &dir, size_t entries) {
  auto list = DiskCache(dir).list();
  EXPECT_EQ(list.size(), entries);
  for (const auto &e : list)
    EXPECT_TRUE(e.valid) << e.path << ": " << e.problem;
  EXPECT_TRUE(filesIn(dir, ".tmp.").empty()) << "temporary files left behind";
}
} // namespace

TEST(DiskCache, ConcurrentThreadsLeaveEveryEntryValid) {
  TempDir dir;
  LogCapture log;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] { failures += hammer(dir.path(), 12, 20, t); });
  for (auto &t : threads)
    t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(log.messages().empty()) << log.messages()[0];
  expectAllValid(dir.path(), 12);
}

TEST(DiskCache, ConcurrentProcessesLeaveEveryEntryValid) {
  TempDir dir;
  std::vector<pid_t> children;
  for (int p = 0; p < 6; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // Threads inside each process too. _exit: no gtest teardown in the child.
      std::atomic<int> failures{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 3; ++t)
        threads.emplace_back([&, t] { failures += hammer(dir.path(), 12, 15, p * 3 + t); });
      for (auto &t : threads)
        t.join();
      _exit(failures.load() == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a child saw a bad entry";
  }
  expectAllValid(dir.path(), 12);
}

TEST(DiskCache, ConcurrentContextsCompileTheSameKernel) {
  TempDir dir;
  FakeCompiler compiler;
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] { compileFresh(dir.path(), compiler); });
  for (auto &t : threads)
    t.join();
  EXPECT_GE(compiler.count(), 1);
  expectAllValid(dir.path(), 1);
}

// --- the cache tool -------------------------------------------------------------------

TEST(CacheTool, LsShowClear) {
  TempDir dir;
  FakeCompiler compiler;
  std::string path = populate(dir.path(), compiler);
  std::string key = DiskCache(dir.path()).list().at(0).key;

  auto run = [&](std::vector<std::string> args, std::string &out, std::string &err) {
    args.insert(args.begin(), {"--dir", dir.path()});
    std::ostringstream o, e;
    int rc = runCacheCommand(args, o, e);
    out = o.str();
    err = e.str();
    return rc;
  };
  std::string out, err;
  ASSERT_EQ(run({"ls"}, out, err), 0) << err;
  EXPECT_NE(out.find(key + "  "), std::string::npos) << out;
  EXPECT_NE(out.find("vector_add  sm_90a  num_warps=4  div16:0 1 2 3"), std::string::npos) << out;
  EXPECT_NE(out.find("1 entry"), std::string::npos) << out;

  ASSERT_EQ(run({"show", key.substr(0, 6)}, out, err), 0) << err;
  EXPECT_NE(out.find("key " + key), std::string::npos) << out;
  EXPECT_NE(out.find("parameters x:ptr<f32> y:ptr<f32> z:ptr<f32> n:i32"), std::string::npos)
      << out;
  EXPECT_NE(out.find("fake PTX for vector_add"), std::string::npos) << out;
  EXPECT_EQ(run({"show", "zzzz"}, out, err), 1);
  EXPECT_NE(err.find("no entry with key zzzz"), std::string::npos) << err;

  // A corrupt entry is listed as such, not hidden.
  std::string bad = readFile(path);
  bad.resize(10);
  writeFile(path, bad);
  writeFile(dir.path() + "/." + key + ".tmp.123.abc.0", "leftover of a crashed writer");
  ASSERT_EQ(run({"ls"}, out, err), 0);
  EXPECT_NE(out.find("CORRUPT (truncated"), std::string::npos) << out;

  ASSERT_EQ(run({"clear"}, out, err), 0);
  EXPECT_NE(out.find("removed 2 files"), std::string::npos) << out;
  ASSERT_EQ(run({"ls"}, out, err), 0);
  EXPECT_NE(out.find("0 entries"), std::string::npos) << out;

  EXPECT_EQ(run({"frobnicate"}, out, err), 2);
  EXPECT_NE(err.find("unknown command 'frobnicate'"), std::string::npos);
  EXPECT_NE(err.find("usage: lacc cache"), std::string::npos);
}
