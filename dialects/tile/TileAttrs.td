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

// Memory ordering and scope of an atomic, as Triton's `sem=` and `scope=` (and
// PTX's `.sem` / `.scope` qualifiers).
def Tile_MemSemantic : I32EnumAttr<"MemSemantic",
    "the memory ordering an atomic guarantees", [
      I32EnumAttrCase<"Relaxed", 0, "relaxed">,
      I32EnumAttrCase<"Acquire", 1, "acquire">,
      I32EnumAttrCase<"Release", 2, "release">,
      I32EnumAttrCase<"AcqRel", 3, "acq_rel">,
    ]> {
  let cppNamespace = "::lacc::tile";
}

def Tile_MemScope : I32EnumAttr<"MemScope",
    "the threads an atomic's ordering is promised to", [
      I32EnumAttrCase<"Cta", 0, "cta">,
      I32EnumAttrCase<"Gpu", 1, "gpu">,
      I32EnumAttrCase<"Sys", 2, "sys">,
    ]> {
  let cppNamespace = "::lacc::tile";
}

// How the products of f32 operands of a dot are computed (Triton's
// `input_precision`); other operand types ignore it.
def Tile_InputPrecision : I32EnumAttr<"InputPrecision",
    "how f32 dot operands are multiplied", [
      I32EnumAttrCase<"IEEE", 0, "ieee">,
      I32EnumAttrCase<"TF32", 1, "tf32">,
      I32EnumAttrCase<"TF32x3", 2, "tf32x3">,
    ]> {
  let cppNamespace = "::lacc::tile";
}

// What a block-pointer load yields where its boundary check fails.
def Tile_Padding : I32EnumAttr<"Padding",
    "the value of out-of-bounds elements of a block-pointer load", [
      I32EnumAttrCase<"Zero", 0, "zero">,
      I32EnumAttrCase<"NaN", 1, "nan">,
    ]> {
  let cppNamespace = "::lacc::tile";
}

#endif // LACC_TILE_ATTRS
