//===- TileOps.td - tile dialect operations ----------------*- tablegen -*-===//
//
// Shapes are static; every op's verifier checks the shape and element-type
// rules its lowering relies on, so no later stage re-checks them.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILE_OPS
#define LACC_TILE_OPS

include "dialects/tile/TileDialect.td"
include "dialects/tile/TileTypes.td"
include "dialects/tile/TileAttrs.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

//===----------------------------------------------------------------------===//
// Program identity
//===----------------------------------------------------------------------===//

def Tile_ProgramIdOp : Tile_Op<"program_id", [Pure]> {
  let summary = "index of this program instance along a grid axis";
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict `:` type($result)";
}

def Tile_NumProgramsOp : Tile_Op<"num_programs", [Pure]> {
  let summary = "number of program instances along a grid axis";
  let arguments = (ins ConfinedAttr<I32Attr, [IntMinValue<0>, IntMaxValue<2>]>:$axis);
  let results = (outs I32:$result);
  let assemblyFormat = "$axis attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Tile construction and shape manipulation
//===----------------------------------------------------------------------===//

def Tile_MakeRangeOp : Tile_Op<"make_range", [Pure]> {
  let summary = "the 1-D tile [start, start+1, ..., end-1] of i32";
  let arguments = (ins I32Attr:$start, I32Attr:$end);
  let results = (outs Tile_TileOf<[I32]>:$result);
  let assemblyFormat = "$start `,` $end attr-dict `:` type($result)";
  let hasVerifier = 1;
}

def Tile_SplatOp : Tile_Op<"splat", [Pure,
    TypesMatchWith<"result element type matches the scalar", "result", "src",
                   "::mlir::cast<::mlir::ShapedType>($_self).getElementType()">]> {
  let summary = "a tile with every element equal to one scalar";
  let arguments = (ins Tile_AnyScalar:$src);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($result)";
  let hasFolder = 1;
}

def Tile_BroadcastOp : Tile_Op<"broadcast", [Pure, SameOperandsAndResultElementType]> {
  let summary = "repeat a tile along its size-1 dimensions";
  let arguments = (ins Tile_AnyTile:$src);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tile_ExpandDimsOp : Tile_Op<"expand_dims", [Pure, SameOperandsAndResultElementType]> {
  let summary = "insert a size-1 dimension at `axis`";
  let arguments = (ins Tile_AnyTile:$src, I32Attr:$axis);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let builders = [OpBuilder<(ins "::mlir::Value":$src, "int":$axis)>];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Tile_ReshapeOp : Tile_Op<"reshape", [Pure, SameOperandsAndResultElementType]> {
  let summary = "the same elements in row-major order under another shape";
  let arguments = (ins Tile_AnyTile:$src);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tile_TransOp : Tile_Op<"trans", [Pure, SameOperandsAndResultElementType]> {
  let summary = "permute the dimensions of a tile";
  let description = [{
    `result.shape[i] == src.shape[order[i]]`. With no `order`, the two
    dimensions of a 2-D tile are swapped.
  }];
  let arguments = (ins Tile_AnyTile:$src, DenseI32ArrayAttr:$order);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($result)";
  let builders = [OpBuilder<(ins "::mlir::Value":$src, "::llvm::ArrayRef<int32_t>":$order)>];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Tile_JoinOp : Tile_Op<"join", [Pure, SameTypeOperands]> {
  let summary = "pair two tiles along a new minor dimension of size 2";
  let description = [{
    `result[..., 0] = lhs[...]`, `result[..., 1] = rhs[...]` (Triton's `tl.join`).
  }];
  let arguments = (ins Tile_AnyTile:$lhs, Tile_AnyTile:$rhs);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `->` type($result)";
  let builders = [OpBuilder<(ins "::mlir::Value":$lhs, "::mlir::Value":$rhs)>];
  let hasVerifier = 1;
}

def Tile_SplitOp : Tile_Op<"split", [Pure, AllTypesMatch<["lhs", "rhs"]>]> {
  let summary = "unpair a tile along its minor dimension of size 2";
  let description = [{
    The inverse of `tile.join`: `lhs[...] = src[..., 0]`, `rhs[...] = src[..., 1]`
    (Triton's `tl.split`). The source has rank 2 or more.
  }];
  let arguments = (ins Tile_AnyTile:$src);
  let results = (outs Tile_AnyTile:$lhs, Tile_AnyTile:$rhs);
  let assemblyFormat = "$src attr-dict `:` type($src) `->` type($lhs)";
  let builders = [OpBuilder<(ins "::mlir::Value":$src)>];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Pointers and memory
//===----------------------------------------------------------------------===//

def Tile_AddPtrOp : Tile_Op<"addptr", [Pure, AllTypesMatch<["ptr", "result"]>]> {
  let summary = "advance pointers by a number of elements";
  let arguments = (ins Tile_PtrLike:$ptr, Tile_IntLike:$offset);
  let results = (outs Tile_PtrLike:$result);
  let assemblyFormat = "$ptr `,` $offset attr-dict `:` type($ptr) `,` type($offset)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Tile_LoadOp : Tile_Op<"load", [AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    TypesMatchWith<"result type is the pointee type of ptr", "ptr", "result",
                   "::lacc::tile::getPointeeType($_self)">,
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask",
                           "::lacc::tile::getI1SameShape($_self)">,
    OptionalTypesMatchWith<"other has the type of the result", "ptr", "other",
                           "::lacc::tile::getPointeeType($_self)">]> {
  let summary = "read from global memory";
  let description = [{
    Reads the element behind every pointer. Where `mask` is false nothing is
    read and the result is `other` (undefined without `other`).
  }];
  let arguments = (ins Tile_PtrLike:$ptr, Optional<Tile_BoolLike>:$mask,
                       Optional<Tile_ValueLike>:$other);
  let results = (outs Tile_ValueLike:$result);
  let assemblyFormat = [{
    $ptr (`,` $mask^)? (`,` $other^)? attr-dict `:` type($ptr)
  }];
  let builders = [OpBuilder<(ins "::mlir::Value":$ptr, "::mlir::Value":$mask,
                                 "::mlir::Value":$other)>];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
}

def Tile_StoreOp : Tile_Op<"store", [
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    TypesMatchWith<"value type is the pointee type of ptr", "ptr", "value",
                   "::lacc::tile::getPointeeType($_self)">,
    OptionalTypesMatchWith<"mask has the shape of ptr", "ptr", "mask",
                           "::lacc::tile::getI1SameShape($_self)">]> {
  let summary = "write to global memory where mask is true";
  let arguments = (ins Tile_PtrLike:$ptr, Tile_ValueLike:$value,
                       Optional<Tile_BoolLike>:$mask);
  let assemblyFormat = "$ptr `,` $value (`,` $mask^)? attr-dict `:` type($ptr)";
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Contractions, reductions, scans
//===----------------------------------------------------------------------===//

def Tile_DotOp : Tile_Op<"dot", [Pure, AllTypesMatch<["acc", "result"]>]> {
  let summary = "matrix product accumulated onto acc: result = a * b + acc";
  let description = [{
    `a` is MxK, `b` is KxN, `acc` and the result MxN. Both operands have the
    same element type; 8- and 16-bit float operands accumulate in f32 (or in
    their own type), i8 in i32.

    `input_precision` says how f32 operands are multiplied: `ieee` exactly as
    f32 products; `tf32` after rounding each operand to tf32 (10 mantissa
    bits, to nearest, ties away from zero: PTX `cvt.rna.tf32.f32`); `tf32x3`
    as three tf32 products that recover most of the f32 precision:
    `big(x) = tf32(x)`, `small(x) = tf32(x - big(x))`,
    `result = dot(big(a), big(b), acc + dot(big(a), small(b), dot(small(a), big(b), 0)))`.
  }];
  let arguments = (ins Tile_AnyTile:$a, Tile_AnyTile:$b, Tile_AnyTile:$acc,
                       DefaultValuedAttr<Tile_InputPrecision,
                                         "::lacc::tile::InputPrecision::IEEE">:$input_precision);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = [{
    $a `,` $b `,` $acc (`input_precision` `=` $input_precision^)? attr-dict `:` type($a) `,`
    type($b) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Tile_ReduceOp : Tile_Op<"reduce", [Pure]> {
  let summary = "combine the elements of a tile along one axis";
  let description = [{
    The result drops `axis` from the shape; reducing a 1-D tile gives a scalar.
  }];
  let arguments = (ins Tile_CombineKind:$kind, Tile_AnyTile:$src, I32Attr:$axis);
  let results = (outs Tile_ValueLike:$result);
  let assemblyFormat = "$kind $src attr-dict `:` type($src) `->` type($result)";
  let builders = [OpBuilder<(ins "::lacc::tile::CombineKind":$kind, "::mlir::Value":$src,
                                 "int":$axis)>];
  let hasVerifier = 1;
}

def Tile_ScanOp : Tile_Op<"scan", [Pure, SameOperandsAndResultType]> {
  let summary = "inclusive prefix combination along one axis";
  let arguments = (ins Tile_CombineKind:$kind, Tile_AnyTile:$src, I32Attr:$axis,
                       DefaultValuedAttr<BoolAttr, "false">:$reverse);
  let results = (outs Tile_AnyTile:$result);
  let assemblyFormat = "$kind $src attr-dict `:` type($src)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Hints and checks
//===----------------------------------------------------------------------===//

def Tile_AssumeOp : Tile_Op<"assume", [Pure, AllTypesMatch<["src", "result"]>]> {
  let summary = "pass a value through, with facts the axis analysis may rely on";
  let description = [{
    Triton's `tl.multiple_of` and `tl.max_contiguous`. The result is `src`;
    the attributes are promises about it, one entry per dimension (one entry
    for a scalar):
    - `divisibility[d]`: every element is a multiple of this (an integer's
      value; a pointer's address in bytes, as in Triton's axis info);
    - `contiguity[d]`: along dimension d, runs of this many elements, starting
      at multiples of it, are consecutive integers (a tile only).
    A wrong promise makes the generated code wrong, not the interpreter.
  }];
  let arguments = (ins AnyTypeOf<[Tile_IntLike, Tile_PtrLike]>:$src,
                       OptionalAttr<DenseI64ArrayAttr>:$divisibility,
                       OptionalAttr<DenseI64ArrayAttr>:$contiguity);
  let results = (outs AnyTypeOf<[Tile_IntLike, Tile_PtrLike]>:$result);
  let assemblyFormat = "$src attr-dict `:` type($src)";
  let hasVerifier = 1;
}

def Tile_AssertOp : Tile_Op<"assert", [MemoryEffects<[MemWrite]>]> {
  let summary = "stop the kernel with a message where a condition is false";
  let description = [{
    A device-side `assert` (Triton's `tl.device_assert`): if any element of
    `condition` is false, the kernel fails, reporting `message` and the op's
    source location. The front end emits it only in debug mode. The write
    effect keeps it in place and alive.
  }];
  let arguments = (ins Tile_BoolLike:$condition, StrAttr:$message);
  let assemblyFormat = "$condition `,` $message attr-dict `:` type($condition)";
}

include "dialects/tile/TileAtomicOps.td"
include "dialects/tile/TileBlockPointerOps.td"
include "dialects/tile/TileTensorDescOps.td"

#endif // LACC_TILE_OPS
