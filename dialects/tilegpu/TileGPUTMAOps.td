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

#endif // LACC_TILEGPU_TMA_OPS
