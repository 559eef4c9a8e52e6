// Tests for the C2PA containers (JPEG, PNG, WAV, WebP, BMFF) and the hard-binding hashes: the
// stores of real signed files (../shared/fixtures/c2pa), the hashes c2pa-rs signed over them
// (values from fixtures/c2pa/dumps/*.txt), byte-exact reproduction of c2pa-rs embeddings, round
// trips in every format, BMFF offset patching, and malformed input.
#include "provenance/c2pa/container.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "crypto/sha256.h"
#include "provenance/c2pa/jumbf.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance {
namespace {

namespace fs = std::filesystem;
using testing::C2paFixtures;

bool HaveFixtures() { return fs::exists(C2paFixtures() / "README.md"); }

#define SKIP_WITHOUT_FIXTURES()                                          \
  do {                                                                   \
    if (!HaveFixtures()) {                                               \
      if (testing::RequireFixtures()) FAIL() << "C2PA fixtures missing"; \
      GTEST_SKIP() << "C2PA fixtures missing (set CUSTODY_FIXTURES)";    \
    }                                                                    \
  } while (0)

Bytes Load(const std::string& rel) {
  auto f = testing::ReadFile(C2paFixtures() / rel);
  EXPECT_TRUE(f.has_value()) << "fixture missing: " << rel;
  return f ? std::move(*f) : Bytes{};
}

std::string Hex(const std::array<uint8_t, 32>& h) { return HexEncode(h); }

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Be(uint64_t v, size_t width) {
  Bytes out;
  for (size_t i = 0; i < width; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * (width - 1 - i))));
  return out;
}

Bytes Le32(uint32_t v) {
  return {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 24)};
}

uint64_t ReadBe(const Bytes& d, size_t pos, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v = (v << 8) | d.at(pos + i);
  return v;
}

uint32_t ReadLe32(const Bytes& d, size_t pos) {
  return uint32_t{d.at(pos)} | (uint32_t{d.at(pos + 1)} << 8) | (uint32_t{d.at(pos + 2)} << 16) |
         (uint32_t{d.at(pos + 3)} << 24);
}

// A C2PA-shaped manifest store of exactly `size` bytes (at least 46): jumb{jumd(c2pa, "c2pa"),
// bidb{filler}} with filler bytes derived from `seed`.
Bytes MakeStore(size_t size, uint8_t seed) {
  Bytes filler(size - 46);
  for (size_t i = 0; i < filler.size(); ++i) filler[i] = static_cast<uint8_t>(seed + i * 131);
  Box store = MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"),
                           {MakeContentBox(MakeFourCC("bidb"), std::move(filler))});
  auto bytes = SerializeJumbf(store);
  EXPECT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->size(), size);
  return bytes.ok() ? std::move(bytes).value() : Bytes{};
}

// Prepare + Write: `asset` carrying `store`.
Result<Embedding> Embed(std::span<const uint8_t> asset, const Bytes& store) {
  ASSIGN_OR_RETURN(Embedding e, PrepareEmbedding(asset, store.size()));
  RETURN_IF_ERROR(WriteManifestStore(e, store));
  return e;
}

Embedding MustEmbed(std::span<const uint8_t> asset, const Bytes& store) {
  auto e = Embed(asset, store);
  EXPECT_TRUE(e.ok()) << e.error().ToString();
  return e.ok() ? std::move(e).value() : Embedding{};
}

std::optional<FoundStore> MustRead(std::span<const uint8_t> data) {
  auto found = ReadManifestStore(data);
  EXPECT_TRUE(found.ok()) << found.error().ToString();
  return found.ok() ? std::move(found).value() : std::nullopt;
}

Bytes MustRemove(std::span<const uint8_t> data) {
  auto out = RemoveManifestStore(data);
  EXPECT_TRUE(out.ok()) << out.error().ToString();
  return out.ok() ? std::move(out).value() : Bytes{};
}

bool InRanges(uint64_t pos, const std::vector<ByteRange>& ranges) {
  return std::any_of(ranges.begin(), ranges.end(), [pos](const ByteRange& r) {
    return pos >= r.start && pos - r.start < r.length;
  });
}

// A tiny valid lossless WebP (2x2 black, made with libvips and reduced to its VP8L chunk).
const Bytes kVp8lChunk = {'V',  'P',  '8',  'L',  0x0e, 0x00, 0x00, 0x00, 0x2f, 0x01, 0x40,
                          0x00, 0x00, 0x07, 0x10, 0x11, 0xfd, 0x0f, 0x44, 0x44, 0xff, 0x03};
Bytes RiffFile(std::string_view form, const Bytes& chunks) {
  return Concat({Str("RIFF"), Le32(static_cast<uint32_t>(4 + chunks.size())), Str(form), chunks});
}
Bytes SimpleWebp() { return RiffFile("WEBP", kVp8lChunk); }
Bytes ExtendedWebp() {
  const Bytes vp8x = {'V', 'P', '8', 'X', 10, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0};
  return RiffFile("WEBP", Concat({vp8x, kVp8lChunk}));
}

// A WAV of `samples` 8-bit mono samples; an odd count gives an odd `data` chunk with a pad byte.
Bytes Wav(uint32_t samples) {
  Bytes fmt =
      Concat({Str("fmt "), Le32(16), Bytes{1, 0, 1, 0}, Le32(8000), Le32(8000), Bytes{1, 0, 8, 0}});
  Bytes data = Concat({Str("data"), Le32(samples)});
  for (uint32_t i = 0; i < samples; ++i) data.push_back(static_cast<uint8_t>(128 + (i % 50)));
  if (samples & 1) data.push_back(0);
  return RiffFile("WAVE", Concat({fmt, data}));
}

// ---------------------------------------------------------------------------------------------
// BMFF helpers.

Bytes BmffBox(std::string_view type, const Bytes& payload) {
  return Concat({Be(8 + payload.size(), 4), Str(type), payload});
}
Bytes FullBox(std::string_view type, uint8_t version, uint32_t flags, const Bytes& payload) {
  return BmffBox(type, Concat({Bytes{version}, Be(flags, 3), payload}));
}
Bytes Ftyp(std::string_view brand) {
  return BmffBox("ftyp", Concat({Str(brand), Be(0, 4), Str(brand)}));
}

// The chunk offsets of every stco/co64 under moov/trak/mdia/minf/stbl, in file order.
std::vector<uint64_t> ChunkOffsets(const Bytes& d, size_t start, size_t end) {
  std::vector<uint64_t> out;
  for (size_t pos = start; pos + 8 <= end;) {
    const uint64_t size = ReadBe(d, pos, 4);
    const std::string type(d.begin() + pos + 4, d.begin() + pos + 8);
    if (size < 8 || size > end - pos) break;
    if (type == "moov" || type == "trak" || type == "mdia" || type == "minf" || type == "stbl") {
      auto inner = ChunkOffsets(d, pos + 8, pos + size);
      out.insert(out.end(), inner.begin(), inner.end());
    } else if (type == "stco" || type == "co64") {
      const size_t width = type == "stco" ? 4 : 8;
      const uint64_t n = ReadBe(d, pos + 12, 4);
      for (uint64_t i = 0; i < n; ++i) out.push_back(ReadBe(d, pos + 16 + i * width, width));
    }
    pos += size;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

TEST(ContainerFormatTest, DetectsFormatsByMagic) {
  EXPECT_EQ(DetectFormat(SimpleWebp()), AssetFormat::kWebp);
  EXPECT_EQ(DetectFormat(Wav(4)), AssetFormat::kWav);
  EXPECT_EQ(DetectFormat(Ftyp("isom")), AssetFormat::kBmff);
  EXPECT_EQ(DetectFormat(RiffFile("AVI ", {})), AssetFormat::kUnknown);
  EXPECT_EQ(DetectFormat(Str("GIF89a")), AssetFormat::kUnknown);
  EXPECT_EQ(DetectFormat({}), AssetFormat::kUnknown);
  EXPECT_EQ(FormatName(AssetFormat::kJpeg), "jpeg");
  EXPECT_EQ(FormatName(AssetFormat::kPng), "png");
  EXPECT_EQ(FormatName(AssetFormat::kWav), "wav");
  EXPECT_EQ(FormatName(AssetFormat::kWebp), "webp");
  EXPECT_EQ(FormatName(AssetFormat::kBmff), "bmff");
  EXPECT_EQ(FormatName(AssetFormat::kUnknown), "unknown");

  SKIP_WITHOUT_FIXTURES();
  EXPECT_EQ(DetectFormat(Load("C.jpg")), AssetFormat::kJpeg);
  EXPECT_EQ(DetectFormat(Load("earth_apollo17.jpg")), AssetFormat::kJpeg);
  EXPECT_EQ(DetectFormat(Load("gradient64.png")), AssetFormat::kPng);
  EXPECT_EQ(DetectFormat(Load("tone_8k_mono.wav")), AssetFormat::kWav);
  EXPECT_EQ(DetectFormat(Load("video1_no_manifest.mp4")), AssetFormat::kBmff);
  EXPECT_EQ(DetectFormat(Load("dashinit.mp4")), AssetFormat::kBmff);
}

TEST(ContainerFormatTest, MediaTypes) {
  EXPECT_EQ(MediaTypeOf(SimpleWebp()), "image/webp");
  EXPECT_EQ(MediaTypeOf(Wav(2)), "audio/wav");
  EXPECT_EQ(MediaTypeOf(Ftyp("isom")), "video/mp4");
  EXPECT_EQ(MediaTypeOf(Ftyp("qt  ")), "video/quicktime");
  EXPECT_EQ(MediaTypeOf(Ftyp("M4A ")), "audio/mp4");
  EXPECT_EQ(MediaTypeOf(Ftyp("heic")), "image/heif");
  EXPECT_EQ(MediaTypeOf(Ftyp("mif1")), "image/heif");
  EXPECT_EQ(MediaTypeOf(Ftyp("avif")), "image/avif");
  EXPECT_EQ(MediaTypeOf(Str("hello")), "application/octet-stream");

  SKIP_WITHOUT_FIXTURES();
  EXPECT_EQ(MediaTypeOf(Load("CACA.jpg")), "image/jpeg");
  EXPECT_EQ(MediaTypeOf(Load("libpng-test.png")), "image/png");
  EXPECT_EQ(MediaTypeOf(Load("handbuilt/min.wav")), "audio/wav");
  EXPECT_EQ(MediaTypeOf(Load("reference-c2pa-rs/genai_es256.mp4")), "video/mp4");
}

TEST(ContainerFormatTest, UnknownFormatIsUnsupportedMedia) {
  const Bytes gif = Str("GIF89a\x01\x00\x01\x00");
  auto read = ReadManifestStore(gif);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kUnsupportedMedia);
  auto prep = PrepareEmbedding(gif, 100);
  ASSERT_FALSE(prep.ok());
  EXPECT_EQ(prep.error().code(), ErrorCode::kUnsupportedMedia);
  auto rm = RemoveManifestStore(gif);
  ASSERT_FALSE(rm.ok());
  EXPECT_EQ(rm.error().code(), ErrorCode::kUnsupportedMedia);
}

// ---------------------------------------------------------------------------------------------

TEST(ContainerReadTest, FindsTheStoreInEverySignedFixture) {
  SKIP_WITHOUT_FIXTURES();
  for (const char* rel :
       {"C.jpg", "CA.jpg", "CACA.jpg", "XCA.jpg", "E-sig-CA.jpg", "dashinit.mp4",
        "handbuilt/min.jpg", "handbuilt/min.png", "handbuilt/min.wav", "handbuilt/tamper.jpg",
        "reference-c2pa-rs/edited_from_CA.jpg", "reference-c2pa-rs/genai_ed25519.jpg",
        "reference-c2pa-rs/genai_es256.jpg", "reference-c2pa-rs/genai_es256.mp4",
        "reference-c2pa-rs/genai_es256.png", "reference-c2pa-rs/genai_es256.wav",
        "reference-c2pa-rs/opened_from_plain.png"}) {
    SCOPED_TRACE(rel);
    const Bytes file = Load(rel);
    auto found = MustRead(file);
    ASSERT_TRUE(found.has_value());
    ASSERT_EQ(found->blocks.size(), 1u);
    EXPECT_LE(found->blocks[0].start + found->blocks[0].length, file.size());
    auto box = ParseJumbf(found->jumbf);
    ASSERT_TRUE(box.ok()) << box.error().ToString();
    EXPECT_EQ(box->label(), "c2pa");
    EXPECT_EQ(box->desc->type_uuid, C2paTypeUuid("c2pa"));
    EXPECT_FALSE(box->children.empty());
  }
}

TEST(ContainerReadTest, ReassemblesCacaFromFourSegments) {
  SKIP_WITHOUT_FIXTURES();
  const Bytes file = Load("CACA.jpg");
  auto found = MustRead(file);
  ASSERT_TRUE(found.has_value());
  // APP11 at 20 (Le 64010), 64032 (64018), 128052 (64018), 192072 (39911): one block.
  EXPECT_EQ(found->blocks, (std::vector<ByteRange>{{20, 64012 + 64020 + 64020 + 39913}}));
  EXPECT_EQ(found->jumbf.size(), 231893u);
  auto box = ParseJumbf(found->jumbf);
  ASSERT_TRUE(box.ok()) << box.error().ToString();
  // The ingredient's manifest (CA.jpg's) copied in as a peer, then the active one.
  int manifests = 0;
  for (const Box& child : box->children) {
    if (child.desc && child.desc->type_uuid == C2paTypeUuid("c2ma")) ++manifests;
  }
  EXPECT_EQ(manifests, 2);
}

TEST(ContainerReadTest, NoStoreInPlainFixtures) {
  SKIP_WITHOUT_FIXTURES();
  for (const char* rel : {"no_manifest.jpg", "earth_apollo17.jpg", "gradient64.png",
                          "libpng-test.png", "tone_8k_mono.wav", "video1_no_manifest.mp4"}) {
    SCOPED_TRACE(rel);
    const Bytes file = Load(rel);
    auto found = ReadManifestStore(file);
    ASSERT_TRUE(found.ok()) << found.error().ToString();
    EXPECT_FALSE(found->has_value());
    EXPECT_TRUE(MustRemove(file) == file);
  }
  EXPECT_FALSE(MustRead(SimpleWebp()).has_value());
  EXPECT_FALSE(MustRead(Wav(3)).has_value());
}

// ---------------------------------------------------------------------------------------------
// The c2pa.hash.data / c2pa.hash.bmff.v3 values signed into the reference files (dumps/*.txt).

struct SignedDataHash {
  const char* file;
  ByteRange exclusion;
  const char* hash;
};

const SignedDataHash kSignedDataHashes[] = {
    {"handbuilt/min.jpg",
     {2, 4424},
     "9ac395ca04fc9d348acf6f81920f5e894d336341c3f764ca86c354eec6f7c2d6"},
    {"handbuilt/min.png",
     {33, 4425},
     "11c464f0d37d6c9338fe0d60b50073637cbefab9d059b96823e177971c731ef7"},
    {"handbuilt/min.wav",
     {16044, 4422},
     "8636eb1914aafbd8350eec8188c091bb2331e9f2f15ae9f62208acb0cf0e6cff"},
    {"reference-c2pa-rs/genai_es256.jpg",
     {2, 4547},
     "9ac395ca04fc9d348acf6f81920f5e894d336341c3f764ca86c354eec6f7c2d6"},
    {"reference-c2pa-rs/genai_ed25519.jpg",
     {2, 4421},
     "9ac395ca04fc9d348acf6f81920f5e894d336341c3f764ca86c354eec6f7c2d6"},
    {"reference-c2pa-rs/genai_es256.png",
     {33, 4547},
     "11c464f0d37d6c9338fe0d60b50073637cbefab9d059b96823e177971c731ef7"},
    {"reference-c2pa-rs/genai_es256.wav",
     {16044, 4544},
     "aa6b6ef65d8f5c27b06ae07405caa2248c35adb2c261dbf85a094bade46af826"},
    {"reference-c2pa-rs/opened_from_plain.png",
     {33, 4954},
     "11c464f0d37d6c9338fe0d60b50073637cbefab9d059b96823e177971c731ef7"},
    {"reference-c2pa-rs/edited_from_CA.jpg",
     {20, 125578},
     "86b1e411053f21bebfd7f855954e0093d74ca932e75aac8ce88de92c64581c72"},
    // CA.jpg's own hash, as copied into edited_from_CA.jpg with its ingredient manifest.
    {"CA.jpg", {20, 117273}, "86b1e411053f21bebfd7f855954e0093d74ca932e75aac8ce88de92c64581c72"},
};

TEST(ContainerDataHashTest, MatchesTheSignedHashes) {
  SKIP_WITHOUT_FIXTURES();
  for (const SignedDataHash& s : kSignedDataHashes) {
    SCOPED_TRACE(s.file);
    const Bytes file = Load(s.file);
    const std::vector<ByteRange> exclusions = {s.exclusion};
    auto hash = DataHash(file, exclusions);
    ASSERT_TRUE(hash.ok()) << hash.error().ToString();
    EXPECT_EQ(Hex(*hash), s.hash);
    // The signed exclusion is exactly where the store sits.
    auto found = MustRead(file);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->blocks, exclusions);
  }
}

TEST(ContainerDataHashTest, TamperedFilesDiffer) {
  SKIP_WITHOUT_FIXTURES();
  // XCA.jpg: CA.jpg with altered pixels, same store and exclusion.
  const Bytes xca = Load("XCA.jpg");
  const std::vector<ByteRange> ca_exclusion = {{20, 117273}};
  EXPECT_EQ(MustRead(xca)->blocks, ca_exclusion);
  EXPECT_NE(Hex(*DataHash(xca, ca_exclusion)),
            "86b1e411053f21bebfd7f855954e0093d74ca932e75aac8ce88de92c64581c72");
  // E-sig-CA.jpg only damages the signature, inside the exclusion: the data hash still matches.
  EXPECT_EQ(Hex(*DataHash(Load("E-sig-CA.jpg"), ca_exclusion)),
            "86b1e411053f21bebfd7f855954e0093d74ca932e75aac8ce88de92c64581c72");
  // tamper.jpg: signed over the same pixels as min.jpg (its store holds that hash), then changed.
  const Bytes tamper = Load("handbuilt/tamper.jpg");
  auto found = MustRead(tamper);
  ASSERT_TRUE(found.has_value());
  const Bytes signed_hash =
      *HexDecode("9ac395ca04fc9d348acf6f81920f5e894d336341c3f764ca86c354eec6f7c2d6");
  EXPECT_NE(
      std::search(found->jumbf.begin(), found->jumbf.end(), signed_hash.begin(), signed_hash.end()),
      found->jumbf.end());
  auto hash = DataHash(tamper, found->blocks);
  ASSERT_TRUE(hash.ok());
  EXPECT_NE(Bytes(hash->begin(), hash->end()), signed_hash);
}

TEST(ContainerDataHashTest, NoExclusionsIsPlainSha256) {
  const Bytes wav = Wav(101);
  auto hash = DataHash(wav, {});
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(*hash, crypto::Sha256Digest(wav));
  // Empty and adjacent exclusions are fine.
  const std::vector<ByteRange> ranges = {{0, 0}, {0, 4}, {4, 4}, {wav.size(), 0}};
  EXPECT_EQ(*DataHash(wav, ranges), crypto::Sha256Digest(std::span(wav).subspan(8)));
}

TEST(ContainerDataHashTest, RejectsBadExclusions) {
  const Bytes data(100, 7);
  for (const std::vector<ByteRange>& bad :
       std::vector<std::vector<ByteRange>>{{{10, 91}},            // past the end
                                           {{101, 0}},            // starts past the end
                                           {{10, 10}, {15, 10}},  // overlap
                                           {{50, 1}, {10, 1}},    // not sorted
                                           {{1, UINT64_MAX}},     // length overflows
                                           {{UINT64_MAX, 2}}}) {  // start overflows
    auto hash = DataHash(data, bad);
    ASSERT_FALSE(hash.ok());
    EXPECT_EQ(hash.error().code(), ErrorCode::kInvalidArgument);
  }
}

std::vector<BmffExclusion> ReferenceMp4Exclusions() {
  std::vector<BmffExclusion> ex = DefaultBmffExclusions();
  ex.push_back({"/free", {}});
  ex.push_back({"/skip", {}});
  return ex;
}

TEST(ContainerBmffHashTest, MatchesTheReferenceMp4) {
  SKIP_WITHOUT_FIXTURES();
  const Bytes mp4 = Load("reference-c2pa-rs/genai_es256.mp4");
  auto hash = BmffHash(mp4, ReferenceMp4Exclusions());
  ASSERT_TRUE(hash.ok()) << hash.error().ToString();
  EXPECT_EQ(Hex(*hash), "4c0eca96adc90b5d4c9b499711767810f6ebd3dc53e4a13969eeff9584848acb");
  // Custody's default list hashes the `free` box as well.
  auto ours = BmffHash(mp4, DefaultBmffExclusions());
  ASSERT_TRUE(ours.ok());
  EXPECT_NE(*ours, *hash);
  // Without the data match, the other (XMP) uuid box would be excluded too.
  std::vector<BmffExclusion> any_uuid = ReferenceMp4Exclusions();
  any_uuid[0].data.clear();
  EXPECT_NE(*BmffHash(mp4, any_uuid), *hash);
}

TEST(ContainerBmffHashTest, DefaultExclusions) {
  const std::vector<BmffExclusion> ex = DefaultBmffExclusions();
  ASSERT_EQ(ex.size(), 3u);
  EXPECT_EQ(ex[0].xpath, "/uuid");
  ASSERT_EQ(ex[0].data.size(), 1u);
  EXPECT_EQ(ex[0].data[0].offset, 8u);
  EXPECT_EQ(HexEncode(ex[0].data[0].value), "d8fec3d61b0e483c92975828877ec481");
  EXPECT_TRUE(ex[1].xpath == "/ftyp" && ex[1].data.empty());
  EXPECT_TRUE(ex[2].xpath == "/mfra" && ex[2].data.empty());
}

TEST(ContainerBmffHashTest, RejectsNonTopLevelXpaths) {
  const Bytes file = Concat({Ftyp("isom"), BmffBox("mdat", Bytes(10, 1))});
  for (const char* xpath : {"/moov/trak", "moov", "/mdat[1]", "/", "/abc", "/abcde"}) {
    const std::vector<BmffExclusion> ex = {{xpath, {}}};
    auto hash = BmffHash(file, ex);
    ASSERT_FALSE(hash.ok()) << xpath;
    EXPECT_EQ(hash.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(ContainerBmffHashTest, HashesOffsetAndBoxOfEachIncludedBox) {
  const Bytes ftyp = Ftyp("isom");
  const Bytes mdat = BmffBox("mdat", Bytes(10, 1));
  const Bytes file = Concat({ftyp, mdat});
  crypto::Sha256 sha;
  sha.Update(Be(ftyp.size(), 8));
  sha.Update(mdat);
  EXPECT_EQ(*BmffHash(file, DefaultBmffExclusions()), sha.Final());
  // A data match past the box's end does not match (and does not read past it).
  const std::vector<BmffExclusion> far = {{"/ftyp", {}}, {"/mdat", {{15, Bytes{1, 1, 1, 1}}}}};
  crypto::Sha256 again;
  again.Update(Be(ftyp.size(), 8));
  again.Update(mdat);
  EXPECT_EQ(*BmffHash(file, far), again.Final());
  const std::vector<BmffExclusion> whole = {{"/mdat", {{8, Bytes{1, 1}}}}, {"/ftyp", {}}};
  crypto::Sha256 empty;
  EXPECT_EQ(*BmffHash(file, whole), empty.Final());
}

// ---------------------------------------------------------------------------------------------
// Embedding reproduces c2pa-rs's own output byte for byte: the reference files were made by
// signing the plain fixtures.

TEST(ContainerReproduceTest, MatchesC2paRsEmbeddingsByteForByte) {
  SKIP_WITHOUT_FIXTURES();
  const std::pair<const char*, const char*> pairs[] = {
      {"no_manifest.jpg", "reference-c2pa-rs/genai_es256.jpg"},
      {"no_manifest.jpg", "reference-c2pa-rs/genai_ed25519.jpg"},
      {"no_manifest.jpg", "handbuilt/min.jpg"},
      {"CA.jpg", "reference-c2pa-rs/edited_from_CA.jpg"},  // two APP11 segments after JFIF
      {"gradient64.png", "reference-c2pa-rs/genai_es256.png"},
      {"gradient64.png", "reference-c2pa-rs/opened_from_plain.png"},
      {"gradient64.png", "handbuilt/min.png"},
      {"tone_8k_mono.wav", "reference-c2pa-rs/genai_es256.wav"},
      {"tone_8k_mono.wav", "handbuilt/min.wav"},
      {"video1_no_manifest.mp4", "reference-c2pa-rs/genai_es256.mp4"},
  };
  for (const auto& [plain_rel, signed_rel] : pairs) {
    SCOPED_TRACE(signed_rel);
    const Bytes plain = Load(plain_rel);
    const Bytes signed_file = Load(signed_rel);
    auto store = MustRead(signed_file);
    ASSERT_TRUE(store.has_value());
    Embedding e = MustEmbed(plain, store->jumbf);
    EXPECT_TRUE(e.bytes == signed_file) << "embedding differs from c2pa-rs output";
    if (e.format != AssetFormat::kBmff) {
      EXPECT_EQ(e.exclusions, store->blocks);
    }
    EXPECT_TRUE(MustRemove(signed_file) == MustRemove(plain));
  }
}

// ---------------------------------------------------------------------------------------------
// Round trips.

// Embeds `store` in `asset` and checks the result reads back, hashes stably and strips back.
void CheckRoundTrip(const Bytes& asset, const Bytes& store, AssetFormat format) {
  ASSERT_EQ(DetectFormat(asset), format);
  auto prepared = PrepareEmbedding(asset, store.size());
  ASSERT_TRUE(prepared.ok()) << prepared.error().ToString();
  EXPECT_EQ(prepared->format, format);
  EXPECT_EQ(prepared->jumbf_size, store.size());
  Embedding e = *prepared;
  ASSERT_TRUE(WriteManifestStore(e, store).ok());
  EXPECT_EQ(e.bytes.size(), prepared->bytes.size());
  EXPECT_EQ(DetectFormat(e.bytes), format);

  auto found = MustRead(e.bytes);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_TRUE(ParseJumbf(found->jumbf).ok());
  if (format == AssetFormat::kBmff) {
    EXPECT_TRUE(e.exclusions.empty());
    // The uuid box is hashed out by the default exclusions: placeholder and final agree.
    EXPECT_EQ(*BmffHash(e.bytes, DefaultBmffExclusions()),
              *BmffHash(prepared->bytes, DefaultBmffExclusions()));
  } else {
    EXPECT_EQ(e.exclusions, found->blocks);
    EXPECT_EQ(*DataHash(e.bytes, e.exclusions), *DataHash(prepared->bytes, e.exclusions));
  }
  // Only the reserved space changed between Prepare and Write.
  for (size_t i = 0; i < e.bytes.size(); ++i) {
    if (e.bytes[i] != prepared->bytes[i] && format != AssetFormat::kBmff) {
      ASSERT_TRUE(InRanges(i, e.exclusions)) << "byte " << i << " changed outside the exclusions";
    }
  }
  const Bytes stripped = MustRemove(asset);
  EXPECT_TRUE(MustRemove(e.bytes) == stripped);
  // The placeholder is recognisable as a store except in JPEG, where only the "c2pa" label in the
  // JUMBF marks an APP11 box instance as the store.
  if (format != AssetFormat::kJpeg) {
    EXPECT_TRUE(MustRemove(prepared->bytes) == stripped);
  }

  // Re-embedding replaces the store rather than adding one.
  const Bytes other = MakeStore(std::max<size_t>(64, store.size() / 2 + 1), 99);
  Embedding again = MustEmbed(e.bytes, other);
  auto found_again = MustRead(again.bytes);
  ASSERT_TRUE(found_again.has_value());
  EXPECT_TRUE(found_again->jumbf == other);
  EXPECT_TRUE(MustRemove(again.bytes) == stripped);
}

TEST(ContainerRoundTripTest, Jpeg) {
  SKIP_WITHOUT_FIXTURES();
  for (const char* rel : {"no_manifest.jpg", "earth_apollo17.jpg", "C.jpg", "CACA.jpg"}) {
    SCOPED_TRACE(rel);
    CheckRoundTrip(Load(rel), MakeStore(5000, 1), AssetFormat::kJpeg);
  }
  // Exif-only: the store goes right after SOI; JFIF: after the APP0.
  Embedding exif = MustEmbed(Load("earth_apollo17.jpg"), MakeStore(1000, 2));
  EXPECT_EQ(exif.exclusions, (std::vector<ByteRange>{{2, 1000 + 12}}));
  Embedding jfif = MustEmbed(Load("C.jpg"), MakeStore(1000, 2));
  EXPECT_EQ(jfif.exclusions, (std::vector<ByteRange>{{20, 1000 + 12}}));
  // The plain JPEG's pixels are hashed exactly: hash == SHA-256 of the unsigned file.
  const Bytes plain = Load("no_manifest.jpg");
  Embedding e = MustEmbed(plain, MakeStore(777, 3));
  EXPECT_EQ(*DataHash(e.bytes, e.exclusions), crypto::Sha256Digest(plain));
}

TEST(ContainerRoundTripTest, MultiSegmentJpeg) {
  SKIP_WITHOUT_FIXTURES();
  const Bytes plain = Load("no_manifest.jpg");
  const Bytes store = MakeStore(150000, 4);
  CheckRoundTrip(plain, store, AssetFormat::kJpeg);
  Embedding e = MustEmbed(plain, store);
  // 64000 + 64000 + 22000 bytes of JUMBF; segments 2 and 3 repeat the 8-byte box header.
  const size_t seg1 = 2, seg2 = seg1 + 4 + 8 + 64000, seg3 = seg2 + 4 + 16 + 64000;
  for (auto [at, le, z] : {std::tuple<size_t, size_t, uint32_t>{seg1, 64010, 1},
                           {seg2, 64018, 2},
                           {seg3, 2 + 16 + 22000, 3}}) {
    EXPECT_EQ(e.bytes[at], 0xFF);
    EXPECT_EQ(e.bytes[at + 1], 0xEB);
    EXPECT_EQ(ReadBe(e.bytes, at + 2, 2), le);
    EXPECT_EQ(ReadBe(e.bytes, at + 4, 2), 0x4A50u);  // "JP"
    EXPECT_EQ(ReadBe(e.bytes, at + 6, 2), 0x0211u);
    EXPECT_EQ(ReadBe(e.bytes, at + 8, 4), z);
    EXPECT_TRUE(std::equal(store.begin(), store.begin() + 8, e.bytes.begin() + at + 12));
  }
  EXPECT_EQ(e.exclusions, (std::vector<ByteRange>{{2, seg3 + 2 + 2 + 16 + 22000 - 2}}));
  EXPECT_EQ(*DataHash(e.bytes, e.exclusions), crypto::Sha256Digest(plain));
  // Exactly 64000 bytes is one segment; one more byte needs a second.
  EXPECT_EQ(MustEmbed(plain, MakeStore(64000, 5)).exclusions[0].length, 64012u);
  EXPECT_EQ(MustEmbed(plain, MakeStore(64001, 5)).exclusions[0].length, 64012u + 21);
  CheckRoundTrip(plain, MakeStore(64001, 6), AssetFormat::kJpeg);
  CheckRoundTrip(plain, MakeStore(128000, 6), AssetFormat::kJpeg);
}

TEST(ContainerRoundTripTest, Png) {
  SKIP_WITHOUT_FIXTURES();
  for (const char* rel : {"gradient64.png", "libpng-test.png", "handbuilt/min.png"}) {
    SCOPED_TRACE(rel);
    CheckRoundTrip(Load(rel), MakeStore(3001, 7), AssetFormat::kPng);
  }
  const Bytes plain = Load("gradient64.png");
  const Bytes store = MakeStore(3001, 7);
  Embedding e = MustEmbed(plain, store);
  EXPECT_EQ(e.exclusions, (std::vector<ByteRange>{{33, 12 + 3001}}));
  EXPECT_EQ(e.png_chunk_offset, 33u);
  EXPECT_EQ(ReadBe(e.bytes, 33, 4), 3001u);
  EXPECT_EQ(std::string(e.bytes.begin() + 37, e.bytes.begin() + 41), "caBX");
  // CRC-32 of "caBX" + data, computed independently (bitwise).
  uint32_t crc = 0xFFFFFFFF;
  for (size_t i = 37; i < 41 + store.size(); ++i) {
    crc ^= e.bytes[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  EXPECT_EQ(ReadBe(e.bytes, 41 + store.size(), 4), crc ^ 0xFFFFFFFF);
  EXPECT_EQ(*DataHash(e.bytes, e.exclusions), crypto::Sha256Digest(plain));
}

TEST(ContainerRoundTripTest, WavOddAndEven) {
  for (uint32_t samples : {100u, 101u}) {
    for (size_t store_size : {500u, 501u}) {
      SCOPED_TRACE(std::to_string(samples) + " samples, store " + std::to_string(store_size));
      const Bytes wav = Wav(samples);
      const Bytes store = MakeStore(store_size, 8);
      CheckRoundTrip(wav, store, AssetFormat::kWav);
      Embedding e = MustEmbed(wav, store);
      const size_t pad = store_size & 1;
      EXPECT_EQ(e.bytes.size(), wav.size() + 8 + store_size + pad);
      EXPECT_EQ(ReadLe32(e.bytes, 4), e.bytes.size() - 8);
      EXPECT_EQ(e.exclusions, (std::vector<ByteRange>{{wav.size(), 8 + store_size}}));
      EXPECT_EQ(std::string(e.bytes.begin() + wav.size(), e.bytes.begin() + wav.size() + 4),
                "C2PA");
      EXPECT_EQ(ReadLe32(e.bytes, wav.size() + 4), store_size);
      if (pad) {
        EXPECT_EQ(e.bytes.back(), 0);  // the pad byte stays outside the exclusion
      }
    }
  }
  SKIP_WITHOUT_FIXTURES();
  CheckRoundTrip(Load("tone_8k_mono.wav"), MakeStore(4001, 9), AssetFormat::kWav);
  CheckRoundTrip(Load("handbuilt/min.wav"), MakeStore(4000, 9), AssetFormat::kWav);
}

TEST(ContainerRoundTripTest, RiffKeepsBytesAfterTheRiff) {
  Bytes wav = Wav(10);
  const Bytes trailer = Str("trailing junk");
  wav.insert(wav.end(), trailer.begin(), trailer.end());
  Embedding e = MustEmbed(wav, MakeStore(100, 1));
  EXPECT_TRUE(std::equal(trailer.rbegin(), trailer.rend(), e.bytes.rbegin()));
  EXPECT_EQ(e.exclusions[0].start, wav.size() - trailer.size());
  EXPECT_TRUE(MustRemove(e.bytes) == wav);
}

TEST(ContainerRoundTripTest, Webp) {
  for (const Bytes& webp : {SimpleWebp(), ExtendedWebp()}) {
    CheckRoundTrip(webp, MakeStore(300, 10), AssetFormat::kWebp);
    CheckRoundTrip(webp, MakeStore(301, 10), AssetFormat::kWebp);
    Embedding e = MustEmbed(webp, MakeStore(301, 11));
    EXPECT_EQ(e.format, AssetFormat::kWebp);
    EXPECT_EQ(ReadLe32(e.bytes, 4), e.bytes.size() - 8);
    // Everything before the appended chunk is the original file, with only the RIFF size changed.
    EXPECT_TRUE(std::equal(webp.begin() + 8, webp.end(), e.bytes.begin() + 8));
    EXPECT_EQ(e.exclusions, (std::vector<ByteRange>{{webp.size(), 8 + 301}}));
  }
}

TEST(ContainerRoundTripTest, Mp4KeepsEveryChunkOffsetPointingAtItsSamples) {
  SKIP_WITHOUT_FIXTURES();
  const Bytes plain = Load("video1_no_manifest.mp4");
  const Bytes store = MakeStore(10000, 12);
  CheckRoundTrip(plain, store, AssetFormat::kBmff);
  Embedding e = MustEmbed(plain, store);
  const std::vector<uint64_t> before = ChunkOffsets(plain, 0, plain.size());
  const std::vector<uint64_t> after = ChunkOffsets(e.bytes, 0, e.bytes.size());
  ASSERT_EQ(before.size(), 12u);
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i], before[i] + 45 + store.size());
    ASSERT_LE(after[i] + 64, e.bytes.size());
    EXPECT_TRUE(std::equal(plain.begin() + before[i], plain.begin() + before[i] + 64,
                           e.bytes.begin() + after[i]));
  }
  // The uuid box sits right after ftyp.
  EXPECT_EQ(e.pieces.size(), 1u);
  EXPECT_EQ(e.pieces[0].file_offset, 24u + 45);
  EXPECT_EQ(ReadBe(e.bytes, 24, 4), 45 + store.size());
  EXPECT_EQ(std::string(e.bytes.begin() + 28, e.bytes.begin() + 32), "uuid");
  EXPECT_EQ(std::string(e.bytes.begin() + 52, e.bytes.begin() + 61), std::string("manifest\0", 9));
  // The reference c2pa-rs exclusions hash the same whatever the store's contents.
  Embedding other = MustEmbed(plain, MakeStore(10000, 13));
  EXPECT_EQ(*BmffHash(e.bytes, ReferenceMp4Exclusions()),
            *BmffHash(other.bytes, ReferenceMp4Exclusions()));
  CheckRoundTrip(Load("dashinit.mp4"), MakeStore(2000, 14), AssetFormat::kBmff);
}

// Two embeddings of different stores of the same size differ only inside the exclusions, so the
// data hash computed before signing still holds after.
TEST(ContainerRoundTripTest, ExclusionCoversExactlyTheChangedBytes) {
  std::vector<Bytes> assets = {SimpleWebp(), Wav(33)};
  if (HaveFixtures()) {
    for (const char* rel : {"no_manifest.jpg", "C.jpg", "gradient64.png", "tone_8k_mono.wav"}) {
      assets.push_back(Load(rel));
    }
  }
  for (const Bytes& asset : assets) {
    for (size_t size : {333u, 70001u}) {
      SCOPED_TRACE(std::string(FormatName(DetectFormat(asset))) + " " + std::to_string(size));
      Embedding a = MustEmbed(asset, MakeStore(size, 20));
      Embedding b = MustEmbed(asset, MakeStore(size, 21));
      ASSERT_EQ(a.bytes.size(), b.bytes.size());
      ASSERT_EQ(a.exclusions, b.exclusions);
      ASSERT_EQ(a.exclusions.size(), 1u);
      size_t first = SIZE_MAX, last = 0;
      for (size_t i = 0; i < a.bytes.size(); ++i) {
        if (a.bytes[i] == b.bytes[i]) continue;
        ASSERT_TRUE(InRanges(i, a.exclusions)) << "byte " << i << " differs outside";
        first = std::min(first, i);
        last = i;
      }
      ASSERT_NE(first, SIZE_MAX);
      // PNG: the CRC, the last excluded byte, changes too.
      if (DetectFormat(asset) == AssetFormat::kPng) {
        EXPECT_EQ(last, a.exclusions[0].start + a.exclusions[0].length - 1);
      }
      EXPECT_EQ(*DataHash(a.bytes, a.exclusions), *DataHash(b.bytes, b.exclusions));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// BMFF offset patching on a synthetic file exercising every kind of stored offset.

struct SyntheticMp4 {
  Bytes bytes;
  size_t mdat_data = 0;  // first byte of the mdat payload
  // Where each offset field sits (old offsets) and its width.
  std::map<std::string, std::pair<size_t, size_t>> fields;
};

// Fills a marker's field with a value once the layout is known.
void SetField(SyntheticMp4& m, const std::string& name, const Bytes& marker, uint64_t value) {
  auto it = std::search(m.bytes.begin(), m.bytes.end(), marker.begin(), marker.end());
  ASSERT_NE(it, m.bytes.end()) << name;
  const size_t pos = it - m.bytes.begin();
  const Bytes v = Be(value, marker.size());
  std::copy(v.begin(), v.end(), m.bytes.begin() + pos);
  m.fields[name] = {pos, marker.size()};
}

SyntheticMp4 MakeSyntheticMp4(bool mdat_first) {
  const Bytes m_stco = Be(0xA1A1A1A1, 4), m_co64 = Be(0xB2B2B2B2B2B2B2B2, 8),
              m_saio = Be(0xC3C3C3C3, 4), m_tfhd = Be(0xD4D4D4D4D4D4D4D4, 8),
              m_tfra = Be(0xE5E5E5E5E5E5E5E5, 8), m_base = Be(0xF6F6F6F6, 4),
              m_ext1 = Be(0x17171717, 4), m_ext2 = Be(0x28282828, 4);
  Bytes stbl = BmffBox("stbl", Concat({FullBox("stco", 0, 0, Concat({Be(1, 4), m_stco})),
                                       FullBox("co64", 0, 0, Concat({Be(1, 4), m_co64})),
                                       FullBox("saio", 0, 0, Concat({Be(1, 4), m_saio}))}));
  Bytes moov = BmffBox(
      "moov",
      Concat({BmffBox("trak", BmffBox("mdia", BmffBox("minf", stbl))),
              // meta (full box) with iloc v1: offset 4, length 4, base 4, index 0.
              FullBox("meta", 0, 0,
                      Concat({FullBox("hdlr", 0, 0, Concat({Be(0, 4), Str("pict"), Bytes(13, 0)})),
                              FullBox("iloc", 1, 0,
                                      Concat({Bytes{0x44, 0x40}, Be(3, 2),
                                              // item 1: base offset, one extent at 0
                                              Be(1, 2), Be(0, 2), Be(0, 2), m_base, Be(1, 2),
                                              Be(0, 4), Be(4, 4),
                                              // item 2: no base, two absolute extents
                                              Be(2, 2), Be(0, 2), Be(0, 2), Be(0, 4), Be(2, 2),
                                              m_ext1, Be(4, 4), m_ext2, Be(4, 4),
                                              // item 3: construction method 1 (idat): stays
                                              Be(3, 2), Be(1, 2), Be(0, 2), Be(0, 4), Be(1, 2),
                                              Be(5, 4), Be(4, 4)}))}))}));
  Bytes moof = BmffBox("moof", BmffBox("traf", FullBox("tfhd", 0, 1, Concat({Be(1, 4), m_tfhd}))));
  Bytes mfra = BmffBox(
      "mfra", FullBox("tfra", 1, 0,
                      Concat({Be(1, 4), Be(0, 4), Be(1, 4), Be(0, 8), m_tfra, Bytes{1, 1, 1}})));
  Bytes payload(64);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7 + 3);
  Bytes mdat = BmffBox("mdat", payload);
  SyntheticMp4 m;
  const Bytes ftyp = Ftyp("isom");
  m.bytes =
      mdat_first ? Concat({ftyp, mdat, moov, moof, mfra}) : Concat({ftyp, moov, moof, mdat, mfra});
  m.mdat_data = mdat_first ? ftyp.size() + 8 : ftyp.size() + moov.size() + moof.size() + 8;
  SetField(m, "stco", m_stco, m.mdat_data + 0);
  SetField(m, "co64", m_co64, m.mdat_data + 8);
  SetField(m, "saio", m_saio, m.mdat_data + 16);
  SetField(m, "tfhd", m_tfhd, m.mdat_data + 24);
  SetField(m, "base", m_base, m.mdat_data + 32);
  SetField(m, "ext1", m_ext1, m.mdat_data + 40);
  SetField(m, "ext2", m_ext2, m.mdat_data + 48);
  // tfra points at the moof box itself.
  const size_t moof_at =
      mdat_first ? ftyp.size() + mdat.size() + moov.size() : ftyp.size() + moov.size();
  SetField(m, "tfra", m_tfra, moof_at);
  return m;
}

TEST(ContainerBmffTest, PatchesEveryKindOfFileOffset) {
  for (bool mdat_first : {false, true}) {
    SCOPED_TRACE(mdat_first ? "mdat before moov" : "moov before mdat");
    SyntheticMp4 m = MakeSyntheticMp4(mdat_first);
    const Bytes store = MakeStore(500, 30);
    CheckRoundTrip(m.bytes, store, AssetFormat::kBmff);
    Embedding e = MustEmbed(m.bytes, store);
    const size_t shift = 45 + store.size();
    ASSERT_EQ(e.bytes.size(), m.bytes.size() + shift);
    for (const auto& [name, field] : m.fields) {
      SCOPED_TRACE(name);
      const auto [pos, width] = field;
      const uint64_t old_value = ReadBe(m.bytes, pos, width);
      const uint64_t new_value = ReadBe(e.bytes, pos + shift, width);
      EXPECT_EQ(new_value, old_value + shift);
      // Same bytes at the new place (the synthetic offsets point 4+ bytes before any box end).
      EXPECT_TRUE(std::equal(m.bytes.begin() + old_value, m.bytes.begin() + old_value + 4,
                             e.bytes.begin() + new_value));
    }
    // The idat-relative item (construction method 1, offset 5) did not move.
    const Bytes idat_extent = Concat({Be(3, 2), Be(1, 2), Be(0, 2), Be(0, 4), Be(1, 2), Be(5, 4)});
    EXPECT_NE(std::search(e.bytes.begin(), e.bytes.end(), idat_extent.begin(), idat_extent.end()),
              e.bytes.end());
    EXPECT_TRUE(MustRemove(e.bytes) == m.bytes);
  }
}

TEST(ContainerBmffTest, Stco32BitOverflowIsAnError) {
  SyntheticMp4 m = MakeSyntheticMp4(false);
  const auto [pos, width] = m.fields["stco"];
  const Bytes near_max = Be(0xFFFFFFF0, 4);
  std::copy(near_max.begin(), near_max.end(), m.bytes.begin() + pos);
  auto e = PrepareEmbedding(m.bytes, 500);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(e.error().message().find("overflow"), std::string::npos) << e.error().message();
}

Bytes C2paUuidBox(std::string_view purpose, const Bytes& rest) {
  const Bytes uuid = *HexDecode("d8fec3d61b0e483c92975828877ec481");
  return BmffBox("uuid", Concat({uuid, Be(0, 4), Str(purpose), Bytes{0}, rest}));
}

TEST(ContainerBmffTest, RemovesEveryC2paUuidBoxAndKeepsOthers) {
  const Bytes ftyp = Ftyp("isom");
  const Bytes store = MakeStore(100, 31);
  const Bytes foreign = BmffBox("uuid", Concat({Bytes(16, 0xAB), Str("xmp")}));
  const Bytes merkle = C2paUuidBox("merkle", Bytes(20, 0));
  // A manifest box with zero padding after its JUMBF.
  const Bytes manifest = C2paUuidBox("manifest", Concat({Be(0, 8), store, Bytes(7, 0)}));
  const Bytes mdat = BmffBox("mdat", Bytes(32, 9));
  const Bytes file = Concat({ftyp, manifest, foreign, merkle, mdat});
  auto found = MustRead(file);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_EQ(found->blocks, (std::vector<ByteRange>{{ftyp.size(), manifest.size()}}));
  EXPECT_TRUE(MustRemove(file) == Concat({ftyp, foreign, mdat}));
  // The Merkle box alone is not a manifest store.
  EXPECT_FALSE(MustRead(Concat({ftyp, merkle, mdat})).has_value());
}

TEST(ContainerBmffTest, MalformedFiles) {
  const Bytes ftyp = Ftyp("isom");
  const Bytes store = MakeStore(100, 32);
  const Bytes manifest = C2paUuidBox("manifest", Concat({Be(0, 8), store}));
  auto expect_invalid = [](const Bytes& file, std::string_view why) {
    SCOPED_TRACE(why);
    auto read = ReadManifestStore(file);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_FALSE(PrepareEmbedding(file, 100).ok());
  };
  expect_invalid(Concat({ftyp, manifest, manifest}), "two manifest boxes");
  expect_invalid(Concat({ftyp, Be(100, 4), Str("mdat")}), "box beyond the file");
  expect_invalid(Concat({ftyp, Be(4, 4), Str("mdat")}), "box smaller than its header");
  expect_invalid(Concat({ftyp, Be(1, 4), Str("mdat"), Be(8, 8)}), "64-bit size below header");
  expect_invalid(Concat({ftyp, Bytes{0, 0, 0}}), "trailing bytes");
  expect_invalid(Concat({ftyp, C2paUuidBox("manifest", Be(0, 4))}), "no Merkle offset");
  expect_invalid(Concat({ftyp, BmffBox("uuid", Bytes(15, 1))}), "uuid box without user type");
  Bytes unterminated = C2paUuidBox("manifest", {});
  unterminated.pop_back();
  unterminated[3] -= 1;
  expect_invalid(Concat({ftyp, unterminated}), "purpose without NUL");
  // Nested deeper than any real file: Prepare refuses to walk it.
  Bytes nested = BmffBox("stco", Be(0, 8));
  for (int i = 0; i < 40; ++i) nested = BmffBox(i % 2 ? "moov" : "trak", nested);
  auto deep = PrepareEmbedding(Concat({ftyp, nested}), 100);
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error().message().find("nested"), std::string::npos);
  // A size-0 last box runs to the end of the file.
  const Bytes open_mdat = Concat({ftyp, Be(0, 4), Str("mdat"), Bytes(10, 1)});
  CheckRoundTrip(open_mdat, store, AssetFormat::kBmff);
  // Too large for a 32-bit uuid box.
  EXPECT_FALSE(PrepareEmbedding(open_mdat, size_t{0xFFFFFFFF}).ok());
}

// ---------------------------------------------------------------------------------------------
// JPEG structure.

Bytes App11(uint16_t en, uint32_t z, const Bytes& data) {
  return Concat(
      {Bytes{0xFF, 0xEB}, Be(2 + 8 + data.size(), 2), Str("JP"), Be(en, 2), Be(z, 4), data});
}

// SOI, an APP0, the given segments, then a tiny "scan".
Bytes Jpeg(const Bytes& segments) {
  const Bytes app0 = Concat({Bytes{0xFF, 0xE0}, Be(16, 2), Str("JFIF"), Bytes(10, 0)});
  return Concat({Bytes{0xFF, 0xD8}, app0, segments,
                 Bytes{0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9}});
}

// `store` split into APP11 segments of `chunk` bytes as c2pa-rs does.
Bytes Segments(const Bytes& store, size_t chunk, uint16_t en = 0x0211) {
  Bytes out;
  for (size_t off = 0, z = 1; off < store.size(); off += chunk, ++z) {
    Bytes data(store.begin() + off, store.begin() + std::min(store.size(), off + chunk));
    if (z > 1) data.insert(data.begin(), store.begin(), store.begin() + 8);
    out = Concat({out, App11(en, static_cast<uint32_t>(z), data)});
  }
  return out;
}

void ExpectJpegInvalid(const Bytes& file, std::string_view fragment) {
  SCOPED_TRACE(fragment);
  auto read = ReadManifestStore(file);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(read.error().message().find(fragment), std::string::npos) << read.error().message();
  EXPECT_FALSE(RemoveManifestStore(file).ok());
  EXPECT_FALSE(PrepareEmbedding(file, 100).ok());
}

TEST(ContainerJpegTest, ReassemblesHandSplitStores) {
  const Bytes store = MakeStore(1000, 40);
  const Bytes file = Jpeg(Segments(store, 300));
  auto found = MustRead(file);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_EQ(found->blocks, (std::vector<ByteRange>{{20, 4 * 12 + 1000 + 3 * 8}}));
  EXPECT_TRUE(MustRemove(file) == Jpeg({}));
}

TEST(ContainerJpegTest, SequenceAndInstanceErrors) {
  const Bytes store = MakeStore(1000, 41);
  auto seg = [&](uint16_t en, uint32_t z, size_t off, size_t len) {
    Bytes data(store.begin() + off, store.begin() + off + len);
    if (z > 1) data.insert(data.begin(), store.begin(), store.begin() + 8);
    return App11(en, z, data);
  };
  ExpectJpegInvalid(Jpeg(Concat({seg(1, 1, 0, 500), seg(1, 3, 500, 500)})), "sequence gap");
  ExpectJpegInvalid(Jpeg(Concat({seg(1, 1, 0, 500), seg(2, 2, 500, 500)})),
                    "without a first segment");
  ExpectJpegInvalid(Jpeg(seg(1, 1, 0, 500)), "truncated");
  ExpectJpegInvalid(Jpeg(Concat({seg(1, 1, 0, 500), seg(1, 1, 0, 500)})), "restarted");
  ExpectJpegInvalid(Jpeg(Concat({Segments(store, 400, 1), Segments(store, 400, 2)})),
                    "more than one");
  ExpectJpegInvalid(Jpeg(Concat({seg(1, 1, 0, 1000), seg(1, 2, 0, 10)})), "after the store's end");
  ExpectJpegInvalid(Jpeg(App11(1, 0, store)), "sequence number 0");
  Bytes bad_repeat = seg(1, 2, 500, 500);
  bad_repeat[12 + 7] ^= 1;  // the repeated TBox
  ExpectJpegInvalid(Jpeg(Concat({seg(1, 1, 0, 500), bad_repeat})), "repeat");
  Bytes long_first = store;
  long_first.push_back(0);
  ExpectJpegInvalid(Jpeg(App11(1, 1, long_first)), "longer than");
}

TEST(ContainerJpegTest, OtherJumbfBoxesAreKept) {
  // A JUMBF box that is not the C2PA store (jumd labelled otherwise), split in two.
  Box other_box = MakeSuperbox(MakeDescription(C2paTypeUuid("json"), "not-c2pa"),
                               {MakeContentBox(MakeFourCC("json"), Bytes(600, '7'))});
  const Bytes other = *SerializeJumbf(other_box);
  const Bytes store = MakeStore(700, 42);
  const Bytes file = Jpeg(Concat({Segments(other, 400, 7), Segments(store, 400, 8)}));
  auto found = MustRead(file);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_TRUE(MustRemove(file) == Jpeg(Segments(other, 400, 7)));
  CheckRoundTrip(file, MakeStore(900, 43), AssetFormat::kJpeg);
}

TEST(ContainerJpegTest, AvoidsTheBoxInstanceNumberOfAnotherJumbfBox) {
  // Another JUMBF box numbered 0x0211 whose first segment precedes the APP0 and whose second
  // follows it: a store numbered 0x0211 inserted after the APP0 would interleave with it.
  Box other_box = MakeSuperbox(MakeDescription(C2paTypeUuid("json"), "not-c2pa"),
                               {MakeContentBox(MakeFourCC("json"), Bytes(600, '7'))});
  const Bytes other = *SerializeJumbf(other_box);
  const Bytes segs = Segments(other, 400, 0x0211);
  const size_t first_len = 12 + 400;
  const Bytes app0 = Concat({Bytes{0xFF, 0xE0}, Be(16, 2), Str("JFIF"), Bytes(10, 0)});
  const Bytes file = Concat({Bytes{0xFF, 0xD8}, Bytes(segs.begin(), segs.begin() + first_len), app0,
                             Bytes(segs.begin() + first_len, segs.end()), Bytes{0xFF, 0xD9}});
  ASSERT_FALSE(MustRead(file).has_value());
  const Bytes store = MakeStore(500, 45);
  Embedding e = MustEmbed(file, store);
  const size_t at = 2 + first_len + app0.size();
  EXPECT_EQ(e.exclusions, (std::vector<ByteRange>{{at, 12 + 500}}));
  EXPECT_EQ(ReadBe(e.bytes, at + 6, 2), 0x0212u);
  auto found = MustRead(e.bytes);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_TRUE(MustRemove(e.bytes) == file);
}

TEST(ContainerJpegTest, MarkerSyntax) {
  const Bytes store = MakeStore(200, 44);
  // Fill bytes before markers and a standalone marker are allowed before SOS.
  Bytes fill = Jpeg(Concat({Bytes{0xFF, 0xFF, 0xFF}, App11(0x0211, 1, store), Bytes{0xFF, 0xD0}}));
  auto found = MustRead(fill);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->blocks, (std::vector<ByteRange>{{23, 12 + 200}}));  // the last 0xFF
  EXPECT_TRUE(found->jumbf == store);
  // Data after SOS is not parsed: an APP11 there is image data.
  Bytes after_sos = Jpeg({});
  const Bytes late = App11(0x0211, 1, store);
  after_sos.insert(after_sos.end() - 2, late.begin(), late.end());
  EXPECT_FALSE(MustRead(after_sos).has_value());

  auto expect_malformed = [](const Bytes& file, std::string_view why) {
    SCOPED_TRACE(why);
    auto read = ReadManifestStore(file);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
  };
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF}, "truncated");
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF, 0xE1, 0x00}, "truncated length");
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 0x00}, "segment past the end");
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01}, "length below 2");
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x02, 0x12, 0x34}, "no marker");
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF, 0x00}, "stuffed byte");
  expect_malformed(Bytes{0xFF, 0xD8, 0xFF, 0xD8}, "second SOI");
}

TEST(ContainerJpegTest, StoreSizeLimits) {
  const Bytes file = Jpeg({});
  auto too_big = PrepareEmbedding(file, size_t{65535} * 64000 + 1);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kInvalidArgument);
  auto too_small = PrepareEmbedding(file, 7);
  ASSERT_FALSE(too_small.ok());
  EXPECT_EQ(too_small.error().code(), ErrorCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// PNG and RIFF structure.

Bytes PngChunk(std::string_view type, const Bytes& data) {
  return Concat({Be(data.size(), 4), Str(type), data, Be(0, 4)});  // CRCs are not checked
}
Bytes Png(const Bytes& chunks_after_ihdr) {
  return Concat({Bytes{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, PngChunk("IHDR", Bytes(13, 1)),
                 chunks_after_ihdr, PngChunk("IEND", {})});
}

TEST(ContainerPngTest, FindsTheStoreAnywhereAndRejectsMalformedFiles) {
  const Bytes store = MakeStore(100, 50);
  const Bytes late = Png(Concat({PngChunk("IDAT", Bytes(5, 2)), PngChunk("caBX", store)}));
  auto found = MustRead(late);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_TRUE(MustRemove(late) == Png(PngChunk("IDAT", Bytes(5, 2))));
  CheckRoundTrip(late, MakeStore(64, 51), AssetFormat::kPng);
  // Bytes after IEND are kept.
  Bytes trailing = Png({});
  trailing.push_back(0x42);
  CheckRoundTrip(trailing, store, AssetFormat::kPng);

  auto expect_invalid = [](const Bytes& file, std::string_view why) {
    SCOPED_TRACE(why);
    auto read = ReadManifestStore(file);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_FALSE(PrepareEmbedding(file, 100).ok());
  };
  expect_invalid(Png(Concat({PngChunk("caBX", store), PngChunk("caBX", store)})), "two caBX");
  Bytes no_iend = Png({});
  no_iend.resize(no_iend.size() - 12);
  expect_invalid(no_iend, "no IEND");
  Bytes huge = Png({});
  huge[8] = 0x80;  // IHDR length 2^31 + 13
  expect_invalid(huge, "length above 2^31-1");
  Bytes beyond = Png({});
  beyond[11] = 200;
  expect_invalid(beyond, "chunk beyond the file");
  expect_invalid(Concat({Bytes{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, PngChunk("IEND", {})}),
                 "IHDR missing");
}

TEST(ContainerRiffTest, MalformedFiles) {
  const Bytes store = MakeStore(100, 60);
  auto expect_invalid = [](const Bytes& file, std::string_view why) {
    SCOPED_TRACE(why);
    auto read = ReadManifestStore(file);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_FALSE(PrepareEmbedding(file, 100).ok());
  };
  const Bytes c2pa = Concat({Str("C2PA"), Le32(100), store});
  expect_invalid(RiffFile("WAVE", Concat({c2pa, c2pa})), "two C2PA chunks");
  expect_invalid(RiffFile("WAVE", Concat({Str("data"), Le32(3), Bytes{1, 2, 3}})), "no pad byte");
  expect_invalid(RiffFile("WAVE", Concat({Str("data"), Le32(30), Bytes{1, 2, 3, 4}})),
                 "chunk beyond the RIFF");
  expect_invalid(RiffFile("WAVE", Bytes{1, 2, 3}), "truncated chunk header");
  Bytes short_riff = Wav(10);
  short_riff[4] += 1;
  expect_invalid(short_riff, "RIFF beyond the file");
  Bytes tiny = Wav(0);
  tiny[4] = 3;
  tiny[5] = tiny[6] = tiny[7] = 0;
  expect_invalid(tiny, "RIFF size below 4");
  // A store chunk in the middle is found, and moves to the end on re-embedding.
  const Bytes middle = RiffFile("WAVE", Concat({c2pa, Str("data"), Le32(2), Bytes{1, 2}}));
  auto found = MustRead(middle);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(found->jumbf == store);
  EXPECT_TRUE(MustRemove(middle) == RiffFile("WAVE", Concat({Str("data"), Le32(2), Bytes{1, 2}})));
  CheckRoundTrip(middle, MakeStore(99, 61), AssetFormat::kWav);
}

// ---------------------------------------------------------------------------------------------
// Writing.

TEST(ContainerWriteTest, RejectsAStoreThatDoesNotFit) {
  const Bytes wav = Wav(10);
  auto prepared = PrepareEmbedding(wav, 100);
  ASSERT_TRUE(prepared.ok());
  Embedding e = *prepared;
  EXPECT_FALSE(WriteManifestStore(e, MakeStore(101, 1)).ok());  // wrong size
  Bytes wrong_lbox = MakeStore(100, 1);
  wrong_lbox[3] = 99;
  EXPECT_FALSE(WriteManifestStore(e, wrong_lbox).ok());
  Box other = MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pb"),
                           {MakeContentBox(MakeFourCC("bidb"), Bytes(54, 0))});
  const Bytes not_c2pa = *SerializeJumbf(other);
  ASSERT_EQ(not_c2pa.size(), 100u);
  EXPECT_FALSE(WriteManifestStore(e, not_c2pa).ok());
  EXPECT_TRUE(e.bytes == prepared->bytes);  // nothing written
  EXPECT_TRUE(WriteManifestStore(e, MakeStore(100, 1)).ok());
}

// ---------------------------------------------------------------------------------------------
// Malformed-input sweeps: truncations and corruptions of every format never crash, and whenever
// a file is accepted the operations agree with each other.

void CheckConsistent(const Bytes& file) {
  static const Bytes store = MakeStore(200, 77);
  auto read = ReadManifestStore(file);
  auto removed = RemoveManifestStore(file);
  if (DetectFormat(file) == AssetFormat::kBmff) (void)BmffHash(file, DefaultBmffExclusions());
  auto prepared = PrepareEmbedding(file, 200);
  if (!prepared.ok()) return;
  ASSERT_TRUE(removed.ok()) << "Prepare accepted what Remove rejected";
  Embedding e = *prepared;
  ASSERT_TRUE(WriteManifestStore(e, store).ok());
  auto again = ReadManifestStore(e.bytes);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  ASSERT_TRUE(again->has_value());
  EXPECT_TRUE((*again)->jumbf == store);
  auto stripped = RemoveManifestStore(e.bytes);
  ASSERT_TRUE(stripped.ok());
  EXPECT_TRUE(*stripped == *removed);
  if (read.ok() && !read->has_value() && DetectFormat(file) != AssetFormat::kBmff) {
    EXPECT_TRUE(*removed == file);
  }
}

std::vector<Bytes> SweepInputs() {
  std::vector<Bytes> inputs = {SimpleWebp(), ExtendedWebp(), Wav(9)};
  inputs.push_back(MustEmbed(Wav(9), MakeStore(101, 1)).bytes);
  inputs.push_back(MustEmbed(SimpleWebp(), MakeStore(100, 1)).bytes);
  inputs.push_back(MustEmbed(Jpeg(Segments(MakeStore(300, 2), 120)), MakeStore(150, 3)).bytes);
  inputs.push_back(Jpeg(Segments(MakeStore(300, 2), 120)));
  inputs.push_back(MustEmbed(Png(PngChunk("IDAT", Bytes(20, 3))), MakeStore(120, 4)).bytes);
  SyntheticMp4 mp4 = MakeSyntheticMp4(false);
  inputs.push_back(mp4.bytes);
  inputs.push_back(MustEmbed(mp4.bytes, MakeStore(80, 5)).bytes);
  return inputs;
}

TEST(ContainerMalformedTest, TruncationSweep) {
  for (const Bytes& input : SweepInputs()) {
    for (size_t len = 0; len < input.size(); ++len) {
      SCOPED_TRACE(std::string(FormatName(DetectFormat(input))) + " truncated to " +
                   std::to_string(len));
      CheckConsistent(Bytes(input.begin(), input.begin() + len));
    }
  }
}

TEST(ContainerMalformedTest, CorruptionSweep) {
  for (const Bytes& input : SweepInputs()) {
    for (size_t pos = 0; pos < input.size(); ++pos) {
      for (uint8_t value : {uint8_t(input[pos] ^ 0xFF), uint8_t(0x00), uint8_t(0x01)}) {
        if (value == input[pos]) continue;
        SCOPED_TRACE(std::string(FormatName(DetectFormat(input))) + " byte " + std::to_string(pos) +
                     " = " + std::to_string(value));
        Bytes corrupt = input;
        corrupt[pos] = value;
        CheckConsistent(corrupt);
      }
    }
  }
}

TEST(ContainerMalformedTest, FixtureSweeps) {
  SKIP_WITHOUT_FIXTURES();
  for (const char* rel :
       {"handbuilt/min.jpg", "handbuilt/min.png", "handbuilt/min.wav", "dashinit.mp4"}) {
    const Bytes file = Load(rel);
    // Every length through the headers, then a stride through the rest.
    for (size_t len = 0; len < file.size(); len += len < 600 ? 1 : 4099) {
      SCOPED_TRACE(std::string(rel) + " truncated to " + std::to_string(len));
      CheckConsistent(Bytes(file.begin(), file.begin() + len));
    }
    for (size_t pos = 0; pos < std::min<size_t>(file.size(), 400); ++pos) {
      SCOPED_TRACE(std::string(rel) + " corrupted at " + std::to_string(pos));
      Bytes corrupt = file;
      corrupt[pos] ^= 0x5A;
      CheckConsistent(corrupt);
    }
  }
}

TEST(ContainerMalformedTest, TruncatedMultiSegmentStore) {
  SKIP_WITHOUT_FIXTURES();
  const Bytes caca = Load("CACA.jpg");
  // Cut inside and at the edges of each of the four APP11 segments and of the SOF after them.
  for (size_t boundary : {20u, 64032u, 128052u, 192072u, 231985u}) {
    for (size_t len = boundary - 3; len <= boundary + 20; ++len) {
      SCOPED_TRACE(len);
      const Bytes cut(caca.begin(), caca.begin() + len);
      auto read = ReadManifestStore(cut);
      ASSERT_FALSE(read.ok());
      EXPECT_EQ(read.error().code(), ErrorCode::kInvalidArgument);
      CheckConsistent(cut);
    }
  }
}

// The fuzz target's seeds (fuzz/corpus/container) and any input that ever crashed it
// (fuzz/regressions/container) replayed through the same checks, so fixes stay fixed.
TEST(ContainerMalformedTest, FuzzCorpusAndRegressions) {
  const fs::path fuzz = testing::SourceDir() / "fuzz";
  int seeds = 0;
  for (const char* dir : {"corpus/container", "regressions/container"}) {
    if (!fs::is_directory(fuzz / dir)) continue;
    for (const auto& entry : fs::directory_iterator(fuzz / dir)) {
      SCOPED_TRACE(entry.path().string());
      auto input = testing::ReadFile(entry.path());
      ASSERT_TRUE(input.has_value());
      CheckConsistent(*input);
      if (entry.path().filename().string().find("_store") != std::string::npos) {
        auto found = ReadManifestStore(*input);
        ASSERT_TRUE(found.ok()) << found.error().ToString();
        ASSERT_TRUE(found->has_value());
        EXPECT_TRUE(ParseJumbf((*found)->jumbf).ok());
      }
      ++seeds;
    }
  }
  EXPECT_GE(seeds, 8) << "fuzz/corpus/container is missing";
}

}  // namespace
}  // namespace custody::provenance
