//===- TileAttrs.td - enumerations -------------------------*- tablegen -*-===//

#ifndef LACC_TILE_ATTRS
#define LACC_TILE_ATTRS

include "mlir/IR/EnumAttr.td"

def Tile_CombineKind : I32EnumAttr<"CombineKind",
    "how a reduction or scan combines elements", [
      I32EnumAttrCase<"Sum", 0, "sum">,
      I32EnumAttrCase<"Max", 1, "max">,
      I32EnumAttrCase<"Min", 2, "min">,
      I32EnumAttrCase<"Prod", 3, "prod">,
    ]> {
  let cppNamespace = "::lacc::tile";
}

def Tile_AtomicKind : I32EnumAttr<"AtomicKind",
    "the read-modify-write an atomic performs", [
      I32EnumAttrCase<"Add", 0, "add">,
      I32EnumAttrCase<"Max", 1, "max">,
      I32EnumAttrCase<"Min", 2, "min">,
      I32EnumAttrCase<"Exchange", 3, "xchg">,
    ]> {
  let cppNamespace = "::lacc::tile";
}

#endif // LACC_TILE_ATTRS
