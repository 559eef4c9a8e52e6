#include "media/tests/test_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
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

Bytes MakeWebp(int w, int h) {
  return TakeBlob(Pattern(w, h, 3).webpsave_buffer(VImage::option()->set("strip", true)));
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
