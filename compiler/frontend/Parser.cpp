//===- Parser.cpp - recursive descent over Python-like syntax -------------===//

#include "compiler/frontend/Parser.h"

#include "compiler/frontend/Autotune.h"

#include <algorithm>
#include <optional>

namespace lacc {

using namespace ast;

const char *ast::spell(BinOp op) {
  switch (op) {
  case BinOp::Add: return "+";
  case BinOp::Sub: return "-";
  case BinOp::Mul: return "*";
  case BinOp::Div: return "/";
  case BinOp::FloorDiv: return "//";
  case BinOp::Mod: return "%";
  case BinOp::Pow: return "**";
  case BinOp::Shl: return "<<";
  case BinOp::Shr: return ">>";
  case BinOp::BitAnd: return "&";
  case BinOp::BitOr: return "|";
  case BinOp::BitXor: return "^";
  case BinOp::Lt: return "<";
  case BinOp::Le: return "<=";
  case BinOp::Gt: return ">";
  case BinOp::Ge: return ">=";
  case BinOp::Eq: return "==";
  case BinOp::Ne: return "!=";
  case BinOp::And: return "and";
  case BinOp::Or: return "or";
  }
  return "?";
}

const char *ast::spell(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg: return "-";
  case UnaryOp::Pos: return "+";
  case UnaryOp::Invert: return "~";
  case UnaryOp::Not: return "not";
  }
  return "?";
}

std::string ast::laccTypeSpelling(const std::string &tritonName) {
  static const std::pair<const char *, const char *> names[] = {
      {"constexpr", "constexpr"}, {"int1", "bool"},         {"int8", "i8"},
      {"int16", "i16"},           {"int32", "i32"},         {"int64", "i64"},
      {"float16", "f16"},         {"bfloat16", "bf16"},     {"float32", "f32"},
      {"float64", "f64"},         {"float8e4nv", "f8e4m3"}, {"float8e5", "f8e5m2"},
      {"dtype", "dtype"},
  };
  for (const auto &[triton, lacc] : names)
    if (tritonName == triton)
      return lacc;
  return "";
}

namespace {

/// Thrown nowhere: syntax errors unwind by returning null and setting
/// `failed_`, then `synchronize` skips to the next statement.
class Parser {
public:
  Parser(std::vector<Token> tokens, DiagnosticEngine &diag)
      : toks_(std::move(tokens)), diag_(diag) {}

  Module parseModule() {
    Module module;
    while (!at(Tok::Eof) && !diag_.limitReached()) {
      if (accept(Tok::Newline))
        continue;
      if (at(Tok::Indent)) {
        error(cur().loc, "unexpected indent");
        skipBlock();
        continue;
      }
      if (at(Tok::Dedent)) {
        advance();
        continue;
      }
      if (at(Tok::At) || at(Tok::KwDef)) {
        if (auto fn = parseFunction())
          module.functions.push_back(std::move(fn));
        continue;
      }
      // Module level: constant assignments only.
      auto stmt = parseSimpleStatement();
      if (!stmt) {
        synchronize();
        continue;
      }
      if (stmt->kind != Stmt::Kind::Assign && stmt->kind != Stmt::Kind::Pass)
        error(stmt->loc, "only 'def' and constant assignments are allowed at module level");
      else
        module.globals.push_back(std::move(stmt));
    }
    return module;
  }

private:
  //===--------------------------------------------------------------------===//
  // Token helpers
  //===--------------------------------------------------------------------===//

  const Token &cur() const { return toks_[pos_]; }
  const Token &peekTok(size_t n = 1) const {
    return toks_[std::min(pos_ + n, toks_.size() - 1)];
  }
  bool at(Tok kind) const { return cur().kind == kind; }
  const Token &advance() {
    const Token &t = toks_[pos_];
    if (pos_ + 1 < toks_.size())
      ++pos_;
    return t;
  }
  bool accept(Tok kind) {
    if (!at(kind))
      return false;
    advance();
    return true;
  }
  void error(SourceLoc loc, const std::string &message) {
    // The lexer already reported what made an Error token.
    if (!failed_ && !at(Tok::Error))
      diag_.error(loc, message);
    failed_ = true;
  }
  bool expect(Tok kind, const char *context) {
    if (accept(kind))
      return true;
    error(cur().loc, std::string("expected ") + spell(kind) + " " + context + ", found " +
                         describe(cur()));
    return false;
  }
  static std::string describe(const Token &t) {
    switch (t.kind) {
    case Tok::Name: return "'" + t.text + "'";
    case Tok::Int:
    case Tok::Float: return "'" + t.text + "'";
    default: return spell(t.kind);
    }
  }

  /// Skips to the start of the next statement at the current nesting level.
  void synchronize() {
    int depth = 0;
    while (!at(Tok::Eof)) {
      if (at(Tok::Newline) && depth == 0) {
        advance();
        break;
      }
      if (at(Tok::Indent))
        ++depth;
      if (at(Tok::Dedent)) {
        if (depth == 0)
          break;
        --depth;
      }
      advance();
    }
    failed_ = false;
  }

  /// Skips an unexpected indented block.
  void skipBlock() {
    int depth = 0;
    do {
      if (at(Tok::Indent))
        ++depth;
      else if (at(Tok::Dedent))
        --depth;
      advance();
    } while (depth > 0 && !at(Tok::Eof));
    failed_ = false;
  }

  //===--------------------------------------------------------------------===//
  // Definitions
  //===--------------------------------------------------------------------===//

  std::unique_ptr<Function> parseFunction() {
    auto fn = std::make_unique<Function>();
    while (at(Tok::At)) {
      auto decorator = parseDecorator();
      if (!decorator) {
        synchronize();
        return nullptr;
      }
      fn->decorators.push_back(std::move(*decorator));
      while (accept(Tok::Newline)) {
      }
    }
    fn->isKernel = fn->kernelDecorator() != nullptr;
    if (!expect(Tok::KwDef, "after a decorator")) {
      synchronize();
      return nullptr;
    }
    fn->loc = cur().loc;
    if (!at(Tok::Name)) {
      error(cur().loc, "expected a function name after 'def'");
      recoverDefinition();
      return nullptr;
    }
    fn->name = advance().text;
    if (!expect(Tok::LParen, "after the function name") || !parseParams(*fn)) {
      recoverDefinition();
      return nullptr;
    }
    if (accept(Tok::Arrow)) {
      if (!parseType()) {
        recoverDefinition();
        return nullptr;
      }
    }
    if (!expect(Tok::Colon, "after the parameter list")) {
      recoverDefinition();
      return nullptr;
    }
    fn->body = parseBlock();
    fn->autotune = readAutotune(*fn, diag_);
    return fn;
  }

  /// `@` dotted-name [`(` arguments `)`] NEWLINE. Which decorators exist and
  /// what their arguments mean is the generator's business, except that a
  /// Triton spelling is answered here, where it is written.
  std::optional<Decorator> parseDecorator() {
    advance(); // '@'
    Decorator d;
    d.loc = cur().loc;
    if (!at(Tok::Name)) {
      error(cur().loc, "expected a decorator name after '@', found " + describe(cur()));
      return std::nullopt;
    }
    d.name = advance().text;
    while (at(Tok::Dot) && peekTok().kind == Tok::Name) {
      advance();
      d.name += "." + advance().text;
    }
    if (d.name == "triton.jit" || d.name == "jit") {
      error(d.loc, "unknown decorator '@" + d.name + "'; write '@kernel' (options go in it: "
                   "'@kernel(num_warps=4, num_stages=3)')");
      return std::nullopt;
    }
    if (d.name == "triton.autotune") {
      error(d.loc, "write '@autotune(configs=[config(NAME=VALUE, ...), ...], key=[...])', not "
                   "'@triton.autotune'");
      return std::nullopt;
    }
    if (d.name != "kernel" && d.name != "autotune") {
      error(d.loc, "unknown decorator '@" + d.name + "'; the decorators are '@kernel' and "
                   "'@autotune'");
      return std::nullopt;
    }
    if (accept(Tok::LParen)) {
      Expr call(Expr::Kind::Call, d.loc);
      if (!parseCallArgs(call))
        return std::nullopt;
      d.args = std::move(call.operands);
      d.keywords = std::move(call.keywords);
    }
    if (!expect(Tok::Newline, ("after '@" + d.name + "'").c_str()))
      return std::nullopt;
    return d;
  }

  /// After a broken `def` line, skip the header and its indented body.
  void recoverDefinition() {
    synchronize();
    if (at(Tok::Indent))
      skipBlock();
  }

  bool parseParams(Function &fn) {
    bool seenDefault = false;
    while (!at(Tok::RParen)) {
      Param param;
      if (accept(Tok::KwConst))
        param.isConst = true;
      if (!at(Tok::Name)) {
        error(cur().loc, "expected a parameter name, found " + describe(cur()));
        return false;
      }
      param.loc = cur().loc;
      param.name = advance().text;
      for (const Param &p : fn.params)
        if (p.name == param.name) {
          error(param.loc, "duplicate parameter '" + param.name + "'");
          return false;
        }
      if (accept(Tok::Colon)) {
        param.type = parseType();
        if (!param.type)
          return false;
        if (param.type->isConstexpr()) { // Triton's `BLOCK: tl.constexpr`
          param.isConst = true;
          param.type.reset();
        }
      }
      if (accept(Tok::Assign)) {
        param.defaultValue = parseExpr();
        if (!param.defaultValue)
          return false;
        seenDefault = true;
      } else if (seenDefault) {
        error(param.loc, "parameter '" + param.name +
                             "' without a default follows a parameter with a default");
        return false;
      }
      fn.params.push_back(std::move(param));
      if (!accept(Tok::Comma))
        break;
    }
    return expect(Tok::RParen, "to close the parameter list");
  }

  std::unique_ptr<TypeSpec> parseType() {
    if (!at(Tok::Name)) {
      error(cur().loc, "expected a type, found " + describe(cur()));
      return nullptr;
    }
    auto type = std::make_unique<TypeSpec>();
    type->loc = cur().loc;
    type->name = advance().text;
    if (at(Tok::Dot)) { // `tl.constexpr`, `tl.float32`: say what lacc calls it
      std::string dotted = type->name;
      while (accept(Tok::Dot) && at(Tok::Name))
        dotted += "." + advance().text;
      std::string last = dotted.substr(dotted.rfind('.') + 1);
      std::string lacc = laccTypeSpelling(last);
      if (lacc.empty())
        error(type->loc, "unknown type '" + dotted + "'; expected i1, i8, i16, i32, i64, f16, "
                         "bf16, f32, f64, bool, f8e4m3, f8e5m2, ptr<T> or constexpr");
      else
        error(type->loc, "write '" + lacc + "', not '" + dotted + "'");
      return nullptr;
    }
    if (type->name == "ptr") {
      if (!expect(Tok::Lt, "after 'ptr'"))
        return nullptr;
      type->pointee = parseType();
      if (!type->pointee)
        return nullptr;
      if (at(Tok::Shr)) { // `ptr<ptr<f32>>` lexes its closing brackets as '>>'
        error(cur().loc, "pointers to pointers are not supported");
        return nullptr;
      }
      if (!expect(Tok::Gt, "to close 'ptr<'"))
        return nullptr;
    }
    return type;
  }

  //===--------------------------------------------------------------------===//
  // Statements
  //===--------------------------------------------------------------------===//

  /// `:` followed by either an indented block or simple statements on the same line.
  Block parseBlock() {
    Block block;
    if (!accept(Tok::Newline)) {
      parseSimpleLine(block);
      return block;
    }
    while (accept(Tok::Newline)) {
    }
    if (!accept(Tok::Indent)) {
      error(cur().loc, "expected an indented block");
      synchronize();
      return block;
    }
    while (!at(Tok::Dedent) && !at(Tok::Eof) && !diag_.limitReached()) {
      if (accept(Tok::Newline))
        continue;
      if (at(Tok::Indent)) {
        error(cur().loc, "unexpected indent");
        skipBlock();
        continue;
      }
      parseStatement(block);
    }
    accept(Tok::Dedent);
    return block;
  }

  void parseStatement(Block &block) {
    switch (cur().kind) {
    case Tok::KwIf:
      if (auto s = parseIf())
        block.push_back(std::move(s));
      return;
    case Tok::KwFor:
    case Tok::KwWhile:
      if (auto s = parseLoop())
        block.push_back(std::move(s));
      return;
    case Tok::KwDef:
    case Tok::At:
      error(cur().loc, "nested function definitions are not supported");
      synchronize();
      if (at(Tok::Indent))
        skipBlock();
      return;
    case Tok::KwElif:
    case Tok::KwElse:
      error(cur().loc, std::string(spell(cur().kind)) + " without a matching 'if'");
      synchronize();
      if (at(Tok::Indent))
        skipBlock();
      return;
    default:
      parseSimpleLine(block);
    }
  }

  /// simple_stmt (';' is not supported) NEWLINE
  void parseSimpleLine(Block &block) {
    auto stmt = parseSimpleStatement();
    if (stmt && !at(Tok::Newline) && !at(Tok::Eof))
      error(cur().loc, "expected end of line, found " + describe(cur()));
    if (!stmt || failed_) {
      synchronize();
      return;
    }
    accept(Tok::Newline);
    block.push_back(std::move(stmt));
  }

  StmtPtr parseSimpleStatement() {
    SourceLoc loc = cur().loc;
    // `import triton.language as tl`, pasted from a Triton file.
    if (at(Tok::Name) && (cur().text == "import" || cur().text == "from") &&
        peekTok().kind == Tok::Name) {
      error(loc, "'" + cur().text + "' is not needed: lacc's builtins are always available, "
                 "without a 'tl.' prefix; remove this line");
      return nullptr;
    }
    switch (cur().kind) {
    case Tok::KwPass:
      advance();
      return std::make_unique<Stmt>(Stmt::Kind::Pass, loc);
    case Tok::KwBreak:
      advance();
      return std::make_unique<Stmt>(Stmt::Kind::Break, loc);
    case Tok::KwContinue:
      advance();
      return std::make_unique<Stmt>(Stmt::Kind::Continue, loc);
    case Tok::KwAssert: {
      advance();
      auto stmt = std::make_unique<Stmt>(Stmt::Kind::Assert, loc);
      stmt->value = parseExpr();
      if (!stmt->value)
        return nullptr;
      if (accept(Tok::Comma)) {
        stmt->message = parseExpr();
        if (!stmt->message)
          return nullptr;
      }
      return stmt;
    }
    case Tok::KwReturn: {
      advance();
      auto stmt = std::make_unique<Stmt>(Stmt::Kind::Return, loc);
      if (!at(Tok::Newline) && !at(Tok::Eof)) {
        stmt->value = parseExprList();
        if (!stmt->value)
          return nullptr;
      }
      return stmt;
    }
    default:
      break;
    }
    ExprPtr expr = parseExprList();
    if (!expr)
      return nullptr;
    if (at(Tok::Colon) && expr->kind == Expr::Kind::Name) { // `X: constexpr = 4`
      advance();
      auto stmt = std::make_unique<Stmt>(Stmt::Kind::Assign, loc);
      stmt->targets.push_back({expr->name, expr->loc});
      stmt->annotation = parseType();
      if (!stmt->annotation)
        return nullptr;
      if (!expect(Tok::Assign, "after the annotation (an annotated name needs a value)"))
        return nullptr;
      stmt->value = parseExprList();
      if (!stmt->value)
        return nullptr;
      return stmt;
    }
    if (at(Tok::Assign)) {
      advance();
      auto stmt = std::make_unique<Stmt>(Stmt::Kind::Assign, loc);
      if (!collectTargets(*expr, stmt->targets))
        return nullptr;
      stmt->value = parseExprList();
      if (!stmt->value)
        return nullptr;
      if (at(Tok::Assign)) {
        error(cur().loc, "chained assignment is not supported");
        return nullptr;
      }
      return stmt;
    }
    if (auto op = augmentedOp(cur().kind)) {
      advance();
      auto stmt = std::make_unique<Stmt>(Stmt::Kind::AugAssign, loc);
      stmt->augOp = *op;
      if (expr->kind != Expr::Kind::Name) {
        error(expr->loc, "augmented assignment needs a single name on the left");
        return nullptr;
      }
      stmt->targets.push_back({expr->name, expr->loc});
      stmt->value = parseExpr();
      if (!stmt->value)
        return nullptr;
      return stmt;
    }
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::Expr, loc);
    stmt->value = std::move(expr);
    return stmt;
  }

  bool collectTargets(const Expr &expr, std::vector<Target> &targets) {
    if (expr.kind == Expr::Kind::Name) {
      targets.push_back({expr.name, expr.loc});
      return true;
    }
    if (expr.kind == Expr::Kind::Tuple) {
      for (const ExprPtr &e : expr.operands) {
        if (e->kind != Expr::Kind::Name) {
          error(e->loc, "can only unpack into plain names");
          return false;
        }
        targets.push_back({e->name, e->loc});
      }
      return true;
    }
    if (expr.kind == Expr::Kind::Subscript)
      error(expr.loc, "cannot assign to a subscript: tiles are values; use store() to write memory");
    else if (expr.kind == Expr::Kind::Attribute)
      error(expr.loc, "cannot assign to an attribute");
    else
      error(expr.loc, "cannot assign to this expression");
    return false;
  }

  static std::optional<BinOp> augmentedOp(Tok kind) {
    switch (kind) {
    case Tok::PlusAssign: return BinOp::Add;
    case Tok::MinusAssign: return BinOp::Sub;
    case Tok::StarAssign: return BinOp::Mul;
    case Tok::SlashAssign: return BinOp::Div;
    case Tok::SlashSlashAssign: return BinOp::FloorDiv;
    case Tok::PercentAssign: return BinOp::Mod;
    case Tok::AmpAssign: return BinOp::BitAnd;
    case Tok::PipeAssign: return BinOp::BitOr;
    case Tok::CaretAssign: return BinOp::BitXor;
    case Tok::ShlAssign: return BinOp::Shl;
    case Tok::ShrAssign: return BinOp::Shr;
    default: return std::nullopt;
    }
  }

  StmtPtr parseIf() {
    SourceLoc loc = advance().loc; // 'if' or 'elif'
    auto stmt = std::make_unique<Stmt>(Stmt::Kind::If, loc);
    stmt->value = parseExpr();
    if (!stmt->value || !expect(Tok::Colon, "after the condition")) {
      synchronize();
      if (at(Tok::Indent))
        skipBlock();
      return nullptr;
    }
    stmt->body = parseBlock();
    if (at(Tok::KwElif)) {
      if (auto elif = parseIf())
        stmt->orelse.push_back(std::move(elif));
    } else if (at(Tok::KwElse)) {
      advance();
      if (expect(Tok::Colon, "after 'else'"))
        stmt->orelse = parseBlock();
      else
        synchronize();
    }
    return stmt;
  }

  StmtPtr parseLoop() {
    bool isFor = at(Tok::KwFor);
    SourceLoc loc = advance().loc;
    auto stmt = std::make_unique<Stmt>(isFor ? Stmt::Kind::For : Stmt::Kind::While, loc);
    bool ok = true;
    if (isFor) {
      if (!at(Tok::Name)) {
        error(cur().loc, "expected a loop variable name after 'for'");
        ok = false;
      } else {
        stmt->targets.push_back({cur().text, cur().loc});
        advance();
        ok = expect(Tok::KwIn, "after the loop variable");
      }
    }
    if (ok) {
      stmt->value = parseExpr();
      ok = stmt->value && expect(Tok::Colon, isFor ? "after the loop range" : "after the condition");
    }
    if (!ok) {
      synchronize();
      if (at(Tok::Indent))
        skipBlock();
      return nullptr;
    }
    stmt->body = parseBlock();
    if (at(Tok::KwElse)) {
      error(cur().loc, "'else' on a loop is not supported");
      synchronize();
      if (at(Tok::Indent))
        skipBlock();
    }
    return stmt;
  }

  //===--------------------------------------------------------------------===//
  // Expressions (Python precedence)
  //===--------------------------------------------------------------------===//

  /// Guards the recursion so that pathological nesting is an error, not a
  /// stack overflow.
  struct DepthGuard {
    Parser &p;
    explicit DepthGuard(Parser &p) : p(p) { ++p.depth_; }
    ~DepthGuard() { --p.depth_; }
  };
  static constexpr int kMaxDepth = 200;

  /// expr (',' expr)* [','] — a bare tuple, as in `a, b = f()` or `return a, b`.
  ExprPtr parseExprList() {
    ExprPtr first = parseExpr();
    if (!first || !at(Tok::Comma))
      return first;
    auto tuple = std::make_unique<Expr>(Expr::Kind::Tuple, first->loc);
    tuple->operands.push_back(std::move(first));
    while (accept(Tok::Comma)) {
      if (at(Tok::Newline) || at(Tok::Assign) || at(Tok::Eof))
        break;
      ExprPtr e = parseExpr();
      if (!e)
        return nullptr;
      tuple->operands.push_back(std::move(e));
    }
    return tuple;
  }

  ExprPtr parseExpr() {
    DepthGuard guard(*this);
    if (depth_ > kMaxDepth) {
      error(cur().loc, "expression nested too deeply");
      return nullptr;
    }
    ExprPtr then = parseOr();
    if (!then || !at(Tok::KwIf))
      return then;
    // `a if c else b`
    SourceLoc loc = advance().loc;
    auto e = std::make_unique<Expr>(Expr::Kind::IfExp, loc);
    e->operands.push_back(std::move(then));
    e->operands.push_back(parseOr());
    if (!e->operands.back() || !expect(Tok::KwElse, "in a conditional expression 'a if c else b'"))
      return nullptr;
    e->operands.push_back(parseExpr());
    if (!e->operands.back())
      return nullptr;
    return e;
  }

  ExprPtr binary(BinOp op, SourceLoc loc, ExprPtr lhs, ExprPtr rhs) {
    if (!lhs || !rhs)
      return nullptr;
    auto e = std::make_unique<Expr>(Expr::Kind::Binary, loc);
    e->binaryOp = op;
    e->operands.push_back(std::move(lhs));
    e->operands.push_back(std::move(rhs));
    return e;
  }

  ExprPtr parseOr() { return parseLeftAssoc(&Parser::parseAnd, {{Tok::KwOr, BinOp::Or}}); }
  ExprPtr parseAnd() { return parseLeftAssoc(&Parser::parseNot, {{Tok::KwAnd, BinOp::And}}); }

  /// `op operand`, the operand parsed by `next` one nesting level deeper.
  ExprPtr unary(UnaryOp op, SourceLoc loc, ExprPtr (Parser::*next)()) {
    DepthGuard guard(*this);
    if (depth_ > kMaxDepth) {
      error(loc, "expression nested too deeply");
      return nullptr;
    }
    ExprPtr operand = (this->*next)();
    if (!operand)
      return nullptr;
    auto e = std::make_unique<Expr>(Expr::Kind::Unary, loc);
    e->unaryOp = op;
    e->operands.push_back(std::move(operand));
    return e;
  }

  ExprPtr parseNot() {
    if (!at(Tok::KwNot))
      return parseComparison();
    SourceLoc loc = advance().loc;
    return unary(UnaryOp::Not, loc, &Parser::parseNot);
  }

  static std::optional<BinOp> comparisonOp(Tok kind) {
    switch (kind) {
    case Tok::Lt: return BinOp::Lt;
    case Tok::Le: return BinOp::Le;
    case Tok::Gt: return BinOp::Gt;
    case Tok::Ge: return BinOp::Ge;
    case Tok::EqEq: return BinOp::Eq;
    case Tok::NotEq: return BinOp::Ne;
    default: return std::nullopt;
    }
  }

  ExprPtr parseComparison() {
    ExprPtr lhs = parseBitOr();
    if (!lhs)
      return nullptr;
    if (auto op = comparisonOp(cur().kind)) {
      SourceLoc loc = advance().loc;
      lhs = binary(*op, loc, std::move(lhs), parseBitOr());
      if (lhs && comparisonOp(cur().kind)) {
        error(cur().loc, "chained comparisons are not supported; combine them with '&'");
        return nullptr;
      }
    }
    return lhs;
  }

  template <typename Next>
  ExprPtr parseLeftAssoc(Next next, std::initializer_list<std::pair<Tok, BinOp>> ops) {
    ExprPtr lhs = (this->*next)();
    while (lhs) {
      const std::pair<Tok, BinOp> *match = nullptr;
      for (const auto &op : ops)
        if (at(op.first))
          match = &op;
      if (!match)
        break;
      SourceLoc loc = advance().loc;
      lhs = binary(match->second, loc, std::move(lhs), (this->*next)());
    }
    return lhs;
  }

  ExprPtr parseBitOr() { return parseLeftAssoc(&Parser::parseBitXor, {{Tok::Pipe, BinOp::BitOr}}); }
  ExprPtr parseBitXor() {
    return parseLeftAssoc(&Parser::parseBitAnd, {{Tok::Caret, BinOp::BitXor}});
  }
  ExprPtr parseBitAnd() { return parseLeftAssoc(&Parser::parseShift, {{Tok::Amp, BinOp::BitAnd}}); }
  ExprPtr parseShift() {
    return parseLeftAssoc(&Parser::parseSum, {{Tok::Shl, BinOp::Shl}, {Tok::Shr, BinOp::Shr}});
  }
  ExprPtr parseSum() {
    return parseLeftAssoc(&Parser::parseTerm, {{Tok::Plus, BinOp::Add}, {Tok::Minus, BinOp::Sub}});
  }
  ExprPtr parseTerm() {
    return parseLeftAssoc(&Parser::parseFactor, {{Tok::Star, BinOp::Mul},
                                                 {Tok::Slash, BinOp::Div},
                                                 {Tok::SlashSlash, BinOp::FloorDiv},
                                                 {Tok::Percent, BinOp::Mod}});
  }

  ExprPtr parseFactor() {
    std::optional<UnaryOp> op;
    if (at(Tok::Minus))
      op = UnaryOp::Neg;
    else if (at(Tok::Plus))
      op = UnaryOp::Pos;
    else if (at(Tok::Tilde))
      op = UnaryOp::Invert;
    if (!op)
      return parsePower();
    SourceLoc loc = advance().loc;
    ExprPtr e = unary(*op, loc, &Parser::parseFactor);
    // Fold negative literals so that `-2147483648` and `-1.5` stay literals.
    if (e && *op == UnaryOp::Neg) {
      Expr &operand = *e->operands[0];
      if (operand.kind == Expr::Kind::Int || operand.kind == Expr::Kind::Float) {
        operand.intValue = -operand.intValue;
        operand.floatValue = -operand.floatValue;
        operand.loc = loc;
        return std::move(e->operands[0]);
      }
    }
    return e;
  }

  ExprPtr parsePower() {
    ExprPtr base = parsePostfix();
    if (base && at(Tok::StarStar)) {
      SourceLoc loc = advance().loc;
      return binary(BinOp::Pow, loc, std::move(base), parseFactor());
    }
    return base;
  }

  ExprPtr parsePostfix() {
    ExprPtr e = parseAtom();
    while (e) {
      if (at(Tok::LParen)) {
        advance();
        auto call = std::make_unique<Expr>(Expr::Kind::Call, e->loc);
        call->base = std::move(e);
        if (!parseCallArgs(*call))
          return nullptr;
        e = std::move(call);
      } else if (at(Tok::LBracket)) {
        advance();
        auto sub = std::make_unique<Expr>(Expr::Kind::Subscript, e->loc);
        sub->base = std::move(e);
        if (!parseSubscript(*sub))
          return nullptr;
        e = std::move(sub);
      } else if (at(Tok::Dot)) {
        advance();
        if (!at(Tok::Name)) {
          error(cur().loc, "expected an attribute name after '.'");
          return nullptr;
        }
        auto attr = std::make_unique<Expr>(Expr::Kind::Attribute, cur().loc);
        attr->name = advance().text;
        attr->base = std::move(e);
        e = std::move(attr);
      } else {
        break;
      }
    }
    return e;
  }

  bool parseCallArgs(Expr &call) {
    while (!at(Tok::RParen)) {
      if (at(Tok::Name) && peekTok().kind == Tok::Assign) {
        Keyword kw;
        kw.loc = cur().loc;
        kw.name = advance().text;
        advance(); // '='
        for (const Keyword &k : call.keywords)
          if (k.name == kw.name) {
            error(kw.loc, "keyword argument '" + kw.name + "' repeated");
            return false;
          }
        kw.value = parseExpr();
        if (!kw.value)
          return false;
        call.keywords.push_back(std::move(kw));
      } else {
        if (!call.keywords.empty()) {
          error(cur().loc, "positional argument follows keyword argument");
          return false;
        }
        ExprPtr arg = parseExpr();
        if (!arg)
          return false;
        call.operands.push_back(std::move(arg));
      }
      if (!accept(Tok::Comma))
        break;
    }
    return expect(Tok::RParen, "to close the argument list");
  }

  bool parseSubscript(Expr &sub) {
    do {
      if (at(Tok::RBracket))
        break;
      if (at(Tok::Colon)) {
        sub.operands.push_back(std::make_unique<Expr>(Expr::Kind::Slice, advance().loc));
        if (!at(Tok::Comma) && !at(Tok::RBracket)) {
          error(cur().loc, "slices with bounds are not supported; only ':' and None");
          return false;
        }
        continue;
      }
      ExprPtr index = parseExpr();
      if (!index)
        return false;
      if (at(Tok::Colon)) {
        error(cur().loc, "slices with bounds are not supported; only ':' and None");
        return false;
      }
      sub.operands.push_back(std::move(index));
    } while (accept(Tok::Comma));
    if (sub.operands.empty()) {
      error(cur().loc, "empty subscript");
      return false;
    }
    return expect(Tok::RBracket, "to close the subscript");
  }

  ExprPtr parseAtom() {
    const Token &t = cur();
    switch (t.kind) {
    case Tok::Name: {
      auto e = std::make_unique<Expr>(Expr::Kind::Name, t.loc);
      e->name = advance().text;
      return e;
    }
    case Tok::Int: {
      auto e = std::make_unique<Expr>(Expr::Kind::Int, t.loc);
      e->intValue = advance().intValue;
      return e;
    }
    case Tok::Float: {
      auto e = std::make_unique<Expr>(Expr::Kind::Float, t.loc);
      e->floatValue = advance().floatValue;
      return e;
    }
    case Tok::String: {
      auto e = std::make_unique<Expr>(Expr::Kind::String, t.loc);
      e->name = advance().text;
      return e;
    }
    case Tok::KwTrue:
    case Tok::KwFalse: {
      auto e = std::make_unique<Expr>(Expr::Kind::Bool, t.loc);
      e->boolValue = advance().kind == Tok::KwTrue;
      return e;
    }
    case Tok::KwNone:
      return std::make_unique<Expr>(Expr::Kind::None, advance().loc);
    case Tok::LParen: {
      SourceLoc loc = advance().loc;
      if (accept(Tok::RParen))
        return std::make_unique<Expr>(Expr::Kind::Tuple, loc);
      ExprPtr first = parseExpr();
      if (!first)
        return nullptr;
      if (accept(Tok::RParen))
        return first;
      auto tuple = std::make_unique<Expr>(Expr::Kind::Tuple, loc);
      tuple->operands.push_back(std::move(first));
      while (accept(Tok::Comma)) {
        if (at(Tok::RParen))
          break;
        ExprPtr e = parseExpr();
        if (!e)
          return nullptr;
        tuple->operands.push_back(std::move(e));
      }
      if (!expect(Tok::RParen, "to close the parenthesis"))
        return nullptr;
      return tuple;
    }
    case Tok::LBracket: { // a list is a tuple: `zeros([M, N])`
      auto list = std::make_unique<Expr>(Expr::Kind::Tuple, advance().loc);
      while (!at(Tok::RBracket)) {
        ExprPtr e = parseExpr();
        if (!e)
          return nullptr;
        list->operands.push_back(std::move(e));
        if (!accept(Tok::Comma))
          break;
      }
      if (!expect(Tok::RBracket, "to close the list"))
        return nullptr;
      return list;
    }
    default:
      error(t.loc, "expected an expression, found " + describe(t));
      return nullptr;
    }
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
  DiagnosticEngine &diag_;
  bool failed_ = false;
  int depth_ = 0;
};

} // namespace

Module parse(const SourceFile &file, DiagnosticEngine &diag) {
  return Parser(lex(file, diag), diag).parseModule();
}

} // namespace lacc
