//===- AxisInfo.cpp - contiguity, divisibility, constancy -----------------===//
//
// One forward walk in program order, so every operand is seen before its
// users. Loop-carried values are taken as unknown rather than iterated to a
// fixed point: the addresses that matter for vectorization are recomputed
// from the induction variable and kernel arguments inside the loop, which
// the walk does see.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/AxisInfo.h"
#include "compiler/transforms/Passes.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

#include <numeric>

namespace lacc {
#define GEN_PASS_DEF_TILEGPUPRINTAXISINFO
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;

static constexpr int64_t kMaxDivisibility = int64_t(1) << 30;

static int64_t highestPowerOfTwoFactor(int64_t x) {
  if (x == 0)
    return kMaxDivisibility;
  return std::min<int64_t>(x & -x, kMaxDivisibility);
}

static int64_t gcd(int64_t a, int64_t b) { return std::gcd(a, b); }

static unsigned rankOf(Value v) {
  if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
    return tensor.getRank();
  return 1;
}

static SmallVector<int64_t> shapeOf(Value v) {
  if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
    return SmallVector<int64_t>(tensor.getShape());
  return {1};
}

AxisInfo AxisInfo::unknown(unsigned rank) {
  AxisInfo info;
  info.contiguity.assign(rank, 1);
  info.divisibility.assign(rank, 1);
  info.constancy.assign(rank, 1);
  return info;
}

static AxisInfo constantInfo(int64_t value, ArrayRef<int64_t> shape) {
  AxisInfo info = AxisInfo::unknown(shape.size());
  info.divisibility.assign(shape.size(), highestPowerOfTwoFactor(value));
  info.constancy.assign(shape.begin(), shape.end());
  info.constant = value;
  return info;
}

static int64_t elementBytes(Type ptrLike) {
  Type pointee = getElementTypeOrSelf(tile::getPointeeType(ptrLike));
  return std::max<int64_t>(1, pointee.getIntOrFloatBitWidth() / 8);
}

namespace {
class Walker {
public:
  explicit Walker(DenseMap<Value, AxisInfo> &infos) : infos(infos) {}

  AxisInfo get(Value v) {
    auto it = infos.find(v);
    return it != infos.end() ? it->second : AxisInfo::unknown(rankOf(v));
  }

  void visitArgument(BlockArgument arg) {
    AxisInfo info = AxisInfo::unknown(rankOf(arg));
    if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
      if (auto div = func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), kDivisibilityAttrName))
        info.divisibility.assign(info.getRank(), div.getInt());
    infos[arg] = info;
  }

  void visitFor(scf::ForOp loop) {
    // The induction variable is lb + k*step: divisible by what both are divisible by.
    AxisInfo iv = AxisInfo::unknown(1);
    iv.divisibility[0] = gcd(get(loop.getLowerBound()).divisibility[0],
                             get(loop.getStep()).divisibility[0]);
    infos[loop.getInductionVar()] = iv;
  }

  void visit(Operation *op) {
    if (op->getNumResults() != 1)
      return;
    Value result = op->getResult(0);
    Type elt = getElementTypeOrSelf(result.getType());
    if (!elt.isIntOrIndex() && !isa<tile::PointerType>(elt))
      return;
    if (std::optional<AxisInfo> info = compute(op, result))
      infos[result] = *info;
  }

private:
  std::optional<AxisInfo> compute(Operation *op, Value result) {
    SmallVector<int64_t> shape = shapeOf(result);
    unsigned rank = shape.size();

    APInt intValue;
    if (matchPattern(result, m_ConstantInt(&intValue)))
      return constantInfo(intValue.getSExtValue(), shape);
    if (auto range = dyn_cast<tile::MakeRangeOp>(op)) {
      AxisInfo info = AxisInfo::unknown(1);
      info.contiguity[0] = shape[0];
      info.divisibility[0] = highestPowerOfTwoFactor(range.getStart());
      return info;
    }
    if (auto splat = dyn_cast<tile::SplatOp>(op)) {
      AxisInfo src = get(splat.getSrc()), info = AxisInfo::unknown(rank);
      info.divisibility.assign(rank, src.divisibility[0]);
      info.constancy.assign(shape.begin(), shape.end());
      info.constant = src.constant;
      return info;
    }
    if (auto broadcast = dyn_cast<tile::BroadcastOp>(op)) {
      AxisInfo info = get(broadcast.getSrc());
      SmallVector<int64_t> srcShape = shapeOf(broadcast.getSrc());
      for (unsigned d = 0; d < rank; ++d)
        if (srcShape[d] == 1 && shape[d] != 1) {
          info.contiguity[d] = 1;
          info.constancy[d] = shape[d];
        }
      return info;
    }
    if (auto expand = dyn_cast<tile::ExpandDimsOp>(op)) {
      AxisInfo info = get(expand.getSrc());
      // Along the new size-1 dimension each element is its own run: what divides every
      // element, which is nothing more than 1 where the source is contiguous.
      int64_t div = info.constant ? highestPowerOfTwoFactor(*info.constant) : kMaxDivisibility;
      for (unsigned d = 0; d < info.getRank(); ++d)
        div = gcd(div, info.contiguity[d] > 1 ? 1 : info.divisibility[d]);
      unsigned axis = expand.getAxis();
      info.contiguity.insert(info.contiguity.begin() + axis, 1);
      info.divisibility.insert(info.divisibility.begin() + axis, div);
      info.constancy.insert(info.constancy.begin() + axis, 1);
      return info;
    }
    if (isa<arith::ExtSIOp, arith::ExtUIOp, arith::TruncIOp, arith::IndexCastOp,
            tilegpu::ConvertLayoutOp>(op))
      return get(op->getOperand(0));
    if (auto addptr = dyn_cast<tile::AddPtrOp>(op))
      return add(get(addptr.getPtr()), get(addptr.getOffset()), elementBytes(result.getType()));
    if (isa<arith::AddIOp>(op))
      return add(get(op->getOperand(0)), get(op->getOperand(1)), 1);
    if (isa<arith::SubIOp>(op)) {
      AxisInfo l = get(op->getOperand(0)), r = get(op->getOperand(1)), info = AxisInfo::unknown(rank);
      for (unsigned d = 0; d < rank; ++d) {
        info.contiguity[d] = gcd(l.contiguity[d], r.constancy[d]);
        info.divisibility[d] = gcd(l.divisibility[d], r.divisibility[d]);
        info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
      }
      if (l.constant && r.constant)
        info.constant = *l.constant - *r.constant;
      return info;
    }
    if (isa<arith::MulIOp>(op)) {
      AxisInfo l = get(op->getOperand(0)), r = get(op->getOperand(1)), info = AxisInfo::unknown(rank);
      for (unsigned d = 0; d < rank; ++d) {
        info.contiguity[d] = r.constant == 1 ? l.contiguity[d] : l.constant == 1 ? r.contiguity[d] : 1;
        info.divisibility[d] = std::min(kMaxDivisibility, l.divisibility[d] * r.divisibility[d]);
        info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
      }
      if (l.constant && r.constant)
        info.constant = *l.constant * *r.constant;
      return info;
    }
    if (isa<arith::DivSIOp, arith::DivUIOp>(op)) {
      AxisInfo l = get(op->getOperand(0)), r = get(op->getOperand(1)), info = AxisInfo::unknown(rank);
      for (unsigned d = 0; d < rank; ++d) {
        info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
        // A contiguous run that starts at a multiple of c stays constant under /c for c steps.
        if (r.constant && *r.constant > 0 && l.divisibility[d] % *r.constant == 0)
          info.constancy[d] = std::max(info.constancy[d], gcd(l.contiguity[d], *r.constant));
        if (r.constant && *r.constant > 0 && l.divisibility[d] % *r.constant == 0)
          info.divisibility[d] = std::max<int64_t>(1, l.divisibility[d] / *r.constant);
      }
      return info;
    }
    if (isa<arith::RemSIOp, arith::RemUIOp>(op)) {
      AxisInfo l = get(op->getOperand(0)), r = get(op->getOperand(1)), info = AxisInfo::unknown(rank);
      for (unsigned d = 0; d < rank; ++d) {
        info.contiguity[d] = gcd(l.contiguity[d], r.divisibility[d]);
        info.divisibility[d] = gcd(l.divisibility[d], r.divisibility[d]);
        info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
      }
      return info;
    }
    if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
      AxisInfo l = get(cmp.getLhs()), r = get(cmp.getRhs()), info = AxisInfo::unknown(rank);
      bool ordering = cmp.getPredicate() != arith::CmpIPredicate::eq &&
                      cmp.getPredicate() != arith::CmpIPredicate::ne;
      for (unsigned d = 0; d < rank; ++d) {
        info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
        // x < n over a run x0..x0+k-1 with x0 and n multiples of k: all true or all false.
        if (ordering) {
          int64_t run = gcd(l.contiguity[d], r.constancy[d]);
          info.constancy[d] = std::max(
              info.constancy[d], gcd(run, gcd(l.divisibility[d], r.divisibility[d])));
        }
      }
      return info;
    }
    if (isa<arith::AndIOp, arith::OrIOp, arith::XOrIOp>(op)) {
      AxisInfo l = get(op->getOperand(0)), r = get(op->getOperand(1)), info = AxisInfo::unknown(rank);
      for (unsigned d = 0; d < rank; ++d)
        info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
      return info;
    }
    if (auto select = dyn_cast<arith::SelectOp>(op)) {
      AxisInfo c = get(select.getCondition()), t = get(select.getTrueValue()),
               f = get(select.getFalseValue()), info = AxisInfo::unknown(rank);
      bool scalarCond = !isa<RankedTensorType>(select.getCondition().getType());
      for (unsigned d = 0; d < rank; ++d) {
        int64_t condConst = scalarCond ? shape[d] : c.constancy[d];
        info.contiguity[d] = gcd(condConst, std::min(t.contiguity[d], f.contiguity[d]));
        info.divisibility[d] = gcd(t.divisibility[d], f.divisibility[d]);
        info.constancy[d] = gcd(condConst, gcd(t.constancy[d], f.constancy[d]));
      }
      return info;
    }
    return std::nullopt;
  }

  static AxisInfo add(const AxisInfo &l, const AxisInfo &r, int64_t rhsScale) {
    AxisInfo info = AxisInfo::unknown(l.getRank());
    for (unsigned d = 0; d < l.getRank(); ++d) {
      info.contiguity[d] = std::max(gcd(l.contiguity[d], r.constancy[d]),
                                    gcd(l.constancy[d], r.contiguity[d]));
      info.divisibility[d] = gcd(l.divisibility[d], r.divisibility[d] * rhsScale);
      info.constancy[d] = gcd(l.constancy[d], r.constancy[d]);
    }
    if (l.constant && r.constant)
      info.constant = *l.constant + *r.constant * rhsScale;
    return info;
  }

  DenseMap<Value, AxisInfo> &infos;
};
} // namespace

AxisInfoAnalysis::AxisInfoAnalysis(ModuleOp module) {
  Walker walker(infos);
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          walker.visitArgument(arg);
    if (auto loop = dyn_cast<scf::ForOp>(op))
      walker.visitFor(loop);
    walker.visit(op);
  });
}

AxisInfo AxisInfoAnalysis::get(Value value) const {
  auto it = infos.find(value);
  return it != infos.end() ? it->second : AxisInfo::unknown(rankOf(value));
}

int64_t AxisInfoAnalysis::getVectorWidth(Value ptr, Value mask, unsigned dim,
                                         unsigned elementBits) const {
  AxisInfo info = get(ptr);
  int64_t eltBytes = std::max<unsigned>(1, elementBits / 8);
  int64_t width = std::min(info.contiguity[dim], std::max<int64_t>(1, info.divisibility[dim] / eltBytes));
  if (mask && isa<RankedTensorType>(mask.getType()))
    width = std::min(width, get(mask).constancy[dim]);
  width = std::min<int64_t>(width, std::max<unsigned>(1, 128 / elementBits));
  return int64_t(1) << llvm::Log2_64(std::max<int64_t>(width, 1));
}

namespace {
struct PrintAxisInfoPass : lacc::impl::TileGPUPrintAxisInfoBase<PrintAxisInfoPass> {
  void runOnOperation() override {
    AxisInfoAnalysis analysis(getOperation());
    auto print = [](InFlightDiagnostic &diag, ArrayRef<int64_t> values) {
      diag << "[";
      llvm::interleaveComma(values, diag, [&](int64_t v) { diag << v; });
      diag << "]";
    };
    getOperation().walk([&](Operation *op) {
      if (op->getNumResults() != 1 || !op->hasAttr("test.axis"))
        return;
      AxisInfo info = analysis.get(op->getResult(0));
      InFlightDiagnostic diag = op->emitRemark("contiguity = ");
      print(diag, info.contiguity);
      diag << ", divisibility = ";
      print(diag, info.divisibility);
      diag << ", constancy = ";
      print(diag, info.constancy);
    });
  }
};
} // namespace
