// OpenSSL helpers shared by the provenance files that use OpenSSL directly (certificates, PKI,
// COSE): error text, algorithm names and strict DER certificate parsing. Internal to provenance/.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace custody::provenance::openssl_util {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

// Certificates come from files and from untrusted manifests: this bounds what is parsed.
inline constexpr size_t kMaxCertificateSize = 64 * 1024;

// Parses exactly one DER certificate of at most kMaxCertificateSize bytes: trailing bytes make it
// malformed, so the bytes a caller hashes or embeds are the certificate and nothing else.
// nullptr (and OpenSSL's error queue emptied) otherwise.
X509Ptr ParseCertificate(std::span<const uint8_t> der);

// The last OpenSSL error as text ("unknown error" if none), with the error queue emptied.
std::string OpenSslError();

// The short name of an OpenSSL NID ("NID <n>" for one OpenSSL does not know).
std::string NidName(int nid);

}  // namespace custody::provenance::openssl_util
