#include "provenance/c2pa/manifest.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace custody::provenance {

namespace {

constexpr std::string_view kSelfJumbf = "self#jumbf=";

bool HasType(const Box& box, const char (&fourcc)[5]) {
  return box.is_superbox() && box.desc && box.desc->type_uuid == C2paTypeUuid(fourcc);
}

const cbor::Value* FindText(const cbor::Value& map, std::string_view key) {
  const cbor::Value* v = map.Find(key);
  return v != nullptr && v->is_text() ? v : nullptr;
}

std::optional<std::string> OptionalText(const cbor::Value& map, std::string_view key) {
  const cbor::Value* v = FindText(map, key);
  if (v == nullptr) return std::nullopt;
  return v->text();
}

// Hashed URIs of a claim list; entries that are not hashed URIs are skipped here (the verifier
// re-reads the claim strictly and reports them).
std::vector<HashedUri> HashedUriList(const cbor::Value& claim, std::string_view key) {
  std::vector<HashedUri> out;
  const cbor::Value* list = claim.Find(key);
  if (list == nullptr || !list->is_array()) return out;
  for (const cbor::Value& item : list->array()) {
    auto uri = ParseHashedUri(item);
    if (uri.ok()) out.push_back(std::move(uri).value());
  }
  return out;
}

void ReadClaimFields(Manifest& m) {
  const cbor::Value& claim = *m.claim;
  if (!claim.is_map()) return;
  if (auto v = OptionalText(claim, "instanceID")) m.instance_id = std::move(*v);
  m.title = OptionalText(claim, "dc:title");
  m.format = OptionalText(claim, "dc:format");
  m.signature_url = OptionalText(claim, "signature");
  m.alg = OptionalText(claim, "alg");
  if (const cbor::Value* info = claim.Find("claim_generator_info")) {
    m.claim_generator_info = cbor::ToJson(*info);
  } else if (const cbor::Value* gen = FindText(claim, "claim_generator")) {
    m.claim_generator_info = boost::json::string(gen->text());
  }
  if (m.claim_version == 1) {
    m.created_assertions = HashedUriList(claim, "assertions");
  } else {
    m.created_assertions = HashedUriList(claim, "created_assertions");
    m.gathered_assertions = HashedUriList(claim, "gathered_assertions");
  }
  if (const cbor::Value* redacted = claim.Find("redacted_assertions");
      redacted != nullptr && redacted->is_array()) {
    for (const cbor::Value& item : redacted->array()) {
      if (item.is_text()) m.redacted_assertions.push_back(item.text());
    }
  }
}

Assertion ReadAssertion(const Box& box) {
  Assertion a;
  a.label = std::string(box.label());
  a.base_label = std::string(BaseLabel(a.label));
  a.range = box.range;
  const Box* content = nullptr;
  for (const Box& child : box.children) {
    if (!child.is_superbox()) {
      content = &child;
      break;
    }
  }
  if (content == nullptr) {
    a.decode_error = "assertion " + a.label + " has no content box";
    return a;
  }
  a.content_type = content->type;
  if (content->type == kCborBoxType) {
    auto decoded = cbor::Decode(content->payload);
    if (decoded.ok()) {
      a.cbor = std::move(decoded).value();
    } else {
      a.decode_error = decoded.error().message();
    }
  } else if (content->type == kJsonBoxType) {
    boost::system::error_code ec;
    boost::json::value parsed = boost::json::parse(AsChars(content->payload), ec);
    if (ec) {
      a.decode_error = "JSON: " + ec.message();
    } else {
      a.json = std::move(parsed);
    }
  }
  return a;
}

Manifest ReadManifest(const Box& box) {
  Manifest m;
  m.label = std::string(box.label());
  m.range = box.range;
  m.is_update = HasType(box, "c2um");
  for (const Box& child : box.children) {
    // The boxes are found by type and label: the labels are not covered by any hash, so a
    // box whose label was altered is not the box the claim and its signature speak of.
    if (HasType(child, "c2as") && child.label() == "c2pa.assertions" && m.assertions.empty()) {
      for (const Box& a : child.children) {
        if (a.is_superbox()) m.assertions.push_back(ReadAssertion(a));
      }
    } else if (HasType(child, "c2cl") && m.claim_version == 0 &&
               (child.label() == "c2pa.claim.v2" || child.label() == "c2pa.claim")) {
      m.claim_version = child.label() == "c2pa.claim" ? 1 : 2;
      if (const Box* content = FindContent(child, kCborBoxType)) {
        m.claim_bytes = content->payload;
        auto decoded = cbor::Decode(m.claim_bytes);
        if (decoded.ok()) m.claim = std::move(decoded).value();
      }
    } else if (HasType(child, "c2cs") && child.label() == "c2pa.signature" && !m.signature_bytes) {
      if (const Box* content = FindContent(child, kCborBoxType)) {
        m.signature_bytes = content->payload;
      }
    }
  }
  if (m.claim) ReadClaimFields(m);
  return m;
}

// The superbox of `manifest` in the store's tree (manifests are direct children of the root).
const Box* ManifestBox(const ManifestStore& store, const Manifest& manifest) {
  for (const Box& child : store.root.children) {
    if (child.is_superbox() && child.range == manifest.range) return &child;
  }
  return nullptr;
}

}  // namespace

Result<HashedUri> ParseHashedUri(const cbor::Value& v) {
  if (!v.is_map()) return InvalidArgument("hashed URI is not a map");
  const cbor::Value* url = v.Find("url");
  if (url == nullptr || !url->is_text()) return InvalidArgument("hashed URI without a text url");
  const cbor::Value* hash = v.Find("hash");
  if (hash == nullptr || !hash->is_bytes()) {
    return InvalidArgument("hashed URI " + url->text() + " without a byte-string hash");
  }
  HashedUri uri;
  uri.url = url->text();
  uri.hash = hash->bytes();
  if (const cbor::Value* alg = v.Find("alg")) {
    if (!alg->is_text()) return InvalidArgument("hashed URI " + uri.url + " has a non-text alg");
    uri.alg = alg->text();
  }
  return uri;
}

cbor::Value ToCbor(const HashedUri& uri) {
  cbor::Value v = cbor::Value::MakeMap();
  v.Set("url", cbor::Value::Text(uri.url));
  if (uri.alg) v.Set("alg", cbor::Value::Text(*uri.alg));
  v.Set("hash", cbor::Value::Bytes(uri.hash));
  return v;
}

const Assertion* Manifest::FindAssertion(std::string_view label) const {
  for (const Assertion& a : assertions) {
    if (a.label == label) return &a;
  }
  return nullptr;
}

const Manifest* ManifestStore::Find(std::string_view label) const {
  for (const Manifest& m : manifests) {
    if (m.label == label) return &m;
  }
  return nullptr;
}

std::span<const uint8_t> ManifestStore::SuperboxPayload(const BoxRange& range) const {
  if (range.header_size > range.length || range.offset > jumbf.size() ||
      range.length > jumbf.size() - range.offset) {
    return {};
  }
  return std::span<const uint8_t>(jumbf).subspan(range.payload_offset(), range.payload_length());
}

Result<ManifestStore> ParseManifestStore(Bytes jumbf) {
  ManifestStore store;
  store.jumbf = std::move(jumbf);
  ASSIGN_OR_RETURN(store.root, ParseJumbf(store.jumbf));
  if (!HasType(store.root, "c2pa")) {
    return InvalidArgument("JUMBF root is not a C2PA manifest store (type c2pa)");
  }
  if (store.root.label() != "c2pa") {
    return InvalidArgument("C2PA manifest store label is '" + std::string(store.root.label()) +
                           "', not 'c2pa'");
  }
  for (const Box& child : store.root.children) {
    if (HasType(child, "c2ma") || HasType(child, "c2um")) {
      store.manifests.push_back(ReadManifest(child));
    }
  }
  return store;
}

std::optional<ResolvedUri> ResolveUri(const ManifestStore& store, const Manifest& manifest,
                                      std::string_view url) {
  if (!url.starts_with(kSelfJumbf)) return std::nullopt;
  std::string_view path = url.substr(kSelfJumbf.size());
  // A query (such as a hash locator "?hl=") follows the path; labels cannot contain '?'.
  if (const size_t q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  if (path.empty()) return std::nullopt;

  // Some writers leave out the leading '/' of the absolute form ("self#jumbf=c2pa/<label>/…",
  // e.g. dashinit.mp4); c2pa-rs accepts it, and no manifest has a child labelled "c2pa".
  const bool absolute =
      path.starts_with('/') || (path.starts_with(store.root.label()) &&
                                path.substr(store.root.label().size()).starts_with('/'));
  const Manifest* target = &manifest;
  if (absolute) {
    // "/c2pa/<manifest label>[/<path inside the manifest>]". Manifest labels may contain ':'
    // but never '/', so the second component is the whole label.
    if (path.starts_with('/')) path.remove_prefix(1);
    size_t slash = path.find('/');
    if (path.substr(0, slash) != store.root.label() || slash == std::string_view::npos) {
      return std::nullopt;
    }
    path.remove_prefix(slash + 1);
    slash = path.find('/');
    target = store.Find(path.substr(0, slash));
    if (target == nullptr) return std::nullopt;
    const Box* box = ManifestBox(store, *target);
    if (box == nullptr) return std::nullopt;
    if (slash == std::string_view::npos) return ResolvedUri{target, box};
    path.remove_prefix(slash + 1);
  }
  const Box* manifest_box = ManifestBox(store, *target);
  if (manifest_box == nullptr) return std::nullopt;
  const Box* box = FindByLabel(*manifest_box, path);
  if (box == nullptr || !box->is_superbox()) return std::nullopt;
  return ResolvedUri{target, box};
}

std::string_view BaseLabel(std::string_view label) {
  const size_t pos = label.rfind("__");
  if (pos == std::string_view::npos || pos + 2 == label.size()) return label;
  const std::string_view suffix = label.substr(pos + 2);
  const bool digits = std::all_of(suffix.begin(), suffix.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c));
  });
  return digits ? label.substr(0, pos) : label;
}

}  // namespace custody::provenance
