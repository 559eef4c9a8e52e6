// A C2PA manifest store read into manifests, claims and assertions (notes §2.2–2.5), keeping the
// exact bytes every hash and signature covers. Reading only: nothing here judges validity
// (validate.h does). Input is untrusted: structural problems give kInvalidArgument with a message
// naming the box; the verifier reports them as status codes.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "provenance/c2pa/cbor.h"
#include "provenance/c2pa/jumbf.h"

namespace custody::provenance {

// {url, alg?, hash} (notes §2.5).
struct HashedUri {
  std::string url;
  std::optional<std::string> alg;
  Bytes hash;
};
// kInvalidArgument unless `v` is a map with a text `url`, a bytes `hash` and an optional text alg.
Result<HashedUri> ParseHashedUri(const cbor::Value& v);
cbor::Value ToCbor(const HashedUri& uri);

struct Assertion {
  std::string label;                // as stored, e.g. "c2pa.ingredient.v3__1"
  std::string base_label;           // without a "__<n>" instance suffix: "c2pa.ingredient.v3"
  BoxRange range;                   // the assertion's superbox within ManifestStore::jumbf
  FourCC content_type{};            // type of the first content box: cbor, json, uuid, ...
  std::optional<cbor::Value> cbor;  // decoded when content_type is cbor and it decodes
  std::optional<boost::json::value> json;   // parsed when content_type is json and it parses
  std::optional<std::string> decode_error;  // why cbor/json could not be read
};

struct Manifest {
  std::string label;       // "urn:c2pa:…" (or v1 "urn:uuid:…", "contentauth:urn:uuid:…")
  BoxRange range;          // the manifest superbox within ManifestStore::jumbf
  bool is_update = false;  // c2um
  int claim_version = 0;   // 1: c2pa.claim, 2: c2pa.claim.v2; 0: no claim box
  Bytes claim_bytes;       // the claim box's CBOR exactly as stored (what is signed)
  std::optional<cbor::Value> claim;
  std::vector<Assertion> assertions;     // the assertion store's superboxes in order
  std::optional<Bytes> signature_bytes;  // the c2cs box's cbor content (COSE_Sign1)

  // From the claim, when it decodes (empty otherwise).
  std::string instance_id;
  std::optional<std::string> title;
  std::optional<std::string> format;           // v1 dc:format
  std::optional<std::string> signature_url;    // claim "signature"
  std::optional<std::string> alg;              // claim-level default hash algorithm
  boost::json::value claim_generator_info;     // v2: the map; v1: an array, or the v1 string
  std::vector<HashedUri> created_assertions;   // v2 (v1: all of `assertions` goes here)
  std::vector<HashedUri> gathered_assertions;  // v2
  std::vector<std::string> redacted_assertions;

  const Assertion* FindAssertion(std::string_view label) const;
};

struct ManifestStore {
  Bytes jumbf;                      // the whole store as found
  Box root;                         // ParseJumbf(jumbf)
  std::vector<Manifest> manifests;  // store order; the active manifest is the last one

  const Manifest* active() const { return manifests.empty() ? nullptr : &manifests.back(); }
  const Manifest* Find(std::string_view label) const;
  // The bytes a hashed URI to this superbox covers (its payload, notes §2.5).
  std::span<const uint8_t> SuperboxPayload(const BoxRange& range) const;
};

// Parses a store (root `c2pa` superbox of `c2ma`/`c2um` manifests). kInvalidArgument if the JUMBF
// is malformed or the root is not a C2PA store. Individual manifests with a missing or
// undecodable claim are still listed (claim unset) so the verifier can report claim.missing /
// claim.malformed for them.
Result<ManifestStore> ParseManifestStore(Bytes jumbf);

// What a "self#jumbf=" URL points at, resolved against `manifest` (relative URLs) or the store
// (absolute "/c2pa/<label>/…" URLs). nullopt if it names no superbox.
struct ResolvedUri {
  const Manifest* manifest = nullptr;  // the manifest the URL lands in
  const Box* box = nullptr;            // the superbox (a box of store.root)
};
std::optional<ResolvedUri> ResolveUri(const ManifestStore& store, const Manifest& manifest,
                                      std::string_view url);

// "c2pa.ingredient.v3__2" → "c2pa.ingredient.v3"; labels without a numeric suffix unchanged.
std::string_view BaseLabel(std::string_view label);

}  // namespace custody::provenance
