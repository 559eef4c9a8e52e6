// Writing Content Credentials: a manifest (claim v2, actions, ingredients, the hard binding,
// optional extra assertions) built from a ManifestSpec, signed with COSE_Sign1 and embedded into
// the asset in one pass (notes §3.7): reserve a fixed-size store → embed the placeholder → hash
// the file minus the exclusion (or the BMFF boxes) → build the assertions and the claim → sign →
// write the store into the reserved bytes. Pixels and samples are never re-encoded.
//
// Ingredients that carry their own manifest store keep it: their manifests are copied into our
// store verbatim, before ours, and the ingredient assertion points at them (activeManifest,
// claimSignature) with the validationResults our verifier gives for that file.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/result.h"
#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/certificates.h"
#include "provenance/c2pa/cose.h"

namespace custody::provenance {

inline constexpr std::string_view kSourceTrainedAlgorithmicMedia =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
inline constexpr std::string_view kSourceCompositeWithTrainedAlgorithmicMedia =
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia";
inline constexpr std::string_view kSourceDigitalCapture =
    "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture";
inline constexpr std::string_view kSourceEmpty = "http://c2pa.org/digitalsourcetype/empty";

// A generator-info map: claim_generator_info, or an action's softwareAgent.
struct SoftwareAgent {
  std::string name;
  std::string version;        // optional ("" = absent)
  boost::json::object extra;  // further keys, e.g. {"org.custody.model": "…"}; text/number values
};

enum class Relationship { kParentOf, kComponentOf, kInputTo };
std::string_view RelationshipName(Relationship r);  // "parentOf", "componentOf", "inputTo"

struct IngredientSpec {
  Relationship relationship = Relationship::kComponentOf;
  std::string title;        // dc:title
  std::string format;       // dc:format, a media type ("text/plain" for a prompt)
  std::string instance_id;  // instanceID, e.g. "xmp:iid:…" or "urn:custody:asset:<id>"
  std::optional<std::string> description;  // e.g. the prompt text, when policy allows it
  // The ingredient's bytes, if it is a file: when they carry a manifest store it is kept (see the
  // file comment). Not needed for prompts.
  std::optional<Bytes> file;
};

struct ActionSpec {
  std::string action;  // "c2pa.created", "c2pa.opened", "c2pa.placed", "c2pa.edited", ...
  std::optional<std::string> digital_source_type;
  std::optional<SoftwareAgent> software_agent;
  std::optional<TimePoint> when;
  std::optional<std::string> description;
  std::vector<size_t>
      ingredients;  // indexes into ManifestSpec::ingredients (parameters.ingredients)
  boost::json::object parameters;  // further parameters (text/number/bool values)
};

// An extra assertion, listed in gathered_assertions: CBOR (e.g. "org.custody.lineage") or JSON
// (e.g. "stds.schema-org.CreativeWork" for authorship).
struct ExtraAssertion {
  std::string label;
  std::optional<cbor::Value> cbor;
  std::optional<boost::json::value> json;
};

struct ManifestSpec {
  std::optional<std::string> title;  // dc:title
  std::string instance_id;           // "xmp:iid:<uuid>" if empty
  SoftwareAgent claim_generator{"Custody", "", {}};
  std::vector<ActionSpec> actions;  // the first must be c2pa.created or c2pa.opened
  std::vector<IngredientSpec> ingredients;
  std::vector<ExtraAssertion> extra_assertions;
};

// Deliberate defects, for tests that check our verifier and the SDK fail the same way (the notes'
// failure table). Never set outside tests.
struct BuildDefects {
  bool omit_actions = false;          // no c2pa.actions.v2
  bool omit_hard_binding = false;     // no hash.data / hash.bmff.v3
  bool undeclared_assertion = false;  // an assertion in the store that the claim omits
  bool omit_pad = false;              // hash.data without `pad`
  bool omit_claim_generator_info = false;
  bool omit_claim_alg = false;
  bool riff_pad_in_exclusion = false;  // WAV: exclude the odd-size pad byte too
  bool damage_signature = false;       // flip a byte of the COSE signature after signing
  bool change_asset_byte = false;      // flip a byte of the media data after signing
  bool tamper_assertion = false;       // change an assertion after the claim hashed it
};

struct BuildOptions {
  Random* random = nullptr;  // manifest UUID, instance ids, salts (required)
  TimePoint now;             // `when` default is not written; used for ingredients' validation
  const TrustSettings* trust = nullptr;  // to validate ingredients that carry manifests
  const cose::TimestampTransport* timestamp = nullptr;  // optional TSA
  std::string claim_generator_id = "custody";           // the label's optional generator part
  bool salt_assertions = true;                          // 16-byte c2sh salt per assertion
  const BuildDefects* defects = nullptr;                // tests only
};

struct SignedAsset {
  Bytes bytes;                 // the asset with the embedded manifest store
  std::string manifest_label;  // "urn:c2pa:<uuid>:custody"
  size_t store_size = 0;       // JUMBF bytes embedded
  std::string media_type;      // of the output (from the container)
};

// Signs `asset` (JPEG, PNG, WAV, WebP, MP4/MOV) with a new active manifest built from `spec`. Any
// manifest store already in `asset` is replaced (if the asset's own history matters, pass the
// original as a parentOf ingredient). kInvalidArgument for an unusable spec (no actions, an action
// naming a missing ingredient, an ingredient file in an unknown format...), kUnsupportedMedia for
// an asset format we cannot embed into.
Result<SignedAsset> SignAsset(std::span<const uint8_t> asset, const ManifestSpec& spec,
                              const cose::Signer& signer, const BuildOptions& options);

}  // namespace custody::provenance
