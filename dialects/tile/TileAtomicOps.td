//===- TileAtomicOps.td - atomics and barriers -------------*- tablegen -*-===//
//
// Every atomic carries Triton's memory ordering (`sem`, default acq_rel) and
// scope (default gpu). An atomic on a scalar pointer is one update for the
// whole program, and its result is that one old value in every thread.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILE_ATOMIC_OPS
#define LACC_TILE_ATOMIC_OPS

class Tile_AtomicOrdering {
  dag orderingArgs = (ins
    DefaultValuedAttr<Tile_MemSemantic, "::lacc::tile::MemSemantic::AcqRel">:$sem,
    DefaultValuedAttr<Tile_MemScope, "::lacc::tile::MemScope::Gpu">:$scope);
}

def Tile_AtomicRMWOp : Tile_Op<"atomic_rmw", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    TypesMatchWith<"value type is the pointee type of ptr", "ptr", "value",
                   "::lacc::tile::getPointeeType($_self)">,
    TypesMatchWith<"result type is the pointee type of ptr", "ptr", "result",
                   "::lacc::tile::getPointeeType($_self)">,
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask",
                           "::lacc::tile::getI1SameShape($_self)">]>, Tile_AtomicOrdering {
  let summary = "atomic read-modify-write of global memory; yields the old values";
  let description = [{
    Integers: add, signed max/min, xchg (32 or 64 bits). Floats: add (16, 32
    or 64 bits), max/min and xchg (32 or 64 bits); float max/min order
    -0 < +0 and propagate NaN, like `arith.maximumf`.
  }];
  let arguments = !con((ins Tile_AtomicKind:$kind, Tile_PtrLike:$ptr,
                            Tile_ValueLike:$value, Optional<Tile_BoolLike>:$mask),
                       orderingArgs);
  let results = (outs Tile_ValueLike:$result);
  let assemblyFormat = [{
    $kind $ptr `,` $value (`,` $mask^)? (`sem` `=` $sem^)? (`scope` `=` $scope^)? attr-dict
    `:` type($ptr)
  }];
  let hasVerifier = 1;
}

def Tile_AtomicCASOp : Tile_Op<"atomic_cas", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    TypesMatchWith<"cmp type is the pointee type of ptr", "ptr", "cmp",
                   "::lacc::tile::getPointeeType($_self)">,
    TypesMatchWith<"val type is the pointee type of ptr", "ptr", "val",
                   "::lacc::tile::getPointeeType($_self)">,
    TypesMatchWith<"result type is the pointee type of ptr", "ptr", "result",
                   "::lacc::tile::getPointeeType($_self)">]>, Tile_AtomicOrdering {
  let summary = "atomic compare-and-swap; yields the old values";
  let description = [{
    Per element: `old = *ptr; if (old == cmp) *ptr = val; result = old`, as
    one atomic step. Floats compare their bits (PTX `atom.cas.b32/.b64`).
    32- or 64-bit integers or floats.
  }];
  let arguments = !con((ins Tile_PtrLike:$ptr, Tile_ValueLike:$cmp, Tile_ValueLike:$val),
                       orderingArgs);
  let results = (outs Tile_ValueLike:$result);
  let assemblyFormat = [{
    $ptr `,` $cmp `,` $val (`sem` `=` $sem^)? (`scope` `=` $scope^)? attr-dict `:` type($ptr)
  }];
  let hasVerifier = 1;
}

def Tile_BarrierOp : Tile_Op<"barrier", [MemoryEffects<[MemRead, MemWrite]>]> {
  let summary = "wait until every thread of the program arrives (Triton's debug_barrier)";
  let description = [{
    A barrier over the program's threads (the CTA). The memory effects keep
    loads, stores and atomics from moving across it.
  }];
  let assemblyFormat = "attr-dict";
}

#endif // LACC_TILE_ATOMIC_OPS
