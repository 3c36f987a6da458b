//===- TMAOpToLLVM.cpp - mbarriers and TMA copies -------------------------===//
//
// Thread 0 initializes, arms and invalidates barriers and issues the copies
// (predicated PTX, which MLIR's NVVM ops emit inline); every thread waits on
// the phase's parity in a try_wait loop. A copy into a buffer of wgmma's
// swizzled layout is one cp.async.bulk.tensor per swizzled block (its box is
// as wide as the swizzle), at the block's coordinates and shared address
// (tilegpu::planTMACopy). The tensor map is the address of the kernel's
// grid-constant parameter; coordinates go innermost first. A tensor of higher
// rank than the buffer has a box of 1 along its leading dimensions, whose
// coordinates pass through unchanged.
//
// TMA stores: every thread fences its shared-memory writes towards the async
// proxy (fence.proxy.async.shared::cta); under a branch on thread 0, one
// cp.async.bulk.tensor.global.shared::cta per block of the same plan, then
// commit_group; the wait (wait_group.read) under the same branch: only that
// thread has bulk groups.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

/// The one thread that drives barriers and copies (thread 0, or the one `op` names: a
/// producer warpgroup's first), where `pred` (if any) also holds.
Value leaderPredicate(Emitter &e, Operation *op, Value pred = {}) {
  int64_t thread = 0;
  if (auto attr = op->getAttrOfType<IntegerAttr>(TileGPUDialect::kLeaderThreadAttrName))
    thread = attr.getInt();
  Value leader = e.icmp(LLVM::ICmpPredicate::eq, e.threadId(), e.i32(thread));
  return pred ? e.and_(leader, pred) : leader;
}

struct InitBarrierToLLVM : OpConversionPattern<InitBarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(InitBarrierOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    NVVM::MBarrierInitOp::create(rewriter, op.getLoc(), adaptor.getBarrier()[0],
                                 e.i32(op.getCount()), leaderPredicate(e, op));
    rewriter.eraseOp(op);
    return success();
  }
};

struct InvalBarrierToLLVM : OpConversionPattern<InvalBarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(InvalBarrierOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value barrier = adaptor.getBarrier()[0];
    emitIf(rewriter, op.getLoc(), leaderPredicate(e, op),
           [&] { NVVM::MBarrierInvalOp::create(rewriter, op.getLoc(), barrier); });
    rewriter.eraseOp(op);
    return success();
  }
};

struct BarrierExpectToLLVM : OpConversionPattern<BarrierExpectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(BarrierExpectOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    NVVM::MBarrierArriveExpectTxOp::create(rewriter, op.getLoc(), Type(), adaptor.getBarrier()[0],
                                           e.i32(op.getBytes()), NVVM::MemScopeKind::CTA,
                                           /*relaxed=*/false,
                                           leaderPredicate(e, op, adaptor.getPred()[0]));
    rewriter.eraseOp(op);
    return success();
  }
};

struct WaitBarrierToLLVM : OpConversionPattern<WaitBarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(WaitBarrierOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    // The suspend-time hint (ns) lets a waiting warp sleep instead of spinning (CUTLASS's).
    NVVM::MBarrierTryWaitParityOp::create(rewriter, op.getLoc(), adaptor.getBarrier()[0],
                                          adaptor.getPhase()[0], e.i32(10000000));
    rewriter.eraseOp(op);
    return success();
  }
};

/// Lane 0 of each warp arrives: the barrier counts warps.
struct ArriveBarrierToLLVM : OpConversionPattern<ArriveBarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(ArriveBarrierOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    Value barrier = adaptor.getBarrier()[0];
    Value laneZero = e.icmp(LLVM::ICmpPredicate::eq, e.laneId(), e.i32(0));
    emitIf(rewriter, op.getLoc(), e.and_(laneZero, adaptor.getPred()[0]), [&] {
      NVVM::MBarrierArriveOp::create(rewriter, op.getLoc(), Type(), barrier, Value());
    });
    rewriter.eraseOp(op);
    return success();
  }
};

/// The shared-memory address of `piece` of the buffer at `base`.
Value pieceAddress(ConversionPatternRewriter &rewriter, Location loc, Value base,
                   const TMACopyPlan::Piece &piece) {
  return LLVM::GEPOp::create(rewriter, loc, base.getType(), rewriter.getI8Type(), base,
                             ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(piece.byteOffset)});
}

/// The coordinates of `piece` of a copy at `coords`, innermost first. The pieces tile the
/// buffer's dimensions, the tensor's last ones.
SmallVector<Value> pieceCoordinates(Emitter &e, ArrayRef<Value> coords,
                                    const TMACopyPlan::Piece &piece) {
  int lead = int(coords.size()) - int(piece.offset.size());
  SmallVector<Value> innermostFirst;
  for (int d = int(coords.size()) - 1; d >= 0; --d) {
    int64_t offset = d >= lead ? piece.offset[d - lead] : 0;
    innermostFirst.push_back(offset ? e.add(coords[d], e.i32(offset)) : coords[d]);
  }
  return innermostFirst;
}

struct AsyncTMACopyToLLVM : OpConversionPattern<AsyncTMACopyGlobalToLocalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AsyncTMACopyGlobalToLocalOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    std::optional<TMACopyPlan> plan = planTMACopy(op.getDst().getType());
    if (!plan) // the verifier checks it
      return failure();
    Value base = adaptor.getDst()[0], map = adaptor.getMap()[0];
    Value pred = leaderPredicate(e, op, adaptor.getPred()[0]);
    SmallVector<Value> coords;
    for (ValueRange c : adaptor.getCoords())
      coords.push_back(c[0]);
    for (const TMACopyPlan::Piece &piece : plan->pieces) {
      Value dst = pieceAddress(rewriter, loc, base, piece);
      NVVM::CpAsyncBulkTensorGlobalToSharedClusterOp::create(
          rewriter, loc, dst, map, pieceCoordinates(e, coords, piece), adaptor.getBarrier()[0],
          /*im2colOffsets=*/ValueRange(), /*multicastMask=*/Value(), /*l2CacheHint=*/Value(),
          NVVM::TMALoadModeAttr::get(rewriter.getContext(), NVVM::TMALoadMode::TILE),
          rewriter.getBoolAttr(false), NVVM::CTAGroupKindAttr(), pred);
    }
    rewriter.eraseOp(op);
    return success();
  }
};

struct FenceAsyncSharedToLLVM : OpConversionPattern<FenceAsyncSharedOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(FenceAsyncSharedOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter(rewriter, op.getLoc()).fenceAsyncProxy();
    rewriter.eraseOp(op);
    return success();
  }
};

/// One bulk tensor store per block of the buffer's plan, committed as one group.
struct AsyncTMAStoreToLLVM : OpConversionPattern<AsyncTMACopyLocalToGlobalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(AsyncTMACopyLocalToGlobalOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    std::optional<TMACopyPlan> plan = planTMACopy(op.getSrc().getType());
    if (!plan) // the verifier checks it
      return failure();
    Value base = adaptor.getSrc()[0], map = adaptor.getMap()[0];
    SmallVector<Value> coords;
    for (ValueRange c : adaptor.getCoords())
      coords.push_back(c[0]);
    emitIf(rewriter, loc, leaderPredicate(e, op), [&] {
      for (const TMACopyPlan::Piece &piece : plan->pieces) {
        Value src = pieceAddress(rewriter, loc, base, piece);
        NVVM::CpAsyncBulkTensorSharedCTAToGlobalOp::create(
            rewriter, loc, map, src, pieceCoordinates(e, coords, piece),
            /*l2CacheHint=*/Value(), NVVM::TMAStoreMode::TILE, /*predicate=*/Value());
      }
      NVVM::CpAsyncBulkCommitGroupOp::create(rewriter, loc);
    });
    rewriter.eraseOp(op);
    return success();
  }
};

/// The issuing thread waits until the TMA has read the sources of all but `pendings` groups.
struct TMAStoreWaitToLLVM : OpConversionPattern<TMAStoreWaitOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(TMAStoreWaitOp op, OneToNOpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter e(rewriter, op.getLoc());
    emitIf(rewriter, op.getLoc(), leaderPredicate(e, op), [&] {
      NVVM::CpAsyncBulkWaitGroupOp::create(rewriter, op.getLoc(),
                                           static_cast<uint32_t>(op.getPendings()),
                                           rewriter.getUnitAttr());
    });
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void lacc::conversion::populateTMAOpToLLVMPatterns(TileTypeConverter &converter,
                                                  RewritePatternSet &patterns) {
  patterns.add<InitBarrierToLLVM, InvalBarrierToLLVM, BarrierExpectToLLVM, WaitBarrierToLLVM,
               ArriveBarrierToLLVM, AsyncTMACopyToLLVM, FenceAsyncSharedToLLVM,
               AsyncTMAStoreToLLVM, TMAStoreWaitToLLVM>(converter, patterns.getContext());
}
