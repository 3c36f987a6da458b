//===- AtomicOpToLLVM.cpp - atomics and barriers --------------------------===//
//
// Every atomic carries its ordering (`sem`) and scope as PTX qualifiers:
//
//   sem    relaxed    acquire   release   acq_rel       scope  cta     gpu      sys
//   PTX    .relaxed   .acquire  .release  .acq_rel      PTX    .cta    .gpu     .sys
//   LLVM   monotonic  acquire   release   acq_rel       LLVM   "block" "device" (system)
//
// How each atomic becomes PTX:
//   - A read-modify-write that PTX has (integer add/max/min/xchg, f32/f64
//     add, f16 add, bf16 add from sm_90, float xchg on the bits) is inline
//     PTX `atom.<sem>.<scope>.global.<op>.<type>`: LLVM 22's NVPTX back end
//     prints an atomicrmw as a plain `atom` (relaxed, gpu scope), dropping
//     both its ordering and its scope.
//   - Compare-and-swap is LLVM's cmpxchg, which the back end prints with both
//     (`atom.acq_rel.gpu.global.cas.b32`); floats compare their bits. The
//     failure ordering is the acquire half of `sem`.
//   - Float max/min (llvm.maximum/minimum: NaN propagates, -0 < +0, as the
//     interpreter) and bf16 add before sm_90 have no instruction: they are
//     LLVM atomicrmw fmaximum/fminimum/fadd, which LLVM's AtomicExpand turns
//     into a cmpxchg loop that keeps the ordering and scope. The bf16 loop adds
//     in f32 and rounds to bf16, which is the exactly rounded sum except when
//     the f32 sum itself was rounded onto a bf16 tie (operands 2^16 apart).
//
// A tile atomic updates each element once, in the thread that owns it
// (replicas skip it and hold undef). An atomic through a scalar pointer is one
// update for the whole program, made by thread 0: with release semantics
// after a barrier, so that every thread's earlier accesses come first (a lock
// release after stores); when its result is used, thread 0 writes it to
// scratch and every thread reads it after a second barrier, which also orders
// every thread's later accesses after an acquire (a lock taken by a spin
// loop that every thread runs). The shared-memory plan (getScratchBytes)
// reserves the word and the barrier analysis knows both barriers.
//
// tile.barrier (debug_barrier()) is bar.sync 0, which orders the memory
// accesses of the CTA's threads around it.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

namespace {

StringRef ptxSemantic(tile::MemSemantic sem) {
  switch (sem) {
  case tile::MemSemantic::Relaxed: return "relaxed";
  case tile::MemSemantic::Acquire: return "acquire";
  case tile::MemSemantic::Release: return "release";
  case tile::MemSemantic::AcqRel: return "acq_rel";
  }
  llvm_unreachable("unknown memory semantic");
}

StringRef ptxScope(tile::MemScope scope) {
  switch (scope) {
  case tile::MemScope::Cta: return "cta";
  case tile::MemScope::Gpu: return "gpu";
  case tile::MemScope::Sys: return "sys";
  }
  llvm_unreachable("unknown memory scope");
}

LLVM::AtomicOrdering llvmOrdering(tile::MemSemantic sem) {
  switch (sem) {
  case tile::MemSemantic::Relaxed: return LLVM::AtomicOrdering::monotonic;
  case tile::MemSemantic::Acquire: return LLVM::AtomicOrdering::acquire;
  case tile::MemSemantic::Release: return LLVM::AtomicOrdering::release;
  case tile::MemSemantic::AcqRel: return LLVM::AtomicOrdering::acq_rel;
  }
  llvm_unreachable("unknown memory semantic");
}

/// What a cmpxchg that does not store may promise: the acquire half of `sem`.
LLVM::AtomicOrdering llvmFailureOrdering(tile::MemSemantic sem) {
  bool acquires = sem == tile::MemSemantic::Acquire || sem == tile::MemSemantic::AcqRel;
  return acquires ? LLVM::AtomicOrdering::acquire : LLVM::AtomicOrdering::monotonic;
}

StringRef llvmSyncScope(tile::MemScope scope) {
  switch (scope) {
  case tile::MemScope::Cta: return "block";
  case tile::MemScope::Gpu: return "device";
  case tile::MemScope::Sys: return ""; // LLVM's default, the system
  }
  llvm_unreachable("unknown memory scope");
}

/// The ordering and scope of one atomic.
struct Ordering {
  tile::MemSemantic sem;
  tile::MemScope scope;
};

/// Lowers an atomic whose element i is updated by `update(ptr, i)`: per owned element of a
/// tile, or once for the whole program through a scalar pointer (see the file comment).
LogicalResult lowerAtomic(Operation *op, ValueRange ptrs, ValueRange masks, Type element,
                          ConversionPatternRewriter &rewriter,
                          function_ref<Value(Value ptr, unsigned i)> update) {
  Location loc = op->getLoc();
  Emitter e(rewriter, loc);
  auto skipped = [&]() -> SmallVector<Value> { return {e.undef(element)}; };
  Value ptr = op->getOperand(0);
  if (isa<RankedTensorType>(ptr.getType())) {
    SmallVector<Value> preds = emitWritePredicates(e, ptr, masks);
    SmallVector<Value> results;
    for (auto [i, p] : llvm::enumerate(ptrs)) {
      auto updateElement = [&, i = i, p = p]() -> SmallVector<Value> { return {update(p, i)}; };
      results.push_back(emitPredicated(rewriter, loc, preds[i], element, updateElement, skipped)[0]);
    }
    rewriter.replaceOpWithMultiple(op, {results});
    return success();
  }

  bool broadcast = broadcastsAtomicResult(op);
  if (broadcast && getSharedOffset(op) < 0)
    return op->emitError("internal compiler error: no shared memory was planned for the result "
                         "of this atomic (run tilegpu-allocate-shared-memory first)");
  if (startsWithBarrier(op))
    e.barrier();
  Value scratch = broadcast ? e.sharedBase(op) : Value();
  Value mask = masks.empty() ? Value() : masks[0];
  auto updateOnce = [&]() -> SmallVector<Value> {
    // A masked-off atomic yields 0, as in the interpreter.
    Value old = emitPredicated(
        rewriter, loc, mask, element, [&]() -> SmallVector<Value> { return {update(ptrs[0], 0)}; },
        [&]() -> SmallVector<Value> { return {e.zero(element)}; })[0];
    if (broadcast)
      e.storeShared(scratch, {old});
    return {old};
  };
  Value isFirstThread = e.icmp(LLVM::ICmpPredicate::eq, e.threadId(), e.i32(0));
  Value result = emitPredicated(rewriter, loc, isFirstThread, element, updateOnce, skipped)[0];
  if (broadcast) {
    e.barrier();
    result = e.loadShared(scratch, element, 1)[0];
  }
  rewriter.replaceOpWithMultiple(op, {{result}});
  return success();
}

/// `atom.<sem>.<scope>.global.<op>.<type> d, [ptr], val` as inline PTX; `type` names the PTX
/// type and `constraint` the register class of d and val (whose LLVM type `val` has).
Value emitInlineAtom(OpBuilder &b, Location loc, Ordering ordering, StringRef op, StringRef type,
                     StringRef constraint, Value ptr, Value val) {
  std::string ptx = ("atom." + ptxSemantic(ordering.sem) + "." + ptxScope(ordering.scope) +
                     ".global." + op + "." + type + " $0, [$1], $2;")
                        .str();
  // The memory clobber keeps LLVM from moving other accesses across an ordered atomic.
  std::string constraints = ("=" + constraint + ",l," + constraint + ",~{memory}").str();
  return LLVM::InlineAsmOp::create(b, loc, val.getType(), ValueRange{ptr, val}, ptx, constraints,
                                   /*has_side_effects=*/true, /*is_align_stack=*/false,
                                   LLVM::tailcallkind::TailCallKind::None,
                                   LLVM::AsmDialectAttr::get(b.getContext(),
                                                             LLVM::AsmDialect::AD_ATT),
                                   ArrayAttr())
      .getResult(0);
}

Value bitcast(OpBuilder &b, Location loc, Type type, Value v) {
  return v.getType() == type ? v : LLVM::BitcastOp::create(b, loc, type, v).getResult();
}

/// One element's read-modify-write (see the file comment for which form each takes).
Value emitReadModifyWrite(OpBuilder &b, Location loc, tile::AtomicKind kind, Ordering ordering,
                          unsigned computeCapability, Value ptr, Value val) {
  Type type = val.getType();
  unsigned bits = type.getIntOrFloatBitWidth();
  bool isFloat = isa<FloatType>(type);
  auto llvmAtomic = [&](LLVM::AtomicBinOp binOp) -> Value {
    return LLVM::AtomicRMWOp::create(b, loc, binOp, ptr, val, llvmOrdering(ordering.sem),
                                     llvmSyncScope(ordering.scope));
  };
  if (isFloat && kind == tile::AtomicKind::Max)
    return llvmAtomic(LLVM::AtomicBinOp::fmaximum);
  if (isFloat && kind == tile::AtomicKind::Min)
    return llvmAtomic(LLVM::AtomicBinOp::fminimum);
  if (type.isBF16() && computeCapability < 90)
    return llvmAtomic(LLVM::AtomicBinOp::fadd);

  std::string bitsName = std::to_string(bits);
  StringRef intConstraint = bits == 64 ? "l" : bits == 32 ? "r" : "h";
  switch (kind) {
  case tile::AtomicKind::Exchange: {
    Type intType = b.getIntegerType(bits);
    Value old = emitInlineAtom(b, loc, ordering, "exch", "b" + bitsName, intConstraint, ptr,
                               bitcast(b, loc, intType, val));
    return bitcast(b, loc, type, old);
  }
  case tile::AtomicKind::Max:
  case tile::AtomicKind::Min:
    return emitInlineAtom(b, loc, ordering, kind == tile::AtomicKind::Max ? "max" : "min",
                          "s" + bitsName, intConstraint, ptr, val);
  case tile::AtomicKind::Add:
    if (!isFloat)
      return emitInlineAtom(b, loc, ordering, "add", "u" + bitsName, intConstraint, ptr, val);
    if (bits == 16) { // f16, or bf16 from sm_90; in 16-bit integer registers
      Type i16 = b.getI16Type();
      Value old = emitInlineAtom(b, loc, ordering, "add.noftz", type.isBF16() ? "bf16" : "f16",
                                 "h", ptr, bitcast(b, loc, i16, val));
      return bitcast(b, loc, type, old);
    }
    return emitInlineAtom(b, loc, ordering, "add", "f" + bitsName, bits == 64 ? "d" : "f", ptr,
                          val);
  }
  llvm_unreachable("unknown atomic kind");
}

unsigned computeCapabilityOf(Operation *op) {
  TargetAttr target = getTarget(op);
  return target ? target.getComputeCapability() : 80;
}

struct AtomicRMWToLLVM : OpConversionPattern<tile::AtomicRMWOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AtomicRMWOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    ValueRange values = adaptor.getValue();
    Type element = values[0].getType();
    Ordering ordering{op.getSem(), op.getScope()};
    unsigned cc = computeCapabilityOf(op);
    return lowerAtomic(op, adaptor.getPtr(), op.getMask() ? adaptor.getMask() : ValueRange(),
                       element, rewriter, [&](Value ptr, unsigned i) {
                         return emitReadModifyWrite(rewriter, op.getLoc(), op.getKind(), ordering,
                                                    cc, ptr, values[i]);
                       });
  }
};

struct AtomicCASToLLVM : OpConversionPattern<tile::AtomicCASOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AtomicCASOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    ValueRange cmps = adaptor.getCmp(), vals = adaptor.getVal();
    Type element = vals[0].getType();
    Type intType = rewriter.getIntegerType(element.getIntOrFloatBitWidth());
    return lowerAtomic(op, adaptor.getPtr(), ValueRange(), element, rewriter,
                       [&](Value ptr, unsigned i) -> Value {
                         auto cas = LLVM::AtomicCmpXchgOp::create(
                             rewriter, loc, ptr, bitcast(rewriter, loc, intType, cmps[i]),
                             bitcast(rewriter, loc, intType, vals[i]), llvmOrdering(op.getSem()),
                             llvmFailureOrdering(op.getSem()), llvmSyncScope(op.getScope()));
                         Value old = LLVM::ExtractValueOp::create(rewriter, loc, cas, 0);
                         return bitcast(rewriter, loc, element, old);
                       });
  }
};

struct BarrierToLLVM : OpConversionPattern<tile::BarrierOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::BarrierOp op, OpAdaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Emitter(rewriter, op.getLoc()).barrier();
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void lacc::conversion::populateAtomicOpToLLVMPatterns(TileTypeConverter &converter,
                                                     RewritePatternSet &patterns) {
  patterns.add<AtomicRMWToLLVM, AtomicCASToLLVM, BarrierToLLVM>(converter,
                                                                 patterns.getContext());
}
