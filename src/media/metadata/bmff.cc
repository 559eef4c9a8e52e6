// ISO-BMFF / QuickTime (MP4, MOV, M4A): moov/udta (QuickTime ©-atoms with international text,
// 3GPP asset boxes, XMP_), meta boxes (hdlr mdir/mdta, keys + ilst: iTunes atoms and the
// QuickTime metadata keys ffmpeg writes, e.g. "prompt"/"workflow"), trak/udta and trak/meta,
// uuid boxes (XMP, C2PA), top-level meta. 32- and 64-bit box sizes; mdat is never read.
// Keys "QuickTime.<atom or key>", MacRoman '©' shown as UTF-8.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

using C = Category;

constexpr uint8_t kXmpUuid[16] = {0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8,
                                  0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac};
constexpr uint8_t kC2paUuid[16] = {0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c,
                                   0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4, 0x81};

struct Box {
  std::string type;  // FourCC() form (© as UTF-8), untrimmed
  Span raw_type;
  Span body;  // after the header (and after the usertype for uuid boxes)
  Span usertype;
  uint64_t offset = 0;
};

constexpr size_t kMaxBoxes = 200'000;

class BmffReader {
 public:
  BmffReader(Context& ctx, Span in) : ctx_(ctx), in_(in) {}

  Status Run() {
    size_t top_level = 0;
    Walk(in_, "file", [&](const Box& b) {
      ++top_level;
      TopLevel(b);
    });
    if (top_level == 0) return InvalidArgument("mp4: truncated header (no complete box)");
    return OkStatus();
  }

 private:
  uint64_t Offset(Span s) const { return uint64_t(s.data() - in_.data()); }

  // Calls f for each box in `parent`; stops with a warning at the first malformed one.
  template <typename F>
  void Walk(Span parent, std::string_view where, F&& f) {
    size_t pos = 0;
    while (parent.size() - pos >= 8 && !ctx_.full()) {
      if (++boxes_ > kMaxBoxes) {
        if (boxes_ == kMaxBoxes + 1) ctx_.Warn("mp4: too many boxes; the rest are skipped");
        return;
      }
      uint64_t size = U32Be(parent, pos);
      size_t header = 8;
      if (size == 1) {
        if (parent.size() - pos < 16) {
          ctx_.Warn("mp4: truncated box header in " + std::string(where));
          return;
        }
        size = U64Be(parent, pos + 8);
        header = 16;
      } else if (size == 0) {
        size = parent.size() - pos;  // to the end of the enclosing box
      }
      if (size < header) {
        ctx_.Warn("mp4: invalid box size in " + std::string(where));
        return;
      }
      Box b;
      b.raw_type = parent.subspan(pos + 4, 4);
      b.type = FourCC(b.raw_type, false);
      b.offset = Offset(parent) + pos;
      if (size > parent.size() - pos) {
        // A truncated mdat at the end is common (recording cut off) and holds no metadata.
        if (b.type != "mdat") {
          ctx_.Warn("mp4: box '" + b.type + "' in " + std::string(where) +
                    " runs past the end of its container");
        }
        return;
      }
      b.body = parent.subspan(pos + header, size_t(size) - header);
      if (b.type == "uuid") {
        if (b.body.size() < 16) {
          ctx_.Warn("mp4: truncated uuid box");
          return;
        }
        b.usertype = b.body.first(16);
        b.body = b.body.subspan(16);
      }
      f(b);
      pos += size_t(size);
    }
  }

  void TopLevel(const Box& b) {
    if (b.type == "moov") {
      Walk(b.body, "moov", [&](const Box& c) { Moov(c); });
    } else if (b.type == "meta") {
      Meta(b.body, "mp4:meta", b.offset);
    } else if (b.type == "udta") {
      Udta(b.body, "mp4:udta", b.offset);
    } else {
      Common(b, "");
    }
  }

  void Moov(const Box& b) {
    if (b.type == "udta") {
      Udta(b.body, "mp4:moov/udta", b.offset);
    } else if (b.type == "meta") {
      Meta(b.body, "mp4:moov/meta", b.offset);
    } else if (b.type == "trak") {
      Walk(b.body, "trak", [&](const Box& c) {
        if (c.type == "udta") {
          Udta(c.body, "mp4:moov/trak/udta", c.offset);
        } else if (c.type == "meta") {
          Meta(c.body, "mp4:moov/trak/meta", c.offset);
        } else {
          Common(c, "moov/trak");
        }
      });
    } else {
      Common(b, "moov");
    }
  }

  // uuid boxes, and free space with leftovers in it, wherever they are; named as the scrubber
  // names them ("mp4:[<path>/]uuid:xmp", "mp4:<path>/free").
  void Common(const Box& b, const std::string& path) {
    const std::string prefix = "mp4:" + (path.empty() ? "" : path + "/");
    if (b.type == "uuid") {
      Uuid(b, prefix);
    } else if (b.type == "free" || b.type == "skip" || b.type == "wide") {
      // Free space may hold the remains of edited-out metadata.
      if (std::any_of(b.body.begin(), b.body.end(), [](uint8_t v) { return v != 0; })) {
        if (LooksLikeText(AsBytes(TrimNuls(AsChars(b.body))))) {
          ctx_.Add(prefix + b.type, b.type, std::string(Trim(AsChars(b.body))), C::kOther,
                   b.offset);
        } else {
          ctx_.AddBinary(prefix + b.type, b.type, "non-zero free space", b.body.size(), C::kOther,
                         b.offset);
        }
      }
    }
  }

  void Uuid(const Box& b, const std::string& prefix) {
    ScopedNesting nest(ctx_);
    if (!nest.ok()) return;
    if (std::memcmp(b.usertype.data(), kXmpUuid, 16) == 0) {
      ReadXmp(ctx_, b.body, prefix + "uuid:xmp", b.offset);
    } else if (std::memcmp(b.usertype.data(), kC2paUuid, 16) == 0) {
      ctx_.NoteC2pa(b.body, prefix + "uuid:c2pa", b.offset);
    } else {
      const std::string hex = HexEncode(b.usertype);
      ctx_.AddBinary(prefix + "uuid:" + hex, "uuid:" + hex, "uuid box", b.body.size(), C::kOther,
                     b.offset);
    }
  }

  // ---------------------------------------------------------------- udta

  static Category AtomCategory(std::string_view name) {
    struct A {
      std::string_view name;
      Category category;
    };
    static constexpr A kAtoms[] = {
        {"\xC2\xA9nam", C::kDescription},
        {"\xC2\xA9"
         "ART",
         C::kAuthor},
        {"aART", C::kAuthor},
        {"\xC2\xA9"
         "alb",
         C::kDescription},
        {"\xC2\xA9"
         "cmt",
         C::kDescription},
        {"desc", C::kDescription},
        {"ldes", C::kDescription},
        {"\xC2\xA9"
         "des",
         C::kDescription},
        {"\xC2\xA9"
         "day",
         C::kTime},
        {"\xC2\xA9too", C::kSoftware},
        {"\xC2\xA9swr", C::kSoftware},
        {"\xC2\xA9"
         "enc",
         C::kSoftware},
        {"\xC2\xA9wrt", C::kAuthor},
        {"\xC2\xA9"
         "aut",
         C::kAuthor},
        {"\xC2\xA9"
         "dir",
         C::kAuthor},
        {"\xC2\xA9prd", C::kAuthor},
        {"\xC2\xA9prf", C::kAuthor},
        {"\xC2\xA9"
         "com",
         C::kAuthor},
        {"\xC2\xA9src", C::kAuthor},
        {"\xC2\xA9"
         "cpy",
         C::kCopyright},
        {"cprt", C::kCopyright},
        {"\xC2\xA9xyz", C::kGps},
        {"\xC2\xA9mak", C::kDevice},
        {"\xC2\xA9mod", C::kDevice},
        {"\xC2\xA9hst", C::kDevice},
        {"\xC2\xA9gen", C::kDescription},
        {"gnre", C::kDescription},
        {"\xC2\xA9grp", C::kDescription},
        {"\xC2\xA9lyr", C::kDescription},
        {"keyw", C::kDescription},
        {"\xC2\xA9inf", C::kDescription},
        {"\xC2\xA9"
         "dis",
         C::kDescription},
        {"\xC2\xA9wrn", C::kDescription},
        {"\xC2\xA9"
         "fmt",
         C::kTechnical},
        {"\xC2\xA9req", C::kTechnical},
        {"\xC2\xA9PRD", C::kDescription},
        {"purd", C::kTime},
        {"apID", C::kAuthor},
        {"ownr", C::kAuthor},
        {"covr", C::kDescription},
        {"trkn", C::kTechnical},
        {"disk", C::kTechnical},
        {"tmpo", C::kTechnical},
        {"cpil", C::kTechnical},
        {"pgap", C::kTechnical},
        {"stik", C::kTechnical},
        {"rtng", C::kTechnical},
        {"tvsh", C::kDescription},
        {"tven", C::kDescription},
        {"titl", C::kDescription},
        {"auth", C::kAuthor},
        {"perf", C::kAuthor},
        {"dscp", C::kDescription},
        {"albm", C::kDescription},
        {"yrrc", C::kTime},
        {"loci", C::kGps},
        {"clsf", C::kDescription},
        {"\xC2\xA9"
         "TIM",
         C::kTime},
        {"\xC2\xA9TSC", C::kTechnical},
        {"\xC2\xA9TSZ", C::kTechnical},
        {"name", C::kDescription},
    };
    for (const A& a : kAtoms) {
      if (name == a.name) return a.category;
    }
    return ClassifyName(name);
  }

  void Udta(Span body, std::string_view carrier, uint64_t offset) {
    ScopedNesting nest(ctx_);
    if (!nest.ok()) return;
    Walk(body, "udta", [&](const Box& a) {
      const std::string key = "QuickTime." + a.type;
      if (a.type == "meta") {
        Meta(a.body, carrier, offset);
      } else if (a.type == "XMP_") {
        ReadXmp(ctx_, a.body, carrier, offset);
      } else if (a.raw_type[0] == 0xA9) {
        ClassicAtom(a, key, carrier, offset);
      } else if (a.type == "titl" || a.type == "auth" || a.type == "perf" || a.type == "gnre" ||
                 a.type == "dscp" || a.type == "cprt" || a.type == "albm" || a.type == "kywd" ||
                 a.type == "clsf") {
        Asset3gpp(a, key, carrier, offset);
      } else if (a.type == "yrrc" && a.body.size() >= 6) {
        ctx_.Add(carrier, key, std::to_string(U16Be(a.body, 4)), C::kTime, offset);
      } else if (a.type == "loci") {
        Loci(a, key, carrier, offset);
      } else if (a.type == "name" && LooksLikeText(a.body)) {
        ctx_.Add(carrier, key, std::string(Trim(AsChars(a.body))), C::kDescription, offset);
      } else if (a.type == "free" || a.type == "skip") {
        // padding
      } else if (!a.body.empty() && LooksLikeText(AsBytes(TrimNuls(AsChars(a.body))))) {
        ctx_.Add(carrier, key, std::string(Trim(AsChars(a.body))), AtomCategory(a.type), offset);
      } else {
        ctx_.AddBinary(carrier, key, a.type + " atom", a.body.size(), AtomCategory(a.type), offset);
      }
    });
  }

  // QuickTime ©-atom: either iTunes-style 'data' children, or international text records
  // (16-bit length, 16-bit language, text) one after another.
  void ClassicAtom(const Box& a, const std::string& key, std::string_view carrier,
                   uint64_t offset) {
    Span d = a.body;
    const Category category = AtomCategory(a.type);
    if (d.size() >= 8 && AsChars(d.subspan(4, 4)) == "data") {
      DataAtoms(d, key, category, carrier, offset);
      return;
    }
    std::string out;
    size_t p = 0;
    bool ok = true;
    while (d.size() - p >= 4) {
      const size_t len = U16Be(d, p);
      const uint16_t lang = U16Be(d, p + 2);
      p += 4;
      if (len > d.size() - p) {
        ok = false;
        break;
      }
      Span text = d.subspan(p, len);
      p += len;
      // Language codes below 0x400 are Macintosh codes (MacRoman for English); packed ISO
      // codes mean UTF-8 (or UTF-16 with a BOM).
      std::string v;
      if (HasPrefix(text, "\xFE\xFF")) {
        v = Utf16ToUtf8(text, true);
      } else {
        v = lang < 0x400 && !IsValidUtf8(AsChars(text)) ? MacRomanToUtf8(text) : BytesToText(text);
      }
      v = std::string(Trim(v));
      if (!v.empty()) {
        if (!out.empty()) out += "; ";
        out += v;
      }
    }
    if (!ok || p != d.size()) {
      if (LooksLikeText(AsBytes(TrimNuls(AsChars(d))))) {
        ctx_.Add(carrier, key, std::string(Trim(AsChars(d))), category, offset);
      } else {
        ctx_.AddBinary(carrier, key, a.type + " atom", d.size(), category, offset);
      }
      return;
    }
    ctx_.Add(carrier, key, std::move(out), category, offset);
  }

  // 3GPP asset box: version/flags (4), packed language (2), string (UTF-8 or UTF-16 with BOM).
  void Asset3gpp(const Box& a, const std::string& key, std::string_view carrier, uint64_t offset) {
    Span d = a.body;
    if (d.size() < 6) return;
    Span s = d.subspan(6);
    if (a.type == "kywd" && !s.empty()) s = s.subspan(1);  // keyword count
    if (a.type == "clsf" && d.size() >= 12) s = d.subspan(12);
    std::string v = HasPrefix(s, "\xFE\xFF") ? Utf16ToUtf8(s, true)
                                             : BytesToText(AsBytes(TrimNuls(AsChars(s))));
    ctx_.Add(carrier, key, std::string(Trim(v)), AtomCategory(a.type), offset);
  }

  void Loci(const Box& a, const std::string& key, std::string_view carrier, uint64_t offset) {
    Span d = a.body;
    if (d.size() < 6) return;
    Span rest = d.subspan(6);
    size_t nul = 0;
    while (nul < rest.size() && rest[nul] != 0) ++nul;
    std::string name(Trim(BytesToText(rest.first(nul))));
    std::string v = name;
    if (rest.size() >= nul + 1 + 13) {
      Span c = rest.subspan(nul + 2);  // role (1)
      auto fixed = [](uint32_t x) { return double(int32_t(x)) / 65536.0; };
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s%.6f, %.6f, %.1f", name.empty() ? "" : " ",
                    fixed(U32Be(c, 4)), fixed(U32Be(c, 0)), fixed(U32Be(c, 8)));
      v += buf;
    }
    ctx_.Add(carrier, key, std::string(Trim(v)), C::kGps, offset);
  }

  // ---------------------------------------------------------------- meta / keys / ilst

  void Meta(Span body, std::string_view carrier, uint64_t offset) {
    ScopedNesting nest(ctx_);
    if (!nest.ok()) return;
    // ISO meta is a full box (version/flags first); QuickTime's is not. The hdlr child tells.
    Span children = body;
    if (body.size() >= 12 && AsChars(body.subspan(4, 4)) != "hdlr" && body[0] == 0 &&
        body[1] == 0 && body[2] == 0 && body[3] == 0) {
      children = body.subspan(4);
    }
    std::string handler;
    std::vector<std::string> keys;
    Walk(children, "meta", [&](const Box& b) {
      if (b.type == "hdlr" && b.body.size() >= 12) {
        handler = FourCC(b.body.subspan(8, 4), false);
      } else if (b.type == "keys") {
        Keys(b.body, keys);
      } else if (b.type == "ilst") {
        Ilst(b.body, handler, keys, carrier, offset);
      } else if (b.type == "xml " && b.body.size() > 4) {
        ReadXmp(ctx_, b.body.subspan(4), carrier, offset);
      } else if (b.type == "ID32" && b.body.size() > 6) {
        ReadId3v2(ctx_, b.body.subspan(6), carrier, offset);
      }
    });
  }

  void Keys(Span d, std::vector<std::string>& keys) {
    if (d.size() < 8) return;
    const uint32_t count = U32Be(d, 4);
    size_t p = 8;
    for (uint32_t i = 0; i < count && d.size() - p >= 8; ++i) {
      const uint32_t size = U32Be(d, p);
      if (size < 8 || size > d.size() - p) {
        ctx_.Warn("mp4: malformed keys box");
        return;
      }
      keys.push_back(BytesToText(d.subspan(p + 8, size - 8)));
      p += size;
    }
  }

  void Ilst(Span d, const std::string& handler, const std::vector<std::string>& keys,
            std::string_view carrier, uint64_t offset) {
    Walk(d, "ilst", [&](const Box& item) {
      std::string name;
      const uint32_t index = U32Be(item.raw_type, 0);
      if (handler == "mdta" || (!keys.empty() && index >= 1 && index <= keys.size())) {
        if (index >= 1 && index <= keys.size()) {
          name = keys[index - 1];
        } else {
          name = item.type;
        }
      } else if (item.type == "----") {
        // Freeform: mean, name, data.
        std::string mean;
        Walk(item.body, "----", [&](const Box& c) {
          if (c.type == "name" && c.body.size() >= 4) name = BytesToText(c.body.subspan(4));
          if (c.type == "mean" && c.body.size() >= 4) mean = BytesToText(c.body.subspan(4));
        });
        if (name.empty()) name = "----";
        if (!mean.empty() && mean != "com.apple.iTunes") name = mean + ":" + name;
      } else {
        name = item.type;
      }
      DataAtoms(item.body, "QuickTime." + name, AtomCategory(name), carrier, offset);
    });
  }

  // The 'data' children of an item: type indicator (4), locale (4), value.
  void DataAtoms(Span body, const std::string& key, Category category, std::string_view carrier,
                 uint64_t offset) {
    Walk(body, "data", [&](const Box& c) {
      if (c.type != "data" || c.body.size() < 8) return;
      const uint32_t type = U32Be(c.body, 0) & 0xFFFFFF;
      Span v = c.body.subspan(8);
      switch (type) {
        case 1:  // UTF-8
        case 4:
          ctx_.Add(carrier, key, BytesToText(v), category, offset);
          return;
        case 2:  // UTF-16BE
        case 5:
          ctx_.Add(carrier, key, Utf16ToUtf8(v, true), category, offset);
          return;
        case 3:  // S/JIS: shown as whatever it decodes to
          ctx_.Add(carrier, key, BytesToText(v), category, offset);
          return;
        case 13:
        case 14:
        case 27:
          ctx_.AddBinary(carrier, key,
                         type == 13   ? "JPEG image"
                         : type == 14 ? "PNG image"
                                      : "BMP image",
                         v.size(), category, offset);
          return;
        case 21:  // big-endian signed integer
        case 22:  // unsigned
        case 65:
        case 66:
        case 67:
        case 74:
        case 75:
        case 76:
        case 77:
        case 78: {
          if (v.empty() || v.size() > 8) break;
          uint64_t x = 0;
          for (uint8_t b : v) x = x << 8 | b;
          const bool is_signed = type == 21 || type == 65 || type == 66 || type == 67 || type == 74;
          if (is_signed && v.size() < 8 && (v[0] & 0x80)) x |= ~uint64_t(0) << (8 * v.size());
          ctx_.Add(carrier, key, is_signed ? std::to_string(int64_t(x)) : std::to_string(x),
                   category, offset);
          return;
        }
        case 23:
          if (v.size() == 4) {
            uint32_t bits = U32Be(v, 0);
            float f;
            std::memcpy(&f, &bits, 4);
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", double(f));
            ctx_.Add(carrier, key, buf, category, offset);
            return;
          }
          break;
        case 24:
          if (v.size() == 8) {
            uint64_t bits = U64Be(v, 0);
            double f;
            std::memcpy(&f, &bits, 8);
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", f);
            ctx_.Add(carrier, key, buf, category, offset);
            return;
          }
          break;
        case 0:
          // Implicit: track/disk numbers are (0, n, total) as 16-bit values.
          if ((key == "QuickTime.trkn" || key == "QuickTime.disk") && v.size() >= 6) {
            ctx_.Add(carrier, key, std::to_string(U16Be(v, 2)) + "/" + std::to_string(U16Be(v, 4)),
                     category, offset);
            return;
          }
          break;
        default:
          break;
      }
      if (!v.empty() && LooksLikeText(AsBytes(TrimNuls(AsChars(v))))) {
        ctx_.Add(carrier, key, std::string(Trim(AsChars(v))), category, offset);
      } else {
        ctx_.AddBinary(carrier, key, "value", v.size(), category, offset);
      }
    });
  }

  Context& ctx_;
  Span in_;
  size_t boxes_ = 0;
};

}  // namespace

Status ReadBmff(Context& ctx, Span file) {
  if (file.size() < 8) return InvalidArgument("mp4: truncated header");
  return BmffReader(ctx, file).Run();
}

}  // namespace custody::metadata::internal
