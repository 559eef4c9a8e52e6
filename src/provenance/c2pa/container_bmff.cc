// BMFF (ISO/IEC 14496-12: MP4, MOV, M4A, HEIF): the C2PA `uuid` box and c2pa.hash.bmff.v3.
//
// The store lives in a top-level box
//   size u32 | "uuid" | D8FEC3D6-1B0E-483C-9297-5828877EC481 | version+flags 0 | "manifest\0" |
//   u64 offset of the first Merkle box (0: none) | JUMBF
// placed right after `ftyp`. Inserting or removing it moves every later byte, so the absolute
// file offsets the format stores are rewritten: `stco`/`co64` chunk offsets and `saio` in sample
// tables, `tfhd` base data offsets, `tfra` moof offsets and `iloc` item locations. The rewrite
// maps each old offset through the edit (a removed range, or an insertion), so offsets before the
// change stay and offsets after it move by exactly the bytes added or removed before them.
#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "crypto/sha256.h"
#include "provenance/c2pa/container.h"
#include "provenance/c2pa/container_internal.h"
#include "provenance/c2pa/jumbf.h"

namespace custody::provenance {
namespace container_internal {
namespace {

constexpr std::string_view kFmt = "BMFF";
constexpr Uuid kC2paBoxUuid = {0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C,
                               0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81};
constexpr std::string_view kManifestPurpose = "manifest";
// size, "uuid", user type, version+flags, "manifest\0", Merkle offset.
constexpr size_t kStoreBoxPrefix = 4 + 4 + 16 + 4 + kManifestPurpose.size() + 1 + 8;
// Containers nest a handful deep in real files (moov/trak/mdia/minf/stbl); deeper is hostile.
constexpr int kMaxDepth = 16;

struct BmffBox {
  size_t offset = 0;
  size_t size = 0;    // the whole box, header included
  size_t header = 0;  // 8, or 16 with a 64-bit size; plus 16 for a uuid box's user type
  char type[4] = {};
  bool to_end = false;  // size 0: the box runs to the end of its container

  bool Is(std::string_view cc) const { return std::memcmp(type, cc.data(), 4) == 0; }
  size_t payload() const { return offset + header; }
  size_t payload_size() const { return size - header; }
  size_t end() const { return offset + size; }
};

// The box starting at `pos` inside a container ending at `end`. Size 0 runs to the container's
// end; size 1 means a 64-bit size follows the type.
Result<BmffBox> ReadBox(std::span<const uint8_t> d, size_t pos, size_t end) {
  const size_t left = end - pos;
  if (left < 8) return Malformed(kFmt, pos, "truncated box header");
  BmffBox b;
  b.offset = pos;
  std::memcpy(b.type, &d[pos + 4], 4);
  uint64_t size = ReadU32Be(d, pos);
  b.header = 8;
  if (size == 1) {
    if (left < 16) return Malformed(kFmt, pos, "truncated 64-bit box size");
    size = ReadU64Be(d, pos + 8);
    b.header = 16;
  } else if (size == 0) {
    size = left;
    b.to_end = true;
  }
  if (size < b.header) return Malformed(kFmt, pos, "box size smaller than its header");
  if (size > left) return Malformed(kFmt, pos, "box extends beyond its container");
  if (b.Is("uuid")) {
    if (size - b.header < 16) return Malformed(kFmt, pos, "uuid box without a user type");
    b.header += 16;
  }
  b.size = static_cast<size_t>(size);
  return b;
}

Result<std::vector<BmffBox>> ReadBoxes(std::span<const uint8_t> d, size_t start, size_t end) {
  std::vector<BmffBox> boxes;
  for (size_t pos = start; pos < end;) {
    ASSIGN_OR_RETURN(BmffBox b, ReadBox(d, pos, end));
    pos = b.end();
    boxes.push_back(b);
  }
  return boxes;
}

bool IsC2paUuidBox(std::span<const uint8_t> d, const BmffBox& b) {
  return b.Is("uuid") &&
         std::equal(kC2paBoxUuid.begin(), kC2paBoxUuid.end(), d.begin() + b.payload() - 16);
}

// Old offset -> new offset for one edit of the file: `removed` ranges (sorted, disjoint) taken
// out, or `inserted` bytes put in at `insert_at`. Offsets inside a removed range have no image.
class OffsetMap {
 public:
  OffsetMap(std::vector<ByteRange> removed, uint64_t insert_at, uint64_t inserted)
      : removed_(std::move(removed)), insert_at_(insert_at), inserted_(inserted) {
    uint64_t sum = 0;
    for (const ByteRange& r : removed_) {
      removed_before_.push_back(sum);
      sum += r.length;
    }
  }

  Result<uint64_t> Map(uint64_t old) const {
    auto it = std::partition_point(removed_.begin(), removed_.end(),
                                   [old](const ByteRange& r) { return r.start + r.length <= old; });
    uint64_t v = old;
    if (it != removed_.end()) {
      if (it->start <= old) {
        return Malformed(kFmt, old, "a file offset points into the C2PA box being removed");
      }
      v -= removed_before_[it - removed_.begin()];
    } else if (!removed_.empty()) {
      v -= removed_before_.back() + removed_.back().length;
    }
    if (inserted_ != 0 && old >= insert_at_) {
      if (v > std::numeric_limits<uint64_t>::max() - inserted_) {
        return Malformed(kFmt, old, "file offset overflows");
      }
      v += inserted_;
    }
    return v;
  }

 private:
  std::vector<ByteRange> removed_;
  std::vector<uint64_t> removed_before_;  // total length of the ranges before each one
  uint64_t insert_at_;
  uint64_t inserted_;
};

// A field to overwrite: `width` bytes big-endian at `pos` (an old offset) get `value`.
struct Patch {
  uint64_t pos = 0;
  size_t width = 0;
  uint64_t value = 0;
};

// Reads fields of a box payload in order, failing instead of running past the box.
class Cursor {
 public:
  Cursor(std::span<const uint8_t> d, const BmffBox& box)
      : d_(d), pos_(box.payload()), end_(box.end()) {}
  Result<uint64_t> Read(size_t width) {
    if (end_ - pos_ < width) return Malformed(kFmt, pos_, "truncated box field");
    const uint64_t v = ReadUBe(d_, pos_, width);
    pos_ += width;
    return v;
  }
  Status Skip(uint64_t n) {
    if (end_ - pos_ < n) return Malformed(kFmt, pos_, "truncated box field");
    pos_ += n;
    return OkStatus();
  }
  size_t pos() const { return pos_; }
  size_t left() const { return end_ - pos_; }

 private:
  std::span<const uint8_t> d_;
  size_t pos_;
  size_t end_;
};

class PatchCollector {
 public:
  PatchCollector(std::span<const uint8_t> d, const OffsetMap& map) : d_(d), map_(map) {}

  Status Walk(size_t start, size_t end, int depth, std::string_view parent) {
    if (depth > kMaxDepth) return Malformed(kFmt, start, "boxes nested too deeply");
    for (size_t pos = start; pos < end;) {
      ASSIGN_OR_RETURN(BmffBox b, ReadBox(d_, pos, end));
      pos = b.end();
      if (b.Is("moov") || b.Is("trak") || b.Is("mdia") || b.Is("minf") || b.Is("stbl") ||
          b.Is("moof") || b.Is("traf") || b.Is("mfra")) {
        RETURN_IF_ERROR(Walk(b.payload(), b.end(), depth + 1, std::string_view(b.type, 4)));
      } else if (b.Is("meta")) {
        // ISO `meta` is a full box; QuickTime's is a plain container starting with `hdlr`.
        size_t children = b.payload();
        const bool quicktime = b.payload_size() >= 8 && HasFourCC(d_, children + 4, "hdlr");
        if (!quicktime) children += std::min<size_t>(4, b.payload_size());
        RETURN_IF_ERROR(Walk(children, b.end(), depth + 1, "meta"));
      } else if (b.Is("stco") || b.Is("co64")) {
        RETURN_IF_ERROR(ChunkOffsets(b, b.Is("stco") ? 4 : 8));
      } else if (b.Is("saio") && parent == "stbl") {
        // In a sample table the offsets are absolute; in a `traf` they are relative to the
        // fragment's base and do not move.
        RETURN_IF_ERROR(AuxOffsets(b));
      } else if (b.Is("tfhd")) {
        RETURN_IF_ERROR(TrackFragmentHeader(b));
      } else if (b.Is("tfra")) {
        RETURN_IF_ERROR(RandomAccess(b));
      } else if (b.Is("iloc")) {
        RETURN_IF_ERROR(ItemLocations(b));
      }
    }
    return OkStatus();
  }

  std::vector<Patch>& patches() { return patches_; }

 private:
  // `value` is the absolute offset stored at `pos`; records its new value if it moves.
  Status Offset(uint64_t pos, size_t width, uint64_t value) {
    ASSIGN_OR_RETURN(uint64_t mapped, map_.Map(value));
    if (mapped == value) return OkStatus();
    if (width < 8 && mapped >> (8 * width) != 0) {
      return Malformed(kFmt, pos, "a 32-bit file offset overflows after the C2PA box insertion");
    }
    patches_.push_back({pos, width, mapped});
    return OkStatus();
  }

  Status Entries(Cursor& c, size_t width, const BmffBox& b) {
    ASSIGN_OR_RETURN(uint64_t count, c.Read(4));
    if (count > c.left() / width) return Malformed(kFmt, b.offset, "entry count beyond the box");
    for (uint64_t i = 0; i < count; ++i) {
      const size_t pos = c.pos();
      ASSIGN_OR_RETURN(uint64_t v, c.Read(width));
      RETURN_IF_ERROR(Offset(pos, width, v));
    }
    return OkStatus();
  }

  Status ChunkOffsets(const BmffBox& b, size_t width) {
    Cursor c(d_, b);
    RETURN_IF_ERROR(c.Skip(4));  // version, flags
    return Entries(c, width, b);
  }

  Status AuxOffsets(const BmffBox& b) {
    Cursor c(d_, b);
    ASSIGN_OR_RETURN(uint64_t version_flags, c.Read(4));
    if (version_flags & 1) RETURN_IF_ERROR(c.Skip(8));  // aux_info_type and its parameter
    return Entries(c, (version_flags >> 24) == 0 ? 4 : 8, b);
  }

  Status TrackFragmentHeader(const BmffBox& b) {
    Cursor c(d_, b);
    ASSIGN_OR_RETURN(uint64_t version_flags, c.Read(4));
    if ((version_flags & 1) == 0) return OkStatus();  // no base_data_offset
    RETURN_IF_ERROR(c.Skip(4));                       // track_ID
    const size_t pos = c.pos();
    ASSIGN_OR_RETURN(uint64_t base, c.Read(8));
    return Offset(pos, 8, base);
  }

  Status RandomAccess(const BmffBox& b) {
    Cursor c(d_, b);
    ASSIGN_OR_RETURN(uint64_t version_flags, c.Read(4));
    const size_t width = (version_flags >> 24) == 1 ? 8 : 4;
    RETURN_IF_ERROR(c.Skip(4));  // track_ID
    ASSIGN_OR_RETURN(uint64_t sizes, c.Read(4));
    ASSIGN_OR_RETURN(uint64_t count, c.Read(4));
    const size_t tail = ((sizes >> 4) & 3) + ((sizes >> 2) & 3) + (sizes & 3) + 3;
    if (count > c.left() / (2 * width + tail)) {
      return Malformed(kFmt, b.offset, "tfra entry count beyond the box");
    }
    for (uint64_t i = 0; i < count; ++i) {
      RETURN_IF_ERROR(c.Skip(width));  // time
      const size_t pos = c.pos();
      ASSIGN_OR_RETURN(uint64_t moof, c.Read(width));
      RETURN_IF_ERROR(Offset(pos, width, moof));
      RETURN_IF_ERROR(c.Skip(tail));
    }
    return OkStatus();
  }

  // iloc (ISO/IEC 14496-12 §8.11.3). Only items stored in this file at absolute offsets
  // (construction method 0, data reference 0) move. An item's location is base_offset +
  // extent_offset: when the base is used it is shifted, otherwise each extent offset is.
  Status ItemLocations(const BmffBox& b) {
    Cursor c(d_, b);
    ASSIGN_OR_RETURN(uint64_t version_flags, c.Read(4));
    const uint64_t version = version_flags >> 24;
    if (version > 2) return Malformed(kFmt, b.offset, "unknown iloc version");
    ASSIGN_OR_RETURN(uint64_t sizes, c.Read(2));
    const size_t offset_size = (sizes >> 12) & 15;
    const size_t length_size = (sizes >> 8) & 15;
    const size_t base_size = (sizes >> 4) & 15;
    const size_t index_size = version == 0 ? 0 : sizes & 15;
    for (size_t s : {offset_size, length_size, base_size, index_size}) {
      if (s != 0 && s != 4 && s != 8) return Malformed(kFmt, b.offset, "iloc field size");
    }
    ASSIGN_OR_RETURN(uint64_t items, c.Read(version < 2 ? 2 : 4));
    const size_t extent_bytes = index_size + offset_size + length_size;
    for (uint64_t i = 0; i < items; ++i) {
      RETURN_IF_ERROR(c.Skip(version < 2 ? 2 : 4));  // item_ID
      uint64_t method = 0;
      if (version != 0) {
        ASSIGN_OR_RETURN(uint64_t m, c.Read(2));
        method = m & 15;
      }
      ASSIGN_OR_RETURN(uint64_t data_ref, c.Read(2));
      const size_t base_pos = c.pos();
      ASSIGN_OR_RETURN(uint64_t base, c.Read(base_size));
      ASSIGN_OR_RETURN(uint64_t extent_count, c.Read(2));
      if (extent_count > 0 && extent_bytes > 0 && extent_count > c.left() / extent_bytes) {
        return Malformed(kFmt, b.offset, "iloc extent count beyond the box");
      }
      // Extents without fields all sit at offset 0 of the item: nothing to read per extent.
      const uint64_t stored = extent_bytes == 0 ? 0 : extent_count;
      std::vector<std::pair<size_t, uint64_t>> extents;  // position, extent_offset
      for (uint64_t e = 0; e < stored; ++e) {
        RETURN_IF_ERROR(c.Skip(index_size));
        const size_t pos = c.pos();
        ASSIGN_OR_RETURN(uint64_t off, c.Read(offset_size));
        RETURN_IF_ERROR(c.Skip(length_size));
        extents.emplace_back(pos, off);
      }
      if (method != 0 || data_ref != 0) continue;
      if (base_size > 0 && (base != 0 || offset_size == 0)) {
        RETURN_IF_ERROR(ShiftBase(b, base_pos, base_size, base, extents));
      } else if (offset_size > 0) {
        for (const auto& [pos, off] : extents) RETURN_IF_ERROR(Offset(pos, offset_size, off));
      }
    }
    return OkStatus();
  }

  // Moves an iloc base_offset so every extent of the item keeps pointing at its bytes.
  Status ShiftBase(const BmffBox& b, size_t base_pos, size_t base_size, uint64_t base,
                   const std::vector<std::pair<size_t, uint64_t>>& extents) {
    std::vector<uint64_t> offsets;
    for (const auto& extent : extents) offsets.push_back(extent.second);
    if (offsets.empty()) offsets.push_back(0);
    std::optional<uint64_t> new_base;
    for (uint64_t off : offsets) {
      if (off > std::numeric_limits<uint64_t>::max() - base) {
        return Malformed(kFmt, b.offset, "iloc offset overflows");
      }
      ASSIGN_OR_RETURN(uint64_t mapped, map_.Map(base + off));
      if (mapped < off) return Malformed(kFmt, b.offset, "iloc base offset underflows");
      if (new_base && *new_base != mapped - off) {
        return Malformed(kFmt, b.offset, "iloc extents of one item move by different amounts");
      }
      new_base = mapped - off;
    }
    if (*new_base == base) return OkStatus();
    if (base_size < 8 && *new_base >> (8 * base_size) != 0) {
      return Malformed(kFmt, base_pos, "a 32-bit iloc base offset overflows");
    }
    patches_.push_back({base_pos, base_size, *new_base});
    return OkStatus();
  }

  std::span<const uint8_t> d_;
  const OffsetMap& map_;
  std::vector<Patch> patches_;
};

// `d` with `removed` (sorted, disjoint top-level boxes) taken out and `insert` put in at
// `insert_at` (a top-level box boundary outside the removed ranges), file offsets rewritten.
Result<Bytes> Rewrite(std::span<const uint8_t> d, std::vector<ByteRange> removed,
                      uint64_t insert_at, std::span<const uint8_t> insert) {
  uint64_t removed_total = 0;
  for (const ByteRange& r : removed) removed_total += r.length;
  OffsetMap map(removed, insert_at, insert.size());
  PatchCollector collector(d, map);
  RETURN_IF_ERROR(collector.Walk(0, d.size(), 0, ""));

  Bytes out;
  ReserveOutput(out, d.size() - removed_total + insert.size());
  size_t pos = 0;
  auto copy_to = [&](size_t end) {
    if (!insert.empty() && pos <= insert_at && insert_at <= end) {
      out.insert(out.end(), d.begin() + pos, d.begin() + insert_at);
      out.insert(out.end(), insert.begin(), insert.end());
      pos = insert_at;
      insert = {};
    }
    out.insert(out.end(), d.begin() + pos, d.begin() + end);
  };
  for (const ByteRange& r : removed) {
    copy_to(r.start);
    pos = r.start + r.length;
  }
  copy_to(d.size());

  for (const Patch& p : collector.patches()) {
    ASSIGN_OR_RETURN(uint64_t at, map.Map(p.pos));
    if (at > out.size() || out.size() - at < p.width) return Internal("BMFF patch out of bounds");
    WriteUBe(&out[at], p.value, p.width);
  }
  return out;
}

// The JUMBF in a C2PA uuid box with purpose "manifest", or nullopt for other purposes (Merkle
// trees of fragmented files).
Result<std::optional<Bytes>> ManifestOfUuidBox(std::span<const uint8_t> d, const BmffBox& b) {
  size_t p = b.payload();
  const size_t end = b.end();
  if (end - p < 4) return Malformed(kFmt, b.offset, "C2PA uuid box without version/flags");
  p += 4;
  const auto nul = std::find(d.begin() + p, d.begin() + end, 0);
  if (nul == d.begin() + end) return Malformed(kFmt, b.offset, "C2PA uuid box purpose not ended");
  const std::string_view purpose(reinterpret_cast<const char*>(&d[p]), nul - (d.begin() + p));
  if (purpose != kManifestPurpose) return std::optional<Bytes>();
  p += purpose.size() + 1;
  if (end - p < 8) return Malformed(kFmt, b.offset, "C2PA uuid box without a Merkle offset");
  p += 8;
  // The JUMBF box's own length says where it ends: zero padding may follow.
  const size_t left = end - p;
  if (left < 8) return Malformed(kFmt, b.offset, "C2PA uuid box without a JUMBF box");
  uint64_t size = ReadU32Be(d, p);
  if (size == 1) {
    if (left < 16) return Malformed(kFmt, b.offset, "truncated JUMBF box header");
    size = ReadU64Be(d, p + 8);
  } else if (size == 0) {
    size = left;
  }
  if (size < 8 || size > left) return Malformed(kFmt, b.offset, "JUMBF box size out of range");
  return std::optional<Bytes>(Bytes(d.begin() + p, d.begin() + p + size));
}

}  // namespace

Result<std::optional<FoundStore>> ReadBmffStore(std::span<const uint8_t> data) {
  ASSIGN_OR_RETURN(std::vector<BmffBox> boxes, ReadBoxes(data, 0, data.size()));
  std::optional<FoundStore> found;
  for (const BmffBox& b : boxes) {
    if (!IsC2paUuidBox(data, b)) continue;
    ASSIGN_OR_RETURN(std::optional<Bytes> jumbf, ManifestOfUuidBox(data, b));
    if (!jumbf) continue;
    if (found) return Malformed(kFmt, b.offset, "more than one C2PA manifest box");
    found = FoundStore{std::move(*jumbf), {{b.offset, b.size}}};
  }
  return found;
}

Result<Bytes> RemoveBmffStore(std::span<const uint8_t> data) {
  RETURN_IF_ERROR(ReadBmffStore(data));  // the same files are malformed for every operation
  ASSIGN_OR_RETURN(std::vector<BmffBox> boxes, ReadBoxes(data, 0, data.size()));
  std::vector<ByteRange> removed;
  for (const BmffBox& b : boxes) {
    if (IsC2paUuidBox(data, b)) removed.push_back({b.offset, b.size});
  }
  if (removed.empty()) return Bytes(data.begin(), data.end());
  return Rewrite(data, std::move(removed), 0, {});
}

namespace {

// True if `data` holds a C2PA uuid box (of any purpose) that Remove would take out.
Result<bool> HasC2paBoxes(std::span<const uint8_t> data) {
  RETURN_IF_ERROR(ReadBmffStore(data));  // the same files are malformed for every operation
  ASSIGN_OR_RETURN(std::vector<BmffBox> boxes, ReadBoxes(data, 0, data.size()));
  return std::any_of(boxes.begin(), boxes.end(),
                     [&](const BmffBox& b) { return IsC2paUuidBox(data, b); });
}

}  // namespace

Result<Embedding> PrepareBmff(std::span<const uint8_t> data, size_t jumbf_size) {
  if (jumbf_size > std::numeric_limits<uint32_t>::max() - kStoreBoxPrefix) {
    return InvalidArgument("BMFF: the manifest store does not fit a 32-bit box size");
  }
  // Copy the input only when it has boxes to take out: otherwise Rewrite below is the only copy.
  ASSIGN_OR_RETURN(bool has_store, HasC2paBoxes(data));
  Bytes copy;
  if (has_store) {
    ASSIGN_OR_RETURN(copy, RemoveBmffStore(data));
  }
  const std::span<const uint8_t> stripped = has_store ? std::span<const uint8_t>(copy) : data;
  ASSIGN_OR_RETURN(std::vector<BmffBox> boxes, ReadBoxes(stripped, 0, stripped.size()));
  auto ftyp =
      std::find_if(boxes.begin(), boxes.end(), [](const BmffBox& b) { return b.Is("ftyp"); });
  if (ftyp == boxes.end()) return Malformed(kFmt, 0, "no ftyp box");
  if (ftyp->to_end) return Malformed(kFmt, 0, "ftyp box runs to the end of the file");
  // A 32-bit size keeps the user type at offset 8, where the /uuid exclusion looks for it.
  Bytes box;
  box.reserve(kStoreBoxPrefix + jumbf_size);
  AppendUBe(box, kStoreBoxPrefix + jumbf_size, 4);
  box.insert(box.end(), {'u', 'u', 'i', 'd'});
  box.insert(box.end(), kC2paBoxUuid.begin(), kC2paBoxUuid.end());
  AppendUBe(box, 0, 4);  // version, flags
  box.insert(box.end(), kManifestPurpose.begin(), kManifestPurpose.end());
  box.push_back(0);
  AppendUBe(box, 0, 8);  // no Merkle box
  box.resize(kStoreBoxPrefix + jumbf_size, 0);

  const size_t at = ftyp->end();
  Embedding e;
  e.format = AssetFormat::kBmff;
  e.jumbf_size = jumbf_size;
  ASSIGN_OR_RETURN(e.bytes, Rewrite(stripped, {}, at, box));
  e.pieces.push_back({at + kStoreBoxPrefix, 0, jumbf_size});
  return e;
}

std::string BmffMediaType(std::span<const uint8_t> data) {
  if (data.size() < 12) return "video/mp4";
  const std::string_view brand(reinterpret_cast<const char*>(&data[8]), 4);
  if (brand == "qt  ") return "video/quicktime";
  if (brand == "M4A " || brand == "M4B " || brand == "M4P ") return "audio/mp4";
  for (std::string_view heif : {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"}) {
    if (brand == heif) return "image/heif";
  }
  if (brand == "avif" || brand == "avis") return "image/avif";
  return "video/mp4";
}

}  // namespace container_internal

std::vector<BmffExclusion> DefaultBmffExclusions() {
  using container_internal::kC2paBoxUuid;
  return {
      {"/uuid", {{8, Bytes(kC2paBoxUuid.begin(), kC2paBoxUuid.end())}}},
      {"/ftyp", {}},
      {"/mfra", {}},
  };
}

Result<std::array<uint8_t, 32>> BmffHash(std::span<const uint8_t> data,
                                         std::span<const BmffExclusion> exclusions) {
  for (const BmffExclusion& ex : exclusions) {
    if (ex.xpath.size() != 5 || ex.xpath[0] != '/' ||
        ex.xpath.find_first_of("/[]", 1) != std::string::npos) {
      return InvalidArgument(
          "BMFF hash: only top-level exclusions \"/<4cc>\" are supported, got \"" + ex.xpath +
          "\"");
    }
  }
  using container_internal::BmffBox;
  ASSIGN_OR_RETURN(std::vector<BmffBox> boxes, container_internal::ReadBoxes(data, 0, data.size()));
  crypto::Sha256 sha;
  for (const BmffBox& b : boxes) {
    const bool excluded =
        std::any_of(exclusions.begin(), exclusions.end(), [&](const BmffExclusion& ex) {
          if (!b.Is(std::string_view(ex.xpath).substr(1))) return false;
          return std::all_of(ex.data.begin(), ex.data.end(), [&](const auto& m) {
            return m.offset <= b.size && m.value.size() <= b.size - m.offset &&
                   std::equal(m.value.begin(), m.value.end(), data.begin() + b.offset + m.offset);
          });
        });
    if (excluded) continue;
    uint8_t offset[8];
    container_internal::WriteUBe(offset, b.offset, 8);
    sha.Update(std::span<const uint8_t>(offset, 8));
    sha.Update(data.subspan(b.offset, b.size));
  }
  return sha.Final();
}

}  // namespace custody::provenance
