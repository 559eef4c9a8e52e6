// The DLP scanner: one Hyperscan database (block and stream mode) as the prefilter, RE2 on
// bounded windows before each hit as the confirming engine, then gitleaks' detect.go semantics.
//
// Why windows are exact (notes/governance.md §4.2): Hyperscan reports every end offset e at which
// some match of a pattern ends. For a pattern of maximum width w, every match ending at e starts
// in [e − w, e]. The union of those windows over all hits of a pattern splits into disjoint
// regions, and every match RE2 would find scanning the whole text leftmost-first lies inside one
// region; so running RE2 leftmost-first over each region (with RE2::Match on the full text, so
// \b, ^ and $ see the real neighbours) finds exactly the matches gitleaks' FindAllStringIndex
// finds. Patterns without a bounded width use a window of kUnboundedWidth bytes.
#include "dlp/scanner.h"

#include <hs/hs.h>
#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/encoding.h"
#include "dlp/pii.h"

namespace custody::dlp {

namespace {

// Window for patterns whose matches have no (or a very large) bounded width. Longer matches of
// such patterns (e.g. a PEM block larger than this) are not found.
constexpr uint64_t kUnboundedWidth = 8192;
// Extra bytes before a window, against off-by-one differences between the engines' widths.
constexpr uint64_t kWindowSlack = 16;
// A finding's "line" (allowlist regexTarget = "line") extends at most this far either side.
constexpr uint64_t kLineContext = 4096;
// Bounds on per-scan bookkeeping, so hostile text cannot make the scanner allocate without limit;
// what exceeds them is counted in ScanResult::dropped.
constexpr size_t kMaxCandidates = size_t{1} << 18;
constexpr size_t kMaxRegions = size_t{1} << 22;
// Excerpts: bytes of match context kept either side of the masked secret.
constexpr size_t kExcerptContext = 44;
constexpr std::string_view kMask = "\u2588\u2588\u2588\u2588";  // ████
constexpr std::string_view kEllipsis = "\u2026";                // …
// A stream keeps at least this much already-confirmed text before trimming its buffer.
constexpr uint64_t kTrimThreshold = 64 * 1024;
// Keyword reach: a rule with keywords reports a match only if one of them occurs within this many
// bytes of it. gitleaks reads a file in fragments of 100 kB (extended to a blank line) and gates
// each fragment by its keywords; within a text of at most this size the two agree exactly.
constexpr uint64_t kKeywordReach = 100'000;
// Keyword occurrences are kept per block of 2^kKeywordBlockShift bytes (so "within reach" is
// decided to this granularity, erring towards reporting), and at most kMaxKeywordBlocks blocks
// in all: a keyword past the cap counts as present everywhere.
constexpr unsigned kKeywordBlockShift = 10;
constexpr size_t kMaxKeywordBlocks = size_t{1} << 20;
// Rules whose regex has no required literal of this many bytes (RE2's FilteredRE2 atoms) cost
// Hyperscan a pass of their character classes over every byte (gitleaks' bare 40-hex
// sourcegraph-access-token); if they have keywords, they are scanned only near them.
constexpr int kMinAtomLength = 3;

bool IsWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

char LowerByte(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerByte(c);
  return out;
}

// Decodes one UTF-8 sequence as Go's `range` over a string does: an invalid byte is U+FFFD of
// width 1.
std::pair<uint32_t, size_t> DecodeRune(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return {c, 1};
  const auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) return {((c & 0x1fu) << 6) | (b(i + 1) & 0x3fu), 2};
  if (c >= 0xe0 && c <= 0xef && cont(i + 1) && cont(i + 2)) {
    const uint32_t r = ((c & 0x0fu) << 12) | ((b(i + 1) & 0x3fu) << 6) | (b(i + 2) & 0x3fu);
    if (r >= 0x800 && (r < 0xd800 || r > 0xdfff)) return {r, 3};
  }
  if (c >= 0xf0 && c <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    const uint32_t r = ((c & 0x07u) << 18) | ((b(i + 1) & 0x3fu) << 12) |
                       ((b(i + 2) & 0x3fu) << 6) | (b(i + 3) & 0x3fu);
    if (r >= 0x10000 && r <= 0x10ffff) return {r, 4};
  }
  return {0xfffd, 1};
}

// gitleaks shannonEntropy: frequencies of runes, divided by the length in bytes.
double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0;
  std::array<uint32_t, 128> ascii{};
  std::array<uint8_t, 128> seen{};  // the distinct ASCII symbols, in order of appearance
  size_t nseen = 0;
  std::unordered_map<uint32_t, uint32_t> other;
  for (size_t i = 0; i < s.size();) {
    const auto [r, w] = DecodeRune(s, i);
    if (r < 128) {
      if (ascii[r]++ == 0) seen[nseen++] = static_cast<uint8_t>(r);
    } else {
      ++other[r];
    }
    i += w;
  }
  const double inv = 1.0 / static_cast<double>(s.size());
  double h = 0;
  const auto add = [&](uint32_t count) {
    const double f = count * inv;
    h -= f * std::log2(f);
  };
  for (size_t k = 0; k < nseen; ++k) add(ascii[seen[k]]);
  for (const auto& [r, c] : other) add(c);
  return h;
}

// Appends `s` as printable UTF-8: control characters become spaces, invalid bytes '?'. Stops
// before `max` bytes of output without splitting a character.
void AppendPrintable(std::string& out, std::string_view s, size_t max) {
  size_t written = 0;
  for (size_t i = 0; i < s.size();) {
    const auto [r, w] = DecodeRune(s, i);
    std::string_view piece = s.substr(i, w);
    char repl = 0;
    if (r == 0xfffd && w == 1) {
      repl = '?';
    } else if (r < 0x20 || r == 0x7f) {
      repl = ' ';
    }
    const size_t len = repl != 0 ? 1 : piece.size();
    if (written + len > max) break;
    if (repl != 0) {
      out.push_back(repl);
    } else {
      out.append(piece);
    }
    written += len;
    i += w;
  }
}

// The last `max` bytes of `s`, starting on a character boundary.
std::string_view TailOf(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t start = s.size() - max;
  while (start < s.size() && (static_cast<unsigned char>(s[start]) & 0xc0) == 0x80) ++start;
  return s.substr(start);
}

// `api_key = "sk-p…████"`: the match with the secret masked; at most 4 bytes of a secret of at
// least 16 bytes are shown.
std::string RedactedExcerpt(std::string_view match, size_t secret_off, size_t secret_len) {
  std::string out;
  const std::string_view before = match.substr(0, secret_off);
  const std::string_view after = match.substr(secret_off + secret_len);
  const std::string_view secret = match.substr(secret_off, secret_len);
  if (before.size() > kExcerptContext) out.append(kEllipsis);
  AppendPrintable(out, TailOf(before, kExcerptContext), kExcerptContext);
  if (secret.size() >= 16) {
    size_t shown = 4;
    while (shown > 0 && (static_cast<unsigned char>(secret[shown]) & 0xc0) == 0x80) --shown;
    AppendPrintable(out, secret.substr(0, shown), 4);
    out.append(kEllipsis);
  }
  out.append(kMask);
  AppendPrintable(out, after, kExcerptContext);
  if (after.size() > kExcerptContext) out.append(kEllipsis);
  return out;
}

// Personal data shows its shape only: every run of letters and digits becomes ████, separators
// stay; an e-mail address keeps its top-level domain ("████@████.com").
std::string PiiShape(std::string_view match, bool email) {
  std::string out;
  if (email) {
    const size_t dot = match.rfind('.');
    out.append(kMask).append("@").append(kMask);
    if (dot != std::string_view::npos) {
      out.push_back('.');
      AppendPrintable(out, match.substr(dot + 1, 24), 24);
    }
    return out;
  }
  bool in_run = false;
  for (char c : match) {
    if (IsWordByte(static_cast<unsigned char>(c)) && c != '_') {
      if (!in_run) out.append(kMask);
      in_run = true;
    } else {
      in_run = false;
      AppendPrintable(out, std::string_view(&c, 1), 1);
    }
    if (out.size() > 100) {
      out.append(kEllipsis);
      break;
    }
  }
  return out;
}

std::string Fingerprint(const std::string& key, std::string_view rule_id, std::string_view secret) {
  std::array<unsigned char, 32> mac{};
  const unsigned char zero = 0;
  if (key.empty()) {
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(rule_id.data()),
                              rule_id.size());
    crypto_hash_sha256_update(&st, &zero, 1);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
    crypto_hash_sha256_final(&st, mac.data());
  } else {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()),
                                key.size());
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(rule_id.data()),
                                  rule_id.size());
    crypto_auth_hmacsha256_update(&st, &zero, 1);
    crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(secret.data()),
                                  secret.size());
    crypto_auth_hmacsha256_final(&st, mac.data());
  }
  return HexEncode(std::span<const uint8_t>(mac.data(), 16));
}

// A literal as a Hyperscan expression: every byte that is not a letter or digit escaped.
std::string EscapeLiteral(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      out.push_back(ch);
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::unique_ptr<RE2> CompileRe2(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_unique<RE2>(pattern, opts);
}

// gitleaks joinRegexOr: one expression matching when any of the patterns does.
std::unique_ptr<RE2> JoinRegexes(const std::vector<std::string>& patterns) {
  if (patterns.empty()) return nullptr;
  std::string joined;
  for (const std::string& p : patterns) {
    if (!joined.empty()) joined += "|";
    joined += "(?:" + p + ")";
  }
  return CompileRe2(joined);
}

// --- Windows for patterns of unbounded width ---
//
// A pattern such as gitleaks' generic-api-key has no maximum width (its secret is
// `[a-z0-9+/]{11,}`) but its unbounded repeats cannot match a newline. Then a match is its bounded
// parts (at most B bytes in all) around at most k newline-free runs, and going back from a hit at
// e, each run starts no earlier than the line holding the byte B before the previous bound: k hops
// of "back B bytes, then to the start of that line" bound the match's start exactly, usually within
// a line or two instead of kUnboundedWidth bytes. RegexShape computes B and k from the pattern text
// (RE2 syntax), conservatively: anything it does not understand, or an unbounded repeat that can
// match '\n', leaves the pattern with the capped window.
struct Shape {
  uint64_t bounded = 0;  // bytes outside unbounded repeats, at most
  uint64_t runs = 0;     // unbounded repeats in one match, at most
  bool newline = false;  // can match text containing '\n'
  bool unsafe = false;   // an unbounded repeat can match '\n', or too complex to tell
};

constexpr uint64_t kShapeCap = uint64_t{1} << 40;
uint64_t SatAdd(uint64_t a, uint64_t b) { return std::min(kShapeCap, a + b); }
uint64_t SatMul(uint64_t a, uint64_t b) { return b != 0 && a > kShapeCap / b ? kShapeCap : a * b; }

class RegexShape {
 public:
  explicit RegexShape(std::string_view re) : re_(re) {}

  std::optional<Shape> Parse() {
    bool dotall = false;
    Shape s = Alternation(dotall);
    if (failed_ || pos_ != re_.size()) return std::nullopt;
    return s;
  }

 private:
  static constexpr uint64_t kInf = std::numeric_limits<uint64_t>::max();

  bool AtEnd() const { return pos_ >= re_.size(); }
  char Peek(size_t k = 0) const { return pos_ + k < re_.size() ? re_[pos_ + k] : '\0'; }

  Shape Alternation(bool dotall) {
    Shape out = Concat(dotall);
    while (!failed_ && Peek() == '|' && !AtEnd()) {
      ++pos_;
      const Shape alt = Concat(dotall);
      out.bounded = std::max(out.bounded, alt.bounded);
      out.runs = std::max(out.runs, alt.runs);
      out.newline = out.newline || alt.newline;
      out.unsafe = out.unsafe || alt.unsafe;
    }
    return out;
  }

  // Inline flags like (?s) last to the end of the enclosing group, alternatives included; they
  // are never cleared here, which can only make the answer more conservative.
  Shape Concat(bool& dotall) {
    Shape out;
    while (!failed_ && !AtEnd() && Peek() != '|' && Peek() != ')') {
      Shape atom;
      if (!Atom(dotall, &atom)) continue;  // a flag group: no atom
      Quantify(atom);
      out.bounded = SatAdd(out.bounded, atom.bounded);
      out.runs = SatAdd(out.runs, atom.runs);
      out.newline = out.newline || atom.newline;
      out.unsafe = out.unsafe || atom.unsafe;
    }
    return out;
  }

  void Quantify(Shape& atom) {
    for (;;) {
      uint64_t lo = 0, hi = 0;
      const char c = Peek();
      if (c == '*') {
        hi = kInf;
        ++pos_;
      } else if (c == '+') {
        lo = 1;
        hi = kInf;
        ++pos_;
      } else if (c == '?') {
        hi = 1;
        ++pos_;
      } else if (c == '{' && ParseBraces(&lo, &hi)) {
      } else {
        return;
      }
      (void)lo;
      if (Peek() == '?') ++pos_;  // lazy: same widths
      if (hi == kInf) {
        atom.unsafe = atom.unsafe || atom.newline;
        atom.runs = 1;
        atom.bounded = 0;
      } else {
        atom.bounded = SatMul(atom.bounded, hi);
        atom.runs = SatMul(atom.runs, hi);
        atom.newline = atom.newline && hi > 0;
      }
    }
  }

  // {n}, {n,}, {n,m}; anything else is a literal '{' (RE2's rule), left for Atom.
  bool ParseBraces(uint64_t* lo, uint64_t* hi) {
    size_t p = pos_ + 1;
    const auto number = [&](uint64_t* v) {
      const size_t start = p;
      *v = 0;
      while (p < re_.size() && re_[p] >= '0' && re_[p] <= '9' && p - start < 6) {
        *v = *v * 10 + static_cast<uint64_t>(re_[p++] - '0');
      }
      return p > start;
    };
    if (!number(lo)) return false;
    if (p < re_.size() && re_[p] == '}') {
      *hi = *lo;
    } else if (p < re_.size() && re_[p] == ',') {
      ++p;
      if (p < re_.size() && re_[p] == '}') {
        *hi = kInf;
      } else if (!number(hi) || p >= re_.size() || re_[p] != '}') {
        return false;
      }
    } else {
      return false;
    }
    pos_ = p + 1;
    return true;
  }

  static Shape Width(uint64_t w, bool newline) {
    Shape s;
    s.bounded = w;
    s.newline = newline;
    return s;
  }

  // One atom; false for a flag group, which matches nothing.
  bool Atom(bool& dotall, Shape* out) {
    const char c = re_[pos_];
    if (c == '(') {
      ++pos_;
      bool inner = dotall;
      if (Peek() == '?') {
        ++pos_;
        if (Peek() == 'P' || Peek() == '<') {
          const size_t close = re_.find('>', pos_);
          if (close == std::string_view::npos) return Fail();
          pos_ = close + 1;
        } else {
          bool negate = false;
          while (!AtEnd() && Peek() != ':' && Peek() != ')') {
            const char f = re_[pos_++];
            if (f == '-') {
              negate = true;
            } else if (f == 's' && !negate) {
              inner = true;
            } else if (f != 'i' && f != 'm' && f != 's' && f != 'U') {
              return Fail();
            }
          }
          if (AtEnd()) return Fail();
          if (re_[pos_] == ')') {  // (?flags): the rest of this group
            ++pos_;
            dotall = dotall || inner;
            return false;
          }
          ++pos_;  // ':'
        }
      }
      *out = Alternation(inner);
      if (Peek() != ')' || AtEnd()) return Fail();
      ++pos_;
      return true;
    }
    if (c == '[') {
      *out = Class();
      return true;
    }
    if (c == '.') {
      ++pos_;
      *out = Width(4, dotall);
      return true;
    }
    if (c == '^' || c == '$') {
      ++pos_;
      *out = Width(0, false);
      return true;
    }
    if (c == '\\') {
      *out = Escape(/*in_class=*/false);
      return true;
    }
    if (c == '*' || c == '+' || c == '?' || c == ')') return Fail();
    // A literal character: a whole UTF-8 sequence is one atom for the quantifier that follows.
    size_t len = 1;
    const auto b = static_cast<unsigned char>(c);
    if (b >= 0xc0) len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    pos_ = std::min(re_.size(), pos_ + len);
    *out = Width(len, c == '\n');
    return true;
  }

  // A character escape at pos_ ('\\'): \t \n \r \f \v \a \xHH \x{H…} \ooo or escaped punctuation.
  // Consumes it and returns its code point; otherwise consumes nothing.
  std::optional<uint32_t> CharEscape() {
    if (Peek() != '\\' || pos_ + 1 >= re_.size()) return std::nullopt;
    const char e = re_[pos_ + 1];
    static constexpr std::string_view kLetters = "tnrfva";
    static constexpr uint32_t kValues[] = {'\t', '\n', '\r', '\f', '\v', '\a'};
    if (const size_t k = kLetters.find(e); k != std::string_view::npos) {
      pos_ += 2;
      return kValues[k];
    }
    if (e == 'x') {
      pos_ += 2;
      uint64_t v = 0;
      if (Peek() == '{') {
        const size_t close = re_.find('}', pos_);
        if (close == std::string_view::npos || close - pos_ > 9) {
          Fail();
          return 0;
        }
        for (size_t k = pos_ + 1; k < close; ++k) v = v * 16 + HexValue(re_[k]);
        pos_ = close + 1;
      } else {
        for (int k = 0; k < 2 && pos_ < re_.size(); ++k) v = v * 16 + HexValue(re_[pos_++]);
      }
      return static_cast<uint32_t>(std::min<uint64_t>(v, 0x10ffff));
    }
    if (e >= '0' && e <= '7') {
      pos_ += 2;
      uint32_t v = static_cast<uint32_t>(e - '0');
      for (int k = 0; k < 2 && Peek() >= '0' && Peek() <= '7'; ++k) {
        v = v * 8 + static_cast<uint32_t>(re_[pos_++] - '0');
      }
      return v;
    }
    if (!std::isalnum(static_cast<unsigned char>(e))) {
      pos_ += 2;
      return static_cast<unsigned char>(e);
    }
    return std::nullopt;
  }

  static uint64_t Utf8Width(uint32_t v) {
    return v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4;
  }

  // An escape at pos_ ('\\'); in a class, only whether it can be '\n' matters.
  Shape Escape(bool in_class) {
    if (const std::optional<uint32_t> v = CharEscape()) return Width(Utf8Width(*v), *v == '\n');
    if (failed_) return {};
    ++pos_;
    if (AtEnd()) {
      Fail();
      return {};
    }
    const char e = re_[pos_++];
    switch (e) {
      case 'd':
      case 'w':
      case 'S':
        return Width(1, false);
      case 'D':
      case 'W':
      case 's':
      case 'C':
        return Width(4, true);
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        if (in_class) Fail();
        return Width(0, false);
      case 'p':
      case 'P': {
        std::string name;
        if (Peek() == '{') {
          const size_t close = re_.find('}', pos_);
          if (close == std::string_view::npos) {
            Fail();
            return {};
          }
          name = std::string(re_.substr(pos_ + 1, close - pos_ - 1));
          pos_ = close + 1;
        } else if (!AtEnd()) {
          name = std::string(1, re_[pos_++]);
        }
        bool negated = e == 'P';
        if (!name.empty() && name[0] == '^') {
          name.erase(0, 1);
          negated = !negated;
        }
        const bool control = name == "C" || name == "Cc" || name == "Any";
        return Width(4, negated ? !control || name == "Any" : control);
      }
      case 'Q': {
        const size_t close = re_.find("\\E", pos_);
        const size_t end = close == std::string_view::npos ? re_.size() : close;
        const std::string_view lit = re_.substr(pos_, end - pos_);
        pos_ = close == std::string_view::npos ? re_.size() : close + 2;
        return Width(lit.size(), lit.find('\n') != std::string_view::npos);
      }
      default:
        Fail();  // an escape RE2 does not have (it would have refused the pattern)
        return {};
    }
  }

  static uint64_t HexValue(char h) {
    if (h >= '0' && h <= '9') return static_cast<uint64_t>(h - '0');
    if (h >= 'a' && h <= 'f') return static_cast<uint64_t>(h - 'a' + 10);
    if (h >= 'A' && h <= 'F') return static_cast<uint64_t>(h - 'A' + 10);
    return 0;
  }

  // One class member's code point (a character or character escape), or nullopt for a set
  // escape (\d, \s, \pL, …) whose newline-ness is added to *has_nl.
  std::optional<uint32_t> ClassChar(bool* has_nl, bool* wide) {
    if (Peek() == '\\') {
      if (const std::optional<uint32_t> v = CharEscape()) {
        *wide = *wide || *v >= 0x80;
        return v;
      }
      const Shape s = Escape(/*in_class=*/true);
      *has_nl = *has_nl || s.newline;
      *wide = *wide || s.bounded > 1;
      return std::nullopt;
    }
    const auto b = static_cast<unsigned char>(re_[pos_]);
    const size_t len = b >= 0xc0 ? (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2) : 1;
    pos_ = std::min(re_.size(), pos_ + len);
    *wide = *wide || len > 1;
    return len > 1 ? 0x80 : b;  // any non-ASCII character is above '\n'
  }

  // [...]: one character; newline if '\n' is in the set.
  Shape Class() {
    ++pos_;  // '['
    bool negated = false;
    if (Peek() == '^') {
      negated = true;
      ++pos_;
    }
    bool has_nl = false, wide = false, first = true;
    while (!failed_ && !AtEnd() && (Peek() != ']' || first)) {
      first = false;
      if (Peek() == '[' && Peek(1) == ':') {
        const size_t close = re_.find(":]", pos_ + 2);
        if (close == std::string_view::npos) return Fail(), Shape{};
        std::string_view name = re_.substr(pos_ + 2, close - pos_ - 2);
        bool neg = false;
        if (!name.empty() && name[0] == '^') {
          neg = true;
          name.remove_prefix(1);
        }
        const bool nl = name == "space" || name == "cntrl";
        has_nl = has_nl || (neg ? !nl : nl);
        pos_ = close + 2;
        continue;
      }
      const std::optional<uint32_t> lo = ClassChar(&has_nl, &wide);
      if (!lo) continue;
      if (Peek() == '-' && Peek(1) != ']' && pos_ + 1 < re_.size()) {
        ++pos_;
        const std::optional<uint32_t> hi = ClassChar(&has_nl, &wide);
        if (!hi) return Fail(), Shape{};
        if (*lo <= '\n' && *hi >= '\n') has_nl = true;
      } else if (*lo == '\n') {
        has_nl = true;
      }
    }
    if (failed_ || AtEnd()) return Fail(), Shape{};
    ++pos_;  // ']'
    return Width(wide || negated ? 4 : 1, negated ? !has_nl : has_nl);
  }

  bool Fail() {
    failed_ = true;
    pos_ = re_.size();
    return false;
  }

  std::string_view re_;
  size_t pos_ = 0;
  bool failed_ = false;
};

struct CompiledAllowlist {
  Condition condition = Condition::kOr;
  RegexTarget target = RegexTarget::kSecret;
  bool has_commits = false;
  std::unique_ptr<RE2> regexes;
  std::unique_ptr<RE2> paths;
  std::vector<std::string> stopwords;  // lower-case

  bool PathAllowed(std::string_view path) const {
    return paths != nullptr && !path.empty() && RE2::PartialMatch(path, *paths);
  }
  bool RegexAllowed(std::string_view target_text) const {
    return regexes != nullptr && !target_text.empty() && RE2::PartialMatch(target_text, *regexes);
  }
  bool HasStopword(std::string_view secret) const {
    if (stopwords.empty() || secret.empty()) return false;
    const std::string lower = LowerAscii(secret);
    for (const std::string& w : stopwords) {
      if (lower.find(w) != std::string::npos) return true;
    }
    return false;
  }
  // gitleaks checkCommitOrPathAllowed for one allowlist (Custody scans no commits).
  bool SkipsObject(std::string_view path) const {
    if (path.empty()) return false;
    if (condition == Condition::kOr) return PathAllowed(path);
    if (regexes != nullptr || !stopwords.empty()) return false;  // decided per finding
    if (has_commits) return false;
    return paths != nullptr && PathAllowed(path);
  }
  // gitleaks checkFindingAllowed for one allowlist.
  bool AllowsFinding(std::string_view secret, std::string_view match, std::string_view line,
                     std::string_view path) const {
    const std::string_view t = target == RegexTarget::kMatch  ? match
                               : target == RegexTarget::kLine ? line
                                                              : secret;
    if (condition == Condition::kOr) return RegexAllowed(t) || HasStopword(secret);
    if (has_commits) return false;
    if (paths != nullptr && !PathAllowed(path)) return false;
    if (regexes != nullptr && !RegexAllowed(t)) return false;
    if (!stopwords.empty() && !HasStopword(secret)) return false;
    return true;
  }
};

Result<CompiledAllowlist> CompileAllowlist(const Allowlist& a, const std::string& owner) {
  CompiledAllowlist c;
  c.condition = a.condition;
  c.target = a.regex_target;
  c.has_commits = !a.commits.empty();
  for (const std::string& w : a.stopwords) c.stopwords.push_back(LowerAscii(w));
  c.regexes = JoinRegexes(a.regexes);
  c.paths = JoinRegexes(a.paths);
  if (c.regexes != nullptr && !c.regexes->ok()) {
    return InvalidArgument(owner + ": allowlist regex rejected by RE2: " + c.regexes->error());
  }
  if (c.paths != nullptr && !c.paths->ok()) {
    return InvalidArgument(owner + ": allowlist path rejected by RE2: " + c.paths->error());
  }
  if (!c.has_commits && c.paths == nullptr && c.regexes == nullptr && c.stopwords.empty()) {
    return InvalidArgument(owner + ": an allowlist must contain at least one check");
  }
  return c;
}

enum class Kind : uint8_t { kRule, kPii, kTerm, kKeyword };

struct PatternInfo {
  Kind kind;
  uint32_t index;   // rule, PII detector, term or keyword index
  uint64_t window;  // bytes before a hit that a match can start at (rules and PII), at most;
                    // the length of a term or keyword
  // Line-bounded windows (see RegexShape): for runs > 0, `bounded` is B and the window start is
  // found by `runs` hops back from the hit, capped at `window`.
  uint64_t runs = 0;
  uint64_t bounded = 0;
};

struct CompiledRule {
  Rule rule;
  std::unique_ptr<RE2> regex;  // null for path-only rules
  std::unique_ptr<RE2> path;
  std::vector<CompiledAllowlist> allowlists;
  std::vector<uint32_t> keywords;  // keyword indices
  bool any_keyword = false;        // an empty keyword: always present
  bool generic = false;            // id contains "generic" (gitleaks' filter)
  bool fallback = false;           // scanned by RE2 alone (Hyperscan rejected the regex)
  bool near_keywords = false;      // in its own database, scanned only near its keywords
  uint64_t window = kUnboundedWidth;
  std::vector<std::pair<uint32_t, RequiredRule>> required;
  bool required_by_other = false;
};

struct CompiledPii {
  const PiiDetector* detector;
  std::unique_ptr<RE2> regex;
  uint64_t window = kUnboundedWidth;
};

struct CompiledTerm {
  uint32_t dictionary;
  std::string term;
  bool word_start;  // the term begins with a word character: a boundary is required before it
  bool word_end;
};

// A confirmed match, before gitleaks' finding-level filters that need the whole text
// (keywords, composite rules, the generic filter).
struct Candidate {
  Kind kind = Kind::kRule;
  uint32_t index = 0;  // rule, PII detector or dictionary
  bool path_only = false;
  uint64_t match_start = 0, match_end = 0;
  uint64_t secret_start = 0, secret_end = 0;
  uint32_t line = 0, column = 0;  // of secret_start
  uint32_t match_line = 0, match_column = 0;
  std::string secret;
  std::string redacted;
  double entropy = -1;  // computed when a rule has a threshold, else in Finalize
};

struct OpenRegion {
  uint64_t start = 0, end = 0;
  bool open = false;
};

struct PendingRegion {
  uint32_t pattern;
  uint64_t start, end;
};

// Where the keywords occur: per keyword, the sorted blocks holding an occurrence's first byte.
class KeywordIndex {
 public:
  void Reset(size_t nkeywords) {
    for (uint32_t k : used_) blocks_[k].clear();
    used_.clear();
    blocks_.resize(nkeywords);
    everywhere_.assign(nkeywords, 0);
    total_ = 0;
  }

  void Add(uint32_t k, uint64_t start) {
    if (everywhere_[k]) return;
    const uint64_t b = start >> kKeywordBlockShift;
    std::vector<uint64_t>& v = blocks_[k];
    if (!v.empty() && v.back() >= b) return;  // occurrences arrive in order of their end
    if (total_ >= kMaxKeywordBlocks) {
      everywhere_[k] = 1;
      return;
    }
    if (v.empty()) used_.push_back(k);
    v.push_back(b);
    ++total_;
  }

  // Whether one of `keywords` occurs within kKeywordReach bytes of [start, end).
  bool Near(const std::vector<uint32_t>& keywords, uint64_t start, uint64_t end) const {
    const uint64_t lo = (start > kKeywordReach ? start - kKeywordReach : 0) >> kKeywordBlockShift;
    const uint64_t hi = (end + kKeywordReach) >> kKeywordBlockShift;
    for (uint32_t k : keywords) {
      if (everywhere_[k]) return true;
      const std::vector<uint64_t>& v = blocks_[k];
      const auto it = std::lower_bound(v.begin(), v.end(), lo);
      if (it != v.end() && *it <= hi) return true;
    }
    return false;
  }

  bool Any(const std::vector<uint32_t>& keywords) const {
    for (uint32_t k : keywords) {
      if (everywhere_[k] || !blocks_[k].empty()) return true;
    }
    return false;
  }

  // The byte ranges of a text of `size` bytes that can hold a match (of at most `width` bytes)
  // within reach of one of `keywords`, merged and in order.
  std::vector<std::pair<uint64_t, uint64_t>> Ranges(const std::vector<uint32_t>& keywords,
                                                    uint64_t width, uint64_t size) const {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    std::vector<uint64_t> blocks;
    for (uint32_t k : keywords) {
      if (everywhere_[k]) return {{0, size}};
      blocks.insert(blocks.end(), blocks_[k].begin(), blocks_[k].end());
    }
    std::sort(blocks.begin(), blocks.end());
    const uint64_t reach = kKeywordReach + width + kWindowSlack;
    for (uint64_t b : blocks) {
      const uint64_t from = b << kKeywordBlockShift;
      const uint64_t lo = from > reach ? from - reach : 0;
      const uint64_t hi = std::min(size, from + (uint64_t{1} << kKeywordBlockShift) + reach);
      if (!out.empty() && lo <= out.back().second) {
        out.back().second = std::max(out.back().second, hi);
      } else if (lo < hi) {
        out.emplace_back(lo, hi);
      }
    }
    return out;
  }

 private:
  std::vector<std::vector<uint64_t>> blocks_;
  std::vector<uint8_t> everywhere_;
  std::vector<uint32_t> used_;  // keywords with blocks, to reset only those
  size_t total_ = 0;
};

// Collects Hyperscan's reports. The callback does O(1) work and allocates nothing beyond vector
// growth: hits of a pattern whose windows overlap extend one open region.
struct HitCollector {
  const std::vector<PatternInfo>* patterns = nullptr;
  std::string_view text;  // the bytes being scanned, from absolute offset `base`
  uint64_t base = 0;
  std::vector<OpenRegion> open;   // per pattern
  std::vector<uint32_t> touched;  // patterns with an open region
  std::vector<PendingRegion> closed;
  std::vector<std::pair<uint32_t, uint64_t>> term_hits;  // (pattern, end)
  KeywordIndex keywords;
  uint64_t shift = 0;  // added to Hyperscan's offsets (a scan of text[shift, ...))
  uint64_t overflow = 0;

  void Reset(const std::vector<PatternInfo>* p, size_t nkeywords) {
    patterns = p;
    if (open.size() != p->size()) {
      open.assign(p->size(), OpenRegion{});
    } else {
      for (uint32_t t : touched) open[t] = OpenRegion{};
    }
    touched.clear();
    closed.clear();
    term_hits.clear();
    keywords.Reset(nkeywords);
    shift = 0;
    overflow = 0;
  }

  void OnHit(uint32_t id, uint64_t end) {
    const PatternInfo& info = (*patterns)[id];
    switch (info.kind) {
      case Kind::kKeyword:
        keywords.Add(info.index, end - info.window);
        return;
      case Kind::kTerm:
        if (term_hits.size() < kMaxCandidates) {
          term_hits.emplace_back(id, end);
        } else {
          ++overflow;
        }
        return;
      case Kind::kRule:
      case Kind::kPii:
        break;
    }
    const uint64_t start = WindowStart(info, end);
    OpenRegion& r = open[id];
    if (!r.open) {
      r = {start, end, true};
      touched.push_back(id);
    } else if (start <= r.end && end >= r.start) {
      r.start = std::min(r.start, start);
      r.end = std::max(r.end, end);
    } else {
      if (closed.size() < kMaxRegions) {
        closed.push_back({id, r.start, r.end});
      } else {
        ++overflow;
      }
      r = {start, end, true};
    }
  }

  // The earliest offset a match ending at `end` can start at.
  uint64_t WindowStart(const PatternInfo& info, uint64_t end) const {
    const uint64_t floor = std::max(base, end > info.window ? end - info.window : 0);
    if (info.runs == 0) return floor;
    uint64_t x = end;
    for (uint64_t hop = 0; hop < info.runs; ++hop) {
      if (x <= floor + info.bounded) return floor;
      const uint64_t y = std::min<uint64_t>(x - info.bounded, base + text.size());
      const char* from = text.data() + (floor - base);
      const void* nl = memrchr(from, '\n', y - floor);
      if (nl == nullptr) return floor;
      x = floor + static_cast<uint64_t>(static_cast<const char*>(nl) - from) + 1;
    }
    return x > floor + info.bounded ? x - info.bounded : floor;
  }

  void CloseAll() {
    for (uint32_t t : touched) {
      if (open[t].open) closed.push_back({t, open[t].start, open[t].end});
      open[t] = OpenRegion{};
    }
    touched.clear();
  }
};

int OnHsMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
              unsigned int /*flags*/, void* ctx) {
  auto* hits = static_cast<HitCollector*>(ctx);
  hits->OnHit(id, to + hits->shift);
  return 0;
}

// Sorts regions by (pattern, start) and merges the ones of a pattern that overlap or touch.
void MergeRegions(std::vector<PendingRegion>& regions) {
  std::sort(regions.begin(), regions.end(), [](const PendingRegion& a, const PendingRegion& b) {
    return a.pattern != b.pattern ? a.pattern < b.pattern : a.start < b.start;
  });
  size_t out = 0;
  for (size_t i = 0; i < regions.size(); ++i) {
    if (out > 0 && regions[out - 1].pattern == regions[i].pattern &&
        regions[i].start <= regions[out - 1].end) {
      regions[out - 1].end = std::max(regions[out - 1].end, regions[i].end);
    } else {
      regions[out++] = regions[i];
    }
  }
  regions.resize(out);
}

// Bytes of the scanned text held in memory: all of it for Scan, a rolling tail for a stream.
struct TextView {
  std::string_view buf;
  uint64_t base = 0;          // absolute offset of buf[0]
  bool at_end = true;         // buf ends where the text ends
  uint64_t lines_before = 0;  // '\n' bytes before base
  int64_t last_newline = -1;  // absolute offset of the last '\n' before base, -1 if none
  uint64_t end() const { return base + buf.size(); }
};

// Fills line and column (1-based) of the candidates from index `first` on.
void AssignLines(const TextView& v, std::vector<Candidate>& cands, size_t first) {
  if (first >= cands.size()) return;
  std::vector<std::pair<uint64_t, std::pair<size_t, bool>>> pos;  // (offset, (cand, is_match))
  for (size_t i = first; i < cands.size(); ++i) {
    if (cands[i].path_only) continue;
    pos.push_back({cands[i].secret_start, {i, false}});
    pos.push_back({cands[i].match_start, {i, true}});
  }
  std::sort(pos.begin(), pos.end());
  uint64_t lines = v.lines_before;
  int64_t last_nl = v.last_newline;
  uint64_t cursor = v.base;
  for (const auto& [offset, which] : pos) {
    const uint64_t target = std::clamp<uint64_t>(offset, v.base, v.end());
    if (cursor < target) {
      const char* from = v.buf.data() + (cursor - v.base);
      const size_t n = static_cast<size_t>(target - cursor);
      lines += static_cast<uint64_t>(std::count(from, from + n, '\n'));
      if (const void* nl = memrchr(from, '\n', n); nl != nullptr) {
        last_nl = static_cast<int64_t>(cursor) + (static_cast<const char*>(nl) - from);
      }
      cursor = target;
    }
    const uint64_t line = lines + 1;
    const uint64_t column = offset - static_cast<uint64_t>(last_nl + 1) + 1;
    const auto clamp32 = [](uint64_t x) {
      return static_cast<uint32_t>(std::min<uint64_t>(x, std::numeric_limits<uint32_t>::max()));
    };
    Candidate& c = cands[which.first];
    if (which.second) {
      c.match_line = clamp32(line);
      c.match_column = clamp32(column);
    } else {
      c.line = clamp32(line);
      c.column = clamp32(column);
    }
  }
}

class ScannerImpl;

// Per-scan (or per-stream) state: the candidates found so far and the reusable RE2 group slots.
struct Work {
  const ScannerImpl* scanner = nullptr;
  std::string path;
  std::vector<uint8_t> active;  // per rule: neither its path nor an allowlist excludes the object
  bool globally_allowed = false;
  std::vector<uint8_t> needed;  // per rule: confirm its hits
  std::vector<Candidate> candidates;
  std::vector<re2::StringPiece> groups;
  uint64_t dropped = 0;

  void Add(Candidate c) {
    if (candidates.size() < kMaxCandidates) {
      candidates.push_back(std::move(c));
    } else {
      ++dropped;
    }
  }
};

struct ScratchSlot {
  hs_scratch_t* scratch = nullptr;
  HitCollector hits;
  ~ScratchSlot() {
    if (scratch != nullptr) hs_free_scratch(scratch);
  }
};

class ScannerImpl final : public Scanner {
 public:
  ~ScannerImpl() override {
    if (block_db_ != nullptr) hs_free_database(block_db_);
    if (stream_db_ != nullptr) hs_free_database(stream_db_);
    for (const NearKeywords& n : near_keywords_) hs_free_database(n.db);
    if (proto_scratch_ != nullptr) hs_free_scratch(proto_scratch_);
  }

  static Result<std::unique_ptr<Scanner>> Build(const RuleSet& rules, ScannerOptions options);

  Result<ScanResult> Scan(std::string_view text, std::string_view path) const override;
  std::unique_ptr<ScanStream> OpenStream(std::string_view path) const override;
  size_t rule_count() const override { return rules_.size(); }
  size_t pattern_count() const override { return patterns_.size(); }
  const std::vector<std::string>& fallback_rules() const override { return fallback_ids_; }

  // --- used by the scan and stream implementations ---
  Status Prepare(Work& w, std::string_view path) const;
  std::unique_ptr<ScratchSlot> AcquireScratch() const;
  void ReleaseScratch(std::unique_ptr<ScratchSlot> slot) const;
  hs_database_t* stream_db() const { return stream_db_; }
  const std::vector<PatternInfo>& patterns() const { return patterns_; }
  size_t keyword_count() const { return keywords_.size(); }
  const std::vector<CompiledRule>& rules() const { return rules_; }
  const std::vector<uint32_t>& fallback() const { return fallback_; }

  // Runs RE2 leftmost-first over [start, end) (absolute; within v) for pattern `p` and turns each
  // match into a candidate.
  void ConfirmRegion(Work& w, const TextView& v, uint32_t pattern, uint64_t start, uint64_t end,
                     uint64_t accept_before = std::numeric_limits<uint64_t>::max(),
                     uint64_t* last_end = nullptr) const;
  void ConfirmRule(Work& w, const TextView& v, uint32_t rule, uint64_t start, uint64_t end,
                   uint64_t accept_before, uint64_t* last_end) const;
  void CheckTerm(Work& w, const TextView& v, uint32_t pattern, uint64_t end) const;
  // `keywords`: where the rules' keywords occur in the text.
  Result<ScanResult> Finalize(Work& w, const KeywordIndex& keywords, uint64_t bytes) const;
  // Whether a rule with keywords reports a match at [start, end) (a rule without any always
  // does).
  bool KeywordGate(const KeywordIndex& keywords, uint32_t rule, uint64_t start, uint64_t end) const;

 private:
  ScannerImpl() = default;

  std::vector<CompiledRule> rules_;
  std::vector<CompiledAllowlist> global_allowlists_;
  std::vector<CompiledPii> pii_;
  std::vector<CompiledTerm> terms_;
  std::vector<std::string> keywords_;
  std::vector<PatternInfo> patterns_;
  std::vector<uint32_t> fallback_;  // rules scanned by RE2 alone
  std::vector<std::string> fallback_ids_;
  std::vector<std::string> dictionary_ids_;  // "dictionary:<name>" per dictionary
  ScannerOptions options_;
  hs_database_t* block_db_ = nullptr;
  hs_database_t* stream_db_ = nullptr;
  // Rules scanned only near their keywords (kMinAtomLength), each in its own block database.
  struct NearKeywords {
    uint32_t rule;
    uint32_t pattern;
    hs_database_t* db;
  };
  std::vector<NearKeywords> near_keywords_;
  hs_scratch_t* proto_scratch_ = nullptr;
  std::vector<uint8_t> active_no_path_;

  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<ScratchSlot>> pool_;  // GUARDED_BY(pool_mu_)
};

// --- Compilation ---

struct HsPattern {
  std::string expression;
  unsigned int flags;
  PatternInfo info;
  int rule = -1;  // the rule it belongs to, for fallback
};

// Compiles the patterns pats[i] for i in `which` in `mode`, each with its index in `pats` as its
// id; on a pattern-level error returns that index in `failed`.
Result<hs_database_t*> CompileHs(const std::vector<HsPattern>& pats,
                                 const std::vector<size_t>& which, unsigned int mode, int* failed,
                                 std::string* message) {
  std::vector<const char*> exprs;
  std::vector<unsigned int> flags, ids;
  for (size_t i : which) {
    exprs.push_back(pats[i].expression.c_str());
    flags.push_back(pats[i].flags);
    ids.push_back(static_cast<unsigned int>(i));
  }
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  const hs_error_t rc =
      hs_compile_multi(exprs.data(), flags.data(), ids.data(),
                       static_cast<unsigned int>(exprs.size()), mode, nullptr, &db, &err);
  if (rc != HS_SUCCESS) {
    *failed = err != nullptr && err->expression >= 0 &&
                      static_cast<size_t>(err->expression) < which.size()
                  ? static_cast<int>(which[static_cast<size_t>(err->expression)])
                  : -1;
    *message = err != nullptr && err->message != nullptr ? err->message : "unknown error";
    if (err != nullptr) hs_free_compile_error(err);
    return Internal("Hyperscan: " + *message);
  }
  *failed = -1;
  return db;
}

// Maximum match width in bytes per hs_expression_info, or nullopt if Hyperscan rejects the
// expression.
std::optional<uint64_t> HsWidth(const std::string& expr, unsigned int flags, std::string* why) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_expression_info(expr.c_str(), flags, &info, &err) != HS_SUCCESS) {
    *why = err != nullptr && err->message != nullptr ? err->message : "rejected";
    if (err != nullptr) hs_free_compile_error(err);
    return std::nullopt;
  }
  const unsigned int max_width = info->max_width;
  const bool empty = info->min_width == 0;
  std::free(info);
  if (empty) {
    *why = "matches the empty string";
    return std::nullopt;
  }
  if (max_width == UINT_MAX || max_width + kWindowSlack > kUnboundedWidth) return kUnboundedWidth;
  return uint64_t{max_width} + kWindowSlack;
}

Result<std::unique_ptr<Scanner>> ScannerImpl::Build(const RuleSet& set, ScannerOptions options) {
  if (sodium_init() < 0) return Internal("libsodium failed to initialise");
  std::unique_ptr<ScannerImpl> s(new ScannerImpl());
  s->options_ = std::move(options);
  const ScannerOptions& opts = s->options_;

  std::unordered_map<std::string, uint32_t> keyword_index;
  std::unordered_map<std::string, uint32_t> rule_index;
  if (opts.secrets) {
    for (const Rule& r : set.rules) {
      if (!rule_index.emplace(r.id, static_cast<uint32_t>(s->rules_.size())).second) {
        return InvalidArgument("rule " + r.id + ": id used twice");
      }
      CompiledRule c;
      c.rule = r;
      if (r.regex.empty() && r.path.empty()) {
        return InvalidArgument("rule " + r.id + ": neither regex nor path");
      }
      if (!r.regex.empty()) {
        c.regex = CompileRe2(r.regex);
        if (!c.regex->ok()) {
          return InvalidArgument("rule " + r.id + ": regex rejected by RE2: " + c.regex->error());
        }
        if (r.secret_group < 0 || r.secret_group > c.regex->NumberOfCapturingGroups()) {
          return InvalidArgument("rule " + r.id + ": secretGroup " +
                                 std::to_string(r.secret_group) + " exceeds the regex's groups");
        }
      }
      if (!r.path.empty()) {
        c.path = CompileRe2(r.path);
        if (!c.path->ok()) {
          return InvalidArgument("rule " + r.id + ": path rejected by RE2: " + c.path->error());
        }
      }
      for (const Allowlist& a : r.allowlists) {
        ASSIGN_OR_RETURN(CompiledAllowlist ca, CompileAllowlist(a, "rule " + r.id));
        c.allowlists.push_back(std::move(ca));
      }
      for (const std::string& k : r.keywords) {
        const std::string lk = LowerAscii(k);
        if (lk.empty()) {
          c.any_keyword = true;
          continue;
        }
        auto [it, inserted] = keyword_index.emplace(lk, static_cast<uint32_t>(s->keywords_.size()));
        if (inserted) s->keywords_.push_back(lk);
        c.keywords.push_back(it->second);
      }
      c.generic = LowerAscii(r.id).find("generic") != std::string::npos;
      s->rules_.push_back(std::move(c));
    }
    for (CompiledRule& c : s->rules_) {
      for (const RequiredRule& rr : c.rule.required) {
        auto it = rule_index.find(rr.id);
        if (it == rule_index.end()) {
          return InvalidArgument("rule " + c.rule.id + ": required rule " + rr.id +
                                 " does not exist");
        }
        c.required.emplace_back(it->second, rr);
      }
    }
    for (CompiledRule& c : s->rules_) {
      for (const auto& [idx, rr] : c.required) s->rules_[idx].required_by_other = true;
    }
    for (const Allowlist& a : set.allowlists) {
      ASSIGN_OR_RETURN(CompiledAllowlist ca, CompileAllowlist(a, "global allowlist"));
      s->global_allowlists_.push_back(std::move(ca));
    }
  }

  // The Hyperscan patterns: rule regexes, PII candidates, dictionary terms, keywords.
  std::vector<HsPattern> pats;
  for (size_t i = 0; i < s->rules_.size(); ++i) {
    CompiledRule& c = s->rules_[i];
    if (c.regex == nullptr) continue;
    std::string why;
    const std::optional<uint64_t> width = HsWidth(c.rule.regex, 0, &why);
    if (!width) {
      c.fallback = true;
      continue;
    }
    c.window = *width;
    PatternInfo info{Kind::kRule, static_cast<uint32_t>(i), c.window};
    if (c.window == kUnboundedWidth) {
      const std::optional<Shape> shape = RegexShape(c.rule.regex).Parse();
      if (shape && !shape->unsafe && shape->runs > 0 && shape->runs <= 8) {
        info.runs = shape->runs;
        info.bounded = SatAdd(shape->bounded, kWindowSlack);
      }
    }
    pats.push_back({c.rule.regex, 0, info, static_cast<int>(i)});
  }
  if (opts.pii) {
    for (const PiiDetector& d : PiiDetectors()) {
      CompiledPii p{&d, CompileRe2(d.pattern)};
      if (!p.regex->ok()) return Internal(d.id + ": pattern rejected by RE2");
      std::string why;
      const std::optional<uint64_t> width = HsWidth(d.pattern, 0, &why);
      if (!width) return Internal(d.id + ": pattern rejected by Hyperscan: " + why);
      p.window = *width;
      pats.push_back(
          {d.pattern, 0, {Kind::kPii, static_cast<uint32_t>(s->pii_.size()), p.window}, -1});
      s->pii_.push_back(std::move(p));
    }
  }
  for (size_t di = 0; di < opts.dictionaries.size(); ++di) {
    const Dictionary& d = opts.dictionaries[di];
    if (d.name.empty()) return InvalidArgument("a dictionary needs a name");
    s->dictionary_ids_.push_back("dictionary:" + d.name);
    std::unordered_set<std::string> seen;
    for (const std::string& t : d.terms) {
      if (t.size() < 2 || t.size() > 256) {
        return InvalidArgument("dictionary " + d.name + ": a term must be 2 to 256 bytes");
      }
      if (!seen.insert(LowerAscii(t)).second) continue;
      CompiledTerm ct{static_cast<uint32_t>(di), t,
                      IsWordByte(static_cast<unsigned char>(t.front())),
                      IsWordByte(static_cast<unsigned char>(t.back()))};
      pats.push_back({EscapeLiteral(t),
                      HS_FLAG_CASELESS,
                      {Kind::kTerm, static_cast<uint32_t>(s->terms_.size()), t.size()},
                      -1});
      s->terms_.push_back(std::move(ct));
    }
  }
  for (size_t k = 0; k < s->keywords_.size(); ++k) {
    pats.push_back({EscapeLiteral(s->keywords_[k]),
                    HS_FLAG_CASELESS,
                    {Kind::kKeyword, static_cast<uint32_t>(k), s->keywords_[k].size()},
                    -1});
  }

  // Rules scanned only near their keywords: those with keywords (all of them gating: none empty)
  // whose regex has no required literal, unless a composite rule needs them everywhere.
  {
    re2::FilteredRE2 filter(kMinAtomLength);
    std::vector<uint32_t> added;
    for (const HsPattern& p : pats) {
      if (p.rule < 0) continue;
      const CompiledRule& c = s->rules_[static_cast<size_t>(p.rule)];
      if (c.keywords.empty() || c.any_keyword || c.required_by_other) continue;
      int id = 0;
      RE2::Options o;
      o.set_log_errors(false);
      if (filter.Add(c.rule.regex, o, &id) != RE2::NoError) continue;
      added.push_back(static_cast<uint32_t>(p.rule));
    }
    if (!added.empty()) {
      std::vector<std::string> atoms;
      filter.Compile(&atoms);
      std::vector<int> unfiltered;
      filter.AllPotentials({}, &unfiltered);
      for (int id : unfiltered) s->rules_[added[static_cast<size_t>(id)]].near_keywords = true;
    }
  }

  // The databases: block mode with everything but the near-keyword rules, stream mode with
  // everything, and one block database per near-keyword rule. A rule regex Hyperscan rejects
  // falls back to RE2 alone.
  while (!pats.empty()) {
    int failed = -1;
    std::string message;
    std::vector<size_t> block_which, stream_which, near_which;
    for (size_t j = 0; j < pats.size(); ++j) {
      stream_which.push_back(j);
      const bool near =
          pats[j].rule >= 0 && s->rules_[static_cast<size_t>(pats[j].rule)].near_keywords;
      (near ? near_which : block_which).push_back(j);
    }
    hs_database_t* block = nullptr;
    hs_database_t* stream = nullptr;
    std::vector<NearKeywords> near_dbs;
    bool ok = true;
    if (!block_which.empty()) {
      auto b = CompileHs(pats, block_which, HS_MODE_BLOCK, &failed, &message);
      ok = b.ok();
      if (ok) block = *b;
    }
    if (ok) {
      auto st = CompileHs(pats, stream_which, HS_MODE_STREAM, &failed, &message);
      ok = st.ok();
      if (ok) stream = *st;
    }
    for (size_t j : near_which) {
      if (!ok) break;
      auto n = CompileHs(pats, {j}, HS_MODE_BLOCK, &failed, &message);
      ok = n.ok();
      if (ok) {
        near_dbs.push_back({static_cast<uint32_t>(pats[j].rule), static_cast<uint32_t>(j), *n});
      }
    }
    if (ok) {
      s->block_db_ = block;
      s->stream_db_ = stream;
      s->near_keywords_ = std::move(near_dbs);
      break;
    }
    if (block != nullptr) hs_free_database(block);
    if (stream != nullptr) hs_free_database(stream);
    for (const NearKeywords& n : near_dbs) hs_free_database(n.db);
    if (failed < 0 || static_cast<size_t>(failed) >= pats.size()) {
      return Internal("Hyperscan could not compile the scanner's database: " + message);
    }
    const HsPattern& bad = pats[static_cast<size_t>(failed)];
    if (bad.rule < 0) {
      if (bad.info.kind == Kind::kTerm) {
        return InvalidArgument("dictionary term rejected by Hyperscan: " + message);
      }
      return Internal("Hyperscan rejected a built-in pattern: " + message);
    }
    s->rules_[static_cast<size_t>(bad.rule)].fallback = true;
    s->rules_[static_cast<size_t>(bad.rule)].near_keywords = false;
    pats.erase(pats.begin() + failed);
  }

  for (const HsPattern& p : pats) s->patterns_.push_back(p.info);
  for (size_t i = 0; i < s->rules_.size(); ++i) {
    if (s->rules_[i].fallback) {
      s->rules_[i].window = kUnboundedWidth;
      s->fallback_.push_back(static_cast<uint32_t>(i));
      s->fallback_ids_.push_back(s->rules_[i].rule.id);
    }
  }
  std::vector<hs_database_t*> dbs = {s->block_db_, s->stream_db_};
  for (const NearKeywords& n : s->near_keywords_) dbs.push_back(n.db);
  for (hs_database_t* db : dbs) {
    if (db != nullptr && hs_alloc_scratch(db, &s->proto_scratch_) != HS_SUCCESS) {
      return Internal("Hyperscan: cannot allocate scratch space");
    }
  }
  Work w;
  w.scanner = s.get();
  RETURN_IF_ERROR(s->Prepare(w, {}));
  s->active_no_path_ = w.active;
  return std::unique_ptr<Scanner>(std::move(s));
}

std::unique_ptr<ScratchSlot> ScannerImpl::AcquireScratch() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!pool_.empty()) {
      auto slot = std::move(pool_.back());
      pool_.pop_back();
      return slot;
    }
  }
  auto slot = std::make_unique<ScratchSlot>();
  if (proto_scratch_ != nullptr && hs_clone_scratch(proto_scratch_, &slot->scratch) != HS_SUCCESS) {
    return nullptr;
  }
  return slot;
}

void ScannerImpl::ReleaseScratch(std::unique_ptr<ScratchSlot> slot) const {
  if (slot == nullptr) return;
  std::lock_guard<std::mutex> lock(pool_mu_);
  pool_.push_back(std::move(slot));
}

// gitleaks Detect's object-level checks: global allowlists' paths, then per rule its
// allowlists' paths and its own `path`.
Status ScannerImpl::Prepare(Work& w, std::string_view path) const {
  w.scanner = this;
  w.path = std::string(path);
  w.globally_allowed = false;
  if (path.empty() && active_no_path_.size() == rules_.size()) {
    w.active = active_no_path_;
  } else {
    for (const CompiledAllowlist& a : global_allowlists_) {
      if (a.SkipsObject(path)) w.globally_allowed = true;
    }
    w.active.assign(rules_.size(), 0);
    for (size_t i = 0; i < rules_.size(); ++i) {
      const CompiledRule& r = rules_[i];
      bool on = !w.globally_allowed;
      for (const CompiledAllowlist& a : r.allowlists) {
        if (on && a.SkipsObject(path)) on = false;
      }
      // A rule with both a path and a regex only applies to matching paths.
      if (on && r.path != nullptr && r.regex != nullptr && !RE2::PartialMatch(path, *r.path)) {
        on = false;
      }
      w.active[i] = on ? 1 : 0;
    }
  }
  // Per rule: whether its hits can matter (reported, or needed by a composite rule). Keyword
  // gating is per match: Scan decides it per region before RE2, streams (which cannot know the
  // keywords still to come) in Finalize.
  w.needed.assign(rules_.size(), 0);
  for (size_t i = 0; i < rules_.size(); ++i) {
    w.needed[i] = w.active[i] && (!rules_[i].rule.skip_report || rules_[i].required_by_other);
  }
  return OkStatus();
}

// Whether the bare digit run buf[ms, me), which passed the card validator, is plainly something
// else: the fraction or integer part of a decimal number ("0.4000000000000002" in a ComfyUI
// workflow), or a generator's seed (after "seed": ComfyUI "noise_seed": ..., A1111 "Seed: ...";
// or before ComfyUI's control_after_generate value: [82628696717253, "randomize", ...]). A tenth
// of such numbers pass Luhn.
bool BareDigitsAreNotACard(std::string_view buf, size_t ms, size_t me) {
  const auto digit = [&](size_t i) { return i < buf.size() && buf[i] >= '0' && buf[i] <= '9'; };
  if (ms >= 2 && buf[ms - 1] == '.' && digit(ms - 2)) return true;
  if (me + 1 < buf.size() && buf[me] == '.' && digit(me + 1)) return true;
  const size_t from = ms >= 32 ? ms - 32 : 0;
  std::string_view before = buf.substr(from, ms - from);
  if (const size_t nl = before.rfind('\n'); nl != std::string_view::npos) {
    before.remove_prefix(nl + 1);
  }
  if (LowerAscii(before).find("seed") != std::string::npos) return true;
  size_t k = me;
  while (k < buf.size() && k - me < 4 && (buf[k] == ',' || buf[k] == ' ' || buf[k] == '"')) ++k;
  const std::string_view after = buf.substr(k, std::min<size_t>(9, buf.size() - k));
  for (std::string_view control : {"randomize", "fixed", "increment", "decrement"}) {
    if (after.substr(0, control.size()) == control) return true;
  }
  return false;
}

void ScannerImpl::ConfirmRegion(Work& w, const TextView& v, uint32_t pattern, uint64_t start,
                                uint64_t end, uint64_t accept_before, uint64_t* last_end) const {
  const PatternInfo& info = patterns_[pattern];
  if (info.kind == Kind::kRule) {
    ConfirmRule(w, v, info.index, start, end, accept_before, last_end);
    return;
  }
  // PII: the same leftmost-first walk, then the validator.
  const CompiledPii& p = pii_[info.index];
  const size_t lo = static_cast<size_t>(std::max(start, v.base) - v.base);
  const size_t hi = static_cast<size_t>(std::min(end, v.end()) - v.base);
  re2::StringPiece m;
  size_t pos = lo;
  const bool is_ip = p.detector->id == "pii-ip-address";
  const bool is_email = p.detector->id == "pii-email";
  const bool is_card = p.detector->id == "pii-credit-card";
  while (pos <= hi) {
    if (!p.regex->Match(v.buf, pos, hi, RE2::UNANCHORED, &m, 1)) break;
    const size_t ms = static_cast<size_t>(m.data() - v.buf.data());
    const size_t me = ms + m.size();
    if (me == ms) {
      pos = ms + 1;
      continue;
    }
    pos = me;
    const std::string_view text(m.data(), m.size());
    if (!p.detector->validate(text)) continue;
    if (is_ip && text.find(':') != std::string_view::npos && me < v.buf.size() &&
        (IsWordByte(static_cast<unsigned char>(v.buf[me])) || v.buf[me] == ':')) {
      continue;  // part of a longer token ("Cafe::brew")
    }
    if (is_ip && text.find('.') != std::string_view::npos &&
        text.find(':') == std::string_view::npos) {
      // Version numbers and longer dotted sequences (OIDs) are not addresses.
      const std::string_view before = v.buf.substr(ms >= 8 ? ms - 8 : 0, ms >= 8 ? 8 : ms);
      const std::string lb = LowerAscii(before);
      const size_t bl = lb.size();
      if (bl >= 1 && lb[bl - 1] == 'v') continue;
      if ((bl >= 7 && lb.compare(bl - 7, 7, "version") == 0) ||
          (bl >= 8 && lb.compare(bl - 8, 8, "version ") == 0)) {
        continue;
      }
      if (bl >= 2 && lb[bl - 1] == '.' && lb[bl - 2] >= '0' && lb[bl - 2] <= '9') continue;
      if (me + 1 < v.buf.size() && v.buf[me] == '.' && v.buf[me + 1] >= '0' &&
          v.buf[me + 1] <= '9') {
        continue;
      }
    }
    if (is_card &&
        std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) &&
        BareDigitsAreNotACard(v.buf, ms, me)) {
      continue;
    }
    if (is_email) {
      // "scheme://user:password@host" is a URL's user information, not an address.
      size_t k = ms;
      while (k > 0 && ms - k < 256 && !std::isspace(static_cast<unsigned char>(v.buf[k - 1])) &&
             v.buf[k - 1] != '"' && v.buf[k - 1] != '\'' && v.buf[k - 1] != '<') {
        --k;
      }
      if (v.buf.substr(k, ms - k).find("://") != std::string_view::npos) continue;
    }
    Candidate c;
    c.kind = Kind::kPii;
    c.index = info.index;
    c.match_start = c.secret_start = v.base + ms;
    c.match_end = c.secret_end = v.base + me;
    c.secret = std::string(text);
    c.redacted = PiiShape(text, is_email);
    w.Add(std::move(c));
  }
}

void ScannerImpl::ConfirmRule(Work& w, const TextView& v, uint32_t index, uint64_t start,
                              uint64_t end, uint64_t accept_before, uint64_t* last_end) const {
  const CompiledRule& r = rules_[index];
  const RE2& re = *r.regex;
  const size_t ngroups = static_cast<size_t>(re.NumberOfCapturingGroups()) + 1;
  if (w.groups.size() < ngroups) w.groups.resize(ngroups);
  const size_t lo = static_cast<size_t>(std::max(start, v.base) - v.base);
  const size_t hi = static_cast<size_t>(std::min(end, v.end()) - v.base);
  size_t pos = lo;
  while (pos <= hi) {
    if (!re.Match(v.buf, pos, hi, RE2::UNANCHORED, w.groups.data(), static_cast<int>(ngroups))) {
      break;
    }
    const re2::StringPiece whole = w.groups[0];
    size_t ms = static_cast<size_t>(whole.data() - v.buf.data());
    size_t me = ms + whole.size();
    if (v.base + ms >= accept_before) break;
    if (me == ms) {  // gitleaks would report an empty secret; nothing to protect
      pos = ms + 1;
      continue;
    }
    pos = me;
    if (last_end != nullptr) *last_end = v.base + me;
    // gitleaks trims newlines around the match (issue #1352).
    while (ms < me && v.buf[ms] == '\n') ++ms;
    while (me > ms && v.buf[me - 1] == '\n') --me;
    if (ms == me) continue;
    // The secret: secretGroup, else the first non-empty group, else the match.
    size_t ss = ms, se = me;
    const auto group_range = [&](size_t g, size_t* gs, size_t* ge) {
      const re2::StringPiece& sp = w.groups[g];
      if (sp.data() == nullptr || sp.empty()) return false;
      *gs = std::max(ms, static_cast<size_t>(sp.data() - v.buf.data()));
      *ge = std::min(me, static_cast<size_t>(sp.data() - v.buf.data()) + sp.size());
      return *gs < *ge;
    };
    if (ngroups > 1) {
      if (r.rule.secret_group > 0) {
        size_t gs = 0, ge = 0;
        if (group_range(static_cast<size_t>(r.rule.secret_group), &gs, &ge)) {
          ss = gs;
          se = ge;
        }
      } else {
        for (size_t g = 1; g < ngroups; ++g) {
          size_t gs = 0, ge = 0;
          if (group_range(g, &gs, &ge)) {
            ss = gs;
            se = ge;
            break;
          }
        }
      }
    }
    const std::string_view match = v.buf.substr(ms, me - ms);
    const std::string_view secret = v.buf.substr(ss, se - ss);
    // Entropy is computed here only for a threshold; Finalize computes it for what it reports.
    double entropy = -1;
    if (r.rule.entropy.has_value() && *r.rule.entropy != 0) {
      entropy = ShannonEntropy(secret);
      if (entropy <= *r.rule.entropy) continue;
    }
    // The line(s) holding the match, capped at kLineContext either side.
    const size_t line_floor = ms > kLineContext ? ms - kLineContext : 0;
    size_t ls = ms;
    while (ls > line_floor && v.buf[ls - 1] != '\n') --ls;
    const size_t line_ceil = std::min<size_t>(v.buf.size(), me + kLineContext);
    const void* nl = std::memchr(v.buf.data() + me, '\n', line_ceil - me);
    const size_t le = nl != nullptr
                          ? static_cast<size_t>(static_cast<const char*>(nl) - v.buf.data())
                          : line_ceil;
    const std::string_view line = v.buf.substr(ls, le - ls);
    bool allowed = false;
    for (const CompiledAllowlist& a : global_allowlists_) {
      if (a.AllowsFinding(secret, match, line, w.path)) {
        allowed = true;
        break;
      }
    }
    if (allowed) continue;
    for (const CompiledAllowlist& a : r.allowlists) {
      if (a.AllowsFinding(secret, match, line, w.path)) {
        allowed = true;
        break;
      }
    }
    if (allowed) continue;
    Candidate c;
    c.kind = Kind::kRule;
    c.index = index;
    c.match_start = v.base + ms;
    c.match_end = v.base + me;
    c.secret_start = v.base + ss;
    c.secret_end = v.base + se;
    c.secret = std::string(secret);
    c.entropy = entropy;
    c.redacted = RedactedExcerpt(match, ss - ms, se - ss);
    w.Add(std::move(c));
  }
}

void ScannerImpl::CheckTerm(Work& w, const TextView& v, uint32_t pattern, uint64_t end) const {
  const CompiledTerm& t = terms_[patterns_[pattern].index];
  if (end < t.term.size() || end > v.end()) return;
  const uint64_t start = end - t.term.size();
  if (start < v.base) return;
  const size_t s = static_cast<size_t>(start - v.base), e = static_cast<size_t>(end - v.base);
  if (t.word_start && s > 0 && IsWordByte(static_cast<unsigned char>(v.buf[s - 1]))) return;
  if (t.word_start && s == 0 && v.base > 0) return;  // cannot happen: streams keep context
  if (t.word_end && e < v.buf.size() && IsWordByte(static_cast<unsigned char>(v.buf[e]))) return;
  Candidate c;
  c.kind = Kind::kTerm;
  c.index = t.dictionary;
  c.match_start = c.secret_start = start;
  c.match_end = c.secret_end = end;
  c.secret = t.term;  // the configured spelling, so fingerprints do not depend on case
  c.redacted = std::string(kMask);
  w.Add(std::move(c));
}

bool ScannerImpl::KeywordGate(const KeywordIndex& keywords, uint32_t rule, uint64_t start,
                              uint64_t end) const {
  const CompiledRule& r = rules_[rule];
  return r.keywords.empty() || r.any_keyword || keywords.Near(r.keywords, start, end);
}

// gitleaks' finding-level decisions (keywords, composite rules, the generic filter), then
// Custody's output contract.
Result<ScanResult> ScannerImpl::Finalize(Work& w, const KeywordIndex& keywords,
                                         uint64_t bytes) const {
  ScanResult out;
  out.bytes = bytes;
  out.dropped = w.dropped;

  // Path-only rules: reported when the object's path matches and one of their keywords occurs
  // anywhere in the text.
  for (size_t i = 0; i < rules_.size(); ++i) {
    const CompiledRule& r = rules_[i];
    if (r.regex != nullptr || !w.active[i] || r.rule.skip_report) continue;
    if (!r.keywords.empty() && !r.any_keyword && !keywords.Any(r.keywords)) continue;
    if (!RE2::PartialMatch(w.path, *r.path)) continue;
    Candidate c;
    c.kind = Kind::kRule;
    c.index = static_cast<uint32_t>(i);
    c.path_only = true;
    c.secret = w.path;
    std::string shown;
    AppendPrintable(shown, w.path, 100);
    c.redacted = "file detected: " + shown;
    w.Add(std::move(c));
  }

  // Group rule candidates per rule, for composite rules.
  std::vector<std::vector<size_t>> by_rule(rules_.size());
  for (size_t i = 0; i < w.candidates.size(); ++i) {
    if (w.candidates[i].kind == Kind::kRule) by_rule[w.candidates[i].index].push_back(i);
  }
  std::vector<uint8_t> keep(w.candidates.size(), 1);
  for (size_t i = 0; i < w.candidates.size(); ++i) {
    const Candidate& c = w.candidates[i];
    if (c.kind != Kind::kRule) continue;
    const CompiledRule& r = rules_[c.index];
    if (!w.active[c.index] || r.rule.skip_report ||
        (!c.path_only && !KeywordGate(keywords, c.index, c.match_start, c.match_end))) {
      keep[i] = 0;
      continue;
    }
    // Composite: every required rule needs a finding near this one (gitleaks withinProximity).
    for (const auto& [req, rr] : r.required) {
      bool found = false;
      for (size_t j : by_rule[req]) {
        const Candidate& o = w.candidates[j];
        if (o.path_only) continue;
        const auto diff = [](uint32_t a, uint32_t b) { return a > b ? a - b : b - a; };
        if (rr.within_lines &&
            diff(c.match_line, o.match_line) > static_cast<uint32_t>(*rr.within_lines)) {
          continue;
        }
        if (rr.within_columns &&
            diff(c.match_column, o.match_column) > static_cast<uint32_t>(*rr.within_columns)) {
          continue;
        }
        found = true;
        break;
      }
      if (!found) {
        keep[i] = 0;
        break;
      }
    }
  }
  // gitleaks filter(): a generic rule's finding gives way to a specific rule's finding on the
  // same line whose secret contains it.
  std::map<uint32_t, std::vector<size_t>> by_line;
  for (size_t i = 0; i < w.candidates.size(); ++i) {
    if (keep[i] && w.candidates[i].kind == Kind::kRule && !w.candidates[i].path_only) {
      by_line[w.candidates[i].match_line].push_back(i);
    }
  }
  for (const auto& [line, idx] : by_line) {
    for (size_t i : idx) {
      const Candidate& f = w.candidates[i];
      if (!rules_[f.index].generic) continue;
      for (size_t j : idx) {
        const Candidate& g = w.candidates[j];
        if (j == i || !keep[j] || g.index == f.index || rules_[g.index].generic) continue;
        if (g.secret.find(f.secret) != std::string::npos) {
          keep[i] = 0;
          break;
        }
      }
    }
  }

  // Findings: dedupe by (rule, range), order by offset.
  std::vector<size_t> order;
  for (size_t i = 0; i < w.candidates.size(); ++i) {
    if (keep[i]) order.push_back(i);
  }
  const auto rule_id = [&](const Candidate& c) -> const std::string& {
    switch (c.kind) {
      case Kind::kRule:
        return rules_[c.index].rule.id;
      case Kind::kPii:
        return pii_[c.index].detector->id;
      case Kind::kTerm:
      case Kind::kKeyword:
        break;
    }
    return dictionary_ids_[c.index];
  };
  std::vector<std::pair<const std::string*, size_t>> keyed;
  keyed.reserve(order.size());
  for (size_t i : order) keyed.emplace_back(&rule_id(w.candidates[i]), i);
  std::sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    const Candidate& x = w.candidates[a.second];
    const Candidate& y = w.candidates[b.second];
    if (x.secret_start != y.secret_start) return x.secret_start < y.secret_start;
    if (*a.first != *b.first) return *a.first < *b.first;
    return x.secret_end < y.secret_end;
  });
  const Candidate* prev = nullptr;
  const std::string* prev_id = nullptr;
  for (const auto& [id_ptr, i] : keyed) {
    const std::string& id = *id_ptr;
    const Candidate& c = w.candidates[i];
    if (prev != nullptr && *prev_id == id && prev->secret_start == c.secret_start &&
        prev->secret_end == c.secret_end) {
      continue;
    }
    prev = &c;
    prev_id = &id;
    if (out.findings.size() >= options_.max_findings) {
      ++out.dropped;
      continue;
    }
    Finding f;
    f.rule_id = id;
    switch (c.kind) {
      case Kind::kRule:
        f.kind = FindingKind::kSecret;
        f.description = rules_[c.index].rule.description;
        f.tags = rules_[c.index].rule.tags;
        break;
      case Kind::kPii:
        f.kind = FindingKind::kPii;
        f.description = pii_[c.index].detector->description;
        f.tags = pii_[c.index].detector->tags;
        break;
      case Kind::kTerm:
      case Kind::kKeyword:
        f.kind = FindingKind::kDictionary;
        f.description = options_.dictionaries[c.index].name;
        f.tags = options_.dictionaries[c.index].tags;
        break;
    }
    f.offset = c.secret_start;
    f.length = c.secret_end - c.secret_start;
    f.line = c.line;
    f.column = c.column;
    f.redacted = c.redacted;
    f.fingerprint = Fingerprint(options_.fingerprint_key, id, c.secret);
    f.entropy = c.entropy >= 0 ? c.entropy : ShannonEntropy(c.secret);
    out.findings.push_back(std::move(f));
  }
  // The secrets are no longer needed; do not keep copies around.
  for (Candidate& c : w.candidates) sodium_memzero(c.secret.data(), c.secret.size());
  return out;
}

Result<ScanResult> ScannerImpl::Scan(std::string_view text, std::string_view path) const {
  if (text.size() > std::numeric_limits<unsigned int>::max()) {
    return InvalidArgument("text larger than 4 GiB; scan it with OpenStream");
  }
  Work w;
  RETURN_IF_ERROR(Prepare(w, path));
  std::unique_ptr<ScratchSlot> slot = AcquireScratch();
  if (slot == nullptr) return Internal("Hyperscan: cannot allocate scratch space");
  HitCollector& hits = slot->hits;
  hits.Reset(&patterns_, keywords_.size());
  hits.text = text;
  hits.base = 0;
  if (block_db_ != nullptr) {
    const hs_error_t rc = hs_scan(block_db_, text.data(), static_cast<unsigned int>(text.size()), 0,
                                  slot->scratch, &OnHsMatch, &hits);
    if (rc != HS_SUCCESS) {
      ReleaseScratch(std::move(slot));
      return Internal("Hyperscan scan failed (" + std::to_string(rc) + ")");
    }
  }
  // Rules without a required literal: only the parts of the text within reach of their keywords.
  for (const NearKeywords& n : near_keywords_) {
    if (!w.needed[n.rule]) continue;
    const CompiledRule& r = rules_[n.rule];
    for (const auto& [from, to] : hits.keywords.Ranges(r.keywords, r.window, text.size())) {
      hits.shift = from;
      const hs_error_t rc = hs_scan(n.db, text.data() + from, static_cast<unsigned int>(to - from),
                                    0, slot->scratch, &OnHsMatch, &hits);
      if (rc != HS_SUCCESS) {
        ReleaseScratch(std::move(slot));
        return Internal("Hyperscan scan failed (" + std::to_string(rc) + ")");
      }
    }
    hits.shift = 0;
  }
  hits.CloseAll();
  MergeRegions(hits.closed);
  w.dropped += hits.overflow;

  // RE2 confirms the regions of rules that can report there: no keyword within reach of a
  // region, no finding in it (a rule a composite one needs is confirmed regardless).
  const TextView v{text, 0, true, 0, -1};
  for (const PendingRegion& region : hits.closed) {
    const PatternInfo& info = patterns_[region.pattern];
    if (info.kind == Kind::kRule) {
      if (!w.needed[info.index]) continue;
      if (!rules_[info.index].required_by_other &&
          !KeywordGate(hits.keywords, info.index, region.start, region.end)) {
        continue;
      }
    }
    ConfirmRegion(w, v, region.pattern, region.start, region.end);
  }
  for (const auto& [pattern, end] : hits.term_hits) CheckTerm(w, v, pattern, end);
  for (uint32_t r : fallback_) {
    const CompiledRule& rule = rules_[r];
    if (!w.needed[r]) continue;
    if (!rule.required_by_other && !rule.keywords.empty() && !rule.any_keyword &&
        !hits.keywords.Any(rule.keywords)) {
      continue;
    }
    ConfirmRule(w, v, r, 0, text.size(), std::numeric_limits<uint64_t>::max(), nullptr);
  }
  AssignLines(v, w.candidates, 0);
  Result<ScanResult> out = Finalize(w, hits.keywords, text.size());
  ReleaseScratch(std::move(slot));
  return out;
}

// --- Streams ---

class StreamImpl final : public ScanStream {
 public:
  StreamImpl(const ScannerImpl& s, std::string_view path) : s_(s) {
    status_ = s_.Prepare(w_, path);
    max_window_ = kUnboundedWidth;
    for (const PatternInfo& p : s_.patterns()) max_window_ = std::max(max_window_, p.window);
    fallback_cursor_.assign(s_.fallback().size(), 0);
    slot_ = s_.AcquireScratch();
    if (status_.ok() && slot_ == nullptr) status_ = Internal("Hyperscan: cannot allocate scratch");
    if (status_.ok()) {
      slot_->hits.Reset(&s_.patterns(), s_.keyword_count());
      if (s_.stream_db() != nullptr && hs_open_stream(s_.stream_db(), 0, &stream_) != HS_SUCCESS) {
        status_ = Internal("Hyperscan: cannot open a stream");
      }
    }
  }

  ~StreamImpl() override {
    if (stream_ != nullptr) hs_close_stream(stream_, nullptr, nullptr, nullptr);
    sodium_memzero(buf_.data(), buf_.size());
    s_.ReleaseScratch(std::move(slot_));
  }

  Status Write(std::span<const uint8_t> chunk) override {
    if (!status_.ok()) return status_;
    if (finished_) return Error(ErrorCode::kConflict, "the stream is finished");
    size_t done = 0;
    while (done < chunk.size()) {
      const size_t n = std::min<size_t>(chunk.size() - done, 1u << 30);
      const char* data = reinterpret_cast<const char*>(chunk.data() + done);
      buf_.append(data, n);
      slot_->hits.text = buf_;
      slot_->hits.base = base_;
      if (stream_ != nullptr) {
        const hs_error_t rc = hs_scan_stream(stream_, data, static_cast<unsigned int>(n), 0,
                                             slot_->scratch, &OnHsMatch, &slot_->hits);
        if (rc != HS_SUCCESS) {
          status_ = Internal("Hyperscan stream scan failed (" + std::to_string(rc) + ")");
          return status_;
        }
      }
      done += n;
      Process(false);
    }
    return OkStatus();
  }

  Result<ScanResult> Finish() override {
    if (!status_.ok()) return status_.error();
    if (finished_) return Error(ErrorCode::kConflict, "the stream is finished");
    finished_ = true;
    if (stream_ != nullptr) {
      slot_->hits.text = buf_;
      slot_->hits.base = base_;
      const hs_error_t rc = hs_close_stream(stream_, slot_->scratch, &OnHsMatch, &slot_->hits);
      stream_ = nullptr;
      if (rc != HS_SUCCESS) return Internal("Hyperscan: closing the stream failed");
    }
    Process(true);
    w_.dropped += slot_->hits.overflow;
    return s_.Finalize(w_, slot_->hits.keywords, View(true).end());
  }

 private:
  TextView View(bool at_end) const {
    return TextView{buf_, base_, at_end, lines_before_, last_newline_};
  }

  // Confirms what can no longer change: regions no future hit can touch, with enough text after
  // them for their lines; then drops text no pending work needs.
  void Process(bool at_end) {
    HitCollector& h = slot_->hits;
    const TextView v = View(at_end);
    const uint64_t p = v.end();
    const size_t first_new = w_.candidates.size();
    // Open regions become final once a future hit's window cannot reach them.
    std::vector<uint32_t> still_open;
    for (uint32_t t : h.touched) {
      OpenRegion& r = h.open[t];
      const uint64_t wnd = s_.patterns()[t].window;
      if (at_end || (r.end + 1 + wnd < p)) {
        h.closed.push_back({t, r.start, r.end});
        r = OpenRegion{};
      } else {
        still_open.push_back(t);
      }
    }
    h.touched.swap(still_open);
    std::vector<PendingRegion> ready, later;
    for (const PendingRegion& r : h.closed) {
      if (at_end || r.end + kLineContext + 1 <= p) {
        ready.push_back(r);
      } else {
        later.push_back(r);
      }
    }
    h.closed.swap(later);
    MergeRegions(ready);
    for (const PendingRegion& region : ready) {
      const PatternInfo& info = s_.patterns()[region.pattern];
      if (info.kind == Kind::kRule && !w_.needed[info.index]) continue;
      s_.ConfirmRegion(w_, v, region.pattern, region.start, region.end);
    }
    // Dictionary terms need the byte after them for the word-boundary check.
    std::vector<std::pair<uint32_t, uint64_t>> pending_terms;
    for (const auto& [pattern, end] : h.term_hits) {
      if (at_end || end < p) {
        s_.CheckTerm(w_, v, pattern, end);
      } else {
        pending_terms.emplace_back(pattern, end);
      }
    }
    h.term_hits.swap(pending_terms);
    // Rules Hyperscan rejected: RE2 over overlapping segments of 2 windows, keeping matches that
    // start in the first half (exact for matches shorter than one window).
    for (size_t k = 0; k < s_.fallback().size(); ++k) {
      const uint32_t rule = s_.fallback()[k];
      if (!w_.needed[rule]) continue;
      uint64_t& cursor = fallback_cursor_[k];
      while (at_end || cursor + 2 * kUnboundedWidth + kLineContext + 1 <= p) {
        if (at_end) {
          s_.ConfirmRule(w_, v, rule, cursor, p, std::numeric_limits<uint64_t>::max(), nullptr);
          cursor = p;
          break;
        }
        uint64_t last = cursor;
        s_.ConfirmRule(w_, v, rule, cursor, cursor + 2 * kUnboundedWidth, cursor + kUnboundedWidth,
                       &last);
        cursor = std::max(cursor + kUnboundedWidth, last);
      }
    }
    AssignLines(v, w_.candidates, first_new);
    if (!at_end) Trim(p);
  }

  void Trim(uint64_t p) {
    const HitCollector& h = slot_->hits;
    const uint64_t margin = kLineContext + 1;
    uint64_t keep = p > max_window_ + 1 + margin ? p - max_window_ - 1 - margin : 0;
    for (uint32_t t : h.touched) keep = std::min(keep, Sub(h.open[t].start, margin));
    for (const PendingRegion& r : h.closed) keep = std::min(keep, Sub(r.start, margin));
    for (const auto& [pattern, end] : h.term_hits) keep = std::min(keep, Sub(end, 300));
    for (uint64_t c : fallback_cursor_) keep = std::min(keep, Sub(c, margin));
    if (keep <= base_ || keep - base_ < kTrimThreshold) return;
    const size_t n = static_cast<size_t>(keep - base_);
    lines_before_ += static_cast<uint64_t>(std::count(buf_.data(), buf_.data() + n, '\n'));
    if (const void* nl = memrchr(buf_.data(), '\n', n); nl != nullptr) {
      last_newline_ = static_cast<int64_t>(base_) + (static_cast<const char*>(nl) - buf_.data());
    }
    sodium_memzero(buf_.data(), n);
    buf_.erase(0, n);
    base_ = keep;
  }

  static uint64_t Sub(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

  const ScannerImpl& s_;
  Work w_;
  Status status_;
  std::unique_ptr<ScratchSlot> slot_;
  hs_stream_t* stream_ = nullptr;
  std::string buf_;
  uint64_t base_ = 0;
  uint64_t lines_before_ = 0;
  int64_t last_newline_ = -1;
  uint64_t max_window_ = 0;
  std::vector<uint64_t> fallback_cursor_;
  bool finished_ = false;
};

std::unique_ptr<ScanStream> ScannerImpl::OpenStream(std::string_view path) const {
  return std::make_unique<StreamImpl>(*this, path);
}

}  // namespace

std::string_view FindingKindName(FindingKind k) {
  switch (k) {
    case FindingKind::kSecret:
      return "secret";
    case FindingKind::kPii:
      return "pii";
    case FindingKind::kDictionary:
      return "dictionary";
  }
  return "secret";
}

Result<std::unique_ptr<Scanner>> Scanner::Create(const RuleSet& rules, ScannerOptions options) {
  try {
    return ScannerImpl::Build(rules, std::move(options));
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kResourceExhausted, "out of memory compiling the DLP scanner");
  }
}

std::string RedactText(std::string_view text, const std::vector<Finding>& findings) {
  std::vector<size_t> order;
  for (size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    if (f.length == 0 || f.offset >= text.size()) continue;
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return findings[a].offset != findings[b].offset ? findings[a].offset < findings[b].offset
                                                    : a < b;
  });
  std::string out;
  out.reserve(text.size());
  uint64_t cursor = 0;
  size_t i = 0;
  while (i < order.size()) {
    const Finding& f = findings[order[i]];
    uint64_t start = f.offset;
    uint64_t end = std::min<uint64_t>(text.size(), f.offset + f.length);
    ++i;
    while (i < order.size() && findings[order[i]].offset < end) {
      const Finding& g = findings[order[i]];
      end = std::max<uint64_t>(end, std::min<uint64_t>(text.size(), g.offset + g.length));
      ++i;
    }
    start = std::max(start, cursor);
    out.append(text.substr(cursor, start - cursor));
    out += "[REDACTED:" + f.rule_id + "]";
    cursor = end;
  }
  out.append(text.substr(cursor));
  return out;
}

}  // namespace custody::dlp
