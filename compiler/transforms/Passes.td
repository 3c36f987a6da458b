//===- Passes.td - tile and tilegpu level passes -----------*- tablegen -*-===//
//
// The order in which these run is decided in one place: compiler/Pipeline.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TRANSFORMS_PASSES
#define LACC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def TileRewriteBlockPointers : Pass<"tile-rewrite-block-pointers", "::mlir::ModuleOp"> {
  let summary = "rewrite block pointers into tiles of pointers and masks (Triton's RewriteTensorPointer)";
  let description = [{
    Every block pointer (tile.make_block_ptr, tile.advance) becomes its parts,
    carried through scf.for/if/while as separate values, and every
    tile.block_load / tile.block_store becomes a tile.load / tile.store of
    `base + sum_d (offset_d + arange(0, block_d)) * stride_d` (in i64), masked
    on the boundary-checked dimensions and padded with 0 or NaN. The first
    pass of code generation.

    Tensor descriptor loads and stores (desc.load, desc.store) become block
    loads and stores the same way (of the load's or the stored tile's type),
    after folding the reshapes that drop their blocks' leading unit
    dimensions, except, with `keep-tma-loads` (sm_90a), those the TMA serves
    (a 2-D tile: a rank-2 block, or 1 x .. x 1 x rows x cols):
    tilegpu-lower-descriptor-loads, the software pipeliner and
    tilegpu-lower-descriptor-stores make them TMA copies.
  }];
  let options = [
    Option<"keepTMALoads", "keep-tma-loads", "bool", /*default=*/"false",
           "leave descriptor loads and stores of 2-D tiles to the TMA lowering (sm_90a)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def TileToTileGPU : Pass<"tile-to-tilegpu", "::mlir::ModuleOp"> {
  let summary = "give every tile a blocked layout (Triton's ConvertTritonToTritonGPU)";
  let description = [{
    Every tensor type gets the default blocked layout for its shape and
    num_warps; ops whose operands need a related layout (reduce, expand_dims,
    dot) get tilegpu.convert_layout ops in front of them; trans and reshape
    results take their source's layout seen through the new order or shape.
    The module records num_warps in `tilegpu.num_warps` and the target
    (#tilegpu.target) in `tilegpu.target`.
  }];
  let options = [
    Option<"numWarps", "num-warps", "int", /*default=*/"4", "warps per CTA">,
    Option<"arch", "arch", "std::string", /*default=*/"\"sm_90a\"", "target architecture">,
    Option<"sharedMemory", "shared-memory", "int64_t", /*default=*/"0",
           "bytes of shared memory per CTA (0: the architecture's)">,
    Option<"numSMs", "num-sms", "int", /*default=*/"0", "multiprocessors (0: unknown)">,
    Option<"maxRegistersPerThread", "max-elems-per-thread", "int", /*default=*/"4096",
           "largest number of elements of one tile a thread may hold">,
  ];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUCoalesce : Pass<"tilegpu-coalesce", "::mlir::ModuleOp"> {
  let summary = "lay out global loads and stores for coalesced, 16-byte vector access";
  let description = [{
    From the axis info of the pointers (contiguity, divisibility) and masks
    (constancy), pick for every global load, store and atomic a blocked layout
    whose fastest dimension is the most contiguous one and whose sizePerThread
    there is the widest access (up to 16 bytes) the alignment allows.
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUAccelerateMatmul : Pass<"tilegpu-accelerate-matmul", "::mlir::ModuleOp"> {
  let summary = "put eligible dots on tensor cores (mma layouts, operands staged for ldmatrix)";
  let description = [{
    A tile.dot with bf16/f16 operands (or f32 with input_precision = tf32), an
    f32 accumulator and shapes that tile by the instruction (M % 16, N % 8,
    K % 16 or 8) gets the #tilegpu.mma accumulator layout and mma operand
    layouts. Operands from memory go through shared memory (local_alloc in a
    swizzle ldmatrix reads conflict-free, local_load); an A operand computed
    from another dot's result is converted in registers. Other dots keep the
    FMA path.
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPURemoveLayoutConversions : Pass<"tilegpu-remove-layout-conversions", "::mlir::ModuleOp"> {
  let summary = "choose every tile's layout from its anchors; convert only where needed";
  let description = [{
    Memory ops and dots fix the layouts they need (anchors); every other tile
    takes its layout from its operands, forward through elementwise ops,
    broadcasts, reductions (a slice of the source), expand_dims, transposes
    and reshapes (the source's layout seen through the new order or shape),
    and around scf.for / scf.while / scf.if (loop-carried values keep one
    layout: the one their yielded value has). Values built only from ranges,
    splats and constants have no layout of their own and are recomputed in
    the layout each user wants. Conversions remain only where two anchors
    disagree.
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUSoftwarePipeline : Pass<"tilegpu-software-pipeline", "::mlir::ModuleOp"> {
  let summary = "issue loop-carried loads num_stages - 1 iterations ahead, through a cp.async ring";
  let description = [{
    In an scf.for whose body loads a tile only to stage it in shared memory
    for a dot, the load becomes an async copy into a ring of num_stages buffers,
    issued num_stages - 1 iterations ahead (a prologue fills the first slots);
    each iteration waits for its own slot's group and reads it there. A
    tensor descriptor load (sm_90a) becomes a TMA copy instead, completing on
    the slot's mbarrier. A loop's `tile.num_stages` attribute overrides the
    pass option.
  }];
  let options = [
    Option<"numStages", "num-stages", "int", /*default=*/"1",
           "buffers in each ring (1: no pipelining)">,
  ];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect", "::mlir::arith::ArithDialect"];
}

def TileGPUWarpSpecialize : Pass<"tilegpu-warp-specialize", "::mlir::ModuleOp"> {
  let summary = "a TMA producer warpgroup for a kernel's main loop, the num_warps warps consuming";
  let description = [{
    On sm_90a, in a kernel of 8 warps, the top-level loop whose loads are all
    tensor descriptor loads staged for wgmma dots: a producer warpgroup
    (tilegpu.warp_specialize) issues every iteration's TMA copies into rings
    of num_stages slots, full and empty mbarriers between it and the
    consumers, which wait for each slot and hand it back once their MMAs no
    longer read it. See WarpSpecialize.cpp for what qualifies.
  }];
  let options = [
    Option<"enabled", "enabled", "bool", /*default=*/"true",
           "specialize the loops that qualify (false: leave them to the pipeliner)">,
    Option<"numStages", "num-stages", "int", /*default=*/"1",
           "slots in each ring (below 2: none)">,
  ];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect", "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def TileGPULowerDescriptorLoads : Pass<"tilegpu-lower-descriptor-loads", "::mlir::ModuleOp"> {
  let summary = "tensor descriptor loads the pipeliner left become one-shot TMA copies";
  let description = [{
    On sm_90a, each remaining tile.descriptor_load becomes a TMA copy into a
    buffer completing on an mbarrier of its own (initialized, waited for and
    invalidated around it), then a local_load, or the buffer itself where the
    load only fed a dot's staging buffer of a layout the TMA writes. The
    descriptor becomes a hidden kernel parameter of type
    !tilegpu.tensor_map (see compiler/transforms/TensorMaps.h).
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect", "::mlir::arith::ArithDialect"];
}

def TileGPULowerDescriptorStores : Pass<"tilegpu-lower-descriptor-stores", "::mlir::ModuleOp"> {
  let summary = "tensor descriptor stores become TMA stores through a shared staging buffer";
  let description = [{
    On sm_90a, each tile.descriptor_store left by tile-rewrite-block-pointers
    becomes: the tile written into a buffer of the TMA's (swizzled) layout,
    fence_async_shared, a TMA store of the buffer by one thread (after the
    CTA barrier tilegpu-insert-barriers places before it), and that thread's
    tma_store_wait for the TMA's reads of the buffer, which keeps the buffer
    allocated until then. The descriptor becomes a hidden kernel parameter of
    type !tilegpu.tensor_map (see compiler/transforms/TensorMaps.h).
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUSplitDotK : Pass<"tilegpu-split-dot-k", "::mlir::ModuleOp"> {
  let summary = "split tensor-core dots on staged operands into one dot per K step";
  let description = [{
    A dot with the mma layout whose operands are whole-tile local_loads becomes
    a chain of dots, one per mma.sync K step, each reading its slice of the
    buffers (memdesc_slice); every step's loads are issued before the previous
    step's dot, so only two steps' fragments are in registers at once.
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUOverlapWarpGroupDots : Pass<"tilegpu-overlap-warp-group-dots", "::mlir::ModuleOp"> {
  let summary = "issue independent wgmma dots back to back, waiting once";
  let description = [{
    A synchronous tilegpu.warp_group_dot waits for its multiplications before
    the next op. When the next warp_group_dot in the same block has all its
    operands ready before the first, and nothing in between writes shared
    memory, it moves up behind the first, the first becomes `async`, and a
    tilegpu.warp_group_dot_wait on the first's result follows the second: the
    two run on the tensor cores together (lightning attention's Q S and
    Q K^T). Only dots reading both operands from shared
    memory qualify: wgmma reads a register A until its wait, and LLVM would not
    keep those registers. Runs after shared-memory allocation, so that scratch
    buffers (layout conversions, reductions) count as writes.
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUAllocateSharedMemory : Pass<"tilegpu-allocate-shared-memory", "::mlir::ModuleOp"> {
  let summary = "plan shared memory: offsets for every buffer, reused across disjoint lifetimes";
  let description = [{
    Runs the shared-memory allocation analysis (compiler/analysis/Allocation.h)
    and records it: every op that owns shared memory (explicit local_alloc
    buffers, and the scratch of layout conversions through shared memory and
    of cross-warp reductions and scans) gets a `tilegpu.shared_offset`; each
    kernel gets `tilegpu.shared` (bytes) and the module the largest. A kernel
    over `limit` bytes is an error at the op that does not fit.
  }];
  let options = [
    Option<"limit", "limit", "int64_t", /*default=*/"0",
           "bytes of shared memory per CTA (0: the module's target's)">,
  ];
}

def TileGPUInsertBarriers : Pass<"tilegpu-insert-barriers", "::mlir::ModuleOp"> {
  let summary = "place CTA barriers between conflicting shared-memory accesses";
  let description = [{
    Over the recorded allocation, inserts a tilegpu.barrier before every op
    whose shared-memory accesses conflict with accesses made since the last
    barrier (a write after a read or write of the same bytes, a read after a
    write), walking loops to a fixed point (compiler/analysis/Membar.h).
  }];
  let dependentDialects = ["::lacc::tilegpu::TileGPUDialect"];
}

def TileGPUPrintAxisInfo : Pass<"tilegpu-print-axis-info", "::mlir::ModuleOp"> {
  let summary = "print the axis info of every tile value (for tests)";
}

#endif // LACC_TRANSFORMS_PASSES
