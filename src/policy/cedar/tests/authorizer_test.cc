// Tests for cedar::Satisfied and cedar::IsAuthorized (cedar-lean/Cedar/Spec/Authorizer.lean):
// scope constraints, conditions, and the combination rules — default deny, forbid overrides
// permit, a policy whose evaluation errors is skipped and reported.
#include "policy/cedar/authorizer.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "policy/cedar/parser.h"

namespace custody::cedar {
namespace {

using Op = ScopeConstraint::Op;

EntityUid Uid(std::string type, std::string id) {
  return EntityUid{std::move(type), std::move(id)};
}

ScopeConstraint Eq(EntityUid e) {
  ScopeConstraint s;
  s.op = Op::kEq;
  s.entity = std::move(e);
  return s;
}
ScopeConstraint In(EntityUid e) {
  ScopeConstraint s;
  s.op = Op::kIn;
  s.entity = std::move(e);
  return s;
}
ScopeConstraint InSet(std::vector<EntityUid> es) {
  ScopeConstraint s;
  s.op = Op::kInSet;
  s.entities = std::move(es);
  return s;
}
ScopeConstraint Is(std::string type) {
  ScopeConstraint s;
  s.op = Op::kIs;
  s.type = std::move(type);
  return s;
}
ScopeConstraint IsIn(std::string type, EntityUid e) {
  ScopeConstraint s;
  s.op = Op::kIsIn;
  s.type = std::move(type);
  s.entity = std::move(e);
  return s;
}
ScopeConstraint SlotScope(Op op, Slot slot) {
  ScopeConstraint s;
  s.op = op;
  s.slot = slot;
  return s;
}

std::shared_ptr<const Expr> BoolExpr(bool b) {
  auto e = std::make_shared<Expr>();
  e->value = Value(b);
  return e;
}
std::shared_ptr<const Expr> LongExpr(int64_t i) {
  auto e = std::make_shared<Expr>();
  e->value = Value(i);
  return e;
}
// `context.<name>`: an error when the context lacks the attribute.
std::shared_ptr<const Expr> ContextAttr(std::string name) {
  auto ctx = std::make_unique<Expr>();
  ctx->kind = ExprKind::kVar;
  ctx->var = Var::kContext;
  auto e = std::make_shared<Expr>();
  e->kind = ExprKind::kGetAttr;
  e->name = std::move(name);
  e->args.push_back(std::move(ctx));
  return e;
}

struct PolicyBuilder {
  Policy p;
  PolicyBuilder(std::string id, Effect effect) {
    p.id = std::move(id);
    p.effect = effect;
  }
  PolicyBuilder& Principal(ScopeConstraint s) {
    p.principal = std::move(s);
    return *this;
  }
  PolicyBuilder& Action(ScopeConstraint s) {
    p.action = std::move(s);
    return *this;
  }
  PolicyBuilder& Resource(ScopeConstraint s) {
    p.resource = std::move(s);
    return *this;
  }
  PolicyBuilder& When(std::shared_ptr<const Expr> e) {
    p.conditions.push_back({true, std::move(e)});
    return *this;
  }
  PolicyBuilder& Unless(std::shared_ptr<const Expr> e) {
    p.conditions.push_back({false, std::move(e)});
    return *this;
  }
  operator Policy() const { return p; }  // NOLINT: builder
};
PolicyBuilder Permit(std::string id) { return PolicyBuilder(std::move(id), Effect::kPermit); }
PolicyBuilder Forbid(std::string id) { return PolicyBuilder(std::move(id), Effect::kForbid); }

// Store: User::"alice" in Group::"eng" in Group::"all"; Action::"view" in Action::"read";
// Photo::"p1" in Album::"trip". Group::"all", Action::"read" and Album::"trip" are absent.
class AuthorizerTest : public ::testing::Test {
 protected:
  AuthorizerTest() {
    std::vector<Entity> list(4);
    list[0].uid = Uid("User", "alice");
    list[0].parents = {Uid("Group", "eng")};
    list[1].uid = Uid("Group", "eng");
    list[1].parents = {Uid("Group", "all")};
    list[2].uid = Uid("Action", "view");
    list[2].parents = {Uid("Action", "read")};
    list[3].uid = Uid("Photo", "p1");
    list[3].parents = {Uid("Album", "trip")};
    for (Entity& e : list) EXPECT_TRUE(entities_.Add(std::move(e)).ok());
    entities_.Build();
    request_.principal = Uid("User", "alice");
    request_.action = Uid("Action", "view");
    request_.resource = Uid("Photo", "p1");
    request_.context = Value(Record{{"ok", Value(true)}});
  }

  bool Sat(const Policy& p) {
    Result<bool> r = Satisfied(p, request_, entities_);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() && *r;
  }

  Response Authorize(std::vector<Policy> policies) {
    PolicySet set;
    for (Policy& p : policies) EXPECT_TRUE(set.Add(std::move(p)).ok());
    return IsAuthorized(request_, set, entities_);
  }

  static std::vector<std::string> ErrorIds(const Response& r) {
    std::vector<std::string> ids;
    for (const PolicyError& e : r.errors) ids.push_back(e.policy_id);
    return ids;
  }

  Entities entities_;
  Request request_;
};

using Ids = std::vector<std::string>;

// ----- scope constraints -----

TEST_F(AuthorizerTest, UnconstrainedScopeMatchesEverything) {
  EXPECT_TRUE(Sat(Permit("p")));
  request_.principal = Uid("Nobody", "x");  // need not exist in the store
  EXPECT_TRUE(Sat(Permit("p")));
}

TEST_F(AuthorizerTest, PrincipalScope) {
  EXPECT_TRUE(Sat(Permit("p").Principal(Eq(Uid("User", "alice")))));
  EXPECT_FALSE(Sat(Permit("p").Principal(Eq(Uid("User", "bob")))));
  EXPECT_FALSE(Sat(Permit("p").Principal(Eq(Uid("Admin", "alice")))));
  EXPECT_TRUE(Sat(Permit("p").Principal(In(Uid("User", "alice")))));  // in itself
  EXPECT_TRUE(Sat(Permit("p").Principal(In(Uid("Group", "eng")))));
  EXPECT_TRUE(Sat(Permit("p").Principal(In(Uid("Group", "all")))));  // transitive, absent parent
  EXPECT_FALSE(Sat(Permit("p").Principal(In(Uid("Group", "ops")))));
  EXPECT_TRUE(Sat(Permit("p").Principal(Is("User"))));
  EXPECT_FALSE(Sat(Permit("p").Principal(Is("Group"))));
  EXPECT_TRUE(Sat(Permit("p").Principal(IsIn("User", Uid("Group", "all")))));
  EXPECT_FALSE(Sat(Permit("p").Principal(IsIn("Group", Uid("Group", "all")))));
  EXPECT_FALSE(Sat(Permit("p").Principal(IsIn("User", Uid("Group", "ops")))));
}

TEST_F(AuthorizerTest, ActionScope) {
  EXPECT_TRUE(Sat(Permit("p").Action(Eq(Uid("Action", "view")))));
  EXPECT_FALSE(Sat(Permit("p").Action(Eq(Uid("Action", "edit")))));
  EXPECT_TRUE(Sat(Permit("p").Action(In(Uid("Action", "read")))));
  EXPECT_TRUE(Sat(Permit("p").Action(InSet({Uid("Action", "edit"), Uid("Action", "read")}))));
  EXPECT_TRUE(Sat(Permit("p").Action(InSet({Uid("Action", "view")}))));
  EXPECT_FALSE(Sat(Permit("p").Action(InSet({Uid("Action", "edit")}))));
  EXPECT_FALSE(Sat(Permit("p").Action(InSet({}))));
}

TEST_F(AuthorizerTest, ResourceScope) {
  EXPECT_TRUE(Sat(Permit("p").Resource(Eq(Uid("Photo", "p1")))));
  EXPECT_TRUE(Sat(Permit("p").Resource(In(Uid("Album", "trip")))));
  EXPECT_FALSE(Sat(Permit("p").Resource(In(Uid("Album", "other")))));
  EXPECT_TRUE(Sat(Permit("p").Resource(Is("Photo"))));
  EXPECT_TRUE(Sat(Permit("p").Resource(IsIn("Photo", Uid("Album", "trip")))));
}

TEST_F(AuthorizerTest, ConditionsWhenAndUnless) {
  EXPECT_TRUE(Sat(Permit("p").When(BoolExpr(true))));
  EXPECT_FALSE(Sat(Permit("p").When(BoolExpr(false))));
  EXPECT_TRUE(Sat(Permit("p").Unless(BoolExpr(false))));
  EXPECT_FALSE(Sat(Permit("p").Unless(BoolExpr(true))));
  EXPECT_TRUE(Sat(Permit("p").When(ContextAttr("ok")).Unless(BoolExpr(false))));
  EXPECT_FALSE(Sat(Permit("p").When(BoolExpr(true)).When(BoolExpr(false))));
}

TEST_F(AuthorizerTest, ConditionsMustBeBool) {
  Result<bool> r = Satisfied(Permit("p").When(LongExpr(1)), request_, entities_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "type error: expected bool, got long");
  EXPECT_FALSE(Satisfied(Permit("p").Unless(LongExpr(1)), request_, entities_).ok());
}

TEST_F(AuthorizerTest, FailingScopeOrConditionShortCircuitsLaterConditions) {
  EXPECT_FALSE(Sat(Permit("p").Principal(Eq(Uid("User", "bob"))).When(ContextAttr("missing"))));
  EXPECT_FALSE(Sat(Permit("p").When(BoolExpr(false)).When(ContextAttr("missing"))));
  EXPECT_FALSE(Sat(Permit("p").Unless(BoolExpr(true)).When(ContextAttr("missing"))));
  EXPECT_FALSE(
      Satisfied(Permit("p").When(BoolExpr(true)).When(ContextAttr("missing")), request_, entities_)
          .ok());
}

TEST_F(AuthorizerTest, TemplatesAreNeverEvaluated) {
  Result<bool> r =
      Satisfied(Permit("t").Principal(SlotScope(Op::kEq, Slot::kPrincipal)), request_, entities_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "template slot `?principal` was not linked");
  // Even when another constraint would already fail.
  r = Satisfied(
      Permit("t").Principal(Eq(Uid("User", "bob"))).Resource(SlotScope(Op::kIn, Slot::kResource)),
      request_, entities_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "template slot `?resource` was not linked");
}

TEST_F(AuthorizerTest, LinkedSlotsAreEvaluatedLikeStaticConstraints) {
  ScopeConstraint linked = SlotScope(Op::kIsIn, Slot::kPrincipal);
  linked.type = "User";
  linked.entity = Uid("Group", "eng");
  EXPECT_TRUE(Sat(Permit("t").Principal(linked)));
  linked.entity = Uid("Group", "ops");
  EXPECT_FALSE(Sat(Permit("t").Principal(linked)));
}

// ----- combining decisions -----

TEST_F(AuthorizerTest, DefaultDeny) {
  Response r = Authorize({});
  EXPECT_FALSE(r.allow);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_TRUE(r.errors.empty());
  r = Authorize({Permit("p0").When(BoolExpr(false)), Forbid("f0").When(BoolExpr(false))});
  EXPECT_FALSE(r.allow);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AuthorizerTest, SatisfiedPermitsAllowAndAreTheReason) {
  Response r = Authorize({Permit("p0"), Permit("p1").When(BoolExpr(false)), Permit("p2")});
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"p0", "p2"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AuthorizerTest, ForbidOverridesPermit) {
  Response r = Authorize(
      {Permit("p0"), Forbid("f0"), Forbid("f1").When(BoolExpr(false)), Permit("p1"), Forbid("f2")});
  EXPECT_FALSE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"f0", "f2"}));
}

TEST_F(AuthorizerTest, ForbidAloneDeniesWithReason) {
  Response r = Authorize({Forbid("f0")});
  EXPECT_FALSE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"f0"}));
}

TEST_F(AuthorizerTest, ErroringPoliciesAreSkippedAndReported) {
  // An erroring forbid does not deny; the permit still allows.
  Response r = Authorize(
      {Forbid("f0").When(ContextAttr("missing")), Permit("p0"), Permit("p1").When(LongExpr(3))});
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"p0"}));
  EXPECT_EQ(ErrorIds(r), (Ids{"f0", "p1"}));
  EXPECT_EQ(r.errors[0].message, "record does not have the attribute `missing`");
  EXPECT_EQ(r.errors[1].message, "type error: expected bool, got long");
}

TEST_F(AuthorizerTest, OnlyErrorsMeansDenyWithErrors) {
  Response r = Authorize({Permit("p0").When(ContextAttr("missing"))});
  EXPECT_FALSE(r.allow);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_EQ(ErrorIds(r), (Ids{"p0"}));
}

TEST_F(AuthorizerTest, ErrorsAreReportedEvenWhenAForbidDecides) {
  Response r = Authorize({Permit("p0").When(ContextAttr("missing")), Forbid("f0")});
  EXPECT_FALSE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"f0"}));
  EXPECT_EQ(ErrorIds(r), (Ids{"p0"}));
}

TEST_F(AuthorizerTest, PoliciesWhoseScopeFailsDoNotError) {
  Response r = Authorize(
      {Permit("p0").Principal(Eq(Uid("User", "bob"))).When(ContextAttr("x")), Permit("p1")});
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"p1"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AuthorizerTest, RequestsWithAbsentEntities) {
  request_.principal = Uid("User", "ghost");
  request_.resource = Uid("Photo", "ghost");
  Response r = Authorize({Permit("p0").Principal(In(Uid("Group", "eng"))),
                          Permit("p1").Principal(Eq(Uid("User", "ghost"))).Resource(Is("Photo"))});
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"p1"}));
}

// ----- policies as Cedar text -----

class AuthorizerTextTest : public AuthorizerTest {
 protected:
  Response AuthorizeText(std::string_view text) {
    Result<PolicySet> set = PolicySet::Parse(text);
    EXPECT_TRUE(set.ok()) << set.error().ToString();
    if (!set.ok()) return {};
    return IsAuthorized(request_, *set, entities_);
  }
};

TEST_F(AuthorizerTextTest, ScopeForms) {
  Response r = AuthorizeText(R"(
    permit(principal == User::"alice", action, resource);                      // policy0
    permit(principal in Group::"all", action == Action::"view", resource);    // policy1
    permit(principal is User, action in Action::"read", resource is Photo);   // policy2
    permit(principal is User in Group::"eng", action in [Action::"edit", Action::"read"],
           resource is Photo in Album::"trip");                                // policy3
    permit(principal == User::"bob", action, resource);                        // policy4
    permit(principal, action == Action::"edit", resource);                     // policy5
    permit(principal, action, resource in Album::"other");                     // policy6
    permit(principal is Group, action, resource);                              // policy7
  )");
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"policy0", "policy1", "policy2", "policy3"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AuthorizerTextTest, ForbidOverridesPermitAndErrorsAreSkipped) {
  Response r = AuthorizeText(R"(
    permit(principal, action, resource);
    forbid(principal, action, resource) when { context.missing };
    forbid(principal, action, resource) unless { context.ok };
    permit(principal, action, resource) when { 1 };
  )");
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"policy0"}));
  EXPECT_EQ(ErrorIds(r), (Ids{"policy1", "policy3"}));

  r = AuthorizeText(R"(
    permit(principal, action, resource) when { principal in Group::"eng" };
    forbid(principal in Group::"all", action, resource) unless { context.ok && false };
  )");
  EXPECT_FALSE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"policy1"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AuthorizerTextTest, MultipleConditionsAreConjoined) {
  Response r = AuthorizeText(R"(
    permit(principal, action, resource) when { true } when { context.ok } unless { false };
    permit(principal, action, resource) when { true } unless { context.ok };
    permit(principal, action, resource) when { false } when { context.missing };
  )");
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"policy0"}));
  EXPECT_TRUE(r.errors.empty());
}

TEST_F(AuthorizerTextTest, LinkedTemplates) {
  Result<PolicySet> set = PolicySet::Parse(R"(
    permit(principal == ?principal, action, resource in ?resource);
    forbid(principal is User in ?principal, action, resource) when { context has blocked };
  )");
  ASSERT_TRUE(set.ok()) << set.error().ToString();
  // Templates alone grant nothing.
  Response r = IsAuthorized(request_, *set, entities_);
  EXPECT_FALSE(r.allow);
  EXPECT_TRUE(r.errors.empty());

  ASSERT_TRUE(
      set->Link("policy0", "alice-trip",
                {{Slot::kPrincipal, Uid("User", "alice")}, {Slot::kResource, Uid("Album", "trip")}})
          .ok());
  ASSERT_TRUE(
      set->Link("policy0", "bob-trip",
                {{Slot::kPrincipal, Uid("User", "bob")}, {Slot::kResource, Uid("Album", "trip")}})
          .ok());
  ASSERT_TRUE(set->Link("policy1", "block-eng", {{Slot::kPrincipal, Uid("Group", "eng")}}).ok());
  r = IsAuthorized(request_, *set, entities_);
  EXPECT_TRUE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"alice-trip"}));

  request_.context = Value(Record{{"blocked", Value(true)}});
  r = IsAuthorized(request_, *set, entities_);
  EXPECT_FALSE(r.allow);
  EXPECT_EQ(r.reason, (Ids{"block-eng"}));
}

TEST_F(AuthorizerTextTest, ErrorMessagesNameTheFailure) {
  Response r = AuthorizeText(R"(
    permit(principal, action, resource) when { resource.isPublic };
  )");
  EXPECT_FALSE(r.allow);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].policy_id, "policy0");
  EXPECT_EQ(r.errors[0].message, "`Photo::\"p1\"` does not have the attribute `isPublic`");
}

}  // namespace
}  // namespace custody::cedar
