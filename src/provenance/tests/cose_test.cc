// Tests for COSE_Sign1 claim signatures: the real signatures of c2pa-rs and Adobe fixtures (ES256,
// Ed25519, PS256 with v1 and v2 time-stamps) verify and stop verifying when one byte changes;
// signing with real keys round-trips; SignClaim hits every requested size exactly; malformed
// structures are rejected with a reason.
#include "provenance/c2pa/cose.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/pki.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance::cose {
namespace {

using testing::C2paFixtures;
using testing::ReadText;

// The JUMBF manifest store of a JPEG: APP11 segments FF EB | Le | "JP" | En | Z | payload, where
// segments after the first repeat the store's 8-byte box header (notes §2.8).
std::optional<Bytes> JpegJumbf(const Bytes& jpg) {
  Bytes out;
  size_t pos = 2;
  while (pos + 4 <= jpg.size() && jpg[pos] == 0xFF && jpg[pos + 1] != 0xDA) {
    const size_t le = (size_t{jpg[pos + 2]} << 8) | jpg[pos + 3];
    if (le < 2 || pos + 2 + le > jpg.size()) return std::nullopt;
    if (jpg[pos + 1] == 0xEB && le >= 10 && jpg[pos + 4] == 'J' && jpg[pos + 5] == 'P') {
      const uint32_t z = (uint32_t{jpg[pos + 8]} << 24) | (uint32_t{jpg[pos + 9]} << 16) |
                         (uint32_t{jpg[pos + 10]} << 8) | jpg[pos + 11];
      const size_t start = pos + 12 + (z == 1 ? 0 : 8);
      if (start > pos + 2 + le) return std::nullopt;
      out.insert(out.end(), jpg.begin() + start, jpg.begin() + pos + 2 + le);
    }
    pos += 2 + le;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

// The manifest store of a PNG: the caBX chunk right after IHDR, at offset 33.
std::optional<Bytes> PngJumbf(const Bytes& png) {
  if (png.size() < 41 || std::string(png.begin() + 37, png.begin() + 41) != "caBX") {
    return std::nullopt;
  }
  const size_t len =
      (size_t{png[33]} << 24) | (size_t{png[34]} << 16) | (size_t{png[35]} << 8) | size_t{png[36]};
  if (png.size() - 41 < len) return std::nullopt;
  return Bytes(png.begin() + 41, png.begin() + 41 + len);
}

// The active manifest's claim bytes and COSE_Sign1 bytes, exactly as stored.
struct Signed {
  Bytes claim;
  Bytes sign1;
};

std::optional<Signed> ActiveManifest(const Bytes& jumbf) {
  auto store = ParseJumbf(jumbf);
  if (!store.ok() || store->children.empty()) return std::nullopt;
  const Box& manifest = store->children.back();  // the active manifest is the last one
  const Box* claim = FindByLabel(manifest, "c2pa.claim.v2");
  if (claim == nullptr) claim = FindByLabel(manifest, "c2pa.claim");  // v1
  const Box* sig = FindByLabel(manifest, "c2pa.signature");
  if (claim == nullptr || sig == nullptr) return std::nullopt;
  const Box* claim_cbor = FindContent(*claim, kCborBoxType);
  const Box* sig_cbor = FindContent(*sig, kCborBoxType);
  if (claim_cbor == nullptr || sig_cbor == nullptr) return std::nullopt;
  return Signed{claim_cbor->payload, sig_cbor->payload};
}

#define LOAD_SIGNED(var, rel)                                                                 \
  CUSTODY_C2PA_FIXTURE(var##_file, rel);                                                      \
  std::optional<Bytes> var##_jumbf =                                                          \
      std::string_view(rel).ends_with(".png") ? PngJumbf(var##_file) : JpegJumbf(var##_file); \
  ASSERT_TRUE(var##_jumbf.has_value()) << "no manifest store in " << (rel);                   \
  std::optional<Signed> var##_opt = ActiveManifest(*var##_jumbf);                             \
  ASSERT_TRUE(var##_opt.has_value()) << "no claim/signature in " << (rel);                    \
  const Signed& var = *var##_opt

Sign1 MustParse(const Bytes& bytes) {
  auto s = ParseSign1(bytes);
  EXPECT_TRUE(s.ok()) << s.error().ToString();
  return s.ok() ? std::move(s).value() : Sign1{};
}

bool MustVerify(const Sign1& sign1, const Bytes& claim) {
  auto ok = VerifyClaimSignature(sign1, claim);
  EXPECT_TRUE(ok.ok()) << ok.error().ToString();
  return ok.ok() && *ok;
}

// Verifies, then checks that one flipped byte of the claim, and one of the signature, each make
// the verification fail.
void ExpectVerifiesAndDetectsTampering(const Signed& s) {
  const Sign1 sign1 = MustParse(s.sign1);
  EXPECT_TRUE(MustVerify(sign1, s.claim));
  for (size_t i : {size_t{0}, s.claim.size() / 2, s.claim.size() - 1}) {
    Bytes claim = s.claim;
    claim[i] ^= 0x01;
    EXPECT_FALSE(MustVerify(sign1, claim)) << "claim byte " << i;
  }
  for (size_t i : {size_t{0}, sign1.signature.size() / 2, sign1.signature.size() - 1}) {
    Sign1 bad = sign1;
    bad.signature[i] ^= 0x80;
    EXPECT_FALSE(MustVerify(bad, s.claim)) << "signature byte " << i;
  }
  // The protected header is covered too.
  Sign1 bad = sign1;
  bad.protected_bytes.back() ^= 0x01;
  EXPECT_FALSE(MustVerify(bad, s.claim));
}

TEST(CoseFixtureTest, Es256PngFromC2paRs) {
  LOAD_SIGNED(s, "reference-c2pa-rs/genai_es256.png");
  const Sign1 sign1 = MustParse(s.sign1);
  EXPECT_EQ(sign1.alg_value, -7);
  EXPECT_EQ(sign1.alg, Algorithm::kEs256);
  EXPECT_EQ(sign1.x5chain.size(), 2u);  // leaf + intermediate
  EXPECT_FALSE(sign1.x5chain_in_unprotected);
  EXPECT_FALSE(sign1.x5chain_in_both);
  EXPECT_TRUE(sign1.payload_detached);
  EXPECT_EQ(sign1.signature.size(), 64u);
  EXPECT_EQ(sign1.timestamp_version, 0);
  EXPECT_FALSE(sign1.timestamp_token.has_value());
  // Observed bytes (notes §2.6): {1: -7, 33: [bstr, ...]}.
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(sign1.protected_bytes).first(7)), "a2012618218259");
  ASSERT_NE(sign1.unprotected_header.Find("pad"), nullptr);
  EXPECT_EQ(TimestampImprintInputFor(sign1, s.claim), Bytes{});
  ExpectVerifiesAndDetectsTampering(s);
}

TEST(CoseFixtureTest, Ed25519JpegFromC2paRs) {
  LOAD_SIGNED(s, "reference-c2pa-rs/genai_ed25519.jpg");
  const Sign1 sign1 = MustParse(s.sign1);
  EXPECT_EQ(sign1.alg_value, -8);
  EXPECT_EQ(sign1.alg, Algorithm::kEd25519);
  EXPECT_EQ(sign1.signature.size(), 64u);
  EXPECT_EQ(sign1.x5chain.size(), 2u);
  ExpectVerifiesAndDetectsTampering(s);
}

TEST(CoseFixtureTest, HandbuiltEs256) {
  for (const char* name : {"handbuilt/min.png", "handbuilt/min.jpg"}) {
    SCOPED_TRACE(name);
    LOAD_SIGNED(s, name);
    const Sign1 sign1 = MustParse(s.sign1);
    EXPECT_EQ(sign1.alg, Algorithm::kEs256);
    EXPECT_EQ(sign1.unprotected_header.Find("pad")->bytes().size(), 1956u);
    EXPECT_TRUE(MustVerify(sign1, s.claim));
  }
}

// C.jpg: a v1 claim (`c2pa.claim`), PS256, with a v1 `sigTst` whose val is a whole
// TimeStampResp.
TEST(CoseFixtureTest, Ps256V1ClaimWithSigTst) {
  LOAD_SIGNED(s, "C.jpg");
  const Sign1 sign1 = MustParse(s.sign1);
  EXPECT_EQ(sign1.alg_value, -37);
  EXPECT_EQ(sign1.alg, Algorithm::kPs256);
  EXPECT_EQ(sign1.signature.size(), 512u);  // a 4096-bit key
  EXPECT_EQ(sign1.x5chain.size(), 2u);
  EXPECT_FALSE(sign1.x5chain_in_unprotected);  // C.jpg keeps it protected
  EXPECT_EQ(sign1.timestamp_version, 1);
  EXPECT_EQ(sign1.timestamp_token_count, 1u);
  EXPECT_FALSE(sign1.timestamp_malformed.has_value());
  ASSERT_TRUE(sign1.timestamp_token.has_value());
  // The token (a ContentInfo: SEQUENCE { OID signedData ...}), taken out of the TimeStampResp.
  EXPECT_EQ(HexEncode(std::span<const uint8_t>(*sign1.timestamp_token).first(15)),
            "3082173206092a864886f70d010702");
  EXPECT_EQ(TimestampImprintInputFor(sign1, s.claim),
            TimestampImprintInputV1(sign1.protected_bytes, s.claim));
  ExpectVerifiesAndDetectsTampering(s);
}

// CACA.jpg: a v2 claim signed PS256 with a v2 `sigTst2` holding the bare token.
TEST(CoseFixtureTest, Ps256V2ClaimWithSigTst2) {
  LOAD_SIGNED(s, "CACA.jpg");
  const Sign1 sign1 = MustParse(s.sign1);
  EXPECT_EQ(sign1.alg, Algorithm::kPs256);
  EXPECT_EQ(sign1.timestamp_version, 2);
  ASSERT_TRUE(sign1.timestamp_token.has_value());
  EXPECT_EQ(TimestampImprintInputFor(sign1, s.claim),
            TimestampImprintInput(sign1.protected_bytes, sign1.signature));
  ExpectVerifiesAndDetectsTampering(s);
}

TEST(CoseFixtureTest, DamagedSignatureFixtureDoesNotVerify) {
  LOAD_SIGNED(good, "CA.jpg");
  LOAD_SIGNED(bad, "E-sig-CA.jpg");
  EXPECT_TRUE(MustVerify(MustParse(good.sign1), good.claim));
  EXPECT_FALSE(MustVerify(MustParse(bad.sign1), bad.claim));
}

TEST(CoseTest, SigStructureAndImprintInputBytes) {
  const Bytes protected_bytes = {0xA1, 0x01, 0x26};  // {1: -7}
  const Bytes payload = {0x01, 0x02};
  // ["Signature1", h'a10126', h'', h'0102']
  EXPECT_EQ(HexEncode(SigStructure(protected_bytes, payload)),
            "846a5369676e61747572653143a10126404201"
            "02");
  // ["CounterSignature", h'a10126', h'', h'420102'] -- the signature as a CBOR bstr, in a bstr.
  EXPECT_EQ(HexEncode(TimestampImprintInput(protected_bytes, payload)),
            "8470436f756e7465725369676e617475726543a1012640"
            "43420102");
  EXPECT_EQ(HexEncode(TimestampImprintInputV1(protected_bytes, payload)),
            "8470436f756e7465725369676e617475726543a1012640"
            "420102");
  // Long payloads get longer heads, as the general encoder writes them.
  const Bytes big(300, 0xAA);
  cbor::Value expected = cbor::Value::MakeArray();
  expected.Append(cbor::Value::Text("Signature1"));
  expected.Append(cbor::Value::Bytes(protected_bytes));
  expected.Append(cbor::Value::Bytes(Bytes{}));
  expected.Append(cbor::Value::Bytes(big));
  EXPECT_EQ(SigStructure(protected_bytes, big), cbor::Encode(expected));
}

TEST(CoseTest, AlgorithmNamesAndSizes) {
  for (Algorithm alg : {Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEs512, Algorithm::kPs256,
                        Algorithm::kPs384, Algorithm::kPs512, Algorithm::kEd25519}) {
    EXPECT_EQ(AlgorithmFromCose(static_cast<int64_t>(alg)), alg);
    EXPECT_EQ(AlgorithmFromName(AlgorithmName(alg)), alg);
  }
  EXPECT_EQ(AlgorithmName(Algorithm::kPs384), "PS384");
  EXPECT_EQ(AlgorithmFromName("es256"), Algorithm::kEs256);
  EXPECT_EQ(AlgorithmFromName("EdDSA"), Algorithm::kEd25519);
  EXPECT_EQ(AlgorithmFromName("RS256"), std::nullopt);
  EXPECT_EQ(AlgorithmFromCose(-257), std::nullopt);  // RS256: not allowed by C2PA
  EXPECT_EQ(RawSignatureSize(Algorithm::kEs256), 64u);
  EXPECT_EQ(RawSignatureSize(Algorithm::kEs384), 96u);
  EXPECT_EQ(RawSignatureSize(Algorithm::kEs512), 132u);
  EXPECT_EQ(RawSignatureSize(Algorithm::kEd25519), 64u);
  EXPECT_EQ(RawSignatureSize(Algorithm::kPs256, 3072), 384u);
}

// A signer over a fixture key pair (certs/<name>.pem + .pub, from c2pa-rs).
std::shared_ptr<SigningCredential> FixtureSigner(const std::string& name) {
  auto chain = ReadText(C2paFixtures() / "certs" / (name + ".pub"));
  auto key = ReadText(C2paFixtures() / "certs" / (name + ".pem"));
  if (!chain || !key) return nullptr;
  auto cred = SigningCredential::FromPem(*chain, AsBytes(*key));
  EXPECT_TRUE(cred.ok()) << cred.error().ToString();
  return cred.ok() ? *cred : nullptr;
}

#define LOAD_SIGNER(var, name)                                                   \
  auto var = FixtureSigner(name);                                                \
  if (var == nullptr) {                                                          \
    if (testing::RequireFixtures()) FAIL() << "fixture key missing: " << (name); \
    GTEST_SKIP() << "fixture key missing: " << (name);                           \
  }

const Bytes kClaim = cbor::Encode(
    cbor::Value::MakeMap({{cbor::Value::Text("instanceID"), cbor::Value::Text("xmp:iid:1234")},
                          {cbor::Value::Text("alg"), cbor::Value::Text("sha256")}}));

TEST(CoseSignTest, RoundTripsWithEachAlgorithm) {
  for (const char* name : {"es256", "es384", "ed25519", "ps256"}) {
    SCOPED_TRACE(name);
    LOAD_SIGNER(signer, name);
    const size_t size = ReserveSize(*signer, false);
    auto signed_bytes = SignClaim(*signer, kClaim, size);
    ASSERT_TRUE(signed_bytes.ok()) << signed_bytes.error().ToString();
    EXPECT_EQ(signed_bytes->size(), size);
    EXPECT_EQ((*signed_bytes)[0], 0xD2);  // tag 18

    const Sign1 sign1 = MustParse(*signed_bytes);
    EXPECT_EQ(sign1.alg, signer->algorithm());
    EXPECT_EQ(sign1.x5chain, signer->certificate_chain());
    EXPECT_FALSE(sign1.x5chain_in_unprotected);
    EXPECT_TRUE(sign1.payload_detached);
    EXPECT_EQ(sign1.signature.size(), signer->max_signature_size());
    EXPECT_EQ(sign1.timestamp_version, 0);
    EXPECT_EQ(sign1.unprotected_header.map().size(), 1u);  // only "pad"
    // The protected header is exactly {1: alg, 33: [leaf, intermediate]}.
    cbor::Value expected = cbor::Value::MakeMap();
    expected.Set(1, cbor::Value::Int(static_cast<int64_t>(signer->algorithm())));
    cbor::Value chain = cbor::Value::MakeArray();
    for (const Bytes& cert : signer->certificate_chain()) chain.Append(cbor::Value::Bytes(cert));
    expected.Set(33, std::move(chain));
    EXPECT_EQ(sign1.protected_bytes, cbor::Encode(expected));

    EXPECT_TRUE(MustVerify(sign1, kClaim));
    Bytes other = kClaim;
    other.back() ^= 1;
    EXPECT_FALSE(MustVerify(sign1, other));
  }
}

TEST(CoseSignTest, SingleCertificateIsABstr) {
  LOAD_SIGNER(full, "es256");
  // The leaf alone (without the intermediate) as the chain.
  auto pem = ReadText(C2paFixtures() / "certs" / "es256.pub");
  auto key = ReadText(C2paFixtures() / "certs" / "es256.pem");
  ASSERT_TRUE(pem && key);
  const std::string leaf_pem = pem->substr(0, pem->find("-----END CERTIFICATE-----") + 25);
  auto leaf_only = SigningCredential::FromPem(leaf_pem, AsBytes(*key));
  ASSERT_TRUE(leaf_only.ok()) << leaf_only.error().ToString();
  ASSERT_EQ((*leaf_only)->certificate_chain().size(), 1u);
  auto signed_bytes = SignClaim(**leaf_only, kClaim, 2000);
  ASSERT_TRUE(signed_bytes.ok()) << signed_bytes.error().ToString();
  const Sign1 sign1 = MustParse(*signed_bytes);
  ASSERT_TRUE(sign1.protected_header.Find(33)->is_bytes());
  EXPECT_EQ(sign1.x5chain, (*leaf_only)->certificate_chain());
  EXPECT_EQ(sign1.x5chain[0], full->certificate_chain()[0]);
  EXPECT_TRUE(MustVerify(sign1, kClaim));
}

// Checks one SignClaim result: exact size, parses, verifies, pad2 only when needed.
void ExpectExactSize(const Signer& signer, size_t total, int* pad2_count) {
  auto signed_bytes = SignClaim(signer, kClaim, total);
  ASSERT_TRUE(signed_bytes.ok()) << total << ": " << signed_bytes.error().ToString();
  ASSERT_EQ(signed_bytes->size(), total);
  const Sign1 sign1 = MustParse(*signed_bytes);
  ASSERT_NE(sign1.unprotected_header.Find("pad"), nullptr);
  if (sign1.unprotected_header.Find("pad2") != nullptr) ++*pad2_count;
  EXPECT_TRUE(MustVerify(sign1, kClaim)) << total;
}

TEST(CoseSignTest, HitsEveryTotalSizeExactly) {
  LOAD_SIGNER(signer, "ed25519");
  // The smallest possible result: an empty pad.
  size_t minimum = 0;
  for (size_t total = 100; total < 4000; ++total) {
    if (SignClaim(*signer, kClaim, total).ok()) {
      minimum = total;
      break;
    }
  }
  ASSERT_GT(minimum, 0u);
  auto smallest = SignClaim(*signer, kClaim, minimum);
  EXPECT_EQ(MustParse(*smallest).unprotected_header.Find("pad")->bytes().size(), 0u);
  auto too_small = SignClaim(*signer, kClaim, minimum - 1);
  ASSERT_FALSE(too_small.ok());
  EXPECT_EQ(too_small.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(too_small.error().message().find("needs at least " + std::to_string(minimum)),
            std::string::npos)
      << too_small.error().message();
  EXPECT_FALSE(SignClaim(*signer, kClaim, 0).ok());

  // pad lengths 0..300 cover the 23/24 and 255/256 head boundaries; the pad's bstr is
  // total - minimum + 1 bytes when one pad suffices.
  int pad2 = 0;
  for (size_t total = minimum; total <= minimum + 300; ++total) {
    ExpectExactSize(*signer, total, &pad2);
  }
  // Encoded pad sizes 25 (a 24-byte pad needs 26) and 258 cannot be made with one pad.
  EXPECT_EQ(pad2, 2);
  // Around the 65535/65536 boundary: encoded sizes 65539 and 65540 need pad2.
  pad2 = 0;
  for (size_t total = minimum + 65530; total <= minimum + 65545; ++total) {
    ExpectExactSize(*signer, total, &pad2);
  }
  EXPECT_EQ(pad2, 2);
  int unused = 0;
  ExpectExactSize(*signer, 200000, &unused);  // a 140 kB-style pad (notes §2.6)
}

TEST(CoseSignTest, ReserveSizeMirrorsC2paRs) {
  LOAD_SIGNER(signer, "es256");
  size_t certs = 0;
  for (const Bytes& c : signer->certificate_chain()) certs += c.size();
  EXPECT_EQ(ReserveSize(*signer, false), certs + 64 + 1024);
  EXPECT_EQ(ReserveSize(*signer, true), certs + 64 + 1024 + 10000);
  EXPECT_TRUE(SignClaim(*signer, kClaim, ReserveSize(*signer, false)).ok());
}

// A signer that corrupts what the real one returns (fault injection, style.md §3).
class TruncatingSigner final : public Signer {
 public:
  explicit TruncatingSigner(const Signer& inner) : inner_(inner) {}
  Algorithm algorithm() const override { return inner_.algorithm(); }
  const std::vector<Bytes>& certificate_chain() const override {
    return inner_.certificate_chain();
  }
  Result<Bytes> Sign(std::span<const uint8_t> data) const override {
    ASSIGN_OR_RETURN(Bytes sig, inner_.Sign(data));
    sig.pop_back();
    return sig;
  }
  size_t max_signature_size() const override { return inner_.max_signature_size(); }

 private:
  const Signer& inner_;
};

TEST(CoseSignTest, RejectsASignatureOfTheWrongSize) {
  LOAD_SIGNER(signer, "es256");
  TruncatingSigner bad(*signer);
  auto r = SignClaim(bad, kClaim, 4000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r.error().message().find("63 bytes"), std::string::npos) << r.error().message();
}

// Builds a COSE_Sign1 from parts for the structural tests.
Bytes Sign1Bytes(cbor::Value protected_bytes, cbor::Value unprotected, cbor::Value payload,
                 cbor::Value signature, std::optional<uint64_t> tag = 18) {
  cbor::Value a = cbor::Value::MakeArray();
  a.Append(std::move(protected_bytes));
  a.Append(std::move(unprotected));
  a.Append(std::move(payload));
  a.Append(std::move(signature));
  return cbor::Encode(tag ? cbor::Value::Tag(*tag, std::move(a)) : std::move(a));
}

cbor::Value ProtectedBstr(cbor::Value map) { return cbor::Value::Bytes(cbor::Encode(map)); }

cbor::Value Header(std::initializer_list<std::pair<cbor::Value, cbor::Value>> entries) {
  cbor::Map m;
  for (const auto& e : entries) m.push_back(e);
  return cbor::Value::MakeMap(std::move(m));
}

const cbor::Value kCert = cbor::Value::Bytes(Bytes{0x30, 0x03, 0x02, 0x01, 0x00});

void ExpectRejected(const Bytes& bytes, std::string_view fragment) {
  auto r = ParseSign1(bytes);
  ASSERT_FALSE(r.ok()) << "accepted; expected: " << fragment;
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find(fragment), std::string::npos) << r.error().message();
}

TEST(CoseParseTest, RejectsMalformedStructures) {
  const cbor::Value good_protected = ProtectedBstr(
      Header({{cbor::Value::Int(1), cbor::Value::Int(-7)}, {cbor::Value::Int(33), kCert}}));
  const cbor::Value empty_map = cbor::Value::MakeMap();
  const cbor::Value sig = cbor::Value::Bytes(Bytes(64, 1));
  ASSERT_TRUE(ParseSign1(Sign1Bytes(good_protected, empty_map, cbor::Value::Null(), sig)).ok());

  ExpectRejected(Bytes{0x01, 0x02}, "CBOR: at offset 1");
  ExpectRejected(Sign1Bytes(good_protected, empty_map, cbor::Value::Null(), sig, 17),
                 "tag 17 is not COSE_Sign1");
  ExpectRejected(cbor::Encode(cbor::Value::Tag(18, cbor::Value::MakeArray())), "array of 4");
  ExpectRejected(Sign1Bytes(cbor::Value::Int(1), empty_map, cbor::Value::Null(), sig),
                 "protected header is not a bstr");
  ExpectRejected(Sign1Bytes(cbor::Value::Bytes(Bytes{0x01}), empty_map, cbor::Value::Null(), sig),
                 "protected header is not a map");
  ExpectRejected(Sign1Bytes(cbor::Value::Bytes(Bytes{0xA1}), empty_map, cbor::Value::Null(), sig),
                 "the protected header: CBOR: at offset 0");
  ExpectRejected(Sign1Bytes(good_protected, cbor::Value::MakeArray(), cbor::Value::Null(), sig),
                 "unprotected header is not a map");
  ExpectRejected(Sign1Bytes(good_protected, empty_map, cbor::Value::Int(0), sig),
                 "neither nil nor a bstr");
  ExpectRejected(Sign1Bytes(good_protected, empty_map, cbor::Value::Null(), cbor::Value::Null()),
                 "signature is not a bstr");
  ExpectRejected(Sign1Bytes(cbor::Value::Bytes(Bytes{}), empty_map, cbor::Value::Null(), sig),
                 "no alg");
  ExpectRejected(
      Sign1Bytes(ProtectedBstr(Header({{cbor::Value::Int(33), kCert}})),
                 Header({{cbor::Value::Int(1), cbor::Value::Int(-7)}}), cbor::Value::Null(), sig),
      "alg is in the unprotected header");
  ExpectRejected(Sign1Bytes(ProtectedBstr(Header({{cbor::Value::Int(1), cbor::Value::Text("ES256")},
                                                  {cbor::Value::Int(33), kCert}})),
                            empty_map, cbor::Value::Null(), sig),
                 "alg is not an integer");
  ExpectRejected(Sign1Bytes(ProtectedBstr(Header({{cbor::Value::Int(1), cbor::Value::Int(-7)}})),
                            empty_map, cbor::Value::Null(), sig),
                 "no x5chain");
  ExpectRejected(
      Sign1Bytes(ProtectedBstr(Header({{cbor::Value::Int(1), cbor::Value::Int(-7)},
                                       {cbor::Value::Int(33), cbor::Value::MakeArray()}})),
                 empty_map, cbor::Value::Null(), sig),
      "neither a bstr nor a non-empty array");
  ExpectRejected(
      Sign1Bytes(ProtectedBstr(Header({{cbor::Value::Int(1), cbor::Value::Int(-7)},
                                       {cbor::Value::Int(33),
                                        cbor::Value::MakeArray({kCert, cbor::Value::Int(1)})}})),
                 empty_map, cbor::Value::Null(), sig),
      "non-bstr element");
}

TEST(CoseParseTest, AcceptsTheVariantsValidatorsAccept) {
  const cbor::Value sig = cbor::Value::Bytes(Bytes(64, 1));
  const cbor::Value alg_only =
      ProtectedBstr(Header({{cbor::Value::Int(1), cbor::Value::Int(-36)}}));
  const cbor::Value other_cert = cbor::Value::Bytes(Bytes{0x30, 0x00});

  // Untagged, with an embedded payload, and an unknown algorithm (kept as written).
  auto untagged = ParseSign1(Sign1Bytes(
      ProtectedBstr(
          Header({{cbor::Value::Int(1), cbor::Value::Int(-257)}, {cbor::Value::Int(33), kCert}})),
      cbor::Value::MakeMap(), cbor::Value::Bytes(Bytes{1}), sig, std::nullopt));
  ASSERT_TRUE(untagged.ok()) << untagged.error().ToString();
  EXPECT_FALSE(untagged->payload_detached);
  EXPECT_EQ(untagged->alg_value, -257);
  EXPECT_EQ(untagged->alg, std::nullopt);

  // x5chain only in the unprotected bucket, under the text label (v1 writers).
  auto unprotected = ParseSign1(Sign1Bytes(
      alg_only,
      Header({{cbor::Value::Text("x5chain"), cbor::Value::MakeArray({kCert, other_cert})}}),
      cbor::Value::Null(), sig));
  ASSERT_TRUE(unprotected.ok()) << unprotected.error().ToString();
  EXPECT_EQ(unprotected->alg, Algorithm::kEs512);
  EXPECT_TRUE(unprotected->x5chain_in_unprotected);
  EXPECT_FALSE(unprotected->x5chain_in_both);
  ASSERT_EQ(unprotected->x5chain.size(), 2u);
  EXPECT_EQ(unprotected->x5chain[1], other_cert.bytes());

  // In both buckets: flagged, and the protected one is used.
  auto both = ParseSign1(Sign1Bytes(
      ProtectedBstr(
          Header({{cbor::Value::Int(1), cbor::Value::Int(-7)}, {cbor::Value::Int(33), kCert}})),
      Header({{cbor::Value::Int(33), other_cert}}), cbor::Value::Null(), sig));
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->x5chain_in_both);
  EXPECT_EQ(both->x5chain, std::vector<Bytes>{kCert.bytes()});

  // A malformed time-stamp header does not stop the parse; it is reported.
  auto bad_ts = ParseSign1(Sign1Bytes(
      ProtectedBstr(
          Header({{cbor::Value::Int(1), cbor::Value::Int(-7)}, {cbor::Value::Int(33), kCert}})),
      Header({{cbor::Value::Text("sigTst2"),
               Header({{cbor::Value::Text("tstTokens"),
                        cbor::Value::MakeArray(
                            {Header({{cbor::Value::Text("val"), cbor::Value::Text("x")}})})}})}}),
      cbor::Value::Null(), sig));
  ASSERT_TRUE(bad_ts.ok());
  EXPECT_EQ(bad_ts->timestamp_version, 2);
  EXPECT_EQ(bad_ts->timestamp_token_count, 1u);
  EXPECT_FALSE(bad_ts->timestamp_token.has_value());
  EXPECT_EQ(bad_ts->timestamp_malformed, "sigTst2.tstTokens[0] has no val bstr");
}

TEST(CoseVerifyTest, KeyAndAlgorithmMustAgree) {
  LOAD_SIGNED(s, "reference-c2pa-rs/genai_es256.png");
  const Sign1 good = MustParse(s.sign1);

  Sign1 ed = good;  // an ES256 (P-256) certificate claimed as Ed25519
  ed.alg = Algorithm::kEd25519;
  auto r = VerifyClaimSignature(ed, s.claim);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("needs an Ed25519 key"), std::string::npos);

  Sign1 es384 = good;  // right key type, wrong curve
  es384.alg = Algorithm::kEs384;
  r = VerifyClaimSignature(es384, s.claim);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("needs curve secp384r1"), std::string::npos)
      << r.error().message();

  Sign1 ps = good;
  ps.alg = Algorithm::kPs256;
  EXPECT_FALSE(VerifyClaimSignature(ps, s.claim).ok());

  Sign1 unknown = good;
  unknown.alg = std::nullopt;
  unknown.alg_value = -257;
  r = VerifyClaimSignature(unknown, s.claim);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("-257"), std::string::npos);

  Sign1 garbage = good;
  garbage.x5chain[0] = Bytes{0x30, 0x03, 0x02, 0x01, 0x00};
  r = VerifyClaimSignature(garbage, s.claim);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("not a DER X.509"), std::string::npos);

  Sign1 trailing = good;  // a certificate followed by junk is not a certificate
  trailing.x5chain[0].push_back(0);
  EXPECT_FALSE(VerifyClaimSignature(trailing, s.claim).ok());

  Sign1 no_chain = good;
  no_chain.x5chain.clear();
  EXPECT_FALSE(VerifyClaimSignature(no_chain, s.claim).ok());
}

TEST(CoseVerifyTest, EcdsaSignatureMustBeRawOfTheRightLength) {
  LOAD_SIGNED(s, "reference-c2pa-rs/genai_es256.png");
  const Sign1 good = MustParse(s.sign1);
  ASSERT_TRUE(MustVerify(good, s.claim));
  Sign1 shorter = good;
  shorter.signature.pop_back();
  EXPECT_FALSE(MustVerify(shorter, s.claim));
  Sign1 longer = good;
  longer.signature.push_back(0);
  EXPECT_FALSE(MustVerify(longer, s.claim));
  Sign1 empty = good;
  empty.signature.clear();
  EXPECT_FALSE(MustVerify(empty, s.claim));
  // The same r and s as DER (what OpenSSL itself produces) is not a COSE signature.
  Sign1 der = good;
  const Bytes r(good.signature.begin(), good.signature.begin() + 32);
  const Bytes sv(good.signature.begin() + 32, good.signature.end());
  auto integer = [](const Bytes& v) {
    Bytes out = {0x02};
    const bool pad = v[0] & 0x80;
    out.push_back(static_cast<uint8_t>(v.size() + (pad ? 1 : 0)));
    if (pad) out.push_back(0);
    out.insert(out.end(), v.begin(), v.end());
    return out;
  };
  Bytes body = integer(r);
  const Bytes s_int = integer(sv);
  body.insert(body.end(), s_int.begin(), s_int.end());
  der.signature = {0x30, static_cast<uint8_t>(body.size())};
  der.signature.insert(der.signature.end(), body.begin(), body.end());
  EXPECT_FALSE(MustVerify(der, s.claim));
  // All-zero r and s are rejected by OpenSSL, not accepted.
  Sign1 zeros = good;
  std::fill(zeros.signature.begin(), zeros.signature.end(), 0);
  EXPECT_FALSE(MustVerify(zeros, s.claim));
}

TEST(CoseVerifyTest, PssAndEd25519SignaturesOfTheWrongLengthDoNotVerify) {
  LOAD_SIGNED(ps, "C.jpg");
  Sign1 sign1 = MustParse(ps.sign1);
  sign1.signature.pop_back();
  EXPECT_FALSE(MustVerify(sign1, ps.claim));
  LOAD_SIGNED(ed, "reference-c2pa-rs/genai_ed25519.jpg");
  Sign1 ed1 = MustParse(ed.sign1);
  ed1.signature.push_back(0);
  EXPECT_FALSE(MustVerify(ed1, ed.claim));
}

}  // namespace
}  // namespace custody::provenance::cose
