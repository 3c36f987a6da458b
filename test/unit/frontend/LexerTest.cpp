//===- LexerTest.cpp ------------------------------------------------------===//

#include "compiler/frontend/Lexer.h"

#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace lacc;

namespace {

struct Lexed {
  std::vector<Token> tokens;
  std::string diagnostics;
  unsigned errors = 0;
};

Lexed lexText(const std::string &text) {
  SourceFile file("t.tile", text);
  Lexed out;
  llvm::raw_string_ostream os(out.diagnostics);
  {
    DiagnosticEngine diag(file, os);
    out.tokens = lex(file, diag);
    out.errors = diag.errorCount();
  }
  return out;
}

std::vector<Tok> kinds(const Lexed &l) {
  std::vector<Tok> k;
  for (const Token &t : l.tokens)
    k.push_back(t.kind);
  return k;
}

TEST(Lexer, IndentationMakesIndentAndDedent) {
  auto l = lexText("def f():\n    x = 1\n    if x:\n        y = 2\nz = 3\n");
  EXPECT_EQ(l.errors, 0u);
  std::vector<Tok> expected = {
      Tok::KwDef, Tok::Name, Tok::LParen, Tok::RParen, Tok::Colon, Tok::Newline,
      Tok::Indent, Tok::Name, Tok::Assign, Tok::Int, Tok::Newline,
      Tok::KwIf, Tok::Name, Tok::Colon, Tok::Newline,
      Tok::Indent, Tok::Name, Tok::Assign, Tok::Int, Tok::Newline,
      Tok::Dedent, Tok::Dedent, Tok::Name, Tok::Assign, Tok::Int, Tok::Newline, Tok::Eof};
  EXPECT_EQ(kinds(l), expected);
}

TEST(Lexer, BlankAndCommentLinesDoNotChangeIndentation) {
  auto l = lexText("def f():\n    x = 1\n\n  # a comment at another depth\n    y = 2\n");
  EXPECT_EQ(l.errors, 0u);
  int indents = 0, dedents = 0;
  for (const Token &t : l.tokens) {
    indents += t.kind == Tok::Indent;
    dedents += t.kind == Tok::Dedent;
  }
  EXPECT_EQ(indents, 1);
  EXPECT_EQ(dedents, 1);
}

TEST(Lexer, NewlinesInsideBracketsAndAfterBackslashJoinLines) {
  auto l = lexText("x = f(1,\n      2)\ny = 1 + \\\n    2\n");
  EXPECT_EQ(l.errors, 0u);
  int newlines = 0;
  for (const Token &t : l.tokens)
    newlines += t.kind == Tok::Newline;
  EXPECT_EQ(newlines, 2);
}

TEST(Lexer, Numbers) {
  auto l = lexText("1 0x1F 1_000 2.5 1e-6 .5 3.0E2 9223372036854775807\n");
  ASSERT_EQ(l.errors, 0u);
  EXPECT_EQ(l.tokens[0].intValue, 1);
  EXPECT_EQ(l.tokens[1].intValue, 31);
  EXPECT_EQ(l.tokens[2].intValue, 1000);
  EXPECT_EQ(l.tokens[3].kind, Tok::Float);
  EXPECT_DOUBLE_EQ(l.tokens[3].floatValue, 2.5);
  EXPECT_DOUBLE_EQ(l.tokens[4].floatValue, 1e-6);
  EXPECT_DOUBLE_EQ(l.tokens[5].floatValue, 0.5);
  EXPECT_DOUBLE_EQ(l.tokens[6].floatValue, 300.0);
  EXPECT_EQ(l.tokens[7].intValue, INT64_MAX);
}

TEST(Lexer, NumberErrors) {
  auto l = lexText("x = 9223372036854775808\ny = 12abc\nz = 0x\n");
  EXPECT_EQ(l.errors, 3u);
  EXPECT_NE(l.diagnostics.find("t.tile:1:5: error: integer literal '9223372036854775808' does not "
                               "fit in 64 bits"),
            std::string::npos);
  EXPECT_NE(l.diagnostics.find("t.tile:2:7: error: invalid character in number literal"),
            std::string::npos);
  EXPECT_NE(l.diagnostics.find("t.tile:3:5: error: hexadecimal literal has no digits"),
            std::string::npos);
}

TEST(Lexer, OperatorsLongestMatchFirst) {
  auto l = lexText("a //= b ** c << d >= e != f -> g\n");
  std::vector<Tok> expected = {Tok::Name, Tok::SlashSlashAssign, Tok::Name, Tok::StarStar,
                               Tok::Name, Tok::Shl, Tok::Name, Tok::Ge, Tok::Name, Tok::NotEq,
                               Tok::Name, Tok::Arrow, Tok::Name, Tok::Newline, Tok::Eof};
  EXPECT_EQ(kinds(l), expected);
}

TEST(Lexer, KeywordsAndNames) {
  auto l = lexText("def const return if elif else for in while pass and or not True False None "
                   "kernel _x9 assert constexpr\n");
  EXPECT_EQ(l.tokens[0].kind, Tok::KwDef);
  EXPECT_EQ(l.tokens[1].kind, Tok::KwConst);
  EXPECT_EQ(l.tokens[13].kind, Tok::KwTrue);
  EXPECT_EQ(l.tokens[15].kind, Tok::KwNone);
  EXPECT_EQ(l.tokens[16].kind, Tok::Name);
  EXPECT_EQ(l.tokens[16].text, "kernel");
  EXPECT_EQ(l.tokens[17].text, "_x9");
  EXPECT_EQ(l.tokens[18].kind, Tok::KwAssert);
  EXPECT_EQ(l.tokens[19].kind, Tok::Name); // an annotation, not a keyword
}

TEST(Lexer, StringsAndEscapes) {
  auto l = lexText("s = \"a\\\"b\" + 'c'\nt = \"open\n");
  ASSERT_EQ(l.errors, 1u);
  EXPECT_EQ(l.tokens[2].kind, Tok::String);
  EXPECT_EQ(l.tokens[2].text, "a\"b");
  EXPECT_EQ(l.tokens[4].text, "c");
  EXPECT_NE(l.diagnostics.find("t.tile:2:5: error: unterminated string literal"),
            std::string::npos);
}

TEST(Lexer, BadIndentationAndCharacters) {
  auto l = lexText("def f():\n        x = 1\n    y = 2\n\tz = 3 ` 4\n");
  EXPECT_NE(l.diagnostics.find("t.tile:3:5: error: unindent does not match any outer "
                               "indentation level"),
            std::string::npos);
  EXPECT_NE(l.diagnostics.find("t.tile:4:1: error: tabs are not allowed in indentation"),
            std::string::npos);
  EXPECT_NE(l.diagnostics.find("t.tile:4:8: error: unexpected character '`'"), std::string::npos);
  // The tab-indented line matches no level either.
  EXPECT_NE(l.diagnostics.find("t.tile:4:2: error: unindent does not match"), std::string::npos);
  EXPECT_EQ(l.errors, 4u);
}

TEST(Lexer, LocationsAreOneBased) {
  auto l = lexText("x = 1\n  \n    \nfoo\n");
  EXPECT_EQ(l.tokens[0].loc.line, 1u);
  EXPECT_EQ(l.tokens[0].loc.col, 1u);
  EXPECT_EQ(l.tokens[2].loc.col, 5u);
  const Token &foo = l.tokens[4];
  EXPECT_EQ(foo.text, "foo");
  EXPECT_EQ(foo.loc.line, 4u);
  EXPECT_EQ(foo.loc.col, 1u);
}

TEST(Lexer, UnclosedBracketIsReportedAtItsOpening) {
  auto l = lexText("x = f(a, [b,\n");
  EXPECT_NE(l.diagnostics.find("t.tile:1:10: error: '[' was never closed"), std::string::npos);
}

TEST(Diagnostics, CaretUnderTheColumnAndSourceOrder) {
  SourceFile file("f.tile", "abc\n  defg\n");
  std::string out;
  llvm::raw_string_ostream os(out);
  {
    DiagnosticEngine diag(file, os);
    diag.error({2, 3}, "second");
    diag.note({1, 1}, "a note of the second");
    diag.error({1, 2}, "first");
  }
  EXPECT_EQ(out, "f.tile:1:2: error: first\nabc\n ^\n"
                 "f.tile:2:3: error: second\n  defg\n  ^\n"
                 "f.tile:1:1: note: a note of the second\nabc\n^\n");
}

TEST(Diagnostics, ErrorLimit) {
  SourceFile file("f.tile", "x\n");
  std::string out;
  llvm::raw_string_ostream os(out);
  {
    DiagnosticEngine diag(file, os, /*errorLimit=*/2);
    for (int i = 0; i < 5; ++i)
      diag.error({1, 1}, "e" + std::to_string(i));
    EXPECT_TRUE(diag.limitReached());
    EXPECT_EQ(diag.errorCount(), 2u);
  }
  EXPECT_NE(out.find("too many errors emitted, stopping now"), std::string::npos);
  EXPECT_EQ(out.find("e2"), std::string::npos);
}

} // namespace
