#include "media/edit.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/json.h"
#include "media/media.h"
#include "media/scrub.h"
#include "media/tests/test_util.h"

namespace custody {
namespace {

using media_test::Decode;
using media_test::MakeJpeg;
using media_test::MakePng;

Result<EditOp> Parse(std::string_view text) {
  auto o = ParseJsonObject(text);
  EXPECT_TRUE(o.ok()) << text;
  return ParseEditOp(*o);
}

// ---- parsing ----

TEST(ParseEditOpTest, ParsesEveryOp) {
  EXPECT_EQ(*Parse(R"({"op":"crop","x":1,"y":2,"w":3,"h":4})"), (EditOp{CropOp{1, 2, 3, 4}}));
  EXPECT_EQ(*Parse(R"({"op":"resize","width":100})"), (EditOp{ResizeOp{100, 0}}));
  EXPECT_EQ(*Parse(R"({"op":"resize","height":50})"), (EditOp{ResizeOp{0, 50}}));
  EXPECT_EQ(*Parse(R"({"op":"rotate","degrees":270})"), (EditOp{RotateOp{270}}));
  EXPECT_EQ(*Parse(R"({"op":"flip","horizontal":false})"), (EditOp{FlipOp{false}}));
  EXPECT_EQ(*Parse(R"({"op":"adjust","brightness":-0.5,"contrast":2,"saturation":0})"),
            (EditOp{AdjustOp{-0.5, 2.0, 0.0}}));
  EXPECT_EQ(*Parse(R"({"op":"adjust"})"), (EditOp{AdjustOp{}}));
}

TEST(ParseEditOpTest, RoundTripsThroughJson) {
  for (const EditOp& op :
       {EditOp{CropOp{5, 6, 7, 8}}, EditOp{ResizeOp{0, 9}}, EditOp{RotateOp{180}},
        EditOp{FlipOp{true}}, EditOp{AdjustOp{0.25, 1.5, 2.5}}}) {
    auto back = ParseEditOp(EditOpToJson(op));
    ASSERT_TRUE(back.ok()) << back.error().ToString();
    EXPECT_EQ(*back, op) << op.Name();
  }
}

TEST(ParseEditOpTest, ErrorsNameTheOpAndField) {
  struct Case {
    std::string json, mentions;
  };
  std::vector<Case> cases = {
      {R"({})", "'op'"},
      {R"({"op":5})", "'op'"},
      {R"({"op":"blur"})", "blur"},
      {R"({"op":"crop","x":0,"y":0,"w":10})", "'h'"},
      {R"({"op":"crop","x":-1,"y":0,"w":10,"h":10})", "'x'"},
      {R"({"op":"crop","x":0,"y":0,"w":0,"h":10})", "'w'"},
      {R"({"op":"crop","x":0.5,"y":0,"w":10,"h":10})", "'x'"},
      {R"({"op":"crop","x":"0","y":0,"w":10,"h":10})", "'x'"},
      {R"({"op":"crop","x":0,"y":0,"w":10,"h":10,"width":3})", "'width'"},
      {R"({"op":"resize"})", "resize"},
      {R"({"op":"resize","width":0,"height":0})", "resize"},
      {R"({"op":"resize","width":20000})", "'width'"},
      {R"({"op":"resize","width":-3})", "'width'"},
      {R"({"op":"rotate","degrees":45})", "'degrees'"},
      {R"({"op":"rotate"})", "'degrees'"},
      {R"({"op":"flip"})", "'horizontal'"},
      {R"({"op":"flip","horizontal":"yes"})", "'horizontal'"},
      {R"({"op":"adjust","brightness":1.5})", "'brightness'"},
      {R"({"op":"adjust","contrast":-0.1})", "'contrast'"},
      {R"({"op":"adjust","saturation":3.01})", "'saturation'"},
      {R"({"op":"adjust","saturation":"high"})", "'saturation'"},
      {R"({"op":"adjust","gamma":2})", "'gamma'"},
  };
  for (const auto& c : cases) {
    auto r = Parse(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.mentions), std::string::npos)
        << c.json << " -> " << r.error().message();
  }
}

// ---- applying ----

class ApplyEditsTest : public ::testing::Test {
 protected:
  static MediaInfo Apply(const Bytes& in, std::vector<EditOp> ops, std::string_view format = "") {
    auto out = ApplyEdits(in, ops, format);
    EXPECT_TRUE(out.ok()) << out.error().ToString();
    if (!out.ok()) return {};
    auto info = ProbeImage(*out);
    EXPECT_TRUE(info.ok());
    return info.ok() ? *info : MediaInfo{};
  }
  Bytes png_ = MakePng(200, 100);
};

TEST_F(ApplyEditsTest, CropGivesTheRectangle) {
  MediaInfo info = Apply(png_, {EditOp{CropOp{10, 20, 50, 30}}});
  EXPECT_EQ(info.width, 50);
  EXPECT_EQ(info.height, 30);
  info = Apply(png_, {EditOp{CropOp{0, 0, 200, 100}}});
  EXPECT_EQ(info.width, 200);
}

TEST_F(ApplyEditsTest, CropOutsideTheImageIsAnErrorNamingTheOp) {
  auto r = ApplyEdits(png_,
                      std::vector<EditOp>{EditOp{RotateOp{90}}, EditOp{CropOp{0, 0, 150, 10}}}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("edit op 1 (crop)"), std::string::npos) << r.error().message();
}

TEST_F(ApplyEditsTest, ResizeGivesExactSizeAndKeepsAspectWhenOneSideIsZero) {
  MediaInfo info = Apply(png_, {EditOp{ResizeOp{77, 33}}});
  EXPECT_EQ(info.width, 77);
  EXPECT_EQ(info.height, 33);
  info = Apply(png_, {EditOp{ResizeOp{50, 0}}});
  EXPECT_EQ(info.width, 50);
  EXPECT_EQ(info.height, 25);
  info = Apply(png_, {EditOp{ResizeOp{0, 300}}});
  EXPECT_EQ(info.width, 600);
  EXPECT_EQ(info.height, 300);
  info = Apply(MakePng(97, 61, 4), {EditOp{ResizeOp{13, 0}}});
  EXPECT_EQ(info.width, 13);
  EXPECT_EQ(info.height, 8);
}

TEST_F(ApplyEditsTest, ResizeOverThePixelLimitIsRefused) {
  auto r = ApplyEdits(MakePng(10, 1000), std::vector<EditOp>{EditOp{ResizeOp{16000, 0}}}, "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ApplyEditsTest, RotateSwapsDimensions) {
  MediaInfo info = Apply(png_, {EditOp{RotateOp{90}}});
  EXPECT_EQ(info.width, 100);
  EXPECT_EQ(info.height, 200);
  info = Apply(png_, {EditOp{RotateOp{180}}});
  EXPECT_EQ(info.width, 200);
  info = Apply(png_, {EditOp{RotateOp{270}}});
  EXPECT_EQ(info.height, 200);
}

TEST_F(ApplyEditsTest, RotateIsClockwiseAndFlipMirrors) {
  // Top-left pixel of the test pattern is (r=0, g=0); top-right has r=255.
  auto original = Decode(png_);
  auto flipped = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{FlipOp{true}}}, "png"));
  ASSERT_TRUE(original && flipped);
  const size_t row = size_t(original->width) * 3;
  for (size_t x = 0; x < size_t(original->width); ++x) {
    EXPECT_EQ(flipped->data[3 * x], original->data[row - 3 * (x + 1)]);
  }
  auto vflip = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{FlipOp{false}}}, "png"));
  ASSERT_TRUE(vflip);
  EXPECT_EQ(vflip->data[1], original->data[original->data.size() - row + 1]);

  // After a clockwise quarter turn the old bottom-left corner (r=0, g=255) is top-left.
  auto rotated = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{RotateOp{90}}}, "png"));
  ASSERT_TRUE(rotated);
  EXPECT_EQ(rotated->data[0], 0);
  EXPECT_EQ(rotated->data[1], 255);
}

TEST_F(ApplyEditsTest, AdjustChangesColours) {
  auto grey = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{AdjustOp{0, 1, 0}}}, "png"));
  ASSERT_TRUE(grey);
  for (size_t i = 0; i < grey->data.size(); i += 3) {
    ASSERT_EQ(grey->data[i], grey->data[i + 1]);
    ASSERT_EQ(grey->data[i + 1], grey->data[i + 2]);
  }
  auto white = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{AdjustOp{1, 1, 1}}}, "png"));
  ASSERT_TRUE(white);
  for (uint8_t v : white->data) ASSERT_EQ(v, 255);
  auto flat = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{AdjustOp{0, 0, 1}}}, "png"));
  ASSERT_TRUE(flat);
  for (uint8_t v : flat->data) ASSERT_EQ(v, 128);  // 127.5 rounded half up
  auto same = Decode(*ApplyEdits(png_, std::vector<EditOp>{EditOp{AdjustOp{}}}, "png"));
  EXPECT_EQ(same, Decode(png_));
}

TEST_F(ApplyEditsTest, IsDeterministic) {
  std::vector<EditOp> ops = {EditOp{CropOp{5, 5, 150, 80}}, EditOp{ResizeOp{64, 0}},
                             EditOp{RotateOp{270}}, EditOp{FlipOp{true}},
                             EditOp{AdjustOp{0.1, 1.3, 1.4}}};
  for (std::string_view format : {"png", "jpeg"}) {
    auto a = ApplyEdits(png_, ops, format);
    auto b = ApplyEdits(png_, ops, format);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(*a, *b) << format;
  }
}

TEST_F(ApplyEditsTest, OutputFormatFollowsRequestOrInput) {
  EXPECT_EQ(SniffMediaType(*ApplyEdits(png_, {}, "")), "image/png");
  EXPECT_EQ(SniffMediaType(*ApplyEdits(png_, {}, "jpeg")), "image/jpeg");
  Bytes jpeg = MakeJpeg(40, 40);
  EXPECT_EQ(SniffMediaType(*ApplyEdits(jpeg, {}, "")), "image/jpeg");
  EXPECT_EQ(SniffMediaType(*ApplyEdits(jpeg, {}, "png")), "image/png");
  EXPECT_EQ(SniffMediaType(*ApplyEdits(media_test::MakeWebp(40, 40), {}, "")), "image/png");
  auto bad = ApplyEdits(png_, {}, "gif");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ApplyEditsTest, AlphaIsKeptForPngAndFlattenedForJpeg) {
  Bytes rgba = MakePng(30, 30, 4);
  auto png = Decode(*ApplyEdits(rgba, std::vector<EditOp>{EditOp{ResizeOp{15, 15}}}, "png"));
  auto jpeg = Decode(*ApplyEdits(rgba, std::vector<EditOp>{EditOp{ResizeOp{15, 15}}}, "jpeg"));
  ASSERT_TRUE(png && jpeg);
  EXPECT_EQ(png->bands, 4);
  EXPECT_EQ(jpeg->bands, 3);
}

TEST_F(ApplyEditsTest, OutputCarriesNoMetadata) {
  Bytes tagged = media_test::InsertPngChunk(png_, "tEXt", media_test::TextChunk("parameters", "x"),
                                            media_test::Where::kAfterIhdr);
  Bytes icc = media_test::SrgbIccProfile();
  tagged = media_test::InsertPngChunk(
      tagged, "iCCP",
      media_test::ZtxtChunk(
          "sRGB", std::string_view(reinterpret_cast<const char*>(icc.data()), icc.size())),
      media_test::Where::kAfterIhdr);
  auto out = ApplyEdits(tagged, std::vector<EditOp>{EditOp{FlipOp{true}}}, "");
  ASSERT_TRUE(out.ok()) << out.error().ToString();
  auto carriers = ListMetadata(*out, "image/png");
  ASSERT_TRUE(carriers.ok());
  for (const auto& c : *carriers) EXPECT_EQ(c, "png:pHYs");

  Bytes jpeg = media_test::InsertJpegSegment(MakeJpeg(40, 20), 0xE1,
                                             media_test::ExifApp1(1, "Cam", "(c) me", "Steps: 20"));
  jpeg = media_test::InsertJpegSegment(jpeg, 0xFE, Bytes{'h', 'i'});
  auto jout = ApplyEdits(jpeg, std::vector<EditOp>{EditOp{FlipOp{true}}}, "");
  ASSERT_TRUE(jout.ok()) << jout.error().ToString();
  auto jcarriers = ListMetadata(*jout, "image/jpeg");
  ASSERT_TRUE(jcarriers.ok());
  for (const auto& c : *jcarriers) EXPECT_EQ(c, "jpeg:APP0:JFIF");
}

TEST_F(ApplyEditsTest, ExifOrientationIsAppliedToThePixels) {
  // Orientation 6: the stored 40x20 image displays rotated a quarter turn clockwise (20x40).
  Bytes jpeg = media_test::InsertJpegSegment(MakeJpeg(40, 20), 0xE1,
                                             media_test::ExifApp1(6, "Cam", "", "x"));
  MediaInfo info = Apply(jpeg, {});
  EXPECT_EQ(info.width, 20);
  EXPECT_EQ(info.height, 40);
}

TEST_F(ApplyEditsTest, HostileInputsGiveErrors) {
  std::vector<EditOp> ops = {EditOp{ResizeOp{10, 10}}};
  struct Case {
    Bytes in;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {{}, ErrorCode::kInvalidArgument},
      {Bytes(png_.begin(), png_.begin() + long(png_.size() / 2)), ErrorCode::kInvalidArgument},
      {media_test::RandomBytes(1000, 9), ErrorCode::kUnsupportedMedia},
      {media_test::SetPngSize(png_, 50000, 50000), ErrorCode::kPayloadTooLarge},
  };
  for (const auto& c : cases) {
    auto r = ApplyEdits(c.in, ops, "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), c.code) << r.error().ToString();
  }
  std::vector<EditOp> too_many(kMaxEditOps + 1, EditOp{FlipOp{true}});
  EXPECT_FALSE(ApplyEdits(png_, too_many, "").ok());
}

}  // namespace
}  // namespace custody
