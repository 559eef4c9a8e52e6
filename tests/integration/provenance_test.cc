// Content Credentials end to end, over HTTP: exports are signed last with a manifest built from
// the lineage (checked with our verifier and with the official C2PA SDK), uploads are verified
// on ingest and their state is a policy fact, POST /v1/verify answers for any file, and the
// local commands `custody verify` and `custody pki` do what their documentation says.
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>

#include "app/commands.h"
#include "crypto/sha256.h"
#include "http/request.h"
#include "http/response_writer.h"
#include "http/router.h"
#include "http/server.h"
#include "integration/png_util.h"
#include "integration/test_server.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/validate.h"

namespace custody::testing {
namespace {

namespace pv = provenance;

std::string S(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::filesystem::path SourceDir() {
  if (const char* src = std::getenv("CUSTODY_SOURCE_DIR"); src && *src) return src;
  // tests/integration/provenance_test.cc → the repository root.
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path();
}

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v && std::string(v) == "1";
}

// Reads a C2PA fixture or skips the test (fails under CUSTODY_REQUIRE_FIXTURES=1).
#define C2PA_FIXTURE(var, rel)                                             \
  std::string var;                                                         \
  do {                                                                     \
    std::filesystem::path dir = FixturesDir();                             \
    if (dir.empty() || !std::filesystem::exists(dir / "c2pa" / (rel))) {   \
      if (RequireFixtures()) FAIL() << "fixture missing: " << (rel);       \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << (rel); \
    }                                                                      \
    var = ReadAll(dir / "c2pa" / (rel));                                   \
  } while (0)

// The official SDK's verdict on a file (tests/c2pa-sdk/validate.js): one JSON line, or nullopt
// when node or the package is not installed (a skip; a failure under CUSTODY_REQUIRE_FIXTURES=1).
std::optional<json::object> SdkValidate(const std::filesystem::path& file,
                                        const std::filesystem::path& trust) {
  std::filesystem::path script = SourceDir() / "tests" / "c2pa-sdk" / "validate.js";
  if (!std::filesystem::exists(script)) return std::nullopt;
  std::string cmd = "node '" + script.string() + "' --trust '" + trust.string() + "' '" +
                    file.string() + "' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = ::pclose(p);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 77 || code == 127) return std::nullopt;  // package or node missing
  EXPECT_EQ(code, 0) << cmd << "\n" << out;
  auto parsed = ParseJsonObject(out.substr(0, out.find('\n')));
  EXPECT_TRUE(parsed.ok()) << out.substr(0, 500);
  if (!parsed.ok()) return std::nullopt;
  return *parsed;
}

#define EXPECT_SDK_TRUSTED(file, trust)                                                      \
  do {                                                                                       \
    auto sdk = SdkValidate(file, trust);                                                     \
    if (!sdk) {                                                                              \
      if (RequireFixtures()) ADD_FAILURE() << "the C2PA SDK (node + c2pa-wasm) is missing";  \
      std::cerr << "[ SKIPPED  ] SDK check: node or @contentauth/c2pa-wasm not installed\n"; \
      break;                                                                                 \
    }                                                                                        \
    EXPECT_EQ(S((*sdk)["state"]), "Trusted") << json::serialize(*sdk).substr(0, 3000);       \
    EXPECT_TRUE((*sdk)["failure"].as_array().empty()) << json::serialize((*sdk)["failure"]); \
    EXPECT_TRUE((*sdk)["error"].is_null()) << json::serialize((*sdk)["error"]);              \
  } while (0)

// Runs `custody ARGS...` in-process (app::Main) and captures its standard output.
struct CliRun {
  int exit_code = -1;
  std::string out;
};
CliRun Custody(std::vector<std::string> args) {
  std::vector<const char*> argv{"custody"};
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  CliRun r;
  r.exit_code = app::Main(int(argv.size()), argv.data());
  std::cout.rdbuf(old);
  r.out = captured.str();
  return r;
}

// The verifier's report on a delivered file, with the studio's trust bundle.
struct Verified {
  pv::VerifyReport report;
  json::object json;
  const pv::Manifest* active = nullptr;
};

class ProvenanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_ = server_.Login("admin", TestServer::kAdminPassword);
    project_ = server_.CreateProject(admin_, "credentials");
    cara_id_ = server_.CreateHuman(admin_, "cara");
    rex_id_ = server_.CreateHuman(admin_, "rex");
    rita_id_ = server_.CreateHuman(admin_, "rita");
    paul_id_ = server_.CreateHuman(admin_, "paul");
    server_.AddMember(admin_, project_, cara_id_, "creator");
    server_.AddMember(admin_, project_, rex_id_, "creator");
    server_.AddMember(admin_, project_, rita_id_, "reviewer");
    server_.AddMember(admin_, project_, paul_id_, "publisher");
    cara_ = server_.Login("cara", TestServer::kUserPassword);
    rex_ = server_.Login("rex", TestServer::kUserPassword);
    rita_ = server_.Login("rita", TestServer::kUserPassword);
    paul_ = server_.Login("paul", TestServer::kUserPassword);
    trust_file_ = server_.data_dir() / "pki" / "trust.pem";
    auto trust = pv::TrustSettingsFromPem(ReadAll(trust_file_));
    ASSERT_TRUE(trust.ok()) << "the server created no trust bundle: " << trust_file_;
    trust_ = *trust;
  }

  std::string Generate(const std::string& token, const std::string& prompt,
                       const json::array& inputs, const std::string& classification) {
    json::object body{{"project", project_},
                      {"prompt", prompt},
                      {"seed", 7},
                      {"parameters", json::object{{"width", 64}, {"height", 48}}},
                      {"inputs", inputs},
                      {"title", "hero banner"},
                      {"classification", classification}};
    Reply job = server_.Post("/v1/jobs", body, token);
    EXPECT_EQ(job.status, 202) << job.raw;
    json::object done = server_.WaitForJob(token, S(job.body["id"]));
    EXPECT_EQ(S(done["status"]), "succeeded") << json::serialize(done);
    return S(done["output"]);
  }

  std::string Edit(const std::string& token, const std::string& source) {
    Reply edit = server_.Post(
        "/v1/assets/" + source + "/edits",
        json::object{{"ops", json::array{json::object{{"op", "resize"}, {"width", 32}}}}}, token);
    EXPECT_EQ(edit.status, 202) << edit.raw;
    json::object done = server_.WaitForJob(token, S(edit.body["id"]));
    EXPECT_EQ(S(done["status"]), "succeeded") << json::serialize(done);
    return S(done["output"]);
  }

  // Submits (as `owner`), approves (rita) and exports (paul); returns the export response.
  json::object Publish(const std::string& owner, const std::string& asset,
                       const std::string& file_name) {
    Reply a = server_.Get("/v1/assets/" + asset, owner);
    EXPECT_EQ(server_.Post("/v1/assets/" + asset + "/submit", json::object{}, owner).status, 200);
    Reply ok = server_.Post("/v1/assets/" + asset + "/approve",
                            json::object{{"sha256", S(a.body["sha256"])}}, rita_);
    EXPECT_EQ(ok.status, 200) << ok.raw;
    Reply grant = server_.Post(
        "/v1/exports/grants",
        json::object{{"asset", asset}, {"destination", "web"}, {"file_name", file_name}}, paul_);
    EXPECT_EQ(grant.status, 201) << grant.raw;
    Reply exp = server_.Post("/v1/exports", json::object{{"grant", S(grant.body["id"])}}, paul_);
    EXPECT_EQ(exp.status, 201) << exp.raw;
    return exp.body;
  }

  Verified VerifyDelivered(const std::string& bytes) {
    Verified v;
    pv::VerifyOptions o;
    o.trust = &trust_;
    o.now = SystemClock().Now();
    auto r = pv::VerifyAsset(Span(bytes), o);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    if (!r.ok()) return v;
    v.report = std::move(*r);
    v.json = v.report.ToJson();
    if (v.report.store) v.active = v.report.store->active();
    return v;
  }

  // The active manifest's JSON (in the verifier's SDK-shaped report).
  static const json::object& ActiveJson(const Verified& v) {
    static const json::object empty;
    const json::value* m = v.json.if_contains("manifests");
    if (!m || !m->is_object()) return empty;
    const json::value* a = m->as_object().if_contains(v.report.active_manifest);
    return a && a->is_object() ? a->as_object() : empty;
  }

  static std::vector<json::object> Actions(const json::object& manifest) {
    std::vector<json::object> out;
    for (const auto& a : manifest.at("assertions").as_array()) {
      std::string label = S(a.as_object().at("label"));
      if (label.rfind("c2pa.actions", 0) != 0) continue;
      for (const auto& act : a.as_object().at("data").as_object().at("actions").as_array())
        out.push_back(act.as_object());
    }
    return out;
  }

  // The ingredient assertions of a manifest, decoded (description included).
  static std::vector<const pv::cbor::Value*> Ingredients(const pv::Manifest& m) {
    std::vector<const pv::cbor::Value*> out;
    for (const pv::Assertion& a : m.assertions)
      if (a.base_label.rfind("c2pa.ingredient", 0) == 0 && a.cbor) out.push_back(&*a.cbor);
    return out;
  }
  static std::string Text(const pv::cbor::Value& map, std::string_view key) {
    const pv::cbor::Value* v = map.Find(key);
    return v && v->is_text() ? std::string(v->text()) : "";
  }

  json::array AuditEntries() {
    Reply log = server_.Get("/v1/audit?limit=1000", admin_);
    EXPECT_EQ(log.status, 200);
    return log.body["entries"].as_array();
  }

  TestServer server_;
  std::string admin_, project_, cara_id_, rex_id_, rita_id_, paul_id_;
  std::string cara_, rex_, rita_, paul_;
  std::filesystem::path trust_file_;
  pv::TrustSettings trust_;
};

TEST_F(ProvenanceTest, GeneratedExportIsSignedWithItsLineageAndTrusted) {
  const std::string prompt = "a lighthouse at dusk, secret client Acme";
  json::object ref =
      server_.Upload(cara_, project_, "reference", TestPng(40, 40, 5), "&title=hero%20sheet");
  std::string ref_id = S(ref["id"]);
  EXPECT_EQ(S(ref["content_credentials"].as_object()["state"]), "none");
  std::string gen = Generate(
      cara_, prompt, json::array{json::object{{"asset", ref_id}, {"role", "reference:character"}}},
      "internal");
  json::object exp = Publish(cara_, gen, "hero-banner.png");
  json::object ex = exp["export_asset"].as_object();
  std::string export_id = S(ex["id"]);
  std::filesystem::path delivered = server_.destination() / "hero-banner.png";
  std::string bytes = ReadAll(delivered);
  ASSERT_FALSE(bytes.empty());

  // The export asset, the publication and the file agree on the signed bytes.
  EXPECT_EQ(S(ex["sha256"]), crypto::Sha256Hex(bytes));
  EXPECT_EQ(S(exp["publication"].as_object()["sha256"]), crypto::Sha256Hex(bytes));
  EXPECT_EQ(S(ex["content_credentials"].as_object()["state"]), "trusted");

  Verified v = VerifyDelivered(bytes);
  ASSERT_TRUE(v.report.has_manifest);
  EXPECT_EQ(v.report.state, pv::ValidationState::kTrusted);
  EXPECT_TRUE(v.report.active.failure.empty()) << json::serialize(v.json).substr(0, 2000);
  EXPECT_EQ(S(ex["content_credentials"].as_object()["active_manifest"]), v.report.active_manifest);
  ASSERT_NE(v.active, nullptr);
  EXPECT_EQ(v.active->instance_id, "urn:custody:asset:" + export_id);
  EXPECT_EQ(v.active->title, "hero-banner.png");

  // c2pa.created by the procedural engine, from the prompt and the reference.
  const json::object& m = ActiveJson(v);
  std::vector<json::object> actions = Actions(m);
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(S(actions[0]["action"]), "c2pa.created");
  EXPECT_EQ(S(actions[0]["digitalSourceType"]),
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
  EXPECT_EQ(S(actions[0]["softwareAgent"].as_object()["name"]), "procedural");
  EXPECT_EQ(S(actions[0]["softwareAgent"].as_object()["org.custody.model"]), "custody-procedural");
  auto ingredients = Ingredients(*v.active);
  ASSERT_EQ(ingredients.size(), 2u);
  std::set<std::string> ids;
  for (const pv::cbor::Value* i : ingredients) {
    EXPECT_EQ(Text(*i, "relationship"), "inputTo");
    ids.insert(Text(*i, "instanceID"));
    if (Text(*i, "dc:title") == "Prompt") {
      EXPECT_EQ(Text(*i, "dc:format"), "text/plain");
      EXPECT_EQ(i->Find("description"), nullptr);  // internal: the text stays in the studio
    } else {
      EXPECT_EQ(Text(*i, "dc:title"), "hero sheet");
      EXPECT_EQ(Text(*i, "dc:format"), "image/png");
    }
  }
  EXPECT_EQ(ids, (std::set<std::string>{"urn:custody:sha256:" + crypto::Sha256Hex(prompt),
                                        "urn:custody:asset:" + ref_id}));
  EXPECT_EQ(bytes.find("lighthouse"), std::string::npos);
  EXPECT_EQ(bytes.find("Acme"), std::string::npos);
  // Internal assets name their author.
  bool author = false;
  for (const auto& a : m.at("assertions").as_array())
    if (S(a.as_object().at("label")) == "stds.schema-org.CreativeWork") {
      author = true;
      EXPECT_EQ(
          S(a.as_object().at("data").as_object().at("author").as_array()[0].as_object().at("name")),
          "cara");
    }
  EXPECT_TRUE(author);

  // The export's audit entry names the manifest, the algorithm and the signer, and the
  // disclosure decisions; never the prompt text.
  bool found = false;
  for (const auto& row : AuditEntries()) {
    const json::object& e = row.as_object().at("entry").as_object();
    EXPECT_EQ(json::serialize(e).find("lighthouse"), std::string::npos);
    if (S(e.at("action")) != "export.delivered") continue;
    found = true;
    const json::object& c = e.at("details").as_object().at("credentials").as_object();
    EXPECT_EQ(S(c.at("manifest")), v.report.active_manifest);
    EXPECT_EQ(S(c.at("alg")), "ES256");
    EXPECT_EQ(S(c.at("signer")), "Custody Content Credentials");
    EXPECT_EQ(S(c.at("state")), "trusted");
    std::set<std::string> decided;
    for (const auto& d : c.at("disclosures").as_array())
      decided.insert(S(d.as_object().at("action")) + "=" +
                     (d.as_object().at("allowed").as_bool() ? "yes" : "no"));
    EXPECT_EQ(decided, (std::set<std::string>{"include-prompt-in-credentials=no",
                                              "include-author-in-credentials=yes"}));
  }
  EXPECT_TRUE(found);

  EXPECT_SDK_TRUSTED(delivered, trust_file_);
}

TEST_F(ProvenanceTest, PublicPromptTextIsDisclosedAndConfidentialAuthorIsNot) {
  const std::string prompt = "a public poster of a lighthouse";
  std::string gen = Generate(cara_, prompt, json::array{}, "public");
  Publish(cara_, gen, "poster.png");
  std::string bytes = ReadAll(server_.destination() / "poster.png");
  Verified v = VerifyDelivered(bytes);
  ASSERT_NE(v.active, nullptr);
  EXPECT_EQ(v.report.state, pv::ValidationState::kTrusted);
  auto ingredients = Ingredients(*v.active);
  ASSERT_EQ(ingredients.size(), 1u);
  EXPECT_EQ(Text(*ingredients[0], "description"), prompt);
  EXPECT_EQ(Text(*ingredients[0], "instanceID"), "urn:custody:sha256:" + crypto::Sha256Hex(prompt));

  std::string secret = Generate(cara_, "the confidential launch", json::array{}, "confidential");
  Publish(cara_, secret, "launch.png");
  Verified c = VerifyDelivered(ReadAll(server_.destination() / "launch.png"));
  ASSERT_NE(c.active, nullptr);
  EXPECT_EQ(c.active->FindAssertion("stds.schema-org.CreativeWork"), nullptr);
  EXPECT_EQ(Text(*Ingredients(*c.active)[0], "description"), "");
  EXPECT_SDK_TRUSTED(server_.destination() / "poster.png", trust_file_);
}

TEST_F(ProvenanceTest, AnEditOfAGeneratedAssetCarriesTheGenerationsManifest) {
  std::string gen = Generate(cara_, "a red boat", json::array{}, "internal");
  std::string edit = Edit(rex_, gen);
  json::object exp = Publish(rex_, edit, "boat-small.png");
  std::filesystem::path delivered = server_.destination() / "boat-small.png";
  Verified v = VerifyDelivered(ReadAll(delivered));
  ASSERT_NE(v.active, nullptr);
  EXPECT_EQ(v.report.state, pv::ValidationState::kTrusted)
      << json::serialize(v.json).substr(0, 3000);
  std::vector<json::object> actions = Actions(ActiveJson(v));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(S(actions[0]["action"]), "c2pa.opened");
  EXPECT_EQ(S(actions[1]["action"]), "c2pa.edited");
  EXPECT_FALSE(actions[1].contains("digitalSourceType"));  // vips-edit is not generative
  EXPECT_EQ(S(actions[1]["softwareAgent"].as_object()["name"]), "vips-edit");

  // The parent is the generation, signed with its own manifest, nested before ours.
  auto ingredients = Ingredients(*v.active);
  ASSERT_EQ(ingredients.size(), 1u);
  EXPECT_EQ(Text(*ingredients[0], "relationship"), "parentOf");
  EXPECT_EQ(Text(*ingredients[0], "instanceID"), "urn:custody:asset:" + gen);
  EXPECT_EQ(Text(*ingredients[0], "dc:title"), "hero banner");
  ASSERT_TRUE(v.report.store.has_value());
  ASSERT_EQ(v.report.store->manifests.size(), 2u);
  const pv::Manifest& nested = v.report.store->manifests[0];
  EXPECT_EQ(nested.instance_id, "urn:custody:asset:" + gen);
  const json::object& nested_json = v.json["manifests"].as_object()[nested.label].as_object();
  std::vector<json::object> nested_actions = Actions(nested_json);
  ASSERT_EQ(nested_actions.size(), 1u);
  EXPECT_EQ(S(nested_actions[0]["action"]), "c2pa.created");
  auto nested_ingredients = Ingredients(nested);
  ASSERT_EQ(nested_ingredients.size(), 1u);
  EXPECT_EQ(Text(*nested_ingredients[0], "instanceID"),
            "urn:custody:sha256:" + crypto::Sha256Hex(std::string("a red boat")));
  const json::array& listed = ActiveJson(v).at("ingredients").as_array();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(S(listed[0].as_object().at("active_manifest")), nested.label);

  EXPECT_SDK_TRUSTED(delivered, trust_file_);
}

TEST_F(ProvenanceTest, AGeneratedReferenceTravelsAsANestedInputManifest) {
  std::string first = Generate(cara_, "a style board", json::array{}, "internal");
  std::string second = Generate(
      cara_, "a poster in that style",
      json::array{json::object{{"asset", first}, {"role", "reference:style"}}}, "internal");
  Publish(cara_, second, "styled.png");
  std::filesystem::path delivered = server_.destination() / "styled.png";
  Verified v = VerifyDelivered(ReadAll(delivered));
  ASSERT_NE(v.active, nullptr);
  EXPECT_EQ(v.report.state, pv::ValidationState::kTrusted)
      << json::serialize(v.json).substr(0, 3000);
  ASSERT_TRUE(v.report.store.has_value());
  ASSERT_EQ(v.report.store->manifests.size(), 2u);
  EXPECT_EQ(v.report.store->manifests[0].instance_id, "urn:custody:asset:" + first);
  bool nested = false;
  for (const auto& i : ActiveJson(v).at("ingredients").as_array()) {
    if (S(i.as_object().at("instance_id")) != "urn:custody:asset:" + first) continue;
    nested = true;
    EXPECT_EQ(S(i.as_object().at("relationship")), "inputTo");
    EXPECT_EQ(S(i.as_object().at("active_manifest")), v.report.store->manifests[0].label);
  }
  EXPECT_TRUE(nested);
  EXPECT_SDK_TRUSTED(delivered, trust_file_);
}

TEST_F(ProvenanceTest, UploadsAreVerifiedOnIngestAndPoliciesSeeTheResult) {
  C2PA_FIXTURE(ca, "CA.jpg");
  C2PA_FIXTURE(xca, "XCA.jpg");
  C2PA_FIXTURE(plain, "no_manifest.jpg");
  json::object valid = server_.Upload(cara_, project_, "reference", ca, "&title=CA");
  json::object invalid = server_.Upload(cara_, project_, "reference", xca, "&title=XCA");
  json::object none = server_.Upload(cara_, project_, "upload", plain);
  json::object text = server_.Upload(cara_, project_, "prompt", "just words");

  const json::object& vc = valid["content_credentials"].as_object();
  EXPECT_EQ(S(vc.at("state")), "valid");  // the fixtures' root is not the studio's
  EXPECT_FALSE(S(vc.at("active_manifest")).empty());
  std::set<std::string> vf;
  for (const auto& f : vc.at("failures").as_array()) vf.insert(S(f));
  EXPECT_EQ(vf, std::set<std::string>{"signingCredential.untrusted"});
  const json::object& ic = invalid["content_credentials"].as_object();
  EXPECT_EQ(S(ic.at("state")), "invalid");
  bool mismatch = false;
  for (const auto& f : ic.at("failures").as_array())
    mismatch |= S(f) == "assertion.dataHash.mismatch";
  EXPECT_TRUE(mismatch) << json::serialize(ic);
  EXPECT_EQ(S(none["content_credentials"].as_object()["state"]), "none");
  EXPECT_TRUE(none["content_credentials"].as_object()["active_manifest"].is_null());
  EXPECT_EQ(S(text["content_credentials"].as_object()["state"]), "none");
  // Reads show the same.
  Reply again = server_.Get("/v1/assets/" + S(invalid["id"]), cara_);
  EXPECT_EQ(S(again.body["content_credentials"].as_object()["state"]), "invalid");

  // The upload's audit entry records the verification.
  bool audited = false;
  for (const auto& row : AuditEntries()) {
    const json::object& e = row.as_object().at("entry").as_object();
    if (S(e.at("action")) == "asset.upload" && S(e.at("resource")) == S(invalid["id"])) {
      audited = true;
      EXPECT_EQ(S(e.at("details").as_object().at("credentials").as_object().at("state")),
                "invalid");
    }
  }
  EXPECT_TRUE(audited);

  // A policy can act on it: no generating from, or submitting, assets with invalid credentials.
  Reply current = server_.Get("/v1/policies", admin_);
  ASSERT_EQ(current.status, 200);
  json::object files = current.body["files"].as_object();
  files["90-credentials.cedar"] =
      "@id(\"forbid-generate-from-invalid-credentials\")\n"
      "@reason(\"references with invalid Content Credentials are not used\")\n"
      "forbid (principal, action == Custody::Action::\"generate\", resource)\n"
      "when { context has inputs_with_invalid_credentials && "
      "context.inputs_with_invalid_credentials > 0 };\n"
      "@id(\"forbid-submit-invalid-credentials\")\n"
      "@reason(\"assets with invalid Content Credentials are not reviewed\")\n"
      "forbid (principal, action == Custody::Action::\"submit\", resource is Custody::Asset)\n"
      "when { resource.credentials == \"invalid\" };\n";
  Reply put =
      server_.Request("PUT", "/v1/policies", json::serialize(json::object{{"files", files}}),
                      "application/json", admin_);
  ASSERT_EQ(put.status, 200) << put.raw;

  Reply job =
      server_.Post("/v1/jobs",
                   json::object{{"project", project_},
                                {"prompt", "from the damaged scan"},
                                {"inputs", json::array{json::object{{"asset", S(invalid["id"])},
                                                                    {"role", "reference:style"}}}}},
                   cara_);
  EXPECT_EQ(job.status, 403) << job.raw;
  EXPECT_EQ(S(job.body["decision"].as_object()["determining"].as_array()[0]),
            "forbid-generate-from-invalid-credentials");
  Reply fine =
      server_.Post("/v1/jobs",
                   json::object{{"project", project_},
                                {"prompt", "from the signed photo"},
                                {"inputs", json::array{json::object{{"asset", S(valid["id"])},
                                                                    {"role", "reference:style"}}}}},
                   cara_);
  EXPECT_EQ(fine.status, 202) << fine.raw;

  auto ask = [&](const json::object& asset) {
    Reply r = server_.Post(
        "/v1/authorize",
        json::object{
            {"principal", cara_id_}, {"action", "submit"}, {"resource", S(asset.at("id"))}},
        admin_);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  };
  json::object denied = ask(invalid);
  EXPECT_EQ(S(denied["decision"]), "deny");
  EXPECT_EQ(S(denied["determining"].as_array()[0]), "forbid-submit-invalid-credentials");
  EXPECT_EQ(S(ask(valid)["decision"]), "allow");
}

TEST_F(ProvenanceTest, AnUploadedSignedPhotoExportsWithItsManifestNested) {
  C2PA_FIXTURE(ca, "CA.jpg");
  json::object up = server_.Upload(cara_, project_, "upload", ca, "&title=CA.jpg");
  Publish(cara_, S(up["id"]), "ca-export.jpg");
  std::filesystem::path delivered = server_.destination() / "ca-export.jpg";
  std::string bytes = ReadAll(delivered);
  Verified v = VerifyDelivered(bytes);
  ASSERT_NE(v.active, nullptr);
  std::vector<json::object> actions = Actions(ActiveJson(v));
  ASSERT_EQ(actions.size(), 2u);
  EXPECT_EQ(S(actions[0]["action"]), "c2pa.opened");
  EXPECT_EQ(S(actions[1]["action"]), "c2pa.edited.metadata");
  auto ingredients = Ingredients(*v.active);
  ASSERT_EQ(ingredients.size(), 1u);
  EXPECT_EQ(Text(*ingredients[0], "relationship"), "parentOf");
  EXPECT_EQ(Text(*ingredients[0], "instanceID"), "urn:custody:asset:" + S(up["id"]));
  // CA.jpg's own manifest travels with it, before ours.
  ASSERT_TRUE(v.report.store.has_value());
  EXPECT_GE(v.report.store->manifests.size(), 2u);
  std::optional<pv::VerifyReport> original;
  {
    pv::VerifyOptions o;
    o.now = SystemClock().Now();
    auto r = pv::VerifyAsset(Span(ca), o);
    ASSERT_TRUE(r.ok());
    original = std::move(*r);
  }
  EXPECT_NE(v.report.store->Find(original->active_manifest), nullptr);
  // The fixtures' root is not the studio's: their manifest is only Valid for us, ours Trusted.
  std::filesystem::path both = server_.data_dir() / "both-roots.pem";
  {
    std::ofstream out(both);
    out << ReadAll(trust_file_)
        << ReadAll(FixturesDir() / "c2pa" / "trust" / "test_cert_root_bundle.pem");
  }
  EXPECT_SDK_TRUSTED(delivered, both);
}

TEST_F(ProvenanceTest, VerifyRouteAnswersForAnyFile) {
  C2PA_FIXTURE(ca, "CA.jpg");
  C2PA_FIXTURE(xca, "XCA.jpg");
  C2PA_FIXTURE(plain, "no_manifest.jpg");
  auto verify = [&](const std::string& bytes, const std::string& token) {
    return server_.PostRaw("/v1/verify", bytes, "application/octet-stream", token);
  };
  Reply v = verify(ca, cara_);
  ASSERT_EQ(v.status, 200) << v.raw;
  EXPECT_EQ(S(v.body["state"]), "valid");
  EXPECT_EQ(S(v.body["validation_state"]), "Valid");
  EXPECT_FALSE(S(v.body["active_manifest"]).empty());
  EXPECT_TRUE(v.body["manifests"].as_object().contains(S(v.body["active_manifest"])));
  EXPECT_EQ(S(v.body["sha256"]), crypto::Sha256Hex(ca));
  Reply x = verify(xca, rita_);  // any role may verify
  ASSERT_EQ(x.status, 200) << x.raw;
  EXPECT_EQ(S(x.body["state"]), "invalid");
  bool mismatch = false;
  for (const auto& f :
       x.body["validation_results"].as_object()["activeManifest"].as_object()["failure"].as_array())
    mismatch |= S(f.as_object().at("code")) == "assertion.dataHash.mismatch";
  EXPECT_TRUE(mismatch);
  Reply n = verify(plain, paul_);
  ASSERT_EQ(n.status, 200) << n.raw;
  EXPECT_EQ(S(n.body["state"]), "none");
  EXPECT_TRUE(n.body["validation_state"].is_null());
  EXPECT_EQ(verify("plain words", cara_).status, 415);
  EXPECT_EQ(verify(ca, "").status, 401);
  server_.CreateHuman(admin_, "stranger");
  std::string stranger = server_.Login("stranger", TestServer::kUserPassword);
  Reply denied = verify(ca, stranger);
  EXPECT_EQ(denied.status, 403) << denied.raw;

  // Our own exports verify as trusted by the studio.
  std::string gen = Generate(cara_, "a verified thing", json::array{}, "internal");
  Publish(cara_, gen, "verified.png");
  Reply ours = verify(ReadAll(server_.destination() / "verified.png"), paul_);
  ASSERT_EQ(ours.status, 200) << ours.raw;
  EXPECT_EQ(S(ours.body["state"]), "trusted");
  EXPECT_TRUE(ours.body["failures"].as_array().empty());
}

TEST_F(ProvenanceTest, CustodyVerifyCommandReportsAndExitsByState) {
  C2PA_FIXTURE(xca_bytes, "XCA.jpg");
  std::filesystem::path fx = FixturesDir() / "c2pa";
  std::string gen = Generate(cara_, "a command-line check", json::array{}, "internal");
  Publish(cara_, gen, "cli.png");
  std::string exported = (server_.destination() / "cli.png").string();

  CliRun trusted = Custody({"verify", exported, "--trust", trust_file_.string()});
  EXPECT_EQ(trusted.exit_code, 0) << trusted.out;
  EXPECT_NE(trusted.out.find("state:           Trusted"), std::string::npos) << trusted.out;
  EXPECT_NE(trusted.out.find("c2pa.created"), std::string::npos) << trusted.out;
  EXPECT_NE(trusted.out.find("Custody Content Credentials"), std::string::npos) << trusted.out;
  EXPECT_NE(trusted.out.find("claimSignature.validated"), std::string::npos) << trusted.out;
  EXPECT_NE(trusted.out.find("urn:custody:sha256:"), std::string::npos) << trusted.out;

  CliRun untrusted = Custody({"verify", exported});
  EXPECT_EQ(untrusted.exit_code, 0) << untrusted.out;
  EXPECT_NE(untrusted.out.find("state:           Valid"), std::string::npos) << untrusted.out;

  CliRun as_json = Custody({"verify", "--json", exported, "--trust", trust_file_.string()});
  EXPECT_EQ(as_json.exit_code, 0);
  auto parsed = ParseJsonObject(as_json.out);
  ASSERT_TRUE(parsed.ok()) << as_json.out;
  EXPECT_EQ(S((*parsed)["state"]), "trusted");
  EXPECT_EQ(S((*parsed)["validation_state"]), "Trusted");

  EXPECT_EQ(Custody({"verify", (fx / "XCA.jpg").string()}).exit_code, 1);
  CliRun none = Custody({"verify", (fx / "no_manifest.jpg").string()});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.out.find("no C2PA manifest"), std::string::npos);
  EXPECT_EQ(Custody({"verify", (fx / "CA.jpg").string(), "--trust",
                     (fx / "trust" / "test_cert_root_bundle.pem").string()})
                .exit_code,
            0);
  EXPECT_EQ(Custody({"verify", (server_.data_dir() / "no-such-file.jpg").string()}).exit_code, 5);
  EXPECT_EQ(Custody({"verify", trust_file_.string()}).exit_code, 5);  // PEM: not a media file
}

// ---- RFC 3161 time-stamps through c2pa.tsa_url ------------------------------------------------

// A time-stamp authority on 127.0.0.1, as a real one works: an HTTP endpoint taking
// application/timestamp-query and answering application/timestamp-reply, signing with OpenSSL's
// TS_RESP_CTX (a CA and a TSA certificate made here, EKU timeStamping critical), at the real time.
class LocalTsa {
 public:
  LocalTsa() {
    ca_key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    tsa_key_ = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    ca_ = MakeCert("Local TSA Root", ca_key_, nullptr, nullptr, 1,
                   {{NID_basic_constraints, "critical,CA:TRUE"},
                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                    {NID_subject_key_identifier, "hash"}});
    tsa_ = MakeCert("Local TSA", tsa_key_, ca_, ca_key_, 2,
                    {{NID_basic_constraints, "critical,CA:FALSE"},
                     {NID_key_usage, "critical,digitalSignature"},
                     {NID_ext_key_usage, "critical,timeStamping"},
                     {NID_subject_key_identifier, "hash"},
                     {NID_authority_key_identifier, "keyid:always"}});
    EXPECT_TRUE(router_
                    .Add("POST", "/tsa", "tsa", "public",
                         [this](http::Request& req, http::ResponseWriter& w) { Serve(req, w); })
                    .ok());
    server_ = std::make_unique<http::HttpServer>(http::ServerOptions{}, router_);
    auto port = server_->Start();
    EXPECT_TRUE(port.ok());
    port_ = port.ok() ? *port : 0;
  }
  ~LocalTsa() {
    server_->Stop(std::chrono::milliseconds(500));
    X509_free(tsa_);
    X509_free(ca_);
    EVP_PKEY_free(tsa_key_);
    EVP_PKEY_free(ca_key_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/tsa"; }
  std::string root_pem() const {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, ca_);
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    std::string out(data, size_t(len));
    BIO_free(bio);
    return out;
  }
  int requests() const { return requests_; }
  std::string last_content_type() const {
    std::lock_guard lock(mu_);
    return content_type_;
  }
  void set_down(bool down) { down_ = down; }

 private:
  static X509* MakeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                        long serial, const std::vector<std::pair<int, const char*>>& extensions) {
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600L * 24 * 365);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("Custody Tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    X509_set_pubkey(cert, key);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
    for (const auto& [nid, value] : extensions) {
      X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
      EXPECT_NE(ext, nullptr) << OBJ_nid2sn(nid);
      if (ext == nullptr) continue;
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    EXPECT_GT(X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()), 0);
    return cert;
  }

  void Serve(http::Request& req, http::ResponseWriter& w) {
    ++requests_;
    {
      std::lock_guard lock(mu_);
      content_type_ = req.header("content-type").value_or("");
    }
    if (down_) {
      (void)w.Send(http::Response::Text(503, "down for maintenance"));
      return;
    }
    auto body = req.ReadBody(1 << 16);
    if (!body.ok()) {
      (void)w.Send(http::Response::Text(400, "bad request"));
      return;
    }
    TS_RESP_CTX* ctx = TS_RESP_CTX_new();
    TS_RESP_CTX_set_signer_cert(ctx, tsa_);
    TS_RESP_CTX_set_signer_key(ctx, tsa_key_);
    TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256());
    TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256());
    ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
    TS_RESP_CTX_set_def_policy(ctx, policy);
    ASN1_OBJECT_free(policy);
    STACK_OF(X509)* extra = sk_X509_new_null();
    sk_X509_push(extra, ca_);
    TS_RESP_CTX_set_certs(ctx, extra);
    sk_X509_free(extra);
    TS_RESP_CTX_add_md(ctx, EVP_sha256());
    BIO* in = BIO_new_mem_buf(body->data(), int(body->size()));
    TS_RESP* resp = TS_RESP_create_response(ctx, in);
    BIO_free(in);
    std::string der;
    if (resp) {
      int len = i2d_TS_RESP(resp, nullptr);
      der.resize(size_t(len));
      unsigned char* p = reinterpret_cast<unsigned char*>(der.data());
      i2d_TS_RESP(resp, &p);
      TS_RESP_free(resp);
    }
    TS_RESP_CTX_free(ctx);
    (void)w.Send(http::Response{200, {{"Content-Type", "application/timestamp-reply"}}, der});
  }

  EVP_PKEY* ca_key_ = nullptr;
  EVP_PKEY* tsa_key_ = nullptr;
  X509* ca_ = nullptr;
  X509* tsa_ = nullptr;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  uint16_t port_ = 0;
  std::atomic<int> requests_{0};
  std::atomic<bool> down_{false};
  mutable std::mutex mu_;
  std::string content_type_;
};

TEST(TimeStampAuthorityTest, ExportsAreTimeStampedByTheConfiguredAuthority) {
  LocalTsa tsa;
  std::filesystem::path anchors = std::filesystem::temp_directory_path() /
                                  ("custody-tsa-root-" + std::to_string(::getpid()) + ".pem");
  {
    std::ofstream out(anchors);
    out << tsa.root_pem();
  }
  app::Config config;
  config.c2pa_tsa_url = tsa.url();
  config.c2pa_trust_bundle = anchors;  // the studio also trusts the TSA's root
  TestServer server(nullptr, config);
  std::string admin = server.Login("admin", TestServer::kAdminPassword);
  std::string project = server.CreateProject(admin, "stamped");
  std::string cara = server.CreateHuman(admin, "cara");
  std::string rita = server.CreateHuman(admin, "rita");
  server.AddMember(admin, project, cara, "creator");
  server.AddMember(admin, project, rita, "reviewer");
  server.AddMember(admin, project, cara, "publisher");
  std::string cara_token = server.Login("cara", TestServer::kUserPassword);
  std::string rita_token = server.Login("rita", TestServer::kUserPassword);
  json::object up = server.Upload(cara_token, project, "upload", TestPng(24, 24, 2));
  std::string id = S(up["id"]);
  ASSERT_EQ(server.Post("/v1/assets/" + id + "/submit", json::object{}, cara_token).status, 200);
  ASSERT_EQ(server
                .Post("/v1/assets/" + id + "/approve", json::object{{"sha256", S(up["sha256"])}},
                      rita_token)
                .status,
            200);
  auto grant = [&](const std::string& name) {
    Reply g = server.Post("/v1/exports/grants",
                          json::object{{"asset", id}, {"destination", "web"}, {"file_name", name}},
                          cara_token);
    EXPECT_EQ(g.status, 201) << g.raw;
    return S(g.body["id"]);
  };

  // The authority is down: nothing is delivered, and the failure is audited.
  tsa.set_down(true);
  Reply refused = server.Post("/v1/exports", json::object{{"grant", grant("a.png")}}, cara_token);
  EXPECT_EQ(refused.status, 503) << refused.raw;
  EXPECT_NE(S(refused.body["detail"]).find("time-stamp authority"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(server.destination() / "a.png"));
  EXPECT_EQ(tsa.last_content_type(), "application/timestamp-query");

  tsa.set_down(false);
  int before = tsa.requests();
  Reply exp = server.Post("/v1/exports", json::object{{"grant", grant("b.png")}}, cara_token);
  ASSERT_EQ(exp.status, 201) << exp.raw;
  EXPECT_EQ(tsa.requests(), before + 1);  // one time-stamp: the exported manifest's
  std::filesystem::path delivered = server.destination() / "b.png";
  auto trust =
      pv::TrustSettingsFromPem(ReadAll(server.data_dir() / "pki" / "trust.pem") + tsa.root_pem());
  ASSERT_TRUE(trust.ok());
  pv::VerifyOptions o;
  o.trust = &*trust;
  o.now = SystemClock().Now();
  auto report = pv::VerifyAsset(Span(ReadAll(delivered)), o);
  ASSERT_TRUE(report.ok()) << report.error().ToString();
  EXPECT_EQ(report->state, pv::ValidationState::kTrusted)
      << json::serialize(report->ToJson()).substr(0, 3000);
  EXPECT_TRUE(report->active.HasSuccess("timeStamp.validated"));
  EXPECT_TRUE(report->active.HasSuccess("timeStamp.trusted"));
  ASSERT_TRUE(report->signature && report->signature->time);
  EXPECT_LT(std::chrono::abs(*report->signature->time - SystemClock().Now()),
            std::chrono::minutes(5));
  EXPECT_EQ(S(exp.body["export_asset"].as_object()["content_credentials"].as_object()["state"]),
            "trusted");

  std::filesystem::path both = server.data_dir() / "studio-and-tsa.pem";
  {
    std::ofstream out(both);
    out << ReadAll(server.data_dir() / "pki" / "trust.pem") << tsa.root_pem();
  }
  auto sdk = SdkValidate(delivered, both);
  if (sdk) {
    EXPECT_EQ(S((*sdk)["state"]), "Trusted") << json::serialize(*sdk).substr(0, 3000);
    bool stamped = false;
    for (const auto& c : (*sdk)["success"].as_array()) stamped |= S(c) == "timeStamp.validated";
    EXPECT_TRUE(stamped) << json::serialize((*sdk)["success"]);
  } else if (RequireFixtures()) {
    ADD_FAILURE() << "the C2PA SDK (node + c2pa-wasm) is missing";
  }
  std::filesystem::remove(anchors);
}

// ---- custody pki, and the server's first start -------------------------------------------------

class PkiCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("custody-pki-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    data_ = (dir_ / "data").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string data_;
};

TEST_F(PkiCommandTest, InitShowTrustAndForce) {
  EXPECT_EQ(Custody({"pki", "show", "--data", data_}).exit_code, 1);  // no data directory yet
  CliRun init = Custody(
      {"pki", "init", "--data", data_, "--algorithm", "ed25519", "--organization", "Acme Studio"});
  ASSERT_EQ(init.exit_code, 0) << init.out;
  EXPECT_NE(init.out.find("O=Acme Studio"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("Ed25519"), std::string::npos) << init.out;
  EXPECT_NE(init.out.find("meets the C2PA signing-certificate profile"), std::string::npos);

  CliRun show = Custody({"pki", "show", "--data", data_, "--json"});
  ASSERT_EQ(show.exit_code, 0);
  auto d = ParseJsonObject(show.out);
  ASSERT_TRUE(d.ok()) << show.out;
  EXPECT_EQ(S((*d)["subject"].as_object()["organization"]), "Acme Studio");
  EXPECT_EQ(S((*d)["algorithm"]), "Ed25519");
  EXPECT_TRUE((*d)["profile"].as_object()["ok"].as_bool());
  EXPECT_TRUE((*d)["key_ok"].as_bool());
  EXPECT_TRUE((*d)["chains_to_trust_bundle"].as_bool());
  EXPECT_EQ(S((*d)["sha256_fingerprint"]).size(), 64u);

  std::filesystem::path trust = dir_ / "trust.pem";
  ASSERT_EQ(Custody({"pki", "trust", "--data", data_, "-o", trust.string()}).exit_code, 0);
  EXPECT_EQ(ReadAll(trust), ReadAll(std::filesystem::path(data_) / "pki" / "trust.pem"));
  auto anchors = pv::ParsePemCertificates(ReadAll(trust));
  ASSERT_TRUE(anchors.ok());
  EXPECT_EQ(anchors->size(), 1u);
  CliRun printed = Custody({"pki", "trust", "--data", data_});
  EXPECT_EQ(printed.out, ReadAll(trust));

  // An existing identity is replaced only with --force.
  EXPECT_EQ(Custody({"pki", "init", "--data", data_}).exit_code, 1);
  ASSERT_EQ(Custody({"pki", "init", "--data", data_, "--force"}).exit_code, 0);
  EXPECT_NE(ReadAll(std::filesystem::path(data_) / "pki" / "trust.pem"), ReadAll(trust));
  EXPECT_EQ(Custody({"pki", "init", "--data", data_, "--algorithm", "rsa"}).exit_code, 2);
}

TEST_F(PkiCommandTest, ImportChecksTheProfile) {
  std::filesystem::path own = FixturesDir() / "c2pa" / "certs-own";
  if (FixturesDir().empty() || !std::filesystem::exists(own / "leaf_c2pa_email.chain.pem")) {
    if (RequireFixtures()) FAIL() << "fixture missing: certs-own";
    GTEST_SKIP() << "fixtures missing";
  }
  CliRun expired =
      Custody({"pki", "import", "--data", data_, "--chain", (own / "expired.chain.pem").string(),
               "--key", (own / "expired.key").string(), "--trust", (own / "ca.pem").string()});
  EXPECT_EQ(expired.exit_code, 2) << expired.out;
  CliRun ok = Custody({"pki", "import", "--data", data_, "--chain",
                       (own / "leaf_c2pa_email.chain.pem").string(), "--key",
                       (own / "leaf_c2pa_email.key").string(), "--trust", (own / "ca.pem").string(),
                       "--json"});
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  auto d = ParseJsonObject(ok.out);
  ASSERT_TRUE(d.ok()) << ok.out;
  EXPECT_TRUE((*d)["key_ok"].as_bool());
  EXPECT_TRUE((*d)["chains_to_trust_bundle"].as_bool());
  EXPECT_EQ(ReadAll(std::filesystem::path(data_) / "pki" / "trust.pem"), ReadAll(own / "ca.pem"));
}

TEST_F(PkiCommandTest, TheServerCreatesAnIdentityOnceOnAFreshDataDirectory) {
  app::Config config;
  config.data_dir = data_;
  config.listen_host = "127.0.0.1";
  config.listen_port = 0;
  config.fast_password_hashing = true;
  config.workers = 0;
  ::setenv("CUSTODY_ADMIN_PASSWORD", TestServer::kAdminPassword, 1);
  SystemClock clock;
  SystemRandom random;
  std::ostringstream first;
  {
    auto s = app::Server::Create(config, first, clock, random);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  EXPECT_NE(first.str().find("Content Credentials: created the studio's signing certificate"),
            std::string::npos)
      << first.str();
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_) / "pki" / "trust.pem"));
  for (const char* f : {"signer.key.wrapped", "root.key.wrapped"}) {
    auto perms = std::filesystem::status(std::filesystem::path(data_) / "pki" / f).permissions();
    EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
              std::filesystem::perms::none)
        << f;
  }
  std::ostringstream second;
  {
    auto s = app::Server::Create(config, second, clock, random);
    ASSERT_TRUE(s.ok()) << s.error().ToString();
  }
  EXPECT_EQ(second.str().find("Content Credentials"), std::string::npos) << second.str();
  // A configured extra trust bundle must be readable PEM.
  config.c2pa_trust_bundle = dir_ / "missing.pem";
  std::ostringstream third;
  EXPECT_FALSE(app::Server::Create(config, third, clock, random).ok());
}

}  // namespace
}  // namespace custody::testing
