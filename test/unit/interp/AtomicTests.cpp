//===- AtomicTests.cpp - atomics, barrier, assert and assume on the CPU ---===//
//
// Lanes of one atomic apply in row-major order, so lanes that share an
// address see each other's updates; the references replay that order.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "llvm/ADT/APFloat.h"

#include <cmath>

using namespace lacc::test;

namespace {

/// 64 lanes updating 8 addresses (lane k -> address k % 8) with `OP`.
const char *kAtomicRMW = R"(
func.func @rmw(%p: !tile.ptr<T>, %v: !tile.ptr<T>, %old: !tile.ptr<T>) attributes {tile.kernel} {
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %c8 = arith.constant dense<8> : tensor<64xi32>
  %slot = arith.remsi %r, %c8 : tensor<64xi32>
  %ps = tile.splat %p : tensor<64x!tile.ptr<T>>
  %pp = tile.addptr %ps, %slot : tensor<64x!tile.ptr<T>>, tensor<64xi32>
  %vs = tile.splat %v : tensor<64x!tile.ptr<T>>
  %vp = tile.addptr %vs, %r : tensor<64x!tile.ptr<T>>, tensor<64xi32>
  %x = tile.load %vp : tensor<64x!tile.ptr<T>>
  %o = tile.atomic_rmw OP %pp, %x sem = ORDER scope = REACH : tensor<64x!tile.ptr<T>>
  %os = tile.splat %old : tensor<64x!tile.ptr<T>>
  %op = tile.addptr %os, %r : tensor<64x!tile.ptr<T>>, tensor<64xi32>
  tile.store %op, %o : tensor<64x!tile.ptr<T>>
  return
}
)";

template <class T>
std::string runRMW(const std::string &op, const std::string &elt, std::vector<T> &mem,
                   std::vector<T> values, std::vector<T> &old, const std::string &sem = "acq_rel",
                   const std::string &scope = "gpu") {
  old.assign(64, T{});
  return runSource(subst(kAtomicRMW, {{"OP", op}, {"T", elt}, {"ORDER", sem}, {"REACH", scope}}),
                   "rmw", {1, 1, 1},
                   {KernelArg::pointer(mem.data()), KernelArg::pointer(values.data()),
                    KernelArg::pointer(old.data())},
                   {buf(mem), buf(values), buf(old)});
}

/// max/min as arith.maximumf: NaN wins, -0 < +0. Written independently of
/// the interpreter's helpers.
double refMax(double a, double b, bool isMax) {
  if (std::isnan(a) || std::isnan(b))
    return NAN;
  if (a == 0 && b == 0) {
    bool negative = isMax ? std::signbit(a) && std::signbit(b) : std::signbit(a) || std::signbit(b);
    return negative ? -0.0 : 0.0;
  }
  return (a > b) == isMax ? a : b;
}

TEST(InterpAtomics, FloatMaxMinWithNaNAndSignedZeros) {
  for (bool isMax : {true, false}) {
    std::vector<float> mem = {0.0f, -0.0f, 1.5f, NAN, -3.0f, 2.0f, -0.0f, 0.0f};
    std::vector<float> values = randomFloats(64, isMax ? 3 : 4, -4, 4);
    values[0] = -0.0f, values[1] = 0.0f, values[9] = NAN, values[6] = 0.0f, values[7] = -0.0f;
    std::vector<float> want = mem, old;
    std::vector<float> wantOld(64);
    for (int k = 0; k < 64; ++k) {
      wantOld[k] = want[k % 8];
      want[k % 8] = static_cast<float>(refMax(want[k % 8], values[k], isMax));
    }
    ASSERT_EQ(runRMW(isMax ? "max" : "min", "f32", mem, values, old), "");
    for (int k = 0; k < 64; ++k) {
      ASSERT_EQ(std::isnan(old[k]), std::isnan(wantOld[k])) << k;
      if (!std::isnan(wantOld[k])) {
        ASSERT_EQ(old[k], wantOld[k]) << k;
        ASSERT_EQ(std::signbit(old[k]), std::signbit(wantOld[k])) << k;
      }
    }
    for (int j = 0; j < 8; ++j) {
      ASSERT_EQ(std::isnan(mem[j]), std::isnan(want[j])) << j;
      if (!std::isnan(want[j])) {
        ASSERT_EQ(mem[j], want[j]) << j;
        ASSERT_EQ(std::signbit(mem[j]), std::signbit(want[j])) << j;
      }
    }
  }
}

/// f16 and bf16 atomic adds round to their type after every addition; the
/// reference adds exactly in double and rounds with APFloat.
TEST(InterpAtomics, SixteenBitFloatAddRoundsEveryUpdate) {
  for (bool bf16 : {false, true}) {
    const llvm::fltSemantics &sem =
        bf16 ? llvm::APFloat::BFloat() : llvm::APFloat::IEEEhalf();
    auto toBits = [&](double x) {
      llvm::APFloat f(x);
      bool lost;
      f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
      return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
    };
    auto toDouble = [&](uint16_t b) {
      llvm::APFloat f(sem, llvm::APInt(16, b));
      bool lost;
      f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
      return f.convertToDouble();
    };
    std::vector<uint16_t> mem, values, old;
    for (float x : randomFloats(8, 10 + bf16, -1, 1))
      mem.push_back(toBits(x * 100));
    for (float x : randomFloats(64, 20 + bf16, -1, 1))
      values.push_back(toBits(x * 3));
    std::vector<uint16_t> want = mem, wantOld(64);
    for (int k = 0; k < 64; ++k) {
      wantOld[k] = want[k % 8];
      want[k % 8] = toBits(toDouble(want[k % 8]) + toDouble(values[k]));
    }
    ASSERT_EQ(runRMW("add", bf16 ? "bf16" : "f16", mem, values, old, "relaxed", "cta"), "");
    EXPECT_EQ(mem, want);
    EXPECT_EQ(old, wantOld);
  }
}

TEST(InterpAtomics, OrderingAttributesDoNotChangeResults) {
  for (const char *sem : {"relaxed", "acquire", "release", "acq_rel"})
    for (const char *scope : {"cta", "gpu", "sys"}) {
      std::vector<int64_t> mem(8, 5), old;
      auto values = randomInts<int64_t>(64, 30, -1000000, 1000000);
      std::vector<int64_t> want = mem, wantOld(64);
      for (int k = 0; k < 64; ++k) {
        wantOld[k] = want[k % 8];
        want[k % 8] = std::min(want[k % 8], values[k]);
      }
      ASSERT_EQ(runRMW("min", "i64", mem, values, old, sem, scope), "");
      EXPECT_EQ(mem, want) << sem << " " << scope;
      EXPECT_EQ(old, wantOld) << sem << " " << scope;
    }
}

/// Compare-and-swap: lanes in row-major order, each seeing the earlier lanes'
/// swaps; floats compare bits (so -0 does not match +0, and NaN matches itself).
const char *kCas = R"(
func.func @cas(%p: !tile.ptr<T>, %c: !tile.ptr<T>, %v: !tile.ptr<T>, %old: !tile.ptr<T>,
               %lock: !tile.ptr<i32>, %got: !tile.ptr<i32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 32 : tensor<32xi32>
  %c4 = arith.constant dense<4> : tensor<32xi32>
  %slot = arith.remsi %r, %c4 : tensor<32xi32>
  %ps = tile.splat %p : tensor<32x!tile.ptr<T>>
  %pp = tile.addptr %ps, %slot : tensor<32x!tile.ptr<T>>, tensor<32xi32>
  %cs = tile.splat %c : tensor<32x!tile.ptr<T>>
  %cp = tile.addptr %cs, %r : tensor<32x!tile.ptr<T>>, tensor<32xi32>
  %cmp = tile.load %cp : tensor<32x!tile.ptr<T>>
  %vs = tile.splat %v : tensor<32x!tile.ptr<T>>
  %vp = tile.addptr %vs, %r : tensor<32x!tile.ptr<T>>, tensor<32xi32>
  %val = tile.load %vp : tensor<32x!tile.ptr<T>>
  %o = tile.atomic_cas %pp, %cmp, %val sem = acquire : tensor<32x!tile.ptr<T>>
  %os = tile.splat %old : tensor<32x!tile.ptr<T>>
  %op = tile.addptr %os, %r : tensor<32x!tile.ptr<T>>, tensor<32xi32>
  tile.store %op, %o : tensor<32x!tile.ptr<T>>
  %zero = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %first = tile.atomic_cas %lock, %zero, %one : !tile.ptr<i32>
  %second = tile.atomic_cas %lock, %zero, %one : !tile.ptr<i32>
  tile.store %got, %first : !tile.ptr<i32>
  %g1 = tile.addptr %got, %one : !tile.ptr<i32>, i32
  tile.store %g1, %second : !tile.ptr<i32>
  return
}
)";

TEST(InterpAtomics, CompareAndSwapIntegers) {
  std::vector<int32_t> mem = {0, 1, 2, 3}, cmp(32), val(32), old(32), lock = {0}, got(2, -1);
  auto choices = randomInts<int32_t>(64, 50, 0, 3);
  for (int k = 0; k < 32; ++k)
    cmp[k] = choices[k], val[k] = choices[32 + k];
  std::vector<int32_t> want = mem, wantOld(32);
  for (int k = 0; k < 32; ++k) {
    wantOld[k] = want[k % 4];
    if (want[k % 4] == cmp[k])
      want[k % 4] = val[k];
  }
  ASSERT_EQ(runSource(subst(kCas, {{"T", "i32"}}), "cas", {1, 1, 1},
                      {KernelArg::pointer(mem.data()), KernelArg::pointer(cmp.data()),
                       KernelArg::pointer(val.data()), KernelArg::pointer(old.data()),
                       KernelArg::pointer(lock.data()), KernelArg::pointer(got.data())},
                      {buf(mem), buf(cmp), buf(val), buf(old), buf(lock), buf(got)}),
            "");
  EXPECT_EQ(mem, want);
  EXPECT_EQ(old, wantOld);
  // A scalar lock: the first CAS takes it (sees 0), the second finds it taken (sees 1).
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(lock[0], 1);
}

TEST(InterpAtomics, CompareAndSwapFloatsCompareBits) {
  std::vector<float> mem = {0.0f, -0.0f, NAN, 1.5f}, cmp(32), val(32), old(32);
  std::vector<int32_t> lock = {0}, got(2);
  // Lanes 0..3 hit addresses 0..3 first: -0 vs +0 and +0 vs -0 must not match,
  // NaN (same bits) and 1.5 must.
  cmp[0] = -0.0f, cmp[1] = 0.0f, cmp[2] = NAN, cmp[3] = 1.5f;
  for (int k = 0; k < 32; ++k)
    val[k] = static_cast<float>(k + 100);
  for (int k = 4; k < 32; ++k)
    cmp[k] = static_cast<float>(k - 4 + 100); // matches the value lane k - 4 swapped in
  ASSERT_EQ(runSource(subst(kCas, {{"T", "f32"}}), "cas", {1, 1, 1},
                      {KernelArg::pointer(mem.data()), KernelArg::pointer(cmp.data()),
                       KernelArg::pointer(val.data()), KernelArg::pointer(old.data()),
                       KernelArg::pointer(lock.data()), KernelArg::pointer(got.data())},
                      {buf(mem), buf(cmp), buf(val), buf(old), buf(lock), buf(got)}),
            "");
  // Addresses 0 and 1 never swap (their first compare fails, and later cmps
  // expect values that were never written); 2 and 3 swap at every lane.
  EXPECT_TRUE(mem[0] == 0.0f && !std::signbit(mem[0]));
  EXPECT_TRUE(mem[1] == 0.0f && std::signbit(mem[1]));
  EXPECT_EQ(mem[2], 130.0f);
  EXPECT_EQ(mem[3], 131.0f);
  EXPECT_TRUE(std::isnan(old[2]));
  EXPECT_EQ(old[3], 1.5f);
  for (int k = 6; k < 32; ++k) {
    if (k % 4 >= 2) { // what lane k - 4 swapped in
      EXPECT_EQ(old[k], static_cast<float>(k - 4 + 100)) << k;
    }
  }
}

TEST(InterpAtomics, CompareAndSwapOutOfBoundsNamesTheLane) {
  std::vector<int32_t> mem(4), cmp(32), val(32), old(32), lock = {0}, got(2);
  // Register only 3 of the 4 cells: lane 3 (address 3) is out of bounds.
  std::string error = runSource(
      subst(kCas, {{"T", "i32"}}), "cas", {1, 1, 1},
      {KernelArg::pointer(mem.data()), KernelArg::pointer(cmp.data()),
       KernelArg::pointer(val.data()), KernelArg::pointer(old.data()),
       KernelArg::pointer(lock.data()), KernelArg::pointer(got.data())},
      {{mem.data(), 12}, buf(cmp), buf(val), buf(old), buf(lock), buf(got)});
  EXPECT_NE(error.find("tile.atomic_cas: lane 3 updates 4 bytes"), std::string::npos) << error;
}

//===----------------------------------------------------------------------===//
// barrier, assume, assert
//===----------------------------------------------------------------------===//

const char *kChecks = R"(
func.func @checks(%x: !tile.ptr<i32>, %y: !tile.ptr<i32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %xs = tile.splat %x : tensor<64x!tile.ptr<i32>>
  %xp = tile.addptr %xs, %r : tensor<64x!tile.ptr<i32>>, tensor<64xi32>
  %h = tile.assume %xp {divisibility = array<i64: 4>, contiguity = array<i64: 64>} : tensor<64x!tile.ptr<i32>>
  %a = tile.load %h : tensor<64x!tile.ptr<i32>>
  %b = tile.assume %a {divisibility = array<i64: 1>} : tensor<64xi32>
  %zero = arith.constant dense<0> : tensor<64xi32>
  %ok = arith.cmpi sge, %b, %zero : tensor<64xi32>
  tile.assert %ok, "x must not be negative" : tensor<64xi1>
  %ys = tile.splat %y : tensor<64x!tile.ptr<i32>>
  %yp = tile.addptr %ys, %r : tensor<64x!tile.ptr<i32>>, tensor<64xi32>
  tile.store %yp, %b : tensor<64x!tile.ptr<i32>>
  tile.barrier
  %c = tile.load %yp : tensor<64x!tile.ptr<i32>>
  %d = arith.addi %c, %c : tensor<64xi32>
  tile.store %yp, %d : tensor<64x!tile.ptr<i32>>
  return
}
)";

TEST(InterpChecks, AssumeAndBarrierPassValuesThrough) {
  auto x = randomInts<int32_t>(64, 60, 0, 1 << 20);
  std::vector<int32_t> y(64, -1);
  ASSERT_EQ(runSource(kChecks, "checks", {1, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(y.data())},
                      {buf(x), buf(y)}),
            "");
  for (int k = 0; k < 64; ++k)
    ASSERT_EQ(y[k], 2 * x[k]);
}

TEST(InterpChecks, FailedAssertStopsWithLocationMessageAndLane) {
  auto x = randomInts<int32_t>(64, 61, 0, 1000);
  x[37] = -5;
  std::vector<int32_t> y(64, -1);
  std::string error = runSource(kChecks, "checks", {3, 1, 1},
                                {KernelArg::pointer(x.data()), KernelArg::pointer(y.data())},
                                {buf(x), buf(y)});
  std::string loc = "test.mlir:11:3";
  EXPECT_EQ(error, loc + ": error: in kernel 'checks', program (0, 0, 0): tile.assert: assertion "
                         "failed: x must not be negative (lane 37)");
  EXPECT_EQ(y[0], -1) << "nothing after the failed assert runs";
}

} // namespace
