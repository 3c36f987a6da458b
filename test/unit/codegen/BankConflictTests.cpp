//===- BankConflictTests.cpp - shared-memory accesses of real kernels, counted ----===//
//
// Every shared-memory access the lightning kernels (and the GEMM) actually make, taken from
// their tilegpu IR as lacc produces it, counted bank by bank:
//
//  - convert_layout through shared memory: the planner's own plan (planLayoutConversion), whose
//    stores and loads must each be served in the ideal number of wavefronts;
//  - local_alloc / local_store (writes), async copies (cp.async writes) and local_loads that are
//    not ldmatrix: countWavefronts over the access width the lowering uses;
//  - local_loads of 16-bit mma operands (ldmatrix): simulated here independently of the
//    lowering: an ldmatrix reads one 8x8 matrix per phase, 8 rows of 16 bytes, one register pair
//    of the operand layout; the 8 rows must be 16-byte aligned runs of 8 elements and lie in 8
//    distinct 16-byte bank groups (one wavefront).
//
// A second test compiles small dots of many shapes, with A and B stored either way round, and
// checks the same ldmatrix property for every staging swizzle tilegpu-accelerate-matmul picks.
//
// An access that is not conflict-free fails with its numbers (wavefronts against the ideal);
// known gaps are listed in kKnownGaps with what they cost today, so that a fix shows up as a
// failure to update (the expectation, not the assertion, is what changes).
//
//===----------------------------------------------------------------------------------===//

#include "compiler/Compile.h"
#include "compiler/Pipeline.h"
#include "compiler/analysis/Allocation.h"
#include "compiler/analysis/LayoutConversion.h"
#include "compiler/conversion/Utility.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "SourceFiles.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

std::string readKernel(const std::string &name) {
  const char *text = test::sourceFile("kernels/" + name);
  EXPECT_TRUE(text) << "kernels/" << name << " is not built into CodegenTests: add it to "
                    << "test/unit/codegen/CMakeLists.txt";
  return text ? text : "";
}

/// One access to shared memory, with what it costs.
struct Access {
  std::string where; ///< kernel, variant and op
  std::string what;  ///< "store", "load", "cp.async", "ldmatrix", ...
  int64_t wavefronts = 0, ideal = 0;
  unsigned vec = 0;
  std::string layouts;
  bool conflictFree() const { return wavefronts == ideal; }
  std::string describe() const {
    return where + " " + what + " (vec " + std::to_string(vec) + "): " +
           std::to_string(wavefronts) + " wavefronts, ideal " + std::to_string(ideal) + "\n    " +
           layouts;
  }
};

/// A buffer's (or a view's) element -> offset map, as the lowering computes it: a
/// memdesc_slice view is a window into its buffer's layout, not a layout of its own.
SharedOffsetMap sharedOffsetsOf(MemDescType type) { return conversion::sharedOffsetsOf(type); }

std::string str(Attribute attr) {
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

/// The widest run of consecutive registers along one dimension (what a vector access can
/// cover on the register side).
unsigned contiguousRegisters(const LinearLayout &layout) {
  unsigned bits = 0;
  for (unsigned d = 0; d < layout.getRank(); ++d)
    bits = std::max(bits, layout.getContiguousRegisterBits(d));
  return 1u << bits;
}

/// ldmatrix, simulated: per warp and per 32-bit register (a pair of 16-bit registers), the 64
/// elements the warp's lanes hold form one 8x8 matrix read in one phase. Its 8 rows must be
/// aligned runs of 8 consecutive elements (16 bytes), and the wavefronts of the phase are the
/// most rows that share a 16-byte bank group (byte address / 16 mod 8). `ok` is false when the
/// fragments do not form such matrices at all (then ldmatrix cannot be used).
struct LdmatrixCost {
  bool ok = true;
  int64_t wavefronts = 0, ideal = 0;
};

LdmatrixCost simulateLdmatrix(const LinearLayout &layout, const SharedOffsetMap &offsetOf,
                              unsigned elementBytes) {
  LdmatrixCost cost;
  int64_t registers = layout.getInSize(LinearLayout::Register);
  for (int64_t warp = 0; warp < layout.getInSize(LinearLayout::Warp); ++warp)
    for (int64_t pair = 0; pair + 1 < registers; pair += 2) {
      std::map<uint64_t, std::set<uint64_t>> rows; // row start -> elements in it
      for (uint64_t lane = 0; lane < 32; ++lane)
        for (uint64_t r : {uint64_t(pair), uint64_t(pair + 1)}) {
          uint64_t offset = offsetOf(layout.apply({r, lane, uint64_t(warp)}));
          rows[offset / 8 * 8].insert(offset);
        }
      if (rows.size() != 8 ||
          llvm::any_of(rows, [](const auto &row) { return row.second.size() != 8; })) {
        cost.ok = false;
        return cost;
      }
      std::map<uint64_t, int64_t> perGroup;
      int64_t worst = 0;
      for (const auto &row : rows)
        worst = std::max(worst, ++perGroup[(row.first * elementBytes / 16) % 8]);
      cost.wavefronts += worst;
      cost.ideal += 1;
    }
  return cost;
}

bool isMmaOperand16(RankedTensorType type) {
  auto dot = dyn_cast_or_null<DotOperandEncodingAttr>(type.getEncoding());
  return dot && isa<MmaEncodingAttr>(dot.getParent()) && type.getElementTypeBitWidth() == 16;
}

/// Every shared-memory access in `module`.
std::vector<Access> collectAccesses(ModuleOp module, const std::string &where) {
  std::vector<Access> accesses;
  auto add = [&](Operation *op, std::string what, BankCost cost, unsigned vec,
                 std::string layouts) {
    Access a;
    a.where = where + " " + op->getName().getStringRef().str();
    a.what = std::move(what);
    a.wavefronts = cost.wavefronts;
    a.ideal = cost.ideal;
    a.vec = vec;
    a.layouts = std::move(layouts);
    accesses.push_back(std::move(a));
  };
  auto write = [&](Operation *op, RankedTensorType src, MemDescType dst, unsigned maxVec,
                   std::string what) {
    LinearLayout layout = toLinearLayout(src);
    SharedOffsetMap shared = sharedOffsetsOf(dst);
    unsigned bytes = getSharedElementBytes(dst.getElementType());
    unsigned vec = std::min(getSharedVectorWidth(layout, shared, std::max(1u, 16 / bytes)),
                            maxVec);
    add(op, what, countWavefronts(layout, shared, vec, bytes, true), vec,
        str(src.getEncoding()) + " -> " + str(dst.getEncoding()));
  };
  module.walk([&](Operation *op) {
    if (auto convert = dyn_cast<ConvertLayoutOp>(op)) {
      auto srcType = cast<RankedTensorType>(convert.getSrc().getType());
      LayoutConversionPlan plan =
          planLayoutConversion(toLinearLayout(srcType), toLinearLayout(convert.getType()),
                               getSharedElementBytes(srcType.getElementType()) * 8);
      if (plan.kind != LayoutConversionPlan::Kind::SharedMemory)
        return;
      std::string layouts = str(srcType.getEncoding()) + " -> " +
                            str(convert.getType().getEncoding()) + " via " +
                            plan.shared.toString();
      add(op, "convert store", plan.storeCost, plan.storeVec, layouts);
      add(op, "convert load", plan.loadCost, plan.loadVec, layouts);
    } else if (auto alloc = dyn_cast<LocalAllocOp>(op)) {
      if (alloc.getSrc())
        write(op, cast<RankedTensorType>(alloc.getSrc().getType()), alloc.getType(), 16,
              "store");
    } else if (auto store = dyn_cast<LocalStoreOp>(op)) {
      write(op, cast<RankedTensorType>(store.getSrc().getType()), store.getDst().getType(), 16,
            "store");
    } else if (auto copy = dyn_cast<AsyncCopyGlobalToLocalOp>(op)) {
      auto ptrs = cast<RankedTensorType>(copy.getPtrs().getType());
      write(op, ptrs, copy.getDst().getType(), contiguousRegisters(toLinearLayout(ptrs)),
            "cp.async");
    } else if (auto load = dyn_cast<LocalLoadOp>(op)) {
      RankedTensorType type = load.getType();
      LinearLayout layout = toLinearLayout(type);
      SharedOffsetMap shared = sharedOffsetsOf(load.getSrc().getType());
      unsigned bytes = getSharedElementBytes(type.getElementType());
      std::string layouts = str(load.getSrc().getType().getEncoding()) + " -> " +
                            str(type.getEncoding());
      if (isMmaOperand16(type)) {
        LdmatrixCost cost = simulateLdmatrix(layout, shared, bytes);
        Access a;
        a.where = where + " tilegpu.local_load";
        a.what = cost.ok ? "ldmatrix" : "ldmatrix (fragments are not 8x8 matrices of rows)";
        a.wavefronts = cost.ok ? cost.wavefronts : -1;
        a.ideal = cost.ideal;
        a.vec = 8;
        a.layouts = layouts;
        accesses.push_back(std::move(a));
        return;
      }
      unsigned vec = getSharedVectorWidth(layout, shared, std::max(1u, 16 / bytes));
      add(op, "load", countWavefronts(layout, shared, vec, bytes, false), vec, layouts);
    }
  });
  return accesses;
}

/// tilegpu IR of `kernel` in `file`, parsed.
OwningOpRef<ModuleOp> compileToTileGPU(MLIRContext &context, const std::string &file,
                                       const std::string &kernel, const std::string &signature,
                                       std::vector<std::pair<std::string, std::string>> constants,
                                       std::string *error, const std::string &arch = "sm_90a") {
  CompileInput input;
  input.config.arch = arch;
  input.source = readKernel(file);
  input.fileName = file;
  input.kernelName = kernel;
  input.constants = std::move(constants);
  if (!signature.empty()) {
    std::string problem;
    if (!parseSignature(signature, input.args, problem)) {
      *error = problem;
      return {};
    }
  }
  CompileOptions options;
  options.stopAfter = Stage::TileGPU;
  CompileResult result = compile(input, options);
  if (!result.success) {
    *error = result.diagnostics;
    return {};
  }
  return parseSourceString<ModuleOp>(result.tileGPUIR, &context);
}

/// A kernel, its bf16 tensors (the first arguments), its arguments after the shared ones (the
/// descriptors' sizes), its state pointers after those, and the defines that make it read and
/// write them.
struct KernelCase {
  const char *file, *kernel;
  int tensors;
  const char *moreArgs;
  int statePointers;
  std::vector<std::pair<std::string, std::string>> stateDefines;
};
const KernelCase kKernels[] = {
    {"lightning_fwd.tile", "lightning_fwd", 4, ",i32,i64,i64", 2,
     {{"STATE_IN", "True"}, {"STATE_OUT", "True"}}},
    {"lightning_bwd.tile", "lightning_bwd_dq", 4, ",i32,i64,i64", 1, {{"STATE_IN", "True"}}},
    {"lightning_bwd.tile", "lightning_bwd_dkdv", 6, ",i32,i64,i64", 2,
     {{"STATE_IN", "True"}, {"STATE_OUT", "True"}}},
};
/// As lacc compiles them with no signature, and as the runtime specializes them: 16-byte
/// aligned pointers, with a sequence length that is a multiple of 16 or not (after the
/// tensors; then the state pointers).
const std::pair<const char *, const char *> kVariants[] = {
    {"no signature", ""},
    {"aligned", ",*fp32:16,i32:16"},
    {"aligned, ragged n", ",*fp32:16,i32"},
};

/// Accesses known not to be conflict-free, by kind and layouts, with what they cost today.
/// Every other access of the kernels above is conflict-free.
struct KnownGap {
  const char *what, *layouts;
  int64_t wavefronts, ideal;
};
const std::vector<KnownGap> kKnownGaps = {
};

const KnownGap *findKnownGap(const Access &a) {
  for (const KnownGap &gap : kKnownGaps)
    if (a.what == gap.what && a.layouts == gap.layouts)
      return &gap;
  return nullptr;
}

class BankConflicts : public ::testing::Test {
protected:
  void SetUp() override {
    DialectRegistry registry;
    registerCodegenDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Checks every access; counts them by kind into `seen`. LACC_PRINT_ACCESSES=1 lists them.
  void check(const std::vector<Access> &accesses, std::map<std::string, int> &seen) {
    static const bool print = getenv("LACC_PRINT_ACCESSES") != nullptr;
    for (const Access &a : accesses) {
      ++seen[a.what];
      if (print)
        llvm::outs() << a.describe() << "\n";
      if (a.conflictFree())
        continue;
      if (const KnownGap *gap = findKnownGap(a)) {
        EXPECT_EQ(a.wavefronts, gap->wavefronts)
            << "known gap changed (update kKnownGaps, or remove it if now conflict-free):\n  "
            << a.describe();
        EXPECT_EQ(a.ideal, gap->ideal) << a.describe();
        continue;
      }
      ADD_FAILURE() << "bank conflicts:\n  " << a.describe();
    }
  }

  MLIRContext context;
};

/// On sm_80 the chained operands go through ldmatrix; on sm_90a the default (one warpgroup)
/// runs every dot on wgmma, which reads its operands where the TMA or the stores put them.
TEST_F(BankConflicts, LightningKernels) {
  for (const std::string arch : {"sm_80", "sm_90a"}) {
    std::map<std::string, int> seen;
    for (const KernelCase &k : kKernels) {
      for (auto [variant, shared] : kVariants) {
        std::string signature;
        for (int i = 0; *shared && i < k.tensors; ++i)
          signature += i ? ",*bf16:16" : "*bf16:16";
        if (*shared)
          signature = signature + shared + k.moreArgs;
        for (int i = 0; *shared && i < k.statePointers; ++i)
          signature += ",*fp32:16";
        std::string what = std::string(k.kernel) + " (" + variant + ", " + arch;
        std::string error;
        // As the runtime sets it: the TMA on sm_90a only.
        std::vector<std::pair<std::string, std::string>> defines;
        if (arch == "sm_80")
          defines.emplace_back("TMA", "False");
        OwningOpRef<ModuleOp> module =
            compileToTileGPU(context, k.file, k.kernel, signature, defines, &error, arch);
        ASSERT_TRUE(module) << what << "): " << error;
        check(collectAccesses(*module, what + ")"), seen);
        // With the states read and written (chunked prefill, truncated back-propagation).
        defines.insert(defines.end(), k.stateDefines.begin(), k.stateDefines.end());
        module = compileToTileGPU(context, k.file, k.kernel, signature, defines, &error, arch);
        ASSERT_TRUE(module) << what << ", states): " << error;
        check(collectAccesses(*module, what + ", states)"), seen);
      }
    }
    // The kernels do stage operands (for ldmatrix on sm_80), convert through shared memory
    // and (aligned) pipeline with cp.async on sm_80 (the TMA on sm_90a, whose writes the
    // hardware swizzles): the test must have seen each kind.
    EXPECT_EQ(seen["ldmatrix"] > 0, arch == "sm_80") << arch;
    EXPECT_GT(seen["store"], 0) << arch;
    EXPECT_GT(seen["convert store"], 0) << arch;
    EXPECT_EQ(seen["cp.async"] > 0, arch == "sm_80") << arch;
  }
}

/// On sm_80 the operands go through ldmatrix; on sm_90a wgmma reads them where cp.async put
/// them (in the chunked wgmma layouts): every access conflict-free on both.
TEST_F(BankConflicts, Gemm) {
  for (const char *arch : {"sm_80", "sm_90a"}) {
    std::map<std::string, int> seen;
    std::string error;
    OwningOpRef<ModuleOp> module = compileToTileGPU(
        context, "gemm.tile", "gemm",
        "*bf16:16,*bf16:16,*bf16:16,i32:16,i32:16,i32:16,i32:16,i32:1,i32:16,i32:1,i32:16,i32:1",
        {}, &error, arch);
    ASSERT_TRUE(module) << arch << ": " << error;
    check(collectAccesses(*module, std::string("gemm (aligned, ") + arch + ")"), seen);
    EXPECT_EQ(seen["ldmatrix"] > 0, std::string(arch) == "sm_80") << arch;
    EXPECT_GT(seen["cp.async"], 0) << arch;
  }
}

/// A dot of bf16 M x K by K x N tiles, A and B each stored row-major or transposed: every
/// staging swizzle tilegpu-accelerate-matmul picks must let ldmatrix read each 8x8 matrix in
/// one wavefront, with the mma warps it picks for the shape (sm_80: mma.sync for all).
const char *kDotSource = R"(
@kernel
def dot_shapes(a: ptr<bf16>, b: ptr<bf16>, c: ptr<f32>, const M: i32, const N: i32,
               const K: i32, const TA: bool, const TB: bool):
    rm = arange(0, M)
    rn = arange(0, N)
    rk = arange(0, K)
    if TA:
        x = load(a + rk[None, :] * M + rm[:, None])
    else:
        x = load(a + rm[:, None] * K + rk[None, :])
    if TB:
        y = load(b + rn[None, :] * K + rk[:, None])
    else:
        y = load(b + rk[:, None] * N + rn[None, :])
    acc = zeros((M, N), f32)
    acc = dot(x, y, acc)
    store(c + rm[:, None] * N + rn[None, :], acc)
)";

TEST_F(BankConflicts, StagedOperandSwizzlesForLdmatrix) {
  int ldmatrixLoads = 0;
  std::set<std::string> swizzles;
  for (int m : {16, 32, 64, 128})
    for (int n : {16, 32, 64, 128})
      for (int k : {16, 32, 64, 128})
        for (bool ta : {false, true})
          for (bool tb : {false, true}) {
            CompileInput input;
            input.source = kDotSource;
            input.fileName = "dot_shapes.tile";
            input.kernelName = "dot_shapes";
            input.config.arch = "sm_80";
            input.constants = {{"M", std::to_string(m)},
                               {"N", std::to_string(n)},
                               {"K", std::to_string(k)},
                               {"TA", ta ? "True" : "False"},
                               {"TB", tb ? "True" : "False"}};
            std::string problem;
            ASSERT_TRUE(parseSignature("*bf16:16,*bf16:16,*fp32:16", input.args, problem));
            CompileOptions options;
            options.stopAfter = Stage::TileGPU;
            CompileResult result = compile(input, options);
            std::string where = "dot " + std::to_string(m) + "x" + std::to_string(n) + "x" +
                                std::to_string(k) + (ta ? " A^T" : "") + (tb ? " B^T" : "");
            ASSERT_TRUE(result.success) << where << ": " << result.diagnostics;
            OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(result.tileGPUIR, &context);
            ASSERT_TRUE(module) << where;
            module->walk([&](LocalLoadOp load) {
              if (!isMmaOperand16(load.getType()))
                return;
              ++ldmatrixLoads;
              MemDescType memType = load.getSrc().getType();
              swizzles.insert(str(memType.getEncoding()));
              LdmatrixCost cost =
                  simulateLdmatrix(toLinearLayout(load.getType()), sharedOffsetsOf(memType), 2);
              EXPECT_TRUE(cost.ok) << where << ": the fragments of "
                                   << str(load.getType().getEncoding())
                                   << " are not 8x8 matrices of 16-byte rows in "
                                   << str(memType.getEncoding());
              EXPECT_EQ(cost.wavefronts, cost.ideal)
                  << where << ": ldmatrix phases of " << str(load.getType().getEncoding())
                  << " from " << str(memType.getEncoding()) << " take " << cost.wavefronts
                  << " wavefronts, ideal " << cost.ideal;
            });
          }
  // tilegpu-split-dot-k reads each operand one 16-deep K step at a time (a slice of the
  // staged buffer): K = 16, 32, 64, 128 give 1 + 2 + 4 + 8 loads per operand, for each of
  // 4 x 4 M, N shapes x 4 storage orders, two operands each.
  EXPECT_EQ(ldmatrixLoads, (1 + 2 + 4 + 8) * 4 * 4 * 4 * 2);
  // Rows of 32, 64, 128 and 256 bytes each have their own swizzle, in both orders.
  EXPECT_GE(swizzles.size(), 4u);
}

/// The simulation itself: an unswizzled buffer of 64-element (128-byte) rows puts the 8 rows of
/// every A fragment matrix in one bank group (8 wavefronts); the swizzle accelerate-matmul picks
/// for it (vec 8, perPhase 1, maxPhase 8) spreads them over all 8 (1 wavefront).
TEST_F(BankConflicts, LdmatrixSimulationSeesTheSwizzle) {
  auto mma = MmaEncodingAttr::get(&context, 2, {2, 2}, {16, 8});
  auto a = DotOperandEncodingAttr::get(&context, 0, mma, 2);
  LinearLayout operand = a.toLinearLayout({64, 64});
  SharedOffsetMap plain(LinearLayout::swizzledShared({64, 64}, {1, 0}, 1, 1, 1));
  SharedOffsetMap swizzled(LinearLayout::swizzledShared({64, 64}, {1, 0}, 8, 1, 8));
  LdmatrixCost unswizzled = simulateLdmatrix(operand, plain, 2);
  ASSERT_TRUE(unswizzled.ok);
  EXPECT_EQ(unswizzled.wavefronts, 8 * unswizzled.ideal);
  LdmatrixCost good = simulateLdmatrix(operand, swizzled, 2);
  ASSERT_TRUE(good.ok);
  EXPECT_EQ(good.wavefronts, good.ideal);
  // 64x64 over 2x2 warps: each warp 2 m-tiles x 4 k-steps x 4 matrices, 4 warps.
  EXPECT_EQ(good.ideal, 4 * 2 * 4 * 4);
}

/// And countWavefronts against hand-counted cases: a warp storing a 32x32 f32 tile row by row
/// into an unswizzled buffer (lane = column) is conflict-free; column by column (lane = row,
/// all 32 lanes in one bank) takes 32 wavefronts per access.
TEST_F(BankConflicts, CountWavefrontsByHand) {
  auto rows = BlockedEncodingAttr::get(&context, {1, 1}, {1, 32}, {4, 1}, {1, 0});
  auto cols = BlockedEncodingAttr::get(&context, {1, 1}, {32, 1}, {1, 4}, {0, 1});
  SharedOffsetMap plain(LinearLayout::swizzledShared({32, 32}, {1, 0}, 1, 1, 1));
  BankCost byRows = countWavefronts(rows.toLinearLayout({32, 32}), plain, 1, 4, true);
  EXPECT_EQ(byRows.accesses, 8);
  EXPECT_EQ(byRows.wavefronts, 8);
  EXPECT_TRUE(byRows.conflictFree());
  BankCost byCols = countWavefronts(cols.toLinearLayout({32, 32}), plain, 1, 4, true);
  EXPECT_EQ(byCols.accesses, 8);
  EXPECT_EQ(byCols.wavefronts, 8 * 32);
  EXPECT_EQ(byCols.ideal, 8);
  // The planner, asked to move a tile between the two, finds a swizzle that serves both.
  LayoutConversionPlan plan =
      planLayoutConversion(rows.toLinearLayout({32, 32}), cols.toLinearLayout({32, 32}), 32);
  EXPECT_EQ(plan.kind, LayoutConversionPlan::Kind::SharedMemory);
  EXPECT_TRUE(plan.storeCost.conflictFree()) << plan.storeCost.wavefronts;
  EXPECT_TRUE(plan.loadCost.conflictFree()) << plan.loadCost.wavefronts;
}

} // namespace
