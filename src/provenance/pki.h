// The studio's C2PA signing identity: a certificate chain and its private key, kept in the data
// directory, created by `custody pki init` or brought by the organisation (`custody pki import`).
//
// Layout under <data_dir>/pki/ (directory 0700, files 0600, written atomically):
//   signer.chain.pem   the signing certificate, then intermediates (PEM)
//   signer.key.wrapped the signing key's PKCS#8 DER, wrapped by the master key with context
//                      "custody.pki.signer-key". A key larger than MasterKey::kMaxWrappedKeySize
//                      (RSA) is sealed instead as 0xE5 || u16 BE n || a wrapped 32-byte data key
//                      (n bytes, same context) || one secretstream (header + final chunk, the
//                      context as associated data) holding the DER.
//   trust.pem          the trust bundle to hand to downstream validators (the root(s))
//   root.key.wrapped   (pki init only) the studio root CA's key, wrapped with context
//                      "custody.pki.root-key", kept to issue a new signing certificate later
// Backed by OpenSSL (keys, X.509) and crypto/ (key wrapping). Thread-safe once loaded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"
#include "crypto/master_key.h"
#include "provenance/c2pa/cose.h"

namespace custody::provenance {

// A private key plus its certificate chain: the cose::Signer every export is signed with.
class SigningCredential final : public cose::Signer {
 public:
  // `chain_pem`: leaf first, then intermediates (a root in the chain is dropped from x5chain).
  // `key`: a PEM (PKCS#8 or traditional EC/RSA) or PKCS#8 DER private key. The algorithm follows
  // the key: P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → Ed25519, RSA → PS256.
  // kInvalidArgument if the key does not match the leaf certificate's public key.
  static Result<std::shared_ptr<SigningCredential>> FromPem(std::string_view chain_pem,
                                                            std::span<const uint8_t> key);
  ~SigningCredential() override;

  cose::Algorithm algorithm() const override { return alg_; }
  const std::vector<Bytes>& certificate_chain() const override { return chain_; }
  Result<Bytes> Sign(std::span<const uint8_t> data) const override;
  size_t max_signature_size() const override;

 private:
  SigningCredential() = default;
  cose::Algorithm alg_ = cose::Algorithm::kEs256;
  std::vector<Bytes> chain_;
  void* pkey_ = nullptr;  // EVP_PKEY*, owned; void keeps OpenSSL out of this header
  size_t rsa_bits_ = 0;
};

struct PkiInitOptions {
  std::string organization = "Custody Studio";
  std::string common_name = "Custody Content Credentials";  // the signer's CN
  cose::Algorithm algorithm = cose::Algorithm::kEs256;      // kEs256 or kEd25519
  int root_validity_days = 365 * 25;
  int signer_validity_days = 365 * 10;  // long: without a TSA a manifest is valid as long as this
  bool force = false;                   // replace an existing identity
};

// The files of the data directory's PKI.
struct PkiPaths {
  std::filesystem::path dir;  // <data_dir>/pki
  std::filesystem::path chain() const { return dir / "signer.chain.pem"; }
  std::filesystem::path key() const { return dir / "signer.key.wrapped"; }
  std::filesystem::path trust() const { return dir / "trust.pem"; }
  std::filesystem::path root_key() const { return dir / "root.key.wrapped"; }
};
PkiPaths PkiPathsFor(const std::filesystem::path& data_dir);

// Creates the studio's root CA (P-256, CA:TRUE, KU keyCertSign+cRLSign, SKI) and a signing
// certificate issued by it with the C2PA profile: v3, CA:FALSE, KU digitalSignature (critical),
// AKI + SKI, EKU c2pa-kp-claimSigning + emailProtection, validity from now-1h (the signer's ends
// no later than the root's). Serials are 16 random bytes from `random`. kAlreadyExists if an
// identity exists (signer.chain.pem, written last) and !options.force; kInvalidArgument for another
// algorithm, an empty or over 64-byte organization/common name, or a validity outside 1..36500
// days. Each file is replaced atomically (keys first, the chain last).
Status PkiInit(const std::filesystem::path& data_dir, const crypto::MasterKey& master,
               Random& random, const Clock& clock, const PkiInitOptions& options);

// Installs an organisation's chain and key: the key must match the leaf, and the leaf must meet
// the C2PA profile (CheckSigningCertificate, valid now). `trust_pem`, if not empty, becomes
// trust.pem (the roots downstream validators should anchor on); otherwise the chain's last
// certificate is used when it is self-signed. kInvalidArgument with the profile issues otherwise
// (the message lists them; details()["issues"] holds [{code, explanation}]), and also when the
// chain does not lead to that trust bundle. Replaces an existing identity: a self-signed root at
// the end of the chain is not kept in signer.chain.pem, trust.pem is removed when there is no
// trust bundle, and root.key.wrapped from an earlier `pki init` is removed (it no longer issues
// the signing certificate).
Status PkiImport(const std::filesystem::path& data_dir, const crypto::MasterKey& master,
                 Random& random, const Clock& clock, std::string_view chain_pem,
                 std::span<const uint8_t> key, std::string_view trust_pem);

// Loads the signing credential. kNotFound if PKI has not been set up; kDataLoss if the wrapped key
// cannot be unwrapped or does not match the stored chain; kPermissionDenied if the key file is
// accessible to others.
Result<std::shared_ptr<SigningCredential>> LoadSigningCredential(
    const std::filesystem::path& data_dir, const crypto::MasterKey& master);

// The trust bundle (PEM) for downstream validators. kNotFound before PKI is set up.
Result<std::string> ReadTrustBundle(const std::filesystem::path& data_dir);

}  // namespace custody::provenance
