// JUMBF boxes (ISO/IEC 19566-5) as C2PA uses them: the container of a C2PA manifest store.
//
// A JUMBF box is `LBox u32 BE | TBox 4cc | payload` (LBox == 1: an XLBox u64 follows). A superbox
// `jumb` holds a `jumd` description box first, then content boxes (`cbor`, `json`, `uuid`, `bfdb`,
// `bidb`, ...) or child superboxes. This file parses bytes into a Box tree and writes a tree back:
// for well-formed input SerializeJumbf(ParseJumbf(x)) == x byte for byte, and every parsed box
// remembers where it sat in the input so callers can hash the exact bytes (hashed URIs hash a
// superbox's payload, see BoxRange). Input is untrusted: malformed bytes give an Error, never a
// crash or an over-read. See design/notes/c2pa.md §2.1–2.2.
//
// Everything here is a plain value or a pure function, so it is thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"

namespace custody::provenance {

using FourCC = std::array<char, 4>;
using Uuid = std::array<uint8_t, 16>;
using Sha256Digest = std::array<uint8_t, 32>;

constexpr FourCC MakeFourCC(const char (&s)[5]) { return {s[0], s[1], s[2], s[3]}; }
std::string FourCCString(const FourCC& type);  // "jumb"; non-printable bytes as '?'

inline constexpr FourCC kSuperboxType = MakeFourCC("jumb");
inline constexpr FourCC kDescriptionType = MakeFourCC("jumd");
inline constexpr FourCC kSaltBoxType = MakeFourCC("c2sh");
inline constexpr FourCC kCborBoxType = MakeFourCC("cbor");
inline constexpr FourCC kJsonBoxType = MakeFourCC("json");
inline constexpr FourCC kUuidBoxType = MakeFourCC("uuid");
inline constexpr FourCC kEmbeddedFileDescriptionType = MakeFourCC("bfdb");
inline constexpr FourCC kBinaryDataType = MakeFourCC("bidb");

// `jumd` toggle bits (ISO/IEC 19566-5 Table B.3). C2PA writes kRequestable | kHasLabel (0x03),
// plus kHasPrivateBox (0x13) when the description carries a `c2sh` salt.
inline constexpr uint8_t kToggleRequestable = 0x01;
inline constexpr uint8_t kToggleHasLabel = 0x02;
inline constexpr uint8_t kToggleHasId = 0x04;
inline constexpr uint8_t kToggleHasSha256 = 0x08;
inline constexpr uint8_t kToggleHasPrivateBox = 0x10;
inline constexpr uint8_t kToggleReservedMask = 0xE0;

// Superboxes nested deeper than this are rejected (a C2PA store nests 4 deep; ingredients
// copied as peers do not add depth).
inline constexpr int kMaxJumbfDepth = 32;

// The C2PA type UUIDs are the 4cc followed by 0011-0010-8000-00AA00389B71, e.g. "c2pa" (store),
// "c2ma" (manifest), "c2as" (assertion store), "c2cl" (claim), "c2cs" (signature), "cbor",
// "json", "uuid".
constexpr Uuid C2paTypeUuid(FourCC type) {
  return {static_cast<uint8_t>(type[0]),
          static_cast<uint8_t>(type[1]),
          static_cast<uint8_t>(type[2]),
          static_cast<uint8_t>(type[3]),
          0x00,
          0x11,
          0x00,
          0x10,
          0x80,
          0x00,
          0x00,
          0xAA,
          0x00,
          0x38,
          0x9B,
          0x71};
}
constexpr Uuid C2paTypeUuid(const char (&type)[5]) { return C2paTypeUuid(MakeFourCC(type)); }
// The 4cc of a C2PA-style type UUID, or nullopt if `uuid` does not have the C2PA suffix.
std::optional<FourCC> C2paTypeFourCC(const Uuid& uuid);

// Embedded files (thumbnails, icons): a superbox of this type holding `bfdb` then `bidb`.
inline constexpr Uuid kEmbeddedFileTypeUuid = {0x40, 0xCB, 0x0C, 0x32, 0xBB, 0x8A, 0x48, 0x9D,
                                               0xA7, 0x0B, 0x2A, 0xD6, 0xF4, 0x7F, 0x43, 0x69};

// Where a box sat in the buffer given to ParseJumbf: `offset` is the first byte of its header,
// `length` is LBox (header included). Boxes built in code have an empty range.
struct BoxRange {
  size_t offset = 0;
  size_t length = 0;
  size_t header_size = 0;  // 8, or 16 with XLBox

  // The payload (for a `jumb`: the jumd box plus all children), which is what C2PA hashed URIs
  // hash (notes §2.5).
  size_t payload_offset() const { return offset + header_size; }
  size_t payload_length() const { return length - header_size; }
  bool operator==(const BoxRange&) const = default;
};

// A box stored without interpretation: the `jumd` private box (a `c2sh` salt in C2PA).
struct PrivateBox {
  FourCC type{};
  Bytes payload;            // everything after the header
  bool large_size = false;  // written with LBox == 1 and an XLBox (kept for exact round trips)
  bool operator==(const PrivateBox&) const = default;
};

// The `jumd` box of a superbox. `toggles` says which optional fields are present and must agree
// with them: kToggleHasLabel unset ⇒ label empty; kToggleHasId ⇔ id; kToggleHasSha256 ⇔ sha256;
// kToggleHasPrivateBox ⇔ private_box.
struct Description {
  Uuid type_uuid{};
  uint8_t toggles = kToggleRequestable | kToggleHasLabel;
  std::string label;  // UTF-8 without the NUL terminator
  std::optional<uint32_t> id;
  std::optional<Sha256Digest> sha256;
  std::optional<PrivateBox> private_box;
  bool large_size = false;
  bool operator==(const Description&) const = default;
};

// One JUMBF box. A superbox (type `jumb`) has `desc` and `children` and an empty payload; any
// other box is a content box with `payload` only. The `jumd` box never appears as a child: it is
// `desc`.
struct Box {
  FourCC type{};
  Bytes payload;
  std::optional<Description> desc;
  std::vector<Box> children;
  bool large_size = false;
  BoxRange range;  // set by ParseJumbf; ignored by SerializeJumbf

  bool is_superbox() const { return type == kSuperboxType; }
  // The label of a superbox, or "" for a content box.
  std::string_view label() const { return desc ? std::string_view(desc->label) : ""; }
};

// Builders for the common C2PA shapes (toggles 0x03, or 0x13 with a salt).
Description MakeDescription(const Uuid& type_uuid, std::string label,
                            std::optional<Bytes> salt = std::nullopt);
Box MakeSuperbox(Description desc, std::vector<Box> children = {});
Box MakeContentBox(FourCC type, Bytes payload);

// Parses exactly one top-level `jumb` superbox filling all of `data` (e.g. a PNG `caBX` chunk's
// data or the reassembled JPEG APP11 payload). Ranges are relative to data.begin().
Result<Box> ParseJumbf(std::span<const uint8_t> data);

// Writes `box` (and its children). Fails if the tree is not representable: a superbox without
// desc or with a payload, a content box with desc or children, a `jumd` content box, toggles that
// disagree with the description's fields, a label containing NUL, a box too large for LBox.
Result<Bytes> SerializeJumbf(const Box& box);

// The child superbox of `parent` with this label, or nullptr.
const Box* FindChildByLabel(const Box& parent, std::string_view label);
// Follows a '/'-separated label path down from `root`: "c2pa.assertions/c2pa.hash.data" from a
// manifest. A leading '/' makes the first component name `root` itself, as in the absolute form
// "/c2pa/<manifest label>/c2pa.signature". Returns nullptr if any component is missing or empty.
const Box* FindByLabel(const Box& root, std::string_view path);
// The first content box of type `type` among a superbox's children, or nullptr.
const Box* FindContent(const Box& superbox, FourCC type);

// The payload of a `uuid` content box: a 16-byte UUID, then data.
struct UuidContent {
  Uuid uuid{};
  std::span<const uint8_t> data;  // points into the payload passed in
};
Result<UuidContent> ParseUuidContent(std::span<const uint8_t> payload);

// The payload of a `bfdb` box: toggles, NUL-terminated media type, then (toggle 0x01) a
// NUL-terminated file name. Toggle 0x02 means the `bidb` box holds a URL, not the file bytes.
inline constexpr uint8_t kFileToggleHasName = 0x01;
inline constexpr uint8_t kFileToggleExternal = 0x02;
struct EmbeddedFileDescription {
  uint8_t toggles = 0;
  std::string media_type;  // e.g. "image/jpeg"
  std::optional<std::string> file_name;
  bool operator==(const EmbeddedFileDescription&) const = default;
};
Result<EmbeddedFileDescription> ParseEmbeddedFileDescription(std::span<const uint8_t> payload);
Result<Bytes> SerializeEmbeddedFileDescription(const EmbeddedFileDescription& desc);

}  // namespace custody::provenance
