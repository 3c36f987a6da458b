//===- TileGPUOps.td - layout conversion, shared memory ----*- tablegen -*-===//

#ifndef LACC_TILEGPU_OPS
#define LACC_TILEGPU_OPS

include "dialects/tilegpu/TileGPUDialect.td"
include "dialects/tilegpu/TileGPUTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def TileGPU_Tile : RankedTensorOf<[AnyType], [HasStaticShapePred]>;

def TileGPU_ConvertLayoutOp : TileGPU_Op<"convert_layout", [Pure]> {
  let summary = "the same tile under another layout";
  let description = [{
    Redistributes a tile over the threads. The values do not change; only
    which thread holds which element. Lowered through shared memory unless
    both layouts put every element in the same register.
  }];
  let arguments = (ins TileGPU_Tile:$src);
  let results = (outs TileGPU_Tile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def TileGPU_LocalAllocOp : TileGPU_Op<"local_alloc", [
    MemoryEffects<[MemAlloc<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "a shared-memory buffer, optionally initialised from a tile";
  let arguments = (ins Optional<TileGPU_Tile>:$src);
  let results = (outs TileGPU_MemDescType:$result);
  let assemblyFormat = "($src^ `:` type($src))? attr-dict `->` qualified(type($result))";
  let hasVerifier = 1;
}

def TileGPU_LocalLoadOp : TileGPU_Op<"local_load", [MemoryEffects<[MemRead<DefaultResource>]>]> {
  let summary = "read a shared-memory buffer into a distributed tile";
  let arguments = (ins TileGPU_MemDescType:$src);
  let results = (outs TileGPU_Tile:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` type($result)";
  let hasVerifier = 1;
}

def TileGPU_LocalStoreOp : TileGPU_Op<"local_store", [MemoryEffects<[MemWrite<DefaultResource>]>]> {
  let summary = "write a distributed tile into a shared-memory buffer";
  let arguments = (ins TileGPU_Tile:$src, TileGPU_MemDescType:$dst);
  let assemblyFormat = "$src `,` $dst attr-dict `:` type($src) `->` qualified(type($dst))";
  let hasVerifier = 1;
}

def TileGPU_BarrierOp : TileGPU_Op<"barrier"> {
  let summary = "CTA-wide barrier: shared-memory writes before it are visible after it";
  let assemblyFormat = "attr-dict";
}

#endif // LACC_TILEGPU_OPS
