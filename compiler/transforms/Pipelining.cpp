//===- Pipelining.cpp - pieces the loop pipeliners share ------------------===//

#include "compiler/transforms/Pipelining.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

SmallVector<Operation *> lacc::addressSlice(scf::ForOp loop, ArrayRef<Value> roots,
                                      llvm::SetVector<unsigned> &carried) {
  Block *body = loop.getBody();
  auto yield = cast<scf::YieldOp>(body->getTerminator());
  llvm::SetVector<Operation *> ops;
  SmallVector<Value> work(roots.begin(), roots.end());
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() == body && arg != loop.getInductionVar()) {
        unsigned i = arg.getArgNumber() - 1;
        if (carried.insert(i))
          work.push_back(yield.getOperand(i));
      }
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != body || !ops.insert(def))
      continue;
    llvm::append_range(work, def->getOperands());
  }
  SmallVector<Operation *> sorted = ops.takeVector();
  llvm::sort(sorted, [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  return sorted;
}

bool lacc::isAsyncCandidate(scf::ForOp loop, WarpGroupDotOp dot, ArrayRef<Operation *> staged) {
  auto acc = dyn_cast<BlockArgument>(dot.getAcc());
  if (!acc || acc.getOwner() != loop.getBody() || acc == loop.getInductionVar() ||
      !dot->hasOneUse())
    return false;
  auto yield = dyn_cast<scf::YieldOp>(*dot->getUsers().begin());
  if (!yield || yield != loop.getBody()->getTerminator() ||
      yield.getOperand(acc.getArgNumber() - 1) != dot.getResult() ||
      llvm::count(yield.getOperands(), dot.getResult()) != 1 || !acc.hasOneUse())
    return false;
  // wgmma reads a register A until the wait: nothing would keep its registers.
  if (isa<RankedTensorType>(dot.getA().getType()))
    return false;
  for (Value operand : {Value(dot.getA()), Value(dot.getB())}) {
    Operation *def = operand.getDefiningOp();
    if (def && llvm::is_contained(staged, def))
      continue;
    if (loop->isAncestor(operand.getParentRegion()->getParentOp()))
      return false;
    bool writtenInLoop = llvm::any_of(operand.getUsers(), [&](Operation *user) {
      return loop->isAncestor(user) && isa<LocalStoreOp, AsyncCopyGlobalToLocalOp>(user);
    });
    if (writtenInLoop)
      return false;
  }
  return true;
}

MemDescType lacc::ringType(MemDescType slot, int64_t slots) {
  MLIRContext *ctx = slot.getContext();
  SharedEncodingAttr enc = slot.getEncoding();
  SmallVector<unsigned> order;
  for (unsigned d : enc.getOrder())
    order.push_back(d + 1);
  order.push_back(0);
  SmallVector<int64_t> shape = {slots};
  llvm::append_range(shape, slot.getShape());
  return MemDescType::get(ctx, shape, slot.getElementType(),
                          SharedEncodingAttr::get(ctx, enc.getVec(), enc.getPerPhase(),
                                                 enc.getMaxPhase(), order, enc.getChunk()));
}

SmallVector<WarpGroupDotWaitOp> lacc::leaveInFlight(RewriterBase &rewriter, scf::ForOp loop,
                                                    ArrayRef<WarpGroupDotOp> dots) {
  SmallVector<WarpGroupDotWaitOp> waits;
  for (WarpGroupDotOp dot : dots) {
    unsigned index = cast<BlockArgument>(dot.getAcc()).getArgNumber() - 1;
    dot.setAsync(true);
    rewriter.setInsertionPointAfter(dot);
    auto inFlight = WarpGroupDotWaitOp::create(rewriter, dot.getLoc(), dot.getType(),
                                               dot.getResult(), uint32_t(1));
    rewriter.replaceAllUsesExcept(dot.getResult(), inFlight.getResult(), inFlight);
    waits.push_back(inFlight);
    rewriter.setInsertionPointAfter(loop);
    Value sum = loop.getResult(index);
    auto done = WarpGroupDotWaitOp::create(rewriter, dot.getLoc(), sum.getType(), sum,
                                           uint32_t(0));
    rewriter.replaceAllUsesExcept(sum, done.getResult(), done);
  }
  return waits;
}
