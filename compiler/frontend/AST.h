//===- AST.h - syntax tree of the tile language -----------------*- C++ -*-===//
//
// A deliberately small tree: one Expr and one Stmt node type with a kind tag.
// Types and meanings are decided later, by MLIRGen, which also evaluates
// compile-time expressions.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_AST_H
#define LACC_FRONTEND_AST_H

#include "compiler/frontend/Diagnostics.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace lacc::ast {

enum class BinOp {
  Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Shl, Shr, BitAnd, BitOr, BitXor,
  Lt, Le, Gt, Ge, Eq, Ne, And, Or,
};
enum class UnaryOp { Neg, Pos, Invert, Not };

const char *spell(BinOp op);
const char *spell(UnaryOp op);

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Keyword {
  std::string name;
  SourceLoc loc;
  ExprPtr value;
};

struct Expr {
  enum class Kind {
    Name,      // name
    Int,       // intValue
    Float,     // floatValue
    Bool,      // boolValue
    None,      // None
    String,    // name holds the contents
    Tuple,     // operands (also a list literal [a, b])
    Unary,     // unaryOp operands[0]
    Binary,    // operands[0] binaryOp operands[1]
    Call,      // base(operands..., keywords...)
    Subscript, // base[operands...]
    Attribute, // base.name
    Slice,     // ':' inside a subscript
    IfExp,     // operands[0] if operands[1] else operands[2]
  };
  Kind kind;
  SourceLoc loc;
  std::string name;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
  BinOp binaryOp = BinOp::Add;
  UnaryOp unaryOp = UnaryOp::Neg;
  ExprPtr base;
  std::vector<ExprPtr> operands;
  std::vector<Keyword> keywords;

  Expr(Kind kind, SourceLoc loc) : kind(kind), loc(loc) {}
};

/// A type annotation: a type name (a scalar type, `constexpr`, `dtype`,
/// `str`, or a name bound to a type), or `ptr<T>`.
struct TypeSpec {
  std::string name;
  SourceLoc loc;
  std::unique_ptr<TypeSpec> pointee; // set for ptr<T>
  bool isConstexpr() const { return name == "constexpr"; }
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Block = std::vector<StmtPtr>;

struct Target {
  std::string name;
  SourceLoc loc;
};

struct Stmt {
  enum class Kind {
    Assign,     // targets = value, or targets[0]: annotation = value
    AugAssign,  // targets[0] augOp= value
    Expr,       // value
    Pass,
    Return,     // return value?
    If,         // if value: body else: orelse (elif is a nested If in orelse)
    For,        // for targets[0] in value: body
    While,      // while value: body
    Break,
    Continue,
    Assert,     // assert value, message?
  };
  Kind kind;
  SourceLoc loc;
  std::vector<Target> targets;
  BinOp augOp = BinOp::Add;
  ExprPtr value;
  ExprPtr message;                     // of an assert
  std::unique_ptr<TypeSpec> annotation; // of an annotated assignment
  Block body, orelse;

  Stmt(Kind kind, SourceLoc loc) : kind(kind), loc(loc) {}
};

struct Param {
  std::string name;
  SourceLoc loc;
  bool isConst = false;
  std::unique_ptr<TypeSpec> type; // may be null for helpers and consts
  ExprPtr defaultValue;           // may be null
};

/// `@name` or `@name(arguments)`; `name` may be dotted (`@triton.jit`).
struct Decorator {
  std::string name;
  SourceLoc loc;
  std::vector<ExprPtr> args;
  std::vector<Keyword> keywords;
};

/// A value a tuning config gives a const parameter: a number or a bool, as the runtime's const
/// values are.
struct Literal {
  enum class Kind { Int, Float, Bool };
  Kind kind = Kind::Int;
  int64_t intValue = 0;
  double floatValue = 0;
  bool boolValue = false;
};

/// One `config(NAME=VALUE, ..., num_warps=N, num_stages=N)` of `@autotune`.
struct TuningConfig {
  SourceLoc loc;
  std::vector<std::pair<std::string, Literal>> constants; // in source order
  int numWarps = 0;  // 0: not given
  int numStages = 0; // 0: not given
};

/// `@autotune(configs=[...], key=[...], restore=[...])`, checked against its kernel's
/// parameters by the parser (compiler/frontend/Autotune.h).
struct Autotune {
  SourceLoc loc;
  std::vector<TuningConfig> configs;
  std::vector<std::string> key;     // runtime integer and float parameters
  std::vector<std::string> restore; // runtime pointer parameters
};

struct Function {
  std::string name;
  SourceLoc loc;
  bool isKernel = false; // decorated with @kernel
  std::vector<Decorator> decorators;
  std::optional<Autotune> autotune; // when decorated with a valid @autotune
  std::vector<Param> params;
  Block body;
  /// The `@kernel` decorator, if any.
  const Decorator *kernelDecorator() const {
    for (const Decorator &d : decorators)
      if (d.name == "kernel")
        return &d;
    return nullptr;
  }
};

/// lacc's spelling of a Triton `tl.` dtype or annotation name (`float32` ->
/// `f32`, `constexpr` -> `constexpr`), or empty when it has none.
std::string laccTypeSpelling(const std::string &tritonName);

struct Module {
  std::vector<std::unique_ptr<Function>> functions;
  Block globals; // module-level constant assignments
};

} // namespace lacc::ast

#endif // LACC_FRONTEND_AST_H
