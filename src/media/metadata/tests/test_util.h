// Helpers for the metadata reader's tests: where the fixtures are (skipping when absent, failing
// instead under CUSTODY_REQUIRE_FIXTURES=1), report lookups, and builders for synthetic files of
// every carrier (PNG chunks, JPEG segments, TIFF/EXIF, RIFF, ID3, BMFF boxes), written byte by
// byte so each test states exactly what the file holds. Tests only; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "media/metadata/metadata.h"
#include "media/metadata/tests/utf8_oracle.h"

namespace custody::metadata::testing {

// ---------------------------------------------------------------- fixtures
std::filesystem::path FixturesDir();  // $CUSTODY_FIXTURES, else <repo>/../shared/fixtures
bool RequireFixtures();               // CUSTODY_REQUIRE_FIXTURES=1
std::optional<Bytes> ReadFile(const std::filesystem::path& path);
// Regular files under FixturesDir()/rel (recursively), sorted; empty if the folder is absent.
std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& rel);

// ---------------------------------------------------------------- report lookups
const Entry* FindEntry(const Report& r, std::string_view key, std::string_view carrier = "");
size_t CountEntries(const Report& r, std::string_view key);
const Generation* FindGeneration(const Report& r, std::string_view tool);
// Every entry rendered one per line, for failure messages.
std::string Dump(const Report& r);

// ---------------------------------------------------------------- bytes
void PutU16Be(Bytes& b, uint32_t v);
void PutU32Be(Bytes& b, uint32_t v);
void PutU64Be(Bytes& b, uint64_t v);
void PutU16Le(Bytes& b, uint32_t v);
void PutU32Le(Bytes& b, uint32_t v);
void Put(Bytes& b, std::string_view s);
void Put(Bytes& b, const Bytes& s);
Bytes B(std::string_view s);
// A string literal's bytes, embedded NULs included (not the terminating one).
template <size_t N>
Bytes B(const char (&literal)[N]) {
  return Bytes(literal, literal + N - 1);
}
Bytes Zlib(std::span<const uint8_t> data);
Bytes Gzip(std::span<const uint8_t> data);
Bytes Utf16(std::string_view ascii, bool big_endian);  // ASCII only

// ---------------------------------------------------------------- PNG
Bytes PngChunk(std::string_view type, const Bytes& data);
struct PngSpec {
  uint32_t width = 1, height = 1;
  uint8_t colour_type = 2;         // 2 RGB, 4 grey+alpha, 6 RGBA
  uint8_t bit_depth = 8;           // 8, or 16 (each 8-bit value in `pixels` becomes v, 0x5A)
  Bytes pixels;                    // width*height*(3|2|4) bytes, row-major; zeros if empty
  bool mixed_filters = false;      // row y uses PNG filter y % 5 (else filter 0 everywhere)
  std::vector<Bytes> before_idat;  // whole chunks (PngChunk)
  std::vector<Bytes> after_idat;
  Bytes trailing;
};
Bytes MakePng(const PngSpec& spec);
Bytes TextChunk(std::string_view keyword, const Bytes& latin1);
Bytes ZtxtChunk(std::string_view keyword, std::string_view text);
Bytes ItxtChunk(std::string_view keyword, std::string_view utf8, bool compressed);

// An RGBA PNG whose pixels' low bits carry `payload` the way the A1111 "stealth pnginfo"
// extension writes it: magic, 32-bit bit length, payload, column by column (alpha, or R/G/B).
// colour_type 6 (RGBA) or 4 (grey+alpha, alpha variant only); bit_depth 8 or 16 (the bits go
// into the high byte of each sample, which is what an 8-bit decode sees).
Bytes StealthPng(uint32_t w, uint32_t h, std::string_view magic, const Bytes& payload, bool rgb,
                 uint8_t colour_type = 6, uint8_t bit_depth = 8);

// ---------------------------------------------------------------- TIFF / EXIF
class TiffBuilder {
 public:
  explicit TiffBuilder(bool little_endian) : le_(little_endian) {}
  enum Ifd { kIfd0, kExif, kGps, kIfd1 };
  TiffBuilder& Ascii(Ifd ifd, uint16_t tag, std::string_view s);
  TiffBuilder& Short(Ifd ifd, uint16_t tag, uint16_t v);
  TiffBuilder& Long(Ifd ifd, uint16_t tag, uint32_t v);
  TiffBuilder& Rationals(Ifd ifd, uint16_t tag, std::vector<std::pair<uint32_t, uint32_t>> v);
  TiffBuilder& Raw(Ifd ifd, uint16_t tag, uint16_t type, uint32_t count, const Bytes& data);
  // IFD0's next-IFD offset points back at IFD0 (a loop) when set.
  TiffBuilder& LoopIfd0(bool on) {
    loop_ = on;
    return *this;
  }
  Bytes Build() const;

 private:
  struct Tag {
    uint16_t tag, type;
    uint32_t count;
    Bytes data;  // already in the TIFF's byte order
  };
  void U16(Bytes& b, uint32_t v) const;
  void U32(Bytes& b, uint32_t v) const;
  bool le_;
  bool loop_ = false;
  std::vector<Tag> ifds_[4];
};

// ---------------------------------------------------------------- JPEG
Bytes JpegSegment(uint8_t marker, const Bytes& payload);
struct JpegSpec {
  std::vector<Bytes> before_scan;  // whole segments (JpegSegment)
  std::vector<Bytes> after_scan;   // segments between the first scan and EOI
  Bytes trailing;
};
Bytes MakeJpeg(const JpegSpec& spec);

// ---------------------------------------------------------------- RIFF
Bytes RiffChunk(std::string_view id, const Bytes& data);  // padded to even
Bytes Riff(std::string_view form, const std::vector<Bytes>& chunks);
Bytes MinimalWebpChunks(bool alpha);  // VP8X (+ALPH) + VP8L for a 1x1 image
Bytes WavFmtAndData();                // fmt + 4 bytes of data

// ---------------------------------------------------------------- ID3
Bytes Id3Frame(int version, std::string_view id, const Bytes& payload, uint16_t flags = 0);
Bytes Id3Text(int version, std::string_view id, std::string_view utf8);  // encoding 3 (or 1)
Bytes Id3v2(int version, const std::vector<Bytes>& frames, uint8_t flags = 0);
Bytes Id3v1(std::string_view title, std::string_view artist, uint8_t track, uint8_t genre);
Bytes Unsynchronise(const Bytes& b);

// ---------------------------------------------------------------- BMFF
Bytes Box(std::string_view type, const Bytes& payload);
Bytes FullBox(std::string_view type, uint32_t version_flags, const Bytes& payload);
Bytes DataAtom(uint32_t type, const Bytes& value);
Bytes QtText(std::string_view s);  // QuickTime international text record (lang 0)

}  // namespace custody::metadata::testing

// Reads FixturesDir()/rel into `var` (Bytes), or skips (fails under CUSTODY_REQUIRE_FIXTURES=1).
#define CUSTODY_METADATA_FIXTURE(var, rel)                                                         \
  ::custody::Bytes var;                                                                            \
  do {                                                                                             \
    auto _fixture = ::custody::metadata::testing::ReadFile(                                        \
        ::custody::metadata::testing::FixturesDir() / (rel));                                      \
    if (!_fixture) {                                                                               \
      if (::custody::metadata::testing::RequireFixtures()) FAIL() << "fixture missing: " << (rel); \
      GTEST_SKIP() << "fixture missing (set CUSTODY_FIXTURES): " << (rel);                         \
    }                                                                                              \
    var = std::move(*_fixture);                                                                    \
  } while (0)
