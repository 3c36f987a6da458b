//===- LoadStoreOpToLLVM.cpp - addptr, global loads and stores ------------===//
//
// A thread's elements are accessed in groups of `vec` consecutive registers
// that are consecutive in memory: one ld.global.v{2,4} / st.global.v{2,4}
// per group. `vec` is what the layout gives (sizePerThread along its fastest
// dimension, chosen by the coalescing pass) capped by what the axis info
// proves about the pointers (contiguity, alignment) and the mask (constancy).
// A masked access sits in an scf.if on the group's predicate (a branch ptxas
// turns into a predicated instruction); a masked-off load yields `other`.
// Elements a thread holds only as a replica are not stored, so a tile
// smaller than its layout writes each element once. (Atomics:
// AtomicOpToLLVM.cpp.)
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

Type pointeeLLVMType(const TypeConverter *converter, Type ptrLike) {
  return converter->convertType(getElementTypeOrSelf(tile::getPointeeType(ptrLike)));
}

/// Consecutive registers that may be accessed as one vector: a run of registers the layout
/// lays along one dimension, as far as the axis info proves the pointers consecutive and
/// aligned (and the mask constant) along it.
int64_t getVectorWidth(const LoweringContext &ctx, Value ptr, Value mask) {
  auto type = dyn_cast<RankedTensorType>(ptr.getType());
  if (!type)
    return 1;
  LinearLayout layout = toLinearLayout(type);
  unsigned bits = getElementTypeOrSelf(tile::getPointeeType(type)).getIntOrFloatBitWidth();
  int64_t vec = 1;
  for (unsigned d = 0; d < type.getRank(); ++d) {
    int64_t run = int64_t(1) << layout.getContiguousRegisterBits(d);
    vec = std::max(vec, std::min(run, ctx.axisInfo->getVectorWidth(ptr, mask, d, bits)));
  }
  return vec;
}

struct AddPtrToLLVM : OpConversionPattern<tile::AddPtrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AddPtrOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Type element = pointeeLLVMType(getTypeConverter(), op.getType());
    Type ptrType = getTypeConverter()->convertType(getElementTypeOrSelf(op.getType()));
    SmallVector<Value> results;
    for (auto [ptr, offset] : llvm::zip_equal(adaptor.getPtr(), adaptor.getOffset()))
      results.push_back(LLVM::GEPOp::create(rewriter, op.getLoc(), ptrType, element, ptr,
                                            ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(offset)}));
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }
};

class LoadToLLVM : public OpConversionPattern<tile::LoadOp> {
public:
  LoadToLLVM(TileTypeConverter &converter, MLIRContext *ctx, const LoweringContext &context)
      : OpConversionPattern(converter, ctx), context(context) {}

  LogicalResult matchAndRewrite(tile::LoadOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type element = pointeeLLVMType(getTypeConverter(), op.getPtr().getType());
    ValueRange ptrs = adaptor.getPtr();
    ValueRange masks = op.getMask() ? adaptor.getMask() : ValueRange();
    ValueRange others = op.getOther() ? adaptor.getOther() : ValueRange();
    int64_t n = ptrs.size();
    int64_t vec = getVectorWidth(context, op.getPtr(), op.getMask());
    unsigned bytes = std::max<unsigned>(1, element.getIntOrFloatBitWidth() / 8);
    bool isTile = isa<RankedTensorType>(op.getType());
    Emitter e(rewriter, loc);
    SmallVector<Value> results;
    for (int64_t first = 0; first < n; first += vec) {
      auto vecType = VectorType::get({vec}, element);
      Value pred = masks.empty() ? Value() : masks[first];
      auto load = [&]() -> SmallVector<Value> {
        if (vec == 1)
          return {LLVM::LoadOp::create(rewriter, loc, element, ptrs[first], bytes)};
        return {LLVM::LoadOp::create(rewriter, loc, vecType, ptrs[first], bytes * vec)};
      };
      auto otherwise = [&]() -> SmallVector<Value> {
        SmallVector<Value> fill;
        for (int64_t i = first; i < first + vec; ++i)
          fill.push_back(others.empty() ? e.zero(element) : others[isTile ? i : 0]);
        return {e.vectorOf(fill)};
      };
      Type resultType = vec == 1 ? element : Type(vecType);
      Value loaded = emitPredicated(rewriter, loc, pred, resultType, load, otherwise)[0];
      if (vec == 1) {
        results.push_back(loaded);
        continue;
      }
      for (int64_t i = 0; i < vec; ++i)
        results.push_back(LLVM::ExtractElementOp::create(rewriter, loc, loaded, e.i32(i)));
    }
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }

private:
  const LoweringContext &context;
};

class StoreToLLVM : public OpConversionPattern<tile::StoreOp> {
public:
  StoreToLLVM(TileTypeConverter &converter, MLIRContext *ctx, const LoweringContext &context)
      : OpConversionPattern(converter, ctx), context(context) {}

  LogicalResult matchAndRewrite(tile::StoreOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    ValueRange ptrs = adaptor.getPtr(), values = adaptor.getValue();
    ValueRange masks = op.getMask() ? adaptor.getMask() : ValueRange();
    Type element = values[0].getType();
    unsigned bytes = std::max<unsigned>(1, element.getIntOrFloatBitWidth() / 8);
    SmallVector<Value> preds;
    if (isa<RankedTensorType>(op.getPtr().getType()))
      preds = emitWritePredicates(e, op.getPtr(), masks);
    else
      preds.push_back(masks.empty() ? Value() : masks[0]);
    int64_t vec = getVectorWidth(context, op.getPtr(), op.getMask());
    for (int64_t first = 0; first < int64_t(ptrs.size()); first += vec) {
      emitIf(rewriter, loc, preds[first], [&] {
        Value value = e.vectorOf(llvm::to_vector(values.slice(first, vec)));
        LLVM::StoreOp::create(rewriter, loc, value, ptrs[first], bytes * vec);
      });
    }
    rewriter.eraseOp(op);
    return success();
  }

private:
  const LoweringContext &context;
};

} // namespace

void lacc::conversion::populateLoadStoreOpToLLVMPatterns(TileTypeConverter &converter,
                                                        RewritePatternSet &patterns,
                                                        const LoweringContext &context) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<AddPtrToLLVM>(converter, ctx);
  patterns.add<LoadToLLVM, StoreToLLVM>(converter, ctx, context);
}
