// The reading context, text conversions, bounded inflation and name classification shared by the
// metadata readers (see internal.h).
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {

// ---------------------------------------------------------------- bytes

bool Contains(Span s, std::string_view needle) {
  if (needle.empty()) return true;
  return AsChars(s).find(needle) != std::string_view::npos;
}

std::string FourCC(Span s, bool trim) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < 4; ++i) {
    if (s[i] == 0xA9) {
      out += "\xC2\xA9";  // MacRoman '©' (QuickTime atoms), as UTF-8
    } else {
      out += (s[i] >= 0x20 && s[i] < 0x7F) ? char(s[i]) : '?';
    }
  }
  while (trim && !out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// ---------------------------------------------------------------- text

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if invalid (strict: no overlongs, surrogates or
// code points above U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto c = static_cast<uint8_t>(s[i]);
  if (c < 0x80) return 1;
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() - i < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto cc = static_cast<uint8_t>(s[i + k]);
    if (cc < (k == 1 ? lo : 0x80) || cc > (k == 1 ? hi : 0xBF)) return 0;
  }
  return len;
}

void TruncateUtf8(std::string& s, size_t max) {
  if (s.size() <= max) return;
  size_t cut = max;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;
  s.resize(cut);
}

}  // namespace

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string Latin1ToUtf8(Span s) {
  std::string out;
  out.reserve(s.size());
  for (uint8_t c : s) AppendCodePoint(out, c);
  return out;
}

std::string MacRomanToUtf8(Span s) {
  static constexpr uint16_t kHigh[128] = {
      0x00C4, 0x00C5, 0x00C7, 0x00C9, 0x00D1, 0x00D6, 0x00DC, 0x00E1, 0x00E0, 0x00E2, 0x00E4,
      0x00E3, 0x00E5, 0x00E7, 0x00E9, 0x00E8, 0x00EA, 0x00EB, 0x00ED, 0x00EC, 0x00EE, 0x00EF,
      0x00F1, 0x00F3, 0x00F2, 0x00F4, 0x00F6, 0x00F5, 0x00FA, 0x00F9, 0x00FB, 0x00FC, 0x2020,
      0x00B0, 0x00A2, 0x00A3, 0x00A7, 0x2022, 0x00B6, 0x00DF, 0x00AE, 0x00A9, 0x2122, 0x00B4,
      0x00A8, 0x2260, 0x00C6, 0x00D8, 0x221E, 0x00B1, 0x2264, 0x2265, 0x00A5, 0x00B5, 0x2202,
      0x2211, 0x220F, 0x03C0, 0x222B, 0x00AA, 0x00BA, 0x03A9, 0x00E6, 0x00F8, 0x00BF, 0x00A1,
      0x00AC, 0x221A, 0x0192, 0x2248, 0x2206, 0x00AB, 0x00BB, 0x2026, 0x00A0, 0x00C0, 0x00C3,
      0x00D5, 0x0152, 0x0153, 0x2013, 0x2014, 0x201C, 0x201D, 0x2018, 0x2019, 0x00F7, 0x25CA,
      0x00FF, 0x0178, 0x2044, 0x20AC, 0x2039, 0x203A, 0xFB01, 0xFB02, 0x2021, 0x00B7, 0x201A,
      0x201E, 0x2030, 0x00C2, 0x00CA, 0x00C1, 0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC,
      0x00D3, 0x00D4, 0xF8FF, 0x00D2, 0x00DA, 0x00DB, 0x00D9, 0x0131, 0x02C6, 0x02DC, 0x00AF,
      0x02D8, 0x02D9, 0x02DA, 0x00B8, 0x02DD, 0x02DB, 0x02C7};
  std::string out;
  out.reserve(s.size());
  for (uint8_t c : s) AppendCodePoint(out, c < 0x80 ? c : kHigh[c - 0x80]);
  return out;
}

std::string Utf16ToUtf8(Span s, bool big_endian) {
  size_t i = 0;
  if (s.size() >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
    big_endian = true;
    i = 2;
  } else if (s.size() >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
    big_endian = false;
    i = 2;
  }
  std::string out;
  out.reserve(s.size() / 2);
  auto unit = [&](size_t at) -> uint32_t { return big_endian ? U16Be(s, at) : U16Le(s, at); };
  while (s.size() - i >= 2) {
    uint32_t u = unit(i);
    i += 2;
    if (u == 0) break;
    if (u >= 0xD800 && u <= 0xDBFF) {
      if (s.size() - i >= 2) {
        uint32_t lo = unit(i);
        if (lo >= 0xDC00 && lo <= 0xDFFF) {
          i += 2;
          AppendCodePoint(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
          continue;
        }
      }
      AppendCodePoint(out, 0xFFFD);
    } else if (u >= 0xDC00 && u <= 0xDFFF) {
      AppendCodePoint(out, 0xFFFD);
    } else {
      AppendCodePoint(out, u);
    }
  }
  return out;
}

std::string BytesToText(Span s) {
  std::string_view chars = AsChars(s);
  if (IsValidUtf8(chars)) return std::string(chars);
  return Latin1ToUtf8(s);
}

std::string_view TrimNuls(std::string_view s) {
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

std::string_view Trim(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Clip(std::string_view s, size_t max) {
  std::string out(s.substr(0, std::min(s.size(), max + 1)));
  TruncateUtf8(out, max);
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

bool LooksLikeText(Span s) {
  std::string_view chars = AsChars(s);
  if (!IsValidUtf8(chars)) return false;
  for (char c : chars) {
    auto u = static_cast<uint8_t>(c);
    if (u < 0x20 && c != '\t' && c != '\r' && c != '\n') return false;
    if (u == 0x7F) return false;
  }
  return true;
}

std::string Describe(std::string_view what, uint64_t size) {
  return "<" + std::string(what) + ", " + std::to_string(size) + " bytes>";
}

// ---------------------------------------------------------------- inflate

Result<Bytes> Inflate(Span compressed, uint64_t max_bytes, Compression format) {
  z_stream zs{};
  int window = 15;
  if (format == Compression::kGzip) window = 15 + 16;
  if (format == Compression::kAuto) window = 15 + 32;
  if (format == Compression::kRawDeflate) window = -15;
  if (inflateInit2(&zs, window) != Z_OK) return Internal("zlib: inflateInit2 failed");
  Bytes out;
  // Grow with the data actually produced, never from a declared size.
  const uint64_t first = std::min<uint64_t>(max_bytes, std::max<uint64_t>(4096, compressed.size()));
  out.resize(size_t(first));
  zs.next_in = const_cast<Bytef*>(compressed.data());
  size_t consumed = 0;
  size_t produced = 0;
  int rc = Z_OK;
  while (true) {
    // zlib counts in uInt; feed at most 1 GiB at a time.
    const size_t in_left = compressed.size() - consumed;
    zs.next_in = const_cast<Bytef*>(compressed.data() + consumed);
    zs.avail_in = uInt(std::min<size_t>(in_left, 1u << 30));
    if (produced == out.size()) {
      if (out.size() >= max_bytes) {
        inflateEnd(&zs);
        return Error(ErrorCode::kPayloadTooLarge, "compressed value inflates to more than " +
                                                      std::to_string(max_bytes) + " bytes");
      }
      out.resize(size_t(std::min<uint64_t>(max_bytes, uint64_t(out.size()) * 2)));
    }
    zs.next_out = out.data() + produced;
    zs.avail_out = uInt(std::min<size_t>(out.size() - produced, 1u << 30));
    const uInt avail_in_before = zs.avail_in, avail_out_before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    consumed += avail_in_before - zs.avail_in;
    produced += avail_out_before - zs.avail_out;
    if (rc == Z_STREAM_END) break;
    if (rc == Z_BUF_ERROR && zs.avail_out != 0) break;  // input exhausted: truncated stream
    if (rc != Z_OK && rc != Z_BUF_ERROR) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return InvalidArgument(rc == Z_BUF_ERROR || rc == Z_OK ? "compressed data is truncated"
                                                           : "compressed data is corrupt");
  }
  out.resize(produced);
  return out;
}

// ---------------------------------------------------------------- classification

Category ClassifyName(std::string_view name) {
  // Reverse-DNS keys ("com.apple.quicktime.make"): the last component names the field.
  if (size_t dot = name.rfind('.'); dot != std::string_view::npos && dot + 1 < name.size()) {
    name = name.substr(dot + 1);
  }
  const std::string n = Lower(name);
  auto has = [&](std::string_view w) { return n.find(w) != std::string::npos; };
  auto is = [&](std::string_view w) { return n == w; };
  auto ends = [&](std::string_view w) {
    return n.size() >= w.size() && n.compare(n.size() - w.size(), w.size(), w) == 0;
  };
  if (has("prompt") || has("workflow") || is("parameters") || has("invokeai") ||
      is("sd-metadata") || is("dream") || has("sui_") || has("fooocus") || ends("seed") ||
      has("sampler") || has("cfg_scale") || is("extras") || is("postprocessing") ||
      has("generation") || has("stable_diffusion") || has("checkpoint") || has("stealth_")) {
    return Category::kGeneration;
  }
  if (has("gps") || has("latitude") || has("longitude") || has("altitude") || has("location") ||
      has("geotag") || has("iso6709") || is("city") || has("country") || has("sublocation") ||
      has("provincestate") || is("state") || has("coordinates")) {
    return Category::kGps;
  }
  if (has("copyright") || has("rights") || has("licen") || has("usageterms")) {
    return Category::kCopyright;
  }
  if (has("software") || has("creatortool") || has("encoder") || has("encoding tool") ||
      has("history") || has("program") || is("tool") || ends(".tool") || has("application")) {
    return Category::kSoftware;
  }
  if (has("author") || has("artist") || has("creator") || has("byline") || has("by-line") ||
      has("owner") || has("contact") || has("email") || has("phone") || has("address") ||
      has("composer") || has("performer") || has("photographer") || has("editor") ||
      has("writer") || has("credit") || has("publisher") || has("encodedby") || has("lyricist") ||
      has("conductor") || has("person") || has("producer") || has("director") ||
      has("originator") || has("engineer") || has("technician") || has("commissioned") ||
      has("attribution")) {
    return Category::kAuthor;
  }
  if (is("make") || ends(":make") || ends(".make") || is("model") || ends(":model") ||
      ends(".model") || has("serial") || has("lens") || has("camera") || has("device") ||
      has("firmware") || has("hostcomputer") || is("source") || has("manufacturer") ||
      has("uniquecameramodel")) {
    return Category::kDevice;
  }
  if ((has("date") || has("time") || is("year") || is("day") || has("created") ||
       has("modified")) &&
      !has("exposuretime") && !has("timecode") && !has("timescale")) {
    return Category::kTime;
  }
  if (has("title") || has("description") || has("comment") || has("caption") || has("keyword") ||
      has("subject") || has("headline") || has("label") || has("album") || has("genre") ||
      has("lyric") || has("summary") || has("synopsis") || is("name") || has("instructions") ||
      has("category") || has("rating") || has("disclaimer") || is("warning") || has("tag")) {
    return Category::kDescription;
  }
  if (has("icc") || has("profile") || has("orientation") || has("resolution") || has("width") ||
      has("height") || has("bits") || has("compression") || has("colo") || has("gamma") ||
      has("version") || has("duration") || has("format")) {
    return Category::kTechnical;
  }
  return Category::kOther;
}

// ---------------------------------------------------------------- context

void Context::Add(std::string_view carrier, std::string key, std::string value, Category category,
                  uint64_t offset) {
  if (full_) return;
  if (report_.entries.size() >= options_.max_entries) {
    full_ = true;
    Warn("more than " + std::to_string(options_.max_entries) +
         " metadata entries; the rest are not listed");
    return;
  }
  if (value.size() > options_.max_value_bytes) {
    Warn(std::string(carrier) + ": value of '" + Clip(key, 80) + "' (" +
         std::to_string(value.size()) + " bytes) truncated to " +
         std::to_string(options_.max_value_bytes) + " bytes");
    TruncateUtf8(value, options_.max_value_bytes);
  }
  Entry e;
  e.carrier = std::string(carrier);
  // Keys come from the file too (PNG keywords, TXXX descriptions): kept short.
  e.key = key.size() > kMaxKeyBytes ? Clip(key, kMaxKeyBytes) : std::move(key);
  e.value = std::move(value);
  e.category = category;
  e.offset = offset;
  report_.entries.push_back(std::move(e));
}

void Context::AddBinary(std::string_view carrier, std::string key, std::string_view what,
                        uint64_t size, Category category, uint64_t offset) {
  size_t before = report_.entries.size();
  Add(carrier, std::move(key), Describe(what, size), category, offset);
  if (report_.entries.size() > before) report_.entries.back().binary = true;
}

void Context::Warn(std::string message) {
  if (report_.warnings.size() < kMaxWarnings) {
    if (message.size() > 300) message = Clip(message, 300) + "...";
    report_.warnings.push_back(std::move(message));
  } else if (!warned_truncation_) {
    warned_truncation_ = true;
    report_.warnings.push_back("further warnings omitted");
  }
}

namespace {

bool IsAiSourceType(std::string_view uri) {
  std::string l = Lower(uri);
  std::string_view suffix = "trainedalgorithmicmedia";
  return l.size() >= suffix.size() &&
         l.compare(l.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void Context::NoteDigitalSourceType(std::string_view uri) {
  uri = Trim(uri);
  if (uri.empty() || uri.size() > 512) return;
  std::string& current = report_.digital_source_type;
  if (current.empty() || (IsAiSourceType(uri) && !IsAiSourceType(current))) {
    current = std::string(uri);
  }
}

void Context::NoteC2pa(Span store, std::string_view carrier, uint64_t offset) {
  report_.c2pa = true;
  AddBinary(carrier, "C2PA", "C2PA manifest store", store.size(), Category::kProvenance, offset);
  // The store's actions assertions name the IPTC digital source type as a CBOR text string; a
  // byte search finds it without decoding the manifest (the provenance module does that).
  constexpr std::string_view kMarker = "cv.iptc.org/newscodes/digitalsourcetype/";
  std::string_view text = AsChars(store);
  std::string found;
  for (size_t at = text.find(kMarker); at != std::string_view::npos;
       at = text.find(kMarker, at + kMarker.size())) {
    // The URI is a CBOR text string: its header (0x78 len, or 0x79 len16) gives its length, as
    // the next item follows without a separator. Without a recognisable header, letters only.
    size_t begin = at >= 8 && text.substr(at - 8, 8) == "https://"  ? at - 8
                   : at >= 7 && text.substr(at - 7, 7) == "http://" ? at - 7
                                                                    : at;
    size_t end = at + kMarker.size();
    size_t declared = 0;
    if (begin != at && begin >= 2 && uint8_t(text[begin - 2]) == 0x78) {
      declared = uint8_t(text[begin - 1]);
    } else if (begin != at && begin >= 3 && uint8_t(text[begin - 3]) == 0x79) {
      declared = size_t(uint8_t(text[begin - 2])) << 8 | uint8_t(text[begin - 1]);
    }
    if (declared > end - begin && declared - (end - begin) <= 200 &&
        text.size() - begin >= declared) {
      end = begin + declared;
    } else {
      while (end < text.size() && end - at < 200 &&
             ((text[end] >= 'a' && text[end] <= 'z') || (text[end] >= 'A' && text[end] <= 'Z'))) {
        ++end;
      }
    }
    if (end == at + kMarker.size()) continue;
    std::string_view name = text.substr(at + kMarker.size(), end - at - kMarker.size());
    if (!std::all_of(name.begin(), name.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        })) {
      continue;
    }
    std::string uri = "http://" + std::string(text.substr(at, end - at));
    if (found.empty() || (IsAiSourceType(uri) && !IsAiSourceType(found))) found = uri;
  }
  if (!found.empty()) {
    NoteDigitalSourceType(found);
    Add(carrier, "C2PA.digitalSourceType", found, Category::kProvenance, offset);
  }
}

// ---------------------------------------------------------------- ICC

void ReadIcc(Context& ctx, Span profile, std::string_view carrier, uint64_t offset) {
  std::string what = "ICC profile";
  // Header (128 bytes), tag count, tag table of (signature, offset, size); 'desc' is the name.
  if (profile.size() >= 132) {
    uint32_t count = U32Be(profile, 128);
    for (uint32_t i = 0; i < count && i < 256; ++i) {
      size_t at = 132 + size_t(i) * 12;
      if (profile.size() - at < 12 || at > profile.size()) break;
      if (AsChars(profile.subspan(at, 4)) != "desc") continue;
      uint32_t tag_at = U32Be(profile, at + 4), tag_size = U32Be(profile, at + 8);
      if (tag_at > profile.size() || profile.size() - tag_at < tag_size || tag_size < 12) break;
      Span tag = profile.subspan(tag_at, tag_size);
      std::string name;
      if (HasPrefix(tag, "desc")) {  // v2: ASCII count + text
        uint32_t n = U32Be(tag, 8);
        if (n <= tag.size() - 12) name = BytesToText(tag.subspan(12, n));
      } else if (HasPrefix(tag, "mluc") && tag.size() >= 28) {  // v4: first record, UTF-16BE
        uint32_t len = U32Be(tag, 20), str_at = U32Be(tag, 24);
        if (str_at <= tag.size() && tag.size() - str_at >= len) {
          name = Utf16ToUtf8(tag.subspan(str_at, len), true);
        }
      }
      name = std::string(Trim(name));
      if (!name.empty() && name.size() < 200) what += " '" + name + "'";
      break;
    }
  }
  ctx.AddBinary(carrier, "ICC", what, profile.size(), Category::kTechnical, offset);
}

}  // namespace custody::metadata::internal
