// Internal to the metadata scrubber (scrub.cc, scrub_riff.cc, scrub_bmff.cc, scrub_mp3.cc): byte
// helpers, the minimal-EXIF builder shared by PNG, JPEG and WebP, and the per-format entry points
// that ScrubMetadata and ListMetadata dispatch to. Not part of the module's interface.
//
// Every parser here bounds-checks with "bytes remaining" arithmetic (`size - pos < n`, never
// `pos + n > size`), so hostile lengths can neither overflow nor read past the end, and nothing
// is allocated from a declared length: outputs are at most the size of the input.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "base/result.h"
#include "media/scrub.h"

namespace custody::scrub_internal {

using Span = std::span<const uint8_t>;

// REQUIRES (all readers): the bytes are in bounds; callers check first.
inline uint32_t U16Be(Span s, size_t at) { return uint32_t(s[at]) << 8 | s[at + 1]; }
inline uint32_t U32Be(Span s, size_t at) {
  return uint32_t(s[at]) << 24 | uint32_t(s[at + 1]) << 16 | uint32_t(s[at + 2]) << 8 | s[at + 3];
}
inline uint64_t U64Be(Span s, size_t at) { return uint64_t(U32Be(s, at)) << 32 | U32Be(s, at + 4); }
inline uint32_t U16Le(Span s, size_t at) { return s[at] | uint32_t(s[at + 1]) << 8; }
inline uint32_t U32Le(Span s, size_t at) {
  return s[at] | uint32_t(s[at + 1]) << 8 | uint32_t(s[at + 2]) << 16 | uint32_t(s[at + 3]) << 24;
}
inline uint64_t U64Le(Span s, size_t at) { return U32Le(s, at) | uint64_t(U32Le(s, at + 4)) << 32; }

inline void Append(Bytes& out, Span s) { out.insert(out.end(), s.begin(), s.end()); }
inline void AppendU16Be(Bytes& out, uint32_t v) {
  out.push_back(uint8_t(v >> 8));
  out.push_back(uint8_t(v));
}
inline void AppendU32Be(Bytes& out, uint32_t v) {
  AppendU16Be(out, v >> 16);
  AppendU16Be(out, v & 0xFFFF);
}
inline void AppendU32Le(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
inline void AppendU64Le(Bytes& out, uint64_t v) {
  AppendU32Le(out, uint32_t(v));
  AppendU32Le(out, uint32_t(v >> 32));
}
inline void PutU32Le(Bytes& out, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) out[at + i] = uint8_t(v >> (8 * i));
}

inline bool HasPrefix(Span s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}
// Whether `s` holds `tag` at `at` (false when it does not fit).
inline bool HasAt(Span s, size_t at, std::string_view tag) {
  return at <= s.size() && s.size() - at >= tag.size() &&
         std::memcmp(s.data() + at, tag.data(), tag.size()) == 0;
}

// Printable ASCII as is, anything else as '?', capped: carrier names are shown to people.
std::string Printable(Span s, size_t max);
// A four-character code as a carrier name part: printable, trailing spaces trimmed ("XMP ",
// "id3 " -> "XMP", "id3").
std::string FourCcName(Span four);

// kInvalidArgument "scrub: <format>: <what> at byte <offset>".
Error Malformed(std::string_view format, uint64_t offset, std::string_view what);
// kUnsupportedMedia "scrub: <format>: <what>".
Error Unsupported(std::string_view format, std::string_view what);

// ---- minimal EXIF (PNG eXIf, JPEG APP1 Exif, WebP EXIF) ----

// The tags a minimal EXIF block may carry, read best-effort from a TIFF structure: anything
// malformed simply yields nothing.
struct ExifSubset {
  std::optional<uint16_t> orientation;
  std::optional<Bytes> copyright;  // ASCII, NUL-terminated
  bool had_other_content = false;  // other IFD0 tags, or a next IFD (thumbnail)
};
ExifSubset ReadExifSubset(Span tiff, const ScrubPolicy& policy);
// A big-endian TIFF structure with one IFD holding the subset's tags.
Bytes BuildTiff(const ExifSubset& subset);

// ---- per-format entry points ----
// REQUIRES: the media type was checked against the content (ScrubMetadata does it). Scrub*
// appends to `report` and returns the output; List* returns the carriers. Pure functions.

Result<Bytes> ScrubWebp(Span in, const ScrubPolicy& policy, ScrubReport& report);
Result<std::vector<std::string>> ListWebp(Span in);

Result<Bytes> ScrubWav(Span in, const ScrubPolicy& policy, ScrubReport& report);
Result<std::vector<std::string>> ListWav(Span in);

Result<Bytes> ScrubBmff(Span in, const ScrubPolicy& policy, ScrubReport& report);
Result<std::vector<std::string>> ListBmff(Span in);
// Whether `in` starts like a QuickTime movie without an `ftyp` box (old .mov files start with
// `moov`, `mdat`, `wide`, `free`, `skip` or `pnot`).
bool LooksLikeQuickTimeWithoutFtyp(Span in);
// Whether the `ftyp` box names a HEIF/AVIF still-image brand (major or compatible).
bool HasHeifBrand(Span in);

Result<Bytes> ScrubMp3(Span in, const ScrubPolicy& policy, ScrubReport& report);
Result<std::vector<std::string>> ListMp3(Span in);

}  // namespace custody::scrub_internal
