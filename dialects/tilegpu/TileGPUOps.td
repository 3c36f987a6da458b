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

def TileGPU_MemDescSubviewOp : TileGPU_Op<"memdesc_subview", [Pure]> {
  let summary = "one slot of a buffer ring: the buffer with its leading dimension indexed";
  let description = [{
    `%slot = tilegpu.memdesc_subview %ring[%i]` is the `i`-th buffer of a ring
    laid out [slots, ...]: the same shared layout on the remaining dimensions
    (the slot dimension is the slowest, so a slot is a contiguous block).
  }];
  let arguments = (ins TileGPU_MemDescType:$src, I32:$index);
  let results = (outs TileGPU_MemDescType:$result);
  let assemblyFormat = [{
    $src `[` $index `]` attr-dict `:` qualified(type($src)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def TileGPU_MemDescSliceOp : TileGPU_Op<"memdesc_slice", [Pure]> {
  let summary = "a static sub-tile of a buffer, addressed through the buffer's layout";
  let description = [{
    `%part = tilegpu.memdesc_slice %buf {offsets = [0, 16]}` views the [M, 16]
    sub-tile of a [M, 64] buffer starting at column 16 (offsets are multiples
    of the view's extents). No data moves: the result type records the buffer
    and the offsets, and accesses go through the buffer's (swizzled) layout.
  }];
  let arguments = (ins TileGPU_MemDescType:$src, DenseI64ArrayAttr:$offsets);
  let results = (outs TileGPU_MemDescType:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` qualified(type($result))";
  let hasVerifier = 1;
}

def TileGPU_MemDescTransOp : TileGPU_Op<"memdesc_trans", [Pure]> {
  let summary = "a buffer seen with its dimensions permuted: the same bytes";
  let description = [{
    `%t = tilegpu.memdesc_trans %buf {order = array<i32: 1, 0>}` is the
    buffer transposed, as tile.trans permutes a tile: `t.shape[i] ==
    buf.shape[order[i]]`, and the layout's order names the same dimensions
    under their new numbers, so element (i, j) of `%t` is the byte of element
    (j, i) of `%buf`. A tile loaded once and read both ways (k for q k^T and
    for k^T v) needs one buffer.
  }];
  let arguments = (ins TileGPU_MemDescType:$src, DenseI32ArrayAttr:$order);
  let results = (outs TileGPU_MemDescType:$result);
  let assemblyFormat = "$src attr-dict `:` qualified(type($src)) `->` qualified(type($result))";
  let builders = [OpBuilder<(ins "::mlir::Value":$src, "::llvm::ArrayRef<int32_t>":$order)>];
  let extraClassDeclaration = [{
    /// `type` with its dimensions permuted by `order` (the result type of the op).
    static MemDescType getTransposedType(MemDescType type, ::llvm::ArrayRef<int32_t> order);
  }];
  let hasVerifier = 1;
}

def TileGPU_WarpGroupDotOp : TileGPU_Op<"warp_group_dot", [
    MemoryEffects<[MemRead<DefaultResource>]>]> {
  let summary = "acc + a * b on Hopper's warpgroup MMA, B (and A) read from shared memory";
  let description = [{
    `%d = tilegpu.warp_group_dot %a, %b, %acc` multiplies an MxK and a KxN
    buffer, bf16 or f16, into an f32 accumulator in the version-3 mma layout:
    wgmma.mma_async m64nNk16 instructions that read the operands through
    matrix descriptors, so both buffers must be in a wgmma layout (either
    dimension contiguous; 32-, 64- or 128-byte swizzle). A may instead be a
    tile in registers, in the accumulator's operand layout (dot_op opIdx 0,
    kWidth 2): a dot that feeds the next one (attention's P V) passes its
    result on without shared memory. The multiplications
    have completed, and the buffers may be overwritten, when the op returns;
    with `async` (set by the software pipeliner) they are only issued, and a
    tilegpu.warp_group_dot_wait says when they must have completed.
    Writes to the buffers must be made visible to the async proxy first
    (fence.proxy.async), which the lowering of the ops writing them does.
  }];
  let arguments = (ins AnyTypeOf<[TileGPU_MemDescType, TileGPU_Tile]>:$a,
                       TileGPU_MemDescType:$b, TileGPU_Tile:$acc, UnitAttr:$async);
  let results = (outs TileGPU_Tile:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc attr-dict `:` qualified(type($a)) `,` qualified(type($b)) `,`
    type($acc) `->` type($result)
  }];
  let hasVerifier = 1;
}

def TileGPU_WarpGroupDotWaitOp : TileGPU_Op<"warp_group_dot_wait", [AllTypesMatch<["acc", "result"]>]> {
  let summary = "wait until at most `pendings` groups of async warp_group_dots are in flight";
  let description = [{
    `%r = tilegpu.warp_group_dot_wait %acc {pendings = 1}`: wgmma.wait_group. The
    accumulator passes through, so that nothing reads it before the wait (its
    registers are being written by the multiplications in flight); after a
    wait with pendings = 0 it holds the final sums.
  }];
  let arguments = (ins TileGPU_Tile:$acc, I32Attr:$pendings);
  let results = (outs TileGPU_Tile:$result);
  let assemblyFormat = "$acc attr-dict `:` type($acc)";
}

def TileGPU_AsyncCopyGlobalToLocalOp : TileGPU_Op<"async_copy_global_to_local", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "start copying a tile from global memory into a shared-memory buffer";
  let description = [{
    Every element behind `ptrs` is copied into `dst` (cp.async: the data does
    not pass through registers); where `mask` is false the element is set to
    zero. The copies complete in groups: tilegpu.async_commit_group closes a
    group, tilegpu.async_wait {num = N} waits until at most N groups are in
    flight. Other threads see the data only after a barrier that follows the
    wait.

    `ordered_by_loop_barrier` (set by the software pipeliner) states that every
    read of `dst`'s bytes before this copy happened before a barrier that the
    copy follows in the same loop iteration (the ring slot written was last
    read in the previous iteration), so barrier placement need not order it
    after reads of other slots of the same ring.
  }];
  let arguments = (ins TileGPU_Tile:$ptrs, TileGPU_MemDescType:$dst,
                       Optional<TileGPU_Tile>:$mask, UnitAttr:$ordered_by_loop_barrier);
  let assemblyFormat = [{
    $ptrs `,` $dst (`,` $mask^)? attr-dict `:` type($ptrs) `->` qualified(type($dst))
    (`,` type($mask)^)?
  }];
  let hasVerifier = 1;
}

def TileGPU_AsyncCommitGroupOp : TileGPU_Op<"async_commit_group"> {
  let summary = "close the group of async copies started since the last one";
  let assemblyFormat = "attr-dict";
}

def TileGPU_AsyncWaitOp : TileGPU_Op<"async_wait"> {
  let summary = "wait until at most `num` groups of async copies are in flight";
  let arguments = (ins I32Attr:$num);
  let assemblyFormat = "attr-dict";
}

def TileGPU_BarrierOp : TileGPU_Op<"barrier"> {
  let summary = "CTA-wide barrier: shared-memory writes before it are visible after it";
  let assemblyFormat = "attr-dict";
}

include "dialects/tilegpu/TileGPUTMAOps.td"
include "dialects/tilegpu/TileGPUWarpSpecializeOps.td"

#endif // LACC_TILEGPU_OPS
