// RIFF containers: WebP (EXIF, XMP, ICCP, C2PA, unknown chunks; alpha facts for the stealth
// check) and WAV/RF64 (LIST INFO and other LIST types, id3/ID3, bext, iXML, axml, _PMX XMP,
// C2PA, unknown chunks). Carrier names "webp:<FOURCC>", "wav:<FOURCC>", "wav:LIST:<type>" with
// trailing spaces trimmed, as in media/scrub.h.
#include <algorithm>
#include <cstdio>

#include "media/metadata/internal.h"

namespace custody::metadata::internal {
namespace {

using C = Category;

struct InfoField {
  const char* id;
  Category category;
};

constexpr InfoField kInfoFields[] = {
    {"INAM", C::kDescription}, {"IART", C::kAuthor},      {"ICMT", C::kDescription},
    {"ICOP", C::kCopyright},   {"ICRD", C::kTime},        {"ISFT", C::kSoftware},
    {"IENG", C::kAuthor},      {"ITCH", C::kAuthor},      {"IKEY", C::kDescription},
    {"ISBJ", C::kDescription}, {"ISRC", C::kAuthor},      {"IPRD", C::kDescription},
    {"IGNR", C::kDescription}, {"ICMS", C::kAuthor},      {"ITRK", C::kDescription},
    {"IPRT", C::kDescription}, {"IARL", C::kOther},       {"ICRP", C::kTechnical},
    {"IDIM", C::kTechnical},   {"IDPI", C::kTechnical},   {"ILGT", C::kTechnical},
    {"IMED", C::kTechnical},   {"IPLT", C::kTechnical},   {"ISHP", C::kTechnical},
    {"ISRF", C::kTechnical},   {"ISMP", C::kTechnical},   {"IDIT", C::kTime},
    {"ISTR", C::kAuthor},      {"IWRI", C::kAuthor},      {"IPRO", C::kAuthor},
    {"ICNM", C::kAuthor},      {"IEDT", C::kAuthor},      {"ICAS", C::kAuthor},
    {"ILNG", C::kOther},       {"ITOC", C::kDescription}, {"ISGN", C::kDescription},
    {"ICNT", C::kGps},         {"ICTY", C::kGps},         {"ILOC", C::kGps},
};

Category InfoCategory(std::string_view list_type, std::string_view id) {
  if (list_type == "INFO") {
    for (const InfoField& f : kInfoFields) {
      if (id == f.id) return f.category;
    }
    return C::kOther;
  }
  if (list_type == "exif") {  // Pentax/Casio EXIF-in-WAV
    if (id == "ecor" || id == "emdl" || id == "emnt") return C::kDevice;
    if (id == "etim" || id == "edat") return C::kTime;
    if (id == "eucm") return C::kDescription;
    return C::kTechnical;
  }
  if (list_type == "adtl") return C::kDescription;
  return C::kOther;
}

// A chunk's text (NUL-terminated or padded), or nullopt-ish empty when it is not text.
bool ChunkText(Span data, std::string& out) {
  std::string_view chars = TrimNuls(AsChars(data));
  if (!LooksLikeText(AsBytes(chars))) {
    // Legacy INFO text is often Latin-1 / Windows-1252.
    for (char c : chars) {
      auto u = static_cast<uint8_t>(c);
      if (u < 0x20 && c != '\t' && c != '\r' && c != '\n') return false;
    }
    out = std::string(Trim(Latin1ToUtf8(AsBytes(chars))));
    return true;
  }
  out = std::string(Trim(chars));
  return true;
}

struct RiffChunk {
  std::string id;  // trimmed
  Span data;
  uint64_t offset;
};

// Walks chunks in in[begin, end). A chunk that runs past `end` but not past `hard_end` is read
// (writers get the RIFF size wrong) and the walk continues to `hard_end`. Returns where the walk
// stopped: the end of the last whole chunk, or the boundary.
template <typename F>
size_t WalkChunks(Context& ctx, Span in, size_t begin, size_t end, size_t hard_end,
                  std::string_view what, F&& f, uint64_t rf64_data_size = 0) {
  if (begin > end) return end;
  size_t pos = begin;
  while (end - pos >= 8 && !ctx.full()) {
    std::string id = FourCC(in.subspan(pos, 4));
    uint64_t len = U32Le(in, pos + 4);
    if (rf64_data_size != 0 && id == "data" && len == 0xFFFFFFFFu) len = rf64_data_size;
    if (len > end - pos - 8) {
      if (len <= hard_end - pos - 8) {
        ctx.Warn(std::string(what) + ": chunk '" + id + "' at byte " + std::to_string(pos) +
                 " extends past the RIFF size");
        end = hard_end;
      } else {
        ctx.Warn(std::string(what) + (id == "data"
                                          ? ": audio data is truncated"
                                          : ": chunk '" + id + "' at byte " + std::to_string(pos) +
                                                " runs past the end"));
        return end;
      }
    }
    if (!f(RiffChunk{id, in.subspan(pos + 8, size_t(len)), pos})) return pos;
    pos += 8 + size_t(len);
    if (len % 2 == 1 && pos < end) ++pos;  // pad byte
  }
  return std::max(pos, end);
}

void AddUnknown(Context& ctx, const std::string& carrier, const std::string& key, Span data,
                uint64_t offset) {
  if (!data.empty() && LooksLikeText(AsBytes(TrimNuls(AsChars(data))))) {
    ctx.Add(carrier, key, std::string(Trim(AsChars(data))), ClassifyName(key), offset);
  } else {
    ctx.AddBinary(carrier, key, key + " chunk", data.size(), C::kOther, offset);
  }
}

void AddTrailing(Context& ctx, std::string_view fmt, Span in, size_t end) {
  if (end >= in.size()) return;
  Span rest = in.subspan(end);
  std::string carrier = std::string(fmt) + ":trailing-data";
  if (HasPrefix(rest, "ID3")) {  // an ID3 tag appended after the RIFF chunk (some audio tools)
    ScopedNesting nest(ctx);
    if (nest.ok() && ReadId3v2(ctx, rest, carrier, end) == rest.size()) return;
  }
  if (LooksLikeText(rest)) {
    ctx.Add(carrier, "trailing-data", std::string(AsChars(rest)), C::kOther, end);
  } else {
    ctx.AddBinary(carrier, "trailing-data", "data after the RIFF chunk", rest.size(), C::kOther,
                  end);
  }
}

// ---------------------------------------------------------------- WebP

void WebpChunk(Context& ctx, const RiffChunk& c, bool& facts_from_vp8x) {
  const std::string carrier = "webp:" + c.id;
  Span d = c.data;
  ImageFacts& img = ctx.image();
  if (c.id == "VP8X") {
    if (d.size() >= 10) {
      img.has_alpha = (d[0] & 0x10) != 0;
      img.animated = (d[0] & 0x02) != 0;
      img.width = 1 + uint64_t(d[4] | d[5] << 8 | d[6] << 16);
      img.height = 1 + uint64_t(d[7] | d[8] << 8 | d[9] << 16);
      facts_from_vp8x = true;
    }
  } else if (c.id == "VP8L") {
    if (!facts_from_vp8x && d.size() >= 5 && d[0] == 0x2F) {
      const uint32_t v = U32Le(d, 1);
      img.width = (v & 0x3FFF) + 1;
      img.height = ((v >> 14) & 0x3FFF) + 1;
      img.has_alpha = ((v >> 28) & 1) != 0;
    }
  } else if (c.id == "VP8") {
    if (!facts_from_vp8x && d.size() >= 10) {
      img.width = U16Le(d, 6) & 0x3FFF;
      img.height = U16Le(d, 8) & 0x3FFF;
    }
  } else if (c.id == "ALPH") {
    img.has_alpha = true;
  } else if (c.id == "ANIM") {
    img.animated = true;
  } else if (c.id == "ANMF") {
    // A frame: 16 bytes of geometry, then its image chunks; anything else in it is a carrier.
    img.animated = true;
    if (d.size() > 16) {
      const size_t begin = size_t(d.data() - ctx.file().data()) + 16;
      WalkChunks(ctx, ctx.file(), begin, begin + d.size() - 16, begin + d.size() - 16, "webp:ANMF",
                 [&](const RiffChunk& sub) {
                   if (sub.id != "ALPH" && sub.id != "VP8" && sub.id != "VP8L") {
                     AddUnknown(ctx, "webp:ANMF/" + sub.id, sub.id, sub.data, sub.offset);
                   }
                   return true;
                 });
    }
  } else if (c.id == "EXIF") {
    ScopedNesting nest(ctx);
    if (nest.ok()) ReadExifBlock(ctx, d, carrier, c.offset);
  } else if (c.id == "XMP") {
    ScopedNesting nest(ctx);
    if (nest.ok()) ReadXmp(ctx, d, carrier, c.offset);
  } else if (c.id == "ICCP") {
    ReadIcc(ctx, d, carrier, c.offset);
  } else if (c.id == "C2PA") {
    ctx.NoteC2pa(d, carrier, c.offset);
  } else {
    AddUnknown(ctx, carrier, c.id, d, c.offset);
  }
}

// ---------------------------------------------------------------- WAV

void ListChunk(Context& ctx, Span in, const RiffChunk& c) {
  if (c.data.size() < 4) {
    ctx.Warn("wav: LIST chunk is truncated");
    return;
  }
  const std::string type = FourCC(c.data.first(4));
  const std::string carrier = "wav:LIST:" + type;
  const size_t begin = size_t(c.data.data() - in.data()) + 4;
  const size_t end = begin + c.data.size() - 4;
  WalkChunks(ctx, in, begin, end, end, carrier, [&](const RiffChunk& sub) {
    Span d = sub.data;
    std::string key = type + "." + sub.id;
    if (type == "adtl" && (sub.id == "labl" || sub.id == "note") && d.size() >= 4) {
      d = d.subspan(4);  // cue point id
    } else if (type == "adtl" && sub.id == "ltxt" && d.size() >= 20) {
      d = d.subspan(20);
    }
    std::string text;
    if (ChunkText(d, text)) {
      if (!text.empty())
        ctx.Add(carrier, std::move(key), std::move(text), InfoCategory(type, sub.id), c.offset);
    } else {
      ctx.AddBinary(carrier, std::move(key), sub.id + " subchunk", d.size(),
                    InfoCategory(type, sub.id), c.offset);
    }
    return true;
  });
}

// EBU Tech 3285 broadcast extension: fixed-width ASCII fields, then free-form coding history.
void BextChunk(Context& ctx, const RiffChunk& c) {
  const std::string carrier = "wav:bext";
  Span d = c.data;
  struct Field {
    size_t at, len;
    const char* key;
    Category category;
  };
  static constexpr Field kFields[] = {
      {0, 256, "bext.Description", C::kDescription},    {256, 32, "bext.Originator", C::kAuthor},
      {288, 32, "bext.OriginatorReference", C::kOther}, {320, 10, "bext.OriginationDate", C::kTime},
      {330, 8, "bext.OriginationTime", C::kTime},
  };
  for (const Field& f : kFields) {
    if (d.size() < f.at + f.len) break;
    // Fields are NUL-padded: cut at the first NUL.
    Span field = d.subspan(f.at, f.len);
    field = field.first(std::find(field.begin(), field.end(), 0) - field.begin());
    std::string text;
    if (ChunkText(field, text) && !text.empty()) {
      ctx.Add(carrier, f.key, std::move(text), f.category, c.offset);
    }
  }
  if (d.size() >= 348 + 64) {
    Span umid = d.subspan(348, 64);
    if (std::any_of(umid.begin(), umid.end(), [](uint8_t b) { return b != 0; })) {
      ctx.Add(carrier, "bext.UMID", HexEncode(umid), C::kOther, c.offset);
    }
  }
  if (d.size() > 602) {
    std::string text;
    if (ChunkText(d.subspan(602), text) && !text.empty()) {
      ctx.Add(carrier, "bext.CodingHistory", std::move(text), C::kSoftware, c.offset);
    }
  }
}

void WavChunk(Context& ctx, Span in, const RiffChunk& c) {
  const std::string carrier = "wav:" + c.id;
  // The audio itself; every other chunk is a carrier, as the scrubber lists them.
  if (c.id == "fmt" || c.id == "data" || c.id == "fact" || c.id == "ds64") return;
  static constexpr std::string_view kTechnical[] = {"cue",  "smpl", "inst", "PEAK", "JUNK",
                                                    "junk", "pad",  "FLLR", "wavl", "slnt",
                                                    "plst", "levl", "chna", "dbmd"};
  if (std::find(std::begin(kTechnical), std::end(kTechnical), c.id) != std::end(kTechnical)) {
    const bool empty = std::all_of(c.data.begin(), c.data.end(), [](uint8_t b) { return b == 0; });
    if (!empty || (c.id != "JUNK" && c.id != "junk" && c.id != "pad" && c.id != "FLLR")) {
      ctx.AddBinary(carrier, c.id, c.id + " chunk", c.data.size(), C::kTechnical, c.offset);
    }
    return;
  }
  ScopedNesting nest(ctx);
  if (!nest.ok()) return;
  if (c.id == "LIST") {
    ListChunk(ctx, in, c);
  } else if (c.id == "id3" || c.id == "ID3" || c.id == "ID32") {
    if (ReadId3v2(ctx, c.data, carrier, c.offset) == 0) {
      ctx.AddBinary(carrier, c.id, "unreadable ID3 tag", c.data.size(), C::kOther, c.offset);
    }
  } else if (c.id == "bext") {
    BextChunk(ctx, c);
  } else if (c.id == "_PMX") {
    ReadXmp(ctx, c.data, carrier, c.offset);
  } else if (c.id == "C2PA") {
    ctx.NoteC2pa(c.data, carrier, c.offset);
  } else if (c.id == "iXML" || c.id == "axml") {
    std::string text;
    if (ChunkText(c.data, text)) {
      ctx.Add(carrier, c.id, std::move(text), C::kOther, c.offset);
    } else {
      ctx.AddBinary(carrier, c.id, c.id + " chunk", c.data.size(), C::kOther, c.offset);
    }
  } else {
    AddUnknown(ctx, carrier, c.id, c.data, c.offset);
  }
}

}  // namespace

Status ReadWebp(Context& ctx, Span in) {
  if (in.size() < 20 || !HasPrefix(in, "RIFF") || AsChars(in.subspan(8, 4)) != "WEBP") {
    return InvalidArgument("webp: truncated header");
  }
  const uint64_t riff_size = U32Le(in, 4);
  size_t end = in.size();
  if (riff_size + 8 < 20) {
    ctx.Warn("webp: RIFF size is too small; reading to the end of the file");
  } else if (riff_size + 8 < in.size()) {
    end = size_t(riff_size + 8);
  } else if (riff_size + 8 > in.size()) {
    ctx.Warn("webp: the file is shorter than its RIFF header says");
  }
  const uint64_t first_len = U32Le(in, 16);
  if (first_len > in.size() - 20) return InvalidArgument("webp: truncated first chunk");
  bool facts_from_vp8x = false;
  end = WalkChunks(ctx, in, 12, end, in.size(), "webp", [&](const RiffChunk& c) {
    WebpChunk(ctx, c, facts_from_vp8x);
    return true;
  });
  AddTrailing(ctx, "webp", in, end);
  return OkStatus();
}

Status ReadWav(Context& ctx, Span in) {
  const bool rf64 = HasPrefix(in, "RF64") || HasPrefix(in, "BW64");
  if (in.size() < 20 || !(HasPrefix(in, "RIFF") || rf64) || AsChars(in.subspan(8, 4)) != "WAVE") {
    return InvalidArgument("wav: truncated header");
  }
  size_t end = in.size();
  uint64_t data_size = 0;
  if (rf64) {
    // ds64 must come first: RIFF size (8), data size (8), sample count (8), table.
    if (in.size() >= 48 && AsChars(in.subspan(12, 4)) == "ds64" && U32Le(in, 16) >= 24) {
      const uint64_t riff_size = U64Le(in, 20);
      data_size = U64Le(in, 28);
      if (riff_size + 8 < in.size() && riff_size + 8 >= 12) end = size_t(riff_size + 8);
    } else {
      ctx.Warn("wav: RF64 file without a ds64 chunk");
    }
  } else {
    const uint64_t riff_size = U32Le(in, 4);
    if (riff_size + 8 < 12) {
      ctx.Warn("wav: RIFF size is too small; reading to the end of the file");
    } else if (riff_size + 8 < in.size()) {
      end = size_t(riff_size + 8);
    } else if (riff_size + 8 > in.size()) {
      ctx.Warn("wav: the file is shorter than its RIFF header says");
    }
  }
  end = WalkChunks(
      ctx, in, 12, end, in.size(), "wav",
      [&](const RiffChunk& c) {
        WavChunk(ctx, in, c);
        return true;
      },
      data_size);
  AddTrailing(ctx, "wav", in, end);
  return OkStatus();
}

}  // namespace custody::metadata::internal
