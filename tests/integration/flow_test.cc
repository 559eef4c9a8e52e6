// The governed workflow end to end, over HTTP, as the issue describes it: a creator uploads a
// reference and generates from a prompt; separation of duties blocks the creator and a reviewer
// who edited an ancestor; another reviewer approves; export needs a single-use grant; lineage of
// the export names every input; rollback removes the file; the audit log verifies.
#include <gtest/gtest.h>

#include <fstream>

#include "integration/png_util.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

std::string Str(const json::value& v) { return std::string(v.as_string()); }

std::vector<std::string> Determining(const Reply& r) {
  std::vector<std::string> out;
  if (!r.body.contains("decision")) return out;
  for (const auto& d : r.body.at("decision").as_object().at("determining").as_array())
    out.emplace_back(d.as_string());
  return out;
}

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class FlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.Login("admin", TestServer::kAdminPassword);
    project_ = server_.CreateProject(admin_, "spring-campaign");
    creator_id_ = server_.CreateHuman(admin_, "cara");
    rev1_id_ = server_.CreateHuman(admin_, "rex");
    rev2_id_ = server_.CreateHuman(admin_, "rita");
    pub_id_ = server_.CreateHuman(admin_, "paul");
    // cara creates and also reviews (so separation of duties, not a missing role, stops her);
    // rex reviews and may edit; rita only reviews; paul publishes.
    server_.AddMember(admin_, project_, creator_id_, "creator");
    server_.AddMember(admin_, project_, creator_id_, "reviewer");
    server_.AddMember(admin_, project_, rev1_id_, "reviewer");
    server_.AddMember(admin_, project_, rev1_id_, "creator");
    server_.AddMember(admin_, project_, rev2_id_, "reviewer");
    server_.AddMember(admin_, project_, pub_id_, "publisher");
    cara_ = server_.Login("cara", TestServer::kUserPassword);
    rex_ = server_.Login("rex", TestServer::kUserPassword);
    rita_ = server_.Login("rita", TestServer::kUserPassword);
    paul_ = server_.Login("paul", TestServer::kUserPassword);
  }

  TestServer server_;
  std::string admin_, project_, creator_id_, rev1_id_, rev2_id_, pub_id_;
  std::string cara_, rex_, rita_, paul_;
};

TEST_F(FlowTest, PromptToApprovedExportUnderSeparationOfDuties) {
  // 1. cara uploads a reference image (with a licence and a label).
  json::object ref =
      server_.Upload(cara_, project_, "reference", TestPng(64, 64, 7),
                     "&title=hero&licence=CC-BY-4.0&labels=brand&classification=confidential");
  ASSERT_EQ(Str(ref["kind"]), "reference");
  ASSERT_EQ(Str(ref["media_type"]), "image/png");
  std::string ref_id = Str(ref["id"]);

  // 2. rex (creator + reviewer) edits the reference: an edit asset derived from it.
  Reply edit = server_.Post(
      "/v1/assets/" + ref_id + "/edits",
      json::object{{"ops", json::array{json::object{{"op", "resize"}, {"width", 32}}}}}, rex_);
  ASSERT_EQ(edit.status, 202) << edit.raw;
  json::object edit_job = server_.WaitForJob(rex_, Str(edit.body["id"]));
  ASSERT_EQ(Str(edit_job["status"]), "succeeded") << json::serialize(edit_job);
  std::string edited_id = Str(edit_job["output"]);

  // 3. cara generates from a prompt and the edited reference.
  Reply job = server_.Post(
      "/v1/jobs",
      json::object{{"project", project_},
                   {"prompt", "a lighthouse at dusk, brand colours"},
                   {"seed", 1234},
                   {"parameters", json::object{{"width", 96}, {"height", 64}}},
                   {"inputs", json::array{json::object{{"asset", edited_id},
                                                       {"role", "reference:character"}}}},
                   {"title", "hero banner"}},
      cara_);
  ASSERT_EQ(job.status, 202) << job.raw;
  json::object done = server_.WaitForJob(cara_, Str(job.body["id"]));
  ASSERT_EQ(Str(done["status"]), "succeeded") << json::serialize(done);
  EXPECT_EQ(Str(done["engine"]), "procedural");
  EXPECT_EQ(done["seed"].to_number<uint64_t>(), 1234u);
  std::string gen_id = Str(done["output"]);
  Reply gen = server_.Get("/v1/assets/" + gen_id, cara_);
  ASSERT_EQ(gen.status, 200);
  EXPECT_EQ(Str(gen.body["stage"]), "draft");
  // Classification and labels propagate from the inputs.
  EXPECT_EQ(Str(gen.body["classification"]), "confidential");
  EXPECT_EQ(gen.body["labels"].as_array().size(), 1u);
  std::string sha = Str(gen.body["sha256"]);

  // 4. Submit, then the creator may not approve her own work.
  Reply sub = server_.Post("/v1/assets/" + gen_id + "/submit", json::object{}, cara_);
  ASSERT_EQ(sub.status, 200) << sub.raw;
  Reply self =
      server_.Post("/v1/assets/" + gen_id + "/approve", json::object{{"sha256", sha}}, cara_);
  EXPECT_EQ(self.status, 403) << self.raw;
  EXPECT_EQ(Determining(self), std::vector<std::string>{"forbid-contributor-approves"});
  EXPECT_EQ(*self.content_type, "application/problem+json");

  // 5. rex edited an ancestor: he may not approve either.
  Reply rex =
      server_.Post("/v1/assets/" + gen_id + "/approve", json::object{{"sha256", sha}}, rex_);
  EXPECT_EQ(rex.status, 403) << rex.raw;
  EXPECT_EQ(Determining(rex), std::vector<std::string>{"forbid-contributor-approves"});

  // 6. An approval must bind the exact hash.
  Reply stale = server_.Post("/v1/assets/" + gen_id + "/approve",
                             json::object{{"sha256", std::string(64, '0')}}, rita_);
  EXPECT_EQ(stale.status, 403);
  EXPECT_EQ(Determining(stale), std::vector<std::string>{"forbid-approve-other-hash"});

  // 7. rita approves.
  Reply ok = server_.Post("/v1/assets/" + gen_id + "/approve",
                          json::object{{"sha256", sha}, {"comment", "on brand"}}, rita_);
  ASSERT_EQ(ok.status, 200) << ok.raw;
  EXPECT_EQ(Str(ok.body["asset"].as_object()["stage"]), "approved");

  // 8. Export without a (valid) grant is refused.
  Reply no_grant = server_.Post("/v1/exports", json::object{}, paul_);
  EXPECT_EQ(no_grant.status, 400) << no_grant.raw;
  Reply fake_grant =
      server_.Post("/v1/exports", json::object{{"grant", "grt_aaaaaaaaaaaaaaaaaaaaaaaaaa"}}, paul_);
  EXPECT_EQ(fake_grant.status, 404) << fake_grant.raw;
  // cara is no publisher: she gets no grant.
  Reply cara_grant = server_.Post("/v1/exports/grants",
                                  json::object{{"asset", gen_id}, {"destination", "web"}}, cara_);
  EXPECT_EQ(cara_grant.status, 403);

  // 9. paul gets a grant; cara cannot use it (bound to the requester).
  Reply grant = server_.Post(
      "/v1/exports/grants",
      json::object{{"asset", gen_id}, {"destination", "web"}, {"file_name", "hero-banner.png"}},
      paul_);
  ASSERT_EQ(grant.status, 201) << grant.raw;
  std::string grant_id = Str(grant.body["id"]);
  Reply stolen = server_.Post("/v1/exports", json::object{{"grant", grant_id}}, cara_);
  EXPECT_EQ(stolen.status, 403);

  // 10. With the grant the file lands in the destination.
  Reply exp = server_.Post("/v1/exports", json::object{{"grant", grant_id}}, paul_);
  ASSERT_EQ(exp.status, 201) << exp.raw;
  std::filesystem::path delivered = server_.destination() / "hero-banner.png";
  ASSERT_TRUE(std::filesystem::exists(delivered));
  std::string pub_id = Str(exp.body["publication"].as_object()["id"]);
  std::string export_id = Str(exp.body["export_asset"].as_object()["id"]);

  // 11. The grant cannot be reused.
  Reply reuse = server_.Post("/v1/exports", json::object{{"grant", grant_id}}, paul_);
  EXPECT_EQ(reuse.status, 403) << reuse.raw;
  EXPECT_EQ(Determining(reuse), std::vector<std::string>{"forbid-export-without-grant"});

  // 12. Lineage of the export lists the prompt, the reference, the edit and the generation.
  Reply lin = server_.Get("/v1/assets/" + export_id + "/lineage", paul_);
  ASSERT_EQ(lin.status, 200) << lin.raw;
  std::set<std::string> kinds, ids;
  for (const auto& a : lin.body["ancestors"].as_array()) {
    kinds.insert(Str(a.as_object().at("kind")));
    ids.insert(Str(a.as_object().at("id")));
  }
  EXPECT_TRUE(kinds.count("prompt"));
  EXPECT_TRUE(kinds.count("reference"));
  EXPECT_TRUE(kinds.count("edit"));
  EXPECT_TRUE(kinds.count("generation"));
  EXPECT_TRUE(ids.count(ref_id) && ids.count(gen_id) && ids.count(edited_id));
  std::set<std::string> roles;
  for (const auto& e : lin.body["edges"].as_array())
    if (Str(e.as_object().at("type")) == "used") roles.insert(Str(e.as_object().at("role")));
  EXPECT_TRUE(roles.count("prompt"));
  EXPECT_TRUE(roles.count("reference:character"));
  EXPECT_TRUE(roles.count("source"));
  std::set<std::string> contributors;
  for (const auto& c : lin.body["contributors"].as_array())
    contributors.insert(Str(c.as_object().at("name")));
  EXPECT_TRUE(contributors.count("cara") && contributors.count("rex") &&
              contributors.count("paul"));
  EXPECT_FALSE(contributors.count("rita"));

  // 13. Rollback removes the file and records it.
  Reply rb = server_.Post("/v1/publications/" + pub_id + "/rollback", json::object{}, paul_);
  ASSERT_EQ(rb.status, 200) << rb.raw;
  EXPECT_EQ(Str(rb.body["status"]), "rolled_back");
  EXPECT_FALSE(std::filesystem::exists(delivered));
  Reply again = server_.Post("/v1/publications/" + pub_id + "/rollback", json::object{}, paul_);
  EXPECT_EQ(again.status, 409);

  // 14. The audit log verifies, and names the decisive rules.
  Reply audit_denied = server_.Get("/v1/audit/verify", cara_);
  EXPECT_EQ(audit_denied.status, 403);
  Reply verify = server_.Get("/v1/audit/verify", admin_);
  ASSERT_EQ(verify.status, 200) << verify.raw;
  EXPECT_TRUE(verify.body["ok"].as_bool()) << verify.raw;
  EXPECT_GT(verify.body["entries"].to_number<uint64_t>(), 20u);
  Reply log = server_.Get("/v1/audit?limit=1000", admin_);
  ASSERT_EQ(log.status, 200);
  bool saw_sod_denial = false;
  for (const auto& e : log.body["entries"].as_array()) {
    const json::object& entry = e.as_object().at("entry").as_object();
    if (Str(entry.at("action")) == "asset.approve" && Str(entry.at("outcome")) == "denied" &&
        Str(entry.at("principal")) == creator_id_) {
      saw_sod_denial = true;
      EXPECT_EQ(Str(entry.at("decision").as_object().at("determining").as_array()[0]),
                "forbid-contributor-approves");
    }
    // Entries carry hashes, never prompt text.
    EXPECT_EQ(json::serialize(entry).find("lighthouse"), std::string::npos);
  }
  EXPECT_TRUE(saw_sod_denial);
}

TEST_F(FlowTest, ExportScrubsGeneratorMetadataAndKeepsPixels) {
  std::string png = InsertPngText(TestPng(48, 48, 3), "parameters",
                                  "masterpiece, secret client Acme, Steps: 20", false);
  png = InsertPngText(png, "workflow", "{\"api_key\":\"sk-live-123\"}", true);
  json::object up = server_.Upload(cara_, project_, "upload", png);
  std::string id = Str(up["id"]);
  ASSERT_EQ(server_.Post("/v1/assets/" + id + "/submit", json::object{}, cara_).status, 200);
  ASSERT_EQ(
      server_
          .Post("/v1/assets/" + id + "/approve", json::object{{"sha256", Str(up["sha256"])}}, rita_)
          .status,
      200);
  Reply grant = server_.Post("/v1/exports/grants",
                             json::object{{"asset", id}, {"destination", "web"}}, paul_);
  ASSERT_EQ(grant.status, 201) << grant.raw;
  Reply exp = server_.Post("/v1/exports", json::object{{"grant", Str(grant.body["id"])}}, paul_);
  ASSERT_EQ(exp.status, 201) << exp.raw;
  std::string out = ReadFile(server_.destination() / Str(grant.body["file_name"]));
  EXPECT_EQ(out.find("masterpiece"), std::string::npos);
  EXPECT_EQ(out.find("sk-live-123"), std::string::npos);
  EXPECT_EQ(out.find("tEXt"), std::string::npos);
  EXPECT_EQ(exp.body["metadata_removed"].as_array().size(), 2u);
  // The original asset is unchanged (only the delivery is scrubbed).
  Reply content = server_.Get("/v1/assets/" + id + "/content", cara_);
  EXPECT_EQ(content.raw, png);
}

TEST_F(FlowTest, RestrictedAssetsNeedTwoDistinctHumanApprovers) {
  json::object up =
      server_.Upload(cara_, project_, "upload", TestPng(32, 32, 9), "&classification=restricted");
  std::string id = Str(up["id"]);
  std::string sha = Str(up["sha256"]);
  ASSERT_EQ(server_.Post("/v1/assets/" + id + "/submit", json::object{}, cara_).status, 200);
  Reply first = server_.Post("/v1/assets/" + id + "/approve", json::object{{"sha256", sha}}, rita_);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(Str(first.body["asset"].as_object()["stage"]), "in_review");
  EXPECT_EQ(first.body["approvals_required"].to_number<int>(), 2);
  Reply twice = server_.Post("/v1/assets/" + id + "/approve", json::object{{"sha256", sha}}, rita_);
  EXPECT_EQ(twice.status, 403);
  EXPECT_EQ(Determining(twice), std::vector<std::string>{"forbid-approve-twice"});
  Reply early = server_.Post("/v1/exports/grants",
                             json::object{{"asset", id}, {"destination", "web"}}, paul_);
  EXPECT_EQ(early.status, 403);
  Reply second = server_.Post("/v1/assets/" + id + "/approve", json::object{{"sha256", sha}}, rex_);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(Str(second.body["asset"].as_object()["stage"]), "approved");
  Reply grant = server_.Post("/v1/exports/grants",
                             json::object{{"asset", id}, {"destination", "web"}}, paul_);
  EXPECT_EQ(grant.status, 201) << grant.raw;
}

TEST_F(FlowTest, NonHumanPrincipalsHaveOwnersAndNeverApprove) {
  Reply orphan =
      server_.Post("/v1/principals", json::object{{"name", "bot"}, {"kind", "agent"}}, admin_);
  EXPECT_EQ(orphan.status, 400) << orphan.raw;
  Reply bot =
      server_.Post("/v1/principals",
                   json::object{{"name", "bot"}, {"kind", "agent"}, {"owner", rev2_id_}}, admin_);
  ASSERT_EQ(bot.status, 201) << bot.raw;
  std::string bot_id = Str(bot.body["id"]);
  Reply reviewer_role =
      server_.Post("/v1/projects/" + project_ + "/members",
                   json::object{{"principal", bot_id}, {"role", "reviewer"}}, admin_);
  EXPECT_EQ(reviewer_role.status, 400);
  server_.AddMember(admin_, project_, bot_id, "creator");
  Reply key = server_.Post("/v1/principals/" + bot_id + "/api-keys",
                           json::object{{"ttl_days", 1}, {"label", "drafting agent"}}, admin_);
  ASSERT_EQ(key.status, 201) << key.raw;
  std::string api_key = Str(key.body["api_key"]);
  // The agent drafts on behalf of its owner.
  json::object up = server_.Upload(api_key, project_, "upload", TestPng(16, 16, 1));
  EXPECT_EQ(Str(up["on_behalf_of"]), rev2_id_);
  // Its owner is a contributor: rita may not approve what her agent made.
  std::string id = Str(up["id"]);
  ASSERT_EQ(server_.Post("/v1/assets/" + id + "/submit", json::object{}, api_key).status, 200);
  Reply owner = server_.Post("/v1/assets/" + id + "/approve",
                             json::object{{"sha256", Str(up["sha256"])}}, rita_);
  EXPECT_EQ(owner.status, 403);
  // Disabling the agent revokes its key at once.
  ASSERT_EQ(server_.Post("/v1/principals/" + bot_id + "/disable", json::object{}, admin_).status,
            200);
  EXPECT_EQ(server_.Get("/v1/assets/" + id, api_key).status, 401);
}

}  // namespace
}  // namespace custody::testing

namespace custody::testing {
namespace {

TEST_F(FlowTest, EventsStreamJobProgressAndStartWithTheJobState) {
  Reply job =
      server_.Post("/v1/jobs",
                   json::object{{"project", project_},
                                {"prompt", "events"},
                                {"parameters", json::object{{"width", 64}, {"height", 64}}}},
                   cara_);
  ASSERT_EQ(job.status, 202) << job.raw;
  std::string id = Str(job.body["id"]);
  server_.WaitForJob(cara_, id);
  http::HttpClient events(server_.url());
  std::vector<http::SseEvent> seen;
  Status s = events.Events(
      "/v1/events?job=" + id, {{"Authorization", "Bearer " + cara_}},
      [&](const http::SseEvent& e) {
        seen.push_back(e);
        return false;  // the first event is enough
      },
      std::chrono::seconds(5));
  ASSERT_TRUE(s.ok()) << s.error().ToString();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].event, "job.state");
  auto data = ParseJsonObject(seen[0].data);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(Str((*data)["status"]), "succeeded");
  // Someone outside the project cannot follow it.
  server_.CreateHuman(admin_, "stranger");
  std::string stranger = server_.Login("stranger", TestServer::kUserPassword);
  Reply denied = server_.Get("/v1/events?job=" + id, stranger);
  EXPECT_EQ(denied.status, 403);
}

}  // namespace
}  // namespace custody::testing
