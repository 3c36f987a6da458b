//===- Lexer.cpp ----------------------------------------------------------===//

#include "compiler/frontend/Lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <unordered_map>

namespace lacc {

const char *spell(Tok kind) {
  switch (kind) {
  case Tok::Eof: return "end of file";
  case Tok::Newline: return "newline";
  case Tok::Indent: return "indent";
  case Tok::Dedent: return "dedent";
  case Tok::Name: return "name";
  case Tok::Int: return "integer";
  case Tok::Float: return "number";
  case Tok::String: return "string";
  case Tok::KwDef: return "'def'";
  case Tok::KwConst: return "'const'";
  case Tok::KwReturn: return "'return'";
  case Tok::KwIf: return "'if'";
  case Tok::KwElif: return "'elif'";
  case Tok::KwElse: return "'else'";
  case Tok::KwFor: return "'for'";
  case Tok::KwIn: return "'in'";
  case Tok::KwWhile: return "'while'";
  case Tok::KwPass: return "'pass'";
  case Tok::KwBreak: return "'break'";
  case Tok::KwContinue: return "'continue'";
  case Tok::KwAnd: return "'and'";
  case Tok::KwOr: return "'or'";
  case Tok::KwNot: return "'not'";
  case Tok::KwTrue: return "'True'";
  case Tok::KwFalse: return "'False'";
  case Tok::KwNone: return "'None'";
  case Tok::KwAssert: return "'assert'";
  case Tok::LParen: return "'('";
  case Tok::RParen: return "')'";
  case Tok::LBracket: return "'['";
  case Tok::RBracket: return "']'";
  case Tok::Comma: return "','";
  case Tok::Colon: return "':'";
  case Tok::Dot: return "'.'";
  case Tok::Arrow: return "'->'";
  case Tok::At: return "'@'";
  case Tok::Assign: return "'='";
  case Tok::Plus: return "'+'";
  case Tok::Minus: return "'-'";
  case Tok::Star: return "'*'";
  case Tok::StarStar: return "'**'";
  case Tok::Slash: return "'/'";
  case Tok::SlashSlash: return "'//'";
  case Tok::Percent: return "'%'";
  case Tok::Amp: return "'&'";
  case Tok::Pipe: return "'|'";
  case Tok::Caret: return "'^'";
  case Tok::Tilde: return "'~'";
  case Tok::Shl: return "'<<'";
  case Tok::Shr: return "'>>'";
  case Tok::Lt: return "'<'";
  case Tok::Gt: return "'>'";
  case Tok::Le: return "'<='";
  case Tok::Ge: return "'>='";
  case Tok::EqEq: return "'=='";
  case Tok::NotEq: return "'!='";
  case Tok::PlusAssign: return "'+='";
  case Tok::MinusAssign: return "'-='";
  case Tok::StarAssign: return "'*='";
  case Tok::SlashAssign: return "'/='";
  case Tok::SlashSlashAssign: return "'//='";
  case Tok::PercentAssign: return "'%='";
  case Tok::AmpAssign: return "'&='";
  case Tok::PipeAssign: return "'|='";
  case Tok::CaretAssign: return "'^='";
  case Tok::ShlAssign: return "'<<='";
  case Tok::ShrAssign: return "'>>='";
  case Tok::Error: return "invalid token";
  }
  return "token";
}

namespace {

class Lexer {
public:
  Lexer(const SourceFile &file, DiagnosticEngine &diag) : src_(file.text()), diag_(diag) {}

  std::vector<Token> run() {
    indents_.push_back(0);
    while (pos_ < src_.size()) {
      if (atLineStart_) {
        lexIndentation();
        continue;
      }
      char c = src_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
        advance();
      } else if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n')
          advance();
      } else if (c == '\\' && peek(1) == '\n') {
        advance();
        advance(); // explicit line joining
      } else if (c == '\n') {
        if (depth_ == 0 && !tokens_.empty() && tokens_.back().kind != Tok::Newline)
          push(Tok::Newline, here());
        advance();
        if (depth_ == 0)
          atLineStart_ = true;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        lexName();
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && std::isdigit(static_cast<unsigned char>(peek(1))))) {
        lexNumber();
      } else if (c == '"' || c == '\'') {
        lexString();
      } else {
        lexPunct();
      }
    }
    if (!brackets_.empty()) {
      diag_.error(brackets_.back(), std::string("'") + src_[offsetOf(brackets_.back())] +
                                        "' was never closed");
      push(Tok::Error, here());
    }
    if (!tokens_.empty() && tokens_.back().kind != Tok::Newline)
      push(Tok::Newline, here());
    while (indents_.size() > 1) {
      indents_.pop_back();
      push(Tok::Dedent, here());
    }
    push(Tok::Eof, here());
    return std::move(tokens_);
  }

private:
  char peek(size_t ahead) const {
    return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0';
  }
  void advance() {
    if (src_[pos_] == '\n') {
      ++line_;
      col_ = 1;
      lineOffsets_.push_back(pos_ + 1);
    } else {
      ++col_;
    }
    ++pos_;
  }
  SourceLoc here() const { return {line_, col_}; }
  size_t offsetOf(SourceLoc l) const { return lineOffsets_[l.line - 1] + l.col - 1; }
  Token &push(Tok kind, SourceLoc loc, std::string text = {}) {
    tokens_.push_back(Token{kind, loc, std::move(text)});
    return tokens_.back();
  }

  /// Measures the indentation of a logical line; blank and comment-only lines
  /// do not count.
  void lexIndentation() {
    uint32_t width = 0;
    SourceLoc start = here();
    bool sawTab = false;
    while (pos_ < src_.size() && (src_[pos_] == ' ' || src_[pos_] == '\t')) {
      sawTab |= src_[pos_] == '\t';
      ++width;
      advance();
    }
    char c = pos_ < src_.size() ? src_[pos_] : '\n';
    if (c == '\n' || c == '#' || c == '\r') {
      while (pos_ < src_.size() && src_[pos_] != '\n')
        advance();
      if (pos_ < src_.size())
        advance();
      return;
    }
    atLineStart_ = false;
    if (sawTab)
      diag_.error(start, "tabs are not allowed in indentation; use spaces");
    if (width > indents_.back()) {
      indents_.push_back(width);
      push(Tok::Indent, here());
      return;
    }
    while (width < indents_.back()) {
      indents_.pop_back();
      push(Tok::Dedent, here());
    }
    if (width != indents_.back()) {
      diag_.error(here(), "unindent does not match any outer indentation level");
      indents_.push_back(width);
    }
  }

  void lexName() {
    static const std::unordered_map<std::string, Tok> keywords = {
        {"def", Tok::KwDef},       {"const", Tok::KwConst},   {"return", Tok::KwReturn},
        {"if", Tok::KwIf},         {"elif", Tok::KwElif},     {"else", Tok::KwElse},
        {"for", Tok::KwFor},       {"in", Tok::KwIn},         {"while", Tok::KwWhile},
        {"pass", Tok::KwPass},     {"break", Tok::KwBreak},   {"continue", Tok::KwContinue},
        {"and", Tok::KwAnd},       {"or", Tok::KwOr},         {"not", Tok::KwNot},
        {"True", Tok::KwTrue},     {"False", Tok::KwFalse},   {"None", Tok::KwNone},
        {"assert", Tok::KwAssert}};
    SourceLoc loc = here();
    size_t begin = pos_;
    while (pos_ < src_.size() &&
           (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_'))
      advance();
    std::string text = src_.substr(begin, pos_ - begin);
    auto it = keywords.find(text);
    push(it == keywords.end() ? Tok::Name : it->second, loc, std::move(text));
  }

  void lexNumber() {
    SourceLoc loc = here();
    size_t begin = pos_;
    bool isFloat = false, hex = false;
    if (src_[pos_] == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
      hex = true;
      advance();
      advance();
      while (pos_ < src_.size() && (std::isxdigit(static_cast<unsigned char>(src_[pos_])) ||
                                    src_[pos_] == '_'))
        advance();
    } else {
      auto digits = [&] {
        while (pos_ < src_.size() &&
               (std::isdigit(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_'))
          advance();
      };
      digits();
      if (pos_ < src_.size() && src_[pos_] == '.') {
        isFloat = true;
        advance();
        digits();
      }
      if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        char next = peek(1);
        if (std::isdigit(static_cast<unsigned char>(next)) ||
            ((next == '+' || next == '-') && std::isdigit(static_cast<unsigned char>(peek(2))))) {
          isFloat = true;
          advance();
          if (src_[pos_] == '+' || src_[pos_] == '-')
            advance();
          digits();
        }
      }
    }
    std::string text;
    for (size_t i = begin; i < pos_; ++i)
      if (src_[i] != '_')
        text += src_[i];
    if (pos_ < src_.size() &&
        (std::isalpha(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_')) {
      diag_.error(here(), "invalid character in number literal");
      while (pos_ < src_.size() &&
             (std::isalnum(static_cast<unsigned char>(src_[pos_])) || src_[pos_] == '_'))
        advance();
    }
    Token &tok = push(isFloat ? Tok::Float : Tok::Int, loc, text);
    errno = 0;
    if (isFloat) {
      tok.floatValue = std::strtod(text.c_str(), nullptr);
    } else {
      unsigned long long v = std::strtoull(hex ? text.c_str() + 2 : text.c_str(), nullptr,
                                           hex ? 16 : 10);
      if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX) ||
          (hex && text.size() == 2)) {
        diag_.error(loc, hex && text.size() == 2 ? "hexadecimal literal has no digits"
                                                 : "integer literal '" + text +
                                                       "' does not fit in 64 bits");
        v = 0;
      }
      tok.intValue = static_cast<int64_t>(v);
    }
  }

  void lexString() {
    SourceLoc loc = here();
    char quote = src_[pos_];
    advance();
    std::string value;
    while (true) {
      if (pos_ >= src_.size() || src_[pos_] == '\n') {
        diag_.error(loc, "unterminated string literal");
        break;
      }
      char c = src_[pos_];
      advance();
      if (c == quote)
        break;
      if (c == '\\' && pos_ < src_.size() && src_[pos_] != '\n') {
        char e = src_[pos_];
        advance();
        value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        continue;
      }
      value += c;
    }
    push(Tok::String, loc, std::move(value));
  }

  void lexPunct() {
    struct Punct {
      const char *text;
      Tok kind;
    };
    // Longest first.
    static const Punct puncts[] = {
        {"//=", Tok::SlashSlashAssign}, {"<<=", Tok::ShlAssign}, {">>=", Tok::ShrAssign},
        {"**", Tok::StarStar},  {"//", Tok::SlashSlash}, {"->", Tok::Arrow},
        {"<=", Tok::Le},        {">=", Tok::Ge},         {"==", Tok::EqEq},
        {"!=", Tok::NotEq},     {"<<", Tok::Shl},        {">>", Tok::Shr},
        {"+=", Tok::PlusAssign}, {"-=", Tok::MinusAssign}, {"*=", Tok::StarAssign},
        {"/=", Tok::SlashAssign}, {"%=", Tok::PercentAssign}, {"&=", Tok::AmpAssign},
        {"|=", Tok::PipeAssign}, {"^=", Tok::CaretAssign},
        {"(", Tok::LParen},     {")", Tok::RParen},      {"[", Tok::LBracket},
        {"]", Tok::RBracket},   {",", Tok::Comma},       {":", Tok::Colon},
        {".", Tok::Dot},        {"@", Tok::At},          {"=", Tok::Assign},
        {"+", Tok::Plus},       {"-", Tok::Minus},       {"*", Tok::Star},
        {"/", Tok::Slash},      {"%", Tok::Percent},     {"&", Tok::Amp},
        {"|", Tok::Pipe},       {"^", Tok::Caret},       {"~", Tok::Tilde},
        {"<", Tok::Lt},         {">", Tok::Gt}};
    SourceLoc loc = here();
    for (const Punct &p : puncts) {
      size_t n = std::char_traits<char>::length(p.text);
      if (src_.compare(pos_, n, p.text) != 0)
        continue;
      for (size_t i = 0; i < n; ++i)
        advance();
      if (p.kind == Tok::LParen || p.kind == Tok::LBracket) {
        ++depth_;
        brackets_.push_back(loc);
      } else if ((p.kind == Tok::RParen || p.kind == Tok::RBracket) && depth_ > 0) {
        --depth_;
        brackets_.pop_back();
      }
      push(p.kind, loc, p.text);
      return;
    }
    unsigned char c = static_cast<unsigned char>(src_[pos_]);
    char buf[32];
    if (c >= 0x20 && c < 0x7f)
      snprintf(buf, sizeof buf, "unexpected character '%c'", c);
    else
      snprintf(buf, sizeof buf, "unexpected byte 0x%02x", c);
    diag_.error(loc, buf);
    advance();
    push(Tok::Error, loc); // the parser stays silent about it
  }

  const std::string &src_;
  DiagnosticEngine &diag_;
  size_t pos_ = 0;
  uint32_t line_ = 1, col_ = 1;
  int depth_ = 0; // open brackets: newlines inside them do not end a statement
  std::vector<SourceLoc> brackets_; // where each open bracket is
  std::vector<size_t> lineOffsets_{0};
  bool atLineStart_ = true;
  std::vector<uint32_t> indents_;
  std::vector<Token> tokens_;
};

} // namespace

std::vector<Token> lex(const SourceFile &file, DiagnosticEngine &diag) {
  return Lexer(file, diag).run();
}

} // namespace lacc
