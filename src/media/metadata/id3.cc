// MP3 tags: ID3v2.2/2.3/2.4 (unsynchronisation, extended header, compressed frames, every text
// encoding; keys "ID3.<frame id>", v2.2 ids mapped to their v2.3 names), ID3v1/1.1
// ("ID3v1.<field>") and APEv2 ("APE.<item key>"). GEOB frames with MIME type application/c2pa are
// C2PA stores.
#include <algorithm>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

using C = Category;

struct FrameInfo {
  const char* id;
  Category category;
};

constexpr FrameInfo kFrames[] = {
    {"TIT1", C::kDescription}, {"TIT2", C::kDescription}, {"TIT3", C::kDescription},
    {"TALB", C::kDescription}, {"TOAL", C::kDescription}, {"TCON", C::kDescription},
    {"TPE1", C::kAuthor},      {"TPE2", C::kAuthor},      {"TPE3", C::kAuthor},
    {"TPE4", C::kAuthor},      {"TCOM", C::kAuthor},      {"TEXT", C::kAuthor},
    {"TOPE", C::kAuthor},      {"TOLY", C::kAuthor},      {"TENC", C::kAuthor},
    {"TPUB", C::kAuthor},      {"TOWN", C::kAuthor},      {"TIPL", C::kAuthor},
    {"TMCL", C::kAuthor},      {"IPLS", C::kAuthor},      {"TRSN", C::kAuthor},
    {"TRSO", C::kAuthor},      {"TCOP", C::kCopyright},   {"TPRO", C::kCopyright},
    {"WCOP", C::kCopyright},   {"TSSE", C::kSoftware},    {"TYER", C::kTime},
    {"TDAT", C::kTime},        {"TIME", C::kTime},        {"TRDA", C::kTime},
    {"TORY", C::kTime},        {"TDRC", C::kTime},        {"TDRL", C::kTime},
    {"TDOR", C::kTime},        {"TDEN", C::kTime},        {"TDTG", C::kTime},
    {"TRCK", C::kTechnical},   {"TPOS", C::kTechnical},   {"TLEN", C::kTechnical},
    {"TBPM", C::kTechnical},   {"TKEY", C::kTechnical},   {"TMED", C::kTechnical},
    {"TFLT", C::kTechnical},   {"TLAN", C::kTechnical},   {"TSRC", C::kOther},
    {"TSOA", C::kDescription}, {"TSOP", C::kAuthor},      {"TSOT", C::kDescription},
    {"TMOO", C::kDescription}, {"TSST", C::kDescription}, {"TDLY", C::kTechnical},
    {"TOFN", C::kOther},       {"TSIZ", C::kTechnical},   {"COMM", C::kDescription},
    {"USLT", C::kDescription}, {"SYLT", C::kDescription}, {"APIC", C::kDescription},
    {"WOAR", C::kAuthor},      {"WOAF", C::kOther},       {"WOAS", C::kOther},
    {"WCOM", C::kOther},       {"WORS", C::kOther},       {"WPAY", C::kOther},
    {"WPUB", C::kAuthor},      {"POPM", C::kAuthor},      {"PCNT", C::kTechnical},
    {"UFID", C::kOther},       {"PRIV", C::kOther},       {"GEOB", C::kOther},
    {"RVAD", C::kTechnical},   {"RVA2", C::kTechnical},   {"EQUA", C::kTechnical},
    {"MCDI", C::kTechnical},   {"ETCO", C::kTechnical},   {"MLLT", C::kTechnical},
    {"SYTC", C::kTechnical},   {"RVRB", C::kTechnical},   {"PRIV", C::kOther},
};

Category FrameCategory(std::string_view id) {
  for (const FrameInfo& f : kFrames) {
    if (id == f.id) return f.category;
  }
  return C::kOther;
}

// ID3v2.2 three-character ids → v2.3 ids.
std::string MapV22(std::string_view id) {
  static constexpr std::pair<std::string_view, std::string_view> kMap[] = {
      {"TT1", "TIT1"}, {"TT2", "TIT2"}, {"TT3", "TIT3"}, {"TP1", "TPE1"}, {"TP2", "TPE2"},
      {"TP3", "TPE3"}, {"TP4", "TPE4"}, {"TCM", "TCOM"}, {"TXT", "TEXT"}, {"TLA", "TLAN"},
      {"TCO", "TCON"}, {"TAL", "TALB"}, {"TPA", "TPOS"}, {"TRK", "TRCK"}, {"TRC", "TSRC"},
      {"TYE", "TYER"}, {"TDA", "TDAT"}, {"TIM", "TIME"}, {"TRD", "TRDA"}, {"TMT", "TMED"},
      {"TFT", "TFLT"}, {"TBP", "TBPM"}, {"TCR", "TCOP"}, {"TPB", "TPUB"}, {"TEN", "TENC"},
      {"TSS", "TSSE"}, {"TOF", "TOFN"}, {"TLE", "TLEN"}, {"TSI", "TSIZ"}, {"TDY", "TDLY"},
      {"TKE", "TKEY"}, {"TOT", "TOAL"}, {"TOA", "TOPE"}, {"TOL", "TOLY"}, {"TOR", "TORY"},
      {"TXX", "TXXX"}, {"WAF", "WOAF"}, {"WAR", "WOAR"}, {"WAS", "WOAS"}, {"WCM", "WCOM"},
      {"WCP", "WCOP"}, {"WPB", "WPUB"}, {"WXX", "WXXX"}, {"IPL", "IPLS"}, {"MCI", "MCDI"},
      {"ETC", "ETCO"}, {"MLL", "MLLT"}, {"STC", "SYTC"}, {"ULT", "USLT"}, {"SLT", "SYLT"},
      {"COM", "COMM"}, {"RVA", "RVAD"}, {"EQU", "EQUA"}, {"REV", "RVRB"}, {"PIC", "APIC"},
      {"GEO", "GEOB"}, {"CNT", "PCNT"}, {"POP", "POPM"}, {"BUF", "RBUF"}, {"CRA", "AENC"},
      {"LNK", "LINK"}, {"UFI", "UFID"}};
  for (const auto& [from, to] : kMap) {
    if (id == from) return std::string(to);
  }
  return std::string(id);
}

uint32_t SyncSafe(Span s, size_t at) {
  return uint32_t(s[at] & 0x7F) << 21 | uint32_t(s[at + 1] & 0x7F) << 14 |
         uint32_t(s[at + 2] & 0x7F) << 7 | uint32_t(s[at + 3] & 0x7F);
}
bool IsSyncSafe(Span s, size_t at) { return (s[at] | s[at + 1] | s[at + 2] | s[at + 3]) < 0x80; }

// Undoes unsynchronisation: every 0xFF 0x00 becomes 0xFF.
Bytes Resync(Span s) {
  Bytes out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    if (s[i] == 0xFF && i + 1 < s.size() && s[i + 1] == 0x00) ++i;
  }
  return out;
}

// Text in an ID3 encoding (0 Latin-1, 1 UTF-16 with BOM, 2 UTF-16BE, 3 UTF-8).
std::string DecodeText(uint8_t enc, Span s) {
  switch (enc) {
    case 1:
    case 2:
      return Utf16ToUtf8(s, true);
    case 3:
      return BytesToText(AsBytes(TrimNuls(AsChars(s))));
    default:
      return Latin1ToUtf8(AsBytes(TrimNuls(AsChars(s))));
  }
}

// Splits off one terminated string in encoding `enc`; `rest` gets what follows the terminator.
Span SplitString(uint8_t enc, Span s, Span& rest) {
  if (enc == 1 || enc == 2) {
    for (size_t i = 0; i + 1 < s.size(); i += 2) {
      if (s[i] == 0 && s[i + 1] == 0) {
        rest = s.subspan(i + 2);
        return s.first(i);
      }
    }
  } else {
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == 0) {
        rest = s.subspan(i + 1);
        return s.first(i);
      }
    }
  }
  rest = Span();
  return s;
}

// A text frame's values (v2.4 separates several with terminators), joined with "; ".
std::string TextValues(uint8_t enc, Span s) {
  std::string out;
  while (!s.empty()) {
    Span rest;
    Span one = SplitString(enc, s, rest);
    std::string v(Trim(DecodeText(enc, one)));
    if (!v.empty()) {
      if (!out.empty()) out += "; ";
      out += v;
    }
    s = rest;
  }
  return out;
}

class Id3Reader {
 public:
  Id3Reader(Context& ctx, std::string_view carrier, uint64_t offset)
      : ctx_(ctx), carrier_(carrier), offset_(offset) {}

  size_t Read(Span tag) {
    if (tag.size() < 10 || !HasPrefix(tag, "ID3")) {
      ctx_.Warn(std::string(carrier_) + ": ID3v2 header is truncated");
      return 0;
    }
    const uint8_t version = tag[3], flags = tag[5];
    if (!IsSyncSafe(tag, 6)) {
      ctx_.Warn(std::string(carrier_) + ": ID3v2 size is not sync-safe");
      return 0;
    }
    const size_t size = SyncSafe(tag, 6);
    const size_t total = 10 + size + ((version == 4 && (flags & 0x10)) ? 10 : 0);
    if (version < 2 || version > 4) {
      ctx_.Warn(std::string(carrier_) + ": unsupported ID3v2 version 2." + std::to_string(version));
      return std::min(total, tag.size());
    }
    Span body = tag.subspan(10, std::min(size, tag.size() - 10));
    if (body.size() < size) ctx_.Warn(std::string(carrier_) + ": ID3v2 tag is truncated");
    Bytes resynced;
    const bool tag_unsync = (flags & 0x80) != 0;
    if (tag_unsync && version < 4) {
      resynced = Resync(body);
      body = resynced;
    }
    size_t p = 0;
    if (flags & 0x40) {
      if (version == 2) {  // v2.2: this bit meant compression, which was never defined
        ctx_.Warn(std::string(carrier_) + ": compressed ID3v2.2 tag not supported");
        return std::min(total, tag.size());
      }
      if (body.size() < 4) return std::min(total, tag.size());
      const size_t ext = version == 3 ? 4 + size_t(U32Be(body, 0)) : size_t(SyncSafe(body, 0));
      if (ext > body.size()) {
        ctx_.Warn(std::string(carrier_) + ": ID3v2 extended header is truncated");
        return std::min(total, tag.size());
      }
      p = ext;
    }
    version_ = version;
    tag_unsync_v4_ = tag_unsync && version == 4;
    Frames(body, p);
    return std::min(total, tag.size());
  }

 private:
  void Frames(Span body, size_t p) {
    const size_t header = version_ == 2 ? 6 : 10;
    while (body.size() - p >= header && !ctx_.full()) {
      if (body[p] == 0) return;  // padding
      const size_t id_len = version_ == 2 ? 3 : 4;
      std::string raw_id(AsChars(body.subspan(p, id_len)));
      if (!std::all_of(raw_id.begin(), raw_id.end(),
                       [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); })) {
        ctx_.Warn(std::string(carrier_) + ": invalid ID3v2 frame id");
        return;
      }
      size_t fsize;
      uint16_t fflags = 0;
      if (version_ == 2) {
        fsize = U24Be(body, p + 3);
      } else if (version_ == 3) {
        fsize = U32Be(body, p + 4);
        fflags = U16Be(body, p + 8);
      } else {
        // v2.4 sizes are sync-safe; some writers (old iTunes) wrote plain integers.
        fsize = IsSyncSafe(body, p + 4) ? SyncSafe(body, p + 4) : U32Be(body, p + 4);
        fflags = U16Be(body, p + 8);
      }
      p += header;
      if (fsize > body.size() - p) {
        ctx_.Warn(std::string(carrier_) + ": ID3v2 frame " + raw_id + " runs past the tag");
        return;
      }
      Span data = body.subspan(p, fsize);
      p += fsize;
      const std::string id = version_ == 2 ? MapV22(raw_id) : raw_id;
      Frame(id, fflags, data);
    }
  }

  void Frame(const std::string& id, uint16_t fflags, Span data) {
    bool compressed = false, encrypted = false, unsync = tag_unsync_v4_;
    if (version_ == 3) {
      compressed = fflags & 0x0080;
      encrypted = fflags & 0x0040;
      if (compressed) data = data.subspan(std::min<size_t>(4, data.size()));  // decompressed size
      if (encrypted) data = data.subspan(std::min<size_t>(1, data.size()));
      if (fflags & 0x0020) data = data.subspan(std::min<size_t>(1, data.size()));  // group id
    } else if (version_ == 4) {
      compressed = fflags & 0x0008;
      encrypted = fflags & 0x0004;
      unsync = unsync || (fflags & 0x0002);
      if (fflags & 0x0040) data = data.subspan(std::min<size_t>(1, data.size()));  // group id
      if (encrypted) data = data.subspan(std::min<size_t>(1, data.size()));
      if (fflags & 0x0001) data = data.subspan(std::min<size_t>(4, data.size()));  // length
    }
    const std::string key = "ID3." + id;
    if (encrypted) {
      ctx_.AddBinary(carrier_, key, "encrypted frame", data.size(), FrameCategory(id), offset_);
      return;
    }
    Bytes holder;
    if (unsync) {
      holder = Resync(data);
      data = holder;
    }
    if (compressed) {
      auto inflated = Inflate(data, ctx_.options().max_inflated_bytes, Compression::kZlib);
      if (!inflated.ok()) {
        ctx_.Warn(std::string(carrier_) + ": frame " + id + ": " + inflated.error().message());
        ctx_.AddBinary(carrier_, key, "undecodable compressed frame", data.size(),
                       FrameCategory(id), offset_);
        return;
      }
      holder = std::move(*inflated);
      data = holder;
    }
    Decode(id, key, data);
  }

  void Decode(const std::string& id, const std::string& key, Span d) {
    const Category category = FrameCategory(id);
    if (d.empty()) return;
    const uint8_t enc = d[0];
    if (id == "TXXX" || id == "WXXX") {
      Span rest;
      std::string desc(Trim(DecodeText(enc, SplitString(enc, d.subspan(1), rest))));
      std::string value = id == "TXXX"
                              ? TextValues(enc, rest)
                              : std::string(Trim(Latin1ToUtf8(AsBytes(TrimNuls(AsChars(rest))))));
      Category c = ClassifyName(desc);
      if (c == C::kOther) c = id == "TXXX" ? C::kDescription : C::kOther;
      ctx_.Add(carrier_, key + ":" + desc, std::move(value), c, offset_);
    } else if (id[0] == 'T') {
      ctx_.Add(carrier_, key, TextValues(enc, d.subspan(1)), category, offset_);
    } else if (id[0] == 'W') {
      ctx_.Add(carrier_, key, std::string(Trim(Latin1ToUtf8(AsBytes(TrimNuls(AsChars(d)))))),
               category, offset_);
    } else if (id == "COMM" || id == "USLT") {
      if (d.size() < 4) return;
      Span rest;
      std::string desc(Trim(DecodeText(enc, SplitString(enc, d.subspan(4), rest))));
      ctx_.Add(carrier_, desc.empty() ? key : key + ":" + desc, TextValues(enc, rest), category,
               offset_);
    } else if (id == "APIC") {
      Span rest;
      std::string mime;
      if (version_ == 2) {
        if (d.size() < 5) return;
        mime = "image/" + Lower(Latin1ToUtf8(d.subspan(1, 3)));
        rest = d.subspan(4);
      } else {
        mime = Latin1ToUtf8(SplitString(0, d.subspan(1), rest));
      }
      if (rest.empty()) return;
      Span after;
      std::string desc(Trim(DecodeText(enc, SplitString(enc, rest.subspan(1), after))));
      std::string what = "picture " + Clip(mime, 64);
      if (!desc.empty()) what += " '" + Clip(desc, 200) + "'";
      ctx_.AddBinary(carrier_, key, what, after.size(), category, offset_);
    } else if (id == "GEOB") {
      Span rest, rest2, data;
      std::string mime = Latin1ToUtf8(SplitString(0, d.subspan(1), rest));
      std::string filename(Trim(DecodeText(enc, SplitString(enc, rest, rest2))));
      std::string desc(Trim(DecodeText(enc, SplitString(enc, rest2, data))));
      if (Lower(mime) == "application/c2pa") {
        ctx_.NoteC2pa(data, carrier_, offset_);
        return;
      }
      std::string what = "object " + Clip(mime, 64);
      if (!filename.empty()) what += " '" + Clip(filename, 200) + "'";
      if (!desc.empty()) what += " (" + Clip(desc, 200) + ")";
      ctx_.AddBinary(carrier_, key, what, data.size(), category, offset_);
    } else if (id == "PRIV" || id == "UFID") {
      Span rest;
      std::string owner = Latin1ToUtf8(SplitString(0, d, rest));
      if (id == "PRIV" && owner == "XMP") {
        ScopedNesting nest(ctx_);
        if (nest.ok()) ReadXmp(ctx_, rest, carrier_, offset_);
        return;
      }
      if (!rest.empty() && LooksLikeText(AsBytes(TrimNuls(AsChars(rest))))) {
        ctx_.Add(carrier_, key + ":" + owner, std::string(Trim(AsChars(rest))), category, offset_);
      } else {
        ctx_.AddBinary(carrier_, key + ":" + owner, id == "PRIV" ? "private data" : "identifier",
                       rest.size(), category, offset_);
      }
    } else if (id == "POPM") {
      Span rest;
      std::string email = Latin1ToUtf8(SplitString(0, d, rest));
      std::string value = email;
      if (!rest.empty()) value += " (rating " + std::to_string(rest[0]) + ")";
      ctx_.Add(carrier_, key, std::move(value), category, offset_);
    } else if (id == "IPLS") {
      ctx_.Add(carrier_, key, TextValues(enc, d.subspan(1)), category, offset_);
    } else if (LooksLikeText(AsBytes(TrimNuls(AsChars(d))))) {
      ctx_.Add(carrier_, key, std::string(Trim(AsChars(d))), category, offset_);
    } else {
      ctx_.AddBinary(carrier_, key, id + " frame", d.size(), category, offset_);
    }
  }

  Context& ctx_;
  std::string_view carrier_;
  uint64_t offset_;
  uint8_t version_ = 3;
  bool tag_unsync_v4_ = false;
};

constexpr const char* kGenres[] = {
    "Blues",
    "Classic Rock",
    "Country",
    "Dance",
    "Disco",
    "Funk",
    "Grunge",
    "Hip-Hop",
    "Jazz",
    "Metal",
    "New Age",
    "Oldies",
    "Other",
    "Pop",
    "R&B",
    "Rap",
    "Reggae",
    "Rock",
    "Techno",
    "Industrial",
    "Alternative",
    "Ska",
    "Death Metal",
    "Pranks",
    "Soundtrack",
    "Euro-Techno",
    "Ambient",
    "Trip-Hop",
    "Vocal",
    "Jazz+Funk",
    "Fusion",
    "Trance",
    "Classical",
    "Instrumental",
    "Acid",
    "House",
    "Game",
    "Sound Clip",
    "Gospel",
    "Noise",
    "AlternRock",
    "Bass",
    "Soul",
    "Punk",
    "Space",
    "Meditative",
    "Instrumental Pop",
    "Instrumental Rock",
    "Ethnic",
    "Gothic",
    "Darkwave",
    "Techno-Industrial",
    "Electronic",
    "Pop-Folk",
    "Eurodance",
    "Dream",
    "Southern Rock",
    "Comedy",
    "Cult",
    "Gangsta",
    "Top 40",
    "Christian Rap",
    "Pop/Funk",
    "Jungle",
    "Native American",
    "Cabaret",
    "New Wave",
    "Psychadelic",
    "Rave",
    "Showtunes",
    "Trailer",
    "Lo-Fi",
    "Tribal",
    "Acid Punk",
    "Acid Jazz",
    "Polka",
    "Retro",
    "Musical",
    "Rock & Roll",
    "Hard Rock",
};

void ReadId3v1(Context& ctx, Span t, uint64_t offset) {
  const std::string carrier = "mp3:ID3v1";
  auto field = [&](size_t at, size_t len) {
    std::string_view s = AsChars(t.subspan(at, len));
    s = s.substr(0, s.find('\0'));
    return std::string(Trim(Latin1ToUtf8(AsBytes(s))));
  };
  struct F {
    size_t at, len;
    const char* key;
    Category category;
  };
  static constexpr F kFields[] = {{3, 30, "ID3v1.Title", C::kDescription},
                                  {33, 30, "ID3v1.Artist", C::kAuthor},
                                  {63, 30, "ID3v1.Album", C::kDescription},
                                  {93, 4, "ID3v1.Year", C::kTime}};
  for (const F& f : kFields) {
    std::string v = field(f.at, f.len);
    if (!v.empty()) ctx.Add(carrier, f.key, std::move(v), f.category, offset);
  }
  const bool v11 = t[125] == 0 && t[126] != 0;
  std::string comment = field(97, v11 ? 28 : 30);
  if (!comment.empty())
    ctx.Add(carrier, "ID3v1.Comment", std::move(comment), C::kDescription, offset);
  if (v11) ctx.Add(carrier, "ID3v1.Track", std::to_string(t[126]), C::kTechnical, offset);
  const uint8_t genre = t[127];
  if (genre != 0xFF) {
    ctx.Add(carrier, "ID3v1.Genre",
            genre < std::size(kGenres) ? kGenres[genre] : "genre " + std::to_string(genre),
            C::kDescription, offset);
  }
}

// APEv2 (and v1) tag ending at in[end): returns the tag's first byte (end if there is none).
size_t ReadApe(Context& ctx, Span in, size_t end) {
  if (end < 32 || AsChars(in.subspan(end - 32, 8)) != "APETAGEX") return end;
  const size_t footer = end - 32;
  const uint32_t version = U32Le(in, footer + 8);
  const uint32_t size = U32Le(in, footer + 12);  // items + footer
  const uint32_t count = U32Le(in, footer + 16);
  const uint32_t flags = U32Le(in, footer + 20);
  if (size < 32 || size > end) {
    ctx.Warn("mp3: APE tag size is invalid");
    return end;
  }
  const size_t items_at = end - size;
  const size_t start = (flags & 0x80000000u) && items_at >= 32 ? items_at - 32 : items_at;
  const std::string carrier = "mp3:APEv2";
  size_t p = items_at;
  for (uint32_t i = 0; i < count && !ctx.full(); ++i) {
    if (footer - p < 9) {
      ctx.Warn("mp3: APE tag items are truncated");
      break;
    }
    const uint32_t vsize = U32Le(in, p), iflags = U32Le(in, p + 4);
    size_t k = p + 8;
    while (k < footer && in[k] != 0) ++k;
    if (k >= footer) {
      ctx.Warn("mp3: APE item key is not terminated");
      break;
    }
    std::string item(AsChars(in.subspan(p + 8, k - p - 8)));
    ++k;
    if (vsize > footer - k) {
      ctx.Warn("mp3: APE item '" + item.substr(0, 64) + "' runs past the tag");
      break;
    }
    Span value = in.subspan(k, vsize);
    p = k + vsize;
    const std::string key = "APE." + BytesToText(AsBytes(item));
    const uint32_t kind = version >= 2000 ? (iflags >> 1) & 3 : 0;
    if (kind == 1) {
      ctx.AddBinary(carrier, key, "binary item", value.size(), ClassifyName(item), start);
    } else {
      std::string text = BytesToText(value);
      std::replace(text.begin(), text.end(), '\0', ';');
      ctx.Add(carrier, key, std::string(Trim(text)), ClassifyName(item), start);
    }
  }
  return start;
}

// Enhanced tag "TAG+" (227 bytes before ID3v1): longer title, artist, album, genre.
void ReadTagPlus(Context& ctx, Span t, uint64_t offset) {
  const std::string carrier = "mp3:ID3v1:enhanced";
  struct F {
    size_t at, len;
    const char* key;
    Category category;
  };
  static constexpr F kFields[] = {{4, 60, "ID3v1+.Title", C::kDescription},
                                  {64, 60, "ID3v1+.Artist", C::kAuthor},
                                  {124, 60, "ID3v1+.Album", C::kDescription},
                                  {185, 30, "ID3v1+.Genre", C::kDescription}};
  for (const F& f : kFields) {
    std::string_view v = AsChars(t.subspan(f.at, f.len));
    v = Trim(v.substr(0, v.find('\0')));
    if (!v.empty()) ctx.Add(carrier, f.key, Latin1ToUtf8(AsBytes(v)), f.category, offset);
  }
}

// Lyrics3 (v2: "LYRICSBEGIN" fields "<id><5-digit size><data>" "<6-digit size>LYRICS200"; v1:
// "LYRICSBEGIN<lyrics>LYRICSEND") ending at in.size(): returns its first byte (in.size() if none).
size_t ReadLyrics3(Context& ctx, Span in, size_t floor) {
  const size_t end = in.size();
  const std::string carrier = "mp3:Lyrics3";
  auto digits = [&](size_t at, size_t n, size_t& out) {
    out = 0;
    for (size_t i = 0; i < n; ++i) {
      const uint8_t c = in[at + i];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  if (end >= floor + 15 + 11 && AsChars(in.subspan(end - 9, 9)) == "LYRICS200") {
    size_t size = 0;
    if (!digits(end - 15, 6, size) || size < 11 || size > end - 15 - floor) return end;
    const size_t start = end - 15 - size;
    if (AsChars(in.subspan(start, 11)) != "LYRICSBEGIN") return end;
    size_t p = start + 11;
    while (end - 15 - p >= 8 && !ctx.full()) {
      std::string id(AsChars(in.subspan(p, 3)));
      size_t len = 0;
      if (!digits(p + 3, 5, len) || len > end - 15 - p - 8) {
        ctx.Warn("mp3: malformed Lyrics3 field");
        break;
      }
      Span v = in.subspan(p + 8, len);
      p += 8 + len;
      if (!std::all_of(id.begin(), id.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) break;
      const Category c = id == "AUT" || id == "EAR" ? C::kAuthor
                         : id == "IND"              ? C::kTechnical
                                                    : C::kDescription;
      std::string text(Trim(BytesToText(v)));
      if (!text.empty()) ctx.Add(carrier, "Lyrics3." + id, std::move(text), c, start);
    }
    return start;
  }
  if (end >= floor + 20 && AsChars(in.subspan(end - 9, 9)) == "LYRICSEND") {
    const size_t window = std::min<size_t>(end - 9 - floor, 5100 + 11);
    std::string_view region = AsChars(in.subspan(end - 9 - window, window));
    const size_t at = region.rfind("LYRICSBEGIN");
    if (at == std::string_view::npos) return end;
    const size_t start = end - 9 - window + at;
    std::string text(Trim(BytesToText(in.subspan(start + 11, end - 9 - start - 11))));
    if (!text.empty()) ctx.Add(carrier, "Lyrics3.LYR", std::move(text), C::kDescription, start);
    return start;
  }
  return end;
}

}  // namespace

size_t ReadId3v2(Context& ctx, Span tag, std::string_view carrier, uint64_t offset) {
  return Id3Reader(ctx, carrier, offset).Read(tag);
}

Status ReadMp3(Context& ctx, Span in) {
  if (in.empty()) return InvalidArgument("mp3: empty file");
  if (HasPrefix(in, "ID3") && in.size() < 10) return InvalidArgument("mp3: truncated ID3v2 header");
  size_t pos = 0;
  for (int n = 0; n < 8 && in.size() - pos >= 10 && HasPrefix(in.subspan(pos), "ID3"); ++n) {
    const size_t used = ReadId3v2(ctx, in.subspan(pos), "mp3:ID3v2", pos);
    if (used == 0) break;
    pos += used;
  }
  // Tags at the end, outermost first: ID3v1 (with TAG+ before it), then APEv2 and Lyrics3 in
  // either order.
  size_t end = in.size();
  if (end - pos >= 128 && AsChars(in.subspan(end - 128, 3)) == "TAG") {
    ReadId3v1(ctx, in.subspan(end - 128), end - 128);
    end -= 128;
    if (end - pos >= 227 && AsChars(in.subspan(end - 227, 4)) == "TAG+") {
      ReadTagPlus(ctx, in.subspan(end - 227, 227), end - 227);
      end -= 227;
    }
  }
  for (int i = 0; i < 4 && end > pos; ++i) {
    size_t start = ReadApe(ctx, in.first(end), end);
    if (start == end) start = ReadLyrics3(ctx, in.first(end), pos);
    if (start == end || start < pos) break;
    end = start;
  }
  return OkStatus();
}

}  // namespace custody::metadata::internal
