// Tests for cedar::Evaluate: every operator and method, with their error cases, against the
// semantics of cedar-lean/Cedar/Spec/Evaluator.lean.
//
// The first part builds ASTs by hand (so it pins the evaluator independently of the parser); the
// second writes expressions as Cedar text through ParseExpression, which reads better for the bulk
// of the cases.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "policy/cedar/authorizer.h"
#include "policy/cedar/parser.h"

namespace custody::cedar {
namespace {

// ----- AST builders -----

template <typename... A>
std::vector<ExprPtr> Args(A&&... a) {
  std::vector<ExprPtr> v;
  (v.push_back(std::forward<A>(a)), ...);
  return v;
}

ExprPtr Node(ExprKind kind, std::vector<ExprPtr> args = {}) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->args = std::move(args);
  return e;
}

ExprPtr Lit(Value v) {
  auto e = Node(ExprKind::kLit);
  e->value = std::move(v);
  return e;
}
ExprPtr Long(int64_t i) { return Lit(Value(i)); }
ExprPtr Str(std::string s) { return Lit(Value(std::move(s))); }
ExprPtr Bool(bool b) { return Lit(Value(b)); }
ExprPtr Ent(std::string type, std::string id) {
  return Lit(Value(EntityUid{std::move(type), std::move(id)}));
}
ExprPtr VarE(Var v) {
  auto e = Node(ExprKind::kVar);
  e->var = v;
  return e;
}
ExprPtr Bin(BinOp op, ExprPtr a, ExprPtr b) {
  auto e = Node(ExprKind::kBinary, Args(std::move(a), std::move(b)));
  e->op = op;
  return e;
}
ExprPtr And(ExprPtr a, ExprPtr b) { return Node(ExprKind::kAnd, Args(std::move(a), std::move(b))); }
ExprPtr Or(ExprPtr a, ExprPtr b) { return Node(ExprKind::kOr, Args(std::move(a), std::move(b))); }
ExprPtr Not(ExprPtr a) { return Node(ExprKind::kNot, Args(std::move(a))); }
ExprPtr Neg(ExprPtr a) { return Node(ExprKind::kNeg, Args(std::move(a))); }
ExprPtr If(ExprPtr c, ExprPtr t, ExprPtr f) {
  return Node(ExprKind::kIf, Args(std::move(c), std::move(t), std::move(f)));
}
ExprPtr Has(ExprPtr a, std::string name) {
  auto e = Node(ExprKind::kHas, Args(std::move(a)));
  e->name = std::move(name);
  return e;
}
ExprPtr Attr(ExprPtr a, std::string name) {
  auto e = Node(ExprKind::kGetAttr, Args(std::move(a)));
  e->name = std::move(name);
  return e;
}
// `pattern` uses `*` for the wildcard (no escapes needed in these tests).
ExprPtr Like(ExprPtr a, std::string_view pattern) {
  auto e = Node(ExprKind::kLike, Args(std::move(a)));
  std::string run;
  for (char c : pattern) {
    if (c == '*') {
      if (!run.empty()) e->pattern.push_back({false, std::move(run)});
      run.clear();
      e->pattern.push_back({true, ""});
    } else {
      run += c;
    }
  }
  if (!run.empty()) e->pattern.push_back({false, std::move(run)});
  return e;
}
ExprPtr Is(ExprPtr a, std::string type, ExprPtr in = nullptr) {
  auto e = Node(ExprKind::kIs, Args(std::move(a)));
  if (in) e->args.push_back(std::move(in));
  e->name = std::move(type);
  return e;
}
ExprPtr SetE(std::vector<ExprPtr> elements) { return Node(ExprKind::kSet, std::move(elements)); }
ExprPtr Rec(std::vector<std::string> keys, std::vector<ExprPtr> values) {
  auto e = Node(ExprKind::kRecord, std::move(values));
  e->keys = std::move(keys);
  return e;
}
ExprPtr Call(Fn fn, std::vector<ExprPtr> args) {
  auto e = Node(ExprKind::kCall, std::move(args));
  e->fn = fn;
  return e;
}
ExprPtr SlotE(Slot s) {
  auto e = Node(ExprKind::kSlot);
  e->slot = s;
  return e;
}

EntityUid Uid(std::string type, std::string id) {
  return EntityUid{std::move(type), std::move(id)};
}
Value EV(std::string type, std::string id) { return Value(Uid(std::move(type), std::move(id))); }
Value S(std::string s) { return Value(std::move(s)); }
Value L(int64_t i) { return Value(i); }
Value B(bool b) { return Value(b); }

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// The fixture's store:
//   User::"alice" {name, age, manager: User::"bob", profile: {email}}  in Group::"eng"
//                 tags {level: "5"}
//   User::"bob" {}                                                     in Group::"ops"
//   Group::"eng" in Group::"all";  Group::"ops" (no parents)
//   Photo::"p1" {owner: User::"alice", labels: ["a", "b"]}             in Album::"vacation"
//   Action::"view" in Action::"read"
// Album::"vacation", Group::"all" and Action::"read" are not in the store (parents may be absent).
class EvalTest : public ::testing::Test {
 protected:
  EvalTest() {
    Entity alice;
    alice.uid = Uid("User", "alice");
    alice.attrs.emplace("name", S("Alice"));
    alice.attrs.emplace("age", L(30));
    alice.attrs.emplace("manager", EV("User", "bob"));
    alice.attrs.emplace("profile", Value(Record{{"email", S("alice@example.com")}}));
    alice.tags.emplace("level", S("5"));
    alice.parents = {Uid("Group", "eng")};
    Entity bob;
    bob.uid = Uid("User", "bob");
    bob.parents = {Uid("Group", "ops")};
    Entity eng;
    eng.uid = Uid("Group", "eng");
    eng.parents = {Uid("Group", "all")};
    Entity ops;
    ops.uid = Uid("Group", "ops");
    Entity photo;
    photo.uid = Uid("Photo", "p1");
    photo.attrs.emplace("owner", EV("User", "alice"));
    photo.attrs.emplace("labels", Value::MakeSet({S("a"), S("b")}));
    photo.parents = {Uid("Album", "vacation")};
    Entity view;
    view.uid = Uid("Action", "view");
    view.parents = {Uid("Action", "read")};
    for (Entity* e : {&alice, &bob, &eng, &ops, &photo, &view}) {
      EXPECT_TRUE(entities_.Add(std::move(*e)).ok());
    }
    entities_.Build();

    request_.principal = Uid("User", "alice");
    request_.action = Uid("Action", "view");
    request_.resource = Uid("Photo", "p1");
    request_.context = Value(Record{{"n", L(5)}, {"flag", B(true)}, {"ip", S("1.2.3.4")}});
  }

  Result<Value> Ev(const Expr& e) { return Evaluate(e, request_, entities_); }

  void ExpectValue(const ExprPtr& e, const Value& want) {
    Result<Value> r = Ev(*e);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(*r, want) << "got " << r->ToCedar() << ", want " << want.ToCedar();
  }
  // Expects an evaluation error whose message contains `fragment`.
  void ExpectError(const ExprPtr& e, std::string_view fragment) {
    Result<Value> r = Ev(*e);
    ASSERT_FALSE(r.ok()) << "got " << r->ToCedar();
    EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
  }

  Entities entities_;
  Request request_;
};

// ----- literals and variables -----

TEST_F(EvalTest, LiteralsEvaluateToThemselves) {
  ExpectValue(Long(7), L(7));
  ExpectValue(Str("x"), S("x"));
  ExpectValue(Bool(false), B(false));
  ExpectValue(Ent("User", "zed"), EV("User", "zed"));
}

TEST_F(EvalTest, VariablesAreTheRequestsEntitiesAndContext) {
  ExpectValue(VarE(Var::kPrincipal), EV("User", "alice"));
  ExpectValue(VarE(Var::kAction), EV("Action", "view"));
  ExpectValue(VarE(Var::kResource), EV("Photo", "p1"));
  ExpectValue(VarE(Var::kContext), request_.context);
}

TEST_F(EvalTest, RequestEntitiesNeedNotExistInTheStore) {
  request_.principal = Uid("User", "ghost");
  ExpectValue(VarE(Var::kPrincipal), EV("User", "ghost"));
  ExpectValue(Bin(BinOp::kEq, VarE(Var::kPrincipal), Ent("User", "ghost")), B(true));
}

TEST_F(EvalTest, UnlinkedSlotIsAnError) {
  ExpectError(SlotE(Slot::kPrincipal), "template slot `?principal` was not linked");
}

// ----- boolean operators -----

TEST_F(EvalTest, AndOrNot) {
  ExpectValue(And(Bool(true), Bool(true)), B(true));
  ExpectValue(And(Bool(true), Bool(false)), B(false));
  ExpectValue(Or(Bool(false), Bool(true)), B(true));
  ExpectValue(Or(Bool(false), Bool(false)), B(false));
  ExpectValue(Not(Bool(false)), B(true));
}

TEST_F(EvalTest, ShortCircuitHidesErrorsAndTypeErrorsOfTheSkippedOperand) {
  ExpectValue(And(Bool(false), Attr(VarE(Var::kContext), "missing")), B(false));
  ExpectValue(And(Bool(false), Long(1)), B(false));
  ExpectValue(Or(Bool(true), Attr(VarE(Var::kContext), "missing")), B(true));
  ExpectValue(Or(Bool(true), Long(1)), B(true));
}

TEST_F(EvalTest, EvaluatedOperandsMustBeBool) {
  ExpectError(And(Long(1), Bool(true)), "type error: expected bool, got long");
  ExpectError(And(Bool(true), Long(1)), "type error: expected bool, got long");
  ExpectError(Or(Str("x"), Bool(true)), "expected bool, got string");
  ExpectError(Or(Bool(false), Long(1)), "expected bool, got long");
  ExpectError(Not(Long(1)), "expected bool, got long");
}

TEST_F(EvalTest, ErrorsInEvaluatedOperandsPropagate) {
  ExpectError(And(Bool(true), Attr(VarE(Var::kContext), "missing")), "`missing`");
  ExpectError(Or(Attr(VarE(Var::kContext), "missing"), Bool(true)), "`missing`");
}

TEST_F(EvalTest, IfTakesOneBranchAndNeedsABoolCondition) {
  ExpectValue(If(Bool(true), Long(1), Attr(VarE(Var::kContext), "missing")), L(1));
  ExpectValue(If(Bool(false), Attr(VarE(Var::kContext), "missing"), Long(2)), L(2));
  ExpectError(If(Long(1), Long(1), Long(2)), "expected bool, got long");
  ExpectError(If(Attr(VarE(Var::kContext), "missing"), Long(1), Long(2)), "`missing`");
}

// ----- equality and comparison -----

TEST_F(EvalTest, EqualityIsStructuralAndNeverErrors) {
  ExpectValue(Bin(BinOp::kEq, Long(1), Long(1)), B(true));
  ExpectValue(Bin(BinOp::kEq, Long(1), Str("1")), B(false));
  ExpectValue(Bin(BinOp::kNe, Long(1), Str("1")), B(true));
  ExpectValue(Bin(BinOp::kEq, Ent("User", "a"), Ent("Group", "a")), B(false));
  ExpectValue(Bin(BinOp::kEq, SetE(Args(Long(2), Long(1), Long(2))), SetE(Args(Long(1), Long(2)))),
              B(true));
  ExpectValue(Bin(BinOp::kEq, Rec({"a"}, Args(Long(1))), Rec({"a"}, Args(Long(1)))), B(true));
  ExpectValue(Bin(BinOp::kEq, Rec({"a"}, Args(Long(1))), Rec({"a"}, Args(Long(2)))), B(false));
}

TEST_F(EvalTest, OrderingOnLongs) {
  ExpectValue(Bin(BinOp::kLt, Long(1), Long(2)), B(true));
  ExpectValue(Bin(BinOp::kLt, Long(2), Long(2)), B(false));
  ExpectValue(Bin(BinOp::kLe, Long(2), Long(2)), B(true));
  ExpectValue(Bin(BinOp::kGt, Long(3), Long(2)), B(true));
  ExpectValue(Bin(BinOp::kGe, Long(2), Long(3)), B(false));
  ExpectValue(Bin(BinOp::kLt, Long(kMin), Long(kMax)), B(true));
}

TEST_F(EvalTest, OrderingOnDatetimesAndDurations) {
  ExpectValue(Bin(BinOp::kLt, Lit(Value(Datetime{1})), Lit(Value(Datetime{2}))), B(true));
  ExpectValue(Bin(BinOp::kGe, Lit(Value(Duration{-5})), Lit(Value(Duration{-5}))), B(true));
}

TEST_F(EvalTest, OrderingTypeErrors) {
  ExpectError(Bin(BinOp::kLt, Str("a"), Str("b")), "type error");
  ExpectError(Bin(BinOp::kLt, Long(1), Str("b")), "expected long, got string");
  ExpectError(Bin(BinOp::kLe, Lit(Value(Decimal{1})), Lit(Value(Decimal{2}))), "got decimal");
  ExpectError(Bin(BinOp::kLt, Lit(Value(Datetime{1})), Lit(Value(Duration{2}))),
              "expected datetime, got duration");
  ExpectError(Bin(BinOp::kGt, Long(1), Lit(Value(Duration{2}))), "expected long");
}

// ----- arithmetic -----

TEST_F(EvalTest, Arithmetic) {
  ExpectValue(Bin(BinOp::kAdd, Long(1), Long(2)), L(3));
  ExpectValue(Bin(BinOp::kSub, Long(1), Long(2)), L(-1));
  ExpectValue(Bin(BinOp::kMul, Long(-3), Long(4)), L(-12));
  ExpectValue(Neg(Long(5)), L(-5));
  ExpectValue(Bin(BinOp::kAdd, Long(kMax - 1), Long(1)), L(kMax));
  ExpectValue(Bin(BinOp::kSub, Long(kMin + 1), Long(1)), L(kMin));
  ExpectValue(Neg(Long(kMax)), L(-kMax));
}

TEST_F(EvalTest, ArithmeticOverflowIsAnError) {
  ExpectError(Bin(BinOp::kAdd, Long(kMax), Long(1)),
              "integer overflow while attempting to add the values `9223372036854775807` and `1`");
  ExpectError(Bin(BinOp::kSub, Long(kMin), Long(1)), "overflow while attempting to subtract");
  ExpectError(Bin(BinOp::kMul, Long(kMax), Long(2)), "overflow while attempting to multiply");
  ExpectError(Bin(BinOp::kMul, Long(kMin), Long(-1)), "overflow");
  ExpectError(Neg(Long(kMin)), "integer overflow while attempting to negate the value");
}

TEST_F(EvalTest, ArithmeticTypeErrors) {
  ExpectError(Bin(BinOp::kAdd, Str("a"), Long(1)), "expected long, got string");
  ExpectError(Bin(BinOp::kMul, Long(1), Bool(true)), "expected long, got bool");
  ExpectError(Neg(Str("a")), "expected long, got string");
}

TEST_F(EvalTest, BinaryOperandsAreBothEvaluatedBeforeTheTypeCheck) {
  // Lean's apply₂ sees both values; an error in the right operand wins over a type error.
  ExpectError(Bin(BinOp::kAdd, Str("a"), Attr(VarE(Var::kContext), "missing")), "`missing`");
}

// ----- hierarchy -----

TEST_F(EvalTest, InOnEntities) {
  ExpectValue(Bin(BinOp::kIn, VarE(Var::kPrincipal), Ent("User", "alice")), B(true));
  ExpectValue(Bin(BinOp::kIn, VarE(Var::kPrincipal), Ent("Group", "eng")), B(true));
  ExpectValue(Bin(BinOp::kIn, VarE(Var::kPrincipal), Ent("Group", "all")), B(true));  // transitive
  ExpectValue(Bin(BinOp::kIn, VarE(Var::kPrincipal), Ent("Group", "ops")), B(false));
  ExpectValue(Bin(BinOp::kIn, Ent("Group", "eng"), VarE(Var::kPrincipal)), B(false));
  // A missing entity has no ancestors but is still `in` itself.
  ExpectValue(Bin(BinOp::kIn, Ent("User", "ghost"), Ent("Group", "eng")), B(false));
  ExpectValue(Bin(BinOp::kIn, Ent("User", "ghost"), Ent("User", "ghost")), B(true));
}

TEST_F(EvalTest, InOnSets) {
  ExpectValue(
      Bin(BinOp::kIn, VarE(Var::kPrincipal), SetE(Args(Ent("Group", "ops"), Ent("Group", "all")))),
      B(true));
  ExpectValue(Bin(BinOp::kIn, VarE(Var::kPrincipal), SetE(Args(Ent("Group", "ops")))), B(false));
  ExpectValue(Bin(BinOp::kIn, VarE(Var::kPrincipal), SetE({})), B(false));
}

TEST_F(EvalTest, InTypeErrors) {
  ExpectError(Bin(BinOp::kIn, Long(1), Ent("Group", "eng")),
              "expected (entity of type `any_entity_type`), got long");
  ExpectError(Bin(BinOp::kIn, VarE(Var::kPrincipal), Str("Group")), "got string");
  // A non-entity element is an error even when another element matches.
  ExpectError(Bin(BinOp::kIn, VarE(Var::kPrincipal), SetE(Args(Ent("Group", "eng"), Long(1)))),
              "expected (entity of type `any_entity_type`), got long");
}

TEST_F(EvalTest, IsComparesTheEntityType) {
  ExpectValue(Is(VarE(Var::kPrincipal), "User"), B(true));
  ExpectValue(Is(VarE(Var::kPrincipal), "Group"), B(false));
  ExpectValue(Is(Ent("NS::User", "x"), "User"), B(false));
  ExpectError(Is(Long(1), "User"), "expected (entity of type `any_entity_type`), got long");
}

TEST_F(EvalTest, IsInIsTypeTestAndHierarchy) {
  ExpectValue(Is(VarE(Var::kPrincipal), "User", Ent("Group", "all")), B(true));
  ExpectValue(Is(VarE(Var::kPrincipal), "User", Ent("Group", "ops")), B(false));
  ExpectValue(Is(VarE(Var::kPrincipal), "User", SetE(Args(Ent("Group", "eng")))), B(true));
  // When the type does not match, the `in` operand is not evaluated.
  ExpectValue(Is(VarE(Var::kPrincipal), "Group", Attr(VarE(Var::kContext), "missing")), B(false));
  ExpectError(Is(VarE(Var::kPrincipal), "User", Long(1)), "got long");
}

// ----- attributes -----

TEST_F(EvalTest, HasOnRecordsAndEntities) {
  ExpectValue(Has(VarE(Var::kContext), "n"), B(true));
  ExpectValue(Has(VarE(Var::kContext), "zz"), B(false));
  ExpectValue(Has(VarE(Var::kPrincipal), "name"), B(true));
  ExpectValue(Has(VarE(Var::kPrincipal), "zz"), B(false));
  ExpectValue(Has(Ent("User", "ghost"), "name"), B(false));  // missing entity: false, not error
  ExpectError(Has(Long(1), "a"),
              "type error: expected one of [record, (entity of type `any_entity_type`)], got long");
}

TEST_F(EvalTest, GetAttrOnRecordsAndEntities) {
  ExpectValue(Attr(VarE(Var::kContext), "n"), L(5));
  ExpectValue(Attr(VarE(Var::kPrincipal), "age"), L(30));
  ExpectValue(Attr(Attr(VarE(Var::kPrincipal), "profile"), "email"), S("alice@example.com"));
  ExpectValue(Attr(Attr(VarE(Var::kResource), "owner"), "name"), S("Alice"));
  ExpectValue(Attr(Rec({"a"}, Args(Rec({"b"}, Args(Long(2))))), "a"), Value(Record{{"b", L(2)}}));
  ExpectValue(Attr(Attr(Rec({"a"}, Args(Rec({"b"}, Args(Long(2))))), "a"), "b"), L(2));
}

TEST_F(EvalTest, GetAttrErrors) {
  ExpectError(Attr(VarE(Var::kContext), "zz"), "record does not have the attribute `zz`");
  ExpectError(Attr(VarE(Var::kPrincipal), "zz"),
              "`User::\"alice\"` does not have the attribute `zz`");
  ExpectError(Attr(Ent("User", "ghost"), "name"), "entity `User::\"ghost\"` does not exist");
  ExpectError(Attr(Str("s"), "length"),
              "expected one of [record, (entity of type `any_entity_type`)], got string");
  // The entity store lookups are cached per request variable; a missing principal still errors.
  request_.principal = Uid("User", "ghost");
  ExpectError(Attr(VarE(Var::kPrincipal), "name"), "entity `User::\"ghost\"` does not exist");
  ExpectValue(Has(VarE(Var::kPrincipal), "name"), B(false));
}

// ----- like -----

TEST_F(EvalTest, LikeMatchesGlobs) {
  struct Case {
    std::string_view text;
    std::string_view pattern;
    bool match;
  };
  const Case cases[] = {
      {"", "", true},
      {"", "*", true},
      {"a", "", false},
      {"abc", "abc", true},
      {"abc", "ab", false},
      {"abc", "abcd", false},
      {"abc", "a*", true},
      {"abc", "*c", true},
      {"abc", "*b*", true},
      {"abc", "a*c", true},
      {"ac", "a*c", true},
      {"abc", "a*b*c", true},
      {"abc", "a*bc*", true},
      {"abc", "*a*b*c*", true},
      {"abc", "**", true},
      {"aa", "a*a", true},
      {"a", "a*a", false},
      {"abcabc", "*abc", true},
      {"abab", "*ab*ab", true},
      {"abxab", "ab*b*ab", false},
      {"xaaay", "x*aa*y", true},
      {"mississippi", "*sip*", true},
      {"mississippi", "m*ss*ss*pi", true},
      {"mississippi", "m*ss*ss*ss*", false},
      {"héllo wörld", "h*llo*w*", true},
      {"héllo", "h?llo", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.text) + " like " + std::string(c.pattern));
    ExpectValue(Like(Str(std::string(c.text)), c.pattern), B(c.match));
  }
}

TEST_F(EvalTest, LikeIsLinearOnPathologicalPatterns) {
  // A backtracking matcher takes exponential time here.
  std::string text(5000, 'a');
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "a*";
  pattern += "b";
  ExpectValue(Like(Str(text), pattern), B(false));
}

TEST_F(EvalTest, LikeOnNonStringIsATypeError) {
  ExpectError(Like(Long(1), "*"), "expected string, got long");
}

// ----- set and record literals -----

TEST_F(EvalTest, SetLiteralsDeduplicateAndPropagateErrors) {
  ExpectValue(SetE(Args(Long(2), Long(1), Long(2))), Value::MakeSet({L(1), L(2)}));
  ExpectError(SetE(Args(Long(1), Attr(VarE(Var::kContext), "missing"))), "`missing`");
}

TEST_F(EvalTest, RecordLiterals) {
  ExpectValue(Rec({"a", "b"}, Args(Long(1), VarE(Var::kPrincipal))),
              Value(Record{{"a", L(1)}, {"b", EV("User", "alice")}}));
  ExpectError(Rec({"a"}, Args(Attr(VarE(Var::kContext), "missing"))), "`missing`");
}

// ----- set methods -----

TEST_F(EvalTest, SetMethods) {
  auto labels = [] { return Attr(VarE(Var::kResource), "labels"); };
  ExpectValue(Call(Fn::kContains, Args(labels(), Str("a"))), B(true));
  ExpectValue(Call(Fn::kContains, Args(labels(), Str("z"))), B(false));
  ExpectValue(Call(Fn::kContains, Args(labels(), Long(1))), B(false));
  ExpectValue(Call(Fn::kContainsAll, Args(labels(), SetE(Args(Str("b"), Str("a"))))), B(true));
  ExpectValue(Call(Fn::kContainsAll, Args(labels(), SetE({}))), B(true));
  ExpectValue(Call(Fn::kContainsAll, Args(labels(), SetE(Args(Str("a"), Str("c"))))), B(false));
  ExpectValue(Call(Fn::kContainsAny, Args(labels(), SetE(Args(Str("c"), Str("b"))))), B(true));
  ExpectValue(Call(Fn::kContainsAny, Args(labels(), SetE({}))), B(false));
  ExpectValue(Call(Fn::kIsEmpty, Args(labels())), B(false));
  ExpectValue(Call(Fn::kIsEmpty, Args(SetE({}))), B(true));
}

TEST_F(EvalTest, SetMethodsOnLargeSets) {
  // Larger sets take the binary-search and merge paths.
  std::vector<ExprPtr> big;
  for (int i = 0; i < 50; ++i) big.push_back(Long(i * 2));
  auto set = Lit(*Ev(*SetE(std::move(big))));
  ExpectValue(Call(Fn::kContains, Args(Lit(set->value), Long(48))), B(true));
  ExpectValue(Call(Fn::kContains, Args(Lit(set->value), Long(49))), B(false));
  ExpectValue(Call(Fn::kContains, Args(Lit(set->value), Str("x"))), B(false));
  ExpectValue(Call(Fn::kContainsAll, Args(Lit(set->value), SetE(Args(Long(0), Long(98))))),
              B(true));
  ExpectValue(Call(Fn::kContainsAll, Args(Lit(set->value), SetE(Args(Long(0), Long(97))))),
              B(false));
  ExpectValue(Call(Fn::kContainsAny, Args(Lit(set->value), SetE(Args(Long(1), Long(96))))),
              B(true));
  ExpectValue(Call(Fn::kContainsAny, Args(Lit(set->value), SetE(Args(Long(1), Long(97))))),
              B(false));
}

TEST_F(EvalTest, SetMethodTypeErrors) {
  ExpectError(Call(Fn::kContains, Args(Str("abc"), Str("a"))), "expected set, got string");
  ExpectError(Call(Fn::kContainsAll, Args(SetE({}), Long(1))), "expected set, got long");
  ExpectError(Call(Fn::kContainsAny, Args(Long(1), SetE({}))), "expected set, got long");
  ExpectError(Call(Fn::kIsEmpty, Args(Rec({}, {}))), "expected set, got record");
}

// ----- tags -----

TEST_F(EvalTest, Tags) {
  ExpectValue(Call(Fn::kHasTag, Args(VarE(Var::kPrincipal), Str("level"))), B(true));
  ExpectValue(Call(Fn::kHasTag, Args(VarE(Var::kPrincipal), Str("zz"))), B(false));
  ExpectValue(Call(Fn::kHasTag, Args(Ent("User", "ghost"), Str("level"))), B(false));
  ExpectValue(Call(Fn::kGetTag, Args(VarE(Var::kPrincipal), Str("level"))), S("5"));
}

TEST_F(EvalTest, TagErrors) {
  ExpectError(Call(Fn::kGetTag, Args(VarE(Var::kPrincipal), Str("zz"))),
              "`User::\"alice\"` does not have the tag `zz`");
  ExpectError(Call(Fn::kGetTag, Args(Ent("User", "ghost"), Str("level"))), "does not exist");
  ExpectError(Call(Fn::kHasTag, Args(Str("x"), Str("level"))),
              "expected (entity of type `any_entity_type`), got string");
  ExpectError(Call(Fn::kGetTag, Args(VarE(Var::kPrincipal), Long(1))), "expected string, got long");
}

// ----- extension functions -----

TEST_F(EvalTest, ExtensionFunctionsAreCalledWithEvaluatedArguments) {
  ExpectValue(Call(Fn::kIsIpv4, Args(Call(Fn::kIp, Args(Attr(VarE(Var::kContext), "ip"))))),
              B(true));
  ExpectValue(Call(Fn::kLessThan, Args(Call(Fn::kDecimal, Args(Str("1.5"))),
                                       Call(Fn::kDecimal, Args(Str("2.25"))))),
              B(true));
  ExpectError(Call(Fn::kIp, Args(Str("not an ip"))), "ip");
  ExpectError(Call(Fn::kIsIpv4, Args(Attr(VarE(Var::kContext), "missing"))), "`missing`");
}

TEST_F(EvalTest, WrongArityIsAnError) {
  ExpectError(Call(Fn::kIsEmpty, Args(SetE({}), SetE({}))), "wrong number of arguments");
}

// ----- the same semantics, written as Cedar text -----

class EvalTextTest : public EvalTest {
 protected:
  Result<Value> EvText(std::string_view text) {
    Result<ExprPtr> e = ParseExpression(text);
    if (!e.ok()) return Internal("parse error: " + e.error().message());
    return Ev(**e);
  }
  void Expect(std::string_view text, const Value& want) {
    SCOPED_TRACE(std::string(text));
    Result<Value> r = EvText(text);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_EQ(*r, want) << "got " << r->ToCedar() << ", want " << want.ToCedar();
  }
  void True(std::string_view text) { Expect(text, B(true)); }
  void False(std::string_view text) { Expect(text, B(false)); }
  void Error(std::string_view text, std::string_view fragment) {
    SCOPED_TRACE(std::string(text));
    Result<Value> r = EvText(text);
    ASSERT_FALSE(r.ok()) << "got " << r->ToCedar();
    EXPECT_EQ(r.error().message().find("parse error"), std::string::npos) << r.error().message();
    EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
  }
};

TEST_F(EvalTextTest, BooleanLogic) {
  True("true && true");
  False("true && false");
  True("false || true");
  True("!false");
  True("!!true");
  True("false || false || true");
  False("true && (false || false)");
  False("false && context.missing");
  False("false && 1");
  True("true || 1");
  True("true || context.missing");
  Error("1 && true", "type error: expected bool, got long");
  Error("true && 1", "expected bool, got long");
  Error("false || \"x\"", "expected bool, got string");
  Error("!1", "expected bool, got long");
  Error("true && context.missing", "record does not have the attribute `missing`");
}

TEST_F(EvalTextTest, IfThenElse) {
  Expect("if true then 1 else 2", L(1));
  Expect("if 1 < 2 then \"yes\" else context.missing", S("yes"));
  Expect("if false then context.missing else 2", L(2));
  Expect("if context.flag then principal else resource", EV("User", "alice"));
  Error("if 1 then 2 else 3", "expected bool, got long");
  Error("if context then 2 else 3", "expected bool, got record");
}

TEST_F(EvalTextTest, Equality) {
  True("1 == 1");
  False("1 == 2");
  False("1 == \"1\"");
  True("1 != \"1\"");
  True("\"a\" == \"a\"");
  True("User::\"alice\" == principal");
  False("User::\"alice\" == Admin::\"alice\"");
  True("[1, 2, 2] == [2, 1]");
  False("[1, 2] == [1, 2, 3]");
  True("{a: 1, b: [true]} == {b: [true], a: 1}");
  False("{a: 1} == {a: 1, b: 2}");
  True("context == {\"n\": 5, flag: true, ip: \"1.2.3.4\"}");
  True("ip(\"10.0.0.1\") == ip(\"10.0.0.1/32\")");
  True("decimal(\"1.50\") == decimal(\"1.5\")");
  False("decimal(\"1.5\") == 1");
  True("datetime(\"2024-01-01\") == datetime(\"2024-01-01T00:00:00Z\")");
  True("duration(\"1h\") == duration(\"60m\")");
  False("principal == context");
}

TEST_F(EvalTextTest, Comparison) {
  True("1 < 2");
  False("2 < 2");
  True("2 <= 2");
  True("3 > 2");
  False("2 > 2");
  True("2 >= 2");
  True("-9223372036854775808 < 9223372036854775807");
  True("datetime(\"2024-01-01\") < datetime(\"2024-01-02\")");
  True("datetime(\"2024-01-01T10:00:00+0100\") <= datetime(\"2024-01-01T09:00:00Z\")");
  True("duration(\"-1ms\") < duration(\"0ms\")");
  True("duration(\"1d\") >= duration(\"24h\")");
  Error("\"a\" < \"b\"", "type error");
  Error("1 < \"2\"", "expected long, got string");
  Error("decimal(\"1.0\") < decimal(\"2.0\")", "got decimal");
  Error("datetime(\"2024-01-01\") < duration(\"1h\")", "expected datetime, got duration");
  Error("duration(\"1h\") > 1", "expected long, got duration");
  Error("\"a\" > 1", "type error: expected long, got string");
  Error("[1] < 2", "type error: expected long, got set");
  Error("\"a\" < datetime(\"2024-01-01\")", "type error: expected datetime, got string");
  Error("duration(\"1h\") <= \"a\"", "type error: expected duration, got string");
  Error("\"a\" >= \"b\"", "type error: expected one of [long, datetime, duration], got string");
  Error("true >= false", "got bool");
  Error("principal < resource", "got (entity of type `User`)");
}

TEST_F(EvalTextTest, Arithmetic) {
  Expect("1 + 2 * 3", L(7));
  Expect("(1 + 2) * 3", L(9));
  Expect("10 - 20", L(-10));
  Expect("-5 * -5", L(25));
  Expect("-(3)", L(-3));
  Expect("- -3", L(3));
  Expect("context.n * 2 - 1", L(9));
  Expect("9223372036854775806 + 1", L(kMax));
  Expect("-9223372036854775808", L(kMin));
  Expect("-9223372036854775807 - 1", L(kMin));
  Expect("4611686018427387904 * -2", L(kMin));
  Error("9223372036854775807 + 1", "integer overflow while attempting to add");
  Error("-9223372036854775808 - 1", "integer overflow while attempting to subtract");
  Error("4611686018427387904 * 2", "integer overflow while attempting to multiply");
  Error("-9223372036854775808 * -1", "integer overflow");
  Error("-(-9223372036854775808)", "integer overflow while attempting to negate");
  Error("-context.n2", "record does not have the attribute `n2`");
  Error("1 + \"a\"", "expected long, got string");
  Error("true * 2", "expected long, got bool");
  Error("-\"a\"", "expected long, got string");
  Error("decimal(\"1.0\") + decimal(\"1.0\")", "expected long, got decimal");
}

TEST_F(EvalTextTest, In) {
  True("principal in principal");
  True("principal in Group::\"eng\"");
  True("principal in Group::\"all\"");
  False("principal in Group::\"ops\"");
  False("Group::\"all\" in principal");
  True("principal in [Group::\"ops\", Group::\"all\"]");
  False("principal in [Group::\"ops\"]");
  False("principal in []");
  True("resource in Album::\"vacation\"");
  True("action in Action::\"read\"");
  True("User::\"ghost\" in User::\"ghost\"");
  False("User::\"ghost\" in Group::\"eng\"");
  True("principal.manager in Group::\"ops\"");
  Error("1 in Group::\"eng\"", "expected (entity of type `any_entity_type`), got long");
  Error("\"alice\" in [principal]", "expected (entity of type `any_entity_type`), got string");
  Error("principal in 1", "got long");
  Error("principal in {a: principal}",
        "type error: expected one of [set, (entity of type `any_entity_type`)], got record");
  Error("principal in [Group::\"eng\", 1]",
        "expected (entity of type `any_entity_type`), got long");
  Error("principal in [1, Group::\"eng\"]",
        "expected (entity of type `any_entity_type`), got long");
}

TEST_F(EvalTextTest, Is) {
  True("principal is User");
  False("principal is Group");
  True("resource is Photo");
  False("NS::User::\"x\" is User");
  True("NS::User::\"x\" is NS::User");
  True("principal is User in Group::\"all\"");
  True("principal is User in [Group::\"ops\", Group::\"eng\"]");
  False("principal is User in Group::\"ops\"");
  False("principal is Group in Group::\"eng\"");
  False("principal is Group in context.missing");  // `in` operand not evaluated
  True("User::\"ghost\" is User");
  Error("1 is User", "expected (entity of type `any_entity_type`), got long");
  Error("principal is User in 1", "got long");
  Error("principal is User in context.missing", "`missing`");
}

TEST_F(EvalTextTest, HasAndAttributes) {
  True("context has n");
  True("context has \"flag\"");
  False("context has nope");
  True("principal has name");
  False("principal has nope");
  False("User::\"ghost\" has name");
  True("principal has profile.email");
  False("principal has profile.phone");
  False("principal has nope.email");
  True("{a: {b: 1}} has a.b");
  Error("1 has a",
        "type error: expected one of [record, (entity of type `any_entity_type`)], got long");
  Error("\"s\" has a", "got string");
  Error("principal.name has a", "got string");
  Expect("principal.name", S("Alice"));
  Expect("principal[\"age\"]", L(30));
  Expect("principal.profile.email", S("alice@example.com"));
  Expect("principal.profile[\"email\"]", S("alice@example.com"));
  Expect("resource.owner.manager", EV("User", "bob"));
  Expect("context.n", L(5));
  Expect("{a: {b: [1]}}.a.b", Value::MakeSet({L(1)}));
  Error("context.nope", "record does not have the attribute `nope`");
  Error("principal.nope", "`User::\"alice\"` does not have the attribute `nope`");
  Error("principal.manager.name", "`User::\"bob\"` does not have the attribute `name`");
  Error("User::\"ghost\".name", "entity `User::\"ghost\"` does not exist");
  Error("Group::\"all\".name", "entity `Group::\"all\"` does not exist");
  Error("1.foo", "expected one of [record, (entity of type `any_entity_type`)], got long");
  Error("[1].foo", "got set");
}

TEST_F(EvalTextTest, Like) {
  True("\"abc\" like \"abc\"");
  True("\"abc\" like \"a*\"");
  True("\"abc\" like \"*c\"");
  True("\"abc\" like \"*\"");
  True("\"\" like \"*\"");
  True("\"\" like \"\"");
  False("\"abc\" like \"\"");
  True("\"a*c\" like \"a\\*c\"");
  False("\"abc\" like \"a\\*c\"");
  True("\"a*c\" like \"a\\**\"");
  True("\"ac\" like \"a*c\"");
  True("\"aXbYc\" like \"a*b*c\"");
  False("\"aXbYd\" like \"a*b*c\"");
  True("\"line\\nbreak\" like \"line*break\"");
  True("\"caf\\u{e9}!\" like \"caf*!\"");
  True("\"caf\\u{e9}\" like \"caf\\u{e9}\"");
  True("principal.name like \"A*e\"");
  Error("1 like \"*\"", "expected string, got long");
  Error("principal like \"*\"", "expected string, got (entity of type `User`)");
}

TEST_F(EvalTextTest, SetAndRecordLiterals) {
  Expect("[3, 1, 2, 1]", Value::MakeSet({L(1), L(2), L(3)}));
  Expect("[]", Value::MakeSet({}));
  Expect("[principal, context.n]", Value::MakeSet({EV("User", "alice"), L(5)}));
  Expect("{a: 1, \"b c\": [true]}", Value(Record{{"a", L(1)}, {"b c", Value::MakeSet({B(true)})}}));
  Error("[1, context.missing]", "`missing`");
  Error("{a: 1, b: principal.missing}", "`missing`");
}

TEST_F(EvalTextTest, SetMethods) {
  True("[1, 2, 3].contains(2)");
  False("[1, 2, 3].contains(4)");
  False("[1, 2, 3].contains(\"2\")");
  True("[[1], {a: 2}].contains({a: 2})");
  True("resource.labels.contains(\"a\")");
  True("[1, 2, 3].containsAll([3, 1])");
  True("[1, 2, 3].containsAll([])");
  False("[1, 2].containsAll([1, 2, 3])");
  True("[1, 2].containsAny([5, 2])");
  False("[1, 2].containsAny([])");
  False("[].containsAny([1])");
  True("[].isEmpty()");
  False("[1].isEmpty()");
  True("[principal].contains(User::\"alice\")");
  True("[ip(\"10.0.0.1\")].contains(ip(\"10.0.0.1/32\"))");
  Error("\"abc\".contains(\"a\")", "expected set, got string");
  Error("[1].containsAll(1)", "expected set, got long");
  Error("1.containsAny([1])", "expected set, got long");
  Error("[1].containsAny(\"1\")", "expected set, got string");
  Error("{}.isEmpty()", "expected set, got record");
  Error("[1].contains(context.missing)", "`missing`");
}

TEST_F(EvalTextTest, Tags) {
  True("principal.hasTag(\"level\")");
  False("principal.hasTag(\"nope\")");
  False("User::\"ghost\".hasTag(\"level\")");
  Expect("principal.getTag(\"level\")", S("5"));
  True("principal.hasTag(\"level\") && principal.getTag(\"level\") == \"5\"");
  False("principal.hasTag(\"nope\") && principal.getTag(\"nope\") == \"5\"");
  Error("principal.getTag(\"nope\")", "`User::\"alice\"` does not have the tag `nope`");
  Error("User::\"ghost\".getTag(\"level\")", "entity `User::\"ghost\"` does not exist");
  Error("context.hasTag(\"n\")", "expected (entity of type `any_entity_type`), got record");
  Error("principal.getTag(1)", "expected string, got long");
}

TEST_F(EvalTextTest, Extensions) {
  True("ip(\"192.168.0.1\").isIpv4()");
  True("ip(context.ip).isInRange(ip(\"1.2.0.0/16\"))");
  True("ip(\"::1\").isLoopback()");
  True("decimal(\"1.23\").lessThan(decimal(\"1.24\"))");
  True("decimal(\"-1.5\").greaterThanOrEqual(decimal(\"-1.5\"))");
  True("datetime(\"2024-01-01\").offset(duration(\"1d\")) == datetime(\"2024-01-02\")");
  Expect("duration(\"2h30m\").toMinutes()", L(150));
  Error("ip(\"1.2.3\")", "ip");
  Error("decimal(\"1.23456\")", "decimal");
  Error("ip(1)", "string");
  Error("decimal(\"1.0\").isIpv4()", "ipaddr");
  Error("ip(context.missing)", "`missing`");
}

TEST_F(EvalTextTest, ErrorsComeFromTheFirstFailingOperandInEvaluationOrder) {
  Error("context.a + context.b", "`a`");
  Error("[context.a, context.b]", "`a`");
  Error("{x: context.a, y: context.b}", "`a`");
  Error("{y: context.a, x: context.b}", "`b`");  // record fields in key order, as Rust does
  Error("context.a.containsAll(context.b)", "`a`");
}

TEST_F(EvalTextTest, EvaluatesTheDeepestTreesTheParserBuilds) {
  // Left-associative chains make trees as deep as they are long; evaluation recurses once per
  // level, so this pins that the parser's depth bound keeps the evaluator's stack use modest.
  std::string sum = "0";
  std::string conj = "true";
  for (int i = 0; i < 900; ++i) {
    sum += " + 1";
    conj += " && context.flag";
  }
  Expect(sum, L(900));
  True(conj);
  // Nesting (parentheses, `if`) is bounded more tightly by the parser.
  std::string ite = "1";
  for (int i = 0; i < 60; ++i) ite = "if true then (" + ite + ") else 0";
  Expect(ite, L(1));
}

}  // namespace
}  // namespace custody::cedar
