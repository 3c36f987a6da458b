//===- lacc/Compiler.h - the boundary between the runtime and the compiler -===//
//
// The runtime asks for one kernel at a time: source text, a kernel name, the
// values of its const parameters, which parameters are known to be divisible
// by 16, the target and num_warps. It gets back PTX and what it needs to launch
// it. This header is all the runtime knows of the compiler, and it has no MLIR
// in it: runtime/Compiler.cpp is the one file of the runtime that does.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_H
#define LACC_COMPILER_H

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lacc {

/// The scalar types of the tile language (the fp8 ones last: the disk cache stores the
/// numbers).
enum class ScalarType : uint8_t { I1, I8, I16, I32, I64, F16, BF16, F32, F64, F8E4M3, F8E5M2 };

/// The type the tile language spells `name` ("i32", "bf16", "f8e5m2", "bool"), if any.
std::optional<ScalarType> scalarTypeNamed(const std::string &name);

/// "i32", "bf16", ... as the tile language spells them.
const char *typeName(ScalarType type);
/// Storage size in bytes (i1 takes one byte).
unsigned byteSize(ScalarType type);
bool isFloat(ScalarType type);

/// A runtime (non-const) kernel parameter, in launch order.
struct Param {
  enum class Kind : uint8_t { Pointer, Int, Float };
  std::string name;
  Kind kind = Kind::Int;
  ScalarType type = ScalarType::I32; // the element type for a pointer
  unsigned bytes = 4;                // size in the kernel's parameter buffer

  /// "ptr<f32>", "i32", ...
  std::string typeString() const;
  bool operator==(const Param &o) const {
    return name == o.name && kind == o.kind && type == o.type && bytes == o.bytes;
  }
};

/// The value of a const parameter: an integer, a float, a bool, a string or a type.
/// Implicit constructors from every arithmetic type let callers write {{"BLOCK", 64}};
/// strings and types are named: {{"ACTIVATION", ConstValue::string("leaky_relu")},
/// {"DTYPE", ConstValue::type("bf16")}}.
class ConstValue {
public:
  enum class Kind : uint8_t { Int, Float, Bool, String, Type };

  ConstValue() : kind_(Kind::Int) {} // 0, so that a std::map can default-construct one
  ConstValue(bool b) : kind_(Kind::Bool), i_(b) {}
  ConstValue(int v) : kind_(Kind::Int), i_(v) {}
  ConstValue(long v) : kind_(Kind::Int), i_(v) {}
  ConstValue(long long v) : kind_(Kind::Int), i_(v) {}
  ConstValue(unsigned v) : kind_(Kind::Int), i_(v) {}
  ConstValue(unsigned long v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}
  ConstValue(unsigned long long v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}
  ConstValue(float v) : kind_(Kind::Float), f_(v) {}
  ConstValue(double v) : kind_(Kind::Float), f_(v) {}
  /// Text is not a number: {"BLOCK", "256"} would silently become the bool true. Write
  /// ConstValue::string("...") for a string and ConstValue::type("bf16") for a type.
  ConstValue(const char *) = delete;

  /// A string constant (`ACTIVATION: str`, compared with == in the kernel).
  static ConstValue string(std::string text);
  /// A type constant (`DTYPE: dtype`): a type name as the language spells it, "bf16".
  static ConstValue type(std::string name);

  Kind kind() const { return kind_; }
  int64_t asInt() const { return i_; }
  double asFloat() const { return kind_ == Kind::Float ? f_ : static_cast<double>(i_); }
  bool asBool() const { return i_ != 0; }
  /// The text of a string, the name of a type; empty for the other kinds.
  const std::string &asString() const { return s_; }

  /// The value as the front end reads it after -D: 64, 0.5 (always with a '.'
  /// or an exponent, and round-tripping exactly), True, False, "leaky_relu" (a
  /// string, quoted), bf16 (a type, bare).
  std::string toString() const;

  bool operator==(const ConstValue &o) const;
  bool operator!=(const ConstValue &o) const { return !(*this == o); }

private:
  Kind kind_;
  int64_t i_ = 0;
  double f_ = 0;
  std::string s_;
};

using ConstMap = std::map<std::string, ConstValue>;

struct CompileRequest {
  std::string source;   // the whole .tile text
  std::string fileName; // for diagnostics
  std::string kernelName;
  ConstMap constants;
  /// Indices into the runtime parameter list of pointer and integer parameters
  /// whose values are divisible by 16 for every launch of this specialization
  /// (16-byte aligned pointers), ascending. Code generation may vectorize on it.
  std::vector<unsigned> divisibleBy16;
  /// Indices of integer parameters equal to 1 on every launch of this specialization (unit
  /// strides: code generation then knows an access is contiguous), ascending.
  std::vector<unsigned> equalToOne;
  std::string arch = "sm_90a";
  unsigned numWarps = 0;  // 0: the kernel's @kernel(num_warps=), else 4
  unsigned numStages = 0; // 0: the kernel's @kernel(num_stages=), else 3
  unsigned maxRegisters = 0; // 0: ptxas decides
  bool warpSpecialize = true; // sm_90a: a TMA producer warpgroup where a loop qualifies
};

/// What ptxas made of a kernel: registers, spills, stack and static shared memory. Filled in
/// when the kernel is loaded on a GPU (the driver's JIT log, cuFuncGetAttribute) or assembled by
/// a ptxas (lacc --emit=metadata); -1 where it is not known.
struct PtxasReport {
  int registers = -1;         // per thread
  int spillStoreBytes = -1;   // per thread
  int spillLoadBytes = -1;    // per thread
  int stackBytes = -1;        // the stack frame, per thread (local memory, spills included)
  int staticSharedBytes = -1; // per block, besides the dynamic shared memory
  std::string log;            // ptxas's lines about this kernel, as it wrote them

  bool known() const { return registers >= 0; }
  /// "40 registers, 0 B spill stores, 0 B spill loads, 0 B stack, 0 B static shared memory",
  /// "?" for what is unknown; "not assembled yet" when nothing is known.
  std::string summary() const;
};

/// A tensor descriptor the kernel makes (make_tensor_descriptor). The runtime checks it against
/// each launch's arguments: the base is pointer parameter `base`, each shape and stride entry
/// a parameter (param >= 0) or a constant.
struct TensorDescriptor {
  struct Operand {
    int param = -1;
    int64_t constant = 0;
    bool operator==(const Operand &o) const { return param == o.param && constant == o.constant; }
  };
  unsigned base = 0;
  std::vector<Operand> shape, strides; // in elements, outermost dimension first
  std::vector<int64_t> block;          // the block's shape
  unsigned elementBytes = 0;
  bool operator==(const TensorDescriptor &o) const {
    return base == o.base && shape == o.shape && strides == o.strides && block == o.block &&
           elementBytes == o.elementBytes;
  }
};

/// A TMA tensor map (CUtensorMap) of a tensor descriptor, encoded at each launch from the
/// arguments and passed by value after the kernel's parameters, in this order (sm_90).
struct TensorMap {
  TensorDescriptor tensor;   // its `block` is the box one copy moves
  unsigned swizzleBytes = 0; // 0 (none), 32, 64 or 128
  bool operator==(const TensorMap &o) const {
    return tensor == o.tensor && swizzleBytes == o.swizzleBytes;
  }
};

struct CompiledKernel {
  std::string name; // the PTX entry
  std::string ptx;
  std::string arch;
  unsigned numWarps = 4;
  unsigned sharedBytes = 0; // dynamic shared memory per block
  std::vector<Param> params;
  std::vector<TensorDescriptor> descriptors; // in the order the kernel makes them
  std::vector<TensorMap> tensorMaps;         // hidden parameters after `params`
  PtxasReport ptxas;
};

/// The compiler behind the runtime: runs the front end and code generation in
/// process. Throws lacc::Error(Kind::Compile) with the diagnostics.
CompiledKernel compileKernel(const CompileRequest &request);

/// The front end only: the runtime parameter list as the tile IR has it
/// (func.func argument types). Throws lacc::Error(Kind::Compile).
std::vector<Param> kernelParameters(const CompileRequest &request);

/// Identifies the compiler build: part of every disk-cache key, so a changed
/// compiler never loads an entry an older one wrote. It is a hash of the
/// compiler's sources, computed by the build.
const std::string &compilerVersion();

/// What a Context calls to compile; tests and tools may substitute their own.
using CompileFunction = std::function<CompiledKernel(const CompileRequest &)>;

} // namespace lacc

#endif // LACC_COMPILER_H
