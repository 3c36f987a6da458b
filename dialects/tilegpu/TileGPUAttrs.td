//===- TileGPUAttrs.td - layout encodings ------------------*- tablegen -*-===//
//
// Layouts are tensor encodings. A distributed layout maps every element of a
// tile to the registers of one or more threads; a shared layout describes how
// a tile sits in shared memory.
//
// Each layout describes itself as a LinearLayout (LinearLayout.h): which
// register, lane and warp (or which shared-memory offset) holds each element,
// as a linear map over GF(2). That description is the invariant every pass
// and lowering relies on; the parameters below are only a compact way to
// write the common ones down. docs/tilegpu.md has worked tables.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILEGPU_ATTRS
#define LACC_TILEGPU_ATTRS

include "dialects/tilegpu/TileGPUDialect.td"

def TileGPU_DistributedLayout : AttrInterface<"DistributedLayoutAttr"> {
  let cppNamespace = "::lacc::tilegpu";
  let description = [{
    A layout that spreads a tile over the registers of the threads of a CTA.
  }];
  let methods = [
    InterfaceMethod<"rank of the tiles this layout applies to", "unsigned", "getRank">,
    InterfaceMethod<[{
      Which register, lane and warp hold each element of a tile of `shape`:
      a LinearLayout with the inputs Register, Lane and Warp. Elements the
      layout's pattern covers more than once (a tile smaller than the
      pattern) have zero bases: replicas.
    }], "::lacc::tilegpu::LinearLayout", "toLinearLayout",
      (ins "::llvm::ArrayRef<int64_t>":$shape)>,
  ];
}

class TileGPU_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<TileGPU_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def TileGPU_BlockedEncoding : TileGPU_Attr<"BlockedEncoding", "blocked",
    [DeclareAttrInterfaceMethods<TileGPU_DistributedLayout>]> {
  let summary = "each thread holds sizePerThread-sized blocks, repeated to cover the tile";
  let description = [{
    Threads of a warp are arranged threadsPerWarp, warps warpsPerCTA, with
    `order[0]` the fastest-varying dimension. A thread owns a block of
    sizePerThread elements; the block pattern of the whole CTA repeats to cover
    a larger tile and wraps around (replicating elements) on a smaller one.
  }];
  let parameters = (ins ArrayRefParameter<"unsigned">:$sizePerThread,
                        ArrayRefParameter<"unsigned">:$threadsPerWarp,
                        ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        ArrayRefParameter<"unsigned">:$order);
  let extraClassDeclaration = [{
    /// The extent one repetition of the CTA's pattern covers along `dim`.
    int64_t getTileExtent(unsigned dim) const {
      return int64_t(getSizePerThread()[dim]) * getThreadsPerWarp()[dim] * getWarpsPerCTA()[dim];
    }
    unsigned getNumWarps() const;
    /// The default layout for `shape`: Triton's ConvertTritonToTritonGPU choice.
    static BlockedEncodingAttr getDefault(::mlir::MLIRContext *ctx,
                                          ::llvm::ArrayRef<int64_t> shape, unsigned numWarps,
                                          ::llvm::ArrayRef<unsigned> sizePerThread = {},
                                          ::llvm::ArrayRef<unsigned> order = {});
  }];
}

def TileGPU_SliceEncoding : TileGPU_Attr<"SliceEncoding", "slice",
    [DeclareAttrInterfaceMethods<TileGPU_DistributedLayout>]> {
  let summary = "the parent layout with dimension `dim` removed (what a reduction yields)";
  let parameters = (ins "unsigned":$dim, "::lacc::tilegpu::DistributedLayoutAttr":$parent);
}

def TileGPU_MmaEncoding : TileGPU_Attr<"MmaEncoding", "mma",
    [DeclareAttrInterfaceMethods<TileGPU_DistributedLayout>]> {
  let summary = "the accumulator of tensor-core MMAs (mma.sync m16n8k*)";
  let description = [{
    Version 2 is the warp-level mma.sync of Ampere and later: each warp owns
    16x8 accumulator tiles (instrShape); in one, lane l holds rows l/4 and
    l/4 + 8, columns 2(l%4) and 2(l%4)+1. Warps split the tile warpsPerCTA
    (warp ids N-fastest); the pattern repeats along N, then M, to cover the
    tile.

    Version 3 is Hopper's warpgroup MMA (wgmma.mma_async m64nNk16): four
    consecutive warps multiply a 64xN block, warp w of the group owning rows
    16w..16w+15 in the same 16x8 pattern repeated along N. All warps lie along
    M (warpsPerCTA = [W, 1], W a multiple of 4) and instrShape = [16, N] with N
    the instruction's width (8..256): the element-to-register map is version 2's
    with the same warps, so everything but the dot itself treats them alike.
  }];
  let parameters = (ins "unsigned":$version, ArrayRefParameter<"unsigned">:$warpsPerCTA,
                        ArrayRefParameter<"unsigned">:$instrShape);
  let extraClassDeclaration = [{
    unsigned getNumWarps() const { return getWarpsPerCTA()[0] * getWarpsPerCTA()[1]; }
  }];
}

def TileGPU_DotOperandEncoding : TileGPU_Attr<"DotOperandEncoding", "dot_op",
    [DeclareAttrInterfaceMethods<TileGPU_DistributedLayout>]> {
  let summary = "an operand of tile.dot laid out for the accumulator layout `parent`";
  let description = [{
    opIdx 0 is the MxK operand, 1 the KxN operand. With a blocked parent (the
    FMA lowering) each thread holds, for every row (column) of the accumulator
    it owns, the whole K extent of the operand. With an mma parent, the
    operand fragments of mma.sync: kWidth consecutive K elements per 32-bit
    register (2 for 16-bit types, 1 for tf32, 4 for 8-bit types), repeated
    along K, then along M (or N); warps that split the other dimension hold
    copies.
  }];
  let parameters = (ins "unsigned":$opIdx, "::lacc::tilegpu::DistributedLayoutAttr":$parent,
                        DefaultValuedParameter<"unsigned", "0">:$kWidth);
}

def TileGPU_LinearEncoding : TileGPU_Attr<"LinearEncoding", "linear",
    [DeclareAttrInterfaceMethods<TileGPU_DistributedLayout>]> {
  let summary = "a distributed layout given directly by its bases";
  let description = [{
    The register, lane and warp bases of a LinearLayout, each a coordinate
    vector: `#tilegpu.linear<{register = [[0, 1]], lane = [[0, 2], [1, 0], ...],
    warp = [...]}>`. What a transpose or a reshape of another layout gives when
    no blocked layout says the same thing; it describes tiles of one shape.
  }];
  let parameters = (ins "unsigned":$rank, ArrayRefParameter<"int64_t">:$registers,
                        ArrayRefParameter<"int64_t">:$lanes, ArrayRefParameter<"int64_t">:$warps);
  let extraClassDeclaration = [{
    /// The encoding of `layout` (a distributed LinearLayout).
    static LinearEncodingAttr get(::mlir::MLIRContext *ctx, const LinearLayout &layout);
  }];
}

def TileGPU_SharedEncoding : TileGPU_Attr<"SharedEncoding", "shared"> {
  let summary = "a tile in shared memory, rows of `order[0]`, optionally XOR-swizzled";
  let description = [{
    Element (i0, ..., in) lives at the row-major position given by `order`;
    the swizzle parameters follow Triton (vec elements stay together, the
    phase changes every perPhase rows and takes maxPhase values). vec = perPhase
    = maxPhase = 1 means no swizzle.

    `chunk` (0: none) cuts the rows into blocks of `chunk` elements of order[0],
    stored one block after another, each swizzled on its own. With rows of
    exactly 128, 64 or 32 bytes per block and the matching swizzle (vec of 16
    bytes, perPhase = 128 / row bytes, maxPhase = row bytes / 16) these are the
    layouts Hopper's wgmma reads through matrix descriptors.
  }];
  let parameters = (ins "unsigned":$vec, "unsigned":$perPhase, "unsigned":$maxPhase,
                        ArrayRefParameter<"unsigned">:$order,
                        DefaultValuedParameter<"unsigned", "0">:$chunk);
  let extraClassDeclaration = [{
    /// Shared-memory offset (in elements) -> element of a tile of `shape`: one input, Offset.
    LinearLayout toLinearLayout(::llvm::ArrayRef<int64_t> shape) const;
    /// The swizzle width in bytes (128, 64 or 32) when a tile of `shape` with elements of
    /// `elementBits` is in one of wgmma's canonical swizzled layouts (rank 2, rows of one
    /// swizzle width per block); 0 when it is not.
    unsigned getWgmmaSwizzleBytes(::llvm::ArrayRef<int64_t> shape, unsigned elementBits) const;
  }];
}

def TileGPU_TargetAttr : AttrDef<TileGPU_Dialect, "Target"> {
  let mnemonic = "target";
  let summary = "the GPU a module is compiled for";
  let description = [{
    Recorded on the module (`tilegpu.target`) by tile-to-tilegpu, so that every
    later pass and the lowering read one description of the machine: the
    architecture, the PTX ISA version, the shared memory a CTA may use, and the
    number of multiprocessors (0 when unknown, e.g. compiling ahead of time).
  }];
  let parameters = (ins StringRefParameter<"sm_80 ... sm_90a">:$arch, "unsigned":$ptxVersion,
                        "int64_t":$sharedMemory, "unsigned":$numSMs);
  let assemblyFormat = "`<` struct(params) `>`";
  let extraClassDeclaration = [{
    /// 80 for sm_80, 90 for sm_90a, ...
    unsigned getComputeCapability() const;
    /// Hopper's warpgroup MMA, TMA and setmaxnreg need the `a` target.
    bool hasHopperFeatures() const { return getArch() == "sm_90a"; }
  }];
}

#endif // LACC_TILEGPU_ATTRS
