// GIF: comment and plain-text extensions, application extensions (XMP "XMP DataXMP", ICC
// "ICCRGBG1012", others described), and bytes after the trailer. Image data is skipped block by
// block without decoding.
#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

class GifReader {
 public:
  GifReader(Context& ctx, Span in) : ctx_(ctx), in_(in) {}

  Status Run() {
    if (in_.size() < 13 || !(HasPrefix(in_, "GIF87a") || HasPrefix(in_, "GIF89a"))) {
      return InvalidArgument("gif: truncated header");
    }
    size_t pos = 13;
    const uint8_t flags = in_[10];
    if (flags & 0x80) pos += 3u << ((flags & 7) + 1);  // global colour table
    bool ended = false;
    while (!ctx_.full()) {
      if (pos >= in_.size()) {
        ctx_.Warn("gif: no trailer");
        break;
      }
      const uint8_t b = in_[pos];
      if (b == 0x3B) {
        ++pos;
        ended = true;
        break;
      }
      if (b == 0x2C) {  // image descriptor, optional local colour table, LZW code size, data
        if (in_.size() - pos < 11) {
          ctx_.Warn("gif: truncated image descriptor");
          break;
        }
        const uint8_t local = in_[pos + 9];
        size_t next = pos + 10;
        if (local & 0x80) next += 3u << ((local & 7) + 1);
        next += 1;  // LZW minimum code size
        if (next > in_.size()) {
          ctx_.Warn("gif: truncated image");
          break;
        }
        pos = SkipBlocks(next);
        if (pos == 0) break;
        continue;
      }
      if (b != 0x21 || in_.size() - pos < 2) {
        ctx_.Warn("gif: unexpected block 0x" + std::to_string(b) + " at byte " +
                  std::to_string(pos));
        break;
      }
      const uint8_t label = in_[pos + 1];
      const size_t start = pos;
      const size_t body = pos + 2;
      if (label == 0xFE || label == 0x01) {
        Bytes text;
        pos = CollectBlocks(body, text);
        if (pos == 0) break;
        Span t = text;
        if (label == 0x01) t = t.subspan(std::min<size_t>(t.size(), 12));  // text grid header
        ctx_.Add(label == 0xFE ? "gif:Comment" : "gif:PlainText",
                 label == 0xFE ? "Comment" : "PlainText", std::string(Trim(BytesToText(t))),
                 Category::kDescription, start);
        continue;
      }
      if (label == 0xFF && body < in_.size() && in_[body] == 11 && in_.size() - body >= 12) {
        std::string id(AsChars(in_.subspan(body + 1, 11)));
        const size_t data = body + 12;
        if (id == "XMP DataXMP") {
          // The packet is stored raw (its bytes double as sub-block lengths), followed by a
          // 258-byte "magic trailer" that makes the block chain end cleanly.
          Span rest = in_.subspan(data);
          std::string_view chars = AsChars(rest);
          size_t end = chars.find("<?xpacket end");
          if (end != std::string_view::npos) end = chars.find("?>", end);
          size_t len = end == std::string_view::npos ? 0 : end + 2;
          if (len == 0) {
            size_t meta = chars.find("</x:xmpmeta>");
            if (meta != std::string_view::npos) len = meta + 12;
          }
          if (len > 0) {
            ScopedNesting nest(ctx_);
            if (nest.ok()) ReadXmp(ctx_, rest.first(len), "gif:XMP", start);
          } else {
            ctx_.Warn("gif: XMP application extension without a packet end");
          }
          pos = SkipBlocks(data);
        } else if (id == "ICCRGBG1012") {
          Bytes profile;
          pos = CollectBlocks(data, profile);
          if (pos != 0) ReadIcc(ctx_, profile, "gif:ICC", start);
        } else if (id == "NETSCAPE2.0" || id == "ANIMEXTS1.0") {
          pos = SkipBlocks(data);
        } else {
          Bytes payload;
          pos = CollectBlocks(data, payload);
          std::string printable;
          for (char c : id) printable += (c >= 0x20 && c < 0x7F) ? c : '?';
          if (pos != 0) {
            if (!payload.empty() && LooksLikeText(payload)) {
              ctx_.Add("gif:APP:" + printable, printable, std::string(AsChars(payload)),
                       Category::kOther, start);
            } else {
              ctx_.AddBinary("gif:APP:" + printable, printable, "application extension",
                             payload.size(), Category::kOther, start);
            }
          }
        }
        if (pos == 0) break;
        continue;
      }
      pos = SkipBlocks(body);  // graphic control and unknown extensions
      if (pos == 0) break;
    }
    if (ended && pos < in_.size()) {
      Span rest = in_.subspan(pos);
      if (LooksLikeText(rest)) {
        ctx_.Add("gif:trailing-data", "trailing-data", std::string(AsChars(rest)), Category::kOther,
                 pos);
      } else {
        ctx_.AddBinary("gif:trailing-data", "trailing-data", "data after the trailer", rest.size(),
                       Category::kOther, pos);
      }
    }
    return OkStatus();
  }

 private:
  // Returns the position after the block terminator, or 0 (with a warning) if truncated.
  size_t SkipBlocks(size_t p) {
    while (p < in_.size()) {
      const size_t n = in_[p];
      if (n == 0) return p + 1;
      if (in_.size() - p - 1 < n) break;
      p += 1 + n;
    }
    ctx_.Warn("gif: truncated data sub-blocks");
    return 0;
  }

  size_t CollectBlocks(size_t p, Bytes& out) {
    while (p < in_.size()) {
      const size_t n = in_[p];
      if (n == 0) return p + 1;
      if (in_.size() - p - 1 < n) break;
      if (out.size() < ctx_.options().max_value_bytes) {
        out.insert(out.end(), in_.begin() + long(p + 1), in_.begin() + long(p + 1 + n));
      }
      p += 1 + n;
    }
    ctx_.Warn("gif: truncated data sub-blocks");
    return 0;
  }

  Context& ctx_;
  Span in_;
};

}  // namespace

Status ReadGif(Context& ctx, Span file) { return GifReader(ctx, file).Run(); }

}  // namespace custody::metadata::internal
