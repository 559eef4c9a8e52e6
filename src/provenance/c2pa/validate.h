// Verifying Content Credentials in any file (ours or third parties'): the validation state
// (Invalid / Valid / Trusted, C2PA 2.2 §14.3) and the spec's status codes, in the shape the
// official SDK reports them (validation_results.activeManifest.{success,informational,failure}
// and ingredientDeltas), so the two can be compared directly.
//
// What is checked, for the active manifest: the claim (required fields, no unknown v2 keys, alg),
// every assertion referenced by a hashed URI (assertion.hashedURI.match/mismatch,
// assertion.missing) and every assertion present being referenced (assertion.undeclared), exactly
// one hard binding (claim.hardBindings.missing, assertion.multipleHardBindings) and its hash over
// the file (assertion.dataHash.match/mismatch, assertion.bmffHash.match/mismatch), the actions
// rules (assertion.action.malformed, assertion.action.ingredientMismatch), the COSE signature
// (claimSignature.validated/mismatch/missing, algorithm.unsupported), the signing certificate's
// profile and validity (signingCredential.invalid/expired, claimSignature.insideValidity), trust
// (signingCredential.trusted/untrusted), the timestamp if any (timeStamp.validated/mismatch,
// timeStamp.trusted/untrusted). For ingredients carrying manifests: that the manifest is in the
// store with matching hashes (ingredient.manifest.validated/mismatch,
// ingredient.claimSignature.validated/mismatch) and its own claim signature, reported as
// ingredient deltas. Ingredients without C2PA give informational ingredient.unknownProvenance.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/manifest.h"

namespace custody::provenance {

enum class ValidationState { kInvalid, kValid, kTrusted };
std::string_view ValidationStateName(ValidationState s);  // "Invalid", "Valid", "Trusted"

struct StatusEntry {
  std::string code;         // e.g. "assertion.dataHash.match"
  std::string url;          // the JUMBF URI it is about, e.g.
                            // "self#jumbf=/c2pa/urn:c2pa:…/c2pa.assertions/c2pa.hash.data"
  std::string explanation;  // human-readable
};

struct ValidationStatus {
  std::vector<StatusEntry> success;
  std::vector<StatusEntry> informational;
  std::vector<StatusEntry> failure;
  bool HasFailure(std::string_view code) const;
  bool HasSuccess(std::string_view code) const;
};

struct IngredientDelta {
  std::string ingredient_url;  // "self#jumbf=/c2pa/<active>/c2pa.assertions/c2pa.ingredient.v3"
  ValidationStatus status;
};

struct SignatureInfo {
  std::string alg;                 // "ES256", "Ed25519", ...
  std::string issuer;              // the leaf's issuer O (or CN)
  std::string common_name;         // the leaf's subject CN
  std::string cert_serial_number;  // hex
  std::optional<TimePoint> time;   // the timestamp's genTime, if any
};

struct VerifyReport {
  AssetFormat format = AssetFormat::kUnknown;
  bool has_manifest = false;  // false: the file carries no C2PA (not an error)
  std::optional<ManifestStore> store;
  std::string active_manifest;  // label
  ValidationState state = ValidationState::kInvalid;
  ValidationStatus active;  // activeManifest
  std::vector<IngredientDelta> ingredient_deltas;
  std::optional<SignatureInfo> signature;

  // The manifest store as JSON in the SDK's shape: {"active_manifest", "manifests": {label:
  // {"claim_generator_info", "title", "instance_id", "format", "assertions": [{"label", "data"}],
  // "ingredients": [...], "signature_info": {...}}}, "validation_state", "validation_results":
  // {"activeManifest": {...}, "ingredientDeltas": [...]}}. Without a manifest:
  // {"validation_state": null, "manifests": {}, "error": "no C2PA manifest"}.
  boost::json::object ToJson() const;
};

struct VerifyOptions {
  const TrustSettings* trust = nullptr;  // nullptr: nothing is trusted (state at best Valid)
  TimePoint now;                         // for certificate validity when there is no timestamp
};

// Reads and verifies the manifest store embedded in `asset`. kUnsupportedMedia if the format is
// not one we read; a file without C2PA gives has_manifest == false. Any defect in the store or
// the container's C2PA parts is reported as a failure status (state Invalid), not an Error; an
// Error means the file itself could not be read (e.g. a truncated PNG chunk list).
Result<VerifyReport> VerifyAsset(std::span<const uint8_t> asset, const VerifyOptions& options);

// Verifies the validity of a manifest store on its own for an ingredient (no hard-binding check:
// the asset bytes are not at hand): what goes into an ingredient's `validationResults`.
ValidationStatus VerifyManifestOnly(const ManifestStore& store, const Manifest& manifest,
                                    const VerifyOptions& options);

}  // namespace custody::provenance
