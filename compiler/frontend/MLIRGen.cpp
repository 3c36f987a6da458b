//===- MLIRGen.cpp - functions, statements and control flow ---------------===//

#include "compiler/frontend/Autotune.h"
#include "compiler/frontend/Generator.h"
#include "compiler/frontend/Parser.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstdlib>
#include <set>

using namespace mlir;

namespace lacc {

using ast::Stmt;

Generator::Generator(MLIRContext &context, const ast::Module &module, const SourceFile &file,
                     DiagnosticEngine &diag)
    : ctx_(context), module_(module), file_(file), diag_(diag), builder_(&context) {
  fileName_ = StringAttr::get(&context, file.name());
}

Location Generator::loc(SourceLoc l) const {
  return FileLineColLoc::get(fileName_, l.line, l.col);
}

//===----------------------------------------------------------------------===//
// Module level
//===----------------------------------------------------------------------===//

/// Parses the VALUE of `-D NAME=VALUE`: a number, a bool, a type name, or a
/// quoted string.
static std::optional<Val> parseDefine(const std::string &text, MLIRContext &ctx,
                                      function_ref<Type(StringRef)> dtypeByName) {
  if (text == "True" || text == "true")
    return Val::constant(Const::ofBool(true, IntegerType::get(&ctx, 1)));
  if (text == "False" || text == "false")
    return Val::constant(Const::ofBool(false, IntegerType::get(&ctx, 1)));
  if (text.empty())
    return std::nullopt;
  char *end = nullptr;
  errno = 0;
  long long i = std::strtoll(text.c_str(), &end, 0);
  if (errno == 0 && *end == '\0')
    return Val::constant(Const::ofInt(i));
  errno = 0;
  double f = std::strtod(text.c_str(), &end);
  if (errno == 0 && *end == '\0')
    return Val::constant(Const::ofFloat(f));
  if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
      text.back() == text.front())
    return Val::string(text.substr(1, text.size() - 2));
  if (Type t = dtypeByName(text))
    return Val::dtypeOf(t);
  return std::nullopt; // a bare word is more likely a typo than a string
}

OwningOpRef<ModuleOp> Generator::run(const FrontendOptions &options) {
  moduleOp_ = ModuleOp::create(loc({1, 1}));
  OwningOpRef<ModuleOp> owned(moduleOp_);

  debugOption_ = options.debug;
  for (const auto &fn : module_.functions) {
    if (functions_.count(fn->name) || isBuiltin(fn->name) || dtypeByName(fn->name))
      error(fn->loc, "'" + fn->name + "' is already defined" +
                         (functions_.count(fn->name) ? "" : " as a builtin"));
    else
      functions_[fn->name] = fn.get();
  }
  genGlobals();
  for (const auto &fn : module_.functions)
    checkDecorators(*fn);

  std::map<std::string, Val> defines;
  for (const auto &[name, text] : options.defines) {
    auto value = parseDefine(text, ctx_, [&](StringRef n) { return dtypeByName(n); });
    if (!value)
      diag_.error({}, "-D " + name + "=" + text +
                          ": value must be an integer, a float, True or False, a type name, "
                          "or a quoted string ('\"leaky_relu\"')");
    else
      defines[name] = *value;
  }

  std::vector<const ast::Function *> kernels;
  for (const auto &fn : module_.functions)
    if (fn->isKernel && (options.kernel.empty() || fn->name == options.kernel))
      kernels.push_back(fn.get());
  if (!options.kernel.empty() && kernels.empty())
    diag_.error({}, "no @kernel named '" + options.kernel + "' in " + file_.name());
  else if (kernels.empty() && !diag_.hasErrors())
    diag_.error({}, "no @kernel function in " + file_.name());

  // A -D that no kernel uses is almost always a typo.
  for (const auto &[name, value] : defines) {
    bool used = false, runtime = false;
    for (const ast::Function *k : kernels)
      for (const ast::Param &p : k->params)
        if (p.name == name)
          (p.isConst ? used : runtime) = true;
    if (runtime && !used)
      diag_.error({}, "-D " + name + ": '" + name +
                          "' is a runtime parameter; only const parameters can be defined");
    else if (!used)
      diag_.error({}, "-D " + name + ": no kernel has a const parameter named '" + name + "'");
  }

  for (const ast::Function *k : kernels) {
    if (diag_.limitReached())
      break;
    genKernel(*k, defines);
  }
  if (diag_.hasErrors())
    return nullptr;

  // The generator checks everything a user can get wrong; a verifier failure
  // here is a bug in lacc, reported at the offending op's source location.
  std::string message;
  {
    ScopedDiagnosticHandler handler(&ctx_, [&](Diagnostic &d) {
      if (d.getSeverity() != DiagnosticSeverity::Error)
        return success();
      SourceLoc at;
      if (auto fl = dyn_cast<FileLineColLoc>(d.getLocation()))
        at = {fl.getLine(), fl.getColumn()};
      diag_.error(at, "internal compiler error: invalid IR: " + d.str());
      return success();
    });
    if (failed(verify(moduleOp_)))
      return nullptr;
  }
  return owned;
}

void Generator::genGlobals() {
  Env env;
  env_ = &env;
  for (const ast::StmtPtr &stmt : module_.globals) {
    if (stmt->kind != Stmt::Kind::Assign)
      continue;
    // Module constants are evaluated with no insertion point: anything that
    // is not a compile-time value is an error.
    Val v = genExpr(*stmt->value);
    if (stmt->targets.size() != 1) {
      error(stmt->loc, "module-level assignments take a single name");
      continue;
    }
    if (stmt->annotation && !stmt->annotation->isConstexpr()) {
      error(stmt->annotation->loc, "module constants take no type annotation other than "
                                   "'constexpr'");
      continue;
    }
    if (!v.isError() && v.kind != Val::Kind::Const && v.kind != Val::Kind::Tuple &&
        v.kind != Val::Kind::DType && v.kind != Val::Kind::String) {
      error(stmt->value->loc, "module-level values must be compile-time constants");
      continue;
    }
    bind(stmt->targets[0].name, v, stmt->targets[0].loc);
  }
  globals_ = std::move(env);
  env_ = nullptr;
}

bool Generator::checkReturns(const ast::Function &fn) {
  bool ok = true;
  std::function<void(const ast::Block &, bool)> visit = [&](const ast::Block &block, bool top) {
    for (size_t i = 0; i < block.size(); ++i) {
      const Stmt &s = *block[i];
      if (s.kind == Stmt::Kind::Return && !(top && i + 1 == block.size())) {
        error(s.loc, "early return is not supported: 'return' must be the last statement of '" +
                         fn.name + "'");
        ok = false;
      }
      visit(s.body, false);
      visit(s.orelse, false);
    }
  };
  visit(fn.body, true);
  return ok;
}

void Generator::checkDecorators(const ast::Function &fn) {
  bool seenKernel = false;
  for (const ast::Decorator &d : fn.decorators) {
    if (d.name == "autotune")
      continue; // read and checked by the parser (Autotune.h)
    if (seenKernel)
      error(d.loc, "'@kernel' is given twice");
    seenKernel = true;
    if (!d.args.empty())
      error(d.args[0]->loc, "'@kernel' takes options by name: num_warps=, num_stages=, debug=");
    for (const ast::Keyword &kw : d.keywords)
      if (kw.name != "num_warps" && kw.name != "num_stages" && kw.name != "debug")
        error(kw.loc, "'@kernel' has no option '" + kw.name +
                          "'; its options are num_warps, num_stages and debug");
  }
}

std::optional<Generator::KernelOptions> Generator::kernelOptions(const ast::Function &fn) {
  KernelOptions options;
  const ast::Decorator *d = fn.kernelDecorator();
  if (!d)
    return options;
  bool ok = true;
  for (const ast::Keyword &kw : d->keywords) {
    if (kw.name != "num_warps" && kw.name != "num_stages" && kw.name != "debug")
      continue; // reported by checkDecorators
    Val v = genExpr(*kw.value); // module scope: constants only
    if (v.isError()) {
      ok = false;
      continue;
    }
    if (kw.name == "debug") {
      if (!v.isConst() || v.c.kind != Const::Kind::Bool) {
        error(kw.value->loc, "debug= must be True or False, got " + describe(v));
        ok = false;
      } else {
        options.debug = v.c.truthy();
      }
      continue;
    }
    auto n = requireConstInt(v, kw.value->loc, kw.name + "=");
    if (!n) {
      ok = false;
    } else if (kw.name == "num_warps" && (*n < 1 || *n > 32 || (*n & (*n - 1)))) {
      error(kw.value->loc, "num_warps must be a power of two from 1 to 32, got " +
                               std::to_string(*n));
      ok = false;
    } else if (kw.name == "num_stages" && (*n < 1 || *n > 16)) {
      error(kw.value->loc, "num_stages must be from 1 to 16, got " + std::to_string(*n));
      ok = false;
    } else {
      (kw.name == "num_warps" ? options.numWarps : options.numStages) = *n;
    }
  }
  if (!ok)
    return std::nullopt;
  return options;
}

bool Generator::bindConstParam(const ast::Function &fn, const ast::Param &p,
                               const std::map<std::string, Val> &defines,
                               SmallVectorImpl<NamedAttribute> &constants) {
  Val value;
  auto it = defines.find(p.name);
  if (it != defines.end()) {
    value = it->second;
  } else if (p.defaultValue) {
    value = genExpr(*p.defaultValue);
    if (!value.isError() && !value.isConst() && value.kind != Val::Kind::DType &&
        value.kind != Val::Kind::String) {
      error(p.defaultValue->loc, "default of const parameter '" + p.name +
                                     "' must be a compile-time constant, got " + describe(value));
      return false;
    }
  } else {
    // lacc compiles one configuration; the runtime is what picks among @autotune's.
    std::string tuned;
    if (fn.autotune)
      for (const auto &[name, literal] : fn.autotune->configs.front().constants)
        if (name == p.name)
          tuned = "; @autotune's first config is " + describeConfig(fn.autotune->configs.front());
    error(p.loc, "kernel '" + fn.name + "' needs a value for const parameter '" + p.name +
                     "' (give it a default or pass -D " + p.name + "=VALUE" + tuned + ")");
    return false;
  }
  if (value.isError())
    return false;

  // The annotation: `dtype`, `str`, or a scalar type the value is checked against.
  if (p.type && (p.type->name == "dtype" || p.type->name == "str")) {
    bool wantType = p.type->name == "dtype";
    bool ok = wantType ? value.kind == Val::Kind::DType && !isa<tile::PointerType>(value.dtype)
                       : value.kind == Val::Kind::String;
    if (!ok) {
      error(p.loc, "const parameter '" + p.name + "' is " +
                       (wantType ? "a dtype" : "a string") + " but its value is " +
                       describe(value));
      return false;
    }
  } else if (p.type) {
    Type t = resolveType(*p.type);
    if (!t)
      return false;
    if (isa<tile::PointerType>(t)) {
      error(p.type->loc, "const parameters must have a scalar type");
      return false;
    }
    if (!value.isConst()) {
      error(p.loc, "const parameter '" + p.name + "' is " + typeName(t) + " but its value is " +
                       describe(value));
      return false;
    }
    Const c = value.c;
    if (isa<FloatType>(t) && !c.isFloat()) {
      value = Val::constant(Const::ofFloat(static_cast<double>(c.i), t));
    } else if (isa<IntegerType>(t) && c.isFloat()) {
      error(p.loc, "const parameter '" + p.name + "' is " + typeName(t) +
                       " but its value is a float");
      return false;
    } else {
      unsigned width = t.getIntOrFloatBitWidth();
      if (isa<IntegerType>(t) && width < 64 && width > 1 &&
          (c.i < -(int64_t(1) << (width - 1)) || c.i >= (int64_t(1) << (width - 1)))) {
        error(p.loc, "value " + std::to_string(c.i) + " of const parameter '" + p.name +
                         "' does not fit in " + typeName(t));
        return false;
      }
      if (t.isInteger(1) && c.kind != Const::Kind::Bool) {
        error(p.loc, "const parameter '" + p.name + "' is bool but its value is a number");
        return false;
      }
      c.type = t;
      if (c.isFloat())
        c.kind = Const::Kind::Float;
      value = Val::constant(c);
    }
  }

  Attribute attr;
  if (value.isConst()) {
    const Const &c = value.c;
    Type t = defaultType(c);
    attr = c.isFloat() ? Attribute(FloatAttr::get(t, c.f)) : Attribute(IntegerAttr::get(t, c.i));
  } else if (value.kind == Val::Kind::DType) {
    attr = TypeAttr::get(value.dtype);
  } else {
    attr = builder_.getStringAttr(value.str);
  }
  constants.push_back(builder_.getNamedAttr(p.name, attr));
  bind(p.name, value, p.loc);
  return true;
}

void Generator::genKernel(const ast::Function &fn, const std::map<std::string, Val> &defines) {
  Env env;
  env_ = &env;
  outOfScope_.clear();
  // Options and const defaults are compile-time values: nothing may build IR for them.
  builder_.clearInsertionPoint();
  SmallVector<Type> argTypes;
  SmallVector<const ast::Param *> runtimeParams;
  SmallVector<NamedAttribute> constants;
  bool ok = true;
  auto options = kernelOptions(fn);
  ok &= options.has_value();
  debug_ = debugOption_ || (options && options->debug);

  for (const ast::Param &p : fn.params)
    if (!p.isConst)
      outOfScope_[p.name] = "runtime parameters have no value at compile time";
  // Const parameters first: runtime parameter types may name them (`x: ptr<T>`).
  for (const ast::Param &p : fn.params)
    if (p.isConst)
      ok &= bindConstParam(fn, p, defines, constants);
  for (const ast::Param &p : fn.params) {
    if (p.isConst)
      continue;
    if (!p.type) {
      error(p.loc, "kernel parameter '" + p.name +
                       "' needs a type, e.g. '" + p.name + ": i32' or '" + p.name +
                       ": ptr<f32>'");
      ok = false;
      continue;
    }
    if (p.defaultValue) {
      error(p.defaultValue->loc, "runtime parameter '" + p.name +
                                     "' cannot have a default; make it 'const' to specialize");
      ok = false;
    }
    Type t = resolveType(*p.type);
    if (!t) {
      ok = false;
      continue;
    }
    if (isa<Float8E4M3FNType, Float8E5M2Type>(t)) {
      error(p.type->loc, "kernel parameter '" + p.name + "' cannot be " + typeName(t) +
                             "; pass fp8 data through a pointer, or a scalar as f32");
      ok = false;
      continue;
    }
    argTypes.push_back(t);
    runtimeParams.push_back(&p);
  }
  if (!ok || !checkReturns(fn)) {
    env_ = nullptr;
    return;
  }

  builder_.setInsertionPointToEnd(moduleOp_.getBody());
  auto func = func::FuncOp::create(builder_, loc(fn.loc), fn.name,
                                   builder_.getFunctionType(argTypes, {}));
  func->setAttr(tile::kKernelAttrName, builder_.getUnitAttr());
  if (!constants.empty())
    func->setAttr("tile.constants", builder_.getDictionaryAttr(constants));
  if (options->numWarps)
    func->setAttr(tile::kNumWarpsAttrName, builder_.getI32IntegerAttr(*options->numWarps));
  if (options->numStages)
    func->setAttr(tile::kNumStagesAttrName, builder_.getI32IntegerAttr(*options->numStages));
  Block *entry = func.addEntryBlock();
  for (auto [param, arg] : llvm::zip(runtimeParams, entry->getArguments())) {
    arg.setLoc(loc(param->loc));
    bind(param->name, Val::dyn(arg), param->loc);
  }
  builder_.setInsertionPointToStart(entry);
  callStack_.push_back(&fn);
  genBlock(fn.body);
  callStack_.pop_back();
  func::ReturnOp::create(builder_, loc(fn.body.empty() ? fn.loc : fn.body.back()->loc));
  env_ = nullptr;
}

//===----------------------------------------------------------------------===//
// Names
//===----------------------------------------------------------------------===//

void Generator::bind(const std::string &name, Val val, SourceLoc l) {
  if (isBuiltin(name) || dtypeByName(name) || name == "inf" || name == "nan") {
    error(l, "cannot assign to '" + name + "': it is a builtin");
    return;
  }
  auto it = env_->find(name);
  if (it != env_->end() && it->second.isConstexpr) {
    error(l, "'" + name + "' is constexpr and cannot be reassigned");
    return;
  }
  outOfScope_.erase(name);
  (*env_)[name] = Binding{std::move(val), l};
}

Val Generator::lookup(const std::string &name, SourceLoc l) {
  if (env_) {
    auto it = env_->find(name);
    if (it != env_->end())
      return it->second.val;
  }
  auto g = globals_.find(name);
  if (g != globals_.end())
    return g->second.val;
  auto f = functions_.find(name);
  if (f != functions_.end())
    return Val::function(f->second);
  if (Type t = dtypeByName(name))
    return Val::dtypeOf(t);
  if (name == "inf")
    return Val::constant(Const::ofFloat(std::numeric_limits<double>::infinity()));
  if (name == "nan")
    return Val::constant(Const::ofFloat(std::numeric_limits<double>::quiet_NaN()));
  if (isBuiltin(name)) {
    error(l, "builtin '" + name + "' must be called");
    return Val::error();
  }
  auto o = outOfScope_.find(name);
  if (o != outOfScope_.end())
    error(l, "'" + name + "' is not defined here: " + o->second);
  else
    error(l, "unknown name '" + name + "'");
  return Val::error();
}

void Generator::collectAssigned(const ast::Block &block, std::vector<std::string> &names) {
  auto add = [&](const std::string &n) {
    if (std::find(names.begin(), names.end(), n) == names.end())
      names.push_back(n);
  };
  for (const ast::StmtPtr &s : block) {
    if (s->kind == Stmt::Kind::Assign || s->kind == Stmt::Kind::AugAssign ||
        s->kind == Stmt::Kind::For)
      for (const ast::Target &t : s->targets)
        add(t.name);
    collectAssigned(s->body, names);
    collectAssigned(s->orelse, names);
  }
}

std::vector<std::string> Generator::carriedNames(const ast::Block &body) {
  std::vector<std::string> assigned, carried;
  collectAssigned(body, assigned);
  for (const std::string &n : assigned)
    if (env_->count(n))
      carried.push_back(n);
  return carried;
}

void Generator::dropBlockLocals(const Env &before, SourceLoc blockLoc, const char *what) {
  for (auto it = env_->begin(); it != env_->end();) {
    if (before.count(it->first)) {
      ++it;
      continue;
    }
    outOfScope_[it->first] = "it is assigned only inside the " + std::string(what) +
                             " at line " + std::to_string(blockLoc.line);
    it = env_->erase(it);
  }
}

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

void Generator::genBlock(const ast::Block &block) {
  for (const ast::StmtPtr &stmt : block) {
    if (diag_.limitReached())
      return;
    genStmt(*stmt);
  }
}

void Generator::genStmt(const Stmt &stmt) {
  switch (stmt.kind) {
  case Stmt::Kind::Assign:
  case Stmt::Kind::AugAssign:
    genAssign(stmt);
    return;
  case Stmt::Kind::Expr:
    genExpr(*stmt.value); // for its effects (store, atomics, static_assert)
    return;
  case Stmt::Kind::Pass:
    return;
  case Stmt::Kind::Return: {
    const ast::Function *fn = callStack_.back();
    if (callStack_.size() == 1 && fn->isKernel && stmt.value) {
      error(stmt.value->loc, "a kernel cannot return a value; store results through pointers");
      return;
    }
    Val v = stmt.value ? genExpr(*stmt.value) : Val::none();
    bind("return", v, stmt.loc);
    return;
  }
  case Stmt::Kind::If:
    genIf(stmt);
    return;
  case Stmt::Kind::For:
    genFor(stmt);
    return;
  case Stmt::Kind::While:
    genWhile(stmt);
    return;
  case Stmt::Kind::Assert:
    genAssert(stmt);
    return;
  case Stmt::Kind::Break:
  case Stmt::Kind::Continue:
    error(stmt.loc, std::string("'") + (stmt.kind == Stmt::Kind::Break ? "break" : "continue") +
                        "' is not supported; use a while loop with a condition");
    return;
  }
}

void Generator::genAssign(const Stmt &stmt) {
  Val value;
  if (stmt.kind == Stmt::Kind::AugAssign) {
    Val current = lookup(stmt.targets[0].name, stmt.targets[0].loc);
    Val rhs = genExpr(*stmt.value);
    value = binary(stmt.augOp, current, rhs, stmt.loc);
  } else {
    value = genExpr(*stmt.value);
  }
  if (stmt.annotation) { // `X: constexpr = value`, as Triton's tl.constexpr locals
    const ast::Target &t = stmt.targets[0];
    if (!stmt.annotation->isConstexpr()) {
      error(stmt.annotation->loc, "only 'constexpr' can annotate an assignment; convert a "
                                  "value with .to(" + stmt.annotation->name + ")");
      bind(t.name, Val::error(), t.loc);
      return;
    }
    if (!value.isError() && !value.isConst() && value.kind != Val::Kind::DType &&
        value.kind != Val::Kind::String && value.kind != Val::Kind::Tuple) {
      error(stmt.value->loc, "'" + t.name + "' is constexpr but its value is " +
                                 describe(value) + ", not a compile-time constant");
      value = Val::error();
    }
    bind(t.name, value, t.loc);
    if (env_->count(t.name))
      (*env_)[t.name].isConstexpr = true;
    return;
  }
  if (stmt.targets.size() == 1) {
    bind(stmt.targets[0].name, value, stmt.targets[0].loc);
    return;
  }
  if (value.kind != Val::Kind::Tuple || value.elems.size() != stmt.targets.size()) {
    if (!value.isError())
      error(stmt.value->loc, "cannot unpack " + describe(value) + " into " +
                                 std::to_string(stmt.targets.size()) + " names");
    for (const ast::Target &t : stmt.targets)
      bind(t.name, Val::error(), t.loc);
    return;
  }
  for (auto [t, v] : llvm::zip(stmt.targets, value.elems))
    bind(t.name, v, t.loc);
}

/// `assert cond, "message"`: checked by the compiler when `cond` is a
/// compile-time value, on the device in debug mode otherwise (dropped
/// without debug, as Triton does).
void Generator::genAssert(const Stmt &stmt) {
  Val cond = genExpr(*stmt.value);
  std::string message;
  if (stmt.message) {
    Val m = genExpr(*stmt.message);
    if (m.isError())
      return;
    if (m.kind != Val::Kind::String) {
      error(stmt.message->loc, "the message of 'assert' must be a string, got " + describe(m));
      return;
    }
    message = m.str;
  }
  if (cond.isError())
    return;
  if (cond.isConst()) {
    if (!cond.c.truthy())
      error(stmt.loc, "assertion failed" + (message.empty() ? "" : ": " + message));
    return;
  }
  deviceAssert(cond, message, stmt.value->loc, stmt.loc);
}

void Generator::deviceAssert(const Val &cond, const std::string &message, SourceLoc condLoc,
                             SourceLoc l) {
  if (!cond.isDyn()) {
    error(condLoc, "an assertion needs a condition, got " + describe(cond));
    return;
  }
  Value c = toBool(cond, condLoc);
  if (!c || !debug_)
    return;
  std::string text = message.empty() ? "the condition is false" : message;
  tile::AssertOp::create(builder_, loc(l), c, builder_.getStringAttr(text));
}

//===----------------------------------------------------------------------===//
// if / else
//===----------------------------------------------------------------------===//

void Generator::genIf(const Stmt &stmt) {
  Val cond = genExpr(*stmt.value);
  if (cond.isError())
    return;
  // A compile-time condition selects a branch, as Triton's constexpr if does.
  if (cond.isConst()) {
    genBlock(cond.c.truthy() ? stmt.body : stmt.orelse);
    return;
  }
  if (!cond.isDyn() || isa<RankedTensorType>(cond.v.getType())) {
    error(stmt.value->loc, "'if' needs a scalar condition, got " + describe(cond) +
                               "; use where() to select between tiles");
    return;
  }
  Value c = toBool(cond, stmt.value->loc);
  if (!c)
    return;

  Env before = *env_;
  auto ifOp = scf::IfOp::create(builder_, loc(stmt.loc), TypeRange{}, c, /*withElse=*/true);
  auto genBranch = [&](Region &region, const ast::Block &block) {
    OpBuilder::InsertionGuard guard(builder_);
    builder_.setInsertionPoint(region.front().getTerminator());
    *env_ = before;
    genBlock(block);
    return *env_;
  };
  Env thenEnv = genBranch(ifOp.getThenRegion(), stmt.body);
  Env elseEnv = genBranch(ifOp.getElseRegion(), stmt.orelse);
  *env_ = before;

  // Merge: names assigned in a branch flow out as results when both branches
  // define them with one type.
  std::vector<std::string> names;
  collectAssigned(stmt.body, names);
  collectAssigned(stmt.orelse, names);
  struct Result {
    std::string name;
    Val thenVal, elseVal;
    Type type;
    SourceLoc loc;
  };
  std::vector<Result> results;
  for (const std::string &name : names) {
    auto t = thenEnv.find(name), e = elseEnv.find(name);
    if (t == thenEnv.end() || e == elseEnv.end()) {
      auto where = t != thenEnv.end() ? t : e;
      if (where != thenEnv.end() && where != elseEnv.end())
        outOfScope_[name] = "it is assigned in only one branch of the 'if' at line " +
                            std::to_string(stmt.loc.line);
      continue;
    }
    const Val &tv = t->second.val, &ev = e->second.val;
    if (tv.isError() || ev.isError()) {
      (*env_)[name] = Binding{Val::error(), t->second.loc};
      continue;
    }
    if (tv.isDyn() && ev.isDyn() && tv.v == ev.v) {
      (*env_)[name] = t->second;
      continue;
    }
    if (tv.isConst() && ev.isConst() && tv.c.kind == ev.c.kind && tv.c.i == ev.c.i &&
        tv.c.f == ev.c.f && tv.c.type == ev.c.type) {
      (*env_)[name] = t->second;
      continue;
    }
    if (!tv.isValue() || !ev.isValue()) {
      error(t->second.loc, "'" + name + "' is " + describe(tv) + " in one branch and " +
                               describe(ev) + " in the other; only values can differ");
      (*env_)[name] = Binding{Val::error(), t->second.loc};
      continue;
    }
    Type tt = typeOf(tv), et = typeOf(ev);
    // A constant on one side adopts the other side's type, unless that
    // would truncate a float constant to an integer.
    auto adopts = [](const Val &c, Type other) {
      return !(c.c.isFloat() && !isa<FloatType>(getElementTypeOrSelf(other)));
    };
    if (tv.isConst() && ev.isDyn() && adopts(tv, et))
      tt = et;
    if (ev.isConst() && tv.isDyn() && adopts(ev, tt))
      et = tt;
    if (tt != et) {
      error(stmt.loc, "'" + name + "' has type " + typeName(tt) + " in the 'if' branch but " +
                          typeName(et) + " in the 'else' branch");
      (*env_)[name] = Binding{Val::error(), t->second.loc};
      continue;
    }
    results.push_back({name, tv, ev, tt, t->second.loc});
  }

  if (results.empty())
    return;
  SmallVector<Type> types;
  for (const Result &r : results)
    types.push_back(r.type);
  auto merged = scf::IfOp::create(builder_, loc(stmt.loc), types, c, /*withElse=*/true);
  auto yieldFrom = [&](Region &from, Region &to, bool thenSide) {
    to.takeBody(from);
    Operation *oldYield = to.front().getTerminator();
    OpBuilder::InsertionGuard guard(builder_);
    builder_.setInsertionPoint(oldYield);
    SmallVector<Value> values;
    for (const Result &r : results) {
      const Val &v = thenSide ? r.thenVal : r.elseVal;
      Value m = materialize(v, getElementTypeOrSelf(r.type), r.loc);
      if (m && m.getType() != r.type)
        m = broadcastTo(m, tile::getShape(r.type), r.loc);
      values.push_back(m);
    }
    scf::YieldOp::create(builder_, oldYield->getLoc(), values);
    oldYield->erase();
  };
  yieldFrom(ifOp.getThenRegion(), merged.getThenRegion(), true);
  yieldFrom(ifOp.getElseRegion(), merged.getElseRegion(), false);
  ifOp.erase();
  for (auto [r, value] : llvm::zip(results, merged.getResults()))
    (*env_)[r.name] = Binding{Val::dyn(value), r.loc};
}

//===----------------------------------------------------------------------===//
// Loops
//===----------------------------------------------------------------------===//

SmallVector<Value> Generator::loopInits(const ast::Block &body, std::vector<std::string> &names) {
  SmallVector<Value> inits;
  for (const std::string &name : carriedNames(body)) {
    const Binding &b = (*env_)[name];
    if (b.val.isError())
      continue;
    if (!b.val.isValue()) {
      error(b.loc, "'" + name + "' is " + describe(b.val) +
                       " and cannot be reassigned inside a loop");
      continue;
    }
    inits.push_back(materialize(b.val, getElementTypeOrSelf(typeOf(b.val)), b.loc));
    names.push_back(name);
  }
  return inits;
}

SmallVector<Value> Generator::loopYields(ArrayRef<std::string> names, ValueRange args) {
  SmallVector<Value> yields;
  for (auto [name, arg] : llvm::zip(names, args)) {
    const Binding &b = (*env_)[name];
    Type type = arg.getType();
    Value next = arg;
    if (b.val.isConst() || (b.val.isDyn() && typeOf(b.val) == type)) {
      next = materialize(b.val, getElementTypeOrSelf(type), b.loc);
      if (next && next.getType() != type)
        next = broadcastTo(next, tile::getShape(type), b.loc);
    } else if (!b.val.isError()) {
      error(b.loc, "loop-carried '" + name + "' is " + typeName(type) +
                       " before the loop but " + describe(b.val) +
                       " at the end of its body; a loop must keep the type and shape");
    }
    yields.push_back(next ? next : arg);
  }
  return yields;
}

void Generator::genFor(const Stmt &stmt) {
  const ast::Expr &iter = *stmt.value;
  bool isCall = iter.kind == ast::Expr::Kind::Call && iter.base->kind == ast::Expr::Kind::Name;
  if (iter.kind == ast::Expr::Kind::Call && reportTritonSpelling(*iter.base))
    return;
  std::string fname = isCall ? iter.base->name : "";
  if (fname != "range" && fname != "static_range") {
    error(iter.loc, "a for loop iterates over range(...) or static_range(...)");
    return;
  }
  // range(..., num_stages=N), as Triton's tl.range: a pipelining hint on the loop.
  std::optional<int64_t> numStages;
  for (const ast::Keyword &kw : iter.keywords) {
    if (fname != "range" || kw.name != "num_stages") {
      error(kw.loc, fname + "() takes no keyword argument '" + kw.name + "'" +
                        (fname == "range" ? "; only num_stages=" : ""));
      return;
    }
    numStages = requireConstInt(genExpr(*kw.value), kw.value->loc, "num_stages=");
    if (!numStages)
      return;
    if (*numStages < 1 || *numStages > 16) {
      error(kw.value->loc, "num_stages must be from 1 to 16, got " + std::to_string(*numStages));
      return;
    }
  }
  if (iter.operands.empty() || iter.operands.size() > 3) {
    error(iter.loc, fname + "() takes 1 to 3 arguments (" + std::to_string(iter.operands.size()) +
                        " given)");
    return;
  }
  if (fname == "static_range") {
    genStaticFor(stmt, iter);
    return;
  }

  SmallVector<Val, 3> bounds;
  for (const ast::ExprPtr &e : iter.operands)
    bounds.push_back(genExpr(*e));
  for (const Val &b : bounds)
    if (b.isError())
      return;
  Val start = bounds.size() > 1 ? bounds[0] : Val::constant(Const::ofInt(0));
  Val stop = bounds.size() > 1 ? bounds[1] : bounds[0];
  Val step = bounds.size() > 2 ? bounds[2] : Val::constant(Const::ofInt(1));
  // The induction variable is i32 unless a bound is i64.
  Type ivType = builder_.getI32Type();
  for (auto [i, b] : llvm::enumerate(bounds)) {
    if (!b.isValue() || isa<RankedTensorType>(typeOf(b)) ||
        !isa<IntegerType>(getElementTypeOrSelf(typeOf(b))) || typeOf(b).isInteger(1)) {
      error(iter.operands[i]->loc, "range() bounds must be integer scalars, got " + describe(b));
      return;
    }
    if (typeOf(b).isInteger(64) || (b.isConst() && (b.c.i > INT32_MAX || b.c.i < INT32_MIN)))
      ivType = builder_.getI64Type();
  }
  bool negative = false;
  if (step.isConst()) {
    if (step.c.i == 0) {
      error(iter.operands[2]->loc, "range() step must not be zero");
      return;
    }
    negative = step.c.i < 0;
  }
  Location l = loc(stmt.loc);
  Value lb = materialize(start, ivType, iter.loc);
  Value ub = materialize(stop, ivType, iter.loc);
  Value st = materialize(step, ivType, iter.loc);
  if (negative) {
    // scf.for counts up: iterate k over [0, ceil((start - stop) / -step)) and
    // derive i = start + k * step.
    Value neg = constantOf(Const::ofInt(-step.c.i), ivType, iter.loc);
    Value span = arith::SubIOp::create(builder_, l, lb, ub);
    Value zero = constantOf(Const::ofInt(0), ivType, iter.loc);
    Value trips = arith::CeilDivSIOp::create(builder_, l, span, neg);
    ub = arith::MaxSIOp::create(builder_, l, trips, zero);
    lb = zero;
    st = constantOf(Const::ofInt(1), ivType, iter.loc);
  }

  std::vector<std::string> kept;
  SmallVector<Value> inits = loopInits(stmt.body, kept);
  Value startForIv = materialize(start, ivType, iter.loc);
  auto forOp = scf::ForOp::create(builder_, l, lb, ub, st, inits);
  if (numStages)
    forOp->setAttr(tile::kNumStagesAttrName, builder_.getI32IntegerAttr(*numStages));
  Env before = *env_;
  {
    OpBuilder::InsertionGuard guard(builder_);
    Block *body = forOp.getBody();
    builder_.setInsertionPointToStart(body);
    for (auto [name, arg] : llvm::zip(kept, forOp.getRegionIterArgs()))
      (*env_)[name].val = Val::dyn(arg);
    Value iv = forOp.getInductionVar();
    if (negative) {
      Value scaled = arith::MulIOp::create(builder_, l, iv,
                                           constantOf(step.c, ivType, iter.loc));
      iv = arith::AddIOp::create(builder_, l, startForIv, scaled);
    }
    bind(stmt.targets[0].name, Val::dyn(iv), stmt.targets[0].loc);
    genBlock(stmt.body);
    SmallVector<Value> yields = loopYields(kept, forOp.getRegionIterArgs());
    // scf.for gets a default terminator only when it carries no values; with
    // iter_args the body has none yet, and its last op is the loop body's.
    auto yield = body->empty() ? scf::YieldOp() : dyn_cast<scf::YieldOp>(body->back());
    if (yield) {
      builder_.setInsertionPoint(yield);
      scf::YieldOp::create(builder_, yield.getLoc(), yields);
      yield.erase();
    } else {
      builder_.setInsertionPointToEnd(body);
      scf::YieldOp::create(builder_, l, yields);
    }
  }
  for (auto [name, result] : llvm::zip(kept, forOp.getResults()))
    (*env_)[name].val = Val::dyn(result);
  dropBlockLocals(before, stmt.loc, "for loop");
  // The loop variable itself is not visible after the loop when it was new.
}

void Generator::genStaticFor(const Stmt &stmt, const ast::Expr &iter) {
  SmallVector<int64_t, 3> b;
  for (const ast::ExprPtr &e : iter.operands) {
    auto v = requireConstInt(genExpr(*e), e->loc, "static_range() bound");
    if (!v)
      return;
    b.push_back(*v);
  }
  int64_t start = b.size() > 1 ? b[0] : 0, stop = b.size() > 1 ? b[1] : b[0];
  int64_t step = b.size() > 2 ? b[2] : 1;
  if (step == 0) {
    error(iter.loc, "static_range() step must not be zero");
    return;
  }
  constexpr int64_t kMaxUnroll = 1024;
  int64_t trips = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
  if (trips > kMaxUnroll) {
    error(iter.loc, "static_range() unrolls " + std::to_string(trips) +
                        " iterations; the limit is " + std::to_string(kMaxUnroll));
    return;
  }
  for (int64_t k = 0; k < trips && !diag_.limitReached(); ++k) {
    bind(stmt.targets[0].name, Val::constant(Const::ofInt(start + k * step)), stmt.targets[0].loc);
    unsigned errorsBefore = diag_.errorCount();
    genBlock(stmt.body);
    if (diag_.errorCount() != errorsBefore)
      return; // the same mistake would be reported once per iteration
  }
}

void Generator::genWhile(const Stmt &stmt) {
  std::vector<std::string> kept;
  SmallVector<Value> inits = loopInits(stmt.body, kept);
  SmallVector<Type> types;
  SmallVector<Location> locs;
  for (Value init : inits) {
    types.push_back(init.getType());
    locs.push_back(init.getLoc());
  }
  Location l = loc(stmt.loc);
  auto whileOp = scf::WhileOp::create(builder_, l, types, inits);
  Env before = *env_;
  {
    OpBuilder::InsertionGuard guard(builder_);
    Block *cond = builder_.createBlock(&whileOp.getBefore(), {}, types, locs);
    for (auto [name, arg] : llvm::zip(kept, cond->getArguments()))
      (*env_)[name].val = Val::dyn(arg);
    Val c = genExpr(*stmt.value);
    Value flag;
    if (c.isDyn() && isa<RankedTensorType>(c.v.getType()))
      error(stmt.value->loc, "'while' needs a scalar condition, got " + describe(c));
    else if (c.isValue())
      flag = toBool(c, stmt.value->loc);
    else if (!c.isError())
      error(stmt.value->loc, "'while' needs a scalar condition, got " + describe(c));
    if (!flag)
      flag = constantOf(Const::ofBool(false, builder_.getI1Type()), builder_.getI1Type(),
                        stmt.loc);
    scf::ConditionOp::create(builder_, l, flag, cond->getArguments());

    Block *body = builder_.createBlock(&whileOp.getAfter(), {}, types, locs);
    *env_ = before;
    for (auto [name, arg] : llvm::zip(kept, body->getArguments()))
      (*env_)[name].val = Val::dyn(arg);
    genBlock(stmt.body);
    scf::YieldOp::create(builder_, l, loopYields(kept, body->getArguments()));
  }
  *env_ = before;
  for (auto [name, result] : llvm::zip(kept, whileOp.getResults()))
    (*env_)[name].val = Val::dyn(result);
}

//===----------------------------------------------------------------------===//
// Inlined helpers
//===----------------------------------------------------------------------===//

Val Generator::genInlineCall(const ast::Function &fn, const ast::Expr &call) {
  if (std::find(callStack_.begin(), callStack_.end(), &fn) != callStack_.end()) {
    error(call.loc, "recursive call to '" + fn.name + "' is not supported");
    return Val::error();
  }
  if (!env_ || !builder_.getInsertionBlock()) {
    error(call.loc, "'" + fn.name + "' can only be called inside a kernel");
    return Val::error();
  }
  // Bind arguments to parameters, Python style.
  std::vector<std::optional<Val>> args(fn.params.size());
  std::vector<SourceLoc> argLocs(fn.params.size(), call.loc);
  if (call.operands.size() > fn.params.size()) {
    error(call.operands[fn.params.size()]->loc,
          "'" + fn.name + "' takes " + std::to_string(fn.params.size()) + " arguments (" +
              std::to_string(call.operands.size()) + " given)");
    return Val::error();
  }
  bool failed = false;
  for (size_t i = 0; i < call.operands.size(); ++i) {
    args[i] = genExpr(*call.operands[i]);
    argLocs[i] = call.operands[i]->loc;
  }
  for (const ast::Keyword &kw : call.keywords) {
    auto it = std::find_if(fn.params.begin(), fn.params.end(),
                           [&](const ast::Param &p) { return p.name == kw.name; });
    if (it == fn.params.end()) {
      error(kw.loc, "'" + fn.name + "' has no parameter named '" + kw.name + "'");
      failed = true;
      continue;
    }
    size_t i = it - fn.params.begin();
    if (args[i]) {
      error(kw.loc, "'" + fn.name + "' got multiple values for '" + kw.name + "'");
      failed = true;
      continue;
    }
    args[i] = genExpr(*kw.value);
    argLocs[i] = kw.loc;
  }
  if (failed)
    return Val::error();
  Env local;
  for (size_t i = 0; i < fn.params.size(); ++i) {
    const ast::Param &p = fn.params[i];
    if (!args[i]) {
      if (!p.defaultValue) {
        error(call.loc, "call to '" + fn.name + "' is missing argument '" + p.name + "'");
        failed = true;
        continue;
      }
      Env *saved = env_;
      env_ = nullptr;
      args[i] = genExpr(*p.defaultValue);
      env_ = saved;
    }
    Val &a = *args[i];
    if (a.isError()) {
      failed = true;
      continue;
    }
    if (p.isConst && a.kind != Val::Kind::Const && a.kind != Val::Kind::DType &&
        a.kind != Val::Kind::Tuple && a.kind != Val::Kind::String) {
      error(argLocs[i], "argument '" + p.name + "' of '" + fn.name +
                            "' must be a compile-time constant, got " + describe(a));
      failed = true;
      continue;
    }
    if (p.type && (p.type->name == "dtype" || p.type->name == "str")) {
      bool wantType = p.type->name == "dtype";
      if (a.kind != (wantType ? Val::Kind::DType : Val::Kind::String)) {
        error(argLocs[i], "argument '" + p.name + "' of '" + fn.name + "' must be " +
                              (wantType ? "a dtype" : "a string") + ", got " + describe(a));
        failed = true;
        continue;
      }
    } else if (p.type) {
      Env *caller = env_; // a helper's annotations see module constants, not the caller
      env_ = nullptr;
      Type want = resolveType(*p.type);
      env_ = caller;
      if (!want) {
        failed = true;
        continue;
      }
      if (a.isConst() && !isa<tile::PointerType>(want)) {
        a = castTo(a, want, argLocs[i]);
      } else if (!a.isValue() || getElementTypeOrSelf(typeOf(a)) != want) {
        error(argLocs[i], "argument '" + p.name + "' of '" + fn.name + "' must be " +
                              typeName(want) + ", got " + describe(a));
        failed = true;
        continue;
      }
    }
    local[p.name] = Binding{a, p.loc};
  }
  if (failed || !checkReturns(fn))
    return Val::error();

  Env *callerEnv = env_;
  auto callerOutOfScope = std::move(outOfScope_);
  outOfScope_.clear();
  env_ = &local;
  callStack_.push_back(&fn);
  genBlock(fn.body);
  callStack_.pop_back();
  env_ = callerEnv;
  outOfScope_ = std::move(callerOutOfScope);
  auto ret = local.find("return");
  return ret == local.end() ? Val::none() : ret->second.val;
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

void registerFrontendDialects(DialectRegistry &registry) {
  registry.insert<tile::TileDialect, func::FuncDialect, arith::ArithDialect, math::MathDialect,
                  scf::SCFDialect>();
}

OwningOpRef<ModuleOp> buildTileModule(MLIRContext &context, const SourceFile &file,
                                      const FrontendOptions &options, DiagnosticEngine &diag) {
  DialectRegistry registry;
  registerFrontendDialects(registry);
  context.appendDialectRegistry(registry);
  context.loadAllAvailableDialects();
  ast::Module module = parse(file, diag);
  if (diag.limitReached())
    return nullptr;
  // Keep going after syntax errors: what parsed is still checked, so one run
  // reports semantic errors too.
  Generator gen(context, module, file, diag);
  auto result = gen.run(options);
  if (diag.hasErrors())
    return nullptr;
  return result;
}

} // namespace lacc
