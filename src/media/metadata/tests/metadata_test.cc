// The ReadMetadata contract: errors for empty, unsupported and unreadable input; media types as
// sniffed; category names.
#include <set>

#include "media/metadata/tests/test_util.h"

namespace custody::metadata {
namespace {

using namespace testing;  // NOLINT: builders

TEST(ReadMetadata, CategoryNamesAreDistinctAndLowerCase) {
  const Category all[] = {Category::kGeneration, Category::kGps,         Category::kAuthor,
                          Category::kCopyright,  Category::kSoftware,    Category::kDevice,
                          Category::kTime,       Category::kDescription, Category::kProvenance,
                          Category::kTechnical,  Category::kOther};
  std::set<std::string_view> names;
  for (Category c : all) {
    std::string_view n = CategoryName(c);
    EXPECT_FALSE(n.empty());
    for (char ch : n) EXPECT_TRUE(ch >= 'a' && ch <= 'z') << n;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), std::size(all));
  EXPECT_EQ(CategoryName(Category::kGeneration), "generation");
  EXPECT_EQ(CategoryName(Category::kGps), "gps");
  EXPECT_EQ(CategoryName(Category::kAuthor), "author");
}

TEST(ReadMetadata, EmptyInputIsInvalidArgument) {
  auto r = ReadMetadata({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

TEST(ReadMetadata, FormatsWithoutAReaderAreUnsupportedAndNamed) {
  struct Case {
    Bytes data;
    const char* type;
  };
  const Case cases[] = {{B("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), "application/octet-stream"},
                        {B("just some text"), "text/plain"},
                        {B("\0\0\0\x18"
                           "ftypheic\0\0\0\0heicmif1"),
                         "application/octet-stream"}};
  for (const Case& c : cases) {
    auto r = ReadMetadata(c.data);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kUnsupportedMedia);
    EXPECT_NE(r.error().message().find(c.type), std::string::npos) << r.error().message();
  }
}

TEST(ReadMetadata, TruncatedHeadersAreInvalidArgument) {
  const Bytes cases[] = {B("\x89PNG\r\n\x1a\n"),
                         B("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0"),
                         B("\x89PNG\r\n\x1a\n\0\0\0\x0dIDAT\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
                         B("\xFF\xD8\xFF"),
                         B("\xFF\xD8\xFF\xE1\x10"),
                         B("GIF89a\x01\0"),
                         B("RIFF\x10\0\0\0WEBPVP8 "),
                         B("RIFF\x10\0\0\0WAVE"),
                         B("ID3\x03\0"),
                         B("\0\0\0\x18"
                           "ftypisom")};
  for (const Bytes& data : cases) {
    auto r = ReadMetadata(data);
    ASSERT_FALSE(r.ok()) << std::string(AsChars(data));
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().ToString();
  }
}

TEST(ReadMetadata, MediaTypesAreSniffed) {
  EXPECT_EQ(ReadMetadata(MakePng({}))->media_type, "image/png");
  EXPECT_EQ(ReadMetadata(MakeJpeg({}))->media_type, "image/jpeg");
  EXPECT_EQ(ReadMetadata(Riff("WEBP", {MinimalWebpChunks(false)}))->media_type, "image/webp");
  EXPECT_EQ(ReadMetadata(Riff("WAVE", {WavFmtAndData()}))->media_type, "audio/wav");
  EXPECT_EQ(ReadMetadata(Id3v2(3, {Id3Text(3, "TIT2", "x")}))->media_type, "audio/mpeg");
  EXPECT_EQ(ReadMetadata(Box("ftyp", B("M4A \0\0\0\0")))->media_type, "video/mp4");
}

TEST(ReadMetadata, CleanFilesHaveNoEntriesOrWarnings) {
  for (const Bytes& f : {MakePng({}), MakeJpeg({}), Riff("WEBP", {MinimalWebpChunks(true)}),
                         Riff("WAVE", {WavFmtAndData()})}) {
    auto r = ReadMetadata(f);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    EXPECT_TRUE(r->entries.empty()) << Dump(*r);
    EXPECT_TRUE(r->warnings.empty()) << Dump(*r);
    EXPECT_TRUE(r->generations.empty());
    EXPECT_FALSE(r->c2pa);
  }
}

TEST(ReadMetadata, DamageAfterTheFirstCarrierKeepsWhatWasRead) {
  Bytes png = MakePng({.before_idat = {TextChunk("Title", B("kept")), TextChunk("Next", B("x"))}});
  // Cut inside the second text chunk.
  const size_t second = 33 + 12 + 10;  // IHDR, then "Title\0kept" (10 bytes) + 12
  png.resize(second + 6);
  auto r = ReadMetadata(png);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->entries.size(), 1u) << Dump(*r);
  EXPECT_EQ(r->entries[0].value, "kept");
  EXPECT_EQ(r->entries[0].offset, 33u);
  EXPECT_FALSE(r->warnings.empty());
}

}  // namespace
}  // namespace custody::metadata
