// Tests for the C2PA certificate profile, trust chains and PEM handling: the c2pa-rs test chains
// and this project's own certificates from the fixtures (../shared/fixtures/c2pa/certs*), plus
// certificates generated here with OpenSSL that each break one rule of the profile.
#include "provenance/c2pa/certificates.h"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

TimePoint At(std::string_view rfc3339) { return ParseTime(rfc3339).value(); }

// Inside the validity of every fixture certificate except expired.chain.pem.
const TimePoint kAt = At("2027-01-01T00:00:00Z");

PkeyPtr GenerateKey(std::string_view kind) {
  EVP_PKEY* key = nullptr;
  if (kind == "ED25519" || kind == "ED448") {
    std::string type(kind);
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, type.c_str());
  } else if (kind == "RSA1024") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
  } else if (kind == "RSA2048") {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  } else {
    std::string curve(kind);
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve.c_str());
  }
  EXPECT_NE(key, nullptr) << "cannot generate a " << kind << " key";
  return PkeyPtr(key);
}

Bytes Der(X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  EXPECT_GT(len, 0);
  Bytes der(buf, buf + std::max(len, 0));
  OPENSSL_free(buf);
  return der;
}

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

// What a generated certificate looks like. The defaults give a leaf that meets the profile.
struct CertSpec {
  std::string key = "P-256";
  std::string common_name = "generated leaf";
  // extension name → OpenSSL config value; empty map entries are left out.
  std::map<std::string, std::string> extensions = {
      {"basicConstraints", "critical,CA:FALSE"},
      {"keyUsage", "critical,digitalSignature"},
      {"subjectKeyIdentifier", "hash"},
      {"authorityKeyIdentifier", "keyid:always"},
      {"extendedKeyUsage", "1.3.6.1.4.1.62558.2.1,emailProtection"},
  };
  long version = X509_VERSION_3;
  const EVP_MD* md = EVP_sha256();
  TimePoint not_before = At("2026-06-01T00:00:00Z");
  TimePoint not_after = At("2030-01-01T00:00:00Z");
  std::string unknown_critical_oid;  // adds this OID as a critical extension when set
};

// A P-256 test CA that issues certificates from CertSpecs.
class TestCa {
 public:
  TestCa() : key_(GenerateKey("P-256")) {
    CertSpec spec;
    spec.common_name = "Generated Test Root";
    spec.extensions = {{"basicConstraints", "critical,CA:TRUE"},
                       {"keyUsage", "critical,keyCertSign,cRLSign"},
                       {"subjectKeyIdentifier", "hash"}};
    spec.not_before = At("2026-01-01T00:00:00Z");
    spec.not_after = At("2036-01-01T00:00:00Z");
    cert_ = Build(spec, key_.get(), nullptr, key_.get());
  }

  // Issues a certificate for a fresh key of spec.key (self-signed when `self_signed`).
  Bytes Issue(const CertSpec& spec, bool self_signed = false, EVP_PKEY** key_out = nullptr) {
    PkeyPtr key = GenerateKey(spec.key);
    X509Ptr cert = self_signed ? Build(spec, key.get(), nullptr, key.get())
                               : Build(spec, key.get(), cert_.get(), key_.get());
    if (key_out != nullptr) *key_out = key.release();
    return cert != nullptr ? Der(cert.get()) : Bytes{};
  }

  // Issues with an explicit issuer certificate and key (for multi-level chains).
  static X509Ptr Build(const CertSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                       EVP_PKEY* issuer_key) {
    X509Ptr cert(X509_new());
    X509* x = cert.get();
    EXPECT_EQ(X509_set_version(x, spec.version), 1);
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
    BN_rand(serial.get(), 120, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x));
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("Custody Tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1,
                               -1, 0);
    X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    ASN1_TIME_set(X509_getm_notBefore(x), ToTimeT(spec.not_before));
    ASN1_TIME_set(X509_getm_notAfter(x), ToTimeT(spec.not_after));
    X509_set_pubkey(x, subject_key);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
    // SKI before AKI: a self-signed AKI copies the certificate's own SKI.
    for (const char* name_order : {"basicConstraints", "keyUsage", "subjectKeyIdentifier",
                                   "authorityKeyIdentifier", "extendedKeyUsage"}) {
      auto it = spec.extensions.find(name_order);
      if (it == spec.extensions.end() || it->second.empty()) continue;
      X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, it->first.c_str(), it->second.c_str());
      EXPECT_NE(ext, nullptr) << it->first << "=" << it->second;
      if (ext == nullptr) continue;
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
    }
    if (!spec.unknown_critical_oid.empty()) {
      ASN1_OBJECT* obj = OBJ_txt2obj(spec.unknown_critical_oid.c_str(), 1);
      ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
      const unsigned char null_der[] = {0x05, 0x00};
      ASN1_OCTET_STRING_set(value, null_der, sizeof null_der);
      X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 1, value);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
      ASN1_OCTET_STRING_free(value);
      ASN1_OBJECT_free(obj);
    }
    const EVP_MD* md = EVP_PKEY_get_base_id(issuer_key) == EVP_PKEY_ED25519 ? nullptr : spec.md;
    EXPECT_GT(X509_sign(x, issuer_key, md), 0);
    return cert;
  }

  Bytes der() const { return Der(cert_.get()); }
  X509* cert() const { return cert_.get(); }
  EVP_PKEY* key() const { return key_.get(); }

 private:
  PkeyPtr key_;
  X509Ptr cert_;
};

TestCa& Ca() {
  static TestCa* ca = new TestCa();
  return *ca;
}

std::vector<ProfileIssue> Check(const Bytes& der, TimePoint at = kAt,
                                const TrustSettings& settings = TrustSettings{}) {
  auto issues = CheckSigningCertificate(der, settings, at);
  EXPECT_TRUE(issues.ok()) << issues.error().ToString();
  return issues.ok() ? *issues : std::vector<ProfileIssue>{};
}

std::string Describe(const std::vector<ProfileIssue>& issues) {
  std::string out;
  for (const ProfileIssue& i : issues) out += "\n  " + i.code + ": " + i.explanation;
  return out.empty() ? " (none)" : out;
}

// Exactly these issues, in order, each signingCredential.invalid with the fragment in its
// explanation.
void ExpectInvalid(const Bytes& der, const std::vector<std::string>& fragments) {
  std::vector<ProfileIssue> issues = Check(der);
  ASSERT_EQ(issues.size(), fragments.size()) << Describe(issues);
  for (size_t i = 0; i < fragments.size(); ++i) {
    EXPECT_EQ(issues[i].code, "signingCredential.invalid");
    EXPECT_NE(issues[i].explanation.find(fragments[i]), std::string::npos)
        << "want '" << fragments[i] << "' in: " << issues[i].explanation;
  }
}

std::vector<Bytes> FixtureChain(const Bytes& pem) {
  auto chain = ParsePemCertificates(AsChars(pem));
  EXPECT_TRUE(chain.ok()) << chain.error().ToString();
  return chain.ok() ? *chain : std::vector<Bytes>{};
}

TrustSettings Anchors(std::vector<Bytes> anchors) {
  TrustSettings settings;
  settings.anchors = std::move(anchors);
  return settings;
}

// --- PEM ---------------------------------------------------------------------------------------

TEST(CertificatesPemTest, ParsesChainAndRoundTripsThroughToPem) {
  CUSTODY_C2PA_FIXTURE(pem, "certs/es256.pub");
  std::vector<Bytes> chain = FixtureChain(pem);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0][0], 0x30);  // DER SEQUENCE
  std::string again = ToPem(chain);
  EXPECT_EQ(again.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  // 64-column base64 lines, as openssl writes them.
  size_t first_line_end = again.find('\n', 28);
  EXPECT_EQ(first_line_end - 28, 64u);
  auto reparsed = ParsePemCertificates(again);
  ASSERT_TRUE(reparsed.ok()) << reparsed.error().ToString();
  EXPECT_EQ(*reparsed, chain);
  EXPECT_EQ(ToPem({}), "");
}

TEST(CertificatesPemTest, IgnoresOtherBlocks) {
  CUSTODY_C2PA_FIXTURE(key, "certs/es256.pem");
  CUSTODY_C2PA_FIXTURE(pub, "certs/es256.pub");
  std::string mixed = std::string(AsChars(key)) + "some text\n" + std::string(AsChars(pub));
  auto chain = ParsePemCertificates(mixed);
  ASSERT_TRUE(chain.ok()) << chain.error().ToString();
  EXPECT_EQ(chain->size(), 2u);
}

TEST(CertificatesPemTest, RejectsInputWithoutCertificates) {
  CUSTODY_C2PA_FIXTURE(key, "certs/es256.pem");
  for (std::string_view input : {std::string_view(""), std::string_view("hello\n"), AsChars(key)}) {
    auto chain = ParsePemCertificates(input);
    ASSERT_FALSE(chain.ok());
    EXPECT_EQ(chain.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(chain.error().message().find("no CERTIFICATE block"), std::string::npos)
        << chain.error().message();
  }
}

TEST(CertificatesPemTest, RejectsMalformedCertificateBlocks) {
  // Valid base64, but "hello world" is no certificate.
  auto not_der = ParsePemCertificates(
      "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQ=\n-----END CERTIFICATE-----\n");
  ASSERT_FALSE(not_der.ok());
  EXPECT_EQ(not_der.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(not_der.error().message().find("block 1 is not a well-formed X.509 certificate"),
            std::string::npos)
      << not_der.error().message();

  // Broken base64 in the second block.
  CUSTODY_C2PA_FIXTURE(pub, "certs/es256.pub");
  std::string text(AsChars(pub));
  size_t second = text.find("-----BEGIN", 10);
  ASSERT_NE(second, std::string::npos);
  text.replace(second + 40, 4, "!!!!");
  auto broken = ParsePemCertificates(text);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().message().find("block 2"), std::string::npos)
      << broken.error().message();

  // A certificate followed by trailing bytes inside the block.
  std::vector<Bytes> chain = FixtureChain(pub);
  Bytes padded = chain[0];
  padded.push_back(0);
  auto trailing = ParsePemCertificates(ToPem(std::vector<Bytes>{padded}));
  EXPECT_FALSE(trailing.ok());
}

TEST(CertificatesPemTest, TrustBundleBecomesAnchorsWithDefaultEkus) {
  CUSTODY_C2PA_FIXTURE(bundle, "trust/test_cert_root_bundle.pem");
  auto settings = TrustSettingsFromPem(AsChars(bundle));
  ASSERT_TRUE(settings.ok()) << settings.error().ToString();
  EXPECT_EQ(settings->anchors.size(), 8u);
  EXPECT_EQ(settings->allowed_ekus,
            (std::vector<std::string>{"1.3.6.1.4.1.62558.2.1", "1.3.6.1.5.5.7.3.4",
                                      "1.3.6.1.5.5.7.3.36", "1.3.6.1.4.1.311.76.59.1.9",
                                      "1.3.6.1.5.5.7.3.8", "1.3.6.1.5.5.7.3.9"}));
  EXPECT_FALSE(TrustSettingsFromPem("not pem").ok());
}

// --- Fixture certificates ----------------------------------------------------------------------

TEST(CertificatesFixtureTest, C2paRsChainsMeetProfileAndChainToTheirRoots) {
  CUSTODY_C2PA_FIXTURE(bundle, "trust/test_cert_root_bundle.pem");
  TrustSettings trust = Anchors(FixtureChain(bundle));
  for (std::string name : {"es256", "es384", "ps256", "ed25519"}) {
    SCOPED_TRACE(name);
    CUSTODY_C2PA_FIXTURE(pem, "certs/" + name + ".pub");
    std::vector<Bytes> chain = FixtureChain(pem);
    ASSERT_EQ(chain.size(), 2u);
    std::vector<ProfileIssue> issues = Check(chain[0]);
    EXPECT_TRUE(issues.empty()) << Describe(issues);
    EXPECT_EQ(VerifyCertificateChain(chain, trust, kAt), ChainTrust::kTrusted);
    EXPECT_EQ(VerifyCertificateChain(chain, TrustSettings{}, kAt), ChainTrust::kUntrusted);
    // Leaf alone: the intermediate is missing, so no path.
    EXPECT_EQ(VerifyCertificateChain(std::span(chain).first(1), trust, kAt),
              ChainTrust::kUntrusted);
    // After 2030-08-26 the chain has expired.
    EXPECT_EQ(VerifyCertificateChain(chain, trust, At("2031-01-01T00:00:00Z")),
              ChainTrust::kUntrusted);
  }
}

TEST(CertificatesFixtureTest, IntermediateOrLeafCanBeTheAnchor) {
  CUSTODY_C2PA_FIXTURE(pem, "certs/es256.pub");
  std::vector<Bytes> chain = FixtureChain(pem);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(VerifyCertificateChain(chain, Anchors({chain[1]}), kAt), ChainTrust::kTrusted);
  EXPECT_EQ(VerifyCertificateChain(std::span(chain).first(1), Anchors({chain[0]}), kAt),
            ChainTrust::kTrusted);
}

TEST(CertificatesFixtureTest, OwnLeavesMeetProfileAndChainToOwnCa) {
  CUSTODY_C2PA_FIXTURE(ca_pem, "certs-own/ca.pem");
  TrustSettings trust = Anchors(FixtureChain(ca_pem));
  for (std::string name : {"leaf_c2pa_email", "leaf_docsign"}) {
    SCOPED_TRACE(name);
    CUSTODY_C2PA_FIXTURE(pem, "certs-own/" + name + ".chain.pem");
    std::vector<Bytes> chain = FixtureChain(pem);
    ASSERT_EQ(chain.size(), 2u);  // leaf + root
    std::vector<ProfileIssue> issues = Check(chain[0]);
    EXPECT_TRUE(issues.empty()) << Describe(issues);
    EXPECT_EQ(VerifyCertificateChain(chain, trust, kAt), ChainTrust::kTrusted);
    EXPECT_EQ(VerifyCertificateChain(std::span(chain).first(1), trust, kAt), ChainTrust::kTrusted);
    // The root in the chain does not make itself trusted.
    EXPECT_EQ(VerifyCertificateChain(chain, TrustSettings{}, kAt), ChainTrust::kUntrusted);
  }
  CUSTODY_C2PA_FIXTURE(bundle, "trust/test_cert_root_bundle.pem");
  CUSTODY_C2PA_FIXTURE(email, "certs-own/leaf_c2pa_email.chain.pem");
  EXPECT_EQ(VerifyCertificateChain(FixtureChain(email), Anchors(FixtureChain(bundle)), kAt),
            ChainTrust::kUntrusted);
}

TEST(CertificatesFixtureTest, DocumentSigningLeafNeedsTheEkuInTheAllowedList) {
  CUSTODY_C2PA_FIXTURE(pem, "certs-own/leaf_docsign.chain.pem");
  std::vector<Bytes> chain = FixtureChain(pem);
  TrustSettings c2pa_rs_builtin;  // c2pa-rs without trust_config: email, timeStamping, OCSP
  c2pa_rs_builtin.allowed_ekus = {std::string(kEkuEmailProtection), std::string(kEkuTimeStamping),
                                  std::string(kEkuOcspSigning)};
  std::vector<ProfileIssue> issues = Check(chain[0], kAt, c2pa_rs_builtin);
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].code, "signingCredential.invalid");
  EXPECT_NE(issues[0].explanation.find("none of the accepted Extended Key Usages (it has: "
                                       "documentSigning (1.3.6.1.5.5.7.3.36))"),
            std::string::npos)
      << issues[0].explanation;
}

TEST(CertificatesFixtureTest, ExpiredLeafIsExpiredNowButFineInsideItsValidity) {
  CUSTODY_C2PA_FIXTURE(pem, "certs-own/expired.chain.pem");
  CUSTODY_C2PA_FIXTURE(ca_pem, "certs-own/ca.pem");
  std::vector<Bytes> chain = FixtureChain(pem);
  ASSERT_EQ(chain.size(), 2u);
  const TimePoint now = At("2026-11-22T12:00:00Z");
  std::vector<ProfileIssue> issues = Check(chain[0], now);
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].code, "signingCredential.expired");
  EXPECT_EQ(issues[0].explanation,
            "the signing certificate expired at 2026-11-20T23:45:22Z (checked at "
            "2026-11-22T12:00:00Z)");
  const TimePoint inside = At("2026-11-01T00:00:00Z");
  issues = Check(chain[0], inside);
  EXPECT_TRUE(issues.empty()) << Describe(issues);
  // The last second of validity still counts; the next does not.
  EXPECT_TRUE(Check(chain[0], At("2026-11-20T23:45:22Z")).empty());
  EXPECT_EQ(Check(chain[0], At("2026-11-20T23:45:23Z")).size(), 1u);

  issues = Check(chain[0], At("2026-10-01T00:00:00Z"));
  ASSERT_EQ(issues.size(), 1u) << Describe(issues);
  EXPECT_EQ(issues[0].code, "signingCredential.expired");
  EXPECT_NE(issues[0].explanation.find("not valid before 2026-10-22T23:45:22Z"), std::string::npos);

  // The fixture root only starts on 2026-11-21, after the leaf ended: no time has a valid path.
  TrustSettings trust = Anchors(FixtureChain(ca_pem));
  EXPECT_EQ(VerifyCertificateChain(chain, trust, inside), ChainTrust::kUntrusted);
  EXPECT_EQ(VerifyCertificateChain(chain, trust, now), ChainTrust::kUntrusted);
  // Anchored on the leaf itself, it is trusted exactly while it is valid.
  EXPECT_EQ(VerifyCertificateChain(std::span(chain).first(1), Anchors({chain[0]}), inside),
            ChainTrust::kTrusted);
  EXPECT_EQ(VerifyCertificateChain(std::span(chain).first(1), Anchors({chain[0]}), now),
            ChainTrust::kUntrusted);
}

TEST(CertificatesFixtureTest, SelfSignedEndEntityIsTrustedOnlyAsItsOwnAnchor) {
  CUSTODY_C2PA_FIXTURE(pem, "certs-own/ss_ee2.pem");
  CUSTODY_C2PA_FIXTURE(ca_pem, "certs-own/ca.pem");
  std::vector<Bytes> chain = FixtureChain(pem);
  ASSERT_EQ(chain.size(), 1u);
  std::vector<ProfileIssue> issues = Check(chain[0]);
  EXPECT_TRUE(issues.empty()) << Describe(issues);
  EXPECT_EQ(VerifyCertificateChain(chain, TrustSettings{}, kAt), ChainTrust::kUntrusted);
  EXPECT_EQ(VerifyCertificateChain(chain, Anchors(FixtureChain(ca_pem)), kAt),
            ChainTrust::kUntrusted);
  EXPECT_EQ(VerifyCertificateChain(chain, Anchors({chain[0]}), kAt), ChainTrust::kTrusted);
}

TEST(CertificatesFixtureTest, BrokenChainsAreInvalid) {
  CUSTODY_C2PA_FIXTURE(pem, "certs/es256.pub");
  CUSTODY_C2PA_FIXTURE(bundle, "trust/test_cert_root_bundle.pem");
  TrustSettings trust = Anchors(FixtureChain(bundle));
  std::vector<Bytes> chain = FixtureChain(pem);
  ASSERT_EQ(chain.size(), 2u);

  // The last byte of the leaf is inside the ECDSA signature's s: the DER still parses.
  std::vector<Bytes> tampered = chain;
  tampered[0].back() ^= 0x01;
  EXPECT_EQ(VerifyCertificateChain(tampered, trust, kAt), ChainTrust::kInvalid);

  std::vector<Bytes> garbage = {chain[0], Bytes{0x30, 0x03, 0x02, 0x01, 0x01}};
  EXPECT_EQ(VerifyCertificateChain(garbage, trust, kAt), ChainTrust::kInvalid);
  EXPECT_EQ(VerifyCertificateChain({}, trust, kAt), ChainTrust::kInvalid);

  auto not_cert = CheckSigningCertificate(Bytes{0x01, 0x02}, TrustSettings{}, kAt);
  ASSERT_FALSE(not_cert.ok());
  EXPECT_EQ(not_cert.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(CheckSigningCertificate(Bytes{}, TrustSettings{}, kAt).ok());
}

TEST(CertificatesFixtureTest, SummarizesSubjectIssuerSerialAndValidity) {
  CUSTODY_C2PA_FIXTURE(pem, "certs-own/leaf_c2pa_email.chain.pem");
  std::vector<Bytes> chain = FixtureChain(pem);
  auto summary = SummarizeCertificate(chain[0]);
  ASSERT_TRUE(summary.ok()) << summary.error().ToString();
  EXPECT_EQ(summary->subject_common_name, "leaf_c2pa_email");
  EXPECT_EQ(summary->subject_organization, "Example");
  EXPECT_EQ(summary->issuer_common_name, "Test C2PA Root");
  EXPECT_EQ(summary->issuer_organization, "Example");
  EXPECT_EQ(summary->serial_hex, "30f79347d06ef104f12d452bb3a209b7ff108586");
  EXPECT_EQ(FormatTime(summary->not_before), "2026-11-21T23:46:56Z");
  EXPECT_EQ(FormatTime(summary->not_after), "2029-02-23T23:46:56Z");

  CUSTODY_C2PA_FIXTURE(es256, "certs/es256.pub");
  auto c2pa_rs = SummarizeCertificate(FixtureChain(es256)[0]);
  ASSERT_TRUE(c2pa_rs.ok());
  EXPECT_EQ(c2pa_rs->subject_common_name, "C2PA Signer");
  EXPECT_EQ(c2pa_rs->subject_organization, "C2PA Test Signing Cert");
  EXPECT_EQ(c2pa_rs->issuer_common_name, "Intermediate CA");
  EXPECT_EQ(c2pa_rs->issuer_organization, "C2PA Test Intermediate Root CA");
  EXPECT_EQ(FormatTime(c2pa_rs->not_after), "2030-08-26T18:46:40Z");

  EXPECT_EQ(SummarizeCertificate(Bytes{0x30, 0x00}).error().code(), ErrorCode::kInvalidArgument);
}

// --- Generated certificates: one rule broken at a time -------------------------------------------

TEST(CertificatesProfileTest, GeneratedProfileLeafPasses) {
  for (std::string key : {"P-256", "P-384", "P-521", "ED25519", "RSA2048"}) {
    SCOPED_TRACE(key);
    CertSpec spec;
    spec.key = key;
    Bytes leaf = Ca().Issue(spec);
    std::vector<ProfileIssue> issues = Check(leaf);
    EXPECT_TRUE(issues.empty()) << Describe(issues);
    EXPECT_EQ(VerifyCertificateChain(std::vector<Bytes>{leaf}, Anchors({Ca().der()}), kAt),
              ChainTrust::kTrusted);
  }
}

TEST(CertificatesProfileTest, ServerAuthOnlyEkuIsRejected) {
  CertSpec spec;
  spec.extensions["extendedKeyUsage"] = "serverAuth";
  ExpectInvalid(Ca().Issue(spec),
                {"has none of the accepted Extended Key Usages (it has: serverAuth "
                 "(1.3.6.1.5.5.7.3.1))"});
}

TEST(CertificatesProfileTest, MissingEkuIsRejected) {
  CertSpec spec;
  spec.extensions.erase("extendedKeyUsage");
  ExpectInvalid(Ca().Issue(spec), {"has no Extended Key Usage extension"});
}

TEST(CertificatesProfileTest, MissingKeyUsageIsRejected) {
  CertSpec spec;
  spec.extensions.erase("keyUsage");
  ExpectInvalid(Ca().Issue(spec), {"has no Key Usage extension; digitalSignature is required"});
}

TEST(CertificatesProfileTest, KeyUsageWithoutDigitalSignatureIsRejected) {
  CertSpec spec;
  spec.extensions["keyUsage"] = "critical,nonRepudiation";
  ExpectInvalid(Ca().Issue(spec), {"lacks the digitalSignature Key Usage"});
}

TEST(CertificatesProfileTest, KeyCertSignOnLeafIsRejected) {
  CertSpec spec;
  spec.extensions["keyUsage"] = "critical,digitalSignature,keyCertSign";
  ExpectInvalid(Ca().Issue(spec), {"has the keyCertSign Key Usage, which only a CA may have"});
}

TEST(CertificatesProfileTest, CaLeafIsRejected) {
  CertSpec spec;
  spec.extensions["basicConstraints"] = "critical,CA:TRUE";
  ExpectInvalid(Ca().Issue(spec), {"is a CA certificate (BasicConstraints CA:TRUE)"});
}

TEST(CertificatesProfileTest, AbsentBasicConstraintsIsAllowed) {
  CertSpec spec;
  spec.extensions.erase("basicConstraints");
  EXPECT_TRUE(Check(Ca().Issue(spec)).empty());
}

TEST(CertificatesProfileTest, MissingAuthorityKeyIdentifierIsRejected) {
  CertSpec spec;
  spec.extensions.erase("authorityKeyIdentifier");
  ExpectInvalid(Ca().Issue(spec), {"has no Authority Key Identifier extension"});
  // A leaf without SKI is accepted (c2pa-rs does).
  CertSpec no_ski;
  no_ski.extensions.erase("subjectKeyIdentifier");
  no_ski.extensions["authorityKeyIdentifier"] = "keyid:always";
  EXPECT_TRUE(Check(Ca().Issue(no_ski)).empty());
}

TEST(CertificatesProfileTest, SelfSignedSignerNeedsAkiAndMustNotBeACa) {
  CertSpec no_aki;
  no_aki.extensions.erase("authorityKeyIdentifier");
  ExpectInvalid(Ca().Issue(no_aki, /*self_signed=*/true),
                {"has no Authority Key Identifier extension"});

  CertSpec ca;
  ca.extensions["basicConstraints"] = "critical,CA:TRUE";
  ca.extensions["keyUsage"] = "critical,digitalSignature,keyCertSign";
  ExpectInvalid(Ca().Issue(ca, /*self_signed=*/true),
                {"is a CA certificate", "has the keyCertSign Key Usage"});

  CertSpec fine;  // like ss_ee2: CA:FALSE with AKI = SKI
  EXPECT_TRUE(Check(Ca().Issue(fine, /*self_signed=*/true)).empty());
}

TEST(CertificatesProfileTest, AnyExtendedKeyUsageIsRejected) {
  CertSpec spec;
  spec.extensions["extendedKeyUsage"] = "emailProtection,anyExtendedKeyUsage";
  ExpectInvalid(Ca().Issue(spec), {"has anyExtendedKeyUsage, which C2PA forbids"});
  spec.extensions["extendedKeyUsage"] = "anyExtendedKeyUsage";
  ExpectInvalid(Ca().Issue(spec), {"has anyExtendedKeyUsage", "none of the accepted"});
}

TEST(CertificatesProfileTest, TimeStampingAndOcspSigningMustBeExclusive) {
  CertSpec spec;
  spec.extensions["extendedKeyUsage"] = "timeStamping,emailProtection";
  ExpectInvalid(Ca().Issue(spec), {"combines timeStamping with other Extended Key Usages"});
  spec.extensions["extendedKeyUsage"] = "OCSPSigning,emailProtection";
  ExpectInvalid(Ca().Issue(spec), {"combines OCSPSigning with other Extended Key Usages"});
  spec.extensions["extendedKeyUsage"] = "timeStamping";
  EXPECT_TRUE(Check(Ca().Issue(spec)).empty());
  spec.extensions["extendedKeyUsage"] = "1.3.6.1.5.5.7.3.36";  // documentSigning
  EXPECT_TRUE(Check(Ca().Issue(spec)).empty());
}

TEST(CertificatesProfileTest, WeakOrUnlistedKeysAreRejected) {
  CertSpec spec;
  spec.key = "RSA1024";
  ExpectInvalid(Ca().Issue(spec), {"has an RSA key of 1024 bits; C2PA requires at least 2048"});
  spec.key = "P-224";
  ExpectInvalid(Ca().Issue(spec), {"has an EC key on curve secp224r1"});
  spec.key = "secp256k1";
  ExpectInvalid(Ca().Issue(spec), {"has an EC key on curve secp256k1"});
  spec.key = "ED448";
  ExpectInvalid(Ca().Issue(spec), {"has a ED448 key; C2PA allows EC P-256/384/521, RSA"});
}

TEST(CertificatesProfileTest, UnknownCriticalExtensionIsRejected) {
  CertSpec spec;
  spec.unknown_critical_oid = "1.3.6.1.4.1.99999.1";
  ExpectInvalid(Ca().Issue(spec), {"has an unknown critical extension 1.3.6.1.4.1.99999.1"});
  // OpenSSL's own verifier refuses the chain too.
  EXPECT_EQ(
      VerifyCertificateChain(std::vector<Bytes>{Ca().Issue(spec)}, Anchors({Ca().der()}), kAt),
      ChainTrust::kInvalid);
}

TEST(CertificatesProfileTest, Sha1SignatureIsRejected) {
  CertSpec spec;
  spec.md = EVP_sha1();
  ExpectInvalid(Ca().Issue(spec), {"is signed with ecdsa-with-SHA1 (1.2.840.10045.4.1)"});
}

// Re-signs `cert` with RSASSA-PSS over `md`, MGF1 over `mgf1_md`, salt = digest length.
void ResignPss(X509* cert, EVP_PKEY* rsa_key, const EVP_MD* md, const EVP_MD* mgf1_md) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  ASSERT_EQ(EVP_DigestSignInit(ctx, &pctx, md, nullptr, rsa_key), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, mgf1_md), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
  ASSERT_GT(X509_sign_ctx(cert, ctx), 0);
  EVP_MD_CTX_free(ctx);
}

TEST(CertificatesProfileTest, RsaSignaturesNeedSha2AndMatchingMgf1) {
  PkeyPtr ca_key = GenerateKey("RSA2048");
  CertSpec ca_spec;
  ca_spec.common_name = "RSA Root";
  ca_spec.extensions = {{"basicConstraints", "critical,CA:TRUE"},
                        {"keyUsage", "critical,keyCertSign"},
                        {"subjectKeyIdentifier", "hash"}};
  X509Ptr ca = TestCa::Build(ca_spec, ca_key.get(), nullptr, ca_key.get());
  PkeyPtr leaf_key = GenerateKey("P-256");
  X509Ptr leaf = TestCa::Build(CertSpec{}, leaf_key.get(), ca.get(), ca_key.get());
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_sha256WithRSAEncryption);
  EXPECT_TRUE(Check(Der(leaf.get())).empty());

  ResignPss(leaf.get(), ca_key.get(), EVP_sha384(), EVP_sha384());
  EXPECT_EQ(X509_get_signature_nid(leaf.get()), NID_rsassaPss);
  EXPECT_TRUE(Check(Der(leaf.get())).empty()) << Describe(Check(Der(leaf.get())));
  EXPECT_EQ(
      VerifyCertificateChain(std::vector<Bytes>{Der(leaf.get())}, Anchors({Der(ca.get())}), kAt),
      ChainTrust::kTrusted);

  ResignPss(leaf.get(), ca_key.get(), EVP_sha256(), EVP_sha1());
  ExpectInvalid(Der(leaf.get()),
                {"is signed with RSASSA-PSS whose MGF1 hash differs from the message hash"});
  ResignPss(leaf.get(), ca_key.get(), EVP_sha1(), EVP_sha1());
  ExpectInvalid(Der(leaf.get()), {"is signed with RSASSA-PSS over SHA1"});
}

TEST(CertificatesProfileTest, Version1IsRejected) {
  CertSpec spec;
  spec.version = X509_VERSION_1;
  spec.extensions.clear();
  ExpectInvalid(Ca().Issue(spec), {"is X.509 v1; C2PA requires v3", "has no Key Usage",
                                   "has no Authority Key Identifier", "has no Extended Key Usage"});
}

TEST(CertificatesProfileTest, SeveralProblemsAreAllReported) {
  CertSpec spec;
  spec.extensions.erase("keyUsage");
  spec.extensions.erase("extendedKeyUsage");
  spec.not_after = At("2026-12-01T00:00:00Z");
  std::vector<ProfileIssue> issues = Check(Ca().Issue(spec));
  ASSERT_EQ(issues.size(), 3u) << Describe(issues);
  EXPECT_EQ(issues[0].code, "signingCredential.invalid");
  EXPECT_EQ(issues[0].explanation,
            "the signing certificate has no Key Usage extension; digitalSignature is required");
  EXPECT_EQ(issues[1].explanation, "the signing certificate has no Extended Key Usage extension");
  EXPECT_EQ(issues[2].code, "signingCredential.expired");
}

TEST(CertificatesChainTest, NonCaIntermediateBreaksTheChain) {
  // root → "intermediate" that is an end entity → leaf: a path exists but is not valid.
  PkeyPtr mid_key = GenerateKey("P-256");
  CertSpec mid_spec;
  mid_spec.common_name = "not a CA";
  X509Ptr mid = TestCa::Build(mid_spec, mid_key.get(), Ca().cert(), Ca().key());
  PkeyPtr leaf_key = GenerateKey("P-256");
  X509Ptr leaf = TestCa::Build(CertSpec{}, leaf_key.get(), mid.get(), mid_key.get());
  std::vector<Bytes> chain = {Der(leaf.get()), Der(mid.get())};
  EXPECT_EQ(VerifyCertificateChain(chain, Anchors({Ca().der()}), kAt), ChainTrust::kInvalid);

  // The same shape with a real intermediate CA is trusted, and the intermediate may be the anchor.
  CertSpec ica_spec;
  ica_spec.common_name = "Generated Intermediate";
  ica_spec.extensions = {{"basicConstraints", "critical,CA:TRUE,pathlen:0"},
                         {"keyUsage", "critical,keyCertSign"},
                         {"subjectKeyIdentifier", "hash"},
                         {"authorityKeyIdentifier", "keyid:always"}};
  X509Ptr ica = TestCa::Build(ica_spec, mid_key.get(), Ca().cert(), Ca().key());
  X509Ptr leaf2 = TestCa::Build(CertSpec{}, leaf_key.get(), ica.get(), mid_key.get());
  std::vector<Bytes> good = {Der(leaf2.get()), Der(ica.get())};
  EXPECT_TRUE(Check(good[0]).empty());
  EXPECT_EQ(VerifyCertificateChain(good, Anchors({Ca().der()}), kAt), ChainTrust::kTrusted);
  EXPECT_EQ(VerifyCertificateChain(good, Anchors({good[1]}), kAt), ChainTrust::kTrusted);
  // Without the intermediate there is no path to the root.
  EXPECT_EQ(VerifyCertificateChain(std::span(good).first(1), Anchors({Ca().der()}), kAt),
            ChainTrust::kUntrusted);
}

}  // namespace
}  // namespace custody::provenance
