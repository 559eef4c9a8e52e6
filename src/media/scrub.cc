// ScrubMetadata and ListMetadata: the dispatch by media type, the re-read proof, the shared
// minimal-EXIF builder, and the PNG and JPEG containers. WebP and WAV are in scrub_riff.cc,
// MP4/MOV/M4A in scrub_bmff.cc, MP3 in scrub_mp3.cc.
#include "media/scrub.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <optional>

#include "media/media.h"
#include "media/scrub_internal.h"

namespace custody {

namespace scrub_internal {

std::string Printable(Span s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    out += (s[i] >= 0x20 && s[i] < 0x7F) ? char(s[i]) : '?';
  }
  return out;
}

std::string FourCcName(Span four) {
  std::string out = Printable(four.first(std::min<size_t>(four.size(), 4)), 4);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Error Malformed(std::string_view format, uint64_t offset, std::string_view what) {
  return InvalidArgument("scrub: " + std::string(format) + ": " + std::string(what) + " at byte " +
                         std::to_string(offset));
}

Error Unsupported(std::string_view format, std::string_view what) {
  return Error(ErrorCode::kUnsupportedMedia,
               "scrub: " + std::string(format) + ": " + std::string(what));
}

// ---------------------------------------------------------------- EXIF (TIFF) subset

ExifSubset ReadExifSubset(Span tiff, const ScrubPolicy& policy) {
  ExifSubset out;
  out.had_other_content = true;  // until proven otherwise
  if (tiff.size() < 8) return out;
  bool le;
  if (HasPrefix(tiff, std::string_view("II*\0", 4))) {
    le = true;
  } else if (HasPrefix(tiff, std::string_view("MM\0*", 4))) {
    le = false;
  } else {
    return out;
  }
  auto u16 = [&](size_t at) -> uint32_t {
    return le ? (tiff[at] | tiff[at + 1] << 8) : (tiff[at] << 8 | tiff[at + 1]);
  };
  auto u32 = [&](size_t at) -> uint32_t {
    return le ? (uint32_t(u16(at)) | uint32_t(u16(at + 2)) << 16)
              : (uint32_t(u16(at)) << 16 | uint32_t(u16(at + 2)));
  };
  size_t ifd = u32(4);
  if (ifd > tiff.size() || tiff.size() - ifd < 2) return out;
  size_t count = u16(ifd);
  if ((tiff.size() - ifd - 2) / 12 < count) return out;
  size_t kept_tags = 0;
  for (size_t i = 0; i < count; ++i) {
    size_t e = ifd + 2 + 12 * i;
    uint32_t tag = u16(e), type = u16(e + 2), n = u32(e + 4);
    if (tag == 0x0112 && type == 3 && n == 1 && policy.keep_orientation) {
      uint32_t v = u16(e + 8);
      if (v >= 1 && v <= 8) {
        out.orientation = uint16_t(v);
        ++kept_tags;
      }
    } else if (tag == 0x8298 && type == 2 && n >= 1 && n <= 4096 && policy.keep_copyright) {
      size_t at = n <= 4 ? e + 8 : u32(e + 8);
      if (at <= tiff.size() && tiff.size() - at >= n) {
        Bytes text(tiff.begin() + long(at), tiff.begin() + long(at + n));
        if (text.back() != 0) text.push_back(0);
        out.copyright = std::move(text);
        ++kept_tags;
      }
    }
  }
  size_t after = ifd + 2 + 12 * count;
  bool next_ifd = tiff.size() - after >= 4 && u32(after) != 0;
  out.had_other_content = count > kept_tags || next_ifd;
  return out;
}

Bytes BuildTiff(const ExifSubset& subset) {
  uint32_t n = (subset.orientation ? 1 : 0) + (subset.copyright ? 1 : 0);
  Bytes out = {'M', 'M', 0, 42};
  AppendU32Be(out, 8);
  AppendU16Be(out, n);
  const uint32_t data_at = 8 + 2 + 12 * n + 4;
  Bytes data;
  if (subset.orientation) {  // tags in ascending order: 0x0112 before 0x8298
    AppendU16Be(out, 0x0112);
    AppendU16Be(out, 3);
    AppendU32Be(out, 1);
    AppendU16Be(out, *subset.orientation);
    AppendU16Be(out, 0);
  }
  if (subset.copyright) {
    const Bytes& text = *subset.copyright;
    AppendU16Be(out, 0x8298);
    AppendU16Be(out, 2);
    AppendU32Be(out, uint32_t(text.size()));
    if (text.size() <= 4) {
      Bytes inline_value = text;
      inline_value.resize(4, 0);
      Append(out, inline_value);
    } else {
      AppendU32Be(out, data_at);
      data = text;
    }
  }
  AppendU32Be(out, 0);  // no next IFD
  Append(out, data);
  return out;
}

}  // namespace scrub_internal

namespace {

using scrub_internal::Append;
using scrub_internal::AppendU16Be;
using scrub_internal::AppendU32Be;
using scrub_internal::BuildTiff;
using scrub_internal::ExifSubset;
using scrub_internal::HasPrefix;
using scrub_internal::Printable;
using scrub_internal::ReadExifSubset;
using scrub_internal::Span;
using scrub_internal::U32Be;

// ---------------------------------------------------------------- PNG

constexpr std::string_view kPngSignature = "\x89PNG\r\n\x1a\n";

uint32_t Crc32(Span a, Span b) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (Span s : {a, b}) {
    for (uint8_t byte : s) c = table[(c ^ byte) & 0xFF] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFu;
}

struct PngChunk {
  std::string type;
  Span data;
  Span raw;  // length, type, data and CRC
  bool crc_ok = false;
};

struct PngFile {
  std::vector<PngChunk> chunks;  // IHDR first, IEND last
  size_t trailing = 0;           // bytes after IEND
};

Result<PngFile> ParsePng(Span in) {
  if (!HasPrefix(in, kPngSignature)) return InvalidArgument("scrub: not a PNG (bad signature)");
  PngFile file;
  size_t pos = kPngSignature.size();
  bool seen_idat = false;
  while (true) {
    if (in.size() - pos < 12) return InvalidArgument("scrub: truncated PNG (no IEND chunk)");
    uint32_t length = U32Be(in, pos);
    if (length > 0x7FFFFFFFu) {
      return InvalidArgument("scrub: malformed PNG (chunk length over 2^31-1 at byte " +
                             std::to_string(pos) + ")");
    }
    if (in.size() - pos - 12 < length) {
      return InvalidArgument("scrub: truncated PNG (chunk at byte " + std::to_string(pos) +
                             " runs past the end of the file)");
    }
    Span type = in.subspan(pos + 4, 4);
    for (uint8_t c : type) {
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
        return InvalidArgument("scrub: malformed PNG (invalid chunk type at byte " +
                               std::to_string(pos) + ")");
      }
    }
    PngChunk chunk;
    chunk.type.assign(type.begin(), type.end());
    chunk.data = in.subspan(pos + 8, length);
    chunk.raw = in.subspan(pos, 12 + size_t(length));
    chunk.crc_ok = Crc32(type, chunk.data) == U32Be(in, pos + 8 + length);
    pos += 12 + size_t(length);

    if (file.chunks.empty() && (chunk.type != "IHDR" || length != 13)) {
      return InvalidArgument("scrub: malformed PNG (first chunk is not a 13-byte IHDR)");
    }
    if (chunk.type == "IDAT") seen_idat = true;
    bool is_iend = chunk.type == "IEND";
    file.chunks.push_back(std::move(chunk));
    if (is_iend) break;
  }
  if (!seen_idat) return InvalidArgument("scrub: malformed PNG (no IDAT chunk)");
  file.trailing = in.size() - pos;
  return file;
}

bool IsCritical(const std::string& type) { return type[0] >= 'A' && type[0] <= 'Z'; }
bool IsTextChunk(const std::string& type) {
  return type == "tEXt" || type == "zTXt" || type == "iTXt";
}

// The keyword of a tEXt/zTXt/iTXt chunk: bytes before the first NUL (1..79 in valid files).
Span TextKeyword(Span data) {
  size_t n = 0;
  while (n < data.size() && n < 80 && data[n] != 0) ++n;
  return data.first(n);
}

std::string PngCarrierName(const PngChunk& c) {
  if (IsTextChunk(c.type)) return "png:" + c.type + ":" + Printable(TextKeyword(c.data), 79);
  return "png:" + c.type;
}

Status CheckCriticalChunk(const PngChunk& c) {
  static constexpr std::array<std::string_view, 4> kKnown = {"IHDR", "PLTE", "IDAT", "IEND"};
  if (std::find(kKnown.begin(), kKnown.end(), c.type) == kKnown.end()) {
    // A decoder must refuse an unknown critical chunk, and we cannot know whether it carries
    // metadata: refuse rather than guess.
    return Error(ErrorCode::kUnsupportedMedia, "scrub: PNG has an unknown critical chunk '" +
                                                   Printable(AsBytes(c.type), 4) + "'");
  }
  if (!c.crc_ok) {
    return InvalidArgument("scrub: corrupt PNG (CRC mismatch in " + c.type + " chunk)");
  }
  return OkStatus();
}

void AppendPngChunk(Bytes& out, std::string_view type, Span data) {
  AppendU32Be(out, uint32_t(data.size()));
  Append(out, AsBytes(type));
  Append(out, data);
  AppendU32Be(out, Crc32(AsBytes(type), data));
}

Result<Bytes> ScrubPng(Span in, const ScrubPolicy& policy, ScrubReport& report) {
  ASSIGN_OR_RETURN(PngFile file, ParsePng(in));
  static constexpr std::array<std::string_view, 8> kRendering = {"tRNS", "gAMA", "cHRM", "sRGB",
                                                                 "sBIT", "pHYs", "bKGD", "cICP"};
  Bytes out(kPngSignature.begin(), kPngSignature.end());
  out.reserve(in.size());
  bool exif_done = false;
  for (const PngChunk& c : file.chunks) {
    if (IsCritical(c.type)) {
      RETURN_IF_ERROR(CheckCriticalChunk(c));
      Append(out, c.raw);
      continue;
    }
    std::string name = PngCarrierName(c);
    bool keep = std::find(kRendering.begin(), kRendering.end(), c.type) != kRendering.end() ||
                (c.type == "iCCP" && policy.keep_icc) ||
                (IsTextChunk(c.type) && policy.keep_copyright &&
                 AsChars(TextKeyword(c.data)) == "Copyright");
    if (keep && c.crc_ok) {
      Append(out, c.raw);
      report.kept.push_back(std::move(name));
      continue;
    }
    if (c.type == "eXIf" && c.crc_ok && !exif_done &&
        (policy.keep_orientation || policy.keep_copyright)) {
      exif_done = true;
      ExifSubset subset = ReadExifSubset(c.data, policy);
      if (subset.orientation || subset.copyright) {
        AppendPngChunk(out, "eXIf", BuildTiff(subset));
        report.kept.push_back(name);
        if (subset.had_other_content) report.removed.push_back(name + ":other-tags");
        continue;
      }
    }
    report.removed.push_back(std::move(name));
  }
  if (file.trailing > 0) report.removed.push_back("png:trailing-data");
  return out;
}

std::vector<std::string> ListPng(const PngFile& file) {
  std::vector<std::string> out;
  for (const PngChunk& c : file.chunks) {
    if (!IsCritical(c.type)) out.push_back(PngCarrierName(c));
  }
  if (file.trailing > 0) out.push_back("png:trailing-data");
  return out;
}

// ---------------------------------------------------------------- JPEG

constexpr uint8_t kSOI = 0xD8, kEOI = 0xD9, kSOS = 0xDA, kCOM = 0xFE, kScanData = 0x00;

struct JpegPiece {
  uint8_t marker;  // kScanData for entropy-coded bytes
  Span raw;        // what to copy: marker and segment, or the scan bytes
  Span payload;    // segment contents after the length field (empty for standalone markers)
};

struct JpegFile {
  std::vector<JpegPiece> pieces;  // SOI first, EOI last
  size_t trailing = 0;            // bytes after EOI
};

bool IsApp(uint8_t m) { return m >= 0xE0 && m <= 0xEF; }
bool IsRst(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }

// Segments that describe the image and are kept verbatim.
bool IsStructural(uint8_t m) {
  return (m >= 0xC0 && m <= 0xCF && m != 0xC8) ||  // SOFn, DHT (C4), DAC (CC); not JPG (C8)
         m == 0xDB || m == 0xDC || m == 0xDD || m == 0xDE || m == 0xDF;  // DQT DNL DRI DHP EXP
}

std::string Hex2(uint8_t v) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return {kDigits[v >> 4], kDigits[v & 15]};
}

Result<JpegFile> ParseJpeg(Span in) {
  if (in.size() < 4 || in[0] != 0xFF || in[1] != kSOI) {
    return InvalidArgument("scrub: not a JPEG (no SOI marker)");
  }
  JpegFile file;
  file.pieces.push_back({kSOI, in.first(2), {}});
  size_t pos = 2;
  bool seen_frame = false, seen_scan = false;
  while (true) {
    if (pos >= in.size()) return InvalidArgument("scrub: truncated JPEG (no EOI marker)");
    if (in[pos] != 0xFF) {
      return InvalidArgument("scrub: malformed JPEG (expected a marker at byte " +
                             std::to_string(pos) + ")");
    }
    while (pos < in.size() && in[pos] == 0xFF) ++pos;  // fill bytes
    if (pos >= in.size()) return InvalidArgument("scrub: truncated JPEG (no EOI marker)");
    uint8_t m = in[pos++];
    const size_t start = pos - 2;  // fill bytes are dropped: a marker is copied as just FF xx
    if (m == kEOI) {
      file.pieces.push_back({m, in.subspan(start, 2), {}});
      break;
    }
    if (m == 0x01 || IsRst(m)) {  // standalone markers
      file.pieces.push_back({m, in.subspan(start, 2), {}});
      continue;
    }
    if (m == kSOI || m == 0x00) {
      return InvalidArgument("scrub: malformed JPEG (unexpected marker FF" + Hex2(m) + " at byte " +
                             std::to_string(start) + ")");
    }
    if (!IsApp(m) && m != kCOM && m != kSOS && !IsStructural(m)) {
      return Error(ErrorCode::kUnsupportedMedia,
                   "scrub: JPEG uses reserved or unsupported marker FF" + Hex2(m) +
                       "; cannot rewrite it safely");
    }
    if (in.size() - pos < 2) return InvalidArgument("scrub: truncated JPEG (segment header)");
    size_t length = size_t(in[pos]) << 8 | in[pos + 1];
    if (length < 2 || in.size() - pos < length) {
      return InvalidArgument("scrub: truncated or malformed JPEG (segment FF" + Hex2(m) +
                             " at byte " + std::to_string(start) + " has a bad length)");
    }
    file.pieces.push_back({m, in.subspan(start, 2 + length), in.subspan(pos + 2, length - 2)});
    pos += length;
    if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xCC) seen_frame = true;
    if (m != kSOS) continue;
    if (!seen_frame) return InvalidArgument("scrub: malformed JPEG (scan before frame header)");
    seen_scan = true;
    // Entropy-coded data runs to the next marker that is not a stuffed 0x00 or a restart marker.
    size_t data_start = pos;
    while (true) {
      if (pos >= in.size()) return InvalidArgument("scrub: truncated JPEG (scan data has no end)");
      if (in[pos] != 0xFF) {
        ++pos;
        continue;
      }
      size_t next = pos;
      while (next < in.size() && in[next] == 0xFF) ++next;
      if (next >= in.size()) return InvalidArgument("scrub: truncated JPEG (scan data has no end)");
      if (in[next] == 0x00 || IsRst(in[next])) {
        pos = next + 1;
        continue;
      }
      break;  // a real marker; its fill bytes are handled by the segment loop
    }
    file.pieces.push_back({kScanData, in.subspan(data_start, pos - data_start), {}});
  }
  if (!seen_scan) return InvalidArgument("scrub: malformed JPEG (no image data)");
  file.trailing = in.size() - pos;
  return file;
}

std::string JpegCarrierName(const JpegPiece& p) {
  if (p.marker == kCOM) return "jpeg:COM";
  std::string base = "jpeg:APP" + std::to_string(p.marker - 0xE0);
  Span d = p.payload;
  struct Known {
    uint8_t marker;
    std::string_view prefix;
    std::string_view name;
  };
  static constexpr std::array<Known, 12> kKnown = {{
      {0xE0, std::string_view("JFIF\0", 5), "JFIF"},
      {0xE0, std::string_view("JFXX\0", 5), "JFXX"},
      {0xE1, std::string_view("Exif\0", 5), "Exif"},
      {0xE1, std::string_view("http://ns.adobe.com/xap/1.0/\0", 29), "XMP"},
      {0xE1, std::string_view("http://ns.adobe.com/xmp/extension/\0", 35), "ExtendedXMP"},
      {0xE2, std::string_view("ICC_PROFILE\0", 12), "ICC_PROFILE"},
      {0xE2, std::string_view("MPF\0", 4), "MPF"},
      {0xE2, std::string_view("FPXR\0", 5), "FPXR"},
      {0xEB, "JP", "JUMBF"},
      {0xEC, "Ducky", "Ducky"},
      {0xED, std::string_view("Photoshop 3.0\0", 14), "Photoshop"},
      {0xEE, "Adobe", "Adobe"},
  }};
  for (const Known& k : kKnown) {
    if (k.marker == p.marker && HasPrefix(d, k.prefix)) return base + ":" + std::string(k.name);
  }
  // Otherwise a NUL-terminated printable identifier, if there is one.
  size_t n = 0;
  while (n < d.size() && n < 32 && d[n] >= 0x20 && d[n] < 0x7F) ++n;
  if (n >= 2 && n < d.size() && d[n] == 0) return base + ":" + Printable(d.first(n), 32);
  return base;
}

void AppendJpegSegment(Bytes& out, uint8_t marker, Span payload) {
  out.push_back(0xFF);
  out.push_back(marker);
  AppendU16Be(out, uint32_t(payload.size() + 2));
  Append(out, payload);
}

Result<Bytes> ScrubJpeg(Span in, const ScrubPolicy& policy, ScrubReport& report) {
  ASSIGN_OR_RETURN(JpegFile file, ParseJpeg(in));
  Bytes out;
  out.reserve(in.size());
  bool exif_done = false;
  for (const JpegPiece& p : file.pieces) {
    if (!IsApp(p.marker) && p.marker != kCOM) {
      Append(out, p.raw);
      continue;
    }
    std::string name = JpegCarrierName(p);
    if (name == "jpeg:APP0:JFIF" && p.payload.size() >= 14) {
      // Identifier, version, units, densities; then a thumbnail we do not keep.
      Bytes jfif(p.payload.begin(), p.payload.begin() + 14);
      bool had_thumbnail = p.payload.size() > 14 || jfif[12] != 0 || jfif[13] != 0;
      jfif[12] = jfif[13] = 0;
      AppendJpegSegment(out, p.marker, jfif);
      report.kept.push_back(name);
      if (had_thumbnail) report.removed.push_back(name + ":thumbnail");
      continue;
    }
    if (name == "jpeg:APP14:Adobe" || (name == "jpeg:APP2:ICC_PROFILE" && policy.keep_icc)) {
      Append(out, p.raw);
      report.kept.push_back(std::move(name));
      continue;
    }
    if (name == "jpeg:APP1:Exif" && !exif_done &&
        (policy.keep_orientation || policy.keep_copyright) && p.payload.size() >= 6) {
      exif_done = true;
      ExifSubset subset = ReadExifSubset(p.payload.subspan(6), policy);
      if (subset.orientation || subset.copyright) {
        Bytes payload = {'E', 'x', 'i', 'f', 0, 0};
        Append(payload, BuildTiff(subset));
        AppendJpegSegment(out, p.marker, payload);
        report.kept.push_back(name);
        if (subset.had_other_content) report.removed.push_back(name + ":other-tags");
        continue;
      }
    }
    report.removed.push_back(std::move(name));
  }
  if (file.trailing > 0) report.removed.push_back("jpeg:trailing-data");
  return out;
}

std::vector<std::string> ListJpeg(const JpegFile& file) {
  std::vector<std::string> out;
  for (const JpegPiece& p : file.pieces) {
    if (IsApp(p.marker) || p.marker == kCOM) out.push_back(JpegCarrierName(p));
  }
  if (file.trailing > 0) out.push_back("jpeg:trailing-data");
  return out;
}

// ---------------------------------------------------------------- dispatch

enum class Kind { kPng, kJpeg, kWebp, kWav, kBmff, kMp3 };

struct TypeEntry {
  std::string_view media_type;
  Kind kind;
  std::string_view sniffed;  // what SniffMediaType says for this kind
};
constexpr std::array<TypeEntry, 8> kTypes = {{
    {"image/png", Kind::kPng, "image/png"},
    {"image/jpeg", Kind::kJpeg, "image/jpeg"},
    {"image/webp", Kind::kWebp, "image/webp"},
    {"audio/wav", Kind::kWav, "audio/wav"},
    {"video/mp4", Kind::kBmff, "video/mp4"},
    {"video/quicktime", Kind::kBmff, "video/mp4"},
    {"audio/mp4", Kind::kBmff, "video/mp4"},
    {"audio/mpeg", Kind::kMp3, "audio/mpeg"},
}};

Result<Kind> CheckType(Span input, std::string_view media_type) {
  auto entry = std::find_if(kTypes.begin(), kTypes.end(),
                            [&](const TypeEntry& e) { return e.media_type == media_type; });
  if (entry == kTypes.end()) {
    return Error(ErrorCode::kUnsupportedMedia,
                 "metadata scrubbing supports image/png, image/jpeg, image/webp, audio/wav, "
                 "video/mp4 (also video/quicktime, audio/mp4) and audio/mpeg, not '" +
                     Printable(AsBytes(media_type), 64) + "'");
  }
  if (input.empty()) return InvalidArgument("scrub: the file is empty");
  std::string detected = SniffMediaType(input.first(std::min<size_t>(input.size(), 64)));
  if (detected == entry->sniffed) return entry->kind;
  // Containers SniffMediaType does not name (it classifies uploads; these are variants of the
  // same container that the scrubber can rewrite, or clearly refuses).
  if (entry->kind == Kind::kWav && input.size() >= 12 && scrub_internal::HasAt(input, 8, "WAVE")) {
    if (HasPrefix(input, "RF64") || HasPrefix(input, "BW64")) return Kind::kWav;
    if (HasPrefix(input, "RIFX")) {
      return scrub_internal::Unsupported("WAV", "big-endian RIFX files are not supported");
    }
  }
  if (entry->kind == Kind::kBmff) {
    if (scrub_internal::LooksLikeQuickTimeWithoutFtyp(input)) return Kind::kBmff;
    if (scrub_internal::HasAt(input, 4, "ftyp") && scrub_internal::HasHeifBrand(input)) {
      return scrub_internal::Unsupported(
          "MP4", "HEIF/AVIF still images (image items in a top-level meta box) are not supported");
    }
  }
  return InvalidArgument("scrub: content is not " + std::string(media_type) + " (detected " +
                         detected + ")");
}

Result<Bytes> ScrubKind(Kind kind, Span in, const ScrubPolicy& policy, ScrubReport& report) {
  switch (kind) {
    case Kind::kPng:
      return ScrubPng(in, policy, report);
    case Kind::kJpeg:
      return ScrubJpeg(in, policy, report);
    case Kind::kWebp:
      return scrub_internal::ScrubWebp(in, policy, report);
    case Kind::kWav:
      return scrub_internal::ScrubWav(in, policy, report);
    case Kind::kBmff:
      return scrub_internal::ScrubBmff(in, policy, report);
    case Kind::kMp3:
      return scrub_internal::ScrubMp3(in, policy, report);
  }
  return Internal("scrub: unknown container kind");
}

Result<std::vector<std::string>> ListKind(Kind kind, Span in) {
  switch (kind) {
    case Kind::kPng: {
      ASSIGN_OR_RETURN(PngFile file, ParsePng(in));
      return ListPng(file);
    }
    case Kind::kJpeg: {
      ASSIGN_OR_RETURN(JpegFile file, ParseJpeg(in));
      return ListJpeg(file);
    }
    case Kind::kWebp:
      return scrub_internal::ListWebp(in);
    case Kind::kWav:
      return scrub_internal::ListWav(in);
    case Kind::kBmff:
      return scrub_internal::ListBmff(in);
    case Kind::kMp3:
      return scrub_internal::ListMp3(in);
  }
  return Internal("scrub: unknown container kind");
}

// The re-read proof: the output is parsed again, independently of how it was built, and may
// carry nothing but what the report says was kept (each at most as often). A failure here is a
// bug in a scrubber, never a property of the input, hence kInternal.
Status VerifyOutput(Kind kind, Span out, const ScrubReport& report) {
  Result<std::vector<std::string>> listed = ListKind(kind, out);
  if (!listed.ok()) {
    return Internal("scrub: the rewritten file does not parse again: " + listed.error().message());
  }
  std::map<std::string, int, std::less<>> allowed;
  for (const std::string& k : report.kept) ++allowed[k];
  for (const std::string& carrier : *listed) {
    auto it = allowed.find(carrier);
    if (it == allowed.end() || it->second == 0) {
      return Internal("scrub: the rewritten file still carries '" + carrier + "'");
    }
    --it->second;
  }
  return OkStatus();
}

}  // namespace

Result<Bytes> ScrubMetadata(std::span<const uint8_t> input, std::string_view media_type,
                            const ScrubPolicy& policy, ScrubReport* report) {
  ASSIGN_OR_RETURN(Kind kind, CheckType(input, media_type));
  ScrubReport local;
  ASSIGN_OR_RETURN(Bytes out, ScrubKind(kind, input, policy, local));
  RETURN_IF_ERROR(VerifyOutput(kind, out, local));
  if (report != nullptr) *report = std::move(local);
  return out;
}

Result<std::vector<std::string>> ListMetadata(std::span<const uint8_t> input,
                                              std::string_view media_type) {
  ASSIGN_OR_RETURN(Kind kind, CheckType(input, media_type));
  return ListKind(kind, input);
}

}  // namespace custody
