//===- BlockPointerTests.cpp - block pointers on the CPU, and their rewrite -===//
//
// The interpreter executes block pointers directly; every kernel here also
// runs after tile-rewrite-block-pointers (pointer tiles and masks), and the
// two runs must write the same bytes.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"

#include "compiler/transforms/Passes.h"

#include "mlir/Pass/PassManager.h"

#include <cmath>
#include <cstring>

using namespace lacc::test;

namespace {

/// Runs kernel `name` of `src` on `args`, once as written and once after the
/// rewrite pass, restoring `outputs` in between; returns the first error, and
/// fails the test if the two runs wrote different bytes to `outputs`.
template <class T>
std::string runBothWays(const std::string &src, StringRef name, std::array<uint32_t, 3> grid,
                        std::vector<KernelArg> args, std::vector<Buffer> buffers,
                        std::vector<std::vector<T> *> outputs) {
  MLIRContext ctx;
  ctx.loadDialect<lacc::tile::TileDialect>();
  auto mod = parseSourceString<ModuleOp>(src, ParserConfig(&ctx), "test.mlir");
  if (!mod)
    return "parse error";
  std::vector<std::vector<T>> initial;
  for (auto *o : outputs)
    initial.push_back(*o);
  std::string direct = errorText(runKernel(mod->lookupSymbol<func::FuncOp>(name), grid, args,
                                           buffers));
  if (!direct.empty())
    return direct;
  std::vector<std::vector<T>> first;
  for (size_t i = 0; i < outputs.size(); ++i) {
    first.push_back(*outputs[i]);
    *outputs[i] = initial[i];
  }
  PassManager pm(&ctx);
  pm.addPass(lacc::createTileRewriteBlockPointers());
  if (failed(pm.run(*mod)))
    return "the rewrite failed";
  bool rewritten = true;
  mod->walk([&](Operation *op) {
    if (isa<lacc::tile::BlockLoadOp, lacc::tile::BlockStoreOp, lacc::tile::MakeBlockPtrOp>(op))
      rewritten = false;
  });
  if (!rewritten)
    return "block-pointer ops survived the rewrite";
  std::string after = errorText(runKernel(mod->lookupSymbol<func::FuncOp>(name), grid, args,
                                          buffers));
  if (!after.empty())
    return "after the rewrite: " + after;
  for (size_t i = 0; i < outputs.size(); ++i)
    EXPECT_EQ(std::memcmp(first[i].data(), outputs[i]->data(), first[i].size() * sizeof(T)), 0)
        << "output " << i << " differs after the rewrite";
  return "";
}

/// Copies an M x N row-major matrix block by block through block pointers
/// (both dimensions checked), and dumps every loaded 16x32 block, padding
/// included, to `tiles`.
const char *kCopy = R"(
func.func @copy(%src: !tile.ptr<f32>, %dst: !tile.ptr<f32>, %tiles: !tile.ptr<f32>, %m: i64, %n: i64) attributes {tile.kernel} {
  %p0 = tile.program_id 0 : i32
  %p1 = tile.program_id 1 : i32
  %c16 = arith.constant 16 : i32
  %c32 = arith.constant 32 : i32
  %o0 = arith.muli %p0, %c16 : i32
  %o1 = arith.muli %p1, %c32 : i32
  %one = arith.constant 1 : i64
  %s = tile.make_block_ptr %src, [%m, %n], [%n, %one], [%o0, %o1] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<16x32xf32>>
  %blk = tile.block_load %s boundary_check = [0, 1] padding = PAD : !tile.block_ptr<tensor<16x32xf32>>
  %d = tile.make_block_ptr %dst, [%m, %n], [%n, %one], [%o0, %o1] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<16x32xf32>>
  tile.block_store %d, %blk boundary_check = [0, 1] : !tile.block_ptr<tensor<16x32xf32>>
  %np1 = tile.num_programs 1 : i32
  %row = arith.muli %p0, %np1 : i32
  %lin = arith.addi %row, %p1 : i32
  %c512 = arith.constant 512 : i32
  %base = arith.muli %lin, %c512 : i32
  %tp = tile.addptr %tiles, %base : !tile.ptr<f32>, i32
  %r = tile.make_range 0, 512 : tensor<512xi32>
  %r2 = tile.reshape %r : tensor<512xi32> -> tensor<16x32xi32>
  %ts = tile.splat %tp : tensor<16x32x!tile.ptr<f32>>
  %tpp = tile.addptr %ts, %r2 : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi32>
  tile.store %tpp, %blk : tensor<16x32x!tile.ptr<f32>>
  return
}
)";

TEST(InterpBlockPointers, RaggedCopyWithZeroAndNaNPadding) {
  const int M = 37, N = 53, GM = (M + 15) / 16, GN = (N + 31) / 32;
  for (bool nan : {false, true}) {
    auto src = randomFloats(M * N, 70 + nan);
    std::vector<float> dst(M * N, NAN), tiles(GM * GN * 512, -7.0f);
    ASSERT_EQ(runBothWays<float>(subst(kCopy, {{"PAD", nan ? "nan" : "zero"}}), "copy",
                                 {GM, GN, 1},
                                 {KernelArg::pointer(src.data()), KernelArg::pointer(dst.data()),
                                  KernelArg::pointer(tiles.data()), KernelArg::i64(M),
                                  KernelArg::i64(N)},
                                 {buf(src), buf(dst), buf(tiles)}, {&dst, &tiles}),
              "");
    for (int i = 0; i < M * N; ++i)
      ASSERT_EQ(dst[i], src[i]) << i;
    for (int p0 = 0; p0 < GM; ++p0)
      for (int p1 = 0; p1 < GN; ++p1)
        for (int i = 0; i < 16; ++i)
          for (int j = 0; j < 32; ++j) {
            float got = tiles[(p0 * GN + p1) * 512 + i * 32 + j];
            int r = p0 * 16 + i, c = p1 * 32 + j;
            if (r < M && c < N)
              ASSERT_EQ(got, src[r * N + c]);
            else if (nan)
              ASSERT_TRUE(std::isnan(got)) << r << "," << c;
            else
              ASSERT_TRUE(got == 0 && !std::signbit(got)) << r << "," << c;
          }
  }
}

/// Column sums of an M x N matrix through a block pointer over its transpose
/// (shape N x M, strides 1 x N), advanced down the rows in an scf.for.
const char *kColumnSums = R"(
func.func @colsum(%src: !tile.ptr<f32>, %out: !tile.ptr<f32>, %m: i32, %n: i32) attributes {tile.kernel} {
  %p = tile.program_id 0 : i32
  %c32 = arith.constant 32 : i32
  %c16 = arith.constant 16 : i32
  %c0 = arith.constant 0 : i32
  %o0 = arith.muli %p, %c32 : i32
  %m64 = arith.extsi %m : i32 to i64
  %n64 = arith.extsi %n : i32 to i64
  %one = arith.constant 1 : i64
  %bp = tile.make_block_ptr %src, [%n64, %m64], [%one, %n64], [%o0, %c0] {order = array<i32: 0, 1>} : !tile.block_ptr<tensor<32x16xf32>>
  %zero = arith.constant dense<0.0> : tensor<32x16xf32>
  %acc:2 = scf.for %k = %c0 to %m step %c16 iter_args(%a = %zero, %q = %bp) -> (tensor<32x16xf32>, !tile.block_ptr<tensor<32x16xf32>>) : i32 {
    %blk = tile.block_load %q boundary_check = [0, 1] : !tile.block_ptr<tensor<32x16xf32>>
    %s = arith.addf %a, %blk : tensor<32x16xf32>
    %next = tile.advance %q, [%c0, %c16] : !tile.block_ptr<tensor<32x16xf32>>
    scf.yield %s, %next : tensor<32x16xf32>, !tile.block_ptr<tensor<32x16xf32>>
  }
  %sum = tile.reduce sum %acc#0 {axis = 1 : i32} : tensor<32x16xf32> -> tensor<32xf32>
  %r = tile.make_range 0, 32 : tensor<32xi32>
  %os = tile.splat %o0 : tensor<32xi32>
  %cols = arith.addi %os, %r : tensor<32xi32>
  %ns = tile.splat %n : tensor<32xi32>
  %mask = arith.cmpi slt, %cols, %ns : tensor<32xi32>
  %ps = tile.splat %out : tensor<32x!tile.ptr<f32>>
  %pp = tile.addptr %ps, %cols : tensor<32x!tile.ptr<f32>>, tensor<32xi32>
  tile.store %pp, %sum, %mask : tensor<32x!tile.ptr<f32>>
  return
}
)";

TEST(InterpBlockPointers, TransposedBlocksAdvancedInALoop) {
  const int M = 45, N = 70;
  auto src = randomFloats(M * N, 80, -2, 2);
  std::vector<float> out(N + 3, NAN);
  ASSERT_EQ(runBothWays<float>(kColumnSums, "colsum", {(N + 31) / 32, 1, 1},
                               {KernelArg::pointer(src.data()), KernelArg::pointer(out.data()),
                                KernelArg::i32(M), KernelArg::i32(N)},
                               {buf(src), buf(out)}, {&out}),
            "");
  for (int c = 0; c < N; ++c) {
    // The kernel's order: 16 running partial sums (row r goes to r % 16, zero
    // padding past M adds +0), then those 16 summed left to right, all in f32.
    float partial[16] = {};
    for (int r0 = 0; r0 < M; r0 += 16)
      for (int j = 0; j < 16; ++j)
        partial[j] = partial[j] + (r0 + j < M ? src[(r0 + j) * N + c] : 0.0f);
    float want = partial[0];
    for (int j = 1; j < 16; ++j)
      want = want + partial[j];
    ASSERT_EQ(out[c], want) << c;
  }
  for (int c = N; c < N + 3; ++c)
    EXPECT_TRUE(std::isnan(out[c])) << "wrote past the end at " << c;
}

/// Blocks of 8 rows x 4 columns of one head of an [H, N, 4] f32 tensor through a rank-3 tensor
/// descriptor with block 1x8x4, whose load yields the 8x4 tile (the form reshape(desc.load)
/// folds into): program (h, b) dumps head h's rows 8b .. 8b+7 to tiles[(h * GB + b) * 32 ..].
const char *kRank3Descriptor = R"(
func.func @heads(%src: !tile.ptr<f32>, %tiles: !tile.ptr<f32>, %h: i32, %n: i32, %ld: i32) attributes {tile.kernel} {
  %ph = tile.program_id 0 : i32
  %pb = tile.program_id 1 : i32
  %c0 = arith.constant 0 : i32
  %c8 = arith.constant 8 : i32
  %c4 = arith.constant 4 : i64
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %src, [%h, %n, %c4], [%ld, %c4, %one] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x8x4xf32>>
  %row = arith.muli %pb, %c8 : i32
  %blk = tile.descriptor_load %d[%ph, %row, %c0] : !tile.tensor_desc<tensor<1x8x4xf32>> -> tensor<8x4xf32>
  %gb = tile.num_programs 1 : i32
  %lin0 = arith.muli %ph, %gb : i32
  %lin = arith.addi %lin0, %pb : i32
  %c32 = arith.constant 32 : i32
  %base = arith.muli %lin, %c32 : i32
  %tp = tile.addptr %tiles, %base : !tile.ptr<f32>, i32
  %r = tile.make_range 0, 32 : tensor<32xi32>
  %r2 = tile.reshape %r : tensor<32xi32> -> tensor<8x4xi32>
  %ts = tile.splat %tp : tensor<8x4x!tile.ptr<f32>>
  %tpp = tile.addptr %ts, %r2 : tensor<8x4x!tile.ptr<f32>>, tensor<8x4xi32>
  tile.store %tpp, %blk : tensor<8x4x!tile.ptr<f32>>
  return
}
)";

// The heads lie back to back: a block past a ragged end reads zeros, not the next head's rows,
// interpreted as written and after tile-rewrite-block-pointers (an 8x4 block load from the
// head's base).
TEST(InterpBlockPointers, Rank3DescriptorBlocksOfOneHead) {
  const int H = 3, N = 13, GB = (N + 7) / 8;
  auto src = randomFloats(H * N * 4, 85);
  std::vector<float> tiles(H * GB * 32, NAN);
  ASSERT_EQ(runBothWays<float>(kRank3Descriptor, "heads", {H, GB, 1},
                               {KernelArg::pointer(src.data()), KernelArg::pointer(tiles.data()),
                                KernelArg::i32(H), KernelArg::i32(N), KernelArg::i32(N * 4)},
                               {buf(src), buf(tiles)}, {&tiles}),
            "");
  for (int h = 0; h < H; ++h)
    for (int b = 0; b < GB; ++b)
      for (int i = 0; i < 8; ++i)
        for (int c = 0; c < 4; ++c) {
          float got = tiles[(h * GB + b) * 32 + i * 4 + c];
          int r = b * 8 + i;
          if (r < N)
            ASSERT_EQ(got, src[(h * N + r) * 4 + c]) << h << "," << r << "," << c;
          else
            ASSERT_TRUE(got == 0 && !std::signbit(got)) << h << "," << r << "," << c;
        }
}

/// Stores through a rank-3 tensor descriptor (block 1x8x4 of an [H, N, 4] f32 tensor whose
/// heads are `ld` elements apart, N rows each and a gap after them): program (h, b) stores its
/// own 8x4 tile of `src` (elements (h * GB + b) * 32 ..) at head h, rows 8b - shift .., the
/// 2-D tile (VALUE = tile) or the whole 1x8x4 block (VALUE = block). Rows outside [0, N) and
/// heads outside [0, H) are not written.
const char *kRank3Store = R"(
func.func @store_heads(%src: !tile.ptr<f32>, %dst: !tile.ptr<f32>, %h: i32, %n: i32, %ld: i32, %shift: i32) attributes {tile.kernel} {
  %ph = tile.program_id 0 : i32
  %pb = tile.program_id 1 : i32
  %c0 = arith.constant 0 : i32
  %c8 = arith.constant 8 : i32
  %c4 = arith.constant 4 : i64
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %dst, [%h, %n, %c4], [%ld, %c4, %one] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x8x4xf32>>
  %row0 = arith.muli %pb, %c8 : i32
  %row = arith.subi %row0, %shift : i32
  %gb = tile.num_programs 1 : i32
  %lin0 = arith.muli %ph, %gb : i32
  %lin = arith.addi %lin0, %pb : i32
  %c32 = arith.constant 32 : i32
  %base = arith.muli %lin, %c32 : i32
  %sp = tile.addptr %src, %base : !tile.ptr<f32>, i32
  %r = tile.make_range 0, 32 : tensor<32xi32>
  %r2 = tile.reshape %r : tensor<32xi32> -> tensor<8x4xi32>
  %ss = tile.splat %sp : tensor<8x4x!tile.ptr<f32>>
  %spp = tile.addptr %ss, %r2 : tensor<8x4x!tile.ptr<f32>>, tensor<8x4xi32>
  %tile = tile.load %spp : tensor<8x4x!tile.ptr<f32>>
  %block = tile.reshape %tile : tensor<8x4xf32> -> tensor<1x8x4xf32>
  tile.descriptor_store %d[%ph, %row, %c0], %VALUE : !tile.tensor_desc<tensor<1x8x4xf32>>, TYPE
  return
}
)";

// Ragged ends, a block before row 0 (shift 3), a block past the rows and a head past the
// heads: only [0, H) x [0, N) is written, each element once with its program's value, and the
// gap rows, the guard head and the rows before head 0 (outside the buffer: an error if
// touched) stay as they were; the same after tile-rewrite-block-pointers (a masked 2-D store
// from the head's base, its rows moved a block before the tensor for the head past the end).
TEST(InterpBlockPointers, Rank3DescriptorStoresAreClipped) {
  const int H = 3, N = 13, gap = 2, shift = 3, GB = 3, rows = N + gap;
  for (bool block : {false, true}) {
    SCOPED_TRACE(block ? "1x8x4 block" : "8x4 tile");
    std::string kernel =
        subst(kRank3Store, {{"VALUE", block ? "block" : "tile"},
                            {"TYPE", block ? "tensor<1x8x4xf32>" : "tensor<8x4xf32>"}});
    auto src = randomFloats((H + 1) * GB * 32, 86);
    std::vector<float> dst((H + 1) * rows * 4, NAN);
    ASSERT_EQ(runBothWays<float>(kernel, "store_heads", {H + 1, GB, 1},
                                 {KernelArg::pointer(src.data()), KernelArg::pointer(dst.data()),
                                  KernelArg::i32(H), KernelArg::i32(N), KernelArg::i32(rows * 4),
                                  KernelArg::i32(shift)},
                                 {buf(src), buf(dst)}, {&dst}),
              "");
    for (int h = 0; h <= H; ++h)
      for (int r = 0; r < rows; ++r)
        for (int c = 0; c < 4; ++c) {
          float got = dst[(h * rows + r) * 4 + c];
          if (h < H && r < N) {
            int b = (r + shift) / 8, i = (r + shift) % 8;
            ASSERT_EQ(got, src[(h * GB + b) * 32 + i * 4 + c]) << h << "," << r << "," << c;
          } else {
            ASSERT_TRUE(std::isnan(got)) << "wrote outside the tensor at " << h << "," << r
                                         << "," << c;
          }
        }
  }
}

/// A 1-D block of 8 at offset -3 of a 5-element i32 tensor: lanes 3..7 read
/// elements 0..4, lanes 0..2 are padding.
const char *kNegative = R"(
func.func @neg(%src: !tile.ptr<i32>, %out: !tile.ptr<i32>) attributes {tile.kernel} {
  %n = arith.constant 5 : i64
  %one = arith.constant 1 : i64
  %off = arith.constant -3 : i32
  %bp = tile.make_block_ptr %src, [%n], [%one], [%off] {order = array<i32: 0>} : !tile.block_ptr<tensor<8xi32>>
  %v = tile.block_load %bp boundary_check = [0] : !tile.block_ptr<tensor<8xi32>>
  %r = tile.make_range 0, 8 : tensor<8xi32>
  %ps = tile.splat %out : tensor<8x!tile.ptr<i32>>
  %pp = tile.addptr %ps, %r : tensor<8x!tile.ptr<i32>>, tensor<8xi32>
  tile.store %pp, %v : tensor<8x!tile.ptr<i32>>
  %back = tile.advance %bp, [%off] : !tile.block_ptr<tensor<8xi32>>
  %w = arith.constant dense<9> : tensor<8xi32>
  tile.block_store %back, %w boundary_check = [0] : !tile.block_ptr<tensor<8xi32>>
  return
}
)";

TEST(InterpBlockPointers, NegativeOffsetsArePaddingAndSkipped) {
  std::vector<int32_t> src = {11, 12, 13, 14, 15}, out(8, -1);
  ASSERT_EQ(runBothWays<int32_t>(kNegative, "neg", {1, 1, 1},
                                 {KernelArg::pointer(src.data()), KernelArg::pointer(out.data())},
                                 {buf(src), buf(out)}, {&out, &src}),
            "");
  EXPECT_EQ(out, (std::vector<int32_t>{0, 0, 0, 11, 12, 13, 14, 15}));
  // advance by -3 more: the block covers -6..1, so only elements 0 and 1 are written.
  EXPECT_EQ(src, (std::vector<int32_t>{9, 9, 13, 14, 15}));
}

TEST(InterpBlockPointers, UncheckedDimensionOutsideTheBufferIsAnError) {
  std::string src = subst(kNegative, {{"boundary_check = [0] : !tile.block_ptr<tensor<8xi32>>\n  %r",
                                       ": !tile.block_ptr<tensor<8xi32>>\n  %r"}});
  std::vector<int32_t> data = {11, 12, 13, 14, 15}, out(8, -1);
  std::string error = runSource(src, "neg", {1, 1, 1},
                                {KernelArg::pointer(data.data()), KernelArg::pointer(out.data())},
                                {buf(data)}); // the load fails before anything touches out
  EXPECT_NE(error.find("test.mlir:7:8: error: in kernel 'neg', program (0, 0, 0): "
                       "tile.block_load: lane 0 reads 4 bytes at"),
            std::string::npos)
      << error;
}

} // namespace
