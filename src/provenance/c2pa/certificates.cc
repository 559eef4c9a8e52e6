#include "provenance/c2pa/certificates.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "provenance/c2pa/openssl_util.h"

namespace custody::provenance {
namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct X509StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct X509StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
};
struct OpenSslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BasicConstraintsFree {
  void operator()(BASIC_CONSTRAINTS* p) const { BASIC_CONSTRAINTS_free(p); }
};
struct BitStringFree {
  void operator()(ASN1_BIT_STRING* p) const { ASN1_BIT_STRING_free(p); }
};
struct EkuFree {
  void operator()(EXTENDED_KEY_USAGE* p) const { EXTENDED_KEY_USAGE_free(p); }
};
struct AkiFree {
  void operator()(AUTHORITY_KEYID* p) const { AUTHORITY_KEYID_free(p); }
};
struct PssParamsFree {
  void operator()(RSA_PSS_PARAMS* p) const { RSA_PSS_PARAMS_free(p); }
};
struct AlgorFree {
  void operator()(X509_ALGOR* p) const { X509_ALGOR_free(p); }
};
using openssl_util::kMaxCertificateSize;
using openssl_util::NidName;
using openssl_util::OpenSslError;
using openssl_util::X509Free;
using openssl_util::X509Ptr;
X509Ptr ParseDer(std::span<const uint8_t> der) { return openssl_util::ParseCertificate(der); }

std::string ObjectText(const ASN1_OBJECT* obj, bool numeric) {
  char buf[128];
  int n = OBJ_obj2txt(buf, sizeof buf, obj, numeric ? 1 : 0);
  if (n <= 0) return "?";
  return std::string(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

// "emailProtection (1.3.6.1.5.5.7.3.4)", or the bare OID when the name is unknown.
std::string DescribeObject(const ASN1_OBJECT* obj) {
  std::string oid = ObjectText(obj, true);
  // EKUs OpenSSL 3.0 has no names for.
  if (oid == kEkuC2paClaimSigning) return "c2pa-kp-claimSigning (" + oid + ")";
  if (oid == kEkuDocumentSigning) return "documentSigning (" + oid + ")";
  if (oid == kEkuMicrosoftC2pa) return "Microsoft C2PA signing (" + oid + ")";
  int nid = OBJ_obj2nid(obj);
  if (nid == NID_undef) return oid;
  const char* name = OBJ_nid2sn(nid);
  return name != nullptr ? std::string(name) + " (" + oid + ")" : oid;
}

// Seconds precision is all X.509 carries.
std::optional<TimePoint> ToTimePoint(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  time_t secs = timegm(&tm);
  return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::seconds(secs)));
}

time_t ToTimeT(TimePoint t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

}  // namespace

Result<std::vector<Bytes>> ParsePemCertificates(std::string_view pem) {
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument("PEM input is too large");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return Internal("cannot allocate a BIO");
  ERR_clear_error();
  std::vector<Bytes> out;
  for (int index = 1;; ++index) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long len = 0;
    int ok = PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &len);
    std::unique_ptr<char, OpenSslFree> name(name_raw);
    std::unique_ptr<char, OpenSslFree> header(header_raw);
    std::unique_ptr<unsigned char, OpenSslFree> data(data_raw);
    if (ok != 1) {
      unsigned long err = ERR_peek_last_error();
      if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        break;  // no further block
      }
      return InvalidArgument("PEM block " + std::to_string(index) +
                             " is malformed: " + OpenSslError());
    }
    std::string_view type(name.get());
    if (type != "CERTIFICATE" && type != "X509 CERTIFICATE") continue;
    std::span<const uint8_t> der(data.get(), static_cast<size_t>(len));
    if (ParseDer(der) == nullptr) {
      return InvalidArgument("PEM block " + std::to_string(index) +
                             " is not a well-formed X.509 certificate");
    }
    out.emplace_back(der.begin(), der.end());
  }
  if (out.empty()) return InvalidArgument("no CERTIFICATE block in the PEM input");
  return out;
}

std::string ToPem(std::span<const Bytes> der_certificates) {
  std::string out;
  for (const Bytes& der : der_certificates) {
    std::string b64 = Base64Encode(der);
    out += "-----BEGIN CERTIFICATE-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) {
      out.append(b64, i, 64);
      out += '\n';
    }
    out += "-----END CERTIFICATE-----\n";
  }
  return out;
}

Result<TrustSettings> TrustSettingsFromPem(std::string_view pem) {
  TrustSettings settings;
  ASSIGN_OR_RETURN(settings.anchors, ParsePemCertificates(pem));
  return settings;
}

Result<std::vector<ProfileIssue>> CheckSigningCertificate(std::span<const uint8_t> leaf_der,
                                                          const TrustSettings& settings,
                                                          TimePoint at) {
  X509Ptr cert = ParseDer(leaf_der);
  if (cert == nullptr) {
    return InvalidArgument("the signing certificate is not a well-formed X.509 certificate");
  }
  X509* x = cert.get();
  std::vector<ProfileIssue> issues;
  auto invalid = [&issues](std::string why) {
    issues.push_back({"signingCredential.invalid", "the signing certificate " + std::move(why)});
  };

  // Decodes and caches the extensions; a malformed or duplicated one sets EXFLAG_INVALID.
  if ((X509_get_extension_flags(x) & EXFLAG_INVALID) != 0) {
    ERR_clear_error();
    invalid("has a malformed or duplicated extension");
  }

  long version = X509_get_version(x);
  if (version != X509_VERSION_3) {
    invalid("is X.509 v" + std::to_string(version + 1) + "; C2PA requires v3");
  }

  // The signature algorithm its issuer used.
  const X509_ALGOR* sig_alg = nullptr;
  X509_get0_signature(nullptr, &sig_alg, x);
  int sig_nid = X509_get_signature_nid(x);
  switch (sig_nid) {
    case NID_ecdsa_with_SHA256:
    case NID_ecdsa_with_SHA384:
    case NID_ecdsa_with_SHA512:
    case NID_sha256WithRSAEncryption:
    case NID_sha384WithRSAEncryption:
    case NID_sha512WithRSAEncryption:
    case NID_ED25519:
      break;
    case NID_rsassaPss: {
      // RSASSA-PSS with SHA-256/384/512 and MGF1 over the same hash (the DER defaults, SHA-1
      // for both, are not allowed).
      const ASN1_OBJECT* obj = nullptr;
      int ptype = 0;
      const void* pval = nullptr;
      X509_ALGOR_get0(&obj, &ptype, &pval, sig_alg);
      std::unique_ptr<RSA_PSS_PARAMS, PssParamsFree> pss;
      if (ptype == V_ASN1_SEQUENCE && pval != nullptr) {
        const auto* seq = static_cast<const ASN1_STRING*>(pval);
        const unsigned char* p = ASN1_STRING_get0_data(seq);
        pss.reset(d2i_RSA_PSS_PARAMS(nullptr, &p, ASN1_STRING_length(seq)));
        ERR_clear_error();
      }
      int hash = NID_sha1;
      int mgf_hash = NID_sha1;
      bool mgf1 = true;
      if (pss != nullptr && pss->hashAlgorithm != nullptr) {
        hash = OBJ_obj2nid(pss->hashAlgorithm->algorithm);
      }
      if (pss != nullptr && pss->maskGenAlgorithm != nullptr) {
        // MGF1's parameter is the AlgorithmIdentifier of its hash.
        const X509_ALGOR* mgf = pss->maskGenAlgorithm;
        mgf1 = OBJ_obj2nid(mgf->algorithm) == NID_mgf1;
        mgf_hash = NID_undef;
        if (mgf1 && mgf->parameter != nullptr && mgf->parameter->type == V_ASN1_SEQUENCE) {
          std::unique_ptr<X509_ALGOR, AlgorFree> mgf_md(static_cast<X509_ALGOR*>(
              ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), mgf->parameter)));
          if (mgf_md != nullptr) mgf_hash = OBJ_obj2nid(mgf_md->algorithm);
          ERR_clear_error();
        }
      }
      if (pss == nullptr) {
        invalid("is signed with RSASSA-PSS without readable parameters");
      } else if (hash != NID_sha256 && hash != NID_sha384 && hash != NID_sha512) {
        invalid("is signed with RSASSA-PSS over " + NidName(hash) +
                "; C2PA allows SHA-256, SHA-384 or SHA-512");
      } else if (!mgf1 || mgf_hash != hash) {
        invalid("is signed with RSASSA-PSS whose MGF1 hash differs from the message hash");
      }
      break;
    }
    default:
      invalid("is signed with " + DescribeObject(sig_alg->algorithm) +
              ", which C2PA does not allow (ECDSA or RSA with SHA-256/384/512, RSASSA-PSS, "
              "Ed25519)");
  }

  EVP_PKEY* pub = X509_get0_pubkey(x);
  if (pub == nullptr) {
    ERR_clear_error();
    invalid("has a public key that cannot be decoded");
  } else {
    switch (EVP_PKEY_get_base_id(pub)) {
      case EVP_PKEY_EC: {
        char group[64] = {0};
        size_t len = 0;
        if (EVP_PKEY_get_group_name(pub, group, sizeof group, &len) != 1) {
          ERR_clear_error();
          invalid("has an EC key without a named curve; C2PA allows P-256, P-384 and P-521");
          break;
        }
        int nid = OBJ_sn2nid(group);
        if (nid == NID_undef) nid = OBJ_txt2nid(group);
        if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1 && nid != NID_secp521r1) {
          invalid(std::string("has an EC key on curve ") + group +
                  "; C2PA allows P-256, P-384 and P-521");
        }
        break;
      }
      case EVP_PKEY_RSA:
      case EVP_PKEY_RSA_PSS: {
        int bits = EVP_PKEY_get_bits(pub);
        if (bits < 2048) {
          invalid("has an RSA key of " + std::to_string(bits) +
                  " bits; C2PA requires at least 2048");
        }
        break;
      }
      case EVP_PKEY_ED25519:
        break;
      default:
        invalid("has a " + NidName(EVP_PKEY_get_base_id(pub)) +
                " key; C2PA allows EC P-256/384/521, RSA (2048 bits or more) and Ed25519");
    }
  }

  const ASN1_BIT_STRING* issuer_uid = nullptr;
  const ASN1_BIT_STRING* subject_uid = nullptr;
  X509_get0_uids(x, &issuer_uid, &subject_uid);
  if (issuer_uid != nullptr || subject_uid != nullptr) {
    invalid("carries an issuerUniqueID or subjectUniqueID, which C2PA forbids");
  }

  int crit = -1;
  std::unique_ptr<BASIC_CONSTRAINTS, BasicConstraintsFree> bc(
      static_cast<BASIC_CONSTRAINTS*>(X509_get_ext_d2i(x, NID_basic_constraints, &crit, nullptr)));
  if (bc != nullptr && bc->ca != 0) {
    invalid("is a CA certificate (BasicConstraints CA:TRUE); a signer must be an end entity");
  }

  std::unique_ptr<ASN1_BIT_STRING, BitStringFree> ku(
      static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(x, NID_key_usage, &crit, nullptr)));
  if (ku == nullptr) {
    invalid("has no Key Usage extension; digitalSignature is required");
  } else {
    // Bit 0 digitalSignature, bit 5 keyCertSign (RFC 5280 §4.2.1.3).
    if (ASN1_BIT_STRING_get_bit(ku.get(), 0) == 0) invalid("lacks the digitalSignature Key Usage");
    if (ASN1_BIT_STRING_get_bit(ku.get(), 5) != 0) {
      invalid("has the keyCertSign Key Usage, which only a CA may have");
    }
  }

  std::unique_ptr<AUTHORITY_KEYID, AkiFree> aki(static_cast<AUTHORITY_KEYID*>(
      X509_get_ext_d2i(x, NID_authority_key_identifier, &crit, nullptr)));
  if (aki == nullptr) invalid("has no Authority Key Identifier extension");

  std::unique_ptr<EXTENDED_KEY_USAGE, EkuFree> eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(x, NID_ext_key_usage, &crit, nullptr)));
  if (eku == nullptr) {
    invalid("has no Extended Key Usage extension");
  } else if (sk_ASN1_OBJECT_num(eku.get()) == 0) {
    invalid("has an empty Extended Key Usage extension");
  } else {
    int count = sk_ASN1_OBJECT_num(eku.get());
    bool any = false;
    bool allowed = false;
    bool time_stamping = false;
    bool ocsp_signing = false;
    std::string found;
    for (int i = 0; i < count; ++i) {
      const ASN1_OBJECT* obj = sk_ASN1_OBJECT_value(eku.get(), i);
      std::string oid = ObjectText(obj, true);
      if (OBJ_obj2nid(obj) == NID_anyExtendedKeyUsage) any = true;
      if (oid == kEkuTimeStamping) time_stamping = true;
      if (oid == kEkuOcspSigning) ocsp_signing = true;
      if (std::find(settings.allowed_ekus.begin(), settings.allowed_ekus.end(), oid) !=
          settings.allowed_ekus.end()) {
        allowed = true;
      }
      if (!found.empty()) found += ", ";
      found += DescribeObject(obj);
    }
    if (any) invalid("has anyExtendedKeyUsage, which C2PA forbids");
    if (!allowed) {
      invalid("has none of the accepted Extended Key Usages (it has: " + found +
              "); use c2pa-kp-claimSigning (1.3.6.1.4.1.62558.2.1) and emailProtection");
    }
    if (time_stamping && count > 1) {
      invalid("combines timeStamping with other Extended Key Usages; it must be the only one");
    }
    if (ocsp_signing && count > 1) {
      invalid("combines OCSPSigning with other Extended Key Usages; it must be the only one");
    }
  }

  for (int i = 0; i < X509_get_ext_count(x); ++i) {
    X509_EXTENSION* ext = X509_get_ext(x, i);
    if (X509_EXTENSION_get_critical(ext) == 0) continue;
    const ASN1_OBJECT* obj = X509_EXTENSION_get_object(ext);
    switch (OBJ_obj2nid(obj)) {
      case NID_basic_constraints:
      case NID_key_usage:
      case NID_ext_key_usage:
      case NID_subject_key_identifier:
      case NID_authority_key_identifier:
      case NID_subject_alt_name:
      case NID_issuer_alt_name:
      case NID_certificate_policies:
      case NID_policy_mappings:
      case NID_policy_constraints:
      case NID_name_constraints:
      case NID_inhibit_any_policy:
      case NID_crl_distribution_points:
      case NID_info_access:
        continue;
      default:
        invalid("has an unknown critical extension " + DescribeObject(obj));
    }
  }

  std::optional<TimePoint> not_before = ToTimePoint(X509_get0_notBefore(x));
  std::optional<TimePoint> not_after = ToTimePoint(X509_get0_notAfter(x));
  if (!not_before || !not_after) {
    ERR_clear_error();
    invalid("has a malformed validity period");
  } else if (at < *not_before) {
    issues.push_back({"signingCredential.expired", "the signing certificate is not valid before " +
                                                       FormatTime(*not_before) + " (checked at " +
                                                       FormatTime(at) + ")"});
  } else if (at > *not_after) {
    issues.push_back({"signingCredential.expired", "the signing certificate expired at " +
                                                       FormatTime(*not_after) + " (checked at " +
                                                       FormatTime(at) + ")"});
  }
  ERR_clear_error();
  return issues;
}

namespace {

// Verification failures that mean the chain is broken rather than merely not anchored.
bool IsStructuralFailure(int err) {
  switch (err) {
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION:
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_INVALID_NON_CA:
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_INVALID_POLICY_EXTENSION:
    case X509_V_ERR_NO_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_EC_KEY_EXPLICIT_PARAMS:
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
      return true;
    default:
      return false;
  }
}

}  // namespace

ChainTrust VerifyCertificateChain(std::span<const Bytes> chain, const TrustSettings& settings,
                                  TimePoint at) {
  if (chain.empty()) return ChainTrust::kInvalid;
  std::vector<X509Ptr> certs;
  for (const Bytes& der : chain) {
    X509Ptr cert = ParseDer(der);
    if (cert == nullptr) return ChainTrust::kInvalid;
    certs.push_back(std::move(cert));
  }
  std::unique_ptr<X509_STORE, X509StoreFree> store(X509_STORE_new());
  std::unique_ptr<STACK_OF(X509), X509StackFree> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, X509StoreCtxFree> ctx(X509_STORE_CTX_new());
  if (store == nullptr || untrusted == nullptr || ctx == nullptr) return ChainTrust::kUntrusted;
  size_t anchors = 0;
  for (const Bytes& der : settings.anchors) {
    X509Ptr anchor = ParseDer(der);  // an unreadable anchor anchors nothing
    if (anchor != nullptr && X509_STORE_add_cert(store.get(), anchor.get()) == 1) ++anchors;
  }
  ERR_clear_error();  // adding a duplicate anchor is harmless
  if (anchors == 0) return ChainTrust::kUntrusted;
  for (size_t i = 1; i < certs.size(); ++i) {
    if (sk_X509_push(untrusted.get(), certs[i].get()) <= 0) return ChainTrust::kUntrusted;
    X509_up_ref(certs[i].get());
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), certs[0].get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return ChainTrust::kUntrusted;
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Partial chains let an intermediate (or the leaf itself) be the anchor. No purpose is set:
  // the signer's EKU is judged by CheckSigningCertificate with C2PA's rules.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_time(param, ToTimeT(at));
  int rc = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  if (rc == 1) return ChainTrust::kTrusted;
  return IsStructuralFailure(err) ? ChainTrust::kInvalid : ChainTrust::kUntrusted;
}

namespace {

std::string NameEntry(const X509_NAME* name, int nid) {
  if (name == nullptr) return "";
  int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return "";
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

Result<CertificateSummary> SummarizeCertificate(std::span<const uint8_t> der) {
  X509Ptr cert = ParseDer(der);
  if (cert == nullptr) return InvalidArgument("not a well-formed X.509 certificate");
  CertificateSummary summary;
  const X509_NAME* subject = X509_get_subject_name(cert.get());
  const X509_NAME* issuer = X509_get_issuer_name(cert.get());
  summary.subject_common_name = NameEntry(subject, NID_commonName);
  summary.subject_organization = NameEntry(subject, NID_organizationName);
  summary.issuer_common_name = NameEntry(issuer, NID_commonName);
  summary.issuer_organization = NameEntry(issuer, NID_organizationName);
  std::unique_ptr<BIGNUM, BnFree> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  if (serial == nullptr) {
    ERR_clear_error();
    return InvalidArgument("the certificate's serial number cannot be read");
  }
  Bytes magnitude(static_cast<size_t>(BN_num_bytes(serial.get())));
  BN_bn2bin(serial.get(), magnitude.data());
  summary.serial_hex = magnitude.empty() ? "00" : HexEncode(magnitude);
  if (BN_is_negative(serial.get())) summary.serial_hex.insert(0, "-");
  std::optional<TimePoint> not_before = ToTimePoint(X509_get0_notBefore(cert.get()));
  std::optional<TimePoint> not_after = ToTimePoint(X509_get0_notAfter(cert.get()));
  if (!not_before || !not_after) {
    ERR_clear_error();
    return InvalidArgument("the certificate's validity period cannot be read");
  }
  summary.not_before = *not_before;
  summary.not_after = *not_after;
  return summary;
}

}  // namespace custody::provenance
