// Builders and inspectors for media tests: synthetic PNG/JPEG files with chosen metadata carriers,
// decoded-pixel comparison, fixture lookup. Tests only; not thread-safe unless stated.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"

namespace custody::media_test {

// A deterministic w x h test pattern (gradients, so every pixel differs a little).
// bands: 1 (grey), 3 (RGB) or 4 (RGBA).
Bytes MakePng(int w, int h, int bands = 3);
Bytes MakeJpeg(int w, int h, bool progressive = false);
Bytes MakeWebp(int w, int h);
Bytes MakeGif(int w, int h);

// ---- PNG surgery ----
enum class Where { kAfterIhdr, kAfterIdat };
// Inserts a chunk with a correct CRC (after IHDR, or after the last IDAT).
Bytes InsertPngChunk(const Bytes& png, std::string_view type, const Bytes& data, Where where);
Bytes TextChunk(std::string_view keyword, std::string_view text);  // tEXt data
Bytes ZtxtChunk(std::string_view keyword, std::string_view text);  // zTXt data (stored deflate)
Bytes ItxtChunk(std::string_view keyword, std::string_view text);  // iTXt data, uncompressed
// Rewrites IHDR's width and height (CRC fixed), leaving the pixel data as it was.
Bytes SetPngSize(const Bytes& png, uint32_t w, uint32_t h);
// Concatenated IDAT payloads.
Bytes IdatBytes(const Bytes& png);
uint32_t PngCrc(std::string_view type, std::span<const uint8_t> data);

// ---- JPEG surgery ----
// Inserts a segment right after SOI (before everything else) or right before EOI.
enum class JpegWhere { kAfterSoi, kBeforeEoi };
Bytes InsertJpegSegment(const Bytes& jpeg, uint8_t marker, const Bytes& payload,
                        JpegWhere where = JpegWhere::kAfterSoi);
// The bytes from the first SOS to EOI inclusive (the scans), for checking they are untouched.
Bytes JpegScans(const Bytes& jpeg);
// A TIFF structure (little-endian) with Orientation, Make, Copyright and an A1111-style
// UserComment ("UNICODE\0" + UTF-16BE) in IFD0. The APP1 payload adds "Exif\0\0" in front.
Bytes ExifTiff(uint16_t orientation, std::string_view make, std::string_view copyright,
               std::string_view user_comment);
Bytes ExifApp1(uint16_t orientation, std::string_view make, std::string_view copyright,
               std::string_view user_comment);
// An sRGB ICC profile (libvips' built-in one).
Bytes SrgbIccProfile();

// ---- inspection ----
struct Pixels {
  int width = 0, height = 0, bands = 0, format = 0;
  Bytes data;
  friend bool operator==(const Pixels&, const Pixels&) = default;
};
// Decodes with libvips (no autorotation); nullopt if libvips cannot.
std::optional<Pixels> Decode(std::span<const uint8_t> encoded);
// An EXIF field as libvips reports it (e.g. "exif-ifd0-Orientation"), or nullopt.
std::optional<std::string> VipsField(std::span<const uint8_t> encoded, const char* name);
bool Contains(std::span<const uint8_t> haystack, std::string_view needle);
Bytes ReadFile(const std::string& path);
Bytes RandomBytes(size_t n, uint64_t seed);

// The fixtures directory: $CUSTODY_FIXTURES, else $CUSTODY_SOURCE_DIR/../shared/fixtures, else
// the source tree's ../shared/fixtures; nullopt if it does not exist.
std::optional<std::string> FixturesDir();
bool FixturesRequired();  // CUSTODY_REQUIRE_FIXTURES=1

}  // namespace custody::media_test
