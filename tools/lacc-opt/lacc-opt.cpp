//===- lacc-opt.cpp - mlir-opt with lacc's dialects and passes ------------===//

#include "compiler/Pipeline.h"
#include "compiler/conversion/Passes.h"
#include "compiler/transforms/Passes.h"
#include "dialects/tile/TileDialect.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  lacc::registerLaccTransformsPasses();
  lacc::registerLaccConversionPasses();
  lacc::registerCodegenPipelines();
  mlir::DialectRegistry registry;
  registry.insert<lacc::tile::TileDialect, lacc::tilegpu::TileGPUDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::math::MathDialect, mlir::scf::SCFDialect,
                  mlir::cf::ControlFlowDialect, mlir::LLVM::LLVMDialect, mlir::NVVM::NVVMDialect,
                  mlir::ub::UBDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "lacc optimizer driver\n", registry));
}
