//===- Utility.cpp - shared pieces of the tilegpu -> LLVM lowering --------===//

#include "compiler/conversion/Utility.h"

#include "compiler/analysis/LayoutConversion.h"

#include "mlir/Dialect/SCF/IR/SCF.h"
#include "llvm/ADT/DenseMap.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;
using namespace lacc::conversion;

TileTypeConverter::TileTypeConverter(MLIRContext *ctx, const LowerToLLVMOptions &options)
    : LLVMTypeConverter(ctx, options) {
  addConversion([ctx](tile::PointerType) {
    return LLVM::LLVMPointerType::get(ctx, kGlobalAddressSpace);
  });
  addConversion([ctx](MemDescType) { return LLVM::LLVMPointerType::get(ctx, kSharedAddressSpace); });
  // The address of the grid-constant parameter that holds the CUtensorMap.
  addConversion([ctx](TensorMapType) { return LLVM::LLVMPointerType::get(ctx); });
  addConversion([this](RankedTensorType type, SmallVectorImpl<Type> &results) -> LogicalResult {
    if (!getDistributedLayout(type))
      return failure();
    Type element = convertType(type.getElementType());
    if (!element)
      return failure();
    results.append(getElemsPerThread(type), element);
    return success();
  });
}

//===----------------------------------------------------------------------===//
// Emitter
//===----------------------------------------------------------------------===//

Value Emitter::i32(int64_t v) {
  return LLVM::ConstantOp::create(b, loc, b.getI32Type(), b.getI32IntegerAttr(v));
}
Value Emitter::i1(bool v) {
  return LLVM::ConstantOp::create(b, loc, b.getI1Type(), b.getBoolAttr(v));
}
Value Emitter::add(Value x, Value y) { return LLVM::AddOp::create(b, loc, x, y); }
Value Emitter::sub(Value x, Value y) { return LLVM::SubOp::create(b, loc, x, y); }
Value Emitter::mul(Value x, Value y) { return LLVM::MulOp::create(b, loc, x, y); }
Value Emitter::and_(Value x, Value y) { return LLVM::AndOp::create(b, loc, x, y); }
Value Emitter::or_(Value x, Value y) { return LLVM::OrOp::create(b, loc, x, y); }
Value Emitter::xor_(Value x, Value y) { return LLVM::XOrOp::create(b, loc, x, y); }
Value Emitter::shl(Value x, int64_t bits) {
  return bits ? LLVM::ShlOp::create(b, loc, x, i32(bits)).getResult() : x;
}
Value Emitter::lshr(Value x, int64_t bits) {
  return bits ? LLVM::LShrOp::create(b, loc, x, i32(bits)).getResult() : x;
}
Value Emitter::icmp(LLVM::ICmpPredicate pred, Value x, Value y) {
  return LLVM::ICmpOp::create(b, loc, pred, x, y);
}
Value Emitter::select(Value c, Value x, Value y) { return LLVM::SelectOp::create(b, loc, c, x, y); }
Value Emitter::undef(Type type) { return LLVM::UndefOp::create(b, loc, type); }
Value Emitter::zero(Type type) { return LLVM::ZeroOp::create(b, loc, type); }

Value Emitter::threadId() { return NVVM::ThreadIdXOp::create(b, loc, b.getI32Type()); }
Value Emitter::laneId() { return and_(threadId(), i32(31)); }
Value Emitter::warpId() { return lshr(threadId(), 5); }
void Emitter::barrier() {
  // A warp-specialized kernel's barriers are its consumer warps' (its producer warps may be
  // waiting for them): named barrier 1 of num_warps warps.
  Operation *kernel = b.getInsertionBlock()->getParentOp();
  while (kernel && !isa<func::FuncOp, LLVM::LLVMFuncOp>(kernel))
    kernel = kernel->getParentOp();
  if (kernel && kernel->hasAttr(TileGPUDialect::kWarpSpecializedAttrName)) {
    NVVM::BarrierOp::create(b, loc, Type(), i32(1), i32(32 * getNumWarps(kernel)),
                            NVVM::BarrierReductionAttr(), Value());
    return;
  }
  NVVM::Barrier0Op::create(b, loc);
}
void Emitter::fenceAsyncProxy() {
  MLIRContext *ctx = b.getContext();
  NVVM::FenceProxyOp::create(b, loc, NVVM::ProxyKindAttr::get(ctx, NVVM::ProxyKind::async_shared),
                             NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
}

Value Emitter::shuffle(Value v, Value laneOrOffset, NVVM::ShflKind kind) {
  Type type = v.getType();
  Type i32Type = b.getI32Type();
  unsigned clamp = kind == NVVM::ShflKind::up ? 0 : 0x1f;
  auto shfl32 = [&](Value x) -> Value {
    return NVVM::ShflOp::create(b, loc, x.getType(), i32(-1), x, laneOrOffset, i32(clamp), kind,
                                UnitAttr());
  };
  if (type.isF32() || type.isInteger(32))
    return shfl32(v);
  if (isa<LLVM::LLVMPointerType>(type)) {
    Value asInt = LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), v);
    return LLVM::IntToPtrOp::create(b, loc, type, shuffle(asInt, laneOrOffset, kind));
  }
  unsigned bits = type.getIntOrFloatBitWidth();
  Type intType = b.getIntegerType(bits);
  Value asInt = isa<IntegerType>(type) ? v : LLVM::BitcastOp::create(b, loc, intType, v);
  Value result;
  if (bits < 32) {
    Value wide = LLVM::ZExtOp::create(b, loc, i32Type, asInt);
    result = LLVM::TruncOp::create(b, loc, intType, shfl32(wide));
  } else {
    assert(bits == 64 && "tiles hold at most 64-bit elements");
    Value c32 = LLVM::ConstantOp::create(b, loc, intType, b.getIntegerAttr(intType, 32));
    Value lo = LLVM::TruncOp::create(b, loc, i32Type, asInt);
    Value hi = LLVM::TruncOp::create(b, loc, i32Type, LLVM::LShrOp::create(b, loc, asInt, c32));
    Value loS = LLVM::ZExtOp::create(b, loc, intType, shfl32(lo));
    Value hiS = LLVM::ZExtOp::create(b, loc, intType, shfl32(hi));
    result = LLVM::OrOp::create(b, loc, loS, LLVM::ShlOp::create(b, loc, hiS, c32));
  }
  return isa<IntegerType>(type) ? result : LLVM::BitcastOp::create(b, loc, type, result).getResult();
}

Value Emitter::shuffleXor(Value v, unsigned mask) {
  return shuffle(v, i32(mask), NVVM::ShflKind::bfly);
}
Value Emitter::shuffleUp(Value v, unsigned delta) {
  return shuffle(v, i32(delta), NVVM::ShflKind::up);
}
Value Emitter::shuffleDown(Value v, unsigned delta) {
  return shuffle(v, i32(delta), NVVM::ShflKind::down);
}
Value Emitter::shuffleIdx(Value v, Value lane) { return shuffle(v, lane, NVVM::ShflKind::idx); }

Value Emitter::sharedBase(Operation *op) {
  auto ptrType = LLVM::LLVMPointerType::get(b.getContext(), kSharedAddressSpace);
  Value base = LLVM::AddressOfOp::create(b, loc, ptrType, kSharedMemorySymbol);
  int64_t offset = getSharedOffset(op);
  assert(offset >= 0 && "the op has no planned shared memory");
  if (offset == 0)
    return base;
  return LLVM::GEPOp::create(b, loc, ptrType, b.getI8Type(), base,
                             ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(offset)});
}

/// Shared memory holds i1 as bytes: LLVM's i1 has no defined in-memory size of one bit.
static Type storageType(OpBuilder &b, Type type) {
  return type.isInteger(1) ? b.getI8Type() : type;
}

/// Bytes a (storage-typed) scalar takes in memory: pointers are 64-bit.
static unsigned storageBytes(Type type) {
  if (isa<LLVM::LLVMPointerType>(type))
    return 8;
  return std::max(1u, type.getIntOrFloatBitWidth() / 8);
}

Value Emitter::sharedElementPtr(Value base, Type elementType, Value index) {
  return LLVM::GEPOp::create(b, loc, base.getType(), storageType(b, elementType), base,
                             ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(index)});
}

Value Emitter::vectorOf(ArrayRef<Value> elements) {
  if (elements.size() == 1)
    return elements[0];
  auto type = VectorType::get({int64_t(elements.size())}, elements[0].getType());
  Value vec = LLVM::UndefOp::create(b, loc, type);
  for (auto [i, element] : llvm::enumerate(elements))
    vec = LLVM::InsertElementOp::create(b, loc, vec, element, i32(i));
  return vec;
}

void Emitter::storeShared(Value ptr, ArrayRef<Value> values) {
  SmallVector<Value> stored;
  for (Value v : values)
    stored.push_back(v.getType().isInteger(1) ? LLVM::ZExtOp::create(b, loc, b.getI8Type(), v)
                                              : v);
  unsigned bytes = storageBytes(stored[0].getType());
  LLVM::StoreOp::create(b, loc, vectorOf(stored), ptr, bytes * stored.size());
}

SmallVector<Value> Emitter::loadShared(Value ptr, Type type, unsigned count) {
  Type storage = storageType(b, type);
  unsigned bytes = storageBytes(storage);
  SmallVector<Value> values;
  if (count == 1) {
    values.push_back(LLVM::LoadOp::create(b, loc, storage, ptr, bytes));
  } else {
    auto vecType = VectorType::get({int64_t(count)}, storage);
    Value vec = LLVM::LoadOp::create(b, loc, vecType, ptr, bytes * count);
    for (unsigned i = 0; i < count; ++i)
      values.push_back(LLVM::ExtractElementOp::create(b, loc, vec, i32(i)));
  }
  if (type.isInteger(1))
    for (Value &v : values)
      v = LLVM::TruncOp::create(b, loc, type, v);
  return values;
}

//===----------------------------------------------------------------------===//
// Linear maps of thread coordinates
//===----------------------------------------------------------------------===//

namespace {
/// A value and the bits it may have set: terms with disjoint bits are added (an add folds
/// into addresses and immediates), overlapping ones XORed.
struct Term {
  Value value;
  uint64_t bits;
};

Term combine(Emitter &e, Term a, Term b) {
  if (!a.value)
    return b;
  if (!b.value)
    return a;
  return {(a.bits & b.bits) ? e.xor_(a.value, b.value) : e.add(a.value, b.value),
          a.bits | b.bits};
}

Term linearMap(Emitter &e, Value x, ArrayRef<uint64_t> perBit) {
  Term acc{Value(), 0};
  for (unsigned k = 0; k < perBit.size();) {
    uint64_t c = perBit[k];
    if (c == 0) {
      ++k;
      continue;
    }
    if (llvm::isPowerOf2_64(c)) {
      // Bits k, k+1, ... that land on consecutive bits: one field.
      unsigned len = 1;
      while (k + len < perBit.size() && perBit[k + len] == c << len)
        ++len;
      uint64_t fieldMask = (uint64_t(1) << len) - 1;
      Value field = e.and_(e.lshr(x, k), e.i32(fieldMask));
      unsigned shift = llvm::Log2_64(c);
      acc = combine(e, acc, {e.shl(field, shift), fieldMask << shift});
      k += len;
      continue;
    }
    Value bit = e.and_(e.lshr(x, k), e.i32(1));
    acc = combine(e, acc, {e.and_(e.sub(e.i32(0), bit), e.i32(c)), c});
    ++k;
  }
  return acc;
}

uint64_t allBits(ArrayRef<uint64_t> values) {
  uint64_t bits = 0;
  for (uint64_t v : values)
    bits |= v;
  return bits;
}

/// The thread part of `layout` mapped through `map` (element -> something linear).
Term threadTerm(Emitter &e, const LinearLayout &layout,
                function_ref<uint64_t(uint64_t)> map) {
  SmallVector<uint64_t> lanes, warps;
  for (uint64_t b : layout.getBases(LinearLayout::Lane))
    lanes.push_back(map(b));
  for (uint64_t b : layout.getBases(LinearLayout::Warp))
    warps.push_back(map(b));
  Term lane = linearMap(e, e.laneId(), lanes);
  Term warp = linearMap(e, e.warpId(), warps);
  return combine(e, lane, warp);
}
} // namespace

Value lacc::conversion::emitLinearMap(Emitter &e, Value x, ArrayRef<uint64_t> perBit) {
  Term t = linearMap(e, x, perBit);
  return t.value ? t.value : e.i32(0);
}

Value lacc::conversion::emitThreadPart(Emitter &e, const LinearLayout &layout) {
  Term t = threadTerm(e, layout, [](uint64_t b) { return b; });
  return t.value ? t.value : e.i32(0);
}

SmallVector<SmallVector<Value>> lacc::conversion::emitIndices(Emitter &e, RankedTensorType type) {
  LinearLayout layout = toLinearLayout(type);
  unsigned rank = layout.getRank();
  SmallVector<uint64_t> threadBases(layout.getBases(LinearLayout::Lane));
  llvm::append_range(threadBases, layout.getBases(LinearLayout::Warp));
  uint64_t threadBits = allBits(threadBases);
  uint64_t registerBits = allBits(layout.getBases(LinearLayout::Register));
  Value thread = emitThreadPart(e, layout);
  // Per dimension: the thread's coordinate, and whether registers add to it without carries.
  SmallVector<Value> threadCoord(rank);
  SmallVector<bool> disjoint(rank);
  for (unsigned d = 0; d < rank; ++d) {
    unsigned shift = layout.getDimShift(d);
    uint64_t mask = uint64_t(layout.getShape()[d]) - 1;
    threadCoord[d] = e.and_(e.lshr(thread, shift), e.i32(mask));
    disjoint[d] = ((threadBits >> shift) & (registerBits >> shift) & mask) == 0;
  }
  SmallVector<SmallVector<Value>> indices;
  for (int64_t r = 0; r < layout.getInSize(LinearLayout::Register); ++r) {
    uint64_t reg = layout.applyOne(LinearLayout::Register, r);
    SmallVector<Value> index;
    for (unsigned d = 0; d < rank; ++d) {
      int64_t c = layout.getDimField(reg, d);
      if (c == 0)
        index.push_back(threadCoord[d]);
      else
        index.push_back(disjoint[d] ? e.add(threadCoord[d], e.i32(c))
                                    : e.xor_(threadCoord[d], e.i32(c)));
    }
    indices.push_back(std::move(index));
  }
  return indices;
}

Value lacc::conversion::emitThreadOwnership(Emitter &e, const LinearLayout &layout) {
  SmallVector<uint64_t> redundant = layout.getRedundantMasks();
  Value thread;
  auto clear = [&](Value coord, uint64_t mask) {
    return e.icmp(LLVM::ICmpPredicate::eq, e.and_(coord, e.i32(mask)), e.i32(0));
  };
  if (redundant[LinearLayout::Lane])
    thread = clear(e.laneId(), redundant[LinearLayout::Lane]);
  if (redundant[LinearLayout::Warp]) {
    Value warp = clear(e.warpId(), redundant[LinearLayout::Warp]);
    thread = thread ? e.and_(thread, warp) : warp;
  }
  return thread;
}

SmallVector<Value> lacc::conversion::emitOwnership(Emitter &e, RankedTensorType type) {
  LinearLayout layout = toLinearLayout(type);
  SmallVector<uint64_t> redundant = layout.getRedundantMasks();
  Value thread = emitThreadOwnership(e, layout);
  SmallVector<Value> owned;
  for (int64_t r = 0; r < layout.getInSize(LinearLayout::Register); ++r)
    owned.push_back((r & redundant[LinearLayout::Register]) ? e.i1(false) : thread);
  return owned;
}

SmallVector<unsigned> lacc::conversion::mapRegisters(const LinearLayout &from,
                                                     const LinearLayout &to) {
  if (from.getShape() != to.getShape() ||
      from.getBases(LinearLayout::Lane) != to.getBases(LinearLayout::Lane) ||
      from.getBases(LinearLayout::Warp) != to.getBases(LinearLayout::Warp))
    return {};
  llvm::DenseMap<uint64_t, unsigned> registerOf;
  for (int64_t r = from.getInSize(LinearLayout::Register); r-- > 0;)
    registerOf[from.applyOne(LinearLayout::Register, r)] = r;
  SmallVector<unsigned> map;
  for (int64_t r = 0; r < to.getInSize(LinearLayout::Register); ++r) {
    auto it = registerOf.find(to.applyOne(LinearLayout::Register, r));
    if (it == registerOf.end())
      return {};
    map.push_back(it->second);
  }
  return map;
}

//===----------------------------------------------------------------------===//
// Predicated global accesses
//===----------------------------------------------------------------------===//

void lacc::conversion::emitIf(OpBuilder &b, Location loc, Value pred,
                              function_ref<void()> body) {
  emitPredicated(
      b, loc, pred, {},
      [&] {
        body();
        return SmallVector<Value>();
      },
      [] { return SmallVector<Value>(); });
}

SmallVector<Value> lacc::conversion::emitPredicated(OpBuilder &b, Location loc, Value pred,
                                                    TypeRange types,
                                                    function_ref<SmallVector<Value>()> body,
                                                    function_ref<SmallVector<Value>()> otherwise) {
  if (!pred)
    return body();
  auto ifOp = scf::IfOp::create(b, loc, types, pred, /*withElseRegion=*/!types.empty());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  SmallVector<Value> thenValues = body();
  if (!types.empty()) {
    scf::YieldOp::create(b, loc, thenValues);
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, otherwise());
  }
  return SmallVector<Value>(ifOp.getResults());
}

SmallVector<Value> lacc::conversion::emitWritePredicates(Emitter &e, Value ptr, ValueRange mask) {
  auto type = cast<RankedTensorType>(ptr.getType());
  SmallVector<Value> preds = emitOwnership(e, type);
  if (!mask.empty())
    for (auto [pred, m] : llvm::zip_equal(preds, mask))
      pred = pred ? e.and_(pred, m) : m;
  return preds;
}

//===----------------------------------------------------------------------===//
// Tiles in shared memory
//===----------------------------------------------------------------------===//

namespace {
/// Per register group of `vec`: its constant offset; and the thread's offset term.
struct SharedAccess {
  Term thread;
  SmallVector<uint64_t> registerOffsets; // one per register
  uint64_t registerBits;
};

SharedAccess planAccess(Emitter &e, const LinearLayout &layout, const SharedOffsetMap &offsetOf) {
  SharedAccess access;
  access.thread = threadTerm(e, layout, [&](uint64_t b) { return offsetOf.linear(b); });
  access.registerBits = 0;
  for (int64_t r = 0; r < layout.getInSize(LinearLayout::Register); ++r) {
    uint64_t offset = offsetOf(layout.applyOne(LinearLayout::Register, r));
    access.registerOffsets.push_back(offset);
    access.registerBits |= offset;
  }
  return access;
}

Value groupAddress(Emitter &e, Value base, Type element, const SharedAccess &access,
                   int64_t firstRegister) {
  uint64_t c = access.registerOffsets[firstRegister];
  Term offset = access.thread;
  if (c) {
    Value constant = e.i32(c);
    offset = !offset.value ? Term{constant, c}
             : (offset.bits & access.registerBits)
                 ? Term{e.xor_(offset.value, constant), offset.bits | c}
                 : Term{e.add(offset.value, constant), offset.bits | c};
  }
  return e.sharedElementPtr(base, element, offset.value ? offset.value : e.i32(0));
}
} // namespace

SmallVector<Value> lacc::conversion::sharedGroupAddresses(Emitter &e, Value base,
                                                          const LinearLayout &layout,
                                                          const SharedOffsetMap &shared,
                                                          Type element, unsigned vec) {
  SharedAccess access = planAccess(e, layout, shared);
  SmallVector<Value> addresses;
  for (int64_t r = 0; r < layout.getInSize(LinearLayout::Register); r += vec)
    addresses.push_back(groupAddress(e, base, element, access, r));
  return addresses;
}

SharedOffsetMap lacc::conversion::sharedOffsetsOf(MemDescType type) {
  LinearLayout buffer = type.getEncoding().toLinearLayout(type.getBufferShape());
  if (!type.isView())
    return SharedOffsetMap(buffer);
  return SharedOffsetMap(buffer, type.getShape(), type.getOffsets());
}

void lacc::conversion::storeToShared(Emitter &e, Value base, const LinearLayout &layout,
                                     const SharedOffsetMap &shared, ValueRange values,
                                     unsigned vec) {
  SharedAccess access = planAccess(e, layout, shared);
  uint64_t redundant = layout.getRedundantMasks()[LinearLayout::Register];
  auto store = [&] {
    for (int64_t r = 0; r < int64_t(values.size()); r += vec) {
      if (r & redundant)
        continue; // another register holds (and writes) the same element
      Value ptr = groupAddress(e, base, values[r].getType(), access, r);
      e.storeShared(ptr, llvm::to_vector(values.slice(r, vec)));
    }
  };
  // Lanes and warps holding replicas do not write: the same value written twice is a race
  // for compute-sanitizer, and costs bandwidth.
  emitIf(e.builder(), e.location(), emitThreadOwnership(e, layout), store);
}

SmallVector<Value> lacc::conversion::loadFromShared(Emitter &e, Value base,
                                                    const LinearLayout &layout,
                                                    const SharedOffsetMap &shared, Type element,
                                                    unsigned vec) {
  SharedAccess access = planAccess(e, layout, shared);
  SmallVector<Value> values;
  for (int64_t r = 0; r < layout.getInSize(LinearLayout::Register); r += vec) {
    Value ptr = groupAddress(e, base, element, access, r);
    llvm::append_range(values, e.loadShared(ptr, element, vec));
  }
  return values;
}

SmallVector<Value> lacc::conversion::packMmaOperand(Emitter &e, ValueRange elements,
                                                  int64_t first, int64_t count, unsigned kWidth) {
  OpBuilder &b = e.builder();
  Location loc = e.location();
  SmallVector<Value> regs;
  for (int64_t i = first; i < first + count; i += kWidth) {
    if (kWidth == 1) { // tf32
      regs.push_back(NVVM::ConvertFloatToTF32Op::create(b, loc, b.getI32Type(), elements[i],
                                                        NVVM::FPRoundingMode::RNA,
                                                        NVVM::SaturationMode::NONE, false));
      continue;
    }
    Value pair = e.vectorOf(llvm::to_vector(elements.slice(i, kWidth)));
    // f16 pairs go as <2 x half>; bf16 (and 8-bit) as their 32 bits.
    if (!elements[i].getType().isF16())
      pair = LLVM::BitcastOp::create(b, loc, b.getI32Type(), pair);
    regs.push_back(pair);
  }
  return regs;
}
