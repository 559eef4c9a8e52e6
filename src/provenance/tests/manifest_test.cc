// Tests for reading manifest stores: every signed fixture parses into manifests whose labels,
// claim versions and assertion labels are the ones c2pa-rs wrote (see fixtures/c2pa/dumps), every
// hashed URI in every claim resolves and its SHA-256 over the superbox payload matches; and
// synthetic stores exercise claim fields, URL resolution and malformed structure.
#include "provenance/c2pa/manifest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

using cbor::Value;

// The store embedded in a fixture, parsed.
Result<ManifestStore> StoreOf(const Bytes& asset) {
  ASSIGN_OR_RETURN(std::optional<FoundStore> found, ReadManifestStore(asset));
  if (!found) return NotFound("no manifest store");
  return ParseManifestStore(std::move(found->jumbf));
}

std::vector<std::string> AssertionLabels(const Manifest& m) {
  std::vector<std::string> out;
  for (const Assertion& a : m.assertions) out.push_back(a.label);
  return out;
}

// Every hashed URI of every claim resolves inside its own manifest and matches.
void ExpectAllUrisMatch(const ManifestStore& store) {
  for (const Manifest& m : store.manifests) {
    std::vector<HashedUri> uris = m.created_assertions;
    uris.insert(uris.end(), m.gathered_assertions.begin(), m.gathered_assertions.end());
    EXPECT_FALSE(uris.empty()) << m.label;
    for (const HashedUri& uri : uris) {
      auto resolved = ResolveUri(store, m, uri.url);
      ASSERT_TRUE(resolved.has_value()) << m.label << " " << uri.url;
      EXPECT_EQ(resolved->manifest, &m) << uri.url;
      const auto digest = crypto::Sha256Digest(store.SuperboxPayload(resolved->box->range));
      EXPECT_EQ(Bytes(digest.begin(), digest.end()), uri.hash) << m.label << " " << uri.url;
      EXPECT_EQ(uri.alg.value_or(m.alg.value_or("")), "sha256") << uri.url;
      EXPECT_NE(m.FindAssertion(resolved->box->label()), nullptr) << uri.url;
    }
    ASSERT_TRUE(m.signature_url.has_value()) << m.label;
    auto sig = ResolveUri(store, m, *m.signature_url);
    ASSERT_TRUE(sig.has_value()) << *m.signature_url;
    EXPECT_EQ(sig->box->label(), "c2pa.signature");
    EXPECT_EQ(sig->manifest, &m);
  }
}

struct FixtureCase {
  const char* file;
  std::vector<std::string> labels;  // manifest labels in store order
  std::vector<int> versions;        // claim versions
  std::vector<std::string> active_assertions;
};

class ManifestFixtureTest : public ::testing::TestWithParam<FixtureCase> {};

TEST_P(ManifestFixtureTest, ParsesLabelsVersionsAssertionsAndHashedUris) {
  const FixtureCase& c = GetParam();
  CUSTODY_C2PA_FIXTURE(asset, c.file);
  auto store = StoreOf(asset);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  ASSERT_EQ(store->manifests.size(), c.labels.size());
  for (size_t i = 0; i < c.labels.size(); ++i) {
    const Manifest& m = store->manifests[i];
    EXPECT_EQ(m.label, c.labels[i]);
    EXPECT_EQ(m.claim_version, c.versions[i]) << m.label;
    EXPECT_FALSE(m.is_update);
    ASSERT_TRUE(m.claim.has_value()) << m.label;
    EXPECT_FALSE(m.claim_bytes.empty());
    EXPECT_TRUE(m.signature_bytes.has_value());
    EXPECT_FALSE(m.instance_id.empty()) << m.label;
    EXPECT_EQ(store->Find(m.label), &m);
    for (const Assertion& a : m.assertions) {
      EXPECT_FALSE(a.decode_error.has_value()) << a.label << ": " << a.decode_error.value_or("");
      if (a.content_type == kCborBoxType) {
        EXPECT_TRUE(a.cbor.has_value()) << a.label;
      }
      if (a.content_type == kJsonBoxType) {
        EXPECT_TRUE(a.json.has_value()) << a.label;
      }
    }
  }
  EXPECT_EQ(store->active(), &store->manifests.back());
  EXPECT_EQ(AssertionLabels(*store->active()), c.active_assertions);
  ExpectAllUrisMatch(*store);
}

const FixtureCase kFixtures[] = {
    {"reference-c2pa-rs/genai_es256.jpg",
     {"urn:c2pa:51d87b69-8c0b-408c-9d92-f8e65425bb4f"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"reference-c2pa-rs/genai_ed25519.jpg",
     {"urn:c2pa:cd4dbed3-4d8d-477e-a622-80dbee2feed6"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"reference-c2pa-rs/genai_es256.png",
     {"urn:c2pa:ebc52aa7-1db4-4d42-8eb3-b96b08b11a05"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"reference-c2pa-rs/genai_es256.wav",
     {"urn:c2pa:37bade53-1cfc-4e8c-92a3-df06bae76e33"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"reference-c2pa-rs/genai_es256.mp4",
     {"urn:c2pa:19c6c28f-abfa-4d19-8da1-b02a42987fb9"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.bmff.v3"}},
    {"reference-c2pa-rs/opened_from_plain.png",
     {"urn:c2pa:d53294e1-f0ef-483a-a616-b232f559058f"},
     {2},
     {"c2pa.ingredient.v3", "c2pa.actions.v2", "c2pa.hash.data"}},
    {"reference-c2pa-rs/edited_from_CA.jpg",
     {"contentauth:urn:uuid:c2677d4b-0a93-4444-876f-ed2f2d40b8cf",
      "urn:c2pa:4215a9e3-864a-44a3-9170-75381055aa16"},
     {1, 2},
     {"c2pa.ingredient.v3", "c2pa.actions.v2", "c2pa.hash.data"}},
    {"handbuilt/min.jpg",
     {"urn:c2pa:e354f615-f3a0-49b5-bf2d-96d71ed51233"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"handbuilt/min.png",
     {"urn:c2pa:3326f353-c2ee-46fd-b1f9-6519e528a396"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"handbuilt/min.wav",
     {"urn:c2pa:6dbe7904-ef92-442e-a2c9-b1e3bafaa135"},
     {2},
     {"c2pa.actions.v2", "c2pa.hash.data"}},
    {"CA.jpg",
     {"contentauth:urn:uuid:c2677d4b-0a93-4444-876f-ed2f2d40b8cf"},
     {1},
     {"c2pa.thumbnail.claim.jpeg", "c2pa.thumbnail.ingredient.jpeg", "c2pa.ingredient",
      "stds.schema-org.CreativeWork", "c2pa.actions", "c2pa.hash.data"}},
};

INSTANTIATE_TEST_SUITE_P(Fixtures, ManifestFixtureTest, ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<FixtureCase>& info) {
                           std::string name = info.param.file;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// All signed fixtures, including the ones the table does not detail: manifests with decodable
// claims and every hashed URI matching.
TEST(ManifestStoreTest, EverySignedFixtureParsesAndItsHashedUrisMatch) {
  for (const char* file :
       {"C.jpg", "CA.jpg", "CACA.jpg", "XCA.jpg", "E-sig-CA.jpg", "dashinit.mp4",
        "reference-c2pa-rs/genai_es256.jpg", "reference-c2pa-rs/genai_ed25519.jpg",
        "reference-c2pa-rs/genai_es256.png", "reference-c2pa-rs/genai_es256.wav",
        "reference-c2pa-rs/genai_es256.mp4", "reference-c2pa-rs/opened_from_plain.png",
        "reference-c2pa-rs/edited_from_CA.jpg", "handbuilt/min.jpg", "handbuilt/min.png",
        "handbuilt/min.wav", "handbuilt/tamper.jpg"}) {
    SCOPED_TRACE(file);
    CUSTODY_C2PA_FIXTURE(asset, file);
    auto store = StoreOf(asset);
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    ASSERT_FALSE(store->manifests.empty());
    for (const Manifest& m : store->manifests) {
      // "urn:c2pa:…", or v1 "urn:uuid:…" with an optional vendor prefix ("contoso:urn:uuid:…").
      EXPECT_TRUE(m.label.starts_with("urn:c2pa:") ||
                  m.label.find("urn:uuid:") != std::string::npos)
          << m.label;
      ASSERT_TRUE(m.claim.has_value()) << m.label;
      EXPECT_TRUE(m.claim->is_map());
      EXPECT_EQ(m.claim_generator_info.is_null(), false) << m.label;
    }
    ExpectAllUrisMatch(*store);
  }
}

TEST(ManifestStoreTest, ClaimV2FieldsOfAReferenceFile) {
  CUSTODY_C2PA_FIXTURE(asset, "reference-c2pa-rs/opened_from_plain.png");
  auto store = StoreOf(asset);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  const Manifest& m = *store->active();
  EXPECT_EQ(m.claim_version, 2);
  EXPECT_EQ(m.instance_id, "xmp.iid:ba46111e-1bdb-4fb5-8317-f377145d906c");
  EXPECT_EQ(m.title, "opened_from_plain.png");
  EXPECT_EQ(m.format, std::nullopt);
  EXPECT_EQ(m.alg, "sha256");
  EXPECT_EQ(m.signature_url,
            "self#jumbf=/c2pa/urn:c2pa:d53294e1-f0ef-483a-a616-b232f559058f/c2pa.signature");
  ASSERT_TRUE(m.claim_generator_info.is_object());
  EXPECT_EQ(m.claim_generator_info.at("name"), "genai-export-reference");
  EXPECT_EQ(m.claim_generator_info.at("version"), "0.1.0");
  ASSERT_EQ(m.created_assertions.size(), 1u);
  EXPECT_EQ(m.created_assertions[0].url, "self#jumbf=c2pa.assertions/c2pa.hash.data");
  EXPECT_EQ(HexEncode(m.created_assertions[0].hash),
            "9b5a236f70ce0c54d71ff0f6448fa910c92a9a4d17b3e182e1859a6df4d75f10");
  ASSERT_EQ(m.gathered_assertions.size(), 2u);
  EXPECT_EQ(m.gathered_assertions[0].url, "self#jumbf=c2pa.assertions/c2pa.ingredient.v3");
  EXPECT_EQ(m.gathered_assertions[1].url, "self#jumbf=c2pa.assertions/c2pa.actions.v2");
  EXPECT_TRUE(m.redacted_assertions.empty());

  const Assertion* ingredient = m.FindAssertion("c2pa.ingredient.v3");
  ASSERT_NE(ingredient, nullptr);
  EXPECT_EQ(ingredient->base_label, "c2pa.ingredient.v3");
  EXPECT_EQ(ingredient->content_type, kCborBoxType);
  ASSERT_TRUE(ingredient->cbor.has_value());
  EXPECT_EQ(ingredient->cbor->Find("relationship")->text(), "parentOf");
  EXPECT_EQ(ingredient->cbor->Find("dc:title")->text(), "gradient64.png");
  EXPECT_EQ(m.FindAssertion("c2pa.ingredient"), nullptr);
}

TEST(ManifestStoreTest, ClaimV1FieldsAndJsonAssertionOfCaJpg) {
  CUSTODY_C2PA_FIXTURE(asset, "CA.jpg");
  auto store = StoreOf(asset);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  const Manifest& m = *store->active();
  EXPECT_EQ(m.claim_version, 1);
  EXPECT_EQ(m.format, "image/jpeg");
  EXPECT_EQ(m.title, "CA.jpg");
  // v1 lists every assertion under `assertions`, read here as created_assertions.
  EXPECT_EQ(m.created_assertions.size(), 6u);
  EXPECT_TRUE(m.gathered_assertions.empty());
  EXPECT_TRUE(m.claim_generator_info.is_string() || m.claim_generator_info.is_array());

  const Assertion* work = m.FindAssertion("stds.schema-org.CreativeWork");
  ASSERT_NE(work, nullptr);
  EXPECT_EQ(work->content_type, kJsonBoxType);
  ASSERT_TRUE(work->json.has_value());
  EXPECT_EQ(work->json->at("@type"), "CreativeWork");
  EXPECT_EQ(work->json->at("author").at(0).at("name"), "John Doe");

  const Assertion* thumb = m.FindAssertion("c2pa.thumbnail.claim.jpeg");
  ASSERT_NE(thumb, nullptr);
  EXPECT_EQ(thumb->content_type, kEmbeddedFileDescriptionType);
  EXPECT_FALSE(thumb->cbor.has_value());
  EXPECT_FALSE(thumb->decode_error.has_value());
}

// An ingredient's activeManifest / claimSignature links are absolute URLs into the peer manifest
// (whose v1 label contains ':'); they resolve and their hashes cover the superbox payloads.
TEST(ManifestStoreTest, IngredientLinksResolveToThePeerManifest) {
  CUSTODY_C2PA_FIXTURE(asset, "reference-c2pa-rs/edited_from_CA.jpg");
  auto store = StoreOf(asset);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  const Manifest& active = *store->active();
  const Manifest& peer = store->manifests.front();
  const Assertion* ingredient = active.FindAssertion("c2pa.ingredient.v3");
  ASSERT_NE(ingredient, nullptr);
  ASSERT_TRUE(ingredient->cbor.has_value());

  auto link = ParseHashedUri(*ingredient->cbor->Find("activeManifest"));
  ASSERT_TRUE(link.ok()) << link.error().ToString();
  EXPECT_EQ(link->url,
            "self#jumbf=/c2pa/contentauth:urn:uuid:c2677d4b-0a93-4444-876f-ed2f2d40b8cf");
  EXPECT_EQ(link->alg, "sha256");
  auto resolved = ResolveUri(*store, active, link->url);
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->manifest, &peer);
  EXPECT_EQ(resolved->box->range, peer.range);
  auto digest = crypto::Sha256Digest(store->SuperboxPayload(peer.range));
  EXPECT_EQ(Bytes(digest.begin(), digest.end()), link->hash);

  auto sig = ParseHashedUri(*ingredient->cbor->Find("claimSignature"));
  ASSERT_TRUE(sig.ok());
  auto sig_box = ResolveUri(*store, active, sig->url);
  ASSERT_TRUE(sig_box.has_value());
  EXPECT_EQ(sig_box->manifest, &peer);
  EXPECT_EQ(sig_box->box->label(), "c2pa.signature");
  digest = crypto::Sha256Digest(store->SuperboxPayload(sig_box->box->range));
  EXPECT_EQ(Bytes(digest.begin(), digest.end()), sig->hash);

  // The same assertion addressed absolutely, from either manifest.
  const std::string abs =
      "self#jumbf=/c2pa/urn:c2pa:4215a9e3-864a-44a3-9170-75381055aa16/c2pa.assertions/"
      "c2pa.hash.data";
  for (const Manifest* from : {&active, &peer}) {
    auto r = ResolveUri(*store, *from, abs);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->manifest, &active);
    EXPECT_EQ(r->box->label(), "c2pa.hash.data");
  }
  // A relative URL resolves against the manifest it is read from.
  auto own = ResolveUri(*store, peer, "self#jumbf=c2pa.assertions/c2pa.hash.data");
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->manifest, &peer);
  EXPECT_EQ(own->box->range, peer.FindAssertion("c2pa.hash.data")->range);
}

// ---- synthetic stores ----------------------------------------------------------------------

Box CborAssertion(std::string label, const Value& v) {
  return MakeSuperbox(MakeDescription(C2paTypeUuid("cbor"), std::move(label)),
                      {MakeContentBox(kCborBoxType, cbor::Encode(v))});
}

Box JsonAssertion(std::string label, std::string_view json) {
  return MakeSuperbox(MakeDescription(C2paTypeUuid("json"), std::move(label)),
                      {MakeContentBox(kJsonBoxType, Bytes(json.begin(), json.end()))});
}

Box ManifestBox(std::string label, std::vector<Box> assertions, std::optional<Bytes> claim,
                const char* claim_label = "c2pa.claim.v2", FourCC type = MakeFourCC("c2ma")) {
  std::vector<Box> children;
  children.push_back(MakeSuperbox(MakeDescription(C2paTypeUuid("c2as"), "c2pa.assertions"),
                                  std::move(assertions)));
  if (claim) {
    children.push_back(MakeSuperbox(MakeDescription(C2paTypeUuid("c2cl"), claim_label),
                                    {MakeContentBox(kCborBoxType, *claim)}));
  }
  children.push_back(MakeSuperbox(MakeDescription(C2paTypeUuid("c2cs"), "c2pa.signature"),
                                  {MakeContentBox(kCborBoxType, Bytes{0xf6})}));
  return MakeSuperbox(MakeDescription(C2paTypeUuid(type), std::move(label)), std::move(children));
}

Bytes StoreBytes(std::vector<Box> manifests) {
  auto bytes = SerializeJumbf(
      MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"), std::move(manifests)));
  EXPECT_TRUE(bytes.ok()) << bytes.error().ToString();
  return bytes.ok() ? std::move(bytes).value() : Bytes{};
}

Value Uri(std::string url, uint8_t fill) {
  return ToCbor(HashedUri{std::move(url), std::nullopt, Bytes(32, fill)});
}

TEST(ManifestStoreTest, SyntheticStoreWithUpdateManifestAndUndecodableClaim) {
  Value claim = Value::MakeMap();
  claim.Set("instanceID", Value::Text("xmp:iid:1"));
  claim.Set("claim_generator_info",
            Value::MakeMap({{Value::Text("name"), Value::Text("custody-test")}}));
  claim.Set("signature", Value::Text("self#jumbf=c2pa.signature"));
  claim.Set("created_assertions",
            Value::MakeArray({Uri("self#jumbf=c2pa.assertions/c2pa.actions.v2", 1),
                              Value::Text("not a hashed uri")}));
  claim.Set("gathered_assertions",
            Value::MakeArray({Uri("self#jumbf=c2pa.assertions/custom.json", 2)}));
  claim.Set("redacted_assertions",
            Value::MakeArray({Value::Text("self#jumbf=/c2pa/x/c2pa.assertions/y")}));
  claim.Set("alg", Value::Text("sha384"));
  claim.Set("dc:title", Value::Text("t.png"));

  Value actions = Value::MakeMap(
      {{Value::Text("actions"), Value::MakeArray({Value::MakeMap(
                                    {{Value::Text("action"), Value::Text("c2pa.created")}})})}});
  const Bytes jumbf = StoreBytes({
      ManifestBox("urn:c2pa:aaaa", {CborAssertion("c2pa.actions.v2", actions)},
                  cbor::Encode(claim)),
      ManifestBox(
          "urn:c2pa:bbbb:gen:1_x",
          {CborAssertion("c2pa.ingredient.v3__1", Value::MakeMap()),
           JsonAssertion("custom.json", R"({"a": [1, 2]})"), JsonAssertion("bad.json", "{nope"),
           MakeSuperbox(MakeDescription(C2paTypeUuid("cbor"), "bad.cbor"),
                        {MakeContentBox(kCborBoxType, Bytes{0xff, 0x00})})},
          Bytes{0xa1, 0x61},  // truncated map
          "c2pa.claim", MakeFourCC("c2um")),
  });
  auto store = ParseManifestStore(jumbf);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  ASSERT_EQ(store->manifests.size(), 2u);

  const Manifest& first = store->manifests[0];
  EXPECT_EQ(first.label, "urn:c2pa:aaaa");
  EXPECT_FALSE(first.is_update);
  EXPECT_EQ(first.claim_version, 2);
  EXPECT_EQ(first.instance_id, "xmp:iid:1");
  EXPECT_EQ(first.title, "t.png");
  EXPECT_EQ(first.alg, "sha384");
  EXPECT_EQ(first.signature_url, "self#jumbf=c2pa.signature");
  // The malformed entry is skipped here; the verifier reports it from the raw claim.
  ASSERT_EQ(first.created_assertions.size(), 1u);
  EXPECT_EQ(first.created_assertions[0].hash, Bytes(32, 1));
  ASSERT_EQ(first.gathered_assertions.size(), 1u);
  EXPECT_EQ(first.redacted_assertions,
            std::vector<std::string>{"self#jumbf=/c2pa/x/c2pa.assertions/y"});
  EXPECT_EQ(first.claim_generator_info.at("name"), "custody-test");
  EXPECT_EQ(first.claim_bytes, cbor::Encode(claim));

  const Manifest& second = store->manifests[1];
  EXPECT_TRUE(second.is_update);
  EXPECT_EQ(second.claim_version, 1);
  EXPECT_FALSE(second.claim.has_value());
  EXPECT_EQ(second.claim_bytes, (Bytes{0xa1, 0x61}));
  EXPECT_TRUE(second.instance_id.empty());
  ASSERT_EQ(second.assertions.size(), 4u);
  EXPECT_EQ(second.assertions[0].label, "c2pa.ingredient.v3__1");
  EXPECT_EQ(second.assertions[0].base_label, "c2pa.ingredient.v3");
  EXPECT_EQ(second.assertions[1].json->at("a").at(1), 2);
  EXPECT_FALSE(second.assertions[2].json.has_value());
  EXPECT_TRUE(second.assertions[2].decode_error.has_value());
  EXPECT_FALSE(second.assertions[3].cbor.has_value());
  EXPECT_TRUE(second.assertions[3].decode_error.has_value());
  EXPECT_EQ(store->active(), &second);

  // Resolution: labels with ':' and a hash-locator query; missing paths; foreign schemes.
  auto r = ResolveUri(*store, first,
                      "self#jumbf=/c2pa/urn:c2pa:bbbb:gen:1_x/c2pa.assertions/"
                      "custom.json?hl=abcd");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->manifest, &second);
  EXPECT_EQ(r->box->label(), "custom.json");
  // The absolute form without its leading '/', as dashinit.mp4 writes it.
  r = ResolveUri(*store, first, "self#jumbf=c2pa/urn:c2pa:bbbb:gen:1_x/c2pa.assertions/bad.json");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->manifest, &second);
  EXPECT_EQ(r->box->label(), "bad.json");
  r = ResolveUri(*store, first, "self#jumbf=/c2pa/urn:c2pa:bbbb:gen:1_x");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->box->range, second.range);
  EXPECT_FALSE(ResolveUri(*store, first, "self#jumbf=c2pa.assertions/custom.json").has_value());
  EXPECT_FALSE(ResolveUri(*store, first, "self#jumbf=/c2pa/urn:c2pa:nope/c2pa.signature"));
  EXPECT_FALSE(ResolveUri(*store, first, "self#jumbf=/other/urn:c2pa:aaaa"));
  EXPECT_FALSE(ResolveUri(*store, first, "self#jumbf=/c2pa"));
  EXPECT_FALSE(ResolveUri(*store, first, "self#jumbf="));
  EXPECT_FALSE(ResolveUri(*store, first, "https://example.com/c2pa.assertions/x"));
  EXPECT_FALSE(ResolveUri(*store, first, "self#jumbf=c2pa.assertions//x"));
  auto sig = ResolveUri(*store, first, "self#jumbf=c2pa.signature");
  ASSERT_TRUE(sig.has_value());
  EXPECT_EQ(sig->box->desc->type_uuid, C2paTypeUuid("c2cs"));
}

TEST(ManifestStoreTest, RejectsStoresThatAreNotC2pa) {
  // Wrong root type.
  auto other = SerializeJumbf(MakeSuperbox(MakeDescription(C2paTypeUuid("c2ma"), "c2pa"), {}));
  ASSERT_TRUE(other.ok());
  auto r = ParseManifestStore(*other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  // Right type, wrong label.
  auto label = SerializeJumbf(MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "store"), {}));
  ASSERT_TRUE(label.ok());
  EXPECT_FALSE(ParseManifestStore(*label).ok());
  // Not JUMBF at all, and truncated JUMBF.
  EXPECT_FALSE(ParseManifestStore(Bytes{1, 2, 3}).ok());
  Bytes truncated = StoreBytes({ManifestBox("urn:c2pa:x", {}, Bytes{0xa0})});
  truncated.resize(truncated.size() - 1);
  EXPECT_FALSE(ParseManifestStore(truncated).ok());
  // An empty store is a store (the verifier reports claim.missing).
  auto empty = ParseManifestStore(StoreBytes({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->manifests.empty());
  EXPECT_EQ(empty->active(), nullptr);
}

TEST(ManifestStoreTest, ManifestWithoutClaimBoxIsListed) {
  auto store = ParseManifestStore(StoreBytes({ManifestBox("urn:c2pa:x", {}, std::nullopt)}));
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  ASSERT_EQ(store->manifests.size(), 1u);
  EXPECT_EQ(store->manifests[0].claim_version, 0);
  EXPECT_FALSE(store->manifests[0].claim.has_value());
  EXPECT_TRUE(store->manifests[0].signature_bytes.has_value());
}

TEST(ManifestStoreTest, SuperboxPayloadIsBoundsChecked) {
  ManifestStore store;
  store.jumbf = Bytes(100, 7);
  EXPECT_EQ(store.SuperboxPayload({10, 20, 8}).size(), 12u);
  EXPECT_EQ(store.SuperboxPayload({10, 20, 8}).data(), store.jumbf.data() + 18);
  EXPECT_TRUE(store.SuperboxPayload({90, 20, 8}).empty());
  EXPECT_TRUE(store.SuperboxPayload({200, 1, 8}).empty());
  EXPECT_TRUE(store.SuperboxPayload({10, 4, 8}).empty());
}

TEST(HashedUriTest, ParsesAndRoundTrips) {
  HashedUri uri{"self#jumbf=c2pa.assertions/c2pa.hash.data", "sha256", Bytes{1, 2, 3}};
  const Value v = ToCbor(uri);
  EXPECT_EQ(cbor::Diagnostic(v),
            R"({"url": "self#jumbf=c2pa.assertions/c2pa.hash.data", "alg": "sha256", )"
            R"("hash": h'010203'})");
  auto back = ParseHashedUri(v);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->url, uri.url);
  EXPECT_EQ(back->alg, uri.alg);
  EXPECT_EQ(back->hash, uri.hash);

  uri.alg.reset();
  auto no_alg = ParseHashedUri(ToCbor(uri));
  ASSERT_TRUE(no_alg.ok());
  EXPECT_FALSE(no_alg->alg.has_value());
  EXPECT_EQ(ToCbor(uri).map().size(), 2u);
}

TEST(HashedUriTest, RejectsMalformedMaps) {
  EXPECT_FALSE(ParseHashedUri(Value::Text("self#jumbf=x")).ok());
  EXPECT_FALSE(ParseHashedUri(Value::MakeMap()).ok());
  EXPECT_FALSE(ParseHashedUri(Value::MakeMap({{Value::Text("url"), Value::Text("u")}})).ok());
  EXPECT_FALSE(ParseHashedUri(Value::MakeMap({{Value::Text("url"), Value::Uint(1)},
                                              {Value::Text("hash"), Value::Bytes(Bytes{1})}}))
                   .ok());
  EXPECT_FALSE(ParseHashedUri(Value::MakeMap({{Value::Text("url"), Value::Text("u")},
                                              {Value::Text("hash"), Value::Text("00")}}))
                   .ok());
  auto bad_alg = ParseHashedUri(Value::MakeMap({{Value::Text("url"), Value::Text("u")},
                                                {Value::Text("hash"), Value::Bytes(Bytes{1})},
                                                {Value::Text("alg"), Value::Uint(256)}}));
  ASSERT_FALSE(bad_alg.ok());
  EXPECT_EQ(bad_alg.error().code(), ErrorCode::kInvalidArgument);
}

TEST(BaseLabelTest, StripsOnlyNumericInstanceSuffixes) {
  EXPECT_EQ(BaseLabel("c2pa.ingredient.v3__2"), "c2pa.ingredient.v3");
  EXPECT_EQ(BaseLabel("c2pa.ingredient.v3__10"), "c2pa.ingredient.v3");
  EXPECT_EQ(BaseLabel("c2pa.ingredient.v3"), "c2pa.ingredient.v3");
  EXPECT_EQ(BaseLabel("c2pa.actions.v2__"), "c2pa.actions.v2__");
  EXPECT_EQ(BaseLabel("my__label"), "my__label");
  EXPECT_EQ(BaseLabel("a__1__2"), "a__1");
  EXPECT_EQ(BaseLabel(""), "");
}

}  // namespace
}  // namespace custody::provenance
