//===- Diagnostics.h - source files and error reporting ---------*- C++ -*-===//
//
// Every user-facing error of the front end goes through DiagnosticEngine, which
// prints it clang-style: `file:line:col: error: message`, the source line and a
// caret. Errors are collected, not fatal: the front end keeps going to report
// all of them, up to a limit.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_FRONTEND_DIAGNOSTICS_H
#define LACC_FRONTEND_DIAGNOSTICS_H

#include <cstdint>
#include <string>
#include <vector>

namespace llvm {
class raw_ostream;
}

namespace lacc {

/// 1-based line and column; line 0 means "no location".
struct SourceLoc {
  uint32_t line = 0;
  uint32_t col = 0;
};

class SourceFile {
public:
  SourceFile(std::string name, std::string text);
  const std::string &name() const { return name_; }
  const std::string &text() const { return text_; }
  /// The text of a 1-based line, without its newline.
  std::string_view line(uint32_t line) const;

private:
  std::string name_, text_;
  std::vector<size_t> lineStarts_;
};

enum class Severity { Error, Warning, Note };

class DiagnosticEngine {
public:
  DiagnosticEngine(const SourceFile &file, llvm::raw_ostream &os, unsigned errorLimit = 50);
  ~DiagnosticEngine() { flush(); }

  /// Prints what was reported, in source order (the lexer, parser and
  /// generator each find errors in their own pass). Called by the destructor.
  void flush();

  void report(Severity severity, SourceLoc loc, const std::string &message);
  void error(SourceLoc loc, const std::string &message) { report(Severity::Error, loc, message); }
  void note(SourceLoc loc, const std::string &message) { report(Severity::Note, loc, message); }

  unsigned errorCount() const { return errors_; }
  bool hasErrors() const { return errors_ != 0; }
  /// True once the error limit was hit: callers may stop early.
  bool limitReached() const { return errorLimit_ && errors_ >= errorLimit_; }
  const SourceFile &file() const { return file_; }

private:
  const SourceFile &file_;
  llvm::raw_ostream &os_;
  unsigned errorLimit_;
  unsigned errors_ = 0;
  bool suppressNotes_ = false;
  bool limitMessage_ = false;
  /// An error with the notes that follow it.
  struct Entry {
    Severity severity;
    SourceLoc loc;
    std::string message;
    std::vector<Entry> notes;
  };
  std::vector<Entry> pending_;
  void print(const Entry &entry);
};

} // namespace lacc

#endif // LACC_FRONTEND_DIAGNOSTICS_H
