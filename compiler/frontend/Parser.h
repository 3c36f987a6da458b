//===- Parser.h - tokens to syntax tree -------------------------*- C++ -*-===//

#ifndef LACC_FRONTEND_PARSER_H
#define LACC_FRONTEND_PARSER_H

#include "compiler/frontend/AST.h"
#include "compiler/frontend/Lexer.h"

namespace lacc {

/// Parses a whole file. Syntax errors are reported to `diag`; the parser
/// resynchronizes at the next statement so that one run reports them all.
/// The returned module holds everything that parsed.
ast::Module parse(const SourceFile &file, DiagnosticEngine &diag);

} // namespace lacc

#endif // LACC_FRONTEND_PARSER_H
