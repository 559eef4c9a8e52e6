// Every carrier on files built byte by byte in the test (PNG, JPEG, WebP, WAV, MP3, MP4/MOV, GIF),
// the stealth channel, the AI tools without fixtures, categories and limits.
#include "media/media.h"
#include "media/metadata/tests/test_util.h"

namespace custody::metadata {
namespace {

using namespace testing;  // NOLINT: builders

Report MustRead(const Bytes& data, const ReadOptions& options = {}) {
  auto r = ReadMetadata(data, options);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().ToString();
    return {};
  }
  return std::move(r).value();
}

// Expects an entry and returns its value ("" if absent, with a failure).
std::string Value(const Report& r, std::string_view key, std::string_view carrier = "") {
  const Entry* e = FindEntry(r, key, carrier);
  if (e == nullptr) {
    ADD_FAILURE() << "no entry " << key << " in " << carrier << "\n" << Dump(r);
    return "";
  }
  return e->value;
}

Category CategoryOf(const Report& r, std::string_view key) {
  const Entry* e = FindEntry(r, key);
  if (e == nullptr) {
    ADD_FAILURE() << "no entry " << key << "\n" << Dump(r);
    return Category::kOther;
  }
  return e->category;
}

bool HasWarning(const Report& r, std::string_view part) {
  for (const std::string& w : r.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

const std::string kInfotext =
    "a red fox in snow\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, "
    "Seed: 1234, Size: 512x512, Model hash: abc, Model: dreamshaper_8, Version: v1.7.0";
const std::string kApiGraph =
    R"({"3": {"inputs": {"seed": 42, "steps": 20, "positive": ["6", 0], "negative": ["7", 0],)"
    R"( "model": ["4", 0]}, "class_type": "KSampler"}, "4": {"inputs": {"ckpt_name": )"
    R"("sd_xl_base_1.0.safetensors"}, "class_type": "CheckpointLoaderSimple"}, "6": {"inputs": )"
    R"({"text": "a lighthouse at dusk", "clip": ["4", 1]}, "class_type": "CLIPTextEncode"}, )"
    R"("7": {"inputs": {"text": "low quality", "clip": ["4", 1]}, "class_type": "CLIPTextEncode"}})";
const std::string kUiWorkflow =
    R"({"last_node_id": 7, "last_link_id": 9, "nodes": [{"id": 6, "type": "CLIPTextEncode", )"
    R"("widgets_values": ["a lighthouse at dusk"]}], "links": []})";
const std::string kXmpPacket =
    R"(<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">)"
    R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description )"
    R"(rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" )"
    R"(xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" )"
    R"(xmlns:Iptc4xmpCore="http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/" )"
    R"(xmp:CreatorTool="Studio 1.0" Iptc4xmpExt:DigitalSourceType=)"
    R"("http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia">)"
    R"(<dc:creator><rdf:Seq><rdf:li>Ada &amp; Bob</rdf:li><rdf:li>Cy</rdf:li></rdf:Seq></dc:creator>)"
    R"(<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour &#x263A;</rdf:li></rdf:Alt></dc:title>)"
    R"(<Iptc4xmpCore:CreatorContactInfo rdf:parseType="Resource"><Iptc4xmpCore:CiEmailWork>)"
    R"(ada@example.com</Iptc4xmpCore:CiEmailWork></Iptc4xmpCore:CreatorContactInfo>)"
    R"(</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>)";

// ---------------------------------------------------------------- PNG

TEST(Png, EveryTextChunkKindBeforeAndAfterIdat) {
  PngSpec spec;
  spec.before_idat = {TextChunk("Title", B("caf\xE9")),  // Latin-1 é
                      ZtxtChunk("Comment", "compressed comment"),
                      ItxtChunk("Description", "日本語のプロンプト", false),
                      ItxtChunk("Author", "Zoë", true)};
  spec.after_idat = {TextChunk("parameters", B(kInfotext)),
                     PngChunk("tIME", {0x07, 0xE8, 3, 4, 5, 6, 7})};
  spec.trailing = B("appended text");
  Report r = MustRead(MakePng(spec));
  EXPECT_EQ(r.media_type, "image/png");
  EXPECT_EQ(Value(r, "Title", "png:tEXt"), "café");
  EXPECT_EQ(Value(r, "Comment", "png:zTXt"), "compressed comment");
  EXPECT_EQ(Value(r, "Description", "png:iTXt"), "日本語のプロンプト");
  EXPECT_EQ(Value(r, "Author", "png:iTXt"), "Zoë");
  EXPECT_EQ(CategoryOf(r, "Author"), Category::kAuthor);
  EXPECT_EQ(Value(r, "tIME", "png:tIME"), "2024-03-04 05:06:07");
  EXPECT_EQ(Value(r, "trailing-data", "png:trailing-data"), "appended text");
  EXPECT_EQ(Value(r, "parameters", "png:tEXt"), kInfotext);
  const Generation* g = FindGeneration(r, "AUTOMATIC1111");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->prompt, "a red fox in snow");
  EXPECT_EQ(g->negative_prompt, "blurry");
  EXPECT_EQ(g->seed, "1234");
  EXPECT_EQ(g->model, "dreamshaper_8");
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
}

TEST(Png, ExifXmpIccC2paAndRawProfiles) {
  Bytes tiff = TiffBuilder(true)
                   .Ascii(TiffBuilder::kIfd0, 0x010F, "PNGCam")
                   .Ascii(TiffBuilder::kIfd0, 0x013B, "Photographer One")
                   .Build();
  Bytes raw_profile = B("\nexif\n    ");
  Bytes exif_app1 = B(std::string_view("Exif\0\0", 6));
  Put(exif_app1, TiffBuilder(false).Ascii(TiffBuilder::kIfd0, 0x0110, "RawModel").Build());
  Put(raw_profile, std::to_string(exif_app1.size()) + "\n");
  Put(raw_profile, HexEncode(exif_app1) + "\n");
  Bytes icc(200, 0);  // a profile with no tag table is still reported
  Bytes iccp = B("sRGB");
  iccp.push_back(0);
  iccp.push_back(0);
  Put(iccp, Zlib(icc));
  Bytes cabx = B("....jumbjumd....c2pa http://cv.iptc.org/newscodes/digitalsourcetype/");
  Put(cabx, Bytes{0x78, 0});  // not a valid CBOR length for the URI: letters only
  PngSpec spec;
  spec.before_idat = {PngChunk("iCCP", iccp),
                      PngChunk("eXIf", tiff),
                      ItxtChunk("XML:com.adobe.xmp", kXmpPacket, false),
                      ZtxtChunk("Raw profile type exif", std::string(AsChars(raw_profile))),
                      PngChunk("caBX", cabx),
                      PngChunk("prVt", B("private text"))};
  Report r = MustRead(MakePng(spec));
  EXPECT_EQ(Value(r, "Exif.Image.Make", "png:eXIf"), "PNGCam");
  EXPECT_EQ(CategoryOf(r, "Exif.Image.Artist"), Category::kAuthor);
  EXPECT_EQ(Value(r, "Exif.Image.Model", "png:zTXt"), "RawModel");
  EXPECT_EQ(Value(r, "ICC", "png:iCCP"), "<ICC profile, 200 bytes>");
  EXPECT_EQ(Value(r, "Xmp.dc.creator", "png:iTXt"), "Ada & Bob, Cy");
  EXPECT_EQ(Value(r, "Xmp.dc.title"), "Harbour ☺");
  EXPECT_EQ(Value(r, "Xmp.xmp.CreatorTool"), "Studio 1.0");
  EXPECT_EQ(Value(r, "Xmp.Iptc4xmpCore.CreatorContactInfo/Iptc4xmpCore:CiEmailWork"),
            "ada@example.com");
  EXPECT_EQ(CategoryOf(r, "Xmp.Iptc4xmpCore.CreatorContactInfo/Iptc4xmpCore:CiEmailWork"),
            Category::kAuthor);
  EXPECT_EQ(CategoryOf(r, "Xmp.Iptc4xmpExt.DigitalSourceType"), Category::kProvenance);
  EXPECT_EQ(r.digital_source_type,
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
  EXPECT_TRUE(r.c2pa);
  EXPECT_EQ(Value(r, "prVt", "png:prVt"), "private text");
  // An AI digital source type with no tool keys: one "unknown" generation.
  ASSERT_EQ(r.generations.size(), 1u) << Dump(r);
  EXPECT_EQ(r.generations[0].tool, "unknown");
  EXPECT_EQ(r.generations[0].evidence, "png:iTXt:Xmp.Iptc4xmpExt.DigitalSourceType");
}

TEST(Png, BadCrcIsAWarningAndTheChunkIsStillRead) {
  Bytes png = MakePng({.before_idat = {TextChunk("Comment", B("hello"))}});
  png[33 + 8 + 8] ^= 0x01;  // a byte of the tEXt data ("Comment\0h" -> "Comment\0i")
  Report r = MustRead(png);
  EXPECT_EQ(Value(r, "Comment"), "iello");
  EXPECT_TRUE(HasWarning(r, "bad CRC in tEXt")) << Dump(r);
}

TEST(Png, CompressedTextBombIsBounded) {
  const Bytes zeros(8u << 20, 'a');
  PngSpec spec;
  spec.before_idat = {ZtxtChunk("parameters", std::string(AsChars(zeros)))};
  ReadOptions options;
  options.max_inflated_bytes = 1u << 20;
  Report r = MustRead(MakePng(spec), options);
  const Entry* e = FindEntry(r, "parameters");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->binary);  // not inflated past the limit
  EXPECT_TRUE(HasWarning(r, "inflates to more than 1048576 bytes")) << Dump(r);
}

TEST(Png, LimitsOnEntriesAndValueSizes) {
  PngSpec spec;
  for (int i = 0; i < 50; ++i)
    spec.before_idat.push_back(TextChunk("k" + std::to_string(i), B("v")));
  ReadOptions few;
  few.max_entries = 10;
  Report r = MustRead(MakePng(spec), few);
  EXPECT_EQ(r.entries.size(), 10u);
  EXPECT_TRUE(HasWarning(r, "more than 10 metadata entries"));

  // A value longer than max_value_bytes is cut at a UTF-8 boundary.
  std::string long_value;
  for (int i = 0; i < 100; ++i) long_value += "é";  // 2 bytes each
  ReadOptions small;
  small.max_value_bytes = 25;
  Report t = MustRead(MakePng({.before_idat = {ItxtChunk("Comment", long_value, false)}}), small);
  EXPECT_EQ(Value(t, "Comment").size(), 24u);
  EXPECT_TRUE(ValidUtf8(Value(t, "Comment")));
  EXPECT_TRUE(HasWarning(t, "truncated to 25 bytes"));

  // Keys come from the file too: a 1,000-byte keyword is cut to 256 bytes.
  Report k = MustRead(MakePng({.before_idat = {ItxtChunk(std::string(1000, 'k'), "v", false)}}));
  ASSERT_EQ(k.entries.size(), 1u);
  EXPECT_EQ(k.entries[0].key, std::string(256, 'k'));
}

// ---------------------------------------------------------------- stealth (alpha LSB)

TEST(Stealth, AlphaInfoCompAndRgbVariants) {
  struct Case {
    const char* magic;
    bool compressed;
    bool rgb;
  };
  for (const Case c : {Case{"stealth_pnginfo", false, false}, Case{"stealth_pngcomp", true, false},
                       Case{"stealth_rgbinfo", false, true}, Case{"stealth_rgbcomp", true, true}}) {
    SCOPED_TRACE(c.magic);
    const Bytes payload = c.compressed ? Gzip(AsBytes(kInfotext)) : B(kInfotext);
    // 23 rows: the header spills into the next columns, the payload spans many.
    Bytes png = StealthPng(160, 23, c.magic, payload, c.rgb);
    Report r = MustRead(png);
    EXPECT_EQ(Value(r, c.magic, "png:alpha-lsb"), kInfotext);
    EXPECT_EQ(CategoryOf(r, c.magic), Category::kGeneration);
    const Generation* g = FindGeneration(r, "AUTOMATIC1111");
    ASSERT_NE(g, nullptr) << Dump(r);
    EXPECT_EQ(g->evidence, std::string("png:alpha-lsb:") + c.magic);
    EXPECT_EQ(g->prompt, "a red fox in snow");
  }
}

// The row decoder handles grey+alpha too; 16-bit images take the libvips path (DecodeRgba8).
TEST(Stealth, GreyAlphaAndSixteenBitImages) {
  const Bytes payload = Gzip(AsBytes(kInfotext));
  for (auto [colour_type, depth] : {std::pair<uint8_t, uint8_t>{4, 8}, {6, 16}, {4, 16}}) {
    SCOPED_TRACE(std::to_string(colour_type) + "/" + std::to_string(depth));
    Report r = MustRead(StealthPng(40, 200, "stealth_pngcomp", payload, false, colour_type, depth));
    EXPECT_EQ(Value(r, "stealth_pngcomp", "png:alpha-lsb"), kInfotext);
  }
}

TEST(Stealth, NovelAiJsonPayload) {
  const std::string payload =
      R"({"Title": "AI generated image", "Description": "a cat in space", "Software": "NovelAI", )"
      R"("Source": "NovelAI Diffusion V3", "Comment": "{\"uc\": \"lowres\", \"seed\": 77, )"
      R"(\"sampler\": \"k_euler\"}"})";
  Report r = MustRead(StealthPng(64, 64, "stealth_pngcomp", Gzip(AsBytes(payload)), false));
  const Generation* g = FindGeneration(r, "NovelAI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->prompt, "a cat in space");
  EXPECT_EQ(g->negative_prompt, "lowres");
  EXPECT_EQ(g->seed, "77");
  EXPECT_EQ(g->model, "NovelAI Diffusion V3");
}

TEST(Stealth, OnlyImagesWithAlphaAreDecoded) {
  // The same low bits in an RGB image (no alpha channel): not decoded, so not found.
  Bytes rgba = StealthPng(64, 64, "stealth_rgbinfo", B(kInfotext), true);
  PngSpec rgb;
  rgb.width = 64;
  rgb.height = 64;
  rgb.colour_type = 2;
  // Re-encode the RGBA pixels without alpha: the RGB low bits still carry the payload.
  auto decoded = DecodeRgba8(rgba);
  ASSERT_TRUE(decoded.ok()) << decoded.error().ToString();
  for (size_t i = 0; i < decoded->pixels.size(); ++i) {
    if (i % 4 != 3) rgb.pixels.push_back(decoded->pixels[i]);
  }
  Report r = MustRead(MakePng(rgb));
  EXPECT_TRUE(r.entries.empty()) << Dump(r);
  EXPECT_TRUE(r.generations.empty());
}

TEST(Stealth, LyingLengthIsAWarning) {
  Bytes png = StealthPng(32, 32, "stealth_pnginfo", B("x"), false);
  // Rewrite the length field to claim more bits than the image holds: rebuild with a fake length.
  Bytes header = B("stealth_pnginfo");
  PutU32Be(header, 0x7FFFFFFF);
  PngSpec spec;
  spec.width = 32;
  spec.height = 32;
  spec.colour_type = 6;
  spec.pixels.assign(32 * 32 * 4, 0xFE);
  size_t k = 0;
  for (uint8_t byte : header) {
    for (int i = 7; i >= 0; --i, ++k) {
      spec.pixels[((k % 32) * 32 + k / 32) * 4 + 3] |= (byte >> i) & 1;
    }
  }
  Report r = MustRead(MakePng(spec));
  EXPECT_TRUE(r.entries.empty()) << Dump(r);
  EXPECT_TRUE(HasWarning(r, "payload length exceeds the image")) << Dump(r);
  (void)png;
}

TEST(DecodeRgba8, StoredValuesAndRegion) {
  PngSpec spec;
  spec.width = 3;
  spec.height = 6;
  spec.colour_type = 6;
  spec.mixed_filters = true;  // also checks the test's PNG filters against libpng
  for (int i = 0; i < 72; ++i) spec.pixels.push_back(uint8_t(i * 37 + 1));
  Bytes png = MakePng(spec);
  auto full = DecodeRgba8(png);
  ASSERT_TRUE(full.ok()) << full.error().ToString();
  EXPECT_EQ(full->width, 3);
  EXPECT_EQ(full->height, 6);
  EXPECT_EQ(full->pixels, spec.pixels);
  auto corner = DecodeRgba8(png, 2, 1);
  ASSERT_TRUE(corner.ok());
  EXPECT_EQ(corner->width, 2);
  EXPECT_EQ(corner->height, 1);
  EXPECT_EQ(corner->pixels, Bytes(spec.pixels.begin(), spec.pixels.begin() + 8));
  auto jpeg = DecodeRgba8(MakeJpeg({}));
  ASSERT_FALSE(jpeg.ok());
  EXPECT_EQ(jpeg.error().code(), ErrorCode::kUnsupportedMedia);
}

// ---------------------------------------------------------------- JPEG / EXIF / IPTC

Bytes ExifPayload(const Bytes& tiff) {
  Bytes p = B(std::string_view("Exif\0\0", 6));
  Put(p, tiff);
  return p;
}

TEST(Jpeg, ExifBothByteOrdersGpsThumbnailAndTextTags) {
  for (bool le : {true, false}) {
    SCOPED_TRACE(le ? "II" : "MM");
    Bytes comment = B(std::string_view("UNICODE\0", 8));
    Put(comment, Utf16("user words", !le));  // in the TIFF's own byte order
    Bytes ascii_comment = B(std::string_view("ASCII\0\0\0", 8));
    Put(ascii_comment, B("gps note"));
    Bytes xp_author = Utf16("Xavier", false);  // always UTF-16LE
    xp_author.push_back(0);
    xp_author.push_back(0);
    TiffBuilder t(le);
    t.Ascii(TiffBuilder::kIfd0, 0x010F, "Maker")
        .Ascii(TiffBuilder::kIfd0, 0x0110, "Model X")
        .Short(TiffBuilder::kIfd0, 0x0112, 6)
        .Rationals(TiffBuilder::kIfd0, 0x011A, {{300, 1}})
        .Raw(TiffBuilder::kIfd0, 0x9C9D, 1, uint32_t(xp_author.size()), xp_author)
        .Ascii(TiffBuilder::kExif, 0x9003, "2024:01:02 03:04:05")
        .Raw(TiffBuilder::kExif, 0x9286, 7, uint32_t(comment.size()), comment)
        .Ascii(TiffBuilder::kExif, 0xA430, "Owner Name")
        .Ascii(TiffBuilder::kExif, 0xA431, "SN123")
        .Ascii(TiffBuilder::kGps, 0x0001, "S")
        .Rationals(TiffBuilder::kGps, 0x0002, {{33, 1}, {51, 1}, {5400, 100}})
        .Raw(TiffBuilder::kGps, 0x001B, 7, uint32_t(ascii_comment.size()), ascii_comment)
        .Short(TiffBuilder::kIfd1, 0x0103, 6)
        .Raw(TiffBuilder::kIfd0, 0xC000, 3, 2, le ? Bytes{1, 0, 2, 0} : Bytes{0, 1, 0, 2});
    Report r = MustRead(MakeJpeg({.before_scan = {JpegSegment(0xE1, ExifPayload(t.Build()))}}));
    EXPECT_EQ(Value(r, "Exif.Image.Make", "jpeg:APP1:Exif"), "Maker");
    EXPECT_EQ(Value(r, "Exif.Image.Model"), "Model X");
    EXPECT_EQ(Value(r, "Exif.Image.Orientation"), "6");
    EXPECT_EQ(Value(r, "Exif.Image.XResolution"), "300/1");
    EXPECT_EQ(Value(r, "Exif.Image.XPAuthor"), "Xavier");
    EXPECT_EQ(CategoryOf(r, "Exif.Image.XPAuthor"), Category::kAuthor);
    EXPECT_EQ(Value(r, "Exif.Photo.DateTimeOriginal"), "2024:01:02 03:04:05");
    EXPECT_EQ(Value(r, "Exif.Photo.UserComment"), "user words");
    EXPECT_EQ(CategoryOf(r, "Exif.Photo.CameraOwnerName"), Category::kAuthor);
    EXPECT_EQ(CategoryOf(r, "Exif.Photo.BodySerialNumber"), Category::kDevice);
    EXPECT_EQ(Value(r, "Exif.GPSInfo.GPSLatitudeRef"), "S");
    EXPECT_EQ(Value(r, "Exif.GPSInfo.GPSLatitude"), "33/1 51/1 5400/100");
    EXPECT_EQ(CategoryOf(r, "Exif.GPSInfo.GPSLatitude"), Category::kGps);
    EXPECT_EQ(Value(r, "Exif.GPSInfo.GPSProcessingMethod"), "gps note");
    EXPECT_EQ(Value(r, "Exif.Thumbnail.Compression"), "6");
    EXPECT_EQ(Value(r, "Exif.Image.0xc000"), "1 2");
    EXPECT_TRUE(r.warnings.empty()) << Dump(r);
  }
}

TEST(Jpeg, A1111UserCommentInLittleEndianTiffIsStillUtf16BigEndian) {
  // piexif (A1111) writes UTF-16BE whatever the TIFF byte order.
  Bytes comment = B(std::string_view("UNICODE\0", 8));
  Put(comment, Utf16(kInfotext, true));
  Bytes tiff = TiffBuilder(true)
                   .Raw(TiffBuilder::kExif, 0x9286, 7, uint32_t(comment.size()), comment)
                   .Build();
  Report r = MustRead(MakeJpeg({.before_scan = {JpegSegment(0xE1, ExifPayload(tiff))}}));
  EXPECT_EQ(Value(r, "Exif.Photo.UserComment"), kInfotext);
  EXPECT_NE(FindGeneration(r, "AUTOMATIC1111"), nullptr) << Dump(r);
}

TEST(Jpeg, IptcXmpCommentsSegmentsAfterTheScanAndTrailingData) {
  Bytes iim;
  auto dataset = [&](uint8_t record, uint8_t number, std::string_view v) {
    iim.push_back(0x1C);
    iim.push_back(record);
    iim.push_back(number);
    PutU16Be(iim, uint32_t(v.size()));
    Put(iim, v);
  };
  dataset(1, 90, "\x1b%G");
  dataset(2, 80, "Jane Byline");
  dataset(2, 25, "harbour");
  dataset(2, 25, "boats");
  dataset(2, 90, "Hamburg");
  dataset(2, 116, "(c) Jane");
  Bytes irb = B(std::string_view("Photoshop 3.0\0", 14));
  Put(irb, B("8BIM"));
  PutU16Be(irb, 0x0404);
  PutU16Be(irb, 0);  // empty name, padded
  PutU32Be(irb, uint32_t(iim.size()));
  Put(irb, iim);
  if (iim.size() % 2) irb.push_back(0);
  Bytes xmp = B(std::string_view("http://ns.adobe.com/xap/1.0/\0", 29));
  Put(xmp, kXmpPacket);
  JpegSpec spec;
  spec.before_scan = {
      JpegSegment(0xE0, B(std::string_view("JFIF\0\x01\x02\0\0\x01\0\x01\0\0", 14))),
      JpegSegment(0xED, irb), JpegSegment(0xE1, xmp), JpegSegment(0xFE, B("first comment"))};
  spec.after_scan = {JpegSegment(0xFE, B("comment between scans"))};
  spec.trailing = B("tail");
  Report r = MustRead(MakeJpeg(spec));
  EXPECT_EQ(Value(r, "Iptc.Application2.Byline", "jpeg:APP13:Photoshop"), "Jane Byline");
  EXPECT_EQ(CategoryOf(r, "Iptc.Application2.Byline"), Category::kAuthor);
  EXPECT_EQ(CountEntries(r, "Iptc.Application2.Keywords"), 2u);
  EXPECT_EQ(CategoryOf(r, "Iptc.Application2.City"), Category::kGps);
  EXPECT_EQ(CategoryOf(r, "Iptc.Application2.Copyright"), Category::kCopyright);
  EXPECT_EQ(Value(r, "Xmp.dc.creator", "jpeg:APP1:XMP"), "Ada & Bob, Cy");
  EXPECT_EQ(Value(r, "JFIF.Version", "jpeg:APP0:JFIF"), "1.02");
  EXPECT_EQ(CountEntries(r, "Comment"), 2u);
  EXPECT_EQ(r.entries[r.entries.size() - 1].value, "tail");
  bool late_comment = false;
  for (const Entry& e : r.entries) late_comment |= e.value == "comment between scans";
  EXPECT_TRUE(late_comment) << Dump(r);
}

TEST(Jpeg, MultiSegmentCarriersAreReassembled) {
  // ExtendedXMP in two chunks (out of order), ICC in two segments, C2PA JUMBF in two packets.
  const std::string ext = kXmpPacket;
  const std::string guid = "0123456789ABCDEF0123456789ABCDEF";
  auto ext_chunk = [&](size_t at, size_t n) {
    Bytes p = B(std::string_view("http://ns.adobe.com/xmp/extension/\0", 35));
    Put(p, guid);
    PutU32Be(p, uint32_t(ext.size()));
    PutU32Be(p, uint32_t(at));
    Put(p, ext.substr(at, n));
    return JpegSegment(0xE1, p);
  };
  const size_t half = ext.size() / 2;
  Bytes profile(300, 0);
  PutU32Be(profile, 0);  // keep it a plain 300+4 byte blob
  auto icc_chunk = [&](uint8_t seq, size_t at, size_t n) {
    Bytes p = B(std::string_view("ICC_PROFILE\0", 12));
    p.push_back(seq);
    p.push_back(2);
    p.insert(p.end(), profile.begin() + long(at), profile.begin() + long(at + n));
    return JpegSegment(0xE2, p);
  };
  const std::string store =
      std::string("\0\0\0\x40jumb\0\0\0\x20jumd", 16) + "c2pa" +
      "....http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
  auto jumbf = [&](uint32_t seq, std::string_view part) {
    Bytes p = B("JP");
    PutU16Be(p, 1);
    PutU32Be(p, seq);
    if (seq > 1) Put(p, std::string_view("\0\0\0\x40jumb", 8));  // repeated box header
    Put(p, part);
    return JpegSegment(0xEB, p);
  };
  JpegSpec spec;
  spec.before_scan = {ext_chunk(half, ext.size() - half),
                      ext_chunk(0, half),
                      icc_chunk(2, 150, profile.size() - 150),
                      icc_chunk(1, 0, 150),
                      jumbf(1, std::string_view(store).substr(0, 40)),
                      jumbf(2, std::string_view(store).substr(40))};
  Report r = MustRead(MakeJpeg(spec));
  EXPECT_EQ(Value(r, "Xmp.dc.creator", "jpeg:APP1:ExtendedXMP"), "Ada & Bob, Cy");
  EXPECT_EQ(Value(r, "ICC", "jpeg:APP2:ICC_PROFILE"), "<ICC profile, 304 bytes>");
  EXPECT_TRUE(r.c2pa);
  EXPECT_EQ(Value(r, "C2PA", "jpeg:APP11:JUMBF"),
            "<C2PA manifest store, " + std::to_string(store.size()) + " bytes>");
  EXPECT_EQ(r.digital_source_type,
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
}

TEST(Exif, IfdLoopIsDetected) {
  Bytes tiff = TiffBuilder(false).Ascii(TiffBuilder::kIfd0, 0x010F, "Loop").LoopIfd0(true).Build();
  Report r = MustRead(MakeJpeg({.before_scan = {JpegSegment(0xE1, ExifPayload(tiff))}}));
  EXPECT_EQ(CountEntries(r, "Exif.Image.Make"), 1u);
  EXPECT_TRUE(HasWarning(r, "loop")) << Dump(r);
}

TEST(Exif, OutOfBoundsValuesAndHugeCountsAreWarnings) {
  Bytes tiff = TiffBuilder(true)
                   .Raw(TiffBuilder::kIfd0, 0x010F, 2, 0xFFFFFFFF, Bytes{0x10, 0, 0, 0})
                   .Raw(TiffBuilder::kIfd0, 0x0110, 5, 0x40000000, Bytes{0xF0, 0xFF, 0, 0})
                   .Ascii(TiffBuilder::kIfd0, 0x013B, "Still Read")
                   .Build();
  Report r = MustRead(MakeJpeg({.before_scan = {JpegSegment(0xE1, ExifPayload(tiff))}}));
  EXPECT_EQ(Value(r, "Exif.Image.Artist"), "Still Read");
  EXPECT_EQ(FindEntry(r, "Exif.Image.Make"), nullptr);
  EXPECT_TRUE(HasWarning(r, "points outside the data")) << Dump(r);
}

// ---------------------------------------------------------------- WebP

TEST(Webp, AnimationFramesWithForeignChunks) {
  Bytes vp8x = {0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // animation + alpha
  Bytes frame(16, 0);
  Put(frame, RiffChunk("VP8L", Bytes{0x2F, 0, 0, 0, 0x10, 0, 0, 0}));
  Put(frame, RiffChunk("NOTE", B("inside a frame")));
  Report r = MustRead(Riff(
      "WEBP", {RiffChunk("VP8X", vp8x), RiffChunk("ANIM", Bytes(6, 0)), RiffChunk("ANMF", frame)}));
  EXPECT_EQ(Value(r, "NOTE", "webp:ANMF/NOTE"), "inside a frame");
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);  // animated: no stealth decode attempted
}

TEST(Webp, ExifWithAndWithoutPrefixXmpIccpAndComfyUiExif) {
  Bytes comfy = TiffBuilder(false)
                    .Ascii(TiffBuilder::kIfd0, 0x010F, "workflow:" + kUiWorkflow)
                    .Ascii(TiffBuilder::kIfd0, 0x0110, "prompt:" + kApiGraph)
                    .Build();
  for (bool prefix : {false, true}) {
    SCOPED_TRACE(prefix ? "Exif\\0\\0 prefix" : "bare TIFF");
    Bytes exif = prefix ? ExifPayload(comfy) : comfy;
    Bytes chunks = MinimalWebpChunks(false);
    Bytes file = Riff("WEBP", {chunks, RiffChunk("EXIF", exif), RiffChunk("XMP ", B(kXmpPacket)),
                               RiffChunk("ICCP", Bytes(130, 0)), RiffChunk("ABCD", B("odd"))});
    Report r = MustRead(file);
    EXPECT_EQ(r.media_type, "image/webp");
    EXPECT_TRUE(Value(r, "Exif.Image.Make", "webp:EXIF").starts_with("workflow:{"));
    EXPECT_EQ(Value(r, "Xmp.xmp.CreatorTool", "webp:XMP"), "Studio 1.0");
    EXPECT_EQ(Value(r, "ICC", "webp:ICCP"), "<ICC profile, 130 bytes>");
    EXPECT_EQ(Value(r, "ABCD", "webp:ABCD"), "odd");
    const Generation* g = FindGeneration(r, "ComfyUI");
    ASSERT_NE(g, nullptr) << Dump(r);
    EXPECT_TRUE(g->workflow);
    EXPECT_EQ(g->prompt, "a lighthouse at dusk");
    EXPECT_EQ(g->negative_prompt, "low quality");
    EXPECT_EQ(g->seed, "42");
    EXPECT_EQ(g->model, "sd_xl_base_1.0.safetensors");
    EXPECT_EQ(CategoryOf(r, "Exif.Image.Make"), Category::kGeneration);
  }
}

// ---------------------------------------------------------------- WAV

TEST(Wav, ListInfoId3BextXmpAndC2pa) {
  Bytes info = B("INFO");
  Put(info, RiffChunk("INAM", B(std::string_view("Night Song\0", 11))));
  Put(info, RiffChunk("IART", B(std::string_view("Some Artist\0", 12))));
  Put(info, RiffChunk("ICMT", B(std::string_view("made with a model\0", 18))));
  Put(info, RiffChunk("ISFT", B(std::string_view("Lavf60.3.100\0", 13))));
  Bytes id3 = Id3v2(3, {Id3Text(3, "TIT2", "Tagged Title"), Id3Frame(3, "TXXX", [] {
                          Bytes p = {3};
                          Put(p, std::string_view("prompt\0", 7));
                          Put(p, kApiGraph);
                          return p;
                        }())});
  Bytes bext(602, 0);
  std::copy_n("Broadcast description", 21, bext.begin());
  std::copy_n("Radio Person", 12, bext.begin() + 256);
  std::copy_n("2024-05-06", 10, bext.begin() + 320);
  Put(bext, B("A=PCM,F=48000"));
  Bytes c2pa = B("jumbjumd c2pa manifest");
  Bytes wav = Riff(
      "WAVE", {WavFmtAndData(), RiffChunk("LIST", info), RiffChunk("id3 ", id3),
               RiffChunk("bext", bext), RiffChunk("_PMX", B(kXmpPacket)), RiffChunk("C2PA", c2pa),
               RiffChunk("cue ", Bytes(28, 1)), RiffChunk("JUNK", Bytes(12, 0))});
  Report r = MustRead(wav);
  EXPECT_EQ(r.media_type, "audio/wav");
  EXPECT_EQ(Value(r, "INFO.INAM", "wav:LIST:INFO"), "Night Song");
  EXPECT_EQ(Value(r, "INFO.IART", "wav:LIST:INFO"), "Some Artist");
  EXPECT_EQ(CategoryOf(r, "INFO.IART"), Category::kAuthor);
  EXPECT_EQ(CategoryOf(r, "INFO.ISFT"), Category::kSoftware);
  EXPECT_EQ(Value(r, "ID3.TIT2", "wav:id3"), "Tagged Title");
  EXPECT_TRUE(Value(r, "ID3.TXXX:prompt", "wav:id3").starts_with("{\"3\""));
  EXPECT_EQ(Value(r, "bext.Description", "wav:bext"), "Broadcast description");
  EXPECT_EQ(CategoryOf(r, "bext.Originator"), Category::kAuthor);
  EXPECT_EQ(Value(r, "bext.OriginationDate"), "2024-05-06");
  EXPECT_EQ(Value(r, "bext.CodingHistory"), "A=PCM,F=48000");
  EXPECT_EQ(Value(r, "Xmp.dc.creator", "wav:_PMX"), "Ada & Bob, Cy");
  EXPECT_TRUE(r.c2pa);
  EXPECT_EQ(Value(r, "C2PA", "wav:C2PA"), "<C2PA manifest store, 22 bytes>");
  EXPECT_EQ(Value(r, "cue", "wav:cue"), "<cue chunk, 28 bytes>");  // as the scrubber lists it
  EXPECT_EQ(FindEntry(r, "JUNK"), nullptr);                        // zero padding is not
  const Generation* g = FindGeneration(r, "ComfyUI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->evidence, "wav:id3:ID3.TXXX:prompt");
  EXPECT_EQ(g->prompt, "a lighthouse at dusk");
}

TEST(Wav, Rf64AndAnId3TagAfterTheRiffChunk) {
  Bytes body = B("WAVE");
  Bytes ds64;
  PutU32Le(ds64, 0);  // RIFF size (low), filled below
  PutU32Le(ds64, 0);
  PutU32Le(ds64, 4);  // data size
  PutU32Le(ds64, 0);
  Put(ds64, Bytes(8, 0));  // sample count
  PutU32Le(ds64, 0);       // table length
  Put(body, RiffChunk("ds64", ds64));
  Put(body, B("data"));
  PutU32Le(body, 0xFFFFFFFF);
  Put(body, Bytes{1, 2, 3, 4});
  Bytes info = B("INFO");
  Put(info, RiffChunk("INAM", B("RF64 title")));
  Put(body, RiffChunk("LIST", info));
  Bytes file = B("RF64");
  PutU32Le(file, 0xFFFFFFFF);
  Put(file, body);
  const uint64_t riff_size = file.size() - 8;
  for (int i = 0; i < 4; ++i) file[20 + i] = uint8_t(riff_size >> (8 * i));
  Put(file, Id3v2(4, {Id3Text(4, "TPE1", "Appended Artist")}));
  Report r = MustRead(file);
  EXPECT_EQ(r.media_type, "audio/wav");
  EXPECT_EQ(Value(r, "INFO.INAM", "wav:LIST:INFO"), "RF64 title");
  EXPECT_EQ(Value(r, "ID3.TPE1", "wav:trailing-data"), "Appended Artist");
}

// ---------------------------------------------------------------- MP3

TEST(Mp3, Id3v23UnsynchronisedId3v24FramesId3v1AndApe) {
  Bytes apic = {0};
  Put(apic, std::string_view("image/jpeg\0", 11));
  apic.push_back(3);
  Put(apic, std::string_view("cover\0", 6));
  Put(apic, Bytes{0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0x00});
  Bytes geob = {0};
  Put(geob, std::string_view("application/c2pa\0", 17));
  Put(geob, std::string_view("c2pa\0", 5));
  Put(geob, std::string_view("manifest\0", 9));
  Put(geob, "jumb....c2pa http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
  Bytes comm = {0};
  Put(comm, std::string_view("eng\0", 4));
  Put(comm, "plain comment");
  // v2.3, whole tag unsynchronised (the APIC has 0xFF bytes that need it).
  Bytes v23_body;
  for (const Bytes& f :
       {Id3Text(3, "TIT2", "Song Title"), Id3Text(3, "TPE1", "Singer"), Id3Frame(3, "APIC", apic),
        Id3Frame(3, "GEOB", geob), Id3Frame(3, "COMM", comm)}) {
    Put(v23_body, f);
  }
  Bytes v23 = B("ID3");
  Put(v23, Bytes{3, 0, 0x80});
  Bytes unsync = Unsynchronise(v23_body);
  v23.push_back(uint8_t((unsync.size() >> 21) & 0x7F));
  v23.push_back(uint8_t((unsync.size() >> 14) & 0x7F));
  v23.push_back(uint8_t((unsync.size() >> 7) & 0x7F));
  v23.push_back(uint8_t(unsync.size() & 0x7F));
  Put(v23, unsync);
  Bytes mp3 = v23;
  Put(mp3, Bytes{0xFF, 0xFB, 0x90, 0x00});  // an MPEG frame header
  Put(mp3, Bytes(100, 0));
  // APEv2 then ID3v1 at the end.
  Bytes items;
  PutU32Le(items, 9);
  PutU32Le(items, 0);
  Put(items, std::string_view("Artist\0", 7));
  Put(items, "Ape Artist");
  items.resize(items.size() - 1);  // value length 9: "Ape Artis"
  Bytes footer = B("APETAGEX");
  PutU32Le(footer, 2000);
  PutU32Le(footer, uint32_t(items.size() + 32));
  PutU32Le(footer, 1);
  PutU32Le(footer, 0);
  Put(footer, Bytes(8, 0));
  Put(mp3, items);
  Put(mp3, footer);
  Put(mp3, Id3v1("V1 Title", "V1 Artist", 7, 13));
  Report r = MustRead(mp3);
  EXPECT_EQ(r.media_type, "audio/mpeg");
  EXPECT_EQ(Value(r, "ID3.TIT2", "mp3:ID3v2"), "Song Title");
  EXPECT_EQ(CategoryOf(r, "ID3.TPE1"), Category::kAuthor);
  EXPECT_EQ(Value(r, "ID3.APIC"), "<picture image/jpeg 'cover', 6 bytes>");
  EXPECT_EQ(Value(r, "ID3.COMM"), "plain comment");
  EXPECT_TRUE(r.c2pa);
  EXPECT_NE(FindEntry(r, "C2PA", "mp3:ID3v2"), nullptr);
  EXPECT_EQ(Value(r, "APE.Artist", "mp3:APEv2"), "Ape Artis");
  EXPECT_EQ(Value(r, "ID3v1.Title", "mp3:ID3v1"), "V1 Title");
  EXPECT_EQ(Value(r, "ID3v1.Track"), "7");
  EXPECT_EQ(Value(r, "ID3v1.Genre"), "Pop");
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);

  // v2.4: UTF-8, several values, per-frame unsynchronisation with a data length indicator.
  Bytes multi = {3};
  Put(multi, std::string_view("One\0Two", 7));
  Bytes txxx = {3};
  Put(txxx, std::string_view("workflow\0", 9));
  Put(txxx, kUiWorkflow);
  Bytes tpe2 = {0};
  Put(tpe2, Bytes{'A', 0xFF, 'B'});  // Latin-1 ÿ, needs unsynchronisation
  Bytes tpe2_unsync = Unsynchronise(tpe2);
  Bytes dli;
  PutU32Be(dli, uint32_t(tpe2.size()));  // small: already sync-safe
  Put(dli, tpe2_unsync);
  Bytes v24 = Id3v2(
      4, {Id3Frame(4, "TCOM", multi), Id3Frame(4, "TXXX", txxx), Id3Frame(4, "TPE2", dli, 0x0003)});
  Report r4 = MustRead(v24);
  EXPECT_EQ(Value(r4, "ID3.TCOM"), "One; Two");
  EXPECT_EQ(Value(r4, "ID3.TPE2"), "AÿB");
  const Generation* g = FindGeneration(r4, "ComfyUI");
  ASSERT_NE(g, nullptr) << Dump(r4);
  EXPECT_TRUE(g->workflow);

  // v2.2: three-character ids mapped to their v2.3 names.
  Bytes tt2 = {0};
  Put(tt2, "Old Title");
  Report r2 = MustRead(Id3v2(2, {Id3Frame(2, "TT2", tt2)}));
  EXPECT_EQ(Value(r2, "ID3.TIT2"), "Old Title");
}

// ---------------------------------------------------------------- MP4 / MOV

Bytes Ilst(const std::vector<Bytes>& items) {
  Bytes p;
  for (const Bytes& i : items) Put(p, i);
  return Box("ilst", p);
}

Bytes Hdlr(std::string_view handler) {
  Bytes p(4, 0);  // pre_defined
  Put(p, handler);
  Put(p, Bytes(12, 0));
  p.push_back(0);
  return FullBox("hdlr", 0, p);
}

TEST(Mp3, EndTagsInAnyOrderTagPlusAndLyrics3) {
  Bytes mp3 = {0xFF, 0xFB, 0x90, 0x00};
  Put(mp3, Bytes(64, 0));
  // Lyrics3 v2, then APEv2 (empty), then TAG+ and ID3v1.
  std::string fields =
      "IND00002"
      "10"
      "LYR00011"
      "la la la la"
      "AUT00008"
      "Lyricist";
  Bytes lyrics = B("LYRICSBEGIN");
  Put(lyrics, fields);
  const std::string size = std::to_string(lyrics.size());
  Put(lyrics, std::string(6 - size.size(), '0') + size + "LYRICS200");
  Put(mp3, lyrics);
  Bytes footer = B("APETAGEX");
  PutU32Le(footer, 2000);
  PutU32Le(footer, 32);
  PutU32Le(footer, 0);
  PutU32Le(footer, 0);
  Put(footer, Bytes(8, 0));
  Put(mp3, footer);
  Bytes plus = B("TAG+");
  Bytes title = B("A Much Longer Title Than Thirty Characters Can Hold");
  title.resize(60, 0);
  Put(plus, title);
  Put(plus, Bytes(223 - 60, 0));
  Put(mp3, plus);
  Put(mp3, Id3v1("A Much Longer Title Than Thirt", "Someone", 1, 255));
  Report r = MustRead(mp3);
  EXPECT_EQ(Value(r, "Lyrics3.LYR", "mp3:Lyrics3"), "la la la la");
  EXPECT_EQ(CategoryOf(r, "Lyrics3.AUT"), Category::kAuthor);
  EXPECT_EQ(Value(r, "ID3v1+.Title", "mp3:ID3v1:enhanced"),
            "A Much Longer Title Than Thirty Characters Can Hold");
  EXPECT_EQ(Value(r, "ID3v1.Artist", "mp3:ID3v1"), "Someone");
  EXPECT_EQ(FindEntry(r, "ID3v1.Genre"), nullptr);  // 255: none
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
}

TEST(Mp4, UdtaKeysIlstTrakUuidAndLargeSizes) {
  Bytes keys_payload;
  PutU32Be(keys_payload, 2);
  for (std::string_view k : {"prompt", "workflow"}) {
    PutU32Be(keys_payload, uint32_t(k.size() + 8));
    Put(keys_payload, "mdta");
    Put(keys_payload, k);
  }
  Bytes item1, item2;
  PutU32Be(item1, 0);
  PutU32Be(item2, 0);
  Bytes i1 = DataAtom(1, B(kApiGraph)), i2 = DataAtom(1, B(kUiWorkflow));
  Bytes idx1, idx2;
  PutU32Be(idx1, uint32_t(i1.size() + 8));
  PutU32Be(idx1, 1);  // key index 1
  Put(idx1, i1);
  PutU32Be(idx2, uint32_t(i2.size() + 8));
  PutU32Be(idx2, 2);
  Put(idx2, i2);
  Bytes moov_meta = FullBox("meta", 0, [&] {
    Bytes p = Hdlr("mdta");
    Put(p, FullBox("keys", 0, keys_payload));
    Bytes ilst_body = idx1;
    Put(ilst_body, idx2);
    Put(p, Box("ilst", ilst_body));
    return p;
  }());
  Bytes udta_meta = FullBox("meta", 0, [&] {
    Bytes p = Hdlr("mdir");
    Put(p, Ilst({Box("\xA9"
                     "ART",
                     DataAtom(1, B("Itunes Artist"))),
                 Box("\xA9too", DataAtom(1, B("Lavf60.3.100"))),
                 Box("desc", DataAtom(1, B("a description"))),
                 Box("covr", DataAtom(14, Bytes{0x89, 'P', 'N', 'G'})),
                 Box("trkn", DataAtom(0, Bytes{0, 0, 0, 3, 0, 9, 0, 0}))}));
    return p;
  }());
  Bytes udta_body = Box("\xA9nam", QtText("Clip Name"));
  Put(udta_body, Box("\xA9xyz", QtText("+48.8577+002.2950/")));
  Put(udta_body, udta_meta);
  Bytes trak = Box("trak", Box("udta", Box("\xA9"
                                           "cmt",
                                           QtText("track comment"))));
  Bytes moov_body = Box("mvhd", Bytes(100, 0));
  Put(moov_body, trak);
  Put(moov_body, Box("free", B("old title: Secret Draft")));  // an edit's leftovers
  Bytes moov_uuid(16, 0x11);
  Put(moov_uuid, B("vendor data"));
  Put(moov_body, Box("uuid", moov_uuid));
  Put(moov_body, Box("udta", udta_body));
  Put(moov_body, moov_meta);
  const uint8_t xmp_uuid[16] = {0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8,
                                0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac};
  Bytes uuid_payload(xmp_uuid, xmp_uuid + 16);
  Put(uuid_payload, kXmpPacket);
  Bytes file = Box("ftyp", B("isom\0\0\0\0isommp42"));
  Put(file, Box("moov", moov_body));
  Put(file, Box("uuid", uuid_payload));
  // mdat with a 64-bit size.
  PutU32Be(file, 1);
  Put(file, "mdat");
  PutU64Be(file, 16 + 8);
  Put(file, Bytes(8, 0xAB));
  Report r = MustRead(file);
  EXPECT_EQ(r.media_type, "video/mp4");
  EXPECT_EQ(Value(r, "QuickTime.\xC2\xA9nam", "mp4:moov/udta"), "Clip Name");
  EXPECT_EQ(CategoryOf(r, "QuickTime.\xC2\xA9xyz"), Category::kGps);
  EXPECT_EQ(Value(r,
                  "QuickTime.\xC2\xA9"
                  "ART",
                  "mp4:moov/udta"),
            "Itunes Artist");
  EXPECT_EQ(CategoryOf(r,
                       "QuickTime.\xC2\xA9"
                       "ART"),
            Category::kAuthor);
  EXPECT_EQ(CategoryOf(r, "QuickTime.\xC2\xA9too"), Category::kSoftware);
  EXPECT_EQ(Value(r, "QuickTime.desc"), "a description");
  EXPECT_EQ(Value(r, "QuickTime.covr"), "<PNG image, 4 bytes>");
  EXPECT_EQ(Value(r, "QuickTime.trkn"), "3/9");
  EXPECT_EQ(Value(r,
                  "QuickTime.\xC2\xA9"
                  "cmt",
                  "mp4:moov/trak/udta"),
            "track comment");
  EXPECT_EQ(Value(r, "QuickTime.prompt", "mp4:moov/meta"), kApiGraph);
  EXPECT_EQ(CategoryOf(r, "QuickTime.workflow"), Category::kGeneration);
  EXPECT_EQ(Value(r, "Xmp.xmp.CreatorTool", "mp4:uuid:xmp"), "Studio 1.0");
  EXPECT_EQ(Value(r, "free", "mp4:moov/free"), "old title: Secret Draft");
  EXPECT_NE(FindEntry(r, "uuid:11111111111111111111111111111111",
                      "mp4:moov/uuid:11111111111111111111111111111111"),
            nullptr)
      << Dump(r);
  const Generation* g = FindGeneration(r, "ComfyUI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_TRUE(g->workflow);
  EXPECT_EQ(g->prompt, "a lighthouse at dusk");
  EXPECT_EQ(g->evidence, "mp4:moov/meta:QuickTime.prompt");
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
}

TEST(Mp4, ClassicMovWithoutFtypAndQuickTimeStyleMeta) {
  // QuickTime's meta is not a full box: hdlr follows the header directly.
  Bytes meta_body;
  Put(meta_body, Hdlr("mdir"));
  Put(meta_body, Ilst({Box("\xA9"
                           "day",
                           DataAtom(1, B("2024-06-01")))}));
  Bytes udta =
      Box("\xA9"
          "aut",
          QtText("Mov Author"));
  Put(udta, Box("meta", meta_body));
  Bytes moov = Box("mvhd", Bytes(100, 0));
  Put(moov, Box("udta", udta));
  Bytes file = Box("moov", moov);
  Put(file, Box("mdat", Bytes(4, 0)));
  Report r = MustRead(file);
  EXPECT_EQ(r.media_type, "video/mp4");
  EXPECT_EQ(Value(r,
                  "QuickTime.\xC2\xA9"
                  "aut",
                  "mp4:moov/udta"),
            "Mov Author");
  EXPECT_EQ(CategoryOf(r,
                       "QuickTime.\xC2\xA9"
                       "aut"),
            Category::kAuthor);
  EXPECT_EQ(Value(r,
                  "QuickTime.\xC2\xA9"
                  "day"),
            "2024-06-01");
}

// ---------------------------------------------------------------- GIF

TEST(Gif, CommentXmpAndApplicationExtensions) {
  Bytes gif = B("GIF89a");
  Put(gif, Bytes{1, 0, 1, 0, 0, 0, 0});  // 1x1, no colour table
  auto blocks = [&](std::string_view data) {
    for (size_t at = 0; at < data.size(); at += 255) {
      std::string_view part = data.substr(at, 255);
      gif.push_back(uint8_t(part.size()));
      Put(gif, part);
    }
    gif.push_back(0);
  };
  gif.push_back(0x21);
  gif.push_back(0xFE);
  blocks("a gif comment");
  gif.push_back(0x21);
  gif.push_back(0xFF);
  gif.push_back(11);
  Put(gif, "XMP DataXMP");
  Put(gif, kXmpPacket);
  // The 258-byte magic trailer: 0x01, 0xFF..0x00 descending, then the block terminator.
  gif.push_back(1);
  for (int v = 0xFF; v >= 0; --v) gif.push_back(uint8_t(v));
  gif.push_back(0);
  gif.push_back(0x21);
  gif.push_back(0xFF);
  gif.push_back(11);
  Put(gif, "MYAPP1.0abc");
  blocks("application text");
  Put(gif, Bytes{0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2});
  blocks("\x02\x44\x01");
  gif.push_back(0x3B);
  Report r = MustRead(gif);
  EXPECT_EQ(r.media_type, "image/gif");
  EXPECT_EQ(Value(r, "Comment", "gif:Comment"), "a gif comment");
  EXPECT_EQ(Value(r, "Xmp.dc.creator", "gif:XMP"), "Ada & Bob, Cy");
  EXPECT_EQ(Value(r, "MYAPP1.0abc", "gif:APP:MYAPP1.0abc"), "application text");
  EXPECT_TRUE(r.warnings.empty()) << Dump(r);
}

// ---------------------------------------------------------------- XMP hostility

TEST(Xmp, EntitiesAreNeverExpanded) {
  std::string bomb = R"(<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">)";
  bomb += R"(<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>)";
  bomb += R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="r"><rdf:Description )";
  bomb += R"(xmlns:dc="d"><dc:title>&lol2; &#65;&#x42;&lt;</dc:title></rdf:Description>)";
  bomb += R"(</rdf:RDF></x:xmpmeta>)";
  Report r = MustRead(MakePng({.before_idat = {ItxtChunk("XML:com.adobe.xmp", bomb, false)}}));
  EXPECT_EQ(Value(r, "Xmp.dc.title"), "&lol2; AB<");
}

TEST(Xmp, MalformedMarkupStillYieldsWhatIsThere) {
  const std::string broken =
      R"(<x:xmpmeta><rdf:RDF><rdf:Description dc:format="image/png" <dc:creator>)"
      R"(<rdf:Seq><rdf:li>Unclosed</rdf:Seq></dc:creator><dc:rights>free</dc:rights>)";
  Report r = MustRead(MakePng({.before_idat = {ItxtChunk("XML:com.adobe.xmp", broken, false)}}));
  EXPECT_EQ(Value(r, "Xmp.dc.format"), "image/png");
  EXPECT_EQ(Value(r, "Xmp.dc.creator"), "Unclosed");
  EXPECT_EQ(CategoryOf(r, "Xmp.dc.rights"), Category::kCopyright);
}

// ---------------------------------------------------------------- AI tools without fixtures

Report PngWithText(std::vector<std::pair<std::string, std::string>> texts) {
  PngSpec spec;
  for (auto& [k, v] : texts) spec.before_idat.push_back(ItxtChunk(k, v, false));
  return MustRead(MakePng(spec));
}

TEST(AiTools, SwarmUi) {
  Report r = PngWithText(
      {{"parameters",
        R"({"sui_image_params": {"prompt": "a tiny robot", "negativeprompt": "ugly", )"
        R"("model": "flux1-dev", "seed": 99, "swarm_version": "0.9.5"}, "sui_extra_data": {}})"}});
  const Generation* g = FindGeneration(r, "SwarmUI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->prompt, "a tiny robot");
  EXPECT_EQ(g->negative_prompt, "ugly");
  EXPECT_EQ(g->model, "flux1-dev");
  EXPECT_EQ(g->seed, "99");
}

TEST(AiTools, DrawThingsXmpUserComment) {
  const std::string xmp =
      R"(<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="r"><rdf:Description )"
      R"(xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" )"
      R"(xmp:CreatorTool="Draw Things"><exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">)"
      R"({&quot;c&quot;:&quot;an astronaut&quot;,&quot;uc&quot;:&quot;text&quot;,&quot;seed&quot;:5,)"
      R"(&quot;model&quot;:&quot;sd_v1.5_f16.ckpt&quot;}</rdf:li></rdf:Alt></exif:UserComment>)"
      R"(</rdf:Description></rdf:RDF></x:xmpmeta>)";
  Report r = PngWithText({{"XML:com.adobe.xmp", xmp}});
  const Generation* g = FindGeneration(r, "Draw Things");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->prompt, "an astronaut");
  EXPECT_EQ(g->negative_prompt, "text");
  EXPECT_EQ(g->seed, "5");
  EXPECT_EQ(g->model, "sd_v1.5_f16.ckpt");
  EXPECT_EQ(CategoryOf(r, "Xmp.exif.UserComment"), Category::kGeneration);
}

TEST(AiTools, EasyDiffusionPngKeysAndJpegJson) {
  Report r = PngWithText({{"prompt", "a watercolor fox"},
                          {"negative_prompt", "photo"},
                          {"seed", "31337"},
                          {"use_stable_diffusion_model", "sd-v1-4"},
                          {"num_inference_steps", "25"}});
  const Generation* g = FindGeneration(r, "Easy Diffusion");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(r.generations.size(), 1u) << Dump(r);
  EXPECT_EQ(g->prompt, "a watercolor fox");
  EXPECT_EQ(g->negative_prompt, "photo");
  EXPECT_EQ(g->seed, "31337");
  EXPECT_EQ(g->model, "sd-v1-4");
  EXPECT_EQ(CategoryOf(r, "prompt"), Category::kGeneration);

  Bytes comment = B(std::string_view("ASCII\0\0\0", 8));
  Put(comment, R"({"prompt": "json fox", "seed": 8, "use_stable_diffusion_model": "m"})");
  Bytes tiff = TiffBuilder(true)
                   .Raw(TiffBuilder::kExif, 0x9286, 7, uint32_t(comment.size()), comment)
                   .Build();
  Report j = MustRead(MakeJpeg({.before_scan = {JpegSegment(0xE1, ExifPayload(tiff))}}));
  const Generation* jg = FindGeneration(j, "Easy Diffusion");
  ASSERT_NE(jg, nullptr) << Dump(j);
  EXPECT_EQ(jg->prompt, "json fox");
}

TEST(AiTools, InvokeAiGraphAndWorkflowAreWorkflows) {
  Report r = PngWithText({{"invokeai_graph", R"({"id": "g", "nodes": {}, "edges": []})"},
                          {"invokeai_metadata", R"({"positive_prompt": "castle", "seed": 3,)"
                                                R"( "model": {"name": "sdxl-base"}})"}});
  const Generation* g = FindGeneration(r, "InvokeAI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_TRUE(g->workflow);
  EXPECT_EQ(g->prompt, "castle");
  EXPECT_EQ(g->model, "sdxl-base");
  EXPECT_EQ(r.generations.size(), 1u);
}

TEST(AiTools, ComfyUiContentIsRecognisedUnderAnyKey) {
  Report r = PngWithText({{"my_extra_key", kApiGraph}});
  const Generation* g = FindGeneration(r, "ComfyUI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->evidence, "png:iTXt:my_extra_key");
  EXPECT_FALSE(g->workflow);
  EXPECT_EQ(CategoryOf(r, "my_extra_key"), Category::kGeneration);
}

TEST(AiTools, PlainTextIsNotMistakenForATool) {
  Report r = PngWithText({{"Comment", "Steps: none taken"},
                          {"Description", "{\"note\": \"json but not a tool\"}"},
                          {"prompt", "not json"}});
  EXPECT_TRUE(r.generations.empty()) << Dump(r);
}

TEST(AiTools, FooocusInfotextScheme) {
  Report r = PngWithText({{"parameters",
                           "a goldfish\nNegative prompt: \nSteps: 30, Sampler: dpmpp_2m_sde_gpu, "
                           "Seed: 5, Version: Fooocus v2.4.3"}});
  const Generation* g = FindGeneration(r, "Fooocus");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->prompt, "a goldfish");
  EXPECT_EQ(g->seed, "5");
}

}  // namespace
}  // namespace custody::metadata
