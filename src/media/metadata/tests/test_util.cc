#include "media/metadata/tests/test_util.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace custody::metadata::testing {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- fixtures

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  const char* src = std::getenv("CUSTODY_SOURCE_DIR");
  fs::path root =
      src != nullptr && *src != '\0' ? fs::path(src) : fs::path(CUSTODY_TEST_SOURCE_DIR);
  return root / ".." / "shared" / "fixtures";
}

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v != nullptr && std::string(v) == "1";
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<fs::path> FilesUnder(const fs::path& rel) {
  std::vector<fs::path> out;
  std::error_code ec;
  const fs::path dir = FixturesDir() / rel;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- report lookups

const Entry* FindEntry(const Report& r, std::string_view key, std::string_view carrier) {
  for (const Entry& e : r.entries) {
    if (e.key == key && (carrier.empty() || e.carrier == carrier)) return &e;
  }
  return nullptr;
}

size_t CountEntries(const Report& r, std::string_view key) {
  return size_t(std::count_if(r.entries.begin(), r.entries.end(),
                              [&](const Entry& e) { return e.key == key; }));
}

const Generation* FindGeneration(const Report& r, std::string_view tool) {
  for (const Generation& g : r.generations) {
    if (g.tool == tool) return &g;
  }
  return nullptr;
}

std::string Dump(const Report& r) {
  std::ostringstream out;
  out << "media_type=" << r.media_type << " c2pa=" << r.c2pa << "\n";
  for (const Entry& e : r.entries) {
    out << "  [" << CategoryName(e.category) << "] " << e.carrier << " | " << e.key << " = "
        << e.value.substr(0, 120) << "\n";
  }
  for (const Generation& g : r.generations) {
    out << "  generation " << g.tool << " (" << g.evidence << ") prompt=" << g.prompt.substr(0, 80)
        << "\n";
  }
  for (const std::string& w : r.warnings) out << "  warning: " << w << "\n";
  return out.str();
}

// ---------------------------------------------------------------- bytes

void PutU16Be(Bytes& b, uint32_t v) {
  b.push_back(uint8_t(v >> 8));
  b.push_back(uint8_t(v));
}
void PutU32Be(Bytes& b, uint32_t v) {
  PutU16Be(b, v >> 16);
  PutU16Be(b, v & 0xFFFF);
}
void PutU64Be(Bytes& b, uint64_t v) {
  PutU32Be(b, uint32_t(v >> 32));
  PutU32Be(b, uint32_t(v));
}
void PutU16Le(Bytes& b, uint32_t v) {
  b.push_back(uint8_t(v));
  b.push_back(uint8_t(v >> 8));
}
void PutU32Le(Bytes& b, uint32_t v) {
  PutU16Le(b, v & 0xFFFF);
  PutU16Le(b, v >> 16);
}
void Put(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
void Put(Bytes& b, const Bytes& s) { b.insert(b.end(), s.begin(), s.end()); }
Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

namespace {
Bytes Compress(std::span<const uint8_t> data, int window) {
  z_stream zs{};
  if (deflateInit2(&zs, 9, Z_DEFLATED, window, 8, Z_DEFAULT_STRATEGY) != Z_OK) std::abort();
  Bytes out(deflateBound(&zs, uLong(data.size())) + 64);
  zs.next_in = const_cast<Bytef*>(data.data());
  zs.avail_in = uInt(data.size());
  zs.next_out = out.data();
  zs.avail_out = uInt(out.size());
  if (deflate(&zs, Z_FINISH) != Z_STREAM_END) std::abort();
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}
}  // namespace

Bytes Zlib(std::span<const uint8_t> data) { return Compress(data, 15); }
Bytes Gzip(std::span<const uint8_t> data) { return Compress(data, 15 + 16); }

Bytes Utf16(std::string_view ascii, bool big_endian) {
  Bytes out;
  for (char c : ascii) {
    if (big_endian) {
      out.push_back(0);
      out.push_back(uint8_t(c));
    } else {
      out.push_back(uint8_t(c));
      out.push_back(0);
    }
  }
  return out;
}

// ---------------------------------------------------------------- PNG

Bytes PngChunk(std::string_view type, const Bytes& data) {
  Bytes out;
  PutU32Be(out, uint32_t(data.size()));
  Put(out, type);
  Put(out, data);
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(type.data()), uInt(type.size()));
  if (!data.empty()) crc = crc32(crc, data.data(), uInt(data.size()));  // zlib: null buf → 0
  PutU32Be(out, uint32_t(crc));
  return out;
}

Bytes MakePng(const PngSpec& spec) {
  const size_t bpp = spec.colour_type == 6 ? 4 : spec.colour_type == 4 ? 2 : 3;
  Bytes ihdr;
  PutU32Be(ihdr, spec.width);
  PutU32Be(ihdr, spec.height);
  ihdr.push_back(spec.bit_depth);
  ihdr.push_back(spec.colour_type);
  ihdr.push_back(0);
  ihdr.push_back(0);
  ihdr.push_back(0);
  // Unfiltered rows first, then each row filtered with its filter type.
  const size_t pixel_bytes = bpp * (spec.bit_depth / 8);
  const size_t stride = spec.width * pixel_bytes;
  std::vector<Bytes> rows(spec.height);
  for (uint32_t y = 0; y < spec.height; ++y) {
    for (uint32_t x = 0; x < spec.width * bpp; ++x) {
      size_t at = size_t(y) * spec.width * bpp + x;
      rows[y].push_back(at < spec.pixels.size() ? spec.pixels[at] : 0);
      if (spec.bit_depth == 16) rows[y].push_back(0x5A);
    }
  }
  Bytes raw;
  const Bytes zero(stride, 0);
  for (uint32_t y = 0; y < spec.height; ++y) {
    const int filter = spec.mixed_filters ? int(y % 5) : 0;
    const Bytes& cur = rows[y];
    const Bytes& prev = y == 0 ? zero : rows[y - 1];
    raw.push_back(uint8_t(filter));
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= pixel_bytes ? cur[i - pixel_bytes] : 0, b = prev[i];
      const int c = i >= pixel_bytes ? prev[i - pixel_bytes] : 0;
      int pred = 0;
      if (filter == 1) pred = a;
      if (filter == 2) pred = b;
      if (filter == 3) pred = (a + b) / 2;
      if (filter == 4) {
        const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
        pred = (pa <= pb && pa <= pc) ? a : pb <= pc ? b : c;
      }
      raw.push_back(uint8_t(cur[i] - pred));
    }
  }
  Bytes out = B("\x89PNG\r\n\x1a\n");
  Put(out, PngChunk("IHDR", ihdr));
  for (const Bytes& c : spec.before_idat) Put(out, c);
  Put(out, PngChunk("IDAT", Zlib(raw)));
  for (const Bytes& c : spec.after_idat) Put(out, c);
  Put(out, PngChunk("IEND", {}));
  Put(out, spec.trailing);
  return out;
}

Bytes TextChunk(std::string_view keyword, const Bytes& latin1) {
  Bytes d = B(keyword);
  d.push_back(0);
  Put(d, latin1);
  return PngChunk("tEXt", d);
}

Bytes ZtxtChunk(std::string_view keyword, std::string_view text) {
  Bytes d = B(keyword);
  d.push_back(0);
  d.push_back(0);
  Put(d, Zlib(AsBytes(text)));
  return PngChunk("zTXt", d);
}

Bytes ItxtChunk(std::string_view keyword, std::string_view utf8, bool compressed) {
  Bytes d = B(keyword);
  d.push_back(0);
  d.push_back(compressed ? 1 : 0);
  d.push_back(0);
  d.push_back(0);  // empty language tag
  d.push_back(0);  // empty translated keyword
  Put(d, compressed ? Zlib(AsBytes(utf8)) : B(utf8));
  return PngChunk("iTXt", d);
}

Bytes StealthPng(uint32_t w, uint32_t h, std::string_view magic, const Bytes& payload, bool rgb,
                 uint8_t colour_type, uint8_t bit_depth) {
  const size_t bpp = colour_type == 6 ? 4 : 2;
  Bytes bits_src = B(magic);
  PutU32Be(bits_src, uint32_t(payload.size() * 8));
  Put(bits_src, payload);
  std::vector<int> bits;
  for (uint8_t byte : bits_src) {
    for (int i = 7; i >= 0; --i) bits.push_back((byte >> i) & 1);
  }
  PngSpec spec;
  spec.width = w;
  spec.height = h;
  spec.colour_type = colour_type;
  spec.bit_depth = bit_depth;
  spec.mixed_filters = true;
  spec.pixels.assign(size_t(w) * h * bpp, 0);
  for (size_t i = 0; i < spec.pixels.size(); ++i) {
    spec.pixels[i] = uint8_t(0x80 + (i * 37) % 100);  // some texture; alpha near opaque
  }
  for (size_t k = 0; k < bits.size(); ++k) {
    const size_t pixel = rgb ? k / 3 : k;
    const size_t channel = rgb ? k % 3 : bpp - 1;
    const size_t x = pixel / h, y = pixel % h;
    if (x >= w) std::abort();  // the test asked for too small an image
    uint8_t& v = spec.pixels[(y * w + x) * bpp + channel];
    v = uint8_t((v & ~1) | bits[k]);
  }
  return MakePng(spec);
}

// ---------------------------------------------------------------- TIFF

void TiffBuilder::U16(Bytes& b, uint32_t v) const { le_ ? PutU16Le(b, v) : PutU16Be(b, v); }
void TiffBuilder::U32(Bytes& b, uint32_t v) const { le_ ? PutU32Le(b, v) : PutU32Be(b, v); }

TiffBuilder& TiffBuilder::Ascii(Ifd ifd, uint16_t tag, std::string_view s) {
  Bytes d = B(s);
  d.push_back(0);
  ifds_[ifd].push_back({tag, 2, uint32_t(d.size()), d});
  return *this;
}
TiffBuilder& TiffBuilder::Short(Ifd ifd, uint16_t tag, uint16_t v) {
  Bytes d;
  U16(d, v);
  ifds_[ifd].push_back({tag, 3, 1, d});
  return *this;
}
TiffBuilder& TiffBuilder::Long(Ifd ifd, uint16_t tag, uint32_t v) {
  Bytes d;
  U32(d, v);
  ifds_[ifd].push_back({tag, 4, 1, d});
  return *this;
}
TiffBuilder& TiffBuilder::Rationals(Ifd ifd, uint16_t tag,
                                    std::vector<std::pair<uint32_t, uint32_t>> v) {
  Bytes d;
  for (auto [n, den] : v) {
    U32(d, n);
    U32(d, den);
  }
  ifds_[ifd].push_back({tag, 5, uint32_t(v.size()), d});
  return *this;
}
TiffBuilder& TiffBuilder::Raw(Ifd ifd, uint16_t tag, uint16_t type, uint32_t count,
                              const Bytes& data) {
  ifds_[ifd].push_back({tag, type, count, data});
  return *this;
}

Bytes TiffBuilder::Build() const {
  // Pointer tags for the sub-IFDs, added to copies of the tag lists.
  std::vector<Tag> ifds[4] = {ifds_[0], ifds_[1], ifds_[2], ifds_[3]};
  if (!ifds[kExif].empty()) ifds[kIfd0].push_back({0x8769, 4, 1, Bytes(4)});
  if (!ifds[kGps].empty()) ifds[kIfd0].push_back({0x8825, 4, 1, Bytes(4)});
  for (auto& l : ifds) {
    std::stable_sort(l.begin(), l.end(), [](const Tag& a, const Tag& b) { return a.tag < b.tag; });
  }
  // Layout: header, then each IFD followed by its out-of-line values.
  uint32_t at[4] = {0, 0, 0, 0};
  uint32_t pos = 8;
  const int order[4] = {kIfd0, kExif, kGps, kIfd1};
  for (int i : order) {
    if (ifds[i].empty()) continue;
    at[i] = pos;
    pos += 2 + 12 * uint32_t(ifds[i].size()) + 4;
    for (const Tag& t : ifds[i]) {
      if (t.data.size() > 4) pos += uint32_t(t.data.size() + (t.data.size() % 2));
    }
  }
  Bytes out = le_ ? B("II") : B("MM");
  U16(out, 42);
  U32(out, 8);
  for (int i : order) {
    if (ifds[i].empty()) continue;
    uint32_t data_at = at[i] + 2 + 12 * uint32_t(ifds[i].size()) + 4;
    Bytes data;
    U16(out, uint32_t(ifds[i].size()));
    for (const Tag& t : ifds[i]) {
      U16(out, t.tag);
      U16(out, t.type);
      U32(out, t.count);
      if (t.tag == 0x8769 && i == kIfd0) {
        U32(out, at[kExif]);
      } else if (t.tag == 0x8825 && i == kIfd0) {
        U32(out, at[kGps]);
      } else if (t.data.size() <= 4) {
        Bytes v = t.data;
        v.resize(4, 0);
        Put(out, v);
      } else {
        U32(out, data_at + uint32_t(data.size()));
        Put(data, t.data);
        if (t.data.size() % 2) data.push_back(0);
      }
    }
    uint32_t next = 0;
    if (i == kIfd0 && loop_) next = at[kIfd0];
    if (i == kIfd0 && !loop_ && !ifds[kIfd1].empty()) next = at[kIfd1];
    U32(out, next);
    Put(out, data);
  }
  return out;
}

// ---------------------------------------------------------------- JPEG

Bytes JpegSegment(uint8_t marker, const Bytes& payload) {
  Bytes out = {0xFF, marker};
  PutU16Be(out, uint32_t(payload.size() + 2));
  Put(out, payload);
  return out;
}

Bytes MakeJpeg(const JpegSpec& spec) {
  Bytes out = {0xFF, 0xD8};
  for (const Bytes& s : spec.before_scan) Put(out, s);
  // A frame header and a scan the reader skips without decoding: stuffed bytes and a restart
  // marker included.
  Put(out, JpegSegment(0xC0, {8, 0, 1, 0, 1, 1, 1, 0x11, 0}));
  Put(out, JpegSegment(0xDA, {1, 1, 0, 0, 63, 0}));
  Put(out, Bytes{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0x00});
  for (const Bytes& s : spec.after_scan) Put(out, s);
  out.push_back(0xFF);
  out.push_back(0xD9);
  Put(out, spec.trailing);
  return out;
}

// ---------------------------------------------------------------- RIFF

Bytes RiffChunk(std::string_view id, const Bytes& data) {
  Bytes out = B(id);
  PutU32Le(out, uint32_t(data.size()));
  Put(out, data);
  if (data.size() % 2) out.push_back(0);
  return out;
}

Bytes Riff(std::string_view form, const std::vector<Bytes>& chunks) {
  Bytes body = B(form);
  for (const Bytes& c : chunks) Put(body, c);
  Bytes out = B("RIFF");
  PutU32Le(out, uint32_t(body.size()));
  Put(out, body);
  return out;
}

Bytes MinimalWebpChunks(bool alpha) {
  Bytes vp8x = {uint8_t(alpha ? 0x10 : 0), 0, 0, 0, 0, 0, 0, 0, 0, 0};
  Bytes out = RiffChunk("VP8X", vp8x);
  // VP8L: signature, 14-bit width-1, 14-bit height-1, alpha bit, version; then image data.
  Bytes vp8l = {0x2F};
  PutU32Le(vp8l, alpha ? (1u << 28) : 0u);
  Put(vp8l, Bytes{0x00, 0x00, 0x00});
  Put(out, RiffChunk("VP8L", vp8l));
  return out;
}

Bytes WavFmtAndData() {
  Bytes fmt;
  PutU16Le(fmt, 1);      // PCM
  PutU16Le(fmt, 1);      // mono
  PutU32Le(fmt, 8000);   // sample rate
  PutU32Le(fmt, 16000);  // byte rate
  PutU16Le(fmt, 2);
  PutU16Le(fmt, 16);
  Bytes out = RiffChunk("fmt ", fmt);
  Put(out, RiffChunk("data", Bytes{1, 2, 3, 4}));
  return out;
}

// ---------------------------------------------------------------- ID3

namespace {
void PutSyncSafe(Bytes& b, uint32_t v) {
  b.push_back(uint8_t((v >> 21) & 0x7F));
  b.push_back(uint8_t((v >> 14) & 0x7F));
  b.push_back(uint8_t((v >> 7) & 0x7F));
  b.push_back(uint8_t(v & 0x7F));
}
}  // namespace

Bytes Id3Frame(int version, std::string_view id, const Bytes& payload, uint16_t flags) {
  Bytes out = B(id);
  if (version == 2) {
    out.push_back(uint8_t(payload.size() >> 16));
    out.push_back(uint8_t(payload.size() >> 8));
    out.push_back(uint8_t(payload.size()));
  } else {
    if (version == 4) {
      PutSyncSafe(out, uint32_t(payload.size()));
    } else {
      PutU32Be(out, uint32_t(payload.size()));
    }
    PutU16Be(out, flags);
  }
  Put(out, payload);
  return out;
}

Bytes Id3Text(int version, std::string_view id, std::string_view utf8) {
  Bytes p;
  if (version == 4) {
    p.push_back(3);
    Put(p, utf8);
  } else {  // UTF-16 with BOM (ASCII input)
    p.push_back(1);
    p.push_back(0xFF);
    p.push_back(0xFE);
    Put(p, Utf16(utf8, false));
  }
  return Id3Frame(version, id, p);
}

Bytes Id3v2(int version, const std::vector<Bytes>& frames, uint8_t flags) {
  Bytes body;
  for (const Bytes& f : frames) Put(body, f);
  Put(body, Bytes(16, 0));  // padding
  Bytes out = B("ID3");
  out.push_back(uint8_t(version));
  out.push_back(0);
  out.push_back(flags);
  PutSyncSafe(out, uint32_t(body.size()));
  Put(out, body);
  return out;
}

Bytes Id3v1(std::string_view title, std::string_view artist, uint8_t track, uint8_t genre) {
  Bytes out = B("TAG");
  auto field = [&](std::string_view s, size_t n) {
    Bytes f = B(s.substr(0, n));
    f.resize(n, 0);
    Put(out, f);
  };
  field(title, 30);
  field(artist, 30);
  field("", 30);
  field("2024", 4);
  field("v1 comment", 28);
  out.push_back(0);
  out.push_back(track);
  out.push_back(genre);
  return out;
}

Bytes Unsynchronise(const Bytes& b) {
  Bytes out;
  for (size_t i = 0; i < b.size(); ++i) {
    out.push_back(b[i]);
    if (b[i] == 0xFF && (i + 1 == b.size() || b[i + 1] == 0 || (b[i + 1] & 0xE0) == 0xE0)) {
      out.push_back(0);
    }
  }
  return out;
}

// ---------------------------------------------------------------- BMFF

Bytes Box(std::string_view type, const Bytes& payload) {
  Bytes out;
  PutU32Be(out, uint32_t(payload.size() + 8));
  Put(out, type);
  Put(out, payload);
  return out;
}

Bytes FullBox(std::string_view type, uint32_t version_flags, const Bytes& payload) {
  Bytes p;
  PutU32Be(p, version_flags);
  Put(p, payload);
  return Box(type, p);
}

Bytes DataAtom(uint32_t type, const Bytes& value) {
  Bytes p;
  PutU32Be(p, type);
  PutU32Be(p, 0);  // locale
  Put(p, value);
  return Box("data", p);
}

Bytes QtText(std::string_view s) {
  Bytes out;
  PutU16Be(out, uint32_t(s.size()));
  PutU16Be(out, 0);  // language 0: English, MacRoman
  Put(out, s);
  return out;
}

}  // namespace custody::metadata::testing
