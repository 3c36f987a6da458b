//===- Pipeline.h - lacc's code generation, stage by stage ------*- C++ -*-===//
//
// The passes and their order, in one place. compile() (Compile.h) is the
// entry everyone calls; this header is what it and lacc-opt build on.
//
//   tile IR --lowerToTileGPU--> tilegpu (layouts, shared memory, barriers)
//           --lowerToLLVMDialect--> LLVM + NVVM dialects
//           --emitLLVMAndPTX--> LLVM IR, PTX, kernel metadata
//
// Every pass is followed by a check of the IR: an invalid module is an
// internal compiler error that names the pass and the kernel, never shown as
// the user's mistake.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_PIPELINE_H
#define LACC_COMPILER_PIPELINE_H

#include "compiler/Compile.h"

#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

namespace mlir {
class DialectRegistry;
class ModuleOp;
class OpPassManager;
class Operation;
} // namespace mlir

namespace lacc {

struct PipelineOptions {
  KernelConfig config;
  bool printIRAfterAll = false; ///< the IR after every pass, to stderr
  bool timing = false;          ///< per-pass times, to stderr
  unsigned optLevel = 3;        ///< LLVM -O level
};

/// The dialects the pipeline parses and produces (tile, tilegpu, arith, math, scf, cf,
/// func, LLVM, NVVM, ub).
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// The pass lists of the two MLIR stages (also registered for lacc-opt as
/// `lacc-lower-to-tilegpu` and `lacc-lower-to-llvm`).
void buildTileToTileGPUPipeline(mlir::OpPassManager &pm, const KernelConfig &config);
void buildTileGPUToLLVMPipeline(mlir::OpPassManager &pm, const KernelConfig &config);

/// tile dialect -> tilegpu (layouts, coalescing, conversions, shared memory, barriers).
mlir::LogicalResult lowerToTileGPU(mlir::ModuleOp module, const PipelineOptions &options);
/// tilegpu -> LLVM + NVVM dialects.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module, const PipelineOptions &options);

/// The launch metadata of every kernel of an LLVM-dialect module.
std::vector<KernelMetadata> getKernelMetadata(mlir::ModuleOp llvmDialectModule);

/// The tensor descriptors (tile.make_tensor_desc) of a tile-dialect kernel, in program order.
std::vector<DescriptorMetadata> getTensorDescriptors(mlir::Operation *kernel);

/// LLVM dialect -> optimized LLVM IR (kept when `keepLLVMIR`) and, when `withPTX`, PTX.
struct LoweredModule {
  std::string llvmIR, ptx;
};
llvm::Expected<LoweredModule> emitLLVMAndPTX(mlir::ModuleOp llvmDialectModule,
                                             const PipelineOptions &options, bool keepLLVMIR,
                                             bool withPTX);

/// Registers the lacc-opt pipelines `lacc-lower-to-tilegpu` and `lacc-lower-to-llvm`
/// (options: num-warps, arch, num-stages).
void registerCodegenPipelines();

} // namespace lacc

#endif // LACC_COMPILER_PIPELINE_H
