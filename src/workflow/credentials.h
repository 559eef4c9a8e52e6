// Content Credentials (C2PA) in the workflow: verifying every file that enters the studio, and
// building the manifest an export is signed with from the asset's real lineage.
//
// The manifest of an asset follows how it came to be (docs/provenance.md):
//   generation  c2pa.created (trainedAlgorithmicMedia, the engine as softwareAgent), the prompt
//               and every reference as inputTo ingredients;
//   edit        c2pa.opened on the source (parentOf), then c2pa.edited (compositeWith-
//               TrainedAlgorithmicMedia when the engine is generative), further inputs placed
//               (c2pa.placed / componentOf);
//   upload      c2pa.opened on the original file (parentOf, so a manifest it carried is kept),
//               then c2pa.edited.metadata for the export's scrub.
// Parents that are themselves Custody job outputs are signed with their own manifest first, so
// the whole lineage travels as nested ingredient manifests (Workflow::SignWithLineage).
//
// Pure functions, thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/json.h"
#include "model/model.h"
#include "provenance/c2pa/builder.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/cose.h"
#include "provenance/c2pa/validate.h"

namespace custody::workflow {

// How exports are signed and files verified. Part of WorkflowOptions.
struct CredentialsOptions {
  // The studio's signing identity (provenance::SigningCredential). Exports are refused without
  // one (fail closed: an export always carries Content Credentials).
  std::shared_ptr<const provenance::cose::Signer> signer;
  // Anchors for verification: the studio's own roots plus the configured c2pa.trust_bundle.
  provenance::TrustSettings trust;
  // An RFC 3161 time-stamp authority (c2pa.tsa_url); empty: manifests are not time-stamped.
  provenance::cose::TimestampTransport timestamp;
  // Edit engines whose output is generative (c2pa.edited then carries
  // compositeWithTrainedAlgorithmicMedia). The built-in vips-edit is not.
  std::set<std::string, std::less<>> generative_edit_engines;
  // Files larger than this are recorded without verification (state "none", failure
  // "custody.verification.skipped"): the verifier needs the whole file in memory.
  uint64_t max_verify_bytes = uint64_t(256) << 20;
  std::string claim_generator_version = "0.1.0";
  // Nested parents deeper than this are used as they are (not signed again).
  int max_nesting = 16;
};

// The failure code recorded for a file that was not verified because it is too large.
inline constexpr std::string_view kVerificationSkipped = "custody.verification.skipped";
// The failure code recorded when the file's container could not be read at all.
inline constexpr std::string_view kUnreadable = "custody.unreadable";
// The action recorded for an export's metadata scrub. C2PA 2.2 lists "c2pa.edited.metadata".
inline constexpr std::string_view kScrubAction = "c2pa.edited.metadata";

// The verification of one file, summarised for the asset record (report included as JSON).
// Files of a format the verifier does not read, and files without a manifest, are "none".
struct VerifiedFile {
  ContentCredentials credentials;
  std::optional<provenance::VerifyReport> report;  // unset: unknown format or not verified
};
VerifiedFile VerifyFile(std::span<const uint8_t> bytes, const provenance::TrustSettings& trust,
                        TimePoint now, uint64_t max_bytes);
// The record for a file of `size` bytes that was not verified because it exceeds `max_bytes`.
VerifiedFile SkippedVerification(uint64_t size, uint64_t max_bytes, TimePoint now);

// {state, active_manifest, failures} as the API shows it on assets.
json::object CredentialsJson(const ContentCredentials& c);

// One input of the job that produced an asset, ready for the manifest.
struct ManifestInput {
  JobInput input;     // asset id and role ("prompt", "source", "reference:…")
  AssetRecord asset;  // the input asset as stored
  // The ingredient's file: the input's bytes, or for a Custody job output its bytes signed with
  // its own manifest. Unset for prompts and for files in a format C2PA does not cover.
  std::optional<Bytes> file;
  // For the prompt: its text, only when policy allowed disclosing it.
  std::optional<std::string> disclosed_text;
};

// Everything the manifest of one asset is built from.
struct ManifestFacts {
  AssetRecord asset;        // the asset the manifest describes
  std::string instance_id;  // the claim's instanceID ("urn:custody:asset:<id>")
  std::string title;        // the claim's dc:title (the delivered file name, or the asset title)
  std::optional<JobRecord> job;       // the job that produced the asset (generation, edit)
  std::vector<ManifestInput> inputs;  // the job's inputs, in the job's order
  // Uploads (and anything not produced by a job): the asset's own stored bytes, the parentOf
  // ingredient of c2pa.opened.
  std::optional<Bytes> original;
  bool generative_edit = false;       // the edit engine is generative
  std::optional<std::string> author;  // the author's name, when policy allowed disclosing it
  TimePoint now;                      // `when` of the scrub action
  std::string claim_generator_version;
};

// The manifest for `facts` (see the file comment). kInvalidArgument if the facts cannot describe
// a manifest (an edit without a source input).
Result<provenance::ManifestSpec> BuildManifestSpec(const ManifestFacts& facts);

// "urn:custody:asset:<id>" and "urn:custody:sha256:<hex>".
std::string AssetInstanceId(const AssetId& id);
std::string HashInstanceId(std::string_view sha256_hex);

}  // namespace custody::workflow
