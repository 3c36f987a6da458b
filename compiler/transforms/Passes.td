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
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def TileToTileGPU : Pass<"tile-to-tilegpu", "::mlir::ModuleOp"> {
  let summary = "give every tile a blocked layout (Triton's ConvertTritonToTritonGPU)";
  let description = [{
    Every tensor type gets the default blocked layout for its shape and
    num_warps; ops whose operands need a related layout (reduce, expand_dims,
    dot) get tilegpu.convert_layout ops in front of them. The module records
    num_warps in `tilegpu.num_warps`.
  }];
  let options = [
    Option<"numWarps", "num-warps", "int", /*default=*/"4", "warps per CTA">,
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

def TileGPURemoveLayoutConversions : Pass<"tilegpu-remove-layout-conversions", "::mlir::ModuleOp"> {
  let summary = "remove needless tilegpu.convert_layout ops";
  let description = [{
    Folds chains and no-op conversions, recomputes cheap producers (ranges,
    splats, constants and elementwise trees of them) directly in the layout
    their user wants, and sinks a conversion below elementwise ops so that one
    conversion serves the whole chain.
  }];
}

def TileGPUAllocateSharedMemory : Pass<"tilegpu-allocate-shared-memory", "::mlir::ModuleOp"> {
  let summary = "plan shared memory: offsets for every buffer, reused across disjoint lifetimes";
  let description = [{
    Every op that needs shared memory (explicit local_alloc buffers, and the
    scratch of layout conversions, transposes, cross-warp reductions and
    scans) gets a `tilegpu.shared_offset`; buffers whose lifetimes do not
    overlap share bytes. The module gets `tilegpu.shared` (total bytes). A
    kernel over `limit` bytes is an error at the op that does not fit.
  }];
  let options = [
    Option<"limit", "limit", "int64_t", /*default=*/"232448",
           "bytes of shared memory per CTA (227 KiB on sm_90, 163 KiB on sm_80)">,
  ];
}

def TileGPUPrintAxisInfo : Pass<"tilegpu-print-axis-info", "::mlir::ModuleOp"> {
  let summary = "print the axis info of every tile value (for tests)";
}

#endif // LACC_TRANSFORMS_PASSES
