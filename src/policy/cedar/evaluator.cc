// The Cedar evaluator and authorizer, following cedar-lean/Cedar/Spec/Evaluator.lean and
// Authorizer.lean clause for clause (operand order, short-circuiting, which failures are errors);
// error messages follow the Rust implementation (cedar-policy-core/src/evaluator/err.rs).
//
// Performance shapes the code: an authorization request evaluates every policy, so
//  - scope constraints are checked on the request's entity uids directly, without building
//    Values, and a policy whose scope fails never touches its conditions;
//  - Eval() returns a pointer to the value instead of a copy: literals, the context, entity
//    attributes and record fields are returned where they live, and only computed values are
//    written to the caller's scratch slot, so most nodes do no allocation and no reference
//    counting;
//  - principal/action/resource Values are built lazily, once per request, and their entities'
//    store lookups are cached;
//  - error messages are only formatted on the error path.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "policy/cedar/authorizer.h"
#include "policy/cedar/functions.h"

namespace custody::cedar {

namespace {

// The type of a value as the Rust implementation prints it in type errors.
std::string TypeDesc(const Value& v) {
  if (v.is(Type::kEntity)) return "(entity of type `" + v.as_entity().type + "`)";
  return std::string(TypeName(v.type()));
}

// How the Rust implementation names "any entity" in the expected half of a type error.
constexpr std::string_view kAnyEntity = "(entity of type `any_entity_type`)";
constexpr std::string_view kRecordOrEntity = "one of [record, (entity of type `any_entity_type`)]";
constexpr std::string_view kSetOrEntity = "one of [set, (entity of type `any_entity_type`)]";

std::string_view SlotName(Slot s) { return s == Slot::kPrincipal ? "?principal" : "?resource"; }

// Whether the glob pattern matches all of `text`. Runs of literal elements between wildcards are
// matched as units: the first must be a prefix, the last a suffix, and each middle run is taken at
// its leftmost occurrence. Leftmost is always safe because `*` can absorb anything skipped, so
// there is no backtracking: the work is at most O(|text| × |pattern|), where the naive recursive
// matcher is exponential.
// Byte-wise matching of UTF-8 equals the Lean model's char-wise matching: a literal run is whole
// characters, so it can only match at character boundaries.
class Glob {
 public:
  explicit Glob(const std::vector<PatternElem>& pattern) : pattern_(pattern) {}

  bool Match(std::string_view text) const {
    size_t begin = 0;
    const size_t n = pattern_.size();
    size_t first_end = NextWildcard(0);
    if (first_end == n) return RunLength(0, n) == text.size() && RunAt(text, 0, 0, n);
    // Leading run: a prefix.
    const size_t lead_len = RunLength(0, first_end);
    if (lead_len > text.size() || !RunAt(text, 0, 0, first_end)) return false;
    begin = lead_len;
    // Trailing run (after the last wildcard): a suffix that must not overlap the prefix.
    size_t last_star = n;
    while (last_star > 0 && !pattern_[last_star - 1].wildcard) --last_star;
    const size_t trail_len = RunLength(last_star, n);
    if (trail_len > text.size() - begin) return false;
    const size_t end = text.size() - trail_len;
    if (!RunAt(text, end, last_star, n)) return false;
    // Middle runs, each at its leftmost position within [begin, end).
    size_t i = first_end;
    while (i < last_star - 1) {
      const size_t run_begin = i + 1;
      const size_t run_end = NextWildcard(run_begin);
      const size_t len = RunLength(run_begin, run_end);
      bool found = false;
      for (size_t pos = begin; pos + len <= end; ++pos) {
        if (RunAt(text, pos, run_begin, run_end)) {
          begin = pos + len;
          found = true;
          break;
        }
      }
      if (!found) return false;
      i = run_end;
    }
    return true;
  }

 private:
  size_t NextWildcard(size_t from) const {
    while (from < pattern_.size() && !pattern_[from].wildcard) ++from;
    return from;
  }
  size_t RunLength(size_t b, size_t e) const {
    size_t len = 0;
    for (size_t i = b; i < e; ++i) len += pattern_[i].literal.size();
    return len;
  }
  // Whether the literal elements [b, e) occur in `text` at `pos`.
  bool RunAt(std::string_view text, size_t pos, size_t b, size_t e) const {
    for (size_t i = b; i < e; ++i) {
      const std::string& lit = pattern_[i].literal;
      if (text.compare(pos, lit.size(), lit) != 0) return false;
      pos += lit.size();
    }
    return true;
  }

  const std::vector<PatternElem>& pattern_;
};

bool SetContains(const Set& set, const Value& v) {
  // Sets are sorted by Compare; a short linear scan with == beats the binary search's three-way
  // comparisons for the small sets policies usually hold.
  if (set.size() <= 8) {
    for (const Value& e : set) {
      if (e == v) return true;
    }
    return false;
  }
  auto it = std::lower_bound(set.begin(), set.end(), v,
                             [](const Value& a, const Value& b) { return Compare(a, b) < 0; });
  return it != set.end() && *it == v;
}

// Both sets are sorted and de-duplicated by Compare, so subset and intersection are merges.
bool IsSubset(const Set& sub, const Set& super) {
  auto i = super.begin();
  for (const Value& v : sub) {
    while (i != super.end() && Compare(*i, v) < 0) ++i;
    if (i == super.end() || !(*i == v)) return false;
    ++i;
  }
  return true;
}

bool Intersects(const Set& a, const Set& b) {
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() && j != b.end()) {
    const int c = Compare(*i, *j);
    if (c == 0) return true;
    if (c < 0) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

using Ancestors = std::unordered_set<EntityUid, EntityUidHash>;

// EntityUid equality, testing the id first: ids differ more often than types.
bool SameUid(const EntityUid& a, const EntityUid& b) { return a.id == b.id && a.type == b.type; }

// One evaluation context: a request and an entity store. Cheap to construct (no allocation); it
// builds the variables' Values and looks their entities up on first use.
class Evaluator {
 public:
  Evaluator(const Request& request, const Entities& entities)
      : request_(request), entities_(entities) {}

  // The value of `e`, or nullptr after setting error_. The result either points to `tmp` or to
  // storage that outlives the evaluation (the AST, the request, the entity store, or the inside of
  // such a value) — never into another scratch slot.
  const Value* Eval(const Expr& e, Value& tmp);

  // Whether the policy's scope and conditions hold; nullopt after setting error_.
  std::optional<bool> Satisfied(const Policy& policy);

  Error TakeError() { return std::move(*error_); }

 private:
  const Value* Fail(std::string message) {
    error_.emplace(InvalidArgument(std::move(message)));
    return nullptr;
  }
  const Value* TypeError(std::string_view expected, const Value& actual) {
    return Fail("type error: expected " + std::string(expected) + ", got " + TypeDesc(actual));
  }
  const Value* SetBool(Value& tmp, bool b) {
    tmp = Value(b);
    return &tmp;
  }
  const Value* SetLong(Value& tmp, int64_t i) {
    tmp = Value(i);
    return &tmp;
  }
  // Evaluates `e` and requires a Bool; nullopt after setting error_.
  std::optional<bool> EvalBool(const Expr& e);

  const Value& VarValue(Var v);
  // The store's entity for an entity value (cached for the request variables), or nullptr.
  const Entity* FindEntity(const Value& v);
  // `uid in target` where the target is an entity or a set of entities (inₑ / inₛ).
  // `ancestors` are uid's ancestors (see AncestorsOf).
  const Value* EvalIn(const EntityUid& uid, const Ancestors* ancestors, const Value& target,
                      Value& tmp);
  // The ancestors of an entity value: cached for the request variables, else looked up.
  const Ancestors* AncestorsOf(const Value& v);
  const Ancestors* VarAncestors(size_t var);
  static bool InEntity(const EntityUid& uid, const Ancestors* ancestors,
                       const EntityUid& candidate) {
    return SameUid(uid, candidate) ||
           (ancestors != nullptr && !ancestors->empty() && ancestors->contains(candidate));
  }
  std::optional<bool> ScopeHolds(const ScopeConstraint& scope, size_t var, const EntityUid& uid);

  const Value* EvalBinary(const Expr& e, Value& tmp);
  const Value* EvalGetAttr(const Expr& e, Value& tmp);
  const Value* EvalHas(const Expr& e, Value& tmp);
  const Value* EvalIs(const Expr& e, Value& tmp);
  const Value* EvalCall(const Expr& e, Value& tmp);
  const Value* EvalRecord(const Expr& e, Value& tmp);

  const Request& request_;
  const Entities& entities_;
  std::optional<Error> error_;

  // Lazily built per-request state, indexed by Var (principal, action, resource).
  struct VarCache {
    std::optional<Value> value;
    bool entity_looked_up = false;
    const Entity* entity = nullptr;
    bool ancestors_looked_up = false;
    const Ancestors* ancestors = nullptr;  // nullptr when the entity is absent
  };
  std::array<VarCache, 3> vars_;
};

const EntityUid& RequestUid(const Request& r, Var v) {
  switch (v) {
    case Var::kPrincipal:
      return r.principal;
    case Var::kAction:
      return r.action;
    case Var::kResource:
    case Var::kContext:
      break;
  }
  return r.resource;
}

const Value& Evaluator::VarValue(Var v) {
  if (v == Var::kContext) return request_.context;
  VarCache& c = vars_[static_cast<size_t>(v)];
  if (!c.value) c.value.emplace(RequestUid(request_, v));
  return *c.value;
}

const Entity* Evaluator::FindEntity(const Value& v) {
  // Attribute access on principal/resource is the common case; recognise the request variables
  // by their shared uid pointer and look each up in the store once.
  for (VarCache& c : vars_) {
    if (c.value && c.value->entity_ptr() == v.entity_ptr()) {
      if (!c.entity_looked_up) {
        c.entity = entities_.Find(v.as_entity());
        c.entity_looked_up = true;
      }
      return c.entity;
    }
  }
  return entities_.Find(v.as_entity());
}

const Ancestors* Evaluator::VarAncestors(size_t var) {
  VarCache& c = vars_[var];
  if (!c.ancestors_looked_up) {
    c.ancestors = entities_.Ancestors(RequestUid(request_, static_cast<Var>(var)));
    c.ancestors_looked_up = true;
  }
  return c.ancestors;
}

const Ancestors* Evaluator::AncestorsOf(const Value& v) {
  for (size_t i = 0; i < vars_.size(); ++i) {
    if (vars_[i].value && vars_[i].value->entity_ptr() == v.entity_ptr()) return VarAncestors(i);
  }
  return entities_.Ancestors(v.as_entity());
}

std::optional<bool> Evaluator::EvalBool(const Expr& e) {
  Value tmp;
  const Value* v = Eval(e, tmp);
  if (v == nullptr) return std::nullopt;
  if (!v->is(Type::kBool)) {
    TypeError("bool", *v);
    return std::nullopt;
  }
  return v->as_bool();
}

const Value* Evaluator::Eval(const Expr& e, Value& tmp) {
  switch (e.kind) {
    case ExprKind::kLit:
      return &e.value;
    case ExprKind::kVar:
      return &VarValue(e.var);
    case ExprKind::kSlot:
      return Fail("template slot `" + std::string(SlotName(e.slot)) + "` was not linked");
    case ExprKind::kIf: {
      std::optional<bool> c = EvalBool(*e.args[0]);
      if (!c) return nullptr;
      return Eval(*e.args[*c ? 1 : 2], tmp);
    }
    case ExprKind::kAnd: {
      std::optional<bool> l = EvalBool(*e.args[0]);
      if (!l) return nullptr;
      if (!*l) return SetBool(tmp, false);
      std::optional<bool> r = EvalBool(*e.args[1]);
      if (!r) return nullptr;
      return SetBool(tmp, *r);
    }
    case ExprKind::kOr: {
      std::optional<bool> l = EvalBool(*e.args[0]);
      if (!l) return nullptr;
      if (*l) return SetBool(tmp, true);
      std::optional<bool> r = EvalBool(*e.args[1]);
      if (!r) return nullptr;
      return SetBool(tmp, *r);
    }
    case ExprKind::kNot: {
      std::optional<bool> b = EvalBool(*e.args[0]);
      if (!b) return nullptr;
      return SetBool(tmp, !*b);
    }
    case ExprKind::kNeg: {
      Value t;
      const Value* v = Eval(*e.args[0], t);
      if (v == nullptr) return nullptr;
      if (!v->is(Type::kLong)) return TypeError("long", *v);
      int64_t result;
      if (__builtin_sub_overflow(int64_t{0}, v->as_long(), &result)) {
        return Fail("integer overflow while attempting to negate the value `" + v->ToCedar() + "`");
      }
      return SetLong(tmp, result);
    }
    case ExprKind::kBinary:
      return EvalBinary(e, tmp);
    case ExprKind::kHas:
      return EvalHas(e, tmp);
    case ExprKind::kGetAttr:
      return EvalGetAttr(e, tmp);
    case ExprKind::kLike: {
      Value t;
      const Value* v = Eval(*e.args[0], t);
      if (v == nullptr) return nullptr;
      if (!v->is(Type::kString)) return TypeError("string", *v);
      return SetBool(tmp, Glob(e.pattern).Match(v->as_string()));
    }
    case ExprKind::kIs:
      return EvalIs(e, tmp);
    case ExprKind::kSet: {
      std::vector<Value> elements;
      elements.reserve(e.args.size());
      for (const ExprPtr& arg : e.args) {
        Value t;
        const Value* v = Eval(*arg, t);
        if (v == nullptr) return nullptr;
        elements.push_back(v == &t ? std::move(t) : *v);
      }
      tmp = Value::MakeSet(std::move(elements));
      return &tmp;
    }
    case ExprKind::kRecord:
      return EvalRecord(e, tmp);
    case ExprKind::kCall:
      return EvalCall(e, tmp);
  }
  return Fail("internal error: unknown expression kind");
}

const Value* Evaluator::EvalRecord(const Expr& e, Value& tmp) {
  // Fields are evaluated in key order, as the Rust implementation (whose records are ordered
  // maps) does, so that the same field's error is reported when several fail.
  std::vector<size_t> order;
  if (!std::is_sorted(e.keys.begin(), e.keys.end())) {
    order.resize(e.args.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return e.keys[x] < e.keys[y]; });
  }
  Record record;
  for (size_t k = 0; k < e.args.size(); ++k) {
    const size_t i = order.empty() ? k : order[k];
    Value t;
    const Value* v = Eval(*e.args[i], t);
    if (v == nullptr) return nullptr;
    record.insert_or_assign(e.keys[i], v == &t ? std::move(t) : *v);
  }
  tmp = Value(std::move(record));
  return &tmp;
}

const Value* Evaluator::EvalIn(const EntityUid& uid, const Ancestors* ancestors,
                               const Value& target, Value& tmp) {
  if (target.is(Type::kEntity)) return SetBool(tmp, InEntity(uid, ancestors, target.as_entity()));
  if (target.is(Type::kSet)) {
    // Every element must be an entity, even after a match is found (inₛ maps the whole set to
    // uids before testing membership).
    bool found = false;
    for (const Value& element : target.as_set()) {
      if (!element.is(Type::kEntity)) return TypeError(kAnyEntity, element);
      if (!found) found = InEntity(uid, ancestors, element.as_entity());
    }
    return SetBool(tmp, found);
  }
  return TypeError(kSetOrEntity, target);
}

const Value* Evaluator::EvalBinary(const Expr& e, Value& tmp) {
  Value t1;
  Value t2;
  const Value* a = Eval(*e.args[0], t1);
  if (a == nullptr) return nullptr;
  const Value* b = Eval(*e.args[1], t2);
  if (b == nullptr) return nullptr;
  switch (e.op) {
    case BinOp::kEq:
      return SetBool(tmp, *a == *b);
    case BinOp::kNe:
      return SetBool(tmp, !(*a == *b));
    case BinOp::kLt:
    case BinOp::kLe:
    case BinOp::kGt:
    case BinOp::kGe: {
      // Long, datetime and duration are ordered, each only against its own type. Which operand
      // a type error names follows the Rust implementation: a Long or orderable operand sets
      // the expected type for the other one.
      int64_t x;
      int64_t y;
      if (a->type() != b->type()) {
        for (const auto& [known, other] : {std::pair{a, b}, std::pair{b, a}}) {
          if (known->is(Type::kLong)) return TypeError("long", *other);
        }
        for (const auto& [known, other] : {std::pair{a, b}, std::pair{b, a}}) {
          if (known->is(Type::kDatetime) || known->is(Type::kDuration)) {
            return TypeError(TypeName(known->type()), *other);
          }
        }
        return TypeError("one of [long, datetime, duration]", *a);
      }
      if (a->is(Type::kLong)) {
        x = a->as_long();
        y = b->as_long();
      } else if (a->is(Type::kDatetime)) {
        x = a->as_datetime().ms;
        y = b->as_datetime().ms;
      } else if (a->is(Type::kDuration)) {
        x = a->as_duration().ms;
        y = b->as_duration().ms;
      } else {
        return TypeError("one of [long, datetime, duration]", *a);
      }
      switch (e.op) {
        case BinOp::kLt:
          return SetBool(tmp, x < y);
        case BinOp::kLe:
          return SetBool(tmp, x <= y);
        case BinOp::kGt:
          return SetBool(tmp, x > y);
        default:
          return SetBool(tmp, x >= y);
      }
    }
    case BinOp::kAdd:
    case BinOp::kSub:
    case BinOp::kMul: {
      if (!a->is(Type::kLong)) return TypeError("long", *a);
      if (!b->is(Type::kLong)) return TypeError("long", *b);
      int64_t result;
      bool overflow;
      std::string_view verb;
      if (e.op == BinOp::kAdd) {
        overflow = __builtin_add_overflow(a->as_long(), b->as_long(), &result);
        verb = "add";
      } else if (e.op == BinOp::kSub) {
        overflow = __builtin_sub_overflow(a->as_long(), b->as_long(), &result);
        verb = "subtract";
      } else {
        overflow = __builtin_mul_overflow(a->as_long(), b->as_long(), &result);
        verb = "multiply";
      }
      if (overflow) {
        return Fail("integer overflow while attempting to " + std::string(verb) + " the values `" +
                    a->ToCedar() + "` and `" + b->ToCedar() + "`");
      }
      return SetLong(tmp, result);
    }
    case BinOp::kIn:
      if (!a->is(Type::kEntity)) return TypeError(kAnyEntity, *a);
      return EvalIn(a->as_entity(), AncestorsOf(*a), *b, tmp);
  }
  return Fail("internal error: unknown binary operator");
}

const Value* Evaluator::EvalHas(const Expr& e, Value& tmp) {
  Value t;
  const Value* v = Eval(*e.args[0], t);
  if (v == nullptr) return nullptr;
  if (v->is(Type::kRecord)) return SetBool(tmp, v->as_record().contains(e.name));
  if (v->is(Type::kEntity)) {
    // A missing entity has no attributes (attrsOrEmpty), so `has` is false rather than an error.
    const Entity* entity = FindEntity(*v);
    return SetBool(tmp, entity != nullptr && entity->attrs.contains(e.name));
  }
  return TypeError(kRecordOrEntity, *v);
}

const Value* Evaluator::EvalGetAttr(const Expr& e, Value& tmp) {
  Value t;
  const Value* v = Eval(*e.args[0], t);
  if (v == nullptr) return nullptr;
  const Value* found = nullptr;
  if (v->is(Type::kRecord)) {
    const Record& record = v->as_record();
    auto it = record.find(e.name);
    if (it == record.end()) return Fail("record does not have the attribute `" + e.name + "`");
    found = &it->second;
  } else if (v->is(Type::kEntity)) {
    const Entity* entity = FindEntity(*v);
    if (entity == nullptr) {
      return Fail("entity `" + v->as_entity().ToString() + "` does not exist");
    }
    auto it = entity->attrs.find(e.name);
    if (it == entity->attrs.end()) {
      return Fail("`" + v->as_entity().ToString() + "` does not have the attribute `" + e.name +
                  "`");
    }
    // Entity attributes live in the store, which outlives the evaluation.
    return &it->second;
  } else {
    return TypeError(kRecordOrEntity, *v);
  }
  // A field of a record that lives only in our scratch slot must be copied out before the slot
  // goes away; a field of a long-lived record can be returned where it is.
  if (v != &t) return found;
  tmp = *found;
  return &tmp;
}

const Value* Evaluator::EvalIs(const Expr& e, Value& tmp) {
  Value t;
  const Value* v = Eval(*e.args[0], t);
  if (v == nullptr) return nullptr;
  if (!v->is(Type::kEntity)) return TypeError(kAnyEntity, *v);
  const bool type_matches = v->as_entity().type == e.name;
  // `x is T in y` is `x is T && x in y`: y is evaluated only when the type matches.
  if (e.args.size() < 2 || !type_matches) return SetBool(tmp, type_matches);
  Value t2;
  const Value* target = Eval(*e.args[1], t2);
  if (target == nullptr) return nullptr;
  return EvalIn(v->as_entity(), AncestorsOf(*v), *target, tmp);
}

const Value* Evaluator::EvalCall(const Expr& e, Value& tmp) {
  const FnInfo& info = InfoOf(e.fn);
  if (static_cast<int>(e.args.size()) != info.arity) {
    return Fail("wrong number of arguments provided to extension function `" +
                std::string(info.name) + "`: expected " + std::to_string(info.arity) + ", got " +
                std::to_string(e.args.size()));
  }
  // Every function takes at most two arguments (receiver included); all are evaluated, in
  // order, before any is type checked.
  if (e.args.size() > 2) return Fail("internal error: function with more than two arguments");
  std::array<Value, 2> scratch;
  std::array<const Value*, 2> args{};
  for (size_t i = 0; i < e.args.size(); ++i) {
    args[i] = Eval(*e.args[i], scratch[i]);
    if (args[i] == nullptr) return nullptr;
  }
  if (info.extension) {
    // CallExtension takes a contiguous span of values.
    std::array<Value, 2> values;
    for (size_t i = 0; i < e.args.size(); ++i) {
      values[i] = args[i] == &scratch[i] ? std::move(scratch[i]) : *args[i];
    }
    Result<Value> r = CallExtension(e.fn, std::span<const Value>(values.data(), e.args.size()));
    if (!r.ok()) {
      error_.emplace(std::move(r).error());
      return nullptr;
    }
    tmp = std::move(r).value();
    return &tmp;
  }
  const Value& recv = *args[0];
  switch (e.fn) {
    case Fn::kContains:
      if (!recv.is(Type::kSet)) return TypeError("set", recv);
      return SetBool(tmp, SetContains(recv.as_set(), *args[1]));
    case Fn::kContainsAll:
    case Fn::kContainsAny: {
      if (!recv.is(Type::kSet)) return TypeError("set", recv);
      if (!args[1]->is(Type::kSet)) return TypeError("set", *args[1]);
      const Set& a = recv.as_set();
      const Set& b = args[1]->as_set();
      return SetBool(tmp, e.fn == Fn::kContainsAll ? IsSubset(b, a) : Intersects(a, b));
    }
    case Fn::kIsEmpty:
      if (!recv.is(Type::kSet)) return TypeError("set", recv);
      return SetBool(tmp, recv.as_set().empty());
    case Fn::kHasTag:
    case Fn::kGetTag: {
      if (!recv.is(Type::kEntity)) return TypeError(kAnyEntity, recv);
      if (!args[1]->is(Type::kString)) return TypeError("string", *args[1]);
      const std::string& tag = args[1]->as_string();
      const Entity* entity = FindEntity(recv);
      if (e.fn == Fn::kHasTag) {
        // tagsOrEmpty: a missing entity has no tags.
        return SetBool(tmp, entity != nullptr && entity->tags.contains(tag));
      }
      if (entity == nullptr) {
        return Fail("entity `" + recv.as_entity().ToString() + "` does not exist");
      }
      auto it = entity->tags.find(tag);
      if (it == entity->tags.end()) {
        return Fail("`" + recv.as_entity().ToString() + "` does not have the tag `" + tag + "`");
      }
      return &it->second;
    }
    default:
      break;
  }
  return Fail("internal error: function `" + std::string(info.name) + "` has no implementation");
}

std::optional<bool> Evaluator::ScopeHolds(const ScopeConstraint& scope, size_t var,
                                          const EntityUid& uid) {
  switch (scope.op) {
    case ScopeConstraint::Op::kAny:
      return true;
    case ScopeConstraint::Op::kEq:
      return SameUid(uid, *scope.entity);
    case ScopeConstraint::Op::kIn:
      return InEntity(uid, VarAncestors(var), *scope.entity);
    case ScopeConstraint::Op::kInSet: {
      const Ancestors* ancestors = VarAncestors(var);
      for (const EntityUid& candidate : scope.entities) {
        if (InEntity(uid, ancestors, candidate)) return true;
      }
      return false;
    }
    case ScopeConstraint::Op::kIs:
      return uid.type == scope.type;
    case ScopeConstraint::Op::kIsIn:
      return uid.type == scope.type && InEntity(uid, VarAncestors(var), *scope.entity);
  }
  Fail("internal error: unknown scope constraint");
  return std::nullopt;
}

bool NeedsEntity(const ScopeConstraint& s) {
  return s.op == ScopeConstraint::Op::kEq || s.op == ScopeConstraint::Op::kIn ||
         s.op == ScopeConstraint::Op::kIsIn;
}

std::optional<bool> Evaluator::Satisfied(const Policy& policy) {
  // A template (a constraint whose slot is not linked) is never evaluated.
  for (const ScopeConstraint* s : {&policy.principal, &policy.action, &policy.resource}) {
    if (NeedsEntity(*s) && !s->entity) {
      if (s->slot) {
        Fail("template slot `" + std::string(SlotName(*s->slot)) + "` was not linked");
      } else {
        Fail("internal error: scope constraint without an entity");
      }
      return std::nullopt;
    }
  }
  // Policy.toExpr: principal && action && resource && conditions, left to right; scope
  // constraints cannot error.
  const ScopeConstraint* scopes[] = {&policy.principal, &policy.action, &policy.resource};
  for (size_t var = 0; var < 3; ++var) {
    std::optional<bool> holds =
        ScopeHolds(*scopes[var], var, RequestUid(request_, static_cast<Var>(var)));
    if (!holds || !*holds) return holds;
  }
  for (const Condition& c : policy.conditions) {
    std::optional<bool> b = EvalBool(*c.expr);
    if (!b) return std::nullopt;
    if (*b != c.when) return false;
  }
  return true;
}

}  // namespace

Result<Value> Evaluate(const Expr& expr, const Request& request, const Entities& entities) {
  Evaluator evaluator(request, entities);
  Value tmp;
  const Value* v = evaluator.Eval(expr, tmp);
  if (v == nullptr) return evaluator.TakeError();
  return v == &tmp ? std::move(tmp) : *v;
}

Result<bool> Satisfied(const Policy& policy, const Request& request, const Entities& entities) {
  Evaluator evaluator(request, entities);
  std::optional<bool> b = evaluator.Satisfied(policy);
  if (!b) return evaluator.TakeError();
  return *b;
}

Response IsAuthorized(const Request& request, const PolicySet& policies, const Entities& entities) {
  // One evaluator for the whole request, so the variables are built and looked up once.
  Evaluator evaluator(request, entities);
  Response response;
  // Satisfied permits go straight into the reason; satisfied forbids are rarer and replace it.
  std::vector<const Policy*> forbids;
  for (const Policy& policy : policies.policies()) {
    std::optional<bool> b = evaluator.Satisfied(policy);
    if (!b) {
      response.errors.push_back(PolicyError{policy.id, evaluator.TakeError().message()});
      continue;
    }
    if (!*b) continue;
    if (policy.effect == Effect::kForbid) {
      forbids.push_back(&policy);
    } else if (forbids.empty()) {
      response.reason.push_back(policy.id);
    }
  }
  // Forbid overrides permit; with neither, the default is deny with no reason.
  response.allow = forbids.empty() && !response.reason.empty();
  if (!forbids.empty()) {
    response.reason.clear();
    for (const Policy* p : forbids) response.reason.push_back(p->id);
  }
  return response;
}

}  // namespace custody::cedar
