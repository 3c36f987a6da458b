//===- AxisInfo.cpp - contiguity, divisibility, constancy -----------------===//
//
// The transfer functions (TransferFunctions::compute) and the dataflow
// analysis that runs them to a fixed point. Loop-carried values start from
// their initial value's info and are joined with what each iteration yields,
// so a pointer advanced by a multiple of 16 bytes per iteration keeps its
// contiguity and alignment. tile.assume (multiple_of, max_contiguous) adds
// what the user promises to what is proved.
//
//===----------------------------------------------------------------------===//

#include "compiler/analysis/AxisInfo.h"

#include "dialects/tile/TileDialect.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Analysis/DataFlow/ConstantPropagationAnalysis.h"
#include "mlir/Analysis/DataFlow/DeadCodeAnalysis.h"
#include "mlir/Analysis/DataFlow/SparseAnalysis.h"
#include "mlir/Analysis/DataFlowFramework.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

#include <numeric>

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

AxisInfo AxisInfo::join(const AxisInfo &a, const AxisInfo &b) {
  if (a.isUninitialized())
    return b;
  if (b.isUninitialized())
    return a;
  AxisInfo info = unknown(a.getRank());
  for (unsigned d = 0; d < a.getRank(); ++d) {
    info.contiguity[d] = std::gcd(a.contiguity[d], b.contiguity[d]);
    info.divisibility[d] = std::gcd(a.divisibility[d], b.divisibility[d]);
    info.constancy[d] = std::gcd(a.constancy[d], b.constancy[d]);
  }
  if (a.constant == b.constant)
    info.constant = a.constant;
  return info;
}

void AxisInfo::print(raw_ostream &os) const {
  auto list = [&](ArrayRef<int64_t> values) {
    os << "[";
    llvm::interleaveComma(values, os);
    os << "]";
  };
  os << "contiguity = ";
  list(contiguity);
  os << ", divisibility = ";
  list(divisibility);
  os << ", constancy = ";
  list(constancy);
}

namespace {
/// The transfer functions: the info of `op`'s result from its operands' (`get`).
class TransferFunctions {
public:
  explicit TransferFunctions(function_ref<AxisInfo(Value)> get) : get(get) {}

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
    if (auto reshape = dyn_cast<tile::ReshapeOp>(op)) {
      // Only a reshape that inserts or drops unit dimensions keeps the runs (block pointers
      // spread their 1-D index lines so): each other dimension keeps its source's info.
      SmallVector<int64_t> srcShape = shapeOf(reshape.getSrc());
      AxisInfo src = get(reshape.getSrc());
      SmallVector<unsigned> srcDims, dims;
      for (unsigned d = 0; d < srcShape.size(); ++d)
        if (srcShape[d] != 1)
          srcDims.push_back(d);
      for (unsigned d = 0; d < rank; ++d)
        if (shape[d] != 1)
          dims.push_back(d);
      if (srcDims.size() != dims.size() ||
          llvm::any_of(llvm::zip(srcDims, dims),
                       [&](auto p) { return srcShape[std::get<0>(p)] != shape[std::get<1>(p)]; }))
        return std::nullopt;
      // A unit dimension's one element: what divides every element (as for expand_dims).
      int64_t div = src.constant ? highestPowerOfTwoFactor(*src.constant) : kMaxDivisibility;
      for (unsigned d = 0; d < src.getRank(); ++d)
        div = gcd(div, src.contiguity[d] > 1 ? 1 : src.divisibility[d]);
      AxisInfo info = AxisInfo::unknown(rank);
      info.divisibility.assign(rank, div);
      for (auto [s, d] : llvm::zip(srcDims, dims)) {
        info.contiguity[d] = src.contiguity[s];
        info.divisibility[d] = src.divisibility[s];
        info.constancy[d] = src.constancy[s];
      }
      info.constant = src.constant;
      return info;
    }
    if (auto trans = dyn_cast<tile::TransOp>(op)) {
      AxisInfo src = get(trans.getSrc()), info = AxisInfo::unknown(rank);
      for (auto [i, d] : llvm::enumerate(trans.getOrder())) {
        info.contiguity[i] = src.contiguity[d];
        info.divisibility[i] = src.divisibility[d];
        info.constancy[i] = src.constancy[d];
      }
      info.constant = src.constant;
      return info;
    }
    if (auto assume = dyn_cast<tile::AssumeOp>(op)) {
      // The user's promises (multiple_of, max_contiguous) on top of what is proved.
      AxisInfo info = get(assume.getSrc());
      if (std::optional<ArrayRef<int64_t>> divisibility = assume.getDivisibility())
        for (auto [d, value] : llvm::enumerate(*divisibility))
          info.divisibility[d] =
              std::max(info.divisibility[d], highestPowerOfTwoFactor(value));
      if (std::optional<ArrayRef<int64_t>> contiguity = assume.getContiguity())
        for (auto [d, value] : llvm::enumerate(*contiguity))
          info.contiguity[d] = std::max(info.contiguity[d], value);
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

  function_ref<AxisInfo(Value)> get;
};

bool isTracked(Type type) {
  Type element = getElementTypeOrSelf(type);
  return element.isIntOrIndex() || isa<tile::PointerType>(element);
}

using AxisInfoLattice = dataflow::Lattice<AxisInfo>;

class AxisInfoDataFlow : public dataflow::SparseForwardDataFlowAnalysis<AxisInfoLattice> {
public:
  using SparseForwardDataFlowAnalysis::SparseForwardDataFlowAnalysis;

  LogicalResult visitOperation(Operation *op, ArrayRef<const AxisInfoLattice *> operands,
                               ArrayRef<AxisInfoLattice *> results) override {
    // Wait until every operand has been reached: the join starts from real values only.
    for (const AxisInfoLattice *operand : operands)
      if (operand->getValue().isUninitialized())
        return success();
    DenseMap<Value, AxisInfo> known;
    for (auto [value, lattice] : llvm::zip(op->getOperands(), operands))
      known[value] = lattice->getValue();
    auto lookup = [&](Value v) {
      auto it = known.find(v);
      return it != known.end() ? it->second : AxisInfo::unknown(rankOf(v));
    };
    TransferFunctions transfer(lookup);
    for (auto [result, lattice] : llvm::zip(op->getResults(), results)) {
      std::optional<AxisInfo> info;
      if (op->getNumResults() == 1 && isTracked(result.getType()))
        info = transfer.compute(op, result);
      propagateIfChanged(lattice, lattice->join(info ? *info : AxisInfo::unknown(rankOf(result))));
    }
    return success();
  }

  void visitNonControlFlowArguments(Operation *op, const RegionSuccessor &successor,
                                    ArrayRef<AxisInfoLattice *> argLattices,
                                    unsigned firstIndex) override {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      // The induction variable is lb + k*step: divisible by what both are divisible by.
      const AxisInfoLattice *lb =
          getLatticeElementFor(getProgramPointAfter(op), loop.getLowerBound());
      const AxisInfoLattice *step = getLatticeElementFor(getProgramPointAfter(op), loop.getStep());
      AxisInfo iv = AxisInfo::unknown(1);
      if (!lb->getValue().isUninitialized() && !step->getValue().isUninitialized())
        iv.divisibility[0] =
            std::gcd(lb->getValue().divisibility[0], step->getValue().divisibility[0]);
      propagateIfChanged(argLattices[0], argLattices[0]->join(iv));
      return;
    }
    SparseForwardDataFlowAnalysis::visitNonControlFlowArguments(op, successor, argLattices,
                                                                firstIndex);
  }

  void setToEntryState(AxisInfoLattice *lattice) override {
    Value value = lattice->getAnchor();
    AxisInfo info = AxisInfo::unknown(rankOf(value));
    if (auto arg = dyn_cast<BlockArgument>(value))
      if (auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp()))
        if (auto div =
                func.getArgAttrOfType<IntegerAttr>(arg.getArgNumber(), kDivisibilityAttrName))
          info.divisibility.assign(info.getRank(), div.getInt());
    propagateIfChanged(lattice, lattice->join(info));
  }
};
} // namespace

AxisInfoAnalysis::AxisInfoAnalysis(Operation *root) {
  DataFlowSolver solver;
  // Dead-code analysis marks blocks executable (the sparse analysis visits only those); it
  // needs constant propagation for branch conditions.
  solver.load<dataflow::DeadCodeAnalysis>();
  solver.load<dataflow::SparseConstantPropagation>();
  solver.load<AxisInfoDataFlow>();
  if (failed(solver.initializeAndRun(root)))
    return;
  auto record = [&](Value v) {
    if (!isTracked(v.getType()))
      return;
    if (const auto *lattice = solver.lookupState<AxisInfoLattice>(v))
      if (!lattice->getValue().isUninitialized())
        infos[v] = lattice->getValue();
  };
  root->walk([&](Operation *op) {
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          record(arg);
    for (Value result : op->getResults())
      record(result);
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

