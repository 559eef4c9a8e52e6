// The reader on real files: the AI tools' own output (../shared/fixtures/ai-metadata, every key
// its README lists), ExifTool's test images (spot-checked against `exiftool -j -G1`, version
// 12.57 as packaged by Debian 12; values copied here, exiftool is not run), and the C2PA files.
#include <cmath>
#include <cstdlib>

#include "media/metadata/tests/test_util.h"

namespace custody::metadata {
namespace {

using testing::CountEntries;
using testing::Dump;
using testing::FindEntry;
using testing::FindGeneration;

Report MustRead(const Bytes& data, const ReadOptions& options = {}) {
  auto r = ReadMetadata(data, options);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().ToString();
    return {};
  }
  return std::move(r).value();
}

bool HasGenerationEntries(const Report& r) {
  for (const Entry& e : r.entries) {
    if (e.category == Category::kGeneration) return true;
  }
  return false;
}

// ---------------------------------------------------------------- AUTOMATIC1111

constexpr std::string_view kA1111 = "ai-metadata/sd-parsers/parsers/AUTOMATIC1111/";

void ExpectDuck(const Generation* g) {
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->prompt, "photo of a duck");
  EXPECT_EQ(g->negative_prompt, "monochrome");
  EXPECT_EQ(g->seed, "235284042");
  EXPECT_EQ(g->model, "realistic_realisticVisionV20_v20");
  EXPECT_FALSE(g->workflow);
}

TEST(AiFixtures, Automatic1111PngParameters) {
  CUSTODY_METADATA_FIXTURE(png, std::string(kA1111) + "automatic1111_cropped.png");
  Report r = MustRead(png);
  const Entry* e = FindEntry(r, "parameters", "png:tEXt");
  ASSERT_NE(e, nullptr) << Dump(r);
  EXPECT_EQ(e->category, Category::kGeneration);
  EXPECT_NE(e->value.find("\nSteps: 15, Sampler: UniPC"), std::string::npos);
  ASSERT_EQ(r.generations.size(), 1u) << Dump(r);
  EXPECT_EQ(r.generations[0].tool, "AUTOMATIC1111");
  EXPECT_EQ(r.generations[0].evidence, "png:tEXt:parameters");
  ExpectDuck(&r.generations[0]);
}

TEST(AiFixtures, Automatic1111JpegUserCommentIsUtf16BigEndian) {
  CUSTODY_METADATA_FIXTURE(jpg, std::string(kA1111) + "automatic1111_cropped.jpg");
  Report r = MustRead(jpg);
  const Entry* e = FindEntry(r, "Exif.Photo.UserComment", "jpeg:APP1:Exif");
  ASSERT_NE(e, nullptr) << Dump(r);
  EXPECT_TRUE(e->value.starts_with("photo of a duck\nNegative prompt: monochrome\n")) << e->value;
  EXPECT_EQ(e->category, Category::kGeneration);
  ExpectDuck(FindGeneration(r, "AUTOMATIC1111"));
  EXPECT_EQ(FindGeneration(r, "AUTOMATIC1111")->evidence, "jpeg:APP1:Exif:Exif.Photo.UserComment");
}

TEST(AiFixtures, StealthAlphaPayloadIsDecodedAndRecognised) {
  CUSTODY_METADATA_FIXTURE(png, std::string(kA1111) + "automatic1111_stealth.png");
  Report r = MustRead(png);
  const Entry* e = FindEntry(r, "stealth_pngcomp", "png:alpha-lsb");
  ASSERT_NE(e, nullptr) << Dump(r);
  EXPECT_EQ(e->category, Category::kGeneration);
  EXPECT_TRUE(e->value.starts_with("a circle\nNegative prompt: a square\nSteps: 20")) << e->value;
  const Generation* g = FindGeneration(r, "AUTOMATIC1111");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(g->evidence, "png:alpha-lsb:stealth_pngcomp");
  EXPECT_EQ(g->prompt, "a circle");
  EXPECT_EQ(g->negative_prompt, "a square");
  EXPECT_EQ(g->seed, "2015833630");

  ReadOptions no_stealth;
  no_stealth.stealth = false;
  Report plain = MustRead(png, no_stealth);
  EXPECT_TRUE(plain.entries.empty()) << Dump(plain);
  EXPECT_TRUE(plain.generations.empty());
}

TEST(AiFixtures, ZtxtAfterIdatIsRead) {
  CUSTODY_METADATA_FIXTURE(png, "ai-metadata/sd-parsers/bad_images/text_after_idat.png");
  Report r = MustRead(png);
  const Entry* e = FindEntry(r, "parameters", "png:zTXt");
  ASSERT_NE(e, nullptr) << Dump(r);
  EXPECT_EQ(e->offset, 398u);  // after the IDAT at byte 110
  ExpectDuck(FindGeneration(r, "AUTOMATIC1111"));
  EXPECT_EQ(FindEntry(r, "filename:f")->value, "automatic1111_cropped");
  EXPECT_EQ(FindEntry(r, "date:create")->category, Category::kTime);
}

// ---------------------------------------------------------------- ComfyUI

struct ComfyCase {
  const char* file;
  const char* prompt_start;
  const char* negative_start;
  const char* seed;
  const char* model;
};

TEST(AiFixtures, ComfyUiPngPromptAndWorkflow) {
  const ComfyCase cases[] = {
      {"ai-metadata/sd-parsers/parsers/ComfyUI/img2img_cropped.png",
       "photograph of victorian woman with wings, sky clouds, meadow grass", "watermark, text",
       "280823642470253", "v1-5-pruned-emaonly.ckpt"},
      {"ai-metadata/sd-parsers/parsers/ComfyUI/night_evening_day_morning_cropped.png",
       "(best quality) (night:1.3) (darkness) sky (black)", "(hands), text, error, cropped",
       "335608130539327", "Anything-V3.0.ckpt"},
      {"ai-metadata/sd-parsers/parsers/ComfyUI/noisy_latents_3_subjects_cropped.png",
       "girl (flat chest:0.9)", "(hands), text, error, cropped", "", "Anything-V3.0.ckpt"},
      {"ai-metadata/sd-parsers/parsers/ComfyUI/unclip_2pass_cropped.png",
       "(waifu, anime, exceptional, best aesthetic", "lowres, (bad anatomy)", "1106257833005336",
       "wd-1-5-beta2-aesthetic-unclip-h-fp32.safetensors"},
      {"ai-metadata/comfyui-examples/lora_lora.png", "masterpiece best quality girl", "bad hands",
       "851616030078638", "v1-5-pruned-emaonly.ckpt"},
      {"ai-metadata/comfyui-examples/inpaint_inpaint_example.png",
       "closeup photograph of maine coon (cat:1.2)", "watermark, text", "1040111309094545",
       "512-inpainting-ema.safetensors"},
  };
  for (const ComfyCase& c : cases) {
    SCOPED_TRACE(c.file);
    CUSTODY_METADATA_FIXTURE(png, c.file);
    Report r = MustRead(png);
    const Entry* prompt = FindEntry(r, "prompt", "png:tEXt");
    const Entry* workflow = FindEntry(r, "workflow", "png:tEXt");
    ASSERT_NE(prompt, nullptr) << Dump(r);
    ASSERT_NE(workflow, nullptr) << Dump(r);
    EXPECT_EQ(prompt->category, Category::kGeneration);
    EXPECT_EQ(workflow->category, Category::kGeneration);
    ASSERT_EQ(r.generations.size(), 1u) << Dump(r);
    const Generation& g = r.generations[0];
    EXPECT_EQ(g.tool, "ComfyUI");
    EXPECT_TRUE(g.workflow);
    EXPECT_TRUE(g.prompt.starts_with(c.prompt_start)) << g.prompt;
    EXPECT_TRUE(g.negative_prompt.starts_with(c.negative_start)) << g.negative_prompt;
    if (*c.seed != '\0') {
      EXPECT_EQ(g.seed, c.seed);
    }
    EXPECT_FALSE(g.seed.empty());
    EXPECT_EQ(g.model, c.model);
  }
}

TEST(AiFixtures, ComfyUiAnimatedWebpWorkflowInExifMakeAndPromptInModel) {
  CUSTODY_METADATA_FIXTURE(webp, "ai-metadata/comfyui-examples/wan_text_to_video_wan.webp");
  Report r = MustRead(webp);
  EXPECT_EQ(r.media_type, "image/webp");
  const Entry* make = FindEntry(r, "Exif.Image.Make", "webp:EXIF");
  const Entry* model = FindEntry(r, "Exif.Image.Model", "webp:EXIF");
  ASSERT_NE(make, nullptr) << Dump(r);
  ASSERT_NE(model, nullptr) << Dump(r);
  EXPECT_TRUE(make->value.starts_with("workflow:{\"last_node_id\": 48"));
  EXPECT_TRUE(model->value.starts_with("prompt:{\"3\": {\"inputs\""));
  EXPECT_EQ(make->category, Category::kGeneration);
  EXPECT_EQ(model->category, Category::kGeneration);
  const Generation* g = FindGeneration(r, "ComfyUI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_TRUE(g->workflow);
  EXPECT_TRUE(g->prompt.starts_with("a fox moving quickly in a beautiful winter scenery"));
  EXPECT_TRUE(g->negative_prompt.starts_with("色调艳丽"));  // Wan's stock negative prompt
  EXPECT_EQ(g->seed, "82628696717253");
  EXPECT_EQ(g->model, "wan2.1_t2v_1.3B_fp16.safetensors");
}

// ---------------------------------------------------------------- InvokeAI, NovelAI, Fooocus

TEST(AiFixtures, InvokeAiMetadataSdMetadataAndDream) {
  {
    CUSTODY_METADATA_FIXTURE(png, "ai-metadata/sd-parsers/parsers/InvokeAI/invokeai_imeta1.png");
    Report r = MustRead(png);
    ASSERT_NE(FindEntry(r, "invokeai_metadata", "png:tEXt"), nullptr) << Dump(r);
    const Generation* g = FindGeneration(r, "InvokeAI");
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->prompt, "digital artwork, oil painting. painterly brushstrokes, holidays,");
    EXPECT_TRUE(g->negative_prompt.starts_with("grainy+, photo, oversaturated"));
    EXPECT_EQ(g->seed, "3293022630");
    EXPECT_EQ(g->model, "juggernautXL");
  }
  {
    CUSTODY_METADATA_FIXTURE(png, "ai-metadata/sd-parsers/parsers/InvokeAI/invokeai_sdmeta1.png");
    Report r = MustRead(png);
    ASSERT_NE(FindEntry(r, "sd-metadata", "png:tEXt"), nullptr) << Dump(r);
    ASSERT_NE(FindEntry(r, "Dream", "png:tEXt"), nullptr);
    ASSERT_EQ(r.generations.size(), 1u) << Dump(r);
    const Generation& g = r.generations[0];
    EXPECT_EQ(g.tool, "InvokeAI");
    EXPECT_TRUE(g.prompt.starts_with("professional full body photo of young woman"));
    EXPECT_EQ(g.seed, "2980747362");
    EXPECT_EQ(g.model, "deliberateForInvoke_v08");
  }
  {
    CUSTODY_METADATA_FIXTURE(png, "ai-metadata/sd-parsers/parsers/InvokeAI/invokeai_dream1.png");
    Report r = MustRead(png);
    const Generation* g = FindGeneration(r, "InvokeAI");
    ASSERT_NE(g, nullptr) << Dump(r);
    EXPECT_EQ(g->evidence, "png:tEXt:Dream");
    EXPECT_TRUE(g->prompt.ends_with("low contrast [rendering, glowing eyes, skinny]"));
    EXPECT_EQ(g->seed, "2980747362");
  }
}

TEST(AiFixtures, NovelAiTextChunks) {
  CUSTODY_METADATA_FIXTURE(png, "ai-metadata/sd-parsers/parsers/NovelAI/novelai1_cropped.png");
  Report r = MustRead(png);
  for (const char* key : {"Title", "Description", "Software", "Source", "Comment"}) {
    const Entry* e = FindEntry(r, key, "png:tEXt");
    ASSERT_NE(e, nullptr) << key << "\n" << Dump(r);
    EXPECT_EQ(e->category, Category::kGeneration) << key;
  }
  EXPECT_EQ(FindEntry(r, "Software")->value, "NovelAI");
  const Generation* g = FindGeneration(r, "NovelAI");
  ASSERT_NE(g, nullptr) << Dump(r);
  EXPECT_EQ(r.generations.size(), 1u);
  EXPECT_EQ(g->prompt, "masterpiece, best quality,  cat, space, icon");
  EXPECT_TRUE(g->negative_prompt.starts_with("lowres, bad anatomy, bad hands"));
  EXPECT_EQ(g->seed, "2253955223");
  EXPECT_EQ(g->model, "Stable Diffusion 1D44365E");
}

TEST(AiFixtures, FooocusParametersJsonAndScheme) {
  CUSTODY_METADATA_FIXTURE(png, "ai-metadata/sd-parsers/parsers/Fooocus/fooocus1_cropped.png");
  Report r = MustRead(png);
  ASSERT_NE(FindEntry(r, "parameters", "png:tEXt"), nullptr) << Dump(r);
  const Entry* scheme = FindEntry(r, "fooocus_scheme", "png:tEXt");
  ASSERT_NE(scheme, nullptr);
  EXPECT_EQ(scheme->value, "fooocus");
  ASSERT_EQ(r.generations.size(), 1u) << Dump(r);
  const Generation& g = r.generations[0];
  EXPECT_EQ(g.tool, "Fooocus");
  EXPECT_EQ(g.prompt, "a smiling goldfish");
  EXPECT_EQ(g.model, "juggernautXL_v8Rundiffusion");
  EXPECT_EQ(g.seed, "6952411511246973023");
}

// ---------------------------------------------------------------- negative controls, bad images

TEST(AiFixtures, ControlNetPoseHasNoMetadataAtAll) {
  CUSTODY_METADATA_FIXTURE(png, "ai-metadata/comfyui-examples/controlnet_pose_worship.png");
  Report r = MustRead(png);
  EXPECT_TRUE(r.generations.empty()) << Dump(r);
  EXPECT_FALSE(HasGenerationEntries(r)) << Dump(r);
}

TEST(AiFixtures, UnclipSunsetHasCameraExifButNoGeneration) {
  CUSTODY_METADATA_FIXTURE(png, "ai-metadata/comfyui-examples/unclip_sunset.png");
  Report r = MustRead(png);
  EXPECT_TRUE(r.generations.empty()) << Dump(r);
  EXPECT_FALSE(HasGenerationEntries(r)) << Dump(r);
  // eXIf after the IDAT chunks (exiftool: IFD0 Make/Model, ExifIFD DateTimeOriginal, FNumber 22).
  const Entry* make = FindEntry(r, "Exif.Image.Make", "png:eXIf");
  ASSERT_NE(make, nullptr) << Dump(r);
  EXPECT_EQ(make->value, "NIKON CORPORATION");
  EXPECT_EQ(make->category, Category::kDevice);
  EXPECT_GT(make->offset, 557374u);  // after the last IDAT
  EXPECT_EQ(FindEntry(r, "Exif.Image.Model")->value, "NIKON D90");
  EXPECT_EQ(FindEntry(r, "Exif.Photo.DateTimeOriginal")->value, "2013:01:03 17:59:07");
  EXPECT_EQ(FindEntry(r, "Exif.Photo.FNumber")->value, "220/10");
  EXPECT_EQ(FindEntry(r, "exif:Model", "png:tEXt")->value, "NIKON D90");
  EXPECT_EQ(FindEntry(r, "tIME", "png:tIME")->value, "2023-04-03 23:04:10");
}

TEST(AiFixtures, BadImages) {
  {
    CUSTODY_METADATA_FIXTURE(empty, "ai-metadata/sd-parsers/bad_images/empty_file.png");
    auto r = ReadMetadata(empty);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
  for (const char* f : {"ai-metadata/sd-parsers/bad_images/empty_image.png",
                        "ai-metadata/sd-parsers/bad_images/empty_image.jpg"}) {
    SCOPED_TRACE(f);
    CUSTODY_METADATA_FIXTURE(data, f);
    Report r = MustRead(data);
    EXPECT_TRUE(r.generations.empty()) << Dump(r);
  }
}

// Every ai-metadata file: readable, and every value valid UTF-8.
TEST(AiFixtures, EveryFileReadsToValidUtf8) {
  auto files = testing::FilesUnder("ai-metadata");
  if (files.empty()) {
    if (testing::RequireFixtures()) FAIL() << "ai-metadata fixtures missing";
    GTEST_SKIP() << "ai-metadata fixtures missing";
  }
  size_t read = 0;
  for (const auto& f : files) {
    if (f.extension() == ".md") continue;
    SCOPED_TRACE(f.string());
    auto data = testing::ReadFile(f);
    ASSERT_TRUE(data);
    auto r = ReadMetadata(*data);
    if (!r.ok()) {
      EXPECT_EQ(f.filename(), "empty_file.png") << r.error().ToString();
      continue;
    }
    ++read;
    for (const Entry& e : r->entries) {
      EXPECT_TRUE(testing::ValidUtf8(e.value)) << e.key;
      EXPECT_TRUE(testing::ValidUtf8(e.key));
    }
  }
  EXPECT_GE(read, 20u);
}

// ---------------------------------------------------------------- ExifTool's test images

constexpr std::string_view kExiftool = "metadata/exiftool-t-images/t/images/";

// Degrees from an EXIF "d/1 m/1 s/100" rendering.
double Degrees(const std::string& v) {
  double parts[3] = {0, 0, 0};
  size_t at = 0;
  for (double& part : parts) {
    size_t slash = v.find('/', at);
    size_t end = v.find(' ', at);
    if (slash == std::string::npos) break;
    part = std::strtod(v.substr(at, slash - at).c_str(), nullptr) /
           std::strtod(v.substr(slash + 1, end - slash - 1).c_str(), nullptr);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return parts[0] + parts[1] / 60 + parts[2] / 3600;
}

struct Expect {
  const char* file;
  const char* carrier;  // "" = any
  const char* key;
  const char* value;
  Category category;
};

// Values as `exiftool -j -G1 -n` reports them (rationals as we render them: n/d).
TEST(ExiftoolImages, SpotChecksMatchExiftool) {
  const Expect cases[] = {
      {"Canon.jpg", "jpeg:APP1:Exif", "Exif.Image.Make", "Canon", Category::kDevice},
      {"Canon.jpg", "jpeg:APP1:Exif", "Exif.Image.Model", "Canon EOS DIGITAL REBEL",
       Category::kDevice},
      {"Canon.jpg", "", "Exif.Photo.DateTimeOriginal", "2003:12:04 06:46:52", Category::kTime},
      {"Canon.jpg", "", "Exif.Photo.ExposureTime", "4/1", Category::kTechnical},
      {"Nikon.jpg", "", "Exif.Image.Model", "E775", Category::kDevice},
      {"Nikon.jpg", "", "Exif.Photo.ExposureTime", "10/2134", Category::kTechnical},  // 1/213
      {"Nikon.jpg", "", "Exif.Image.Software", "E775v1.3u", Category::kSoftware},
      {"ExifTool.jpg", "", "Exif.Image.Artist", "Phil Harvey", Category::kAuthor},
      {"ExifTool.jpg", "", "Exif.Image.Copyright", "Copyright 2004 Phil Harvey",
       Category::kCopyright},
      {"ExifTool.jpg", "", "Exif.Image.ImageDescription", "A witty caption",
       Category::kDescription},
      {"ExifTool.jpg", "jpeg:APP12:Ducky", "Ducky.Copyright", "Copyright 2004 Phil Harvey",
       Category::kCopyright},
      {"ExifTool.jpg", "jpeg:COM", "Comment", "a comment", Category::kDescription},
      {"ExifTool.jpg", "jpeg:APP10:UNICODE", "Comment", "\xC2\xA9 PhotoStudio Unicode comment",
       Category::kDescription},
      {"GPS.jpg", "", "Exif.Image.Artist", "Ian Britton", Category::kAuthor},
      {"GPS.jpg", "", "Exif.GPSInfo.GPSLatitudeRef", "N", Category::kGps},
      {"GPS.jpg", "", "Exif.GPSInfo.GPSLongitudeRef", "W", Category::kGps},
      {"GPS.jpg", "", "Exif.GPSInfo.GPSMapDatum", "WGS84", Category::kGps},
      {"IPTC.jpg", "jpeg:APP13:Photoshop", "Iptc.Application2.Byline", "Phil Harvey",
       Category::kAuthor},
      {"IPTC.jpg", "", "Iptc.Application2.BylineTitle", "My Position", Category::kAuthor},
      {"IPTC.jpg", "", "Iptc.Application2.City", "Kingston", Category::kGps},
      {"IPTC.jpg", "", "Iptc.Application2.CountryName", "Canada", Category::kGps},
      {"IPTC.jpg", "", "Iptc.Application2.ObjectName", "Test IPTC picture", Category::kDescription},
      {"IPTC.jpg", "", "Iptc.Application2.Copyright", "Copyright 2004 Phil Harvey",
       Category::kCopyright},
      {"XMP.jpg", "jpeg:APP1:XMP", "Xmp.dc.creator", "Phil Harvey", Category::kAuthor},
      {"XMP.jpg", "", "Xmp.dc.description", "UTF-16 (big-endian) encoded XMP",
       Category::kDescription},
      {"XMP.jpg", "", "Xmp.dc.subject", "ExifTool, Test, XMP", Category::kDescription},
      {"XMP.jpg", "", "Xmp.photoshop.AuthorsPosition", "My Position", Category::kAuthor},
      {"XMP.jpg", "", "Xmp.photoshop.City", "Kingston", Category::kGps},
      {"ExtendedXMP.jpg", "jpeg:APP1:ExtendedXMP", "Xmp.pdf.Author", "PhilToo", Category::kAuthor},
      {"ExtendedXMP.jpg", "jpeg:APP1:ExtendedXMP", "Xmp.pdf.Title", "PDF Title",
       Category::kDescription},
      {"PNG.png", "png:tEXt", "comment", "test comment", Category::kDescription},
      {"PNG.png", "png:iTXt", "Xmp.dc.creator", "Phil Harvey", Category::kAuthor},
      {"GIF.gif", "gif:XMP", "Xmp.dc.title", "GIF with XMP", Category::kDescription},
      {"GIF.gif", "gif:ICC", "ICC", "<ICC profile 'Nikon Adobe RGB 4.0.0.3000', 492 bytes>",
       Category::kTechnical},
      {"RIFF.webp", "webp:EXIF", "Exif.Image.Artist", "me", Category::kAuthor},
      {"RIFF.webp", "webp:XMP", "Xmp.dc.subject", "test", Category::kDescription},
      {"RIFF.wav", "wav:LIST:INFO", "INFO.ICRD", "2005-08-08", Category::kTime},
      {"RIFF.wav", "wav:LIST:exif", "exif.ecor", "PENTAX Corporation", Category::kDevice},
      {"RIFF.wav", "wav:LIST:exif", "exif.emdl", "PENTAX Optio WP", Category::kDevice},
      {"MP3.mp3", "mp3:ID3v2", "ID3.TIT2", "ExifTool Test", Category::kDescription},
      {"MP3.mp3", "mp3:ID3v2", "ID3.TPE1", "Phil Harvey", Category::kAuthor},
      {"MP3.mp3", "mp3:ID3v2", "ID3.TALB", "Phil's Greatest Hits", Category::kDescription},
      {"MP3.mp3", "mp3:ID3v2", "ID3.TCOM", "A Composer", Category::kAuthor},
      {"MP3.mp3", "mp3:ID3v2", "ID3.COMM", "My Comments", Category::kDescription},
      {"MP3.mp3", "mp3:ID3v2", "ID3.USLT", "Do-wap she-bang", Category::kDescription},
      {"MP3.mp3", "mp3:ID3v1", "ID3v1.Title", "Title", Category::kDescription},
      {"MP3.mp3", "mp3:ID3v1", "ID3v1.Year", "2003", Category::kTime},
      {"MP3.mp3", "mp3:ID3v1", "ID3v1.Genre", "Hip-Hop", Category::kDescription},
      {"QuickTime.mov", "mp4:moov/udta",
       "QuickTime.\xC2\xA9"
       "com",
       "c\xC3\xB8mp\xC3\xB8s\xC3\xA9r", Category::kAuthor},
      {"QuickTime.mov", "mp4:moov/udta", "QuickTime.\xC2\xA9gen", "Genr\xC3\xA9",
       Category::kDescription},
      {"QuickTime.mov", "mp4:moov/udta", "QuickTime.aART",
       "\xC3\xA5lb\xC3\xBCm \xC3\xA5rt\xC3\xAEst", Category::kAuthor},
      {"QuickTime.mov", "mp4:moov/meta", "QuickTime.com.apple.quicktime.comment",
       "\xC3\xA7\xC3\xB8mm\xC3\xA9nts", Category::kDescription},
      {"QuickTime.mov", "mp4:moov/udta", "Xmp.dc.creator", "Phil Harvey", Category::kAuthor},
      {"QuickTime.m4a", "mp4:moov/udta", "QuickTime.\xC2\xA9nam", "Sample", Category::kDescription},
      {"QuickTime.m4a", "mp4:moov/udta", "QuickTime.\xC2\xA9too", "iTunes v4.9, QuickTime 7.0.1",
       Category::kSoftware},
      {"QuickTime.m4a", "mp4:moov/udta",
       "QuickTime.\xC2\xA9"
       "ART",
       "Phil Harvey", Category::kAuthor},
  };
  for (const Expect& c : cases) {
    SCOPED_TRACE(std::string(c.file) + " " + c.key);
    CUSTODY_METADATA_FIXTURE(data, std::string(kExiftool) + c.file);
    Report r = MustRead(data);
    const Entry* e = FindEntry(r, c.key, c.carrier);
    ASSERT_NE(e, nullptr) << Dump(r);
    EXPECT_EQ(e->value, c.value);
    EXPECT_EQ(e->category, c.category);
    EXPECT_TRUE(r.generations.empty()) << Dump(r);
  }
}

TEST(ExiftoolImages, GpsCoordinatesMatchExiftool) {
  CUSTODY_METADATA_FIXTURE(data, std::string(kExiftool) + "GPS.jpg");
  Report r = MustRead(data);
  const Entry* lat = FindEntry(r, "Exif.GPSInfo.GPSLatitude");
  const Entry* lon = FindEntry(r, "Exif.GPSInfo.GPSLongitude");
  ASSERT_NE(lat, nullptr) << Dump(r);
  ASSERT_NE(lon, nullptr);
  EXPECT_EQ(lat->value, "54/1 5938/100 0/1");
  // exiftool -n: GPSLatitude 54.9896666666667, GPSLongitude 1.91416666666667.
  EXPECT_NEAR(Degrees(lat->value), 54.9896666666667, 1e-9);
  EXPECT_NEAR(Degrees(lon->value), 1.91416666666667, 1e-9);
}

TEST(ExiftoolImages, IptcRepeatedDatasetsAreSeparateEntries) {
  CUSTODY_METADATA_FIXTURE(data, std::string(kExiftool) + "IPTC.jpg");
  Report r = MustRead(data);
  // exiftool: Keywords "ExifTool, Test, IPTC"; SupplementalCategories "amazing, image, utilities".
  EXPECT_EQ(CountEntries(r, "Iptc.Application2.Keywords"), 3u) << Dump(r);
  EXPECT_EQ(CountEntries(r, "Iptc.Application2.SuppCategory"), 3u);
}

// All 194 files: a report or an Error, never a crash (ASan/UBSan catch the rest).
TEST(ExiftoolImages, EveryFileReturns) {
  auto files = testing::FilesUnder(std::string(kExiftool));
  if (files.empty()) {
    if (testing::RequireFixtures()) FAIL() << "exiftool test images missing";
    GTEST_SKIP() << "exiftool test images missing";
  }
  EXPECT_EQ(files.size(), 194u);
  size_t read = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    auto data = testing::ReadFile(f);
    ASSERT_TRUE(data);
    auto r = ReadMetadata(*data);
    if (!r.ok()) {
      EXPECT_TRUE(r.error().code() == ErrorCode::kUnsupportedMedia ||
                  r.error().code() == ErrorCode::kInvalidArgument)
          << r.error().ToString();
      continue;
    }
    ++read;
    EXPECT_LE(r->warnings.size(), 65u);  // 64 kept, then "further warnings omitted"
    for (const Entry& e : r->entries) {
      EXPECT_TRUE(testing::ValidUtf8(e.value)) << e.key;
      EXPECT_TRUE(testing::ValidUtf8(e.key)) << e.key;
    }
  }
  // 41 JPEG + PNG, GIF, WebP, WAV, MP3, MOV, M4A, and the JPEG-based JPS/MPO-like files.
  EXPECT_GE(read, 48u);
}

// ---------------------------------------------------------------- C2PA fixtures

TEST(C2paFixtures, ManifestStoresAreFoundInEveryContainer) {
  struct Case {
    const char* file;
    const char* carrier;
    bool ai;
  };
  const Case cases[] = {
      {"c2pa/C.jpg", "jpeg:APP11:JUMBF", false},
      {"c2pa/CA.jpg", "jpeg:APP11:JUMBF", false},
      {"c2pa/CACA.jpg", "jpeg:APP11:JUMBF", false},
      {"c2pa/handbuilt/min.jpg", "jpeg:APP11:JUMBF", true},
      {"c2pa/handbuilt/min.png", "png:caBX", true},
      {"c2pa/handbuilt/min.wav", "wav:C2PA", true},
      {"c2pa/reference-c2pa-rs/genai_es256.jpg", "jpeg:APP11:JUMBF", true},
      {"c2pa/reference-c2pa-rs/genai_es256.png", "png:caBX", true},
      {"c2pa/reference-c2pa-rs/genai_es256.wav", "wav:C2PA", true},
      {"c2pa/reference-c2pa-rs/genai_es256.mp4", "mp4:uuid:c2pa", true},
      {"c2pa/reference-c2pa-rs/edited_from_CA.jpg", "jpeg:APP11:JUMBF", true},
      {"c2pa/dashinit.mp4", "mp4:uuid:c2pa", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    CUSTODY_METADATA_FIXTURE(data, c.file);
    Report r = MustRead(data);
    EXPECT_TRUE(r.c2pa) << Dump(r);
    const Entry* e = FindEntry(r, "C2PA", c.carrier);
    ASSERT_NE(e, nullptr) << Dump(r);
    EXPECT_TRUE(e->binary);
    EXPECT_EQ(e->category, Category::kProvenance);
    if (c.ai) {
      EXPECT_TRUE(r.digital_source_type.ends_with("rainedAlgorithmicMedia"))
          << r.digital_source_type;
      ASSERT_EQ(r.generations.size(), 1u) << Dump(r);
      EXPECT_EQ(r.generations[0].tool, "unknown");
      EXPECT_EQ(r.generations[0].evidence, std::string(c.carrier) + ":C2PA.digitalSourceType");
    } else {
      EXPECT_TRUE(r.generations.empty()) << Dump(r);
    }
  }
}

TEST(C2paFixtures, DigitalSourceTypeIsReadFromTheManifest) {
  CUSTODY_METADATA_FIXTURE(genai, "c2pa/reference-c2pa-rs/genai_es256.png");
  Report r = MustRead(genai);
  EXPECT_EQ(r.digital_source_type,
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia");
  CUSTODY_METADATA_FIXTURE(camera, "c2pa/C.jpg");
  Report c = MustRead(camera);  // algorithmicMedia is not "trained": no generation
  EXPECT_EQ(c.digital_source_type,
            "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia");
  EXPECT_TRUE(c.generations.empty());
}

TEST(C2paFixtures, FilesWithoutManifest) {
  for (const char* f :
       {"c2pa/no_manifest.jpg", "c2pa/earth_apollo17.jpg", "c2pa/gradient64.png",
        "c2pa/libpng-test.png", "c2pa/tone_8k_mono.wav", "c2pa/video1_no_manifest.mp4"}) {
    SCOPED_TRACE(f);
    CUSTODY_METADATA_FIXTURE(data, f);
    Report r = MustRead(data);
    EXPECT_FALSE(r.c2pa) << Dump(r);
    EXPECT_TRUE(r.generations.empty()) << Dump(r);
  }
  CUSTODY_METADATA_FIXTURE(earth, "c2pa/earth_apollo17.jpg");
  Report r = MustRead(earth);
  EXPECT_EQ(FindEntry(r, "ICC", "jpeg:APP2:ICC_PROFILE")->value,
            "<ICC profile 'sRGB IEC61966-2.1', 3144 bytes>");
  EXPECT_EQ(FindEntry(r, "Exif.Image.Software")->value, "Adobe Photoshop 21.1 (Macintosh)");
}

}  // namespace
}  // namespace custody::metadata
