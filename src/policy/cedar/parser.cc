// Recursive-descent parser for Cedar policies, expressions and entity uids (see parser.h).
//
// The grammar and the extra checks follow the Rust implementation
// (cedar-policy-core/src/parser/grammar.lalrpop and cst_to_ast.rs), which is what the conformance
// tests were generated with:
// - reserved identifiers (true false if then else in is has like) are never names, attributes or
//   record keys; `__cedar` is not allowed as a name component or attribute identifier (RFC 52);
//   annotation keys may be any identifier;
// - `-N` folds into a negative literal (so -9223372036854775808 parses), at most 4 `!` or `-` in a
//   row, no chained relations (`a < b < c`), no `/` or `%`;
// - extended `e has a.b.c` desugars into `e has a && e.a has b && e.a.b has c` (left-nested);
// - functions and methods are resolved with LookupFunction; the arity of the set and tag methods
//   is checked here, that of extension functions when they are called (as in Rust);
// - template slots may appear only in the principal and resource scope, each in its own position.
//
// The parser stops at the first error. Its nesting depth is bounded (kMaxNesting), and so is the
// depth of the trees it builds (kMaxExprDepth), so hostile input cannot exhaust the stack here or
// in the recursive walks over the tree elsewhere (evaluation, destruction).
#include "policy/cedar/parser.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "policy/cedar/lexer.h"

namespace custody::cedar {

using internal::EscapeError;
using internal::Tok;
using internal::Token;

namespace {

// Parenthesised/bracketed nesting accepted in one expression. Each level costs about ten parser
// frames.
constexpr int kMaxNesting = 200;
// Depth of an expression tree (chains like a && b && c nest one level per operator).
constexpr int kMaxExprDepth = 1000;

bool IsReserved(std::string_view s) {
  return s == "true" || s == "false" || s == "if" || s == "then" || s == "else" || s == "in" ||
         s == "is" || s == "has" || s == "like";
}

std::optional<Var> VarOf(std::string_view s) {
  if (s == "principal") return Var::kPrincipal;
  if (s == "action") return Var::kAction;
  if (s == "resource") return Var::kResource;
  if (s == "context") return Var::kContext;
  return std::nullopt;
}

std::string_view VarName(Var v) {
  switch (v) {
    case Var::kPrincipal:
      return "principal";
    case Var::kAction:
      return "action";
    case Var::kResource:
      return "resource";
    case Var::kContext:
      return "context";
  }
  return "";
}

Error MakeError(std::string_view name, SourceLoc loc, std::string_view what) {
  std::string message;
  message.reserve(name.size() + what.size() + 16);
  message.append(name);
  message.append(":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": ");
  message.append(what);
  boost::json::object details;
  details["line"] = loc.line;
  details["column"] = loc.column;
  return Error(ErrorCode::kInvalidArgument, std::move(message), std::move(details));
}

// Deep copy, for the desugaring of extended `has` (the target is used once per attribute).
// The input is bounded by kMaxExprDepth, so the recursion is too.
ExprPtr CloneExpr(const Expr& e) {
  auto c = std::make_unique<Expr>();
  c->kind = e.kind;
  c->op = e.op;
  c->var = e.var;
  c->slot = e.slot;
  c->fn = e.fn;
  c->value = e.value;
  c->name = e.name;
  c->pattern = e.pattern;
  c->keys = e.keys;
  c->loc = e.loc;
  c->args.reserve(e.args.size());
  for (const auto& a : e.args) c->args.push_back(CloneExpr(*a));
  return c;
}

// An expression under construction with the depth of its tree.
struct Node {
  ExprPtr e;
  int depth = 0;
  explicit operator bool() const { return e != nullptr; }
};

// What a scope constraint's right-hand side turned out to be.
struct ScopeRef {
  enum class Kind { kEntity, kSlot, kSet } kind = Kind::kEntity;
  EntityUid entity;
  std::vector<EntityUid> entities;
  Slot slot = Slot::kPrincipal;
};

class Parser {
 public:
  Parser(std::string_view src, std::string_view name) : src_(src), name_(name), lexer_(src) {}

  // Policies := {Policy} EOF
  bool ParsePolicies(std::vector<Policy>* out) {
    while (Peek().kind != Tok::kEof) {
      Policy p;
      if (!ParsePolicy(&p) || failed_) return false;
      out->push_back(std::move(p));
    }
    return !failed_;
  }

  ExprPtr ParseWholeExpression() {
    Node n = ParseExpr();
    if (!n || failed_ || !ExpectEnd()) return nullptr;
    return std::move(n.e);
  }

  std::optional<EntityUid> ParseWholeEntityUid() {
    EntityUid uid;
    if (Peek().kind != Tok::kIdent) {
      FailExpected("an entity uid (`Type::\"id\"`)");
      return std::nullopt;
    }
    if (!ParseEntityUidTokens(&uid) || !ExpectEnd()) return std::nullopt;
    return uid;
  }

  Error TakeError() const { return MakeError(name_, error_loc_, error_message_); }

 private:
  // ---- Tokens ----

  // Tokens come from the lexer on demand through a small ring of lookahead (at most 2 are used).
  // A reference from Peek() is valid until the next Peek or Next; keep copies of tokens instead.
  const Token& Peek(size_t k = 0) {
    if (ahead_ <= k) Fill(k);
    return ring_[(head_ + k) % kRing];
  }
  void Fill(size_t k) {
    while (ahead_ <= k) {
      ring_[(head_ + ahead_) % kRing] = lexer_.Next();
      ++ahead_;
    }
  }
  Token Next() {
    Peek();
    const Token t = ring_[head_];
    head_ = (head_ + 1) % kRing;
    --ahead_;
    return t;
  }
  bool PeekIdent(std::string_view word, size_t k = 0) {
    return Peek(k).kind == Tok::kIdent && Peek(k).text == word;
  }

  // ---- Errors ----

  std::string Describe(const Token& t) const {
    switch (t.kind) {
      case Tok::kEof:
        return "end of input";
      case Tok::kError:
        return "an invalid token";
      case Tok::kString: {
        std::string_view s = t.text;
        if (s.size() > 40) {
          size_t cut = 36;
          // Do not split a UTF-8 sequence.
          while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
          return "string " + std::string(s.substr(0, cut)) + "…\"";
        }
        return "string " + std::string(s);
      }
      case Tok::kInt:
        return "number `" + std::string(t.text.substr(0, 40)) + "`";
      case Tok::kIdent: {
        std::string_view s = t.text.substr(0, 60);
        return (IsReserved(s) ? "`" : "identifier `") + std::string(s) + "`";
      }
      default:
        return "`" + std::string(t.text) + "`";
    }
  }

  // Records the error (the first one wins: the parser stops at it) and returns false. Messages
  // come in pieces that are joined here, out of line, so that the recursive parsing functions do
  // not carry string temporaries in their stack frames.
  using Pieces = std::initializer_list<std::string_view>;
  [[gnu::noinline]] bool Fail(SourceLoc loc, Pieces what) {
    if (!failed_) {
      failed_ = true;
      error_loc_ = loc;
      for (std::string_view piece : what) error_message_.append(piece);
    }
    return false;
  }
  [[gnu::noinline]] bool Fail(const Token& t, Pieces what) {
    // At a lexical error token the lexer's own message is the better one.
    if (t.kind == Tok::kError) return Fail(lexer_.error().loc, {lexer_.error().message});
    return Fail(t.loc, what);
  }
  bool Fail(SourceLoc loc, std::string_view what) { return Fail(loc, Pieces{what}); }
  bool Fail(const Token& t, std::string_view what) { return Fail(t, Pieces{what}); }
  [[gnu::noinline]] bool FailExpected(Pieces expected) {
    const std::string found = Describe(Peek());
    std::string message = "expected ";
    for (std::string_view piece : expected) message.append(piece);
    return Fail(Peek(), {message, ", found ", found});
  }
  bool FailExpected(std::string_view expected) { return FailExpected(Pieces{expected}); }
  bool Expect(Tok kind, std::string_view text) {
    if (Peek().kind != kind) return FailExpected({"`", text, "`"});
    Next();
    return true;
  }
  bool ExpectEnd() {
    if (Peek().kind != Tok::kEof) return FailExpected("end of input");
    return true;
  }

  // Unescapes a string token's body; on error points at the offending escape.
  bool StringValue(const Token& t, std::string* out) {
    EscapeError err;
    const std::string_view body = t.text.substr(1, t.text.size() - 2);
    if (internal::Unescape(body, out, &err)) return true;
    return Fail(internal::AdvanceLoc(t.loc, t.text.substr(0, 1 + err.offset)), err.message);
  }
  bool PatternValue(const Token& t, std::vector<PatternElem>* out) {
    EscapeError err;
    const std::string_view body = t.text.substr(1, t.text.size() - 2);
    if (internal::UnescapePattern(body, out, &err)) return true;
    return Fail(internal::AdvanceLoc(t.loc, t.text.substr(0, 1 + err.offset)), err.message);
  }

  // Checks an identifier used as a name component or attribute.
  bool CheckIdent(const Token& t) {
    if (IsReserved(t.text)) {
      return Fail(t, {"this identifier is reserved and cannot be used: `", t.text, "`"});
    }
    if (t.text == "__cedar") return Fail(t, "the identifier `__cedar` is reserved");
    return true;
  }

  // ---- Nesting ----

  class NestingGuard {
   public:
    explicit NestingGuard(Parser* p) : p_(p) { ok_ = ++p_->nesting_ <= kMaxNesting; }
    ~NestingGuard() { --p_->nesting_; }
    bool ok() const { return ok_; }

   private:
    Parser* p_;
    bool ok_;
  };
  [[gnu::noinline]] bool FailTooDeepTree(SourceLoc at) {
    return Fail(at, {"expression is nested too deeply (the limit is ",
                     std::to_string(kMaxExprDepth), " levels)"});
  }
  [[gnu::noinline]] bool FailTooDeep(const Token& t) {
    return Fail(t, {"expression is nested too deeply (the limit is ", std::to_string(kMaxNesting),
                    " levels)"});
  }

  // ---- Node construction ----

  Node Leaf(ExprKind kind, SourceLoc loc) {
    Node n{std::make_unique<Expr>(), 1};
    n.e->kind = kind;
    n.e->loc = loc;
    return n;
  }
  Node Literal(Value v, SourceLoc loc) {
    Node n = Leaf(ExprKind::kLit, loc);
    n.e->value = std::move(v);
    return n;
  }
  // Makes `n` a parent of `child`, keeping the depth bounded.
  bool Adopt(Node* n, Node child, SourceLoc at) {
    n->depth = std::max(n->depth, child.depth + 1);
    n->e->args.push_back(std::move(child.e));
    if (n->depth > kMaxExprDepth) {
      return FailTooDeepTree(at);
    }
    return true;
  }
  Node Unary(ExprKind kind, Node operand, SourceLoc loc) {
    Node n = Leaf(kind, loc);
    if (!Adopt(&n, std::move(operand), loc)) return {};
    return n;
  }
  Node Binary(ExprKind kind, BinOp op, Node lhs, Node rhs, SourceLoc loc) {
    Node n = Leaf(kind, loc);
    n.e->op = op;
    if (!Adopt(&n, std::move(lhs), loc) || !Adopt(&n, std::move(rhs), loc)) return {};
    return n;
  }

  // ---- Policies ----

  // Policy := {Annotation} ('permit' | 'forbid') '(' Scope ')' {Condition} ';'
  bool ParsePolicy(Policy* p) {
    const Token first = Peek();
    p->loc = first.loc;
    while (Peek().kind == Tok::kAt) {
      if (!ParseAnnotation(p)) return false;
    }
    const Token effect = Peek();
    if (effect.kind == Tok::kIdent && effect.text == "permit") {
      p->effect = Effect::kPermit;
    } else if (effect.kind == Tok::kIdent && effect.text == "forbid") {
      p->effect = Effect::kForbid;
    } else {
      return FailExpected("`permit` or `forbid`");
    }
    Next();
    if (!Expect(Tok::kLParen, "(")) return false;
    if (!ParseScope(p)) return false;
    while (Peek().kind == Tok::kIdent) {
      if (!ParseCondition(p)) return false;
    }
    if (Peek().kind != Tok::kSemi) {
      return FailExpected(p->conditions.empty() ? "`when`, `unless` or `;`" : "`;`");
    }
    const Token semi = Next();
    p->text.assign(src_.substr(first.offset, semi.offset + 1 - first.offset));
    return true;
  }

  // Annotation := '@' AnyIdent ['(' STR ')']
  bool ParseAnnotation(Policy* p) {
    const Token at = Next();
    if (Peek().kind != Tok::kIdent) return FailExpected("an annotation name after `@`");
    std::string key(Next().text);
    std::string value;
    if (Peek().kind == Tok::kLParen) {
      Next();
      if (Peek().kind != Tok::kString) return FailExpected("a string");
      if (!StringValue(Next(), &value)) return false;
      if (!Expect(Tok::kRParen, ")")) return false;
    }
    for (const auto& [k, v] : p->annotations) {
      if (k == key) return Fail(at, {"duplicate annotation `@", key, "`"});
    }
    p->annotations.emplace_back(std::move(key), std::move(value));
    return true;
  }

  // Condition := ('when' | 'unless') '{' Expr '}'
  bool ParseCondition(Policy* p) {
    const Token word = Peek();
    if (word.text != "when" && word.text != "unless") {
      return FailExpected("`when`, `unless` or `;`");
    }
    Next();
    const bool when = word.text == "when";
    if (!Expect(Tok::kLBrace, "{")) return false;
    if (Peek().kind == Tok::kRBrace) {
      return Fail(Peek(), {"the `", word.text, "` clause is empty"});
    }
    Node e = ParseExpr();
    if (!e) return false;
    if (!Expect(Tok::kRBrace, "}")) return false;
    p->conditions.push_back(Condition{when, std::shared_ptr<const Expr>(std::move(e.e))});
    return true;
  }

  // Scope := VariableDef ',' VariableDef ',' VariableDef [','] — the opening '(' is consumed.
  bool ParseScope(Policy* p) {
    static constexpr Var kOrder[] = {Var::kPrincipal, Var::kAction, Var::kResource};
    ScopeConstraint* constraints[] = {&p->principal, &p->action, &p->resource};
    size_t count = 0;
    while (Peek().kind != Tok::kRParen) {
      if (count == 3) return Fail(Peek(), "the policy scope has more than three elements");
      if (!ParseScopeElement(kOrder[count], constraints[count])) return false;
      ++count;
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return FailExpected("`,` or `)`");
      }
    }
    if (count < 3) {
      return Fail(Peek(), {"the policy scope is missing `", VarName(kOrder[count]), "`"});
    }
    Next();
    return true;
  }

  bool ParseScopeElement(Var var, ScopeConstraint* c) {
    const Token v = Peek();
    if (v.kind != Tok::kIdent || v.text != VarName(var)) {
      return FailExpected({"`", VarName(var), "`"});
    }
    Next();
    if (Peek().kind == Tok::kColon) {
      return Fail(Peek(), "type constraints using `:` are not supported; use `is` instead");
    }
    if (var == Var::kAction) return ParseActionScope(c);

    bool has_is = false;
    if (PeekIdent("is")) {
      Next();
      if (!ParseEntityType(&c->type)) return false;
      has_is = true;
      c->op = ScopeConstraint::Op::kIs;
    }
    const Token op = Peek();
    if (op.kind == Tok::kEqEq || PeekIdent("in")) {
      const bool eq = op.kind == Tok::kEqEq;
      if (eq && has_is) return Fail(op, "`is` cannot be combined with `==` in the scope");
      Next();
      ScopeRef ref;
      if (!ParseScopeRef(var, /*allow_set=*/false, /*allow_slot=*/true, &ref)) return false;
      if (ref.kind == ScopeRef::Kind::kSlot) {
        c->slot = ref.slot;
      } else {
        c->entity = std::move(ref.entity);
      }
      c->op = eq ? ScopeConstraint::Op::kEq
                 : (has_is ? ScopeConstraint::Op::kIsIn : ScopeConstraint::Op::kIn);
      if (PeekIdent("is")) {
        return Fail(Peek(), {"`is` must come before `in` in the scope: write `", VarName(var),
                             " is T in E`"});
      }
      return true;
    }
    return CheckScopeOperator(op);
  }

  // After the variable (and `is T`), only `==`, `in`, `,` or `)` may follow.
  bool CheckScopeOperator(const Token& op) {
    switch (op.kind) {
      case Tok::kEq:
        return Fail(op, "`=` is not an operator; use `==`");
      case Tok::kNotEq:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
        return Fail(op, {"`", op.text, "` is not allowed in the policy scope; use `==` or `in`"});
      default:
        return true;  // the caller checks for `,` or `)`
    }
  }

  // Action := 'action' [ '==' Entity | 'in' ('[' EntList ']' | Entity) ]
  bool ParseActionScope(ScopeConstraint* c) {
    if (PeekIdent("is")) return Fail(Peek(), "`is` is not allowed in the action scope");
    const Token op = Peek();
    if (op.kind != Tok::kEqEq && !PeekIdent("in")) return CheckScopeOperator(op);
    const bool eq = op.kind == Tok::kEqEq;
    Next();
    const Token start = Peek();
    ScopeRef ref;
    if (!ParseScopeRef(Var::kAction, /*allow_set=*/!eq, /*allow_slot=*/false, &ref)) return false;
    if (PeekIdent("is")) return Fail(Peek(), "`is` is not allowed in the action scope");
    auto check = [&](const EntityUid& uid) {
      // Action uids have the type `Action`, in any namespace.
      const std::string_view t = uid.type;
      if (t == "Action" || (t.size() > 8 && t.substr(t.size() - 8) == "::Action")) return true;
      return Fail(start,
                  {"expected an action entity uid (of type `Action` or `NS::Action`), found `",
                   uid.ToString(), "`"});
    };
    if (ref.kind == ScopeRef::Kind::kSet) {
      for (const auto& uid : ref.entities) {
        if (!check(uid)) return false;
      }
      c->op = ScopeConstraint::Op::kInSet;
      c->entities = std::move(ref.entities);
    } else {
      if (!check(ref.entity)) return false;
      c->op = eq ? ScopeConstraint::Op::kEq : ScopeConstraint::Op::kIn;
      c->entity = std::move(ref.entity);
    }
    return true;
  }

  // An entity uid, a matching slot, or (for `action in`) a list of uids; parentheses allowed.
  bool ParseScopeRef(Var var, bool allow_set, bool allow_slot, ScopeRef* out) {
    const Token t = Peek();
    switch (t.kind) {
      case Tok::kLParen: {
        NestingGuard guard(this);
        if (!guard.ok()) return FailTooDeep(t);
        Next();
        if (!ParseScopeRef(var, allow_set, allow_slot, out)) return false;
        return Expect(Tok::kRParen, ")");
      }
      case Tok::kSlot: {
        if (!allow_slot) {
          return Fail(t, "template slots are allowed only in the principal and resource scope");
        }
        Next();
        const std::string_view want = var == Var::kPrincipal ? "?principal" : "?resource";
        if (t.text != "?principal" && t.text != "?resource") {
          return Fail(t,
                      {"invalid slot `", t.text, "`; the slots are `?principal` and `?resource`"});
        }
        if (t.text != want) {
          return Fail(t, {"expected `", want, "`, found `", t.text, "`"});
        }
        out->kind = ScopeRef::Kind::kSlot;
        out->slot = var == Var::kPrincipal ? Slot::kPrincipal : Slot::kResource;
        return true;
      }
      case Tok::kLBracket: {
        if (!allow_set) return Fail(t, "expected an entity uid, found a set");
        NestingGuard guard(this);
        if (!guard.ok()) return FailTooDeep(t);
        Next();
        out->kind = ScopeRef::Kind::kSet;
        while (Peek().kind != Tok::kRBracket) {
          ScopeRef element;
          if (!ParseScopeRef(var, /*allow_set=*/false, /*allow_slot=*/false, &element)) {
            return false;
          }
          out->entities.push_back(std::move(element.entity));
          if (Peek().kind == Tok::kComma) {
            Next();
          } else if (Peek().kind != Tok::kRBracket) {
            return FailExpected("`,` or `]`");
          }
        }
        Next();
        return true;
      }
      case Tok::kIdent:
        if (Peek(1).kind != Tok::kColonColon) {
          return Fail(t, {"expected an entity uid, found ", Describe(t),
                          var == Var::kAction ? "" : "; use `is` to test for an entity type"});
        }
        out->kind = ScopeRef::Kind::kEntity;
        return ParseEntityUidTokens(&out->entity);
      default:
        return FailExpected(allow_slot ? "an entity uid or a template slot" : "an entity uid");
    }
  }

  // ---- Names ----

  // Path := IDENT {'::' IDENT}, stopping before a `::` that is not followed by an identifier.
  bool ParsePath(std::string* out) {
    if (Peek().kind != Tok::kIdent) return FailExpected("a name");
    out->clear();
    while (true) {
      const Token id = Next();
      if (!CheckIdent(id)) return false;
      out->append(id.text);
      if (Peek().kind == Tok::kColonColon && Peek(1).kind == Tok::kIdent) {
        Next();
        out->append("::");
        continue;
      }
      return true;
    }
  }

  // The entity type after `is`: a path, not followed by `::` or member access.
  bool ParseEntityType(std::string* out) {
    if (Peek().kind != Tok::kIdent) return FailExpected("an entity type after `is`");
    const Token start = Peek();
    if (!ParsePath(out)) return false;
    switch (Peek().kind) {
      case Tok::kColonColon:
      case Tok::kDot:
      case Tok::kLBracket:
      case Tok::kLParen:
        return Fail(start, "expected an entity type after `is`");
      default:
        return true;
    }
  }

  // Entity := Path '::' STR
  bool ParseEntityUidTokens(EntityUid* out) {
    if (!ParsePath(&out->type)) return false;
    if (Peek().kind != Tok::kColonColon) return FailExpected("`::`");
    Next();
    if (Peek().kind == Tok::kLBrace) {
      return Fail(Peek(), "entity literals with record syntax (`Type::{...}`) are not supported");
    }
    if (Peek().kind != Tok::kString) return FailExpected("an entity id string");
    return StringValue(Next(), &out->id);
  }

  // ---- Expressions ----

  // Expr := Or | 'if' Expr 'then' Expr 'else' Expr
  Node ParseExpr() {
    NestingGuard guard(this);
    if (!guard.ok()) {
      FailTooDeep(Peek());
      return {};
    }
    if (PeekIdent("if") && Peek(1).kind != Tok::kColonColon) {
      const SourceLoc loc = Next().loc;
      Node cond = ParseExpr();
      if (!cond) return {};
      if (!PeekIdent("then")) {
        FailExpected("`then`");
        return {};
      }
      Next();
      Node then = ParseExpr();
      if (!then) return {};
      if (!PeekIdent("else")) {
        FailExpected("`else`");
        return {};
      }
      Next();
      Node otherwise = ParseExpr();
      if (!otherwise) return {};
      Node n = Leaf(ExprKind::kIf, loc);
      if (!Adopt(&n, std::move(cond), loc) || !Adopt(&n, std::move(then), loc) ||
          !Adopt(&n, std::move(otherwise), loc)) {
        return {};
      }
      return n;
    }
    return ParseOr();
  }

  // Or := And {'||' And}
  Node ParseOr() {
    Node lhs = ParseAnd();
    while (lhs && Peek().kind == Tok::kOrOr) {
      Next();
      Node rhs = ParseAnd();
      if (!rhs) return {};
      const SourceLoc loc = lhs.e->loc;
      lhs = Binary(ExprKind::kOr, BinOp::kEq, std::move(lhs), std::move(rhs), loc);
    }
    return lhs;
  }

  // And := Relation {'&&' Relation}
  Node ParseAnd() {
    Node lhs = ParseRelation();
    while (lhs && Peek().kind == Tok::kAndAnd) {
      Next();
      Node rhs = ParseRelation();
      if (!rhs) return {};
      const SourceLoc loc = lhs.e->loc;
      lhs = Binary(ExprKind::kAnd, BinOp::kEq, std::move(lhs), std::move(rhs), loc);
    }
    return lhs;
  }

  std::optional<BinOp> RelOpAt(size_t k = 0) {
    switch (Peek(k).kind) {
      case Tok::kEqEq:
        return BinOp::kEq;
      case Tok::kNotEq:
        return BinOp::kNe;
      case Tok::kLt:
        return BinOp::kLt;
      case Tok::kLe:
        return BinOp::kLe;
      case Tok::kGt:
        return BinOp::kGt;
      case Tok::kGe:
        return BinOp::kGe;
      case Tok::kIdent:
        if (Peek(k).text == "in") return BinOp::kIn;
        return std::nullopt;
      default:
        return std::nullopt;
    }
  }

  // Relation := Add [RELOP Add] | Add 'has' (IDENT {'.' IDENT} | STR) | Add 'like' STR
  //           | Add 'is' Path ['in' Add]
  Node ParseRelation() {
    Node lhs = ParseAdd();
    if (!lhs) return {};
    const Token op = Peek();
    const SourceLoc loc = lhs.e->loc;
    if (auto bin = RelOpAt()) {
      Next();
      Node rhs = ParseAdd();
      if (!rhs) return {};
      if (RelOpAt() || Peek().kind == Tok::kEq) {
        Fail(Peek(), "comparison operators cannot be chained; add parentheses");
        return {};
      }
      return Binary(ExprKind::kBinary, *bin, std::move(lhs), std::move(rhs), loc);
    }
    if (op.kind == Tok::kEq) {
      Fail(op, "`=` is not an operator; use `==`");
      return {};
    }
    if (op.kind != Tok::kIdent) return lhs;
    if (op.text == "has") {
      Next();
      return ParseHas(std::move(lhs), loc);
    }
    if (op.text == "like") {
      Next();
      if (Peek().kind != Tok::kString) {
        FailExpected("a pattern string after `like`");
        return {};
      }
      const Token pat = Next();
      if (IsAccessor(Peek().kind)) {
        Fail(pat, "the pattern of `like` must be a string literal");
        return {};
      }
      Node n = Leaf(ExprKind::kLike, loc);
      if (!PatternValue(pat, &n.e->pattern)) return {};
      if (!Adopt(&n, std::move(lhs), loc)) return {};
      return n;
    }
    if (op.text == "is") {
      Next();
      Node n = Leaf(ExprKind::kIs, loc);
      if (!ParseEntityType(&n.e->name)) return {};
      if (!Adopt(&n, std::move(lhs), loc)) return {};
      if (PeekIdent("in")) {
        Next();
        Node in = ParseAdd();
        if (!in || !Adopt(&n, std::move(in), loc)) return {};
      }
      return n;
    }
    return lhs;
  }

  static bool IsAccessor(Tok t) {
    return t == Tok::kDot || t == Tok::kLBracket || t == Tok::kLParen;
  }

  // `e has a.b.c` ≡ `e has a && e.a has b && e.a.b has c`, nested to the left as in the Rust
  // parser; `e has "a b"` takes one attribute of any spelling.
  Node ParseHas(Node target, SourceLoc loc) {
    const Token first = Peek();
    std::vector<std::string> attrs;
    if (first.kind == Tok::kString) {
      Next();
      std::string attr;
      if (!StringValue(first, &attr)) return {};
      if (IsAccessor(Peek().kind)) {
        Fail(Peek(),
             {"invalid attribute after `has`: a string cannot be followed by `", Peek().text, "`"});
        return {};
      }
      attrs.push_back(std::move(attr));
    } else if (first.kind == Tok::kIdent) {
      if (!CheckIdent(first)) return {};
      if (Peek(1).kind == Tok::kColonColon) {
        Fail(first, "`has` takes an attribute name, not a path");
        return {};
      }
      Next();
      attrs.emplace_back(first.text);
      while (Peek().kind == Tok::kDot) {
        Next();
        if (Peek().kind != Tok::kIdent) {
          FailExpected("an attribute name");
          return {};
        }
        const Token id = Next();
        if (!CheckIdent(id)) return {};
        attrs.emplace_back(id.text);
      }
      if (Peek().kind == Tok::kLParen || Peek().kind == Tok::kLBracket) {
        Fail(Peek(), "invalid attribute after `has`: expected an attribute name or a string");
        return {};
      }
    } else {
      FailExpected("an attribute name or a string after `has`");
      return {};
    }

    auto has = [&](Node of, std::string attr) -> Node {
      Node n = Leaf(ExprKind::kHas, loc);
      n.e->name = std::move(attr);
      if (!Adopt(&n, std::move(of), loc)) return {};
      return n;
    };
    auto get = [&](Node of, std::string attr) -> Node {
      Node n = Leaf(ExprKind::kGetAttr, loc);
      n.e->name = std::move(attr);
      if (!Adopt(&n, std::move(of), loc)) return {};
      return n;
    };
    if (attrs.size() == 1) return has(std::move(target), std::move(attrs[0]));
    // The desugared tree is at least this deep; refuse before the (quadratic) copying.
    if (target.depth + static_cast<int>(attrs.size()) > kMaxExprDepth) {
      FailTooDeepTree(loc);
      return {};
    }

    Node access{CloneExpr(*target.e), target.depth};
    Node result = has(std::move(target), attrs[0]);
    if (!result) return {};
    access = get(std::move(access), attrs[0]);
    if (!access) return {};
    for (size_t i = 1; i < attrs.size(); ++i) {
      const bool last = i + 1 == attrs.size();
      Node prefix = last ? std::move(access) : Node{CloneExpr(*access.e), access.depth};
      Node step = has(std::move(prefix), attrs[i]);
      if (!step) return {};
      result = Binary(ExprKind::kAnd, BinOp::kEq, std::move(result), std::move(step), loc);
      if (!result) return {};
      if (!last) {
        access = get(std::move(access), attrs[i]);
        if (!access) return {};
      }
    }
    return result;
  }

  // Add := Mult {('+' | '-') Mult}
  Node ParseAdd() {
    Node lhs = ParseMult();
    while (lhs && (Peek().kind == Tok::kPlus || Peek().kind == Tok::kMinus)) {
      const BinOp op = Next().kind == Tok::kPlus ? BinOp::kAdd : BinOp::kSub;
      Node rhs = ParseMult();
      if (!rhs) return {};
      const SourceLoc loc = lhs.e->loc;
      lhs = Binary(ExprKind::kBinary, op, std::move(lhs), std::move(rhs), loc);
    }
    return lhs;
  }

  // Mult := Unary {'*' Unary}
  Node ParseMult() {
    Node lhs = ParseUnary();
    while (lhs) {
      const Token op = Peek();
      if (op.kind == Tok::kSlash || op.kind == Tok::kPercent) {
        Fail(op, op.kind == Tok::kSlash ? "division is not supported in Cedar"
                                        : "the remainder operator `%` is not supported in Cedar");
        return {};
      }
      if (op.kind != Tok::kStar) break;
      Next();
      Node rhs = ParseUnary();
      if (!rhs) return {};
      const SourceLoc loc = lhs.e->loc;
      lhs = Binary(ExprKind::kBinary, BinOp::kMul, std::move(lhs), std::move(rhs), loc);
    }
    return lhs;
  }

  // Unary := ['!'{1,4} | '-'{1,4}] Member. `-N` is a literal, so the most negative i64 parses.
  Node ParseUnary() {
    const Token op = Peek();
    if (op.kind != Tok::kBang && op.kind != Tok::kMinus) return ParseMember();
    int count = 0;
    while (Peek().kind == op.kind) {
      Next();
      ++count;
    }
    const bool neg = op.kind == Tok::kMinus;
    if (count > 4) {
      Fail(op, neg ? "too many `-` in a row (at most 4)" : "too many `!` in a row (at most 4)");
      return {};
    }
    Node operand;
    if (neg && Peek().kind == Tok::kInt && !IsAccessor(Peek(1).kind)) {
      const Token num = Next();
      uint64_t v = 0;
      if (!ParseU64(num, &v)) return {};
      constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
      if (v > kMinMagnitude) {
        Fail(op, {"integer literal `-", num.text, "` is out of range"});
        return {};
      }
      const int64_t value =
          v == kMinMagnitude ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v);
      operand = Literal(Value(value), op.loc);
      --count;
    } else {
      operand = ParseMember();
      if (!operand) return {};
    }
    const ExprKind kind = neg ? ExprKind::kNeg : ExprKind::kNot;
    for (int i = 0; i < count; ++i) {
      operand = Unary(kind, std::move(operand), op.loc);
      if (!operand) return {};
    }
    return operand;
  }

  bool ParseU64(const Token& num, uint64_t* v) {
    const char* b = num.text.data();
    const char* e = b + num.text.size();
    auto [ptr, ec] = std::from_chars(b, e, *v);
    if (ec != std::errc() || ptr != e) {
      return Fail(num, {"integer literal `", num.text.substr(0, 40), "` is out of range"});
    }
    return true;
  }

  // Member := Primary {'.' IDENT ['(' [ExprList] ')'] | '[' STR ']'}
  Node ParseMember() {
    Node e = ParsePrimary();
    while (e) {
      const Token t = Peek();
      const SourceLoc loc = e.e->loc;
      if (t.kind == Tok::kDot) {
        Next();
        if (Peek().kind != Tok::kIdent) {
          FailExpected("an attribute or method name after `.`");
          return {};
        }
        const Token id = Next();
        if (!CheckIdent(id)) return {};
        if (Peek().kind == Tok::kLParen) {
          e = ParseCall(id, std::move(e), loc);
        } else {
          Node n = Leaf(ExprKind::kGetAttr, loc);
          n.e->name.assign(id.text);
          if (!Adopt(&n, std::move(e), loc)) return {};
          e = std::move(n);
        }
      } else if (t.kind == Tok::kLBracket) {
        Next();
        if (Peek().kind != Tok::kString) {
          FailExpected("a string literal inside `[...]`");
          return {};
        }
        const Token s = Next();
        Node n = Leaf(ExprKind::kGetAttr, loc);
        if (!StringValue(s, &n.e->name)) return {};
        if (!Expect(Tok::kRBracket, "]")) return {};
        if (!Adopt(&n, std::move(e), loc)) return {};
        e = std::move(n);
      } else if (t.kind == Tok::kLParen) {
        Fail(t, "only functions and methods can be called");
        return {};
      } else {
        break;
      }
    }
    return e;
  }

  // Parses '(' [ExprList] ')' into `n`'s arguments (after any receiver already adopted).
  bool ParseArgs(Node* n, SourceLoc loc) {
    if (!Expect(Tok::kLParen, "(")) return false;
    while (Peek().kind != Tok::kRParen) {
      Node arg = ParseExpr();
      if (!arg || !Adopt(n, std::move(arg), loc)) return false;
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRParen) {
        return FailExpected("`,` or `)`");
      }
    }
    Next();
    return true;
  }

  // The set and tag methods must have the right number of arguments, as in the Rust parser. The
  // extension functions are not checked here: the Rust parser accepts any number of arguments
  // (the conformance corpus has such calls) and their evaluation is an error (CallExtension).
  bool CheckArity(const Token& name, const FnInfo& info, size_t given, bool method) {
    if (info.extension) return true;
    const size_t want = static_cast<size_t>(info.arity) - (method ? 1 : 0);
    if (given == want) return true;
    return Fail(name, {"`", name.text, "` takes ", std::to_string(want),
                       want == 1 ? " argument" : " arguments", ", found ", std::to_string(given)});
  }

  // A method call `receiver.name(args)`; `name` has been consumed, `(` is next.
  Node ParseCall(const Token& name, Node receiver, SourceLoc loc) {
    const std::optional<FnInfo> info = LookupFunction(name.text, /*method=*/true);
    if (!info) {
      if (LookupFunction(name.text, /*method=*/false)) {
        Fail(name,
             {"`", name.text, "` is a function, not a method; call it as `", name.text, "(...)`"});
      } else {
        Fail(name, {"unknown method `", name.text, "`"});
      }
      return {};
    }
    Node n = Leaf(ExprKind::kCall, loc);
    n.e->fn = info->fn;
    if (!Adopt(&n, std::move(receiver), loc)) return {};
    if (!ParseArgs(&n, loc)) return {};
    if (!CheckArity(name, *info, n.e->args.size() - 1, /*method=*/true)) return {};
    return n;
  }

  // Primary := LITERAL | VAR | Entity | ExtFun '(' [ExprList] ')' | '(' Expr ')'
  //          | '[' [ExprList] ']' | '{' [RecInits] '}'
  Node ParsePrimary() {
    const Token t = Peek();
    switch (t.kind) {
      case Tok::kInt: {
        Next();
        uint64_t v = 0;
        if (!ParseU64(t, &v)) return {};
        if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          Fail(t, {"integer literal `", t.text.substr(0, 40), "` is out of range"});
          return {};
        }
        return Literal(Value(static_cast<int64_t>(v)), t.loc);
      }
      case Tok::kString: {
        Next();
        std::string s;
        if (!StringValue(t, &s)) return {};
        return Literal(Value(std::move(s)), t.loc);
      }
      case Tok::kSlot:
        Fail(t, "template slots are allowed only in the policy scope");
        return {};
      case Tok::kLParen: {
        Next();
        Node e = ParseExpr();
        if (!e || !Expect(Tok::kRParen, ")")) return {};
        return e;
      }
      case Tok::kLBracket:
        return ParseSet();
      case Tok::kLBrace:
        return ParseRecord();
      case Tok::kIdent:
        return ParseNamePrimary();
      default:
        FailExpected("an expression");
        return {};
    }
  }

  Node ParseSet() {
    const Token open = Next();
    Node n = Leaf(ExprKind::kSet, open.loc);
    while (Peek().kind != Tok::kRBracket) {
      Node e = ParseExpr();
      if (!e || !Adopt(&n, std::move(e), open.loc)) return {};
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRBracket) {
        FailExpected("`,` or `]`");
        return {};
      }
    }
    Next();
    return n;
  }

  // RecInits := (IDENT | STR) ':' Expr {',' (IDENT | STR) ':' Expr} [',']
  Node ParseRecord() {
    const Token open = Next();
    Node n = Leaf(ExprKind::kRecord, open.loc);
    // Records are usually small: check duplicates linearly, and with a hash set past 8 keys.
    std::unordered_set<std::string> seen;
    while (Peek().kind != Tok::kRBrace) {
      const Token k = Peek();
      std::string key;
      if (k.kind == Tok::kString) {
        Next();
        if (!StringValue(k, &key)) return {};
      } else if (k.kind == Tok::kIdent) {
        if (!CheckIdent(k)) return {};
        if (Peek(1).kind == Tok::kColonColon) {
          Fail(k, "record keys must be identifiers or strings, not paths");
          return {};
        }
        Next();
        key.assign(k.text);
      } else {
        FailExpected("a record key (an identifier or a string)");
        return {};
      }
      if (!Expect(Tok::kColon, ":")) return {};
      Node v = ParseExpr();
      if (!v) return {};
      bool fresh;
      if (n.e->keys.size() < 8) {
        fresh = std::find(n.e->keys.begin(), n.e->keys.end(), key) == n.e->keys.end();
      } else {
        if (seen.empty()) seen.insert(n.e->keys.begin(), n.e->keys.end());
        fresh = seen.insert(key).second;
      }
      if (!fresh) {
        Fail(k, {"duplicate key `", key, "` in a record literal"});
        return {};
      }
      n.e->keys.push_back(std::move(key));
      if (!Adopt(&n, std::move(v), open.loc)) return {};
      if (Peek().kind == Tok::kComma) {
        Next();
      } else if (Peek().kind != Tok::kRBrace) {
        FailExpected("`,` or `}`");
        return {};
      }
    }
    Next();
    return n;
  }

  // An identifier in expression position: a literal, a variable, an entity uid, a function call.
  Node ParseNamePrimary() {
    const Token t = Peek();
    if (Peek(1).kind == Tok::kColonColon) {
      // A path: an entity uid `A::B::"id"`, or a (namespaced) function name.
      std::string path;
      if (!ParsePath(&path)) return {};
      if (Peek().kind == Tok::kColonColon) {
        Next();
        if (Peek().kind == Tok::kLBrace) {
          Fail(Peek(), "entity literals with record syntax (`Type::{...}`) are not supported");
          return {};
        }
        if (Peek().kind != Tok::kString) {
          FailExpected("an entity id string");
          return {};
        }
        EntityUid uid;
        uid.type = std::move(path);
        if (!StringValue(Next(), &uid.id)) return {};
        return Literal(Value(std::move(uid)), t.loc);
      }
      if (Peek().kind == Tok::kLParen) {
        Fail(t, {"unknown function `", path, "`"});
      } else {
        Fail(t,
             {"`", path, "` is not an expression; entity uids are written `", path, "::\"id\"`"});
      }
      return {};
    }
    if (t.text == "true" || t.text == "false") {
      Next();
      return Literal(Value(t.text == "true"), t.loc);
    }
    if (t.text == "if") {
      Fail(t, "an `if` expression must be parenthesized here");
      return {};
    }
    if (IsReserved(t.text)) {
      Fail(t, {"this identifier is reserved and cannot be used: `", t.text, "`"});
      return {};
    }
    if (auto var = VarOf(t.text)) {
      if (Peek(1).kind == Tok::kLParen) {
        Fail(t, {"`", t.text, "` is a variable and cannot be called"});
        return {};
      }
      Next();
      Node n = Leaf(ExprKind::kVar, t.loc);
      n.e->var = *var;
      return n;
    }
    if (Peek(1).kind == Tok::kLParen) {
      const std::optional<FnInfo> info = LookupFunction(t.text, /*method=*/false);
      if (!info) {
        if (LookupFunction(t.text, /*method=*/true)) {
          Fail(t, {"`", t.text, "` is a method, not a function; call it as `e.", t.text, "(...)`"});
        } else {
          Fail(t, {"unknown function `", t.text, "`"});
        }
        return {};
      }
      Next();
      Node n = Leaf(ExprKind::kCall, t.loc);
      n.e->fn = info->fn;
      if (!ParseArgs(&n, t.loc)) return {};
      if (!CheckArity(t, *info, n.e->args.size(), /*method=*/false)) return {};
      return n;
    }
    Fail(t, {"invalid variable `", t.text,
             "`; the variables are `principal`, `action`, `resource` and `context` (for a "
             "string, use quotes)"});
    return {};
  }

  std::string_view src_;
  std::string_view name_;
  internal::Lexer lexer_;
  static constexpr size_t kRing = 4;
  Token ring_[kRing];
  size_t head_ = 0;
  size_t ahead_ = 0;
  int nesting_ = 0;
  bool failed_ = false;
  SourceLoc error_loc_;
  std::string error_message_;
};

}  // namespace

bool Policy::IsTemplate() const {
  auto unlinked = [](const ScopeConstraint& c) { return c.slot.has_value() && !c.entity; };
  return unlinked(principal) || unlinked(action) || unlinked(resource);
}

const std::string* Policy::Annotation(std::string_view key) const {
  for (const auto& [k, v] : annotations) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<PolicySet> PolicySet::Parse(std::string_view text, std::string_view name,
                                   bool ids_from_annotations) {
  Parser parser(text, name);
  std::vector<Policy> parsed;
  if (!parser.ParsePolicies(&parsed)) return parser.TakeError();

  PolicySet set;
  // Generated ids are unique; only ids taken from annotations can collide.
  std::unordered_set<std::string> ids;
  if (ids_from_annotations) ids.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size(); ++i) {
    Policy& p = parsed[i];
    const std::string* annotated = ids_from_annotations ? p.Annotation("id") : nullptr;
    p.id = annotated != nullptr ? *annotated : "policy" + std::to_string(i);
    if (ids_from_annotations && !ids.insert(p.id).second) {
      return MakeError(name, p.loc, "duplicate policy id `" + p.id + "`");
    }
    if (p.IsTemplate()) {
      set.templates_.push_back(std::move(p));
    } else {
      set.policies_.push_back(std::move(p));
    }
  }
  return set;
}

Status PolicySet::Add(Policy policy) {
  if (Find(policy.id) != nullptr) {
    return Error(ErrorCode::kAlreadyExists,
                 "a policy or template `" + policy.id + "` is already in the policy set");
  }
  if (policy.IsTemplate()) {
    templates_.push_back(std::move(policy));
  } else {
    policies_.push_back(std::move(policy));
  }
  return OkStatus();
}

Status PolicySet::Link(std::string_view template_id, std::string link_id,
                       const std::map<Slot, EntityUid>& values) {
  const Policy* tpl = nullptr;
  for (const Policy& t : templates_) {
    if (t.id == template_id) tpl = &t;
  }
  if (tpl == nullptr) return NotFound("no template `" + std::string(template_id) + "`");
  if (Find(link_id) != nullptr) {
    return Error(ErrorCode::kAlreadyExists,
                 "a policy or template `" + link_id + "` is already in the policy set");
  }
  // The linked policy shares the template's conditions (shared pointers), and takes the slot
  // values into its scope.
  Policy linked = *tpl;
  size_t used = 0;
  for (ScopeConstraint* c : {&linked.principal, &linked.action, &linked.resource}) {
    if (!c->slot) continue;
    auto it = values.find(*c->slot);
    if (it == values.end()) {
      return InvalidArgument("template `" + tpl->id + "` needs a value for `" +
                             (*c->slot == Slot::kPrincipal ? "?principal" : "?resource") + "`");
    }
    c->entity = it->second;
    c->slot.reset();
    ++used;
  }
  if (used != values.size()) {
    return InvalidArgument("values were given for slots that template `" + tpl->id +
                           "` does not have");
  }
  linked.id = std::move(link_id);
  linked.template_id = tpl->id;
  policies_.push_back(std::move(linked));
  return OkStatus();
}

const Policy* PolicySet::Find(std::string_view id) const {
  for (const Policy& p : policies_) {
    if (p.id == id) return &p;
  }
  for (const Policy& p : templates_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

Result<EntityUid> ParseEntityUid(std::string_view text) {
  Parser parser(text, "entity uid");
  std::optional<EntityUid> uid = parser.ParseWholeEntityUid();
  if (!uid) return parser.TakeError();
  return std::move(*uid);
}

Result<ExprPtr> ParseExpression(std::string_view text) {
  Parser parser(text, "expression");
  ExprPtr e = parser.ParseWholeExpression();
  if (!e) return parser.TakeError();
  return e;
}

}  // namespace custody::cedar
