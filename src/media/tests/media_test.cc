#include "media/media.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>
#include <vips/vips8>

#include "media/edit.h"
#include "media/procedural.h"
#include "media/scrub.h"
#include "media/tests/test_util.h"

namespace custody {
namespace {

using media_test::MakeGif;
using media_test::MakeJpeg;
using media_test::MakePng;
using media_test::MakeWebp;
using media_test::RandomBytes;

std::string Sniff(std::string_view s) { return SniffMediaType(AsBytes(s)); }

TEST(InitMediaTest, IsIdempotentAndThreadSafe) {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (InitMedia().ok() && InitMedia().ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
}

TEST(InitMediaTest, BlocksLoadersOutsideTheAllowList) {
  ASSERT_TRUE(InitMedia().ok());
  // A valid PPM: libvips would load it if the loader were not blocked.
  std::string ppm = "P6\n2 2\n255\n" + std::string(12, '\x7f');
  EXPECT_THROW(vips::VImage::new_from_buffer(ppm.data(), ppm.size(), ""), vips::VError);
  std::string svg = R"(<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>)";
  EXPECT_THROW(vips::VImage::new_from_buffer(svg.data(), svg.size(), ""), vips::VError);
  vips_error_clear();
}

TEST(SniffMediaTypeTest, RecognisesMagicNumbers) {
  EXPECT_EQ(SniffMediaType(MakePng(4, 4)), "image/png");
  EXPECT_EQ(SniffMediaType(MakeJpeg(8, 8)), "image/jpeg");
  EXPECT_EQ(SniffMediaType(MakeWebp(8, 8)), "image/webp");
  EXPECT_EQ(SniffMediaType(MakeGif(8, 8)), "image/gif");
  EXPECT_EQ(Sniff("GIF87a...."), "image/gif");
  EXPECT_EQ(Sniff(std::string("RIFF\x24\0\0\0WAVEfmt ", 16)), "audio/wav");
  EXPECT_EQ(Sniff(std::string("\0\0\0\x18"
                              "ftypisom\0\0\0\0",
                              16)),
            "video/mp4");
  EXPECT_EQ(Sniff(std::string("\0\0\0\x18"
                              "ftypmp42\0\0\0\0",
                              16)),
            "video/mp4");
  EXPECT_EQ(Sniff("ID3\x04\x00\x00\x00\x00\x00\x00"), "audio/mpeg");
  EXPECT_EQ(Sniff("\xFF\xFB\x90\x64\x00"), "audio/mpeg");
}

TEST(SniffMediaTypeTest, HeifAndAvifAreNotVideo) {
  EXPECT_EQ(Sniff(std::string("\0\0\0\x18"
                              "ftypheic\0\0\0\0",
                              16)),
            "application/octet-stream");
  EXPECT_EQ(Sniff(std::string("\0\0\0\x18"
                              "ftypavif\0\0\0\0",
                              16)),
            "application/octet-stream");
}

TEST(SniffMediaTypeTest, TextIsValidUtf8WithoutNul) {
  EXPECT_EQ(Sniff("hello, world\n"), "text/plain");
  EXPECT_EQ(Sniff("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"), "text/plain");
  EXPECT_EQ(Sniff("cut mid-character \xE6\x97"), "text/plain");  // prefix of a longer file
  EXPECT_EQ(Sniff(std::string("nul\0byte", 8)), "application/octet-stream");
  EXPECT_EQ(Sniff("\xC0\xAF overlong"), "application/octet-stream");
  EXPECT_EQ(Sniff("\xED\xA0\x80 surrogate"), "application/octet-stream");
  EXPECT_EQ(Sniff("\xF4\x90\x80\x80 too big"), "application/octet-stream");
  EXPECT_EQ(Sniff("\x80 stray continuation"), "application/octet-stream");
  EXPECT_EQ(Sniff(""), "application/octet-stream");
}

TEST(ProbeImageTest, ReportsFormatAndSize) {
  struct Case {
    Bytes data;
    std::string type, format;
  };
  std::vector<Case> cases = {
      {MakePng(40, 30), "image/png", "png"},    {MakePng(40, 30, 4), "image/png", "png"},
      {MakePng(40, 30, 1), "image/png", "png"}, {MakeJpeg(40, 30), "image/jpeg", "jpeg"},
      {MakeWebp(40, 30), "image/webp", "webp"}, {MakeGif(40, 30), "image/gif", "gif"}};
  for (const auto& c : cases) {
    auto info = ProbeImage(c.data);
    ASSERT_TRUE(info.ok()) << c.format << ": " << info.error().ToString();
    EXPECT_EQ(info->media_type, c.type);
    EXPECT_EQ(info->format, c.format);
    EXPECT_EQ(info->width, 40);
    EXPECT_EQ(info->height, 30);
  }
}

TEST(ProbeImageTest, RejectsEmptyAndNonImages) {
  auto empty = ProbeImage({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);

  auto text = ProbeImage(AsBytes("just some text"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code(), ErrorCode::kUnsupportedMedia);
  EXPECT_NE(text.error().message().find("text/plain"), std::string::npos);

  auto random = ProbeImage(RandomBytes(4096, 7));
  ASSERT_FALSE(random.ok());
  EXPECT_EQ(random.error().code(), ErrorCode::kUnsupportedMedia);
}

TEST(ProbeImageTest, RejectsTruncatedAndCorruptFiles) {
  Bytes png = MakePng(64, 64);
  for (size_t keep : {size_t(8), size_t(20), size_t(40), png.size() / 2, png.size() - 13}) {
    Bytes cut(png.begin(), png.begin() + long(keep));
    auto r = ProbeImage(cut);
    ASSERT_FALSE(r.ok()) << "kept " << keep;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  }
  Bytes jpeg = MakeJpeg(64, 64);
  Bytes cut(jpeg.begin(), jpeg.begin() + long(jpeg.size() / 2));
  auto r = ProbeImage(cut);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);

  Bytes corrupt = png;  // scribble over the compressed data (CRC now wrong too)
  for (size_t i = 60; i < corrupt.size() - 20; i += 7) corrupt[i] ^= 0x5A;
  EXPECT_FALSE(ProbeImage(corrupt).ok());
}

TEST(ProbeImageTest, RefusesDecompressionBombsBeforeDecoding) {
  // A 64x64 PNG whose header claims 100000 x 100000: refused on the header alone.
  Bytes bomb = media_test::SetPngSize(MakePng(64, 64), 100000, 100000);
  auto r = ProbeImage(bomb);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kPayloadTooLarge) << r.error().ToString();

  // Same for a JPEG frame header claiming 60000 x 60000.
  Bytes jpeg = MakeJpeg(16, 16);
  for (size_t i = 0; i + 8 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) {
      jpeg[i + 5] = 0xEA, jpeg[i + 6] = 0x60, jpeg[i + 7] = 0xEA, jpeg[i + 8] = 0x60;
      break;
    }
  }
  auto j = ProbeImage(jpeg);
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.error().code(), ErrorCode::kPayloadTooLarge) << j.error().ToString();
}

TEST(ProbeImageTest, SurvivesMutatedFiles) {
  // Not a fuzzer, but a cheap sweep: single-byte and short-run corruptions of valid files must
  // give a value (either way), never a crash or a sanitizer report.
  for (const Bytes& base : {MakePng(24, 24, 4), MakeJpeg(24, 24), MakeGif(24, 24)}) {
    for (uint64_t seed = 0; seed < 60; ++seed) {
      Bytes m = base;
      Bytes noise = RandomBytes(4, seed);
      size_t at = 8 + (size_t(noise[0]) << 8 | noise[1]) % (m.size() - 8);
      size_t run = 1 + noise[2] % 6;
      for (size_t k = 0; k < run && at + k < m.size(); ++k) m[at + k] ^= uint8_t(noise[3] | 1);
      auto r = ProbeImage(m);
      if (r.ok()) {
        EXPECT_GT(r->width, 0);
      }
    }
  }
}

// Counts live libvips objects, to prove media/ releases every image it makes (the LSan
// suppressions for glib/libvips internals would otherwise hide such a leak).
int LiveVipsObjects() {
  int count = 0;
  vips_object_map(
      [](void*, void* a, void*) -> void* {
        ++*static_cast<int*>(a);
        return nullptr;
      },
      &count, nullptr);
  return count;
}

TEST(InitMediaTest, OperationsLeaveNoVipsObjectsBehind) {
  ASSERT_TRUE(InitMedia().ok());
  Bytes png = MakePng(32, 32, 4);
  Bytes jpeg = MakeJpeg(32, 32);
  int before = LiveVipsObjects();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(ProbeImage(png).ok());
    ASSERT_FALSE(ProbeImage(media_test::SetPngSize(png, 100000, 100000)).ok());
    ProceduralSpec spec{.prompt = "leak check", .seed = 1, .width = 32, .height = 32};
    spec.references = {jpeg};
    ASSERT_TRUE(RenderProcedural(spec, nullptr).ok());
    std::vector<EditOp> ops = {EditOp{ResizeOp{16, 0}}, EditOp{AdjustOp{0.1, 1.2, 0.5}}};
    ASSERT_TRUE(ApplyEdits(png, ops, "jpeg").ok());
    ASSERT_FALSE(ApplyEdits(Bytes(png.begin(), png.begin() + 100), ops, "").ok());
  }
  EXPECT_EQ(LiveVipsObjects(), before);
}

}  // namespace
}  // namespace custody
