//===- TileGPUTypes.td - shared-memory descriptors ---------*- tablegen -*-===//

#ifndef LACC_TILEGPU_TYPES
#define LACC_TILEGPU_TYPES

include "dialects/tilegpu/TileGPUAttrs.td"

def TileGPU_MemDescType : TypeDef<TileGPU_Dialect, "MemDesc"> {
  let mnemonic = "memdesc";
  let summary = "a tile-shaped buffer in shared memory";
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape, "::mlir::Type":$elementType,
                        "::lacc::tilegpu::SharedEncodingAttr":$encoding);
  let assemblyFormat = "`<` custom<Shape>($shape, $elementType) `,` qualified($encoding) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    int64_t getNumElements() const;
    /// Bytes the buffer occupies.
    int64_t getSizeInBytes() const;
  }];
}

#endif // LACC_TILEGPU_TYPES
