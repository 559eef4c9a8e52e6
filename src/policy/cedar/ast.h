// The Cedar abstract syntax tree (cedar-lean/Cedar/Spec/Expr.lean, Policy.lean), as produced by
// parser.cc and walked by evaluator.cc.
//
// Expressions are one node type with a kind tag and owned children: simple to build, to print and
// to walk. Conditions are held by shared pointers so that linking a template shares its body.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "policy/cedar/functions.h"
#include "policy/cedar/value.h"

namespace custody::cedar {

// 1-based line and column of the first character of a construct in the policy text.
struct SourceLoc {
  int line = 1;
  int column = 1;
};

enum class Var : uint8_t { kPrincipal, kAction, kResource, kContext };
enum class Slot : uint8_t { kPrincipal, kResource };  // ?principal, ?resource

enum class BinOp : uint8_t {
  kEq,  // ==
  kNe,  // !=
  kLt,  // <
  kLe,  // <=
  kGt,  // >
  kGe,  // >=
  kIn,  // in
  kAdd,
  kSub,
  kMul,
};

enum class ExprKind : uint8_t {
  kLit,      // value
  kVar,      // var
  kSlot,     // slot (only inside templates' scope; never evaluated after linking)
  kIf,       // args: cond, then, else
  kAnd,      // args: lhs, rhs (short-circuit)
  kOr,       // args: lhs, rhs (short-circuit)
  kNot,      // args: operand
  kNeg,      // args: operand (unary minus on Long; `-5` literal is parsed as kLit)
  kBinary,   // op; args: lhs, rhs
  kHas,      // args: operand; name = attribute (extended `has a.b` is desugared into kAnd chains)
  kGetAttr,  // args: operand; name = attribute (`e.a` and `e["a"]`)
  kLike,     // args: operand; pattern
  kIs,       // args: operand [, in-expression]; name = entity type
  kSet,      // args: elements
  kRecord,   // args: values; keys: attribute names in source order (no duplicates)
  kCall,     // fn; args: receiver first for methods
};

// One element of a `like` pattern: a run of literal characters, or a wildcard `*`.
struct PatternElem {
  bool wildcard = false;
  std::string literal;  // when !wildcard
};

struct Expr {
  ExprKind kind = ExprKind::kLit;
  BinOp op = BinOp::kEq;
  Var var = Var::kPrincipal;
  Slot slot = Slot::kPrincipal;
  Fn fn = Fn::kIp;
  Value value;
  std::string name;
  std::vector<PatternElem> pattern;
  std::vector<std::unique_ptr<Expr>> args;
  std::vector<std::string> keys;
  SourceLoc loc;
};

using ExprPtr = std::unique_ptr<Expr>;

// A scope constraint on principal, action or resource.
struct ScopeConstraint {
  enum class Op : uint8_t {
    kAny,    // principal
    kEq,     // principal == E     (or == ?slot)
    kIn,     // principal in E     (or in ?slot); action in E
    kInSet,  // action in [E1, E2] (action only)
    kIs,     // principal is T
    kIsIn,   // principal is T in E (or in ?slot)
  };
  Op op = Op::kAny;
  std::string type;                 // kIs, kIsIn
  std::optional<EntityUid> entity;  // kEq, kIn, kIsIn; unset while `slot` is unlinked
  std::vector<EntityUid> entities;  // kInSet
  std::optional<Slot> slot;         // the template slot this constraint names, if any
};

enum class Effect : uint8_t { kPermit, kForbid };

struct Condition {
  bool when = true;  // false: `unless`
  std::shared_ptr<const Expr> expr;
};

struct Policy {
  std::string id;  // policy0.. unless set otherwise
  Effect effect = Effect::kPermit;
  std::vector<std::pair<std::string, std::string>> annotations;  // `@key("v")`; `@key` → ""
  ScopeConstraint principal;
  ScopeConstraint action;
  ScopeConstraint resource;
  std::vector<Condition> conditions;
  SourceLoc loc;                           // of the first annotation or of permit/forbid
  std::string text;                        // the policy's source text, annotations included
  std::optional<std::string> template_id;  // for a linked policy: the template it came from

  // True while a scope constraint still names an unlinked slot.
  bool IsTemplate() const;
  // The value of annotation `key`, if present.
  const std::string* Annotation(std::string_view key) const;
};

}  // namespace custody::cedar
