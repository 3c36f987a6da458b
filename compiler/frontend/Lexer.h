//===- Lexer.h - tokens of the tile language --------------------*- C++ -*-===//
//
// Python's lexical structure: indentation produces INDENT/DEDENT tokens, a
// newline ends a statement except inside brackets or after a backslash.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_LEXER_H
#define LACC_FRONTEND_LEXER_H

#include "compiler/frontend/Diagnostics.h"

#include <string>
#include <vector>

namespace lacc {

enum class Tok {
  Eof, Newline, Indent, Dedent,
  Name, Int, Float, String,
  // keywords
  KwDef, KwConst, KwReturn, KwIf, KwElif, KwElse, KwFor, KwIn, KwWhile, KwPass, KwBreak,
  KwContinue, KwAnd, KwOr, KwNot, KwTrue, KwFalse, KwNone, KwAssert,
  // punctuation and operators
  LParen, RParen, LBracket, RBracket, Comma, Colon, Dot, Arrow, At,
  Assign, Plus, Minus, Star, StarStar, Slash, SlashSlash, Percent, Amp, Pipe, Caret, Tilde,
  Shl, Shr, Lt, Gt, Le, Ge, EqEq, NotEq,
  PlusAssign, MinusAssign, StarAssign, SlashAssign, SlashSlashAssign, PercentAssign,
  AmpAssign, PipeAssign, CaretAssign, ShlAssign, ShrAssign,
  Error,
};

/// Human-readable spelling of a token kind, for messages ("expected ')'").
const char *spell(Tok kind);

struct Token {
  Tok kind = Tok::Eof;
  SourceLoc loc;
  std::string text;   // identifier, string contents, or number spelling
  int64_t intValue = 0;
  double floatValue = 0;
};

/// Splits `file` into tokens; lexical errors are reported to `diag` and the
/// offending characters skipped. The result always ends with Eof.
std::vector<Token> lex(const SourceFile &file, DiagnosticEngine &diag);

} // namespace lacc

#endif // LACC_FRONTEND_LEXER_H
