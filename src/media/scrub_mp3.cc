// The MP3 (audio/mpeg) container of the scrubber: MPEG-1/2/2.5 audio frames (layers I-III) with
// tags around them.
//
// Tags recognised and removed: ID3v2 (2.2-2.4; at the start, between frames, or appended at the
// end with a 2.4 footer; extended header and footer included through the tag size), ID3v1 (the
// last 128 bytes, "TAG") with its Enhanced "TAG+" block, APEv2 ("APETAGEX" footer, optional
// header) and Lyrics3 v1/v2. What remains must be a run of MPEG audio frames (plus zero padding,
// which is dropped): each frame is validated and copied bit-exact, including a leading
// Xing/Info/LAME/VBRI frame, which is a real (silent) audio frame. Anything else is an error.
#include <algorithm>
#include <array>

#include "media/scrub_internal.h"

namespace custody::scrub_internal {
namespace {

constexpr std::string_view kMp3 = "MP3";

struct Range {
  size_t start = 0, end = 0;
};

struct Mp3Layout {
  std::vector<std::pair<std::string, Range>> tags;  // in file order
  std::vector<Range> audio;                         // frame runs, in file order
};

constexpr size_t kId3v1Size = 128, kId3v1EnhancedSize = 227, kApeFooterSize = 32;
constexpr size_t kLyrics3MaxV1 = 5100;

// ID3v2 sizes are "syncsafe": four 7-bit groups; a set high bit is malformed.
std::optional<uint32_t> Syncsafe(Span d, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    if (d[at + i] & 0x80) return std::nullopt;
    v = v << 7 | d[at + i];
  }
  return v;
}

// The length of the ID3v2 tag at `pos` (header, body, footer), checked against `end`.
Result<size_t> Id3v2Length(Span d, size_t pos, size_t end) {
  if (end - pos < 10) return Malformed(kMp3, pos, "truncated ID3v2 header");
  const uint8_t major = d[pos + 3];
  if (major < 2 || major > 4 || d[pos + 4] == 0xFF) {
    return Malformed(kMp3, pos, "unknown ID3v2 version");
  }
  std::optional<uint32_t> size = Syncsafe(d, pos + 6);
  if (!size) return Malformed(kMp3, pos, "ID3v2 size is not syncsafe");
  const bool footer = major == 4 && (d[pos + 5] & 0x10);
  const uint64_t total = 10 + uint64_t(*size) + (footer ? 10 : 0);
  if (total > end - pos) return Malformed(kMp3, pos, "ID3v2 tag runs past the end of the file");
  return size_t(total);
}

// Whether [start, end) is exactly `count` APEv2 items: value size u32 LE, flags u32 LE, an
// ASCII key of 2..255 characters, NUL, the value. A size field that is off by any amount would
// otherwise silently move the tag's start into the audio.
bool ApeItemsValid(Span d, size_t start, size_t end, uint32_t count) {
  if (count > (end - start) / 11) return false;  // each item takes at least 11 bytes
  size_t p = start;
  for (uint32_t i = 0; i < count; ++i) {
    if (end - p < 8) return false;
    const uint64_t value_size = U32Le(d, p);
    p += 8;
    size_t key = 0;
    while (p + key < end && d[p + key] != 0) {
      if (d[p + key] < 0x20 || d[p + key] > 0x7E) return false;
      ++key;
    }
    if (p + key >= end || key < 2 || key > 255) return false;
    p += key + 1;
    if (value_size > end - p) return false;
    p += size_t(value_size);
  }
  return p == end;
}

// The start of the APEv2 tag whose footer ends at `end`.
Result<size_t> ApeStart(Span d, size_t end) {
  const size_t footer = end - kApeFooterSize;
  const uint64_t size = U32Le(d, footer + 12);  // items + footer, not the header
  const bool has_header = U32Le(d, footer + 20) & 0x80000000u;
  const uint64_t total = size + (has_header ? kApeFooterSize : 0);
  if (size < kApeFooterSize || total > end) {
    return Malformed(kMp3, footer, "APEv2 tag size runs past the start of the file");
  }
  const size_t start = end - size_t(total);
  if (has_header && !HasAt(d, start, "APETAGEX")) {
    return Malformed(kMp3, start, "APEv2 tag header missing");
  }
  const size_t items = start + (has_header ? kApeFooterSize : 0);
  if (!ApeItemsValid(d, items, footer, U32Le(d, footer + 16))) {
    return Malformed(kMp3, items, "APEv2 items do not match the tag's size and count");
  }
  return start;
}

// The end of the APEv2 tag whose header starts at `pos` (a tag before the audio or between
// frames), checked against `end`.
Result<size_t> ApeEndFromHeader(Span d, size_t pos, size_t end) {
  const uint64_t size = U32Le(d, pos + 12);  // items + footer
  if (size < kApeFooterSize || size > end - pos - kApeFooterSize) {
    return Malformed(kMp3, pos, "APEv2 tag runs past the end of the audio");
  }
  const size_t tag_end = pos + kApeFooterSize + size_t(size);
  if (!HasAt(d, tag_end - kApeFooterSize, "APETAGEX")) {
    return Malformed(kMp3, pos, "APEv2 tag without its footer");
  }
  ASSIGN_OR_RETURN(size_t start, ApeStart(d, tag_end));
  if (start != pos) return Malformed(kMp3, pos, "APEv2 header and footer disagree");
  return tag_end;
}

// Peels one tag off the end of [0, end): returns its name and start, or nullopt if `end` is not
// preceded by a tag.
Result<std::optional<std::pair<std::string, size_t>>> TrailingTag(Span d, size_t end) {
  using Found = std::optional<std::pair<std::string, size_t>>;
  if (end >= kId3v1Size && HasAt(d, end - kId3v1Size, "TAG")) {
    return Found({"mp3:ID3v1", end - kId3v1Size});
  }
  if (end >= kId3v1EnhancedSize && HasAt(d, end - kId3v1EnhancedSize, "TAG+")) {
    return Found({"mp3:ID3v1:enhanced", end - kId3v1EnhancedSize});
  }
  if (end >= kApeFooterSize && HasAt(d, end - kApeFooterSize, "APETAGEX")) {
    ASSIGN_OR_RETURN(size_t start, ApeStart(d, end));
    return Found({"mp3:APEv2", start});
  }
  if (end >= 15 && HasAt(d, end - 9, "LYRICS200")) {
    uint64_t size = 0;
    for (size_t i = end - 15; i < end - 9; ++i) {
      if (d[i] < '0' || d[i] > '9') return Malformed(kMp3, end - 15, "Lyrics3 size is not digits");
      size = size * 10 + (d[i] - '0');
    }
    if (size > end - 15 || !HasAt(d, end - 15 - size_t(size), "LYRICSBEGIN")) {
      return Malformed(kMp3, end - 15, "Lyrics3 v2 tag without its LYRICSBEGIN");
    }
    return Found({"mp3:Lyrics3", end - 15 - size_t(size)});
  }
  if (end >= 9 && HasAt(d, end - 9, "LYRICSEND")) {
    const size_t floor = end - 9 > kLyrics3MaxV1 ? end - 9 - kLyrics3MaxV1 : 0;
    std::string_view hay = AsChars(d.subspan(floor, end - 9 - floor));
    const size_t at = hay.rfind("LYRICSBEGIN");
    if (at == std::string_view::npos) {
      return Malformed(kMp3, end - 9, "Lyrics3 v1 tag without its LYRICSBEGIN");
    }
    return Found({"mp3:Lyrics3", floor + at});
  }
  if (end >= 10 && HasAt(d, end - 10, "3DI")) {  // ID3v2.4 footer: the tag is appended
    std::optional<uint32_t> size = Syncsafe(d, end - 4);
    if (!size || uint64_t(*size) + 20 > end || !HasAt(d, end - 20 - *size, "ID3")) {
      return Malformed(kMp3, end - 10, "ID3v2 footer without a matching tag");
    }
    return Found({"mp3:ID3v2", end - 20 - *size});
  }
  return Found();
}

// An MPEG audio frame header.
struct FrameHeader {
  uint8_t version = 0;  // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  uint8_t layer = 0;    // 3: layer I, 2: layer II, 1: layer III
  uint8_t rate_index = 0;
  size_t length = 0;  // the whole frame, header included
};

// nullopt: not a frame header. kUnsupportedMedia: a free-format frame (no length in it).
Result<std::optional<FrameHeader>> ReadFrameHeader(Span d, size_t pos, size_t end) {
  using Maybe = std::optional<FrameHeader>;
  if (end - pos < 4 || d[pos] != 0xFF || (d[pos + 1] & 0xE0) != 0xE0) return Maybe();
  FrameHeader h;
  h.version = (d[pos + 1] >> 3) & 3;
  h.layer = (d[pos + 1] >> 1) & 3;
  const uint8_t bitrate_index = d[pos + 2] >> 4;
  h.rate_index = (d[pos + 2] >> 2) & 3;
  const uint32_t padding = (d[pos + 2] >> 1) & 1;
  if (h.version == 1 || h.layer == 0 || bitrate_index == 15 || h.rate_index == 3 ||
      (d[pos + 3] & 3) == 2) {
    return Maybe();
  }
  if (bitrate_index == 0) return Unsupported(kMp3, "free-format MPEG audio is not supported");
  static constexpr std::array<std::array<uint16_t, 15>, 5> kKbps = {{
      {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},  // MPEG-1 I
      {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},     // MPEG-1 II
      {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},      // MPEG-1 III
      {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},     // MPEG-2 I
      {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},          // MPEG-2 II, III
  }};
  static constexpr std::array<uint32_t, 3> kRates = {44100, 48000, 32000};
  const bool mpeg1 = h.version == 3;
  const size_t table = mpeg1 ? size_t(3 - h.layer) : (h.layer == 3 ? 3 : 4);
  const uint32_t bitrate = kKbps[table][bitrate_index] * 1000u;
  const uint32_t rate = kRates[h.rate_index] >> (mpeg1 ? 0 : h.version == 2 ? 1 : 2);
  if (h.layer == 3) {
    h.length = (12 * bitrate / rate + padding) * 4;
  } else {
    const uint32_t factor = (h.layer == 1 && !mpeg1) ? 72 : 144;
    h.length = factor * bitrate / rate + padding;
  }
  return Maybe(h);
}

Result<Mp3Layout> ParseMp3(Span d) {
  Mp3Layout layout;
  size_t end = d.size();
  std::vector<std::pair<std::string, Range>> trailing;
  while (true) {
    ASSIGN_OR_RETURN(auto tag, TrailingTag(d, end));
    if (!tag) break;
    trailing.push_back({tag->first, {tag->second, end}});
    end = tag->second;
  }
  std::optional<FrameHeader> first;
  size_t pos = 0;
  while (pos < end) {
    if (d[pos] == 0) {  // padding between tags and frames carries nothing: dropped
      ++pos;
      continue;
    }
    if (HasAt(d, pos, "ID3")) {
      ASSIGN_OR_RETURN(size_t length, Id3v2Length(d, pos, end));
      layout.tags.push_back({"mp3:ID3v2", {pos, pos + length}});
      pos += length;
      continue;
    }
    if (HasAt(d, pos, "APETAGEX") && end - pos >= kApeFooterSize) {  // a tag with its header
      ASSIGN_OR_RETURN(size_t tag_end, ApeEndFromHeader(d, pos, end));
      layout.tags.push_back({"mp3:APEv2", {pos, tag_end}});
      pos = tag_end;
      continue;
    }
    ASSIGN_OR_RETURN(std::optional<FrameHeader> h, ReadFrameHeader(d, pos, end));
    if (!h) return Malformed(kMp3, pos, "expected an MPEG audio frame or a tag");
    if (!first) first = h;
    if (h->version != first->version || h->layer != first->layer ||
        h->rate_index != first->rate_index) {
      return Malformed(kMp3, pos, "frame does not match the stream's MPEG version, layer or rate");
    }
    // A last frame cut short by the end of the file is kept as it is: decoders skip it.
    const size_t length = std::min(h->length, end - pos);
    if (!layout.audio.empty() && layout.audio.back().end == pos) {
      layout.audio.back().end = pos + length;
    } else {
      layout.audio.push_back({pos, pos + length});
    }
    pos += length;
  }
  if (layout.audio.empty()) return Malformed(kMp3, 0, "no MPEG audio frames");
  layout.tags.insert(layout.tags.end(), trailing.rbegin(), trailing.rend());
  return layout;
}

}  // namespace

Result<Bytes> ScrubMp3(Span in, const ScrubPolicy&, ScrubReport& report) {
  ASSIGN_OR_RETURN(Mp3Layout layout, ParseMp3(in));
  Bytes out;
  out.reserve(in.size());
  for (const Range& r : layout.audio) Append(out, in.subspan(r.start, r.end - r.start));
  for (const auto& [name, range] : layout.tags) report.removed.push_back(name);
  return out;
}

Result<std::vector<std::string>> ListMp3(Span in) {
  ASSIGN_OR_RETURN(Mp3Layout layout, ParseMp3(in));
  std::vector<std::string> out;
  for (const auto& [name, range] : layout.tags) out.push_back(name);
  return out;
}

}  // namespace custody::scrub_internal
