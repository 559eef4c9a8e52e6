// The Cedar lexer (private to the cedar module; used by parser.cc).
//
// Tokens follow the lalrpop grammar of the Rust implementation
// (cedar-policy-core/src/parser/grammar.lalrpop): identifiers `[_a-zA-Z][_a-zA-Z0-9]*` (keywords
// are ordinary identifiers here; the parser tells them apart), unsigned integers `[0-9]+`, string
// literals `"(\\.|[^"\\])*"` (escapes are checked later by Unescape), slots `?name`, and the
// punctuation of the language. Whitespace (Unicode White_Space, as the Rust lexer's `\s`) and
// `//` comments are skipped.
//
// Every token carries its 1-based line and column; columns count Unicode code points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cedar/ast.h"

namespace custody::cedar::internal {

enum class Tok : uint8_t {
  kEof,
  kError,   // a lexical error; the lexer's error() says what
  kIdent,   // identifiers and keywords
  kInt,     // [0-9]+ (the parser checks the range)
  kString,  // text includes the quotes; escapes are not yet checked
  kSlot,    // ?principal, ?resource, or any other ?name (an error in the parser)
  kAt,
  kDot,
  kComma,
  kSemi,
  kColon,
  kColonColon,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kLBracket,
  kRBracket,
  kEqEq,
  kNotEq,
  kLt,
  kLe,
  kGt,
  kGe,
  kEq,  // `=`: not an operator, lexed only to give a helpful error
  kOrOr,
  kAndAnd,
  kPlus,
  kMinus,
  kStar,
  kSlash,    // not an operator (Cedar has no division); lexed for the error message
  kPercent,  // likewise
  kBang,
};

struct Token {
  Tok kind = Tok::kEof;
  std::string_view text;  // the token's source text
  uint32_t offset = 0;    // byte offset of text in the source
  SourceLoc loc;
};

// A lexical error: the message and where it is.
struct LexError {
  std::string message;
  SourceLoc loc;
};

// Produces the tokens of `src` one at a time, on demand, so parsing needs no token buffer. After
// the last token, Next() returns kEof forever; at the first lexical error (invalid UTF-8 included)
// it returns kError forever, and error() says what went wrong.
class Lexer {
 public:
  explicit Lexer(std::string_view src);

  Token Next();
  const LexError& error() const { return error_; }

 private:
  SourceLoc Loc() const { return SourceLoc{line_, column_}; }
  void AdvanceAscii(size_t n);
  void Advance(size_t n);
  void SkipSpaceAndComments();
  Token Fail(size_t at, std::string message);
  Token Make(Tok kind, size_t len);
  Token LexToken();
  Token LexString();

  std::string_view src_;
  LexError error_;
  bool failed_ = false;
  Token error_token_;
  size_t bad_utf8_;  // offset of the first invalid UTF-8 byte, or npos
  size_t end_;       // the lexer stops here (the end, or bad_utf8_)
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

// Advances `loc` over `text` (lines on '\n', columns by code point).
SourceLoc AdvanceLoc(SourceLoc loc, std::string_view text);

// An error found while unescaping a string literal: `offset` is the byte offset of the offending
// escape within the literal's body.
struct EscapeError {
  std::string message;
  size_t offset = 0;
};

// Unescapes the body of a string literal (the text between the quotes) with Rust's rules, as the
// Rust implementation does: \" \' \\ \n \r \t \0 \xHH (at most 0x7F) and \u{H..} (1–6 hex digits,
// `_` allowed after the first, a Unicode scalar value). A bare carriage return is an error.
bool Unescape(std::string_view body, std::string* out, EscapeError* error);

// Like Unescape, for the pattern of `like`: an unescaped `*` is a wildcard and `\*` a literal star.
// Consecutive wildcards are merged (they match the same strings) and literal runs are joined.
bool UnescapePattern(std::string_view body, std::vector<PatternElem>* out, EscapeError* error);

}  // namespace custody::cedar::internal
