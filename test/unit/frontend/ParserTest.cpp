//===- ParserTest.cpp -----------------------------------------------------===//

#include "compiler/frontend/Autotune.h"
#include "compiler/frontend/Parser.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace lacc;
using namespace lacc::ast;

namespace {

struct Parsed {
  Module module;
  std::string diagnostics;
  unsigned errors = 0;
};

Parsed parseText(const std::string &text) {
  SourceFile file("p.tile", text);
  Parsed out;
  llvm::raw_string_ostream os(out.diagnostics);
  {
    DiagnosticEngine diag(file, os);
    out.module = parse(file, diag);
    out.errors = diag.errorCount();
  }
  return out;
}

/// Prints an expression fully parenthesized, to check precedence.
std::string show(const Expr &e) {
  switch (e.kind) {
  case Expr::Kind::Name: return e.name;
  case Expr::Kind::Int: return std::to_string(e.intValue);
  case Expr::Kind::Float: return std::to_string(e.floatValue).substr(0, 4);
  case Expr::Kind::Bool: return e.boolValue ? "True" : "False";
  case Expr::Kind::None: return "None";
  case Expr::Kind::String: return "'" + e.name + "'";
  case Expr::Kind::Slice: return ":";
  case Expr::Kind::Unary: return std::string("(") + spell(e.unaryOp) + " " + show(*e.operands[0]) + ")";
  case Expr::Kind::Binary:
    return "(" + show(*e.operands[0]) + " " + spell(e.binaryOp) + " " + show(*e.operands[1]) + ")";
  case Expr::Kind::Attribute: return show(*e.base) + "." + e.name;
  case Expr::Kind::IfExp:
    return "(" + show(*e.operands[0]) + " if " + show(*e.operands[1]) + " else " +
           show(*e.operands[2]) + ")";
  case Expr::Kind::Tuple:
  case Expr::Kind::Call:
  case Expr::Kind::Subscript: {
    std::string s = e.kind == Expr::Kind::Tuple ? "(" : show(*e.base) + (e.kind == Expr::Kind::Call ? "(" : "[");
    for (size_t i = 0; i < e.operands.size(); ++i)
      s += (i ? ", " : "") + show(*e.operands[i]);
    for (const Keyword &k : e.keywords)
      s += ", " + k.name + "=" + show(*k.value);
    return s + (e.kind == Expr::Kind::Subscript ? "]" : ")");
  }
  }
  return "?";
}

std::string exprOf(const std::string &source) {
  auto p = parseText("x = " + source + "\n");
  EXPECT_EQ(p.errors, 0u) << p.diagnostics;
  if (p.module.globals.empty())
    return "<none>";
  return show(*p.module.globals[0]->value);
}

TEST(Parser, Precedence) {
  EXPECT_EQ(exprOf("a + b * c"), "(a + (b * c))");
  EXPECT_EQ(exprOf("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(exprOf("-a ** 2"), "(- (a ** 2))");
  // As in Python, comparisons bind looser than '&' and '|' (the Triton pitfall).
  EXPECT_EQ(exprOf("a < b & c | d"), "(a < ((b & c) | d))");
  EXPECT_EQ(exprOf("(a < b) & (c | d)"), "((a < b) & (c | d))");
  EXPECT_EQ(exprOf("not a and b or c"), "(((not a) and b) or c)");
  EXPECT_EQ(exprOf("a << 2 + 1"), "(a << (2 + 1))");
  EXPECT_EQ(exprOf("a // b % c"), "((a // b) % c)");
  EXPECT_EQ(exprOf("~a ^ b"), "((~ a) ^ b)");
}

TEST(Parser, NegativeLiteralsFold) {
  EXPECT_EQ(exprOf("-2147483648"), "-2147483648");
  EXPECT_EQ(exprOf("-1.5"), "-1.5");
  EXPECT_EQ(exprOf("- x"), "(- x)");
}

TEST(Parser, PostfixCallsSubscriptsAttributes) {
  EXPECT_EQ(exprOf("load(p + offs, mask=m, other=0.0)"), "load((p + offs), mask=m, other=0.00)");
  EXPECT_EQ(exprOf("x[:, None] * y[None, :]"), "(x[:, None] * y[None, :])");
  EXPECT_EQ(exprOf("a.to(bf16).shape"), "a.to(bf16).shape");
  EXPECT_EQ(exprOf("(1, 2,)"), "(1, 2)");
  EXPECT_EQ(exprOf("()"), "()");
  EXPECT_EQ(exprOf("(a)"), "a");
}

TEST(Parser, KernelSignature) {
  auto p = parseText("@kernel\ndef k(x: ptr<bf16>, n: i32, const B: i32 = 64, const F = 1.0):\n"
                     "    pass\n");
  ASSERT_EQ(p.errors, 0u) << p.diagnostics;
  ASSERT_EQ(p.module.functions.size(), 1u);
  const Function &f = *p.module.functions[0];
  EXPECT_TRUE(f.isKernel);
  EXPECT_EQ(f.name, "k");
  ASSERT_EQ(f.params.size(), 4u);
  EXPECT_EQ(f.params[0].type->name, "ptr");
  EXPECT_EQ(f.params[0].type->pointee->name, "bf16");
  EXPECT_FALSE(f.params[1].isConst);
  EXPECT_TRUE(f.params[2].isConst);
  EXPECT_EQ(f.params[2].defaultValue->intValue, 64);
  EXPECT_EQ(f.params[3].type, nullptr);
  EXPECT_EQ(f.params[3].loc.line, 2u);
}

TEST(Parser, StatementsAndBlocks) {
  auto p = parseText("def h(a):\n"
                     "    if a: b = 1\n"
                     "    elif a > 2:\n"
                     "        b = 2\n"
                     "    else:\n"
                     "        b = 3\n"
                     "    for i in range(0, 8, -1):\n"
                     "        b += i\n"
                     "    while b < 3:\n"
                     "        b, c = f(b)\n"
                     "    return b, c\n");
  ASSERT_EQ(p.errors, 0u) << p.diagnostics;
  const Function &f = *p.module.functions[0];
  EXPECT_FALSE(f.isKernel);
  ASSERT_EQ(f.body.size(), 4u);
  const Stmt &ifs = *f.body[0];
  EXPECT_EQ(ifs.kind, Stmt::Kind::If);
  EXPECT_EQ(ifs.body.size(), 1u);
  ASSERT_EQ(ifs.orelse.size(), 1u);
  EXPECT_EQ(ifs.orelse[0]->kind, Stmt::Kind::If); // elif nests
  EXPECT_EQ(ifs.orelse[0]->orelse.size(), 1u);
  EXPECT_EQ(f.body[1]->kind, Stmt::Kind::For);
  EXPECT_EQ(f.body[1]->targets[0].name, "i");
  EXPECT_EQ(f.body[1]->body[0]->kind, Stmt::Kind::AugAssign);
  EXPECT_EQ(f.body[2]->kind, Stmt::Kind::While);
  EXPECT_EQ(f.body[2]->body[0]->targets.size(), 2u);
  EXPECT_EQ(f.body[3]->kind, Stmt::Kind::Return);
  EXPECT_EQ(f.body[3]->value->kind, Expr::Kind::Tuple);
}

TEST(Parser, RecoversAndReportsEveryError) {
  auto p = parseText("def f():\n"
                     "    a = (1 +\n"
                     "    )\n"
                     "    b = 2 +\n"
                     "    c = 3\n"
                     "    d = ]\n"
                     "def g():\n"
                     "    pass\n");
  EXPECT_EQ(p.errors, 3u) << p.diagnostics;
  ASSERT_EQ(p.module.functions.size(), 2u);
  // The good statement between the errors survives.
  const Function &f = *p.module.functions[0];
  ASSERT_EQ(f.body.size(), 1u);
  EXPECT_EQ(f.body[0]->targets[0].name, "c");
}

TEST(Parser, DeepNestingIsAnErrorNotACrash) {
  std::string deep(5000, '(');
  auto p = parseText("x = " + deep + "1\n");
  EXPECT_GE(p.errors, 1u);
  EXPECT_NE(p.diagnostics.find("nested too deeply"), std::string::npos);
  std::string minus(5000, '-');
  auto q = parseText("x = " + minus + "y\n");
  EXPECT_NE(q.diagnostics.find("nested too deeply"), std::string::npos);
}

TEST(Parser, ModuleLevelConstants) {
  auto p = parseText("EPS = 1e-6\nBLOCK = 64\n");
  ASSERT_EQ(p.errors, 0u);
  EXPECT_EQ(p.module.globals.size(), 2u);
}

TEST(Parser, ConditionalExpressionsAndLists) {
  EXPECT_EQ(exprOf("a if c else b"), "(a if c else b)");
  EXPECT_EQ(exprOf("a + 1 if c or d else b * 2"), "((a + 1) if (c or d) else (b * 2))");
  EXPECT_EQ(exprOf("a if c else b if d else e"), "(a if c else (b if d else e))");
  EXPECT_EQ(exprOf("f(x if c else y, k=[1, 2])"), "f((x if c else y), k=(1, 2))");
  EXPECT_EQ(exprOf("zeros([M, N], dtype=f32)"), "zeros((M, N), dtype=f32)");
  EXPECT_EQ(exprOf("[]"), "()");
  EXPECT_EQ(exprOf("[a,]"), "(a)");
}

TEST(Parser, DecoratorsWithOptions) {
  // The decorator's keywords stay in `decorators`; @autotune's own checks are
  // AutotuneIsReadIntoTheFunction's.
  auto p = parseText("@autotune(configs=[config(BLOCK=32)], key=[])\n"
                     "@kernel(num_warps=8, num_stages=3)\n"
                     "def k(x: ptr<f32>, BLOCK: constexpr = 64, T: constexpr = f16):\n"
                     "    pass\n");
  ASSERT_EQ(p.errors, 0u) << p.diagnostics;
  const Function &f = *p.module.functions[0];
  EXPECT_TRUE(f.isKernel);
  ASSERT_EQ(f.decorators.size(), 2u);
  EXPECT_EQ(f.decorators[0].name, "autotune");
  EXPECT_EQ(f.decorators[0].keywords.size(), 2u);
  const Decorator *k = f.kernelDecorator();
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->keywords.size(), 2u);
  EXPECT_EQ(k->keywords[0].name, "num_warps");
  EXPECT_EQ(k->keywords[1].value->intValue, 3);
  // `NAME: constexpr` makes a const parameter without a type.
  ASSERT_EQ(f.params.size(), 3u);
  EXPECT_FALSE(f.params[0].isConst);
  EXPECT_TRUE(f.params[1].isConst);
  EXPECT_EQ(f.params[1].type, nullptr);
  EXPECT_TRUE(f.params[2].isConst);
  EXPECT_EQ(f.params[2].defaultValue->name, "f16");
}

TEST(Parser, AnnotatedAssignmentAndAssert) {
  auto p = parseText("GROUP: constexpr = 8\n"
                     "def h(a):\n"
                     "    X: constexpr = a * 2\n"
                     "    assert X > 0, 'positive'\n"
                     "    assert a\n");
  ASSERT_EQ(p.errors, 0u) << p.diagnostics;
  ASSERT_EQ(p.module.globals.size(), 1u);
  EXPECT_TRUE(p.module.globals[0]->annotation->isConstexpr());
  const Function &f = *p.module.functions[0];
  ASSERT_EQ(f.body.size(), 3u);
  EXPECT_EQ(f.body[0]->kind, Stmt::Kind::Assign);
  EXPECT_EQ(f.body[0]->targets[0].name, "X");
  EXPECT_EQ(show(*f.body[0]->value), "(a * 2)");
  EXPECT_EQ(f.body[1]->kind, Stmt::Kind::Assert);
  EXPECT_EQ(show(*f.body[1]->value), "(X > 0)");
  EXPECT_EQ(show(*f.body[1]->message), "'positive'");
  EXPECT_EQ(f.body[2]->message, nullptr);
}

TEST(Parser, TritonSpellingsInAnnotationsAndDecorators) {
  auto p = parseText("@kernel\n"
                     "def k(x: ptr<f32>, B: tl.constexpr, y: tl.float16):\n"
                     "    pass\n"
                     "@triton.jit\n"
                     "def j(x: ptr<f32>):\n"
                     "    pass\n"
                     "@kernel\n"
                     "def m(x: ptr<f32>, y: tl.uint32):\n"
                     "    pass\n");
  EXPECT_EQ(p.errors, 3u);
  EXPECT_NE(p.diagnostics.find("p.tile:2:23: error: write 'constexpr', not 'tl.constexpr'"),
            std::string::npos)
      << p.diagnostics;
  EXPECT_NE(p.diagnostics.find("p.tile:4:2: error: unknown decorator '@triton.jit'; write '@kernel'"),
            std::string::npos)
      << p.diagnostics;
  EXPECT_NE(p.diagnostics.find("p.tile:8:23: error: unknown type 'tl.uint32'"), std::string::npos)
      << p.diagnostics;
}

TEST(Parser, AutotuneIsReadIntoTheFunction) {
  auto p = parseText("@autotune(configs=[config(B=64, S=0.5, F=True, num_warps=8),\n"
                     "                   config(B=-1, num_stages=2)],\n"
                     "          key=[\"n\", \"m\"], restore=[\"y\"])\n"
                     "@kernel\n"
                     "def k(y: ptr<f32>, n: i32, m: i64, const B: i32, const S: f32 = 1.0,\n"
                     "      const F: bool = False):\n"
                     "    pass\n");
  ASSERT_EQ(p.errors, 0u) << p.diagnostics;
  ASSERT_EQ(p.module.functions.size(), 1u);
  const Function &k = *p.module.functions[0];
  ASSERT_TRUE(k.autotune);
  const Autotune &t = *k.autotune;
  EXPECT_EQ(t.loc.line, 1u);
  EXPECT_EQ(t.key, (std::vector<std::string>{"n", "m"}));
  EXPECT_EQ(t.restore, (std::vector<std::string>{"y"}));
  ASSERT_EQ(t.configs.size(), 2u);
  const TuningConfig &a = t.configs[0], &b = t.configs[1];
  EXPECT_EQ(a.loc.line, 1u);
  EXPECT_EQ(a.loc.col, 20u);
  ASSERT_EQ(a.constants.size(), 3u);
  EXPECT_EQ(a.constants[0].first, "B");
  EXPECT_EQ(a.constants[0].second.kind, Literal::Kind::Int);
  EXPECT_EQ(a.constants[0].second.intValue, 64);
  EXPECT_EQ(a.constants[1].second.kind, Literal::Kind::Float);
  EXPECT_EQ(a.constants[1].second.floatValue, 0.5);
  EXPECT_EQ(a.constants[2].second.kind, Literal::Kind::Bool);
  EXPECT_TRUE(a.constants[2].second.boolValue);
  EXPECT_EQ(a.numWarps, 8);
  EXPECT_EQ(a.numStages, 0);
  EXPECT_EQ(describeConfig(a), "B=64, S=0.5, F=True, num_warps=8");
  EXPECT_EQ(b.loc.line, 2u);
  EXPECT_EQ(describeConfig(b), "B=-1, num_stages=2");
}

TEST(Parser, AWrongAutotuneLeavesNone) {
  auto p = parseText("@autotune(configs=[config(X=1)], key=[])\n"
                     "@kernel\n"
                     "def k(y: ptr<f32>):\n"
                     "    pass\n");
  EXPECT_EQ(p.errors, 1u);
  ASSERT_EQ(p.module.functions.size(), 1u);
  EXPECT_FALSE(p.module.functions[0]->autotune);
  EXPECT_NE(p.diagnostics.find("p.tile:1:27: error: 'X' is not a const parameter of 'k' (it has "
                               "none)"),
            std::string::npos)
      << p.diagnostics;
}

} // namespace
