#include "provenance/pki.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include "base/fd.h"
#include "crypto/key_file.h"
#include "crypto/secret_bytes.h"
#include "crypto/secretstream.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/openssl_util.h"

namespace custody::provenance {
namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct X509NameFree {
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
};
struct X509ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct Pkcs8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using openssl_util::NidName;
using openssl_util::OpenSslError;
using openssl_util::ParseCertificate;
using openssl_util::X509Free;
using openssl_util::X509Ptr;

EVP_PKEY* Pkey(void* p) { return static_cast<EVP_PKEY*>(p); }

bool IsSelfSigned(X509* cert) {
  // EXFLAG_SS: subject == issuer and, when both are present, the AKI matches the SKI.
  return (X509_get_extension_flags(cert) & EXFLAG_SS) != 0;
}

// An encrypted PEM key must fail instead of prompting on the terminal (OpenSSL's default).
int RefusePassword(char*, int, int, void*) { return -1; }

// Private keys as PEM (PKCS#8, or the traditional "EC/RSA PRIVATE KEY") or as PKCS#8 DER.
Result<PkeyPtr> ParsePrivateKey(std::span<const uint8_t> key) {
  constexpr size_t kMaxKeySize = 64 * 1024;
  if (key.empty()) return InvalidArgument("the private key is empty");
  if (key.size() > kMaxKeySize) return InvalidArgument("the private key file is too large");
  ERR_clear_error();
  std::string_view text = AsChars(key);
  PkeyPtr pkey;
  if (text.find("-----BEGIN") != std::string_view::npos) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(key.data(), static_cast<int>(key.size())));
    if (bio == nullptr) return Internal("cannot allocate a BIO");
    pkey.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, RefusePassword, nullptr));
    if (pkey == nullptr) {
      return InvalidArgument(
          "cannot read the PEM private key (an encrypted key must be decrypted "
          "first): " +
          OpenSslError());
    }
  } else {
    const unsigned char* p = key.data();
    pkey.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(key.size())));
    if (pkey == nullptr || p != key.data() + key.size()) {
      ERR_clear_error();
      return InvalidArgument("the private key is neither PEM nor PKCS#8 DER");
    }
  }
  return pkey;
}

// The COSE algorithm a key signs with.
Result<cose::Algorithm> AlgorithmForKey(EVP_PKEY* pkey) {
  switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_EC: {
      char group[64] = {0};
      size_t len = 0;
      if (EVP_PKEY_get_group_name(pkey, group, sizeof group, &len) != 1) {
        ERR_clear_error();
        return InvalidArgument("the EC key has no named curve (explicit parameters are refused)");
      }
      int nid = OBJ_sn2nid(group);
      if (nid == NID_undef) nid = OBJ_txt2nid(group);
      if (nid == NID_X9_62_prime256v1) return cose::Algorithm::kEs256;
      if (nid == NID_secp384r1) return cose::Algorithm::kEs384;
      if (nid == NID_secp521r1) return cose::Algorithm::kEs512;
      return InvalidArgument(std::string("EC curve ") + group +
                             " is not allowed by C2PA (P-256, P-384 or P-521)");
    }
    case EVP_PKEY_ED25519:
      return cose::Algorithm::kEd25519;
    case EVP_PKEY_RSA:
    case EVP_PKEY_RSA_PSS: {
      int bits = EVP_PKEY_get_bits(pkey);
      if (bits < 2048) {
        return InvalidArgument("RSA key of " + std::to_string(bits) +
                               " bits: C2PA requires at least 2048");
      }
      // An RSASSA-PSS key may be restricted to one hash; follow it, else PS256.
      char digest[64] = {0};
      if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA_PSS &&
          EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_RSA_DIGEST, digest, sizeof digest,
                                         nullptr) == 1) {
        std::string_view d(digest);
        if (d == "SHA384" || d == "SHA2-384") return cose::Algorithm::kPs384;
        if (d == "SHA512" || d == "SHA2-512") return cose::Algorithm::kPs512;
      }
      ERR_clear_error();
      return cose::Algorithm::kPs256;
    }
    default:
      return InvalidArgument("unsupported key type " + NidName(EVP_PKEY_get_base_id(pkey)) +
                             " (C2PA allows EC P-256/384/521, RSA and Ed25519)");
  }
}

const char* DigestName(cose::Algorithm alg) {
  switch (alg) {
    case cose::Algorithm::kEs256:
    case cose::Algorithm::kPs256:
      return "SHA256";
    case cose::Algorithm::kEs384:
    case cose::Algorithm::kPs384:
      return "SHA384";
    case cose::Algorithm::kEs512:
    case cose::Algorithm::kPs512:
      return "SHA512";
    case cose::Algorithm::kEd25519:
      return nullptr;  // EdDSA hashes internally
  }
  return nullptr;
}

// Width of r and s in a raw ECDSA signature.
size_t EcdsaComponentSize(cose::Algorithm alg) {
  switch (alg) {
    case cose::Algorithm::kEs256:
      return 32;
    case cose::Algorithm::kEs384:
      return 48;
    case cose::Algorithm::kEs512:
      return 66;
    default:
      return 0;
  }
}

}  // namespace

Result<std::shared_ptr<SigningCredential>> SigningCredential::FromPem(
    std::string_view chain_pem, std::span<const uint8_t> key) {
  ASSIGN_OR_RETURN(std::vector<Bytes> chain, ParsePemCertificates(chain_pem));
  ASSIGN_OR_RETURN(PkeyPtr pkey, ParsePrivateKey(key));
  X509Ptr leaf = ParseCertificate(chain.front());
  if (leaf == nullptr) return InvalidArgument("the signing certificate is malformed");
  EVP_PKEY* leaf_key = X509_get0_pubkey(leaf.get());
  if (leaf_key == nullptr || EVP_PKEY_eq(pkey.get(), leaf_key) != 1) {
    ERR_clear_error();
    return InvalidArgument("the private key does not match the signing certificate's public key");
  }
  ASSIGN_OR_RETURN(cose::Algorithm alg, AlgorithmForKey(pkey.get()));
  // x5chain carries the leaf and intermediates; validators bring their own roots.
  if (chain.size() > 1) {
    X509Ptr last = ParseCertificate(chain.back());
    if (last == nullptr) return InvalidArgument("a certificate of the chain is malformed");
    if (IsSelfSigned(last.get())) chain.pop_back();
  }
  std::shared_ptr<SigningCredential> cred(new SigningCredential());
  cred->alg_ = alg;
  cred->chain_ = std::move(chain);
  if (alg == cose::Algorithm::kPs256 || alg == cose::Algorithm::kPs384 ||
      alg == cose::Algorithm::kPs512) {
    cred->rsa_bits_ = static_cast<size_t>(EVP_PKEY_get_bits(pkey.get()));
  }
  cred->pkey_ = pkey.release();
  return cred;
}

SigningCredential::~SigningCredential() { EVP_PKEY_free(Pkey(pkey_)); }

Result<Bytes> SigningCredential::Sign(std::span<const uint8_t> data) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) return Internal("cannot allocate a digest context");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (EVP_DigestSignInit_ex(ctx.get(), &pctx, DigestName(alg_), nullptr, nullptr, Pkey(pkey_),
                            nullptr) != 1) {
    return Internal("cannot start signing: " + OpenSslError());
  }
  if (rsa_bits_ != 0) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, DigestName(alg_), nullptr) != 1) {
      return Internal("cannot set up RSASSA-PSS: " + OpenSslError());
    }
  }
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return Internal("cannot size the signature: " + OpenSslError());
  }
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) {
    return Internal("signing failed: " + OpenSslError());
  }
  sig.resize(len);
  size_t width = EcdsaComponentSize(alg_);
  if (width == 0) return sig;
  // OpenSSL writes ECDSA as a DER SEQUENCE { r, s }; COSE wants r || s, each left-padded.
  const unsigned char* p = sig.data();
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> ecdsa(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size())));
  if (ecdsa == nullptr) return Internal("cannot decode the ECDSA signature: " + OpenSslError());
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(ecdsa.get(), &r, &s);
  Bytes raw(2 * width);
  if (BN_bn2binpad(r, raw.data(), static_cast<int>(width)) < 0 ||
      BN_bn2binpad(s, raw.data() + width, static_cast<int>(width)) < 0) {
    return Internal("ECDSA signature component too large");
  }
  return raw;
}

size_t SigningCredential::max_signature_size() const {
  if (rsa_bits_ != 0) return (rsa_bits_ + 7) / 8;
  size_t width = EcdsaComponentSize(alg_);
  return width != 0 ? 2 * width : 64;  // Ed25519
}

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSignerKeyContext = "custody.pki.signer-key";
constexpr std::string_view kRootKeyContext = "custody.pki.root-key";
// First byte of a sealed key too large for MasterKey::Wrap (RSA); see pki.h.
constexpr uint8_t kEnvelopeMagic = 0xE5;
constexpr size_t kMaxKeyFileSize = 16 * 1024;
constexpr size_t kMaxPemFileSize = 1024 * 1024;
// X.520 upper bounds for CN and O.
constexpr size_t kMaxNameSize = 64;

Error NotSetUp(const fs::path& dir) {
  return NotFound("no C2PA signing identity in '" + dir.string() +
                  "': run `custody pki init` or `custody pki import`");
}

// Reads a whole file of at most `max` bytes. When `private_file`, refuses (kPermissionDenied)
// one that is not a regular file or that group or others may access, as the master key does.
Result<Bytes> ReadFileBounded(const fs::path& path, size_t max, std::string_view what,
                              bool private_file) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    return crypto::internal::ErrnoError("cannot open " + std::string(what), path, errno);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) {
    return crypto::internal::ErrnoError("cannot stat " + std::string(what), path, errno);
  }
  if (!S_ISREG(st.st_mode)) {
    return Error(ErrorCode::kPermissionDenied,
                 std::string(what) + " '" + path.string() + "' is not a regular file");
  }
  if (private_file && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error(ErrorCode::kPermissionDenied, std::string(what) + " '" + path.string() +
                                                   "' is accessible by group or others (mode " +
                                                   mode +
                                                   "); refusing to use it: run chmod 600 on it");
  }
  if (st.st_size <= 0 || static_cast<uint64_t>(st.st_size) > max) {
    return Error(ErrorCode::kDataLoss, std::string(what) + " '" + path.string() + "' has " +
                                           std::to_string(st.st_size) + " bytes, expected 1.." +
                                           std::to_string(max));
  }
  Bytes out(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      OPENSSL_cleanse(out.data(), out.size());
      return crypto::internal::ErrnoError("cannot read " + std::string(what), path, errno);
    }
    if (n == 0) {
      OPENSSL_cleanse(out.data(), out.size());
      return Error(ErrorCode::kDataLoss,
                   std::string(what) + " '" + path.string() + "' shrank while being read");
    }
    done += static_cast<size_t>(n);
  }
  return out;
}

Status FsyncDirectory(const fs::path& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return crypto::internal::ErrnoError("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0) {
    return crypto::internal::ErrnoError("cannot fsync directory", dir, errno);
  }
  return OkStatus();
}

// Writes `path` (mode 0600) atomically, replacing what was there: CreatePrivateFile writes and
// fsyncs a staging file, which rename() then moves over the final name.
Status ReplaceFile(const fs::path& path, std::span<const uint8_t> data, Random& random) {
  fs::path staging = path;
  staging += ".new";
  ::unlink(staging.c_str());  // left over from a crash: the identity it belonged to is gone
  RETURN_IF_ERROR(crypto::internal::CreatePrivateFile(staging, data, random));
  if (::rename(staging.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(staging.c_str());
    return crypto::internal::ErrnoError("cannot replace", path, err);
  }
  return FsyncDirectory(path.parent_path());
}

Status RemoveFile(const fs::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return crypto::internal::ErrnoError("cannot remove", path, errno);
  }
  return OkStatus();
}

// Creates <data_dir>/pki (and <data_dir> if needed) and makes it 0700.
Status EnsurePkiDirectory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("cannot create '" + dir.string() + "': " + ec.message());
  if (::chmod(dir.c_str(), 0700) != 0) {
    return crypto::internal::ErrnoError("cannot chmod directory", dir, errno);
  }
  return OkStatus();
}

// The key's PKCS#8 PrivateKeyInfo DER, in memory that is wiped when it dies.
Result<crypto::SecretBytes> Pkcs8Der(EVP_PKEY* pkey) {
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> p8(EVP_PKEY2PKCS8(pkey));
  if (p8 == nullptr) return Internal("cannot encode the private key: " + OpenSslError());
  unsigned char* buf = nullptr;
  int len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &buf);
  if (len <= 0) return Internal("cannot encode the private key: " + OpenSslError());
  crypto::SecretBytes der(std::span<const uint8_t>(buf, static_cast<size_t>(len)));
  OPENSSL_clear_free(buf, static_cast<size_t>(len));
  return der;
}

// Seals a PKCS#8 key for disk. Keys up to MasterKey::kMaxWrappedKeySize (EC, Ed25519) are
// wrapped directly; larger ones (RSA) are encrypted as one secretstream chunk under a fresh data
// key, which is itself wrapped: magic || u16 BE wrapped-key length || wrapped data key ||
// stream header || chunk. `context` binds both layers to the file's role.
Result<Bytes> SealKey(const crypto::MasterKey& master, std::span<const uint8_t> der,
                      std::string_view context, Random& random) {
  if (der.size() <= crypto::MasterKey::kMaxWrappedKeySize) {
    return master.Wrap(der, context, random);
  }
  crypto::SecretBytes data_key(crypto::kStreamKeySize);
  random.Fill(data_key.span());
  ASSIGN_OR_RETURN(Bytes wrapped, master.Wrap(data_key.span(), context, random));
  crypto::StreamEncryptor encryptor(data_key.span());
  Bytes chunk = encryptor.Push(der, /*final=*/true, AsBytes(context));
  Bytes out;
  out.reserve(3 + wrapped.size() + crypto::kStreamHeaderSize + chunk.size());
  out.push_back(kEnvelopeMagic);
  out.push_back(static_cast<uint8_t>(wrapped.size() >> 8));
  out.push_back(static_cast<uint8_t>(wrapped.size()));
  out.insert(out.end(), wrapped.begin(), wrapped.end());
  out.insert(out.end(), encryptor.header().begin(), encryptor.header().end());
  out.insert(out.end(), chunk.begin(), chunk.end());
  return out;
}

Result<crypto::SecretBytes> OpenKey(const crypto::MasterKey& master,
                                    std::span<const uint8_t> sealed, std::string_view context) {
  if (sealed.empty() || sealed[0] != kEnvelopeMagic) {
    ASSIGN_OR_RETURN(Bytes der, master.Unwrap(sealed, context));
    return crypto::SecretBytes::TakeFrom(der);
  }
  auto corrupt = [] { return Error(ErrorCode::kDataLoss, "the sealed key file is truncated"); };
  if (sealed.size() < 3) return corrupt();
  size_t wrapped_size = (size_t{sealed[1]} << 8) | sealed[2];
  if (sealed.size() < 3 + wrapped_size + crypto::kStreamHeaderSize + crypto::kStreamChunkOverhead)
    return corrupt();
  std::span<const uint8_t> wrapped = sealed.subspan(3, wrapped_size);
  std::span<const uint8_t> header = sealed.subspan(3 + wrapped_size, crypto::kStreamHeaderSize);
  std::span<const uint8_t> chunk = sealed.subspan(3 + wrapped_size + crypto::kStreamHeaderSize);
  ASSIGN_OR_RETURN(Bytes data_key_bytes, master.Unwrap(wrapped, context));
  crypto::SecretBytes data_key = crypto::SecretBytes::TakeFrom(data_key_bytes);
  if (data_key.size() != crypto::kStreamKeySize) {
    return Error(ErrorCode::kDataLoss, "the sealed key file holds a data key of the wrong size");
  }
  crypto::StreamDecryptor decryptor(data_key.span(), header);
  ASSIGN_OR_RETURN(Bytes der, decryptor.Pull(chunk, AsBytes(context)));
  crypto::SecretBytes out = crypto::SecretBytes::TakeFrom(der);
  if (!decryptor.final_seen()) {
    return Error(ErrorCode::kDataLoss, "the sealed key file is truncated");
  }
  return out;
}

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

Result<PkeyPtr> GenerateKey(cose::Algorithm alg) {
  PkeyPtr key(alg == cose::Algorithm::kEd25519
                  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")
                  : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", const_cast<char*>("P-256")));
  if (key == nullptr) return Internal("cannot generate a key: " + OpenSslError());
  return key;
}

struct CertificateSpec {
  std::string organization;
  std::string common_name;
  EVP_PKEY* subject_key = nullptr;
  X509* issuer = nullptr;  // null: self-signed
  EVP_PKEY* issuer_key = nullptr;
  TimePoint not_before;
  TimePoint not_after;
  std::vector<std::pair<int, const char*>> extensions;  // NID, OpenSSL config value
};

Result<X509Ptr> IssueCertificate(const CertificateSpec& spec, Random& random) {
  X509Ptr cert(X509_new());
  if (cert == nullptr) return Internal("cannot allocate a certificate");
  X509* x = cert.get();
  // 16 random bytes with the top bit clear (positive) and the next set (always 16 bytes long).
  uint8_t serial_bytes[16];
  random.Fill(serial_bytes);
  serial_bytes[0] = static_cast<uint8_t>((serial_bytes[0] & 0x7F) | 0x40);
  std::unique_ptr<BIGNUM, BnFree> serial(BN_bin2bn(serial_bytes, sizeof serial_bytes, nullptr));
  std::unique_ptr<X509_NAME, X509NameFree> name(X509_NAME_new());
  if (serial == nullptr || name == nullptr) return Internal("cannot allocate certificate fields");
  auto add_name = [&](int nid, const std::string& value) {
    return X509_NAME_add_entry_by_NID(name.get(), nid, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (X509_set_version(x, X509_VERSION_3) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(x)) == nullptr ||
      !add_name(NID_organizationName, spec.organization) ||
      !add_name(NID_commonName, spec.common_name) || X509_set_subject_name(x, name.get()) != 1 ||
      X509_set_issuer_name(
          x, spec.issuer != nullptr ? X509_get_subject_name(spec.issuer) : name.get()) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x), ToTimeT(spec.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x), ToTimeT(spec.not_after)) == nullptr ||
      X509_set_pubkey(x, spec.subject_key) != 1) {
    return InvalidArgument("cannot build the certificate (check the names): " + OpenSslError());
  }
  X509V3_CTX v3;
  X509V3_set_ctx(&v3, spec.issuer != nullptr ? spec.issuer : x, x, nullptr, nullptr, 0);
  for (const auto& [nid, value] : spec.extensions) {
    std::unique_ptr<X509_EXTENSION, X509ExtensionFree> ext(
        X509V3_EXT_conf_nid(nullptr, &v3, nid, value));
    if (ext == nullptr || X509_add_ext(x, ext.get(), -1) != 1) {
      return Internal("cannot add the " + NidName(nid) + " extension: " + OpenSslError());
    }
  }
  EVP_PKEY* signing_key = spec.issuer_key != nullptr ? spec.issuer_key : spec.subject_key;
  const EVP_MD* md = EVP_PKEY_get_base_id(signing_key) == EVP_PKEY_ED25519 ? nullptr : EVP_sha256();
  if (X509_sign(x, signing_key, md) <= 0) {
    return Internal("cannot sign the certificate: " + OpenSslError());
  }
  return cert;
}

Result<Bytes> CertificateDer(X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  if (len <= 0) return Internal("cannot encode the certificate: " + OpenSslError());
  Bytes der(buf, buf + len);
  OPENSSL_free(buf);
  return der;
}

Status CheckName(std::string_view what, const std::string& value) {
  if (value.empty() || value.size() > kMaxNameSize) {
    return InvalidArgument(std::string(what) + " must have 1.." + std::to_string(kMaxNameSize) +
                           " bytes");
  }
  return OkStatus();
}

}  // namespace

PkiPaths PkiPathsFor(const std::filesystem::path& data_dir) { return PkiPaths{data_dir / "pki"}; }

Status PkiInit(const std::filesystem::path& data_dir, const crypto::MasterKey& master,
               Random& random, const Clock& clock, const PkiInitOptions& options) {
  const PkiPaths paths = PkiPathsFor(data_dir);
  // The chain is written last, so it marks a complete identity; a directory with keys but no
  // chain is what a crash during an earlier init leaves, and init may finish the job.
  std::error_code ec;
  if (!options.force && fs::exists(paths.chain(), ec)) {
    return Error(ErrorCode::kAlreadyExists, "a C2PA signing identity already exists in '" +
                                                paths.dir.string() + "'; use force to replace it");
  }
  if (options.algorithm != cose::Algorithm::kEs256 &&
      options.algorithm != cose::Algorithm::kEd25519) {
    return InvalidArgument("pki init creates ES256 or Ed25519 signers only");
  }
  RETURN_IF_ERROR(CheckName("the organization", options.organization));
  RETURN_IF_ERROR(CheckName("the common name", options.common_name));
  constexpr int kMaxDays = 365 * 100;
  if (options.root_validity_days <= 0 || options.signer_validity_days <= 0 ||
      options.root_validity_days > kMaxDays || options.signer_validity_days > kMaxDays) {
    return InvalidArgument("validity periods must be 1.." + std::to_string(kMaxDays) + " days");
  }

  const TimePoint now = clock.Now();
  // An hour back absorbs clock skew between this machine and a validator's.
  const TimePoint not_before = now - std::chrono::hours(1);
  auto days = [](int n) { return std::chrono::hours(24) * n; };
  ASSIGN_OR_RETURN(PkeyPtr root_key, GenerateKey(cose::Algorithm::kEs256));
  ASSIGN_OR_RETURN(PkeyPtr signer_key, GenerateKey(options.algorithm));

  std::string root_cn = options.organization + " Root CA";
  if (root_cn.size() > kMaxNameSize) root_cn = "Custody Root CA";
  CertificateSpec root_spec{
      .organization = options.organization,
      .common_name = root_cn,
      .subject_key = root_key.get(),
      .not_before = not_before,
      .not_after = now + days(options.root_validity_days),
      .extensions = {{NID_basic_constraints, "critical,CA:TRUE"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign"},
                     {NID_subject_key_identifier, "hash"}},
  };
  ASSIGN_OR_RETURN(X509Ptr root, IssueCertificate(root_spec, random));

  // The signer cannot outlive its root: validators would reject the chain after the root expires.
  TimePoint signer_not_after =
      std::min(now + days(options.signer_validity_days), now + days(options.root_validity_days));
  CertificateSpec signer_spec{
      .organization = options.organization,
      .common_name = options.common_name,
      .subject_key = signer_key.get(),
      .issuer = root.get(),
      .issuer_key = root_key.get(),
      .not_before = not_before,
      .not_after = signer_not_after,
      .extensions = {{NID_basic_constraints, "critical,CA:FALSE"},
                     {NID_key_usage, "critical,digitalSignature"},
                     {NID_subject_key_identifier, "hash"},
                     {NID_authority_key_identifier, "keyid:always"},
                     {NID_ext_key_usage, "1.3.6.1.4.1.62558.2.1,emailProtection"}},
  };
  ASSIGN_OR_RETURN(X509Ptr signer, IssueCertificate(signer_spec, random));

  ASSIGN_OR_RETURN(Bytes root_der, CertificateDer(root.get()));
  ASSIGN_OR_RETURN(Bytes signer_der, CertificateDer(signer.get()));
  ASSIGN_OR_RETURN(crypto::SecretBytes root_pkcs8, Pkcs8Der(root_key.get()));
  ASSIGN_OR_RETURN(crypto::SecretBytes signer_pkcs8, Pkcs8Der(signer_key.get()));
  ASSIGN_OR_RETURN(Bytes root_sealed, SealKey(master, root_pkcs8.span(), kRootKeyContext, random));
  ASSIGN_OR_RETURN(Bytes signer_sealed,
                   SealKey(master, signer_pkcs8.span(), kSignerKeyContext, random));

  RETURN_IF_ERROR(EnsurePkiDirectory(paths.dir));
  // Keys first, the chain last: until the chain is replaced a reader still sees a complete old
  // identity or, after a crash in between, a key that does not match (refused as kDataLoss).
  RETURN_IF_ERROR(ReplaceFile(paths.root_key(), root_sealed, random));
  RETURN_IF_ERROR(ReplaceFile(paths.trust(), AsBytes(ToPem(std::span(&root_der, 1))), random));
  RETURN_IF_ERROR(ReplaceFile(paths.key(), signer_sealed, random));
  return ReplaceFile(paths.chain(), AsBytes(ToPem(std::span(&signer_der, 1))), random);
}

Status PkiImport(const std::filesystem::path& data_dir, const crypto::MasterKey& master,
                 Random& random, const Clock& clock, std::string_view chain_pem,
                 std::span<const uint8_t> key, std::string_view trust_pem) {
  const PkiPaths paths = PkiPathsFor(data_dir);
  auto chain_or = ParsePemCertificates(chain_pem);
  if (!chain_or.ok()) {
    return InvalidArgument("the certificate chain: " + chain_or.error().message());
  }
  std::vector<Bytes> chain = std::move(chain_or).value();
  // Parses the key and checks it against the leaf and the C2PA algorithms.
  RETURN_IF_ERROR(SigningCredential::FromPem(chain_pem, key));

  const TimePoint now = clock.Now();
  ASSIGN_OR_RETURN(std::vector<ProfileIssue> issues,
                   CheckSigningCertificate(chain.front(), TrustSettings{}, now));
  if (!issues.empty()) {
    std::string message = "the signing certificate does not meet the C2PA profile:";
    boost::json::array list;
    for (const ProfileIssue& issue : issues) {
      message += " [" + issue.code + "] " + issue.explanation + ";";
      list.push_back(boost::json::object{{"code", issue.code}, {"explanation", issue.explanation}});
    }
    message.pop_back();
    return Error(ErrorCode::kInvalidArgument, std::move(message),
                 boost::json::object{{"issues", std::move(list)}});
  }

  X509Ptr last = ParseCertificate(chain.back());
  if (last == nullptr) return InvalidArgument("a certificate of the chain is malformed");
  const bool ends_in_root = IsSelfSigned(last.get());
  std::vector<Bytes> trust;
  if (!trust_pem.empty()) {
    auto trust_or = ParsePemCertificates(trust_pem);
    if (!trust_or.ok()) {
      return InvalidArgument("the trust bundle: " + trust_or.error().message());
    }
    trust = std::move(trust_or).value();
  } else if (ends_in_root) {
    trust.push_back(chain.back());
  }
  if (!trust.empty()) {
    TrustSettings settings;
    settings.anchors = trust;
    if (VerifyCertificateChain(chain, settings, now) != ChainTrust::kTrusted) {
      return InvalidArgument("the certificate chain does not lead to the trust bundle at " +
                             FormatTime(now));
    }
  }
  if (ends_in_root && chain.size() > 1) chain.pop_back();

  ASSIGN_OR_RETURN(PkeyPtr pkey, ParsePrivateKey(key));
  ASSIGN_OR_RETURN(crypto::SecretBytes pkcs8, Pkcs8Der(pkey.get()));
  ASSIGN_OR_RETURN(Bytes sealed, SealKey(master, pkcs8.span(), kSignerKeyContext, random));

  RETURN_IF_ERROR(EnsurePkiDirectory(paths.dir));
  RETURN_IF_ERROR(ReplaceFile(paths.key(), sealed, random));
  RETURN_IF_ERROR(ReplaceFile(paths.chain(), AsBytes(ToPem(chain)), random));
  if (trust.empty()) {
    RETURN_IF_ERROR(RemoveFile(paths.trust()));
  } else {
    RETURN_IF_ERROR(ReplaceFile(paths.trust(), AsBytes(ToPem(trust)), random));
  }
  // A studio root from an earlier `pki init` no longer issues the signing certificate.
  RETURN_IF_ERROR(RemoveFile(paths.root_key()));
  return FsyncDirectory(paths.dir);
}

Result<std::shared_ptr<SigningCredential>> LoadSigningCredential(
    const std::filesystem::path& data_dir, const crypto::MasterKey& master) {
  const PkiPaths paths = PkiPathsFor(data_dir);
  auto chain = ReadFileBounded(paths.chain(), kMaxPemFileSize, "C2PA certificate chain", false);
  if (!chain.ok()) {
    if (chain.error().code() == ErrorCode::kNotFound) return NotSetUp(paths.dir);
    return std::move(chain).error();
  }
  auto sealed = ReadFileBounded(paths.key(), kMaxKeyFileSize, "C2PA signing key file", true);
  if (!sealed.ok()) {
    if (sealed.error().code() == ErrorCode::kNotFound) return NotSetUp(paths.dir);
    return std::move(sealed).error();
  }
  auto der = OpenKey(master, *sealed, kSignerKeyContext);
  if (!der.ok()) {
    return Error(ErrorCode::kDataLoss, "cannot unwrap the C2PA signing key '" +
                                           paths.key().string() +
                                           "' (another master key, or "
                                           "the file was modified): " +
                                           der.error().message());
  }
  auto cred = SigningCredential::FromPem(AsChars(*chain), der->span());
  if (!cred.ok()) {
    return Error(ErrorCode::kDataLoss, "the stored C2PA signing identity in '" +
                                           paths.dir.string() +
                                           "' is inconsistent: " + cred.error().message());
  }
  return cred;
}

Result<std::string> ReadTrustBundle(const std::filesystem::path& data_dir) {
  const PkiPaths paths = PkiPathsFor(data_dir);
  auto pem = ReadFileBounded(paths.trust(), kMaxPemFileSize, "C2PA trust bundle", false);
  if (!pem.ok()) {
    if (pem.error().code() == ErrorCode::kNotFound) {
      return NotFound("no C2PA trust bundle in '" + paths.dir.string() +
                      "': run `custody pki init`, or import with the root certificate(s)");
    }
    return std::move(pem).error();
  }
  return std::string(AsChars(*pem));
}

}  // namespace custody::provenance
