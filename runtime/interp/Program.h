//===- Program.h - the interpreter's pre-resolved form of a kernel -*- C++ -*-===//
//
// Interpreter.cpp lowers a func.func once into this flat form (no MLIR types):
// every SSA value becomes a slot number, every op an Instr with its opcode,
// element types, sizes and attributes already extracted. Execute.cpp then runs
// it with a switch per op and a loop per tile, never touching MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_INTERP_PROGRAM_H
#define LACC_RUNTIME_INTERP_PROGRAM_H

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace lacc::interp {
struct Buffer;
namespace detail {

/// Element types. Index is treated as i64; pointers are host addresses. A
/// block pointer is an Elt::Ptr slot holding [base, shape..., strides...,
/// offsets...] in `i`.
enum class Elt : uint8_t { I1, I8, I16, I32, I64, F8E4M3, F8E5M2, F16, BF16, F32, F64, Ptr };

inline bool isFloat(Elt e) { return e >= Elt::F8E4M3 && e <= Elt::F64; }
inline int bitWidth(Elt e) {
  static constexpr int bits[] = {1, 8, 16, 32, 64, 8, 8, 16, 16, 32, 64, 64};
  return bits[static_cast<int>(e)];
}
/// Bytes one element occupies in memory (i1 is stored as a byte).
inline int64_t byteSize(Elt e) { return e == Elt::I1 ? 1 : bitWidth(e) / 8; }
const char *eltName(Elt e);

/// A runtime value: a scalar is a tile of one element. Integers and pointers
/// are kept sign-extended to 64 bits in `i` (exact for i64); floats in `f`,
/// always exactly representable in their element type.
struct Slot {
  std::vector<int64_t> i;
  std::vector<double> f;
};

enum class Opc : uint8_t {
  // Elementwise integer binary (in: a, b).
  AddI, SubI, MulI, DivSI, DivUI, RemSI, RemUI, CeilDivSI, CeilDivUI, FloorDivSI,
  AndI, OrI, XOrI, ShLI, ShRSI, ShRUI, MaxSI, MinSI, MaxUI, MinUI,
  // Elementwise float binary / ternary.
  AddF, SubF, MulF, DivF, RemF, MaximumF, MinimumF, MaxNumF, MinNumF, PowF, Atan2, CopySign, Fma,
  // Unary.
  NegF, FUnary /* fn */, AbsI,
  // Comparisons (a = arith predicate number, src = operand type) and select.
  CmpI, CmpF, Select,
  // Casts (src = operand element type, elt = result element type).
  FToF, SIToF, UIToF, FToSI, FToUI, ExtSI, ExtUI, TruncI, Bitcast,
  // Tile ops.
  ProgramId, NumPrograms, MakeRange, Splat, Copy, Gather, Join, Split, AddPtr, Load, Store,
  Atomic, AtomicCas, Dot, Reduce, Scan, Assert,
  // Block pointers.
  MakeBlockPtr, Advance, BlockLoad, BlockStore,
  // Tensor descriptors (made by MakeBlockPtr: [base, shape..., strides...]).
  DescLoad, DescStore,
  // Control flow (regions index Program::blocks).
  For, If, While,
};

/// Combine kinds, in the order of tile::CombineKind / tile::AtomicKind /
/// tile::InputPrecision / tile::Padding.
enum class Combine : uint8_t { Sum, Max, Min, Prod };
enum class AtomicOp : uint8_t { Add, Max, Min, Xchg };
enum class Precision : uint8_t { IEEE, TF32, TF32x3 };
enum class Padding : uint8_t { Zero, NaN };

struct Instr {
  Opc opc;
  Elt elt = Elt::I32; // result element type (pointee for memory ops)
  Elt src = Elt::I32; // operand element type where it differs
  int64_t n = 1;      // elements of the result (of the operands for Store)
  int64_t a = 0, b = 0, c = 0, d = 0; // attributes: predicate, axis, start, kind, sizes, ...
  double (*fn)(double) = nullptr;
  std::vector<uint32_t> in, out;
  std::vector<int64_t> shape, strides; // Gather: result shape and source strides; block shape
  std::vector<int32_t> regions;        // -1: absent (an scf.if without else)
  uint32_t where = 0;                  // index into Program::where
};

struct Block {
  std::vector<Instr> ops;
  std::vector<uint32_t> args;   // block argument slots
  std::vector<uint32_t> yields; // terminator operands (scf.yield / scf.condition args)
  std::vector<uint32_t> temps;  // scratch slots for parallel copies, one per yield
  int64_t cond = -1;            // scf.condition's predicate slot
};

struct Program {
  std::string kernel;
  std::vector<Block> blocks; // blocks[0] is the kernel body
  std::vector<Elt> params;
  std::vector<std::string> paramNames; // "parameter 3" or "parameter 3 (file:line:col)"
  std::vector<std::pair<uint32_t, Slot>> constants;
  struct Where {
    std::string loc, op; // "file:line:col", "tile.load"
  };
  std::vector<Where> where; // of every op
  std::vector<std::string> messages; // of tile.assert, indexed by Instr::a
  uint32_t numSlots = 0;
};

/// A kernel argument as the executor sees it: an integer, a float or an address.
struct ArgValue {
  int64_t i = 0;
  double f = 0;
};

/// Runs the program over the grid; returns the empty string or an error message.
std::string execute(const Program &program, std::array<uint32_t, 3> grid,
                    const std::vector<ArgValue> &args, const Buffer *buffers, size_t numBuffers);

} // namespace detail
} // namespace lacc::interp

#endif // LACC_RUNTIME_INTERP_PROGRAM_H
