//===- LayoutTableTests.cpp - docs/tilegpu.md's tables, regenerated ----------------===//
//
// docs/tilegpu.md shows, for one encoding of each kind, which register of which lane (and
// warp) holds each element of a tile, or at which offset a shared layout keeps it. Every such
// table in the doc follows a marker line `<!-- table: NAME -->` and sits in the ```text block
// after it. This test parses each encoding, computes the table from its toLinearLayout (the one
// description every lowering helper uses), and compares it with the doc's block, so that the
// doc cannot drift from the code. On a mismatch it prints the block as the code has it;
// LACC_PRINT_TABLES=FILE appends every table, with its marker, to FILE.
//
//===------------------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "compiler/analysis/LayoutConversion.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "SourceFiles.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

using namespace mlir;
using namespace lacc::tilegpu;

namespace {

std::string readDoc() {
  const char *text = lacc::test::sourceFile("docs/tilegpu.md");
  EXPECT_TRUE(text) << "docs/tilegpu.md is not built into CodegenTests";
  return text ? text : "";
}

/// The ```text block after `<!-- table: name -->`, or nullopt.
std::optional<std::string> docTable(const std::string &doc, const std::string &name) {
  std::string marker = "<!-- table: " + name + " -->";
  size_t at = doc.find(marker);
  if (at == std::string::npos)
    return std::nullopt;
  size_t open = doc.find("```text\n", at);
  if (open == std::string::npos)
    return std::nullopt;
  open += 8;
  size_t close = doc.find("```", open);
  if (close == std::string::npos)
    return std::nullopt;
  return doc.substr(open, close - open);
}

std::string coords(const LinearLayout &layout, uint64_t element) {
  std::string text = "(";
  llvm::SmallVector<int64_t> c = layout.unflatten(element);
  for (size_t d = 0; d < c.size(); ++d)
    text += (d ? "," : "") + std::to_string(c[d]);
  return text + ")";
}

/// A distributed layout as "lane x register -> element": one row per lane, one column per
/// register, for each warp in turn (the map's definition, read directly). Then the bases.
std::string distributedTable(const LinearLayout &layout) {
  std::string text;
  llvm::raw_string_ostream os(text);
  int64_t registers = layout.getInSize(LinearLayout::Register);
  int64_t warps = layout.getInSize(LinearLayout::Warp);
  size_t width = 0;
  for (int64_t w = 0; w < warps; ++w)
    for (int64_t l = 0; l < 32; ++l)
      for (int64_t r = 0; r < registers; ++r)
        width = std::max(width, coords(layout, layout.apply({uint64_t(r), uint64_t(l),
                                                              uint64_t(w)})).size());
  for (int64_t w = 0; w < warps; ++w) {
    if (warps > 1)
      os << "warp " << w << "\n";
    os << "lane ";
    for (int64_t r = 0; r < registers; ++r)
      os << llvm::right_justify("r" + std::to_string(r), width + 1);
    os << "\n";
    for (int64_t l = 0; l < 32; ++l) {
      os << llvm::right_justify(std::to_string(l), 4) << " ";
      for (int64_t r = 0; r < registers; ++r)
        os << llvm::right_justify(
            coords(layout, layout.apply({uint64_t(r), uint64_t(l), uint64_t(w)})), width + 1);
      os << "\n";
    }
  }
  os << "bases: " << layout << "\n";
  return text;
}

/// A shared layout as "element (i, j) -> offset": one row per i, every `step`-th column (the
/// elements in between follow their column's offset one by one: vec elements stay together).
std::string sharedTable(const LinearLayout &layout, int64_t step) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::ArrayRef<int64_t> shape = layout.getShape();
  std::vector<int64_t> offsetOf(layout.getNumElements());
  for (int64_t o = 0; o < layout.getNumElements(); ++o)
    offsetOf[layout.applyOne(LinearLayout::Offset, o)] = o;
  size_t width = std::to_string(layout.getNumElements() - 1).size();
  os << "i\\j ";
  for (int64_t j = 0; j < shape[1]; j += step)
    os << llvm::right_justify(std::to_string(j), width + 1);
  os << "\n";
  for (int64_t i = 0; i < shape[0]; ++i) {
    os << llvm::right_justify(std::to_string(i), 3) << " ";
    for (int64_t j = 0; j < shape[1]; j += step) {
      for (int64_t k = 1; k < step; ++k) // the claim that makes skipping columns honest
        EXPECT_EQ(offsetOf[layout.flatten({i, j + k})], offsetOf[layout.flatten({i, j})] + k);
      os << llvm::right_justify(std::to_string(offsetOf[layout.flatten({i, j})]), width + 1);
    }
    os << "\n";
  }
  os << "bases: " << layout << "\n";
  return text;
}

struct TableCase {
  const char *name;
  const char *encoding;
  std::vector<int64_t> shape;
  bool basesOnly = false; ///< large tiles: the bases alone
  int64_t columnStep = 1; ///< shared tables: every columnStep-th column
};

/// The doc's tables: 1 warp (warpsPerCTA all 1) so that a table fits on a page, and two
/// 64x64 tiles over 4 warps by their bases.
const TableCase kTables[] = {
    {"blocked-16x16", "#tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [8, 4], "
                      "warpsPerCTA = [1, 1], order = [1, 0]}>", {16, 16}},
    {"slice-16", "#tilegpu.slice<{dim = 1, parent = #tilegpu.blocked<{sizePerThread = [1, 4], "
                 "threadsPerWarp = [8, 4], warpsPerCTA = [1, 1], order = [1, 0]}>}>", {16}},
    {"dot_op-blocked-a-16x4", "#tilegpu.dot_op<{opIdx = 0, parent = #tilegpu.blocked<{"
                              "sizePerThread = [1, 4], threadsPerWarp = [8, 4], warpsPerCTA = "
                              "[1, 1], order = [1, 0]}>}>", {16, 4}},
    {"mma-16x16", "#tilegpu.mma<{version = 2, warpsPerCTA = [1, 1], instrShape = [16, 8]}>",
     {16, 16}},
    {"dot_op-mma-a-16x16", "#tilegpu.dot_op<{opIdx = 0, parent = #tilegpu.mma<{version = 2, "
                           "warpsPerCTA = [1, 1], instrShape = [16, 8]}>, kWidth = 2}>", {16, 16}},
    {"dot_op-mma-b-16x16", "#tilegpu.dot_op<{opIdx = 1, parent = #tilegpu.mma<{version = 2, "
                           "warpsPerCTA = [1, 1], instrShape = [16, 8]}>, kWidth = 2}>", {16, 16}},
    {"linear-16x16", "#tilegpu.linear<{register = [[1, 0], [2, 0], [0, 8]], lane = [[4, 0], "
                     "[8, 0], [0, 1], [0, 2], [0, 4]], warp = []}>", {16, 16}},
    {"blocked-64x64-4warps", "#tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], "
                             "warpsPerCTA = [4, 1], order = [1, 0]}>", {64, 64}, true},
    {"mma-64x64-4warps", "#tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = "
                         "[16, 8]}>", {64, 64}, true},
    {"dot_op-mma-a-64x64-4warps", "#tilegpu.dot_op<{opIdx = 0, parent = #tilegpu.mma<{version = "
                                  "2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>, kWidth = 2}>",
     {64, 64}, true},
};

const TableCase kSharedTables[] = {
    {"shared-16x16-swizzled", "#tilegpu.shared<{vec = 8, perPhase = 4, maxPhase = 2, "
                              "order = [1, 0]}>", {16, 16}},
    {"shared-8x64-swizzled", "#tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, "
                             "order = [1, 0]}>", {8, 64}, false, 8},
    {"shared-8x128-wgmma", "#tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, "
                           "order = [1, 0], chunk = 64}>", {8, 128}, false, 8},
};

class LayoutTables : public ::testing::Test {
protected:
  void SetUp() override {
    DialectRegistry registry;
    lacc::registerCodegenDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    doc = readDoc();
  }

  void compare(const std::string &name, const std::string &generated) {
    if (const char *path = getenv("LACC_PRINT_TABLES")) {
      std::ofstream out(path, std::ios::app);
      out << "<!-- table: " << name << " -->\n```text\n" << generated << "```\n\n";
    }
    std::optional<std::string> inDoc = docTable(doc, name);
    ASSERT_TRUE(inDoc) << "docs/tilegpu.md has no table '" << name << "'; it should read:\n"
                       << generated;
    EXPECT_EQ(*inDoc, generated) << "docs/tilegpu.md's table '" << name
                                 << "' differs from the code; the code gives:\n"
                                 << generated;
  }

  MLIRContext context;
  std::string doc;
};

TEST_F(LayoutTables, DistributedEncodingsMatchTheDoc) {
  for (const TableCase &t : kTables) {
    Attribute attr = parseAttribute(t.encoding, &context);
    ASSERT_TRUE(attr) << t.encoding;
    auto layout = dyn_cast<DistributedLayoutAttr>(attr);
    ASSERT_TRUE(layout) << t.encoding;
    LinearLayout ll = layout.toLinearLayout(t.shape);
    std::string text;
    if (t.basesOnly)
      text = "bases: " + ll.toString() + "\n";
    else
      text = distributedTable(ll);
    compare(t.name, text);
  }
}

TEST_F(LayoutTables, SharedEncodingsMatchTheDoc) {
  for (const TableCase &t : kSharedTables) {
    auto attr = dyn_cast_or_null<SharedEncodingAttr>(parseAttribute(t.encoding, &context));
    ASSERT_TRUE(attr) << t.encoding;
    compare(t.name, sharedTable(attr.toLinearLayout(t.shape), t.columnStep));
  }
}

/// What the tables claim, spot-checked against the hardware's documented fragment layouts
/// (PTX ISA, mma.m16n8k16 for 16-bit types), independently of the doc: accumulator c0..c3 of
/// lane l are (l/4, 2(l%4)), (l/4, 2(l%4)+1), (l/4+8, 2(l%4)), (l/4+8, 2(l%4)+1); A's a0..a7
/// are rows l/4 and l/4+8, columns 2(l%4)+{0,1} and +8; B's b0..b3 are rows 2(l%4)+{0,1} and
/// +8, column l/4.
TEST_F(LayoutTables, MmaFragmentsFollowThePtxIsa) {
  auto mma = MmaEncodingAttr::get(&context, 2, {1, 1}, {16, 8});
  LinearLayout acc = mma.toLinearLayout({16, 8});
  LinearLayout a = DotOperandEncodingAttr::get(&context, 0, mma, 2).toLinearLayout({16, 16});
  LinearLayout b = DotOperandEncodingAttr::get(&context, 1, mma, 2).toLinearLayout({16, 8});
  for (uint64_t l = 0; l < 32; ++l) {
    int64_t g = l / 4, t = l % 4;
    int64_t accRC[4][2] = {{g, 2 * t}, {g, 2 * t + 1}, {g + 8, 2 * t}, {g + 8, 2 * t + 1}};
    for (uint64_t r = 0; r < 4; ++r)
      EXPECT_EQ(acc.apply({r, l, 0}), acc.flatten({accRC[r][0], accRC[r][1]}))
          << "accumulator c" << r << " of lane " << l;
    int64_t aRC[8][2] = {{g, 2 * t},         {g, 2 * t + 1},         {g + 8, 2 * t},
                         {g + 8, 2 * t + 1}, {g, 2 * t + 8},         {g, 2 * t + 9},
                         {g + 8, 2 * t + 8}, {g + 8, 2 * t + 9}};
    for (uint64_t r = 0; r < 8; ++r)
      EXPECT_EQ(a.apply({r, l, 0}), a.flatten({aRC[r][0], aRC[r][1]}))
          << "A a" << r << " of lane " << l;
    int64_t bRC[4][2] = {{2 * t, g}, {2 * t + 1, g}, {2 * t + 8, g}, {2 * t + 9, g}};
    for (uint64_t r = 0; r < 4; ++r)
      EXPECT_EQ(b.apply({r, l, 0}), b.flatten({bRC[r][0], bRC[r][1]}))
          << "B b" << r << " of lane " << l;
  }
}

/// wgmma's canonical swizzled layouts (PTX ISA, "shared memory matrix layout"), independently
/// of LinearLayout: rows of one swizzle width W (128, 64 or 32 bytes) per block of columns, the
/// blocks one after another; in row r of a block, 16-byte unit u sits at unit u XOR
/// ((r / (128 / W)) % (W / 16)), the address bits 4.. XORed with bits 7.. as the hardware does.
TEST_F(LayoutTables, WgmmaLayoutsFollowThePtxIsa) {
  for (int64_t widthBytes : {128, 64, 32}) {
    int64_t rows = 16, columns = 256, block = widthBytes / 2; // bf16
    auto attr = SharedEncodingAttr::get(&context, 8, 128 / widthBytes, widthBytes / 16, {1, 0},
                                        block);
    ASSERT_EQ(attr.getWgmmaSwizzleBytes({rows, columns}, 16), widthBytes);
    lacc::SharedOffsetMap offsets(attr.toLinearLayout({rows, columns}));
    LinearLayout flat = LinearLayout::identity({rows, columns}, 1, LinearLayout::Offset);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < columns; ++c) {
        int64_t inBlock = c % block, unit = inBlock / 8;
        int64_t phase = (r / (128 / widthBytes)) % (widthBytes / 16);
        int64_t expected = (c / block) * rows * block + r * block + (unit ^ phase) * 8 + c % 8;
        ASSERT_EQ(int64_t(offsets(flat.flatten({r, c}))), expected)
            << "element (" << r << ", " << c << ") of " << widthBytes << "-byte rows";
      }
  }
  // A plain swizzled layout with rows wider than 128 bytes is not one of them.
  auto wide = SharedEncodingAttr::get(&context, 8, 1, 8, {1, 0}, 0);
  EXPECT_EQ(wide.getWgmmaSwizzleBytes({64, 128}, 16), 0u);
  EXPECT_EQ(wide.getWgmmaSwizzleBytes({64, 64}, 16), 128u);
}

} // namespace
