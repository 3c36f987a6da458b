//===- AtomicOps.cpp - atomic_rmw, atomic_cas -----------------------------===//

#include "dialects/tile/TileDialect.h"

using namespace mlir;
using namespace lacc::tile;

template <typename AtomicOp>
static void readWriteEffects(
    AtomicOp op, SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  effects.emplace_back(MemoryEffects::Read::get(), &op.getPtrMutable(),
                       SideEffects::DefaultResource::get());
  effects.emplace_back(MemoryEffects::Write::get(), &op.getPtrMutable(),
                       SideEffects::DefaultResource::get());
}

void AtomicRMWOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  readWriteEffects(*this, effects);
}

void AtomicCASOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &effects) {
  readWriteEffects(*this, effects);
}

LogicalResult AtomicRMWOp::verify() {
  Type elt = getElementTypeOrSelf(getValue().getType());
  unsigned width = elt.getIntOrFloatBitWidth();
  // 16-bit floats have a native add (atom.add.noftz.f16/.bf16) and nothing else.
  if (isa<FloatType>(elt) && width == 16 && getKind() != AtomicKind::Add)
    return emitOpError("16-bit float atomics support only add, got ")
           << stringifyAtomicKind(getKind()) << " on " << elt;
  if (width < (isa<FloatType>(elt) ? 16u : 32u))
    return emitOpError("atomics need 32- or 64-bit integers or floats, got ") << elt;
  return success();
}

LogicalResult AtomicCASOp::verify() {
  Type elt = getElementTypeOrSelf(getVal().getType());
  unsigned width = elt.getIntOrFloatBitWidth();
  if (width != 32 && width != 64)
    return emitOpError("compare-and-swap needs 32- or 64-bit integers or floats, got ") << elt;
  return success();
}
