// Internal to media/metadata: the reading context shared by the per-format readers, byte and text
// helpers, and the readers' entry points. Not part of the module's interface.
//
// Every reader takes a span into the caller's bytes and checks each length against the bytes that
// are really there before it touches them; nothing is allocated from a declared length (buffers
// grow with the data actually read or inflated). Readers record damage as warnings and return the
// entries read so far; only the top-level reader decides a file is unreadable.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "media/metadata/metadata.h"

namespace custody::metadata::internal {

using Span = std::span<const uint8_t>;

// ---------------------------------------------------------------- bytes
// REQUIRES for all: at + width <= s.size() (callers check first).
inline uint16_t U16Be(Span s, size_t at) { return uint16_t(s[at] << 8 | s[at + 1]); }
inline uint16_t U16Le(Span s, size_t at) { return uint16_t(s[at] | s[at + 1] << 8); }
inline uint32_t U24Be(Span s, size_t at) {
  return uint32_t(s[at]) << 16 | uint32_t(s[at + 1]) << 8 | s[at + 2];
}
inline uint32_t U32Be(Span s, size_t at) {
  return uint32_t(s[at]) << 24 | uint32_t(s[at + 1]) << 16 | uint32_t(s[at + 2]) << 8 | s[at + 3];
}
inline uint32_t U32Le(Span s, size_t at) {
  return uint32_t(s[at]) | uint32_t(s[at + 1]) << 8 | uint32_t(s[at + 2]) << 16 |
         uint32_t(s[at + 3]) << 24;
}
inline uint64_t U64Be(Span s, size_t at) { return uint64_t(U32Be(s, at)) << 32 | U32Be(s, at + 4); }
inline uint64_t U64Le(Span s, size_t at) { return uint64_t(U32Le(s, at + 4)) << 32 | U32Le(s, at); }

inline bool HasPrefix(Span s, std::string_view prefix) {
  return s.size() >= prefix.size() && AsChars(s.first(prefix.size())) == prefix;
}
// Whether `needle` occurs in `s` (memmem-like).
bool Contains(Span s, std::string_view needle);

// A four-character code as text, non-printable bytes as '?'; trailing spaces trimmed if `trim`.
std::string FourCC(Span s, bool trim = true);

// ---------------------------------------------------------------- text
bool IsValidUtf8(std::string_view s);
// Appends code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void AppendCodePoint(std::string& out, uint32_t cp);
std::string Latin1ToUtf8(Span s);
std::string MacRomanToUtf8(Span s);
// UTF-16 to UTF-8; a BOM overrides `big_endian` and is dropped; stops at a U+0000 terminator;
// unpaired surrogates become U+FFFD.
std::string Utf16ToUtf8(Span s, bool big_endian);
// UTF-8 if the bytes are valid UTF-8, else Latin-1 (what legacy "ASCII" fields really hold).
std::string BytesToText(Span s);
// Removes trailing NULs, and leading/trailing ASCII whitespace.
std::string_view Trim(std::string_view s);
std::string_view TrimNuls(std::string_view s);
// At most `max` bytes of UTF-8 `s`, never splitting a sequence.
std::string Clip(std::string_view s, size_t max);
// Lower-case ASCII copy.
std::string Lower(std::string_view s);
// Printable text (UTF-8 without control characters other than tab/CR/LF).
bool LooksLikeText(Span s);
// "<what, N bytes>"
std::string Describe(std::string_view what, uint64_t size);

// Inflates zlib (`format` kZlib), gzip (kGzip) or either (kAuto) data, producing at most
// `max_bytes` (an error beyond, so a bomb costs at most that much memory).
enum class Compression { kZlib, kGzip, kAuto, kRawDeflate };
Result<Bytes> Inflate(Span compressed, uint64_t max_bytes, Compression format);

// A category for a free-form field name (PNG keyword, RIFF/QuickTime/ID3 field, XMP property):
// case-insensitive keyword heuristics.
Category ClassifyName(std::string_view name);

// ---------------------------------------------------------------- image facts for stealth
struct ImageFacts {
  bool has_alpha = false;  // PNG colour type 4/6 or tRNS; WebP ALPH / VP8X alpha / VP8L alpha
  bool animated = false;   // WebP ANIM (the stealth writers only produce still images)
  uint64_t width = 0;
  uint64_t height = 0;
  // PNG only (IHDR), for the stealth check's own row decoder.
  uint8_t bit_depth = 0;
  uint8_t colour_type = 0;
  bool interlaced = false;
};

// ---------------------------------------------------------------- context
// What a read is collecting, and its limits. One per ReadMetadata call; not thread-safe.
class Context {
 public:
  Context(Span file, const ReadOptions& options, Report& report)
      : file_(file), options_(options), report_(report) {}

  const ReadOptions& options() const { return options_; }
  Report& report() { return report_; }
  Span file() const { return file_; }
  ImageFacts& image() { return image_; }

  // Adds a text entry (`value` must be UTF-8; it is truncated to max_value_bytes with a warning).
  // Ignored, with one warning, once max_entries is reached.
  void Add(std::string_view carrier, std::string key, std::string value, Category category,
           uint64_t offset);
  // Adds a binary entry described as "<what, N bytes>".
  void AddBinary(std::string_view carrier, std::string key, std::string_view what, uint64_t size,
                 Category category, uint64_t offset);
  // Records damage; at most kMaxWarnings are kept.
  void Warn(std::string message);
  bool full() const { return full_; }

  // Nesting guard for carriers inside carriers (EXIF in XMP in Photoshop IRB ...).
  bool Enter() {
    if (depth_ >= kMaxDepth) {
      Warn("nesting too deep; inner carrier skipped");
      return false;
    }
    ++depth_;
    return true;
  }
  void Leave() { --depth_; }

  // A C2PA manifest store was found: sets Report::c2pa, adds its entry, and reads the IPTC
  // digital source type it declares (a byte search for the IPTC newscodes URI).
  void NoteC2pa(Span store, std::string_view carrier, uint64_t offset);
  // An IPTC DigitalSourceType URI was found (XMP, C2PA): the AI-marking ones win over others.
  void NoteDigitalSourceType(std::string_view uri);

  static constexpr int kMaxDepth = 8;
  static constexpr size_t kMaxWarnings = 64;
  static constexpr size_t kMaxKeyBytes = 256;

 private:
  Span file_;
  const ReadOptions& options_;
  Report& report_;
  ImageFacts image_;
  int depth_ = 0;
  bool full_ = false;
  bool warned_truncation_ = false;
};

class ScopedNesting {
 public:
  explicit ScopedNesting(Context& ctx) : ctx_(ctx), ok_(ctx.Enter()) {}
  ~ScopedNesting() {
    if (ok_) ctx_.Leave();
  }
  ScopedNesting(const ScopedNesting&) = delete;
  ScopedNesting& operator=(const ScopedNesting&) = delete;
  bool ok() const { return ok_; }

 private:
  Context& ctx_;
  bool ok_;
};

// ---------------------------------------------------------------- readers of embedded structures
// All take the structure's bytes, the carrier name for the entries, and the carrier's file offset.

// A TIFF structure (EXIF): "II*\0" or "MM\0*" header, IFD0 → ExifIFD, GPS, Interop, IFD1.
void ReadExif(Context& ctx, Span tiff, std::string_view carrier, uint64_t offset);
// EXIF as found in the wild: with or without the "Exif\0\0" (or "Exif\0\xff") prefix.
void ReadExifBlock(Context& ctx, Span block, std::string_view carrier, uint64_t offset);
// An XMP packet (UTF-8, or UTF-16 with BOM).
void ReadXmp(Context& ctx, Span xml, std::string_view carrier, uint64_t offset);
// IPTC-IIM datasets (0x1C record dataset length value ...).
void ReadIptc(Context& ctx, Span iim, std::string_view carrier, uint64_t offset);
// Photoshop image resource blocks ("8BIM" id name size data ...).
void ReadPhotoshopIrb(Context& ctx, Span irb, std::string_view carrier, uint64_t offset);
// An ID3v2 tag starting at tag[0] ("ID3"); returns the bytes the tag occupies (0 if invalid).
size_t ReadId3v2(Context& ctx, Span tag, std::string_view carrier, uint64_t offset);
// An ICC profile: one binary entry with the profile description if one is found.
void ReadIcc(Context& ctx, Span profile, std::string_view carrier, uint64_t offset);

// ---------------------------------------------------------------- file readers
// Each returns an error only when the file cannot be read at all (see ReadMetadata).
Status ReadPng(Context& ctx, Span file);
Status ReadJpeg(Context& ctx, Span file);
Status ReadGif(Context& ctx, Span file);
Status ReadWebp(Context& ctx, Span file);
Status ReadWav(Context& ctx, Span file);
Status ReadMp3(Context& ctx, Span file);
Status ReadBmff(Context& ctx, Span file);

// Alpha-LSB ("stealth") payload of a PNG/WebP with alpha; adds a "<fmt>:alpha-lsb" entry.
void ReadStealth(Context& ctx, Span file, std::string_view format);

// Fills Report::generations from the entries and marks the entries that identified a tool (and
// carry its prompt/workflow) as kGeneration.
void RecognizeTools(Report& report);

}  // namespace custody::metadata::internal
