//===- Passes.td - tilegpu -> LLVM/NVVM --------------------*- tablegen -*-===//

#ifndef LACC_CONVERSION_PASSES
#define LACC_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertTileGPUToLLVM : Pass<"convert-tilegpu-to-llvm", "::mlir::ModuleOp"> {
  let summary = "lower laid-out tile programs to the LLVM and NVVM dialects";
  let description = [{
    Every tile becomes the registers of one thread (a 1:N type conversion);
    tile, tilegpu, arith, math and func ops become LLVM/NVVM ops; scf ops keep
    their structure with converted types (scf-to-cf runs after). Kernels
    become `nvvm.kernel` functions with `nvvm.maxntid` = 32 * num_warps.
    Needs `tilegpu.num_warps` on the module and the shared-memory plan.
  }];
  let options = [
    Option<"maxRegisters", "max-registers", "int", /*default=*/"0",
           "registers per thread the kernels may use (nvvm.maxnreg; 0: ptxas decides, up to "
           "what one CTA of num_warps warps can have)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect", "::mlir::NVVM::NVVMDialect",
                           "::mlir::scf::SCFDialect"];
}

#endif // LACC_CONVERSION_PASSES
