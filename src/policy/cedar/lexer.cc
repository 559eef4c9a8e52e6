// The Cedar lexer and string unescaping (see lexer.h).
//
// The lexer runs over the whole input once, before parsing, so the parser can look ahead freely.
// It tracks line and column incrementally; a column advances per code point, not per byte.
#include "policy/cedar/lexer.h"

#include <cstdio>
#include <cstring>

namespace custody::cedar::internal {
namespace {

bool IsIdentStart(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentChar(unsigned char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are invalid, as in Rust's str).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  auto cont = [&](size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Offset of the first byte that does not start a valid UTF-8 sequence, or npos.
size_t FirstInvalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    // Fast path for ASCII runs.
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

// Decodes the (valid) UTF-8 sequence at s[i]; *len receives its length.
uint32_t DecodeUtf8(std::string_view s, size_t i, size_t* len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t n = Utf8SequenceLength(s, i);
  if (n == 0) n = 1;  // only reached for input that was not validated; treat the byte as itself
  *len = n;
  if (n == 1) return b0;
  uint32_t cp = b0 & (0xFF >> (n + 1));
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the Unicode White_Space character at s[i] (0 if there is none). Rust's regex `\s`,
// which the Rust lexer skips, is Unicode-aware.
size_t WhitespaceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 == ' ' || (b0 >= '\t' && b0 <= '\r')) return 1;
  if (b0 < 0x80) return 0;
  size_t n = 0;
  const uint32_t cp = DecodeUtf8(s, i, &n);
  const bool ws = cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
                  cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
  return ws ? n : 0;
}

// How to show a character in an error message.
std::string DescribeChar(std::string_view s, size_t i) {
  size_t n = 0;
  const uint32_t cp = DecodeUtf8(s, i, &n);
  if (cp >= 0x20 && cp != 0x7F) return "`" + std::string(s.substr(i, n)) + "`";
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// Shared by Unescape and UnescapePattern: walks `body`, calling `on_char(cp, escaped_star)` for
// each unescaped character. Returns false with *error set on the first invalid escape.
template <typename OnChar>
bool UnescapeWith(std::string_view body, EscapeError* error, OnChar on_char) {
  auto fail = [&](size_t at, std::string message) {
    error->offset = at;
    error->message = std::move(message);
    return false;
  };
  size_t i = 0;
  while (i < body.size()) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c != '\\') {
      if (c == '\r') return fail(i, "bare carriage return in a string literal; write `\\r`");
      size_t n = 0;
      const uint32_t cp = DecodeUtf8(body, i, &n);
      on_char(cp, false);
      i += n;
      continue;
    }
    const size_t start = i;
    if (i + 1 >= body.size()) return fail(start, "lone backslash at the end of a string literal");
    const auto e = static_cast<unsigned char>(body[i + 1]);
    i += 2;
    switch (e) {
      case '"':
        on_char('"', false);
        continue;
      case '\'':
        on_char('\'', false);
        continue;
      case '\\':
        on_char('\\', false);
        continue;
      case 'n':
        on_char('\n', false);
        continue;
      case 'r':
        on_char('\r', false);
        continue;
      case 't':
        on_char('\t', false);
        continue;
      case '0':
        on_char(0, false);
        continue;
      case '*':
        // Not a string escape; only patterns accept it (on_char decides).
        if (!on_char('*', true)) return fail(start, "invalid escape `\\*` in a string literal");
        continue;
      case 'x': {
        if (i + 2 > body.size()) return fail(start, "hex escape `\\x` needs two hex digits");
        const int hi = HexValue(static_cast<unsigned char>(body[i]));
        const int lo = HexValue(static_cast<unsigned char>(body[i + 1]));
        if (hi < 0 || lo < 0) return fail(start, "invalid character in a `\\x` escape");
        const int v = hi * 16 + lo;
        if (v > 0x7F) return fail(start, "`\\x` escapes must be at most `\\x7F`; use `\\u{..}`");
        on_char(static_cast<uint32_t>(v), false);
        i += 2;
        continue;
      }
      case 'u': {
        if (i >= body.size() || body[i] != '{') {
          return fail(start, "unicode escapes are written `\\u{XXXX}`");
        }
        ++i;
        if (i >= body.size()) return fail(start, "unclosed unicode escape");
        if (body[i] == '_') return fail(start, "invalid leading `_` in a unicode escape");
        if (body[i] == '}') return fail(start, "empty unicode escape");
        uint32_t value = 0;
        int digits = 0;
        while (true) {
          if (i >= body.size()) return fail(start, "unclosed unicode escape");
          const auto d = static_cast<unsigned char>(body[i]);
          ++i;
          if (d == '_') continue;
          if (d == '}') break;
          const int h = HexValue(d);
          if (h < 0) return fail(start, "invalid character in a unicode escape");
          ++digits;
          if (digits <= 6) value = value * 16 + static_cast<uint32_t>(h);
        }
        if (digits > 6) return fail(start, "a unicode escape has at most 6 hex digits");
        if (value > 0x10FFFF) return fail(start, "unicode escape out of range (above U+10FFFF)");
        if (value >= 0xD800 && value <= 0xDFFF) {
          return fail(start, "unicode escape is a lone surrogate");
        }
        on_char(value, false);
        continue;
      }
      default: {
        size_t n = Utf8SequenceLength(body, start + 1);
        if (n == 0) n = 1;
        return fail(start, "invalid escape `\\" + std::string(body.substr(start + 1, n)) + "`");
      }
    }
  }
  return true;
}

}  // namespace

Lexer::Lexer(std::string_view src) : src_(src) {
  // Lex only the valid UTF-8 prefix; the first invalid byte becomes the error.
  bad_utf8_ = FirstInvalidUtf8(src);
  end_ = bad_utf8_ == std::string_view::npos ? src.size() : bad_utf8_;
}

Token Lexer::Next() {
  if (failed_) return error_token_;
  SkipSpaceAndComments();
  if (pos_ >= end_) {
    if (bad_utf8_ != std::string_view::npos) return Fail(pos_, "invalid UTF-8 in the input");
    return Token{Tok::kEof, src_.substr(pos_, 0), static_cast<uint32_t>(pos_), Loc()};
  }
  return LexToken();
}

// Moves over n bytes that contain no newline and are all ASCII.
void Lexer::AdvanceAscii(size_t n) {
  pos_ += n;
  column_ += static_cast<int>(n);
}

// Moves over n bytes of arbitrary text.
void Lexer::Advance(size_t n) {
  for (size_t k = 0; k < n; ++k) {
    const auto b = static_cast<unsigned char>(src_[pos_ + k]);
    if (b == '\n') {
      ++line_;
      column_ = 1;
    } else if ((b & 0xC0) != 0x80) {
      ++column_;
    }
  }
  pos_ += n;
}

void Lexer::SkipSpaceAndComments() {
  while (pos_ < end_) {
    const char c = src_[pos_];
    if (c == ' ') {
      AdvanceAscii(1);
      continue;
    }
    if (c == '/' && pos_ + 1 < end_ && src_[pos_ + 1] == '/') {
      size_t e = pos_ + 2;
      while (e < end_ && src_[e] != '\n' && src_[e] != '\r') ++e;
      Advance(e - pos_);
      continue;
    }
    const size_t ws = WhitespaceLength(src_, pos_);
    if (ws == 0) return;
    Advance(ws);
  }
}

// Records the error (which may be ahead of pos_, inside a string) and returns the error token.
Token Lexer::Fail(size_t at, std::string message) {
  error_.loc = AdvanceLoc(Loc(), src_.substr(pos_, at - pos_));
  error_.message = std::move(message);
  failed_ = true;
  error_token_ = Token{Tok::kError, src_.substr(at, 0), static_cast<uint32_t>(at), error_.loc};
  return error_token_;
}

Token Lexer::Make(Tok kind, size_t len) {
  Token t{kind, src_.substr(pos_, len), static_cast<uint32_t>(pos_), Loc()};
  AdvanceAscii(len);
  return t;
}

Token Lexer::LexToken() {
  const auto c = static_cast<unsigned char>(src_[pos_]);
  const char next = pos_ + 1 < end_ ? src_[pos_ + 1] : '\0';
  if (IsIdentStart(c)) {
    size_t e = pos_ + 1;
    while (e < end_ && IsIdentChar(static_cast<unsigned char>(src_[e]))) ++e;
    return Make(Tok::kIdent, e - pos_);
  }
  if (IsDigit(c)) {
    size_t e = pos_ + 1;
    while (e < end_ && IsDigit(static_cast<unsigned char>(src_[e]))) ++e;
    return Make(Tok::kInt, e - pos_);
  }
  switch (c) {
    case '"':
      return LexString();
    case '?': {
      size_t e = pos_ + 1;
      if (e < end_ && IsIdentStart(static_cast<unsigned char>(src_[e]))) {
        while (e < end_ && IsIdentChar(static_cast<unsigned char>(src_[e]))) ++e;
        return Make(Tok::kSlot, e - pos_);
      }
      return Fail(pos_,
                  "unexpected character `?`; template slots are `?principal` and "
                  "`?resource`");
    }
    case '@':
      return Make(Tok::kAt, 1);
    case '.':
      return Make(Tok::kDot, 1);
    case ',':
      return Make(Tok::kComma, 1);
    case ';':
      return Make(Tok::kSemi, 1);
    case ':':
      return next == ':' ? Make(Tok::kColonColon, 2) : Make(Tok::kColon, 1);
    case '(':
      return Make(Tok::kLParen, 1);
    case ')':
      return Make(Tok::kRParen, 1);
    case '{':
      return Make(Tok::kLBrace, 1);
    case '}':
      return Make(Tok::kRBrace, 1);
    case '[':
      return Make(Tok::kLBracket, 1);
    case ']':
      return Make(Tok::kRBracket, 1);
    case '=':
      return next == '=' ? Make(Tok::kEqEq, 2) : Make(Tok::kEq, 1);
    case '!':
      return next == '=' ? Make(Tok::kNotEq, 2) : Make(Tok::kBang, 1);
    case '<':
      return next == '=' ? Make(Tok::kLe, 2) : Make(Tok::kLt, 1);
    case '>':
      return next == '=' ? Make(Tok::kGe, 2) : Make(Tok::kGt, 1);
    case '|':
      if (next == '|') return Make(Tok::kOrOr, 2);
      return Fail(pos_, "unexpected character `|`; did you mean `||`?");
    case '&':
      if (next == '&') return Make(Tok::kAndAnd, 2);
      return Fail(pos_, "unexpected character `&`; did you mean `&&`?");
    case '+':
      return Make(Tok::kPlus, 1);
    case '-':
      return Make(Tok::kMinus, 1);
    case '*':
      return Make(Tok::kStar, 1);
    case '/':
      return Make(Tok::kSlash, 1);
    case '%':
      return Make(Tok::kPercent, 1);
    default:
      return Fail(pos_, "unexpected character " + DescribeChar(src_, pos_));
  }
}

// A string literal: `"` then any characters, where `\` takes the next character with it, up to the
// closing `"`. The Rust lexer's `\\.` does not match a backslash before a newline, so that ends
// the token with an error.
Token Lexer::LexString() {
  size_t e = pos_ + 1;
  while (e < end_) {
    const char c = src_[e];
    if (c == '"') {
      const size_t len = e + 1 - pos_;
      Token t{Tok::kString, src_.substr(pos_, len), static_cast<uint32_t>(pos_), Loc()};
      Advance(len);
      return t;
    }
    if (c == '\\') {
      if (e + 1 >= end_) break;
      if (src_[e + 1] == '\n') {
        return Fail(e, "a backslash cannot end a line inside a string literal");
      }
      // Skip the escaped character whole (it may be a multi-byte one).
      const size_t n = Utf8SequenceLength(src_, e + 1);
      e += 1 + (n == 0 ? 1 : n);
      continue;
    }
    ++e;
  }
  if (bad_utf8_ != std::string_view::npos) return Fail(end_, "invalid UTF-8 in the input");
  return Fail(pos_, "unterminated string literal");
}

SourceLoc AdvanceLoc(SourceLoc loc, std::string_view text) {
  for (char ch : text) {
    const auto b = static_cast<unsigned char>(ch);
    if (b == '\n') {
      ++loc.line;
      loc.column = 1;
    } else if ((b & 0xC0) != 0x80) {
      ++loc.column;
    }
  }
  return loc;
}

bool Unescape(std::string_view body, std::string* out, EscapeError* error) {
  out->clear();
  // Most strings have no escapes.
  if (std::memchr(body.data(), '\\', body.size()) == nullptr &&
      std::memchr(body.data(), '\r', body.size()) == nullptr) {
    out->assign(body);
    return true;
  }
  out->reserve(body.size());
  return UnescapeWith(body, error, [out](uint32_t cp, bool escaped_star) {
    if (escaped_star) return false;
    AppendUtf8(cp, out);
    return true;
  });
}

bool UnescapePattern(std::string_view body, std::vector<PatternElem>* out, EscapeError* error) {
  out->clear();
  return UnescapeWith(body, error, [out](uint32_t cp, bool escaped_star) {
    // As in the Rust parser, every unescaped `*` is a wildcard, even one written as an escape
    // such as `\u{2a}`; only `\*` is a literal star.
    if (cp == '*' && !escaped_star) {
      if (out->empty() || !out->back().wildcard) out->push_back(PatternElem{true, {}});
      return true;
    }
    if (out->empty() || out->back().wildcard) out->push_back(PatternElem{false, {}});
    AppendUtf8(cp, &out->back().literal);
    return true;
  });
}

}  // namespace custody::cedar::internal
