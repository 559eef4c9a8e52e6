#include "dlp/tests/regex_sample.h"

#include <re2/re2.h>

#include <algorithm>
#include <bitset>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

namespace custody::dlp::testing {

namespace {

using CharSet = std::bitset<256>;

// RE2 limits nesting to 1000; we stop earlier because parsing and generation recurse.
constexpr int kMaxDepth = 200;
constexpr int kMaxRepeat = 1000;  // RE2's (and Go's) limit on {n,m}

CharSet RangeSet(unsigned lo, unsigned hi) {
  CharSet s;
  for (unsigned c = lo; c <= hi; ++c) s.set(c);
  return s;
}

// What negated classes and `.` draw from: printable ASCII and the usual whitespace.
const CharSet& Universe() {
  static const CharSet u = [] {
    CharSet s = RangeSet(0x20, 0x7e);
    s.set('\t');
    s.set('\n');
    s.set('\f');
    s.set('\r');
    return s;
  }();
  return u;
}
const CharSet& Digits() {
  static const CharSet s = RangeSet('0', '9');
  return s;
}
const CharSet& WordChars() {
  static const CharSet s =
      RangeSet('0', '9') | RangeSet('A', 'Z') | RangeSet('a', 'z') | RangeSet('_', '_');
  return s;
}
const CharSet& SpaceChars() {  // RE2's \s: [\t\n\f\r ]
  static const CharSet s = [] {
    CharSet c;
    for (char ch : {'\t', '\n', '\f', '\r', ' '}) c.set(static_cast<unsigned char>(ch));
    return c;
  }();
  return s;
}
const CharSet& LineBreaks() {  // left out by SampleOptions::single_line
  static const CharSet s = [] {
    CharSet c;
    for (char ch : {'\n', '\r', '\f', '\v'}) c.set(static_cast<unsigned char>(ch));
    return c;
  }();
  return s;
}

bool IsWordChar(unsigned char c) { return WordChars().test(c); }

CharSet FoldCase(CharSet s) {
  for (unsigned c = 'a'; c <= 'z'; ++c) {
    unsigned upper = c - 'a' + 'A';
    if (s.test(c) || s.test(upper)) {
      s.set(c);
      s.set(upper);
    }
  }
  return s;
}

std::optional<CharSet> PosixClass(std::string_view name) {
  if (name == "alnum") return RangeSet('0', '9') | RangeSet('A', 'Z') | RangeSet('a', 'z');
  if (name == "alpha") return RangeSet('A', 'Z') | RangeSet('a', 'z');
  if (name == "ascii") return RangeSet(0, 0x7f);
  if (name == "blank") return RangeSet(' ', ' ') | RangeSet('\t', '\t');
  if (name == "cntrl") return RangeSet(0, 0x1f) | RangeSet(0x7f, 0x7f);
  if (name == "digit") return RangeSet('0', '9');
  if (name == "graph") return RangeSet('!', '~');
  if (name == "lower") return RangeSet('a', 'z');
  if (name == "print") return RangeSet(' ', '~');
  if (name == "punct") {
    return RangeSet('!', '/') | RangeSet(':', '@') | RangeSet('[', '`') | RangeSet('{', '~');
  }
  if (name == "space") return RangeSet('\t', '\r') | RangeSet(' ', ' ');
  if (name == "upper") return RangeSet('A', 'Z');
  if (name == "word") return WordChars();
  if (name == "xdigit") return RangeSet('0', '9') | RangeSet('A', 'F') | RangeSet('a', 'f');
  return std::nullopt;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace

enum class NodeKind { kEmpty, kChars, kConcat, kAlternate, kRepeat, kAssert };
enum class AssertKind {
  kBeginLine,
  kEndLine,
  kBeginText,
  kEndText,
  kWordBoundary,
  kNotWordBoundary
};

struct RegexSampler::Node {
  NodeKind kind = NodeKind::kEmpty;
  CharSet chars;                                  // kChars: the characters one of which is emitted
  std::vector<Node> children;                     // kConcat, kAlternate; kRepeat has one
  int min = 0;                                    // kRepeat
  int max = 0;                                    // kRepeat; -1 = unbounded
  bool lazy = false;                              // kRepeat
  AssertKind assertion = AssertKind::kBeginText;  // kAssert
  bool must_anchor = false;                       // every way through needs ^, $, \A or \z
};

namespace {

using Node = RegexSampler::Node;

Node CharsNode(const CharSet& s) {
  Node n;
  n.kind = NodeKind::kChars;
  n.chars = s;
  return n;
}

Node LiteralNode(unsigned char c) {
  CharSet s;
  s.set(c);
  return CharsNode(s);
}

// Literal bytes (a \Q..\E run, a non-ASCII code point) as a concatenation.
Node LiteralString(std::string_view bytes) {
  if (bytes.size() == 1) return LiteralNode(static_cast<unsigned char>(bytes[0]));
  Node n;
  n.kind = NodeKind::kConcat;
  for (char c : bytes) n.children.push_back(LiteralNode(static_cast<unsigned char>(c)));
  return n;
}

Node AssertNode(AssertKind k) {
  Node n;
  n.kind = NodeKind::kAssert;
  n.assertion = k;
  return n;
}

bool ComputeMustAnchor(Node& n) {
  bool all = true;
  bool any = false;
  for (Node& c : n.children) {
    bool a = ComputeMustAnchor(c);
    all = all && a;
    any = any || a;
  }
  switch (n.kind) {
    case NodeKind::kAssert:
      n.must_anchor =
          n.assertion != AssertKind::kWordBoundary && n.assertion != AssertKind::kNotWordBoundary;
      break;
    case NodeKind::kConcat:
      n.must_anchor = any;
      break;
    case NodeKind::kAlternate:
      n.must_anchor = !n.children.empty() && all;
      break;
    case NodeKind::kRepeat:
      n.must_anchor = n.min > 0 && any;
      break;
    default:
      n.must_anchor = false;
  }
  return n.must_anchor;
}

// Recursive-descent parser for the RE2 syntax subset documented in the header.
class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}

  Result<Node> Parse() {
    Flags flags;
    ASSIGN_OR_RETURN(Node root, ParseAlternation(flags, 0));
    if (pos_ < p_.size()) return Fail("unexpected )");
    ComputeMustAnchor(root);
    return root;
  }

 private:
  struct Flags {
    bool i = false;  // case-insensitive
    bool m = false;  // ^ and $ match at line breaks
    bool s = false;  // . matches \n
  };

  // A class item: one character, or a set such as \d.
  struct ClassItem {
    bool is_set = false;
    unsigned char c = 0;
    CharSet set;
  };

  Error Fail(std::string_view why) const {
    return InvalidArgument("regex " + std::string(p_) + ": " + std::string(why) + " at offset " +
                           std::to_string(pos_));
  }

  bool AtEnd() const { return pos_ >= p_.size(); }
  char Peek(size_t ahead = 0) const { return pos_ + ahead < p_.size() ? p_[pos_ + ahead] : '\0'; }

  Result<Node> ParseAlternation(Flags& flags, int depth) {
    Node alt;
    alt.kind = NodeKind::kAlternate;
    while (true) {
      ASSIGN_OR_RETURN(Node branch, ParseConcat(flags, depth));
      alt.children.push_back(std::move(branch));
      if (Peek() == '|' && !AtEnd()) {
        ++pos_;
        continue;
      }
      break;
    }
    if (alt.children.size() == 1) return std::move(alt.children[0]);
    return alt;
  }

  Result<Node> ParseConcat(Flags& flags, int depth) {
    Node cat;
    cat.kind = NodeKind::kConcat;
    while (!AtEnd() && Peek() != '|' && Peek() != ')') {
      std::optional<Node> atom;
      if (Peek() == '\\' && Peek(1) == 'Q') {
        // \Q...\E: literal bytes; as in RE2, a quantifier after \E applies to the last one.
        pos_ += 2;
        size_t end = p_.find("\\E", pos_);
        std::string_view quoted =
            p_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
        pos_ = end == std::string_view::npos ? p_.size() : end + 2;
        if (quoted.empty()) continue;
        for (size_t k = 0; k + 1 < quoted.size(); ++k) {
          cat.children.push_back(LiteralNode(static_cast<unsigned char>(quoted[k])));
        }
        atom = LiteralNode(static_cast<unsigned char>(quoted.back()));
      } else {
        RETURN_IF_ERROR(ParseAtom(flags, depth, &atom));
      }
      if (!atom) continue;  // a flag group such as (?i)
      ASSIGN_OR_RETURN(Node quantified, ParseQuantifier(std::move(*atom)));
      cat.children.push_back(std::move(quantified));
    }
    if (cat.children.size() == 1) return std::move(cat.children[0]);
    if (cat.children.empty()) return Node{};
    return cat;
  }

  // {n}, {n,}, {n,m} at pos_: the bounds and the length, or nullopt if the text is not a repeat
  // (then `{` is a literal, as in RE2).
  std::optional<size_t> RepeatAt(size_t at, int* min, int* max) const {
    size_t i = at;
    if (i >= p_.size() || p_[i] != '{') return std::nullopt;
    ++i;
    auto number = [&](int* out) {
      size_t start = i;
      long v = 0;
      while (i < p_.size() && p_[i] >= '0' && p_[i] <= '9') {
        v = std::min<long>(v * 10 + (p_[i] - '0'), 1'000'000);
        ++i;
      }
      *out = static_cast<int>(v);
      return i > start;
    };
    if (!number(min)) return std::nullopt;
    if (i < p_.size() && p_[i] == '}') {
      *max = *min;
      return i + 1 - at;
    }
    if (i >= p_.size() || p_[i] != ',') return std::nullopt;
    ++i;
    if (i < p_.size() && p_[i] == '}') {
      *max = -1;
      return i + 1 - at;
    }
    if (!number(max)) return std::nullopt;
    if (i >= p_.size() || p_[i] != '}') return std::nullopt;
    return i + 1 - at;
  }

  bool QuantifierAt(size_t at) const {
    if (at >= p_.size()) return false;
    char c = p_[at];
    int a = 0;
    int b = 0;
    return c == '*' || c == '+' || c == '?' || (c == '{' && RepeatAt(at, &a, &b).has_value());
  }

  Result<Node> ParseQuantifier(Node atom) {
    if (AtEnd()) return atom;
    int min = 0;
    int max = 0;
    char c = Peek();
    if (c == '*') {
      min = 0, max = -1, ++pos_;
    } else if (c == '+') {
      min = 1, max = -1, ++pos_;
    } else if (c == '?') {
      min = 0, max = 1, ++pos_;
    } else if (c == '{') {
      std::optional<size_t> len = RepeatAt(pos_, &min, &max);
      if (!len) return atom;
      if (min > kMaxRepeat || max > kMaxRepeat) return Fail("bad repetition count (> 1000)");
      if (max >= 0 && min > max) return Fail("bad repetition range");
      pos_ += *len;
    } else {
      return atom;
    }
    bool lazy = false;
    if (Peek() == '?' && !AtEnd()) {
      lazy = true;
      ++pos_;
    }
    if (QuantifierAt(pos_)) return Fail("bad repetition operator");
    Node r;
    r.kind = NodeKind::kRepeat;
    r.min = min;
    r.max = max;
    r.lazy = lazy;
    r.children.push_back(std::move(atom));
    return r;
  }

  Status ParseAtom(Flags& flags, int depth, std::optional<Node>* out) {
    char c = Peek();
    switch (c) {
      case '(':
        return ParseGroup(flags, depth, out);
      case '[': {
        ASSIGN_OR_RETURN(Node n, ParseClass(flags));
        *out = std::move(n);
        return OkStatus();
      }
      case '.': {
        ++pos_;
        CharSet s = Universe();
        if (!flags.s) s.reset('\n');
        *out = CharsNode(s);
        return OkStatus();
      }
      case '^':
        ++pos_;
        *out = AssertNode(flags.m ? AssertKind::kBeginLine : AssertKind::kBeginText);
        return OkStatus();
      case '$':
        ++pos_;
        *out = AssertNode(flags.m ? AssertKind::kEndLine : AssertKind::kEndText);
        return OkStatus();
      case '\\': {
        ASSIGN_OR_RETURN(Node n, ParseEscape());
        *out = std::move(n);
        return OkStatus();
      }
      case '*':
      case '+':
      case '?':
        return Fail("missing argument to repetition operator");
      case '{': {
        if (QuantifierAt(pos_)) return Fail("missing argument to repetition operator");
        ++pos_;
        *out = LiteralNode('{');
        return OkStatus();
      }
      default: {
        // A literal is emitted as written, also under (?i). A multi-byte UTF-8 character is one
        // atom (a quantifier applies to all of it).
        size_t start = pos_++;
        if (static_cast<unsigned char>(c) >= 0xc0) {
          while (!AtEnd() && (static_cast<unsigned char>(Peek()) & 0xc0) == 0x80) ++pos_;
        }
        *out = LiteralString(p_.substr(start, pos_ - start));
        return OkStatus();
      }
    }
  }

  Status ParseGroup(Flags& flags, int depth, std::optional<Node>* out) {
    if (depth + 1 > kMaxDepth) return Fail("nesting too deep");
    ++pos_;  // '('
    Flags inner = flags;
    if (Peek() == '?' && !AtEnd()) {
      ++pos_;
      if (Peek() == 'P' && Peek(1) == '<') {
        pos_ += 2;
        RETURN_IF_ERROR(SkipGroupName());
      } else if (Peek() == '<' && Peek(1) != '=' && Peek(1) != '!') {
        // Go 1.22 and RE2 2023-07 accept it; Debian 12's RE2 (2022-06), which the scanner uses,
        // does not.
        return Fail("(?<name>...) is not supported by this RE2; use (?P<name>...)");
      } else if (Peek() == '=' || Peek() == '!' || Peek() == '<') {
        return Fail("lookaround is not supported by RE2");
      } else {
        // As RE2: "(?)" is accepted, a '-' must be followed by a flag.
        bool negate = false;
        bool flag_after_negate = false;
        while (true) {
          if (AtEnd()) return Fail("missing )");
          char f = p_[pos_++];
          if (f == ':' || f == ')') {
            if (negate && !flag_after_negate) return Fail("bad flags");
            if (f == ':') break;
            flags = inner;  // (?flags) applies to the rest of the enclosing group
            return OkStatus();
          }
          if (f == '-') {
            if (negate) return Fail("bad flags");
            negate = true;
            continue;
          }
          if (f == 'i') {
            inner.i = !negate;
          } else if (f == 'm') {
            inner.m = !negate;
          } else if (f == 's') {
            inner.s = !negate;
          } else if (f != 'U') {  // U swaps greedy and lazy, which does not change generation
            return Fail("unknown flag");
          }
          flag_after_negate = negate;
        }
      }
    }
    ASSIGN_OR_RETURN(Node body, ParseAlternation(inner, depth + 1));
    if (Peek() != ')' || AtEnd()) return Fail("missing )");
    ++pos_;
    *out = std::move(body);
    return OkStatus();
  }

  Status SkipGroupName() {
    size_t start = pos_;
    while (!AtEnd() && IsWordChar(static_cast<unsigned char>(Peek()))) ++pos_;
    if (pos_ == start || Peek() != '>' || AtEnd()) return Fail("bad group name");
    ++pos_;
    return OkStatus();
  }

  // \x41, \x{41}; pos_ is after the 'x'.
  Result<uint32_t> ParseHex() {
    if (Peek() == '{' && !AtEnd()) {
      ++pos_;
      uint32_t v = 0;
      size_t digits = 0;
      while (!AtEnd() && Peek() != '}') {
        int h = HexValue(Peek());
        if (h < 0 || digits >= 8) return Fail("bad \\x{...}");
        v = v * 16 + static_cast<uint32_t>(h);
        ++digits, ++pos_;
      }
      if (AtEnd() || digits == 0 || v > 0x10ffff) return Fail("bad \\x{...}");
      ++pos_;
      return v;
    }
    int hi = HexValue(Peek(0));
    int lo = HexValue(Peek(1));
    if (pos_ + 1 >= p_.size() || hi < 0 || lo < 0) return Fail("bad \\x escape");
    pos_ += 2;
    return static_cast<uint32_t>(hi * 16 + lo);
  }

  // An escape valid both inside and outside classes; pos_ is after the backslash.
  // nullopt: not one of those (the caller handles the rest).
  Result<std::optional<ClassItem>> ParseCommonEscape() {
    char c = p_[pos_++];
    ClassItem item;
    auto set = [&](const CharSet& s) {
      item.is_set = true;
      item.set = s;
      return std::optional<ClassItem>(item);
    };
    auto ch = [&](unsigned char v) {
      item.c = v;
      return std::optional<ClassItem>(item);
    };
    switch (c) {
      case 'd':
        return set(Digits());
      case 'D':
        return set(Universe() & ~Digits());
      case 'w':
        return set(WordChars());
      case 'W':
        return set(Universe() & ~WordChars());
      case 's':
        return set(SpaceChars());
      case 'S':
        return set(Universe() & ~SpaceChars());
      case 'n':
        return ch('\n');
      case 'r':
        return ch('\r');
      case 't':
        return ch('\t');
      case 'f':
        return ch('\f');
      case 'v':
        return ch('\v');
      case 'a':
        return ch('\a');
      case 'x': {
        ASSIGN_OR_RETURN(uint32_t v, ParseHex());
        if (v >= 0x80) {
          // Only reachable inside a class (outside, ParseEscape handles \x first): a member we
          // never generate.
          item.is_set = true;
          return std::optional<ClassItem>(item);
        }
        return ch(static_cast<unsigned char>(v));
      }
      case 'p':
      case 'P':
        return Fail("Unicode classes (\\p) are not supported");
      default:
        break;
    }
    if (IsOctal(c)) {
      // As Go: \0 and a non-zero digit followed by another octal digit start an octal code of
      // up to three digits; a lone \1..\7 would be a backreference.
      if (c != '0' && !IsOctal(Peek())) return Fail("backreferences are not supported by RE2");
      uint32_t v = static_cast<uint32_t>(c - '0');
      for (int k = 0; k < 2 && IsOctal(Peek()); ++k) v = v * 8 + (p_[pos_++] - '0');
      if (v >= 0x80) return Fail("octal escape above 0x7f");
      return ch(static_cast<unsigned char>(v));
    }
    if (c == '8' || c == '9') return Fail("backreferences are not supported by RE2");
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !IsWordChar(u)) return ch(u);  // escaped punctuation
    --pos_;
    return std::optional<ClassItem>();
  }

  Result<Node> ParseEscape() {
    ++pos_;  // backslash
    if (AtEnd()) return Fail("trailing backslash");
    char c = Peek();
    switch (c) {
      case 'b':
        ++pos_;
        return AssertNode(AssertKind::kWordBoundary);
      case 'B':
        ++pos_;
        return AssertNode(AssertKind::kNotWordBoundary);
      case 'A':
        ++pos_;
        return AssertNode(AssertKind::kBeginText);
      case 'z':
        ++pos_;
        return AssertNode(AssertKind::kEndText);
      case 'C':
        ++pos_;
        return CharsNode(Universe());
      case 'x': {
        ++pos_;
        ASSIGN_OR_RETURN(uint32_t v, ParseHex());
        std::string bytes;
        AppendUtf8(v, &bytes);
        return LiteralString(bytes);
      }
      default:
        break;
    }
    ASSIGN_OR_RETURN(std::optional<ClassItem> item, ParseCommonEscape());
    if (!item) return Fail("invalid escape");
    if (item->is_set) return CharsNode(item->set);
    return LiteralNode(item->c);
  }

  Result<ClassItem> ParseClassItem() {
    char c = Peek();
    if (c == '\\') {
      ++pos_;
      if (AtEnd()) return Fail("trailing backslash");
      ASSIGN_OR_RETURN(std::optional<ClassItem> item, ParseCommonEscape());
      if (!item) return Fail("invalid escape in class");
      return *item;
    }
    ++pos_;
    ClassItem item;
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // A multi-byte UTF-8 member: skip its continuation bytes; it is never generated.
      while (!AtEnd() && (static_cast<unsigned char>(Peek()) & 0xc0) == 0x80) ++pos_;
      item.is_set = true;
      return item;
    }
    item.c = u;
    return item;
  }

  Result<Node> ParseClass(const Flags& flags) {
    ++pos_;  // '['
    bool negate = false;
    if (Peek() == '^' && !AtEnd()) {
      negate = true;
      ++pos_;
    }
    CharSet set;
    bool first = true;
    while (true) {
      if (AtEnd()) return Fail("missing ]");
      char c = Peek();
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (c == '[' && Peek(1) == ':') {
        size_t end = p_.find(":]", pos_ + 2);
        if (end != std::string_view::npos) {
          std::string_view name = p_.substr(pos_ + 2, end - pos_ - 2);
          bool neg = !name.empty() && name[0] == '^';
          if (neg) name.remove_prefix(1);
          std::optional<CharSet> cls = PosixClass(name);
          if (!cls) return Fail("unknown POSIX class");
          set |= neg ? (Universe() & ~*cls) : *cls;
          pos_ = end + 2;
          continue;
        }
      }
      ASSIGN_OR_RETURN(ClassItem lo, ParseClassItem());
      if (lo.is_set) {
        set |= lo.set;
        continue;
      }
      if (Peek() == '-' && pos_ + 1 < p_.size() && Peek(1) != ']') {
        ++pos_;
        ASSIGN_OR_RETURN(ClassItem hi, ParseClassItem());
        if (hi.is_set || hi.c < lo.c) return Fail("bad character class range");
        set |= RangeSet(lo.c, hi.c);
        continue;
      }
      set.set(lo.c);
    }
    if (flags.i) set = FoldCase(set);
    if (negate) set = Universe() & ~set;
    return CharsNode(set);
  }

  std::string_view p_;
  size_t pos_ = 0;
};

// One generation attempt. Tracks the constraint the assertions seen since the last character put
// on the next one (`allowed_`, `end_ok_`).
class Generator {
 public:
  Generator(std::mt19937_64& rng, const SampleOptions& options) : rng_(rng), options_(options) {
    allowed_.set();
  }

  bool Run(const Node& root, Sample* out) {
    if (!Gen(root) || !end_ok_) return false;
    out->text = std::move(text_);
    out->anchored_start = anchored_start_;
    out->anchored_end = require_end_;
    return true;
  }

 private:
  bool Gen(const Node& n) {
    switch (n.kind) {
      case NodeKind::kEmpty:
        return true;
      case NodeKind::kChars:
        return Emit(n);
      case NodeKind::kConcat:
        for (const Node& c : n.children) {
          if (!Gen(c)) return false;
        }
        return true;
      case NodeKind::kAlternate: {
        std::vector<const Node*> choices;
        for (const Node& c : n.children) {
          if (!options_.avoid_anchors || !c.must_anchor) choices.push_back(&c);
        }
        if (choices.empty()) {
          for (const Node& c : n.children) choices.push_back(&c);
        }
        return Gen(*choices[UniformBelow(rng_, choices.size())]);
      }
      case NodeKind::kRepeat: {
        int hi;
        if (n.max < 0) {
          hi = n.min + options_.unbounded_extra;
        } else if (n.lazy) {
          hi = std::min(n.max, n.min + options_.lazy_extra);
        } else {
          hi = n.max;
        }
        hi = std::max(hi, n.min);
        auto count = static_cast<int>(n.min + UniformBelow(rng_, hi - n.min + 1));
        for (int k = 0; k < count; ++k) {
          if (!Gen(n.children[0])) return false;
        }
        return true;
      }
      case NodeKind::kAssert:
        return Assert(n.assertion);
    }
    return false;
  }

  bool Emit(const Node& n) {
    CharSet candidates = n.chars & allowed_;
    if (candidates.none()) return false;
    if (options_.single_line) {
      CharSet one_line = candidates & ~LineBreaks();
      if (one_line.any()) candidates = one_line;
    }
    // Prefer characters this class has not produced yet in this sample: random runs then have
    // (close to) the highest entropy their class allows.
    CharSet& used = used_[&n];
    CharSet fresh = candidates & ~used;
    if (fresh.none()) {
      used &= ~candidates;
      fresh = candidates;
    }
    uint64_t k = UniformBelow(rng_, fresh.count());
    unsigned c = 0;
    for (;; ++c) {
      if (fresh.test(c) && k-- == 0) break;
    }
    used.set(c);
    text_.push_back(static_cast<char>(c));
    if (text_.size() > options_.max_length) return false;
    allowed_.set();
    end_ok_ = true;
    require_end_ = false;
    return true;
  }

  bool Assert(AssertKind k) {
    // The sample's left neighbour is not a word character (see Sample).
    bool last_word = !text_.empty() && IsWordChar(static_cast<unsigned char>(text_.back()));
    switch (k) {
      case AssertKind::kBeginText:
        if (!text_.empty()) return false;
        anchored_start_ = true;
        return true;
      case AssertKind::kBeginLine:
        if (text_.empty()) {
          anchored_start_ = true;
          return true;
        }
        return text_.back() == '\n';
      case AssertKind::kEndText:
        allowed_.reset();
        require_end_ = true;
        return true;
      case AssertKind::kEndLine: {
        CharSet nl;
        nl.set('\n');
        allowed_ &= nl;
        require_end_ = true;
        return true;
      }
      case AssertKind::kWordBoundary:
        if (last_word) {
          allowed_ &= ~WordChars();  // the end of the sample is a boundary too
        } else {
          allowed_ &= WordChars();
          end_ok_ = false;
        }
        return true;
      case AssertKind::kNotWordBoundary:
        if (last_word) {
          allowed_ &= WordChars();
          end_ok_ = false;
        } else {
          allowed_ &= ~WordChars();
        }
        return true;
    }
    return false;
  }

  std::mt19937_64& rng_;
  const SampleOptions& options_;
  std::string text_;
  CharSet allowed_;
  bool end_ok_ = true;
  bool require_end_ = false;
  bool anchored_start_ = false;
  std::unordered_map<const Node*, CharSet> used_;
};

}  // namespace

uint64_t UniformBelow(std::mt19937_64& rng, uint64_t n) {
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - max % n;  // a multiple of n
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

double ShannonEntropy(std::string_view s) {
  if (s.empty()) return 0;
  size_t counts[256] = {};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  double entropy = 0;
  const double inv = 1.0 / static_cast<double>(s.size());
  for (size_t count : counts) {
    if (count == 0) continue;
    double p = static_cast<double>(count) * inv;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

Result<RegexSampler> RegexSampler::Parse(std::string_view pattern) {
  Parser parser(pattern);
  ASSIGN_OR_RETURN(Node root, parser.Parse());
  return RegexSampler(std::string(pattern), std::make_shared<const Node>(std::move(root)));
}

Result<Sample> RegexSampler::Generate(std::mt19937_64& rng, const SampleOptions& options) const {
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    Generator generator(rng, options);
    Sample sample;
    if (generator.Run(*root_, &sample)) return sample;
  }
  return InvalidArgument("regex " + pattern_ + ": no sample satisfies its assertions after " +
                         std::to_string(options.max_attempts) + " attempts");
}

// ---------------------------------------------------------------------------------------------
// GitleaksOracle

namespace {

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Result<std::unique_ptr<RE2>> Compile(const std::string& pattern, std::string_view what) {
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<RE2>(pattern, options);
  if (!re->ok()) {
    return InvalidArgument(std::string(what) + ": RE2 rejects " + pattern + ": " + re->error());
  }
  return re;
}

bool AnyMatch(const std::vector<std::unique_ptr<RE2>>& res, std::string_view s) {
  if (s.empty()) return false;  // gitleaks: an empty path or target never matches
  for (const auto& re : res) {
    if (RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re)) return true;
  }
  return false;
}

struct CompiledAllowlist {
  const Allowlist* list = nullptr;
  std::vector<std::unique_ptr<RE2>> regexes;
  std::vector<std::unique_ptr<RE2>> paths;

  bool AppliesTo(std::string_view rule_id) const {
    if (list->target_rules.empty()) return true;
    return std::find(list->target_rules.begin(), list->target_rules.end(), rule_id) !=
           list->target_rules.end();
  }
  bool PathAllowed(std::string_view path) const { return AnyMatch(paths, path); }
  bool ContainsStopword(std::string_view secret) const {
    if (secret.empty()) return false;
    std::string lower = ToLower(secret);
    for (const std::string& w : list->stopwords) {
      if (lower.find(ToLower(w)) != std::string::npos) return true;
    }
    return false;
  }
  // gitleaks' checkCommitOrPathAllowed for one allowlist (no commits are ever scanned).
  bool AllowsPath(std::string_view path) const {
    if (path.empty()) return false;
    bool path_allowed = PathAllowed(path);
    if (list->condition == Condition::kAnd) {
      if (!list->regexes.empty() || !list->stopwords.empty()) return false;  // checked per finding
      if (!list->commits.empty()) return false;  // no commit: that check is false
      return !list->paths.empty() && path_allowed;
    }
    return path_allowed;
  }
  // gitleaks' checkFindingAllowed for one allowlist.
  bool AllowsFinding(std::string_view secret, std::string_view match, std::string_view line,
                     std::string_view path) const {
    std::string_view target = secret;
    if (list->regex_target == RegexTarget::kMatch) target = match;
    if (list->regex_target == RegexTarget::kLine) target = line;
    bool regex_allowed = AnyMatch(regexes, target);
    bool stopword = ContainsStopword(secret);
    if (list->condition == Condition::kAnd) {
      std::vector<bool> checks;
      if (!list->commits.empty()) checks.push_back(false);
      if (!list->paths.empty()) checks.push_back(PathAllowed(path));
      if (!list->regexes.empty()) checks.push_back(regex_allowed);
      if (!list->stopwords.empty()) checks.push_back(stopword);
      return std::all_of(checks.begin(), checks.end(), [](bool b) { return b; });
    }
    return regex_allowed || stopword;
  }
};

Result<CompiledAllowlist> CompileAllowlist(const Allowlist& a, std::string_view what) {
  CompiledAllowlist out;
  out.list = &a;
  for (const std::string& r : a.regexes) {
    ASSIGN_OR_RETURN(auto re, Compile(r, what));
    out.regexes.push_back(std::move(re));
  }
  for (const std::string& p : a.paths) {
    ASSIGN_OR_RETURN(auto re, Compile(p, what));
    out.paths.push_back(std::move(re));
  }
  return out;
}

struct CompiledRule {
  std::unique_ptr<RE2> regex;  // null for path-only rules
  std::unique_ptr<RE2> path;   // null when the rule has none
  std::vector<CompiledAllowlist> allowlists;
};

}  // namespace

bool OracleResult::reported() const { return path_only_reported || first_reported() != nullptr; }

const OracleMatch* OracleResult::first_reported() const {
  for (const OracleMatch& m : matches) {
    if (m.reported()) return &m;
  }
  return nullptr;
}

struct GitleaksOracle::Impl {
  RuleSet rules;
  std::vector<CompiledRule> compiled;
  std::vector<CompiledAllowlist> global;

  const CompiledAllowlist& Get(const AllowlistRef& ref, size_t rule_index) const {
    return ref.global ? global.at(ref.index) : compiled.at(rule_index).allowlists.at(ref.index);
  }
};

GitleaksOracle::GitleaksOracle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GitleaksOracle::~GitleaksOracle() = default;

Result<std::unique_ptr<GitleaksOracle>> GitleaksOracle::Create(const RuleSet& rules) {
  auto impl = std::make_unique<Impl>();
  impl->rules = rules;
  // Compile against impl->rules (not `rules`): CompiledAllowlist keeps pointers into it.
  for (const Rule& r : impl->rules.rules) {
    CompiledRule c;
    if (!r.regex.empty()) {
      ASSIGN_OR_RETURN(c.regex, Compile(r.regex, "rule " + r.id));
    }
    if (!r.path.empty()) {
      ASSIGN_OR_RETURN(c.path, Compile(r.path, "rule " + r.id + " path"));
    }
    for (const Allowlist& a : r.allowlists) {
      ASSIGN_OR_RETURN(CompiledAllowlist ca, CompileAllowlist(a, "rule " + r.id + " allowlist"));
      c.allowlists.push_back(std::move(ca));
    }
    impl->compiled.push_back(std::move(c));
  }
  for (const Allowlist& a : impl->rules.allowlists) {
    ASSIGN_OR_RETURN(CompiledAllowlist ca, CompileAllowlist(a, "global allowlist"));
    impl->global.push_back(std::move(ca));
  }
  return std::unique_ptr<GitleaksOracle>(new GitleaksOracle(std::move(impl)));
}

const RuleSet& GitleaksOracle::rules() const { return impl_->rules; }

std::optional<size_t> GitleaksOracle::RuleIndex(std::string_view id) const {
  for (size_t i = 0; i < impl_->rules.rules.size(); ++i) {
    if (impl_->rules.rules[i].id == id) return i;
  }
  return std::nullopt;
}

bool GitleaksOracle::AllowlistAllows(const AllowlistRef& ref, size_t rule_index,
                                     std::string_view secret, std::string_view match,
                                     std::string_view line, std::string_view path) const {
  return impl_->Get(ref, rule_index).AllowsFinding(secret, match, line, path);
}

OracleResult GitleaksOracle::Evaluate(size_t rule_index, std::string_view text,
                                      std::string_view path) const {
  OracleResult result;
  const Rule& rule = impl_->rules.rules.at(rule_index);
  const CompiledRule& compiled = impl_->compiled.at(rule_index);

  // detect.go Detect: the global allowlists' paths skip the whole fragment.
  for (size_t g = 0; g < impl_->global.size(); ++g) {
    if (impl_->global[g].AppliesTo(rule.id) && impl_->global[g].AllowsPath(path)) {
      result.path_allowed_by = AllowlistRef{true, g};
      return result;
    }
  }
  result.keyword_found = rule.keywords.empty();
  if (!rule.keywords.empty()) {
    std::string lower = ToLower(text);
    for (const std::string& k : rule.keywords) {
      if (lower.find(ToLower(k)) != std::string::npos) result.keyword_found = true;
    }
  }
  if (!result.keyword_found) return result;
  // detectRule: the rule's allowlists' paths, then the rule's path.
  for (size_t a = 0; a < compiled.allowlists.size(); ++a) {
    if (compiled.allowlists[a].AllowsPath(path)) {
      result.path_allowed_by = AllowlistRef{false, a};
      return result;
    }
  }
  if (compiled.path != nullptr) {
    result.path_ok = !path.empty() &&
                     RE2::PartialMatch(re2::StringPiece(path.data(), path.size()), *compiled.path);
    if (!result.path_ok) return result;
    if (compiled.regex == nullptr) {
      result.path_only_reported = true;
      return result;
    }
  }
  if (compiled.regex == nullptr) return result;

  const RE2& re = *compiled.regex;
  const re2::StringPiece whole(text.data(), text.size());
  const int groups = re.NumberOfCapturingGroups();
  std::vector<re2::StringPiece> sub(static_cast<size_t>(groups) + 1);
  size_t pos = 0;
  std::optional<size_t> prev_end;
  // Go's FindAllStringIndex: leftmost-first, non-overlapping; an empty match right after the
  // previous match is skipped.
  while (pos <= text.size()) {
    re2::StringPiece m;
    if (!re.Match(whole, pos, text.size(), RE2::UNANCHORED, &m, 1)) break;
    size_t begin = static_cast<size_t>(m.data() - text.data());
    size_t end = begin + m.size();
    bool accept = !(begin == end && prev_end && *prev_end == begin);
    prev_end = end;
    pos = end > begin ? end : end + 1;
    if (!accept) continue;

    OracleMatch om;
    // strings.Trim(match, "\n")
    while (begin < end && text[begin] == '\n') ++begin;
    while (end > begin && text[end - 1] == '\n') --end;
    om.match_begin = begin;
    om.match_end = end;
    std::string_view match = text.substr(begin, end - begin);
    om.secret_begin = begin;
    om.secret_end = end;
    // FindStringSubmatch on the trimmed match, as a text of its own.
    if (groups > 0 && re.Match(re2::StringPiece(match.data(), match.size()), 0, match.size(),
                               RE2::UNANCHORED, sub.data(), groups + 1)) {
      const re2::StringPiece* chosen = nullptr;
      if (rule.secret_group > 0) {
        if (rule.secret_group <= groups) chosen = &sub[static_cast<size_t>(rule.secret_group)];
      } else {
        for (int g = 1; g <= groups; ++g) {
          if (!sub[static_cast<size_t>(g)].empty()) {
            chosen = &sub[static_cast<size_t>(g)];
            break;
          }
        }
      }
      if (chosen != nullptr) {
        if (chosen->data() == nullptr) {
          om.secret_begin = om.secret_end = begin;  // an unmatched group: an empty secret
        } else {
          om.secret_begin = begin + static_cast<size_t>(chosen->data() - match.data());
          om.secret_end = om.secret_begin + chosen->size();
        }
      }
    }
    om.secret = std::string(text.substr(om.secret_begin, om.secret_end - om.secret_begin));
    om.entropy = ShannonEntropy(om.secret);
    om.entropy_ok = !rule.entropy || *rule.entropy == 0 || om.entropy > *rule.entropy;
    // The line(s) the match is on.
    size_t line_begin = 0;
    if (begin > 0) {
      size_t nl = text.rfind('\n', begin - 1);
      if (nl != std::string_view::npos) line_begin = nl + 1;
    }
    size_t line_end = text.find('\n', end);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_begin, line_end - line_begin);
    for (size_t g = 0; g < impl_->global.size(); ++g) {
      if (impl_->global[g].AppliesTo(rule.id) &&
          impl_->global[g].AllowsFinding(om.secret, match, line, path)) {
        om.allowed_by.push_back(AllowlistRef{true, g});
      }
    }
    for (size_t a = 0; a < compiled.allowlists.size(); ++a) {
      if (compiled.allowlists[a].AllowsFinding(om.secret, match, line, path)) {
        om.allowed_by.push_back(AllowlistRef{false, a});
      }
    }
    result.matches.push_back(std::move(om));
  }
  return result;
}

std::optional<std::string> SamplePath(const std::string& path_regex, uint64_t seed) {
  auto sampler = RegexSampler::Parse(path_regex);
  if (!sampler.ok()) return std::nullopt;
  std::mt19937_64 rng(seed);
  auto sample = sampler->Generate(rng);
  if (!sample.ok()) return std::nullopt;
  if (sample->anchored_start) return sample->text;
  return "pkg/" + sample->text;
}

std::optional<TruePositive> MakeTruePositive(const GitleaksOracle& oracle, size_t rule_index,
                                             uint64_t seed, const TruePositiveOptions& options) {
  const Rule& rule = oracle.rules().rules.at(rule_index);
  std::optional<RegexSampler> sampler;
  if (!rule.regex.empty()) {
    auto parsed = RegexSampler::Parse(rule.regex);
    if (!parsed.ok()) return std::nullopt;
    sampler = std::move(*parsed);
  }
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    const uint64_t attempt_seed = seed + static_cast<uint64_t>(attempt) * 0x9e3779b97f4a7c15ull;
    TruePositive tp;
    tp.attempts = attempt;
    if (!rule.path.empty()) {
      std::optional<std::string> path = SamplePath(rule.path, attempt_seed ^ 0x5a5a);
      if (!path) return std::nullopt;
      tp.path = *path;
    }
    if (sampler) {
      std::mt19937_64 rng(attempt_seed);
      auto sample = sampler->Generate(rng);
      if (!sample.ok()) continue;
      if (options.embeddable && (sample->anchored_start || sample->anchored_end)) continue;
      const std::string lower = ToLower(sample->text);
      bool has_keyword = rule.keywords.empty();
      for (const std::string& k : rule.keywords) {
        if (lower.find(ToLower(k)) != std::string::npos) has_keyword = true;
      }
      if (has_keyword) {
        tp.text = sample->text;
      } else if (!sample->anchored_start) {
        tp.text = rule.keywords[attempt % rule.keywords.size()] + " = " + sample->text;
      } else if (!sample->anchored_end) {
        tp.text = sample->text + "\n" + rule.keywords[attempt % rule.keywords.size()];
      } else {
        continue;
      }
      if (!sample->anchored_end) tp.text += "\n";
    } else {
      tp.text = "binary content\n";  // a path-only rule looks at the path alone
    }
    OracleResult r = oracle.Evaluate(rule_index, tp.text, tp.path);
    if (!r.reported()) continue;
    if (const OracleMatch* m = r.first_reported()) tp.match = *m;
    return tp;
  }
  return std::nullopt;
}

}  // namespace custody::dlp::testing
