//===- Generator.h - AST to tile dialect (internal) -------------*- C++ -*-===//
//
// The generator type-checks while it builds IR: every expression evaluates to
// a `Val`, which is either known at compile time (a constant, a tuple, a
// dtype) or an SSA value. Compile-time values fold, so const parameters can
// shape tiles and select branches. An error produces an Error value that
// silences everything computed from it, so one mistake is reported once.
//
// Split over three files: MLIRGen.cpp (functions, statements, control flow),
// Expressions.cpp (operators, promotion, casts, broadcasting), Builtins.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_GENERATOR_H
#define LACC_FRONTEND_GENERATOR_H

#include "compiler/frontend/AST.h"
#include "compiler/frontend/Frontend.h"
#include "dialects/tile/TileDialect.h"

#include "mlir/IR/Builders.h"

#include <map>
#include <optional>

namespace lacc {

/// A scalar known at compile time. A null `type` marks a literal ("weak"):
/// it takes the type of whatever it is combined with.
struct Const {
  enum class Kind { Int, Float, Bool } kind = Kind::Int;
  int64_t i = 0;
  double f = 0;
  mlir::Type type;

  static Const ofInt(int64_t v, mlir::Type t = {}) { return {Kind::Int, v, 0, t}; }
  static Const ofFloat(double v, mlir::Type t = {}) { return {Kind::Float, 0, v, t}; }
  static Const ofBool(bool v, mlir::Type t) { return {Kind::Bool, v ? 1 : 0, 0, t}; }
  bool isFloat() const { return kind == Kind::Float; }
  double asDouble() const { return isFloat() ? f : static_cast<double>(i); }
  bool truthy() const { return isFloat() ? f != 0 : i != 0; }
};

struct Val {
  enum class Kind { Error, Const, Dyn, Tuple, DType, None, String, Function };
  Kind kind = Kind::Error;
  Const c;
  mlir::Value v;
  std::vector<Val> elems;
  mlir::Type dtype;
  std::string str;
  const ast::Function *fn = nullptr;

  static Val error() { return {}; }
  static Val none() { Val r; r.kind = Kind::None; return r; }
  static Val constant(Const c) { Val r; r.kind = Kind::Const; r.c = c; return r; }
  static Val dyn(mlir::Value v) { Val r; r.kind = Kind::Dyn; r.v = v; return r; }
  static Val tuple(std::vector<Val> e) { Val r; r.kind = Kind::Tuple; r.elems = std::move(e); return r; }
  static Val dtypeOf(mlir::Type t) { Val r; r.kind = Kind::DType; r.dtype = t; return r; }
  static Val string(std::string s) { Val r; r.kind = Kind::String; r.str = std::move(s); return r; }
  static Val function(const ast::Function *f) { Val r; r.kind = Kind::Function; r.fn = f; return r; }

  bool isError() const { return kind == Kind::Error; }
  bool isConst() const { return kind == Kind::Const; }
  bool isDyn() const { return kind == Kind::Dyn; }
  /// A runtime or compile-time scalar or tile: something arithmetic applies to.
  bool isValue() const { return isConst() || isDyn(); }
};

struct Binding {
  Val val;
  SourceLoc loc;
  bool isConstexpr = false; // `X: constexpr = ...`: cannot be re-bound
};
using Env = std::map<std::string, Binding>;

class Generator {
public:
  Generator(mlir::MLIRContext &context, const ast::Module &module, const SourceFile &file,
            DiagnosticEngine &diag);

  mlir::OwningOpRef<mlir::ModuleOp> run(const FrontendOptions &options);

  //===--- MLIRGen.cpp: functions, statements, control flow ----------------===//
private:
  /// What `@kernel(...)` asks for.
  struct KernelOptions {
    std::optional<int64_t> numWarps, numStages;
    bool debug = false;
  };

  void genGlobals();
  void checkDecorators(const ast::Function &fn);
  std::optional<KernelOptions> kernelOptions(const ast::Function &fn);
  void genKernel(const ast::Function &fn, const std::map<std::string, Val> &defines);
  /// Binds a kernel's const parameter from -D or its default; false on error.
  bool bindConstParam(const ast::Function &fn, const ast::Param &p,
                      const std::map<std::string, Val> &defines,
                      llvm::SmallVectorImpl<mlir::NamedAttribute> &constants);
  void genBlock(const ast::Block &block);
  void genStmt(const ast::Stmt &stmt);
  void genAssign(const ast::Stmt &stmt);
  void genAssert(const ast::Stmt &stmt);
  void genIf(const ast::Stmt &stmt);
  void genFor(const ast::Stmt &stmt);
  void genStaticFor(const ast::Stmt &stmt, const ast::Expr &call);
  void genWhile(const ast::Stmt &stmt);
  Val genInlineCall(const ast::Function &fn, const ast::Expr &call);
  bool checkReturns(const ast::Function &fn);

  void bind(const std::string &name, Val val, SourceLoc loc);
  Val lookup(const std::string &name, SourceLoc loc);
  /// Names a block assigns, in order of first assignment.
  static void collectAssigned(const ast::Block &block, std::vector<std::string> &names);
  /// The values that flow around a loop: the names it assigns that exist before it.
  std::vector<std::string> carriedNames(const ast::Block &body);
  /// The initial values of a loop's carried names (appended to `names`).
  llvm::SmallVector<mlir::Value> loopInits(const ast::Block &body,
                                           std::vector<std::string> &names);
  /// What the end of a loop body yields for each carried name, checked
  /// against the type it had before the loop (`args`: the body's arguments).
  llvm::SmallVector<mlir::Value> loopYields(llvm::ArrayRef<std::string> names,
                                            mlir::ValueRange args);
  /// Forget names that were first assigned inside a nested block.
  void dropBlockLocals(const Env &before, SourceLoc blockLoc, const char *what);

  //===--- Expressions.cpp ------------------------------------------------===//
public:
  Val genExpr(const ast::Expr &expr);
  /// `a if c else b`: a compile-time condition picks one side; a runtime
  /// scalar condition becomes an scf.if, so only the taken side runs.
  Val genIfExp(const ast::Expr &expr);
  /// If `expr` is a Triton spelling (`tl.load`, `tl.float32`, `triton.cdiv`)
  /// whose root name is not bound, reports what to write instead; true then.
  bool reportTritonSpelling(const ast::Expr &expr);
  Val binary(ast::BinOp op, const Val &lhs, const Val &rhs, SourceLoc loc);
  Val unary(ast::UnaryOp op, const Val &operand, SourceLoc loc);
  Val castTo(const Val &v, mlir::Type elt, SourceLoc loc);
  /// Materializes a value as an SSA value with element type `elt` (a Const
  /// becomes a constant; a Dyn is converted).
  mlir::Value materialize(const Val &v, mlir::Type elt, SourceLoc loc);
  /// The type a Const takes when nothing else decides it.
  mlir::Type defaultType(const Const &c);
  mlir::Value constantOf(const Const &c, mlir::Type elt, SourceLoc loc);
  mlir::Value convert(mlir::Value v, mlir::Type elt, SourceLoc loc);
  /// Broadcasts `v` to `shape` (splat for scalars, expand/broadcast for tiles).
  mlir::Value broadcastTo(mlir::Value v, llvm::ArrayRef<int64_t> shape, SourceLoc loc);
  std::optional<llvm::SmallVector<int64_t>> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                                            llvm::ArrayRef<int64_t> b);
  /// Triton's type promotion for a binary operation.
  std::optional<mlir::Type> promote(const Val &a, const Val &b, ast::BinOp op, SourceLoc loc);
  mlir::Value toBool(const Val &v, SourceLoc loc);
  std::string typeName(mlir::Type type) const;
  std::string describe(const Val &v) const;
  mlir::Type typeOf(const Val &v);
  mlir::Type resolveType(const ast::TypeSpec &spec);
  /// A name bound to a type (a const parameter `T = bf16`, a module constant).
  mlir::Type lookupTypeName(const std::string &name);
  /// Emits the device-side check of `assert` / device_assert() (debug mode only).
  void deviceAssert(const Val &cond, const std::string &message, SourceLoc condLoc, SourceLoc l);
  bool debug() const { return debug_; }
  mlir::Type dtypeByName(llvm::StringRef name);
  llvm::ArrayRef<int64_t> shapeOf(const Val &v) const;
  mlir::Location loc(SourceLoc l) const;
  void error(SourceLoc l, const std::string &message) { diag_.error(l, message); }
  mlir::OpBuilder &builder() { return builder_; }

  //===--- Builtins.cpp ---------------------------------------------------===//
  Val genCall(const ast::Expr &call);
  Val genMethodCall(const Val &self, const ast::Expr &call);
  Val genAttribute(const Val &self, const ast::Expr &attr);
  bool isBuiltin(llvm::StringRef name) const;
  std::optional<int64_t> requireConstInt(const Val &v, SourceLoc l, const std::string &what);
  std::optional<llvm::SmallVector<int64_t>> requireShape(const Val &v, SourceLoc l,
                                                         const std::string &what);
  Val reduce(tile::CombineKind kind, const Val &input, const Val &axis, const Val &keepDims,
             SourceLoc l, llvm::StringRef name);

private:
  mlir::MLIRContext &ctx_;
  const ast::Module &module_;
  const SourceFile &file_;
  DiagnosticEngine &diag_;
  mlir::OpBuilder builder_;
  mlir::StringAttr fileName_;
  mlir::ModuleOp moduleOp_;
  std::map<std::string, const ast::Function *> functions_;
  Env globals_;
  /// The local names of the function being generated.
  Env *env_ = nullptr;
  /// Inlined helpers being generated, to reject recursion.
  std::vector<const ast::Function *> callStack_;
  /// For better messages: where a name that went out of scope was assigned.
  std::map<std::string, std::string> outOfScope_;
  /// Device-side asserts are emitted (FrontendOptions::debug or @kernel(debug=True)).
  bool debug_ = false;
  bool debugOption_ = false;
};

} // namespace lacc

#endif // LACC_FRONTEND_GENERATOR_H
