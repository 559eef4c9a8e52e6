#include "policy/cedar_authorizer.h"

#include <gtest/gtest.h>

namespace custody::policy {
namespace {

class CedarAuthorizerTest : public ::testing::Test {
 protected:
  CedarAuthorizerTest() : project_("prj_aaaaaaaaaaaaaaaaaaaaaaaaaa") {
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
    return CedarAuthorizer::Authorize(*bundle_, r);
  }

  void Approve(const std::string& who, PrincipalKind kind = PrincipalKind::kHuman) {
    asset_.approvals.push_back({Pid(who), kind, asset_.sha256, now_ + std::chrono::hours(1)});
  }

  static std::shared_ptr<const PolicyBundle> DefaultBundle() {
    std::vector<PolicyProblem> problems;
    auto b = PolicyBundle::Build(PolicyBundle::DefaultFiles(), &problems);
    EXPECT_TRUE(b.ok()) << (problems.empty() ? "" : problems[0].message);
    return *b;
  }

  std::shared_ptr<const PolicyBundle> bundle_ = DefaultBundle();
  ProjectId project_;
  AssetFacts asset_;
  TimePoint now_ = FromUnixMicros(1'800'000'000'000'000);
};

TEST_F(CedarAuthorizerTest, DefaultDenyNamesItself) {
  Decision d = Ask(Human("stranger", {}), Action::kRead);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"default-deny"});
}

TEST_F(CedarAuthorizerTest, ProjectRoleGrantsItsActions) {
  Decision d = Ask(Human("creator", {Role::kCreator}), Action::kGenerate);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"permit-project-creator"});
  EXPECT_EQ(d.reasons, std::vector<std::string>{"the principal is a creator in the project"});
  EXPECT_FALSE(Ask(Human("creator", {Role::kCreator}), Action::kApprove).allowed);
}

TEST_F(CedarAuthorizerTest, RoleInAnotherProjectDoesNotCount) {
  PrincipalFacts p = Human("r", {});
  p.roles.push_back({p.id, ProjectId("prj_other"), Role::kReviewer});
  EXPECT_FALSE(Ask(p, Action::kRead).allowed);
}

TEST_F(CedarAuthorizerTest, CreatorWhoIsAlsoReviewerCannotApprove) {
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  Decision d = Ask(Human("creator", {Role::kCreator, Role::kReviewer}), Action::kApprove, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-contributor-approves"});
}

TEST_F(CedarAuthorizerTest, NonHumanNeverApproves) {
  PrincipalFacts agent = Human("agent", {Role::kReviewer});
  agent.kind = PrincipalKind::kAgent;
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  Decision d = Ask(agent, Action::kApprove, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-non-human-approves"});
}

TEST_F(CedarAuthorizerTest, ApprovalMustNameCurrentHash) {
  RequestContext ctx;
  ctx.sha256 = std::string(64, 'b');
  Decision d = Ask(Human("rev", {Role::kReviewer}), Action::kApprove, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-approve-other-hash"});
  ctx.sha256 = asset_.sha256;
  EXPECT_TRUE(Ask(Human("rev", {Role::kReviewer}), Action::kApprove, ctx).allowed);
}

TEST_F(CedarAuthorizerTest, SameReviewerCannotApproveTwice) {
  Approve("rev");
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  Decision d = Ask(Human("rev", {Role::kReviewer}), Action::kApprove, ctx);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-approve-twice"});
}

TEST_F(CedarAuthorizerTest, ExportNeedsApprovalAndGrant) {
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
  ctx.destination = "web";
  EXPECT_TRUE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.destination = "elsewhere";
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.destination = "web";
  ctx.grant->sha256 = std::string(64, 'c');
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.grant->sha256 = asset_.sha256;
  ctx.grant->used = true;
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.grant->used = false;
  ctx.grant->expires_at = now_;
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
  ctx.grant->expires_at = now_ + std::chrono::minutes(5);
  ctx.grant->requester = Pid("someone-else");
  EXPECT_FALSE(Ask(pub, Action::kExport, ctx).allowed);
}

TEST_F(CedarAuthorizerTest, ApprovalByContributorOrAgentDoesNotCountForExport) {
  asset_.stage = Stage::kApproved;
  Approve("creator");
  Approve("bot", PrincipalKind::kAgent);
  Decision d = Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-export-unapproved"});
}

TEST_F(CedarAuthorizerTest, ExportAfterTheReviewWindowIsRefused) {
  asset_.stage = Stage::kApproved;
  asset_.approvals.push_back({Pid("rev"), PrincipalKind::kHuman, asset_.sha256, now_});
  Decision d = Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-export-after-review-window"});
  asset_.approvals.back().expires_at = now_ + std::chrono::milliseconds(1);
  EXPECT_TRUE(Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport).allowed);
}

TEST_F(CedarAuthorizerTest, RestrictedNeedsTwoDistinctHumans) {
  asset_.stage = Stage::kApproved;
  asset_.classification = Classification::kRestricted;
  Approve("rev1");
  Decision d = Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-restricted-single-approval"});
  Approve("rev2");
  EXPECT_TRUE(Ask(Human("pub", {Role::kPublisher}), Action::kRequestExport).allowed);
}

TEST_F(CedarAuthorizerTest, DisabledPrincipalIsForbiddenEverything) {
  PrincipalFacts p = Human("c", {Role::kCreator});
  p.disabled = true;
  for (Action a : AllActions()) {
    Decision d = Ask(p, a);
    EXPECT_FALSE(d.allowed) << Name(a);
  }
}

TEST_F(CedarAuthorizerTest, GlobalAdminAdministersButDoesNotApprove) {
  PrincipalFacts admin;
  admin.id = Pid("admin");
  admin.roles.push_back({admin.id, std::nullopt, Role::kAdmin});
  EXPECT_TRUE(Ask(admin, Action::kAdmin).allowed);
  EXPECT_TRUE(Ask(admin, Action::kAuditRead).allowed);
  RequestContext ctx;
  ctx.sha256 = asset_.sha256;
  EXPECT_FALSE(Ask(admin, Action::kApprove, ctx).allowed);
}

TEST_F(CedarAuthorizerTest, DecisionJsonCarriesRules) {
  Decision d = Ask(Human("stranger", {}), Action::kRead);
  json::object o = d.ToJson();
  EXPECT_EQ(o["allowed"].as_bool(), false);
  EXPECT_EQ(o["action"].as_string(), "read");
  EXPECT_EQ(o["determining"].as_array()[0].as_string(), "default-deny");
}

TEST_F(CedarAuthorizerTest, ExternalEngineNeverGetsInputsAboveInternal) {
  PrincipalFacts c = Human("creator", {Role::kCreator});
  RequestContext ctx;
  ctx.engine = EngineFacts{"hosted", true};
  ctx.input_classification = Classification::kInternal;
  EXPECT_TRUE(Ask(c, Action::kGenerate, ctx).allowed);
  ctx.input_classification = Classification::kConfidential;
  Decision d = Ask(c, Action::kGenerate, ctx);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-external-engine-above-internal"});
  ctx.engine->external = false;
  EXPECT_TRUE(Ask(c, Action::kGenerate, ctx).allowed);
}

TEST_F(CedarAuthorizerTest, SessionCaps) {
  PrincipalFacts c = Human("creator", {Role::kCreator});
  RequestContext ctx;
  ctx.session.jobs_last_hour = 499;
  EXPECT_TRUE(Ask(c, Action::kGenerate, ctx).allowed);
  ctx.session.jobs_last_hour = 500;
  EXPECT_EQ(Ask(c, Action::kGenerate, ctx).determining,
            std::vector<std::string>{"forbid-job-flood"});

  PrincipalFacts rev = Human("rev", {Role::kReviewer});
  RequestContext approve;
  approve.sha256 = asset_.sha256;
  approve.session.age = std::chrono::hours(12);
  EXPECT_TRUE(Ask(rev, Action::kApprove, approve).allowed);
  approve.session.age = std::chrono::hours(12) + std::chrono::milliseconds(1);
  EXPECT_EQ(Ask(rev, Action::kApprove, approve).determining,
            std::vector<std::string>{"forbid-stale-session-approves"});
  approve.session.age = {};
  approve.session.api_key = true;
  EXPECT_EQ(Ask(rev, Action::kApprove, approve).determining,
            std::vector<std::string>{"forbid-api-key-approves"});
}

// policies/default/00-roles.cedar and RoleGrants describe the same table.
TEST_F(CedarAuthorizerTest, RolePoliciesMatchTheRoleTable) {
  for (Role role :
       {Role::kCreator, Role::kReviewer, Role::kPublisher, Role::kAuditor, Role::kAdmin}) {
    for (Action a : AllActions()) {
      AuthzRequest r;
      r.principal = Human("p", {role});
      r.action = a;
      r.resource.type = "project";
      r.resource.id = project_.str();
      r.resource.project = project_;
      r.context.now = now_;
      Decision d = CedarAuthorizer::Authorize(*bundle_, r);
      EXPECT_EQ(d.allowed, RoleGrants(role, a)) << Name(role) << " " << Name(a);
      EXPECT_TRUE(d.errors.empty()) << d.errors[0];
    }
  }
}

// Reads pass an asset without facts: the project alone decides.
TEST_F(CedarAuthorizerTest, ReadsNeedOnlyTheProject) {
  AuthzRequest r;
  r.principal = Human("rev", {Role::kReviewer});
  r.action = Action::kRead;
  r.resource.type = "asset";
  r.resource.id = "ast_x";
  r.resource.project = project_;
  r.context.now = now_;
  Decision d = CedarAuthorizer::Authorize(*bundle_, r);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.errors.empty());
  r.principal = Human("nobody", {});
  EXPECT_FALSE(CedarAuthorizer::Authorize(*bundle_, r).allowed);
}

TEST_F(CedarAuthorizerTest, DecisionsAboutYourselfAreAllowed) {
  PrincipalFacts p = Human("anyone", {});
  RequestContext ctx;
  ctx.subject = p.id;
  AuthzRequest r;
  r.principal = p;
  r.action = Action::kAuthorize;
  r.resource.type = "decisions";
  r.resource.id = p.id.str();
  r.context = ctx;
  r.context.now = now_;
  EXPECT_TRUE(CedarAuthorizer::Authorize(*bundle_, r).allowed);
  r.context.subject = Pid("someone-else");
  EXPECT_FALSE(CedarAuthorizer::Authorize(*bundle_, r).allowed);
}

TEST_F(CedarAuthorizerTest, VerifyingContentCredentialsNeedsAnyRole) {
  AuthzRequest r;
  r.action = Action::kVerify;
  r.resource.type = "verify";
  r.resource.id = "file";
  r.context.now = now_;
  for (Role role :
       {Role::kCreator, Role::kReviewer, Role::kPublisher, Role::kAuditor, Role::kAdmin}) {
    r.principal = Human("someone", {role});
    Decision d = CedarAuthorizer::Authorize(*bundle_, r);
    EXPECT_TRUE(d.allowed) << Name(role);
    EXPECT_EQ(d.determining, std::vector<std::string>{"permit-verify"});
  }
  PrincipalFacts global = Human("otto", {});
  global.roles.push_back({global.id, std::nullopt, Role::kAuditor});
  r.principal = global;
  EXPECT_TRUE(CedarAuthorizer::Authorize(*bundle_, r).allowed);
  r.principal = Human("guest", {});
  Decision d = CedarAuthorizer::Authorize(*bundle_, r);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"default-deny"});
  EXPECT_TRUE(d.errors.empty());
}

TEST_F(CedarAuthorizerTest, PromptTextIsDisclosedOnlyForAllPublicInputs) {
  PrincipalFacts pub = Human("pub", {Role::kPublisher});
  asset_.kind = AssetKind::kPrompt;
  asset_.classification = Classification::kPublic;
  RequestContext ctx;
  ctx.input_classification = Classification::kPublic;
  Decision d = Ask(pub, Action::kIncludePromptInCredentials, ctx);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"permit-prompt-in-credentials-when-public"});
  // A public prompt used with an internal reference stays private.
  ctx.input_classification = Classification::kInternal;
  EXPECT_FALSE(Ask(pub, Action::kIncludePromptInCredentials, ctx).allowed);
  // Without the job's input level (no job context) nothing is disclosed.
  EXPECT_FALSE(Ask(pub, Action::kIncludePromptInCredentials).allowed);
  asset_.classification = Classification::kInternal;
  ctx.input_classification = Classification::kPublic;
  d = Ask(pub, Action::kIncludePromptInCredentials, ctx);
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.errors.empty());
}

TEST_F(CedarAuthorizerTest, AuthorIsNamedForPublicAndInternalAssetsOnly) {
  PrincipalFacts pub = Human("pub", {Role::kPublisher});
  for (auto [c, allowed] :
       std::vector<std::pair<Classification, bool>>{{Classification::kPublic, true},
                                                    {Classification::kInternal, true},
                                                    {Classification::kConfidential, false},
                                                    {Classification::kRestricted, false}}) {
    asset_.classification = c;
    Decision d = Ask(pub, Action::kIncludeAuthorInCredentials);
    EXPECT_EQ(d.allowed, allowed) << Name(c);
    EXPECT_TRUE(d.errors.empty());
  }
}

// The verification state of an asset's Content Credentials and the number of job inputs whose
// credentials are invalid are facts policies can use.
TEST_F(CedarAuthorizerTest, PoliciesSeeContentCredentialsFacts) {
  std::vector<PolicyFile> files = PolicyBundle::DefaultFiles();
  files.push_back({"90-credentials.cedar",
                   "@id(\"forbid-submit-invalid-credentials\")\n@reason(\"invalid C2PA\")\n"
                   "forbid (principal, action == Custody::Action::\"submit\", resource is "
                   "Custody::Asset) when { resource.credentials == \"invalid\" };\n"
                   "@id(\"forbid-generate-from-invalid-credentials\")\n@reason(\"inputs\")\n"
                   "forbid (principal, action == Custody::Action::\"generate\", resource) "
                   "when { context has inputs_with_invalid_credentials && "
                   "context.inputs_with_invalid_credentials > 0 };\n"});
  std::vector<PolicyProblem> problems;
  auto strict = PolicyBundle::Build(files, &problems);
  ASSERT_TRUE(strict.ok()) << (problems.empty() ? "" : problems[0].message);
  bundle_ = *strict;
  PrincipalFacts creator = Human("creator", {Role::kCreator});
  asset_.credentials = CredentialsState::kValid;
  EXPECT_TRUE(Ask(creator, Action::kSubmit).allowed);
  asset_.credentials = CredentialsState::kInvalid;
  Decision d = Ask(creator, Action::kSubmit);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-submit-invalid-credentials"});

  AuthzRequest r;
  r.principal = creator;
  r.action = Action::kGenerate;
  r.resource.type = "project";
  r.resource.id = project_.str();
  r.resource.project = project_;
  r.context.now = now_;
  r.context.inputs_with_invalid_credentials = 0;
  EXPECT_TRUE(CedarAuthorizer::Authorize(*bundle_, r).allowed);
  r.context.inputs_with_invalid_credentials = 2;
  d = CedarAuthorizer::Authorize(*bundle_, r);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-generate-from-invalid-credentials"});
}

// The default DLP rules (70-dlp.cedar): secrets in prompts and uploaded text are redacted; exports
// carrying secrets, public exports carrying PII, public uploads carrying secrets and prompts with
// PII for external engines are blocked.
TEST_F(CedarAuthorizerTest, DefaultDlpRulesRedactAndBlock) {
  PrincipalFacts creator = Human("creator", {Role::kCreator});
  auto finding = [](std::string stage, std::string kind) {
    RequestContext ctx;
    ctx.finding = FindingFacts{
        stage, kind == "secret" ? "aws-access-token" : "pii-email", kind, {kind}, "content"};
    return ctx;
  };
  Decision d = Ask(creator, Action::kRedactFinding, finding("prompt", "secret"));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"redact-secrets-in-prompts"});
  EXPECT_FALSE(Ask(creator, Action::kRedactFinding, finding("prompt", "pii")).allowed);
  EXPECT_TRUE(Ask(creator, Action::kRedactFinding, finding("upload", "secret")).allowed);
  RequestContext in_metadata = finding("upload", "secret");
  in_metadata.finding->where = "metadata:png:tEXt:workflow";
  EXPECT_FALSE(Ask(creator, Action::kRedactFinding, in_metadata).allowed);
  EXPECT_FALSE(Ask(creator, Action::kRedactFinding, finding("export", "secret")).allowed);
  EXPECT_FALSE(Ask(creator, Action::kRedactFinding).allowed);  // no finding in the context

  // Upload: a secret blocks a public upload only.
  RequestContext up;
  up.dlp = DlpFacts{"upload", 1, 1, 0, 0, 0, {"aws-access-token"}, {"key"}};
  asset_.classification = Classification::kPublic;
  d = Ask(creator, Action::kUpload, up);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-secrets-in-public-uploads"});
  asset_.classification = Classification::kInternal;
  EXPECT_TRUE(Ask(creator, Action::kUpload, up).allowed);

  // Export: any secret left in place blocks it.
  PrincipalFacts pub = Human("pub", {Role::kPublisher});
  asset_.stage = Stage::kApproved;
  Approve("rev");
  RequestContext ex;
  ex.grant = GrantFacts{
      AssetId("ast_x"), asset_.sha256, "web", pub.id, now_ + std::chrono::minutes(5), false};
  ex.destination = "web";
  ex.dlp = DlpFacts{"export", 0, 0, 0, 0, 2, {}, {}};
  EXPECT_TRUE(Ask(pub, Action::kExport, ex).allowed);
  ex.dlp = DlpFacts{"export", 1, 1, 0, 0, 0, {"generic-api-key"}, {}};
  d = Ask(pub, Action::kExport, ex);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-secrets-in-exports"});
  ex.dlp = DlpFacts{"export", 1, 0, 1, 0, 0, {"pii-email"}, {}};
  asset_.classification = Classification::kInternal;
  EXPECT_TRUE(Ask(pub, Action::kExport, ex).allowed);
  asset_.classification = Classification::kPublic;
  d = Ask(pub, Action::kExport, ex);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-pii-in-public-exports"});

  // Generate: PII goes to internal engines only.
  AuthzRequest r;
  r.principal = creator;
  r.action = Action::kGenerate;
  r.resource.type = "project";
  r.resource.id = project_.str();
  r.resource.project = project_;
  r.context.now = now_;
  r.context.dlp = DlpFacts{"prompt", 1, 0, 1, 0, 0, {"pii-email"}, {"pii"}};
  r.context.engine = EngineFacts{"procedural", false};
  EXPECT_TRUE(CedarAuthorizer::Authorize(*bundle_, r).allowed);
  r.context.engine = EngineFacts{"cloud", true};
  d = CedarAuthorizer::Authorize(*bundle_, r);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-pii-to-external-engines"});
}

TEST_F(CedarAuthorizerTest, ActivatingANewSetChangesDecisionsAndVersion) {
  CedarAuthorizer authz(bundle_, 1);
  AuthzRequest r;
  r.principal = Human("creator", {Role::kCreator});
  r.action = Action::kRead;
  r.resource.type = "project";
  r.resource.id = project_.str();
  r.resource.project = project_;
  r.context.now = now_;
  Decision d = authz.Authorize(r);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.policy_version, 1);

  std::vector<PolicyFile> files = PolicyBundle::DefaultFiles();
  files.push_back({"99-lockdown.cedar",
                   "@id(\"forbid-all-reads\")\n@reason(\"lockdown\")\n"
                   "forbid (principal, action == Custody::Action::\"read\", resource);\n"});
  std::vector<PolicyProblem> problems;
  auto locked = PolicyBundle::Build(files, &problems);
  ASSERT_TRUE(locked.ok());
  authz.Activate(*locked, 2);
  d = authz.Authorize(r);
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.determining, std::vector<std::string>{"forbid-all-reads"});
  EXPECT_EQ(d.reasons, std::vector<std::string>{"lockdown"});
  EXPECT_EQ(d.policy_version, 2);
  EXPECT_EQ(d.ToJson()["policy_version"].as_int64(), 2);
}

}  // namespace
}  // namespace custody::policy
