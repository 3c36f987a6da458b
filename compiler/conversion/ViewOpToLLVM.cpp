//===- ViewOpToLLVM.cpp - make_range, splat, broadcast, expand_dims -------===//
//
// These ops move no data between threads: the layouts the earlier passes
// chose make every element of the result available in the thread that needs
// it, so each lowers to a choice of registers (or, for make_range, to the
// element's own index).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include <map>

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

using OffsetKey = std::vector<int64_t>;

/// Register number of the first element with each key (offsets with `dropped` dims cleared
/// or removed), so that a result element can find its source register.
std::map<OffsetKey, unsigned> registerByKey(RankedTensorType type,
                                            function_ref<OffsetKey(ArrayRef<int64_t>)> key) {
  std::map<OffsetKey, unsigned> map;
  auto offsets = getDistributedLayout(type).getElemOffsets(type.getShape());
  for (auto [i, offset] : llvm::enumerate(offsets))
    map.try_emplace(key(offset), i);
  return map;
}

struct MakeRangeToLLVM : OpConversionPattern<tile::MakeRangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::MakeRangeOp op, OneToNOpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    SmallVector<Value> values;
    for (const auto &index : emitIndices(e, op.getType()))
      values.push_back(e.add(index[0], e.i32(op.getStart())));
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

struct SplatToLLVM : OpConversionPattern<tile::SplatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::SplatOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value scalar = adaptor.getSrc()[0];
    rewriter.replaceOpWithMultiple(
        op, {SmallVector<Value>(getElemsPerThread(op.getType()), scalar)});
    return success();
  }
};

struct BroadcastToLLVM : OpConversionPattern<tile::BroadcastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::BroadcastOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    auto dstType = op.getType();
    if (srcType.getEncoding() != dstType.getEncoding())
      return rewriter.notifyMatchFailure(op, "broadcast expects one layout for source and result");
    SmallVector<bool> broadcast;
    for (auto [s, d] : llvm::zip_equal(srcType.getShape(), dstType.getShape()))
      broadcast.push_back(s != d);
    // Along a broadcast dimension every register of the source holds the same (only) element.
    auto key = [&](ArrayRef<int64_t> offset) {
      OffsetKey k(offset.begin(), offset.end());
      for (unsigned d = 0; d < k.size(); ++d)
        if (broadcast[d])
          k[d] = 0;
      return k;
    };
    auto srcRegister = registerByKey(srcType, key);
    SmallVector<Value> values;
    for (const auto &offset :
         getDistributedLayout(dstType).getElemOffsets(dstType.getShape()))
      values.push_back(adaptor.getSrc()[srcRegister.at(key(offset))]);
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

struct ExpandDimsToLLVM : OpConversionPattern<tile::ExpandDimsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::ExpandDimsOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto srcType = cast<RankedTensorType>(op.getSrc().getType());
    auto slice = dyn_cast<SliceEncodingAttr>(srcType.getEncoding());
    if (!slice || slice.getDim() != op.getAxis() ||
        slice.getParent() != getDistributedLayout(op.getType()))
      return rewriter.notifyMatchFailure(op, "expand_dims expects its source in the slice of "
                                             "the result layout along axis");
    auto identity = [](ArrayRef<int64_t> offset) { return OffsetKey(offset.begin(), offset.end()); };
    auto srcRegister = registerByKey(srcType, identity);
    SmallVector<Value> values;
    for (auto offset : getDistributedLayout(op.getType()).getElemOffsets(op.getType().getShape())) {
      offset.erase(offset.begin() + op.getAxis());
      values.push_back(adaptor.getSrc()[srcRegister.at(identity(offset))]);
    }
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

} // namespace

void lacc::conversion::populateViewOpToLLVMPatterns(TileTypeConverter &converter,
                                                   RewritePatternSet &patterns) {
  patterns.add<MakeRangeToLLVM, SplatToLLVM, BroadcastToLLVM, ExpandDimsToLLVM>(
      converter, patterns.getContext());
}
