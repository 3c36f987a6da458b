//===- Interpreter.h - run tile-dialect kernels on the CPU -------*- C++ -*-===//
//
// The reference executor for CI: runs a kernel (a func.func of the tile
// dialect) over a grid, one program instance after another (x fastest, then
// y, then z), on host memory. Semantics, exactly:
//
// Values
//   Integers wrap around in their width. Floats are kept exactly
//   representable in their type: every arith/math result on an f16/bf16/f32
//   tile is rounded (nearest-even) to that type; +,-,*,/,sqrt are therefore
//   correctly rounded, other math functions are computed in double and rounded.
//   arith.maximumf/minimumf propagate NaN, maxnumf/minnumf ignore it; both
//   order -0 < +0. scf.for compares signed and needs a positive step.
//   fp8 (f8E4M3FN, f8E5M2): conversions to fp8 round to nearest-even once
//   from the exact value and saturate (PTX .satfinite): beyond the largest
//   finite value, infinities included, gives that value (448, 57344) with its
//   sign; NaN stays NaN. One byte in memory; e4m3 has no infinities.
//
// Memory
//   A !tile.ptr<T> is a host address; addptr moves it by elements. Every
//   access must lie wholly inside one of the registered buffers, else the run
//   stops with an error naming file:line:col, the op, the kernel and the lane.
//   Masked-off lanes are never read or written; a masked-off lane of a load
//   yields `other`, or 0 when there is no `other`; of an atomic, 0. i1 is one
//   byte in memory (nonzero reads as true, true is written as 1).
//
// Errors (never UB): integer division or remainder by zero, signed division
//   overflow (INT_MIN / -1), shift amounts >= the width, float-to-int casts of
//   NaN or of values outside the result's range (all poison in LLVM, so the GPU
//   code has no defined answer either).
//
// dot: result = a*b + acc, each product rounded to f32 and added to the f32
//   accumulator in k order (no FMA); f64 accumulates in f64, i8 in i32 (wrap);
//   a 16-bit accumulator accumulates in f32 and is rounded once at the end.
//   f32 operands follow input_precision: ieee as above; tf32 rounds every
//   operand to tf32 first (10 mantissa bits, nearest, ties away from zero, as
//   PTX cvt.rna.tf32.f32); tf32x3 splits x = big + small (big = tf32(x),
//   small = tf32(x - big)) and computes
//   dot(big_a, big_b, acc + dot(big_a, small_b, dot(small_a, big_b, 0))),
//   each inner dot as above and the additions in f32.
// reduce/scan: combine in index order (reverse scans from the end), rounding
//   every step to the element type. Float max/min propagate NaN and order
//   -0 < +0 (like arith.maximumf); integer max/min are signed, except on i1
//   where max is "any" and min is "all".
// atomic_rmw: lanes in row-major order, each read-modify-write in turn;
//   integer max/min are signed; float add rounds to the element type; float
//   max/min propagate NaN and order -0 < +0. sem and scope change nothing
//   here (one program runs at a time, in one thread).
// atomic_cas: lanes in row-major order; floats compare bits.
// barrier: nothing to do. assume: passes its operand through.
// assert: stops the run at the first false lane, with the op's location,
//   "assertion failed: <message>" and the lane.
// join / split: result[..., 0] = lhs, result[..., 1] = rhs, and back.
// Block pointers are executed directly (not rewritten first): element i of a
//   block is at base + sum_d (offset_d + i_d) * stride_d elements (i64, wrapping);
//   along boundary-checked dimensions an index outside [0, shape_d) is not
//   accessed (a load yields 0, or NaN with padding = nan; a store skips it).
//   advance adds to the i32 offsets, wrapping.
//
// Errors are returned as llvm::Error (no exceptions): the message names the
// kernel and the parameter, or the op's location and the program id:
//   kernel 'k': parameter 1 (f.tile:3:29) is i32, but the argument is i64
//   f.tile:9:12: error: in kernel 'k', program (3, 0, 0): tile.load: lane 232
//     reads 4 bytes at 0x..., outside every registered buffer (nearest: ...)
// An op the interpreter does not know is reported, with its location, before
// anything runs.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_INTERP_INTERPRETER_H
#define LACC_RUNTIME_INTERP_INTERPRETER_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace mlir::func {
class FuncOp;
} // namespace mlir::func

namespace lacc::interp {

/// Host memory a kernel may touch.
struct Buffer {
  void *data;
  size_t bytes;
};

/// One kernel argument; its kind must match the parameter's type exactly.
class KernelArg {
public:
  enum class Kind : uint8_t { I1, I8, I16, I32, I64, F8E4M3, F8E5M2, F16, BF16, F32, F64, Pointer };

  static KernelArg pointer(const void *p) { return {Kind::Pointer, reinterpret_cast<intptr_t>(p), 0}; }
  static KernelArg i1(bool v) { return {Kind::I1, v ? -1 : 0, 0}; }
  static KernelArg i8(int8_t v) { return {Kind::I8, v, 0}; }
  static KernelArg i16(int16_t v) { return {Kind::I16, v, 0}; }
  static KernelArg i32(int32_t v) { return {Kind::I32, v, 0}; }
  static KernelArg i64(int64_t v) { return {Kind::I64, v, 0}; }
  /// 16-bit floats are rounded to nearest-even from the given value.
  static KernelArg f16(float v);
  static KernelArg bf16(float v);
  static KernelArg f32(float v) { return {Kind::F32, 0, v}; }
  static KernelArg f64(double v) { return {Kind::F64, 0, v}; }

  Kind kind() const { return kind_; }
  int64_t intValue() const { return int_; }    // integers (sign-extended) and addresses
  double floatValue() const { return float_; } // floats

private:
  KernelArg(Kind kind, int64_t i, double f) : kind_(kind), int_(i), float_(f) {}
  Kind kind_;
  int64_t int_;
  double float_;
};

namespace detail {
struct Program;
} // namespace detail

/// A kernel verified and lowered once, for many runs. It keeps no reference
/// to the IR (which may be destroyed), and run() may be called from several
/// threads at once (each run has its own values; memory is the caller's).
class CompiledKernel {
public:
  /// Fails on invalid IR, a body with ops or types the interpreter does not
  /// support (naming the op's location), or a kernel that returns values.
  static llvm::Expected<CompiledKernel> compile(mlir::func::FuncOp kernel);

  /// Runs over `grid` after checking the arguments against the signature
  /// (count, exact types, non-null pointers) and the grid (no zero extent).
  llvm::Error run(std::array<uint32_t, 3> grid, llvm::ArrayRef<KernelArg> args,
                  llvm::ArrayRef<Buffer> buffers) const;

  const std::string &name() const;
  size_t numParams() const;

private:
  explicit CompiledKernel(std::shared_ptr<const detail::Program> p) : program_(std::move(p)) {}
  std::shared_ptr<const detail::Program> program_;
};

/// compile() then run(): the one-shot form.
llvm::Error runKernel(mlir::func::FuncOp kernel, std::array<uint32_t, 3> grid,
                      llvm::ArrayRef<KernelArg> args, llvm::ArrayRef<Buffer> buffers);

} // namespace lacc::interp

#endif // LACC_RUNTIME_INTERP_INTERPRETER_H
