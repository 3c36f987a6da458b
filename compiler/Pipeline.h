//===- Pipeline.h - lacc's code generation, stage by stage ------*- C++ -*-===//
//
// The API tools/lacc and the runtime call. Pipeline.cpp is the one place that
// lists the passes and their order.
//
//   tile IR --lowerToTileGPU--> tilegpu (layouts, shared-memory plan)
//           --lowerToLLVMDialect--> LLVM + NVVM dialects
//           --emitPTX--> PTX text + kernel metadata
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_PIPELINE_H
#define LACC_COMPILER_PIPELINE_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir {
class DialectRegistry;
class ModuleOp;
class OpPassManager;
} // namespace mlir

namespace lacc {

struct CodegenOptions {
  std::string arch = "sm_90a";      ///< sm_80 ... sm_90a
  int numWarps = 4;                 ///< warps per CTA (a power of two, 1..32)
  bool printIRAfterAll = false;     ///< print the IR after every pass to stderr
  std::string dumpDir;              ///< if set, one file per stage is written there
  bool timing = false;              ///< print per-pass and per-stage times to stderr
  int64_t sharedMemoryLimit = 0;    ///< bytes per CTA; 0 = the architecture's limit
  std::string ptxFeatures;          ///< NVPTX features; empty = "+ptx80"
  unsigned optLevel = 3;            ///< LLVM -O level
};

struct KernelInfo {
  std::string name;
  int numWarps = 0;
  int64_t sharedBytes = 0;          ///< dynamic shared memory the launch must provide
  std::vector<std::string> params;  ///< tile-level parameter types: "!tile.ptr<f32>", "i32", ...
};

struct CompiledModule {
  std::string arch;
  std::string ptx;
  std::vector<KernelInfo> kernels;
};

/// The dialects the pipeline parses and produces (tile, tilegpu, arith, math, scf, cf,
/// func, LLVM, NVVM, ub).
void registerCodegenDialects(mlir::DialectRegistry &registry);

/// Bytes of shared memory a CTA may use on `arch` (227 KiB on sm_90, 163 KiB on sm_80).
int64_t getSharedMemoryLimit(llvm::StringRef arch);

/// The pass lists of the two MLIR stages (also registered for lacc-opt as
/// `lacc-lower-to-tilegpu` and `lacc-lower-to-llvm`).
void buildTileToTileGPUPipeline(mlir::OpPassManager &pm, const CodegenOptions &options);
void buildTileGPUToLLVMPipeline(mlir::OpPassManager &pm, const CodegenOptions &options);

/// tile dialect -> tilegpu (layouts, coalescing, conversions removed, shared memory planned).
mlir::LogicalResult lowerToTileGPU(mlir::ModuleOp module, const CodegenOptions &options);
/// tilegpu -> LLVM + NVVM dialects.
mlir::LogicalResult lowerToLLVMDialect(mlir::ModuleOp module, const CodegenOptions &options);
/// LLVM dialect -> PTX (in process, NVPTX TargetMachine) with per-kernel metadata.
llvm::Expected<CompiledModule> emitPTX(mlir::ModuleOp llvmDialectModule,
                                       const CodegenOptions &options);
/// All three stages in order on a tile-dialect module (which is lowered in place).
llvm::Expected<CompiledModule> compileToPTX(mlir::ModuleOp module, const CodegenOptions &options);

/// Registers the lacc-opt pipelines `lacc-lower-to-tilegpu` and `lacc-lower-to-llvm`
/// (options: num-warps, arch).
void registerCodegenPipelines();

} // namespace lacc

#endif // LACC_COMPILER_PIPELINE_H
