// DLP end to end, over HTTP (docs/dlp.md): prompts are scanned before a job is queued and their
// secrets redacted; uploads are scanned (content, every metadata value, the name) and blocked or
// flagged by policy; exports are scanned after the scrub and blocked by policy before the grant
// is consumed; findings are on the asset and in the audit log, never with the secret in full;
// imports record their origin; WebP, WAV and MP4 exports are scrubbed and signed.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "crypto/sha256.h"
#include "integration/png_util.h"
#include "integration/test_server.h"

namespace custody::testing {
namespace {

std::string S(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v && std::string(v) == "1";
}

#define FIXTURE(var, rel)                                                  \
  std::string var;                                                         \
  do {                                                                     \
    std::filesystem::path dir = FixturesDir();                             \
    if (dir.empty() || !std::filesystem::exists(dir / (rel))) {            \
      if (RequireFixtures()) FAIL() << "fixture missing: " << (rel);       \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << (rel); \
    }                                                                      \
    var = ReadAll(dir / (rel));                                            \
  } while (0)

// A GitHub personal access token shape (ghp_ + 36 alphanumerics) that no one was ever issued.
const std::string kToken = "ghp_R7kq2ZwX9mB4vT1nY8pL3cD6sF0hJ5aG2eUi";
const std::string kEmail = "jane.doe@northwind-mail.net";

std::string Pct(const std::string& s) {
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += char(ch);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", ch);
      out += buf;
    }
  }
  return out;
}

// The server under test: the procedural engine counts as external (so model-egress rules apply to
// it), and a customers dictionary names "Northwind".
app::Config DlpConfig() {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d =
        std::filesystem::temp_directory_path() / ("custody-dlp-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::ofstream(d / "customers.txt") << "# customers\nNorthwind Traders\nNorthwind\n";
    return d;
  }();
  app::Config c;
  c.external_engines = {"procedural"};
  c.dlp_dictionaries = {{"customers", dir / "customers.txt"}};
  return c;
}

class DlpTest : public ::testing::Test {
 protected:
  DlpTest() : server_(nullptr, DlpConfig()) {}

  void SetUp() override {
    admin_ = server_.Login("admin", TestServer::kAdminPassword);
    project_ = server_.CreateProject(admin_, "dlp");
    cara_id_ = server_.CreateHuman(admin_, "cara");
    rita_id_ = server_.CreateHuman(admin_, "rita");
    paul_id_ = server_.CreateHuman(admin_, "paul");
    server_.AddMember(admin_, project_, cara_id_, "creator");
    server_.AddMember(admin_, project_, rita_id_, "reviewer");
    server_.AddMember(admin_, project_, paul_id_, "publisher");
    cara_ = server_.Login("cara", TestServer::kUserPassword);
    rita_ = server_.Login("rita", TestServer::kUserPassword);
    paul_ = server_.Login("paul", TestServer::kUserPassword);
  }

  Reply Job(const std::string& prompt, const std::string& classification = "internal") {
    json::object body{
        {"project", project_}, {"prompt", prompt},
        {"seed", 3},           {"parameters", json::object{{"width", 48}, {"height", 32}}},
        {"title", "dlp"},      {"classification", classification}};
    return server_.Post("/v1/jobs", body, cara_);
  }

  Reply UploadRaw(const std::string& bytes, const std::string& query,
                  const std::string& token = "") {
    return server_.PostRaw("/v1/assets?project=" + project_ + query, bytes,
                           "application/octet-stream", token.empty() ? cara_ : token);
  }

  // Submits, approves and asks for an export grant named `file_name`; returns the grant id.
  std::string Grant(const std::string& asset, const std::string& file_name) {
    Reply a = server_.Get("/v1/assets/" + asset, cara_);
    EXPECT_EQ(server_.Post("/v1/assets/" + asset + "/submit", json::object{}, cara_).status, 200);
    Reply ok = server_.Post("/v1/assets/" + asset + "/approve",
                            json::object{{"sha256", S(a.body["sha256"])}}, rita_);
    EXPECT_EQ(ok.status, 200) << ok.raw;
    Reply g = server_.Post(
        "/v1/exports/grants",
        json::object{{"asset", asset}, {"destination", "web"}, {"file_name", file_name}}, paul_);
    EXPECT_EQ(g.status, 201) << g.raw;
    return S(g.body["id"]);
  }

  // Everything the server wrote that is not encrypted — the database and the audit log as the
  // API serves it — must never contain `secret`.
  void ExpectNowhere(const std::string& secret) {
    Reply log = server_.Get("/v1/audit?limit=1000", admin_);
    ASSERT_EQ(log.status, 200);
    EXPECT_EQ(log.raw.find(secret), std::string::npos) << "the audit log holds the secret";
    for (const auto& e : std::filesystem::recursive_directory_iterator(server_.data_dir())) {
      if (!e.is_regular_file() || e.path().string().find("/blobs/") != std::string::npos) continue;
      EXPECT_EQ(ReadAll(e.path()).find(secret), std::string::npos) << e.path();
    }
  }

  json::array Findings(const std::string& asset) {
    Reply f = server_.Get("/v1/assets/" + asset + "/findings", cara_);
    EXPECT_EQ(f.status, 200) << f.raw;
    return f.body["findings"].as_array();
  }

  TestServer server_;
  std::string admin_, project_, cara_id_, rita_id_, paul_id_, cara_, rita_, paul_;
};

TEST_F(DlpTest, SecretInAPromptIsRedactedBeforeTheJobIsQueued) {
  Reply job = Job("a lighthouse at dusk, render with key " + kToken + " please");
  ASSERT_EQ(job.status, 202) << job.raw;
  json::object done = server_.WaitForJob(cara_, S(job.body["id"]));
  ASSERT_EQ(S(done["status"]), "succeeded") << json::serialize(done);
  std::string prompt_asset;
  for (const auto& in : done["inputs"].as_array())
    if (S(in.as_object().at("role")) == "prompt") prompt_asset = S(in.as_object().at("asset"));
  ASSERT_FALSE(prompt_asset.empty());

  // The stored prompt (what the engine read) holds the redaction, not the token.
  Reply content = server_.Get("/v1/assets/" + prompt_asset + "/content", cara_);
  ASSERT_EQ(content.status, 200);
  EXPECT_EQ(content.raw.find(kToken), std::string::npos);
  EXPECT_NE(content.raw.find("[REDACTED:"), std::string::npos) << content.raw;
  EXPECT_NE(content.raw.find("a lighthouse at dusk"), std::string::npos);

  Reply asset = server_.Get("/v1/assets/" + prompt_asset, cara_);
  EXPECT_EQ(asset.body["dlp"].as_object().at("secrets").as_int64(), 1);
  EXPECT_EQ(asset.body["dlp"].as_object().at("redacted").as_int64(), 1);
  json::array f = Findings(prompt_asset);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(S(f[0].as_object().at("action")), "redacted");
  EXPECT_EQ(S(f[0].as_object().at("kind")), "secret");
  EXPECT_EQ(S(f[0].as_object().at("where")), "content");
  EXPECT_EQ(S(f[0].as_object().at("fingerprint")).size(), 32u);
  EXPECT_EQ(S(f[0].as_object().at("excerpt")).find(kToken), std::string::npos);
  ExpectNowhere(kToken);
  ExpectNowhere(kToken.substr(4));  // not even the part after the prefix

  // The job's audit entry names the redact-finding decision.
  Reply log = server_.Get("/v1/audit?limit=1000", admin_);
  EXPECT_NE(log.raw.find("redact-secrets-in-prompts"), std::string::npos);
}

TEST_F(DlpTest, PersonalDataInAPromptNeverGoesToAnExternalEngine) {
  Reply job = Job("portrait for " + kEmail);
  ASSERT_EQ(job.status, 403) << job.raw;
  EXPECT_NE(job.raw.find("forbid-pii-to-external-engines"), std::string::npos) << job.raw;
  Reply log = server_.Get("/v1/audit?limit=1000", admin_);
  EXPECT_NE(log.raw.find("dlp.scan"), std::string::npos);
  EXPECT_NE(log.raw.find("pii-email"), std::string::npos);
  ExpectNowhere(kEmail);
  // Without personal data the same request goes through.
  EXPECT_EQ(Job("portrait in oils").status, 202);
}

TEST_F(DlpTest, SecretInAComfyWorkflowBlocksAPublicUploadAndIsFlaggedOtherwise) {
  std::string workflow = R"({"last_node_id":3,"nodes":[{"id":1,"type":"OpenAIChat",)"
                         R"("widgets_values":["api_key",")" +
                         kToken + R"("]}]})";
  std::string png = InsertPngText(TestPng(32, 32, 9), "workflow", workflow, /*after_idat=*/true);

  Reply denied = UploadRaw(png, "&title=render.png&classification=public");
  ASSERT_EQ(denied.status, 403) << denied.raw;
  EXPECT_NE(denied.raw.find("forbid-secrets-in-public-uploads"), std::string::npos);

  Reply ok = UploadRaw(png, "&title=render.png&classification=internal");
  ASSERT_EQ(ok.status, 201) << ok.raw;
  std::string id = S(ok.body["id"]);
  EXPECT_EQ(ok.body["dlp"].as_object().at("secrets").as_int64(), 1);
  json::array f = Findings(id);
  ASSERT_GE(f.size(), 1u);
  EXPECT_EQ(S(f[0].as_object().at("where")), "metadata:png:tEXt:workflow");
  EXPECT_EQ(S(f[0].as_object().at("action")), "flagged");
  // A binary file is stored as received: flagged, not rewritten.
  EXPECT_EQ(S(ok.body["sha256"]), crypto::Sha256Hex(AsBytes(png)));
  ExpectNowhere(kToken);
}

TEST_F(DlpTest, SecretsInUploadedTextAreRedactedBeforeStorage) {
  std::string text = "deploy notes\nGITHUB_TOKEN=" + kToken + "\ncontact " + kEmail + "\n";
  Reply ok = UploadRaw(text, "&title=notes.txt");
  ASSERT_EQ(ok.status, 201) << ok.raw;
  std::string id = S(ok.body["id"]);
  Reply content = server_.Get("/v1/assets/" + id + "/content", cara_);
  EXPECT_EQ(content.raw.find(kToken), std::string::npos);
  EXPECT_NE(content.raw.find("[REDACTED:"), std::string::npos);
  EXPECT_NE(content.raw.find(kEmail), std::string::npos);  // PII is flagged, not redacted
  EXPECT_EQ(S(ok.body["sha256"]), crypto::Sha256Hex(AsBytes(content.raw)));
  json::array f = Findings(id);
  int redacted = 0, flagged = 0;
  for (const auto& x : f) {
    std::string action = S(x.as_object().at("action"));
    redacted += action == "redacted";
    flagged += action == "flagged";
  }
  EXPECT_EQ(redacted, 1);
  EXPECT_GE(flagged, 1);
}

TEST_F(DlpTest, ACustomerNameInAPublicExportsFileNameBlocksItWithoutConsumingTheGrant) {
  Reply job = Job("a harbour at noon", "public");
  ASSERT_EQ(job.status, 202) << job.raw;
  json::object done = server_.WaitForJob(cara_, S(job.body["id"]));
  std::string asset = S(done["output"]);
  std::string grant = Grant(asset, "northwind-launch.png");
  Reply exp = server_.Post("/v1/exports", json::object{{"grant", grant}}, paul_);
  ASSERT_EQ(exp.status, 403) << exp.raw;
  EXPECT_NE(exp.raw.find("forbid-dictionary-terms-in-public-exports"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(server_.destination() / "northwind-launch.png"));
  // The grant was not consumed: presenting it again meets the same rule, not "grant used".
  Reply again = server_.Post("/v1/exports", json::object{{"grant", grant}}, paul_);
  EXPECT_EQ(again.status, 403);
  EXPECT_NE(again.raw.find("forbid-dictionary-terms-in-public-exports"), std::string::npos)
      << again.raw;

  // A clean name exports.
  Reply g2 = server_.Post(
      "/v1/exports/grants",
      json::object{{"asset", asset}, {"destination", "web"}, {"file_name", "harbour.png"}}, paul_);
  ASSERT_EQ(g2.status, 201) << g2.raw;
  Reply ok = server_.Post("/v1/exports", json::object{{"grant", S(g2.body["id"])}}, paul_);
  EXPECT_EQ(ok.status, 201) << ok.raw;
}

TEST_F(DlpTest, ImportsRecordTheirOriginAndAreOwnedAsAsked) {
  // An archivist who may upload (creator) and administer the project (admin) imports a
  // designer's library on her behalf.
  std::string ivy_id = server_.CreateHuman(admin_, "ivy");
  server_.AddMember(admin_, project_, ivy_id, "creator");
  server_.AddMember(admin_, project_, ivy_id, "admin");
  std::string ivy = server_.Login("ivy", TestServer::kUserPassword);
  std::string png = TestPng(24, 24, 4);
  std::string sha = crypto::Sha256Hex(AsBytes(png));
  std::string q = "&title=hero.png&source_path=" + Pct("/home/cara/Library/hero.png") +
                  "&source_sha256=" + sha + "&source_host=cara-laptop&owner=cara";
  Reply ok = UploadRaw(png, q + "&classification=confidential", ivy);
  ASSERT_EQ(ok.status, 201) << ok.raw;
  EXPECT_EQ(S(ok.body["owner"]), cara_id_);
  EXPECT_EQ(S(ok.body["classification"]), "confidential");
  EXPECT_EQ(S(ok.body["origin"].as_object().at("path")), "/home/cara/Library/hero.png");
  Reply lineage = server_.Get("/v1/assets/" + S(ok.body["id"]) + "/lineage", admin_);
  ASSERT_EQ(lineage.status, 200);
  EXPECT_EQ(S(lineage.body["origin"].as_object().at("sha256")), sha);
  EXPECT_EQ(S(lineage.body["origin"].as_object().at("host")), "cara-laptop");

  // A hash that does not match what arrived is refused; so is owning for someone else without
  // the admin action.
  std::string wrong = "&source_path=%2Fx.png&source_sha256=" + std::string(64, '0');
  EXPECT_EQ(UploadRaw(png, wrong, ivy).status, 400);
  Reply not_admin = UploadRaw(png, "&owner=rita", cara_);
  EXPECT_EQ(not_admin.status, 403) << not_admin.raw;
  EXPECT_EQ(UploadRaw(png, "&owner=nobody-by-that-name", ivy).status, 404);
}

// WebP, WAV and MP4 exports: the metadata goes (ComfyUI's workflow in the WebP's EXIF), the file
// is signed, and the delivered bytes carry no generator key.
TEST_F(DlpTest, WebpWavAndMp4ExportsAreScrubbedAndSigned) {
  FIXTURE(webp, "ai-metadata/comfyui-examples/wan_text_to_video_wan.webp");
  FIXTURE(wav, "c2pa/tone_8k_mono.wav");
  FIXTURE(mp4, "c2pa/video1_no_manifest.mp4");
  ASSERT_NE(webp.find("workflow"), std::string::npos);
  struct Case {
    std::string bytes, name;
  } cases[] = {{webp, "wan.webp"}, {wav, "tone.wav"}, {mp4, "clip.mp4"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Reply up = UploadRaw(c.bytes, "&title=" + c.name);
    ASSERT_EQ(up.status, 201) << up.raw;
    std::string grant = Grant(S(up.body["id"]), c.name);
    Reply exp = server_.Post("/v1/exports", json::object{{"grant", grant}}, paul_);
    ASSERT_EQ(exp.status, 201) << exp.raw;
    std::string delivered = ReadAll(server_.destination() / c.name);
    ASSERT_FALSE(delivered.empty());
    EXPECT_EQ(delivered.find("workflow"), std::string::npos);
    EXPECT_EQ(delivered.find("\"prompt\""), std::string::npos);
    EXPECT_EQ(
        S(exp.body["export_asset"].as_object().at("content_credentials").as_object().at("state")),
        "trusted")
        << exp.raw.substr(0, 2000);
  }
}

}  // namespace
}  // namespace custody::testing
