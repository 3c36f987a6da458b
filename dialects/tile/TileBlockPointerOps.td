//===- TileBlockPointerOps.td - block pointers -------------*- tablegen -*-===//
//
// Triton's block pointers, kept as ops so that a Hopper pass can map them to
// the tensor memory accelerator (TMA); `tile-rewrite-block-pointers` turns them
// into pointer tiles and masks for everything else.
//
// Element (i0, ..., in) of a block reads the tensor at (offsets[d] + i_d)_d,
// that is `base + sum_d (offsets[d] + i_d) * strides[d]` elements from base,
// computed in i64. Along the dimensions in `boundary_check`, an index outside
// [0, shape[d]) is not accessed: a load yields the padding there, a store
// skips it. Other dimensions are not checked.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILE_BLOCK_POINTER_OPS
#define LACC_TILE_BLOCK_POINTER_OPS

def Tile_MakeBlockPtrOp : Tile_Op<"make_block_ptr", [Pure, AttrSizedOperandSegments,
    TypesMatchWith<"base points to the block's element type", "result", "base",
                   "::lacc::tile::PointerType::get(::mlir::cast<::lacc::tile::BlockPointerType>("
                   "$_self).getElementType())">]> {
  let summary = "a block pointer into a strided tensor (Triton's make_block_ptr)";
  let description = [{
    `shape` and `strides` (i64, in elements) describe the tensor at `base`;
    `offsets` (i32) place the block; `order` lists the dimensions from the
    fastest-varying in memory to the slowest (a layout hint, as in Triton).
  }];
  let arguments = (ins Tile_Ptr:$base, Variadic<I64>:$shape, Variadic<I64>:$strides,
                       Variadic<I32>:$offsets, DenseI32ArrayAttr:$order);
  let results = (outs Tile_BlockPtr:$result);
  let assemblyFormat = [{
    $base `,` `[` $shape `]` `,` `[` $strides `]` `,` `[` $offsets `]` attr-dict `:`
    qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Tile_AdvanceOp : Tile_Op<"advance", [Pure, AllTypesMatch<["ptr", "result"]>]> {
  let summary = "move a block pointer by a number of elements along each dimension";
  let arguments = (ins Tile_BlockPtr:$ptr, Variadic<I32>:$offsets);
  let results = (outs Tile_BlockPtr:$result);
  let assemblyFormat = "$ptr `,` `[` $offsets `]` attr-dict `:` qualified(type($ptr))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_BlockLoadOp : Tile_Op<"block_load", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    TypesMatchWith<"result type is the block type of ptr", "ptr", "result",
                   "::mlir::cast<::lacc::tile::BlockPointerType>($_self).getBlockType()">]> {
  let summary = "read the block a block pointer designates";
  let arguments = (ins Tile_BlockPtr:$ptr,
                       DefaultValuedAttr<DenseI32ArrayAttr, "{}">:$boundary_check,
                       DefaultValuedAttr<Tile_Padding, "::lacc::tile::Padding::Zero">:$padding);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = [{
    $ptr (`boundary_check` `=` $boundary_check^)? (`padding` `=` $padding^)? attr-dict `:`
    qualified(type($ptr))
  }];
  let hasVerifier = 1;
}

def Tile_BlockStoreOp : Tile_Op<"block_store", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    TypesMatchWith<"value type is the block type of ptr", "ptr", "value",
                   "::mlir::cast<::lacc::tile::BlockPointerType>($_self).getBlockType()">]> {
  let summary = "write the block a block pointer designates";
  let arguments = (ins Tile_BlockPtr:$ptr, Tile_AnyTile:$value,
                       DefaultValuedAttr<DenseI32ArrayAttr, "{}">:$boundary_check);
  let assemblyFormat = [{
    $ptr `,` $value (`boundary_check` `=` $boundary_check^)? attr-dict `:` qualified(type($ptr))
  }];
  let hasVerifier = 1;
}

#endif // LACC_TILE_BLOCK_POINTER_OPS
