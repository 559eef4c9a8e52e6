// SignAsset: builds the manifest described by a ManifestSpec, signs it and embeds it in one pass
// over the asset (design/notes/c2pa.md §2.2–2.8 and the minimal recipe of §3).
//
// Sizing. The data-hash exclusion covers the store, so the store's size must be fixed before
// anything is hashed. Every part of the store has a size known in advance (hashes are always 32
// bytes, the COSE_Sign1 fills a reserved size) except the hash.data assertion, whose exclusion
// integers grow with their values. We size a placeholder with the widest integers the file can
// need, let the container reserve that many bytes, and then fill the difference with the
// assertion's `pad` byte string. The asset is therefore copied once (by PrepareEmbedding) and
// hashed once, whatever its size.
#include "provenance/c2pa/builder.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <set>
#include <string_view>
#include <utility>

#include "crypto/sha256.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/c2pa/manifest.h"
#include "provenance/c2pa/validate.h"

namespace custody::provenance {

std::string_view RelationshipName(Relationship r) {
  switch (r) {
    case Relationship::kParentOf:
      return "parentOf";
    case Relationship::kComponentOf:
      return "componentOf";
    case Relationship::kInputTo:
      return "inputTo";
  }
  return "componentOf";
}

namespace {

constexpr std::string_view kActionsLabel = "c2pa.actions.v2";
constexpr std::string_view kDataHashLabel = "c2pa.hash.data";
constexpr std::string_view kBmffHashLabel = "c2pa.hash.bmff.v3";
constexpr std::string_view kIngredientLabel = "c2pa.ingredient.v3";
constexpr std::string_view kUndeclaredLabel = "org.custody.undeclared";
constexpr std::string_view kHardBindingName = "jumbf manifest";
constexpr size_t kSaltSize = 16;
constexpr int kMaxJsonDepth = 32;
// Attempts at sizing the store. The first one fits unless the container splits the store into
// an unexpected number of exclusions (or the omit_pad defect removes the filler).
constexpr int kMaxSizingAttempts = 6;

// A random (version 4) UUID in its 8-4-4-4-12 lowercase form.
std::string UuidV4(Random& random) {
  std::array<uint8_t, 16> b{};
  random.Fill(b);
  b[6] = static_cast<uint8_t>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<uint8_t>((b[8] & 0x3F) | 0x80);
  const std::string hex = HexEncode(b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Result<cbor::Value> JsonToCbor(const boost::json::value& v, int depth = 0) {
  if (depth > kMaxJsonDepth) return InvalidArgument("JSON value nested too deeply");
  switch (v.kind()) {
    case boost::json::kind::null:
      return cbor::Value::Null();
    case boost::json::kind::bool_:
      return cbor::Value::Bool(v.get_bool());
    case boost::json::kind::int64:
      return cbor::Value::Int(v.get_int64());
    case boost::json::kind::uint64:
      return cbor::Value::Uint(v.get_uint64());
    case boost::json::kind::double_:
      return cbor::Value::Float(v.get_double());
    case boost::json::kind::string:
      return cbor::Value::Text(std::string(v.get_string()));
    case boost::json::kind::array: {
      cbor::Value out = cbor::Value::MakeArray();
      for (const auto& item : v.get_array()) {
        ASSIGN_OR_RETURN(cbor::Value c, JsonToCbor(item, depth + 1));
        out.Append(std::move(c));
      }
      return out;
    }
    case boost::json::kind::object: {
      cbor::Value out = cbor::Value::MakeMap();
      for (const auto& [key, item] : v.get_object()) {
        ASSIGN_OR_RETURN(cbor::Value c, JsonToCbor(item, depth + 1));
        out.map().emplace_back(cbor::Value::Text(std::string(key)), std::move(c));
      }
      return out;
    }
  }
  return InvalidArgument("unsupported JSON value");
}

// Adds the members of `extra` to map `out`; a key already present is an error (it would shadow a
// field the spec defines).
Status AppendExtra(cbor::Value& out, const boost::json::object& extra, std::string_view what) {
  for (const auto& [key, item] : extra) {
    if (out.Find(std::string_view(key)) != nullptr) {
      return InvalidArgument(std::string(what) + ": key \"" + std::string(key) + "\" is set twice");
    }
    ASSIGN_OR_RETURN(cbor::Value c, JsonToCbor(item));
    out.map().emplace_back(cbor::Value::Text(std::string(key)), std::move(c));
  }
  return OkStatus();
}

Result<cbor::Value> AgentToCbor(const SoftwareAgent& agent, std::string_view what) {
  if (agent.name.empty()) return InvalidArgument(std::string(what) + ": name is empty");
  cbor::Value out = cbor::Value::MakeMap();
  out.Set("name", cbor::Value::Text(agent.name));
  if (!agent.version.empty()) out.Set("version", cbor::Value::Text(agent.version));
  RETURN_IF_ERROR(AppendExtra(out, agent.extra, what));
  return out;
}

// JUMBF labels must not contain the URI delimiters or control characters (notes §2.1).
bool IsValidLabel(std::string_view label) {
  if (label.empty()) return false;
  for (const char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '/' || c == ';' || c == '?' || c == '#') return false;
  }
  return true;
}

bool IsValidGeneratorId(std::string_view id) {
  if (id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// The payload of a serialized superbox we wrote (always with a 32-bit LBox): what hashed URIs
// hash.
std::span<const uint8_t> Payload(const Bytes& box) { return std::span(box).subspan(8); }

cbor::Value HashedUriCbor(std::string url, std::span<const uint8_t> payload, bool with_alg) {
  const crypto::Sha256Hash hash = crypto::Sha256Digest(payload);
  cbor::Value out = cbor::Value::MakeMap();
  out.Set("url", cbor::Value::Text(std::move(url)));
  if (with_alg) out.Set("alg", cbor::Value::Text("sha256"));
  out.Set("hash", cbor::Value::Bytes(std::span<const uint8_t>(hash)));
  return out;
}

// One assertion superbox, serialized.
struct AssertionBox {
  std::string label;
  Bytes box;
  bool created = true;   // created_assertions (else gathered_assertions)
  bool declared = true;  // listed in the claim (false only for the undeclared defect)
};

Result<Bytes> SerializeAssertion(std::string_view label, FourCC content_type, Bytes content,
                                 const std::optional<Bytes>& salt) {
  // Payload() and the JPEG segment layout rely on 32-bit box sizes.
  if (content.size() > std::numeric_limits<uint32_t>::max() - 4096) {
    return InvalidArgument("assertion " + std::string(label) + " is larger than 4 GiB");
  }
  return SerializeJumbf(
      MakeSuperbox(MakeDescription(C2paTypeUuid(content_type), std::string(label), salt),
                   {MakeContentBox(content_type, std::move(content))}));
}

// A superbox from its description and already serialized children, so copied manifests keep
// their exact bytes.
Result<Bytes> WrapSuperbox(Description desc, std::span<const std::span<const uint8_t>> children) {
  ASSIGN_OR_RETURN(Bytes out, SerializeJumbf(MakeSuperbox(std::move(desc))));
  for (const auto& child : children) out.insert(out.end(), child.begin(), child.end());
  if (out.size() > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("manifest store larger than 4 GiB");
  }
  const auto size = static_cast<uint32_t>(out.size());
  out[0] = static_cast<uint8_t>(size >> 24);
  out[1] = static_cast<uint8_t>(size >> 16);
  out[2] = static_cast<uint8_t>(size >> 8);
  out[3] = static_cast<uint8_t>(size);
  return out;
}

cbor::Value StatusEntriesCbor(const std::vector<StatusEntry>& entries) {
  cbor::Value out = cbor::Value::MakeArray();
  for (const StatusEntry& e : entries) {
    cbor::Value item = cbor::Value::MakeMap();
    item.Set("code", cbor::Value::Text(e.code));
    if (!e.url.empty()) item.Set("url", cbor::Value::Text(e.url));
    if (!e.explanation.empty()) item.Set("explanation", cbor::Value::Text(e.explanation));
    out.Append(std::move(item));
  }
  return out;
}

// The manifests copied from ingredients, in the order they go into our store.
struct CopiedManifests {
  std::set<std::string> labels;
  std::vector<Bytes> boxes;
};

// The ingredient assertion's CBOR for `spec`; copies the manifests of an ingredient file that
// carries C2PA into `copied`.
Result<cbor::Value> BuildIngredient(const IngredientSpec& spec, size_t index,
                                    const BuildOptions& options, CopiedManifests& copied) {
  const std::string what = "ingredient " + std::to_string(index);
  cbor::Value out = cbor::Value::MakeMap();
  out.Set("relationship", cbor::Value::Text(std::string(RelationshipName(spec.relationship))));
  if (!spec.title.empty()) out.Set("dc:title", cbor::Value::Text(spec.title));
  std::string format = spec.format;
  if (format.empty() && spec.file) {
    if (DetectFormat(*spec.file) == AssetFormat::kUnknown) {
      return InvalidArgument(what + ": dc:format is empty and the file's format is unknown");
    }
    format = MediaTypeOf(*spec.file);
  }
  if (!format.empty()) out.Set("dc:format", cbor::Value::Text(format));
  out.Set("instanceID",
          cbor::Value::Text(spec.instance_id.empty() ? "xmp:iid:" + UuidV4(*options.random)
                                                     : spec.instance_id));
  if (spec.description) out.Set("description", cbor::Value::Text(*spec.description));
  if (!spec.file) return out;

  if (DetectFormat(*spec.file) == AssetFormat::kUnknown) {
    return InvalidArgument(what + ": the file's format is not one C2PA can be read from");
  }
  auto found = ReadManifestStore(*spec.file);
  if (!found.ok()) {
    return InvalidArgument(what + ": cannot read the file: " + found.error().message());
  }
  if (!found->has_value()) return out;  // a plain file: no provenance to keep
  auto store = ParseManifestStore(std::move((*found)->jumbf));
  if (!store.ok()) {
    return InvalidArgument(what + ": malformed manifest store: " + store.error().message());
  }
  const Manifest* active = store->active();
  if (active == nullptr) return InvalidArgument(what + ": its manifest store holds no manifest");

  for (const Manifest& m : store->manifests) {
    if (!copied.labels.insert(m.label).second) continue;  // already copied from another ingredient
    const auto bytes =
        std::span<const uint8_t>(store->jumbf).subspan(m.range.offset, m.range.length);
    copied.boxes.emplace_back(bytes.begin(), bytes.end());
  }

  auto report = VerifyAsset(*spec.file, VerifyOptions{options.trust, options.now});
  if (!report.ok()) {
    return InvalidArgument(what + ": cannot validate the file: " + report.error().message());
  }
  cbor::Value status = cbor::Value::MakeMap();
  status.Set("success", StatusEntriesCbor(report->active.success));
  status.Set("informational", StatusEntriesCbor(report->active.informational));
  status.Set("failure", StatusEntriesCbor(report->active.failure));
  cbor::Value results = cbor::Value::MakeMap();
  results.Set("activeManifest", std::move(status));
  out.Set("validationResults", std::move(results));

  const std::string base = "self#jumbf=/c2pa/" + active->label;
  out.Set("activeManifest", HashedUriCbor(base, store->SuperboxPayload(active->range), true));
  // The signature box of the active manifest (the last manifest box in the store).
  const Box* manifest_box = nullptr;
  for (const Box& child : store->root.children) {
    if (child.range == active->range) manifest_box = &child;
  }
  const Box* signature =
      manifest_box != nullptr ? FindChildByLabel(*manifest_box, "c2pa.signature") : nullptr;
  if (signature != nullptr) {
    out.Set("claimSignature", HashedUriCbor(base + "/c2pa.signature",
                                            store->SuperboxPayload(signature->range), true));
  }
  return out;
}

Status CheckActions(const ManifestSpec& spec) {
  if (spec.actions.empty()) return InvalidArgument("the manifest needs at least one action");
  const std::string& first = spec.actions.front().action;
  if (first != "c2pa.created" && first != "c2pa.opened") {
    return InvalidArgument("the first action must be c2pa.created or c2pa.opened, not " + first);
  }
  int created_or_opened = 0;
  for (size_t i = 0; i < spec.actions.size(); ++i) {
    const ActionSpec& a = spec.actions[i];
    const std::string what = "action " + std::to_string(i) + " (" + a.action + ")";
    if (a.action.empty()) return InvalidArgument("action " + std::to_string(i) + " has no name");
    for (const size_t ing : a.ingredients) {
      if (ing >= spec.ingredients.size()) {
        return InvalidArgument(what + " names ingredient " + std::to_string(ing) +
                               ", which does not exist");
      }
    }
    if (a.action == "c2pa.created" || a.action == "c2pa.opened") ++created_or_opened;
    if (a.action == "c2pa.created" && !a.digital_source_type) {
      return InvalidArgument(what + " needs a digitalSourceType");
    }
    if ((a.action == "c2pa.opened" || a.action == "c2pa.placed" || a.action == "c2pa.removed") &&
        a.ingredients.empty()) {
      return InvalidArgument(what + " must name its ingredients");
    }
    if (a.action == "c2pa.opened" &&
        std::none_of(a.ingredients.begin(), a.ingredients.end(), [&](size_t ing) {
          return spec.ingredients[ing].relationship == Relationship::kParentOf;
        })) {
      return InvalidArgument(what + " must name a parentOf ingredient");
    }
    if (a.parameters.contains("ingredients")) {
      return InvalidArgument(what + ": parameters.ingredients comes from `ingredients`");
    }
  }
  if (created_or_opened > 1) {
    return InvalidArgument("only one c2pa.created or c2pa.opened action is allowed");
  }
  return OkStatus();
}

Result<cbor::Value> BuildActions(const ManifestSpec& spec,
                                 const std::vector<AssertionBox>& ingredient_boxes) {
  cbor::Value list = cbor::Value::MakeArray();
  for (size_t i = 0; i < spec.actions.size(); ++i) {
    const ActionSpec& a = spec.actions[i];
    const std::string what = "action " + std::to_string(i);
    cbor::Value item = cbor::Value::MakeMap();
    item.Set("action", cbor::Value::Text(a.action));
    if (a.when) item.Set("when", cbor::Value::Tag(0, cbor::Value::Text(FormatTime(*a.when))));
    if (a.software_agent) {
      ASSIGN_OR_RETURN(cbor::Value agent, AgentToCbor(*a.software_agent, what + " softwareAgent"));
      item.Set("softwareAgent", std::move(agent));
    }
    if (a.digital_source_type) {
      item.Set("digitalSourceType", cbor::Value::Text(*a.digital_source_type));
    }
    if (a.description) item.Set("description", cbor::Value::Text(*a.description));
    if (!a.ingredients.empty() || !a.parameters.empty()) {
      cbor::Value params = cbor::Value::MakeMap();
      if (!a.ingredients.empty()) {
        cbor::Value refs = cbor::Value::MakeArray();
        for (const size_t ing : a.ingredients) {
          const AssertionBox& box = ingredient_boxes[ing];
          refs.Append(
              HashedUriCbor("self#jumbf=c2pa.assertions/" + box.label, Payload(box.box), false));
        }
        params.Set("ingredients", std::move(refs));
      }
      RETURN_IF_ERROR(AppendExtra(params, a.parameters, what + " parameters"));
      item.Set("parameters", std::move(params));
    }
    list.Append(std::move(item));
  }
  cbor::Value out = cbor::Value::MakeMap();
  out.Set("actions", std::move(list));
  return out;
}

Status CheckExtraAssertions(const ManifestSpec& spec) {
  std::set<std::string_view> seen;
  for (const ExtraAssertion& extra : spec.extra_assertions) {
    const std::string what = "extra assertion \"" + extra.label + "\"";
    if (!IsValidLabel(extra.label)) return InvalidArgument(what + ": invalid label");
    const std::string_view base = BaseLabel(extra.label);
    if (base.starts_with("c2pa.actions") || base.starts_with("c2pa.hash.") ||
        base.starts_with("c2pa.ingredient")) {
      return InvalidArgument(what + ": this label is written by the builder itself");
    }
    if (!seen.insert(extra.label).second) return InvalidArgument(what + " is given twice");
    if (extra.cbor.has_value() == extra.json.has_value()) {
      return InvalidArgument(what + ": exactly one of cbor and json must be set");
    }
  }
  return OkStatus();
}

// hash.data: {exclusions, name, alg, hash, pad}, key order as c2pa-rs writes it.
Bytes DataHashCbor(std::span<const ByteRange> exclusions, std::span<const uint8_t> hash,
                   size_t pad_length, bool omit_pad) {
  cbor::Value list = cbor::Value::MakeArray();
  for (const ByteRange& r : exclusions) {
    cbor::Value e = cbor::Value::MakeMap();
    e.Set("start", cbor::Value::Uint(r.start));
    e.Set("length", cbor::Value::Uint(r.length));
    list.Append(std::move(e));
  }
  cbor::Value out = cbor::Value::MakeMap();
  out.Set("exclusions", std::move(list));
  out.Set("name", cbor::Value::Text(std::string(kHardBindingName)));
  out.Set("alg", cbor::Value::Text("sha256"));
  out.Set("hash", cbor::Value::Bytes(hash));
  if (!omit_pad) out.Set("pad", cbor::Value::Bytes(Bytes(pad_length, 0)));
  return cbor::Encode(out);
}

// hash.data whose encoding is exactly `target` bytes, the `pad` absorbing the difference; nullopt
// if no pad length gets there.
std::optional<Bytes> FitDataHash(std::span<const ByteRange> exclusions,
                                 std::span<const uint8_t> hash, size_t target, bool omit_pad) {
  if (omit_pad) {
    Bytes b = DataHashCbor(exclusions, hash, 0, true);
    return b.size() == target ? std::optional<Bytes>(std::move(b)) : std::nullopt;
  }
  for (size_t pad = 0;; ++pad) {
    Bytes b = DataHashCbor(exclusions, hash, pad, false);
    if (b.size() == target) return b;
    if (b.size() > target) return std::nullopt;
  }
}

// hash.bmff.v3: {exclusions, alg, hash, name}.
Bytes BmffHashCbor(std::span<const BmffExclusion> exclusions, std::span<const uint8_t> hash) {
  cbor::Value list = cbor::Value::MakeArray();
  for (const BmffExclusion& x : exclusions) {
    cbor::Value e = cbor::Value::MakeMap();
    e.Set("xpath", cbor::Value::Text(x.xpath));
    if (!x.data.empty()) {
      cbor::Value data = cbor::Value::MakeArray();
      for (const BmffExclusion::DataMatch& d : x.data) {
        cbor::Value m = cbor::Value::MakeMap();
        m.Set("offset", cbor::Value::Uint(d.offset));
        m.Set("value", cbor::Value::Bytes(d.value));
        data.Append(std::move(m));
      }
      e.Set("data", std::move(data));
    }
    list.Append(std::move(e));
  }
  cbor::Value out = cbor::Value::MakeMap();
  out.Set("exclusions", std::move(list));
  out.Set("alg", cbor::Value::Text("sha256"));
  out.Set("hash", cbor::Value::Bytes(hash));
  out.Set("name", cbor::Value::Text(std::string(kHardBindingName)));
  return cbor::Encode(out);
}

// Everything about our manifest except the hard binding and the signature.
struct ManifestParts {
  std::string label;
  std::string instance_id;
  std::optional<cbor::Value> generator;  // claim_generator_info (nullopt: the defect omits it)
  std::optional<std::string> title;
  bool with_alg = true;
  std::vector<AssertionBox> before_binding;  // ingredients, actions, extras, undeclared
};

Result<Bytes> BuildClaim(const ManifestParts& parts, std::span<const AssertionBox> boxes) {
  cbor::Value created = cbor::Value::MakeArray();
  cbor::Value gathered = cbor::Value::MakeArray();
  for (const AssertionBox& a : boxes) {
    if (!a.declared) continue;
    (a.created ? created : gathered)
        .Append(HashedUriCbor("self#jumbf=c2pa.assertions/" + a.label, Payload(a.box), false));
  }
  cbor::Value claim = cbor::Value::MakeMap();
  claim.Set("instanceID", cbor::Value::Text(parts.instance_id));
  if (parts.generator) claim.Set("claim_generator_info", *parts.generator);
  claim.Set("signature", cbor::Value::Text("self#jumbf=/c2pa/" + parts.label + "/c2pa.signature"));
  claim.Set("created_assertions", std::move(created));
  if (!gathered.array().empty()) claim.Set("gathered_assertions", std::move(gathered));
  if (parts.title) claim.Set("dc:title", cbor::Value::Text(*parts.title));
  if (parts.with_alg) claim.Set("alg", cbor::Value::Text("sha256"));
  return cbor::Encode(claim);
}

Result<Bytes> AssembleStore(const CopiedManifests& copied, const ManifestParts& parts,
                            std::span<const AssertionBox> boxes, const Bytes& claim,
                            const Bytes& cose) {
  std::vector<std::span<const uint8_t>> assertion_spans;
  for (const AssertionBox& a : boxes) assertion_spans.emplace_back(a.box);
  ASSIGN_OR_RETURN(
      Bytes assertion_store,
      WrapSuperbox(MakeDescription(C2paTypeUuid("c2as"), "c2pa.assertions"), assertion_spans));
  ASSIGN_OR_RETURN(Bytes claim_box, SerializeJumbf(MakeSuperbox(
                                        MakeDescription(C2paTypeUuid("c2cl"), "c2pa.claim.v2"),
                                        {MakeContentBox(kCborBoxType, claim)})));
  ASSIGN_OR_RETURN(Bytes signature_box, SerializeJumbf(MakeSuperbox(
                                            MakeDescription(C2paTypeUuid("c2cs"), "c2pa.signature"),
                                            {MakeContentBox(kCborBoxType, cose)})));
  const std::array<std::span<const uint8_t>, 3> manifest_children = {
      std::span<const uint8_t>(assertion_store), std::span<const uint8_t>(claim_box),
      std::span<const uint8_t>(signature_box)};
  ASSIGN_OR_RETURN(Bytes manifest, WrapSuperbox(MakeDescription(C2paTypeUuid("c2ma"), parts.label),
                                                manifest_children));
  std::vector<std::span<const uint8_t>> store_children;
  for (const Bytes& b : copied.boxes) store_children.emplace_back(b);
  store_children.emplace_back(manifest);
  return WrapSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"), store_children);
}

// A byte of the media data (outside the store and its exclusions) for the change_asset_byte
// defect: the middle of a BMFF `mdat`, otherwise the middle of the file, moved forward past
// anything excluded and past JPEG marker bytes so the container still parses.
std::optional<size_t> MediaByteToChange(const Embedding& e) {
  const Bytes& b = e.bytes;
  size_t pos = b.size() / 2;
  if (e.format == AssetFormat::kBmff) {
    size_t off = 0;
    while (off + 8 <= b.size()) {
      uint64_t size = (uint64_t{b[off]} << 24) | (uint64_t{b[off + 1]} << 16) |
                      (uint64_t{b[off + 2]} << 8) | b[off + 3];
      size_t header = 8;
      if (size == 1 && off + 16 <= b.size()) {
        size = 0;
        for (int i = 0; i < 8; ++i) size = (size << 8) | b[off + 8 + i];
        header = 16;
      } else if (size == 0) {
        size = b.size() - off;
      }
      if (size < header || size > b.size() - off) break;
      if (std::string_view(reinterpret_cast<const char*>(&b[off + 4]), 4) == "mdat" &&
          size > header) {
        return off + header + (size - header) / 2;
      }
      off += size;
    }
    return std::nullopt;
  }
  auto excluded = [&](size_t p) {
    for (const ByteRange& r : e.exclusions) {
      if (p >= r.start && p - r.start < r.length) return true;
    }
    for (const Embedding::Piece& piece : e.pieces) {
      if (p >= piece.file_offset && p - piece.file_offset < piece.length) return true;
    }
    return false;
  };
  if (e.format == AssetFormat::kWav || e.format == AssetFormat::kWebp) {
    // The middle of the largest chunk other than the store (in a small RIFF file the appended
    // C2PA chunk can be the whole second half, and chunk headers must stay intact).
    std::optional<size_t> best;
    size_t best_size = 0;
    for (size_t off = 12; off + 8 <= b.size();) {
      const size_t size = size_t{b[off + 4]} | (size_t{b[off + 5]} << 8) |
                          (size_t{b[off + 6]} << 16) | (size_t{b[off + 7]} << 24);
      if (size > b.size() - off - 8) break;
      if (std::string_view(reinterpret_cast<const char*>(&b[off]), 4) != "C2PA" &&
          size > best_size) {
        best = off + 8 + size / 2;
        best_size = size;
      }
      off += 8 + size + (size & 1);
    }
    return best;
  }
  // From the middle onwards first, then from just past the header.
  auto usable = [&](size_t p) {
    if (excluded(p)) return false;
    return e.format != AssetFormat::kJpeg || (b[p] < 0xFE && b[p - 1] != 0xFF);
  };
  for (size_t p = pos; p + 2 < b.size(); ++p) {
    if (usable(p)) return p;
  }
  for (size_t p = std::min<size_t>(16, pos); p < pos; ++p) {
    if (usable(p)) return p;
  }
  return std::nullopt;
}

}  // namespace

Result<SignedAsset> SignAsset(std::span<const uint8_t> asset, const ManifestSpec& spec,
                              const cose::Signer& signer, const BuildOptions& options) {
  if (options.random == nullptr) return InvalidArgument("BuildOptions.random is required");
  static const BuildDefects kNoDefects;
  const BuildDefects& defects = options.defects != nullptr ? *options.defects : kNoDefects;
  const AssetFormat format = DetectFormat(asset);
  if (format == AssetFormat::kUnknown) {
    return Error(ErrorCode::kUnsupportedMedia, "cannot embed Content Credentials: unknown format");
  }
  RETURN_IF_ERROR(CheckActions(spec));
  RETURN_IF_ERROR(CheckExtraAssertions(spec));
  if (!IsValidGeneratorId(options.claim_generator_id)) {
    return InvalidArgument("claim_generator_id must be at most 32 of [A-Za-z0-9._-]");
  }
  Random& random = *options.random;

  ManifestParts parts;
  parts.label = "urn:c2pa:" + UuidV4(random);
  if (!options.claim_generator_id.empty()) parts.label += ":" + options.claim_generator_id;
  parts.instance_id = spec.instance_id.empty() ? "xmp:iid:" + UuidV4(random) : spec.instance_id;
  if (!defects.omit_claim_generator_info) {
    ASSIGN_OR_RETURN(cbor::Value generator,
                     AgentToCbor(spec.claim_generator, "claim_generator_info"));
    parts.generator = std::move(generator);
  }
  parts.title = spec.title;
  parts.with_alg = !defects.omit_claim_alg;
  auto salt = [&]() -> std::optional<Bytes> {
    if (!options.salt_assertions) return std::nullopt;
    Bytes s(kSaltSize);
    random.Fill(s);
    return s;
  };

  // Ingredients first: the actions point at them.
  CopiedManifests copied;
  std::vector<AssertionBox> ingredient_boxes;
  for (size_t i = 0; i < spec.ingredients.size(); ++i) {
    ASSIGN_OR_RETURN(cbor::Value ingredient,
                     BuildIngredient(spec.ingredients[i], i, options, copied));
    std::string label = std::string(kIngredientLabel);
    if (i > 0) label += "__" + std::to_string(i);
    ASSIGN_OR_RETURN(Bytes box,
                     SerializeAssertion(label, kCborBoxType, cbor::Encode(ingredient), salt()));
    ingredient_boxes.push_back({std::move(label), std::move(box), true, true});
  }
  if (copied.labels.contains(parts.label)) {
    return Internal("the new manifest label collides with an ingredient's");
  }
  std::vector<AssertionBox>& boxes = parts.before_binding;
  boxes = ingredient_boxes;
  if (!defects.omit_actions) {
    ASSIGN_OR_RETURN(cbor::Value actions, BuildActions(spec, ingredient_boxes));
    ASSIGN_OR_RETURN(
        Bytes box, SerializeAssertion(kActionsLabel, kCborBoxType, cbor::Encode(actions), salt()));
    boxes.push_back({std::string(kActionsLabel), std::move(box), true, true});
  }
  for (const ExtraAssertion& extra : spec.extra_assertions) {
    Bytes box;
    if (extra.cbor) {
      ASSIGN_OR_RETURN(
          box, SerializeAssertion(extra.label, kCborBoxType, cbor::Encode(*extra.cbor), salt()));
    } else {
      const std::string text = boost::json::serialize(*extra.json);
      ASSIGN_OR_RETURN(box, SerializeAssertion(extra.label, kJsonBoxType,
                                               Bytes(text.begin(), text.end()), salt()));
    }
    boxes.push_back({extra.label, std::move(box), false, true});
  }
  if (defects.undeclared_assertion) {
    cbor::Value note = cbor::Value::MakeMap();
    note.Set("note", cbor::Value::Text("not listed in the claim"));
    ASSIGN_OR_RETURN(
        Bytes box, SerializeAssertion(kUndeclaredLabel, kCborBoxType, cbor::Encode(note), salt()));
    boxes.push_back({std::string(kUndeclaredLabel), std::move(box), false, false});
  }

  const bool bmff = format == AssetFormat::kBmff;
  const bool with_binding = !defects.omit_hard_binding;
  const std::string binding_label(bmff ? kBmffHashLabel : kDataHashLabel);
  const std::optional<Bytes> binding_salt = with_binding ? salt() : std::nullopt;
  const std::array<uint8_t, 32> zero_hash{};
  const std::vector<BmffExclusion> bmff_exclusions = DefaultBmffExclusions();

  // The boxes in store order: `parts.before_binding`, then the hard binding.
  auto with_binding_box = [&](Bytes binding_cbor) -> Result<std::vector<AssertionBox>> {
    std::vector<AssertionBox> all = parts.before_binding;
    if (with_binding) {
      ASSIGN_OR_RETURN(Bytes box, SerializeAssertion(binding_label, kCborBoxType,
                                                     std::move(binding_cbor), binding_salt));
      all.push_back({binding_label, std::move(box), true, true});
    }
    return all;
  };
  const size_t cose_size = cose::ReserveSize(signer, options.timestamp != nullptr);
  const Bytes placeholder_cose(cose_size, 0);
  auto store_size = [&](const Bytes& binding_cbor) -> Result<size_t> {
    ASSIGN_OR_RETURN(std::vector<AssertionBox> all, with_binding_box(binding_cbor));
    ASSIGN_OR_RETURN(Bytes claim, BuildClaim(parts, all));
    ASSIGN_OR_RETURN(Bytes store, AssembleStore(copied, parts, all, claim, placeholder_cose));
    return store.size();
  };

  // Size the store (see the file comment) and let the container make room for it.
  std::optional<Embedding> embedding;
  Bytes binding_cbor;                 // final layout, hash still zero
  std::vector<ByteRange> exclusions;  // as written in hash.data
  const uint64_t wide = asset.size() < (uint64_t{1} << 31) ? std::numeric_limits<uint32_t>::max()
                                                           : std::numeric_limits<uint64_t>::max();
  std::vector<ByteRange> guess = {ByteRange{wide, wide}};
  for (int attempt = 0; attempt < kMaxSizingAttempts && !embedding; ++attempt) {
    Bytes placeholder;
    if (with_binding) {
      placeholder = bmff ? BmffHashCbor(bmff_exclusions, zero_hash)
                         : DataHashCbor(guess, zero_hash, 0, defects.omit_pad);
    }
    ASSIGN_OR_RETURN(size_t size, store_size(placeholder));
    if (defects.riff_pad_in_exclusion && size % 2 == 0 && !defects.omit_pad) {
      // An odd JUMBF makes the RIFF chunk need its pad byte, which this defect then excludes.
      placeholder = DataHashCbor(guess, zero_hash, 1, false);
      ASSIGN_OR_RETURN(size, store_size(placeholder));
    }
    ASSIGN_OR_RETURN(Embedding e, PrepareEmbedding(asset, size));
    if (e.jumbf_size != size) return Internal("the container reserved a different store size");
    if (!with_binding || bmff) {
      binding_cbor = std::move(placeholder);
      embedding = std::move(e);
      break;
    }
    std::vector<ByteRange> written = e.exclusions;
    if (defects.riff_pad_in_exclusion) {
      if (e.format != AssetFormat::kWav || written.size() != 1 || size % 2 == 0) {
        return InvalidArgument("riff_pad_in_exclusion needs a WAV file and an odd store");
      }
      written[0].length += 1;
    }
    if (auto fitted = FitDataHash(written, zero_hash, placeholder.size(), defects.omit_pad)) {
      binding_cbor = std::move(*fitted);
      exclusions = std::move(written);
      embedding = std::move(e);
      break;
    }
    // Another exclusion count than guessed (or no pad to absorb the difference): size again
    // from what the container did.
    guess = written;
    if (!defects.omit_pad) {
      for (ByteRange& r : guess) r = ByteRange{wide, wide};
    }
  }
  if (!embedding) return Internal("could not settle the manifest store's size");

  // The one pass over the asset: the placeholder store lies inside the exclusions (or the
  // excluded BMFF uuid box), so the final layout can be hashed before the store is written.
  if (with_binding) {
    const size_t target = binding_cbor.size();
    if (bmff) {
      ASSIGN_OR_RETURN(auto hash, BmffHash(embedding->bytes, bmff_exclusions));
      binding_cbor = BmffHashCbor(bmff_exclusions, hash);
    } else {
      ASSIGN_OR_RETURN(auto hash, DataHash(embedding->bytes, exclusions));
      auto fitted = FitDataHash(exclusions, hash, target, defects.omit_pad);
      if (!fitted) return Internal("hash.data changed size when the hash was filled in");
      binding_cbor = std::move(*fitted);
    }
    if (binding_cbor.size() != target) return Internal("the hard binding changed size");
  }
  ASSIGN_OR_RETURN(std::vector<AssertionBox> all, with_binding_box(binding_cbor));
  ASSIGN_OR_RETURN(Bytes claim, BuildClaim(parts, all));
  cose::SignOptions sign_options;
  sign_options.timestamp = options.timestamp;
  ASSIGN_OR_RETURN(Bytes cose, cose::SignClaim(signer, claim, cose_size, sign_options));
  if (cose.size() != cose_size) return Internal("the signature does not fill its reserved size");

  if (defects.tamper_assertion) {
    // Change the hard binding's `name` after the claim hashed it: same size, still decodes.
    if (!with_binding) return InvalidArgument("tamper_assertion needs the hard binding");
    Bytes& box = all.back().box;
    const auto it =
        std::search(box.begin(), box.end(), kHardBindingName.begin(), kHardBindingName.end());
    if (it == box.end()) return Internal("hard binding name not found");
    *(it + static_cast<std::ptrdiff_t>(kHardBindingName.size()) - 1) = 'T';
  }
  ASSIGN_OR_RETURN(Bytes store, AssembleStore(copied, parts, all, claim, cose));
  if (store.size() != embedding->jumbf_size) {
    return Internal("the final manifest store's size differs from the reserved size");
  }
  if (defects.damage_signature) store.back() ^= 0x01;  // the last byte of the COSE signature
  RETURN_IF_ERROR(WriteManifestStore(*embedding, store));
  if (defects.change_asset_byte) {
    const std::optional<size_t> pos = MediaByteToChange(*embedding);
    if (!pos) return InvalidArgument("change_asset_byte: no media byte to change");
    embedding->bytes[*pos] ^= 0x01;
  }

  SignedAsset out;
  out.manifest_label = parts.label;
  out.store_size = store.size();
  out.media_type = MediaTypeOf(embedding->bytes);
  out.bytes = std::move(embedding->bytes);
  return out;
}

}  // namespace custody::provenance
