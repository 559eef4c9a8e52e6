#include "media/scrub.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "media/media.h"
#include "media/tests/test_util.h"

namespace custody {
namespace {

using media_test::Decode;
using media_test::InsertJpegSegment;
using media_test::InsertPngChunk;
using media_test::JpegWhere;
using media_test::TextChunk;
using media_test::Where;

const std::string kInfotext =
    "a red fox in the snow\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
    "Seed: 235284042, Size: 48x32, Model hash: c0d1994c73, Model: sd15";
const std::string kComfyPrompt =
    R"({"3":{"class_type":"KSampler","inputs":{"seed":42,"steps":20}},"6":{"class_type":"CLIPTextEncode","inputs":{"text":"a red fox"}}})";
const std::string kComfyWorkflow = R"({"last_node_id":9,"last_link_id":9,"nodes":[],"links":[]})";
const std::string kXmp =
    "http://ns.adobe.com/xap/1.0/" + std::string(1, '\0') +
    R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta>)";

// Strings that must not survive a scrub of the synthetic files below.
const std::vector<std::string> kSecrets = {
    "Negative prompt", "Steps: 20",     "class_type",  "last_node_id",     "trainedAlgorithmic",
    "UNICODE",         "CameraMakerCo", "c2pa",        "Photoshop 3.0",    "secret-comment",
    "appended-file",   "MPF",           "(c) Custody", "Tagged by a tool", "JFXX"};

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

class ScrubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitMedia().ok());
    icc_ = media_test::SrgbIccProfile();
    png_base_ = media_test::MakePng(48, 32, 4);
    jpeg_base_ = media_test::MakeJpeg(48, 32);
  }

  // A PNG carrying every kind of generation metadata, before and after IDAT, plus junk after IEND.
  Bytes LadenPng() const {
    Bytes p = png_base_;
    std::string icc(reinterpret_cast<const char*>(icc_.data()), icc_.size());
    // Inserted right after IHDR, so listed here in reverse file order.
    p = InsertPngChunk(p, "caBX", Str("jumbc2pa-manifest"), Where::kAfterIhdr);
    p = InsertPngChunk(p, "tIME", Bytes{0x07, 0xE9, 1, 2, 3, 4, 5}, Where::kAfterIhdr);
    p = InsertPngChunk(p, "eXIf",
                       media_test::ExifTiff(6, "CameraMakerCo", "(c) Custody", "Steps: 20"),
                       Where::kAfterIhdr);
    p = InsertPngChunk(p, "iTXt", media_test::ItxtChunk("XML:com.adobe.xmp", kXmp.substr(29)),
                       Where::kAfterIhdr);
    p = InsertPngChunk(p, "zTXt", media_test::ZtxtChunk("Comment", "secret-comment"),
                       Where::kAfterIhdr);
    p = InsertPngChunk(p, "tEXt", TextChunk("workflow", kComfyWorkflow), Where::kAfterIhdr);
    p = InsertPngChunk(p, "tEXt", TextChunk("prompt", kComfyPrompt), Where::kAfterIhdr);
    p = InsertPngChunk(p, "tEXt", TextChunk("parameters", kInfotext), Where::kAfterIhdr);
    p = InsertPngChunk(p, "gAMA", Bytes{0, 0, 0xB1, 0x8F}, Where::kAfterIhdr);
    p = InsertPngChunk(p, "iCCP", media_test::ZtxtChunk("sRGB", icc), Where::kAfterIhdr);
    // After the image data (readers that stop at IDAT miss these).
    p = InsertPngChunk(p, "tEXt", TextChunk("Copyright", "(c) Custody"), Where::kAfterIdat);
    p = InsertPngChunk(p, "iTXt", media_test::ItxtChunk("prompt", kComfyPrompt), Where::kAfterIdat);
    p = InsertPngChunk(p, "zTXt", media_test::ZtxtChunk("workflow", kComfyWorkflow),
                       Where::kAfterIdat);
    p = InsertPngChunk(p, "tEXt", TextChunk("parameters", kInfotext), Where::kAfterIdat);
    Bytes tail = Str("appended-file");
    p.insert(p.end(), tail.begin(), tail.end());
    return p;
  }

  Bytes LadenJpeg(const Bytes& base) const {
    Bytes j = base;
    Bytes icc = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0, 1, 1};
    icc.insert(icc.end(), icc_.begin(), icc_.end());
    Bytes jumbf = {'J', 'P', 0, 1, 0, 0, 0, 1, 0, 0, 0, 0x20, 'j', 'u', 'm', 'b'};
    Bytes c2pa = Str("c2pa manifest");
    jumbf.insert(jumbf.end(), c2pa.begin(), c2pa.end());
    // Inserted right after SOI, so listed in reverse file order.
    j = InsertJpegSegment(j, 0xFE, Str("secret-comment"));
    j = InsertJpegSegment(j, 0xE9, Bytes{0x01, 0x02, 0x03, 0x04});
    j = InsertJpegSegment(j, 0xE5, Str(std::string("Tagged by a tool\0x", 18)));
    j = InsertJpegSegment(j, 0xEE, Bytes{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1});
    j = InsertJpegSegment(j, 0xED,
                          Str(std::string("Photoshop 3.0\0"
                                          "8BIM\x04\x04",
                                          20)));
    j = InsertJpegSegment(j, 0xEB, jumbf);
    j = InsertJpegSegment(j, 0xE2, Str(std::string("MPF\0MM\0*", 8)));
    j = InsertJpegSegment(j, 0xE2, icc);
    j = InsertJpegSegment(j, 0xE1,
                          Str("http://ns.adobe.com/xmp/extension/" + std::string(1, '\0') +
                              "GUID-trainedAlgorithmic"));
    j = InsertJpegSegment(j, 0xE1, Str(kXmp));
    j = InsertJpegSegment(j, 0xE1,
                          media_test::ExifApp1(6, "CameraMakerCo", "(c) Custody", "Steps: 20"));
    j = InsertJpegSegment(j, 0xE0, Str(std::string("JFXX\0\x10", 6)));
    j = InsertJpegSegment(j, 0xFE, Str("secret-comment at the end"), JpegWhere::kBeforeEoi);
    Bytes tail = Str("\xFF\xD8 appended-file");
    j.insert(j.end(), tail.begin(), tail.end());
    return j;
  }

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

  static void ExpectOnly(const std::vector<std::string>& carriers,
                         const std::set<std::string>& allowed) {
    for (const auto& c : carriers) EXPECT_TRUE(allowed.count(c)) << "carrier left: " << c;
  }

  static bool Has(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  }

  Bytes icc_, png_base_, jpeg_base_;
};

const std::set<std::string> kPngAllowed = {"png:tRNS", "png:gAMA", "png:cHRM",
                                           "png:sRGB", "png:sBIT", "png:pHYs",
                                           "png:bKGD", "png:cICP", "png:iCCP"};
const std::set<std::string> kJpegAllowed = {"jpeg:APP0:JFIF", "jpeg:APP14:Adobe",
                                            "jpeg:APP2:ICC_PROFILE"};

TEST_F(ScrubTest, ListMetadataFindsEveryPngCarrier) {
  auto list = List(LadenPng(), "image/png");
  for (const char* name : {"png:iCCP", "png:gAMA", "png:tEXt:parameters", "png:tEXt:prompt",
                           "png:tEXt:workflow", "png:zTXt:Comment", "png:iTXt:XML:com.adobe.xmp",
                           "png:eXIf", "png:tIME", "png:caBX", "png:pHYs", "png:tEXt:Copyright",
                           "png:iTXt:prompt", "png:zTXt:workflow", "png:trailing-data"}) {
    EXPECT_TRUE(Has(list, name)) << name;
  }
  EXPECT_EQ(std::count(list.begin(), list.end(), "png:tEXt:parameters"), 2);
}

TEST_F(ScrubTest, PngScrubRemovesGenerationMetadataAndKeepsPixelsBitExact) {
  Bytes in = LadenPng();
  ScrubReport report;
  Bytes out = Scrub(in, "image/png", {}, &report);

  ExpectOnly(List(out, "image/png"), kPngAllowed);
  for (const char* name :
       {"png:tEXt:parameters", "png:tEXt:prompt", "png:tEXt:workflow", "png:zTXt:Comment",
        "png:iTXt:XML:com.adobe.xmp", "png:eXIf", "png:tIME", "png:caBX", "png:tEXt:Copyright",
        "png:iTXt:prompt", "png:zTXt:workflow", "png:trailing-data"}) {
    EXPECT_TRUE(Has(report.removed, name)) << name;
  }
  EXPECT_TRUE(Has(report.kept, "png:iCCP"));
  EXPECT_TRUE(Has(report.kept, "png:gAMA"));
  for (const auto& s : kSecrets) EXPECT_FALSE(media_test::Contains(out, s)) << s;

  EXPECT_EQ(media_test::IdatBytes(out), media_test::IdatBytes(in));
  auto a = Decode(in), b = Decode(out);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
}

TEST_F(ScrubTest, ScrubbingIsIdempotentAndDeterministic) {
  Bytes once = Scrub(LadenPng(), "image/png");
  EXPECT_EQ(once, Scrub(LadenPng(), "image/png"));
  ScrubReport report;
  EXPECT_EQ(Scrub(once, "image/png", {}, &report), once);
  EXPECT_TRUE(report.removed.empty());
  Bytes jonce = Scrub(LadenJpeg(jpeg_base_), "image/jpeg");
  EXPECT_EQ(Scrub(jonce, "image/jpeg", {}, &report), jonce);
  EXPECT_TRUE(report.removed.empty());
}

TEST_F(ScrubTest, PngPolicyControlsIccCopyrightAndOrientation) {
  ScrubPolicy no_icc;
  no_icc.keep_icc = false;
  ScrubReport report;
  Bytes out = Scrub(LadenPng(), "image/png", no_icc, &report);
  EXPECT_FALSE(Has(List(out, "image/png"), "png:iCCP"));
  EXPECT_TRUE(Has(report.removed, "png:iCCP"));

  ScrubPolicy keep;
  keep.keep_copyright = true;
  keep.keep_orientation = true;
  out = Scrub(LadenPng(), "image/png", keep, &report);
  auto list = List(out, "image/png");
  EXPECT_TRUE(Has(list, "png:tEXt:Copyright"));
  EXPECT_TRUE(Has(list, "png:eXIf"));
  EXPECT_TRUE(Has(report.removed, "png:eXIf:other-tags"));
  EXPECT_FALSE(Has(list, "png:tEXt:parameters"));
  EXPECT_FALSE(media_test::Contains(out, "CameraMakerCo"));
  EXPECT_FALSE(media_test::Contains(out, "UNICODE"));
  auto orientation = media_test::VipsField(out, "exif-ifd0-Orientation");
  ASSERT_TRUE(orientation.has_value());
  EXPECT_EQ(orientation->substr(0, 1), "6") << *orientation;
  EXPECT_FALSE(media_test::VipsField(out, "exif-ifd0-Make").has_value());
  auto copyright = media_test::VipsField(out, "exif-ifd0-Copyright");
  ASSERT_TRUE(copyright.has_value());
  EXPECT_NE(copyright->find("(c) Custody"), std::string::npos) << *copyright;
  EXPECT_EQ(Decode(out), Decode(LadenPng()));
}

TEST_F(ScrubTest, ListMetadataFindsEveryJpegCarrier) {
  auto list = List(LadenJpeg(jpeg_base_), "image/jpeg");
  for (const char* name :
       {"jpeg:APP0:JFXX", "jpeg:APP1:Exif", "jpeg:APP1:XMP", "jpeg:APP1:ExtendedXMP",
        "jpeg:APP2:ICC_PROFILE", "jpeg:APP2:MPF", "jpeg:APP11:JUMBF", "jpeg:APP13:Photoshop",
        "jpeg:APP14:Adobe", "jpeg:APP5:Tagged by a tool", "jpeg:APP9", "jpeg:COM",
        "jpeg:trailing-data"}) {
    EXPECT_TRUE(Has(list, name)) << name;
  }
  EXPECT_EQ(std::count(list.begin(), list.end(), "jpeg:COM"), 2);
}

TEST_F(ScrubTest, JpegScrubRemovesGenerationMetadataAndKeepsScansBitExact) {
  for (bool progressive : {false, true}) {
    SCOPED_TRACE(progressive ? "progressive" : "baseline");
    Bytes base = media_test::MakeJpeg(48, 32, progressive);
    Bytes in = LadenJpeg(base);
    ScrubReport report;
    Bytes out = Scrub(in, "image/jpeg", {}, &report);
    ExpectOnly(List(out, "image/jpeg"), kJpegAllowed);
    for (const char* name :
         {"jpeg:APP0:JFXX", "jpeg:APP1:Exif", "jpeg:APP1:XMP", "jpeg:APP1:ExtendedXMP",
          "jpeg:APP2:MPF", "jpeg:APP11:JUMBF", "jpeg:APP13:Photoshop", "jpeg:APP9", "jpeg:COM",
          "jpeg:trailing-data"}) {
      EXPECT_TRUE(Has(report.removed, name)) << name;
    }
    EXPECT_TRUE(Has(report.kept, "jpeg:APP2:ICC_PROFILE"));
    EXPECT_TRUE(Has(report.kept, "jpeg:APP14:Adobe"));
    for (const auto& s : kSecrets) EXPECT_FALSE(media_test::Contains(out, s)) << s;
    EXPECT_EQ(media_test::JpegScans(out), media_test::JpegScans(base));
    auto a = Decode(in), b = Decode(out);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(*a, *b);
  }
}

TEST_F(ScrubTest, JpegPolicyKeepsOnlyAMinimalExif) {
  ScrubPolicy keep;
  keep.keep_orientation = true;
  ScrubReport report;
  Bytes out = Scrub(LadenJpeg(jpeg_base_), "image/jpeg", keep, &report);
  auto list = List(out, "image/jpeg");
  EXPECT_EQ(std::count(list.begin(), list.end(), "jpeg:APP1:Exif"), 1);
  EXPECT_TRUE(Has(report.kept, "jpeg:APP1:Exif"));
  EXPECT_TRUE(Has(report.removed, "jpeg:APP1:Exif:other-tags"));
  auto orientation = media_test::VipsField(out, "exif-ifd0-Orientation");
  ASSERT_TRUE(orientation.has_value());
  EXPECT_EQ(orientation->substr(0, 1), "6");
  EXPECT_FALSE(media_test::VipsField(out, "exif-ifd0-Make").has_value());
  EXPECT_FALSE(media_test::VipsField(out, "exif-ifd0-Copyright").has_value());
  EXPECT_FALSE(media_test::Contains(out, "UNICODE"));

  ScrubPolicy no_icc;
  no_icc.keep_icc = false;
  out = Scrub(LadenJpeg(jpeg_base_), "image/jpeg", no_icc, &report);
  EXPECT_FALSE(Has(List(out, "image/jpeg"), "jpeg:APP2:ICC_PROFILE"));
  EXPECT_TRUE(Has(report.removed, "jpeg:APP2:ICC_PROFILE"));
}

TEST_F(ScrubTest, JfifThumbnailIsDropped) {
  Bytes jfif = {'J', 'F', 'I', 'F', 0, 1, 2, 0, 0, 1, 0, 1, 1, 1, 0x12, 0x34, 0x56};
  Bytes in = InsertJpegSegment(jpeg_base_, 0xE0, jfif);
  ScrubReport report;
  Bytes out = Scrub(in, "image/jpeg", {}, &report);
  EXPECT_TRUE(Has(report.removed, "jpeg:APP0:JFIF:thumbnail"));
  EXPECT_FALSE(media_test::Contains(out, "\x12\x34\x56"));
  EXPECT_EQ(Decode(in), Decode(out));
}

TEST_F(ScrubTest, OtherMediaTypesAreUnsupported) {
  for (std::string_view type : {"image/gif", "image/tiff", "video/webm", "audio/flac", ""}) {
    auto r = ScrubMetadata(png_base_, type, {}, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnsupportedMedia);
    auto l = ListMetadata(png_base_, type);
    ASSERT_FALSE(l.ok());
    EXPECT_EQ(l.error().code(), ErrorCode::kUnsupportedMedia);
  }
}

TEST_F(ScrubTest, ContentMustMatchTheMediaType) {
  auto r = ScrubMetadata(png_base_, "image/jpeg", {}, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ScrubMetadata(jpeg_base_, "image/png", {}, nullptr).ok());
}

TEST_F(ScrubTest, HostilePngsGiveCleanErrors) {
  const Bytes& p = png_base_;
  auto with_u32 = [](Bytes b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + size_t(i)] = uint8_t(v >> (24 - 8 * i));
    return b;
  };
  Bytes no_iend(p.begin(), p.end() - 12);
  Bytes bad_type = p;
  bad_type[37] = '1';  // the chunk after IHDR (pHYs) gets a digit in its type
  Bytes bad_idat_crc = p;
  bad_idat_crc[bad_idat_crc.size() - 13] ^= 0xFF;  // last byte of the last IDAT's CRC
  struct Case {
    Bytes in;
    ErrorCode code;
    std::string why;
  };
  std::vector<Case> cases = {
      {{}, ErrorCode::kInvalidArgument, "empty"},
      {Bytes(p.begin(), p.begin() + 8), ErrorCode::kInvalidArgument, "signature only"},
      {Bytes(p.begin(), p.begin() + long(p.size() / 2)), ErrorCode::kInvalidArgument, "truncated"},
      {with_u32(p, 33, 0xFFFFFFF0u), ErrorCode::kInvalidArgument, "huge chunk length"},
      {with_u32(p, 33, 0x7FFFFFF0u), ErrorCode::kInvalidArgument, "length past the end"},
      {with_u32(p, 8, 12), ErrorCode::kInvalidArgument, "IHDR length"},
      {no_iend, ErrorCode::kInvalidArgument, "no IEND"},
      {bad_type, ErrorCode::kInvalidArgument, "bad chunk type"},
      {bad_idat_crc, ErrorCode::kInvalidArgument, "IDAT CRC"},
      {InsertPngChunk(p, "ABCD", Str("x"), Where::kAfterIhdr), ErrorCode::kUnsupportedMedia,
       "unknown critical chunk"},
  };
  for (const auto& c : cases) {
    auto r = ScrubMetadata(c.in, "image/png", {}, nullptr);
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.error().code(), c.code) << c.why << ": " << r.error().ToString();
    EXPECT_FALSE(r.error().message().empty());
    // Listing walks the same structure; it does not check CRCs or judge critical chunks.
    bool structural = c.why != "IDAT CRC" && c.why != "unknown critical chunk";
    EXPECT_EQ(ListMetadata(c.in, "image/png").ok(), !structural) << c.why;
  }
}

TEST_F(ScrubTest, AKeptAncillaryChunkWithABadCrcIsDropped) {
  Bytes in = InsertPngChunk(png_base_, "gAMA", Bytes{0, 0, 0xB1, 0x8F}, Where::kAfterIhdr);
  in[33 + 8 + 4] ^= 0x01;  // gAMA's CRC
  ScrubReport report;
  Bytes out = Scrub(in, "image/png", {}, &report);
  EXPECT_TRUE(Has(report.removed, "png:gAMA"));
  EXPECT_FALSE(Has(List(out, "image/png"), "png:gAMA"));
}

TEST_F(ScrubTest, HostileJpegsGiveCleanErrors) {
  const Bytes& j = jpeg_base_;
  Bytes bad_length = InsertJpegSegment(j, 0xFE, Str("abc"));
  bad_length[4] = 0xFF;  // COM length 0xFF05: past the end
  Bytes tiny_length = InsertJpegSegment(j, 0xFE, Str("abc"));
  tiny_length[4] = 0, tiny_length[5] = 1;
  Bytes junk = j;
  junk.insert(junk.begin() + 2, 0x42);  // a non-marker byte where a marker must be
  struct Case {
    Bytes in;
    ErrorCode code;
    std::string why;
  };
  std::vector<Case> cases = {
      {{}, ErrorCode::kInvalidArgument, "empty"},
      {Bytes{0xFF, 0xD8, 0xFF, 0xD9}, ErrorCode::kInvalidArgument, "no frame"},
      {Bytes(j.begin(), j.begin() + long(j.size() / 2)), ErrorCode::kInvalidArgument,
       "truncated scan"},
      {Bytes(j.begin(), j.begin() + 30), ErrorCode::kInvalidArgument, "truncated header"},
      {bad_length, ErrorCode::kInvalidArgument, "length past the end"},
      {tiny_length, ErrorCode::kInvalidArgument, "length below 2"},
      {junk, ErrorCode::kInvalidArgument, "junk between segments"},
      {InsertJpegSegment(j, 0xF7, Str("jpeg-ls")), ErrorCode::kUnsupportedMedia, "JPEG-LS"},
      {InsertJpegSegment(j, 0xC8, Str("jpg")), ErrorCode::kUnsupportedMedia, "reserved"},
  };
  for (const auto& c : cases) {
    auto r = ScrubMetadata(c.in, "image/jpeg", {}, nullptr);
    ASSERT_FALSE(r.ok()) << c.why;
    EXPECT_EQ(r.error().code(), c.code) << c.why << ": " << r.error().ToString();
    EXPECT_FALSE(ListMetadata(c.in, "image/jpeg").ok()) << c.why;
  }
}

// Whatever the input, a successful scrub leaves only allow-listed carriers, and if both files
// decode, the pixels are the same.
TEST_F(ScrubTest, MutatedFilesNeverYieldDirtyOutput) {
  struct Base {
    Bytes bytes;
    std::string type;
    const std::set<std::string>* allowed;
  };
  for (const Base& base : {Base{LadenPng(), "image/png", &kPngAllowed},
                           Base{LadenJpeg(jpeg_base_), "image/jpeg", &kJpegAllowed}}) {
    int succeeded = 0;
    for (uint64_t seed = 0; seed < 250; ++seed) {
      Bytes m = base.bytes;
      Bytes noise = media_test::RandomBytes(4, seed * 7919 + 1);
      size_t at = 4 + (size_t(noise[0]) << 8 | noise[1]) * 37 % (m.size() - 4);
      for (size_t k = 0; k < 1u + noise[2] % 4 && at + k < m.size(); ++k) m[at + k] ^= noise[3] | 1;
      auto out = ScrubMetadata(m, base.type, {}, nullptr);
      (void)ListMetadata(m, base.type);
      if (!out.ok()) continue;
      ++succeeded;
      auto list = ListMetadata(*out, base.type);
      ASSERT_TRUE(list.ok()) << "seed " << seed << ": " << list.error().ToString();
      ExpectOnly(*list, *base.allowed);
      auto a = Decode(m), b = Decode(*out);
      if (a && b) {
        EXPECT_EQ(*a, *b) << base.type << " seed " << seed;
      }
    }
    EXPECT_GT(succeeded, 20) << base.type;
  }
}

}  // namespace
}  // namespace custody
