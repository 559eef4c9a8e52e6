// The Cedar schema format (docs.cedarpolicy.com/schema/human-readable-schema-grammar.html; the
// Rust grammar is cedar-policy-core/src/validator/cedar_schema/grammar.lalrpop).
//
// Parsing happens in three steps: a tokenizer, a recursive-descent parser that builds raw
// declarations (names as written), and a resolver that qualifies every name and expands common
// types. Name resolution follows the Rust implementation (RFC 24): an unqualified name `A` written
// in namespace `NS` means `NS::A` if that is declared, else `A` in the empty namespace; at each
// step a common type wins over an entity type; the primitive and extension types (`Long`,
// `String`, `Bool`, `ipaddr`, `decimal`, `datetime`, `duration`) come last, and `__cedar::X`
// always names the builtin. The schema is not validated beyond what resolving it requires
// (undeclared names, duplicate declarations, cycles among common types or action groups).
#include "policy/cedar/schema.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "policy/cedar/entities.h"
#include "policy/cedar/value.h"

namespace custody::cedar {

const SchemaType::Attr* SchemaType::FindAttr(std::string_view n) const {
  // Record attributes are kept sorted by name (see MakeRecord).
  auto it = std::lower_bound(attrs.begin(), attrs.end(), n, [](const Attr& a, std::string_view k) {
    return std::string_view(a.name) < k;
  });
  if (it != attrs.end() && it->name == n) return &*it;
  return nullptr;
}

std::string SchemaType::ToString() const {
  const SchemaType& t = *this;
  switch (t.kind) {
    case SchemaType::Kind::kBool:
      return "bool";
    case SchemaType::Kind::kLong:
      return "long";
    case SchemaType::Kind::kString:
      return "string";
    case SchemaType::Kind::kEntity:
      return "(entity of type `" + t.name + "`)";
    case SchemaType::Kind::kSet:
      return "set of " + (t.element ? t.element->ToString() : std::string("any"));
    case SchemaType::Kind::kRecord:
      return "record";
    case SchemaType::Kind::kExtension:
      return t.name;
    case SchemaType::Kind::kUnknown:
      break;
  }
  return "any";
}

namespace {

using TypePtr = std::shared_ptr<const SchemaType>;

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct Loc {
  int line = 1;
  int column = 1;
};

std::string Join(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string out;
  out.reserve(ns.size() + 2 + name.size());
  out += ns;
  out += "::";
  out += name;
  return out;
}

bool IsActionType(std::string_view type) {
  return type == "Action" || (type.size() > 8 && type.ends_with("::Action"));
}

// ---- tokens -------------------------------------------------------------------------------------

struct Token {
  enum class Kind : uint8_t { kIdent, kString, kPunct, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, unescaped string literal, or punctuation
  Loc loc;
};

std::string Describe(const Token& t) {
  switch (t.kind) {
    case Token::Kind::kEnd:
      return "end of input";
    case Token::Kind::kString:
      return "string literal \"" + EscapeString(t.text) + "\"";
    default:
      return "`" + t.text + "`";
  }
}

Error ErrorAt(std::string_view name, Loc loc, std::string_view what) {
  Error e = InvalidArgument(std::string(name) + ":" + std::to_string(loc.line) + ":" +
                            std::to_string(loc.column) + ": " + std::string(what));
  e.mutable_details()["line"] = loc.line;
  e.mutable_details()["column"] = loc.column;
  return e;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Cedar string escapes (the same as Rust's): \n \r \t \\ \0 \' \" \xHH (at most 7F) and
// \u{H..} (1 to 6 hex digits, a Unicode scalar value). Returns the bad escape on failure.
std::optional<std::string> Unescape(std::string_view body, std::string* bad) {
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    size_t start = i;
    if (++i >= body.size()) {
      *bad = "\\";
      return std::nullopt;
    }
    switch (body[i]) {
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case '\\':
        out += '\\';
        break;
      case '0':
        out += '\0';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'x': {
        int hi = i + 1 < body.size() ? HexDigit(body[i + 1]) : -1;
        int lo = i + 2 < body.size() ? HexDigit(body[i + 2]) : -1;
        if (hi < 0 || lo < 0 || hi > 7) {
          *bad = std::string(body.substr(start, std::min<size_t>(4, body.size() - start)));
          return std::nullopt;
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      case 'u': {
        size_t close = body.find('}', i);
        if (i + 1 >= body.size() || body[i + 1] != '{' || close == std::string_view::npos ||
            close - i - 2 < 1 || close - i - 2 > 6) {
          *bad = std::string(body.substr(start, std::min<size_t>(10, body.size() - start)));
          return std::nullopt;
        }
        uint32_t cp = 0;
        for (size_t k = i + 2; k < close; ++k) {
          int d = HexDigit(body[k]);
          if (d < 0) {
            *bad = std::string(body.substr(start, close + 1 - start));
            return std::nullopt;
          }
          cp = cp * 16 + static_cast<uint32_t>(d);
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          *bad = std::string(body.substr(start, close + 1 - start));
          return std::nullopt;
        }
        AppendUtf8(out, cp);
        i = close;
        break;
      }
      default:
        *bad = std::string(body.substr(start, 2));
        return std::nullopt;
    }
  }
  return out;
}

bool IsIdentStart(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

Result<std::vector<Token>> Tokenize(std::string_view text, std::string_view name) {
  std::vector<Token> out;
  out.reserve(text.size() / 4 + 1);
  int line = 1;
  int column = 1;
  size_t i = 0;
  // Advances over text[i, end), keeping line and column (columns count code points).
  auto advance = [&](size_t end) {
    for (; i < end; ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == '\n') {
        ++line;
        column = 1;
      } else if ((c & 0xC0) != 0x80) {
        ++column;
      }
    }
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      advance(i + 1);
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      size_t end = text.find_first_of("\n\r", i);
      advance(end == std::string_view::npos ? text.size() : end);
      continue;
    }
    Token t;
    t.loc = {line, column};
    if (IsIdentStart(c)) {
      size_t end = i + 1;
      while (end < text.size() && IsIdentChar(text[end])) ++end;
      t.kind = Token::Kind::kIdent;
      t.text = std::string(text.substr(i, end - i));
      advance(end);
    } else if (c == '"') {
      size_t end = i + 1;
      while (end < text.size() && text[end] != '"') end += text[end] == '\\' ? 2 : 1;
      if (end >= text.size()) return ErrorAt(name, t.loc, "unterminated string literal");
      std::string bad;
      std::optional<std::string> s = Unescape(text.substr(i + 1, end - i - 1), &bad);
      if (!s) return ErrorAt(name, t.loc, "invalid escape `" + bad + "` in string literal");
      t.kind = Token::Kind::kString;
      t.text = std::move(*s);
      advance(end + 1);
    } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
      t.kind = Token::Kind::kPunct;
      t.text = "::";
      advance(i + 2);
    } else if (std::string_view(",;:{}[]<>=?@()").find(c) != std::string_view::npos) {
      t.kind = Token::Kind::kPunct;
      t.text = std::string(1, c);
      advance(i + 1);
    } else {
      std::string ch(1, c);
      // Show a whole UTF-8 character rather than its first byte.
      for (size_t k = i + 1;
           k < text.size() && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80; ++k)
        ch += text[k];
      return ErrorAt(name, t.loc, "unexpected character `" + ch + "`");
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.loc = {line, column};
  out.push_back(std::move(end));
  return out;
}

// ---- raw declarations ---------------------------------------------------------------------------

struct RawPath {
  std::vector<std::string> parts;
  Loc loc;
  std::string Joined() const {
    std::string out;
    for (const std::string& p : parts) {
      if (!out.empty()) out += "::";
      out += p;
    }
    return out;
  }
};

struct RawType;
using RawTypePtr = std::shared_ptr<const RawType>;

struct RawAttr {
  std::string name;
  bool required = true;
  RawTypePtr type;
  Loc loc;
};

struct RawType {
  enum class Kind : uint8_t { kPath, kSet, kRecord };
  Kind kind = Kind::kPath;
  RawPath path;                // kPath
  RawTypePtr element;          // kSet
  std::vector<RawAttr> attrs;  // kRecord
  Loc loc;
};

struct RawQualName {
  std::optional<RawPath> type;  // `Path::"id"`; unset for a bare name
  std::string id;
  Loc loc;
};

struct RawEntity {
  std::string ns;
  std::string name;
  Loc loc;
  std::vector<RawPath> parents;
  RawTypePtr attrs;  // a record, or null for none
  RawTypePtr tags;   // null for none
  bool is_enum = false;
  std::vector<std::string> choices;
};

struct RawAppliesTo {
  std::optional<std::vector<RawPath>> principals;
  std::optional<std::vector<RawPath>> resources;
  RawTypePtr context;  // a record or a path naming one; null when not given
};

struct RawAction {
  std::string ns;
  std::string name;
  Loc loc;
  std::vector<RawQualName> parents;
  std::shared_ptr<const RawAppliesTo> applies_to;  // null without `appliesTo`
};

struct RawCommon {
  std::string ns;
  std::string name;
  Loc loc;
  RawTypePtr def;
};

struct RawSchema {
  std::vector<RawEntity> entities;
  std::vector<RawAction> actions;
  std::vector<RawCommon> commons;
};

// ---- parser -------------------------------------------------------------------------------------

// Words that cannot be identifiers (Cedar's reserved words; `__cedar` is allowed so that
// `__cedar::Long` parses as a path).
bool IsReserved(std::string_view s) {
  static const std::set<std::string_view> kReserved = {"true", "false", "if",   "then", "else",
                                                       "in",   "is",    "like", "has"};
  return kReserved.contains(s);
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, std::string_view name)
      : tokens_(std::move(tokens)), name_(name) {}

  Status ParseSchema(RawSchema* out) {
    std::set<std::string> namespaces;
    while (!AtEnd()) {
      RETURN_IF_ERROR(ParseAnnotations());
      if (PeekWord("namespace")) {
        Loc loc = Next().loc;
        RawPath path;
        RETURN_IF_ERROR(ParsePath(&path));
        std::string ns = path.Joined();
        for (const std::string& part : path.parts)
          if (part == "__cedar")
            return ErrorAt(name_, path.loc, "`__cedar` is a reserved namespace");
        if (!namespaces.insert(ns).second)
          return ErrorAt(name_, loc, "namespace `" + ns + "` is declared twice");
        RETURN_IF_ERROR(Expect("{"));
        while (!PeekPunct("}")) {
          if (AtEnd()) return Unexpected("`}`");
          RETURN_IF_ERROR(ParseAnnotations());
          RETURN_IF_ERROR(ParseDecl(ns, out));
        }
        Next();
      } else {
        RETURN_IF_ERROR(ParseDecl("", out));
      }
    }
    return OkStatus();
  }

 private:
  const Token& Peek(size_t k = 0) const { return tokens_[std::min(pos_ + k, tokens_.size() - 1)]; }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool AtEnd() const { return Peek().kind == Token::Kind::kEnd; }
  bool PeekPunct(std::string_view p, size_t k = 0) const {
    return Peek(k).kind == Token::Kind::kPunct && Peek(k).text == p;
  }
  bool PeekWord(std::string_view w, size_t k = 0) const {
    return Peek(k).kind == Token::Kind::kIdent && Peek(k).text == w;
  }
  Error Unexpected(std::string_view expected) const {
    return ErrorAt(name_, Peek().loc,
                   "unexpected " + Describe(Peek()) + ", expected " + std::string(expected));
  }
  Status Expect(std::string_view punct) {
    if (!PeekPunct(punct)) return Unexpected("`" + std::string(punct) + "`");
    Next();
    return OkStatus();
  }

  // Annotations are recorded only to reject duplicates; the schema does not use them.
  Status ParseAnnotations() {
    std::set<std::string> keys;
    while (PeekPunct("@")) {
      Next();
      if (Peek().kind != Token::Kind::kIdent) return Unexpected("an annotation name");
      const Token& key = Next();
      if (!keys.insert(key.text).second)
        return ErrorAt(name_, key.loc, "duplicate annotation `@" + key.text + "`");
      if (PeekPunct("(")) {
        Next();
        if (Peek().kind != Token::Kind::kString) return Unexpected("a string literal");
        Next();
        RETURN_IF_ERROR(Expect(")"));
      }
    }
    return OkStatus();
  }

  Status ParseIdent(std::string* out, Loc* loc = nullptr) {
    if (Peek().kind != Token::Kind::kIdent) return Unexpected("an identifier");
    if (IsReserved(Peek().text))
      return ErrorAt(name_, Peek().loc, "`" + Peek().text + "` is a reserved identifier");
    if (loc) *loc = Peek().loc;
    *out = Next().text;
    return OkStatus();
  }

  // Name := IDENT | STR
  Status ParseName(std::string* out, Loc* loc) {
    if (Peek().kind == Token::Kind::kString) {
      *loc = Peek().loc;
      *out = Next().text;
      return OkStatus();
    }
    if (Peek().kind != Token::Kind::kIdent) return Unexpected("a name (identifier or string)");
    return ParseIdent(out, loc);
  }

  // Path := IDENT {'::' IDENT}
  Status ParsePath(RawPath* out) {
    out->loc = Peek().loc;
    out->parts.clear();
    std::string part;
    RETURN_IF_ERROR(ParseIdent(&part));
    out->parts.push_back(std::move(part));
    while (PeekPunct("::") && Peek(1).kind == Token::Kind::kIdent) {
      Next();
      RETURN_IF_ERROR(ParseIdent(&part));
      out->parts.push_back(std::move(part));
    }
    return OkStatus();
  }

  // EntTypes := Path | '[' [Path {',' Path}] ']'
  Status ParseEntTypes(std::vector<RawPath>* out) {
    if (!PeekPunct("[")) {
      RawPath p;
      RETURN_IF_ERROR(ParsePath(&p));
      out->push_back(std::move(p));
      return OkStatus();
    }
    Next();
    if (PeekPunct("]")) {
      Next();
      return OkStatus();
    }
    while (true) {
      RawPath p;
      RETURN_IF_ERROR(ParsePath(&p));
      out->push_back(std::move(p));
      if (PeekPunct("]")) break;
      RETURN_IF_ERROR(Expect(","));
    }
    Next();
    return OkStatus();
  }

  // Type := Path | 'Set' '<' Type '>' | '{' [AttrDecls] '}'
  Status ParseType(RawTypePtr* out) {
    auto t = std::make_shared<RawType>();
    t->loc = Peek().loc;
    if (PeekWord("Set") && PeekPunct("<", 1)) {
      Next();
      Next();
      t->kind = RawType::Kind::kSet;
      RETURN_IF_ERROR(ParseType(&t->element));
      RETURN_IF_ERROR(Expect(">"));
    } else if (PeekPunct("{")) {
      t->kind = RawType::Kind::kRecord;
      RETURN_IF_ERROR(ParseRecordBody(t.get()));
    } else {
      t->kind = RawType::Kind::kPath;
      RETURN_IF_ERROR(ParsePath(&t->path));
    }
    *out = std::move(t);
    return OkStatus();
  }

  // '{' [AttrDecls] '}' where AttrDecls := Annotation* Name ['?'] ':' Type {',' ...} [',']
  Status ParseRecordBody(RawType* t) {
    RETURN_IF_ERROR(Expect("{"));
    std::set<std::string> names;
    while (!PeekPunct("}")) {
      RETURN_IF_ERROR(ParseAnnotations());
      RawAttr a;
      RETURN_IF_ERROR(ParseName(&a.name, &a.loc));
      if (PeekPunct("?")) {
        Next();
        a.required = false;
      }
      RETURN_IF_ERROR(Expect(":"));
      RETURN_IF_ERROR(ParseType(&a.type));
      if (!names.insert(a.name).second)
        return ErrorAt(name_, a.loc, "duplicate attribute `" + EscapeString(a.name) + "`");
      t->attrs.push_back(std::move(a));
      if (PeekPunct("}")) break;
      if (!PeekPunct(",")) return Unexpected("`,` or `}`");
      Next();
    }
    Next();
    return OkStatus();
  }

  Status ParseDecl(const std::string& ns, RawSchema* out) {
    if (PeekWord("entity")) return ParseEntity(ns, out);
    if (PeekWord("action")) return ParseAction(ns, out);
    if (PeekWord("type")) return ParseCommon(ns, out);
    return Unexpected("`@`, `action`, `entity`, `namespace`, or `type`");
  }

  // Entity := 'entity' Idents ['in' EntTypes] [['='] RecType] ['tags' Type] ';'
  //         | 'entity' Idents 'enum' '[' STRs ']' ';'
  Status ParseEntity(const std::string& ns, RawSchema* out) {
    Next();
    std::vector<std::pair<std::string, Loc>> names;
    while (true) {
      std::pair<std::string, Loc> n;
      RETURN_IF_ERROR(ParseIdent(&n.first, &n.second));
      names.push_back(std::move(n));
      if (!PeekPunct(",")) break;
      Next();
    }
    RawEntity proto;
    proto.ns = ns;
    if (PeekWord("enum")) {
      Next();
      proto.is_enum = true;
      RETURN_IF_ERROR(Expect("["));
      while (true) {
        if (Peek().kind != Token::Kind::kString) return Unexpected("a string literal");
        proto.choices.push_back(Next().text);
        if (!PeekPunct(",")) break;
        Next();
      }
      RETURN_IF_ERROR(Expect("]"));
    } else {
      if (PeekWord("in")) {
        Next();
        RETURN_IF_ERROR(ParseEntTypes(&proto.parents));
      }
      if (PeekPunct("=") || PeekPunct("{")) {
        if (PeekPunct("=")) Next();
        auto rec = std::make_shared<RawType>();
        rec->kind = RawType::Kind::kRecord;
        rec->loc = Peek().loc;
        RETURN_IF_ERROR(ParseRecordBody(rec.get()));
        proto.attrs = std::move(rec);
      }
      if (PeekWord("tags")) {
        Next();
        RETURN_IF_ERROR(ParseType(&proto.tags));
      }
    }
    RETURN_IF_ERROR(Expect(";"));
    for (size_t i = 0; i < names.size(); ++i) {
      RawEntity e = i + 1 < names.size() ? proto : std::move(proto);
      e.name = std::move(names[i].first);
      e.loc = names[i].second;
      out->entities.push_back(std::move(e));
    }
    return OkStatus();
  }

  // QualName := Path '::' STR | Name
  Status ParseQualName(RawQualName* q) {
    q->loc = Peek().loc;
    if (Peek().kind == Token::Kind::kString) {
      q->id = Next().text;
      return OkStatus();
    }
    RawPath path;
    path.loc = Peek().loc;
    std::string part;
    RETURN_IF_ERROR(ParseIdent(&part));
    path.parts.push_back(part);
    while (PeekPunct("::")) {
      Next();
      if (Peek().kind == Token::Kind::kString) {
        q->type = std::move(path);
        q->id = Next().text;
        return OkStatus();
      }
      RETURN_IF_ERROR(ParseIdent(&part));
      path.parts.push_back(part);
    }
    if (path.parts.size() != 1) return Unexpected("`::` and an action name");
    q->id = path.parts[0];
    return OkStatus();
  }

  // Action := 'action' Names ['in' (QualName | '[' QualNames ']')]
  //           ['appliesTo' '{' AppDecls '}'] ['attributes' '{' '}'] ';'
  Status ParseAction(const std::string& ns, RawSchema* out) {
    Next();
    std::vector<std::pair<std::string, Loc>> names;
    while (true) {
      std::pair<std::string, Loc> n;
      RETURN_IF_ERROR(ParseName(&n.first, &n.second));
      names.push_back(std::move(n));
      if (!PeekPunct(",")) break;
      Next();
    }
    RawAction proto;
    proto.ns = ns;
    if (PeekWord("in")) {
      Next();
      if (PeekPunct("[")) {
        Next();
        while (true) {
          RawQualName q;
          RETURN_IF_ERROR(ParseQualName(&q));
          proto.parents.push_back(std::move(q));
          if (!PeekPunct(",")) break;
          Next();
        }
        RETURN_IF_ERROR(Expect("]"));
      } else {
        RawQualName q;
        RETURN_IF_ERROR(ParseQualName(&q));
        proto.parents.push_back(std::move(q));
      }
    }
    if (PeekWord("appliesTo")) {
      Next();
      auto applies = std::make_shared<RawAppliesTo>();
      RETURN_IF_ERROR(ParseAppDecls(applies.get()));
      proto.applies_to = std::move(applies);
    }
    if (PeekWord("attributes")) {
      Next();
      RETURN_IF_ERROR(Expect("{"));
      RETURN_IF_ERROR(Expect("}"));
    }
    RETURN_IF_ERROR(Expect(";"));
    for (size_t i = 0; i < names.size(); ++i) {
      RawAction a = i + 1 < names.size() ? proto : std::move(proto);
      a.name = std::move(names[i].first);
      a.loc = names[i].second;
      out->actions.push_back(std::move(a));
    }
    return OkStatus();
  }

  // '{' AppDecls '}' where AppDecls := ('principal' | 'resource') ':' EntTypes
  //                                   | 'context' ':' (Path | RecType), comma separated.
  Status ParseAppDecls(RawAppliesTo* out) {
    RETURN_IF_ERROR(Expect("{"));
    bool any = false;
    while (!PeekPunct("}") || !any) {
      const Token& key = Peek();
      if (PeekWord("principal") || PeekWord("resource")) {
        Next();
        RETURN_IF_ERROR(Expect(":"));
        auto& slot = key.text == "principal" ? out->principals : out->resources;
        if (slot) return ErrorAt(name_, key.loc, "`" + key.text + "` is declared twice");
        slot.emplace();
        RETURN_IF_ERROR(ParseEntTypes(&*slot));
      } else if (PeekWord("context")) {
        Next();
        RETURN_IF_ERROR(Expect(":"));
        if (out->context) return ErrorAt(name_, key.loc, "`context` is declared twice");
        if (PeekPunct("{")) {
          auto rec = std::make_shared<RawType>();
          rec->kind = RawType::Kind::kRecord;
          rec->loc = Peek().loc;
          RETURN_IF_ERROR(ParseRecordBody(rec.get()));
          out->context = std::move(rec);
        } else {
          auto t = std::make_shared<RawType>();
          t->kind = RawType::Kind::kPath;
          t->loc = Peek().loc;
          RETURN_IF_ERROR(ParsePath(&t->path));
          out->context = std::move(t);
        }
      } else {
        return Unexpected("`principal`, `resource` or `context`");
      }
      any = true;
      if (PeekPunct("}")) break;
      if (!PeekPunct(",")) return Unexpected("`,` or `}`");
      Next();
    }
    Next();
    return OkStatus();
  }

  // TypeDecl := 'type' IDENT '=' Type ';'
  Status ParseCommon(const std::string& ns, RawSchema* out) {
    Next();
    RawCommon c;
    c.ns = ns;
    RETURN_IF_ERROR(ParseIdent(&c.name, &c.loc));
    // The names the JSON schema format uses for its own type kinds cannot be common types.
    static const std::set<std::string_view> kReservedTypeNames = {
        "Bool", "Boolean", "Entity", "Extension", "Long", "Record", "Set", "String"};
    if (kReservedTypeNames.contains(c.name))
      return ErrorAt(name_, c.loc, "`" + c.name + "` cannot be the name of a common type");
    RETURN_IF_ERROR(Expect("="));
    RETURN_IF_ERROR(ParseType(&c.def));
    RETURN_IF_ERROR(Expect(";"));
    out->commons.push_back(std::move(c));
    return OkStatus();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::string_view name_;
};

// ---- resolved schema ----------------------------------------------------------------------------

TypePtr MakePrimitive(SchemaType::Kind kind, std::string name = "") {
  auto t = std::make_shared<SchemaType>();
  t->kind = kind;
  t->name = std::move(name);
  return t;
}

// The builtin type called `name` (`Long`, `ipaddr`, ...), or null.
TypePtr Builtin(std::string_view name) {
  static const TypePtr kLong = MakePrimitive(SchemaType::Kind::kLong);
  static const TypePtr kString = MakePrimitive(SchemaType::Kind::kString);
  static const TypePtr kBool = MakePrimitive(SchemaType::Kind::kBool);
  static const TypePtr kIp = MakePrimitive(SchemaType::Kind::kExtension, "ipaddr");
  static const TypePtr kDecimal = MakePrimitive(SchemaType::Kind::kExtension, "decimal");
  static const TypePtr kDatetime = MakePrimitive(SchemaType::Kind::kExtension, "datetime");
  static const TypePtr kDuration = MakePrimitive(SchemaType::Kind::kExtension, "duration");
  if (name == "Long") return kLong;
  if (name == "String") return kString;
  if (name == "Bool") return kBool;
  if (name == "ipaddr") return kIp;
  if (name == "decimal") return kDecimal;
  if (name == "datetime") return kDatetime;
  if (name == "duration") return kDuration;
  return nullptr;
}

const TypePtr& EmptyRecord() {
  static const TypePtr kEmpty = MakePrimitive(SchemaType::Kind::kRecord);
  return kEmpty;
}

std::string ValueTypeText(const Value& v) {
  if (v.is(Type::kEntity)) return "(entity of type `" + v.as_entity().type + "`)";
  return std::string(TypeName(v.type()));
}

// Whether `v` has schema type `t`: entity types and extension types by name, sets element-wise,
// records closed (no attributes beyond the declared ones, every required one present).
bool Conforms(const Value& v, const SchemaType& t) {
  switch (t.kind) {
    case SchemaType::Kind::kBool:
      return v.is(Type::kBool);
    case SchemaType::Kind::kLong:
      return v.is(Type::kLong);
    case SchemaType::Kind::kString:
      return v.is(Type::kString);
    case SchemaType::Kind::kEntity:
      return v.is(Type::kEntity) && v.as_entity().type == t.name;
    case SchemaType::Kind::kExtension:
      return TypeName(v.type()) == t.name;
    case SchemaType::Kind::kSet:
      if (!v.is(Type::kSet)) return false;
      for (const Value& e : v.as_set())
        if (t.element && !Conforms(e, *t.element)) return false;
      return true;
    case SchemaType::Kind::kRecord: {
      if (!v.is(Type::kRecord)) return false;
      const Record& r = v.as_record();
      for (const SchemaType::Attr& a : t.attrs)
        if (a.required && !r.contains(a.name)) return false;
      for (const auto& [k, val] : r) {
        const SchemaType::Attr* a = t.FindAttr(k);
        if (!a || !Conforms(val, *a->type)) return false;
      }
      return true;
    }
    case SchemaType::Kind::kUnknown:
      return true;
  }
  return false;
}

struct EntityTypeInfo {
  TypePtr attrs;  // always a record
  TypePtr tags;   // null: no tags
  std::vector<std::string> parents;
  bool is_enum = false;
  std::vector<std::string> choices;
  std::unordered_set<std::string> ancestor_types;  // transitive closure of `parents`
};

struct ActionInfo {
  std::vector<EntityUid> parents;
  TypePtr context;  // always a record
};

struct SchemaData {
  StringMap<EntityTypeInfo> entity_types;
  std::unordered_map<EntityUid, ActionInfo, EntityUidHash> actions;
  std::vector<EntityUid> action_order;  // declaration order
  std::unordered_set<std::string, StringHash, std::equal_to<>> action_types;
};

// Qualifies every name of a RawSchema and expands common types, into a SchemaData.
class Resolver {
 public:
  Resolver(const RawSchema& raw, std::string_view name) : raw_(raw), name_(name) {}

  Status Run(SchemaData* out) {
    for (const RawCommon& c : raw_.commons) {
      std::string full = Join(c.ns, c.name);
      if (!commons_.emplace(full, &c).second)
        return ErrorAt(name_, c.loc, "common type `" + full + "` is declared twice");
    }
    for (const RawEntity& e : raw_.entities) {
      std::string full = Join(e.ns, e.name);
      if (!entities_.emplace(full, &e).second)
        return ErrorAt(name_, e.loc, "entity type `" + full + "` is declared twice");
    }
    for (const RawAction& a : raw_.actions) {
      EntityUid uid{Join(a.ns, "Action"), a.name};
      if (!action_uids_.insert(uid).second)
        return ErrorAt(name_, a.loc, "action `" + uid.ToString() + "` is declared twice");
    }

    // Every common type must resolve, used or not (as in Rust).
    for (const RawCommon& c : raw_.commons) {
      Result<TypePtr> t = ResolveCommon(Join(c.ns, c.name), c);
      if (!t.ok()) return std::move(t).error();
    }
    for (const RawEntity& e : raw_.entities) {
      EntityTypeInfo info;
      info.is_enum = e.is_enum;
      info.choices = e.choices;
      info.attrs = EmptyRecord();
      if (e.attrs) {
        ASSIGN_OR_RETURN(info.attrs, ResolveType(*e.attrs, e.ns));
      }
      if (e.tags) {
        ASSIGN_OR_RETURN(info.tags, ResolveType(*e.tags, e.ns));
      }
      for (const RawPath& p : e.parents) {
        ASSIGN_OR_RETURN(std::string parent, ResolveEntityType(p, e.ns));
        info.parents.push_back(std::move(parent));
      }
      out->entity_types.emplace(Join(e.ns, e.name), std::move(info));
    }
    // The ancestor types of each entity type (for checking entities' parents).
    for (auto& [type, info] : out->entity_types) {
      std::vector<std::string> stack = info.parents;
      while (!stack.empty()) {
        std::string t = std::move(stack.back());
        stack.pop_back();
        if (!info.ancestor_types.insert(t).second) continue;
        auto it = out->entity_types.find(t);
        if (it != out->entity_types.end())
          stack.insert(stack.end(), it->second.parents.begin(), it->second.parents.end());
      }
    }

    for (const RawAction& a : raw_.actions) {
      EntityUid uid{Join(a.ns, "Action"), a.name};
      ActionInfo info;
      info.context = EmptyRecord();
      for (const RawQualName& q : a.parents) {
        ASSIGN_OR_RETURN(EntityUid parent, ResolveAction(q, a.ns));
        info.parents.push_back(std::move(parent));
      }
      if (a.applies_to) {
        for (const auto* list : {&a.applies_to->principals, &a.applies_to->resources}) {
          if (!*list) continue;
          for (const RawPath& p : **list) {
            Result<std::string> type = ResolveEntityType(p, a.ns);
            if (!type.ok()) return std::move(type).error();
          }
        }
        if (a.applies_to->context) {
          ASSIGN_OR_RETURN(TypePtr context, ResolveType(*a.applies_to->context, a.ns));
          if (context->kind != SchemaType::Kind::kRecord)
            return ErrorAt(name_, a.applies_to->context->loc,
                           "the context of action `" + uid.ToString() + "` must be a record");
          info.context = std::move(context);
        }
      }
      out->action_types.insert(uid.type);
      out->action_order.push_back(uid);
      out->actions.emplace(std::move(uid), std::move(info));
    }
    return CheckActionCycles(*out);
  }

 private:
  // A type as written in namespace `ns`.
  Result<TypePtr> ResolveType(const RawType& t, const std::string& ns) {
    switch (t.kind) {
      case RawType::Kind::kPath:
        return ResolveName(t.path, ns);
      case RawType::Kind::kSet: {
        auto out = std::make_shared<SchemaType>();
        out->kind = SchemaType::Kind::kSet;
        ASSIGN_OR_RETURN(out->element, ResolveType(*t.element, ns));
        return TypePtr(std::move(out));
      }
      case RawType::Kind::kRecord: {
        auto out = std::make_shared<SchemaType>();
        out->kind = SchemaType::Kind::kRecord;
        for (const RawAttr& a : t.attrs) {
          SchemaType::Attr attr;
          attr.name = a.name;
          attr.required = a.required;
          ASSIGN_OR_RETURN(attr.type, ResolveType(*a.type, ns));
          out->attrs.push_back(std::move(attr));
        }
        std::sort(
            out->attrs.begin(), out->attrs.end(),
            [](const SchemaType::Attr& x, const SchemaType::Attr& y) { return x.name < y.name; });
        return TypePtr(std::move(out));
      }
    }
    return Internal("unknown schema type kind");
  }

  // The candidate fully qualified names of `p` written in namespace `ns`, in priority order.
  static std::vector<std::string> Candidates(const RawPath& p, const std::string& ns) {
    std::string joined = p.Joined();
    if (p.parts.size() > 1 || ns.empty()) return {joined};
    return {Join(ns, joined), joined};
  }

  Result<TypePtr> ResolveName(const RawPath& p, const std::string& ns) {
    if (p.parts.size() == 2 && p.parts[0] == "__cedar") {
      if (TypePtr b = Builtin(p.parts[1])) return b;
      return ErrorAt(name_, p.loc, "`" + p.Joined() + "` is not a builtin type");
    }
    for (const std::string& candidate : Candidates(p, ns)) {
      auto c = commons_.find(candidate);
      if (c != commons_.end()) return ResolveCommon(candidate, *c->second);
      if (entities_.contains(candidate)) return EntityRef(candidate);
    }
    if (p.parts.size() == 1) {
      if (TypePtr b = Builtin(p.parts[0])) return b;
    }
    return ErrorAt(name_, p.loc, "failed to resolve type `" + p.Joined() + "`");
  }

  Result<TypePtr> ResolveCommon(const std::string& full, const RawCommon& c) {
    auto done = resolved_commons_.find(full);
    if (done != resolved_commons_.end()) return done->second;
    if (!in_progress_.insert(full).second)
      return ErrorAt(name_, c.loc, "common type `" + full + "` is defined in terms of itself");
    ASSIGN_OR_RETURN(TypePtr t, ResolveType(*c.def, c.ns));
    in_progress_.erase(full);
    resolved_commons_.emplace(full, t);
    return t;
  }

  TypePtr EntityRef(const std::string& type) {
    TypePtr& slot = entity_refs_[type];
    if (!slot) slot = MakePrimitive(SchemaType::Kind::kEntity, type);
    return slot;
  }

  Result<std::string> ResolveEntityType(const RawPath& p, const std::string& ns) {
    for (const std::string& candidate : Candidates(p, ns))
      if (entities_.contains(candidate)) return candidate;
    return ErrorAt(name_, p.loc, "undeclared entity type `" + p.Joined() + "`");
  }

  // An action group reference: `"g"` and `Action::"g"` look in the current namespace first.
  Result<EntityUid> ResolveAction(const RawQualName& q, const std::string& ns) {
    RawPath type;
    if (q.type) {
      type = *q.type;
    } else {
      type.parts = {"Action"};
      type.loc = q.loc;
    }
    for (const std::string& candidate : Candidates(type, ns)) {
      EntityUid uid{candidate, q.id};
      if (action_uids_.contains(uid)) return uid;
    }
    EntityUid written{type.Joined(), q.id};
    return ErrorAt(name_, q.loc, "undeclared action `" + written.ToString() + "`");
  }

  Status CheckActionCycles(const SchemaData& s) {
    // Depth-first search with three colours; a grey node reached again closes a cycle.
    std::unordered_map<EntityUid, int, EntityUidHash> colour;
    std::function<bool(const EntityUid&)> visit = [&](const EntityUid& u) {
      int& c = colour[u];
      if (c == 1) return false;
      if (c == 2) return true;
      c = 1;
      auto it = s.actions.find(u);
      if (it != s.actions.end())
        for (const EntityUid& p : it->second.parents)
          if (!visit(p)) return false;
      colour[u] = 2;
      return true;
    };
    for (const RawAction& a : raw_.actions) {
      EntityUid uid{Join(a.ns, "Action"), a.name};
      if (!visit(uid))
        return ErrorAt(name_, a.loc,
                       "the action hierarchy has a cycle containing `" + uid.ToString() + "`");
    }
    return OkStatus();
  }

  const RawSchema& raw_;
  std::string_view name_;
  std::unordered_map<std::string, const RawCommon*> commons_;
  std::unordered_map<std::string, const RawEntity*> entities_;
  std::unordered_set<EntityUid, EntityUidHash> action_uids_;
  std::unordered_map<std::string, TypePtr> resolved_commons_;
  std::unordered_set<std::string> in_progress_;
  std::unordered_map<std::string, TypePtr> entity_refs_;
};

}  // namespace

struct Schema::Impl : SchemaData {};

Schema::Schema() : impl_(std::make_unique<Impl>()) {}
Schema::Schema(Schema&&) noexcept = default;
Schema& Schema::operator=(Schema&&) noexcept = default;
Schema::~Schema() = default;

Result<Schema> Schema::Parse(std::string_view text, std::string_view name) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(text, name));
  RawSchema raw;
  Parser parser(std::move(tokens), name);
  RETURN_IF_ERROR(parser.ParseSchema(&raw));
  Schema schema;
  Resolver resolver(raw, name);
  RETURN_IF_ERROR(resolver.Run(schema.impl_.get()));
  return schema;
}

const SchemaType* Schema::EntityAttrs(std::string_view entity_type) const {
  auto it = impl_->entity_types.find(entity_type);
  return it == impl_->entity_types.end() ? nullptr : it->second.attrs.get();
}

const SchemaType* Schema::EntityTags(std::string_view entity_type) const {
  auto it = impl_->entity_types.find(entity_type);
  return it == impl_->entity_types.end() ? nullptr : it->second.tags.get();
}

const SchemaType* Schema::ActionContext(const EntityUid& action) const {
  auto it = impl_->actions.find(action);
  return it == impl_->actions.end() ? nullptr : it->second.context.get();
}

bool Schema::HasEntityType(std::string_view entity_type) const {
  return impl_->entity_types.contains(entity_type) || impl_->action_types.contains(entity_type);
}

std::vector<Entity> Schema::ActionEntities() const {
  std::vector<Entity> out;
  out.reserve(impl_->action_order.size());
  for (const EntityUid& uid : impl_->action_order) {
    Entity e;
    e.uid = uid;
    e.parents = impl_->actions.at(uid).parents;
    out.push_back(std::move(e));
  }
  return out;
}

Status Schema::CheckEntity(const Entity& entity) const {
  const EntityUid& uid = entity.uid;
  if (IsActionType(uid.type)) {
    if (!impl_->actions.contains(uid))
      return InvalidArgument("found action entity `" + uid.ToString() +
                             "`, but it was not declared as an action in the schema");
    return OkStatus();
  }
  auto it = impl_->entity_types.find(uid.type);
  if (it == impl_->entity_types.end())
    return InvalidArgument("entity `" + uid.ToString() + "` has type `" + uid.type +
                           "` which is not declared in the schema");
  const EntityTypeInfo& info = it->second;
  if (info.is_enum &&
      std::find(info.choices.begin(), info.choices.end(), uid.id) == info.choices.end())
    return InvalidArgument("entity `" + uid.ToString() +
                           "` is of an enumerated entity type, but `\"" + EscapeString(uid.id) +
                           "\"` is not declared as a valid eid");
  for (const SchemaType::Attr& a : info.attrs->attrs)
    if (a.required && !entity.attrs.contains(a.name))
      return InvalidArgument("expected entity `" + uid.ToString() + "` to have attribute `" +
                             a.name + "`, but it does not");
  for (const auto& [name, value] : entity.attrs) {
    const SchemaType::Attr* a = info.attrs->FindAttr(name);
    if (!a)
      return InvalidArgument("attribute `" + name + "` on `" + uid.ToString() +
                             "` should not exist according to the schema");
    if (!Conforms(value, *a->type))
      return InvalidArgument("in attribute `" + name + "` on `" + uid.ToString() +
                             "`, type mismatch: value was expected to have type " +
                             a->type->ToString() + ", but it actually has type " +
                             ValueTypeText(value) + ": `" + value.ToCedar() + "`");
  }
  for (const auto& [name, value] : entity.tags) {
    if (!info.tags)
      return InvalidArgument("found a tag `" + name + "` on `" + uid.ToString() +
                             "`, but no tags should exist on `" + uid.ToString() +
                             "` according to the schema");
    if (!Conforms(value, *info.tags))
      return InvalidArgument("in tag `" + name + "` on `" + uid.ToString() +
                             "`, type mismatch: value was expected to have type " +
                             info.tags->ToString() + ", but it actually has type " +
                             ValueTypeText(value) + ": `" + value.ToCedar() + "`");
  }
  for (const EntityUid& parent : entity.parents)
    if (!info.ancestor_types.contains(parent.type))
      return InvalidArgument("`" + uid.ToString() +
                             "` is not allowed to have an ancestor of type `" + parent.type +
                             "` according to the schema");
  return OkStatus();
}

}  // namespace custody::cedar
