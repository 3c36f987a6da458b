//===- RemoveLayoutConversions.cpp - choose layouts from the anchors ------===//
//
// Layout assignment and coalescing give every tile a layout and put a
// convert_layout wherever two disagree; each one that survives costs data
// movement between threads. This pass chooses every tile's layout again,
// forward from the anchors, so that conversions remain only where two
// anchors disagree:
//
//   anchors      loads, stores and atomics keep their coalesced layout; dots
//                their accumulator and operand layouts; other ops the pass
//                does not know keep theirs; shared-memory writes and TMA
//                stores take their source's;
//   derived      an elementwise op (and addptr, assume) takes the layout of its
//                operands (a dot's result wins over others when they differ);
//                join pairs its operands in one thread's registers, split
//                unpairs (its source moves to such a layout if needed); a
//                reduction the slice of its source's, expand_dims / trans / reshape the
//                source's seen through the new shape (no data moves), a
//                broadcast its source's;
//   loops        a loop-carried value takes the layout its yielded value has,
//                iterated to a fixed point, so an accumulator stays in the
//                layout of what is added to it; scf.if results take their
//                yields';
//   free values  ranges, splats, constants and elementwise trees of them have
//                no layout of their own: each is recomputed, next to its
//                definition, in the layout each user wants.
//
// Whatever is left undetermined takes the layout its users want, else the one
// it had. Then every operand whose layout differs from what its user needs
// gets one convert_layout.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "compiler/analysis/ReduceScan.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/MapVector.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUREMOVELAYOUTCONVERSIONS
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

RankedTensorType withLayout(Type type, Attribute layout) {
  auto tensor = cast<RankedTensorType>(type);
  return RankedTensorType::get(tensor.getShape(), tensor.getElementType(), layout);
}

bool isTile(Value v) { return isa<RankedTensorType>(v.getType()); }

DistributedLayoutAttr encodingOf(Value v) { return getDistributedLayout(v.getType()); }

bool isElementwise(Operation *op) {
  return isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) &&
         op->hasTrait<OpTrait::Elementwise>() && op->getNumResults() == 1;
}

/// Ops whose result takes the layout of their tile operands.
bool takesOperandLayout(Operation *op) {
  return isElementwise(op) || isa<tile::AddPtrOp, tile::AssumeOp>(op);
}

/// Ops whose result is a function of its tile operands' elements with no data movement
/// worth avoiding: a tree of them over ranges, splats and constants is free to recompute.
bool isRecomputable(Operation *op) {
  if (op->getNumResults() != 1 || !isTile(op->getResult(0)) || op->getNumRegions())
    return false;
  if (isa<tile::MakeRangeOp, tile::SplatOp, tile::BroadcastOp, tile::ExpandDimsOp,
          tile::TransOp, tile::ReshapeOp, ConvertLayoutOp>(op))
    return true;
  if (isa<arith::ConstantOp>(op))
    return true;
  return takesOperandLayout(op);
}

/// Where the layouts of the program come from, and what each operand needs.
class LayoutAssignment {
public:
  explicit LayoutAssignment(ModuleOp module) : module(module) {}

  void run() {
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isRecomputable(op) && llvm::all_of(op->getOperands(), [&](Value v) {
            return !isTile(v) || free.contains(v);
          }))
        free.insert(op->getResult(0));
    });
    for (auto func : module.getOps<func::FuncOp>())
      deriveRegion(func.getBody());
    finalizeUndetermined();
    rewrite();
  }

private:
  //===--------------------------------------------------------------------===//
  // Choosing layouts
  //===--------------------------------------------------------------------===//

  Attribute layoutOf(Value v) const {
    if (!isTile(v) || free.contains(v))
      return {};
    return layout.lookup(v);
  }

  void setLayout(Value v, Attribute attr, bool fromDot) {
    layout[v] = attr;
    if (fromDot)
      dotDerived.insert(v);
    else
      dotDerived.erase(v);
  }

  void require(OpOperand &operand, Attribute attr) {
    if (isTile(operand.get()))
      required[&operand] = attr;
  }

  /// What the users of `v` recorded they need, if any.
  Attribute demandOf(Value v) const {
    for (OpOperand &use : v.getUses())
      if (Attribute attr = required.lookup(&use))
        return attr;
    // Conversions are chosen again: what their users want is what `v`'s users want.
    for (Operation *user : v.getUsers())
      if (auto convert = dyn_cast<ConvertLayoutOp>(user))
        if (Attribute attr = demandOf(convert.getResult()))
          return attr;
    return {};
  }

  void deriveRegion(Region &region) {
    for (Block &block : region)
      for (Operation &op : block)
        deriveOp(&op);
  }

  /// The layout of a view op's source: its own when known, else the one it has now.
  DistributedLayoutAttr sourceLayout(Value src) const {
    if (Attribute attr = layoutOf(src))
      return cast<DistributedLayoutAttr>(attr);
    return encodingOf(src);
  }

  void deriveOp(Operation *op) {
    if (op->getNumResults() == 1 && free.contains(op->getResult(0)))
      return;
    if (auto loop = dyn_cast<scf::ForOp>(op))
      return deriveFor(loop);
    if (auto loop = dyn_cast<scf::WhileOp>(op))
      return deriveWhile(loop);
    if (auto branch = dyn_cast<scf::IfOp>(op))
      return deriveIf(branch);
    if (isa<scf::YieldOp, scf::ConditionOp>(op))
      return; // their parents decide
    bool hasTiles = llvm::any_of(op->getOperands(), isTile) ||
                    llvm::any_of(op->getResults(), isTile);
    if (!hasTiles) {
      for (Region &region : op->getRegions())
        deriveRegion(region);
      return;
    }

    if (auto store = dyn_cast<tile::StoreOp>(op))
      return anchorAll(op, encodingOf(store.getPtr()));
    if (auto atomic = dyn_cast<tile::AtomicRMWOp>(op))
      return anchorAll(op, encodingOf(atomic.getPtr()));
    if (auto load = dyn_cast<tile::LoadOp>(op))
      return anchorAll(op, encodingOf(load.getResult()));
    if (auto load = dyn_cast<tile::DescriptorLoadOp>(op)) // scalar operands: only the result
      return setLayout(load.getResult(), encodingOf(load.getResult()), false);
    if (auto dot = dyn_cast<tile::DotOp>(op)) {
      setLayout(dot.getResult(), encodingOf(dot.getResult()), /*fromDot=*/true);
      require(dot.getAMutable(), encodingOf(dot.getA()));
      require(dot.getBMutable(), encodingOf(dot.getB()));
      require(dot.getAccMutable(), encodingOf(dot.getResult()));
      return;
    }
    if (auto dot = dyn_cast<WarpGroupDotOp>(op)) {
      setLayout(dot.getResult(), encodingOf(dot.getResult()), /*fromDot=*/true);
      if (isTile(dot.getA())) // A in registers
        require(dot.getAMutable(), encodingOf(dot.getA()));
      require(dot.getAccMutable(), encodingOf(dot.getResult()));
      return;
    }
    if (isa<LocalAllocOp, LocalStoreOp, tile::DescriptorStoreOp>(op)) {
      // Shared-memory writes read their source in any layout (a descriptor store left here
      // is a TMA store, through a staging buffer).
      for (OpOperand &operand : op->getOpOperands())
        if (isTile(operand.get()))
          require(operand, sourceLayout(operand.get()));
      return;
    }
    if (auto convert = dyn_cast<ConvertLayoutOp>(op)) {
      // Conversions are chosen again: see through them.
      Attribute src = layoutOf(convert.getSrc());
      if (src) {
        setLayout(convert.getResult(), src, dotDerived.contains(convert.getSrc()));
        require(convert.getSrcMutable(), src);
      }
      return;
    }
    if (auto reduce = dyn_cast<tile::ReduceOp>(op)) {
      DistributedLayoutAttr src = sourceLayout(reduce.getSrc());
      auto srcType = cast<RankedTensorType>(reduce.getSrc().getType());
      if (!isSeparableAlong(src.toLinearLayout(srcType.getShape()), reduce.getAxis()))
        src = BlockedEncodingAttr::getDefault(op->getContext(), srcType.getShape(),
                                              getNumWarps(op));
      require(reduce.getSrcMutable(), src);
      if (isTile(reduce.getResult()))
        setLayout(reduce.getResult(),
                  SliceEncodingAttr::get(op->getContext(), reduce.getAxis(), src),
                  dotDerived.contains(reduce.getSrc()));
      return;
    }
    if (auto scan = dyn_cast<tile::ScanOp>(op)) {
      DistributedLayoutAttr src = sourceLayout(scan.getSrc());
      auto type = scan.getType();
      if (!planScan(src.toLinearLayout(type.getShape()), scan.getAxis()))
        src = BlockedEncodingAttr::getDefault(op->getContext(), type.getShape(), getNumWarps(op));
      require(scan.getSrcMutable(), src);
      setLayout(scan.getResult(), src, dotDerived.contains(scan.getSrc()));
      return;
    }
    if (auto trans = dyn_cast<tile::TransOp>(op))
      return deriveView(op, inferTransLayout(sourceLayout(trans.getSrc()),
                                             trans.getSrc().getType().getShape(),
                                             trans.getOrder()));
    if (auto reshape = dyn_cast<tile::ReshapeOp>(op))
      return deriveView(op, inferReshapeLayout(sourceLayout(reshape.getSrc()),
                                               reshape.getSrc().getType().getShape(),
                                               reshape.getType().getShape()));
    if (auto expand = dyn_cast<tile::ExpandDimsOp>(op))
      return deriveView(op, inferExpandDimsLayout(sourceLayout(expand.getSrc()),
                                                  expand.getSrc().getType().getShape(),
                                                  expand.getAxis()));
    if (auto broadcast = dyn_cast<tile::BroadcastOp>(op)) {
      DistributedLayoutAttr src = sourceLayout(broadcast.getSrc());
      if (!isShapeAgnostic(src))
        src = BlockedEncodingAttr::getDefault(op->getContext(), broadcast.getType().getShape(),
                                              getNumWarps(op));
      require(broadcast.getSrcMutable(), src);
      setLayout(broadcast.getResult(), src, dotDerived.contains(broadcast.getSrc()));
      return;
    }
    if (auto join = dyn_cast<tile::JoinOp>(op)) {
      // Both halves in one layout, paired in one thread's registers: no data moves.
      Attribute chosen = layoutOf(join.getLhs());
      if (!chosen)
        chosen = layoutOf(join.getRhs());
      auto src = chosen ? cast<DistributedLayoutAttr>(chosen) : encodingOf(join.getLhs());
      require(join.getLhsMutable(), src);
      require(join.getRhsMutable(), src);
      setLayout(join.getResult(),
                inferJoinLayout(src, cast<RankedTensorType>(join.getLhs().getType()).getShape()),
                false);
      return;
    }
    if (auto split = dyn_cast<tile::SplitOp>(op)) {
      // The source as it is when one thread holds each pair, else paired as join pairs.
      DistributedLayoutAttr src = sourceLayout(split.getSrc());
      auto halfShape = cast<RankedTensorType>(split.getLhs().getType()).getShape();
      DistributedLayoutAttr half =
          inferSplitLayout(src, cast<RankedTensorType>(split.getSrc().getType()).getShape());
      if (!half) {
        half = encodingOf(split.getLhs());
        src = inferJoinLayout(half, halfShape);
      }
      require(split.getSrcMutable(), src);
      setLayout(split.getLhs(), half, false);
      setLayout(split.getRhs(), half, false);
      return;
    }
    if (takesOperandLayout(op)) {
      // The layout of the operands that have one; a dot's result over others.
      Attribute chosen;
      bool fromDot = false;
      for (Value v : op->getOperands())
        if (Attribute attr = layoutOf(v)) {
          bool dot = dotDerived.contains(v);
          if (!chosen || (dot && !fromDot)) {
            chosen = attr;
            fromDot = dot;
          }
        }
      if (!chosen)
        return; // undetermined for now: finalizeUndetermined() decides
      setLayout(op->getResult(0), chosen, fromDot);
      for (OpOperand &operand : op->getOpOperands())
        require(operand, chosen);
      return;
    }
    // Anything else keeps its layouts.
    for (Value result : op->getResults())
      if (isTile(result))
        setLayout(result, encodingOf(result), false);
    for (OpOperand &operand : op->getOpOperands())
      if (isTile(operand.get()))
        require(operand, encodingOf(operand.get()));
    for (Region &region : op->getRegions())
      deriveRegion(region);
  }

  /// Memory ops: one layout for every tile operand and result.
  void anchorAll(Operation *op, Attribute attr) {
    for (OpOperand &operand : op->getOpOperands())
      require(operand, attr);
    for (Value result : op->getResults())
      if (isTile(result))
        setLayout(result, attr, false);
  }

  void deriveView(Operation *op, DistributedLayoutAttr result) {
    Value src = op->getOperand(0);
    require(op->getOpOperand(0), sourceLayout(src));
    setLayout(op->getResult(0), result, dotDerived.contains(src));
  }

  /// Loop bodies are derived again until their carried layouts settle; a few rounds are
  /// plenty (each round can only pass a layout one step further around the loop).
  static constexpr int kMaxLoopRounds = 4;

  void deriveFor(scf::ForOp loop) {
    auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
    SmallVector<Attribute> carried;
    for (Value init : loop.getInitArgs())
      carried.push_back(layoutOf(init));
    auto body = [&](ArrayRef<Attribute> attrs) {
      for (auto [arg, attr, init] : llvm::zip(loop.getRegionIterArgs(), attrs, loop.getInitArgs()))
        assignCarried(arg, attr, init);
      deriveRegion(loop.getRegion());
    };
    carried = iterate(carried, body, [&](ArrayRef<Attribute> attrs) {
      return nextCarried(loop.getRegionIterArgs(), yield.getOperands(), attrs);
    }, loop.getRegionIterArgs());
    for (auto [i, attr] : llvm::enumerate(carried)) {
      if (!attr)
        continue;
      require(loop.getInitArgsMutable()[i], attr);
      require(yield->getOpOperand(i), attr);
      setLayout(loop.getResult(i), attr, dotDerived.contains(loop.getRegionIterArgs()[i]));
    }
  }

  void deriveWhile(scf::WhileOp loop) {
    auto condition = loop.getConditionOp();
    auto yield = cast<scf::YieldOp>(loop.getAfterBody()->getTerminator());
    SmallVector<Attribute> before, after;
    for (Value init : loop.getInits())
      before.push_back(layoutOf(init));
    auto deriveAfter = [&] {
      for (auto [arg, attr] : llvm::zip(loop.getAfterArguments(), after))
        assignCarried(arg, attr, Value());
      deriveRegion(loop.getAfter());
    };
    // One round: `before` with the given layouts, then `after` with what the condition
    // passes on (or what its arguments' users want); what is still open stays free of
    // constraints, so that a value the first round knows nothing of (a constant initial
    // accumulator) takes the layout its loop body gives it.
    auto body = [&](ArrayRef<Attribute> attrs) {
      for (auto [arg, attr, init] : llvm::zip(loop.getBeforeArguments(), attrs, loop.getInits()))
        assignCarried(arg, attr, init);
      deriveRegion(loop.getBefore());
      after = nextCarried(loop.getAfterArguments(), condition.getArgs(),
                          SmallVector<Attribute>(loop.getAfterArguments().size()));
      deriveAfter();
    };
    before = iterate(before, body, [&](ArrayRef<Attribute> attrs) {
      return nextCarried(loop.getBeforeArguments(), yield.getOperands(), attrs);
    }, loop.getBeforeArguments());
    // `after` tiles nobody determined take the layout they have.
    bool filled = false;
    for (auto [arg, attr] : llvm::zip(loop.getAfterArguments(), after))
      if (isTile(arg) && !attr) {
        attr = encodingOf(arg);
        filled = true;
      }
    if (filled)
      deriveAfter();
    for (auto [i, attr] : llvm::enumerate(before))
      if (attr) {
        require(loop.getInitsMutable()[i], attr);
        require(yield->getOpOperand(i), attr);
      }
    for (auto [i, attr] : llvm::enumerate(after))
      if (attr) {
        require(condition.getArgsMutable()[i], attr);
        setLayout(loop.getResult(i), attr, false);
      }
  }

  /// Runs a loop's `body` with the carried values' layouts until what it yields (`next`)
  /// matches what it was given, or a few rounds pass (then conversions at the yield keep it
  /// right). Carried tiles nobody determined take the layout they have. The body is always
  /// last derived with the layouts returned.
  SmallVector<Attribute> iterate(SmallVector<Attribute> carried,
                                 function_ref<void(ArrayRef<Attribute>)> body,
                                 function_ref<SmallVector<Attribute>(ArrayRef<Attribute>)> next,
                                 ValueRange args) {
    for (int round = 0;; ++round) {
      body(carried);
      SmallVector<Attribute> following = next(carried);
      if (following == carried)
        break;
      carried = following;
      if (round + 1 == kMaxLoopRounds) {
        body(carried);
        break;
      }
    }
    bool filled = false;
    for (auto [arg, attr] : llvm::zip(args, carried))
      if (isTile(arg) && !attr) {
        attr = encodingOf(arg);
        filled = true;
      }
    if (filled)
      body(carried);
    return carried;
  }

  void deriveIf(scf::IfOp branch) {
    deriveRegion(branch.getThenRegion());
    deriveRegion(branch.getElseRegion());
    if (branch.getNumResults() == 0)
      return;
    auto thenYield = branch.thenYield(), elseYield = branch.elseYield();
    for (auto [i, result] : llvm::enumerate(branch.getResults())) {
      if (!isTile(result))
        continue;
      Attribute attr = layoutOf(thenYield.getOperand(i));
      if (!attr)
        attr = layoutOf(elseYield.getOperand(i));
      if (!attr)
        attr = encodingOf(result);
      setLayout(result, attr, dotDerived.contains(thenYield.getOperand(i)));
      require(thenYield->getOpOperand(i), attr);
      require(elseYield->getOpOperand(i), attr);
    }
  }

  /// A carried block argument's layout for the next round: known, or (first round) what its
  /// initial value has; unknown arguments stay free of constraints.
  void assignCarried(BlockArgument arg, Attribute attr, Value init) {
    if (!isTile(arg))
      return;
    if (attr)
      setLayout(arg, attr, dotDerived.contains(init));
    else
      layout.erase(arg);
  }

  /// The layouts carried into the next round: what is yielded, else what was carried, else
  /// what the argument's users want.
  SmallVector<Attribute> nextCarried(ValueRange args, ValueRange yielded,
                                     ArrayRef<Attribute> carried) {
    SmallVector<Attribute> next;
    for (auto [arg, value, attr] : llvm::zip(args, yielded, carried)) {
      if (!isTile(arg)) {
        next.push_back({});
        continue;
      }
      Attribute chosen = layoutOf(value);
      if (chosen && dotDerived.contains(value))
        dotDerived.insert(arg);
      if (!chosen)
        chosen = attr;
      if (!chosen)
        chosen = demandOf(arg);
      next.push_back(chosen);
    }
    return next;
  }

  /// Values no anchor reached: the layout their users want, else the one they have; ops
  /// that were waiting for them then require it of their operands.
  void finalizeUndetermined() {
    SmallVector<Value> pending;
    module.walk([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            if (isTile(arg) && !layout.count(arg))
              pending.push_back(arg);
      for (Value result : op->getResults())
        if (isTile(result) && !free.contains(result) && !layout.count(result))
          pending.push_back(result);
    });
    for (Value v : llvm::reverse(pending)) {
      Attribute attr = demandOf(v);
      if (!attr)
        attr = encodingOf(v);
      layout[v] = attr;
      if (Operation *def = v.getDefiningOp())
        if (takesOperandLayout(def))
          for (OpOperand &operand : def->getOpOperands())
            if (isTile(operand.get()) && !required.count(&operand))
              require(operand, attr);
    }
  }

  //===--------------------------------------------------------------------===//
  // Rewriting
  //===--------------------------------------------------------------------===//

  void rewrite() {
    for (auto [value, attr] : layout)
      value.setType(withLayout(value.getType(), attr));
    SmallVector<std::pair<OpOperand *, Attribute>> operands(required.begin(), required.end());
    for (auto [operand, attr] : operands) {
      Value v = operand->get();
      if (free.contains(v)) {
        operand->set(recompute(v, cast<DistributedLayoutAttr>(attr)));
        continue;
      }
      if (encodingOf(v) == attr)
        continue;
      OpBuilder builder(operand->getOwner());
      operand->set(ConvertLayoutOp::create(builder, operand->getOwner()->getLoc(),
                                           withLayout(v.getType(), attr), v));
    }
    // The free originals are dead now (every use took a recomputed copy).
    SmallVector<Operation *> dead;
    module.walk([&](Operation *op) {
      if (op->getNumResults() == 1 && free.contains(op->getResult(0)))
        dead.push_back(op);
    });
    for (Operation *op : llvm::reverse(dead))
      if (op->use_empty())
        op->erase();
  }

  /// `v` (free) computed in `attr`, next to its definition; once per layout.
  Value recompute(Value v, DistributedLayoutAttr attr) {
    auto key = std::make_pair(v, Attribute(attr));
    if (Value done = recomputed.lookup(key))
      return done;
    Operation *def = v.getDefiningOp();
    if (auto convert = dyn_cast<ConvertLayoutOp>(def))
      return recomputed[key] = recompute(convert.getSrc(), attr);
    auto type = cast<RankedTensorType>(v.getType());
    IRMapping mapping;
    for (Value operand : def->getOperands())
      if (isTile(operand))
        mapping.map(operand, recompute(operand, operandLayout(def, operand, attr)));
    OpBuilder builder(def->getContext());
    builder.setInsertionPointAfter(def);
    Operation *clone = builder.clone(*def, mapping);
    RankedTensorType newType = withLayout(type, attr);
    clone->getResult(0).setType(newType);
    if (auto cst = dyn_cast<arith::ConstantOp>(clone))
      if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue()))
        cst.setValueAttr(dense.isSplat() ? dense.resizeSplat(newType) : dense.reshape(newType));
    return recomputed[key] = clone->getResult(0);
  }

  /// The layout a free op's tile operand needs for the op's result to have `result`.
  DistributedLayoutAttr operandLayout(Operation *op, Value operand,
                                      DistributedLayoutAttr result) {
    auto resultShape = cast<RankedTensorType>(op->getResult(0).getType()).getShape();
    auto operandShape = cast<RankedTensorType>(operand.getType()).getShape();
    if (auto trans = dyn_cast<tile::TransOp>(op))
      return inferTransSourceLayout(result, resultShape, trans.getOrder());
    if (isa<tile::ReshapeOp>(op))
      return inferReshapeLayout(result, resultShape, operandShape);
    if (auto expand = dyn_cast<tile::ExpandDimsOp>(op))
      return inferExpandDimsSourceLayout(result, resultShape, expand.getAxis());
    if (isa<tile::BroadcastOp>(op))
      return inferBroadcastSourceLayout(result, resultShape, operandShape);
    return result; // elementwise, addptr
  }

  ModuleOp module;
  DenseSet<Value> free;
  DenseSet<Value> dotDerived;
  DenseMap<Value, Attribute> layout;
  llvm::MapVector<OpOperand *, Attribute> required;
  DenseMap<std::pair<Value, Attribute>, Value> recomputed;
};

struct RemoveLayoutConversionsPass
    : lacc::impl::TileGPURemoveLayoutConversionsBase<RemoveLayoutConversionsPass> {
  void runOnOperation() override {
    LayoutAssignment(getOperation()).run();
    // Identity conversions and chains fold away.
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    ConvertLayoutOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
