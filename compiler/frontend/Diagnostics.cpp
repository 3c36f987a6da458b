//===- Diagnostics.cpp ----------------------------------------------------===//

#include "compiler/frontend/Diagnostics.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <tuple>

namespace lacc {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i)
    if (text_[i] == '\n')
      lineStarts_.push_back(i + 1);
}

std::string_view SourceFile::line(uint32_t line) const {
  if (line == 0 || line > lineStarts_.size())
    return {};
  size_t begin = lineStarts_[line - 1];
  size_t end = text_.find('\n', begin);
  if (end == std::string::npos)
    end = text_.size();
  if (end > begin && text_[end - 1] == '\r')
    --end;
  return std::string_view(text_).substr(begin, end - begin);
}

DiagnosticEngine::DiagnosticEngine(const SourceFile &file, llvm::raw_ostream &os,
                                   unsigned errorLimit)
    : file_(file), os_(os), errorLimit_(errorLimit) {}

void DiagnosticEngine::report(Severity severity, SourceLoc loc, const std::string &message) {
  if (severity == Severity::Note) {
    if (!suppressNotes_ && !pending_.empty())
      pending_.back().notes.push_back({severity, loc, message, {}});
    return;
  }
  if (severity == Severity::Error) {
    if (limitReached()) {
      suppressNotes_ = true;
      return;
    }
    ++errors_;
    limitMessage_ |= limitReached();
  }
  suppressNotes_ = false;
  pending_.push_back({severity, loc, message, {}});
}

void DiagnosticEngine::flush() {
  // Diagnostics without a location (command-line problems) come first.
  std::stable_sort(pending_.begin(), pending_.end(), [](const Entry &a, const Entry &b) {
    return std::tie(a.loc.line, a.loc.col) < std::tie(b.loc.line, b.loc.col);
  });
  for (const Entry &e : pending_) {
    print(e);
    for (const Entry &n : e.notes)
      print(n);
  }
  pending_.clear();
  if (limitMessage_)
    os_ << file_.name() << ": error: too many errors emitted, stopping now\n";
  limitMessage_ = false;
  os_.flush();
}

void DiagnosticEngine::print(const Entry &e) {
  os_ << file_.name();
  if (e.loc.line)
    os_ << ':' << e.loc.line << ':' << e.loc.col;
  switch (e.severity) {
  case Severity::Error: os_ << ": error: "; break;
  case Severity::Warning: os_ << ": warning: "; break;
  case Severity::Note: os_ << ": note: "; break;
  }
  os_ << e.message << '\n';
  if (e.loc.line) {
    std::string_view text = file_.line(e.loc.line);
    os_ << text << '\n';
    // Keep tabs in the caret line so that the caret lines up under them.
    for (uint32_t i = 1; i < e.loc.col && i - 1 < text.size(); ++i)
      os_ << (text[i - 1] == '\t' ? '\t' : ' ');
    os_ << "^\n";
  }
}

} // namespace lacc
