// JPEG: every marker segment, also those after the first scan (entropy-coded data is skipped, so
// segments between progressive scans and before EOI are found): APP1 Exif / XMP / ExtendedXMP,
// APP2 ICC_PROFILE (reassembled) / MPF, APP11 JUMBF (C2PA, reassembled), APP12 Ducky, APP13
// Photoshop (IPTC), other APPn, COM, and bytes after EOI. Carrier names match media/scrub.h.
#include <algorithm>
#include <array>
#include <cstring>
#include <map>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

constexpr uint8_t kSOI = 0xD8, kEOI = 0xD9, kSOS = 0xDA, kCOM = 0xFE;

bool IsRst(uint8_t m) { return m >= 0xD0 && m <= 0xD7; }
bool IsApp(uint8_t m) { return m >= 0xE0 && m <= 0xEF; }

constexpr std::string_view kXmpId("http://ns.adobe.com/xap/1.0/\0", 29);
constexpr std::string_view kExtXmpId("http://ns.adobe.com/xmp/extension/\0", 35);

// The scrubber's naming (media/scrub.cc JpegCarrierName), so reader and scrub reports line up.
std::string CarrierName(uint8_t marker, Span d) {
  if (marker == kCOM) return "jpeg:COM";
  std::string base = "jpeg:APP" + std::to_string(marker - 0xE0);
  struct Known {
    uint8_t marker;
    std::string_view prefix;
    std::string_view name;
  };
  static constexpr std::array<Known, 12> kKnown = {{
      {0xE0, std::string_view("JFIF\0", 5), "JFIF"},
      {0xE0, std::string_view("JFXX\0", 5), "JFXX"},
      {0xE1, std::string_view("Exif\0", 5), "Exif"},
      {0xE1, kXmpId, "XMP"},
      {0xE1, kExtXmpId, "ExtendedXMP"},
      {0xE2, std::string_view("ICC_PROFILE\0", 12), "ICC_PROFILE"},
      {0xE2, std::string_view("MPF\0", 4), "MPF"},
      {0xE2, std::string_view("FPXR\0", 5), "FPXR"},
      {0xEB, "JP", "JUMBF"},
      {0xEC, "Ducky", "Ducky"},
      {0xED, std::string_view("Photoshop 3.0\0", 14), "Photoshop"},
      {0xEE, "Adobe", "Adobe"},
  }};
  for (const Known& k : kKnown) {
    if (k.marker == marker && HasPrefix(d, k.prefix)) return base + ":" + std::string(k.name);
  }
  size_t n = 0;
  while (n < d.size() && n < 32 && d[n] >= 0x20 && d[n] < 0x7F) ++n;
  if (n >= 2 && n < d.size() && d[n] == 0) {
    return base + ":" + std::string(AsChars(d.first(n)));
  }
  return base;
}

struct Piece {
  Span data;
  uint64_t offset;
};

class JpegReader {
 public:
  JpegReader(Context& ctx, Span in) : ctx_(ctx), in_(in) {}

  Status Run() {
    if (in_.size() < 4 || in_[0] != 0xFF || in_[1] != kSOI) {
      return InvalidArgument("jpeg: no SOI marker");
    }
    size_t pos = 2;
    bool ended = false;
    size_t segments = 0;
    while (!ctx_.full()) {
      if (pos >= in_.size()) {
        ctx_.Warn("jpeg: no EOI marker");
        break;
      }
      if (in_[pos] != 0xFF) {
        // Junk between segments: resynchronise on the next marker, as decoders do.
        size_t next = pos;
        while (next < in_.size() && !(in_[next] == 0xFF && next + 1 < in_.size() &&
                                      in_[next + 1] != 0 && in_[next + 1] != 0xFF)) {
          ++next;
        }
        if (segments == 0) return InvalidArgument("jpeg: no marker after SOI");
        ctx_.Warn("jpeg: " + std::to_string(next - pos) + " unexpected bytes at byte " +
                  std::to_string(pos));
        if (next >= in_.size()) break;
        pos = next;
      }
      while (pos < in_.size() && in_[pos] == 0xFF) ++pos;
      if (pos >= in_.size()) {
        ctx_.Warn("jpeg: truncated marker");
        break;
      }
      const uint8_t m = in_[pos++];
      const size_t start = pos - 2;
      if (m == kEOI) {
        ended = true;
        break;
      }
      if (m == 0x00 || m == 0x01 || IsRst(m) || m == kSOI) continue;  // no length field
      if (in_.size() - pos < 2) {
        if (segments == 0) return InvalidArgument("jpeg: truncated header");
        ctx_.Warn("jpeg: truncated segment header at byte " + std::to_string(start));
        break;
      }
      const size_t length = U16Be(in_, pos);
      if (length < 2 || in_.size() - pos < length) {
        if (segments == 0) return InvalidArgument("jpeg: truncated header");
        ctx_.Warn("jpeg: segment at byte " + std::to_string(start) +
                  " runs past the end of the file");
        break;
      }
      ++segments;
      Span payload = in_.subspan(pos + 2, length - 2);
      pos += length;
      if (IsApp(m) || m == kCOM) Segment(m, payload, start);
      if (m == kSOS) {
        // Entropy-coded data runs to the next marker that is not a stuffed 0x00 or RSTn.
        while (true) {
          const uint8_t* p =
              static_cast<const uint8_t*>(std::memchr(in_.data() + pos, 0xFF, in_.size() - pos));
          if (p == nullptr) {
            pos = in_.size();
            break;
          }
          pos = size_t(p - in_.data());
          size_t next = pos;
          while (next < in_.size() && in_[next] == 0xFF) ++next;
          if (next >= in_.size()) {
            pos = in_.size();
            break;
          }
          if (in_[next] == 0x00 || IsRst(in_[next])) {
            pos = next + 1;
            continue;
          }
          break;
        }
        if (pos >= in_.size()) {
          ctx_.Warn("jpeg: scan data runs to the end of the file (no EOI)");
          break;
        }
      }
    }
    Finish();
    if (ended && pos < in_.size()) {
      Span rest = in_.subspan(pos);
      if (LooksLikeText(rest)) {
        ctx_.Add("jpeg:trailing-data", "trailing-data", std::string(AsChars(rest)),
                 Category::kOther, pos);
      } else {
        ctx_.AddBinary(
            "jpeg:trailing-data", "trailing-data",
            HasPrefix(rest, "\xFF\xD8") ? "data after EOI (another JPEG image)" : "data after EOI",
            rest.size(), Category::kOther, pos);
      }
    }
    return OkStatus();
  }

 private:
  void Segment(uint8_t m, Span d, uint64_t offset) {
    const std::string carrier = CarrierName(m, d);
    if (m == kCOM) {
      ctx_.Add(carrier, "Comment", std::string(Trim(BytesToText(d))), Category::kDescription,
               offset);
      return;
    }
    const std::string_view id =
        std::string_view(carrier).substr(std::min(carrier.size(), carrier.find(':', 5) + 1));
    const bool named = carrier.find(':', 5) != std::string::npos;
    ScopedNesting nest(ctx_);
    if (!nest.ok()) return;
    if (named && id == "Exif") {
      ReadExifBlock(ctx_, d, carrier, offset);
    } else if (named && id == "XMP") {
      ReadXmp(ctx_, d.subspan(kXmpId.size()), carrier, offset);
    } else if (named && id == "ExtendedXMP") {
      // GUID (32), full length (4), chunk offset (4), data.
      if (d.size() < kExtXmpId.size() + 40) {
        ctx_.Warn("jpeg: ExtendedXMP segment is truncated");
        return;
      }
      std::string guid(AsChars(d.subspan(kExtXmpId.size(), 32)));
      uint32_t at = U32Be(d, kExtXmpId.size() + 36);
      auto& parts = extended_xmp_[guid];
      if (parts.empty()) extended_order_.push_back(guid);
      parts.emplace_back(at, Piece{d.subspan(kExtXmpId.size() + 40), offset});
    } else if (named && id == "ICC_PROFILE") {
      if (d.size() < 14) {
        ctx_.Warn("jpeg: ICC_PROFILE segment is truncated");
        return;
      }
      icc_.emplace_back(d[12], Piece{d.subspan(14), offset});
    } else if (named && id == "MPF") {
      ctx_.AddBinary(carrier, "MPF", "multi-picture index", d.size(), Category::kTechnical, offset);
    } else if (named && id == "JUMBF") {
      // "JP", box instance (2), packet sequence (4), then the box; continuation packets repeat
      // the box header (8 bytes).
      if (d.size() < 8) {
        ctx_.Warn("jpeg: JUMBF segment is truncated");
        return;
      }
      const uint16_t instance = U16Be(d, 2);
      const uint32_t sequence = U32Be(d, 4);
      auto& parts = jumbf_[instance];
      if (parts.empty()) jumbf_order_.push_back(instance);
      Span box = d.subspan(8);
      if (!parts.empty()) box = box.subspan(std::min<size_t>(box.size(), 8));
      parts.emplace_back(sequence, Piece{box, offset});
    } else if (named && id == "Photoshop") {
      ReadPhotoshopIrb(ctx_, d.subspan(14), carrier, offset);
    } else if (named && id == "Ducky") {
      Ducky(carrier, d.subspan(5), offset);
    } else if (named && id == "JFIF") {
      if (d.size() >= 7) {
        ctx_.Add(carrier, "JFIF.Version",
                 std::to_string(d[5]) + "." + (d[6] < 10 ? "0" : "") + std::to_string(d[6]),
                 Category::kTechnical, offset);
      }
      if (d.size() >= 14 && (d[12] != 0 || d[13] != 0)) {
        ctx_.AddBinary(carrier, "JFIF.Thumbnail", "thumbnail", d.size() - 14, Category::kTechnical,
                       offset);
      }
    } else if (named && id == "UNICODE" && m == 0xEA) {
      // PhotoStudio's APP10 comment: "UNICODE\0" then UTF-16BE.
      ctx_.Add(carrier, "Comment", std::string(Trim(Utf16ToUtf8(d.subspan(8), true))),
               Category::kDescription, offset);
    } else if (named && (id == "Adobe" || id == "JFXX" || id == "FPXR")) {
      ctx_.AddBinary(carrier, std::string(id), std::string(id) + " segment", d.size(),
                     Category::kTechnical, offset);
    } else {
      // Unknown APPn: shown as text when it is text (after its identifier), else described.
      Span body = d;
      if (named) body = d.subspan(std::min(d.size(), id.size() + 1));
      std::string key = named ? std::string(id) : "APP" + std::to_string(m - 0xE0);
      if (!body.empty() && LooksLikeText(AsBytes(TrimNuls(AsChars(body))))) {
        ctx_.Add(carrier, key, std::string(Trim(AsChars(body))), ClassifyName(key), offset);
      } else {
        ctx_.AddBinary(carrier, key, "APP" + std::to_string(m - 0xE0) + " segment", d.size(),
                       Category::kOther, offset);
      }
    }
  }

  // Ducky (APP12, Photoshop "Save for Web"): tagged quality, comment and copyright.
  void Ducky(const std::string& carrier, Span d, uint64_t offset) {
    size_t p = 0;
    while (d.size() - p >= 4) {
      const uint16_t tag = U16Be(d, p), len = U16Be(d, p + 2);
      if (tag == 0) break;
      p += 4;
      if (d.size() - p < len) {
        ctx_.Warn("jpeg: Ducky segment is truncated");
        return;
      }
      Span v = d.subspan(p, len);
      p += len;
      if (tag == 1 && len == 4) {
        ctx_.Add(carrier, "Ducky.Quality", std::to_string(U32Be(v, 0)), Category::kTechnical,
                 offset);
      } else if ((tag == 2 || tag == 3) && len >= 4) {
        std::string text(Trim(Utf16ToUtf8(v.subspan(4), true)));
        ctx_.Add(carrier, tag == 2 ? "Ducky.Comment" : "Ducky.Copyright", std::move(text),
                 tag == 2 ? Category::kDescription : Category::kCopyright, offset);
      }
    }
  }

  // Multi-segment carriers are complete once every segment has been seen.
  void Finish() {
    if (!icc_.empty()) {
      std::stable_sort(icc_.begin(), icc_.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      if (icc_.size() == 1) {
        ReadIcc(ctx_, icc_[0].second.data, "jpeg:APP2:ICC_PROFILE", icc_[0].second.offset);
      } else {
        Bytes whole;
        for (const auto& [seq, piece] : icc_)
          whole.insert(whole.end(), piece.data.begin(), piece.data.end());
        ReadIcc(ctx_, whole, "jpeg:APP2:ICC_PROFILE", icc_[0].second.offset);
      }
    }
    for (uint16_t instance : jumbf_order_) {
      auto& parts = jumbf_[instance];
      std::stable_sort(parts.begin(), parts.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      Bytes joined;
      Span whole = parts[0].second.data;
      if (parts.size() > 1) {
        for (const auto& [seq, piece] : parts)
          joined.insert(joined.end(), piece.data.begin(), piece.data.end());
        whole = joined;
      }
      const uint64_t offset = parts[0].second.offset;
      // A JUMBF superbox whose description box is labelled "c2pa" is a C2PA manifest store.
      if (Contains(whole.first(std::min<size_t>(whole.size(), 96)), "c2pa")) {
        ctx_.NoteC2pa(whole, "jpeg:APP11:JUMBF", offset);
      } else {
        ctx_.AddBinary("jpeg:APP11:JUMBF", "JUMBF", "JUMBF box", whole.size(), Category::kOther,
                       offset);
      }
    }
    for (const std::string& guid : extended_order_) {
      auto& parts = extended_xmp_[guid];
      std::stable_sort(parts.begin(), parts.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      // Concatenate the parts that continue one another; a gap ends the usable prefix.
      Bytes whole;
      for (const auto& [at, piece] : parts) {
        if (at != whole.size()) {
          if (at < whole.size()) continue;  // duplicate chunk
          ctx_.Warn("jpeg: ExtendedXMP has a missing chunk");
          break;
        }
        whole.insert(whole.end(), piece.data.begin(), piece.data.end());
      }
      ScopedNesting nest(ctx_);
      if (nest.ok()) ReadXmp(ctx_, whole, "jpeg:APP1:ExtendedXMP", parts[0].second.offset);
    }
  }

  Context& ctx_;
  Span in_;
  std::vector<std::pair<uint8_t, Piece>> icc_;
  std::map<uint16_t, std::vector<std::pair<uint32_t, Piece>>> jumbf_;
  std::vector<uint16_t> jumbf_order_;
  std::map<std::string, std::vector<std::pair<uint32_t, Piece>>> extended_xmp_;
  std::vector<std::string> extended_order_;
};

}  // namespace

Status ReadJpeg(Context& ctx, Span file) { return JpegReader(ctx, file).Run(); }

}  // namespace custody::metadata::internal
