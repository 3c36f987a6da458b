//===- WGMMADotOpToLLVM.cpp - tilegpu.warp_group_dot on wgmma -------------===//
//
// Each warpgroup (four consecutive warps) multiplies its 64-row blocks of the
// accumulator with wgmma.mma_async.m64nNk16, reading A and B straight from
// shared memory through matrix descriptors:
//
//   for every 64-row block m of the group, N-block n, 16-wide K step k:
//     d[m][n] = A[m rows, k] * B[k, n cols] + d[m][n]
//
// A descriptor (PTX ISA, "matrix descriptor format") is 64 bits: the start
// address, the byte offsets between 8-row groups (SBO) and between swizzle-
// width column blocks (LBO), all >> 4, and the swizzle mode. The buffers are
// in SharedEncodingAttr's wgmma layouts: rows of exactly the swizzle width
// per block, the block's 8-row swizzle atoms 1024-byte aligned, so a start
// address is just the layout's offset of the instruction's first element;
// the hardware applies the swizzle to the address bits as the layout does.
// A contiguous K (K-major) is wgmma's plain form; a contiguous M or N is its
// transposed form (imm-trans), which bf16 and f16 allow.
//
// A may come from registers instead (a dot fed by a dot): each warp then holds
// its 16 rows of the 64-row block as mma.sync's m16n8k16 A fragment, four
// 32-bit registers per K step, which is wgmma's register-A form. MLIR's NVVM
// op only takes descriptors, so that form is one inline-asm instruction.
//
// wgmma runs asynchronously: wgmma.fence orders the accumulator's earlier
// register writes before it; commit_group + wait_group 0 wait for the results
// before the op returns (an `async` dot leaves that to its
// tilegpu.warp_group_dot_wait). The wait is an inline asm that takes and
// returns the accumulator registers (tied operands), so that LLVM cannot read
// them before it.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

/// What describes one operand buffer to wgmma: the descriptor bits that do not depend on
/// where an instruction starts, and how to find where it starts.
struct OperandDescriptor {
  uint64_t fixedBits = 0; ///< LBO, SBO and swizzle mode
  SharedOffsetMap offsets;
  LinearLayout layout; ///< for flat element indices of the buffer's shape
  bool transposed;     ///< the M (or N) dimension is the contiguous one

  OperandDescriptor(MemDescType type, unsigned kDim)
      : offsets(sharedOffsetsOf(type)),
        layout(LinearLayout::identity(type.getShape(), 1, LinearLayout::Offset)) {
    SharedEncodingAttr encoding = type.getEncoding();
    unsigned bits = type.getElementTypeBitWidth();
    uint64_t swizzleBytes = encoding.getWgmmaSwizzleBytes(type.getShape(), bits);
    unsigned contiguous = encoding.getOrder()[0];
    transposed = contiguous != kDim;
    // Between column blocks: a whole block of rows; between 8-row groups: 8 rows.
    uint64_t rows = type.getDimSize(1 - contiguous);
    uint64_t lbo = rows * swizzleBytes, sbo = 8 * swizzleBytes;
    uint64_t mode = swizzleBytes == 128 ? 1 : swizzleBytes == 64 ? 2 : 3;
    fixedBits = ((lbo >> 4) & 0x3FFF) << 16 | ((sbo >> 4) & 0x3FFF) << 32 | mode << 62;
  }

  /// The offset (in elements) of element (row, col) of the buffer: constant part.
  uint64_t offsetOf(int64_t row, int64_t col) const { return offsets(layout.flatten({row, col})); }
  /// The linear part alone (for run-time rows, XORed onto a constant offset).
  uint64_t linearOffsetOf(int64_t row, int64_t col) const {
    return offsets.linear(layout.flatten({row, col}));
  }
};

/// wgmma.wait_group N, tied to every accumulator register: the values after it are its
/// results, so no read of them can be scheduled before the multiplications land.
SmallVector<Value> waitForResults(ConversionPatternRewriter &rewriter, Location loc,
                                  ArrayRef<Value> acc, int pendings) {
  std::string constraints;
  for (size_t i = 0; i < acc.size(); ++i)
    constraints += (i ? ",=f" : "=f");
  for (size_t i = 0; i < acc.size(); ++i)
    constraints += "," + std::to_string(i);
  SmallVector<Type> types(acc.size(), rewriter.getF32Type());
  auto resultType = LLVM::LLVMStructType::getLiteral(rewriter.getContext(), types);
  std::string ptx = "wgmma.wait_group.sync.aligned " + std::to_string(pendings) + ";";
  auto wait = LLVM::InlineAsmOp::create(
      rewriter, loc, resultType, acc, ptx, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None,
      LLVM::AsmDialectAttr::get(rewriter.getContext(), LLVM::AsmDialect::AD_ATT), ArrayAttr());
  SmallVector<Value> results;
  for (size_t i = 0; i < acc.size(); ++i)
    results.push_back(LLVM::ExtractValueOp::create(rewriter, loc, wait.getResult(0), i));
  return results;
}

/// d = a * B + d with A's fragment in four 32-bit registers (wgmma's register-A form):
/// the accumulator registers are tied to the results, as in waitForResults.
Value wgmmaWithRegisterA(ConversionPatternRewriter &rewriter, Location loc, Value d,
                         ArrayRef<Value> a, Value bDescriptor, int64_t instrN, bool f16,
                         bool bTransposed) {
  int64_t count = instrN / 2;
  auto structType = cast<LLVM::LLVMStructType>(d.getType());
  SmallVector<Value> operands;
  for (int64_t i = 0; i < count; ++i)
    operands.push_back(LLVM::ExtractValueOp::create(rewriter, loc, d, i));
  llvm::append_range(operands, a);
  operands.push_back(bDescriptor);
  std::string type = f16 ? "f16" : "bf16", outs, ins, constraints;
  for (int64_t i = 0; i < count; ++i) {
    outs += (i ? ", $" : "$") + std::to_string(i);
    constraints += (i ? ",=f" : "=f");
  }
  for (int64_t i = 0; i < count; ++i)
    constraints += "," + std::to_string(i);
  for (int64_t i = 0; i < 4; ++i) {
    ins += (i ? ", $" : "$") + std::to_string(2 * count + i);
    constraints += ",r";
  }
  constraints += ",l";
  // scale-d = 1 (accumulate), imm-scale-a = imm-scale-b = 1, imm-trans-b.
  std::string ptx = "wgmma.mma_async.sync.aligned.m64n" + std::to_string(instrN) + "k16.f32." +
                    type + "." + type + " {" + outs + "}, {" + ins + "}, $" +
                    std::to_string(2 * count + 4) + ", 1, 1, 1, " +
                    (bTransposed ? "1" : "0") + ";";
  return LLVM::InlineAsmOp::create(
             rewriter, loc, structType, operands, ptx, constraints,
             /*has_side_effects=*/true, /*is_align_stack=*/false,
             LLVM::tailcallkind::TailCallKind::None,
             LLVM::AsmDialectAttr::get(rewriter.getContext(), LLVM::AsmDialect::AD_ATT),
             ArrayAttr())
      .getResult(0);
}

struct WarpGroupDotToLLVM : OpConversionPattern<WarpGroupDotOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(WarpGroupDotOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Location loc = op.getLoc();
    auto mma = cast<MmaEncodingAttr>(op.getType().getEncoding());
    auto aType = dyn_cast<MemDescType>(op.getA().getType());
    MemDescType bType = op.getB().getType();
    ArrayRef<int64_t> shape = op.getType().getShape();
    int64_t numWarps = mma.getWarpsPerCTA()[0], instrN = mma.getInstrShape()[1];
    int64_t k = bType.getDimSize(0);
    int64_t mReps = shape[0] / (16 * numWarps), nReps = shape[1] / instrN, kSteps = k / 16;
    SmallVector<Value> acc(adaptor.getAcc());
    if (int64_t(acc.size()) != shape[0] * shape[1] / (32 * numWarps))
      return op.emitError("internal compiler error: the accumulator's register count does not "
                          "match its shape");
    // A in registers: 8 elements per (64-row block, K step), in mma.sync's fragment order.
    SmallVector<SmallVector<Value>> aFragments;
    if (!aType) {
      ValueRange a = adaptor.getA();
      if (int64_t(a.size()) != 8 * kSteps * mReps)
        return op.emitError("internal compiler error: A's register count does not match its "
                            "shape");
      for (int64_t f = 0; f < kSteps * mReps; ++f) {
        SmallVector<Value> regs = packMmaOperand(e, a, 8 * f, 8, /*kWidth=*/2);
        for (Value &r : regs)
          if (!r.getType().isInteger(32))
            r = LLVM::BitcastOp::create(rewriter, loc, rewriter.getI32Type(), r);
        aFragments.push_back(regs);
      }
    }

    std::optional<OperandDescriptor> aDesc;
    if (aType)
      aDesc.emplace(aType, /*kDim=*/1);
    OperandDescriptor bDesc(bType, /*kDim=*/0);
    Type i64 = rewriter.getI64Type();
    Type elementType = bType.getElementType();
    unsigned elementBytes = bType.getElementTypeBitWidth() / 8;
    // The warpgroup's first row: its 64-row block, the same in all its warps. Rows of
    // different groups (and repetitions) differ in disjoint bits, so offsets combine by XOR.
    Value aGroupOffset, aBase;
    if (aDesc) {
      Value group = e.lshr(e.warpId(), 2);
      SmallVector<uint64_t> groupRows;
      for (int64_t g = 1; g < numWarps / 4; g *= 2)
        groupRows.push_back(aDesc->linearOffsetOf(64 * g, 0));
      aGroupOffset = emitLinearMap(e, group, groupRows);
      aBase = LLVM::PtrToIntOp::create(rewriter, loc, rewriter.getI32Type(), adaptor.getA()[0]);
    }
    Value bBase = LLVM::PtrToIntOp::create(rewriter, loc, rewriter.getI32Type(),
                                           adaptor.getB()[0]);
    auto descriptor = [&](const OperandDescriptor &d, Value base, Value offset) -> Value {
      Value address = e.add(base, e.mul(offset, e.i32(elementBytes)));
      Value start = e.and_(e.lshr(address, 4), e.i32(0x3FFF));
      Value wide = LLVM::ZExtOp::create(rewriter, loc, i64, start);
      Value fixed = LLVM::ConstantOp::create(rewriter, loc, i64,
                                             rewriter.getI64IntegerAttr(int64_t(d.fixedBits)));
      return LLVM::OrOp::create(rewriter, loc, wide, fixed);
    };

    NVVM::WGMMATypes type =
        elementType.isF16() ? NVVM::WGMMATypes::f16 : NVVM::WGMMATypes::bf16;
    auto layoutOf = [](bool kContiguous) {
      return kContiguous ? NVVM::MMALayout::row : NVVM::MMALayout::col;
    };
    // MLIR's op: layout row = K-major for A; col = K-major for B.
    NVVM::MMALayout aLayout = layoutOf(!aDesc || !aDesc->transposed);
    NVVM::MMALayout bLayout = bDesc.transposed ? NVVM::MMALayout::row : NVVM::MMALayout::col;
    Type f32 = rewriter.getF32Type();
    int64_t perInstr = instrN / 2; // f32 results per thread of one m64nN instruction
    auto structType = LLVM::LLVMStructType::getLiteral(
        rewriter.getContext(), SmallVector<Type>(perInstr, f32));
    auto shapeAttr = NVVM::MMAShapeAttr::get(rewriter.getContext(), 64, instrN, 16);

    NVVM::WgmmaFenceAlignedOp::create(rewriter, loc);
    for (int64_t m = 0; m < mReps; ++m)
      for (int64_t n = 0; n < nReps; ++n) {
        // Register i of the instruction: 8-column group i / 4 of this N block, element i % 4.
        auto reg = [&](int64_t i) {
          return 4 * ((n * instrN / 8 + i / 4) + (shape[1] / 8) * m) + i % 4;
        };
        Value d = LLVM::UndefOp::create(rewriter, loc, structType);
        for (int64_t i = 0; i < perInstr; ++i)
          d = LLVM::InsertValueOp::create(rewriter, loc, d, acc[reg(i)], i);
        for (int64_t kk = 0; kk < kSteps; ++kk) {
          Value bOffset = e.i32(bDesc.offsetOf(16 * kk, n * instrN));
          if (!aDesc) {
            d = wgmmaWithRegisterA(rewriter, loc, d, aFragments[kk + kSteps * m],
                                   descriptor(bDesc, bBase, bOffset), instrN,
                                   elementType.isF16(), bDesc.transposed);
            continue;
          }
          int64_t row = 16 * numWarps * m;
          Value aOffset = e.xor_(aGroupOffset, e.i32(aDesc->offsetOf(row, 16 * kk)));
          d = NVVM::WgmmaMmaAsyncOp::create(
              rewriter, loc, structType, d, descriptor(*aDesc, aBase, aOffset),
              descriptor(bDesc, bBase, bOffset), shapeAttr, type, type, NVVM::WGMMATypes::f32,
              NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one, NVVM::WGMMAScaleIn::one,
              aLayout, bLayout, /*satfinite=*/nullptr);
        }
        for (int64_t i = 0; i < perInstr; ++i)
          acc[reg(i)] = LLVM::ExtractValueOp::create(rewriter, loc, d, i);
      }
    NVVM::WgmmaGroupSyncAlignedOp::create(rewriter, loc);
    if (!op.getAsync())
      acc = waitForResults(rewriter, loc, acc, 0);
    rewriter.replaceOpWithMultiple(op, {acc});
    return success();
  }
};

struct WarpGroupDotWaitToLLVM : OpConversionPattern<WarpGroupDotWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(WarpGroupDotWaitOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> acc(adaptor.getAcc());
    rewriter.replaceOpWithMultiple(
        op, {waitForResults(rewriter, op.getLoc(), acc, op.getPendings())});
    return success();
  }
};

} // namespace

void lacc::conversion::populateWGMMADotOpToLLVMPatterns(TileTypeConverter &converter,
                                                       RewritePatternSet &patterns) {
  patterns.add<WarpGroupDotToLLVM, WarpGroupDotWaitToLLVM>(converter, patterns.getContext());
}
