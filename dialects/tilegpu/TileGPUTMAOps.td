//===- TileGPUTMAOps.td - mbarriers and TMA copies ---------*- tablegen -*-===//
//
// Hopper's tensor memory accelerator (TMA) copies a box of a global tensor
// into shared memory on its own, through the async proxy, and reports the
// bytes it wrote to an mbarrier: a 64-bit shared-memory object that counts
// arrivals and transaction bytes and completes a phase when both reach zero.
// Threads wait on the phase's parity; the data is then visible to them, with
// no CTA barrier.
//
// The barrier operands are `memdesc<1xi64>` buffers (a slot of a ring of
// them in a pipelined loop). One thread initializes, arms and invalidates a
// barrier and issues the copies (thread 0, or the thread a
// `tilegpu.leader_thread` attribute names: the producer warpgroup's first in
// a warp-specialized kernel); every thread waits.
//
// The TMA also stores: every thread writes its part of a tile into a
// buffer (generic proxy), fences those writes towards the async proxy
// (fence_async_shared), and after a CTA barrier one thread copies the buffer
// out (async_tma_copy_local_to_global, a bulk group of its own) and waits
// until the TMA has read it (tma_store_wait), before the bytes may be
// written again or the kernel exits.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILEGPU_TMA_OPS
#define LACC_TILEGPU_TMA_OPS

def TileGPU_InitBarrierOp : TileGPU_Op<"init_barrier", [MemoryEffects<[MemWrite<DefaultResource>]>]> {
  let summary = "initialize an mbarrier expecting `count` arrivals per phase (phase 0 first)";
  let arguments = (ins TileGPU_MemDescType:$barrier, I32Attr:$count);
  let assemblyFormat = "$barrier `,` $count attr-dict `:` qualified(type($barrier))";
  let hasVerifier = 1;
}

def TileGPU_InvalBarrierOp : TileGPU_Op<"inval_barrier", [MemoryEffects<[MemWrite<DefaultResource>]>]> {
  let summary = "invalidate an mbarrier, so that its bytes may serve another purpose";
  let arguments = (ins TileGPU_MemDescType:$barrier);
  let assemblyFormat = "$barrier attr-dict `:` qualified(type($barrier))";
  let hasVerifier = 1;
}

def TileGPU_BarrierExpectOp : TileGPU_Op<"barrier_expect", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "arrive on an mbarrier, expecting `bytes` more from async copies this phase";
  let description = [{
    Where `pred` is false nothing happens (a copy ahead of a loop's last
    iteration is not issued, and its barrier is not armed).
  }];
  let arguments = (ins TileGPU_MemDescType:$barrier, I32Attr:$bytes, I1:$pred);
  let assemblyFormat = "$barrier `,` $bytes `,` $pred attr-dict `:` qualified(type($barrier))";
  let hasVerifier = 1;
}

def TileGPU_WaitBarrierOp : TileGPU_Op<"wait_barrier", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "wait until the mbarrier's phase of parity `phase` has completed";
  let description = [{
    Every thread waits; after the wait, the bytes the phase's async copies
    wrote are visible to it.
  }];
  let arguments = (ins TileGPU_MemDescType:$barrier, I32:$phase);
  let assemblyFormat = "$barrier `,` $phase attr-dict `:` qualified(type($barrier))";
  let hasVerifier = 1;
}

def TileGPU_ArriveBarrierOp : TileGPU_Op<"arrive_barrier", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "one arrival per warp on an mbarrier, where `pred` holds";
  let description = [{
    Lane 0 of every executing warp arrives (a barrier initialized with the
    number of warps completes its phase when each has): how consumer warps of
    a warp-specialized loop hand a ring slot back to the producer once their
    reads of it are done.
  }];
  let arguments = (ins TileGPU_MemDescType:$barrier, I1:$pred);
  let assemblyFormat = "$barrier `,` $pred attr-dict `:` qualified(type($barrier))";
  let hasVerifier = 1;
}

def TileGPU_AsyncTMACopyGlobalToLocalOp : TileGPU_Op<"async_tma_copy_global_to_local", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "start a TMA copy of the block at `coords` of a tensor into a buffer";
  let description = [{
    `tilegpu.async_tma_copy_global_to_local %map[%row, %col] %buf, %bar, %pred`
    copies the block of the buffer's shape whose first element is at
    (%row, %col) of the tensor `%map` describes (outermost coordinate first;
    outside the tensor it reads zeros) into `%buf`, completing on `%bar`.
    A tensor of higher rank (up to 5) takes one more coordinate per
    dimension, leading ones first: its box has unit extent along them
    (`%map[%bh, %row, %col]` copies box 1 x rows x cols into a rows x cols
    buffer). The copy's bytes count against the barrier's expected
    transaction bytes (see tilegpu.barrier_expect). The buffer's layout must be one the TMA writes:
    unswizzled rows, or rows of 32, 64 or 128 bytes per block with the
    matching swizzle (wgmma's layouts); wider blocks take one box per block.
    Nothing happens where `pred` is false.
  }];
  let arguments = (ins TileGPU_TensorMapType:$map, Variadic<I32>:$coords,
                       TileGPU_MemDescType:$dst, TileGPU_MemDescType:$barrier, I1:$pred);
  let assemblyFormat = [{
    $map `[` $coords `]` $dst `,` $barrier `,` $pred attr-dict `:` qualified(type($dst)) `,`
    qualified(type($barrier))
  }];
  let hasVerifier = 1;
}

def TileGPU_FenceAsyncSharedOp : TileGPU_Op<"fence_async_shared", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "order this thread's shared-memory writes before later async-proxy reads";
  let description = [{
    Every thread that wrote a buffer (st.shared: the generic proxy) runs it
    after its writes and before the CTA barrier that precedes a TMA store (or
    wgmma) reading the buffer through the async proxy
    (`fence.proxy.async.shared::cta`).
  }];
  let assemblyFormat = "attr-dict";
}

def TileGPU_AsyncTMACopyLocalToGlobalOp : TileGPU_Op<"async_tma_copy_local_to_global", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "start a TMA store of a buffer into the block at `coords` of a tensor";
  let description = [{
    `tilegpu.async_tma_copy_local_to_global %map[%row, %col] %buf` copies
    `%buf` into the block whose first element is at (%row, %col) of the
    tensor `%map` describes; elements outside the tensor are not written.
    Coordinates and buffer layouts are those of
    tilegpu.async_tma_copy_global_to_local (leading coordinates of a tensor
    of rank 3 to 5 first, its box 1 wide along them; one box per swizzled
    block). One thread issues the copies and commits them as one bulk group;
    the buffer must stay unchanged until a tilegpu.tma_store_wait says the
    TMA has read it, and its writes must precede the copy through
    tilegpu.fence_async_shared and a CTA barrier.
  }];
  let arguments = (ins TileGPU_TensorMapType:$map, Variadic<I32>:$coords,
                       TileGPU_MemDescType:$src);
  let assemblyFormat = [{
    $map `[` $coords `]` $src attr-dict `:` qualified(type($src))
  }];
  let hasVerifier = 1;
}

def TileGPU_TMAStoreWaitOp : TileGPU_Op<"tma_store_wait", [
    MemoryEffects<[MemRead<DefaultResource>, MemWrite<DefaultResource>]>]> {
  let summary = "wait until at most `pendings` TMA store groups still read their buffers";
  let description = [{
    The thread that issued the stores waits (`cp.async.bulk.wait_group.read`);
    the others have none in flight. `buffers` are the stores' sources that
    the wait frees: they count as read up to here, so that the allocation
    keeps them live and barrier placement orders later writes of their bytes
    after it.
  }];
  let arguments = (ins Variadic<TileGPU_MemDescType>:$buffers, I32Attr:$pendings);
  let assemblyFormat = [{
    $pendings (`,` $buffers^ `:` qualified(type($buffers)))? attr-dict
  }];
  let hasVerifier = 1;
}

#endif // LACC_TILEGPU_TMA_OPS
