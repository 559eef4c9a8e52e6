// Tests for RFC 3161 time-stamps: a real TSA runs inside the test (OpenSSL's TS_RESP_CTX, with a
// CA and a TSA certificate generated here, EKU timeStamping critical), so request -> response ->
// token -> ReadTimestampToken and SignClaim with a sigTst2 time-stamp are exercised for real. The
// tokens of the Adobe fixtures (v1 sigTst in C.jpg and CA.jpg, v2 sigTst2 in CACA.jpg) are read and
// their imprints checked against what they cover.
#include "provenance/c2pa/timestamp.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/pki.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

using testing::C2paFixtures;
using testing::ReadText;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct TsReqFree {
  void operator()(TS_REQ* p) const { TS_REQ_free(p); }
};
struct TsRespCtxFree {
  void operator()(TS_RESP_CTX* p) const { TS_RESP_CTX_free(p); }
};
struct TsRespFree {
  void operator()(TS_RESP* p) const { TS_RESP_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }  // certs not owned
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Cert = std::unique_ptr<X509, X509Free>;

Bytes Der(X509* cert) {
  const int len = i2d_X509(cert, nullptr);
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  i2d_X509(cert, &p);
  return out;
}

Bytes Digest(const EVP_MD* md, std::span<const uint8_t> data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  return Bytes(out, out + len);
}

// A certificate for `key`, issued by `issuer` (self-signed when null), with extensions given as
// (NID, value) in openssl.cnf syntax.
Cert MakeCert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long serial,
              const std::vector<std::pair<int, const char*>>& extensions) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600L * 24 * 365);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Custody Tests"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    EXPECT_NE(ext, nullptr) << OBJ_nid2sn(nid) << " = " << value;
    if (ext == nullptr) continue;
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(cert.get(), issuer_key ? issuer_key : key, EVP_sha256()), 0);
  return cert;
}

Pkey NewP256Key() { return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

// A time-stamp authority in the test process: a CA and a TSA certificate issued by it (EKU
// timeStamping, critical, as RFC 3161 §2.3 requires and OpenSSL checks), answering requests with
// OpenSSL's TS_RESP_CTX at a fixed time.
class LocalTsa {
 public:
  // 2026-03-01T12:34:56.25Z: a fraction, to check it is kept.
  static constexpr long kGenTimeSeconds = 1772368496;
  static constexpr long kGenTimeMicros = 250000;

  LocalTsa() : ca_key_(NewP256Key()), tsa_key_(NewP256Key()) {
    ca_ = MakeCert("Test TSA Root", ca_key_.get(), nullptr, nullptr, 1,
                   {{NID_basic_constraints, "critical,CA:TRUE"},
                    {NID_key_usage, "critical,keyCertSign,cRLSign"},
                    {NID_subject_key_identifier, "hash"}});
    tsa_ = MakeCert("Test TSA", tsa_key_.get(), ca_.get(), ca_key_.get(), 2,
                    {{NID_basic_constraints, "critical,CA:FALSE"},
                     {NID_key_usage, "critical,digitalSignature"},
                     {NID_ext_key_usage, "critical,timeStamping"},
                     {NID_subject_key_identifier, "hash"},
                     {NID_authority_key_identifier, "keyid:always"}});
  }

  // Answers a DER TimeStampReq with a DER TimeStampResp. `digests` are the imprint algorithms
  // the TSA accepts; anything else gets a rejection (status 2, badAlg).
  Bytes Respond(std::span<const uint8_t> request,
                std::vector<const EVP_MD*> digests = {EVP_sha256(), EVP_sha384(),
                                                      EVP_sha512()}) const {
    std::unique_ptr<TS_RESP_CTX, TsRespCtxFree> ctx(TS_RESP_CTX_new());
    EXPECT_EQ(TS_RESP_CTX_set_signer_cert(ctx.get(), tsa_.get()), 1)
        << "OpenSSL refused the TSA certificate";
    EXPECT_EQ(TS_RESP_CTX_set_signer_key(ctx.get(), tsa_key_.get()), 1);
    EXPECT_EQ(TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()), 1);
    EXPECT_EQ(TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()), 1);
    ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1);
    EXPECT_EQ(TS_RESP_CTX_set_def_policy(ctx.get(), policy), 1);
    ASN1_OBJECT_free(policy);
    std::unique_ptr<STACK_OF(X509), X509StackFree> extra(sk_X509_new_null());
    sk_X509_push(extra.get(), ca_.get());
    EXPECT_EQ(TS_RESP_CTX_set_certs(ctx.get(), extra.get()), 1);
    for (const EVP_MD* md : digests) TS_RESP_CTX_add_md(ctx.get(), md);
    TS_RESP_CTX_set_clock_precision_digits(ctx.get(), 3);
    TS_RESP_CTX_set_time_cb(
        ctx.get(),
        [](TS_RESP_CTX*, void*, long* sec, long* usec) {
          *sec = kGenTimeSeconds;
          *usec = kGenTimeMicros;
          return 1;
        },
        nullptr);
    std::unique_ptr<BIO, BioFree> in(
        BIO_new_mem_buf(request.data(), static_cast<int>(request.size())));
    std::unique_ptr<TS_RESP, TsRespFree> resp(TS_RESP_create_response(ctx.get(), in.get()));
    EXPECT_NE(resp, nullptr);
    if (!resp) return {};
    const int len = i2d_TS_RESP(resp.get(), nullptr);
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d_TS_RESP(resp.get(), &p);
    return out;
  }

  // A CMS SignedData over `content` (type id-data) by the TSA key: signed, but not a token.
  Bytes CmsSignedData(std::span<const uint8_t> content) const {
    std::unique_ptr<BIO, BioFree> in(
        BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    CMS_ContentInfo* cms = CMS_sign(tsa_.get(), tsa_key_.get(), nullptr, in.get(), CMS_BINARY);
    EXPECT_NE(cms, nullptr);
    const int len = i2d_CMS_ContentInfo(cms, nullptr);
    Bytes out(static_cast<size_t>(len));
    unsigned char* p = out.data();
    i2d_CMS_ContentInfo(cms, &p);
    CMS_ContentInfo_free(cms);
    return out;
  }

  Bytes tsa_der() const { return Der(tsa_.get()); }
  Bytes ca_der() const { return Der(ca_.get()); }

 private:
  Pkey ca_key_;
  Pkey tsa_key_;
  Cert ca_;
  Cert tsa_;
};

TimePoint ExpectedGenTime() {
  return TimePoint(std::chrono::seconds(LocalTsa::kGenTimeSeconds)) +
         std::chrono::microseconds(LocalTsa::kGenTimeMicros);
}

const Bytes kInput = {'C', 'o', 'u', 'n', 't', 'e', 'r', 'S', 'i', 'g', 'n', 'e', 'd'};

TEST(TimestampTest, RequestHasSha256ImprintCertReqAndNonce) {
  SeededRandom random(7);
  const Bytes der = MakeTimestampRequest(kInput, random);
  ASSERT_FALSE(der.empty());
  const unsigned char* p = der.data();
  std::unique_ptr<TS_REQ, TsReqFree> req(d2i_TS_REQ(nullptr, &p, static_cast<long>(der.size())));
  ASSERT_NE(req, nullptr);
  EXPECT_EQ(p, der.data() + der.size());
  EXPECT_EQ(TS_REQ_get_version(req.get()), 1);
  EXPECT_EQ(TS_REQ_get_cert_req(req.get()), 1);
  TS_MSG_IMPRINT* imprint = TS_REQ_get_msg_imprint(req.get());
  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, TS_MSG_IMPRINT_get_algo(imprint));
  EXPECT_EQ(OBJ_obj2nid(oid), NID_sha256);
  const ASN1_OCTET_STRING* digest = TS_MSG_IMPRINT_get_msg(imprint);
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(digest),
                  ASN1_STRING_get0_data(digest) + ASN1_STRING_length(digest)),
            Digest(EVP_sha256(), kInput));
  const ASN1_INTEGER* nonce = TS_REQ_get_nonce(req.get());
  ASSERT_NE(nonce, nullptr);
  EXPECT_EQ(ASN1_STRING_type(nonce), V_ASN1_INTEGER);  // positive
  EXPECT_EQ(ASN1_STRING_length(nonce), 8);
  EXPECT_EQ(TS_REQ_get_policy_id(req.get()), nullptr);

  // The nonce comes from the injected Random: reproducible with the same seed, different with
  // another.
  SeededRandom same(7);
  EXPECT_EQ(MakeTimestampRequest(kInput, same), der);
  SeededRandom other(8);
  EXPECT_NE(MakeTimestampRequest(kInput, other), der);
}

TEST(TimestampTest, LocalTsaRoundTrip) {
  LocalTsa tsa;
  SeededRandom random(1);
  const Bytes response = tsa.Respond(MakeTimestampRequest(kInput, random));
  auto token = TimestampTokenFromResponse(response);
  ASSERT_TRUE(token.ok()) << token.error().ToString();
  // The token is carried byte for byte: it is the tail of the response after the status.
  ASSERT_LT(token->size(), response.size());
  EXPECT_TRUE(std::equal(token->begin(), token->end(), response.end() - token->size()));

  auto info = ReadTimestampToken(*token, kInput);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_TRUE(info->imprint_matches);
  EXPECT_TRUE(info->signature_valid);
  EXPECT_EQ(info->gen_time, ExpectedGenTime()) << FormatTime(info->gen_time);
  EXPECT_EQ(FormatTime(info->gen_time), "2026-03-01T12:34:56.25Z");
  ASSERT_EQ(info->tsa_chain.size(), 2u);
  EXPECT_EQ(info->tsa_chain[0], tsa.tsa_der());  // the signer first
  EXPECT_EQ(info->tsa_chain[1], tsa.ca_der());

  // A whole TimeStampResp reads the same (v1 sigTst stores those).
  auto from_response = ReadTimestampToken(response, kInput);
  ASSERT_TRUE(from_response.ok()) << from_response.error().ToString();
  EXPECT_TRUE(from_response->imprint_matches);
  EXPECT_TRUE(from_response->signature_valid);
  EXPECT_EQ(from_response->tsa_chain, info->tsa_chain);
}

TEST(TimestampTest, ImprintOfOtherBytesDoesNotMatch) {
  LocalTsa tsa;
  SeededRandom random(2);
  auto token = TimestampTokenFromResponse(tsa.Respond(MakeTimestampRequest(kInput, random)));
  ASSERT_TRUE(token.ok());
  Bytes other = kInput;
  other.push_back('!');
  auto info = ReadTimestampToken(*token, other);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->imprint_matches);
  EXPECT_TRUE(info->signature_valid);  // the token itself is intact
  auto empty = ReadTimestampToken(*token, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->imprint_matches);
}

// A request imprinted with SHA-384 or SHA-512 (other clients may send one): the token is checked
// with the digest it names.
TEST(TimestampTest, ImprintUsesTheTokensDigest) {
  LocalTsa tsa;
  for (const EVP_MD* md : {EVP_sha384(), EVP_sha512()}) {
    SCOPED_TRACE(EVP_MD_get0_name(md));
    std::unique_ptr<TS_REQ, TsReqFree> req(TS_REQ_new());
    TS_REQ_set_version(req.get(), 1);
    TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR* algo = X509_ALGOR_new();
    X509_ALGOR_set0(algo, OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(imprint, algo);
    const Bytes digest = Digest(md, kInput);
    TS_MSG_IMPRINT_set_msg(imprint, const_cast<uint8_t*>(digest.data()),
                           static_cast<int>(digest.size()));
    TS_REQ_set_msg_imprint(req.get(), imprint);
    TS_REQ_set_cert_req(req.get(), 1);
    X509_ALGOR_free(algo);
    TS_MSG_IMPRINT_free(imprint);
    const int len = i2d_TS_REQ(req.get(), nullptr);
    Bytes der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_TS_REQ(req.get(), &p);

    auto token = TimestampTokenFromResponse(tsa.Respond(der));
    ASSERT_TRUE(token.ok()) << token.error().ToString();
    auto info = ReadTimestampToken(*token, kInput);
    ASSERT_TRUE(info.ok());
    EXPECT_TRUE(info->imprint_matches);
    EXPECT_TRUE(info->signature_valid);
  }
}

TEST(TimestampTest, TamperedTokenFailsTheSignature) {
  LocalTsa tsa;
  SeededRandom random(3);
  auto token = TimestampTokenFromResponse(tsa.Respond(MakeTimestampRequest(kInput, random)));
  ASSERT_TRUE(token.ok());
  // Change the imprint inside the TSTInfo: the content no longer matches the signed digest.
  const Bytes digest = Digest(EVP_sha256(), kInput);
  auto at = std::search(token->begin(), token->end(), digest.begin(), digest.end());
  ASSERT_NE(at, token->end());
  Bytes tampered = *token;
  tampered[at - token->begin()] ^= 0x01;
  auto info = ReadTimestampToken(tampered, kInput);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_FALSE(info->imprint_matches);
  EXPECT_FALSE(info->signature_valid);
  // Same for the last byte (inside the signature value).
  Bytes bad_sig = *token;
  bad_sig.back() ^= 0x01;
  auto info2 = ReadTimestampToken(bad_sig, kInput);
  ASSERT_TRUE(info2.ok()) << info2.error().ToString();
  EXPECT_TRUE(info2->imprint_matches);
  EXPECT_FALSE(info2->signature_valid);
}

TEST(TimestampTest, RefusedRequestIsUnavailable) {
  LocalTsa tsa;
  SeededRandom random(4);
  // A TSA that only takes SHA-512 imprints rejects our SHA-256 request (status 2, badAlg).
  const Bytes response = tsa.Respond(MakeTimestampRequest(kInput, random), {EVP_sha512()});
  auto token = TimestampTokenFromResponse(response);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(token.error().message().find("status 2"), std::string::npos) << token.error().message();
}

TEST(TimestampTest, MalformedInputIsInvalidArgument) {
  EXPECT_EQ(TimestampTokenFromResponse({}).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(TimestampTokenFromResponse(Bytes{0x30, 0x00}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadTimestampToken({}, kInput).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadTimestampToken(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, kInput).error().code(),
            ErrorCode::kInvalidArgument);

  LocalTsa tsa;
  SeededRandom random(5);
  const Bytes response = tsa.Respond(MakeTimestampRequest(kInput, random));
  auto token = TimestampTokenFromResponse(response);
  ASSERT_TRUE(token.ok());
  // Every truncation of the response and of the token is an error, never a crash.
  for (size_t n = 0; n < response.size(); n += 7) {
    EXPECT_FALSE(TimestampTokenFromResponse(std::span<const uint8_t>(response).first(n)).ok()) << n;
  }
  for (size_t n = 0; n < token->size(); n += 7) {
    EXPECT_FALSE(ReadTimestampToken(std::span<const uint8_t>(*token).first(n), kInput).ok()) << n;
  }
  // Trailing bytes are not part of a token.
  Bytes longer = *token;
  longer.push_back(0);
  EXPECT_FALSE(ReadTimestampToken(longer, kInput).ok());
  // A signed CMS that is not a time-stamp token (plain data, no TSTInfo) is rejected.
  auto plain = ReadTimestampToken(tsa.CmsSignedData(kInput), kInput);
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.error().message().find("does not carry a TSTInfo"), std::string::npos)
      << plain.error().message();
}

// The JUMBF store of a JPEG (APP11 segments; notes §2.8) and its active manifest's claim and
// signature bytes.
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

struct Signed {
  Bytes claim;
  Bytes sign1;
};

std::optional<Signed> JpegActiveManifest(const Bytes& jpg) {
  auto jumbf = JpegJumbf(jpg);
  if (!jumbf) return std::nullopt;
  auto store = ParseJumbf(*jumbf);
  if (!store.ok() || store->children.empty()) return std::nullopt;
  const Box& manifest = store->children.back();
  const Box* claim = FindByLabel(manifest, "c2pa.claim.v2");
  if (claim == nullptr) claim = FindByLabel(manifest, "c2pa.claim");
  const Box* sig = FindByLabel(manifest, "c2pa.signature");
  if (claim == nullptr || sig == nullptr) return std::nullopt;
  return Signed{FindContent(*claim, kCborBoxType)->payload,
                FindContent(*sig, kCborBoxType)->payload};
}

// Which bytes the time-stamps of real files imprint (documented in cose.h next to
// timestamp_version): v1 sigTst covers ["CounterSignature", protected, h'', claim], v2 sigTst2
// covers ["CounterSignature", protected, h'', bstr(bstr(signature))].
TEST(TimestampFixtureTest, RealTokensAndWhatTheyImprint) {
  struct Case {
    const char* file;
    int version;
    const char* gen_time;
  };
  for (const Case& c :
       {Case{"C.jpg", 1, "2024-08-06T21:53:37Z"}, Case{"CA.jpg", 1, "2024-08-06T21:53:37Z"},
        Case{"CACA.jpg", 2, "2025-10-16T17:31:55Z"}}) {
    SCOPED_TRACE(c.file);
    CUSTODY_C2PA_FIXTURE(jpg, c.file);
    auto s = JpegActiveManifest(jpg);
    ASSERT_TRUE(s.has_value());
    auto sign1 = cose::ParseSign1(s->sign1);
    ASSERT_TRUE(sign1.ok()) << sign1.error().ToString();
    ASSERT_EQ(sign1->timestamp_version, c.version);
    ASSERT_TRUE(sign1->timestamp_token.has_value());

    const Bytes v1_input = cose::TimestampImprintInputV1(sign1->protected_bytes, s->claim);
    const Bytes v2_input = cose::TimestampImprintInput(sign1->protected_bytes, sign1->signature);
    const Bytes sig_structure = cose::SigStructure(sign1->protected_bytes, s->claim);
    auto info = ReadTimestampToken(*sign1->timestamp_token, c.version == 1 ? v1_input : v2_input);
    ASSERT_TRUE(info.ok()) << info.error().ToString();
    EXPECT_TRUE(info->imprint_matches);
    EXPECT_TRUE(info->signature_valid);
    EXPECT_EQ(FormatTime(info->gen_time), c.gen_time);
    EXPECT_EQ(info->tsa_chain.size(), 3u);
    EXPECT_EQ(cose::TimestampImprintInputFor(*sign1, s->claim),
              c.version == 1 ? v1_input : v2_input);

    // None of the other candidates match.
    for (const Bytes& wrong : {s->claim, sig_structure, c.version == 1 ? v2_input : v1_input}) {
      auto other = ReadTimestampToken(*sign1->timestamp_token, wrong);
      ASSERT_TRUE(other.ok());
      EXPECT_FALSE(other->imprint_matches);
    }

    // The v1 `val` is a whole TimeStampResp, which reads the same.
    if (c.version == 1) {
      const cbor::Value* val =
          sign1->unprotected_header.Find("sigTst")->Find("tstTokens")->array()[0].Find("val");
      ASSERT_NE(val, nullptr);
      EXPECT_NE(val->bytes(), *sign1->timestamp_token);
      auto direct = ReadTimestampToken(val->bytes(), v1_input);
      ASSERT_TRUE(direct.ok()) << direct.error().ToString();
      EXPECT_TRUE(direct->imprint_matches);
    }
  }
}

// E-sig-CA.jpg is CA.jpg with the claim signature damaged: its time-stamp no longer imprints the
// claim it sits next to.
TEST(TimestampFixtureTest, DamagedFixtureTokenDoesNotMatch) {
  CUSTODY_C2PA_FIXTURE(jpg, "E-sig-CA.jpg");
  auto s = JpegActiveManifest(jpg);
  ASSERT_TRUE(s.has_value());
  auto sign1 = cose::ParseSign1(s->sign1);
  ASSERT_TRUE(sign1.ok());
  auto info =
      ReadTimestampToken(*sign1->timestamp_token, cose::TimestampImprintInputFor(*sign1, s->claim));
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->imprint_matches);
  EXPECT_TRUE(info->signature_valid);
}

std::shared_ptr<SigningCredential> Es256Signer() {
  auto chain = ReadText(C2paFixtures() / "certs" / "es256.pub");
  auto key = ReadText(C2paFixtures() / "certs" / "es256.pem");
  if (!chain || !key) return nullptr;
  auto cred = SigningCredential::FromPem(*chain, AsBytes(*key));
  EXPECT_TRUE(cred.ok()) << cred.error().ToString();
  return cred.ok() ? *cred : nullptr;
}

#define LOAD_ES256_SIGNER(var)                                               \
  auto var = Es256Signer();                                                  \
  if (var == nullptr) {                                                      \
    if (testing::RequireFixtures()) FAIL() << "fixture certs/es256 missing"; \
    GTEST_SKIP() << "fixture certs/es256 missing";                           \
  }

const Bytes kClaim = cbor::Encode(
    cbor::Value::MakeMap({{cbor::Value::Text("instanceID"), cbor::Value::Text("xmp:iid:5678")}}));

TEST(TimestampSignTest, SignClaimEmbedsAVerifiableSigTst2) {
  LOAD_ES256_SIGNER(signer);
  LocalTsa tsa;
  int calls = 0;
  cose::TimestampTransport transport = [&](std::span<const uint8_t> request) -> Result<Bytes> {
    ++calls;
    return tsa.Respond(request);
  };
  const size_t size = cose::ReserveSize(*signer, true);
  auto signed_bytes = cose::SignClaim(*signer, kClaim, size, {.timestamp = &transport});
  ASSERT_TRUE(signed_bytes.ok()) << signed_bytes.error().ToString();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(signed_bytes->size(), size);

  auto sign1 = cose::ParseSign1(*signed_bytes);
  ASSERT_TRUE(sign1.ok()) << sign1.error().ToString();
  EXPECT_EQ(sign1->timestamp_version, 2);
  EXPECT_EQ(sign1->timestamp_token_count, 1u);
  ASSERT_TRUE(sign1->timestamp_token.has_value());
  // {"sigTst2": {"tstTokens": [{"val": token}]}, "pad": ...}, sigTst2 first.
  ASSERT_EQ(sign1->unprotected_header.map().size(), 2u);
  EXPECT_EQ(sign1->unprotected_header.map()[0].first, cbor::Value::Text("sigTst2"));
  EXPECT_EQ(sign1->unprotected_header.map()[1].first, cbor::Value::Text("pad"));
  EXPECT_EQ(sign1->unprotected_header.Find("sigTst"), nullptr);

  auto verified = cose::VerifyClaimSignature(*sign1, kClaim);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(*verified);
  auto info =
      ReadTimestampToken(*sign1->timestamp_token,
                         cose::TimestampImprintInput(sign1->protected_bytes, sign1->signature));
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_TRUE(info->imprint_matches);
  EXPECT_TRUE(info->signature_valid);
  EXPECT_EQ(info->gen_time, ExpectedGenTime());
  EXPECT_EQ(info->tsa_chain[0], tsa.tsa_der());

  // Exact sizes still hold with a time-stamp (its size is only known after the TSA answers).
  for (size_t total : {size - 1000, size + 1, size + 7777}) {
    auto other = cose::SignClaim(*signer, kClaim, total, {.timestamp = &transport});
    ASSERT_TRUE(other.ok()) << other.error().ToString();
    EXPECT_EQ(other->size(), total);
  }
}

TEST(TimestampSignTest, TransportFailuresAndWrongTokensAreErrors) {
  LOAD_ES256_SIGNER(signer);
  const size_t size = cose::ReserveSize(*signer, true);

  cose::TimestampTransport down = [](std::span<const uint8_t>) -> Result<Bytes> {
    return Error(ErrorCode::kUnavailable, "connection refused");
  };
  auto r = cose::SignClaim(*signer, kClaim, size, {.timestamp = &down});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "connection refused");

  LocalTsa tsa;
  cose::TimestampTransport refusing = [&](std::span<const uint8_t> request) -> Result<Bytes> {
    return tsa.Respond(request, {EVP_sha512()});
  };
  r = cose::SignClaim(*signer, kClaim, size, {.timestamp = &refusing});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);

  // A TSA answering for other bytes (a replayed response) is caught before embedding.
  SeededRandom random(9);
  const Bytes stale = tsa.Respond(MakeTimestampRequest(kInput, random));
  cose::TimestampTransport replaying = [&](std::span<const uint8_t>) -> Result<Bytes> {
    return stale;
  };
  r = cose::SignClaim(*signer, kClaim, size, {.timestamp = &replaying});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("another imprint"), std::string::npos) << r.error().message();

  cose::TimestampTransport garbage = [](std::span<const uint8_t>) -> Result<Bytes> {
    return Bytes{1, 2, 3};
  };
  r = cose::SignClaim(*signer, kClaim, size, {.timestamp = &garbage});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace custody::provenance
