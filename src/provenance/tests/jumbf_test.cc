// Tests for the JUMBF reader and writer: hand-built boxes of each kind, malformed input, and real
// C2PA manifest stores extracted from the fixtures (../shared/fixtures/c2pa).
#include "provenance/c2pa/jumbf.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace custody::provenance {
namespace {

namespace fs = std::filesystem;

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes Str(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes U32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

// A raw box: LBox | TBox | payload.
Bytes RawBox(std::string_view type, const Bytes& payload) {
  return Concat({U32(static_cast<uint32_t>(payload.size() + 8)), Str(type), payload});
}

Bytes RawJumd(const Uuid& uuid, uint8_t toggles, const Bytes& rest) {
  return RawBox("jumd", Concat({Bytes(uuid.begin(), uuid.end()), Bytes{toggles}, rest}));
}

Bytes Label(std::string_view s) { return Concat({Str(s), Bytes{0}}); }

Box MustParse(const Bytes& bytes) {
  auto box = ParseJumbf(bytes);
  EXPECT_TRUE(box.ok()) << box.error().ToString();
  return box.ok() ? std::move(box).value() : Box{};
}

Bytes MustSerialize(const Box& box) {
  auto bytes = SerializeJumbf(box);
  EXPECT_TRUE(bytes.ok()) << bytes.error().ToString();
  return bytes.ok() ? std::move(bytes).value() : Bytes{};
}

void ExpectMalformed(const Bytes& bytes, std::string_view fragment) {
  auto box = ParseJumbf(bytes);
  ASSERT_FALSE(box.ok()) << "parsed malformed input, expected error containing: " << fragment;
  EXPECT_EQ(box.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(box.error().message().find(fragment), std::string::npos) << box.error().message();
}

// A small store with every kind of box: salted cbor assertion, json, uuid, an embedded file, and
// a description with ID and SHA-256.
Box SampleStore() {
  Bytes salt(16);
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(i * 7);
  Box actions = MakeSuperbox(MakeDescription(C2paTypeUuid("cbor"), "c2pa.actions.v2", salt),
                             {MakeContentBox(kCborBoxType, {0xA1, 0x61, 0x61, 0x01})});
  Box json = MakeSuperbox(MakeDescription(C2paTypeUuid("json"), "stds.schema-org.CreativeWork"),
                          {MakeContentBox(kJsonBoxType, Str("{\"a\":1}"))});
  Bytes uuid_payload(16, 0xAB);
  uuid_payload.push_back(0x42);
  Box uuid = MakeSuperbox(MakeDescription(C2paTypeUuid("uuid"), "acme.custom"),
                          {MakeContentBox(kUuidBoxType, uuid_payload)});
  EmbeddedFileDescription file{kFileToggleHasName, "image/jpeg", "thumb.jpg"};
  Box thumbnail = MakeSuperbox(
      MakeDescription(kEmbeddedFileTypeUuid, "c2pa.thumbnail.claim.jpeg"),
      {MakeContentBox(kEmbeddedFileDescriptionType, *SerializeEmbeddedFileDescription(file)),
       MakeContentBox(kBinaryDataType, {0xFF, 0xD8, 0xFF, 0xD9})});
  Box assertions = MakeSuperbox(MakeDescription(C2paTypeUuid("c2as"), "c2pa.assertions"),
                                {actions, json, uuid, thumbnail});
  Box claim = MakeSuperbox(MakeDescription(C2paTypeUuid("c2cl"), "c2pa.claim.v2"),
                           {MakeContentBox(kCborBoxType, {0xA0})});
  Description sig_desc = MakeDescription(C2paTypeUuid("c2cs"), "c2pa.signature");
  sig_desc.toggles |= kToggleHasId | kToggleHasSha256;
  sig_desc.id = 0x01020304;
  sig_desc.sha256 = Sha256Digest{};
  sig_desc.sha256->fill(0x5A);
  Box signature = MakeSuperbox(sig_desc, {MakeContentBox(kCborBoxType, {0xD2, 0x84})});
  Box manifest = MakeSuperbox(
      MakeDescription(C2paTypeUuid("c2ma"), "urn:c2pa:3326f353-c2ee-46fd-b1f9-6519e528a396"),
      {assertions, claim, signature});
  return MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"), {manifest});
}

// ---- Type UUIDs and layout ----

TEST(JumbfTest, C2paTypeUuidHasTheSharedSuffix) {
  const Uuid uuid = C2paTypeUuid("c2ma");
  EXPECT_EQ(HexEncode(uuid), "63326d6100110010800000aa00389b71");
  EXPECT_EQ(HexEncode(C2paTypeUuid("cbor")), "63626f7200110010800000aa00389b71");
  ASSERT_TRUE(C2paTypeFourCC(uuid).has_value());
  EXPECT_EQ(*C2paTypeFourCC(uuid), MakeFourCC("c2ma"));
  EXPECT_FALSE(C2paTypeFourCC(kEmbeddedFileTypeUuid).has_value());
}

TEST(JumbfTest, StoreDescriptionMatchesTheSpecifiedBytes) {
  // jumb{ jumd(c2pa, toggles 0x03, "c2pa") }: the jumd is 8 + 16 + 1 + 5 = 30 bytes, as c2pa-rs
  // writes it.
  const Uuid uuid = C2paTypeUuid("c2pa");
  const Bytes expected = RawBox("jumb", RawJumd(uuid, 0x03, Label("c2pa")));
  const Bytes written = MustSerialize(MakeSuperbox(MakeDescription(uuid, "c2pa")));
  EXPECT_EQ(HexEncode(written), HexEncode(expected));
  EXPECT_EQ(written.size(), 38u);
}

TEST(JumbfTest, SaltIsAPrivateC2shBoxWithToggle0x13) {
  const Uuid uuid = C2paTypeUuid("cbor");
  const Bytes salt(16, 0x11);
  const Bytes expected = RawBox(
      "jumb", Concat({RawJumd(uuid, 0x13, Concat({Label("c2pa.hash.data"), RawBox("c2sh", salt)})),
                      RawBox("cbor", {0xA0})}));
  Box box = MakeSuperbox(MakeDescription(uuid, "c2pa.hash.data", salt),
                         {MakeContentBox(kCborBoxType, {0xA0})});
  EXPECT_EQ(HexEncode(MustSerialize(box)), HexEncode(expected));
  Box parsed = MustParse(expected);
  ASSERT_TRUE(parsed.desc.has_value());
  EXPECT_EQ(parsed.desc->toggles, 0x13);
  ASSERT_TRUE(parsed.desc->private_box.has_value());
  EXPECT_EQ(parsed.desc->private_box->type, kSaltBoxType);
  EXPECT_EQ(parsed.desc->private_box->payload, salt);
}

// ---- Hand-built round trips ----

TEST(JumbfTest, EveryBoxKindRoundTripsByteForByte) {
  const Box store = SampleStore();
  const Bytes bytes = MustSerialize(store);
  const Box parsed = MustParse(bytes);
  EXPECT_EQ(MustSerialize(parsed), bytes);

  const Box* manifest = FindChildByLabel(parsed, "urn:c2pa:3326f353-c2ee-46fd-b1f9-6519e528a396");
  ASSERT_NE(manifest, nullptr);
  EXPECT_EQ(manifest->desc->type_uuid, C2paTypeUuid("c2ma"));

  const Box* actions = FindByLabel(*manifest, "c2pa.assertions/c2pa.actions.v2");
  ASSERT_NE(actions, nullptr);
  EXPECT_EQ(actions->desc->toggles, 0x13);
  const Box* cbor = FindContent(*actions, kCborBoxType);
  ASSERT_NE(cbor, nullptr);
  EXPECT_EQ(cbor->payload, (Bytes{0xA1, 0x61, 0x61, 0x01}));

  const Box* json = FindByLabel(*manifest, "c2pa.assertions/stds.schema-org.CreativeWork");
  ASSERT_NE(json, nullptr);
  EXPECT_EQ(AsChars(FindContent(*json, kJsonBoxType)->payload), "{\"a\":1}");

  const Box* uuid_box = FindByLabel(*manifest, "c2pa.assertions/acme.custom");
  ASSERT_NE(uuid_box, nullptr);
  auto uuid = ParseUuidContent(FindContent(*uuid_box, kUuidBoxType)->payload);
  ASSERT_TRUE(uuid.ok());
  EXPECT_EQ(uuid->uuid[0], 0xAB);
  EXPECT_EQ(Bytes(uuid->data.begin(), uuid->data.end()), Bytes{0x42});

  const Box* thumb = FindByLabel(*manifest, "c2pa.assertions/c2pa.thumbnail.claim.jpeg");
  ASSERT_NE(thumb, nullptr);
  EXPECT_EQ(thumb->desc->type_uuid, kEmbeddedFileTypeUuid);
  auto file =
      ParseEmbeddedFileDescription(FindContent(*thumb, kEmbeddedFileDescriptionType)->payload);
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  EXPECT_EQ(file->media_type, "image/jpeg");
  EXPECT_EQ(file->file_name, "thumb.jpg");
  EXPECT_EQ(FindContent(*thumb, kBinaryDataType)->payload, (Bytes{0xFF, 0xD8, 0xFF, 0xD9}));

  const Box* sig = FindChildByLabel(*manifest, "c2pa.signature");
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(sig->desc->toggles, 0x0F);
  EXPECT_EQ(sig->desc->id, 0x01020304u);
  EXPECT_EQ((*sig->desc->sha256)[31], 0x5A);
}

TEST(JumbfTest, RangesLocateEachBoxInTheInput) {
  const Bytes bytes = MustSerialize(SampleStore());
  const Box store = MustParse(bytes);
  EXPECT_EQ(store.range, (BoxRange{0, bytes.size(), 8}));
  // Every superbox's range holds exactly its own serialization.
  std::vector<const Box*> pending = {&store};
  int superboxes = 0;
  while (!pending.empty()) {
    const Box* box = pending.back();
    pending.pop_back();
    const Bytes own = MustSerialize(*box);
    ASSERT_LE(box->range.offset + box->range.length, bytes.size());
    EXPECT_EQ(Bytes(bytes.begin() + box->range.offset,
                    bytes.begin() + box->range.offset + box->range.length),
              own)
        << box->label();
    EXPECT_EQ(box->range.payload_length(), own.size() - 8);
    if (box->is_superbox()) ++superboxes;
    for (const Box& child : box->children) pending.push_back(&child);
  }
  EXPECT_EQ(superboxes, 9);
}

TEST(JumbfTest, FindByLabelFollowsRelativeAndAbsolutePaths) {
  const Box store = SampleStore();
  const std::string urn = "urn:c2pa:3326f353-c2ee-46fd-b1f9-6519e528a396";
  const Box* manifest = FindByLabel(store, urn);
  ASSERT_NE(manifest, nullptr);
  EXPECT_EQ(FindByLabel(store, "/c2pa/" + urn + "/c2pa.signature"),
            FindChildByLabel(*manifest, "c2pa.signature"));
  EXPECT_EQ(FindByLabel(store, "/c2pa"), &store);
  EXPECT_EQ(FindByLabel(store, "/other/" + urn), nullptr);
  EXPECT_EQ(FindByLabel(*manifest, "c2pa.assertions/missing"), nullptr);
  EXPECT_EQ(FindByLabel(*manifest, "c2pa.assertions//c2pa.actions.v2"), nullptr);
  EXPECT_EQ(FindByLabel(*manifest, ""), nullptr);
}

TEST(JumbfTest, XLBoxIsReadAndKeptForTheRoundTrip) {
  // A content box written with LBox == 1 and a 64-bit XLBox.
  const Bytes cbor = Concat({U32(1), Str("cbor"), U32(0), U32(16 + 2), Bytes{0xA0, 0xA0}});
  const Bytes bytes =
      RawBox("jumb", Concat({RawJumd(C2paTypeUuid("cbor"), 0x03, Label("x")), cbor}));
  const Box box = MustParse(bytes);
  ASSERT_EQ(box.children.size(), 1u);
  EXPECT_TRUE(box.children[0].large_size);
  EXPECT_EQ(box.children[0].range.header_size, 16u);
  EXPECT_EQ(box.children[0].payload, (Bytes{0xA0, 0xA0}));
  EXPECT_EQ(MustSerialize(box), bytes);
}

TEST(JumbfTest, DescriptionWithoutLabelToggleHasEmptyLabel) {
  const Bytes bytes = RawBox("jumb", RawJumd(C2paTypeUuid("cbor"), 0x01, {}));
  const Box box = MustParse(bytes);
  EXPECT_EQ(box.label(), "");
  EXPECT_EQ(MustSerialize(box), bytes);
}

// ---- Serializer rejects trees it cannot write ----

TEST(JumbfTest, SerializeRejectsInconsistentTrees) {
  Box no_desc;
  no_desc.type = kSuperboxType;
  EXPECT_FALSE(SerializeJumbf(no_desc).ok());

  Box id_without_toggle = MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"));
  id_without_toggle.desc->id = 7;
  EXPECT_FALSE(SerializeJumbf(id_without_toggle).ok());

  Box label_with_nul = MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), std::string("a\0b", 3)));
  EXPECT_FALSE(SerializeJumbf(label_with_nul).ok());

  Box label_without_toggle = MakeSuperbox(MakeDescription(C2paTypeUuid("c2pa"), "c2pa"));
  label_without_toggle.desc->toggles = kToggleRequestable;
  EXPECT_FALSE(SerializeJumbf(label_without_toggle).ok());

  Box content_with_children = MakeContentBox(kCborBoxType, {});
  content_with_children.children.push_back(MakeContentBox(kCborBoxType, {}));
  EXPECT_FALSE(SerializeJumbf(content_with_children).ok());

  EXPECT_FALSE(SerializeJumbf(MakeContentBox(kDescriptionType, {})).ok());

  EmbeddedFileDescription file{0, "image/png", "name.png"};  // name without toggle 0x01
  EXPECT_FALSE(SerializeEmbeddedFileDescription(file).ok());
}

// ---- Malformed input ----

TEST(JumbfMalformedTest, EmptyAndTruncatedHeaders) {
  ExpectMalformed({}, "truncated box header");
  ExpectMalformed({0, 0, 0, 8, 'j', 'u', 'm'}, "truncated box header");
}

TEST(JumbfMalformedTest, LBoxSmallerThanHeader) {
  ExpectMalformed(Concat({U32(7), Str("jumb")}), "smaller than the 8-byte header");
  ExpectMalformed(Concat({U32(0), Str("jumb")}), "LBox 0");
}

TEST(JumbfMalformedTest, LBoxBeyondBuffer) {
  Bytes bytes = MustSerialize(SampleStore());
  bytes.pop_back();
  ExpectMalformed(bytes, "extends beyond its container");
  // A child that claims more than its parent holds.
  const Bytes child = Concat({U32(100), Str("cbor"), Bytes{1, 2}});
  ExpectMalformed(RawBox("jumb", Concat({RawJumd(C2paTypeUuid("cbor"), 0x03, Label("x")), child})),
                  "extends beyond its container");
}

TEST(JumbfMalformedTest, BadXLBox) {
  ExpectMalformed(Concat({U32(1), Str("jumb"), U32(0)}), "truncated XLBox");
  ExpectMalformed(Concat({U32(1), Str("jumb"), U32(0), U32(15)}), "smaller than its header");
  ExpectMalformed(Concat({U32(1), Str("jumb"), U32(0xFFFFFFFF), U32(0xFFFFFFFF)}),
                  "extends beyond");
}

TEST(JumbfMalformedTest, TopLevelMustBeOneJumb) {
  ExpectMalformed(RawBox("cbor", {0xA0}), "not jumb");
  Bytes bytes = MustSerialize(SampleStore());
  bytes.push_back(0);
  ExpectMalformed(bytes, "trailing bytes");
}

TEST(JumbfMalformedTest, JumbMustStartWithJumd) {
  ExpectMalformed(RawBox("jumb", {}), "without a jumd");
  ExpectMalformed(RawBox("jumb", RawBox("cbor", {0xA0})), "not jumd");
  const Bytes jumd = RawJumd(C2paTypeUuid("c2pa"), 0x03, Label("c2pa"));
  ExpectMalformed(RawBox("jumb", Concat({jumd, jumd})), "second jumd");
}

TEST(JumbfMalformedTest, LabelWithoutNul) {
  ExpectMalformed(RawBox("jumb", RawJumd(C2paTypeUuid("c2pa"), 0x03, Str("c2pa"))),
                  "not NUL-terminated");
}

TEST(JumbfMalformedTest, TogglesInconsistentWithPayload) {
  const Uuid uuid = C2paTypeUuid("c2pa");
  ExpectMalformed(RawBox("jumb", RawBox("jumd", Bytes(16, 0))), "shorter than type UUID");
  ExpectMalformed(RawBox("jumb", RawJumd(uuid, 0x07, Concat({Label("a"), Bytes{1, 2}}))),
                  "announce an ID");
  ExpectMalformed(RawBox("jumb", RawJumd(uuid, 0x0B, Concat({Label("a"), Bytes(31, 0)}))),
                  "announce a SHA-256");
  ExpectMalformed(RawBox("jumb", RawJumd(uuid, 0x13, Label("a"))), "truncated box header");
  ExpectMalformed(
      RawBox("jumb", RawJumd(uuid, 0x13, Concat({Label("a"), RawBox("c2sh", {1}), Bytes{0}}))),
      "does not fill");
  ExpectMalformed(RawBox("jumb", RawJumd(uuid, 0x03, Concat({Label("a"), Bytes{9}}))),
                  "beyond the fields its toggles announce");
  ExpectMalformed(RawBox("jumb", RawJumd(uuid, 0x23, Label("a"))), "reserved toggle bits");
}

TEST(JumbfMalformedTest, ExcessiveNestingDepth) {
  const Bytes jumd = RawJumd(C2paTypeUuid("c2pa"), 0x03, Label("d"));
  Bytes nested = RawBox("jumb", jumd);
  for (int depth = 1; depth < kMaxJumbfDepth; ++depth)
    nested = RawBox("jumb", Concat({jumd, nested}));
  EXPECT_TRUE(ParseJumbf(nested).ok()) << "exactly kMaxJumbfDepth levels are allowed";
  ExpectMalformed(RawBox("jumb", Concat({jumd, nested})), "nested deeper");
}

TEST(JumbfMalformedTest, MalformedContentHelpers) {
  EXPECT_FALSE(ParseUuidContent(Bytes(15, 0)).ok());
  EXPECT_FALSE(ParseEmbeddedFileDescription({}).ok());
  EXPECT_FALSE(ParseEmbeddedFileDescription(Concat({Bytes{0}, Str("image/png")})).ok());
  EXPECT_FALSE(ParseEmbeddedFileDescription(Concat({Bytes{1}, Label("image/png"), Str("x")})).ok());
  EXPECT_FALSE(ParseEmbeddedFileDescription(Concat({Bytes{0}, Label("image/png"), Bytes{1}})).ok());
  EXPECT_FALSE(ParseEmbeddedFileDescription(Concat({Bytes{0x80}, Label("image/png")})).ok());
}

// Every truncation and many single-byte corruptions either parse (and then round-trip) or give
// an error; each input is its own heap buffer, so ASan would catch any over-read.
void ExpectRobust(const Bytes& good) {
  for (size_t n = 0; n < good.size(); ++n) {
    const Bytes truncated(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(ParseJumbf(truncated).ok()) << "truncated to " << n;
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t value : {uint8_t{0x00}, uint8_t{0x01}, uint8_t{0xFF}, uint8_t(good[i] ^ 0x10)}) {
      Bytes bad = good;
      bad[i] = value;
      auto box = ParseJumbf(bad);
      if (box.ok()) {
        auto again = SerializeJumbf(*box);
        ASSERT_TRUE(again.ok()) << again.error().ToString();
        EXPECT_EQ(*again, bad) << "byte " << i;
      }
    }
  }
}

TEST(JumbfMalformedTest, TruncationsAndCorruptionsNeverCrash) {
  ExpectRobust(MustSerialize(SampleStore()));
}

// ---- Real manifest stores from the fixtures ----

fs::path SourceDir() {
  const char* dir = std::getenv("CUSTODY_SOURCE_DIR");
  return dir != nullptr && *dir != '\0' ? fs::path(dir)
                                        : fs::path(__FILE__).parent_path() / ".." / ".." / "..";
}

fs::path FixturesDir() {
  const char* dir = std::getenv("CUSTODY_FIXTURES");
  if (dir != nullptr && *dir != '\0') return fs::path(dir);
  return SourceDir() / ".." / "shared" / "fixtures";
}

bool RequireFixtures() {
  const char* v = std::getenv("CUSTODY_REQUIRE_FIXTURES");
  return v != nullptr && std::string(v) == "1";
}

std::optional<Bytes> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t ReadU32(const Bytes& b, size_t pos) {
  return (uint32_t{b[pos]} << 24) | (uint32_t{b[pos + 1]} << 16) | (uint32_t{b[pos + 2]} << 8) |
         uint32_t{b[pos + 3]};
}

// The data of the PNG `caBX` chunk (the JUMBF manifest store), or empty if there is none.
Bytes PngManifestStore(const Bytes& png) {
  size_t pos = 8;  // signature
  while (pos + 12 <= png.size()) {
    const size_t length = ReadU32(png, pos);
    if (length > png.size() - pos - 12) break;
    if (std::string_view(reinterpret_cast<const char*>(&png[pos + 4]), 4) == "caBX") {
      return Bytes(png.begin() + pos + 8, png.begin() + pos + 8 + length);
    }
    pos += 12 + length;
  }
  return {};
}

// The JUMBF reassembled from JPEG APP11 segments (notes §2.8): segment 1 carries the start of the
// JUMBF, later segments repeat its 8-byte LBox/TBox before continuing.
Bytes JpegManifestStore(const Bytes& jpeg) {
  Bytes store;
  size_t pos = 2;  // SOI
  while (pos + 4 <= jpeg.size() && jpeg[pos] == 0xFF) {
    const uint8_t marker = jpeg[pos + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan / end of image
    const size_t length = (size_t{jpeg[pos + 2]} << 8) | jpeg[pos + 3];
    if (length < 2 || pos + 2 + length > jpeg.size()) break;
    if (marker == 0xEB && length >= 2 + 8 && jpeg[pos + 4] == 'J' && jpeg[pos + 5] == 'P') {
      const size_t payload = pos + 4 + 8;  // CI, En, Z
      const size_t skip = store.empty() ? 0 : 8;
      if (payload + skip <= pos + 2 + length) {
        store.insert(store.end(), jpeg.begin() + payload + skip, jpeg.begin() + pos + 2 + length);
      }
    }
    pos += 2 + length;
  }
  return store;
}

class JumbfFixtureTest : public ::testing::Test {
 protected:
  // Loads a fixture file relative to fixtures/c2pa, or skips (fails under
  // CUSTODY_REQUIRE_FIXTURES=1) when it is missing.
  std::optional<Bytes> Load(const std::string& name) {
    const fs::path path = FixturesDir() / "c2pa" / name;
    auto bytes = ReadFile(path);
    if (!bytes) {
      if (RequireFixtures()) {
        ADD_FAILURE() << "missing fixture " << path << " and CUSTODY_REQUIRE_FIXTURES=1";
      }
    }
    return bytes;
  }

  // Parses `store_bytes`, checks the C2PA layout of its last (active) manifest, and checks the
  // byte-exact round trip. Manifest labels start with "urn:" (c2pa-rs 1.x-era files such as
  // C.jpg use "contentauth:urn:uuid:…", hence `label_prefix`).
  void CheckStore(const Bytes& store_bytes, const std::vector<std::string>& assertions,
                  size_t expected_manifests, std::string_view label_prefix = "urn:") {
    ASSERT_FALSE(store_bytes.empty()) << "no JUMBF manifest store found";
    auto parsed = ParseJumbf(store_bytes);
    ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
    const Box& store = *parsed;
    ASSERT_TRUE(store.desc.has_value());
    EXPECT_EQ(store.label(), "c2pa");
    EXPECT_EQ(store.desc->type_uuid, C2paTypeUuid("c2pa"));
    EXPECT_EQ(store.children.size(), expected_manifests);
    ASSERT_FALSE(store.children.empty());

    const Box& active = store.children.back();
    ASSERT_TRUE(active.is_superbox());
    EXPECT_EQ(active.desc->type_uuid, C2paTypeUuid("c2ma"));
    EXPECT_TRUE(active.label().starts_with(label_prefix)) << active.label();

    const Box* claim = FindChildByLabel(active, "c2pa.claim.v2");
    if (claim == nullptr) claim = FindChildByLabel(active, "c2pa.claim");
    ASSERT_NE(claim, nullptr);
    EXPECT_EQ(claim->desc->type_uuid, C2paTypeUuid("c2cl"));
    EXPECT_NE(FindContent(*claim, kCborBoxType), nullptr);
    const Box* signature = FindChildByLabel(active, "c2pa.signature");
    ASSERT_NE(signature, nullptr);
    EXPECT_EQ(signature->desc->type_uuid, C2paTypeUuid("c2cs"));
    const Box* cose = FindContent(*signature, kCborBoxType);
    ASSERT_NE(cose, nullptr);
    ASSERT_FALSE(cose->payload.empty());
    EXPECT_EQ(cose->payload[0], 0xD2) << "COSE_Sign1_Tagged starts with tag 18";

    for (const std::string& label : assertions) {
      const Box* assertion = FindByLabel(active, "c2pa.assertions/" + label);
      EXPECT_NE(assertion, nullptr) << label;
      EXPECT_EQ(
          FindByLabel(store, "/c2pa/" + std::string(active.label()) + "/c2pa.assertions/" + label),
          assertion);
    }

    // The signature superbox's payload range is what a hashed URI to it covers.
    const BoxRange& r = signature->range;
    ASSERT_LE(r.offset + r.length, store_bytes.size());
    EXPECT_EQ(ReadU32(store_bytes, r.offset), r.length);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(&store_bytes[r.offset + 4]), 4),
              "jumb");

    auto again = SerializeJumbf(store);
    ASSERT_TRUE(again.ok()) << again.error().ToString();
    EXPECT_TRUE(*again == store_bytes) << "round trip is not byte-exact";
  }
};

TEST_F(JumbfFixtureTest, HandbuiltPngStore) {
  auto png = Load("handbuilt/min.png");
  if (!png) GTEST_SKIP() << "fixtures not found under " << FixturesDir();
  const Bytes store = PngManifestStore(*png);
  EXPECT_EQ(store.size(), 4413u);
  CheckStore(store, {"c2pa.actions.v2", "c2pa.hash.data"}, 1);
}

TEST_F(JumbfFixtureTest, SaltedReferencePngStore) {
  auto png = Load("reference-c2pa-rs/genai_es256.png");
  if (!png) GTEST_SKIP() << "fixtures not found under " << FixturesDir();
  const Bytes store_bytes = PngManifestStore(*png);
  CheckStore(store_bytes, {"c2pa.actions.v2", "c2pa.hash.data"}, 1);
  auto store = ParseJumbf(store_bytes);
  ASSERT_TRUE(store.ok());
  // c2pa-rs salts each assertion with a 16-byte c2sh box (toggles 0x13).
  const Box* hash = FindByLabel(store->children.back(), "c2pa.assertions/c2pa.hash.data");
  ASSERT_NE(hash, nullptr);
  EXPECT_EQ(hash->desc->toggles, 0x13);
  ASSERT_TRUE(hash->desc->private_box.has_value());
  EXPECT_EQ(hash->desc->private_box->type, kSaltBoxType);
  EXPECT_EQ(HexEncode(hash->desc->private_box->payload), "cd0b683b18fc721ab297a190b5764dd6");
}

TEST_F(JumbfFixtureTest, IngredientReferencePngStore) {
  auto png = Load("reference-c2pa-rs/opened_from_plain.png");
  if (!png) GTEST_SKIP() << "fixtures not found under " << FixturesDir();
  CheckStore(PngManifestStore(*png), {"c2pa.ingredient.v3", "c2pa.actions.v2", "c2pa.hash.data"},
             1);
}

TEST_F(JumbfFixtureTest, JpegStoreWithIngredientManifestAsPeer) {
  auto jpeg = Load("CACA.jpg");
  if (!jpeg) GTEST_SKIP() << "fixtures not found under " << FixturesDir();
  CheckStore(JpegManifestStore(*jpeg), {"c2pa.ingredient.v3"}, 2);
}

TEST_F(JumbfFixtureTest, JpegStoreClaimV1) {
  auto jpeg = Load("C.jpg");
  if (!jpeg) GTEST_SKIP() << "fixtures not found under " << FixturesDir();
  const Bytes store_bytes = JpegManifestStore(*jpeg);
  CheckStore(store_bytes, {"c2pa.actions", "c2pa.hash.data", "c2pa.thumbnail.claim.jpeg"}, 1,
             "contentauth:urn:uuid:");
  auto store = ParseJumbf(store_bytes);
  ASSERT_TRUE(store.ok());
  ASSERT_NE(FindChildByLabel(store->children.back(), "c2pa.claim"), nullptr);
  // The claim thumbnail is an embedded file: bfdb (media type) then bidb (the JPEG bytes).
  const Box* thumb =
      FindByLabel(store->children.back(), "c2pa.assertions/c2pa.thumbnail.claim.jpeg");
  ASSERT_NE(thumb, nullptr);
  EXPECT_EQ(thumb->desc->type_uuid, kEmbeddedFileTypeUuid);
  const Box* bfdb = FindContent(*thumb, kEmbeddedFileDescriptionType);
  ASSERT_NE(bfdb, nullptr);
  auto file = ParseEmbeddedFileDescription(bfdb->payload);
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  EXPECT_EQ(file->media_type, "image/jpeg");
  const Box* bidb = FindContent(*thumb, kBinaryDataType);
  ASSERT_NE(bidb, nullptr);
  ASSERT_GE(bidb->payload.size(), 2u);
  EXPECT_EQ(bidb->payload[0], 0xFF);
  EXPECT_EQ(bidb->payload[1], 0xD8);
}

TEST_F(JumbfFixtureTest, RealStoreSurvivesTruncationAndCorruption) {
  auto png = Load("handbuilt/min.png");
  if (!png) GTEST_SKIP() << "fixtures not found under " << FixturesDir();
  ExpectRobust(PngManifestStore(*png));
}

}  // namespace
}  // namespace custody::provenance
