//===- Interpreter.cpp - lower a kernel to the flat Program; runKernel ----===//
//
// The only part of the interpreter that knows MLIR. Each op is resolved once
// here (opcode, element types, sizes, attributes, slots), so Execute.cpp runs
// without a map lookup or a virtual call per element.
//
//===----------------------------------------------------------------------===//

#include "runtime/interp/Interpreter.h"

#include "dialects/tile/TileDialect.h"
#include "runtime/interp/Numerics.h"
#include "runtime/interp/Program.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace mlir;

namespace lacc::interp {

KernelArg KernelArg::f16(float v) { return {Kind::F16, 0, num::roundToF16(v)}; }
KernelArg KernelArg::bf16(float v) { return {Kind::BF16, 0, num::roundToBF16(v)}; }

namespace {
using namespace detail;

static_assert(static_cast<int>(KernelArg::Kind::Pointer) == static_cast<int>(Elt::Ptr) &&
                  static_cast<int>(KernelArg::Kind::F64) == static_cast<int>(Elt::F64),
              "KernelArg::Kind mirrors Elt");
static_assert(static_cast<int>(tile::CombineKind::Prod) == static_cast<int>(Combine::Prod) &&
                  static_cast<int>(tile::AtomicKind::Exchange) == static_cast<int>(AtomicOp::Xchg),
              "combine/atomic kinds mirror the dialect's");
static_assert(static_cast<int>(tile::InputPrecision::TF32x3) == static_cast<int>(Precision::TF32x3) &&
                  static_cast<int>(tile::Padding::NaN) == static_cast<int>(Padding::NaN),
              "precision and padding mirror the dialect's");

std::string locString(Location loc) {
  std::string out;
  loc->walk([&](Location l) {
    if (auto f = dyn_cast<FileLineColLoc>(l)) {
      out = llvm::formatv("{0}:{1}:{2}", f.getFilename().getValue(), f.getLine(), f.getColumn());
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return out.empty() ? "<unknown location>" : out;
}

std::optional<Elt> eltOf(Type type) {
  Type t = getElementTypeOrSelf(type);
  if (isa<tile::PointerType, tile::BlockPointerType, tile::TensorDescType>(t))
    return Elt::Ptr;
  if (t.isIndex())
    return Elt::I64;
  if (auto i = dyn_cast<IntegerType>(t)) {
    switch (i.getWidth()) {
    case 1: return Elt::I1;
    case 8: return Elt::I8;
    case 16: return Elt::I16;
    case 32: return Elt::I32;
    case 64: return Elt::I64;
    default: return std::nullopt;
    }
  }
  if (isa<Float8E4M3FNType>(t))
    return Elt::F8E4M3;
  if (isa<Float8E5M2Type>(t))
    return Elt::F8E5M2;
  if (t.isF16())
    return Elt::F16;
  if (t.isBF16())
    return Elt::BF16;
  if (t.isF32())
    return Elt::F32;
  if (t.isF64())
    return Elt::F64;
  return std::nullopt;
}

int64_t numElements(Type t) {
  auto tensor = dyn_cast<RankedTensorType>(t);
  return tensor ? tensor.getNumElements() : 1;
}

/// Row-major strides of a shape.
std::vector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

const llvm::StringMap<Opc> &elementwiseOps() {
  static const llvm::StringMap<Opc> ops = {
      {"arith.addi", Opc::AddI},         {"arith.subi", Opc::SubI},
      {"arith.muli", Opc::MulI},         {"arith.divsi", Opc::DivSI},
      {"arith.divui", Opc::DivUI},       {"arith.remsi", Opc::RemSI},
      {"arith.remui", Opc::RemUI},       {"arith.ceildivsi", Opc::CeilDivSI},
      {"arith.ceildivui", Opc::CeilDivUI}, {"arith.floordivsi", Opc::FloorDivSI},
      {"arith.andi", Opc::AndI},         {"arith.ori", Opc::OrI},
      {"arith.xori", Opc::XOrI},         {"arith.shli", Opc::ShLI},
      {"arith.shrsi", Opc::ShRSI},       {"arith.shrui", Opc::ShRUI},
      {"arith.maxsi", Opc::MaxSI},       {"arith.minsi", Opc::MinSI},
      {"arith.maxui", Opc::MaxUI},       {"arith.minui", Opc::MinUI},
      {"arith.addf", Opc::AddF},         {"arith.subf", Opc::SubF},
      {"arith.mulf", Opc::MulF},         {"arith.divf", Opc::DivF},
      {"arith.remf", Opc::RemF},         {"arith.maximumf", Opc::MaximumF},
      {"arith.minimumf", Opc::MinimumF}, {"arith.maxnumf", Opc::MaxNumF},
      {"arith.minnumf", Opc::MinNumF},   {"math.powf", Opc::PowF},
      {"math.atan2", Opc::Atan2},        {"math.copysign", Opc::CopySign},
      {"math.fma", Opc::Fma},            {"arith.negf", Opc::NegF},
      {"math.absi", Opc::AbsI},          {"arith.select", Opc::Select},
      {"arith.extf", Opc::FToF},         {"arith.truncf", Opc::FToF},
      {"arith.sitofp", Opc::SIToF},      {"arith.uitofp", Opc::UIToF},
      {"arith.fptosi", Opc::FToSI},      {"arith.fptoui", Opc::FToUI},
      {"arith.extsi", Opc::ExtSI},       {"arith.extui", Opc::ExtUI},
      {"arith.trunci", Opc::TruncI},     {"arith.index_cast", Opc::ExtSI},
      {"arith.index_castui", Opc::ExtUI}, {"arith.bitcast", Opc::Bitcast},
  };
  return ops;
}

/// Math functions of one float: evaluated in double, rounded to the type.
const llvm::StringMap<double (*)(double)> &unaryMath() {
  static const llvm::StringMap<double (*)(double)> fns = {
      {"math.exp", [](double x) { return std::exp(x); }},
      {"math.exp2", [](double x) { return std::exp2(x); }},
      {"math.expm1", [](double x) { return std::expm1(x); }},
      {"math.log", [](double x) { return std::log(x); }},
      {"math.log2", [](double x) { return std::log2(x); }},
      {"math.log10", [](double x) { return std::log10(x); }},
      {"math.log1p", [](double x) { return std::log1p(x); }},
      {"math.sqrt", [](double x) { return std::sqrt(x); }},
      {"math.rsqrt", [](double x) { return 1.0 / std::sqrt(x); }},
      {"math.cbrt", [](double x) { return std::cbrt(x); }},
      {"math.absf", [](double x) { return std::fabs(x); }},
      {"math.sin", [](double x) { return std::sin(x); }},
      {"math.cos", [](double x) { return std::cos(x); }},
      {"math.tan", [](double x) { return std::tan(x); }},
      {"math.asin", [](double x) { return std::asin(x); }},
      {"math.acos", [](double x) { return std::acos(x); }},
      {"math.atan", [](double x) { return std::atan(x); }},
      {"math.sinh", [](double x) { return std::sinh(x); }},
      {"math.cosh", [](double x) { return std::cosh(x); }},
      {"math.tanh", [](double x) { return std::tanh(x); }},
      {"math.asinh", [](double x) { return std::asinh(x); }},
      {"math.acosh", [](double x) { return std::acosh(x); }},
      {"math.atanh", [](double x) { return std::atanh(x); }},
      {"math.erf", [](double x) { return std::erf(x); }},
      {"math.erfc", [](double x) { return std::erfc(x); }},
      {"math.floor", [](double x) { return std::floor(x); }},
      {"math.ceil", [](double x) { return std::ceil(x); }},
      {"math.trunc", [](double x) { return std::trunc(x); }},
      {"math.round", [](double x) { return std::round(x); }},
      {"math.roundeven", [](double x) { return std::nearbyint(x); }},
  };
  return fns;
}

/// Lowers one function into a Program. Errors name the op's location.
class Compiler {
public:
  explicit Compiler(Program &p) : P(p) {}

  LogicalResult function(func::FuncOp fn) {
    for (auto [j, type] : llvm::enumerate(fn.getArgumentTypes())) {
      auto elt = eltOf(type);
      if (!elt || isa<RankedTensorType>(type))
        return fail(fn, llvm::formatv("parameter {0} has unsupported type {1}", j, type));
      P.params.push_back(*elt);
    }
    return failure(failed(block(fn.getBody().front())));
  }

  std::string error;

private:
  Program &P;
  llvm::DenseMap<Value, uint32_t> slots;

  LogicalResult fail(Operation *op, const Twine &msg) {
    error = locString(op->getLoc()) + ": error: in kernel '" + P.kernel + "': " +
            op->getName().getStringRef().str() + ": " + msg.str();
    return failure();
  }
  uint32_t slot(Value v) {
    auto [it, inserted] = slots.try_emplace(v, P.numSlots);
    if (inserted)
      ++P.numSlots;
    return it->second;
  }

  FailureOr<int32_t> block(mlir::Block &mb) {
    int32_t index = P.blocks.size();
    P.blocks.emplace_back(); // compiled into a local: nested blocks grow P.blocks
    detail::Block b;
    for (BlockArgument arg : mb.getArguments())
      b.args.push_back(slot(arg));
    for (Operation &op : mb) {
      if (op.hasTrait<OpTrait::IsTerminator>()) {
        auto operands = op.getOperands();
        if (auto cond = dyn_cast<scf::ConditionOp>(op)) {
          b.cond = slot(cond.getCondition());
          operands = cond.getArgs();
        }
        for (Value v : operands) {
          b.yields.push_back(slot(v));
          b.temps.push_back(P.numSlots++);
        }
        continue;
      }
      if (failed(instr(op, b)))
        return failure();
    }
    P.blocks[index] = std::move(b);
    return index;
  }

  LogicalResult region(Region &r, Instr &I) {
    if (r.empty()) {
      I.regions.push_back(-1);
      return success();
    }
    auto index = block(r.front());
    if (failed(index))
      return failure();
    I.regions.push_back(*index);
    return success();
  }

  LogicalResult constant(arith::ConstantOp op, Elt elt) {
    Slot value;
    Attribute attr = op.getValue();
    if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
      if (isFloat(elt))
        for (APFloat f : dense.getValues<APFloat>())
          value.f.push_back(f.convertToDouble());
      else
        for (APInt i : dense.getValues<APInt>())
          value.i.push_back(i.getSExtValue()); // i1 true is -1, as everywhere
    } else if (auto f = dyn_cast<FloatAttr>(attr)) {
      value.f.push_back(f.getValue().convertToDouble());
    } else if (auto i = dyn_cast<IntegerAttr>(attr)) {
      value.i.push_back(i.getValue().getSExtValue());
    } else {
      return fail(op, "unsupported constant");
    }
    P.constants.emplace_back(slot(op.getResult()), std::move(value));
    return success();
  }

  static int64_t boundaryBits(ArrayRef<int32_t> dims) {
    int64_t bits = 0;
    for (int32_t d : dims)
      bits |= int64_t(1) << d;
    return bits;
  }

  /// [outer, len, inner] around `axis` of `shape`.
  static std::vector<int64_t> splitAt(ArrayRef<int64_t> shape, int64_t axis) {
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    for (size_t d = axis + 1; d < shape.size(); ++d)
      inner *= shape[d];
    return {outer, shape[axis], inner};
  }

  LogicalResult instr(Operation &op, detail::Block &b) {
    Instr I;
    for (Type t : op.getResultTypes())
      if (!eltOf(t))
        return fail(&op, llvm::formatv("unsupported result type {0}", t));
    for (Type t : op.getOperandTypes())
      if (!eltOf(t))
        return fail(&op, llvm::formatv("unsupported operand type {0}", t));
    Type type = op.getNumResults() ? op.getResult(0).getType()
                                   : op.getNumOperands() ? op.getOperand(0).getType() : Type();
    if (type) {
      I.elt = *eltOf(type);
      I.n = numElements(type);
    }
    if (op.getNumOperands())
      I.src = *eltOf(op.getOperand(0).getType());

    if (auto c = dyn_cast<arith::ConstantOp>(op))
      return constant(c, I.elt);
    // Programs run one at a time, each as one thread: a barrier orders nothing more.
    if (isa<tile::BarrierOp>(op))
      return success();

    StringRef name = op.getName().getStringRef();
    auto setOpc = [&]() -> LogicalResult {
      auto &table = elementwiseOps();
      if (auto it = table.find(name); it != table.end()) {
        I.opc = it->second;
        if (I.opc == Opc::Select)
          I.b = !isa<RankedTensorType>(op.getOperand(0).getType()) &&
                isa<RankedTensorType>(type);
        return success();
      }
      if (auto it = unaryMath().find(name); it != unaryMath().end()) {
        I.opc = Opc::FUnary;
        I.fn = it->second;
        return success();
      }
      return TypeSwitch<Operation *, LogicalResult>(&op)
          .Case([&](arith::CmpIOp c) {
            I.opc = Opc::CmpI;
            I.a = static_cast<int64_t>(c.getPredicate());
            return success();
          })
          .Case([&](arith::CmpFOp c) {
            I.opc = Opc::CmpF;
            I.a = static_cast<int64_t>(c.getPredicate());
            return success();
          })
          .Case([&](tile::ProgramIdOp p) {
            I.opc = Opc::ProgramId;
            I.a = p.getAxis();
            return success();
          })
          .Case([&](tile::NumProgramsOp p) {
            I.opc = Opc::NumPrograms;
            I.a = p.getAxis();
            return success();
          })
          .Case([&](tile::MakeRangeOp r) {
            I.opc = Opc::MakeRange;
            I.a = r.getStart();
            return success();
          })
          .Case([&](tile::SplatOp) {
            I.opc = Opc::Splat;
            return success();
          })
          .Case<tile::ExpandDimsOp, tile::ReshapeOp, tile::AssumeOp>([&](Operation *) {
            I.opc = Opc::Copy;
            return success();
          })
          .Case([&](tile::JoinOp) {
            I.opc = Opc::Join;
            return success();
          })
          .Case([&](tile::SplitOp) {
            I.opc = Opc::Split;
            return success();
          })
          .Case([&](tile::AssertOp a) {
            I.opc = Opc::Assert;
            I.a = P.messages.size();
            P.messages.push_back(a.getMessage().str());
            return success();
          })
          .Case([&](tile::BroadcastOp bc) {
            auto src = tile::getShape(bc.getSrc().getType());
            I.opc = Opc::Gather;
            I.shape = tile::getShape(type).vec();
            I.strides = stridesOf(src);
            for (size_t d = 0; d < src.size(); ++d)
              if (src[d] == 1)
                I.strides[d] = 0;
            return success();
          })
          .Case([&](tile::TransOp t) {
            auto srcStrides = stridesOf(tile::getShape(t.getSrc().getType()));
            I.opc = Opc::Gather;
            I.shape = tile::getShape(type).vec();
            for (int32_t d : t.getOrder())
              I.strides.push_back(srcStrides[d]);
            return success();
          })
          .Case([&](tile::AddPtrOp p) {
            I.opc = Opc::AddPtr;
            I.elt = *eltOf(tile::getPointeeType(p.getType()));
            return success();
          })
          .Case([&](tile::LoadOp l) {
            I.opc = Opc::Load;
            I.a = l.getMask() != nullptr;
            I.b = l.getOther() != nullptr;
            return success();
          })
          .Case([&](tile::StoreOp s) {
            I.opc = Opc::Store;
            I.elt = *eltOf(s.getValue().getType());
            I.a = s.getMask() != nullptr;
            return success();
          })
          .Case([&](tile::AtomicRMWOp a) {
            I.opc = Opc::Atomic;
            I.a = static_cast<int64_t>(a.getKind());
            I.b = a.getMask() != nullptr;
            return success();
          })
          .Case([&](tile::AtomicCASOp) {
            I.opc = Opc::AtomicCas;
            return success();
          })
          .Case([&](tile::MakeBlockPtrOp) {
            I.opc = Opc::MakeBlockPtr;
            return success();
          })
          .Case([&](tile::MakeTensorDescOp) { // a block pointer without its offsets
            I.opc = Opc::MakeBlockPtr;
            return success();
          })
          .Case([&](tile::DescriptorLoadOp l) {
            // The block's shape: a result that drops its leading unit dimensions holds the
            // same elements in the same order.
            I.opc = Opc::DescLoad;
            auto desc = cast<tile::TensorDescType>(l.getDesc().getType());
            I.shape = desc.getBlockType().getShape().vec();
            I.a = (int64_t(1) << I.shape.size()) - 1; // every dimension checked
            I.b = static_cast<int64_t>(Padding::Zero);
            return success();
          })
          .Case([&](tile::DescriptorStoreOp st) {
            // As a load's: the block's shape and order, every dimension checked.
            I.opc = Opc::DescStore;
            Type value = st.getValue().getType();
            I.elt = *eltOf(value);
            I.n = numElements(value);
            I.shape = st.getDescOp().getType().getBlockType().getShape().vec();
            I.a = (int64_t(1) << I.shape.size()) - 1;
            return success();
          })
          .Case([&](tile::AdvanceOp) {
            I.opc = Opc::Advance;
            return success();
          })
          .Case([&](tile::BlockLoadOp l) {
            I.opc = Opc::BlockLoad;
            I.shape = tile::getShape(type).vec();
            I.a = boundaryBits(l.getBoundaryCheck());
            I.b = static_cast<int64_t>(l.getPadding());
            return success();
          })
          .Case([&](tile::BlockStoreOp st) {
            I.opc = Opc::BlockStore;
            Type value = st.getValue().getType();
            I.elt = *eltOf(value);
            I.n = numElements(value);
            I.shape = tile::getShape(value).vec();
            I.a = boundaryBits(st.getBoundaryCheck());
            return success();
          })
          .Case([&](tile::DotOp d) {
            auto a = tile::getShape(d.getA().getType()), bs = tile::getShape(d.getB().getType());
            I.opc = Opc::Dot;
            I.a = a[0];
            I.b = a[1];
            I.c = bs[1];
            I.d = static_cast<int64_t>(d.getInputPrecision());
            return success();
          })
          .Case([&](tile::ReduceOp r) {
            I.opc = Opc::Reduce;
            I.shape = splitAt(tile::getShape(r.getSrc().getType()), r.getAxis());
            I.b = static_cast<int64_t>(r.getKind());
            return success();
          })
          .Case([&](tile::ScanOp s) {
            I.opc = Opc::Scan;
            I.shape = splitAt(tile::getShape(s.getSrc().getType()), s.getAxis());
            I.b = static_cast<int64_t>(s.getKind());
            I.c = s.getReverse();
            return success();
          })
          .Case([&](scf::ForOp f) {
            I.opc = Opc::For;
            return region(f.getRegion(), I);
          })
          .Case([&](scf::IfOp i) {
            I.opc = Opc::If;
            if (failed(region(i.getThenRegion(), I)))
              return failure();
            return region(i.getElseRegion(), I);
          })
          .Case([&](scf::WhileOp w) {
            I.opc = Opc::While;
            if (failed(region(w.getBefore(), I)))
              return failure();
            return region(w.getAfter(), I);
          })
          .Default([&](Operation *) { return fail(&op, "operation not supported by the interpreter"); });
    };
    if (failed(setOpc()))
      return failure();
    for (Value v : op.getOperands())
      I.in.push_back(slot(v));
    for (Value v : op.getResults())
      I.out.push_back(slot(v));
    I.where = P.where.size();
    P.where.push_back({locString(op.getLoc()), name.str()});
    b.ops.push_back(std::move(I));
    return success();
  }
};

std::string typeName(Elt e) { return e == Elt::Ptr ? "a pointer" : eltName(e); }

} // namespace

static llvm::Error kernelError(const std::string &kernel, const Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "kernel '" + kernel + "': " + msg);
}

llvm::Expected<CompiledKernel> CompiledKernel::compile(func::FuncOp kernel) {
  auto P = std::make_shared<Program>();
  P->kernel = kernel.getSymName().str();
  if (kernel.isExternal())
    return kernelError(P->kernel, "has no body");
  if (kernel.getNumResults() != 0)
    return kernelError(P->kernel, "a kernel returns nothing, this one returns " +
                                      Twine(kernel.getNumResults()) + " values");

  // The executor trusts shapes and types; invalid IR built by hand must not reach it.
  {
    std::string diag;
    ScopedDiagnosticHandler capture(kernel.getContext(), [&](Diagnostic &d) {
      if (diag.empty())
        diag = locString(d.getLocation()) + ": " + d.str();
      return success();
    });
    if (failed(mlir::verify(kernel)))
      return kernelError(P->kernel, "invalid IR: " + diag);
  }

  Compiler compiler(*P);
  if (failed(compiler.function(kernel)))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), compiler.error);
  for (BlockArgument arg : kernel.getArguments()) {
    std::string name = llvm::formatv("parameter {0}", arg.getArgNumber());
    if (auto named = dyn_cast<NameLoc>(arg.getLoc()))
      name += " ('" + named.getName().str() + "')";
    else if (isa<FileLineColLoc>(arg.getLoc()))
      name += " (" + locString(arg.getLoc()) + ")";
    P->paramNames.push_back(std::move(name));
  }
  return CompiledKernel(std::move(P));
}

const std::string &CompiledKernel::name() const { return program_->kernel; }
size_t CompiledKernel::numParams() const { return program_->params.size(); }

llvm::Error CompiledKernel::run(std::array<uint32_t, 3> grid, llvm::ArrayRef<KernelArg> args,
                                llvm::ArrayRef<Buffer> buffers) const {
  const Program &P = *program_;
  if (args.size() != P.params.size())
    return kernelError(P.kernel, "expects " + Twine(P.params.size()) + " arguments, got " +
                                     Twine(args.size()));
  for (auto [j, g] : llvm::enumerate(grid))
    if (g == 0)
      return kernelError(P.kernel, llvm::formatv("grid dimension {0} is 0", j));
  std::vector<ArgValue> values(args.size());
  for (auto [j, arg] : llvm::enumerate(args)) {
    Elt want = P.params[j], got = static_cast<Elt>(arg.kind());
    if (got != want)
      return kernelError(P.kernel, P.paramNames[j] + " is " + typeName(want) +
                                       ", but the argument is " + typeName(got));
    if (want == Elt::Ptr && arg.intValue() == 0)
      return kernelError(P.kernel, P.paramNames[j] + " is a null pointer");
    values[j] = {arg.intValue(), arg.floatValue()};
  }
  std::string error = execute(P, grid, values, buffers.data(), buffers.size());
  if (!error.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  return llvm::Error::success();
}

llvm::Error runKernel(func::FuncOp kernel, std::array<uint32_t, 3> grid,
                      llvm::ArrayRef<KernelArg> args, llvm::ArrayRef<Buffer> buffers) {
  auto compiled = CompiledKernel::compile(kernel);
  if (!compiled)
    return compiled.takeError();
  return compiled->run(grid, args, buffers);
}

} // namespace lacc::interp
