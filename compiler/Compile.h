//===- Compile.h - the one entry into lacc's compiler -----------*- C++ -*-===//
//
// Source (or tile-dialect IR) in; the artifacts of each stage out:
//
//   .tile source --front end--> tile IR --lowerToTileGPU--> tilegpu IR
//     --lowerToLLVMDialect--> LLVM dialect --translate, -O3--> LLVM IR --NVPTX--> PTX
//
// lacc, the runtime, the tests and the tools all call compile(); nothing else
// wires the front end to the pipeline (compiler/Pipeline.h lists the passes).
// No MLIR type appears here, so including it costs nothing.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_COMPILE_H
#define LACC_COMPILER_COMPILE_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace lacc {

/// How a kernel is compiled for the machine: everything that changes the code but is not in
/// the source. Adding a knob is a field here and the places that use it; key() names it.
struct KernelConfig {
  std::string arch = "sm_90a"; ///< sm_80 ... sm_90a
  /// Warps per program (a power of two, 1..32); 0: the kernel's @kernel(num_warps=), else 4.
  int numWarps = 0;
  /// Buffers of the software pipeline of loop-carried loads (1: none); 0: the kernel's
  /// @kernel(num_stages=), else 3.
  int numStages = 0;
  int64_t sharedMemoryLimit = 0; ///< bytes per program; 0 = the architecture's
  int numSMs = 0;              ///< multiprocessors of the target GPU; 0 = unknown
  /// Registers per thread the kernel may use (PTX .maxnreg); 0: ptxas decides, up to what one
  /// program of numWarps warps can have (255 at most).
  int maxRegisters = 0;
  /// Warp-specialize the main loops that qualify on sm_90a (a TMA producer warpgroup, see
  /// compiler/transforms/WarpSpecialize.cpp); false leaves them to the software pipeliner.
  bool warpSpecialize = true;

  /// A stable text naming every field, for cache keys: "sm_90a.w4.s1".
  std::string key() const;
  /// An empty string when valid, else what is wrong, naming the field as lacc's option
  /// does ("num-warps=3: expected a power of two from 1 to 32").
  std::string validate() const;
};

/// What is known about one runtime argument of every launch of this specialization.
struct ArgSpec {
  /// The parameter's type as Triton's AOT signature spells it ("*fp32", "i32"), checked
  /// against the kernel's; empty: not checked.
  std::string type;
  /// The argument (a pointer's address in bytes, an integer's value) is a multiple of this;
  /// 0 or 1: nothing known. Code generation vectorizes on 16.
  int64_t divisibility = 0;
  /// An integer argument that is 1 on every launch (a unit stride): the kernel is compiled
  /// with the constant, as Triton specializes.
  bool equalToOne = false;
};

/// Parses a signature in the format of Triton's AOT compiler, one entry per runtime
/// parameter: "*fp32:16, *fp32:16, *fp32:16, i32:16" (types fp16 bf16 fp32 fp64 i1 i8 i16
/// i32 i64, a leading '*' for pointers, an optional ':16' divisibility, or ':1' for an
/// integer that is always 1). False with a message in `error` on a malformed entry.
bool parseSignature(const std::string &text, std::vector<ArgSpec> &out, std::string &error);

struct CompileInput {
  std::string source;   ///< the whole .tile text, or tile-dialect MLIR when fileName ends in .mlir
  std::string fileName; ///< for diagnostics
  std::string kernelName; ///< empty: every @kernel of the source
  /// Values of const parameters, NAME -> VALUE as written after -D (an integer, a float,
  /// True or False); the front end checks each against the parameter's declared type.
  std::vector<std::pair<std::string, std::string>> constants;
  /// Per runtime parameter (in order) of the kernel, when kernelName is set; may be empty.
  std::vector<ArgSpec> args;
  KernelConfig config;
};

/// The stages, in order; compile() can stop after any of them.
enum class Stage { Tile, TileGPU, LLVMDialect, LLVMIR, PTX };

struct CompileOptions {
  Stage stopAfter = Stage::PTX;
  /// Keep the text of every stage up to stopAfter (otherwise only stopAfter's).
  bool keepAllStages = false;
  bool printDebugInfo = false;   ///< source locations in MLIR text
  bool printIRAfterAll = false;  ///< the IR after every pass, to stderr
  std::string dumpDir;           ///< if set, one file per stage is written there
  bool timing = false;           ///< per-stage and per-pass times, to stderr
};

/// A runtime parameter of a compiled kernel, as its tile-level type says.
struct ParamType {
  bool pointer = false;
  std::string element; ///< "f32", "bf16", "i32", ... (the pointee for a pointer)
};

/// A tensor descriptor a kernel makes (make_tensor_descriptor), as the runtime rebuilds it at
/// each launch: the base is a pointer parameter, each shape and stride entry a parameter or a
/// constant.
struct DescriptorMetadata {
  struct Operand {
    int param = -1;       ///< the runtime parameter's index, or -1 for a constant
    int64_t constant = 0;
  };
  unsigned base = 0;
  std::vector<Operand> shape, strides; ///< in elements, outermost dimension first
  std::vector<int64_t> block;          ///< the block's shape
  unsigned elementBytes = 0;
};

/// A TMA tensor map (CUtensorMap) of a tensor descriptor: the runtime encodes it at each
/// launch and passes it by value after the kernel's parameters, in the kernel's order.
struct TensorMapMetadata {
  DescriptorMetadata tensor; ///< its `block` is the box one copy moves
  unsigned swizzleBytes = 0; ///< 0 (none), 32, 64 or 128
};

struct KernelMetadata {
  std::string name;
  int numWarps = 0;
  int64_t sharedBytes = 0; ///< dynamic shared memory the launch must provide
  std::vector<ParamType> params;
  std::vector<DescriptorMetadata> descriptors; ///< in the order the kernel makes them
  std::vector<TensorMapMetadata> tensorMaps;   ///< hidden parameters after `params` (sm_90)
};

struct CompileResult {
  bool success = false;
  /// Every diagnostic, rendered: file:line:col, the message, the source line and a caret.
  std::string diagnostics;
  std::string tileIR, tileGPUIR, llvmDialectIR, llvmIR, ptx;
  std::vector<KernelMetadata> kernels;
};

/// Compiles `input` up to options.stopAfter. Never throws; failures come back as
/// success == false with the diagnostics. Thread-safe: each call has its own MLIR context.
CompileResult compile(const CompileInput &input, const CompileOptions &options = {});

} // namespace lacc

#endif // LACC_COMPILER_COMPILE_H
