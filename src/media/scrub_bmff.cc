// The ISO-BMFF container of the scrubber: MP4, QuickTime .mov and M4A (video/mp4, also
// video/quicktime and audio/mp4).
//
// Boxes: size u32 BE | type | [u64 size when size == 1] | [16-byte user type for `uuid`] |
// payload; size 0 runs to the end of the container. Removing a box would move every later byte
// and invalidate the absolute file offsets the format stores (stco/co64 chunk offsets, tfhd base
// offsets, iloc, saio, tfra). So a removed box is instead rewritten in place as a `free` box of
// the same size with an all-zero payload: no offset moves, the sample data (mdat) is bit-exact,
// and fragmented files need no special care. The file keeps its size.
//
// What is walked, and what is kept: the top level and the structural containers (moov, trak,
// mdia, minf, stbl, edts, dinf, mvex, moof, traf, mfra) are walked with a per-container
// allow-list of the boxes needed for playback; everything else met there (udta, meta, ilst,
// keys, uuid, QuickTime '©xyz' atoms, unknown boxes) is removed, and the payload of free/skip/
// wide boxes is zeroed. Boxes on the allow-list that are not containers (stsd, hdlr, ...) are
// kept verbatim and not looked into.
#include <algorithm>
#include <array>
#include <limits>

#include "media/scrub_internal.h"

namespace custody::scrub_internal {
namespace {

constexpr std::string_view kMp4 = "MP4";
// Real files nest five deep (moov/trak/mdia/minf/stbl); the allow-lists bound it anyway.
constexpr int kMaxDepth = 16;

constexpr std::array<uint8_t, 16> kXmpUuid = {0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8,
                                              0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC};
constexpr std::array<uint8_t, 16> kC2paUuid = {0xD8, 0xFE, 0xC3, 0xD6, 0x1B, 0x0E, 0x48, 0x3C,
                                               0x92, 0x97, 0x58, 0x28, 0x87, 0x7E, 0xC4, 0x81};

struct Box {
  size_t offset = 0;
  size_t size = 0;    // the whole box, header included
  size_t header = 0;  // 8, or 16 with a 64-bit size (a uuid's user type is payload here)
  Span type;

  bool Is(std::string_view cc) const { return HasPrefix(type, cc); }
  size_t payload() const { return offset + header; }
  size_t payload_size() const { return size - header; }
  size_t end() const { return offset + size; }
};

Result<Box> ReadBox(Span d, size_t pos, size_t end) {
  const size_t left = end - pos;
  if (left < 8) return Malformed(kMp4, pos, "truncated box header");
  Box b;
  b.offset = pos;
  b.type = d.subspan(pos + 4, 4);
  uint64_t size = U32Be(d, pos);
  b.header = 8;
  if (size == 1) {
    if (left < 16) return Malformed(kMp4, pos, "truncated 64-bit box size");
    size = U64Be(d, pos + 8);
    b.header = 16;
  } else if (size == 0) {
    size = left;
  }
  if (size < b.header) return Malformed(kMp4, pos, "box size smaller than its header");
  if (size > left) return Malformed(kMp4, pos, "box runs past the end of its container");
  b.size = size_t(size);
  if (b.Is("uuid") && b.payload_size() < 16) {
    return Malformed(kMp4, pos, "uuid box without a user type");
  }
  return b;
}

Result<std::vector<Box>> ReadBoxes(Span d, size_t start, size_t end) {
  std::vector<Box> boxes;
  for (size_t pos = start; pos < end;) {
    ASSIGN_OR_RETURN(Box b, ReadBox(d, pos, end));
    pos = b.end();
    boxes.push_back(b);
  }
  return boxes;
}

// The first child of type `cc` in [start, end); nullopt when absent or unparseable (the walk
// reports malformed containers itself).
std::optional<Box> FindChild(Span d, size_t start, size_t end, std::string_view cc) {
  Result<std::vector<Box>> boxes = ReadBoxes(d, start, end);
  if (!boxes.ok()) return std::nullopt;
  for (const Box& b : *boxes) {
    if (b.Is(cc)) return b;
  }
  return std::nullopt;
}

// A meta box is a full box in ISO files (version+flags, then children) but a plain container in
// QuickTime (children at once, starting with hdlr).
size_t MetaChildrenStart(Span d, const Box& meta) {
  const bool quicktime = meta.payload_size() >= 8 && HasAt(d, meta.payload() + 4, "hdlr");
  return meta.payload() + (quicktime ? 0 : 4);
}

// The handler type of an hdlr box (full box: version+flags, pre_defined, handler_type).
std::optional<std::string> HandlerType(Span d, const Box& hdlr) {
  if (hdlr.payload_size() < 12) return std::nullopt;
  return std::string(AsChars(d.subspan(hdlr.payload() + 8, 4)));
}

std::optional<std::string> MetaHandler(Span d, const Box& meta) {
  const size_t start = MetaChildrenStart(d, meta);
  if (start > meta.end()) return std::nullopt;
  std::optional<Box> hdlr = FindChild(d, start, meta.end(), "hdlr");
  return hdlr ? HandlerType(d, *hdlr) : std::nullopt;
}

// Whether a meta box locates items (iloc with at least one item): their data may live outside
// the box (in mdat), where zeroing the box would leave it behind.
bool MetaHasItems(Span d, const Box& meta) {
  const size_t start = MetaChildrenStart(d, meta);
  if (start > meta.end()) return false;
  std::optional<Box> iloc = FindChild(d, start, meta.end(), "iloc");
  if (!iloc || iloc->payload_size() < 8) return false;
  const size_t p = iloc->payload();
  if (d[p] < 2) return U16Be(d, p + 6) != 0;
  return iloc->payload_size() < 10 || U32Be(d, p + 6) != 0;
}

// The handler of a trak (trak/mdia/hdlr).
std::optional<std::string> TrackHandler(Span d, const Box& trak) {
  std::optional<Box> mdia = FindChild(d, trak.payload(), trak.end(), "mdia");
  if (!mdia) return std::nullopt;
  std::optional<Box> hdlr = FindChild(d, mdia->payload(), mdia->end(), "hdlr");
  return hdlr ? HandlerType(d, *hdlr) : std::nullopt;
}

bool AllZero(Span s) {
  return std::all_of(s.begin(), s.end(), [](uint8_t b) { return b == 0; });
}

std::string UuidLabel(Span d, const Box& b) {
  Span user_type = d.subspan(b.payload(), 16);
  if (std::equal(kXmpUuid.begin(), kXmpUuid.end(), user_type.begin())) return "xmp";
  if (std::equal(kC2paUuid.begin(), kC2paUuid.end(), user_type.begin())) return "c2pa";
  return HexEncode(user_type);
}

struct Allowed {
  std::string_view container;  // "" for the top level
  std::vector<std::string_view> children;
};
const std::vector<Allowed>& AllowLists() {
  static const std::vector<Allowed> kLists = {
      {"", {"ftyp", "styp", "moov", "mdat", "moof", "mfra", "sidx", "ssix", "prft", "pdin"}},
      {"moov", {"mvhd", "trak", "mvex", "iods", "pssh", "clip", "ctab"}},
      {"trak",
       {"tkhd", "tref", "trgr", "edts", "mdia", "tapt", "clip", "matt", "load", "imap", "txas"}},
      {"mdia", {"mdhd", "hdlr", "minf", "elng"}},
      {"minf", {"vmhd", "smhd", "hmhd", "nmhd", "sthd", "gmhd", "dinf", "stbl", "hdlr"}},
      {"stbl",
       {"stsd", "stts", "ctts", "cslg", "stsc", "stsz", "stz2", "stco", "co64", "stss", "stsh",
        "padb", "stdp", "sdtp", "sbgp", "sgpd", "subs", "saiz", "saio", "stps", "csgp"}},
      {"edts", {"elst"}},
      {"dinf", {"dref"}},
      {"mvex", {"mehd", "trex", "leva", "trep"}},
      {"moof", {"mfhd", "traf", "pssh"}},
      {"traf", {"tfhd", "tfdt", "trun", "sbgp", "sgpd", "subs", "saiz", "saio", "senc"}},
      {"mfra", {"tfra", "mfro"}},
  };
  return kLists;
}

const Allowed* AllowListFor(std::string_view container) {
  for (const Allowed& a : AllowLists()) {
    if (a.container == container) return &a;
  }
  return nullptr;
}

// One walk of the box tree: lists the carriers and, for a scrub, decides what to zero. Used once,
// by one thread (Walk, then the accessors or Rewrite); holds a view of the input, which must
// outlive it.
class Walker {
 public:
  explicit Walker(Span in) : in_(in) {}

  Status Walk() {
    heif_brand_ = HasHeifBrand(in_);
    RETURN_IF_ERROR(WalkLevel(0, in_.size(), "", "", 0));
    if (!saw_movie_) return Malformed(kMp4, 0, "no movie box (moov or moof)");
    return OkStatus();
  }

  const std::vector<std::string>& carriers() const { return carriers_; }
  // The first reason the file cannot be scrubbed safely (listing it is fine).
  const std::optional<Error>& unsupported() const { return unsupported_; }

  // The scrubbed file: removed boxes become zero-filled `free` boxes of the same size.
  Result<Bytes> Rewrite() const {
    RETURN_IF_ERROR(CheckChunkOffsets());
    Bytes out(in_.begin(), in_.end());
    for (const Box& b : removed_) {
      std::copy_n("free", 4, out.begin() + long(b.offset + 4));
      std::fill(out.begin() + long(b.payload()), out.begin() + long(b.end()), 0);
    }
    for (const Box& b : cleared_) {
      std::fill(out.begin() + long(b.payload()), out.begin() + long(b.end()), 0);
    }
    return out;
  }

 private:
  void Remove(const Box& b, std::string name) {
    carriers_.push_back(std::move(name));
    removed_.push_back(b);
  }
  void Refuse(std::string what) {
    if (!unsupported_) unsupported_ = Unsupported(kMp4, what);
  }

  Status WalkLevel(size_t start, size_t end, const std::string& path, std::string_view container,
                   int depth) {
    if (depth > kMaxDepth) return Malformed(kMp4, start, "boxes nested too deeply");
    const Allowed* allowed = AllowListFor(container);
    ASSIGN_OR_RETURN(std::vector<Box> boxes, ReadBoxes(in_, start, end));
    for (const Box& b : boxes) {
      const std::string type = Printable(b.type, 4);
      const std::string here = path.empty() ? type : path + "/" + type;
      if (b.Is("free") || b.Is("skip") || b.Is("wide")) {
        // Free space may hold leftovers of earlier edits ("deleted" metadata renamed to free).
        if (!AllZero(in_.subspan(b.payload(), b.payload_size()))) {
          carriers_.push_back("mp4:" + here);
          cleared_.push_back(b);
        }
        continue;
      }
      if (b.Is("uuid")) {
        Remove(b, "mp4:" + (path.empty() ? "" : path + "/") + "uuid:" + UuidLabel(in_, b));
        continue;
      }
      if (b.Is("meta")) {
        std::optional<std::string> handler = MetaHandler(in_, b);
        if (depth == 0 && (heif_brand_ || handler == "pict")) {
          Refuse("HEIF/AVIF image items (a top-level meta box) cannot be scrubbed");
        } else if (MetaHasItems(in_, b)) {
          Refuse("the meta box at " + here +
                 " locates items whose data may lie outside it; cannot scrub it safely");
        }
        Remove(b, "mp4:" + here);
        continue;
      }
      if (b.Is("cmov")) {
        Refuse("a compressed movie header (cmov) cannot be scrubbed");
        Remove(b, "mp4:" + here);
        continue;
      }
      const bool on_list =
          allowed != nullptr && std::find(allowed->children.begin(), allowed->children.end(),
                                          AsChars(b.type)) != allowed->children.end();
      if (!on_list) {
        Remove(b, "mp4:" + here);  // udta, ilst, keys, '©xyz', unknown boxes
        continue;
      }
      if (b.Is("moov") || b.Is("moof")) saw_movie_ = true;
      if (b.Is("trak")) {
        std::optional<std::string> handler = TrackHandler(in_, b);
        if (handler == "meta" || handler == "camm") {
          // Timed metadata (GPS telemetry, camera motion) is sample data in mdat: removing it
          // means re-muxing, which this scrubber does not do.
          carriers_.push_back("mp4:" + here + ":timed-metadata");
          Refuse("a timed-metadata track (handler '" + *handler +
                 "') would need re-muxing to remove");
        }
      }
      if (b.Is("stco") || b.Is("co64")) RETURN_IF_ERROR(ReadChunkOffsets(b));
      if (AllowListFor(type) != nullptr) {  // a structural container: walk it too
        RETURN_IF_ERROR(WalkLevel(b.payload(), b.end(), here, type, depth + 1));
      }
    }
    return OkStatus();
  }

  Status ReadChunkOffsets(const Box& b) {
    const size_t width = b.Is("co64") ? 8 : 4;
    if (b.payload_size() < 8) return Malformed(kMp4, b.offset, "chunk offset box too short");
    const uint64_t count = U32Be(in_, b.payload() + 4);
    if ((b.payload_size() - 8) / width < count) {
      return Malformed(kMp4, b.offset, "chunk offset table runs past its box");
    }
    for (size_t i = 0; i < count; ++i) {
      const size_t at = b.payload() + 8 + i * width;
      chunk_offsets_.push_back(width == 8 ? U64Be(in_, at) : U32Be(in_, at));
    }
    return OkStatus();
  }

  // A chunk offset into a box we zero would destroy sample data: refuse instead.
  Status CheckChunkOffsets() const {
    std::vector<std::pair<size_t, size_t>> ranges;
    for (const auto* list : {&removed_, &cleared_}) {
      for (const Box& b : *list) ranges.emplace_back(b.offset, b.end());
    }
    std::sort(ranges.begin(), ranges.end());
    for (uint64_t off : chunk_offsets_) {
      auto it = std::upper_bound(ranges.begin(), ranges.end(),
                                 std::make_pair(size_t(off), std::numeric_limits<size_t>::max()));
      if (it != ranges.begin() && off < std::prev(it)->second) {
        return Unsupported(kMp4, "sample data (chunk offset " + std::to_string(off) +
                                     ") lies inside a box that would be removed");
      }
    }
    return OkStatus();
  }

  Span in_;
  bool heif_brand_ = false;
  bool saw_movie_ = false;
  std::vector<std::string> carriers_;
  std::vector<Box> removed_;  // rewritten as zero-filled free boxes
  std::vector<Box> cleared_;  // free/skip/wide boxes whose payload is zeroed
  std::vector<uint64_t> chunk_offsets_;
  std::optional<Error> unsupported_;
};

}  // namespace

bool LooksLikeQuickTimeWithoutFtyp(Span in) {
  if (in.size() < 8) return false;
  for (std::string_view t : {"moov", "mdat", "wide", "free", "skip", "pnot"}) {
    if (HasAt(in, 4, t)) return true;
  }
  return false;
}

bool HasHeifBrand(Span in) {
  if (in.size() < 16 || !HasAt(in, 4, "ftyp")) return false;
  const size_t size = std::min<size_t>(U32Be(in, 0), in.size());
  for (size_t at = 8; at + 4 <= size; at += at == 8 ? 8 : 4) {  // major, skip minor, compatible
    for (std::string_view brand :
         {"heic", "heix", "heim", "heis", "mif1", "msf1", "avif", "avis"}) {
      if (HasAt(in, at, brand)) return true;
    }
  }
  return false;
}

Result<Bytes> ScrubBmff(Span in, const ScrubPolicy&, ScrubReport& report) {
  Walker walker(in);
  RETURN_IF_ERROR(walker.Walk());
  if (walker.unsupported()) return *walker.unsupported();
  ASSIGN_OR_RETURN(Bytes out, walker.Rewrite());
  report.removed.insert(report.removed.end(), walker.carriers().begin(), walker.carriers().end());
  return out;
}

Result<std::vector<std::string>> ListBmff(Span in) {
  Walker walker(in);
  RETURN_IF_ERROR(walker.Walk());
  return walker.carriers();
}

}  // namespace custody::scrub_internal
