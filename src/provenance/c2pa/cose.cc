#include "provenance/c2pa/cose.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <utility>

#include "base/clock.h"
#include "provenance/c2pa/openssl_util.h"
#include "provenance/c2pa/timestamp.h"

namespace custody::provenance::cose {
namespace {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};

// COSE header labels (RFC 9052 §3.1, RFC 9360).
constexpr int64_t kAlgLabel = 1;
constexpr int64_t kX5ChainLabel = 33;

constexpr std::string_view kPadLabel = "pad";
constexpr std::string_view kPad2Label = "pad2";

// A CBOR byte string: head (shortest form) then the bytes.
void AppendBstr(Bytes& out, std::span<const uint8_t> b) {
  const uint64_t n = b.size();
  const size_t head = cbor::EncodedHeadSize(n);
  if (head == 1) {
    out.push_back(static_cast<uint8_t>(0x40 | n));
  } else {
    static constexpr uint8_t kInfo[] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
    out.push_back(static_cast<uint8_t>(0x40 | kInfo[head]));
    for (size_t i = head - 1; i > 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * (i - 1))));
  }
  out.insert(out.end(), b.begin(), b.end());
}

// ["<context>", protected, h'', payload] (RFC 9052 §4.4, without sign_protected).
Bytes ToBeSigned(std::string_view context, std::span<const uint8_t> protected_bytes,
                 std::span<const uint8_t> payload) {
  Bytes out;
  out.reserve(32 + protected_bytes.size() + payload.size());
  out.push_back(0x84);
  cbor::EncodeTo(cbor::Value::Text(std::string(context)), out);
  AppendBstr(out, protected_bytes);
  out.push_back(0x40);  // external_aad: empty
  AppendBstr(out, payload);
  return out;
}

bool IsEcdsa(Algorithm alg) {
  return alg == Algorithm::kEs256 || alg == Algorithm::kEs384 || alg == Algorithm::kEs512;
}
bool IsPss(Algorithm alg) {
  return alg == Algorithm::kPs256 || alg == Algorithm::kPs384 || alg == Algorithm::kPs512;
}

const EVP_MD* DigestFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
    case Algorithm::kPs256:
      return EVP_sha256();
    case Algorithm::kEs384:
    case Algorithm::kPs384:
      return EVP_sha384();
    case Algorithm::kEs512:
    case Algorithm::kPs512:
      return EVP_sha512();
    case Algorithm::kEd25519:
      return nullptr;
  }
  return nullptr;
}

// The curve an ES* algorithm requires (RFC 9053 §2.1: ES256 with P-256, and so on).
int CurveFor(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
      return NID_X9_62_prime256v1;
    case Algorithm::kEs384:
      return NID_secp384r1;
    case Algorithm::kEs512:
      return NID_secp521r1;
    default:
      return NID_undef;
  }
}

// The x5chain header value: one bstr, or a non-empty array of bstr.
Result<std::vector<Bytes>> ReadX5Chain(const cbor::Value& v, std::string_view bucket) {
  std::vector<Bytes> chain;
  if (v.is_bytes()) {
    chain.push_back(v.bytes());
  } else if (v.is_array() && !v.array().empty()) {
    for (const cbor::Value& cert : v.array()) {
      if (!cert.is_bytes()) {
        return InvalidArgument("COSE: x5chain in the " + std::string(bucket) +
                               " header holds a non-bstr element");
      }
      chain.push_back(cert.bytes());
    }
  } else {
    return InvalidArgument("COSE: x5chain in the " + std::string(bucket) +
                           " header is neither a bstr nor a non-empty array of bstr");
  }
  for (const Bytes& cert : chain) {
    if (cert.empty()) return InvalidArgument("COSE: x5chain holds an empty certificate");
  }
  return chain;
}

const cbor::Value* FindX5Chain(const cbor::Value& header) {
  if (const cbor::Value* v = header.Find(kX5ChainLabel)) return v;
  return header.Find("x5chain");
}

// Fills the timestamp fields from sigTst2 (preferred) or sigTst: {"tstTokens": [{"val": bstr}]}.
void ReadTimestamp(const cbor::Value& unprotected, Sign1& out) {
  const cbor::Value* container = unprotected.Find("sigTst2");
  int version = 2;
  if (container == nullptr) {
    container = unprotected.Find("sigTst");
    version = 1;
  }
  if (container == nullptr) return;
  out.timestamp_version = version;
  const std::string name = version == 2 ? "sigTst2" : "sigTst";
  const cbor::Value* tokens = container->Find("tstTokens");
  if (tokens == nullptr || !tokens->is_array() || tokens->array().empty()) {
    out.timestamp_malformed = name + " has no tstTokens array";
    return;
  }
  out.timestamp_token_count = tokens->array().size();
  const cbor::Value* val = tokens->array()[0].Find("val");
  if (val == nullptr || !val->is_bytes() || val->bytes().empty()) {
    out.timestamp_malformed = name + ".tstTokens[0] has no val bstr";
    return;
  }
  // c2pa-rs stores the whole TimeStampResp in v1 sigTst (C.jpg, CA.jpg) and the bare
  // TimeStampToken in sigTst2; hand out the token either way.
  if (auto token = TimestampTokenFromResponse(val->bytes()); token.ok()) {
    out.timestamp_token = std::move(token).value();
  } else {
    out.timestamp_token = val->bytes();
  }
}

// The unprotected header map as it will be written, with `pads` filler entries of these sizes.
cbor::Value UnprotectedWithPads(const cbor::Value& base, std::span<const size_t> pads) {
  cbor::Value header = base;
  if (!pads.empty()) header.Set(kPadLabel, cbor::Value::Bytes(Bytes(pads[0], 0)));
  if (pads.size() > 1) header.Set(kPad2Label, cbor::Value::Bytes(Bytes(pads[1], 0)));
  return header;
}

// The length n of a bstr whose encoding (head + n) is exactly `encoded`, if there is one. There
// is none when `encoded` falls in the gap where the head grows (25, 258, 65539-65540, ...).
std::optional<size_t> BstrLengthForEncodedSize(size_t encoded) {
  for (size_t head : {1, 2, 3, 5, 9}) {
    if (encoded < head) continue;
    const size_t n = encoded - head;
    if (cbor::EncodedHeadSize(n) == head) return n;
  }
  return std::nullopt;
}

// Wraps the pieces into COSE_Sign1_Tagged of exactly `total_size` bytes, choosing the `pad` (and
// when one pad cannot hit the size, `pad2`) lengths arithmetically; c2pa-rs pad_cose_sig gets the
// same shape by trial and error.
Result<Bytes> AssembleToSize(const Bytes& protected_bytes, const cbor::Value& unprotected,
                             const Bytes& signature, size_t total_size) {
  auto assemble = [&](std::span<const size_t> pads) {
    cbor::Value sign1 = cbor::Value::MakeArray();
    sign1.Append(cbor::Value::Bytes(protected_bytes));
    sign1.Append(UnprotectedWithPads(unprotected, pads));
    sign1.Append(cbor::Value::Null());
    sign1.Append(cbor::Value::Bytes(signature));
    return cbor::Encode(cbor::Value::Tag(18, std::move(sign1)));
  };
  const size_t base_entries = unprotected.map().size();
  const size_t base_size = assemble({}).size();
  const size_t pad_entry_key = 1 + kPadLabel.size();
  const size_t pad2_entry_key = 1 + kPad2Label.size();
  // Size of everything but the pad bstr(s) when there are `pad_count` filler entries.
  auto fixed_size = [&](size_t pad_count) {
    return base_size - cbor::EncodedHeadSize(base_entries) +
           cbor::EncodedHeadSize(base_entries + pad_count);
  };

  const size_t minimum = fixed_size(1) + pad_entry_key + 1;  // an empty pad
  if (total_size < minimum) {
    return InvalidArgument("COSE: the signature needs at least " + std::to_string(minimum) +
                           " bytes, but only " + std::to_string(total_size) + " are reserved");
  }
  std::vector<size_t> pads;
  if (auto n = BstrLengthForEncodedSize(total_size - fixed_size(1) - pad_entry_key)) {
    pads = {*n};
  } else {
    // One pad cannot produce this size; a second, small one shifts the remainder out of the gap.
    for (size_t pad2 = 0; pad2 < 24 && pads.empty(); ++pad2) {
      const size_t used =
          fixed_size(2) + pad_entry_key + pad2_entry_key + cbor::EncodedBytesSize(pad2);
      if (total_size <= used) break;
      if (auto n = BstrLengthForEncodedSize(total_size - used)) pads = {*n, pad2};
    }
    if (pads.empty()) {
      return InvalidArgument("COSE: cannot pad the signature to exactly " +
                             std::to_string(total_size) + " bytes");
    }
  }
  Bytes out = assemble(pads);
  if (out.size() != total_size) {
    return Internal("COSE: padding produced " + std::to_string(out.size()) + " bytes instead of " +
                    std::to_string(total_size));
  }
  return out;
}

using openssl_util::OpenSslError;

// r||s (each half of the signature) as the DER ECDSA-Sig-Value OpenSSL verifies.
std::optional<Bytes> RawEcdsaToDer(std::span<const uint8_t> raw) {
  const size_t half = raw.size() / 2;
  std::unique_ptr<BIGNUM, BnFree> r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
  std::unique_ptr<BIGNUM, BnFree> s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return std::nullopt;
  r.release();  // owned by sig now
  s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return std::nullopt;
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return std::nullopt;
  return der;
}

}  // namespace

std::string_view AlgorithmName(Algorithm alg) {
  switch (alg) {
    case Algorithm::kEs256:
      return "ES256";
    case Algorithm::kEs384:
      return "ES384";
    case Algorithm::kEs512:
      return "ES512";
    case Algorithm::kPs256:
      return "PS256";
    case Algorithm::kPs384:
      return "PS384";
    case Algorithm::kPs512:
      return "PS512";
    case Algorithm::kEd25519:
      return "Ed25519";
  }
  return "unknown";
}

std::optional<Algorithm> AlgorithmFromCose(int64_t value) {
  switch (value) {
    case -7:
      return Algorithm::kEs256;
    case -35:
      return Algorithm::kEs384;
    case -36:
      return Algorithm::kEs512;
    case -37:
      return Algorithm::kPs256;
    case -38:
      return Algorithm::kPs384;
    case -39:
      return Algorithm::kPs512;
    case -8:
      return Algorithm::kEd25519;
    default:
      return std::nullopt;
  }
}

std::optional<Algorithm> AlgorithmFromName(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (Algorithm alg : {Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEs512, Algorithm::kPs256,
                        Algorithm::kPs384, Algorithm::kPs512, Algorithm::kEd25519}) {
    std::string candidate(AlgorithmName(alg));
    std::transform(candidate.begin(), candidate.end(), candidate.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == candidate) return alg;
  }
  if (lower == "eddsa") return Algorithm::kEd25519;  // the COSE name of -8
  return std::nullopt;
}

size_t RawSignatureSize(Algorithm alg, size_t rsa_bits) {
  switch (alg) {
    case Algorithm::kEs256:
      return 64;
    case Algorithm::kEs384:
      return 96;
    case Algorithm::kEs512:
      return 132;
    case Algorithm::kEd25519:
      return 64;
    case Algorithm::kPs256:
    case Algorithm::kPs384:
    case Algorithm::kPs512:
      return (rsa_bits + 7) / 8;
  }
  return 0;
}

size_t ReserveSize(const Signer& signer, bool with_timestamp) {
  size_t certs = 0;
  for (const Bytes& cert : signer.certificate_chain()) certs += cert.size();
  return certs + signer.max_signature_size() + 1024 + (with_timestamp ? 10000 : 0);
}

Bytes SigStructure(std::span<const uint8_t> protected_bytes, std::span<const uint8_t> payload) {
  return ToBeSigned("Signature1", protected_bytes, payload);
}

Bytes TimestampImprintInput(std::span<const uint8_t> protected_bytes,
                            std::span<const uint8_t> signature) {
  Bytes signature_bstr;
  AppendBstr(signature_bstr, signature);
  return ToBeSigned("CounterSignature", protected_bytes, signature_bstr);
}

Bytes TimestampImprintInputV1(std::span<const uint8_t> protected_bytes,
                              std::span<const uint8_t> claim_bytes) {
  return ToBeSigned("CounterSignature", protected_bytes, claim_bytes);
}

Bytes TimestampImprintInputFor(const Sign1& sign1, std::span<const uint8_t> claim_bytes) {
  switch (sign1.timestamp_version) {
    case 1:
      return TimestampImprintInputV1(sign1.protected_bytes, claim_bytes);
    case 2:
      return TimestampImprintInput(sign1.protected_bytes, sign1.signature);
    default:
      return {};
  }
}

Result<Bytes> SignClaim(const Signer& signer, std::span<const uint8_t> claim_bytes,
                        size_t total_size, const SignOptions& options) {
  const std::vector<Bytes>& chain = signer.certificate_chain();
  if (chain.empty()) return InvalidArgument("COSE: the signer has no certificate");

  cbor::Value protected_header = cbor::Value::MakeMap();
  protected_header.Set(kAlgLabel, cbor::Value::Int(static_cast<int64_t>(signer.algorithm())));
  if (chain.size() == 1) {
    protected_header.Set(kX5ChainLabel, cbor::Value::Bytes(chain[0]));
  } else {
    cbor::Value certs = cbor::Value::MakeArray();
    for (const Bytes& cert : chain) certs.Append(cbor::Value::Bytes(cert));
    protected_header.Set(kX5ChainLabel, std::move(certs));
  }
  const Bytes protected_bytes = cbor::Encode(protected_header);

  ASSIGN_OR_RETURN(Bytes signature, signer.Sign(SigStructure(protected_bytes, claim_bytes)));
  const Algorithm alg = signer.algorithm();
  if ((IsEcdsa(alg) || alg == Algorithm::kEd25519) && signature.size() != RawSignatureSize(alg)) {
    return Internal("COSE: the " + std::string(AlgorithmName(alg)) + " signer returned " +
                    std::to_string(signature.size()) + " bytes, not a raw " +
                    std::to_string(RawSignatureSize(alg)) + "-byte signature");
  }

  cbor::Value unprotected = cbor::Value::MakeMap();
  if (options.timestamp != nullptr) {
    // v2 time-stamp (sigTst2): the TSA countersigns the signature (notes §2.6).
    const Bytes imprint_input = TimestampImprintInput(protected_bytes, signature);
    SystemRandom random;
    const Bytes request = MakeTimestampRequest(imprint_input, random);
    if (request.empty()) return Internal("COSE: cannot build the time-stamp request");
    ASSIGN_OR_RETURN(Bytes response, (*options.timestamp)(request));
    ASSIGN_OR_RETURN(Bytes token, TimestampTokenFromResponse(response));
    // Refuse to embed a token that would not validate: a TSA answering for another imprint, or a
    // token whose CMS signature is broken.
    ASSIGN_OR_RETURN(TimestampInfo info, ReadTimestampToken(token, imprint_input));
    if (!info.imprint_matches || !info.signature_valid) {
      return Error(ErrorCode::kUnavailable,
                   std::string("COSE: the time-stamp authority returned a token that ") +
                       (info.imprint_matches ? "does not verify" : "is for another imprint"));
    }
    cbor::Value entry = cbor::Value::MakeMap();
    entry.Set("val", cbor::Value::Bytes(std::move(token)));
    cbor::Value container = cbor::Value::MakeMap();
    container.Set("tstTokens", cbor::Value::MakeArray({std::move(entry)}));
    unprotected.Set("sigTst2", std::move(container));
  }
  return AssembleToSize(protected_bytes, unprotected, signature, total_size);
}

Result<Sign1> ParseSign1(std::span<const uint8_t> bytes) {
  ASSIGN_OR_RETURN(cbor::Value root, cbor::Decode(bytes));
  const cbor::Value* array = &root;
  if (root.is_tag()) {
    if (root.tag() != 18) {
      return InvalidArgument("COSE: tag " + std::to_string(root.tag()) + " is not COSE_Sign1 (18)");
    }
    array = &root.tagged();
  }
  if (!array->is_array() || array->array().size() != 4) {
    return InvalidArgument("COSE: COSE_Sign1 is not an array of 4 elements");
  }
  const cbor::Array& parts = array->array();
  Sign1 out;

  if (!parts[0].is_bytes()) return InvalidArgument("COSE: the protected header is not a bstr");
  out.protected_bytes = parts[0].bytes();
  if (out.protected_bytes.empty()) {
    out.protected_header = cbor::Value::MakeMap();  // RFC 9052: h'' stands for an empty map
  } else {
    auto decoded = cbor::Decode(out.protected_bytes);
    if (!decoded.ok()) {
      return InvalidArgument("COSE: the protected header: " + decoded.error().message());
    }
    out.protected_header = std::move(decoded).value();
    if (!out.protected_header.is_map()) {
      return InvalidArgument("COSE: the protected header is not a map");
    }
  }

  if (!parts[1].is_map()) return InvalidArgument("COSE: the unprotected header is not a map");
  out.unprotected_header = parts[1];

  if (parts[2].is_null()) {
    out.payload_detached = true;
  } else if (parts[2].is_bytes()) {
    out.payload_detached = false;
  } else {
    return InvalidArgument("COSE: the payload is neither nil nor a bstr");
  }

  if (!parts[3].is_bytes()) return InvalidArgument("COSE: the signature is not a bstr");
  out.signature = parts[3].bytes();

  const cbor::Value* alg = out.protected_header.Find(kAlgLabel);
  if (alg == nullptr) {
    if (out.unprotected_header.Find(kAlgLabel) != nullptr) {
      return InvalidArgument("COSE: alg is in the unprotected header; it must be protected");
    }
    return InvalidArgument("COSE: the protected header has no alg (label 1)");
  }
  auto alg_value = alg->AsInt64();
  if (!alg_value) return InvalidArgument("COSE: alg is not an integer: " + cbor::Diagnostic(*alg));
  out.alg_value = *alg_value;
  out.alg = AlgorithmFromCose(*alg_value);

  const cbor::Value* protected_chain = FindX5Chain(out.protected_header);
  const cbor::Value* unprotected_chain = FindX5Chain(out.unprotected_header);
  out.x5chain_in_unprotected = unprotected_chain != nullptr;
  out.x5chain_in_both = protected_chain != nullptr && unprotected_chain != nullptr;
  if (protected_chain != nullptr) {
    ASSIGN_OR_RETURN(out.x5chain, ReadX5Chain(*protected_chain, "protected"));
  } else if (unprotected_chain != nullptr) {
    ASSIGN_OR_RETURN(out.x5chain, ReadX5Chain(*unprotected_chain, "unprotected"));
  } else {
    return InvalidArgument("COSE: no x5chain (label 33) certificate chain");
  }

  ReadTimestamp(out.unprotected_header, out);
  return out;
}

Result<bool> VerifyClaimSignature(const Sign1& sign1, std::span<const uint8_t> claim_bytes) {
  if (!sign1.alg) {
    return InvalidArgument("COSE: algorithm " + std::to_string(sign1.alg_value) +
                           " is not one C2PA allows");
  }
  const Algorithm alg = *sign1.alg;
  if (sign1.x5chain.empty()) return InvalidArgument("COSE: no signing certificate");
  const Bytes& leaf_der = sign1.x5chain[0];
  const unsigned char* p = leaf_der.data();
  std::unique_ptr<X509, X509Free> leaf(d2i_X509(nullptr, &p, static_cast<long>(leaf_der.size())));
  if (!leaf || p != leaf_der.data() + leaf_der.size()) {
    ERR_clear_error();
    return InvalidArgument("COSE: the signing certificate is not a DER X.509 certificate");
  }
  EVP_PKEY* key = X509_get0_pubkey(leaf.get());  // owned by leaf
  if (key == nullptr) {
    const std::string why = OpenSslError();
    return InvalidArgument("COSE: cannot read the signing certificate's public key: " + why);
  }

  // The algorithm must fit the key: a signature is only meaningful for the key type it names.
  const int key_type = EVP_PKEY_get_base_id(key);
  Bytes signature = sign1.signature;
  if (IsEcdsa(alg)) {
    if (key_type != EVP_PKEY_EC) {
      return InvalidArgument("COSE: " + std::string(AlgorithmName(alg)) +
                             " needs an EC key, the certificate has another kind");
    }
    char curve[64] = {};
    size_t curve_len = 0;
    if (EVP_PKEY_get_group_name(key, curve, sizeof(curve), &curve_len) != 1 ||
        OBJ_sn2nid(curve) != CurveFor(alg)) {
      ERR_clear_error();
      return InvalidArgument("COSE: " + std::string(AlgorithmName(alg)) + " needs curve " +
                             OBJ_nid2sn(CurveFor(alg)) + ", the certificate's key is on " +
                             std::string(curve));
    }
    // Raw r||s of exactly twice the field size; anything else (including DER) is a mismatch.
    if (signature.size() != RawSignatureSize(alg)) return false;
    auto der = RawEcdsaToDer(signature);
    if (!der) return Internal("COSE: cannot convert the ECDSA signature: " + OpenSslError());
    signature = std::move(*der);
  } else if (alg == Algorithm::kEd25519) {
    if (key_type != EVP_PKEY_ED25519) {
      return InvalidArgument(
          "COSE: Ed25519 needs an Ed25519 key, the certificate has another kind");
    }
    if (signature.size() != 64) return false;
  } else {
    if (key_type != EVP_PKEY_RSA && key_type != EVP_PKEY_RSA_PSS) {
      return InvalidArgument("COSE: " + std::string(AlgorithmName(alg)) +
                             " needs an RSA key, the certificate has another kind");
    }
    if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(key))) return false;
  }

  const Bytes tbs = SigStructure(sign1.protected_bytes, claim_bytes);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) return Internal("COSE: cannot allocate a digest context");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  // Failures here come from the certificate's key (e.g. an RSA-PSS key restricted to another
  // digest), so they are the input's fault, not ours.
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, DigestFor(alg), nullptr, key) != 1) {
    return InvalidArgument("COSE: the certificate's key cannot verify " +
                           std::string(AlgorithmName(alg)) + ": " + OpenSslError());
  }
  if (IsPss(alg)) {
    // RSASSA-PSS as C2PA uses it: salt length = digest length, MGF1 with the same digest.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, DigestFor(alg)) != 1) {
      return InvalidArgument("COSE: the certificate's key cannot verify " +
                             std::string(AlgorithmName(alg)) + ": " + OpenSslError());
    }
  }
  const int rc =
      EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), tbs.data(), tbs.size());
  ERR_clear_error();  // a failed verification leaves errors queued; they are not ours to report
  return rc == 1;
}

}  // namespace custody::provenance::cose
