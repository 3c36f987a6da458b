//===- TileTypes.td - pointer type and type constraints ----*- tablegen -*-===//

#ifndef LACC_TILE_TYPES
#define LACC_TILE_TYPES

include "dialects/tile/TileDialect.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def Tile_PtrType : TypeDef<Tile_Dialect, "Pointer"> {
  let mnemonic = "ptr";
  let summary = "a pointer to global memory holding elements of one scalar type";
  let parameters = (ins "::mlir::Type":$pointeeType);
  let assemblyFormat = "`<` $pointeeType `>`";
  let builders = [
    TypeBuilderWithInferredContext<(ins "::mlir::Type":$pointeeType), [{
      return $_get(pointeeType.getContext(), pointeeType);
    }]>
  ];
  let genVerifyDecl = 1;
}

def Tile_BlockPtrType : TypeDef<Tile_Dialect, "BlockPointer"> {
  let mnemonic = "block_ptr";
  let summary = "a block-shaped window into a strided tensor in global memory";
  let description = [{
    Triton's block pointer (`tl.make_block_ptr`): the base pointer, shape and
    strides of a tensor in global memory, and the offsets of a window of the
    static shape of `blockType` into it. Built by `tile.make_block_ptr`, moved
    by `tile.advance`, read and written by `tile.block_load` / `tile.block_store`;
    `tile-rewrite-block-pointers` turns all of these into tiles of pointers
    and masks before code generation.
  }];
  let parameters = (ins "::mlir::RankedTensorType":$blockType);
  let assemblyFormat = "`<` $blockType `>`";
  let builders = [
    TypeBuilderWithInferredContext<(ins "::mlir::RankedTensorType":$blockType), [{
      return $_get(blockType.getContext(), blockType);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getBlockType().getRank(); }
    ::mlir::Type getElementType() const { return getBlockType().getElementType(); }
  }];
  let genVerifyDecl = 1;
}

def Tile_TensorDescType : TypeDef<Tile_Dialect, "TensorDesc"> {
  let mnemonic = "tensor_desc";
  let summary = "a descriptor of a strided 2-D (or N-D) tensor read in blocks";
  let description = [{
    Triton's tensor descriptor (`tl.make_tensor_descriptor`): base, shape and
    strides of a tensor in global memory, read one `blockType`-shaped block at
    a time by `tile.descriptor_load`. Unlike a block pointer it holds no
    offsets, and it is made only from kernel parameters and constants: the
    runtime builds the hardware descriptor (a CUtensorMap for the tensor memory
    accelerator) on the host at each launch from the same values.
  }];
  let parameters = (ins "::mlir::RankedTensorType":$blockType);
  let assemblyFormat = "`<` $blockType `>`";
  let builders = [
    TypeBuilderWithInferredContext<(ins "::mlir::RankedTensorType":$blockType), [{
      return $_get(blockType.getContext(), blockType);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getBlockType().getRank(); }
    ::mlir::Type getElementType() const { return getBlockType().getElementType(); }
  }];
  let genVerifyDecl = 1;
}

// Element types a tile may hold. fp8 (e4m3 as f8E4M3FN, e5m2 as f8E5M2) is
// storage and dot-operand only: the front end converts it before arithmetic.
def Tile_Float : AnyTypeOf<[F8E4M3FN, F8E5M2, F16, BF16, F32, F64], "floating-point">;
def Tile_Int : AnyTypeOf<[I1, I8, I16, I32, I64], "integer">;
def Tile_Ptr : Type<CPred<"::mlir::isa<::lacc::tile::PointerType>($_self)">, "tile pointer",
                    "::lacc::tile::PointerType">;
def Tile_BlockPtr : Type<CPred<"::mlir::isa<::lacc::tile::BlockPointerType>($_self)">,
                         "block pointer", "::lacc::tile::BlockPointerType">;

def Tile_TensorDesc : Type<CPred<"::mlir::isa<::lacc::tile::TensorDescType>($_self)">,
                           "tensor descriptor", "::lacc::tile::TensorDescType">;

class Tile_TileOf<list<Type> elts>
    : RankedTensorOf<elts, [HasStaticShapePred], "statically shaped ranked tensor">;
class Tile_ScalarOrTileOf<list<Type> elts> : AnyTypeOf<[AnyTypeOf<elts>, Tile_TileOf<elts>]>;

def Tile_AnyTile : Tile_TileOf<[Tile_Float, Tile_Int, Tile_Ptr]>;
def Tile_FloatTile : Tile_TileOf<[Tile_Float]>;
def Tile_IntTile : Tile_TileOf<[Tile_Int]>;
def Tile_BoolLike : Tile_ScalarOrTileOf<[I1]>;
def Tile_IntLike : Tile_ScalarOrTileOf<[Tile_Int]>;
def Tile_PtrLike : Tile_ScalarOrTileOf<[Tile_Ptr]>;
def Tile_ValueLike : Tile_ScalarOrTileOf<[Tile_Float, Tile_Int]>;
def Tile_AnyScalar : AnyTypeOf<[Tile_Float, Tile_Int, Tile_Ptr]>;

#endif // LACC_TILE_TYPES
