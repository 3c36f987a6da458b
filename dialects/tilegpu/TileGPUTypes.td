//===- TileGPUTypes.td - shared-memory descriptors ---------*- tablegen -*-===//

#ifndef LACC_TILEGPU_TYPES
#define LACC_TILEGPU_TYPES

include "dialects/tilegpu/TileGPUAttrs.td"

def TileGPU_MemDescType : TypeDef<TileGPU_Dialect, "MemDesc"> {
  let mnemonic = "memdesc";
  let summary = "a tile-shaped buffer in shared memory, or a view of one";
  let description = [{
    `!tilegpu.memdesc<64x32xbf16, #shared>` is a buffer laid out by its shared
    encoding. A view of part of a buffer (tilegpu.memdesc_slice) keeps the
    buffer's shape and the view's offset in it:
    `!tilegpu.memdesc<64x16xbf16, #shared, view of 64x32 at [0, 16]>`, so that
    its elements are addressed through the buffer's (swizzled) layout; the
    offsets are multiples of the view's extents.
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape, "::mlir::Type":$elementType,
                        "::lacc::tilegpu::SharedEncodingAttr":$encoding,
                        OptionalArrayRefParameter<"int64_t">:$viewOf,
                        OptionalArrayRefParameter<"int64_t">:$viewOffsets);
  let builders = [
    TypeBuilder<(ins "::llvm::ArrayRef<int64_t>":$shape, "::mlir::Type":$elementType,
                     "::lacc::tilegpu::SharedEncodingAttr":$encoding), [{
      return $_get($_ctxt, shape, elementType, encoding, ::llvm::ArrayRef<int64_t>(),
                   ::llvm::ArrayRef<int64_t>());
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    int64_t getDimSize(unsigned dim) const { return getShape()[dim]; }
    unsigned getElementTypeBitWidth() const { return getElementType().getIntOrFloatBitWidth(); }
    int64_t getNumElements() const;
    /// Bytes the buffer (or the view) occupies.
    int64_t getSizeInBytes() const;
    bool isView() const { return !getViewOf().empty(); }
    /// The shape of the buffer the elements live in: the view's buffer, or the shape itself.
    ::llvm::ArrayRef<int64_t> getBufferShape() const {
      return isView() ? getViewOf() : getShape();
    }
    /// Offsets of the view in its buffer (zeros for a whole buffer).
    ::llvm::SmallVector<int64_t> getOffsets() const;
  }];
}

def TileGPU_TensorMapType : TypeDef<TileGPU_Dialect, "TensorMap"> {
  let mnemonic = "tensor_map";
  let summary = "a TMA tensor map (CUtensorMap), passed to the kernel by value";
  let description = [{
    The 128-byte descriptor the tensor memory accelerator reads: the global
    tensor (base, shape, strides), the box one copy moves and the swizzle it
    writes to shared memory with. The runtime builds it at each launch from
    the kernel's arguments (the kernel's `tilegpu.tensor_maps` attribute says
    how) and passes it as a hidden `__grid_constant__` parameter after the
    user's; in the kernel it is the address of that parameter.
  }];
}

#endif // LACC_TILEGPU_TYPES
