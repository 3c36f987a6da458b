//===- TileDialect.td - the tile dialect -------------------*- tablegen -*-===//
//
// The hardware-independent level of lacc: block-level programs over tiles
// (ranked tensors of static, power-of-two shape) of scalars or pointers.
// Elementwise arithmetic stays in arith/math, control flow in scf; this
// dialect adds what those lack: pointers, program ids, memory access,
// shape manipulation, dot, reductions and scans.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILE_DIALECT
#define LACC_TILE_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Tile_Dialect : Dialect {
  let name = "tile";
  let cppNamespace = "::lacc::tile";
  let summary = "Block-level tile programs (Triton's programming model)";
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect", "::mlir::func::FuncDialect"];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class Tile_Op<string mnemonic, list<Trait> traits = []>
    : Op<Tile_Dialect, mnemonic, traits>;

#endif // LACC_TILE_DIALECT
