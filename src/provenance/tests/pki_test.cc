// Tests for the studio PKI: `pki init` and `pki import` in a temporary data directory, loading the
// signing credential, signing with it and verifying the signatures with the leaf certificate's
// public key through OpenSSL, and the key file's protections.
#include "provenance/pki.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "provenance/c2pa/certificates.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

namespace fs = std::filesystem;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

TimePoint At(std::string_view rfc3339) { return ParseTime(rfc3339).value(); }

X509Ptr ParseX509(const Bytes& der) {
  const unsigned char* p = der.data();
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

Bytes Der(X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  Bytes der(buf, buf + std::max(len, 0));
  OPENSSL_free(buf);
  return der;
}

std::string KeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

PkeyPtr ReadKeyPem(const Bytes& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// Verifies a COSE-style raw signature with the leaf certificate's public key, independently of
// the code under test: r||s is turned back into DER for ECDSA; PSS must use a digest-sized salt.
bool VerifyWithLeaf(const Bytes& leaf_der, cose::Algorithm alg, std::span<const uint8_t> data,
                    const Bytes& signature) {
  X509Ptr leaf = ParseX509(leaf_der);
  if (leaf == nullptr) return false;
  EVP_PKEY* pub = X509_get0_pubkey(leaf.get());
  const char* md = nullptr;
  size_t width = 0;
  bool pss = false;
  switch (alg) {
    case cose::Algorithm::kEs256:
      md = "SHA256", width = 32;
      break;
    case cose::Algorithm::kEs384:
      md = "SHA384", width = 48;
      break;
    case cose::Algorithm::kEs512:
      md = "SHA512", width = 66;
      break;
    case cose::Algorithm::kPs256:
      md = "SHA256", pss = true;
      break;
    case cose::Algorithm::kPs384:
      md = "SHA384", pss = true;
      break;
    case cose::Algorithm::kPs512:
      md = "SHA512", pss = true;
      break;
    case cose::Algorithm::kEd25519:
      break;
  }
  Bytes sig = signature;
  if (width != 0) {
    if (signature.size() != 2 * width) return false;
    ECDSA_SIG* ecdsa = ECDSA_SIG_new();
    ECDSA_SIG_set0(ecdsa, BN_bin2bn(signature.data(), static_cast<int>(width), nullptr),
                   BN_bin2bn(signature.data() + width, static_cast<int>(width), nullptr));
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(ecdsa, &der);
    sig.assign(der, der + len);
    OPENSSL_free(der);
    ECDSA_SIG_free(ecdsa);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit_ex(ctx, &pctx, md, nullptr, nullptr, pub, nullptr) == 1;
  if (ok && pss) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, nullptr) == 1;
  }
  ok = ok && EVP_DigestVerify(ctx, sig.data(), sig.size(), data.data(), data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

std::vector<Bytes> ReadChain(const fs::path& path) {
  auto text = testing::ReadText(path);
  EXPECT_TRUE(text.has_value()) << path;
  auto chain = ParsePemCertificates(text.value_or(""));
  EXPECT_TRUE(chain.ok()) << chain.error().ToString();
  return chain.ok() ? *chain : std::vector<Bytes>{};
}

unsigned Mode(const fs::path& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// A leaf for `key`, issued by `issuer` (certs-own/ca), with the given extensions.
X509Ptr IssueLeaf(EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                  const std::vector<std::pair<const char*, const char*>>& extensions) {
  X509Ptr cert(X509_new());
  X509* x = cert.get();
  X509_set_version(x, X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("generated leaf"), -1, -1, 0);
  X509_set_issuer_name(x, X509_get_subject_name(issuer != nullptr ? issuer : x));
  ASN1_TIME_set_string(X509_getm_notBefore(x), "20261122000000Z");
  ASN1_TIME_set_string(X509_getm_notAfter(x), "20281122000000Z");
  X509_set_pubkey(x, key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  for (const auto& [ext_name, value] : extensions) {
    X509_EXTENSION* ext = X509V3_EXT_conf(nullptr, &ctx, ext_name, value);
    EXPECT_NE(ext, nullptr) << ext_name;
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  EXPECT_GT(X509_sign(x, issuer_key, EVP_sha256()), 0);
  return cert;
}

class PkiTest : public ::testing::Test {
 protected:
  PkiTest() : random_(7), master_(crypto::MasterKey::Generate(random_)), clock_(At(kNow)) {}

  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "custody-pki-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    data_dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(data_dir_, ec);
  }

  Status Init(PkiInitOptions options = {}) {
    return PkiInit(data_dir_, master_, random_, clock_, options);
  }

  Status Import(const Bytes& chain, const Bytes& key, const Bytes& trust = {}) {
    return PkiImport(data_dir_, master_, random_, clock_, AsChars(chain), key, AsChars(trust));
  }

  std::shared_ptr<SigningCredential> Load() {
    auto cred = LoadSigningCredential(data_dir_, master_);
    EXPECT_TRUE(cred.ok()) << cred.error().ToString();
    return cred.ok() ? *cred : nullptr;
  }

  // Signs a message and checks the signature with OpenSSL against the leaf certificate.
  void ExpectSignsVerifiably(const SigningCredential& cred) {
    const std::string message = "the claim bytes of a C2PA manifest";
    auto sig = cred.Sign(AsBytes(message));
    ASSERT_TRUE(sig.ok()) << sig.error().ToString();
    EXPECT_LE(sig->size(), cred.max_signature_size());
    EXPECT_TRUE(
        VerifyWithLeaf(cred.certificate_chain()[0], cred.algorithm(), AsBytes(message), *sig));
    const std::string other = "the claim bytes of a C2PA manifesT";
    EXPECT_FALSE(
        VerifyWithLeaf(cred.certificate_chain()[0], cred.algorithm(), AsBytes(other), *sig));
  }

  static constexpr std::string_view kNow = "2027-01-01T00:00:00Z";
  SeededRandom random_;
  crypto::MasterKey master_;
  ManualClock clock_;
  fs::path data_dir_;
};

// --- SigningCredential::FromPem -----------------------------------------------------------------

TEST(SigningCredentialTest, FixtureKeysSignWithTheirAlgorithms) {
  struct Case {
    std::string name;
    cose::Algorithm alg;
    size_t max_size;
  };
  for (const Case& c :
       {Case{"es256", cose::Algorithm::kEs256, 64}, Case{"es384", cose::Algorithm::kEs384, 96},
        Case{"ps256", cose::Algorithm::kPs256, 512},
        Case{"ed25519", cose::Algorithm::kEd25519, 64}}) {
    SCOPED_TRACE(c.name);
    CUSTODY_C2PA_FIXTURE(chain, "certs/" + c.name + ".pub");
    CUSTODY_C2PA_FIXTURE(key, "certs/" + c.name + ".pem");
    auto cred = SigningCredential::FromPem(AsChars(chain), key);
    ASSERT_TRUE(cred.ok()) << cred.error().ToString();
    EXPECT_EQ((*cred)->algorithm(), c.alg);
    EXPECT_EQ((*cred)->max_signature_size(), c.max_size);
    EXPECT_EQ((*cred)->certificate_chain().size(), 2u);  // leaf + intermediate
    Bytes data(1000, 0x5A);
    auto sig = (*cred)->Sign(data);
    ASSERT_TRUE(sig.ok()) << sig.error().ToString();
    EXPECT_EQ(sig->size(), c.max_size);  // raw r||s, Ed25519 and RSA sizes are fixed
    EXPECT_TRUE(VerifyWithLeaf((*cred)->certificate_chain()[0], c.alg, data, *sig));
    data[0] ^= 1;
    EXPECT_FALSE(VerifyWithLeaf((*cred)->certificate_chain()[0], c.alg, data, *sig));
  }
}

TEST(SigningCredentialTest, EcdsaSignaturesAreFixedWidthEvenWithShortComponents) {
  // About 1 in 128 ECDSA signatures has an r or s with a leading zero byte; 400 signatures make
  // missing left-padding all but certain to show.
  CUSTODY_C2PA_FIXTURE(chain, "certs/es256.pub");
  CUSTODY_C2PA_FIXTURE(key, "certs/es256.pem");
  auto cred = SigningCredential::FromPem(AsChars(chain), key);
  ASSERT_TRUE(cred.ok());
  for (int i = 0; i < 400; ++i) {
    Bytes data = {static_cast<uint8_t>(i), static_cast<uint8_t>(i >> 8)};
    auto sig = (*cred)->Sign(data);
    ASSERT_TRUE(sig.ok());
    ASSERT_EQ(sig->size(), 64u);
    ASSERT_TRUE(
        VerifyWithLeaf((*cred)->certificate_chain()[0], cose::Algorithm::kEs256, data, *sig));
  }
}

TEST(SigningCredentialTest, AcceptsTraditionalPemAndPkcs8Der) {
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_c2pa_email.chain.pem");
  CUSTODY_C2PA_FIXTURE(key_pem, "certs-own/leaf_c2pa_email.key");
  PkeyPtr key = ReadKeyPem(key_pem);
  ASSERT_NE(key, nullptr);
  // Traditional "EC PRIVATE KEY" PEM.
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                                 nullptr),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string traditional(data, static_cast<size_t>(len));
  ASSERT_NE(traditional.find("BEGIN EC PRIVATE KEY"), std::string::npos);
  auto from_traditional = SigningCredential::FromPem(AsChars(chain), AsBytes(traditional));
  ASSERT_TRUE(from_traditional.ok()) << from_traditional.error().ToString();
  // The chain file holds leaf + self-signed root: the root is not part of x5chain.
  EXPECT_EQ((*from_traditional)->certificate_chain().size(), 1u);

  // PKCS#8 DER.
  PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(key.get());
  unsigned char* der = nullptr;
  int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8, &der);
  Bytes pkcs8(der, der + der_len);
  OPENSSL_free(der);
  PKCS8_PRIV_KEY_INFO_free(p8);
  auto from_der = SigningCredential::FromPem(AsChars(chain), pkcs8);
  ASSERT_TRUE(from_der.ok()) << from_der.error().ToString();
  EXPECT_EQ((*from_der)->algorithm(), cose::Algorithm::kEs256);
}

TEST(SigningCredentialTest, RefusesMismatchedEncryptedOrWeakKeys) {
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_c2pa_email.chain.pem");
  CUSTODY_C2PA_FIXTURE(other_key, "certs-own/leaf_docsign.key");
  auto mismatch = SigningCredential::FromPem(AsChars(chain), other_key);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(mismatch.error().message().find("does not match"), std::string::npos);

  // An encrypted key fails instead of prompting for a password.
  CUSTODY_C2PA_FIXTURE(key_pem, "certs-own/leaf_c2pa_email.key");
  PkeyPtr key = ReadKeyPem(key_pem);
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), nullptr, 0,
                                          nullptr, const_cast<char*>("secret")),
            1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  auto encrypted = SigningCredential::FromPem(
      AsChars(chain), AsBytes(std::string_view(data, static_cast<size_t>(len))));
  ASSERT_FALSE(encrypted.ok());
  EXPECT_NE(encrypted.error().message().find("encrypted key must be decrypted"), std::string::npos);

  EXPECT_EQ(SigningCredential::FromPem(AsChars(chain), AsBytes("garbage")).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(SigningCredential::FromPem("no pem", key_pem).error().code(),
            ErrorCode::kInvalidArgument);

  // RSA-1024 matches its certificate but is too weak for C2PA.
  PkeyPtr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  X509Ptr cert = IssueLeaf(rsa.get(), nullptr, rsa.get(), {});
  Bytes cert_der = Der(cert.get());
  auto weak =
      SigningCredential::FromPem(ToPem(std::vector<Bytes>{cert_der}), AsBytes(KeyPem(rsa.get())));
  ASSERT_FALSE(weak.ok());
  EXPECT_NE(weak.error().message().find("RSA key of 1024 bits"), std::string::npos)
      << weak.error().message();
}

TEST(SigningCredentialTest, SignsConcurrently) {
  CUSTODY_C2PA_FIXTURE(chain, "certs/ed25519.pub");
  CUSTODY_C2PA_FIXTURE(key, "certs/ed25519.pem");
  auto cred = SigningCredential::FromPem(AsChars(chain), key);
  ASSERT_TRUE(cred.ok());
  std::shared_ptr<SigningCredential> signer = *cred;
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        Bytes data = {static_cast<uint8_t>(t), static_cast<uint8_t>(i)};
        auto sig = signer->Sign(data);
        if (sig.ok() &&
            VerifyWithLeaf(signer->certificate_chain()[0], signer->algorithm(), data, *sig)) {
          ++good[t];
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(good, (std::vector<int>{25, 25, 25, 25}));
}

// --- pki init ------------------------------------------------------------------------------------

TEST_F(PkiTest, InitCreatesAnIdentityThatSignsVerifiably) {
  ASSERT_TRUE(Init().ok());
  const PkiPaths paths = PkiPathsFor(data_dir_);
  EXPECT_EQ(paths.dir, data_dir_ / "pki");
  EXPECT_EQ(Mode(paths.dir), 0700u);
  for (const fs::path& file : {paths.chain(), paths.key(), paths.trust(), paths.root_key()}) {
    EXPECT_EQ(Mode(file), 0600u) << file;
  }
  // Only the four files: no staging leftovers.
  EXPECT_EQ(std::distance(fs::directory_iterator(paths.dir), fs::directory_iterator()), 4);
  // The key files are sealed, not PEM.
  auto sealed = testing::ReadFile(paths.key());
  ASSERT_TRUE(sealed.has_value());
  EXPECT_EQ((*sealed)[0], crypto::MasterKey::kWrapVersion);
  EXPECT_EQ(AsChars(*sealed).find("PRIVATE KEY"), std::string_view::npos);

  std::shared_ptr<SigningCredential> cred = Load();
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(cred->algorithm(), cose::Algorithm::kEs256);
  EXPECT_EQ(cred->max_signature_size(), 64u);
  ASSERT_EQ(cred->certificate_chain().size(), 1u);
  ExpectSignsVerifiably(*cred);

  // The leaf meets the profile now and chains to the trust bundle.
  const Bytes& leaf = cred->certificate_chain()[0];
  auto issues = CheckSigningCertificate(leaf, TrustSettings{}, clock_.Now());
  ASSERT_TRUE(issues.ok());
  EXPECT_TRUE(issues->empty()) << (*issues)[0].explanation;
  auto bundle = ReadTrustBundle(data_dir_);
  ASSERT_TRUE(bundle.ok()) << bundle.error().ToString();
  auto trust = TrustSettingsFromPem(*bundle);
  ASSERT_TRUE(trust.ok());
  ASSERT_EQ(trust->anchors.size(), 1u);
  EXPECT_EQ(VerifyCertificateChain(cred->certificate_chain(), *trust, clock_.Now()),
            ChainTrust::kTrusted);
  EXPECT_EQ(VerifyCertificateChain(cred->certificate_chain(), TrustSettings{}, clock_.Now()),
            ChainTrust::kUntrusted);

  auto summary = SummarizeCertificate(leaf);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->subject_common_name, "Custody Content Credentials");
  EXPECT_EQ(summary->subject_organization, "Custody Studio");
  EXPECT_EQ(summary->issuer_common_name, "Custody Studio Root CA");
  EXPECT_EQ(summary->issuer_organization, "Custody Studio");
  EXPECT_EQ(FormatTime(summary->not_before), "2026-12-31T23:00:00Z");
  EXPECT_EQ(FormatTime(summary->not_after), "2036-12-29T00:00:00Z");  // 3650 days
  auto root_summary = SummarizeCertificate(trust->anchors[0]);
  ASSERT_TRUE(root_summary.ok());
  EXPECT_EQ(root_summary->subject_common_name, "Custody Studio Root CA");
  EXPECT_EQ(FormatTime(root_summary->not_after), "2051-12-26T00:00:00Z");  // 9125 days
}

TEST_F(PkiTest, GeneratedCertificatesCarryTheC2paProfileExtensions) {
  PkiInitOptions options;
  options.organization = "Acme Pictures";
  options.common_name = "Acme Studio Signer";
  ASSERT_TRUE(Init(options).ok());
  const PkiPaths paths = PkiPathsFor(data_dir_);
  std::vector<Bytes> chain = ReadChain(paths.chain());
  std::vector<Bytes> roots = ReadChain(paths.trust());
  ASSERT_EQ(chain.size(), 1u);
  ASSERT_EQ(roots.size(), 1u);
  X509Ptr leaf = ParseX509(chain[0]);
  X509Ptr root = ParseX509(roots[0]);
  ASSERT_NE(leaf, nullptr);
  ASSERT_NE(root, nullptr);

  for (X509* x : {leaf.get(), root.get()}) {
    EXPECT_EQ(X509_get_version(x), X509_VERSION_3);
    // 16 random bytes, positive.
    BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr);
    EXPECT_EQ(BN_num_bytes(serial), 16);
    EXPECT_FALSE(BN_is_negative(serial));
    BN_free(serial);
    EXPECT_NE(X509_get0_subject_key_id(x), nullptr);
    EXPECT_EQ(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
  }
  EXPECT_NE(
      ASN1_INTEGER_cmp(X509_get0_serialNumber(leaf.get()), X509_get0_serialNumber(root.get())), 0);

  auto critical = [](X509* x, int nid) {
    int loc = X509_get_ext_by_NID(x, nid, -1);
    return loc >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, loc)) == 1;
  };
  // Leaf: CA:FALSE, KU digitalSignature only (both critical), EKU claimSigning + email, AKI = the
  // root's SKI.
  uint32_t leaf_flags = X509_get_extension_flags(leaf.get());
  EXPECT_TRUE(leaf_flags & EXFLAG_BCONS);
  EXPECT_FALSE(leaf_flags & EXFLAG_CA);
  EXPECT_TRUE(critical(leaf.get(), NID_basic_constraints));
  EXPECT_TRUE(critical(leaf.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(leaf.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  auto* eku = static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(leaf.get(), NID_ext_key_usage, nullptr, nullptr));
  ASSERT_NE(eku, nullptr);
  std::vector<std::string> ekus;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku); ++i) {
    char buf[80];
    OBJ_obj2txt(buf, sizeof buf, sk_ASN1_OBJECT_value(eku, i), 1);
    ekus.emplace_back(buf);
  }
  EXTENDED_KEY_USAGE_free(eku);
  EXPECT_EQ(ekus, (std::vector<std::string>{"1.3.6.1.4.1.62558.2.1", "1.3.6.1.5.5.7.3.4"}));
  const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(leaf.get());
  ASSERT_NE(aki, nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(aki, X509_get0_subject_key_id(root.get())), 0);
  EXPECT_EQ(X509_check_issued(root.get(), leaf.get()), X509_V_OK);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(leaf.get())), EVP_PKEY_EC);

  // Root: CA:TRUE, KU keyCertSign + cRLSign (both critical), self-signed.
  EXPECT_TRUE(X509_get_extension_flags(root.get()) & EXFLAG_CA);
  EXPECT_TRUE(X509_get_extension_flags(root.get()) & EXFLAG_SS);
  EXPECT_TRUE(critical(root.get(), NID_basic_constraints));
  EXPECT_TRUE(critical(root.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(root.get()), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));

  auto summary = SummarizeCertificate(chain[0]);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->subject_common_name, "Acme Studio Signer");
  EXPECT_EQ(summary->subject_organization, "Acme Pictures");
  EXPECT_EQ(summary->issuer_common_name, "Acme Pictures Root CA");
}

TEST_F(PkiTest, OpensslCliShowsTheProfile) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl CLI";
  ASSERT_TRUE(Init().ok());
  std::string cmd =
      "openssl x509 -noout -text -in '" + PkiPathsFor(data_dir_).chain().string() + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) text.append(buf, n);
  ASSERT_EQ(::pclose(pipe), 0) << text;
  for (const char* expected :
       {"Version: 3 (0x2)", "Signature Algorithm: ecdsa-with-SHA256",
        "Issuer: O = Custody Studio, CN = Custody Studio Root CA",
        "Subject: O = Custody Studio, CN = Custody Content Credentials",
        "X509v3 Basic Constraints: critical\n                CA:FALSE",
        "X509v3 Key Usage: critical\n                Digital Signature\n",
        "X509v3 Extended Key Usage: \n                1.3.6.1.4.1.62558.2.1, E-mail Protection",
        "X509v3 Subject Key Identifier:", "X509v3 Authority Key Identifier:"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << "missing '" << expected << "' in\n"
                                                      << text;
  }
}

TEST_F(PkiTest, InitTwiceNeedsForceAndForceMakesANewIdentity) {
  ASSERT_TRUE(Init().ok());
  std::shared_ptr<SigningCredential> first = Load();
  ASSERT_NE(first, nullptr);
  Status again = Init();
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find("use force"), std::string::npos);

  PkiInitOptions force;
  force.force = true;
  ASSERT_TRUE(Init(force).ok());
  std::shared_ptr<SigningCredential> second = Load();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first->certificate_chain()[0], second->certificate_chain()[0]);
  ExpectSignsVerifiably(*second);
  // The new trust bundle anchors the new chain, not the old one.
  auto trust = TrustSettingsFromPem(*ReadTrustBundle(data_dir_));
  ASSERT_TRUE(trust.ok());
  EXPECT_EQ(VerifyCertificateChain(second->certificate_chain(), *trust, clock_.Now()),
            ChainTrust::kTrusted);
  EXPECT_EQ(VerifyCertificateChain(first->certificate_chain(), *trust, clock_.Now()),
            ChainTrust::kUntrusted);
  EXPECT_EQ(
      std::distance(fs::directory_iterator(PkiPathsFor(data_dir_).dir), fs::directory_iterator()),
      4);
}

TEST_F(PkiTest, InitFinishesAnIdentityInterruptedBeforeTheChain) {
  ASSERT_TRUE(Init().ok());
  // A crash after the keys but before the chain (written last) leaves no usable identity.
  ASSERT_TRUE(fs::remove(PkiPathsFor(data_dir_).chain()));
  EXPECT_EQ(LoadSigningCredential(data_dir_, master_).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(Init().ok());
  std::shared_ptr<SigningCredential> cred = Load();
  ASSERT_NE(cred, nullptr);
  ExpectSignsVerifiably(*cred);
}

TEST_F(PkiTest, Ed25519Init) {
  PkiInitOptions options;
  options.algorithm = cose::Algorithm::kEd25519;
  ASSERT_TRUE(Init(options).ok());
  std::shared_ptr<SigningCredential> cred = Load();
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(cred->algorithm(), cose::Algorithm::kEd25519);
  EXPECT_EQ(cred->max_signature_size(), 64u);
  ExpectSignsVerifiably(*cred);
  auto issues =
      CheckSigningCertificate(cred->certificate_chain()[0], TrustSettings{}, clock_.Now());
  ASSERT_TRUE(issues.ok());
  EXPECT_TRUE(issues->empty());
  auto trust = TrustSettingsFromPem(*ReadTrustBundle(data_dir_));
  ASSERT_TRUE(trust.ok());
  EXPECT_EQ(VerifyCertificateChain(cred->certificate_chain(), *trust, clock_.Now()),
            ChainTrust::kTrusted);
  X509Ptr root = ParseX509(trust->anchors[0]);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(root.get())), EVP_PKEY_EC);  // root: P-256

  options.algorithm = cose::Algorithm::kPs256;
  options.force = true;
  EXPECT_EQ(Init(options).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(PkiTest, InitRefusesBadOptions) {
  PkiInitOptions options;
  options.organization = "";
  EXPECT_EQ(Init(options).error().code(), ErrorCode::kInvalidArgument);
  options = {};
  options.common_name = std::string(65, 'x');
  EXPECT_EQ(Init(options).error().code(), ErrorCode::kInvalidArgument);
  options = {};
  options.signer_validity_days = 0;
  EXPECT_EQ(Init(options).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(PkiPathsFor(data_dir_).chain()));
}

// --- Loading -------------------------------------------------------------------------------------

TEST_F(PkiTest, NothingToLoadBeforeSetUp) {
  auto cred = LoadSigningCredential(data_dir_, master_);
  ASSERT_FALSE(cred.ok());
  EXPECT_EQ(cred.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(cred.error().message().find("custody pki init"), std::string::npos);
  auto bundle = ReadTrustBundle(data_dir_);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.error().code(), ErrorCode::kNotFound);
}

TEST_F(PkiTest, KeyFileAccessibleToOthersIsRefused) {
  ASSERT_TRUE(Init().ok());
  ASSERT_EQ(::chmod(PkiPathsFor(data_dir_).key().c_str(), 0644), 0);
  auto cred = LoadSigningCredential(data_dir_, master_);
  ASSERT_FALSE(cred.ok());
  EXPECT_EQ(cred.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(cred.error().message().find("mode 0644"), std::string::npos);
  EXPECT_NE(cred.error().message().find("chmod 600"), std::string::npos);
}

TEST_F(PkiTest, KeyWrappedByAnotherMasterKeyIsDataLoss) {
  ASSERT_TRUE(Init().ok());
  SeededRandom other_random(99);
  crypto::MasterKey other = crypto::MasterKey::Generate(other_random);
  auto cred = LoadSigningCredential(data_dir_, other);
  ASSERT_FALSE(cred.ok());
  EXPECT_EQ(cred.error().code(), ErrorCode::kDataLoss);
  EXPECT_NE(cred.error().message().find("another master key"), std::string::npos);
}

TEST_F(PkiTest, SwappedOrDamagedKeyFilesAreDataLoss) {
  ASSERT_TRUE(Init().ok());
  const PkiPaths paths = PkiPathsFor(data_dir_);
  // The root key is wrapped under another context: it cannot stand in for the signer key.
  fs::copy_file(paths.root_key(), paths.key(), fs::copy_options::overwrite_existing);
  EXPECT_EQ(LoadSigningCredential(data_dir_, master_).error().code(), ErrorCode::kDataLoss);

  ASSERT_TRUE(Init(PkiInitOptions{.force = true}).ok());
  auto sealed = testing::ReadFile(paths.key());
  ASSERT_TRUE(sealed.has_value());
  (*sealed)[sealed->size() / 2] ^= 0x40;
  std::ofstream(paths.key(), std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(sealed->data()),
             static_cast<std::streamsize>(sealed->size()));
  EXPECT_EQ(LoadSigningCredential(data_dir_, master_).error().code(), ErrorCode::kDataLoss);
}

// --- pki import ----------------------------------------------------------------------------------

TEST_F(PkiTest, ImportsOwnChainWithCaAsTrust) {
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_c2pa_email.chain.pem");
  CUSTODY_C2PA_FIXTURE(key, "certs-own/leaf_c2pa_email.key");
  CUSTODY_C2PA_FIXTURE(ca, "certs-own/ca.pem");
  Status status = Import(chain, key, ca);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  const PkiPaths paths = PkiPathsFor(data_dir_);
  EXPECT_EQ(Mode(paths.key()), 0600u);
  EXPECT_FALSE(fs::exists(paths.root_key()));
  // The self-signed root is not kept in the signer chain.
  EXPECT_EQ(ReadChain(paths.chain()).size(), 1u);

  std::shared_ptr<SigningCredential> cred = Load();
  ASSERT_NE(cred, nullptr);
  EXPECT_EQ(cred->algorithm(), cose::Algorithm::kEs256);
  ASSERT_EQ(cred->certificate_chain().size(), 1u);
  ExpectSignsVerifiably(*cred);
  auto summary = SummarizeCertificate(cred->certificate_chain()[0]);
  EXPECT_EQ(summary->subject_common_name, "leaf_c2pa_email");

  auto bundle = ReadTrustBundle(data_dir_);
  ASSERT_TRUE(bundle.ok());
  auto anchors = ParsePemCertificates(*bundle);
  auto ca_certs = ParsePemCertificates(AsChars(ca));
  ASSERT_TRUE(anchors.ok() && ca_certs.ok());
  EXPECT_EQ(*anchors, *ca_certs);
}

TEST_F(PkiTest, ImportWithoutTrustUsesTheChainsSelfSignedRoot) {
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_docsign.chain.pem");
  CUSTODY_C2PA_FIXTURE(key, "certs-own/leaf_docsign.key");
  CUSTODY_C2PA_FIXTURE(ca, "certs-own/ca.pem");
  Status status = Import(chain, key);
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(*ParsePemCertificates(*ReadTrustBundle(data_dir_)), *ParsePemCertificates(AsChars(ca)));
  ASSERT_NE(Load(), nullptr);
}

TEST_F(PkiTest, ImportsC2paRsChainsIncludingLargeRsaKeys) {
  CUSTODY_C2PA_FIXTURE(bundle, "trust/test_cert_root_bundle.pem");
  for (std::string name : {"ps256", "ed25519", "es384"}) {
    SCOPED_TRACE(name);
    CUSTODY_C2PA_FIXTURE(chain, "certs/" + name + ".pub");
    CUSTODY_C2PA_FIXTURE(key, "certs/" + name + ".pem");
    Status status = Import(chain, key, bundle);
    ASSERT_TRUE(status.ok()) << status.error().ToString();
    std::shared_ptr<SigningCredential> cred = Load();
    ASSERT_NE(cred, nullptr);
    EXPECT_EQ(cred->certificate_chain().size(), 2u);  // leaf + intermediate
    ExpectSignsVerifiably(*cred);
  }
  // The 4096-bit RSA key's PKCS#8 is larger than a master-key wrap takes: it is sealed under a
  // wrapped data key instead, and still bound to the master key.
  CUSTODY_C2PA_FIXTURE(chain, "certs/ps256.pub");
  CUSTODY_C2PA_FIXTURE(key, "certs/ps256.pem");
  ASSERT_TRUE(Import(chain, key, bundle).ok());
  auto sealed = testing::ReadFile(PkiPathsFor(data_dir_).key());
  ASSERT_TRUE(sealed.has_value());
  EXPECT_GT(sealed->size(), crypto::MasterKey::kMaxWrappedKeySize);
  EXPECT_EQ(Load()->algorithm(), cose::Algorithm::kPs256);
  SeededRandom other_random(5);
  EXPECT_EQ(
      LoadSigningCredential(data_dir_, crypto::MasterKey::Generate(other_random)).error().code(),
      ErrorCode::kDataLoss);
  (*sealed)[sealed->size() - 3] ^= 1;
  std::ofstream(PkiPathsFor(data_dir_).key(), std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(sealed->data()),
             static_cast<std::streamsize>(sealed->size()));
  EXPECT_EQ(LoadSigningCredential(data_dir_, master_).error().code(), ErrorCode::kDataLoss);
}

TEST_F(PkiTest, ImportReplacesAnInitIdentity) {
  ASSERT_TRUE(Init().ok());
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_c2pa_email.chain.pem");
  CUSTODY_C2PA_FIXTURE(key, "certs-own/leaf_c2pa_email.key");
  ASSERT_TRUE(Import(chain, key).ok());
  EXPECT_FALSE(fs::exists(PkiPathsFor(data_dir_).root_key()));
  EXPECT_EQ(SummarizeCertificate(Load()->certificate_chain()[0])->subject_common_name,
            "leaf_c2pa_email");
}

TEST_F(PkiTest, ImportRefusesAMismatchingKey) {
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_c2pa_email.chain.pem");
  CUSTODY_C2PA_FIXTURE(key, "certs-own/leaf_docsign.key");
  Status status = Import(chain, key);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(),
            "the private key does not match the signing certificate's public key");
  EXPECT_FALSE(fs::exists(PkiPathsFor(data_dir_).dir));
}

TEST_F(PkiTest, ImportRefusesAnExpiredChain) {
  clock_.Set(At("2026-11-22T12:00:00Z"));
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/expired.chain.pem");
  CUSTODY_C2PA_FIXTURE(key, "certs-own/expired.key");
  Status status = Import(chain, key);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(),
            "the signing certificate does not meet the C2PA profile: [signingCredential.expired] "
            "the signing certificate expired at 2026-11-20T23:45:22Z (checked at "
            "2026-11-22T12:00:00Z)");
  const boost::json::array& issues = status.error().details().at("issues").as_array();
  ASSERT_EQ(issues.size(), 1u);
  EXPECT_EQ(issues[0].at("code").as_string(), "signingCredential.expired");
}

TEST_F(PkiTest, ImportRefusesALeafWithoutEku) {
  CUSTODY_C2PA_FIXTURE(ca_pem, "certs-own/ca.pem");
  CUSTODY_C2PA_FIXTURE(ca_key_pem, "certs-own/ca.key");
  auto ca_der = ParsePemCertificates(AsChars(ca_pem));
  ASSERT_TRUE(ca_der.ok());
  X509Ptr ca = ParseX509((*ca_der)[0]);
  PkeyPtr ca_key = ReadKeyPem(ca_key_pem);
  ASSERT_NE(ca_key, nullptr);
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  X509Ptr leaf = IssueLeaf(key.get(), ca.get(), ca_key.get(),
                           {{"basicConstraints", "critical,CA:FALSE"},
                            {"keyUsage", "critical,digitalSignature"},
                            {"subjectKeyIdentifier", "hash"},
                            {"authorityKeyIdentifier", "keyid:always"}});
  std::string chain = ToPem(std::vector<Bytes>{Der(leaf.get())});
  Status status = PkiImport(data_dir_, master_, random_, clock_, chain, AsBytes(KeyPem(key.get())),
                            AsChars(ca_pem));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.error().message(),
            "the signing certificate does not meet the C2PA profile: [signingCredential.invalid] "
            "the signing certificate has no Extended Key Usage extension");

  // With the EKU it goes through.
  X509Ptr good = IssueLeaf(key.get(), ca.get(), ca_key.get(),
                           {{"basicConstraints", "critical,CA:FALSE"},
                            {"keyUsage", "critical,digitalSignature"},
                            {"subjectKeyIdentifier", "hash"},
                            {"authorityKeyIdentifier", "keyid:always"},
                            {"extendedKeyUsage", "1.3.6.1.4.1.62558.2.1,emailProtection"}});
  status =
      PkiImport(data_dir_, master_, random_, clock_, ToPem(std::vector<Bytes>{Der(good.get())}),
                AsBytes(KeyPem(key.get())), AsChars(ca_pem));
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  ExpectSignsVerifiably(*Load());
}

TEST_F(PkiTest, ImportRefusesAChainOutsideTheTrustBundle) {
  CUSTODY_C2PA_FIXTURE(chain, "certs-own/leaf_c2pa_email.chain.pem");
  CUSTODY_C2PA_FIXTURE(key, "certs-own/leaf_c2pa_email.key");
  CUSTODY_C2PA_FIXTURE(bundle, "trust/test_cert_root_bundle.pem");
  Status status = Import(chain, key, bundle);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message().find("does not lead to the trust bundle"), std::string::npos);

  Status bad_pem = Import(Bytes(chain.begin(), chain.begin() + 40), key);
  ASSERT_FALSE(bad_pem.ok());
  EXPECT_EQ(bad_pem.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_pem.error().message().find("the certificate chain:"), std::string::npos);
}

}  // namespace
}  // namespace custody::provenance
