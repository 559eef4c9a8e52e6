// The verifier. Codes, their kinds (success / informational / failure) and the ingredient-delta
// rule follow c2pa-rs 0.91.3 so our reports compare with the SDK's code for code (the fixture
// tests check this). Where we are deliberately stricter than c2pa-rs it is said at the check:
// unknown claim v2 fields, exclusions that hide more than the manifest store, hard bindings we
// cannot check (box / collection hashes, Merkle-tree BMFF).
#include "provenance/c2pa/validate.h"

#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/timestamp.h"

namespace custody::provenance {

namespace {

// Status codes (C2PA 2.2 §15.2 "Standard status codes"; names as c2pa-rs spells them).
namespace code {
constexpr std::string_view kClaimSignatureValidated = "claimSignature.validated";
constexpr std::string_view kClaimSignatureInsideValidity = "claimSignature.insideValidity";
constexpr std::string_view kClaimSignatureMismatch = "claimSignature.mismatch";
constexpr std::string_view kClaimSignatureMissing = "claimSignature.missing";
constexpr std::string_view kSigningCredentialTrusted = "signingCredential.trusted";
constexpr std::string_view kSigningCredentialUntrusted = "signingCredential.untrusted";
constexpr std::string_view kSigningCredentialInvalid = "signingCredential.invalid";
constexpr std::string_view kOcspSkipped = "signingCredential.ocsp.skipped";
constexpr std::string_view kTimeStampValidated = "timeStamp.validated";
constexpr std::string_view kTimeStampTrusted = "timeStamp.trusted";
constexpr std::string_view kTimeStampUntrusted = "timeStamp.untrusted";
constexpr std::string_view kTimeStampMismatch = "timeStamp.mismatch";
constexpr std::string_view kTimeStampMalformed = "timeStamp.malformed";
constexpr std::string_view kHashedUriMatch = "assertion.hashedURI.match";
constexpr std::string_view kHashedUriMismatch = "assertion.hashedURI.mismatch";
constexpr std::string_view kAssertionMissing = "assertion.missing";
constexpr std::string_view kAssertionUndeclared = "assertion.undeclared";
constexpr std::string_view kAssertionOutsideManifest = "assertion.outsideManifest";
constexpr std::string_view kAssertionCborInvalid = "assertion.cbor.invalid";
constexpr std::string_view kAssertionJsonInvalid = "assertion.json.invalid";
constexpr std::string_view kDataHashMatch = "assertion.dataHash.match";
constexpr std::string_view kDataHashMismatch = "assertion.dataHash.mismatch";
constexpr std::string_view kDataHashMalformed = "assertion.dataHash.malformed";
constexpr std::string_view kBmffHashMatch = "assertion.bmffHash.match";
constexpr std::string_view kBmffHashMismatch = "assertion.bmffHash.mismatch";
constexpr std::string_view kBmffAdditionalExclusions =
    "assertion.bmffHash.additionalExclusionsPresent";
constexpr std::string_view kHardBindingsMissing = "claim.hardBindings.missing";
constexpr std::string_view kMultipleHardBindings = "assertion.multipleHardBindings";
constexpr std::string_view kActionMalformed = "assertion.action.malformed";
constexpr std::string_view kActionIngredientMismatch = "assertion.action.ingredientMismatch";
constexpr std::string_view kIngredientMalformed = "assertion.ingredient.malformed";
constexpr std::string_view kIngredientManifestValidated = "ingredient.manifest.validated";
constexpr std::string_view kIngredientManifestMismatch = "ingredient.manifest.mismatch";
constexpr std::string_view kIngredientManifestMissing = "ingredient.manifest.missing";
constexpr std::string_view kIngredientClaimSignatureMismatch = "ingredient.claimSignature.mismatch";
constexpr std::string_view kIngredientClaimSignatureMissing = "ingredient.claimSignature.missing";
constexpr std::string_view kIngredientUnknownProvenance = "ingredient.unknownProvenance";
constexpr std::string_view kClaimMalformed = "claim.malformed";
constexpr std::string_view kClaimMissing = "claim.missing";
constexpr std::string_view kManifestMalformed = "manifest.malformed";
constexpr std::string_view kAlgorithmUnsupported = "algorithm.unsupported";
}  // namespace code

// How c2pa-rs classifies codes found in stored (v1/v2 ingredient) validationStatus lists, which
// do not say whether an entry was a success (validation_status.rs log_kind).
enum class Kind { kSuccess, kInformational, kFailure };
Kind KindOfCode(std::string_view c) {
  static const std::set<std::string_view> kSuccess = {"claimSignature.validated",
                                                      "claimSignature.insideValidity",
                                                      "signingCredential.trusted",
                                                      "signingCredential.ocsp.notRevoked",
                                                      "timeStamp.validated",
                                                      "timeStamp.trusted",
                                                      "assertion.hashedURI.match",
                                                      "assertion.dataHash.match",
                                                      "assertion.bmffHash.match",
                                                      "assertion.boxesHash.match",
                                                      "assertion.collectionHash.match",
                                                      "assertion.accessible",
                                                      "ingredient.manifest.validated",
                                                      "ingredient.claimSignature.validated"};
  static const std::set<std::string_view> kInformational = {
      "signingCredential.ocsp.skipped",
      "signingCredential.ocsp.inaccessible",
      "timeStamp.mismatch",
      "timeStamp.malformed",
      "timeStamp.outsideValidity",
      "timeStamp.untrusted",
      "manifest.unknownProvenance",
      "manifest.unreferenced",
      "ingredient.unknownProvenance",
      "algorithm.deprecated",
      "timeOfSigning.insideValidity",
      "assertion.bmffHash.additionalExclusionsPresent",
      "assertion.dataHash.additionalExclusionsPresent"};
  if (kSuccess.contains(c)) return Kind::kSuccess;
  if (kInformational.contains(c)) return Kind::kInformational;
  return Kind::kFailure;
}

void Add(std::vector<StatusEntry>& list, std::string_view c, std::string url,
         std::string explanation) {
  list.push_back({std::string(c), std::move(url), std::move(explanation)});
}

void Append(ValidationStatus& to, const ValidationStatus& from) {
  to.success.insert(to.success.end(), from.success.begin(), from.success.end());
  to.informational.insert(to.informational.end(), from.informational.begin(),
                          from.informational.end());
  to.failure.insert(to.failure.end(), from.failure.begin(), from.failure.end());
}

// ------------------------------------------------------------------------------------------------
// JUMBF URIs.

constexpr std::string_view kSelfJumbf = "self#jumbf=";

std::string ManifestUrl(std::string_view label) {
  return std::string(kSelfJumbf) + "/c2pa/" + std::string(label);
}
std::string AssertionUrl(std::string_view manifest, std::string_view assertion) {
  return ManifestUrl(manifest) + "/c2pa.assertions/" + std::string(assertion);
}
std::string SignatureUrl(std::string_view manifest) {
  return ManifestUrl(manifest) + "/c2pa.signature";
}
std::string ClaimUrl(const Manifest& m) {
  return ManifestUrl(m.label) + (m.claim_version == 1 ? "/c2pa.claim" : "/c2pa.claim.v2");
}

// "self#jumbf=c2pa.assertions/x" → "self#jumbf=/c2pa/<manifest>/c2pa.assertions/x"; absolute
// URLs and other strings unchanged (c2pa-rs to_absolute_uri).
std::string AbsoluteUrl(std::string_view manifest, std::string_view url) {
  if (!url.starts_with(kSelfJumbf)) return std::string(url);
  std::string_view path = url.substr(kSelfJumbf.size());
  if (path.starts_with('/')) return std::string(url);
  // The absolute form without its leading '/' (see ResolveUri).
  if (path.starts_with("c2pa/")) return std::string(kSelfJumbf) + "/" + std::string(path);
  return ManifestUrl(manifest) + "/" + std::string(path);
}

// The manifest label of an absolute "self#jumbf=/c2pa/<label>/…" URL.
std::optional<std::string_view> ManifestLabelOfUrl(std::string_view url) {
  constexpr std::string_view kPrefix = "self#jumbf=/c2pa/";
  if (!url.starts_with(kPrefix)) return std::nullopt;
  url.remove_prefix(kPrefix.size());
  return url.substr(0, url.find('/'));
}

// ------------------------------------------------------------------------------------------------
// Hashing.

const EVP_MD* DigestFor(std::string_view alg) {
  if (alg == "sha256") return EVP_sha256();
  if (alg == "sha384") return EVP_sha384();
  if (alg == "sha512") return EVP_sha512();
  return nullptr;
}

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// The digest of `data` minus `exclusions` (sorted, non-overlapping, in range); nullopt for an
// unknown algorithm or an OpenSSL failure.
std::optional<Bytes> HashExcluding(std::string_view alg, std::span<const uint8_t> data,
                                   std::span<const ByteRange> exclusions = {}) {
  const EVP_MD* md = DigestFor(alg);
  if (md == nullptr) return std::nullopt;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1) return std::nullopt;
  uint64_t pos = 0;
  for (const ByteRange& r : exclusions) {
    if (r.start < pos || r.start > data.size() || r.length > data.size() - r.start) {
      return std::nullopt;
    }
    if (EVP_DigestUpdate(ctx.get(), data.data() + pos, r.start - pos) != 1) return std::nullopt;
    pos = r.start + r.length;
  }
  if (EVP_DigestUpdate(ctx.get(), data.data() + pos, data.size() - pos) != 1) return std::nullopt;
  Bytes out(EVP_MD_size(md));
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1) return std::nullopt;
  out.resize(len);
  return out;
}

bool Equal(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

const TrustSettings& TrustOf(const VerifyOptions& options) {
  static const TrustSettings kNoAnchors;
  return options.trust != nullptr ? *options.trust : kNoAnchors;
}

bool IsIngredientLabel(std::string_view base) {
  return base == "c2pa.ingredient" || base == "c2pa.ingredient.v2" || base == "c2pa.ingredient.v3";
}
bool IsActionsLabel(std::string_view base) {
  return base == "c2pa.actions" || base == "c2pa.actions.v2";
}
bool IsHardBindingLabel(std::string_view base) {
  return base == "c2pa.hash.data" || base == "c2pa.hash.bmff" || base == "c2pa.hash.bmff.v2" ||
         base == "c2pa.hash.bmff.v3" || base == "c2pa.hash.boxes" ||
         base == "c2pa.hash.collection.data";
}

std::string TextOr(const cbor::Value& map, std::string_view key, std::string fallback) {
  const cbor::Value* v = map.is_map() ? map.Find(key) : nullptr;
  return v != nullptr && v->is_text() ? v->text() : std::move(fallback);
}

// ------------------------------------------------------------------------------------------------
// One manifest's checks.

// The asset a hard binding is checked against (absent for ingredient manifests).
struct AssetBinding {
  std::span<const uint8_t> bytes;
  std::span<const ByteRange> store_blocks;  // where the manifest store sits in the file
};

class ManifestVerifier {
 public:
  ManifestVerifier(const ManifestStore& store, const Manifest& m, const VerifyOptions& options)
      : store_(store), m_(m), options_(options), trust_(TrustOf(options)) {}

  ValidationStatus Run(const AssetBinding* binding) {
    if (m_.claim_version == 0) {
      Add(status_.failure, code::kClaimMissing, ManifestUrl(m_.label),
          "the manifest has no claim box");
      return std::move(status_);
    }
    if (!m_.claim || !m_.claim->is_map()) {
      Add(status_.failure, code::kClaimMalformed, ClaimUrl(m_), "the claim is not a CBOR map");
      return std::move(status_);
    }
    CheckClaim();
    CheckSignature();
    // Real manifests hold tens of assertions; thousands only serve to make each reference
    // resolution and hash (linear in the store) add up to a denial of service.
    if (m_.assertions.size() > kMaxAssertions || References().size() > kMaxAssertions) {
      ClaimMalformed("more than " + std::to_string(kMaxAssertions) +
                     " assertions or assertion references");
      return std::move(status_);
    }
    CheckAssertionReferences();
    CheckAssertionContents();
    if (binding != nullptr) CheckHardBinding(*binding);
    CheckActions();
    return std::move(status_);
  }

  const std::optional<SignatureInfo>& signature_info() const { return signature_info_; }

 private:
  static constexpr size_t kMaxAssertions = 4096;

  // The URIs the claim references: v2 created then gathered, v1 `assertions`. Entries that are
  // not hashed URIs were reported by CheckClaim.
  std::vector<HashedUri> References() const {
    std::vector<HashedUri> all = m_.created_assertions;
    all.insert(all.end(), m_.gathered_assertions.begin(), m_.gathered_assertions.end());
    return all;
  }

  void ClaimMalformed(std::string why) {
    Add(status_.failure, code::kClaimMalformed, ClaimUrl(m_), std::move(why));
  }

  void CheckClaim() {
    const cbor::Value& claim = *m_.claim;
    const bool v2 = m_.claim_version >= 2;
    if (v2) {
      static const std::set<std::string_view> kKnown = {"instanceID",
                                                        "claim_generator_info",
                                                        "signature",
                                                        "created_assertions",
                                                        "gathered_assertions",
                                                        "dc:title",
                                                        "redacted_assertions",
                                                        "alg",
                                                        "alg_soft",
                                                        "metadata"};
      // claim-map-v2 is a closed map (C2PA 2.2 §10.2.1). c2pa-rs 0.91.3 (wasm) accepts extra
      // keys in practice; we do not. One entry however many bad keys (a hostile claim can hold a
      // million).
      size_t unknown = 0;
      std::string first_unknown;
      for (const cbor::MapEntry& entry : claim.map()) {
        if (!entry.first.is_text() || !kKnown.contains(entry.first.text())) {
          if (unknown++ == 0) {
            first_unknown = entry.first.is_text() ? entry.first.text() : "(a non-text key)";
          }
        }
      }
      if (unknown > 0) {
        ClaimMalformed("unknown claim v2 field: " + first_unknown +
                       (unknown > 1 ? " and " + std::to_string(unknown - 1) + " more" : ""));
      }
      for (std::string_view key : {"instanceID", "signature"}) {
        const cbor::Value* v = claim.Find(key);
        if (v == nullptr || !v->is_text()) {
          ClaimMalformed("claim v2 field " + std::string(key) + " is missing or not text");
        }
      }
      const cbor::Value* info = claim.Find("claim_generator_info");
      if (info == nullptr || !info->is_map()) {
        ClaimMalformed("claim_generator_info is missing or not a map");
      } else if (const cbor::Value* name = info->Find("name");
                 name == nullptr || !name->is_text() || name->text().empty()) {
        ClaimMalformed("claim_generator_info has no name");
      }
      CheckUriList(claim, "created_assertions", /*required=*/true);
      CheckUriList(claim, "gathered_assertions", /*required=*/false);
    } else {
      const cbor::Value* gen = claim.Find("claim_generator");
      if (gen == nullptr || !gen->is_text()) {
        ClaimMalformed("claim v1 field claim_generator is missing or not text");
      }
      if (const cbor::Value* info = claim.Find("claim_generator_info");
          info != nullptr && !info->is_array()) {
        ClaimMalformed("claim v1 claim_generator_info is not an array");
      }
      const cbor::Value* sig = claim.Find("signature");
      if (sig == nullptr || !sig->is_text()) {
        ClaimMalformed("claim field signature is missing or not text");
      }
      CheckUriList(claim, "assertions", /*required=*/true);
    }
    if (const cbor::Value* alg = claim.Find("alg"); alg != nullptr && !alg->is_text()) {
      ClaimMalformed("claim alg is not text");
    }
  }

  void CheckUriList(const cbor::Value& claim, std::string_view key, bool required) {
    const cbor::Value* list = claim.Find(key);
    if (list == nullptr) {
      if (required) ClaimMalformed("claim field " + std::string(key) + " is missing");
      return;
    }
    if (!list->is_array()) {
      ClaimMalformed("claim field " + std::string(key) + " is not an array");
      return;
    }
    size_t bad = 0;
    std::string first_error;
    for (const cbor::Value& item : list->array()) {
      auto uri = ParseHashedUri(item);
      if (!uri.ok() && bad++ == 0) first_error = uri.error().message();
    }
    if (bad > 0) {
      ClaimMalformed(std::string(key) + ": " + first_error +
                     (bad > 1 ? " (and " + std::to_string(bad - 1) + " more)" : ""));
    }
  }

  // The algorithm a hashed URI is checked with (its own, else the claim's).
  std::optional<std::string> AlgFor(const HashedUri& uri) const {
    if (uri.alg) return uri.alg;
    return m_.alg;
  }

  // ---- signature, certificate, trust, timestamp --------------------------------------------

  void CheckSignature() {
    const std::string sig_url = SignatureUrl(m_.label);
    if (!m_.signature_bytes) {
      Add(status_.failure, code::kClaimSignatureMissing, sig_url,
          "the manifest has no claim signature box");
      return;
    }
    // The claim must name this manifest's signature box.
    bool points_here = false;
    if (m_.signature_url) {
      auto resolved = ResolveUri(store_, m_, *m_.signature_url);
      points_here = resolved && resolved->manifest == &m_ && resolved->box->desc &&
                    resolved->box->desc->type_uuid == C2paTypeUuid("c2cs");
    }
    if (!points_here) {
      Add(status_.failure, code::kClaimSignatureMissing, sig_url,
          "the claim's signature reference does not name this manifest's signature box");
      return;
    }
    auto parsed = cose::ParseSign1(*m_.signature_bytes);
    if (!parsed.ok()) {
      Add(status_.failure, code::kClaimSignatureMismatch, sig_url,
          "the claim signature cannot be read: " + parsed.error().message());
      return;
    }
    const cose::Sign1& sign1 = *parsed;
    if (!sign1.alg) {
      Add(status_.failure, code::kAlgorithmUnsupported, sig_url,
          "unsupported signature algorithm " + std::to_string(sign1.alg_value));
      return;
    }
    if (sign1.x5chain.empty()) {
      Add(status_.failure, code::kSigningCredentialInvalid, sig_url,
          "the signature carries no certificate (x5chain)");
      return;
    }
    if (sign1.x5chain_in_both) {
      Add(status_.failure, code::kSigningCredentialInvalid, sig_url,
          "x5chain appears in both the protected and the unprotected header");
    }

    SignatureInfo info;
    info.alg = std::string(cose::AlgorithmName(*sign1.alg));
    if (auto summary = SummarizeCertificate(sign1.x5chain.front()); summary.ok()) {
      info.issuer = !summary->issuer_organization.empty() ? summary->issuer_organization
                                                          : summary->issuer_common_name;
      info.common_name = summary->subject_common_name;
      info.cert_serial_number = summary->serial_hex;
    }

    // The timestamp decides the time the certificate is judged at (c2pa-rs: a timestamp whose
    // imprint and signature check out, whether or not its TSA is trusted).
    TimePoint at = options_.now;
    if (sign1.timestamp_token) {
      if (auto gen_time = CheckTimestamp(sign1, sig_url)) {
        at = *gen_time;
        info.time = *gen_time;
      }
    }

    switch (VerifyCertificateChain(sign1.x5chain, trust_, at)) {
      case ChainTrust::kTrusted:
        Add(status_.success, code::kSigningCredentialTrusted, sig_url,
            "signing certificate trusted, found in the trust anchors");
        break;
      case ChainTrust::kUntrusted:
        Add(status_.failure, code::kSigningCredentialUntrusted, sig_url,
            "signing certificate untrusted");
        break;
      case ChainTrust::kInvalid:
        Add(status_.failure, code::kSigningCredentialInvalid, sig_url,
            "the signing certificate chain is malformed or a signature in it fails");
        break;
    }
    Add(status_.informational, code::kOcspSkipped, sig_url, "OCSP fetching skipped");

    bool profile_ok = true;
    auto issues = CheckSigningCertificate(sign1.x5chain.front(), trust_, at);
    if (!issues.ok()) {
      profile_ok = false;
      Add(status_.failure, code::kSigningCredentialInvalid, sig_url,
          "the signing certificate cannot be read: " + issues.error().message());
    } else {
      for (const ProfileIssue& issue : *issues) {
        profile_ok = false;
        Add(status_.failure, issue.code, sig_url, issue.explanation);
      }
    }

    auto verified = cose::VerifyClaimSignature(sign1, m_.claim_bytes);
    if (verified.ok() && *verified) {
      if (profile_ok) {
        Add(status_.success, code::kClaimSignatureInsideValidity, sig_url, "claim signature valid");
      }
      Add(status_.success, code::kClaimSignatureValidated, sig_url, "claim signature valid");
    } else {
      Add(status_.failure, code::kClaimSignatureMismatch, sig_url,
          verified.ok() ? "claim signature is not valid"
                        : "claim signature cannot be verified: " + verified.error().message());
    }
    signature_info_ = std::move(info);
  }

  // Checks sigTst2 / sigTst; returns the genTime when the token's imprint and CMS signature
  // verify. Timestamp problems are informational, as in c2pa-rs.
  std::optional<TimePoint> CheckTimestamp(const cose::Sign1& sign1, const std::string& sig_url) {
    // v2 (sigTst2) stamps the signature; v1 (sigTst) stamps the claim. Both imprint a COSE
    // "CounterSignature" structure (c2pa-rs cose_countersign_data).
    Bytes imprint_input;
    if (sign1.timestamp_version == 1) {
      cbor::Value tbs = cbor::Value::MakeArray();
      tbs.Append(cbor::Value::Text("CounterSignature"));
      tbs.Append(cbor::Value::Bytes(sign1.protected_bytes));
      tbs.Append(cbor::Value::Bytes(Bytes{}));
      tbs.Append(cbor::Value::Bytes(m_.claim_bytes));
      imprint_input = cbor::Encode(tbs);
    } else {
      imprint_input = cose::TimestampImprintInput(sign1.protected_bytes, sign1.signature);
    }
    auto token = ReadTimestampToken(*sign1.timestamp_token, imprint_input);
    if (!token.ok()) {
      Add(status_.informational, code::kTimeStampMalformed, sig_url,
          "timestamp cannot be read: " + token.error().message());
      return std::nullopt;
    }
    std::string tsa = "unknown TSA";
    if (!token->tsa_chain.empty()) {
      if (auto s = SummarizeCertificate(token->tsa_chain.front()); s.ok()) {
        tsa = s->subject_common_name;
      }
    }
    if (!token->imprint_matches || !token->signature_valid) {
      Add(status_.informational, code::kTimeStampMismatch, sig_url,
          token->imprint_matches ? "timestamp signature does not verify: " + tsa
                                 : "timestamp message digest does not match: " + tsa);
      return std::nullopt;
    }
    Add(status_.success, code::kTimeStampValidated, sig_url,
        "timestamp message digest matched: " + tsa);
    if (sign1.timestamp_version == 1) {
      // c2pa-rs does not check a claim v1 (legacy sigTst) TSA against the trust list and reports
      // it trusted; we do the same so the two reports compare (trust in the *signer* is still
      // checked normally, and this code never changes the state).
      Add(status_.success, code::kTimeStampTrusted, sig_url,
          "legacy timestamp (claim v1), TSA trust not checked: " + tsa);
    } else if (VerifyCertificateChain(token->tsa_chain, trust_, token->gen_time) ==
               ChainTrust::kTrusted) {
      Add(status_.success, code::kTimeStampTrusted, sig_url, "timestamp cert trusted: " + tsa);
    } else {
      Add(status_.informational, code::kTimeStampUntrusted, sig_url,
          "timestamp cert untrusted: " + tsa);
    }
    return token->gen_time;
  }

  // ---- hashed URIs -------------------------------------------------------------------------

  void CheckAssertionReferences() {
    for (const HashedUri& uri : References()) {
      const std::string abs = AbsoluteUrl(m_.label, uri.url);
      auto resolved = ResolveUri(store_, m_, uri.url);
      if (!resolved) {
        Add(status_.failure, code::kAssertionMissing, abs, "assertion not found: " + uri.url);
        continue;
      }
      if (resolved->manifest != &m_) {
        Add(status_.failure, code::kAssertionOutsideManifest, abs,
            "assertion reference leaves the manifest: " + uri.url);
        continue;
      }
      referenced_.insert(resolved->box->range.offset);
      const std::optional<std::string> alg = AlgFor(uri);
      if (!alg) {
        Add(status_.failure, code::kAlgorithmUnsupported, abs,
            "no hash algorithm for " + uri.url + " (neither the URI nor the claim has alg)");
        continue;
      }
      // Several references to one box are hashed once.
      const auto key = std::make_pair(resolved->box->range.offset, *alg);
      auto cached = digests_.find(key);
      if (cached == digests_.end()) {
        cached =
            digests_.emplace(key, HashExcluding(*alg, store_.SuperboxPayload(resolved->box->range)))
                .first;
      }
      const std::optional<Bytes>& digest = cached->second;
      if (!digest) {
        Add(status_.failure, code::kAlgorithmUnsupported, abs,
            "unsupported hash algorithm " + *alg + " for " + uri.url);
        continue;
      }
      if (Equal(*digest, uri.hash)) {
        Add(status_.success, code::kHashedUriMatch, abs, "hashed uri matched: " + uri.url);
      } else {
        Add(status_.failure, code::kHashedUriMismatch, abs, "hash does not match: " + uri.url);
      }
    }
    for (const Assertion& a : m_.assertions) {
      if (!referenced_.contains(a.range.offset)) {
        Add(status_.failure, code::kAssertionUndeclared, AssertionUrl(m_.label, a.label),
            "assertion " + a.label + " is not referenced by the claim");
      }
    }
  }

  // Assertions whose content cannot be decoded are reported once here.
  void CheckAssertionContents() {
    for (const Assertion& a : m_.assertions) {
      if (!a.decode_error) continue;
      const bool json = a.content_type == kJsonBoxType;
      Add(status_.failure, json ? code::kAssertionJsonInvalid : code::kAssertionCborInvalid,
          AssertionUrl(m_.label, a.label), *a.decode_error);
    }
  }

  // ---- hard binding ------------------------------------------------------------------------

  void CheckHardBinding(const AssetBinding& binding) {
    std::vector<const Assertion*> bindings;
    for (const Assertion& a : m_.assertions) {
      if (IsHardBindingLabel(a.base_label)) bindings.push_back(&a);
    }
    if (bindings.empty()) {
      Add(status_.failure, code::kHardBindingsMissing, ClaimUrl(m_),
          "the claim has no hard binding assertion");
      return;
    }
    if (bindings.size() > 1) {
      for (const Assertion* a : bindings) {
        Add(status_.failure, code::kMultipleHardBindings, AssertionUrl(m_.label, a->label),
            "more than one hard binding assertion");
      }
      return;
    }
    const Assertion& a = *bindings.front();
    const std::string url = AssertionUrl(m_.label, a.label);
    if (a.base_label == "c2pa.hash.data") {
      CheckDataHash(a, url, binding);
    } else if (a.base_label.starts_with("c2pa.hash.bmff")) {
      CheckBmffHash(a, url, binding);
    } else {
      // Box hashes (formats such as GIF or SVG) and collection hashes: we cannot check them, so
      // the content is not shown to be bound; that is a failure, not a pass.
      Add(status_.failure, code::kAlgorithmUnsupported, url,
          a.base_label + " hard bindings are not supported: the content binding is unchecked");
    }
  }

  void CheckDataHash(const Assertion& a, const std::string& url, const AssetBinding& binding) {
    auto malformed = [&](std::string why) {
      Add(status_.failure, code::kDataHashMalformed, url, std::move(why));
    };
    if (!a.cbor || !a.cbor->is_map()) return malformed("c2pa.hash.data is not a CBOR map");
    const cbor::Value& v = *a.cbor;
    const cbor::Value* hash = v.Find("hash");
    if (hash == nullptr || !hash->is_bytes()) return malformed("c2pa.hash.data has no hash");
    const cbor::Value* pad = v.Find("pad");
    if (pad == nullptr || !pad->is_bytes()) return malformed("c2pa.hash.data has no pad");
    std::vector<ByteRange> exclusions;
    if (const cbor::Value* list = v.Find("exclusions")) {
      if (!list->is_array()) return malformed("c2pa.hash.data exclusions is not an array");
      for (const cbor::Value& e : list->array()) {
        const cbor::Value* start = e.is_map() ? e.Find("start") : nullptr;
        const cbor::Value* length = e.is_map() ? e.Find("length") : nullptr;
        if (start == nullptr || length == nullptr || !start->is_uint() || !length->is_uint()) {
          return malformed("c2pa.hash.data exclusion without unsigned start and length");
        }
        exclusions.push_back({start->uint(), length->uint()});
      }
    }
    std::optional<std::string> alg = m_.alg;
    if (const cbor::Value* own = v.Find("alg")) {
      if (!own->is_text()) return malformed("c2pa.hash.data alg is not text");
      alg = own->text();
    }
    if (!alg || DigestFor(*alg) == nullptr) {
      Add(status_.failure, code::kAlgorithmUnsupported, url,
          "unsupported data hash algorithm " + alg.value_or("(none)"));
      return;
    }
    std::sort(exclusions.begin(), exclusions.end(),
              [](const ByteRange& x, const ByteRange& y) { return x.start < y.start; });
    auto mismatch = [&](std::string why) {
      Add(status_.failure, code::kDataHashMismatch, url, std::move(why));
    };
    // An exclusion may only hide the manifest store itself (C2PA 2.2 §18.5.2; 2.4
    // VAL-ASSE-0043/44): anything else excluded would be content left unbound.
    for (const ByteRange& e : exclusions) {
      if (e.length == 0) continue;
      const bool inside = std::any_of(
          binding.store_blocks.begin(), binding.store_blocks.end(), [&](const ByteRange& b) {
            return e.start >= b.start && e.start - b.start <= b.length &&
                   e.length <= b.length - (e.start - b.start);
          });
      if (!inside) {
        return mismatch("exclusion {start " + std::to_string(e.start) + ", length " +
                        std::to_string(e.length) + "} covers bytes outside the manifest store");
      }
    }
    std::optional<Bytes> digest;
    if (*alg == "sha256") {
      auto sha = DataHash(binding.bytes, exclusions);
      if (!sha.ok()) return mismatch("data hash cannot be computed: " + sha.error().message());
      digest = Bytes(sha->begin(), sha->end());
    } else {
      digest = HashExcluding(*alg, binding.bytes, exclusions);
      if (!digest) return mismatch("exclusions overlap or run past the end of the file");
    }
    if (Equal(*digest, hash->bytes())) {
      Add(status_.success, code::kDataHashMatch, url, "data hash valid");
    } else {
      mismatch("asset hash does not match the c2pa.hash.data assertion");
    }
  }

  void CheckBmffHash(const Assertion& a, const std::string& url, const AssetBinding& binding) {
    auto mismatch = [&](std::string why) {
      Add(status_.failure, code::kBmffHashMismatch, url, std::move(why));
    };
    if (a.base_label == "c2pa.hash.bmff") {
      return mismatch("c2pa.hash.bmff (version 1) is not supported");
    }
    if (!a.cbor || !a.cbor->is_map()) return mismatch("BMFF hash assertion is not a CBOR map");
    const cbor::Value& v = *a.cbor;
    std::optional<std::string> alg = m_.alg;
    if (const cbor::Value* own = v.Find("alg")) {
      if (!own->is_text()) return mismatch("BMFF hash alg is not text");
      alg = own->text();
    }
    if (alg.value_or("sha256") != "sha256") {
      Add(status_.failure, code::kAlgorithmUnsupported, url,
          "unsupported BMFF hash algorithm " + *alg);
      return;
    }
    const cbor::Value* list = v.Find("exclusions");
    if (list == nullptr || !list->is_array()) return mismatch("BMFF hash without exclusions");
    std::vector<BmffExclusion> exclusions;
    bool additional = false;
    for (const cbor::Value& e : list->array()) {
      if (!e.is_map()) return mismatch("BMFF exclusion is not a map");
      BmffExclusion ex;
      for (const cbor::MapEntry& field : e.map()) {
        const std::string key = field.first.is_text() ? field.first.text() : "";
        if (key == "xpath" && field.second.is_text()) {
          ex.xpath = field.second.text();
        } else if (key == "data" && field.second.is_array()) {
          for (const cbor::Value& d : field.second.array()) {
            const cbor::Value* off = d.is_map() ? d.Find("offset") : nullptr;
            const cbor::Value* val = d.is_map() ? d.Find("value") : nullptr;
            if (off == nullptr || val == nullptr || !off->is_uint() || !val->is_bytes()) {
              return mismatch("BMFF exclusion data without offset and value");
            }
            ex.data.push_back({off->uint(), val->bytes()});
          }
        } else {
          // length / subset / version / flags / exact narrow an exclusion; ignoring them would
          // exclude more than the writer meant, so refuse rather than under-check.
          return mismatch("unsupported BMFF exclusion field '" + key + "'");
        }
      }
      if (ex.xpath.empty()) return mismatch("BMFF exclusion without xpath");
      const bool mandatory =
          ex.xpath == "/ftyp" || ex.xpath == "/mfra" || (ex.xpath == "/uuid" && !ex.data.empty());
      if (!mandatory) additional = true;
      exclusions.push_back(std::move(ex));
    }
    if (additional) {
      Add(status_.informational, code::kBmffAdditionalExclusions, url,
          "BMFF hash has exclusions beyond /uuid, /ftyp and /mfra");
    }
    if (v.Find("merkle") != nullptr) {
      return mismatch(
          "Merkle-tree (fragmented) BMFF hashes cannot be checked against this file alone");
    }
    const cbor::Value* hash = v.Find("hash");
    if (hash == nullptr || !hash->is_bytes()) return mismatch("BMFF hash assertion has no hash");
    auto digest = BmffHash(binding.bytes, exclusions);
    if (!digest.ok()) return mismatch("BMFF hash cannot be computed: " + digest.error().message());
    if (Equal(*digest, hash->bytes())) {
      Add(status_.success, code::kBmffHashMatch, url, "BMFF hash valid");
    } else {
      mismatch("asset hash does not match the BMFF hash assertion");
    }
  }

  // ---- actions -----------------------------------------------------------------------------

  // The ingredient assertion an action parameter points at, or nullptr.
  const Assertion* IngredientOf(const cbor::Value& ref) const {
    auto uri = ParseHashedUri(ref);
    if (!uri.ok()) return nullptr;
    auto resolved = ResolveUri(store_, m_, uri->url);
    if (!resolved || resolved->manifest != &m_) return nullptr;
    const Assertion* a = m_.FindAssertion(resolved->box->label());
    return a != nullptr && IsIngredientLabel(a->base_label) ? a : nullptr;
  }

  void CheckActions() {
    const bool v2 = m_.claim_version >= 2;
    // Actions assertions in claim order (created, then gathered), as c2pa-rs reads them.
    std::vector<const Assertion*> actions;
    for (const HashedUri& uri : References()) {
      auto resolved = ResolveUri(store_, m_, uri.url);
      if (!resolved || resolved->manifest != &m_) continue;
      const Assertion* a = m_.FindAssertion(resolved->box->label());
      if (a != nullptr && IsActionsLabel(a->base_label) &&
          std::find(actions.begin(), actions.end(), a) == actions.end()) {
        actions.push_back(a);
      }
    }
    if (actions.empty()) {
      if (v2 && !m_.is_update) {
        Add(status_.failure, code::kActionMalformed, ClaimUrl(m_),
            "no actions assertion: the first action must be c2pa.created or c2pa.opened");
      }
      return;
    }
    int created_or_opened = 0;
    bool first = true;
    for (const Assertion* a : actions) {
      const std::string url = AssertionUrl(m_.label, a->label);
      const cbor::Value* list = a->cbor && a->cbor->is_map() ? a->cbor->Find("actions") : nullptr;
      if (list == nullptr || !list->is_array()) {
        Add(status_.failure, code::kActionMalformed, url, "actions assertion has no actions list");
        first = false;
        continue;
      }
      for (const cbor::Value& item : list->array()) {
        const cbor::Value* name = item.is_map() ? item.Find("action") : nullptr;
        if (name == nullptr || !name->is_text()) {
          Add(status_.failure, code::kActionMalformed, url, "action without an action name");
          first = false;
          continue;
        }
        const std::string& action = name->text();
        const bool is_start = action == "c2pa.created" || action == "c2pa.opened";
        if (first && v2 && !is_start && !m_.is_update) {
          Add(status_.failure, code::kActionMalformed, url,
              "first action must be created or opened, not " + action);
        }
        first = false;
        if (is_start && ++created_or_opened == 2 && v2) {
          Add(status_.failure, code::kActionMalformed, url,
              "more than one c2pa.created or c2pa.opened action");
        }
        if (v2 && action == "c2pa.created") {
          const cbor::Value* dst = item.Find("digitalSourceType");
          if (dst == nullptr || !dst->is_text()) {
            Add(status_.failure, code::kActionMalformed, url,
                "c2pa.created action without digitalSourceType");
          }
        }
        if (action == "c2pa.opened" || action == "c2pa.placed" || action == "c2pa.removed") {
          CheckActionIngredients(item, action, url, v2);
        }
      }
    }
  }

  void CheckActionIngredients(const cbor::Value& item, const std::string& action,
                              const std::string& url, bool v2) {
    std::vector<const cbor::Value*> refs;
    const cbor::Value* params = item.Find("parameters");
    if (params != nullptr && params->is_map()) {
      if (const cbor::Value* list = params->Find("ingredients"); list && list->is_array()) {
        for (const cbor::Value& r : list->array()) refs.push_back(&r);
      }
      // v1 actions name a single ingredient.
      if (const cbor::Value* one = params->Find("ingredient"); one && one->is_map()) {
        refs.push_back(one);
      }
    }
    if (refs.empty()) {
      if (v2) {
        Add(status_.failure, code::kActionIngredientMismatch, url,
            action + " action without parameters.ingredients");
      }
      return;
    }
    const std::string wanted = action == "c2pa.opened"   ? "parentOf"
                               : action == "c2pa.placed" ? "componentOf"
                                                         : "";
    for (const cbor::Value* ref : refs) {
      const Assertion* ingredient = IngredientOf(*ref);
      if (ingredient == nullptr) {
        Add(status_.failure, code::kActionIngredientMismatch, url,
            action + " action names an ingredient that is not in the manifest");
        continue;
      }
      if (v2 && !wanted.empty() && ingredient->cbor &&
          TextOr(*ingredient->cbor, "relationship", "") != wanted) {
        Add(status_.failure, code::kActionIngredientMismatch, url,
            action + " action's ingredient " + ingredient->label + " is not " + wanted);
      }
    }
  }

  const ManifestStore& store_;
  const Manifest& m_;
  const VerifyOptions& options_;
  const TrustSettings& trust_;
  ValidationStatus status_;
  std::set<size_t> referenced_;  // offsets of referenced assertion superboxes
  std::map<std::pair<size_t, std::string>, std::optional<Bytes>> digests_;
  std::optional<SignatureInfo> signature_info_;
};

// ------------------------------------------------------------------------------------------------
// Ingredients.

// The link from an ingredient assertion to its manifest: v3 activeManifest, v1/v2 c2pa_manifest.
const cbor::Value* IngredientLink(const cbor::Value& ingredient) {
  if (const cbor::Value* v = ingredient.Find("activeManifest")) return v;
  return ingredient.Find("c2pa_manifest");
}

// Validation statuses recorded in the store's ingredient assertions (the ingredient's
// validationResults, or the v1/v2 validationStatus list), with absolute URLs. What an ingredient
// check finds again is not a delta (c2pa-rs ValidationResults::from_store).
struct StoredStatus {
  std::string code;
  std::string url;
  Kind kind;
  bool operator<(const StoredStatus& o) const {
    return std::tie(code, url, kind) < std::tie(o.code, o.url, o.kind);
  }
};

void CollectStored(const cbor::Value& list, std::optional<Kind> kind,
                   std::optional<std::string_view> label, std::set<StoredStatus>& out) {
  if (!list.is_array()) return;
  for (const cbor::Value& entry : list.array()) {
    if (!entry.is_map()) continue;
    const cbor::Value* c = entry.Find("code");
    if (c == nullptr || !c->is_text()) continue;
    std::string url = TextOr(entry, "url", "");
    if (label) url = AbsoluteUrl(*label, url);
    out.insert({c->text(), std::move(url), kind.value_or(KindOfCode(c->text()))});
  }
}

void CollectStoredCodes(const cbor::Value& codes, std::optional<std::string_view> label,
                        std::set<StoredStatus>& out) {
  if (!codes.is_map()) return;
  if (const cbor::Value* v = codes.Find("success")) CollectStored(*v, Kind::kSuccess, label, out);
  if (const cbor::Value* v = codes.Find("informational")) {
    CollectStored(*v, Kind::kInformational, label, out);
  }
  if (const cbor::Value* v = codes.Find("failure")) CollectStored(*v, Kind::kFailure, label, out);
}

std::set<StoredStatus> StoredIngredientStatuses(const ManifestStore& store) {
  std::set<StoredStatus> out;
  for (const Manifest& m : store.manifests) {
    for (const Assertion& a : m.assertions) {
      if (!IsIngredientLabel(a.base_label) || !a.cbor || !a.cbor->is_map()) continue;
      std::optional<std::string_view> label;
      std::string link_url;
      if (const cbor::Value* link = IngredientLink(*a.cbor)) {
        if (auto uri = ParseHashedUri(*link); uri.ok()) {
          link_url = uri->url;
          label = ManifestLabelOfUrl(link_url);
        }
      }
      if (const cbor::Value* results = a.cbor->Find("validationResults");
          results != nullptr && results->is_map()) {
        if (const cbor::Value* am = results->Find("activeManifest")) {
          CollectStoredCodes(*am, label, out);
        }
        if (const cbor::Value* deltas = results->Find("ingredientDeltas");
            deltas != nullptr && deltas->is_array()) {
          for (const cbor::Value& d : deltas->array()) {
            if (const cbor::Value* vd = d.is_map() ? d.Find("validationDeltas") : nullptr) {
              CollectStoredCodes(*vd, label, out);
            }
          }
        }
      } else if (const cbor::Value* list = a.cbor->Find("validationStatus")) {
        CollectStored(*list, std::nullopt, label, out);
      }
    }
  }
  return out;
}

class IngredientChecker {
 public:
  IngredientChecker(const ManifestStore& store, const VerifyOptions& options,
                    std::vector<IngredientDelta>& deltas)
      : store_(store), options_(options), deltas_(deltas) {}

  void Check(const Manifest& m, int depth) {
    // Nested ingredients are walked like c2pa-rs does, but each manifest once: a hostile store
    // can make ingredients form cycles, or a lattice whose paths grow exponentially with depth.
    if (depth > kMaxDepth || !walked_.insert(&m).second) return;
    for (const Assertion& a : m.assertions) {
      if (IsIngredientLabel(a.base_label)) CheckOne(m, a, depth);
    }
  }

 private:
  static constexpr int kMaxDepth = 16;

  // A manifest's own checks, done once however many ingredients point at it.
  const ValidationStatus& Verified(const Manifest& target) {
    auto it = verified_.find(&target);
    if (it == verified_.end()) {
      it =
          verified_.emplace(&target, ManifestVerifier(store_, target, options_).Run(nullptr)).first;
    }
    return it->second;
  }

  std::optional<Bytes> Digest(std::string_view alg, const BoxRange& range) {
    const auto key = std::make_pair(range.offset, std::string(alg));
    auto it = digests_.find(key);
    if (it == digests_.end()) {
      it = digests_.emplace(key, HashExcluding(alg, store_.SuperboxPayload(range))).first;
    }
    return it->second;
  }

  ValidationStatus& DeltaFor(const std::string& ingredient_url) {
    for (IngredientDelta& d : deltas_) {
      if (d.ingredient_url == ingredient_url) return d.status;
    }
    deltas_.push_back({ingredient_url, {}});
    return deltas_.back().status;
  }

  void CheckOne(const Manifest& m, const Assertion& a, int depth) {
    const std::string url = AssertionUrl(m.label, a.label);
    if (!a.cbor || !a.cbor->is_map()) {
      Add(DeltaFor(url).failure, code::kIngredientMalformed, url,
          "ingredient assertion is not a CBOR map");
      return;
    }
    const cbor::Value& ingredient = *a.cbor;
    // inputTo ingredients (prompts, reference images) are not part of the asset's history.
    if (TextOr(ingredient, "relationship", "") == "inputTo") return;
    const cbor::Value* link_value = IngredientLink(ingredient);
    if (link_value == nullptr) {
      Add(DeltaFor(url).informational, code::kIngredientUnknownProvenance, url,
          TextOr(ingredient, "dc:title", "no title") + ": ingredient does not have provenance");
      return;
    }
    auto link = ParseHashedUri(*link_value);
    if (!link.ok()) {
      Add(DeltaFor(url).failure, code::kIngredientMalformed, url,
          "ingredient manifest reference: " + link.error().message());
      return;
    }
    ValidationStatus status;
    if (a.base_label == "c2pa.ingredient.v3" && ingredient.Find("validationResults") == nullptr) {
      Add(status.failure, code::kIngredientMalformed, url,
          "ingredient V3 with a manifest must have validation results");
    }
    const std::string link_url = AbsoluteUrl(m.label, link->url);
    auto resolved = ResolveUri(store_, m, link->url);
    if (!resolved || resolved->box->range != resolved->manifest->range) {
      Add(status.failure, code::kIngredientManifestMissing, link_url,
          "ingredient manifest not found in the store: " + link->url);
      Merge(url, status);
      return;
    }
    const Manifest& target = *resolved->manifest;
    const std::string alg = link->alg.value_or(target.alg.value_or(m.alg.value_or("sha256")));
    auto digest = Digest(alg, target.range);
    if (!digest) {
      Add(status.failure, code::kAlgorithmUnsupported, link_url,
          "unsupported hash algorithm " + alg + " for the ingredient manifest");
    } else if (Equal(*digest, link->hash)) {
      Add(status.success, code::kIngredientManifestValidated, link_url, "ingredient hash matched");
    } else {
      // Before C2PA 1.3 the link hashed the ingredient's claim rather than its manifest box.
      auto legacy = HashExcluding(alg, target.claim_bytes);
      if (!legacy || !Equal(*legacy, link->hash)) {
        Add(status.failure, code::kIngredientManifestMismatch, link_url,
            "ingredient hash does not match the manifest in the store");
      }
    }
    CheckClaimSignatureLink(ingredient, m, target, alg, status);
    Append(status, Verified(target));
    Merge(url, status);
    Check(target, depth + 1);
  }

  // The v3 `claimSignature` link: a mismatch is a failure. A match is not reported (c2pa-rs
  // reports ingredient.claimSignature.validated only when the manifest hash cannot be used).
  void CheckClaimSignatureLink(const cbor::Value& ingredient, const Manifest& m,
                               const Manifest& target, const std::string& alg,
                               ValidationStatus& status) {
    const cbor::Value* value = ingredient.Find("claimSignature");
    if (value == nullptr) return;
    auto link = ParseHashedUri(*value);
    const std::string link_url = link.ok() ? AbsoluteUrl(m.label, link->url) : "";
    if (!link.ok()) {
      Add(status.failure, code::kIngredientClaimSignatureMissing, SignatureUrl(target.label),
          "ingredient claimSignature reference: " + link.error().message());
      return;
    }
    auto resolved = ResolveUri(store_, m, link->url);
    if (!resolved || resolved->manifest != &target) {
      Add(status.failure, code::kIngredientClaimSignatureMissing, link_url,
          "ingredient claim signature not found: " + link->url);
      return;
    }
    auto digest = Digest(link->alg.value_or(alg), resolved->box->range);
    if (!digest || !Equal(*digest, link->hash)) {
      Add(status.failure, code::kIngredientClaimSignatureMismatch, link_url,
          "ingredient claim signature hash does not match");
    }
  }

  void Merge(const std::string& url, const ValidationStatus& status) {
    if (status.success.empty() && status.informational.empty() && status.failure.empty()) return;
    Append(DeltaFor(url), status);
  }

  const ManifestStore& store_;
  const VerifyOptions& options_;
  std::vector<IngredientDelta>& deltas_;
  std::set<const Manifest*> walked_;
  std::map<const Manifest*, ValidationStatus> verified_;
  std::map<std::pair<size_t, std::string>, std::optional<Bytes>> digests_;
};

// Drops what the ingredient assertions already recorded (see StoredIngredientStatuses); entries
// about the active manifest itself always stay.
void FilterDeltas(const ManifestStore& store, const std::string& active,
                  std::vector<IngredientDelta>& deltas) {
  const std::set<StoredStatus> stored = StoredIngredientStatuses(store);
  auto known = [&](const StatusEntry& e, Kind kind) {
    if (ManifestLabelOfUrl(e.url) == std::optional<std::string_view>(active)) return false;
    return stored.contains({e.code, e.url, kind});
  };
  for (IngredientDelta& d : deltas) {
    std::erase_if(d.status.success, [&](const StatusEntry& e) { return known(e, Kind::kSuccess); });
    std::erase_if(d.status.informational,
                  [&](const StatusEntry& e) { return known(e, Kind::kInformational); });
    std::erase_if(d.status.failure, [&](const StatusEntry& e) { return known(e, Kind::kFailure); });
  }
  std::erase_if(deltas, [](const IngredientDelta& d) {
    return d.status.success.empty() && d.status.informational.empty() && d.status.failure.empty();
  });
}

bool OnlyUntrusted(const std::vector<StatusEntry>& failures) {
  return std::all_of(failures.begin(), failures.end(), [](const StatusEntry& e) {
    return e.code == code::kSigningCredentialUntrusted;
  });
}

ValidationState StateOf(const VerifyReport& r) {
  if (!OnlyUntrusted(r.active.failure)) return ValidationState::kInvalid;
  for (const IngredientDelta& d : r.ingredient_deltas) {
    if (!OnlyUntrusted(d.status.failure)) return ValidationState::kInvalid;
  }
  return r.active.failure.empty() && r.active.HasSuccess(code::kSigningCredentialTrusted)
             ? ValidationState::kTrusted
             : ValidationState::kValid;
}

// ------------------------------------------------------------------------------------------------
// JSON.

boost::json::array EntriesJson(const std::vector<StatusEntry>& list) {
  boost::json::array out;
  for (const StatusEntry& e : list) {
    out.push_back({{"code", e.code}, {"url", e.url}, {"explanation", e.explanation}});
  }
  return out;
}

boost::json::object StatusJson(const ValidationStatus& s) {
  return {{"success", EntriesJson(s.success)},
          {"informational", EntriesJson(s.informational)},
          {"failure", EntriesJson(s.failure)}};
}

boost::json::object SignatureInfoJson(const SignatureInfo& info) {
  boost::json::object o{{"alg", info.alg},
                        {"issuer", info.issuer},
                        {"common_name", info.common_name},
                        {"cert_serial_number", info.cert_serial_number}};
  if (info.time) o["time"] = FormatTime(*info.time);
  return o;
}

// The signer of any manifest in the store, for the manifest listing (no checks: the verdict is
// in the validation results).
std::optional<SignatureInfo> DescribeSignature(const Manifest& m) {
  if (!m.signature_bytes) return std::nullopt;
  auto sign1 = cose::ParseSign1(*m.signature_bytes);
  if (!sign1.ok() || sign1->x5chain.empty()) return std::nullopt;
  SignatureInfo info;
  info.alg =
      sign1->alg ? std::string(cose::AlgorithmName(*sign1->alg)) : std::to_string(sign1->alg_value);
  auto summary = SummarizeCertificate(sign1->x5chain.front());
  if (summary.ok()) {
    info.issuer = !summary->issuer_organization.empty() ? summary->issuer_organization
                                                        : summary->issuer_common_name;
    info.common_name = summary->subject_common_name;
    info.cert_serial_number = summary->serial_hex;
  }
  return info;
}

boost::json::value AssertionData(const Assertion& a) {
  if (a.cbor) return cbor::ToJson(*a.cbor);
  if (a.json) return *a.json;
  return nullptr;
}

boost::json::object IngredientJson(const ManifestStore& store, const Manifest& m,
                                   const Assertion& a) {
  boost::json::object o;
  const cbor::Value empty = cbor::Value::MakeMap();
  const cbor::Value& v = a.cbor && a.cbor->is_map() ? *a.cbor : empty;
  auto text = [&](const char* key, const char* name) {
    if (const cbor::Value* t = v.Find(key); t != nullptr && t->is_text()) o[name] = t->text();
  };
  text("dc:title", "title");
  text("dc:format", "format");
  text("relationship", "relationship");
  text("instanceID", "instance_id");
  if (const cbor::Value* link = IngredientLink(v)) {
    if (auto uri = ParseHashedUri(*link); uri.ok()) {
      if (auto resolved = ResolveUri(store, m, uri->url)) {
        o["active_manifest"] = resolved->manifest->label;
      }
    }
  }
  if (const cbor::Value* results = v.Find("validationResults")) {
    o["validation_results"] = cbor::ToJson(*results);
  } else if (const cbor::Value* list = v.Find("validationStatus")) {
    o["validation_status"] = cbor::ToJson(*list);
  }
  o["label"] = a.label;
  return o;
}

boost::json::object ManifestJson(const ManifestStore& store, const Manifest& m,
                                 const std::optional<SignatureInfo>& verified_signature) {
  boost::json::object o;
  // The SDK lists claim_generator_info as an array for both claim versions.
  if (m.claim_generator_info.is_object()) {
    o["claim_generator_info"] = boost::json::array{m.claim_generator_info};
  } else if (!m.claim_generator_info.is_null()) {
    o["claim_generator_info"] = m.claim_generator_info;
  }
  if (m.title) o["title"] = *m.title;
  if (m.format) o["format"] = *m.format;
  o["instance_id"] = m.instance_id;
  boost::json::array assertions;
  boost::json::array ingredients;
  for (const Assertion& a : m.assertions) {
    if (IsIngredientLabel(a.base_label)) {
      ingredients.push_back(IngredientJson(store, m, a));
    } else if (!IsHardBindingLabel(a.base_label) && (a.cbor || a.json)) {
      assertions.push_back({{"label", a.label}, {"data", AssertionData(a)}});
    }
  }
  o["assertions"] = std::move(assertions);
  o["ingredients"] = std::move(ingredients);
  const std::optional<SignatureInfo> info =
      verified_signature ? verified_signature : DescribeSignature(m);
  if (info) o["signature_info"] = SignatureInfoJson(*info);
  o["label"] = m.label;
  o["claim_version"] = m.claim_version;
  return o;
}

}  // namespace

std::string_view ValidationStateName(ValidationState s) {
  switch (s) {
    case ValidationState::kInvalid:
      return "Invalid";
    case ValidationState::kValid:
      return "Valid";
    case ValidationState::kTrusted:
      return "Trusted";
  }
  return "Invalid";
}

bool ValidationStatus::HasFailure(std::string_view c) const {
  return std::any_of(failure.begin(), failure.end(),
                     [&](const StatusEntry& e) { return e.code == c; });
}

bool ValidationStatus::HasSuccess(std::string_view c) const {
  return std::any_of(success.begin(), success.end(),
                     [&](const StatusEntry& e) { return e.code == c; });
}

boost::json::object VerifyReport::ToJson() const {
  if (!has_manifest) {
    return {{"validation_state", nullptr},
            {"manifests", boost::json::object{}},
            {"error", "no C2PA manifest"}};
  }
  boost::json::object o;
  boost::json::object manifests;
  if (store) {
    for (const Manifest& m : store->manifests) {
      const bool is_active = &m == store->active();
      manifests[m.label] =
          ManifestJson(*store, m, is_active ? signature : std::optional<SignatureInfo>());
    }
  }
  if (!active_manifest.empty()) o["active_manifest"] = active_manifest;
  o["manifests"] = std::move(manifests);
  o["validation_state"] = ValidationStateName(state);
  boost::json::array deltas;
  for (const IngredientDelta& d : ingredient_deltas) {
    deltas.push_back(
        {{"ingredientAssertionURI", d.ingredient_url}, {"validationDeltas", StatusJson(d.status)}});
  }
  boost::json::object results{{"activeManifest", StatusJson(active)}};
  if (!deltas.empty()) results["ingredientDeltas"] = std::move(deltas);
  o["validation_results"] = std::move(results);
  o["format"] = FormatName(format);
  return o;
}

ValidationStatus VerifyManifestOnly(const ManifestStore& store, const Manifest& manifest,
                                    const VerifyOptions& options) {
  return ManifestVerifier(store, manifest, options).Run(nullptr);
}

Result<VerifyReport> VerifyAsset(std::span<const uint8_t> asset, const VerifyOptions& options) {
  VerifyReport report;
  report.format = DetectFormat(asset);
  ASSIGN_OR_RETURN(std::optional<FoundStore> found, ReadManifestStore(asset));
  if (!found) return report;
  report.has_manifest = true;
  const std::vector<ByteRange> blocks = found->blocks;
  auto parsed = ParseManifestStore(std::move(found->jumbf));
  if (!parsed.ok()) {
    Add(report.active.failure, code::kManifestMalformed, "self#jumbf=/c2pa",
        "the manifest store cannot be read: " + parsed.error().message());
    report.state = ValidationState::kInvalid;
    return report;
  }
  report.store = std::move(parsed).value();
  const ManifestStore& store = *report.store;
  const Manifest* active = store.active();
  if (active == nullptr) {
    Add(report.active.failure, code::kClaimMissing, "self#jumbf=/c2pa",
        "the manifest store holds no manifest");
    report.state = ValidationState::kInvalid;
    return report;
  }
  report.active_manifest = active->label;

  // An update manifest carries no hard binding: the asset is bound by the last standard
  // manifest before it.
  const Manifest* bound = active;
  if (active->is_update) {
    bound = nullptr;
    for (const Manifest& m : store.manifests) {
      if (&m != active && !m.is_update) bound = &m;
    }
  }
  const AssetBinding binding{asset, blocks};
  ManifestVerifier verifier(store, *active, options);
  report.active = verifier.Run(bound == active ? &binding : nullptr);
  report.signature = verifier.signature_info();
  if (bound != nullptr && bound != active) {
    ValidationStatus bound_status = ManifestVerifier(store, *bound, options).Run(&binding);
    for (const StatusEntry& e : bound_status.success) {
      if (e.code == code::kDataHashMatch || e.code == code::kBmffHashMatch) {
        report.active.success.push_back(e);
      }
    }
    for (const StatusEntry& e : bound_status.failure) {
      if (e.code.starts_with("assertion.dataHash") || e.code.starts_with("assertion.bmffHash") ||
          e.code == code::kHardBindingsMissing || e.code == code::kMultipleHardBindings) {
        report.active.failure.push_back(e);
      }
    }
  } else if (bound == nullptr) {
    Add(report.active.failure, code::kHardBindingsMissing, ClaimUrl(*active),
        "an update manifest with no standard manifest to bind the asset");
  }

  IngredientChecker(store, options, report.ingredient_deltas).Check(*active, 0);
  FilterDeltas(store, active->label, report.ingredient_deltas);
  report.state = StateOf(report);
  return report;
}

}  // namespace custody::provenance
