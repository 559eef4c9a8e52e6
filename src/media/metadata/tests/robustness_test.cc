// Hostile input: every fixture truncated at every offset (sampled for big files), random byte
// corruption, random bytes behind every container's magic, and declared lengths far beyond the
// data. The reader must return (a report or an Error) without crashing, reading out of bounds
// (ASan) or undefined behaviour (UBSan), and without allocating from declared lengths (a bounded
// run under ASan's allocator would fail on a multi-GiB request). Also replays fuzz regressions.
#include <random>

#include "media/metadata/tests/test_util.h"

namespace custody::metadata {
namespace {

using namespace testing;  // NOLINT: builders

// Every readable format among the fixtures (others are rejected at the sniffing step, which
// ExiftoolImages.EveryFileReturns covers). Computed once.
const std::vector<std::filesystem::path>& Corpus() {
  static const std::vector<std::filesystem::path> corpus = [] {
    std::vector<std::filesystem::path> out;
    for (const char* dir : {"ai-metadata", "c2pa", "metadata/exiftool-t-images"}) {
      for (const auto& f : FilesUnder(dir)) {
        auto data = ReadFile(f);
        if (!data || data->empty()) continue;
        auto r = ReadMetadata(*data);
        if (r.ok() || r.error().code() != ErrorCode::kUnsupportedMedia) out.push_back(f);
      }
    }
    return out;
  }();
  return corpus;
}

// Reads `data`; a result either way, and every value valid UTF-8.
void ReadsSafely(std::span<const uint8_t> data, const ReadOptions& options) {
  auto r = ReadMetadata(data, options);
  if (r.ok()) {
    for (const Entry& e : r->entries) {
      ASSERT_TRUE(ValidUtf8(e.value)) << e.carrier << " " << e.key;
      ASSERT_LE(e.value.size(), options.max_value_bytes);
    }
    ASSERT_LE(r->entries.size(), options.max_entries);
  }
}

bool Exhaustive() {
  const char* v = std::getenv("CUSTODY_METADATA_EXHAUSTIVE");
  return v != nullptr && std::string(v) == "1";
}

class Robustness : public ::testing::Test {
 protected:
  void SetUp() override {
    corpus_ = Corpus();
    if (corpus_.empty()) {
      if (RequireFixtures()) FAIL() << "fixtures missing";
      GTEST_SKIP() << "fixtures missing (set CUSTODY_FIXTURES)";
    }
  }
  std::vector<std::filesystem::path> corpus_;
};

TEST_F(Robustness, TruncationAtEveryOffset) {
  ReadOptions no_stealth;
  no_stealth.stealth = false;  // pixels are libvips' business; the stealth fixture runs below
  std::mt19937_64 rng(99);
  size_t reads = 0;
  for (const auto& f : corpus_) {
    SCOPED_TRACE(f.string());
    const Bytes data = *ReadFile(f);
    // Every prefix of small files. Larger ones cost their size per read (and a recognised
    // workflow's JSON is parsed every time), so every prefix would be quadratic: by default every
    // prefix in the first 512 bytes and the last 128, 200 spread over the rest and a few random
    // ones; CUSTODY_METADATA_EXHAUSTIVE=1 takes every prefix of every file (minutes under ASan).
    std::vector<size_t> cuts;
    if (data.size() <= 4096 || Exhaustive()) {
      for (size_t n = 0; n < data.size(); ++n) cuts.push_back(n);
    } else {
      for (size_t n = 0; n < 512; ++n) cuts.push_back(n);
      for (size_t n = data.size() - 128; n < data.size(); ++n) cuts.push_back(n);
      for (size_t i = 0; i < 200; ++i) cuts.push_back(512 + i * (data.size() - 640) / 200);
      for (size_t i = 0; i < 20; ++i) cuts.push_back(rng() % data.size());
    }
    for (size_t n : cuts) {
      ReadsSafely(std::span(data).first(n), no_stealth);
      if (HasFailure()) return;
      ++reads;
    }
  }
  EXPECT_GT(reads, 30'000u);
}

TEST_F(Robustness, StealthFixtureTruncatedAtEveryOffset) {
  CUSTODY_METADATA_FIXTURE(
      png, "ai-metadata/sd-parsers/parsers/AUTOMATIC1111/automatic1111_stealth.png");
  for (size_t n = 0; n < png.size(); n += 7) {
    ReadsSafely(std::span(png).first(n), ReadOptions{});
    if (HasFailure()) return;
  }
}

TEST_F(Robustness, RandomCorruption) {
  std::mt19937_64 rng(20240601);
  ReadOptions no_stealth;
  no_stealth.stealth = false;
  for (const auto& f : corpus_) {
    SCOPED_TRACE(f.string());
    const Bytes original = *ReadFile(f);
    const int rounds = Exhaustive() ? 500 : original.size() <= 16 * 1024 ? 60 : 15;
    for (int round = 0; round < rounds; ++round) {
      Bytes data = original;
      const int flips = 1 + int(rng() % 16);
      for (int i = 0; i < flips; ++i) {
        // Bias towards the first 4 KiB, where headers and lengths are.
        size_t at = (rng() % 2 == 0 && data.size() > 4096) ? rng() % 4096 : rng() % data.size();
        data[at] = uint8_t(rng());
      }
      ReadsSafely(data, no_stealth);
      if (HasFailure()) return;
    }
  }
}

TEST(RobustnessSynthetic, RandomBytesBehindEveryMagic) {
  std::mt19937_64 rng(7);
  const std::vector<Bytes> magics = {B("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR"),
                                     B("\xFF\xD8\xFF"),
                                     B("GIF89a"),
                                     B("RIFF\xFF\xFF\0\0WEBP"),
                                     B("RIFF\xFF\xFF\0\0WAVE"),
                                     B("RF64\xFF\xFF\xFF\xFFWAVE"),
                                     B("ID3\x03\0\0"),
                                     B("ID3\x04\0\x80"),
                                     B("\0\0\0\x18"
                                       "ftypisom"),
                                     B("\0\0\x10\0moov"),
                                     B("\xFF\xFB\x90\0")};
  for (const Bytes& magic : magics) {
    for (int round = 0; round < 1000; ++round) {
      Bytes data = magic;
      const size_t n = rng() % 600;
      for (size_t i = 0; i < n; ++i) {
        // Mostly small values and 0xFF, which make plausible lengths and markers.
        uint64_t v = rng();
        data.push_back(v % 4 == 0 ? 0xFF : v % 4 == 1 ? 0 : uint8_t(v >> 8));
      }
      ReadsSafely(data, ReadOptions{});
      if (::testing::Test::HasFailure()) return;
    }
  }
}

// Declared lengths up to 2^32 / 2^64 with almost no data behind them.
TEST(RobustnessSynthetic, HugeDeclaredLengths) {
  std::vector<Bytes> files;
  {  // PNG chunk of 2^31-1 bytes
    Bytes png = MakePng({});
    Bytes huge;
    PutU32Be(huge, 0x7FFFFFFF);
    Put(huge, "tEXt");
    png.insert(png.begin() + 33, huge.begin(), huge.end());
    files.push_back(png);
  }
  {  // JPEG segment of 65535 bytes, ExtendedXMP claiming 4 GiB, TIFF count 2^32-1 of DOUBLE
    Bytes ext = B(std::string_view("http://ns.adobe.com/xmp/extension/\0", 35));
    Put(ext, std::string(32, 'A'));
    PutU32Be(ext, 0xFFFFFFFF);
    PutU32Be(ext, 0xFFFFFF00);
    Put(ext, "<x:xmpmeta/>");
    Bytes tiff = TiffBuilder(false)
                     .Raw(TiffBuilder::kIfd0, 0x010F, 12, 0xFFFFFFFF, Bytes{0, 0, 0, 8})
                     .Build();
    Bytes exif = B(std::string_view("Exif\0\0", 6));
    Put(exif, tiff);
    files.push_back(MakeJpeg({.before_scan = {JpegSegment(0xE1, ext), JpegSegment(0xE1, exif)}}));
    Bytes cut = MakeJpeg({});
    cut.resize(4);
    Put(cut, Bytes{0xFF, 0xE1, 0xFF, 0xFF, 'E', 'x'});
    files.push_back(cut);
  }
  {  // RIFF chunk of 4 GiB, LIST inside claiming more than its parent
    Bytes info = B("INFO");
    Put(info, B("INAM"));
    PutU32Le(info, 0xFFFFFFF0);
    files.push_back(Riff("WAVE", {RiffChunk("LIST", info)}));
    Bytes webp = Riff("WEBP", {MinimalWebpChunks(true)});
    Put(webp, B("EXIF"));
    PutU32Le(webp, 0xFFFFFFFF);
    files.push_back(webp);
  }
  {  // ID3v2 size 2^28-1, frame size 2^32-1, APE tag claiming 4 GiB
    Bytes id3 = B("ID3\x03\0\0\x7F\x7F\x7F\x7F");
    Put(id3, B("TIT2"));
    PutU32Be(id3, 0xFFFFFFFF);
    Put(id3, Bytes{0, 0});
    files.push_back(id3);
    Bytes ape = B("\xFF\xFB\x90\0");
    Put(ape, B("APETAGEX"));
    PutU32Le(ape, 2000);
    PutU32Le(ape, 0xFFFFFFFF);
    PutU32Le(ape, 0xFFFFFFFF);
    Put(ape, Bytes(12, 0));
    files.push_back(ape);
  }
  {  // BMFF: 64-bit size 2^63, keys count 2^32-1, IPTC extended length 2^32-1
    Bytes mp4 = Box("ftyp", B("isom"));
    PutU32Be(mp4, 1);
    Put(mp4, "moov");
    PutU64Be(mp4, uint64_t(1) << 63);
    files.push_back(mp4);
    Bytes keys;
    PutU32Be(keys, 0xFFFFFFFF);
    PutU32Be(keys, 0xFFFFFFF0);
    Bytes mp4b = Box("ftyp", B("isom"));
    Put(mp4b, Box("moov", FullBox("meta", 0, FullBox("keys", 0, keys))));
    files.push_back(mp4b);
    Bytes iim = {0x1C, 2, 80, 0x80, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 'x'};
    Bytes irb = B(std::string_view("Photoshop 3.0\08BIM\x04\x04\0\0", 22));
    PutU32Be(irb, uint32_t(iim.size()));
    Put(irb, iim);
    files.push_back(MakeJpeg({.before_scan = {JpegSegment(0xED, irb)}}));
  }
  {  // Raw profile declaring 2^40 bytes with 4 hex digits, stealth header lying about its length
    PngSpec spec;
    spec.before_idat = {TextChunk("Raw profile type exif", B("\nexif\n 1099511627776\n45786966"))};
    files.push_back(MakePng(spec));
  }
  for (const Bytes& f : files) {
    auto r = ReadMetadata(f);
    if (r.ok()) {
      for (const Entry& e : r->entries) EXPECT_LT(e.value.size(), 1u << 20);
    }
  }
}

// Crashes found by fuzz/metadata_fuzz.cc are kept in fuzz/regressions/metadata/ and must stay
// fixed.
TEST(RobustnessSynthetic, FuzzRegressions) {
  const char* src = std::getenv("CUSTODY_SOURCE_DIR");
  std::filesystem::path root = src != nullptr && *src != '\0' ? src : CUSTODY_TEST_SOURCE_DIR;
  std::filesystem::path dir = root / "fuzz" / "regressions" / "metadata";
  std::error_code ec;
  size_t n = 0;
  if (std::filesystem::is_directory(dir, ec)) {
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (!e.is_regular_file() || e.path().filename().string().starts_with(".")) continue;
      auto data = ReadFile(e.path());
      ASSERT_TRUE(data);
      SCOPED_TRACE(e.path().string());
      ReadsSafely(*data, ReadOptions{});
      ++n;
    }
  }
  RecordProperty("regressions", int(n));
  SUCCEED() << n << " regression inputs replayed";
}

}  // namespace
}  // namespace custody::metadata
