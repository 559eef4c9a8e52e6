// Policy as code over HTTP: the built-in Cedar set is stored as version 1; an administrator's
// change takes effect on the very next request (a forbid on exporting restricted assets blocks an
// export that was allowed a moment before) and the audit log names the policy; a set that does not
// parse is refused with file:line:column; rollback restores; the decision API answers other
// systems with the same entities; model egress and session caps are policies too.
#include <gtest/gtest.h>

#include <thread>

#include "integration/png_util.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

std::string Str(const json::value& v) { return std::string(v.as_string()); }

std::vector<std::string> Determining(const json::object& decision) {
  std::vector<std::string> out;
  for (const auto& d : decision.at("determining").as_array()) out.emplace_back(d.as_string());
  return out;
}
std::vector<std::string> Determining(const Reply& r) {
  if (!r.body.contains("decision")) return {};
  return Determining(r.body.at("decision").as_object());
}

const char* kRestrictedLock = R"(@id("forbid-export-restricted")
@reason("restricted assets stay inside the studio this quarter")
forbid (
  principal,
  action in [Custody::Action::"request-export", Custody::Action::"export"],
  resource is Custody::Asset
)
when { resource.classification == "restricted" };
)";

class PolicyTest : public ::testing::Test {
 protected:
  explicit PolicyTest(app::Config config = {}) : server_(nullptr, std::move(config)) {
    admin_ = server_.Login("admin", TestServer::kAdminPassword);
    project_ = server_.CreateProject(admin_, "launch");
    cara_id_ = server_.CreateHuman(admin_, "cara");
    rex_id_ = server_.CreateHuman(admin_, "rex");
    rita_id_ = server_.CreateHuman(admin_, "rita");
    paul_id_ = server_.CreateHuman(admin_, "paul");
    server_.AddMember(admin_, project_, cara_id_, "creator");
    server_.AddMember(admin_, project_, rex_id_, "reviewer");
    server_.AddMember(admin_, project_, rita_id_, "reviewer");
    server_.AddMember(admin_, project_, paul_id_, "publisher");
    cara_ = server_.Login("cara", TestServer::kUserPassword);
    rex_ = server_.Login("rex", TestServer::kUserPassword);
    rita_ = server_.Login("rita", TestServer::kUserPassword);
    paul_ = server_.Login("paul", TestServer::kUserPassword);
  }

  // An uploaded restricted asset approved by two reviewers: exportable under the default set.
  std::string ApprovedRestrictedAsset() {
    json::object up =
        server_.Upload(cara_, project_, "upload", TestPng(24, 24, 3), "&classification=restricted");
    std::string id = Str(up["id"]);
    std::string sha = Str(up["sha256"]);
    EXPECT_EQ(server_.Post("/v1/assets/" + id + "/submit", json::object{}, cara_).status, 200);
    EXPECT_EQ(
        server_.Post("/v1/assets/" + id + "/approve", json::object{{"sha256", sha}}, rex_).status,
        200);
    EXPECT_EQ(
        server_.Post("/v1/assets/" + id + "/approve", json::object{{"sha256", sha}}, rita_).status,
        200);
    return id;
  }

  Reply Grant(const std::string& asset, const std::string& file) {
    return server_.Post("/v1/exports/grants",
                        json::object{{"asset", asset}, {"destination", "web"}, {"file_name", file}},
                        paul_);
  }

  json::object ActiveFilesPlus(const std::string& name, const std::string& text) {
    Reply active = server_.Get("/v1/policies", admin_);
    EXPECT_EQ(active.status, 200) << active.raw;
    json::object files = active.body["files"].as_object();
    files[name] = text;
    return files;
  }

  Reply Put(const json::object& files, const std::string& comment, const std::string& token) {
    return server_.Request("PUT", "/v1/policies",
                           json::serialize(json::object{{"files", files}, {"comment", comment}}),
                           "application/json", token);
  }

  // The newest audit entry with `action`.
  json::object LastAudit(const std::string& action) {
    Reply log = server_.Get("/v1/audit?limit=1000", admin_);
    EXPECT_EQ(log.status, 200) << log.raw;
    json::object found;
    for (const auto& row : log.body["entries"].as_array()) {
      const json::object& e = row.as_object().at("entry").as_object();
      if (e.at("action").as_string() == action) found = e;
    }
    return found;
  }

  TestServer server_;
  std::string admin_, project_, cara_id_, rex_id_, rita_id_, paul_id_;
  std::string cara_, rex_, rita_, paul_;
};

TEST_F(PolicyTest, TheBuiltInSetIsVersionOneAndReadable) {
  Reply active = server_.Get("/v1/policies", admin_);
  ASSERT_EQ(active.status, 200) << active.raw;
  EXPECT_EQ(active.body["version"].as_int64(), 1);
  EXPECT_TRUE(active.body["active"].as_bool());
  EXPECT_TRUE(active.body["created_by"].is_null());
  EXPECT_TRUE(active.body["files"].as_object().contains("30-export.cedar"));
  std::set<std::string> ids;
  for (const auto& p : active.body["policies"].as_array()) ids.insert(Str(p.as_object().at("id")));
  for (const char* id :
       {"permit-project-creator", "forbid-contributor-approves", "forbid-non-human-approves",
        "forbid-restricted-single-approval", "forbid-export-without-grant",
        "forbid-external-engine-above-internal", "forbid-stale-session-approves"})
    EXPECT_TRUE(ids.count(id)) << id;
  EXPECT_EQ(LastAudit("policy.install")["outcome"].as_string(), "succeeded");
  // Creators neither read nor change policies.
  EXPECT_EQ(server_.Get("/v1/policies", cara_).status, 403);
  EXPECT_EQ(Put(ActiveFilesPlus("x.cedar", kRestrictedLock), "", cara_).status, 403);
  EXPECT_EQ(server_.Get("/v1/policies", admin_).body["version"].as_int64(), 1);
}

TEST_F(PolicyTest, AChangeThroughTheApiTakesEffectAtOnceAndIsAuditedByName) {
  std::string first = ApprovedRestrictedAsset();
  Reply allowed = Grant(first, "first.png");
  ASSERT_EQ(allowed.status, 201) << allowed.raw;
  std::string grant_id = Str(allowed.body["id"]);

  Reply put = Put(ActiveFilesPlus("90-quarter-lock.cedar", kRestrictedLock), "Q3 lock", admin_);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["version"].as_int64(), 2);
  json::object change = LastAudit("policy.replace");
  EXPECT_EQ(change["details"].as_object()["version"].as_int64(), 2);
  EXPECT_EQ(change["details"].as_object()["added"].as_array().size(), 1u);
  EXPECT_EQ(Str(change["details"].as_object()["added"].as_array()[0]), "forbid-export-restricted");

  // The grant issued a moment ago no longer exports: the new forbid decides.
  Reply blocked = server_.Post("/v1/exports", json::object{{"grant", grant_id}}, paul_);
  EXPECT_EQ(blocked.status, 403) << blocked.raw;
  EXPECT_EQ(Determining(blocked), std::vector<std::string>{"forbid-export-restricted"});
  EXPECT_EQ(blocked.body["decision"].as_object()["policy_version"].as_int64(), 2);
  EXPECT_FALSE(std::filesystem::exists(server_.destination() / "first.png"));
  json::object denial = LastAudit("export.execute");
  EXPECT_EQ(Str(denial["outcome"]), "denied");
  EXPECT_EQ(Determining(denial["decision"].as_object()),
            std::vector<std::string>{"forbid-export-restricted"});

  // Rolling back to version 1 (as version 3) restores the export.
  Reply back = server_.Post("/v1/policies/rollback", json::object{{"version", 1}}, admin_);
  ASSERT_EQ(back.status, 200) << back.raw;
  EXPECT_EQ(back.body["version"].as_int64(), 3);
  EXPECT_EQ(back.body["rolled_back_from"].as_int64(), 1);
  Reply exported = server_.Post("/v1/exports", json::object{{"grant", grant_id}}, paul_);
  EXPECT_EQ(exported.status, 201) << exported.raw;

  Reply versions = server_.Get("/v1/policies/versions", admin_);
  ASSERT_EQ(versions.status, 200);
  EXPECT_EQ(versions.body["active"].as_int64(), 3);
  EXPECT_EQ(versions.body["items"].as_array().size(), 3u);
  Reply v2 = server_.Get("/v1/policies/versions/2", admin_);
  ASSERT_EQ(v2.status, 200);
  EXPECT_FALSE(v2.body["active"].as_bool());
  EXPECT_EQ(Str(v2.body["comment"]), "Q3 lock");
  EXPECT_EQ(server_.Get("/v1/policies/versions/9", admin_).status, 404);
  EXPECT_EQ(server_.Get("/v1/policies/versions/x", admin_).status, 404);

  // The active version survives a restart.
  server_.Restart();
  admin_ = server_.Login("admin", TestServer::kAdminPassword);
  EXPECT_EQ(server_.Get("/v1/policies", admin_).body["version"].as_int64(), 3);
}

TEST_F(PolicyTest, ASetThatDoesNotBuildIsRefusedWithItsPlace) {
  json::object files = ActiveFilesPlus("broken.cedar",
                                       "@id(\"half\")\npermit (principal, action, resource)\n"
                                       "when { principal.kind == };\n");
  Reply check = server_.Post("/v1/policies/validate", json::object{{"files", files}}, admin_);
  ASSERT_EQ(check.status, 200) << check.raw;
  EXPECT_FALSE(check.body["valid"].as_bool());
  json::object problem = check.body["problems"].as_array()[0].as_object();
  EXPECT_EQ(Str(problem["file"]), "broken.cedar");
  EXPECT_EQ(problem["line"].as_int64(), 3);

  Reply put = Put(files, "oops", admin_);
  EXPECT_EQ(put.status, 400) << put.raw;
  EXPECT_NE(put.raw.find("broken.cedar:3:"), std::string::npos) << put.raw;
  EXPECT_EQ(server_.Get("/v1/policies", admin_).body["version"].as_int64(), 1);
  EXPECT_EQ(Str(LastAudit("policy.replace")["outcome"]), "failed");

  // Typos in scopes and missing ids are refused too; a valid set validates with its ids.
  Reply typo = Put(ActiveFilesPlus("typo.cedar",
                                   "@id(\"t\") permit(principal, action == "
                                   "Custody::Action::\"exprot\", resource);"),
                   "", admin_);
  EXPECT_EQ(typo.status, 400);
  Reply no_id =
      Put(ActiveFilesPlus("noid.cedar", "permit(principal, action, resource);"), "", admin_);
  EXPECT_EQ(no_id.status, 400);
  Reply ok =
      server_.Post("/v1/policies/validate",
                   json::object{{"files", ActiveFilesPlus("lock.cedar", kRestrictedLock)}}, admin_);
  EXPECT_TRUE(ok.body["valid"].as_bool()) << ok.raw;
  EXPECT_EQ(server_.Post("/v1/policies/validate", json::object{{"files", 3}}, admin_).status, 400);
  EXPECT_EQ(server_.Post("/v1/policies/rollback", json::object{{"version", 7}}, admin_).status,
            404);
}

TEST_F(PolicyTest, TheDecisionApiAnswersWithTheSameEntities) {
  json::object up = server_.Upload(cara_, project_, "upload", TestPng(16, 16, 5));
  std::string id = Str(up["id"]);
  std::string sha = Str(up["sha256"]);
  ASSERT_EQ(server_.Post("/v1/assets/" + id + "/submit", json::object{}, cara_).status, 200);

  auto ask = [&](const std::string& who, const std::string& action, json::object ctx,
                 const std::string& token) {
    return server_.Post(
        "/v1/authorize",
        json::object{
            {"principal", who}, {"action", action}, {"resource", id}, {"context", std::move(ctx)}},
        token);
  };
  Reply own = ask(cara_id_, "approve", {{"sha256", sha}}, admin_);
  ASSERT_EQ(own.status, 200) << own.raw;
  EXPECT_EQ(Str(own.body["decision"]), "deny");
  EXPECT_EQ(Determining(own.body), std::vector<std::string>{"forbid-contributor-approves"});
  Reply rex = ask(rex_id_, "approve", {{"sha256", sha}}, admin_);
  EXPECT_EQ(Str(rex.body["decision"]), "allow") << rex.raw;
  EXPECT_EQ(Determining(rex.body), std::vector<std::string>{"permit-project-reviewer"});
  Reply stale = ask(rex_id_, "approve", {{"sha256", std::string(64, '0')}}, admin_);
  EXPECT_EQ(Determining(stale.body), std::vector<std::string>{"forbid-approve-other-hash"});
  // Anyone may ask about themselves, nobody else's but with the right role.
  EXPECT_EQ(ask(cara_id_, "read", {}, cara_).status, 200);
  Reply nosy = ask(rex_id_, "read", {}, cara_);
  EXPECT_EQ(nosy.status, 403) << nosy.raw;
  // The questions are audited with their answers (reads are audited asynchronously).
  bool found = false;
  for (int i = 0; i < 100 && !found; ++i) {
    Reply log = server_.Get("/v1/audit?limit=1000", admin_);
    for (const auto& row : log.body["entries"].as_array()) {
      const json::object& e = row.as_object().at("entry").as_object();
      if (e.at("action").as_string() != "decision.query") continue;
      const json::object& d = e.at("details").as_object();
      if (d.at("subject").as_string() == rex_id_ && e.at("outcome").as_string() == "allowed" &&
          d.contains("answer"))
        found = true;
    }
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(found);
  // Bad questions get clear errors.
  EXPECT_EQ(ask(rex_id_, "fly", {}, admin_).status, 400);
  EXPECT_EQ(ask(rex_id_, "read", {{"colour", "red"}}, admin_).status, 400);
  EXPECT_EQ(server_
                .Post("/v1/authorize",
                      json::object{{"principal", "prn_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
                                   {"action", "read"},
                                   {"resource", id}},
                      admin_)
                .status,
            404);
}

class EgressPolicyTest : public PolicyTest {
 protected:
  static app::Config ExternalProcedural() {
    app::Config c;
    c.external_engines = {"procedural"};
    return c;
  }
  EgressPolicyTest() : PolicyTest(ExternalProcedural()) {}
};

TEST_F(EgressPolicyTest, InputsAboveInternalNeverGoToAnExternalEngine) {
  auto job = [&](const std::string& classification) {
    return server_.Post("/v1/jobs",
                        json::object{{"project", project_},
                                     {"prompt", "a quiet harbour"},
                                     {"classification", classification},
                                     {"parameters", json::object{{"width", 32}, {"height", 32}}}},
                        cara_);
  };
  Reply internal = job("internal");
  EXPECT_EQ(internal.status, 202) << internal.raw;
  Reply confidential = job("confidential");
  EXPECT_EQ(confidential.status, 403) << confidential.raw;
  EXPECT_EQ(Determining(confidential),
            std::vector<std::string>{"forbid-external-engine-above-internal"});
  // An input's classification counts as much as the declared one.
  json::object ref = server_.Upload(cara_, project_, "reference", TestPng(16, 16, 2),
                                    "&classification=restricted");
  Reply with_ref = server_.Post(
      "/v1/jobs",
      json::object{
          {"project", project_},
          {"prompt", "like this"},
          {"inputs", json::array{json::object{{"asset", ref["id"]}, {"role", "reference:style"}}}},
          {"parameters", json::object{{"width", 32}, {"height", 32}}}},
      cara_);
  EXPECT_EQ(with_ref.status, 403) << with_ref.raw;
}

}  // namespace
}  // namespace custody::testing
