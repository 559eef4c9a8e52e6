// The manifest an export is signed with, built from the asset's lineage (BuildManifestSpec), and
// the verification summaries kept with assets (VerifyFile). The signing round trips use a real
// studio PKI (PkiInit) and the real builder and verifier.
#include "workflow/credentials.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "crypto/master_key.h"
#include "provenance/c2pa/container.h"
#include "provenance/pki.h"

namespace custody::workflow {
namespace {

namespace pv = provenance;

std::filesystem::path FixturesDir() {
  if (const char* env = std::getenv("CUSTODY_FIXTURES"); env && *env) return env;
  if (const char* src = std::getenv("CUSTODY_SOURCE_DIR"); src && *src)
    return std::filesystem::path(src) / ".." / "shared" / "fixtures";
  return std::filesystem::path(CUSTODY_TEST_SOURCE_DIR) / ".." / "shared" / "fixtures";
}

std::optional<Bytes> ReadFixture(const std::string& rel) {
  std::ifstream in(FixturesDir() / "c2pa" / rel, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return Bytes(text.begin(), text.end());
}

#define FIXTURE(var, rel)                                                         \
  Bytes var;                                                                      \
  do {                                                                            \
    auto f = ReadFixture(rel);                                                    \
    if (!f) {                                                                     \
      const char* req = std::getenv("CUSTODY_REQUIRE_FIXTURES");                  \
      if (req && std::string(req) == "1") FAIL() << "fixture missing: " << (rel); \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << (rel);        \
    }                                                                             \
    var = std::move(*f);                                                          \
  } while (0)

class ManifestSpecTest : public ::testing::Test {
 protected:
  ManifestSpecTest() {
    now_ = FromUnixMicros(1'800'000'000'000'000);
    prompt_ = Asset("ast_prompt0000000000000000000", AssetKind::kPrompt, "prompt for hero",
                    "text/plain; charset=utf-8");
    prompt_.sha256 = std::string(64, 'a');
    reference_ =
        Asset("ast_refer00000000000000000000", AssetKind::kReference, "hero sheet", "image/png");
    generation_ =
        Asset("ast_gener00000000000000000000", AssetKind::kGeneration, "hero banner", "image/png");
    generation_.created_at = now_ - std::chrono::hours(2);
    generate_.id = JobId("job_gener00000000000000000000");
    generate_.kind = JobKind::kGenerate;
    generate_.engine = "procedural";
    generate_.model = "custody-procedural";
    generate_.model_version = "3";
    generate_.inputs = {{reference_.id, "reference:character"}, {prompt_.id, "prompt"}};
    generation_.generated_by = generate_.id;
    edit_ = Asset("ast_edit000000000000000000000", AssetKind::kEdit, "hero banner", "image/png");
    edit_.created_at = now_ - std::chrono::hours(1);
    edit_job_.id = JobId("job_edit000000000000000000000");
    edit_job_.kind = JobKind::kEdit;
    edit_job_.engine = "vips-edit";
    edit_job_.model = "libvips";
    edit_job_.model_version = "8.14.1";
    edit_job_.inputs = {{generation_.id, "source"}};
    edit_.generated_by = edit_job_.id;
  }

  static AssetRecord Asset(const std::string& id, AssetKind kind, const std::string& title,
                           const std::string& media_type) {
    AssetRecord a;
    a.id = AssetId(id);
    a.kind = kind;
    a.title = title;
    a.media_type = media_type;
    a.sha256 = std::string(64, 'b');
    return a;
  }

  static ManifestInput Input(const AssetRecord& a, const std::string& role,
                             std::optional<Bytes> file = std::nullopt) {
    ManifestInput in;
    in.input = JobInput{a.id, role};
    in.asset = a;
    in.file = std::move(file);
    return in;
  }

  ManifestFacts GenerationFacts(const Bytes& reference_file) {
    ManifestFacts f;
    f.asset = generation_;
    f.instance_id = AssetInstanceId(AssetId("ast_export0000000000000000000"));
    f.title = "hero-banner.png";
    f.job = generate_;
    f.inputs = {Input(reference_, "reference:character", reference_file), Input(prompt_, "prompt")};
    f.now = now_;
    f.claim_generator_version = "0.1.0";
    return f;
  }

  TimePoint now_;
  AssetRecord prompt_, reference_, generation_, edit_;
  JobRecord generate_, edit_job_;
};

// Only the magic bytes matter to the builder's format check.
const Bytes kPngMagic = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

TEST_F(ManifestSpecTest, GenerationIsCreatedByTheEngineFromThePromptAndReferences) {
  auto spec = BuildManifestSpec(GenerationFacts(kPngMagic));
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  EXPECT_EQ(spec->instance_id, "urn:custody:asset:ast_export0000000000000000000");
  EXPECT_EQ(spec->title, "hero-banner.png");
  EXPECT_EQ(spec->claim_generator.name, "Custody");
  EXPECT_EQ(spec->claim_generator.version, "0.1.0");
  ASSERT_EQ(spec->actions.size(), 1u);
  const pv::ActionSpec& created = spec->actions[0];
  EXPECT_EQ(created.action, "c2pa.created");
  EXPECT_EQ(created.digital_source_type, std::string(pv::kSourceTrainedAlgorithmicMedia));
  ASSERT_TRUE(created.software_agent.has_value());
  EXPECT_EQ(created.software_agent->name, "procedural");
  EXPECT_EQ(created.software_agent->version, "3");
  EXPECT_EQ(created.software_agent->extra.at("org.custody.model").as_string(),
            "custody-procedural");
  EXPECT_EQ(created.when, generation_.created_at);
  EXPECT_EQ(created.ingredients, (std::vector<size_t>{0, 1}));

  ASSERT_EQ(spec->ingredients.size(), 2u);
  const pv::IngredientSpec& ref = spec->ingredients[0];
  EXPECT_EQ(ref.relationship, pv::Relationship::kInputTo);
  EXPECT_EQ(ref.title, "hero sheet");
  EXPECT_EQ(ref.format, "image/png");
  EXPECT_EQ(ref.instance_id, "urn:custody:asset:ast_refer00000000000000000000");
  EXPECT_EQ(ref.file, kPngMagic);
  const pv::IngredientSpec& prompt = spec->ingredients[1];
  EXPECT_EQ(prompt.relationship, pv::Relationship::kInputTo);
  EXPECT_EQ(prompt.title, "Prompt");
  EXPECT_EQ(prompt.format, "text/plain");
  EXPECT_EQ(prompt.instance_id, "urn:custody:sha256:" + std::string(64, 'a'));
  EXPECT_FALSE(prompt.description.has_value());  // not disclosed
  EXPECT_FALSE(prompt.file.has_value());
  EXPECT_TRUE(spec->extra_assertions.empty());  // no author unless disclosed
}

TEST_F(ManifestSpecTest, DisclosedPromptAndAuthorAreIncluded) {
  ManifestFacts f = GenerationFacts(kPngMagic);
  f.inputs[1].disclosed_text = "a lighthouse at dusk";
  f.author = "Cara Example";
  auto spec = BuildManifestSpec(f);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->ingredients[1].description, "a lighthouse at dusk");
  ASSERT_EQ(spec->extra_assertions.size(), 1u);
  const pv::ExtraAssertion& work = spec->extra_assertions[0];
  EXPECT_EQ(work.label, "stds.schema-org.CreativeWork");
  ASSERT_TRUE(work.json.has_value());
  EXPECT_EQ(json::serialize(*work.json),
            R"({"@context":"https://schema.org","@type":"CreativeWork",)"
            R"("author":[{"@type":"Person","name":"Cara Example"}]})");
}

TEST_F(ManifestSpecTest, InputsWithoutAFileFormatAreListedWithoutTheirBytes) {
  auto spec = BuildManifestSpec(GenerationFacts(Bytes{'n', 'o', 't', ' ', 'a', 'n'}));
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(spec->ingredients[0].file.has_value());
  EXPECT_EQ(spec->ingredients[0].instance_id, "urn:custody:asset:ast_refer00000000000000000000");
}

TEST_F(ManifestSpecTest, EditOpensItsSourceAndEditsWithTheEngine) {
  ManifestFacts f;
  f.asset = edit_;
  f.instance_id = AssetInstanceId(edit_.id);
  f.title = edit_.title;
  f.job = edit_job_;
  Bytes signed_parent = kPngMagic;
  signed_parent.push_back(42);
  AssetRecord overlay =
      Asset("ast_overl00000000000000000000", AssetKind::kUpload, "logo", "image/png");
  f.inputs = {Input(generation_, "source", signed_parent), Input(overlay, "overlay", kPngMagic)};
  f.now = now_;
  auto spec = BuildManifestSpec(f);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  ASSERT_EQ(spec->actions.size(), 3u);
  EXPECT_EQ(spec->actions[0].action, "c2pa.opened");
  EXPECT_EQ(spec->actions[0].ingredients, std::vector<size_t>{0});
  EXPECT_EQ(spec->actions[1].action, "c2pa.edited");
  EXPECT_FALSE(spec->actions[1].digital_source_type.has_value());  // vips-edit is not generative
  EXPECT_EQ(spec->actions[1].software_agent->name, "vips-edit");
  EXPECT_EQ(spec->actions[1].software_agent->version, "8.14.1");
  EXPECT_EQ(spec->actions[1].software_agent->extra.at("org.custody.model").as_string(), "libvips");
  EXPECT_EQ(spec->actions[2].action, "c2pa.placed");
  EXPECT_EQ(spec->actions[2].ingredients, std::vector<size_t>{1});
  ASSERT_EQ(spec->ingredients.size(), 2u);
  EXPECT_EQ(spec->ingredients[0].relationship, pv::Relationship::kParentOf);
  EXPECT_EQ(spec->ingredients[0].instance_id, "urn:custody:asset:ast_gener00000000000000000000");
  EXPECT_EQ(spec->ingredients[0].title, "hero banner");
  EXPECT_EQ(spec->ingredients[0].file, signed_parent);  // the parent, signed with its own lineage
  EXPECT_EQ(spec->ingredients[1].relationship, pv::Relationship::kComponentOf);

  f.generative_edit = true;
  spec = BuildManifestSpec(f);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->actions[1].digital_source_type,
            std::string(pv::kSourceCompositeWithTrainedAlgorithmicMedia));

  f.inputs.erase(f.inputs.begin());
  EXPECT_EQ(BuildManifestSpec(f).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ManifestSpecTest, UploadOpensTheOriginalAndRecordsTheScrub) {
  AssetRecord upload =
      Asset("ast_uploa00000000000000000000", AssetKind::kUpload, "scan.jpg", "image/jpeg");
  ManifestFacts f;
  f.asset = upload;
  f.instance_id = AssetInstanceId(AssetId("ast_export0000000000000000000"));
  f.title = "scan.jpg";
  f.now = now_;
  f.claim_generator_version = "0.1.0";
  EXPECT_EQ(BuildManifestSpec(f).error().code(), ErrorCode::kInvalidArgument);  // no original
  Bytes jpeg = {0xff, 0xd8, 0xff, 0xe0, 0, 16};
  f.original = jpeg;
  auto spec = BuildManifestSpec(f);
  ASSERT_TRUE(spec.ok()) << spec.error().ToString();
  ASSERT_EQ(spec->actions.size(), 2u);
  EXPECT_EQ(spec->actions[0].action, "c2pa.opened");
  EXPECT_EQ(spec->actions[0].ingredients, std::vector<size_t>{0});
  EXPECT_EQ(spec->actions[1].action, kScrubAction);
  EXPECT_EQ(spec->actions[1].when, now_);
  EXPECT_EQ(spec->actions[1].software_agent->name, "Custody");
  ASSERT_EQ(spec->ingredients.size(), 1u);
  EXPECT_EQ(spec->ingredients[0].relationship, pv::Relationship::kParentOf);
  EXPECT_EQ(spec->ingredients[0].instance_id, "urn:custody:asset:ast_uploa00000000000000000000");
  EXPECT_EQ(spec->ingredients[0].format, "image/jpeg");
  EXPECT_EQ(spec->ingredients[0].file, jpeg);
}

// ---- Verification summaries -----------------------------------------------------------------

TEST(VerifyFileTest, TextAndUnknownFormatsHaveNoCredentials) {
  TimePoint now = FromUnixMicros(1'800'000'000'000'000);
  std::string text = "a lighthouse at dusk";
  VerifiedFile v = VerifyFile(AsBytes(text), {}, now, 1 << 20);
  EXPECT_EQ(v.credentials.state, CredentialsState::kNone);
  EXPECT_TRUE(v.credentials.failures.empty());
  EXPECT_EQ(v.credentials.verified_at, now);
  EXPECT_FALSE(v.report.has_value());
  EXPECT_NE(v.credentials.report_json.find("not a format"), std::string::npos);

  VerifiedFile big = VerifyFile(AsBytes(text), {}, now, 4);
  EXPECT_EQ(big.credentials.state, CredentialsState::kNone);
  EXPECT_EQ(big.credentials.failures, std::vector<std::string>{std::string(kVerificationSkipped)});
  EXPECT_EQ(json::serialize(CredentialsJson(big.credentials)),
            R"({"state":"none","failures":["custody.verification.skipped"],)"
            R"("active_manifest":null})");
}

TEST(VerifyFileTest, FixturesGetTheirStates) {
  FIXTURE(ca, "CA.jpg");
  FIXTURE(xca, "XCA.jpg");
  FIXTURE(plain, "no_manifest.jpg");
  FIXTURE(roots, "trust/test_cert_root_bundle.pem");
  TimePoint now = SystemClock().Now();
  VerifiedFile valid = VerifyFile(ca, {}, now, uint64_t(1) << 30);
  EXPECT_EQ(valid.credentials.state, CredentialsState::kValid);
  EXPECT_FALSE(valid.credentials.active_manifest.empty());
  EXPECT_EQ(valid.credentials.failures, std::vector<std::string>{"signingCredential.untrusted"});
  ASSERT_TRUE(valid.report.has_value());

  auto trust = pv::TrustSettingsFromPem(std::string(roots.begin(), roots.end()));
  ASSERT_TRUE(trust.ok());
  VerifiedFile trusted = VerifyFile(ca, *trust, now, uint64_t(1) << 30);
  EXPECT_EQ(trusted.credentials.state, CredentialsState::kTrusted);
  EXPECT_TRUE(trusted.credentials.failures.empty());

  VerifiedFile invalid = VerifyFile(xca, *trust, now, uint64_t(1) << 30);
  EXPECT_EQ(invalid.credentials.state, CredentialsState::kInvalid);
  EXPECT_NE(std::find(invalid.credentials.failures.begin(), invalid.credentials.failures.end(),
                      "assertion.dataHash.mismatch"),
            invalid.credentials.failures.end());

  VerifiedFile none = VerifyFile(plain, *trust, now, uint64_t(1) << 30);
  EXPECT_EQ(none.credentials.state, CredentialsState::kNone);
  EXPECT_TRUE(none.credentials.active_manifest.empty());
  auto report = ParseJsonObject(none.credentials.report_json);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE((*report)["validation_state"].is_null());
}

// ---- Signing round trips with a studio PKI --------------------------------------------------

class SignedLineageTest : public ManifestSpecTest {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("custody-wf-pki-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    master_ = std::make_unique<crypto::MasterKey>(crypto::MasterKey::Generate(random_));
    ASSERT_TRUE(pv::PkiInit(dir_, *master_, random_, clock_, {}).ok());
    auto credential = pv::LoadSigningCredential(dir_, *master_);
    ASSERT_TRUE(credential.ok()) << credential.error().ToString();
    signer_ = *credential;
    auto bundle = pv::ReadTrustBundle(dir_);
    ASSERT_TRUE(bundle.ok());
    auto trust = pv::TrustSettingsFromPem(*bundle);
    ASSERT_TRUE(trust.ok());
    trust_ = *trust;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<pv::SignedAsset> Sign(std::span<const uint8_t> bytes, const pv::ManifestSpec& spec) {
    pv::BuildOptions o;
    o.random = &random_;
    o.now = clock_.Now();
    o.trust = &trust_;
    return pv::SignAsset(bytes, spec, *signer_, o);
  }

  std::filesystem::path dir_;
  SystemRandom random_;
  SystemClock clock_;
  std::unique_ptr<crypto::MasterKey> master_;
  std::shared_ptr<pv::SigningCredential> signer_;
  pv::TrustSettings trust_;
};

TEST_F(SignedLineageTest, AnEditOfAGenerationCarriesTheGenerationsManifestNested) {
  FIXTURE(png, "gradient64.png");
  // The generation, signed with its own lineage (as Workflow::SignWithLineage does for parents).
  ManifestFacts gen = GenerationFacts(png);
  gen.instance_id = AssetInstanceId(generation_.id);
  auto gen_spec = BuildManifestSpec(gen);
  ASSERT_TRUE(gen_spec.ok());
  auto signed_gen = Sign(png, *gen_spec);
  ASSERT_TRUE(signed_gen.ok()) << signed_gen.error().ToString();

  ManifestFacts edit;
  edit.asset = edit_;
  edit.instance_id = AssetInstanceId(AssetId("ast_export0000000000000000000"));
  edit.title = "hero-banner.png";
  edit.job = edit_job_;
  edit.inputs = {Input(generation_, "source", signed_gen->bytes)};
  edit.now = now_;
  auto edit_spec = BuildManifestSpec(edit);
  ASSERT_TRUE(edit_spec.ok());
  auto out = Sign(png, *edit_spec);
  ASSERT_TRUE(out.ok()) << out.error().ToString();

  VerifiedFile v = VerifyFile(out->bytes, trust_, clock_.Now(), uint64_t(1) << 30);
  EXPECT_EQ(v.credentials.state, CredentialsState::kTrusted) << v.credentials.report_json;
  EXPECT_TRUE(v.credentials.failures.empty());
  EXPECT_EQ(v.credentials.active_manifest, out->manifest_label);
  ASSERT_TRUE(v.report && v.report->store);
  // The generation's manifest sits in our store, before ours, and the parentOf ingredient names
  // it and the generation's asset id.
  ASSERT_EQ(v.report->store->manifests.size(), 2u);
  EXPECT_EQ(v.report->store->manifests[0].label, signed_gen->manifest_label);
  EXPECT_EQ(v.report->store->manifests[0].instance_id, AssetInstanceId(generation_.id));
  json::object j = v.report->ToJson();
  const json::object& active = j["manifests"].as_object()[out->manifest_label].as_object();
  const json::array& ingredients = active.at("ingredients").as_array();
  ASSERT_EQ(ingredients.size(), 1u);
  EXPECT_EQ(ingredients[0].as_object().at("relationship").as_string(), "parentOf");
  EXPECT_EQ(ingredients[0].as_object().at("instance_id").as_string(),
            AssetInstanceId(generation_.id));
  EXPECT_EQ(ingredients[0].as_object().at("active_manifest").as_string(),
            signed_gen->manifest_label);
}

TEST_F(SignedLineageTest, AnUploadExportKeepsTheManifestItCarried) {
  FIXTURE(ca, "CA.jpg");
  auto scrubbed = pv::RemoveManifestStore(ca);
  ASSERT_TRUE(scrubbed.ok());
  ManifestFacts f;
  f.asset = Asset("ast_uploa00000000000000000000", AssetKind::kUpload, "CA.jpg", "image/jpeg");
  f.instance_id = AssetInstanceId(AssetId("ast_export0000000000000000000"));
  f.title = "CA.jpg";
  f.original = ca;
  f.now = clock_.Now();
  f.claim_generator_version = "0.1.0";
  auto spec = BuildManifestSpec(f);
  ASSERT_TRUE(spec.ok());
  auto out = Sign(*scrubbed, *spec);
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  VerifiedFile v = VerifyFile(out->bytes, trust_, clock_.Now(), uint64_t(1) << 30);
  EXPECT_EQ(v.credentials.state, CredentialsState::kTrusted) << v.credentials.report_json;
  ASSERT_TRUE(v.report && v.report->store);
  // CA.jpg's own manifests (it has an ingredient with none) come first, ours last.
  EXPECT_GE(v.report->store->manifests.size(), 2u);
  EXPECT_EQ(v.report->store->manifests.back().label, out->manifest_label);
}

}  // namespace
}  // namespace custody::workflow
