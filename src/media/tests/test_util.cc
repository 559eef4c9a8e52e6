#include "media/tests/test_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <set>
#include <stdexcept>
#include <vips/vips8>

#include "media/media.h"

namespace custody::media_test {
namespace {

using vips::VImage;

struct BlobUnref {
  void operator()(VipsBlob* b) const { vips_area_unref(VIPS_AREA(b)); }
};

Bytes TakeBlob(VipsBlob* raw) {
  std::unique_ptr<VipsBlob, BlobUnref> blob(raw);
  size_t n = 0;
  const auto* p = static_cast<const uint8_t*>(vips_blob_get(blob.get(), &n));
  return Bytes(p, p + n);
}

VImage Pattern(int w, int h, int bands) {
  if (!InitMedia().ok()) throw std::runtime_error("InitMedia failed");
  VImage xy = VImage::xyz(w, h);
  VImage x = xy[0], y = xy[1];
  VImage r = (x * (255.0 / std::max(1, w - 1))).cast(VIPS_FORMAT_UCHAR);
  VImage g = (y * (255.0 / std::max(1, h - 1))).cast(VIPS_FORMAT_UCHAR);
  VImage b =
      ((x + y) * (255.0 / std::max(1, w + h - 2))).linear(-1.0, 255.0).cast(VIPS_FORMAT_UCHAR);
  VImage out;
  if (bands == 1) {
    out = g.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_B_W));
  } else {
    out = VImage::bandjoin({r, g, b});
    if (bands == 4) out = out.bandjoin((x * 7 % 256).cast(VIPS_FORMAT_UCHAR));
    out = out.copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB));
  }
  return out;
}

void AppendU32(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(uint8_t(v >> (8 * i)));
}
uint32_t U32(const Bytes& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}

}  // namespace

Bytes MakePng(int w, int h, int bands) {
  return TakeBlob(Pattern(w, h, bands).pngsave_buffer(VImage::option()->set("strip", true)));
}

Bytes MakeJpeg(int w, int h, bool progressive) {
  return TakeBlob(Pattern(w, h, 3).jpegsave_buffer(
      VImage::option()->set("strip", true)->set("Q", 85)->set("interlace", progressive)));
}

namespace {

// libvips 8.14's webpsave writes an EXIF chunk even with "strip": take it out (and its VP8X
// flag), and return a file that needs no VP8X (one bitstream chunk) in the simple format.
Bytes WithoutLibvipsExif(const Bytes& webp) {
  auto chunks = RiffChunks(webp);
  if (!chunks) throw std::runtime_error("webpsave wrote an unparseable RIFF");
  std::vector<std::pair<std::string, Bytes>> kept;
  for (auto& c : *chunks) {
    if (c.first != "EXIF" && c.first != "XMP " && c.first != "ICCP") kept.push_back(c);
  }
  if (kept.size() == 2 && kept[0].first == "VP8X" &&
      (kept[1].first == "VP8 " || kept[1].first == "VP8L")) {
    kept.erase(kept.begin());
  } else if (!kept.empty() && kept[0].first == "VP8X") {
    kept[0].second[0] &= uint8_t(~(0x20 | 0x08 | 0x04));
  }
  Bytes out = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  for (const auto& [id, data] : kept) {
    Bytes c = RiffChunk(id, data);
    out.insert(out.end(), c.begin(), c.end());
  }
  for (size_t i = 0; i < 4; ++i) out[4 + i] = uint8_t((out.size() - 8) >> (8 * i));
  return out;
}

}  // namespace

Bytes MakeWebp(int w, int h, int bands, bool lossless) {
  return WithoutLibvipsExif(TakeBlob(
      Pattern(w, h, bands)
          .webpsave_buffer(VImage::option()->set("strip", true)->set("lossless", lossless))));
}

Bytes MakeAnimatedWebp(int w, int h, int frames) {
  std::vector<VImage> pages;
  for (int i = 0; i < frames; ++i) {
    pages.push_back(Pattern(w, h, 3).linear(1.0, 40.0 * i).cast(VIPS_FORMAT_UCHAR));
  }
  VImage all = VImage::arrayjoin(pages, VImage::option()->set("across", 1)).copy();
  all.set("page-height", h);
  all.set("delay", std::vector<int>(size_t(frames), 100));
  all.set("loop", 0);
  return WithoutLibvipsExif(TakeBlob(all.webpsave_buffer(VImage::option()->set("strip", true))));
}

Bytes MakeGif(int w, int h) {
  return TakeBlob(Pattern(w, h, 3).gifsave_buffer(VImage::option()->set("strip", true)));
}

uint32_t PngCrc(std::string_view type, std::span<const uint8_t> data) {
  uint32_t c = 0xFFFFFFFFu;
  auto feed = [&](uint8_t byte) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  };
  for (char ch : type) feed(uint8_t(ch));
  for (uint8_t byte : data) feed(byte);
  return c ^ 0xFFFFFFFFu;
}

Bytes InsertPngChunk(const Bytes& png, std::string_view type, const Bytes& data, Where where) {
  // Sized up front: GCC 12 at -O3 warns (falsely) about inserting into a vector grown by
  // push_back here.
  Bytes chunk(12 + data.size());
  const uint32_t crc = PngCrc(type, data);
  for (size_t i = 0; i < 4; ++i) {
    chunk[i] = uint8_t(data.size() >> (24 - 8 * i));
    chunk[4 + i] = uint8_t(type[i]);
    chunk[8 + data.size() + i] = uint8_t(crc >> (24 - 8 * i));
  }
  std::copy(data.begin(), data.end(), chunk.begin() + 8);
  size_t pos = 8, insert_at = 0;
  while (pos + 12 <= png.size()) {
    uint32_t len = U32(png, pos);
    std::string t(png.begin() + long(pos + 4), png.begin() + long(pos + 8));
    size_t next = pos + 12 + len;
    if (where == Where::kAfterIhdr && t == "IHDR") insert_at = next;
    if (where == Where::kAfterIdat && t == "IDAT") insert_at = next;
    if (t == "IEND") break;
    pos = next;
  }
  if (insert_at == 0) throw std::runtime_error("InsertPngChunk: anchor not found");
  Bytes out(png.begin(), png.begin() + long(insert_at));
  out.insert(out.end(), chunk.begin(), chunk.end());
  out.insert(out.end(), png.begin() + long(insert_at), png.end());
  return out;
}

Bytes TextChunk(std::string_view keyword, std::string_view text) {
  Bytes out(keyword.begin(), keyword.end());
  out.push_back(0);
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

Bytes ZtxtChunk(std::string_view keyword, std::string_view text) {
  Bytes out(keyword.begin(), keyword.end());
  out.push_back(0);
  out.push_back(0);  // compression method: deflate
  // A zlib stream of stored (uncompressed) deflate blocks.
  out.push_back(0x78);
  out.push_back(0x01);
  size_t pos = 0;
  do {
    size_t n = std::min<size_t>(text.size() - pos, 65535);
    bool last = pos + n == text.size();
    out.push_back(last ? 1 : 0);
    out.push_back(uint8_t(n));
    out.push_back(uint8_t(n >> 8));
    out.push_back(uint8_t(~n));
    out.push_back(uint8_t(~n >> 8));
    out.insert(out.end(), text.begin() + long(pos), text.begin() + long(pos + n));
    pos += n;
  } while (pos < text.size());
  uint32_t a = 1, b = 0;
  for (char c : text) {
    a = (a + uint8_t(c)) % 65521;
    b = (b + a) % 65521;
  }
  AppendU32(out, b << 16 | a);
  return out;
}

Bytes ItxtChunk(std::string_view keyword, std::string_view text) {
  Bytes out(keyword.begin(), keyword.end());
  for (int i = 0; i < 4; ++i) out.push_back(0);  // NUL, uncompressed, method, empty language NUL
  out.push_back(0);                              // empty translated keyword NUL
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

Bytes SetPngSize(const Bytes& png, uint32_t w, uint32_t h) {
  Bytes out = png;
  for (int i = 0; i < 4; ++i) {
    out[16 + size_t(i)] = uint8_t(w >> (24 - 8 * i));
    out[20 + size_t(i)] = uint8_t(h >> (24 - 8 * i));
  }
  uint32_t crc = PngCrc("IHDR", std::span<const uint8_t>(out).subspan(16, 13));
  for (int i = 0; i < 4; ++i) out[29 + size_t(i)] = uint8_t(crc >> (24 - 8 * i));
  return out;
}

Bytes IdatBytes(const Bytes& png) {
  Bytes out;
  size_t pos = 8;
  while (pos + 12 <= png.size()) {
    uint32_t len = U32(png, pos);
    std::string t(png.begin() + long(pos + 4), png.begin() + long(pos + 8));
    if (t == "IDAT")
      out.insert(out.end(), png.begin() + long(pos + 8), png.begin() + long(pos + 8 + len));
    pos += 12 + len;
  }
  return out;
}

Bytes InsertJpegSegment(const Bytes& jpeg, uint8_t marker, const Bytes& payload, JpegWhere where) {
  Bytes seg = {0xFF, marker, uint8_t((payload.size() + 2) >> 8), uint8_t(payload.size() + 2)};
  seg.insert(seg.end(), payload.begin(), payload.end());
  size_t at = where == JpegWhere::kAfterSoi ? 2 : jpeg.size() - 2;
  Bytes out(jpeg.begin(), jpeg.begin() + long(at));
  out.insert(out.end(), seg.begin(), seg.end());
  out.insert(out.end(), jpeg.begin() + long(at), jpeg.end());
  return out;
}

Bytes JpegScans(const Bytes& jpeg) {
  for (size_t i = 0; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) return Bytes(jpeg.begin() + long(i), jpeg.end());
  }
  return {};
}

Bytes ExifTiff(uint16_t orientation, std::string_view make, std::string_view copyright,
               std::string_view user_comment) {
  // Little-endian TIFF; IFD0 entries (ascending): Make 0x010F, Orientation 0x0112,
  // Copyright 0x8298, UserComment 0x9286 (placed in IFD0 for simplicity).
  std::string make_z = std::string(make) + '\0';
  std::string copy_z = std::string(copyright) + '\0';
  std::string comment("UNICODE\0", 8);
  for (char c : user_comment) {
    comment.push_back('\0');
    comment.push_back(c);
  }
  const uint32_t entries = 4;
  uint32_t data_at = 8 + 2 + 12 * entries + 4;
  Bytes out = {'I', 'I', 42, 0, 8, 0, 0, 0};
  auto u16 = [&](uint32_t v) {
    out.push_back(uint8_t(v));
    out.push_back(uint8_t(v >> 8));
  };
  auto u32 = [&](uint32_t v) {
    u16(v & 0xFFFF);
    u16(v >> 16);
  };
  Bytes data;
  auto entry = [&](uint16_t tag, uint16_t type, const std::string& value) {
    u16(tag);
    u16(type);
    u32(uint32_t(value.size()));
    if (value.size() <= 4) {
      std::string v = value;
      v.resize(4, '\0');
      out.insert(out.end(), v.begin(), v.end());
    } else {
      u32(data_at + uint32_t(data.size()));
      data.insert(data.end(), value.begin(), value.end());
      if (data.size() % 2) data.push_back(0);
    }
  };
  u16(entries);
  entry(0x010F, 2, make_z);
  u16(0x0112);
  u16(3);
  u32(1);
  u16(orientation);
  u16(0);
  entry(0x8298, 2, copy_z);
  entry(0x9286, 7, comment);
  u32(0);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes ExifApp1(uint16_t orientation, std::string_view make, std::string_view copyright,
               std::string_view user_comment) {
  Bytes out = {'E', 'x', 'i', 'f', 0, 0};
  Bytes tiff = ExifTiff(orientation, make, copyright, user_comment);
  out.insert(out.end(), tiff.begin(), tiff.end());
  return out;
}

Bytes AiExifTiff(const AiExif& exif) {
  struct Entry {
    uint16_t tag, type;
    uint32_t count;
    Bytes value;  // big-endian value bytes; inline when <= 4
  };
  auto ascii = [](uint16_t tag, std::string_view text) {
    Bytes v(text.begin(), text.end());
    v.push_back(0);
    return Entry{tag, 2, uint32_t(v.size()), v};
  };
  auto be16 = [](uint32_t v) { return Bytes{uint8_t(v >> 8), uint8_t(v), 0, 0}; };
  auto be32 = [](uint32_t v) {
    Bytes b;
    AppendU32(b, v);
    return b;
  };
  Bytes comment = {'U', 'N', 'I', 'C', 'O', 'D', 'E', 0};
  for (char c : exif.user_comment) {
    comment.push_back(0);
    comment.push_back(uint8_t(c));
  }
  Bytes area = {'A', 'S', 'C', 'I', 'I', 0, 0, 0};
  area.insert(area.end(), exif.gps_area.begin(), exif.gps_area.end());
  Bytes latitude;
  for (uint32_t v : {48u, 1u, 51u, 1u, 2424u, 100u}) AppendU32(latitude, v);
  std::vector<Entry> ifd0 = {ascii(0x010F, "workflow:" + exif.workflow),
                             ascii(0x0110, "prompt:" + exif.prompt),
                             {0x0112, 3, 1, be16(exif.orientation)},
                             ascii(0x013B, exif.artist),
                             ascii(0x8298, exif.copyright),
                             {0x8769, 4, 1, {}},   // Exif IFD pointer, set below
                             {0x8825, 4, 1, {}}};  // GPS IFD pointer
  std::vector<Entry> exif_ifd = {{0x9286, 7, uint32_t(comment.size()), comment}};
  std::vector<Entry> gps_ifd = {{0x0001, 2, 2, Bytes{'N', 0, 0, 0}},
                                {0x0002, 5, 3, latitude},
                                {0x001C, 7, uint32_t(area.size()), area}};
  auto ifd_size = [](const std::vector<Entry>& ifd) {
    size_t n = 2 + 12 * ifd.size() + 4;
    for (const Entry& e : ifd) n += e.value.size() > 4 ? e.value.size() + (e.value.size() & 1) : 0;
    return n;
  };
  const uint32_t ifd0_at = 8;
  const uint32_t exif_at = ifd0_at + uint32_t(ifd_size(ifd0));
  const uint32_t gps_at = exif_at + uint32_t(ifd_size(exif_ifd));
  ifd0[5].value = be32(exif_at);
  ifd0[6].value = be32(gps_at);
  Bytes out = {'M', 'M', 0, 42, 0, 0, 0, 8};
  auto write_ifd = [&](const std::vector<Entry>& ifd, uint32_t at) {
    out.push_back(uint8_t(ifd.size() >> 8));
    out.push_back(uint8_t(ifd.size()));
    uint32_t data_at = at + 2 + 12 * uint32_t(ifd.size()) + 4;
    Bytes data;
    for (const Entry& e : ifd) {
      out.push_back(uint8_t(e.tag >> 8));
      out.push_back(uint8_t(e.tag));
      out.push_back(uint8_t(e.type >> 8));
      out.push_back(uint8_t(e.type));
      AppendU32(out, e.count);
      if (e.value.size() <= 4) {
        Bytes v = e.value;
        v.resize(4, 0);
        out.insert(out.end(), v.begin(), v.end());
      } else {
        AppendU32(out, data_at + uint32_t(data.size()));
        data.insert(data.end(), e.value.begin(), e.value.end());
        if (e.value.size() & 1) data.push_back(0);
      }
    }
    AppendU32(out, 0);
    out.insert(out.end(), data.begin(), data.end());
  };
  write_ifd(ifd0, ifd0_at);
  write_ifd(exif_ifd, exif_at);
  write_ifd(gps_ifd, gps_at);
  return out;
}

Bytes SrgbIccProfile() {
  if (!InitMedia().ok()) throw std::runtime_error("InitMedia failed");
  return TakeBlob(VImage::profile_load("srgb"));
}

std::optional<Pixels> Decode(std::span<const uint8_t> encoded) {
  try {
    VImage image = VImage::new_from_buffer(encoded.data(), encoded.size(), "");
    size_t n = 0;
    std::unique_ptr<void, decltype(&g_free)> mem(image.write_to_memory(&n), &g_free);
    Pixels p;
    p.width = image.width();
    p.height = image.height();
    p.bands = image.bands();
    p.format = int(image.format());
    const auto* d = static_cast<const uint8_t*>(mem.get());
    p.data.assign(d, d + n);
    return p;
  } catch (const vips::VError&) {
    vips_error_clear();
    return std::nullopt;
  }
}

std::optional<Pixels> DecodeAllFrames(std::span<const uint8_t> encoded) {
  try {
    VImage image =
        VImage::new_from_buffer(encoded.data(), encoded.size(), "", VImage::option()->set("n", -1));
    size_t n = 0;
    std::unique_ptr<void, decltype(&g_free)> mem(image.write_to_memory(&n), &g_free);
    Pixels p;
    p.width = image.width();
    p.height = image.height();
    p.bands = image.bands();
    p.format = int(image.format());
    const auto* d = static_cast<const uint8_t*>(mem.get());
    p.data.assign(d, d + n);
    return p;
  } catch (const vips::VError&) {
    vips_error_clear();
    return std::nullopt;
  }
}

std::optional<std::string> VipsField(std::span<const uint8_t> encoded, const char* name) {
  try {
    VImage image = VImage::new_from_buffer(encoded.data(), encoded.size(), "");
    if (image.get_typeof(name) == 0) return std::nullopt;
    return std::string(image.get_string(name));
  } catch (const vips::VError&) {
    vips_error_clear();
    return std::nullopt;
  }
}

bool Contains(std::span<const uint8_t> haystack, std::string_view needle) {
  std::string_view h(reinterpret_cast<const char*>(haystack.data()), haystack.size());
  return h.find(needle) != std::string_view::npos;
}

bool ContainsAnyEncoding(std::span<const uint8_t> haystack, std::string_view needle) {
  if (Contains(haystack, needle)) return true;
  std::string be, le;
  for (char c : needle) {
    be.push_back('\0');
    be.push_back(c);
    le.push_back(c);
    le.push_back('\0');
  }
  return Contains(haystack, be) || Contains(haystack, le);
}

Bytes ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

Bytes RandomBytes(size_t n, uint64_t seed) {
  Bytes out(n);
  uint64_t s = seed;
  for (auto& b : out) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    b = uint8_t(s >> 56);
  }
  return out;
}

// ---------------------------------------------------------------- RIFF

namespace {

void AppendLe32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
void AppendLe16(Bytes& out, uint32_t v) {
  out.push_back(uint8_t(v));
  out.push_back(uint8_t(v >> 8));
}
void AppendLe64(Bytes& out, uint64_t v) {
  AppendLe32(out, uint32_t(v));
  AppendLe32(out, uint32_t(v >> 32));
}
uint32_t Le32(std::span<const uint8_t> b, size_t at) {
  return b[at] | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}
uint64_t Le64(std::span<const uint8_t> b, size_t at) {
  return Le32(b, at) | uint64_t(Le32(b, at + 4)) << 32;
}
void PutLe32(Bytes& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
void Add(Bytes& out, std::span<const uint8_t> s) { out.insert(out.end(), s.begin(), s.end()); }
void Add(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

// Chunk start offsets of [pos, end); nullopt if a chunk does not fit.
std::optional<std::vector<size_t>> ChunkOffsets(std::span<const uint8_t> b, size_t pos,
                                                size_t end) {
  std::vector<size_t> out;
  while (pos < end) {
    if (end - pos < 8) return std::nullopt;
    uint64_t size = Le32(b, pos + 4);
    if (size > end - pos - 8) return std::nullopt;
    out.push_back(pos);
    pos += 8 + size_t(size) + (size & 1);
  }
  if (pos != end) return std::nullopt;
  return out;
}

}  // namespace

Bytes RiffChunk(std::string_view fourcc, std::span<const uint8_t> data) {
  Bytes out;
  Add(out, fourcc);
  AppendLe32(out, uint32_t(data.size()));
  Add(out, data);
  if (data.size() & 1) out.push_back(0);
  return out;
}

Bytes RiffListData(std::string_view list_type, const std::vector<Bytes>& chunks) {
  Bytes out;
  Add(out, list_type);
  for (const Bytes& c : chunks) Add(out, c);
  return out;
}

Bytes InsertRiffChunk(const Bytes& riff, size_t index, std::string_view fourcc,
                      std::span<const uint8_t> data) {
  auto offsets = ChunkOffsets(riff, 12, riff.size());
  if (!offsets) throw std::runtime_error("InsertRiffChunk: not a strict RIFF");
  size_t at = index < offsets->size() ? (*offsets)[index] : riff.size();
  Bytes chunk = RiffChunk(fourcc, data);
  Bytes out(riff.begin(), riff.begin() + long(at));
  Add(out, chunk);
  out.insert(out.end(), riff.begin() + long(at), riff.end());
  PutLe32(out, 4, uint32_t(out.size() - 8));
  return out;
}

std::optional<std::vector<std::pair<std::string, Bytes>>> RiffChunks(
    std::span<const uint8_t> riff) {
  if (riff.size() < 12) return std::nullopt;
  uint64_t size = Le32(riff, 4);
  if (size < 4 || size > riff.size() - 8) return std::nullopt;
  auto offsets = ChunkOffsets(riff, 12, size_t(8 + size));
  if (!offsets) return std::nullopt;
  std::vector<std::pair<std::string, Bytes>> out;
  for (size_t at : *offsets) {
    out.emplace_back(
        std::string(riff.begin() + long(at), riff.begin() + long(at + 4)),
        Bytes(riff.begin() + long(at + 8), riff.begin() + long(at + 8 + Le32(riff, at + 4))));
  }
  return out;
}

Bytes ExtendedWebp(const Bytes& simple, int w, int h, uint8_t flags) {
  Bytes vp8x = {flags, 0, 0, 0};
  for (int v : {w - 1, h - 1}) {
    vp8x.push_back(uint8_t(v));
    vp8x.push_back(uint8_t(v >> 8));
    vp8x.push_back(uint8_t(v >> 16));
  }
  return InsertRiffChunk(simple, 0, "VP8X", vp8x);
}

uint8_t Vp8xFlags(std::span<const uint8_t> webp) {
  auto chunks = RiffChunks(webp);
  if (!chunks || chunks->empty() || chunks->front().first != "VP8X") return 0;
  return chunks->front().second.empty() ? 0 : chunks->front().second[0];
}

// ---------------------------------------------------------------- WAV

Bytes MakeWav(int frames, int channels, int rate) {
  Bytes fmt;
  AppendLe16(fmt, 1);  // PCM
  AppendLe16(fmt, uint32_t(channels));
  AppendLe32(fmt, uint32_t(rate));
  AppendLe32(fmt, uint32_t(rate * channels * 2));
  AppendLe16(fmt, uint32_t(channels * 2));
  AppendLe16(fmt, 16);
  Bytes samples;
  uint32_t s = 12345;
  for (int i = 0; i < frames * channels; ++i) {
    s = s * 1103515245u + 12345u;
    int16_t v = int16_t((i * 371) % 20000 - 10000 + int(s >> 24));
    AppendLe16(samples, uint16_t(v));
  }
  Bytes out = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'};
  Add(out, RiffChunk("fmt ", fmt));
  Add(out, RiffChunk("data", samples));
  PutLe32(out, 4, uint32_t(out.size() - 8));
  return out;
}

Bytes ToRf64(const Bytes& wav) {
  auto chunks = RiffChunks(wav);
  if (!chunks) throw std::runtime_error("ToRf64: not a strict RIFF");
  Bytes body;
  uint64_t data_size = 0;
  for (const auto& [id, data] : *chunks) {
    Bytes chunk = RiffChunk(id, data);
    if (id == "data") {
      data_size = data.size();
      PutLe32(chunk, 4, 0xFFFFFFFFu);
    }
    Add(body, chunk);
  }
  Bytes ds64;
  uint64_t riff_size = 4 + 8 + 28 + body.size();
  AppendLe64(ds64, riff_size);
  AppendLe64(ds64, data_size);
  AppendLe64(ds64, data_size / 2);
  AppendLe32(ds64, 0);
  Bytes out = {'R', 'F', '6', '4', 0xFF, 0xFF, 0xFF, 0xFF, 'W', 'A', 'V', 'E'};
  Add(out, RiffChunk("ds64", ds64));
  Add(out, body);
  return out;
}

std::optional<WavAudio> ParseWavAudio(std::span<const uint8_t> wav) {
  if (wav.size() < 12 || !std::equal(wav.begin() + 8, wav.begin() + 12, "WAVE")) {
    return std::nullopt;
  }
  std::string magic(wav.begin(), wav.begin() + 4);
  uint64_t riff_size = Le32(wav, 4), data64 = 0;
  size_t pos = 12;
  if (magic == "RF64" || magic == "BW64") {
    if (wav.size() < 48 || !std::equal(wav.begin() + 12, wav.begin() + 16, "ds64")) {
      return std::nullopt;
    }
    riff_size = Le64(wav, 20);
    data64 = Le64(wav, 28);
  } else if (magic != "RIFF") {
    return std::nullopt;
  }
  if (riff_size < 4 || riff_size > wav.size() - 8) return std::nullopt;
  const size_t end = size_t(8 + riff_size);
  WavAudio out;
  bool fmt = false, data = false;
  while (pos < end) {
    if (end - pos < 8) return std::nullopt;
    uint64_t size = Le32(wav, pos + 4);
    std::string id(wav.begin() + long(pos), wav.begin() + long(pos + 4));
    if (size == 0xFFFFFFFFu && id == "data") size = data64;
    if (size > end - pos - 8) return std::nullopt;
    Bytes payload(wav.begin() + long(pos + 8), wav.begin() + long(pos + 8 + size));
    if (id == "fmt ") {
      out.fmt = std::move(payload);
      fmt = true;
    } else if (id == "data") {
      out.data = std::move(payload);
      data = true;
    }
    pos += 8 + size_t(size) + (size & 1);
  }
  if (pos != end || !fmt || !data) return std::nullopt;
  return out;
}

// ---------------------------------------------------------------- ISO-BMFF

Bytes Mp4Box(std::string_view type, std::span<const uint8_t> payload) {
  Bytes out;
  AppendU32(out, uint32_t(8 + payload.size()));
  Add(out, type);
  Add(out, payload);
  return out;
}

Bytes Mp4FullBox(std::string_view type, uint8_t version, uint32_t flags,
                 std::span<const uint8_t> payload) {
  Bytes p;
  AppendU32(p, uint32_t(version) << 24 | (flags & 0xFFFFFF));
  Add(p, payload);
  return Mp4Box(type, p);
}

Bytes Mp4Uuid(std::string_view uuid_hex, std::span<const uint8_t> payload) {
  std::optional<Bytes> uuid = HexDecode(uuid_hex);
  if (!uuid || uuid->size() != 16) throw std::runtime_error("Mp4Uuid: bad uuid");
  Add(*uuid, payload);
  return Mp4Box("uuid", *uuid);
}

Bytes Concat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) Add(out, p);
  return out;
}

Bytes MakeMp4(const Mp4Spec& spec) {
  const std::vector<Bytes> chunks = {RandomBytes(300, 1), RandomBytes(200, 2), RandomBytes(100, 3)};
  auto build_moov = [&](uint64_t mdat_payload_at) {
    Bytes mvhd(96, 0);
    mvhd[10] = 0x03;
    mvhd[11] = 0xE8;  // timescale 1000
    mvhd[17] = 0x01;  // rate 1.0
    Bytes tkhd(80, 0);
    tkhd[11] = 1;  // track id 1
    Bytes mdhd(20, 0);
    mdhd[10] = 0x03;
    mdhd[11] = 0xE8;  // timescale 1000
    Bytes hdlr = {0, 0, 0, 0};
    Add(hdlr, spec.handler);
    hdlr.resize(hdlr.size() + 12, 0);
    Add(hdlr, std::string_view("Handler\0", 8));
    Bytes stsd = {0, 0, 0, 0};  // no sample entries
    Bytes stts = {0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0, 1};
    Bytes stsc = {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    Bytes stsz = {0, 0, 0, 0};
    AppendU32(stsz, 3);
    for (const Bytes& c : chunks) AppendU32(stsz, uint32_t(c.size()));
    Bytes stco;
    AppendU32(stco, 3);
    uint64_t at = mdat_payload_at;
    for (const Bytes& c : chunks) {
      if (spec.co64) AppendU32(stco, uint32_t(at >> 32));
      AppendU32(stco, uint32_t(at));
      at += c.size();
    }
    Bytes dref_payload = {0, 0, 0, 1};
    Add(dref_payload, Mp4FullBox("url ", 0, 1, Bytes{}));
    Bytes stbl = Concat({Mp4FullBox("stsd", 0, 0, stsd), Mp4FullBox("stts", 0, 0, stts),
                         Mp4FullBox("stsc", 0, 0, stsc), Mp4FullBox("stsz", 0, 0, stsz),
                         Mp4FullBox(spec.co64 ? "co64" : "stco", 0, 0, stco)});
    Bytes minf =
        Concat({Mp4FullBox("vmhd", 0, 1, Bytes(8, 0)),
                Mp4Box("dinf", Mp4FullBox("dref", 0, 0, dref_payload)), Mp4Box("stbl", stbl)});
    Bytes mdia = Concat(
        {Mp4FullBox("mdhd", 0, 0, mdhd), Mp4FullBox("hdlr", 0, 0, hdlr), Mp4Box("minf", minf)});
    Bytes trak = Concat({Mp4FullBox("tkhd", 0, 3, tkhd), Mp4Box("mdia", mdia), spec.trak_extra});
    return Mp4Box("moov",
                  Concat({Mp4FullBox("mvhd", 0, 0, mvhd), Mp4Box("trak", trak), spec.moov_extra}));
  };
  Bytes head;
  if (spec.ftyp) {
    Bytes ftyp;
    Add(ftyp, spec.major_brand);
    AppendU32(ftyp, 0);
    Add(ftyp, spec.major_brand);
    Add(ftyp, std::string_view(spec.major_brand == "qt  " ? "qt  " : "mp41"));
    head = Mp4Box("ftyp", ftyp);
  }
  Add(head, spec.before_moov);
  // The moov's size does not depend on the offsets it holds, so lay it out once to find mdat.
  const size_t moov_size = build_moov(0).size();
  const uint64_t mdat_payload_at = head.size() + moov_size + 8;
  Bytes out =
      Concat({head, build_moov(mdat_payload_at), Mp4Box("mdat", Concat(chunks)), spec.after_mdat});
  return out;
}

namespace {

uint32_t Be32(std::span<const uint8_t> d, size_t at) {
  return uint32_t(d[at]) << 24 | uint32_t(d[at + 1]) << 16 | uint32_t(d[at + 2]) << 8 | d[at + 3];
}

bool WalkMp4(std::span<const uint8_t> d, size_t pos, size_t end, const std::string& path, int depth,
             Mp4Info& info) {
  static const std::set<std::string> kContainers = {"moov", "trak", "mdia", "minf", "stbl",
                                                    "edts", "dinf", "mvex", "moof", "traf",
                                                    "mfra", "udta", "meta"};
  if (depth > 12) return false;
  while (pos < end) {
    if (end - pos < 8) return false;
    uint64_t size = Be32(d, pos);
    size_t header = 8;
    if (size == 1) {
      if (end - pos < 16) return false;
      size = uint64_t(Be32(d, pos + 8)) << 32 | Be32(d, pos + 12);
      header = 16;
    } else if (size == 0) {
      size = end - pos;
    }
    if (size < header || size > end - pos) return false;
    std::string type(d.begin() + long(pos + 4), d.begin() + long(pos + 8));
    std::string here = path.empty() ? type : path + "/" + type;
    info.paths.push_back(here);
    const size_t payload = pos + header, box_end = pos + size_t(size);
    if (type == "mdat") {
      info.mdat.insert(info.mdat.end(), d.begin() + long(payload), d.begin() + long(box_end));
    }
    if (type == "stco" || type == "co64") {
      const size_t width = type == "co64" ? 8 : 4;
      if (box_end - payload < 8) return false;
      const uint32_t count = Be32(d, payload + 4);
      if ((box_end - payload - 8) / width < count) return false;
      for (size_t i = 0; i < count; ++i) {
        const size_t at = payload + 8 + i * width;
        info.chunk_offsets.push_back(width == 8 ? uint64_t(Be32(d, at)) << 32 | Be32(d, at + 4)
                                                : Be32(d, at));
      }
    }
    if (kContainers.count(type)) {
      size_t start = payload;
      // ISO's meta is a full box; QuickTime's has no version/flags and starts with hdlr.
      if (type == "meta" &&
          !(box_end - payload >= 8 &&
            std::equal(d.begin() + long(payload + 4), d.begin() + long(payload + 8), "hdlr"))) {
        start += 4;
      }
      if (start > box_end || !WalkMp4(d, start, box_end, here, depth + 1, info)) return false;
    }
    pos = box_end;
  }
  return true;
}

}  // namespace

std::optional<Mp4Info> ParseMp4(std::span<const uint8_t> mp4) {
  Mp4Info info;
  if (!WalkMp4(mp4, 0, mp4.size(), "", 0, info)) return std::nullopt;
  return info;
}

// ---------------------------------------------------------------- MP3

Bytes MakeMp3(int frames, bool xing) {
  constexpr size_t kFrame = 417;  // 144 * 128000 / 44100, no padding
  Bytes out;
  for (int i = 0; i < frames; ++i) {
    Bytes frame = {0xFF, 0xFB, 0x90, 0x64};  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, joint
    Bytes body = RandomBytes(kFrame - 4, 1000 + uint64_t(i));
    if (i == 0 && xing) {
      std::fill(body.begin(), body.end(), 0);
      // Side info (32 bytes for MPEG-1 stereo), then the Xing header and a LAME tag.
      const std::string_view info("Xing\0\0\0\x0f", 8);
      std::copy(info.begin(), info.end(), body.begin() + 32);
      const std::string_view lame("LAME3.100");
      std::copy(lame.begin(), lame.end(), body.begin() + 32 + 120);
    }
    Add(frame, body);
    Add(out, frame);
  }
  return out;
}

namespace {

void AppendSyncsafe(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(uint8_t((v >> (7 * i)) & 0x7F));
}

}  // namespace

Bytes Id3Text(std::string_view text) {
  Bytes out = {0};
  Add(out, text);
  return out;
}

Bytes Id3v2Tag(const std::vector<std::pair<std::string, Bytes>>& frames, int version, bool footer,
               bool extended_header) {
  Bytes body;
  if (extended_header && version == 4) {
    AppendSyncsafe(body, 6);  // extended header size, incl. itself
    body.push_back(1);        // one flag byte
    body.push_back(0);
  }
  for (const auto& [id, payload] : frames) {
    Add(body, id);
    if (version == 4) {
      AppendSyncsafe(body, uint32_t(payload.size()));
    } else {
      AppendU32(body, uint32_t(payload.size()));
    }
    body.push_back(0);
    body.push_back(0);
    Add(body, payload);
  }
  Bytes out = {'I', 'D', '3', uint8_t(version), 0};
  uint8_t flags = 0;
  if (footer && version == 4) flags |= 0x10;
  if (extended_header && version == 4) flags |= 0x40;
  out.push_back(flags);
  AppendSyncsafe(out, uint32_t(body.size()));
  Add(out, body);
  if (footer && version == 4) {
    Bytes foot = {'3', 'D', 'I', 4, 0, flags};
    AppendSyncsafe(foot, uint32_t(body.size()));
    Add(out, foot);
  }
  return out;
}

Bytes Id3v1Tag(std::string_view title, std::string_view artist, std::string_view comment) {
  Bytes out(128, 0);
  std::copy_n("TAG", 3, out.begin());
  auto put = [&](size_t at, size_t n, std::string_view v) {
    std::copy_n(v.begin(), std::min(n, v.size()), out.begin() + long(at));
  };
  put(3, 30, title);
  put(33, 30, artist);
  put(97, 28, comment);
  out[127] = 12;
  return out;
}

Bytes Id3v1EnhancedTag(std::string_view title, std::string_view artist) {
  Bytes out(227, 0);
  std::copy_n("TAG+", 4, out.begin());
  std::copy_n(title.begin(), std::min<size_t>(60, title.size()), out.begin() + 4);
  std::copy_n(artist.begin(), std::min<size_t>(60, artist.size()), out.begin() + 64);
  return out;
}

Bytes ApeTag(const std::vector<std::pair<std::string, std::string>>& items, bool header) {
  Bytes body;
  for (const auto& [key, value] : items) {
    AppendLe32(body, uint32_t(value.size()));
    AppendLe32(body, 0);
    Add(body, key);
    body.push_back(0);
    Add(body, value);
  }
  auto block = [&](bool is_header) {
    Bytes b;
    Add(b, std::string_view("APETAGEX"));
    AppendLe32(b, 2000);
    AppendLe32(b, uint32_t(body.size() + 32));
    AppendLe32(b, uint32_t(items.size()));
    AppendLe32(b, (header ? 0x80000000u : 0) | (is_header ? 0x20000000u : 0));
    b.resize(b.size() + 8, 0);
    return b;
  };
  Bytes out;
  if (header) Add(out, block(true));
  Add(out, body);
  Add(out, block(false));
  return out;
}

Bytes Lyrics3v2Tag(std::string_view lyrics) {
  Bytes body;
  Add(body, std::string_view("LYRICSBEGIN"));
  Add(body, std::string_view("LYR"));
  std::string n = std::to_string(lyrics.size());
  Add(body, std::string(5 - n.size(), '0') + n);
  Add(body, lyrics);
  std::string size = std::to_string(body.size());
  Add(body, std::string(6 - size.size(), '0') + size);
  Add(body, std::string_view("LYRICS200"));
  return body;
}

Bytes Lyrics3v1Tag(std::string_view lyrics) {
  Bytes body;
  Add(body, std::string_view("LYRICSBEGIN"));
  Add(body, lyrics);
  Add(body, std::string_view("LYRICSEND"));
  return body;
}

std::optional<std::string> FixturesDir() {
  namespace fs = std::filesystem;
  std::string dir;
  if (const char* f = std::getenv("CUSTODY_FIXTURES"); f != nullptr && *f != '\0') {
    dir = f;
  } else if (const char* s = std::getenv("CUSTODY_SOURCE_DIR"); s != nullptr && *s != '\0') {
    dir = std::string(s) + "/../shared/fixtures";
  } else {
    dir = std::string(CUSTODY_MEDIA_SOURCE_DIR) + "/../shared/fixtures";
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return fs::weakly_canonical(dir, ec).string();
}

bool FixturesRequired() {
  const char* r = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return r != nullptr && std::string_view(r) == "1";
}

}  // namespace custody::media_test
