//===- TileTensorDescOps.td - tensor descriptors -----------*- tablegen -*-===//
//
// Triton's tensor descriptors. Element (i0, ..., in) of the block at `offsets`
// is the tensor's element (offsets[d] + i_d)_d, at
// `base + sum_d (offsets[d] + i_d) * strides[d]` elements from base; indices
// outside [0, shape[d]) along any dimension read zero and are not written,
// as the TMA does.
//
// The descriptor's operands are kernel parameters or constants only (the
// verifier checks it): the runtime reads the same values from the launch's
// arguments to build the TMA descriptor on the host.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILE_TENSOR_DESC_OPS
#define LACC_TILE_TENSOR_DESC_OPS

def Tile_MakeTensorDescOp : Tile_Op<"make_tensor_desc", [Pure, SameVariadicOperandSize,
    TypesMatchWith<"base points to the block's element type", "result", "base",
                   "::lacc::tile::PointerType::get(::mlir::cast<::lacc::tile::TensorDescType>("
                   "$_self).getElementType())">]> {
  let summary = "a tensor descriptor (Triton's make_tensor_descriptor)";
  let description = [{
    `shape` and `strides` (i32 or i64, in elements, outermost dimension first)
    describe the tensor at `base`; the innermost stride is the constant 1.
    Each operand is an argument of the kernel or a constant.
  }];
  let arguments = (ins Tile_Ptr:$base, Variadic<AnySignlessInteger>:$shape,
                       Variadic<AnySignlessInteger>:$strides);
  let results = (outs Tile_TensorDesc:$result);
  let assemblyFormat = [{
    $base `,` `[` $shape `]` `,` `[` $strides `]` attr-dict `:` `[` type($shape) `]` `,`
    `[` type($strides) `]` `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def Tile_DescriptorLoadOp : Tile_Op<"descriptor_load", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "read the block of a tensor descriptor at offsets (zero outside the tensor)";
  let description = [{
    The result is the descriptor's block type, or that block with leading
    unit dimensions dropped (a block of 1xBLOCKxD read as BLOCKxD: what
    `reshape(desc.load(...))` folds into, so that a rank-3 descriptor's
    block still fills a 2-D tile); at the tilegpu level (on sm_90a, where the
    TMA serves these loads) it also carries a layout.
  }];
  let arguments = (ins Tile_TensorDesc:$desc, Variadic<I32>:$offsets);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = [{
    $desc `[` $offsets `]` attr-dict `:` qualified(type($desc)) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// The op that made the descriptor (the verifier checks there is one).
    MakeTensorDescOp getDescOp();
  }];
}

def Tile_DescriptorStoreOp : Tile_Op<"descriptor_store", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "write a tile into the block of a tensor descriptor at offsets (clipped to the tensor)";
  let description = [{
    `value` is the descriptor's block type, or that block with leading unit
    dimensions dropped (a 1xBLOCKxD block written from a BLOCKxD tile), with
    a layout or not; its element type is the descriptor's. Elements whose
    index lies outside [0, shape[d]) along any dimension are not written
    (the TMA clips its stores the same way).
  }];
  let arguments = (ins Tile_TensorDesc:$desc, Variadic<I32>:$offsets, Tile_AnyTile:$value);
  let assemblyFormat = [{
    $desc `[` $offsets `]` `,` $value attr-dict `:` qualified(type($desc)) `,` type($value)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The op that made the descriptor (the verifier checks there is one).
    MakeTensorDescOp getDescOp();
  }];
}

#endif // LACC_TILE_TENSOR_DESC_OPS
