#include "base/encoding.h"

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/ids.h"

namespace custody {
namespace {

TEST(EncodingTest, HexRoundTrip) {
  Bytes b = {0x00, 0x10, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "0010abff");
  EXPECT_EQ(*HexDecode("0010ABff"), b);
  EXPECT_FALSE(HexDecode("0g").has_value());
  EXPECT_FALSE(HexDecode("abc").has_value());
}

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(Base64Encode(AsBytes(plain[i])), enc[i]);
    auto d = Base64Decode(enc[i]);
    ASSERT_TRUE(d.has_value()) << enc[i];
    EXPECT_EQ(AsChars(*d), plain[i]);
  }
  EXPECT_FALSE(Base64Decode("Zm9").has_value());
  EXPECT_FALSE(Base64Decode("Zh==").has_value());  // non-canonical trailing bits
}

TEST(EncodingTest, Base64UrlIsUnpadded) {
  Bytes b = {0xfb, 0xff};
  EXPECT_EQ(Base64UrlEncode(b), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), b);
  EXPECT_FALSE(Base64UrlDecode("-_8=").has_value());
}

TEST(EncodingTest, ConstantTimeEqual) {
  EXPECT_TRUE(ConstantTimeEqual(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEqual(AsBytes("abc"), AsBytes("ab")));
}

TEST(IdsTest, NewIdsHaveTheirPrefixAndAreDistinct) {
  SeededRandom rnd(7);
  AssetId a = NewId<AssetId>(rnd);
  AssetId b = NewId<AssetId>(rnd);
  EXPECT_NE(a, b);
  EXPECT_TRUE(LooksLike<AssetId>(a.str())) << a;
  EXPECT_FALSE(LooksLike<JobId>(a.str()));
  EXPECT_FALSE(LooksLike<AssetId>("ast_../../etc/passwd"));
}

}  // namespace
}  // namespace custody
