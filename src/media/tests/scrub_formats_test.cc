// The scrubber on WebP (still and animated), WAV (RIFF and RF64), MP4/MOV/M4A and MP3: synthetic
// files laden with generation metadata (ComfyUI prompt/workflow, A1111 parameters, GPS, authors,
// XMP with DigitalSourceType, C2PA), the real files in shared/fixtures, and hostile inputs.
// What every scrub must show: no secret left anywhere in the output bytes, only allowed carriers
// when the output is listed again, and the media itself untouched (decoded pixels, WAV samples,
// mdat bytes and chunk offsets, MP3 frames).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "media/media.h"
#include "media/scrub.h"
#include "media/tests/test_util.h"

namespace custody {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;  // NOLINT(google-build-using-namespace): "\0" in literals
using media_test::Concat;
using media_test::Mp4Box;
using media_test::Mp4FullBox;
using media_test::Mp4Spec;
using media_test::Mp4Uuid;
using media_test::RiffChunk;

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

const std::string kComfyPrompt =
    R"({"3":{"class_type":"KSampler","inputs":{"seed":42,"steps":20}},"6":{"class_type":"CLIPTextEncode","inputs":{"text":"a red fox in the snow"}}})";
const std::string kComfyWorkflow =
    R"({"last_node_id":9,"last_link_id":9,"nodes":[{"type":"KSampler"}],"links":[]})";
const std::string kInfotext =
    "a red fox in the snow\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
    "Seed: 235284042, Size: 48x32, Model hash: c0d1994c73";
const std::string kXmpPacket =
    R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"><dc:creator><rdf:Seq><rdf:li>Jane Artist</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>)";
const Bytes kC2paStore =
    Str("\0\0\0\x40jumb\0\0\0\x18jumdc2pa\0\x11\0\x10\x80\0\0\xaa\0\x38\x9b\x71"
        "c2pa.claim c2pa.signature manifest-bytes"s);

// Strings that must not survive any scrub of the synthetic files (searched as ASCII and UTF-16).
const std::vector<std::string> kSecrets = {
    "class_type",   "last_node_id",     "KSampler",    "Negative prompt", "Steps: 20",
    "a red fox",    "trainedAlgorithm", "xmpmeta",     "Jane Artist",     "jumb",
    "c2pa",         "Paris-secret",     "UNICODE",     "workflow:",       "prompt:",
    "ComfyUI-tool", "(c) Custody",      "Lavf-secret", "+48.8577"};

media_test::AiExif ComfyExif() {
  media_test::AiExif e;
  e.workflow = kComfyWorkflow;
  e.prompt = kComfyPrompt;
  e.artist = "Jane Artist";
  e.copyright = "(c) Custody";
  e.user_comment = kInfotext;
  e.gps_area = "Paris-secret-spot";
  return e;
}

class FormatsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(InitMedia().ok()); }

  static Bytes Scrub(const Bytes& in, std::string_view type, const ScrubPolicy& policy = {},
                     ScrubReport* report = nullptr) {
    auto out = ScrubMetadata(in, type, policy, report);
    EXPECT_TRUE(out.ok()) << out.error().ToString();
    return out.ok() ? *out : Bytes{};
  }
  static std::vector<std::string> List(const Bytes& in, std::string_view type) {
    auto list = ListMetadata(in, type);
    EXPECT_TRUE(list.ok()) << list.error().ToString();
    return list.ok() ? *list : std::vector<std::string>{};
  }
  static bool Has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }
  static void ExpectAll(const std::vector<std::string>& v, const std::vector<std::string>& names) {
    for (const auto& n : names) EXPECT_TRUE(Has(v, n)) << "missing: " << n;
  }
  static void ExpectOnly(const std::vector<std::string>& carriers,
                         const std::set<std::string>& allowed) {
    for (const auto& c : carriers) EXPECT_TRUE(allowed.count(c)) << "carrier left: " << c;
  }
  static void ExpectNoSecrets(const Bytes& out,
                              const std::vector<std::string>& secrets = kSecrets) {
    for (const auto& s : secrets) {
      EXPECT_FALSE(media_test::ContainsAnyEncoding(out, s)) << "left in the output: " << s;
    }
  }
  static void ExpectError(const Bytes& in, std::string_view type, ErrorCode code,
                          const std::string& why) {
    auto r = ScrubMetadata(in, type, {}, nullptr);
    ASSERT_FALSE(r.ok()) << why;
    EXPECT_EQ(r.error().code(), code) << why << ": " << r.error().ToString();
    EXPECT_FALSE(r.error().message().empty()) << why;
  }

  // ---- WebP ----

  // An extended still WebP (VP8X, ICCP, ALPH, VP8) with EXIF, XMP, C2PA, an unknown chunk and
  // bytes after the RIFF.
  Bytes LadenWebp() const {
    Bytes w = media_test::MakeWebp(48, 32, 4);
    w = media_test::InsertRiffChunk(w, 1, "ICCP", media_test::SrgbIccProfile());
    w = media_test::InsertRiffChunk(w, 99, "EXIF", media_test::AiExifTiff(ComfyExif()));
    w = media_test::InsertRiffChunk(w, 99, "XMP ", Str(kXmpPacket));
    w = media_test::InsertRiffChunk(w, 99, "C2PA", kC2paStore);
    w = media_test::InsertRiffChunk(w, 99, "Cmfy", Str("ComfyUI-tool " + kComfyPrompt + "!"));
    w[20] = 0x20 | 0x10 | 0x08 | 0x04;  // VP8X flags: ICC, alpha, EXIF, XMP
    Bytes tail = Str("appended prompt: a red fox");
    w.insert(w.end(), tail.begin(), tail.end());
    return w;
  }

  // ---- WAV ----

  Bytes LadenWav(const Bytes& base) const {
    Bytes w = base;
    auto add = [&](std::string_view id, const Bytes& data) {
      w = media_test::InsertRiffChunk(w, 99, id, data);
    };
    add("LIST", media_test::RiffListData("INFO", {RiffChunk("IART", Str("Jane Artist")),
                                                  RiffChunk("ICMT", Str(kInfotext)),
                                                  RiffChunk("ISFT", Str("ComfyUI-tool"))}));
    add("id3 ", media_test::Id3v2Tag({{"TPE1", media_test::Id3Text("Jane Artist")},
                                      {"TXXX", media_test::Id3Text("prompt\0"s + kComfyPrompt)}}));
    add("bext", Str("Negative prompt: (c) Custody " + std::string(200, ' ')));
    add("iXML", Str("<BWFXML><NOTE>workflow:" + kComfyWorkflow + "</NOTE></BWFXML>"));
    add("_PMX", Str(kXmpPacket));
    add("C2PA", kC2paStore);
    add("JUNK", Bytes(27, 0));  // odd size: a pad byte follows
    add("LIST", media_test::RiffListData("adtl", {RiffChunk("labl", Str("\1\0\0\0a red fox"s))}));
    Bytes cue = {1,   0,   0, 0, 1, 0, 0, 0, 0, 0, 0,    0, 'd', 'a',
                 't', 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0,   0};
    add("cue ", cue);
    Bytes smpl(36 + 24, 0);
    smpl[0] = 0x47;  // manufacturer
    smpl[4] = 0x99;  // product
    smpl[28] = 1;    // one loop
    add("smpl", smpl);
    Bytes tail = Str("TAG appended Jane Artist");
    w.insert(w.end(), tail.begin(), tail.end());
    return w;
  }

  // ---- MP4 ----

  // An iTunes-style metadata item ("©ART" etc. with a `data` box).
  static Bytes IlstItem(std::string_view type, std::string_view text) {
    Bytes data = {0, 0, 0, 1, 0, 0, 0, 0};
    data.insert(data.end(), text.begin(), text.end());
    return Mp4Box(type, Mp4Box("data", data));
  }
  static Bytes ItunesMeta(bool quicktime_style) {
    Bytes hdlr = {0, 0, 0, 0, 'm', 'd', 'i', 'r', 'a', 'p', 'p', 'l', 0, 0, 0, 0, 0, 0, 0, 0, 0};
    Bytes ilst = Mp4Box("ilst", Concat({IlstItem("\xA9"
                                                 "ART",
                                                 "Jane Artist"),
                                        IlstItem("\xA9too", "Lavf-secret 60.3"),
                                        IlstItem("\xA9"
                                                 "cmt",
                                                 "prompt:" + kComfyPrompt)}));
    Bytes children = Concat({Mp4FullBox("hdlr", 0, 0, hdlr), ilst});
    if (quicktime_style) {
      Bytes keys =
          Mp4FullBox("keys", 0, 0, Str("\0\0\0\1\0\0\0\x22mdtacom.apple.quicktime.artist"s));
      return Mp4Box("meta", Concat({Mp4FullBox("hdlr", 0, 0, hdlr), keys, ilst}));
    }
    return Mp4FullBox("meta", 0, 0, children);
  }
  static Mp4Spec LadenMp4Spec() {
    Mp4Spec spec;
    spec.before_moov = Concat({Mp4Uuid(media_test::kC2paUuidHex, kC2paStore),
                               Mp4Uuid(media_test::kXmpUuidHex, Str(kXmpPacket))});
    spec.moov_extra =
        Concat({Mp4Box("udta", Concat({ItunesMeta(false),
                                       Mp4Box("\xA9xyz", Str("\0\x12\0\0+48.8577+002.2950/"s)),
                                       Mp4Box("XMP_", Str(kXmpPacket))})),
                ItunesMeta(true), Mp4Box("junk", Str("ComfyUI-tool workflow:" + kComfyWorkflow)),
                Mp4Uuid("0123456789abcdef0123456789abcdef", Str("Jane Artist"))});
    spec.trak_extra =
        Concat({Mp4Box("udta", Mp4Box("\xA9nam", Str("a red fox"))), ItunesMeta(false)});
    spec.after_mdat = Concat({Mp4Box("free", Str("leftover Negative prompt: blurry")),
                              ItunesMeta(false), Mp4Box("skip", Bytes(16, 0))});
    return spec;
  }

  // Checks an MP4 scrub: same size, same box layout with removed boxes turned into free,
  // identical mdat, identical chunk offsets pointing at identical bytes, nothing listed.
  static void ExpectMp4MediaUntouched(const Bytes& in, const Bytes& out, std::string_view type) {
    ASSERT_EQ(in.size(), out.size());
    auto a = media_test::ParseMp4(in), b = media_test::ParseMp4(out);
    ASSERT_TRUE(a.has_value());
    ASSERT_TRUE(b.has_value()) << "the scrubbed box tree does not parse";
    EXPECT_EQ(a->mdat, b->mdat);
    EXPECT_EQ(a->chunk_offsets, b->chunk_offsets);
    for (uint64_t off : b->chunk_offsets) {
      if (off + 16 > in.size()) continue;  // trimmed test files point past their end
      EXPECT_TRUE(
          std::equal(in.begin() + long(off), in.begin() + long(off + 16), out.begin() + long(off)))
          << "chunk at " << off;
    }
    EXPECT_TRUE(List(out, type).empty());
  }

  // ---- MP3 ----

  Bytes LadenMp3(const Bytes& frames) const {
    Bytes geob = Str("\0application/c2pa\0c2pa.jumbf\0manifest\0"s);
    geob.insert(geob.end(), kC2paStore.begin(), kC2paStore.end());
    Bytes apic =
        Str("\0image/jpeg\0\x03"
            "cover by Jane Artist\0"s);
    Bytes id3 = media_test::Id3v2Tag({{"TPE1", media_test::Id3Text("Jane Artist")},
                                      {"TXXX", media_test::Id3Text("prompt\0"s + kComfyPrompt)},
                                      {"COMM", media_test::Id3Text("eng\0"s + kInfotext)},
                                      {"TSSE", media_test::Id3Text("ComfyUI-tool")},
                                      {"GEOB", geob},
                                      {"APIC", apic}});
    return Concat(
        {id3, frames,
         media_test::ApeTag({{"Artist", "Jane Artist"}, {"Comment", kComfyWorkflow}}, true),
         media_test::Lyrics3v2Tag("a red fox in the snow"),
         media_test::Id3v1EnhancedTag("a red fox", "Jane Artist"),
         media_test::Id3v1Tag("a red fox", "Jane Artist", "Steps: 20")});
  }
};

// =============================================================== PNG and JPEG

// The PNG/JPEG scrubbers (scrub_test.cc) with this file's full set of secrets: ComfyUI's EXIF
// tags, an A1111 UserComment, a GPS IFD, Artist, XMP dc:creator and DigitalSourceType, C2PA.
TEST_F(FormatsTest, PngAndJpegLoseGpsAuthorsXmpAndC2pa) {
  for (bool keep_orientation : {false, true}) {
    SCOPED_TRACE(keep_orientation ? "keep orientation" : "default policy");
    ScrubPolicy policy;
    policy.keep_orientation = keep_orientation;
    const Bytes tiff = media_test::AiExifTiff(ComfyExif());

    using media_test::InsertPngChunk;
    using media_test::Where;
    const Bytes png_base = media_test::MakePng(24, 16, 4);
    Bytes png = InsertPngChunk(png_base, "eXIf", tiff, Where::kAfterIhdr);
    png = InsertPngChunk(png, "iTXt", media_test::ItxtChunk("XML:com.adobe.xmp", kXmpPacket),
                         Where::kAfterIhdr);
    png = InsertPngChunk(png, "caBX", kC2paStore, Where::kAfterIdat);
    png = InsertPngChunk(png, "tEXt", media_test::TextChunk("workflow", kComfyWorkflow),
                         Where::kAfterIdat);
    png = InsertPngChunk(png, "tEXt", media_test::TextChunk("prompt", kComfyPrompt),
                         Where::kAfterIhdr);
    png = InsertPngChunk(png, "tEXt", media_test::TextChunk("parameters", kInfotext),
                         Where::kAfterIhdr);
    Bytes png_out = Scrub(png, "image/png", policy);
    ExpectNoSecrets(png_out);
    const std::vector<std::string> png_left = keep_orientation
                                                  ? std::vector<std::string>{"png:eXIf", "png:pHYs"}
                                                  : std::vector<std::string>{"png:pHYs"};
    EXPECT_EQ(List(png_out, "image/png"), png_left);
    EXPECT_EQ(media_test::Decode(png), media_test::Decode(png_out));

    using media_test::InsertJpegSegment;
    const Bytes jpeg_base = media_test::MakeJpeg(24, 16);
    Bytes exif = Str("Exif\0\0"s);
    exif.insert(exif.end(), tiff.begin(), tiff.end());
    Bytes jumbf = Str("JP\0\x01\0\0\0\x01"s);
    jumbf.insert(jumbf.end(), kC2paStore.begin(), kC2paStore.end());
    Bytes jpeg = InsertJpegSegment(jpeg_base, 0xEB, jumbf);
    jpeg = InsertJpegSegment(jpeg, 0xE1, Str("http://ns.adobe.com/xap/1.0/\0"s + kXmpPacket));
    jpeg = InsertJpegSegment(jpeg, 0xE1, exif);
    jpeg = InsertJpegSegment(jpeg, 0xFE, Str("Jane Artist " + kInfotext),
                             media_test::JpegWhere::kBeforeEoi);
    Bytes jpeg_out = Scrub(jpeg, "image/jpeg", policy);
    ExpectNoSecrets(jpeg_out);
    EXPECT_EQ(List(jpeg_out, "image/jpeg"), keep_orientation
                                                ? std::vector<std::string>{"jpeg:APP1:Exif"}
                                                : std::vector<std::string>{});
    EXPECT_EQ(media_test::JpegScans(jpeg_out), media_test::JpegScans(jpeg_base));
    EXPECT_EQ(media_test::Decode(jpeg), media_test::Decode(jpeg_out));
  }
}

// =============================================================== WebP

TEST_F(FormatsTest, WebpStillLosesEveryCarrierAndKeepsItsPixels) {
  Bytes in = LadenWebp();
  ExpectAll(List(in, "image/webp"),
            {"webp:ICCP", "webp:EXIF", "webp:XMP", "webp:C2PA", "webp:Cmfy", "webp:trailing-data"});
  ScrubReport report;
  Bytes out = Scrub(in, "image/webp", {}, &report);
  ExpectAll(report.removed,
            {"webp:EXIF", "webp:XMP", "webp:C2PA", "webp:Cmfy", "webp:trailing-data"});
  EXPECT_EQ(report.kept, std::vector<std::string>{"webp:ICCP"});
  ExpectOnly(List(out, "image/webp"), {"webp:ICCP"});
  ExpectNoSecrets(out);
  EXPECT_EQ(media_test::Vp8xFlags(out), 0x20 | 0x10);  // ICC and alpha; no EXIF, no XMP

  auto before = media_test::RiffChunks(in), after = media_test::RiffChunks(out);
  ASSERT_TRUE(before && after);
  std::vector<std::string> ids;
  for (const auto& [id, data] : *after) ids.push_back(id);
  EXPECT_EQ(ids, (std::vector<std::string>{"VP8X", "ICCP", "ALPH", "VP8 "}));
  for (size_t i = 1; i < 4; ++i) EXPECT_EQ((*after)[i], (*before)[i]) << ids[i];

  auto a = media_test::Decode(in), b = media_test::Decode(out);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST_F(FormatsTest, WebpPolicyKeepsAMinimalExifAndCanDropTheProfile) {
  ScrubPolicy policy;
  policy.keep_icc = false;
  policy.keep_orientation = true;
  policy.keep_copyright = true;
  ScrubReport report;
  Bytes out = Scrub(LadenWebp(), "image/webp", policy, &report);
  auto list = List(out, "image/webp");
  EXPECT_EQ(list, std::vector<std::string>{"webp:EXIF"});
  EXPECT_TRUE(Has(report.removed, "webp:ICCP"));
  EXPECT_TRUE(Has(report.removed, "webp:EXIF:other-tags"));
  EXPECT_EQ(media_test::Vp8xFlags(out), 0x10 | 0x08);  // alpha and EXIF
  std::vector<std::string> secrets = kSecrets;
  secrets.erase(std::find(secrets.begin(), secrets.end(), "(c) Custody"));
  ExpectNoSecrets(out, secrets);
  auto orientation = media_test::VipsField(out, "exif-ifd0-Orientation");
  ASSERT_TRUE(orientation.has_value());
  EXPECT_EQ(orientation->substr(0, 1), "6");
  auto copyright = media_test::VipsField(out, "exif-ifd0-Copyright");
  ASSERT_TRUE(copyright.has_value());
  EXPECT_NE(copyright->find("(c) Custody"), std::string::npos);
  EXPECT_FALSE(media_test::VipsField(out, "exif-ifd0-Make").has_value());
  EXPECT_EQ(media_test::Decode(out), media_test::Decode(LadenWebp()));
}

TEST_F(FormatsTest, AnimatedWebpStaysAnimatedAndLosesItsWorkflow) {
  Bytes base = media_test::MakeAnimatedWebp(32, 24, 3);
  auto chunks = media_test::RiffChunks(base);
  ASSERT_TRUE(chunks.has_value());
  // Rebuild with an unknown sub-chunk inside the second frame, and ComfyUI's EXIF + XMP after.
  Bytes in = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  int frames = 0;
  for (const auto& [id, data] : *chunks) {
    Bytes d = data;
    if (id == "ANMF" && ++frames == 2) {
      Bytes extra = RiffChunk("Note", Str("prompt:" + kComfyPrompt));
      d.insert(d.end(), extra.begin(), extra.end());
    }
    if (id == "VP8X") d[0] |= 0x08 | 0x04;
    Bytes c = RiffChunk(id, d);
    in.insert(in.end(), c.begin(), c.end());
  }
  ASSERT_EQ(frames, 3);
  for (const auto& [id, data] :
       {std::pair<std::string, Bytes>{"EXIF", media_test::AiExifTiff(ComfyExif())},
        {"XMP ", Str(kXmpPacket)}}) {
    Bytes c = RiffChunk(id, data);
    in.insert(in.end(), c.begin(), c.end());
  }
  for (size_t i = 0; i < 4; ++i) in[4 + i] = uint8_t((in.size() - 8) >> (8 * i));

  ExpectAll(List(in, "image/webp"), {"webp:ANMF/Note", "webp:EXIF", "webp:XMP"});
  ScrubReport report;
  Bytes out = Scrub(in, "image/webp", {}, &report);
  ExpectAll(report.removed, {"webp:ANMF/Note", "webp:EXIF", "webp:XMP"});
  EXPECT_TRUE(List(out, "image/webp").empty());
  ExpectNoSecrets(out);
  EXPECT_EQ(media_test::Vp8xFlags(out) & 0x02, 0x02) << "animation flag lost";
  EXPECT_EQ(media_test::Vp8xFlags(out) & 0x0C, 0) << "EXIF/XMP flags left";
  // The frames are the original ones, byte for byte.
  auto after = media_test::RiffChunks(out);
  ASSERT_TRUE(after.has_value());
  ASSERT_EQ(after->size(), chunks->size());
  for (size_t i = 1; i < chunks->size(); ++i) EXPECT_EQ((*after)[i], (*chunks)[i]) << i;
  auto a = media_test::DecodeAllFrames(in), b = media_test::DecodeAllFrames(out);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->height, 3 * 24);
  EXPECT_EQ(*a, *b);
}

TEST_F(FormatsTest, SimpleWebpKeepsOnlyItsBitstream) {
  for (bool lossless : {false, true}) {
    SCOPED_TRACE(lossless ? "VP8L" : "VP8");
    Bytes base = media_test::MakeWebp(40, 30, lossless ? 4 : 3, lossless);
    Bytes in = media_test::InsertRiffChunk(base, 99, "EXIF", media_test::AiExifTiff(ComfyExif()));
    in = media_test::InsertRiffChunk(in, 99, "XMP ", Str(kXmpPacket));
    ScrubReport report;
    Bytes out = Scrub(in, "image/webp", {}, &report);
    EXPECT_EQ(out, base);
    ExpectAll(report.removed, {"webp:EXIF", "webp:XMP"});
    EXPECT_EQ(media_test::Decode(out), media_test::Decode(base));
  }
}

TEST_F(FormatsTest, HostileWebpsGiveCleanErrors) {
  const Bytes w = media_test::MakeWebp(16, 16, 4);  // VP8X, ALPH, VP8
  auto with_u32 = [](Bytes b, size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
    return b;
  };
  Bytes no_image = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'};
  Bytes vp8x(10, 0);
  Bytes c = RiffChunk("VP8X", vp8x);
  no_image.insert(no_image.end(), c.begin(), c.end());
  no_image = with_u32(no_image, 4, uint32_t(no_image.size() - 8));
  Bytes short_frame = media_test::InsertRiffChunk(w, 99, "ANMF", Bytes(10, 0));
  Bytes empty_frame = media_test::InsertRiffChunk(w, 99, "ANMF", Bytes(16, 0));
  struct Case {
    Bytes in;
    ErrorCode code;
    std::string why;
  };
  std::vector<Case> cases = {
      {Bytes(w.begin(), w.begin() + 16), ErrorCode::kInvalidArgument, "truncated"},
      {with_u32(w, 4, 0xFFFFFFF0u), ErrorCode::kInvalidArgument, "RIFF size past the end"},
      {with_u32(w, 4, 2), ErrorCode::kInvalidArgument, "RIFF size below 4"},
      {with_u32(w, 16, 11), ErrorCode::kInvalidArgument, "VP8X size"},
      {with_u32(w, 34, 0x7FFFFFFFu), ErrorCode::kInvalidArgument, "chunk past the end"},
      {no_image, ErrorCode::kInvalidArgument, "no image chunk"},
      {media_test::InsertRiffChunk(w, 1, "VP8X", vp8x), ErrorCode::kInvalidArgument, "second VP8X"},
      {media_test::InsertRiffChunk(w, 0, "XYZW", Bytes(4, 0)), ErrorCode::kInvalidArgument,
       "unknown first chunk"},
      {short_frame, ErrorCode::kInvalidArgument, "ANMF too short"},
      {empty_frame, ErrorCode::kInvalidArgument, "ANMF without a bitstream"},
  };
  for (const auto& c : cases) ExpectError(c.in, "image/webp", c.code, c.why);
}

// =============================================================== WAV

TEST_F(FormatsTest, WavLosesEveryCarrierAndKeepsItsSamples) {
  const Bytes base = media_test::MakeWav(4001);
  Bytes in = LadenWav(base);
  ExpectAll(List(in, "audio/wav"),
            {"wav:LIST:INFO", "wav:id3", "wav:bext", "wav:iXML", "wav:_PMX", "wav:C2PA", "wav:JUNK",
             "wav:LIST:adtl", "wav:cue", "wav:smpl", "wav:trailing-data"});
  ScrubReport report;
  Bytes out = Scrub(in, "audio/wav", {}, &report);
  ExpectAll(report.removed, {"wav:LIST:INFO", "wav:id3", "wav:bext", "wav:iXML", "wav:_PMX",
                             "wav:C2PA", "wav:JUNK", "wav:LIST:adtl", "wav:trailing-data"});
  EXPECT_EQ(report.kept, (std::vector<std::string>{"wav:cue", "wav:smpl"}));
  ExpectOnly(List(out, "audio/wav"), {"wav:cue", "wav:smpl"});
  ExpectNoSecrets(out);
  auto a = media_test::ParseWavAudio(base), b = media_test::ParseWavAudio(out);
  ASSERT_TRUE(a && b) << "the scrubbed WAV does not parse";
  EXPECT_EQ(a->fmt, b->fmt);
  EXPECT_EQ(a->data, b->data);
  auto chunks = media_test::RiffChunks(out);
  ASSERT_TRUE(chunks.has_value());
  for (const auto& [id, data] : *chunks) {
    if (id == "smpl") {
      EXPECT_EQ(data[0], 0) << "manufacturer id kept";
      EXPECT_EQ(data[4], 0) << "product id kept";
      EXPECT_EQ(data[28], 1) << "loops lost";
    }
  }
}

TEST_F(FormatsTest, Rf64IsScrubbedLikeRiff) {
  const Bytes base = media_test::MakeWav(3001, 2);
  Bytes in = media_test::ToRf64(LadenWav(base));
  ASSERT_TRUE(media_test::ParseWavAudio(in).has_value());
  ScrubReport report;
  Bytes out = Scrub(in, "audio/wav", {}, &report);
  ExpectAll(report.removed, {"wav:LIST:INFO", "wav:id3", "wav:C2PA", "wav:_PMX"});
  ExpectNoSecrets(out);
  EXPECT_EQ(std::string(out.begin(), out.begin() + 4), "RF64");
  auto a = media_test::ParseWavAudio(base), b = media_test::ParseWavAudio(out);
  ASSERT_TRUE(a && b) << "the scrubbed RF64 does not parse";
  EXPECT_EQ(a->data, b->data);
}

TEST_F(FormatsTest, WavCueAndSmplWithFreeFormDataAreDropped) {
  Bytes in = media_test::InsertRiffChunk(media_test::MakeWav(100), 99, "cue ", Bytes(30, 1));
  Bytes smpl(36 + 8, 0);
  smpl[32] = 8;  // eight bytes of sampler data
  in = media_test::InsertRiffChunk(in, 99, "smpl", smpl);
  ScrubReport report;
  Bytes out = Scrub(in, "audio/wav", {}, &report);
  ExpectAll(report.removed, {"wav:cue", "wav:smpl"});
  EXPECT_TRUE(report.kept.empty());
  EXPECT_EQ(out, media_test::MakeWav(100));
}

TEST_F(FormatsTest, HostileWavsGiveCleanErrors) {
  const Bytes w = media_test::MakeWav(50);
  auto with_u32 = [](Bytes b, size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
    return b;
  };
  Bytes fmt_only(w.begin(), w.begin() + 12 + 8 + 16);
  fmt_only = with_u32(fmt_only, 4, uint32_t(fmt_only.size() - 8));
  Bytes data_only = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E'};
  Bytes d = RiffChunk("data", Bytes(10, 1));
  data_only.insert(data_only.end(), d.begin(), d.end());
  data_only = with_u32(data_only, 4, uint32_t(data_only.size() - 8));
  Bytes rifx = w;
  rifx[3] = 'X';
  Bytes table = media_test::ToRf64(w);
  table[44] = 1;  // ds64 table length
  Bytes rf64_past_end = media_test::ToRf64(w);
  rf64_past_end[27] = 0x10;  // 64-bit RIFF size far past the end
  struct Case {
    Bytes in;
    ErrorCode code;
    std::string why;
  };
  std::vector<Case> cases = {
      {Bytes(w.begin(), w.begin() + 30), ErrorCode::kInvalidArgument, "truncated"},
      {with_u32(w, 4, uint32_t(w.size())), ErrorCode::kInvalidArgument, "RIFF size past the end"},
      {with_u32(w, 16, 0x10000), ErrorCode::kInvalidArgument, "fmt past the end"},
      {with_u32(w, 16, 8), ErrorCode::kInvalidArgument, "fmt too short"},
      {fmt_only, ErrorCode::kInvalidArgument, "no data"},
      {data_only, ErrorCode::kInvalidArgument, "no fmt"},
      {rifx, ErrorCode::kUnsupportedMedia, "RIFX"},
      {table, ErrorCode::kUnsupportedMedia, "ds64 table"},
      {rf64_past_end, ErrorCode::kInvalidArgument, "RF64 size past the end"},
      {media_test::InsertRiffChunk(w, 99, "wavl", Bytes(8, 0)), ErrorCode::kUnsupportedMedia,
       "wavl"},
      {media_test::InsertRiffChunk(w, 99, "data", Bytes(8, 0)), ErrorCode::kUnsupportedMedia,
       "two data chunks"},
      {media_test::InsertRiffChunk(w, 0, "fmt ", Bytes(16, 0)), ErrorCode::kInvalidArgument,
       "two fmt chunks"},
  };
  for (const auto& c : cases) ExpectError(c.in, "audio/wav", c.code, c.why);
}

// =============================================================== MP4 / MOV / M4A

TEST_F(FormatsTest, Mp4LosesUdtaMetaUuidAndFreeContentAndKeepsItsSamples) {
  Bytes in = media_test::MakeMp4(LadenMp4Spec());
  ExpectAll(List(in, "video/mp4"),
            {"mp4:uuid:c2pa", "mp4:uuid:xmp", "mp4:moov/udta", "mp4:moov/meta", "mp4:moov/junk",
             "mp4:moov/uuid:0123456789abcdef0123456789abcdef", "mp4:moov/trak/udta",
             "mp4:moov/trak/meta", "mp4:free", "mp4:meta"});
  ScrubReport report;
  Bytes out = Scrub(in, "video/mp4", {}, &report);
  ExpectAll(report.removed,
            {"mp4:uuid:c2pa", "mp4:uuid:xmp", "mp4:moov/udta", "mp4:moov/meta", "mp4:moov/junk",
             "mp4:moov/trak/udta", "mp4:moov/trak/meta", "mp4:free", "mp4:meta"});
  EXPECT_TRUE(report.kept.empty());
  ExpectNoSecrets(out);
  ExpectMp4MediaUntouched(in, out, "video/mp4");
  // The structure is the same, with free boxes where metadata was.
  auto a = media_test::ParseMp4(in), b = media_test::ParseMp4(out);
  ASSERT_TRUE(a && b);
  for (const char* kept : {"ftyp", "moov/mvhd", "moov/trak/tkhd", "moov/trak/mdia/minf/stbl/stco",
                           "moov/trak/mdia/minf/dinf/dref", "mdat"}) {
    EXPECT_TRUE(Has(b->paths, kept)) << kept;
  }
  EXPECT_EQ(std::count(b->paths.begin(), b->paths.end(), "moov/free"), 4);
  EXPECT_EQ(std::count(b->paths.begin(), b->paths.end(), "moov/trak/free"), 2);
}

TEST_F(FormatsTest, QuickTimeMovieWithoutFtypAndWith64BitOffsetsIsScrubbed) {
  Mp4Spec spec = LadenMp4Spec();
  spec.major_brand = "qt  ";
  spec.ftyp = false;
  spec.co64 = true;
  spec.before_moov = Mp4Box("wide", Bytes{});
  Bytes in = media_test::MakeMp4(spec);
  EXPECT_NE(SniffMediaType(in), "video/mp4");  // no ftyp: the sniffer does not say video
  for (std::string_view type : {"video/quicktime", "video/mp4"}) {
    ScrubReport report;
    Bytes out = Scrub(in, type, {}, &report);
    ExpectAll(report.removed, {"mp4:moov/udta", "mp4:moov/meta", "mp4:moov/trak/udta"});
    ExpectNoSecrets(out);
    ExpectMp4MediaUntouched(in, out, type);
  }
}

TEST_F(FormatsTest, M4aAudioIsScrubbedUnderItsOwnMediaType) {
  Mp4Spec spec;
  spec.major_brand = "M4A ";
  spec.handler = "soun";
  spec.moov_extra = Mp4Box("udta", ItunesMeta(false));
  Bytes in = media_test::MakeMp4(spec);
  ScrubReport report;
  Bytes out = Scrub(in, "audio/mp4", {}, &report);
  EXPECT_EQ(report.removed, std::vector<std::string>{"mp4:moov/udta"});
  ExpectNoSecrets(out);
  ExpectMp4MediaUntouched(in, out, "audio/mp4");
}

TEST_F(FormatsTest, FragmentedMp4LosesMetadataInFragments) {
  Bytes tfhd = Mp4FullBox("tfhd", 0, 0x020000, Bytes{0, 0, 0, 1});  // default-base-is-moof
  Bytes trun = Mp4FullBox("trun", 0, 0x000201, Bytes{0, 0, 0, 1, 0, 0, 0, 0x50, 0, 0, 0, 8});
  Bytes traf =
      Mp4Box("traf",
             Concat({tfhd, trun, Mp4Uuid("a2394f525a9b4f14a2446c427c648df4", Str("Jane Artist"))}));
  Bytes moof = Mp4Box("moof", Concat({Mp4FullBox("mfhd", 0, 0, Bytes{0, 0, 0, 1}), traf,
                                      Mp4Box("udta", Mp4Box("\xA9nam", Str("a red fox")))}));
  Bytes mfra = Mp4Box("mfra", Concat({Mp4FullBox("tfra", 1, 0, Bytes(12, 0)),
                                      Mp4FullBox("mfro", 0, 0, Bytes(4, 0))}));
  Mp4Spec spec;
  spec.major_brand = "iso6";
  spec.moov_extra = Mp4Box("mvex", Mp4FullBox("trex", 0, 0, Bytes(20, 0)));
  spec.after_mdat = Concat({Mp4FullBox("styp", 0, 0, Str("msdh")), moof,
                            Mp4Box("mdat", Bytes(8, 7)), Mp4Box("emsg", Str("c2pa event")), mfra});
  Bytes in = media_test::MakeMp4(spec);
  ScrubReport report;
  Bytes out = Scrub(in, "video/mp4", {}, &report);
  ExpectAll(report.removed,
            {"mp4:moof/traf/uuid:a2394f525a9b4f14a2446c427c648df4", "mp4:moof/udta", "mp4:emsg"});
  ExpectNoSecrets(out);
  ExpectMp4MediaUntouched(in, out, "video/mp4");
  auto b = media_test::ParseMp4(out);
  ASSERT_TRUE(b.has_value());
  for (const char* kept :
       {"moov/mvex", "moof/traf/tfhd", "moof/traf/trun", "mfra/tfra", "mfra/mfro"}) {
    EXPECT_TRUE(Has(b->paths, kept)) << kept;
  }
}

TEST_F(FormatsTest, Mp4ThatCannotBeScrubbedInPlaceIsRefused) {
  // A timed-metadata track (GPS telemetry) is sample data: listed, but refused.
  Mp4Spec meta_track;
  meta_track.handler = "meta";
  Bytes timed = media_test::MakeMp4(meta_track);
  EXPECT_TRUE(Has(List(timed, "video/mp4"), "mp4:moov/trak:timed-metadata"));
  ExpectError(timed, "video/mp4", ErrorCode::kUnsupportedMedia, "timed metadata");

  // HEIF: a major brand the sniffer refuses, or a compatible brand with image items.
  Mp4Spec heic;
  heic.major_brand = "heic";
  ExpectError(media_test::MakeMp4(heic), "video/mp4", ErrorCode::kUnsupportedMedia, "heic brand");
  Mp4Spec pict;
  pict.before_moov = Mp4FullBox(
      "meta", 0, 0, Mp4FullBox("hdlr", 0, 0, Bytes{0, 0, 0, 0, 'p', 'i', 'c', 't', 0, 0, 0,
                                                   0, 0, 0, 0, 0,   0,   0,   0,   0, 0}));
  ExpectError(media_test::MakeMp4(pict), "video/mp4", ErrorCode::kUnsupportedMedia, "pict meta");

  // A meta box that locates items (their data could be in mdat).
  Mp4Spec items;
  items.moov_extra =
      Mp4FullBox("meta", 0, 0,
                 Concat({Mp4FullBox("hdlr", 0, 0, Bytes(21, 0)),
                         Mp4FullBox("iloc", 0, 0, Bytes{0x44, 0x00, 0x00, 0x01, 0, 1, 0, 0, 0, 0, 0,
                                                        1,    0,    0,    0,    0, 0, 0, 0, 0})}));
  ExpectError(media_test::MakeMp4(items), "video/mp4", ErrorCode::kUnsupportedMedia, "iloc");

  // A compressed movie header.
  Mp4Spec cmov;
  cmov.moov_extra = Mp4Box("cmov", Bytes(12, 0));
  ExpectError(media_test::MakeMp4(cmov), "video/mp4", ErrorCode::kUnsupportedMedia, "cmov");

  // A chunk offset that points into a box that would be removed.
  Mp4Spec junk;
  junk.after_mdat = Mp4Box("junk", Bytes(32, 1));
  Bytes in = media_test::MakeMp4(junk);
  std::string_view view(reinterpret_cast<const char*>(in.data()), in.size());
  size_t stco = view.find("stco");
  ASSERT_NE(stco, std::string_view::npos);
  const uint32_t into_junk = uint32_t(in.size() - 16);
  for (size_t i = 0; i < 4; ++i) in[stco + 12 + i] = uint8_t(into_junk >> (24 - 8 * i));
  ExpectError(in, "video/mp4", ErrorCode::kUnsupportedMedia, "chunk offset into a removed box");
}

TEST_F(FormatsTest, HostileMp4sGiveCleanErrors) {
  const Bytes m = media_test::MakeMp4({});
  auto with_u32 = [](Bytes b, size_t at, uint32_t v) {
    for (size_t i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (24 - 8 * i));
    return b;
  };
  const size_t moov = 24;  // after the 24-byte ftyp
  Bytes no_movie = Concat({Bytes(m.begin(), m.begin() + 24), Mp4Box("mdat", Bytes(4, 0))});
  Bytes big = with_u32(m, moov, 1);  // 64-bit size, whose high word is mvhd's size
  std::string_view view(reinterpret_cast<const char*>(m.data()), m.size());
  const size_t stco = view.find("stco");
  struct Case {
    Bytes in;
    std::string why;
  };
  std::vector<Case> cases = {
      {Bytes(m.begin(), m.begin() + 30), "truncated box header"},
      {Bytes(m.begin(), m.end() - 1), "truncated mdat"},
      {with_u32(m, moov, 4), "size below the header"},
      {with_u32(m, moov, 0x7FFFFFFF), "box past the end"},
      {big, "64-bit size past the end"},
      {with_u32(m, moov + 8, 0xFFFF), "child past its container"},
      {with_u32(m, stco + 8, 0x10000000), "stco count past its box"},
      {Concat({m, Mp4Box("uuid", Bytes(8, 0))}), "uuid without a user type"},
      {Concat({m, Bytes{0, 0, 0}}), "trailing bytes"},
      {no_movie, "no moov"},
  };
  for (const auto& c : cases) {
    ExpectError(c.in, "video/mp4", ErrorCode::kInvalidArgument, c.why);
    EXPECT_FALSE(ListMetadata(c.in, "video/mp4").ok()) << c.why;
  }
}

// =============================================================== MP3

TEST_F(FormatsTest, Mp3LosesEveryTagAndKeepsItsFrames) {
  const Bytes frames = media_test::MakeMp3(12);
  Bytes in = LadenMp3(frames);
  EXPECT_EQ(SniffMediaType(in), "audio/mpeg");
  EXPECT_EQ(List(in, "audio/mpeg"),
            (std::vector<std::string>{"mp3:ID3v2", "mp3:APEv2", "mp3:Lyrics3", "mp3:ID3v1:enhanced",
                                      "mp3:ID3v1"}));
  ScrubReport report;
  Bytes out = Scrub(in, "audio/mpeg", {}, &report);
  EXPECT_EQ(out, frames);  // the Xing/LAME frame included
  EXPECT_EQ(report.removed.size(), 5u);
  EXPECT_TRUE(report.kept.empty());
  ExpectNoSecrets(out);
}

TEST_F(FormatsTest, Mp3TagsInEveryPlaceAreFound) {
  const Bytes first = media_test::MakeMp3(5), second = media_test::MakeMp3(4, false);
  Bytes v24 = media_test::Id3v2Tag({{"TPE1", media_test::Id3Text("Jane Artist")}}, 4,
                                   /*footer=*/true, /*extended_header=*/true);
  Bytes mid = media_test::Id3v2Tag({{"TXXX", media_test::Id3Text("workflow:" + kComfyWorkflow)}});
  Bytes appended = media_test::Id3v2Tag({{"COMM", media_test::Id3Text(kInfotext)}}, 4, true);
  Bytes in = Concat({v24, Bytes(64, 0), first, mid, second,
                     media_test::ApeTag({{"Comment", "a red fox"}}, false), appended,
                     media_test::Lyrics3v1Tag("Jane Artist sings"),
                     media_test::Id3v1Tag("t", "Jane Artist", "c")});
  EXPECT_EQ(List(in, "audio/mpeg"),
            (std::vector<std::string>{"mp3:ID3v2", "mp3:ID3v2", "mp3:APEv2", "mp3:ID3v2",
                                      "mp3:Lyrics3", "mp3:ID3v1"}));
  Bytes out = Scrub(in, "audio/mpeg");
  EXPECT_EQ(out, Concat({first, second}));
  ExpectNoSecrets(out);
}

TEST_F(FormatsTest, Mp3LastFrameCutShortIsKept) {
  Bytes frames = media_test::MakeMp3(3);
  frames.resize(frames.size() - 100);
  Bytes out =
      Scrub(Concat({frames, media_test::Id3v1Tag("a red fox", "Jane Artist", "")}), "audio/mpeg");
  EXPECT_EQ(out, frames);
}

TEST_F(FormatsTest, HostileMp3sGiveCleanErrors) {
  const Bytes f = media_test::MakeMp3(4);
  Bytes id3 = media_test::Id3v2Tag({{"TPE1", media_test::Id3Text("x")}});
  Bytes not_syncsafe = Concat({id3, f});
  not_syncsafe[9] |= 0x80;
  Bytes past_end = Concat({id3, f});
  past_end[6] = 0x7F;
  Bytes free_format = f;
  free_format[2] &= 0x0F;
  Bytes other_rate = Concat({f, media_test::MakeMp3(1, false)});
  other_rate[f.size() + 2] = 0x94;  // 48 kHz
  Bytes ape = media_test::ApeTag({{"A", "b"}}, false);
  ape[ape.size() - 32 + 12] = 0xFF;  // size larger than the file
  Bytes lyrics = media_test::Lyrics3v2Tag("x");
  lyrics[lyrics.size() - 10] = 'x';  // a non-digit in the size
  struct Case {
    Bytes in;
    ErrorCode code;
    std::string why;
  };
  std::vector<Case> cases = {
      {Concat({f, Str("junk between frames"), f}), ErrorCode::kInvalidArgument, "junk"},
      {not_syncsafe, ErrorCode::kInvalidArgument, "ID3 size not syncsafe"},
      {past_end, ErrorCode::kInvalidArgument, "ID3 past the end"},
      {Concat({id3, media_test::Id3v1Tag("a", "b", "c")}), ErrorCode::kInvalidArgument,
       "tags only"},
      {free_format, ErrorCode::kUnsupportedMedia, "free format"},
      {other_rate, ErrorCode::kInvalidArgument, "rate changes"},
      {Concat({f, ape}), ErrorCode::kInvalidArgument, "APE size"},
      {Concat({f, lyrics}), ErrorCode::kInvalidArgument, "Lyrics3 size"},
      {Concat({f, Str("LYRICSEND")}), ErrorCode::kInvalidArgument, "Lyrics3 v1 without begin"},
      {Concat({f, Str("3DI\4\0\0\0\0\0\x7f"s)}), ErrorCode::kInvalidArgument, "ID3 footer alone"},
  };
  for (const auto& c : cases) ExpectError(c.in, "audio/mpeg", c.code, c.why);
}

// =============================================================== every format

struct Laden {
  std::string name;
  Bytes bytes;
  std::string type;
};

class AllFormatsTest : public FormatsTest {
 protected:
  std::vector<Laden> Files() const {
    Mp4Spec mov = LadenMp4Spec();
    mov.major_brand = "qt  ";
    Bytes png = media_test::InsertPngChunk(media_test::MakePng(12, 8, 4), "tEXt",
                                           media_test::TextChunk("prompt", kComfyPrompt),
                                           media_test::Where::kAfterIhdr);
    Bytes jpeg = media_test::InsertJpegSegment(
        media_test::MakeJpeg(16, 8), 0xE1,
        media_test::ExifApp1(6, "CameraMakerCo", "(c) Custody", "Steps: 20"));
    Bytes webp = media_test::InsertRiffChunk(media_test::MakeWebp(12, 8, 4), 99, "EXIF",
                                             media_test::AiExifTiff(ComfyExif()));
    return {{"png", png, "image/png"},
            {"jpeg", jpeg, "image/jpeg"},
            {"webp", webp, "image/webp"},
            {"animated webp", media_test::MakeAnimatedWebp(8, 8, 2), "image/webp"},
            {"wav", LadenWav(media_test::MakeWav(40)), "audio/wav"},
            {"rf64", media_test::ToRf64(LadenWav(media_test::MakeWav(40))), "audio/wav"},
            {"mp4", media_test::MakeMp4(LadenMp4Spec()), "video/mp4"},
            {"mov", media_test::MakeMp4(mov), "video/quicktime"},
            {"mp3", LadenMp3(media_test::MakeMp3(2)), "audio/mpeg"}};
  }
};

TEST_F(AllFormatsTest, ScrubbingIsIdempotent) {
  for (const Laden& f : Files()) {
    SCOPED_TRACE(f.name);
    Bytes once = Scrub(f.bytes, f.type);
    ScrubReport report;
    EXPECT_EQ(Scrub(once, f.type, {}, &report), once);
    EXPECT_TRUE(report.removed.empty());
  }
}

TEST_F(AllFormatsTest, TruncationAtEveryOffsetNeverCrashesOrLeaks) {
  for (const Laden& f : Files()) {
    SCOPED_TRACE(f.name);
    int ok = 0;
    for (size_t n = 0; n < f.bytes.size(); ++n) {
      Bytes cut(f.bytes.begin(), f.bytes.begin() + long(n));
      ScrubReport report;
      auto out = ScrubMetadata(cut, f.type, {}, &report);
      (void)ListMetadata(cut, f.type);
      if (!out.ok()) {
        EXPECT_NE(out.error().code(), ErrorCode::kInternal) << n << ": " << out.error().ToString();
        continue;
      }
      ++ok;
      auto list = ListMetadata(*out, f.type);
      ASSERT_TRUE(list.ok()) << n;
      std::set<std::string> kept(report.kept.begin(), report.kept.end());
      ExpectOnly(*list, kept);
    }
    // Only MP3 (a cut last frame is kept) and RIFF/MP4 files cut right after their last kept
    // part may still scrub; most prefixes must fail.
    EXPECT_LT(ok, int(f.bytes.size()) / 2) << f.name;
  }
}

TEST_F(AllFormatsTest, RandomCorruptionNeverCrashesOrLeavesCarriers) {
  for (const Laden& f : Files()) {
    SCOPED_TRACE(f.name);
    for (uint64_t seed = 0; seed < 300; ++seed) {
      Bytes m = f.bytes;
      Bytes noise = media_test::RandomBytes(5, seed * 7919 + 17);
      size_t at = (size_t(noise[0]) << 16 | size_t(noise[1]) << 8 | noise[2]) % m.size();
      for (size_t k = 0; k < 1u + noise[3] % 4 && at + k < m.size(); ++k) m[at + k] ^= noise[4] | 1;
      ScrubReport report;
      auto out = ScrubMetadata(m, f.type, {}, &report);
      (void)ListMetadata(m, f.type);
      if (!out.ok()) {
        EXPECT_NE(out.error().code(), ErrorCode::kInternal)
            << seed << ": " << out.error().ToString();
        continue;
      }
      auto list = ListMetadata(*out, f.type);
      ASSERT_TRUE(list.ok()) << seed;
      std::set<std::string> kept(report.kept.begin(), report.kept.end());
      ExpectOnly(*list, kept);
      if (f.type == "audio/wav") {
        auto a = media_test::ParseWavAudio(m), b = media_test::ParseWavAudio(*out);
        if (a && b) {
          EXPECT_EQ(a->data, b->data) << seed;
        }
      }
      if (f.type == "video/mp4" || f.type == "video/quicktime") {
        EXPECT_EQ(out->size(), m.size()) << seed;
      }
    }
  }
}

TEST_F(AllFormatsTest, MediaTypesAliasesAndMismatches) {
  Bytes mp4 = media_test::MakeMp4({});
  for (std::string_view type : {"video/mp4", "video/quicktime", "audio/mp4"}) {
    EXPECT_TRUE(ScrubMetadata(mp4, type, {}, nullptr).ok()) << type;
  }
  for (std::string_view type : {"image/gif", "video/webm", "audio/flac", "", "IMAGE/PNG"}) {
    auto r = ScrubMetadata(mp4, type, {}, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnsupportedMedia) << type;
  }
  ExpectError(media_test::MakeWav(10), "image/webp", ErrorCode::kInvalidArgument, "wav as webp");
  ExpectError(media_test::MakeWebp(8, 8), "audio/wav", ErrorCode::kInvalidArgument, "webp as wav");
  ExpectError(mp4, "audio/mpeg", ErrorCode::kInvalidArgument, "mp4 as mp3");
  ExpectError(media_test::MakeMp3(2), "video/mp4", ErrorCode::kInvalidArgument, "mp3 as mp4");
  ExpectError({}, "audio/mpeg", ErrorCode::kInvalidArgument, "empty");
}

// =============================================================== real files

class RealFilesTest : public FormatsTest {
 protected:
  void SetUp() override {
    FormatsTest::SetUp();
    auto dir = media_test::FixturesDir();
    if (!dir) {
      if (media_test::FixturesRequired()) {
        FAIL() << "CUSTODY_REQUIRE_FIXTURES=1 but no fixtures were found (looked in "
                  "$CUSTODY_FIXTURES, else $CUSTODY_SOURCE_DIR/../shared/fixtures)";
      }
      GTEST_SKIP() << "fixtures not found: set CUSTODY_FIXTURES to the shared fixtures directory";
    }
    root_ = *dir;
  }

  // The fixture's bytes; skips (or fails when fixtures are required) if the file is missing.
  std::optional<Bytes> Load(const std::string& relative) {
    fs::path p = fs::path(root_) / relative;
    if (!fs::exists(p)) {
      if (media_test::FixturesRequired()) ADD_FAILURE() << "missing fixture " << p;
      return std::nullopt;
    }
    return media_test::ReadFile(p.string());
  }

  std::string root_;
};

TEST_F(RealFilesTest, ComfyUiAnimatedWebpLosesItsWorkflowAndKeepsEveryFrame) {
  auto in = Load("ai-metadata/comfyui-examples/wan_text_to_video_wan.webp");
  if (!in) GTEST_SKIP() << "no ComfyUI WebP fixture";
  EXPECT_TRUE(media_test::Contains(*in, "workflow:"));
  EXPECT_EQ(List(*in, "image/webp"), std::vector<std::string>{"webp:EXIF"});
  ScrubReport report;
  Bytes out = Scrub(*in, "image/webp", {}, &report);
  EXPECT_EQ(report.removed, std::vector<std::string>{"webp:EXIF"});
  for (const char* s : {"workflow", "prompt", "class_type", "last_node_id", "CLIPTextEncode"}) {
    EXPECT_FALSE(media_test::Contains(out, s)) << s;
  }
  EXPECT_EQ(media_test::Vp8xFlags(out), 0x10 | 0x02);  // alpha and animation; EXIF cleared
  auto a = media_test::DecodeAllFrames(*in), b = media_test::DecodeAllFrames(out);
  ASSERT_TRUE(a && b);
  EXPECT_GT(a->height, a->width);  // many frames stacked
  EXPECT_EQ(*a, *b);
}

TEST_F(RealFilesTest, ExifToolWebpLosesExifAndXmp) {
  auto in = Load("metadata/exiftool-t-images/t/images/RIFF.webp");
  if (!in) GTEST_SKIP() << "no ExifTool WebP fixture";
  EXPECT_EQ(List(*in, "image/webp"), (std::vector<std::string>{"webp:EXIF", "webp:XMP"}));
  Bytes out = Scrub(*in, "image/webp");
  EXPECT_FALSE(media_test::Contains(out, "xmpmeta"));
  EXPECT_FALSE(media_test::Contains(out, "ExifMeta"));
  EXPECT_EQ(media_test::Vp8xFlags(out), 0x10);
  EXPECT_EQ(media_test::Decode(*in), media_test::Decode(out));
}

TEST_F(RealFilesTest, C2paWavsLoseTheirManifestAndKeepTheirSamples) {
  for (const char* name : {"c2pa/reference-c2pa-rs/genai_es256.wav", "c2pa/handbuilt/min.wav"}) {
    SCOPED_TRACE(name);
    auto in = Load(name);
    if (!in) continue;
    EXPECT_EQ(List(*in, "audio/wav"), std::vector<std::string>{"wav:C2PA"});
    Bytes out = Scrub(*in, "audio/wav");
    for (const char* s : {"c2pa", "jumb", "trainedAlgorithmic"}) {
      EXPECT_FALSE(media_test::Contains(out, s)) << s;
    }
    auto a = media_test::ParseWavAudio(*in), b = media_test::ParseWavAudio(out);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->data, b->data);
    auto plain = Load("c2pa/tone_8k_mono.wav");
    if (plain) {
      EXPECT_EQ(out, *plain) << "the signed file scrubbed should be its unsigned original";
    }
  }
}

TEST_F(RealFilesTest, ExifToolWavWithAListPastTheRiffEndIsRefused) {
  auto in = Load("metadata/exiftool-t-images/t/images/RIFF.wav");
  if (!in) GTEST_SKIP() << "no ExifTool WAV fixture";
  ExpectError(*in, "audio/wav", ErrorCode::kInvalidArgument, "LIST runs past the RIFF");
}

TEST_F(RealFilesTest, C2paMp4sLoseManifestXmpAndUserDataAndKeepTheirSamples) {
  struct File {
    const char* name;
    std::vector<std::string> carriers;
  };
  for (const File& f : {File{"c2pa/reference-c2pa-rs/genai_es256.mp4",
                             {"mp4:uuid:c2pa", "mp4:moov/udta", "mp4:uuid:xmp"}},
                        File{"c2pa/dashinit.mp4", {"mp4:free", "mp4:uuid:c2pa", "mp4:moov/udta"}},
                        File{"c2pa/video1_no_manifest.mp4", {}}}) {
    SCOPED_TRACE(f.name);
    auto in = Load(f.name);
    if (!in) continue;
    auto before = List(*in, "video/mp4");
    ExpectAll(before, f.carriers);
    ScrubReport report;
    Bytes out = Scrub(*in, "video/mp4", {}, &report);
    EXPECT_EQ(report.removed, before);
    ExpectMp4MediaUntouched(*in, out, "video/mp4");
    for (const char* s : {"jumb", "c2pa.claim", "trainedAlgorithmic", "xmpmeta", "Lavf"}) {
      EXPECT_FALSE(media_test::Contains(out, s)) << s;
    }
  }
}

TEST_F(RealFilesTest, ExifToolQuickTimeAndM4aLoseTheirTags) {
  auto mov = Load("metadata/exiftool-t-images/t/images/QuickTime.mov");
  if (mov) {
    EXPECT_EQ(List(*mov, "video/quicktime"),
              (std::vector<std::string>{"mp4:moov/meta", "mp4:moov/udta"}));
    Bytes out = Scrub(*mov, "video/quicktime");
    ExpectMp4MediaUntouched(*mov, out, "video/quicktime");
    for (const char* s : {"Phil Harvey", "xmpmeta", "These are lyrics", "com.apple.quicktime"}) {
      EXPECT_FALSE(media_test::Contains(out, s)) << s;
    }
  }
  auto m4a = Load("metadata/exiftool-t-images/t/images/QuickTime.m4a");
  if (m4a) {
    Bytes out = Scrub(*m4a, "audio/mp4");
    ExpectMp4MediaUntouched(*m4a, out, "audio/mp4");
    for (const char* s : {"Phil Harvey", "iTunes", "these are lyrics", "Dummy cover art"}) {
      EXPECT_FALSE(media_test::Contains(out, s)) << s;
    }
  }
  auto heic = Load("metadata/exiftool-t-images/t/images/QuickTime.heic");
  if (heic) ExpectError(*heic, "video/mp4", ErrorCode::kUnsupportedMedia, "HEIC");
}

TEST_F(RealFilesTest, ExifToolMp3LosesBothId3Tags) {
  auto in = Load("metadata/exiftool-t-images/t/images/MP3.mp3");
  if (!in) GTEST_SKIP() << "no ExifTool MP3 fixture";
  EXPECT_EQ(List(*in, "audio/mpeg"), (std::vector<std::string>{"mp3:ID3v2", "mp3:ID3v1"}));
  Bytes out = Scrub(*in, "audio/mpeg");
  // All that is left is the file's one (cut-short) MPEG frame, byte for byte.
  EXPECT_EQ(out, (Bytes{0xFF, 0xFB, 0x90, 0x6C}));
}

}  // namespace
}  // namespace custody
