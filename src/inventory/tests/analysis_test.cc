// AnalyzeFile on the AI-metadata and C2PA fixtures and on synthetic files with planted secrets:
// which tool, which prompts, which findings where, which C2PA state; and the JSON never carries
// a secret in full.
#include "inventory/analysis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "base/clock.h"
#include "dlp/rules.h"
#include "dlp/scanner.h"
#include "inventory/tests/test_util.h"
#include "provenance/c2pa/certificates.h"

namespace custody::inventory {
namespace {

namespace fs = std::filesystem;
using testing::FixturesDir;

// A GitHub personal access token of the documented shape (ghp_ + 36 base62 characters), made up
// for the test and of high entropy so the rule's entropy threshold is met.
constexpr std::string_view kPlantedToken = "ghp_R8t2LmQ9vX4nB7cK1pZ5wY3dH6sJ0fG2aE4u";
constexpr std::string_view kPlantedEmail = "jordan.mills@northwind-traders.co.uk";

bool Has(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

class AnalysisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dlp::ScannerOptions so;
    so.dictionaries.push_back({"customers", {"Northwind", "Contoso Pharma"}, {}});
    auto s = dlp::Scanner::Create(dlp::BuiltinRules(), std::move(so));
    ASSERT_TRUE(s.ok()) << s.error().ToString();
    scanner_ = std::move(*s).release();
  }
  static void TearDownTestSuite() {
    delete scanner_;
    scanner_ = nullptr;
  }

  AnalyzerOptions Options() const {
    AnalyzerOptions o;
    o.scanner = scanner_;
    // A fixed instant inside the test certificates' validity (2022-06-10..2030-08-26).
    o.now = TimePoint(std::chrono::sys_days(std::chrono::year(2025) / 6 / 1));
    return o;
  }

  // Analyses a fixture (relative to the fixtures folder); skips when it is absent.
  std::optional<FileAnalysis> Fixture(const fs::path& rel, const AnalyzerOptions* o = nullptr) {
    auto bytes = testing::ReadFile(FixturesDir() / rel);
    if (!bytes) return std::nullopt;
    return AnalyzeFile(*bytes, rel.filename().string(), o ? *o : Options());
  }

  static const LocatedFinding* FindWhere(const FileAnalysis& a, std::string_view where,
                                         dlp::FindingKind kind) {
    for (const LocatedFinding& f : a.findings)
      if (f.where == where && f.finding.kind == kind) return &f;
    return nullptr;
  }

  static dlp::Scanner* scanner_;
};
dlp::Scanner* AnalysisTest::scanner_ = nullptr;

#define ANALYZE(var, rel)                                \
  CUSTODY_INVENTORY_REQUIRE_PATH(FixturesDir() / (rel)); \
  std::optional<FileAnalysis> var##_opt = Fixture(rel);  \
  ASSERT_TRUE(var##_opt.has_value());                    \
  const FileAnalysis& var = *var##_opt

TEST_F(AnalysisTest, ComfyUiPngHasToolPromptAndWorkflow) {
  ANALYZE(a, "ai-metadata/comfyui-examples/lora_lora.png");
  EXPECT_EQ(a.media_type, "image/png");
  EXPECT_EQ(a.sha256.size(), 64u);
  ASSERT_TRUE(a.metadata.has_value()) << a.metadata_error;
  EXPECT_TRUE(a.ai_generated);
  EXPECT_TRUE(Has(a.ai_tools, "ComfyUI")) << Join(a.ai_tools);
  EXPECT_TRUE(a.workflow_embedded);
  EXPECT_FALSE(a.prompts.empty());
  EXPECT_EQ(a.c2pa_state, "none");
}

TEST_F(AnalysisTest, EachToolOfTheSdParsersFixturesIsNamed) {
  struct Case {
    const char* rel;
    const char* tool;
    bool prompt;
  };
  const Case cases[] = {
      {"parsers/AUTOMATIC1111/automatic1111_cropped.png", "AUTOMATIC1111", true},
      {"parsers/AUTOMATIC1111/automatic1111_cropped.jpg", "AUTOMATIC1111", true},
      {"parsers/AUTOMATIC1111/automatic1111_stealth.png", "AUTOMATIC1111", true},
      {"bad_images/text_after_idat.png", "AUTOMATIC1111", true},
      {"parsers/ComfyUI/img2img_cropped.png", "ComfyUI", true},
      {"parsers/InvokeAI/invokeai_imeta1.png", "InvokeAI", true},
      {"parsers/InvokeAI/invokeai_sdmeta1.png", "InvokeAI", true},
      {"parsers/InvokeAI/invokeai_dream1.png", "InvokeAI", true},
      {"parsers/NovelAI/novelai1_cropped.png", "NovelAI", true},
      {"parsers/Fooocus/fooocus1_cropped.png", "Fooocus", true},
  };
  CUSTODY_INVENTORY_REQUIRE_PATH(FixturesDir() / "ai-metadata/sd-parsers");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rel);
    auto a = Fixture(fs::path("ai-metadata/sd-parsers") / c.rel);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(a->ai_generated);
    EXPECT_TRUE(Has(a->ai_tools, c.tool)) << Join(a->ai_tools);
    if (c.prompt) {
      EXPECT_FALSE(a->prompts.empty());
    }
  }
  auto comfy = Fixture("ai-metadata/sd-parsers/parsers/ComfyUI/img2img_cropped.png");
  EXPECT_TRUE(comfy->workflow_embedded);
  auto a1111 = Fixture("ai-metadata/sd-parsers/parsers/AUTOMATIC1111/automatic1111_cropped.png");
  EXPECT_FALSE(a1111->workflow_embedded);
}

TEST_F(AnalysisTest, ComfyUiWorkflowInAnimatedWebpExif) {
  ANALYZE(a, "ai-metadata/comfyui-examples/wan_text_to_video_wan.webp");
  EXPECT_EQ(a.media_type, "image/webp");
  EXPECT_TRUE(Has(a.ai_tools, "ComfyUI")) << Join(a.ai_tools);
  EXPECT_TRUE(a.workflow_embedded);
}

TEST_F(AnalysisTest, NegativeControlsAreNotAiGenerated) {
  for (const char* rel : {"ai-metadata/comfyui-examples/controlnet_pose_worship.png",
                          "ai-metadata/comfyui-examples/unclip_sunset.png"}) {
    SCOPED_TRACE(rel);
    CUSTODY_INVENTORY_REQUIRE_PATH(FixturesDir() / rel);
    auto a = Fixture(rel);
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(a->ai_generated) << Join(a->ai_tools);
    EXPECT_TRUE(a->ai_tools.empty());
    EXPECT_TRUE(a->prompts.empty());
    EXPECT_FALSE(a->workflow_embedded);
  }
}

TEST_F(AnalysisTest, DamagedFilesGiveAMetadataErrorNotACrash) {
  for (const char* rel : {"ai-metadata/sd-parsers/bad_images/empty_file.png",
                          "ai-metadata/sd-parsers/bad_images/empty_image.png",
                          "ai-metadata/sd-parsers/bad_images/empty_image.jpg"}) {
    SCOPED_TRACE(rel);
    CUSTODY_INVENTORY_REQUIRE_PATH(FixturesDir() / rel);
    auto a = Fixture(rel);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->sha256.size(), 64u);
    if (!a->metadata) {
      EXPECT_FALSE(a->metadata_error.empty());
    }
    EXPECT_FALSE(a->ai_generated);
  }
}

TEST_F(AnalysisTest, SecretPlantedInAPngTextChunkIsFoundInThatChunk) {
  std::string workflow = R"({"last_node_id": 3, "nodes": [{"id": 1, "type": "OpenAIChat",)"
                         R"( "widgets_values": ["a red fox", "github_token", ")" +
                         std::string(kPlantedToken) + R"("]}]})";
  std::string png = testing::AddPngText(testing::MakePng(16, 16, 1), "workflow", workflow);
  FileAnalysis a = AnalyzeFile(AsBytes(png), "renders/fox.png", Options());
  ASSERT_TRUE(a.metadata.has_value()) << a.metadata_error;
  const LocatedFinding* f = FindWhere(a, "metadata:png:tEXt:workflow", dlp::FindingKind::kSecret);
  ASSERT_NE(f, nullptr) << "findings: " << json::serialize(AnalysisJson(a, false));
  EXPECT_EQ(f->finding.rule_id, "github-pat");
  EXPECT_EQ(workflow.substr(f->finding.offset, f->finding.length), kPlantedToken);
  EXPECT_EQ(a.findings.size(), 1u) << json::serialize(AnalysisJson(a, false));
  // The JSON carries the redacted excerpt and the fingerprint, never the token.
  std::string j = json::serialize(AnalysisJson(a, true));
  EXPECT_EQ(j.find(kPlantedToken), std::string::npos) << j;
  EXPECT_EQ(j.find(kPlantedToken.substr(8)), std::string::npos) << j;
  EXPECT_NE(j.find("\"where\":\"metadata:png:tEXt:workflow\""), std::string::npos) << j;
}

TEST_F(AnalysisTest, PromptsAreShownWithTheirSecretsMasked) {
  std::string infotext = "a fox, token " + std::string(kPlantedToken) +
                         "\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
                         "Seed: 1, Size: 16x16";
  std::string png = testing::AddPngText(testing::MakePng(16, 16, 4), "parameters", infotext);
  FileAnalysis a = AnalyzeFile(AsBytes(png), "fox.png", Options());
  ASSERT_EQ(a.prompts.size(), 1u) << json::serialize(AnalysisJson(a, true));
  EXPECT_EQ(a.prompts[0].find(kPlantedToken), std::string::npos) << a.prompts[0];
  EXPECT_NE(a.prompts[0].find("[REDACTED:github-pat]"), std::string::npos) << a.prompts[0];
  EXPECT_NE(FindWhere(a, "metadata:png:tEXt:parameters", dlp::FindingKind::kSecret), nullptr);
  std::string j = json::serialize(AnalysisJson(a, true));
  EXPECT_EQ(j.find(kPlantedToken), std::string::npos) << j;
  EXPECT_NE(j.find("a fox, token [REDACTED:github-pat]"), std::string::npos) << j;
}

TEST_F(AnalysisTest, TextFileContentIsScannedForSecretsAndPersonalData) {
  std::string text = "deploy notes\nGITHUB_TOKEN=" + std::string(kPlantedToken) +
                     "\ncontact: " + std::string(kPlantedEmail) + "\n";
  FileAnalysis a = AnalyzeFile(AsBytes(text), "notes/deploy.txt", Options());
  EXPECT_EQ(a.media_type, "text/plain");
  EXPECT_FALSE(a.metadata.has_value());
  const LocatedFinding* secret = FindWhere(a, "content", dlp::FindingKind::kSecret);
  ASSERT_NE(secret, nullptr) << json::serialize(AnalysisJson(a, false));
  EXPECT_EQ(secret->finding.line, 2u);
  const LocatedFinding* pii = FindWhere(a, "content", dlp::FindingKind::kPii);
  ASSERT_NE(pii, nullptr) << json::serialize(AnalysisJson(a, false));
  EXPECT_EQ(pii->finding.rule_id, "pii-email");
  EXPECT_EQ(pii->finding.line, 3u);
  std::string j = json::serialize(AnalysisJson(a, false));
  EXPECT_EQ(j.find(kPlantedToken), std::string::npos);
  EXPECT_EQ(j.find(kPlantedEmail), std::string::npos);
}

TEST_F(AnalysisTest, TextLargerThanTheScanLimitIsNotScanned) {
  std::string text = "GITHUB_TOKEN=" + std::string(kPlantedToken) + "\n";
  AnalyzerOptions o = Options();
  o.max_text_scan_bytes = text.size() - 1;
  FileAnalysis a = AnalyzeFile(AsBytes(text), "t.txt", o);
  EXPECT_EQ(FindWhere(a, "content", dlp::FindingKind::kSecret), nullptr);
  o.max_text_scan_bytes = text.size();
  a = AnalyzeFile(AsBytes(text), "t.txt", o);
  EXPECT_NE(FindWhere(a, "content", dlp::FindingKind::kSecret), nullptr);
}

TEST_F(AnalysisTest, DictionaryTermsInTheFileNameAreFoundAsName) {
  std::string png = testing::MakePng(8, 8, 2);
  FileAnalysis a = AnalyzeFile(AsBytes(png), "campaigns/Northwind spring banner.png", Options());
  const LocatedFinding* f = FindWhere(a, "name", dlp::FindingKind::kDictionary);
  ASSERT_NE(f, nullptr) << json::serialize(AnalysisJson(a, false));
  EXPECT_EQ(f->finding.rule_id, "dictionary:customers");
  EXPECT_EQ(f->finding.offset, 0u);  // within the last component, not the whole path
  // Only the last component is the name: a term in a folder name is not a name match.
  FileAnalysis b = AnalyzeFile(AsBytes(png), "Northwind/banner.png", Options());
  EXPECT_EQ(FindWhere(b, "name", dlp::FindingKind::kDictionary), nullptr);
}

TEST_F(AnalysisTest, WithoutAScannerThereAreNoFindings) {
  std::string text = "GITHUB_TOKEN=" + std::string(kPlantedToken) + "\n";
  AnalyzerOptions o = Options();
  o.scanner = nullptr;
  FileAnalysis a = AnalyzeFile(AsBytes(text), "Northwind.txt", o);
  EXPECT_TRUE(a.findings.empty());
  EXPECT_EQ(a.sha256.size(), 64u);
}

TEST_F(AnalysisTest, C2paStatesNoneValidInvalidAndTrusted) {
  CUSTODY_INVENTORY_REQUIRE_PATH(FixturesDir() / "c2pa/CA.jpg");
  auto none = Fixture("c2pa/no_manifest.jpg");
  EXPECT_EQ(none->c2pa_state, "none");
  EXPECT_TRUE(none->c2pa_manifest.empty());

  auto valid = Fixture("c2pa/CA.jpg");
  EXPECT_EQ(valid->c2pa_state, "valid");
  EXPECT_FALSE(valid->c2pa_manifest.empty());

  auto invalid = Fixture("c2pa/XCA.jpg");
  EXPECT_EQ(invalid->c2pa_state, "invalid");
  EXPECT_TRUE(Has(invalid->c2pa_failures, "assertion.dataHash.mismatch"))
      << Join(invalid->c2pa_failures);

  auto tampered = Fixture("c2pa/handbuilt/tamper.jpg");
  EXPECT_EQ(tampered->c2pa_state, "invalid");

  auto pem = testing::ReadFile(FixturesDir() / "c2pa/trust/test_cert_root_bundle.pem");
  ASSERT_TRUE(pem.has_value());
  auto trust = provenance::TrustSettingsFromPem(AsChars(*pem));
  ASSERT_TRUE(trust.ok()) << trust.error().ToString();
  AnalyzerOptions o = Options();
  o.trust = &*trust;
  auto trusted = Fixture("c2pa/CA.jpg", &o);
  EXPECT_EQ(trusted->c2pa_state, "trusted") << Join(trusted->c2pa_failures);
  EXPECT_TRUE(trusted->c2pa_failures.empty()) << Join(trusted->c2pa_failures);

  o.verify_c2pa = false;
  auto skipped = Fixture("c2pa/CA.jpg", &o);
  EXPECT_EQ(skipped->c2pa_state, "none");
}

TEST_F(AnalysisTest, AC2paGenerativeActionMakesTheFileAiGeneratedByItsAgent) {
  CUSTODY_INVENTORY_REQUIRE_PATH(FixturesDir() / "c2pa/reference-c2pa-rs/genai_es256.png");
  auto png = Fixture("c2pa/reference-c2pa-rs/genai_es256.png");
  EXPECT_EQ(png->c2pa_state, "valid");
  EXPECT_TRUE(png->ai_generated);
  EXPECT_TRUE(Has(png->ai_tools, "example-model")) << Join(png->ai_tools);

  // compositeWithTrainedAlgorithmicMedia on an edit counts too.
  auto edited = Fixture("c2pa/reference-c2pa-rs/edited_from_CA.jpg");
  EXPECT_TRUE(edited->ai_generated);

  // A signed photo with no generative action does not.
  auto photo = Fixture("c2pa/CA.jpg");
  EXPECT_FALSE(photo->ai_generated) << Join(photo->ai_tools);
}

TEST_F(AnalysisTest, HostileBytesNeverCrash) {
  SeededRandom rng(42);
  std::string png =
      testing::AddPngText(testing::MakePng(8, 8, 3), "parameters", "a cat\nSteps: 20");
  for (size_t cut = 0; cut < png.size(); cut += 7) {
    FileAnalysis a = AnalyzeFile(AsBytes(std::string_view(png).substr(0, cut)), "x.png", Options());
    EXPECT_EQ(a.size, cut);
  }
  for (int i = 0; i < 50; ++i) {
    Bytes junk(size_t(rng.NextU64() % 4096));
    rng.Fill(junk);
    if (i % 2 == 0 && junk.size() >= 8) std::copy_n("\x89PNG\r\n\x1a\n", 8, junk.begin());
    if (i % 4 == 1 && junk.size() >= 3) std::copy_n("\xFF\xD8\xFF", 3, junk.begin());
    FileAnalysis a = AnalyzeFile(junk, "junk.bin", Options());
    EXPECT_EQ(a.size, junk.size());
  }
  FileAnalysis empty = AnalyzeFile({}, "", Options());
  EXPECT_EQ(empty.size, 0u);
  EXPECT_EQ(empty.media_type, "application/octet-stream");
}

TEST_F(AnalysisTest, JsonFieldsAndPromptsOnlyWhenAsked) {
  ANALYZE(a, "ai-metadata/sd-parsers/parsers/AUTOMATIC1111/automatic1111_cropped.png");
  json::object without = AnalysisJson(a, false);
  for (const char* key :
       {"media_type", "size", "sha256", "ai_generated", "ai_tools", "ai_keys", "generations",
        "prompt_count", "workflow_embedded", "metadata", "c2pa", "findings", "findings_dropped"})
    EXPECT_TRUE(without.contains(key)) << key;
  EXPECT_FALSE(without.contains("prompts"));
  EXPECT_GE(without["prompt_count"].to_number<int64_t>(), 1);
  bool has_parameters = false;
  for (const json::value& k : without["ai_keys"].as_array())
    if (k.as_string().ends_with(":parameters")) has_parameters = true;
  EXPECT_TRUE(has_parameters) << json::serialize(without["ai_keys"]);
  EXPECT_EQ(json::serialize(without).find(a.prompts.at(0)), std::string::npos);

  json::object with = AnalysisJson(a, true);
  ASSERT_TRUE(with.contains("prompts"));
  EXPECT_EQ(with["prompts"].as_array().size(), a.prompts.size());
  EXPECT_EQ(with["c2pa"].as_object().at("state").as_string(), "none");
}

TEST(DigitalSourceTypeTest, OnlyGenerativeTypesCount) {
  EXPECT_TRUE(IsAiDigitalSourceType(
      "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"));
  EXPECT_TRUE(IsAiDigitalSourceType(
      "https://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"));
  EXPECT_TRUE(IsAiDigitalSourceType("trainedAlgorithmicMedia"));
  EXPECT_FALSE(
      IsAiDigitalSourceType("http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"));
  EXPECT_FALSE(IsAiDigitalSourceType("http://cv.iptc.org/newscodes/digitalsourcetype/"));
  EXPECT_FALSE(IsAiDigitalSourceType(""));
}

}  // namespace
}  // namespace custody::inventory
