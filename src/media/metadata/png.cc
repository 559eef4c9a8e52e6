// PNG: every chunk up to IEND (text after IDAT included), text chunks decoded (zTXt/iTXt inflated
// under ReadOptions::max_inflated_bytes), eXIf, iCCP, tIME, caBX (C2PA), ImageMagick/ExifTool
// "Raw profile type ..." chunks decoded from hex, private chunks, and bytes after IEND. IDAT is
// never inflated and its CRC is not checked (cost); other chunks' CRCs are, as warnings.
#include <zlib.h>

#include <algorithm>
#include <cstdio>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

constexpr std::string_view kSignature = "\x89PNG\r\n\x1a\n";

bool IsLetter(uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Chunks that describe how to render the pixels, or animation structure: not metadata.
bool IsRenderingChunk(std::string_view t) {
  static constexpr std::string_view kKnown[] = {
      "IHDR", "PLTE", "IDAT", "IEND", "tRNS", "gAMA", "cHRM", "sRGB", "sBIT",
      "pHYs", "bKGD", "hIST", "sPLT", "cICP", "mDCv", "cLLi", "acTL", "fcTL",
      "fdAT", "oFFs", "pCAL", "sCAL", "sTER", "vpAg", "CgBI", "iDOT"};
  return std::find(std::begin(kKnown), std::end(kKnown), t) != std::end(kKnown);
}

// "Raw profile type <name>" text: "\n<name>\n<spaces><decimal length>\n<hex digits...>".
// The output grows with the hex digits actually present, never from the declared length.
bool DecodeRawProfile(std::string_view text, size_t max_bytes, Bytes& out) {
  size_t p = 0;
  while (p < text.size() && (text[p] == '\n' || text[p] == '\r' || text[p] == ' ')) ++p;
  size_t nl = text.find('\n', p);
  if (nl == std::string_view::npos) return false;
  p = nl + 1;
  while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
  uint64_t length = 0;
  size_t digits = 0;
  while (p < text.size() && text[p] >= '0' && text[p] <= '9' && digits < 12) {
    length = length * 10 + uint64_t(text[p] - '0');
    ++p;
    ++digits;
  }
  if (digits == 0) return false;
  out.clear();
  int hi = -1;
  for (; p < text.size() && out.size() < length && out.size() < max_bytes; ++p) {
    char c = text[p];
    int v = (c >= '0' && c <= '9')   ? c - '0'
            : (c >= 'a' && c <= 'f') ? c - 'a' + 10
            : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                     : -1;
    if (v < 0) continue;  // line breaks and spaces
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(uint8_t(hi << 4 | v));
      hi = -1;
    }
  }
  return !out.empty();
}

class PngReader {
 public:
  PngReader(Context& ctx, Span in) : ctx_(ctx), in_(in) {}

  Status Run() {
    if (!HasPrefix(in_, kSignature)) return InvalidArgument("png: bad signature");
    size_t pos = kSignature.size();
    bool first = true;
    bool ended = false;
    while (!ctx_.full()) {
      if (in_.size() - pos < 12) {
        if (first) return InvalidArgument("png: truncated before the IHDR chunk");
        ctx_.Warn(pos == in_.size() ? "png: no IEND chunk"
                                    : "png: truncated chunk header at byte " + std::to_string(pos));
        break;
      }
      const uint32_t length = U32Be(in_, pos);
      Span type_bytes = in_.subspan(pos + 4, 4);
      bool type_ok = std::all_of(type_bytes.begin(), type_bytes.end(), IsLetter);
      if (!type_ok || length > 0x7FFFFFFFu || in_.size() - pos - 12 < length) {
        if (first) return InvalidArgument("png: malformed or truncated IHDR chunk");
        ctx_.Warn(!type_ok ? "png: invalid chunk type at byte " + std::to_string(pos)
                           : "png: chunk at byte " + std::to_string(pos) +
                                 " runs past the end of the file");
        break;
      }
      const std::string type(AsChars(type_bytes));
      Span data = in_.subspan(pos + 8, length);
      if (first) {
        if (type != "IHDR" || length != 13) {
          return InvalidArgument("png: the first chunk is not a 13-byte IHDR");
        }
        ctx_.image().width = U32Be(data, 0);
        ctx_.image().height = U32Be(data, 4);
        const uint8_t colour_type = data[9];
        ctx_.image().has_alpha = colour_type == 4 || colour_type == 6;
        ctx_.image().bit_depth = data[8];
        ctx_.image().colour_type = colour_type;
        ctx_.image().interlaced = data[12] != 0;
        first = false;
      }
      if (type != "IDAT") {
        uint32_t crc = uint32_t(crc32(0L, type_bytes.data(), 4));
        // (crc32 with a null buffer returns its initial value, so skip empty data.)
        if (!data.empty()) crc = uint32_t(crc32(crc, data.data(), uInt(data.size())));
        if (crc != U32Be(in_, pos + 8 + length)) {
          ctx_.Warn("png: bad CRC in " + type + " chunk at byte " + std::to_string(pos));
        }
      }
      Chunk(type, data, pos);
      pos += 12 + size_t(length);
      if (type == "IEND") {
        ended = true;
        break;
      }
    }
    if (ended && pos < in_.size()) {
      Span rest = in_.subspan(pos);
      if (LooksLikeText(rest)) {
        ctx_.Add("png:trailing-data", "trailing-data", std::string(AsChars(rest)), Category::kOther,
                 pos);
      } else {
        ctx_.AddBinary("png:trailing-data", "trailing-data", "data after IEND", rest.size(),
                       Category::kOther, pos);
      }
    }
    return OkStatus();
  }

 private:
  void Chunk(const std::string& type, Span data, uint64_t pos) {
    const std::string carrier = "png:" + type;
    if (type == "tRNS") ctx_.image().has_alpha = true;
    if (IsRenderingChunk(type)) return;
    if (type == "tEXt" || type == "zTXt" || type == "iTXt") {
      Text(type, carrier, data, pos);
    } else if (type == "eXIf" || type == "exIf") {
      ReadExifBlock(ctx_, data, carrier, pos);
    } else if (type == "iCCP") {
      Iccp(carrier, data, pos);
    } else if (type == "tIME") {
      if (data.size() == 7) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%04u-%02u-%02u %02u:%02u:%02u", U16Be(data, 0), data[2],
                      data[3], data[4], data[5], data[6]);
        ctx_.Add(carrier, "tIME", buf, Category::kTime, pos);
      } else {
        ctx_.Warn("png: tIME chunk has the wrong size");
      }
    } else if (type == "caBX") {
      ctx_.NoteC2pa(data, carrier, pos);
    } else if (LooksLikeText(data) && !data.empty()) {
      ctx_.Add(carrier, type, std::string(AsChars(data)), Category::kOther, pos);
    } else {
      ctx_.AddBinary(carrier, type, type + " chunk", data.size(),
                     type == "dSIG" ? Category::kProvenance : Category::kOther, pos);
    }
  }

  void Text(const std::string& type, const std::string& carrier, Span data, uint64_t pos) {
    size_t nul = 0;
    while (nul < data.size() && data[nul] != 0) ++nul;
    if (nul == data.size() || nul == 0 || nul > 79) {
      ctx_.Warn("png: " + type + " chunk at byte " + std::to_string(pos) + " has no valid keyword");
      if (nul == data.size()) return;
    }
    const std::string keyword = Latin1ToUtf8(data.first(nul));
    Span rest = data.subspan(nul + 1);
    std::string value;
    if (type == "tEXt") {
      // Latin-1 by the specification; tools that write UTF-8 regardless are read as UTF-8.
      value = BytesToText(rest);
    } else if (type == "zTXt") {
      if (rest.empty() || rest[0] != 0) {
        ctx_.Warn("png: zTXt '" + keyword + "' has an unknown compression method");
        return;
      }
      auto inflated =
          Inflate(rest.subspan(1), ctx_.options().max_inflated_bytes, Compression::kZlib);
      if (!inflated.ok()) {
        ctx_.Warn("png: zTXt '" + keyword + "': " + inflated.error().message());
        ctx_.AddBinary(carrier, keyword, "undecodable compressed text", rest.size(),
                       ClassifyName(keyword), pos);
        return;
      }
      value = BytesToText(*inflated);
    } else {  // iTXt: flag, method, language\0, translated keyword\0, text
      if (rest.size() < 2) {
        ctx_.Warn("png: iTXt '" + keyword + "' is truncated");
        return;
      }
      const bool compressed = rest[0] == 1;
      size_t p = 2;
      for (int field = 0; field < 2; ++field) {
        while (p < rest.size() && rest[p] != 0) ++p;
        if (p == rest.size()) {
          ctx_.Warn("png: iTXt '" + keyword + "' is truncated");
          return;
        }
        ++p;
      }
      Span text = rest.subspan(p);
      if (compressed) {
        auto inflated = Inflate(text, ctx_.options().max_inflated_bytes, Compression::kZlib);
        if (!inflated.ok()) {
          ctx_.Warn("png: iTXt '" + keyword + "': " + inflated.error().message());
          ctx_.AddBinary(carrier, keyword, "undecodable compressed text", text.size(),
                         ClassifyName(keyword), pos);
          return;
        }
        value = BytesToText(*inflated);
      } else {
        value = BytesToText(text);
      }
    }

    if (keyword == "XML:com.adobe.xmp") {
      ScopedNesting nest(ctx_);
      if (nest.ok()) ReadXmp(ctx_, AsBytes(value), carrier, pos);
      return;
    }
    if (keyword.rfind("Raw profile type ", 0) == 0) {
      RawProfile(carrier, keyword, value, pos);
      return;
    }
    ctx_.Add(carrier, keyword, std::move(value), ClassifyName(keyword), pos);
  }

  void RawProfile(const std::string& carrier, const std::string& keyword, const std::string& text,
                  uint64_t pos) {
    const std::string name = Lower(keyword.substr(17));
    Bytes profile;
    if (!DecodeRawProfile(text, ctx_.options().max_value_bytes, profile)) {
      ctx_.Warn("png: '" + keyword + "' is not a hex-encoded profile");
      ctx_.Add(carrier, keyword, text, Category::kOther, pos);
      return;
    }
    ScopedNesting nest(ctx_);
    if (!nest.ok()) return;
    if (name == "exif" || name == "app1") {
      ctx_.AddBinary(carrier, keyword, "EXIF profile", profile.size(), Category::kOther, pos);
      ReadExifBlock(ctx_, profile, carrier, pos);
    } else if (name == "iptc") {
      ctx_.AddBinary(carrier, keyword, "IPTC profile", profile.size(), Category::kOther, pos);
      if (HasPrefix(profile, "8BIM")) {
        ReadPhotoshopIrb(ctx_, profile, carrier, pos);
      } else {
        ReadIptc(ctx_, profile, carrier, pos);
      }
    } else if (name == "8bim") {
      ctx_.AddBinary(carrier, keyword, "Photoshop profile", profile.size(), Category::kOther, pos);
      ReadPhotoshopIrb(ctx_, profile, carrier, pos);
    } else if (name == "xmp") {
      ReadXmp(ctx_, profile, carrier, pos);
    } else if (name == "icc" || name == "icm") {
      ReadIcc(ctx_, profile, carrier, pos);
    } else {
      ctx_.AddBinary(carrier, keyword, "profile", profile.size(), Category::kOther, pos);
    }
  }

  void Iccp(const std::string& carrier, Span data, uint64_t pos) {
    size_t nul = 0;
    while (nul < data.size() && nul < 80 && data[nul] != 0) ++nul;
    if (data.size() < nul + 2) {
      ctx_.Warn("png: iCCP chunk is truncated");
      return;
    }
    Span compressed = data.subspan(std::min(data.size(), nul + 2));
    // Profiles are small; the bound keeps a bomb in a chunk nobody asked to expand cheap.
    auto profile =
        Inflate(compressed, std::min<uint64_t>(ctx_.options().max_inflated_bytes, 4u << 20),
                Compression::kZlib);
    if (!profile.ok()) {
      ctx_.AddBinary(carrier, "ICC", "ICC profile '" + Latin1ToUtf8(data.first(nul)) + "'",
                     compressed.size(), Category::kTechnical, pos);
      return;
    }
    ReadIcc(ctx_, *profile, carrier, pos);
  }

  Context& ctx_;
  Span in_;
};

}  // namespace

Status ReadPng(Context& ctx, Span file) { return PngReader(ctx, file).Run(); }

}  // namespace custody::metadata::internal
