#include "provenance/c2pa/jumbf.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace custody::provenance {
namespace {

// The C2PA type UUIDs share this suffix after the 4cc.
constexpr std::array<uint8_t, 12> kC2paUuidSuffix = {0x00, 0x11, 0x00, 0x10, 0x80, 0x00,
                                                     0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};

Error Malformed(size_t offset, std::string_view what) {
  return InvalidArgument("JUMBF: at offset " + std::to_string(offset) + ": " + std::string(what));
}

uint32_t ReadU32(std::span<const uint8_t> d, size_t pos) {
  return (uint32_t{d[pos]} << 24) | (uint32_t{d[pos + 1]} << 16) | (uint32_t{d[pos + 2]} << 8) |
         uint32_t{d[pos + 3]};
}

uint64_t ReadU64(std::span<const uint8_t> d, size_t pos) {
  return (uint64_t{ReadU32(d, pos)} << 32) | ReadU32(d, pos + 4);
}

void AppendU32(Bytes& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(v >> shift));
}

void AppendU64(Bytes& out, uint64_t v) {
  AppendU32(out, static_cast<uint32_t>(v >> 32));
  AppendU32(out, static_cast<uint32_t>(v));
}

struct Header {
  FourCC type{};
  size_t size = 0;  // LBox or XLBox: the whole box, header included
  size_t header_size = 0;
  bool large_size = false;
};

// Reads the header of the box starting at `pos`, which must end by `end` (the end of its
// container). All arithmetic is done as "bytes remaining" so it cannot overflow.
Result<Header> ReadHeader(std::span<const uint8_t> d, size_t pos, size_t end) {
  const size_t remaining = end - pos;
  if (remaining < 8) {
    return Malformed(pos, "truncated box header (" + std::to_string(remaining) + " bytes left)");
  }
  Header h;
  std::memcpy(h.type.data(), &d[pos + 4], 4);
  const uint32_t lbox = ReadU32(d, pos);
  uint64_t size = lbox;
  h.header_size = 8;
  if (lbox == 1) {
    if (remaining < 16) return Malformed(pos, "truncated XLBox header");
    size = ReadU64(d, pos + 8);
    h.header_size = 16;
    h.large_size = true;
    if (size < 16) {
      return Malformed(pos, "XLBox " + std::to_string(size) + " is smaller than its header");
    }
  } else if (lbox == 0) {
    return Malformed(pos, "LBox 0 (box extends to end of file) is not supported in JUMBF");
  } else if (lbox < 8) {
    return Malformed(pos, "LBox " + std::to_string(lbox) + " is smaller than the 8-byte header");
  }
  if (size > remaining) {
    return Malformed(pos, "box '" + FourCCString(h.type) + "' of " + std::to_string(size) +
                              " bytes extends beyond its container (" + std::to_string(remaining) +
                              " bytes left)");
  }
  h.size = static_cast<size_t>(size);
  return h;
}

Result<Description> ParseDescription(std::span<const uint8_t> d, const Header& h, size_t pos) {
  Description desc;
  desc.large_size = h.large_size;
  size_t p = pos + h.header_size;
  const size_t end = pos + h.size;
  if (end - p < 17) return Malformed(pos, "jumd shorter than type UUID + toggles");
  std::memcpy(desc.type_uuid.data(), &d[p], 16);
  desc.toggles = d[p + 16];
  p += 17;
  if ((desc.toggles & kToggleReservedMask) != 0) {
    return Malformed(pos, "jumd has reserved toggle bits set");
  }
  if ((desc.toggles & kToggleHasLabel) != 0) {
    const auto first = d.begin() + static_cast<std::ptrdiff_t>(p);
    const auto last = d.begin() + static_cast<std::ptrdiff_t>(end);
    const auto nul = std::find(first, last, uint8_t{0});
    if (nul == last) return Malformed(pos, "jumd label is not NUL-terminated");
    desc.label.assign(first, nul);
    p += desc.label.size() + 1;
  }
  if ((desc.toggles & kToggleHasId) != 0) {
    if (end - p < 4) return Malformed(pos, "jumd toggles announce an ID but the box ends");
    desc.id = ReadU32(d, p);
    p += 4;
  }
  if ((desc.toggles & kToggleHasSha256) != 0) {
    if (end - p < 32) return Malformed(pos, "jumd toggles announce a SHA-256 but the box ends");
    Sha256Digest digest;
    std::memcpy(digest.data(), &d[p], 32);
    desc.sha256 = digest;
    p += 32;
  }
  if ((desc.toggles & kToggleHasPrivateBox) != 0) {
    auto ph = ReadHeader(d, p, end);
    if (!ph.ok()) return std::move(ph).error();
    if (ph->size != end - p) {
      return Malformed(p, "jumd private box does not fill the rest of the description");
    }
    PrivateBox priv;
    priv.type = ph->type;
    priv.large_size = ph->large_size;
    priv.payload.assign(d.begin() + static_cast<std::ptrdiff_t>(p + ph->header_size),
                        d.begin() + static_cast<std::ptrdiff_t>(end));
    desc.private_box = std::move(priv);
    p = end;
  }
  if (p != end) {
    return Malformed(
        pos, std::to_string(end - p) + " bytes in jumd beyond the fields its toggles announce");
  }
  return desc;
}

// Parses the box whose header `h` starts at `pos`. `depth` counts superboxes, the top one is 1.
Result<Box> ParseBox(std::span<const uint8_t> d, const Header& h, size_t pos, int depth) {
  Box box;
  box.type = h.type;
  box.large_size = h.large_size;
  box.range = BoxRange{pos, h.size, h.header_size};
  const size_t begin = pos + h.header_size;
  const size_t end = pos + h.size;
  if (h.type == kDescriptionType) return Malformed(pos, "jumd box outside the head of a jumb");
  if (h.type != kSuperboxType) {
    box.payload.assign(d.begin() + static_cast<std::ptrdiff_t>(begin),
                       d.begin() + static_cast<std::ptrdiff_t>(end));
    return box;
  }
  if (depth > kMaxJumbfDepth) {
    return Malformed(pos, "superboxes nested deeper than " + std::to_string(kMaxJumbfDepth));
  }
  size_t p = begin;
  while (p < end) {
    auto child = ReadHeader(d, p, end);
    if (!child.ok()) return std::move(child).error();
    if (p == begin) {
      if (child->type != kDescriptionType) {
        return Malformed(p, "first box of a jumb is '" + FourCCString(child->type) + "', not jumd");
      }
      auto desc = ParseDescription(d, *child, p);
      if (!desc.ok()) return std::move(desc).error();
      box.desc = std::move(desc).value();
    } else {
      if (child->type == kDescriptionType) return Malformed(p, "second jumd in a jumb");
      auto sub = ParseBox(d, *child, p, depth + 1);
      if (!sub.ok()) return std::move(sub).error();
      box.children.push_back(std::move(sub).value());
    }
    p += child->size;
  }
  if (!box.desc) return Malformed(pos, "jumb without a jumd description box");
  return box;
}

// Appends a header for a box of `payload_size` bytes.
Status AppendHeader(Bytes& out, FourCC type, size_t payload_size, bool large_size) {
  const uint64_t header = large_size ? 16 : 8;
  if (payload_size > std::numeric_limits<uint64_t>::max() - header) {
    return InvalidArgument("JUMBF: box too large");
  }
  const uint64_t size = payload_size + header;
  if (!large_size && size > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("JUMBF: box '" + FourCCString(type) +
                           "' exceeds 4 GiB; set large_size to write an XLBox");
  }
  AppendU32(out, large_size ? 1 : static_cast<uint32_t>(size));
  out.insert(out.end(), type.begin(), type.end());
  if (large_size) AppendU64(out, size);
  return OkStatus();
}

Status AppendDescription(Bytes& out, const Description& desc) {
  if ((desc.toggles & kToggleReservedMask) != 0) {
    return InvalidArgument("JUMBF: jumd toggles have reserved bits set");
  }
  const bool has_label = (desc.toggles & kToggleHasLabel) != 0;
  if (!has_label && !desc.label.empty()) {
    return InvalidArgument("JUMBF: jumd has a label but toggle 0x02 is unset");
  }
  if (desc.label.find('\0') != std::string::npos) {
    return InvalidArgument("JUMBF: jumd label contains NUL");
  }
  if (desc.id.has_value() != ((desc.toggles & kToggleHasId) != 0)) {
    return InvalidArgument("JUMBF: jumd ID and toggle 0x04 disagree");
  }
  if (desc.sha256.has_value() != ((desc.toggles & kToggleHasSha256) != 0)) {
    return InvalidArgument("JUMBF: jumd SHA-256 and toggle 0x08 disagree");
  }
  if (desc.private_box.has_value() != ((desc.toggles & kToggleHasPrivateBox) != 0)) {
    return InvalidArgument("JUMBF: jumd private box and toggle 0x10 disagree");
  }
  Bytes body(desc.type_uuid.begin(), desc.type_uuid.end());
  body.push_back(desc.toggles);
  if (has_label) {
    body.insert(body.end(), desc.label.begin(), desc.label.end());
    body.push_back(0);
  }
  if (desc.id) AppendU32(body, *desc.id);
  if (desc.sha256) body.insert(body.end(), desc.sha256->begin(), desc.sha256->end());
  if (desc.private_box) {
    const PrivateBox& priv = *desc.private_box;
    RETURN_IF_ERROR(AppendHeader(body, priv.type, priv.payload.size(), priv.large_size));
    body.insert(body.end(), priv.payload.begin(), priv.payload.end());
  }
  RETURN_IF_ERROR(AppendHeader(out, kDescriptionType, body.size(), desc.large_size));
  out.insert(out.end(), body.begin(), body.end());
  return OkStatus();
}

Status AppendBox(Bytes& out, const Box& box) {
  if (box.type == kDescriptionType) {
    return InvalidArgument("JUMBF: a jumd is written from Box::desc, not as a box");
  }
  if (!box.is_superbox()) {
    if (box.desc || !box.children.empty()) {
      return InvalidArgument("JUMBF: content box '" + FourCCString(box.type) +
                             "' has a description or children");
    }
    RETURN_IF_ERROR(AppendHeader(out, box.type, box.payload.size(), box.large_size));
    out.insert(out.end(), box.payload.begin(), box.payload.end());
    return OkStatus();
  }
  if (!box.desc) return InvalidArgument("JUMBF: superbox without a description");
  if (!box.payload.empty()) return InvalidArgument("JUMBF: superbox with a raw payload");
  // The size is only known once the children are written, so write them after a placeholder
  // header and patch it.
  const size_t start = out.size();
  const size_t header = box.large_size ? 16 : 8;
  out.resize(start + header);
  RETURN_IF_ERROR(AppendDescription(out, *box.desc));
  for (const Box& child : box.children) RETURN_IF_ERROR(AppendBox(out, child));
  Bytes head;
  RETURN_IF_ERROR(AppendHeader(head, box.type, out.size() - start - header, box.large_size));
  std::copy(head.begin(), head.end(), out.begin() + static_cast<std::ptrdiff_t>(start));
  return OkStatus();
}

}  // namespace

std::string FourCCString(const FourCC& type) {
  std::string s;
  for (char c : type) s.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  return s;
}

std::optional<FourCC> C2paTypeFourCC(const Uuid& uuid) {
  if (!std::equal(kC2paUuidSuffix.begin(), kC2paUuidSuffix.end(), uuid.begin() + 4)) {
    return std::nullopt;
  }
  return FourCC{static_cast<char>(uuid[0]), static_cast<char>(uuid[1]), static_cast<char>(uuid[2]),
                static_cast<char>(uuid[3])};
}

Description MakeDescription(const Uuid& type_uuid, std::string label, std::optional<Bytes> salt) {
  Description desc;
  desc.type_uuid = type_uuid;
  desc.toggles = kToggleRequestable | kToggleHasLabel;
  desc.label = std::move(label);
  if (salt) {
    desc.toggles |= kToggleHasPrivateBox;
    desc.private_box = PrivateBox{kSaltBoxType, std::move(*salt)};
  }
  return desc;
}

Box MakeSuperbox(Description desc, std::vector<Box> children) {
  Box box;
  box.type = kSuperboxType;
  box.desc = std::move(desc);
  box.children = std::move(children);
  return box;
}

Box MakeContentBox(FourCC type, Bytes payload) {
  Box box;
  box.type = type;
  box.payload = std::move(payload);
  return box;
}

Result<Box> ParseJumbf(std::span<const uint8_t> data) {
  auto header = ReadHeader(data, 0, data.size());
  if (!header.ok()) return std::move(header).error();
  if (header->type != kSuperboxType) {
    return Malformed(0, "top-level box is '" + FourCCString(header->type) + "', not jumb");
  }
  if (header->size != data.size()) {
    return Malformed(header->size, std::to_string(data.size() - header->size) +
                                       " trailing bytes after the top-level jumb");
  }
  return ParseBox(data, *header, 0, 1);
}

Result<Bytes> SerializeJumbf(const Box& box) {
  Bytes out;
  RETURN_IF_ERROR(AppendBox(out, box));
  return out;
}

const Box* FindChildByLabel(const Box& parent, std::string_view label) {
  for (const Box& child : parent.children) {
    if (child.is_superbox() && child.desc && child.desc->label == label) return &child;
  }
  return nullptr;
}

const Box* FindByLabel(const Box& root, std::string_view path) {
  const Box* current = &root;
  if (path.starts_with('/')) {
    path.remove_prefix(1);
    const size_t slash = path.find('/');
    if (root.label() != path.substr(0, slash)) return nullptr;
    if (slash == std::string_view::npos) return &root;
    path.remove_prefix(slash + 1);
  }
  while (true) {
    const size_t slash = path.find('/');
    const std::string_view component = path.substr(0, slash);
    if (component.empty()) return nullptr;
    current = FindChildByLabel(*current, component);
    if (current == nullptr || slash == std::string_view::npos) return current;
    path.remove_prefix(slash + 1);
  }
}

const Box* FindContent(const Box& superbox, FourCC type) {
  for (const Box& child : superbox.children) {
    if (child.type == type) return &child;
  }
  return nullptr;
}

Result<UuidContent> ParseUuidContent(std::span<const uint8_t> payload) {
  if (payload.size() < 16) return InvalidArgument("JUMBF: uuid box shorter than its UUID");
  UuidContent content;
  std::copy_n(payload.begin(), 16, content.uuid.begin());
  content.data = payload.subspan(16);
  return content;
}

Result<EmbeddedFileDescription> ParseEmbeddedFileDescription(std::span<const uint8_t> payload) {
  if (payload.empty()) return InvalidArgument("JUMBF: empty bfdb box");
  EmbeddedFileDescription desc;
  desc.toggles = payload[0];
  if ((desc.toggles & ~(kFileToggleHasName | kFileToggleExternal)) != 0) {
    return InvalidArgument("JUMBF: bfdb has reserved toggle bits set");
  }
  auto rest = payload.subspan(1);
  auto take_string = [&rest](std::string& out) {
    const auto nul = std::find(rest.begin(), rest.end(), uint8_t{0});
    if (nul == rest.end()) return false;
    out.assign(rest.begin(), nul);
    rest = rest.subspan(out.size() + 1);
    return true;
  };
  if (!take_string(desc.media_type)) {
    return InvalidArgument("JUMBF: bfdb media type is not NUL-terminated");
  }
  if ((desc.toggles & kFileToggleHasName) != 0) {
    std::string name;
    if (!take_string(name)) return InvalidArgument("JUMBF: bfdb file name is not NUL-terminated");
    desc.file_name = std::move(name);
  }
  if (!rest.empty()) return InvalidArgument("JUMBF: trailing bytes in bfdb");
  return desc;
}

Result<Bytes> SerializeEmbeddedFileDescription(const EmbeddedFileDescription& desc) {
  if ((desc.toggles & ~(kFileToggleHasName | kFileToggleExternal)) != 0) {
    return InvalidArgument("JUMBF: bfdb toggles have reserved bits set");
  }
  if (desc.file_name.has_value() != ((desc.toggles & kFileToggleHasName) != 0)) {
    return InvalidArgument("JUMBF: bfdb file name and toggle 0x01 disagree");
  }
  if (desc.media_type.find('\0') != std::string::npos ||
      (desc.file_name && desc.file_name->find('\0') != std::string::npos)) {
    return InvalidArgument("JUMBF: bfdb string contains NUL");
  }
  Bytes out{desc.toggles};
  out.insert(out.end(), desc.media_type.begin(), desc.media_type.end());
  out.push_back(0);
  if (desc.file_name) {
    out.insert(out.end(), desc.file_name->begin(), desc.file_name->end());
    out.push_back(0);
  }
  return out;
}

}  // namespace custody::provenance
