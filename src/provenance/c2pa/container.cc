// The C2PA containers of JPEG, PNG and RIFF (WAV, WebP), the dispatch by format, and the data
// hash. BMFF is in container_bmff.cc. Every reader bounds-checks with "bytes remaining"
// arithmetic so that hostile lengths can neither overflow nor read past the end.
#include "provenance/c2pa/container.h"

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "crypto/sha256.h"
#include "provenance/c2pa/container_internal.h"
#include "provenance/c2pa/jumbf.h"

namespace custody::provenance {

namespace container_internal {

Error Malformed(std::string_view format, uint64_t offset, std::string_view what) {
  return InvalidArgument(std::string(format) + ": at offset " + std::to_string(offset) + ": " +
                         std::string(what));
}

}  // namespace container_internal

namespace container_internal {

void ReserveOutput(Bytes& out, size_t capacity) {
  out.reserve(capacity);
  constexpr size_t kHugePage = size_t{2} << 20;
  if (capacity < 8 * kHugePage) return;
  // Only the 2 MiB-aligned interior of the allocation: the advice applies to whole pages.
  const auto begin = reinterpret_cast<uintptr_t>(out.data());
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + capacity) & ~(kHugePage - 1);
  if (last > first) {
    // Advice only: a kernel without THP says EINVAL and the copy simply takes 4 KiB pages.
    (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
  }
}

}  // namespace container_internal

namespace {

using container_internal::AppendUBe;
using container_internal::HasFourCC;
using container_internal::Malformed;
using container_internal::ReadU16Be;
using container_internal::ReadU32Be;
using container_internal::ReadU32Le;
using container_internal::ReadU64Be;
using container_internal::ReserveOutput;
using container_internal::WriteU32Le;
using container_internal::WriteUBe;

// A JUMBF box has at least its 8-byte header.
constexpr size_t kMinJumbfSize = 8;

Error Unsupported() {
  return Error(ErrorCode::kUnsupportedMedia,
               "not a supported asset format for C2PA (JPEG, PNG, WAV, WebP, BMFF)");
}

// Bytes of `data` without `ranges` (sorted, non-overlapping, in bounds).
Bytes CopyWithout(std::span<const uint8_t> data, const std::vector<ByteRange>& ranges) {
  Bytes out;
  uint64_t removed = 0;
  for (const ByteRange& r : ranges) removed += r.length;
  out.reserve(data.size() - removed);
  size_t pos = 0;
  for (const ByteRange& r : ranges) {
    out.insert(out.end(), data.begin() + pos, data.begin() + r.start);
    pos = r.start + r.length;
  }
  out.insert(out.end(), data.begin() + pos, data.end());
  return out;
}

// Joins ranges that touch, so that a store split over contiguous units is one block.
std::vector<ByteRange> MergeAdjacent(const std::vector<ByteRange>& ranges) {
  std::vector<ByteRange> out;
  for (const ByteRange& r : ranges) {
    if (!out.empty() && out.back().start + out.back().length == r.start) {
      out.back().length += r.length;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

// Whether `d` starts like a C2PA manifest store: a `jumb` box whose first child is a `jumd`
// labelled "c2pa". This is how a JPEG APP11 box instance is recognised as the store among other
// JUMBF boxes, and what WriteManifestStore asks of the store it embeds.
bool LooksLikeC2paStore(std::span<const uint8_t> d) {
  if (d.size() < 8 || !HasFourCC(d, 4, "jumb")) return false;
  size_t p = ReadU32Be(d, 0) == 1 ? 16 : 8;
  // jumd: LBox, "jumd", type UUID (16), toggles (1), "c2pa\0".
  constexpr size_t kJumdPrefix = 8 + 16 + 1 + 5;
  if (d.size() < p || d.size() - p < kJumdPrefix) return false;
  if (ReadU32Be(d, p) < kJumdPrefix || !HasFourCC(d, p + 4, "jumd")) return false;
  if ((d[p + 24] & kToggleHasLabel) == 0) return false;
  return std::memcmp(&d[p + 25], "c2pa", 5) == 0;
}

// The box size a JUMBF header declares (LBox, or XLBox when LBox == 1), and the header length;
// nullopt if `d` is too short for the header.
struct JumbfHeader {
  uint64_t box_size = 0;
  size_t header_size = 0;
};
std::optional<JumbfHeader> ReadJumbfHeader(std::span<const uint8_t> d) {
  if (d.size() < 8) return std::nullopt;
  const uint32_t lbox = ReadU32Be(d, 0);
  if (lbox != 1) return JumbfHeader{lbox, 8};
  if (d.size() < 16) return std::nullopt;
  return JumbfHeader{ReadU64Be(d, 8), 16};
}

// ---------------------------------------------------------------------------------------------
// JPEG: markers up to the first SOS; the store is carried by APP11 segments
//   FF EB | Le u16 | "JP" | En u16 (box instance) | Z u32 (sequence, from 1) | data
// where the data of Z=1 starts with the JUMBF box and every later segment repeats the box's
// LBox/TBox (8 bytes, 16 with XLBox) before continuing.

constexpr uint8_t kMarkerSoi = 0xD8;
constexpr uint8_t kMarkerEoi = 0xD9;
constexpr uint8_t kMarkerSos = 0xDA;
constexpr uint8_t kMarkerApp0 = 0xE0;
constexpr uint8_t kMarkerApp11 = 0xEB;
constexpr size_t kJpegChunk = 64000;  // JUMBF bytes per APP11 segment, as c2pa-rs writes
constexpr uint16_t kJpegBoxInstance = 0x0211;
constexpr size_t kMaxJpegSegments = 65535;
constexpr size_t kApp11Prefix = 2 + 2 + 2 + 2 + 4;  // marker, Le, CI, En, Z

struct JpegApp11 {
  size_t start = 0;   // the 0xFF of FF EB
  size_t length = 0;  // 2 + Le
  uint16_t en = 0;
  uint32_t z = 0;
  size_t data = 0;  // first byte after Z
  size_t data_length = 0;
};

struct JpegLayout {
  std::vector<JpegApp11> app11;  // APP11 segments with CI "JP", in file order
  size_t after_last_app0 = 2;    // where a store is inserted: after the last APP0, or after SOI
};

Result<JpegLayout> ParseJpeg(std::span<const uint8_t> d) {
  constexpr std::string_view kFmt = "JPEG";
  if (d.size() < 2 || d[0] != 0xFF || d[1] != kMarkerSoi) return Malformed(kFmt, 0, "no SOI");
  JpegLayout layout;
  size_t pos = 2;
  while (true) {
    if (pos >= d.size()) return Malformed(kFmt, pos, "truncated before SOS");
    if (d[pos] != 0xFF) return Malformed(kFmt, pos, "expected a marker");
    while (pos < d.size() && d[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= d.size()) return Malformed(kFmt, pos, "truncated in fill bytes");
    const uint8_t marker = d[pos];
    const size_t start = pos - 1;
    ++pos;
    if (marker == 0x00) return Malformed(kFmt, start, "stuffed 0xFF00 outside entropy data");
    if (marker == kMarkerSoi) return Malformed(kFmt, start, "second SOI");
    // The store must come before the image data; what follows SOS is copied untouched.
    if (marker == kMarkerSos || marker == kMarkerEoi) break;
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // standalone markers
    if (d.size() - pos < 2) return Malformed(kFmt, start, "truncated segment length");
    const size_t le = ReadU16Be(d, pos);
    if (le < 2) return Malformed(kFmt, start, "segment length below 2");
    if (le > d.size() - pos) return Malformed(kFmt, start, "segment extends beyond the file");
    if (marker == kMarkerApp0) layout.after_last_app0 = pos + le;
    if (marker == kMarkerApp11 && le >= 2 + 8 && d[pos + 2] == 'J' && d[pos + 3] == 'P') {
      layout.app11.push_back({.start = start,
                              .length = 2 + le,
                              .en = ReadU16Be(d, pos + 4),
                              .z = ReadU32Be(d, pos + 6),
                              .data = pos + 10,
                              .data_length = le - 10});
    }
    pos += le;
  }
  return layout;
}

// The C2PA store of a JPEG: its reassembled JUMBF and every APP11 segment that carries it.
struct JpegStore {
  std::optional<FoundStore> store;
  std::vector<ByteRange> segments;  // sorted
};

Result<JpegStore> FindJpegStore(std::span<const uint8_t> d, const JpegLayout& layout) {
  constexpr std::string_view kFmt = "JPEG";
  struct Store {
    uint16_t en = 0;
    uint32_t next_z = 2;
    JumbfHeader header;
    Bytes jumbf;
    std::vector<ByteRange> ranges;
    bool complete() const { return jumbf.size() == header.box_size; }
  };
  std::optional<Store> store;
  // For each box instance number: whether its latest first segment (Z=1) started the C2PA store.
  std::map<uint16_t, bool> is_store;
  for (const JpegApp11& seg : layout.app11) {
    std::span<const uint8_t> data = d.subspan(seg.data, seg.data_length);
    if (seg.z == 0) return Malformed(kFmt, seg.start, "APP11 JUMBF sequence number 0");
    if (seg.z == 1) {
      if (store && store->en == seg.en && !store->complete()) {
        return Malformed(kFmt, seg.start, "C2PA box instance restarted before it was complete");
      }
      const bool c2pa = LooksLikeC2paStore(data);
      is_store[seg.en] = c2pa;
      if (!c2pa) continue;  // another JUMBF box: not ours to check
      if (store) return Malformed(kFmt, seg.start, "more than one C2PA manifest store");
      store.emplace();
      store->en = seg.en;
      store->header = *ReadJumbfHeader(data);  // LooksLikeC2paStore checked the length
      if (store->header.box_size < store->header.header_size) {
        return Malformed(kFmt, seg.start, "C2PA store with an invalid box length");
      }
      if (data.size() > store->header.box_size) {
        return Malformed(kFmt, seg.start, "APP11 data longer than the C2PA store box");
      }
      store->jumbf.assign(data.begin(), data.end());
      store->ranges.push_back({seg.start, seg.length});
      continue;
    }
    auto it = is_store.find(seg.en);
    if (it == is_store.end()) {
      return Malformed(kFmt, seg.start, "APP11 continuation segment without a first segment");
    }
    if (!it->second) continue;
    if (store->complete()) return Malformed(kFmt, seg.start, "APP11 segment after the store's end");
    if (seg.z != store->next_z) return Malformed(kFmt, seg.start, "APP11 sequence gap");
    const size_t hs = store->header.header_size;
    if (data.size() < hs || !std::equal(data.begin(), data.begin() + hs, store->jumbf.begin())) {
      return Malformed(kFmt, seg.start, "APP11 segment does not repeat the store's box header");
    }
    if (data.size() - hs > store->header.box_size - store->jumbf.size()) {
      return Malformed(kFmt, seg.start, "APP11 data longer than the C2PA store box");
    }
    store->jumbf.insert(store->jumbf.end(), data.begin() + hs, data.end());
    store->ranges.push_back({seg.start, seg.length});
    ++store->next_z;
  }
  JpegStore result;
  if (store) {
    if (!store->complete()) {
      return Malformed(kFmt, store->ranges.front().start,
                       "C2PA store truncated (missing APP11 segments)");
    }
    result.segments = store->ranges;
    result.store = FoundStore{std::move(store->jumbf), MergeAdjacent(store->ranges)};
  }
  return result;
}

Result<JpegStore> ReadJpeg(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(JpegLayout layout, ParseJpeg(d));
  return FindJpegStore(d, layout);
}

// `d` without its store, or nullopt when it has none. Prepare uses the input as it is then, so a
// signing pass over a large file copies it once (into the output), not twice.
Result<std::optional<Bytes>> StripJpeg(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(JpegStore found, ReadJpeg(d));
  if (found.segments.empty()) return std::optional<Bytes>();
  return std::optional<Bytes>(CopyWithout(d, found.segments));
}

Result<Bytes> RemoveJpeg(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(std::optional<Bytes> stripped, StripJpeg(d));
  return stripped ? std::move(*stripped) : Bytes(d.begin(), d.end());
}

Result<Embedding> PrepareJpeg(std::span<const uint8_t> asset, size_t jumbf_size) {
  ASSIGN_OR_RETURN(std::optional<Bytes> copy, StripJpeg(asset));
  const std::span<const uint8_t> stripped = copy ? std::span<const uint8_t>(*copy) : asset;
  ASSIGN_OR_RETURN(JpegLayout layout, ParseJpeg(stripped));
  const size_t count = (jumbf_size + kJpegChunk - 1) / kJpegChunk;
  if (count > kMaxJpegSegments) {
    return InvalidArgument("JPEG: a manifest store of " + std::to_string(jumbf_size) +
                           " bytes needs more than 65535 APP11 segments");
  }
  // c2pa-rs numbers its box instance 0x0211. Another JUMBF box with that number could interleave
  // with ours (its first segment before the APP0, the rest after), so take a free number then.
  std::vector<bool> used(65536, false);
  for (const JpegApp11& seg : layout.app11) used[seg.en] = true;
  uint16_t en = kJpegBoxInstance;
  while (used[en]) {
    ++en;
    if (en == kJpegBoxInstance) return InvalidArgument("JPEG: no free JUMBF box instance number");
  }
  Embedding e;
  e.format = AssetFormat::kJpeg;
  e.jumbf_size = jumbf_size;
  const size_t at = layout.after_last_app0;
  Bytes block;
  for (size_t i = 0; i < count; ++i) {
    const size_t offset = i * kJpegChunk;
    const size_t chunk = std::min(kJpegChunk, jumbf_size - offset);
    const size_t repeat = i == 0 ? 0 : 8;
    const size_t start = at + block.size();
    block.push_back(0xFF);
    block.push_back(kMarkerApp11);
    AppendUBe(block, 2 + 8 + repeat + chunk, 2);  // at most 64018
    block.push_back('J');
    block.push_back('P');
    AppendUBe(block, en, 2);
    AppendUBe(block, i + 1, 4);
    if (repeat != 0) e.pieces.push_back({start + kApp11Prefix, 0, repeat});
    e.pieces.push_back({start + kApp11Prefix + repeat, offset, chunk});
    block.resize(block.size() + repeat + chunk, 0);
  }
  e.exclusions.push_back({at, block.size()});
  ReserveOutput(e.bytes, stripped.size() + block.size());
  e.bytes.assign(stripped.begin(), stripped.begin() + at);
  e.bytes.insert(e.bytes.end(), block.begin(), block.end());
  e.bytes.insert(e.bytes.end(), stripped.begin() + at, stripped.end());
  return e;
}

// ---------------------------------------------------------------------------------------------
// PNG: signature, then chunks `len u32 BE | type | data | CRC32(type+data)`, IHDR first, up to
// IEND (bytes after IEND are kept as they are). The store is the data of a `caBX` chunk.

constexpr std::array<uint8_t, 8> kPngSignature = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr uint64_t kPngMaxChunk = 0x7FFFFFFF;

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t n = 0; n < 256; ++n) {
    uint32_t c = n;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[n] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

uint32_t Crc32(std::span<const uint8_t> data) {
  uint32_t c = 0xFFFFFFFFu;
  for (uint8_t b : data) c = kCrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

struct PngLayout {
  size_t ihdr_end = 0;
  std::vector<ByteRange> cabx;  // whole chunks
};

Result<PngLayout> ParsePng(std::span<const uint8_t> d) {
  constexpr std::string_view kFmt = "PNG";
  if (d.size() < 8 || !std::equal(kPngSignature.begin(), kPngSignature.end(), d.begin())) {
    return Malformed(kFmt, 0, "no PNG signature");
  }
  PngLayout layout;
  size_t pos = 8;
  while (true) {
    if (d.size() - pos < 12) return Malformed(kFmt, pos, "truncated chunk (no IEND)");
    const uint64_t len = ReadU32Be(d, pos);
    if (len > kPngMaxChunk) return Malformed(kFmt, pos, "chunk length above 2^31-1");
    if (len > d.size() - pos - 12) return Malformed(kFmt, pos, "chunk extends beyond the file");
    const bool first = pos == 8;
    if (first != HasFourCC(d, pos + 4, "IHDR")) {
      return Malformed(kFmt, pos, first ? "first chunk is not IHDR" : "second IHDR");
    }
    if (first) layout.ihdr_end = pos + 12 + len;
    if (HasFourCC(d, pos + 4, "caBX")) layout.cabx.push_back({pos, 12 + len});
    const bool iend = HasFourCC(d, pos + 4, "IEND");
    pos += 12 + len;
    if (iend) break;
  }
  return layout;
}

Result<std::optional<FoundStore>> ReadPng(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(PngLayout layout, ParsePng(d));
  if (layout.cabx.empty()) return std::optional<FoundStore>();
  if (layout.cabx.size() > 1) {
    return Malformed("PNG", layout.cabx[1].start, "more than one caBX chunk");
  }
  const ByteRange& c = layout.cabx.front();
  auto jumbf = d.subspan(c.start + 8, c.length - 12);
  return std::optional<FoundStore>(FoundStore{Bytes(jumbf.begin(), jumbf.end()), {c}});
}

Result<std::optional<Bytes>> StripPng(std::span<const uint8_t> d) {
  RETURN_IF_ERROR(ReadPng(d));  // the same files are malformed for every operation
  ASSIGN_OR_RETURN(PngLayout layout, ParsePng(d));
  if (layout.cabx.empty()) return std::optional<Bytes>();
  return std::optional<Bytes>(CopyWithout(d, layout.cabx));
}

Result<Bytes> RemovePng(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(std::optional<Bytes> stripped, StripPng(d));
  return stripped ? std::move(*stripped) : Bytes(d.begin(), d.end());
}

Result<Embedding> PreparePng(std::span<const uint8_t> asset, size_t jumbf_size) {
  if (jumbf_size > kPngMaxChunk) {
    return InvalidArgument("PNG: a manifest store above 2^31-1 bytes does not fit a chunk");
  }
  ASSIGN_OR_RETURN(std::optional<Bytes> copy, StripPng(asset));
  const std::span<const uint8_t> stripped = copy ? std::span<const uint8_t>(*copy) : asset;
  ASSIGN_OR_RETURN(PngLayout layout, ParsePng(stripped));
  Embedding e;
  e.format = AssetFormat::kPng;
  e.jumbf_size = jumbf_size;
  const size_t at = layout.ihdr_end;
  ReserveOutput(e.bytes, stripped.size() + 12 + jumbf_size);
  e.bytes.assign(stripped.begin(), stripped.begin() + at);
  AppendUBe(e.bytes, jumbf_size, 4);
  e.bytes.insert(e.bytes.end(), {'c', 'a', 'B', 'X'});
  e.bytes.resize(e.bytes.size() + jumbf_size, 0);
  AppendUBe(e.bytes, Crc32(std::span<const uint8_t>(e.bytes).subspan(at + 4, 4 + jumbf_size)), 4);
  e.bytes.insert(e.bytes.end(), stripped.begin() + at, stripped.end());
  e.pieces.push_back({at + 8, 0, jumbf_size});
  e.png_chunk_offset = at;
  e.exclusions.push_back({at, 12 + jumbf_size});
  return e;
}

// ---------------------------------------------------------------------------------------------
// RIFF (WAV, WebP): "RIFF" | size u32 LE | form | chunks `id | size u32 LE | data | pad to even`.
// Bytes after the RIFF's declared end are kept as they are. The store is the data of a `C2PA`
// chunk; the data-hash exclusion covers its header and data but not its pad byte.

struct RiffLayout {
  size_t riff_end = 0;
  std::vector<ByteRange> c2pa;         // header + data
  std::vector<ByteRange> c2pa_padded;  // header + data + pad
};

Result<RiffLayout> ParseRiff(std::span<const uint8_t> d) {
  constexpr std::string_view kFmt = "RIFF";
  if (d.size() < 12 || !HasFourCC(d, 0, "RIFF")) return Malformed(kFmt, 0, "no RIFF header");
  const uint64_t riff_size = ReadU32Le(d, 4);
  if (riff_size < 4) return Malformed(kFmt, 4, "RIFF size below 4");
  if (riff_size > d.size() - 8) return Malformed(kFmt, 4, "RIFF extends beyond the file");
  RiffLayout layout;
  layout.riff_end = 8 + riff_size;
  size_t pos = 12;
  while (pos < layout.riff_end) {
    const size_t left = layout.riff_end - pos;
    if (left < 8) return Malformed(kFmt, pos, "truncated chunk header");
    const uint64_t size = ReadU32Le(d, pos + 4);
    const uint64_t padded = size + (size & 1);
    if (padded > left - 8) return Malformed(kFmt, pos, "chunk extends beyond the RIFF");
    if (HasFourCC(d, pos, "C2PA")) {
      layout.c2pa.push_back({pos, 8 + size});
      layout.c2pa_padded.push_back({pos, 8 + padded});
    }
    pos += 8 + padded;
  }
  return layout;
}

Result<std::optional<FoundStore>> ReadRiff(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(RiffLayout layout, ParseRiff(d));
  if (layout.c2pa.empty()) return std::optional<FoundStore>();
  if (layout.c2pa.size() > 1) {
    return Malformed("RIFF", layout.c2pa[1].start, "more than one C2PA chunk");
  }
  const ByteRange& c = layout.c2pa.front();
  auto jumbf = d.subspan(c.start + 8, c.length - 8);
  return std::optional<FoundStore>(FoundStore{Bytes(jumbf.begin(), jumbf.end()), {c}});
}

Result<std::optional<Bytes>> StripRiff(std::span<const uint8_t> d) {
  RETURN_IF_ERROR(ReadRiff(d));  // the same files are malformed for every operation
  ASSIGN_OR_RETURN(RiffLayout layout, ParseRiff(d));
  if (layout.c2pa_padded.empty()) return std::optional<Bytes>();
  Bytes out = CopyWithout(d, layout.c2pa_padded);
  uint64_t removed = 0;
  for (const ByteRange& r : layout.c2pa_padded) removed += r.length;
  WriteU32Le(&out[4], static_cast<uint32_t>(ReadU32Le(d, 4) - removed));
  return std::optional<Bytes>(std::move(out));
}

Result<Bytes> RemoveRiff(std::span<const uint8_t> d) {
  ASSIGN_OR_RETURN(std::optional<Bytes> stripped, StripRiff(d));
  return stripped ? std::move(*stripped) : Bytes(d.begin(), d.end());
}

Result<Embedding> PrepareRiff(std::span<const uint8_t> asset, AssetFormat format,
                              size_t jumbf_size) {
  ASSIGN_OR_RETURN(std::optional<Bytes> copy, StripRiff(asset));
  const std::span<const uint8_t> stripped = copy ? std::span<const uint8_t>(*copy) : asset;
  ASSIGN_OR_RETURN(RiffLayout layout, ParseRiff(stripped));
  const uint64_t pad = jumbf_size & 1;
  const uint64_t riff_size = ReadU32Le(stripped, 4);
  constexpr uint64_t kMax = std::numeric_limits<uint32_t>::max();
  if (jumbf_size > kMax || riff_size + 8 + jumbf_size + pad > kMax) {
    return InvalidArgument("RIFF: the manifest store does not fit the 32-bit RIFF size");
  }
  Embedding e;
  e.format = format;
  e.jumbf_size = jumbf_size;
  const size_t at = layout.riff_end;
  ReserveOutput(e.bytes, stripped.size() + 8 + jumbf_size + pad);
  e.bytes.assign(stripped.begin(), stripped.begin() + at);
  e.bytes.insert(e.bytes.end(), {'C', '2', 'P', 'A', 0, 0, 0, 0});
  WriteU32Le(&e.bytes[at + 4], static_cast<uint32_t>(jumbf_size));
  e.bytes.resize(e.bytes.size() + jumbf_size + pad, 0);
  e.bytes.insert(e.bytes.end(), stripped.begin() + at, stripped.end());
  WriteU32Le(&e.bytes[4], static_cast<uint32_t>(riff_size + 8 + jumbf_size + pad));
  e.pieces.push_back({at + 8, 0, jumbf_size});
  e.exclusions.push_back({at, 8 + jumbf_size});
  return e;
}

}  // namespace

AssetFormat DetectFormat(std::span<const uint8_t> data) {
  if (data.size() >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    return AssetFormat::kJpeg;
  }
  if (data.size() >= 8 && std::equal(kPngSignature.begin(), kPngSignature.end(), data.begin())) {
    return AssetFormat::kPng;
  }
  if (data.size() >= 12 && HasFourCC(data, 0, "RIFF")) {
    if (HasFourCC(data, 8, "WAVE")) return AssetFormat::kWav;
    if (HasFourCC(data, 8, "WEBP")) return AssetFormat::kWebp;
    return AssetFormat::kUnknown;
  }
  if (data.size() >= 8 && HasFourCC(data, 4, "ftyp")) return AssetFormat::kBmff;
  return AssetFormat::kUnknown;
}

std::string_view FormatName(AssetFormat f) {
  switch (f) {
    case AssetFormat::kJpeg:
      return "jpeg";
    case AssetFormat::kPng:
      return "png";
    case AssetFormat::kWav:
      return "wav";
    case AssetFormat::kWebp:
      return "webp";
    case AssetFormat::kBmff:
      return "bmff";
    case AssetFormat::kUnknown:
      break;
  }
  return "unknown";
}

std::string MediaTypeOf(std::span<const uint8_t> data) {
  switch (DetectFormat(data)) {
    case AssetFormat::kJpeg:
      return "image/jpeg";
    case AssetFormat::kPng:
      return "image/png";
    case AssetFormat::kWav:
      return "audio/wav";
    case AssetFormat::kWebp:
      return "image/webp";
    case AssetFormat::kBmff:
      return container_internal::BmffMediaType(data);
    case AssetFormat::kUnknown:
      break;
  }
  return "application/octet-stream";
}

Result<std::optional<FoundStore>> ReadManifestStore(std::span<const uint8_t> data) {
  switch (DetectFormat(data)) {
    case AssetFormat::kJpeg: {
      ASSIGN_OR_RETURN(JpegStore found, ReadJpeg(data));
      return std::move(found.store);
    }
    case AssetFormat::kPng:
      return ReadPng(data);
    case AssetFormat::kWav:
    case AssetFormat::kWebp:
      return ReadRiff(data);
    case AssetFormat::kBmff:
      return container_internal::ReadBmffStore(data);
    case AssetFormat::kUnknown:
      break;
  }
  return Unsupported();
}

Result<Embedding> PrepareEmbedding(std::span<const uint8_t> asset, size_t jumbf_size) {
  const AssetFormat format = DetectFormat(asset);
  if (format == AssetFormat::kUnknown) return Unsupported();
  if (jumbf_size < kMinJumbfSize) {
    return InvalidArgument("a manifest store of " + std::to_string(jumbf_size) +
                           " bytes is smaller than a JUMBF box header");
  }
  switch (format) {
    case AssetFormat::kJpeg:
      return PrepareJpeg(asset, jumbf_size);
    case AssetFormat::kPng:
      return PreparePng(asset, jumbf_size);
    case AssetFormat::kWav:
    case AssetFormat::kWebp:
      return PrepareRiff(asset, format, jumbf_size);
    case AssetFormat::kBmff:
      return container_internal::PrepareBmff(asset, jumbf_size);
    case AssetFormat::kUnknown:
      break;
  }
  return Unsupported();
}

Status WriteManifestStore(Embedding& embedding, std::span<const uint8_t> jumbf) {
  if (jumbf.size() != embedding.jumbf_size) {
    return InvalidArgument("manifest store is " + std::to_string(jumbf.size()) +
                           " bytes, the embedding reserved " +
                           std::to_string(embedding.jumbf_size));
  }
  std::optional<JumbfHeader> header = ReadJumbfHeader(jumbf);
  if (!header || header->box_size != jumbf.size() || !LooksLikeC2paStore(jumbf)) {
    return InvalidArgument(
        "the manifest store must be one JUMBF box whose description is labelled c2pa");
  }
  // The JPEG segments were laid out for an 8-byte repeated header.
  if (embedding.format == AssetFormat::kJpeg && header->header_size != 8 &&
      jumbf.size() > kJpegChunk) {
    return InvalidArgument("JPEG: a multi-segment manifest store needs a 32-bit LBox");
  }
  for (const Embedding::Piece& p : embedding.pieces) {
    if (p.file_offset > embedding.bytes.size() ||
        p.length > embedding.bytes.size() - p.file_offset || p.jumbf_offset > jumbf.size() ||
        p.length > jumbf.size() - p.jumbf_offset) {
      return Internal("embedding piece out of bounds");
    }
    std::copy_n(jumbf.begin() + p.jumbf_offset, p.length, embedding.bytes.begin() + p.file_offset);
  }
  if (embedding.png_chunk_offset) {
    const uint64_t at = *embedding.png_chunk_offset;
    if (at > embedding.bytes.size() || embedding.bytes.size() - at < 12 + jumbf.size()) {
      return Internal("PNG chunk offset out of bounds");
    }
    const uint32_t crc =
        Crc32(std::span<const uint8_t>(embedding.bytes).subspan(at + 4, 4 + jumbf.size()));
    WriteUBe(&embedding.bytes[at + 8 + jumbf.size()], crc, 4);
  }
  return OkStatus();
}

Result<Bytes> RemoveManifestStore(std::span<const uint8_t> asset) {
  switch (DetectFormat(asset)) {
    case AssetFormat::kJpeg:
      return RemoveJpeg(asset);
    case AssetFormat::kPng:
      return RemovePng(asset);
    case AssetFormat::kWav:
    case AssetFormat::kWebp:
      return RemoveRiff(asset);
    case AssetFormat::kBmff:
      return container_internal::RemoveBmffStore(asset);
    case AssetFormat::kUnknown:
      break;
  }
  return Unsupported();
}

Result<std::array<uint8_t, 32>> DataHash(std::span<const uint8_t> data,
                                         std::span<const ByteRange> exclusions) {
  crypto::Sha256 sha;
  uint64_t pos = 0;
  for (const ByteRange& r : exclusions) {
    if (r.start < pos) {
      return InvalidArgument("data hash exclusions overlap or are not sorted (start " +
                             std::to_string(r.start) + ")");
    }
    if (r.start > data.size() || r.length > data.size() - r.start) {
      return InvalidArgument("data hash exclusion {" + std::to_string(r.start) + ", " +
                             std::to_string(r.length) + "} runs past the end of the " +
                             std::to_string(data.size()) + "-byte asset");
    }
    sha.Update(data.subspan(pos, r.start - pos));
    pos = r.start + r.length;
  }
  sha.Update(data.subspan(pos));
  return sha.Final();
}

}  // namespace custody::provenance
