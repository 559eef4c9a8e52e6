// Builders and inspectors for media tests: synthetic PNG/JPEG/WebP/WAV/MP4/MP3 files with chosen
// metadata carriers, independent (test-side) parsers to inspect the results, decoded-pixel
// comparison, fixture lookup. Tests only; not thread-safe unless stated.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/encoding.h"

namespace custody::media_test {

// A deterministic w x h test pattern (gradients, so every pixel differs a little).
// bands: 1 (grey), 3 (RGB) or 4 (RGBA).
Bytes MakePng(int w, int h, int bands = 3);
Bytes MakeJpeg(int w, int h, bool progressive = false);
// bands 4 gives an extended WebP (VP8X, ALPH, VP8) when lossy, a simple VP8L when lossless.
Bytes MakeWebp(int w, int h, int bands = 3, bool lossless = false);
// An animated WebP (VP8X, ANIM, one ANMF per frame), each frame a differently shifted pattern.
Bytes MakeAnimatedWebp(int w, int h, int frames);
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
// A big-endian TIFF structure as ComfyUI writes for animated WebP, plus what cameras and A1111
// add: IFD0 Make "workflow:<json>", Model "prompt:<json>", Orientation, Artist, Copyright; an
// Exif IFD with UserComment ("UNICODE\0" + UTF-16BE); a GPS IFD (latitude, and
// GPSAreaInformation holding `gps_area`).
struct AiExif {
  uint16_t orientation = 6;
  std::string workflow, prompt, artist, copyright, user_comment, gps_area;
};
Bytes AiExifTiff(const AiExif& exif);
// An sRGB ICC profile (libvips' built-in one).
Bytes SrgbIccProfile();

// ---- RIFF (WebP, WAV) surgery ----
// One serialised chunk: id, size (LE), data, pad byte when odd.
Bytes RiffChunk(std::string_view fourcc, std::span<const uint8_t> data);
// LIST chunk data: the list type followed by the given serialised chunks.
Bytes RiffListData(std::string_view list_type, const std::vector<Bytes>& chunks);
// Inserts a chunk before the `index`-th top-level chunk (at the end if there are fewer), fixing
// the RIFF size.
Bytes InsertRiffChunk(const Bytes& riff, size_t index, std::string_view fourcc,
                      std::span<const uint8_t> data);
// Top-level chunks (id, data) of a RIFF file; nullopt if it does not parse strictly.
std::optional<std::vector<std::pair<std::string, Bytes>>> RiffChunks(std::span<const uint8_t> riff);
// A simple WebP (lone VP8/VP8L chunk) turned into an extended one: a VP8X chunk with `flags` and
// the canvas size in front.
Bytes ExtendedWebp(const Bytes& simple, int w, int h, uint8_t flags = 0);
uint8_t Vp8xFlags(std::span<const uint8_t> webp);  // 0 if there is no VP8X chunk

// ---- WAV ----
// 16-bit PCM, deterministic samples: RIFF WAVE with fmt and data only.
Bytes MakeWav(int frames, int channels = 1, int rate = 8000);
// The same file as RF64 (ds64 chunk, 0xFFFFFFFF sizes).
Bytes ToRf64(const Bytes& wav);
struct WavAudio {
  Bytes fmt, data;
};
// fmt and data of a RIFF/RF64 WAVE, parsed strictly; nullopt otherwise.
std::optional<WavAudio> ParseWavAudio(std::span<const uint8_t> wav);

// ---- ISO-BMFF (MP4, MOV, M4A) ----
Bytes Mp4Box(std::string_view type, std::span<const uint8_t> payload);
Bytes Mp4FullBox(std::string_view type, uint8_t version, uint32_t flags,
                 std::span<const uint8_t> payload);
Bytes Mp4Uuid(std::string_view uuid_hex, std::span<const uint8_t> payload);
Bytes Concat(const std::vector<Bytes>& parts);
inline constexpr std::string_view kXmpUuidHex = "be7acfcb97a942e89c71999491e3afac";
inline constexpr std::string_view kC2paUuidHex = "d8fec3d61b0e483c92975828877ec481";
struct Mp4Spec {
  std::string major_brand = "isom";  // "qt  " for a QuickTime movie
  bool ftyp = true;                  // old QuickTime files start without one
  bool co64 = false;                 // 64-bit chunk offsets
  std::string handler = "vide";      // the track's handler type
  Bytes before_moov;                 // top-level boxes between ftyp and moov
  Bytes moov_extra;                  // boxes appended inside moov
  Bytes trak_extra;                  // boxes appended inside the trak
  Bytes after_mdat;                  // top-level boxes after mdat
};
// A small movie: ftyp, [before_moov], moov (mvhd, one trak with a full sample table whose
// stco/co64 points at three chunks in mdat), mdat, [after_mdat]. Not decodable video, but a
// structurally valid box tree.
Bytes MakeMp4(const Mp4Spec& spec);
struct Mp4Info {
  std::vector<std::string> paths;       // every box walked, e.g. "moov/trak/mdia"
  std::vector<uint64_t> chunk_offsets;  // stco/co64 entries, in file order
  Bytes mdat;                           // concatenated mdat payloads
};
// Walks the box tree strictly (containers incl. udta and meta); nullopt if it does not parse.
std::optional<Mp4Info> ParseMp4(std::span<const uint8_t> mp4);

// ---- MP3 ----
// MPEG-1 layer III frames (128 kbit/s, 44.1 kHz, 417 bytes each) with deterministic payloads;
// with `xing` the first frame is a Xing/LAME info frame.
Bytes MakeMp3(int frames, bool xing = true);
// An ID3v2.3 or 2.4 tag of (frame id, frame payload) pairs; 2.4 may carry a footer and an
// extended header.
Bytes Id3v2Tag(const std::vector<std::pair<std::string, Bytes>>& frames, int version = 3,
               bool footer = false, bool extended_header = false);
Bytes Id3Text(std::string_view text);  // a text-frame payload: ISO-8859-1 encoding byte + text
Bytes Id3v1Tag(std::string_view title, std::string_view artist, std::string_view comment);
Bytes Id3v1EnhancedTag(std::string_view title, std::string_view artist);  // "TAG+", 227 bytes
Bytes ApeTag(const std::vector<std::pair<std::string, std::string>>& items, bool header);
Bytes Lyrics3v2Tag(std::string_view lyrics);
Bytes Lyrics3v1Tag(std::string_view lyrics);

// ---- inspection ----
struct Pixels {
  int width = 0, height = 0, bands = 0, format = 0;
  Bytes data;
  friend bool operator==(const Pixels&, const Pixels&) = default;
};
// Decodes with libvips (no autorotation); nullopt if libvips cannot.
std::optional<Pixels> Decode(std::span<const uint8_t> encoded);
// Every frame of an animated image, stacked vertically (libvips "n=-1").
std::optional<Pixels> DecodeAllFrames(std::span<const uint8_t> encoded);
// An EXIF field as libvips reports it (e.g. "exif-ifd0-Orientation"), or nullopt.
std::optional<std::string> VipsField(std::span<const uint8_t> encoded, const char* name);
bool Contains(std::span<const uint8_t> haystack, std::string_view needle);
// UTF-16 (big- or little-endian) occurrences too: ID3 and EXIF UserComment store text that way.
bool ContainsAnyEncoding(std::span<const uint8_t> haystack, std::string_view needle);
Bytes ReadFile(const std::string& path);
Bytes RandomBytes(size_t n, uint64_t seed);

// The fixtures directory: $CUSTODY_FIXTURES, else $CUSTODY_SOURCE_DIR/../shared/fixtures, else
// the source tree's ../shared/fixtures; nullopt if it does not exist.
std::optional<std::string> FixturesDir();
bool FixturesRequired();  // CUSTODY_REQUIRE_FIXTURES=1

}  // namespace custody::media_test
