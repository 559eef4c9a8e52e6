// X.509 for C2PA: the signing-certificate profile validators enforce (notes §2.7), trust anchors
// and chain building, certificate summaries for reports. Backed by OpenSSL. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"

namespace custody::provenance {

// EKU OIDs.
inline constexpr std::string_view kEkuC2paClaimSigning = "1.3.6.1.4.1.62558.2.1";
inline constexpr std::string_view kEkuEmailProtection = "1.3.6.1.5.5.7.3.4";
inline constexpr std::string_view kEkuTimeStamping = "1.3.6.1.5.5.7.3.8";
inline constexpr std::string_view kEkuOcspSigning = "1.3.6.1.5.5.7.3.9";
inline constexpr std::string_view kEkuDocumentSigning = "1.3.6.1.5.5.7.3.36";
inline constexpr std::string_view kEkuMicrosoftC2pa = "1.3.6.1.4.1.311.76.59.1.9";

// What a validator trusts.
struct TrustSettings {
  std::vector<Bytes> anchors;  // DER root (or intermediate) certificates; empty = trust nothing
  // EKUs accepted on a signing certificate. The default is the union of c2pa-rs's built-in list
  // and its trust_config list: C2PA claim signing, emailProtection, documentSigning, Microsoft's
  // C2PA OID, timeStamping and OCSPSigning (the last two only when exclusive).
  std::vector<std::string> allowed_ekus = {
      std::string(kEkuC2paClaimSigning), std::string(kEkuEmailProtection),
      std::string(kEkuDocumentSigning),  std::string(kEkuMicrosoftC2pa),
      std::string(kEkuTimeStamping),     std::string(kEkuOcspSigning)};
};

// Parses a PEM bundle (any number of CERTIFICATE blocks; other blocks ignored) into DER.
// kInvalidArgument if a CERTIFICATE block is malformed or there is none.
Result<std::vector<Bytes>> ParsePemCertificates(std::string_view pem);
std::string ToPem(std::span<const Bytes> der_certificates);
// A trust bundle file: PEM certificates become anchors.
Result<TrustSettings> TrustSettingsFromPem(std::string_view pem);

// One profile violation: the C2PA status code and why, e.g. {"signingCredential.invalid",
// "the signing certificate has no Extended Key Usage"}.
struct ProfileIssue {
  std::string code;
  std::string explanation;
};

// Checks the signing (leaf) certificate against the C2PA profile (§2.7): v3, allowed signature
// algorithm and key (P-256/384/521, RSA >= 2048, Ed25519), no unique IDs, CA:FALSE or absent,
// KeyUsage with digitalSignature and without keyCertSign, AKI present (a self-signed
// certificate is allowed only with AKI), EKU present, not anyExtendedKeyUsage, one of
// `settings.allowed_ekus`, timeStamping/OCSPSigning exclusive, no unknown critical extensions.
// Validity at `at` is checked too: an expired or not-yet-valid certificate gives
// "signingCredential.expired". Returns the issues found (empty = the profile is met).
// kInvalidArgument if `leaf_der` is not a certificate.
Result<std::vector<ProfileIssue>> CheckSigningCertificate(std::span<const uint8_t> leaf_der,
                                                          const TrustSettings& settings,
                                                          TimePoint at);

enum class ChainTrust {
  kTrusted,    // chains (through the given intermediates) to an anchor, valid at `at`
  kUntrusted,  // well-formed, but no path to an anchor
  kInvalid,    // a certificate in the chain is malformed or a signature in the path fails
};
// Builds a path from chain[0] through chain[1..] to one of settings.anchors, checking signatures
// and validity at `at`. A self-signed leaf is trusted only if it is itself an anchor; any
// certificate (an intermediate, the leaf) may be an anchor. No EKU/purpose check here (that is
// CheckSigningCertificate's). A path that exists but is not valid at `at` is kUntrusted; a bad
// signature, a non-CA issuer, a path-length or name-constraint violation or an unknown critical
// extension in the path is kInvalid.
ChainTrust VerifyCertificateChain(std::span<const Bytes> chain, const TrustSettings& settings,
                                  TimePoint at);

// A summary for reports: subject CN and O, issuer CN/O, serial (hex), not-before/not-after.
struct CertificateSummary {
  std::string subject_common_name;
  std::string subject_organization;
  std::string issuer_common_name;
  std::string issuer_organization;
  std::string serial_hex;
  TimePoint not_before;
  TimePoint not_after;
};
Result<CertificateSummary> SummarizeCertificate(std::span<const uint8_t> der);

}  // namespace custody::provenance
