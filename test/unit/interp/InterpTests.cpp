//===- InterpTests.cpp - the CPU interpreter against plain C++ ------------===//
//
// Every kernel is hand-written tile IR, run on random data (fixed seeds)
// and compared with an independent reference written out in C++ here.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "llvm/ADT/APFloat.h"

#include <chrono>
#include <cmath>
#include <functional>
#include <random>

using namespace lacc::test;

namespace {


//===----------------------------------------------------------------------===//
// Vector add with a ragged tail; out-of-bounds without the mask
//===----------------------------------------------------------------------===//

const char *kVectorAdd = R"(
func.func @add(%x: !tile.ptr<f32>, %y: !tile.ptr<f32>, %z: !tile.ptr<f32>, %n: i32) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c256 = arith.constant 256 : i32
  %start = arith.muli %pid, %c256 : i32
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %s = tile.splat %start : tensor<256xi32>
  %offs = arith.addi %s, %r : tensor<256xi32>
  %ns = tile.splat %n : tensor<256xi32>
  %mask = arith.cmpi slt, %offs, %ns : tensor<256xi32>
  %xb = tile.splat %x : tensor<256x!tile.ptr<f32>>
  %xp = tile.addptr %xb, %offs : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %yb = tile.splat %y : tensor<256x!tile.ptr<f32>>
  %yp = tile.addptr %yb, %offs : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %zb = tile.splat %z : tensor<256x!tile.ptr<f32>>
  %zp = tile.addptr %zb, %offs : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %xv = tile.load %xp MASK : tensor<256x!tile.ptr<f32>>
  %yv = tile.load %yp MASK : tensor<256x!tile.ptr<f32>>
  %sum = arith.addf %xv, %yv : tensor<256xf32>
  tile.store %zp, %sum MASK : tensor<256x!tile.ptr<f32>>
  return
}
)";

TEST_F(Interp, VectorAddRaggedTail) {
  auto fn = parse(subst(kVectorAdd, {{"MASK", ", %mask"}}), "add");
  ASSERT_TRUE(fn);
  const int n = 1000;
  auto x = randomFloats(n, 1), y = randomFloats(n, 2);
  std::vector<float> z(n, -99.0f);
  EXPECT_OK(runKernel(fn, {(n + 255) / 256, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                       KernelArg::pointer(z.data()), KernelArg::i32(n)},
                      {buf(x), buf(y), buf(z)}));
  for (int i = 0; i < n; ++i)
    ASSERT_EQ(z[i], x[i] + y[i]) << i;
}

TEST_F(Interp, OutOfBoundsLoadIsAnErrorNotACrash) {
  auto fn = parse(subst(kVectorAdd, {{"MASK", ""}, {"@add", "@add_nomask"}}), "add_nomask");
  ASSERT_TRUE(fn);
  const int n = 1000;
  auto x = randomFloats(n, 1), y = randomFloats(n, 2);
  std::vector<float> z(n);
  std::string err = errorText(runKernel(fn, {4, 1, 1},
                                        {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                                         KernelArg::pointer(z.data()), KernelArg::i32(n)},
                                        {buf(x), buf(y), buf(z)}));
  EXPECT_NE(err.find(locOf("tile.load")), std::string::npos) << err;
  EXPECT_NE(err.find("kernel 'add_nomask'"), std::string::npos) << err;
  EXPECT_NE(err.find("tile.load"), std::string::npos) << err;
  EXPECT_NE(err.find("program (3, 0, 0)"), std::string::npos) << err;
  EXPECT_NE(err.find("lane 232 reads 4 bytes"), std::string::npos) << err; // 3*256+232 = 1000
  EXPECT_NE(err.find("byte offset 4000"), std::string::npos) << err;
}

//===----------------------------------------------------------------------===//
// Masked loads: `other`, and masked-off lanes far outside every buffer
//===----------------------------------------------------------------------===//

TEST_F(Interp, MaskedLoadTakesOtherAndNeverReadsMaskedLanes) {
  auto fn = parse(R"(
func.func @masked(%x: !tile.ptr<i32>, %y: !tile.ptr<i32>, %z: !tile.ptr<i32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %c3 = arith.constant dense<3> : tensor<128xi32>
  %c0 = arith.constant dense<0> : tensor<128xi32>
  %big = arith.constant dense<1000000> : tensor<128xi32>
  %m3 = arith.remsi %r, %c3 : tensor<128xi32>
  %mask = arith.cmpi ne, %m3, %c0 : tensor<128xi32>
  // Masked-off lanes point a million elements away: reading them would fault.
  %far = arith.select %mask, %r, %big : tensor<128xi1>, tensor<128xi32>
  %xb = tile.splat %x : tensor<128x!tile.ptr<i32>>
  %xp = tile.addptr %xb, %far : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %other = arith.constant dense<-7> : tensor<128xi32>
  %v = tile.load %xp, %mask, %other : tensor<128x!tile.ptr<i32>>
  %w = tile.load %xp, %mask : tensor<128x!tile.ptr<i32>>
  %yb = tile.splat %y : tensor<128x!tile.ptr<i32>>
  %yp = tile.addptr %yb, %r : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  tile.store %yp, %v : tensor<128x!tile.ptr<i32>>
  %zb = tile.splat %z : tensor<128x!tile.ptr<i32>>
  %zp = tile.addptr %zb, %far : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  tile.store %zp, %w, %mask : tensor<128x!tile.ptr<i32>>
  return
}
)", "masked");
  ASSERT_TRUE(fn);
  auto x = randomInts<int32_t>(128, 3, -1000000, 1000000);
  std::vector<int32_t> y(128, 12345), z(128, 12345);
  EXPECT_OK(runKernel(fn, {1, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                       KernelArg::pointer(z.data())},
                      {buf(x), buf(y), buf(z)}));
  for (int i = 0; i < 128; ++i) {
    EXPECT_EQ(y[i], i % 3 ? x[i] : -7) << i;
    EXPECT_EQ(z[i], i % 3 ? x[i] : 12345) << i; // masked-off lanes of a store: untouched
  }
}

//===----------------------------------------------------------------------===//
// Row softmax: reductions to a scalar, splat, math, -inf padding
//===----------------------------------------------------------------------===//

TEST_F(Interp, RowSoftmax) {
  auto fn = parse(R"(
func.func @softmax(%x: !tile.ptr<f32>, %y: !tile.ptr<f32>, %ncols: i32, %stride: i32) attributes {tile.kernel} {
  %row = tile.program_id 0 : i32
  %base = arith.muli %row, %stride : i32
  %cols = tile.make_range 0, 64 : tensor<64xi32>
  %bs = tile.splat %base : tensor<64xi32>
  %offs = arith.addi %bs, %cols : tensor<64xi32>
  %nc = tile.splat %ncols : tensor<64xi32>
  %mask = arith.cmpi slt, %cols, %nc : tensor<64xi32>
  %xb = tile.splat %x : tensor<64x!tile.ptr<f32>>
  %xp = tile.addptr %xb, %offs : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  %ninf = arith.constant dense<0xFF800000> : tensor<64xf32>
  %v = tile.load %xp, %mask, %ninf : tensor<64x!tile.ptr<f32>>
  %m = tile.reduce max %v {axis = 0 : i32} : tensor<64xf32> -> f32
  %ms = tile.splat %m : tensor<64xf32>
  %d = arith.subf %v, %ms : tensor<64xf32>
  %e = math.exp %d : tensor<64xf32>
  %s = tile.reduce sum %e {axis = 0 : i32} : tensor<64xf32> -> f32
  %ss = tile.splat %s : tensor<64xf32>
  %o = arith.divf %e, %ss : tensor<64xf32>
  %yb = tile.splat %y : tensor<64x!tile.ptr<f32>>
  %yp = tile.addptr %yb, %offs : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  tile.store %yp, %o, %mask : tensor<64x!tile.ptr<f32>>
  return
}
)", "softmax");
  ASSERT_TRUE(fn);
  const int rows = 37, cols = 50;
  auto x = randomFloats(rows * cols, 4, -8, 8);
  std::vector<float> y(rows * cols, NAN);
  EXPECT_OK(runKernel(fn, {rows, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                       KernelArg::i32(cols), KernelArg::i32(cols)},
                      {buf(x), buf(y)}));
  for (int r = 0; r < rows; ++r) {
    double m = -INFINITY, sum = 0;
    for (int c = 0; c < cols; ++c)
      m = std::max(m, double(x[r * cols + c]));
    for (int c = 0; c < cols; ++c)
      sum += std::exp(x[r * cols + c] - m);
    for (int c = 0; c < cols; ++c) {
      double want = std::exp(x[r * cols + c] - m) / sum;
      ASSERT_NEAR(y[r * cols + c], want, 1e-6 * want + 1e-12) << r << "," << c;
    }
  }
}

//===----------------------------------------------------------------------===//
// Tiled GEMM with scf.for: masks on every edge, f32 and bf16 operands
//===----------------------------------------------------------------------===//

const char *kGemm = R"(
func.func @gemm(%a: !tile.ptr<ELT>, %b: !tile.ptr<ELT>, %c: !tile.ptr<f32>, %M: i32, %N: i32, %K: i32) attributes {tile.kernel} {
  %pm = tile.program_id 0 : i32
  %pn = tile.program_id 1 : i32
  %c32 = arith.constant 32 : i32
  %m0 = arith.muli %pm, %c32 : i32
  %n0 = arith.muli %pn, %c32 : i32
  %r32 = tile.make_range 0, 32 : tensor<32xi32>
  %r16 = tile.make_range 0, 16 : tensor<16xi32>
  %m0s = tile.splat %m0 : tensor<32xi32>
  %rm = arith.addi %m0s, %r32 : tensor<32xi32>
  %n0s = tile.splat %n0 : tensor<32xi32>
  %rn = arith.addi %n0s, %r32 : tensor<32xi32>
  %rm2 = tile.expand_dims %rm {axis = 1 : i32} : tensor<32xi32> -> tensor<32x1xi32>
  %rn2 = tile.expand_dims %rn {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
  %rkc = tile.expand_dims %r16 {axis = 0 : i32} : tensor<16xi32> -> tensor<1x16xi32>
  %rkr = tile.expand_dims %r16 {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
  %Ms = tile.splat %M : tensor<32x1xi32>
  %mrow = arith.cmpi slt, %rm2, %Ms : tensor<32x1xi32>
  %Nc = tile.splat %N : tensor<1x32xi32>
  %mcol = arith.cmpi slt, %rn2, %Nc : tensor<1x32xi32>
  %zero = arith.constant dense<0.0> : tensor<32x32xf32>
  %c0 = arith.constant 0 : i32
  %c16 = arith.constant 16 : i32
  %acc = scf.for %k0 = %c0 to %K step %c16 iter_args(%acc_i = %zero) -> (tensor<32x32xf32>) : i32 {
    %Ks = tile.splat %K : tensor<32x1xi32>
    %arow = arith.muli %rm2, %Ks : tensor<32x1xi32>
    %arowb = tile.broadcast %arow : tensor<32x1xi32> -> tensor<32x16xi32>
    %k0s = tile.splat %k0 : tensor<1x16xi32>
    %kk = arith.addi %k0s, %rkc : tensor<1x16xi32>
    %kkb = tile.broadcast %kk : tensor<1x16xi32> -> tensor<32x16xi32>
    %aoff = arith.addi %arowb, %kkb : tensor<32x16xi32>
    %mrowb = tile.broadcast %mrow : tensor<32x1xi1> -> tensor<32x16xi1>
    %Kc = tile.splat %K : tensor<1x16xi32>
    %mk = arith.cmpi slt, %kk, %Kc : tensor<1x16xi32>
    %mkb = tile.broadcast %mk : tensor<1x16xi1> -> tensor<32x16xi1>
    %amask = arith.andi %mrowb, %mkb : tensor<32x16xi1>
    %ab = tile.splat %a : tensor<32x16x!tile.ptr<ELT>>
    %ap = tile.addptr %ab, %aoff : tensor<32x16x!tile.ptr<ELT>>, tensor<32x16xi32>
    %at = tile.load %ap, %amask : tensor<32x16x!tile.ptr<ELT>>
    %k0r = tile.splat %k0 : tensor<16x1xi32>
    %kr = arith.addi %k0r, %rkr : tensor<16x1xi32>
    %Ns = tile.splat %N : tensor<16x1xi32>
    %brow = arith.muli %kr, %Ns : tensor<16x1xi32>
    %browb = tile.broadcast %brow : tensor<16x1xi32> -> tensor<16x32xi32>
    %rnb = tile.broadcast %rn2 : tensor<1x32xi32> -> tensor<16x32xi32>
    %boff = arith.addi %browb, %rnb : tensor<16x32xi32>
    %Kr = tile.splat %K : tensor<16x1xi32>
    %mkr = arith.cmpi slt, %kr, %Kr : tensor<16x1xi32>
    %mkrb = tile.broadcast %mkr : tensor<16x1xi1> -> tensor<16x32xi1>
    %mcolb = tile.broadcast %mcol : tensor<1x32xi1> -> tensor<16x32xi1>
    %bmask = arith.andi %mkrb, %mcolb : tensor<16x32xi1>
    %bb = tile.splat %b : tensor<16x32x!tile.ptr<ELT>>
    %bp = tile.addptr %bb, %boff : tensor<16x32x!tile.ptr<ELT>>, tensor<16x32xi32>
    %bt = tile.load %bp, %bmask : tensor<16x32x!tile.ptr<ELT>>
    %next = tile.dot %at, %bt, %acc_i : tensor<32x16xELT>, tensor<16x32xELT> -> tensor<32x32xf32>
    scf.yield %next : tensor<32x32xf32>
  }
  %Nr = tile.splat %N : tensor<32x1xi32>
  %crow = arith.muli %rm2, %Nr : tensor<32x1xi32>
  %crowb = tile.broadcast %crow : tensor<32x1xi32> -> tensor<32x32xi32>
  %rncb = tile.broadcast %rn2 : tensor<1x32xi32> -> tensor<32x32xi32>
  %coff = arith.addi %crowb, %rncb : tensor<32x32xi32>
  %mrowc = tile.broadcast %mrow : tensor<32x1xi1> -> tensor<32x32xi1>
  %mcolc = tile.broadcast %mcol : tensor<1x32xi1> -> tensor<32x32xi1>
  %cmask = arith.andi %mrowc, %mcolc : tensor<32x32xi1>
  %cb = tile.splat %c : tensor<32x32x!tile.ptr<f32>>
  %cp = tile.addptr %cb, %coff : tensor<32x32x!tile.ptr<f32>>, tensor<32x32xi32>
  tile.store %cp, %acc, %cmask : tensor<32x32x!tile.ptr<f32>>
  return
}
)";

/// C = A B with f32 products added in k order, as the interpreter promises.
std::vector<float> gemmRef(const std::vector<float> &a, const std::vector<float> &b, int M, int N,
                           int K) {
  std::vector<float> c(M * N);
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float acc = 0;
      for (int k = 0; k < K; ++k) {
        float p = a[i * K + k] * b[k * N + j];
        acc = acc + p;
      }
      c[i * N + j] = acc;
    }
  return c;
}

TEST_F(Interp, TiledGemmF32) {
  auto fn = parse(subst(kGemm, {{"ELT", "f32"}}), "gemm");
  ASSERT_TRUE(fn);
  const int M = 80, N = 72, K = 100;
  auto a = randomFloats(M * K, 5), b = randomFloats(K * N, 6);
  std::vector<float> c(M * N, NAN);
  EXPECT_OK(runKernel(fn, {(M + 31) / 32, (N + 31) / 32, 1},
                      {KernelArg::pointer(a.data()), KernelArg::pointer(b.data()),
                       KernelArg::pointer(c.data()), KernelArg::i32(M), KernelArg::i32(N),
                       KernelArg::i32(K)},
                      {buf(a), buf(b), buf(c)}));
  auto want = gemmRef(a, b, M, N, K);
  for (int i = 0; i < M * N; ++i)
    ASSERT_EQ(c[i], want[i]) << i; // bit-exact: same products, same order
}

TEST_F(Interp, TiledGemmBF16) {
  auto fn = parse(subst(kGemm, {{"ELT", "bf16"}}), "gemm");
  ASSERT_TRUE(fn);
  const int M = 45, N = 64, K = 33;
  auto a16 = toBF16(randomFloats(M * K, 7, -3, 3)), b16 = toBF16(randomFloats(K * N, 8, -3, 3));
  std::vector<float> a, b, c(M * N, NAN);
  for (uint16_t h : a16)
    a.push_back(num::bf16BitsToFloat(h));
  for (uint16_t h : b16)
    b.push_back(num::bf16BitsToFloat(h));
  EXPECT_OK(runKernel(fn, {2, 2, 1},
                      {KernelArg::pointer(a16.data()), KernelArg::pointer(b16.data()),
                       KernelArg::pointer(c.data()), KernelArg::i32(M), KernelArg::i32(N),
                       KernelArg::i32(K)},
                      {buf(a16), buf(b16), buf(c)}));
  auto want = gemmRef(a, b, M, N, K);
  for (int i = 0; i < M * N; ++i)
    ASSERT_EQ(c[i], want[i]) << i;
}

//===----------------------------------------------------------------------===//
// Reduce and scan along both axes of an 8x16 tile
//===----------------------------------------------------------------------===//

const char *kLoad8x16 = R"(
  %r8 = tile.make_range 0, 8 : tensor<8xi32>
  %r16 = tile.make_range 0, 16 : tensor<16xi32>
  %a = tile.expand_dims %r8 {axis = 1 : i32} : tensor<8xi32> -> tensor<8x1xi32>
  %c16 = arith.constant dense<16> : tensor<8x1xi32>
  %a16 = arith.muli %a, %c16 : tensor<8x1xi32>
  %ab = tile.broadcast %a16 : tensor<8x1xi32> -> tensor<8x16xi32>
  %b = tile.expand_dims %r16 {axis = 0 : i32} : tensor<16xi32> -> tensor<1x16xi32>
  %bb = tile.broadcast %b : tensor<1x16xi32> -> tensor<8x16xi32>
  %off = arith.addi %ab, %bb : tensor<8x16xi32>
  %xs = tile.splat %x : tensor<8x16x!tile.ptr<T>>
  %xp = tile.addptr %xs, %off : tensor<8x16x!tile.ptr<T>>, tensor<8x16xi32>
  %v = tile.load %xp : tensor<8x16x!tile.ptr<T>>
)";

template <class T, class F>
std::vector<T> reduceRef(const std::vector<T> &x, int axis, bool scan, bool reverse, F f) {
  const int R = 8, C = 16;
  std::vector<T> out(scan ? R * C : (axis == 0 ? C : R));
  int len = axis == 0 ? R : C, other = axis == 0 ? C : R;
  for (int o = 0; o < other; ++o) {
    auto at = [&](int l) { return axis == 0 ? l * C + o : o * C + l; };
    T acc{};
    for (int t = 0; t < len; ++t) {
      int l = reverse ? len - 1 - t : t;
      acc = t == 0 ? x[at(l)] : f(acc, x[at(l)]);
      if (scan)
        out[at(l)] = acc;
    }
    if (!scan)
      out[o] = acc;
  }
  return out;
}

template <class T>
void checkReductions(const std::string &elt, const std::vector<T> &x) {
  struct Kind {
    const char *name;
    std::function<T(T, T)> f;
  };
  std::vector<Kind> kinds = {
      {"sum", [](T a, T b) { return T(a + b); }},
      {"prod", [](T a, T b) { return T(a * b); }},
      {"max", [](T a, T b) { return std::max(a, b); }},
      {"min", [](T a, T b) { return std::min(a, b); }},
  };
  for (const Kind &kind : kinds)
    for (int axis : {0, 1})
      for (int mode : {0, 1, 2}) { // reduce, scan, reverse scan
        bool scan = mode > 0, reverse = mode == 2;
        int outN = scan ? 128 : (axis == 0 ? 16 : 8);
        std::string src =
            R"(func.func @k(%x: !tile.ptr<T>, %y: !tile.ptr<T>) attributes {tile.kernel} {)" +
            std::string(kLoad8x16);
        if (scan) {
          src += "  %red = tile.scan KIND %v {axis = AXIS : i32, reverse = REV} : tensor<8x16xT>\n"
                 "  %ys = tile.splat %y : tensor<8x16x!tile.ptr<T>>\n"
                 "  %yp = tile.addptr %ys, %off : tensor<8x16x!tile.ptr<T>>, tensor<8x16xi32>\n"
                 "  tile.store %yp, %red : tensor<8x16x!tile.ptr<T>>\n";
        } else {
          src += "  %red = tile.reduce KIND %v {axis = AXIS : i32} : tensor<8x16xT> -> "
                 "tensor<OUTxT>\n"
                 "  %ro = tile.make_range 0, OUT : tensor<OUTxi32>\n"
                 "  %ys = tile.splat %y : tensor<OUTx!tile.ptr<T>>\n"
                 "  %yp = tile.addptr %ys, %ro : tensor<OUTx!tile.ptr<T>>, tensor<OUTxi32>\n"
                 "  tile.store %yp, %red : tensor<OUTx!tile.ptr<T>>\n";
        }
        src += "  return\n}\n";
        src = subst(src, {{"KIND", kind.name},
                          {"AXIS", std::to_string(axis)},
                          {"REV", reverse ? "true" : "false"},
                          {"OUT", std::to_string(outN)},
                          {"T", elt}});
        SCOPED_TRACE(src);
        MLIRContext ctx;
        ctx.loadDialect<lacc::tile::TileDialect>();
        auto mod = parseSourceString<ModuleOp>(src, ParserConfig(&ctx), "test.mlir");
        ASSERT_TRUE(mod);
        auto fn = mod->lookupSymbol<func::FuncOp>("k");
        std::vector<T> in = x, y(outN);
        EXPECT_OK(runKernel(fn, {1, 1, 1}, {KernelArg::pointer(in.data()), KernelArg::pointer(y.data())},
                            {buf(in), buf(y)}));
        auto want = reduceRef(x, axis, scan, reverse, kind.f);
        for (int i = 0; i < outN; ++i)
          ASSERT_EQ(y[i], want[i]) << kind.name << " axis " << axis << " mode " << mode << " at " << i;
      }
}

TEST_F(Interp, ReduceAndScanF32) {
  checkReductions<float>("f32", randomFloats(128, 9, 0.5f, 1.5f));
}
TEST_F(Interp, ReduceAndScanI32WrapAround) {
  // Large values: sums and products overflow i32 and must wrap.
  auto x = randomInts<int32_t>(128, 10, -2000000000, 2000000000);
  struct W { // wrapping arithmetic in the reference
    static int32_t wrap(int64_t v) { return static_cast<int32_t>(static_cast<uint32_t>(v)); }
  };
  // checkReductions uses T(a + b), which is UB for int32_t on overflow: use a wrapper type.
  struct I {
    int32_t v = 0;
    I() = default;
    I(int64_t x) : v(W::wrap(x)) {}
    I operator+(I o) const { return I(int64_t(v) + o.v); }
    I operator*(I o) const { return I(static_cast<int64_t>(static_cast<uint32_t>(v) * static_cast<uint32_t>(o.v))); }
    bool operator<(I o) const { return v < o.v; }
    bool operator==(I o) const { return v == o.v; }
  };
  std::vector<I> xi(x.begin(), x.end());
  static_assert(sizeof(I) == 4);
  checkReductions<I>("i32", xi);
}

//===----------------------------------------------------------------------===//
// Shape ops: trans (2-D and 3-D), reshape, expand_dims + broadcast
//===----------------------------------------------------------------------===//

TEST_F(Interp, ShapeOps) {
  auto fn = parse(R"(
func.func @shapes(%x: !tile.ptr<f32>, %t: !tile.ptr<f32>, %r: !tile.ptr<f32>, %b: !tile.ptr<f32>, %t3: !tile.ptr<f32>) attributes {tile.kernel} {
  %o32 = tile.make_range 0, 32 : tensor<32xi32>
  %o48 = tile.reshape %o32 : tensor<32xi32> -> tensor<4x8xi32>
  %xs = tile.splat %x : tensor<4x8x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %o48 : tensor<4x8x!tile.ptr<f32>>, tensor<4x8xi32>
  %v = tile.load %xp : tensor<4x8x!tile.ptr<f32>>
  %vt = tile.trans %v {order = array<i32: 1, 0>} : tensor<4x8xf32> -> tensor<8x4xf32>
  %o84 = tile.reshape %o32 : tensor<32xi32> -> tensor<8x4xi32>
  %ts = tile.splat %t : tensor<8x4x!tile.ptr<f32>>
  %tp = tile.addptr %ts, %o84 : tensor<8x4x!tile.ptr<f32>>, tensor<8x4xi32>
  tile.store %tp, %vt : tensor<8x4x!tile.ptr<f32>>
  %v216 = tile.reshape %v : tensor<4x8xf32> -> tensor<2x16xf32>
  %o216 = tile.reshape %o32 : tensor<32xi32> -> tensor<2x16xi32>
  %rs = tile.splat %r : tensor<2x16x!tile.ptr<f32>>
  %rp = tile.addptr %rs, %o216 : tensor<2x16x!tile.ptr<f32>>, tensor<2x16xi32>
  tile.store %rp, %v216 : tensor<2x16x!tile.ptr<f32>>
  %r4 = tile.make_range 0, 4 : tensor<4xi32>
  %r4f = arith.sitofp %r4 : tensor<4xi32> to tensor<4xf32>
  %col = tile.expand_dims %r4f {axis = 1 : i32} : tensor<4xf32> -> tensor<4x1xf32>
  %colb = tile.broadcast %col : tensor<4x1xf32> -> tensor<4x8xf32>
  %r8 = tile.make_range 0, 8 : tensor<8xi32>
  %r8f = arith.sitofp %r8 : tensor<8xi32> to tensor<8xf32>
  %row = tile.expand_dims %r8f {axis = 0 : i32} : tensor<8xf32> -> tensor<1x8xf32>
  %rowb = tile.broadcast %row : tensor<1x8xf32> -> tensor<4x8xf32>
  %c100 = arith.constant dense<100.0> : tensor<4x8xf32>
  %rows100 = arith.mulf %rowb, %c100 : tensor<4x8xf32>
  %sum1 = arith.addf %v, %colb : tensor<4x8xf32>
  %sum2 = arith.addf %sum1, %rows100 : tensor<4x8xf32>
  %bs = tile.splat %b : tensor<4x8x!tile.ptr<f32>>
  %bp = tile.addptr %bs, %o48 : tensor<4x8x!tile.ptr<f32>>, tensor<4x8xi32>
  tile.store %bp, %sum2 : tensor<4x8x!tile.ptr<f32>>
  %v3 = tile.reshape %v : tensor<4x8xf32> -> tensor<2x2x8xf32>
  %w3 = tile.trans %v3 {order = array<i32: 2, 0, 1>} : tensor<2x2x8xf32> -> tensor<8x2x2xf32>
  %w1 = tile.reshape %w3 : tensor<8x2x2xf32> -> tensor<32xf32>
  %t3s = tile.splat %t3 : tensor<32x!tile.ptr<f32>>
  %t3p = tile.addptr %t3s, %o32 : tensor<32x!tile.ptr<f32>>, tensor<32xi32>
  tile.store %t3p, %w1 : tensor<32x!tile.ptr<f32>>
  return
}
)", "shapes");
  ASSERT_TRUE(fn);
  auto x = randomFloats(32, 11);
  std::vector<float> t(32), r(32), b(32), t3(32);
  EXPECT_OK(runKernel(fn, {1, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(t.data()),
                       KernelArg::pointer(r.data()), KernelArg::pointer(b.data()),
                       KernelArg::pointer(t3.data())},
                      {buf(x), buf(t), buf(r), buf(b), buf(t3)}));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) {
      EXPECT_EQ(t[j * 4 + i], x[i * 8 + j]);
      EXPECT_EQ(b[i * 8 + j], x[i * 8 + j] + float(i) + 100.0f * j);
    }
  EXPECT_EQ(r, x);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 8; ++k)
        EXPECT_EQ(t3[(k * 2 + i) * 2 + j], x[(i * 2 + j) * 8 + k]);
}

//===----------------------------------------------------------------------===//
// Atomics: sequential over programs and lanes, duplicates within a tile
//===----------------------------------------------------------------------===//

TEST_F(Interp, Atomics) {
  auto fn = parse(R"(
func.func @hist(%bins: !tile.ptr<i32>, %vals: !tile.ptr<f32>, %n: i32, %count: !tile.ptr<i32>,
                %sums: !tile.ptr<f32>, %olds: !tile.ptr<f32>, %maxs: !tile.ptr<i32>,
                %cell: !tile.ptr<i32>, %prev: !tile.ptr<i32>) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c64 = arith.constant 64 : i32
  %start = arith.muli %pid, %c64 : i32
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %s = tile.splat %start : tensor<64xi32>
  %offs = arith.addi %s, %r : tensor<64xi32>
  %ns = tile.splat %n : tensor<64xi32>
  %mask = arith.cmpi slt, %offs, %ns : tensor<64xi32>
  %bb = tile.splat %bins : tensor<64x!tile.ptr<i32>>
  %bp = tile.addptr %bb, %offs : tensor<64x!tile.ptr<i32>>, tensor<64xi32>
  %bin = tile.load %bp, %mask : tensor<64x!tile.ptr<i32>>
  %vb = tile.splat %vals : tensor<64x!tile.ptr<f32>>
  %vp = tile.addptr %vb, %offs : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  %val = tile.load %vp, %mask : tensor<64x!tile.ptr<f32>>
  %one = arith.constant dense<1> : tensor<64xi32>
  %cb = tile.splat %count : tensor<64x!tile.ptr<i32>>
  %cp = tile.addptr %cb, %bin : tensor<64x!tile.ptr<i32>>, tensor<64xi32>
  %oldc = tile.atomic_rmw add %cp, %one, %mask : tensor<64x!tile.ptr<i32>>
  %sb = tile.splat %sums : tensor<64x!tile.ptr<f32>>
  %sp = tile.addptr %sb, %bin : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  %olds_v = tile.atomic_rmw add %sp, %val, %mask : tensor<64x!tile.ptr<f32>>
  %ob = tile.splat %olds : tensor<64x!tile.ptr<f32>>
  %op = tile.addptr %ob, %offs : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  tile.store %op, %olds_v, %mask : tensor<64x!tile.ptr<f32>>
  %c1000 = arith.constant dense<1000.0> : tensor<64xf32>
  %scaled = arith.mulf %val, %c1000 : tensor<64xf32>
  %iv = arith.fptosi %scaled : tensor<64xf32> to tensor<64xi32>
  %mb = tile.splat %maxs : tensor<64x!tile.ptr<i32>>
  %mp = tile.addptr %mb, %bin : tensor<64x!tile.ptr<i32>>, tensor<64xi32>
  %oldm = tile.atomic_rmw max %mp, %iv, %mask : tensor<64x!tile.ptr<i32>>
  %prevv = tile.atomic_rmw xchg %cell, %pid : !tile.ptr<i32>
  %pp = tile.addptr %prev, %pid : !tile.ptr<i32>, i32
  tile.store %pp, %prevv : !tile.ptr<i32>
  return
}
)", "hist");
  ASSERT_TRUE(fn);
  const int n = 250, B = 16, P = 4;
  auto bins = randomInts<int32_t>(n, 12, 0, B - 1);
  auto vals = randomFloats(n, 13);
  std::vector<int32_t> count(B, 0), maxs(B, INT32_MIN), cell(1, -5), prev(P, 0);
  std::vector<float> sums(B, 0.0f), olds(n, NAN);
  EXPECT_OK(runKernel(fn, {P, 1, 1},
                      {KernelArg::pointer(bins.data()), KernelArg::pointer(vals.data()),
                       KernelArg::i32(n), KernelArg::pointer(count.data()),
                       KernelArg::pointer(sums.data()), KernelArg::pointer(olds.data()),
                       KernelArg::pointer(maxs.data()), KernelArg::pointer(cell.data()),
                       KernelArg::pointer(prev.data())},
                      {buf(bins), buf(vals), buf(count), buf(sums), buf(olds), buf(maxs), buf(cell),
                       buf(prev)}));
  std::vector<int32_t> wantCount(B, 0), wantMax(B, INT32_MIN);
  std::vector<float> wantSums(B, 0.0f);
  for (int i = 0; i < n; ++i) {
    ++wantCount[bins[i]];
    EXPECT_EQ(olds[i], wantSums[bins[i]]) << i;
    wantSums[bins[i]] += vals[i];
    wantMax[bins[i]] = std::max(wantMax[bins[i]], static_cast<int32_t>(vals[i] * 1000.0f));
  }
  EXPECT_EQ(count, wantCount);
  EXPECT_EQ(sums, wantSums);
  EXPECT_EQ(maxs, wantMax);
  EXPECT_EQ(cell[0], P - 1);
  EXPECT_EQ(prev, (std::vector<int32_t>{-5, 0, 1, 2}));
}

//===----------------------------------------------------------------------===//
// Control flow: scf.while, scf.if with and without results, loop-carried swaps
//===----------------------------------------------------------------------===//

TEST_F(Interp, WhileIfAndLoopCarriedSwap) {
  auto fn = parse(R"(
func.func @collatz(%x: !tile.ptr<i32>, %y: !tile.ptr<i32>, %flags: !tile.ptr<i32>, %sw: !tile.ptr<i32>) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %c2 = arith.constant 2 : i32
  %c3 = arith.constant 3 : i32
  %p = tile.addptr %x, %pid : !tile.ptr<i32>, i32
  %v = tile.load %p : !tile.ptr<i32>
  %last, %steps = scf.while (%v0 = %v, %s0 = %c0) : (i32, i32) -> (i32, i32) {
    %ne1 = arith.cmpi ne, %v0, %c1 : i32
    scf.condition(%ne1) %v0, %s0 : i32, i32
  } do {
  ^bb0(%v1: i32, %s1: i32):
    %rem = arith.remsi %v1, %c2 : i32
    %odd = arith.cmpi eq, %rem, %c1 : i32
    %nv = scf.if %odd -> (i32) {
      %t = arith.muli %v1, %c3 : i32
      %t1 = arith.addi %t, %c1 : i32
      scf.yield %t1 : i32
    } else {
      %h = arith.divsi %v1, %c2 : i32
      scf.yield %h : i32
    }
    %ns = arith.addi %s1, %c1 : i32
    scf.yield %nv, %ns : i32, i32
  }
  %srem = arith.remsi %steps, %c2 : i32
  %even = arith.cmpi eq, %srem, %c0 : i32
  %res = scf.if %even -> (i32) {
    %d = arith.muli %steps, %c2 : i32
    scf.yield %d : i32
  } else {
    %neg = arith.subi %c0, %steps : i32
    scf.yield %neg : i32
  }
  %q = tile.addptr %y, %pid : !tile.ptr<i32>, i32
  tile.store %q, %res : !tile.ptr<i32>
  %pe = arith.remsi %pid, %c2 : i32
  %pidEven = arith.cmpi eq, %pe, %c0 : i32
  scf.if %pidEven {
    %f = tile.addptr %flags, %pid : !tile.ptr<i32>, i32
    tile.store %f, %last : !tile.ptr<i32>
  }
  %a, %b = scf.for %i = %c0 to %v step %c1 iter_args(%ai = %c1, %bi = %c2) -> (i32, i32) : i32 {
    scf.yield %bi, %ai : i32, i32
  }
  %ab = arith.muli %a, %c3 : i32
  %abb = arith.addi %ab, %b : i32
  %sp = tile.addptr %sw, %pid : !tile.ptr<i32>, i32
  tile.store %sp, %abb : !tile.ptr<i32>
  return
}
)", "collatz");
  ASSERT_TRUE(fn);
  const int P = 20;
  auto x = randomInts<int32_t>(P, 14, 1, 500);
  std::vector<int32_t> y(P, 0), flags(P, -1), sw(P, 0);
  EXPECT_OK(runKernel(fn, {P, 1, 1},
                      {KernelArg::pointer(x.data()), KernelArg::pointer(y.data()),
                       KernelArg::pointer(flags.data()), KernelArg::pointer(sw.data())},
                      {buf(x), buf(y), buf(flags), buf(sw)}));
  for (int i = 0; i < P; ++i) {
    int v = x[i], steps = 0;
    while (v != 1)
      v = v % 2 ? 3 * v + 1 : v / 2, ++steps;
    EXPECT_EQ(y[i], steps % 2 == 0 ? steps * 2 : -steps) << i;
    EXPECT_EQ(flags[i], i % 2 == 0 ? 1 : -1) << i;
    bool swapped = x[i] % 2; // odd trip count: (1, 2) -> (2, 1)
    EXPECT_EQ(sw[i], swapped ? 2 * 3 + 1 : 1 * 3 + 2) << i;
  }
}

//===----------------------------------------------------------------------===//
// Elementwise integer and float semantics, one op per kernel
//===----------------------------------------------------------------------===//

TEST(InterpSemantics, IntegerDivisionIsCTruncation) {
  auto x = randomInts<int32_t>(256, 15, -1000000, 1000000);
  auto y = randomInts<int32_t>(256, 16, -300, 300);
  for (int32_t &v : y)
    v = v ? v : 7;
  x[0] = INT32_MIN, y[0] = 3; // extremes that do not overflow
  x[1] = INT32_MAX, y[1] = -2;
  auto floordiv = [](int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q; };
  auto ceildiv = [](int64_t a, int64_t b) { int64_t q = a / b; return (a % b != 0 && (a < 0) == (b < 0)) ? q + 1 : q; };
  struct Case {
    const char *op;
    std::function<int64_t(int32_t, int32_t)> f;
  } cases[] = {
      {"arith.divsi", [](int32_t a, int32_t b) { return a / b; }},
      {"arith.remsi", [](int32_t a, int32_t b) { return a % b; }},
      {"arith.floordivsi", floordiv},
      {"arith.ceildivsi", ceildiv},
      {"arith.divui", [](int32_t a, int32_t b) { return uint32_t(a) / uint32_t(b); }},
      {"arith.remui", [](int32_t a, int32_t b) { return uint32_t(a) % uint32_t(b); }},
      {"arith.ceildivui", [](int32_t a, int32_t b) { return uint32_t(a) / uint32_t(b) + (uint32_t(a) % uint32_t(b) != 0); }},
      {"arith.maxui", [](int32_t a, int32_t b) { return std::max(uint32_t(a), uint32_t(b)); }},
      {"arith.minsi", [](int32_t a, int32_t b) { return std::min(a, b); }},
  };
  for (const Case &c : cases) {
    std::vector<int32_t> z;
    std::string err = runBinary(c.op, "i32", x, y, z);
    ASSERT_TRUE(err.empty()) << c.op << ": " << err;
    for (int i = 0; i < 256; ++i)
      ASSERT_EQ(z[i], static_cast<int32_t>(c.f(x[i], y[i]))) << c.op << " " << x[i] << ", " << y[i];
  }
}

TEST(InterpSemantics, I8WrapsAndShifts) {
  auto x = randomInts<int8_t>(256, 17, -128, 127), y = randomInts<int8_t>(256, 18, -128, 127);
  auto s = randomInts<int8_t>(256, 19, 0, 7);
  auto wrap = [](int v) { return static_cast<int8_t>(static_cast<uint8_t>(v)); };
  std::vector<int8_t> z;
  ASSERT_EQ(runBinary("arith.addi", "i8", x, y, z), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(z[i], wrap(x[i] + y[i]));
  ASSERT_EQ(runBinary("arith.muli", "i8", x, y, z), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(z[i], wrap(x[i] * y[i]));
  ASSERT_EQ(runBinary("arith.shli", "i8", x, s, z), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(z[i], wrap(uint8_t(x[i]) << s[i]));
  ASSERT_EQ(runBinary("arith.shrsi", "i8", x, s, z), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(z[i], x[i] >> s[i]);
  ASSERT_EQ(runBinary("arith.shrui", "i8", x, s, z), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(z[i], wrap(uint8_t(x[i]) >> s[i]));
  s[77] = 8;
  std::string err = runBinary("arith.shli", "i8", x, s, z);
  EXPECT_NE(err.find("shift amount 8 >= bit width 8 in lane 77"), std::string::npos) << err;
}

/// bf16 and f16 arithmetic rounds every result, checked against APFloat in the type itself.
TEST(InterpSemantics, SixteenBitFloatArithmeticRoundsEachResult) {
  auto xf = randomFloats(256, 20, -100, 100), yf = randomFloats(256, 21, -3, 3);
  for (auto [elt, sem] : {std::pair<std::string, const llvm::fltSemantics *>{"bf16", &llvm::APFloat::BFloat()},
                          {"f16", &llvm::APFloat::IEEEhalf()}}) {
    bool isBF = elt == "bf16";
    std::vector<uint16_t> x, y, z;
    for (int i = 0; i < 256; ++i) {
      x.push_back(isBF ? num::floatToBF16Bits(xf[i]) : num::floatToHalfBits(xf[i]));
      y.push_back(isBF ? num::floatToBF16Bits(yf[i]) : num::floatToHalfBits(yf[i]));
    }
    using Fn = llvm::APFloat::opStatus (llvm::APFloat::*)(const llvm::APFloat &, llvm::APFloat::roundingMode);
    for (auto [op, fn] : {std::pair<const char *, Fn>{"arith.addf", &llvm::APFloat::add},
                          {"arith.subf", &llvm::APFloat::subtract},
                          {"arith.mulf", &llvm::APFloat::multiply},
                          {"arith.divf", &llvm::APFloat::divide}}) {
      ASSERT_EQ(runBinary(op, elt, x, y, z), "");
      int inexact = 0;
      for (int i = 0; i < 256; ++i) {
        llvm::APFloat a(*sem, llvm::APInt(16, x[i])), b(*sem, llvm::APInt(16, y[i]));
        inexact += (a.*fn)(b, llvm::APFloat::rmNearestTiesToEven) != llvm::APFloat::opOK;
        ASSERT_EQ(z[i], a.bitcastToAPInt().getZExtValue()) << elt << " " << op << " lane " << i;
      }
      EXPECT_GT(inexact, 0) << "the data must exercise rounding";
    }
  }
}

//===----------------------------------------------------------------------===//
// Casts
//===----------------------------------------------------------------------===//

const char *kCast = R"(
func.func @cast(%x: !tile.ptr<S>, %z: !tile.ptr<D>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %xs = tile.splat %x : tensor<256x!tile.ptr<S>>
  %xp = tile.addptr %xs, %r : tensor<256x!tile.ptr<S>>, tensor<256xi32>
  %a = tile.load %xp : tensor<256x!tile.ptr<S>>
  %c = OP %a : tensor<256xS> to tensor<256xD>
  %zs = tile.splat %z : tensor<256x!tile.ptr<D>>
  %zp = tile.addptr %zs, %r : tensor<256x!tile.ptr<D>>, tensor<256xi32>
  tile.store %zp, %c : tensor<256x!tile.ptr<D>>
  return
}
)";

template <class S, class D>
std::string runCast(const std::string &op, const std::string &s, const std::string &d,
                    std::vector<S> x, std::vector<D> &z) {
  MLIRContext ctx;
  ctx.loadDialect<lacc::tile::TileDialect>();
  auto mod = parseSourceString<ModuleOp>(subst(kCast, {{"OP", op}, {"S", s}, {"D", d}}),
                                         ParserConfig(&ctx), "test.mlir");
  if (!mod)
    return "parse error";
  z.assign(x.size(), D{});
  return errorText(runKernel(mod->lookupSymbol<func::FuncOp>("cast"), {1, 1, 1},
                             {KernelArg::pointer(x.data()), KernelArg::pointer(z.data())},
                             {buf(x), buf(z)}));
}

uint64_t apConvert(double v, const llvm::fltSemantics &sem) {
  llvm::APFloat f(v);
  bool lost;
  f.convert(sem, llvm::APFloat::rmNearestTiesToEven, &lost);
  return f.bitcastToAPInt().getZExtValue();
}

TEST(InterpSemantics, Casts) {
  auto xf = randomFloats(256, 22, -1e5, 1e5);
  std::vector<uint16_t> h;
  ASSERT_EQ(runCast("arith.truncf", "f32", "bf16", xf, h), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(h[i], apConvert(xf[i], llvm::APFloat::BFloat()));
  ASSERT_EQ(runCast("arith.truncf", "f32", "f16", xf, h), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(h[i], apConvert(xf[i], llvm::APFloat::IEEEhalf()));
  std::vector<float> back;
  ASSERT_EQ(runCast("arith.extf", "f16", "f32", h, back), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(back[i], num::halfBitsToFloat(h[i]));

  std::vector<int32_t> xi;
  ASSERT_EQ(runCast("arith.fptosi", "f32", "i32", xf, xi), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(xi[i], static_cast<int32_t>(xf[i])); // toward zero
  auto big = randomInts<int64_t>(256, 23, INT64_MIN, INT64_MAX);
  ASSERT_EQ(runCast("arith.sitofp", "i64", "bf16", big, h), "");
  for (int i = 0; i < 256; ++i) {
    llvm::APFloat f(llvm::APFloat::BFloat());
    f.convertFromAPInt(llvm::APInt(64, big[i], true), true, llvm::APFloat::rmNearestTiesToEven);
    ASSERT_EQ(h[i], f.bitcastToAPInt().getZExtValue()) << big[i];
  }
  std::vector<float> f32;
  ASSERT_EQ(runCast("arith.sitofp", "i64", "f32", big, f32), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(f32[i], static_cast<float>(big[i]));
  auto neg = randomInts<int32_t>(256, 24, INT32_MIN, -1);
  ASSERT_EQ(runCast("arith.uitofp", "i32", "f32", neg, f32), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(f32[i], static_cast<float>(static_cast<uint32_t>(neg[i])));
  auto b = randomInts<int8_t>(256, 25, -128, 127);
  ASSERT_EQ(runCast("arith.extsi", "i8", "i32", b, xi), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(xi[i], b[i]);
  ASSERT_EQ(runCast("arith.extui", "i8", "i32", b, xi), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(xi[i], static_cast<uint8_t>(b[i]));
  std::vector<int8_t> t;
  ASSERT_EQ(runCast("arith.trunci", "i32", "i8", neg, t), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(t[i], static_cast<int8_t>(static_cast<uint8_t>(neg[i])));
  std::vector<int16_t> bits;
  ASSERT_EQ(runCast("arith.bitcast", "bf16", "i16", h, bits), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(static_cast<uint16_t>(bits[i]), h[i]);

  // Float -> int of NaN or out of range: an error naming the value and lane.
  xf[9] = 3e9f;
  std::string err = runCast("arith.fptosi", "f32", "i32", xf, xi);
  EXPECT_NE(err.find("3e+09 does not fit in i32 (in lane 9)"), std::string::npos) << err;
  std::vector<float> u = randomFloats(256, 27, 0, 255.9f);
  ASSERT_EQ(runCast("arith.fptoui", "f32", "i8", u, t), "");
  for (int i = 0; i < 256; ++i)
    ASSERT_EQ(static_cast<uint8_t>(t[i]), static_cast<uint8_t>(u[i]));
  u[9] = NAN;
  err = runCast("arith.fptoui", "f32", "i8", u, t);
  EXPECT_NE(err.find("nan does not fit in unsigned i8"), std::string::npos) << err;
}

//===----------------------------------------------------------------------===//
// Error paths
//===----------------------------------------------------------------------===//

const char *kDivide = R"(
func.func @div(%x: !tile.ptr<i32>, %d: i32, %n: i64, %s: f32) attributes {tile.kernel} {
  %r = tile.make_range 0, 16 : tensor<16xi32>
  %ds = tile.splat %d : tensor<16xi32>
  %q = arith.divsi %r, %ds : tensor<16xi32>
  %xs = tile.splat %x : tensor<16x!tile.ptr<i32>>
  %xp = tile.addptr %xs, %r : tensor<16x!tile.ptr<i32>>, tensor<16xi32>
  tile.store %xp, %q : tensor<16x!tile.ptr<i32>>
  return
}
)";

TEST_F(Interp, ArgumentChecks) {
  auto fn = parse(kDivide, "div");
  ASSERT_TRUE(fn);
  std::vector<int32_t> x(16);
  auto run = [&](std::vector<KernelArg> args, std::array<uint32_t, 3> grid = {1, 1, 1}) {
    return errorText(runKernel(fn, grid, args, {buf(x)}));
  };
  auto p = KernelArg::pointer(x.data());
  EXPECT_EQ(run({p, KernelArg::i32(3)}), "kernel 'div': expects 4 arguments, got 2");
  EXPECT_EQ(run({p, KernelArg::i64(3), KernelArg::i64(1), KernelArg::f32(1)}),
            "kernel 'div': parameter 1 (test.mlir:2:36) is i32, but the argument is i64");
  EXPECT_EQ(run({KernelArg::f32(1), KernelArg::i32(3), KernelArg::i64(1), KernelArg::f32(1)}),
            "kernel 'div': parameter 0 (test.mlir:2:16) is a pointer, but the argument is f32");
  EXPECT_EQ(run({p, KernelArg::i32(3), KernelArg::i64(1), KernelArg::bf16(1)}),
            "kernel 'div': parameter 3 (test.mlir:2:54) is f32, but the argument is bf16");
  EXPECT_EQ(run({KernelArg::pointer(nullptr), KernelArg::i32(3), KernelArg::i64(1), KernelArg::f32(1)}),
            "kernel 'div': parameter 0 (test.mlir:2:16) is a null pointer");
  EXPECT_EQ(run({p, KernelArg::i32(3), KernelArg::i64(1), KernelArg::f32(1)}, {1, 0, 1}),
            "kernel 'div': grid dimension 1 is 0");
  EXPECT_EQ(run({p, KernelArg::i32(3), KernelArg::i64(1), KernelArg::f32(1)}), "");
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(x[i], i / 3);
}

TEST_F(Interp, DivisionByZeroNamesTheOp) {
  auto fn = parse(kDivide, "div");
  ASSERT_TRUE(fn);
  std::vector<int32_t> x(16, 5);
  std::string err = errorText(runKernel(
      fn, {2, 1, 1}, {KernelArg::pointer(x.data()), KernelArg::i32(0), KernelArg::i64(1), KernelArg::f32(1)},
      {buf(x)}));
  EXPECT_EQ(err.rfind(locOf("arith.divsi") + ": error: in kernel 'div', program (0, 0, 0): "
                      "arith.divsi: integer division by zero in lane 0", 0), 0u) << err;
  EXPECT_EQ(x, std::vector<int32_t>(16, 5)); // nothing was stored
}

TEST_F(Interp, OutOfBoundsStoreAndStraddlingAccess) {
  auto fn = parse(R"(
func.func @oob(%x: !tile.ptr<f32>, %off: i32) attributes {tile.kernel} {
  %p = tile.addptr %x, %off : !tile.ptr<f32>, i32
  %one = arith.constant 1.0 : f32
  tile.store %p, %one : !tile.ptr<f32>
  return
}
)", "oob");
  ASSERT_TRUE(fn);
  std::vector<float> x(4, 0.0f);
  auto run = [&](int32_t off, std::vector<Buffer> bufs) {
    return errorText(runKernel(fn, {1, 1, 1}, {KernelArg::pointer(x.data()), KernelArg::i32(off)}, bufs));
  };
  EXPECT_EQ(run(3, {buf(x)}), "");
  EXPECT_EQ(x[3], 1.0f);
  std::string err = run(4, {buf(x)});
  EXPECT_NE(err.find(locOf("tile.store") + ": error: in kernel 'oob'"), std::string::npos) << err;
  EXPECT_NE(err.find("lane 0 writes 4 bytes"), std::string::npos) << err;
  err = run(-1, {buf(x)});
  EXPECT_NE(err.find("4 bytes before it"), std::string::npos) << err;
  // The last element straddles the end of a 14-byte buffer.
  err = run(3, {Buffer{x.data(), 14}});
  EXPECT_NE(err.find("byte offset 12"), std::string::npos) << err;
  err = run(0, {});
  EXPECT_NE(err.find("no buffers registered"), std::string::npos) << err;
}

TEST_F(Interp, UnsupportedOpIsReportedBeforeRunning) {
  auto fn = parse(R"(
func.func @pop(%x: !tile.ptr<i32>, %v: i32) attributes {tile.kernel} {
  %c = math.ctpop %v : i32
  tile.store %x, %c : !tile.ptr<i32>
  return
}
)", "pop");
  ASSERT_TRUE(fn);
  std::vector<int32_t> x(1, 0);
  std::string err = errorText(
      runKernel(fn, {1, 1, 1}, {KernelArg::pointer(x.data()), KernelArg::i32(7)}, {buf(x)}));
  EXPECT_EQ(err, locOf("math.ctpop") + ": error: in kernel 'pop': math.ctpop: operation not "
                                        "supported by the interpreter");
}

//===----------------------------------------------------------------------===//
// Speed: a 64x64x64 f32 dot per program
//===----------------------------------------------------------------------===//

TEST_F(Interp, DotSpeed) {
  auto fn = parse(R"(
func.func @dot(%a: !tile.ptr<f32>, %c: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 4096 : tensor<4096xi32>
  %o = tile.reshape %r : tensor<4096xi32> -> tensor<64x64xi32>
  %as = tile.splat %a : tensor<64x64x!tile.ptr<f32>>
  %ap = tile.addptr %as, %o : tensor<64x64x!tile.ptr<f32>>, tensor<64x64xi32>
  %x = tile.load %ap : tensor<64x64x!tile.ptr<f32>>
  %zero = arith.constant dense<0.0> : tensor<64x64xf32>
  %y = tile.dot %x, %x, %zero : tensor<64x64xf32>, tensor<64x64xf32> -> tensor<64x64xf32>
  %cs = tile.splat %c : tensor<64x64x!tile.ptr<f32>>
  %cp = tile.addptr %cs, %o : tensor<64x64x!tile.ptr<f32>>, tensor<64x64xi32>
  tile.store %cp, %y : tensor<64x64x!tile.ptr<f32>>
  return
}
)", "dot");
  ASSERT_TRUE(fn);
  auto a = randomFloats(4096, 26);
  std::vector<float> c(4096);
  const uint32_t programs = 200;
  auto start = std::chrono::steady_clock::now();
  EXPECT_OK(runKernel(fn, {programs, 1, 1}, {KernelArg::pointer(a.data()), KernelArg::pointer(c.data())},
                      {buf(a), buf(c)}));
  double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
              programs;
  std::printf("64x64x64 f32 dot program (load, dot, store): %.1f us\n", us);
  EXPECT_EQ(c, gemmRef(a, a, 64, 64, 64));
  EXPECT_LT(us, 5000.0); // loose: CI machines are shared; the target is well under 1000
}

} // namespace
