//===- lacc-opt.cpp - mlir-opt with lacc's dialects and passes ------------===//

#include "dialects/tile/TileDialect.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::registerTransformsPasses();
  mlir::DialectRegistry registry;
  registry.insert<lacc::tile::TileDialect, mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::math::MathDialect, mlir::scf::SCFDialect, mlir::cf::ControlFlowDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "lacc optimizer driver\n", registry));
}
