//===- InterpreterTests.cpp - interpreting contexts, through the public API -===//
//
// A Context with ContextOptions::interpret (or LACC_INTERPRET=1) runs the same
// launch() calls on the CPU interpreter, on host memory: these tests check the
// memory, the launches, the argument checks shared with the GPU path, and the
// errors only the interpreter can report (accesses outside every buffer).
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <random>
#include <thread>

using namespace lacc;
using namespace lacc::test;

namespace {

Context interpreting() {
  ContextOptions o;
  o.interpret = true;
  return Context(o);
}

std::vector<float> random(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-10.f, 10.f);
  std::vector<float> v(n);
  for (float &f : v)
    f = dist(gen);
  return v;
}

bool isNaN(float f) { return std::isnan(f); }

/// Writes each scalar argument, converted, into out[0..8]: the values the
/// kernel received.
const char *kEcho = R"(@kernel
def echo(out: ptr<f64>, iout: ptr<i64>, a: i8, b: i16, c: i32, d: i64, e: f16, f: bf16, g: f32, h: f64, flag: bool):
    store(iout, a.to(i64))
    store(iout + 1, b.to(i64))
    store(iout + 2, c.to(i64))
    store(iout + 3, d)
    store(iout + 4, flag.to(i64))
    store(out, e.to(f64))
    store(out + 1, f.to(f64))
    store(out + 2, g.to(f64))
    store(out + 3, h)
)";

struct InterpreterTest : ::testing::Test {
  Context ctx = interpreting();
  Kernel add = ctx.loadEmbedded("vector_add.tile").kernel("vector_add", {{"BLOCK", 128}});
};

} // namespace

TEST_F(InterpreterTest, DescribesItself) {
  EXPECT_TRUE(ctx.interpreting());
  EXPECT_FALSE(ctx.hasDevice());
  EXPECT_EQ(ctx.deviceName(), "CPU interpreter");
  EXPECT_EQ(ctx.multiprocessorCount(), 0);
  EXPECT_TRUE(ctx.cacheDir().empty()) << "nothing is cached on disk";
}

TEST_F(InterpreterTest, BuffersAreHostMemory) {
  std::vector<float> host = random(1000, 1);
  DeviceBuffer b = ctx.upload(host);
  EXPECT_EQ(b.size(), 4000u);
  EXPECT_EQ(b.ptr().address % 256, 0u) << "aligned like cuMemAlloc";
  EXPECT_EQ(b.download<float>(), host);
  std::vector<float> part(10);
  b.copyTo(part.data(), 40, 400);
  EXPECT_EQ(part[0], host[100]);
  EXPECT_EQ(part[9], host[109]);
  b.copyFrom(host.data() + 500, 8, 4);
  EXPECT_EQ(b.download<float>()[1], host[500]);
  EXPECT_EQ(b.download<float>()[2], host[501]);
  expectError([&] { b.copyTo(part.data(), 40, 3990); }, Error::Kind::Argument,
              "DeviceBuffer::copyTo: 40 bytes at offset 3990 do not fit in a buffer of 4000 bytes");
  expectError([&] { ctx.alloc(0); }, Error::Kind::Argument,
              "alloc(0): a device buffer needs at least one byte");
  b.fill(0x3F);
  for (uint8_t byte : b.download<uint8_t>())
    ASSERT_EQ(byte, 0x3F);
  // Fresh memory is poisoned, so that reading what was never written shows.
  std::vector<float> fresh = ctx.alloc(64).download<float>();
  EXPECT_TRUE(std::all_of(fresh.begin(), fresh.end(), isNaN));
  ctx.synchronize(); // nothing to wait for, and no error
}

TEST_F(InterpreterTest, CountsLiveAndPeakBytes) {
  const size_t before = ctx.allocatedBytes();
  ctx.resetPeakAllocatedBytes();
  EXPECT_EQ(ctx.peakAllocatedBytes(), before);
  {
    DeviceBuffer a = ctx.alloc(1000), b = ctx.alloc(24);
    EXPECT_EQ(ctx.allocatedBytes(), before + 1024);
    DeviceBuffer moved = std::move(a); // one buffer still
    EXPECT_EQ(ctx.allocatedBytes(), before + 1024);
  }
  EXPECT_EQ(ctx.allocatedBytes(), before);
  DeviceBuffer c = ctx.alloc(10);
  EXPECT_EQ(ctx.peakAllocatedBytes(), before + 1024) << "the high-water mark stays";
  ctx.resetPeakAllocatedBytes();
  EXPECT_EQ(ctx.peakAllocatedBytes(), before + 10);
}

TEST_F(InterpreterTest, VectorAddMatchesTheHostReference) {
  for (int n : {1, 127, 128, 129, 5000}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    std::vector<float> x = random(n, 2 * n), y = random(n, 2 * n + 1);
    DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(y), dz = ctx.alloc(n * 4 + 64);
    add.launch(Grid((n + 127) / 128), dx, dy, dz, n);
    std::vector<float> z = dz.download<float>(); // no synchronize: launch() has finished
    for (int i = 0; i < n; ++i)
      ASSERT_EQ(z[i], x[i] + y[i]) << i;
    for (size_t i = n; i < z.size(); ++i)
      ASSERT_TRUE(std::isnan(z[i])) << "wrote past n at " << i;
  }
}

TEST_F(InterpreterTest, DeviceCopiesAndEventsWork) {
  std::vector<float> host = random(100, 3);
  DeviceBuffer a = ctx.upload(host), b = ctx.alloc(400);
  b.copyFromDevice(a, 200);
  std::vector<float> got = b.download<float>();
  EXPECT_TRUE(std::equal(host.begin(), host.begin() + 50, got.begin()));
  EXPECT_TRUE(std::all_of(got.begin() + 50, got.end(), isNaN)) << "only 200 bytes copied";
  expectError([&] { b.copyFromDevice(ctx.alloc(8), 16); }, Error::Kind::Argument,
              "DeviceBuffer::copyFromDevice (source): 16 bytes at offset 0 do not fit in a "
              "buffer of 8 bytes");
  // Events read the host clock: launches have run when they return.
  Event start = ctx.event(), stop = ctx.event();
  start.record();
  add.launch(Grid(1), a, a, b, 100);
  stop.record();
  EXPECT_GE(stop.msSince(start), 0.0);
  expectError([&] { start.msSince(ctx.event()); }, Error::Kind::Argument,
              "Event::msSince: both events must have been recorded");
  expectError([&] { Event().record(); }, Error::Kind::Argument,
              "Event::record: an empty Event (use Context::event())");
}

TEST_F(InterpreterTest, DtypeGenericKernelsRunWithTheirDefaultType) {
  // Triton's tutorial 01: `x_ptr: ptr<DTYPE>` with `DTYPE: constexpr = f32`.
  Kernel add = ctx.loadEmbedded("tutorials/01-vector-add.tile").kernel("add_kernel");
  ASSERT_EQ(add.params().size(), 4u);
  EXPECT_EQ(add.params()[0].typeString(), "ptr<f32>");
  std::vector<float> x = random(300, 5), y = random(300, 6);
  DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(y), dz = ctx.alloc(300 * 4);
  add.launch(Grid(1), dx, dy, dz, 300);
  std::vector<float> z = dz.download<float>();
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(z[i], x[i] + y[i]) << i;
}

TEST_F(InterpreterTest, StreamsAreAcceptedAndIgnored) {
  const int n = 300;
  std::vector<float> x = random(n, 5), y = random(n, 6);
  DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(y), dz = ctx.alloc(n * 4);
  add.launch(Grid(3), Stream(), dx, dy, dz, n);
  add.launch(Grid(3), reinterpret_cast<CUstream_st *>(0x1234), dx.ptr(), dy.ptr(), dz.ptr(), n);
  std::vector<float> z = dz.download<float>();
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(z[i], x[i] + y[i]) << i;
}

TEST_F(InterpreterTest, OneCompiledVariantServesEveryAlignment) {
  const int n = 257;
  std::vector<float> x = random(n + 4, 7), y = random(n + 4, 8);
  DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(y), dz = ctx.alloc((n + 4) * 4);
  add.launch(Grid(3), dx, dy, dz, 256);
  add.launch(Grid(3), dx.ptr() + 4, dy.ptr() + 4, dz.ptr() + 4, n);
  std::vector<float> z = dz.download<float>();
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(z[i + 1], x[i + 1] + y[i + 1]) << i;
  EXPECT_EQ(z[0], x[0] + y[0]) << "the first launch's element 0 is untouched by the second";
  EXPECT_EQ(add.variantCount(), 1u);
  const CompiledKernel &ck = add.compile(dx, dy, dz, n);
  EXPECT_EQ(ck.name, "vector_add");
  EXPECT_EQ(ck.params, add.params());
  EXPECT_TRUE(ck.ptx.empty());
  expectError([&] { add.cuFunction(dx, dy, dz, n); }, Error::Kind::NoDevice,
              "kernel 'vector_add': no CUfunction, this context runs kernels on the CPU "
              "interpreter");
}

TEST_F(InterpreterTest, EveryScalarTypeArrivesExactly) {
  Kernel echo = ctx.loadSource(kEcho, "echo.tile").kernel("echo");
  DeviceBuffer out = ctx.alloc(8 * 8), iout = ctx.alloc(8 * 8);
  // Float values need rounding to f16 and bf16: the kernel must see the
  // rounded values the GPU would (round to nearest even).
  echo.launch(Grid(1), out, iout, int8_t(-7), int16_t(-30000), -2000000000, -(int64_t(1) << 40),
              1.0 + 1.0 / 4096, 1.0 + 1.0 / 256 + 1.0 / 1024, 0.1, 0.1, true);
  std::vector<int64_t> ints = iout.download<int64_t>();
  EXPECT_EQ(ints[0], -7);
  EXPECT_EQ(ints[1], -30000);
  EXPECT_EQ(ints[2], -2000000000);
  EXPECT_EQ(ints[3], -(int64_t(1) << 40));
  EXPECT_EQ(ints[4], 1);
  std::vector<double> floats = out.download<double>();
  EXPECT_EQ(floats[0], 1.0) << "1 + 2^-12 rounds to 1 in f16";
  EXPECT_EQ(floats[1], 1.0 + 1.0 / 128) << "1 + 2^-8 + 2^-10 rounds up in bf16";
  EXPECT_EQ(floats[2], double(0.1f));
  EXPECT_EQ(floats[3], 0.1);
}

// --- the same checks as the GPU path ------------------------------------------------

TEST_F(InterpreterTest, ArgumentsAndGridAreCheckedAsOnTheGpu) {
  DeviceBuffer b = ctx.alloc(1024);
  expectError([&] { add.launch(Grid(1), b, b, b); }, Error::Kind::Argument,
              "kernel 'vector_add' takes 4 arguments (x: ptr<f32>, y: ptr<f32>, z: ptr<f32>, n: "
              "i32) but was given 3");
  expectError([&] { add.launch(Grid(1), b, 7, b, 16); }, Error::Kind::Argument,
              "kernel 'vector_add': argument 2 'y' (ptr<f32>): the argument is an integer; pass a "
              "DeviceBuffer, DevicePtr or device pointer");
  expectError([&] { add.launch(Grid(1), b, b, b, 16.0); }, Error::Kind::Argument,
              "kernel 'vector_add': argument 4 'n' (i32): the argument is a float; pass an "
              "integer");
  expectError([&] { add.launch(Grid(1), b, nullptr, b, 16); }, Error::Kind::Argument,
              "kernel 'vector_add': argument 2 'y' (ptr<f32>): null pointer");
  DeviceBuffer empty;
  expectError([&] { add.launch(Grid(1), b, b, empty, 16); }, Error::Kind::Argument,
              "kernel 'vector_add': argument 3 'z' (ptr<f32>): null pointer");
  expectError([&] { add.launch(Grid(0), b, b, b, 16); }, Error::Kind::Argument,
              "kernel 'vector_add': grid.x = 0 is out of range [1, 2147483647]");
  expectError([&] { add.launch(Grid(1, 65536), b, b, b, 16); }, Error::Kind::Argument,
              "kernel 'vector_add': grid.y = 65536 is out of range [1, 65535]");
  KernelOptions o;
  o.assumeDivisible = {"y"};
  Kernel aligned = ctx.loadEmbedded("vector_add.tile").kernel("vector_add", {}, o);
  expectError([&] { aligned.launch(Grid(1), b, b.ptr() + 4, b, 16); }, Error::Kind::Argument,
              "kernel 'vector_add': argument 2 'y' (ptr<f32>): " +
                  [&] {
                    char hex[32];
                    std::snprintf(hex, sizeof hex, "0x%llx",
                                  (unsigned long long)(b.ptr().address + 4));
                    return std::string(hex);
                  }() +
                  " is not divisible by 16, but the kernel was specialized assuming it is "
                  "(KernelOptions::assumeDivisible)");
  EXPECT_EQ(add.variantCount(), 0u) << "nothing compiled for launches that were refused";
}

TEST_F(InterpreterTest, CompileErrorsReadAsOnTheGpuPath) {
  const char *source = "@kernel\ndef k(x: ptr<f32>, const B: i32):\n    store(x, y)\n";
  CompileRequest r;
  r.source = source;
  r.fileName = "k.tile";
  r.kernelName = "k";
  r.constants = {{"B", 4}};
  std::string gpuMessage;
  try {
    compileKernel(r);
    FAIL() << "compiled a kernel that uses an undefined name";
  } catch (const Error &e) {
    gpuMessage = e.what();
  }
  Kernel k = ctx.loadSource(source, "k.tile").kernel("k", {{"B", 4}});
  DeviceBuffer b = ctx.alloc(16);
  expectError([&] { k.launch(Grid(1), b); }, Error::Kind::Compile, gpuMessage);
  EXPECT_NE(gpuMessage.find("k.tile:3:"), std::string::npos) << gpuMessage;
  EXPECT_EQ(k.variantCount(), 0u);
}

// --- what only the interpreter can report --------------------------------------------

TEST_F(InterpreterTest, OutOfBoundsAccessesAreClearErrors) {
  std::vector<float> x = random(100, 9);
  DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(x), dz = ctx.alloc(100 * 4);
  dz.fill(0);
  // n says 130, the buffers hold 100: lane 100 of program 0 reads past x.
  expectErrorContaining([&] { add.launch(Grid(2), dx, dy, dz, 130); }, Error::Kind::Execution,
                        "kernels/vector_add.tile:7:");
  try {
    add.launch(Grid(2), dx, dy, dz, 130);
  } catch (const Error &e) {
    std::string m = e.what();
    EXPECT_NE(m.find("in kernel 'vector_add', program (0, 0, 0): tile.load: lane 100 reads 4 "
                     "bytes at "),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("outside every registered buffer"), std::string::npos) << m;
  }
  // A stray pointer (memory that is not a buffer of the context) is caught too.
  float local[4] = {};
  expectErrorContaining([&] { add.launch(Grid(1), &local[0], dy, dz, 4); }, Error::Kind::Execution,
                        "outside every registered buffer");
  // A freed buffer is no longer accessible.
  uint64_t stale = dz.ptr().address;
  dz = DeviceBuffer();
  expectErrorContaining([&] { add.launch(Grid(1), dx, dy, DevicePtr(stale), 4); },
                        Error::Kind::Execution, "tile.store");
  // And the context still works.
  DeviceBuffer out = ctx.alloc(100 * 4);
  add.launch(Grid(1), dx, dy, out, 100);
  std::vector<float> z = out.download<float>();
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(z[i], 2 * x[i]) << i;
}

TEST_F(InterpreterTest, DivisionByZeroIsAnError) {
  Kernel k = ctx.loadSource("@kernel\ndef k(x: ptr<i32>, n: i32):\n    store(x, 7 // n)\n",
                            "div.tile")
                 .kernel("k");
  DeviceBuffer b = ctx.alloc(4);
  k.launch(Grid(1), b, -2);
  EXPECT_EQ(b.download<int32_t>()[0], -3) << "truncating division, like C";
  expectError([&] { k.launch(Grid(1), b, 0); }, Error::Kind::Execution,
              "div.tile:3:16: error: in kernel 'k', program (0, 0, 0): arith.divsi: integer "
              "division by zero in lane 0");
}

TEST_F(InterpreterTest, ThreadsShareOneContextAndKernel) {
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0}, failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      try {
        const int n = 1000 + 37 * t;
        std::vector<float> x = random(n, 100 + t), y = random(n, 200 + t);
        DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(y), dz = ctx.alloc(n * 4);
        for (int rep = 0; rep < 5; ++rep) {
          dz.fill(0xFF);
          add.launch(Grid((n + 127) / 128), dx, dy, dz, n);
          std::vector<float> z = dz.download<float>();
          for (int i = 0; i < n; ++i)
            wrong += z[i] != x[i] + y[i];
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
  EXPECT_EQ(add.variantCount(), 1u);
}

// --- choosing the interpreter -----------------------------------------------------------

TEST(InterpretEnvironment, LaccInterpretTurnsGpuContextsIntoInterpretingOnes) {
  {
    ScopedEnv env("LACC_INTERPRET", "1");
    Context ctx; // asks for device 0
    EXPECT_TRUE(ctx.interpreting());
    // The program runs unchanged.
    Kernel add = ctx.loadEmbedded("vector_add.tile").kernel("vector_add");
    std::vector<float> x = random(2000, 11), y = random(2000, 12);
    DeviceBuffer dx = ctx.upload(x), dy = ctx.upload(y), dz = ctx.alloc(2000 * 4);
    add.launch(Grid(2), dx, dy, dz, 2000);
    ctx.synchronize();
    std::vector<float> z = dz.download<float>();
    for (int i = 0; i < 2000; ++i)
      ASSERT_EQ(z[i], x[i] + y[i]) << i;
    // Compile-only contexts stay compile-only; an explicit choice wins.
    EXPECT_FALSE(Context::offline().interpreting());
    ContextOptions o;
    o.device = ContextOptions::kNoDevice;
    EXPECT_FALSE(Context(o).interpreting());
    o.device = 0;
    o.interpret = false;
    try {
      EXPECT_FALSE(Context(o).interpreting());
    } catch (const Error &e) {
      EXPECT_TRUE(e.kind() == Error::Kind::NoDriver || e.kind() == Error::Kind::NoDevice)
          << e.what();
    }
  }
  for (const char *off : {"0", ""}) {
    ScopedEnv env("LACC_INTERPRET", off);
    try {
      EXPECT_FALSE(Context().interpreting()) << "LACC_INTERPRET='" << off << "'";
    } catch (const Error &e) {
      EXPECT_TRUE(e.kind() == Error::Kind::NoDriver || e.kind() == Error::Kind::NoDevice)
          << e.what();
    }
  }
}

TEST(InterpretEnvironment, GpuOrInterpreterFallsBackOnlyWithoutAGpu) {
  ScopedEnv env("LACC_INTERPRET", nullptr);
  Context ctx = Context::gpuOrInterpreter();
  bool gpu = false;
  try {
    gpu = Context().hasDevice();
  } catch (const Error &) {
  }
  EXPECT_EQ(ctx.interpreting(), !gpu);
  EXPECT_EQ(ctx.hasDevice(), gpu);
  // A mistake is not a missing GPU: it is still reported.
  ContextOptions o;
  o.device = -3;
  expectErrorContaining([&] { Context::gpuOrInterpreter(o); }, Error::Kind::Argument,
                        "CUDA device ordinal -3 is negative");
}

// A tensor descriptor reads its block at any offsets, zero outside the tensor (negative
// offsets too), and its strides and base are checked at each launch, naming the argument.
TEST_F(InterpreterTest, TensorDescriptorLoadsZeroOutsideAndChecksItsArguments) {
  Kernel k = ctx.loadSource(R"(@kernel
def k(x: ptr<f32>, out: ptr<f32>, rows: i32, cols: i32, ld: i64, r0: i32, c0: i32):
    d = make_tensor_descriptor(x, shape=(rows, cols), strides=(ld, 1), block_shape=(8, 4))
    t = d.load([r0, c0])
    store(out + arange(0, 8)[:, None] * 4 + arange(0, 4)[None, :], t)
)",
                            "desc.tile")
                 .kernel("k");
  const int rows = 5, cols = 6, ld = 8; // the 2 columns past `cols` hold garbage
  std::vector<float> x(rows * ld);
  for (int i = 0; i < rows * ld; ++i)
    x[i] = i % ld < cols ? float(i) : NAN;
  DeviceBuffer dx = ctx.upload(x), out = ctx.alloc(32 * 4);
  for (auto [r0, c0] : {std::pair{0, 0}, {-3, 4}, {2, -2}, {4, 5}, {9, 0}}) {
    k.launch(Grid(1), dx, out, rows, cols, int64_t(ld), r0, c0);
    std::vector<float> got = out.download<float>();
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 4; ++j) {
        int r = r0 + i, c = c0 + j;
        float want = r >= 0 && r < rows && c >= 0 && c < cols ? x[r * ld + c] : 0.f;
        ASSERT_EQ(got[i * 4 + j], want) << "offsets (" << r0 << ", " << c0 << ") at " << i
                                        << ", " << j;
      }
  }
  expectError([&] { k.launch(Grid(1), dx, out, rows, cols, int64_t(6), 0, 0); },
              Error::Kind::Argument,
              "kernel 'k': argument 5 'ld' (i64): tensor descriptor 1 (of 'x'): strides[0] = 6 "
              "elements (24 bytes) must be positive, a multiple of 16 bytes and less than 2^40 "
              "bytes");
  expectError([&] { k.launch(Grid(1), dx.ptr() + 4, out, rows, cols, int64_t(ld), 0, 0); },
              Error::Kind::Argument,
              "kernel 'k': argument 1 'x' (ptr<f32>): tensor descriptor 1 (of 'x'): the base "
              "address " + [&] {
                char text[32];
                std::snprintf(text, sizeof text, "0x%llx",
                              (unsigned long long)(dx.ptr().address + 4));
                return std::string(text);
              }() + " is not 16-byte aligned");
  expectError([&] { k.launch(Grid(1), dx, out, 0, cols, int64_t(ld), 0, 0); },
              Error::Kind::Argument,
              "kernel 'k': argument 3 'rows' (i32): tensor descriptor 1 (of 'x'): shape[0] = 0 "
              "is not in [1, 2^32]");
}
