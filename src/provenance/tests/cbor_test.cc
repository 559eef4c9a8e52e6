// Tests for the CBOR codec: the RFC 8949 Appendix A examples both ways, malformed and truncated
// input, the decode limits, hostile declared lengths, and the real claim CBOR of the fixtures.
#include "provenance/c2pa/cbor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "provenance/c2pa/jumbf.h"
#include "provenance/tests/test_util.h"

namespace custody::provenance::cbor {
namespace {

Bytes Hex(std::string_view hex) {
  auto b = HexDecode(hex);
  EXPECT_TRUE(b.has_value()) << hex;
  return b.value_or(Bytes{});
}

Value MustDecode(const Bytes& bytes, const DecodeLimits& limits = {}) {
  auto v = Decode(bytes, limits);
  EXPECT_TRUE(v.ok()) << HexEncode(bytes) << ": " << v.error().ToString();
  return v.ok() ? std::move(v).value() : Value::Undefined();
}

// Decoding must fail with kInvalidArgument, name a byte offset, and mention `fragment`.
void ExpectMalformed(const Bytes& bytes, std::string_view fragment,
                     const DecodeLimits& limits = {}) {
  auto v = Decode(bytes, limits);
  ASSERT_FALSE(v.ok()) << HexEncode(bytes) << " decoded to " << Diagnostic(*v);
  EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(v.error().message().find("at offset "), std::string::npos) << v.error().message();
  EXPECT_NE(v.error().message().find(fragment), std::string::npos)
      << "expected '" << fragment << "' in: " << v.error().message();
}

// The manifest store in a PNG written by c2pa-rs or our writers: the `caBX` chunk right after
// IHDR, at offset 33 (length u32 BE, "caBX", JUMBF, CRC).
std::optional<Box> PngStore(const Bytes& png) {
  if (png.size() < 41 || std::string(png.begin() + 37, png.begin() + 41) != "caBX") {
    ADD_FAILURE() << "no caBX chunk at offset 33";
    return std::nullopt;
  }
  const size_t len =
      (size_t{png[33]} << 24) | (size_t{png[34]} << 16) | (size_t{png[35]} << 8) | size_t{png[36]};
  if (png.size() - 41 < len) {
    ADD_FAILURE() << "truncated caBX chunk";
    return std::nullopt;
  }
  auto store = ParseJumbf(std::span<const uint8_t>(png.data() + 41, len));
  if (!store.ok()) {
    ADD_FAILURE() << store.error().ToString();
    return std::nullopt;
  }
  return std::move(store).value();
}

// RFC 8949 Appendix A: (diagnostic notation, encoding). Every entry here is in preferred
// serialization, so it must decode, print as the diagnostic and re-encode to the same bytes.
struct Example {
  const char* diagnostic;
  const char* hex;
};
const Example kPreferredExamples[] = {
    {"0", "00"},
    {"1", "01"},
    {"10", "0a"},
    {"23", "17"},
    {"24", "1818"},
    {"25", "1819"},
    {"100", "1864"},
    {"1000", "1903e8"},
    {"1000000", "1a000f4240"},
    {"1000000000000", "1b000000e8d4a51000"},
    {"18446744073709551615", "1bffffffffffffffff"},
    {"2(h'010000000000000000')", "c249010000000000000000"},
    {"-18446744073709551616", "3bffffffffffffffff"},
    {"3(h'010000000000000000')", "c349010000000000000000"},
    {"-1", "20"},
    {"-10", "29"},
    {"-100", "3863"},
    {"-1000", "3903e7"},
    {"0.0", "f90000"},
    {"-0.0", "f98000"},
    {"1.0", "f93c00"},
    {"1.1", "fb3ff199999999999a"},
    {"1.5", "f93e00"},
    {"65504.0", "f97bff"},
    {"100000.0", "fa47c35000"},
    {"3.4028234663852886e+38", "fa7f7fffff"},
    {"1e+300", "fb7e37e43c8800759c"},
    {"5.960464477539063e-08", "f90001"},
    {"0.00006103515625", "f90400"},
    {"-4.0", "f9c400"},
    {"-4.1", "fbc010666666666666"},
    {"Infinity", "f97c00"},
    {"NaN", "f97e00"},
    {"-Infinity", "f9fc00"},
    {"false", "f4"},
    {"true", "f5"},
    {"null", "f6"},
    {"undefined", "f7"},
    {"0(\"2013-03-21T20:04:00Z\")", "c074323031332d30332d32315432303a30343a30305a"},
    {"1(1363896240)", "c11a514b67b0"},
    {"1(1363896240.5)", "c1fb41d452d9ec200000"},
    {"23(h'01020304')", "d74401020304"},
    {"24(h'6449455446')", "d818456449455446"},
    {"32(\"http://www.example.com\")", "d82076687474703a2f2f7777772e6578616d706c652e636f6d"},
    {"h''", "40"},
    {"h'01020304'", "4401020304"},
    {"\"\"", "60"},
    {"\"a\"", "6161"},
    {"\"IETF\"", "6449455446"},
    {"\"\\\"\\\\\"", "62225c"},
    {"\"\xc3\xbc\"", "62c3bc"},
    {"\"\xe6\xb0\xb4\"", "63e6b0b4"},
    {"\"\xf0\x90\x85\x91\"", "64f0908591"},
    {"[]", "80"},
    {"[1, 2, 3]", "83010203"},
    {"[1, [2, 3], [4, 5]]", "8301820203820405"},
    {"[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25]",
     "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
    {"{}", "a0"},
    {"{1: 2, 3: 4}", "a201020304"},
    {"{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203"},
    {"[\"a\", {\"b\": \"c\"}]", "826161a161626163"},
    {"{\"a\": \"A\", \"b\": \"B\", \"c\": \"C\", \"d\": \"D\", \"e\": \"E\"}",
     "a56161614161626142616361436164614461656145"},
};

TEST(CborTest, AppendixAExamplesDecodeAndReencodeExactly) {
  for (const Example& ex : kPreferredExamples) {
    SCOPED_TRACE(ex.hex);
    const Bytes bytes = Hex(ex.hex);
    const Value v = MustDecode(bytes);
    EXPECT_EQ(Diagnostic(v), ex.diagnostic);
    EXPECT_EQ(HexEncode(Encode(v)), ex.hex);
  }
}

TEST(CborTest, AppendixAExamplesEncodeFromBuiltValues) {
  EXPECT_EQ(HexEncode(Encode(Value::Uint(1000000000000))), "1b000000e8d4a51000");
  EXPECT_EQ(HexEncode(Encode(Value::NegativeFromMagnitude(std::numeric_limits<uint64_t>::max()))),
            "3bffffffffffffffff");
  EXPECT_EQ(HexEncode(Encode(Value::Int(-1000))), "3903e7");
  EXPECT_EQ(HexEncode(Encode(Value::Int(std::numeric_limits<int64_t>::min()))),
            "3b7fffffffffffffff");
  EXPECT_EQ(HexEncode(Encode(Value::Float(0.00006103515625))), "f90400");
  EXPECT_EQ(HexEncode(Encode(Value::Float(-0.0))), "f98000");
  EXPECT_EQ(HexEncode(Encode(Value::Float(std::numeric_limits<double>::quiet_NaN()))), "f97e00");
  EXPECT_EQ(HexEncode(Encode(Value::Float(-std::numeric_limits<double>::infinity()))), "f9fc00");
  EXPECT_EQ(HexEncode(Encode(Value::Tag(1, Value::Float(1363896240.5)))), "c1fb41d452d9ec200000");
  EXPECT_EQ(HexEncode(Encode(Value::Text("\xe6\xb0\xb4"))), "63e6b0b4");

  Value map = Value::MakeMap();
  map.Set("a", Value::Int(1));
  Value b = Value::MakeArray();
  b.Append(Value::Int(2));
  b.Append(Value::Int(3));
  map.Set("b", std::move(b));
  EXPECT_EQ(HexEncode(Encode(map)), "a26161016162820203");

  Value arr = Value::MakeArray();
  for (int i = 1; i <= 25; ++i) arr.Append(Value::Int(i));
  EXPECT_EQ(HexEncode(Encode(arr)), "98190102030405060708090a0b0c0d0e0f101112131415161718181819");
}

// Appendix A examples that are not in preferred serialization (indefinite lengths, floats wider
// than needed): they decode to the same value, and re-encode in the preferred form.
TEST(CborTest, AppendixANonPreferredExamplesDecode) {
  const struct {
    const char* hex;
    const char* diagnostic;
    const char* preferred;
  } kCases[] = {
      {"fa7f800000", "Infinity", "f97c00"},
      {"fa7fc00000", "NaN", "f97e00"},
      {"faff800000", "-Infinity", "f9fc00"},
      {"fb7ff0000000000000", "Infinity", "f97c00"},
      {"fb7ff8000000000000", "NaN", "f97e00"},
      {"fbfff0000000000000", "-Infinity", "f9fc00"},
      {"5f42010243030405ff", "h'0102030405'", "450102030405"},
      {"7f657374726561646d696e67ff", "\"streaming\"", "6973747265616d696e67"},
      {"9fff", "[]", "80"},
      {"9f018202039f0405ffff", "[1, [2, 3], [4, 5]]", "8301820203820405"},
      {"9f01820203820405ff", "[1, [2, 3], [4, 5]]", "8301820203820405"},
      {"83018202039f0405ff", "[1, [2, 3], [4, 5]]", "8301820203820405"},
      {"83019f0203ff820405", "[1, [2, 3], [4, 5]]", "8301820203820405"},
      {"9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
       "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, "
       "25]",
       "98190102030405060708090a0b0c0d0e0f101112131415161718181819"},
      {"bf61610161629f0203ffff", "{\"a\": 1, \"b\": [2, 3]}", "a26161016162820203"},
      {"826161bf61626163ff", "[\"a\", {\"b\": \"c\"}]", "826161a161626163"},
      {"bf6346756ef563416d7421ff", "{\"Fun\": true, \"Amt\": -2}", "a26346756ef563416d7421"},
      {"5fff", "h''", "40"},
      {"7f6161ff", "\"a\"", "6161"},
      {"f93c01", "1.0009765625", "f93c01"},  // a half with a mantissa
      {"fa3f800000", "1.0", "f93c00"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.hex);
    const Value v = MustDecode(Hex(c.hex));
    EXPECT_EQ(Diagnostic(v), c.diagnostic);
    EXPECT_EQ(HexEncode(Encode(v)), c.preferred);
  }
}

TEST(CborTest, UnsupportedSimpleValuesAreRejected) {
  // simple(16) and simple(255) of Appendix A: well-formed, but C2PA never uses them and Value has
  // no representation for them.
  ExpectMalformed(Hex("f0"), "unsupported simple value");
  ExpectMalformed(Hex("f8ff"), "unsupported simple value");
}

TEST(CborTest, OneByteTagsSixToTwentyDecode) {
  // COSE_Sign1_Tagged is tag 18, written 0xD2; libcbor's own streaming decoder rejects 0xC6-0xD4.
  for (uint8_t ib = 0xC0; ib <= 0xD7; ++ib) {
    const Value v = MustDecode({ib, 0x80});
    ASSERT_TRUE(v.is_tag());
    EXPECT_EQ(v.tag(), ib - 0xC0u);
    EXPECT_TRUE(v.tagged().is_array());
    EXPECT_EQ(Encode(v), (Bytes{ib, 0x80}));
  }
  EXPECT_EQ(Diagnostic(MustDecode(Hex("d28440a0f640"))), "18([h'', {}, null, h''])");
}

TEST(CborTest, HeadSizes) {
  EXPECT_EQ(EncodedHeadSize(0), 1u);
  EXPECT_EQ(EncodedHeadSize(23), 1u);
  EXPECT_EQ(EncodedHeadSize(24), 2u);
  EXPECT_EQ(EncodedHeadSize(255), 2u);
  EXPECT_EQ(EncodedHeadSize(256), 3u);
  EXPECT_EQ(EncodedHeadSize(65535), 3u);
  EXPECT_EQ(EncodedHeadSize(65536), 5u);
  EXPECT_EQ(EncodedHeadSize(0xFFFFFFFFull), 5u);
  EXPECT_EQ(EncodedHeadSize(0x100000000ull), 9u);
  for (size_t n : {0, 1, 23, 24, 255, 256, 1000, 65535, 65536, 70000}) {
    EXPECT_EQ(Encode(Value::Bytes(Bytes(n, 7))).size(), EncodedBytesSize(n)) << n;
  }
}

TEST(CborTest, ValueAccessorsAndIntegers) {
  EXPECT_EQ(Value::Int(5), Value::Uint(5));
  EXPECT_EQ(Value::Int(-1), Value::NegativeFromMagnitude(0));
  EXPECT_EQ(Value::Int(-7).type(), Type::kNegative);
  EXPECT_EQ(Value::Int(-7).uint(), 6u);
  EXPECT_EQ(Value::Int(-7).AsInt64(), -7);
  EXPECT_EQ(Value::Int(std::numeric_limits<int64_t>::min()).AsInt64(),
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Value::Uint(std::numeric_limits<uint64_t>::max()).AsInt64(), std::nullopt);
  EXPECT_EQ(Value::NegativeFromMagnitude(std::numeric_limits<uint64_t>::max()).AsInt64(),
            std::nullopt);
  EXPECT_EQ(Value::Text("1").AsInt64(), std::nullopt);
  EXPECT_FALSE(Value::Int(1) == Value::Float(1.0));
  EXPECT_FALSE(Value::Float(0.0) == Value::Float(-0.0));
  EXPECT_TRUE(Value::Float(NAN) == Value::Float(-NAN));
  EXPECT_TRUE(Value() == Value::Null());
  EXPECT_FALSE(Value::Null() == Value::Undefined());
  EXPECT_FALSE(Value::Tag(1, Value::Int(1)) == Value::Tag(2, Value::Int(1)));
}

TEST(CborTest, MapFindAndSetKeepOrderAndFirstDuplicate) {
  Value m = Value::MakeMap();
  m.Set(1, Value::Int(-7));
  m.Set("pad", Value::Bytes(Bytes{}));
  m.Set(33, Value::Text("x"));
  m.Set(1, Value::Int(-8));  // replaces in place
  ASSERT_EQ(m.map().size(), 3u);
  EXPECT_EQ(m.map()[0].first, Value::Int(1));
  EXPECT_EQ(*m.Find(1), Value::Int(-8));
  EXPECT_EQ(m.Find("pad")->bytes().size(), 0u);
  EXPECT_EQ(m.Find("missing"), nullptr);
  EXPECT_EQ(m.Find(2), nullptr);
  EXPECT_EQ(m.Find("1"), nullptr);  // text and integer keys are distinct
  EXPECT_EQ(Value::Int(3).Find(1), nullptr);

  // Duplicate keys are kept as read; Find returns the first.
  const Value dup = MustDecode(Hex("a2616101616102"));
  ASSERT_EQ(dup.map().size(), 2u);
  EXPECT_EQ(*dup.Find("a"), Value::Int(1));
  EXPECT_EQ(Encode(dup), Hex("a2616101616102"));
}

TEST(CborTest, ToJson) {
  const Value v = MustDecode(Hex(
      // {"n": -2, "big": 18446744073709551615, "neg": -18446744073709551616, "b": h'010203',
      //  "t": 0("2013-03-21T20:04:00Z"), "e": 1(1363896240), "x": 24(h'00'), 1: "one",
      //  "f": 1.5, "nan": NaN, "a": [true, null, undefined]}
      "ab"
      "616e21"
      "63626967"
      "1bffffffffffffffff"
      "636e6567"
      "3bffffffffffffffff"
      "6162"
      "43010203"
      "6174"
      "c074323031332d30332d32315432303a30343a30305a"
      "6165"
      "c11a514b67b0"
      "6178"
      "d8184100"
      "01"
      "636f6e65"
      "6166"
      "f93e00"
      "636e616e"
      "f97e00"
      "6161"
      "83f5f6f7"));
  const boost::json::value expected = boost::json::parse(R"({
      "n": -2, "big": 18446744073709551615, "neg": "-18446744073709551616", "b": "AQID",
      "t": "2013-03-21T20:04:00Z", "e": 1363896240, "x": {"tag": 24, "value": "AA=="},
      "1": "one", "f": 1.5, "nan": "NaN", "a": [true, null, null]})");
  EXPECT_EQ(ToJson(v), expected) << boost::json::serialize(ToJson(v));
  // A map key that is itself structured uses its diagnostic notation as the name.
  EXPECT_EQ(boost::json::serialize(ToJson(MustDecode(Hex("a1820102f5")))), R"({"[1, 2]":true})");
  // Structured keys nested in structured keys grow linearly, not by re-escaping at every level
  // (found by the fuzzer: 30 levels of {{...: 0}: 0} once took gigabytes).
  Bytes nested;
  for (int i = 0; i < 30; ++i) nested.push_back(0xA1);
  nested.push_back(0x61);
  nested.push_back('"');
  for (int i = 0; i < 30; ++i) nested.push_back(0x00);
  const std::string json = boost::json::serialize(ToJson(MustDecode(nested)));
  EXPECT_LT(json.size(), 1000u) << json.substr(0, 200);
}

TEST(CborTest, DiagnosticEscapesText) {
  EXPECT_EQ(Diagnostic(Value::Text("a\"b\\c\n\x01")), R"("a\"b\\c\n\u0001")");
  Value m = Value::MakeMap();
  m.Set("alg", Value::Text("sha256"));
  m.Set("hash", Value::Bytes(Bytes{1, 2}));
  EXPECT_EQ(Diagnostic(m), R"({"alg": "sha256", "hash": h'0102'})");
}

TEST(CborTest, MalformedInputNamesTheOffset) {
  ExpectMalformed({}, "empty input");
  ExpectMalformed(Hex("0000"), "1 trailing bytes");
  ExpectMalformed(Hex("1c"), "reserved additional information 28");
  ExpectMalformed(Hex("5d"), "reserved additional information 29");
  ExpectMalformed(Hex("1f"), "integers cannot have indefinite length");
  ExpectMalformed(Hex("3f"), "integers cannot have indefinite length");
  ExpectMalformed(Hex("df"), "tags cannot have indefinite length");
  ExpectMalformed(Hex("ff"), "unexpected break");
  ExpectMalformed(Hex("8201ff"), "unexpected break");
  ExpectMalformed(Hex("c1ff"), "unexpected break");
  ExpectMalformed(Hex("bf01ff"), "key without its value");
  ExpectMalformed(Hex("5f6161ff"), "text string chunk inside an indefinite-length byte string");
  ExpectMalformed(Hex("7f4161ff"), "byte string chunk inside an indefinite-length text string");
  ExpectMalformed(Hex("5f5fffff"), "only contain definite-length strings");
  ExpectMalformed(Hex("5f01ff"), "only contain definite-length strings");
  ExpectMalformed(Hex("7f9fffff"), "only contain definite-length strings");
  ExpectMalformed(Hex("62c328"), "invalid UTF-8");        // bad continuation byte
  ExpectMalformed(Hex("62c080"), "invalid UTF-8");        // overlong NUL
  ExpectMalformed(Hex("63eda080"), "invalid UTF-8");      // surrogate U+D800
  ExpectMalformed(Hex("64f4908080"), "invalid UTF-8");    // above U+10FFFF
  ExpectMalformed(Hex("63e28228"), "invalid UTF-8");      // bad third byte
  ExpectMalformed(Hex("7f61c361bcff"), "invalid UTF-8");  // a character split between chunks
  // The offset is the offending byte's: here the 0xFF inside the second array element's text.
  auto r = Decode(Hex("82616163616cff"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("at offset 6:"), std::string::npos) << r.error().message();
}

TEST(CborTest, TruncationAtEveryByteIsAnError) {
  Value protected_map = Value::MakeMap();
  protected_map.Set(1, Value::Int(-7));
  protected_map.Set(33, Value::Bytes(Bytes(300, 0x30)));
  Value unprotected = Value::MakeMap();
  unprotected.Set("pad", Value::Bytes(Bytes(30, 0)));
  unprotected.Set("f", Value::Float(1.1));
  unprotected.Set("t", Value::Tag(1, Value::Int(-100000)));
  Value sign1 = Value::MakeArray();
  sign1.Append(Value::Bytes(Encode(protected_map)));
  sign1.Append(std::move(unprotected));
  sign1.Append(Value::Null());
  sign1.Append(Value::Bytes(Bytes(64, 0xAB)));
  const Bytes good = Encode(Value::Tag(18, std::move(sign1)));
  ASSERT_TRUE(Decode(good).ok());
  for (const Bytes& full : {good, Hex("bf61610161629f0203ffff"), Hex("7f657374726561646d696e67ff"),
                            Hex("c1fb41d452d9ec200000"), Hex("3bffffffffffffffff")}) {
    for (size_t n = 0; n < full.size(); ++n) {
      auto r = Decode(std::span<const uint8_t>(full.data(), n));
      ASSERT_FALSE(r.ok()) << "prefix of " << n << " bytes decoded";
      EXPECT_NE(r.error().message().find("at offset "), std::string::npos);
    }
  }
}

TEST(CborTest, EveryByteFlipIsHandled) {
  // Not a correctness check of the results: every mutation must decode or fail cleanly (the
  // sanitizers catch over-reads), and whatever decodes must round-trip through Encode.
  Value v = Value::MakeMap();
  v.Set("exclusions",
        Value::MakeArray({Value::MakeMap(
            {{Value::Text("start"), Value::Int(33)}, {Value::Text("length"), Value::Int(4425)}})}));
  v.Set("alg", Value::Text("sha256"));
  v.Set("hash", Value::Bytes(Bytes(32, 0x11)));
  v.Set("pad", Value::Bytes(Bytes{}));
  const Bytes good = Encode(v);
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t x : {0x01, 0x20, 0x80, 0xFF}) {
      Bytes bad = good;
      bad[i] ^= x;
      auto r = Decode(bad);
      if (r.ok()) {
        EXPECT_EQ(*Decode(Encode(*r)), *r);
      }
    }
  }
}

TEST(CborTest, DepthLimit) {
  auto nested = [](int depth) {
    Bytes b(depth, 0x81);
    b.push_back(0x00);
    return b;
  };
  EXPECT_TRUE(Decode(nested(64)).ok());
  ExpectMalformed(nested(65), "nesting deeper than 64");
  // Tags count as nesting too, and indefinite containers as much as definite ones.
  Bytes tags(65, 0xC1);
  tags.push_back(0x00);
  ExpectMalformed(tags, "nesting deeper than 64");
  Bytes indefinite(65, 0x9F);
  ExpectMalformed(indefinite, "nesting deeper than 64");
  ExpectMalformed(nested(5), "nesting deeper than 4", DecodeLimits{.max_depth = 4});
  // Deep input far beyond the limit fails fast without recursion.
  ExpectMalformed(nested(200000), "nesting deeper than 64");
}

TEST(CborTest, ItemLimit) {
  // [1, 2, 3] is four data items.
  EXPECT_TRUE(Decode(Hex("83010203"), DecodeLimits{.max_items = 4}).ok());
  ExpectMalformed(Hex("83010203"), "more than 3 data items", DecodeLimits{.max_items = 3});
  // Chunks of indefinite strings count as items.
  ExpectMalformed(Hex("5f41014102ff"), "more than 2 data items", DecodeLimits{.max_items = 2});
  // A large flat array stops at the limit rather than allocating for all of it.
  Bytes big = Hex("9a000186a0");  // 100,000 items declared, and present
  big.resize(big.size() + 100000, 0x00);
  EXPECT_TRUE(Decode(big, DecodeLimits{.max_items = 100001}).ok());
  ExpectMalformed(big, "more than 100000 data items", DecodeLimits{.max_items = 100000});
  ExpectMalformed(big, "more than 1000 data items", DecodeLimits{.max_items = 1000});
}

TEST(CborTest, HugeDeclaredLengthsDoNotAllocate) {
  // Strings: libcbor asks for the whole declared length before any callback.
  ExpectMalformed(Hex("5bffffffffffffffff00"), "truncated item");
  ExpectMalformed(Hex("7affffffff61"), "truncated item");
  ExpectMalformed(Hex("59ffff"), "truncated item");
  // Containers: each item needs at least a byte (a map entry two), so the count is checked against
  // what is left before anything is reserved.
  ExpectMalformed(Hex("9bffffffffffffffff00"), "array declares 18446744073709551615 items");
  ExpectMalformed(Hex("9a7fffffff"), "array declares 2147483647 items but only 0 bytes follow");
  ExpectMalformed(Hex("bbffffffffffffffff0000"), "map declares 18446744073709551615 entries");
  ExpectMalformed(Hex("a20102"), "map declares 2 entries but only 2 bytes follow");
  ExpectMalformed(Hex("8301"), "array declares 3 items but only 1 bytes follow");
  // Nested: the inner count is checked against what is left after the inner head.
  ExpectMalformed(Hex("82019a000f4240"), "array declares 1000000 items");
}

TEST(CborTest, IndefiniteAndDefiniteDecodeToTheSameValue) {
  EXPECT_EQ(MustDecode(Hex("bf61610161629f0203ffff")), MustDecode(Hex("a26161016162820203")));
  EXPECT_EQ(MustDecode(Hex("5f42010243030405ff")), Value::Bytes(Bytes{1, 2, 3, 4, 5}));
  EXPECT_EQ(MustDecode(Hex("7f657374726561646d696e67ff")), Value::Text("streaming"));
}

// The claim of handbuilt/min.png was written in preferred serialization, so decoding and
// re-encoding it reproduces the exact bytes that the signature covers.
TEST(CborTest, FixtureClaimRoundTripsByteForByte) {
  CUSTODY_C2PA_FIXTURE(png, "handbuilt/min.png");
  auto store = PngStore(png);
  ASSERT_TRUE(store.has_value());
  ASSERT_FALSE(store->children.empty());
  const Box& manifest = store->children.back();

  const Box* claim_box = FindByLabel(manifest, "c2pa.claim.v2");
  ASSERT_NE(claim_box, nullptr);
  const Box* claim_cbor = FindContent(*claim_box, kCborBoxType);
  ASSERT_NE(claim_cbor, nullptr);
  const Value claim = MustDecode(claim_cbor->payload);
  EXPECT_EQ(Encode(claim), claim_cbor->payload);
  ASSERT_TRUE(claim.is_map());
  EXPECT_EQ(claim.Find("instanceID")->text(), "xmp:iid:55f0e54b-f071-422d-bafd-406a1939bbd7");
  EXPECT_EQ(claim.Find("claim_generator_info")->Find("name")->text(), "my-cpp-app");
  EXPECT_EQ(claim.Find("alg")->text(), "sha256");
  const Value* created = claim.Find("created_assertions");
  ASSERT_NE(created, nullptr);
  ASSERT_EQ(created->array().size(), 2u);
  EXPECT_EQ(created->array()[0].Find("url")->text(), "self#jumbf=c2pa.assertions/c2pa.hash.data");
  EXPECT_EQ(HexEncode(created->array()[0].Find("hash")->bytes()),
            "7cec7dc955bc34963c5a48d61123b0e3a63b7dac66a7f31be3f7aa2f97375584");
  // The JSON view keeps the members and shows the hash as base64.
  const boost::json::value json = ToJson(claim);
  EXPECT_EQ(json.at("dc:title").as_string(), "min.png");
  EXPECT_EQ(json.at("created_assertions").at(0).at("hash").as_string(),
            Base64Encode(created->array()[0].Find("hash")->bytes()));

  // The hash.data assertion and the signature also round-trip.
  const Box* hash_box = FindByLabel(manifest, "c2pa.assertions/c2pa.hash.data");
  ASSERT_NE(hash_box, nullptr);
  const Value hash = MustDecode(FindContent(*hash_box, kCborBoxType)->payload);
  EXPECT_EQ(Encode(hash), FindContent(*hash_box, kCborBoxType)->payload);
  EXPECT_EQ(hash.Find("exclusions")->array()[0].Find("length")->uint(), 4425u);

  const Box* sig_box = FindByLabel(manifest, "c2pa.signature");
  ASSERT_NE(sig_box, nullptr);
  const Bytes& sig_bytes = FindContent(*sig_box, kCborBoxType)->payload;
  const Value sig = MustDecode(sig_bytes);
  EXPECT_EQ(Encode(sig), sig_bytes);
  ASSERT_TRUE(sig.is_tag());
  EXPECT_EQ(sig.tag(), 18u);
  EXPECT_EQ(sig.tagged().array()[1].Find("pad")->bytes().size(), 1956u);
}

// Every CBOR content box of the PNG fixtures decodes, whatever wrote it.
TEST(CborTest, EveryCborBoxOfThePngFixturesDecodes) {
  for (const char* name : {"handbuilt/min.png", "reference-c2pa-rs/genai_es256.png",
                           "reference-c2pa-rs/opened_from_plain.png"}) {
    SCOPED_TRACE(name);
    CUSTODY_C2PA_FIXTURE(png, name);
    auto store = PngStore(png);
    ASSERT_TRUE(store.has_value());
    int boxes = 0;
    std::vector<const Box*> todo{&*store};
    while (!todo.empty()) {
      const Box* b = todo.back();
      todo.pop_back();
      for (const Box& child : b->children) todo.push_back(&child);
      if (b->type == kCborBoxType) {
        ++boxes;
        auto v = Decode(b->payload);
        EXPECT_TRUE(v.ok()) << v.error().ToString();
      }
    }
    EXPECT_GE(boxes, 4);
  }
}

}  // namespace
}  // namespace custody::provenance::cbor
