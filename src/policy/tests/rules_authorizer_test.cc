#include <gtest/gtest.h>

#include "policy/authorizer.h"

namespace custody::policy {
namespace {

class RulesAuthorizerTest : public ::testing::Test {
 protected:
  RulesAuthorizerTest() : project_("prj_aaaaaaaaaaaaaaaaaaaaaaaaaa") {
    asset_.kind = AssetKind::kGeneration;
    asset_.classification = Classification::kInternal;
    asset_.stage = Stage::kInReview;
    asset_.sha256 = std::string(64, 'a');
    asset_.contributors = {Pid("creator")};
  }

  static PrincipalId Pid(const std::string& n) { return PrincipalId("prn_" + n); }

  PrincipalFacts Human(const std::string& name, std::vector<Role> roles) {
    PrincipalFacts p;
    p.id = Pid(name);
    for (Role r : roles) p.roles.push_back({p.id, project_, r});
    return p;
  }

  Decision Ask(const PrincipalFacts& p, Action a, RequestContext ctx = {}) {
    AuthzRequest r;
    r.principal = p;
    r.action = a;
    r.resource.type = "asset";
    r.resource.id = "ast_x";
    r.resource.project = project_;
    r.resource.asset = asset_;
    ctx.now = now_;
    r.context = ctx;
    return RulesAuthorizer().Authorize(r);
  }

  void Approve(const std::string& who, PrincipalKind kind = PrincipalKind::kHuman) {
    asset_.approvals.push_back({Pid(who), kind, asset_.sha256, now_ + std::chrono::hours(1)});
  }

  ProjectId project_;
  AssetFacts asset_;
  TimePoint now_ = FromUnixMicros(1'800'000'000'000'000);
};

TEST_F(RulesAuthorizerTest, DefaultDenyNamesItself) {
  Decision d = Ask(Human("stranger", {}), Action::kRead);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"default-deny"});
}

TEST_F(RulesAuthorizerTest, ProjectRoleGrantsItsActions) {
  Decision d = Ask(Human("creator", {Role::kCreator}), Action::kGenerate);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"permit-project-role"});
  EXPECT_FALSE(Ask(Human("creator", {Role::kCreator}), Action::kApprove).allowed);
}

TEST_F(RulesAuthorizerTest, RoleInAnotherProjectDoesNotCount) {
  PrincipalFacts p = Human("r", {});
  p.roles.push_back({p.id, ProjectId("prj_other"), Role::kReviewer});
  EXPECT_FALSE(Ask(p, Action::kRead).allowed);
}

TEST_F(RulesAuthorizerTest, CreatorWhoIsAlsoReviewerCannotApprove) {
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  Decision d = Ask(Human("creator", {Role::kCreator, Role::kReviewer}), Action::kApprove, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-contributor-approves"});
}

TEST_F(RulesAuthorizerTest, NonHumanNeverApproves) {
  PrincipalFacts agent = Human("agent", {Role::kReviewer});
  agent.kind = PrincipalKind::kAgent;
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  Decision d = Ask(agent, Action::kApprove, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-non-human-approves"});
}

TEST_F(RulesAuthorizerTest, ApprovalMustNameCurrentHash) {
  RequestContext ctx;
  ctx.sha256 = std::string(64, 'b');
  Decision d = Ask(Human("rev", {Role::kReviewer}), Action::kApprove, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-approve-other-hash"});
  ctx.sha256 = asset_.sha256;
  EXPECT_TRUE(Ask(Human("rev", {Role::kReviewer}), Action::kApprove, ctx).allowed);
}

TEST_F(RulesAuthorizerTest, SameReviewerCannotApproveTwice) {
  Approve("rev");
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  Decision d = Ask(Human("rev", {Role::kReviewer}), Action::kApprove, ctx);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-approve-twice"});
}

TEST_F(RulesAuthorizerTest, ExportNeedsApprovalAndGrant) {
  PrincipalFacts pub = Human("pub", {Role::kPublisher});
  Decision d = Ask(pub, Action::kRequestExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-export-unapproved"});

  asset_.stage = Stage::kApproved;
  Approve("rev");
  EXPECT_TRUE(Ask(pub, Action::kRequestExport).allowed);

  d = Ask(pub, Action::kExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-export-without-grant"});

  RequestContext ctx;
  ctx.grant = GrantFacts{
      AssetId("ast_x"), asset_.sha256, "web", pub.id, now_ + std::chrono::minutes(5), false};
  EXPECT_TRUE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.grant->used = true;
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.grant->used = false;
  ctx.grant->expires_at = now_;
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.grant->expires_at = now_ + std::chrono::minutes(5);
  ctx.grant->requester = Pid("someone-else");
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
}

TEST_F(RulesAuthorizerTest, ApprovalByContributorOrAgentDoesNotCountForExport) {
  asset_.stage = Stage::kApproved;
  Approve("creator");
  Approve("bot", PrincipalKind::kAgent);
  Decision d = Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-export-unapproved"});
}

TEST_F(RulesAuthorizerTest, LapsedApprovalDoesNotCount) {
  asset_.stage = Stage::kApproved;
  asset_.approvals.push_back({Pid("rev"), PrincipalKind::kHuman, asset_.sha256, now_});
  EXPECT_FALSE(Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport).allowed);
}

TEST_F(RulesAuthorizerTest, RestrictedNeedsTwoDistinctHumans) {
  asset_.stage = Stage::kApproved;
  asset_.classification = Classification::kRestricted;
  Approve("rev1");
  Decision d = Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-restricted-single-approval"});
  Approve("rev2");
  EXPECT_TRUE(Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport).allowed);
}

TEST_F(RulesAuthorizerTest, DisabledPrincipalIsForbiddenEverything) {
  PrincipalFacts p = Human("c", {Role::kCreator});
  p.disabled = true;
  for (Action a : AllActions()) {
    Decision d = Ask(p, a);
    EXPECT_FALSE(d.allowed) << Name(a);
  }
}

TEST_F(RulesAuthorizerTest, GlobalAdminAdministersButDoesNotApprove) {
  PrincipalFacts admin;
  admin.id = Pid("admin");
  admin.roles.push_back({admin.id, std::nullopt, Role::kAdmin});
  EXPECT_TRUE(Ask(admin, Action::kAdmin).allowed);
  EXPECT_TRUE(Ask(admin, Action::kAuditRead).allowed);
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  EXPECT_FALSE(Ask(admin, Action::kApprove, ctx).allowed);
}

TEST_F(RulesAuthorizerTest, DecisionJsonCarriesRules) {
  Decision d = Ask(Human("stranger", {}), Action::kRead);
  json::object o = d.ToJson();
  EXPECT_EQ(o["allowed"].as_bool(), false);
  EXPECT_EQ(o["action"].as_string(), "read");
  EXPECT_EQ(o["determining"].as_array()[0].as_string(), "default-deny");
}

}  // namespace
}  // namespace custody::policy
