// Tests for the verifier.
//  - The fixtures table of fixtures/c2pa/README.md, with trust/test_cert_root_bundle.pem as
//    anchors and without: state and the exact status-code lists, which are those the official SDK
//    (c2pa-rs 0.91.3 as @contentauth/c2pa-wasm 0.13.3) reports for the same files and settings.
//  - Manifests forged here from parts (a real ES256 key and chain, real PNG container) with one
//    defect each: the failure modes of the notes' table.
//  - Corruption sweeps over the stores of handbuilt/min.png and min.jpg: never a crash, always
//    Invalid or an Error.
#include "provenance/c2pa/validate.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/pki.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

using cbor::Value;
using testing::C2paFixtures;
using testing::ReadText;

TimePoint Now() { return *ParseTime("2026-11-22T00:00:00Z"); }

std::string Str(const boost::json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
}

std::vector<std::string> Codes(const std::vector<StatusEntry>& list) {
  std::vector<std::string> out;
  for (const StatusEntry& e : list) out.push_back(e.code);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Describe(const ValidationStatus& s) {
  std::string out;
  for (const auto* list : {&s.success, &s.informational, &s.failure}) {
    out += list == &s.success ? "success:" : list == &s.informational ? " info:" : " failure:";
    for (const StatusEntry& e : *list) out += " " + e.code + " (" + e.explanation + ")";
  }
  return out;
}

std::string Describe(const VerifyReport& r) {
  std::string out = std::string(ValidationStateName(r.state)) + " " + Describe(r.active);
  for (const IngredientDelta& d : r.ingredient_deltas) {
    out += "\n  delta " + d.ingredient_url + ": " + Describe(d.status);
  }
  return out;
}

class VerifyTest : public ::testing::Test {
 public:
  VerifyOptions Options(bool anchors) const {
    VerifyOptions o;
    o.trust = anchors ? &trust_ : nullptr;
    o.now = Now();
    return o;
  }

 protected:
  void SetUp() override {
    auto pem = ReadText(C2paFixtures() / "trust/test_cert_root_bundle.pem");
    if (!pem) {
      if (testing::RequireFixtures()) FAIL() << "trust bundle missing";
      GTEST_SKIP() << "fixtures missing";
    }
    auto trust = TrustSettingsFromPem(*pem);
    ASSERT_TRUE(trust.ok()) << trust.error().ToString();
    trust_ = std::move(trust).value();
  }

  Result<VerifyReport> Verify(const Bytes& asset, bool anchors = true) const {
    return VerifyAsset(asset, Options(anchors));
  }

  TrustSettings trust_;
};

// ---- the fixtures table ----------------------------------------------------------------------

// Status-code lists (sorted) as the SDK reports them.
struct Expected {
  const char* file;
  ValidationState state;
  std::vector<std::string> success;
  std::vector<std::string> informational;
  std::vector<std::string> failure;
  // ingredient deltas: URL → {success, informational, failure}
  std::map<std::string, std::vector<std::vector<std::string>>> deltas = {};
};

std::vector<std::string> Repeat(const std::string& c, int n) {
  return std::vector<std::string>(n, c);
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> Concat(std::initializer_list<std::vector<std::string>> parts) {
  std::vector<std::string> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return Sorted(out);
}

const std::string kHashedUri = "assertion.hashedURI.match";
const std::string kCaIngredient =
    "self#jumbf=/c2pa/contentauth:urn:uuid:c2677d4b-0a93-4444-876f-ed2f2d40b8cf/c2pa.assertions/"
    "c2pa.ingredient";
const std::string kCacaIngredient =
    "self#jumbf=/c2pa/urn:c2pa:fff4c43d-ffb0-4f23-bd0b-f47f1cf82057:contentauth/c2pa.assertions/"
    "c2pa.ingredient.v3";
const std::string kEditedIngredient =
    "self#jumbf=/c2pa/urn:c2pa:4215a9e3-864a-44a3-9170-75381055aa16/c2pa.assertions/"
    "c2pa.ingredient.v3";
const std::string kOpenedIngredient =
    "self#jumbf=/c2pa/urn:c2pa:d53294e1-f0ef-483a-a616-b232f559058f/c2pa.assertions/"
    "c2pa.ingredient.v3";

// What a c2pa-rs-written genai file (or our hand-built minimum) reports with anchors.
Expected Simple(const char* file, const char* binding = "assertion.dataHash.match") {
  return {file,
          ValidationState::kTrusted,
          Concat({{"signingCredential.trusted", "claimSignature.insideValidity",
                   "claimSignature.validated", binding},
                  Repeat(kHashedUri, 2)}),
          {"signingCredential.ocsp.skipped"},
          {}};
}

std::vector<Expected> WithAnchors() {
  std::vector<Expected> out;
  out.push_back({"C.jpg",
                 ValidationState::kTrusted,
                 Concat({{"timeStamp.validated", "timeStamp.trusted", "signingCredential.trusted",
                          "claimSignature.insideValidity", "claimSignature.validated",
                          "assertion.dataHash.match"},
                         Repeat(kHashedUri, 4)}),
                 {"signingCredential.ocsp.skipped"},
                 {}});
  out.push_back({"CA.jpg",
                 ValidationState::kTrusted,
                 Concat({{"timeStamp.validated", "timeStamp.trusted", "signingCredential.trusted",
                          "claimSignature.insideValidity", "claimSignature.validated",
                          "assertion.dataHash.match"},
                         Repeat(kHashedUri, 6)}),
                 {"signingCredential.ocsp.skipped"},
                 {},
                 {{kCaIngredient, {{}, {"ingredient.unknownProvenance"}, {}}}}});
  out.push_back(
      {"CACA.jpg",
       ValidationState::kTrusted,
       Concat({{"timeStamp.validated", "signingCredential.trusted", "claimSignature.insideValidity",
                "claimSignature.validated", "assertion.dataHash.match"},
               Repeat(kHashedUri, 5)}),
       Sorted({"signingCredential.ocsp.skipped", "timeStamp.untrusted"}),
       {},
       {{kCacaIngredient,
         {Sorted({"ingredient.manifest.validated", "signingCredential.trusted"}),
          {"signingCredential.ocsp.skipped"},
          {}}}}});
  out.push_back({"XCA.jpg",
                 ValidationState::kInvalid,
                 Concat({{"timeStamp.validated", "timeStamp.trusted", "signingCredential.trusted",
                          "claimSignature.insideValidity", "claimSignature.validated"},
                         Repeat(kHashedUri, 6)}),
                 {"signingCredential.ocsp.skipped"},
                 {"assertion.dataHash.mismatch"},
                 {{kCaIngredient, {{}, {"ingredient.unknownProvenance"}, {}}}}});
  out.push_back(
      {"E-sig-CA.jpg",
       ValidationState::kInvalid,
       Concat({{"signingCredential.trusted", "assertion.dataHash.match"}, Repeat(kHashedUri, 6)}),
       Sorted({"signingCredential.ocsp.skipped", "timeStamp.mismatch"}),
       {"claimSignature.mismatch"},
       {{kCaIngredient, {{}, {"ingredient.unknownProvenance"}, {}}}}});
  // Signed by a certificate outside the test roots: untrusted even with anchors.
  out.push_back({"dashinit.mp4",
                 ValidationState::kInvalid,
                 Sorted({"claimSignature.insideValidity", "claimSignature.validated", kHashedUri}),
                 {"signingCredential.ocsp.skipped"},
                 Sorted({"signingCredential.untrusted", "assertion.bmffHash.mismatch"})});
  out.push_back(Simple("reference-c2pa-rs/genai_es256.jpg"));
  out.push_back(Simple("reference-c2pa-rs/genai_ed25519.jpg"));
  out.push_back(Simple("reference-c2pa-rs/genai_es256.png"));
  out.push_back(Simple("reference-c2pa-rs/genai_es256.wav"));
  Expected mp4 = Simple("reference-c2pa-rs/genai_es256.mp4", "assertion.bmffHash.match");
  mp4.informational =
      Sorted({"signingCredential.ocsp.skipped", "assertion.bmffHash.additionalExclusionsPresent"});
  out.push_back(mp4);
  Expected opened = Simple("reference-c2pa-rs/opened_from_plain.png");
  opened.success = Concat({opened.success, {kHashedUri}});
  opened.deltas = {{kOpenedIngredient, {{}, {"ingredient.unknownProvenance"}, {}}}};
  out.push_back(opened);
  Expected edited = Simple("reference-c2pa-rs/edited_from_CA.jpg");
  edited.success = Concat({edited.success, {kHashedUri}});
  edited.deltas = {
      {kEditedIngredient,
       {Sorted({"ingredient.manifest.validated", "signingCredential.trusted"}), {}, {}}}};
  out.push_back(edited);
  out.push_back(Simple("handbuilt/min.jpg"));
  out.push_back(Simple("handbuilt/min.png"));
  out.push_back(Simple("handbuilt/min.wav"));
  Expected tamper = Simple("handbuilt/tamper.jpg");
  tamper.state = ValidationState::kInvalid;
  tamper.success.erase(
      std::find(tamper.success.begin(), tamper.success.end(), "assertion.dataHash.match"));
  tamper.failure = {"assertion.dataHash.mismatch"};
  out.push_back(tamper);
  return out;
}

// Without anchors the SDK moves signingCredential.trusted to the failure
// signingCredential.untrusted (in ingredient deltas too, unless the ingredient recorded it) and
// Trusted becomes Valid.
Expected WithoutAnchors(Expected e) {
  auto drop_trusted = [](std::vector<std::string>& v) {
    auto it = std::find(v.begin(), v.end(), "signingCredential.trusted");
    if (it == v.end()) return false;
    v.erase(it);
    return true;
  };
  if (drop_trusted(e.success)) e.failure = Concat({e.failure, {"signingCredential.untrusted"}});
  if (e.state == ValidationState::kTrusted) e.state = ValidationState::kValid;
  for (auto& [url, lists] : e.deltas) {
    // CACA's ingredient recorded signingCredential.untrusted itself, so it is no delta.
    if (drop_trusted(lists[0]) && url != kCacaIngredient) {
      lists[2] = Concat({lists[2], {"signingCredential.untrusted"}});
    }
  }
  return e;
}

void ExpectReport(const VerifyReport& r, const Expected& e) {
  SCOPED_TRACE(Describe(r));
  EXPECT_TRUE(r.has_manifest);
  EXPECT_EQ(ValidationStateName(r.state), ValidationStateName(e.state));
  EXPECT_EQ(Codes(r.active.success), e.success);
  EXPECT_EQ(Codes(r.active.informational), e.informational);
  EXPECT_EQ(Codes(r.active.failure), e.failure);
  std::map<std::string, std::vector<std::vector<std::string>>> deltas;
  for (const IngredientDelta& d : r.ingredient_deltas) {
    deltas[d.ingredient_url] = {Codes(d.status.success), Codes(d.status.informational),
                                Codes(d.status.failure)};
  }
  EXPECT_EQ(deltas, e.deltas);
}

TEST_F(VerifyTest, FixturesWithTrustAnchorsMatchTheSdk) {
  for (const Expected& e : WithAnchors()) {
    SCOPED_TRACE(e.file);
    CUSTODY_C2PA_FIXTURE(asset, e.file);
    auto r = Verify(asset, /*anchors=*/true);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ExpectReport(*r, e);
  }
}

TEST_F(VerifyTest, FixturesWithoutTrustAnchorsMatchTheSdk) {
  for (const Expected& with : WithAnchors()) {
    const Expected e = WithoutAnchors(with);
    SCOPED_TRACE(e.file);
    CUSTODY_C2PA_FIXTURE(asset, e.file);
    auto r = Verify(asset, /*anchors=*/false);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ExpectReport(*r, e);
  }
}

TEST_F(VerifyTest, StatusEntriesCarryAbsoluteUrlsAndExplanations) {
  CUSTODY_C2PA_FIXTURE(asset, "reference-c2pa-rs/genai_es256.png");
  auto r = Verify(asset);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const std::string base = "self#jumbf=/c2pa/" + r->active_manifest;
  EXPECT_EQ(r->active_manifest, "urn:c2pa:ebc52aa7-1db4-4d42-8eb3-b96b08b11a05");
  std::map<std::string, std::vector<std::string>> urls;
  for (const StatusEntry& e : r->active.success) {
    urls[e.code].push_back(e.url);
    EXPECT_FALSE(e.explanation.empty()) << e.code;
  }
  EXPECT_EQ(urls["claimSignature.validated"], std::vector<std::string>{base + "/c2pa.signature"});
  EXPECT_EQ(urls["signingCredential.trusted"], std::vector<std::string>{base + "/c2pa.signature"});
  EXPECT_EQ(urls["assertion.dataHash.match"],
            std::vector<std::string>{base + "/c2pa.assertions/c2pa.hash.data"});
  EXPECT_EQ(Sorted(urls[kHashedUri]), Sorted({base + "/c2pa.assertions/c2pa.actions.v2",
                                              base + "/c2pa.assertions/c2pa.hash.data"}));
  EXPECT_EQ(r->format, AssetFormat::kPng);
  ASSERT_TRUE(r->signature.has_value());
  EXPECT_EQ(r->signature->alg, "ES256");
  EXPECT_EQ(r->signature->common_name, "C2PA Signer");
  EXPECT_EQ(r->signature->issuer, "C2PA Test Intermediate Root CA");
  EXPECT_FALSE(r->signature->cert_serial_number.empty());
  EXPECT_FALSE(r->signature->time.has_value());
}

TEST_F(VerifyTest, TimestampedSignatureReportsTheTimestampTime) {
  CUSTODY_C2PA_FIXTURE(asset, "CACA.jpg");
  auto r = Verify(asset);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(r->signature.has_value());
  EXPECT_EQ(r->signature->alg, "PS256");
  ASSERT_TRUE(r->signature->time.has_value());
  EXPECT_EQ(FormatTime(*r->signature->time), "2025-10-16T17:31:55Z");
}

TEST_F(VerifyTest, FilesWithoutManifestsHaveNone) {
  for (const char* file : {"no_manifest.jpg", "earth_apollo17.jpg", "gradient64.png",
                           "libpng-test.png", "tone_8k_mono.wav", "video1_no_manifest.mp4"}) {
    SCOPED_TRACE(file);
    CUSTODY_C2PA_FIXTURE(asset, file);
    auto r = Verify(asset);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_FALSE(r->has_manifest);
    EXPECT_FALSE(r->store.has_value());
    EXPECT_TRUE(r->active.success.empty() && r->active.failure.empty());
    EXPECT_NE(r->format, AssetFormat::kUnknown);
    const boost::json::object json = r->ToJson();
    EXPECT_TRUE(json.at("validation_state").is_null());
    EXPECT_TRUE(json.at("manifests").as_object().empty());
    EXPECT_EQ(json.at("error"), "no C2PA manifest");
  }
}

TEST_F(VerifyTest, UnknownFormatsAreUnsupported) {
  const Bytes text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'};
  auto r = Verify(text);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupportedMedia);
  EXPECT_FALSE(VerifyAsset({}, Options(true)).ok());
}

TEST_F(VerifyTest, ToJsonHasTheSdkShape) {
  CUSTODY_C2PA_FIXTURE(asset, "CACA.jpg");
  auto r = Verify(asset);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const boost::json::object json = r->ToJson();
  const std::string active = "urn:c2pa:fff4c43d-ffb0-4f23-bd0b-f47f1cf82057:contentauth";
  const std::string ingredient = "urn:c2pa:5259041e-8171-49c9-acc2-915f1a48e3a5:contentauth";
  EXPECT_EQ(Str(json.at("active_manifest")), active);
  EXPECT_EQ(json.at("validation_state"), "Trusted");
  const auto& manifests = json.at("manifests").as_object();
  ASSERT_EQ(manifests.size(), 2u);
  const auto& m = manifests.at(active).as_object();
  EXPECT_EQ(m.at("title"), "CACA.jpg");
  EXPECT_EQ(m.at("instance_id"), "xmp:iid:6015695d-745b-4510-9e62-918a2673f262");
  EXPECT_EQ(m.at("claim_version"), 2);
  EXPECT_EQ(m.at("claim_generator_info").at(0).at("name"), "make_test_images");
  EXPECT_EQ(m.at("signature_info").at("alg"), "PS256");
  EXPECT_EQ(m.at("signature_info").at("common_name"), "C2PA Signer");
  EXPECT_EQ(m.at("signature_info").at("time"), "2025-10-16T17:31:55Z");
  // Assertions as the SDK lists them: no hard bindings, ingredients or binary thumbnails.
  const auto& assertions = m.at("assertions").as_array();
  ASSERT_EQ(assertions.size(), 1u);
  EXPECT_EQ(assertions[0].at("label"), "c2pa.actions.v2");
  EXPECT_EQ(assertions[0].at("data").at("actions").at(0).at("action"), "c2pa.opened");
  EXPECT_EQ(assertions[0]
                .at("data")
                .at("actions")
                .at(0)
                .at("parameters")
                .at("ingredients")
                .at(0)
                .at("hash"),
            "bfLuOZmqk2J+gRiSTCF9z0DviSYTDcWlowKkPyD+6cc=");
  const auto& ingredients = m.at("ingredients").as_array();
  ASSERT_EQ(ingredients.size(), 1u);
  EXPECT_EQ(ingredients[0].at("title"), "CA.jpg");
  EXPECT_EQ(ingredients[0].at("format"), "image/jpeg");
  EXPECT_EQ(ingredients[0].at("relationship"), "parentOf");
  EXPECT_EQ(ingredients[0].at("instance_id"), "xmp:iid:f06c52f8-cf18-4a85-a516-6320a770516c");
  EXPECT_EQ(Str(ingredients[0].at("active_manifest")), ingredient);
  EXPECT_EQ(ingredients[0].at("label"), "c2pa.ingredient.v3");
  EXPECT_EQ(
      ingredients[0].at("validation_results").at("activeManifest").at("failure").at(0).at("code"),
      "signingCredential.untrusted");
  EXPECT_EQ(manifests.at(ingredient).at("title"), "CA.jpg");

  const auto& results = json.at("validation_results").as_object();
  const auto& success = results.at("activeManifest").at("success").as_array();
  EXPECT_EQ(success.size(), r->active.success.size());
  EXPECT_EQ(success.at(0).at("url").as_string().starts_with("self#jumbf=/c2pa/" + active), true);
  const auto& deltas = results.at("ingredientDeltas").as_array();
  ASSERT_EQ(deltas.size(), 1u);
  EXPECT_EQ(Str(deltas[0].at("ingredientAssertionURI")), kCacaIngredient);
  EXPECT_EQ(deltas[0].at("validationDeltas").at("success").at(0).at("code"),
            "ingredient.manifest.validated");
  EXPECT_EQ(Str(deltas[0].at("validationDeltas").at("success").at(0).at("url")),
            "self#jumbf=/c2pa/" + ingredient);
}

TEST_F(VerifyTest, VerifyManifestOnlyChecksAnIngredientManifestWithoutTheAsset) {
  CUSTODY_C2PA_FIXTURE(asset, "reference-c2pa-rs/edited_from_CA.jpg");
  auto r = Verify(asset);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(r->store.has_value());
  const ManifestStore& store = *r->store;
  const ValidationStatus s = VerifyManifestOnly(store, store.manifests.front(), Options(true));
  SCOPED_TRACE(Describe(s));
  EXPECT_TRUE(s.failure.empty());
  EXPECT_EQ(Codes(s.success),
            Concat({{"timeStamp.validated", "timeStamp.trusted", "signingCredential.trusted",
                     "claimSignature.insideValidity", "claimSignature.validated"},
                    Repeat(kHashedUri, 6)}));
  EXPECT_FALSE(s.HasSuccess("assertion.dataHash.match"));
  EXPECT_TRUE(s.HasSuccess("claimSignature.validated"));
  EXPECT_FALSE(s.HasFailure("claimSignature.validated"));

  const ValidationStatus untrusted =
      VerifyManifestOnly(store, store.manifests.front(), Options(false));
  EXPECT_TRUE(untrusted.HasFailure("signingCredential.untrusted"));
  EXPECT_EQ(untrusted.failure.size(), 1u);
}

// ---- forged manifests -------------------------------------------------------------------------

constexpr std::string_view kLabel = "urn:c2pa:6f1c2a47-5e0b-4c3d-9a8e-2b7d4f6e1a90";
constexpr std::string_view kTrainedAlgorithmicMedia =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

Value Text(std::string_view s) { return Value::Text(std::string(s)); }
Value Map(std::initializer_list<std::pair<std::string_view, Value>> entries) {
  Value m = Value::MakeMap();
  for (const auto& [k, v] : entries) m.Set(k, v);
  return m;
}
Value Action(std::string_view name, std::optional<Value> params = std::nullopt,
             bool digital_source_type = true) {
  Value a = Map({{"action", Text(name)}});
  if (digital_source_type) a.Set("digitalSourceType", Text(kTrainedAlgorithmicMedia));
  if (params) a.Set("parameters", *params);
  return a;
}
Value Actions(std::vector<Value> actions) {
  return Map({{"actions", Value::MakeArray(std::move(actions))}});
}

// A manifest made from parts, signed with a real key and embedded into a real PNG, with exactly
// the defect a test asks for. The recipe mirrors notes §3 (single pass, fixed-size store).
struct Forge {
  struct Part {
    std::string label;
    Value data;
    bool declare = true;      // listed in created_assertions
    bool wrong_hash = false;  // declared with a hash that does not match
  };
  std::vector<Part> parts = {{"c2pa.actions.v2", Actions({Action("c2pa.created")})}};
  bool hash_data = true;
  std::string hash_alg = "sha256";        // claim alg and hashed-URI algorithm
  std::function<void(Value&)> edit_hash;  // the final c2pa.hash.data map
  std::function<void(std::vector<ByteRange>&)> edit_exclusions;
  std::function<void(Value&)> edit_claim;  // the claim map before signing
  std::vector<Box> peers;                  // manifests placed before ours
  bool damage_signature = false;
  const cose::Signer* signer = nullptr;
  std::string label = std::string(kLabel);
};

Bytes SuperboxPayload(const Box& box) {
  auto bytes = SerializeJumbf(box);
  EXPECT_TRUE(bytes.ok());
  return bytes.ok() ? Bytes(bytes->begin() + 8, bytes->end()) : Bytes{};
}

Box CborBox(std::string label, const Value& v) {
  return MakeSuperbox(MakeDescription(C2paTypeUuid("cbor"), std::move(label)),
                      {MakeContentBox(kCborBoxType, cbor::Encode(v))});
}

Bytes Digest(std::string_view alg, std::span<const uint8_t> data) {
  const EVP_MD* md = alg == "sha384" ? EVP_sha384() : alg == "sha512" ? EVP_sha512() : EVP_sha256();
  Bytes out(EVP_MD_size(md));
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), 1);
  return out;
}

// The JUMBF for `f` with these exclusions and asset hash.
Result<Bytes> BuildStore(const Forge& f, const std::vector<ByteRange>& exclusions,
                         const Bytes& asset_hash) {
  std::vector<Box> boxes;
  std::vector<std::pair<const Forge::Part*, Box>> declared;
  std::vector<Forge::Part> parts = f.parts;
  if (f.hash_data) {
    Value list = Value::MakeArray();
    for (const ByteRange& e : exclusions) {
      list.Append(Map({{"start", Value::Uint(e.start)}, {"length", Value::Uint(e.length)}}));
    }
    Value hash = Map({{"exclusions", list},
                      {"name", Text("jumbf manifest")},
                      {"alg", Text("sha256")},
                      {"hash", Value::Bytes(asset_hash)},
                      {"pad", Value::Bytes(Bytes{})}});
    if (f.edit_hash) f.edit_hash(hash);
    parts.insert(parts.begin(), {"c2pa.hash.data", hash});
  }
  Value created = Value::MakeArray();
  for (const Forge::Part& p : parts) {
    Box box = CborBox(p.label, p.data);
    if (p.declare) {
      Bytes h = Digest(f.hash_alg, SuperboxPayload(box));
      if (p.wrong_hash) h[0] ^= 0xff;
      created.Append(ToCbor(HashedUri{"self#jumbf=c2pa.assertions/" + p.label, std::nullopt, h}));
    }
    boxes.push_back(std::move(box));
  }
  Value claim = Map({{"instanceID", Text("xmp:iid:0b7e3d52-3f7a-4c1e-9a55-4c0f4e1b2d11")},
                     {"claim_generator_info", Map({{"name", Text("custody-verify-test")}})},
                     {"signature", Text("self#jumbf=/c2pa/" + f.label + "/c2pa.signature")},
                     {"created_assertions", created},
                     {"alg", Text(f.hash_alg)}});
  if (f.edit_claim) f.edit_claim(claim);
  const Bytes claim_bytes = cbor::Encode(claim);
  ASSIGN_OR_RETURN(Bytes cose,
                   cose::SignClaim(*f.signer, claim_bytes, cose::ReserveSize(*f.signer, false)));
  if (f.damage_signature) cose.back() ^= 0x01;  // the signature is the COSE's last element
  Box manifest = MakeSuperbox(
      MakeDescription(C2paTypeUuid("c2ma"), f.label),
      {MakeSuperbox(MakeDescription(C2paTypeUuid("c2as"), "c2pa.assertions"), std::move(boxes)),
       MakeSuperbox(MakeDescription(C2paTypeUuid("c2cl"), "c2pa.claim.v2"),
                    {MakeContentBox(kCborBoxType, claim_bytes)}),
       MakeSuperbox(MakeDescription(C2paTypeUuid("c2cs"), "c2pa.signature"),
                    {MakeContentBox(kCborBoxType, cose)})});
  std::vector<Box> manifests = f.peers;
  manifests.push_back(std::move(manifest));
  return SerializeJumbf(
      MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"), std::move(manifests)));
}

// `plain` with the forged store embedded.
Result<Bytes> ForgeAsset(const Bytes& plain, const Forge& f) {
  std::vector<ByteRange> exclusions = {{0, 0}};
  const Bytes zero(32, 0);
  ASSIGN_OR_RETURN(Bytes jumbf, BuildStore(f, exclusions, zero));
  // CBOR integer widths depend on the exclusion values: iterate until the size is stable.
  for (int round = 0;; ++round) {
    if (round == 8) return Internal("store size does not converge");
    ASSIGN_OR_RETURN(Embedding e, PrepareEmbedding(plain, jumbf.size()));
    std::vector<ByteRange> wanted = e.exclusions;
    if (f.edit_exclusions) f.edit_exclusions(wanted);
    ASSIGN_OR_RETURN(Bytes next, BuildStore(f, wanted, zero));
    if (next.size() != jumbf.size()) {
      jumbf = std::move(next);
      continue;
    }
    ASSIGN_OR_RETURN(auto hash, DataHash(e.bytes, wanted));
    ASSIGN_OR_RETURN(Bytes final_jumbf, BuildStore(f, wanted, Bytes(hash.begin(), hash.end())));
    if (final_jumbf.size() != jumbf.size()) return Internal("store size changed");
    RETURN_IF_ERROR(WriteManifestStore(e, final_jumbf));
    return std::move(e.bytes);
  }
}

class ForgeTest : public VerifyTest {
 protected:
  void SetUp() override {
    VerifyTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    signer_ = Credential("certs/es256.pub", "certs/es256.pem");
    auto plain = testing::ReadFile(C2paFixtures() / "gradient64.png");
    ASSERT_TRUE(plain.has_value());
    plain_ = std::move(*plain);
  }

  std::shared_ptr<SigningCredential> Credential(const char* chain, const char* key) {
    auto chain_pem = ReadText(C2paFixtures() / chain);
    auto key_pem = testing::ReadFile(C2paFixtures() / key);
    EXPECT_TRUE(chain_pem && key_pem) << chain;
    if (!chain_pem || !key_pem) return nullptr;
    auto cred = SigningCredential::FromPem(*chain_pem, *key_pem);
    EXPECT_TRUE(cred.ok()) << cred.error().ToString();
    return cred.ok() ? *cred : nullptr;
  }

  Bytes Make(Forge f) {
    if (f.signer == nullptr) f.signer = signer_.get();
    auto asset = ForgeAsset(plain_, f);
    EXPECT_TRUE(asset.ok()) << asset.error().ToString();
    return asset.ok() ? std::move(asset).value() : Bytes{};
  }

  VerifyReport MustVerify(const Bytes& asset, const VerifyOptions& options) {
    auto r = VerifyAsset(asset, options);
    EXPECT_TRUE(r.ok()) << r.error().ToString();
    return r.ok() ? std::move(r).value() : VerifyReport{};
  }
  VerifyReport MustVerify(const Bytes& asset) { return MustVerify(asset, Options(true)); }

  // The report is Invalid with `code` among its failures.
  void ExpectFailure(const VerifyReport& r, std::string_view code) {
    EXPECT_EQ(ValidationStateName(r.state), "Invalid") << Describe(r);
    EXPECT_TRUE(r.active.HasFailure(code)) << "expected " << code << ": " << Describe(r);
  }

  std::shared_ptr<SigningCredential> signer_;
  Bytes plain_;
};

TEST_F(ForgeTest, MinimalForgedManifestIsTrusted) {
  const VerifyReport r = MustVerify(Make({}));
  EXPECT_EQ(ValidationStateName(r.state), "Trusted") << Describe(r);
  EXPECT_EQ(Codes(r.active.success),
            Concat({{"signingCredential.trusted", "claimSignature.insideValidity",
                     "claimSignature.validated", "assertion.dataHash.match"},
                    Repeat(kHashedUri, 2)}));
  EXPECT_TRUE(r.active.failure.empty());
  EXPECT_EQ(r.active_manifest, kLabel);

  const VerifyReport untrusted = MustVerify(Make({}), Options(false));
  EXPECT_EQ(ValidationStateName(untrusted.state), "Valid");
  EXPECT_EQ(Codes(untrusted.active.failure),
            std::vector<std::string>{"signingCredential.untrusted"});
}

TEST_F(ForgeTest, Sha384HashedUrisAreChecked) {
  Forge f;
  f.hash_alg = "sha384";
  const VerifyReport r = MustVerify(Make(f));
  EXPECT_EQ(ValidationStateName(r.state), "Trusted") << Describe(r);
  EXPECT_EQ(Codes(r.active.success).size(), 6u);
}

TEST_F(ForgeTest, PixelChangedAfterSigningIsADataHashMismatch) {
  Bytes asset = Make({});
  asset[asset.size() - 20] ^= 0x01;  // inside IDAT, past the store
  ExpectFailure(MustVerify(asset), "assertion.dataHash.mismatch");
}

TEST_F(ForgeTest, ExclusionBeyondTheStoreIsADataHashMismatch) {
  // The hash is right for the exclusions written, but they also hide the image's first bytes
  // after the store: content that would not be bound.
  Forge f;
  f.edit_exclusions = [](std::vector<ByteRange>& e) { e.back().length += 16; };
  const VerifyReport r = MustVerify(Make(f));
  ExpectFailure(r, "assertion.dataHash.mismatch");
  EXPECT_FALSE(r.active.HasSuccess("assertion.dataHash.match"));
}

TEST_F(ForgeTest, HashDataWithoutPadIsMalformed) {
  Forge f;
  f.edit_hash = [](Value& h) {
    std::erase_if(h.map(), [](auto& e) { return e.first == Text("pad"); });
  };
  ExpectFailure(MustVerify(Make(f)), "assertion.dataHash.malformed");
}

TEST_F(ForgeTest, NoHardBinding) {
  Forge f;
  f.hash_data = false;
  ExpectFailure(MustVerify(Make(f)), "claim.hardBindings.missing");
}

TEST_F(ForgeTest, TwoHardBindings) {
  Forge f;
  f.parts.push_back({"c2pa.hash.bmff.v3", Map({{"exclusions", Value::MakeArray()},
                                               {"hash", Value::Bytes(Bytes(32, 0))}})});
  ExpectFailure(MustVerify(Make(f)), "assertion.multipleHardBindings");
}

TEST_F(ForgeTest, BoxHashBindingIsNotSilentlyAccepted) {
  Forge f;
  f.hash_data = false;
  f.parts.push_back({"c2pa.hash.boxes", Map({{"boxes", Value::MakeArray()}})});
  ExpectFailure(MustVerify(Make(f)), "algorithm.unsupported");
}

TEST_F(ForgeTest, UndeclaredAssertion) {
  Forge f;
  f.parts.push_back({"org.custody.extra", Map({{"a", Value::Uint(1)}}), /*declare=*/false});
  const VerifyReport r = MustVerify(Make(f));
  ExpectFailure(r, "assertion.undeclared");
  EXPECT_EQ(r.active.failure.at(0).url,
            "self#jumbf=/c2pa/" + std::string(kLabel) + "/c2pa.assertions/org.custody.extra");
}

TEST_F(ForgeTest, AssertionChangedAfterHashing) {
  Forge f;
  f.parts[0].wrong_hash = true;
  ExpectFailure(MustVerify(Make(f)), "assertion.hashedURI.mismatch");
}

TEST_F(ForgeTest, ReferenceToAMissingAssertion) {
  Forge f;
  f.edit_claim = [](Value& claim) {
    claim.Set("gathered_assertions",
              Value::MakeArray({ToCbor(
                  HashedUri{"self#jumbf=c2pa.assertions/org.gone", std::nullopt, Bytes(32, 1)})}));
  };
  ExpectFailure(MustVerify(Make(f)), "assertion.missing");
}

TEST_F(ForgeTest, ClaimV2RejectsUnknownFieldsAndNamelessGenerators) {
  Forge unknown;
  unknown.edit_claim = [](Value& c) { c.Set("claim_generator", Text("v1 field")); };
  ExpectFailure(MustVerify(Make(unknown)), "claim.malformed");

  Forge nameless;
  nameless.edit_claim = [](Value& c) { c.Set("claim_generator_info", Map({{"name", Text("")}})); };
  ExpectFailure(MustVerify(Make(nameless)), "claim.malformed");

  Forge no_instance;
  no_instance.edit_claim = [](Value& c) {
    std::erase_if(c.map(), [](auto& e) { return e.first == Text("instanceID"); });
  };
  ExpectFailure(MustVerify(Make(no_instance)), "claim.malformed");
}

TEST_F(ForgeTest, NoAlgorithmForHashedUris) {
  Forge f;
  f.edit_claim = [](Value& c) {
    std::erase_if(c.map(), [](auto& e) { return e.first == Text("alg"); });
  };
  ExpectFailure(MustVerify(Make(f)), "algorithm.unsupported");
}

TEST_F(ForgeTest, ActionRules) {
  Forge none;
  none.parts.clear();
  ExpectFailure(MustVerify(Make(none)), "assertion.action.malformed");

  Forge edited_first;
  edited_first.parts[0].data = Actions({Action("c2pa.edited"), Action("c2pa.created")});
  ExpectFailure(MustVerify(Make(edited_first)), "assertion.action.malformed");

  Forge no_source;
  no_source.parts[0].data = Actions({Action("c2pa.created", std::nullopt, false)});
  ExpectFailure(MustVerify(Make(no_source)), "assertion.action.malformed");

  Forge twice;
  twice.parts[0].data = Actions({Action("c2pa.created"), Action("c2pa.created")});
  ExpectFailure(MustVerify(Make(twice)), "assertion.action.malformed");

  Forge opened_bare;
  opened_bare.parts[0].data = Actions({Action("c2pa.opened", std::nullopt, false)});
  ExpectFailure(MustVerify(Make(opened_bare)), "assertion.action.ingredientMismatch");
}

Value IngredientRef(const Forge& f, const std::string& label) {
  for (const Forge::Part& p : f.parts) {
    if (p.label == label) {
      return ToCbor(HashedUri{"self#jumbf=c2pa.assertions/" + label, std::nullopt,
                              Digest("sha256", SuperboxPayload(CborBox(p.label, p.data)))});
    }
  }
  ADD_FAILURE() << "no part " << label;
  return Value();
}

Forge OpenedFrom(Value ingredient) {
  Forge f;
  f.parts = {{"c2pa.ingredient.v3", std::move(ingredient)}};
  Value params = Map({{"ingredients", Value::MakeArray({IngredientRef(f, "c2pa.ingredient.v3")})}});
  f.parts.push_back({"c2pa.actions.v2", Actions({Action("c2pa.opened", params, false)})});
  return f;
}

TEST_F(ForgeTest, OpenedFromAPlainParent) {
  const VerifyReport r = MustVerify(Make(OpenedFrom(Map({{"relationship", Text("parentOf")},
                                                         {"dc:title", Text("gradient64.png")},
                                                         {"dc:format", Text("image/png")}}))));
  EXPECT_EQ(ValidationStateName(r.state), "Trusted") << Describe(r);
  ASSERT_EQ(r.ingredient_deltas.size(), 1u);
  EXPECT_EQ(r.ingredient_deltas[0].ingredient_url,
            "self#jumbf=/c2pa/" + std::string(kLabel) + "/c2pa.assertions/c2pa.ingredient.v3");
  EXPECT_EQ(Codes(r.ingredient_deltas[0].status.informational),
            std::vector<std::string>{"ingredient.unknownProvenance"});
  EXPECT_EQ(r.ingredient_deltas[0].status.informational[0].explanation,
            "gradient64.png: ingredient does not have provenance");

  // opened needs a parentOf ingredient.
  ExpectFailure(MustVerify(Make(OpenedFrom(Map({{"relationship", Text("componentOf")}})))),
                "assertion.action.ingredientMismatch");
}

// An ingredient carrying C2PA: the peer manifest is genai_es256.png's, copied verbatim.
class IngredientForgeTest : public ForgeTest {
 protected:
  void SetUp() override {
    ForgeTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto peer_file = testing::ReadFile(C2paFixtures() / "reference-c2pa-rs/genai_es256.png");
    ASSERT_TRUE(peer_file.has_value());
    auto found = ReadManifestStore(*peer_file);
    ASSERT_TRUE(found.ok() && found->has_value());
    auto store = ParseManifestStore((*found)->jumbf);
    ASSERT_TRUE(store.ok());
    peer_ = store->root.children.front();
    peer_label_ = store->manifests.front().label;
    peer_hash_ = Digest("sha256", store->SuperboxPayload(store->manifests.front().range));
    const Box* sig = FindByLabel(peer_, "c2pa.signature");
    ASSERT_NE(sig, nullptr);
    sig_hash_ = Digest("sha256", store->SuperboxPayload(sig->range));
  }

  Forge WithPeer(Bytes manifest_hash, bool peer_present = true) {
    Value ingredient = Map(
        {{"relationship", Text("parentOf")},
         {"dc:title", Text("genai_es256.png")},
         {"dc:format", Text("image/png")},
         {"validationResults", Map({{"activeManifest", Map({{"success", Value::MakeArray()},
                                                            {"informational", Value::MakeArray()},
                                                            {"failure", Value::MakeArray()}})}})},
         {"activeManifest",
          ToCbor(HashedUri{"self#jumbf=/c2pa/" + peer_label_, "sha256", std::move(manifest_hash)})},
         {"claimSignature", ToCbor(HashedUri{"self#jumbf=/c2pa/" + peer_label_ + "/c2pa.signature",
                                             "sha256", sig_hash_})}});
    Forge f = OpenedFrom(std::move(ingredient));
    if (peer_present) f.peers = {peer_};
    return f;
  }

  Box peer_;
  std::string peer_label_;
  Bytes peer_hash_;
  Bytes sig_hash_;
};

TEST_F(IngredientForgeTest, IngredientManifestInTheStoreIsValidated) {
  const VerifyReport r = MustVerify(Make(WithPeer(peer_hash_)));
  EXPECT_EQ(ValidationStateName(r.state), "Trusted") << Describe(r);
  ASSERT_EQ(r.ingredient_deltas.size(), 1u) << Describe(r);
  const ValidationStatus& d = r.ingredient_deltas[0].status;
  // Nothing was recorded in validationResults, so the whole check is the delta.
  EXPECT_TRUE(d.HasSuccess("ingredient.manifest.validated")) << Describe(d);
  EXPECT_TRUE(d.HasSuccess("claimSignature.validated"));
  EXPECT_TRUE(d.HasSuccess("signingCredential.trusted"));
  EXPECT_TRUE(d.failure.empty());
  EXPECT_EQ(d.success.front().url, "self#jumbf=/c2pa/" + peer_label_);
}

TEST_F(IngredientForgeTest, IngredientManifestHashMismatch) {
  Bytes wrong = peer_hash_;
  wrong[5] ^= 0x10;
  const VerifyReport r = MustVerify(Make(WithPeer(wrong)));
  EXPECT_EQ(ValidationStateName(r.state), "Invalid") << Describe(r);
  ASSERT_EQ(r.ingredient_deltas.size(), 1u);
  EXPECT_TRUE(r.ingredient_deltas[0].status.HasFailure("ingredient.manifest.mismatch"));
}

TEST_F(IngredientForgeTest, IngredientManifestMissingFromTheStore) {
  const VerifyReport r = MustVerify(Make(WithPeer(peer_hash_, /*peer_present=*/false)));
  EXPECT_EQ(ValidationStateName(r.state), "Invalid") << Describe(r);
  ASSERT_EQ(r.ingredient_deltas.size(), 1u);
  EXPECT_TRUE(r.ingredient_deltas[0].status.HasFailure("ingredient.manifest.missing"));
}

TEST_F(ForgeTest, DamagedSignature) {
  Forge f;
  f.damage_signature = true;
  const VerifyReport r = MustVerify(Make(f));
  ExpectFailure(r, "claimSignature.mismatch");
  EXPECT_FALSE(r.active.HasSuccess("claimSignature.validated"));
  EXPECT_FALSE(r.active.HasSuccess("claimSignature.insideValidity"));
}

TEST_F(ForgeTest, SignatureReferenceMustNameThisManifest) {
  Forge f;
  f.edit_claim = [](Value& c) {
    c.Set("signature", Text("self#jumbf=/c2pa/urn:c2pa:00000000-0000-4000-8000-000000000000/"
                            "c2pa.signature"));
  };
  ExpectFailure(MustVerify(Make(f)), "claimSignature.missing");
}

TEST_F(ForgeTest, ExpiredSigningCertificateWithoutTimestamp) {
  auto expired = Credential("certs-own/expired.chain.pem", "certs-own/expired.key");
  ASSERT_NE(expired, nullptr);
  auto ca = ReadText(C2paFixtures() / "certs-own/ca.pem");
  ASSERT_TRUE(ca.has_value());
  auto trust = TrustSettingsFromPem(*ca);
  ASSERT_TRUE(trust.ok());
  Forge f;
  f.signer = expired.get();
  VerifyOptions options = Options(true);
  options.trust = &*trust;
  const VerifyReport r = MustVerify(Make(f), options);
  ExpectFailure(r, "signingCredential.expired");
  EXPECT_FALSE(r.active.HasSuccess("claimSignature.insideValidity"));
  // Before it expired the certificate passed (the test root itself only became valid a day
  // later, so at that time the chain is untrusted, not expired).
  options.now = *ParseTime("2026-11-20T12:00:00Z");
  const VerifyReport earlier = MustVerify(Make(f), options);
  EXPECT_FALSE(earlier.active.HasFailure("signingCredential.expired")) << Describe(earlier);
  EXPECT_TRUE(earlier.active.HasSuccess("claimSignature.insideValidity"));
}

TEST_F(ForgeTest, SelfSignedSignerIsTrustedOnlyAsItsOwnAnchor) {
  auto self_signed = Credential("certs-own/ss_ee2.pem", "certs-own/ss_ee2.key");
  ASSERT_NE(self_signed, nullptr);
  Forge f;
  f.signer = self_signed.get();
  const Bytes asset = Make(f);
  const VerifyReport r = MustVerify(asset);
  EXPECT_EQ(ValidationStateName(r.state), "Valid") << Describe(r);
  EXPECT_EQ(Codes(r.active.failure), std::vector<std::string>{"signingCredential.untrusted"});

  auto pem = ReadText(C2paFixtures() / "certs-own/ss_ee2.pem");
  auto trust = TrustSettingsFromPem(*pem);
  ASSERT_TRUE(trust.ok());
  VerifyOptions options = Options(true);
  options.trust = &*trust;
  EXPECT_EQ(ValidationStateName(MustVerify(asset, options).state), "Trusted");
}

TEST_F(ForgeTest, ThousandsOfAssertionsAreRefusedNotWorkedThrough) {
  Forge f;
  for (int i = 0; i < 4100; ++i) {
    f.parts.push_back({"org.custody.n__" + std::to_string(i), Value::Uint(i)});
  }
  const VerifyReport r = MustVerify(Make(f));
  ExpectFailure(r, "claim.malformed");
  EXPECT_FALSE(r.active.HasSuccess(kHashedUri));
}

// The same ingredient manifest named by several ingredient assertions is checked once and
// reported for each.
TEST_F(IngredientForgeTest, RepeatedIngredientLinksAreCheckedOnce) {
  Forge f = WithPeer(peer_hash_);
  const Value ingredient = f.parts[0].data;
  f.parts.insert(f.parts.begin() + 1, {"c2pa.ingredient.v3__1", ingredient});
  f.parts.insert(f.parts.begin() + 2, {"c2pa.ingredient.v3__2", ingredient});
  const VerifyReport r = MustVerify(Make(f));
  EXPECT_EQ(ValidationStateName(r.state), "Trusted") << Describe(r);
  ASSERT_EQ(r.ingredient_deltas.size(), 3u) << Describe(r);
  for (const IngredientDelta& d : r.ingredient_deltas) {
    EXPECT_TRUE(d.status.HasSuccess("ingredient.manifest.validated")) << d.ingredient_url;
    EXPECT_EQ(
        std::count_if(d.status.success.begin(), d.status.success.end(),
                      [](const StatusEntry& e) { return e.code == "claimSignature.validated"; }),
        1);
  }
}

// Two manifests whose ingredients name each other: the walk ends, and the link that cannot match
// (a manifest cannot hash its own container) is a failure.
TEST_F(IngredientForgeTest, IngredientCycleEnds) {
  const std::string peer_label = "urn:c2pa:0d9f3b6a-7c21-4e58-b0a4-93e2c5d8f171";
  const Value results = Map({{"activeManifest", Map({{"success", Value::MakeArray()},
                                                     {"informational", Value::MakeArray()},
                                                     {"failure", Value::MakeArray()}})}});
  Forge back =
      OpenedFrom(Map({{"relationship", Text("parentOf")},
                      {"validationResults", results},
                      {"activeManifest", ToCbor(HashedUri{"self#jumbf=/c2pa/" + std::string(kLabel),
                                                          "sha256", Bytes(32, 0)})}}));
  back.label = peer_label;
  back.hash_data = false;
  back.signer = signer_.get();
  auto back_store = BuildStore(back, {}, Bytes(32, 0));
  ASSERT_TRUE(back_store.ok()) << back_store.error().ToString();
  auto back_root = ParseJumbf(*back_store);
  ASSERT_TRUE(back_root.ok());
  const Box peer = back_root->children.back();

  Forge f = OpenedFrom(
      Map({{"relationship", Text("parentOf")},
           {"validationResults", results},
           {"activeManifest", ToCbor(HashedUri{"self#jumbf=/c2pa/" + peer_label, "sha256",
                                               Digest("sha256", SuperboxPayload(peer))})}}));
  f.peers = {peer};
  const VerifyReport r = MustVerify(Make(f));
  EXPECT_EQ(ValidationStateName(r.state), "Invalid") << Describe(r);
  std::map<std::string, const ValidationStatus*> deltas;
  for (const IngredientDelta& d : r.ingredient_deltas) deltas[d.ingredient_url] = &d.status;
  const std::string ours =
      "self#jumbf=/c2pa/" + std::string(kLabel) + "/c2pa.assertions/c2pa.ingredient.v3";
  const std::string theirs =
      "self#jumbf=/c2pa/" + peer_label + "/c2pa.assertions/c2pa.ingredient.v3";
  ASSERT_TRUE(deltas.contains(ours) && deltas.contains(theirs)) << Describe(r);
  EXPECT_TRUE(deltas[ours]->HasSuccess("ingredient.manifest.validated")) << Describe(r);
  EXPECT_TRUE(deltas[theirs]->HasFailure("ingredient.manifest.mismatch")) << Describe(r);
}

// A store the container yields but that is not a C2PA manifest store: Invalid, not an Error.
TEST_F(ForgeTest, UnreadableOrEmptyStores) {
  auto embed = [&](const Bytes& jumbf) {
    auto e = PrepareEmbedding(plain_, jumbf.size());
    EXPECT_TRUE(e.ok());
    EXPECT_TRUE(WriteManifestStore(*e, jumbf).ok());
    return e->bytes;
  };
  // Labelled c2pa (so the container hands it over) but of the wrong type.
  auto wrong_type = SerializeJumbf(MakeSuperbox(MakeDescription(C2paTypeUuid("c2ma"), "c2pa"),
                                                {MakeContentBox(kCborBoxType, Bytes{0xa0})}));
  ASSERT_TRUE(wrong_type.ok());
  const VerifyReport bad = MustVerify(embed(*wrong_type));
  EXPECT_TRUE(bad.has_manifest);
  EXPECT_FALSE(bad.store.has_value());
  EXPECT_EQ(Codes(bad.active.failure), std::vector<std::string>{"manifest.malformed"});
  EXPECT_EQ(ValidationStateName(bad.state), "Invalid");
  EXPECT_EQ(bad.ToJson().at("validation_state"), "Invalid");

  auto empty = SerializeJumbf(MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"), {}));
  ASSERT_TRUE(empty.ok());
  const VerifyReport none = MustVerify(embed(*empty));
  EXPECT_EQ(Codes(none.active.failure), std::vector<std::string>{"claim.missing"});
  EXPECT_EQ(ValidationStateName(none.state), "Invalid");
}

// ---- corruption sweeps ------------------------------------------------------------------------

// Where the COSE `pad` bytes of the active signature sit in the store: the only bytes of a store
// no hash or signature covers (the padding that lets the signature fill its reserved box).
std::pair<size_t, size_t> PadRange(const ManifestStore& store) {
  const Box* sig = FindByLabel(store.root, "/c2pa/" + store.active()->label + "/c2pa.signature");
  if (sig == nullptr || sig->children.empty()) return {0, 0};
  const Box& content = sig->children.back();
  const Bytes& cose = content.payload;
  const Bytes key = cbor::Encode(Value::Text("pad"));
  auto it = std::search(cose.begin(), cose.end(), key.begin(), key.end());
  if (it == cose.end()) return {0, 0};
  auto sign1 = cose::ParseSign1(cose);
  const Value* pad = sign1.ok() ? sign1->unprotected_header.Find("pad") : nullptr;
  if (pad == nullptr || !pad->is_bytes()) return {0, 0};
  const size_t start = content.range.offset + content.range.header_size +
                       static_cast<size_t>(it - cose.begin()) + key.size() +
                       cbor::EncodedHeadSize(pad->bytes().size());
  return {start, start + pad->bytes().size()};
}

// The offsets to corrupt: every byte of every box header and `jumd` description (the structure,
// which no hash covers directly), and every `stride`-th byte of the rest.
std::vector<size_t> SweepOffsets(const Box& root, size_t size, size_t stride) {
  std::set<size_t> out;
  std::function<void(const Box&)> walk = [&](const Box& box) {
    const size_t end = box.children.empty() ? box.range.offset + box.range.header_size
                                            : box.children.front().range.offset;
    const size_t structure_end =
        box.is_superbox() && box.children.empty() ? box.range.offset + box.range.length : end;
    for (size_t i = box.range.offset; i < structure_end; ++i) out.insert(i);
    for (const Box& child : box.children) walk(child);
  };
  walk(root);
  for (size_t i = 0; i < size; i += stride) out.insert(i);
  return {out.begin(), out.end()};
}

void SweepStore(const VerifyTest& test, const char* file, size_t stride) {
  CUSTODY_C2PA_FIXTURE(asset, file);
  auto found = ReadManifestStore(asset);
  ASSERT_TRUE(found.ok() && found->has_value());
  const Bytes& jumbf = (*found)->jumbf;
  auto at = std::search(asset.begin(), asset.end(), jumbf.begin(), jumbf.end());
  ASSERT_NE(at, asset.end()) << "store is not contiguous in " << file;
  const size_t base = static_cast<size_t>(at - asset.begin());
  auto store = ParseManifestStore(jumbf);
  ASSERT_TRUE(store.ok());
  const auto [pad_begin, pad_end] = PadRange(*store);
  ASSERT_LT(pad_begin, pad_end);

  int invalid = 0, errors = 0, padded = 0;
  for (size_t i : SweepOffsets(store->root, jumbf.size(), stride)) {
    Bytes corrupt = asset;
    corrupt[base + i] ^= 0xff;
    auto r = VerifyAsset(corrupt, test.Options(true));
    if (!r.ok()) {
      ++errors;
      continue;
    }
    if (r->state == ValidationState::kInvalid) {
      ++invalid;
      continue;
    }
    // Only the unsigned padding may change without consequence.
    EXPECT_TRUE(i >= pad_begin && i < pad_end)
        << file << ": flipping store byte " << i << " left it " << ValidationStateName(r->state)
        << " " << Describe(*r);
    ++padded;
  }
  EXPECT_GT(invalid, 100);
  EXPECT_GT(padded, 0);
  ::testing::Test::RecordProperty(std::string("invalid_") + file, invalid);
  ::testing::Test::RecordProperty(std::string("errors_") + file, errors);
}

TEST_F(VerifyTest, CorruptedStoresAreNeverAcceptedPng) {
  SweepStore(*this, "handbuilt/min.png", 29);
}

TEST_F(VerifyTest, CorruptedStoresAreNeverAcceptedJpeg) {
  SweepStore(*this, "handbuilt/min.jpg", 29);
}

}  // namespace
}  // namespace custody::provenance
