// Tests for SignAsset: real fixture files (JPEG with JFIF and Exif-only, RGB and palette PNG, WAV
// of both parities, MP4, a hand-built lossless WebP) signed with the c2pa-rs test credentials
// (ES256 and Ed25519), then read back with our own verifier against the c2pa-rs test roots: the
// result must be Trusted with the expected success codes, the media bytes must be untouched, and
// the manifest must hold exactly what the spec asked for. Every BuildDefects flag must produce
// the failure the notes' table predicts.
#include "provenance/c2pa/builder.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/validate.h"
#include "provenance/pki.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

using testing::C2paFixtures;
using testing::ReadFile;
using testing::ReadText;

constexpr std::string_view kPrompt = "a lighthouse at dusk, oil on canvas";

// A 1x1 lossless WebP (RIFF/WEBP/VP8L, 13-byte chunk plus its pad byte); libvips decodes it.
const Bytes kTinyWebp = {0x52, 0x49, 0x46, 0x46, 0x1a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
                         0x56, 0x50, 0x38, 0x4c, 0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00,
                         0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0x00};

uint32_t Le32(const Bytes& b, size_t off) {
  return uint32_t{b[off]} | (uint32_t{b[off + 1]} << 8) | (uint32_t{b[off + 2]} << 16) |
         (uint32_t{b[off + 3]} << 24);
}
void PutLe32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutLe16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}

// An 8-bit mono WAV with an odd number of samples (so its `data` chunk needs the RIFF pad byte),
// made from the 16-bit tone: each sample's high byte, offset to unsigned.
Bytes OddWavFrom(const Bytes& tone) {
  // tone_8k_mono.wav: RIFF header, `fmt ` (16 bytes) at 12, `data` at 36.
  const uint32_t data_size = Le32(tone, 40);
  std::vector<uint8_t> samples;
  for (size_t i = 0; i + 1 < data_size && samples.size() < 7999; i += 2) {
    samples.push_back(static_cast<uint8_t>(tone[44 + i + 1] + 128));
  }
  Bytes out = {'R', 'I', 'F', 'F'};
  PutLe32(out, 4 + 8 + 16 + 8 + static_cast<uint32_t>(samples.size()) + 1);
  out.insert(out.end(), {'W', 'A', 'V', 'E', 'f', 'm', 't', ' '});
  PutLe32(out, 16);
  PutLe16(out, 1);     // PCM
  PutLe16(out, 1);     // mono
  PutLe32(out, 8000);  // sample rate
  PutLe32(out, 8000);  // byte rate
  PutLe16(out, 1);     // block align
  PutLe16(out, 8);     // bits per sample
  out.insert(out.end(), {'d', 'a', 't', 'a'});
  PutLe32(out, static_cast<uint32_t>(samples.size()));
  out.insert(out.end(), samples.begin(), samples.end());
  out.push_back(0);  // pad byte
  return out;
}

// Counts the APP11 (FF EB) segments before the first SOS.
int CountApp11(const Bytes& jpeg) {
  int count = 0;
  size_t off = 2;
  while (off + 4 <= jpeg.size() && jpeg[off] == 0xFF) {
    const uint8_t marker = jpeg[off + 1];
    if (marker == 0xDA) break;
    if (marker == 0xEB) ++count;
    off += 2 + ((size_t{jpeg[off + 2]} << 8) | jpeg[off + 3]);
  }
  return count;
}

std::set<std::string> MapKeys(const cbor::Value& map) {
  std::set<std::string> keys;
  for (const auto& [k, v] : map.map()) keys.insert(k.is_text() ? k.text() : "<non-text>");
  return keys;
}

std::vector<std::string> StatusCodes(const std::vector<StatusEntry>& entries) {
  std::vector<std::string> codes;
  for (const StatusEntry& e : entries) codes.push_back(e.code + " " + e.url + " " + e.explanation);
  return codes;
}

std::string Describe(const VerifyReport& r) {
  std::string s = "state=" + std::string(ValidationStateName(r.state)) + "\n";
  for (const auto& [name, list] : {std::pair{"success", &r.active.success},
                                   std::pair{"informational", &r.active.informational},
                                   std::pair{"failure", &r.active.failure}}) {
    for (const std::string& c : StatusCodes(*list)) s += std::string(name) + ": " + c + "\n";
  }
  return s;
}

// With CUSTODY_C2PA_DUMP_DIR set, the signed files are written there too, so the official SDK
// can be run on them (design/notes/c2pa.md, "Checking output with the official SDK").
void Dump(const std::string& name, std::span<const uint8_t> bytes) {
  const char* dir = std::getenv("CUSTODY_C2PA_DUMP_DIR");
  if (dir == nullptr || *dir == '\0') return;
  std::ofstream out(std::filesystem::path(dir) / name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// "jpg", "png", ... for dumped files.
std::string Extension(std::span<const uint8_t> bytes) {
  switch (DetectFormat(bytes)) {
    case AssetFormat::kJpeg:
      return "jpg";
    case AssetFormat::kPng:
      return "png";
    case AssetFormat::kWav:
      return "wav";
    case AssetFormat::kWebp:
      return "webp";
    case AssetFormat::kBmff:
      return "mp4";
    case AssetFormat::kUnknown:
      break;
  }
  return "bin";
}

class BuilderTest : public ::testing::Test {
 protected:
  // Dumps under the current test's name.
  static void DumpAs(std::span<const uint8_t> bytes) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "." + info->name();
    std::replace(name.begin(), name.end(), '/', '_');
    Dump(name + "." + Extension(bytes), bytes);
  }

  void SetUp() override {
    const auto dir = C2paFixtures();
    auto es_chain = ReadText(dir / "certs/es256.pub");
    auto es_key = ReadFile(dir / "certs/es256.pem");
    auto ed_chain = ReadText(dir / "certs/ed25519.pub");
    auto ed_key = ReadFile(dir / "certs/ed25519.pem");
    auto bundle = ReadText(dir / "trust/test_cert_root_bundle.pem");
    if (!es_chain || !es_key || !ed_chain || !ed_key || !bundle) {
      if (testing::RequireFixtures()) FAIL() << "c2pa fixtures missing in " << dir;
      GTEST_SKIP() << "c2pa fixtures missing (set CUSTODY_FIXTURES)";
    }
    auto es = SigningCredential::FromPem(*es_chain, *es_key);
    ASSERT_TRUE(es.ok()) << es.error().ToString();
    es256_ = *es;
    auto ed = SigningCredential::FromPem(*ed_chain, *ed_key);
    ASSERT_TRUE(ed.ok()) << ed.error().ToString();
    ed25519_ = *ed;
    auto trust = TrustSettingsFromPem(*bundle);
    ASSERT_TRUE(trust.ok()) << trust.error().ToString();
    trust_ = *trust;
    now_ = *ParseTime("2026-06-01T12:00:00Z");  // inside the test certificates' validity
  }

  BuildOptions Options(const BuildDefects* defects = nullptr) {
    BuildOptions o;
    o.random = &random_;
    o.now = now_;
    o.trust = &trust_;
    o.defects = defects;
    return o;
  }

  static ManifestSpec GenAiSpec() {
    ManifestSpec spec;
    spec.title = "lighthouse.jpg";
    spec.claim_generator = SoftwareAgent{"Custody", "0.4.0", {}};
    ActionSpec created;
    created.action = "c2pa.created";
    created.digital_source_type = std::string(kSourceTrainedAlgorithmicMedia);
    created.software_agent = SoftwareAgent{"custody-test-model", "1.0", {}};
    spec.actions.push_back(created);
    return spec;
  }

  Result<SignedAsset> Sign(std::span<const uint8_t> asset, const ManifestSpec& spec,
                           const cose::Signer& signer, const BuildDefects* defects = nullptr) {
    return SignAsset(asset, spec, signer, Options(defects));
  }

  VerifyReport Verify(std::span<const uint8_t> bytes) {
    auto report = VerifyAsset(bytes, VerifyOptions{&trust_, now_});
    EXPECT_TRUE(report.ok()) << report.error().ToString();
    return report.ok() ? std::move(*report) : VerifyReport{};
  }

  // Trusted, no failure, and the success codes c2pa-rs reports for a good file.
  void ExpectTrusted(const VerifyReport& r, bool bmff = false) {
    EXPECT_TRUE(r.has_manifest);
    EXPECT_EQ(r.state, ValidationState::kTrusted) << Describe(r);
    EXPECT_TRUE(r.active.failure.empty()) << Describe(r);
    EXPECT_TRUE(r.active.HasSuccess("claimSignature.validated")) << Describe(r);
    EXPECT_TRUE(r.active.HasSuccess("claimSignature.insideValidity")) << Describe(r);
    EXPECT_TRUE(r.active.HasSuccess("signingCredential.trusted")) << Describe(r);
    EXPECT_TRUE(r.active.HasSuccess("assertion.hashedURI.match")) << Describe(r);
    EXPECT_TRUE(r.active.HasSuccess(bmff ? "assertion.bmffHash.match" : "assertion.dataHash.match"))
        << Describe(r);
  }

  static void ExpectMediaUntouched(std::span<const uint8_t> input,
                                   std::span<const uint8_t> output) {
    auto in = RemoveManifestStore(input);
    auto out = RemoveManifestStore(output);
    ASSERT_TRUE(in.ok()) << in.error().ToString();
    ASSERT_TRUE(out.ok()) << out.error().ToString();
    EXPECT_TRUE(*in == *out) << "the media bytes changed (" << in->size() << " vs " << out->size()
                             << " bytes)";
  }

  static ManifestStore ReadStore(std::span<const uint8_t> bytes) {
    auto found = ReadManifestStore(bytes);
    EXPECT_TRUE(found.ok() && found->has_value());
    if (!found.ok() || !found->has_value()) return {};
    auto store = ParseManifestStore(std::move((*found)->jumbf));
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return store.ok() ? std::move(*store) : ManifestStore{};
  }

  // The claim of the active manifest is a v2 claim with only the keys the recipe allows.
  static void ExpectMinimalClaim(const Manifest& m, const SignedAsset& signed_asset) {
    ASSERT_TRUE(m.claim.has_value());
    EXPECT_EQ(m.claim_version, 2);
    EXPECT_EQ(m.label, signed_asset.manifest_label);
    const std::set<std::string> allowed = {"instanceID",
                                           "claim_generator_info",
                                           "signature",
                                           "created_assertions",
                                           "gathered_assertions",
                                           "dc:title",
                                           "alg"};
    for (const std::string& k : MapKeys(*m.claim)) EXPECT_TRUE(allowed.contains(k)) << k;
    EXPECT_EQ(m.alg, "sha256");
    EXPECT_EQ(m.signature_url, "self#jumbf=/c2pa/" + m.label + "/c2pa.signature");
    EXPECT_TRUE(m.instance_id.starts_with("xmp:iid:")) << m.instance_id;
    ASSERT_TRUE(m.claim->Find("claim_generator_info") != nullptr);
    EXPECT_TRUE(m.claim->Find("claim_generator_info")->is_map());
  }

  std::shared_ptr<SigningCredential> es256_;
  std::shared_ptr<SigningCredential> ed25519_;
  TrustSettings trust_;
  TimePoint now_;
  SeededRandom random_{42};
};

// ----- signing every format with both algorithms -------------------------------------------

struct FormatCase {
  const char* name;
  const char* file;  // fixture, or "" for a derived input
  bool ed25519;
};

class BuilderFormatTest : public BuilderTest, public ::testing::WithParamInterface<FormatCase> {
 protected:
  std::optional<Bytes> Input() {
    const std::string file = GetParam().file;
    if (file == "odd.wav") {
      auto tone = ReadFile(C2paFixtures() / "tone_8k_mono.wav");
      return tone ? std::optional<Bytes>(OddWavFrom(*tone)) : std::nullopt;
    }
    if (file == "tiny.webp") return kTinyWebp;
    return ReadFile(C2paFixtures() / file);
  }
};

TEST_P(BuilderFormatTest, GenAiExportVerifiesTrustedAndKeepsTheMedia) {
  auto input = Input();
  ASSERT_TRUE(input.has_value()) << GetParam().file;
  const cose::Signer& signer = GetParam().ed25519 ? *ed25519_ : *es256_;
  auto signed_asset = Sign(*input, GenAiSpec(), signer);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  const bool bmff = DetectFormat(*input) == AssetFormat::kBmff;

  const VerifyReport report = Verify(signed_asset->bytes);
  ExpectTrusted(report, bmff);
  EXPECT_EQ(report.active_manifest, signed_asset->manifest_label);
  ASSERT_TRUE(report.signature.has_value());
  EXPECT_EQ(report.signature->alg, GetParam().ed25519 ? "Ed25519" : "ES256");
  ExpectMediaUntouched(*input, signed_asset->bytes);
  EXPECT_EQ(signed_asset->media_type, MediaTypeOf(*input));

  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_EQ(store.manifests.size(), 1u);
  const Manifest& m = store.manifests[0];
  ExpectMinimalClaim(m, *signed_asset);
  EXPECT_EQ(signed_asset->store_size, store.jumbf.size());
  ASSERT_EQ(m.assertions.size(), 2u);
  EXPECT_EQ(m.assertions[0].label, "c2pa.actions.v2");
  EXPECT_EQ(m.assertions[1].label, bmff ? "c2pa.hash.bmff.v3" : "c2pa.hash.data");
  // Both are created assertions (spec 2.2 §10.2.2), none gathered.
  EXPECT_EQ(m.created_assertions.size(), 2u);
  EXPECT_TRUE(m.gathered_assertions.empty());
  const cbor::Value& binding = *m.assertions[1].cbor;
  EXPECT_EQ(binding.Find("alg")->text(), "sha256");
  EXPECT_EQ(binding.Find("hash")->bytes().size(), 32u);
  if (bmff) {
    const cbor::Value* excl = binding.Find("exclusions");
    ASSERT_TRUE(excl != nullptr && excl->is_array());
    std::vector<std::string> xpaths;
    for (const cbor::Value& e : excl->array()) xpaths.push_back(e.Find("xpath")->text());
    EXPECT_EQ(xpaths, (std::vector<std::string>{"/uuid", "/ftyp", "/mfra"}));
  } else {
    ASSERT_TRUE(binding.Find("pad") != nullptr) << "hash.data always carries pad";
    const cbor::Value* excl = binding.Find("exclusions");
    ASSERT_TRUE(excl != nullptr && excl->is_array());
    ASSERT_EQ(excl->array().size(), 1u);
    auto found = ReadManifestStore(signed_asset->bytes);
    ASSERT_TRUE(found.ok() && found->has_value());
    // The exclusion is exactly the container unit(s) holding the store.
    const auto& blocks = (*found)->blocks;
    ASSERT_FALSE(blocks.empty());
    EXPECT_EQ(excl->array()[0].Find("start")->uint(), blocks.front().start);
    EXPECT_EQ(excl->array()[0].Find("length")->uint(),
              blocks.back().start + blocks.back().length - blocks.front().start);
  }
  // The actions assertion as the spec asked, salted (toggles 0x13).
  const cbor::Value& actions = *m.assertions[0].cbor;
  ASSERT_EQ(actions.Find("actions")->array().size(), 1u);
  const cbor::Value& created = actions.Find("actions")->array()[0];
  EXPECT_EQ(created.Find("action")->text(), "c2pa.created");
  EXPECT_EQ(created.Find("digitalSourceType")->text(), kSourceTrainedAlgorithmicMedia);
  EXPECT_EQ(created.Find("softwareAgent")->Find("name")->text(), "custody-test-model");
  EXPECT_EQ(created.Find("softwareAgent")->Find("version")->text(), "1.0");
  const Box* manifest_box = FindChildByLabel(store.root, m.label);
  ASSERT_TRUE(manifest_box != nullptr);
  const Box* actions_box = FindByLabel(*manifest_box, "c2pa.assertions/c2pa.actions.v2");
  ASSERT_TRUE(actions_box != nullptr);
  EXPECT_EQ(actions_box->desc->toggles, 0x13);
  ASSERT_TRUE(actions_box->desc->private_box.has_value());
  EXPECT_EQ(actions_box->desc->private_box->payload.size(), 16u);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, BuilderFormatTest,
    ::testing::Values(FormatCase{"JfifJpegEs256", "no_manifest.jpg", false},
                      FormatCase{"JfifJpegEd25519", "no_manifest.jpg", true},
                      FormatCase{"ExifJpegEs256", "earth_apollo17.jpg", false},
                      FormatCase{"ExifJpegEd25519", "earth_apollo17.jpg", true},
                      FormatCase{"RgbPngEs256", "gradient64.png", false},
                      FormatCase{"RgbPngEd25519", "gradient64.png", true},
                      FormatCase{"PalettePngEs256", "libpng-test.png", false},
                      FormatCase{"PalettePngEd25519", "libpng-test.png", true},
                      FormatCase{"WavEs256", "tone_8k_mono.wav", false},
                      FormatCase{"WavEd25519", "tone_8k_mono.wav", true},
                      FormatCase{"OddWavEs256", "odd.wav", false},
                      FormatCase{"OddWavEd25519", "odd.wav", true},
                      FormatCase{"Mp4Es256", "video1_no_manifest.mp4", false},
                      FormatCase{"Mp4Ed25519", "video1_no_manifest.mp4", true},
                      FormatCase{"WebpEs256", "tiny.webp", false},
                      FormatCase{"WebpEd25519", "tiny.webp", true}),
    [](const ::testing::TestParamInfo<FormatCase>& info) { return std::string(info.param.name); });

// ----- shapes of manifests -----------------------------------------------------------------

TEST_F(BuilderTest, WavStoreOfEitherParityVerifies) {
  CUSTODY_C2PA_FIXTURE(wav, "tone_8k_mono.wav");
  std::set<size_t> parities;
  for (const char* title : {"t", "tt"}) {
    ManifestSpec spec = GenAiSpec();
    spec.title = title;
    auto signed_asset = Sign(wav, spec, *es256_);
    ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
    Dump(std::string("BuilderTest.WavStore_") + title + ".wav", signed_asset->bytes);
    parities.insert(signed_asset->store_size % 2);
    ExpectTrusted(Verify(signed_asset->bytes));
    ExpectMediaUntouched(wav, signed_asset->bytes);
  }
  EXPECT_EQ(parities.size(), 2u) << "the two titles should give an odd and an even store";
}

TEST_F(BuilderTest, CreatedFromPromptRecordsInputToIngredient) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  ManifestSpec spec = GenAiSpec();
  spec.actions[0].when = *ParseTime("2026-05-30T08:15:00Z");
  spec.actions[0].description = "generated from a prompt";
  spec.actions[0].parameters["org.custody.seed"] = 1234;
  spec.actions[0].ingredients = {0};
  spec.ingredients.push_back(IngredientSpec{Relationship::kInputTo,
                                            "prompt",
                                            "text/plain",
                                            "urn:custody:prompt:1",
                                            std::string(kPrompt),
                                            {}});
  auto signed_asset = Sign(jpeg, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  ExpectTrusted(Verify(signed_asset->bytes));
  ExpectMediaUntouched(jpeg, signed_asset->bytes);

  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_EQ(store.manifests.size(), 1u);
  const Manifest& m = store.manifests[0];
  ExpectMinimalClaim(m, *signed_asset);
  std::vector<std::string> labels;
  for (const Assertion& a : m.assertions) labels.push_back(a.label);
  EXPECT_EQ(labels,
            (std::vector<std::string>{"c2pa.ingredient.v3", "c2pa.actions.v2", "c2pa.hash.data"}));
  EXPECT_EQ(m.created_assertions.size(), 3u);

  const cbor::Value& ingredient = *m.assertions[0].cbor;
  EXPECT_EQ(ingredient.Find("relationship")->text(), "inputTo");
  EXPECT_EQ(ingredient.Find("dc:title")->text(), "prompt");
  EXPECT_EQ(ingredient.Find("dc:format")->text(), "text/plain");
  EXPECT_EQ(ingredient.Find("instanceID")->text(), "urn:custody:prompt:1");
  EXPECT_EQ(ingredient.Find("description")->text(), kPrompt);
  EXPECT_EQ(ingredient.Find("activeManifest"), nullptr);

  const cbor::Value& action = m.assertions[1].cbor->Find("actions")->array()[0];
  const cbor::Value* when = action.Find("when");
  ASSERT_TRUE(when != nullptr && when->is_tag());
  EXPECT_EQ(when->tag(), 0u);
  EXPECT_EQ(when->tagged().text(), "2026-05-30T08:15:00Z");
  EXPECT_EQ(action.Find("description")->text(), "generated from a prompt");
  const cbor::Value* params = action.Find("parameters");
  ASSERT_TRUE(params != nullptr);
  EXPECT_EQ(params->Find("org.custody.seed")->uint(), 1234u);
  ASSERT_EQ(params->Find("ingredients")->array().size(), 1u);
  auto ref = ParseHashedUri(params->Find("ingredients")->array()[0]);
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(ref->url, "self#jumbf=c2pa.assertions/c2pa.ingredient.v3");
  // The hashed URI covers the ingredient superbox's payload (notes §2.5).
  auto payload = store.SuperboxPayload(m.assertions[0].range);
  const auto digest = crypto::Sha256Digest(payload);
  EXPECT_EQ(ref->hash, Bytes(digest.begin(), digest.end()));
}

TEST_F(BuilderTest, OpenedFromPlainFileAndEdited) {
  CUSTODY_C2PA_FIXTURE(png, "gradient64.png");
  ManifestSpec spec;
  spec.title = "opened_from_plain.png";
  ActionSpec opened{"c2pa.opened", {}, {}, {}, {}, {0}, {}};
  ActionSpec edited{"c2pa.edited",
                    std::string(kSourceCompositeWithTrainedAlgorithmicMedia),
                    SoftwareAgent{"custody-inpaint", "2", {}},
                    {},
                    {},
                    {},
                    {}};
  spec.actions = {opened, edited};
  spec.ingredients.push_back(
      IngredientSpec{Relationship::kParentOf, "gradient64.png", "", "", std::nullopt, png});
  auto signed_asset = Sign(png, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  const VerifyReport report = Verify(signed_asset->bytes);
  ExpectTrusted(report);
  ExpectMediaUntouched(png, signed_asset->bytes);

  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_EQ(store.manifests.size(), 1u);
  const Manifest& m = store.manifests[0];
  const Assertion* ingredient = m.FindAssertion("c2pa.ingredient.v3");
  ASSERT_TRUE(ingredient != nullptr && ingredient->cbor.has_value());
  EXPECT_EQ(ingredient->cbor->Find("relationship")->text(), "parentOf");
  EXPECT_EQ(ingredient->cbor->Find("dc:format")->text(), "image/png");  // from the file
  EXPECT_TRUE(ingredient->cbor->Find("instanceID")->text().starts_with("xmp:iid:"));
  EXPECT_EQ(ingredient->cbor->Find("activeManifest"), nullptr);
  EXPECT_EQ(ingredient->cbor->Find("validationResults"), nullptr);
  const cbor::Value& actions = *m.FindAssertion("c2pa.actions.v2")->cbor->Find("actions");
  ASSERT_EQ(actions.array().size(), 2u);
  EXPECT_EQ(actions.array()[0].Find("action")->text(), "c2pa.opened");
  EXPECT_EQ(actions.array()[1].Find("action")->text(), "c2pa.edited");
  EXPECT_EQ(actions.array()[1].Find("digitalSourceType")->text(),
            kSourceCompositeWithTrainedAlgorithmicMedia);
}

TEST_F(BuilderTest, OpenedFromFileWithManifestCopiesItsManifestsFirstAndVerbatim) {
  CUSTODY_C2PA_FIXTURE(ca, "CA.jpg");
  ManifestSpec spec;
  spec.title = "edited_from_CA.jpg";
  spec.actions = {ActionSpec{"c2pa.opened", {}, {}, {}, {}, {0}, {}},
                  ActionSpec{"c2pa.edited",
                             std::string(kSourceCompositeWithTrainedAlgorithmicMedia),
                             {},
                             {},
                             {},
                             {},
                             {}}};
  spec.ingredients.push_back(
      IngredientSpec{Relationship::kParentOf, "CA.jpg", "image/jpeg", "", std::nullopt, ca});
  auto signed_asset = Sign(ca, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  const VerifyReport report = Verify(signed_asset->bytes);
  ExpectTrusted(report);
  // CA.jpg's old store is replaced: the output's media equals CA.jpg's media.
  ExpectMediaUntouched(ca, signed_asset->bytes);
  EXPECT_GE(CountApp11(signed_asset->bytes), 2) << "CA's manifest alone is over 64 KB";

  const ManifestStore original = ReadStore(ca);
  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_EQ(store.manifests.size(), original.manifests.size() + 1);
  for (size_t i = 0; i < original.manifests.size(); ++i) {
    const Manifest& want = original.manifests[i];
    const Manifest& got = store.manifests[i];
    EXPECT_EQ(got.label, want.label);
    const auto a =
        std::span<const uint8_t>(original.jumbf).subspan(want.range.offset, want.range.length);
    const auto b =
        std::span<const uint8_t>(store.jumbf).subspan(got.range.offset, got.range.length);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end())) << "manifest " << i;
  }
  const Manifest& ours = store.manifests.back();
  EXPECT_EQ(ours.label, signed_asset->manifest_label);
  ExpectMinimalClaim(ours, *signed_asset);

  const Assertion* ingredient = ours.FindAssertion("c2pa.ingredient.v3");
  ASSERT_TRUE(ingredient != nullptr && ingredient->cbor.has_value());
  const cbor::Value& ing = *ingredient->cbor;
  const Manifest& ca_active = *original.active();
  auto active_ref = ParseHashedUri(*ing.Find("activeManifest"));
  ASSERT_TRUE(active_ref.ok());
  EXPECT_EQ(active_ref->url, "self#jumbf=/c2pa/" + ca_active.label);
  EXPECT_EQ(active_ref->alg, "sha256");
  const auto active_digest = crypto::Sha256Digest(original.SuperboxPayload(ca_active.range));
  EXPECT_EQ(active_ref->hash, Bytes(active_digest.begin(), active_digest.end()));
  auto signature_ref = ParseHashedUri(*ing.Find("claimSignature"));
  ASSERT_TRUE(signature_ref.ok());
  EXPECT_EQ(signature_ref->url, "self#jumbf=/c2pa/" + ca_active.label + "/c2pa.signature");
  const Box* sig_box = FindByLabel(store.root, "/c2pa/" + ca_active.label + "/c2pa.signature");
  ASSERT_TRUE(sig_box != nullptr);
  const auto sig_digest = crypto::Sha256Digest(store.SuperboxPayload(sig_box->range));
  EXPECT_EQ(signature_ref->hash, Bytes(sig_digest.begin(), sig_digest.end()));

  // validationResults: what our verifier says about CA.jpg on its own.
  const VerifyReport ca_report = Verify(ca);
  const cbor::Value* results = ing.Find("validationResults");
  ASSERT_TRUE(results != nullptr);
  const cbor::Value* active = results->Find("activeManifest");
  ASSERT_TRUE(active != nullptr);
  auto codes = [](const cbor::Value* list) {
    std::vector<std::string> out;
    for (const cbor::Value& e : list->array()) out.push_back(e.Find("code")->text());
    return out;
  };
  auto report_codes = [](const std::vector<StatusEntry>& list) {
    std::vector<std::string> out;
    for (const StatusEntry& e : list) out.push_back(e.code);
    return out;
  };
  EXPECT_EQ(codes(active->Find("success")), report_codes(ca_report.active.success));
  EXPECT_EQ(codes(active->Find("informational")), report_codes(ca_report.active.informational));
  EXPECT_EQ(codes(active->Find("failure")), report_codes(ca_report.active.failure));
  EXPECT_TRUE(ca_report.active.failure.empty()) << Describe(ca_report);
}

TEST_F(BuilderTest, SameManifestFromTwoIngredientsIsCopiedOnce) {
  CUSTODY_C2PA_FIXTURE(ca, "CA.jpg");
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  ManifestSpec spec = GenAiSpec();
  spec.actions.push_back(ActionSpec{"c2pa.placed", {}, {}, {}, {}, {0, 1}, {}});
  spec.ingredients.push_back(
      IngredientSpec{Relationship::kComponentOf, "CA.jpg", "image/jpeg", "", std::nullopt, ca});
  spec.ingredients.push_back(
      IngredientSpec{Relationship::kComponentOf, "CA copy", "image/jpeg", "", std::nullopt, ca});
  auto signed_asset = Sign(jpeg, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  ExpectTrusted(Verify(signed_asset->bytes));
  const ManifestStore original = ReadStore(ca);
  const ManifestStore store = ReadStore(signed_asset->bytes);
  EXPECT_EQ(store.manifests.size(), original.manifests.size() + 1);
  const Manifest& ours = store.manifests.back();
  ASSERT_TRUE(ours.FindAssertion("c2pa.ingredient.v3") != nullptr);
  ASSERT_TRUE(ours.FindAssertion("c2pa.ingredient.v3__1") != nullptr);
  EXPECT_EQ(ours.FindAssertion("c2pa.ingredient.v3__1")->cbor->Find("dc:title")->text(), "CA copy");
}

TEST_F(BuilderTest, PlacedComponentAndPromptsWithExactActionsAndIngredients) {
  CUSTODY_C2PA_FIXTURE(jpeg, "earth_apollo17.jpg");
  CUSTODY_C2PA_FIXTURE(png, "gradient64.png");
  ManifestSpec spec = GenAiSpec();
  spec.actions[0].digital_source_type = std::string(kSourceCompositeWithTrainedAlgorithmicMedia);
  spec.actions[0].ingredients = {1};
  spec.actions.push_back(ActionSpec{"c2pa.placed", {}, {}, {}, {}, {0}, {}});
  spec.ingredients.push_back(IngredientSpec{Relationship::kComponentOf, "logo.png", "image/png",
                                            "urn:custody:asset:logo", std::nullopt, png});
  spec.ingredients.push_back(IngredientSpec{Relationship::kInputTo,
                                            "prompt",
                                            "text/plain",
                                            "urn:custody:prompt:7",
                                            std::string(kPrompt),
                                            {}});
  auto signed_asset = Sign(jpeg, spec, *ed25519_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  ExpectTrusted(Verify(signed_asset->bytes));
  ExpectMediaUntouched(jpeg, signed_asset->bytes);

  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_TRUE(store.active() != nullptr);
  const Manifest& m = *store.active();
  std::vector<std::string> labels;
  for (const Assertion& a : m.assertions) labels.push_back(a.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"c2pa.ingredient.v3", "c2pa.ingredient.v3__1",
                                              "c2pa.actions.v2", "c2pa.hash.data"}));
  const cbor::Value& actions = *m.FindAssertion("c2pa.actions.v2")->cbor->Find("actions");
  ASSERT_EQ(actions.array().size(), 2u);
  auto ingredient_urls = [](const cbor::Value& action) {
    std::vector<std::string> urls;
    for (const cbor::Value& u : action.Find("parameters")->Find("ingredients")->array()) {
      urls.push_back(u.Find("url")->text());
    }
    return urls;
  };
  EXPECT_EQ(actions.array()[0].Find("action")->text(), "c2pa.created");
  EXPECT_EQ(ingredient_urls(actions.array()[0]),
            std::vector<std::string>{"self#jumbf=c2pa.assertions/c2pa.ingredient.v3__1"});
  EXPECT_EQ(actions.array()[1].Find("action")->text(), "c2pa.placed");
  EXPECT_EQ(ingredient_urls(actions.array()[1]),
            std::vector<std::string>{"self#jumbf=c2pa.assertions/c2pa.ingredient.v3"});
  EXPECT_EQ(m.FindAssertion("c2pa.ingredient.v3")->cbor->Find("relationship")->text(),
            "componentOf");
  EXPECT_EQ(m.FindAssertion("c2pa.ingredient.v3__1")->cbor->Find("relationship")->text(),
            "inputTo");
}

TEST_F(BuilderTest, LargeStoreSpansSeveralJpegSegments) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  ManifestSpec spec = GenAiSpec();
  const std::string long_prompt(2000, 'p');
  for (size_t i = 0; i < 50; ++i) {
    spec.ingredients.push_back(IngredientSpec{
        Relationship::kInputTo, "prompt " + std::to_string(i), "text/plain", "", long_prompt, {}});
    spec.actions[0].ingredients.push_back(i);
  }
  auto signed_asset = Sign(jpeg, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  EXPECT_GT(signed_asset->store_size, 64u * 1024);
  EXPECT_GE(CountApp11(signed_asset->bytes), 2);
  ExpectTrusted(Verify(signed_asset->bytes));
  ExpectMediaUntouched(jpeg, signed_asset->bytes);
  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_TRUE(store.active() != nullptr);
  const Manifest& m = *store.active();
  EXPECT_EQ(m.assertions.size(), 52u);
  EXPECT_EQ(m.FindAssertion("c2pa.ingredient.v3__49")->cbor->Find("dc:title")->text(), "prompt 49");
}

TEST_F(BuilderTest, ExtraAssertionsAreGathered) {
  CUSTODY_C2PA_FIXTURE(png, "libpng-test.png");
  ManifestSpec spec = GenAiSpec();
  cbor::Value lineage = cbor::Value::MakeMap();
  lineage.Set("job", cbor::Value::Text("job-17"));
  spec.extra_assertions.push_back(ExtraAssertion{"org.custody.lineage", lineage, std::nullopt});
  spec.extra_assertions.push_back(ExtraAssertion{
      "stds.schema-org.CreativeWork", std::nullopt,
      boost::json::parse(R"({"@context":"http://schema.org/","@type":"CreativeWork",)"
                         R"("author":[{"@type":"Person","name":"Ada"}]})")});
  auto signed_asset = Sign(png, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  ExpectTrusted(Verify(signed_asset->bytes));
  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_TRUE(store.active() != nullptr);
  const Manifest& m = *store.active();
  ASSERT_EQ(m.gathered_assertions.size(), 2u);
  EXPECT_EQ(m.gathered_assertions[0].url, "self#jumbf=c2pa.assertions/org.custody.lineage");
  EXPECT_EQ(m.gathered_assertions[1].url,
            "self#jumbf=c2pa.assertions/stds.schema-org.CreativeWork");
  EXPECT_EQ(m.FindAssertion("org.custody.lineage")->cbor->Find("job")->text(), "job-17");
  const Assertion* json = m.FindAssertion("stds.schema-org.CreativeWork");
  ASSERT_TRUE(json != nullptr && json->json.has_value());
  EXPECT_EQ(json->content_type, kJsonBoxType);
  EXPECT_EQ(json->json->at("author").at(0).at("name").as_string(), "Ada");
}

TEST_F(BuilderTest, UnsaltedAssertionsUseToggles03) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  BuildOptions options = Options();
  options.salt_assertions = false;
  auto signed_asset = SignAsset(jpeg, GenAiSpec(), *es256_, options);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  ExpectTrusted(Verify(signed_asset->bytes));
  const ManifestStore store = ReadStore(signed_asset->bytes);
  const Box* assertions =
      FindByLabel(store.root, "/c2pa/" + signed_asset->manifest_label + "/c2pa.assertions");
  ASSERT_TRUE(assertions != nullptr);
  for (const Box& child : assertions->children) {
    EXPECT_EQ(child.desc->toggles, 0x03) << child.label();
  }
}

TEST_F(BuilderTest, LabelAndInstanceIdFollowTheSpec) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  ManifestSpec spec = GenAiSpec();
  auto signed_asset = Sign(jpeg, spec, *es256_);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  const std::string& label = signed_asset->manifest_label;
  // urn:c2pa:<uuid v4>:custody
  ASSERT_EQ(label.size(), 9 + 36 + 8) << label;
  EXPECT_TRUE(label.starts_with("urn:c2pa:"));
  EXPECT_TRUE(label.ends_with(":custody"));
  EXPECT_EQ(label[9 + 14], '4') << "UUID version 4";
  EXPECT_NE(std::string("89ab").find(label[9 + 19]), std::string::npos) << "RFC 4122 variant";

  spec.instance_id = "xmp:iid:given";
  BuildOptions options = Options();
  options.claim_generator_id = "";
  auto again = SignAsset(jpeg, spec, *es256_, options);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(again->manifest_label.size(), 9u + 36u);
  EXPECT_EQ(ReadStore(again->bytes).active()->instance_id, "xmp:iid:given");
}

TEST_F(BuilderTest, Ed25519OutputIsReproducibleFromTheSeed) {
  CUSTODY_C2PA_FIXTURE(png, "gradient64.png");
  SeededRandom r1(7), r2(7);
  BuildOptions o1 = Options(), o2 = Options();
  o1.random = &r1;
  o2.random = &r2;
  auto a = SignAsset(png, GenAiSpec(), *ed25519_, o1);
  auto b = SignAsset(png, GenAiSpec(), *ed25519_, o2);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(a->bytes == b->bytes);
}

TEST_F(BuilderTest, ResignReplacesTheOldStore) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  auto first = Sign(jpeg, GenAiSpec(), *es256_);
  ASSERT_TRUE(first.ok());
  auto second = Sign(first->bytes, GenAiSpec(), *ed25519_);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  ExpectTrusted(Verify(second->bytes));
  ExpectMediaUntouched(jpeg, second->bytes);
  EXPECT_EQ(ReadStore(second->bytes).manifests.size(), 1u);
}

// ----- unusable specs ----------------------------------------------------------------------

TEST_F(BuilderTest, RejectsUnusableSpecs) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  auto expect_invalid = [&](const ManifestSpec& spec, std::string_view why) {
    auto r = Sign(jpeg, spec, *es256_);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << why << ": " << r.error().ToString();
  };
  ManifestSpec no_actions = GenAiSpec();
  no_actions.actions.clear();
  expect_invalid(no_actions, "no actions");

  ManifestSpec edited_first = GenAiSpec();
  edited_first.actions[0].action = "c2pa.edited";
  expect_invalid(edited_first, "first action edited");

  ManifestSpec missing_ingredient = GenAiSpec();
  missing_ingredient.actions[0].ingredients = {3};
  expect_invalid(missing_ingredient, "action naming a missing ingredient");

  ManifestSpec no_source = GenAiSpec();
  no_source.actions[0].digital_source_type.reset();
  expect_invalid(no_source, "created without digitalSourceType");

  ManifestSpec opened_without_parent = GenAiSpec();
  opened_without_parent.actions = {ActionSpec{"c2pa.opened", {}, {}, {}, {}, {}, {}}};
  expect_invalid(opened_without_parent, "opened without ingredients");

  ManifestSpec two_created = GenAiSpec();
  two_created.actions.push_back(two_created.actions[0]);
  expect_invalid(two_created, "two created actions");

  ManifestSpec unknown_file = GenAiSpec();
  unknown_file.ingredients.push_back(IngredientSpec{Relationship::kComponentOf, "x", "", "",
                                                    std::nullopt, Bytes{1, 2, 3, 4, 5, 6, 7, 8}});
  expect_invalid(unknown_file, "ingredient of unknown format");

  ManifestSpec bad_label = GenAiSpec();
  bad_label.extra_assertions.push_back(
      ExtraAssertion{"org/custody", cbor::Value::MakeMap(), std::nullopt});
  expect_invalid(bad_label, "label with a slash");

  ManifestSpec second_binding = GenAiSpec();
  second_binding.extra_assertions.push_back(
      ExtraAssertion{"c2pa.hash.data", cbor::Value::MakeMap(), std::nullopt});
  expect_invalid(second_binding, "a second hard binding");

  ManifestSpec no_generator_name = GenAiSpec();
  no_generator_name.claim_generator.name.clear();
  expect_invalid(no_generator_name, "claim generator without a name");

  BuildOptions no_random = Options();
  no_random.random = nullptr;
  auto r = SignAsset(jpeg, GenAiSpec(), *es256_, no_random);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  const Bytes text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'};
  auto unsupported = Sign(text, GenAiSpec(), *es256_);
  ASSERT_FALSE(unsupported.ok());
  EXPECT_EQ(unsupported.error().code(), ErrorCode::kUnsupportedMedia);
}

// ----- a time-stamp authority in the test process ------------------------------------------

struct OpenSslFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(TS_RESP_CTX* p) const { TS_RESP_CTX_free(p); }
  void operator()(TS_RESP* p) const { TS_RESP_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }  // certificates not owned
};
template <typename T>
using OsslPtr = std::unique_ptr<T, OpenSslFree>;

OsslPtr<X509> MakeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                       long serial, const std::vector<std::pair<int, const char*>>& extensions) {
  OsslPtr<X509> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    EXPECT_NE(ext, nullptr) << OBJ_nid2sn(nid);
    if (ext == nullptr) continue;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

Bytes Der(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

// A root and a TSA certificate (EKU timeStamping, critical) answering with OpenSSL's TS_RESP_CTX
// at the current time.
class LocalTsa {
 public:
  LocalTsa()
      : root_key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")),
        tsa_key_(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")) {
    root_ = MakeCert("Builder Test TSA Root", root_key_.get(), nullptr, nullptr, 1,
                     {{NID_basic_constraints, "critical,CA:TRUE"},
                      {NID_key_usage, "critical,keyCertSign,cRLSign"},
                      {NID_subject_key_identifier, "hash"}});
    tsa_ = MakeCert("Builder Test TSA", tsa_key_.get(), root_.get(), root_key_.get(), 2,
                    {{NID_basic_constraints, "critical,CA:FALSE"},
                     {NID_key_usage, "critical,digitalSignature"},
                     {NID_ext_key_usage, "critical,timeStamping"},
                     {NID_subject_key_identifier, "hash"},
                     {NID_authority_key_identifier, "keyid:always"}});
  }

  Bytes root_der() const { return Der(root_.get()); }

  Result<Bytes> Respond(std::span<const uint8_t> request) const {
    OsslPtr<TS_RESP_CTX> ctx(TS_RESP_CTX_new());
    TS_RESP_CTX_set_signer_cert(ctx.get(), tsa_.get());
    TS_RESP_CTX_set_signer_key(ctx.get(), tsa_key_.get());
    TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256());
    TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256());
    ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
    TS_RESP_CTX_set_def_policy(ctx.get(), policy);
    ASN1_OBJECT_free(policy);
    OsslPtr<STACK_OF(X509)> extra(sk_X509_new_null());
    sk_X509_push(extra.get(), root_.get());
    TS_RESP_CTX_set_certs(ctx.get(), extra.get());
    TS_RESP_CTX_add_md(ctx.get(), EVP_sha256());
    OsslPtr<BIO> in(BIO_new_mem_buf(request.data(), static_cast<int>(request.size())));
    OsslPtr<TS_RESP> resp(TS_RESP_create_response(ctx.get(), in.get()));
    if (!resp) return Error(ErrorCode::kUnavailable, "the test TSA failed");
    const int len = i2d_TS_RESP(resp.get(), nullptr);
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d_TS_RESP(resp.get(), &p);
    return out;
  }

 private:
  OsslPtr<EVP_PKEY> root_key_;
  OsslPtr<EVP_PKEY> tsa_key_;
  OsslPtr<X509> root_;
  OsslPtr<X509> tsa_;
};

TEST_F(BuilderTest, TimestampedSignatureVerifies) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  LocalTsa tsa;
  int calls = 0;
  cose::TimestampTransport transport = [&](std::span<const uint8_t> request) {
    ++calls;
    return tsa.Respond(request);
  };
  BuildOptions options = Options();
  options.timestamp = &transport;
  const TimePoint before = SystemClock().Now();
  auto signed_asset = SignAsset(jpeg, GenAiSpec(), *es256_, options);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  EXPECT_EQ(calls, 1);
  trust_.anchors.push_back(tsa.root_der());
  const VerifyReport report = Verify(signed_asset->bytes);
  ExpectTrusted(report);
  EXPECT_TRUE(report.active.HasSuccess("timeStamp.validated")) << Describe(report);
  EXPECT_TRUE(report.active.HasSuccess("timeStamp.trusted")) << Describe(report);
  ASSERT_TRUE(report.signature.has_value() && report.signature->time.has_value());
  EXPECT_GE(*report.signature->time, before - std::chrono::seconds(2));
  ExpectMediaUntouched(jpeg, signed_asset->bytes);
  // The reserved signature box grew by the timestamp allowance.
  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_TRUE(store.active() != nullptr && store.active()->signature_bytes.has_value());
  EXPECT_EQ(store.active()->signature_bytes->size(), cose::ReserveSize(*es256_, true));
}

TEST_F(BuilderTest, TimestampFailureFailsTheSigning) {
  CUSTODY_C2PA_FIXTURE(jpeg, "no_manifest.jpg");
  cose::TimestampTransport down = [](std::span<const uint8_t>) -> Result<Bytes> {
    return Error(ErrorCode::kUnavailable, "connection refused");
  };
  BuildOptions options = Options();
  options.timestamp = &down;
  auto r = SignAsset(jpeg, GenAiSpec(), *es256_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

// ----- deliberate defects ------------------------------------------------------------------

struct DefectCase {
  const char* name;
  BuildDefects defects;
  const char* file;
  const char* failure;  // the status code our verifier must report
};

class BuilderDefectTest : public BuilderTest, public ::testing::WithParamInterface<DefectCase> {};

TEST_P(BuilderDefectTest, VerifierReportsTheDefect) {
  auto input = ReadFile(C2paFixtures() / GetParam().file);
  ASSERT_TRUE(input.has_value()) << GetParam().file;
  const BuildDefects defects = GetParam().defects;
  auto signed_asset = Sign(*input, GenAiSpec(), *es256_, &defects);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  const VerifyReport report = Verify(signed_asset->bytes);
  EXPECT_TRUE(report.has_manifest);
  EXPECT_EQ(report.state, ValidationState::kInvalid) << Describe(report);
  EXPECT_TRUE(report.active.HasFailure(GetParam().failure)) << Describe(report);
}

BuildDefects Defect(bool BuildDefects::*flag) {
  BuildDefects d;
  d.*flag = true;
  return d;
}

INSTANTIATE_TEST_SUITE_P(
    Defects, BuilderDefectTest,
    ::testing::Values(DefectCase{"ChangeAssetByte", Defect(&BuildDefects::change_asset_byte),
                                 "no_manifest.jpg", "assertion.dataHash.mismatch"},
                      DefectCase{"ChangeAssetBytePng", Defect(&BuildDefects::change_asset_byte),
                                 "gradient64.png", "assertion.dataHash.mismatch"},
                      DefectCase{"ChangeAssetByteMp4", Defect(&BuildDefects::change_asset_byte),
                                 "video1_no_manifest.mp4", "assertion.bmffHash.mismatch"},
                      DefectCase{"DamageSignature", Defect(&BuildDefects::damage_signature),
                                 "no_manifest.jpg", "claimSignature.mismatch"},
                      DefectCase{"OmitActions", Defect(&BuildDefects::omit_actions),
                                 "no_manifest.jpg", "assertion.action.malformed"},
                      DefectCase{"OmitHardBinding", Defect(&BuildDefects::omit_hard_binding),
                                 "no_manifest.jpg", "claim.hardBindings.missing"},
                      DefectCase{"UndeclaredAssertion", Defect(&BuildDefects::undeclared_assertion),
                                 "no_manifest.jpg", "assertion.undeclared"},
                      DefectCase{"OmitPad", Defect(&BuildDefects::omit_pad), "no_manifest.jpg",
                                 "assertion.dataHash.malformed"},
                      DefectCase{"OmitClaimGeneratorInfo",
                                 Defect(&BuildDefects::omit_claim_generator_info),
                                 "no_manifest.jpg", "claim.malformed"},
                      DefectCase{"OmitClaimAlg", Defect(&BuildDefects::omit_claim_alg),
                                 "no_manifest.jpg", "algorithm.unsupported"},
                      DefectCase{"RiffPadInExclusion", Defect(&BuildDefects::riff_pad_in_exclusion),
                                 "tone_8k_mono.wav", "assertion.dataHash.mismatch"},
                      DefectCase{"TamperAssertion", Defect(&BuildDefects::tamper_assertion),
                                 "no_manifest.jpg", "assertion.hashedURI.mismatch"}),
    [](const ::testing::TestParamInfo<DefectCase>& info) { return std::string(info.param.name); });

TEST_F(BuilderTest, RiffPadDefectExcludesThePadByte) {
  CUSTODY_C2PA_FIXTURE(wav, "tone_8k_mono.wav");
  BuildDefects defects;
  defects.riff_pad_in_exclusion = true;
  auto signed_asset = Sign(wav, GenAiSpec(), *es256_, &defects);
  ASSERT_TRUE(signed_asset.ok()) << signed_asset.error().ToString();
  DumpAs(signed_asset->bytes);
  EXPECT_EQ(signed_asset->store_size % 2, 1u);
  const ManifestStore store = ReadStore(signed_asset->bytes);
  ASSERT_TRUE(store.active() != nullptr);
  const Manifest& m = *store.active();
  const cbor::Value& excl = m.FindAssertion("c2pa.hash.data")->cbor->Find("exclusions")->array()[0];
  // The C2PA chunk (8-byte header + odd JUMBF) plus the pad byte, which runs to the end of file.
  EXPECT_EQ(excl.Find("length")->uint(), 8 + signed_asset->store_size + 1);
  EXPECT_EQ(excl.Find("start")->uint() + excl.Find("length")->uint(), signed_asset->bytes.size());
}

}  // namespace
}  // namespace custody::provenance
