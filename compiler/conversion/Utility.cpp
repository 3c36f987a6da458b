//===- Utility.cpp - shared pieces of the tilegpu -> LLVM lowering --------===//

#include "compiler/conversion/Utility.h"

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

Value Emitter::threadId() {
  return NVVM::ThreadIdXOp::create(b, loc, b.getI32Type());
}
Value Emitter::laneId() { return and_(threadId(), i32(31)); }
Value Emitter::warpId() { return lshr(threadId(), 5); }
void Emitter::barrier() { NVVM::Barrier0Op::create(b, loc); }

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
    Value lo = LLVM::TruncOp::create(b, loc, i32Type, asInt);
    Value hi = LLVM::TruncOp::create(
        b, loc, i32Type, LLVM::LShrOp::create(b, loc, asInt, LLVM::ConstantOp::create(
                                                              b, loc, intType, b.getIntegerAttr(intType, 32))));
    Value loS = LLVM::ZExtOp::create(b, loc, intType, shfl32(lo));
    Value hiS = LLVM::ZExtOp::create(b, loc, intType, shfl32(hi));
    Value hiShifted = LLVM::ShlOp::create(
        b, loc, hiS, LLVM::ConstantOp::create(b, loc, intType, b.getIntegerAttr(intType, 32)));
    result = LLVM::OrOp::create(b, loc, loS, hiShifted);
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
  auto offset = op->getAttrOfType<IntegerAttr>(TileGPUDialect::kSharedOffsetAttrName);
  if (!offset || offset.getInt() == 0)
    return base;
  return LLVM::GEPOp::create(b, loc, ptrType, b.getI8Type(), base,
                             ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(offset.getInt())});
}

/// Shared memory holds i1 as bytes: LLVM's i1 has no defined in-memory size of one bit.
static Type storageType(OpBuilder &b, Type type) {
  return type.isInteger(1) ? b.getI8Type() : type;
}

Value Emitter::sharedElementPtr(Value base, Type elementType, Value index) {
  return LLVM::GEPOp::create(b, loc, base.getType(), storageType(b, elementType), base,
                             ArrayRef<LLVM::GEPArg>{LLVM::GEPArg(index)});
}

void Emitter::storeShared(Value ptr, Value value) {
  if (value.getType().isInteger(1))
    value = LLVM::ZExtOp::create(b, loc, b.getI8Type(), value);
  LLVM::StoreOp::create(b, loc, value, ptr);
}

Value Emitter::loadShared(Value ptr, Type type) {
  Value value = LLVM::LoadOp::create(b, loc, storageType(b, type), ptr);
  if (type.isInteger(1))
    value = LLVM::TruncOp::create(b, loc, type, value);
  return value;
}

//===----------------------------------------------------------------------===//
// Thread coordinates and element indices
//===----------------------------------------------------------------------===//

ThreadCoords lacc::conversion::emitThreadCoords(Emitter &e, BlockedEncodingAttr layout) {
  unsigned rank = layout.getRank();
  ThreadCoords coords;
  coords.lane.resize(rank);
  coords.warp.resize(rank);
  Value lane = e.laneId(), warp = e.warpId();
  // Lanes and warps are split over the dimensions in `order`, the fastest first.
  unsigned laneShift = 0, warpShift = 0;
  for (unsigned d : layout.getOrder()) {
    unsigned tpw = layout.getThreadsPerWarp()[d], wpc = layout.getWarpsPerCTA()[d];
    coords.lane[d] = e.and_(e.lshr(lane, laneShift), e.i32(tpw - 1));
    coords.warp[d] = e.and_(e.lshr(warp, warpShift), e.i32(wpc - 1));
    laneShift += llvm::Log2_32(tpw);
    warpShift += llvm::Log2_32(wpc);
  }
  return coords;
}

SmallVector<Value> lacc::conversion::emitThreadBase(Emitter &e, DistributedLayoutAttr layout) {
  if (auto blocked = dyn_cast<BlockedEncodingAttr>(layout)) {
    ThreadCoords coords = emitThreadCoords(e, blocked);
    SmallVector<Value> base;
    for (unsigned d = 0; d < blocked.getRank(); ++d) {
      Value thread = e.add(e.mul(coords.warp[d], e.i32(blocked.getThreadsPerWarp()[d])),
                           coords.lane[d]);
      base.push_back(e.mul(thread, e.i32(blocked.getSizePerThread()[d])));
    }
    return base;
  }
  if (auto slice = dyn_cast<SliceEncodingAttr>(layout)) {
    SmallVector<Value> base = emitThreadBase(e, slice.getParent());
    base.erase(base.begin() + slice.getDim());
    return base;
  }
  auto dot = cast<DotOperandEncodingAttr>(layout);
  SmallVector<Value> base = emitThreadBase(e, dot.getParent());
  base[dot.getOpIdx() == 0 ? 1 : 0] = e.i32(0); // every thread walks the whole K extent
  return base;
}

SmallVector<SmallVector<Value>> lacc::conversion::emitIndices(Emitter &e, RankedTensorType type) {
  auto layout = getDistributedLayout(type);
  SmallVector<Value> base = emitThreadBase(e, layout);
  SmallVector<SmallVector<Value>> indices;
  for (const auto &offset : layout.getElemOffsets(type.getShape())) {
    SmallVector<Value> index;
    for (unsigned d = 0; d < type.getRank(); ++d)
      index.push_back(e.and_(e.add(base[d], e.i32(offset[d])), e.i32(type.getDimSize(d) - 1)));
    indices.push_back(std::move(index));
  }
  return indices;
}

/// Whether this thread is not a replica along the dimensions that slices removed.
static Value emitSliceCanonical(Emitter &e, DistributedLayoutAttr layout) {
  Value canonical = e.i1(true);
  while (auto slice = dyn_cast<SliceEncodingAttr>(layout)) {
    SmallVector<Value> parentBase = emitThreadBase(e, slice.getParent());
    canonical = e.and_(canonical, e.icmp(LLVM::ICmpPredicate::eq, parentBase[slice.getDim()],
                                         e.i32(0)));
    layout = slice.getParent();
  }
  return canonical;
}

SmallVector<Value> lacc::conversion::emitOwnership(Emitter &e, RankedTensorType type) {
  auto layout = getDistributedLayout(type);
  SmallVector<Value> base = emitThreadBase(e, layout);
  Value canonical = emitSliceCanonical(e, layout);
  SmallVector<Value> owned;
  for (const auto &offset : layout.getElemOffsets(type.getShape())) {
    Value inside = canonical;
    for (unsigned d = 0; d < type.getRank(); ++d)
      inside = e.and_(inside, e.icmp(LLVM::ICmpPredicate::ult, e.add(base[d], e.i32(offset[d])),
                                     e.i32(type.getDimSize(d))));
    owned.push_back(inside);
  }
  return owned;
}

Value lacc::conversion::linearize(Emitter &e, ArrayRef<Value> index, ArrayRef<int64_t> shape) {
  Value linear = index[0];
  for (unsigned d = 1; d < shape.size(); ++d)
    linear = e.add(e.mul(linear, e.i32(shape[d])), index[d]);
  return linear;
}

void lacc::conversion::storeTileToShared(Emitter &e, Value base, RankedTensorType type,
                                         ValueRange elements,
                                         function_ref<Value(ArrayRef<Value>)> position) {
  auto indices = emitIndices(e, type);
  for (auto [index, element] : llvm::zip_equal(indices, elements))
    e.storeShared(e.sharedElementPtr(base, element.getType(), position(index)), element);
}

SmallVector<Value>
lacc::conversion::loadTileFromShared(Emitter &e, Value base, RankedTensorType type, Type llvmElement,
                                     function_ref<Value(ArrayRef<Value>)> position) {
  SmallVector<Value> elements;
  for (const auto &index : emitIndices(e, type))
    elements.push_back(
        e.loadShared(e.sharedElementPtr(base, llvmElement, position(index)), llvmElement));
  return elements;
}
