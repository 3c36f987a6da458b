//===- TileGPUDialect.td - the GPU level of lacc -----------*- tablegen -*-===//
//
// The GPU level: the same tile ops, but every tensor carries a layout
// encoding that says which thread of which warp holds which element, plus
// what the tile level does not need: shared memory and layout conversions.
// Modelled on Triton's TritonGPU dialect.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILEGPU_DIALECT
#define LACC_TILEGPU_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def TileGPU_Dialect : Dialect {
  let name = "tilegpu";
  let cppNamespace = "::lacc::tilegpu";
  let summary = "Tiles distributed over threads, warps and shared memory";
  let dependentDialects = ["::lacc::tile::TileDialect"];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Module attribute: the target (#tilegpu.target).
    static constexpr ::llvm::StringLiteral kTargetAttrName = "tilegpu.target";
    /// Module attribute: warps per CTA the module was laid out for.
    static constexpr ::llvm::StringLiteral kNumWarpsAttrName = "tilegpu.num_warps";
    /// Module attribute: bytes of shared memory the kernel needs (set by planning).
    static constexpr ::llvm::StringLiteral kSharedBytesAttrName = "tilegpu.shared";
    /// Op attribute: byte offset of an op's shared buffer (set by planning).
    static constexpr ::llvm::StringLiteral kSharedOffsetAttrName = "tilegpu.shared_offset";
    /// Kernel argument attribute of a hidden !tilegpu.tensor_map parameter: how the runtime
    /// encodes it (compiler/transforms/TensorMaps.h); gathered in order into the kernel's
    /// `tilegpu.tensor_maps` when it is lowered.
    static constexpr ::llvm::StringLiteral kTensorMapAttrName = "tilegpu.tensor_map";
    static constexpr ::llvm::StringLiteral kTensorMapsAttrName = "tilegpu.tensor_maps";
    /// Kernel attribute: warp-specialized (a producer warpgroup after the num_warps consumer
    /// warps; tilegpu.warp_specialize).
    static constexpr ::llvm::StringLiteral kWarpSpecializedAttrName = "tilegpu.warp_specialized";
    /// Attribute of a barrier_expect / async_tma_copy_global_to_local: the thread that
    /// issues it (default 0).
    static constexpr ::llvm::StringLiteral kLeaderThreadAttrName = "tilegpu.leader_thread";
  }];
}

class TileGPU_Op<string mnemonic, list<Trait> traits = []>
    : Op<TileGPU_Dialect, mnemonic, traits>;

#endif // LACC_TILEGPU_DIALECT
